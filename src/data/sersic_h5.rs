//! The seed-001 dataset: N galaxies × P projections of 64 × 64 linear-flux images in HDF5.
//!
//! Schema (outside tools such as h5py read it by these names):
//! * `images` f32 [N, P, H, W] linear flux, chunked per galaxy, shuffle + deflate;
//! * `q`, `n`, `r_e`, `i_e` f32 [N]; `inclination_deg` f32 [N, P];
//! * `pixel_scale_per_galaxy` f32 [N] (only differs from the attribute with a fitted field of view);
//! * attributes `pixel_scale` (f64), `seed` (u64), `generator` (crate + version), `config` (JSON).
//!
//! Generation is parallel over galaxies, yet bit-for-bit reproducible for a seed whatever the
//! thread count: galaxy g draws everything from its own ChaCha8 stream g.

use super::h5::{H5Reader, H5Writer, h5err, write_atomically};
use crate::error::{Error, Result, check_positive, check_range, check_size};
use crate::sim::sersic::{
    Grid, Image, Psf, SersicDisc, View, add_noise, convolve_psf, render_views,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// How each galaxy is projected.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Inclinations {
    /// The same inclinations for every galaxy (the thesis: 0, 30, 60, 90°).
    Fixed(Vec<f64>),
    /// One random inclination per galaxy, uniform in i ∈ [0, 90°] or uniform in cos i
    /// (isotropic orientations).
    Random {
        /// Draw cos i uniformly instead of i.
        uniform_in_cos: bool,
    },
}

/// Closed intervals of the uniform parameter distributions (seed 001 Eq. 5).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ParamRanges {
    /// I_e range.
    pub i_e: (f64, f64),
    /// Sérsic n range.
    pub n: (f64, f64),
    /// R_e range (pixels at the default pixel scale).
    pub r_e: (f64, f64),
    /// q range.
    pub q: (f64, f64),
}

impl Default for ParamRanges {
    fn default() -> Self {
        ParamRanges {
            i_e: (0.1, 1.0),
            n: (0.5, 2.0),
            r_e: (5.0, 30.0),
            q: (0.2, 1.0),
        }
    }
}

/// Sky and Poisson noise settings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Noise {
    /// Sky level in flux units per pixel.
    pub sky: f64,
    /// Counts per flux unit.
    pub gain: f64,
}

/// Everything that defines a dataset; stored as the `config` attribute.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SersicDatasetConfig {
    /// Number of galaxies N.
    pub galaxies: usize,
    /// Image side in pixels.
    pub size: usize,
    /// Pixel scale (model units per pixel).
    pub pixel_scale: f64,
    /// Projections per galaxy.
    pub inclinations: Inclinations,
    /// Parameter distributions.
    pub ranges: ParamRanges,
    /// RNG seed.
    pub seed: u64,
    /// If set, each image spans ±this many R_e (the "dynamic grid"); overrides `pixel_scale`.
    pub fitted_half_width_re: Option<f64>,
    /// Optional PSF.
    pub psf: Option<Psf>,
    /// Optional sky + Poisson noise.
    pub noise: Option<Noise>,
}

impl Default for SersicDatasetConfig {
    /// The thesis's set-up: 10,000 galaxies × (0, 30, 60, 90°), 64 × 64, unit pixels.
    fn default() -> Self {
        SersicDatasetConfig {
            galaxies: 10_000,
            size: 64,
            pixel_scale: 1.0,
            inclinations: Inclinations::Fixed(vec![0.0, 30.0, 60.0, 90.0]),
            ranges: ParamRanges::default(),
            seed: 0,
            fitted_half_width_re: None,
            psf: None,
            noise: None,
        }
    }
}

impl SersicDatasetConfig {
    /// Projections per galaxy.
    pub fn projections(&self) -> usize {
        match &self.inclinations {
            Inclinations::Fixed(v) => v.len(),
            Inclinations::Random { .. } => 1,
        }
    }

