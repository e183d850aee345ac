//! `galaxy-lab classify train`: seed 000's 2-, 3- and 9-class AlexNet experiments.

use crate::data::pairs_h5::{Experiment, PairH5};
use crate::error::{Error, Result};
use crate::models::alexnet::Padding;
use crate::train::class_experiment::{ClassRunConfig, SplitBy, run_classification};
use clap::{Args, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Subcommands of `galaxy-lab classify`.
#[derive(Debug, Subcommand)]
pub enum ClassifyCmd {
    /// Train AlexNet on a pairs HDF5 file (two-, three- or nine-class); writes metrics.json,
    /// curves, confusion matrix, ROC (two classes), montage and weights.
    Train(TrainArgs),
    /// Apply a trained network (a `classify train` folder) to another pairs file, e.g. the
    /// mock-observed set of the seed's real-data test; writes eval.json (Tables 12, 13 beside
    /// ours), predictions, confusion matrix (Fig. 7), montage (Fig. A4) and ROC.
    Evaluate(EvaluateArgs),
    /// Time AlexNet training steps and inference passes on random data (for
    /// bench/torch_reference.py).
    BenchStep(BenchStepArgs),
}

/// Arguments of `classify bench-step`.
#[derive(Debug, Args)]
pub struct BenchStepArgs {
    /// Input side in pixels (unpadded Table 4 layout from 195 up, padded below).
    #[arg(long, default_value_t = 64)]
    size: usize,
    /// Width factor (1 = Table 4).
    #[arg(long, default_value_t = 0.125)]
    width: f64,
    /// Input channels.
    #[arg(long, default_value_t = 1)]
    channels: usize,
    /// Classes.
    #[arg(long, default_value_t = 2)]
    classes: usize,
    /// Batch size.
    #[arg(long, default_value_t = 32)]
    batch: usize,
    /// Timed repetitions.
    #[arg(long, default_value_t = 20)]
    steps: usize,
    /// Write the timing as JSON here.
    #[arg(long)]
    json: Option<PathBuf>,
}

/// Arguments of `classify evaluate`.
#[derive(Debug, Args)]
pub struct EvaluateArgs {
    /// Run folder written by `classify train` (holds model.bpk).
    #[arg(long)]
    model: PathBuf,
    /// Pairs dataset with the same classes.
    #[arg(long)]
    data: PathBuf,
    /// Rejection threshold (the seed's real-data test: 0.8).
    #[arg(long, default_value_t = 0.8)]
    threshold: f64,
    /// Use only the first N images of the file.
    #[arg(long)]
    max_images: Option<usize>,
    /// Output folder.
    #[arg(long)]
    out: PathBuf,
}

/// Starting point of the settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Preset {
    /// 64 × 64, width 1/8, padded, 12 short epochs (two CPU cores).
    Quick,
    /// The seed's: 256 × 256 AlexNet of Table 4, its epochs and steps per epoch.
    Full,
}

/// Arguments of `classify train`.
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// Pairs dataset (`galaxy-lab pairs generate --experiment two-class|three-class|nine-class`).
    #[arg(long)]
    data: PathBuf,
    /// The experiment the file must hold (two-class, three-class or nine-class); a file of
    /// another experiment is an error. Default: whatever the file holds.
    #[arg(long)]
    experiment: Option<String>,
    /// Settings to start from; the options below override them.
    #[arg(long, value_enum, default_value_t = Preset::Full)]
    preset: Preset,
    /// Epochs.
    #[arg(long)]
    epochs: Option<usize>,
    /// Updates per epoch (0: one pass over the augmented training set).
    #[arg(long)]
    steps_per_epoch: Option<usize>,
    /// Mini-batch size.
    #[arg(long)]
    batch_size: Option<usize>,
    /// Network input side in pixels.
    #[arg(long)]
    size: Option<usize>,
    /// AlexNet width factor (1 = Table 4).
    #[arg(long)]
    width: Option<f64>,
    /// Rotation step of the training augmentation in degrees (1 = the seed's 360 rotations).
    #[arg(long)]
    rotation_step: Option<u16>,
    /// Initial SGD learning rate (the seed: 0.01).
    #[arg(long)]
    learning_rate: Option<f64>,
    /// SGD momentum (0: plain SGD as the seed).
    #[arg(long)]
    momentum: Option<f64>,
    /// Rejection threshold (default: the seed's, 0.8 or 0.7 for nine classes).
    #[arg(long)]
    threshold: Option<f64>,
    /// Split single images instead of whole simulations.
    #[arg(long)]
    split_by_image: bool,
    /// Use only the first N images of the file.
    #[arg(long)]
    max_images: Option<usize>,
    /// Seed for split, initialisation, shuffling and dropout.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Output folder.
    #[arg(long)]
    out: PathBuf,
}

