//! Seed 000's datasets of interacting pairs (our stand-in for GalMer images), in HDF5.
//!
//! Experiments (seed 000 §3):
//! * `TwoClass`: i ∈ {0°, 45°}, θ ∈ {0, 20, 35, 50, 65, 80}°; class = index of i;
//! * `ThreeClass`: i ∈ {0°, 45°, 90°}, same θ; class = index of i;
//! * `NineClass`: (i, θ) ∈ {0, 45, 90} × {15, 45, 75}, θ drawn uniformly in ±5° of the centre;
//!   class = 3·(index of i) + index of θ;
//! * `SixClassSpin` (beyond the seed, its §3 proposal): i ∈ {0°, 45°, 90°} × {prograde,
//!   retrograde}, same θ as two/three classes; class = 2·(index of i) + spin (0 prograde);
//! * `Theta`: i = 45°, gSa–gSa, θ = −90…90° in 1° steps at one azimuth φ (181 views per
//!   simulation); class −1;
//! * `ThetaContinuous`: as `Theta` but θ uniform in [−90°, 90°], 32 views per simulation.
//! * `Joint` (beyond the seed): i uniform in [0°, 90°] per simulation, θ uniform in [−90°, 90°],
//!   16 views per simulation, gSa/gSb pairs: for the joint (i, θ) regression.
//!
//! Beyond the seed, three options (all off by default) make the **mock-observed** sets of the
//! real-data test: `mass_ratio_range` (M₁/M₂ drawn log-uniformly, e.g. 1–12 like the seed's
//! SDSS pairs), `inclination_jitter_deg` (i drawn within ± this of its class, the seed's ±15°
//! labelling window) and `observation` (every view gets a random isotropic direction and sky
//! orientation and is observed as SDSS would: PSF, sky, Poisson noise, asinh stretch, median
//! filter — [`Observation`]).
//!
//! Each simulation draws (from its own ChaCha8 stream `simulation index`, so the file does not
//! depend on the thread count): the morphological pair (gSa–gSa, gSa–gSb or gSb–gSb for the
//! classification experiments, as in the seed), an orbit of the 12-orbit grid, the spin, its
//! initial-condition seed, the snapshot time (pericentre ± `jitter_myr`) and one azimuth φ per
//! view; i cycles through the classes so they are balanced. It is evolved to that time once and
//! rendered at all its views.
//!
//! Schema (h5py reads it by these names):
//! * `images` f32 [N, 1, H, W]: log-stretched surface density in [0, 1] (`decades` below the
//!   image maximum), chunked per image, shuffle + deflate;
//! * labels, one dataset each, length N: `class` i32, `i_deg`, `theta_deg`, `phi_deg`,
//!   `t_from_peri_myr`, `mass_ratio`, `r_peri_kpc`, `energy`, `pericentre_kpc`,
//!   `fov_half_width_kpc`, `fraction_outside`, `redshift`, `peak_snr`, `roll_deg` f32 (the last
//!   three 0 for unobserved images; files written before they existed read as 0); `orbit_id`, `spin` (0 prograde, 1 retrograde),
//!   `morph1`, `morph2` (0 gE0, 1 gSa, 2 gSb) u8; `simulation` u32;
//! * attributes `seed` (u64), `generator`, `experiment`, `class_names` (JSON list), `config` (JSON).

use super::h5::{H5Reader, H5Writer, h5err, write_atomically};
use crate::error::{Error, Result, check_finite, check_positive, check_range, check_size};
use crate::image::Image;
use crate::sim::pair::{
    Encounter, GalaxyModel, MassRatio, Morphology, Observation, PairConfig, PairImage,
    RenderConfig, SimConfig, Snapshot, SnapshotTime, Spin, ViewAngles, render, render_views,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Seed 000's experiments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Experiment {
    /// i ∈ {0, 45}.
    TwoClass,
    /// i ∈ {0, 45, 90}.
    ThreeClass,
    /// (i, θ) ∈ {0, 45, 90} × {15, 45, 75}.
    NineClass,
    /// (i, spin) ∈ {0, 45, 90} × {prograde, retrograde} (beyond the seed: the six classes its §3
    /// proposes).
    SixClassSpin,
    /// θ regression, 1° steps.
    Theta,
    /// θ regression, continuous θ.
    ThetaContinuous,
    /// Joint (i, θ) regression (beyond the seed): i uniform in [0°, 90°] per simulation, θ
    /// uniform in [−90°, 90°] per view, gSa/gSb pairs, all orbits and spins.
    Joint,
}

