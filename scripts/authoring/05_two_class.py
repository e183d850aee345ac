import sys; sys.path.insert(0, "scripts")
from nb import write
write("notebooks/05_two_class.ipynb", [
("md", r"""
# 05 · Two classes: is the relative inclination 0° or 45°?

Seed 000 (Prakash, Banerjee & Perepu 2020, §6 "Case 1") trains an AlexNet to tell, from one image of an interacting galaxy pair near pericentre, whether the two discs are **coplanar** ($i = 0°$) or **inclined by 45°** ($i = 45°$). On augmented GalMer images it reports precision, recall and F1 of 0.99 (Table 6), 25 test images rejected at an 80 % confidence threshold (Table 7), and an area under the ROC curve of 0.96.

This notebook runs the same experiment on our simulated pairs, end to end, with one library call — `run_classification`, the same code as the command-line tool `galaxy-lab classify train` — and puts every number beside the seed's:

1. the dataset and the augmented training set (Table 1),
2. the network (Table 4) and its training (Fig. 3),
3. the test scores and rejections (Tables 6, 7), the confusion matrix (Fig. 4), the ROC curve,
4. labelled test images (Fig. A1) and what the convolutions see (Fig. 2).

**Which numbers you see.** Under `make test` this notebook runs in **quick mode**: 480 images of 64 × 64 pixels from 80 small simulations (3,000 particles each), an AlexNet scaled to 1/8 of the seed's width at 64 × 64 input, 12 short epochs — about a minute on two CPU cores. Quick-mode numbers show the machinery and are **not** comparable with the seed's: the seed trained a 25-million-weight network for 12 × 12,000 steps. Full mode (`GALAXY_LAB_MODE=full`) uses the seed's network at 256 × 256 and its epochs; full-mode results of the CLI are read from `results/classification/` in the last section. And our images are simulated by our own restricted N-body code, not GalMer's: see the notes at the end.
"""),
("code", ':dep galaxy-lab = { path = ".." }'),
("code", r"""
use galaxy_lab::prelude::*;
let session = setup();
let mode = session.mode;
let device = session.device.clone();
"""),
("md", r"""
## 1 · The data

Each simulation is one encounter — a gSa–gSa, gSa–gSb or gSb–gSb pair of equal mass on one of the 12 GalMer-like orbits, prograde or retrograde, with the second disc inclined by $i$ — snapshotted near pericentre and rendered at the six viewing angles θ = 0, 20, 35, 50, 65, 80° of the seed, each with its own random azimuth. $i$ alternates between simulations, so the classes are balanced. (Notebook 03 builds the simulator.)
"""),
("code", r"""
let path = std::path::PathBuf::from(format!("../data/generated/pairs_two_class_{mode}.h5"));
let data_cfg = match mode {
    RunMode::Quick => PairDatasetConfig { seed: 5, ..PairDatasetConfig::quick(Experiment::TwoClass, 480) },
    RunMode::Full => PairDatasetConfig { seed: 5, size: 256, render: RenderConfig::with_size(256), ..PairDatasetConfig::new(Experiment::TwoClass, 12_000) },
};
if mode == RunMode::Quick || !path.exists() {
    let r = generate_pairs_dataset(&data_cfg, &path, &mut |_| {})?;
    println!("simulated {} encounters, {} images in {:.1} s", r.simulations, r.images, r.seconds);
}
let ds = PairH5::open(&path)?;
println!("{} images of {}×{}, classes {:?}", ds.count, ds.width, ds.height, ds.class_names);
"""),
("md", r"""
Twelve images, true class on top and viewing angle below. **Notice** how little separates the classes by eye: at pericentre the tidal tails have only begun to form, and the viewing angle changes the picture more than the inclination does.
"""),
("code", r"""
{
let picks: Vec<usize> = (0..12).map(|j| j * 6 + j % 6).collect();
let imgs: Vec<Image> = picks.iter().map(|&k| ds.image(k)).collect::<Result<_>>()?;
let top: Vec<String> = picks.iter().map(|&k| ds.class_names[ds.labels[k].class as usize].clone()).collect();
let bottom: Vec<String> = picks.iter().map(|&k| format!("θ={:.0}", ds.labels[k].theta_deg)).collect();
let fig = montage(&imgs, 6, 2, Stretch::Linear, Some(&top), Some(&bottom))?;
fig
}
"""),
("md", r"""
## 2 · The network (Table 4)

AlexNet: five convolutions (96 11×11 stride 4, 256 5×5, 384, 384, 256 3×3), each followed by ReLU and batch normalisation, 3×3 stride-2 max-pooling after the first, second and fifth, two dense layers of 4096 with dropout 0.5, and a softmax over the classes. Table 4's parameter column fixes what the paper leaves open: **unpadded** convolutions and **three** input channels give exactly its 24,735,106 weights (the module notes of `models::alexnet` derive this). Our images have one channel.

Quick mode keeps the layout but scales every layer's width by 1/8 and pads the convolutions so that a 64 × 64 input survives the strides. **Notice** where the weights are: almost all in the first dense layer in the seed's network.
"""),
("code", r"""
let cfg = mode.pick(ClassRunConfig::quick(Experiment::TwoClass), ClassRunConfig::full(Experiment::TwoClass));
{
let seed_net = ClassRunConfig::full(Experiment::TwoClass).net(2).with_channels(3);
let ours = cfg.net(2);
let (a, b) = (seed_net.layer_params()?, ours.layer_params()?);
let mut t = Table::new(format!("Parameters per layer: Table 4 (3×256×256) beside this run's network ({} mode, 1×{}×{}, width {})", mode, cfg.size, cfg.size, cfg.width),
    &["layer", "Table 4", "this run"]);
for (k, name) in ["conv 1", "conv 2", "conv 3", "conv 4", "conv 5", "dense 1", "dense 2", "output"].iter().enumerate() {
    t.push_row(&[name.to_string(), a[k].to_string(), b[k].to_string()])?;
}
t.push_row(&["total".to_string(), a.iter().sum::<usize>().to_string(), b.iter().sum::<usize>().to_string()])?;
t
}
"""),
("md", r"""
## 3 · Training

`run_classification` does what the CLI does:

* **split** the source images 64 / 16 / 20 % into training, validation and test — *whole simulations* at a time, stratified by inclination, so no test image shares a snapshot with a training image (the seed split its augmented images, so rotated copies of one image sat on both sides);
* **augment** training sources lazily the seed's way (original, smoothed, half-contrast × 360 rotations; notebook 04), validation sources with four right-angle rotations in quick mode; test images are not augmented;
* **train** with the seed's optimiser, SGD at learning rate 0.01 with 1 % decay per epoch (quick mode adds momentum 0.9, otherwise a few hundred updates barely move), keeping the weights of the epoch with the lowest validation loss;
* **evaluate** the test set: softmax probabilities, rejection below 80 %, scores of the kept images, ROC.
"""),
("code", r"""
let run = run_classification(&ds, &cfg, &device, &mut |h| {
    let e = h.train_loss.len();
    println!("epoch {e:>2}: train acc {:.3}, valid loss {:.3}, valid acc {:.3} ({:.0} s)", h.train_accuracy[e - 1], h.valid_loss[e - 1], h.valid_accuracy[e - 1], h.seconds);
})?;
let m = run.metrics.clone();
println!("{} epochs in {:.0} s on {}; best validation loss at epoch {}", m.epochs_run, m.train_seconds, m.device, m.best_epoch + 1);
"""),
("md", r"""
**Table 1 beside ours.** The same counting code as notebook 04, now on this run's split. **Notice** the orders of magnitude: our training set is an index space of the same kind as the seed's, built from fewer sources, and an epoch visits only a small sample of it.
"""),
("code", r"""
{ let t = run.count_table_with_seed()?; t }
"""),
("md", r"""
**Fig. 3 — learning curves.** The seed shows training accuracy and validation loss; we show both accuracies and both losses. The seed's two-class network reached 99.9 % training accuracy after 3 epochs. **Notice** whether the validation loss falls with the training loss; where it stops falling, the kept weights are those of its minimum.
"""),
("code", r"""
{ let fig = run.curves()?; fig }
"""),
("md", r"""
## 4 · Test scores beside the seed's

**Table 6.** Precision, recall and F1 per class and support-weighted overall, computed on the test images the rejection rule keeps (top softmax probability ≥ 80 %), as the seed does. **Notice** the "kept" column: a network that is rarely sure keeps few images, and scores on a handful of kept images are noisy. The line under the table gives the scores of *all* test images, without rejection.
"""),
("code", r"""
{
let t = run.scores_table_with_seed()?;
println!("{} mode. Without rejection: weighted F1 {:.2}, accuracy {:.2} on all {} test images.", mode, m.f1_no_rejection, m.accuracy_no_rejection, m.n_test);
t
}
"""),
("md", r"""
**Table 7 — rejections.** The seed rejected 8 of 486 test images at 0° and 17 of 456 at 45° (about 3 %). **Notice** how our rejection rate compares: it measures how confident the network is, not whether it is right.
"""),
("code", r"""
{ let t = run.rejection_table_with_seed()?; t }
"""),
("md", r"""
**Fig. 4 — confusion matrix** of the kept test images (rows: true class, columns: predicted; each cell gives the count and its share of the row). A perfect classifier has a dark diagonal.
"""),
("code", r"""
{ let fig = run.confusion_figure()?; fig }
"""),
("md", r"""
**ROC curve.** The probability of class $i = 45°$ as a score over all test images (no rejection); the area under the curve is the chance that a random 45° image scores higher than a random 0° image. The seed reports AUC = 0.96 — oddly *lower* than its F1 of 0.99, which can happen only because its F1 is computed after rejection and its AUC (presumably) before. **Notice** our AUC beside it in the legend.
"""),
("code", r"""
{
let fig = run.roc_figure()?;
println!("AUC: ours {:.3} ({} mode), seed {:.2}", m.auc.unwrap_or(f64::NAN), mode, m.seed.auc.unwrap_or(f64::NAN));
fig
}
"""),
("md", r"""
## 5 · Looking at the predictions

**Fig. A1 — test images** with the true class on top (yellow) and the predicted class at the bottom (cyan), 24 images spread over the test set. **Notice** whether the mistakes share something: a viewing angle that hides the second disc, a faint tail, a very close pair.
"""),
("code", r"""
{ let fig = run.montage(24, 8)?; fig }
"""),
("md", r"""
**Fig. 2 — feature maps.** One test image and channel 0 of each convolution's activation (after ReLU and normalisation), each scaled up to the input size. The first layer responds to edges and bright blobs, deeper layers to larger, coarser structures; by conv 5 the map is a few pixels across. **Notice** that in quick mode, with a network 1/8 wide trained for a minute, the maps are cruder than the seed's.
"""),
("code", r"""
{ let fig = run.feature_maps(0, 0, &device)?; fig }
"""),
("md", r"""
## 6 · Full-mode results (paper scale)

Full-scale runs use the CLI, e.g.

```sh
galaxy-lab pairs generate --experiment two-class --count 12000 --size 256 --out data/generated/pairs_two_class_full.h5
galaxy-lab classify train --data data/generated/pairs_two_class_full.h5 --out results/classification/two_class
```

and keep their `metrics.json` under `results/classification/`. This cell shows every two-class result found there, beside the seed's, and says so when there is none yet.
"""),
("code", r"""
{
let found: Vec<ClassMetrics> = load_class_metrics_dir("../results/classification")?.into_iter().filter(|r| r.experiment == "two-class").collect();
let mut t = Table::new("Two-class results in results/classification/ beside the seed's (Tables 6, 7; AUC 0.96)",
    &["run", "input", "width", "epochs", "test images", "rejected", "F1 (kept)", "F1 (all)", "AUC", "seed F1", "seed rejected", "device"]);
for r in &found {
    t.push_row(&[r.data.display().to_string(), format!("{}×{}", r.config.size, r.config.size), format!("{}", r.config.width), r.epochs_run.to_string(),
        r.n_test.to_string(), r.rejected.to_string(), format!("{:.3}", r.overall.f1), format!("{:.3}", r.f1_no_rejection),
        r.auc.map(|a| format!("{a:.3}")).unwrap_or_default(), format!("{:.2}", r.seed.overall.f1), r.seed.overall.rejected.to_string(), r.device.clone()])?;
}
if found.is_empty() { println!("no two-class results committed yet under results/classification/"); }
t
}
"""),
("md", r"""
## Notes on the comparison

* **Simulated, not GalMer.** Our images come from a restricted N-body code (rigid halos and bulges, test-particle discs), not GalMer's self-consistent TreeSPH simulations; there is no gas, no star formation and no dust, and the discs are represented by fewer particles. Tidal features at pericentre are weaker and noisier here. A score on our data says how much information about $i$ our images carry for this network, not how well the seed's network did.
* **The split.** We test on *simulations* the network never saw. The seed split augmented images, so most of its test images had rotated or smoothed siblings in training; that makes its task easier than ours.
* **Rejection.** Scores after rejection depend on how many images are kept. We always report the kept count and the scores without rejection next to them.
"""),
])
