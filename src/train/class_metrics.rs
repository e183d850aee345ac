//! What a classification run reports: the per-class score rows ([`ClassRow`], the same shape as
//! the paper's rows in [`crate::paper::prakash2020`]), the `metrics.json` schema
//! ([`ClassMetrics`]), the scores on augmented copies of the training sources
//! ([`SiblingScores`]), and reading a folder of saved metrics.

use super::class_data::{Examples, Subset};
use super::class_recipe::ClassRunConfig;
use super::classify::predict_proba;
use crate::error::{Result, check_size};
use crate::metrics::{ClassScores, ClassificationReport, classification_report};
use crate::models::classifier::{Classifier, ClassifierConfig};
use crate::paper::prakash2020;
use burn::prelude::Device;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Scores of one class (or overall): ours in a run's metrics, or the paper's (Tables 6–13).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassRow {
    /// Class name.
    pub class: String,
    /// Precision of the kept test images.
    pub precision: f64,
    /// Recall of the kept test images.
    pub recall: f64,
    /// F1 of the kept test images.
    pub f1: f64,
    /// Kept test images of this class.
    pub support: u64,
    /// Rejected test images of this class.
    pub rejected: u64,
    /// Augmented training, validation and test images (Tables 1–3).
    pub data: [u64; 3],
}

/// The numbers a run reports (`metrics.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassMetrics {
    /// Experiment (CLI name).
    pub experiment: String,
    /// Dataset file.
    pub data: PathBuf,
    /// Dataset seed.
    pub data_seed: u64,
    /// Source-image side in the file.
    pub source_size: usize,
    /// Class names, in class order.
    pub class_names: Vec<String>,
    /// Source images in training, validation and test.
    pub sources: [usize; 3],
    /// Simulations in training, validation and test.
    pub simulations: [usize; 3],
    /// Rejection threshold applied.
    pub threshold: f64,
    /// Test images before rejection.
    pub n_test: usize,
    /// Test images rejected.
    pub rejected: u64,
    /// Per-class scores of the kept test images.
    pub per_class: Vec<ClassRow>,
    /// Support-weighted overall row of the kept test images.
    pub overall: ClassRow,
    /// Accuracy of the kept test images.
    pub accuracy: f64,
    /// Weighted F1 of all test images (no rejection).
    pub f1_no_rejection: f64,
    /// Accuracy of all test images (no rejection).
    pub accuracy_no_rejection: f64,
    /// Area under the ROC curve (two classes; all test images).
    pub auc: Option<f64>,
    /// The paper's numbers for this experiment (files written before the rename: `seed`); None
    /// for experiments beyond the paper (the spin classes).
    #[serde(alias = "seed", default)]
    pub paper: Option<prakash2020::Classification>,
    /// Epochs run.
    pub epochs_run: usize,
    /// Best validation epoch (0-based).
    pub best_epoch: usize,
    /// Training accuracy of the last epoch (runs before the shared loop: None).
    #[serde(default)]
    pub train_accuracy: Option<f64>,
    /// Whether early stopping ended the run.
    pub stopped_early: bool,
    /// Training wall time in seconds.
    pub train_seconds: f64,
    /// Whole run (reading, training, evaluation) in seconds.
    pub wall_seconds: f64,
    /// Device.
    pub device: String,
    /// Trainable parameters.
    pub parameters: usize,
    /// The network (runs before the compact network hold a bare AlexNet configuration).
    pub net: ClassifierConfig,
    /// Run settings.
    pub config: ClassRunConfig,
    /// The seed's test protocol, emulated: the same number of test images drawn from augmented
    /// copies of the *training* sources (runs before this field existed: `None`).
    #[serde(default)]
    pub training_siblings: Option<SiblingScores>,
}

/// Scores on augmented copies of the training sources: what the seed's test set was (seed 000
/// §4 split its *augmented* images 80/20, so a test image was a rotated, smoothed or
/// contrast-changed copy of a few hundred GalMer images whose other copies were trained on).
/// Our own test set holds unseen simulations; this number says how much of the gap to the
/// seed's F1 that protocol explains.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SiblingScores {
    /// Augmented training images scored (drawn without replacement, seeded).
    pub n: usize,
    /// Of them, rejected below the threshold.
    pub rejected: u64,
    /// Support-weighted F1 of the kept images.
    pub f1: f64,
    /// Accuracy of the kept images.
    pub accuracy: f64,
    /// Support-weighted F1 of all `n` images.
    pub f1_no_rejection: f64,
}

