//! Runs survive being killed: a real `galaxy-lab classify train` process is killed with SIGKILL
//! in the middle of its training, `--resume` continues it from the last finished epoch, and the
//! final numbers equal those of a run never interrupted (bit for bit on the same machine). No
//! file in the run folder is half-written at the moment of the kill.

use galaxy_lab::data::pairs_h5::{Experiment, PairDatasetConfig, generate_pairs_dataset};
use galaxy_lab::sim::pair::RenderConfig;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_galaxy-lab");

fn tiny(dir: &Path) -> PathBuf {
    let cfg = PairDatasetConfig {
        size: 32,
        particles: 1500,
        render: RenderConfig::with_size(32),
        seed: 9,
        ..PairDatasetConfig::quick(Experiment::TwoClass, 60)
    };
    let path = dir.join("two.h5");
    generate_pairs_dataset(&cfg, &path, &mut |_| {}).unwrap();
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

fn checkpoint_epoch(out: &Path) -> Option<usize> {
    std::fs::read_dir(out.join("checkpoint"))
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
    let data = tiny(dir.path());
    // The run never interrupted.
    let whole = dir.path().join("whole");
    let st = Command::new(BIN)
        .args(train_args(&data, &whole))
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );

    // The same run, killed once its first epoch is checkpointed (the second is under way).
    let killed = dir.path().join("killed");
    let mut child = Command::new(BIN)
        .args(train_args(&data, &killed))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let t0 = Instant::now();
    while checkpoint_epoch(&killed).is_none() {
        assert!(
            t0.elapsed() < Duration::from_secs(300),
            "no checkpoint after 300 s"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run ended before it could be killed"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let at_kill = checkpoint_epoch(&killed).unwrap();
    assert!(at_kill < 4, "the run had finished: epoch {at_kill}");
    assert!(!killed.join("metrics.json").exists());
    assert_nothing_half_written(&killed);

    // Options other than --resume are refused with it; a folder without run.json is named.
    let refused = Command::new(BIN)
        .args(["classify", "train", "--resume", killed.to_str().unwrap()])
        .args(["--epochs", "9"])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    let empty = dir.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let refused = Command::new(BIN)
        .args(["classify", "train", "--resume", empty.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--resume"));
    // A new run into a folder holding a checkpoint is refused (it would mix two runs).
    let again = Command::new(BIN)
        .args(train_args(&data, &killed))
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(2));

    let resumed = Command::new(BIN)
        .args(["classify", "train", "--resume", killed.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        resumed.status.success(),
        "{}",
        String::from_utf8_lossy(&resumed.stderr)
    );
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
