//! Training the AlexNet classifiers (seed 000 §6), written to be read top-down: epochs of
//! shuffled mini-batches, SGD steps on the cross-entropy, validation loss and accuracy each epoch
//! (the learning curves of Fig. 3), the weights of the best validation epoch, a clear stop when
//! the loss turns NaN, and checkpoints.
//!
//! The seed trained "using stochastic gradient algorithm with a learning rate of 0.01 and a decay
//! rate of 1 %" in Keras. Keras' SGD `decay` is inverse-time decay, lr = lr₀ / (1 + decay · t),
//! with t counted in *updates*; with the seed's 12,000 steps per epoch that leaves lr₀/121 after
//! one epoch, which reads more like a per-epoch 1 %. We use the same formula with t counted in
//! epochs by default ([`DecayPer::Epoch`]: 0.01, 0.0099, 0.0098, …) and offer Keras' counting
//! ([`DecayPer::Step`]). Momentum is off by default (Keras' SGD default) and optional.

use super::class_data::{Examples, batch, check_examples};
use crate::display::Svg;
use crate::error::{Error, Result, check_positive, check_range, check_size};
use crate::models::alexnet::{AlexNet, AlexNetConfig};
use crate::plot::{Figure, Series};
use burn::module::Module;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::momentum::MomentumConfig;
use burn::optim::{GradientsParams, SgdConfig};
use burn::prelude::*;
use burn::tensor::activation::softmax;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// What the learning-rate decay counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DecayPer {
    /// lr = lr₀ / (1 + decay · epoch).
    Epoch,
    /// lr = lr₀ / (1 + decay · update), Keras' SGD.
    Step,
}

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
        Ok(())
    }

    /// Learning rate after `t` epochs or updates (see [`DecayPer`]).
    pub fn learning_rate_at(&self, t: usize) -> f64 {
        self.learning_rate / (1.0 + self.decay * t as f64)
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
    /// Wall time in seconds.
    pub seconds: f64,
}

impl ClassHistory {
    /// Training and validation accuracy and loss against epoch (the seed's Fig. 3 shows
    /// training accuracy and validation loss).
    pub fn curves(&self) -> Result<Svg> {
        check_size("epochs recorded", self.train_loss.len(), 1)?;
        let pts = |v: &[f64]| -> Vec<(f64, f64)> {
            v.iter()
                .enumerate()
                .map(|(e, &y)| ((e + 1) as f64, y))
                .collect()
        };
        Figure::new("Learning curves", "epoch", "accuracy / cross-entropy")
            .with(Series::line("training accuracy", pts(&self.train_accuracy)))
            .with(Series::line(
                "validation accuracy",
                pts(&self.valid_accuracy),
            ))
            .with(Series::line("training loss", pts(&self.train_loss)))
            .with(Series::line("validation loss", pts(&self.valid_loss)))
            .to_svg()
    }
}