    /// Checks every setting; errors name the bad one.
    pub fn validate(&self) -> Result<()> {
        check_size("galaxies", self.galaxies, 1)?;
        check_size("size", self.size, 1)?;
        Grid::square(self.size, self.pixel_scale)?;
        if let Inclinations::Fixed(v) = &self.inclinations {
            check_size("number of inclinations", v.len(), 1)?;
            for &i in v {
                check_range("inclination_deg", i, 0.0, 90.0)?;
            }
        }
        let r = &self.ranges;
        for (name, (lo, hi)) in [("i_e", r.i_e), ("n", r.n), ("r_e", r.r_e), ("q", r.q)] {
            crate::error::check_finite(name, lo)?;
            crate::error::check_finite(name, hi)?;
            if hi < lo {
                return Err(Error::invalid(
                    name,
                    format!("[{lo}, {hi}]"),
                    "range is empty",
                ));
            }
        }
        // The corners of the ranges must be valid galaxies.
        SersicDisc::new(r.i_e.0, r.n.0, r.r_e.0, r.q.0)?;
        SersicDisc::new(r.i_e.1, r.n.1, r.r_e.1, r.q.1)?;
        if let Some(k) = self.fitted_half_width_re {
            check_positive("fitted_half_width_re", k)?;
        }
        if let Some(p) = &self.psf {
            p.validate()?;
        }
        if let Some(nz) = &self.noise {
            check_positive("noise gain", nz.gain)?;
            crate::error::check_finite("noise sky", nz.sky)?;
            if nz.sky < 0.0 {
                return Err(Error::invalid("noise sky", nz.sky, "must be ≥ 0"));
            }
        }
        Ok(())
    }
}

/// One generated galaxy: its parameters, inclinations, pixel scale and images.
#[derive(Debug, Clone)]
pub struct GalaxySample {
    /// Parameters.
    pub disc: SersicDisc,
    /// Inclination of each projection (degrees).
    pub inclinations: Vec<f64>,
    /// Pixel scale used.
    pub pixel_scale: f64,
    /// One image per projection.
    pub images: Vec<Image>,
}

fn uniform(rng: &mut ChaCha8Rng, (lo, hi): (f64, f64)) -> f64 {
    if hi > lo {
        rng.random_range(lo..=hi)
    } else {
        lo
    }
}

/// Draws and renders galaxy `index` of the dataset defined by `config` (deterministic).
pub fn generate_galaxy(config: &SersicDatasetConfig, index: usize) -> Result<GalaxySample> {
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
    rng.set_stream(index as u64);
    let r = &config.ranges;
    let disc = SersicDisc::new(
        uniform(&mut rng, r.i_e),
        uniform(&mut rng, r.n),
        uniform(&mut rng, r.r_e),
        uniform(&mut rng, r.q),
    )?;
    let inclinations = match &config.inclinations {
        Inclinations::Fixed(v) => v.clone(),
        Inclinations::Random { uniform_in_cos } => {
            let u: f64 = rng.random_range(0.0..=1.0);
            vec![if *uniform_in_cos {
                u.acos().to_degrees().clamp(0.0, 90.0)
            } else {
                90.0 * u
            }]
        }
    };
    let grid = match config.fitted_half_width_re {
        Some(k) => Grid::fitted(config.size, &disc, k)?,
        None => Grid::square(config.size, config.pixel_scale)?,
    };
    let views: Vec<View> = inclinations
        .iter()
        .map(|&i| View::inclined(i))
        .collect::<Result<_>>()?;
    let mut images = render_views(&disc.model()?, &views, &grid)?;
    let noise_seed: u64 = rng.random();
    for (p, img) in images.iter_mut().enumerate() {
        if let Some(psf) = &config.psf {
            *img = convolve_psf(img, psf)?;
        }
        if let Some(nz) = &config.noise {
            *img = add_noise(img, nz.sky, nz.gain, noise_seed.wrapping_add(p as u64))?;
        }
    }
    Ok(GalaxySample {
        disc,
        inclinations,
        pixel_scale: grid.pixel_scale,
        images,
    })
}

/// What [`generate_dataset`] did.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GenerateReport {
    /// The file written.
    pub path: PathBuf,
    /// Galaxies.
    pub galaxies: usize,
    /// Images (galaxies × projections).
    pub images: usize,
    /// Wall time in seconds.
    pub seconds: f64,
    /// File size in bytes.
    pub bytes: u64,
}

