//! Runs survive being killed: a real `galaxy-lab classify train` process is killed with SIGKILL
//! in the middle of its training, `--resume` continues it from the last finished epoch, and the
//! final numbers equal those of a run never interrupted (bit for bit on the same machine). No
//! file in the run folder is half-written at the moment of the kill.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Pairs data written by the CLI (a file the test process wrote itself may stay locked by its
/// HDF5 library while the CLI child wants to open it).
fn pairs(dir: &Path, experiment: &str, count: usize, seed: u64) -> PathBuf {
    let path = dir.join(format!("{experiment}.h5"));
    run_ok(&strings(&[
        "pairs",
        "generate",
        "--experiment",
        experiment,
        "--count",
        &count.to_string(),
        "--size",
        "32",
        "--particles",
        "1500",
        "--seed",
        &seed.to_string(),
        "--out",
        path.to_str().unwrap(),
    ]));
    path
}

fn train_args(data: &Path, out: &Path) -> Vec<String> {
    [
        "classify",
        "train",
        "--data",
        data.to_str().unwrap(),
        "--preset",
        "compact-quick",
        "--size",
        "32",
        "--width",
        "0.25",
        "--epochs",
        "4",
        "--steps-per-epoch",
        "12",
        "--batch-size",
        "8",
        "--seed",
        "2",
        "--out",
        out.to_str().unwrap(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// Every file outside the loop's hidden staging folders (`.epoch-N.partial`) is complete: JSON
/// parses, and no temporary file is left.
fn assert_nothing_half_written(dir: &Path) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        if name.ends_with(".partial") {
            continue;
        }
        assert!(
            !name.ends_with(".tmp"),
            "temporary file left: {}",
            p.display()
        );
        if p.is_dir() {
            assert_nothing_half_written(&p);
        } else if name.ends_with(".json") {
            let text = std::fs::read_to_string(&p).unwrap();
            serde_json::from_str::<serde_json::Value>(&text)
                .unwrap_or_else(|e| panic!("{} is not whole JSON: {e}", p.display()));
        }
    }
}

fn newest_epoch(ckpt: &Path) -> Option<usize> {
    std::fs::read_dir(ckpt)
        .ok()?
        .flatten()
        .filter_map(|e| {
            e.file_name()
                .to_string_lossy()
                .strip_prefix("epoch-")
                .and_then(|k| k.parse().ok())
        })
        .max()
}

#[test]
fn a_killed_run_resumes_to_the_same_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let data = pairs(dir.path(), "two-class", 60, 9);
    // The run never interrupted, and the same run killed once its first epoch is checkpointed
    // (the second is under way).
    let (whole, killed) =
        whole_and_killed(dir.path(), |out| train_args(&data, out), "checkpoint", 4);

    // Options other than --resume are refused with it; a folder without run.json is named.
    let refused = crate::cli_command()
        .args(["classify", "train", "--resume", killed.to_str().unwrap()])
        .args(["--epochs", "9"])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    let empty = dir.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let refused = crate::cli_command()
        .args(["classify", "train", "--resume", empty.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--resume"));
    // A new run into a folder holding a checkpoint is refused (it would mix two runs).
    let again = crate::cli_command()
        .args(train_args(&data, &killed))
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(2));

    resume_ok("classify", &killed);
    let read = |d: &Path, f: &str| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(d.join(f)).unwrap()).unwrap()
    };
    let (a, b) = (read(&whole, "history.json"), read(&killed, "history.json"));
    for k in [
        "train_loss",
        "train_accuracy",
        "valid_loss",
        "valid_accuracy",
        "learning_rate",
        "best_epoch",
    ] {
        assert_eq!(a[k], b[k], "{k} differs after the resume");
    }
    let (a, b) = (read(&whole, "metrics.json"), read(&killed, "metrics.json"));
    for k in [
        "accuracy",
        "f1_no_rejection",
        "rejected",
        "per_class",
        "auc",
        "training_siblings",
    ] {
        assert_eq!(a[k], b[k], "{k} differs after the resume");
    }
    assert_eq!(
        std::fs::read_to_string(whole.join("test_predictions.csv")).unwrap(),
        std::fs::read_to_string(killed.join("test_predictions.csv")).unwrap()
    );
    assert_nothing_half_written(&killed);
}