/// Softmax probabilities, row-major `[data.len(), classes]`, in inference mode (no dropout,
/// batch norm with its running statistics).
pub fn predict_proba(model: &AlexNet, data: &dyn Examples, device: &Device) -> Result<Vec<f32>> {
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
    model: &AlexNet,
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

/// Trains a fresh [`AlexNet`] (or continues `resume`) on `train`, validating on `valid` each
/// epoch. `on_epoch` sees the history after every epoch (progress output). Returns the weights
/// of the epoch with the lowest validation loss.
pub fn train_classifier(
    net: &AlexNetConfig,
    train: &dyn Examples,
    valid: &dyn Examples,
    cfg: &ClassifyConfig,
    device: &Device,
    resume: Option<AlexNet>,
    on_epoch: &mut dyn FnMut(&ClassHistory),
) -> Result<(AlexNet, ClassHistory)> {
    cfg.validate()?;
    net.validate()?;
    check_examples("training set", train, net.channels, net.size, net.classes)?;
    check_examples("validation set", valid, net.channels, net.size, net.classes)?;
    if let Some(m) = &resume
        && (m.input_shape() != (net.channels, net.size) || m.classes() != net.classes)
    {
        return Err(Error::invalid(
            "resume",
            format!("{:?}, {} classes", m.input_shape(), m.classes()),
            "the network to resume does not match the configuration",
        ));
    }
    let start = std::time::Instant::now();
    // 1. Seeded model and optimiser on the autodiff device. burn's RNG is per device and
    // process-wide: reproducible for one training run at a time per process.
    device.seed(cfg.seed);
    let ad = device.clone().autodiff();
    ad.seed(cfg.seed);
    let mut model = match resume {
        Some(m) => m.fork(&ad).train(),
        None => net.init(&ad)?,
    };
    let momentum = cfg
        .momentum
        .map(|m| MomentumConfig::new().with_momentum(m).with_dampening(0.0));
    let mut optim = SgdConfig::new().with_momentum(momentum).init();
    let loss_fn = CrossEntropyLossConfig::new().init(&ad);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(cfg.seed);
    let mut history = ClassHistory::default();
    let mut best: Option<(f64, AlexNet)> = None;
    let mut order: Vec<usize> = (0..train.len()).collect();
    let mut updates = 0usize;

    for epoch in 0..cfg.epochs {
        // 2. One epoch: a fresh shuffle, `steps_per_epoch` batches (or one pass).
        order.shuffle(&mut rng);
        let n_batches = order.len().div_ceil(cfg.batch_size);
        let steps = cfg.steps_per_epoch.map_or(n_batches, |s| s.min(n_batches));
        let (mut sum, mut correct, mut count) = (0.0f64, 0usize, 0usize);
        history.learning_rate.push(match cfg.decay_per {
            DecayPer::Epoch => cfg.learning_rate_at(epoch),
            DecayPer::Step => cfg.learning_rate_at(updates),
        });
        for (b, idx) in order.chunks(cfg.batch_size).take(steps).enumerate() {
            let lr = match cfg.decay_per {
                DecayPer::Epoch => cfg.learning_rate_at(epoch),
                DecayPer::Step => cfg.learning_rate_at(updates),
            };
            let (x, y) = batch(train, idx, &ad)?;
            let logits = model.forward(x);
            let pred = logits.clone().argmax(1).squeeze_dim::<1>(1);
            let hits: i64 = pred.equal(y.clone()).int().sum().into_scalar();
            let loss = loss_fn.forward(logits, y);
            let value: f32 = loss.clone().into_scalar();
            if !value.is_finite() {
                return Err(Error::Model(format!(
                    "training loss became {value} at epoch {epoch}, batch {b} (learning rate \
                     {lr}); lower the learning rate or check the input scaling"
                )));
            }
            sum += value as f64 * idx.len() as f64;
            correct += hits as usize;
            count += idx.len();
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            model = optim.step(lr, model, grads);
            updates += 1;
        }
        // 3. Validation, learning curves, best weights.
        let (v_loss, v_acc) = evaluate_classifier(&model.valid(), valid, device)?;
        if !v_loss.is_finite() {
            return Err(Error::Model(format!(
                "validation loss became {v_loss} at epoch {epoch}"
            )));
        }
        history.train_loss.push(sum / count as f64);
        history.train_accuracy.push(correct as f64 / count as f64);
        history.valid_loss.push(v_loss);
        history.valid_accuracy.push(v_acc);
        if best.as_ref().is_none_or(|(b, _)| v_loss < *b) {
            best = Some((v_loss, model.clone()));
            history.best_epoch = epoch;
        }
        history.seconds = start.elapsed().as_secs_f64();
        on_epoch(&history);
        // 4. Early stopping.
        if let Some(p) = cfg.patience
            && epoch >= history.best_epoch + p
        {
            history.stopped_early = true;
            break;
        }
    }
    let (_, best_model) = best.ok_or_else(|| Error::Model("no epoch ran".into()))?;
    Ok((best_model.valid(), history))
}

/// Saves the network's weights (burnpack) and its configuration next to them (`.json`).
pub fn save_classifier(
    model: &AlexNet,
    config: &AlexNetConfig,
    path: impl AsRef<Path>,
) -> Result<()> {
    if model.input_shape() != (config.channels, config.size) || model.classes() != config.classes {
        return Err(Error::invalid(
            "config",
            format!(
                "{}×{}, {} classes",
                config.channels, config.size, config.classes
            ),
            "does not describe the model being saved",
        ));
    }
    super::checkpoint::save_module(model, config, path.as_ref())
}

/// Loads a checkpoint written by [`save_classifier`]; a missing, corrupt or mismatched file is
/// an error.
pub fn load_classifier(
    path: impl AsRef<Path>,
    device: &Device,
) -> Result<(AlexNet, AlexNetConfig)> {
    super::checkpoint::load_module(path.as_ref(), |c: &AlexNetConfig| c.init(device))
}
