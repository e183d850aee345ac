//! Subnormal ("denormal") numbers flushed to zero after every optimiser step.
//!
//! Weights that stop receiving gradient (the inputs of units that ReLU has switched off for every
//! image) shrink under weight decay until they are subnormal f32 numbers (below 1.18e-38), and
//! their optimiser moments follow: Adam's first moment then sticks there, because 0.9 × k·2⁻¹⁴⁹
//! rounds back to k·2⁻¹⁴⁹ for k ≤ 4. x86 CPUs handle arithmetic on such numbers through a slow
//! microcode path. In a 100-epoch q run, 68 % of the first dense layer's weights and 64 % of its
//! Adam first moments were subnormal by epoch 41, and epochs took 16 s instead of 6–8 s
//! (`bench/denormals.sh`). The CPU's flush-to-zero mode would cure it but is undefined behaviour in
//! Rust (the compiler assumes the default floating-point environment). [`FlushSubnormals`] does the
//! defined, portable thing: after each step of the optimiser it wraps, every weight and every
//! optimiser-state value that is subnormal (non-zero with magnitude below `f32::MIN_POSITIVE`)
//! becomes exactly zero — a change of less than 1.2e-38 to any number. A dead weight then settles
//! at zero or at a tiny normal value (~1e-35 in the test below), where arithmetic is fast again.
//! GPUs compute with subnormals at full speed, so the training loop wraps the optimiser on the CPU
//! only.

use burn::optim::{LearningRate, ModuleOptimizer, Optimizer, RecordState, StateSink, StateSource};
use burn::prelude::*;
use burn::tensor::TensorData;
use std::collections::BTreeMap;

/// Whether any of `v` is subnormal: the test on the bits (exponent zero, mantissa not) in runs
/// of 256 values without an early exit inside a run, which the compiler vectorises
/// (`Iterator::any` on `f32::is_subnormal` stayed a scalar loop).
fn any_subnormal(v: &[f32]) -> bool {
    const EXPONENT: u32 = 0x7f80_0000;
    const MANTISSA: u32 = 0x007f_ffff;
    v.chunks(256).any(|run| {
        run.iter().fold(false, |any, x| {
            let b = x.to_bits();
            any | ((b & EXPONENT == 0) & (b & MANTISSA != 0))
        })
    })
}

/// Sets the subnormal f32 values of `data` to zero; whether there were any. Data of other
/// dtypes (not f32) is left alone. Scans before writing: most tensors have none.
fn flush_data(data: &mut TensorData) -> bool {
    if !data.as_slice::<f32>().is_ok_and(any_subnormal) {
        return false;
    }
    if let Ok(values) = data.as_mut_slice::<f32>() {
        for v in values.iter_mut().filter(|v| v.is_subnormal()) {
            *v = 0.0;
        }
    }
    true
}

/// `x` with its subnormal values set to zero (the same values when it has none; tensors of
/// other dtypes than f32 as they are). `x` is taken apart into its data and rebuilt from it,
/// which moves the buffer where no other tensor shares it (the optimiser's fresh result): no copy
/// of every weight per step.
pub fn flush_tensor<const D: usize>(x: Tensor<D>) -> Tensor<D> {
    if x.dtype() != burn::tensor::DType::F32 {
        return x;
    }
    let device = x.device();
    let mut data = x.into_data();
    flush_data(&mut data);
    Tensor::from_data(data, &device)
}

/// An optimiser state with its subnormal values set to zero (itself when it has none).
fn flush_state<S: RecordState>(state: S, device: &Device) -> S {
    let mut sink = StateSink::default();
    state.state_flatten("", &mut sink);
    let flushed = sink
        .tensors
        .iter_mut()
        .fold(false, |any, (_, d)| flush_data(d) | any);
    if !flushed {
        return state;
    }
    let mut source = StateSource::new(sink.scalars.into_iter().collect::<BTreeMap<_, _>>());
    for (name, data) in sink.tensors {
        source.insert_tensor(name, data);
    }
    S::state_unflatten("", &mut source, device)
        .expect("an optimiser state rebuilds from the leaves it was just flattened into")
}

