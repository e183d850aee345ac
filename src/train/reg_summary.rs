//! The θ and joint (i, |θ|) regressions over training seeds: committed runs of one recipe that
//! differ only in their training seed, reduced per target to mean ± standard deviation (the
//! headline numbers notebook 08 and the README quote). Whether subnormal numbers were flushed to
//! zero (`flush_subnormals`) changes rounding, not the recipe, so runs that differ only there
//! count as one recipe; runs on another data file or data seed stay apart.

use super::class_summary::MeanStd;
use super::recipe_comparison::file_and_folder;
use super::run_groups::{check_distinct_seeds, group_by_key};
use super::theta_experiment::{RegMetrics, RegRunConfig, TargetMetrics, load_reg_metrics_dir};
use crate::display::Table;
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// One target of one recipe over its training seeds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegTargetSummary {
    /// Target name (`i`, `|theta|`, `theta`).
    pub target: String,
    /// Test RMSE in degrees.
    pub test_rmse_deg: MeanStd,
    /// Test MSE on the scaled target (angle/90)².
    pub test_mse_scaled: MeanStd,
    /// Training MSE on the scaled target.
    pub train_mse_scaled: MeanStd,
    /// Fractions of test images within 1σ and 2σ, raw σ (Gaussian heads; `None` otherwise).
    pub within: Option<[MeanStd; 2]>,
    /// The same with σ scaled to cover 68.27 % of the validation set (where every run has it).
    pub within_coverage_scaled: Option<[MeanStd; 2]>,
}

/// One regression recipe over its training seeds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegSummary {
    /// The first run's name (its file name without `.json`), standing for the group.
    pub name: String,
    /// The recipe, with training seed 0 and flushing on standing for all runs.
    pub recipe: RegRunConfig,
    /// Training seeds of the runs, in file order.
    pub seeds: Vec<u64>,
    /// Per target, in the runs' target order.
    pub targets: Vec<RegTargetSummary>,
    /// Training wall time in minutes.
    pub train_minutes: MeanStd,
}

/// The recipe of `config` with what does not define it (training seed, subnormal flushing) set
/// to fixed values: two runs of one recipe give equal values.
pub fn reg_recipe_of(config: &RegRunConfig) -> RegRunConfig {
    let mut r = config.clone();
    r.train.seed = 0;
    r.train.flush_subnormals = true;
    r
}

