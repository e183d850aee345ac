//! galaxy-lab patch: stride-1 f32 convolutions (forward pass and input gradient) computed
//! directly with AVX-512, output channels in vector lanes.
//!
//! `out[n, m, oy, ox] = Σ_{c, ky, kx} a[m, c, ky, kx] · in[n, c, oy + ky − pt, ox + kx − pl]`.
//! The input of a chunk of samples is laid on zero-bordered planes (input row 0 at plane row
//! `pt`, column 0 at `pl`), so tap `(ky, kx)` of output pixel `(oy, ox)` reads the plane at `(oy +
//! ky) · W' + ox + kx`, inside it for every pixel and tap. The weights are packed as `[c · kh ·
//! kw, M']` (`M'` the outputs padded to whole tiles). A register tile holds `RY` output rows ×
//! `PX` output columns × `CV` vectors of 16 output channels (16–24 accumulators) and, per input
//! channel and tap, loads `CV` weight vectors, broadcasts `RY · PX` input values and does `CV · RY
//! · PX` FMAs. Unlike the kernel this replaced (output pixels in lanes, on a grid that computed and
//! dropped the padding positions: 13 % more work at 16², 27 % at 8², 56 % at 4²) no work falls on
//! padding and no weight load straddles cache lines (the packed weights start on a 64-byte
//! boundary: the tile alone ran at 140 GFLOP/s with them unaligned, 162 aligned); the tiles write `[pixel, M']`, transposed to
//! `[m, pixel]` per sample at the end (16 × 16 blocks in registers). Input channels are taken in
//! blocks whose packed weights (~20 KB) stay in L1 while every pixel tile of a chunk reads them.
//!
//! The input gradient of a stride-1 convolution is such a convolution of the output gradient:
//! `a[ci, co, ky, kx] = w[co, ci, kh − 1 − ky, kw − 1 − kx]`, leading padding `k − 1 − pad`.
//!
//! Used where [`applies_forward`] / [`applies_input_grad`]: AVX-512F on this CPU (the switch of
//! `conv_direct.rs`: `BURN_FLEX_NO_DIRECT_CONV` or `set_direct(false)` turn this off), f32,
//! ungrouped, stride and dilation 1, outputs that fill the lanes and products short enough
//! ([`worth_it`]); burn-flex's small-channel forward (`C_in ≤ 4`, `C_out ≤ 16`) gives way to it
//! (the θ network's 3 → 16 stem at 64²: 9.63 ms there, 2.45 ms here; stop 54,
//! `examples/conv_direct_profile.rs`, one thread). Values are the convolution's, summed in another order than im2col's
//! (galaxy-lab's `tests/conv_backward.rs` compares both with plain loops).

use alloc::vec;
use alloc::vec::Vec;
use core::mem::MaybeUninit;

use crate::ops::conv_backward::{Geom, workers};
use crate::ops::conv_weight_direct::transpose;
use crate::ops::scratch::{Scratch, filled_in_chunks};

/// f32 lanes per vector.
const LANES: usize = 16;
/// Packed weight bytes of one block of input rows (`c · kh`), read by every pixel tile of a
/// chunk while the block is current: they stay in L1 (48 KB) beside the input.
const BLOCK_WEIGHT_BYTES: usize = 20 << 10;

/// A stride-1 convolution as this module computes it (see the module documentation).
#[derive(Clone, Copy)]
struct Conv {
    n: usize,
    /// Input channels, height and width.
    c: usize,
    h: usize,
    w: usize,
    /// Output channels.
    m: usize,
    kh: usize,
    kw: usize,
    /// Leading padding: rows above, columns left of the input.
    pt: usize,
    pl: usize,
    oh: usize,
    ow: usize,
}

impl Conv {
    /// The forward pass of `g`.
    fn forward(g: &Geom) -> Self {
        Conv {
            n: g.n,
            c: g.ci,
            h: g.h,
            w: g.w,
            m: g.co,
            kh: g.kh,
            kw: g.kw,
            pt: g.pad[0],
            pl: g.pad[1],
            oh: g.oh,
            ow: g.ow,
        }
    }