/// Generates the dataset and writes it to `out` (temp file + rename). `progress` is called with
/// the number of galaxies done so far.
pub fn generate_dataset(
    config: &SersicDatasetConfig,
    out: impl AsRef<Path>,
    progress: &mut dyn FnMut(usize),
) -> Result<GenerateReport> {
    config.validate()?;
    let out = out.as_ref();
    let start = std::time::Instant::now();
    let bytes = write_atomically(out, |tmp| write_file(config, tmp, progress))?;
    Ok(GenerateReport {
        path: out.to_path_buf(),
        galaxies: config.galaxies,
        images: config.galaxies * config.projections(),
        seconds: start.elapsed().as_secs_f64(),
        bytes,
    })
}

fn write_file(
    config: &SersicDatasetConfig,
    path: &Path,
    progress: &mut dyn FnMut(usize),
) -> Result<()> {
    let (n, p, s) = (config.galaxies, config.projections(), config.size);
    let w = H5Writer::create(path)?;
    let images = w.images([n, p, s, s])?;
    let mut q = Vec::with_capacity(n);
    let mut sn = Vec::with_capacity(n);
    let mut re = Vec::with_capacity(n);
    let mut ie = Vec::with_capacity(n);
    let mut incl = Vec::with_capacity(n * p);
    let mut scale = Vec::with_capacity(n);
    const BATCH: usize = 256;
    let mut done = 0;
    while done < n {
        let end = (done + BATCH).min(n);
        let batch: Vec<GalaxySample> = (done..end)
            .into_par_iter()
            .map(|g| generate_galaxy(config, g))
            .collect::<Result<_>>()?;
        let mut block = Vec::with_capacity((end - done) * p * s * s);
        for g in &batch {
            q.push(g.disc.q as f32);
            sn.push(g.disc.n as f32);
            re.push(g.disc.r_e as f32);
            ie.push(g.disc.i_e as f32);
            scale.push(g.pixel_scale as f32);
            incl.extend(g.inclinations.iter().map(|&v| v as f32));
            for img in &g.images {
                block.extend_from_slice(&img.data);
            }
        }
        w.write_images(&images, done, [end - done, p, s, s], block)?;
        done = end;
        progress(done);
    }
    for (name, v) in [
        ("q", &q),
        ("n", &sn),
        ("r_e", &re),
        ("i_e", &ie),
        ("pixel_scale_per_galaxy", &scale),
    ] {
        w.column(name, v)?;
    }
    let incl = ndarray::Array2::from_shape_vec((n, p), incl).map_err(|x| h5err(path, x))?;
    w.file
        .new_dataset_builder()
        .with_data(&incl)
        .create("inclination_deg")
        .map_err(|x| h5err(path, x))?;
    w.scalar_attr("pixel_scale", &config.pixel_scale)?;
    w.scalar_attr("seed", &config.seed)?;
    w.generator_attr()?;
    w.text_attr("config", &serde_json::to_string(config)?)?;
    drop(images);
    w.close()
}

/// Per-galaxy labels, loaded in full (they are small).
#[derive(Debug, Clone, PartialEq)]
pub struct SersicLabels {
    /// Axis ratio q.
    pub q: Vec<f32>,
    /// Sérsic index.
    pub n: Vec<f32>,
    /// Effective radius.
    pub r_e: Vec<f32>,
    /// Intensity at R_e.
    pub i_e: Vec<f32>,
    /// Inclinations, `[N × P]` row-major.
    pub inclination_deg: Vec<f32>,
}

/// An open dataset file. Images are read in slices, never all at once.
pub struct SersicH5 {
    path: PathBuf,
    file: hdf5::File,
    images: hdf5::Dataset,
    /// Number of galaxies N.
    pub galaxies: usize,
    /// Projections per galaxy P.
    pub projections: usize,
    /// Image height.
    pub height: usize,
    /// Image width.
    pub width: usize,
    /// Labels.
    pub labels: SersicLabels,
    /// The `config` attribute, parsed.
    pub config: SersicDatasetConfig,
    /// The `seed` attribute.
    pub seed: u64,
    /// The `pixel_scale` attribute.
    pub pixel_scale: f64,
}