/// θ values of the two- and three-class experiments.
pub const CLASS_THETAS: [f64; 6] = [0.0, 20.0, 35.0, 50.0, 65.0, 80.0];
/// θ centres of the nine-class experiment.
pub const NINE_THETAS: [f64; 3] = [15.0, 45.0, 75.0];

impl Experiment {
    /// Parses the CLI names `two-class`, `three-class`, `nine-class`, `six-class-spin`, `theta`,
    /// `theta-continuous`, `joint`.
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "two-class" | "2" => Ok(Experiment::TwoClass),
            "three-class" | "3" => Ok(Experiment::ThreeClass),
            "nine-class" | "9" => Ok(Experiment::NineClass),
            "six-class-spin" | "spin" | "6" => Ok(Experiment::SixClassSpin),
            "theta" => Ok(Experiment::Theta),
            "theta-continuous" => Ok(Experiment::ThetaContinuous),
            "joint" => Ok(Experiment::Joint),
            _ => Err(Error::invalid(
                "experiment",
                s,
                "expected two-class, three-class, nine-class, six-class-spin, theta, theta-continuous \
                 or joint",
            )),
        }
    }

    /// The CLI name.
    pub fn name(self) -> &'static str {
        match self {
            Experiment::TwoClass => "two-class",
            Experiment::ThreeClass => "three-class",
            Experiment::NineClass => "nine-class",
            Experiment::SixClassSpin => "six-class-spin",
            Experiment::Theta => "theta",
            Experiment::ThetaContinuous => "theta-continuous",
            Experiment::Joint => "joint",
        }
    }

    /// Relative inclinations cycled over simulations.
    pub fn inclinations(self) -> Vec<f64> {
        match self {
            Experiment::TwoClass => vec![0.0, 45.0],
            Experiment::ThreeClass | Experiment::NineClass | Experiment::SixClassSpin => {
                vec![0.0, 45.0, 90.0]
            }
            Experiment::Theta | Experiment::ThetaContinuous => vec![45.0],
            // Continuous: drawn per simulation; this is the range's midpoint, for display only.
            Experiment::Joint => vec![45.0],
        }
    }

    /// Class names (empty for the regressions).
    pub fn class_names(self) -> Vec<String> {
        match self {
            Experiment::TwoClass | Experiment::ThreeClass => self
                .inclinations()
                .iter()
                .map(|i| format!("i={i}"))
                .collect(),
            Experiment::NineClass => {
                let mut v = Vec::new();
                for i in self.inclinations() {
                    for t in NINE_THETAS {
                        v.push(format!("i={i},theta={t}"));
                    }
                }
                v
            }
            Experiment::SixClassSpin => {
                let mut v = Vec::new();
                for i in self.inclinations() {
                    for spin in ["prograde", "retrograde"] {
                        v.push(format!("i={i},{spin}"));
                    }
                }
                v
            }
            Experiment::Theta | Experiment::ThetaContinuous | Experiment::Joint => vec![],
        }
    }

    /// The relative inclination (degrees) of class `class`: every class of the classification
    /// experiments holds one i (nine classes: i × θ, six: i × spin). `None` for a class the
    /// experiment does not have, and for the regressions.
    pub fn class_inclination_deg(self, class: usize) -> Option<f64> {
        let per_i = match self {
            Experiment::TwoClass | Experiment::ThreeClass => 1,
            Experiment::NineClass => NINE_THETAS.len(),
            Experiment::SixClassSpin => 2,
            Experiment::Theta | Experiment::ThetaContinuous | Experiment::Joint => return None,
        };
        self.inclinations().get(class / per_i).copied()
    }

    /// The classes of seed 000's experiments and of the spin experiment (beyond it).
    pub fn is_classification(self) -> bool {
        !self.class_names().is_empty()
    }

    /// Views rendered per simulation.
    pub fn views_per_simulation(self) -> usize {
        match self {
            Experiment::TwoClass | Experiment::ThreeClass | Experiment::SixClassSpin => {
                CLASS_THETAS.len()
            }
            Experiment::NineClass => 2 * NINE_THETAS.len(),
            Experiment::Theta => 181,
            Experiment::ThetaContinuous => 32,
            Experiment::Joint => 16,
        }
    }
}

