//! The classification experiment end to end on a tiny simulated two-class file: split by
//! simulation, lazy augmented training set, scaled-down AlexNet, report at the seed's threshold
//! with the seed's numbers beside ours, run folder; the CLI's errors exit with status 2.

use galaxy_lab::data::pairs_h5::{Experiment, PairDatasetConfig, PairH5, generate_pairs_dataset};
use galaxy_lab::prelude::*;
use galaxy_lab::sim::pair::RenderConfig;

fn tiny(dir: &std::path::Path, experiment: Experiment, count: usize) -> std::path::PathBuf {
    let cfg = PairDatasetConfig {
        size: 32,
        particles: 1500,
        render: RenderConfig::with_size(32),
        seed: 5,
        ..PairDatasetConfig::quick(experiment, count)
    };
    let path = dir.join(format!("{}.h5", experiment.name()));
    generate_pairs_dataset(&cfg, &path, &mut |_| {}).unwrap();
    path
}

/// 64 × 64 input (upsampled from 32), width 1/16, 2 short epochs, coarse augmentation.
fn fast(experiment: Experiment) -> ClassRunConfig {
    let mut cfg = ClassRunConfig::quick(experiment);
    cfg.width = 0.0625;
    cfg.augment.rotation_step_deg = 30;
    cfg.train.epochs = 2;
    cfg.train.steps_per_epoch = Some(3);
    cfg.train.batch_size = 16;
    cfg
}

