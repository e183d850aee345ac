//! Observing a simulated pair the way SDSS would (seed 000's real-data test, issue "mock-observed
//! test set"): a rendered surface density ([`super::render`], what the light is) becomes a
//! cutout (what the camera and the SkyServer JPEG make of it).
//!
//! The steps, each a separate function so a notebook can show them one by one:
//! 1. **Distance and framing.** A redshift z sets the physical scale: kpc per arcsec from the
//!    angular-diameter distance of a flat ΛCDM universe (H₀ = 70 km/s/Mpc, Ω_m = 0.3) —
//!    [`kpc_per_arcsec`]. The cutout either frames the pair as the training images do
//!    ([`Framing::Pair`], the default: the seed's real images were chosen through Galaxy Zoo
//!    votes, and Galaxy Zoo's cutouts are scaled to the galaxies' size) or has a fixed angular size
//!    ([`Framing::FixedArcsec`], e.g. SkyServer's 340 px × 0.4″ = 136″), so a nearer pair fills
//!    more of the frame ([`Observation::field_of_view`]). Either way z sets the PSF's size in
//!    pixels.
//! 2. **Seeing.** A circular Gaussian PSF of FWHM `seeing_fwhm_arcsec` (SDSS r-band median ≈ 1.4″)
//!    convolves the image ([`psf_sigma_px`], [`gaussian_blur_image`]: kernel to 4σ; imageproc's
//!    blur stops at 2σ and comes out 5 % narrow).
//! 3. **Photons.** The image is scaled to counts so that its brightest pixel has the drawn
//!    signal-to-noise ratio over a flat sky of `sky_counts` per pixel ([`peak_counts`]); each
//!    pixel becomes a Poisson draw of galaxy + sky; the sky level is subtracted (as SDSS's
//!    pipeline does), leaving zero-mean noise of variance ≈ sky.
//! 4. **Stretch.** An asinh stretch (Lupton et al. 2004, the stretch of SDSS's colour JPEGs),
//!    softened at `asinh_softening_sigma` sky-noise σ and normalised to the noiseless peak,
//!    clipped to [0, 1] ([`asinh_stretch`]).
//! 5. **The seed's preprocessing** of real cutouts: a median filter (radius `median_radius`).
//!
//! Simplifications, said plainly: one band (no colours); the PSF is Gaussian (SDSS's has wider
//! wings); light follows the stellar mass of the test particles with one mass-to-light ratio (no
//! dust, no star formation); the pixel grid is the render's, not SDSS's native 0.396″ (the noise
//! is drawn per render pixel); no foreground stars or neighbours.

use super::render::{FieldOfView, PairImage, gaussian_blur_image};
use crate::error::{Error, Result, check_finite, check_positive, check_range};
use crate::image::Image;
use rand::Rng;
use rand_distr::{Distribution, Poisson};
use serde::{Deserialize, Serialize};

/// Speed of light (km/s).
const C_KMS: f64 = 299_792.458;
/// Hubble constant (km/s/Mpc) of [`kpc_per_arcsec`].
pub const H0_KMS_MPC: f64 = 70.0;
/// Matter density of [`kpc_per_arcsec`] (flat: Ω_Λ = 1 − Ω_m).
pub const OMEGA_M: f64 = 0.3;
/// SDSS pixel (arcsec).
pub const SDSS_PIXEL_ARCSEC: f64 = 0.396;

/// Angular-diameter distance (Mpc) at redshift `z` in flat ΛCDM (H₀ = 70, Ω_m = 0.3):
/// D_A = c/H₀ ∫₀^z dz′/E(z′) / (1 + z), Simpson's rule with 512 intervals (relative error
/// < 1e-9 for z ≤ 10).
pub fn angular_diameter_distance_mpc(z: f64) -> Result<f64> {
    check_range("redshift", z, 0.0, 10.0)?;
    let e = |z: f64| 1.0 / (OMEGA_M * (1.0 + z).powi(3) + (1.0 - OMEGA_M)).sqrt();
    let n = 512;
    let h = z / n as f64;
    let mut s = e(0.0) + e(z);
    for k in 1..n {
        s += if k % 2 == 1 { 4.0 } else { 2.0 } * e(k as f64 * h);
    }
    let comoving = C_KMS / H0_KMS_MPC * s * h / 3.0;
    Ok(comoving / (1.0 + z))
}

