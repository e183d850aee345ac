//! galaxy-lab patch: the weight gradient of f32 convolutions (ungrouped, no dilation, any stride
//! and padding) computed directly with AVX-512, without a column matrix.
//!
//! `dW[co, ci, ky, kx] = Σ_samples Σ_output pixels dy[co, pixel] · x[ci, stride · pixel + (ky,
//! kx) − pad]`. The output channels lie in vector lanes: a chunk's output gradient is transposed
//! to `[pixel, co]` (`co` padded with zeros to whole tiles of vectors) and its input laid out as
//! zero-bordered planes (the input at row `ph`, column `pw`), so that tap `(ky, kx)` of output
//! pixel `(oy, ox)` reads the plane at `(s · oy + ky) · W' + s · ox + kx`, inside it for every
//! pixel and tap. A "row" is one input channel and one kernel row; a tile holds `RB` rows × `KW` kernel
//! columns × `CV` vectors of 16 output channels in registers (≤ 24 accumulators) and, per output
//! pixel, loads `CV` vectors of the output gradient, broadcasts `RB · KW` input values and does
//! `CV · RB · KW` FMAs (24 FMAs to 10–14 loads). Pixels are the sum, so nothing is reduced across
//! lanes and padding costs no work; the accumulators go to memory once per tile and block of
//! ~256 pixels (whose output gradient stays in L1/L2 while every tile reads it).
//!
//! im2col + gemm (`conv_backward.rs`) instead copies the input once per tap into a column matrix
//! `[ci · kh · kw, pixels]` and hands it to the gemm crate as a product with a long inner
//! dimension: the copies and the packing cost more than the products for the small layers of
//! galaxy-lab's networks.
//!
//! Used where [`applies`]: AVX-512F on this CPU (the switch of `conv_direct.rs`, so
//! `BURN_FLEX_NO_DIRECT_CONV` or `set_direct(false)` turn this off too), f32, a kernel width this
//! module has tiles for. Values are the convolution's weight gradient, summed in another order
//! than im2col's (galaxy-lab's `tests/conv_backward.rs` compares both with plain loops).

use alloc::vec;
use alloc::vec::Vec;
use core::mem::MaybeUninit;

use crate::ops::conv_backward::{Geom, sum_over_chunks, workers};
use crate::ops::scratch::Scratch;

/// f32 lanes per vector.
const LANES: usize = 16;
/// Accumulator registers a tile may use (of 32).
const ACC: usize = 24;
/// Output pixels per block: their output gradient (`256 · co` floats) is read by every tile.
const BLOCK_PIXELS: usize = 256;

/// The tiling of one weight gradient: `cv` vectors of output channels and `rb` rows per tile.
#[derive(Clone, Copy)]
struct Tiling {
    cv: usize,
    rb: usize,
    /// Output channels padded to whole tiles: `co` rounded up to `16 · cv`.
    co_pad: usize,
    /// Rows (`ci · kh`) rounded up to whole tiles of `rb`.
    rows_pad: usize,
}

impl Tiling {
    fn new(g: &Geom) -> Self {
        let vecs = g.co.div_ceil(LANES);
        let cv = if vecs % 4 == 0 && 4 * g.kw <= ACC {
            4
        } else if vecs >= 2 && 2 * g.kw <= ACC {
            2
        } else {
            1
        };
        let rows = g.ci * g.kh;
        // Of the tile heights instantiated for (cv, kw), the one that pads the rows least (the
        // taller on a tie): the widest tile where there are rows enough, fewer wasted rows for
        // stems with one or three input channels.
        let rbs = TILES
            .iter()
            .find(|&&(c, k, _)| c == cv && k == g.kw)
            .map_or(&[1][..], |t| t.2);
        let rb = rbs
            .iter()
            .copied()
            .min_by_key(|&rb| (rows.div_ceil(rb) * rb, core::cmp::Reverse(rb)))
            .unwrap_or(1);
        Tiling {
            cv,
            rb,
            co_pad: vecs.div_ceil(cv) * cv * LANES,
            rows_pad: rows.div_ceil(rb) * rb,
        }
    }
}

/// Whether this module computes the weight gradient of geometry `g` on this CPU.
pub(crate) fn applies(g: &Geom) -> bool {
    crate::ops::conv_direct::enabled()
        && g.groups == 1
        && g.dil == [1, 1]
        && g.n > 0
        && g.ci > 0
        && g.co > 0
        && g.oh > 0
        && g.ow > 0
        && g.stride[0] > 0
        && g.stride[1] > 0
        && TILES.iter().any(|&(_, k, _)| k == g.kw)
}

