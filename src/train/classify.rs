//! Training the classifiers of seed 000 §6 (AlexNet or the compact network) as a [`Task`] of
//! the shared loop ([`super::fit`]): the cross-entropy of a batch, validation loss and accuracy
//! each epoch (the learning curves of Fig. 3); the loop supplies shuffling, the optimiser and
//! schedule, the best weights, early stopping, the NaN stop and checkpoints.
//!
//! The seed trained "using stochastic gradient algorithm with a learning rate of 0.01 and a decay
//! rate of 1 %" in Keras. Keras' SGD `decay` is inverse-time decay, lr = lr₀ / (1 + decay · t),
//! with t counted in *updates*; with the seed's 12,000 steps per epoch that leaves lr₀/121 after
//! one epoch, which reads more like a per-epoch 1 %. We use the same formula with t counted in
//! epochs by default ([`DecayPer::Epoch`]: 0.01, 0.0099, 0.0098, …) and offer Keras' counting
//! ([`DecayPer::Step`]). Momentum is off by default (Keras' SGD default) and optional. Other
//! optimisers and schedules (AdamW, one-cycle, …) are set in [`ClassifyConfig::optimizer`] and
//! [`ClassifyConfig::schedule`].

use super::class_data::{Examples, batch, check_examples};
use super::fit::{FitConfig, FitHistory, Hooks, Monitor, Scores, Task, fit};
use super::optim::{GradClip, Optimizer};
pub use super::schedule::{DecayPer, Schedule};
use crate::display::Svg;
use crate::error::{Error, Result, check_positive, check_range, check_size};
use crate::models::classifier::{Classifier, ClassifierConfig};
use crate::plot::{Figure, Series};
use burn::module::Module;
use burn::nn::loss::{CrossEntropyLoss, CrossEntropyLossConfig};
use burn::prelude::*;
use burn::tensor::activation::softmax;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Optimisation settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassifyConfig {
    /// Maximum number of epochs.
    pub epochs: usize,
    /// Mini-batch size.
    pub batch_size: usize,
    /// Initial SGD learning rate (the seed: 0.01).
    pub learning_rate: f64,
    /// Inverse-time decay rate (the seed: 0.01).
    pub decay: f64,
    /// What the decay counts.
    pub decay_per: DecayPer,
    /// SGD momentum (None: plain SGD, as the seed).
    pub momentum: Option<f64>,
    /// Updates per epoch (the seed: 12,000 for two classes); None: one pass over the set.
    pub steps_per_epoch: Option<usize>,
    /// Stop after this many epochs without a lower validation loss (None: run all epochs).
    pub patience: Option<usize>,
    /// Seed for initialisation, shuffling and dropout.
    pub seed: u64,
    /// Optimiser (None: SGD with `momentum`, the seed's; runs saved before the shared loop
    /// read as None).
    #[serde(default)]
    pub optimizer: Option<Optimizer>,
    /// Learning-rate schedule (None: inverse-time `decay` per `decay_per`, the seed's).
    #[serde(default)]
    pub schedule: Option<Schedule>,
    /// Gradient clipping.
    #[serde(default)]
    pub grad_clip: Option<GradClip>,
    /// The score that picks the best epoch (runs before the shared loop: validation loss).
    #[serde(default)]
    pub monitor: Monitor,
    /// On the CPU, set subnormal weights and optimiser-state values (non-zero, magnitude below
    /// 1.18e-38) to zero after every optimiser step ([`crate::train::subnormal`]), so long runs
    /// keep their early-epoch speed. Configurations written before this setting existed read as
    /// false, so those runs rerun bit for bit.
    #[serde(default)]
    pub flush_subnormals: bool,
}

impl Default for ClassifyConfig {
    /// The seed's optimiser: SGD, lr 0.01, 1 % decay; 12 epochs (its two-class run).
    fn default() -> Self {
        ClassifyConfig {
            epochs: 12,
            batch_size: 32,
            learning_rate: 0.01,
            decay: 0.01,
            decay_per: DecayPer::Epoch,
            momentum: None,
            steps_per_epoch: None,
            patience: None,
            seed: 0,
            optimizer: None,
            schedule: None,
            grad_clip: None,
            monitor: Monitor::ValidLoss,
            flush_subnormals: true,
        }
    }
}

impl ClassifyConfig {
    /// Checks every field.
    pub fn validate(&self) -> Result<()> {
        check_size("epochs", self.epochs, 1)?;
        check_size("batch_size", self.batch_size, 1)?;
        check_positive("learning_rate", self.learning_rate)?;
        check_range("decay", self.decay, 0.0, 1e6)?;
        if let Some(m) = self.momentum {
            check_range("momentum", m, 0.0, 0.999)?;
        }
        if let Some(s) = self.steps_per_epoch {
            check_size("steps_per_epoch", s, 1)?;
        }
        self.fit_config().validate()
    }

