//! Training the regression CNN of seed 000 (Table 5, Case 4) and our joint (i, θ) extension,
//! read top-down: epochs of shuffled batches, Adam with Keras' time-based decay, MSE (point head)
//! or Gaussian NLL (Gaussian head), a monitoring set each epoch, best weights kept, optional early
//! stopping, a clear stop on a NaN loss.

use super::nll::HALF_LN_2PI;
use crate::error::{Error, Result, check_finite, check_positive, check_size};
use crate::models::thetanet::{RegressionOutput, ThetaNet, ThetaNetConfig};
use burn::module::Module;
use burn::optim::{AdamConfig, GradientsParams};
use burn::prelude::*;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

/// Images and regression targets in memory: `x` is `[len, channels, size, size]`, `y` is
/// `[len, targets]`, both row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct RegData {
    /// Pixels.
    pub x: Vec<f32>,
    /// Targets.
    pub y: Vec<f32>,
    /// Channels per image.
    pub channels: usize,
    /// Image side.
    pub size: usize,
    /// Targets per image.
    pub targets: usize,
}

impl RegData {
    /// Checks sizes and finiteness.
    pub fn new(
        x: Vec<f32>,
        y: Vec<f32>,
        channels: usize,
        size: usize,
        targets: usize,
    ) -> Result<Self> {
        check_size("channels", channels, 1)?;
        check_size("size", size, 1)?;
        check_size("targets", targets, 1)?;
        check_size("dataset length", y.len() / targets, 1)?;
        if !y.len().is_multiple_of(targets) {
            return Err(Error::invalid(
                "target buffer length",
                y.len(),
                format!("must be a multiple of {targets} targets"),
            ));
        }
        let n = y.len() / targets;
        let per = channels * size * size;
        if x.len() != n * per {
            return Err(Error::invalid(
                "image buffer length",
                x.len(),
                format!(
                    "expected {n} images × {channels}×{size}×{size} = {}",
                    n * per
                ),
            ));
        }
        for (name, v) in [("pixel", &x), ("target", &y)] {
            if let Some(i) = v.iter().position(|a| !a.is_finite()) {
                return Err(Error::invalid(
                    &format!("{name} {i}"),
                    v[i],
                    "must be finite",
                ));
            }
        }
        Ok(RegData {
            x,
            y,
            channels,
            size,
            targets,
        })
    }

    /// Number of examples.
    pub fn len(&self) -> usize {
        self.y.len() / self.targets
    }

    /// Never true for a constructed set.
    pub fn is_empty(&self) -> bool {
        self.y.is_empty()
    }

    /// The examples `idx` (a subset, in that order) as a new set.
    pub fn subset(&self, idx: &[usize]) -> Result<RegData> {
        let per = self.channels * self.size * self.size;
        let mut x = Vec::with_capacity(idx.len() * per);
        let mut y = Vec::with_capacity(idx.len() * self.targets);
        for &i in idx {
            if i >= self.len() {
                return Err(Error::invalid(
                    "index",
                    i,
                    format!("set has {} examples", self.len()),
                ));
            }
            x.extend_from_slice(&self.x[i * per..(i + 1) * per]);
            y.extend_from_slice(&self.y[i * self.targets..(i + 1) * self.targets]);
        }
        RegData::new(x, y, self.channels, self.size, self.targets)
    }

    /// The examples `idx` as tensors on `device`.
    pub fn batch(&self, idx: &[usize], device: &Device) -> (Tensor<4>, Tensor<2>) {
        let per = self.channels * self.size * self.size;
        let (mut x, mut y) = (Vec::new(), Vec::new());
        for &i in idx {
            x.extend_from_slice(&self.x[i * per..(i + 1) * per]);
            y.extend_from_slice(&self.y[i * self.targets..(i + 1) * self.targets]);
        }
        let n = idx.len();
        (
            Tensor::from_data(
                TensorData::new(x, [n, self.channels, self.size, self.size]),
                device,
            ),
            Tensor::from_data(TensorData::new(y, [n, self.targets]), device),
        )
    }
}

/// Optimisation settings (defaults: the seed's Case 4).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegTrainConfig {
    /// Maximum epochs.
    pub epochs: usize,
    /// Mini-batch size (the seed does not say; Keras' default 32).
    pub batch_size: usize,
    /// Adam learning rate (seed: 0.001).
    pub learning_rate: f64,
    /// Keras' time-based decay, lr / (1 + decay · step) (seed: 0.01).
    pub decay: f64,
    /// Seed for initialisation and shuffling.
    pub seed: u64,
    /// Stop after this many epochs without a better monitoring loss (None: run all epochs).
    pub patience: Option<usize>,
}

impl Default for RegTrainConfig {
    fn default() -> Self {
        RegTrainConfig {
            epochs: 100,
            batch_size: 32,
            learning_rate: 1e-3,
            decay: 0.01,
            seed: 0,
            patience: Some(15),
        }
    }
}

/// Learning curves.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RegHistory {
    /// Mean training loss per epoch (during the epoch, dropout-free network).
    pub train_loss: Vec<f64>,
    /// Monitoring-set loss per epoch.
    pub monitor_loss: Vec<f64>,
    /// Epoch (0-based) whose weights were kept.
    pub best_epoch: usize,
    /// Whether early stopping ended the run.
    pub stopped_early: bool,
    /// Wall time in seconds.
    pub seconds: f64,
}

