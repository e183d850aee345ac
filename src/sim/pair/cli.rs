//! `galaxy-lab pairs …`: generate seed 000's datasets and render one encounter.

use super::encounter::{Encounter, PairConfig, SnapshotTime};
use super::galaxy::{MassRatio, Morphology};
use super::integrate::{Friction, SimConfig};
use super::orbit::Spin;
use super::render::{FieldOfView, RenderConfig, ViewAngles, render};
use crate::data::pairs_h5::{Experiment, PairDatasetConfig, generate_pairs_dataset};
use crate::error::Result;
use clap::{Args, Subcommand};
use std::path::PathBuf;

/// Interacting galaxy pairs (seed 000).
#[derive(Debug, Subcommand)]
pub enum PairsCmd {
    /// Generate an HDF5 dataset for one of seed 000's experiments.
    Generate(GenerateArgs),
    /// Simulate one encounter and render it to a PNG.
    Render(RenderArgs),
}

/// `pairs generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// two-class, three-class, nine-class, six-class-spin (beyond the paper), theta,
    /// theta-continuous or joint.
    #[arg(long)]
    experiment: String,
    /// Number of images.
    #[arg(long, default_value_t = 1000)]
    count: usize,
    /// Image side in pixels.
    #[arg(long, default_value_t = 128)]
    size: usize,
    /// RNG seed.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Test particles per simulation.
    #[arg(long, default_value_t = 20_000)]
    particles: usize,
    /// Particle time step (Myr).
    #[arg(long, default_value_t = 0.5)]
    dt_myr: f64,
    /// Snapshot at pericentre ± this many Myr.
    #[arg(long, default_value_t = 25.0)]
    jitter_myr: f64,
    /// The mock-observed stand-in for the seed's SDSS test (two- or three-class): M1/M2
    /// log-uniform in [1, 12], i within ±15° of its class, every view observed as SDSS would
    /// (random orientation, cutout framing the pair at z 0.02–0.05, 1.4″ seeing, sky + Poisson
    /// noise, asinh stretch, 3×3 median filter).
    #[arg(long, conflicts_with = "observed")]
    mock_observed: bool,
    /// Realism augmentation: the seed's 1:1 pairs at exact i, every view observed as SDSS would.
    #[arg(long)]
    observed: bool,
    /// Peak signal-to-noise range of observed images (with --mock-observed or --observed).
    #[arg(long, num_args = 2, value_names = ["LOW", "HIGH"])]
    peak_snr: Option<Vec<f64>>,
    /// Fixed cutout side in arcsec for observed images (SkyServer's 340 px × 0.4″ = 136) instead
    /// of framing the pair.
    #[arg(long)]
    cutout_arcsec: Option<f64>,
    /// M1/M2 drawn log-uniformly in [1, this] (overrides --mock-observed's 12).
    #[arg(long)]
    mass_ratio_max: Option<f64>,
    /// Relative inclination drawn within ± this many degrees of its class (0–15; overrides
    /// --mock-observed's 15).
    #[arg(long)]
    inclination_jitter: Option<f64>,
    /// Output HDF5 file.
    #[arg(long)]
    out: PathBuf,
}

/// `pairs render`.
#[derive(Debug, Args)]
pub struct RenderArgs {
    /// Type of galaxy 1 (gE0, gSa, gSb).
    #[arg(long, default_value = "gSa")]
    morph1: String,
    /// Type of galaxy 2.
    #[arg(long, default_value = "gSa")]
    morph2: String,
    /// Mass ratio 1:1, 1:2 or 1:10.
    #[arg(long, default_value = "1:1")]
    ratio: String,
    /// Orbit id 1–12 of the grid.
    #[arg(long, default_value_t = 1)]
    orbit: usize,
    /// Relative inclination i (degrees, [0, 180)).
    #[arg(long, default_value_t = 45.0)]
    inclination: f64,
    /// prograde or retrograde.
    #[arg(long, default_value = "prograde")]
    spin: String,
    /// Viewing angle θ (degrees, [−90, 90]).
    #[arg(long, default_value_t = 30.0, allow_hyphen_values = true)]
    theta: f64,
    /// Azimuth φ (degrees, [0, 360)).
    #[arg(long, default_value_t = 0.0)]
    phi: f64,
    /// Time from pericentre (Myr; negative = before).
    #[arg(long, default_value_t = 0.0, allow_hyphen_values = true)]
    t_from_peri: f64,
    /// Test particles.
    #[arg(long, default_value_t = 40_000)]
    particles: usize,
    /// Image side in pixels.
    #[arg(long, default_value_t = 450)]
    size: usize,
    /// Fixed half-width of the frame in kpc (default: chosen from the pair).
    #[arg(long)]
    half_width: Option<f64>,
    /// Dynamic range of the log stretch (decades).
    #[arg(long, default_value_t = 4.0)]
    decades: f64,
    /// Turn on dynamical friction (ln Λ = ln(1 + M_host/M_sat)).
    #[arg(long)]
    friction: bool,
    /// RNG seed.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Output PNG.
    #[arg(long)]
    out: PathBuf,
}

