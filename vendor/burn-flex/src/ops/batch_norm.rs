//! galaxy-lab patch: batch normalisation as fused per-channel kernels.
//!
//! burn's default `batch_norm_train` (burn-backend's `ModuleOps`) composes the statistics from
//! tensor operations — a transposed copy of the input to reduce over, a centred copy, its
//! square, another transposed copy — and then normalises in four more element-wise passes; its
//! backward takes about a dozen passes and two more transposed copies. Here, for an input
//! `[N, C, ...]` (NCHW: each sample's channel is one contiguous plane):
//!
//! * training forward: per channel, the mean and then the biased variance (two passes over its
//!   planes, accumulated in f64), then `y = (x − mean) · a + β` with `a = γ / √(var + ε)`
//!   (one pass; centred first, so that a variance near zero does not cancel digits);
//! * training backward: per channel `Σ dy` (the β gradient) and `Σ dy · x̂` (the γ gradient,
//!   `x̂ = (x − mean) / √(var + ε)`) in one pass, then `dx = γ / √(var + ε) · (dy − Σ dy / M −
//!   x̂ · Σ dy · x̂ / M)` with `M = N · H · W` in another;
//!
//! Inference (`batch_norm` with given statistics) of f32 tensors of a million values and more:
//! one pass per plane computing burn's composition `((x − mean) / √(var + ε)) · γ + β` element by element, each operation rounded
//! in f32 as the composition's four broadcast passes round it, so the values are the same (a
//! fused f64 pass, tried first, was slower: scalar conversions); other types keep the
//! composition. Channels (for the sums) and planes (for the element-wise passes) run in
//! parallel. Where the CPU has AVX-512F the sums (f32: eight f64 accumulators as one vector) and
//! the element-wise passes run in AVX-512 builds of the same arithmetic (same values; stop 54:
//! the compact classifier's batch norms, forward + backward at batch 64, 30 → 19–20 ms). f32 and
//! f64 natively; f16 and bf16 through f32.

use alloc::vec::Vec;
use core::mem::MaybeUninit;
use burn_backend::DType;
use burn_backend::ops::{BatchNormTrain, BatchNormTrainBackward};
use burn_std::{Bytes, Shape, bf16, f16};

use crate::ops::module::{cast_from_f32, cast_to_f32};
use crate::ops::scratch::filled_in_chunks;
use crate::{Flex, FlexTensor, Layout};

/// The element types computed natively. Sums and the element-wise passes compute in f64 and
/// round once: an f32 pass (`(x − mean) · a + β` in f32) differs from burn's composition by an
/// ulp or two in many elements, enough to flip max-pool winners and move AlexNet's first-epoch
/// loss by 1e-4 (`tests/fit_golden.rs`); rounded once from f64 it stays within 1e-6.
trait Val: Copy + Send + Sync + bytemuck::Pod + burn_backend::Element {
    fn to64(self) -> f64;
    fn from64(v: f64) -> Self;
    /// The values as f32, if they are.
    fn as_f32(s: &[Self]) -> Option<&[f32]>;
    /// `out = (src − mean) · a + b` (centred first: `src · a − mean · a` would cancel); every
    /// element of `out` written.
    fn affine(src: &[Self], mean: f64, a: f64, b: f64, out: &mut [MaybeUninit<Self>]);
    /// `out = k · (dy − mg − (x − mu) · iv · mgx)`; every element of `out` written.
    #[allow(clippy::too_many_arguments)]
    fn input_grad(
        x: &[Self],
        dy: &[Self],
        mu: f64,
        iv: f64,
        k: f64,
        mg: f64,
        mgx: f64,
        out: &mut [MaybeUninit<Self>],
    );
}