/// Loss of a batch: MSE for a point head, mean Gaussian NLL (TFP's constant) for a Gaussian head.
pub fn regression_loss(out: RegressionOutput, y: Tensor<2>) -> Tensor<1> {
    match out.sigma {
        None => (out.mean - y).powf_scalar(2.0).mean(),
        Some(sigma) => {
            let z = (y - out.mean) / sigma.clone();
            (sigma.log() + z.powf_scalar(2.0).mul_scalar(0.5))
                .add_scalar(HALF_LN_2PI)
                .mean()
        }
    }
}

/// Predicted means and (Gaussian heads) standard deviations, each `[len × targets]` row-major.
pub fn predict_reg(
    model: &ThetaNet,
    data: &RegData,
    device: &Device,
) -> Result<(Vec<f32>, Option<Vec<f32>>)> {
    model.check_input([data.len(), data.channels, data.size, data.size])?;
    if data.targets != model.targets() {
        return Err(Error::invalid(
            "targets",
            data.targets,
            format!("the network predicts {}", model.targets()),
        ));
    }
    let m = model.valid();
    let to_vec = |t: Tensor<2>| {
        t.into_data()
            .try_to_vec::<f32>()
            .map_err(|e| Error::Model(format!("{e:?}")))
    };
    let (mut mean, mut sigma) = (Vec::new(), Vec::<f32>::new());
    let mut has_sigma = false;
    let idx: Vec<usize> = (0..data.len()).collect();
    for chunk in idx.chunks(64) {
        let (x, _) = data.batch(chunk, device);
        let out = m.forward(x);
        mean.extend(to_vec(out.mean)?);
        if let Some(s) = out.sigma {
            has_sigma = true;
            sigma.extend(to_vec(s)?);
        }
    }
    Ok((mean, has_sigma.then_some(sigma)))
}

/// Mean loss of `data` (MSE or NLL, as the head).
pub fn evaluate_reg(model: &ThetaNet, data: &RegData, device: &Device) -> Result<f64> {
    let (mean, sigma) = predict_reg(model, data, device)?;
    let n = mean.len() as f64;
    Ok(match sigma {
        None => {
            mean.iter()
                .zip(&data.y)
                .map(|(&m, &t)| (m as f64 - t as f64).powi(2))
                .sum::<f64>()
                / n
        }
        Some(s) => super::nll::gaussian_nll_f64(&mean, &s, &data.y),
    })
}

/// Trains a fresh [`ThetaNet`] on `train`, evaluating `monitor` after every epoch and keeping the
/// weights of the best epoch. (The seed monitored its *test* set this way; pass a validation set
/// to avoid that optimism.) `on_epoch` sees the history after every epoch.
pub fn train_regressor(
    net: &ThetaNetConfig,
    train: &RegData,
    monitor: &RegData,
    cfg: &RegTrainConfig,
    device: &Device,
    on_epoch: &mut dyn FnMut(&RegHistory),
) -> Result<(ThetaNet, RegHistory)> {
    check_size("epochs", cfg.epochs, 1)?;
    check_size("batch_size", cfg.batch_size, 1)?;
    check_positive("learning_rate", cfg.learning_rate)?;
    check_finite("decay", cfg.decay)?;
    if cfg.decay < 0.0 {
        return Err(Error::invalid("decay", cfg.decay, "must be ≥ 0"));
    }
    for (name, d) in [("training set", train), ("monitoring set", monitor)] {
        if (d.channels, d.size, d.targets) != (net.channels, net.size, net.targets) {
            return Err(Error::invalid(
                name,
                format!(
                    "{}×{}×{} with {} targets",
                    d.channels, d.size, d.size, d.targets
                ),
                format!(
                    "network expects {}×{}×{} with {} targets",
                    net.channels, net.size, net.size, net.targets
                ),
            ));
        }
    }
    let start = std::time::Instant::now();
    // 1. Seeded model and optimiser on the autodiff device.
    device.seed(cfg.seed);
    let ad = device.clone().autodiff();
    ad.seed(cfg.seed);
    let mut model = net.init(&ad)?;
    let mut optim = AdamConfig::new().with_epsilon(1e-7).init();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(cfg.seed);
    let mut history = RegHistory::default();
    let mut best: Option<(f64, ThetaNet)> = None;
    let mut order: Vec<usize> = (0..train.len()).collect();
    let mut step = 0usize;

    for epoch in 0..cfg.epochs {
        // 2. One pass over the shuffled training set.
        order.shuffle(&mut rng);
        let (mut sum, mut count) = (0.0f64, 0usize);
        for (b, idx) in order.chunks(cfg.batch_size).enumerate() {
            let (x, y) = train.batch(idx, &ad);
            let loss = regression_loss(model.forward(x), y);
            let value: f32 = loss.clone().into_scalar();
            if !value.is_finite() {
                return Err(Error::Model(format!(
                    "training loss became {value} at epoch {epoch}, batch {b}; \
                     lower the learning rate or check the inputs"
                )));
            }
            sum += value as f64 * idx.len() as f64;
            count += idx.len();
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            let lr = cfg.learning_rate / (1.0 + cfg.decay * step as f64);
            model = optim.step(lr, model, grads);
            step += 1;
        }
        // 3. Monitoring loss, curves, best weights.
        let v = evaluate_reg(&model, monitor, device)?;
        history.train_loss.push(sum / count as f64);
        history.monitor_loss.push(v);
        if best.as_ref().is_none_or(|(b, _)| v < *b) {
            best = Some((v, model.clone()));
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
