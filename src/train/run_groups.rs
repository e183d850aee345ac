//! Committed runs grouped by recipe, in the order each recipe first appears: the step before
//! every mean ± standard deviation over training seeds (`q_summary`, `reg_summary`,
//! `recipe_comparison`).

use crate::error::{Error, Result};

/// Groups `runs` by `key` (runs with equal keys form one group), each group and the runs in it in
/// the order they first appear in `runs`.
pub fn group_by_key<'a, T, K: PartialEq>(
    runs: &'a [T],
    key: impl Fn(&T) -> K,
) -> Vec<(K, Vec<&'a T>)> {
    let mut groups: Vec<(K, Vec<&'a T>)> = Vec::new();
    for run in runs {
        let k = key(run);
        match groups.iter_mut().find(|(g, _)| *g == k) {
            Some((_, members)) => members.push(run),
            None => groups.push((k, vec![run])),
        }
    }
    groups
}

/// An error from `duplicate(earlier, later)` for the first two runs of one group that share a
/// training seed (`seed`): a mean over seeds would count that seed twice.
pub fn check_distinct_seeds<K, T>(
    groups: &[(K, Vec<&T>)],
    seed: impl Fn(&T) -> u64,
    duplicate: impl Fn(&T, &T) -> Error,
) -> Result<()> {
    for (_, members) in groups {
        for (j, later) in members.iter().enumerate() {
            if let Some(earlier) = members[..j].iter().find(|e| seed(e) == seed(later)) {
                return Err(duplicate(earlier, later));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (recipe, training seed, name)
    type Run = (&'static str, u64, &'static str);

    #[test]
    fn groups_keep_first_appearance_order() {
        let runs: Vec<Run> = vec![
            ("b", 0, "b0"),
            ("a", 0, "a0"),
            ("b", 1, "b1"),
            ("a", 2, "a2"),
        ];
        let groups = group_by_key(&runs, |r| r.0);
        let got: Vec<(&str, Vec<&str>)> = groups
            .iter()
            .map(|(k, rs)| (*k, rs.iter().map(|r| r.2).collect()))
            .collect();
        assert_eq!(got, vec![("b", vec!["b0", "b1"]), ("a", vec!["a0", "a2"])]);
        assert!(group_by_key(&[] as &[Run], |r| r.0).is_empty());
    }

    #[test]
    fn a_repeated_seed_within_a_group_is_an_error_naming_both_runs() {
        let dup =
            |a: &Run, b: &Run| Error::invalid("training seed", b.1, format!("{} and {}", a.2, b.2));
        // The same seed in two groups is fine.
        let runs: Vec<Run> = vec![("a", 0, "a0"), ("b", 0, "b0"), ("a", 1, "a1")];
        assert!(check_distinct_seeds(&group_by_key(&runs, |r| r.0), |r| r.1, dup).is_ok());
        let runs: Vec<Run> = vec![
            ("a", 0, "a0"),
            ("b", 0, "b0"),
            ("a", 1, "a1"),
            ("a", 0, "a0 again"),
        ];
        let e = check_distinct_seeds(&group_by_key(&runs, |r| r.0), |r| r.1, dup)
            .unwrap_err()
            .to_string();
        assert!(e.contains("a0 and a0 again"), "{e}");
    }
}
