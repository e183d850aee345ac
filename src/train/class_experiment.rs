//! One classification experiment end to end (seed 000 §4–§6, Tables 1–3, 6–11, Figs 2–6,
//! A1–A3): from a pairs HDF5 file to a trained AlexNet, its test report at the seed's rejection
//! threshold beside the paper's numbers, figures, and a run folder on disk. The CLI
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

//!
//! Its parts: the settings and presets in [`super::class_recipe`], images and the split in
//! [`super::class_data`], the metrics schema in [`super::class_metrics`], tables and figures in
//! [`super::class_report`], the paper's numbers in [`crate::paper::prakash2020`].

use super::class_data::{AugmentedExamples, class_images, split_images, with_resize};
use super::class_metrics::{ClassMetrics, Scored, class_rows, score, training_sibling_scores};
use super::class_recipe::ClassRunConfig;
use super::classify::{ClassHistory, train_classifier_with};
use super::fit::{FitHistory, Hooks};
use crate::augment::{AugmentConfig, AugmentedSet, SourceSplit};
use crate::data::pairs_h5::PairH5;
use crate::error::{Error, Result};
use crate::image::Image;
use crate::metrics::{ClassificationReport, Roc};
use crate::models::classifier::{Classifier, ClassifierConfig};
use crate::paper::prakash2020;
use burn::module::Module;
use burn::prelude::Device;
use std::path::Path;

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
    /// Each source image's pixel size in kpc at the file's size (not the network's input), where
    /// the file records its frame.
    pub source_pixel_kpc: Vec<Option<f64>>,
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
    if !experiment.is_classification() {
        return Err(Error::invalid(
            "experiment",
            experiment.name(),
            "is a regression; classification needs two-class, three-class, nine-class or \
             six-class-spin",
        ));
    }
    // None for the spin classes, which the paper proposed but did not run.
    let paper = prakash2020::classification(experiment).ok();
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
    let Scored {
        probs,
        truth,
        kept: report,
        all: report_all,
    } = score(&model, &test, &names, threshold, device)?;
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
        paper,
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
        source_pixel_kpc: (0..images.len()).map(|k| ds.pixel_kpc(k).ok()).collect(),
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

impl ClassRun {
    /// The test set as the network sees it.
    pub fn test_examples(&self) -> Result<AugmentedExamples<'_>> {
        AugmentedExamples::new(&self.test_set, &self.images)
    }

    /// Predicted class of each test image (before rejection).
    pub fn predicted(&self) -> Result<Vec<usize>> {
        crate::metrics::argmax_rows(&self.probs, self.metrics.class_names.len())
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
