//! One classification experiment end to end (seed 000 §4–§6, Tables 1–3, 6–11, Figs 2–6,
//! A1–A3): from a pairs HDF5 file to a trained AlexNet, its test report at the seed's rejection
//! threshold beside the seed's numbers, figures, and a run folder on disk. The CLI
//! (`galaxy-lab classify train`) and notebooks 05–07 all call [`run_classification`], so their
//! numbers are the same code.
//!
//! The steps:
//! 1. read the file's images and classes;
//! 2. split the *sources* (stratified per inclination class). By default whole simulations go to
//!    one side ([`SplitBy::Simulation`]): the views of one simulation share its snapshot, so
//!    splitting single views would put near-copies on both sides. The seed split its *augmented*
//!    images, so rotated copies of one GalMer image sat in training and test alike;
//! 3. augment training (and validation) sources lazily ([`AugmentedSet`]: original, smoothed and
//!    half-contrast variants × rotations, resized to the network's input); the test set is the
//!    un-augmented source images, resized;
//! 4. train the AlexNet ([`train_classifier`]: SGD 0.01 with 1 % decay, best validation epoch);
//! 5. softmax on the test set, the seed's rejection threshold (80 % for 2 and 3 classes, 70 % for
//!    9), per-class precision/recall/F1/support of the kept images, rejection counts, confusion
//!    matrix, and for two classes the ROC curve and its AUC.

use super::class_data::{AugmentedExamples, Examples, Subset};
use super::classify::{ClassHistory, ClassifyConfig, predict_proba, train_classifier_with};
use super::fit::{FitHistory, Hooks};
use crate::augment::{AugmentConfig, AugmentedSet, SourceSplit, count_table, split_sources};
use crate::data::pairs_h5::{Experiment, PairH5};
use crate::display::{Png, Stretch, Svg, Table};
use crate::error::{Error, Result, check_size};
use crate::image::Image;
use crate::metrics::{ClassScores, ClassificationReport, Roc, classification_report};
use crate::models::alexnet::{AlexNetConfig, Norm, Padding};
use crate::models::classifier::{Classifier, ClassifierConfig, NetKind};
use crate::models::compact::CompactNetConfig;
use burn::module::Module;
use burn::prelude::Device;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One row of the seed's per-class tables (Tables 6, 8, 10 with the rejection count of
/// Tables 7, 9, 11 and the data counts of Tables 1–3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeedRow {
    /// Class as the seed writes it.
    pub class: String,
    /// Precision (the seed prints fractions in columns headed "%").
    pub precision: f64,
    /// Recall.
    pub recall: f64,
    /// F1.
    pub f1: f64,
    /// Test images kept after rejection ("Total").
    pub support: u64,
    /// Test images rejected (for "Overall": their sum).
    pub rejected: u64,
    /// Augmented training, validation and testing images (Tables 1–3; for "Overall": sums).
    pub data: [u64; 3],
}

/// The seed's published numbers for one experiment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeedResult {
    /// Where they come from.
    pub tables: String,
    /// Rejection threshold on the top softmax probability.
    pub threshold: f64,
    /// One row per class, in our class order.
    pub rows: Vec<SeedRow>,
    /// The "Overall" row (support-weighted).
    pub overall: SeedRow,
    /// Area under the ROC curve (two classes only).
    pub auc: Option<f64>,
    /// Epochs trained.
    pub epochs: usize,
    /// Updates per epoch.
    pub steps_per_epoch: usize,
}

