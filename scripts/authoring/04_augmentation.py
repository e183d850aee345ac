import sys; sys.path.insert(0, "scripts")
from nb import write
write("notebooks/04_augmentation.ipynb", [
("md", r"""
# 04 · Data augmentation: a few hundred images become 1.7 million

Seed 000 (Prakash, Banerjee & Perepu 2020, §4) downloaded "only a few hundred" 450 × 450 GalMer images — far too few to train an AlexNet with 25 million weights. It multiplied them in two steps:

1. **three photometric variants** of every image: the original, a smoothed copy, and a copy in which a randomly chosen half (top, bottom, left or right) has its contrast changed relative to the rest — "×3";
2. **rotation** of every variant by 1°, 359 times — "×360";

then resized everything to 340 × 340 (and the network's input to 256 × 256). For real SDSS images (§7) it also applied a **median filter**. Tables 1–3 give the resulting training, validation and testing counts per class: over a million images per experiment.

This notebook shows each operation on one of our simulated pair images, then the trick that makes the seed's set affordable here: the augmented set is an **index space**, not files. Augmented image $k$ is computed when the data loader asks for it, deterministically from ($k$, seed), so 1.7 million images cost no disk and no memory.

**Which numbers you see.** The cells are cheap; quick and full mode differ only in the image size (64 vs 128 pixels). The seed's counts are quoted from its Tables 1–3.
"""),
("code", ':dep galaxy-lab = { path = ".." }'),
("code", r"""
use galaxy_lab::prelude::*;
let session = setup();
let mode = session.mode;
"""),
("md", r"""
## 1 · One source image

Two simulated encounters (12 views) from the pair simulator of notebook 03, rendered at the mode's size. The stored pixels are a log stretch of the surface density in [0, 1]. We take view 0 as our source image.
"""),
("code", r"""
let size = mode.pick(64, 128);
let path = std::path::PathBuf::from(format!("../data/generated/pairs_augment_{mode}.h5"));
{
    let cfg = PairDatasetConfig { seed: 4, ..PairDatasetConfig::quick(Experiment::TwoClass, 12) };
    let cfg = PairDatasetConfig { size, render: RenderConfig::with_size(size), ..cfg };
    generate_pairs_dataset(&cfg, &path, &mut |_| {})?;
}
let ds = PairH5::open(&path)?;
let src = ds.image(0)?;
println!("{} images of {}×{}; image 0: class {} (i = {}°), θ = {:.0}°", ds.count, ds.width, ds.height,
    ds.class_names[ds.labels[0].class as usize], ds.labels[0].i_deg, ds.labels[0].theta_deg);
"""),
("md", r"""
## 2 · The operations, one by one

All filters come from the `imageproc` and `image` crates (Gaussian blur, bilinear rotation, Lanczos resampling, median filter), not hand-written kernels.

**Smoothing** (Gaussian, σ = 1.5 source pixels by default). **Notice** how the speckle of individual simulation particles disappears while the tidal tails stay: the network sees the same structure at a different texture.
"""),
("code", r"""
{
let imgs = vec![src.clone(), augment::smooth(&src, 1.0)?, augment::smooth(&src, 1.5)?, augment::smooth(&src, 3.0)?];
let labels: Vec<String> = ["original", "σ = 1 px", "σ = 1.5 px", "σ = 3 px"].iter().map(|s| s.to_string()).collect();
let fig = montage(&imgs, 4, 3, Stretch::Linear, Some(&labels), None)?;
fig
}
"""),
("md", r"""
**Half-image contrast.** One half — top, bottom, left or right — is stretched about the image minimum by a gain drawn from [1.3, 2.0]; the other half is unchanged. The seed says only "randomly selected one half … and then changed the contrast of the same with respect to the rest", so the gain range is ours. **Notice** the sharp edge through the middle of each panel: the network must learn that a brightness step across the image says nothing about the inclination.
"""),
("code", r"""
{
let mut imgs = Vec::new();
let mut labels = Vec::new();
for h in Half::ALL {
    imgs.push(augment::contrast_half(&src, h, 1.8)?);
    labels.push(format!("{h:?} × 1.8"));
}
let fig = montage(&imgs, 4, 3, Stretch::Linear, Some(&labels), None)?;
fig
}
"""),
("md", r"""
**Rotation** by whole degrees about the image centre (bilinear), corners filled with the median of the image border (the sky level). The seed rotated "by one degree, 359 times", i.e. 360 orientations per variant. **Notice** that a rotated interacting pair is still a physically valid view of the same system: the inclination class cannot change.
"""),
("code", r"""
{
let angles = [0, 1, 30, 90, 135, 217, 300, 359];
let imgs: Vec<Image> = angles.iter().map(|&a| augment::rotate_deg(&src, a)).collect::<Result<_>>()?;
let labels: Vec<String> = angles.iter().map(|a| format!("{a}°")).collect();
let fig = montage(&imgs, 8, 2, Stretch::Linear, Some(&labels), None)?;
fig
}
"""),
("md", r"""
**Resizing** (the seed: 450 → 340 → 256) and the **median filter** (the seed's treatment of SDSS images, radius 1 = 3 × 3). We resize our source to 3/4 and then 1/2 of its side, the same ratios as the seed's chain, and back up to compare. **Notice** that downsampling keeps the two nuclei and the tails but loses the particle speckle, much like smoothing; the median filter removes isolated bright pixels (stars and cosmic rays in SDSS images) while keeping edges.
"""),
("code", r"""
{
let s = src.width;
let a = augment::resize(&src, s * 3 / 4, s * 3 / 4)?;
let b = augment::resize(&a, s / 2, s / 2)?;
let imgs = vec![src.clone(), augment::resize(&a, s, s)?, augment::resize(&b, s, s)?, augment::median_filter(&src, 1)?, augment::median_filter(&src, 2)?];
let labels = vec![format!("{s} px"), format!("{} px", s * 3 / 4), format!("{} px", s / 2), "median 3×3".to_string(), "median 5×5".to_string()];
let fig = montage(&imgs, 5, 2, Stretch::Linear, Some(&labels), None)?;
fig
}
"""),
("md", r"""
## 3 · The augmented set as an index space

An `AugmentSpace` over $n$ source images with the seed's scheme has $n \times 3 \times 360$ members. Index $k$ decodes as

$$k = (\text{source}\cdot 3 + \text{variant})\cdot 360 + \text{rotation},$$

and the random choices of the contrast variant (which half, which gain) come from a ChaCha8 generator seeded by (seed, source, variant) only — so every rotation of one contrast variant shares its half, as in the seed's order (variants first, then rotations), and asking for index $k$ twice gives the same image. **Notice** the decoded rows below, and that the last line compares two independent computations of the same index pixel by pixel.
"""),
("code", r"""
let space = AugmentSpace::new(ds.count, AugmentConfig::default())?;
{
let mut t = Table::new(format!("Decoding augmented indices ({} sources × 3 × 360 = {} images)", ds.count, space.len()),
    &["index k", "source", "variant", "rotation", "contrast half and gain"]);
for k in [0usize, 1, 359, 360, 720, 721, 1080, space.len() - 1] {
    let a = space.get(k)?;
    t.push_row(&[k.to_string(), a.source.to_string(), format!("{:?}", a.variant), format!("{}°", a.rotation_deg),
        a.contrast.map(|(h, g)| format!("{h:?} × {g:.2}")).unwrap_or_default()])?;
}
let same = space.apply(1000, &ds.image(0)?)?.data == space.apply(1000, &ds.image(0)?)?.data;
println!("index 1000 computed twice gives identical pixels: {same}");
t
}
"""),
("code", r"""
{
let ks = [720usize, 721, 750, 810, 900, 1079];
let imgs: Vec<Image> = ks.iter().map(|&k| space.apply(k, &src)).collect::<Result<_>>()?;
let labels: Vec<String> = ks.iter().map(|&k| { let a = space.get(k).unwrap(); format!("k={k}: {}°", a.rotation_deg) }).collect();
let fig = montage(&imgs, 6, 2, Stretch::Linear, Some(&labels), None)?;
fig
}
"""),
("md", r"""
**How big is the seed's set, and what does it cost here?** Table 2's three-class *training* set alone has 1,704,529 images; Table 1's two-class training and validation images add up to 1,356,480 = 1,256 × 1,080, so the seed's sets correspond to about 1,256 source images for two classes — more than the "few hundred" the text mentions. An index space over 1,575 sources has 1.7 million members, and building it allocates nothing but the configuration. Producing one augmented image on demand costs a rotation and a blur or contrast pass; **notice** the rate below — far faster than a training step consumes images, so lazy augmentation does not slow training down.
"""),
("code", r"""
let big = AugmentSpace::new(1575, AugmentConfig::default())?;
let seed2 = AugmentSpace::new(1256, AugmentConfig::default())?;
println!("1,256 sources × 3 × 360 = {} (Table 1: 1,356,480 training + validation)", seed2.len());
println!("1,575 sources × 3 × 360 = {} augmented images, stored: 0 bytes", big.len());
let n = mode.pick(2000, 20000);
let t0 = std::time::Instant::now();
let mut total_light = 0.0f64;
for j in 0..n {
    let k = (j * 7919) % space.len();
    let img = space.apply(k, &ds.image(space.get(k)?.source)?)?;
    total_light += img.data.iter().map(|&v| v as f64).sum::<f64>();
}
let secs = t0.elapsed().as_secs_f64();
println!("{n} augmented {size}×{size} images (read + augment) in {secs:.2} s = {:.0} images/s on one thread (mean pixel {:.3})", n as f64 / secs, total_light / (n * size * size) as f64);
"""),
("md", r"""
## 4 · Splitting, and Tables 1–3

The seed split its *augmented* images 80 % (training + validation) / 20 % (testing). Rotated copies of one GalMer image therefore sat on both sides of the split, and a test image was often a 1°-rotation of a training image. We split the **source** images first — stratified per class, and by default whole simulations at a time, because our views of one simulation share its snapshot — and augment each part on its own. The per-class count table comes from the same objects the data loader reads.

Below, the 12 images of this small file split by image (two simulations are too few to split by simulation), training and validation augmented the seed's way, test images un-augmented. **Notice** the factor 1,080 between a source image and its augmented copies, and that the test column counts source images.
"""),
("code", r"""
{
let labels: Vec<usize> = ds.labels.iter().map(|l| l.class as usize).collect();
let s = split_sources(&labels, 2, 0.2, 0.2, 0)?;
let train = AugmentedSet::new(&s.train, &labels, AugmentConfig::default())?;
let valid = AugmentedSet::new(&s.valid, &labels, AugmentConfig::default())?;
let test = AugmentedSet::new(&s.test, &labels, AugmentConfig::none(vec![]))?;
println!("sources: train {:?}, valid {:?}, test {:?}", s.train, s.valid, s.test);
let t = count_table(&ds.class_names, &train, &valid, &test)?;
t
}
"""),
("md", r"""
The seed's Tables 1–3, from the constants the classification notebooks compare against (`seed_result`). **Notice** how small the test columns are (≈ 500 per class) beside the training columns (> 300,000 per class): far below the 20 % the text announces. The paper does not say how its test images were chosen, one more reason to read its test scores with care.
"""),
("code", r"""
{
let mut t = Table::new("Seed 000, Tables 1–3: augmented images per class", &["experiment", "class", "training", "validation", "testing"]);
for e in [Experiment::TwoClass, Experiment::ThreeClass, Experiment::NineClass] {
    let s = seed_result(e)?;
    for r in s.rows.iter().chain([&s.overall]) {
        t.push_row(&[e.name().to_string(), r.class.clone(), r.data[0].to_string(), r.data[1].to_string(), r.data[2].to_string()])?;
    }
}
t
}
"""),
("md", r"""
## What to take away

* Every augmentation is a pure function of (source image, index, seed): the seed's 1.4–3.8 million images per experiment are an index space that costs nothing to store.
* Rotations preserve the class, so they teach the network rotation invariance; smoothing and half-contrast teach it to ignore texture and brightness steps.
* Splitting before augmenting (and keeping simulations together) is what makes a test score mean "new systems", not "rotated copies of training images". Notebooks 05–07 train on these sets.
"""),
])