/// Everything that defines a pair dataset; stored as the `config` attribute.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairDatasetConfig {
    /// The experiment.
    pub experiment: Experiment,
    /// Number of images N.
    pub count: usize,
    /// Image side in pixels.
    pub size: usize,
    /// Test particles per simulation.
    pub particles: usize,
    /// RNG seed.
    pub seed: u64,
    /// Snapshot at pericentre ± this (Myr, uniform).
    pub jitter_myr: f64,
    /// Dynamic range of the stored log stretch (decades).
    pub decades: f64,
    /// Integration settings.
    pub sim: SimConfig,
    /// Image settings (its `size` is overridden by `size`).
    pub render: RenderConfig,
    /// Morphological pairs drawn from (uniformly).
    pub morph_pairs: Vec<(Morphology, Morphology)>,
    /// Mass ratio.
    pub mass_ratio: MassRatio,
    /// Orbit ids (1..=12) drawn from (uniformly).
    pub orbits: Vec<usize>,
    /// Spins drawn from (uniformly).
    pub spins: Vec<Spin>,
    /// M₁/M₂ drawn log-uniformly in `[low, high]` per simulation (1 ≤ low ≤ high ≤ 100),
    /// overriding `mass_ratio`; `None`: GalMer's `mass_ratio`.
    #[serde(default)]
    pub mass_ratio_range: Option<[f64; 2]>,
    /// Relative inclination drawn uniformly within ± this of its class (folded into [0°, 90°]),
    /// in [0°, 15°]; 0: exactly the class's. Two- and three-class only.
    #[serde(default)]
    pub inclination_jitter_deg: f64,
    /// Observe every view as SDSS would (random isotropic direction and sky orientation
    /// replace the experiment's θ grid). Two- and three-class only.
    #[serde(default)]
    pub observation: Option<Observation>,
}

impl PairDatasetConfig {
    /// The seed's set-up for `experiment`: 1:1 gSa/gSb pairs (gSa–gSa for θ regression), all 12
    /// orbits, both spins, pericentre ± 25 Myr, 20,000 particles, 128 × 128 images.
    pub fn new(experiment: Experiment, count: usize) -> Self {
        let morph_pairs = match experiment {
            Experiment::Theta | Experiment::ThetaContinuous => {
                vec![(Morphology::GSa, Morphology::GSa)]
            }
            _ => vec![
                (Morphology::GSa, Morphology::GSa),
                (Morphology::GSa, Morphology::GSb),
                (Morphology::GSb, Morphology::GSb),
            ],
        };
        PairDatasetConfig {
            experiment,
            count,
            size: 128,
            particles: 20_000,
            seed: 0,
            jitter_myr: 25.0,
            decades: 4.0,
            sim: SimConfig::default(),
            render: RenderConfig::with_size(128),
            morph_pairs,
            mass_ratio: MassRatio::OneToOne,
            orbits: (1..=12).collect(),
            spins: vec![Spin::Prograde, Spin::Retrograde],
            mass_ratio_range: None,
            inclination_jitter_deg: 0.0,
            observation: None,
        }
    }

    /// The mock-observed stand-in for the seed's SDSS test: this set-up with M₁/M₂ log-uniform in
    /// [1, 12], i within ±15° of its class, and SDSS-like observation ([`Observation::default`]).
    pub fn mock_observed(self) -> Self {
        PairDatasetConfig {
            mass_ratio_range: Some([1.0, 12.0]),
            inclination_jitter_deg: 15.0,
            observation: Some(Observation::default()),
            ..self
        }
    }

    /// Realism augmentation: the same simulations (1:1, exact i) but every view observed as SDSS
    /// would ([`Observation::default`]).
    pub fn observed(self) -> Self {
        PairDatasetConfig {
            observation: Some(Observation::default()),
            ..self
        }
    }

    /// A small, fast configuration (3,000 particles, 64 × 64, 1 Myr steps): seconds, not minutes.
    pub fn quick(experiment: Experiment, count: usize) -> Self {
        PairDatasetConfig {
            size: 64,
            particles: 3000,
            sim: SimConfig {
                dt_myr: 1.0,
                ..SimConfig::default()
            },
            render: RenderConfig::with_size(64),
            ..Self::new(experiment, count)
        }
    }

    /// Number of simulations needed.
    pub fn simulations(&self) -> usize {
        self.count.div_ceil(self.experiment.views_per_simulation())
    }

