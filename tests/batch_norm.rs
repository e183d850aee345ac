//! Batch normalisation through autodiff, checked against plain loops written here. Our patched
//! burn-flex computes training-mode batch norm as fused per-channel kernels
//! (`vendor/burn-flex/src/ops/batch_norm.rs`) instead of burn's composition of tensor
//! operations; these tests hold the training forward (output, batch mean, biased variance) and
//! its three gradients to the definition, and the inference form with given statistics (one f32
//! pass with the values of burn's composition) too, for the compact network's 4-D maps and for
//! rank 2 and 3.

use burn::tensor::module::{batch_norm, batch_norm_train};
use burn::tensor::{Tensor, TensorData};
use galaxy_lab::cpu_device;

use crate::assert_close;

const EPS: f64 = 1e-5;

fn values(len: usize, seed: u64, lo: f32, hi: f32) -> Vec<f32> {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    (0..len).map(|_| rng.random_range(lo..hi)).collect()
}

/// `[N, C, plane]` of a shape `[N, C, ...]`.
fn split(shape: &[usize]) -> (usize, usize, usize) {
    (shape[0], shape[1], shape[2..].iter().product())
}

/// Per channel: mean and biased variance of `x`.
fn stats(shape: &[usize], x: &[f32]) -> (Vec<f64>, Vec<f64>) {
    let (n, c, p) = split(shape);
    let m = (n * p) as f64;
    let at = |i: usize, ch: usize, k: usize| x[(i * c + ch) * p + k] as f64;
    let mut mean = vec![0f64; c];
    let mut var = vec![0f64; c];
    for ch in 0..c {
        for i in 0..n {
            for k in 0..p {
                mean[ch] += at(i, ch, k) / m;
            }
        }
        for i in 0..n {
            for k in 0..p {
                var[ch] += (at(i, ch, k) - mean[ch]).powi(2) / m;
            }
        }
    }
    (mean, var)
}

fn vec_of<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().try_to_vec::<f32>().unwrap()
}

fn check<const D: usize>(shape: [usize; D]) {
    let (n, c, p) = split(&shape);
    // An offset and a spread per channel, as feature maps have.
    let x = values(n * c * p, 1, -3.0, 5.0);
    let gamma = values(c, 2, 0.5, 2.0);
    let beta = values(c, 3, -1.0, 1.0);
    let r = values(n * c * p, 4, -1.0, 1.0);
    let (mean, var) = stats(&shape, &x);
    let inv: Vec<f64> = var.iter().map(|v| 1.0 / (v + EPS).sqrt()).collect();
    let idx = |i: usize, ch: usize, k: usize| (i * c + ch) * p + k;
    let xhat = |i, ch, k| (x[idx(i, ch, k)] as f64 - mean[ch]) * inv[ch];
    let mut y = vec![0f64; x.len()];
    let (mut dgamma, mut dbeta) = (vec![0f64; c], vec![0f64; c]);
    for ch in 0..c {
        for i in 0..n {
            for k in 0..p {
                let j = idx(i, ch, k);
                y[j] = xhat(i, ch, k) * gamma[ch] as f64 + beta[ch] as f64;
                dbeta[ch] += r[j] as f64;
                dgamma[ch] += r[j] as f64 * xhat(i, ch, k);
            }
        }
    }
    let m = (n * p) as f64;
    let mut dx = vec![0f64; x.len()];
    for ch in 0..c {
        for i in 0..n {
            for k in 0..p {
                let j = idx(i, ch, k);
                dx[j] = gamma[ch] as f64
                    * inv[ch]
                    * (r[j] as f64 - dbeta[ch] / m - xhat(i, ch, k) * dgamma[ch] / m);
            }
        }
    }

    let device = cpu_device().autodiff();
    let t1 = |v: &[f32]| Tensor::<1>::from_data(TensorData::new(v.to_vec(), [v.len()]), &device);
    let xt = Tensor::<D>::from_data(TensorData::new(x.clone(), shape), &device).require_grad();
    let (gt, bt) = (t1(&gamma).require_grad(), t1(&beta).require_grad());
    let out = batch_norm_train(xt.clone(), gt.clone(), bt.clone(), EPS);
    let what = |s: &str| format!("{shape:?}: {s}");
    assert_close(&what("output"), &vec_of(out.output.clone()), &y, 1e-5);
    assert_close(&what("mean"), &vec_of(out.mean), &mean, 1e-6);
    assert_close(&what("variance"), &vec_of(out.variance), &var, 1e-6);
    let rt = Tensor::<D>::from_data(TensorData::new(r, shape), &device);
    let grads = (out.output * rt).sum().backward();
    assert_close(
        &what("input gradient"),
        &vec_of(xt.grad(&grads).unwrap()),
        &dx,
        1e-5,
    );
    assert_close(
        &what("γ gradient"),
        &vec_of(gt.grad(&grads).unwrap()),
        &dgamma,
        1e-5,
    );
    assert_close(
        &what("β gradient"),
        &vec_of(bt.grad(&grads).unwrap()),
        &dbeta,
        1e-5,
    );

    // Inference with given statistics (not the batch's), on the plain device.
    let dev = cpu_device();
    let given_mean = values(c, 5, -1.0, 1.0);
    let given_var = values(c, 6, 0.5, 3.0);
    let t1 = |v: &[f32]| Tensor::<1>::from_data(TensorData::new(v.to_vec(), [v.len()]), &dev);
    let xi = Tensor::<D>::from_data(TensorData::new(x.clone(), shape), &dev);
    let yi = batch_norm(
        xi,
        t1(&gamma),
        t1(&beta),
        t1(&given_mean),
        t1(&given_var),
        EPS,
    );
    let mut want = vec![0f64; x.len()];
    for ch in 0..c {
        let a = gamma[ch] as f64 / (given_var[ch] as f64 + EPS).sqrt();
        for i in 0..n {
            for k in 0..p {
                let j = idx(i, ch, k);
                want[j] = (x[j] as f64 - given_mean[ch] as f64) * a + beta[ch] as f64;
            }
        }
    }
    assert_close(&what("inference output"), &vec_of(yi.clone()), &want, 1e-5);
    // The fused f32 pass rounds as burn's composition of four broadcast passes does: the same
    // values, bit for bit.
    let composed: Vec<f32> = (0..x.len())
        .map(|j| {
            let ch = (j / p) % c;
            let std = (given_var[ch] + EPS as f32).sqrt();
            (x[j] - given_mean[ch]) / std * gamma[ch] + beta[ch]
        })
        .collect();
    assert_eq!(
        vec_of(yi),
        composed,
        "{}",
        what("inference output, f32 rounding")
    );
}

#[test]
fn feature_maps_of_the_networks() {
    // The compact network's stem output (batch, 32 channels, 32²) at a small batch, and odd
    // sizes so that no plane is a multiple of the kernels' eight accumulators.
    check([4, 32, 32, 32]);
    // A million values: the size from which inference runs as one fused pass.
    check([2, 8, 256, 256]);
    check([3, 5, 7, 9]);
    check([1, 2, 1, 1]);
}

#[test]
fn ranks_two_and_three() {
    check([6, 4]);
    check([4, 3, 11]);
}
