//! The report of a classification run: tables of ours beside the paper's (Tables 1–3, 6–11),
//! learning curves (Fig. 3), confusion matrices (Figs 4–6), the ROC curve, montages of
//! predictions (Figs A1–A3) and feature maps (Fig. 2).

use super::class_data::Examples;
use super::class_experiment::ClassRun;
use super::class_metrics::{ClassMetrics, ClassRow, load_named_class_metrics};
use crate::augment::count_table;
use crate::data::pairs_h5::Experiment;
use crate::display::{Png, Stretch, Svg, Table};
use crate::error::{Error, Result, check_size};
use crate::image::Image;
use crate::models::classifier::NetKind;
use crate::paper::prakash2020;
use burn::prelude::Device;
use std::path::Path;

pub use crate::metrics::report::MIN_KEPT_FOR_SCORES;

/// The F1 of a run's kept test images for a table cell, with `digits` decimals — or, below
/// [`MIN_KEPT_FOR_SCORES`] kept images, "(only N kept: no score)", since it would be noise.
pub fn kept_f1_cell(overall: &ClassRow, digits: usize) -> String {
    if (overall.support as usize) < MIN_KEPT_FOR_SCORES {
        format!("(only {} kept: no score)", overall.support)
    } else {
        format!("{:.*}", digits, overall.f1)
    }
}

fn pct(v: f64) -> String {
    format!("{v:.2}")
}

/// What the score and rejection tables show: our rows beside the paper's.
pub(crate) struct ScoreView<'a> {
    pub per_class: &'a [ClassRow],
    pub overall: &'a ClassRow,
    /// None for experiments the paper did not run (the spin classes).
    pub paper: Option<&'a prakash2020::Classification>,
    pub threshold: f64,
    pub n_test: usize,
}

impl ScoreView<'_> {
    /// Precision, recall, F1 and kept images per class and overall, ours beside the paper's.
    pub fn scores_table(&self) -> Result<Table> {
        // Too few kept images: our scores would be noise, so the table says so instead.
        let few = (self.overall.support as usize) < MIN_KEPT_FOR_SCORES;
        let mut t = Table::new(
            format!(
                "Test scores after rejection at {:.0} % — ours ({} test images, {} kept{}) beside \
                 {}",
                100.0 * self.threshold,
                self.n_test,
                self.overall.support,
                if few {
                    format!(
                        "; fewer than {MIN_KEPT_FOR_SCORES} kept, so our precision, recall and F1 \
                         are not shown: they would be noise"
                    )
                } else {
                    String::new()
                },
                paper_tables(self.paper)
            ),
            &[
                "class",
                "precision",
                "recall",
                "F1",
                "kept",
                "paper precision",
                "paper recall",
                "paper F1",
                "paper kept",
            ],
        );
        let ours = |v: f64| if few { "—".to_string() } else { pct(v) };
        for (r, s) in self.rows() {
            let paper = |f: &dyn Fn(&ClassRow) -> String| s.map_or("—".into(), f);
            t.push_row(&[
                r.class.clone(),
                ours(r.precision),
                ours(r.recall),
                ours(r.f1),
                r.support.to_string(),
                paper(&|s| pct(s.precision)),
                paper(&|s| pct(s.recall)),
                paper(&|s| pct(s.f1)),
                paper(&|s| s.support.to_string()),
            ])?;
        }
        Ok(t)
    }

    /// Rejections per class, ours beside the paper's.
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
                "paper rejected",
                "paper test images",
            ],
        );
        for (r, s) in self.rows() {
            t.push_row(&[
                r.class.clone(),
                r.rejected.to_string(),
                (r.support + r.rejected).to_string(),
                s.map_or("—".into(), |s| s.rejected.to_string()),
                s.map_or("—".into(), |s| (s.support + s.rejected).to_string()),
            ])?;
        }
        Ok(t)
    }

    /// Our rows (per class, then overall), each with the paper's where it has one.
    fn rows(&self) -> impl Iterator<Item = (&ClassRow, Option<&ClassRow>)> {
        let paper: Vec<&ClassRow> = self
            .paper
            .map(|p| p.rows.iter().chain([&p.overall]).collect())
            .unwrap_or_default();
        self.per_class
            .iter()
            .chain([self.overall])
            .enumerate()
            .map(move |(k, r)| {
                let s = if k == self.per_class.len() {
                    self.paper.map(|p| &p.overall)
                } else {
                    paper.get(k).copied()
                };
                (r, s)
            })
    }
}

