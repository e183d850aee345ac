//! Observational effects, all off by default and all derived from the stored linear flux:
//! magnitude images with a surface-brightness floor, a Gaussian or Moffat PSF, sky + Poisson noise.

use super::render::Image;
use crate::error::{Error, Result, check_finite, check_positive};
use rand::SeedableRng;
use rand_distr::{Distribution, Poisson};
use serde::{Deserialize, Serialize};

/// `−2.5 log10(max(flux, floor))`: the thesis's "magnitude image". `floor` (> 0) is the faintest
/// surface brightness kept; fainter pixels (and exact zeros) get the floor's magnitude.
pub fn magnitudes(image: &Image, floor: f64) -> Result<Image> {
    check_positive("floor", floor)?;
    Ok(Image {
        width: image.width,
        height: image.height,
        data: image
            .data
            .iter()
            .map(|&f| (-2.5 * (f as f64).max(floor).log10()) as f32)
            .collect(),
    })
}

/// A point-spread function.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Psf {
    /// Gaussian with the given FWHM in pixels.
    Gaussian {
        /// Full width at half maximum, pixels.
        fwhm: f64,
    },
    /// Moffat `(1 + r²/α²)^(−β)` with the given FWHM in pixels and β > 1.
    Moffat {
        /// Full width at half maximum, pixels.
        fwhm: f64,
        /// Power-law index.
        beta: f64,
    },
}

impl Psf {
    fn profile(&self, r2: f64) -> f64 {
        match *self {
            Psf::Gaussian { fwhm } => {
                let s = fwhm / (8.0 * 2f64.ln()).sqrt();
                (-0.5 * r2 / (s * s)).exp()
            }
            Psf::Moffat { fwhm, beta } => {
                let alpha = fwhm / (2.0 * (2f64.powf(1.0 / beta) - 1.0).sqrt());
                (1.0 + r2 / (alpha * alpha)).powf(-beta)
            }
        }
    }

    /// Checks the parameters.
    pub fn validate(&self) -> Result<()> {
        match *self {
            Psf::Gaussian { fwhm } => {
                check_positive("psf fwhm", fwhm)?;
            }
            Psf::Moffat { fwhm, beta } => {
                check_positive("psf fwhm", fwhm)?;
                check_finite("psf beta", beta)?;
                if beta <= 1.0 {
                    return Err(Error::invalid("psf beta", beta, "must be > 1"));
                }
            }
        }
        Ok(())
    }

    /// The normalised kernel sampled at pixel centres, out to where it drops below 1e-4 of its
    /// peak (at most 101 × 101).
    pub fn kernel(&self) -> Result<(usize, Vec<f32>)> {
        self.validate()?;
        let mut half = 1usize;
        while half < 50 && self.profile((half * half) as f64) > 1e-4 {
            half += 1;
        }
        let size = 2 * half + 1;
        let mut k: Vec<f64> = (0..size * size)
            .map(|p| {
                let (r, c) = (
                    (p / size) as f64 - half as f64,
                    (p % size) as f64 - half as f64,
                );
                self.profile(r * r + c * c)
            })
            .collect();
        let s: f64 = k.iter().sum();
        k.iter_mut().for_each(|v| *v /= s);
        Ok((size, k.into_iter().map(|v| v as f32).collect()))
    }
}

/// Convolves `image` with `psf` (imageproc's 2-D filter; edges clamp). Total flux is conserved
/// away from the edges.
pub fn convolve_psf(image: &Image, psf: &Psf) -> Result<Image> {
    let (size, kernel) = psf.kernel()?;
    let buf: image::ImageBuffer<image::Luma<f32>, Vec<f32>> =
        image::ImageBuffer::from_raw(image.width as u32, image.height as u32, image.data.clone())
            .ok_or_else(|| Error::Image("image buffer size mismatch".into()))?;
    let k = imageproc::filter::Kernel::new(&kernel, size as u32, size as u32);
    let out: image::ImageBuffer<image::Luma<f32>, Vec<f32>> = k.filter(&buf, |c, a: f32| *c = a);
    Ok(Image {
        width: image.width,
        height: image.height,
        data: out.into_raw(),
    })
}

/// Sky background and Poisson noise: counts = Poisson(gain·(flux + sky)); returned in flux
/// units with the sky subtracted, so the mean image is unchanged. Seeded and reproducible.
pub fn add_noise(image: &Image, sky: f64, gain: f64, seed: u64) -> Result<Image> {
    check_finite("sky", sky)?;
    if sky < 0.0 {
        return Err(Error::invalid("sky", sky, "must be ≥ 0"));
    }
    check_positive("gain", gain)?;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let data = image
        .data
        .iter()
        .map(|&f| {
            let lam = gain * ((f as f64).max(0.0) + sky);
            let counts = if lam > 0.0 {
                Poisson::new(lam).map(|p| p.sample(&mut rng)).unwrap_or(lam)
            } else {
                0.0
            };
            (counts / gain - sky) as f32
        })
        .collect();
    Ok(Image {
        width: image.width,
        height: image.height,
        data,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(w: usize) -> Image {
        let mut data = vec![0.0; w * w];
        data[(w / 2) * w + w / 2] = 1.0;
        Image {
            width: w,
            height: w,
            data,
        }
    }

    #[test]
    fn psf_conserves_flux_and_has_the_right_fwhm() {
        for psf in [
            Psf::Gaussian { fwhm: 3.0 },
            Psf::Moffat {
                fwhm: 3.0,
                beta: 3.5,
            },
        ] {
            let img = convolve_psf(&point(41), &psf).unwrap();
            assert!((img.sum() - 1.0).abs() < 1e-4, "{psf:?}: {}", img.sum());
            // Half maximum lies 1.5 px from the centre: the profile at 1 px > half > at 2 px.
            let peak = img.at(20, 20);
            assert!(img.at(20, 21) > 0.5 * peak && img.at(20, 22) < 0.5 * peak);
        }
        assert!(
            Psf::Moffat {
                fwhm: 3.0,
                beta: 1.0
            }
            .kernel()
            .is_err()
        );
        assert!(Psf::Gaussian { fwhm: f64::NAN }.kernel().is_err());
    }

    #[test]
    fn noise_is_seeded_and_unbiased() {
        let img = Image {
            width: 100,
            height: 100,
            data: vec![2.0; 10_000],
        };
        let a = add_noise(&img, 1.0, 10.0, 7).unwrap();
        let b = add_noise(&img, 1.0, 10.0, 7).unwrap();
        assert_eq!(a, b);
        let mean = a.sum() / 10_000.0;
        // Standard error of the mean: sqrt(30)/10/100 ≈ 0.0055.
        assert!((mean - 2.0).abs() < 0.03, "{mean}");
        let var = a
            .data
            .iter()
            .map(|&v| (v as f64 - mean).powi(2))
            .sum::<f64>()
            / 9999.0;
        assert!(
            (var - 0.3).abs() < 0.03,
            "variance {var}, expected (2+1)/10"
        );
        assert!(add_noise(&img, -1.0, 1.0, 0).is_err());
    }

    #[test]
    fn magnitudes_use_the_floor() {
        let img = Image {
            width: 2,
            height: 1,
            data: vec![100.0, 0.0],
        };
        let m = magnitudes(&img, 1e-4).unwrap();
        assert!((m.data[0] + 5.0).abs() < 1e-6);
        assert!((m.data[1] - 10.0).abs() < 1e-5);
        assert!(magnitudes(&img, 0.0).is_err());
    }
}
