//! AlexNet as in seed 000 Table 4 (Prakash, Banerjee & Perepu 2020, §5.1): five convolutions
//! (96 11×11 stride 4, 256 5×5, 384 3×3, 384 3×3, 256 3×3), each followed by ReLU and a
//! normalisation; 3×3 stride-2 max-pooling after the first, second and fifth; two fully connected
//! layers of 4096 with ReLU and dropout 0.5; a final layer of 2, 3 or 9 classes (softmax is
//! applied by the loss and by `predict_proba`, not here: the network returns logits).
//!
//! Choices the seed leaves open, and why:
//! * **Padding.** Table 4's parameter column fixes it: the first fully connected layer has
//!   4,198,400 = 4096 × (1024 + 1) parameters, so 1024 = 256 × 2 × 2 features reach it, which is
//!   what *unpadded* ("valid", Keras' default) convolutions and pools give from a 256 × 256 input
//!   (256 → 62 → 30 → 26 → 12 → 10 → 8 → 6 → 2). Krizhevsky's padded layout would give
//!   256 × 6 × 6 = 9216 features and 37.8 M parameters in that layer. [`Padding::Valid`] is
//!   therefore the default; it needs inputs of at least 195 pixels. [`Padding::Padded`]
//!   (torchvision's AlexNet: conv1 pad 2, conv2 pad 2, conv3–5 pad 1) lets small inputs through
//!   (64 → 15 → 7 → 7 → 3 → 3 → 1) for the scaled-down quick-mode network.
//! * **Normalisation.** The seed says every convolution is followed by "ReLU and Normalisation
//!   (Norm)", and that it used Keras. Keras 2 has no local-response-normalisation layer (it went
//!   with Keras 1), and the Keras AlexNet of Rosebrock (2017), which the seed cites for its
//!   networks, puts batch normalisation after each convolution's ReLU. Table 4 cannot decide
//!   (it lists only convolution, pooling and dense rows). So the default is [`Norm::Batch`]
//!   (conv → ReLU → batch norm), which also lets plain SGD at the seed's learning rate of 0.01
//!   train from scratch; Krizhevsky's [`Norm::LocalResponse`] (n = 5, α = 1e-4, β = 0.75, k = 2,
//!   parameter-free) and [`Norm::None`] are there for comparison.
//! * **Input channels.** Table 4's first layer has 34,944 = 96 × (11·11·3 + 1) parameters: three
//!   channels (the GalMer GIFs decoded as RGB). Our simulated images have one; `channels` is
//!   configurable.
//! * **Width.** `width` multiplies every layer's number of filters and units (rounded, at least
//!   1), so `width = 0.125` at 64 × 64 trains in seconds on two CPU cores; `width = 1` at 256 is
//!   the seed's network.

use crate::error::Error;
use crate::image::Image;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::nn::{
    BatchNorm, BatchNormConfig, Dropout, DropoutConfig, Linear, LinearConfig, LocalResponseNorm,
    LocalResponseNormConfig, PaddingConfig2d, Relu,
};
use burn::prelude::*;
use serde::{Deserialize, Serialize};

type GlResult<T> = crate::error::Result<T>;

/// Normalisation after each convolution's ReLU.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Norm {
    /// Batch normalisation (the default; see the module notes).
    Batch,
    /// Krizhevsky et al.'s local response normalisation across channels.
    LocalResponse,
    /// None.
    None,
}

/// Padding of the convolutions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Padding {
    /// No padding anywhere (Table 4's parameter count; inputs ≥ 195 px).
    Valid,
    /// conv1 pad 2, conv2 pad 2, conv3–5 pad 1 (torchvision; inputs ≥ 63 px).
    Padded,
}

