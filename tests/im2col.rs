//! The im2col convolution the q network's first layer uses for speed (`models::im2col`): its
//! output and its gradients (weights, bias, input) against a plain convolution written here and
//! against burn's own `Conv2d`; the q network computes the same function either way and a saved
//! configuration says which way; unsupported convolutions and bad input are clear errors.

use burn::nn::PaddingConfig2d;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::tensor::{Tensor, TensorData};
use galaxy_lab::models::im2col::{ConvImpl, check_im2col, conv2d_im2col};
use galaxy_lab::prelude::*;

fn values(n: usize, seed: u64) -> Vec<f32> {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    (0..n).map(|_| rng.random_range(-1.0f32..1.0)).collect()
}

/// Plain valid, stride-1 cross-correlation (what a CNN layer calls convolution) in f64:
/// y[n, o, i, j] = b[o] + Σ_c Σ_dy Σ_dx w[o, c, dy, dx] · x[n, c, i + dy, j + dx].
fn reference(x: &[f32], xd: [usize; 4], w: &[f32], wd: [usize; 4], b: &[f32]) -> Vec<f64> {
    let [n, c, h, wi] = xd;
    let [co, _, kh, kw] = wd;
    let (ho, wo) = (h - kh + 1, wi - kw + 1);
    let mut y = vec![0.0; n * co * ho * wo];
    for s in 0..n {
        for o in 0..co {
            for i in 0..ho {
                for j in 0..wo {
                    let mut acc = b[o] as f64;
                    for ci in 0..c {
                        for dy in 0..kh {
                            for dx in 0..kw {
                                let xv = x[((s * c + ci) * h + i + dy) * wi + j + dx] as f64;
                                let wv = w[((o * c + ci) * kh + dy) * kw + dx] as f64;
                                acc += xv * wv;
                            }
                        }
                    }
                    y[((s * co + o) * ho + i) * wo + j] = acc;
                }
            }
        }
    }
    y
}

fn to_vec<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().try_to_vec::<f32>().unwrap()
}

fn max_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

/// A convolution with weights and bias from `seed` (not burn's initialiser, so the reference
/// sees the same numbers); `grad`: trainable (needs an autodiff device).
fn conv(
    ci: usize,
    co: usize,
    k: usize,
    seed: u64,
    device: &Device,
    grad: bool,
) -> (Conv2d, Vec<f32>, Vec<f32>) {
    let mut conv = Conv2dConfig::new([ci, co], [k, k]).init(device);
    let (w, b) = (values(co * ci * k * k, seed), values(co, seed + 1));
    let weight: Tensor<4> = Tensor::from_data(TensorData::new(w.clone(), [co, ci, k, k]), device);
    let weight = if grad { weight.require_grad() } else { weight };
    conv.weight = conv.weight.map(|_| weight);
    let bias: Tensor<1> = Tensor::from_data(TensorData::new(b.clone(), [co]), device);
    let bias = if grad { bias.require_grad() } else { bias };
    conv.bias = conv.bias.map(|p| p.map(|_| bias));
    (conv, w, b)
}

#[test]
fn forward_matches_a_plain_convolution_and_burns_kernel() {
    // Conv2d initialisation draws from burn's process-wide RNG: take the turn.
    let _turn = crate::burn_turn();
    let device = cpu_device();
    // The q network's first layers (1 and 4 channels, 2 × 2) and a 3 × 3 kernel on a
    // non-square plane.
    for (ci, co, k, h, w) in [(1, 16, 2, 17, 17), (4, 16, 2, 12, 12), (3, 5, 3, 7, 9)] {
        let xd = [2, ci, h, w];
        let x = values(xd.iter().product(), 7);
        let (conv, wv, bv) = conv(ci, co, k, 3, &device, false);
        let xt: Tensor<4> = Tensor::from_data(TensorData::new(x.clone(), xd), &device);
        check_im2col(&conv, xd).unwrap();
        let ours = conv2d_im2col(&conv, xt.clone()).unwrap();
        assert_eq!(ours.dims(), [2, co, h - k + 1, w - k + 1]);
        let ours = to_vec(ours);
        let want: Vec<f32> = reference(&x, xd, &wv, [co, ci, k, k], &bv)
            .into_iter()
            .map(|v| v as f32)
            .collect();
        let d_ref = max_diff(&ours, &want);
        let d_burn = max_diff(&ours, &to_vec(conv.forward(xt)));
        assert!(d_ref < 1e-5, "{ci}→{co} k{k}: vs reference {d_ref}");
        assert!(d_burn < 1e-5, "{ci}→{co} k{k}: vs burn's Conv2d {d_burn}");
    }
}

