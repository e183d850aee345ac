//! galaxy-lab patch: the two gradients of a 2-D convolution as im2col + gemm.
//!
//! burn's default `conv2d_weight_backward` computes the weight gradient as another convolution
//! whose kernel is the output gradient (a kernel the size of the feature map), and
//! `conv2d_x_backward` as a transposed convolution. Both are correct and both are slow on this
//! backend for the small images of galaxy-lab's networks. Here, for a chunk of `nb` samples and
//! one group, with `K = C_in/groups · k_h · k_w` and `L = nb · H_out · W_out`:
//!
//! * `cols [K, L]`: the im2col of the input (zero where the window leaves the padded input);
//! * `dy [C_out/groups, L]`: the output gradient of the chunk, packed;
//! * weight gradient: `dW += dy · colsᵀ`, one gemm per chunk, chunks in parallel, summed;
//! * input gradient: `D = Wᵀ · dy` (`[K, L]`), then col2im adds every column back where im2col
//!   read it; chunks in parallel (they write disjoint samples).
//!
//! Any stride, padding (also asymmetric: only the leading padding places the window), dilation
//! and number of groups. f32 and f64 natively; f16 and bf16 through f32.
//!
//! [`set_generic`] (or `BURN_FLEX_GENERIC_CONV_BACKWARD=1` in the environment) switches back to
//! burn's generic formulation (ungrouped convolutions with symmetric padding), so that one
//! benchmark process can time both.

use alloc::vec;
use alloc::vec::Vec;
use core::mem::MaybeUninit;
use burn_backend::DType;
use burn_backend::ops::ConvOptions;
use burn_std::{Bytes, Shape, bf16, f16};

use crate::Flex;
use crate::ops::matmul::GemmScalar;
use crate::ops::scratch::{Scratch, ScratchElem, filled_in_chunks, zeroed};
use crate::ops::module::{cast_from_f32, cast_to_f32};
use crate::{FlexTensor, Layout};

/// The sizes of one convolution.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Geom {
    pub(crate) n: usize,
    pub(crate) ci: usize,
    pub(crate) h: usize,
    pub(crate) w: usize,
    pub(crate) co: usize,
    pub(crate) kh: usize,
    pub(crate) kw: usize,
    pub(crate) oh: usize,
    pub(crate) ow: usize,
    pub(crate) stride: [usize; 2],
    pub(crate) pad: [usize; 2],
    pub(crate) dil: [usize; 2],
    pub(crate) groups: usize,
    /// Input channels per group.
    pub(crate) cig: usize,
    /// Output channels per group.
    pub(crate) cog: usize,
    /// Rows of the column matrix: cig · kh · kw.
    pub(crate) k: usize,
    /// Output pixels per sample.
    pub(crate) p: usize,
}

impl Geom {
    pub(crate) fn new(x: &Shape, w: &Shape, dy: &Shape, options: &ConvOptions<2>) -> Self {
        assert_eq!(x.num_dims(), 4, "conv2d backward: input must be 4-D");
        assert_eq!(w.num_dims(), 4, "conv2d backward: weight must be 4-D");
        assert_eq!(
            dy.num_dims(),
            4,
            "conv2d backward: output gradient must be 4-D"
        );
        let groups = options.groups;
        let (co, cig, kh, kw) = (w[0], w[1], w[2], w[3]);
        assert_eq!(
            x[1],
            cig * groups,
            "conv2d backward: channels and groups disagree"
        );
        assert_eq!(dy[0], x[0], "conv2d backward: batch sizes disagree");
        assert_eq!(dy[1], co, "conv2d backward: output channels disagree");
        assert_eq!(
            co % groups,
            0,
            "conv2d backward: groups must divide output channels"
        );
        let k = cig
            .checked_mul(kh)
            .and_then(|v| v.checked_mul(kw))
            .expect("conv2d backward: kernel too large");
        Geom {
            n: x[0],
            ci: x[1],
            h: x[2],
            w: x[3],
            co,
            kh,
            kw,
            oh: dy[2],
            ow: dy[3],
            stride: options.stride,
            pad: options.padding_begin(),
            dil: options.dilation,
            groups,
            cig,
            cog: co / groups,
            k,
            p: dy[2] * dy[3],
        }
    }

