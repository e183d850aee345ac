//! Analytic potentials of the rigid galaxy components: point mass, Plummer, Hernquist, NFW and
//! Miyamoto–Nagai. Units are GalMer's (see [`super::units`]): kpc, 2.3·10⁹ M☉, G = 1.
//!
//! Every component gives Φ, the acceleration −∇Φ and the density ρ = ∇²Φ/4πG at an offset
//! `r = (x, y, z)` from its centre, in its own frame (a Miyamoto–Nagai disc lies in its x–y
//! plane). Point masses, Hernquist and NFW spheres are softened, `r → √(r² + ε²)`, so that a test
//! particle passing through the centre sees a finite force; Plummer and Miyamoto–Nagai carry their
//! own core. The acceleration is the exact gradient of the softened Φ (tests check both against
//! each other and against Poisson's equation by finite differences).
//!
//! The f64 methods serve the two centres and the initial conditions; the f32 chunk kernels
//! ([`Kernel`]) serve the test particles and are written as straight loops over fixed-size arrays
//! so that the compiler vectorises them.

use crate::error::{Error, Result, check_finite, check_positive};
use serde::{Deserialize, Serialize};
use std::f64::consts::PI;

/// One analytic mass component.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Potential {
    /// Φ = −GM/√(r² + ε²). With ε = 0 the Kepler potential (for orbit tests of the centres only).
    PointMass {
        /// Mass.
        mass: f64,
        /// Softening length ε (kpc), ≥ 0.
        softening: f64,
    },
    /// Φ = −GM/√(r² + b²) (Plummer 1911): GalMer's bulges and haloes.
    Plummer {
        /// Mass.
        mass: f64,
        /// Scale length b (kpc).
        b: f64,
    },
    /// Φ = −GM/(r + a) (Hernquist 1990), with r softened by ε.
    Hernquist {
        /// Mass.
        mass: f64,
        /// Scale length a (kpc).
        a: f64,
        /// Softening length ε (kpc), ≥ 0.
        softening: f64,
    },
    /// Φ = −G m_s ln(1 + r/r_s)/r (Navarro, Frenk & White 1996) with m_s = 4πρ₀r_s³ chosen so that
    /// the mass inside c·r_s is `mass`; r softened by ε. The profile is not truncated: `mass` is
    /// what the orbit set-up and the energy use as the galaxy's mass.
    Nfw {
        /// Mass inside c·r_s.
        mass: f64,
        /// Scale radius r_s (kpc).
        r_s: f64,
        /// Concentration c.
        c: f64,
        /// Softening length ε (kpc), ≥ 0.
        softening: f64,
    },
    /// Φ = −GM/√(R² + (a + √(z² + b²))²) (Miyamoto & Nagai 1975): GalMer's discs.
    MiyamotoNagai {
        /// Mass.
        mass: f64,
        /// Radial scale a (kpc).
        a: f64,
        /// Vertical scale b (kpc).
        b: f64,
    },
}

/// ln(1 + x) − x/(1 + x), accurate for small x.
fn nfw_m(x: f64) -> f64 {
    if x < 1e-4 {
        x * x * (0.5 - x * (2.0 / 3.0 - 0.75 * x))
    } else {
        x.ln_1p() - x / (1.0 + x)
    }
}

impl Potential {
    /// Checks every parameter; errors name the bad one.
    pub fn validate(&self) -> Result<()> {
        let nonneg = |name: &str, v: f64| -> Result<()> {
            check_finite(name, v)?;
            if v < 0.0 {
                return Err(Error::invalid(name, v, "must be ≥ 0"));
            }
            Ok(())
        };
        match *self {
            Potential::PointMass { mass, softening } => {
                check_positive("mass", mass)?;
                nonneg("softening", softening)?;
            }
            Potential::Plummer { mass, b } => {
                check_positive("mass", mass)?;
                check_positive("plummer b", b)?;
            }
            Potential::Hernquist { mass, a, softening } => {
                check_positive("mass", mass)?;
                check_positive("hernquist a", a)?;
                nonneg("softening", softening)?;
            }
            Potential::Nfw {
                mass,
                r_s,
                c,
                softening,
            } => {
                check_positive("mass", mass)?;
                check_positive("nfw r_s", r_s)?;
                check_positive("nfw concentration c", c)?;
                nonneg("softening", softening)?;
            }
            Potential::MiyamotoNagai { mass, a, b } => {
                check_positive("mass", mass)?;
                nonneg("miyamoto-nagai a", a)?;
                check_positive("miyamoto-nagai b", b)?;
            }
        }
        Ok(())
    }

