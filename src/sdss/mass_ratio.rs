//! Stellar mass ratios of the 30 SDSS pairs from their magnitudes (seed 000, "Results on real
//! data": "the stellar mass ratios … as deduced from the values of their absolute magnitudes of
//! each galaxy in the interacting pair in different bands (Appendix B, Tables B1 and B2) …
//! between 1:1 and 1:8 with a median value of ∼ 1:4" for i ≈ 0°, "between 1:1 to 1:12 with a
//! median value of ∼ 1:8" for i ≈ 45°).
//!
//! **The assumption.** Both galaxies of a pair have the same stellar mass-to-light ratio in the
//! band used, so their mass ratio is their luminosity ratio, `M₁/M₂ = L₁/L₂ = 10^{0.4 (m₂ − m₁)}`.
//! Tables B1 and B2 list total (HyperLEDA) magnitudes; the two galaxies of a pair lie at one
//! distance, so apparent and absolute magnitudes give the same ratio. The I band is the default:
//! of the three it is where the stellar mass-to-light ratio varies least with the stellar
//! population (Bell & de Jong 2001, ApJ 550, 212, Table 1: across their colour range Υ changes by
//! a factor ~2 in I against ~7 in B), so "same M/L" is least wrong there. Ratios are written
//! larger-to-smaller (≥ 1, "1:x").
//!
//! **What reproduces the paper.** With one mass-to-light ratio in any single band the medians
//! are ~1:1.5–1:2, not ~1:4 and ~1:8 (notebook 09 prints them). The product of the three bands'
//! luminosity ratios, `10^{0.4 Σ_b |Δm_b|}`, gives medians 1:3.5 and 1:8.7 — the paper's — so
//! that is probably how they were computed. It is not a mass ratio (it counts the same luminosity
//! contrast three times), and it is offered here only to show where the paper's numbers come
//! from ([`MassRatioMethod::ProductOfBands`]).

use super::catalog::InteractingPair;
use crate::error::{Error, Result, check_finite};
use serde::{Deserialize, Serialize};

/// A photometric band of Tables B1 and B2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Band {
    /// U.
    U,
    /// B.
    B,
    /// I.
    I,
}

impl Band {
    /// All three, in table order.
    pub const ALL: [Band; 3] = [Band::U, Band::B, Band::I];

    /// The pair's magnitudes (galaxy 1, galaxy 2) in this band.
    pub fn magnitudes(self, p: &InteractingPair) -> (f64, f64) {
        match self {
            Band::U => (p.u_mag1, p.u_mag2),
            Band::B => (p.b_mag1, p.b_mag2),
            Band::I => (p.i_mag1, p.i_mag2),
        }
    }
}

/// How a pair's magnitudes become a mass ratio.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MassRatioMethod {
    /// One stellar mass-to-light ratio for both galaxies in this band (the physical reading).
    SameMassToLight(Band),
    /// The product of the three bands' luminosity ratios: the reading that reproduces the
    /// paper's medians; not a mass ratio.
    ProductOfBands,
}

impl MassRatioMethod {
    /// A short name for tables.
    pub fn name(self) -> String {
        match self {
            MassRatioMethod::SameMassToLight(b) => format!("same M/L, {b:?} band"),
            MassRatioMethod::ProductOfBands => "product of U, B, I luminosity ratios".into(),
        }
    }
}

/// Luminosity ratio of two galaxies at one distance from their magnitudes, brighter over
/// fainter (≥ 1): `10^{0.4 |m₁ − m₂|}`. Non-finite magnitudes are an error naming them.
pub fn luminosity_ratio(m1: f64, m2: f64) -> Result<f64> {
    check_finite("magnitude 1", m1)?;
    check_finite("magnitude 2", m2)?;
    Ok(10f64.powf(0.4 * (m1 - m2).abs()))
}

/// The pair's mass ratio (larger over smaller, ≥ 1) by `method`.
pub fn mass_ratio(pair: &InteractingPair, method: MassRatioMethod) -> Result<f64> {
    let named = |r: Result<f64>| {
        r.map_err(|e| Error::invalid("pair", &pair.obj_id, format!("bad magnitudes: {e}")))
    };
    match method {
        MassRatioMethod::SameMassToLight(b) => {
            let (m1, m2) = b.magnitudes(pair);
            named(luminosity_ratio(m1, m2))
        }
        MassRatioMethod::ProductOfBands => {
            let mut product = 1.0;
            for b in Band::ALL {
                let (m1, m2) = b.magnitudes(pair);
                product *= named(luminosity_ratio(m1, m2))?;
            }
            Ok(product)
        }
    }
}

/// Range and median of a set of mass ratios.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RatioSummary {
    /// Pairs.
    pub n: usize,
    /// Smallest ratio.
    pub min: f64,
    /// Median (mean of the middle two for an even count).
    pub median: f64,
    /// Largest ratio.
    pub max: f64,
    /// Fraction of pairs with a ratio of at most 1:8.
    pub within_1_to_8: f64,
    /// Fraction with at most 1:12.
    pub within_1_to_12: f64,
}

/// Summary of `ratios` (at least one, all finite and ≥ 1).
pub fn summarize(ratios: &[f64]) -> Result<RatioSummary> {
    if ratios.is_empty() {
        return Err(Error::invalid("mass ratios", "none", "need at least one"));
    }
    for &r in ratios {
        check_finite("mass ratio", r)?;
        if r < 1.0 {
            return Err(Error::invalid(
                "mass ratio",
                r,
                "must be ≥ 1 (larger over smaller)",
            ));
        }
    }
    let mut v = ratios.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    let median = if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    };
    let frac = |lim: f64| v.iter().filter(|&&r| r <= lim).count() as f64 / n as f64;
    Ok(RatioSummary {
        n,
        min: v[0],
        median,
        max: v[n - 1],
        within_1_to_8: frac(8.0),
        within_1_to_12: frac(12.0),
    })
}