    /// Output columns `ow` whose input column `ow·s + off − pad` lies in `[0, w)`: `lo..hi`.
    fn valid_cols(&self, kx: usize) -> (usize, usize) {
        let (s, pad, off) = (self.stride[1], self.pad[1], kx * self.dil[1]);
        let lo = if off >= pad {
            0
        } else {
            (pad - off).div_ceil(s)
        };
        let hi = if self.w + pad > off {
            ((self.w + pad - off - 1) / s + 1).min(self.ow)
        } else {
            0
        };
        (lo.min(hi), hi)
    }

    /// The input row of output row `oy` and kernel row `ky`, if inside the input.
    fn input_row(&self, oy: usize, ky: usize) -> Option<usize> {
        let r = (oy * self.stride[0] + ky * self.dil[0]) as isize - self.pad[0] as isize;
        (r >= 0 && (r as usize) < self.h).then_some(r as usize)
    }

    /// Samples per chunk: enough chunks for every worker, column buffers near 512 K elements
    /// (2 MB of f32: they stay in cache while the gemm reads them).
    pub(crate) fn chunk(&self, workers: usize) -> usize {
        self.chunk_of(self.k * self.p, workers)
    }

    /// Samples per chunk when each sample needs `per_sample` buffer elements: enough chunks for
    /// every worker, a chunk's buffers near 512 K elements.
    pub(crate) fn chunk_of(&self, per_sample: usize, workers: usize) -> usize {
        let by_memory = (512 << 10) / per_sample.max(1);
        by_memory.clamp(1, self.n.div_ceil(workers.max(1)).max(1))
    }
}

/// Element types computed natively.
pub(crate) trait Elem:
    GemmScalar + ScratchElem + Copy + Send + Sync + core::ops::AddAssign
{
}
impl Elem for f32 {}
impl Elem for f64 {}

pub(crate) fn workers() -> usize {
    #[cfg(feature = "rayon")]
    {
        rayon::current_num_threads()
    }
    #[cfg(not(feature = "rayon"))]
    {
        1
    }
}

/// Where one kernel tap reads a "same" convolution's input (stride 1, column dilation 1, as many
/// output columns as input columns): output rows `oy0..oy1` read input rows at consecutive
/// offsets, so output pixel `t` (flat, in those rows) reads input pixel `t + shift`; output
/// columns outside `lo..hi` fall outside the input row.
struct SameTap {
    oy0: usize,
    oy1: usize,
    shift: isize,
    lo: usize,
    hi: usize,
}

impl Geom {
    /// Rows of the output and the input are both `w` long and consecutive output rows read
    /// consecutive input rows: one tap's valid block is one contiguous shifted copy.
    fn is_same_stride1(&self) -> bool {
        self.stride == [1, 1] && self.dil[1] == 1 && self.ow == self.w
    }

    fn same_tap(&self, ky: usize, kx: usize) -> SameTap {
        let dy = (ky * self.dil[0]) as isize - self.pad[0] as isize;
        let oy0 = (-dy).clamp(0, self.oh as isize) as usize;
        let oy1 = (self.h as isize - dy).clamp(oy0 as isize, self.oh as isize) as usize;
        let (lo, hi) = self.valid_cols(kx);
        let shift = dy * self.w as isize + kx as isize - self.pad[1] as isize;
        SameTap {
            oy0,
            oy1,
            shift,
            lo,
            hi,
        }
    }
}

/// Zeroes `row[a..b]` (one element without a call: the edges of 3 × 3 taps are one wide).
#[inline]
fn zero_span<T: Elem>(row: &mut [T], a: usize, b: usize) {
    if b == a + 1 {
        row[a] = T::zero();
    } else if b > a {
        row[a..b].fill(T::zero());
    }
}

/// The range of output pixels `t` in `t0..t1` whose input pixel `t + shift` lies in the plane
/// (empty, `a == b`, when none does).
fn clip_shifted(t0: usize, t1: usize, shift: isize, plane: usize) -> (usize, usize) {
    let a = (t0 as isize).max(-shift).max(0).min(t1 as isize) as usize;
    let b = ((t1 as isize).min(plane as isize - shift).max(a as isize)) as usize;
    (a, b)
}