    /// Learning rate after `t` epochs or updates (see [`DecayPer`]) under the seed's decay.
    pub fn learning_rate_at(&self, t: usize) -> f64 {
        self.learning_rate / (1.0 + self.decay * t as f64)
    }

    /// The shared loop's settings for this run.
    pub fn fit_config(&self) -> FitConfig {
        FitConfig {
            epochs: self.epochs,
            batch_size: self.batch_size,
            steps_per_epoch: self.steps_per_epoch,
            learning_rate: self.learning_rate,
            optimizer: self.optimizer.unwrap_or(Optimizer::Sgd {
                momentum: self.momentum,
                nesterov: false,
                weight_decay: None,
            }),
            schedule: self.schedule.unwrap_or(Schedule::TimeDecay {
                decay: self.decay,
                per: self.decay_per,
            }),
            grad_clip: self.grad_clip,
            patience: self.patience,
            monitor: self.monitor,
            seed: self.seed,
            flush_subnormals: self.flush_subnormals,
        }
    }
}

/// Learning curves (Fig. 3) and how the run ended.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ClassHistory {
    /// Mean training cross-entropy per epoch (dropout on).
    pub train_loss: Vec<f64>,
    /// Training accuracy per epoch (of the batches as they were trained on).
    pub train_accuracy: Vec<f64>,
    /// Validation cross-entropy per epoch.
    pub valid_loss: Vec<f64>,
    /// Validation accuracy per epoch.
    pub valid_accuracy: Vec<f64>,
    /// Learning rate used in each epoch (its first update for [`DecayPer::Step`]).
    pub learning_rate: Vec<f64>,
    /// Epoch (0-based) with the lowest validation loss; its weights are the ones returned.
    pub best_epoch: usize,
    /// True when early stopping ended the run.
    pub stopped_early: bool,
    /// Wall time in seconds (summed over resumed parts).
    pub seconds: f64,
    /// Epochs (0-based) at which the run was resumed from a checkpoint.
    #[serde(default)]
    pub resumed_at: Vec<usize>,
}

impl ClassHistory {
    /// Training (solid) and validation (dashed) loss and accuracy against epoch, on two axes of
    /// their own (the seed's Fig. 3 shows training accuracy and validation loss).
    pub fn curves(&self) -> Result<Svg> {
        check_size("epochs recorded", self.train_loss.len(), 1)?;
        let pts = |v: &[f64]| -> Vec<(f64, f64)> {
            v.iter()
                .enumerate()
                .map(|(e, &y)| ((e + 1) as f64, y))
                .collect()
        };
        let loss = Figure::new("Cross-entropy", "epoch", "mean cross-entropy")
            .with(Series::line("training", pts(&self.train_loss)).with_color(0))
            .with(Series::dashed("validation", pts(&self.valid_loss)).with_color(0));
        let acc = Figure::new("Accuracy", "epoch", "fraction correct")
            .with(Series::line("training", pts(&self.train_accuracy)).with_color(1))
            .with(Series::dashed("validation", pts(&self.valid_accuracy)).with_color(1));
        // Histories without accuracies (runs saved before they were recorded): the loss alone.
        if self.train_accuracy.is_empty() && self.valid_accuracy.is_empty() {
            return Figure::panels("Learning curves", &[loss]);
        }
        Figure::panels("Learning curves", &[loss, acc])
    }
}

/// Softmax probabilities, row-major `[data.len(), classes]`, in inference mode (no dropout,
/// batch norm with its running statistics).
pub fn predict_proba(model: &Classifier, data: &dyn Examples, device: &Device) -> Result<Vec<f32>> {
    let (c, s) = model.input_shape();
    if data.is_empty() {
        return Err(Error::invalid("data", "0 images", "must not be empty"));
    }
    model.check_input([data.len(), data.channels(), data.size(), data.size()])?;
    let m = model.valid();
    let mut out = Vec::with_capacity(data.len() * model.classes());
    let idx: Vec<usize> = (0..data.len()).collect();
    // Keep a batch's first activation under ~256 MB.
    let chunk = (64 * 1024 * 1024 / (c * s * s).max(1)).clamp(1, 256);
    for part in idx.chunks(chunk) {
        let (x, _) = batch(data, part, device)?;
        let p = softmax(m.forward(x), 1);
        out.extend(
            p.into_data()
                .try_to_vec::<f32>()
                .map_err(|e| Error::Model(format!("{e:?}")))?,
        );
    }
    Ok(out)
}

/// Mean cross-entropy (probabilities clipped at 1e-7, as Keras does) and accuracy of `model` on
/// `data`.
pub fn evaluate_classifier(
    model: &Classifier,
    data: &dyn Examples,
    device: &Device,
) -> Result<(f64, f64)> {
    let k = model.classes();
    let (c, s) = model.input_shape();
    check_examples("data", data, c, s, k)?;
    let probs = predict_proba(model, data, device)?;
    let (mut loss, mut correct) = (0.0f64, 0usize);
    for (i, row) in probs.chunks(k).enumerate() {
        let t = data.label(i)?;
        loss -= (row[t].max(1e-7) as f64).ln();
        let pred = (0..k).fold(0, |b, j| if row[j] > row[b] { j } else { b });
        correct += usize::from(pred == t);
    }
    let n = data.len() as f64;
    Ok((loss / n, correct as f64 / n))
}

