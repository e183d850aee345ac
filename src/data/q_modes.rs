//! From the seed-001 HDF5 file to network inputs, in the thesis's three training modes (§4.2):
//! all four projections stacked as channels, one fixed inclination, or one random inclination per
//! galaxy (uniform in i, uniform in cos i, or one of the stored projections: three readings of
//! the thesis's "random projection"). Also the split (20 % test; of the rest 20 % validation)
//! and the input normalisation.
//!
//! Normalisation (the thesis says "magnitudes" and no more): each pixel becomes the magnitude
//! `−2.5 log10(max(flux, floor))` with `floor = 1e-6`, then is standardised with the mean and
//! standard deviation of the *training* pixels only (one global pair, so relative brightness
//! between galaxies, which carries I_e·q, is kept).

use super::sersic_h5::{Inclinations, SersicH5};
use crate::error::{Error, Result};
use crate::sim::sersic::{Grid, SersicDisc, View, render};
use crate::train::q::QData;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Which images a network sees.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum QMode {
    /// All projections stacked as channels (64 × 64 × 4).
    Four,
    /// One fixed inclination in degrees (must be one of the file's projections).
    Inclination(f64),
    /// One random inclination per galaxy, rendered from the stored parameters (uniform in i, or
    /// in cos i), deterministic for a seed.
    Random {
        /// Uniform in cos i (isotropic) instead of uniform in i.
        uniform_in_cos: bool,
    },
    /// One of the file's stored projections per galaxy, drawn uniformly (for the thesis's four:
    /// 0, 30, 60 or 90° with equal odds), deterministic for a seed. A third reading of the
    /// thesis's "random projection": its Fig. 14 shows predictions "for each orientation" and
    /// §5.1 credits the result to "the last two projections (i = 60°, 90°)".
    RandomProjection,
}

impl std::str::FromStr for QMode {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "four" => Ok(QMode::Four),
            "random" => Ok(QMode::Random {
                uniform_in_cos: false,
            }),
            "random-cos" => Ok(QMode::Random {
                uniform_in_cos: true,
            }),
            "random-proj" => Ok(QMode::RandomProjection),
            _ => match s.strip_prefix("incl:").map(|v| v.parse::<f64>()) {
                Some(Ok(i)) if (0.0..=90.0).contains(&i) => Ok(QMode::Inclination(i)),
                _ => Err(Error::invalid(
                    "mode",
                    s,
                    "expected four, incl:DEG (0–90), random, random-cos or random-proj",
                )),
            },
        }
    }
}

impl std::fmt::Display for QMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            QMode::Four => write!(f, "four"),
            QMode::Inclination(i) => write!(f, "incl:{i}"),
            QMode::Random {
                uniform_in_cos: false,
            } => write!(f, "random"),
            QMode::Random {
                uniform_in_cos: true,
            } => write!(f, "random-cos"),
            QMode::RandomProjection => write!(f, "random-proj"),
        }
    }
}

/// Galaxy indices of the three sets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Split {
    /// Training galaxies (64 %).
    pub train: Vec<usize>,
    /// Validation galaxies (16 %).
    pub valid: Vec<usize>,
    /// Test galaxies (20 %).
    pub test: Vec<usize>,
}

/// The thesis's split: 20 % test, then 20 % of the rest for validation; shuffled with `seed`.
pub fn split(n: usize, seed: u64) -> Result<Split> {
    if n < 5 {
        return Err(Error::invalid(
            "galaxies",
            n,
            "need at least 5 to split 64/16/20",
        ));
    }
    let mut idx: Vec<usize> = (0..n).collect();
    idx.shuffle(&mut rand_chacha::ChaCha8Rng::seed_from_u64(seed));
    let n_test = (n as f64 * 0.2).round() as usize;
    let n_valid = ((n - n_test) as f64 * 0.2).round() as usize;
    Ok(Split {
        test: idx[..n_test].to_vec(),
        valid: idx[n_test..n_test + n_valid].to_vec(),
        train: idx[n_test + n_valid..].to_vec(),
    })
}

/// Magnitude floor and training-set statistics.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Normalizer {
    /// Flux floor before the logarithm (relative to each image's peak when `per_image` is set).
    pub floor: f64,
    /// Mean magnitude of the training pixels.
    pub mean: f64,
    /// Standard deviation of the training magnitudes.
    pub std: f64,
    /// Values per image (channels × H × W) when each image is first divided by its own peak,
    /// which removes the overall brightness (the Sérsic amplitude I_e, a nuisance for q);
    /// `None`: one global scale, the thesis-like default.
    #[serde(default)]
    pub per_image: Option<usize>,
}

