//! Sérsic profiles as sums of Gaussians (Hogg & Lang 2013 style), the fast path of the renderer.
//!
//! For n ≥ 0.5 the Sérsic profile exp(−b (R/R_e)^{1/n}) is a completely monotone function of R²
//! (a stretched exponential with exponent 1/(2n) ≤ 1), so it *is* a positive scale-mixture of
//! Gaussians. A fixed, log-spaced set of 45 Gaussian widths approximates it to ~1e-7 (relative, in
//! the image's L2 norm). A 3-D Gaussian × Gaussian-in-z component projects *analytically* at any
//! inclination, over the whole line of sight, so rendering needs no line-of-sight quadrature at all.
//!
//! The amplitudes are a linear least-squares fit on fixed nodes, so the (truncated-SVD)
//! pseudo-inverse is computed once per process and each galaxy costs one matrix–vector product.

use nalgebra::DMatrix;
use std::sync::OnceLock;

/// Widths σ_m / R_e of the basis Gaussians: log-spaced from 2e-4 to 40.
const N_COMP: usize = 48;
const SIGMA_MIN: f64 = 2e-4;
const SIGMA_MAX: f64 = 40.0;
/// Fitted range of R / R_e.
pub const FIT_X_MAX: f64 = 40.0;

struct Basis {
    sigmas: Vec<f64>,
    nodes: Vec<f64>,
    /// Pseudo-inverse (N_COMP × nodes) including the square-root quadrature weights.
    pinv: Vec<f64>,
    sqrt_w: Vec<f64>,
}

fn basis() -> &'static Basis {
    static B: OnceLock<Basis> = OnceLock::new();
    B.get_or_init(|| {
        let sigmas: Vec<f64> = (0..N_COMP)
            .map(|m| {
                SIGMA_MIN * (SIGMA_MAX / SIGMA_MIN).powf(m as f64 / (N_COMP - 1) as f64)
            })
            .collect();
        // Nodes: geometric from 1e-5 to 1 (captures the cusp of n > 1), then linear to FIT_X_MAX.
        let mut nodes: Vec<f64> = (0..240)
            .map(|k| 1e-5 * (1e5f64).powf(k as f64 / 239.0))
            .collect();
        nodes.extend((1..=600).map(|k| 1.0 + (FIT_X_MAX - 1.0) * k as f64 / 600.0));
        // Trapezoid weights for ∫ f(x)² x dx (the image's L2 norm of a face-on disc).
        let j = nodes.len();
        let mut w = vec![0.0; j];
        for k in 0..j {
            let left = if k == 0 { nodes[0] } else { 0.5 * (nodes[k] - nodes[k - 1]) };
            let right = if k + 1 == j { 0.0 } else { 0.5 * (nodes[k + 1] - nodes[k]) };
            w[k] = (left + right) * nodes[k];
        }
        let sqrt_w: Vec<f64> = w.iter().map(|v| v.sqrt()).collect();
        let a = DMatrix::from_fn(j, N_COMP, |r, c| {
            let t = nodes[r] / sigmas[c];
            sqrt_w[r] * (-0.5 * t * t).exp()
        });
        let svd = a.svd(true, true);
        let smax = svd.singular_values.max();
        let pinv = svd
            .pseudo_inverse(1e-13 * smax)
            .expect("SVD with both U and V computed");
        let pinv = (0..N_COMP)
            .flat_map(|r| (0..j).map(move |c| (r, c)))
            .map(|(r, c)| pinv[(r, c)])
            .collect();
        Basis {
            sigmas,
            nodes,
            pinv,
            sqrt_w,
        }
    })
}

/// I(R)/I_e ≈ Σ_m amps[m] · exp(−(R/R_e)² / (2 sigmas[m]²)).
#[derive(Debug, Clone, PartialEq)]
pub struct GaussianMixture {
    /// Amplitudes (relative to I_e).
    pub amps: Vec<f64>,
    /// Widths in units of R_e.
    pub sigmas: Vec<f64>,
}

impl GaussianMixture {
    /// Fits exp(−b_n [(R/R_e)^{1/n} − 1]) for a Sérsic index `n` and its `b_n`.
    pub fn fit_sersic(n: f64, b_n: f64) -> Self {
        let b = basis();
        let inv_n = 1.0 / n;
        let y: Vec<f64> = b
            .nodes
            .iter()
            .zip(&b.sqrt_w)
            .map(|(&x, &sw)| sw * (-b_n * (x.powf(inv_n) - 1.0)).exp())
            .collect();
        let j = y.len();
        let amps = (0..N_COMP)
            .map(|m| {
                b.pinv[m * j..(m + 1) * j]
                    .iter()
                    .zip(&y)
                    .map(|(p, v)| p * v)
                    .sum()
            })
            .collect();
        GaussianMixture {
            amps,
            sigmas: b.sigmas.clone(),
        }
    }

    /// Evaluates the mixture at x = R / R_e.
    pub fn eval(&self, x: f64) -> f64 {
        self.amps
            .iter()
            .zip(&self.sigmas)
            .map(|(a, s)| {
                let t = x / s;
                a * (-0.5 * t * t).exp()
            })
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::sersic::profile::sersic_bn;

    #[test]
    fn mixture_reproduces_the_profile_in_the_thesis_range() {
        for n in [0.5, 0.75, 1.0, 1.37, 2.0] {
            let b = sersic_bn(n).unwrap();
            let g = GaussianMixture::fit_sersic(n, b);
            let (mut num, mut den) = (0.0, 0.0);
            for k in 1..4000 {
                let x = k as f64 * 0.0025;
                let s = (-b * (x.powf(1.0 / n) - 1.0)).exp();
                num += (g.eval(x) - s).powi(2) * x;
                den += s * s * x;
            }
            let rel = (num / den).sqrt();
            assert!(rel < 2e-6, "n={n}: relative L2 {rel:e}");
        }
    }
}
