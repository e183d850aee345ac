//! Data augmentation of seed 000 §4: smoothing, contrast enhancement of a random half, rotation
//! in 1° steps, resizing, and the median filter used for SDSS images — applied lazily, so the
//! seed's ~1.7 million augmented images are an index space, not files.
//!
//! | module | holds |
//! |---|---|
//! | [`ops`] | the image operations (imageproc/image underneath) |
//! | [`space`] | [`AugmentSpace`]: augmented index → (source, variant, rotation) → image |
//! | [`set`] | labelled [`AugmentedSet`]s, the source-level split, the Tables 1–3 counts |

pub mod ops;
pub mod set;
pub mod space;

pub use ops::{
    Half, border_median, contrast_half, median_filter, mirror, resize, rot90, rotate_deg, smooth,
};
pub use set::{AugmentedSet, SourceSplit, count_table, split_sources};
pub use space::{AugmentConfig, AugmentSpace, Augmentation, Variant};