/// Where a chunk's input planes lie.
#[derive(Clone, Copy)]
struct Planes {
    /// Row length of a zero-bordered plane.
    wp: usize,
    /// Elements per plane: rows × `wp`.
    plane: usize,
    /// Elements per input channel: `nb · plane`.
    cs: usize,
}

impl Planes {
    /// Planes with the input at row `ph`, column `pw` (the leading padding), wide and tall
    /// enough for every tap of every output pixel: `s · (o − 1) + k` (the trailing padding may
    /// differ from the leading one: only the latter places the window, the output's size says
    /// how far it reaches) and at least the input.
    fn new(g: &Geom, nb: usize) -> Self {
        // Checked: the tiles read these extents through raw pointers, so a size that wrapped
        // (shapes no network has, passed to `conv2d_weight_backward` directly) must stop here.
        let extent = |inp: usize, pad: usize, s: usize, o: usize, k: usize| {
            let read = s.checked_mul(o - 1).and_then(|v| v.checked_add(k));
            Some(inp.checked_add(pad)?.max(read?))
        };
        let size = || -> Option<(usize, usize, usize)> {
            let rows: usize = extent(g.h, g.pad[0], g.stride[0], g.oh, g.kh)?;
            let wp: usize = extent(g.w, g.pad[1], g.stride[1], g.ow, g.kw)?;
            let plane = rows.checked_mul(wp)?;
            let cs = nb.checked_mul(plane)?;
            // The whole buffer, `ci · cs`, must fit too.
            cs.checked_mul(g.ci)?;
            Some((wp, plane, cs))
        };
        let (wp, plane, cs) = size().expect("conv2d weight gradient: input planes overflow usize");
        Planes { wp, plane, cs }
    }
}

/// Channels of samples `n0..n0 + nb` of `x` (`[n, ci, h, w]`) as zero-bordered planes `[ci, nb,
/// plane]`, written in full.
fn to_planes(x: &[f32], g: &Geom, pl: &Planes, n0: usize, nb: usize, dst: &mut [f32]) {
    dst.fill(0.0);
    let hw = g.h * g.w;
    for ci in 0..g.ci {
        for j in 0..nb {
            let s = &x[((n0 + j) * g.ci + ci) * hw..][..hw];
            let base = ci * pl.cs + j * pl.plane + g.pad[0] * pl.wp + g.pad[1];
            for y in 0..g.h {
                dst[base + y * pl.wp..][..g.w].copy_from_slice(&s[y * g.w..][..g.w]);
            }
        }
    }
}

/// The output gradient of samples `n0..n0 + nb` (`[n, co, oh, ow]`) as `[nb · oh · ow, co_pad]`,
/// channels past `co` zero; written in full.
fn transpose_dy(dy: &[f32], g: &Geom, co_pad: usize, n0: usize, nb: usize, dst: &mut [f32]) {
    let p = g.p;
    for j in 0..nb {
        let d = &mut dst[j * p * co_pad..][..p * co_pad];
        let s = &dy[(n0 + j) * g.co * p..][..g.co * p];
        // SAFETY: AVX-512F was detected (`applies`); `s` is `[co, p]`, `d` `[p, co_pad]`.
        unsafe { transpose(s, g.co, p, p, as_uninit(d), co_pad) };
        if co_pad > g.co {
            for px in 0..p {
                d[px * co_pad + g.co..][..co_pad - g.co].fill(0.0);
            }
        }
    }
}

/// `d` as a slice to write (its values stay initialised: only f32s are written to it).
pub(crate) fn as_uninit(d: &mut [f32]) -> &mut [MaybeUninit<f32>] {
    // SAFETY: `MaybeUninit<f32>` has `f32`'s layout, and every value written is initialised.
    unsafe { &mut *(d as *mut [f32] as *mut [MaybeUninit<f32>]) }
}