#[test]
fn two_class_run_reports_saves_and_reloads() {
    let _turn = crate::burn_turn();
    let dir = tempfile::tempdir().unwrap();
    let path = tiny(dir.path(), Experiment::TwoClass, 60);
    let ds = PairH5::open(&path).unwrap();
    let cfg = fast(Experiment::TwoClass);
    let mut epochs = 0;
    let mut run = run_classification(&ds, &cfg, &cpu_device(), &mut |_| epochs += 1).unwrap();
    assert_eq!(epochs, 2);
    let m = &run.metrics;
    // 60 images = 10 simulations of 6 views; whole simulations per part, every image used once.
    assert_eq!(m.sources.iter().sum::<usize>(), 60);
    assert_eq!(m.simulations.iter().sum::<usize>(), 10);
    assert!(
        m.sources.iter().all(|&s| s % 6 == 0 && s > 0),
        "{:?}",
        m.sources
    );
    let mut all = [
        run.split.train.clone(),
        run.split.valid.clone(),
        run.split.test.clone(),
    ]
    .concat();
    all.sort_unstable();
    assert_eq!(all, (0..60).collect::<Vec<_>>());
    for &t in &run.split.test {
        let sim = ds.labels[t].simulation;
        assert!(
            run.split
                .train
                .iter()
                .all(|&i| ds.labels[i].simulation != sim),
            "simulation {sim} on both sides"
        );
    }
    // Augmented counts: 3 variants × 12 rotations per training source; test = sources.
    assert_eq!(m.overall.data[0], 36 * m.sources[0] as u64);
    assert_eq!(m.overall.data[2], m.sources[2] as u64);
    // Rejection bookkeeping: kept + rejected = test images, per class and overall.
    assert_eq!(m.threshold, 0.8);
    assert_eq!(m.n_test, m.sources[2]);
    assert_eq!(m.overall.support + m.rejected, m.n_test as u64);
    let per_class: u64 = m.per_class.iter().map(|r| r.support + r.rejected).sum();
    assert_eq!(per_class, m.n_test as u64);
    for r in m.per_class.iter().chain([&m.overall]) {
        for v in [r.precision, r.recall, r.f1] {
            assert!((0.0..=1.0).contains(&v), "{r:?}");
        }
    }
    assert!((0.0..=1.0).contains(&m.f1_no_rejection));
    // The seed's protocol: as many augmented copies of training sources as test images.
    let sib = m
        .training_siblings
        .clone()
        .expect("scored on training siblings");
    assert_eq!(sib.n, m.n_test);
    assert!(sib.rejected <= sib.n as u64);
    for v in [sib.f1, sib.accuracy, sib.f1_no_rejection] {
        assert!((0.0..=1.0).contains(&v), "{sib:?}");
    }
    let names = &m.class_names;
    let every = AugmentedExamples::new(&run.train_set, &run.images).unwrap();
    let again = training_sibling_scores(
        &run.model,
        &every,
        names,
        0.8,
        m.n_test,
        0x5EED,
        &cpu_device(),
    )
    .unwrap();
    assert_eq!(again, sib, "same seed, same sample, same scores");
    // Asking for more images than the space holds scores the whole space, which must agree with
    // the report on every augmented training image computed without sampling.
    let whole =
        training_sibling_scores(&run.model, &every, names, 0.8, usize::MAX, 1, &cpu_device())
            .unwrap();
    assert_eq!(whole.n, every.len());
    let probs = predict_proba(&run.model, &every, &cpu_device()).unwrap();
    let truth: Vec<usize> = (0..every.len()).map(|i| every.label(i).unwrap()).collect();
    let direct = classification_report(&probs, &truth, names, None).unwrap();
    assert!((whole.f1_no_rejection - direct.overall.f1).abs() < 1e-9);
    for bad in [-0.1, f64::NAN] {
        assert!(
            training_sibling_scores(&run.model, &every, names, bad, 4, 1, &cpu_device()).is_err()
        );
    }
    assert!(Subset::new(&every, vec![]).is_err());
    let e = Subset::new(&every, vec![0, every.len()])
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("subset index"), "{e}");
    let auc = m.auc.expect("two classes have an AUC");
    assert!((0.0..=1.0).contains(&auc));
    assert_eq!(run.probs.len(), 2 * m.n_test);
    // The seed's numbers ride along.
    let paper = m.paper.as_ref().expect("the paper ran two classes");
    assert_eq!(paper.overall.f1, 0.99);
    assert_eq!(paper.auc, Some(0.96));
    assert_eq!(paper.overall.rejected, 25);
    assert_eq!((paper.epochs, paper.steps_per_epoch), (12, 12_000));
    // Tables and figures.
    assert_eq!(run.scores_table_with_paper().unwrap().rows.len(), 3);
    assert_eq!(run.rejection_table_with_paper().unwrap().rows.len(), 3);
    assert_eq!(run.count_table().unwrap().rows.len(), 3);
    assert!(run.roc_figure().unwrap().as_str().contains("AUC"));
    // Test images carry kpc bars (each source's frame, which resizing keeps): a strip under
    // every row, so the montage is taller than without the frames.
    assert!(
        run.source_pixel_kpc
            .iter()
            .all(|p| p.is_some_and(|k| k > 0.0))
    );
    let with_bars = run.montage(4, 2).unwrap();
    let frames = std::mem::replace(&mut run.source_pixel_kpc, vec![None; run.images.len()]);
    let without = run.montage(4, 2).unwrap();
    run.source_pixel_kpc = frames;
    assert_eq!(
        with_bars.height(),
        without.height() + 2 * 16,
        "two rows of two"
    );
    // The first bar's length: its round kpc length at the network's pixel size (the source's
    // pixel size × source width / input size), in display pixels.
    let size = run.test_examples().unwrap().size();
    let source = run.test_set.source_of(0).unwrap();
    let kpc = run.source_pixel_kpc[source].unwrap() * run.images[source].width as f64 / size as f64;
    assert_eq!(run.test_pixel_kpc(0), Some(kpc));
    let zoom = (160 / size).clamp(1, 4) as u32;
    let want = (galaxy_lab::figures::kpc_scale_bar(kpc, size).unwrap().0 * zoom as f64).round();
    let rgb = image::load_from_memory(with_bars.bytes())
        .unwrap()
        .to_rgb8();
    // Colour-bar title line 18, padding 4, the panel, then the bar 6–8 pixels below it.
    let row = 18 + 4 + size as u32 * zoom + 7;
    let run_len = (4..rgb.width())
        .take_while(|&x| rgb.get_pixel(x, row).0 == [0; 3])
        .count();
    assert_eq!(run_len as f64, want, "bar of {want} display pixels");
    let fm = run.feature_maps(0, 0, &cpu_device()).unwrap();
    assert!(fm.width() > 5 * fm.height(), "one row of six panels");
    // The same figure for any image and a loaded or trained network; an image of another size
    // than the network's input is refused, naming it.
    let test = run.test_examples().unwrap();
    let mut img = galaxy_lab::image::Image {
        width: test.size(),
        height: test.size(),
        data: test.pixels(0).unwrap(),
    };
    let fm2 = feature_map_figure(&run.model, &img, None, 0, &cpu_device()).unwrap();
    assert_eq!((fm2.width(), fm2.height()), (fm.width(), fm.height()));
    // A kpc scale bar on the input given its pixel size; a pixel size that is not one is refused.
    let bar = feature_map_figure(&run.model, &img, Some(1.0), 0, &cpu_device()).unwrap();
    assert_ne!(bar.bytes(), fm2.bytes());
    let nan = feature_map_figure(&run.model, &img, Some(f64::NAN), 0, &cpu_device());
    assert!(nan.unwrap_err().to_string().contains("pixel_kpc"));
    img.data.truncate(img.data.len() / 4);
    (img.width, img.height) = (img.width / 2, img.height / 2);
    assert!(feature_map_figure(&run.model, &img, None, 0, &cpu_device()).is_err());
    // Run folder.
    let out = dir.path().join("run");
    run.save(&out).unwrap();
    for f in [
        "metrics.json",
        "history.json",
        "split.json",
        "model.bpk",
        "model.json",
        "test_predictions.csv",
        "curves.svg",
        "confusion.png",
        "montage.png",
        "roc.svg",
    ] {
        assert!(out.join(f).exists(), "{f}");
    }
    let text = std::fs::read_to_string(out.join("metrics.json")).unwrap();
    let back: ClassMetrics = serde_json::from_str(&text).unwrap();
    assert_eq!(&back, m);
    let csv = std::fs::read_to_string(out.join("test_predictions.csv")).unwrap();
    assert_eq!(csv.lines().count(), m.n_test + 1);
    let found = load_class_metrics_dir(dir.path()).unwrap();
    assert_eq!(found.len(), 1);
    let (model, net) = load_classifier(out.join("model.bpk"), &cpu_device()).unwrap();
    assert_eq!(net, run.net);
    let again = predict_proba(&model, &run.test_examples().unwrap(), &cpu_device()).unwrap();
    for (a, b) in again.iter().zip(&run.probs) {
        assert!((a - b).abs() < 1e-4);
    }
}