    /// The input gradient of `g` (stride 1, padding below the kernel's size): a convolution of
    /// the output gradient.
    fn input_grad(g: &Geom) -> Self {
        Conv {
            n: g.n,
            c: g.co,
            h: g.oh,
            w: g.ow,
            m: g.ci,
            kh: g.kh,
            kw: g.kw,
            pt: g.kh - 1 - g.pad[0],
            pl: g.kw - 1 - g.pad[1],
            oh: g.h,
            ow: g.w,
        }
    }
}

/// Whether this module computes the forward pass of geometry `g` on this CPU.
pub(crate) fn applies_forward(g: &Geom) -> bool {
    applies(g) && worth_it(g.co, g.ci * g.kh * g.kw)
}

/// Whether this module computes the input gradient of geometry `g` on this CPU (a convolution
/// of the output gradient with leading padding `k − 1 − pad`, which must not be negative).
pub(crate) fn applies_input_grad(g: &Geom) -> bool {
    applies(g) && g.pad[0] < g.kh && g.pad[1] < g.kw && worth_it(g.ci, g.co * g.kh * g.kw)
}

/// AVX-512F and a geometry the tiles take: ungrouped, stride and dilation 1.
fn applies(g: &Geom) -> bool {
    crate::ops::conv_direct::enabled()
        && g.groups == 1
        && g.stride == [1, 1]
        && g.dil == [1, 1]
        && g.n > 0
        && g.ci > 0
        && g.co > 0
        && g.h > 0
        && g.w > 0
        && g.oh > 0
        && g.ow > 0
        && g.kh > 0
        && g.kw > 0
        && fits(g)
}

/// The planes of one sample, padded every way either pass pads them, in fewer than 2³¹ values
/// (far beyond any network; checked arithmetic, so absurd shapes are refused instead of
/// wrapping): every extent the passes compute stays far from overflowing `usize`.
fn fits(g: &Geom) -> bool {
    let side = |a: usize, o: usize, p: usize, k: usize| {
        a.max(o).checked_add(p)?.checked_add(k.checked_mul(2)?)
    };
    let size = || {
        g.ci.max(g.co)
            .checked_mul(side(g.h, g.oh, g.pad[0], g.kh)?)?
            .checked_mul(side(g.w, g.ow, g.pad[1], g.kw)?)
    };
    size().is_some_and(|v| v < 1 << 31)
}

/// Where the tiles beat im2col + gemm for `m` outputs (in lanes) of `k` products each
/// (`examples/conv_direct_profile.rs`, one thread): the lanes at least three quarters full
/// (three outputs in a vector of 16, the θ network's stem's input gradient, took 1.7× im2col's
/// time) and `k ≤ 2048`: up to 1,152 (the compact network's 128 → 128) the tiles took
/// 0.6–0.8× im2col's time, from 2,304 (Table 4's AlexNet at 256², 256 and 384 channels) gemm's
/// long products ran faster (1.1–1.4×).
/// At least 16 products: the q network's 1 → 16 stem (2 × 2, four) ran 1.06× as long as
/// burn-flex's small-channel kernel, each tile's few FMAs outweighed by its loads and stores.
fn worth_it(m: usize, k: usize) -> bool {
    4 * m >= 3 * m.next_multiple_of(LANES) && (16..=2048).contains(&k)
}

/// The tiling of one convolution: `cv` vectors of outputs, `ry × px` output pixels per tile.
#[derive(Clone, Copy)]
struct Tiling {
    cv: usize,
    ry: usize,
    px: usize,
    /// Outputs padded to whole tiles: `m` rounded up to `16 · cv`.
    m_pad: usize,
    /// Output rows and columns padded to whole tiles.
    oh_pad: usize,
    ow_pad: usize,
}