macro_rules! val {
    ($t:ty) => {
        impl Val for $t {
            fn to64(self) -> f64 {
                self as f64
            }
            fn from64(v: f64) -> Self {
                v as $t
            }
            fn as_f32(s: &[Self]) -> Option<&[f32]> {
                (core::mem::size_of::<Self>() == 4)
                    .then(|| bytemuck::try_cast_slice(s).ok())
                    .flatten()
            }
            #[inline(always)]
            fn affine(src: &[Self], mean: f64, a: f64, b: f64, out: &mut [MaybeUninit<Self>]) {
                for (o, &v) in out.iter_mut().zip(src) {
                    o.write(((v as f64 - mean) * a + b) as $t);
                }
            }
            #[inline(always)]
            fn input_grad(
                x: &[Self],
                dy: &[Self],
                mu: f64,
                iv: f64,
                k: f64,
                mg: f64,
                mgx: f64,
                out: &mut [MaybeUninit<Self>],
            ) {
                for ((o, &xv), &g) in out.iter_mut().zip(x).zip(dy) {
                    o.write((k * (g as f64 - mg - (xv as f64 - mu) * iv * mgx)) as $t);
                }
            }
        }
    };
}

val!(f32);
val!(f64);

/// `[N, C, ...]` as samples, channels and elements per plane.
#[derive(Clone, Copy)]
struct Dims {
    n: usize,
    c: usize,
    plane: usize,
}

impl Dims {
    fn of(x: &FlexTensor) -> Self {
        let s = x.layout().shape();
        assert!(
            s.num_dims() >= 2,
            "batch norm: input rank must be at least 2"
        );
        Dims {
            n: s[0],
            c: s[1],
            plane: (2..s.num_dims()).map(|d| s[d]).product(),
        }
    }

    /// Values per channel.
    fn m(&self) -> f64 {
        (self.n * self.plane).max(1) as f64
    }

    /// The planes of channel `ch`, one per sample.
    fn planes<'a, T>(&self, data: &'a [T], ch: usize) -> impl Iterator<Item = &'a [T]> + 'a {
        let (c, plane) = (self.c, self.plane);
        (0..self.n).map(move |n| &data[(n * c + ch) * plane..][..plane])
    }
}

/// Whether the loops below run in their AVX-512F builds (checked at run time).
#[cfg(all(target_arch = "x86_64", feature = "std"))]
fn avx512() -> bool {
    std::is_x86_feature_detected!("avx512f")
}

/// The terms a channel sum adds: `a` (means, the β gradient), `(a − m)²` (variances) or `a ·
/// (b − m)` (the γ gradient, `a` the output gradient, `b` the input).
#[derive(Clone, Copy)]
enum Terms {
    Plain,
    SquaredDeviation(f64),
    Cross(f64),
}

impl Terms {
    #[inline(always)]
    fn of<T: Val>(self, a: T, b: T) -> f64 {
        match self {
            Terms::Plain => a.to64(),
            Terms::SquaredDeviation(m) => {
                let d = a.to64() - m;
                d * d
            }
            Terms::Cross(m) => a.to64() * (b.to64() - m),
        }
    }
}

/// `Σ terms(a[i], b[i])` in eight independent f64 accumulators (a single running sum would wait
/// on each addition's latency). For f32 where the CPU has AVX-512F the eight accumulators are the
/// lanes of one vector: the same additions in the same order, the same value (stop 54: built for
/// the baseline, scalar conversions and additions, the sums were ~10 % of a compact classifier
/// training step; the compiler did not vectorise the loop even when built for AVX-512F).
fn sum8<T: Val>(a: &[T], b: &[T], terms: Terms) -> f64 {
    debug_assert_eq!(
        a.len(),
        b.len(),
        "batch norm sums: planes of different lengths"
    );
    #[cfg(all(target_arch = "x86_64", feature = "std"))]
    if avx512()
        && let (Some(a32), Some(b32)) = (T::as_f32(a), T::as_f32(b))
    {
        // SAFETY: AVX-512F was detected.
        return unsafe { sum8_f32_avx512(a32, b32, terms) };
    }
    let mut acc = [0f64; 8];
    let (mut ca, mut cb) = (a.chunks_exact(8), b.chunks_exact(8));
    for (x, y) in (&mut ca).zip(&mut cb) {
        for l in 0..8 {
            acc[l] += terms.of(x[l], y[l]);
        }
    }
    finish(acc, ca.remainder(), cb.remainder(), terms)
}

