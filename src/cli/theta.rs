//! `galaxy-lab theta train`: seed 000's θ regression (Table 5) and our joint (i, θ) regression.

use super::run_folder;
use crate::data::pairs_h5::PairH5;
use crate::error::Result;
use crate::train::fit::FitHistory;
use crate::train::theta_experiment::{RegRunConfig, run_regression_with};
use clap::{Args, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Subcommands of `galaxy-lab theta`.
#[derive(Debug, Subcommand)]
pub enum ThetaCmd {
    /// Train the regression CNN on a pairs HDF5 file; writes metrics.json, curves and figures.
    Train(TrainArgs),
    /// Score a trained network (a run folder or a committed weights file) on a pairs file:
    /// RMSE per target and σ coverage.
    Evaluate(EvaluateArgs),
    /// Time one training step and one inference pass of Table 5's network (median ms), e.g.
    /// for bench/gpu_reference.py.
    BenchStep(BenchStepArgs),
}

/// Arguments of `theta evaluate`.
#[derive(Debug, Args)]
pub struct EvaluateArgs {
    /// Run folder written by `theta train` (holds model.bpk), or a weights file with its .json
    /// beside it (e.g. results/theta/weights/joint_compact_s0.bpk).
    #[arg(long)]
    model: PathBuf,
    /// Pairs dataset of the network's image size (for fresh data, another --seed than the
    /// training file's).
    #[arg(long)]
    data: PathBuf,
    /// Use only the first N images of the file.
    #[arg(long)]
    max_images: Option<usize>,
    /// Write evaluation.json and predictions.csv here.
    #[arg(long)]
    out: Option<PathBuf>,
}

fn evaluate(a: EvaluateArgs) -> Result<()> {
    let device = crate::device::device();
    let m = crate::train::reg_model::RegModel::load(&a.model, &device)?;
    let ds = PairH5::open(&a.data)?;
    let (e, p) = m.evaluate(&ds, a.max_images, &device)?;
    println!(
        "theta evaluate: {} images of {} (data seed {}; the network trained on data seed {}{})",
        e.n,
        a.data.display(),
        e.data_seed,
        e.training_data_seed,
        if e.data_seed == e.training_data_seed {
            ": the same seed, so these may be training images"
        } else {
            ""
        }
    );
    for t in &e.targets {
        let pct = |w: Option<[f64; 2]>| {
            w.map(|[a, b]| format!("{:.1} % / {:.1} %", 100.0 * a, 100.0 * b))
        };
        println!(
            "{}: RMSE {:.2} deg{}{}",
            t.target,
            t.rmse_deg,
            pct(t.within)
                .map(|s| format!("; within 1σ / 2σ {s}"))
                .unwrap_or_default(),
            pct(t.within_coverage_scaled)
                .map(|s| format!(" (σ × validation factor: {s})"))
                .unwrap_or_default()
        );
    }
    if let Some(mirror) = &e.mirror {
        println!("{}", mirror.summary());
        println!(
            "{}",
            mirror.table("errors of i by the mirror degeneracy: |i − i′|, i′ the inclination that draws the same projected discs")?
        );
    }
    if let Some(out) = &a.out {
        std::fs::create_dir_all(out).map_err(|e| crate::error::Error::io(out, e))?;
        crate::io::write_json(out.join("evaluation.json"), &e)?;
        crate::io::write_atomic(out.join("predictions.csv"), p.to_csv().as_bytes())?;
        println!("wrote {}", out.display());
    }
    Ok(())
}

/// Arguments of `theta bench-step`.
#[derive(Debug, Args)]
pub struct BenchStepArgs {
    /// Which network: `table5` (seed 000's θ network) or `joint` (the joint (i, |θ|) model of
    /// the `joint-compact-long` preset: compact body, one channel, AdamW, Gaussian NLL).
    #[arg(long, value_enum, default_value_t = BenchNet::Table5)]
    net: BenchNet,
    /// Input channels of the Table 5 network (3 in Table 5; the joint model has one).
    #[arg(long, default_value_t = 3)]
    channels: usize,
    /// Width of the joint model's compact body (1: 32/32/64/128 filters).
    #[arg(long, default_value_t = 1.0)]
    width: f64,
    /// Input side in pixels (a multiple of 8; Table 5: 256).
    #[arg(long, default_value_t = 64)]
    size: usize,
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

/// The networks `theta bench-step` times.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum BenchNet {
    /// Seed 000's θ network (Table 5).
    Table5,
    /// The joint (i, |θ|) model on the compact body.
    Joint,
}

fn bench_step(a: BenchStepArgs) -> Result<()> {
    use crate::train::step_timing::{time_joint_step, time_thetanet_step};
    let d = crate::device::device();
    let t = match a.net {
        BenchNet::Table5 => time_thetanet_step(a.channels, a.size, a.batch, a.steps, &d)?,
        BenchNet::Joint => time_joint_step(a.width, a.size, a.batch, a.steps, &d)?,
    };
    println!(
        "{} {:?} on {}: train step {:.2} ms, inference {:.2} ms (median of {})",
        t.network, t.input, t.device, t.train_ms, t.infer_ms, t.steps
    );
    match a.json {
        Some(p) => crate::io::write_json(p, &t),
        None => Ok(()),
    }
}

/// Named θ recipes (`RegRunConfig`'s presets).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Preset {
    /// The paper's θ regression (Table 5, "Case 4"): θ alone, MSE, 70/30 with test monitoring.
    PaperTheta,
    /// Our joint (i, |θ|) regression with a σ each, split by simulation.
    Joint,
    /// The committed joint run: `joint` for at most 40 epochs, patience 8.
    JointCommitted,
    /// The joint model on the compact classifier's body with the classification recipe
    /// (AdamW, one-cycle, rotations and mirror images).
    JointCompact,
    /// `joint-compact` for twice the updates.
    JointCompactLong,
    /// `joint-compact-long` on the compact body at width 1.5.
    JointCompactWideLong,
}

