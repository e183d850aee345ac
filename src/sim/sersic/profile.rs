//! The light model of seed 001 §3.1 (Eq. 2–4): a Sérsic disc in the galaxy mid-plane times a
//! Gaussian in height. This file says what the light *is*; `render.rs` turns it into pixels.

use crate::error::{Error, Result, check_finite, check_positive, check_range};
use serde::{Deserialize, Serialize};

/// Range of Sérsic indices for which [`sersic_bn`] is supported and tested.
pub const N_RANGE: (f64, f64) = (0.2, 10.0);

/// The thesis's conversion from the flattening q to the Gaussian scale height: `h_z = q R_e / 1.177`
/// (1.177 ≈ √(2 ln 2), i.e. q·R_e is the half width at half maximum of the vertical profile).
pub const HZ_DIVISOR: f64 = 1.177;

/// The Ciotti & Bertin (1999) asymptotic series for b_n, first four terms:
/// `2n − 1/3 + 4/(405 n) + 46/(25515 n²) + 131/(1148175 n³)`. Good to ~1e-6 for n ≳ 4 but off by
/// 1.4e-3 at n = 1/2, so [`sersic_bn`] uses it only as the start of its root search. `n` must be
/// finite and > 0.
pub fn sersic_bn_series(n: f64) -> Result<f64> {
    check_positive("sersic n", n)?;
    Ok(2.0 * n - 1.0 / 3.0
        + 4.0 / (405.0 * n)
        + 46.0 / (25515.0 * n * n)
        + 131.0 / (1148175.0 * n.powi(3)))
}

/// Solves Γ(2n) = 2 γ(2n, b_n) for b_n (seed 001 Eq. 3), i.e. P(2n, b_n) = 1/2 with P the
/// regularised lower incomplete gamma function (`puruspe::gammp`).
///
/// Newton's method started from the Ciotti & Bertin (1999) asymptotic expansion, safeguarded by
/// a bracket. The root is exact for puruspe's P, whose own error (~3e-12 absolute, measured at
/// P(1, ln 2)) limits b_n to ~1e-11: e.g. b_{1/2} is ln 2 to 5e-12, b_1 to 2e-11.
pub fn sersic_bn(n: f64) -> Result<f64> {
    check_range("sersic n", n, N_RANGE.0, N_RANGE.1)?;
    let a = 2.0 * n;
    let f = |b: f64| puruspe::gammp(a, b) - 0.5;
    // dP/db = b^(a-1) e^(-b) / Γ(a)
    let df = |b: f64| ((a - 1.0) * b.ln() - b - puruspe::ln_gamma(a)).exp();
    // Start from the asymptotic series; a positive start where it is not.
    let mut b = sersic_bn_series(n)?.max(0.05);
    // Bracket: P(a, b) is increasing in b.
    let (mut lo, mut hi): (f64, f64) = (1e-12, 4.0 * a + 10.0);
    for _ in 0..200 {
        let v = f(b);
        if v > 0.0 {
            hi = hi.min(b);
        } else {
            lo = lo.max(b);
        }
        let step = v / df(b);
        let mut next = b - step;
        if !(next > lo && next < hi && next.is_finite()) {
            next = 0.5 * (lo + hi);
        }
        if (next - b).abs() <= 1e-15 * b {
            return Ok(next);
        }
        b = next;
    }
    if (hi - lo) < 1e-12 * b {
        Ok(b)
    } else {
        Err(Error::Model(format!("b_n did not converge for n = {n}")))
    }
}

/// A Sérsic disc with a Gaussian vertical profile (seed 001 Eq. 4).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SersicDisc {
    /// Intensity at the effective radius, I_e (> 0).
    pub i_e: f64,
    /// Sérsic index n ∈ [0.2, 10].
    pub n: f64,
    /// Effective (half-light) radius R_e in pixels of the default grid (> 0).
    pub r_e: f64,
    /// Intrinsic axis ratio q ∈ (0, 1] (scale height over R_e, up to the 1.177 factor).
    pub q: f64,
}

