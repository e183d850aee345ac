//! Learning-rate schedules of the shared training loop ([`super::fit`]): the learning rate of
//! every update as a function of the epoch, the update count and (for the plateau rule) what the
//! monitored score did.
//!
//! * [`Schedule::Constant`] — one rate throughout (seed 001's Keras Adam default).
//! * [`Schedule::TimeDecay`] — Keras' inverse-time decay, lr₀ / (1 + decay · t), with t counted in
//!   epochs or updates (seed 000's "learning rate of 0.01 and a decay rate of 1 %").
//! * [`Schedule::Plateau`] — Keras' `ReduceLROnPlateau`: multiply by `factor` after `patience`
//!   epochs without a better monitored score.
//! * [`Schedule::CosineWarmup`] — linear warm-up, then half a cosine down to `min_lr`.
//! * [`Schedule::OneCycle`] — Smith & Topin's one-cycle policy as PyTorch's `OneCycleLR`
//!   (cosine annealing, no momentum cycling): from lr/`div_factor` up to lr over the first
//!   `pct_start` of all updates, then down to lr/(`div_factor`·`final_div_factor`).

use crate::error::{Error, Result, check_positive, check_range, check_size};
use serde::{Deserialize, Serialize};

/// What an inverse-time decay counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DecayPer {
    /// lr = lr₀ / (1 + decay · epoch).
    Epoch,
    /// lr = lr₀ / (1 + decay · update), Keras' SGD and Adam `decay`.
    Step,
}

/// How the learning rate moves during training (the base rate is `FitConfig::learning_rate`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Schedule {
    /// The base rate throughout.
    Constant,
    /// lr₀ / (1 + decay · t).
    TimeDecay {
        /// Decay rate.
        decay: f64,
        /// What t counts.
        per: DecayPer,
    },
    /// Multiply by `factor` after `patience` epochs without a better monitored score (counted
    /// from the last improvement or reduction), down to `min_lr`.
    Plateau {
        /// Epochs to wait.
        patience: usize,
        /// Factor in (0, 1).
        factor: f64,
        /// Floor of the learning rate.
        min_lr: f64,
    },
    /// Linear warm-up over `warmup_steps` updates, then cosine annealing to `min_lr` at the last
    /// update.
    CosineWarmup {
        /// Updates of linear warm-up.
        warmup_steps: usize,
        /// Rate at the end.
        min_lr: f64,
    },
    /// One cycle: up from lr/`div_factor` to lr over the first `pct_start` of the updates, then
    /// down to lr/(`div_factor` · `final_div_factor`) (PyTorch's defaults: 0.3, 25, 1e4).
    OneCycle {
        /// Fraction of the updates spent rising.
        pct_start: f64,
        /// Base rate / starting rate.
        div_factor: f64,
        /// Starting rate / final rate.
        final_div_factor: f64,
    },
}

impl Schedule {
    /// One-cycle with PyTorch's defaults.
    pub fn one_cycle() -> Self {
        Schedule::OneCycle {
            pct_start: 0.3,
            div_factor: 25.0,
            final_div_factor: 1e4,
        }
    }

    /// Checks every field.
    pub fn validate(&self) -> Result<()> {
        match *self {
            Schedule::Constant => {}
            Schedule::TimeDecay { decay, .. } => {
                check_range("schedule.decay", decay, 0.0, 1e6)?;
            }
            Schedule::Plateau {
                patience,
                factor,
                min_lr,
            } => {
                check_size("schedule.patience", patience, 1)?;
                check_range("schedule.factor", factor, 1e-6, 0.999_999)?;
                check_positive("schedule.min_lr", min_lr)?;
            }
            Schedule::CosineWarmup { min_lr, .. } => {
                check_range("schedule.min_lr", min_lr, 0.0, 1e3)?;
            }
            // (min_lr above the base rate is checked in FitConfig::validate, which knows it.)
            Schedule::OneCycle {
                pct_start,
                div_factor,
                final_div_factor,
            } => {
                check_range("schedule.pct_start", pct_start, 0.0, 1.0)?;
                if !(div_factor.is_finite() && div_factor >= 1.0) {
                    return Err(Error::invalid(
                        "schedule.div_factor",
                        div_factor,
                        "must be a finite number ≥ 1",
                    ));
                }
                if !(final_div_factor.is_finite() && final_div_factor >= 1.0) {
                    return Err(Error::invalid(
                        "schedule.final_div_factor",
                        final_div_factor,
                        "must be a finite number ≥ 1",
                    ));
                }
            }
        }
        Ok(())
    }
}

