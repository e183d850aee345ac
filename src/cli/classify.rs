//! `galaxy-lab classify train`: seed 000's 2-, 3- and 9-class experiments with AlexNet (Table 4)
//! or the compact network, from a named preset; `--resume DIR` continues a killed run.

use super::run_folder;
use crate::data::pairs_h5::{Experiment, PairH5};
use crate::error::{Error, Result};
use crate::models::alexnet::Padding;
use crate::models::classifier::NetKind;
use crate::train::class_experiment::run_classification_with;
use crate::train::class_recipe::{ClassRunConfig, SplitBy};
use crate::train::class_views::TestViews;
use crate::train::fit::FitHistory;
use clap::{Args, Subcommand, ValueEnum};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Subcommands of `galaxy-lab classify`.
#[derive(Debug, Subcommand)]
pub enum ClassifyCmd {
    /// Train a classifier (AlexNet or compact) on a pairs HDF5 file (two-, three- or
    /// nine-class); writes metrics.json, curves, confusion matrix, ROC (two classes), montage
    /// and weights. Each epoch is checkpointed in OUT/checkpoint; `--resume OUT` continues.
    Train(TrainArgs),
    /// Apply a trained network (a `classify train` folder) to another pairs file, e.g. the
    /// mock-observed set of the seed's real-data test; writes eval.json (Tables 12, 13 beside
    /// ours), predictions, confusion matrix (Fig. 7), montage (Fig. A4) and ROC.
    Evaluate(EvaluateArgs),
    /// Seed 000's own test protocol (§4): augment every source image, split the augmented
    /// images at random 64/16/20, train, and score a sample of the seed's test size and the
    /// whole 20 %; writes paper_protocol.json. Each epoch is checkpointed in OUT/checkpoint and a
    /// checkpoint there is resumed.
    PaperProtocol(PaperProtocolArgs),
    /// Time classifier training steps and inference passes on random data (for
    /// bench/torch_reference.py).
    BenchStep(BenchStepArgs),
}

/// Arguments of `classify paper-protocol`.
#[derive(Debug, Args)]
pub struct PaperProtocolArgs {
    /// Pairs dataset (the seed's GalMer set had 12 orbits × 2 spins × 3 morphology pairs × 6
    /// views per inclination: `pairs generate --count 864` for two classes, 1296 for three).
    #[arg(long)]
    data: PathBuf,
    /// Settings (network, augmentation, optimiser).
    #[arg(long, value_enum, default_value_t = Preset::Compact)]
    preset: Preset,
    /// Score at most this many images of the test 20 % (default: all).
    #[arg(long)]
    max_test: Option<usize>,
    /// Seed for the split, initialisation, shuffling and dropout.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Leave subnormal weights (below 1.18e-38) as they are instead of setting them to zero after
    /// every step: what runs committed before 2026-12-06 did, so this reruns them bit for bit
    /// (their later epochs ran up to 2.4x slower).
    #[arg(long)]
    keep_subnormals: bool,
    /// Output folder.
    #[arg(long)]
    out: PathBuf,
}

/// Arguments of `classify bench-step`.
#[derive(Debug, Args)]
pub struct BenchStepArgs {
    /// Network: alexnet or compact.
    #[arg(long, default_value = "alexnet")]
    net: String,
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
    /// Run folder written by `classify train` (holds model.bpk), or a weights file with its
    /// .json beside it (e.g. results/classification/weights/three-class_compact-long_s0.bpk)
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
    /// Views of each image whose softmax is averaged: one (the image as it is) or dihedral (its
    /// four right-angle rotations, each also mirrored: test-time augmentation).
    #[arg(long, value_enum, default_value_t = TestViews::One)]
    views: TestViews,
    /// Output folder.
    #[arg(long)]
    out: PathBuf,
}

