//! The small regression CNN of seed 000 (Prakash et al. 2020, §5.1, Table 5, "Case 4") that
//! estimates the viewing angle θ of an interacting pair: Conv 16, 32, 64 (3 × 3, `same` padding,
//! ReLU), each followed by 2 × 2 max-pooling; flatten; dense 16 → 4 → outputs (linear).
//!
//! Table 5's parameter counts fix the input: conv 1 has 448 = (3·9 + 1)·16 parameters, so the
//! input has 3 channels, and the first dense layer has 1,048,592 = (64·32·32 + 1)·16, so the input
//! is 256 × 256 (256 → 128 → 64 → 32 after three pools). Our images are grey; the seed's were RGB
//! renderings of grey GalMer maps, so `channels` defaults to 3 (the grey image repeated) to match
//! Table 5 exactly, and 1 works the same way with 2 × 9 × 16 fewer weights.
//!
//! Details the seed leaves open and what we chose: ReLU after each dense layer but the last (the
//! usual Keras pattern it cites, Rosebrock 2017); burn's default initialisation, or with
//! [`ThetaNetConfig::keras_init`] Keras's (Glorot-uniform weights, zero biases: the defaults of
//! the Keras layers the seed built it from).
//!
//! Beyond the seed, `outputs` > 1 and [`ThetaNetConfig::gaussian`] turn the same body into the
//! joint (i, θ) regressor with a Normal(μ, σ) per target (σ = softplus + floor, as the q network).

use crate::error::{Error, check_positive, check_size};

type GlResult<T> = crate::error::Result<T>;
use burn::module::Param;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::nn::{Initializer, Linear, LinearConfig, PaddingConfig2d, Relu};
use burn::prelude::*;
use burn::tensor::activation::softplus;

/// Hyper-parameters of [`ThetaNet`].
#[derive(Config, Debug, PartialEq)]
pub struct ThetaNetConfig {
    /// Input channels (Table 5 implies 3).
    #[config(default = 3)]
    pub channels: usize,
    /// Input side in pixels (Table 5 implies 256; must be a multiple of 8).
    #[config(default = 256)]
    pub size: usize,
    /// Regression targets (1: θ alone, as the seed).
    #[config(default = 1)]
    pub targets: usize,
    /// Predict a Normal (μ, σ) per target instead of a point value.
    #[config(default = false)]
    pub gaussian: bool,
    /// Lower bound added to σ (Gaussian heads only).
    #[config(default = 1e-3)]
    pub sigma_floor: f64,
    /// Widths of the two hidden dense layers (Table 5: 16 and 4). The joint (i, θ) model
    /// widens them: four outputs through four ReLU units leave i unlearned.
    #[config(default = "[16, 4]")]
    pub hidden: [usize; 2],
    /// `Some(true)`: Keras's initialisation (Glorot-uniform weights, zero biases) instead of
    /// burn's (uniform weights and biases of bound 1/√fan-in). An `Option` so that
    /// configurations written before it (burn's `Config` derive has no serde defaults) read back
    /// as `None`: burn's.
    #[config(default = "None")]
    pub keras_init: Option<bool>,
}

/// The network.
#[derive(Module, Debug)]
pub struct ThetaNet {
    conv1: Conv2d,
    conv2: Conv2d,
    conv3: Conv2d,
    pool: MaxPool2d,
    fc1: Linear,
    fc2: Linear,
    fc3: Linear,
    relu: Relu,
    channels: usize,
    size: usize,
    targets: usize,
    gaussian: bool,
    sigma_floor: f64,
}

/// What the network predicts for a batch: `mean` is `[batch, targets]`; `sigma` is present for
/// Gaussian heads.
#[derive(Debug, Clone)]
pub struct RegressionOutput {
    /// Point estimates or means.
    pub mean: Tensor<2>,
    /// Standard deviations (Gaussian heads).
    pub sigma: Option<Tensor<2>>,
}

impl RegressionOutput {
    /// The last layer's `[batch, outputs]` as a prediction: the outputs themselves (point head),
    /// or the first `targets` as μ and softplus of the others + `sigma_floor` as σ.
    pub fn from_raw(out: Tensor<2>, targets: usize, gaussian: bool, sigma_floor: f64) -> Self {
        if gaussian {
            let mean = out.clone().narrow(1, 0, targets);
            let sigma = softplus(out.narrow(1, targets, targets), 1.0).add_scalar(sigma_floor);
            RegressionOutput {
                mean,
                sigma: Some(sigma),
            }
        } else {
            RegressionOutput {
                mean: out,
                sigma: None,
            }
        }
    }
}

