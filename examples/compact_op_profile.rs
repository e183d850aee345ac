//! Per-operation times of the compact classifier's training step on burn's flex backend (issue
//! 27): each convolution, batch norm, ReLU and max pool of the network at batch 64 and a 64²
//! input, forward (inference) and forward + backward under autodiff, in the layout of
//! `bench/torch_compact_ops.py`, which times the same operations in PyTorch. The output gradient
//! is a fixed random tensor in both (`(op(x) · g).sum()` is differentiated); the stem's input
//! needs no gradient, as in the network. The last column multiplies by how often the network
//! runs the operation.
//!
//! Run: `RAYON_NUM_THREADS=1 cargo run --example compact_op_profile [-- "batch norm"]` (nothing
//! else running; an argument keeps the rows whose name contains it, e.g. for `perf`).
use burn::nn::conv::Conv2dConfig;
use burn::nn::pool::MaxPool2dConfig;
use burn::nn::{BatchNormConfig, PaddingConfig2d, Relu};
use burn::prelude::*;
use burn::tensor::Distribution;
use galaxy_lab::train::step_timing::median_ms;

#[path = "support/compact_convs.rs"]
mod compact_convs;

const N: usize = 64;
const STEPS: usize = 20;

/// Prints one row and returns its share of a step (count × forward + backward); rows whose
/// name does not contain the program's first argument (if given) are skipped.
fn row(
    name: &str,
    count: usize,
    shape: [usize; 4],
    op: impl Fn(Tensor<4>) -> Tensor<4>,
    infer: impl Fn(Tensor<4>) -> Tensor<4>,
) -> f64 {
    if std::env::args()
        .nth(1)
        .is_some_and(|only| !name.contains(&only))
    {
        return 0.0;
    }
    let dev = Device::flex().autodiff();
    let x = Tensor::<4>::random(shape, Distribution::Normal(0.0, 1.0), &dev);
    let x = if shape[1] > 1 { x.require_grad() } else { x };
    let g = Tensor::<4>::random(op(x.clone()).dims(), Distribution::Normal(0.0, 1.0), &dev);
    let xi = x.clone().inner();
    // Inference: the module's inference form on the inner backend (no graph).
    let fwd = median_ms(STEPS, || {
        let _: f32 = infer(xi.clone()).sum().into_scalar();
    })
    .expect("steps ≥ 1");
    let step = median_ms(STEPS, || {
        let _grads = (op(x.clone()) * g.clone()).sum().backward();
    })
    .expect("steps ≥ 1");
    println!(
        "{name:<34} {count:>3} {fwd:>9.2} {step:>9.2} {:>9.2}",
        count as f64 * step
    );
    count as f64 * step
}

fn main() {
    // The CLI's allocator settings: without them every large output is faulted in afresh.
    let malloc = galaxy_lab::malloc::keep_freed_memory();
    let dev = Device::flex().autodiff();
    println!(
        "burn flex, {} thread(s), batch {N}, malloc {malloc}",
        rayon::current_num_threads()
    );
    println!(
        "{:<34} {:>3} {:>9} {:>9} {:>9}",
        "op (ms)", "×", "fwd", "fwd+bwd", "× count"
    );
    let mut total = 0.0;
    for (ci, co, k, s, p, side, count) in compact_convs::COMPACT_CONVS {
        let conv = Conv2dConfig::new([ci, co], [k, k])
            .with_stride([s, s])
            .with_padding(PaddingConfig2d::Explicit(p, p, p, p))
            .init(&dev);
        let convi = conv.valid();
        let name = format!("conv {ci}->{co} {k}x{k}/{s} @ {side}²");
        total += row(
            &name,
            count,
            [N, ci, side, side],
            |x| conv.forward(x),
            |x| convi.forward(x),
        );
    }
    let relu = Relu::new();
    for (c, side, count) in [
        (32usize, 32usize, 1usize),
        (32, 16, 2),
        (64, 8, 2),
        (128, 4, 2),
    ] {
        let bn = BatchNormConfig::new(c).init(&dev);
        let name = format!("batch norm {c} @ {side}²");
        let bni = bn.valid();
        total += row(
            &name,
            count,
            [N, c, side, side],
            |x| bn.forward(x),
            |x| bni.forward(x),
        );
        let name = format!("relu {c} @ {side}²");
        total += row(
            &name,
            count,
            [N, c, side, side],
            |x| relu.forward(x),
            |x| relu.forward(x),
        );
    }
    let pool = MaxPool2dConfig::new([2, 2]).with_strides([2, 2]).init();
    for (c, side) in [(32usize, 32usize), (32, 16), (64, 8)] {
        let name = format!("max pool 2x2 {c} @ {side}²");
        total += row(
            &name,
            1,
            [N, c, side, side],
            |x| pool.forward(x),
            |x| pool.forward(x),
        );
    }
    println!("{:<34} {:>3} {:>9} {:>9} {total:>9.2}", "sum", "", "", "");
}