/// Where a schedule stands: what the plateau rule changed, saved with every checkpoint.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ScheduleState {
    /// Current rate of the plateau rule (the base rate for other schedules).
    pub plateau_lr: f64,
    /// Epoch of the last improvement or reduction (plateau rule).
    pub last_change: usize,
}

impl ScheduleState {
    /// The state before the first update.
    pub fn start(base_lr: f64) -> Self {
        ScheduleState {
            plateau_lr: base_lr,
            last_change: 0,
        }
    }
}

/// Learning rate of update `step` (0-based, counted over the whole run) in `epoch`, for a run of
/// `total_steps` updates with base rate `base`.
pub fn learning_rate(
    schedule: &Schedule,
    state: &ScheduleState,
    base: f64,
    epoch: usize,
    step: usize,
    total_steps: usize,
) -> f64 {
    use std::f64::consts::PI;
    match *schedule {
        Schedule::Constant => base,
        Schedule::TimeDecay { decay, per } => {
            let t = match per {
                DecayPer::Epoch => epoch,
                DecayPer::Step => step,
            };
            base / (1.0 + decay * t as f64)
        }
        Schedule::Plateau { .. } => state.plateau_lr,
        Schedule::CosineWarmup {
            warmup_steps,
            min_lr,
        } => {
            if step < warmup_steps {
                base * (step + 1) as f64 / warmup_steps as f64
            } else {
                // The last update (total − 1) runs at `min_lr`.
                let span = total_steps.saturating_sub(warmup_steps + 1).max(1) as f64;
                let t = ((step - warmup_steps) as f64 / span).min(1.0);
                min_lr + (base - min_lr) * 0.5 * (1.0 + (PI * t).cos())
            }
        }
        Schedule::OneCycle {
            pct_start,
            div_factor,
            final_div_factor,
        } => {
            let initial = base / div_factor;
            let last = initial / final_div_factor;
            // PyTorch: the rise ends at update pct·total − 1, the fall at total − 1.
            let up_end = (pct_start * total_steps as f64 - 1.0).max(0.0);
            let down_end = (total_steps as f64 - 1.0).max(up_end + 1.0);
            let s = step as f64;
            let anneal =
                |from: f64, to: f64, t: f64| to + (from - to) * 0.5 * (1.0 + (PI * t).cos());
            if s <= up_end && up_end > 0.0 {
                anneal(initial, base, s / up_end)
            } else {
                anneal(base, last, ((s - up_end) / (down_end - up_end)).min(1.0))
            }
        }
    }
}