#[test]
fn gradients_match_burns_conv2d() {
    // Conv2d initialisation draws from burn's process-wide RNG: take the turn.
    let _turn = crate::burn_turn();
    let device = cpu_device().autodiff();
    for (ci, co, k, s) in [(1, 16, 2, 15), (4, 8, 2, 10), (2, 3, 3, 8)] {
        let xd = [3, ci, s, s];
        let x = values(xd.iter().product(), 21);
        let (conv, _, _) = conv(ci, co, k, 5, &device, true);
        let o = s - k + 1;
        // A distinct weight per output element, so every gradient entry is tested.
        let r: Tensor<4> = Tensor::from_data(
            TensorData::new(values(3 * co * o * o, 9), [3, co, o, o]),
            &device,
        );
        let grads_of = |how: ConvImpl| {
            let xt: Tensor<4> =
                Tensor::from_data(TensorData::new(x.clone(), xd), &device).require_grad();
            let y = match how {
                ConvImpl::Direct => conv.forward(xt.clone()),
                ConvImpl::Im2col => conv2d_im2col(&conv, xt.clone()).unwrap(),
            };
            let g = (y * r.clone()).sum().backward();
            let gw = to_vec(conv.weight.grad(&g).unwrap());
            let gb = to_vec(conv.bias.as_ref().unwrap().grad(&g).unwrap());
            let gx = to_vec(xt.grad(&g).unwrap());
            (gw, gb, gx)
        };
        let (a, b) = (grads_of(ConvImpl::Direct), grads_of(ConvImpl::Im2col));
        // Sums of up to 3·15² products of numbers below 1: allow f32 rounding of such sums.
        for (name, p, q) in [
            ("weight", &a.0, &b.0),
            ("bias", &a.1, &b.1),
            ("input", &a.2, &b.2),
        ] {
            let scale = p.iter().fold(1.0f32, |m, v| m.max(v.abs()));
            let d = max_diff(p, q);
            assert!(
                d < 1e-5 * scale,
                "{ci}→{co} k{k}: {name} gradient differs by {d} (scale {scale})"
            );
        }
    }
}

#[test]
fn qnet_gives_the_same_predictions_either_way() {
    let _turn = crate::burn_turn();
    let device = cpu_device();
    for channels in [1, 4] {
        let cfg = QNetConfig::new()
            .with_channels(channels)
            .with_first_conv(Some(ConvImpl::Im2col));
        device.seed(3);
        let fast = cfg.init(&device).unwrap();
        assert_eq!(fast.first_conv(), ConvImpl::Im2col);
        let direct = fast.clone().with_first_conv(ConvImpl::Direct);
        let all_fast = fast.clone().with_later_convs(ConvImpl::Im2col);
        assert_eq!(all_fast.later_convs(), ConvImpl::Im2col);
        assert_eq!(fast.later_convs(), ConvImpl::Direct);
        let x: Tensor<4> = Tensor::from_data(
            TensorData::new(values(2 * channels * 64 * 64, 4), [2, channels, 64, 64]),
            &device,
        );
        let b = direct.forward(x.clone());
        for (name, net) in [("first conv", &fast), ("all convs", &all_fast)] {
            let a = net.forward(x.clone());
            let dmu = max_diff(&to_vec(a.mu), &to_vec(b.mu.clone()));
            let ds = max_diff(&to_vec(a.sigma), &to_vec(b.sigma.clone()));
            assert!(
                dmu < 1e-5 && ds < 1e-5,
                "{channels} channels, im2col {name}: μ {dmu}, σ {ds}"
            );
        }
    }
}

