//! Where a training step's time goes, phase by phase (issue 27): the forward pass under autodiff
//! with the loss read back, the backward pass, and the SGD update, timed separately for the
//! compact classifier (batch 64, 64², 3 classes), beside an inference pass. Whole steps are timed
//! too, so the phases can be checked against the step `bench-step` reports.
//!
//! Run: `RAYON_NUM_THREADS=1 cargo run --example step_split_profile` (nothing else running).
use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::{GradientsParams, SgdConfig};
use burn::prelude::*;
use burn::tensor::Distribution;
use galaxy_lab::models::compact::CompactNetConfig;
use std::time::Instant;

const BATCH: usize = 64;
const STEPS: usize = 20;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e3
}

fn main() {
    let dev = Device::flex();
    let ad = dev.clone().autodiff();
    ad.seed(0);
    let cfg = CompactNetConfig::new(3, 1, 64);
    let mut model = cfg.init(&ad).expect("valid config");
    let mut optim = SgdConfig::new().init();
    let loss_fn = CrossEntropyLossConfig::new().init(&ad);
    let x = Tensor::<4>::random([BATCH, 1, 64, 64], Distribution::Normal(0.0, 1.0), &ad);
    let labels: Vec<i64> = (0..BATCH).map(|k| (k % 3) as i64).collect();
    let y = Tensor::<1, Int>::from_data(TensorData::new(labels, [BATCH]), &ad);
    let (mut fwd, mut bwd, mut opt, mut step) = (vec![], vec![], vec![], vec![]);
    for k in 0..STEPS + 3 {
        let t0 = Instant::now();
        let loss = loss_fn.forward(model.forward(x.clone()), y.clone());
        let _: f32 = loss.clone().into_scalar();
        let f = ms(t0);
        let t1 = Instant::now();
        let g = loss.backward();
        let grads = GradientsParams::from_grads(g, &model);
        let b = ms(t1);
        let t2 = Instant::now();
        model = optim.step(0.01, model, grads);
        let o = ms(t2);
        if k >= 3 {
            fwd.push(f);
            bwd.push(b);
            opt.push(o);
            step.push(ms(t0));
        }
    }
    let infer_model = model.valid();
    let xi = x.clone().inner();
    let mut inf = vec![];
    for k in 0..STEPS + 3 {
        let t = Instant::now();
        let _ = infer_model.forward(xi.clone()).into_data();
        if k >= 3 {
            inf.push(ms(t));
        }
    }
    println!(
        "compact b{BATCH}: step {:.2} ms = forward+loss {:.2} + backward {:.2} + sgd {:.2}; inference {:.2}",
        median(step),
        median(fwd),
        median(bwd),
        median(opt),
        median(inf)
    );
}
