//! Quick or full mode. Notebooks and the CLI read `GALAXY_LAB_MODE` (`quick` or `full`) so the
//! same code runs a minutes-long smoke version under `make test` and the paper-scale run by hand.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// How big a run should be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunMode {
    /// Small datasets and few epochs: what `make test` executes on 2 CPU cores.
    Quick,
    /// The paper-scale configuration.
    Full,
}

impl RunMode {
    /// Reads `GALAXY_LAB_MODE`; unset means `quick`. Any other value than `quick`/`full` is an error.
    pub fn from_env() -> Result<Self> {
        match std::env::var("GALAXY_LAB_MODE") {
            Err(_) => Ok(RunMode::Quick),
            Ok(v) => v.parse(),
        }
    }

    /// Picks the quick or the full value.
    pub fn pick<T>(self, quick: T, full: T) -> T {
        match self {
            RunMode::Quick => quick,
            RunMode::Full => full,
        }
    }

    /// `"quick"` or `"full"`.
    pub fn as_str(self) -> &'static str {
        self.pick("quick", "full")
    }
}

impl std::str::FromStr for RunMode {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "quick" | "" => Ok(RunMode::Quick),
            "full" => Ok(RunMode::Full),
            other => Err(Error::invalid(
                "GALAXY_LAB_MODE",
                other,
                "must be `quick` or `full`",
            )),
        }
    }
}

impl std::fmt::Display for RunMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_modes_and_rejects_others() {
        assert_eq!("quick".parse::<RunMode>().unwrap(), RunMode::Quick);
        assert_eq!("FULL".parse::<RunMode>().unwrap(), RunMode::Full);
        let e = "fast".parse::<RunMode>().unwrap_err().to_string();
        assert!(e.contains("fast"), "{e}");
        assert_eq!(RunMode::Full.pick(1, 2), 2);
    }
}