impl Tiling {
    /// Of the tiles instantiated, the one with the least work counted as FMAs on padded
    /// outputs, each with its share of loads (`(cv + ry · px) / (cv · ry · px)` per FMA).
    fn new(cv_: &Conv) -> Self {
        let vecs = cv_.m.div_ceil(LANES);
        let cost = |&(cv, ry, px): &(usize, usize, usize)| {
            let work = vecs.div_ceil(cv) * cv * cv_.oh.div_ceil(ry) * ry * cv_.ow.div_ceil(px) * px;
            let (loads, fmas) = (cv + ry * px, cv * ry * px);
            work * (fmas + loads) / fmas
        };
        let &(cv, ry, px) = TILES
            .iter()
            .min_by_key(|t| cost(t))
            .expect("tiles are instantiated");
        Tiling {
            cv,
            ry,
            px,
            m_pad: vecs.div_ceil(cv) * cv * LANES,
            oh_pad: cv_.oh.div_ceil(ry) * ry,
            ow_pad: cv_.ow.div_ceil(px) * px,
        }
    }
}

/// Where a chunk's input planes lie: `[sample, channel, plane]`.
#[derive(Clone, Copy)]
struct Planes {
    /// Row length of a zero-bordered plane.
    wp: usize,
    /// Elements per plane: rows × `wp`.
    plane: usize,
}

impl Planes {
    /// Planes with the input at row `pt`, column `pl`, wide and tall enough for every tap of
    /// every (padded) output pixel: `oh_pad + kh − 1` rows of `ow_pad + kw − 1`, and the input.
    fn new(cv: &Conv, tl: &Tiling) -> Self {
        let rows = (cv.pt + cv.h).max(tl.oh_pad + cv.kh - 1);
        let wp = (cv.pl + cv.w).max(tl.ow_pad + cv.kw - 1);
        Planes {
            wp,
            plane: rows * wp,
        }
    }
}

/// Samples `n0..n0 + nb` of `x` (`[n, c, h, w]`) as zero-bordered planes `[nb, c, plane]`,
/// written in full.
fn to_planes(x: &[f32], cv: &Conv, pl: &Planes, n0: usize, nb: usize, dst: &mut [f32]) {
    dst.fill(0.0);
    let hw = cv.h * cv.w;
    for j in 0..nb {
        for c in 0..cv.c {
            let s = &x[((n0 + j) * cv.c + c) * hw..][..hw];
            let base = (j * cv.c + c) * pl.plane + cv.pt * pl.wp + cv.pl;
            for y in 0..cv.h {
                dst[base + y * pl.wp..][..cv.w].copy_from_slice(&s[y * cv.w..][..cv.w]);
            }
        }
    }
}

/// The weights `a` as `[c · kh · kw, m_pad]` (outputs past `m` zero) and the bias padded to
/// `m_pad`.
struct Packed {
    /// Holds the packed weights from `start` (64-byte aligned: no load straddles cache lines).
    buf: Vec<f32>,
    start: usize,
    bias: Option<Vec<f32>>,
}

impl Packed {
    fn new(
        cv: &Conv,
        tl: &Tiling,
        a: impl Fn(usize, usize, usize, usize) -> f32,
        bias: Option<&[f32]>,
    ) -> Self {
        let len = cv.c * cv.kh * cv.kw * tl.m_pad;
        let mut buf = vec![0f32; len + LANES];
        let start = buf.as_ptr().align_offset(64).min(LANES);
        let w = &mut buf[start..][..len];
        for c in 0..cv.c {
            for ky in 0..cv.kh {
                for kx in 0..cv.kw {
                    let row = &mut w[((c * cv.kh + ky) * cv.kw + kx) * tl.m_pad..][..cv.m];
                    for (m, v) in row.iter_mut().enumerate() {
                        *v = a(m, c, ky, kx);
                    }
                }
            }
        }
        let bias = bias.map(|b| {
            let mut p = vec![0f32; tl.m_pad];
            p[..cv.m].copy_from_slice(&b[..cv.m]);
            p
        });
        Packed { buf, start, bias }
    }

    /// The packed weights `[c · kh · kw, m_pad]`.
    fn w(&self) -> &[f32] {
        &self.buf[self.start..]
    }
}

