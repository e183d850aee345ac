//! One encounter: two GalMer-like galaxies on a chosen orbit with a chosen geometry, their test
//! particles, and snapshots at chosen times — including "at pericentric approach", seed 000's
//! choice, with an optional jitter.

use super::galaxy::{GalaxyModel, MassRatio, Morphology};
use super::integrate::{
    Body, Particles, SimConfig, Snapshot, System, evolve, find_pericentre, split_particles,
};
use super::orbit::{Geometry, OrbitSpec, Spin};
use super::units::{myr_to_units, units_to_myr};
use crate::error::{Error, Result, check_finite, check_size};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// Everything that defines an encounter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairConfig {
    /// Galaxy 1 (disc in the orbital plane).
    pub galaxy1: GalaxyModel,
    /// Galaxy 2 (disc inclined by i).
    pub galaxy2: GalaxyModel,
    /// Relative orbit.
    pub orbit: OrbitSpec,
    /// Disc orientations and spin.
    pub geometry: Geometry,
    /// Total number of test particles, shared between the galaxies in proportion to their stellar
    /// masses and within each galaxy between disc and bulge in proportion to their masses (so all
    /// particles carry about the same mass).
    pub particles: usize,
    /// RNG seed of the initial conditions.
    pub seed: u64,
}

impl PairConfig {
    /// A GalMer-like pair: types `m1`, `m2`, mass ratio, orbit id 1..=12 of the grid
    /// ([`OrbitSpec::galmer`]), relative inclination and spin; 20,000 particles, seed 0.
    pub fn galmer(
        m1: Morphology,
        m2: Morphology,
        ratio: MassRatio,
        orbit_id: usize,
        inclination_deg: f64,
        spin: Spin,
    ) -> Result<Self> {
        let c = PairConfig {
            galaxy1: GalaxyModel::giant(m1),
            galaxy2: GalaxyModel::of_type(m2, ratio),
            orbit: OrbitSpec::galmer(orbit_id)?,
            geometry: Geometry::new(inclination_deg, spin)?,
            particles: 20_000,
            seed: 0,
        };
        c.validate()?;
        Ok(c)
    }

    /// Sets the number of particles.
    pub fn with_particles(mut self, particles: usize) -> Self {
        self.particles = particles;
        self
    }

    /// Sets the seed.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Checks everything; errors name the bad value.
    pub fn validate(&self) -> Result<()> {
        self.galaxy1.validate()?;
        self.galaxy2.validate()?;
        self.geometry.validate()?;
        self.orbit
            .validate(self.galaxy1.mass() + self.galaxy2.mass())?;
        check_size("particles", self.particles, 1)?;
        if self.particles > 50_000_000 {
            return Err(Error::invalid(
                "particles",
                self.particles,
                "at most 50,000,000",
            ));
        }
        if self.galaxy1.stellar_mass() + self.galaxy2.stellar_mass() <= 0.0 {
            return Err(Error::invalid(
                "stellar mass",
                0,
                "at least one galaxy needs a disc or a bulge to carry particles",
            ));
        }
        Ok(())
    }

    /// Particles of galaxy 1 and galaxy 2.
    pub fn particles_per_galaxy(&self) -> (usize, usize) {
        let (m1, m2) = (self.galaxy1.stellar_mass(), self.galaxy2.stellar_mass());
        let n1 = ((self.particles as f64) * m1 / (m1 + m2)).round() as usize;
        let n1 = n1.min(self.particles);
        (n1, self.particles - n1)
    }

