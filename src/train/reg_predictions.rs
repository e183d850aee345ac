//! A regressor's predictions beside the true angles (degrees), wherever they came from: a run's
//! test set ([`super::theta_experiment::RegRun::predictions`]) or a committed network on fresh
//! data ([`super::reg_model::RegModel::predict`]). Scores (RMSE, σ coverage, RMSE per region of
//! (i, θ)) and the figures (predicted against true, residuals) are computed here once for both.

use super::theta_experiment::{RegTarget, RegionRow};
use crate::error::{Error, Result};
use crate::plot::{Figure, Series};

/// True and predicted angles (and σ for Gaussian heads), `[images × targets]` row-major, degrees.
#[derive(Debug, Clone, PartialEq)]
pub struct RegPredictions {
    /// Targets, in column order.
    pub targets: Vec<RegTarget>,
    /// True angles.
    pub truth_deg: Vec<f64>,
    /// Predicted angles (μ).
    pub pred_deg: Vec<f64>,
    /// Predicted σ (Gaussian heads).
    pub sigma_deg: Option<Vec<f64>>,
}

impl RegPredictions {
    /// Checks that every column has one value per image and target.
    pub fn new(
        targets: Vec<RegTarget>,
        truth_deg: Vec<f64>,
        pred_deg: Vec<f64>,
        sigma_deg: Option<Vec<f64>>,
    ) -> Result<Self> {
        crate::error::check_size("targets", targets.len(), 1)?;
        crate::error::check_size("predictions", truth_deg.len(), 1)?;
        let n = truth_deg.len();
        let bad = |what: &str, len: usize| {
            Error::invalid(
                what,
                len,
                format!("expected {n} values, as the true angles"),
            )
        };
        if !n.is_multiple_of(targets.len()) {
            return Err(Error::invalid(
                "true angles",
                n,
                format!("not a multiple of {} targets", targets.len()),
            ));
        }
        if pred_deg.len() != n {
            return Err(bad("predicted angles", pred_deg.len()));
        }
        if let Some(s) = &sigma_deg
            && s.len() != n
        {
            return Err(bad("predicted σ", s.len()));
        }
        Ok(RegPredictions {
            targets,
            truth_deg,
            pred_deg,
            sigma_deg,
        })
    }

    /// Images predicted.
    pub fn len(&self) -> usize {
        self.truth_deg.len() / self.targets.len()
    }

    /// Never true for a constructed set.
    pub fn is_empty(&self) -> bool {
        self.truth_deg.is_empty()
    }

    fn column(&self, v: &[f64], target: RegTarget) -> Result<Vec<f64>> {
        let k = self.targets.len();
        let t = self
            .targets
            .iter()
            .position(|&x| x == target)
            .ok_or_else(|| {
                Error::invalid("target", target.name(), "not regressed by this network")
            })?;
        Ok(v.iter().skip(t).step_by(k).copied().collect())
    }

    /// True angles of `target`.
    pub fn truth(&self, target: RegTarget) -> Result<Vec<f64>> {
        self.column(&self.truth_deg, target)
    }

    /// Predicted angles of `target`.
    pub fn predicted(&self, target: RegTarget) -> Result<Vec<f64>> {
        self.column(&self.pred_deg, target)
    }

    /// Root-mean-square error of `target` in degrees.
    pub fn rmse(&self, target: RegTarget) -> Result<f64> {
        let (t, p) = (self.truth(target)?, self.predicted(target)?);
        Ok(root_mean_square(
            t.iter().zip(&p).map(|(a, b)| a - b),
            t.len(),
        ))
    }

    /// Root-mean-square error in degrees of always answering `value_deg` for `target` on these
    /// images: the baseline a network must beat (0° for θ, the middle of the range, 45°, for
    /// i and |θ|).
    pub fn constant_rmse(&self, target: RegTarget, value_deg: f64) -> Result<f64> {
        if !value_deg.is_finite() {
            return Err(Error::invalid("value_deg", value_deg, "must be finite"));
        }
        let t = self.truth(target)?;
        Ok(root_mean_square(t.iter().map(|a| a - value_deg), t.len()))
    }

