//! The forward pass, input gradient and weight gradient of every convolution galaxy-lab's
//! networks train (issue 27), timed side by side in one process: burn-flex's direct AVX-512
//! kernels (`conv_lanes.rs` for the forward pass and input gradient of stride-1 convolutions,
//! `conv_weight_direct.rs` for weight gradients; `set_direct(true)`) and im2col + gemm
//! (`set_direct(false)`), alternating round by round, with the largest difference between the
//! two results. Where no direct kernel applies (strided forward passes, burn-flex's small-channel
//! forward) both columns time the same path. Shapes as the CLI's `bench-step` runs them: the
//! compact classifier (batch 64), the θ network, the q network and AlexNet at 64² (⅛ and ¼
//! width) and Table 4's 256² (batch 32). Input gradients of first layers are listed too,
//! although the networks do not compute them.
//!
//! Run: `RAYON_NUM_THREADS=1 cargo run --example conv_direct_profile [-- "input alexnet"]`
//! (nothing else running; an argument keeps the rows whose name contains it). On a CPU without
//! AVX-512F both columns are im2col + gemm.
use burn::backend::ops::ModuleOps;
use burn::tensor::TensorData;
use burn::tensor::ops::ConvOptions;
use burn_flex::Flex;
use burn_flex::FlexTensor;
use burn_flex::ops::conv_backward::{conv2d_weight_backward, conv2d_x_backward, set_direct};
use galaxy_lab::train::step_timing::median_ms;

/// (network, batch, in, out, kernel, stride, padding, input side).
type Shape = (
    &'static str,
    usize,
    usize,
    usize,
    usize,
    usize,
    usize,
    usize,
);

const SHAPES: [Shape; 22] = [
    ("compact", 64, 1, 32, 5, 2, 2, 64),
    ("compact", 64, 32, 32, 3, 1, 1, 16),
    ("compact", 64, 32, 64, 3, 1, 1, 8),
    ("compact", 64, 64, 64, 3, 1, 1, 8),
    ("compact", 64, 64, 128, 3, 1, 1, 4),
    ("compact", 64, 128, 128, 3, 1, 1, 4),
    ("theta", 32, 3, 16, 3, 1, 1, 64),
    ("theta", 32, 16, 32, 3, 1, 1, 32),
    ("theta", 32, 32, 64, 3, 1, 1, 16),
    ("q", 32, 1, 16, 2, 1, 0, 64),
    ("q", 32, 16, 32, 2, 1, 0, 31),
    ("q", 32, 32, 48, 2, 1, 0, 15),
    ("alexnet 1/8", 32, 1, 12, 11, 4, 2, 64),
    ("alexnet 1/8", 32, 12, 32, 5, 1, 2, 7),
    ("alexnet 1/8", 32, 32, 48, 3, 1, 1, 3),
    ("alexnet 1/4", 32, 1, 24, 11, 4, 2, 64),
    ("alexnet 1/4", 32, 24, 64, 5, 1, 2, 7),
    ("alexnet 1/4", 32, 64, 96, 3, 1, 1, 3),
    ("alexnet 256", 32, 1, 96, 11, 4, 0, 256),
    ("alexnet 256", 32, 96, 256, 5, 1, 0, 30),
    ("alexnet 256", 32, 256, 384, 3, 1, 0, 12),
    ("alexnet 256", 32, 384, 384, 3, 1, 0, 10),
];

const ROUNDS: usize = 3;
const STEPS: usize = 10;

fn tensor(shape: [usize; 4], seed: u64) -> FlexTensor {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let values: Vec<f32> = (0..shape.iter().product())
        .map(|_| rng.random_range(-0.5f32..0.5))
        .collect();
    FlexTensor::from_data(TensorData::new(values, shape))
}

fn main() {
    let only = std::env::args().nth(1);
    let _ = galaxy_lab::malloc::keep_freed_memory();
    println!(
        "burn flex, {} thread(s), median of {STEPS} calls, {ROUNDS} alternating rounds",
        rayon::current_num_threads()
    );
    println!(
        "{:<48} {:>10} {:>10} {:>7} {:>9}",
        "pass, convolution (ms)", "im2col", "direct", "ratio", "max diff"
    );
    for pass in ["forward", "input", "weight"] {
        for (net, n, ci, co, k, s, p, side) in SHAPES {
            let name = format!("{pass} {net} {n}×{ci}->{co} {k}x{k}/{s} p{p} @ {side}²");
            if only.as_ref().is_some_and(|o| !name.contains(o.as_str())) {
                continue;
            }
            let out = (side + 2 * p - k) / s + 1;
            let x = tensor([n, ci, side, side], 1);
            let w = tensor([co, ci, k, k], 2);
            let dy = tensor([n, co, out, out], 3);
            let options = ConvOptions::new([s, s], [p, p], [1, 1], 1);
            let run = || match pass {
                "forward" => Flex::conv2d(x.clone(), w.clone(), None, options.clone()),
                "input" => conv2d_x_backward(x.clone(), w.clone(), dy.clone(), &options),
                _ => conv2d_weight_backward(x.clone(), w.clone(), dy.clone(), &options),
            };
            let (mut t_gemm, mut t_direct) = (Vec::new(), Vec::new());
            for _ in 0..ROUNDS {
                for direct in [false, true] {
                    set_direct(direct);
                    let t = median_ms(STEPS, || drop(run())).expect("steps ≥ 1");
                    if direct { &mut t_direct } else { &mut t_gemm }.push(t);
                }
            }
            set_direct(false);
            let a = run().into_data().try_to_vec::<f32>().expect("f32");
            set_direct(true);
            let b = run().into_data().try_to_vec::<f32>().expect("f32");
            let diff = a
                .iter()
                .zip(&b)
                .map(|(a, b)| (a - b).abs())
                .fold(0f32, f32::max);
            let med = |v: &mut Vec<f64>| {
                v.sort_by(f64::total_cmp);
                v[v.len() / 2]
            };
            let (tg, td) = (med(&mut t_gemm), med(&mut t_direct));
            println!(
                "{name:<48} {tg:>10.2} {td:>10.2} {:>7.2} {diff:>9.1e}",
                td / tg
            );
        }
    }
}
