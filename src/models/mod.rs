//! Neural networks (burn): one model per file, each saying which paper figure/table it serves.

pub mod alexnet;
pub mod classifier;
pub mod compact;
pub mod im2col;
pub mod qnet;
pub mod thetanet;
