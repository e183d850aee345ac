//! Seed 001 Table 1 over training seeds: committed q runs of one recipe that differ only in their
//! training seed, reduced to mean ± standard deviation beside the thesis's NLL. How the
//! convolutions were computed (the `first_conv` / `later_convs` fields of runs saved before stop
//! 48, no longer read) and whether subnormal numbers were flushed to zero (`flush_subnormals`)
//! change rounding, not the recipe, so runs that differ only there count as one recipe. Notebook
//! 02 and the README quote these.

use super::class_summary::MeanStd;
use super::q_experiment::{QMetrics, QRunConfig, load_metrics_dir};
use super::recipe_comparison::file_and_folder;
use super::run_groups::{check_distinct_seeds, group_by_key};
use crate::display::Table;
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// One q recipe (mode and settings) over its training seeds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QSummary {
    /// Mode as written on the command line.
    pub mode: String,
    /// The recipe, with training seed 0 standing for all runs.
    pub recipe: QRunConfig,
    /// Training seeds of the runs, in file order.
    pub seeds: Vec<u64>,
    /// Test NLL.
    pub test_nll: MeanStd,
    /// The thesis's Table 1 NLL for this mode (None: a mode beyond the thesis).
    pub paper_nll: Option<f64>,
    /// Mean squared error of μ on the test set.
    pub test_mse: MeanStd,
    /// Fraction of test galaxies within 1σ.
    pub within_1sigma: MeanStd,
    /// Fraction of test galaxies within 2σ.
    pub within_2sigma: MeanStd,
    /// Training wall time in minutes.
    pub train_minutes: MeanStd,
}

/// The recipe of `config` with what does not define it (training seed, subnormal flushing) set
/// to fixed values: two runs of one recipe give equal values. (Runs saved before stop 48 also
/// name how their convolutions were computed, `first_conv` / `later_convs`: rounding, not
/// recipe, and no longer read.)
pub fn recipe_of(config: &QRunConfig) -> QRunConfig {
    let mut r = config.clone();
    r.train.seed = 0;
    r.train.flush_subnormals = true;
    r
}

/// The settings that tell two recipes of one mode apart, in words.
pub fn recipe_label(r: &QRunConfig) -> String {
    let plateau = r
        .train
        .plateau
        .map(|p| format!("LR halved after {}", p.patience))
        .unwrap_or_else(|| "constant LR".into());
    let decay = r
        .train
        .weight_decay
        .map(|w| format!("weight decay {w:e}"))
        .unwrap_or_else(|| "no weight decay".into());
    let norm = if r.per_image_norm {
        ", per-image normalisation"
    } else {
        ""
    };
    let phase = r
        .refit
        .map(|p| format!(", then {} epochs without dropout", p.epochs))
        .unwrap_or_default();
    format!("{} epochs, {plateau}, {decay}{norm}{phase}", r.train.epochs)
}

/// Groups `runs` by (mode, data file — by its name and folder, as a resumed run names it by an
/// absolute path —, data seed, recipe) and reduces each group, in the order
/// each group first appears. Two runs of one recipe with the same training seed are an error
/// naming the seed (the mean would count it twice).
pub fn summarize_q(runs: &[QMetrics]) -> Result<Vec<QSummary>> {
    let groups = group_by_key(runs, |m| {
        (recipe_of(&m.config), file_and_folder(&m.data), m.data_seed)
    });
    check_distinct_seeds(
        &groups,
        |m| m.config.train.seed,
        |_, m| {
            Error::invalid(
                "training seed",
                m.config.train.seed,
                format!(
                    "two committed {} runs of one recipe ({}) share it",
                    m.mode,
                    recipe_label(&recipe_of(&m.config))
                ),
            )
        },
    )?;
    groups
        .into_iter()
        .map(|((recipe, _, _), rs)| {
            let col = |f: &dyn Fn(&QMetrics) -> f64| -> Result<MeanStd> {
                MeanStd::of(&rs.iter().map(|m| f(m)).collect::<Vec<_>>())
            };
            Ok(QSummary {
                mode: rs[0].mode.clone(),
                recipe,
                seeds: rs.iter().map(|m| m.config.train.seed).collect(),
                test_nll: col(&|m| m.test_nll)?,
                paper_nll: rs[0].paper_nll,
                test_mse: col(&|m| m.test_mse)?,
                within_1sigma: col(&|m| m.within_1sigma)?,
                within_2sigma: col(&|m| m.within_2sigma)?,
                train_minutes: col(&|m| m.train_seconds / 60.0)?,
            })
        })
        .collect()
}