/// Physical kpc subtended by one arcsec at redshift `z` (> 0).
pub fn kpc_per_arcsec(z: f64) -> Result<f64> {
    check_positive("redshift", z)?;
    Ok(angular_diameter_distance_mpc(z)? * 1e3 * std::f64::consts::PI / (180.0 * 3600.0))
}

/// The random-number generator of the observation functions, seeded (ChaCha8: the same stream
/// on every platform).
pub fn observation_rng(seed: u64) -> rand_chacha::ChaCha8Rng {
    use rand::SeedableRng;
    rand_chacha::ChaCha8Rng::seed_from_u64(seed)
}

/// How the cutout is framed.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Framing {
    /// Around the pair, as the training images ([`FieldOfView::Auto`] of the render settings).
    Pair,
    /// A fixed angular side (arcsec): SkyServer's 340 px × 0.4″ = 136″.
    FixedArcsec(f64),
}

/// How the pair is observed.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Observation {
    /// Field of the cutout.
    pub framing: Framing,
    /// Redshift range, drawn uniformly per image. SDSS interacting pairs like the seed's lie at
    /// z ≈ 0.01–0.05.
    pub redshift: [f64; 2],
    /// PSF full width at half maximum (arcsec).
    pub seeing_fwhm_arcsec: f64,
    /// Sky level per pixel (counts, > 0).
    pub sky_counts: f64,
    /// Signal-to-noise range of the brightest pixel, drawn log-uniformly per image.
    pub peak_snr: [f64; 2],
    /// Asinh softening in units of the sky noise σ = √sky.
    pub asinh_softening_sigma: f64,
    /// Median-filter radius applied afterwards (the seed's preprocessing of real cutouts; 0: off).
    pub median_radius: u32,
}

impl Default for Observation {
    /// SDSS-like: cutouts framing the pair, z ∈ [0.02, 0.05], 1.4″ seeing, 100 sky counts, peak
    /// S/N 20–200, asinh softening 3σ, 3 × 3 median filter.
    fn default() -> Self {
        Observation {
            framing: Framing::Pair,
            redshift: [0.02, 0.05],
            seeing_fwhm_arcsec: 1.4,
            sky_counts: 100.0,
            peak_snr: [20.0, 200.0],
            asinh_softening_sigma: 3.0,
            median_radius: 1,
        }
    }
}

/// The values drawn for one image.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ObservationDraw {
    /// Redshift.
    pub redshift: f64,
    /// Signal-to-noise of the brightest pixel.
    pub peak_snr: f64,
}

impl Observation {
    /// Checks every setting; errors name the bad one.
    pub fn validate(&self) -> Result<()> {
        if let Framing::FixedArcsec(a) = self.framing {
            check_positive("cutout side (arcsec)", a)?;
        }
        let [z0, z1] = self.redshift;
        check_range("redshift (low)", z0, 0.0, 10.0)?;
        check_range("redshift (high)", z1, 0.0, 10.0)?;
        if z0 <= 0.0 || z1 < z0 {
            return Err(Error::invalid(
                "redshift range",
                format!("[{z0}, {z1}]"),
                "needs 0 < low ≤ high",
            ));
        }
        check_finite("seeing_fwhm_arcsec", self.seeing_fwhm_arcsec)?;
        if self.seeing_fwhm_arcsec < 0.0 {
            return Err(Error::invalid(
                "seeing_fwhm_arcsec",
                self.seeing_fwhm_arcsec,
                "must be ≥ 0",
            ));
        }
        check_positive("sky_counts", self.sky_counts)?;
        let [s0, s1] = self.peak_snr;
        check_positive("peak_snr (low)", s0)?;
        check_positive("peak_snr (high)", s1)?;
        if s1 < s0 {
            return Err(Error::invalid(
                "peak_snr range",
                format!("[{s0}, {s1}]"),
                "needs low ≤ high",
            ));
        }
        check_positive("asinh_softening_sigma", self.asinh_softening_sigma)?;
        if self.median_radius > 16 {
            return Err(Error::invalid(
                "median_radius",
                self.median_radius,
                "at most 16 pixels",
            ));
        }
        Ok(())
    }

