//! Labelled images for the classifiers (seed 000 §6): the [`Examples`] a training loop reads, an
//! in-memory [`ClassData`], and [`AugmentedExamples`], which makes each augmented image on demand
//! from a lazy [`AugmentedSet`] (so the seed's ~1.7 M images are never stored); reading a pairs
//! file's images and classes ([`class_images`]) and splitting them by simulation or by image
//! ([`split_images`]).

use super::class_recipe::{ClassRunConfig, SplitBy};
use crate::augment::{AugmentConfig, AugmentedSet, SourceSplit, split_sources};
use crate::data::pairs_h5::{Experiment, PairH5};
use crate::error::{Error, Result, check_size};
use crate::image::Image;
use burn::prelude::*;
use rayon::prelude::*;
use std::collections::BTreeMap;

/// A labelled image set: `len` images of `channels × size × size` pixels (row-major), each with a
/// class label.
pub trait Examples: Sync {
    /// Number of images.
    fn len(&self) -> usize;
    /// True when there are no images.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Channels per image.
    fn channels(&self) -> usize;
    /// Image side in pixels.
    fn size(&self) -> usize;
    /// Class of image `i`.
    fn label(&self, i: usize) -> Result<usize>;
    /// Pixels of image `i` (`channels × size × size`, row-major).
    fn pixels(&self, i: usize) -> Result<Vec<f32>>;
}

/// Checks that a set is not empty, has the network's shape, and that every label is below
/// `classes`; `name` names the set in messages.
pub fn check_examples(
    name: &str,
    data: &dyn Examples,
    channels: usize,
    size: usize,
    classes: usize,
) -> Result<()> {
    if data.is_empty() {
        return Err(Error::invalid(name, "0 images", "must not be empty"));
    }
    if (data.channels(), data.size()) != (channels, size) {
        return Err(Error::invalid(
            name,
            format!("{}×{}×{}", data.channels(), data.size(), data.size()),
            format!("the network expects {channels}×{size}×{size}"),
        ));
    }
    for i in 0..data.len() {
        let l = data.label(i)?;
        if l >= classes {
            return Err(Error::invalid(
                &format!("{name} label of image {i}"),
                l,
                format!("must be below the number of classes ({classes})"),
            ));
        }
    }
    Ok(())
}

/// The images `idx` of `data` as a `[n, channels, size, size]` tensor and their labels (made in
/// parallel: augmentation happens here for lazy sets).
pub fn batch(
    data: &dyn Examples,
    idx: &[usize],
    device: &Device,
) -> Result<(Tensor<4>, Tensor<1, Int>)> {
    check_size("batch length", idx.len(), 1)?;
    let per = data.channels() * data.size() * data.size();
    let pixels: Vec<Vec<f32>> = idx
        .par_iter()
        .map(|&i| data.pixels(i))
        .collect::<Result<_>>()?;
    let mut x = Vec::with_capacity(idx.len() * per);
    for p in pixels {
        if p.len() != per {
            return Err(Error::invalid(
                "image pixels",
                p.len(),
                format!("expected {per}"),
            ));
        }
        x.extend(p);
    }
    let labels: Vec<i64> = idx
        .iter()
        .map(|&i| data.label(i).map(|l| l as i64))
        .collect::<Result<_>>()?;
    let n = idx.len();
    Ok((
        Tensor::from_data(
            TensorData::new(x, [n, data.channels(), data.size(), data.size()]),
            device,
        ),
        Tensor::from_data(TensorData::new(labels, [n]), device),
    ))
}

/// Images and labels in memory; `x` is `[len, channels, size, size]` row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassData {
    /// Pixels.
    pub x: Vec<f32>,
    /// Class of each image.
    pub labels: Vec<usize>,
    /// Channels per image.
    pub channels: usize,
    /// Image side.
    pub size: usize,
}