    /// The component's mass (NFW: the mass inside c·r_s).
    pub fn mass(&self) -> f64 {
        match *self {
            Potential::PointMass { mass, .. }
            | Potential::Plummer { mass, .. }
            | Potential::Hernquist { mass, .. }
            | Potential::Nfw { mass, .. }
            | Potential::MiyamotoNagai { mass, .. } => mass,
        }
    }

    /// The same component with its mass multiplied by `m` and its lengths by `l`.
    pub fn scaled(&self, m: f64, l: f64) -> Potential {
        match *self {
            Potential::PointMass { mass, softening } => Potential::PointMass {
                mass: mass * m,
                softening: softening * l,
            },
            Potential::Plummer { mass, b } => Potential::Plummer {
                mass: mass * m,
                b: b * l,
            },
            Potential::Hernquist { mass, a, softening } => Potential::Hernquist {
                mass: mass * m,
                a: a * l,
                softening: softening * l,
            },
            Potential::Nfw {
                mass,
                r_s,
                c,
                softening,
            } => Potential::Nfw {
                mass: mass * m,
                r_s: r_s * l,
                c,
                softening: softening * l,
            },
            Potential::MiyamotoNagai { mass, a, b } => Potential::MiyamotoNagai {
                mass: mass * m,
                a: a * l,
                b: b * l,
            },
        }
    }

    /// True for the spherical components (all but Miyamoto–Nagai).
    pub fn is_spherical(&self) -> bool {
        !matches!(self, Potential::MiyamotoNagai { .. })
    }

    /// Potential Φ at offset `r` (G = 1).
    pub fn potential(&self, r: [f64; 3]) -> f64 {
        let r2 = r[0] * r[0] + r[1] * r[1] + r[2] * r[2];
        match *self {
            Potential::PointMass { mass, softening } => -mass / (r2 + softening * softening).sqrt(),
            Potential::Plummer { mass, b } => -mass / (r2 + b * b).sqrt(),
            Potential::Hernquist { mass, a, softening } => {
                -mass / ((r2 + softening * softening).sqrt() + a)
            }
            Potential::Nfw {
                mass,
                r_s,
                c,
                softening,
            } => {
                let ms = mass / nfw_m(c);
                let rs = (r2 + softening * softening).sqrt();
                if rs == 0.0 {
                    -ms / r_s
                } else {
                    -ms * (rs / r_s).ln_1p() / rs
                }
            }
            Potential::MiyamotoNagai { mass, a, b } => {
                let rr = r[0] * r[0] + r[1] * r[1];
                let s = a + (r[2] * r[2] + b * b).sqrt();
                -mass / (rr + s * s).sqrt()
            }
        }
    }

    /// Acceleration −∇Φ at offset `r`.
    pub fn acceleration(&self, r: [f64; 3]) -> [f64; 3] {
        let r2 = r[0] * r[0] + r[1] * r[1] + r[2] * r[2];
        let radial = |f: f64| [-f * r[0], -f * r[1], -f * r[2]];
        match *self {
            Potential::PointMass { mass, softening } => {
                let d2 = r2 + softening * softening;
                if d2 == 0.0 {
                    return [0.0; 3];
                }
                radial(mass / (d2 * d2.sqrt()))
            }
            Potential::Plummer { mass, b } => {
                let d2 = r2 + b * b;
                radial(mass / (d2 * d2.sqrt()))
            }
            Potential::Hernquist { mass, a, softening } => {
                let rs = (r2 + softening * softening).sqrt();
                if rs == 0.0 {
                    return [0.0; 3];
                }
                radial(mass / (rs * (rs + a) * (rs + a)))
            }
            Potential::Nfw {
                mass,
                r_s,
                c,
                softening,
            } => {
                let ms = mass / nfw_m(c);
                let rs = (r2 + softening * softening).sqrt();
                if rs == 0.0 {
                    return [0.0; 3];
                }
                // dΦ/dr = G M(<r)/r², M(<r) = m_s [ln(1+x) − x/(1+x)].
                radial(ms * nfw_m(rs / r_s) / (rs * rs * rs))
            }
            Potential::MiyamotoNagai { mass, a, b } => {
                let zb = (r[2] * r[2] + b * b).sqrt();
                let s = a + zb;
                let d2 = r[0] * r[0] + r[1] * r[1] + s * s;
                let f = mass / (d2 * d2.sqrt());
                [-f * r[0], -f * r[1], -f * r[2] * s / zb]
            }
        }
    }

