//! Timing one training step and one inference pass on random data, for the side-by-side
//! comparison with PyTorch (`bench/torch_reference.py` runs both in one go and prints the ratio):
//! the q network (forward, NLL, backward, Adam update), the classifiers (forward, cross-entropy,
//! backward, SGD update — the seed's optimiser) and the θ network (forward, squared error,
//! backward, Adam update). `scripts/gpu_check.sh` runs the same on a GPU.

use super::nll::gaussian_nll;
use super::subnormal::module_optimizer;
use crate::error::{Result, check_size};
use crate::models::classifier::ClassifierConfig;
use crate::models::qnet::QNetConfig;
use crate::models::thetanet::ThetaNetConfig;
use burn::module::Module;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer, SgdConfig};
use burn::prelude::*;
use burn::tensor::Distribution;
use serde::{Deserialize, Serialize};

/// Median times of repeated steps in milliseconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepTiming {
    /// Network name.
    pub network: String,
    /// Input shape `[batch, channels, size, size]`.
    pub input: [usize; 4],
    /// Median training step (forward + backward + optimiser), ms.
    pub train_ms: f64,
    /// Median inference pass (forward only, no autodiff), ms.
    pub infer_ms: f64,
    /// Timed repetitions (after warm-up).
    pub steps: usize,
    /// Device.
    pub device: String,
    /// glibc malloc setting of this process ([`crate::malloc::current`]): `keep-freed` or
    /// `default`; empty in timings written before galaxy-lab recorded it.
    #[serde(default)]
    pub malloc: String,
}

impl StepTiming {
    /// A timing measured on `device` by this process (its device name and malloc setting).
    fn measured(
        network: String,
        input: [usize; 4],
        (train_ms, infer_ms): (f64, f64),
        steps: usize,
        device: &Device,
    ) -> Self {
        StepTiming {
            network,
            input,
            train_ms,
            infer_ms,
            steps,
            device: crate::device::device_name(device),
            malloc: crate::malloc::current().to_string(),
        }
    }
}

/// Runs `step` 3 times to warm up, then `steps` (≥ 1) times; the median wall time in ms.
pub fn median_ms(steps: usize, mut step: impl FnMut()) -> Result<f64> {
    check_size("steps", steps, 1)?;
    let mut v = Vec::with_capacity(steps);
    for k in 0..steps + 3 {
        let t = std::time::Instant::now();
        step();
        if k >= 3 {
            v.push(t.elapsed().as_secs_f64() * 1e3);
        }
    }
    v.sort_by(|a, b| a.total_cmp(b));
    Ok(v[v.len() / 2])
}

/// Median training step and inference pass in ms (after 3 warm-up steps each): `steps` training
/// steps of `model` (`loss_of` runs the forward pass and the loss; the loss is read back as the
/// training loop does, which also waits for the device; backward; `optim` at `lr`), then `steps`
/// inference passes (`infer`) of the trained model without autodiff.
fn time_train_and_infer<M: Module + Clone>(
    steps: usize,
    mut model: M,
    mut optim: ModuleOptimizer,
    lr: f64,
    loss_of: impl Fn(&M) -> Tensor<1>,
    infer: impl Fn(&M),
) -> Result<(f64, f64)> {
    let train_ms = median_ms(steps, || {
        let loss = loss_of(&model);
        let _: f32 = loss.clone().into_scalar();
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        model = optim.step(lr, model.clone(), grads);
    })?;
    let infer_model = model.valid();
    let infer_ms = median_ms(steps, || infer(&infer_model))?;
    Ok((train_ms, infer_ms))
}

/// Times `steps` training steps and inference passes of the q network (after 3 warm-up steps).
pub fn time_qnet_step(
    channels: usize,
    batch: usize,
    steps: usize,
    device: &Device,
) -> Result<StepTiming> {
    check_size("batch", batch, 1)?;
    check_size("steps", steps, 1)?;
    let net = QNetConfig::new().with_channels(channels);
    let ad = device.clone().autodiff();
    ad.seed(0);
    let model = net.init(&ad)?;
    // As training does: on the CPU, subnormal values set to zero after each step.
    let optim = module_optimizer(AdamConfig::new().build(), crate::device::is_cpu(device));
    let shape = [batch, channels, net.size, net.size];
    let x = Tensor::<4>::random(shape, Distribution::Normal(0.0, 1.0), &ad);
    let q = Tensor::<1>::random([batch], Distribution::Uniform(0.2, 1.0), &ad);
    let xi = Tensor::<4>::random(shape, Distribution::Normal(0.0, 1.0), device);
    let times = time_train_and_infer(
        steps,
        model,
        optim,
        1e-3,
        |m| {
            let out = m.forward(x.clone());
            gaussian_nll(out.mu, out.sigma, q.clone())
        },
        |m| {
            let _ = m.forward(xi.clone()).mu.into_data();
        },
    )?;
    Ok(StepTiming::measured(
        "qnet".into(),
        shape,
        times,
        steps,
        device,
    ))
}

