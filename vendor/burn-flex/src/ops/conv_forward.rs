//! galaxy-lab patch: the forward pass of an ungrouped 2-D convolution as im2col + one gemm per
//! chunk of samples.
//!
//! burn-flex's general path (`conv.rs`, `conv3d_impl`) converts the input to NHWC and runs one
//! gemm per sample and per tile of at most 512 output pixels, then scatters the result back to
//! NCHW element by element. For the small feature maps of galaxy-lab's networks (16², 8², 4²
//! pixels per sample, batches of 32–64) that is many small gemms (`[C_out, K] · [K, 16]` at 4²).
//! Here the column matrix spans a chunk of samples (`cols [K, nb · H_out · W_out]`, built
//! straight from NCHW by the same `im2col` as the gradients in `conv_backward.rs`, ~512 K
//! elements so it stays in cache), one gemm gives `[C_out, nb · H_out · W_out]`, and each
//! sample's channel plane is copied out whole (with the bias added). Chunks run in parallel.
//!
//! Used for f32 and f64 convolutions with `groups == 1` and a kernel larger than 1 × 1 that
//! burn-flex's small-channel kernel does not take (see [`applies`]); everything else keeps
//! burn-flex's own paths. [`crate::ops::conv_backward::set_generic`] (or
//! `BURN_FLEX_GENERIC_CONV_BACKWARD=1`) selects burn-flex's own forward too, so one benchmark
//! process can time both.

use alloc::vec;
use alloc::vec::Vec;
use core::mem::MaybeUninit;
use burn_backend::DType;
use burn_backend::ops::ConvOptions;
use burn_backend::ops::conv::calculate_conv_output_size;
use burn_std::Shape;

use crate::FlexTensor;
use crate::ops::scratch::{Scratch, filled_in_chunks};
use crate::ops::conv::{SMALL_CHANNEL_IN_THRESHOLD, SMALL_CHANNEL_OUT_THRESHOLD};
use crate::ops::conv_backward::{
    Elem, Geom, gemm_acc, gemm_parallelism, im2col, to_tensor, workers,
};

/// Whether [`conv2d`] computes this convolution: f32 or f64, ungrouped, symmetric padding (the
/// caller pads asymmetric input first), a kernel of more than one tap, not a small-channel one
/// of column stride 1.
/// Until stop 51 deep channels on narrow maps (`8 · W_out ≤ C_in`) stayed with burn-flex's NHWC
/// im2col, measured faster there at stop 33 (64 → 128 and 128 → 128 at 4²: this path 0.87× and
/// 0.81×). Re-measured at stop 52, this path is faster there now: "same" convolutions copy one
/// block per tap (`im2col_same`; `examples/compact_op_profile.rs`, batch 64, one thread,
/// inference: 64 → 64 at 8² 4.71 → 3.29 ms, 64 → 128 at 4² 2.69 → 1.79 ms, 128 → 128 at 4² 4.70
/// → 3.14 ms), and Table 4's AlexNet at 256², whose valid 3 × 3 convolutions on 13² maps with
/// 256–384 channels are not "same", stepped in 2,022 ms this way against 2,202 ms with them on
/// burn-flex's im2col (`classify bench-step --net alexnet --size 256`, one thread, three
/// alternating rounds; inference 674 against 719 ms).
pub fn applies(x: &FlexTensor, weight: &FlexTensor, options: &ConvOptions<2>) -> bool {
    let (xs, ws) = (x.layout().shape(), weight.layout().shape());
    if xs.num_dims() != 4 || ws.num_dims() != 4 {
        return false;
    }
    matches!(x.dtype(), DType::F32 | DType::F64)
        && weight.dtype() == x.dtype()
        && options.groups == 1
        && !options.is_asymmetric()
        && xs[1] == ws[1]
        && ws[2] * ws[3] > 1
        // burn-flex's small-channel kernel (`conv.rs`) keeps its cases of column stride 1 that
        // `conv_lanes.rs` does not take; with a column stride above 1 its inner loop reads the
        // input one strided value at a time (stop 53: AlexNet ⅛'s 11 × 11 stride-4 stem, 1 → 12
        // channels, was 44 % of a step), and the θ network's 3 → 16 stem at 64² took 9.63 ms
        // there against 2.45 ms in `conv_lanes.rs` (stop 54, `examples/conv_direct_profile.rs`,
        // one thread).
        && (!(xs[1] <= SMALL_CHANNEL_IN_THRESHOLD
            && ws[0] <= SMALL_CHANNEL_OUT_THRESHOLD
            && options.stride[1] == 1)
            || lanes_forward(x, xs, ws, options))
}