/// `dst[c · ldd + r] = src[r · lds + c]` for `r < rows`, `c < cols`: whole 16 × 16 blocks in
/// registers ([`transpose16_avx512`]), the edges one value at a time. Shared by the output
/// gradient's transpose here and `conv_lanes.rs`'s copy-out.
///
/// # Safety
/// AVX-512F present.
pub(crate) unsafe fn transpose(
    src: &[f32],
    rows: usize,
    cols: usize,
    lds: usize,
    dst: &mut [MaybeUninit<f32>],
    ldd: usize,
) {
    if rows == 0 || cols == 0 {
        return;
    }
    assert!(
        src.len() > (rows - 1) * lds + cols - 1 && dst.len() > (cols - 1) * ldd + rows - 1,
        "transpose: buffers too short"
    );
    let (rb, cb) = (rows / LANES * LANES, cols / LANES * LANES);
    for c0 in (0..cb).step_by(LANES) {
        for r0 in (0..rb).step_by(LANES) {
            // SAFETY: AVX-512F (the caller); rows r0..r0 + 16 of `src` hold columns c0..c0 +
            // 16, rows c0..c0 + 16 of `dst` columns r0..r0 + 16 (the assertion above).
            unsafe {
                transpose16_avx512(
                    src.as_ptr().add(r0 * lds + c0),
                    lds,
                    dst.as_mut_ptr().add(c0 * ldd + r0).cast::<f32>(),
                    ldd,
                )
            };
        }
    }
    for c in 0..cols {
        let lo = if c < cb { rb } else { 0 };
        for r in lo..rows {
            dst[c * ldd + r].write(src[r * lds + c]);
        }
    }
}

/// `dst[i · ldd + k] = src[k · lds + i]` for `i, k < 16`.
#[cfg(all(target_arch = "x86_64", feature = "std"))]
#[target_feature(enable = "avx512f")]
unsafe fn transpose16_avx512(src: *const f32, lds: usize, dst: *mut f32, ldd: usize) {
    use core::arch::x86_64::*;
    let r: [__m512; 16] = core::array::from_fn(|k| unsafe { _mm512_loadu_ps(src.add(k * lds)) });
    // Pairs of rows interleaved by element, then by pairs of elements: 128-bit lane `L` of
    // `u[4 · q + i]` holds column `4 · L + i` of rows 4q..4q + 4.
    let t: [__m512; 16] = core::array::from_fn(|i| {
        let (a, b) = (r[i / 2 * 2], r[i / 2 * 2 + 1]);
        if i % 2 == 0 {
            _mm512_unpacklo_ps(a, b)
        } else {
            _mm512_unpackhi_ps(a, b)
        }
    });
    let u: [__m512; 16] = core::array::from_fn(|i| {
        let q = i / 4 * 4;
        let (a, b) = match i % 4 {
            0 | 1 => (t[q], t[q + 2]),
            _ => (t[q + 1], t[q + 3]),
        };
        let (a, b) = (_mm512_castps_pd(a), _mm512_castps_pd(b));
        _mm512_castpd_ps(if i % 2 == 0 {
            _mm512_unpacklo_pd(a, b)
        } else {
            _mm512_unpackhi_pd(a, b)
        })
    });
    // Then 128-bit lanes: even lanes of two registers (0x88), odd lanes (0xdd), twice.
    let v: [__m512; 16] = core::array::from_fn(|i| {
        let h = i / 8 * 8;
        let (a, b) = (u[h + i % 4], u[h + i % 4 + 4]);
        if i % 8 < 4 {
            _mm512_shuffle_f32x4::<0x88>(a, b)
        } else {
            _mm512_shuffle_f32x4::<0xdd>(a, b)
        }
    });
    for i in 0..16 {
        let (a, b) = (v[i % 8], v[i % 8 + 8]);
        let row = if i < 8 {
            _mm512_shuffle_f32x4::<0x88>(a, b)
        } else {
            _mm512_shuffle_f32x4::<0xdd>(a, b)
        };
        unsafe { _mm512_storeu_ps(dst.add(i * ldd), row) };
    }
}

#[cfg(not(all(target_arch = "x86_64", feature = "std")))]
unsafe fn transpose16_avx512(_src: *const f32, _lds: usize, _dst: *mut f32, _ldd: usize) {
    unreachable!("conv_weight_direct runs only where AVX-512F was detected")
}

/// The output pixels of one block: samples `0..nb` of the planes (from the block's first
/// sample), `oh × ow` each.
#[derive(Clone, Copy)]
struct Pixels {
    nb: usize,
    oh: usize,
    ow: usize,
    plane: usize,
    /// Plane elements between output rows: `stride_y · wp`.
    row: usize,
    /// Plane elements between output columns: `stride_x`.
    col: usize,
}

