//! ROC curve and area under it for two classes (seed 000 §6, case 1: "AUC is 0.96").
//!
//! The score of an image is the softmax probability of the positive class; sweeping a threshold
//! from high to low traces (false-positive rate, true-positive rate) from (0, 0) to (1, 1). Equal
//! scores are one step (a diagonal segment), so the trapezoidal area equals the Mann–Whitney
//! probability that a random positive outranks a random negative (ties count one half).

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// Points of a ROC curve and its area.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Roc {
    /// False-positive rates, starting at 0 and ending at 1.
    pub fpr: Vec<f64>,
    /// True-positive rates, same length as `fpr`.
    pub tpr: Vec<f64>,
    /// Score threshold of each point (`score ≥ threshold` is called positive); the first is +∞.
    pub thresholds: Vec<f64>,
    /// Area under the curve (trapezoidal).
    pub auc: f64,
}

/// The ROC curve of `scores` (higher = more positive) against the true labels `positive`.
/// Both classes must be present.
pub fn roc_curve(scores: &[f32], positive: &[bool]) -> Result<Roc> {
    if scores.len() != positive.len() {
        return Err(Error::invalid(
            "positive.len()",
            positive.len(),
            format!("must equal scores.len() = {}", scores.len()),
        ));
    }
    if let Some(i) = scores.iter().position(|s| !s.is_finite()) {
        return Err(Error::invalid(
            &format!("scores[{i}]"),
            scores[i],
            "must be finite",
        ));
    }
    let n_pos = positive.iter().filter(|&&p| p).count();
    let n_neg = positive.len() - n_pos;
    if n_pos == 0 || n_neg == 0 {
        return Err(Error::invalid(
            "positive",
            format!("{n_pos} positives, {n_neg} negatives"),
            "a ROC curve needs at least one example of each class",
        ));
    }
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    let (mut fpr, mut tpr, mut thresholds) = (vec![0.0], vec![0.0], vec![f64::INFINITY]);
    let (mut tp, mut fp) = (0usize, 0usize);
    let mut k = 0;
    while k < order.len() {
        let s = scores[order[k]];
        // One step for every run of equal scores.
        while k < order.len() && scores[order[k]] == s {
            if positive[order[k]] {
                tp += 1;
            } else {
                fp += 1;
            }
            k += 1;
        }
        fpr.push(fp as f64 / n_neg as f64);
        tpr.push(tp as f64 / n_pos as f64);
        thresholds.push(s as f64);
    }
    let auc = (1..fpr.len())
        .map(|i| (fpr[i] - fpr[i - 1]) * (tpr[i] + tpr[i - 1]) / 2.0)
        .sum();
    Ok(Roc {
        fpr,
        tpr,
        thresholds,
        auc,
    })
}

impl Roc {
    /// The ROC curve of two-class softmax output (row-major `[n, 2]`), with `positive_class`
    /// (0 or 1) as the positive label and its probability as the score.
    pub fn from_probs(probs: &[f32], truth: &[usize], positive_class: usize) -> Result<Roc> {
        let n = super::report::check_probs(probs, 2)?;
        if positive_class > 1 {
            return Err(Error::invalid(
                "positive_class",
                positive_class,
                "must be 0 or 1 for a two-class ROC curve",
            ));
        }
        if truth.len() != n {
            return Err(Error::invalid(
                "truth.len()",
                truth.len(),
                format!("must equal the number of probability rows ({n})"),
            ));
        }
        super::check_labels("truth", truth, 2)?;
        let scores: Vec<f32> = probs.chunks(2).map(|r| r[positive_class]).collect();
        let pos: Vec<bool> = truth.iter().map(|&t| t == positive_class).collect();
        roc_curve(&scores, &pos)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_matches_hand_count() {
        // scores 0.9 0.8 0.7 0.6 0.55 0.4, labels + + − + − −  (3 positives, 3 negatives).
        // Curve: (0,0) (0,1/3) (0,2/3) (1/3,2/3) (1/3,1) (2/3,1) (1,1).
        // Area: 1/3 · 2/3 + 2/3 · 1 = 2/9 + 6/9 = 8/9.
        // Mann–Whitney: 0.9 and 0.8 beat all 3 negatives, 0.6 beats 2 → 8 of 9 pairs.
        let roc = roc_curve(
            &[0.9, 0.8, 0.7, 0.6, 0.55, 0.4],
            &[true, true, false, true, false, false],
        )
        .unwrap();
        assert!((roc.auc - 8.0 / 9.0).abs() < 1e-12, "{}", roc.auc);
        assert_eq!(roc.fpr.len(), 7);
        assert_eq!((roc.fpr[3], roc.tpr[3]), (1.0 / 3.0, 2.0 / 3.0), "{roc:?}");
        assert_eq!(
            (*roc.fpr.last().unwrap(), *roc.tpr.last().unwrap()),
            (1.0, 1.0)
        );
    }

    #[test]
    fn ties_are_one_diagonal_step_and_perfect_is_one() {
        let tied = roc_curve(&[0.5, 0.5], &[true, false]).unwrap();
        assert_eq!(tied.fpr, vec![0.0, 1.0]);
        assert!((tied.auc - 0.5).abs() < 1e-12);
        // From two-class probabilities: class 1 positive, perfectly separated.
        let probs = [0.9f32, 0.1, 0.8, 0.2, 0.3, 0.7, 0.1, 0.9];
        let r = Roc::from_probs(&probs, &[0, 0, 1, 1], 1).unwrap();
        assert!((r.auc - 1.0).abs() < 1e-12);
        // Class 0 as positive gives the same separation.
        let r0 = Roc::from_probs(&probs, &[0, 0, 1, 1], 0).unwrap();
        assert!((r0.auc - 1.0).abs() < 1e-12);
    }

    #[test]
    fn bad_inputs_are_errors() {
        assert!(roc_curve(&[0.1, 0.2], &[true, true]).is_err());
        let e = roc_curve(&[0.1, f32::NAN], &[true, false]).unwrap_err();
        assert!(e.to_string().contains("scores[1]"), "{e}");
        assert!(roc_curve(&[0.1], &[true, false]).is_err());
        assert!(Roc::from_probs(&[0.5, 0.5], &[0], 2).is_err());
        assert!(Roc::from_probs(&[0.5, 0.5], &[0, 1], 1).is_err());
    }
}
