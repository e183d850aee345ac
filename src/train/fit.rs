//! The one training loop. Every network in galaxy-lab — the q network (seed 001), AlexNet and
//! the compact classifier (seed 000 §6), the θ and joint regressors (seed 000 Table 5) — trains
//! through [`fit`]; what differs between them is a [`Task`]: how a batch becomes a loss, and how
//! the validation set is scored. Read top-down, one epoch is:
//!
//! 1. (epochs after the first) reseed burn's device RNG from (seed, epoch), so dropout masks
//!    depend only on where the run is, and a resumed run draws the same ones;
//! 2. shuffle the training indices (ChaCha8 seeded once; a resumed run replays the shuffles);
//! 3. `steps_per_epoch` batches (or one pass): forward, loss, a clear error naming the epoch and
//!    batch when it is not finite, backward, one optimiser step at the schedule's rate;
//! 4. validation: loss (and accuracy where the task has one); the best weights on the monitored
//!    score are kept;
//! 5. the schedule's end-of-epoch rule (plateau), the per-epoch callback, early stopping;
//! 6. with a checkpoint folder, the whole state — weights, best weights, optimiser state,
//!    schedule state, history — is written to a new folder that is renamed into place when
//!    complete, so a run killed at any moment resumes from its last finished epoch and ends
//!    with the same numbers as one never interrupted.

use super::optim::{GradClip, Optimizer};
use super::schedule::{ScheduleState, end_of_epoch, learning_rate};
use crate::error::{Error, Result, check_size};
use burn::module::Module;
use burn::optim::{GradientsParams, ModuleOptimizer};
use burn::prelude::*;
use burn::store::ModuleRecord;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

pub use super::schedule::{DecayPer, Schedule};

/// What one training problem supplies to [`fit`].
pub trait Task {
    /// The network.
    type Model: Module;

    /// Number of training examples (the loop shuffles `0..train_len()`).
    fn train_len(&self) -> usize;

    /// Loss of the training examples `idx` (a one-element tensor on `device`, the autodiff
    /// device) and, for classifiers, how many of them the network got right.
    fn train_batch(
        &self,
        model: &Self::Model,
        idx: &[usize],
        device: &Device,
    ) -> Result<(Tensor<1>, Option<usize>)>;

    /// Validation loss and (for classifiers) accuracy of `model` in inference mode.
    fn validate(&self, model: &Self::Model, device: &Device) -> Result<Scores>;
}

/// What validation reports.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scores {
    /// Mean loss.
    pub loss: f64,
    /// Accuracy, for classifiers.
    pub accuracy: Option<f64>,
}

/// The score that picks the best epoch, drives the plateau rule and early stopping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Monitor {
    /// Lowest validation loss.
    #[default]
    ValidLoss,
    /// Highest validation accuracy (classifiers).
    ValidAccuracy,
}

/// Settings of one run of the loop.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FitConfig {
    /// Maximum number of epochs.
    pub epochs: usize,
    /// Mini-batch size.
    pub batch_size: usize,
    /// Updates per epoch (None: one pass over the training set).
    pub steps_per_epoch: Option<usize>,
    /// Base learning rate (the peak of one-cycle).
    pub learning_rate: f64,
    /// Optimiser.
    pub optimizer: Optimizer,
    /// Learning-rate schedule.
    pub schedule: Schedule,
    /// Gradient clipping (None: off).
    #[serde(default)]
    pub grad_clip: Option<GradClip>,
    /// Stop after this many epochs without a better monitored score (None: run all epochs).
    pub patience: Option<usize>,
    /// The score that picks the best epoch.
    #[serde(default)]
    pub monitor: Monitor,
    /// Seed of the initialisation, shuffling and dropout.
    pub seed: u64,
    /// On the CPU, set subnormal weights and optimiser-state values (non-zero, magnitude below
    /// 1.18e-38) to zero after every optimiser step ([`crate::train::subnormal`]), so long runs
    /// keep their early-epoch speed. Configurations written before this setting existed read as
    /// false, so those runs rerun bit for bit.
    #[serde(default)]
    pub flush_subnormals: bool,
}

