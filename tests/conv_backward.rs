//! A 2-D convolution and its gradients through autodiff, checked against plain loops written here.
//! Our patched burn-flex computes the output of ungrouped convolutions
//! (`vendor/burn-flex/src/ops/conv_forward.rs`) and both gradients (weight and input,
//! `vendor/burn-flex/src/ops/conv_backward.rs`) as im2col + gemm, and the output and input
//! gradient of stride-1 f32 convolutions and the weight gradient of ungrouped undilated ones
//! directly where the CPU has AVX-512F (`conv_lanes.rs`, `conv_weight_direct.rs`);
//! the other convolutions keep burn-flex's own kernels. These tests hold both to the definition
//! for every shape the networks use (AlexNet's 11 × 11 stride 4, the compact net's 5 × 5 stride-2
//! stem and 3 × 3 padding-1 convolutions, the q network's 2 × 2 valid ones) and for what a user
//! could build (dilation, groups, asymmetric padding, batches that do not split evenly into
//! chunks).

use burn::tensor::module::conv2d;
use burn::tensor::ops::ConvOptions;
use burn::tensor::{Tensor, TensorData};
use galaxy_lab::cpu_device;

use crate::assert_close;

/// One convolution: batch, input and output channels, input plane, kernel, stride, padding
/// (top, left, bottom, right), dilation, groups.
#[derive(Debug, Clone, Copy)]
struct Case {
    n: usize,
    ci: usize,
    co: usize,
    h: usize,
    w: usize,
    k: [usize; 2],
    stride: [usize; 2],
    pad: [(usize, usize); 2],
    dil: [usize; 2],
    groups: usize,
}

impl Case {
    fn plain(
        n: usize,
        ci: usize,
        co: usize,
        s: usize,
        k: usize,
        stride: usize,
        pad: usize,
    ) -> Self {
        Case {
            n,
            ci,
            co,
            h: s,
            w: s,
            k: [k, k],
            stride: [stride, stride],
            pad: [(pad, pad), (pad, pad)],
            dil: [1, 1],
            groups: 1,
        }
    }

    fn out(&self) -> [usize; 2] {
        let o = |d: usize, size: usize| {
            (size + self.pad[d].0 + self.pad[d].1 - self.dil[d] * (self.k[d] - 1) - 1)
                / self.stride[d]
                + 1
        };
        [o(0, self.h), o(1, self.w)]
    }
}

fn values(len: usize, seed: u64) -> Vec<f32> {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    (0..len).map(|_| rng.random_range(-1.0f32..1.0)).collect()
}

/// The reference output `conv2d(x, w) + b` and gradients (weight, input) of
/// `sum(conv2d(x, w) · r)`, in f64.
fn reference(
    c: Case,
    x: &[f32],
    w: &[f32],
    b: &[f32],
    r: &[f32],
) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let [oh, ow] = c.out();
    let (cig, cog) = (c.ci / c.groups, c.co / c.groups);
    let mut y = vec![0f64; r.len()];
    let mut dw = vec![0f64; w.len()];
    let mut dx = vec![0f64; x.len()];
    for n in 0..c.n {
        for (co, &bias) in b.iter().enumerate().take(c.co) {
            let g = co / cog;
            for oy in 0..oh {
                for ox in 0..ow {
                    let yi = ((n * c.co + co) * oh + oy) * ow + ox;
                    let rv = r[yi] as f64;
                    y[yi] += bias as f64;
                    for cl in 0..cig {
                        let ci = g * cig + cl;
                        for ky in 0..c.k[0] {
                            for kx in 0..c.k[1] {
                                let iy = (oy * c.stride[0] + ky * c.dil[0]) as isize
                                    - c.pad[0].0 as isize;
                                let ix = (ox * c.stride[1] + kx * c.dil[1]) as isize
                                    - c.pad[1].0 as isize;
                                if iy < 0 || ix < 0 || iy >= c.h as isize || ix >= c.w as isize {
                                    continue;
                                }
                                let xi = ((n * c.ci + ci) * c.h + iy as usize) * c.w + ix as usize;
                                let wi = ((co * cig + cl) * c.k[0] + ky) * c.k[1] + kx;
                                y[yi] += x[xi] as f64 * w[wi] as f64;
                                dw[wi] += rv * x[xi] as f64;
                                dx[xi] += rv * w[wi] as f64;
                            }
                        }
                    }
                }
            }
        }
    }
    (y, dw, dx)
}

