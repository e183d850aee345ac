//! Prakash et al. 2020 (seed 000, "Classifying the relative disc inclination of interacting
//! galaxy pairs with deep learning"): its published classification numbers as data — the data
//! counts of Tables 1–3, the test scores of Tables 6, 8, 10 with the rejections of Tables 7, 9,
//! 11, the ROC's AUC (§6), the epochs and steps of §4, and the real-data test of Tables 12 and 13.
//! Every table of ours that stands beside the paper's reads it from here.

use crate::data::pairs_h5::Experiment;
use crate::error::{Error, Result};
use crate::train::class_metrics::ClassRow;
use serde::{Deserialize, Serialize};

/// Seed 000's published numbers for one classification experiment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Classification {
    /// Where they come from.
    pub tables: String,
    /// Rejection threshold on the top softmax probability.
    pub threshold: f64,
    /// One row per class, in our class order.
    pub rows: Vec<ClassRow>,
    /// The "Overall" row (support-weighted).
    pub overall: ClassRow,
    /// Area under the ROC curve (two classes only).
    pub auc: Option<f64>,
    /// Epochs trained.
    pub epochs: usize,
    /// Updates per epoch.
    pub steps_per_epoch: usize,
}

type Row = (&'static str, f64, f64, f64, u64, u64, [u64; 3]);

const TWO: [Row; 2] = [
    ("0°", 0.98, 1.00, 0.99, 478, 8, [558_316, 141_524, 486]),
    ("45°", 1.00, 0.97, 0.99, 439, 17, [523_733, 132_907, 456]),
];
const TWO_OVERALL: (f64, f64, f64, u64) = (0.99, 0.99, 0.99, 917);
const THREE: [Row; 3] = [
    ("0°", 0.99, 0.99, 0.99, 474, 12, [558_316, 141_524, 486]),
    ("45°", 0.98, 0.98, 0.98, 410, 46, [523_733, 132_907, 446]),
    ("90°", 0.97, 0.97, 0.97, 493, 47, [622_480, 155_120, 540]),
];
const THREE_OVERALL: (f64, f64, f64, u64) = (0.98, 0.98, 0.98, 1377);
const NINE: [Row; 9] = [
    (
        "(0°, 15°)",
        1.00,
        1.00,
        1.00,
        509,
        1,
        [342_055, 85_514, 510],
    ),
    (
        "(0°, 45°)",
        0.91,
        0.95,
        0.93,
        435,
        75,
        [342_055, 85_514, 510],
    ),
    (
        "(0°, 75°)",
        0.96,
        0.98,
        0.97,
        476,
        34,
        [342_055, 85_514, 510],
    ),
    (
        "(45°, 15°)",
        0.93,
        0.97,
        0.95,
        430,
        24,
        [303_858, 75_964, 454],
    ),
    (
        "(45°, 45°)",
        0.98,
        0.99,
        0.99,
        431,
        23,
        [303_858, 75_964, 454],
    ),
    (
        "(45°, 75°)",
        0.97,
        0.95,
        0.96,
        400,
        54,
        [303_858, 75_964, 454],
    ),
    (
        "(90°, 15°)",
        0.96,
        0.94,
        0.95,
        504,
        51,
        [371_349, 92_838, 555],
    ),
    (
        "(90°, 45°)",
        0.96,
        0.91,
        0.94,
        469,
        86,
        [371_349, 92_838, 555],
    ),
    (
        "(90°, 75°)",
        1.00,
        0.99,
        0.99,
        542,
        13,
        [371_349, 92_838, 555],
    ),
];
const NINE_OVERALL: (f64, f64, f64, u64) = (0.97, 0.97, 0.97, 4196);

/// Seed 000's numbers for a classification experiment (Tables 1–3, 6–11, §6): an error for the
/// regression experiments.
pub fn classification(experiment: Experiment) -> Result<Classification> {
    let (tables, rows, overall, auc, epochs, steps): (&str, &[Row], _, _, _, _) = match experiment {
        Experiment::TwoClass => ("Tables 1, 6, 7", &TWO, TWO_OVERALL, Some(0.96), 12, 12_000),
        Experiment::ThreeClass => ("Tables 2, 8, 9", &THREE, THREE_OVERALL, None, 14, 12_000),
        Experiment::NineClass => ("Tables 3, 10, 11", &NINE, NINE_OVERALL, None, 44, 16_000),
        other => {
            return Err(Error::invalid(
                "experiment",
                other.name(),
                "has no numbers in the paper: it ran two-class, three-class and nine-class",
            ));
        }
    };
    let rows: Vec<ClassRow> = rows
        .iter()
        .map(
            |&(class, precision, recall, f1, support, rejected, data)| ClassRow {
                class: class.to_string(),
                precision,
                recall,
                f1,
                support,
                rejected,
                data,
            },
        )
        .collect();
    let sum = |f: &dyn Fn(&ClassRow) -> u64| rows.iter().map(f).sum::<u64>();
    let overall = ClassRow {
        class: "Overall".into(),
        precision: overall.0,
        recall: overall.1,
        f1: overall.2,
        support: overall.3,
        rejected: sum(&|r| r.rejected),
        data: [
            sum(&|r| r.data[0]),
            sum(&|r| r.data[1]),
            sum(&|r| r.data[2]),
        ],
    };
    Ok(Classification {
        tables: tables.into(),
        threshold: rejection_threshold(experiment),
        rows,
        overall,
        auc,
        epochs,
        steps_per_epoch: steps,
    })
}

/// Seed 000's rejection threshold: 70 % for nine classes, 80 % otherwise.
pub fn rejection_threshold(experiment: Experiment) -> f64 {
    match experiment {
        Experiment::NineClass => 0.7,
        _ => 0.8,
    }
}

/// Seed 000's real-data numbers: Table 12 (precision, recall, F1, kept images) and Table 13
/// (rejections at 80 %), 30 SDSS pairs of which 27 were kept.
pub fn real_data() -> Classification {
    let row = |class: &str, p, r, f1, support, rejected| ClassRow {
        class: class.into(),
        precision: p,
        recall: r,
        f1,
        support,
        rejected,
        data: [0, 0, support + rejected],
    };
    Classification {
        tables: "Tables 12, 13: 30 SDSS pairs".into(),
        threshold: 0.8,
        rows: vec![
            row("0°", 0.82, 0.69, 0.75, 13, 2),
            row("45°", 0.75, 0.86, 0.80, 14, 1),
        ],
        overall: row("Overall", 0.78, 0.78, 0.78, 27, 3),
        auc: None,
        epochs: 0,
        steps_per_epoch: 0,
    }
}

/// §5.1, Case 4: the θ regressor's mean squared error on the test set ("MSE 0.12"; the paper
/// does not state its units — notebook 08 discusses the readings).
pub const THETA_MSE_TEST: f64 = 0.12;

/// §5.1, Case 4: the θ regressor's mean squared error on the training set ("0.16").
pub const THETA_MSE_TRAIN: f64 = 0.16;

/// Table 5: the θ regressor's layers ("Case 4") as printed — layer number, type, kernels or
/// units, and the parameter column (which repeats the convolution's count on its pooling row).
pub const TABLE5: [(usize, &str, usize, u64); 9] = [
    (1, "Convolutional", 16, 448),
    (2, "Pooling", 16, 448),
    (3, "Convolutional", 32, 4_640),
    (4, "Pooling", 32, 4_640),
    (5, "Convolutional", 64, 18_496),
    (6, "Pooling", 64, 18_496),
    (7, "Fully Connected", 16, 1_048_592),
    (8, "Fully Connected", 4, 68),
    (9, "Fully Connected", 1, 5),
];

/// "Results on real data": the stellar mass ratios of the SDSS pairs from their magnitudes, per
/// relative-inclination class — (class in degrees, range low 1:x, range high 1:x, median 1:x):
/// "between 1:1 and 1:8 with a median value of ∼ 1:4" (≈ 0°), "between 1:1 to 1:12 with a median
/// value of ∼ 1:8" (≈ 45°).
pub const MASS_RATIOS: [(u32, u32, u32, u32); 2] = [(0, 1, 8, 4), (45, 1, 12, 8)];
