//! Training the q network (seed 001 §3.2, §4.2), written to be read top-down: epochs, shuffled
//! batches, Adam steps on the Gaussian NLL, validation each epoch, learning curves, optional early
//! stopping, a clear stop when the loss turns NaN, checkpoints with resume.

use super::nll::{gaussian_nll, gaussian_nll_f64};
use crate::error::{Error, Result, check_positive, check_size};
use crate::models::qnet::{QNet, QNetConfig};
use burn::module::Module;
use burn::optim::{AdamConfig, GradientsParams, decay::WeightDecayConfig};
use burn::prelude::*;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Images and targets in memory: `x` is `[len, channels, size, size]` row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct QData {
    /// Normalised pixels.
    pub x: Vec<f32>,
    /// Targets (q).
    pub q: Vec<f32>,
    /// Channels per image.
    pub channels: usize,
    /// Image side.
    pub size: usize,
}

impl QData {
    /// Checks that the sizes agree, the set is not empty and every value is finite.
    pub fn new(x: Vec<f32>, q: Vec<f32>, channels: usize, size: usize) -> Result<Self> {
        check_size("dataset length", q.len(), 1)?;
        check_size("channels", channels, 1)?;
        check_size("size", size, 1)?;
        let per = channels * size * size;
        if x.len() != q.len() * per {
            return Err(Error::invalid(
                "image buffer length",
                x.len(),
                format!(
                    "expected {} images × {channels}×{size}×{size} = {}",
                    q.len(),
                    q.len() * per
                ),
            ));
        }
        if let Some(i) = x.iter().position(|v| !v.is_finite()) {
            return Err(Error::invalid(
                &format!("pixel {i}"),
                x[i],
                "must be finite",
            ));
        }
        if let Some(i) = q.iter().position(|v| !v.is_finite()) {
            return Err(Error::invalid(
                &format!("target {i}"),
                q[i],
                "must be finite",
            ));
        }
        Ok(QData {
            x,
            q,
            channels,
            size,
        })
    }

    /// Number of examples.
    pub fn len(&self) -> usize {
        self.q.len()
    }

    /// Never true for a constructed set.
    pub fn is_empty(&self) -> bool {
        self.q.is_empty()
    }

    /// The examples `idx` as tensors on `device`.
    pub fn batch(&self, idx: &[usize], device: &Device) -> (Tensor<4>, Tensor<1>) {
        let per = self.channels * self.size * self.size;
        let mut x = Vec::with_capacity(idx.len() * per);
        let mut q = Vec::with_capacity(idx.len());
        for &i in idx {
            x.extend_from_slice(&self.x[i * per..(i + 1) * per]);
            q.push(self.q[i]);
        }
        let n = idx.len();
        (
            Tensor::from_data(
                TensorData::new(x, [n, self.channels, self.size, self.size]),
                device,
            ),
            Tensor::from_data(TensorData::new(q, [n]), device),
        )
    }
}

/// Optimisation settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    /// Maximum number of epochs.
    pub epochs: usize,
    /// Mini-batch size.
    pub batch_size: usize,
    /// Adam learning rate (Keras' default 1e-3; the thesis does not say).
    pub learning_rate: f64,
    /// Seed for initialisation, shuffling and dropout.
    pub seed: u64,
    /// Stop after this many epochs without a better validation loss (None: run all epochs).
    pub patience: Option<usize>,
    /// Lower the learning rate when the validation loss stalls (Keras' `ReduceLROnPlateau`;
    /// the thesis does not say; None: constant rate).
    #[serde(default)]
    pub plateau: Option<Plateau>,
    /// L2 penalty added to every gradient by Adam (burn's `WeightDecayConfig`: coupled, as in
    /// PyTorch's `Adam(weight_decay=…)`). The thesis uses none; None: no penalty. A regulariser
    /// against the over-confident validation misses of the long four-projection runs.
    #[serde(default)]
    pub weight_decay: Option<f64>,
}

/// Multiply the learning rate by `factor` after `patience` epochs without a better validation
/// loss (counted from the last improvement or reduction), down to `min_lr`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Plateau {
    /// Epochs to wait.
    pub patience: usize,
    /// Factor in (0, 1).
    pub factor: f64,
    /// Floor of the learning rate.
    pub min_lr: f64,
}

impl Default for Plateau {
    fn default() -> Self {
        Plateau {
            patience: 3,
            factor: 0.5,
            min_lr: 1e-5,
        }
    }
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            epochs: 100,
            batch_size: 32,
            learning_rate: 1e-3,
            seed: 0,
            patience: Some(10),
            plateau: Some(Plateau::default()),
            weight_decay: None,
        }
    }
}

/// Learning curves and how the run ended.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct History {
    /// Mean training NLL per epoch.
    pub train_loss: Vec<f64>,
    /// Validation NLL per epoch.
    pub valid_loss: Vec<f64>,
    /// Learning rate used in each epoch.
    #[serde(default)]
    pub learning_rate: Vec<f64>,
    /// Epoch (0-based) with the lowest validation loss; its weights are the ones returned.
    pub best_epoch: usize,
    /// True when early stopping ended the run.
    pub stopped_early: bool,
    /// Wall time in seconds.
    pub seconds: f64,
    /// Epochs from this (0-based) index on ran with dropout off ([`super::q_refit`]); None: no
    /// such phase.
    #[serde(default)]
    pub refit_start: Option<usize>,
}