/// Hyper-parameters of [`AlexNet`].
#[derive(Config, Debug, PartialEq)]
pub struct AlexNetConfig {
    /// Number of classes (2, 3 or 9 in the seed).
    #[config(default = 2)]
    pub classes: usize,
    /// Input channels (3 in the seed's Table 4, 1 for our simulated images).
    #[config(default = 3)]
    pub channels: usize,
    /// Input side in pixels (the seed: 256).
    #[config(default = 256)]
    pub size: usize,
    /// Multiplier of every layer's filters and units (1 = the seed's network).
    #[config(default = 1.0)]
    pub width: f64,
    /// Dropout probability of the two 4096-unit layers.
    #[config(default = 0.5)]
    pub dropout: f64,
    /// Normalisation after each convolution.
    #[config(default = "Norm::Batch")]
    pub norm: Norm,
    /// Convolution padding.
    #[config(default = "Padding::Valid")]
    pub padding: Padding,
}

/// Filters of the five convolutions and units of the two hidden dense layers at width 1.
const FILTERS: [usize; 5] = [96, 256, 384, 384, 256];
const KERNELS: [usize; 5] = [11, 5, 3, 3, 3];
const HIDDEN: usize = 4096;
/// Convolutions followed by a 3 × 3 stride-2 max-pool.
const POOLED: [bool; 5] = [true, true, false, false, true];

/// Output side of a convolution or pool.
fn out_side(n: usize, k: usize, s: usize, p: usize) -> Option<usize> {
    (n + 2 * p).checked_sub(k).map(|d| d / s + 1)
}

impl AlexNetConfig {
    /// Filters of each convolution at this width.
    pub fn filters(&self) -> [usize; 5] {
        FILTERS.map(|f| self.scaled(f))
    }

    /// Units of each hidden dense layer at this width.
    pub fn hidden(&self) -> usize {
        self.scaled(HIDDEN)
    }

    fn scaled(&self, n: usize) -> usize {
        ((n as f64 * self.width).round() as usize).max(1)
    }

    fn pads(&self) -> [usize; 5] {
        match self.padding {
            Padding::Valid => [0; 5],
            Padding::Padded => [2, 2, 1, 1, 1],
        }
    }

    /// Side of the feature maps after each of the five stages (convolution, then pool where
    /// there is one); an error names the input size when a stage would be empty.
    pub fn sides(&self) -> GlResult<[usize; 5]> {
        let mut n = self.size;
        let mut out = [0; 5];
        let pads = self.pads();
        for l in 0..5 {
            let stride = if l == 0 { 4 } else { 1 };
            n = out_side(n, KERNELS[l], stride, pads[l]).unwrap_or(0);
            if POOLED[l] {
                n = out_side(n, 3, 2, 0).unwrap_or(0);
            }
            if n == 0 {
                let min = match self.padding {
                    Padding::Valid => 195,
                    Padding::Padded => 63,
                };
                return Err(Error::invalid(
                    "size",
                    self.size,
                    format!(
                        "too small for AlexNet with {:?} padding (stage {} is empty); use at least {min}",
                        self.padding,
                        l + 1
                    ),
                ));
            }
            out[l] = n;
        }
        Ok(out)
    }

    /// Checks the configuration.
    pub fn validate(&self) -> GlResult<()> {
        crate::error::check_size("classes", self.classes, 2)?;
        crate::error::check_size("channels", self.channels, 1)?;
        crate::error::check_range("width", self.width, 1e-3, 4.0)?;
        crate::error::check_range("dropout", self.dropout, 0.0, 0.99)?;
        if self.size > 4096 {
            return Err(Error::invalid("size", self.size, "must be at most 4096"));
        }
        self.sides()?;
        Ok(())
    }

    /// Features entering the first dense layer.
    pub fn flat_features(&self) -> GlResult<usize> {
        let s = self.sides()?[4];
        Ok(self.filters()[4] * s * s)
    }

    /// Parameters of each weighted layer (5 convolutions, 3 dense; normalisation excluded), as
    /// Table 4 lists them.
    pub fn layer_params(&self) -> GlResult<[usize; 8]> {
        self.validate()?;
        let f = self.filters();
        let h = self.hidden();
        let mut out = [0; 8];
        let mut c_in = self.channels;
        for l in 0..5 {
            out[l] = f[l] * (KERNELS[l] * KERNELS[l] * c_in + 1);
            c_in = f[l];
        }
        let flat = self.flat_features()?;
        out[5] = h * (flat + 1);
        out[6] = h * (h + 1);
        out[7] = self.classes * (h + 1);
        Ok(out)
    }