type Row = (&'static str, f64, f64, f64, u64, u64, [u64; 3]);

const TWO: [Row; 2] = [
    ("0°", 0.98, 1.00, 0.99, 478, 8, [558_316, 141_524, 486]),
    ("45°", 1.00, 0.97, 0.99, 439, 17, [523_733, 132_907, 456]),
];
const TWO_OVERALL: (f64, f64, f64, u64) = (0.99, 0.99, 0.99, 917);
const THREE: [Row; 3] = [
    ("0°", 0.99, 0.99, 0.99, 474, 12, [558_316, 141_524, 486]),
    ("45°", 0.98, 0.98, 0.98, 410, 46, [523_733, 132_907, 446]),
    ("90°", 0.97, 0.97, 0.97, 493, 47, [622_480, 155_120, 540]),
];
const THREE_OVERALL: (f64, f64, f64, u64) = (0.98, 0.98, 0.98, 1377);
const NINE: [Row; 9] = [
    (
        "(0°, 15°)",
        1.00,
        1.00,
        1.00,
        509,
        1,
        [342_055, 85_514, 510],
    ),
    (
        "(0°, 45°)",
        0.91,
        0.95,
        0.93,
        435,
        75,
        [342_055, 85_514, 510],
    ),
    (
        "(0°, 75°)",
        0.96,
        0.98,
        0.97,
        476,
        34,
        [342_055, 85_514, 510],
    ),
    (
        "(45°, 15°)",
        0.93,
        0.97,
        0.95,
        430,
        24,
        [303_858, 75_964, 454],
    ),
    (
        "(45°, 45°)",
        0.98,
        0.99,
        0.99,
        431,
        23,
        [303_858, 75_964, 454],
    ),
    (
        "(45°, 75°)",
        0.97,
        0.95,
        0.96,
        400,
        54,
        [303_858, 75_964, 454],
    ),
    (
        "(90°, 15°)",
        0.96,
        0.94,
        0.95,
        504,
        51,
        [371_349, 92_838, 555],
    ),
    (
        "(90°, 45°)",
        0.96,
        0.91,
        0.94,
        469,
        86,
        [371_349, 92_838, 555],
    ),
    (
        "(90°, 75°)",
        1.00,
        0.99,
        0.99,
        542,
        13,
        [371_349, 92_838, 555],
    ),
];
const NINE_OVERALL: (f64, f64, f64, u64) = (0.97, 0.97, 0.97, 4196);

/// The seed's numbers for a classification experiment (Tables 1–3, 6–11, §6): an error for the
/// regression experiments.
pub fn seed_result(experiment: Experiment) -> Result<SeedResult> {
    let (tables, rows, overall, auc, epochs, steps): (&str, &[Row], _, _, _, _) = match experiment {
        Experiment::TwoClass => ("Tables 1, 6, 7", &TWO, TWO_OVERALL, Some(0.96), 12, 12_000),
        Experiment::ThreeClass => ("Tables 2, 8, 9", &THREE, THREE_OVERALL, None, 14, 12_000),
        Experiment::NineClass => ("Tables 3, 10, 11", &NINE, NINE_OVERALL, None, 44, 16_000),
        other => {
            return Err(Error::invalid(
                "experiment",
                other.name(),
                "is a regression; classification needs two-class, three-class or nine-class",
            ));
        }
    };
    let rows: Vec<SeedRow> = rows
        .iter()
        .map(
            |&(class, precision, recall, f1, support, rejected, data)| SeedRow {
                class: class.to_string(),
                precision,
                recall,
                f1,
                support,
                rejected,
                data,
            },
        )
        .collect();
    let sum = |f: &dyn Fn(&SeedRow) -> u64| rows.iter().map(f).sum::<u64>();
    let overall = SeedRow {
        class: "Overall".into(),
        precision: overall.0,
        recall: overall.1,
        f1: overall.2,
        support: overall.3,
        rejected: sum(&|r| r.rejected),
        data: [
            sum(&|r| r.data[0]),
            sum(&|r| r.data[1]),
            sum(&|r| r.data[2]),
        ],
    };
    Ok(SeedResult {
        tables: tables.into(),
        threshold: seed_threshold(experiment),
        rows,
        overall,
        auc,
        epochs,
        steps_per_epoch: steps,
    })
}

/// The seed's rejection threshold: 70 % for nine classes, 80 % otherwise.
pub fn seed_threshold(experiment: Experiment) -> f64 {
    match experiment {
        Experiment::NineClass => 0.7,
        _ => 0.8,
    }
}

/// What the split keeps together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SplitBy {
    /// All views of one simulation on one side (stratified by inclination class).
    Simulation,
    /// Single images (stratified by class): views of one simulation may sit on both sides.
    Image,
}

/// A classification run's settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassRunConfig {
    /// Which network (runs saved before the compact network: AlexNet).
    #[serde(default)]
    pub net: NetKind,
    /// Network input side (images are resampled to it).
    pub size: usize,
    /// Width factor (AlexNet: 1 = Table 4; compact: 1 = 32/64/128 filters).
    pub width: f64,
    /// AlexNet's convolution padding (`Valid` needs ≥ 195 px).
    pub padding: Padding,
    /// AlexNet's normalisation after each convolution.
    pub norm: Norm,
    /// Dropout (AlexNet: the two hidden dense layers; compact: before the last layer).
    pub dropout: f64,
    /// Augmentation of the training sources (its `resize` is set to `[size]`).
    pub augment: AugmentConfig,
    /// Augmentation of the validation sources (its `resize` is set to `[size]`).
    pub valid_augment: AugmentConfig,
    /// Fraction of sources for validation.
    pub valid_fraction: f64,
    /// Fraction of sources for testing.
    pub test_fraction: f64,
    /// What the split keeps together.
    pub split_by: SplitBy,
    /// Use only the first N images of the file (None: all).
    pub max_images: Option<usize>,
    /// Rejection threshold (None: the seed's for the experiment).
    pub threshold: Option<f64>,
    /// Optimiser settings.
    pub train: ClassifyConfig,
}

