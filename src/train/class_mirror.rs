//! Where an inclination classifier errs, against the mirror degeneracy of projected discs
//! ([`crate::sim::pair::mirror`]): for every image, the second relative inclination i′ that draws
//! the same two projected discs, its distance to the nearest inclination of *another* class, and
//! whether the network got i wrong. If the errors gather where i′ lands on another class, what the
//! network misses there is what the discs' shapes cannot give: it has to come from the tidal
//! features or from the orientation of galaxy 2's disc against the orbit.

use super::class_eval::EvalMetrics;
use super::class_summary::MeanStd;
use crate::data::pairs_h5::{Experiment, PairLabel};
use crate::display::Table;
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Edges (degrees) of the distance bins: [0, 10), [10, 20), [20, 45), [45, 90].
pub const MIRROR_BIN_EDGES: [f64; 5] = [0.0, 10.0, 20.0, 45.0, 90.0];

/// The distance below which an image counts as "near" the degeneracy in [`MirrorScores::near`].
pub const MIRROR_NEAR_DEG: f64 = 20.0;

/// Images in one bin of the distance from i′ to another class's inclination.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MirrorBin {
    /// Lower edge (degrees, inclusive).
    pub from_deg: f64,
    /// Upper edge (degrees; exclusive except for the last bin).
    pub to_deg: f64,
    /// Images in the bin.
    pub n: usize,
    /// Of them, images whose predicted class holds another i than the true one.
    pub wrong_i: usize,
}

impl MirrorBin {
    /// Share of the bin's images with i wrong (0 for an empty bin).
    pub fn error_rate(&self) -> f64 {
        rate((self.n, self.wrong_i))
    }
}

/// Edges (degrees) of the bands of |θ| in which near and far images are compared
/// ([`MirrorScores::theta_bands`]): 15° wide, so each of the two- and three-class experiments'
/// six viewing angles (0, 20, …, 80°) has a band of its own.
pub const MIRROR_THETA_EDGES: [f64; 7] = [0.0, 15.0, 30.0, 45.0, 60.0, 75.0, 90.0];

/// Images of one band of |θ|, split at [`MIRROR_NEAR_DEG`]: near the degeneracy and not. Compares
/// images seen from similar angles, so that a difference is not one of viewing angle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MirrorThetaBand {
    /// Lower edge of |θ| (degrees, inclusive).
    pub from_deg: f64,
    /// Upper edge (degrees; exclusive except for the last band).
    pub to_deg: f64,
    /// (images, i wrong) whose mirror inclination lies within [`MIRROR_NEAR_DEG`] of another class.
    pub near: (usize, usize),
    /// (images, i wrong) of the others.
    pub far: (usize, usize),
}

/// A classifier's i errors binned by the distance of the mirror inclination to another class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MirrorScores {
    /// The bins of [`MIRROR_BIN_EDGES`].
    pub bins: Vec<MirrorBin>,
    /// The bands of [`MIRROR_THETA_EDGES`].
    pub theta_bands: Vec<MirrorThetaBand>,
}

/// The bin of `x` among `edges` (the last bin also takes `x` at or beyond its upper edge).
pub(crate) fn band_of(edges: &[f64], x: f64) -> usize {
    let last = edges.len() - 2;
    edges[1..]
        .iter()
        .position(|&e| x < e)
        .unwrap_or(last)
        .min(last)
}

fn rate((n, w): (usize, usize)) -> f64 {
    if n == 0 { 0.0 } else { w as f64 / n as f64 }
}

