//! `galaxy-lab q train|predict`: the q network of seed 001 from the command line.

use super::run_folder::{self, progress_bar, show_batch};
use crate::data::q_modes::QMode;
use crate::data::sersic_h5::SersicH5;
use crate::error::{Error, Result};
use crate::train::fit::BatchProgress;
use crate::train::q::{History, Plateau};
use crate::train::q_experiment::{QPredictor, QRun, QRunConfig, refit_saved_run, run_q_with};
use crate::train::q_refit::Refit;
use clap::{Args, Subcommand};
use std::path::PathBuf;

/// Subcommands of `galaxy-lab q`.
#[derive(Debug, Subcommand)]
pub enum QCmd {
    /// Train the q network on a Sérsic HDF5 file; writes metrics.json, curves, figures, weights.
    Train(TrainArgs),
    /// Predict q (μ ± σ) for one image with a trained run folder.
    Predict(PredictArgs),
    /// Continue a trained run folder with dropout off (beyond the thesis: σ learnt with dropout
    /// is too wide for the network without it); writes a new run folder.
    Refit(RefitArgs),
    /// Time one training step and one inference pass (median ms), e.g. for bench/torch_reference.py.
    BenchStep(BenchStepArgs),
}

/// Arguments of `q bench-step`.
#[derive(Debug, Args)]
pub struct BenchStepArgs {
    /// Input channels (1 or 4 in the thesis).
    #[arg(long, default_value_t = 1)]
    channels: usize,
    /// Batch size.
    #[arg(long, default_value_t = 32)]
    batch: usize,
    /// Timed repetitions.
    #[arg(long, default_value_t = 30)]
    steps: usize,
    /// Write the timing as JSON here.
    #[arg(long)]
    json: Option<PathBuf>,
}

/// Named q recipes (`QRunConfig`'s presets).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Preset {
    /// The thesis's settings: 100 epochs, batch 32, Adam 1e-3, patience 10, plateau 3.
    Thesis,
    /// The committed Table 1 runs: patience 20, plateau 8, weight decay 1e-2 (four) or 1e-3.
    Table1,
    /// `table1` and then 20 epochs with dropout off at 1e-4 (the committed `*_refit` runs).
    Table1Refit,
}

impl Preset {
    /// The preset's settings for `mode`.
    pub fn config(self, mode: QMode) -> QRunConfig {
        match self {
            Preset::Thesis => QRunConfig::new(mode),
            Preset::Table1 => QRunConfig::table1(mode),
            Preset::Table1Refit => QRunConfig::table1_refit(mode),
        }
    }
}