/// Starting point of the settings (the recipes are [`ClassRunConfig`]'s presets).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Preset {
    /// AlexNet, 64 × 64, width 1/8, padded, 12 short epochs (two CPU cores).
    Quick,
    /// The seed's: 256 × 256 AlexNet of Table 4, its epochs and steps per epoch.
    Full,
    /// The compact network's recipe ([`ClassRunConfig::compact`]).
    Compact,
    /// The compact recipe for twice the updates ([`ClassRunConfig::compact_long`]).
    CompactLong,
    /// The compact recipe at width 1.5 ([`ClassRunConfig::compact_wide`]).
    CompactWide,
    /// Width 1.5 for twice the updates ([`ClassRunConfig::compact_wide_long`]).
    CompactWideLong,
    /// Width 1.5 for four times the updates ([`ClassRunConfig::compact_wide_xlong`]).
    CompactWideXlong,
    /// The compact recipe shortened for notebooks' quick mode.
    CompactQuick,
    /// AlexNet at 64², width 1/4, 40 × 80 updates: the committed AlexNet CPU runs.
    AlexnetCpu,
    /// [`Preset::AlexnetCpu`] for 30 epochs: the mock-observed SDSS runs.
    AlexnetCpuMock,
}

impl Preset {
    /// The preset's settings for `experiment`.
    pub fn config(self, experiment: Experiment) -> ClassRunConfig {
        match self {
            Preset::Quick => ClassRunConfig::quick(experiment),
            Preset::Full => ClassRunConfig::full(experiment),
            Preset::Compact => ClassRunConfig::compact(experiment),
            Preset::CompactLong => ClassRunConfig::compact_long(experiment),
            Preset::CompactWide => ClassRunConfig::compact_wide(experiment),
            Preset::CompactWideLong => ClassRunConfig::compact_wide_long(experiment),
            Preset::CompactWideXlong => ClassRunConfig::compact_wide_xlong(experiment),
            Preset::CompactQuick => ClassRunConfig::compact_quick(experiment),
            Preset::AlexnetCpu => ClassRunConfig::alexnet_cpu(experiment),
            Preset::AlexnetCpuMock => ClassRunConfig::alexnet_cpu_mock(experiment),
        }
    }
}

/// Arguments of `classify train`.
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// Pairs dataset (`galaxy-lab pairs generate --experiment two-class|three-class|nine-class`).
    #[arg(long, required_unless_present = "resume")]
    data: Option<PathBuf>,
    /// Continue the run in this folder (written by an earlier `classify train --out`) from its
    /// last finished epoch, with the settings it was started with; no other option is allowed.
    #[arg(long, conflicts_with_all = ["data", "experiment", "net", "preset", "seed", "epochs", "steps_per_epoch", "batch_size", "size", "width", "rotation_step", "learning_rate", "momentum", "threshold", "split_by_image", "max_images", "keep_subnormals", "out"])]
    resume: Option<PathBuf>,
    /// Network: alexnet (Table 4) or compact (default: the preset's).
    #[arg(long)]
    net: Option<String>,
    /// The experiment the file must hold (two-class, three-class, nine-class or
    /// six-class-spin); a file of another experiment is an error. Default: whatever the file holds.
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
    /// Width factor (AlexNet: 1 = Table 4; compact: 1 = 32/64/128 filters).
    #[arg(long)]
    width: Option<f64>,
    /// Rotation step of the training augmentation in degrees (1 = the seed's 360 rotations).
    #[arg(long)]
    rotation_step: Option<u16>,
    /// Base learning rate (the seed's SGD: 0.01; the peak of the compact presets' one-cycle).
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
    /// Leave subnormal weights (below 1.18e-38) as they are instead of setting them to zero after
    /// every step: what runs committed before 2026-12-06 did, so this reruns them bit for bit
    /// (their later epochs ran up to 2.4x slower).
    #[arg(long)]
    keep_subnormals: bool,
    /// Output folder.
    #[arg(long, required_unless_present = "resume")]
    out: Option<PathBuf>,
}