/// The spin classes (beyond the paper) run through the same experiment; their tables say the
/// paper has no numbers instead of showing another experiment's.
#[test]
fn six_class_spin_runs_without_paper_numbers() {
    let _turn = crate::burn_turn();
    let dir = tempfile::tempdir().unwrap();
    let path = tiny(dir.path(), Experiment::SixClassSpin, 36);
    let ds = PairH5::open(&path).unwrap();
    let mut cfg = fast(Experiment::SixClassSpin);
    cfg.split_by = SplitBy::Image;
    cfg.train.epochs = 1;
    let run = run_classification(&ds, &cfg, &cpu_device(), &mut |_| {}).unwrap();
    let m = &run.metrics;
    assert_eq!(m.per_class.len(), 6);
    assert_eq!(m.threshold, 0.8);
    assert!(m.paper.is_none());
    let t = run.scores_table_with_paper().unwrap();
    assert!(t.title.contains("did not run"), "{}", t.title);
    assert!(t.rows.iter().all(|r| r[8] == "—"));
    assert_eq!(run.count_table_with_paper().unwrap().rows.len(), 7);
    let back: ClassMetrics = serde_json::from_str(&serde_json::to_string(m).unwrap()).unwrap();
    assert_eq!(&back, m);
}

#[test]
fn nine_class_split_by_image_and_bad_inputs() {
    let _turn = crate::burn_turn();
    let dir = tempfile::tempdir().unwrap();
    let path = tiny(dir.path(), Experiment::NineClass, 54);
    let ds = PairH5::open(&path).unwrap();
    let mut cfg = fast(Experiment::NineClass);
    cfg.split_by = SplitBy::Image;
    cfg.train.epochs = 1;
    let run = run_classification(&ds, &cfg, &cpu_device(), &mut |_| {}).unwrap();
    let m = &run.metrics;
    assert_eq!(m.threshold, 0.7);
    assert_eq!(m.per_class.len(), 9);
    assert!(m.auc.is_none() && run.roc_figure().is_err());
    let paper = m.paper.as_ref().expect("the paper ran nine classes");
    assert_eq!(paper.rows.len(), 9);
    assert_eq!(paper.overall.support, 4196);
    assert_eq!(paper.overall.rejected, 361);
    // Too few simulations for a split by simulation is a clear error, not a panic.
    let mut few = fast(Experiment::NineClass);
    few.max_images = Some(12);
    let e = run_classification(&ds, &few, &cpu_device(), &mut |_| {}).unwrap_err();
    assert!(e.to_string().contains("simulation"), "{e}");
    // Valid padding below 195 px is refused by the network's validation.
    let mut small = fast(Experiment::NineClass);
    small.padding = Padding::Valid;
    assert!(run_classification(&ds, &small, &cpu_device(), &mut |_| {}).is_err());
}

