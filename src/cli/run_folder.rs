//! What the training commands (`classify train`, `q train`, `theta train`) share: the run
//! folder's `run.json` (the data file and the resolved settings, so that `--resume DIR` restarts
//! exactly the same run), the refusal to start a new run over another run's checkpoint, the
//! removal of the checkpoint once the run is complete, and the progress bar.

use crate::error::{Error, Result};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The per-epoch checkpoint folder inside a run folder.
pub const CHECKPOINT: &str = "checkpoint";

/// What a training command writes first into its output folder (`run.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunFile<C> {
    /// Dataset file (absolute, so that `--resume` works from any folder).
    pub data: PathBuf,
    /// The settings, presets and options resolved.
    pub config: C,
}

/// The run a training command works on.
#[derive(Debug)]
pub struct Run<C> {
    /// Dataset file.
    pub data: PathBuf,
    /// Run folder.
    pub out: PathBuf,
    /// Resolved settings.
    pub config: C,
    /// Whether it continues a killed run.
    pub resumed: bool,
}

/// With `resume`, the run saved in that folder; otherwise a new run of `data` into `out` (both
/// needed) with the settings `settings` makes from the opened data file (and checks: nothing is
/// written before it succeeds), whose `run.json` is then written. The data file is opened once,
/// by `open`, and returned with the run. `command` names the command in errors.
pub fn new_or_resume<C: Serialize + DeserializeOwned, D>(
    command: &str,
    resume: Option<&Path>,
    data: Option<&Path>,
    out: Option<&Path>,
    open: impl FnOnce(&Path) -> Result<D>,
    settings: impl FnOnce(&D) -> Result<C>,
) -> Result<(Run<C>, D)> {
    if let Some(dir) = resume {
        let run: RunFile<C> = read(command, dir)?;
        let ds = open(&run.data)?;
        return Ok((
            Run {
                data: run.data,
                out: dir.to_path_buf(),
                config: run.config,
                resumed: true,
            },
            ds,
        ));
    }
    let (Some(data), Some(out)) = (data, out) else {
        return Err(Error::invalid(
            command,
            "no --data or no --out",
            "a new run needs both (or --resume DIR)",
        ));
    };
    let ds = open(data)?;
    let config = settings(&ds)?;
    start(out, data, &config)?;
    Ok((
        Run {
            data: data.to_path_buf(),
            out: out.to_path_buf(),
            config,
            resumed: false,
        },
        ds,
    ))
}

/// Reads `dir/run.json` of a run to resume; `command` names the command in the error.
pub fn read<C: DeserializeOwned>(command: &str, dir: &Path) -> Result<RunFile<C>> {
    crate::io::read_json(dir.join("run.json")).map_err(|e| {
        Error::invalid(
            "--resume",
            dir.display(),
            format!("is not a `{command}` run folder ({e})"),
        )
    })
}

/// Starts a new run in `out`: refuses a folder that holds another run's checkpoint, then writes
/// `run.json` (atomically) with `data` made absolute.
pub fn start<C: Serialize>(out: &Path, data: &Path, config: &C) -> Result<()> {
    if crate::train::fit::latest_checkpoint(&out.join(CHECKPOINT))?.is_some() {
        return Err(Error::invalid(
            "--out",
            out.display(),
            "holds a checkpoint of another run; use --resume to continue it or another folder",
        ));
    }
    let data = std::fs::canonicalize(data).map_err(|e| Error::io(data, e))?;
    crate::io::write_json(out.join("run.json"), &RunFile { data, config })
}

/// The run in `out` is complete and saved: its per-epoch checkpoint is no longer needed (and
/// would refuse a new run into this folder).
pub fn complete(out: &Path) -> Result<()> {
    let ckpt = out.join(CHECKPOINT);
    if ckpt.exists() {
        std::fs::remove_dir_all(&ckpt).map_err(|e| Error::io(&ckpt, e))?;
    }
    Ok(())
}

/// A new run in `out` failed: when no epoch was checkpointed, removes its `run.json` (and `out`
/// itself when that leaves it empty), so that nothing half-made stays behind; a run with a
/// checkpoint stays resumable. Returns `result` unchanged.
pub fn failed<T>(out: &Path, result: Result<T>) -> Result<T> {
    if result.is_err()
        && let Ok(None) = crate::train::fit::latest_checkpoint(&out.join(CHECKPOINT))
    {
        let _ = std::fs::remove_file(out.join("run.json"));
        let ckpt = out.join(CHECKPOINT);
        let _ = std::fs::remove_dir(&ckpt);
        let _ = std::fs::remove_dir(out);
    }
    result
}

/// Trains in the run folder `out`: `train` gets the checkpoint folder and the loop's hooks (a
/// progress bar over `epochs` epochs, `print` above it after each epoch); a failure of a run with
/// nothing checkpointed removes what it made ([`failed`]); on success `save` writes the results
/// and the checkpoint is removed ([`complete`]).
pub fn train_in<T>(
    out: &Path,
    epochs: usize,
    print: impl Fn(&crate::train::fit::FitHistory),
    train: impl FnOnce(&Path, &mut crate::train::fit::Hooks) -> Result<T>,
    save: impl FnOnce(&T) -> Result<()>,
) -> Result<T> {
    let bar = progress_bar(epochs);
    let mut on_batch = |p: crate::train::fit::BatchProgress| show_batch(&bar, epochs, &p);
    let mut on_epoch = |h: &crate::train::fit::FitHistory| bar.suspend(|| print(h));
    let mut hooks = crate::train::fit::Hooks {
        on_batch: Some(&mut on_batch),
        on_epoch: Some(&mut on_epoch),
    };
    let run = failed(out, train(&out.join(CHECKPOINT), &mut hooks))?;
    bar.finish_and_clear();
    save(&run)?;
    complete(out)?;
    Ok(run)
}

/// A progress bar over updates with rate and ETA on a terminal; hidden otherwise (logs, tests).
/// Its length is set from the first batch's count.
pub fn progress_bar(epochs: usize) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(epochs as u64),
        indicatif::ProgressDrawTarget::stderr_with_hz(4),
    );
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{bar:30} {pos}/{len} updates  {per_sec}  ETA {eta}  {msg}",
    ) {
        bar.set_style(style);
    }
    bar
}

/// Moves `bar` to update `p` of a run of `epochs` epochs.
pub fn show_batch(
    bar: &indicatif::ProgressBar,
    epochs: usize,
    p: &crate::train::fit::BatchProgress,
) {
    bar.set_length((epochs * p.batches) as u64);
    bar.set_position((p.epoch * p.batches + p.batch) as u64);
    bar.set_message(format!("epoch {} loss {:.4}", p.epoch + 1, p.loss));
}
