//! Headline numbers of the classification experiments: runs of one experiment, network and split
//! that differ only in their training seed, reduced to mean ± standard deviation beside the
//! paper's number (seed 000 Tables 6, 8, 10). Notebooks 05–07 and the README quote these.

use super::class_metrics::{ClassMetrics, load_class_metrics_dir};
use super::class_recipe::SplitBy;
use super::paper_protocol::PaperProtocolMetrics;
use crate::data::pairs_h5::Experiment;
use crate::display::Table;
use crate::error::{Error, Result};
use crate::paper::prakash2020;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Mean and sample standard deviation of `n` values.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MeanStd {
    /// Mean.
    pub mean: f64,
    /// Sample standard deviation (n − 1; 0 for one value).
    pub std: f64,
    /// Number of values.
    pub n: usize,
}

impl MeanStd {
    /// Of `values` (at least one, all finite).
    pub fn of(values: &[f64]) -> Result<Self> {
        if values.is_empty() {
            return Err(Error::invalid("values", "none", "need at least one"));
        }
        if let Some(v) = values.iter().find(|v| !v.is_finite()) {
            return Err(Error::invalid("value", v, "must be finite"));
        }
        let n = values.len();
        let mean = values.iter().sum::<f64>() / n as f64;
        let var = if n > 1 {
            values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64
        } else {
            0.0
        };
        Ok(MeanStd {
            mean,
            std: var.sqrt(),
            n,
        })
    }

    /// In scientific notation for small quantities such as MSEs: `1.06e-2 ± 9.7e-4`, or the
    /// value alone for one run.
    pub fn sci(&self) -> String {
        if self.n > 1 {
            format!("{:.2e} ± {:.1e}", self.mean, self.std)
        } else {
            format!("{:.2e}", self.mean)
        }
    }

    /// `mean ± std` with `digits` decimals, or the one value marked "(1 run)".
    pub fn fixed(&self, digits: usize) -> String {
        if self.n > 1 {
            format!("{:.digits$} ± {:.digits$}", self.mean, self.std)
        } else {
            format!("{:.digits$} (1 run)", self.mean)
        }
    }

    /// A fraction as percentage points with one decimal, `65.0 ± 1.0`, or the one value alone
    /// (no unit: the caller places the % sign).
    pub fn percent(&self) -> String {
        if self.n > 1 {
            format!("{:.1} ± {:.1}", 100.0 * self.mean, 100.0 * self.std)
        } else {
            format!("{:.1}", 100.0 * self.mean)
        }
    }
}

impl std::fmt::Display for MeanStd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.fixed(3))
    }
}

/// One experiment, network and split over its training seeds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunSummary {
    /// Experiment (CLI name).
    pub experiment: String,
    /// Network (CLI name).
    pub net: String,
    /// What the split kept together.
    pub split_by: SplitBy,
    /// Training seeds of the runs.
    pub seeds: Vec<u64>,
    /// F1 of all test images (no rejection).
    pub f1_all: MeanStd,
    /// F1 of the kept test images at the paper's threshold.
    pub f1_kept: MeanStd,
    /// Fraction of test images rejected at the paper's threshold.
    pub rejected_fraction: MeanStd,
    /// Training accuracy of the last epoch (runs that record it).
    pub train_accuracy: Option<MeanStd>,
    /// Training wall time in minutes.
    pub train_minutes: MeanStd,
    /// The paper's overall F1 (None: an experiment beyond the paper).
    pub paper_f1: Option<f64>,
}

/// Groups `runs` by (experiment, network, split) and reduces each group; groups are sorted by
/// experiment, network and split.
pub fn summarize(runs: &[ClassMetrics]) -> Result<Vec<RunSummary>> {
    use std::collections::BTreeMap;
    let mut groups: BTreeMap<(String, String, String), Vec<&ClassMetrics>> = BTreeMap::new();
    for r in runs {
        let key = (
            r.experiment.clone(),
            r.config.net.name().to_string(),
            format!("{:?}", r.config.split_by),
        );
        groups.entry(key).or_default().push(r);
    }
    let mut out = Vec::new();
    for ((experiment, net, _), rs) in groups {
        let col = |f: &dyn Fn(&ClassMetrics) -> f64| -> Result<MeanStd> {
            MeanStd::of(&rs.iter().map(|r| f(r)).collect::<Vec<_>>())
        };
        let train: Vec<f64> = rs.iter().filter_map(|r| r.train_accuracy).collect();
        out.push(RunSummary {
            experiment,
            net,
            split_by: rs[0].config.split_by,
            seeds: rs.iter().map(|r| r.config.train.seed).collect(),
            f1_all: col(&|r| r.f1_no_rejection)?,
            f1_kept: col(&|r| r.overall.f1)?,
            rejected_fraction: col(&|r| r.rejected as f64 / r.n_test.max(1) as f64)?,
            train_accuracy: if train.len() == rs.len() {
                Some(MeanStd::of(&train)?)
            } else {
                None
            },
            train_minutes: col(&|r| r.train_seconds / 60.0)?,
            paper_f1: rs[0].paper.as_ref().map(|p| p.overall.f1),
        });
    }
    Ok(out)
}