/// Runs a `classify` subcommand.
pub fn run(cmd: ClassifyCmd) -> Result<()> {
    let a = match cmd {
        ClassifyCmd::Train(a) => a,
        ClassifyCmd::Evaluate(a) => return evaluate(a),
        ClassifyCmd::PaperProtocol(a) => return paper_protocol(a),
        ClassifyCmd::BenchStep(a) => return bench_step(a),
    };
    let run = run_folder::new_or_resume(
        "classify train",
        a.resume.as_deref(),
        a.data.as_deref(),
        a.out.as_deref(),
        |p: &std::path::Path| PairH5::open(p),
        |ds| {
            let cfg = settings(&a, ds)?;
            cfg.train.validate()?;
            cfg.net(ds.class_names.len().max(2)).validate()?;
            Ok(cfg)
        },
    )?;
    let (run, ds) = run;
    let (out, cfg) = (run.out, run.config);
    let device = crate::device::device();
    println!(
        "classify train: {} ({} images of {}x{}, classes {:?}) on {}; {} {}x{} width {}, {} \
         epochs{}",
        ds.config.experiment.name(),
        ds.count,
        ds.width,
        ds.height,
        ds.class_names,
        crate::device::device_name(&device),
        cfg.net.name(),
        cfg.size,
        cfg.size,
        cfg.width,
        cfg.train.epochs,
        if run.resumed { " (resumed)" } else { "" }
    );
    let run = run_folder::train_in(
        &out,
        cfg.train.epochs,
        print_epoch,
        |ckpt, hooks| run_classification_with(&ds, &cfg, &device, Some(ckpt), hooks),
        |run| run.save(&out),
    )?;
    let m = &run.metrics;
    println!(
        "test: {} images, {} rejected below {:.0} %; kept: weighted F1 {:.3} ({}), \
         accuracy {:.3}; all: F1 {:.3}{}",
        m.n_test,
        m.rejected,
        100.0 * m.threshold,
        m.overall.f1,
        m.paper
            .as_ref()
            .map_or("the paper did not run this experiment".into(), |p| format!(
                "paper {:.2}",
                p.overall.f1
            )),
        m.accuracy,
        m.f1_no_rejection,
        match (m.auc, m.paper.as_ref().and_then(|p| p.auc)) {
            (Some(a), Some(s)) => format!(", AUC {a:.3} (paper {s:.2})"),
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
    println!("wrote {}", out.display());
    Ok(())
}

/// The settings of a new run: the preset, then the options that override it.
fn settings(a: &TrainArgs, ds: &PairH5) -> Result<ClassRunConfig> {
    let experiment = ds.config.experiment;
    if let Some(name) = &a.experiment {
        let wanted = Experiment::parse(name)?;
        if wanted != experiment {
            return Err(Error::invalid(
                "--experiment",
                name,
                format!(
                    "{} holds a {} dataset",
                    ds.path().display(),
                    experiment.name()
                ),
            ));
        }
    }
    let mut cfg = a.preset.config(experiment);
    if let Some(n) = &a.net {
        cfg.net = NetKind::parse(n)?;
    }
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
        if cfg.train.optimizer.is_some() {
            return Err(Error::invalid(
                "--momentum",
                m,
                format!(
                    "applies to the seed's SGD only; the {:?} preset trains with {:?}",
                    a.preset, cfg.train.optimizer
                ),
            ));
        }
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
    cfg.train.flush_subnormals = !a.keep_subnormals;
    Ok(cfg)
}

fn paper_protocol(a: PaperProtocolArgs) -> Result<()> {
    let ds = PairH5::open(&a.data)?;
    let mut cfg = a.preset.config(ds.config.experiment);
    cfg.train.seed = a.seed;
    cfg.train.flush_subnormals = !a.keep_subnormals;
    cfg.train.validate()?;
    cfg.net(ds.class_names.len().max(2)).validate()?;
    if let Some(0) = a.max_test {
        return Err(Error::invalid("--max-test", 0, "must be at least 1"));
    }
    // A checkpoint in --out resumes only the same run (same data, settings and test cap).
    let data = std::fs::canonicalize(&a.data).map_err(|e| Error::io(&a.data, e))?;
    let this = serde_json::json!({ "data": data, "data_seed": ds.seed, "config": cfg, "max_test": a.max_test });
    let run_path = a.out.join("run.json");
    if run_path.exists() {
        let mut before: serde_json::Value = crate::io::read_json(&run_path)?;
        // The stored settings read through their type, so a field added since (read with its
        // serde default) compares as the run that wrote them had it.
        if let Some(c) = before.get_mut("config")
            && let Ok(typed) = serde_json::from_value::<ClassRunConfig>(c.clone())
            && let Ok(v) = serde_json::to_value(typed)
        {
            *c = v;
        }
        if before != this {
            return Err(Error::invalid(
                "--out",
                a.out.display(),
                "holds a paper-protocol run with other data or settings; use another folder",
            ));
        }
    } else {
        crate::io::write_json(&run_path, &this)?;
    }
    let device = crate::device::device();
    println!(
        "classify paper-protocol: {} ({} source images) on {}; {} {}x{} width {}, {} epochs",
        ds.config.experiment.name(),
        ds.count,
        crate::device::device_name(&device),
        cfg.net.name(),
        cfg.size,
        cfg.size,
        cfg.width,
        cfg.train.epochs
    );
    let m = run_folder::train_in(
        &a.out,
        cfg.train.epochs,
        print_epoch,
        |ckpt, hooks| {
            crate::train::paper_protocol::run_paper_protocol(
                &ds,
                &cfg,
                a.max_test,
                &device,
                Some(ckpt),
                hooks,
            )
        },
        |(m, model)| {
            crate::train::classify::save_classifier(model, &m.net, a.out.join("model.bpk"))?;
            crate::io::write_json(a.out.join("paper_protocol.json"), m)
        },
    )?;
    let m = &m.0;
    for (name, s) in [
        ("sample of the seed's size", &m.sample),
        ("whole 20 %", &m.whole),
    ] {
        println!(
            "{name}: {} images, {} rejected below {:.0} %; kept F1 {:.3} (paper {:.2}), all: F1 {:.3}",
            s.n,
            s.rejected,
            100.0 * m.threshold,
            s.f1,
            m.paper_f1,
            s.f1_no_rejection
        );
    }
    println!("wrote {}", a.out.join("paper_protocol.json").display());
    Ok(())
}

/// One line per epoch (printed above the progress bar on a terminal, plain lines in a log).
fn print_epoch(h: &FitHistory) {
    let e = h.train_loss.len();
    println!(
        "epoch {e:>3}: train loss {:.4} acc {:.3}  valid loss {:.4} acc {:.3}  lr {:.2e}  \
         ({:.0} s)",
        h.train_loss[e - 1],
        h.train_accuracy.get(e - 1).copied().unwrap_or(f64::NAN),
        h.valid_loss[e - 1],
        h.valid_accuracy.get(e - 1).copied().unwrap_or(f64::NAN),
        h.learning_rate[e - 1],
        h.seconds
    )
}

fn evaluate(a: EvaluateArgs) -> Result<()> {
    let device = crate::device::device();
    let e = crate::train::class_eval::evaluate_run_dir(
        &a.model,
        &a.data,
        a.threshold,
        a.max_images,
        a.views,
        &device,
    )?;
    e.save(&a.out)?;
    let m = &e.metrics;
    // The seed's real-data test (Tables 12, 13) had two classes: its F1 stands beside ours only
    // for a two-class file.
    let paper = if m.class_names.len() == 2 {
        format!(" (paper's SDSS test {:.2})", m.paper.overall.f1)
    } else {
        String::new()
    };
    println!(
        "classify evaluate: {} images of {} ({} view{} each), {} rejected below {:.0} %; kept: \
         weighted F1 {:.3}{paper}, accuracy {:.3}; all: F1 {:.3}{}",
        m.n,
        a.data.display(),
        m.views.count(),
        if m.views.count() == 1 { "" } else { "s" },
        m.rejected,
        100.0 * m.threshold,
        m.overall.f1,
        m.accuracy,
        m.f1_no_rejection,
        m.auc.map(|v| format!(", AUC {v:.3}")).unwrap_or_default()
    );
    if let Some(mirror) = &m.mirror {
        println!("mirror degeneracy (all images): {}", mirror.summary());
    }
    println!("wrote {}", a.out.display());
    Ok(())
}

fn bench_step(a: BenchStepArgs) -> Result<()> {
    let net: crate::models::classifier::ClassifierConfig = match NetKind::parse(&a.net)? {
        NetKind::AlexNet => crate::models::alexnet::AlexNetConfig::new()
            .with_classes(a.classes)
            .with_channels(a.channels)
            .with_size(a.size)
            .with_width(a.width)
            .with_padding(if a.size >= 195 {
                Padding::Valid
            } else {
                Padding::Padded
            })
            .into(),
        NetKind::Compact => crate::models::compact::CompactNetConfig {
            width: a.width,
            ..crate::models::compact::CompactNetConfig::new(a.classes, a.channels, a.size)
        }
        .into(),
    };
    let d = crate::device::device();
    let t = crate::train::step_timing::time_classifier_step(&net, a.batch, a.steps, &d)?;
    println!(
        "{} {:?} on {}: train step {:.2} ms, inference {:.2} ms (median of {})",
        t.network, t.input, t.device, t.train_ms, t.infer_ms, t.steps
    );
    match a.json {
        Some(p) => crate::io::write_json(p, &t),
        None => Ok(()),
    }
}
