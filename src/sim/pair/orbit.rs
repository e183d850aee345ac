//! The relative orbit of the two centres and the geometry of seed 000 Fig 1.
//!
//! # Orbit set-up
//! The centres start at separation `r_ini` on the Kepler orbit of two point masses M₁ + M₂ (their
//! total masses) with pericentre distance `r_peri` and specific orbital energy `energy`
//! (ε = v²/2 − G(M₁+M₂)/r of the relative motion; 0 = parabolic, > 0 hyperbolic, < 0 bound).
//! As in GalMer, the pericentre the extended galaxies actually reach differs somewhat from the
//! point-mass value (their potentials are softer when they overlap, and friction, if on, drains
//! energy); the simulation reports the one it reached.
//!
//! # Geometry (seed 000 §2, Fig 1)
//! * The orbital plane is x–y and the orbital angular momentum points along +z. The pericentre of
//!   the point-mass orbit lies on the +x axis (galaxy 2 relative to galaxy 1), the barycentre is at
//!   rest at the origin.
//! * Galaxy 1's disc lies in the orbital plane (i₁ = 0).
//! * Galaxy 2's spin axis is tilted by the relative inclination i ∈ [0°, 180°) towards +y, then
//!   turned by the azimuth Φ₂ about z (GalMer: Φ₂ = 0): n₂ = (sin i sin Φ₂, sin i cos Φ₂, cos i).
//! * Prograde: both discs turn in the sense of the orbit (galaxy 1's spin along +z, galaxy 2's
//!   along n₂). Retrograde: both discs turn the other way (same planes, reversed rotation).
//!
//! # GalMer-like orbit grid (our choice)
//! r_ini = 100 kpc; r_peri ∈ {8, 16, 24} kpc × ε ∈ {0, 0.5, 1, 2} (velocity units², 1 unit ≈
//! 0.989·10⁴ km²/s², i.e. v_∞ = √(2ε) ≈ 0, 99, 141, 199 km/s): 12 orbit types, ids 1–12 in
//! that order (id = 1 + 4·pericentre index + energy index), parabolic and hyperbolic as in GalMer.

use super::units::VELOCITY_UNIT_KMS;
use crate::error::{Error, Result, check_finite, check_positive, check_range};
use serde::{Deserialize, Serialize};

/// Initial separation, pericentre and energy of the relative orbit.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct OrbitSpec {
    /// Initial separation (kpc).
    pub r_ini: f64,
    /// Pericentre distance of the equivalent point-mass orbit (kpc).
    pub r_peri: f64,
    /// Specific orbital energy ε of the relative motion (velocity units²): 0 parabolic, > 0
    /// hyperbolic.
    pub energy: f64,
}

/// The grid's initial separation (kpc).
pub const GRID_R_INI: f64 = 100.0;
/// The grid's pericentres (kpc).
pub const GRID_PERICENTRES: [f64; 3] = [8.0, 16.0, 24.0];
/// The grid's orbital energies (velocity units²).
pub const GRID_ENERGIES: [f64; 4] = [0.0, 0.5, 1.0, 2.0];

impl OrbitSpec {
    /// Orbit type `id` ∈ 1..=12 of the GalMer-like grid (module docs).
    pub fn galmer(id: usize) -> Result<Self> {
        if !(1..=12).contains(&id) {
            return Err(Error::invalid("orbit id", id, "must be in 1..=12"));
        }
        let k = id - 1;
        Ok(OrbitSpec {
            r_ini: GRID_R_INI,
            r_peri: GRID_PERICENTRES[k / 4],
            energy: GRID_ENERGIES[k % 4],
        })
    }

    /// All 12 grid orbits, ids 1..=12.
    pub fn grid() -> Vec<(usize, OrbitSpec)> {
        (1..=12)
            .map(|id| (id, Self::galmer(id).expect("valid id")))
            .collect()
    }