/// Arguments of `q train`.
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// Sérsic dataset written by `galaxy-lab sersic generate`.
    #[arg(long, required_unless_present = "resume")]
    data: Option<PathBuf>,
    /// four | incl:DEG | random | random-cos | random-proj (one of the stored projections).
    #[arg(long, required_unless_present = "resume")]
    mode: Option<QMode>,
    /// Continue the run in this folder (written by an earlier `q train --out`) from its last
    /// finished epoch, with the settings it was started with; no other option is allowed.
    #[arg(long, conflicts_with_all = ["data", "mode", "preset", "epochs", "batch_size", "learning_rate", "patience", "plateau_patience", "seed", "keep_subnormals", "weight_decay", "per_image_norm", "max_galaxies", "refit_epochs", "refit_learning_rate", "out"])]
    resume: Option<PathBuf>,
    /// Settings; the options below override single values.
    #[arg(long, value_enum, default_value_t = Preset::Thesis)]
    preset: Preset,
    /// Maximum epochs (presets: 100).
    #[arg(long)]
    epochs: Option<usize>,
    /// Mini-batch size (presets: 32).
    #[arg(long)]
    batch_size: Option<usize>,
    /// Adam learning rate (presets: 1e-3).
    #[arg(long)]
    learning_rate: Option<f64>,
    /// Early-stopping patience in epochs (0: never stop early; thesis 10, table1 20).
    #[arg(long)]
    patience: Option<usize>,
    /// Halve the learning rate after this many epochs without improvement (0: constant rate;
    /// thesis 3, table1 8).
    #[arg(long)]
    plateau_patience: Option<usize>,
    /// Seed for the split, initialisation, shuffling and dropout.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Leave subnormal weights (below 1.18e-38) as they are instead of setting them to zero after
    /// every step: what runs committed before 2026-12-06 did, so this reruns them bit for bit
    /// (their later epochs ran up to 2.4x slower).
    #[arg(long)]
    keep_subnormals: bool,
    /// Adam's L2 penalty on the weights (thesis: none; table1: 1e-2 for four, 1e-3 otherwise).
    #[arg(long)]
    weight_decay: Option<f64>,
    /// Divide each image by its own peak before the magnitudes (removes the overall brightness;
    /// default: one global scale, as the thesis).
    #[arg(long)]
    per_image_norm: bool,
    /// Use only the first N galaxies of the file.
    #[arg(long)]
    max_galaxies: Option<usize>,
    /// After training, this many epochs with dropout off (0: none; table1-refit: 20).
    #[arg(long)]
    refit_epochs: Option<usize>,
    /// Learning rate of the dropout-off epochs (default 1e-4; needs a refit phase: from
    /// `--refit-epochs` or the preset).
    #[arg(long)]
    refit_learning_rate: Option<f64>,
    /// Output folder. Each epoch is checkpointed in OUT/checkpoint; `--resume OUT` continues a
    /// killed run.
    #[arg(long, required_unless_present = "resume")]
    out: Option<PathBuf>,
}

/// Arguments of `q refit`.
#[derive(Debug, Args)]
pub struct RefitArgs {
    /// Run folder written by `q train` (its dataset file must still be where it was).
    #[arg(long)]
    model: PathBuf,
    /// Epochs with dropout off (the best on validation is kept, if it beats the start).
    #[arg(long, default_value_t = Refit::default().epochs)]
    epochs: usize,
    /// Adam learning rate of those epochs.
    #[arg(long, default_value_t = Refit::default().learning_rate)]
    learning_rate: f64,
    /// Output folder (a new run folder; the input folder is not changed).
    #[arg(long)]
    out: PathBuf,
}

/// Arguments of `q predict`.
#[derive(Debug, Args)]
pub struct PredictArgs {
    /// Run folder written by `q train`.
    #[arg(long)]
    model: PathBuf,
    /// Image of linear flux: `.npy` (float32/float64, [H, W] or [C, H, W]) or a Sérsic `.h5`
    /// file (then --galaxy picks the galaxy and the run's mode picks the projections).
    #[arg(long)]
    image: PathBuf,
    /// Galaxy index when --image is an HDF5 file.
    #[arg(long, default_value_t = 0)]
    galaxy: usize,
}

/// Runs a `q` subcommand.
pub fn run(cmd: QCmd) -> Result<()> {
    match cmd {
        QCmd::Train(a) => train(a),
        QCmd::Predict(a) => predict(a),
        QCmd::Refit(a) => refit(a),
        QCmd::BenchStep(a) => {
            let d = crate::device::device();
            let t = crate::train::step_timing::time_qnet_step(a.channels, a.batch, a.steps, &d)?;
            println!(
                "qnet {:?} (malloc {}) on {}: train step {:.2} ms, inference {:.2} ms (median of {})",
                t.input, t.malloc, t.device, t.train_ms, t.infer_ms, t.steps
            );
            match a.json {
                Some(p) => crate::io::write_json(p, &t),
                None => Ok(()),
            }
        }
    }
}

