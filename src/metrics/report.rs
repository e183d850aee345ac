//! From softmax outputs to the seed's tables: the predicted class (highest probability), the
//! rejection rule of §6 ("if the highest probability in the Softmax layer is less than the
//! rejection threshold, the input image is rejected": 80 % for 2 and 3 classes, 70 % for 9), the
//! per-class rejection counts (Tables 7, 9, 11), and precision/recall/F1/support of the images
//! that were kept (Tables 6, 8, 10), whose confusion matrix is Figs 4–6.
//!
//! The seed's tables obey this arithmetic: a class's "Total" in Table 6 is its test count in
//! Table 1 minus its rejections in Table 7 (486 − 8 = 478, 456 − 17 = 439), so the scores are
//! computed on the kept images only — which is what [`classification_report`] does.

use super::check_labels;
use super::confusion::{ClassScores, ConfusionMatrix, check_names};
use crate::display::Table;
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// Images below which a score is noise: score tables show counts but no precision, recall or
/// F1, and confusion figures leave out the row shares.
pub const MIN_KEPT_FOR_SCORES: usize = 50;

/// Checks a row-major `[n, n_classes]` probability buffer: its length, finiteness, values in
/// [0, 1] and rows summing to 1 (within 1e-3; logits are not probabilities). Returns `n`.
pub(crate) fn check_probs(probs: &[f32], n_classes: usize) -> Result<usize> {
    crate::error::check_size("n_classes", n_classes, 2)?;
    if probs.is_empty() || !probs.len().is_multiple_of(n_classes) {
        return Err(Error::invalid(
            "probs.len()",
            probs.len(),
            format!("must be a positive multiple of n_classes = {n_classes}"),
        ));
    }
    if let Some(i) = probs
        .iter()
        .position(|p| !p.is_finite() || *p < 0.0 || *p > 1.0 + 1e-6)
    {
        return Err(Error::invalid(
            &format!("probs[{i}]"),
            probs[i],
            "must be a probability in [0, 1]",
        ));
    }
    for (r, row) in probs.chunks(n_classes).enumerate() {
        let s: f32 = row.iter().sum();
        if (s - 1.0).abs() > 1e-3 {
            return Err(Error::invalid(
                &format!("sum of probs row {r}"),
                s,
                "must be 1 (pass softmax probabilities, not logits)",
            ));
        }
    }
    Ok(probs.len() / n_classes)
}

fn check_threshold(threshold: f64) -> Result<f64> {
    if !(threshold.is_finite() && threshold > 0.0 && threshold <= 1.0) {
        return Err(Error::invalid(
            "threshold",
            threshold,
            "must lie in (0, 1] (the seed uses 0.8 for 2 and 3 classes, 0.7 for 9)",
        ));
    }
    Ok(threshold)
}

/// The class with the highest probability in each row of a row-major `[n, n_classes]` buffer
/// (the first one on ties).
pub fn argmax_rows(probs: &[f32], n_classes: usize) -> Result<Vec<usize>> {
    check_probs(probs, n_classes)?;
    Ok(probs
        .chunks(n_classes)
        .map(|row| {
            let mut best = 0;
            for (c, &p) in row.iter().enumerate() {
                if p > row[best] {
                    best = c;
                }
            }
            best
        })
        .collect())
}

/// Which examples the rejection rule keeps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rejection {
    /// The threshold on the top probability (kept when top probability ≥ threshold).
    pub threshold: f64,
    /// Indices of kept examples, ascending.
    pub kept: Vec<usize>,
    /// Indices of rejected examples, ascending.
    pub rejected: Vec<usize>,
    /// Rejections per true class (Tables 7, 9, 11).
    pub rejected_per_class: Vec<u64>,
}

/// Applies the seed's rejection rule: example `i` is rejected when its highest probability is
/// below `threshold`.
pub fn reject(
    probs: &[f32],
    truth: &[usize],
    n_classes: usize,
    threshold: f64,
) -> Result<Rejection> {
    let threshold = check_threshold(threshold)?;
    let n = check_probs(probs, n_classes)?;
    if truth.len() != n {
        return Err(Error::invalid(
            "truth.len()",
            truth.len(),
            format!("must equal the number of probability rows ({n})"),
        ));
    }
    check_labels("truth", truth, n_classes)?;
    let mut out = Rejection {
        threshold,
        kept: Vec::new(),
        rejected: Vec::new(),
        rejected_per_class: vec![0; n_classes],
    };
    for (i, row) in probs.chunks(n_classes).enumerate() {
        let top = row.iter().cloned().fold(f32::NEG_INFINITY, f32::max) as f64;
        if top >= threshold {
            out.kept.push(i);
        } else {
            out.rejected.push(i);
            out.rejected_per_class[truth[i]] += 1;
        }
    }
    Ok(out)
}