    /// Checks every setting; errors name the bad one.
    pub fn validate(&self) -> Result<()> {
        check_size("count", self.count, 1)?;
        check_size("image size", self.size, 1)?;
        check_size("particles", self.particles, 1)?;
        check_finite("jitter_myr", self.jitter_myr)?;
        if self.jitter_myr < 0.0 {
            return Err(Error::invalid("jitter_myr", self.jitter_myr, "must be ≥ 0"));
        }
        check_positive("decades", self.decades)?;
        self.sim.validate()?;
        self.render_config().validate()?;
        check_size("morph_pairs", self.morph_pairs.len(), 1)?;
        check_size("orbits", self.orbits.len(), 1)?;
        check_size("spins", self.spins.len(), 1)?;
        if self.experiment == Experiment::SixClassSpin && self.spins.len() != 2 {
            return Err(Error::invalid(
                "spins",
                format!("{:?}", self.spins),
                "six-class-spin labels by spin, so it needs both prograde and retrograde",
            ));
        }
        for &o in &self.orbits {
            crate::sim::pair::OrbitSpec::galmer(o)?;
        }
        if let Some([lo, hi]) = self.mass_ratio_range {
            check_range("mass ratio M1/M2 (low)", lo, 1.0, 100.0)?;
            check_range("mass ratio M1/M2 (high)", hi, 1.0, 100.0)?;
            if hi < lo {
                return Err(Error::invalid(
                    "mass ratio range",
                    format!("[{lo}, {hi}]"),
                    "needs low ≤ high",
                ));
            }
        }
        check_range(
            "inclination_jitter_deg",
            self.inclination_jitter_deg,
            0.0,
            15.0,
        )?;
        let classes_by_i = matches!(
            self.experiment,
            Experiment::TwoClass | Experiment::ThreeClass
        );
        if let Some(o) = &self.observation {
            o.validate()?;
        }
        if (self.observation.is_some() || self.inclination_jitter_deg > 0.0) && !classes_by_i {
            return Err(Error::invalid(
                "experiment",
                self.experiment.name(),
                "observation and inclination jitter need two-class or three-class (their labels \
                 depend on i alone)",
            ));
        }
        Ok(())
    }

    fn render_config(&self) -> RenderConfig {
        RenderConfig {
            size: self.size,
            ..self.render
        }
    }
}

