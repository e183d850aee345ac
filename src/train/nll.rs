//! Gaussian negative log-likelihood, with the constant TensorFlow Probability keeps in
//! `-Normal(μ, σ).log_prob(q)`, so our numbers compare with seed 001's Table 1:
//! `NLL = ½ ln(2π) + ln σ + (q − μ)² / (2σ²)`, averaged over the batch.

use burn::prelude::*;

/// ½ ln(2π).
pub const HALF_LN_2PI: f64 = 0.918_938_533_204_672_8;

/// Mean Gaussian NLL of `target` under Normal(`mu`, `sigma`) (all `[batch]`); returns `[1]`.
pub fn gaussian_nll(mu: Tensor<1>, sigma: Tensor<1>, target: Tensor<1>) -> Tensor<1> {
    let z = (target - mu) / sigma.clone();
    (sigma.log() + z.powf_scalar(2.0).mul_scalar(0.5))
        .add_scalar(HALF_LN_2PI)
        .mean()
}

/// The same in f64 on plain slices (evaluation, tests).
pub fn gaussian_nll_f64(mu: &[f32], sigma: &[f32], target: &[f32]) -> f64 {
    let n = mu.len().max(1) as f64;
    mu.iter()
        .zip(sigma)
        .zip(target)
        .map(|((&m, &s), &t)| {
            let z = (t as f64 - m as f64) / s as f64;
            HALF_LN_2PI + (s as f64).ln() + 0.5 * z * z
        })
        .sum::<f64>()
        / n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nll_matches_the_closed_form() {
        let d = crate::device::cpu_device();
        let mu = Tensor::<1>::from_floats([0.5, 0.2, 0.9], &d);
        let sigma = Tensor::<1>::from_floats([0.1, 0.05, 0.3], &d);
        let q = Tensor::<1>::from_floats([0.55, 0.2, 0.3], &d);
        let got: f32 = gaussian_nll(mu, sigma, q).into_scalar();
        // Closed form, term by term: ½ln2π + ln σ + z²/2 with z = 0.5, 0, −2.
        let expect =
            (3.0 * HALF_LN_2PI + (0.1f64).ln() + 0.125 + (0.05f64).ln() + (0.3f64).ln() + 2.0)
                / 3.0;
        assert!((got as f64 - expect).abs() < 1e-5, "{got} vs {expect}");
        let f = gaussian_nll_f64(&[0.5, 0.2, 0.9], &[0.1, 0.05, 0.3], &[0.55, 0.2, 0.3]);
        assert!((f - expect).abs() < 1e-6);
        // The standard normal at its mean: ½ ln 2π.
        assert!((gaussian_nll_f64(&[0.0], &[1.0], &[0.0]) - HALF_LN_2PI).abs() < 1e-12);
    }
}
