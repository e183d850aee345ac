//! The classifiers of seed 000's experiments behind one type: the literal AlexNet of Table 4
//! ([`AlexNet`]) or the compact modern network ([`CompactNet`]). Run folders, metrics, tables,
//! figures and `classify evaluate` take a [`Classifier`]; `--net alexnet|compact` picks one.
//!
//! Configurations are saved as JSON tagged with `"net"`; files written before the compact
//! network existed hold a bare AlexNet configuration and still read as one.

use super::alexnet::{AlexNet, AlexNetConfig};
use super::compact::{CompactNet, CompactNetConfig};
use crate::error::{Error, Result};
use crate::image::Image;
use burn::prelude::*;
use serde::{Deserialize, Serialize};

/// Which classifier, as the CLI names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NetKind {
    /// Seed 000 Table 4.
    #[default]
    AlexNet,
    /// [`CompactNet`].
    Compact,
}

impl NetKind {
    /// The CLI name.
    pub fn name(self) -> &'static str {
        match self {
            NetKind::AlexNet => "alexnet",
            NetKind::Compact => "compact",
        }
    }

    /// Parses a CLI name; an unknown one is an error naming it.
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "alexnet" => Ok(NetKind::AlexNet),
            "compact" => Ok(NetKind::Compact),
            other => Err(Error::invalid(
                "--net",
                other,
                "expected alexnet or compact",
            )),
        }
    }
}

/// A classifier's hyper-parameters.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "net", rename_all = "lowercase")]
pub enum ClassifierConfig {
    /// Seed 000 Table 4.
    AlexNet(AlexNetConfig),
    /// The compact network.
    Compact(CompactNetConfig),
}

#[derive(Deserialize)]
#[serde(tag = "net", rename_all = "lowercase")]
enum Tagged {
    AlexNet(AlexNetConfig),
    Compact(CompactNetConfig),
}

impl<'de> Deserialize<'de> for ClassifierConfig {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        use serde::de::Error as _;
        // Written before the compact network: a bare AlexNet configuration.
        crate::io::tagged_or_bare(
            serde_json::Value::deserialize(d)?,
            "net",
            |t| match t {
                Tagged::AlexNet(c) => ClassifierConfig::AlexNet(c),
                Tagged::Compact(c) => ClassifierConfig::Compact(c),
            },
            ClassifierConfig::AlexNet,
        )
        .map_err(D::Error::custom)
    }
}

impl From<AlexNetConfig> for ClassifierConfig {
    fn from(c: AlexNetConfig) -> Self {
        ClassifierConfig::AlexNet(c)
    }
}

impl From<&AlexNetConfig> for ClassifierConfig {
    fn from(c: &AlexNetConfig) -> Self {
        ClassifierConfig::AlexNet(c.clone())
    }
}

impl From<&ClassifierConfig> for ClassifierConfig {
    fn from(c: &ClassifierConfig) -> Self {
        c.clone()
    }
}

impl From<CompactNetConfig> for ClassifierConfig {
    fn from(c: CompactNetConfig) -> Self {
        ClassifierConfig::Compact(c)
    }
}

impl ClassifierConfig {
    /// Which network.
    pub fn kind(&self) -> NetKind {
        match self {
            ClassifierConfig::AlexNet(_) => NetKind::AlexNet,
            ClassifierConfig::Compact(_) => NetKind::Compact,
        }
    }

    /// Number of classes.
    pub fn classes(&self) -> usize {
        match self {
            ClassifierConfig::AlexNet(c) => c.classes,
            ClassifierConfig::Compact(c) => c.classes,
        }
    }

    /// Input `(channels, size)`.
    pub fn input_shape(&self) -> (usize, usize) {
        match self {
            ClassifierConfig::AlexNet(c) => (c.channels, c.size),
            ClassifierConfig::Compact(c) => (c.channels, c.size),
        }
    }

    /// Checks the configuration (an input size the network cannot take is named).
    pub fn validate(&self) -> Result<()> {
        match self {
            ClassifierConfig::AlexNet(c) => c.validate(),
            ClassifierConfig::Compact(c) => c.validate(),
        }
    }

    /// Builds the network on `device`.
    pub fn init(&self, device: &Device) -> Result<Classifier> {
        Ok(match self {
            ClassifierConfig::AlexNet(c) => Classifier::AlexNet(c.init(device)?),
            ClassifierConfig::Compact(c) => Classifier::Compact(c.init(device)?),
        })
    }
}

