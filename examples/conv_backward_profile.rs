//! Where a q-network training step goes on burn's flex backend (issue 4's speed target): each of
//! the network's three 2 × 2 convolutions, batch 32, timed as burn's `Conv2d` (forward only;
//! forward + backward without and with an input gradient) and as the im2col the network's first
//! layer uses (`models::im2col`: four shifted slices concatenated on the channel axis and one
//! batched matmul, whose backward is a matmul too). Same parameters, same outputs (max
//! difference printed).
//!
//! Run: `RAYON_NUM_THREADS=1 cargo run --example conv_backward_profile` (nothing else running).
use burn::nn::conv::Conv2dConfig;
use burn::prelude::*;
use burn::tensor::Distribution;
use galaxy_lab::models::im2col::conv2d_im2col;
use galaxy_lab::train::step_timing;

/// Median wall time in ms of 20 calls after 3 warm-up calls (the timer `q bench-step` uses).
fn median_ms(f: impl FnMut()) -> f64 {
    step_timing::median_ms(20, f).expect("20 steps")
}

fn fwd_bwd(f: impl Fn() -> Tensor<4>) -> f64 {
    median_ms(|| {
        let l = f().sum();
        let _: f32 = l.clone().into_scalar();
        let _g = l.backward();
    })
}

fn main() {
    let dev = Device::flex().autodiff();
    println!(
        "{:<14} {:>10} {:>14} {:>14} {:>14} {:>10}",
        "layer", "fwd (ms)", "fwd+bwd (ms)", "+ input grad", "im2col f+b", "max diff"
    );
    for (ci, co, s) in [
        (1usize, 16usize, 64usize),
        (4, 16, 64),
        (16, 32, 31),
        (32, 48, 15),
    ] {
        let conv = Conv2dConfig::new([ci, co], [2, 2]).init(&dev);
        let x = Tensor::<4>::random([32, ci, s, s], Distribution::Normal(0.0, 1.0), &dev);
        let xg = x.clone().require_grad();
        let (convi, xi) = (conv.valid(), x.clone().inner());
        let t_fwd = median_ms(|| {
            let _: f32 = convi.forward(xi.clone()).sum().into_scalar();
        });
        let t_fb = fwd_bwd(|| conv.forward(x.clone()));
        let t_fbx = fwd_bwd(|| conv.forward(xg.clone()));
        let input_grad = ci > 4; // the first layer's input needs no gradient
        let t_im = fwd_bwd(|| {
            conv2d_im2col(&conv, if input_grad { xg.clone() } else { x.clone() })
                .expect("valid 2 × 2 conv")
        });
        let d: f32 = (conv.forward(x.clone())
            - conv2d_im2col(&conv, x.clone()).expect("valid 2 × 2 conv"))
        .abs()
        .max()
        .into_scalar();
        println!(
            "{:<14} {t_fwd:>10.2} {t_fb:>14.2} {t_fbx:>14.2} {t_im:>14.2} {d:>10.1e}",
            format!("{ci}->{co} @ {s}²")
        );
    }
}
