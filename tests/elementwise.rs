//! Element-wise maps on large tensors, which the patched burn-flex runs in parallel chunks
//! (`map_inplace`, `map_collect`, `zip_inplace`; `vendor/burn-flex/GALAXY_LAB_PATCH.md`) on
//! tensors above the parallel threshold, inside a two-thread rayon pool so that the parallel path
//! runs whatever the machine: ReLU of a tensor nothing else holds (a unary map in place), ReLU as
//! training computes it (its input is shared with the autodiff graph: a unary map into a new
//! buffer) and its gradient (a binary map in place into the gradient), and `powf` of two tensors.
//! Each is checked element by element against the definition — NaN propagates, negatives and
//! zeros give zero, and no chunk boundary is skipped or written twice.

use burn::tensor::activation::relu;
use burn::tensor::{Tensor, TensorData};
use galaxy_lab::cpu_device;

/// 300,017 values (not a multiple of any chunk size) with negatives, zeros, NaN and positives.
fn values() -> Vec<f32> {
    (0..300_017)
        .map(|k| match k % 7 {
            0 => f32::NAN,
            1 => 0.0,
            2 | 3 => -(k as f32) * 1e-3,
            _ => (k as f32) * 1e-3,
        })
        .collect()
}

#[test]
fn relu_and_its_gradient_on_a_large_tensor_match_the_definition_in_a_two_thread_pool() {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .expect("a two-thread pool");
    pool.install(|| {
        let dev = cpu_device();
        let x = values();
        let n = x.len();
        let t = Tensor::<1>::from_data(TensorData::new(x.clone(), [n]), &dev);
        let y: Vec<f32> = relu(t).into_data().try_to_vec().unwrap();
        for (k, (&a, &b)) in x.iter().zip(&y).enumerate() {
            let want = if a.is_nan() || a > 0.0 { a } else { 0.0 };
            assert!(
                want.to_bits() == b.to_bits(),
                "relu at {k}: {a} -> {b}, want {want}"
            );
        }

        // d/dx Σ w·relu(x) = w where relu passes x (positive or NaN), else 0. As in training, the
        // ReLU's input is a value of the graph (`h`), and the gradient reaching the ReLU (`w`,
        // from the product) is held by nothing else when the ReLU's backward rewrites it.
        let ad = dev.clone().autodiff();
        let w: Vec<f32> = (0..n).map(|k| 1.0 + (k % 13) as f32).collect();
        let xt = Tensor::<1>::from_data(TensorData::new(x.clone(), [n]), &ad).require_grad();
        let wt = Tensor::<1>::from_data(TensorData::new(w.clone(), [n]), &ad);
        let h = xt.clone() * 1.0;
        let y = relu(h);
        let yv: Vec<f32> = y.clone().inner().into_data().try_to_vec().unwrap();
        for (k, (&a, &b)) in x.iter().zip(&yv).enumerate() {
            let want = if a.is_nan() || a > 0.0 { a } else { 0.0 };
            assert!(
                want.to_bits() == b.to_bits(),
                "relu in the graph at {k}: {a} -> {b}, want {want}"
            );
        }
        let grads = (y * wt).sum().backward();
        let g: Vec<f32> = xt.grad(&grads).unwrap().into_data().try_to_vec().unwrap();
        for (k, ((&a, &wk), &gk)) in x.iter().zip(&w).zip(&g).enumerate() {
            let want = if a.is_nan() || a > 0.0 { wk } else { 0.0 };
            assert!(want == gk, "gradient at {k} (x = {a}): {gk}, want {want}");
        }

        // A binary map without a SIMD kernel, on a uniquely owned contiguous left operand.
        let base: Vec<f32> = x.iter().map(|v| v.abs() + 0.5).collect();
        let expo: Vec<f32> = (0..n).map(|k| 0.5 + (k % 5) as f32 * 0.25).collect();
        let bt = Tensor::<1>::from_data(TensorData::new(base.clone(), [n]), &dev);
        let et = Tensor::<1>::from_data(TensorData::new(expo.clone(), [n]), &dev);
        let p: Vec<f32> = bt.powf(et).into_data().try_to_vec().unwrap();
        for (k, ((&b0, &e0), &pk)) in base.iter().zip(&expo).zip(&p).enumerate() {
            let want = b0.powf(e0);
            assert!(
                want.to_bits() == pk.to_bits(),
                "powf at {k}: {b0}^{e0} = {pk}, want {want}"
            );
        }
    });
}
