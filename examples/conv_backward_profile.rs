//! Where a q-network training step goes on burn's flex backend (issue 4's speed target): each of
//! the network's three 2 × 2 convolutions, batch 32, timed as burn's `Conv2d` forward only and
//! forward + backward (with an input gradient for the layers whose input is an activation), by
//! burn-flex's own formulations (`set_generic(true)`: burn's generic gradients and burn-flex's
//! unpatched forward) and by the vendored patch (im2col + gemm forward and gradients,
//! `vendor/burn-flex/src/ops/conv_{forward,backward}.rs`), interleaved round by round. The last
//! column is the largest difference between the two formulations' weight gradients.
//!
//! Run: `RAYON_NUM_THREADS=1 cargo run --example conv_backward_profile` (nothing else running).
use burn::nn::conv::Conv2dConfig;
use burn::prelude::*;
use burn::tensor::Distribution;
use burn_flex::ops::conv_backward::set_generic;
use galaxy_lab::train::step_timing;

#[path = "support/generic_vs_patched.rs"]
mod support;

/// Median wall time in ms of 20 calls after 3 warm-up calls (the timer `q bench-step` uses).
fn median_ms(f: impl FnMut()) -> f64 {
    step_timing::median_ms(20, f).expect("20 steps")
}

fn main() {
    let dev = Device::flex().autodiff();
    println!(
        "{:<14} {:>10} {:>14} {:>14} {:>7} {:>10}",
        "layer", "fwd (ms)", "f+b generic", "f+b patched", "ratio", "max diff"
    );
    for (ci, co, s) in [
        (1usize, 16usize, 64usize),
        (4, 16, 64),
        (16, 32, 31),
        (32, 48, 15),
    ] {
        let conv = Conv2dConfig::new([ci, co], [2, 2]).init(&dev);
        let x = Tensor::<4>::random([32, ci, s, s], Distribution::Normal(0.0, 1.0), &dev);
        // The first layer's input is the image: no gradient.
        let x = if ci > 4 { x.require_grad() } else { x };
        let (convi, xi) = (conv.valid(), x.clone().inner());
        let t_fwd = median_ms(|| {
            let _: f32 = convi.forward(xi.clone()).sum().into_scalar();
        });
        let weight_grad = |generic: bool| {
            set_generic(generic);
            let g = conv.forward(x.clone()).sum().backward();
            conv.weight.grad(&g).expect("weight gradient")
        };
        let d: f32 = (weight_grad(true) - weight_grad(false))
            .abs()
            .max()
            .into_scalar();
        let (tg, tp) = support::generic_vs_patched(3, 20, || {
            let l = conv.forward(x.clone()).sum();
            let _: f32 = l.clone().into_scalar();
            let _g = l.backward();
        });
        println!(
            "{:<14} {t_fwd:>10.2} {tg:>14.2} {tp:>14.2} {:>7.2} {d:>10.1e}",
            format!("{ci}->{co} @ {s}²"),
            tg / tp
        );
    }
}