/// What a tile's accumulators start from.
#[derive(Clone, Copy)]
enum Init {
    Zero,
    /// `CV` vectors of bias, the same for every pixel.
    Bias(*const f32),
    /// The tile's output so far (a later block of input rows).
    Load,
}

/// `out[(ry · ldr + px) · ldo + v · 16 + lane] (Init) += Σ_{rows i} Σ_{kx < kw} wk[(i · kw + kx)
/// · ldw + v · 16 + lane] · src[offs[i] + ry · wp + px + kx]` for `ry < RY`, `px < PX`, `v <
/// CV`.
#[cfg(all(target_arch = "x86_64", feature = "std"))]
#[target_feature(enable = "avx512f")]
#[allow(clippy::too_many_arguments)]
unsafe fn tile_avx512<const CV: usize, const RY: usize, const PX: usize>(
    src: *const f32,
    wp: usize,
    offs: &[usize],
    kw: usize,
    wk: *const f32,
    ldw: usize,
    out: *mut f32,
    ldo: usize,
    ldr: usize,
    init: Init,
) {
    use core::arch::x86_64::*;
    let at = |ry: usize, px: usize, v: usize| (ry * ldr + px) * ldo + v * LANES;
    let mut acc = [[[_mm512_setzero_ps(); CV]; PX]; RY];
    match init {
        Init::Zero => {}
        Init::Bias(b) => {
            let bv: [__m512; CV] =
                core::array::from_fn(|v| unsafe { _mm512_loadu_ps(b.add(v * LANES)) });
            for acc_y in acc.iter_mut() {
                for acc_x in acc_y.iter_mut() {
                    *acc_x = bv;
                }
            }
        }
        Init::Load => {
            for (ry, acc_y) in acc.iter_mut().enumerate() {
                for (px, acc_x) in acc_y.iter_mut().enumerate() {
                    for (v, a) in acc_x.iter_mut().enumerate() {
                        *a = unsafe { _mm512_loadu_ps(out.add(at(ry, px, v))) };
                    }
                }
            }
        }
    }
    let mut wr = wk;
    for &o in offs {
        let s = unsafe { src.add(o) };
        for kx in 0..kw {
            let wv: [__m512; CV] =
                core::array::from_fn(|v| unsafe { _mm512_loadu_ps(wr.add(v * LANES)) });
            for (ry, acc_y) in acc.iter_mut().enumerate() {
                for (px, acc_x) in acc_y.iter_mut().enumerate() {
                    let b = _mm512_set1_ps(unsafe { *s.add(ry * wp + px + kx) });
                    for (a, &w) in acc_x.iter_mut().zip(&wv) {
                        *a = _mm512_fmadd_ps(b, w, *a);
                    }
                }
            }
            // Wrapping: after the block's last tap `wr` may point past the weights (never read).
            wr = wr.wrapping_add(ldw);
        }
    }
    for (ry, acc_y) in acc.iter().enumerate() {
        for (px, acc_x) in acc_y.iter().enumerate() {
            for (v, &a) in acc_x.iter().enumerate() {
                unsafe { _mm512_storeu_ps(out.add(at(ry, px, v)), a) };
            }
        }
    }
}

#[cfg(not(all(target_arch = "x86_64", feature = "std")))]
#[allow(clippy::too_many_arguments)]
unsafe fn tile_avx512<const CV: usize, const RY: usize, const PX: usize>(
    _src: *const f32,
    _wp: usize,
    _offs: &[usize],
    _kw: usize,
    _wk: *const f32,
    _ldw: usize,
    _out: *mut f32,
    _ldo: usize,
    _ldr: usize,
    _init: Init,
) {
    unreachable!("conv_lanes runs only where AVX-512F was detected")
}