impl std::fmt::Debug for SersicH5 {
    /// The Display text wrapped in the type's name.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SersicH5({self})")
    }
}

impl std::fmt::Display for SersicH5 {
    /// What a reader needs: the file and its shape, e.g.
    /// "sersic_quick.h5: 1000 galaxies × 4 projections of 64 × 64 pixels".
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {} galaxies × {} projections of {} × {} pixels",
            self.path.display(),
            self.galaxies,
            self.projections,
            self.height,
            self.width
        )
    }
}

impl SersicH5 {
    /// Opens and checks the schema; a missing, truncated or foreign file is an error.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let r = H5Reader::open(&path)?;
        let (images, [galaxies, projections, height, width]) = r.images("[N, P, H, W]")?;
        let (q, n, r_e, i_e) = (
            r.column::<f32>("q", galaxies)?,
            r.column::<f32>("n", galaxies)?,
            r.column::<f32>("r_e", galaxies)?,
            r.column::<f32>("i_e", galaxies)?,
        );
        let inclination_deg = r.column::<f32>("inclination_deg", galaxies * projections)?;
        let seed = r.scalar_attr::<u64>("seed")?;
        let pixel_scale = r.scalar_attr::<f64>("pixel_scale")?;
        let config: SersicDatasetConfig = r.json_attr("config", "a dataset config")?;
        let file = r.file;
        Ok(SersicH5 {
            path,
            file,
            images,
            galaxies,
            projections,
            height,
            width,
            labels: SersicLabels {
                q,
                n,
                r_e,
                i_e,
                inclination_deg,
            },
            config,
            seed,
            pixel_scale,
        })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Images of galaxies `start..end`, flattened `[end−start, P, H, W]`.
    pub fn read_range(&self, start: usize, end: usize) -> Result<Vec<f32>> {
        if start > end || end > self.galaxies {
            return Err(Error::invalid(
                "galaxy range",
                format!("{start}..{end}"),
                format!("must lie within 0..{}", self.galaxies),
            ));
        }
        let arr: ndarray::Array4<f32> = self
            .images
            .read_slice(ndarray::s![start..end, .., .., ..])
            .map_err(|x| h5err(&self.path, x))?;
        Ok(arr.into_raw_vec_and_offset().0)
    }

    /// Images of the listed galaxies (any order), flattened `[len, P, H, W]`.
    pub fn read_galaxies(&self, indices: &[usize]) -> Result<Vec<f32>> {
        let per = self.projections * self.height * self.width;
        let mut out = Vec::with_capacity(indices.len() * per);
        for &g in indices {
            out.extend(self.read_range(g, g + 1)?);
        }
        Ok(out)
    }

    /// One projection of one galaxy, flattened `[H, W]` (reads only that projection).
    pub fn read_projection(&self, galaxy: usize, projection: usize) -> Result<Vec<f32>> {
        if projection >= self.projections {
            return Err(Error::invalid(
                "projection",
                projection,
                format!("file has {} projections", self.projections),
            ));
        }
        if galaxy >= self.galaxies {
            return Err(Error::invalid(
                "galaxy",
                galaxy,
                format!("must lie within 0..{}", self.galaxies),
            ));
        }
        let arr: ndarray::Array4<f32> = self
            .images
            .read_slice(ndarray::s![
                galaxy..galaxy + 1,
                projection..projection + 1,
                ..,
                ..
            ])
            .map_err(|x| h5err(&self.path, x))?;
        Ok(arr.into_raw_vec_and_offset().0)
    }

    /// One projection of one galaxy as an [`Image`].
    pub fn image(&self, galaxy: usize, projection: usize) -> Result<Image> {
        Ok(Image {
            width: self.width,
            height: self.height,
            data: self.read_projection(galaxy, projection)?,
        })
    }

    /// Closes the file.
    pub fn close(self) -> Result<()> {
        let SersicH5 {
            path, file, images, ..
        } = self;
        drop(images);
        file.close().map_err(|x| h5err(&path, x))
    }
}