/// [`im2col`] for [`Geom::is_same_stride1`]: per tap and sample one contiguous copy of the
/// valid rows, then the edge columns zeroed, instead of one copy and two fills per row.
fn im2col_same<T: Elem>(x: &[T], g: &Geom, grp: usize, n0: usize, nb: usize, cols: &mut [T]) {
    let l = nb * g.p;
    let (plane, w) = (g.h * g.w, g.w);
    for c in 0..g.cig {
        let cin = grp * g.cig + c;
        for ky in 0..g.kh {
            for kx in 0..g.kw {
                let kidx = (c * g.kh + ky) * g.kw + kx;
                let tap = g.same_tap(ky, kx);
                for j in 0..nb {
                    let xs = &x[((n0 + j) * g.ci + cin) * plane..][..plane];
                    let dst = &mut cols[kidx * l + j * g.p..][..g.p];
                    dst[..tap.oy0 * w].fill(T::zero());
                    dst[tap.oy1 * w..].fill(T::zero());
                    let (a, b) = clip_shifted(tap.oy0 * w, tap.oy1 * w, tap.shift, plane);
                    if b > a {
                        let s0 = (a as isize + tap.shift) as usize;
                        dst[a..b].copy_from_slice(&xs[s0..s0 + (b - a)]);
                    }
                    for oy in tap.oy0..tap.oy1 {
                        let row = &mut dst[oy * w..(oy + 1) * w];
                        zero_span(row, 0, tap.lo);
                        zero_span(row, tap.hi, w);
                    }
                }
            }
        }
    }
}

/// [`col2im_add`] for [`Geom::is_same_stride1`]: the edge columns of `cols` (whose inputs lie
/// outside the row) are zeroed first, then each tap's valid rows are added in one contiguous
/// shifted sweep. Every input pixel receives the same terms in the same order as by rows.
fn col2im_add_same<T: Elem>(cols: &mut [T], g: &Geom, grp: usize, nb: usize, dx: &mut [T]) {
    let l = nb * g.p;
    let (plane, w) = (g.h * g.w, g.w);
    for c in 0..g.cig {
        let cin = grp * g.cig + c;
        for ky in 0..g.kh {
            for kx in 0..g.kw {
                let kidx = (c * g.kh + ky) * g.kw + kx;
                let tap = g.same_tap(ky, kx);
                for j in 0..nb {
                    let src = &mut cols[kidx * l + j * g.p..][..g.p];
                    for oy in tap.oy0..tap.oy1 {
                        let row = &mut src[oy * w..(oy + 1) * w];
                        zero_span(row, 0, tap.lo);
                        zero_span(row, tap.hi, w);
                    }
                    let xs = &mut dx[(j * g.ci + cin) * plane..][..plane];
                    let (a, b) = clip_shifted(tap.oy0 * w, tap.oy1 * w, tap.shift, plane);
                    if b > a {
                        let s0 = (a as isize + tap.shift) as usize;
                        for (d, &v) in xs[s0..s0 + (b - a)].iter_mut().zip(&src[a..b]) {
                            *d += v;
                        }
                    }
                }
            }
        }
    }
}

/// `cols[kidx · L + j · p + q]` = the input under kernel tap `kidx` for output pixel `q` of sample
/// `n0 + j`, group `grp` (zero outside the input).
pub(crate) fn im2col<T: Elem>(x: &[T], g: &Geom, grp: usize, n0: usize, nb: usize, cols: &mut [T]) {
    if g.is_same_stride1() {
        return im2col_same(x, g, grp, n0, nb, cols);
    }
    if g.stride[1] > 1 && g.dil[1] == 1 {
        return im2col_column_strided(x, g, grp, n0, nb, cols);
    }
    let l = nb * g.p;
    let plane = g.h * g.w;
    for c in 0..g.cig {
        let cin = grp * g.cig + c;
        for ky in 0..g.kh {
            for kx in 0..g.kw {
                let kidx = (c * g.kh + ky) * g.kw + kx;
                let row = &mut cols[kidx * l..(kidx + 1) * l];
                let (lo, hi) = g.valid_cols(kx);
                let off = kx * g.dil[1];
                for j in 0..nb {
                    let xs = &x[((n0 + j) * g.ci + cin) * plane..][..plane];
                    for oy in 0..g.oh {
                        let dst = &mut row[j * g.p + oy * g.ow..][..g.ow];
                        let Some(iy) = g.input_row(oy, ky) else {
                            dst.fill(T::zero());
                            continue;
                        };
                        let src = &xs[iy * g.w..][..g.w];
                        dst[..lo].fill(T::zero());
                        dst[hi..].fill(T::zero());
                        if g.stride[1] == 1 {
                            // No valid column (a kernel wider than the padded row): `lo + off`
                            // may then be below the padding, so nothing is computed from it.
                            if hi > lo {
                                let s0 = lo + off - g.pad[1];
                                dst[lo..hi].copy_from_slice(&src[s0..s0 + (hi - lo)]);
                            }
                        } else {
                            for (ox, d) in dst.iter_mut().enumerate().take(hi).skip(lo) {
                                *d = src[ox * g.stride[1] + off - g.pad[1]];
                            }
                        }
                    }
                }
            }
        }
    }
}

