//! Optimisers of the shared training loop ([`super::fit`]), as data: which one, its settings, and
//! gradient clipping. Each becomes one of burn's `ModuleOptimizer`s.

use super::subnormal::module_optimizer;
use crate::error::{Error, Result, check_positive, check_range};
use burn::optim::decay::WeightDecayConfig;
use burn::optim::grad_clipping::GradientClippingConfig;
use burn::optim::momentum::MomentumConfig;
use burn::optim::{AdamConfig, AdamWConfig, ModuleOptimizer, SgdConfig};
use serde::{Deserialize, Serialize};

/// Which optimiser, with its settings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Optimizer {
    /// Stochastic gradient descent, optionally with (Nesterov) momentum (no dampening, as Keras
    /// and PyTorch) and a coupled L2 penalty.
    Sgd {
        /// Momentum (None: plain SGD, seed 000's Keras default).
        momentum: Option<f64>,
        /// Nesterov's form of momentum.
        #[serde(default)]
        nesterov: bool,
        /// L2 penalty added to the gradient.
        #[serde(default)]
        weight_decay: Option<f64>,
    },
    /// Adam with a coupled L2 penalty (PyTorch's `Adam(weight_decay=…)`).
    Adam {
        /// ε (Keras: 1e-7).
        epsilon: f64,
        /// L2 penalty added to the gradient.
        #[serde(default)]
        weight_decay: Option<f64>,
    },
    /// AdamW: Adam with decoupled weight decay (Loshchilov & Hutter 2019).
    AdamW {
        /// ε.
        epsilon: f64,
        /// Decoupled decay per unit learning rate (PyTorch's default 1e-2).
        weight_decay: f64,
    },
}

/// Gradient clipping, per parameter tensor (burn's).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum GradClip {
    /// Clip each gradient element to ±value.
    Value {
        /// Bound.
        value: f64,
    },
    /// Rescale each parameter's gradient to at most this L2 norm.
    Norm {
        /// Bound.
        max_norm: f64,
    },
}

impl Optimizer {
    /// Keras' Adam (ε = 1e-7), no penalty.
    pub fn keras_adam() -> Self {
        Optimizer::Adam {
            epsilon: 1e-7,
            weight_decay: None,
        }
    }

    /// Checks every field.
    pub fn validate(&self) -> Result<()> {
        match *self {
            Optimizer::Sgd {
                momentum,
                weight_decay,
                nesterov,
            } => {
                if let Some(m) = momentum {
                    check_range("momentum", m, 0.0, 0.999)?;
                }
                if nesterov && momentum.is_none() {
                    return Err(Error::invalid(
                        "nesterov",
                        true,
                        "needs a momentum (Nesterov's form of momentum)",
                    ));
                }
                if let Some(w) = weight_decay {
                    check_positive("weight_decay", w)?;
                }
            }
            Optimizer::Adam {
                epsilon,
                weight_decay,
            } => {
                check_positive("epsilon", epsilon)?;
                if let Some(w) = weight_decay {
                    check_positive("weight_decay", w)?;
                }
            }
            Optimizer::AdamW {
                epsilon,
                weight_decay,
            } => {
                check_positive("epsilon", epsilon)?;
                check_range("weight_decay", weight_decay, 0.0, 10.0)?;
            }
        }
        Ok(())
    }

    /// burn's optimiser for these settings; with `flush_subnormals`, wrapped in
    /// [`FlushSubnormals`](super::subnormal::FlushSubnormals) (subnormal weights and optimiser
    /// state set to zero after every step).
    pub fn init(&self, clip: Option<GradClip>, flush_subnormals: bool) -> ModuleOptimizer {
        let mut optim = match *self {
            Optimizer::Sgd {
                momentum,
                nesterov,
                weight_decay,
            } => module_optimizer(
                SgdConfig::new()
                    .with_momentum(momentum.map(|m| {
                        MomentumConfig::new()
                            .with_momentum(m)
                            .with_dampening(0.0)
                            .with_nesterov(nesterov)
                    }))
                    .with_weight_decay(weight_decay.map(|w| WeightDecayConfig::new(w as f32)))
                    .build(),
                flush_subnormals,
            ),
            Optimizer::Adam {
                epsilon,
                weight_decay,
            } => module_optimizer(
                AdamConfig::new()
                    .with_epsilon(epsilon as f32)
                    .with_weight_decay(weight_decay.map(|w| WeightDecayConfig::new(w as f32)))
                    .build(),
                flush_subnormals,
            ),
            Optimizer::AdamW {
                epsilon,
                weight_decay,
            } => module_optimizer(
                AdamWConfig::new()
                    .with_epsilon(epsilon as f32)
                    .with_weight_decay(weight_decay as f32)
                    .build(),
                flush_subnormals,
            ),
        };
        if let Some(c) = clip {
            optim = optim.with_grad_clipping(
                match c {
                    GradClip::Value { value } => GradientClippingConfig::Value(value as f32),
                    GradClip::Norm { max_norm } => GradientClippingConfig::Norm(max_norm as f32),
                }
                .init(),
            );
        }
        optim
    }
}

impl GradClip {
    /// Checks the bound.
    pub fn validate(&self) -> Result<()> {
        match *self {
            GradClip::Value { value } => check_positive("grad_clip.value", value).map(|_| ()),
            GradClip::Norm { max_norm } => {
                check_positive("grad_clip.max_norm", max_norm).map(|_| ())
            }
        }
    }
}