    /// Draws the redshift (uniform) and the peak S/N (log-uniform) of one image.
    pub fn draw(&self, rng: &mut impl Rng) -> ObservationDraw {
        let [z0, z1] = self.redshift;
        let [s0, s1] = self.peak_snr;
        let redshift = if z1 > z0 {
            rng.random_range(z0..=z1)
        } else {
            z0
        };
        let peak_snr = if s1 > s0 {
            rng.random_range(s0.ln()..=s1.ln()).exp()
        } else {
            s0
        };
        ObservationDraw { redshift, peak_snr }
    }

    /// The render's field of view for an image at redshift `z`: `pair` (the render settings' own)
    /// for [`Framing::Pair`], the fixed angular side's half-width in kpc otherwise.
    pub fn field_of_view(&self, z: f64, pair: FieldOfView) -> Result<FieldOfView> {
        Ok(match self.framing {
            Framing::Pair => pair,
            Framing::FixedArcsec(a) => FieldOfView::HalfWidth(0.5 * a * kpc_per_arcsec(z)?),
        })
    }

    /// Steps 2–5 of the module docs for a rendered surface density `img` (its `pixel_kpc` must be
    /// the cutout's: render with [`Self::field_of_view`]). Returns the stretched cutout in [0, 1].
    pub fn apply(
        &self,
        img: &PairImage,
        draw: ObservationDraw,
        rng: &mut impl Rng,
    ) -> Result<Image> {
        self.validate()?;
        check_positive("redshift", draw.redshift)?;
        check_positive("peak_snr", draw.peak_snr)?;
        check_positive("pixel_kpc", img.pixel_kpc)?;
        let sigma = psf_sigma_px(self.seeing_fwhm_arcsec, draw.redshift, img.pixel_kpc)?;
        let blurred = if sigma > 0.0 {
            gaussian_blur_image(&img.image, sigma)?
        } else {
            img.image.clone()
        };
        let counts = add_photon_noise(&blurred, draw.peak_snr, self.sky_counts, rng)?;
        let beta = self.asinh_softening_sigma * self.sky_counts.sqrt();
        let peak = peak_counts(draw.peak_snr, self.sky_counts)?;
        let stretched = asinh_stretch(&counts, beta, peak)?;
        if self.median_radius > 0 {
            crate::augment::median_filter(&stretched, self.median_radius)
        } else {
            Ok(stretched)
        }
    }
}

/// PSF σ in pixels for a seeing FWHM (arcsec) at redshift `z` on pixels of `pixel_kpc`.
pub fn psf_sigma_px(fwhm_arcsec: f64, z: f64, pixel_kpc: f64) -> Result<f64> {
    check_finite("seeing_fwhm_arcsec", fwhm_arcsec)?;
    if fwhm_arcsec < 0.0 {
        return Err(Error::invalid(
            "seeing_fwhm_arcsec",
            fwhm_arcsec,
            "must be ≥ 0",
        ));
    }
    check_positive("pixel_kpc", pixel_kpc)?;
    let fwhm_px = fwhm_arcsec * kpc_per_arcsec(z)? / pixel_kpc;
    Ok(fwhm_px / (8.0 * std::f64::consts::LN_2).sqrt())
}