fn train(a: TrainArgs) -> Result<()> {
    let run = run_folder::new_or_resume(
        "q train",
        a.resume.as_deref(),
        a.data.as_deref(),
        a.out.as_deref(),
        |p: &std::path::Path| SersicH5::open(p),
        |_| {
            let mode = a
                .mode
                .ok_or_else(|| Error::invalid("q train", "no --mode", "a new run needs one"))?;
            settings(&a, mode)
        },
    )?;
    let (run, ds) = run;
    let (data, out, cfg) = (run.data, run.out, run.config);
    let device = crate::device::device();
    println!(
        "q train: mode {} on {} ({} galaxies), device {}{}",
        cfg.mode,
        data.display(),
        ds.galaxies,
        crate::device::device_name(&device),
        if run.resumed { " (resumed)" } else { "" }
    );
    let bar = progress_bar(cfg.train.epochs);
    let mut on_batch = |p: BatchProgress| show_batch(&bar, cfg.train.epochs, &p);
    let run = run_q_with(
        &ds,
        &cfg,
        &device,
        Some(&out.join(run_folder::CHECKPOINT)),
        Some(&mut on_batch),
        &mut |h| {
            bar.suspend(|| print_epoch(h));
        },
    );
    let run = run_folder::failed(&out, run)?;
    bar.finish_and_clear();
    report(&run, &out)?;
    run_folder::complete(&out)
}

/// The settings of a new run: the preset, then the options that override it.
fn settings(a: &TrainArgs, mode: QMode) -> Result<QRunConfig> {
    let mut cfg = a.preset.config(mode);
    let t = &mut cfg.train;
    if let Some(e) = a.epochs {
        t.epochs = e;
    }
    if let Some(b) = a.batch_size {
        t.batch_size = b;
    }
    if let Some(l) = a.learning_rate {
        t.learning_rate = l;
    }
    t.seed = a.seed;
    t.flush_subnormals = !a.keep_subnormals;
    if let Some(p) = a.patience {
        t.patience = (p > 0).then_some(p);
    }
    if let Some(p) = a.plateau_patience {
        t.plateau = (p > 0).then_some(Plateau {
            patience: p,
            ..Plateau::default()
        });
    }
    if a.weight_decay.is_some() {
        t.weight_decay = a.weight_decay;
    }
    cfg.max_galaxies = a.max_galaxies;
    cfg.per_image_norm = a.per_image_norm;
    if let Some(n) = a.refit_epochs {
        cfg.refit = (n > 0).then_some(Refit {
            epochs: n,
            ..cfg.refit.unwrap_or_default()
        });
    }
    if let Some(lr) = a.refit_learning_rate {
        let Some(r) = cfg.refit.as_mut() else {
            return Err(Error::invalid(
                "--refit-learning-rate",
                lr,
                "applies to a refit phase: add --refit-epochs N or use --preset table1-refit",
            ));
        };
        r.learning_rate = lr;
    }
    Ok(cfg)
}

fn refit(a: RefitArgs) -> Result<()> {
    if same_folder(&a.out, &a.model) {
        return Err(Error::invalid(
            "--out",
            a.out.display(),
            "must differ from --model (the input run folder is kept as it is)",
        ));
    }
    let device = crate::device::device();
    let r = Refit {
        epochs: a.epochs,
        learning_rate: a.learning_rate,
    };
    println!(
        "q refit: {} with dropout off, {} epochs at learning rate {}, device {}",
        a.model.display(),
        r.epochs,
        r.learning_rate,
        crate::device::device_name(&device)
    );
    let run = refit_saved_run(&a.model, r, &device, &mut print_epoch)?;
    report(&run, &a.out)
}

/// Whether `out` names the folder `model` (resolving `.`, `..` and links; `out` need not exist).
fn same_folder(out: &std::path::Path, model: &std::path::Path) -> bool {
    let resolve = |p: &std::path::Path| -> Option<PathBuf> {
        if let Ok(c) = p.canonicalize() {
            return Some(c);
        }
        let parent = match p.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.canonicalize().ok()?,
            _ => std::env::current_dir().ok()?,
        };
        Some(parent.join(p.file_name()?))
    };
    out == model || matches!((resolve(out), resolve(model)), (Some(a), Some(b)) if a == b)
}

