//! Same seed, two devices: a few training steps of one network from the same initial weights on
//! the same batch, on device `a` (a GPU) and device `b` (the CPU). The losses of each step agree
//! to float tolerance when the GPU backend computes what the CPU one does; a kernel that is wrong
//! on one backend shows as a loss that drifts from the first step on.
//!
//! Dropout is off (each backend draws its own masks); batch norm uses batch statistics, which
//! both compute. The networks: seed 001's q network, the compact classifier (three classes,
//! 64²), and seed 000's θ network (Table 5, at 64²). `scripts/gpu_check.sh` runs them through
//! `galaxy-lab device agree`; the tests run them with Mesa's software Vulkan driver where it is
//! installed.

use super::nll::gaussian_nll;
use crate::error::{Error, Result, check_size};
use crate::models::classifier::ClassifierConfig;
use crate::models::compact::CompactNetConfig;
use crate::models::qnet::QNetConfig;
use crate::models::thetanet::ThetaNetConfig;
use burn::module::Module;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::{GradientsParams, SgdConfig};
use burn::prelude::*;
use burn::store::ModuleRecord;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

/// Relative loss difference below which two devices agree (float32, a different summation
/// order, a few updates).
pub const TOLERANCE: f64 = 1e-3;

/// The networks compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AgreementNet {
    /// Seed 001's q network (Gaussian NLL, one channel, 64²).
    Qnet,
    /// The compact classifier (cross-entropy, three classes, one channel, 64²).
    Compact,
    /// Seed 000's θ network (squared error, three channels, 64²).
    Thetanet,
}

impl AgreementNet {
    /// All three.
    pub const ALL: [AgreementNet; 3] = [
        AgreementNet::Qnet,
        AgreementNet::Compact,
        AgreementNet::Thetanet,
    ];

    /// Its name on the command line and in JSON.
    pub fn name(self) -> &'static str {
        match self {
            AgreementNet::Qnet => "qnet",
            AgreementNet::Compact => "compact",
            AgreementNet::Thetanet => "thetanet",
        }
    }

    /// Parses a name of [`AgreementNet::name`].
    pub fn parse(s: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|n| n.name() == s)
            .ok_or_else(|| Error::invalid("network", s, "expected qnet, compact or thetanet"))
    }
}

/// The losses of each step on the two devices and whether they agree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Agreement {
    /// The network.
    pub network: AgreementNet,
    /// Batch size.
    pub batch: usize,
    /// Loss before each update, device `a`.
    pub losses_a: Vec<f64>,
    /// Loss before each update, device `b`.
    pub losses_b: Vec<f64>,
    /// Largest |a − b| / max(|b|, 1e-6) over the steps.
    pub max_relative_difference: f64,
    /// The tolerance compared with ([`TOLERANCE`]).
    pub tolerance: f64,
    /// `max_relative_difference ≤ tolerance`.
    pub agree: bool,
    /// Device `a`, in words.
    pub device_a: String,
    /// Device `b`, in words.
    pub device_b: String,
}

/// Trains `network` for `steps` SGD updates (learning rate 0.01) on one random batch of `batch`
/// images (seed `seed`) on devices `a` and `b` from the same initial weights, and compares the
/// losses.
pub fn agreement(
    network: AgreementNet,
    batch: usize,
    steps: usize,
    seed: u64,
    a: &Device,
    b: &Device,
) -> Result<Agreement> {
    check_size("batch", batch, 1)?;
    check_size("steps", steps, 1)?;
    let (losses_a, losses_b) = match network {
        AgreementNet::Qnet => {
            let cfg = QNetConfig::new().with_dropout(0.0);
            let x = images(batch, cfg.channels, cfg.size, seed);
            let q: Vec<f32> = uniform(batch, 0.2, 1.0, seed ^ 1);
            let shape = [batch, cfg.channels, cfg.size, cfg.size];
            compare(
                |d| cfg.init(d),
                seed,
                steps,
                a,
                b,
                |m, d| {
                    let out = m.forward(to_tensor(&x, shape, d));
                    let t = Tensor::<1>::from_data(TensorData::new(q.clone(), [batch]), d);
                    gaussian_nll(out.mu, out.sigma, t)
                },
            )?
        }
        AgreementNet::Compact => {
            let cfg: ClassifierConfig = CompactNetConfig {
                dropout: 0.0,
                ..CompactNetConfig::new(3, 1, 64)
            }
            .into();
            let x = images(batch, 1, 64, seed);
            let y: Vec<i64> = (0..batch).map(|k| (k % 3) as i64).collect();
            compare(
                |d| cfg.init(d),
                seed,
                steps,
                a,
                b,
                |m, d| {
                    let logits = m.forward(to_tensor(&x, [batch, 1, 64, 64], d));
                    let t = Tensor::<1, Int>::from_data(TensorData::new(y.clone(), [batch]), d);
                    CrossEntropyLossConfig::new().init(d).forward(logits, t)
                },
            )?
        }
        AgreementNet::Thetanet => {
            let cfg = ThetaNetConfig::new().with_size(64);
            let x = images(batch, cfg.channels, 64, seed);
            let theta: Vec<f32> = uniform(batch, -1.0, 1.0, seed ^ 2);
            compare(
                |d| cfg.init(d),
                seed,
                steps,
                a,
                b,
                |m, d| {
                    let out = m.forward(to_tensor(&x, [batch, 3, 64, 64], d));
                    let t = Tensor::<2>::from_data(TensorData::new(theta.clone(), [batch, 1]), d);
                    (out.mean - t).powi_scalar(2).mean()
                },
            )?
        }
    };
    let max_relative_difference = losses_a
        .iter()
        .zip(&losses_b)
        .map(|(x, y)| (x - y).abs() / y.abs().max(1e-6))
        .fold(0.0, f64::max);
    Ok(Agreement {
        network,
        batch,
        losses_a,
        losses_b,
        max_relative_difference,
        tolerance: TOLERANCE,
        agree: max_relative_difference <= TOLERANCE,
        device_a: crate::device::device_name(a),
        device_b: crate::device::device_name(b),
    })
}

