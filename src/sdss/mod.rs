//! Seed 000's test on real data ("Results on real data", Eq. 6, Tables 12, 13, B1, B2): the 30
//! SDSS interacting pairs, their relative disc inclinations, and the cutout pipeline.
//!
//! | module | holds |
//! |---|---|
//! | [`catalog`] | `data/sdss_interacting_pairs.csv` (Tables B1 + B2), typed loading |
//! | [`geometry`] | Eq. 6 (relative inclination from i1, i2, PA1, PA2) and the ±15° labelling |
//! | [`cutout`] | the SkyServer DR15 `ImgCutout/getjpeg` URL for a cutout at (RA, Dec, scale, size) |
//! | [`images`] | loading cutouts (JPEG/PNG, simple FITS) and the seed's preprocessing |
//! | [`mass_ratio`] | stellar mass ratios of the pairs from their magnitudes (same mass-to-light ratio) |
//! | [`fetch`] | downloading every catalogue cutout (timeouts, retries, no partial files) |
//! | [`real_test`] | the real-data test on fetched cutouts (`galaxy-lab sdss classify`) |
//! | [`cli`] | `galaxy-lab sdss …` |
//!
//! ```
//! use galaxy_lab::sdss::{relative_inclination, label_relative_inclination, RelInclinationClass};
//! // First row of Table B1: J15265746+1009004.
//! let i = relative_inclination(61.3, 61.4, 109.7, 109.1).unwrap();
//! assert!((i - 0.54).abs() < 0.01);
//! assert_eq!(label_relative_inclination(i), Some(RelInclinationClass::Deg0));
//! ```

pub mod catalog;
#[cfg(feature = "cli")]
pub mod cli;
pub mod cutout;
#[cfg(feature = "fetch")]
pub mod download;
pub mod fetch;
pub mod fits;
pub mod geometry;
pub mod images;
pub mod mass_ratio;
pub mod real_test;

pub use catalog::{
    DEFAULT_CATALOG_PATH, InteractingPair, catalog_table, load_catalog, parse_designation,
    read_catalog,
};
pub use cutout::{CutoutRequest, DR15_GETJPEG_URL, MAX_CUTOUT_PIXELS, cutout_url};
#[cfg(feature = "fetch")]
pub use download::{fetch_catalog, fetch_url};
pub use fetch::{FetchConfig, FetchFailure, FetchReport, available_cutouts, cutout_file_name};
pub use fits::{FitsImage, fits_bytes_f32, read_fits, read_fits_bytes};
pub use geometry::{
    LABEL_TOLERANCE_DEG, RelInclinationClass, label_relative_inclination, label_with_tolerance,
    relative_inclination,
};
pub use images::{Preprocess, load_cutout, load_cutout_bytes, preprocess, to_chw_f32};