/// The label columns of a pairs file, one line per [`PairLabel`] field: its doc, name and type
/// and, for columns added after files were written (the observation's, since the mock-observed
/// sets), the value an older file reads as. The struct, the writer and [`PairH5::open`] all follow
/// this one list, so a new label is one line here (and its value where the simulation makes it).
macro_rules! pair_labels {
    (@read $r:ident, $n:ident, $name:ident, $t:ty) => {
        $r.column::<$t>(stringify!($name), $n)?
    };
    (@read $r:ident, $n:ident, $name:ident, $t:ty, $default:expr) => {
        $r.column_or::<$t>(stringify!($name), $n, $default)?
    };
    ($( $(#[doc = $doc:literal])* $name:ident : $t:ty $(= $default:expr)? ),* $(,)?) => {
        /// Labels of one image.
        #[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
        pub struct PairLabel {
            $( $(#[doc = $doc])* pub $name: $t, )*
        }

        /// Names of the label columns, in the order they are written.
        pub const LABEL_COLUMNS: &[&str] = &[$(stringify!($name)),*];

        /// Writes one column per label.
        fn write_labels(w: &H5Writer, labels: &[PairLabel]) -> Result<()> {
            $(
                let column: Vec<$t> = labels.iter().map(|l| l.$name).collect();
                w.column(stringify!($name), &column)?;
            )*
            Ok(())
        }

        /// Reads the `n` labels back.
        fn read_labels(r: &H5Reader, n: usize) -> Result<Vec<PairLabel>> {
            $( let $name: Vec<$t> = pair_labels!(@read r, n, $name, $t $(, $default)?); )*
            Ok((0..n).map(|k| PairLabel { $( $name: $name[k], )* }).collect())
        }
    };
}

pair_labels! {
    /// Class index (−1 for regressions).
    class: i32,
    /// Relative inclination (degrees).
    i_deg: f32,
    /// Viewing angle θ (degrees).
    theta_deg: f32,
    /// Azimuth φ (degrees).
    phi_deg: f32,
    /// Snapshot time minus pericentre time (Myr).
    t_from_peri_myr: f32,
    /// M₂/M₁.
    mass_ratio: f32,
    /// Orbit id (1..=12).
    orbit_id: u8,
    /// Point-mass pericentre of that orbit (kpc).
    r_peri_kpc: f32,
    /// Orbital energy (velocity units²).
    energy: f32,
    /// Pericentre actually reached (kpc).
    pericentre_kpc: f32,
    /// 0 prograde, 1 retrograde.
    spin: u8,
    /// Galaxy 1 type code.
    morph1: u8,
    /// Galaxy 2 type code.
    morph2: u8,
    /// Simulation index.
    simulation: u32,
    /// Frame half-width (kpc).
    fov_half_width_kpc: f32,
    /// Mass fraction outside the frame.
    fraction_outside: f32,
    /// Redshift of an observed image (0: not observed).
    redshift: f32 = 0.0,
    /// Peak signal-to-noise of an observed image (0: not observed).
    peak_snr: f32 = 0.0,
    /// Sky rotation of an observed image (degrees; 0: not observed).
    roll_deg: f32 = 0.0,
}

/// The images and labels of one simulation.
#[derive(Debug, Clone)]
pub struct SimulationSample {
    /// Stretched images, `[views][H·W]`.
    pub images: Vec<Vec<f32>>,
    /// One label per image.
    pub labels: Vec<PairLabel>,
}

/// Runs and renders simulation `index` of the dataset (deterministic).
pub fn generate_simulation(config: &PairDatasetConfig, index: usize) -> Result<SimulationSample> {
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
    rng.set_stream(index as u64);
    let exp = config.experiment;
    let incl = exp.inclinations();
    let i_idx = index % incl.len();
    let (m1, m2) = config.morph_pairs[rng.random_range(0..config.morph_pairs.len())];
    let orbit_id = config.orbits[rng.random_range(0..config.orbits.len())];
    let spin = config.spins[rng.random_range(0..config.spins.len())];
    // The spin classes cycle like i (balanced): simulations 0-2 prograde, 3-5 retrograde, ….
    let spin = match exp {
        Experiment::SixClassSpin => [Spin::Prograde, Spin::Retrograde][(index / incl.len()) % 2],
        _ => spin,
    };
    let sim_seed: u64 = rng.random();
    // Drawn after the other choices so the other experiments' streams are unchanged.
    let i_deg = match exp {
        Experiment::Joint => rng.random_range(0.0..=90.0),
        _ => incl[i_idx],
    };
    // The options beyond the seed draw last, and only when set, for the same reason.
    let j = config.inclination_jitter_deg;
    let i_deg = if j > 0.0 {
        let i = (i_deg + rng.random_range(-j..=j)).abs();
        if i > 90.0 { 180.0 - i } else { i }
    } else {
        i_deg
    };
    let m2_over_m1 = match config.mass_ratio_range {
        Some([lo, hi]) if hi > lo => 1.0 / rng.random_range(lo.ln()..=hi.ln()).exp(),
        Some([lo, _]) => 1.0 / lo,
        None => config.mass_ratio.value(),
    };
    let mut pc = PairConfig::galmer(m1, m2, config.mass_ratio, orbit_id, i_deg, spin)?
        .with_particles(config.particles)
        .with_seed(sim_seed);
    if config.mass_ratio_range.is_some() {
        pc.galaxy2 = GalaxyModel::with_mass_ratio(m2, m2_over_m1)?;
        pc.validate()?;
    }
    let enc = Encounter::new(pc, config.sim)?;
    let snap = enc
        .snapshots(&[SnapshotTime::Pericentre {
            jitter_myr: config.jitter_myr,
        }])?
        .remove(0);
    let spec = enc.config.orbit;
    // What every view of this simulation shares.
    let base = PairLabel {
        class: -1,
        i_deg: i_deg as f32,
        theta_deg: 0.0,
        phi_deg: 0.0,
        t_from_peri_myr: snap.time_from_pericentre_myr.unwrap_or(0.0) as f32,
        mass_ratio: m2_over_m1 as f32,
        orbit_id: orbit_id as u8,
        r_peri_kpc: spec.r_peri as f32,
        energy: spec.energy as f32,
        pericentre_kpc: enc.pericentre_kpc as f32,
        spin: spin.code(),
        morph1: m1.code(),
        morph2: m2.code(),
        simulation: index as u32,
        fov_half_width_kpc: 0.0,
        fraction_outside: 0.0,
        redshift: 0.0,
        peak_snr: 0.0,
        roll_deg: 0.0,
    };
    if let Some(obs) = &config.observation {
        let base = PairLabel {
            class: i_idx as i32,
            ..base
        };
        return observe_views(config, obs, &snap, base, rng);
    }
    // Views and classes.
    let mut views = Vec::new();
    let mut classes = Vec::new();
    let phi = |rng: &mut ChaCha8Rng| rng.random_range(0.0..360.0);
    match exp {
        Experiment::TwoClass | Experiment::ThreeClass => {
            for t in CLASS_THETAS {
                views.push(ViewAngles::new(t, phi(&mut rng))?);
                classes.push(i_idx as i32);
            }
        }
        Experiment::SixClassSpin => {
            for t in CLASS_THETAS {
                views.push(ViewAngles::new(t, phi(&mut rng))?);
                classes.push((2 * i_idx + spin.code() as usize) as i32);
            }
        }
        Experiment::NineClass => {
            for (ti, t) in NINE_THETAS.iter().enumerate() {
                for _ in 0..2 {
                    let th = t + rng.random_range(-5.0..=5.0);
                    views.push(ViewAngles::new(th, phi(&mut rng))?);
                    classes.push((3 * i_idx + ti) as i32);
                }
            }
        }
        Experiment::Theta => {
            // One azimuth for the whole sequence, as GalMer's θ series of one snapshot.
            let phi0 = phi(&mut rng);
            for t in -90..=90 {
                views.push(ViewAngles::new(t as f64, phi0)?);
                classes.push(-1);
            }
        }
        Experiment::ThetaContinuous | Experiment::Joint => {
            for _ in 0..exp.views_per_simulation() {
                let th = rng.random_range(-90.0..=90.0);
                views.push(ViewAngles::new(th, phi(&mut rng))?);
                classes.push(-1);
            }
        }
    }
    let imgs = render_views(&snap, &views, &config.render_config())?;
    let mut out = SimulationSample {
        images: Vec::with_capacity(imgs.len()),
        labels: Vec::with_capacity(imgs.len()),
    };
    for (img, class) in imgs.iter().zip(classes) {
        out.images.push(img.stretched(config.decades)?);
        out.labels.push(PairLabel {
            class,
            theta_deg: img.view.theta_deg as f32,
            phi_deg: img.view.phi_deg as f32,
            fov_half_width_kpc: img.half_width_kpc as f32,
            fraction_outside: img.fraction_outside as f32,
            ..base
        });
    }
    Ok(out)
}

/// The views of an observed simulation: each with a random isotropic line of sight (cos θ
/// uniform, either sign), azimuth, sky rotation, redshift and S/N, rendered on the cutout's field
/// of view and observed.
fn observe_views(
    config: &PairDatasetConfig,
    obs: &Observation,
    snap: &Snapshot,
    base: PairLabel,
    mut rng: ChaCha8Rng,
) -> Result<SimulationSample> {
    let n = config.experiment.views_per_simulation();
    let mut out = SimulationSample {
        images: Vec::with_capacity(n),
        labels: Vec::with_capacity(n),
    };
    for _ in 0..n {
        let cos_theta: f64 = rng.random_range(0.0..=1.0);
        let sign = if rng.random_bool(0.5) { 1.0 } else { -1.0 };
        let view = ViewAngles::new(
            sign * cos_theta.acos().to_degrees(),
            rng.random_range(0.0..360.0),
        )?;
        let roll: i32 = rng.random_range(0..360);
        let draw = obs.draw(&mut rng);
        let settings = config.render_config();
        let cfg = RenderConfig {
            fov: obs.field_of_view(draw.redshift, settings.fov)?,
            ..settings
        };
        let density = render(snap, view, &cfg)?;
        let rotated = PairImage {
            image: crate::augment::rotate_deg(&density.image, roll)?,
            ..density.clone()
        };
        out.images.push(obs.apply(&rotated, draw, &mut rng)?.data);
        out.labels.push(PairLabel {
            theta_deg: view.theta_deg as f32,
            phi_deg: view.phi_deg as f32,
            fov_half_width_kpc: density.half_width_kpc as f32,
            fraction_outside: density.fraction_outside as f32,
            redshift: draw.redshift as f32,
            peak_snr: draw.peak_snr as f32,
            roll_deg: roll as f32,
            ..base
        });
    }
    Ok(out)
}

/// What [`generate_pairs_dataset`] did.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PairGenerateReport {
    /// The file written.
    pub path: PathBuf,
    /// Simulations run.
    pub simulations: usize,
    /// Images written.
    pub images: usize,
    /// Wall time (s).
    pub seconds: f64,
    /// File size (bytes).
    pub bytes: u64,
}

/// Generates the dataset and writes it to `out` (temp file + rename). `progress` receives the
/// number of images done.
pub fn generate_pairs_dataset(
    config: &PairDatasetConfig,
    out: impl AsRef<Path>,
    progress: &mut dyn FnMut(usize),
) -> Result<PairGenerateReport> {
    config.validate()?;
    let out = out.as_ref();
    let start = std::time::Instant::now();
    let bytes = write_atomically(out, |tmp| write_file(config, tmp, progress))?;
    Ok(PairGenerateReport {
        path: out.to_path_buf(),
        simulations: config.simulations(),
        images: config.count,
        seconds: start.elapsed().as_secs_f64(),
        bytes,
    })
}

fn write_file(
    config: &PairDatasetConfig,
    path: &Path,
    progress: &mut dyn FnMut(usize),
) -> Result<()> {
    let (n, s) = (config.count, config.size);
    let w = H5Writer::create(path)?;
    let images = w.images([n, 1, s, s])?;
    let mut labels: Vec<PairLabel> = Vec::with_capacity(n);
    let sims = config.simulations();
    let batch = rayon::current_num_threads().max(1) * 2;
    let mut done_sims = 0;
    while done_sims < sims {
        let end = (done_sims + batch).min(sims);
        let results: Vec<SimulationSample> = (done_sims..end)
            .into_par_iter()
            .map(|k| generate_simulation(config, k))
            .collect::<Result<_>>()?;
        let first = labels.len();
        let mut block = Vec::new();
        for r in results {
            for (img, lab) in r.images.into_iter().zip(r.labels) {
                if labels.len() == n {
                    break;
                }
                block.extend_from_slice(&img);
                labels.push(lab);
            }
        }
        let m = labels.len() - first;
        w.write_images(&images, first, [m, 1, s, s], block)?;
        done_sims = end;
        progress(labels.len());
    }
    write_labels(&w, &labels)?;
    w.scalar_attr("seed", &config.seed)?;
    w.generator_attr()?;
    w.text_attr("experiment", config.experiment.name())?;
    w.text_attr(
        "class_names",
        &serde_json::to_string(&config.experiment.class_names())?,
    )?;
    w.text_attr("config", &serde_json::to_string(config)?)?;
    drop(images);
    w.close()
}

/// An open pair dataset. Images are read in slices.
pub struct PairH5 {
    path: PathBuf,
    file: hdf5::File,
    images: hdf5::Dataset,
    /// Number of images N.
    pub count: usize,
    /// Channels C (1).
    pub channels: usize,
    /// Height.
    pub height: usize,
    /// Width.
    pub width: usize,
    /// One label per image.
    pub labels: Vec<PairLabel>,
    /// Class names (empty for regressions).
    pub class_names: Vec<String>,
    /// The parsed `config` attribute.
    pub config: PairDatasetConfig,
    /// The `seed` attribute.
    pub seed: u64,
}

impl std::fmt::Debug for PairH5 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "PairH5({}: {} × {} images of {}×{}, {})",
            self.path.display(),
            self.count,
            self.channels,
            self.height,
            self.width,
            self.config.experiment.name()
        )
    }
}