/// `acc[(r · KW + kx) · ldp + v · 16 + lane] += Σ_pixels dyt[pixel · ldd + v · 16 + lane] ·
/// rows[r][offset(pixel) + kx]` for `r < RB`, `kx < KW`, `v < CV`, where `offset` of sample `j`,
/// output pixel `(oy, ox)` is `j · plane + oy · row + ox · col`.
#[cfg(all(target_arch = "x86_64", feature = "std"))]
#[target_feature(enable = "avx512f")]
unsafe fn tile_avx512<const CV: usize, const KW: usize, const RB: usize>(
    rows: &[*const f32; RB],
    dyt: *const f32,
    ldd: usize,
    px: &Pixels,
    acc_out: *mut f32,
    ldp: usize,
) {
    use core::arch::x86_64::*;
    let mut acc = [[[_mm512_setzero_ps(); CV]; KW]; RB];
    for (r, acc_r) in acc.iter_mut().enumerate() {
        for (kx, acc_k) in acc_r.iter_mut().enumerate() {
            for (v, a) in acc_k.iter_mut().enumerate() {
                *a = unsafe { _mm512_loadu_ps(acc_out.add((r * KW + kx) * ldp + v * LANES)) };
            }
        }
    }
    let mut d = dyt;
    for j in 0..px.nb {
        for oy in 0..px.oh {
            let mut xo = j * px.plane + oy * px.row;
            for _ in 0..px.ow {
                let mut dv = [_mm512_setzero_ps(); CV];
                for (v, dv) in dv.iter_mut().enumerate() {
                    *dv = unsafe { _mm512_loadu_ps(d.add(v * LANES)) };
                }
                for (r, acc_r) in acc.iter_mut().enumerate() {
                    let src = unsafe { rows[r].add(xo) };
                    for (kx, acc_k) in acc_r.iter_mut().enumerate() {
                        let b = _mm512_set1_ps(unsafe { *src.add(kx) });
                        for (a, &dv) in acc_k.iter_mut().zip(&dv) {
                            *a = _mm512_fmadd_ps(b, dv, *a);
                        }
                    }
                }
                // Wrapping: after a block's last pixel `d` may point past `dyt` (never read).
                d = d.wrapping_add(ldd);
                xo += px.col;
            }
        }
    }
    for (r, acc_r) in acc.iter().enumerate() {
        for (kx, acc_k) in acc_r.iter().enumerate() {
            for (v, &a) in acc_k.iter().enumerate() {
                unsafe { _mm512_storeu_ps(acc_out.add((r * KW + kx) * ldp + v * LANES), a) };
            }
        }
    }
}

#[cfg(not(all(target_arch = "x86_64", feature = "std")))]
unsafe fn tile_avx512<const CV: usize, const KW: usize, const RB: usize>(
    _rows: &[*const f32; RB],
    _dyt: *const f32,
    _ldd: usize,
    _px: &Pixels,
    _acc_out: *mut f32,
    _ldp: usize,
) {
    unreachable!("conv_weight_direct runs only where AVX-512F was detected")
}

/// Every tile of one block of pixels, for `CV`, `KW`, `RB` as [`Tiling`] chose them.
///
/// # Safety
/// AVX-512F present; `xp` holds `ci` channels of `cs` elements, each of the block's planes
/// (from `xp`'s sample `j0`) wide enough for every tap of every pixel of `px`; `dyt` holds the
/// block's `pixels · co_pad` values; `acc` is `[rows_pad · KW, co_pad]`.
#[allow(clippy::too_many_arguments)]
unsafe fn block<const CV: usize, const KW: usize, const RB: usize>(
    g: &Geom,
    tl: &Tiling,
    pl: &Planes,
    xp: &[f32],
    j0: usize,
    px: &Pixels,
    dyt: &[f32],
    acc: &mut [f32],
) {
    let rows = g.ci * g.kh;
    for ct in 0..tl.co_pad / (CV * LANES) {
        for rt in 0..tl.rows_pad / RB {
            // Rows past the last are read from row 0 (valid memory); their sums are dropped.
            let ptrs: [*const f32; RB] = core::array::from_fn(|i| {
                let r = rt * RB + i;
                let r = if r < rows { r } else { 0 };
                let (ci, ky) = (r / g.kh, r % g.kh);
                xp[ci * pl.cs + j0 * pl.plane + ky * pl.wp..].as_ptr()
            });
            unsafe {
                tile_avx512::<CV, KW, RB>(
                    &ptrs,
                    dyt.as_ptr().add(ct * CV * LANES),
                    tl.co_pad,
                    px,
                    acc.as_mut_ptr()
                        .add(rt * RB * KW * tl.co_pad + ct * CV * LANES),
                    tl.co_pad,
                );
            }
        }
    }
}