fn check(c: Case) {
    let [oh, ow] = c.out();
    let cig = c.ci / c.groups;
    let x = values(c.n * c.ci * c.h * c.w, 1);
    let w = values(c.co * cig * c.k[0] * c.k[1], 2);
    let r = values(c.n * c.co * oh * ow, 3);
    let b = values(c.co, 4);
    let device = cpu_device().autodiff();
    let xt: Tensor<4> =
        Tensor::from_data(TensorData::new(x.clone(), [c.n, c.ci, c.h, c.w]), &device)
            .require_grad();
    let wt: Tensor<4> = Tensor::from_data(
        TensorData::new(w.clone(), [c.co, cig, c.k[0], c.k[1]]),
        &device,
    )
    .require_grad();
    let rt: Tensor<4> = Tensor::from_data(TensorData::new(r.clone(), [c.n, c.co, oh, ow]), &device);
    let options = ConvOptions::new_with_padding(c.stride, c.pad, c.dil, c.groups);
    let bt: Tensor<1> = Tensor::from_data(TensorData::new(b.clone(), [c.co]), &device);
    let y = conv2d(xt.clone(), wt.clone(), Some(bt), options);
    assert_eq!(y.dims(), [c.n, c.co, oh, ow], "{c:?}: output shape");
    let (want_y, dw, dx) = reference(c, &x, &w, &b, &r);
    let got_y = y.clone().into_data().try_to_vec::<f32>().unwrap();
    assert_close(&format!("{c:?}: output"), &got_y, &want_y, 1e-5);
    let grads = (y * rt).sum().backward();
    let got = |t: &Tensor<4>| -> Vec<f32> {
        t.grad(&grads)
            .expect("a gradient")
            .into_data()
            .try_to_vec::<f32>()
            .unwrap()
    };
    assert_close(&format!("{c:?}: weight gradient"), &got(&wt), &dw, 1e-5);
    assert_close(&format!("{c:?}: input gradient"), &got(&xt), &dx, 1e-5);
}

#[test]
fn the_networks_convolutions() {
    // The compact network: 5 × 5 stride-2 stem with padding 2 (32 or 8 outputs from one
    // channel: the im2col forward; burn-flex's small-channel kernel keeps column stride 1, as
    // the q network's 2 × 2 below), 3 × 3 padding 1 stages.
    check(Case::plain(3, 1, 32, 16, 5, 2, 2));
    check(Case::plain(3, 1, 8, 16, 5, 2, 2));
    check(Case::plain(5, 6, 8, 8, 3, 1, 1));
    check(Case::plain(4, 32, 20, 4, 3, 1, 1));
    // The q network's 2 × 2 valid convolutions, odd planes.
    check(Case::plain(4, 4, 6, 11, 2, 1, 0));
    // AlexNet's 11 × 11 stride 4 (valid) and its 5 × 5 padding 2.
    check(Case::plain(2, 3, 4, 35, 11, 4, 0));
    check(Case::plain(2, 4, 5, 9, 5, 1, 2));
    // One sample, one channel (a chunk of one).
    check(Case::plain(1, 1, 1, 7, 3, 1, 1));
}

#[test]
fn strides_dilation_groups_and_asymmetric_padding() {
    check(Case {
        dil: [2, 3],
        ..Case::plain(3, 2, 3, 13, 3, 1, 2)
    });
    check(Case {
        stride: [2, 3],
        h: 12,
        w: 17,
        ..Case::plain(2, 3, 2, 12, 3, 2, 1)
    });
    check(Case {
        groups: 2,
        ..Case::plain(3, 4, 6, 9, 3, 1, 1)
    });
    check(Case {
        groups: 4,
        ..Case::plain(2, 4, 4, 8, 3, 2, 1)
    });
    check(Case {
        pad: [(0, 2), (1, 0)],
        ..Case::plain(2, 2, 3, 9, 3, 1, 0)
    });
    // A kernel wider than the padded row for some taps: columns with no valid input (a 1-wide
    // plane, padding 5, an 11-wide kernel; 5 input channels take the im2col forward).
    check(Case {
        h: 3,
        w: 1,
        k: [3, 11],
        pad: [(1, 1), (5, 5)],
        ..Case::plain(2, 5, 4, 3, 3, 1, 1)
    });
    // "Same" stride-1 convolutions (as many output columns as input columns) take the contiguous
    // path: with row dilation, with asymmetric column padding, and with kernel rows that read
    // no input row at all (a plane 2 rows high, a 5-tall kernel, padding 2).
    check(Case {
        dil: [2, 1],
        pad: [(2, 2), (1, 1)],
        ..Case::plain(3, 2, 3, 9, 3, 1, 1)
    });
    check(Case {
        pad: [(1, 1), (0, 2)],
        ..Case::plain(2, 2, 3, 9, 3, 1, 0)
    });
    check(Case {
        h: 2,
        w: 6,
        k: [5, 3],
        pad: [(2, 2), (1, 1)],
        ..Case::plain(2, 3, 2, 6, 3, 1, 1)
    });
    // Fewer output rows than input rows (no row padding): 5 of 7.
    check(Case {
        pad: [(0, 0), (1, 1)],
        ..Case::plain(2, 5, 6, 7, 3, 1, 1)
    });
    // A kernel wider than the stride skips input columns at the right edge.
    check(Case {
        k: [2, 4],
        stride: [3, 3],
        ..Case::plain(2, 2, 2, 14, 2, 3, 0)
    });
}