impl PairH5 {
    /// Opens and checks the schema; a missing, truncated or foreign file is an error naming it.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let r = H5Reader::open(&path)?;
        let (images, [count, channels, height, width]) = r.images("[N, C, H, W]")?;
        let labels = read_labels(&r, count)?;
        let seed = r.scalar_attr::<u64>("seed")?;
        let config: PairDatasetConfig = r.json_attr("config", "a pair dataset config")?;
        let class_names: Vec<String> = r.json_attr("class_names", "a list of class names")?;
        Ok(PairH5 {
            path,
            file: r.file,
            images,
            count,
            channels,
            height,
            width,
            labels,
            class_names,
            config,
            seed,
        })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Images `start..end`, flattened `[end−start, C, H, W]`.
    pub fn read_range(&self, start: usize, end: usize) -> Result<Vec<f32>> {
        if start > end || end > self.count {
            return Err(Error::invalid(
                "image range",
                format!("{start}..{end}"),
                format!("must lie within 0..{}", self.count),
            ));
        }
        let arr: ndarray::Array4<f32> = self
            .images
            .read_slice(ndarray::s![start..end, .., .., ..])
            .map_err(|x| h5err(&self.path, x))?;
        Ok(arr.into_raw_vec_and_offset().0)
    }

    /// Image `k` (channel 0).
    pub fn image(&self, k: usize) -> Result<Image> {
        let v = self.read_range(k, k + 1)?;
        Ok(Image {
            width: self.width,
            height: self.height,
            data: v[..self.width * self.height].to_vec(),
        })
    }