    /// Builds the network on `device` (use `device.autodiff()` to train).
    pub fn init(&self, device: &Device) -> GlResult<AlexNet> {
        self.validate()?;
        let f = self.filters();
        let pads = self.pads();
        let mut convs = Vec::new();
        let mut c_in = self.channels;
        for l in 0..5 {
            let k = KERNELS[l];
            let p = pads[l];
            convs.push(
                Conv2dConfig::new([c_in, f[l]], [k, k])
                    .with_stride(if l == 0 { [4, 4] } else { [1, 1] })
                    .with_padding(PaddingConfig2d::Explicit(p, p, p, p))
                    .init(device),
            );
            c_in = f[l];
        }
        let batch_norms = match self.norm {
            Norm::Batch => f
                .iter()
                .map(|&c| BatchNormConfig::new(c).init(device))
                .collect(),
            _ => Vec::new(),
        };
        let lrn = match self.norm {
            // Krizhevsky: b = a / (k + α Σ a²)^β over n = 5 channels; burn averages over the
            // window, so its α is n × 1e-4.
            Norm::LocalResponse => Some(
                LocalResponseNormConfig::new(5)
                    .with_alpha(5e-4)
                    .with_beta(0.75)
                    .with_k(2.0)
                    .init(),
            ),
            _ => None,
        };
        let h = self.hidden();
        Ok(AlexNet {
            convs,
            batch_norms,
            lrn,
            pool: MaxPool2dConfig::new([3, 3]).with_strides([2, 2]).init(),
            fc1: LinearConfig::new(self.flat_features()?, h).init(device),
            fc2: LinearConfig::new(h, h).init(device),
            fc3: LinearConfig::new(h, self.classes).init(device),
            dropout: DropoutConfig::new(self.dropout).init(),
            relu: Relu::new(),
            channels: self.channels,
            size: self.size,
            classes: self.classes,
        })
    }
}

/// The network: `forward` maps `[batch, channels, size, size]` images to `[batch, classes]`
/// logits.
#[derive(Module, Debug)]
pub struct AlexNet {
    convs: Vec<Conv2d>,
    batch_norms: Vec<BatchNorm>,
    lrn: Option<LocalResponseNorm>,
    pool: MaxPool2d,
    fc1: Linear,
    fc2: Linear,
    fc3: Linear,
    dropout: Dropout,
    relu: Relu,
    channels: usize,
    size: usize,
    classes: usize,
}

impl AlexNet {
    /// Expected input `(channels, size)`.
    pub fn input_shape(&self) -> (usize, usize) {
        (self.channels, self.size)
    }

    /// Number of classes.
    pub fn classes(&self) -> usize {
        self.classes
    }

    /// Checks an input's shape, with a message naming what was expected.
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

    /// Convolution `l`, ReLU (returned for feature maps), then normalisation and pooling.
    fn stage(&self, l: usize, x: Tensor<4>) -> (Tensor<4>, Tensor<4>) {
        let a = self.relu.forward(self.convs[l].forward(x));
        let mut y = a.clone();
        if let Some(bn) = self.batch_norms.get(l) {
            y = bn.forward(y);
        }
        if let Some(lrn) = &self.lrn {
            y = lrn.forward(y);
        }
        if POOLED[l] {
            y = self.pool.forward(y);
        }
        (a, y)
    }

    /// Logits `[batch, classes]` for `x` `[batch, channels, size, size]` (shape-checked by the
    /// callers that take user input).
    pub fn forward(&self, x: Tensor<4>) -> Tensor<2> {
        let mut x = x;
        for l in 0..self.convs.len() {
            x = self.stage(l, x).1;
        }
        let x: Tensor<2> = x.flatten(1, 3);
        let x = self.dropout.forward(self.relu.forward(self.fc1.forward(x)));
        let x = self.dropout.forward(self.relu.forward(self.fc2.forward(x)));
        self.fc3.forward(x)
    }

    /// The activation (after ReLU) of each of the five convolutions for `x`.
    pub fn conv_activations(&self, x: Tensor<4>) -> Vec<Tensor<4>> {
        let mut x = x;
        let mut out = Vec::new();
        for l in 0..self.convs.len() {
            let (a, y) = self.stage(l, x);
            out.push(a);
            x = y;
        }
        out
    }

