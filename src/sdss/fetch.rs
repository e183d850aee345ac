//! The catalogue's cutouts from the SkyServer (or a mirror): one JPEG per pair,
//! `<out>/<obj_id>.jpg`. This file holds what a fetch is told and what it reports, and where the
//! cutouts lie; the download itself ([`super::download`], the `fetch` feature) has connect and
//! total timeouts, retries with doubling back-off on timeouts / 5xx / 429, and no partial files
//! (each image is received whole, checked to decode, then written to a temporary file and
//! renamed). If the host cannot be reached at all (offline, DNS failure, connection refused) the
//! whole fetch stops at the first pair with a message saying so, instead of trying 30 times.

use super::catalog::InteractingPair;
use super::cutout::DR15_GETJPEG_URL;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How to fetch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FetchConfig {
    /// The cutout service (default: SkyServer DR15 `getjpeg`).
    pub base_url: String,
    /// Arcseconds per pixel.
    pub scale: f64,
    /// Cutout width in pixels.
    pub width: u32,
    /// Cutout height in pixels.
    pub height: u32,
    /// Limit for name resolution plus connecting (and the TLS handshake).
    pub connect_timeout: Duration,
    /// Limit for one whole request, body included.
    pub timeout: Duration,
    /// Extra attempts after the first one fails with a retryable error.
    pub retries: u32,
    /// Wait before the first retry; doubled for each further one.
    pub backoff: Duration,
    /// Download again files that already exist (otherwise they are skipped).
    pub overwrite: bool,
    /// Largest accepted response body in bytes.
    pub max_bytes: u64,
}

impl Default for FetchConfig {
    fn default() -> Self {
        FetchConfig {
            base_url: DR15_GETJPEG_URL.to_string(),
            scale: 0.4,
            width: 340,
            height: 340,
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(60),
            retries: 3,
            backoff: Duration::from_millis(500),
            overwrite: false,
            max_bytes: 20_000_000,
        }
    }
}

/// One pair that could not be fetched.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FetchFailure {
    /// The pair's designation.
    pub obj_id: String,
    /// The URL tried.
    pub url: String,
    /// What went wrong.
    pub error: String,
}

/// What [`fetch_catalog`](super::download::fetch_catalog) did (feature `fetch`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FetchReport {
    /// Files written.
    pub downloaded: Vec<PathBuf>,
    /// Files that were already there and were kept.
    pub skipped: Vec<PathBuf>,
    /// Pairs that failed (the service answered, but not with an image).
    pub failed: Vec<FetchFailure>,
}

/// The file name of a pair's cutout: `<obj_id>.jpg` (characters other than letters, digits,
/// `+`, `-`, `.` and `_` are replaced by `_`).
pub fn cutout_file_name(pair: &InteractingPair) -> String {
    let safe: String = pair
        .obj_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "+-._".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{safe}.jpg")
}

/// The pairs whose cutout `<dir>/<obj_id>.jpg` exists (e.g. after `galaxy-lab sdss fetch`), with
/// its path; an empty list when `dir` is missing or empty, so a notebook can say so.
pub fn available_cutouts(
    pairs: &[InteractingPair],
    dir: impl AsRef<Path>,
) -> Vec<(InteractingPair, PathBuf)> {
    pairs
        .iter()
        .map(|p| (p.clone(), dir.as_ref().join(cutout_file_name(p))))
        .filter(|(_, path)| path.is_file())
        .collect()
}