/// "the paper's (Tables …)", or that the paper did not run the experiment.
fn paper_tables(paper: Option<&prakash2020::Classification>) -> String {
    paper.map_or(
        "the paper's (none: it did not run this experiment)".into(),
        |p| format!("the paper's ({})", p.tables),
    )
}

impl ClassRun {
    /// Augmented images per class in training, validation and test (like Tables 1–3).
    pub fn count_table(&self) -> Result<Table> {
        count_table(
            &self.metrics.class_names,
            &self.train_set,
            &self.valid_set,
            &self.test_set,
        )
    }

    /// Our data counts beside the paper's Tables 1–3.
    pub fn count_table_with_paper(&self) -> Result<Table> {
        let m = &self.metrics;
        let mut t = Table::new(
            format!(
                "Distribution of data, ours beside {}: augmented images per class",
                paper_tables(m.paper.as_ref())
            ),
            &[
                "class",
                "training",
                "validation",
                "testing",
                "paper class",
                "paper training",
                "paper validation",
                "paper testing",
            ],
        );
        for (r, s) in self.score_view().rows() {
            let paper = |f: &dyn Fn(&ClassRow) -> String| s.map_or("—".into(), f);
            t.push_row(&[
                r.class.clone(),
                r.data[0].to_string(),
                r.data[1].to_string(),
                r.data[2].to_string(),
                paper(&|s| s.class.clone()),
                paper(&|s| s.data[0].to_string()),
                paper(&|s| s.data[1].to_string()),
                paper(&|s| s.data[2].to_string()),
            ])?;
        }
        Ok(t)
    }

    /// Precision, recall, F1 and kept images per class and overall, ours beside the paper's
    /// (Tables 6, 8, 10).
    pub fn scores_table_with_paper(&self) -> Result<Table> {
        self.score_view().scores_table()
    }

    /// Rejections per class, ours beside the paper's (Tables 7, 9, 11).
    pub fn rejection_table_with_paper(&self) -> Result<Table> {
        self.score_view().rejection_table()
    }