impl Normalizer {
    /// The same normaliser up to the last digits a JSON round trip may change (serde_json
    /// parses without `float_roundtrip`, so a value can come back one ULP off).
    pub fn same_as(&self, other: &Normalizer) -> bool {
        let close = |x: f64, y: f64| (x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(1.0);
        close(self.mean, other.mean)
            && close(self.std, other.std)
            && self.floor == other.floor
            && self.per_image == other.per_image
    }

    /// Magnitude of flux `f` in an image whose scale is `peak` (1 without per-image scaling).
    fn mag(&self, f: f32, peak: f64) -> f64 {
        -2.5 * (f as f64 / peak).max(self.floor).log10()
    }

    /// Values per chunk that share one scale: an image, or the whole buffer.
    fn chunk_len(&self, raw: &[f32]) -> usize {
        self.per_image.unwrap_or(raw.len()).max(1)
    }

    /// Flux scale of one chunk: its peak with per-image scaling (1 for a blank image), else 1.
    fn scale_of(&self, chunk: &[f32]) -> f64 {
        if self.per_image.is_none() {
            return 1.0;
        }
        let peak = chunk.iter().fold(0.0f32, |m, &v| m.max(v)) as f64;
        if peak > 0.0 { peak } else { 1.0 }
    }

    /// Fits mean and std on raw training images (one global flux scale).
    pub fn fit(raw: &[f32], floor: f64) -> Result<Self> {
        Self::fit_with(raw, floor, None)
    }

    /// Fits mean and std on raw training images; `per_image`: values per image, to divide each
    /// by its peak first.
    pub fn fit_with(raw: &[f32], floor: f64, per_image: Option<usize>) -> Result<Self> {
        crate::error::check_positive("floor", floor)?;
        crate::error::check_size("training pixels", raw.len(), 2)?;
        if let Some(len) = per_image {
            crate::error::check_size("values per image", len, 1)?;
            if !raw.len().is_multiple_of(len) {
                return Err(Error::invalid(
                    "training pixels",
                    raw.len(),
                    format!("not a whole number of images of {len} values"),
                ));
            }
        }
        let n = Normalizer {
            floor,
            mean: 0.0,
            std: 1.0,
            per_image,
        };
        let mags = || {
            raw.chunks(n.chunk_len(raw)).flat_map(|c| {
                let scale = n.scale_of(c);
                c.iter().map(move |&f| n.mag(f, scale))
            })
        };
        let mean = mags().sum::<f64>() / raw.len() as f64;
        let var = mags().map(|m| (m - mean).powi(2)).sum::<f64>() / raw.len() as f64;
        Ok(Normalizer {
            mean,
            std: var.sqrt().max(1e-12),
            ..n
        })
    }

    /// Raw flux → network input.
    pub fn apply(&self, raw: &mut [f32]) {
        let len = self.chunk_len(raw);
        for c in raw.chunks_mut(len) {
            let peak = self.scale_of(c);
            for v in c.iter_mut() {
                *v = ((self.mag(*v, peak) - self.mean) / self.std) as f32;
            }
        }
    }
}

/// Raw (flux) images of `galaxies` in `mode`, flattened `[len, channels, H, W]`, and channels.
pub fn raw_images(
    ds: &SersicH5,
    galaxies: &[usize],
    mode: QMode,
    seed: u64,
) -> Result<(Vec<f32>, usize)> {
    match mode {
        QMode::Four => Ok((ds.read_galaxies(galaxies)?, ds.projections)),
        QMode::Inclination(i) => {
            let p = (0..ds.projections)
                .find(|&p| (ds.labels.inclination_deg[p] as f64 - i).abs() < 1e-3)
                .ok_or_else(|| {
                    Error::invalid(
                        "inclination",
                        i,
                        format!(
                            "not among the file's projections {:?}",
                            &ds.labels.inclination_deg[..ds.projections]
                        ),
                    )
                })?;
            Ok((one_projection_each(ds, galaxies, |_| p)?, 1))
        }
        QMode::RandomProjection => {
            if matches!(ds.config.inclinations, Inclinations::Random { .. }) {
                return Err(Error::invalid(
                    "mode",
                    "random-proj",
                    "this file holds one random inclination per galaxy, not fixed projections to draw from",
                ));
            }
            let n = ds.projections;
            Ok((
                one_projection_each(ds, galaxies, |g| stored_projection(seed, g, n))?,
                1,
            ))
        }
        QMode::Random { .. } if matches!(ds.config.inclinations, Inclinations::Random { .. }) => {
            // The file already holds one random inclination per galaxy (`--random-inclination`).
            raw_images(ds, galaxies, QMode::Four, seed)
        }
        QMode::Random { uniform_in_cos } => {
            let c = &ds.config;
            if c.psf.is_some() || c.noise.is_some() || c.fitted_half_width_re.is_some() {
                return Err(Error::invalid(
                    "mode",
                    "random",
                    "this file has PSF, noise or a fitted field of view, which random mode does not re-render: \
                     generate a file with --random-inclination instead",
                ));
            }
            if ds.height != ds.width {
                return Err(Error::invalid(
                    "image shape",
                    format!("{}x{}", ds.height, ds.width),
                    "random mode needs square images",
                ));
            }
            let grid = Grid::square(ds.width, ds.pixel_scale)?;
            let l = &ds.labels;
            let imgs: Vec<Vec<f32>> = galaxies
                .par_iter()
                .map(|&g| {
                    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
                    rng.set_stream(g as u64);
                    let u: f64 = rng.random_range(0.0..=1.0);
                    let i = if uniform_in_cos {
                        u.acos().to_degrees().clamp(0.0, 90.0)
                    } else {
                        90.0 * u
                    };
                    let disc = SersicDisc::new(
                        l.i_e[g] as f64,
                        l.n[g] as f64,
                        l.r_e[g] as f64,
                        l.q[g] as f64,
                    )?;
                    Ok(render(&disc.model()?, &View::inclined(i)?, &grid)?.data)
                })
                .collect::<Result<_>>()?;
            Ok((imgs.concat(), 1))
        }
    }
}

/// For each galaxy `g`, its stored projection `pick(g)`, flattened `[len, 1, H, W]`.
fn one_projection_each(
    ds: &SersicH5,
    galaxies: &[usize],
    pick: impl Fn(usize) -> usize,
) -> Result<Vec<f32>> {
    let mut out = Vec::with_capacity(galaxies.len() * ds.height * ds.width);
    for &g in galaxies {
        out.extend(ds.read_projection(g, pick(g))?);
    }
    Ok(out)
}

/// Which of `projections` stored projections galaxy `g` shows in [`QMode::RandomProjection`]:
/// uniform, from a ChaCha8 stream keyed by the galaxy, so a galaxy keeps its projection whichever
/// set it falls in.
pub fn stored_projection(seed: u64, g: usize, projections: usize) -> usize {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed ^ 0x005e_ed0f_9a1a);
    rng.set_stream(g as u64);
    rng.random_range(0..projections.max(1))
}

