//! Max pooling as the networks use it (2 × 2 in the q and θ networks, 3 × 3 stride 2 in AlexNet),
//! checked against a plain reference written here: values, ties (the first maximum in scan order
//! wins), NaN propagation, odd planes whose last row and column are dropped, padding and ceil
//! mode, and the gradient that reaches the input through autodiff. The seed's and the thesis's
//! Keras networks and the PyTorch reference in `bench/` follow the same rules, so a change in
//! burn's pooling is caught here. The unpadded 2 × 2 and 3 × 3 cases (any stride) run the fast
//! path of our patched burn-flex (`vendor/burn-flex/GALAXY_LAB_PATCH.md`); padded and ceil-mode
//! cases run its generic kernel, so both are held to the same reference.

use burn::nn::PaddingConfig2d;
use burn::nn::pool::MaxPool2dConfig;
use burn::tensor::{Tensor, TensorData};
use galaxy_lab::cpu_device;

/// One pooling case: kernel, stride, padding (symmetric), ceil mode, input plane size.
#[derive(Debug, Clone, Copy)]
struct Case {
    k: usize,
    s: usize,
    pad: usize,
    ceil: bool,
    h: usize,
    w: usize,
}

fn out_size(n: usize, c: Case) -> usize {
    let span = n + 2 * c.pad - c.k;
    if c.ceil {
        let o = span.div_ceil(c.s) + 1;
        // PyTorch's rule: the last window must start inside the input or the left padding.
        if (o - 1) * c.s >= n + c.pad { o - 1 } else { o }
    } else {
        span / c.s + 1
    }
}

/// Reference max pooling of one `[h, w]` plane: the max of each window (NaN wins; the first of
/// equal maxima in row-major scan order wins) and the plane index it came from.
fn reference(x: &[f32], c: Case) -> (Vec<f32>, Vec<usize>) {
    let (oh, ow) = (out_size(c.h, c), out_size(c.w, c));
    let (mut v, mut at) = (Vec::new(), Vec::new());
    for i in 0..oh {
        for j in 0..ow {
            let mut best: Option<(f32, usize)> = None;
            for di in 0..c.k {
                for dj in 0..c.k {
                    let (r, q) = (
                        (i * c.s + di) as isize - c.pad as isize,
                        (j * c.s + dj) as isize - c.pad as isize,
                    );
                    if r < 0 || q < 0 || r >= c.h as isize || q >= c.w as isize {
                        continue;
                    }
                    let idx = r as usize * c.w + q as usize;
                    let val = x[idx];
                    let take = match best {
                        None => true,
                        Some((b, _)) => val > b || val.is_nan(),
                    };
                    if take {
                        best = Some((val, idx));
                    }
                }
            }
            let (b, idx) = best.expect("every window holds an input pixel");
            v.push(b);
            at.push(idx);
        }
    }
    (v, at)
}

/// Values on a coarse grid (integers −3..3) so that ties occur often.
fn plane(n: usize, seed: u64) -> Vec<f32> {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    (0..n).map(|_| rng.random_range(-3i32..=3) as f32).collect()
}

/// Runs burn's MaxPool2d forward and backward on `[2, 3, h, w]` and compares each plane with the
/// reference; the upstream gradient is a distinct weight per output element.
fn check(c: Case) {
    check_planes(c, 2, 3);
}

/// [`check`] on `[b, ch, h, w]`.
fn check_planes(c: Case, b: usize, ch: usize) {
    let n = c.h * c.w;
    let x: Vec<f32> = (0..b * ch).flat_map(|p| plane(n, p as u64 + 11)).collect();
    let (oh, ow) = (out_size(c.h, c), out_size(c.w, c));
    let m = oh * ow;
    let weights: Vec<f32> = (0..b * ch * m).map(|i| 1.0 + i as f32 * 0.01).collect();

    let device = cpu_device().autodiff();
    let pool = MaxPool2dConfig::new([c.k, c.k])
        .with_strides([c.s, c.s])
        .with_padding(PaddingConfig2d::Explicit(c.pad, c.pad, c.pad, c.pad))
        .with_ceil_mode(c.ceil)
        .init();
    let xt: Tensor<4> =
        Tensor::from_data(TensorData::new(x.clone(), [b, ch, c.h, c.w]), &device).require_grad();
    let y = pool.forward(xt.clone());
    assert_eq!(y.dims(), [b, ch, oh, ow], "{c:?}: output shape");
    let wt: Tensor<4> =
        Tensor::from_data(TensorData::new(weights.clone(), [b, ch, oh, ow]), &device);
    let grads = (y.clone() * wt).sum().backward();
    let y: Vec<f32> = y.into_data().try_to_vec::<f32>().unwrap();
    let g: Vec<f32> = xt
        .grad(&grads)
        .expect("gradient of the input")
        .into_data()
        .try_to_vec::<f32>()
        .unwrap();

    for p in 0..b * ch {
        let (rv, ri) = reference(&x[p * n..(p + 1) * n], c);
        assert_eq!(
            &y[p * m..(p + 1) * m],
            &rv[..],
            "{c:?}: values of plane {p}"
        );
        let mut rg = vec![0f32; n];
        for (o, &idx) in ri.iter().enumerate() {
            rg[idx] += weights[p * m + o];
        }
        for (i, (got, want)) in g[p * n..(p + 1) * n].iter().zip(&rg).enumerate() {
            assert!(
                (got - want).abs() <= 1e-5 * want.abs().max(1.0),
                "{c:?}: gradient of plane {p} at {i}: {got} vs {want}"
            );
        }
    }
}