/// Galaxy parameters checked once, with the derived b_n and h_z.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SersicModel {
    /// The parameters.
    pub disc: SersicDisc,
    /// b_n from [`sersic_bn`].
    pub b_n: f64,
    /// Gaussian scale height h_z = q R_e / 1.177.
    pub h_z: f64,
}

impl SersicDisc {
    /// A disc; see the fields for the allowed ranges.
    pub fn new(i_e: f64, n: f64, r_e: f64, q: f64) -> Result<Self> {
        let d = SersicDisc { i_e, n, r_e, q };
        d.validate()?;
        Ok(d)
    }

    /// Checks every parameter; errors name the bad one.
    pub fn validate(&self) -> Result<()> {
        check_finite("i_e", self.i_e)?;
        if self.i_e <= 0.0 {
            return Err(Error::invalid("i_e", self.i_e, "must be > 0"));
        }
        check_range("sersic n", self.n, N_RANGE.0, N_RANGE.1)?;
        check_finite("r_e", self.r_e)?;
        if self.r_e <= 0.0 {
            return Err(Error::invalid("r_e", self.r_e, "must be > 0"));
        }
        check_finite("q", self.q)?;
        if self.q <= 0.0 || self.q > 1.0 {
            return Err(Error::invalid("q", self.q, "must lie in (0, 1]"));
        }
        Ok(())
    }

    /// Validates and precomputes b_n and h_z.
    pub fn model(&self) -> Result<SersicModel> {
        self.validate()?;
        Ok(SersicModel {
            disc: *self,
            b_n: sersic_bn(self.n)?,
            h_z: self.q * self.r_e / HZ_DIVISOR,
        })
    }
}

impl SersicModel {
    /// Mid-plane surface profile I(R) (Eq. 2).
    #[inline]
    pub fn intensity(&self, r: f64) -> f64 {
        let d = &self.disc;
        d.i_e * (-self.b_n * ((r / d.r_e).powf(1.0 / d.n) - 1.0)).exp()
    }

    /// 3-D light density F(R_gal, z_gal) (Eq. 4).
    #[inline]
    pub fn density(&self, r_gal: f64, z_gal: f64) -> f64 {
        let t = z_gal / self.h_z;
        self.intensity(r_gal) * (-0.5 * t * t).exp()
    }

    /// Analytic 2-D luminosity of the mid-plane profile: 2π n R_e² I_e e^{b} Γ(2n) / b^{2n}.
    pub fn disc_luminosity(&self) -> f64 {
        let d = &self.disc;
        let a = 2.0 * d.n;
        2.0 * std::f64::consts::PI
            * d.n
            * d.r_e
            * d.r_e
            * d.i_e
            * (self.b_n + puruspe::ln_gamma(a) - a * self.b_n.ln()).exp()
    }

