//! The `galaxy-lab` command-line tool for long runs. Every subcommand validates its input and
//! exits with a clear message (status 2) instead of panicking.

use crate::data::sersic_h5::{Inclinations, Noise, SersicDatasetConfig, generate_dataset};
use crate::error::{Error, Result};
use crate::sim::sersic::{Grid, Psf, SersicDisc, View, render, render_reference};
use clap::{Args, Parser, Subcommand};

mod classify;
mod device;
mod q;
pub mod run_folder;
mod theta;
use std::path::PathBuf;

/// Reproduce galaxy deep-learning papers: simulators, datasets, training.
#[derive(Debug, Parser)]
#[command(name = "galaxy-lab", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print the version, run mode and device.
    Info,
    /// Devices: the chosen one against the CPU.
    #[command(subcommand)]
    Device(device::DeviceCmd),
    /// Sérsic-disc galaxies (seed 001).
    #[command(subcommand)]
    Sersic(SersicCmd),
    /// The q network (seed 001): train and predict.
    #[command(subcommand)]
    Q(q::QCmd),
    /// θ regression (seed 000 Table 5) and joint (i, θ) regression.
    #[command(subcommand)]
    Theta(theta::ThetaCmd),
    /// Seed 000's 2-, 3- and 9-class AlexNet experiments.
    #[command(subcommand)]
    Classify(classify::ClassifyCmd),
    /// Seed 000's real-data test: Eq. 6, the SDSS catalogue, cutout download.
    #[command(subcommand)]
    Sdss(crate::sdss::cli::SdssCmd),
    /// Interacting galaxy pairs (seed 000): simulate, render, generate datasets.
    #[command(subcommand)]
    Pairs(crate::sim::pair::cli::PairsCmd),
}

#[derive(Debug, Subcommand)]
enum SersicCmd {
    /// Generate an HDF5 dataset of projected Sérsic galaxies.
    Generate(GenerateArgs),
    /// Render one galaxy to a PNG.
    Render(RenderArgs),
    /// Time the renderer (images per second on the current thread pool).
    Bench(BenchArgs),
}

#[derive(Debug, Args)]
struct GenerateArgs {
    /// Number of galaxies.
    #[arg(long)]
    galaxies: usize,
    /// Image side in pixels.
    #[arg(long, default_value_t = 64)]
    size: usize,
    /// Model length units per pixel.
    #[arg(long, default_value_t = 1.0)]
    pixel_scale: f64,
    /// Comma-separated inclinations in degrees.
    #[arg(
        long,
        default_value = "0,30,60,90",
        conflicts_with = "random_inclination"
    )]
    inclinations: String,
    /// One random inclination per galaxy instead (uniform in i).
    #[arg(long)]
    random_inclination: bool,
    /// With --random-inclination: uniform in cos i (isotropic) instead of uniform in i.
    #[arg(long, requires = "random_inclination")]
    uniform_cos: bool,
    /// RNG seed.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Fit the field of view to each galaxy: the image spans ±K effective radii.
    #[arg(long, value_name = "K")]
    fitted_fov: Option<f64>,
    /// Gaussian PSF FWHM in pixels (Moffat if --moffat-beta is given too).
    #[arg(long)]
    psf_fwhm: Option<f64>,
    /// Moffat β for the PSF.
    #[arg(long, requires = "psf_fwhm")]
    moffat_beta: Option<f64>,
    /// Sky level (flux units) for Poisson noise; needs --gain.
    #[arg(long, requires = "gain")]
    sky: Option<f64>,
    /// Counts per flux unit for Poisson noise.
    #[arg(long, requires = "sky")]
    gain: Option<f64>,
    /// Output HDF5 file.
    #[arg(long)]
    out: PathBuf,
}

#[derive(Debug, Args)]
struct RenderArgs {
    #[arg(long, default_value_t = 1.0)]
    i_e: f64,
    #[arg(long, default_value_t = 1.0)]
    n: f64,
    #[arg(long, default_value_t = 10.0)]
    r_e: f64,
    #[arg(long, default_value_t = 0.5)]
    q: f64,
    /// Inclination in degrees (0 face-on, 90 edge-on).
    #[arg(long, default_value_t = 60.0)]
    inclination: f64,
    /// Position angle in degrees.
    #[arg(long, default_value_t = 0.0)]
    pa: f64,
    #[arg(long, default_value_t = 64)]
    size: usize,
    #[arg(long, default_value_t = 1.0)]
    pixel_scale: f64,
    /// Use the brute-force line-of-sight integrator.
    #[arg(long)]
    reference: bool,
    /// Output PNG (log stretch).
    #[arg(long)]
    out: PathBuf,
}

#[derive(Debug, Args)]
struct BenchArgs {
    /// Number of galaxies (4 projections each).
    #[arg(long, default_value_t = 2000)]
    galaxies: usize,
    #[arg(long, default_value_t = 64)]
    size: usize,
    /// Write the timing as JSON here.
    #[arg(long)]
    json: Option<PathBuf>,
}

