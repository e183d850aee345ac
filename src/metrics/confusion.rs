//! The confusion matrix and the scores read from it (seed 000 Eqs 3–5, Tables 6, 8, 10).
//!
//! Conventions (those of scikit-learn's `classification_report`, which the seed's tables follow):
//! rows are the true class, columns the predicted class; precision = TP/(TP+FP), recall =
//! TP/(TP+FN), F1 = 2PR/(P+R); a ratio with a zero denominator is 0; the "Overall" row averages
//! each score weighted by the class support (number of true members).

use super::check_labels;
use crate::display::Table;
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// Counts of (true class, predicted class) pairs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfusionMatrix {
    /// Number of classes.
    pub n_classes: usize,
    /// Row-major `n_classes × n_classes` counts: `counts[t * n_classes + p]`.
    pub counts: Vec<u64>,
}

/// Precision, recall, F1 and support of one class (or their weighted average).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ClassScores {
    /// TP / (TP + FP); 0 when the class was never predicted.
    pub precision: f64,
    /// TP / (TP + FN); 0 when the class has no members.
    pub recall: f64,
    /// Harmonic mean of precision and recall; 0 when both are 0.
    pub f1: f64,
    /// Number of true members (for the overall row: all examples).
    pub support: u64,
}

fn ratio(num: u64, den: u64) -> f64 {
    if den == 0 {
        0.0
    } else {
        num as f64 / den as f64
    }
}

impl ConfusionMatrix {
    /// Counts the pairs `(truth[i], predicted[i])`.
    pub fn new(truth: &[usize], predicted: &[usize], n_classes: usize) -> Result<Self> {
        if truth.len() != predicted.len() {
            return Err(Error::invalid(
                "predicted.len()",
                predicted.len(),
                format!("must equal truth.len() = {}", truth.len()),
            ));
        }
        check_labels("truth", truth, n_classes)?;
        check_labels("predicted", predicted, n_classes)?;
        let mut counts = vec![0u64; n_classes * n_classes];
        for (&t, &p) in truth.iter().zip(predicted) {
            counts[t * n_classes + p] += 1;
        }
        Ok(ConfusionMatrix { n_classes, counts })
    }

    /// Examples of true class `t` predicted as `p` (0 outside the matrix).
    pub fn get(&self, t: usize, p: usize) -> u64 {
        if t < self.n_classes && p < self.n_classes {
            self.counts[t * self.n_classes + p]
        } else {
            0
        }
    }

    /// Number of examples counted.
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// Fraction on the diagonal (0 for an empty matrix).
    pub fn accuracy(&self) -> f64 {
        ratio(
            (0..self.n_classes).map(|c| self.get(c, c)).sum(),
            self.total(),
        )
    }

    /// Scores of class `c`; an out-of-range class is an error.
    pub fn scores(&self, c: usize) -> Result<ClassScores> {
        if c >= self.n_classes {
            return Err(Error::invalid(
                "class",
                c,
                format!("must be below n_classes = {}", self.n_classes),
            ));
        }
        let tp = self.get(c, c);
        let predicted: u64 = (0..self.n_classes).map(|t| self.get(t, c)).sum();
        let support: u64 = (0..self.n_classes).map(|p| self.get(c, p)).sum();
        let precision = ratio(tp, predicted);
        let recall = ratio(tp, support);
        let f1 = if precision + recall > 0.0 {
            2.0 * precision * recall / (precision + recall)
        } else {
            0.0
        };
        Ok(ClassScores {
            precision,
            recall,
            f1,
            support,
        })
    }

    /// Scores of every class, in class order.
    pub fn per_class(&self) -> Vec<ClassScores> {
        (0..self.n_classes)
            .filter_map(|c| self.scores(c).ok())
            .collect()
    }

    /// The support-weighted average of the per-class scores (the seed's "Overall" row); its
    /// support is the total count.
    pub fn weighted(&self) -> ClassScores {
        let per = self.per_class();
        let total = self.total();
        let w = |f: fn(&ClassScores) -> f64| {
            if total == 0 {
                0.0
            } else {
                per.iter().map(|s| f(s) * s.support as f64).sum::<f64>() / total as f64
            }
        };
        ClassScores {
            precision: w(|s| s.precision),
            recall: w(|s| s.recall),
            f1: w(|s| s.f1),
            support: total,
        }
    }

    /// Each row divided by its sum (rows with no members stay 0).
    pub fn row_normalised(&self) -> Vec<f64> {
        let n = self.n_classes;
        let mut out = vec![0.0; n * n];
        for t in 0..n {
            let row: u64 = (0..n).map(|p| self.get(t, p)).sum();
            for p in 0..n {
                out[t * n + p] = ratio(self.get(t, p), row);
            }
        }
        out
    }

