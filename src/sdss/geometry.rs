//! Seed 000, Eq. 6: the relative inclination *i* between the discs of an interacting pair from
//! the two galaxies' inclinations (i1, i2) and position angles (PA1, PA2), and the labelling of
//! the real test set: a pair is in class 0° (45°) when *i* lies within ±15° of 0° (45°).
//!
//! ```text
//! cos i = sin i1 sin i2 cos PA1 cos PA2 + sin i1 sin i2 sin PA1 sin PA2 + cos i1 cos i2
//!       = sin i1 sin i2 cos(PA1 − PA2) + cos i1 cos i2
//! ```
//!
//! This is the angle between the two disc normals (spin axes) when each normal is taken at
//! inclination i from the line of sight and at azimuth PA on the sky.

use crate::error::{Error, Result, check_range};
use serde::{Deserialize, Serialize};

/// Half-width of the labelling window around 0° and 45° (the seed's ±15°).
pub const LABEL_TOLERANCE_DEG: f64 = 15.0;

/// Relative inclination in degrees, Eq. 6 of the seed.
///
/// Accepted input (HyperLEDA's conventions, which the seed used):
/// * `i1_deg`, `i2_deg`: inclinations in **[0, 90]** degrees (0 face-on, 90 edge-on);
/// * `pa1_deg`, `pa2_deg`: position angles of the major axes in **[0, 180]** degrees, North
///   through East.
///
/// NaN, infinite or out-of-range values are an [`Error::InvalidParameter`] naming the argument.
/// The result lies in [0, 180] degrees (the cosine is clamped to [−1, 1] against rounding).
pub fn relative_inclination(i1_deg: f64, i2_deg: f64, pa1_deg: f64, pa2_deg: f64) -> Result<f64> {
    check_range("i1", i1_deg, 0.0, 90.0)?;
    check_range("i2", i2_deg, 0.0, 90.0)?;
    check_pa("pa1", pa1_deg)?;
    check_pa("pa2", pa2_deg)?;
    let (i1, i2) = (i1_deg.to_radians(), i2_deg.to_radians());
    let dpa = (pa1_deg - pa2_deg).to_radians();
    let c = i1.sin() * i2.sin() * dpa.cos() + i1.cos() * i2.cos();
    Ok(c.clamp(-1.0, 1.0).acos().to_degrees())
}

fn check_pa(name: &str, v: f64) -> Result<f64> {
    if !v.is_finite() || !(0.0..=180.0).contains(&v) {
        return Err(Error::invalid(
            name,
            v,
            "position angles must lie in [0, 180] degrees, measured North through East (HyperLEDA)",
        ));
    }
    Ok(v)
}

/// The two classes of the seed's real-data test (Tables B1 and B2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RelInclinationClass {
    /// Relative inclination ≈ 0° (Table B1).
    Deg0,
    /// Relative inclination ≈ 45° (Table B2).
    Deg45,
}

impl RelInclinationClass {
    /// The nominal angle of the class in degrees (0 or 45).
    pub fn degrees(self) -> u32 {
        match self {
            RelInclinationClass::Deg0 => 0,
            RelInclinationClass::Deg45 => 45,
        }
    }

    /// Index for a 2-class network output: 0 for 0°, 1 for 45°.
    pub fn index(self) -> usize {
        match self {
            RelInclinationClass::Deg0 => 0,
            RelInclinationClass::Deg45 => 1,
        }
    }

    /// The class with nominal angle `deg` (0 or 45).
    pub fn from_degrees(deg: u32) -> Result<Self> {
        match deg {
            0 => Ok(RelInclinationClass::Deg0),
            45 => Ok(RelInclinationClass::Deg45),
            d => Err(Error::invalid("class", d, "must be 0 or 45 (degrees)")),
        }
    }
}

impl std::fmt::Display for RelInclinationClass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}°", self.degrees())
    }
}

/// The seed's labelling: 0° if |i| ≤ 15°, 45° if |i − 45°| ≤ 15°, otherwise `None` (the pair is
/// not used). NaN gives `None`. Both window edges are inclusive.
pub fn label_relative_inclination(i_deg: f64) -> Option<RelInclinationClass> {
    label_with_tolerance(i_deg, LABEL_TOLERANCE_DEG)
}

/// [`label_relative_inclination`] with another half-width `tol_deg` (must be < 22.5° for the
/// windows not to overlap; larger or non-finite tolerances give `None`).
pub fn label_with_tolerance(i_deg: f64, tol_deg: f64) -> Option<RelInclinationClass> {
    if !i_deg.is_finite() || !tol_deg.is_finite() || !(0.0..22.5).contains(&tol_deg) {
        return None;
    }
    if (i_deg - 0.0).abs() <= tol_deg {
        Some(RelInclinationClass::Deg0)
    } else if (i_deg - 45.0).abs() <= tol_deg {
        Some(RelInclinationClass::Deg45)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coplanar_discs_have_zero_relative_inclination() {
        assert!(relative_inclination(60.0, 60.0, 30.0, 30.0).unwrap().abs() < 1e-6);
        // Face-on pair: the position angles do not matter.
        assert!(relative_inclination(0.0, 0.0, 10.0, 170.0).unwrap().abs() < 1e-6);
        // One face-on, one edge-on: 90° whatever the PAs.
        assert!((relative_inclination(0.0, 90.0, 10.0, 100.0).unwrap() - 90.0).abs() < 1e-9);
        // Both edge-on, axes 45° apart on the sky.
        assert!((relative_inclination(90.0, 90.0, 0.0, 45.0).unwrap() - 45.0).abs() < 1e-9);
        // Symmetric in the two galaxies.
        let a = relative_inclination(35.7, 39.7, 78.6, 98.4).unwrap();
        let b = relative_inclination(39.7, 35.7, 98.4, 78.6).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn bad_input_names_the_argument() {
        for (args, name) in [
            ((f64::NAN, 10.0, 0.0, 0.0), "i1"),
            ((10.0, 91.0, 0.0, 0.0), "i2"),
            ((10.0, 10.0, -1.0, 0.0), "pa1"),
            ((10.0, 10.0, 0.0, f64::INFINITY), "pa2"),
            ((10.0, 10.0, 0.0, 181.0), "pa2"),
        ] {
            let e = relative_inclination(args.0, args.1, args.2, args.3).unwrap_err();
            assert!(e.to_string().contains(name), "{e}");
        }
    }

    #[test]
    fn labels_follow_the_fifteen_degree_windows() {
        use RelInclinationClass::*;
        assert_eq!(label_relative_inclination(0.0), Some(Deg0));
        assert_eq!(label_relative_inclination(15.0), Some(Deg0));
        assert_eq!(label_relative_inclination(15.01), None);
        assert_eq!(label_relative_inclination(29.99), None);
        assert_eq!(label_relative_inclination(30.0), Some(Deg45));
        assert_eq!(label_relative_inclination(60.0), Some(Deg45));
        assert_eq!(label_relative_inclination(60.5), None);
        assert_eq!(label_relative_inclination(90.0), None);
        assert_eq!(label_relative_inclination(f64::NAN), None);
        assert_eq!(label_with_tolerance(20.0, 20.0), Some(Deg0));
        assert_eq!(label_with_tolerance(20.0, 30.0), None);
        assert_eq!(RelInclinationClass::from_degrees(45).unwrap(), Deg45);
        assert!(RelInclinationClass::from_degrees(90).is_err());
        assert_eq!(Deg45.to_string(), "45°");
    }
}
