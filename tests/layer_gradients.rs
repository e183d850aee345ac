//! Gradients that the patched burn-flex computes its own way (`vendor/burn-flex/GALAXY_LAB_PATCH.md`),
//! checked through autodiff against plain f64 loops: a linear layer's input gradient `dy · Wᵀ`
//! (`Wᵀ` a transposed view, computed column-major and transposed where that packs fewer values:
//! batch 3–32 against 1,000 units), its weight gradient `xᵀ · dy` and output `x · W`; a
//! convolution's bias gradient (per-channel sums of the output gradient's planes, not burn's
//! transposed copy), for planes of 1 to 1,031 values.

use burn::nn::LinearConfig;
use burn::nn::conv::Conv2dConfig;
use burn::tensor::{Tensor, TensorData};
use galaxy_lab::cpu_device;

/// Deterministic values in [−1, 1] that differ from element to element.
fn values(n: usize, salt: usize) -> Vec<f32> {
    (0..n)
        .map(|i| (((i * 7919 + salt * 104_729) % 2001) as f32 - 1000.0) / 1000.0)
        .collect()
}

fn close(got: &[f32], want: &[f64], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (*g as f64 - w).abs() <= 1e-4 * w.abs().max(1.0),
            "{what} at {i}: {g} vs {w}"
        );
    }
}

#[test]
fn linear_layer_output_and_gradients() {
    let _turn = crate::burn_turn();
    let device = cpu_device().autodiff();
    // (batch, in, out): a narrow batch against wide layers (the column-major input gradient),
    // a square case, and a wide batch (the row-major one).
    for (b, i, o) in [(32, 64, 1000), (3, 1000, 700), (17, 33, 33), (200, 40, 9)] {
        let lin = LinearConfig::new(i, o).init(&device);
        let w: Vec<f32> = lin.weight.val().into_data().try_to_vec().unwrap();
        let bias: Vec<f32> = lin
            .bias
            .as_ref()
            .expect("bias")
            .val()
            .into_data()
            .try_to_vec()
            .unwrap();
        let x = values(b * i, 1);
        let dy = values(b * o, 2);
        let xt: Tensor<2> =
            Tensor::from_data(TensorData::new(x.clone(), [b, i]), &device).require_grad();
        let y = lin.forward(xt.clone());
        let dyt: Tensor<2> = Tensor::from_data(TensorData::new(dy.clone(), [b, o]), &device);
        let grads = (y.clone() * dyt).sum().backward();
        let got_y: Vec<f32> = y.into_data().try_to_vec().unwrap();
        let got_dx: Vec<f32> = xt.grad(&grads).unwrap().into_data().try_to_vec().unwrap();
        let got_dw: Vec<f32> = lin
            .weight
            .grad(&grads)
            .unwrap()
            .into_data()
            .try_to_vec()
            .unwrap();
        // burn's weight is [in, out]: y = x · W + b.
        let (mut want_y, mut want_dx, mut want_dw) =
            (vec![0f64; b * o], vec![0f64; b * i], vec![0f64; i * o]);
        for r in 0..b {
            for c in 0..o {
                want_y[r * o + c] = bias[c] as f64
                    + (0..i)
                        .map(|k| x[r * i + k] as f64 * w[k * o + c] as f64)
                        .sum::<f64>();
            }
            for k in 0..i {
                want_dx[r * i + k] = (0..o)
                    .map(|c| dy[r * o + c] as f64 * w[k * o + c] as f64)
                    .sum();
            }
        }
        for k in 0..i {
            for c in 0..o {
                want_dw[k * o + c] = (0..b)
                    .map(|r| x[r * i + k] as f64 * dy[r * o + c] as f64)
                    .sum();
            }
        }
        let case = format!("linear {b} × {i} → {o}");
        close(&got_y, &want_y, &format!("{case}: output"));
        close(&got_dx, &want_dx, &format!("{case}: input gradient"));
        close(&got_dw, &want_dw, &format!("{case}: weight gradient"));
    }
}

#[test]
fn convolution_bias_gradient_sums_each_channel() {
    let _turn = crate::burn_turn();
    let device = cpu_device().autodiff();
    // (batch, channels in, out, side): planes of 1, 16, 1,031 (odd, past the eight-value
    // accumulators) and 32² values.
    for (n, ci, co, h, w) in [
        (2, 3, 5, 1, 1),
        (4, 2, 7, 4, 4),
        (3, 1, 2, 1, 1031),
        (2, 2, 32, 32, 32),
    ] {
        let conv = Conv2dConfig::new([ci, co], [1, 1]).init(&device);
        let x: Tensor<4> = Tensor::from_data(
            TensorData::new(values(n * ci * h * w, 3), [n, ci, h, w]),
            &device,
        );
        let dy = values(n * co * h * w, 4);
        let dyt: Tensor<4> = Tensor::from_data(TensorData::new(dy.clone(), [n, co, h, w]), &device);
        let grads = (conv.forward(x) * dyt).sum().backward();
        let got: Vec<f32> = conv
            .bias
            .as_ref()
            .expect("bias")
            .grad(&grads)
            .expect("bias gradient")
            .into_data()
            .try_to_vec()
            .unwrap();
        let plane = h * w;
        let want: Vec<f64> = (0..co)
            .map(|c| {
                (0..n)
                    .flat_map(|s| &dy[(s * co + c) * plane..][..plane])
                    .map(|&v| v as f64)
                    .sum()
            })
            .collect();
        close(
            &got,
            &want,
            &format!("bias gradient of {n} × {co} × {h} × {w}"),
        );
    }
}
