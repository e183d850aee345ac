//! The augmented set as an index space (seed 000 §4): each source image has `variants ×
//! rotations` augmented versions, and augmented index `k` decodes to (source position, variant,
//! rotation) by
//!
//! ```text
//! k = (source · n_variants + variant) · n_rotations + rotation
//! ```
//!
//! The random parameters (which half gets its contrast changed, and by how much) are drawn from
//! a ChaCha8 generator seeded by (seed, source, variant) alone, so an index always gives the same
//! image, nothing is stored, and all rotations of one contrast variant share the same half — the
//! seed's order: photometric variants first, then every variant rotated 359 times, then resized.

use super::ops::{
    Half, check_image, contrast_half, median_filter, mirror, resize, rotate_deg, smooth,
};
use crate::error::{Error, Result, check_positive};
use crate::image::Image;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

/// A photometric variant of a source image (the seed's "×3").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Variant {
    /// The image as it is.
    Original,
    /// Gaussian smoothing with [`AugmentConfig::smooth_sigma`].
    Smooth,
    /// Contrast of a random half changed by a random gain in [`AugmentConfig::contrast_gain`].
    Contrast,
}

impl std::fmt::Display for Variant {
    /// "original", "smoothed", "half contrast" (for tables and figure labels).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Variant::Original => "original",
            Variant::Smooth => "smoothed",
            Variant::Contrast => "half contrast",
        })
    }
}

/// How to augment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AugmentConfig {
    /// Photometric variants per source image (the seed: original, smoothed, contrast → ×3).
    pub variants: Vec<Variant>,
    /// Rotation step in whole degrees, 1..=360: 1 gives the seed's 360 orientations
    /// (0°, 1°, …, 359°), 90 gives four, 360 only the unrotated image.
    pub rotation_step_deg: u16,
    /// Gaussian σ in source pixels for [`Variant::Smooth`].
    pub smooth_sigma: f32,
    /// Range of the contrast gain for [`Variant::Contrast`] (drawn uniformly).
    pub contrast_gain: (f32, f32),
    /// Median-filter radius applied before anything else (the seed's SDSS treatment); 0 = off.
    pub median_radius: u32,
    /// Square sizes to resample to, in order, after rotation (the seed: `[340, 256]` from 450).
    pub resize: Vec<usize>,
    /// Seed of the random parameters.
    pub seed: u64,
    /// Also the left–right mirror image of every variant and rotation (beyond the seed; with
    /// rotations it gives every flip). Configs saved before it existed read as `false`.
    #[serde(default)]
    pub mirror: bool,
}

impl Default for AugmentConfig {
    /// The seed's scheme: three variants × 360 rotations, no resizing.
    fn default() -> Self {
        AugmentConfig {
            variants: vec![Variant::Original, Variant::Smooth, Variant::Contrast],
            rotation_step_deg: 1,
            smooth_sigma: 1.5,
            contrast_gain: (1.3, 2.0),
            median_radius: 0,
            resize: Vec::new(),
            seed: 0,
            mirror: false,
        }
    }
}

impl AugmentConfig {
    /// No augmentation: the original image only, resized to `resize` (e.g. a test set).
    pub fn none(resize: Vec<usize>) -> Self {
        AugmentConfig {
            variants: vec![Variant::Original],
            rotation_step_deg: 360,
            resize,
            ..AugmentConfig::default()
        }
    }

    /// Checks every field.
    pub fn validate(&self) -> Result<()> {
        crate::error::check_size("variants.len()", self.variants.len(), 1)?;
        if !(1..=360).contains(&self.rotation_step_deg) {
            return Err(Error::invalid(
                "rotation_step_deg",
                self.rotation_step_deg,
                "must lie in 1..=360",
            ));
        }
        check_positive("smooth_sigma", self.smooth_sigma as f64)?;
        let (lo, hi) = self.contrast_gain;
        check_positive("contrast_gain.0", lo as f64)?;
        check_positive("contrast_gain.1", hi as f64)?;
        if hi < lo {
            return Err(Error::invalid(
                "contrast_gain",
                format!("({lo}, {hi})"),
                "must be (low, high) with low ≤ high",
            ));
        }
        if self.median_radius > 16 {
            return Err(Error::invalid(
                "median_radius",
                self.median_radius,
                "must lie in 0..=16",
            ));
        }
        if let Some(&s) = self.resize.iter().find(|&&s| s == 0 || s > 16384) {
            return Err(Error::invalid("resize", s, "sizes must lie in 1..=16384"));
        }
        Ok(())
    }