    /// Centres, rotations and particles at t = 0 (module docs of [`super::orbit`]).
    pub fn initial_system(&self) -> Result<System> {
        self.validate()?;
        let (m1, m2) = (self.galaxy1.mass(), self.galaxy2.mass());
        let (d, v) = self.orbit.kepler(m1 + m2).initial_state();
        let f1 = m2 / (m1 + m2);
        let f2 = m1 / (m1 + m2);
        let pos1 = d.map(|x| -f1 * x);
        let vel1 = v.map(|x| -f1 * x);
        let pos2 = d.map(|x| f2 * x);
        let vel2 = v.map(|x| f2 * x);
        let rot1 = self.geometry.rotation1();
        let rot2 = self.geometry.rotation2();
        let sign = self.geometry.spin.sign();
        let (n1, n2) = self.particles_per_galaxy();
        let mut particles = Particles::default();
        for (g, (model, n, rot, pos, vel)) in [
            (&self.galaxy1, n1, rot1, pos1, vel1),
            (&self.galaxy2, n2, rot2, pos2, vel2),
        ]
        .into_iter()
        .enumerate()
        {
            let (nd, nb) = split_particles(model, n);
            let local = model.sample_particles(nd, nb, self.seed, g as u8)?;
            particles.extend_from(&local.placed(&rot, sign, pos, vel), g as u8);
        }
        Ok(System {
            bodies: vec![
                Body {
                    model: self.galaxy1.clone(),
                    rotation: rot1,
                    pos: pos1,
                    vel: vel1,
                },
                Body {
                    model: self.galaxy2.clone(),
                    rotation: rot2,
                    pos: pos2,
                    vel: vel2,
                },
            ],
            particles,
        })
    }
}

/// When to take a snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum SnapshotTime {
    /// Myr after the start.
    Myr(f64),
    /// Myr after (negative: before) the pericentre.
    FromPericentre(f64),
    /// At the pericentre, shifted by a uniform random offset in [−jitter, +jitter] Myr drawn from
    /// the encounter's seed (stream per snapshot position), so reproducible.
    Pericentre {
        /// Half-width of the offset (Myr), ≥ 0.
        jitter_myr: f64,
    },
}

/// An encounter set up and ready to be evolved to any times.
#[derive(Debug, Clone)]
pub struct Encounter {
    /// The configuration.
    pub config: PairConfig,
    /// Integration settings.
    pub sim: SimConfig,
    /// State at t = 0.
    pub system: System,
    /// Time of the first pericentre reached by the extended galaxies (Myr).
    pub pericentre_myr: f64,
    /// Their separation then (kpc).
    pub pericentre_kpc: f64,
    /// Time to pericentre of the equivalent point-mass orbit (Myr).
    pub kepler_pericentre_myr: f64,
}

impl Encounter {
    /// Builds the initial conditions and finds the pericentre (centres only, cheap).
    pub fn new(config: PairConfig, sim: SimConfig) -> Result<Self> {
        config.validate()?;
        sim.validate()?;
        let system = config.initial_system()?;
        let mu = config.galaxy1.mass() + config.galaxy2.mass();
        let t_kep = config.orbit.kepler(mu).time_to_pericentre();
        let h = myr_to_units(sim.dt_myr) / sim.centre_substeps as f64;
        let (tp, dp) = find_pericentre(
            &system.bodies,
            h,
            2.0 * t_kep + myr_to_units(2000.0),
            sim.friction,
        )?;
        Ok(Encounter {
            config,
            sim,
            system,
            pericentre_myr: units_to_myr(tp),
            pericentre_kpc: dp,
            kepler_pericentre_myr: units_to_myr(t_kep),
        })
    }

    /// Resolves snapshot requests to times since the start (Myr).
    pub fn resolve_times(&self, times: &[SnapshotTime]) -> Result<Vec<f64>> {
        times
            .iter()
            .enumerate()
            .map(|(k, t)| {
                let v = match *t {
                    SnapshotTime::Myr(m) => check_finite("snapshot time (Myr)", m)?,
                    SnapshotTime::FromPericentre(m) => {
                        self.pericentre_myr + check_finite("time from pericentre (Myr)", m)?
                    }
                    SnapshotTime::Pericentre { jitter_myr } => {
                        check_finite("jitter_myr", jitter_myr)?;
                        if jitter_myr < 0.0 {
                            return Err(Error::invalid("jitter_myr", jitter_myr, "must be ≥ 0"));
                        }
                        let mut rng = ChaCha8Rng::seed_from_u64(self.config.seed);
                        rng.set_stream((1u64 << 60) | k as u64);
                        let u: f64 = rng.random_range(-1.0..=1.0);
                        self.pericentre_myr + jitter_myr * u
                    }
                };
                if v < 0.0 {
                    return Err(Error::invalid(
                        "snapshot time (Myr)",
                        v,
                        format!(
                            "is before the start (pericentre at {:.1} Myr)",
                            self.pericentre_myr
                        ),
                    ));
                }
                Ok(v)
            })
            .collect()
    }

