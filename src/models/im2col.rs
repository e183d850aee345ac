//! A convolution computed as im2col: the k² shifted views of the input are stacked on the channel
//! axis (order (dy, dx, c)) and multiplied by the weights, permuted to match, in one batched
//! matmul. Its backward pass is two matmuls and a few slice copies, where burn-flex computes a convolution's weight gradient as
//! another convolution with the output gradient as kernel — on the q network's first layer
//! (1 or 4 → 16 channels at 64², batch 32) that made the layer's backward ~25× its forward
//! (`cargo run --example conv_backward_profile`). Same parameters as burn's [`Conv2d`], so a
//! checkpoint does not care which one computed it; results agree to rounding (tests/im2col.rs).
//!
//! Only the shape the q network uses: stride 1, no padding, no dilation, one group.

use crate::error::{Error, Result};
use burn::nn::PaddingConfig2d;
use burn::nn::conv::Conv2d;
use burn::prelude::*;
use serde::{Deserialize, Serialize};

/// How a layer's convolution is computed. Both give the same function of the same parameters;
/// they differ in rounding (summation order) and in speed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ConvImpl {
    /// burn's `Conv2d::forward` (the backend's convolution kernels).
    Direct,
    /// [`conv2d_im2col`]: shifted slices and one matmul (faster to train on the CPU backend
    /// when there are few input channels).
    #[default]
    Im2col,
}

impl ConvImpl {
    /// `conv` applied to `x` this way; the caller has checked `conv` and the input shape
    /// ([`check_im2col`]), as the q network does at construction.
    pub(crate) fn apply(self, conv: &Conv2d, x: Tensor<4>) -> Tensor<4> {
        match self {
            ConvImpl::Direct => conv.forward(x),
            ConvImpl::Im2col => im2col_checked(conv, x),
        }
    }
}

impl std::fmt::Display for ConvImpl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ConvImpl::Direct => "direct",
            ConvImpl::Im2col => "im2col",
        })
    }
}

impl std::str::FromStr for ConvImpl {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "direct" => Ok(ConvImpl::Direct),
            "im2col" => Ok(ConvImpl::Im2col),
            other => Err(Error::invalid(
                "convolution implementation",
                other,
                "expected direct or im2col",
            )),
        }
    }
}

/// Checks that `conv` and an input of shape `dims` suit [`conv2d_im2col`].
pub fn check_im2col(conv: &Conv2d, dims: [usize; 4]) -> Result<()> {
    let [co, ci, kh, kw] = conv.weight.dims();
    let plain = conv.stride == [1, 1]
        && conv.dilation == [1, 1]
        && conv.groups == 1
        && matches!(conv.padding, PaddingConfig2d::Valid);
    if !plain {
        return Err(Error::invalid(
            "convolution",
            format!(
                "stride {:?}, dilation {:?}, groups {}, padding {:?}",
                conv.stride, conv.dilation, conv.groups, conv.padding
            ),
            "im2col here supports stride 1, dilation 1, one group, valid padding",
        ));
    }
    if dims[0] == 0 || dims[1] != ci || dims[2] < kh || dims[3] < kw {
        return Err(Error::invalid(
            "input shape",
            format!("{dims:?}"),
            format!("expected [batch ≥ 1, {ci}, ≥ {kh}, ≥ {kw}] for a {ci} → {co} convolution"),
        ));
    }
    Ok(())
}

/// `conv` applied to `x` `[N, C, H, W]` as im2col: patches `[N, kh·kw·C, H'·W']` from the
/// kh·kw shifted slices (channel order (dy, dx, c)), then the weight permuted to
/// `[Co, kh·kw·C]` × patches. An unsupported convolution or input shape is an error
/// ([`check_im2col`]).
pub fn conv2d_im2col(conv: &Conv2d, x: Tensor<4>) -> Result<Tensor<4>> {
    check_im2col(conv, x.dims())?;
    Ok(im2col_checked(conv, x))
}

/// [`conv2d_im2col`] for callers that have checked `conv` and the input shape already (the q
/// network checks its layer at construction and its input before training or predicting).
pub(crate) fn im2col_checked(conv: &Conv2d, x: Tensor<4>) -> Tensor<4> {
    let [n, c, h, w] = x.dims();
    let [co, _, kh, kw] = conv.weight.dims();
    let (ho, wo) = (h - kh + 1, w - kw + 1);
    // One slice per kernel offset, all channels at once: patches are ordered (dy, dx, ci), and
    // the backward pass assigns kh·kw slices into the input gradient (not kh·kw·c thin ones).
    let mut slices = Vec::with_capacity(kh * kw);
    for dy in 0..kh {
        for dx in 0..kw {
            slices.push(x.clone().slice([0..n, 0..c, dy..dy + ho, dx..dx + wo]));
        }
    }
    let patches = Tensor::cat(slices, 1).reshape([n, c * kh * kw, ho * wo]);
    let weights = conv
        .weight
        .val()
        .permute([0, 2, 3, 1])
        .reshape([1, co, kh * kw * c]);
    let mut y = weights.matmul(patches);
    if let Some(b) = &conv.bias {
        y = y + b.val().reshape([1, co, 1]);
    }
    y.reshape([n, co, ho, wo])
}