/// The losses of `steps` SGD updates on device `a` and on device `b` of the network `init`
/// builds, both from the same initial weights: drawn on the CPU from `seed` and read out as a
/// record (parameters are initialised lazily, on the device of first use, so moving a fresh
/// module would draw them again there).
fn compare<M: Module>(
    init: impl Fn(&Device) -> Result<M>,
    seed: u64,
    steps: usize,
    a: &Device,
    b: &Device,
    loss: impl Fn(&M, &Device) -> Tensor<1>,
) -> Result<(Vec<f64>, Vec<f64>)> {
    let cpu = crate::device::cpu_device();
    cpu.seed(seed);
    let record = init(&cpu)?.into_record();
    Ok((
        train_steps(&init, &record, a, steps, &loss)?,
        train_steps(&init, &record, b, steps, &loss)?,
    ))
}

/// `steps` SGD updates, on `device`'s autodiff twin, of the network `init` builds with the
/// weights `record`, on `loss`; the loss before each update.
fn train_steps<M: Module>(
    init: &impl Fn(&Device) -> Result<M>,
    record: &ModuleRecord,
    device: &Device,
    steps: usize,
    loss: &impl Fn(&M, &Device) -> Tensor<1>,
) -> Result<Vec<f64>> {
    let ad = device.clone().autodiff();
    let mut model = init(&ad)?
        .try_load_record(record.clone())
        .map_err(|e| Error::Model(format!("initial weights do not fit the network: {e}")))?;
    let mut optim = SgdConfig::new().init();
    let mut out = Vec::with_capacity(steps);
    for step in 0..steps {
        let l = loss(&model, &ad);
        let v: f32 = l.clone().into_scalar();
        if !v.is_finite() {
            return Err(Error::Model(format!(
                "loss became {v} at step {step} on {}",
                crate::device::device_name(device)
            )));
        }
        out.push(v as f64);
        let grads = GradientsParams::from_grads(l.backward(), &model);
        model = optim.step(0.01, model, grads);
    }
    Ok(out)
}

fn images(batch: usize, channels: usize, size: usize, seed: u64) -> Vec<f32> {
    uniform(batch * channels * size * size, 0.0, 1.0, seed)
}

fn uniform(n: usize, lo: f32, hi: f32, seed: u64) -> Vec<f32> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    (0..n).map(|_| rng.random_range(lo..hi)).collect()
}

fn to_tensor(v: &[f32], shape: [usize; 4], d: &Device) -> Tensor<4> {
    Tensor::<4>::from_data(TensorData::new(v.to_vec(), shape), d)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The CPU against itself: the comparison machinery gives identical losses that fall.
    #[test]
    fn cpu_against_cpu_agrees_exactly_and_learns() {
        let d = crate::device::cpu_device();
        for net in AgreementNet::ALL {
            let a = agreement(net, 4, 3, 7, &d, &d).unwrap();
            assert_eq!(a.losses_a, a.losses_b, "{net:?}");
            assert!(a.agree && a.max_relative_difference == 0.0);
            assert!(a.losses_a[2] < a.losses_a[0], "{net:?}: {:?}", a.losses_a);
        }
    }

    /// The Vulkan backend against the CPU (with Mesa's lavapipe on a machine without a GPU:
    /// `apt install libvulkan1 mesa-vulkan-drivers`); skipped, saying why, where no Vulkan
    /// adapter comes up.
    #[cfg(feature = "vulkan")]
    #[test]
    fn vulkan_steps_agree_with_the_cpu() {
        use crate::device::{Backend, DeviceRequest, choose};
        let c = choose(DeviceRequest::Vulkan);
        if c.backend != Backend::Vulkan {
            eprintln!("skipped: {}", c.note.unwrap_or_default());
            return;
        }
        let cpu = crate::device::cpu_device();
        for net in AgreementNet::ALL {
            let a = agreement(net, 4, 3, 3, &c.device, &cpu).unwrap();
            eprintln!(
                "{} on {}: {:?} vs CPU {:?}, largest relative difference {:.1e}",
                net.name(),
                c.name,
                a.losses_a,
                a.losses_b,
                a.max_relative_difference
            );
            assert!(a.agree, "{net:?}: {:?} vs {:?}", a.losses_a, a.losses_b);
        }
    }

    #[test]
    fn bad_input_is_refused() {
        let d = crate::device::cpu_device();
        assert!(agreement(AgreementNet::Qnet, 0, 3, 0, &d, &d).is_err());
        assert!(agreement(AgreementNet::Qnet, 2, 0, 0, &d, &d).is_err());
        let e = AgreementNet::parse("resnet").unwrap_err().to_string();
        assert!(e.contains("resnet"), "{e}");
    }
}