/// Runs a `classify` subcommand.
pub fn run(cmd: ClassifyCmd) -> Result<()> {
    let a = match cmd {
        ClassifyCmd::Train(a) => a,
        ClassifyCmd::Evaluate(a) => return evaluate(a),
        ClassifyCmd::BenchStep(a) => return bench_step(a),
    };
    let ds = PairH5::open(&a.data)?;
    let experiment = ds.config.experiment;
    if let Some(name) = &a.experiment {
        let wanted = Experiment::parse(name)?;
        if wanted != experiment {
            return Err(Error::invalid(
                "--experiment",
                name,
                format!("{} holds a {} dataset", a.data.display(), experiment.name()),
            ));
        }
    }
    let mut cfg = match a.preset {
        Preset::Quick => ClassRunConfig::quick(experiment),
        Preset::Full => ClassRunConfig::full(experiment),
    };
    if let Some(s) = a.size {
        cfg.size = s;
        // Table 4's unpadded layout needs at least 195 pixels.
        cfg.padding = if s >= 195 {
            Padding::Valid
        } else {
            Padding::Padded
        };
    }
    if let Some(w) = a.width {
        cfg.width = w;
    }
    if let Some(e) = a.epochs {
        cfg.train.epochs = e;
    }
    if let Some(s) = a.steps_per_epoch {
        cfg.train.steps_per_epoch = (s > 0).then_some(s);
    }
    if let Some(b) = a.batch_size {
        cfg.train.batch_size = b;
    }
    if let Some(r) = a.rotation_step {
        cfg.augment.rotation_step_deg = r;
    }
    if let Some(l) = a.learning_rate {
        cfg.train.learning_rate = l;
    }
    if let Some(m) = a.momentum {
        cfg.train.momentum = (m > 0.0).then_some(m);
    }
    if let Some(t) = a.threshold {
        if !(0.0..=1.0).contains(&t) {
            return Err(Error::invalid("threshold", t, "must lie in [0, 1]"));
        }
        cfg.threshold = Some(t);
    }
    if a.split_by_image {
        cfg.split_by = SplitBy::Image;
    }
    cfg.max_images = a.max_images;
    cfg.train.seed = a.seed;
    cfg.train.validate()?;
    cfg.net(ds.class_names.len().max(2)).validate()?;
    let device = crate::device::device();
    println!(
        "classify train: {} ({} images of {}x{}, classes {:?}) on {}; AlexNet {}x{} width {}, \
         {} epochs",
        experiment.name(),
        ds.count,
        ds.width,
        ds.height,
        ds.class_names,
        crate::device::device_name(&device),
        cfg.size,
        cfg.size,
        cfg.width,
        cfg.train.epochs
    );
    let run = run_classification(&ds, &cfg, &device, &mut |h| {
        let e = h.train_loss.len();
        println!(
            "epoch {e:>3}: train loss {:.4} acc {:.3}  valid loss {:.4} acc {:.3}  ({:.0} s)",
            h.train_loss[e - 1],
            h.train_accuracy[e - 1],
            h.valid_loss[e - 1],
            h.valid_accuracy[e - 1],
            h.seconds
        );
    })?;
    run.save(&a.out)?;
    let m = &run.metrics;
    println!(
        "test: {} images, {} rejected below {:.0} %; kept: weighted F1 {:.3} (seed {:.2}), \
         accuracy {:.3}; all: F1 {:.3}{}",
        m.n_test,
        m.rejected,
        100.0 * m.threshold,
        m.overall.f1,
        m.seed.overall.f1,
        m.accuracy,
        m.f1_no_rejection,
        match (m.auc, m.seed.auc) {
            (Some(a), Some(s)) => format!(", AUC {a:.3} (seed {s:.2})"),
            _ => String::new(),
        }
    );
    if let Some(t) = &m.training_siblings {
        println!(
            "the seed's protocol (augmented copies of training sources): {} images, {} rejected; \
             kept F1 {:.3}, accuracy {:.3}; all: F1 {:.3}",
            t.n, t.rejected, t.f1, t.accuracy, t.f1_no_rejection
        );
    }
    println!("wrote {}", a.out.display());
    Ok(())
}

fn evaluate(a: EvaluateArgs) -> Result<()> {
    let device = crate::device::device();
    let e = crate::train::class_eval::evaluate_run_dir(
        &a.model,
        &a.data,
        a.threshold,
        a.max_images,
        &device,
    )?;
    e.save(&a.out)?;
    let m = &e.metrics;
    println!(
        "classify evaluate: {} images of {}, {} rejected below {:.0} %; kept: weighted F1 {:.3} \
         (seed's SDSS test {:.2}), accuracy {:.3}; all: F1 {:.3}{}",
        m.n,
        a.data.display(),
        m.rejected,
        100.0 * m.threshold,
        m.overall.f1,
        m.seed.overall.f1,
        m.accuracy,
        m.f1_no_rejection,
        m.auc.map(|v| format!(", AUC {v:.3}")).unwrap_or_default()
    );
    println!("wrote {}", a.out.display());
    Ok(())
}

fn bench_step(a: BenchStepArgs) -> Result<()> {
    let net = crate::models::alexnet::AlexNetConfig::new()
        .with_classes(a.classes)
        .with_channels(a.channels)
        .with_size(a.size)
        .with_width(a.width)
        .with_padding(if a.size >= 195 {
            Padding::Valid
        } else {
            Padding::Padded
        });
    let d = crate::device::device();
    let t = crate::train::step_timing::time_alexnet_step(&net, a.batch, a.steps, &d)?;
    println!(
        "{} {:?} on {}: train step {:.2} ms, inference {:.2} ms (median of {})",
        t.network, t.input, t.device, t.train_ms, t.infer_ms, t.steps
    );
    match a.json {
        Some(p) => crate::io::write_json(p, &t),
        None => Ok(()),
    }
}