/// [`im2col`] for a column stride `s > 1` without column dilation (the compact network's 5 × 5
/// stride-2 stem, AlexNet's 11 × 11 stride 4): each input plane is split once into its `s`
/// column phases (phase `p` holds columns `p, p + s, p + 2s, …` of every row), where the
/// columns one tap reads for one output row are a contiguous run, copied in one block instead
/// of gathered one element at a time (one gather per output element and tap before; one
/// scatter per input element now). Measured (stop 52, one thread): the compact stem's forward
/// 4.85–5.08 → 4.03–4.33 ms, forward + weight gradient 15.2–16.1 → 13.8–14.4 ms
/// (`compact_op_profile`, three alternating rounds); compact step 153.9 → 149.9 ms (medians of
/// eight alternating rounds of `bench-step` in a noisy hour).
fn im2col_column_strided<T: Elem>(
    x: &[T],
    g: &Geom,
    grp: usize,
    n0: usize,
    nb: usize,
    cols: &mut [T],
) {
    let l = nb * g.p;
    let plane = g.h * g.w;
    let s = g.stride[1];
    let pw = g.w.div_ceil(s);
    // [phase][input row][t]: written for every input column before any is read.
    let mut phases = Scratch::<T>::take(s * g.h * pw);
    for c in 0..g.cig {
        let cin = grp * g.cig + c;
        for j in 0..nb {
            let xs = &x[((n0 + j) * g.ci + cin) * plane..][..plane];
            for iy in 0..g.h {
                for (ix, &v) in xs[iy * g.w..][..g.w].iter().enumerate() {
                    phases[((ix % s) * g.h + iy) * pw + ix / s] = v;
                }
            }
            for ky in 0..g.kh {
                for kx in 0..g.kw {
                    let kidx = (c * g.kh + ky) * g.kw + kx;
                    let (lo, hi) = g.valid_cols(kx);
                    // Output column ox reads input column ox · s + e: phase e mod s, position
                    // ox + (e − phase) / s in it.
                    let e = kx as isize - g.pad[1] as isize;
                    let ph = e.rem_euclid(s as isize) as usize;
                    let dt = (e - ph as isize) / s as isize;
                    for oy in 0..g.oh {
                        let dst = &mut cols[kidx * l + j * g.p + oy * g.ow..][..g.ow];
                        let Some(iy) = g.input_row(oy, ky) else {
                            dst.fill(T::zero());
                            continue;
                        };
                        dst[..lo].fill(T::zero());
                        dst[hi..].fill(T::zero());
                        if hi > lo {
                            let t0 = (lo as isize + dt) as usize;
                            let src = &phases[(ph * g.h + iy) * pw + t0..][..hi - lo];
                            dst[lo..hi].copy_from_slice(src);
                        }
                    }
                }
            }
        }
    }
}

/// The inverse scatter of [`im2col`]: adds `cols` back into `dx` (the chunk's samples only,
/// `dx` starting at sample `n0`). `cols` is scratch: the "same" path zeroes its edge columns.
fn col2im_add<T: Elem>(cols: &mut [T], g: &Geom, grp: usize, nb: usize, dx: &mut [T]) {
    if g.is_same_stride1() {
        return col2im_add_same(cols, g, grp, nb, dx);
    }
    let l = nb * g.p;
    let plane = g.h * g.w;
    for c in 0..g.cig {
        let cin = grp * g.cig + c;
        for ky in 0..g.kh {
            for kx in 0..g.kw {
                let kidx = (c * g.kh + ky) * g.kw + kx;
                let row = &cols[kidx * l..(kidx + 1) * l];
                let (lo, hi) = g.valid_cols(kx);
                let off = kx * g.dil[1];
                for j in 0..nb {
                    let xs = &mut dx[(j * g.ci + cin) * plane..][..plane];
                    for oy in 0..g.oh {
                        let Some(iy) = g.input_row(oy, ky) else {
                            continue;
                        };
                        let src = &row[j * g.p + oy * g.ow..][..g.ow];
                        let dst = &mut xs[iy * g.w..][..g.w];
                        if g.stride[1] == 1 {
                            if hi > lo {
                                let s0 = lo + off - g.pad[1];
                                for (d, &v) in dst[s0..s0 + (hi - lo)].iter_mut().zip(&src[lo..hi])
                                {
                                    *d += v;
                                }
                            }
                        } else {
                            for (ox, &v) in src.iter().enumerate().take(hi).skip(lo) {
                                dst[ox * g.stride[1] + off - g.pad[1]] += v;
                            }
                        }
                    }
                }
            }
        }
    }
}