/// Every tile of one chunk of `nb` samples: `yt [nb, oh_pad, ow_pad, m_pad]` from the planes
/// `xp`, for `CV`, `RY`, `PX` as [`Tiling::new`] chose them; `yt` written in full.
///
/// # Safety
/// AVX-512F present; `xp` holds `nb · c` planes laid out as `pl` says ([`Planes::new`]: every
/// tap of every padded output pixel inside its plane); `pk` packed for `tl`; `yt` holds `nb ·
/// oh_pad · ow_pad · m_pad` values.
#[allow(clippy::too_many_arguments)]
unsafe fn chunk_tiles<const CV: usize, const RY: usize, const PX: usize>(
    cv: &Conv,
    tl: &Tiling,
    pl: &Planes,
    pk: &Packed,
    xp: &[f32],
    nb: usize,
    yt: &mut [f32],
) {
    let rows = cv.c * cv.kh;
    // (c, ky) → its first tap's offset from a pixel's plane position.
    let offs: Vec<usize> = (0..rows)
        .map(|r| (r / cv.kh) * pl.plane + (r % cv.kh) * pl.wp)
        .collect();
    let per_block = (BLOCK_WEIGHT_BYTES / (cv.kw * CV * LANES * 4)).max(1);
    let sample_in = cv.c * pl.plane;
    let sample_out = tl.oh_pad * tl.ow_pad * tl.m_pad;
    for ct in 0..tl.m_pad / (CV * LANES) {
        for r0 in (0..rows).step_by(per_block) {
            let r1 = (r0 + per_block).min(rows);
            let init = match (r0, &pk.bias) {
                (0, Some(b)) => Init::Bias(b[ct * CV * LANES..].as_ptr()),
                (0, None) => Init::Zero,
                _ => Init::Load,
            };
            let wk = pk.w()[(r0 * cv.kw * tl.m_pad + ct * CV * LANES)..].as_ptr();
            for j in 0..nb {
                for ty in (0..tl.oh_pad).step_by(RY) {
                    for tx in (0..tl.ow_pad).step_by(PX) {
                        let src = xp[j * sample_in + ty * pl.wp + tx..].as_ptr();
                        let o = j * sample_out + (ty * tl.ow_pad + tx) * tl.m_pad + ct * CV * LANES;
                        unsafe {
                            tile_avx512::<CV, RY, PX>(
                                src,
                                pl.wp,
                                &offs[r0..r1],
                                cv.kw,
                                wk,
                                tl.m_pad,
                                yt.as_mut_ptr().add(o),
                                tl.m_pad,
                                tl.ow_pad,
                                init,
                            )
                        };
                    }
                }
            }
        }
    }
}

/// The tiles instantiated, `(cv, ry, px)` with `cv · ry · px` of 16 to 24 accumulators (18 for
/// 3² maps). Defines
/// [`TILES`] and [`run_tiles`], which runs [`chunk_tiles`] for the tiling chosen.
macro_rules! tiles {
    ($(($cv:literal, $ry:literal, $px:literal)),+ $(,)?) => {
        const TILES: &[(usize, usize, usize)] = &[$(($cv, $ry, $px)),+];

        #[allow(clippy::too_many_arguments)]
        fn run_tiles(
            cv: &Conv,
            tl: &Tiling,
            pl: &Planes,
            pk: &Packed,
            xp: &[f32],
            nb: usize,
            yt: &mut [f32],
        ) {
            match (tl.cv, tl.ry, tl.px) {
                // SAFETY: `applies_*` checked AVX-512F; `Planes::new` makes each plane at least
                // `oh_pad + kh − 1` rows of `ow_pad + kw − 1`, so tap (ky, kx) of padded pixel
                // (oy, ox), at `(oy + ky) · wp + ox + kx`, is inside its sample's plane.
                $(($cv, $ry, $px) => unsafe {
                    chunk_tiles::<$cv, $ry, $px>(cv, tl, pl, pk, xp, nb, yt)
                },)+
                (c, y, x) => unreachable!("no tile of {c} vectors × {y} × {x} pixels"),
            }
        }
    };
}

tiles!(
    (1, 1, 16),
    (1, 2, 8),
    (1, 4, 4),
    (2, 1, 8),
    (2, 2, 4),
    (2, 1, 12),
    (3, 1, 8),
    (3, 2, 4),
    (4, 1, 4),
    (4, 1, 6),
    (2, 3, 3),
);