impl ClassData {
    /// Checks that the set is not empty, the buffer matches `labels.len() × channels × size²`,
    /// every pixel is finite and every label is below `classes`.
    pub fn new(
        x: Vec<f32>,
        labels: Vec<usize>,
        channels: usize,
        size: usize,
        classes: usize,
    ) -> Result<Self> {
        check_size("dataset length", labels.len(), 1)?;
        check_size("channels", channels, 1)?;
        check_size("size", size, 1)?;
        check_size("classes", classes, 2)?;
        let per = channels * size * size;
        if x.len() != labels.len() * per {
            return Err(Error::invalid(
                "image buffer length",
                x.len(),
                format!(
                    "expected {} images × {channels}×{size}×{size} = {}",
                    labels.len(),
                    labels.len() * per
                ),
            ));
        }
        if let Some(i) = x.iter().position(|v| !v.is_finite()) {
            return Err(Error::invalid(
                &format!("pixel {i}"),
                x[i],
                "must be finite",
            ));
        }
        if let Some(i) = labels.iter().position(|&l| l >= classes) {
            return Err(Error::invalid(
                &format!("label of image {i}"),
                labels[i],
                format!("must be below the number of classes ({classes})"),
            ));
        }
        Ok(ClassData {
            x,
            labels,
            channels,
            size,
        })
    }

    /// One-channel set from square images of one size.
    pub fn from_images(images: &[Image], labels: Vec<usize>, classes: usize) -> Result<Self> {
        check_size("number of images", images.len(), 1)?;
        if images.len() != labels.len() {
            return Err(Error::invalid(
                "labels.len()",
                labels.len(),
                format!("need one label per image ({})", images.len()),
            ));
        }
        let size = images[0].width;
        let mut x = Vec::with_capacity(images.len() * size * size);
        for (i, img) in images.iter().enumerate() {
            crate::augment::ops::check_image(&format!("image {i}"), img)?;
            if (img.width, img.height) != (size, size) {
                return Err(Error::invalid(
                    &format!("image {i}"),
                    format!("{}×{}", img.width, img.height),
                    format!("every image must be {size}×{size} like image 0"),
                ));
            }
            x.extend_from_slice(&img.data);
        }
        ClassData::new(x, labels, 1, size, classes)
    }

    /// The images `idx` (in that order) as a new set.
    pub fn subset(&self, idx: &[usize]) -> Result<Self> {
        check_size("subset length", idx.len(), 1)?;
        let per = self.channels * self.size * self.size;
        let mut x = Vec::with_capacity(idx.len() * per);
        let mut labels = Vec::with_capacity(idx.len());
        for &i in idx {
            if i >= self.labels.len() {
                return Err(Error::invalid(
                    "subset index",
                    i,
                    format!("must be below {}", self.labels.len()),
                ));
            }
            x.extend_from_slice(&self.x[i * per..(i + 1) * per]);
            labels.push(self.labels[i]);
        }
        Ok(ClassData {
            x,
            labels,
            channels: self.channels,
            size: self.size,
        })
    }
}

impl Examples for ClassData {
    fn len(&self) -> usize {
        self.labels.len()
    }
    fn channels(&self) -> usize {
        self.channels
    }
    fn size(&self) -> usize {
        self.size
    }
    fn label(&self, i: usize) -> Result<usize> {
        self.labels.get(i).copied().ok_or_else(|| {
            Error::invalid("image index", i, format!("must be below {}", self.len()))
        })
    }
    fn pixels(&self, i: usize) -> Result<Vec<f32>> {
        let per = self.channels * self.size * self.size;
        self.x
            .get(i * per..(i + 1) * per)
            .map(|s| s.to_vec())
            .ok_or_else(|| {
                Error::invalid("image index", i, format!("must be below {}", self.len()))
            })
    }
}

/// A lazily augmented set read as one-channel examples: image `k` is `set.image(k, images)`,
/// scaled to [0, 1] by its own minimum and maximum (as 8-bit images divided by 255 are).
#[derive(Debug, Clone, Copy)]
pub struct AugmentedExamples<'a> {
    set: &'a AugmentedSet,
    images: &'a [Image],
    size: usize,
}

