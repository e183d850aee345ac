//! Which recipe decision bought what (the classification issue's recipe table): every committed
//! run of one experiment, its recipe spelled out — network, input, optimiser and schedule,
//! augmentation, updates, split — beside its scores. Runs that differ only in their training
//! seed are one row (mean ± standard deviation). Notebook 06 shows it for three classes; the
//! decisions not yet backed by a committed run are simply absent from it.

use super::class_metrics::{ClassMetrics, load_named_class_metrics};
use super::class_recipe::{ClassRunConfig, SplitBy};
use super::class_summary::MeanStd;
use super::optim::Optimizer;
use super::run_groups::group_by_key;
use super::schedule::Schedule;
use crate::data::pairs_h5::Experiment;
use crate::display::Table;
use crate::error::{Error, Result};
use std::path::Path;

/// "SGD 1e-2, 1 % decay per epoch", "AdamW (wd 0.01) 3e-3, one-cycle", ….
pub fn optimizer_label(cfg: &ClassRunConfig) -> String {
    let t = &cfg.train;
    let opt = match &t.optimizer {
        None => match t.momentum {
            Some(m) => format!("SGD, momentum {m}"),
            None => "SGD".to_string(),
        },
        Some(Optimizer::Sgd {
            momentum, nesterov, ..
        }) => match (momentum, nesterov) {
            (Some(m), true) => format!("SGD, Nesterov {m}"),
            (Some(m), false) => format!("SGD, momentum {m}"),
            (None, _) => "SGD".to_string(),
        },
        Some(Optimizer::Adam { .. }) => "Adam".to_string(),
        Some(Optimizer::AdamW { weight_decay, .. }) => format!("AdamW (wd {weight_decay})"),
    };
    let schedule = match &t.schedule {
        None | Some(Schedule::TimeDecay { .. }) => format!("inverse-time decay {}", t.decay),
        Some(Schedule::Constant) => "constant".to_string(),
        Some(Schedule::Plateau { .. }) => "reduce on plateau".to_string(),
        Some(Schedule::CosineWarmup { .. }) => "cosine with warm-up".to_string(),
        Some(Schedule::OneCycle { .. }) => "one-cycle".to_string(),
    };
    format!("{opt} {:.0e}, {schedule}", t.learning_rate)
}

/// "3 variants × 360 rotations × mirror", "none".
pub fn augmentation_label(cfg: &ClassRunConfig) -> String {
    let a = &cfg.augment;
    let rotations = 360 / a.rotation_step_deg.max(1) as usize;
    let mut parts = Vec::new();
    if a.variants.len() > 1 {
        parts.push(format!("{} variants", a.variants.len()));
    }
    if rotations > 1 {
        parts.push(format!("{rotations} rotations"));
    }
    if a.mirror {
        parts.push("mirror".to_string());
    }
    if parts.is_empty() {
        "none".to_string()
    } else {
        parts.join(" × ")
    }
}

/// The file and its folder ("sdss_mock/clean.h5" vs "sdss_mock_fixed136/clean.h5").
pub(crate) fn file_and_folder(path: &Path) -> String {
    path.iter()
        .rev()
        .take(2)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .map(|c| c.to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Every committed run of `experiment` under `root`, `root/compact`, `root/compact_long`,
/// `root/compact_wide` and `root/compact_wide_long` (a folder not there yet holds none), one row per recipe and training data file.
pub fn recipe_table(root: impl AsRef<Path>, experiment: Experiment) -> Result<Table> {
    if !experiment.is_classification() {
        return Err(Error::invalid(
            "experiment",
            experiment.name(),
            "recipes are compared for classification experiments",
        ));
    }
    let root = root.as_ref();
    let mut runs: Vec<(String, ClassMetrics)> = Vec::new();
    // Runs in a preset's folder are named with it ("compact_long/three-class_s0").
    for sub in [
        "",
        "compact",
        "compact_long",
        "compact_wide",
        "compact_wide_long",
    ] {
        runs.extend(
            load_named_class_metrics(root.join(sub))?
                .into_iter()
                .filter(|(_, m)| m.experiment == experiment.name())
                .map(|(n, m)| match sub {
                    "" => (n, m),
                    _ => (format!("{sub}/{n}"), m),
                }),
        );
    }
    // One group per recipe and data file: the configuration with the training seed zeroed and
    // subnormal flushing (rounding, not recipe) fixed, the file by its name and folder (one run
    // may have named it by an absolute path, another by a relative one) and its data seed.
    let groups = group_by_key(&runs, |(_, m)| {
        let mut cfg = m.config.clone();
        cfg.train.seed = 0;
        cfg.train.flush_subnormals = true;
        (cfg, file_and_folder(&m.data), m.data_seed)
    });
    let mut t = Table::new(
        format!(
            "{}: committed recipes and what they scored (mean ± standard deviation over training \
             seeds)",
            experiment.name()
        ),
        &[
            "runs",
            "training data",
            "network",
            "input",
            "optimiser, schedule",
            "augmentation of training images",
            "updates × batch",
            "split",
            "F1, all test images",
            "rejected",
            "training accuracy",
            "minutes",
        ],
    );
    for ((cfg, data, _), g) in &groups {
        let col = |f: &dyn Fn(&ClassMetrics) -> f64| {
            MeanStd::of(&g.iter().map(|(_, m)| f(m)).collect::<Vec<_>>())
        };
        let m0 = &g[0].1;
        let updates = m0.epochs_run * cfg.train.steps_per_epoch.unwrap_or(0);
        let train: Vec<f64> = g.iter().filter_map(|(_, m)| m.train_accuracy).collect();
        let rejected = col(&|m| m.rejected as f64 / m.n_test.max(1) as f64)?;
        t.push_row(&[
            g.iter()
                .map(|(n, _)| n.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            data.clone(),
            format!(
                "{} ×{} ({} k weights)",
                cfg.net.name(),
                cfg.width,
                m0.parameters / 1000
            ),
            format!("{0}×{0} of {1}×{1}", cfg.size, m0.source_size),
            optimizer_label(cfg),
            augmentation_label(cfg),
            if updates > 0 {
                format!("{updates} × {}", cfg.train.batch_size)
            } else {
                format!("{} epochs × {}", m0.epochs_run, cfg.train.batch_size)
            },
            match cfg.split_by {
                SplitBy::Simulation => "by simulation".into(),
                SplitBy::Image => "by image".into(),
            },
            col(&|m| m.f1_no_rejection)?.to_string(),
            if rejected.n > 1 {
                format!(
                    "{:.1} % ± {:.1}",
                    100.0 * rejected.mean,
                    100.0 * rejected.std
                )
            } else {
                format!("{:.1} %", 100.0 * rejected.mean)
            },
            MeanStd::of(&train).map_or("—".into(), |m| m.to_string()),
            format!("{:.0}", col(&|m| m.train_seconds / 60.0)?.mean),
        ])?;
    }
    Ok(t)
}