    /// The size of image `k`'s pixels in kpc: its frame (`2 · fov_half_width_kpc`) over its width.
    /// A stored frame that is not positive and finite is an error naming the image.
    pub fn pixel_kpc(&self, k: usize) -> Result<f64> {
        let label = self.labels.get(k).ok_or_else(|| {
            Error::invalid("image index", k, format!("must be below {}", self.count))
        })?;
        let half = label.fov_half_width_kpc as f64;
        if !(half.is_finite() && half > 0.0) {
            return Err(Error::invalid(
                "fov_half_width_kpc",
                half,
                format!("of image {k} must be a positive, finite frame half-width"),
            ));
        }
        Ok(2.0 * half / self.width as f64)
    }

    /// A kpc scale bar for image `k` (`figures::kpc_scale_bar` of its [`pixel_kpc`](Self::pixel_kpc)).
    pub fn scale_bar(&self, k: usize) -> Result<(f64, String)> {
        crate::figures::kpc_scale_bar(self.pixel_kpc(k)?, self.width)
    }

    /// Closes the file.
    pub fn close(self) -> Result<()> {
        let PairH5 {
            path, file, images, ..
        } = self;
        drop(images);
        file.close().map_err(|x| h5err(&path, x))
    }
}

impl PairLabel {
    /// The mirror inclination i′ of this image (`crate::sim::pair::mirror`): the relative
    /// inclination that draws the same two projected discs from its view (θ, φ), for its i and
    /// spin, with galaxy 2's spin-axis azimuth Φ₂ = 0 as every generated dataset has it. A φ that
    /// rounded to 360° when stored as f32 is read as 0°.
    pub fn mirror_inclination_deg(&self) -> Result<f64> {
        let spin = if self.spin == 1 {
            Spin::Retrograde
        } else {
            Spin::Prograde
        };
        let g = crate::sim::pair::orbit::Geometry::new(f64::from(self.i_deg), spin)?;
        let phi = f64::from(self.phi_deg);
        let view = ViewAngles::new(
            f64::from(self.theta_deg),
            if phi.is_finite() {
                phi.rem_euclid(360.0)
            } else {
                phi
            },
        )?;
        crate::sim::pair::mirror_inclination_deg(&g, &view)
    }
}