#[test]
fn batches_that_do_not_split_evenly() {
    // With two workers, 7 samples split into chunks of 4 and 3; 1 sample is one chunk.
    for n in [1, 2, 7, 9] {
        check(Case::plain(n, 3, 4, 10, 3, 1, 1));
        check(Case::plain(n, 5, 6, 10, 3, 1, 1));
    }
}

/// Every case through the direct AVX-512 kernels and through im2col + gemm
/// (`set_direct`, a process-wide switch: the caller holds `burn_turn`), then back to the
/// process's default (the environment decides).
fn check_direct_and_im2col(cases: &[Case]) {
    let avx512 = std::is_x86_feature_detected!("avx512f");
    for direct in [false, true] {
        let on = burn_flex::ops::conv_backward::set_direct(direct);
        assert_eq!(on, direct && avx512, "set_direct({direct}) on this CPU");
        for &c in cases {
            check(c);
        }
    }
    burn_flex::ops::conv_backward::set_direct(
        std::env::var_os("BURN_FLEX_NO_DIRECT_CONV").is_none(),
    );
}

/// Stride-1 f32 convolutions run directly where the CPU has AVX-512F
/// (`vendor/burn-flex/src/ops/conv_lanes.rs`: output channels in vector lanes, tiles of output
/// rows × columns × vectors) when their outputs fill at least three quarters of the lanes, and
/// through im2col + gemm elsewhere: both paths. Through the tiles (both passes unless said): "same"
/// convolutions at 16² (32 → 32) and 9 × 12 with a 5 × 3 kernel (16 → 16), valid ones (2 × 2 as
/// the q network's, 3 × 3 with 24 outputs: the input gradient then pads by the kernel's size less
/// one), an even 4 × 4 kernel with padding 1 (forward), padding as large as the kernel (forward;
/// the input gradient keeps im2col), asymmetric padding (16 → 16), AlexNet's 5 × 5 at 7² (40
/// outputs: part of a tile) and 3 × 3 at 3² (six vectors), a small-channel stem (3 → 16, which
/// leaves burn-flex's small-channel forward for the tiles; its input gradient, 3 outputs, keeps
/// im2col), 64 input channels (several blocks of rows: the accumulators reloaded), batches that
/// split into chunks unevenly. The cases with 3, 4, 7, 8, 9, 17 or 20 outputs keep im2col in the
/// pass where those are the outputs.
#[test]
fn same_convolutions_direct_and_through_im2col() {
    // The path is a process-wide switch: tests that train take the same turn.
    let _turn = crate::burn_turn();
    let rect = |h, w, k: [usize; 2], c: Case| Case {
        h,
        w,
        k,
        pad: [(k[0] / 2, k[0] / 2), (k[1] / 2, k[1] / 2)],
        ..c
    };
    let cases = [
        Case::plain(3, 5, 3, 10, 3, 1, 1),
        Case::plain(7, 6, 17, 10, 3, 1, 1),
        Case::plain(2, 32, 32, 16, 3, 1, 1),
        Case::plain(3, 6, 9, 20, 5, 1, 2),
        Case::plain(4, 32, 20, 4, 3, 1, 1),
        rect(12, 9, [3, 3], Case::plain(2, 5, 8, 9, 3, 1, 1)),
        rect(12, 12, [5, 3], Case::plain(2, 5, 7, 12, 3, 1, 1)),
        rect(6, 10, [1, 3], Case::plain(3, 5, 4, 10, 3, 1, 1)),
        Case::plain(2, 3, 16, 9, 3, 1, 1),
        Case::plain(3, 16, 32, 11, 2, 1, 0),
        Case::plain(2, 16, 24, 6, 3, 1, 0),
        Case::plain(2, 12, 40, 7, 5, 1, 2),
        Case::plain(2, 32, 96, 3, 3, 1, 1),
        Case::plain(3, 64, 48, 5, 3, 1, 1),
        Case::plain(2, 20, 16, 6, 4, 1, 1),
        Case::plain(2, 16, 16, 5, 3, 1, 3),
        rect(9, 12, [5, 3], Case::plain(2, 16, 16, 9, 3, 1, 1)),
        Case {
            pad: [(0, 2), (1, 0)],
            ..Case::plain(2, 16, 16, 9, 3, 1, 0)
        },
    ];
    check_direct_and_im2col(&cases);
}

