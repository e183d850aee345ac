//! One galaxy: a rigid potential (bulge + dark halo + stellar disc) and the massless test particles
//! that trace its stars.
//!
//! # GalMer-like parameter table (giant galaxies)
//!
//! Units: mass 2.3·10⁹ M☉, length kpc (so every giant has a total mass of 100 units =
//! 2.3·10¹¹ M☉). Bulges and haloes are Plummer spheres, stellar discs Miyamoto–Nagai discs, as in
//! GalMer (Di Matteo et al. 2007, Table 1; Chilingarian et al. 2010, Table 2 — values reproduced
//! from our reading of those tables; the gas discs are left out, since our simulator has no gas):
//!
//! | type | M_bulge | b_bulge | M_halo | b_halo | M_disc | a_disc | b_disc |
//! |------|--------:|--------:|-------:|-------:|-------:|-------:|-------:|
//! | gE0  | 70 | 4 | 30 | 7  | 0  | –  | –   |
//! | gSa  | 10 | 2 | 50 | 10 | 40 | 4  | 0.5 |
//! | gSb  | 5  | 1 | 75 | 12 | 20 | 5  | 0.5 |
//!
//! Test particles (our choices, documented in [`GalaxyModel`]): the disc particles follow an
//! exponential surface density whose half-mass radius equals that of the Miyamoto–Nagai disc in
//! the thin (Kuzmin) limit, √3·a = 1.678·R_d ⇒ R_d = 1.032·a (gSa 4.13 kpc, gSb 5.16 kpc),
//! truncated at 4 R_d (the "disc radius"); vertically sech²(z/z₀) with z₀ = b_disc. Bulge particles
//! follow the bulge's Plummer density truncated at 10 b.
//!
//! Intermediate (1:2) and dwarf (1:10) companions are the giants rescaled at constant surface
//! density: masses × 1/2 or 1/10, lengths × 1/√2 or 1/√10 (GalMer's scaling).

use super::potential::{Potential, to_global};
use crate::error::{Error, Result, check_finite, check_positive, check_range};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};

/// GalMer's morphological types that we model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Morphology {
    /// Giant elliptical (bulge-dominated, no disc).
    GE0,
    /// Giant early-type spiral.
    GSa,
    /// Giant intermediate spiral.
    GSb,
}

impl Morphology {
    /// All types, in label order (the HDF5 code is the index).
    pub const ALL: [Morphology; 3] = [Morphology::GE0, Morphology::GSa, Morphology::GSb];

    /// GalMer's name ("gE0", "gSa", "gSb").
    pub fn name(self) -> &'static str {
        match self {
            Morphology::GE0 => "gE0",
            Morphology::GSa => "gSa",
            Morphology::GSb => "gSb",
        }
    }

    /// Integer code stored in datasets.
    pub fn code(self) -> u8 {
        match self {
            Morphology::GE0 => 0,
            Morphology::GSa => 1,
            Morphology::GSb => 2,
        }
    }

    /// Parses "gE0"/"gE"/"gSa"/"gSb" (case-insensitive).
    pub fn parse(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "ge0" | "ge" | "e" => Ok(Morphology::GE0),
            "gsa" | "sa" => Ok(Morphology::GSa),
            "gsb" | "sb" => Ok(Morphology::GSb),
            _ => Err(Error::invalid("morphology", s, "expected gE0, gSa or gSb")),
        }
    }
}

impl std::fmt::Display for Morphology {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// GalMer's mass ratios: the second galaxy is a giant, an intermediate or a dwarf.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MassRatio {
    /// 1:1 (giant–giant).
    OneToOne,
    /// 1:2 (giant–intermediate).
    OneToTwo,
    /// 1:10 (giant–dwarf).
    OneToTen,
}

impl MassRatio {
    /// All ratios.
    pub const ALL: [MassRatio; 3] = [
        MassRatio::OneToOne,
        MassRatio::OneToTwo,
        MassRatio::OneToTen,
    ];

    /// M₂/M₁.
    pub fn value(self) -> f64 {
        match self {
            MassRatio::OneToOne => 1.0,
            MassRatio::OneToTwo => 0.5,
            MassRatio::OneToTen => 0.1,
        }
    }

    /// Parses "1:1", "1:2", "1:10" (or "1", "2", "10").
    pub fn parse(s: &str) -> Result<Self> {
        match s.trim() {
            "1:1" | "1" => Ok(MassRatio::OneToOne),
            "1:2" | "2" => Ok(MassRatio::OneToTwo),
            "1:10" | "10" => Ok(MassRatio::OneToTen),
            _ => Err(Error::invalid("mass ratio", s, "expected 1:1, 1:2 or 1:10")),
        }
    }
}

