//! # galaxy-lab
//!
//! Reproduce, step by step, two pieces of galaxy deep-learning research and go further:
//!
//! * Prakash, Banerjee & Perepu (MNRAS 2020): CNNs recover the relative disc inclination and the
//!   viewing angle of interacting galaxy pairs (seed 000);
//! * Hidalgo Mahmud (2023): a CNN with a Gaussian output infers the intrinsic axis ratio q of
//!   Sérsic-disc galaxies (seed 001).
//!
//! Architecture (what light is, how it becomes pixels, how networks learn from it):
//!
//! | module | holds |
//! |---|---|
//! | [`image`] | the image type shared by simulators, augmentation, models and figures |
//! | [`sim`] | galaxy simulators: profiles and rendering |
//! | [`data`] | HDF5 datasets, splits, batching |
//! | [`augment`] | seed 000's augmentation as a lazy, deterministic index space |
//! | [`display`], [`plot`] | inline notebook output and files for the CLI |
//! | [`metrics`] | classification scores, rejection, confusion matrices, ROC/AUC (seed 000 §6) |
//! | [`device`] | run-time choice of CPU or CUDA |
//! | [`notebook`] | first-cell set-up: panic hook, mode, device |
//! | [`sdss`] | seed 000's real-data test: the 30 SDSS pairs, Eq. 6, cutouts |
//! | `cli` | the `galaxy-lab` command-line tool (feature `cli`, on by default) |
//!
//! Notebooks start with `use galaxy_lab::prelude::*;`. Features: `cli` (the command-line tool:
//! clap, indicatif; implies `fetch`) and `fetch` (downloading SDSS cutouts over HTTPS: ureq,
//! rustls), both on by default; notebooks turn them off (`default-features = false`) so that
//! their kernel compiles fewer crates.

pub mod augment;
#[cfg(feature = "cli")]
pub mod cli;
pub mod data;
pub mod device;
pub mod display;
pub mod error;
pub mod figures;
pub mod image;
pub mod io;
pub mod malloc;
pub mod metrics;
pub mod mode;
pub mod models;
pub mod notebook;
pub mod paper;
pub mod plot;
pub mod prelude;
pub mod sdss;
pub mod sim;
pub mod train;

pub use device::{cpu_device, device};
pub use error::{Error, Result};
pub use image::Image;