    fn score_view(&self) -> ScoreView<'_> {
        let m = &self.metrics;
        ScoreView {
            per_class: &m.per_class,
            overall: &m.overall,
            paper: m.paper.as_ref(),
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
    /// the predicted one below (Figs A1–A3), each with a kpc bar where its source's frame is
    /// known (resizing keeps the frame).
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
        let frames: Vec<Option<f64>> = idx.iter().map(|&i| self.test_pixel_kpc(i)).collect();
        let bars = crate::figures::panel_kpc_bars(&frames, test.size())?;
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

    /// The pixel size in kpc of test image `i` as the network sees it: its source's (resizing
    /// keeps the frame), or `None` where the file records no frame.
    pub fn test_pixel_kpc(&self, i: usize) -> Option<f64> {
        let source = self.test_set.source_of(i).ok()?;
        let source_px = self.images.get(source)?.width as f64;
        let kpc = self.source_pixel_kpc.get(source).copied().flatten()?;
        Some(kpc * source_px / self.net.input_shape().1 as f64)
    }

    /// Fig. 2: test image `i` and channel `channel` of each convolution's (AlexNet) or block's
    /// (compact) activation, each resampled to the input size, as one montage (input first).
    pub fn feature_maps(&self, i: usize, channel: usize, device: &Device) -> Result<Png> {
        let test = self.test_examples()?;
        let s = test.size();
        let image = Image {
            width: s,
            height: s,
            data: test.pixels(i)?,
        };
        feature_map_figure(&self.model, &image, self.test_pixel_kpc(i), channel, device)
    }
}

/// Fig. 2 for any classifier (a trained run's or one loaded from committed weights): `image` and
/// channel `channel` of each convolution's (AlexNet) or block's (compact) activation for it, each
/// resampled to the input size, as one montage (input first, labelled "conv 1…" or "stem",
/// "stage 1…") with a colour bar (each panel's own range) and, given the input's `pixel_kpc`, a
/// kpc scale bar on the input (every map covers the input's frame).
pub fn feature_map_figure(
    model: &crate::models::classifier::Classifier,
    image: &Image,
    pixel_kpc: Option<f64>,
    channel: usize,
    device: &Device,
) -> Result<Png> {
    crate::augment::ops::check_image("image", image)?;
    let s = image.width;
    let maps = model.feature_maps(&image.data, channel, device)?;
    let mut panels = vec![image.clone()];
    for m in maps {
        panels.push(if m.width == s {
            m
        } else {
            crate::augment::resize(&m, s, image.height)?
        });
    }
    let labels: Vec<String> = std::iter::once("input".to_string())
        .chain((1..panels.len()).map(|l| match model.kind() {
            NetKind::AlexNet => format!("conv {l}"),
            NetKind::Compact if l == 1 => "stem".to_string(),
            NetKind::Compact => format!("stage {}", l - 1),
        }))
        .collect();
    let zoom = (160 / s.max(1)).clamp(1, 4) as u32;
    let m = crate::figures::Montage::new(&panels, panels.len())
        .zoom(zoom)
        .top_labels(&labels)
        .colour_bar();
    match pixel_kpc {
        Some(kpc) => {
            let (px, label) = crate::figures::kpc_scale_bar(kpc, s)?;
            m.scale_bar(px, label).render()
        }
        None => m.render(),
    }
}

/// What a committed run is, in words: its network and scale, its split, and — for a run whose
/// test scores are those of a network that learned nothing (AUC ≤ 0.55, or every test image
/// rejected) — that it failed.
pub fn run_description(m: &ClassMetrics) -> String {
    let c = &m.config;
    let net = match c.net {
        NetKind::AlexNet => format!("AlexNet {}×{}, width {}", c.size, c.size, c.width),
        NetKind::Compact => format!("compact {}×{}, width {}", c.size, c.size, c.width),
    };
    let split = match c.split_by {
        super::class_recipe::SplitBy::Simulation => "split by simulation",
        super::class_recipe::SplitBy::Image => "split by single image",
    };
    let mut d = format!(
        "{net}, {} epochs × {} updates, {split}",
        m.epochs_run,
        c.train
            .steps_per_epoch
            .map_or("all".into(), |s| s.to_string())
    );
    let no_signal = m.auc.is_some_and(|a| a <= 0.55) || m.rejected as usize == m.n_test;
    if no_signal {
        d += " — failed: learned nothing";
    }
    d
}

/// The committed runs of `experiment` in `dir` (`*.json` metrics, as [`load_named_class_metrics`]
/// reads them), one row per named run beside the paper's overall numbers; runs whose test scores
/// repeat an earlier row's exactly (the same network evaluated twice) are listed once, with both
/// names.
pub fn committed_runs_table(dir: impl AsRef<Path>, experiment: Experiment) -> Result<Table> {
    if !experiment.is_classification() {
        return Err(Error::invalid(
            "experiment",
            experiment.name(),
            "is a regression; runs tables are for classification experiments",
        ));
    }
    let paper = prakash2020::classification(experiment).ok();
    let runs: Vec<(String, ClassMetrics)> = load_named_class_metrics(dir.as_ref())?
        .into_iter()
        .filter(|(_, m)| m.experiment == experiment.name())
        .collect();
    let two = experiment == Experiment::TwoClass;
    let mut header = vec![
        "run",
        "what",
        "test images",
        "rejected",
        "F1 (kept)",
        "F1 (all)",
    ];
    if two {
        header.push("AUC");
    }
    header.extend([
        "copies of training images: F1 kept / all",
        "paper F1",
        "paper rejected",
        "device",
    ]);
    let mut t = Table::new(
        format!(
            "Committed {} runs in {} beside {}",
            experiment.name(),
            dir.as_ref().display(),
            paper_tables(paper.as_ref())
        ),
        &header,
    );
    // Test scores of each row shown so far (bit patterns of F1 kept and all, rejections, AUC).
    let mut shown: Vec<(u64, u64, u64, Option<u64>)> = Vec::new();
    for (name, m) in &runs {
        let key = (
            m.overall.f1.to_bits(),
            m.f1_no_rejection.to_bits(),
            m.rejected,
            m.auc.map(f64::to_bits),
        );
        if let Some(row) = shown.iter().position(|k| *k == key) {
            // Same scores as an earlier row: name it there.
            let first = &mut t.rows[row][0];
            *first = format!("{first} = {name}");
            continue;
        }
        shown.push(key);
        let mut row = vec![
            name.clone(),
            run_description(m),
            m.n_test.to_string(),
            m.rejected.to_string(),
            format!("{:.3}", m.overall.f1),
            format!("{:.3}", m.f1_no_rejection),
        ];
        if two {
            row.push(m.auc.map(|a| format!("{a:.3}")).unwrap_or_default());
        }
        row.extend([
            m.training_siblings.as_ref().map_or("—".into(), |s| {
                format!("{:.3} / {:.3}", s.f1, s.f1_no_rejection)
            }),
            paper
                .as_ref()
                .map_or("—".into(), |p| format!("{:.2}", p.overall.f1)),
            paper.as_ref().map_or("—".into(), |p| {
                format!(
                    "{} of {}",
                    p.overall.rejected,
                    p.overall.support + p.overall.rejected
                )
            }),
            crate::device::short_device(&m.device),
        ]);
        t.push_row(&row)?;
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_f1_is_withheld_below_the_minimum_kept() {
        assert_eq!(kept_f1_cell(&row("all", 0.91234, 50), 3), "0.912");
        assert_eq!(kept_f1_cell(&row("all", 0.91234, 50), 2), "0.91");
        assert_eq!(
            kept_f1_cell(&row("all", 1.0, 4), 2),
            "(only 4 kept: no score)"
        );
    }

    fn row(class: &str, f1: f64, support: u64) -> ClassRow {
        ClassRow {
            class: class.into(),
            precision: f1,
            recall: f1,
            f1,
            support,
            rejected: 1,
            data: [0, 0, support + 1],
        }
    }

    #[test]
    fn score_table_hides_scores_of_a_handful_of_kept_images() {
        let paper = prakash2020::classification(Experiment::TwoClass).unwrap();
        let per = [row("i=0", 1.0, 3), row("i=45", 0.0, 1)];
        let overall = row("overall", 0.75, 4);
        let view = ScoreView {
            per_class: &per,
            overall: &overall,
            paper: Some(&paper),
            threshold: 0.8,
            n_test: 96,
        };
        let t = view.scores_table().unwrap();
        assert!(t.title.contains("not shown"), "{}", t.title);
        assert!(t.rows.iter().all(|r| r[1] == "—" && r[3] == "—"));
        assert_eq!(t.rows[2][4], "4");
        assert_eq!(t.rows[2][7], "0.99");
        let many = [row("i=0", 0.9, 300), row("i=45", 0.8, 200)];
        let overall = row("overall", 0.86, 500);
        let t = ScoreView {
            per_class: &many,
            overall: &overall,
            ..view
        }
        .scores_table()
        .unwrap();
        assert!(!t.title.contains("not shown"));
        assert_eq!(t.rows[2][3], "0.86");
    }
}