/// Predicted means and standard deviations for every example of `data` (dropout off).
pub fn predict(model: &QNet, data: &QData, device: &Device) -> Result<(Vec<f32>, Vec<f32>)> {
    let (c, s) = model.input_shape();
    model.check_input([data.len(), data.channels, data.size, data.size])?;
    debug_assert_eq!((c, s), (data.channels, data.size));
    let m = model.valid();
    let mut mu = Vec::with_capacity(data.len());
    let mut sigma = Vec::with_capacity(data.len());
    let idx: Vec<usize> = (0..data.len()).collect();
    for chunk in idx.chunks(256) {
        let (x, _) = data.batch(chunk, device);
        let out = m.forward(x);
        mu.extend(
            out.mu
                .into_data()
                .try_to_vec::<f32>()
                .map_err(|e| Error::Model(format!("{e:?}")))?,
        );
        sigma.extend(
            out.sigma
                .into_data()
                .try_to_vec::<f32>()
                .map_err(|e| Error::Model(format!("{e:?}")))?,
        );
    }
    Ok((mu, sigma))
}

/// Mean NLL of `data` under `model`.
pub fn evaluate(model: &QNet, data: &QData, device: &Device) -> Result<f64> {
    let (mu, sigma) = predict(model, data, device)?;
    Ok(gaussian_nll_f64(&mu, &sigma, &data.q))
}

/// Trains a fresh [`QNet`] (or continues `resume`) on `train`, validating on `valid` each epoch.
/// `on_epoch` sees the history after every epoch (progress output). Returns the weights of the
/// best validation epoch.
pub fn train_qnet(
    net: &QNetConfig,
    train: &QData,
    valid: &QData,
    cfg: &TrainConfig,
    device: &Device,
    resume: Option<QNet>,
    on_epoch: &mut dyn FnMut(&History),
) -> Result<(QNet, History)> {
    check_size("epochs", cfg.epochs, 1)?;
    check_size("batch_size", cfg.batch_size, 1)?;
    check_positive("learning_rate", cfg.learning_rate)?;
    if let Some(p) = cfg.plateau {
        check_size("plateau.patience", p.patience, 1)?;
        crate::error::check_range("plateau.factor", p.factor, 1e-6, 0.999_999)?;
        check_positive("plateau.min_lr", p.min_lr)?;
    }
    if let Some(w) = cfg.weight_decay {
        check_positive("weight_decay", w)?;
    }
    for (name, d) in [("training set", train), ("validation set", valid)] {
        if (d.channels, d.size) != (net.channels, net.size) {
            return Err(Error::invalid(
                name,
                format!("{}×{}×{}", d.channels, d.size, d.size),
                format!("network expects {}×{}×{}", net.channels, net.size, net.size),
            ));
        }
    }
    let start = std::time::Instant::now();
    // 1. Seeded model and optimiser on the autodiff device.
    // burn's RNG is per device and process-wide: runs in parallel threads share it, so bit-for-bit
    // reproducibility holds for one training run at a time per process.
    device.seed(cfg.seed);
    let ad = device.clone().autodiff();
    ad.seed(cfg.seed);
    let mut model = match resume {
        Some(m) => m.fork(&ad).train(),
        None => net.init(&ad)?,
    };
    let mut optim = AdamConfig::new()
        .with_epsilon(1e-7)
        .with_weight_decay(cfg.weight_decay.map(|w| WeightDecayConfig::new(w as f32)))
        .init();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(cfg.seed);
    let mut history = History::default();
    let mut best: Option<(f64, QNet)> = None;
    let mut order: Vec<usize> = (0..train.len()).collect();
    let (mut lr, mut last_change) = (cfg.learning_rate, 0usize);

    for epoch in 0..cfg.epochs {
        // 2. One pass over the shuffled training set.
        order.shuffle(&mut rng);
        let (mut sum, mut count) = (0.0f64, 0usize);
        for (b, idx) in order.chunks(cfg.batch_size).enumerate() {
            let (x, q) = train.batch(idx, &ad);
            let out = model.forward(x);
            let loss = gaussian_nll(out.mu, out.sigma, q);
            let value: f32 = loss.clone().into_scalar();
            if !value.is_finite() {
                return Err(Error::Model(format!(
                    "training loss became {value} at epoch {epoch}, batch {b}; \
                     lower the learning rate or check the input normalisation"
                )));
            }
            sum += value as f64 * idx.len() as f64;
            count += idx.len();
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            model = optim.step(lr, model, grads);
        }
        // 3. Validation, learning curves, best weights.
        let v = evaluate(&model, valid, device)?;
        history.train_loss.push(sum / count as f64);
        history.valid_loss.push(v);
        history.learning_rate.push(lr);
        if best.as_ref().is_none_or(|(b, _)| v < *b) {
            best = Some((v, model.clone()));
            history.best_epoch = epoch;
            last_change = epoch;
        }
        // 4. Lower the learning rate on a plateau.
        if let Some(p) = cfg.plateau
            && epoch >= last_change + p.patience
            && lr > p.min_lr
        {
            lr = (lr * p.factor).max(p.min_lr);
            last_change = epoch;
        }
        history.seconds = start.elapsed().as_secs_f64();
        on_epoch(&history);
        // 5. Early stopping.
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
pub fn save_checkpoint(model: &QNet, config: &QNetConfig, path: impl AsRef<Path>) -> Result<()> {
    super::checkpoint::save_module(model, config, path.as_ref())
}

/// Loads a checkpoint written by [`save_checkpoint`]; a missing, corrupt or mismatched file is
/// an error.
pub fn load_checkpoint(path: impl AsRef<Path>, device: &Device) -> Result<(QNet, QNetConfig)> {
    super::checkpoint::load_module(path.as_ref(), |c: &QNetConfig| c.init(device))
}