/// Train, validation and test sets for `mode`, normalised with training statistics.
pub fn q_datasets(
    ds: &SersicH5,
    mode: QMode,
    split: &Split,
    seed: u64,
) -> Result<(QData, QData, QData, Normalizer)> {
    q_datasets_with(ds, mode, split, seed, false)
}

/// As [`q_datasets`]; `per_image_norm` divides each image (all its channels together) by its
/// peak before the magnitudes, see [`Normalizer::per_image`].
pub fn q_datasets_with(
    ds: &SersicH5,
    mode: QMode,
    split: &Split,
    seed: u64,
    per_image_norm: bool,
) -> Result<(QData, QData, QData, Normalizer)> {
    let (mut tr, c) = raw_images(ds, &split.train, mode, seed)?;
    let len = c * ds.height * ds.width;
    let norm = Normalizer::fit_with(&tr, 1e-6, per_image_norm.then_some(len))?;
    norm.apply(&mut tr);
    let q = |idx: &[usize]| idx.iter().map(|&g| ds.labels.q[g]).collect::<Vec<f32>>();
    let make = |idx: &[usize]| -> Result<QData> {
        let (mut x, _) = raw_images(ds, idx, mode, seed)?;
        norm.apply(&mut x);
        QData::new(x, q(idx), c, ds.width)
    };
    let (va, te) = (make(&split.valid)?, make(&split.test)?);
    Ok((QData::new(tr, q(&split.train), c, ds.width)?, va, te, norm))
}

/// Calibration of predicted Normals against the truth.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    /// Mean NLL.
    pub nll: f64,
    /// Mean squared error of μ.
    pub mse: f64,
    /// Fraction with |q − μ| < σ (ideal 0.683).
    pub within_1sigma: f64,
    /// Fraction with |q − μ| < 2σ (ideal 0.954).
    pub within_2sigma: f64,
    /// Probability integral transform Φ((q − μ)/σ) of each example (uniform if calibrated).
    pub pit: Vec<f64>,
}