    /// Density ρ at offset `r` (mass units per kpc³).
    pub fn density(&self, r: [f64; 3]) -> f64 {
        let r2 = r[0] * r[0] + r[1] * r[1] + r[2] * r[2];
        match *self {
            Potential::PointMass { .. } => 0.0,
            Potential::Plummer { mass, b } => {
                3.0 * mass / (4.0 * PI * b * b * b) * (1.0 + r2 / (b * b)).powf(-2.5)
            }
            Potential::Hernquist { mass, a, softening } => {
                // Density of the unsoftened profile at the softened radius (ε ≪ a).
                let rs = (r2 + softening * softening).sqrt().max(1e-6 * a);
                mass * a / (2.0 * PI * rs * (rs + a).powi(3))
            }
            Potential::Nfw {
                mass,
                r_s,
                c,
                softening,
            } => {
                let ms = mass / nfw_m(c);
                let x = ((r2 + softening * softening).sqrt() / r_s).max(1e-6);
                ms / (4.0 * PI * r_s.powi(3)) / (x * (1.0 + x) * (1.0 + x))
            }
            Potential::MiyamotoNagai { mass, a, b } => {
                let rr = r[0] * r[0] + r[1] * r[1];
                let zb = (r[2] * r[2] + b * b).sqrt();
                let s = a + zb;
                let num = a * rr + (a + 3.0 * zb) * s * s;
                let den = (rr + s * s).powf(2.5) * zb.powi(3);
                b * b * mass / (4.0 * PI) * num / den
            }
        }
    }

    /// Mass enclosed in a sphere of radius r, for the spherical components (softening ignored);
    /// `None` for Miyamoto–Nagai.
    pub fn enclosed_mass(&self, r: f64) -> Option<f64> {
        Some(match *self {
            Potential::PointMass { mass, .. } => mass,
            Potential::Plummer { mass, b } => mass * r.powi(3) / (r * r + b * b).powf(1.5),
            Potential::Hernquist { mass, a, .. } => mass * r * r / ((r + a) * (r + a)),
            Potential::Nfw { mass, r_s, c, .. } => mass * nfw_m(r / r_s) / nfw_m(c),
            Potential::MiyamotoNagai { .. } => return None,
        })
    }

    /// The f32 kernel of this component placed in a frame rotated by `rotation` (rows: the
    /// component's own x, y, z axes expressed in the global frame).
    pub fn kernel(&self, rotation: [[f64; 3]; 3]) -> Kernel {
        let rot = rotation.map(|row| row.map(|v| v as f32));
        match *self {
            Potential::PointMass { mass, softening } => Kernel::Point {
                gm: mass as f32,
                eps2: (softening * softening) as f32,
            },
            Potential::Plummer { mass, b } => Kernel::Point {
                gm: mass as f32,
                eps2: (b * b) as f32,
            },
            Potential::Hernquist { mass, a, softening } => Kernel::Hernquist {
                gm: mass as f32,
                a: a as f32,
                eps2: (softening * softening) as f32,
            },
            Potential::Nfw {
                mass,
                r_s,
                c,
                softening,
            } => Kernel::Nfw {
                gms: (mass / nfw_m(c)) as f32,
                inv_rs: (1.0 / r_s) as f32,
                eps2: (softening * softening) as f32,
            },
            Potential::MiyamotoNagai { mass, a, b } => Kernel::MiyamotoNagai {
                gm: mass as f32,
                a: a as f32,
                b2: (b * b) as f32,
                rot,
            },
        }
    }
}

/// Particles per chunk in the f32 kernels (the chunk's arrays stay in L1 for the whole run).
pub const LANES: usize = 64;

/// A chunk of coordinates, one array per axis.
pub type Lane = [f32; LANES];

/// A component compiled for the particle loop (f32, rotation folded in). Plummer and point masses
/// share the `Point` form `−GM r/(r² + ε²)^{3/2}`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kernel {
    /// Plummer sphere or softened point mass.
    Point {
        /// G·M.
        gm: f32,
        /// Core or softening squared.
        eps2: f32,
    },
    /// Softened Hernquist sphere.
    Hernquist {
        /// G·M.
        gm: f32,
        /// Scale length.
        a: f32,
        /// Softening squared.
        eps2: f32,
    },
    /// Softened NFW sphere.
    Nfw {
        /// G·m_s.
        gms: f32,
        /// 1/r_s.
        inv_rs: f32,
        /// Softening squared.
        eps2: f32,
    },
    /// Miyamoto–Nagai disc in a rotated frame.
    MiyamotoNagai {
        /// G·M.
        gm: f32,
        /// Radial scale.
        a: f32,
        /// Vertical scale squared.
        b2: f32,
        /// Rows: the disc's axes in the global frame.
        rot: [[f32; 3]; 3],
    },
}

