//! Training: losses, the loop, checkpoints.

pub mod checkpoint;
pub mod class_data;
pub mod class_eval;
pub mod class_experiment;
pub mod classify;
pub mod nll;
pub mod q;
pub mod q_experiment;
pub mod q_refit;
pub mod regress;
pub mod step_timing;
pub mod theta_experiment;