/// Whether `conv_lanes.rs` computes this f32 convolution's forward pass (stride and dilation 1,
/// the kernel inside the padded input).
fn lanes_forward(x: &FlexTensor, xs: &Shape, ws: &Shape, options: &ConvOptions<2>) -> bool {
    let pad = options.padding_begin();
    x.dtype() == DType::F32
        && options.stride == [1, 1]
        && options.dilation == [1, 1]
        && (0..2).all(|d| ws[2 + d] <= xs[2 + d] + 2 * pad[d])
        && crate::ops::conv_lanes::applies_forward(&geom(xs, ws, options))
}

/// The geometry of a symmetrically padded convolution of `x` (`xs`) with `weight` (`ws`).
fn geom(xs: &Shape, ws: &Shape, options: &ConvOptions<2>) -> Geom {
    let y_shape = Shape::from(vec![
        xs[0],
        ws[0],
        out_size(xs, ws, options, 0),
        out_size(xs, ws, options, 1),
    ]);
    Geom::new(xs, ws, &y_shape, options)
}

/// Output size along spatial axis `d` (0: height, 1: width) of a symmetrically padded
/// convolution.
fn out_size(xs: &Shape, ws: &Shape, options: &ConvOptions<2>, d: usize) -> usize {
    calculate_conv_output_size(
        ws[2 + d],
        options.stride[d],
        options.padding_begin()[d],
        options.dilation[d],
        xs[2 + d],
    )
}

/// `conv2d(x, weight) + bias` for a convolution [`applies`] accepts.
pub fn conv2d(
    x: FlexTensor,
    weight: FlexTensor,
    bias: Option<FlexTensor>,
    options: &ConvOptions<2>,
) -> FlexTensor {
    let (x, w) = (x.to_contiguous(), weight.to_contiguous());
    let bias = bias.map(|b| b.to_contiguous());
    let (xs, ws) = (x.layout().shape(), w.layout().shape());
    let g = geom(xs, ws, options);
    let y_shape = Shape::from(vec![xs[0], ws[0], g.oh, g.ow]);
    match x.dtype() {
        DType::F32 => to_tensor(
            forward_f32(
                x.storage(),
                w.storage(),
                bias.as_ref().map(|b| b.storage()),
                &g,
            ),
            y_shape,
            DType::F32,
        ),
        DType::F64 => to_tensor(
            forward::<f64>(
                x.storage(),
                w.storage(),
                bias.as_ref().map(|b| b.storage()),
                &g,
            ),
            y_shape,
            DType::F64,
        ),
        dtype => panic!("conv2d (im2col forward): unsupported dtype {dtype:?}"),
    }
}

/// [`forward`] in f32: directly (`conv_lanes.rs`) where that applies.
fn forward_f32(x: &[f32], w: &[f32], bias: Option<&[f32]>, g: &Geom) -> Vec<f32> {
    if crate::ops::conv_lanes::applies_forward(g) {
        return crate::ops::conv_lanes::forward(x, w, bias, g);
    }
    forward(x, w, bias, g)
}

fn forward<T: Elem>(x: &[T], w: &[T], bias: Option<&[T]>, g: &Geom) -> Vec<T> {
    let sample = g.co * g.p;
    if sample == 0 || g.n == 0 {
        return vec![T::zero(); g.n * sample];
    }
    let nb = g.chunk(workers());
    let chunks = g.n.div_ceil(nb);
    // Each chunk writes all its samples, channels and pixels (no zero fill of `y` first).
    filled_in_chunks(g.n * sample, nb * sample, |c, yc: &mut [MaybeUninit<T>]| {
        let (n0, nbj) = (c * nb, yc.len() / sample);
        let l = nbj * g.p;
        // `cols` written in full by im2col, `r` by the gemm (it does not read its output).
        let mut cols = Scratch::<T>::take(g.k * l);
        let mut r = Scratch::<T>::take(g.co * l);
        im2col(x, g, 0, n0, nbj, &mut cols);
        // r [co, l] = w [co, k] · cols [k, l]
        unsafe {
            gemm_acc(
                g.co,
                l,
                g.k,
                r.as_mut_ptr(),
                1,
                l as isize,
                false,
                w.as_ptr(),
                1,
                g.k as isize,
                cols.as_ptr(),
                1,
                l as isize,
                gemm_parallelism(chunks, g.co, l, g.k),
            );
        }
        for co in 0..g.co {
            let b = bias.map(|b| b[co]);
            for j in 0..nbj {
                let src = &r[co * l + j * g.p..][..g.p];
                let dst = &mut yc[(j * g.co + co) * g.p..][..g.p];
                match b {
                    Some(b) => dst.iter_mut().zip(src).for_each(|(d, &v)| {
                        let mut v = v;
                        v += b;
                        d.write(v);
                    }),
                    None => dst.iter_mut().zip(src).for_each(|(d, &v)| {
                        d.write(v);
                    }),
                }
            }
        }
    })
}
