//! A trained regression network on disk: seed 000's θ network (Table 5, "Case 4") and our joint
//! (i, |θ|) model, saved by every `theta train` run (`model.bpk` + `model.json`) and committed
//! under `results/theta/weights/` by `scripts/theta_full.sh`. [`RegModel::load`] reads one back
//! and [`RegModel::predict`] runs it on any pairs file of its image size, so notebook 08 draws the
//! full-scale figures from the committed networks on data they never saw, and `galaxy-lab theta
//! evaluate` scores them from the command line.

use super::reg_mirror::RegMirrorScores;
use super::regress::predict_reg;
use super::theta_experiment::{
    ANGLE_SCALE, RegPredictions, RegRunConfig, RegTarget, regression_data,
};
use crate::data::pairs_h5::{PairDatasetConfig, PairH5};
use crate::error::{Error, Result};
use crate::models::regressor::{Regressor, RegressorConfig};
use burn::prelude::Device;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// What travels with the weights (`model.json`): the network, the run's settings (targets,
/// channels), where its training data came from, and the σ factors fitted on its validation set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegModelInfo {
    /// The network's hyper-parameters.
    pub network: RegressorConfig,
    /// The run's settings (targets in output order, input channels, training seed).
    pub run: RegRunConfig,
    /// The training data file.
    pub data: PathBuf,
    /// Its data seed (fresh test data needs another).
    pub data_seed: u64,
    /// How the training file was generated.
    pub data_config: PairDatasetConfig,
    /// Per target, the factor on σ that puts 68.27 % of the validation set within 1σ (Gaussian
    /// heads with a validation set).
    pub coverage_scale: Option<Vec<f64>>,
}

/// A trained regressor and what it was trained on.
#[derive(Debug)]
pub struct RegModel {
    /// The network (best-validation weights).
    pub model: Regressor,
    /// Its settings and provenance.
    pub info: RegModelInfo,
}

impl RegModel {
    /// Writes the weights to `path` (`.bpk`) and [`RegModelInfo`] beside them (`.json`).
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        match &self.model {
            Regressor::Table5(m) => super::checkpoint::save_module(m, &self.info, path),
            Regressor::Compact(m) => super::checkpoint::save_module(m, &self.info, path),
        }
    }

    /// Reads a network written by [`RegModel::save`]: `path` is the `.bpk` file or a run folder
    /// holding `model.bpk`. A missing file says which command recreates it; a corrupt one, or
    /// weights that do not fit the configuration beside them, are errors naming the file.
    pub fn load(path: impl AsRef<Path>, device: &Device) -> Result<RegModel> {
        let path = path.as_ref();
        let path = if path.is_dir() {
            path.join("model.bpk")
        } else {
            path.to_path_buf()
        };
        super::checkpoint::require_checkpoint(
            &path,
            "`galaxy-lab theta train --out DIR` writes DIR/model.bpk, and \
             scripts/theta_full.sh recreates the committed weights under results/theta/weights/",
        )?;
        let info: RegModelInfo = crate::io::read_json(path.with_extension("json"))?;
        let model = match &info.network {
            RegressorConfig::Table5(c) => Regressor::Table5(
                super::checkpoint::load_module(&path, |_: &RegModelInfo| c.init(device))?.0,
            ),
            RegressorConfig::Compact(c) => Regressor::Compact(
                super::checkpoint::load_module(&path, |_: &RegModelInfo| c.init(device))?.0,
            ),
        };
        let m = RegModel { model, info };
        m.check()?;
        Ok(m)
    }

    /// The configuration must describe the network it came with.
    fn check(&self) -> Result<()> {
        let (c, s) = self.info.network.input_shape();
        if self.info.run.channels != c || self.info.run.targets.len() != self.info.network.targets()
        {
            return Err(Error::invalid(
                "model.json",
                format!(
                    "{} channels, {} targets",
                    self.info.run.channels,
                    self.info.run.targets.len()
                ),
                format!(
                    "its network takes {c} channels of {s}² and predicts {} targets",
                    self.info.network.targets()
                ),
            ));
        }
        if let Some(s) = &self.info.coverage_scale
            && (s.len() != self.info.run.targets.len()
                || s.iter().any(|v| !(v.is_finite() && *v > 0.0)))
        {
            return Err(Error::invalid(
                "model.json coverage_scale",
                format!("{s:?}"),
                format!(
                    "expected {} positive factors, one per target",
                    self.info.run.targets.len()
                ),
            ));
        }
        Ok(())
    }

    /// Data drawn as the training file was (same experiment, image size, particles, renderer)
    /// but `count` images with data seed `seed`, which must differ from the training file's so
    /// that no encounter is one the network trained on.
    pub fn fresh_data_config(&self, count: usize, seed: u64) -> Result<PairDatasetConfig> {
        crate::error::check_size("count", count, 1)?;
        if seed == self.info.data_seed {
            return Err(Error::invalid(
                "seed",
                seed,
                "is the training file's data seed: its simulations are the training ones",
            ));
        }
        let c = PairDatasetConfig {
            count,
            seed,
            ..self.info.data_config.clone()
        };
        c.validate()?;
        Ok(c)
    }

    /// Input side in pixels.
    pub fn size(&self) -> usize {
        self.info.network.input_shape().1
    }

    /// Predicts every image of `ds` (or the first `max_images`) and pairs the predictions with
    /// the file's true angles. The file's images must be the network's size.
    pub fn predict(
        &self,
        ds: &PairH5,
        max_images: Option<usize>,
        device: &Device,
    ) -> Result<RegPredictions> {
        let n = match max_images {
            Some(n) => crate::error::check_size("max_images", n, 1)?.min(ds.count),
            None => ds.count,
        };
        self.predict_images(ds, &(0..n).collect::<Vec<_>>(), device)
    }

    /// [`RegModel::predict`] on the images `indices` of `ds` (in that order), e.g. every third
    /// view of a θ sequence.
    pub fn predict_images(
        &self,
        ds: &PairH5,
        indices: &[usize],
        device: &Device,
    ) -> Result<RegPredictions> {
        if ds.width != self.size() || ds.height != self.size() {
            return Err(Error::invalid(
                "image size",
                format!("{}x{} in {}", ds.width, ds.height, ds.path().display()),
                format!(
                    "the network takes {0}x{0} images: generate the data with --size {0}",
                    self.size()
                ),
            ));
        }
        crate::error::check_size("images to predict", indices.len(), 1)?;
        let targets = &self.info.run.targets;
        let data = regression_data(ds, targets, self.info.run.channels)?.subset(indices)?;
        let (mean, sigma) = predict_reg(&self.model, &data, device)?;
        let deg = |v: &[f32]| -> Vec<f64> { v.iter().map(|&a| a as f64 * ANGLE_SCALE).collect() };
        RegPredictions::new(
            targets.clone(),
            deg(&data.y),
            deg(&mean),
            sigma.as_deref().map(deg),
        )
    }
}