/// `yp[co · L + j · p + q]` = the output gradient of sample `n0 + j`, channel `grp · cog + co`.
fn pack_dy<T: Elem>(dy: &[T], g: &Geom, grp: usize, n0: usize, nb: usize, yp: &mut [T]) {
    let l = nb * g.p;
    for co in 0..g.cog {
        for j in 0..nb {
            let src = &dy[((n0 + j) * g.co + grp * g.cog + co) * g.p..][..g.p];
            yp[co * l + j * g.p..][..g.p].copy_from_slice(src);
        }
    }
}

/// `dst = alpha · dst + lhs · rhs` (`read_dst`) or `lhs · rhs`, with element strides.
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn gemm_acc<T: Elem>(
    m: usize,
    n: usize,
    k: usize,
    dst: *mut T,
    dst_cs: isize,
    dst_rs: isize,
    read_dst: bool,
    lhs: *const T,
    lhs_cs: isize,
    lhs_rs: isize,
    rhs: *const T,
    rhs_cs: isize,
    rhs_rs: isize,
    par: gemm::Parallelism,
) {
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst,
            dst_cs,
            dst_rs,
            read_dst,
            lhs,
            lhs_cs,
            lhs_rs,
            rhs,
            rhs_cs,
            rhs_rs,
            T::one(),
            T::one(),
            false,
            false,
            false,
            par,
        );
    }
}

pub(crate) fn gemm_parallelism(chunks: usize, m: usize, n: usize, k: usize) -> gemm::Parallelism {
    #[cfg(feature = "rayon")]
    if chunks == 1 && m.saturating_mul(n).saturating_mul(k) >= 192 * 192 * 192 {
        return gemm::Parallelism::Rayon(0);
    }
    let _ = (chunks, m, n, k);
    gemm::Parallelism::None
}

/// Whether [`weight_grad_chunk`] stores each group's `[cog, k]` block column-major.
///
/// The gemm crate computes a row-major destination as its transpose, which makes `cols`
/// (`[k, l]`) its left-hand side with rows `l` apart, packed one scalar at a time (8 % of a
/// compact training step); with a column-major destination the left-hand side is `yp` (`[cog,
/// l]`) instead and `cols` is read as it lies. So: column-major when `yp` is the smaller of the
/// two (every 3 × 3 layer: `k = 9 · cig`), row-major otherwise (a stem with one input channel:
/// `k = 25 < cog = 32`).
fn column_major_weight_grad(g: &Geom) -> bool {
    g.cog < g.k
}

/// The weight gradient of one chunk of samples, each group's `[cog, k]` block row-major or,
/// where [`column_major_weight_grad`], column-major (`k` columns of `cog` values;
/// [`weight_grad`] transposes the sum once).
fn weight_grad_chunk<T: Elem>(
    x: &[T],
    dy: &[T],
    g: &Geom,
    n0: usize,
    nb: usize,
    chunks: usize,
) -> Vec<T> {
    let l = nb * g.p;
    let mut acc = vec![T::zero(); g.co * g.k];
    // Both written in full (im2col, pack_dy) before the gemm reads them.
    let mut cols = Scratch::<T>::take(g.k * l);
    let mut yp = Scratch::<T>::take(g.cog * l);
    let par = gemm_parallelism(chunks, g.cog, g.k, l);
    // Element (co, kk) of a block at `co · rs + kk · cs`.
    let (rs, cs) = if column_major_weight_grad(g) {
        (1, g.cog as isize)
    } else {
        (g.k as isize, 1)
    };
    for grp in 0..g.groups {
        im2col(x, g, grp, n0, nb, &mut cols);
        pack_dy(dy, g, grp, n0, nb, &mut yp);
        // acc[grp] [cog, k] += yp [cog, l] · colsᵀ [l, k]
        unsafe {
            gemm_acc(
                g.cog,
                g.k,
                l,
                acc.as_mut_ptr().add(grp * g.cog * g.k),
                cs,
                rs,
                true,
                yp.as_ptr(),
                1,
                l as isize,
                cols.as_ptr(),
                l as isize,
                1,
                par,
            );
        }
    }
    acc
}