/// The accumulators summed in lane order, then the last `len % 8` terms.
#[inline(always)]
fn finish<T: Val>(acc: [f64; 8], ra: &[T], rb: &[T], terms: Terms) -> f64 {
    let rest: f64 = ra.iter().zip(rb).map(|(&x, &y)| terms.of(x, y)).sum();
    acc.iter().sum::<f64>() + rest
}

/// [`sum8`] for f32 with the accumulators in one AVX-512 vector of eight f64.
#[cfg(all(target_arch = "x86_64", feature = "std"))]
#[target_feature(enable = "avx512f")]
unsafe fn sum8_f32_avx512(a: &[f32], b: &[f32], terms: Terms) -> f64 {
    use core::arch::x86_64::*;
    let n = a.len().min(b.len()) / 8 * 8;
    let load = |s: &[f32], i: usize| _mm512_cvtps_pd(unsafe { _mm256_loadu_ps(s.as_ptr().add(i)) });
    let mut acc = _mm512_setzero_pd();
    match terms {
        Terms::Plain => {
            for i in (0..n).step_by(8) {
                acc = _mm512_add_pd(acc, load(a, i));
            }
        }
        Terms::SquaredDeviation(m) => {
            let m = _mm512_set1_pd(m);
            for i in (0..n).step_by(8) {
                let d = _mm512_sub_pd(load(a, i), m);
                acc = _mm512_add_pd(acc, _mm512_mul_pd(d, d));
            }
        }
        Terms::Cross(m) => {
            let m = _mm512_set1_pd(m);
            for i in (0..n).step_by(8) {
                let t = _mm512_mul_pd(load(a, i), _mm512_sub_pd(load(b, i), m));
                acc = _mm512_add_pd(acc, t);
            }
        }
    }
    let mut lanes = [0f64; 8];
    unsafe { _mm512_storeu_pd(lanes.as_mut_ptr(), acc) };
    finish(lanes, &a[n..], &b[n..], terms)
}

/// `(Σ dy, Σ dy · (x − m))` in one pass over the two planes: the additions of
/// `sum8(dy, dy, Plain)` and `sum8(dy, x, Cross(m))` in the same order (the same values), two
/// independent chains instead of two passes.
fn sum8_grad<T: Val>(dy: &[T], x: &[T], m: f64) -> (f64, f64) {
    debug_assert_eq!(
        dy.len(),
        x.len(),
        "batch norm sums: planes of different lengths"
    );
    #[cfg(all(target_arch = "x86_64", feature = "std"))]
    if avx512()
        && let (Some(a32), Some(b32)) = (T::as_f32(dy), T::as_f32(x))
    {
        // SAFETY: AVX-512F was detected.
        return unsafe { sum8_grad_f32_avx512(a32, b32, m) };
    }
    let (mut acc, mut accx) = ([0f64; 8], [0f64; 8]);
    let (mut ca, mut cb) = (dy.chunks_exact(8), x.chunks_exact(8));
    for (a, b) in (&mut ca).zip(&mut cb) {
        for l in 0..8 {
            acc[l] += Terms::Plain.of(a[l], b[l]);
            accx[l] += Terms::Cross(m).of(a[l], b[l]);
        }
    }
    let (ra, rb) = (ca.remainder(), cb.remainder());
    (
        finish(acc, ra, rb, Terms::Plain),
        finish(accx, ra, rb, Terms::Cross(m)),
    )
}