    /// Evolves to the requested times and returns one snapshot per request, in order.
    pub fn snapshots(&self, times: &[SnapshotTime]) -> Result<Vec<Snapshot>> {
        let t = self.resolve_times(times)?;
        evolve(&self.system, &self.sim, &t, Some(self.pericentre_myr))
    }

    /// The snapshot at the pericentre (no jitter).
    pub fn at_pericentre(&self) -> Result<Snapshot> {
        Ok(self
            .snapshots(&[SnapshotTime::Pericentre { jitter_myr: 0.0 }])?
            .remove(0))
    }

    /// The centres' track from the start to `t_end_myr` sampled every `every_myr` (cheap; for
    /// plots of the orbit and of the energy).
    pub fn centre_track(
        &self,
        t_end_myr: f64,
        every_myr: f64,
    ) -> Result<super::integrate::CentreTrack> {
        crate::error::check_positive("t_end_myr", t_end_myr)?;
        crate::error::check_positive("every_myr", every_myr)?;
        let n = (t_end_myr / every_myr).ceil() as usize;
        if n > 1_000_000 {
            return Err(Error::invalid(
                "every_myr",
                every_myr,
                "too many samples (> 10⁶)",
            ));
        }
        let times: Vec<f64> = (0..=n)
            .map(|k| myr_to_units((k as f64 * every_myr).min(t_end_myr)))
            .collect();
        let h = myr_to_units(self.sim.dt_myr) / self.sim.centre_substeps as f64;
        Ok(super::integrate::integrate_centres(
            &self.system.bodies,
            &times,
            h,
            self.sim.friction,
        ))
    }
}

/// Sets up `config`, evolves it and returns the snapshots at `times` (one call).
pub fn simulate(
    config: &PairConfig,
    sim: &SimConfig,
    times: &[SnapshotTime],
) -> Result<(Encounter, Vec<Snapshot>)> {
    let enc = Encounter::new(config.clone(), *sim)?;
    let snaps = enc.snapshots(times)?;
    Ok((enc, snaps))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn barycentre_at_rest_and_particles_split_by_stellar_mass() {
        let c = PairConfig::galmer(
            Morphology::GSa,
            Morphology::GSb,
            MassRatio::OneToTwo,
            1,
            45.0,
            Spin::Prograde,
        )
        .unwrap()
        .with_particles(3000);
        let s = c.initial_system().unwrap();
        let (m1, m2) = (s.bodies[0].model.mass(), s.bodies[1].model.mass());
        for k in 0..3 {
            let p = m1 * s.bodies[0].pos[k] + m2 * s.bodies[1].pos[k];
            let v = m1 * s.bodies[0].vel[k] + m2 * s.bodies[1].vel[k];
            assert!(p.abs() < 1e-9 && v.abs() < 1e-9);
        }
        assert_eq!(s.particles.len(), 3000);
        let n2 = s.particles.galaxy.iter().filter(|&&g| g == 1).count();
        // gSa stellar 50, iSb stellar 12.5 → 20 % of the particles in galaxy 2.
        assert!((n2 as f64 - 600.0).abs() <= 1.0, "{n2}");
    }

    #[test]
    fn jitter_is_reproducible_and_bounded() {
        let c = PairConfig::galmer(
            Morphology::GSa,
            Morphology::GSa,
            MassRatio::OneToOne,
            1,
            0.0,
            Spin::Prograde,
        )
        .unwrap()
        .with_particles(10);
        let e = Encounter::new(c, SimConfig::default()).unwrap();
        let req = [SnapshotTime::Pericentre { jitter_myr: 25.0 }; 3];
        let a = e.resolve_times(&req).unwrap();
        assert_eq!(a, e.resolve_times(&req).unwrap());
        for t in &a {
            assert!((t - e.pericentre_myr).abs() <= 25.0);
        }
        assert!(a[0] != a[1]);
        let err = e.resolve_times(&[SnapshotTime::Myr(f64::NAN)]).unwrap_err();
        assert!(err.to_string().contains("NaN"));
    }
}