/// Everything the seed reports for one classification experiment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassificationReport {
    /// Class names, in class order.
    pub class_names: Vec<String>,
    /// Examples evaluated (before rejection).
    pub n_examples: usize,
    /// The rejection applied (threshold and counts); `None`: every example kept.
    pub rejection: Option<Rejection>,
    /// Confusion matrix of the kept examples.
    pub confusion: ConfusionMatrix,
    /// Per-class scores of the kept examples.
    pub per_class: Vec<ClassScores>,
    /// Support-weighted average ("Overall").
    pub overall: ClassScores,
    /// Accuracy of the kept examples.
    pub accuracy: f64,
}

/// Predicted classes, rejection (when `threshold` is given), confusion matrix and scores of the
/// kept examples. `probs` is row-major `[n, class_names.len()]` softmax output.
pub fn classification_report(
    probs: &[f32],
    truth: &[usize],
    class_names: &[String],
    threshold: Option<f64>,
) -> Result<ClassificationReport> {
    let k = class_names.len();
    crate::error::check_size("class_names.len()", k, 2)?;
    let pred = argmax_rows(probs, k)?;
    if truth.len() != pred.len() {
        return Err(Error::invalid(
            "truth.len()",
            truth.len(),
            format!("must equal the number of probability rows ({})", pred.len()),
        ));
    }
    check_labels("truth", truth, k)?;
    let rejection = match threshold {
        Some(t) => Some(reject(probs, truth, k, t)?),
        None => None,
    };
    let kept: Vec<usize> = match &rejection {
        Some(r) => r.kept.clone(),
        None => (0..truth.len()).collect(),
    };
    let t: Vec<usize> = kept.iter().map(|&i| truth[i]).collect();
    let p: Vec<usize> = kept.iter().map(|&i| pred[i]).collect();
    let confusion = ConfusionMatrix::new(&t, &p, k)?;
    Ok(ClassificationReport {
        class_names: class_names.to_vec(),
        n_examples: truth.len(),
        rejection,
        per_class: confusion.per_class(),
        overall: confusion.weighted(),
        accuracy: confusion.accuracy(),
        confusion,
    })
}

impl ClassificationReport {
    /// Precision, recall, F1 and support per class and overall, like Tables 6, 8, 10 (scores
    /// as fractions with two decimals, as the seed prints them).
    pub fn scores_table(&self) -> Table {
        let title = match &self.rejection {
            Some(r) => format!(
                "Precision, recall and F1 of the {} kept test images (rejection threshold {:.0} %)",
                self.overall.support,
                100.0 * r.threshold
            ),
            None => format!(
                "Precision, recall and F1 of {} test images",
                self.n_examples
            ),
        };
        let mut t = Table::new(title, &["class", "precision", "recall", "F1", "total"]);
        let row = |name: &str, s: &ClassScores| {
            vec![
                name.to_string(),
                format!("{:.2}", s.precision),
                format!("{:.2}", s.recall),
                format!("{:.2}", s.f1),
                s.support.to_string(),
            ]
        };
        for (name, s) in self.class_names.iter().zip(&self.per_class) {
            t.rows.push(row(name, s));
        }
        t.rows.push(row("overall", &self.overall));
        t
    }

    /// Rejections per class, like Tables 7, 9, 11 (empty when no threshold was applied).
    pub fn rejection_table(&self) -> Table {
        let mut t = Table::new(
            match &self.rejection {
                Some(r) => format!(
                    "Rejected images per class (threshold {:.0} %)",
                    100.0 * r.threshold
                ),
                None => "No rejection threshold applied".to_string(),
            },
            &["class", "rejection count"],
        );
        if let Some(r) = &self.rejection {
            for (name, n) in self.class_names.iter().zip(&r.rejected_per_class) {
                t.rows.push(vec![name.clone(), n.to_string()]);
            }
        }
        t
    }

    /// The confusion matrix of the kept examples as a table.
    pub fn confusion_table(&self) -> Result<Table> {
        check_names(&self.class_names, self.confusion.n_classes)?;
        self.confusion.to_table(&self.class_names)
    }

