//! Where a continuous-i regressor errs, against the mirror degeneracy of projected discs
//! ([`crate::sim::pair::mirror`]; the classifiers' version is [`super::class_mirror`]).
//!
//! For every image there is a second relative inclination i′ that draws the same two projected
//! discs from that direction (galaxy 2 reflected through the sky plane). A network that reads i
//! from the discs' shapes alone cannot tell i from i′; under a squared loss (or a Gaussian
//! likelihood, whose μ is also a mean) it can then at best answer a weighted mean of the two.
//! Binning the errors by |i − i′| says how much of the RMSE that accounts for: where i′ ≈ i the
//! discs fix i; where the two differ, only the tidal features, the orientation of galaxy 2's disc
//! against the orbit, or the datasets' fixed azimuth of that disc (Φ₂ = 0) can tell them apart.
//! The "midpoint" column is the RMSE of the equal-weight answer (i + i′) / 2 on the same images:
//! a reference, not a bound — how a reader should weigh i against i′ depends on how the data draw
//! i and the view (i uniform in 0–90° makes the lower inclination the likelier of the two).

use super::class_mirror::band_of;
use super::reg_predictions::RegPredictions;
use super::theta_experiment::RegTarget;
use crate::data::pairs_h5::PairLabel;
use crate::display::Table;
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// Edges (degrees) of the bins of |i − i′|: [0, 5), [5, 10), [10, 20), [20, 40), [40, 90].
pub const REG_MIRROR_EDGES: [f64; 6] = [0.0, 5.0, 10.0, 20.0, 40.0, 90.0];

/// How far the true i may lie from the label's i (degrees) before the predictions and the
/// labels are taken to be of different images (the regression targets are stored as f32).
const LABEL_TOLERANCE_DEG: f64 = 0.01;

/// The images of one bin of |i − i′|.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegMirrorBin {
    /// Lower edge of |i − i′| (degrees, inclusive).
    pub from_deg: f64,
    /// Upper edge (degrees; exclusive except for the last bin).
    pub to_deg: f64,
    /// Images in the bin.
    pub n: usize,
    /// RMSE of the network's i (degrees; `None` for an empty bin).
    pub rmse_i_deg: Option<f64>,
    /// RMSE of answering (i + i′) / 2, the equal-weight answer of a reader that cannot tell i
    /// from i′ (degrees; `None` for an empty bin).
    pub midpoint_rmse_deg: Option<f64>,
    /// Images whose predicted i lies nearer i′ than i.
    pub nearer_mirror: usize,
}

/// A regressor's i errors binned by |i − i′| ([`REG_MIRROR_EDGES`]), and over all images.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegMirrorScores {
    /// One per bin of [`REG_MIRROR_EDGES`].
    pub bins: Vec<RegMirrorBin>,
    /// All images together (edges 0 and 90).
    pub all: RegMirrorBin,
}

/// Squared errors and counts gathered for one bin.
#[derive(Default, Clone, Copy)]
struct Acc {
    n: usize,
    se: f64,
    se_mid: f64,
    nearer: usize,
}

impl Acc {
    fn add(&mut self, truth: f64, pred: f64, mirror: f64) {
        self.n += 1;
        self.se += (pred - truth).powi(2);
        self.se_mid += ((truth - mirror) / 2.0).powi(2);
        self.nearer += usize::from((pred - mirror).abs() < (pred - truth).abs());
    }

    fn bin(self, from_deg: f64, to_deg: f64) -> RegMirrorBin {
        let rmse = |se: f64| (self.n > 0).then(|| (se / self.n as f64).sqrt());
        RegMirrorBin {
            from_deg,
            to_deg,
            n: self.n,
            rmse_i_deg: rmse(self.se),
            midpoint_rmse_deg: rmse(self.se_mid),
            nearer_mirror: self.nearer,
        }
    }
}

/// An RMSE in degrees for a table cell ("—" for an empty bin).
fn deg(r: Option<f64>) -> String {
    r.map_or("—".into(), |r| format!("{r:.1}°"))
}

