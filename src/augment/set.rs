//! Labelled augmented sets and the train/validation/test split (seed 000 §4, Tables 1–3).
//!
//! The seed split its *augmented* images (80 % training and validation, 20 % testing), so rotated
//! copies of one GalMer image can sit on both sides of the split. We split the *source* images
//! (stratified per class) and augment each part on its own: no test image is a rotation of a
//! training image. The per-class count table comes from the same objects the loader reads.

use super::space::{AugmentConfig, AugmentSpace};
use crate::display::Table;
use crate::error::{Error, Result, check_range};
use crate::image::Image;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

/// Source-image indices of each part of a split.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceSplit {
    /// Training sources.
    pub train: Vec<usize>,
    /// Validation sources.
    pub valid: Vec<usize>,
    /// Test sources.
    pub test: Vec<usize>,
}

/// Splits source images stratified by class: in each class a seeded shuffle, then
/// `round(n · test_fraction)` test and `round(n · valid_fraction)` validation images, the rest
/// for training (at least one per class).
pub fn split_sources(
    labels: &[usize],
    n_classes: usize,
    valid_fraction: f64,
    test_fraction: f64,
    seed: u64,
) -> Result<SourceSplit> {
    crate::metrics::check_labels("labels", labels, n_classes)?;
    check_range("valid_fraction", valid_fraction, 0.0, 0.9)?;
    check_range("test_fraction", test_fraction, 0.0, 0.9)?;
    if valid_fraction + test_fraction >= 1.0 {
        return Err(Error::invalid(
            "valid_fraction + test_fraction",
            valid_fraction + test_fraction,
            "must be below 1 (something must remain for training)",
        ));
    }
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut out = SourceSplit {
        train: Vec::new(),
        valid: Vec::new(),
        test: Vec::new(),
    };
    for c in 0..n_classes {
        let mut idx: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] == c).collect();
        if idx.is_empty() {
            return Err(Error::invalid(
                "labels",
                format!("no image of class {c}"),
                "every class needs at least one source image",
            ));
        }
        idx.shuffle(&mut rng);
        let n = idx.len();
        let n_test = ((n as f64 * test_fraction).round() as usize).min(n - 1);
        let n_valid = ((n as f64 * valid_fraction).round() as usize).min(n - 1 - n_test);
        out.test.extend_from_slice(&idx[..n_test]);
        out.valid.extend_from_slice(&idx[n_test..n_test + n_valid]);
        out.train.extend_from_slice(&idx[n_test + n_valid..]);
    }
    for part in [&mut out.train, &mut out.valid, &mut out.test] {
        part.sort_unstable();
    }
    Ok(out)
}

/// A labelled, lazily augmented set: source images (by index into the caller's image list),
/// their labels and the augmentation space over them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AugmentedSet {
    sources: Vec<usize>,
    labels: Vec<usize>,
    space: AugmentSpace,
}

impl AugmentedSet {
    /// The set over `sources` (indices into the full image list) whose labels are
    /// `all_labels[sources[i]]`.
    pub fn new(sources: &[usize], all_labels: &[usize], config: AugmentConfig) -> Result<Self> {
        if let Some(&s) = sources.iter().find(|&&s| s >= all_labels.len()) {
            return Err(Error::invalid(
                "source index",
                s,
                format!("must be below the number of labels {}", all_labels.len()),
            ));
        }
        Ok(AugmentedSet {
            space: AugmentSpace::new(sources.len(), config)?,
            labels: sources.iter().map(|&s| all_labels[s]).collect(),
            sources: sources.to_vec(),
        })
    }

    /// Number of augmented images.
    pub fn len(&self) -> usize {
        self.space.len()
    }

    /// Never true for a constructed set.
    pub fn is_empty(&self) -> bool {
        self.space.is_empty()
    }

    /// Indices (into the caller's image list) of the source images.
    pub fn sources(&self) -> &[usize] {
        &self.sources
    }

    /// The augmentation space.
    pub fn space(&self) -> &AugmentSpace {
        &self.space
    }

    /// Index (into the caller's image list) of the source of augmented image `k`.
    pub fn source_of(&self, k: usize) -> Result<usize> {
        Ok(self.sources[self.space.get(k)?.source])
    }