    /// The confusion matrix of the kept examples as a heat map (Figs 4–6).
    pub fn confusion_figure(&self) -> Result<crate::display::Png> {
        super::figure::confusion_figure(&self.confusion, &self.class_names)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(k: usize) -> Vec<String> {
        (0..k).map(|c| format!("c{c}")).collect()
    }

    #[test]
    fn rejection_counts_and_scores_of_kept_images() {
        // Six images, two classes, threshold 0.8.
        //  i  truth  p(0)  p(1)  top   kept?  predicted
        //  0    0    0.95  0.05  0.95  yes    0
        //  1    0    0.70  0.30  0.70  no     (0)
        //  2    0    0.10  0.90  0.90  yes    1   ← wrong
        //  3    1    0.20  0.80  0.80  yes    1   (top == threshold is kept)
        //  4    1    0.45  0.55  0.55  no     (1)
        //  5    1    0.85  0.15  0.85  yes    0   ← wrong
        let probs = [
            0.95, 0.05, 0.70, 0.30, 0.10, 0.90, 0.20, 0.80, 0.45, 0.55, 0.85, 0.15,
        ];
        let truth = [0, 0, 0, 1, 1, 1];
        let r = reject(&probs, &truth, 2, 0.8).unwrap();
        assert_eq!(r.kept, vec![0, 2, 3, 5]);
        assert_eq!(r.rejected, vec![1, 4]);
        assert_eq!(r.rejected_per_class, vec![1, 1]);
        let rep = classification_report(&probs, &truth, &names(2), Some(0.8)).unwrap();
        // Kept: truth 0,0,1,1 vs predicted 0,1,1,0 → confusion [1 1; 1 1].
        assert_eq!(rep.confusion.counts, vec![1, 1, 1, 1]);
        // P = R = F1 = 1/2 for both classes; support 2 each; overall support 4 = 6 − 2 rejected.
        assert!((rep.per_class[0].f1 - 0.5).abs() < 1e-12);
        assert_eq!(rep.overall.support, 4);
        assert!((rep.accuracy - 0.5).abs() < 1e-12);
        let t = rep.scores_table();
        assert_eq!(t.rows[2], vec!["overall", "0.50", "0.50", "0.50", "4"]);
        assert_eq!(rep.rejection_table().rows[1], vec!["c1", "1"]);
        // Without a threshold all six count: predicted 0,0,1,1,1,0 → [2 1; 1 2].
        let all = classification_report(&probs, &truth, &names(2), None).unwrap();
        assert_eq!(all.confusion.counts, vec![2, 1, 1, 2]);
        assert!((all.accuracy - 4.0 / 6.0).abs() < 1e-12);
    }

    #[test]
    fn paper_table_arithmetic_support_is_test_count_minus_rejections() {
        // Table 1 test counts (486, 456), Table 7 rejections (8, 17) → Table 6 totals (478, 439).
        // Build a set with those counts: class c has `test[c]` images; the first `rej[c]` are
        // uncertain (top probability 0.6), the rest are confidently correct.
        let (test, rej) = ([486usize, 456], [8usize, 17]);
        let mut probs = Vec::new();
        let mut truth = Vec::new();
        for c in 0..2 {
            for i in 0..test[c] {
                let top = if i < rej[c] { 0.6 } else { 0.99 };
                let row = if c == 0 {
                    [top, 1.0 - top]
                } else {
                    [1.0 - top, top]
                };
                probs.extend_from_slice(&row);
                truth.push(c);
            }
        }
        let rep = classification_report(&probs, &truth, &names(2), Some(0.8)).unwrap();
        assert_eq!(rep.per_class[0].support, 478);
        assert_eq!(rep.per_class[1].support, 439);
        assert_eq!(rep.overall.support, 917);
        assert_eq!(rep.rejection.unwrap().rejected_per_class, vec![8, 17]);
    }

    #[test]
    fn bad_inputs_name_the_value() {
        let probs = [0.9f32, 0.1, 0.2, 0.8];
        let e = reject(&probs, &[0, 1], 2, f64::NAN).unwrap_err();
        assert!(
            e.to_string().contains("threshold") && e.to_string().contains("NaN"),
            "{e}"
        );
        let e = reject(&probs, &[0, 1], 2, 1.5).unwrap_err();
        assert!(e.to_string().contains("1.5"), "{e}");
        assert!(reject(&probs, &[0, 1], 2, 0.0).is_err());
        assert!(reject(&probs, &[0, 1], 2, 1.0).is_ok());
        let e = reject(&probs, &[0, 2], 2, 0.8).unwrap_err();
        assert!(e.to_string().contains("truth[1]"), "{e}");
        let e = argmax_rows(&[2.0, -1.0], 2).unwrap_err();
        assert!(e.to_string().contains("probs[0]"), "{e}");
        let e = argmax_rows(&[0.5, 0.4], 2).unwrap_err();
        assert!(e.to_string().contains("row 0"), "{e}");
        assert!(argmax_rows(&[0.5, 0.5, 1.0], 2).is_err());
        assert!(argmax_rows(&[], 2).is_err());
        assert!(classification_report(&probs, &[0], &names(2), None).is_err());
        assert_eq!(argmax_rows(&[0.5, 0.5, 0.3, 0.7], 2).unwrap(), vec![0, 1]);
    }
}