/// [`sum8_grad`] for f32 with each sum's accumulators in one AVX-512 vector of eight f64.
#[cfg(all(target_arch = "x86_64", feature = "std"))]
#[target_feature(enable = "avx512f")]
unsafe fn sum8_grad_f32_avx512(dy: &[f32], x: &[f32], m: f64) -> (f64, f64) {
    use core::arch::x86_64::*;
    let n = dy.len().min(x.len()) / 8 * 8;
    let load = |s: &[f32], i: usize| _mm512_cvtps_pd(unsafe { _mm256_loadu_ps(s.as_ptr().add(i)) });
    let mv = _mm512_set1_pd(m);
    let (mut acc, mut accx) = (_mm512_setzero_pd(), _mm512_setzero_pd());
    for i in (0..n).step_by(8) {
        let a = load(dy, i);
        acc = _mm512_add_pd(acc, a);
        accx = _mm512_add_pd(accx, _mm512_mul_pd(a, _mm512_sub_pd(load(x, i), mv)));
    }
    let (mut lanes, mut lanesx) = ([0f64; 8], [0f64; 8]);
    unsafe {
        _mm512_storeu_pd(lanes.as_mut_ptr(), acc);
        _mm512_storeu_pd(lanesx.as_mut_ptr(), accx);
    }
    (
        finish(lanes, &dy[n..], &x[n..], Terms::Plain),
        finish(lanesx, &dy[n..], &x[n..], Terms::Cross(m)),
    )
}

/// `f(channel)` for every channel, in parallel.
fn per_channel<R: Send>(c: usize, f: impl Fn(usize) -> R + Send + Sync) -> Vec<R> {
    #[cfg(feature = "rayon")]
    {
        use rayon::prelude::*;
        (0..c).into_par_iter().map(f).collect()
    }
    #[cfg(not(feature = "rayon"))]
    {
        (0..c).map(f).collect()
    }
}

/// `out[plane i] = g(channel of i, x plane i, extra plane i)` for every plane, in parallel over
/// runs of whole planes of at least 16 K values (one task per plane cost more than the
/// arithmetic on 4² maps); `g` writes every element of its (uninitialised) output plane, so
/// nothing is zero-filled first.
fn per_plane<T: Val>(
    d: Dims,
    x: &[T],
    extra: Option<&[T]>,
    g: impl Fn(usize, &[T], Option<&[T]>, &mut [MaybeUninit<T>]) + Send + Sync,
) -> Vec<T> {
    if d.plane == 0 {
        return Vec::new();
    }
    let planes_per_run = ((16 << 10) / d.plane).max(1);
    filled_in_chunks(
        x.len(),
        planes_per_run * d.plane,
        |r, out: &mut [MaybeUninit<T>]| {
            for (j, o) in out.chunks_mut(d.plane).enumerate() {
                let i = r * planes_per_run + j;
                let src = &x[i * d.plane..][..d.plane];
                let e = extra.map(|e| &e[i * d.plane..][..d.plane]);
                g(i % d.c, src, e, o)
            }
        },
    )
}

fn affine<T: Val>(d: Dims, x: &[T], mean: &[f64], a: &[f64], b: &[f64]) -> Vec<T> {
    per_plane(d, x, None, |ch, src, _, out| {
        #[cfg(all(target_arch = "x86_64", feature = "std"))]
        if avx512() {
            // SAFETY: AVX-512F was detected.
            return unsafe { affine_avx512(src, mean[ch], a[ch], b[ch], out) };
        }
        T::affine(src, mean[ch], a[ch], b[ch], out)
    })
}

/// [`Val::affine`] compiled for AVX-512F (the same operations per element: the same values).
#[cfg(all(target_arch = "x86_64", feature = "std"))]
#[target_feature(enable = "avx512f")]
unsafe fn affine_avx512<T: Val>(src: &[T], mean: f64, a: f64, b: f64, out: &mut [MaybeUninit<T>]) {
    T::affine(src, mean, a, b, out)
}