/// `out[j, m, oy, ox] = yt[((j · oh_pad + oy) · ow_pad + ox) · m_pad + m]`: every element of
/// `out` (`nb` samples) written.
fn from_tiles(yt: &[f32], cv: &Conv, tl: &Tiling, out: &mut [MaybeUninit<f32>]) {
    let p = cv.oh * cv.ow;
    let sample_out = tl.oh_pad * tl.ow_pad * tl.m_pad;
    let nb = out.len() / (cv.m * p);
    for j in 0..nb {
        let s = &yt[j * sample_out..][..sample_out];
        let d = &mut out[j * cv.m * p..][..cv.m * p];
        if tl.ow_pad == cv.ow {
            // The first `oh` rows' pixels are consecutive in `s`: `[p, m_pad]` → `[m, p]`.
            // SAFETY: AVX-512F was detected (`applies_*`).
            unsafe { transpose(s, p, cv.m, tl.m_pad, d, p) };
        } else {
            for m in 0..cv.m {
                for oy in 0..cv.oh {
                    for ox in 0..cv.ow {
                        d[m * p + oy * cv.ow + ox].write(s[(oy * tl.ow_pad + ox) * tl.m_pad + m]);
                    }
                }
            }
        }
    }
}

/// The convolution `cv` of `x` (`[n, c, h, w]`) with packed weights, as `[n, m, oh, ow]`.
fn run(x: &[f32], g: &Geom, cv: &Conv, tl: &Tiling, pk: &Packed) -> Vec<f32> {
    let sample = cv.m * cv.oh * cv.ow;
    let pl = Planes::new(cv, tl);
    let per_sample = cv.c * pl.plane + tl.oh_pad * tl.ow_pad * tl.m_pad;
    // `g.n` is `cv.n`: chunks sized as every convolution here sizes them.
    let nb = g.chunk_of(per_sample, workers());
    filled_in_chunks(
        cv.n * sample,
        nb * sample,
        |c, out: &mut [MaybeUninit<f32>]| {
            let (n0, nbj) = (c * nb, out.len() / sample);
            // Both written in full (to_planes; the tiles, their first block of rows) before
            // they are read.
            let mut xp = Scratch::<f32>::take(nbj * cv.c * pl.plane);
            let mut yt = Scratch::<f32>::take(nbj * tl.oh_pad * tl.ow_pad * tl.m_pad);
            to_planes(x, cv, &pl, n0, nbj, &mut xp);
            run_tiles(cv, tl, &pl, pk, &xp, nbj, &mut yt);
            from_tiles(&yt, cv, tl, out);
        },
    )
}

/// The forward pass `[n, co, oh, ow]` (bias added) of a convolution [`applies_forward`]
/// accepts.
pub(crate) fn forward(x: &[f32], w: &[f32], bias: Option<&[f32]>, g: &Geom) -> Vec<f32> {
    let cv = Conv::forward(g);
    let tl = Tiling::new(&cv);
    let (kh, kw, ci) = (g.kh, g.kw, g.ci);
    let a = |m: usize, c: usize, ky: usize, kx: usize| w[((m * ci + c) * kh + ky) * kw + kx];
    let pk = Packed::new(&cv, &tl, a, bias);
    run(x, g, &cv, &tl, &pk)
}

/// The input gradient `[n, ci, h, w]` of a convolution [`applies_input_grad`] accepts.
pub(crate) fn input_grad(w: &[f32], dy: &[f32], g: &Geom) -> Vec<f32> {
    let cv = Conv::input_grad(g);
    let tl = Tiling::new(&cv);
    let (kh, kw, ci) = (g.kh, g.kw, g.ci);
    // a[ci, co, ky, kx] = w[co, ci, kh − 1 − ky, kw − 1 − kx]
    let a = |m: usize, c: usize, ky: usize, kx: usize| {
        w[((c * ci + m) * kh + kh - 1 - ky) * kw + kw - 1 - kx]
    };
    let pk = Packed::new(&cv, &tl, a, None);
    run(dy, g, &cv, &tl, &pk)
}