/// Scores `model` on `n` images of its training examples `train` (the lazily augmented copies
/// of the training sources, as `run_classification` trains on them), drawn without replacement
/// with `seed` (see [`SiblingScores`]; with the seed's
/// 1° rotations and three variants one of them is the very image a training step saw with
/// probability (training images drawn) / (space size)).
pub fn training_sibling_scores(
    model: &Classifier,
    train: &dyn Examples,
    class_names: &[String],
    threshold: f64,
    n: usize,
    seed: u64,
    device: &Device,
) -> Result<SiblingScores> {
    use rand::SeedableRng;
    check_size("n", n, 1)?;
    crate::error::check_range("threshold", threshold, 0.0, 1.0)?;
    let n = n.min(train.len());
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let picked = rand::seq::index::sample(&mut rng, train.len(), n).into_vec();
    let sample = Subset::new(train, picked)?;
    let s = score(model, &sample, class_names, threshold, device)?;
    Ok(SiblingScores {
        n,
        rejected: rejected(&s.kept),
        f1: s.kept.overall.f1,
        accuracy: s.kept.accuracy,
        f1_no_rejection: s.all.overall.f1,
    })
}

/// A model's softmax outputs on a labelled set and its reports with and without rejection.
pub(crate) struct Scored {
    /// Softmax output, row-major `[n, classes]`.
    pub probs: Vec<f32>,
    /// True classes.
    pub truth: Vec<usize>,
    /// Report of the images kept at the threshold.
    pub kept: ClassificationReport,
    /// Report of all images.
    pub all: ClassificationReport,
}

/// Scores `model` on `data` at rejection `threshold` (kept images) and without rejection.
pub(crate) fn score(
    model: &Classifier,
    data: &dyn Examples,
    class_names: &[String],
    threshold: f64,
    device: &Device,
) -> Result<Scored> {
    let probs = predict_proba(model, data, device)?;
    let truth: Vec<usize> = (0..data.len())
        .map(|i| data.label(i))
        .collect::<Result<_>>()?;
    let kept = classification_report(&probs, &truth, class_names, Some(threshold))?;
    let all = classification_report(&probs, &truth, class_names, None)?;
    Ok(Scored {
        probs,
        truth,
        kept,
        all,
    })
}

/// Images a report rejected (0 without rejection).
pub(crate) fn rejected(report: &ClassificationReport) -> u64 {
    report
        .rejection
        .as_ref()
        .map_or(0, |r| r.rejected_per_class.iter().sum())
}

/// Per-class rows and the overall row of `report`, with the per-class image counts of the
/// training, validation and test sets.
pub(crate) fn class_rows(
    report: &ClassificationReport,
    names: &[String],
    counts: &[Vec<u64>; 3],
) -> (Vec<ClassRow>, ClassRow) {
    let k = names.len();
    let rejected_per_class = report
        .rejection
        .as_ref()
        .map(|r| r.rejected_per_class.clone())
        .unwrap_or_else(|| vec![0; k]);
    let row = |class: &str, s: &ClassScores, rejected: u64, data: [u64; 3]| ClassRow {
        class: class.to_string(),
        precision: s.precision,
        recall: s.recall,
        f1: s.f1,
        support: s.support,
        rejected,
        data,
    };
    let per_class: Vec<ClassRow> = (0..k)
        .map(|c| {
            row(
                &names[c],
                &report.per_class[c],
                rejected_per_class[c],
                [counts[0][c], counts[1][c], counts[2][c]],
            )
        })
        .collect();
    let total = |p: usize| counts[p].iter().sum::<u64>();
    let overall = row(
        "overall",
        &report.overall,
        rejected_per_class.iter().sum(),
        [total(0), total(1), total(2)],
    );
    (per_class, overall)
}

/// Every `*.json` in `dir` (and `dir/*/metrics.json`) that parses as [`ClassMetrics`], sorted by
/// path; an absent folder gives an empty list.
pub fn load_class_metrics_dir(dir: impl AsRef<Path>) -> Result<Vec<ClassMetrics>> {
    Ok(load_named_class_metrics(dir)?
        .into_iter()
        .map(|(_, m)| m)
        .collect())
}

/// [`load_class_metrics_dir`] with each run's name: the file's stem (`dir/NAME.json`) or the
/// folder's name (`dir/NAME/metrics.json`).
pub fn load_named_class_metrics(dir: impl AsRef<Path>) -> Result<Vec<(String, ClassMetrics)>> {
    let dir = dir.as_ref();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(Vec::new());
    };
    let mut paths: Vec<PathBuf> = Vec::new();
    for e in entries.filter_map(|e| e.ok()) {
        let p = e.path();
        if p.is_dir() {
            paths.push(p.join("metrics.json"));
        } else if p.extension().is_some_and(|x| x == "json") {
            paths.push(p);
        }
    }
    paths.sort();
    let mut out = Vec::new();
    for p in paths {
        let Ok(text) = std::fs::read_to_string(&p) else {
            continue;
        };
        if let Ok(m) = serde_json::from_str::<ClassMetrics>(&text) {
            let named = if p.file_name().is_some_and(|f| f == "metrics.json") {
                p.parent().and_then(|d| d.file_name())
            } else {
                p.file_stem()
            };
            let name = named.map_or_else(String::new, |n| n.to_string_lossy().into_owned());
            out.push((name, m));
        }
    }
    Ok(out)
}