#[test]
fn paper_tables() {
    let _turn = crate::burn_turn();
    let two = prakash2020::classification(Experiment::TwoClass).unwrap();
    assert_eq!(two.rows.len(), 2);
    assert_eq!(two.overall.support, 478 + 439);
    assert_eq!(
        two.overall.data,
        [558_316 + 523_733, 141_524 + 132_907, 942]
    );
    let three = prakash2020::classification(Experiment::ThreeClass).unwrap();
    assert_eq!(three.overall.support, 1377);
    assert_eq!(three.rows.iter().map(|r| r.support).sum::<u64>(), 1377);
    assert_eq!(three.overall.rejected, 105);
    let nine = prakash2020::classification(Experiment::NineClass).unwrap();
    assert_eq!(nine.rows.iter().map(|r| r.support).sum::<u64>(), 4196);
    assert_eq!(prakash2020::rejection_threshold(Experiment::NineClass), 0.7);
    assert_eq!(
        prakash2020::rejection_threshold(Experiment::ThreeClass),
        0.8
    );
    assert!(prakash2020::classification(Experiment::Theta).is_err());
    let full = ClassRunConfig::full(Experiment::NineClass);
    assert_eq!((full.size, full.width), (256, 1.0));
    assert_eq!(full.padding, Padding::Valid);
    assert_eq!(
        (full.train.epochs, full.train.steps_per_epoch),
        (44, Some(16_000))
    );
    // Table 4's parameter count (its layers, without the batch-norm scales) with three
    // input channels.
    let net = full.alexnet(2).with_channels(3);
    assert_eq!(
        net.layer_params().unwrap().iter().sum::<usize>(),
        24_735_106
    );
}

#[test]
fn cli_errors_exit_2_and_a_quick_run_writes_its_folder() {
    let _turn = crate::burn_turn();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = out.to_str().unwrap();
    let run = |args: &[&str]| {
        let mut v = vec!["galaxy-lab", "classify", "train"];
        v.extend_from_slice(args);
        galaxy_lab::cli::run(v)
    };
    assert_eq!(run(&["--data", "/nonexistent.h5", "--out", o]), 2);
    let junk = dir.path().join("junk.h5");
    std::fs::write(&junk, b"not hdf5").unwrap();
    assert_eq!(run(&["--data", junk.to_str().unwrap(), "--out", o]), 2);
    assert_eq!(run(&["--data", "a.h5", "--epochs", "-1", "--out", o]), 2);
    assert_eq!(run(&["--data", "a.h5", "--preset", "huge", "--out", o]), 2);
    // A regression dataset is not a classification dataset.
    let theta = tiny(dir.path(), Experiment::ThetaContinuous, 32);
    assert_eq!(
        run(&[
            "--data",
            theta.to_str().unwrap(),
            "--preset",
            "quick",
            "--out",
            o
        ]),
        2
    );
    let two = tiny(dir.path(), Experiment::TwoClass, 48);
    let t = two.to_str().unwrap();
    assert_eq!(
        run(&[
            "--data",
            t,
            "--preset",
            "quick",
            "--threshold",
            "1.5",
            "--out",
            o
        ]),
        2
    );
    // A network that does not exist, and an input the compact network cannot take, are named
    // before any training.
    assert_eq!(run(&["--data", t, "--net", "resnet", "--out", o]), 2);
    assert_eq!(
        run(&[
            "--data", t, "--preset", "compact", "--size", "16", "--out", o
        ]),
        2
    );
    assert!(!out.join("checkpoint").exists());
    assert_eq!(
        run(&[
            "--data",
            t,
            "--preset",
            "quick",
            "--epochs",
            "1",
            "--steps-per-epoch",
            "2",
            "--width",
            "0.0625",
            "--rotation-step",
            "90",
            "--out",
            o
        ]),
        0
    );
    assert!(out.join("metrics.json").exists() && out.join("roc.svg").exists());
}