    /// Number of orientations: ⌈360 / step⌉.
    pub fn n_rotations(&self) -> usize {
        360usize.div_ceil(self.rotation_step_deg.max(1) as usize)
    }

    /// 2 with [`AugmentConfig::mirror`], else 1.
    pub fn n_mirrors(&self) -> usize {
        if self.mirror { 2 } else { 1 }
    }

    /// Augmented images per source image.
    pub fn per_source(&self) -> usize {
        self.variants.len() * self.n_rotations() * self.n_mirrors()
    }
}

/// What augmented index `k` stands for.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Augmentation {
    /// Position of the source image in the space (0..n_sources).
    pub source: usize,
    /// The photometric variant.
    pub variant: Variant,
    /// Rotation in whole degrees, anticlockwise.
    pub rotation_deg: u16,
    /// For [`Variant::Contrast`]: the half and the gain.
    pub contrast: Option<(Half, f32)>,
    /// Mirrored left–right before the rotation.
    #[serde(default)]
    pub mirrored: bool,
}

/// `n_sources` source images × [`AugmentConfig::per_source`] augmentations, lazily.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AugmentSpace {
    n_sources: usize,
    config: AugmentConfig,
}

/// SplitMix64 finaliser: decorrelates (seed, source, variant) before seeding ChaCha.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl AugmentSpace {
    /// The space over `n_sources` images (≥ 1).
    pub fn new(n_sources: usize, config: AugmentConfig) -> Result<Self> {
        crate::error::check_size("n_sources", n_sources, 1)?;
        config.validate()?;
        Ok(AugmentSpace { n_sources, config })
    }

    /// The configuration.
    pub fn config(&self) -> &AugmentConfig {
        &self.config
    }

    /// Number of source images.
    pub fn n_sources(&self) -> usize {
        self.n_sources
    }

    /// Number of augmented images.
    pub fn len(&self) -> usize {
        self.n_sources * self.config.per_source()
    }

    /// Never true for a constructed space.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Decodes augmented index `k` (deterministic: same `k` and seed, same answer).
    pub fn get(&self, k: usize) -> Result<Augmentation> {
        if k >= self.len() {
            return Err(Error::invalid(
                "augmented index",
                k,
                format!("must be below the space size {}", self.len()),
            ));
        }
        // k = ((source · nv + variant) · nr + rotation) · nm + mirror: without mirroring
        // (nm = 1) the seed's order, unchanged.
        let (nv, nr, nm) = (
            self.config.variants.len(),
            self.config.n_rotations(),
            self.config.n_mirrors(),
        );
        let mirrored = k % nm == 1;
        let k = k / nm;
        let rotation = k % nr;
        let v = (k / nr) % nv;
        let source = k / (nr * nv);
        let variant = self.config.variants[v];
        let contrast = match variant {
            Variant::Contrast => {
                let key = mix(mix(self.config.seed ^ mix(source as u64)) ^ v as u64);
                let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(key);
                let half = Half::ALL[rng.random_range(0..4)];
                let (lo, hi) = self.config.contrast_gain;
                let gain = if hi > lo {
                    rng.random_range(lo..=hi)
                } else {
                    lo
                };
                Some((half, gain))
            }
            _ => None,
        };
        Ok(Augmentation {
            source,
            variant,
            rotation_deg: (rotation * self.config.rotation_step_deg as usize) as u16,
            contrast,
            mirrored,
        })
    }

    /// The augmented image `k`, made from `source` (the image at position
    /// `self.get(k)?.source`): median filter, variant, rotation, resizing.
    pub fn apply(&self, k: usize, source: &Image) -> Result<Image> {
        let a = self.get(k)?;
        check_image("source image", source)?;
        if !self.config.resize.is_empty() && source.width != source.height {
            return Err(Error::invalid(
                "source image",
                format!("{}×{}", source.width, source.height),
                "must be square when resizing to square sizes",
            ));
        }
        let mut img = if self.config.median_radius > 0 {
            median_filter(source, self.config.median_radius)?
        } else {
            source.clone()
        };
        img = match (a.variant, a.contrast) {
            (Variant::Original, _) => img,
            (Variant::Smooth, _) => smooth(&img, self.config.smooth_sigma)?,
            (Variant::Contrast, Some((half, gain))) => contrast_half(&img, half, gain)?,
            (Variant::Contrast, None) => img,
        };
        if a.mirrored {
            img = mirror(&img);
        }
        img = rotate_deg(&img, a.rotation_deg as i32)?;
        for &s in &self.config.resize {
            img = resize(&img, s, s)?;
        }
        Ok(img)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blob(w: usize, x0: f32) -> Image {
        let data = (0..w * w)
            .map(|p| {
                let (r, c) = ((p / w) as f32, (p % w) as f32);
                (-((r - 10.0).powi(2) + (c - x0).powi(2)) / 10.0).exp()
            })
            .collect();
        Image {
            width: w,
            height: w,
            data,
        }
    }

    #[test]
    fn index_space_size_and_decoding() {
        let cfg = AugmentConfig::default();
        let s = AugmentSpace::new(1574, cfg).unwrap();
        // The seed's scale: 3 × 360 = 1080 per image; 1574 images → 1,699,920 ≈ 1.7 M.
        assert_eq!(s.len(), 1_699_920);
        let a = s.get(1080 * 7 + 360 * 2 + 45).unwrap();
        assert_eq!(
            (a.source, a.variant, a.rotation_deg),
            (7, Variant::Contrast, 45)
        );
        assert!(a.contrast.is_some());
        assert!(s.get(s.len()).is_err());
        let quarter = AugmentConfig {
            rotation_step_deg: 90,
            ..AugmentConfig::default()
        };
        assert_eq!(quarter.n_rotations(), 4);
        assert_eq!(AugmentConfig::none(vec![]).per_source(), 1);
    }

    #[test]
    fn same_index_and_seed_give_identical_pixels() {
        let cfg = AugmentConfig {
            rotation_step_deg: 10,
            resize: vec![24, 16],
            seed: 42,
            ..AugmentConfig::default()
        };
        let s = AugmentSpace::new(3, cfg.clone()).unwrap();
        let src = blob(32, 20.0);
        for k in [0, 40, 75, 100] {
            let a = s.apply(k, &src).unwrap();
            let b = s.apply(k, &src).unwrap();
            assert_eq!(a.data, b.data, "index {k}");
            assert_eq!((a.width, a.height), (16, 16));
        }
        // Another space with the same seed agrees; another seed may pick another half.
        let again = AugmentSpace::new(3, cfg.clone()).unwrap();
        assert_eq!(s.get(80).unwrap(), again.get(80).unwrap());
        let halves: std::collections::HashSet<String> = (0..40)
            .map(|seed| {
                let sp = AugmentSpace::new(
                    3,
                    AugmentConfig {
                        seed,
                        ..cfg.clone()
                    },
                )
                .unwrap();
                format!("{:?}", sp.get(72).unwrap().contrast.unwrap().0)
            })
            .collect();
        assert!(halves.len() >= 3, "{halves:?}");
    }

    #[test]
    fn mirroring_doubles_the_space_and_flips_left_right() {
        let plain = AugmentConfig {
            rotation_step_deg: 90,
            ..AugmentConfig::default()
        };
        let mirrored = AugmentConfig {
            mirror: true,
            ..plain.clone()
        };
        let a = AugmentSpace::new(2, plain).unwrap();
        let b = AugmentSpace::new(2, mirrored).unwrap();
        assert_eq!(b.len(), 2 * a.len());
        let src = blob(32, 20.0);
        for k in 0..a.len() {
            // Even indices of the mirrored space are the plain space's images.
            assert_eq!(b.apply(2 * k, &src).unwrap(), a.apply(k, &src).unwrap());
            assert!(b.get(2 * k + 1).unwrap().mirrored);
        }
        // Index 1: the original, unrotated, mirrored: the blob's column 20 goes to 31 − 20.
        let m = b.apply(1, &src).unwrap();
        let argmax = |img: &Image| {
            (0..img.data.len()).fold(0, |j, p| if img.data[p] > img.data[j] { p } else { j })
        };
        assert_eq!(argmax(&m) % 32, 11);
        assert_eq!(argmax(&src) % 32, 20);
    }

    #[test]
    fn bad_configs_and_sources_are_named() {
        let bad = AugmentConfig {
            rotation_step_deg: 0,
            ..AugmentConfig::default()
        };
        let e = AugmentSpace::new(2, bad).unwrap_err();
        assert!(e.to_string().contains("rotation_step_deg"), "{e}");
        let bad = AugmentConfig {
            contrast_gain: (2.0, 1.0),
            ..AugmentConfig::default()
        };
        assert!(AugmentSpace::new(2, bad).is_err());
        assert!(AugmentSpace::new(0, AugmentConfig::default()).is_err());
        let s = AugmentSpace::new(1, AugmentConfig::none(vec![8])).unwrap();
        let rect = Image {
            width: 8,
            height: 4,
            data: vec![0.0; 32],
        };
        assert!(s.apply(0, &rect).unwrap_err().to_string().contains("8×4"));
    }
}