#[test]
fn saved_configurations_say_which_way() {
    // Written before the option existed: no `first_conv` field → burn's kernel.
    let mut v = serde_json::to_value(QNetConfig::new()).unwrap();
    v.as_object_mut().unwrap().remove("first_conv");
    let old: QNetConfig = serde_json::from_value(v).unwrap();
    assert_eq!(old.first_conv_impl(), ConvImpl::Direct);
    let new = QNetConfig::new().with_first_conv(Some(ConvImpl::Im2col));
    let back: QNetConfig = serde_json::from_str(&serde_json::to_string(&new).unwrap()).unwrap();
    assert_eq!(back.first_conv_impl(), ConvImpl::Im2col);
    // A q run's configuration: new runs default to im2col, old files read as direct.
    let run = QRunConfig::new("incl:60".parse().unwrap());
    assert_eq!(run.first_conv, ConvImpl::Im2col);
    let mut v = serde_json::to_value(&run).unwrap();
    assert_eq!(v["first_conv"], "im2col");
    v.as_object_mut().unwrap().remove("first_conv");
    assert_eq!(v["later_convs"], "im2col");
    v.as_object_mut().unwrap().remove("later_convs");
    // Files from before the dropout-off phase existed read as runs without one.
    assert!(v["refit"].is_null());
    v.as_object_mut().unwrap().remove("refit");
    let old: QRunConfig = serde_json::from_value(v).unwrap();
    assert_eq!(old.first_conv, ConvImpl::Direct);
    assert_eq!(old.later_convs, ConvImpl::Direct);
    assert_eq!(old.refit, None);
    let mut v =
        serde_json::to_value(QNetConfig::new().with_later_convs(Some(ConvImpl::Im2col))).unwrap();
    assert_eq!(v["later_convs"], "im2col");
    v.as_object_mut().unwrap().remove("later_convs");
    let old: QNetConfig = serde_json::from_value(v).unwrap();
    assert_eq!(old.later_convs_impl(), ConvImpl::Direct);
}

#[test]
fn unsupported_convolutions_and_bad_input_are_clear_errors() {
    // Conv2d initialisation draws from burn's process-wide RNG: take the turn.
    let _turn = crate::burn_turn();
    let device = cpu_device();
    let plain = Conv2dConfig::new([2, 4], [2, 2]).init(&device);
    for dims in [[0, 2, 8, 8], [1, 3, 8, 8], [1, 2, 1, 8]] {
        let e = check_im2col(&plain, dims).unwrap_err().to_string();
        assert!(e.contains("input shape"), "{dims:?}: {e}");
    }
    let wrong: Tensor<4> = Tensor::zeros([1, 3, 8, 8], &device);
    let e = conv2d_im2col(&plain, wrong).unwrap_err().to_string();
    assert!(e.contains("input shape"), "{e}");
    let strided = Conv2dConfig::new([2, 4], [2, 2])
        .with_stride([2, 2])
        .init(&device);
    let padded = Conv2dConfig::new([2, 4], [3, 3])
        .with_padding(PaddingConfig2d::Same)
        .init(&device);
    for c in [&strided, &padded] {
        let e = check_im2col(c, [1, 2, 8, 8]).unwrap_err().to_string();
        assert!(e.contains("stride 1"), "{e}");
    }
    let e = "winograd".parse::<ConvImpl>().unwrap_err().to_string();
    assert!(e.contains("winograd") && e.contains("im2col"), "{e}");
    assert_eq!("direct".parse::<ConvImpl>().unwrap(), ConvImpl::Direct);
}
