//! The committed side-by-side benchmark of the Sérsic renderer (`bench/sersic_vs_numpy.py` →
//! `results/sersic/bench.json`): the thesis's numpy cube against galaxy-lab's renderer, both on
//! one core in one run. Notebooks read the measured rates from here instead of quoting them.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// One run of `bench/sersic_vs_numpy.py`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RendererBench {
    /// The thesis-style numpy renderer (a 64³ cube summed along the line of sight), images/s.
    pub numpy_images_per_second: f64,
    /// galaxy-lab's renderer on the same galaxies, images/s.
    pub galaxy_lab_images_per_second: f64,
    /// galaxy-lab's rate over numpy's.
    pub ratio: f64,
    /// Images rendered by numpy.
    pub numpy_images: usize,
    /// Image side in pixels.
    pub size: usize,
    /// Where it ran.
    pub machine: String,
    /// Cores used by each renderer.
    pub cores_used: usize,
}

impl RendererBench {
    /// Reads and checks `path` (rates finite and positive); a missing or malformed file names it
    /// and the script that writes it.
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let b: RendererBench = crate::io::read_json(path).map_err(|e| {
            Error::invalid(
                "Sérsic benchmark file",
                path.display(),
                format!("{e} (written by bench/sersic_vs_numpy.py)"),
            )
        })?;
        for (name, v) in [
            ("numpy_images_per_second", b.numpy_images_per_second),
            (
                "galaxy_lab_images_per_second",
                b.galaxy_lab_images_per_second,
            ),
            ("ratio", b.ratio),
        ] {
            crate::error::check_positive(name, v).map_err(|e| {
                Error::invalid("Sérsic benchmark file", path.display(), e.to_string())
            })?;
        }
        Ok(b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn committed_benchmark_loads_and_agrees_with_itself() {
        let b = RendererBench::load(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("results/sersic/bench.json"),
        )
        .unwrap();
        assert!(b.numpy_images_per_second > 0.0);
        let ratio = b.galaxy_lab_images_per_second / b.numpy_images_per_second;
        assert!(
            (ratio - b.ratio).abs() < 1e-6 * b.ratio,
            "{ratio} vs {}",
            b.ratio
        );
    }

    #[test]
    fn missing_or_bad_files_are_errors_naming_them() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("none.json");
        let e = RendererBench::load(&missing).unwrap_err().to_string();
        assert!(e.contains("none.json"), "{e}");
        let bad = dir.path().join("bad.json");
        std::fs::write(
            &bad,
            r#"{"numpy_images_per_second": -1, "galaxy_lab_images_per_second": 1, "ratio": 1,
               "numpy_images": 1, "size": 64, "machine": "vm", "cores_used": 1}"#,
        )
        .unwrap();
        let e = RendererBench::load(&bad).unwrap_err().to_string();
        assert!(
            e.contains("numpy_images_per_second") && e.contains("bad.json"),
            "{e}"
        );
    }
}