#[test]
fn two_by_two_on_odd_and_even_planes() {
    // The q network's 63 → 31 (last row and column dropped), 30 → 15, 14 → 7.
    for (h, w) in [(63, 63), (30, 30), (14, 14), (5, 8)] {
        check(Case {
            k: 2,
            s: 2,
            pad: 0,
            ceil: false,
            h,
            w,
        });
    }
}

#[test]
fn alexnet_three_by_three_stride_two() {
    for (h, w) in [(15, 15), (31, 31), (7, 9), (3, 3), (4, 6)] {
        check(Case {
            k: 3,
            s: 2,
            pad: 0,
            ceil: false,
            h,
            w,
        });
    }
}

#[test]
fn more_planes_than_a_vector_holds() {
    // 3 · 7 = 21 planes: burn-flex's AVX-512 kernel takes 16 planes at a time, then the 5 left.
    for (k, h) in [(3, 15), (2, 9)] {
        let c = Case {
            k,
            s: 2,
            pad: 0,
            ceil: false,
            h,
            w: h,
        };
        check_planes(c, 3, 7);
    }
}

#[test]
fn unpadded_windows_at_other_strides() {
    // Overlapping (stride 1) and gapped (stride 3) windows take the same fast path.
    for (k, s, h, w) in [(3, 1, 6, 5), (3, 3, 11, 10), (2, 1, 5, 7), (2, 3, 8, 9)] {
        check(Case {
            k,
            s,
            pad: 0,
            ceil: false,
            h,
            w,
        });
    }
}

#[test]
fn padded_and_ceil_mode_windows() {
    check(Case {
        k: 3,
        s: 2,
        pad: 1,
        ceil: false,
        h: 11,
        w: 11,
    });
    check(Case {
        k: 2,
        s: 2,
        pad: 0,
        ceil: true,
        h: 7,
        w: 7,
    });
    check(Case {
        k: 3,
        s: 1,
        pad: 1,
        ceil: false,
        h: 6,
        w: 5,
    });
}

/// burn's unpadded MaxPool2d (inference) of one `c.h × c.w` plane.
fn pooled_plane(x: &[f32], c: Case) -> Vec<f32> {
    let pool = MaxPool2dConfig::new([c.k, c.k])
        .with_strides([c.s, c.s])
        .init();
    pool.forward(Tensor::<4>::from_data(
        TensorData::new(x.to_vec(), [1, 1, c.h, c.w]),
        &cpu_device(),
    ))
    .into_data()
    .try_to_vec::<f32>()
    .unwrap()
}

#[test]
fn nan_propagates_as_the_reference_says() {
    let c = Case {
        k: 2,
        s: 2,
        pad: 0,
        ceil: false,
        h: 4,
        w: 4,
    };
    let mut x = plane(16, 3);
    x[5] = f32::NAN;
    let y = pooled_plane(&x, c);
    let (rv, _) = reference(&x, c);
    assert!(
        y[0].is_nan() && rv[0].is_nan(),
        "window holding the NaN: {y:?}"
    );
    assert_eq!(&y[1..], &rv[1..]);

    // AlexNet's 3 × 3 / 2: NaNs in two overlapping windows, the later one also in the next.
    let c = Case {
        k: 3,
        s: 2,
        pad: 0,
        ceil: false,
        h: 5,
        w: 5,
    };
    let mut x = plane(25, 4);
    x[6] = f32::NAN;
    x[12] = f32::NAN;
    let y = pooled_plane(&x, c);
    let (rv, _) = reference(&x, c);
    assert_eq!(y.len(), rv.len());
    for (got, want) in y.iter().zip(&rv) {
        assert!(
            got.to_bits() == want.to_bits() || (got.is_nan() && want.is_nan()),
            "3 × 3 / 2 with NaNs: {y:?} vs {rv:?}"
        );
    }
    assert!(
        y.iter().all(|v| v.is_nan()),
        "every window holds x[12]: {y:?}"
    );

    // The gradient goes to the last NaN of each window, as the reference reports it.
    let device = cpu_device().autodiff();
    let xt: Tensor<4> =
        Tensor::from_data(TensorData::new(x.clone(), [1, 1, 5, 5]), &device).require_grad();
    let pool = MaxPool2dConfig::new([3, 3]).with_strides([2, 2]).init();
    let weights = [1.0f32, 10.0, 100.0, 1000.0];
    let wt: Tensor<4> = Tensor::from_data(TensorData::new(weights.to_vec(), [1, 1, 2, 2]), &device);
    let grads = (pool.forward(xt.clone()) * wt).sum().backward();
    let g: Vec<f32> = xt.grad(&grads).unwrap().into_data().try_to_vec().unwrap();
    let (_, at) = reference(&x, c);
    let mut want = vec![0f32; 25];
    for (o, &i) in at.iter().enumerate() {
        want[i] += weights[o];
    }
    assert_eq!(
        g, want,
        "gradient positions of the NaN windows (reference {at:?})"
    );
}
