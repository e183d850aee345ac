//! Where the q network's 2 × 2 max pool spends its time on burn's flex backend (issue 4's speed
//! target): the pool on a fresh contiguous tensor versus on a convolution's output, forward only
//! and forward + backward.
//!
//! Run: `RAYON_NUM_THREADS=1 cargo run --example pool_profile` (nothing else running).
use burn::nn::conv::Conv2dConfig;
use burn::nn::pool::MaxPool2dConfig;
use burn::prelude::*;
use burn::tensor::Distribution;
use burn::tensor::activation::relu;
use galaxy_lab::train::step_timing;

fn median_ms(f: impl FnMut()) -> f64 {
    step_timing::median_ms(20, f).expect("20 steps")
}

fn main() {
    let dev = Device::flex().autodiff();
    let pool = MaxPool2dConfig::new([2, 2]).with_strides([2, 2]).init();
    for (ci, co, s) in [(1usize, 16usize, 64usize), (16, 32, 31), (32, 48, 15)] {
        let conv = Conv2dConfig::new([ci, co], [2, 2]).init(&dev);
        let x = Tensor::<4>::random([32, ci, s, s], Distribution::Normal(0.0, 1.0), &dev);
        let convi = conv.valid();
        let y = relu(convi.forward(x.clone().inner()));
        let fresh = Tensor::<4>::from_data(y.clone().into_data(), &y.device());
        let t_conv = median_ms(|| {
            let _: f32 = relu(convi.forward(x.clone().inner())).sum().into_scalar();
        });
        let t_pool_conv = median_ms(|| {
            let _: f32 = pool.forward(y.clone()).sum().into_scalar();
        });
        let t_pool_fresh = median_ms(|| {
            let _: f32 = pool.forward(fresh.clone()).sum().into_scalar();
        });
        let t_sum = median_ms(|| {
            let _: f32 = fresh.clone().sum().into_scalar();
        });
        let yg = Tensor::<4>::from_data(y.clone().into_data(), &dev).require_grad();
        let t_fb = median_ms(|| {
            let l = pool.forward(yg.clone()).sum();
            let _g = l.backward();
        });
        println!(
            "{ci}->{co} @ {s}²: conv+relu {t_conv:.2} ms; pool on conv output {t_pool_conv:.2}, \
             on a fresh copy {t_pool_fresh:.2} (sum alone {t_sum:.2}); pool fwd+bwd {t_fb:.2}"
        );
    }
}