/// The ratios of the pairs of one class (`class_deg`: 0 or 45, Table B1 or B2) by `method`.
pub fn class_ratios(
    pairs: &[InteractingPair],
    class_deg: u32,
    method: MassRatioMethod,
) -> Result<Vec<f64>> {
    if class_deg != 0 && class_deg != 45 {
        return Err(Error::invalid(
            "class",
            class_deg,
            "must be 0 or 45 (Tables B1, B2)",
        ));
    }
    pairs
        .iter()
        .filter(|p| p.class == class_deg)
        .map(|p| mass_ratio(p, method))
        .collect()
}

/// One row per class and method — range, median and how many pairs lie within 1:8 / 1:12 —
/// beside the paper's statement for that class.
pub fn mass_ratio_table(pairs: &[InteractingPair]) -> Result<crate::display::Table> {
    let paper = crate::paper::prakash2020::MASS_RATIOS;
    let mut t = crate::display::Table::new(
        "Stellar mass ratios of the SDSS pairs from Tables B1, B2 (larger : smaller)",
        &[
            "relative inclination",
            "method",
            "pairs",
            "range",
            "median",
            "within 1:8",
            "within 1:12",
            "paper",
        ],
    );
    let methods = [
        MassRatioMethod::SameMassToLight(Band::I),
        MassRatioMethod::SameMassToLight(Band::B),
        MassRatioMethod::SameMassToLight(Band::U),
        MassRatioMethod::ProductOfBands,
    ];
    for (class, lo, hi, med) in paper {
        for m in methods {
            let s = summarize(&class_ratios(pairs, class, m)?)?;
            t.push_row(&[
                format!("≈ {class}°"),
                m.name(),
                s.n.to_string(),
                format!("1:{:.1} – 1:{:.1}", s.min, s.max),
                format!("1:{:.1}", s.median),
                format!("{:.0} %", 100.0 * s.within_1_to_8),
                format!("{:.0} %", 100.0 * s.within_1_to_12),
                format!("1:{lo} – 1:{hi}, median ~1:{med}"),
            ])?;
        }
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(class: u32, u: (f64, f64), b: (f64, f64), i: (f64, f64)) -> InteractingPair {
        InteractingPair {
            obj_id: "J000000+000000".into(),
            ra: 0.0,
            dec: 0.0,
            i1: 0.0,
            i2: 0.0,
            pa1: 0.0,
            pa2: 0.0,
            i: 0.0,
            u_mag1: u.0,
            b_mag1: b.0,
            i_mag1: i.0,
            u_mag2: u.1,
            b_mag2: b.1,
            i_mag2: i.1,
            class,
            table: "B1".into(),
        }
    }

    #[test]
    fn hand_computed_rows() {
        // Table B1, first row (J15265746+1009004): I 15.47 and 18.41, Δ = 2.94 mag,
        // 10^(0.4 · 2.94) = 10^1.176 = 14.997.
        let p = pair(0, (18.66, 19.94), (17.1, 19.38), (15.47, 18.41));
        let i = mass_ratio(&p, MassRatioMethod::SameMassToLight(Band::I)).unwrap();
        assert!((i - 14.997).abs() < 1e-3, "{i}");
        // B: Δ = 2.28 mag → 10^0.912 = 8.166.
        let b = mass_ratio(&p, MassRatioMethod::SameMassToLight(Band::B)).unwrap();
        assert!((b - 8.166).abs() < 1e-3, "{b}");
        // All three: Δ = 1.28 + 2.28 + 2.94 = 6.50 mag → 10^2.6 = 398.1.
        let all = mass_ratio(&p, MassRatioMethod::ProductOfBands).unwrap();
        assert!((all - 398.107).abs() < 1e-2, "{all}");
        // The fainter galaxy listed first gives the same ratio.
        let swapped = pair(0, (19.94, 18.66), (19.38, 17.1), (18.41, 15.47));
        assert_eq!(
            mass_ratio(&swapped, MassRatioMethod::SameMassToLight(Band::I)).unwrap(),
            i
        );
        // Equal magnitudes: 1:1.
        assert_eq!(luminosity_ratio(16.0, 16.0).unwrap(), 1.0);
    }

    #[test]
    fn summaries_and_bad_input() {
        let s = summarize(&[4.0, 1.0, 9.0, 2.0]).unwrap();
        assert_eq!((s.n, s.min, s.median, s.max), (4, 1.0, 3.0, 9.0));
        assert_eq!(s.within_1_to_8, 0.75);
        assert_eq!(s.within_1_to_12, 1.0);
        assert!(summarize(&[]).is_err());
        assert!(summarize(&[0.5]).unwrap_err().to_string().contains("0.5"));
        assert!(summarize(&[f64::NAN]).is_err());
        let bad = pair(0, (f64::NAN, 1.0), (1.0, 1.0), (1.0, 1.0));
        let e = mass_ratio(&bad, MassRatioMethod::SameMassToLight(Band::U)).unwrap_err();
        assert!(e.to_string().contains("J000000+000000"), "{e}");
        assert!(class_ratios(&[], 30, MassRatioMethod::ProductOfBands).is_err());
    }
}
