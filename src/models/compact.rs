//! A compact modern classifier for seed 000's experiments (Prakash et al. 2020, §6, Tables 6–11),
//! beside the literal AlexNet of Table 4 ([`super::alexnet`]).
//!
//! Why another network: AlexNet's 11 × 11 stride-4 first convolution leaves 15 × 15 maps of a
//! 64 × 64 image and its two 4096-unit layers hold most of its weights; at the sizes two CPU
//! cores can train it underfits (three-class training accuracy 0.79). This network is the plain
//! recipe of current small-image CNNs:
//!
//! * a 5 × 5 stride-2 stem convolution (`width` · 32 filters) + batch norm + ReLU;
//! * three stages of two 3 × 3 convolutions (padding 1) each followed by batch norm and ReLU,
//!   with `width` · 32, 64, 128 filters, each stage after a 2 × 2 max-pool (64² input: stem 32²,
//!   stages at 16², 8², 4²);
//! * global average pooling, dropout, one linear layer to the class logits.
//!
//! At width 1 it has ~0.3 M parameters; global average pooling makes it take any input side from
//! 32 pixels up (64 to 256 in practice) with the same weights' shapes. The 3 × 3 convolutions
//! pad by one pixel themselves (burn's `Conv2d`, which the vendored burn-flex computes as
//! im2col and gemm). Configurations saved before stop 48 also hold `convs` (always `"direct"` in the
//! committed runs: this project's own im2col, since removed, was the other choice); it is no
//! longer read.
//!
//! A pool after the stem was chosen by measurement: without it the first stage runs at 32² and
//! a training step of 64 images took 357 ms (direct) on two cores, 2.7× longer, for the same
//! parameters.

use crate::error::{Error, check_range, check_size};
use crate::image::Image;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::nn::{
    BatchNorm, BatchNormConfig, Dropout, DropoutConfig, Linear, LinearConfig, PaddingConfig2d, Relu,
};
use burn::prelude::*;
use serde::{Deserialize, Serialize};

type GlResult<T> = crate::error::Result<T>;

/// Filters of the stem and the three stages at width 1.
const FILTERS: [usize; 4] = [32, 32, 64, 128];

/// Hyper-parameters of [`CompactNet`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompactNetConfig {
    /// Number of classes.
    pub classes: usize,
    /// Input channels (1 for our simulated images).
    pub channels: usize,
    /// Input side in pixels (16 to 4096).
    pub size: usize,
    /// Multiplier of every layer's filters (1: 32/32/64/128).
    pub width: f64,
    /// Dropout before the last layer.
    pub dropout: f64,
}

impl CompactNetConfig {
    /// Width 1, dropout 0.2.
    pub fn new(classes: usize, channels: usize, size: usize) -> Self {
        CompactNetConfig {
            classes,
            channels,
            size,
            width: 1.0,
            dropout: 0.2,
        }
    }

    /// Filters of the stem and the three stages at this width.
    pub fn filters(&self) -> [usize; 4] {
        FILTERS.map(|f| ((f as f64 * self.width).round() as usize).max(1))
    }

    /// Checks the configuration.
    pub fn validate(&self) -> GlResult<()> {
        check_size("classes", self.classes, 2)?;
        check_size("channels", self.channels, 1)?;
        check_range("width", self.width, 1e-3, 8.0)?;
        check_range("dropout", self.dropout, 0.0, 0.99)?;
        if !(32..=4096).contains(&self.size) {
            return Err(Error::invalid(
                "size",
                self.size,
                "the compact network takes inputs of 32 to 4096 pixels",
            ));
        }
        Ok(())
    }

    /// Side of the feature maps after the stem and after each stage.
    pub fn sides(&self) -> [usize; 4] {
        let stem = (self.size + 2 * 2 - 5) / 2 + 1;
        [stem, stem / 2, stem / 4, stem / 8]
    }