    /// Fraction of images whose true `target` lies within `k` σ of μ, σ multiplied by `scale`
    /// (`None` for a point-estimate head).
    pub fn within(&self, target: RegTarget, k: f64, scale: f64) -> Result<Option<f64>> {
        crate::error::check_finite("k", k)?;
        crate::error::check_finite("scale", scale)?;
        let Some(s) = &self.sigma_deg else {
            return Ok(None);
        };
        let (t, p, s) = (
            self.truth(target)?,
            self.predicted(target)?,
            self.column(s, target)?,
        );
        let hits = (0..t.len())
            .filter(|&j| (t[j] - p[j]).abs() < k * scale * s[j])
            .count();
        Ok(Some(hits as f64 / t.len() as f64))
    }

    /// Predicted against true angle for `target` (with ±σ bars for Gaussian heads); `set` names
    /// the images ("test", "fresh simulations").
    pub fn prediction_figure(&self, target: RegTarget, set: &str) -> Result<Figure> {
        let (tr, pr) = (self.truth(target)?, self.predicted(target)?);
        let mut s = Series::points(
            format!("{set} images"),
            tr.iter().copied().zip(pr).collect(),
        );
        if let Some(sig) = &self.sigma_deg {
            s = s.with_y_err(self.column(sig, target)?);
        }
        let (lo, hi) = match target {
            RegTarget::Theta => (-90.0, 90.0),
            RegTarget::Inclination | RegTarget::AbsTheta => (0.0, 90.0),
        };
        Ok(Figure::new(
            format!("predicted vs true {} ({set})", target.name()),
            format!("true {} [deg]", target.name()),
            format!("predicted {} [deg]", target.name()),
        )
        .with(s)
        .with(Series::line("identity", vec![(lo, lo), (hi, hi)])))
    }

    /// Residual (predicted − true) against the true angle: a θ ↔ −θ confusion shows as points
    /// near the line residual = −2θ.
    pub fn residual_figure(&self, target: RegTarget, set: &str) -> Result<Figure> {
        let (tr, pr) = (self.truth(target)?, self.predicted(target)?);
        let pts = tr.iter().zip(&pr).map(|(&a, &b)| (a, b - a)).collect();
        let mut fig = Figure::new(
            format!("residuals of {} ({set})", target.name()),
            format!("true {} [deg]", target.name()),
            "predicted − true [deg]",
        )
        .with(Series::points(format!("{set} images"), pts))
        .with(Series::line("zero", vec![(-90.0, 0.0), (90.0, 0.0)]));
        if target == RegTarget::Theta {
            fig = fig.with(Series::line(
                "θ → −θ confusion",
                vec![(-90.0, 180.0), (90.0, -180.0)],
            ));
        }
        Ok(fig)
    }

    /// The predictions as CSV, one row per image: `true_X,pred_X,sigma_X` per target X (σ empty
    /// for point heads); [`super::theta_experiment::TestPredictions::read`] reads it back.
    pub fn to_csv(&self) -> String {
        let k = self.targets.len();
        let mut csv = self
            .targets
            .iter()
            .map(|t| {
                let n = t.name();
                format!("true_{n},pred_{n},sigma_{n}")
            })
            .collect::<Vec<_>>()
            .join(",")
            + "\n";
        for r in 0..self.len() {
            let cells: Vec<String> = (0..k)
                .map(|t| {
                    let j = r * k + t;
                    let s = self
                        .sigma_deg
                        .as_ref()
                        .map(|s| s[j].to_string())
                        .unwrap_or_default();
                    format!("{},{},{s}", self.truth_deg[j], self.pred_deg[j])
                })
                .collect();
            csv += &(cells.join(",") + "\n");
        }
        csv
    }

    /// RMSE of each target in a grid of true (i, θ) cells (`i_edges`, `theta_edges` in degrees):
    /// rows (i range, θ range, count, RMSE per target). Needs i and θ (or |θ|).
    pub fn rmse_by_region(&self, i_edges: &[f64], theta_edges: &[f64]) -> Result<Vec<RegionRow>> {
        let theta = if self.targets.contains(&RegTarget::AbsTheta) {
            RegTarget::AbsTheta
        } else {
            RegTarget::Theta
        };
        let (ti, tt) = (self.truth(RegTarget::Inclination)?, self.truth(theta)?);
        let (pi, pt) = (
            self.predicted(RegTarget::Inclination)?,
            self.predicted(theta)?,
        );
        Ok(region_rows([&ti, &tt], [&pi, &pt], i_edges, theta_edges))
    }
}

