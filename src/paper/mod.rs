//! The two papers' published numbers, as data, in one place: [`prakash2020`] (seed 000, the
//! classification of interacting pairs and θ regression) and [`hidalgo2023`] (seed 001, q
//! inference). Everything here is *theirs*; our numbers come from runs and live in `results/`.
//! A table that shows both reads the paper's column from this module.

pub mod hidalgo2023;
pub mod prakash2020;