    /// Analytic total 3-D flux: the disc luminosity × √(2π) h_z. A projection at any inclination
    /// conserves it, so it is also the sum of an untruncated image times the pixel area.
    pub fn total_flux(&self) -> f64 {
        self.disc_luminosity() * (2.0 * std::f64::consts::PI).sqrt() * self.h_z
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The series is asymptotic: within 1e-6 of the root at n = 4, off by > 1e-3 at n = 1/2
    /// (what its doc and notebook 00 say); bad n is an error naming it.
    #[test]
    fn the_series_converges_to_b_n_only_for_large_n() {
        let gap = |n: f64| (sersic_bn_series(n).unwrap() - sersic_bn(n).unwrap()).abs();
        assert!(gap(4.0) < 1e-6, "n = 4: {}", gap(4.0));
        assert!(gap(0.5) > 1e-3, "n = 1/2: {}", gap(0.5));
        assert!(gap(0.5) > gap(1.0) && gap(1.0) > gap(4.0));
        for bad in [f64::NAN, 0.0, -1.0, f64::INFINITY] {
            let e = sersic_bn_series(bad).unwrap_err().to_string();
            assert!(e.contains("sersic n"), "{bad}: {e}");
        }
    }

    /// Bisection on a closed form of P(a, b) for integer a: 1 − e^{−b} Σ_{k<a} b^k / k!.
    fn bn_integer_a(a: u32) -> f64 {
        let p = |b: f64| {
            let mut term = 1.0;
            let mut sum = 1.0;
            for k in 1..a {
                term *= b / k as f64;
                sum += term;
            }
            1.0 - (-b).exp() * sum
        };
        let (mut lo, mut hi) = (0.0, 100.0);
        for _ in 0..200 {
            let m = 0.5 * (lo + hi);
            if p(m) < 0.5 { lo = m } else { hi = m }
        }
        0.5 * (lo + hi)
    }

    #[test]
    fn bn_matches_independent_values() {
        // n = 0.5: P(1, b) = 1 − e^{−b} → b = ln 2.
        assert!((sersic_bn(0.5).unwrap() - std::f64::consts::LN_2).abs() < 1e-10);
        // n = 0.25: P(1/2, b) = erf(√b) → b = erfinv(1/2)² (erfinv(0.5) = 0.4769362762044699).
        let e: f64 = 0.476_936_276_204_469_9;
        assert!((sersic_bn(0.25).unwrap() - e * e).abs() < 1e-10);
        // Integer 2n: closed-form P and bisection (n = 1, 1.5, 2, 4, 10).
        for (n, a) in [(1.0, 2), (1.5, 3), (2.0, 4), (4.0, 8), (10.0, 20)] {
            let b = sersic_bn(n).unwrap();
            let r = bn_integer_a(a);
            assert!((b - r).abs() < 1e-10 * r, "n={n}: {b} vs {r}");
        }
        // Literature: b_1 = 1.678346990016661, b_4 = 7.669249443 (Ciotti & Bertin 1999).
        assert!((sersic_bn(1.0).unwrap() - 1.678_346_990_016_661).abs() < 1e-10);
        assert!((sersic_bn(4.0).unwrap() - 7.669_249_443).abs() < 1e-8);
    }

    #[test]
    fn bn_is_defined_on_the_whole_range_and_rejects_outside() {
        let mut last = 0.0;
        for k in 0..=98 {
            let n = 0.2 + 0.1 * k as f64;
            let b = sersic_bn(n).unwrap();
            assert!(b > last, "b_n increases with n");
            assert!((puruspe::gammp(2.0 * n, b) - 0.5).abs() < 1e-12);
            last = b;
        }
        for bad in [0.1, 10.5, f64::NAN, -1.0] {
            assert!(sersic_bn(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn invalid_discs_are_errors_naming_the_parameter() {
        for (d, name) in [
            (
                SersicDisc {
                    i_e: 1.0,
                    n: 1.0,
                    r_e: 10.0,
                    q: 0.0,
                },
                "q",
            ),
            (
                SersicDisc {
                    i_e: 1.0,
                    n: 0.0,
                    r_e: 10.0,
                    q: 0.5,
                },
                "sersic n",
            ),
            (
                SersicDisc {
                    i_e: 1.0,
                    n: 1.0,
                    r_e: -1.0,
                    q: 0.5,
                },
                "r_e",
            ),
            (
                SersicDisc {
                    i_e: f64::NAN,
                    n: 1.0,
                    r_e: 1.0,
                    q: 0.5,
                },
                "i_e",
            ),
            (
                SersicDisc {
                    i_e: 1.0,
                    n: 1.0,
                    r_e: 1.0,
                    q: 1.5,
                },
                "q",
            ),
        ] {
            let e = d.validate().unwrap_err().to_string();
            assert!(e.contains(name), "{e}");
        }
    }

    #[test]
    fn half_light_radius_encloses_half_the_light() {
        // Numerically integrate 2πR I(R) to R_e and compare with half the analytic luminosity.
        for n in [0.5, 1.0, 2.0, 4.0] {
            let m = SersicDisc::new(1.0, n, 7.0, 0.5).unwrap().model().unwrap();
            let f = |r: f64| 2.0 * std::f64::consts::PI * r * m.intensity(r);
            let inner = crate::sim::quad::integrate(&f, 0.0, 7.0, 1e-12, 40);
            let ratio = inner / m.disc_luminosity();
            assert!((ratio - 0.5).abs() < 1e-9, "n={n}: {ratio}");
        }
    }
}