    /// Builds the network on `device` (use `device.autodiff()` to train).
    pub fn init(&self, device: &Device) -> GlResult<CompactNet> {
        self.validate()?;
        let f = self.filters();
        let stem = Conv2dConfig::new([self.channels, f[0]], [5, 5])
            .with_stride([2, 2])
            .with_padding(PaddingConfig2d::Explicit(2, 2, 2, 2))
            .init(device);
        // The 3 × 3 convolutions pad by one pixel themselves: burn-flex's im2col reads zeros
        // outside the map, where the runs before stop 48 padded the input with `Tensor::pad` (a
        // zero-filled copy forward and a sliced copy back). Padding is configuration, not a
        // parameter: saved weights load either way and compute the same function.
        let mut convs = Vec::new();
        let mut c_in = f[0];
        for &c in &f[1..] {
            for _ in 0..2 {
                convs.push(
                    Conv2dConfig::new([c_in, c], [3, 3])
                        .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
                        .init(device),
                );
                c_in = c;
            }
        }
        let mut norms = vec![BatchNormConfig::new(f[0]).init(device)];
        for &c in &f[1..] {
            norms.push(BatchNormConfig::new(c).init(device));
            norms.push(BatchNormConfig::new(c).init(device));
        }
        Ok(CompactNet {
            stem,
            convs,
            norms,
            pool: MaxPool2dConfig::new([2, 2]).with_strides([2, 2]).init(),
            dropout: DropoutConfig::new(self.dropout).init(),
            head: LinearConfig::new(f[3], self.classes).init(device),
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
pub struct CompactNet {
    stem: Conv2d,
    convs: Vec<Conv2d>,
    norms: Vec<BatchNorm>,
    pool: MaxPool2d,
    dropout: Dropout,
    head: Linear,
    relu: Relu,
    channels: usize,
    size: usize,
    classes: usize,
}

impl CompactNet {
    /// Expected input `(channels, size)`.
    pub fn input_shape(&self) -> (usize, usize) {
        (self.channels, self.size)
    }

    /// Number of classes.
    pub fn classes(&self) -> usize {
        self.classes
    }

    fn conv3(&self, l: usize, x: Tensor<4>) -> Tensor<4> {
        self.convs[l].forward(x)
    }

    /// The activation after the stem and after each of the three stages (before pooling).
    pub fn block_activations(&self, x: Tensor<4>) -> Vec<Tensor<4>> {
        let mut out = Vec::with_capacity(4);
        let mut x = self
            .relu
            .forward(self.norms[0].forward(self.stem.forward(x)));
        out.push(x.clone());
        for s in 0..3 {
            x = self.pool.forward(x);
            for j in 0..2 {
                let l = 2 * s + j;
                x = self
                    .relu
                    .forward(self.norms[l + 1].forward(self.conv3(l, x)));
            }
            out.push(x.clone());
        }
        out
    }

    /// Logits `[batch, classes]`.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<2> {
        let last = self.block_activations(x).pop().expect("four blocks");
        let [n, c, _, _] = last.dims();
        let pooled: Tensor<2> = last.mean_dim(3).mean_dim(2).reshape([n, c]);
        self.head.forward(self.dropout.forward(pooled))
    }

    /// For one input image, channel `channel` of each block's activation (stem and three stages)
    /// as images (inference mode): the compact network's counterpart of seed Fig. 2.
    pub fn feature_maps(
        &self,
        pixels: &[f32],
        channel: usize,
        device: &Device,
    ) -> GlResult<Vec<Image>> {
        super::check_pixels(pixels, self.channels, self.size)?;
        let min_filters = self.stem.weight.dims()[0];
        if channel >= min_filters {
            return Err(Error::invalid(
                "channel",
                channel,
                format!("must be below {min_filters}, the fewest filters of any block"),
            ));
        }
        let x = Tensor::<4>::from_data(
            TensorData::new(pixels.to_vec(), [1, self.channels, self.size, self.size]),
            device,
        );
        self.valid()
            .block_activations(x)
            .into_iter()
            .map(|a| super::channel_image(a, channel))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_parameters_and_any_input_size() {
        let dev = crate::device::cpu_device();
        let cfg = CompactNetConfig::new(3, 1, 64);
        let net = cfg.init(&dev).unwrap();
        // stem 32·(25+1); stage convs 32·(9·32+1)·… ; batch norm γ, β, mean, var per channel;
        // head 128·3 + 3.
        let convs = [
            (1, 32, 25),
            (32, 32, 9),
            (32, 32, 9),
            (32, 64, 9),
            (64, 64, 9),
            (64, 128, 9),
            (128, 128, 9),
        ];
        let weights: usize = convs.iter().map(|&(i, o, k)| o * (i * k + 1)).sum();
        let norms = 4 * (32 + 32 + 32 + 64 + 64 + 128 + 128);
        assert_eq!(net.num_params(), weights + norms + 128 * 3 + 3);
        assert_eq!(cfg.sides(), [32, 16, 8, 4]);
        for size in [64, 100, 128] {
            let net = CompactNetConfig::new(2, 1, size).init(&dev).unwrap();
            let y = net.forward(Tensor::<4>::zeros([2, 1, size, size], &dev));
            assert_eq!(y.dims(), [2, 2]);
        }
        let maps = net.feature_maps(&vec![0.5; 64 * 64], 3, &dev).unwrap();
        let sides: Vec<usize> = maps.iter().map(|m| m.width).collect();
        assert_eq!(sides, vec![32, 16, 8, 4]);
        assert!(net.feature_maps(&vec![0.5; 64 * 64], 32, &dev).is_err());
        let e = CompactNetConfig::new(2, 1, 16).validate().unwrap_err();
        assert!(e.to_string().contains("size"), "{e}");
        assert!(CompactNetConfig::new(1, 1, 64).validate().is_err());
    }

    #[test]
    fn padded_convolutions_compute_what_the_zero_padded_input_did() {
        // Until stop 48 each 3 × 3 convolution was unpadded and ran on `x.pad(1)`; the same
        // weights with the convolution's own padding must give the same map (bit for bit here).
        let dev = crate::device::cpu_device();
        dev.seed(3);
        let net = CompactNetConfig::new(3, 1, 32).init(&dev).unwrap();
        let conv = &net.convs[2];
        let mut unpadded = conv.clone();
        unpadded.padding = PaddingConfig2d::Valid;
        let x = Tensor::<4>::random(
            [2, conv.weight.dims()[1], 8, 8],
            burn::tensor::Distribution::Normal(0.0, 1.0),
            &dev,
        );
        let a: Vec<f32> = conv
            .forward(x.clone())
            .into_data()
            .try_to_vec::<f32>()
            .unwrap();
        let b: Vec<f32> = unpadded
            .forward(x.pad((1, 1, 1, 1), 0.0))
            .into_data()
            .try_to_vec::<f32>()
            .unwrap();
        assert_eq!(a.len(), 2 * conv.weight.dims()[0] * 8 * 8);
        for (p, q) in a.iter().zip(&b) {
            assert!((p - q).abs() <= 1e-6 * (1.0 + q.abs()), "{p} vs {q}");
        }
    }

    #[test]
    fn configurations_saved_with_a_convolution_choice_still_load() {
        // What runs before stop 48 wrote (`convs`: their convolution code, no longer read).
        let old =
            r#"{"classes":3,"channels":1,"size":64,"width":1.5,"dropout":0.2,"convs":"direct"}"#;
        let cfg: CompactNetConfig = serde_json::from_str(old).unwrap();
        let mut want = CompactNetConfig::new(3, 1, 64);
        want.width = 1.5;
        assert_eq!(cfg, want);
    }
}