/// The summaries as a table, one row each, the paper's F1 beside ours.
pub fn summary_table(title: &str, rows: &[RunSummary]) -> Result<Table> {
    let mut t = Table::new(
        title,
        &[
            "experiment",
            "network",
            "split",
            "training seeds",
            "F1, all test images",
            "F1, kept",
            "rejected",
            "training accuracy",
            "minutes per run",
            "paper F1",
        ],
    );
    for r in rows {
        t.push_row(&[
            r.experiment.clone(),
            r.net.clone(),
            format!("{:?}", r.split_by),
            format!("{:?}", r.seeds),
            r.f1_all.to_string(),
            r.f1_kept.to_string(),
            if r.rejected_fraction.n > 1 {
                format!(
                    "{:.1} % ± {:.1}",
                    100.0 * r.rejected_fraction.mean,
                    100.0 * r.rejected_fraction.std
                )
            } else {
                format!("{:.1} % (1 run)", 100.0 * r.rejected_fraction.mean)
            },
            r.train_accuracy
                .map(|a| a.to_string())
                .unwrap_or_else(|| "—".into()),
            format!("{:.0}", r.train_minutes.mean),
            r.paper_f1.map_or("—".into(), |f| format!("{f:.2}")),
        ])?;
    }
    Ok(t)
}

/// The committed runs of the seed's own protocol (`paper_protocol.json` copies, one per training
/// seed, e.g. `results/classification/paper_protocol/<experiment>_s<seed>.json`), sorted by
/// file name; an absent folder holds none, JSON files of another shape are skipped.
pub fn load_paper_protocol_dir(dir: impl AsRef<Path>) -> Result<Vec<PaperProtocolMetrics>> {
    Ok(crate::io::load_json_dir(dir)?
        .into_iter()
        .map(|(_, m)| m)
        .collect())
}

/// The presets the protocols table has rows for: the results folder of its runs split by
/// simulation, the folder of its runs under the seed's protocol, and the rows' label.
const PRESET_ROWS: [(&str, &str, &str); 4] = [
    ("compact", "paper_protocol", "compact, 64², 2 CPU cores"),
    (
        "compact_long",
        "paper_protocol_compact_long",
        "compact-long (twice the updates), 64², 2 CPU cores",
    ),
    (
        "compact_wide",
        "paper_protocol_compact_wide",
        "compact-wide (width 1.5), 64², 2 CPU cores",
    ),
    (
        "compact_wide_long",
        "paper_protocol_compact_wide_long",
        "compact-wide-long (width 1.5, twice the updates), 64², 2 CPU cores",
    ),
];

