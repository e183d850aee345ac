//! galaxy-lab patch: "same" convolutions (stride 1, no dilation, ungrouped, odd kernels padded
//! to keep the map's size: every 3 × 3 padding-1 layer of galaxy-lab's compact classifier)
//! computed directly in f32 with AVX-512, without a column matrix: the forward pass and the
//! input gradient.
//!
//! The input planes of a chunk of samples are laid on a grid whose rows are `w + pw` long and whose
//! samples are `h + ph` rows apart, the extra columns and rows zero: one band of `pw` zero columns
//! serves as the right padding of a row and the left padding of the next, one band of `ph` zero
//! rows as the bottom padding of a sample and the top padding of the next. On that grid every
//! kernel tap reads the input at a fixed offset from the output position, `(ky − ph) · (w + pw) +
//! (kx − pw)`. A tile of 48 consecutive grid positions (three 16-lane vectors) and 8 output
//! channels (24 accumulators) sums, over taps and input channels, three unaligned loads of the grid
//! at the tap's offset times eight broadcast weights: the grid rows one tile reads (all taps, all
//! input channels: ~10 KB at 32 channels) stay in L1, and nothing is copied per tap. Outputs at
//! padding positions are computed and dropped (13 % more work at 16², 27 % at 8², 56 % at 4²). The
//! input gradient is the same computation with the output gradient on the grid, the offsets
//! mirrored and the weights transposed. The weight gradient is `conv_weight_direct.rs`'s.
//!
//! Used where the CPU has AVX-512F (checked at run time), for f32, on maps of at least ~8² (see
//! [`applies`]); elsewhere the callers keep im2col + gemm, as they do with
//! `BURN_FLEX_NO_DIRECT_CONV` set in the environment. burn-flex's small-channel forward (`C_in ≤
//! 4`, `C_out ≤ 16`) keeps its own kernel (`conv_forward::applies`). Values are the convolution's,
//! summed in another order than im2col's (tests compare both with plain loops: galaxy-lab's
//! `tests/conv_backward.rs`).

use alloc::vec;
use alloc::vec::Vec;
use core::mem::MaybeUninit;

use crate::ops::conv_backward::{Geom, workers};
use crate::ops::scratch::{Scratch, filled_in_chunks};

/// Grid positions per tile (three 16-lane vectors).
const NP: usize = 48;
/// Output channels per tile.
const NM: usize = 8;

/// Whether this module computes convolutions of geometry `g` on this CPU.
pub(crate) fn applies(g: &Geom) -> bool {
    enabled()
        && g.ci > 0
        && g.co > 0
        && g.groups == 1
        && g.stride == [1, 1]
        && g.dil == [1, 1]
        && g.kh * g.kw > 1
        && g.kh % 2 == 1
        && g.kw % 2 == 1
        && 2 * g.pad[0] + 1 == g.kh
        && 2 * g.pad[1] + 1 == g.kw
        && g.oh == g.h
        && g.ow == g.w
        && g.h > 0
        && g.w > 0
        // Grid positions per pixel at most 1.3 (16²: 1.13, 8²: 1.27): at 4² (1.56) the wasted
        // work made it slower than im2col + gemm (`compact_op_profile`, 128 → 128 at 4²
        // forward 3.17 → 3.47 ms).
        && 10 * (g.h + g.pad[0]) * (g.w + g.pad[1]) <= 13 * g.h * g.w
}

/// 0: not decided yet; 1: off; 2: on.
#[cfg(all(target_arch = "x86_64", feature = "std"))]
static STATE: core::sync::atomic::AtomicU8 = core::sync::atomic::AtomicU8::new(0);

