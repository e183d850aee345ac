//! Training the q network (seed 001 §3.2, §4.2): its data, settings and learning curves, and the
//! Gaussian NLL as a [`Task`] of the shared loop ([`super::fit`]), which supplies the epochs,
//! shuffled batches, Adam steps, validation, early stopping, the plateau rule, the NaN stop and
//! checkpoints.

use super::fit::{FitConfig, FitHistory, Hooks, Monitor, Schedule, Scores, Task, fit};
use super::nll::{gaussian_nll, gaussian_nll_f64};
use super::optim::Optimizer;
use crate::error::{Error, Result, check_positive, check_size};
use crate::models::qnet::{QNet, QNetConfig};
use burn::module::Module;
use burn::prelude::*;
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
    /// PyTorch's `Adam(weight_decay=…)`). The thesis mentions none; None: no penalty. A regulariser
    /// against the over-confident validation misses of the long four-projection runs.
    #[serde(default)]
    pub weight_decay: Option<f64>,
    /// On the CPU, set subnormal weights and optimiser-state values (non-zero, magnitude below
    /// 1.18e-38) to zero after every optimiser step ([`crate::train::subnormal`]), so long runs
    /// keep their early-epoch speed. Configurations written before this setting existed read as
    /// false, so those runs rerun bit for bit.
    #[serde(default)]
    pub flush_subnormals: bool,
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
            flush_subnormals: true,
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

/// The q network's training as a [`Task`] of the shared loop: the Gaussian NLL of a batch and
/// of the validation set.
pub struct QTask<'a> {
    train: &'a QData,
    valid: &'a QData,
}

impl Task for QTask<'_> {
    type Model = QNet;

    fn train_len(&self) -> usize {
        self.train.len()
    }

    fn train_batch(
        &self,
        model: &QNet,
        idx: &[usize],
        device: &Device,
    ) -> Result<(Tensor<1>, Option<usize>)> {
        let (x, q) = self.train.batch(idx, device);
        let out = model.forward(x);
        Ok((gaussian_nll(out.mu, out.sigma, q), None))
    }

    fn validate(&self, model: &QNet, device: &Device) -> Result<Scores> {
        Ok(Scores {
            loss: evaluate(model, self.valid, device)?,
            accuracy: None,
        })
    }
}

impl TrainConfig {
    /// The shared loop's settings: Keras' Adam (ε 1e-7) with the optional coupled weight
    /// penalty, a constant rate or the plateau rule.
    pub fn fit_config(&self) -> FitConfig {
        FitConfig {
            epochs: self.epochs,
            batch_size: self.batch_size,
            steps_per_epoch: None,
            learning_rate: self.learning_rate,
            optimizer: Optimizer::Adam {
                epsilon: 1e-7,
                weight_decay: self.weight_decay,
            },
            schedule: match self.plateau {
                Some(p) => Schedule::Plateau {
                    patience: p.patience,
                    factor: p.factor,
                    min_lr: p.min_lr,
                },
                None => Schedule::Constant,
            },
            grad_clip: None,
            patience: self.patience,
            monitor: Monitor::ValidLoss,
            seed: self.seed,
            flush_subnormals: self.flush_subnormals,
        }
    }
}

impl From<FitHistory> for History {
    fn from(h: FitHistory) -> Self {
        History {
            train_loss: h.train_loss,
            valid_loss: h.valid_loss,
            learning_rate: h.learning_rate,
            best_epoch: h.best_epoch,
            stopped_early: h.stopped_early,
            seconds: h.seconds,
            refit_start: None,
        }
    }
}

/// Trains a fresh [`QNet`] (or continues `resume`) on `train`, validating on `valid` each epoch,
/// through the shared loop ([`fit`]). `on_epoch` sees the history after every epoch (progress
/// output). Returns the weights of the best validation epoch.
pub fn train_qnet(
    net: &QNetConfig,
    train: &QData,
    valid: &QData,
    cfg: &TrainConfig,
    device: &Device,
    resume: Option<QNet>,
    on_epoch: &mut dyn FnMut(&History),
) -> Result<(QNet, History)> {
    let mut each = |h: &FitHistory| on_epoch(&History::from(h.clone()));
    train_qnet_with(
        net,
        train,
        valid,
        cfg,
        device,
        resume,
        None,
        &mut Hooks::epochs(&mut each),
    )
}

/// [`train_qnet`] with a checkpoint folder (each epoch saved there; a checkpoint already there is
/// resumed) and the shared loop's hooks (per batch and per epoch).
#[allow(clippy::too_many_arguments)]
pub fn train_qnet_with(
    net: &QNetConfig,
    train: &QData,
    valid: &QData,
    cfg: &TrainConfig,
    device: &Device,
    resume: Option<QNet>,
    checkpoint: Option<&Path>,
    hooks: &mut Hooks,
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
    let task = QTask { train, valid };
    let init = |ad: &Device| match resume {
        Some(m) => Ok(m.fork(ad).train()),
        None => net.init(ad),
    };
    let fitted = fit(&task, init, &cfg.fit_config(), device, checkpoint, hooks)?;
    Ok((fitted.model, fitted.history.into()))
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
