//! Training the regression CNN of seed 000 (Table 5, Case 4) and our joint (i, θ) extension as a
//! [`Task`] of the shared loop ([`super::fit`]): MSE (point head) or Gaussian NLL (Gaussian head)
//! of a batch and of a monitoring set; the loop supplies Adam with Keras' time-based decay, the
//! best weights, early stopping and the NaN stop.

use super::fit::{FitConfig, FitHistory, Hooks, Monitor, Scores, Task, fit};
use super::nll::HALF_LN_2PI;
use super::optim::Optimizer;
use super::schedule::{DecayPer, Schedule};
use crate::error::{Error, Result, check_finite, check_positive, check_size};
use crate::models::regressor::{Regressor, RegressorConfig};
use crate::models::thetanet::RegressionOutput;
use burn::module::Module;
use burn::prelude::*;
use serde::{Deserialize, Serialize};
use std::path::Path;

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

    /// Augmented training examples as tensors: index `k` is example `k mod len` rotated by
    /// `(k / len) mod 360` whole degrees about the image centre and mirrored (left–right) when
    /// `k / len ≥ 360`, every channel alike ([`RegressTask`]); targets unchanged.
    pub fn augmented_batch(
        &self,
        idx: &[usize],
        device: &Device,
    ) -> Result<(Tensor<4>, Tensor<2>)> {
        let n = self.len();
        let px = self.size * self.size;
        let (mut x, mut y) = (Vec::new(), Vec::new());
        for &k in idx {
            let (i, copy) = (k % n, k / n);
            if copy >= AUGMENTED_COPIES {
                return Err(Error::invalid(
                    "augmented index",
                    k,
                    format!("set has {} augmented examples", n * AUGMENTED_COPIES),
                ));
            }
            for c in 0..self.channels {
                let start = (i * self.channels + c) * px;
                let img = crate::image::Image {
                    width: self.size,
                    height: self.size,
                    data: self.x[start..start + px].to_vec(),
                };
                let img = crate::augment::rotate_deg(&img, (copy % 360) as i32)?;
                let img = if copy >= 360 {
                    crate::augment::mirror(&img)
                } else {
                    img
                };
                x.extend_from_slice(&img.data);
            }
            y.extend_from_slice(&self.y[i * self.targets..(i + 1) * self.targets]);
        }
        let b = idx.len();
        Ok((
            Tensor::from_data(
                TensorData::new(x, [b, self.channels, self.size, self.size]),
                device,
            ),
            Tensor::from_data(TensorData::new(y, [b, self.targets]), device),
        ))
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
    /// Optimiser (None: Keras' Adam, the seed's).
    #[serde(default)]
    pub optimizer: Option<Optimizer>,
    /// Learning-rate schedule (None: Keras' inverse-time `decay` per update, the seed's).
    #[serde(default)]
    pub schedule: Option<Schedule>,
    /// Updates per epoch (None: one pass over the training set, or over its augmented copies).
    #[serde(default)]
    pub steps_per_epoch: Option<usize>,
    /// Train on every image rotated by any whole degree and mirrored (720 copies of each;
    /// validation and test images are not augmented). Allowed for i and |θ| only, which neither
    /// a rotation of the sky nor a mirror image changes.
    #[serde(default)]
    pub augment: bool,
    /// On the CPU, set subnormal weights and optimiser-state values (non-zero, magnitude below
    /// 1.18e-38) to zero after every optimiser step ([`crate::train::subnormal`]), so long runs
    /// keep their early-epoch speed. Configurations written before this setting existed read as
    /// false, so those runs rerun bit for bit.
    #[serde(default)]
    pub flush_subnormals: bool,
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
            optimizer: None,
            schedule: None,
            steps_per_epoch: None,
            augment: false,
            flush_subnormals: true,
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
    model: &Regressor,
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
pub fn evaluate_reg(model: &Regressor, data: &RegData, device: &Device) -> Result<f64> {
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

/// Rotations × mirror images of one training image when [`RegTrainConfig::augment`] is on.
pub const AUGMENTED_COPIES: usize = 720;

/// Regression as a [`Task`] of the shared loop: MSE or Gaussian NLL of a batch and of the
/// monitoring set. With `augment`, training index `k` is image `k mod n` rotated by
/// `(k / n) mod 360` degrees and mirrored when `k / n ≥ 360`.
pub struct RegressTask<'a> {
    train: &'a RegData,
    monitor: &'a RegData,
    augment: bool,
}

impl Task for RegressTask<'_> {
    type Model = Regressor;

    fn train_len(&self) -> usize {
        if self.augment {
            self.train.len() * AUGMENTED_COPIES
        } else {
            self.train.len()
        }
    }

    fn train_batch(
        &self,
        model: &Regressor,
        idx: &[usize],
        device: &Device,
    ) -> Result<(Tensor<1>, Option<usize>)> {
        let (x, y) = if self.augment {
            self.train.augmented_batch(idx, device)?
        } else {
            self.train.batch(idx, device)
        };
        Ok((regression_loss(model.forward(x), y), None))
    }

    fn validate(&self, model: &Regressor, device: &Device) -> Result<Scores> {
        Ok(Scores {
            loss: evaluate_reg(model, self.monitor, device)?,
            accuracy: None,
        })
    }
}