/// Starts `args` and kills the process (SIGKILL) as soon as `ckpt` holds a finished epoch;
/// returns that epoch.
fn kill_once_checkpointed(args: &[String], ckpt: &Path) -> usize {
    let mut child = crate::cli_command()
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let t0 = Instant::now();
    while newest_epoch(ckpt).is_none() {
        assert!(
            t0.elapsed() < Duration::from_secs(300),
            "no checkpoint after 300 s"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run ended before it could be killed"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    newest_epoch(ckpt).unwrap()
}

/// Runs `args(dir/whole)` to the end, then `args(dir/killed)` killed once `killed/<ckpt>` holds
/// a finished epoch (of `epochs`); checks the kill left no complete run and nothing
/// half-written. Returns (whole, killed).
fn whole_and_killed(
    dir: &Path,
    args: impl Fn(&Path) -> Vec<String>,
    ckpt: &str,
    epochs: usize,
) -> (PathBuf, PathBuf) {
    let whole = dir.join("whole");
    run_ok(&args(&whole));
    assert!(
        !whole.join("checkpoint").exists(),
        "a complete run keeps no checkpoint"
    );
    let killed = dir.join("killed");
    let at = kill_once_checkpointed(&args(&killed), &killed.join(ckpt));
    assert!(at < epochs, "the run had finished: epoch {at}");
    assert!(!killed.join("metrics.json").exists());
    assert_nothing_half_written(&killed);
    (whole, killed)
}

/// `<command> train --resume killed`, which must succeed.
fn resume_ok(command: &str, killed: &Path) {
    run_ok(&strings(&[
        command,
        "train",
        "--resume",
        killed.to_str().unwrap(),
    ]));
}

fn run_ok(args: &[String]) {
    let st = crate::cli_command().args(args).output().unwrap();
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn json(d: &Path, f: &str) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(d.join(f)).unwrap()).unwrap()
}

/// `q train --resume`: a run killed in its first phase resumes both phases (training with
/// dropout, then the dropout-off phase) to the numbers of a run never interrupted.
#[test]
fn a_killed_q_run_resumes_to_the_same_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("q.h5");
    // Written by the CLI: a file the test process wrote may stay locked by its HDF5 library.
    run_ok(&strings(&[
        "sersic",
        "generate",
        "--galaxies",
        "120",
        "--size",
        "32",
        "--pixel-scale",
        "2",
        "--seed",
        "4",
        "--out",
        data.to_str().unwrap(),
    ]));
    let args = |out: &Path| {
        strings(&[
            "q",
            "train",
            "--data",
            data.to_str().unwrap(),
            "--mode",
            "four",
            "--preset",
            "thesis",
            "--epochs",
            "4",
            "--batch-size",
            "8",
            "--refit-epochs",
            "2",
            "--seed",
            "1",
            "--out",
            out.to_str().unwrap(),
        ])
    };
    let (whole, killed) = whole_and_killed(dir.path(), args, "checkpoint/train", 4);
    // Options beside --resume are refused.
    let refused = crate::cli_command()
        .args([
            "q",
            "train",
            "--resume",
            killed.to_str().unwrap(),
            "--epochs",
            "9",
        ])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    resume_ok("q", &killed);
    let (a, b) = (json(&whole, "metrics.json"), json(&killed, "metrics.json"));
    for k in [
        "test_nll",
        "test_mse",
        "within_1sigma",
        "epochs_run",
        "best_epoch",
    ] {
        assert!(!a[k].is_null(), "{k} missing");
        assert_eq!(a[k], b[k], "{k} differs after the resume");
    }
    // The dropout-off phase ran in both, to the same numbers (its wall time apart).
    let (mut ra, mut rb) = (a["refit"].clone(), b["refit"].clone());
    assert!(ra.is_object(), "the dropout-off phase ran");
    ra["seconds"] = serde_json::Value::Null;
    rb["seconds"] = serde_json::Value::Null;
    assert_eq!(ra, rb);
    let (a, b) = (json(&whole, "history.json"), json(&killed, "history.json"));
    assert_eq!(a["train_loss"], b["train_loss"]);
    assert_eq!(a["valid_loss"], b["valid_loss"]);
    assert_nothing_half_written(&killed);
}

/// `theta train --resume`: the joint regression killed after its first epoch resumes to the
/// numbers of a run never interrupted.
#[test]
fn a_killed_theta_run_resumes_to_the_same_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let data = pairs(dir.path(), "joint", 96, 3);
    let args = |out: &Path| {
        strings(&[
            "theta",
            "train",
            "--data",
            data.to_str().unwrap(),
            "--preset",
            "joint",
            "--epochs",
            "4",
            "--batch-size",
            "4",
            "--seed",
            "1",
            "--out",
            out.to_str().unwrap(),
        ])
    };
    let (whole, killed) = whole_and_killed(dir.path(), args, "checkpoint", 4);
    resume_ok("theta", &killed);
    let (a, b) = (json(&whole, "metrics.json"), json(&killed, "metrics.json"));
    assert!(!a["targets"].is_null());
    assert_eq!(
        a["targets"], b["targets"],
        "test numbers differ after the resume"
    );
    let (a, b) = (json(&whole, "history.json"), json(&killed, "history.json"));
    assert_eq!(a["train_loss"], b["train_loss"]);
    assert!(!killed.join("checkpoint").exists());
}