    /// Label of augmented image `k`.
    pub fn label(&self, k: usize) -> Result<usize> {
        Ok(self.labels[self.space.get(k)?.source])
    }

    /// Augmented image `k`, made from `images[self.source_of(k)?]`.
    pub fn image(&self, k: usize, images: &[Image]) -> Result<Image> {
        let s = self.source_of(k)?;
        let src = images.get(s).ok_or_else(|| {
            Error::invalid(
                "images.len()",
                images.len(),
                format!("source index {s} is out of range"),
            )
        })?;
        self.space.apply(k, src)
    }

    /// Augmented images per class (`n_classes` entries).
    pub fn class_counts(&self, n_classes: usize) -> Result<Vec<u64>> {
        crate::metrics::check_labels("labels", &self.labels, n_classes)?;
        let per = self.space.config().per_source() as u64;
        let mut out = vec![0u64; n_classes];
        for &l in &self.labels {
            out[l] += per;
        }
        Ok(out)
    }
}

/// Per-class training, validation and test counts, like the seed's Tables 1–3.
pub fn count_table(
    class_names: &[String],
    train: &AugmentedSet,
    valid: &AugmentedSet,
    test: &AugmentedSet,
) -> Result<Table> {
    let k = class_names.len();
    crate::error::check_size("class_names.len()", k, 2)?;
    let (a, b, c) = (
        train.class_counts(k)?,
        valid.class_counts(k)?,
        test.class_counts(k)?,
    );
    let mut t = Table::new(
        "Distribution of data (augmented images per class)",
        &["class", "training", "validation", "testing"],
    );
    for (i, name) in class_names.iter().enumerate() {
        t.push_row(&[
            name.clone(),
            a[i].to_string(),
            b[i].to_string(),
            c[i].to_string(),
        ])?;
    }
    t.push_row(&[
        "total".to_string(),
        a.iter().sum::<u64>().to_string(),
        b.iter().sum::<u64>().to_string(),
        c.iter().sum::<u64>().to_string(),
    ])?;
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_is_stratified_disjoint_and_seeded() {
        // 10 images of class 0, 20 of class 1.
        let labels: Vec<usize> = (0..30).map(|i| usize::from(i >= 10)).collect();
        let s = split_sources(&labels, 2, 0.2, 0.2, 7).unwrap();
        // class 0: 2 test, 2 valid, 6 train; class 1: 4, 4, 12.
        assert_eq!((s.train.len(), s.valid.len(), s.test.len()), (18, 6, 6));
        let mut all: Vec<usize> = [s.train.clone(), s.valid.clone(), s.test.clone()].concat();
        all.sort_unstable();
        assert_eq!(all, (0..30).collect::<Vec<_>>());
        assert_eq!(s, split_sources(&labels, 2, 0.2, 0.2, 7).unwrap());
        assert!(split_sources(&labels, 3, 0.2, 0.2, 7).is_err());
        assert!(split_sources(&labels, 2, 0.6, 0.5, 7).is_err());
        assert!(split_sources(&labels, 2, f64::NAN, 0.2, 7).is_err());
    }

    #[test]
    fn count_table_multiplies_sources_by_augmentations() {
        let labels = vec![0, 0, 0, 1, 1];
        let cfg = AugmentConfig {
            rotation_step_deg: 90,
            ..AugmentConfig::default()
        };
        // 3 variants × 4 rotations = 12 per source.
        let train = AugmentedSet::new(&[0, 1, 3], &labels, cfg.clone()).unwrap();
        let valid = AugmentedSet::new(&[2], &labels, cfg).unwrap();
        let test = AugmentedSet::new(&[4], &labels, AugmentConfig::none(vec![])).unwrap();
        let names = vec!["0°".to_string(), "45°".to_string()];
        let t = count_table(&names, &train, &valid, &test).unwrap();
        assert_eq!(t.rows[0], vec!["0°", "24", "12", "0"]);
        assert_eq!(t.rows[1], vec!["45°", "12", "0", "1"]);
        assert_eq!(t.rows[2], vec!["total", "36", "12", "1"]);
        assert_eq!(train.len(), 36);
        assert_eq!(train.source_of(12).unwrap(), 1);
        assert_eq!(train.label(35).unwrap(), 1);
        assert!(AugmentedSet::new(&[9], &labels, AugmentConfig::default()).is_err());
    }
}