/// [`Val::input_grad`] compiled for AVX-512F (the same operations per element: the same
/// values).
#[cfg(all(target_arch = "x86_64", feature = "std"))]
#[target_feature(enable = "avx512f")]
#[allow(clippy::too_many_arguments)]
unsafe fn input_grad_avx512<T: Val>(
    x: &[T],
    dy: &[T],
    mu: f64,
    iv: f64,
    k: f64,
    mg: f64,
    mgx: f64,
    out: &mut [MaybeUninit<T>],
) {
    T::input_grad(x, dy, mu, iv, k, mg, mgx, out)
}

fn values<T: Val>(t: &FlexTensor) -> Vec<f64> {
    t.storage::<T>().iter().map(|v| v.to64()).collect()
}

fn tensor<T: Val>(data: Vec<T>, shape: Shape) -> FlexTensor {
    FlexTensor::new(
        Bytes::from_elems(data),
        Layout::contiguous(shape),
        T::dtype(),
    )
}

fn channels<T: Val>(v: &[f64]) -> FlexTensor {
    tensor(
        v.iter().map(|&x| T::from64(x)).collect(),
        Shape::new([v.len()]),
    )
}

fn train_native<T: Val>(
    x: FlexTensor,
    gamma: FlexTensor,
    beta: FlexTensor,
    eps: f64,
) -> [FlexTensor; 3] {
    let d = Dims::of(&x);
    let shape = x.layout().shape().clone();
    let xs: &[T] = x.storage();
    let (gamma, beta) = (values::<T>(&gamma), values::<T>(&beta));
    let stats = per_channel(d.c, |ch| {
        let mean = d
            .planes(xs, ch)
            .map(|p| sum8(p, p, Terms::Plain))
            .sum::<f64>()
            / d.m();
        let var = d
            .planes(xs, ch)
            .map(|p| sum8(p, p, Terms::SquaredDeviation(mean)))
            .sum::<f64>()
            / d.m();
        (mean, var)
    });
    let (mean, var): (Vec<f64>, Vec<f64>) = stats.into_iter().unzip();
    let a: Vec<f64> = (0..d.c)
        .map(|ch| gamma[ch] / (var[ch] + eps).sqrt())
        .collect();
    let y = affine(d, xs, &mean, &a, &beta);
    [tensor(y, shape), channels::<T>(&mean), channels::<T>(&var)]
}

fn backward_native<T: Val>(
    x: FlexTensor,
    gamma: FlexTensor,
    mean: FlexTensor,
    var: FlexTensor,
    eps: f64,
    dy: FlexTensor,
) -> [FlexTensor; 3] {
    let d = Dims::of(&x);
    let shape = x.layout().shape().clone();
    let (xs, dys): (&[T], &[T]) = (x.storage(), dy.storage());
    let (gamma, mean, var) = (values::<T>(&gamma), values::<T>(&mean), values::<T>(&var));
    let inv: Vec<f64> = var.iter().map(|v| 1.0 / (v + eps).sqrt()).collect();
    let sums = per_channel(d.c, |ch| {
        let (mut s, mut sx) = (0f64, 0f64);
        for (xp, yp) in d.planes(xs, ch).zip(d.planes(dys, ch)) {
            let (a, b) = sum8_grad(yp, xp, mean[ch]);
            s += a;
            sx += b;
        }
        (s, sx * inv[ch])
    });
    let (beta_grad, gamma_grad): (Vec<f64>, Vec<f64>) = sums.into_iter().unzip();
    let m = d.m();
    let dx = per_plane(d, xs, Some(dys), |ch, xp, yp, out| {
        let yp = yp.expect("output gradient plane");
        let k = gamma[ch] * inv[ch];
        let (mg, mgx) = (beta_grad[ch] / m, gamma_grad[ch] / m);
        #[cfg(all(target_arch = "x86_64", feature = "std"))]
        if avx512() {
            // SAFETY: AVX-512F was detected.
            return unsafe { input_grad_avx512(xp, yp, mean[ch], inv[ch], k, mg, mgx, out) };
        }
        T::input_grad(xp, yp, mean[ch], inv[ch], k, mg, mgx, out);
    });
    [
        tensor(dx, shape),
        channels::<T>(&gamma_grad),
        channels::<T>(&beta_grad),
    ]
}

