//! The regressors of seed 000's θ experiment and of our joint (i, |θ|) model behind one type: the
//! seed's small CNN of Table 5 ([`ThetaNet`]) or the compact classifier's body ([`CompactNet`],
//! the network of the classification experiments) with a regression head. `RegRunConfig::net`
//! picks one; both give a point value or a Normal (μ, σ) per target ([`RegressionOutput`]).
//!
//! Configurations are saved as JSON tagged with `"net"`; a bare Table 5 configuration (runs
//! written before the compact body existed) reads as one.

use super::compact::{CompactNet, CompactNetConfig};
use super::thetanet::{RegressionOutput, ThetaNet, ThetaNetConfig};
use crate::error::{Error, Result, check_positive, check_size};
use burn::prelude::*;
use serde::{Deserialize, Serialize};

/// Which regression network, as run settings name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RegNet {
    /// Seed 000 Table 5 ([`ThetaNet`]).
    #[default]
    Table5,
    /// The compact classifier's body with a regression head ([`CompactRegressor`]).
    Compact,
}

impl RegNet {
    /// The name used in settings and tables.
    pub fn name(self) -> &'static str {
        match self {
            RegNet::Table5 => "table5",
            RegNet::Compact => "compact",
        }
    }
}

/// Hyper-parameters of [`CompactRegressor`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompactRegressorConfig {
    /// Input channels.
    pub channels: usize,
    /// Input side in pixels (32 to 4096).
    pub size: usize,
    /// Regression targets.
    pub targets: usize,
    /// Predict a Normal (μ, σ) per target instead of a point value.
    pub gaussian: bool,
    /// Lower bound added to σ (Gaussian heads only).
    pub sigma_floor: f64,
    /// Multiplier of every layer's filters (1: 32/32/64/128).
    pub width: f64,
    /// Dropout before the head.
    pub dropout: f64,
}

impl CompactRegressorConfig {
    /// Width 1, no dropout, σ floor 1e-3.
    pub fn new(channels: usize, size: usize, targets: usize, gaussian: bool) -> Self {
        CompactRegressorConfig {
            channels,
            size,
            targets,
            gaussian,
            sigma_floor: 1e-3,
            width: 1.0,
            dropout: 0.0,
        }
    }

    /// Outputs of the head (targets, doubled for Gaussian heads).
    pub fn outputs(&self) -> usize {
        if self.gaussian {
            2 * self.targets
        } else {
            self.targets
        }
    }

    /// The body's configuration: the compact network with one "class" per output.
    pub fn body(&self) -> CompactNetConfig {
        CompactNetConfig {
            width: self.width,
            dropout: self.dropout,
            ..CompactNetConfig::new(self.outputs(), self.channels, self.size)
        }
    }

    /// Checks the configuration.
    pub fn validate(&self) -> Result<()> {
        check_size("targets", self.targets, 1)?;
        check_positive("sigma_floor", self.sigma_floor)?;
        if self.outputs() < 2 {
            return Err(Error::invalid(
                "outputs",
                self.outputs(),
                "the compact regressor needs at least two outputs (two targets, or a Gaussian \
                 head)",
            ));
        }
        self.body().validate()
    }
}

/// A regressor's hyper-parameters.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "net", rename_all = "lowercase")]
pub enum RegressorConfig {
    /// Seed 000 Table 5.
    Table5(ThetaNetConfig),
    /// The compact body.
    Compact(CompactRegressorConfig),
}

#[derive(Deserialize)]
#[serde(tag = "net", rename_all = "lowercase")]
enum Tagged {
    Table5(ThetaNetConfig),
    Compact(CompactRegressorConfig),
}

impl<'de> Deserialize<'de> for RegressorConfig {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        use serde::de::Error as _;
        // Written before the compact body: a bare Table 5 configuration.
        crate::io::tagged_or_bare(
            serde_json::Value::deserialize(d)?,
            "net",
            |t| match t {
                Tagged::Table5(c) => RegressorConfig::Table5(c),
                Tagged::Compact(c) => RegressorConfig::Compact(c),
            },
            RegressorConfig::Table5,
        )
        .map_err(D::Error::custom)
    }
}

impl From<ThetaNetConfig> for RegressorConfig {
    fn from(c: ThetaNetConfig) -> Self {
        RegressorConfig::Table5(c)
    }
}

impl From<&ThetaNetConfig> for RegressorConfig {
    fn from(c: &ThetaNetConfig) -> Self {
        RegressorConfig::Table5(c.clone())
    }
}

impl From<CompactRegressorConfig> for RegressorConfig {
    fn from(c: CompactRegressorConfig) -> Self {
        RegressorConfig::Compact(c)
    }
}

impl From<&RegressorConfig> for RegressorConfig {
    fn from(c: &RegressorConfig) -> Self {
        c.clone()
    }
}

impl RegressorConfig {
    /// Which network.
    pub fn kind(&self) -> RegNet {
        match self {
            RegressorConfig::Table5(_) => RegNet::Table5,
            RegressorConfig::Compact(_) => RegNet::Compact,
        }
    }

    /// Input `(channels, size)`.
    pub fn input_shape(&self) -> (usize, usize) {
        match self {
            RegressorConfig::Table5(c) => (c.channels, c.size),
            RegressorConfig::Compact(c) => (c.channels, c.size),
        }
    }