/// One experiment under both test protocols, side by side (seed 000's headline and ours): the
/// paper's numbers; the compact network split by simulation (every test image from an encounter
/// never trained on) on the 6,000-image set, one row per preset of [`PRESET_ROWS`]; the same
/// presets under the seed's protocol (augmented images split at random), each scored on a sample
/// of the seed's test size and on the whole 20 %. Each of ours is mean ± standard deviation over
/// its training seeds.
pub fn protocols_table(root: impl AsRef<Path>, experiment: Experiment) -> Result<Table> {
    let root = root.as_ref();
    let paper = prakash2020::classification(experiment)?;
    let name = experiment.name();
    let mut t = Table::new(
        format!(
            "{name}: the two test protocols side by side (ours: mean ± standard deviation over \
             training seeds; rejection at {:.0} %)",
            100.0 * paper.threshold
        ),
        &[
            "network",
            "test protocol",
            "training seeds",
            "test images",
            "F1, all test images",
            "rejected",
            "F1, kept",
            "training accuracy",
        ],
    );
    let n_paper = paper.overall.support + paper.overall.rejected;
    t.push_row(&[
        "paper: AlexNet, 256², one i7-7700 CPU".to_string(),
        format!("augmented images split at random ({})", paper.tables),
        "—".into(),
        n_paper.to_string(),
        "—".into(),
        format!(
            "{:.1} %",
            100.0 * paper.overall.rejected as f64 / n_paper as f64
        ),
        format!("{:.2}", paper.overall.f1),
        "—".into(),
    ])?;
    let pct = |m: MeanStd| {
        if m.n > 1 {
            format!("{:.1} % ± {:.1}", 100.0 * m.mean, 100.0 * m.std)
        } else {
            format!("{:.1} % (1 run)", 100.0 * m.mean)
        }
    };
    // Split by simulation: each preset's runs on the 6,000-image set (`<experiment>.h5`; runs on
    // other data sizes are rows of `recipe_table`).
    let data_file = format!("{name}.h5");
    for (folder, _, network) in PRESET_ROWS {
        let by_sim: Vec<ClassMetrics> = load_class_metrics_dir(root.join(folder))?
            .into_iter()
            .filter(|m| {
                m.experiment == name
                    && m.config.split_by == SplitBy::Simulation
                    && m.data.file_name().is_some_and(|f| f == data_file.as_str())
            })
            .collect();
        if by_sim.is_empty() {
            continue;
        }
        let col = |f: &dyn Fn(&ClassMetrics) -> f64| {
            MeanStd::of(&by_sim.iter().map(f).collect::<Vec<_>>())
        };
        let train: Vec<f64> = by_sim.iter().filter_map(|m| m.train_accuracy).collect();
        t.push_row(&[
            network.to_string(),
            "split by simulation (ours): test encounters never trained on".into(),
            format!(
                "{:?}",
                by_sim
                    .iter()
                    .map(|m| m.config.train.seed)
                    .collect::<Vec<_>>()
            ),
            by_sim[0].n_test.to_string(),
            col(&|m| m.f1_no_rejection)?.to_string(),
            pct(col(&|m| m.rejected as f64 / m.n_test.max(1) as f64)?),
            col(&|m| m.overall.f1)?.to_string(),
            MeanStd::of(&train).map_or("—".into(), |m| m.to_string()),
        ])?;
    }
    // The seed's protocol: one folder per preset.
    for (_, folder, network) in PRESET_ROWS {
        let protocol: Vec<PaperProtocolMetrics> = load_paper_protocol_dir(root.join(folder))?
            .into_iter()
            .filter(|m| m.experiment == name)
            .collect();
        if protocol.is_empty() {
            continue;
        }
        let seeds = format!(
            "{:?}",
            protocol
                .iter()
                .map(|m| m.config.train.seed)
                .collect::<Vec<_>>()
        );
        let train = MeanStd::of(
            &protocol
                .iter()
                .map(|m| m.train_accuracy)
                .collect::<Vec<_>>(),
        )?;
        for (what, pick) in [
            (
                "the seed's protocol, a sample of the seed's test size",
                (|m: &PaperProtocolMetrics| &m.sample) as fn(&PaperProtocolMetrics) -> &_,
            ),
            ("the seed's protocol, the whole test 20 %", |m| &m.whole),
        ] {
            let col = |f: &dyn Fn(&super::paper_protocol::ProtocolScores) -> f64| {
                MeanStd::of(&protocol.iter().map(|m| f(pick(m))).collect::<Vec<_>>())
            };
            t.push_row(&[
                network.to_string(),
                what.into(),
                seeds.clone(),
                pick(&protocol[0]).n.to_string(),
                col(&|s| s.f1_no_rejection)?.to_string(),
                pct(col(&|s| s.rejected as f64 / s.n.max(1) as f64)?),
                col(&|s| s.f1)?.to_string(),
                train.to_string(),
            ])?;
        }
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_and_sample_deviation() {
        let m = MeanStd::of(&[0.9, 0.92, 0.94]).unwrap();
        assert!((m.mean - 0.92).abs() < 1e-12);
        assert!((m.std - 0.02).abs() < 1e-12);
        assert_eq!(m.to_string(), "0.920 ± 0.020");
        assert_eq!(MeanStd::of(&[0.5]).unwrap().to_string(), "0.500 (1 run)");
        assert!(MeanStd::of(&[]).is_err());
        assert!(
            MeanStd::of(&[f64::NAN])
                .unwrap_err()
                .to_string()
                .contains("NaN")
        );
    }
}