/// [`summarize_q`] of every q metrics JSON in `dir` (files of other kinds are skipped).
pub fn load_q_summaries(dir: impl AsRef<Path>) -> Result<Vec<QSummary>> {
    summarize_q(&load_metrics_dir(dir)?)
}

/// The summaries as a table, one row per recipe, the thesis's NLL beside ours.
pub fn q_summary_table(title: &str, rows: &[QSummary]) -> Result<Table> {
    let mut t = Table::new(
        title,
        &[
            "mode",
            "recipe",
            "training seeds",
            "galaxy-lab test NLL",
            "thesis NLL",
            "MSE of μ",
            "within 1σ",
            "within 2σ",
            "minutes per run",
        ],
    );
    for s in rows {
        t.push_row(&[
            s.mode.clone(),
            recipe_label(&s.recipe),
            s.seeds
                .iter()
                .map(|v| v.to_string())
                .collect::<Vec<_>>()
                .join(", "),
            s.test_nll.to_string(),
            s.paper_nll.map(|v| format!("{v:.3}")).unwrap_or_default(),
            s.test_mse.sci(),
            format!("{} %", s.within_1sigma.percent()),
            format!("{} %", s.within_2sigma.percent()),
            format!("{:.0}", s.train_minutes.mean),
        ])?;
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn committed(name: &str) -> QMetrics {
        let text = std::fs::read_to_string(format!("results/q_inference/{name}.json")).unwrap();
        serde_json::from_str(&text).unwrap()
    }

    #[test]
    fn seeds_of_one_recipe_reduce_to_mean_and_sample_sd() {
        let a = committed("incl_60");
        let mut b = a.clone();
        b.config.train.seed = 1;
        b.test_nll = a.test_nll + 0.2;
        let mut c = a.clone();
        c.config.train.seed = 2;
        c.config.train.flush_subnormals = !a.config.train.flush_subnormals; // rounding too
        c.data = std::env::current_dir().unwrap().join(&a.data); // a resumed run's absolute path
        c.test_nll = a.test_nll - 0.2;
        let s = summarize_q(&[a.clone(), b, c]).unwrap();
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].seeds, vec![0, 1, 2]);
        assert!((s[0].test_nll.mean - a.test_nll).abs() < 1e-12);
        assert!((s[0].test_nll.std - 0.2).abs() < 1e-12);
        assert_eq!(s[0].paper_nll, a.paper_nll);
    }

    #[test]
    fn other_settings_or_modes_stay_apart() {
        let a = committed("incl_60");
        let mut other = a.clone();
        other.config.train.weight_decay = Some(1e-4);
        other.config.train.seed = 1;
        let s = summarize_q(&[a, other, committed("random"), committed("random_refit")]).unwrap();
        assert_eq!(s.len(), 4);
        assert!(s.iter().all(|g| g.seeds.len() == 1));
        assert!(recipe_label(&s[3].recipe).contains("without dropout"));
    }

    #[test]
    fn a_repeated_seed_is_an_error_naming_it() {
        let a = committed("incl_60");
        let e = summarize_q(&[a.clone(), a]).unwrap_err().to_string();
        assert!(e.contains("training seed") && e.contains('0'), "{e}");
    }

    #[test]
    fn the_committed_runs_give_one_row_per_recipe() {
        let s = load_q_summaries("results/q_inference").unwrap();
        let files = load_metrics_dir("results/q_inference").unwrap();
        assert!(!s.is_empty());
        assert_eq!(s.iter().map(|g| g.seeds.len()).sum::<usize>(), files.len());
        let t = q_summary_table("Table 1", &s).unwrap();
        assert!(t.to_string().contains("incl:60"));
        // Table 1's six columns with the table1 recipe, each over training seeds 0, 1, 2.
        for mode in ["four", "incl:0", "incl:30", "incl:60", "incl:90", "random"] {
            let rows: Vec<_> = s
                .iter()
                .filter(|g| g.mode == mode && g.recipe.refit.is_none())
                .collect();
            assert_eq!(rows.len(), 1, "{mode}: one row");
            assert_eq!(rows[0].seeds, vec![0, 1, 2], "{mode}");
        }
    }
}