/// RMSE of i and θ per cell of true (i, θ): `truth` and `pred` are `[i, θ]` columns in degrees.
pub(crate) fn region_rows(
    truth: [&[f64]; 2],
    pred: [&[f64]; 2],
    i_edges: &[f64],
    theta_edges: &[f64],
) -> Vec<RegionRow> {
    let [ti, tt] = truth;
    let [pi, pt] = pred;
    let mut rows = Vec::new();
    for iw in i_edges.windows(2) {
        for tw in theta_edges.windows(2) {
            let sel: Vec<usize> = (0..ti.len())
                .filter(|&k| ti[k] >= iw[0] && ti[k] < iw[1] && tt[k] >= tw[0] && tt[k] < tw[1])
                .collect();
            let rmse = |t: &[f64], p: &[f64]| {
                (sel.iter().map(|&k| (t[k] - p[k]).powi(2)).sum::<f64>() / sel.len().max(1) as f64)
                    .sqrt()
            };
            rows.push((
                format!("[{}, {})", iw[0], iw[1]),
                format!("[{}, {})", tw[0], tw[1]),
                sel.len(),
                vec![rmse(ti, pi), rmse(tt, pt)],
            ));
        }
    }
    rows
}

/// √(Σ e² / n) of `n` errors.
fn root_mean_square(errors: impl Iterator<Item = f64>, n: usize) -> f64 {
    (errors.map(|e| e * e).sum::<f64>() / n as f64).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_and_bad_shapes() {
        let t = vec![RegTarget::Inclination, RegTarget::AbsTheta];
        // Two images: errors (3°, 4°) in i, (0°, 0°) in |θ|; σ 2° everywhere.
        let p = RegPredictions::new(
            t.clone(),
            vec![10.0, 20.0, 50.0, 60.0],
            vec![13.0, 20.0, 46.0, 60.0],
            Some(vec![2.0; 4]),
        )
        .unwrap();
        assert_eq!(p.len(), 2);
        let r = p.rmse(RegTarget::Inclination).unwrap();
        assert!((r - 12.5f64.sqrt()).abs() < 1e-12, "{r}");
        assert_eq!(p.rmse(RegTarget::AbsTheta).unwrap(), 0.0);
        // Always answering 30° for i (true 10° and 50°): errors −20° and +20°.
        assert!((p.constant_rmse(RegTarget::Inclination, 30.0).unwrap() - 20.0).abs() < 1e-12);
        let e = p
            .constant_rmse(RegTarget::Inclination, f64::NAN)
            .unwrap_err();
        assert!(e.to_string().contains("value_deg"), "{e}");
        // Within 1σ: neither (3, 4 > 2); within 2σ × 1: one (3 < 4, 4 not < 4); scale 2: both.
        assert_eq!(
            p.within(RegTarget::Inclination, 1.0, 1.0).unwrap(),
            Some(0.0)
        );
        assert_eq!(
            p.within(RegTarget::Inclination, 2.0, 1.0).unwrap(),
            Some(0.5)
        );
        assert_eq!(
            p.within(RegTarget::Inclination, 2.0, 2.0).unwrap(),
            Some(1.0)
        );
        assert!(p.rmse(RegTarget::Theta).is_err());
        let rows = p.rmse_by_region(&[0.0, 45.0, 90.0], &[0.0, 90.0]).unwrap();
        assert_eq!(rows.iter().map(|r| r.2).collect::<Vec<_>>(), vec![1, 1]);
        assert!(p.prediction_figure(RegTarget::Inclination, "test").is_ok());
        // Shapes that do not match are named.
        let e = RegPredictions::new(t.clone(), vec![1.0; 4], vec![1.0; 3], None).unwrap_err();
        assert!(e.to_string().contains("predicted angles"), "{e}");
        let e = RegPredictions::new(t.clone(), vec![1.0; 3], vec![1.0; 3], None).unwrap_err();
        assert!(e.to_string().contains("true angles"), "{e}");
        let e = RegPredictions::new(t, vec![1.0; 4], vec![1.0; 4], Some(vec![1.0])).unwrap_err();
        assert!(e.to_string().contains("σ"), "{e}");
        let point =
            RegPredictions::new(vec![RegTarget::Theta], vec![1.0], vec![2.0], None).unwrap();
        assert_eq!(point.within(RegTarget::Theta, 1.0, 1.0).unwrap(), None);
    }
}