impl<'a> AugmentedExamples<'a> {
    /// Checks that the sources exist and that the augmented images are square of one size.
    pub fn new(set: &'a AugmentedSet, images: &'a [Image]) -> Result<Self> {
        if set.is_empty() {
            return Err(Error::invalid(
                "augmented set",
                "0 images",
                "must not be empty",
            ));
        }
        let first = set.image(0, images)?;
        if first.width != first.height {
            return Err(Error::invalid(
                "augmented image size",
                format!("{}×{}", first.width, first.height),
                "must be square (set AugmentConfig::resize)",
            ));
        }
        for &s in set.sources() {
            let src = images.get(s).ok_or_else(|| {
                Error::invalid(
                    "images.len()",
                    images.len(),
                    format!("source {s} is missing"),
                )
            })?;
            let side = set
                .space()
                .config()
                .resize
                .last()
                .copied()
                .unwrap_or(src.width);
            if (src.width != src.height && set.space().config().resize.is_empty())
                || side != first.width
            {
                return Err(Error::invalid(
                    &format!("source image {s}"),
                    format!("{}×{}", src.width, src.height),
                    format!("augments to a size other than {}", first.width),
                ));
            }
        }
        Ok(AugmentedExamples {
            set,
            images,
            size: first.width,
        })
    }
}

impl Examples for AugmentedExamples<'_> {
    fn len(&self) -> usize {
        self.set.len()
    }
    fn channels(&self) -> usize {
        1
    }
    fn size(&self) -> usize {
        self.size
    }
    fn label(&self, i: usize) -> Result<usize> {
        self.set.label(i)
    }
    fn pixels(&self, i: usize) -> Result<Vec<f32>> {
        let img = self.set.image(i, self.images)?;
        let lo = img.data.iter().cloned().fold(f32::INFINITY, f32::min);
        let hi = img.data.iter().cloned().fold(f32::NEG_INFINITY, f32::max);
        let span = (hi - lo).max(f32::MIN_POSITIVE);
        Ok(img.data.iter().map(|&v| (v - lo) / span).collect())
    }
}

/// Some images of another set, in the order `indices` gives (e.g. a random sample of a large
/// augmented space).
pub struct Subset<'a> {
    inner: &'a dyn Examples,
    indices: Vec<usize>,
}

impl<'a> Subset<'a> {
    /// Images `indices` of `inner`; every index must be below `inner.len()`, and at least one.
    pub fn new(inner: &'a dyn Examples, indices: Vec<usize>) -> Result<Self> {
        if indices.is_empty() {
            return Err(Error::invalid("subset", "0 indices", "must not be empty"));
        }
        if let Some(&i) = indices.iter().find(|&&i| i >= inner.len()) {
            return Err(Error::invalid(
                "subset index",
                i,
                format!("must be below the set size {}", inner.len()),
            ));
        }
        Ok(Subset { inner, indices })
    }

    fn at(&self, i: usize) -> Result<usize> {
        self.indices.get(i).copied().ok_or_else(|| {
            Error::invalid("image index", i, format!("must be below {}", self.len()))
        })
    }
}

impl Examples for Subset<'_> {
    fn len(&self) -> usize {
        self.indices.len()
    }
    fn channels(&self) -> usize {
        self.inner.channels()
    }
    fn size(&self) -> usize {
        self.inner.size()
    }
    fn label(&self, i: usize) -> Result<usize> {
        self.inner.label(self.at(i)?)
    }
    fn pixels(&self, i: usize) -> Result<Vec<f32>> {
        self.inner.pixels(self.at(i)?)
    }
}