fn parse_list(name: &str, s: &str) -> Result<Vec<f64>> {
    s.split(',')
        .map(|t| {
            t.trim()
                .parse::<f64>()
                .map_err(|_| Error::invalid(name, t, "must be a comma-separated list of numbers"))
        })
        .collect()
}

fn generate(a: GenerateArgs) -> Result<()> {
    let inclinations = if a.random_inclination {
        Inclinations::Random {
            uniform_in_cos: a.uniform_cos,
        }
    } else {
        Inclinations::Fixed(parse_list("inclinations", &a.inclinations)?)
    };
    let psf = a.psf_fwhm.map(|fwhm| match a.moffat_beta {
        Some(beta) => Psf::Moffat { fwhm, beta },
        None => Psf::Gaussian { fwhm },
    });
    let noise = match (a.sky, a.gain) {
        (Some(sky), Some(gain)) => Some(Noise { sky, gain }),
        _ => None,
    };
    let config = SersicDatasetConfig {
        galaxies: a.galaxies,
        size: a.size,
        pixel_scale: a.pixel_scale,
        inclinations,
        seed: a.seed,
        fitted_half_width_re: a.fitted_fov,
        psf,
        noise,
        ..Default::default()
    };
    config.validate()?;
    let bar = indicatif::ProgressBar::new(config.galaxies as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{bar:40} {pos}/{len} galaxies [{elapsed_precise} < {eta_precise}]",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let report = generate_dataset(&config, &a.out, &mut |done| bar.set_position(done as u64))?;
    bar.finish();
    println!(
        "wrote {} ({} galaxies, {} images, {:.1} MB) in {:.2} s = {:.0} images/s",
        report.path.display(),
        report.galaxies,
        report.images,
        report.bytes as f64 / 1e6,
        report.seconds,
        report.images as f64 / report.seconds
    );
    Ok(())
}

fn render_cmd(a: RenderArgs) -> Result<()> {
    let model = SersicDisc::new(a.i_e, a.n, a.r_e, a.q)?.model()?;
    let view = View::inclined(a.inclination)?.with_pa(a.pa)?;
    let grid = Grid::square(a.size, a.pixel_scale)?;
    let img = if a.reference {
        render_reference(&model, &view, &grid)?
    } else {
        render(&model, &view, &grid)?
    };
    img.to_png(crate::display::Stretch::Log)?.save(&a.out)?;
    println!(
        "wrote {} (total flux in frame {:.6e})",
        a.out.display(),
        img.sum() * a.pixel_scale.powi(2)
    );
    Ok(())
}

fn bench(a: BenchArgs) -> Result<()> {
    let config = SersicDatasetConfig {
        galaxies: a.galaxies,
        size: a.size,
        ..Default::default()
    };
    config.validate()?;
    let start = std::time::Instant::now();
    let mut images = 0usize;
    for g in 0..a.galaxies {
        images += crate::data::sersic_h5::generate_galaxy(&config, g)?
            .images
            .len();
    }
    let secs = start.elapsed().as_secs_f64();
    let rate = images as f64 / secs;
    println!(
        "galaxy-lab: {images} images of {0}x{0} in {secs:.3} s on one thread = {rate:.0} images/s",
        a.size
    );
    if let Some(p) = a.json {
        crate::io::write_json(
            p,
            &serde_json::json!({"images": images, "seconds": secs, "images_per_second": rate, "size": a.size}),
        )?;
    }
    Ok(())
}

/// Runs the tool with the given arguments; returns the process exit code.
pub fn run<I, T>(args: I) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    let result = match cli.command {
        Command::Info => {
            let mode = crate::mode::RunMode::from_env();
            let c = crate::device::chosen();
            println!(
                "galaxy-lab {}\nmode: {}\ndevice: {} (backend {:?}; {}={})\nGPU features built in: {}\nCPU backend: {}",
                env!("CARGO_PKG_VERSION"),
                mode.map(|m| m.to_string())
                    .unwrap_or_else(|e| e.to_string()),
                c.name,
                c.backend,
                crate::device::DEVICE_ENV,
                std::env::var(crate::device::DEVICE_ENV).unwrap_or_else(|_| "unset".into()),
                crate::device::gpu_features(),
                crate::device::backend_build()
            );
            if let Some(n) = &c.note {
                println!("note: {n}");
            }
            Ok(())
        }
        Command::Device(c) => device::run(c),
        Command::Q(c) => q::run(c),
        Command::Theta(c) => theta::run(c),
        Command::Classify(c) => classify::run(c),
        Command::Sdss(c) => crate::sdss::cli::run(c),
        Command::Pairs(c) => crate::sim::pair::cli::run(c),
        Command::Sersic(SersicCmd::Generate(a)) => generate(a),
        Command::Sersic(SersicCmd::Render(a)) => render_cmd(a),
        Command::Sersic(SersicCmd::Bench(a)) => {
            // One thread: the benchmark is per core.
            match rayon::ThreadPoolBuilder::new().num_threads(1).build() {
                Ok(pool) => pool.install(|| bench(a)),
                Err(e) => Err(Error::Model(e.to_string())),
            }
        }
    };
    match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("error: {e}");
            2
        }
    }
}