/// One line per epoch; epochs of a dropout-off phase are marked.
fn print_epoch(h: &History) {
    let e = h.train_loss.len();
    let tag = match h.refit_start {
        Some(s) if e > s => " (dropout off)",
        _ => "",
    };
    println!(
        "epoch {e:>3}: train NLL {:>8.4}  valid NLL {:>8.4}  (best {:.4} at {}, {:.0} s){tag}",
        h.train_loss[e - 1],
        h.valid_loss[e - 1],
        h.valid_loss[h.best_epoch],
        h.best_epoch + 1,
        h.seconds
    );
}

/// Saves the run folder and prints its test numbers.
fn report(run: &QRun, out: &std::path::Path) -> Result<()> {
    run.save(out)?;
    let m = &run.metrics;
    if let Some(r) = &m.refit {
        println!(
            "dropout-off phase: validation NLL {:.4} -> {:.4} ({}), test NLL before it {:.3}",
            r.valid_nll_before,
            r.valid_nll_after,
            if r.kept {
                "kept"
            } else {
                "not better: first phase's weights kept"
            },
            r.test_nll_before
        );
    }
    if let (Some(n), Some((a, b))) = (m.test_nll_calibrated, m.within_calibrated) {
        println!(
            "with σ × {:.3} (fitted on validation): test NLL {n:.3}, within 1σ {:.1} %, 2σ {:.1} %",
            m.sigma_scale,
            100.0 * a,
            100.0 * b
        );
    }
    println!(
        "test NLL {:.3} (thesis {}), MSE {:.5}, within 1σ {:.1} %, 2σ {:.1} %; wrote {}",
        m.test_nll,
        m.paper_nll
            .map(|t| format!("{t:.3}"))
            .unwrap_or_else(|| "—".into()),
        m.test_mse,
        100.0 * m.within_1sigma,
        100.0 * m.within_2sigma,
        out.display()
    );
    Ok(())
}

/// Reads one image for `p` from a `.npy` or Sérsic `.h5` file.
fn read_image(p: &QPredictor, a: &PredictArgs) -> Result<Vec<f32>> {
    let ext = a.image.extension().and_then(|e| e.to_str()).unwrap_or("");
    match ext {
        "npy" => read_npy(&a.image),
        "h5" | "hdf5" => {
            let ds = SersicH5::open(&a.image)?;
            if a.galaxy >= ds.galaxies {
                return Err(Error::invalid(
                    "galaxy",
                    a.galaxy,
                    format!("file has {} galaxies", ds.galaxies),
                ));
            }
            let mode: QMode = p.metrics.mode.parse()?;
            let s = ds.config.seed;
            let (x, _) = crate::data::q_modes::raw_images(&ds, &[a.galaxy], mode, s)?;
            Ok(x)
        }
        _ => Err(Error::invalid(
            "image",
            a.image.display(),
            "expected a .npy or .h5 file",
        )),
    }
}

/// A float32 or float64 `.npy` array, flattened.
pub fn read_npy(path: &std::path::Path) -> Result<Vec<f32>> {
    use ndarray::ArrayD;
    use ndarray_npy::read_npy as rd;
    let bad = |e: String| Error::invalid("image", path.display(), e);
    if !path.exists() {
        return Err(Error::io(
            path,
            std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
        ));
    }
    match rd::<_, ArrayD<f32>>(path) {
        Ok(a) => Ok(a.iter().copied().collect()),
        Err(_) => rd::<_, ArrayD<f64>>(path)
            .map(|a| a.iter().map(|&v| v as f32).collect())
            .map_err(|e| bad(format!("not a float32/float64 .npy array ({e})"))),
    }
}

fn predict(a: PredictArgs) -> Result<()> {
    let device = crate::device::device();
    let p = QPredictor::load(&a.model, &device)?;
    let x = read_image(&p, &a)?;
    let (mu, sigma) = p.predict_flux(&x, &device)?;
    let k = p.metrics.sigma_scale;
    println!(
        "q = {mu:.4} ± {sigma:.4} (network σ); ± {:.4} with the validation σ scale {k:.3}",
        sigma as f64 * k
    );
    Ok(())
}