impl ClassRunConfig {
    /// The seed's set-up: Table 4's AlexNet at 256 × 256 (valid padding, batch norm), three
    /// photometric variants × 360 one-degree rotations for training and validation, 80/20
    /// (train+valid)/test with 20 % of the former for validation, SGD 0.01 with 1 % decay, and
    /// the seed's epochs and steps per epoch for `experiment`.
    pub fn full(experiment: Experiment) -> Self {
        let (epochs, steps) = seed_result(experiment)
            .map(|s| (s.epochs, s.steps_per_epoch))
            .unwrap_or((12, 12_000));
        ClassRunConfig {
            net: NetKind::AlexNet,
            size: 256,
            width: 1.0,
            padding: Padding::Valid,
            norm: Norm::Batch,
            dropout: 0.5,
            augment: AugmentConfig::default(),
            valid_augment: AugmentConfig::default(),
            valid_fraction: 0.16,
            test_fraction: 0.2,
            split_by: SplitBy::Simulation,
            max_images: None,
            threshold: None,
            train: ClassifyConfig {
                epochs,
                steps_per_epoch: Some(steps),
                ..ClassifyConfig::default()
            },
        }
    }

    /// A scaled-down run for two CPU cores: 64 × 64 input, width 1/8, padded convolutions, the
    /// seed's augmentation for training (the index space is lazy; `steps_per_epoch` bounds an
    /// epoch), four right-angle rotations of each variant for validation, 12 epochs of 40
    /// batches of 32 (about half a minute on two cores), SGD 0.01 with 1 % decay plus momentum
    /// 0.9 (without it, a few hundred updates barely move plain SGD).
    pub fn quick(experiment: Experiment) -> Self {
        let full = ClassRunConfig::full(experiment);
        ClassRunConfig {
            size: 64,
            width: 0.125,
            padding: Padding::Padded,
            valid_augment: AugmentConfig {
                rotation_step_deg: 90,
                ..AugmentConfig::default()
            },
            train: ClassifyConfig {
                epochs: 12,
                steps_per_epoch: Some(40),
                momentum: Some(0.9),
                ..ClassifyConfig::default()
            },
            ..full
        }
    }

    /// The compact network's recipe (issue: classification that learns): 64 × 64 input, the
    /// compact network at width 1 with dropout 0.2; the seed's three photometric variants × 360
    /// one-degree rotations, each also mirrored; validation on the un-augmented validation
    /// sources; AdamW (weight decay 0.01) with a one-cycle schedule peaking at 3e-3, batches of
    /// 64, 20 epochs of 385 updates (7,700 updates); split by simulation.
    pub fn compact(experiment: Experiment) -> Self {
        use super::optim::Optimizer;
        use super::schedule::Schedule;
        let full = ClassRunConfig::full(experiment);
        ClassRunConfig {
            net: NetKind::Compact,
            size: 64,
            width: 1.0,
            padding: Padding::Padded,
            dropout: 0.2,
            augment: AugmentConfig {
                mirror: true,
                ..AugmentConfig::default()
            },
            valid_augment: AugmentConfig::none(vec![]),
            train: ClassifyConfig {
                epochs: 20,
                batch_size: 64,
                steps_per_epoch: Some(385),
                learning_rate: 3e-3,
                optimizer: Some(Optimizer::AdamW {
                    epsilon: 1e-8,
                    weight_decay: 0.01,
                }),
                schedule: Some(Schedule::one_cycle()),
                ..ClassifyConfig::default()
            },
            ..full
        }
    }

    /// [`ClassRunConfig::compact`] shortened for notebooks' quick mode: width 1/2, 10 epochs of
    /// 25 batches of 32.
    pub fn compact_quick(experiment: Experiment) -> Self {
        let c = ClassRunConfig::compact(experiment);
        ClassRunConfig {
            width: 0.5,
            train: ClassifyConfig {
                epochs: 10,
                batch_size: 32,
                steps_per_epoch: Some(25),
                ..c.train.clone()
            },
            ..c
        }
    }