fn generate(a: GenerateArgs) -> Result<()> {
    let exp = Experiment::parse(&a.experiment)?;
    let mut config = PairDatasetConfig::new(exp, a.count);
    config.size = a.size;
    config.render = RenderConfig::with_size(a.size);
    config.seed = a.seed;
    config.particles = a.particles;
    config.sim.dt_myr = a.dt_myr;
    config.jitter_myr = a.jitter_myr;
    if a.mock_observed {
        config = config.mock_observed();
    } else if a.observed {
        config = config.observed();
    }
    let observed_only = |flag: &str, value: String| {
        crate::error::Error::invalid(
            flag,
            value,
            "applies to observed images only (add --mock-observed or --observed)",
        )
    };
    if let Some(snr) = &a.peak_snr {
        match config.observation.as_mut() {
            Some(o) => o.peak_snr = [snr[0], snr[1]],
            None => return Err(observed_only("--peak-snr", format!("{snr:?}"))),
        }
    }
    if let Some(arcsec) = a.cutout_arcsec {
        match config.observation.as_mut() {
            Some(o) => o.framing = super::observe::Framing::FixedArcsec(arcsec),
            None => return Err(observed_only("--cutout-arcsec", arcsec.to_string())),
        }
    }
    if let Some(r) = a.mass_ratio_max {
        config.mass_ratio_range = Some([1.0, r]);
    }
    if let Some(j) = a.inclination_jitter {
        config.inclination_jitter_deg = j;
    }
    config.validate()?;
    let bar = indicatif::ProgressBar::new(config.count as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{bar:40} {pos}/{len} images [{elapsed_precise} < {eta_precise}]",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let report =
        generate_pairs_dataset(&config, &a.out, &mut |done| bar.set_position(done as u64))?;
    bar.finish();
    println!(
        "wrote {} ({} simulations, {} images, {:.1} MB) in {:.2} s = {:.1} images/s",
        report.path.display(),
        report.simulations,
        report.images,
        report.bytes as f64 / 1e6,
        report.seconds,
        report.images as f64 / report.seconds
    );
    Ok(())
}

fn render_cmd(a: RenderArgs) -> Result<()> {
    let config = PairConfig::galmer(
        Morphology::parse(&a.morph1)?,
        Morphology::parse(&a.morph2)?,
        MassRatio::parse(&a.ratio)?,
        a.orbit,
        a.inclination,
        Spin::parse(&a.spin)?,
    )?
    .with_particles(a.particles)
    .with_seed(a.seed);
    let sim = SimConfig {
        friction: a.friction.then(Friction::default),
        ..SimConfig::default()
    };
    let view = ViewAngles::new(a.theta, a.phi)?;
    let mut rc = RenderConfig::with_size(a.size);
    if let Some(h) = a.half_width {
        rc.fov = FieldOfView::HalfWidth(h);
    }
    rc.validate()?;
    let start = std::time::Instant::now();
    let enc = Encounter::new(config, sim)?;
    let snap = enc
        .snapshots(&[SnapshotTime::FromPericentre(a.t_from_peri)])?
        .remove(0);
    let img = render(&snap, view, &rc)?;
    img.save_png(&a.out, a.decades)?;
    println!(
        "wrote {}: pericentre {:.1} kpc at {:.1} Myr (point-mass orbit: {:.1} Myr); snapshot at {:.1} Myr, \
         separation {:.1} kpc; frame ±{:.1} kpc, {:.2} % of the mass outside; {:.2} s",
        a.out.display(),
        enc.pericentre_kpc,
        enc.pericentre_myr,
        enc.kepler_pericentre_myr,
        snap.time_myr,
        snap.separation(),
        img.half_width_kpc,
        100.0 * img.fraction_outside,
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Runs a `pairs` subcommand.
pub fn run(cmd: PairsCmd) -> Result<()> {
    match cmd {
        PairsCmd::Generate(a) => generate(a),
        PairsCmd::Render(a) => render_cmd(a),
    }
}
