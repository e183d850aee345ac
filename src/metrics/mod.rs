//! Classification metrics of seed 000 §6: per-class precision, recall, F1 and support with the
//! support-weighted overall row (Tables 6, 8, 10), rejection on the top softmax probability with
//! per-class rejection counts (Tables 7, 9, 11), confusion matrices after removing rejections
//! (Figs 4–6), and the ROC curve with its AUC for two classes.
//!
//! | module | holds |
//! |---|---|
//! | [`confusion`] | [`ConfusionMatrix`]: counts, precision, recall, F1, support, weighted averages |
//! | [`report`] | [`Rejection`], [`ClassificationReport`]: the seed's tables from softmax outputs |
//! | [`roc`] | [`Roc`]: ROC curve and AUC for two classes |
//! | [`figure`] | confusion-matrix heat map (PNG), ROC plot (SVG), labelled montages (Figs A1–A3) |

pub mod confusion;
pub mod figure;
pub mod report;
pub mod roc;

pub use confusion::{ClassScores, ConfusionMatrix};
pub use figure::{confusion_figure, prediction_montage, roc_figure};
pub use report::{ClassificationReport, Rejection, argmax_rows, classification_report, reject};
pub use roc::{Roc, roc_curve};

use crate::error::{Error, Result};

/// Checks that `n_classes ≥ 2` and every label is below it; `name` names the label list.
pub(crate) fn check_labels(name: &str, labels: &[usize], n_classes: usize) -> Result<()> {
    crate::error::check_size("n_classes", n_classes, 2)?;
    if let Some(i) = labels.iter().position(|&l| l >= n_classes) {
        return Err(Error::invalid(
            &format!("{name}[{i}]"),
            labels[i],
            format!("must be a class index below n_classes = {n_classes}"),
        ));
    }
    Ok(())
}