impl FitConfig {
    /// Checks every field.
    pub fn validate(&self) -> Result<()> {
        check_size("epochs", self.epochs, 1)?;
        check_size("batch_size", self.batch_size, 1)?;
        if let Some(s) = self.steps_per_epoch {
            check_size("steps_per_epoch", s, 1)?;
        }
        crate::error::check_positive("learning_rate", self.learning_rate)?;
        self.optimizer.validate()?;
        self.schedule.validate()?;
        if let Schedule::CosineWarmup { min_lr, .. } = self.schedule
            && min_lr > self.learning_rate
        {
            return Err(Error::invalid(
                "schedule.min_lr",
                min_lr,
                format!("must not exceed the learning rate {}", self.learning_rate),
            ));
        }
        if let Some(c) = &self.grad_clip {
            c.validate()?;
        }
        Ok(())
    }

    /// Updates in one epoch over `n` training examples.
    pub fn steps_in_epoch(&self, n: usize) -> usize {
        let pass = n.div_ceil(self.batch_size);
        self.steps_per_epoch.map_or(pass, |s| s.min(pass))
    }
}

/// Learning curves and how the run ended.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FitHistory {
    /// Mean training loss per epoch (of the batches as they were trained on).
    pub train_loss: Vec<f64>,
    /// Training accuracy per epoch (classifiers; empty otherwise).
    pub train_accuracy: Vec<f64>,
    /// Validation loss per epoch.
    pub valid_loss: Vec<f64>,
    /// Validation accuracy per epoch (classifiers; empty otherwise).
    pub valid_accuracy: Vec<f64>,
    /// Learning rate of each epoch's first update.
    pub learning_rate: Vec<f64>,
    /// Epoch (0-based) with the best monitored score; its weights are the ones returned.
    pub best_epoch: usize,
    /// True when early stopping ended the run.
    pub stopped_early: bool,
    /// Training wall time in seconds (summed over resumed parts).
    pub seconds: f64,
    /// Epochs (0-based) at which the run was resumed from a checkpoint.
    #[serde(default)]
    pub resumed_at: Vec<usize>,
}

/// Where a batch stands, for progress bars.
#[derive(Debug, Clone, Copy)]
pub struct BatchProgress {
    /// Epoch (0-based).
    pub epoch: usize,
    /// Batches done in this epoch.
    pub batch: usize,
    /// Batches in this epoch.
    pub batches: usize,
    /// Loss of the batch just trained.
    pub loss: f64,
}

/// Callbacks of a run: after every batch (progress bars) and every epoch (notebooks, logs).
#[derive(Default)]
pub struct Hooks<'a> {
    /// Called after each update.
    pub on_batch: Option<&'a mut dyn FnMut(BatchProgress)>,
    /// Called after each epoch with the history so far.
    pub on_epoch: Option<&'a mut dyn FnMut(&FitHistory)>,
}

impl<'a> Hooks<'a> {
    /// Only a per-epoch callback.
    pub fn epochs(f: &'a mut dyn FnMut(&FitHistory)) -> Self {
        Hooks {
            on_batch: None,
            on_epoch: Some(f),
        }
    }
}

/// A finished run: the best weights (inference mode) and the curves.
#[derive(Debug)]
pub struct Fitted<M> {
    /// Weights of the best epoch.
    pub model: M,
    /// Learning curves.
    pub history: FitHistory,
}

/// The loop's state after a finished epoch, as saved in a checkpoint (weights apart).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct FitState {
    /// The settings the run started with; a resume with other settings is refused.
    config: FitConfig,
    /// Training examples (a resume on another set is refused).
    train_len: usize,
    /// Epochs finished.
    epochs_done: usize,
    /// Updates made.
    step: usize,
    /// Schedule state.
    schedule: ScheduleState,
    /// Best monitored score so far.
    best_score: f64,
    /// Curves so far.
    history: FitHistory,
    /// True when early stopping ended the run.
    finished: bool,
}