/// The tiles instantiated: `(cv, kw, [rb, ...])`, `cv · kw · rb ≤ 24` accumulators; the first
/// height is the widest (fewest tiles), the others for stems with few rows (`ci · kh`). Defines
/// [`TILES`] and [`run_block`], which runs [`block`] for the tiling [`Tiling::new`] chose.
macro_rules! tiles {
    ($(($cv:literal, $kw:literal, [$($rb:literal),+])),+ $(,)?) => {
        const TILES: &[(usize, usize, &[usize])] = &[$(($cv, $kw, &[$($rb),+])),+];

        #[allow(clippy::too_many_arguments)]
        fn run_block(
            g: &Geom,
            tl: &Tiling,
            pl: &Planes,
            xp: &[f32],
            j0: usize,
            px: &Pixels,
            dyt: &[f32],
            acc: &mut [f32],
        ) {
            match (tl.cv, g.kw, tl.rb) {
                // SAFETY: `applies` checked AVX-512F; `Planes::new` makes each plane at least
                // `s · (oh − 1) + kh` rows of `s · (ow − 1) + kw`, so tap (ky, kx) of pixel
                // (oy, ox), at `(s · oy + ky) · wp + s · ox + kx`, is inside its sample's plane.
                $($(($cv, $kw, $rb) => unsafe {
                    block::<$cv, $kw, $rb>(g, tl, pl, xp, j0, px, dyt, acc)
                },)+)+
                (cv, kw, rb) => unreachable!("no tile of {cv} vectors × width {kw} × {rb} rows"),
            }
        }
    };
}

tiles!(
    (4, 1, [6]),
    (4, 2, [3]),
    (4, 3, [2]),
    (4, 5, [1]),
    (2, 1, [12, 6]),
    (2, 2, [6, 4, 2]),
    (2, 3, [4, 3, 2]),
    (2, 5, [2, 1]),
    (2, 7, [1]),
    (2, 11, [1]),
    (1, 1, [24, 12, 4]),
    (1, 2, [12, 8, 4, 2]),
    (1, 3, [8, 6, 5, 4, 3]),
    (1, 5, [4, 3, 2]),
    (1, 7, [3, 2]),
    (1, 11, [2, 1]),
);

/// The weight gradient of samples `n0..n0 + nb` as `[rows_pad · kw, co_pad]`: element `(ci ·
/// kh + ky) · kw + kx, co`.
fn chunk_partial(x: &[f32], dy: &[f32], g: &Geom, tl: &Tiling, n0: usize, nb: usize) -> Vec<f32> {
    let pl = Planes::new(g, nb);
    let (wp, plane) = (pl.wp, pl.plane);
    // Both written in full (to_planes, transpose_dy) before the tiles read them.
    let mut xp = Scratch::<f32>::take(g.ci * pl.cs);
    let mut dyt = Scratch::<f32>::take(nb * g.p * tl.co_pad);
    to_planes(x, g, &pl, n0, nb, &mut xp);
    transpose_dy(dy, g, tl.co_pad, n0, nb, &mut dyt);
    let mut acc = vec![0f32; tl.rows_pad * g.kw * tl.co_pad];
    let per_block = (BLOCK_PIXELS / g.p).max(1);
    for j0 in (0..nb).step_by(per_block) {
        let px = Pixels {
            nb: per_block.min(nb - j0),
            oh: g.oh,
            ow: g.ow,
            plane,
            row: g.stride[0] * wp,
            col: g.stride[1],
        };
        let d = &dyt[j0 * g.p * tl.co_pad..];
        run_block(g, tl, &pl, &xp, j0, &px, d, &mut acc);
    }
    acc
}

/// The weight gradient `[co, ci, kh, kw]` of `conv2d(x, w)` given `dy`.
pub(crate) fn weight_grad(x: &[f32], dy: &[f32], g: &Geom) -> Vec<f32> {
    let tl = Tiling::new(g);
    let per_sample = g.ci * Planes::new(g, 1).plane + g.p * tl.co_pad;
    let nb = g.chunk_of(per_sample, workers());
    let sum = sum_over_chunks(g.n, nb, tl.rows_pad * g.kw * tl.co_pad, |n0, nbj| {
        chunk_partial(x, dy, g, &tl, n0, nbj)
    });
    // sum [rows_pad · kw, co_pad] → [co, ci · kh · kw]: element (co, kk) from (kk, co).
    let mut out = vec![0f32; g.co * g.k];
    for kk in 0..g.k {
        for co in 0..g.co {
            out[co * g.k + kk] = sum[kk * tl.co_pad + co];
        }
    }
    out
}
