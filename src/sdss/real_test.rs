//! Seed 000's test on real data, run on the real cutouts when a user has them (Tables 12, 13,
//! Fig. 7): every catalogue pair whose cutout `galaxy-lab sdss fetch` saved is preprocessed as
//! the seed describes (median filter, 340 × 340, then the network's input; greyscale for our
//! one-channel networks), labelled by its table (B1 → 0°, B2 → 45°), and scored by a trained
//! two-class network at the seed's 80 % threshold — ours beside the paper's numbers.
//! `galaxy-lab sdss classify --model … --cutouts …` is the command.

use super::catalog::InteractingPair;
use super::fetch::available_cutouts;
use super::images::{Preprocess, load_cutout, preprocess, to_chw_f32};
use crate::error::{Error, Result};
use crate::image::Image;
use crate::models::classifier::{Classifier, ClassifierConfig};
use crate::train::class_eval::{ClassEval, evaluate_images};
use crate::train::class_views::TestViews;
use burn::prelude::Device;
use std::path::Path;

/// The class names the network must have: the two-class experiment's.
pub const CLASS_NAMES: [&str; 2] = ["i=0", "i=45"];

/// A real-data evaluation: the scores and which pairs they cover.
#[derive(Debug, Clone)]
pub struct RealTest {
    /// Scores, tables and figures (`metrics.data` is the cutout folder).
    pub eval: ClassEval,
    /// The pairs scored, in the order of `eval`'s images.
    pub pairs: Vec<InteractingPair>,
    /// Catalogue pairs without a cutout in the folder.
    pub missing: Vec<String>,
}

/// Scores `model` on the cutouts in `cutouts` of the catalogue `pairs`, with `median_radius`
/// for the seed's median filter and rejection `threshold`. The network must be the two-class
/// one with one input channel; a folder without any cutout is an error saying how to fetch
/// them. Each cutout is scored through `views` ([`TestViews::One`]: as it is).
#[allow(clippy::too_many_arguments)]
pub fn classify_cutouts(
    model: &Classifier,
    net: &ClassifierConfig,
    pairs: &[InteractingPair],
    cutouts: &Path,
    median_radius: u32,
    threshold: f64,
    views: TestViews,
    device: &Device,
) -> Result<RealTest> {
    if net.classes() != 2 {
        return Err(Error::invalid(
            "model",
            format!("{} classes", net.classes()),
            "the real-data test needs a two-class (0° / 45°) network",
        ));
    }
    let (channels, size) = net.input_shape();
    if channels != 1 {
        return Err(Error::invalid(
            "model",
            format!("{channels} input channels"),
            "our networks see one greyscale channel",
        ));
    }
    let found = available_cutouts(pairs, cutouts);
    if found.is_empty() {
        return Err(Error::invalid(
            "--cutouts",
            cutouts.display(),
            "holds no cutout of the catalogue's pairs; fetch them with `galaxy-lab sdss fetch \
             --out <folder>`",
        ));
    }
    let pre = Preprocess {
        median_radius,
        input_size: size as u32,
        grayscale: true,
        ..Preprocess::default()
    };
    let mut images = Vec::with_capacity(found.len());
    let mut truth = Vec::with_capacity(found.len());
    for (pair, path) in &found {
        let (data, _) = to_chw_f32(&preprocess(&load_cutout(path)?, &pre)?);
        images.push(Image {
            width: size,
            height: size,
            data,
        });
        truth.push(match pair.class {
            0 => 0,
            45 => 1,
            c => {
                return Err(Error::invalid(
                    &format!("class of pair {}", pair.obj_id),
                    c,
                    "must be 0 or 45",
                ));
            }
        });
    }
    let names: Vec<String> = CLASS_NAMES.iter().map(|s| s.to_string()).collect();
    let mut eval = evaluate_images(
        model, net, &images, &truth, &names, threshold, views, device,
    )?;
    eval.metrics.data = cutouts.to_path_buf();
    let missing = pairs
        .iter()
        .filter(|p| !found.iter().any(|(f, _)| f.obj_id == p.obj_id))
        .map(|p| p.obj_id.clone())
        .collect();
    Ok(RealTest {
        eval,
        pairs: found.into_iter().map(|(p, _)| p).collect(),
        missing,
    })
}