/// Every image of `ds` (or its first `max`) as one-channel images, and their classes.
pub fn class_images(ds: &PairH5, max: Option<usize>) -> Result<(Vec<Image>, Vec<usize>)> {
    let k = ds.class_names.len();
    if k < 2 {
        return Err(Error::invalid(
            "dataset",
            ds.path().display(),
            format!(
                "is a {} dataset without classes; classification needs two-class, three-class \
                 or nine-class",
                ds.config.experiment.name()
            ),
        ));
    }
    if ds.height != ds.width {
        return Err(Error::invalid(
            "image shape",
            format!("{}×{}", ds.height, ds.width),
            "classification needs square images",
        ));
    }
    let n = max.map_or(ds.count, |m| m.min(ds.count));
    check_size("images", n, 2)?;
    let mut labels = Vec::with_capacity(n);
    for (i, l) in ds.labels[..n].iter().enumerate() {
        if l.class < 0 || l.class as usize >= k {
            return Err(Error::invalid(
                &format!("class of image {i}"),
                l.class,
                format!("must lie in 0..{k}"),
            ));
        }
        labels.push(l.class as usize);
    }
    let px = ds.height * ds.width;
    let per = ds.channels * px;
    let mut images = Vec::with_capacity(n);
    let chunk = 256;
    for start in (0..n).step_by(chunk) {
        let end = (start + chunk).min(n);
        let raw = ds.read_range(start, end)?;
        for j in 0..end - start {
            images.push(Image {
                width: ds.width,
                height: ds.height,
                data: raw[j * per..j * per + px].to_vec(),
            });
        }
    }
    Ok((images, labels))
}

/// Index of the inclination class of `i_deg` among `experiment.inclinations()` (the nearest).
fn inclination_class(experiment: Experiment, i_deg: f32) -> usize {
    let incl = experiment.inclinations();
    (0..incl.len())
        .min_by(|&a, &b| {
            let da = (incl[a] - i_deg as f64).abs();
            let db = (incl[b] - i_deg as f64).abs();
            da.total_cmp(&db)
        })
        .unwrap_or(0)
}

/// Splits the first `n` images of `ds` as `cfg` says; returns image indices per part and the
/// number of simulations in each.
pub fn split_images(
    ds: &PairH5,
    n: usize,
    labels: &[usize],
    cfg: &ClassRunConfig,
) -> Result<(SourceSplit, [usize; 3])> {
    let k = ds.class_names.len();
    let experiment = ds.config.experiment;
    let seed = cfg.train.seed;
    let (vf, tf) = (cfg.valid_fraction, cfg.test_fraction);
    let split = match cfg.split_by {
        SplitBy::Image => split_sources(labels, k, vf, tf, seed)?,
        SplitBy::Simulation => {
            let mut groups: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
            for (i, l) in ds.labels[..n].iter().enumerate() {
                groups.entry(l.simulation).or_default().push(i);
            }
            let groups: Vec<Vec<usize>> = groups.into_values().collect();
            let n_incl = experiment.inclinations().len().max(2);
            let keys: Vec<usize> = groups
                .iter()
                .map(|g| inclination_class(experiment, ds.labels[g[0]].i_deg))
                .collect();
            let s = split_sources(&keys, n_incl, vf, tf, seed).map_err(|e| {
                Error::invalid(
                    "split",
                    format!("{} simulations", groups.len()),
                    format!("cannot split by simulation ({e}); use more images or split by image"),
                )
            })?;
            let flat = |part: &[usize]| {
                let mut v: Vec<usize> = part.iter().flat_map(|&g| groups[g].clone()).collect();
                v.sort_unstable();
                v
            };
            SourceSplit {
                train: flat(&s.train),
                valid: flat(&s.valid),
                test: flat(&s.test),
            }
        }
    };
    let sims = |part: &[usize]| {
        let mut s: Vec<u32> = part.iter().map(|&i| ds.labels[i].simulation).collect();
        s.sort_unstable();
        s.dedup();
        s.len()
    };
    for (name, part) in [
        ("training", &split.train),
        ("validation", &split.valid),
        ("test", &split.test),
    ] {
        if part.is_empty() {
            return Err(Error::invalid(
                &format!("{name} set"),
                "0 images",
                format!(
                    "too few images ({n}) for a {name} set; use more images or other fractions"
                ),
            ));
        }
    }
    let counts = [sims(&split.train), sims(&split.valid), sims(&split.test)];
    Ok((split, counts))
}

/// `cfg` resampling images of side `source` to `size` (no resampling when they agree).
pub(crate) fn with_resize(cfg: &AugmentConfig, source: usize, size: usize) -> AugmentConfig {
    AugmentConfig {
        resize: if source == size { vec![] } else { vec![size] },
        ..cfg.clone()
    }
}