    /// Regression targets.
    pub fn targets(&self) -> usize {
        match self {
            RegressorConfig::Table5(c) => c.targets,
            RegressorConfig::Compact(c) => c.targets,
        }
    }

    /// Builds the network on `device` (use `device.autodiff()` to train).
    pub fn init(&self, device: &Device) -> Result<Regressor> {
        Ok(match self {
            RegressorConfig::Table5(c) => Regressor::Table5(c.init(device)?),
            RegressorConfig::Compact(c) => Regressor::Compact(c.init(device)?),
        })
    }
}

impl CompactRegressorConfig {
    /// Builds the compact regressor on `device` (checks the settings first).
    pub fn init(&self, device: &Device) -> Result<CompactRegressor> {
        self.validate()?;
        Ok(CompactRegressor {
            body: self.body().init(device)?,
            targets: self.targets,
            gaussian: self.gaussian,
            sigma_floor: self.sigma_floor,
        })
    }
}

/// The compact network whose logits become the regression outputs.
#[derive(Module, Debug)]
pub struct CompactRegressor {
    body: CompactNet,
    targets: usize,
    gaussian: bool,
    sigma_floor: f64,
}

/// A regression network: `forward` maps `[batch, channels, size, size]` images to a point value
/// or a Normal per target. (One network lives per run: the variants' size difference costs
/// nothing.)
#[allow(clippy::large_enum_variant)]
#[derive(Module, Debug)]
pub enum Regressor {
    /// Seed 000 Table 5.
    Table5(ThetaNet),
    /// The compact body.
    Compact(CompactRegressor),
}

impl From<ThetaNet> for Regressor {
    fn from(m: ThetaNet) -> Self {
        Regressor::Table5(m)
    }
}

impl Regressor {
    /// Which network.
    pub fn kind(&self) -> RegNet {
        match self {
            Regressor::Table5(_) => RegNet::Table5,
            Regressor::Compact(_) => RegNet::Compact,
        }
    }

    /// Expected input `(channels, size)`.
    pub fn input_shape(&self) -> (usize, usize) {
        match self {
            Regressor::Table5(m) => m.input_shape(),
            Regressor::Compact(m) => m.body.input_shape(),
        }
    }

    /// Regression targets.
    pub fn targets(&self) -> usize {
        match self {
            Regressor::Table5(m) => m.targets(),
            Regressor::Compact(m) => m.targets,
        }
    }

    /// Checks an input's shape, with a message naming what was expected.
    pub fn check_input(&self, dims: [usize; 4]) -> Result<()> {
        match self {
            Regressor::Table5(m) => m.check_input(dims),
            Regressor::Compact(m) => {
                let (c, s) = m.body.input_shape();
                if dims[0] == 0 || dims[1] != c || dims[2] != s || dims[3] != s {
                    return Err(Error::invalid(
                        "input shape",
                        format!("{dims:?}"),
                        format!("expected [batch ≥ 1, {c}, {s}, {s}]"),
                    ));
                }
                Ok(())
            }
        }
    }

    /// Forward pass.
    pub fn forward(&self, x: Tensor<4>) -> RegressionOutput {
        match self {
            Regressor::Table5(m) => m.forward(x),
            Regressor::Compact(m) => {
                RegressionOutput::from_raw(m.body.forward(x), m.targets, m.gaussian, m.sigma_floor)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::module::Module;

    #[test]
    fn both_regressors_predict_a_normal_per_target() {
        let d = crate::device::cpu_device();
        let table5: RegressorConfig = ThetaNetConfig::new()
            .with_size(64)
            .with_channels(1)
            .with_targets(2)
            .with_gaussian(true)
            .into();
        let compact: RegressorConfig = CompactRegressorConfig::new(1, 64, 2, true).into();
        for cfg in [table5, compact] {
            let m = cfg.init(&d).unwrap();
            assert_eq!(m.kind(), cfg.kind());
            assert_eq!((m.input_shape(), m.targets()), ((1, 64), 2));
            let out = m.forward(Tensor::zeros([3, 1, 64, 64], &d));
            assert_eq!(out.mean.dims(), [3, 2]);
            let s = out.sigma.unwrap().into_data().try_to_vec::<f32>().unwrap();
            assert!(s.iter().all(|&v| v >= 1e-3), "{s:?}");
            assert!(m.check_input([3, 1, 64, 64]).is_ok());
            assert!(m.check_input([3, 1, 32, 32]).is_err());
            // The configuration survives JSON with its tag.
            let json = serde_json::to_string(&cfg).unwrap();
            let back: RegressorConfig = serde_json::from_str(&json).unwrap();
            assert_eq!(back, cfg);
        }
        // A bare Table 5 configuration (written before the tag) reads as Table 5.
        let bare = serde_json::to_string(&ThetaNetConfig::new()).unwrap();
        let back: RegressorConfig = serde_json::from_str(&bare).unwrap();
        assert_eq!(back.kind(), RegNet::Table5);
        // Bad settings are named.
        let one = CompactRegressorConfig::new(1, 64, 1, false);
        let e = RegressorConfig::from(one).init(&d).unwrap_err().to_string();
        assert!(e.contains("outputs"), "{e}");
        let tiny = CompactRegressorConfig::new(1, 16, 2, true);
        assert!(RegressorConfig::from(tiny).init(&d).is_err());
        let c = CompactRegressorConfig::new(1, 64, 2, true).body();
        assert!(c.init(&d).unwrap().num_params() > 250_000);
    }
}