#[cfg(test)]
impl PairLabel {
    /// A label for unit tests: relative inclination `i`, view (`theta`, `phi`) and `class`;
    /// prograde, orbit 1 (pericentre 8 kpc), mass ratio 1, morphology codes 1, the rest zero.
    pub(crate) fn for_tests(i: f32, theta: f32, phi: f32, class: i32) -> Self {
        PairLabel {
            class,
            i_deg: i,
            theta_deg: theta,
            phi_deg: phi,
            t_from_peri_myr: 0.0,
            mass_ratio: 1.0,
            orbit_id: 1,
            r_peri_kpc: 8.0,
            energy: 0.0,
            pericentre_kpc: 8.0,
            spin: 0,
            morph1: 1,
            morph2: 1,
            simulation: 0,
            fov_half_width_kpc: 0.0,
            fraction_outside: 0.0,
            redshift: 0.0,
            peak_snr: 0.0,
            roll_deg: 0.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The spin experiment's classes are (i, spin), balanced over simulations, and every
    /// label agrees with the simulation's own i and spin.
    #[test]
    fn six_class_spin_labels_say_i_and_spin() {
        let e = Experiment::parse("six-class-spin").unwrap();
        assert_eq!(
            e.class_names(),
            vec![
                "i=0,prograde",
                "i=0,retrograde",
                "i=45,prograde",
                "i=45,retrograde",
                "i=90,prograde",
                "i=90,retrograde"
            ]
        );
        let cfg = PairDatasetConfig {
            particles: 300,
            size: 16,
            render: RenderConfig::with_size(16),
            ..PairDatasetConfig::quick(e, 36)
        };
        let mut seen = [0; 6];
        for index in 0..6 {
            let s = generate_simulation(&cfg, index).unwrap();
            assert_eq!(s.labels.len(), CLASS_THETAS.len());
            for l in &s.labels {
                let i_idx = [0.0, 45.0, 90.0]
                    .iter()
                    .position(|&i| i == l.i_deg)
                    .unwrap();
                assert_eq!(
                    l.class as usize,
                    2 * i_idx + l.spin as usize,
                    "simulation {index}"
                );
                seen[l.class as usize] += 1;
            }
        }
        assert_eq!(
            seen, [6; 6],
            "six simulations cover the six classes once each"
        );
        let one_spin = PairDatasetConfig {
            spins: vec![Spin::Prograde],
            ..cfg
        };
        let err = one_spin.validate().unwrap_err().to_string();
        assert!(err.contains("spins"), "{err}");
    }

    #[test]
    fn experiments_have_their_classes() {
        assert_eq!(Experiment::TwoClass.class_names(), vec!["i=0", "i=45"]);
        assert_eq!(Experiment::NineClass.class_names().len(), 9);
        assert_eq!(Experiment::Theta.views_per_simulation(), 181);
        assert!(Experiment::parse("four-class").is_err());
        let c = PairDatasetConfig::quick(Experiment::TwoClass, 13);
        assert_eq!(c.simulations(), 3);
        c.validate().unwrap();
        let bad = PairDatasetConfig {
            size: 0,
            ..c.clone()
        };
        assert!(
            bad.validate()
                .unwrap_err()
                .to_string()
                .contains("image size")
        );
    }
}