impl RegTrainConfig {
    /// The shared loop's settings: Keras' Adam (ε 1e-7) with inverse-time decay per update.
    pub fn fit_config(&self) -> FitConfig {
        FitConfig {
            epochs: self.epochs,
            batch_size: self.batch_size,
            steps_per_epoch: self.steps_per_epoch,
            learning_rate: self.learning_rate,
            optimizer: self.optimizer.unwrap_or_else(Optimizer::keras_adam),
            schedule: self.schedule.unwrap_or(Schedule::TimeDecay {
                decay: self.decay,
                per: DecayPer::Step,
            }),
            grad_clip: None,
            patience: self.patience,
            monitor: Monitor::ValidLoss,
            seed: self.seed,
            flush_subnormals: self.flush_subnormals,
        }
    }
}

impl From<FitHistory> for RegHistory {
    fn from(h: FitHistory) -> Self {
        RegHistory {
            train_loss: h.train_loss,
            monitor_loss: h.valid_loss,
            best_epoch: h.best_epoch,
            stopped_early: h.stopped_early,
            seconds: h.seconds,
        }
    }
}

/// Trains a fresh [`Regressor`] (the seed's Table 5 network or the compact body) on `train` through the shared loop ([`fit`]), evaluating `monitor`
/// after every epoch and keeping the weights of the best epoch. (The seed monitored its *test*
/// set this way; pass a validation set to avoid that optimism.) `on_epoch` sees the history after
/// every epoch.
pub fn train_regressor(
    net: impl Into<RegressorConfig>,
    train: &RegData,
    monitor: &RegData,
    cfg: &RegTrainConfig,
    device: &Device,
    on_epoch: &mut dyn FnMut(&RegHistory),
) -> Result<(Regressor, RegHistory)> {
    let mut each = |h: &FitHistory| on_epoch(&RegHistory::from(h.clone()));
    train_regressor_with(
        net,
        train,
        monitor,
        cfg,
        device,
        None,
        &mut Hooks::epochs(&mut each),
    )
}

/// [`train_regressor`] with a checkpoint folder (each epoch saved there; a checkpoint already
/// there is resumed) and the shared loop's hooks (per batch and per epoch).
pub fn train_regressor_with(
    net: impl Into<RegressorConfig>,
    train: &RegData,
    monitor: &RegData,
    cfg: &RegTrainConfig,
    device: &Device,
    checkpoint: Option<&Path>,
    hooks: &mut Hooks,
) -> Result<(Regressor, RegHistory)> {
    let net: RegressorConfig = net.into();
    let ((channels, size), targets) = (net.input_shape(), net.targets());
    check_size("epochs", cfg.epochs, 1)?;
    check_size("batch_size", cfg.batch_size, 1)?;
    check_positive("learning_rate", cfg.learning_rate)?;
    check_finite("decay", cfg.decay)?;
    if cfg.decay < 0.0 {
        return Err(Error::invalid("decay", cfg.decay, "must be ≥ 0"));
    }
    for (name, d) in [("training set", train), ("monitoring set", monitor)] {
        if (d.channels, d.size, d.targets) != (channels, size, targets) {
            return Err(Error::invalid(
                name,
                format!(
                    "{}×{}×{} with {} targets",
                    d.channels, d.size, d.size, d.targets
                ),
                format!("network expects {channels}×{size}×{size} with {targets} targets"),
            ));
        }
    }
    let task = RegressTask {
        train,
        monitor,
        augment: cfg.augment,
    };
    let fitted = fit(
        &task,
        |ad: &Device| net.init(ad),
        &cfg.fit_config(),
        device,
        checkpoint,
        hooks,
    )?;
    Ok((fitted.model, fitted.history.into()))
}
