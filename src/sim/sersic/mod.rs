//! Seed 001's galaxies: a Sérsic disc × Gaussian-z light model (`profile`), its Gaussian-mixture
//! form (`mog`), projection to images (`render`) and observational effects (`observe`); the
//! committed renderer benchmark (`bench`).

pub mod bench;
pub mod mog;
pub mod observe;
pub mod profile;
pub mod render;

pub use bench::RendererBench;
pub use mog::GaussianMixture;
pub use observe::*;
pub use profile::{HZ_DIVISOR, N_RANGE, SersicDisc, SersicModel, sersic_bn, sersic_bn_series};
pub use render::{
    Grid, Image, MOG_N_RANGE, View, line_of_sight, render, render_cube, render_reference,
    render_sersic, render_views,
};
