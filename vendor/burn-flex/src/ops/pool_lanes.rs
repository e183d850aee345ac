//! galaxy-lab patch: max pooling of f32 planes with 16 planes in the lanes of an AVX-512 vector,
//! for the windows `pool.rs`'s fast path takes (2 × 2 or 3 × 3, inside the plane, any stride).
//!
//! One output at a time, a window's comparisons wait on one another: ~25 ns per 3 × 3 window in
//! `window_pool`'s scalar loop, which compares with selects. Here 16 planes are transposed to
//! `[position, plane]` (16 × 16 register blocks, `conv_weight_direct::transpose`), every window
//! position of an output is one vector load, and one compare-and-blend chain serves 16 outputs;
//! the values and the positions they came from are transposed back. The comparison is the
//! generic kernel's, lane by lane and in its order: a value replaces the best so far when it is
//! greater or NaN, window positions in row-major order, so the first maximum wins ties and the
//! last NaN's position is reported. Positions are flat offsets in the input plane, as there.

use super::conv_weight_direct::as_uninit;
use super::pool::Window;
use alloc::vec;
use alloc::vec::Vec;

/// Planes per vector.
const LANES: usize = 16;

/// Largest plane (values) the lane kernel takes: a task's scratch holds 16 of them (16 MiB at
/// this size), and positions travel as i32. Larger planes keep the scalar loop.
pub(crate) const MAX_PLANE: usize = 1 << 18;

/// Whether the lane kernel runs in this process: AVX-512F on this CPU and
/// `BURN_FLEX_NO_LANE_POOL` unset (read once; set to any value, `window_pool`'s scalar loop runs,
/// for side-by-side timing).
pub(crate) fn enabled() -> bool {
    #[cfg(all(target_arch = "x86_64", feature = "std"))]
    {
        static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
        *ON.get_or_init(|| {
            std::env::var_os("BURN_FLEX_NO_LANE_POOL").is_none()
                && std::is_x86_feature_detected!("avx512f")
        })
    }
    #[cfg(not(all(target_arch = "x86_64", feature = "std")))]
    {
        false
    }
}

/// Max pooling of `g.planes` planes of `x` over `K × K` windows (values, flat input positions as
/// `i64`), as `pool.rs`'s `window_pool` computes them. Call only where [`enabled`] is true and
/// every window lies inside its plane.
#[cfg(all(target_arch = "x86_64", feature = "std"))]
pub(crate) fn window_pool_f32<const K: usize>(x: &[f32], g: &Window) -> (Vec<f32>, Vec<i64>) {
    let ([in_h, in_w], [out_h, out_w], [sh, sw]) = (g.input, g.output, g.stride);
    let (plane_in, plane_out) = (in_h * in_w, out_h * out_w);
    assert!(
        enabled()
            && out_h > 0
            && out_w > 0
            && (out_h - 1) * sh + K <= in_h
            && (out_w - 1) * sw + K <= in_w
            && plane_in <= MAX_PLANE
            && x.len() >= g.planes * plane_in,
        "window_pool_f32: windows outside the planes, or no AVX-512F"
    );
    let mut output = vec![0f32; g.planes * plane_out];
    let mut indices = vec![0i64; g.planes * plane_out];
    let group = |grp: usize, out: &mut [f32], idx: &mut [i64]| {
        let p0 = grp * LANES;
        let lanes = out.len() / plane_out;
        let mut by_position = vec![0f32; plane_in * LANES];
        let mut best = vec![0f32; plane_out * LANES];
        let mut at = vec![0f32; plane_out * LANES];
        let mut at_planes = vec![0f32; plane_out * lanes];
        let src = &x[p0 * plane_in..][..lanes * plane_in];
        // SAFETY: AVX-512F (asserted above); each buffer holds what its call reads and writes
        // (`transpose` asserts its bounds, `windows` the last window's position).
        unsafe {
            super::conv_weight_direct::transpose(
                src,
                lanes,
                plane_in,
                plane_in,
                as_uninit(&mut by_position),
                LANES,
            );
            windows::<K>(&by_position, g, &mut best, &mut at);
            super::conv_weight_direct::transpose(
                &best,
                plane_out,
                lanes,
                LANES,
                as_uninit(out),
                plane_out,
            );
            super::conv_weight_direct::transpose(
                &at,
                plane_out,
                lanes,
                LANES,
                as_uninit(&mut at_planes),
                plane_out,
            );
        }
        // The positions travelled as the bits of f32 values (moves and shuffles keep bits).
        for (i, p) in idx.iter_mut().zip(&at_planes) {
            *i = i64::from(p.to_bits() as i32);
        }
    };
    #[cfg(feature = "rayon")]
    {
        use rayon::prelude::*;
        output
            .par_chunks_mut(LANES * plane_out)
            .zip(indices.par_chunks_mut(LANES * plane_out))
            .enumerate()
            .for_each(|(grp, (o, i))| group(grp, o, i));
    }
    #[cfg(not(feature = "rayon"))]
    for (grp, (o, i)) in output
        .chunks_mut(LANES * plane_out)
        .zip(indices.chunks_mut(LANES * plane_out))
        .enumerate()
    {
        group(grp, o, i);
    }
    (output, indices)
}

/// Every window of 16 planes laid out `[position, plane]` in `by_position`: the maxima into
/// `best` and their positions (as the bits of f32 values) into `at`, both `[output, plane]`.
///
/// # Safety
/// AVX-512F present.
#[cfg(all(target_arch = "x86_64", feature = "std"))]
#[target_feature(enable = "avx512f")]
unsafe fn windows<const K: usize>(
    by_position: &[f32],
    g: &Window,
    best: &mut [f32],
    at: &mut [f32],
) {
    use core::arch::x86_64::*;
    let ([in_h, in_w], [out_h, out_w], [sh, sw]) = (g.input, g.output, g.stride);
    assert!(
        by_position.len() >= in_h * in_w * LANES
            && best.len() >= out_h * out_w * LANES
            && at.len() >= out_h * out_w * LANES
            && ((out_h - 1) * sh + K - 1) * in_w + (out_w - 1) * sw + K <= in_h * in_w,
        "windows: buffers too short"
    );
    let src = by_position.as_ptr();
    for oh in 0..out_h {
        for ow in 0..out_w {
            let base = oh * sh * in_w + ow * sw;
            // SAFETY: every position read is below in_h · in_w (asserted for the last window),
            // every output below out_h · out_w.
            unsafe {
                let mut m = _mm512_loadu_ps(src.add(base * LANES));
                let mut p = _mm512_set1_epi32(base as i32);
                for kh in 0..K {
                    for kw in usize::from(kh == 0)..K {
                        let pos = base + kh * in_w + kw;
                        let v = _mm512_loadu_ps(src.add(pos * LANES));
                        let take = _mm512_cmp_ps_mask::<_CMP_GT_OQ>(v, m)
                            | _mm512_cmp_ps_mask::<_CMP_UNORD_Q>(v, v);
                        m = _mm512_mask_blend_ps(take, m, v);
                        p = _mm512_mask_blend_epi32(take, p, _mm512_set1_epi32(pos as i32));
                    }
                }
                let o = (oh * out_w + ow) * LANES;
                _mm512_storeu_ps(best.as_mut_ptr().add(o), m);
                _mm512_storeu_ps(at.as_mut_ptr().add(o), _mm512_castsi512_ps(p));
            }
        }
    }
}