/// Every committed classification result (written before and after `seed` became `paper` in the
/// metrics) still loads, and the paper's numbers stored in it are those of `paper::prakash2020`.
#[test]
fn committed_class_metrics_load_with_the_papers_numbers() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("results/classification");
    let mut n = 0;
    for dir in [root.clone(), root.join("compact")] {
        for m in load_class_metrics_dir(&dir).unwrap() {
            let e = Experiment::parse(&m.experiment).unwrap();
            // None for the spin classes, which the paper did not run.
            let paper = prakash2020::classification(e).ok();
            assert_eq!(m.paper, paper, "{}", m.data.display());
            n += 1;
        }
    }
    assert!(n >= 6, "only {n} committed metrics files loaded");
    let eval: EvalMetrics =
        galaxy_lab::io::read_json(root.parent().unwrap().join("sdss/mock_eval_clean.json"))
            .unwrap();
    assert_eq!(eval.paper, prakash2020::real_data());
}

/// The presets the scripts name are the settings of the committed runs: `alexnet-cpu` (and its
/// 30-epoch mock variant) for the AlexNet CPU runs, `compact`, `compact-long` and
/// `compact-wide-xlong` for the compact runs.
#[test]
fn class_presets_are_the_committed_recipes() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("results/classification");
    let read = |p: &str| -> ClassMetrics { galaxy_lab::io::read_json(root.join(p)).unwrap() };
    for (file, preset) in [
        (
            "three-class.json",
            ClassRunConfig::alexnet_cpu as fn(Experiment) -> ClassRunConfig,
        ),
        ("nine-class.json", ClassRunConfig::alexnet_cpu),
        ("two_class_clean.json", ClassRunConfig::alexnet_cpu_mock),
        ("two_class_observed.json", ClassRunConfig::alexnet_cpu_mock),
        ("compact/two-class_s0.json", ClassRunConfig::compact),
        ("compact/three-class_s0.json", ClassRunConfig::compact),
        ("compact/nine-class_s0.json", ClassRunConfig::compact),
        (
            "compact_long/three-class_s0.json",
            ClassRunConfig::compact_long,
        ),
        (
            "two_class_compact-wide-xlong_mock_train.json",
            ClassRunConfig::compact_wide_xlong,
        ),
    ] {
        let m = read(file);
        let mut want = preset(Experiment::parse(&m.experiment).unwrap());
        want.train.seed = m.config.train.seed;
        // Runs committed before subnormal flushing existed read back without it (rounding, not
        // recipe); the presets now flush.
        assert!(want.train.flush_subnormals);
        want.train.flush_subnormals = m.config.train.flush_subnormals;
        assert_eq!(want, m.config, "{file}");
    }
}

/// The committed-runs table names each run, says what it is, lists a run that repeats another's
/// scores once, marks a run that learned nothing as failed, and shows no backend debug string.
#[test]
fn committed_runs_table_names_runs_and_marks_failures() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("results/classification");
    let t = committed_runs_table(&root, Experiment::TwoClass).unwrap();
    let names: Vec<&str> = t.rows.iter().map(|r| r[0].as_str()).collect();
    // two_class_clean and two_class_clean_fixed136 hold the same scores: one row, both names.
    assert!(
        names.contains(&"two_class_clean = two_class_clean_fixed136"),
        "{names:?}"
    );
    let failed = t
        .rows
        .iter()
        .find(|r| r[0] == "two_class_mock_train")
        .unwrap();
    assert!(failed[1].contains("failed"), "{failed:?}");
    let clean = t
        .rows
        .iter()
        .find(|r| r[0].starts_with("two_class_clean"))
        .unwrap();
    assert!(
        !clean[1].contains("failed") && clean[1].contains("AlexNet 64×64"),
        "{clean:?}"
    );
    assert!(
        t.rows
            .iter()
            .all(|r| !r.last().unwrap().contains("Device<"))
    );
    assert!(committed_runs_table(&root, Experiment::Theta).is_err());
}