impl RegMirrorScores {
    /// Bins the images of `labels` (their i, θ, φ and spin; galaxy 2's spin-axis azimuth Φ₂ = 0,
    /// as every generated dataset has it; i in 0–90°) by |i − i′|, scoring the predicted i `pred_deg` against
    /// the true `truth_deg`. One label, truth and prediction per image, all finite; each truth
    /// must be its label's i (so that predictions and labels are of the same images).
    pub fn new(labels: &[PairLabel], truth_deg: &[f64], pred_deg: &[f64]) -> Result<Self> {
        if labels.len() != truth_deg.len() || pred_deg.len() != truth_deg.len() {
            return Err(Error::invalid(
                "mirror scores",
                format!(
                    "{} labels, {} true and {} predicted inclinations",
                    labels.len(),
                    truth_deg.len(),
                    pred_deg.len()
                ),
                "need one of each per image",
            ));
        }
        crate::error::check_size("images", labels.len(), 1)?;
        let mut bins = vec![Acc::default(); REG_MIRROR_EDGES.len() - 1];
        let mut all = Acc::default();
        for (k, l) in labels.iter().enumerate() {
            let (t, p) = (
                crate::error::check_finite("true i", truth_deg[k])?,
                crate::error::check_finite("predicted i", pred_deg[k])?,
            );
            if (t - f64::from(l.i_deg)).abs() > LABEL_TOLERANCE_DEG {
                return Err(Error::invalid(
                    &format!("true i of image {k}"),
                    t,
                    format!(
                        "differs from its label's i = {}°: predictions and labels are not of the same images",
                        l.i_deg
                    ),
                ));
            }
            let mirror = l.mirror_inclination_deg()?;
            let b = band_of(&REG_MIRROR_EDGES, (t - mirror).abs());
            bins[b].add(t, p, mirror);
            all.add(t, p, mirror);
        }
        Ok(RegMirrorScores {
            bins: bins
                .into_iter()
                .enumerate()
                .map(|(b, a)| a.bin(REG_MIRROR_EDGES[b], REG_MIRROR_EDGES[b + 1]))
                .collect(),
            all: all.bin(0.0, 90.0),
        })
    }

    /// [`RegMirrorScores::new`] for the i column of `p` and the labels of its images.
    pub fn from_predictions(p: &RegPredictions, labels: &[PairLabel]) -> Result<Self> {
        let (t, q) = (
            p.truth(RegTarget::Inclination)?,
            p.predicted(RegTarget::Inclination)?,
        );
        Self::new(labels, &t, &q)
    }

    /// Pooled over the bins whose range lies from `from_deg` to `to_deg`: (images, RMSE of i).
    pub fn pooled(&self, from_deg: f64, to_deg: f64) -> (usize, Option<f64>) {
        self.pool(from_deg, to_deg, |b| b.rmse_i_deg)
    }

    /// (images, pooled RMSE) of the bins from `from_deg` to `to_deg`, each bin's RMSE read by `rmse`.
    fn pool(
        &self,
        from_deg: f64,
        to_deg: f64,
        rmse: impl Fn(&RegMirrorBin) -> Option<f64>,
    ) -> (usize, Option<f64>) {
        let (n, se) = self
            .bins
            .iter()
            .filter(|b| b.from_deg >= from_deg && b.to_deg <= to_deg)
            .fold((0, 0.0), |(n, se), b| {
                (n + b.n, se + rmse(b).map_or(0.0, |r| r * r * b.n as f64))
            });
        (n, (n > 0).then(|| (se / n as f64).sqrt()))
    }

    /// One line: the RMSE of i where i′ ≈ i against where the two differ by 20° or more.
    pub fn summary(&self) -> String {
        let (near, rn) = self.pooled(0.0, 10.0);
        let (far, rf) = self.pooled(20.0, 90.0);
        format!(
            "i RMSE {} over {} images: {} where |i − i′| < 10° ({near} images), {} where |i − i′| ≥ 20° \
             ({far} images; answering (i + i′)/2 there: {})",
            deg(self.all.rmse_i_deg),
            self.all.n,
            deg(rn),
            deg(rf),
            deg(self.pool(20.0, 90.0, |b| b.midpoint_rmse_deg).1),
        )
    }