    /// The threshold this run applies.
    pub fn threshold_for(&self, experiment: Experiment) -> f64 {
        self.threshold.unwrap_or_else(|| seed_threshold(experiment))
    }

    /// This run's AlexNet settings for `classes` classes (Table 4's layout at this size and
    /// width), whichever network the run trains.
    pub fn alexnet(&self, classes: usize) -> AlexNetConfig {
        AlexNetConfig::new()
            .with_classes(classes)
            .with_channels(1)
            .with_size(self.size)
            .with_width(self.width)
            .with_dropout(self.dropout)
            .with_norm(self.norm)
            .with_padding(self.padding)
    }

    /// The network for `classes` classes.
    pub fn net(&self, classes: usize) -> ClassifierConfig {
        match self.net {
            NetKind::AlexNet => self.alexnet(classes).into(),
            NetKind::Compact => CompactNetConfig {
                width: self.width,
                dropout: self.dropout,
                ..CompactNetConfig::new(classes, 1, self.size)
            }
            .into(),
        }
    }
}

/// Our scores for one class (or overall) beside the seed's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassRow {
    /// Class name (ours).
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
    /// The seed's numbers for this experiment.
    pub seed: SeedResult,
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
    let probs = predict_proba(model, &sample, device)?;
    let truth: Vec<usize> = (0..sample.len())
        .map(|i| sample.label(i))
        .collect::<Result<_>>()?;
    let kept = classification_report(&probs, &truth, class_names, Some(threshold))?;
    let all_scores = classification_report(&probs, &truth, class_names, None)?;
    Ok(SiblingScores {
        n,
        rejected: kept
            .rejection
            .as_ref()
            .map_or(0, |r| r.rejected_per_class.iter().sum()),
        f1: kept.overall.f1,
        accuracy: kept.accuracy,
        f1_no_rejection: all_scores.overall.f1,
    })
}

/// A finished run: the network, its curves, the sets and the test report.
#[derive(Debug)]
pub struct ClassRun {
    /// Best-validation weights.
    pub model: Classifier,
    /// Network hyper-parameters.
    pub net: ClassifierConfig,
    /// Learning curves.
    pub history: ClassHistory,
    /// All source images read from the file (at the file's size).
    pub images: Vec<Image>,
    /// Class of each source image.
    pub labels: Vec<usize>,
    /// Source-image indices of each part.
    pub split: SourceSplit,
    /// Augmented training set.
    pub train_set: AugmentedSet,
    /// Augmented validation set.
    pub valid_set: AugmentedSet,
    /// Test set (no augmentation, resized).
    pub test_set: AugmentedSet,
    /// Test softmax output, row-major `[n_test, classes]`.
    pub probs: Vec<f32>,
    /// Test classes.
    pub truth: Vec<usize>,
    /// Report at the rejection threshold.
    pub report: ClassificationReport,
    /// Report without rejection.
    pub report_all: ClassificationReport,
    /// ROC curve (two classes).
    pub roc: Option<Roc>,
    /// Summary numbers.
    pub metrics: ClassMetrics,
}

/// Every image of `ds` (or its first `max`) as one-channel images, and their classes.
pub fn class_images(ds: &PairH5, max: Option<usize>) -> Result<(Vec<Image>, Vec<usize>)> {
    let k = ds.class_names.len();
    if k < 2 {
        return Err(Error::invalid(
            "dataset",
            ds.path().display(),
            format!(
                "is a {} dataset without classes; classification needs two-class, three-class \
                 or nine-class",
                ds.config.experiment.name()
            ),
        ));
    }
    if ds.height != ds.width {
        return Err(Error::invalid(
            "image shape",
            format!("{}×{}", ds.height, ds.width),
            "classification needs square images",
        ));
    }
    let n = max.map_or(ds.count, |m| m.min(ds.count));
    check_size("images", n, 2)?;
    let mut labels = Vec::with_capacity(n);
    for (i, l) in ds.labels[..n].iter().enumerate() {
        if l.class < 0 || l.class as usize >= k {
            return Err(Error::invalid(
                &format!("class of image {i}"),
                l.class,
                format!("must lie in 0..{k}"),
            ));
        }
        labels.push(l.class as usize);
    }
    let px = ds.height * ds.width;
    let per = ds.channels * px;
    let mut images = Vec::with_capacity(n);
    let chunk = 256;
    for start in (0..n).step_by(chunk) {
        let end = (start + chunk).min(n);
        let raw = ds.read_range(start, end)?;
        for j in 0..end - start {
            images.push(Image {
                width: ds.width,
                height: ds.height,
                data: raw[j * per..j * per + px].to_vec(),
            });
        }
    }
    Ok((images, labels))
}

