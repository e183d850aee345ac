//! The one error type of galaxy-lab. Every public entry point returns [`Result`], and every
//! message names the value that was wrong so a notebook user can fix the call.

use std::path::PathBuf;

/// Everything that can go wrong in galaxy-lab.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A parameter was NaN, infinite, negative where a size is expected, or out of range.
    #[error("invalid {name} = {value}: {reason}")]
    InvalidParameter {
        /// Name of the parameter as the caller wrote it.
        name: String,
        /// The offending value, formatted.
        value: String,
        /// What was expected instead.
        reason: String,
    },
    /// A file could not be read or written.
    #[error("I/O error on {path}: {source}")]
    Io {
        /// The file involved.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// An HDF5 file was missing, corrupt or did not have the expected layout.
    #[error("HDF5 error on {path}: {message}")]
    Hdf5 {
        /// The file involved.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// Encoding or decoding an image failed.
    #[error("image error: {0}")]
    Image(String),
    /// Drawing a plot failed.
    #[error("plot error: {0}")]
    Plot(String),
    /// (De)serialising JSON failed.
    #[error("JSON error: {0}")]
    Json(#[from] serde_json::Error),
    /// A model or training problem (shape mismatch, NaN loss, bad checkpoint).
    #[error("model error: {0}")]
    Model(String),
}

/// `Result` with galaxy-lab's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// Shorthand for [`Error::InvalidParameter`].
    pub fn invalid(name: &str, value: impl std::fmt::Display, reason: impl Into<String>) -> Self {
        Error::InvalidParameter {
            name: name.to_string(),
            value: value.to_string(),
            reason: reason.into(),
        }
    }

    /// Shorthand for [`Error::Io`].
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

/// Checks that `value` is finite (not NaN or infinite).
pub fn check_finite(name: &str, value: f64) -> Result<f64> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(Error::invalid(name, value, "must be a finite number"))
    }
}

/// Checks that `value` is finite and lies in the closed interval `[lo, hi]`.
pub fn check_range(name: &str, value: f64, lo: f64, hi: f64) -> Result<f64> {
    check_finite(name, value)?;
    if value < lo || value > hi {
        return Err(Error::invalid(
            name,
            value,
            format!("must lie in [{lo}, {hi}]"),
        ));
    }
    Ok(value)
}

/// Checks that `value` is finite and strictly positive.
pub fn check_positive(name: &str, value: f64) -> Result<f64> {
    check_finite(name, value)?;
    if value <= 0.0 {
        return Err(Error::invalid(name, value, "must be > 0"));
    }
    Ok(value)
}

/// Checks that a size (pixels, counts) is at least `min`.
pub fn check_size(name: &str, value: usize, min: usize) -> Result<usize> {
    if value < min {
        return Err(Error::invalid(
            name,
            value,
            format!("must be at least {min}"),
        ));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_bad_value() {
        let e = check_range("inclination_deg", 120.0, 0.0, 90.0).unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("inclination_deg") && msg.contains("120"),
            "{msg}"
        );
        let e = check_positive("r_e", f64::NAN).unwrap_err();
        assert!(e.to_string().contains("NaN"), "{e}");
        assert!(check_positive("r_e", -1.0).is_err());
        assert!(check_size("size", 0, 1).is_err());
        assert_eq!(check_range("q", 0.5, 0.2, 1.0).unwrap(), 0.5);
    }
}