/// The weight gradient `[co, cig, kh, kw]`: the chunks' partials summed, each group's block
/// transposed to row-major if it was computed column-major.
fn weight_grad<T: Elem>(x: &[T], dy: &[T], g: &Geom) -> Vec<T> {
    let nb = g.chunk(workers());
    let chunks = g.n.div_ceil(nb);
    let sum = sum_over_chunks(g.n, nb, g.co * g.k, |n0, nbj| {
        weight_grad_chunk(x, dy, g, n0, nbj, chunks)
    });
    if !column_major_weight_grad(g) {
        return sum;
    }
    let mut out = vec![T::zero(); g.co * g.k];
    for grp in 0..g.groups {
        let block = grp * g.cog * g.k;
        for kk in 0..g.k {
            for co in 0..g.cog {
                out[block + co * g.k + kk] = sum[block + kk * g.cog + co];
            }
        }
    }
    out
}

/// `Σ part(n0, nb_j)` over the chunks `n0 = 0, nb, 2 · nb, …` of `n` samples (`nb_j` samples
/// each, the last one fewer), computed in parallel and added in chunk order; `len` zeros for no
/// chunk. The weight gradients' partials (`weight_grad` here, `conv_weight_direct.rs`).
pub(crate) fn sum_over_chunks<T: Elem>(
    n: usize,
    nb: usize,
    len: usize,
    part: impl Fn(usize, usize) -> Vec<T> + Send + Sync,
) -> Vec<T> {
    let starts: Vec<usize> = (0..n).step_by(nb.max(1)).collect();
    let one = |&n0: &usize| part(n0, nb.min(n - n0));
    #[cfg(feature = "rayon")]
    let parts: Vec<Vec<T>> = {
        use rayon::prelude::*;
        starts.par_iter().map(one).collect()
    };
    #[cfg(not(feature = "rayon"))]
    let parts: Vec<Vec<T>> = starts.iter().map(one).collect();
    let mut parts = parts.into_iter();
    let mut sum = parts.next().unwrap_or_else(|| vec![T::zero(); len]);
    for p in parts {
        for (s, v) in sum.iter_mut().zip(p) {
            *s += v;
        }
    }
    sum
}

/// [`weight_grad`] in f32: directly (`conv_weight_direct.rs`) where that applies.
fn weight_grad_f32(x: &[f32], dy: &[f32], g: &Geom) -> Vec<f32> {
    if crate::ops::conv_weight_direct::applies(g) {
        return crate::ops::conv_weight_direct::weight_grad(x, dy, g);
    }
    weight_grad(x, dy, g)
}

/// [`input_grad`] in f32: directly (`conv_lanes.rs`) where that applies.
fn input_grad_f32(w: &[f32], dy: &[f32], g: &Geom) -> Vec<f32> {
    if crate::ops::conv_lanes::applies_input_grad(g) {
        return crate::ops::conv_lanes::input_grad(w, dy, g);
    }
    input_grad(w, dy, g)
}

fn input_grad<T: Elem>(w: &[T], dy: &[T], g: &Geom) -> Vec<T> {
    let sample = g.ci * g.h * g.w;
    if sample == 0 || g.n == 0 || g.cog == 0 {
        return vec![T::zero(); g.n * sample];
    }
    let nb = g.chunk(workers());
    let chunks = g.n.div_ceil(nb);
    // Each chunk of `dx` is zeroed just before col2im adds into it, inside the parallel loop,
    // instead of by one serial memset of the whole gradient.
    filled_in_chunks(
        g.n * sample,
        nb * sample,
        |c, part: &mut [MaybeUninit<T>]| {
            let dxc = zeroed(part);
            let (n0, nbj) = (c * nb, dxc.len() / sample);
            let l = nbj * g.p;
            // `yp` written in full by pack_dy, `d` by the gemm (it does not read its output).
            let mut d = Scratch::<T>::take(g.k * l);
            let mut yp = Scratch::<T>::take(g.cog * l);
            let par = gemm_parallelism(chunks, g.k, l, g.cog);
            for grp in 0..g.groups {
                pack_dy(dy, g, grp, n0, nbj, &mut yp);
                // d [k, l] = w[grp]ᵀ [k, cog] · yp [cog, l]
                unsafe {
                    gemm_acc(
                        g.k,
                        l,
                        g.cog,
                        d.as_mut_ptr(),
                        1,
                        l as isize,
                        false,
                        w.as_ptr().add(grp * g.cog * g.k),
                        g.k as isize,
                        1,
                        yp.as_ptr(),
                        1,
                        l as isize,
                        par,
                    );
                }
                col2im_add(&mut d, g, grp, nbj, dxc);
            }
        },
    )
}

