//! Training: losses, the loop, checkpoints.

pub mod nll;
pub mod q;
