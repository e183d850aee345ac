//! Where a compact-network training step goes on burn's flex backend (issue 27), and what the
//! patched convolutions (`vendor/burn-flex/src/ops/conv_forward.rs` and `conv_backward.rs`:
//! im2col + gemm) gain over burn-flex's own forward and burn's generic gradients, side by side
//! in one process: each of the network's convolutions at batch 64 and a 64² input (stem 5 × 5
//! stride 2 at 64², then 3 × 3 padding 1 at 16², 8², 4²), timed forward only and forward +
//! backward (input gradient included except for the stem, whose input is the image), the two
//! formulations interleaved round by round; the gradients of both are compared. The last row
//! sums each column over the network's seven convolutions.
//!
//! Run: `RAYON_NUM_THREADS=1 cargo run --example compact_layer_profile` (nothing else running).
use burn::nn::PaddingConfig2d;
use burn::nn::conv::Conv2dConfig;
use burn::prelude::*;
use burn::tensor::Distribution;
use burn_flex::ops::conv_backward::set_generic;

#[path = "support/generic_vs_patched.rs"]
mod support;

#[path = "support/compact_convs.rs"]
mod compact_convs;
/// Medians of `f` under burn's formulations and under the patched ones: five rounds of five
/// steps each, alternating.
fn interleaved(f: impl FnMut()) -> (f64, f64) {
    support::generic_vs_patched(5, 5, f)
}

fn main() {
    let dev = Device::flex().autodiff();
    let n = 64;
    println!(
        "{:<26} {:>11} {:>10} {:>7} {:>11} {:>10} {:>7} {:>9}",
        "layer (ms)",
        "fwd generic",
        "fwd im2col",
        "ratio",
        "f+b generic",
        "f+b im2col",
        "ratio",
        "max diff"
    );
    let mut total = [0.0; 4];
    for (ci, co, k, stride, pad, s, count) in compact_convs::COMPACT_CONVS {
        let conv = Conv2dConfig::new([ci, co], [k, k])
            .with_stride([stride, stride])
            .with_padding(PaddingConfig2d::Explicit(pad, pad, pad, pad))
            .init(&dev);
        let x = Tensor::<4>::random([n, ci, s, s], Distribution::Normal(0.0, 1.0), &dev);
        let xg = if ci > 1 {
            x.clone().require_grad()
        } else {
            x.clone()
        };
        let (convi, xi) = (conv.valid(), x.clone().inner());
        let fwd = || {
            let _: f32 = convi.forward(xi.clone()).sum().into_scalar();
        };
        let (fg, fp) = interleaved(fwd);
        let step = || {
            let l = conv.forward(xg.clone()).sum();
            let _g = l.backward();
        };
        let (tg, tp) = interleaved(step);
        let grad = |generic: bool| -> Tensor<4> {
            set_generic(generic);
            let g = conv.forward(xg.clone()).powf_scalar(2.0).sum().backward();
            conv.weight.grad(&g).expect("weight gradient")
        };
        let diff: f32 = (grad(true) - grad(false)).abs().max().into_scalar();
        set_generic(false);
        let c = count as f64;
        for (t, v) in total.iter_mut().zip([fg, fp, tg, tp]) {
            *t += c * v;
        }
        println!(
            "{:<26} {fg:>11.2} {fp:>10.2} {:>7.2} {tg:>11.2} {tp:>10.2} {:>7.2} {diff:>9.1e}",
            format!("{ci}->{co} {k}x{k}/{stride} @ {s}² ×{count}"),
            fg / fp,
            tg / tp
        );
    }
    println!(
        "{:<26} {:>11.2} {:>10.2} {:>7.2} {:>11.2} {:>10.2} {:>7.2}",
        "network's convolutions",
        total[0],
        total[1],
        total[0] / total[1],
        total[2],
        total[3],
        total[2] / total[3]
    );
}