/// Values from which [`inference_f32`] fuses the four passes: below, the composition's passes
/// stay in cache and burn-flex's AVX-512 kernels for them were faster than one fused pass
/// (`compact_op_profile`, batch 64: 32 @ 16², 524 K values, 0.42–0.44 → 0.56–0.58 ms fused);
/// above, they go to memory and fusing saves three round trips (32 @ 32², 2 M values, 2.1 →
/// 1.3–1.4 ms).
const FUSED_INFERENCE_MIN: usize = 1 << 20;

/// `batch_norm` (inference, given statistics) on f32 tensors of at least
/// [`FUSED_INFERENCE_MIN`] values: `((x − mean) / √(var + ε)) · γ + β`
/// in one pass per plane, every operation rounded in f32 in the order of burn's composition
/// (`ModuleOps::batch_norm`'s default: `var + ε`, its square root, then subtract, divide,
/// multiply, add as four broadcast passes), so that the result is the composition's. `None`
/// where that does not apply (another type, rank below 2, planes under 16 values, statistics
/// that are not `[C]`): the caller composes as before.
pub fn inference_f32(
    x: &FlexTensor,
    gamma: &FlexTensor,
    beta: &FlexTensor,
    mean: &FlexTensor,
    var: &FlexTensor,
    eps: f64,
) -> Option<FlexTensor> {
    let ts = [x, gamma, beta, mean, var];
    if ts.iter().any(|t| t.dtype() != DType::F32)
        || x.layout().shape().num_dims() < 2
        || x.layout().num_elements() < FUSED_INFERENCE_MIN
    {
        return None;
    }
    let d = Dims::of(x);
    // One call of the loop per plane: planes of a few values (`[N, C]` features) compose.
    if d.plane < 16 {
        return None;
    }
    let stat = |t: &FlexTensor| {
        let s = t.layout().shape();
        (s.num_dims() == 1 && s[0] == d.c)
            .then(|| t.clone().to_contiguous().storage::<f32>().to_vec())
    };
    let (g, b, m, v) = (stat(gamma)?, stat(beta)?, stat(mean)?, stat(var)?);
    let std: Vec<f32> = v.iter().map(|&v| (v + eps as f32).sqrt()).collect();
    let shape = x.layout().shape().clone();
    let x = x.clone().to_contiguous();
    let y = per_plane(d, x.storage::<f32>(), None, |ch, src, _, out| {
        let k = [m[ch], std[ch], g[ch], b[ch]];
        #[cfg(all(target_arch = "x86_64", feature = "std"))]
        if avx512() {
            // SAFETY: AVX-512F was detected (`avx512`).
            return unsafe { normalise_avx512(src, k, out) };
        }
        normalise(src, k, out)
    });
    Some(tensor(y, shape))
}

/// `out = (src − m) / s · g + b` for `[m, s, g, b]`, every element written. The division has
/// to stay one (`· (1 / s)` would round differently from the composition's divide pass): in
/// SSE2, the baseline build, it made small planes slower than the composition's four passes of
/// burn-flex's runtime-dispatched SIMD kernels, hence the AVX-512 build of the same loop.
#[inline(always)]
fn normalise(src: &[f32], [m, s, g, b]: [f32; 4], out: &mut [MaybeUninit<f32>]) {
    for (o, &v) in out.iter_mut().zip(src) {
        o.write((v - m) / s * g + b);
    }
}

/// [`normalise`] compiled for AVX-512F.
#[cfg(all(target_arch = "x86_64", feature = "std"))]
#[target_feature(enable = "avx512f")]
unsafe fn normalise_avx512(src: &[f32], k: [f32; 4], out: &mut [MaybeUninit<f32>]) {
    normalise(src, k, out)
}

/// How the tensors of one call are computed: natively in their own type, or through f32.
enum Route {
    F32,
    F64,
    Via32(fn(FlexTensor) -> FlexTensor),
}