/// After epoch `epoch`: the plateau rule's reaction to whether the monitored score improved.
pub fn end_of_epoch(schedule: &Schedule, state: &mut ScheduleState, epoch: usize, improved: bool) {
    if improved {
        state.last_change = epoch;
    }
    if let Schedule::Plateau {
        patience,
        factor,
        min_lr,
    } = *schedule
        && epoch >= state.last_change + patience
        && state.plateau_lr > min_lr
    {
        state.plateau_lr = (state.plateau_lr * factor).max(min_lr);
        state.last_change = epoch;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lr(s: &Schedule, epoch: usize, step: usize, total: usize) -> f64 {
        learning_rate(s, &ScheduleState::start(0.1), 0.1, epoch, step, total)
    }

    #[test]
    fn time_decay_counts_epochs_or_updates() {
        let e = Schedule::TimeDecay {
            decay: 0.01,
            per: DecayPer::Epoch,
        };
        assert!((lr(&e, 2, 500, 1000) - 0.1 / 1.02).abs() < 1e-15);
        let s = Schedule::TimeDecay {
            decay: 0.01,
            per: DecayPer::Step,
        };
        assert!((lr(&s, 2, 500, 1000) - 0.1 / 6.0).abs() < 1e-15);
    }

    #[test]
    fn one_cycle_rises_peaks_and_falls_like_pytorch() {
        let s = Schedule::one_cycle();
        let total = 1000;
        // PyTorch OneCycleLR(max_lr=0.1, total_steps=1000): 0.004 at step 0, 0.1 at step 299,
        // 0.1/25/1e4 = 4e-7 at step 999.
        assert!((lr(&s, 0, 0, total) - 0.004).abs() < 1e-12);
        assert!((lr(&s, 0, 299, total) - 0.1).abs() < 1e-12);
        assert!((lr(&s, 0, 999, total) - 4e-7).abs() < 1e-12);
        let mid = lr(&s, 0, 649, total);
        assert!(mid < 0.1 && mid > 0.04, "{mid}");
        let rising: Vec<f64> = (0..300).map(|k| lr(&s, 0, k, total)).collect();
        assert!(rising.windows(2).all(|w| w[1] > w[0]));
        let falling: Vec<f64> = (299..1000).map(|k| lr(&s, 0, k, total)).collect();
        assert!(falling.windows(2).all(|w| w[1] < w[0]));
    }

    #[test]
    fn cosine_warms_up_then_anneals_to_the_floor() {
        let s = Schedule::CosineWarmup {
            warmup_steps: 10,
            min_lr: 0.001,
        };
        assert!((lr(&s, 0, 0, 111) - 0.01).abs() < 1e-15);
        assert!((lr(&s, 0, 9, 111) - 0.1).abs() < 1e-15);
        assert!((lr(&s, 0, 10, 111) - 0.1).abs() < 1e-15);
        assert!((lr(&s, 0, 60, 111) - 0.0505).abs() < 1e-12);
        assert!((lr(&s, 0, 110, 111) - 0.001).abs() < 1e-15);
    }

    #[test]
    fn plateau_halves_after_patience_and_stops_at_the_floor() {
        let s = Schedule::Plateau {
            patience: 2,
            factor: 0.5,
            min_lr: 0.03,
        };
        let mut st = ScheduleState::start(0.1);
        end_of_epoch(&s, &mut st, 0, true);
        end_of_epoch(&s, &mut st, 1, false);
        assert_eq!(st.plateau_lr, 0.1);
        end_of_epoch(&s, &mut st, 2, false);
        assert_eq!(st.plateau_lr, 0.05);
        end_of_epoch(&s, &mut st, 3, false);
        end_of_epoch(&s, &mut st, 4, false);
        assert_eq!(st.plateau_lr, 0.03);
        assert_eq!(lr(&s, 0, 0, 1), 0.1);
    }

    #[test]
    fn bad_settings_are_named() {
        let e = Schedule::Plateau {
            patience: 0,
            factor: 0.5,
            min_lr: 1e-5,
        }
        .validate()
        .unwrap_err();
        assert!(e.to_string().contains("patience"), "{e}");
        let e = Schedule::OneCycle {
            pct_start: f64::NAN,
            div_factor: 25.0,
            final_div_factor: 1e4,
        }
        .validate()
        .unwrap_err();
        assert!(e.to_string().contains("pct_start"), "{e}");
        assert!(
            Schedule::TimeDecay {
                decay: -1.0,
                per: DecayPer::Epoch
            }
            .validate()
            .is_err()
        );
    }
}