    /// Checks the orbit for total mass `mu` = G(M₁ + M₂).
    pub fn validate(&self, mu: f64) -> Result<()> {
        check_positive("r_ini", self.r_ini)?;
        check_positive("r_peri", self.r_peri)?;
        check_finite("energy", self.energy)?;
        check_positive("total mass", mu)?;
        if self.r_peri >= self.r_ini {
            return Err(Error::invalid(
                "r_peri",
                self.r_peri,
                format!(
                    "must be smaller than the initial separation r_ini = {}",
                    self.r_ini
                ),
            ));
        }
        let k = self.kepler(mu);
        if k.e < 1.0 {
            let apo = k.p / (1.0 - k.e);
            if self.r_ini > apo * (1.0 + 1e-12) {
                return Err(Error::invalid(
                    "energy",
                    self.energy,
                    format!(
                        "too low: a bound orbit with r_peri = {} never reaches r_ini = {} (apocentre {apo:.3} kpc)",
                        self.r_peri, self.r_ini
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The equivalent two-point-mass orbit for μ = G(M₁+M₂).
    pub fn kepler(&self, mu: f64) -> Kepler {
        let h = self.r_peri * (2.0 * (self.energy + mu / self.r_peri)).sqrt();
        let e = (1.0 + 2.0 * self.energy * h * h / (mu * mu))
            .max(0.0)
            .sqrt();
        Kepler {
            mu,
            h,
            e,
            p: h * h / mu,
            r_ini: self.r_ini,
        }
    }

    /// v_∞ in km/s (0 for parabolic and bound orbits).
    pub fn v_infinity_kms(&self) -> f64 {
        (2.0 * self.energy).max(0.0).sqrt() * VELOCITY_UNIT_KMS
    }
}

/// A Kepler orbit of the relative coordinate d = x₂ − x₁, starting at separation `r_ini` before
/// pericentre.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Kepler {
    /// G(M₁+M₂).
    pub mu: f64,
    /// Specific angular momentum.
    pub h: f64,
    /// Eccentricity.
    pub e: f64,
    /// Semi-latus rectum p = h²/μ.
    pub p: f64,
    /// Initial separation.
    pub r_ini: f64,
}

impl Kepler {
    /// Pericentre distance p/(1+e).
    pub fn r_peri(&self) -> f64 {
        self.p / (1.0 + self.e)
    }

    /// True anomaly at the start (negative: before pericentre).
    pub fn initial_anomaly(&self) -> f64 {
        let c = if self.e > 0.0 {
            ((self.p / self.r_ini - 1.0) / self.e).clamp(-1.0, 1.0)
        } else {
            1.0
        };
        -c.acos()
    }

    /// Relative position and velocity at the start, pericentre on +x, motion anticlockwise.
    pub fn initial_state(&self) -> ([f64; 3], [f64; 3]) {
        let nu = self.initial_anomaly();
        let r = self.p / (1.0 + self.e * nu.cos());
        let k = self.mu / self.h;
        (
            [r * nu.cos(), r * nu.sin(), 0.0],
            [-k * nu.sin(), k * (self.e + nu.cos()), 0.0],
        )
    }

    /// Time (internal units) from the start to pericentre.
    pub fn time_to_pericentre(&self) -> f64 {
        let nu = self.initial_anomaly();
        let (e, mu, p) = (self.e, self.mu, self.p);
        if (e - 1.0).abs() < 1e-9 {
            // Barker's equation.
            let d = (nu / 2.0).tan();
            -0.5 * (p.powi(3) / mu).sqrt() * (d + d.powi(3) / 3.0)
        } else if e < 1.0 {
            let a = p / (1.0 - e * e);
            let ea = 2.0 * (((1.0 - e) / (1.0 + e)).sqrt() * (nu / 2.0).tan()).atan();
            let m = ea - e * ea.sin();
            -m / (mu / a.powi(3)).sqrt()
        } else {
            let a = p / (e * e - 1.0);
            let f = 2.0 * (((e - 1.0) / (e + 1.0)).sqrt() * (nu / 2.0).tan()).atanh();
            let m = e * f.sinh() - f;
            -m / (mu / a.powi(3)).sqrt()
        }
    }
}

/// Sense of rotation of the discs relative to the orbit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Spin {
    /// Discs turn with the orbit.
    Prograde,
    /// Discs turn against the orbit.
    Retrograde,
}

impl Spin {
    /// +1 or −1.
    pub fn sign(self) -> f64 {
        match self {
            Spin::Prograde => 1.0,
            Spin::Retrograde => -1.0,
        }
    }

    /// Integer code stored in datasets (0 prograde, 1 retrograde).
    pub fn code(self) -> u8 {
        match self {
            Spin::Prograde => 0,
            Spin::Retrograde => 1,
        }
    }

    /// Parses "prograde"/"pro"/"direct" or "retrograde"/"retro".
    pub fn parse(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "prograde" | "pro" | "direct" | "dir" => Ok(Spin::Prograde),
            "retrograde" | "retro" | "ret" => Ok(Spin::Retrograde),
            _ => Err(Error::invalid("spin", s, "expected prograde or retrograde")),
        }
    }
}

/// Orientation of the discs (module docs).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Geometry {
    /// Relative inclination i of galaxy 2's disc (degrees, [0, 180)).
    pub inclination_deg: f64,
    /// Azimuth Φ₂ of galaxy 2's spin axis about z, from +y towards +x (degrees, [0, 360)); GalMer 0.
    pub phi2_deg: f64,
    /// Prograde or retrograde.
    pub spin: Spin,
}

impl Geometry {
    /// Inclination `i` (Φ₂ = 0) and spin.
    pub fn new(inclination_deg: f64, spin: Spin) -> Result<Self> {
        let g = Geometry {
            inclination_deg,
            phi2_deg: 0.0,
            spin,
        };
        g.validate()?;
        Ok(g)
    }

    /// Checks the angles.
    pub fn validate(&self) -> Result<()> {
        check_range("inclination_deg", self.inclination_deg, 0.0, 180.0)?;
        if self.inclination_deg >= 180.0 {
            return Err(Error::invalid(
                "inclination_deg",
                self.inclination_deg,
                "must lie in [0, 180)",
            ));
        }
        check_range("phi2_deg", self.phi2_deg, 0.0, 360.0)?;
        if self.phi2_deg >= 360.0 {
            return Err(Error::invalid(
                "phi2_deg",
                self.phi2_deg,
                "must lie in [0, 360)",
            ));
        }
        Ok(())
    }

    /// Rotation of galaxy 1's disc (identity): rows are its local axes in global coordinates.
    pub fn rotation1(&self) -> [[f64; 3]; 3] {
        [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
    }

    /// Rotation of galaxy 2's disc: rows are its local x, y and spin axes in global coordinates;
    /// the last row is n₂ = (sin i sin Φ₂, sin i cos Φ₂, cos i).
    pub fn rotation2(&self) -> [[f64; 3]; 3] {
        let (si, ci) = self.inclination_deg.to_radians().sin_cos();
        let (sp, cp) = self.phi2_deg.to_radians().sin_cos();
        // Local axes before the azimuthal turn: x̂, (0, cos i, −sin i), (0, sin i, cos i);
        // then R_z(−Φ₂): (x, y, z) → (x cos Φ + y sin Φ, −x sin Φ + y cos Φ, z).
        let turn = |v: [f64; 3]| [v[0] * cp + v[1] * sp, -v[0] * sp + v[1] * cp, v[2]];
        [
            turn([1.0, 0.0, 0.0]),
            turn([0.0, ci, -si]),
            turn([0.0, si, ci]),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initial_state_has_the_requested_energy_and_pericentre() {
        let mu = 200.0;
        for (_, o) in OrbitSpec::grid() {
            o.validate(mu).unwrap();
            let k = o.kepler(mu);
            let (r, v) = k.initial_state();
            let rn = (r[0] * r[0] + r[1] * r[1]).sqrt();
            assert!((rn - o.r_ini).abs() < 1e-9 * o.r_ini);
            let eps = 0.5 * (v[0] * v[0] + v[1] * v[1]) - mu / rn;
            assert!((eps - o.energy).abs() < 1e-10 * mu / rn, "{o:?} {eps}");
            assert!((k.r_peri() - o.r_peri).abs() < 1e-9 * o.r_peri);
            // Approaching, anticlockwise.
            assert!(r[0] * v[0] + r[1] * v[1] < 0.0);
            assert!(r[0] * v[1] - r[1] * v[0] > 0.0);
            assert!(k.time_to_pericentre() > 0.0);
        }
    }

    #[test]
    fn near_parabolic_times_are_continuous() {
        let mu = 200.0;
        let o = |energy| OrbitSpec {
            r_ini: 100.0,
            r_peri: 8.0,
            energy,
        };
        let t0 = o(0.0).kepler(mu).time_to_pericentre();
        let tp = o(1e-6).kepler(mu).time_to_pericentre();
        let tm = o(-1e-6).kepler(mu).time_to_pericentre();
        assert!(
            (tp - t0).abs() < 1e-4 * t0 && (tm - t0).abs() < 1e-4 * t0,
            "{tm} {t0} {tp}"
        );
    }

    #[test]
    fn spin_axis_of_galaxy_2() {
        let g = Geometry::new(45.0, Spin::Prograde).unwrap();
        let n = g.rotation2()[2];
        let s = 0.5f64.sqrt();
        assert!((n[0]).abs() < 1e-15 && (n[1] - s).abs() < 1e-15 && (n[2] - s).abs() < 1e-15);
        assert!(Geometry::new(180.0, Spin::Prograde).is_err());
        assert!(Geometry::new(f64::NAN, Spin::Prograde).is_err());
    }

    #[test]
    fn bad_orbits_are_named() {
        let o = OrbitSpec {
            r_ini: 10.0,
            r_peri: 20.0,
            energy: 0.0,
        };
        let e = o.validate(200.0).unwrap_err().to_string();
        assert!(e.contains("r_peri") && e.contains("20"), "{e}");
        let o = OrbitSpec {
            r_ini: 100.0,
            r_peri: 8.0,
            energy: -1.9,
        };
        assert!(
            o.validate(200.0)
                .unwrap_err()
                .to_string()
                .contains("energy")
        );
    }
}