impl ThetaNetConfig {
    /// Checks the configuration.
    pub fn validate(&self) -> GlResult<()> {
        check_size("channels", self.channels, 1)?;
        check_size("size", self.size, 8)?;
        check_size("targets", self.targets, 1)?;
        check_positive("sigma_floor", self.sigma_floor)?;
        check_size("hidden[0]", self.hidden[0], 1)?;
        check_size("hidden[1]", self.hidden[1], 1)?;
        if !self.size.is_multiple_of(8) {
            return Err(Error::invalid(
                "size",
                self.size,
                "must be a multiple of 8 (three 2×2 pools)",
            ));
        }
        Ok(())
    }

    /// Features after the convolutional stack: 64 · (size/8)².
    pub fn flat_features(&self) -> usize {
        64 * (self.size / 8) * (self.size / 8)
    }

    /// Outputs of the last layer (targets, doubled for Gaussian heads).
    pub fn outputs(&self) -> usize {
        if self.gaussian {
            2 * self.targets
        } else {
            self.targets
        }
    }

    /// Builds the network on `device`.
    pub fn init(&self, device: &Device) -> GlResult<ThetaNet> {
        self.validate()?;
        let keras = self.keras_init == Some(true);
        let glorot = Initializer::XavierUniform { gain: 1.0 };
        let conv = |i, o| {
            let c = Conv2dConfig::new([i, o], [3, 3]).with_padding(PaddingConfig2d::Same);
            if keras {
                c.with_initializer(glorot.clone())
            } else {
                c
            }
            .init(device)
        };
        let dense = |i, o| {
            let c = LinearConfig::new(i, o);
            if keras {
                c.with_initializer(glorot.clone())
            } else {
                c
            }
            .init(device)
        };
        let mut net = ThetaNet {
            conv1: conv(self.channels, 16),
            conv2: conv(16, 32),
            conv3: conv(32, 64),
            pool: MaxPool2dConfig::new([2, 2]).init(),
            fc1: dense(self.flat_features(), self.hidden[0]),
            fc2: dense(self.hidden[0], self.hidden[1]),
            fc3: dense(self.hidden[1], self.outputs()),
            relu: Relu::new(),
            channels: self.channels,
            size: self.size,
            targets: self.targets,
            gaussian: self.gaussian,
            sigma_floor: self.sigma_floor,
        };
        if keras {
            net.zero_biases();
        }
        Ok(net)
    }
}

impl ThetaNet {
    /// Sets every bias to zero (Keras's initialisation of biases).
    fn zero_biases(&mut self) {
        let zero = |b: &mut Option<Param<Tensor<1>>>| {
            *b = b.take().map(|b| Param::from_tensor(b.val().zeros_like()));
        };
        for c in [&mut self.conv1, &mut self.conv2, &mut self.conv3] {
            zero(&mut c.bias);
        }
        for l in [&mut self.fc1, &mut self.fc2, &mut self.fc3] {
            zero(&mut l.bias);
        }
    }

    /// Expected input `(channels, size)`.
    pub fn input_shape(&self) -> (usize, usize) {
        (self.channels, self.size)
    }

    /// Number of regression targets.
    pub fn targets(&self) -> usize {
        self.targets
    }

    /// Checks an input's shape with a message naming what was expected.
    pub fn check_input(&self, dims: [usize; 4]) -> GlResult<()> {
        if dims[0] == 0 || dims[1] != self.channels || dims[2] != self.size || dims[3] != self.size
        {
            return Err(Error::invalid(
                "input shape",
                format!("{dims:?}"),
                format!(
                    "expected [batch ≥ 1, {}, {}, {}]",
                    self.channels, self.size, self.size
                ),
            ));
        }
        Ok(())
    }

    /// Trainable parameters of each layer that has any, in order: the three convolutions and the
    /// three dense layers (Table 5's rows 1, 3, 5, 7, 8, 9), counted from the weights themselves.
    pub fn layer_parameters(&self) -> Vec<(&'static str, usize)> {
        vec![
            ("conv 1", self.conv1.num_params()),
            ("conv 2", self.conv2.num_params()),
            ("conv 3", self.conv3.num_params()),
            ("dense 1", self.fc1.num_params()),
            ("dense 2", self.fc2.num_params()),
            ("dense 3", self.fc3.num_params()),
        ]
    }

    /// Conv body: the three conv + pool stages, `[batch, 64, size/8, size/8]`.
    pub fn features(&self, x: Tensor<4>) -> Vec<Tensor<4>> {
        let a = self.pool.forward(self.relu.forward(self.conv1.forward(x)));
        let b = self
            .pool
            .forward(self.relu.forward(self.conv2.forward(a.clone())));
        let c = self
            .pool
            .forward(self.relu.forward(self.conv3.forward(b.clone())));
        vec![a, b, c]
    }