    /// The bins and the total as a table (`title` above it).
    pub fn table(&self, title: impl Into<String>) -> Result<Table> {
        let mut t = Table::new(
            title,
            &[
                "|i − i′|",
                "images",
                "RMSE of i",
                "RMSE answering (i + i′)/2",
                "predicted nearer i′ than i",
            ],
        );
        for (label, b) in self
            .bins
            .iter()
            .map(|b| (format!("{:.0}–{:.0}°", b.from_deg, b.to_deg), b))
            .chain(std::iter::once(("all".to_string(), &self.all)))
        {
            let share = if b.n > 0 {
                format!("{:.1} %", 100.0 * b.nearer_mirror as f64 / b.n as f64)
            } else {
                "—".into()
            };
            t.push_row(&[
                label,
                b.n.to_string(),
                deg(b.rmse_i_deg),
                deg(b.midpoint_rmse_deg),
                share,
            ])?;
        }
        Ok(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label(i: f32, theta: f32, phi: f32) -> PairLabel {
        PairLabel::for_tests(i, theta, phi, -1)
    }

    #[test]
    fn bins_by_the_mirror_inclination() {
        // Face-on to galaxy 1 (θ = 0): i′ = i, |i − i′| = 0 → first bin; the midpoint answer is exact.
        // i = 0 at θ = 40°: parallel discs mirror to i′ = 2θ = 80° → |i − i′| = 80 → last bin,
        // midpoint (0 + 80)/2 = 40, wrong by 40°.
        // i = 45 at θ = 35°, φ where i′ = 90° (notebook 06's example): |i − i′| = 45 → last bin.
        let (st, ct) = 35f64.to_radians().sin_cos();
        let phi = ((0.5 / ct - ct) / st).acos().to_degrees() as f32;
        let labels = [
            label(30.0, 0.0, 0.0),
            label(0.0, 40.0, 0.0),
            label(45.0, 35.0, phi),
        ];
        // Predictions: 33 (3° off), 70 (nearer i′ = 80 than 0), 45 (exact).
        let s = RegMirrorScores::new(&labels, &[30.0, 0.0, 45.0], &[33.0, 70.0, 45.0]).unwrap();
        assert_eq!(
            s.bins.iter().map(|b| b.n).collect::<Vec<_>>(),
            [1, 0, 0, 0, 2]
        );
        assert!((s.bins[0].rmse_i_deg.unwrap() - 3.0).abs() < 1e-9);
        assert!(s.bins[0].midpoint_rmse_deg.unwrap().abs() < 1e-6);
        assert_eq!(s.bins[1].rmse_i_deg, None);
        let last = &s.bins[4];
        assert!((last.rmse_i_deg.unwrap() - (70f64.powi(2) / 2.0).sqrt()).abs() < 1e-6);
        // Midpoint errors 40° and 22.5°.
        let mid = ((40f64.powi(2) + 22.5f64.powi(2)) / 2.0).sqrt();
        assert!(
            (last.midpoint_rmse_deg.unwrap() - mid).abs() < 1e-3,
            "{last:?}"
        );
        assert_eq!(last.nearer_mirror, 1);
        assert_eq!(s.all.n, 3);
        assert!((s.all.rmse_i_deg.unwrap() - ((9.0 + 4900.0) / 3f64).sqrt()).abs() < 1e-9);
        let (n, r) = s.pooled(20.0, 90.0);
        assert_eq!(n, 2);
        assert!((r.unwrap() - last.rmse_i_deg.unwrap()).abs() < 1e-9);
        assert!(s.summary().contains("over 3 images"), "{}", s.summary());
        let t = s.table("t").unwrap();
        assert_eq!(t.rows.len(), 6);
        assert_eq!(t.rows[5][0], "all");
        assert_eq!(t.rows[1][2], "—");
    }

    #[test]
    fn refuses_mismatched_or_bad_input() {
        let l = [label(30.0, 10.0, 0.0)];
        assert!(RegMirrorScores::new(&l, &[30.0, 1.0], &[30.0, 1.0]).is_err());
        assert!(RegMirrorScores::new(&[], &[], &[]).is_err());
        assert!(RegMirrorScores::new(&l, &[f64::NAN], &[30.0]).is_err());
        assert!(RegMirrorScores::new(&l, &[30.0], &[f64::INFINITY]).is_err());
        // A truth that is not the label's i: the two are of different images.
        let e = RegMirrorScores::new(&l, &[31.0], &[30.0]).unwrap_err();
        assert!(e.to_string().contains("true i of image 0"), "{e}");
        // Predictions without an i column have nothing to bin.
        let theta_only =
            RegPredictions::new(vec![RegTarget::Theta], vec![30.0], vec![30.0], None).unwrap();
        assert!(RegMirrorScores::from_predictions(&theta_only, &l).is_err());
        // A φ stored as f32 that rounded up to 360° is the view at 0°.
        let wrapped = RegMirrorScores::new(&[label(30.0, 10.0, 360.0)], &[30.0], &[30.0]).unwrap();
        let zero = RegMirrorScores::new(&[label(30.0, 10.0, 0.0)], &[30.0], &[30.0]).unwrap();
        assert_eq!(wrapped, zero);
    }
}