pub(crate) fn to_tensor<T: Elem>(data: Vec<T>, shape: Shape, dtype: DType) -> FlexTensor {
    FlexTensor::new(Bytes::from_elems(data), Layout::contiguous(shape), dtype)
}

/// The gradient of `conv2d(x, weight)` with respect to `weight`, given the output gradient.
pub fn conv2d_weight_backward(
    x: FlexTensor,
    weight: FlexTensor,
    output_grad: FlexTensor,
    options: &ConvOptions<2>,
) -> FlexTensor {
    let (x, dy) = (x.to_contiguous(), output_grad.to_contiguous());
    let w_shape = weight.layout().shape().clone();
    let g = Geom::new(x.layout().shape(), &w_shape, dy.layout().shape(), options);
    match x.dtype() {
        DType::F32 => to_tensor(
            weight_grad_f32(x.storage(), dy.storage(), &g),
            w_shape,
            DType::F32,
        ),
        DType::F64 => to_tensor(
            weight_grad::<f64>(x.storage(), dy.storage(), &g),
            w_shape,
            DType::F64,
        ),
        DType::F16 => {
            let (x, dy) = (cast_to_f32(x, f16::to_f32), cast_to_f32(dy, f16::to_f32));
            let dw = to_tensor(
                weight_grad_f32(x.storage(), dy.storage(), &g),
                w_shape,
                DType::F32,
            );
            cast_from_f32(dw, f16::from_f32)
        }
        DType::BF16 => {
            let (x, dy) = (cast_to_f32(x, bf16::to_f32), cast_to_f32(dy, bf16::to_f32));
            let dw = to_tensor(
                weight_grad_f32(x.storage(), dy.storage(), &g),
                w_shape,
                DType::F32,
            );
            cast_from_f32(dw, bf16::from_f32)
        }
        dtype => panic!("conv2d_weight_backward: unsupported dtype {dtype:?}"),
    }
}

/// The gradient of `conv2d(x, weight)` with respect to `x`, given the output gradient.
pub fn conv2d_x_backward(
    x: FlexTensor,
    weight: FlexTensor,
    output_grad: FlexTensor,
    options: &ConvOptions<2>,
) -> FlexTensor {
    let (w, dy) = (weight.to_contiguous(), output_grad.to_contiguous());
    let x_shape = x.layout().shape().clone();
    let g = Geom::new(&x_shape, w.layout().shape(), dy.layout().shape(), options);
    match w.dtype() {
        DType::F32 => to_tensor(
            input_grad_f32(w.storage(), dy.storage(), &g),
            x_shape,
            DType::F32,
        ),
        DType::F64 => to_tensor(
            input_grad::<f64>(w.storage(), dy.storage(), &g),
            x_shape,
            DType::F64,
        ),
        DType::F16 => {
            let (w, dy) = (cast_to_f32(w, f16::to_f32), cast_to_f32(dy, f16::to_f32));
            let dx = to_tensor(
                input_grad_f32(w.storage(), dy.storage(), &g),
                x_shape,
                DType::F32,
            );
            cast_from_f32(dx, f16::from_f32)
        }
        DType::BF16 => {
            let (w, dy) = (cast_to_f32(w, bf16::to_f32), cast_to_f32(dy, bf16::to_f32));
            let dx = to_tensor(
                input_grad_f32(w.storage(), dy.storage(), &g),
                x_shape,
                DType::F32,
            );
            cast_from_f32(dx, bf16::from_f32)
        }
        dtype => panic!("conv2d_x_backward: unsupported dtype {dtype:?}"),
    }
}