impl Kernel {
    /// Adds this component's acceleration, centred at `c`, to `acc` for the positions `pos`.
    #[inline(always)]
    pub fn accumulate(&self, c: [f32; 3], pos: [&Lane; 3], acc: [&mut Lane; 3]) {
        let [x, y, z] = pos;
        let [ax, ay, az] = acc;
        match *self {
            Kernel::Point { gm, eps2 } => {
                for k in 0..LANES {
                    let dx = x[k] - c[0];
                    let dy = y[k] - c[1];
                    let dz = z[k] - c[2];
                    let d2 = dx * dx + dy * dy + dz * dz + eps2;
                    let inv = 1.0 / d2.sqrt();
                    let f = gm * inv * inv * inv;
                    ax[k] -= f * dx;
                    ay[k] -= f * dy;
                    az[k] -= f * dz;
                }
            }
            Kernel::Hernquist { gm, a, eps2 } => {
                for k in 0..LANES {
                    let dx = x[k] - c[0];
                    let dy = y[k] - c[1];
                    let dz = z[k] - c[2];
                    // max() keeps r = 0 (ε = 0 and a particle exactly at the centre) finite.
                    let r = (dx * dx + dy * dy + dz * dz + eps2).sqrt().max(1e-20);
                    let ra = r + a;
                    let f = gm / (r * ra * ra);
                    ax[k] -= f * dx;
                    ay[k] -= f * dy;
                    az[k] -= f * dz;
                }
            }
            Kernel::Nfw { gms, inv_rs, eps2 } => {
                for k in 0..LANES {
                    let dx = x[k] - c[0];
                    let dy = y[k] - c[1];
                    let dz = z[k] - c[2];
                    let r = (dx * dx + dy * dy + dz * dz + eps2).sqrt().max(1e-20);
                    let u = r * inv_rs;
                    let m = if u < 1e-3 {
                        u * u * (0.5 - u * (2.0 / 3.0 - 0.75 * u))
                    } else {
                        u.ln_1p() - u / (1.0 + u)
                    };
                    let f = gms * m / (r * r * r);
                    ax[k] -= f * dx;
                    ay[k] -= f * dy;
                    az[k] -= f * dz;
                }
            }
            Kernel::MiyamotoNagai { gm, a, b2, rot } => {
                for k in 0..LANES {
                    let dx = x[k] - c[0];
                    let dy = y[k] - c[1];
                    let dz = z[k] - c[2];
                    // Into the disc frame.
                    let u = rot[0][0] * dx + rot[0][1] * dy + rot[0][2] * dz;
                    let v = rot[1][0] * dx + rot[1][1] * dy + rot[1][2] * dz;
                    let w = rot[2][0] * dx + rot[2][1] * dy + rot[2][2] * dz;
                    let zb = (w * w + b2).sqrt();
                    let s = a + zb;
                    let d2 = u * u + v * v + s * s;
                    let inv = 1.0 / d2.sqrt();
                    let f = gm * inv * inv * inv;
                    let au = -f * u;
                    let av = -f * v;
                    let aw = -f * w * s / zb;
                    // Back to the global frame (transpose).
                    ax[k] += rot[0][0] * au + rot[1][0] * av + rot[2][0] * aw;
                    ay[k] += rot[0][1] * au + rot[1][1] * av + rot[2][1] * aw;
                    az[k] += rot[0][2] * au + rot[1][2] * av + rot[2][2] * aw;
                }
            }
        }
    }
}

/// Applies `rot` (rows = local axes in the global frame) to a global vector: local coordinates.
pub fn to_local(rot: &[[f64; 3]; 3], v: [f64; 3]) -> [f64; 3] {
    [0, 1, 2].map(|i| rot[i][0] * v[0] + rot[i][1] * v[1] + rot[i][2] * v[2])
}