/// Which component a test particle belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[repr(u8)]
pub enum ParticleKind {
    /// Stellar disc.
    Disc = 0,
    /// Bulge.
    Bulge = 1,
}

/// A galaxy: rigid potential plus how its test particles are laid out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GalaxyModel {
    /// Name (e.g. "gSa" or "gSa/10").
    pub name: String,
    /// Spherical bulge (Plummer, Hernquist or NFW), traced by bulge particles.
    pub bulge: Option<Potential>,
    /// Spherical dark halo (Plummer, Hernquist or NFW); no particles.
    pub halo: Option<Potential>,
    /// Stellar disc (Miyamoto–Nagai) in the galaxy's x–y plane, traced by disc particles.
    pub disc: Option<Potential>,
    /// Exponential scale length R_d of the disc particles (kpc).
    pub disc_scale_length: f64,
    /// Disc particles are drawn inside this radius (kpc), the "disc radius".
    pub disc_radius: f64,
    /// sech² scale height z₀ of the disc particles (kpc).
    pub disc_height: f64,
    /// In-plane velocity dispersion of the disc particles as a fraction of v_c(R): σ_R = f·v_c,
    /// σ_φ = σ_R/√2. The vertical dispersion follows from the vertical frequency: σ_z = ν·std(z).
    pub disc_dispersion: f64,
    /// Bulge particles are drawn inside this many bulge scale lengths.
    pub bulge_truncation: f64,
}

impl GalaxyModel {
    /// A GalMer giant of the given type (module table).
    pub fn giant(m: Morphology) -> Self {
        let (bulge, halo, disc) = match m {
            Morphology::GE0 => ((70.0, 4.0), (30.0, 7.0), None),
            Morphology::GSa => ((10.0, 2.0), (50.0, 10.0), Some((40.0, 4.0, 0.5))),
            Morphology::GSb => ((5.0, 1.0), (75.0, 12.0), Some((20.0, 5.0, 0.5))),
        };
        let a = disc.map(|d| d.1).unwrap_or(1.0);
        let b = disc.map(|d| d.2).unwrap_or(0.5);
        let r_d = 3f64.sqrt() / 1.678 * a;
        GalaxyModel {
            name: m.name().to_string(),
            bulge: Some(Potential::Plummer {
                mass: bulge.0,
                b: bulge.1,
            }),
            halo: Some(Potential::Plummer {
                mass: halo.0,
                b: halo.1,
            }),
            disc: disc.map(|(mass, a, b)| Potential::MiyamotoNagai { mass, a, b }),
            disc_scale_length: r_d,
            disc_radius: 4.0 * r_d,
            disc_height: b,
            disc_dispersion: 0.05,
            bulge_truncation: 10.0,
        }
    }

    /// A GalMer galaxy of type `m` for the second member of a pair with mass ratio `ratio`
    /// (masses × M₂/M₁, lengths × √(M₂/M₁)).
    pub fn of_type(m: Morphology, ratio: MassRatio) -> Self {
        let g = Self::giant(m);
        match ratio {
            MassRatio::OneToOne => g,
            MassRatio::OneToTwo => g.scaled(0.5, 0.5f64.sqrt(), &format!("i{}", &m.name()[1..])),
            MassRatio::OneToTen => g.scaled(0.1, 0.1f64.sqrt(), &format!("d{}", &m.name()[1..])),
        }
    }

    /// A galaxy of type `m` scaled to `m2_over_m1` ∈ (0, 1] of the giant's mass, with lengths ×
    /// √(M₂/M₁) as [`Self::of_type`]: for mass ratios between GalMer's three (the seed's real
    /// pairs span 1:1 to 1:12).
    pub fn with_mass_ratio(m: Morphology, m2_over_m1: f64) -> Result<Self> {
        crate::error::check_range("mass ratio M2/M1", m2_over_m1, 0.0, 1.0)?;
        if m2_over_m1 <= 0.0 {
            return Err(Error::invalid(
                "mass ratio M2/M1",
                m2_over_m1,
                "must be > 0",
            ));
        }
        let g = Self::giant(m);
        if m2_over_m1 == 1.0 {
            return Ok(g);
        }
        let name = format!("{}/{:.1}", m.name(), 1.0 / m2_over_m1);
        Ok(g.scaled(m2_over_m1, m2_over_m1.sqrt(), &name))
    }

