//! Neural networks (burn): one model per file, each saying which paper figure/table it serves.

pub mod qnet;
pub mod thetanet;