impl Preset {
    /// The preset's settings.
    pub fn config(self) -> RegRunConfig {
        match self {
            Preset::PaperTheta => RegRunConfig::paper_theta(),
            Preset::Joint => RegRunConfig::joint(),
            Preset::JointCommitted => RegRunConfig::joint_committed(),
            Preset::JointCompact => RegRunConfig::joint_compact(),
            Preset::JointCompactLong => RegRunConfig::joint_compact_long(),
            Preset::JointCompactWideLong => RegRunConfig::joint_compact_wide_long(),
        }
    }
}

/// How the Table 5 network's weights start (`theta train --init`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum NetInit {
    /// Glorot-uniform weights, zero biases (Keras's defaults).
    Keras,
    /// burn's defaults: uniform weights and biases of bound 1/√fan-in.
    Burn,
}

/// Arguments of `theta train`.
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// Pairs dataset (`galaxy-lab pairs generate --experiment theta|theta-continuous|joint`).
    #[arg(long, required_unless_present = "resume")]
    data: Option<PathBuf>,
    /// Continue the run in this folder (written by an earlier `theta train --out`) from its last
    /// finished epoch, with the settings it was started with; no other option is allowed.
    #[arg(long, conflicts_with_all = ["data", "preset", "joint", "channels", "hidden", "epochs", "batch_size", "learning_rate", "decay", "patience", "seed", "keep_subnormals", "init", "out"])]
    resume: Option<PathBuf>,
    /// Settings; the options below override single values.
    #[arg(long, value_enum, default_value_t = Preset::PaperTheta)]
    preset: Preset,
    /// Shorthand for `--preset joint`.
    #[arg(long, conflicts_with = "preset")]
    joint: bool,
    /// Input channels (3: Table 5's parameter counts; 1: the grey image once).
    #[arg(long)]
    channels: Option<usize>,
    /// Widths of the two hidden dense layers (presets: Table 5's 16 4; 128 32 for joint).
    #[arg(long, num_args = 2, value_names = ["H1", "H2"])]
    hidden: Option<Vec<usize>>,
    /// Maximum epochs (presets: 100; 40 for joint-committed).
    #[arg(long)]
    epochs: Option<usize>,
    /// Mini-batch size (presets: 32).
    #[arg(long)]
    batch_size: Option<usize>,
    /// Adam learning rate (presets: the paper's 0.001).
    #[arg(long)]
    learning_rate: Option<f64>,
    /// Keras time-based decay per step (presets: the paper's 0.01; 1e-4 for joint).
    #[arg(long)]
    decay: Option<f64>,
    /// Early-stopping patience (0: never stop early; presets: 15, 8 for joint-committed).
    #[arg(long)]
    patience: Option<usize>,
    /// Seed for split, initialisation and shuffling.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Leave subnormal weights (below 1.18e-38) as they are instead of setting them to zero after
    /// every step: what runs committed before 2026-12-06 did, so this reruns them bit for bit
    /// (their later epochs ran up to 2.4x slower).
    #[arg(long)]
    keep_subnormals: bool,
    /// Initialisation of the Table 5 network: keras (Glorot-uniform weights, zero biases; the
    /// seed's framework, the paper-theta preset's) or burn (burn's defaults, as the runs before
    /// 2026-12-06 and the joint presets). Default: the preset's.
    #[arg(long, value_enum)]
    init: Option<NetInit>,
    /// Output folder. Each epoch is checkpointed in OUT/checkpoint; `--resume OUT` continues a
    /// killed run.
    #[arg(long, required_unless_present = "resume")]
    out: Option<PathBuf>,
}

