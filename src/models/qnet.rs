//! The CNN of seed 001 (Hidalgo Mahmud 2023, §3.2, Fig. 7) that infers the intrinsic axis ratio
//! q with a Gaussian output: three Conv2d layers (16, 32, 48 filters, 2 × 2 kernels, ReLU), each
//! followed by 2 × 2 max-pooling; flatten; dense 128 + ReLU; dropout 0.3; dense 2 → Normal(μ, σ).
//!
//! Details the thesis leaves open and what we chose:
//! * padding: `valid` (Keras' default): 64 → 63 → 31 → 30 → 15 → 14 → 7, so 48·7·7 = 2352 features;
//! * σ = softplus(raw) + `sigma_floor` (1e-3): softplus is stable (burn's, with a threshold) and the
//!   floor keeps the NLL finite when the network is over-confident (TFP's usual
//!   `1e-3 + softplus(...)` idiom);
//! * initialisation: burn's defaults (Kaiming-uniform), as Keras' Glorot would serve equally.
//!
//! Speed (not a modelling choice): the convolutions are burn's `Conv2d`, which the vendored
//! burn-flex computes as im2col + one gemm, forward and gradients (`vendor/burn-flex`, tested in
//! tests/conv_backward.rs). Configurations saved before stop 48 also name `first_conv` /
//! `later_convs` (this project's own im2col, since removed): same function, other rounding; those
//! fields are no longer read.

use crate::error::Error;

type GlResult<T> = crate::error::Result<T>;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::nn::{Dropout, DropoutConfig, Linear, LinearConfig, Relu};
use burn::prelude::*;
use burn::tensor::activation::softplus;

/// Hyper-parameters of [`QNet`].
#[derive(Config, Debug, PartialEq)]
pub struct QNetConfig {
    /// Input channels: 4 for the stacked projections, 1 for a single inclination.
    #[config(default = 1)]
    pub channels: usize,
    /// Input side in pixels.
    #[config(default = 64)]
    pub size: usize,
    /// Dropout probability before the output layer.
    #[config(default = 0.3)]
    pub dropout: f64,
    /// Lower bound added to σ.
    #[config(default = 1e-3)]
    pub sigma_floor: f64,
}

/// The network.
#[derive(Module, Debug)]
pub struct QNet {
    conv1: Conv2d,
    conv2: Conv2d,
    conv3: Conv2d,
    pool: MaxPool2d,
    fc1: Linear,
    fc2: Linear,
    dropout: Dropout,
    relu: Relu,
    sigma_floor: f64,
    channels: usize,
    size: usize,
}

/// Size after a 2 × 2 valid convolution and a 2 × 2 pool.
fn stage(n: usize) -> usize {
    (n - 1) / 2
}

impl QNetConfig {
    /// Checks the configuration (the input must survive three conv + pool stages).
    pub fn validate(&self) -> GlResult<()> {
        crate::error::check_size("channels", self.channels, 1)?;
        crate::error::check_size("size", self.size, 16)?;
        crate::error::check_range("dropout", self.dropout, 0.0, 0.99)?;
        crate::error::check_positive("sigma_floor", self.sigma_floor)?;
        Ok(())
    }

    /// Features after the convolutional stack.
    pub fn flat_features(&self) -> usize {
        let s = stage(stage(stage(self.size)));
        48 * s * s
    }

    /// Builds the network on `device` (use `device.autodiff()` to train).
    pub fn init(&self, device: &Device) -> GlResult<QNet> {
        self.validate()?;
        Ok(QNet {
            conv1: Conv2dConfig::new([self.channels, 16], [2, 2]).init(device),
            conv2: Conv2dConfig::new([16, 32], [2, 2]).init(device),
            conv3: Conv2dConfig::new([32, 48], [2, 2]).init(device),
            pool: MaxPool2dConfig::new([2, 2]).init(),
            fc1: LinearConfig::new(self.flat_features(), 128).init(device),
            fc2: LinearConfig::new(128, 2).init(device),
            dropout: DropoutConfig::new(self.dropout).init(),
            relu: Relu::new(),
            sigma_floor: self.sigma_floor,
            channels: self.channels,
            size: self.size,
        })
    }
}

/// The predicted Normal(μ, σ) for each image of a batch.
#[derive(Debug, Clone)]
pub struct GaussianOutput {
    /// Means, `[batch]`.
    pub mu: Tensor<1>,
    /// Standard deviations (> 0), `[batch]`.
    pub sigma: Tensor<1>,
}

impl QNet {
    /// Sum of the squares of every weight and bias: what an L2 penalty (weight decay) pulls down.
    /// Walks the parameters with burn's module visitor (as `num_params` does), so a layer added
    /// to the network is counted without touching this.
    pub fn l2_norm_sq(&self) -> f64 {
        struct SumSq(f64);
        impl burn::module::ModuleVisitor for SumSq {
            fn visit_float<const D: usize>(&mut self, param: &burn::module::Param<Tensor<D>>) {
                let t = param.val();
                let v: f32 = (t.clone() * t).sum().into_scalar();
                self.0 += v as f64;
            }
        }
        let mut sum = SumSq(0.0);
        self.visit(&mut sum);
        sum.0
    }

    /// The same network (same parameters) with dropout probability `prob` before the output
    /// layer; 0 turns dropout off in training too (what [`crate::train::q_refit`] trains with).
    pub fn with_dropout(mut self, prob: f64) -> GlResult<Self> {
        crate::error::check_range("dropout", prob, 0.0, 0.99)?;
        self.dropout = DropoutConfig::new(prob).init();
        Ok(self)
    }

    /// Dropout probability before the output layer.
    pub fn dropout(&self) -> f64 {
        self.dropout.prob
    }

    /// Expected input shape `[batch, channels, size, size]`.
    pub fn input_shape(&self) -> (usize, usize) {
        (self.channels, self.size)
    }

    /// Checks an input's shape, with a message naming what was expected.
    pub fn check_input(&self, dims: [usize; 4]) -> GlResult<()> {
        if dims[1] != self.channels || dims[2] != self.size || dims[3] != self.size || dims[0] == 0
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

    /// Forward pass; `x` is `[batch, channels, size, size]` (shape-checked by the callers that
    /// take user input: `predict` and the training loop).
    pub fn forward(&self, x: Tensor<4>) -> GaussianOutput {
        let x = self.conv1.forward(x);
        let x = self.pool.forward(self.relu.forward(x));
        let x = self.conv2.forward(x);
        let x = self.pool.forward(self.relu.forward(x));
        let x = self.conv3.forward(x);
        let x = self.pool.forward(self.relu.forward(x));
        let x: Tensor<2> = x.flatten(1, 3);
        let x = self.dropout.forward(self.relu.forward(self.fc1.forward(x)));
        let out = self.fc2.forward(x);
        let mu: Tensor<1> = out.clone().narrow(1, 0, 1).squeeze_dim(1);
        let raw: Tensor<1> = out.narrow(1, 1, 1).squeeze_dim(1);
        let sigma = softplus(raw, 1.0).add_scalar(self.sigma_floor);
        GaussianOutput { mu, sigma }
    }
}
