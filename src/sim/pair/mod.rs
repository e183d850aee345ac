//! Seed 000's interacting galaxy pairs, simulated instead of downloaded from GalMer: a restricted
//! N-body code (Toomre & Toomre 1972; JSPAM-like) — two rigid, softened galaxy potentials on their
//! mutual orbit, carrying massless test particles for their discs and bulges — and a renderer of
//! projected surface-density images for any viewing angles (θ, φ).
//!
//! | file | holds |
//! |---|---|
//! | `units` | GalMer's units: kpc, 2.3·10⁹ M☉, G = 1 (99.46 km/s, 9.831 Myr) |
//! | `potential` | Plummer, Hernquist, NFW, Miyamoto–Nagai, point mass: Φ, −∇Φ, ρ; f32 kernels |
//! | `galaxy` | gE0/gSa/gSb parameter table, mass ratios, test-particle initial conditions |
//! | `orbit` | orbit from (r_ini, r_peri, energy), the 12-orbit grid, Fig 1 geometry, spin |
//! | `integrate` | KDK leapfrog: centres (+ dynamical friction), particles (rayon, chunked) |
//! | `encounter` | one pair: set-up, pericentre, snapshots (with jitter) |
//! | `render` | projection for (θ, φ), surface-density images, field of view, PNG/GIF |
//! | `mirror` | the mirror degeneracy: the second i whose discs project exactly as the true ones |
//! | `observe` | an SDSS-like observation of a rendered image: distance, PSF, sky, Poisson noise, asinh |
//! | `cli` | `galaxy-lab pairs …` |
//!
//! ```no_run
//! use galaxy_lab::prelude::*;
//! # fn main() -> galaxy_lab::Result<()> {
//! // One gSa–gSb encounter, i = 45°, prograde, orbit 1 (8 kpc, parabolic), to pericentre.
//! let config = PairConfig::galmer(Morphology::GSa, Morphology::GSb, MassRatio::OneToOne, 1, 45.0, Spin::Prograde)?
//!     .with_particles(40_000);
//! let enc = Encounter::new(config, SimConfig::default())?;
//! let snap = enc.at_pericentre()?;
//! // The same snapshot at several θ (shared field of view, nothing cropped silently).
//! let views: Vec<ViewAngles> = [0.0, 20.0, 35.0, 50.0, 65.0, 80.0].iter().map(|&t| ViewAngles::new(t, 0.0)).collect::<Result<_>>()?;
//! let images = render_pair_views(&snap, &views, &RenderConfig::default())?;
//! images[0].save_png("pair.png", 4.0)?;
//! // The two-class dataset, then read back.
//! generate_pairs_dataset(&PairDatasetConfig::quick(Experiment::TwoClass, 600), "two_class.h5", &mut |_| {})?;
//! let ds = PairH5::open("two_class.h5")?;
//! println!("{} images, first label {:?}", ds.count, ds.labels[0]);
//! # Ok(()) }
//! ```

#[cfg(feature = "cli")]
pub mod cli;
pub mod encounter;
pub mod galaxy;
pub mod integrate;
pub mod mirror;
pub mod observe;
pub mod orbit;
pub mod potential;
pub mod render;
pub mod units;

pub use encounter::{Encounter, PairConfig, SnapshotTime, simulate};
pub use galaxy::{GalaxyModel, LocalParticles, MassRatio, Morphology, ParticleKind};
pub use integrate::{
    Body, CentreTrack, Friction, Particles, SimConfig, Snapshot, System, centre_energy, evolve,
    integrate_centres, isolated,
};
pub use mirror::{mirror_galaxy, mirror_inclination_deg, plane_angle_deg, reflect_through_sky};
pub use observe::{
    Framing, Observation, ObservationDraw, add_photon_noise, angular_diameter_distance_mpc,
    asinh_stretch, kpc_per_arcsec, observation_rng, peak_counts, psf_sigma_px,
};
pub use orbit::{Geometry, Kepler, OrbitSpec, Spin};
pub use potential::Potential;
pub use render::*;
pub use units::{TIME_UNIT_MYR, VELOCITY_UNIT_KMS, myr_to_units, units_to_myr};