/// Index of the inclination class of `i_deg` among `experiment.inclinations()` (the nearest).
fn inclination_class(experiment: Experiment, i_deg: f32) -> usize {
    let incl = experiment.inclinations();
    (0..incl.len())
        .min_by(|&a, &b| {
            let da = (incl[a] - i_deg as f64).abs();
            let db = (incl[b] - i_deg as f64).abs();
            da.total_cmp(&db)
        })
        .unwrap_or(0)
}

/// Splits the first `n` images of `ds` as `cfg` says; returns image indices per part and the
/// number of simulations in each.
pub fn split_images(
    ds: &PairH5,
    n: usize,
    labels: &[usize],
    cfg: &ClassRunConfig,
) -> Result<(SourceSplit, [usize; 3])> {
    let k = ds.class_names.len();
    let experiment = ds.config.experiment;
    let seed = cfg.train.seed;
    let (vf, tf) = (cfg.valid_fraction, cfg.test_fraction);
    let split = match cfg.split_by {
        SplitBy::Image => split_sources(labels, k, vf, tf, seed)?,
        SplitBy::Simulation => {
            let mut groups: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
            for (i, l) in ds.labels[..n].iter().enumerate() {
                groups.entry(l.simulation).or_default().push(i);
            }
            let groups: Vec<Vec<usize>> = groups.into_values().collect();
            let n_incl = experiment.inclinations().len().max(2);
            let keys: Vec<usize> = groups
                .iter()
                .map(|g| inclination_class(experiment, ds.labels[g[0]].i_deg))
                .collect();
            let s = split_sources(&keys, n_incl, vf, tf, seed).map_err(|e| {
                Error::invalid(
                    "split",
                    format!("{} simulations", groups.len()),
                    format!("cannot split by simulation ({e}); use more images or split by image"),
                )
            })?;
            let flat = |part: &[usize]| {
                let mut v: Vec<usize> = part.iter().flat_map(|&g| groups[g].clone()).collect();
                v.sort_unstable();
                v
            };
            SourceSplit {
                train: flat(&s.train),
                valid: flat(&s.valid),
                test: flat(&s.test),
            }
        }
    };
    let sims = |part: &[usize]| {
        let mut s: Vec<u32> = part.iter().map(|&i| ds.labels[i].simulation).collect();
        s.sort_unstable();
        s.dedup();
        s.len()
    };
    for (name, part) in [
        ("training", &split.train),
        ("validation", &split.valid),
        ("test", &split.test),
    ] {
        if part.is_empty() {
            return Err(Error::invalid(
                &format!("{name} set"),
                "0 images",
                format!(
                    "too few images ({n}) for a {name} set; use more images or other fractions"
                ),
            ));
        }
    }
    let counts = [sims(&split.train), sims(&split.valid), sims(&split.test)];
    Ok((split, counts))
}

/// `cfg` resampling images of side `source` to `size` (no resampling when they agree).
pub(crate) fn with_resize(cfg: &AugmentConfig, source: usize, size: usize) -> AugmentConfig {
    AugmentConfig {
        resize: if source == size { vec![] } else { vec![size] },
        ..cfg.clone()
    }
}

/// Trains and evaluates one classification experiment on `ds`. `on_epoch` sees the history
/// after every epoch.
pub fn run_classification(
    ds: &PairH5,
    cfg: &ClassRunConfig,
    device: &Device,
    on_epoch: &mut dyn FnMut(&ClassHistory),
) -> Result<ClassRun> {
    let mut each = |h: &FitHistory| on_epoch(&ClassHistory::from(h.clone()));
    run_classification_with(ds, cfg, device, None, &mut Hooks::epochs(&mut each))
}