/// Times `steps` training steps (as [`crate::train::classify::train_classifier`] does them: forward,
/// cross-entropy, loss read back, backward, plain SGD at 0.01) and inference passes of the
/// classifier `net` (AlexNet or compact) on a random batch, after 3 warm-up steps.
pub fn time_classifier_step(
    net: &ClassifierConfig,
    batch: usize,
    steps: usize,
    device: &Device,
) -> Result<StepTiming> {
    check_size("batch", batch, 1)?;
    check_size("steps", steps, 1)?;
    net.validate()?;
    let ad = device.clone().autodiff();
    ad.seed(0);
    let model = net.init(&ad)?;
    let optim = module_optimizer(SgdConfig::new().build(), crate::device::is_cpu(device));
    let loss_fn = CrossEntropyLossConfig::new().init(&ad);
    let (channels, size) = net.input_shape();
    let shape = [batch, channels, size, size];
    let x = Tensor::<4>::random(shape, Distribution::Normal(0.0, 1.0), &ad);
    let labels: Vec<i64> = (0..batch).map(|k| (k % net.classes()) as i64).collect();
    let y = Tensor::<1, Int>::from_data(TensorData::new(labels, [batch]), &ad);
    let xi = Tensor::<4>::random(shape, Distribution::Normal(0.0, 1.0), device);
    let times = time_train_and_infer(
        steps,
        model,
        optim,
        0.01,
        |m| loss_fn.forward(m.forward(x.clone()), y.clone()),
        |m| {
            let _ = m.forward(xi.clone()).into_data();
        },
    )?;
    Ok(StepTiming::measured(
        match net {
            ClassifierConfig::AlexNet(c) => format!(
                "alexnet (width {}, {:?} padding, {:?} norm)",
                c.width, c.padding, c.norm
            ),
            ClassifierConfig::Compact(c) => {
                format!("compact (width {})", c.width)
            }
        },
        shape,
        times,
        steps,
        device,
    ))
}

/// Times `steps` training steps (forward, squared error against θ/90 in [−1, 1], loss read back,
/// backward, Adam at 1e-3: seed 000's θ regression) and inference passes of Table 5's θ network
/// on `channels` × `size`² images, after 3 warm-up steps.
pub fn time_thetanet_step(
    channels: usize,
    size: usize,
    batch: usize,
    steps: usize,
    device: &Device,
) -> Result<StepTiming> {
    check_size("batch", batch, 1)?;
    check_size("steps", steps, 1)?;
    let net = ThetaNetConfig::new()
        .with_channels(channels)
        .with_size(size);
    net.validate()?;
    let ad = device.clone().autodiff();
    ad.seed(0);
    let model = net.init(&ad)?;
    // As training does: on the CPU, subnormal values set to zero after each step.
    let optim = module_optimizer(AdamConfig::new().build(), crate::device::is_cpu(device));
    let shape = [batch, channels, size, size];
    let x = Tensor::<4>::random(shape, Distribution::Normal(0.0, 1.0), &ad);
    let theta = Tensor::<2>::random([batch, 1], Distribution::Uniform(-1.0, 1.0), &ad);
    let xi = Tensor::<4>::random(shape, Distribution::Normal(0.0, 1.0), device);
    let times = time_train_and_infer(
        steps,
        model,
        optim,
        1e-3,
        |m| {
            (m.forward(x.clone()).mean - theta.clone())
                .powi_scalar(2)
                .mean()
        },
        |m| {
            let _ = m.forward(xi.clone()).mean.into_data();
        },
    )?;
    Ok(StepTiming::measured(
        "thetanet (Table 5)".into(),
        shape,
        times,
        steps,
        device,
    ))
}

/// Times `steps` training steps and inference passes of the joint (i, |θ|) model as the
/// `joint-compact-long` preset trains it (compact body at `width` on one channel of `size`²,
/// a Normal (μ, σ) per target, Gaussian NLL, AdamW at the preset's learning rate), after 3
/// warm-up steps.
pub fn time_joint_step(
    width: f64,
    size: usize,
    batch: usize,
    steps: usize,
    device: &Device,
) -> Result<StepTiming> {
    use super::regress::regression_loss;
    use super::theta_experiment::RegRunConfig;
    crate::error::check_positive("width", width)?;
    check_size("batch", batch, 1)?;
    check_size("steps", steps, 1)?;
    let run = RegRunConfig {
        width,
        ..RegRunConfig::joint_compact_long()
    };
    let net = run.network(size);
    let ad = device.clone().autodiff();
    ad.seed(0);
    let model = net.init(&ad)?;
    // The optimiser, learning rate and loss exactly as the training loop builds them.
    let fit = run.train.fit_config();
    let optim = fit.optimizer.init(
        fit.grad_clip,
        fit.flush_subnormals && crate::device::is_cpu(device),
    );
    let shape = [batch, run.channels, size, size];
    let x = Tensor::<4>::random(shape, Distribution::Normal(0.0, 1.0), &ad);
    let y = Tensor::<2>::random(
        [batch, run.targets.len()],
        Distribution::Uniform(0.0, 1.0),
        &ad,
    );
    let xi = Tensor::<4>::random(shape, Distribution::Normal(0.0, 1.0), device);
    let times = time_train_and_infer(
        steps,
        model,
        optim,
        fit.learning_rate,
        |m| regression_loss(m.forward(x.clone()), y.clone()),
        |m| {
            let _ = m.forward(xi.clone()).mean.into_data();
        },
    )?;
    Ok(StepTiming::measured(
        format!("joint (i, |θ|), compact ×{width}"),
        shape,
        times,
        steps,
        device,
    ))
}