    /// The same galaxy with masses × `m` and lengths × `l`.
    pub fn scaled(&self, m: f64, l: f64, name: &str) -> Self {
        GalaxyModel {
            name: name.to_string(),
            bulge: self.bulge.map(|p| p.scaled(m, l)),
            halo: self.halo.map(|p| p.scaled(m, l)),
            disc: self.disc.map(|p| p.scaled(m, l)),
            disc_scale_length: self.disc_scale_length * l,
            disc_radius: self.disc_radius * l,
            disc_height: self.disc_height * l,
            disc_dispersion: self.disc_dispersion,
            bulge_truncation: self.bulge_truncation,
        }
    }

    /// Potential components present (bulge, halo, disc; no allocation).
    pub fn components(&self) -> impl Iterator<Item = Potential> + '_ {
        [self.bulge, self.halo, self.disc].into_iter().flatten()
    }

    /// Checks every parameter; errors name the bad one.
    pub fn validate(&self) -> Result<()> {
        if self.bulge.is_none() && self.halo.is_none() && self.disc.is_none() {
            return Err(Error::invalid(
                "galaxy components",
                &self.name,
                "a galaxy needs at least one of bulge, halo, disc",
            ));
        }
        for (name, p) in [("bulge", self.bulge), ("halo", self.halo)] {
            if let Some(p) = p {
                p.validate()?;
                if !p.is_spherical() {
                    return Err(Error::invalid(name, format!("{p:?}"), "must be spherical"));
                }
            }
        }
        if let Some(d) = self.disc {
            d.validate()?;
            if d.is_spherical() {
                return Err(Error::invalid(
                    "disc",
                    format!("{d:?}"),
                    "must be a Miyamoto–Nagai disc",
                ));
            }
            check_positive("disc_scale_length", self.disc_scale_length)?;
            check_positive("disc_radius", self.disc_radius)?;
            check_positive("disc_height", self.disc_height)?;
            check_range("disc_dispersion", self.disc_dispersion, 0.0, 1.0)?;
        }
        check_finite("bulge_truncation", self.bulge_truncation)?;
        if self.bulge_truncation <= 1.0 {
            return Err(Error::invalid(
                "bulge_truncation",
                self.bulge_truncation,
                "must be > 1 (in bulge scale lengths)",
            ));
        }
        Ok(())
    }

    /// Total mass (NFW components: inside c·r_s).
    pub fn mass(&self) -> f64 {
        self.components().map(|p| p.mass()).sum()
    }

    /// Stellar mass (bulge + disc): what the particles carry.
    pub fn stellar_mass(&self) -> f64 {
        self.bulge.map(|p| p.mass()).unwrap_or(0.0) + self.disc.map(|p| p.mass()).unwrap_or(0.0)
    }

    /// Potential at offset `r` in the galaxy frame.
    pub fn potential(&self, r: [f64; 3]) -> f64 {
        self.components().map(|p| p.potential(r)).sum()
    }

    /// Acceleration at offset `r` in the galaxy frame.
    pub fn acceleration(&self, r: [f64; 3]) -> [f64; 3] {
        let mut a = [0.0; 3];
        for p in self.components() {
            let b = p.acceleration(r);
            for k in 0..3 {
                a[k] += b[k];
            }
        }
        a
    }

    /// Density at offset `r` in the galaxy frame.
    pub fn density(&self, r: [f64; 3]) -> f64 {
        self.components().map(|p| p.density(r)).sum()
    }

    /// Circular velocity in the disc plane, √(R · ∂Φ/∂R) at z = 0 (velocity units).
    pub fn circular_velocity(&self, r: f64) -> f64 {
        (-self.acceleration([r, 0.0, 0.0])[0] * r).max(0.0).sqrt()
    }

    /// Vertical frequency ν at radius R in the plane: ν² = ∂²Φ/∂z² (finite difference).
    pub fn vertical_frequency(&self, r: f64) -> f64 {
        let h = 1e-3 * self.disc_height.max(1e-3);
        let az = self.acceleration([r, 0.0, h])[2];
        (-az / h).max(0.0).sqrt()
    }

    /// Spherically averaged inward radial acceleration at radius r (Gauss–Legendre over the
    /// polar angle; exact for the spherical components).
    fn mean_radial_pull(&self, r: f64) -> f64 {
        // 8-point Gauss–Legendre on μ = cos ϑ ∈ [−1, 1].
        const X: [f64; 4] = [
            0.183_434_642_5,
            0.525_532_409_9,
            0.796_666_477_4,
            0.960_289_856_5,
        ];
        const W: [f64; 4] = [
            0.362_683_783_4,
            0.313_706_645_9,
            0.222_381_034_5,
            0.101_228_536_3,
        ];
        let mut s = 0.0;
        for (x, w) in X.iter().zip(W) {
            for mu in [*x, -*x] {
                let sin = (1.0 - mu * mu).sqrt();
                let p = [r * sin, 0.0, r * mu];
                let a = self.acceleration(p);
                s += 0.5 * w * -(a[0] * sin + a[2] * mu);
            }
        }
        s
    }

    /// Isotropic Jeans dispersion σ(r) of the bulge in the galaxy's (spherically averaged) total
    /// potential, tabulated on a log grid: σ²(r) = (1/ρ_b) ∫_r^∞ ρ_b(r') g(r') dr'.
    fn bulge_dispersion_table(&self, bulge: &Potential) -> (Vec<f64>, Vec<f64>) {
        let scale = match *bulge {
            Potential::Plummer { b, .. } => b,
            Potential::Hernquist { a, .. } => a,
            Potential::Nfw { r_s, .. } => r_s,
            Potential::PointMass { .. } | Potential::MiyamotoNagai { .. } => 1.0,
        };
        let n = 400;
        let (lo, hi) = ((1e-3 * scale).ln(), (1e3 * scale).ln());
        let r: Vec<f64> = (0..n)
            .map(|k| (lo + (hi - lo) * k as f64 / (n - 1) as f64).exp())
            .collect();
        // Integrand in ln r: ρ g r.
        let f: Vec<f64> = r
            .iter()
            .map(|&r| bulge.density([r, 0.0, 0.0]) * self.mean_radial_pull(r) * r)
            .collect();
        let h = (hi - lo) / (n - 1) as f64;
        let mut integral = vec![0.0; n];
        for k in (0..n - 1).rev() {
            integral[k] = integral[k + 1] + 0.5 * h * (f[k] + f[k + 1]);
        }
        let sigma = r
            .iter()
            .zip(&integral)
            .map(|(&r, &i)| {
                let rho = bulge.density([r, 0.0, 0.0]);
                if rho > 0.0 {
                    (i / rho).max(0.0).sqrt()
                } else {
                    0.0
                }
            })
            .collect();
        (r, sigma)
    }

    /// Draws `n_disc` disc and `n_bulge` bulge particles in the galaxy's own frame (disc in the x–y
    /// plane, rotating anticlockwise seen from +z). Particle p of kind k draws from its own ChaCha8
    /// stream (`seed`, stream `tag << 40 | k << 32 | p`), so the result does not depend on threads.
    pub fn sample_particles(
        &self,
        n_disc: usize,
        n_bulge: usize,
        seed: u64,
        tag: u8,
    ) -> Result<LocalParticles> {
        self.validate()?;
        if n_disc > 0 && self.disc.is_none() {
            return Err(Error::invalid(
                "n_disc",
                n_disc,
                format!("{} has no disc", self.name),
            ));
        }
        if n_bulge > 0 && self.bulge.is_none() {
            return Err(Error::invalid(
                "n_bulge",
                n_bulge,
                format!("{} has no bulge", self.name),
            ));
        }
        if n_disc > u32::MAX as usize || n_bulge > u32::MAX as usize {
            return Err(Error::invalid("particles", n_disc + n_bulge, "too many"));
        }
        let rng_for = |kind: u64, p: usize| {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            rng.set_stream(((tag as u64) << 40) | (kind << 32) | p as u64);
            rng
        };
        let mut out = LocalParticles::default();
        if let Some(disc) = self.disc {
            let m = (disc.mass() / n_disc.max(1) as f64) as f32;
            let (rd, rmax, z0) = (self.disc_scale_length, self.disc_radius, self.disc_height);
            let std_z = std::f64::consts::PI * z0 / (2.0 * 3f64.sqrt());
            for p in 0..n_disc {
                let mut rng = rng_for(0, p);
                // Exponential surface density: R ~ Gamma(2, R_d), truncated at R_max.
                let r = loop {
                    let u1: f64 = 1.0 - rng.random::<f64>();
                    let u2: f64 = 1.0 - rng.random::<f64>();
                    let r = -rd * (u1 * u2).ln();
                    if r < rmax {
                        break r;
                    }
                };
                let phi = rng.random::<f64>() * std::f64::consts::TAU;
                let u: f64 = rng.random_range(1e-12..1.0 - 1e-12);
                let z = z0 * (2.0 * u - 1.0).atanh();
                let vc = self.circular_velocity(r);
                let sr = self.disc_dispersion * vc;
                let n: [f64; 3] = [0, 1, 2].map(|_| StandardNormal.sample(&mut rng));
                let vr = sr * n[0];
                let vphi = vc + sr / 2f64.sqrt() * n[1];
                let vz = self.vertical_frequency(r) * std_z * n[2];
                let (s, c) = phi.sin_cos();
                out.push(
                    [r * c, r * s, z],
                    [vr * c - vphi * s, vr * s + vphi * c, vz],
                    m,
                    ParticleKind::Disc,
                );
            }
        }
        if let Some(bulge) = self.bulge {
            let m = (bulge.mass() / n_bulge.max(1) as f64) as f32;
            let (rt, sigma) = if n_bulge > 0 {
                self.bulge_dispersion_table(&bulge)
            } else {
                (vec![], vec![])
            };
            for p in 0..n_bulge {
                let mut rng = rng_for(1, p);
                let r = sample_sphere_radius(&bulge, self.bulge_truncation, &mut rng);
                let mu: f64 = rng.random_range(-1.0..=1.0);
                let phi = rng.random::<f64>() * std::f64::consts::TAU;
                let sin = (1.0 - mu * mu).sqrt();
                let pos = [r * sin * phi.cos(), r * sin * phi.sin(), r * mu];
                let s = interp_log(&rt, &sigma, r);
                let v: [f64; 3] = [0, 1, 2].map(|_| {
                    let z: f64 = StandardNormal.sample(&mut rng);
                    s * z
                });
                out.push(pos, v, m, ParticleKind::Bulge);
            }
        }
        Ok(out)
    }
}