/// Classification as a [`Task`] of the shared loop: cross-entropy of a batch, the number it got
/// right, validation loss and accuracy.
pub struct ClassifyTask<'a> {
    train: &'a dyn Examples,
    valid: &'a dyn Examples,
    loss: CrossEntropyLoss,
}

impl Task for ClassifyTask<'_> {
    type Model = Classifier;

    fn train_len(&self) -> usize {
        self.train.len()
    }

    fn train_batch(
        &self,
        model: &Classifier,
        idx: &[usize],
        device: &Device,
    ) -> Result<(Tensor<1>, Option<usize>)> {
        let (x, y) = batch(self.train, idx, device)?;
        let logits = model.forward(x);
        let pred = logits.clone().argmax(1).squeeze_dim::<1>(1);
        let hits: i64 = pred.equal(y.clone()).int().sum().into_scalar();
        Ok((self.loss.forward(logits, y), Some(hits as usize)))
    }

    fn validate(&self, model: &Classifier, device: &Device) -> Result<Scores> {
        let (loss, accuracy) = evaluate_classifier(model, self.valid, device)?;
        Ok(Scores {
            loss,
            accuracy: Some(accuracy),
        })
    }
}

impl From<FitHistory> for ClassHistory {
    fn from(h: FitHistory) -> Self {
        ClassHistory {
            train_loss: h.train_loss,
            train_accuracy: h.train_accuracy,
            valid_loss: h.valid_loss,
            valid_accuracy: h.valid_accuracy,
            learning_rate: h.learning_rate,
            best_epoch: h.best_epoch,
            stopped_early: h.stopped_early,
            seconds: h.seconds,
            resumed_at: h.resumed_at,
        }
    }
}

/// Trains a fresh classifier (or continues `resume`) on `train`, validating on `valid` each
/// epoch, through the shared loop ([`fit`]). `on_epoch` sees the history after every epoch.
/// Returns the weights of the best epoch on the monitored score.
pub fn train_classifier(
    net: impl Into<ClassifierConfig>,
    train: &dyn Examples,
    valid: &dyn Examples,
    cfg: &ClassifyConfig,
    device: &Device,
    resume: Option<Classifier>,
    on_epoch: &mut dyn FnMut(&ClassHistory),
) -> Result<(Classifier, ClassHistory)> {
    let mut each = |h: &FitHistory| on_epoch(&ClassHistory::from(h.clone()));
    train_classifier_with(
        &net.into(),
        train,
        valid,
        cfg,
        device,
        resume,
        None,
        &mut Hooks::epochs(&mut each),
    )
}

/// [`train_classifier`] with the shared loop's hooks and, with `checkpoint`, each epoch saved
/// there (a checkpoint already there is resumed).
#[allow(clippy::too_many_arguments)]
pub fn train_classifier_with(
    net: &ClassifierConfig,
    train: &dyn Examples,
    valid: &dyn Examples,
    cfg: &ClassifyConfig,
    device: &Device,
    resume: Option<Classifier>,
    checkpoint: Option<&Path>,
    hooks: &mut Hooks,
) -> Result<(Classifier, ClassHistory)> {
    cfg.validate()?;
    net.validate()?;
    let (channels, size) = net.input_shape();
    check_examples("training set", train, channels, size, net.classes())?;
    check_examples("validation set", valid, channels, size, net.classes())?;
    if let Some(m) = &resume {
        m.check_config(net).map_err(|_| {
            Error::invalid(
                "resume",
                format!("{:?}, {} classes", m.input_shape(), m.classes()),
                "the network to resume does not match the configuration",
            )
        })?;
    }
    let task = ClassifyTask {
        train,
        valid,
        loss: CrossEntropyLossConfig::new().init(&device.clone().autodiff()),
    };
    let init = |ad: &Device| match resume {
        Some(m) => Ok(m.fork(ad).train()),
        None => net.init(ad),
    };
    let fitted = fit(&task, init, &cfg.fit_config(), device, checkpoint, hooks)?;
    Ok((fitted.model, fitted.history.into()))
}

/// Saves the network's weights (burnpack) and its configuration next to them (`.json`).
pub fn save_classifier(
    model: &Classifier,
    config: impl Into<ClassifierConfig>,
    path: impl AsRef<Path>,
) -> Result<()> {
    model.save(&config.into(), path.as_ref())
}

/// Loads a checkpoint written by [`save_classifier`]; a missing, corrupt or mismatched file is
/// an error.
pub fn load_classifier(
    path: impl AsRef<Path>,
    device: &Device,
) -> Result<(Classifier, ClassifierConfig)> {
    Classifier::load(path.as_ref(), device)
}