/// Inverse of [`to_local`]: a local vector in global coordinates.
pub fn to_global(rot: &[[f64; 3]; 3], v: [f64; 3]) -> [f64; 3] {
    [0, 1, 2].map(|j| rot[0][j] * v[0] + rot[1][j] * v[1] + rot[2][j] * v[2])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all() -> Vec<Potential> {
        vec![
            Potential::PointMass {
                mass: 3.0,
                softening: 0.1,
            },
            Potential::Plummer { mass: 10.0, b: 2.0 },
            Potential::Hernquist {
                mass: 7.0,
                a: 1.5,
                softening: 0.05,
            },
            Potential::Nfw {
                mass: 50.0,
                r_s: 8.0,
                c: 10.0,
                softening: 0.05,
            },
            Potential::MiyamotoNagai {
                mass: 40.0,
                a: 4.0,
                b: 0.5,
            },
        ]
    }

    #[test]
    fn acceleration_is_minus_gradient_of_potential() {
        let h = 1e-5;
        for p in all() {
            for r in [[0.3, -1.2, 0.7], [5.0, 2.0, -0.2], [-12.0, 30.0, 4.0]] {
                let a = p.acceleration(r);
                for d in 0..3 {
                    let (mut rp, mut rm) = (r, r);
                    rp[d] += h;
                    rm[d] -= h;
                    let g = -(p.potential(rp) - p.potential(rm)) / (2.0 * h);
                    assert!(
                        (g - a[d]).abs() < 1e-6 * (1.0 + a[d].abs()),
                        "{p:?} {r:?} {d}"
                    );
                }
            }
        }
    }

    #[test]
    fn density_obeys_poisson() {
        let h = 1e-3;
        for p in all() {
            if matches!(p, Potential::PointMass { .. }) {
                continue;
            }
            for r in [[0.9, -1.2, 0.7], [5.0, 2.0, -0.4], [-12.0, 10.0, 4.0]] {
                let mut lap = 0.0;
                for d in 0..3 {
                    let (mut rp, mut rm) = (r, r);
                    rp[d] += h;
                    rm[d] -= h;
                    lap += (p.potential(rp) - 2.0 * p.potential(r) + p.potential(rm)) / (h * h);
                }
                let rho = p.density(r);
                // Softening changes ρ at the 1e-3 level near ε; compare loosely there.
                assert!(
                    (lap / (4.0 * PI) - rho).abs() < 2e-3 * rho.abs() + 1e-7,
                    "{p:?} {r:?} {} vs {rho}",
                    lap / (4.0 * PI)
                );
            }
        }
    }

    #[test]
    fn f32_kernel_matches_f64() {
        let rot = [[0.0, 1.0, 0.0], [-0.6, 0.0, 0.8], [0.8, 0.0, 0.6]];
        for p in all() {
            let rot = if p.is_spherical() {
                [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
            } else {
                rot
            };
            let k = p.kernel(rot);
            let (mut x, mut y, mut z) = ([0f32; LANES], [0f32; LANES], [0f32; LANES]);
            for i in 0..LANES {
                x[i] = (i as f32 - 30.0) * 0.37;
                y[i] = (i as f32 * 0.7).sin() * 5.0;
                z[i] = (i as f32 * 1.3).cos() * 2.0;
            }
            let (mut ax, mut ay, mut az) = ([0f32; LANES], [0f32; LANES], [0f32; LANES]);
            let c = [0.5f32, -0.25, 0.125];
            k.accumulate(c, [&x, &y, &z], [&mut ax, &mut ay, &mut az]);
            for i in 0..LANES {
                let d = [x[i] as f64 - 0.5, y[i] as f64 + 0.25, z[i] as f64 - 0.125];
                let a = to_global(&rot, p.acceleration(to_local(&rot, d)));
                let got = [ax[i] as f64, ay[i] as f64, az[i] as f64];
                let norm = (a[0] * a[0] + a[1] * a[1] + a[2] * a[2]).sqrt();
                for j in 0..3 {
                    assert!((got[j] - a[j]).abs() < 1e-5 * norm + 1e-9, "{p:?} {i} {j}");
                }
            }
        }
    }

    #[test]
    fn enclosed_mass_matches_gauss_law() {
        for p in all() {
            if !p.is_spherical() || matches!(p, Potential::PointMass { .. }) {
                continue;
            }
            let r = 3.0;
            let a = p.acceleration([r, 0.0, 0.0]);
            let m = p.enclosed_mass(r).unwrap();
            // Softening 0.05 ≪ r: agreement to 1e-3.
            assert!((-a[0] * r * r - m).abs() < 1e-3 * m, "{p:?}");
        }
    }

    #[test]
    fn bad_parameters_are_named() {
        let e = Potential::Plummer { mass: -1.0, b: 1.0 }
            .validate()
            .unwrap_err();
        assert!(e.to_string().contains("mass"), "{e}");
        let e = Potential::MiyamotoNagai {
            mass: 1.0,
            a: 1.0,
            b: f64::NAN,
        }
        .validate()
        .unwrap_err();
        assert!(e.to_string().contains("miyamoto-nagai b"), "{e}");
    }
}