impl MirrorScores {
    /// Bins the images of `labels` (their i, θ, φ; galaxy 2's spin-axis azimuth Φ₂ = 0, as every
    /// generated dataset has it) by the distance of i′ to the nearest inclination of another class
    /// of `experiment`, counting where the class `predicted` holds another i than `truth`.
    /// Lengths must agree; classes must be the experiment's.
    pub fn new(
        experiment: Experiment,
        labels: &[PairLabel],
        truth: &[usize],
        predicted: &[usize],
    ) -> Result<Self> {
        if labels.len() != truth.len() || predicted.len() != truth.len() {
            return Err(Error::invalid(
                "mirror scores",
                format!(
                    "{} labels, {} true and {} predicted classes",
                    labels.len(),
                    truth.len(),
                    predicted.len()
                ),
                "need one of each per image",
            ));
        }
        let class_i = |what: &str, c: usize| {
            experiment.class_inclination_deg(c).ok_or_else(|| {
                Error::invalid(
                    what,
                    c,
                    format!(
                        "is not a class of {} with an inclination",
                        experiment.name()
                    ),
                )
            })
        };
        let inclinations = experiment.inclinations();
        let mut bins: Vec<MirrorBin> = MIRROR_BIN_EDGES
            .windows(2)
            .map(|w| MirrorBin {
                from_deg: w[0],
                to_deg: w[1],
                n: 0,
                wrong_i: 0,
            })
            .collect();
        let mut theta_bands: Vec<MirrorThetaBand> = MIRROR_THETA_EDGES
            .windows(2)
            .map(|w| MirrorThetaBand {
                from_deg: w[0],
                to_deg: w[1],
                near: (0, 0),
                far: (0, 0),
            })
            .collect();
        for (k, l) in labels.iter().enumerate() {
            let (t, p) = (
                class_i("true class", truth[k])?,
                class_i("predicted class", predicted[k])?,
            );
            // Checks the label's i, θ and φ too.
            let mirror = l.mirror_inclination_deg()?;
            let distance = inclinations
                .iter()
                .filter(|&&c| (c - t).abs() > 1e-6)
                .map(|&c| (mirror - c).abs())
                .fold(f64::INFINITY, f64::min)
                .min(90.0);
            let wrong = usize::from((p - t).abs() > 1e-6);
            let b = band_of(&MIRROR_BIN_EDGES, distance);
            bins[b].n += 1;
            bins[b].wrong_i += wrong;
            let band = &mut theta_bands[band_of(&MIRROR_THETA_EDGES, f64::from(l.theta_deg).abs())];
            let side = if distance < MIRROR_NEAR_DEG {
                &mut band.near
            } else {
                &mut band.far
            };
            side.0 += 1;
            side.1 += wrong;
        }
        Ok(MirrorScores { bins, theta_bands })
    }

    /// Pooled over bins: (images, i wrong) below (`near == true`) or at/above [`MIRROR_NEAR_DEG`].
    pub fn near(&self, near: bool) -> (usize, usize) {
        self.bins
            .iter()
            .filter(|b| (b.to_deg <= MIRROR_NEAR_DEG) == near)
            .fold((0, 0), |(n, w), b| (n + b.n, w + b.wrong_i))
    }

    /// One line: the error rate near the degeneracy against the rest.
    pub fn summary(&self) -> String {
        let (near, far) = (self.near(true), self.near(false));
        format!(
            "i wrong in {:.1} % of the {} images whose mirror inclination lies within {MIRROR_NEAR_DEG:.0}° \
             of another class, {:.1} % of the other {}",
            100.0 * rate(near),
            near.0,
            100.0 * rate(far),
            far.0
        )
    }

    /// The bins as a table (`title` above it).
    pub fn table(&self, title: impl Into<String>) -> Result<Table> {
        let mut t = Table::new(
            title,
            &[
                "|i′ − nearest other class|",
                "images",
                "i wrong",
                "error rate",
            ],
        );
        for b in &self.bins {
            t.push_row(&[
                format!("{:.0}–{:.0}°", b.from_deg, b.to_deg),
                b.n.to_string(),
                b.wrong_i.to_string(),
                format!("{:.1} %", 100.0 * b.error_rate()),
            ])?;
        }
        Ok(t)
    }