const STATE: &str = "state.json";
const MODEL: &str = "model.bpk";
const BEST: &str = "best.bpk";
const OPTIM: &str = "optimizer.bpk";

/// burn's device RNG seed for epoch `epoch` ≥ 1 (epoch 0 keeps the run's seed, so a first epoch
/// is what it was before checkpoints existed).
fn epoch_seed(seed: u64, epoch: usize) -> u64 {
    // SplitMix64 of (seed, epoch).
    let mut z = seed ^ (epoch as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn score_of(monitor: Monitor, s: &Scores) -> Result<f64> {
    match monitor {
        Monitor::ValidLoss => Ok(s.loss),
        Monitor::ValidAccuracy => s.accuracy.map(|a| -a).ok_or_else(|| {
            Error::invalid(
                "monitor",
                "valid_accuracy",
                "this task reports no accuracy; monitor valid_loss",
            )
        }),
    }
}

/// Trains the network `init` builds on the autodiff device (after the device RNG is seeded with
/// `cfg.seed`), on `task`. With `checkpoint` set, every finished epoch is saved there, and a
/// folder that already holds a checkpoint of the same settings is resumed from its last epoch.
/// Returns the best epoch's weights in inference mode.
pub fn fit<T: Task>(
    task: &T,
    init: impl FnOnce(&Device) -> Result<T::Model>,
    cfg: &FitConfig,
    device: &Device,
    checkpoint: Option<&Path>,
    hooks: &mut Hooks,
) -> Result<Fitted<T::Model>> {
    cfg.validate()?;
    let n = task.train_len();
    check_size("training set length", n, 1)?;
    let start = std::time::Instant::now();
    // Seeded model and optimiser on the autodiff device. burn's RNG is per device and
    // process-wide: bit-for-bit reproducibility holds for one training run at a time per process.
    device.seed(cfg.seed);
    let ad = device.clone().autodiff();
    ad.seed(cfg.seed);
    let mut model = init(&ad)?;
    // GPUs compute with subnormal numbers at full speed: the flush (a copy to the host per
    // parameter) is for the CPU only.
    let flush = cfg.flush_subnormals && crate::device::is_cpu(device);
    let mut optim = cfg.optimizer.init(cfg.grad_clip, flush);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(cfg.seed);
    let mut order: Vec<usize> = (0..n).collect();
    let steps = cfg.steps_in_epoch(n);
    let total_steps = steps * cfg.epochs;

    let mut state = FitState {
        config: cfg.clone(),
        train_len: n,
        epochs_done: 0,
        step: 0,
        schedule: ScheduleState::start(cfg.learning_rate),
        best_score: f64::INFINITY,
        history: FitHistory::default(),
        finished: false,
    };
    let mut best: Option<T::Model> = None;
    if let Some(dir) = checkpoint
        && let Some(saved) = latest_checkpoint(dir)?
    {
        let s: FitState = crate::io::read_json(saved.join(STATE))?;
        if s.config != *cfg || s.train_len != n {
            return Err(Error::invalid(
                "checkpoint",
                saved.display(),
                format!(
                    "was written by a run with other settings or another training set \
                     ({} examples, {:?}); resume with the settings it was started with",
                    s.train_len, s.config
                ),
            ));
        }
        model = load_weights(model, &saved.join(MODEL))?;
        // `valid()` copies batch norm's running statistics; a clone would share them.
        best = Some(load_weights(model.valid(), &saved.join(BEST))?);
        optim = optim
            .load(saved.join(OPTIM))
            .map_err(|e| Error::Model(format!("reading {}: {e}", saved.join(OPTIM).display())))?;
        // Replay the shuffles of the finished epochs.
        for _ in 0..s.epochs_done {
            order.shuffle(&mut rng);
        }
        state = s;
        if !state.finished && state.epochs_done < cfg.epochs {
            state.history.resumed_at.push(state.epochs_done);
        }
    }
    let seconds_before = state.history.seconds;

    while !state.finished && state.epochs_done < cfg.epochs {
        let epoch = state.epochs_done;
        // 1. Dropout masks from (seed, epoch).
        if epoch > 0 {
            device.seed(epoch_seed(cfg.seed, epoch));
            ad.seed(epoch_seed(cfg.seed, epoch));
        }
        // 2. A fresh shuffle.
        order.shuffle(&mut rng);
        // 3. The updates.
        let (mut sum, mut correct, mut counted, mut count) = (0.0f64, 0usize, false, 0usize);
        state.history.learning_rate.push(learning_rate(
            &cfg.schedule,
            &state.schedule,
            cfg.learning_rate,
            epoch,
            state.step,
            total_steps,
        ));
        for (b, idx) in order.chunks(cfg.batch_size).take(steps).enumerate() {
            let lr = learning_rate(
                &cfg.schedule,
                &state.schedule,
                cfg.learning_rate,
                epoch,
                state.step,
                total_steps,
            );
            let (loss, hits) = task.train_batch(&model, idx, &ad)?;
            let value: f32 = loss.clone().into_scalar();
            if !value.is_finite() {
                return Err(Error::Model(format!(
                    "training loss became {value} at epoch {epoch}, batch {b} (learning rate \
                     {lr:.3e}); lower the learning rate or check the input scaling"
                )));
            }
            sum += value as f64 * idx.len() as f64;
            if let Some(h) = hits {
                correct += h;
                counted = true;
            }
            count += idx.len();
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            model = optim.step(lr, model, grads);
            state.step += 1;
            if let Some(f) = hooks.on_batch.as_mut() {
                f(BatchProgress {
                    epoch,
                    batch: b + 1,
                    batches: steps,
                    loss: value as f64,
                });
            }
        }
        // 4. Validation and the best weights.
        let scores = task.validate(&model.valid(), device)?;
        if !scores.loss.is_finite() {
            return Err(Error::Model(format!(
                "validation loss became {} at epoch {epoch}",
                scores.loss
            )));
        }
        let h = &mut state.history;
        h.train_loss.push(sum / count as f64);
        if counted {
            h.train_accuracy.push(correct as f64 / count as f64);
        }
        h.valid_loss.push(scores.loss);
        if let Some(a) = scores.accuracy {
            h.valid_accuracy.push(a);
        }
        let score = score_of(cfg.monitor, &scores)?;
        let improved = best.is_none() || score < state.best_score;
        if improved {
            state.best_score = score;
            // `valid()`, not `clone()`: a clone shares batch norm's running statistics with the
            // model still training, so the best epoch's weights would end with the last epoch's
            // statistics (as the three loops before this one did).
            best = Some(model.valid());
            h.best_epoch = epoch;
        }
        // 5. Schedule, callback, early stopping.
        end_of_epoch(&cfg.schedule, &mut state.schedule, epoch, improved);
        state.epochs_done += 1;
        h.seconds = seconds_before + start.elapsed().as_secs_f64();
        if let Some(p) = cfg.patience
            && epoch >= h.best_epoch + p
        {
            h.stopped_early = true;
            state.finished = true;
        }
        if let Some(f) = hooks.on_epoch.as_mut() {
            f(&state.history);
        }
        // 6. Checkpoint.
        if let Some(dir) = checkpoint {
            let best_model = best.as_ref().unwrap_or(&model);
            save_checkpoint(dir, &state, &model, best_model, &optim)?;
        }
    }
    let best = best.ok_or_else(|| Error::Model("no epoch ran".into()))?;
    Ok(Fitted {
        model: best,
        history: state.history,
    })
}

fn load_weights<M: Module>(model: M, path: &Path) -> Result<M> {
    let record = ModuleRecord::load(path)
        .map_err(|e| Error::Model(format!("reading {}: {e}", path.display())))?;
    model.try_load_record(record).map_err(|e| {
        Error::Model(format!(
            "checkpoint {} does not fit the network: {e}",
            path.display()
        ))
    })
}

/// The newest complete checkpoint in `dir` (`epoch-NNNNN` folders; folders being written are
/// hidden `.epoch-NNNNN.partial` and are removed here).
pub fn latest_checkpoint(dir: &Path) -> Result<Option<PathBuf>> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(None);
    };
    let mut best: Option<(usize, PathBuf)> = None;
    for e in entries {
        let e = e.map_err(|e| Error::io(dir, e))?;
        let name = e.file_name().to_string_lossy().into_owned();
        if name.ends_with(".partial") {
            std::fs::remove_dir_all(e.path()).map_err(|err| Error::io(e.path(), err))?;
            continue;
        }
        if let Some(k) = name
            .strip_prefix("epoch-")
            .and_then(|k| k.parse::<usize>().ok())
            && best.as_ref().is_none_or(|(b, _)| k > *b)
        {
            best = Some((k, e.path()));
        }
    }
    Ok(best.map(|(_, p)| p))
}