/// Galaxy counts C of a pixel whose signal-to-noise over a sky of `sky` counts is `snr`:
/// C / √(C + sky) = snr, so C = (snr² + snr·√(snr² + 4·sky)) / 2.
pub fn peak_counts(snr: f64, sky: f64) -> Result<f64> {
    check_positive("peak_snr", snr)?;
    check_positive("sky_counts", sky)?;
    Ok(0.5 * (snr * snr + snr * (snr * snr + 4.0 * sky).sqrt()))
}

/// Scales `img` so its brightest pixel holds [`peak_counts`]`(snr, sky)` counts, draws every
/// pixel from Poisson(counts + sky) and subtracts the sky: zero-mean noise of variance
/// counts + sky around the scaled image. An image without positive pixels is an error.
pub fn add_photon_noise(img: &Image, snr: f64, sky: f64, rng: &mut impl Rng) -> Result<Image> {
    crate::augment::ops::check_image("image", img)?;
    let max = img.data.iter().copied().fold(f32::NEG_INFINITY, f32::max) as f64;
    if max <= 0.0 {
        return Err(Error::invalid(
            "image maximum",
            max,
            "must be > 0 to set the signal-to-noise",
        ));
    }
    let scale = peak_counts(snr, sky)? / max;
    let mut data = Vec::with_capacity(img.data.len());
    for &v in &img.data {
        let lambda = (v as f64).max(0.0) * scale + sky;
        let n = Poisson::new(lambda)
            .map_err(|e| Error::invalid("Poisson mean", lambda, e.to_string()))?
            .sample(rng);
        data.push((n - sky) as f32);
    }
    Ok(Image {
        width: img.width,
        height: img.height,
        data,
    })
}

/// asinh(x/β) / asinh(peak/β), clipped to [0, 1] (Lupton et al. 2004 in one band).
pub fn asinh_stretch(img: &Image, beta: f64, peak: f64) -> Result<Image> {
    crate::augment::ops::check_image("image", img)?;
    check_positive("asinh softening", beta)?;
    check_positive("stretch peak", peak)?;
    let norm = (peak / beta).asinh();
    Ok(Image {
        width: img.width,
        height: img.height,
        data: img
            .data
            .iter()
            .map(|&v| (((v as f64) / beta).asinh() / norm).clamp(0.0, 1.0) as f32)
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn low_redshift_limit_is_hubble_law() {
        // D_A = (cz/H₀)(1 − (1 + q₀)z/2)/(1 + z) + O(z²), q₀ = Ω_m/2 − Ω_Λ.
        let q0 = OMEGA_M / 2.0 - (1.0 - OMEGA_M);
        for z in [1e-4, 1e-3] {
            let d = angular_diameter_distance_mpc(z).unwrap();
            let series = C_KMS * z / H0_KMS_MPC * (1.0 - (1.0 + q0) * z / 2.0) / (1.0 + z);
            assert!(
                (d / series - 1.0).abs() < 2.0 * z * z,
                "z = {z}: {d} vs {series}"
            );
        }
    }

    #[test]
    fn peak_counts_solves_the_snr_equation() {
        for (snr, sky) in [(5.0, 100.0), (50.0, 100.0), (300.0, 10.0)] {
            let c = peak_counts(snr, sky).unwrap();
            assert!((c / (c + sky).sqrt() - snr).abs() < 1e-9 * snr);
        }
        assert!(peak_counts(f64::NAN, 1.0).is_err());
        assert!(peak_counts(1.0, 0.0).is_err());
    }

    #[test]
    fn bad_settings_are_named() {
        let o = Observation {
            redshift: [0.05, 0.02],
            ..Default::default()
        };
        assert!(o.validate().unwrap_err().to_string().contains("redshift"));
        let o = Observation {
            sky_counts: -1.0,
            ..Default::default()
        };
        assert!(o.validate().unwrap_err().to_string().contains("sky_counts"));
        assert!(kpc_per_arcsec(0.0).is_err());
    }
}