/// A classifier: `forward` maps `[batch, channels, size, size]` images to `[batch, classes]`
/// logits.
#[derive(Module, Debug)]
pub enum Classifier {
    /// Seed 000 Table 4.
    AlexNet(AlexNet),
    /// The compact network.
    Compact(CompactNet),
}

impl From<AlexNet> for Classifier {
    fn from(m: AlexNet) -> Self {
        Classifier::AlexNet(m)
    }
}

impl Classifier {
    /// Which network.
    pub fn kind(&self) -> NetKind {
        match self {
            Classifier::AlexNet(_) => NetKind::AlexNet,
            Classifier::Compact(_) => NetKind::Compact,
        }
    }

    /// Expected input `(channels, size)`.
    pub fn input_shape(&self) -> (usize, usize) {
        match self {
            Classifier::AlexNet(m) => m.input_shape(),
            Classifier::Compact(m) => m.input_shape(),
        }
    }

    /// Number of classes.
    pub fn classes(&self) -> usize {
        match self {
            Classifier::AlexNet(m) => m.classes(),
            Classifier::Compact(m) => m.classes(),
        }
    }

    /// Checks an input's shape, with a message naming what was expected.
    pub fn check_input(&self, dims: [usize; 4]) -> Result<()> {
        let (c, s) = self.input_shape();
        if dims[0] == 0 || dims[1] != c || dims[2] != s || dims[3] != s {
            return Err(Error::invalid(
                "input shape",
                format!("{dims:?}"),
                format!("expected [batch ≥ 1, {c}, {s}, {s}]"),
            ));
        }
        Ok(())
    }

    /// Checks that this network is the one `config` describes (kind, input and classes).
    pub fn check_config(&self, config: &ClassifierConfig) -> Result<()> {
        if self.kind() != config.kind()
            || self.input_shape() != config.input_shape()
            || self.classes() != config.classes()
        {
            return Err(Error::invalid(
                "config",
                format!(
                    "{} {:?}, {} classes",
                    config.kind().name(),
                    config.input_shape(),
                    config.classes()
                ),
                format!(
                    "does not describe the network ({} {:?}, {} classes)",
                    self.kind().name(),
                    self.input_shape(),
                    self.classes()
                ),
            ));
        }
        Ok(())
    }

    /// Logits.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<2> {
        match self {
            Classifier::AlexNet(m) => m.forward(x),
            Classifier::Compact(m) => m.forward(x),
        }
    }

    /// Seed Fig. 2: channel `channel` of each convolution's (AlexNet) or block's (compact)
    /// activation for one input image.
    pub fn feature_maps(
        &self,
        pixels: &[f32],
        channel: usize,
        device: &Device,
    ) -> Result<Vec<Image>> {
        match self {
            Classifier::AlexNet(m) => m.feature_maps(pixels, channel, device),
            Classifier::Compact(m) => m.feature_maps(pixels, channel, device),
        }
    }

    /// The inner network as the module saved in checkpoints (so AlexNet checkpoints written
    /// before this type existed load unchanged).
    pub fn save(&self, config: &ClassifierConfig, path: &std::path::Path) -> Result<()> {
        self.check_config(config)?;
        match self {
            Classifier::AlexNet(m) => crate::train::checkpoint::save_module(m, config, path),
            Classifier::Compact(m) => crate::train::checkpoint::save_module(m, config, path),
        }
    }

    /// Reads a checkpoint written by [`Classifier::save`] (or by the AlexNet-only code before
    /// it); a missing, corrupt or mismatched file is an error.
    pub fn load(path: &std::path::Path, device: &Device) -> Result<(Classifier, ClassifierConfig)> {
        crate::train::checkpoint::require_checkpoint(
            path,
            "`galaxy-lab classify train --out DIR` writes DIR/model.bpk, and \
             scripts/classify_compact.sh recreates the committed weights under \
             results/classification/weights/",
        )?;
        let cfg_path = path.with_extension("json");
        let config: ClassifierConfig = crate::io::read_json(&cfg_path)?;
        let model = match &config {
            ClassifierConfig::AlexNet(c) => Classifier::AlexNet(
                crate::train::checkpoint::load_module(path, |_: &ClassifierConfig| c.init(device))?
                    .0,
            ),
            ClassifierConfig::Compact(c) => Classifier::Compact(
                crate::train::checkpoint::load_module(path, |_: &ClassifierConfig| c.init(device))?
                    .0,
            ),
        };
        Ok((model, config))
    }
}