/// Runs a `theta` subcommand.
pub fn run(cmd: ThetaCmd) -> Result<()> {
    let a = match cmd {
        ThetaCmd::Train(a) => a,
        ThetaCmd::BenchStep(a) => return bench_step(a),
        ThetaCmd::Evaluate(a) => return evaluate(a),
    };
    let run = run_folder::new_or_resume(
        "theta train",
        a.resume.as_deref(),
        a.data.as_deref(),
        a.out.as_deref(),
        |p: &std::path::Path| PairH5::open(p),
        |_| Ok(settings(&a)),
    )?;
    let (run, ds) = run;
    let (data, out, cfg) = (run.data, run.out, run.config);
    let device = crate::device::device();
    println!(
        "theta train: {} images of {}x{} from {}, targets {:?}, device {}{}",
        ds.count,
        ds.width,
        ds.height,
        data.display(),
        cfg.targets,
        crate::device::device_name(&device),
        if run.resumed { " (resumed)" } else { "" }
    );
    let run = run_folder::train_in(
        &out,
        cfg.train.epochs,
        |h: &FitHistory| {
            let e = h.train_loss.len();
            println!(
                "epoch {e:>3}: train {:>9.5}  monitor {:>9.5}  (best {:.5} at {}, {:.0} s)",
                h.train_loss[e - 1],
                h.valid_loss[e - 1],
                h.valid_loss[h.best_epoch],
                h.best_epoch + 1,
                h.seconds
            )
        },
        |ckpt, hooks| run_regression_with(&ds, &cfg, &device, Some(ckpt), hooks),
        |run| run.save(&out),
    )?;
    for t in &run.metrics.targets {
        println!(
            "{}: test MSE {:.3e} (angle/90)² = {:.2} deg², RMSE {:.2} deg; train MSE {:.3e}{}",
            t.target,
            t.test_mse_scaled,
            t.test_mse_deg2,
            t.test_rmse_deg,
            t.train_mse_scaled,
            match (t.within_1sigma, t.within_2sigma) {
                (Some(a), Some(b)) =>
                    format!("; within 1σ {:.1} %, 2σ {:.1} %", 100.0 * a, 100.0 * b),
                _ => String::new(),
            }
        );
        for (how, scale, within) in [
            ("NLL", t.sigma_scale, t.within_calibrated),
            ("1σ coverage", t.coverage_scale, t.within_coverage_scaled),
        ] {
            if let (Some(s), Some([a, b])) = (scale, within) {
                println!(
                    "{}: σ × {s:.3} (validation {how}): within 1σ {:.1} %, 2σ {:.1} %",
                    t.target,
                    100.0 * a,
                    100.0 * b
                );
            }
        }
    }
    println!("wrote {}", out.display());
    Ok(())
}

/// The settings of a new run: the preset, then the options that override it.
fn settings(a: &TrainArgs) -> RegRunConfig {
    let mut cfg = if a.joint {
        Preset::Joint.config()
    } else {
        a.preset.config()
    };
    if let Some(c) = a.channels {
        cfg.channels = c;
    }
    if let Some(h) = &a.hidden {
        cfg.hidden = [h[0], h[1]];
    }
    if let Some(e) = a.epochs {
        cfg.train.epochs = e;
    }
    if let Some(b) = a.batch_size {
        cfg.train.batch_size = b;
    }
    if let Some(l) = a.learning_rate {
        cfg.train.learning_rate = l;
    }
    if let Some(d) = a.decay {
        cfg.train.decay = d;
    }
    cfg.train.seed = a.seed;
    cfg.train.flush_subnormals = !a.keep_subnormals;
    if let Some(init) = a.init {
        cfg.keras_init = init == NetInit::Keras;
    }
    if let Some(p) = a.patience {
        cfg.train.patience = (p > 0).then_some(p);
    }
    cfg
}