/// Both test protocols side by side from the committed results: the paper's row, the compact
/// network split by simulation over its training seeds, and the seed's protocol where committed.
#[test]
fn protocols_table_puts_the_committed_runs_beside_the_paper() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("results/classification");
    let t = protocols_table(&root, Experiment::TwoClass).unwrap();
    assert_eq!(t.rows[0][6], "0.99", "the paper's F1 kept");
    let by_sim = &t.rows[1];
    assert!(by_sim[1].contains("split by simulation"), "{by_sim:?}");
    assert_eq!(by_sim[2], "[0, 1, 2]");
    assert!(
        by_sim[4].contains(" ± "),
        "three seeds give a spread: {by_sim:?}"
    );
    let protocol = load_paper_protocol_dir(root.join("paper_protocol")).unwrap();
    let two = protocol
        .iter()
        .filter(|m| m.experiment == "two-class")
        .count();
    let two_long = load_class_metrics_dir(root.join("compact_long"))
        .unwrap()
        .iter()
        .filter(|m| m.experiment == "two-class")
        .count();
    assert_eq!(
        t.rows.len(),
        2 + usize::from(two_long > 0) + 2 * usize::from(two > 0)
    );
    // Three classes: the compact-long preset has a row of its own, over its three seeds.
    let three = protocols_table(&root, Experiment::ThreeClass).unwrap();
    let long = three
        .rows
        .iter()
        .find(|r| r[0].starts_with("compact-long"))
        .expect("a compact-long row");
    assert_eq!(long[2], "[0, 1, 2]");
    assert!(long[1].contains("split by simulation"), "{long:?}");
    assert!(protocols_table(&root, Experiment::Theta).is_err());
    assert!(
        protocols_table(&root, Experiment::SixClassSpin).is_err(),
        "no paper numbers"
    );
    // The seed's protocol gets one pair of rows per preset folder, each labelled with its preset
    // (runs of another preset are not folded into the compact rows).
    let split = tempfile::tempdir().unwrap();
    let run = root.join("paper_protocol/two-class_s0.json");
    for folder in ["paper_protocol", "paper_protocol_compact_wide_long"] {
        std::fs::create_dir_all(split.path().join(folder)).unwrap();
        std::fs::copy(&run, split.path().join(folder).join("two-class_s0.json")).unwrap();
    }
    let t = protocols_table(split.path(), Experiment::TwoClass).unwrap();
    let labels: Vec<&str> = t.rows.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(t.rows.len(), 5, "{labels:?}");
    assert_eq!(
        labels[1..3],
        ["compact, 64², 2 CPU cores", "compact, 64², 2 CPU cores"]
    );
    assert!(
        labels[3..]
            .iter()
            .all(|l| l.starts_with("compact-wide-long")),
        "{labels:?}"
    );
    let empty = tempfile::tempdir().unwrap();
    assert_eq!(
        protocols_table(empty.path(), Experiment::NineClass)
            .unwrap()
            .rows
            .len(),
        1
    );
}

/// The recipe table spells out each committed recipe (one row per recipe and data file, seeds
/// folded into mean ± std) and refuses regressions.
#[test]
fn recipe_table_spells_out_the_committed_recipes() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("results/classification");
    let t = recipe_table(&root, Experiment::ThreeClass).unwrap();
    let compact = t
        .rows
        .iter()
        .find(|r| r[2].starts_with("compact") && r[6] == "7700 × 64")
        .expect("a compact row");
    // Seed 1 named its data file by an absolute path, seeds 0 and 2 by a relative one: one row.
    assert!(
        compact[0].contains("compact/three-class_s0")
            && compact[0].contains("compact/three-class_s1")
            && compact[0].contains("compact/three-class_s2")
            && !compact[0].contains("compact_long/"),
        "{compact:?}"
    );
    // The compact-long runs: the same recipe for twice the updates, named with their folder.
    let long = t
        .rows
        .iter()
        .find(|r| r[6] == "15400 × 64" && r[1] == "classify/three-class.h5")
        .expect("a compact-long row");
    assert!(
        long[0].starts_with("compact_long/three-class_s0"),
        "{long:?}"
    );
    // The same recipe on another data file (four times the simulations) is a row of its own.
    let more_data = t
        .rows
        .iter()
        .find(|r| r[1] == "classify/three-class_n24000.h5")
        .expect("the 24,000-image row");
    assert_eq!(more_data[6], "15400 × 64");
    assert!(!more_data[0].contains("three-class_s"), "{more_data:?}");
    assert_eq!(long[4], compact[4]);
    assert!(compact[4].contains("AdamW") && compact[4].contains("one-cycle"));
    assert_eq!(compact[5], "3 variants × 360 rotations × mirror");
    assert_eq!(compact[6], "7700 × 64");
    assert!(compact[8].contains(" ± "), "{compact:?}");
    let by_image = t.rows.iter().filter(|r| r[7] == "by image").count();
    assert_eq!(by_image, 1, "the split-by-image AlexNet run");
    assert!(recipe_table(&root, Experiment::Joint).is_err());
}