/// 0: not decided yet (read the environment), 1: im2col + gemm, 2: burn's generic formulation.
#[cfg(feature = "std")]
static MODE: core::sync::atomic::AtomicU8 = core::sync::atomic::AtomicU8::new(0);

/// Compute the forward pass and input gradient of f32 stride-1 convolutions and the weight
/// gradient of ungrouped undilated ones directly (`conv_lanes.rs`, `conv_weight_direct.rs`:
/// `true`, the default where the CPU has AVX-512F and `BURN_FLEX_NO_DIRECT_CONV` is unset) or
/// through im2col + gemm (`false`), from now on in this
/// process, so that one test or benchmark process can check or time both. Returns whether the
/// direct path is now on (never on a CPU without AVX-512F).
pub fn set_direct(enabled: bool) -> bool {
    crate::ops::conv_direct::set_enabled(enabled);
    crate::ops::conv_direct::enabled()
}

/// Use burn's generic formulation (`true`) or im2col + gemm (`false`, the default) for the
/// gradients of ungrouped, symmetrically padded convolutions, from now on in this process.
pub fn set_generic(generic: bool) {
    #[cfg(feature = "std")]
    MODE.store(
        if generic { 2 } else { 1 },
        core::sync::atomic::Ordering::Relaxed,
    );
    #[cfg(not(feature = "std"))]
    let _ = generic;
}

/// Whether the generic formulation is selected ([`set_generic`], else the environment).
pub fn generic_selected() -> bool {
    #[cfg(feature = "std")]
    {
        use core::sync::atomic::Ordering;
        let mut m = MODE.load(Ordering::Relaxed);
        if m == 0 {
            let env = std::env::var_os("BURN_FLEX_GENERIC_CONV_BACKWARD").is_some_and(|v| v == "1");
            m = if env { 2 } else { 1 };
            MODE.store(m, Ordering::Relaxed);
        }
        m == 2
    }
    #[cfg(not(feature = "std"))]
    {
        false
    }
}

/// burn's generic weight gradient (`burn-backend`'s `conv2d_weight_grad_no_groups`): a
/// convolution of the input with the output gradient as kernel. None where it does not apply
/// (groups, asymmetric padding).
pub(crate) fn generic_weight_backward(
    x: &FlexTensor,
    weight: &FlexTensor,
    output_grad: &FlexTensor,
    options: &ConvOptions<2>,
) -> Option<FlexTensor> {
    use burn_backend::ops::{FloatTensorOps, ModuleOps};
    if options.groups != 1 || options.is_asymmetric() {
        return None;
    }
    let w_shape = weight.layout().shape().clone();
    let xs = Flex::float_swap_dims(x.clone(), 0, 1);
    let dys = Flex::float_swap_dims(output_grad.clone(), 0, 1);
    let opts = ConvOptions::new(options.dilation, options.padding_begin(), options.stride, 1);
    let g = Flex::float_swap_dims(Flex::conv2d(xs, dys, None, opts), 0, 1);
    if *g.layout().shape() == w_shape {
        return Some(g);
    }
    let ranges: Vec<burn_std::Slice> = (0..4)
        .map(|d| burn_std::Slice::from(0..w_shape[d]))
        .collect();
    Some(Flex::float_slice(g, &ranges))
}

/// burn's generic input gradient: a transposed convolution of the output gradient. None for
/// asymmetric padding.
pub(crate) fn generic_x_backward(
    x: &FlexTensor,
    weight: &FlexTensor,
    output_grad: &FlexTensor,
    options: &ConvOptions<2>,
) -> Option<FlexTensor> {
    use burn_backend::ops::ModuleOps;
    use burn_backend::ops::conv::calculate_padding_out;
    if options.is_asymmetric() {
        return None;
    }
    let (xs, ws, ys) = (
        x.layout().shape(),
        weight.layout().shape(),
        output_grad.layout().shape(),
    );
    let pad = options.padding_begin();
    let out = |d: usize| {
        calculate_padding_out(
            ws[2 + d],
            options.stride[d],
            pad[d],
            options.dilation[d],
            xs[2 + d],
            ys[2 + d],
        )
    };
    Some(Flex::conv_transpose2d(
        output_grad.clone(),
        weight.clone(),
        None,
        burn_backend::ops::ConvTransposeOptions::new(
            options.stride,
            pad,
            [out(0), out(1)],
            options.dilation,
            options.groups,
        ),
    ))
}