/// `optim` as a whole-module optimiser, wrapped in [`FlushSubnormals`] when `flush` is set.
pub fn module_optimizer<O: Optimizer>(optim: O, flush: bool) -> ModuleOptimizer {
    if flush {
        FlushSubnormals(optim).into()
    } else {
        optim.into()
    }
}

/// The optimiser `O` (burn's Adam, AdamW or SGD), followed after every step by setting the
/// subnormal values of the updated weights and of the optimiser's state to zero. Its state has
/// `O`'s layout, so checkpoints read and write as `O`'s do.
#[derive(Clone)]
pub struct FlushSubnormals<O>(pub O);

impl<O: Optimizer> Optimizer for FlushSubnormals<O> {
    type State<const D: usize> = O::State<D>;

    fn step<const D: usize>(
        &self,
        lr: LearningRate,
        tensor: Tensor<D>,
        grad: Tensor<D>,
        state: Option<Self::State<D>>,
    ) -> (Tensor<D>, Option<Self::State<D>>) {
        let device = tensor.device();
        let (tensor, state) = self.0.step(lr, tensor, grad, state);
        (flush_tensor(tensor), state.map(|s| flush_state(s, &device)))
    }

    fn to_device<const D: usize>(state: Self::State<D>, device: &Device) -> Self::State<D> {
        O::to_device(state, device)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::optim::{AdamConfig, SgdConfig, momentum::MomentumConfig};

    const SUB: f32 = f32::MIN_POSITIVE / 4.0;
    /// Three units in the last place of the subnormals: 0.9 × this rounds back to it.
    const STUCK: f32 = f32::from_bits(3);

    fn tensor(values: &[f32], device: &Device) -> Tensor<1> {
        Tensor::from_data(TensorData::new(values.to_vec(), [values.len()]), device)
    }

    fn bits(t: Tensor<1>) -> Vec<u32> {
        let v: Vec<f32> = t.into_data().try_to_vec().unwrap();
        v.iter().map(|x| x.to_bits()).collect()
    }

    fn sgd_with_momentum() -> burn::optim::Sgd {
        SgdConfig::new()
            .with_momentum(Some(MomentumConfig::new().with_momentum(0.9)))
            .build()
    }

    /// An optimiser state's tensors by name, as f32 values (read through its record).
    fn leaves<S: RecordState>(state: &S) -> Vec<(String, Vec<f32>)> {
        let mut sink = StateSink::default();
        state.state_flatten("", &mut sink);
        sink.tensors
            .into_iter()
            .map(|(n, t)| (n, t.try_to_vec::<f32>().unwrap()))
            .collect()
    }

    #[test]
    fn subnormal_values_become_zero_and_others_keep_their_bits() {
        assert!(SUB > 0.0 && SUB.is_subnormal());
        let d = crate::device::device();
        let values = [SUB, -SUB, f32::MIN_POSITIVE, -0.5, 0.0, 3.0e-30, f32::NAN];
        let got = bits(flush_tensor(tensor(&values, &d)));
        let want = [0.0, 0.0, f32::MIN_POSITIVE, -0.5, 0.0, 3.0e-30, f32::NAN].map(f32::to_bits);
        assert_eq!(got, want);
    }

    /// A dead weight (zero gradient) whose weight and first moment are subnormal, as a long run
    /// leaves them: burn's own Adam keeps the moment stuck at a subnormal value; wrapped, no
    /// weight or state value is subnormal after any step, the dead weight stays negligible and the
    /// live one trains.
    #[test]
    fn no_subnormal_survives_a_step() {
        let d = crate::device::device();
        let adam = AdamConfig::new()
            .with_epsilon(1e-7)
            .with_weight_decay(Some(burn::optim::decay::WeightDecayConfig::new(1e-3)))
            .build();
        let w = tensor(&[SUB, 0.5], &d);
        let grad = || tensor(&[0.0, 0.1], &d);
        let (_, state) = adam.step(1e-3, w.clone(), grad(), None);
        let mut state = state.unwrap();
        state.momentum.moment_1 = tensor(&[STUCK, 0.01], &d);
        let values = |t: &Tensor<1>| t.clone().into_data().try_to_vec::<f32>().unwrap();
        let plain = {
            let (mut w, mut s) = (w.clone(), Some(state.clone()));
            for _ in 0..50 {
                (w, s) = adam.step(1e-3, w, grad(), s);
            }
            values(&s.unwrap().momentum.moment_1)[0]
        };
        assert!(
            plain.is_subnormal(),
            "burn's Adam: first moment {plain:e} after 50 steps"
        );

        let flushing = FlushSubnormals(adam);
        let (mut w, mut s) = (w, Some(state));
        for _ in 0..50 {
            (w, s) = flushing.step(1e-3, w, grad(), s);
            let st = s.clone().unwrap().momentum;
            for (what, v) in [
                ("weight", values(&w)),
                ("moment 1", values(&st.moment_1)),
                ("moment 2", values(&st.moment_2)),
            ] {
                assert!(v.iter().all(|x| !x.is_subnormal()), "{what}: {v:?}");
            }
        }
        let w = values(&w);
        assert!(w[0].abs() < 1e-30 && (0.4..0.5).contains(&w[1]), "{w:?}");
    }

    /// Without subnormals the wrapper changes nothing: the same steps as burn's SGD with
    /// momentum, bit for bit (its velocity is private: read back through its record).
    #[test]
    fn without_subnormals_steps_are_burns() {
        let d = crate::device::device();
        let sgd = sgd_with_momentum();
        let flushing = FlushSubnormals(sgd.clone());
        let (mut a, mut sa) = (tensor(&[0.3, -2.0, 1e-20], &d), None);
        let (mut b, mut sb) = (a.clone(), None);
        for k in 0..5 {
            let g = tensor(&[0.1 * k as f32, -0.2, 1e-21], &d);
            (a, sa) = sgd.step(0.01, a, g.clone(), sa);
            (b, sb) = flushing.step(0.01, b, g, sb);
        }
        assert_eq!(bits(a), bits(b));
        assert_eq!(leaves(&sa.unwrap()), leaves(&sb.unwrap()));
    }

    /// A state that holds a subnormal and a normal value is rebuilt: the subnormal becomes
    /// zero, the normal value keeps its bits (SGD's private velocity, read through its record).
    #[test]
    fn a_rebuilt_state_keeps_its_normal_values() {
        let d = crate::device::device();
        let sgd = sgd_with_momentum();
        let w = tensor(&[1.0, 1.0], &d);
        let g = tensor(&[2.0 * SUB, 0.5], &d);
        let (_, plain) = sgd.step(0.01, w.clone(), g.clone(), None);
        let (_, flushed) = FlushSubnormals(sgd).step(0.01, w, g, None);
        let (plain, flushed) = (leaves(&plain.unwrap()), leaves(&flushed.unwrap()));
        assert_eq!(plain.len(), 1, "one velocity: {plain:?}");
        assert!(plain[0].1[0].is_subnormal(), "{plain:?}");
        assert_eq!(flushed[0].0, plain[0].0);
        assert_eq!(flushed[0].1[0].to_bits(), 0);
        assert_eq!(flushed[0].1[1].to_bits(), plain[0].1[1].to_bits());
    }

    #[test]
    fn configurations_without_the_field_keep_subnormals() {
        let mut v = serde_json::to_value(crate::train::q::TrainConfig::default()).unwrap();
        assert_eq!(v["flush_subnormals"], true, "new runs flush");
        v.as_object_mut().unwrap().remove("flush_subnormals");
        let old: crate::train::q::TrainConfig = serde_json::from_value(v).unwrap();
        assert!(!old.flush_subnormals && !old.fit_config().flush_subnormals);
    }
}
