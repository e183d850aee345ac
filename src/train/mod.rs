//! Training: losses, the loop, checkpoints.

pub mod nll;
pub mod q;
pub mod q_experiment;
pub mod regress;
pub mod step_timing;