/// Groups named `runs` by (recipe, data file — by its name and folder —, data seed) and reduces
/// each group, in the order each group first appears. Two runs of one recipe with the same
/// training seed are an error naming the seed (the mean would count it twice); runs of one
/// recipe with different targets are an error naming both runs.
pub fn summarize_reg(runs: &[(String, RegMetrics)]) -> Result<Vec<RegSummary>> {
    let groups = group_by_key(runs, |(_, m)| {
        (
            reg_recipe_of(&m.config),
            file_and_folder(&m.data),
            m.data_seed,
        )
    });
    check_distinct_seeds(
        &groups,
        |r| r.1.config.train.seed,
        |other, run| {
            Error::invalid(
                "training seed",
                run.1.config.train.seed,
                format!(
                    "runs {} and {} of one recipe share it (the mean would count it twice)",
                    other.0, run.0
                ),
            )
        },
    )?;
    let names =
        |x: &RegMetrics| -> Vec<String> { x.targets.iter().map(|t| t.target.clone()).collect() };
    for (_, rs) in &groups {
        if let Some(run) = rs.iter().find(|r| names(&r.1) != names(&rs[0].1)) {
            return Err(Error::invalid(
                "targets",
                format!("{:?}", names(&run.1)),
                format!(
                    "run {} differs from run {} ({:?})",
                    run.0,
                    rs[0].0,
                    names(&rs[0].1)
                ),
            ));
        }
    }
    groups
        .into_iter()
        .map(|((recipe, _, _), rs)| {
            let col = |f: &dyn Fn(&RegMetrics) -> f64| -> Result<MeanStd> {
                MeanStd::of(&rs.iter().map(|r| f(&r.1)).collect::<Vec<_>>())
            };
            let targets = (0..rs[0].1.targets.len())
                .map(|k| {
                    let per = |f: &dyn Fn(&TargetMetrics) -> f64| col(&|m| f(&m.targets[k]));
                    // A pair of fractions where every run of the group has it.
                    let pair = |f: &dyn Fn(&TargetMetrics) -> Option<[f64; 2]>| -> Result<Option<[MeanStd; 2]>> {
                        let got: Option<Vec<[f64; 2]>> =
                            rs.iter().map(|r| f(&r.1.targets[k])).collect();
                        got.map(|v| {
                            Ok([
                                MeanStd::of(&v.iter().map(|p| p[0]).collect::<Vec<_>>())?,
                                MeanStd::of(&v.iter().map(|p| p[1]).collect::<Vec<_>>())?,
                            ])
                        })
                        .transpose()
                    };
                    Ok(RegTargetSummary {
                        target: rs[0].1.targets[k].target.clone(),
                        test_rmse_deg: per(&|t| t.test_rmse_deg)?,
                        test_mse_scaled: per(&|t| t.test_mse_scaled)?,
                        train_mse_scaled: per(&|t| t.train_mse_scaled)?,
                        within: pair(&|t| t.within_1sigma.zip(t.within_2sigma).map(|(a, b)| [a, b]))?,
                        within_coverage_scaled: pair(&|t| t.within_coverage_scaled)?,
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            Ok(RegSummary {
                name: rs[0].0.clone(),
                recipe,
                seeds: rs.iter().map(|r| r.1.config.train.seed).collect(),
                targets,
                train_minutes: col(&|m| m.train_seconds / 60.0)?,
            })
        })
        .collect()
}

/// [`summarize_reg`] of every regression metrics JSON in `dir` (files of other kinds are
/// skipped), in file-name order.
pub fn load_reg_summaries(dir: impl AsRef<Path>) -> Result<Vec<RegSummary>> {
    summarize_reg(&load_reg_metrics_dir(dir)?)
}

/// A pair of fractions (within 1σ / 2σ) as percentages; empty where the runs have none.
fn percents(p: &Option<[MeanStd; 2]>) -> String {
    p.as_ref()
        .map(|[a, b]| format!("{} / {} %", a.percent(), b.percent()))
        .unwrap_or_default()
}

/// The summaries as a table, one row per recipe and target: the runs' name and network, the
/// training seeds, test RMSE, test and training MSE, and coverage, each mean ± standard
/// deviation over the seeds.
pub fn reg_summary_table(title: &str, rows: &[RegSummary]) -> Result<Table> {
    let mut t = Table::new(
        title,
        &[
            "runs (first of the group)",
            "network",
            "training seeds",
            "target",
            "test RMSE [deg]",
            "test MSE (angle/90)²",
            "training MSE (angle/90)²",
            "within 1σ / 2σ, raw",
            "within 1σ / 2σ, σ scaled on validation",
            "minutes per run",
        ],
    );
    for s in rows {
        for x in &s.targets {
            t.push_row(&[
                s.name.clone(),
                format!("{} (width {})", s.recipe.net.name(), s.recipe.width),
                s.seeds
                    .iter()
                    .map(|v| v.to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
                x.target.clone(),
                x.test_rmse_deg.fixed(2),
                x.test_mse_scaled.sci(),
                x.train_mse_scaled.sci(),
                percents(&x.within),
                percents(&x.within_coverage_scaled),
                format!("{:.0}", s.train_minutes.mean),
            ])?;
        }
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn committed(name: &str) -> (String, RegMetrics) {
        let text = std::fs::read_to_string(format!("results/theta/{name}.json")).unwrap();
        (name.to_string(), serde_json::from_str(&text).unwrap())
    }

    #[test]
    fn seeds_of_one_recipe_reduce_to_mean_and_sample_sd_per_target() {
        let a = committed("joint_compact_s0");
        let mut b = a.clone();
        b.0 = "b".into();
        b.1.config.train.seed = 7;
        b.1.config.train.flush_subnormals = !a.1.config.train.flush_subnormals; // rounding only
        b.1.data = std::env::current_dir().unwrap().join(&a.1.data); // a resumed run's path
        b.1.targets[0].test_rmse_deg = a.1.targets[0].test_rmse_deg + 2.0;
        b.1.targets[1].within_coverage_scaled = None;
        let s = summarize_reg(&[a.clone(), b]).unwrap();
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].seeds, vec![0, 7]);
        assert_eq!(s[0].name, "joint_compact_s0");
        let i = &s[0].targets[0];
        assert!((i.test_rmse_deg.mean - (a.1.targets[0].test_rmse_deg + 1.0)).abs() < 1e-12);
        assert!((i.test_rmse_deg.std - 2f64.sqrt()).abs() < 1e-12);
        // One run without the scaled coverage: the group has none for that target.
        assert!(s[0].targets[1].within_coverage_scaled.is_none());
        assert!(i.within_coverage_scaled.is_some());
    }

    #[test]
    fn other_recipes_data_or_duplicate_seeds_stay_apart_or_fail() {
        let a = committed("joint_compact_s0");
        let long = committed("joint_compact_long_s0");
        let mut other_data = a.clone();
        other_data.0 = "other".into();
        other_data.1.config.train.seed = 1;
        other_data.1.data_seed += 1;
        let s = summarize_reg(&[a.clone(), long, other_data, committed("paper_theta")]).unwrap();
        assert_eq!(s.len(), 4);
        let mut twin = a.clone();
        twin.0 = "twin".into();
        let e = summarize_reg(&[a.clone(), twin]).unwrap_err().to_string();
        assert!(e.contains("training seed") && e.contains("twin"), "{e}");
        let mut fewer = a.clone();
        fewer.0 = "fewer".into();
        fewer.1.config.train.seed = 3;
        fewer.1.targets.pop();
        let e = summarize_reg(&[a, fewer]).unwrap_err().to_string();
        assert!(e.contains("targets") && e.contains("fewer"), "{e}");
    }

    #[test]
    fn the_committed_joint_compact_runs_form_one_row_of_three_seeds() {
        let s = load_reg_summaries("results/theta").unwrap();
        let g = s.iter().find(|g| g.name == "joint_compact_s0").unwrap();
        assert_eq!(g.seeds, vec![0, 1, 2]);
        let t = reg_summary_table("t", &s).unwrap();
        let row = t.rows.iter().find(|r| r[0] == "joint_compact_s0").unwrap();
        assert!(row[4].contains(" ± "), "{row:?}");
    }
}