    /// Forward pass on `[batch, channels, size, size]`.
    pub fn forward(&self, x: Tensor<4>) -> RegressionOutput {
        let x = self.pool.forward(self.relu.forward(self.conv1.forward(x)));
        let x = self.pool.forward(self.relu.forward(self.conv2.forward(x)));
        let x = self.pool.forward(self.relu.forward(self.conv3.forward(x)));
        let x: Tensor<2> = x.flatten(1, 3);
        let x = self.relu.forward(self.fc1.forward(x));
        let x = self.relu.forward(self.fc2.forward(x));
        let out = self.fc3.forward(x);
        RegressionOutput::from_raw(out, self.targets, self.gaussian, self.sigma_floor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::module::Module;

    #[test]
    fn parameter_count_matches_table_5() {
        let d = crate::device::cpu_device();
        let m = ThetaNetConfig::new().init(&d).unwrap();
        // Table 5's rows with parameters of their own (the pooling rows repeat the convolution's).
        let paper: Vec<u64> = crate::paper::prakash2020::TABLE5
            .iter()
            .filter(|r| r.1 != "Pooling")
            .map(|r| r.3)
            .collect();
        let ours: Vec<u64> = m.layer_parameters().iter().map(|l| l.1 as u64).collect();
        assert_eq!(ours, paper);
        assert_eq!(m.num_params() as u64, paper.iter().sum::<u64>());
        let g = ThetaNetConfig::new()
            .with_size(64)
            .with_channels(1)
            .with_targets(2)
            .with_gaussian(true)
            .init(&d)
            .unwrap();
        let out = g.forward(Tensor::zeros([3, 1, 64, 64], &d));
        assert_eq!(out.mean.dims(), [3, 2]);
        let s = out.sigma.unwrap().into_data().try_to_vec::<f32>().unwrap();
        assert!(s.iter().all(|&v| v > 0.0));
        assert!(ThetaNetConfig::new().with_size(60).init(&d).is_err());
        assert!(ThetaNetConfig::new().with_targets(0).init(&d).is_err());
        assert!(ThetaNetConfig::new().with_hidden([0, 4]).init(&d).is_err());
        let wide = ThetaNetConfig::new().with_size(64).with_hidden([128, 32]);
        // 64·8·8 features → 128 → 32 → 1, plus the unchanged conv body.
        assert_eq!(
            wide.init(&d).unwrap().num_params(),
            448 + 4640 + 18496 + (4096 + 1) * 128 + (128 + 1) * 32 + 33
        );
    }

    #[test]
    fn keras_initialisation_is_glorot_uniform_with_zero_biases() {
        let d = crate::device::cpu_device();
        let cfg = ThetaNetConfig::new().with_size(64).with_channels(1);
        let vals = |t: Tensor<1>| t.into_data().try_to_vec::<f32>().unwrap();
        let flat = |t: Tensor<2>| vals(t.flatten(0, 1));
        let k = cfg.clone().with_keras_init(Some(true)).init(&d).unwrap();
        let b = cfg.init(&d).unwrap();
        // Dense 4096 → 16: Glorot's bound √(6 / (4096 + 16)) = 0.0382, and the weights fill it
        // (the largest of 65,536 uniform draws lies within 0.1 % of the bound); burn's default
        // bound is 1/√4096 = 0.0156.
        let bound = (6.0f32 / (4096.0 + 16.0)).sqrt();
        let w = flat(k.fc1.weight.val());
        let max = w.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        assert!(max <= bound && max > 0.99 * bound, "{max} vs {bound}");
        let wb = flat(b.fc1.weight.val());
        let max_b = wb.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        assert!(max_b <= 1.0 / 64.0 + 1e-6, "{max_b}");
        // Convolution 16 → 32 (3 × 3): fan-in 144, fan-out 288.
        let cb = (6.0f32 / (144.0 + 288.0)).sqrt();
        let cw = vals(k.conv2.weight.val().flatten(0, 3));
        assert!(cw.iter().all(|v| v.abs() <= cb));
        // Every bias is zero with Keras's initialisation and not with burn's.
        let biases = |m: &ThetaNet| -> Vec<Vec<f32>> {
            [&m.conv1, &m.conv2, &m.conv3]
                .iter()
                .map(|c| vals(c.bias.as_ref().unwrap().val()))
                .chain(
                    [&m.fc1, &m.fc2, &m.fc3]
                        .iter()
                        .map(|l| vals(l.bias.as_ref().unwrap().val())),
                )
                .collect()
        };
        assert!(biases(&k).iter().flatten().all(|&v| v == 0.0));
        assert!(biases(&b).iter().flatten().any(|&v| v != 0.0));
        // A configuration written before the setting reads back with burn's initialisation.
        let mut json: serde_json::Value = serde_json::to_value(ThetaNetConfig::new()).unwrap();
        json.as_object_mut().unwrap().remove("keras_init");
        let old: ThetaNetConfig = serde_json::from_value(json).unwrap();
        assert_eq!(old.keras_init, None);
        assert_eq!(old, ThetaNetConfig::new());
    }
}