    /// Near against far within each band of |θ| that holds images on both sides (`title` above).
    pub fn theta_table(&self, title: impl Into<String>) -> Result<Table> {
        let near_head = format!("i wrong, within {MIRROR_NEAR_DEG:.0}°");
        let far_head = format!("i wrong, {MIRROR_NEAR_DEG:.0}° or more");
        let mut t = Table::new(title, &["|θ|", &near_head, &far_head]);
        let cell = |(n, w): (usize, usize)| format!("{:.1} % of {n}", 100.0 * rate((n, w)));
        for b in self
            .theta_bands
            .iter()
            .filter(|b| b.near.0 > 0 && b.far.0 > 0)
        {
            t.push_row(&[
                format!("{:.0}–{:.0}°", b.from_deg, b.to_deg),
                cell(b.near),
                cell(b.far),
            ])?;
        }
        Ok(t)
    }
}

/// The error rates near and far from the degeneracy over several runs (training seeds) scored on
/// the same images: all |θ| pooled, then each band of |θ| that holds images, each cell the mean ±
/// standard deviation over the runs in per cent with the images behind it ("—": none that side).
pub fn mirror_seeds_table(runs: &[MirrorScores], title: impl Into<String>) -> Result<Table> {
    if runs.is_empty() {
        return Err(Error::invalid("mirror runs", "none", "need at least one"));
    }
    let near_head = format!("i wrong, within {MIRROR_NEAR_DEG:.0}° of another class");
    let far_head = format!("i wrong, {MIRROR_NEAR_DEG:.0}° or more");
    let mut t = Table::new(title, &["|θ|", &near_head, &far_head, "near : far"]);
    let cell = |sides: &[(usize, usize)]| -> Result<(String, Option<f64>)> {
        if sides.iter().any(|s| s.0 == 0) {
            return Ok(("—".into(), None));
        }
        let m = MeanStd::of(&sides.iter().map(|&s| 100.0 * rate(s)).collect::<Vec<_>>())?;
        let spread = if m.n > 1 {
            format!(" ± {:.1}", m.std)
        } else {
            String::new()
        };
        Ok((
            format!("{:.1}{spread} % of {}", m.mean, sides[0].0),
            Some(m.mean),
        ))
    };
    let mut row =
        |label: String, near: Vec<(usize, usize)>, far: Vec<(usize, usize)>| -> Result<()> {
            let ((a, an), (b, bf)) = (cell(&near)?, cell(&far)?);
            let ratio = match (an, bf) {
                (Some(n), Some(f)) if f > 0.0 => format!("{:.1}", n / f),
                _ => "—".into(),
            };
            t.push_row(&[label, a, b, ratio])?;
            Ok(())
        };
    row(
        "all".into(),
        runs.iter().map(|r| r.near(true)).collect(),
        runs.iter().map(|r| r.near(false)).collect(),
    )?;
    for (k, b) in runs[0].theta_bands.iter().enumerate() {
        let side = |near: bool| -> Vec<(usize, usize)> {
            runs.iter()
                .map(|r| {
                    r.theta_bands
                        .get(k)
                        .map_or((0, 0), |b| if near { b.near } else { b.far })
                })
                .collect()
        };
        let (near, far) = (side(true), side(false));
        if near.iter().chain(&far).any(|s| s.0 > 0) {
            row(format!("{:.0}–{:.0}°", b.from_deg, b.to_deg), near, far)?;
        }
    }
    Ok(t)
}