/// One target's scores on a file ([`RegModel::evaluate`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetScore {
    /// Target name (`theta`, `i`, `|theta|`).
    pub target: String,
    /// RMSE in degrees.
    pub rmse_deg: f64,
    /// Fractions within 1σ and 2σ as predicted (Gaussian heads).
    pub within: Option<[f64; 2]>,
    /// The same with σ multiplied by the validation coverage factor.
    pub within_coverage_scaled: Option<[f64; 2]>,
}

/// A committed network scored on a pairs file (`galaxy-lab theta evaluate`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegEvaluation {
    /// The data file scored.
    pub data: PathBuf,
    /// Its data seed.
    pub data_seed: u64,
    /// The data seed of the network's training file: equal seeds mean the file may hold
    /// training images.
    pub training_data_seed: u64,
    /// Images scored.
    pub n: usize,
    /// One entry per target.
    pub targets: Vec<TargetScore>,
    /// The errors of i binned by the mirror degeneracy (networks that regress i).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mirror: Option<RegMirrorScores>,
}

impl RegModel {
    /// Scores the network on `ds` (or its first `max_images`): RMSE per target and the σ
    /// coverage as predicted and after the validation coverage factor.
    pub fn evaluate(
        &self,
        ds: &PairH5,
        max_images: Option<usize>,
        device: &Device,
    ) -> Result<(RegEvaluation, RegPredictions)> {
        let p = self.predict(ds, max_images, device)?;
        let mut targets = Vec::new();
        for (t, &target) in self.info.run.targets.iter().enumerate() {
            let pair = |scale: f64| -> Result<Option<[f64; 2]>> {
                Ok(p.within(target, 1.0, scale)?
                    .zip(p.within(target, 2.0, scale)?)
                    .map(|(a, b)| [a, b]))
            };
            let scaled = match self
                .info
                .coverage_scale
                .as_ref()
                .and_then(|s| s.get(t).copied())
            {
                Some(s) => pair(s)?,
                None => None,
            };
            targets.push(TargetScore {
                target: target.name().into(),
                rmse_deg: p.rmse(target)?,
                within: pair(1.0)?,
                within_coverage_scaled: scaled,
            });
        }
        let mirror = if self.info.run.targets.contains(&RegTarget::Inclination) {
            // `predict` scores the first `p.len()` images, in file order.
            Some(RegMirrorScores::from_predictions(
                &p,
                &ds.labels[..p.len()],
            )?)
        } else {
            None
        };
        let e = RegEvaluation {
            data: ds.path().to_path_buf(),
            data_seed: ds.seed,
            training_data_seed: self.info.data_seed,
            n: p.len(),
            targets,
            mirror,
        };
        Ok((e, p))
    }
}