/// Whether direct convolutions run in this process: AVX-512F on this CPU and, unless
/// [`set_enabled`] said otherwise, `BURN_FLEX_NO_DIRECT_CONV` unset (read once per process; set
/// to any value, the convolutions keep im2col + gemm).
pub(crate) fn enabled() -> bool {
    #[cfg(all(target_arch = "x86_64", feature = "std"))]
    {
        use core::sync::atomic::Ordering;
        if STATE.load(Ordering::Relaxed) == 0 {
            // Decided once from the environment, unless `set_enabled` came first.
            let on = std::env::var_os("BURN_FLEX_NO_DIRECT_CONV").is_none()
                && std::is_x86_feature_detected!("avx512f");
            let _ = STATE.compare_exchange(
                0,
                if on { 2 } else { 1 },
                Ordering::Relaxed,
                Ordering::Relaxed,
            );
        }
        STATE.load(Ordering::Relaxed) == 2
    }
    #[cfg(not(all(target_arch = "x86_64", feature = "std")))]
    {
        false
    }
}

/// Direct convolutions on (where the CPU has AVX-512F) or off, from now on in this process.
pub(crate) fn set_enabled(on: bool) {
    #[cfg(all(target_arch = "x86_64", feature = "std"))]
    {
        let on = on && std::is_x86_feature_detected!("avx512f");
        STATE.store(
            if on { 2 } else { 1 },
            core::sync::atomic::Ordering::Relaxed,
        );
    }
    #[cfg(not(all(target_arch = "x86_64", feature = "std")))]
    let _ = on;
}

/// The padded grid of a chunk of `nb` samples.
#[derive(Clone, Copy)]
struct Grid {
    /// Row length: `w + pw`.
    row: usize,
    /// Positions per sample: `(h + ph) · row`.
    pp: usize,
    /// Buffer index of grid position 0 (output pixel (0, 0) of the first sample): the leading
    /// zeros that the first sample's top-left taps read.
    off: usize,
    /// Positions computed: `nb · pp` rounded up to whole tiles.
    l: usize,
    /// Length of one channel's buffer: `l + 2 · off` (the trailing zeros the last tile's
    /// bottom-right taps read).
    cs: usize,
}

impl Grid {
    fn new(g: &Geom, nb: usize) -> Self {
        let row = g.w + g.pad[1];
        let pp = (g.h + g.pad[0]) * row;
        let off = g.pad[0] * row + g.pad[1];
        let l = (nb * pp).div_ceil(NP) * NP;
        Grid {
            row,
            pp,
            off,
            l,
            cs: l + 2 * off,
        }
    }

    /// Offset of tap `(ky, kx)`'s input from its output position.
    fn shift(&self, g: &Geom, ky: usize, kx: usize) -> isize {
        (ky as isize - g.pad[0] as isize) * self.row as isize + kx as isize - g.pad[1] as isize
    }
}

/// Samples per chunk: enough chunks for every worker, a chunk's grids near 512 K elements.
fn chunk(g: &Geom) -> usize {
    g.chunk_of((g.ci + g.co) * Grid::new(g, 1).pp, workers())
}

/// Channels `0..c` of samples `n0..n0 + nb` of `src` (`[n, c, h, w]`) on the grid: `dst` is
/// `[c, cs]`, zero outside the pixels.
#[allow(clippy::too_many_arguments)]
fn to_grid(src: &[f32], c: usize, g: &Geom, gr: &Grid, n0: usize, nb: usize, dst: &mut [f32]) {
    dst.fill(0.0);
    let plane = g.h * g.w;
    for ch in 0..c {
        let base = ch * gr.cs + gr.off;
        for j in 0..nb {
            let s = &src[((n0 + j) * c + ch) * plane..][..plane];
            for y in 0..g.h {
                dst[base + j * gr.pp + y * gr.row..][..g.w].copy_from_slice(&s[y * g.w..][..g.w]);
            }
        }
    }
}

/// `out[j, ch, y, x] = r[ch · l + j · pp + y · row + x] (+ bias[ch])`: the pixels of the grid
/// result `r` (`[c, l]`) as samples of `c` planes; every element of `out` written.
fn from_grid(
    r: &[f32],
    c: usize,
    g: &Geom,
    gr: &Grid,
    bias: Option<&[f32]>,
    out: &mut [MaybeUninit<f32>],
) {
    let plane = g.h * g.w;
    let nb = out.len() / (c * plane).max(1);
    for j in 0..nb {
        for ch in 0..c {
            let o = &mut out[(j * c + ch) * plane..][..plane];
            let src = &r[ch * gr.l + j * gr.pp..];
            let b = bias.map_or(0.0, |b| b[ch]);
            for y in 0..g.h {
                for (d, &v) in o[y * g.w..][..g.w]
                    .iter_mut()
                    .zip(&src[y * gr.row..][..g.w])
                {
                    d.write(if bias.is_some() { v + b } else { v });
                }
            }
        }
    }
}

