//! Checkpoints shared by every network: weights as a burn record (`.bpk`, written to a temp file
//! and renamed) and the network's configuration as JSON next to them.

use crate::error::{Error, Result};
use burn::module::Module;
use burn::store::ModuleRecord;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::path::Path;

/// Saves `model`'s weights to `path` and `config` to `path` with extension `.json`.
pub fn save_module<M: Module, C: Serialize>(model: &M, config: &C, path: &Path) -> Result<()> {
    crate::io::ensure_parent(path)?;
    let tmp = path.with_extension("bpk.tmp");
    model
        .clone()
        .into_record()
        .save(&tmp)
        .map_err(|e| Error::Model(format!("saving {}: {e}", path.display())))?;
    std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))?;
    crate::io::write_json(path.with_extension("json"), config)
}

/// An error naming `path` and how to recreate it (`recreate`, e.g. the command that writes it)
/// when no checkpoint is there.
pub fn require_checkpoint(path: &Path, recreate: &str) -> Result<()> {
    if path.exists() {
        return Ok(());
    }
    Err(Error::invalid(
        "model file",
        path.display(),
        format!("does not exist; {recreate}"),
    ))
}

/// Reads the configuration written by [`save_module`], builds the network with `init` and loads
/// the weights into it; a missing, corrupt or mismatched file is an error.
pub fn load_module<M: Module, C: DeserializeOwned>(
    path: &Path,
    init: impl FnOnce(&C) -> Result<M>,
) -> Result<(M, C)> {
    let cfg_path = path.with_extension("json");
    let text = std::fs::read_to_string(&cfg_path).map_err(|e| Error::io(&cfg_path, e))?;
    let config: C = serde_json::from_str(&text)?;
    if !path.exists() {
        return Err(Error::io(
            path,
            std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
        ));
    }
    let record = ModuleRecord::load(path)
        .map_err(|e| Error::Model(format!("reading {}: {e}", path.display())))?;
    let model = init(&config)?.try_load_record(record).map_err(|e| {
        Error::Model(format!(
            "checkpoint {} does not fit the network: {e}",
            path.display()
        ))
    })?;
    Ok((model, config))
}
