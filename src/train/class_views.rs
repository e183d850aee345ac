//! Test-time views: a classifier's softmax averaged over the eight symmetries of the square
//! (four right-angle rotations, each also mirrored). The compact network's recipes rotate every
//! training image by any whole degree and mirror it, so each of these views is an image such a
//! network was trained to classify the same way (the AlexNet recipes rotate but do not mirror);
//! averaging their outputs is the usual test-time augmentation of current image classifiers. It changes no weights: a network trained once is scored both ways.
//! Right-angle turns and mirrors move pixels without resampling, so no view blurs or fills.

use super::class_data::ClassData;
use super::classify::predict_proba;
use crate::augment::ops::check_image;
use crate::augment::{mirror, rot90};
use crate::error::{Error, Result, check_size};
use crate::image::Image;
use crate::models::classifier::Classifier;
use burn::prelude::Device;
use serde::{Deserialize, Serialize};

/// Which views of each test image the network scores.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
#[serde(rename_all = "kebab-case")]
pub enum TestViews {
    /// The image as it is (one forward pass).
    #[default]
    One,
    /// The eight symmetries of the square, softmax averaged (eight forward passes).
    Dihedral,
}

impl TestViews {
    /// Number of views per image.
    pub fn count(self) -> usize {
        match self {
            TestViews::One => 1,
            TestViews::Dihedral => 8,
        }
    }

    /// View `k` (below [`TestViews::count`]) of `img`: `k / 2` quarter turns anticlockwise, then
    /// mirrored when `k` is odd.
    pub fn view(self, img: &Image, k: usize) -> Result<Image> {
        if k >= self.count() {
            return Err(Error::invalid(
                "view",
                k,
                format!("must be below {} for {self:?}", self.count()),
            ));
        }
        let mut out = img.clone();
        for _ in 0..k / 2 {
            out = rot90(&out);
        }
        Ok(if k % 2 == 1 { mirror(&out) } else { out })
    }

    /// Short name for file names and tables (`one`, `dihedral`).
    pub fn name(self) -> &'static str {
        match self {
            TestViews::One => "one",
            TestViews::Dihedral => "dihedral",
        }
    }
}