fn route(ts: &[&FlexTensor], op: &str) -> Route {
    let dtype = ts[0].dtype();
    assert!(
        ts.iter().all(|t| t.dtype() == dtype),
        "{op}: tensors of different types"
    );
    match dtype {
        DType::F32 => Route::F32,
        DType::F64 => Route::F64,
        DType::F16 => Route::Via32(|t| cast_from_f32(t, f16::from_f32)),
        DType::BF16 => Route::Via32(|t| cast_from_f32(t, bf16::from_f32)),
        dtype => panic!("{op}: unsupported dtype {dtype:?}"),
    }
}

/// Every tensor as contiguous f32 (from f16 or bf16) or as it is.
fn contiguous(t: FlexTensor) -> FlexTensor {
    match t.dtype() {
        DType::F16 => cast_to_f32(t, f16::to_f32),
        DType::BF16 => cast_to_f32(t, bf16::to_f32),
        _ => t.to_contiguous(),
    }
}

/// `batch_norm_train` for [`Flex`]: the normalised input and the batch mean and biased variance.
pub fn train(x: FlexTensor, gamma: FlexTensor, beta: FlexTensor, eps: f64) -> BatchNormTrain<Flex> {
    let r = route(&[&x, &gamma, &beta], "batch_norm_train");
    let (x, gamma, beta) = (contiguous(x), contiguous(gamma), contiguous(beta));
    let [y, mean, var] = match r {
        Route::F64 => train_native::<f64>(x, gamma, beta, eps),
        _ => train_native::<f32>(x, gamma, beta, eps),
    };
    match r {
        Route::Via32(back) => BatchNormTrain::new(back(y), back(mean), back(var)),
        _ => BatchNormTrain::new(y, mean, var),
    }
}

/// The sum of every channel's values of an `[N, C, ...]` tensor (shape `[C]`): batch norm's β
/// gradient, and a convolution's bias gradient from its output gradient (`conv2d_bias_backward`,
/// whose default in burn copies the output gradient into `[C, N · H · W]` rows first: a
/// transposed copy of the largest tensor of the layer). The sums of [`sum8`] (eight f64
/// accumulators per plane, planes added in sample order) rounded once, channels in parallel.
pub fn channel_sums(t: FlexTensor) -> FlexTensor {
    let r = route(&[&t], "channel_sums");
    let t = contiguous(t);
    let d = Dims::of(&t);
    fn sums<T: Val>(t: &FlexTensor, d: Dims) -> FlexTensor {
        let xs: &[T] = t.storage();
        let s = per_channel(d.c, |ch| {
            d.planes(xs, ch).map(|p| sum8(p, p, Terms::Plain)).sum()
        });
        channels::<T>(&s)
    }
    let s = match r {
        Route::F64 => sums::<f64>(&t, d),
        _ => sums::<f32>(&t, d),
    };
    match r {
        Route::Via32(back) => back(s),
        _ => s,
    }
}

/// `batch_norm_train_backward` for [`Flex`]: the gradients of the input, γ and β.
pub fn train_backward(
    x: FlexTensor,
    gamma: FlexTensor,
    mean: FlexTensor,
    var: FlexTensor,
    eps: f64,
    dy: FlexTensor,
) -> BatchNormTrainBackward<Flex> {
    let r = route(&[&x, &gamma, &mean, &var, &dy], "batch_norm_train_backward");
    let [x, gamma, mean, var, dy] = [x, gamma, mean, var, dy].map(contiguous);
    let [dx, dg, db] = match r {
        Route::F64 => backward_native::<f64>(x, gamma, mean, var, eps, dy),
        _ => backward_native::<f32>(x, gamma, mean, var, eps, dy),
    };
    match r {
        Route::Via32(back) => BatchNormTrainBackward::new(back(dx), back(dg), back(db)),
        _ => BatchNormTrainBackward::new(dx, dg, db),
    }
}