fn save_checkpoint<M: Module>(
    dir: &Path,
    state: &FitState,
    model: &M,
    best: &M,
    optim: &ModuleOptimizer,
) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let name = format!("epoch-{:05}", state.epochs_done);
    let partial = dir.join(format!(".{name}.partial"));
    if partial.exists() {
        std::fs::remove_dir_all(&partial).map_err(|e| Error::io(&partial, e))?;
    }
    std::fs::create_dir_all(&partial).map_err(|e| Error::io(&partial, e))?;
    let err = |p: &Path, e: burn::store::RecordError| {
        Error::Model(format!("writing {}: {e}", p.display()))
    };
    model
        .clone()
        .into_record()
        .save(partial.join(MODEL))
        .map_err(|e| err(&partial.join(MODEL), e))?;
    best.clone()
        .into_record()
        .save(partial.join(BEST))
        .map_err(|e| err(&partial.join(BEST), e))?;
    optim
        .save(partial.join(OPTIM))
        .map_err(|e| err(&partial.join(OPTIM), e))?;
    crate::io::write_json(partial.join(STATE), state)?;
    for f in [MODEL, BEST, OPTIM] {
        let p = partial.join(f);
        std::fs::File::open(&p)
            .and_then(|f| f.sync_all())
            .map_err(|e| Error::io(&p, e))?;
    }
    let done = dir.join(&name);
    std::fs::rename(&partial, &done).map_err(|e| Error::io(&done, e))?;
    // The rename reaches the disk before the previous epoch is removed.
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| Error::io(dir, e))?;
    // Older epochs are no longer needed.
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let n = e.file_name().to_string_lossy().into_owned();
            if n.starts_with("epoch-") && n != name {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_seeds_differ_and_repeat() {
        assert_eq!(epoch_seed(7, 3), epoch_seed(7, 3));
        assert_ne!(epoch_seed(7, 3), epoch_seed(7, 4));
        assert_ne!(epoch_seed(7, 3), epoch_seed(8, 3));
    }

    #[test]
    fn bad_settings_are_named_before_training() {
        let cfg = FitConfig {
            epochs: 1,
            batch_size: 0,
            steps_per_epoch: None,
            learning_rate: 1e-3,
            optimizer: Optimizer::keras_adam(),
            schedule: Schedule::Constant,
            grad_clip: None,
            patience: None,
            monitor: Monitor::ValidLoss,
            seed: 0,
            flush_subnormals: true,
        };
        assert!(
            cfg.validate()
                .unwrap_err()
                .to_string()
                .contains("batch_size")
        );
        let cfg = FitConfig {
            batch_size: 8,
            learning_rate: f64::NAN,
            ..cfg
        };
        assert!(
            cfg.validate()
                .unwrap_err()
                .to_string()
                .contains("learning_rate")
        );
        assert_eq!(
            FitConfig {
                learning_rate: 1.0,
                steps_per_epoch: Some(3),
                ..cfg
            }
            .steps_in_epoch(100),
            3
        );
    }
}