/// The mirror scores of the `eval.json` copies in `dir` whose names start with `prefix` (e.g.
/// `results/classification/mirror`, `three-class_compact-long_s`), in name order; a file
/// without them, or a missing folder, is an error naming it (`crate::io::load_json_dir` reads them).
pub fn load_mirror_dir(dir: impl AsRef<Path>, prefix: &str) -> Result<Vec<MirrorScores>> {
    let dir = dir.as_ref();
    if !dir.is_dir() {
        return Err(Error::invalid(
            "mirror results folder",
            dir.display(),
            "does not exist",
        ));
    }
    crate::io::load_json_dir::<EvalMetrics>(dir)?
        .into_iter()
        .filter(|(name, _)| name.starts_with(prefix))
        .map(|(name, e)| {
            e.mirror.ok_or_else(|| {
                Error::invalid(
                    "evaluation",
                    dir.join(format!("{name}.json")).display(),
                    "holds no mirror scores",
                )
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label(i: f32, theta: f32, phi: f32, class: i32) -> PairLabel {
        PairLabel::for_tests(i, theta, phi, class)
    }

    #[test]
    fn images_fall_into_the_bin_of_their_mirror_distance_and_errors_count_only_wrong_i() {
        // Three classes (0, 45, 90). i = 0 at θ = 20: i′ = 40, 5° from 45 → first bin.
        // i = 0 face-on: i′ = 0, 45° from the nearest other class → last bin, [45, 90].
        // i = 90 at θ = 80, φ = 0: n₂·ŝ = sin 80°, n₁·ŝ = cos 80°: cos i′ = 2 sin 80° cos 80° = sin 160°,
        // i′ = 70°: 20° from 90 (own class, ignored) and 25° from 45 → [20, 45).
        let labels = [
            label(0.0, 20.0, 0.0, 0),
            label(0.0, 0.0, 0.0, 0),
            label(90.0, 80.0, 0.0, 2),
        ];
        let s = MirrorScores::new(Experiment::ThreeClass, &labels, &[0, 0, 2], &[1, 0, 2]).unwrap();
        let n: Vec<usize> = s.bins.iter().map(|b| b.n).collect();
        assert_eq!(n, vec![1, 0, 1, 1]);
        let w: Vec<usize> = s.bins.iter().map(|b| b.wrong_i).collect();
        assert_eq!(w, vec![1, 0, 0, 0]);
        assert_eq!(s.near(true), (1, 1));
        assert_eq!(s.near(false), (2, 0));
        assert!(s.summary().contains("100.0 %"), "{}", s.summary());
        assert_eq!(s.table("t").unwrap().rows.len(), 4);
        // |θ| bands: 20° → 15–30 (near, wrong), 0° → 0–15 (far), 80° → 75–90 (far).
        let bands: Vec<_> = s.theta_bands.iter().map(|b| (b.near, b.far)).collect();
        assert_eq!(bands[1], ((1, 1), (0, 0)));
        assert_eq!(bands[0], ((0, 0), (1, 0)));
        assert_eq!(bands[5], ((0, 0), (1, 0)));
        // No band holds both sides here, so the comparison table is empty.
        assert!(s.theta_table("t").unwrap().rows.is_empty());
        let both = [label(0.0, 20.0, 0.0, 0), label(45.0, 20.0, 90.0, 1)];
        let s2 = MirrorScores::new(Experiment::ThreeClass, &both, &[0, 1], &[1, 1]).unwrap();
        assert_eq!(
            s2.theta_table("t").unwrap().rows.len(),
            1,
            "{:?}",
            s2.theta_bands
        );
        // Over runs: the pooled row and the one band with both sides; 100 % near, 0 % far.
        let t = mirror_seeds_table(&[s2.clone(), s2], "t").unwrap();
        assert_eq!(t.rows.len(), 2);
        assert!(
            t.rows[1][1].starts_with("100.0 ± 0.0 % of 1"),
            "{:?}",
            t.rows[1]
        );
        assert!(mirror_seeds_table(&[], "t").is_err());
        // Nine classes: a wrong θ with the right i is not an i error.
        let s = MirrorScores::new(Experiment::NineClass, &labels[..1], &[0], &[2]).unwrap();
        assert_eq!(s.near(true), (1, 0));
    }

    #[test]
    fn bad_input_is_an_error() {
        let labels = [label(0.0, 20.0, 0.0, 0)];
        assert!(MirrorScores::new(Experiment::ThreeClass, &labels, &[0, 1], &[0]).is_err());
        assert!(MirrorScores::new(Experiment::ThreeClass, &labels, &[7], &[0]).is_err());
        assert!(MirrorScores::new(Experiment::Theta, &labels, &[0], &[0]).is_err());
        assert!(
            MirrorScores::new(
                Experiment::ThreeClass,
                &[label(f32::NAN, 20.0, 0.0, 0)],
                &[0],
                &[0]
            )
            .is_err()
        );
    }
}