    /// Seed Fig. 2: for one input image (`channels × size × size` values, row-major), channel
    /// `channel` of each convolution's activation, as images (inference mode).
    pub fn feature_maps(
        &self,
        pixels: &[f32],
        channel: usize,
        device: &Device,
    ) -> GlResult<Vec<Image>> {
        super::check_pixels(pixels, self.channels, self.size)?;
        let min_filters = self
            .convs
            .iter()
            .map(|c| c.weight.dims()[0])
            .min()
            .unwrap_or(0);
        if channel >= min_filters {
            return Err(Error::invalid(
                "channel",
                channel,
                format!("must be below {min_filters}, the fewest filters of any convolution"),
            ));
        }
        let m = self.clone().valid();
        let x = Tensor::<4>::from_data(
            TensorData::new(pixels.to_vec(), [1, self.channels, self.size, self.size]),
            device,
        );
        m.conv_activations(x)
            .into_iter()
            .map(|a| super::channel_image(a, channel))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameter_count_matches_table_4() {
        // Table 4 (two classes, 3-channel 256 × 256 input): per weighted layer.
        let table4 = [
            34_944, 614_656, 885_120, 1_327_488, 884_992, 4_198_400, 16_781_312, 8_194,
        ];
        let cfg = AlexNetConfig::new();
        assert_eq!(cfg.layer_params().unwrap(), table4);
        assert_eq!(cfg.flat_features().unwrap(), 1024);
        assert_eq!(cfg.sides().unwrap(), [30, 12, 10, 8, 2]);
        let total: usize = table4.iter().sum();
        assert_eq!(total, 24_735_106);
        // The built network agrees: without normalisation exactly; with batch norm burn also
        // counts γ, β and the running mean and variance, 4 × (96 + 256 + 384 + 384 + 256) = 5504
        // (Keras' "Total params": 2752 trainable + 2752 non-trainable).
        let dev = crate::device::cpu_device();
        let plain = cfg.clone().with_norm(Norm::None).init(&dev).unwrap();
        assert_eq!(plain.num_params(), total);
        let lrn = cfg
            .clone()
            .with_norm(Norm::LocalResponse)
            .init(&dev)
            .unwrap();
        assert_eq!(lrn.num_params(), total);
        let bn = cfg.init(&dev).unwrap();
        assert_eq!(bn.num_params(), total + 5504);
    }

    #[test]
    fn scaled_down_network_runs_and_small_inputs_are_named() {
        let cfg = AlexNetConfig::new()
            .with_channels(1)
            .with_size(64)
            .with_width(0.125)
            .with_padding(Padding::Padded);
        assert_eq!(cfg.sides().unwrap(), [7, 3, 3, 3, 1]);
        assert_eq!(cfg.filters(), [12, 32, 48, 48, 32]);
        let dev = crate::device::cpu_device();
        let net = cfg.init(&dev).unwrap();
        let x = Tensor::<4>::zeros([2, 1, 64, 64], &dev);
        assert_eq!(net.forward(x).dims(), [2, 2]);
        let maps = net.feature_maps(&vec![0.5; 64 * 64], 3, &dev).unwrap();
        let sides: Vec<usize> = maps.iter().map(|m| m.width).collect();
        assert_eq!(sides, vec![15, 7, 3, 3, 3]);
        assert!(net.feature_maps(&vec![0.5; 64 * 64], 12, &dev).is_err());
        assert!(net.feature_maps(&[0.5; 10], 0, &dev).is_err());
        let e = AlexNetConfig::new().with_size(128).validate().unwrap_err();
        assert!(
            e.to_string().contains("128") && e.to_string().contains("195"),
            "{e}"
        );
        assert!(AlexNetConfig::new().with_classes(1).validate().is_err());
        assert!(
            AlexNetConfig::new()
                .with_width(f64::NAN)
                .validate()
                .is_err()
        );
        assert!(net.check_input([1, 3, 64, 64]).is_err());
    }
}