/// Softmax of `model` on square one-channel `images` (the network's input size), averaged over
/// `views`; row-major `[n, classes]`. `classes` must be the network's.
pub fn predict_proba_views(
    model: &Classifier,
    images: &[Image],
    classes: usize,
    views: TestViews,
    device: &Device,
) -> Result<Vec<f32>> {
    check_size("images", images.len(), 1)?;
    if classes != model.classes() {
        return Err(Error::invalid(
            "classes",
            classes,
            format!("the network has {}", model.classes()),
        ));
    }
    for (i, img) in images.iter().enumerate() {
        check_image(&format!("image {i}"), img)?;
    }
    if let Some((i, img)) = images
        .iter()
        .enumerate()
        .find(|(_, img)| img.width != img.height)
    {
        return Err(Error::invalid(
            &format!("image {i}"),
            format!("{}×{}", img.width, img.height),
            "test views need square images",
        ));
    }
    // Labels are not read by the forward pass; class 0 stands in for every image.
    let labels = vec![0; images.len()];
    let mut sum = vec![0f32; images.len() * classes];
    for k in 0..views.count() {
        // View 0 is the image itself: scored without a copy.
        let viewed: Vec<Image>;
        let batch = if k == 0 {
            images
        } else {
            viewed = images
                .iter()
                .map(|img| views.view(img, k))
                .collect::<Result<_>>()?;
            &viewed
        };
        let data = ClassData::from_images(batch, labels.clone(), classes)?;
        let p = predict_proba(model, &data, device)?;
        for (s, v) in sum.iter_mut().zip(&p) {
            *s += v;
        }
    }
    let n = views.count() as f32;
    Ok(sum.into_iter().map(|s| s / n).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pattern() -> Image {
        Image {
            width: 4,
            height: 4,
            data: (0..16).map(|v| v as f32).collect(),
        }
    }

    #[test]
    fn the_eight_views_are_the_eight_distinct_symmetries_of_the_square() {
        let img = pattern();
        let views: Vec<Image> = (0..8)
            .map(|k| TestViews::Dihedral.view(&img, k).unwrap())
            .collect();
        assert_eq!(views[0], img);
        for a in 0..8 {
            // Each keeps the pixel values, moves them, and differs from every other view.
            let mut sorted = views[a].data.clone();
            sorted.sort_by(f32::total_cmp);
            assert_eq!(sorted, img.data);
            for b in a + 1..8 {
                assert_ne!(views[a], views[b], "views {a} and {b}");
            }
        }
        // The mirror of view 0 is view 1; two quarter turns are view 4.
        assert_eq!(views[1], mirror(&img));
        assert_eq!(views[4], rot90(&rot90(&img)));
    }

    #[test]
    fn a_view_past_the_count_is_an_error_naming_it() {
        let img = pattern();
        assert!(TestViews::One.view(&img, 0).is_ok());
        let e = TestViews::One.view(&img, 1).unwrap_err().to_string();
        assert!(e.contains("view"), "{e}");
        assert!(TestViews::Dihedral.view(&img, 8).is_err());
    }

    #[test]
    fn averaged_rows_are_distributions_and_a_symmetric_image_scores_as_one_view() {
        use crate::models::classifier::ClassifierConfig;
        use crate::models::compact::CompactNetConfig;
        let device = crate::device::cpu_device();
        let model = ClassifierConfig::from(CompactNetConfig::new(3, 1, 32))
            .init(&device)
            .unwrap();
        // A 32 × 32 image of f(row − r0, column − c0).
        let drawn = |(r0, c0): (f32, f32), f: &dyn Fn(f32, f32) -> f32| Image {
            width: 32,
            height: 32,
            data: (0..32 * 32)
                .map(|p| f((p / 32) as f32 - r0, (p % 32) as f32 - c0))
                .collect(),
        };
        // A ring centred on the frame is the same under every view; an off-centre blob is not.
        let ring = drawn((15.5, 15.5), &|r, c| {
            (-((r * r + c * c).sqrt() - 8.0).powi(2) / 4.0).exp()
        });
        let blob = drawn((6.0, 20.0), &|r, c| (-(r * r + c * c) / 10.0).exp());
        let images = vec![ring, blob];
        let one = predict_proba_views(&model, &images, 3, TestViews::One, &device).unwrap();
        let eight = predict_proba_views(&model, &images, 3, TestViews::Dihedral, &device).unwrap();
        for row in eight.chunks(3) {
            assert!((row.iter().sum::<f32>() - 1.0).abs() < 1e-5, "{row:?}");
        }
        for j in 0..3 {
            assert!(
                (one[j] - eight[j]).abs() < 1e-5,
                "ring: {one:?} vs {eight:?}"
            );
        }
        // The blob's eight views are different inputs: the average is not the first view's.
        let moved = (3..6)
            .map(|j| (one[j] - eight[j]).abs())
            .fold(0.0, f32::max);
        assert!(moved > 1e-6, "blob: {one:?} vs {eight:?}");
        // Wrong class count and non-square images are named.
        assert!(predict_proba_views(&model, &images, 2, TestViews::One, &device).is_err());
        let wide = Image {
            width: 32,
            height: 16,
            data: vec![0.0; 512],
        };
        let e = predict_proba_views(&model, &[wide], 3, TestViews::One, &device)
            .unwrap_err()
            .to_string();
        assert!(e.contains("square"), "{e}");
    }

    #[test]
    fn names_round_trip_through_serde() {
        for v in [TestViews::One, TestViews::Dihedral] {
            let s = serde_json::to_string(&v).unwrap();
            assert_eq!(s, format!("\"{}\"", v.name()));
            assert_eq!(serde_json::from_str::<TestViews>(&s).unwrap(), v);
        }
    }
}