/// [`run_classification`] with the shared loop's hooks (progress bars) and, with `checkpoint`,
/// each epoch saved there (a checkpoint already there is resumed).
pub fn run_classification_with(
    ds: &PairH5,
    cfg: &ClassRunConfig,
    device: &Device,
    checkpoint: Option<&Path>,
    hooks: &mut Hooks,
) -> Result<ClassRun> {
    let start = std::time::Instant::now();
    let experiment = ds.config.experiment;
    let seed = seed_result(experiment)?;
    let threshold = cfg.threshold_for(experiment);
    crate::error::check_range("threshold", threshold, 0.0, 1.0)?;
    // 1. Images and classes.
    let (images, labels) = class_images(ds, cfg.max_images)?;
    let names = ds.class_names.clone();
    let k = names.len();
    // 2. The split.
    let (split, simulations) = split_images(ds, images.len(), &labels, cfg)?;
    // 3. Lazy augmented sets; the test set is the sources, resized.
    let src = ds.width;
    let train_set = AugmentedSet::new(
        &split.train,
        &labels,
        with_resize(&cfg.augment, src, cfg.size),
    )?;
    let valid_set = AugmentedSet::new(
        &split.valid,
        &labels,
        with_resize(&cfg.valid_augment, src, cfg.size),
    )?;
    let test_set = AugmentedSet::new(
        &split.test,
        &labels,
        with_resize(&AugmentConfig::none(vec![]), src, cfg.size),
    )?;
    let (train, valid, test) = (
        AugmentedExamples::new(&train_set, &images)?,
        AugmentedExamples::new(&valid_set, &images)?,
        AugmentedExamples::new(&test_set, &images)?,
    );
    // 4. Training.
    let net = cfg.net(k);
    let (model, history) = train_classifier_with(
        &net, &train, &valid, &cfg.train, device, None, checkpoint, hooks,
    )?;
    // 5. Evaluation.
    let probs = predict_proba(&model, &test, device)?;
    let truth: Vec<usize> = (0..test.len())
        .map(|i| test.label(i))
        .collect::<Result<_>>()?;
    let report = classification_report(&probs, &truth, &names, Some(threshold))?;
    let report_all = classification_report(&probs, &truth, &names, None)?;
    let roc = if k == 2 {
        Some(Roc::from_probs(&probs, &truth, 1)?)
    } else {
        None
    };
    let counts = [
        train_set.class_counts(k)?,
        valid_set.class_counts(k)?,
        test_set.class_counts(k)?,
    ];
    let (per_class, overall) = class_rows(&report, &names, &counts);
    let siblings = training_sibling_scores(
        &model,
        &train,
        &names,
        threshold,
        truth.len(),
        cfg.train.seed ^ 0x5EED,
        device,
    )?;
    let metrics = ClassMetrics {
        experiment: experiment.name().into(),
        data: ds.path().to_path_buf(),
        data_seed: ds.seed,
        source_size: src,
        class_names: names,
        sources: [split.train.len(), split.valid.len(), split.test.len()],
        simulations,
        threshold,
        n_test: truth.len(),
        rejected: overall.rejected,
        per_class,
        overall,
        accuracy: report.accuracy,
        f1_no_rejection: report_all.overall.f1,
        accuracy_no_rejection: report_all.accuracy,
        auc: roc.as_ref().map(|r| r.auc),
        seed,
        epochs_run: history.train_loss.len(),
        best_epoch: history.best_epoch,
        train_accuracy: history.train_accuracy.last().copied(),
        stopped_early: history.stopped_early,
        train_seconds: history.seconds,
        wall_seconds: start.elapsed().as_secs_f64(),
        device: crate::device::device_name(device),
        parameters: model.num_params(),
        net: net.clone(),
        config: cfg.clone(),
        training_siblings: Some(siblings),
    };
    Ok(ClassRun {
        model,
        net,
        history,
        images,
        labels,
        split,
        train_set,
        valid_set,
        test_set,
        probs,
        truth,
        report,
        report_all,
        roc,
        metrics,
    })
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

fn pct(v: f64) -> String {
    format!("{v:.2}")
}

/// What the score and rejection tables show: our rows beside the seed's.
pub(crate) struct ScoreView<'a> {
    pub per_class: &'a [ClassRow],
    pub overall: &'a ClassRow,
    pub seed: &'a SeedResult,
    pub threshold: f64,
    pub n_test: usize,
}

