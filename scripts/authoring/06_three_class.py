import sys; sys.path.insert(0, "scripts")
from nb import write
write("notebooks/06_three_class.ipynb", [
("md", r"""
# 06 · Three classes: relative inclination 0°, 45° or 90°

Seed 000 (§6 "Case 2") adds a third class to the experiment of notebook 05: discs **perpendicular** to each other ($i = 90°$). With 14 epochs of 12,000 steps it reports an overall F1 of 0.98 (Table 8), 105 test images rejected at 80 % confidence (Table 9), and the confusion matrix of Fig. 5. It draws no ROC curve ("not straightforward for multi-class classification").

Same pipeline as notebook 05 (`run_classification`, shared with `galaxy-lab classify train`), three classes. What to look for: **which pair of classes the network confuses** — the seed's rejections and errors concentrate on 45° and 90°.

**Which numbers you see.** Under `make test` this runs in **quick mode**: 540 images of 64 × 64 from 90 small simulations, an AlexNet at 1/8 width, 12 short epochs — about a minute on two CPU cores; the numbers show the machinery, not the paper-scale result. Full mode uses the seed's 256 × 256 network and its 14 epochs; full-mode CLI results are read from `results/classification/` at the end. Our images are simulated with our own restricted N-body code, not GalMer (notes in notebook 05).
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

As in notebook 05, with $i$ cycling through 0°, 45° and 90° over the simulations (six viewing angles θ = 0…80° each). **Notice** the 90° pairs: the second disc is seen edge-on when the first is face-on and vice versa, often the easiest case to spot by eye.
"""),
("code", r"""
let path = std::path::PathBuf::from(format!("../data/generated/pairs_three_class_{mode}.h5"));
let data_cfg = match mode {
    RunMode::Quick => PairDatasetConfig { seed: 6, ..PairDatasetConfig::quick(Experiment::ThreeClass, 540) },
    RunMode::Full => PairDatasetConfig { seed: 6, size: 256, render: RenderConfig::with_size(256), ..PairDatasetConfig::new(Experiment::ThreeClass, 18_000) },
};
if mode == RunMode::Quick || !path.exists() {
    let r = generate_pairs_dataset(&data_cfg, &path, &mut |_| {})?;
    println!("simulated {} encounters, {} images in {:.1} s", r.simulations, r.images, r.seconds);
}
let ds = PairH5::open(&path)?;
println!("{} images of {}×{}, classes {:?}", ds.count, ds.width, ds.height, ds.class_names);
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
## 2 · Training

The network of Table 4 with a three-way softmax (quick mode: 1/8 width, padded, 64 × 64), the seed's augmentation for the training sources, whole simulations per split, SGD 0.01 with 1 % decay (plus momentum 0.9 in quick mode).
"""),
("code", r"""
let cfg = mode.pick(ClassRunConfig::quick(Experiment::ThreeClass), ClassRunConfig::full(Experiment::ThreeClass));
let run = run_classification(&ds, &cfg, &device, &mut |h| {
    let e = h.train_loss.len();
    println!("epoch {e:>2}: train acc {:.3}, valid loss {:.3}, valid acc {:.3} ({:.0} s)", h.train_accuracy[e - 1], h.valid_loss[e - 1], h.valid_accuracy[e - 1], h.seconds);
})?;
let m = run.metrics.clone();
println!("{} epochs in {:.0} s on {}; network {}×{}, width {}, {} parameters", m.epochs_run, m.train_seconds, m.device, cfg.size, cfg.size, cfg.width, m.parameters);
"""),
("md", r"""
**Table 2 beside ours** — augmented images per class in each part.
"""),
("code", r"""
{ let t = run.count_table_with_seed()?; t }
"""),
("md", r"""
**Fig. 3 (middle panel) — learning curves.** The seed needed more epochs for three classes than for two to reach the same accuracy. **Notice** where chance lies now: 33 % accuracy, a cross-entropy of ln 3 ≈ 1.10.
"""),
("code", r"""
{ let fig = run.curves()?; fig }
"""),
("md", r"""
## 3 · Test scores beside the seed's

**Table 8** (scores of the kept test images, threshold 80 %) and **Table 9** (rejections per class). The seed rejected 12 images at 0° but 46 and 47 at 45° and 90°. **Notice** which of our classes loses most images to rejection, and the scores without rejection printed under the first table.
"""),
("code", r"""
{
let t = run.scores_table_with_seed()?;
println!("{} mode. Without rejection: weighted F1 {:.2}, accuracy {:.2} on all {} test images.", mode, m.f1_no_rejection, m.accuracy_no_rejection, m.n_test);
t
}
"""),
("code", r"""
{ let t = run.rejection_table_with_seed()?; t }
"""),
("md", r"""
**Fig. 5 — confusion matrix** of the kept test images. **Notice** the off-diagonal cells: confusing 0° with 90° would mean the network does not see the disc orientation at all; confusing neighbouring classes (0°/45°, 45°/90°) is the milder failure.
"""),
("code", r"""
{ let fig = run.confusion_figure()?; fig }
"""),
("md", r"""
The same matrix as a table, counts only, plus the matrix of *all* test images (no rejection), for comparison.
"""),
("code", r"""
{
let all = run.report_all.confusion_table()?;
println!("kept images: {:?} (row-major, true × predicted)", run.report.confusion.counts);
all
}
"""),
("md", r"""
## 4 · Fig. A2 — test images with true (top) and predicted (bottom) classes
"""),
("code", r"""
{ let fig = run.montage(24, 8)?; fig }
"""),
("md", r"""
## 5 · Full-mode results (paper scale)

From `galaxy-lab classify train` runs on a three-class file (`galaxy-lab pairs generate --experiment three-class ...`), stored under `results/classification/`.
"""),
("code", r"""
{
let found: Vec<ClassMetrics> = load_class_metrics_dir("../results/classification")?.into_iter().filter(|r| r.experiment == "three-class").collect();
let mut t = Table::new("Three-class results in results/classification/ beside the seed's (Tables 8, 9)",
    &["run", "input", "width", "epochs", "test images", "rejected", "F1 (kept)", "F1 (all)", "seed F1", "seed rejected", "device"]);
for r in &found {
    t.push_row(&[r.data.display().to_string(), format!("{}×{}", r.config.size, r.config.size), format!("{}", r.config.width), r.epochs_run.to_string(),
        r.n_test.to_string(), r.rejected.to_string(), format!("{:.3}", r.overall.f1), format!("{:.3}", r.f1_no_rejection),
        format!("{:.2}", r.seed.overall.f1), r.seed.overall.rejected.to_string(), r.device.clone()])?;
}
if found.is_empty() { println!("no three-class results committed yet under results/classification/"); }
t
}
"""),
("md", r"""
## What to take away

* The pipeline is unchanged from two classes: only the file's classes and the seed's reference numbers differ.
* Read the scores with the kept count beside them, and the scores without rejection beside those.
* Our images are simulated (restricted N-body, no gas), our test set holds unseen simulations, and the seed's held rotated siblings of its training images — the caveats of notebook 05 apply unchanged.
"""),
])
