//! A trained classifier applied to another labelled set: seed 000's real-data test (Tables 12
//! and 13, Fig. 7, Fig. A4), run here on our mock-observed pairs
//! ([`PairDatasetConfig::mock_observed`](crate::data::pairs_h5::PairDatasetConfig::mock_observed))
//! since the 30 SDSS cutouts cannot be downloaded on our machines. The CLI
//! (`galaxy-lab classify evaluate`) and notebook 09 both call [`evaluate_on_pairs`].
//!
//! Every image of the file is resized to the network's input, passed through the softmax, and
//! scored with the seed's 80 % rejection threshold (per-class precision, recall, F1 of the kept
//! images, rejections per class, confusion matrix of the kept images) and without it; for two
//! classes also the ROC curve.

use super::class_data::class_images;
use super::class_metrics::{ClassRow, class_rows};
use super::class_mirror::MirrorScores;
use super::class_report::ScoreView;
use super::class_views::{TestViews, predict_proba_views};
use super::classify::load_classifier;
use crate::data::pairs_h5::{PairDatasetConfig, PairH5};
use crate::display::{Png, Stretch, Table};
use crate::error::{Error, Result, check_range, check_size};
use crate::image::Image;
use crate::metrics::{ClassificationReport, Roc, classification_report};
use crate::models::classifier::{Classifier, ClassifierConfig};
use crate::paper::prakash2020;
use burn::prelude::Device;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The numbers of one evaluation (`eval.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalMetrics {
    /// Model checkpoint evaluated.
    pub model: PathBuf,
    /// Dataset evaluated.
    pub data: PathBuf,
    /// Its seed (0 for real images).
    pub data_seed: u64,
    /// Its configuration (mass ratios, inclination window, observation); None for real images.
    pub data_config: Option<PairDatasetConfig>,
    /// Class names, in class order.
    pub class_names: Vec<String>,
    /// Rejection threshold applied.
    pub threshold: f64,
    /// Images evaluated.
    pub n: usize,
    /// Images rejected.
    pub rejected: u64,
    /// Per-class scores of the kept images (`data[2]`: images of the class).
    pub per_class: Vec<ClassRow>,
    /// Support-weighted overall row of the kept images.
    pub overall: ClassRow,
    /// Accuracy of the kept images.
    pub accuracy: f64,
    /// Weighted F1 of all images (no rejection).
    pub f1_no_rejection: f64,
    /// Accuracy of all images (no rejection).
    pub accuracy_no_rejection: f64,
    /// Area under the ROC curve (two classes; all images).
    pub auc: Option<f64>,
    /// The paper's real-data numbers (Tables 12, 13; files written before the rename: `seed`).
    #[serde(alias = "seed")]
    pub paper: prakash2020::Classification,
    /// Wall time (s).
    pub wall_seconds: f64,
    /// The errors on i against the mirror degeneracy of projected discs (pair files of the
    /// inclination experiments; `None` for real images and files written before it).
    #[serde(default)]
    pub mirror: Option<MirrorScores>,
    /// Which views of each image were scored (files written before test views: one).
    #[serde(default)]
    pub views: TestViews,
}

/// A finished evaluation: the images as the network saw them, its outputs and the reports.
#[derive(Debug, Clone)]
pub struct ClassEval {
    /// Every image, resized to the network's input.
    pub images: Vec<Image>,
    /// Each image's pixel size in kpc at the network's input, where the data say it
    /// ([`evaluate_on_pairs`] fills it from each image's frame; [`evaluate_images`] cannot).
    pub pixel_kpc: Vec<Option<f64>>,
    /// True classes.
    pub truth: Vec<usize>,
    /// Softmax output, row-major `[n, classes]`.
    pub probs: Vec<f32>,
    /// Report at the rejection threshold.
    pub report: ClassificationReport,
    /// Report without rejection.
    pub report_all: ClassificationReport,
    /// ROC curve (two classes).
    pub roc: Option<Roc>,
    /// Summary numbers.
    pub metrics: EvalMetrics,
}

/// Evaluates `model` (configuration `net`) on every image of `ds` (or its first `max`) with
/// rejection `threshold` in [0, 1], one view per image. The file's classes must be the network's.
pub fn evaluate_on_pairs(
    model: &Classifier,
    net: &ClassifierConfig,
    ds: &PairH5,
    threshold: f64,
    max: Option<usize>,
    device: &Device,
) -> Result<ClassEval> {
    evaluate_on_pairs_views(model, net, ds, threshold, max, TestViews::One, device)
}

/// [`evaluate_on_pairs`] with the softmax averaged over `views` of each image.
pub fn evaluate_on_pairs_views(
    model: &Classifier,
    net: &ClassifierConfig,
    ds: &PairH5,
    threshold: f64,
    max: Option<usize>,
    views: TestViews,
    device: &Device,
) -> Result<ClassEval> {
    check_range("threshold", threshold, 0.0, 1.0)?;
    model.check_config(net)?;
    let (channels, _) = net.input_shape();
    let names = ds.class_names.clone();
    if names.len() != net.classes() {
        return Err(Error::invalid(
            "dataset classes",
            format!("{names:?}"),
            format!(
                "the network has {} classes; evaluate it on a file of the same experiment",
                net.classes()
            ),
        ));
    }
    if channels != 1 {
        return Err(Error::invalid(
            "network channels",
            channels,
            "pair images have one channel",
        ));
    }
    let (sources, truth) = class_images(ds, max)?;
    let mut e = evaluate_images(
        model, net, &sources, &truth, &names, threshold, views, device,
    )?;
    let size = net.input_shape().1 as f64;
    e.pixel_kpc = (0..e.images.len())
        .map(|k| ds.pixel_kpc(k).ok().map(|kpc| kpc * ds.width as f64 / size))
        .collect();
    e.metrics.data = ds.path().to_path_buf();
    e.metrics.data_seed = ds.seed;
    e.metrics.data_config = Some(ds.config.clone());
    let experiment = ds.config.experiment;
    if experiment.class_inclination_deg(0).is_some() {
        let predicted = crate::metrics::argmax_rows(&e.probs, names.len())?;
        e.metrics.mirror = Some(MirrorScores::new(
            experiment,
            &ds.labels[..e.truth.len()],
            &e.truth,
            &predicted,
        )?);
    }
    Ok(e)
}

/// Evaluates `model` on one-channel `images` of true classes `truth` (class names `names`, the
/// network's) with rejection `threshold`; each image is resampled to the network's input and
/// scored through `views` ([`TestViews::One`]: as it is). The metrics name no data file (the
/// caller fills `data`, `data_seed`, `data_config`).
#[allow(clippy::too_many_arguments)]
pub fn evaluate_images(
    model: &Classifier,
    net: &ClassifierConfig,
    sources: &[Image],
    truth: &[usize],
    names: &[String],
    threshold: f64,
    views: TestViews,
    device: &Device,
) -> Result<ClassEval> {
    let start = std::time::Instant::now();
    check_range("threshold", threshold, 0.0, 1.0)?;
    model.check_config(net)?;
    let (channels, size) = net.input_shape();
    if names.len() != net.classes() {
        return Err(Error::invalid(
            "classes",
            format!("{names:?}"),
            format!("the network has {} classes", net.classes()),
        ));
    }
    if channels != 1 {
        return Err(Error::invalid(
            "network channels",
            channels,
            "images have one channel",
        ));
    }
    if sources.len() != truth.len() {
        return Err(Error::invalid(
            "classes",
            format!("{} for {} images", truth.len(), sources.len()),
            "need one per image",
        ));
    }
    let truth = truth.to_vec();
    let names = names.to_vec();
    check_size("images", sources.len(), 1)?;
    let images: Vec<Image> = sources
        .iter()
        .map(|img| {
            if img.width == size {
                Ok(img.clone())
            } else {
                crate::augment::resize(img, size, size)
            }
        })
        .collect::<Result<_>>()?;
    let k = names.len();
    let probs = predict_proba_views(model, &images, k, views, device)?;
    let report = classification_report(&probs, &truth, &names, Some(threshold))?;
    let report_all = classification_report(&probs, &truth, &names, None)?;
    let roc = if k == 2 {
        Some(Roc::from_probs(&probs, &truth, 1)?)
    } else {
        None
    };
    let mut per = vec![0u64; k];
    for &t in &truth {
        per[t] += 1;
    }
    let (per_class, overall) = class_rows(&report, &names, &[vec![0; k], vec![0; k], per]);
    let metrics = EvalMetrics {
        model: PathBuf::new(),
        data: PathBuf::new(),
        data_seed: 0,
        data_config: None,
        class_names: names,
        threshold,
        n: truth.len(),
        rejected: overall.rejected,
        per_class,
        overall,
        accuracy: report.accuracy,
        f1_no_rejection: report_all.overall.f1,
        accuracy_no_rejection: report_all.accuracy,
        auc: roc.as_ref().map(|r| r.auc),
        paper: prakash2020::real_data(),
        wall_seconds: start.elapsed().as_secs_f64(),
        mirror: None,
        views,
    };
    Ok(ClassEval {
        pixel_kpc: vec![None; images.len()],
        images,
        truth,
        probs,
        report,
        report_all,
        roc,
        metrics,
    })
}

/// [`evaluate_on_pairs`] with the model read from `model`: a run folder (its `model.bpk`, as
/// `classify train` writes it) or a weights file with its `.json` beside it (the committed
/// `results/classification/weights/*.bpk`); the data from `data`; each image scored through
/// `views`.
pub fn evaluate_run_dir(
    model: impl AsRef<Path>,
    data: impl AsRef<Path>,
    threshold: f64,
    max: Option<usize>,
    views: TestViews,
    device: &Device,
) -> Result<ClassEval> {
    let model = model.as_ref();
    let path = if model.is_dir() {
        model.join("model.bpk")
    } else {
        model.to_path_buf()
    };
    let (model, net) = load_classifier(&path, device)?;
    let ds = PairH5::open(data)?;
    let mut e = evaluate_on_pairs_views(&model, &net, &ds, threshold, max, views, device)?;
    e.metrics.model = path;
    Ok(e)
}

impl ClassEval {
    fn score_view(&self) -> ScoreView<'_> {
        let m = &self.metrics;
        ScoreView {
            per_class: &m.per_class,
            overall: &m.overall,
            paper: Some(&m.paper),
            threshold: m.threshold,
            n_test: m.n,
        }
    }

    /// Precision, recall, F1 and kept images, ours beside the paper's Table 12.
    pub fn scores_table_with_paper(&self) -> Result<Table> {
        self.score_view().scores_table()
    }

    /// Rejections per class, ours beside the paper's Table 13.
    pub fn rejection_table_with_paper(&self) -> Result<Table> {
        self.score_view().rejection_table()
    }

    /// The most probable class of every image (no rejection), in image order.
    pub fn predicted(&self) -> Vec<usize> {
        let k = self.metrics.class_names.len().max(1);
        self.probs
            .chunks(k)
            .map(|p| {
                p.iter()
                    .enumerate()
                    .fold(0, |best, (j, &v)| if v > p[best] { j } else { best })
            })
            .collect()
    }

    /// The share of all images (no rejection) whose predicted and true classes satisfy `same`,
    /// e.g. `|p, t| p / 3 == t / 3` for "i right" when classes are 3 · (index of i) + (index of
    /// θ).
    pub fn share(&self, same: impl Fn(usize, usize) -> bool) -> f64 {
        let predicted = self.predicted();
        let n = predicted.len().max(1) as f64;
        predicted
            .iter()
            .zip(&self.truth)
            .filter(|&(&p, &t)| same(p, t))
            .count() as f64
            / n
    }

    /// Confusion matrix of the kept images (Fig. 7).
    pub fn confusion_figure(&self) -> Result<Png> {
        self.report.confusion_figure()
    }

    /// Up to `n` images, evenly spread, with the true class on top and the predicted one below
    /// (Fig. A4), each with a kpc scale bar where its pixel size is known.
    pub fn montage(&self, n: usize, cols: usize) -> Result<Png> {
        check_size("n", n, 1)?;
        let total = self.images.len();
        let n = n.min(total);
        let k = self.metrics.class_names.len();
        let pred = crate::metrics::argmax_rows(&self.probs, k)?;
        let idx: Vec<usize> = (0..n).map(|j| j * total / n).collect();
        let imgs: Vec<Image> = idx.iter().map(|&i| self.images[i].clone()).collect();
        let truth: Vec<usize> = idx.iter().map(|&i| self.truth[i]).collect();
        let p: Vec<usize> = idx.iter().map(|&i| pred[i]).collect();
        let size = self.images[0].width;
        let zoom = (160 / size.max(1)).clamp(1, 4) as u32;
        let frames: Vec<Option<f64>> = idx
            .iter()
            .map(|&i| self.pixel_kpc.get(i).copied().flatten())
            .collect();
        let bars = crate::figures::panel_kpc_bars(&frames, size)?;
        crate::metrics::prediction_montage(
            &imgs,
            &truth,
            &p,
            &self.metrics.class_names,
            cols,
            zoom,
            Stretch::Linear,
            bars.as_deref(),
        )
    }

    /// Writes `eval.json`, `predictions.csv`, `confusion.png`, `montage.png` (and `roc.svg` for
    /// two classes) into `dir`.
    pub fn save(&self, dir: impl AsRef<Path>) -> Result<()> {
        let dir = dir.as_ref();
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        crate::io::write_json(dir.join("eval.json"), &self.metrics)?;
        let k = self.metrics.class_names.len();
        let pred = crate::metrics::argmax_rows(&self.probs, k)?;
        let mut csv = String::from("image,truth,predicted");
        for c in 0..k {
            csv += &format!(",p{c}");
        }
        csv += "\n";
        for (j, row) in self.probs.chunks(k).enumerate() {
            csv += &format!("{j},{},{}", self.truth[j], pred[j]);
            for p in row {
                csv += &format!(",{p}");
            }
            csv += "\n";
        }
        crate::io::write_atomic(dir.join("predictions.csv"), csv.as_bytes())?;
        self.confusion_figure()?.save(dir.join("confusion.png"))?;
        self.montage(24, 8)?.save(dir.join("montage.png"))?;
        if let Some(r) = &self.roc {
            crate::metrics::roc_figure(r)?.save(dir.join("roc.svg"))?;
        }
        Ok(())
    }
}