    /// The counts as a table: one row per true class, one column per predicted class.
    pub fn to_table(&self, class_names: &[String]) -> Result<Table> {
        check_names(class_names, self.n_classes)?;
        let mut cols = vec!["true \\ predicted".to_string()];
        cols.extend(class_names.iter().cloned());
        let mut t = Table {
            title: "Confusion matrix (rows: true class, columns: predicted class)".into(),
            columns: cols,
            rows: Vec::new(),
        };
        for (c, name) in class_names.iter().enumerate() {
            let mut row = vec![name.clone()];
            row.extend((0..self.n_classes).map(|p| self.get(c, p).to_string()));
            t.push_row(&row)?;
        }
        Ok(t)
    }
}

/// Checks that there is one name per class.
pub(crate) fn check_names(class_names: &[String], n_classes: usize) -> Result<()> {
    if class_names.len() != n_classes {
        return Err(Error::invalid(
            "class_names.len()",
            class_names.len(),
            format!("need one name per class ({n_classes})"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_class_scores_match_hand_arithmetic() {
        // truth:      0 0 0 0 1 1 1 2 2 2
        // predicted:  0 0 0 1 1 1 2 2 2 0
        let truth = [0, 0, 0, 0, 1, 1, 1, 2, 2, 2];
        let pred = [0, 0, 0, 1, 1, 1, 2, 2, 2, 0];
        let m = ConfusionMatrix::new(&truth, &pred, 3).unwrap();
        // rows = truth: [3 1 0; 0 2 1; 1 0 2]
        assert_eq!(m.counts, vec![3, 1, 0, 0, 2, 1, 1, 0, 2]);
        assert_eq!(m.total(), 10);
        assert!((m.accuracy() - 7.0 / 10.0).abs() < 1e-12);
        // class 0: TP 3, predicted 0 four times (3 + 1 from class 2), support 4.
        let s0 = m.scores(0).unwrap();
        assert!((s0.precision - 3.0 / 4.0).abs() < 1e-12);
        assert!((s0.recall - 3.0 / 4.0).abs() < 1e-12);
        assert!((s0.f1 - 0.75).abs() < 1e-12);
        // class 1: TP 2, predicted 3 times, support 3 → P = R = 2/3.
        let s1 = m.scores(1).unwrap();
        assert!((s1.precision - 2.0 / 3.0).abs() < 1e-12);
        assert!((s1.recall - 2.0 / 3.0).abs() < 1e-12);
        // class 2: TP 2, predicted 3 times, support 3.
        let s2 = m.scores(2).unwrap();
        assert!((s2.f1 - 2.0 / 3.0).abs() < 1e-12);
        // weighted F1 = (4·0.75 + 3·2/3 + 3·2/3) / 10 = (3 + 2 + 2)/10 = 0.7.
        let w = m.weighted();
        assert!((w.f1 - 0.7).abs() < 1e-12, "{w:?}");
        assert_eq!(w.support, 10);
        assert!(m.scores(3).is_err());
    }

    #[test]
    fn never_predicted_class_has_zero_precision_not_nan() {
        // Everything predicted as class 0: class 1 has precision 0/0 → 0, recall 0/2 = 0.
        let m = ConfusionMatrix::new(&[0, 0, 1, 1], &[0, 0, 0, 0], 2).unwrap();
        let s1 = m.scores(1).unwrap();
        assert_eq!((s1.precision, s1.recall, s1.f1), (0.0, 0.0, 0.0));
        // class 0: P = 2/4, R = 2/2, F1 = 2·0.5·1/1.5 = 2/3.
        let s0 = m.scores(0).unwrap();
        assert!((s0.f1 - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(m.row_normalised(), vec![1.0, 0.0, 1.0, 0.0]);
    }

    #[test]
    fn bad_labels_are_named() {
        let e = ConfusionMatrix::new(&[0, 2], &[0, 1], 2).unwrap_err();
        assert!(
            e.to_string().contains("truth[1]") && e.to_string().contains('2'),
            "{e}"
        );
        assert!(ConfusionMatrix::new(&[0], &[0, 1], 2).is_err());
        assert!(ConfusionMatrix::new(&[0], &[0], 1).is_err());
        let m = ConfusionMatrix::new(&[0, 1], &[0, 1], 2).unwrap();
        assert!(m.to_table(&["a".into()]).is_err());
        let t = m.to_table(&["a".into(), "b".into()]).unwrap();
        assert_eq!(t.rows, vec![vec!["a", "1", "0"], vec!["b", "0", "1"]]);
    }
}