/// What the tiles of one convolution read besides the grid, the same for every chunk: the
/// weights `A[tap] [m, k]` (element `(i, c)` of tap `t` at `w[i · rs + c · cs + t]`) packed as
/// `[panel of 8 rows][tap][c][8]`, rows past `m` zero, and each tap's buffer offset from its
/// output position (`sign ·` the tap's shift, after the leading zeros).
struct Packed {
    m: usize,
    k: usize,
    wp: Vec<f32>,
    offs: Vec<isize>,
}

impl Packed {
    fn new(g: &Geom, m: usize, k: usize, w: &[f32], (rs, cs): (usize, usize), sign: isize) -> Self {
        let taps = g.kh * g.kw;
        let mp = m.div_ceil(NM);
        let mut wp = vec![0f32; mp * taps * k * NM];
        for p in 0..mp {
            for i in 0..NM.min(m - p * NM) {
                for t in 0..taps {
                    for c in 0..k {
                        wp[((p * taps + t) * k + c) * NM + i] = w[(p * NM + i) * rs + c * cs + t];
                    }
                }
            }
        }
        // Row length and leading zeros do not depend on the chunk's samples.
        let gr = Grid::new(g, 1);
        let offs = (0..g.kh)
            .flat_map(|ky| (0..g.kw).map(move |kx| (ky, kx)))
            .map(|(ky, kx)| gr.off as isize + sign * gr.shift(g, ky, kx))
            .collect();
        Packed { m, k, wp, offs }
    }
}

/// `r [m, l] = Σ_taps Σ_c A[tap] [m, c] · grid [c, l]` shifted by the taps' offsets (`pk`).
fn direct(gr: &Grid, pk: &Packed, grid: &[f32], r: &mut [f32]) {
    let (m, k, offs) = (pk.m, pk.k, &pk.offs);
    let taps = offs.len();
    let mp = m.div_ceil(NM);
    let mut tile = [0f32; NM * NP];
    for c0 in (0..gr.l).step_by(NP) {
        for p in 0..mp {
            let rows = NM.min(m - p * NM);
            let wpp = &pk.wp[p * taps * k * NM..][..taps * k * NM];
            // SAFETY: AVX-512F was detected (`applies`); every read is inside `grid` (offsets
            // in 0..=2 · off, positions below l, channels below k: index < k · cs) and `wpp`.
            unsafe {
                if rows == NM {
                    let out = r.as_mut_ptr().add(p * NM * gr.l + c0);
                    tile_avx512(
                        k,
                        offs,
                        grid.as_ptr().add(c0),
                        gr.cs,
                        wpp.as_ptr(),
                        out,
                        gr.l,
                    );
                } else {
                    let t = tile.as_mut_ptr();
                    tile_avx512(k, offs, grid.as_ptr().add(c0), gr.cs, wpp.as_ptr(), t, NP);
                    for i in 0..rows {
                        r[(p * NM + i) * gr.l + c0..][..NP].copy_from_slice(&tile[i * NP..][..NP]);
                    }
                }
            }
        }
    }
}