/// NLL, MSE, coverage and PIT values.
pub fn calibration(mu: &[f32], sigma: &[f32], q: &[f32]) -> Result<Calibration> {
    crate::error::check_size("predictions", mu.len(), 1)?;
    if sigma.len() != mu.len() || q.len() != mu.len() {
        return Err(Error::invalid(
            "lengths",
            format!("{}/{}/{}", mu.len(), sigma.len(), q.len()),
            "mu, sigma and q must have equal lengths",
        ));
    }
    let n = mu.len() as f64;
    let z: Vec<f64> = mu
        .iter()
        .zip(sigma)
        .zip(q)
        .map(|((&m, &s), &t)| (t as f64 - m as f64) / s as f64)
        .collect();
    Ok(Calibration {
        nll: crate::train::nll::gaussian_nll_f64(mu, sigma, q),
        mse: mu
            .iter()
            .zip(q)
            .map(|(&m, &t)| (m as f64 - t as f64).powi(2))
            .sum::<f64>()
            / n,
        within_1sigma: z.iter().filter(|z| z.abs() < 1.0).count() as f64 / n,
        within_2sigma: z.iter().filter(|z| z.abs() < 2.0).count() as f64 / n,
        pit: z
            .iter()
            .map(|z| 0.5 * (1.0 + puruspe::erf(z / std::f64::consts::SQRT_2)))
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_is_64_16_20_and_disjoint() {
        let s = split(1000, 3).unwrap();
        assert_eq!(
            (s.train.len(), s.valid.len(), s.test.len()),
            (640, 160, 200)
        );
        let mut all: Vec<usize> = s
            .train
            .iter()
            .chain(&s.valid)
            .chain(&s.test)
            .copied()
            .collect();
        all.sort();
        assert_eq!(all, (0..1000).collect::<Vec<_>>());
        assert!(split(3, 0).is_err());
    }

    #[test]
    fn modes_parse_and_reject_garbage() {
        assert_eq!("four".parse::<QMode>().unwrap(), QMode::Four);
        assert_eq!(
            "incl:30".parse::<QMode>().unwrap(),
            QMode::Inclination(30.0)
        );
        assert!("incl:100".parse::<QMode>().is_err());
        assert!("sideways".parse::<QMode>().is_err());
    }

    #[test]
    fn calibration_of_a_perfect_normal() {
        // z = 0.5 and 1.5 and 2.5 and 0: 2 of 4 within 1σ, 3 of 4 within 2σ.
        let c = calibration(&[0.0; 4], &[1.0; 4], &[0.5, -1.5, 2.5, 0.0]).unwrap();
        assert_eq!(c.within_1sigma, 0.5);
        assert_eq!(c.within_2sigma, 0.75);
        assert!((c.pit[3] - 0.5).abs() < 1e-12);
        assert!((c.pit[0] - 0.691_462_461_274_013).abs() < 1e-9);
        assert!(calibration(&[0.0], &[1.0, 1.0], &[0.0]).is_err());
    }

    #[test]
    fn normaliser_standardises_training_pixels() {
        let raw: Vec<f32> = (1..=100).map(|k| k as f32 * 0.01).collect();
        let n = Normalizer::fit(&raw, 1e-6).unwrap();
        let mut x = raw.clone();
        n.apply(&mut x);
        let mean: f64 = x.iter().map(|&v| v as f64).sum::<f64>() / 100.0;
        let var: f64 = x.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / 100.0;
        assert!(mean.abs() < 1e-5 && (var - 1.0).abs() < 1e-4);
    }

    #[test]
    fn per_image_normaliser_ignores_overall_brightness() {
        // Two images of the same shape, one 7.3 times brighter: identical inputs per image, and
        // the fitted statistics still standardise the training pixels.
        let shape: Vec<f32> = (1..=50).map(|k| (k as f32 * 0.1).exp()).collect();
        let raw: Vec<f32> = shape
            .iter()
            .chain(shape.iter())
            .enumerate()
            .map(|(k, &v)| if k < 50 { v } else { 7.3 * v })
            .collect();
        let n = Normalizer::fit_with(&raw, 1e-6, Some(50)).unwrap();
        let mut x = raw.clone();
        n.apply(&mut x);
        for k in 0..50 {
            assert!(
                (x[k] - x[k + 50]).abs() < 1e-5,
                "{k}: {} vs {}",
                x[k],
                x[k + 50]
            );
        }
        let mean: f64 = x.iter().map(|&v| v as f64).sum::<f64>() / 100.0;
        assert!(mean.abs() < 1e-5);
        // The global normaliser keeps the brightness difference.
        let g = Normalizer::fit(&raw, 1e-6).unwrap();
        let mut y = raw.clone();
        g.apply(&mut y);
        assert!((y[0] - y[50]).abs() > 0.1);
        // Bad input: a partial image, zero length.
        assert!(Normalizer::fit_with(&raw, 1e-6, Some(33)).is_err());
        assert!(Normalizer::fit_with(&raw, 1e-6, Some(0)).is_err());
    }
}