/// The weight gradient of f32 convolutions without groups or dilation runs directly where the
/// CPU has AVX-512F (`vendor/burn-flex/src/ops/conv_weight_direct.rs`: output channels in vector
/// lanes, tiles of 1, 2 or 4 vectors × kernel columns × rows of (input channel, kernel row)) and
/// through im2col + gemm elsewhere: both paths, for every kernel width it has tiles for (1, 2,
/// 3, 5, 7, 11) and one it has not (4), output channels that fill one vector, part of one, part
/// of a tile (20, 33, 48) or several tiles, stems with one or three input channels (rows padded
/// to whole tiles), strides, asymmetric padding, kh ≠ kw, maps whose pixels are not whole
/// vectors, and batches that take several blocks of pixels.
#[test]
fn weight_gradients_direct_and_through_im2col() {
    let _turn = crate::burn_turn();
    let cases = [
        Case::plain(3, 1, 16, 12, 2, 1, 0),
        Case::plain(2, 3, 20, 11, 3, 1, 1),
        Case::plain(2, 4, 48, 9, 3, 1, 1),
        Case::plain(2, 5, 64, 6, 3, 1, 1),
        Case::plain(3, 3, 128, 4, 3, 1, 1),
        Case::plain(2, 2, 96, 7, 5, 1, 2),
        Case::plain(2, 1, 32, 17, 5, 2, 2),
        Case::plain(2, 1, 12, 35, 11, 4, 2),
        Case::plain(2, 2, 33, 9, 7, 2, 3),
        Case::plain(3, 7, 24, 5, 1, 1, 0),
        Case::plain(2, 3, 17, 9, 1, 2, 0),
        Case::plain(37, 2, 16, 4, 3, 1, 1),
        Case::plain(2, 3, 5, 10, 4, 2, 1),
        Case {
            h: 10,
            w: 13,
            k: [3, 5],
            stride: [2, 1],
            pad: [(0, 2), (1, 3)],
            ..Case::plain(2, 3, 40, 10, 3, 1, 1)
        },
        Case {
            h: 9,
            w: 6,
            k: [5, 1],
            pad: [(2, 2), (0, 0)],
            ..Case::plain(2, 6, 16, 9, 3, 1, 1)
        },
    ];
    check_direct_and_im2col(&cases);
}

/// The kernels reuse per-thread scratch buffers without clearing them, and do not zero the
/// forward output or the input gradient before writing them (burn-flex patch, `scratch.rs`):
/// a convolution whose buffers are left full of NaN must not leak into the next ones. One
/// thread, so every convolution below takes the buffers the NaN one gave back.
#[test]
fn buffers_left_dirty_by_an_earlier_convolution_do_not_leak() {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    pool.install(|| {
        let device = cpu_device().autodiff();
        let nan = |shape: [usize; 4]| -> Tensor<4> {
            let len = shape.iter().product();
            Tensor::from_data(TensorData::new(vec![f32::NAN; len], shape), &device)
        };
        let x = nan([8, 16, 24, 24]).require_grad();
        let w = nan([32, 16, 3, 3]).require_grad();
        let options = ConvOptions::new([1, 1], [1, 1], [1, 1], 1);
        let y = conv2d(x.clone(), w.clone(), None, options);
        let grads = (y * nan([8, 32, 24, 24])).sum().backward();
        let dx = x
            .grad(&grads)
            .unwrap()
            .into_data()
            .try_to_vec::<f32>()
            .unwrap();
        assert!(dx.iter().all(|v| v.is_nan()), "the NaN convolution ran");
        for c in [
            Case::plain(3, 1, 32, 16, 5, 2, 2),
            Case::plain(4, 6, 8, 12, 3, 1, 1),
            Case::plain(2, 3, 4, 35, 11, 4, 0),
            Case {
                groups: 2,
                ..Case::plain(3, 4, 6, 9, 3, 1, 1)
            },
        ] {
            check(c);
        }
    });
}