impl ScoreView<'_> {
    /// Precision, recall, F1 and kept images per class and overall, ours beside the seed's.
    pub fn scores_table(&self) -> Result<Table> {
        let mut t = Table::new(
            format!(
                "Test scores after rejection at {:.0} % — ours ({} test images, {} kept) beside the \
                 seed's ({})",
                100.0 * self.threshold,
                self.n_test,
                self.overall.support,
                self.seed.tables
            ),
            &[
                "class",
                "precision",
                "recall",
                "F1",
                "kept",
                "seed precision",
                "seed recall",
                "seed F1",
                "seed total",
            ],
        );
        for (r, s) in self.rows() {
            t.push_row(&[
                r.class.clone(),
                pct(r.precision),
                pct(r.recall),
                pct(r.f1),
                r.support.to_string(),
                pct(s.precision),
                pct(s.recall),
                pct(s.f1),
                s.support.to_string(),
            ])?;
        }
        Ok(t)
    }

    /// Rejections per class, ours beside the seed's.
    pub fn rejection_table(&self) -> Result<Table> {
        let mut t = Table::new(
            format!(
                "Rejected test images (top softmax probability below {:.0} %)",
                100.0 * self.threshold
            ),
            &[
                "class",
                "rejected",
                "of test images",
                "seed rejected",
                "seed test images",
            ],
        );
        for (r, s) in self.rows() {
            t.push_row(&[
                r.class.clone(),
                r.rejected.to_string(),
                (r.support + r.rejected).to_string(),
                s.rejected.to_string(),
                (s.support + s.rejected).to_string(),
            ])?;
        }
        Ok(t)
    }

    fn rows(&self) -> impl Iterator<Item = (&ClassRow, &SeedRow)> {
        self.per_class
            .iter()
            .chain([self.overall])
            .zip(self.seed.rows.iter().chain([&self.seed.overall]))
    }
}