/// `out[i · ld + t] = Σ_tap Σ_c wp[(tap · k + c) · 8 + i] · grid[c · cs + offs[tap] + t]` for
/// `i < 8`, `t < 48`.
#[cfg(all(target_arch = "x86_64", feature = "std"))]
#[target_feature(enable = "avx512f")]
unsafe fn tile_avx512(
    k: usize,
    offs: &[isize],
    grid: *const f32,
    cs: usize,
    wp: *const f32,
    out: *mut f32,
    ld: usize,
) {
    use core::arch::x86_64::*;
    let mut acc = [[_mm512_setzero_ps(); 3]; NM];
    for (t, &o) in offs.iter().enumerate() {
        let base = unsafe { grid.offset(o) };
        let wt = unsafe { wp.add(t * k * NM) };
        for c in 0..k {
            let (a0, a1, a2) = unsafe {
                let p = base.add(c * cs);
                (
                    _mm512_loadu_ps(p),
                    _mm512_loadu_ps(p.add(16)),
                    _mm512_loadu_ps(p.add(32)),
                )
            };
            for (i, acc_i) in acc.iter_mut().enumerate() {
                let b = _mm512_set1_ps(unsafe { *wt.add(c * NM + i) });
                acc_i[0] = _mm512_fmadd_ps(a0, b, acc_i[0]);
                acc_i[1] = _mm512_fmadd_ps(a1, b, acc_i[1]);
                acc_i[2] = _mm512_fmadd_ps(a2, b, acc_i[2]);
            }
        }
    }
    for (i, acc_i) in acc.iter().enumerate() {
        for (v, &a) in acc_i.iter().enumerate() {
            unsafe { _mm512_storeu_ps(out.add(i * ld + v * 16), a) };
        }
    }
}

#[cfg(not(all(target_arch = "x86_64", feature = "std")))]
unsafe fn tile_avx512(
    _k: usize,
    _offs: &[isize],
    _grid: *const f32,
    _cs: usize,
    _wp: *const f32,
    _out: *mut f32,
    _ld: usize,
) {
    unreachable!("conv_direct runs only where AVX-512F was detected")
}

/// The forward pass `[n, co, h, w]` (bias added).
pub(crate) fn forward(x: &[f32], w: &[f32], bias: Option<&[f32]>, g: &Geom) -> Vec<f32> {
    let sample = g.co * g.h * g.w;
    if sample == 0 || g.n == 0 {
        return vec![0.0; g.n * sample];
    }
    let nb = chunk(g);
    let taps = g.kh * g.kw;
    // W [co, ci, tap]: element (co, c) of tap t at co · ci · taps + c · taps + t.
    let pk = Packed::new(g, g.co, g.ci, w, (g.ci * taps, taps), 1);
    filled_in_chunks(
        g.n * sample,
        nb * sample,
        |c, yc: &mut [MaybeUninit<f32>]| {
            let (n0, nbj) = (c * nb, yc.len() / sample);
            let gr = Grid::new(g, nbj);
            // The grid written in full by to_grid, `r` by the tiles.
            let mut xg = Scratch::<f32>::take(g.ci * gr.cs);
            let mut r = Scratch::<f32>::take(g.co * gr.l);
            to_grid(x, g.ci, g, &gr, n0, nbj, &mut xg);
            direct(&gr, &pk, &xg, &mut r);
            from_grid(&r, g.co, g, &gr, bias, yc);
        },
    )
}

/// The input gradient `[n, ci, h, w]`.
pub(crate) fn input_grad(w: &[f32], dy: &[f32], g: &Geom) -> Vec<f32> {
    let sample = g.ci * g.h * g.w;
    if sample == 0 || g.n == 0 {
        return vec![0.0; g.n * sample];
    }
    let nb = chunk(g);
    let taps = g.kh * g.kw;
    // An input pixel receives the output gradient of every pixel that read it: offsets
    // mirrored, Wᵀ (element (ci, co) of tap t at co · ci · taps + ci · taps + t).
    let pk = Packed::new(g, g.ci, g.co, w, (taps, g.ci * taps), -1);
    filled_in_chunks(
        g.n * sample,
        nb * sample,
        |c, dxc: &mut [MaybeUninit<f32>]| {
            let (n0, nbj) = (c * nb, dxc.len() / sample);
            let gr = Grid::new(g, nbj);
            let mut dg = Scratch::<f32>::take(g.co * gr.cs);
            let mut r = Scratch::<f32>::take(g.ci * gr.l);
            to_grid(dy, g.co, g, &gr, n0, nbj, &mut dg);
            direct(&gr, &pk, &dg, &mut r);
            from_grid(&r, g.ci, g, &gr, None, dxc);
        },
    )
}