/// Linear interpolation of a table on a log-spaced abscissa (clamped at the ends).
fn interp_log(x: &[f64], y: &[f64], v: f64) -> f64 {
    if x.is_empty() {
        return 0.0;
    }
    if v <= x[0] {
        return y[0];
    }
    if v >= x[x.len() - 1] {
        return y[y.len() - 1];
    }
    let k = x.partition_point(|&a| a < v).max(1);
    let t = (v.ln() - x[k - 1].ln()) / (x[k].ln() - x[k - 1].ln());
    y[k - 1] + t * (y[k] - y[k - 1])
}

/// Radius drawn from a spherical component's mass profile, truncated at `trunc` scale lengths.
fn sample_sphere_radius(p: &Potential, trunc: f64, rng: &mut ChaCha8Rng) -> f64 {
    match *p {
        Potential::Plummer { b, .. } => {
            let rmax = trunc * b;
            // M(<r)/M = r³/(r²+b²)^{3/2}; invert for u ≤ M(<rmax)/M.
            let umax = rmax.powi(3) / (rmax * rmax + b * b).powf(1.5);
            let u: f64 = rng.random_range(1e-12..umax);
            b / (u.powf(-2.0 / 3.0) - 1.0).sqrt()
        }
        Potential::Hernquist { a, .. } => {
            let rmax = trunc * a;
            let umax = (rmax / (rmax + a)).powi(2);
            let u: f64 = rng.random_range(1e-12..umax);
            let s = u.sqrt();
            a * s / (1.0 - s)
        }
        _ => {
            // Generic: bisection on the enclosed-mass profile (NFW).
            let scale = match *p {
                Potential::Nfw { r_s, .. } => r_s,
                _ => 1.0,
            };
            let rmax = trunc * scale;
            let mtot = p.enclosed_mass(rmax).unwrap_or(1.0);
            let target = rng.random::<f64>() * mtot;
            let (mut lo, mut hi) = (0.0, rmax);
            for _ in 0..60 {
                let mid = 0.5 * (lo + hi);
                if p.enclosed_mass(mid).unwrap_or(0.0) < target {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            0.5 * (lo + hi)
        }
    }
}

/// Test particles of one galaxy in its own frame (f64, before placement).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LocalParticles {
    /// Positions (kpc).
    pub pos: Vec<[f64; 3]>,
    /// Velocities (velocity units).
    pub vel: Vec<[f64; 3]>,
    /// Mass carried by each particle (for images).
    pub mass: Vec<f32>,
    /// Component of each particle.
    pub kind: Vec<ParticleKind>,
}

impl LocalParticles {
    fn push(&mut self, p: [f64; 3], v: [f64; 3], m: f32, k: ParticleKind) {
        self.pos.push(p);
        self.vel.push(v);
        self.mass.push(m);
        self.kind.push(k);
    }

    /// Number of particles.
    pub fn len(&self) -> usize {
        self.pos.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.pos.is_empty()
    }

    /// Rotates by `rot` (rows: local axes in global coordinates), reverses the rotation sense of
    /// the disc if `spin_sign < 0`, and moves to the centre's position and velocity.
    pub fn placed(
        &self,
        rot: &[[f64; 3]; 3],
        spin_sign: f64,
        centre: [f64; 3],
        vel: [f64; 3],
    ) -> Self {
        let mut out = LocalParticles::default();
        for k in 0..self.len() {
            let p = to_global(rot, self.pos[k]);
            let mut v = self.vel[k];
            if spin_sign < 0.0 {
                // Mirror the in-plane velocity: the disc turns the other way, same orbits.
                v = [-v[0], -v[1], v[2]];
            }
            let v = to_global(rot, v);
            out.push(
                [p[0] + centre[0], p[1] + centre[1], p[2] + centre[2]],
                [v[0] + vel[0], v[1] + vel[1], v[2] + vel[2]],
                self.mass[k],
                self.kind[k],
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn giants_weigh_100_units() {
        for m in Morphology::ALL {
            let g = GalaxyModel::giant(m);
            g.validate().unwrap();
            assert!((g.mass() - 100.0).abs() < 1e-12, "{m}");
        }
        let d = GalaxyModel::of_type(Morphology::GSa, MassRatio::OneToTen);
        assert!((d.mass() - 10.0).abs() < 1e-12);
        assert_eq!(d.name, "dSa");
    }

    #[test]
    fn gsa_rotation_curve_is_galmer_like() {
        // ~250–300 km/s peak for a 2.3e11 Msun giant.
        let g = GalaxyModel::giant(Morphology::GSa);
        let peak = (1..60)
            .map(|r| g.circular_velocity(r as f64 * 0.5))
            .fold(0.0, f64::max)
            * super::super::units::VELOCITY_UNIT_KMS;
        assert!((200.0..350.0).contains(&peak), "{peak}");
    }

    #[test]
    fn particles_follow_the_exponential_disc() {
        let g = GalaxyModel::giant(Morphology::GSa);
        let p = g.sample_particles(20_000, 0, 7, 0).unwrap();
        let e4 = (-4f64).exp();
        let mean: f64 = p
            .pos
            .iter()
            .map(|q| (q[0] * q[0] + q[1] * q[1]).sqrt())
            .sum::<f64>()
            / p.len() as f64;
        // Exact truncated mean: ∫₀⁴ x² e⁻ˣ / ∫₀⁴ x e⁻ˣ.
        let num = 2.0 - e4 * (16.0 + 8.0 + 2.0);
        let den = 1.0 - e4 * 5.0;
        let exact = g.disc_scale_length * num / den;
        assert!((mean - exact).abs() < 0.02 * exact, "{mean} vs {exact}");
        // Rotation: mean specific angular momentum positive (anticlockwise from +z).
        let lz: f64 = p
            .pos
            .iter()
            .zip(&p.vel)
            .map(|(q, v)| q[0] * v[1] - q[1] * v[0])
            .sum();
        assert!(lz > 0.0);
    }

    #[test]
    fn same_seed_same_particles() {
        let g = GalaxyModel::giant(Morphology::GSb);
        let a = g.sample_particles(100, 30, 3, 1).unwrap();
        let b = g.sample_particles(100, 30, 3, 1).unwrap();
        assert_eq!(a, b);
        let c = g.sample_particles(100, 30, 4, 1).unwrap();
        assert_ne!(a, c);
    }

    #[test]
    fn bulge_jeans_dispersion_is_virial_like() {
        // For a Plummer sphere alone, σ²(0) = GM/(6b).
        let g = GalaxyModel {
            halo: None,
            disc: None,
            ..GalaxyModel::giant(Morphology::GSa)
        };
        let b = g.bulge.unwrap();
        let (r, s) = g.bulge_dispersion_table(&b);
        let s0 = interp_log(&r, &s, 1e-3);
        let exact = (10.0f64 / (6.0 * 2.0)).sqrt();
        assert!((s0 - exact).abs() < 1e-3 * exact, "{s0} vs {exact}");
    }
}