impl ClassRun {
    /// The test set as the network sees it.
    pub fn test_examples(&self) -> Result<AugmentedExamples<'_>> {
        AugmentedExamples::new(&self.test_set, &self.images)
    }

    /// Predicted class of each test image (before rejection).
    pub fn predicted(&self) -> Result<Vec<usize>> {
        crate::metrics::argmax_rows(&self.probs, self.metrics.class_names.len())
    }

    /// Augmented images per class in training, validation and test (like Tables 1–3).
    pub fn count_table(&self) -> Result<Table> {
        count_table(
            &self.metrics.class_names,
            &self.train_set,
            &self.valid_set,
            &self.test_set,
        )
    }

    /// Our data counts beside the seed's Tables 1–3.
    pub fn count_table_with_seed(&self) -> Result<Table> {
        let m = &self.metrics;
        let mut t = Table::new(
            format!(
                "Distribution of data, ours beside the seed's ({}): augmented images per class",
                m.seed.tables
            ),
            &[
                "class",
                "training",
                "validation",
                "testing",
                "seed class",
                "seed training",
                "seed validation",
                "seed testing",
            ],
        );
        for (r, s) in m
            .per_class
            .iter()
            .chain([&m.overall])
            .zip(m.seed.rows.iter().chain([&m.seed.overall]))
        {
            t.push_row(&[
                r.class.clone(),
                r.data[0].to_string(),
                r.data[1].to_string(),
                r.data[2].to_string(),
                s.class.clone(),
                s.data[0].to_string(),
                s.data[1].to_string(),
                s.data[2].to_string(),
            ])?;
        }
        Ok(t)
    }

    /// Precision, recall, F1 and kept images per class and overall, ours beside the seed's
    /// (Tables 6, 8, 10).
    pub fn scores_table_with_seed(&self) -> Result<Table> {
        self.score_view().scores_table()
    }

    /// Rejections per class, ours beside the seed's (Tables 7, 9, 11).
    pub fn rejection_table_with_seed(&self) -> Result<Table> {
        self.score_view().rejection_table()
    }

    fn score_view(&self) -> ScoreView<'_> {
        let m = &self.metrics;
        ScoreView {
            per_class: &m.per_class,
            overall: &m.overall,
            seed: &m.seed,
            threshold: m.threshold,
            n_test: m.n_test,
        }
    }

    /// Learning curves (Fig. 3).
    pub fn curves(&self) -> Result<Svg> {
        self.history.curves()
    }

    /// Confusion matrix of the kept test images (Figs 4–6).
    pub fn confusion_figure(&self) -> Result<Png> {
        self.report.confusion_figure()
    }

    /// ROC curve with its AUC (two classes only).
    pub fn roc_figure(&self) -> Result<Svg> {
        match &self.roc {
            Some(r) => crate::metrics::roc_figure(r),
            None => Err(Error::invalid(
                "ROC curve",
                self.metrics.experiment.as_str(),
                "exists for two classes only",
            )),
        }
    }

    /// Up to `n` test images, evenly spread over the test set, with the true class on top and
    /// the predicted one below (Figs A1–A3).
    pub fn montage(&self, n: usize, cols: usize) -> Result<Png> {
        check_size("n", n, 1)?;
        let test = self.test_examples()?;
        let total = test.len();
        let n = n.min(total);
        let pred = self.predicted()?;
        let idx: Vec<usize> = (0..n).map(|j| j * total / n).collect();
        let mut imgs = Vec::with_capacity(n);
        for &i in &idx {
            imgs.push(Image {
                width: test.size(),
                height: test.size(),
                data: test.pixels(i)?,
            });
        }
        let truth: Vec<usize> = idx.iter().map(|&i| self.truth[i]).collect();
        let p: Vec<usize> = idx.iter().map(|&i| pred[i]).collect();
        let zoom = (160 / test.size().max(1)).clamp(1, 4) as u32;
        crate::metrics::prediction_montage(
            &imgs,
            &truth,
            &p,
            &self.metrics.class_names,
            cols,
            zoom,
            Stretch::Linear,
        )
    }

    /// Fig. 2: test image `i` and channel `channel` of each convolution's (AlexNet) or block's
    /// (compact) activation, each resampled to the input size, as one montage (input first).
    pub fn feature_maps(&self, i: usize, channel: usize, device: &Device) -> Result<Png> {
        let test = self.test_examples()?;
        let px = test.pixels(i)?;
        let s = test.size();
        let maps = self.model.feature_maps(&px, channel, device)?;
        let mut panels = vec![Image {
            width: s,
            height: s,
            data: px,
        }];
        for m in maps {
            panels.push(if m.width == s {
                m
            } else {
                crate::augment::resize(&m, s, s)?
            });
        }
        let labels: Vec<String> = std::iter::once("input".to_string())
            .chain((1..panels.len()).map(|l| match self.net.kind() {
                NetKind::AlexNet => format!("conv {l}"),
                NetKind::Compact if l == 1 => "stem".to_string(),
                NetKind::Compact => format!("stage {}", l - 1),
            }))
            .collect();
        let zoom = (160 / s.max(1)).clamp(1, 4) as u32;
        crate::figures::montage(
            &panels,
            panels.len(),
            zoom,
            Stretch::Linear,
            Some(&labels),
            None,
        )
    }

    /// Writes `metrics.json`, `history.json`, `model.bpk` (+ `model.json`), `split.json`,
    /// `test_predictions.csv` and the figures (`curves.svg`, `confusion.png`, `montage.png`, and
    /// `roc.svg` for two classes) into `dir`.
    pub fn save(&self, dir: impl AsRef<Path>) -> Result<()> {
        let dir = dir.as_ref();
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        crate::io::write_json(dir.join("metrics.json"), &self.metrics)?;
        crate::io::write_json(dir.join("history.json"), &self.history)?;
        crate::io::write_json(dir.join("split.json"), &self.split)?;
        super::classify::save_classifier(&self.model, &self.net, dir.join("model.bpk"))?;
        let k = self.metrics.class_names.len();
        let pred = self.predicted()?;
        let mut csv = String::from("source,truth,predicted");
        for c in 0..k {
            csv += &format!(",p{c}");
        }
        csv += "\n";
        for (j, row) in self.probs.chunks(k).enumerate() {
            csv += &format!("{},{},{}", self.split.test[j], self.truth[j], pred[j]);
            for p in row {
                csv += &format!(",{p}");
            }
            csv += "\n";
        }
        crate::io::write_atomic(dir.join("test_predictions.csv"), csv.as_bytes())?;
        self.curves()?.save(dir.join("curves.svg"))?;
        self.confusion_figure()?.save(dir.join("confusion.png"))?;
        self.montage(24, 8)?.save(dir.join("montage.png"))?;
        if self.roc.is_some() {
            self.roc_figure()?.save(dir.join("roc.svg"))?;
        }
        Ok(())
    }
}

/// Every `*.json` in `dir` (and `dir/*/metrics.json`) that parses as [`ClassMetrics`], sorted by
/// path; an absent folder gives an empty list.
pub fn load_class_metrics_dir(dir: impl AsRef<Path>) -> Result<Vec<ClassMetrics>> {
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
            out.push(m);
        }
    }
    Ok(out)
}
