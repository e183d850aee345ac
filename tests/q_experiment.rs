//! The q experiment end to end on a tiny Sérsic file: modes, run folder, predictor round trip,
//! CLI, and clear errors for inputs a user can get wrong.

use galaxy_lab::prelude::*;
use galaxy_lab::train::q_summary::recipe_of;

fn tiny_file(dir: &std::path::Path, galaxies: usize) -> std::path::PathBuf {
    let path = dir.join("tiny.h5");
    let cfg = SersicDatasetConfig {
        galaxies,
        size: 16,
        pixel_scale: 4.0,
        seed: 11,
        ..Default::default()
    };
    generate_dataset(&cfg, &path, &mut |_| {}).unwrap();
    path
}

fn quick(mode: QMode) -> QRunConfig {
    let mut c = QRunConfig::new(mode);
    c.train.epochs = 2;
    c.train.batch_size = 16;
    c
}

#[test]
fn every_mode_trains_and_the_run_folder_round_trips() {
    let _turn = crate::burn_turn();
    let dir = tempfile::tempdir().unwrap();
    let ds = SersicH5::open(tiny_file(dir.path(), 60)).unwrap();
    let d = cpu_device();
    for (m, channels) in [
        ("four", 4),
        ("incl:60", 1),
        ("random", 1),
        ("random-cos", 1),
        ("random-proj", 1),
    ] {
        let run = run_q(&ds, &quick(m.parse().unwrap()), &d, &mut |_| {}).unwrap();
        assert_eq!(run.net.channels, channels, "{m}");
        assert_eq!(run.metrics.counts, [38, 10, 12], "{m}");
        assert_eq!(run.metrics.epochs_run, 2);
        assert!(run.metrics.test_nll.is_finite());
        assert!((0.0..=1.0).contains(&run.metrics.within_1sigma));
        assert!(run.metrics.within_2sigma >= run.metrics.within_1sigma);
    }
    // Save, load, and predict the first test galaxy again from its raw flux.
    let run = run_q(&ds, &quick(QMode::Four), &d, &mut |_| {}).unwrap();
    let out = dir.path().join("run");
    run.save(&out).unwrap();
    for f in [
        "metrics.json",
        "history.json",
        "model.bpk",
        "model.json",
        "test_predictions.csv",
        "predictions.svg",
        "loss.svg",
        "pit.svg",
    ] {
        assert!(out.join(f).exists(), "{f} missing");
    }
    let p = QPredictor::load(&out, &d).unwrap();
    let g = split(60, 0).unwrap().test[0];
    let flux = ds.read_galaxies(&[g]).unwrap();
    let (mu, sigma) = p.predict_flux(&flux, &d).unwrap();
    assert!((mu - run.test.1[0]).abs() < 1e-5 && (sigma - run.test.2[0]).abs() < 1e-5);
    assert_eq!(load_metrics_dir(&out).unwrap().len(), 1);
    // Wrong length and non-finite pixels are errors naming the problem.
    let e = p.predict_flux(&flux[..100], &d).unwrap_err().to_string();
    assert!(e.contains("4×16×16"), "{e}");
    let mut bad = flux.clone();
    bad[5] = f32::NAN;
    assert!(
        p.predict_flux(&bad, &d)
            .unwrap_err()
            .to_string()
            .contains("pixel 5")
    );
}

#[test]
fn same_seed_same_metrics() {
    let _turn = crate::burn_turn();
    let dir = tempfile::tempdir().unwrap();
    let ds = SersicH5::open(tiny_file(dir.path(), 30)).unwrap();
    let d = cpu_device();
    let a = run_q(&ds, &quick("incl:30".parse().unwrap()), &d, &mut |_| {}).unwrap();
    let b = run_q(&ds, &quick("incl:30".parse().unwrap()), &d, &mut |_| {}).unwrap();
    assert_eq!(a.history.train_loss, b.history.train_loss);
    assert_eq!(a.test, b.test);
}

#[test]
fn bad_modes_and_files_are_clear_errors() {
    let _turn = crate::burn_turn();
    let dir = tempfile::tempdir().unwrap();
    let ds = SersicH5::open(tiny_file(dir.path(), 10)).unwrap();
    let d = cpu_device();
    let e = run_q(&ds, &quick("incl:45".parse().unwrap()), &d, &mut |_| {})
        .unwrap_err()
        .to_string();
    assert!(e.contains("inclination") && e.contains("45"), "{e}");
    let mut c = quick(QMode::Four);
    c.max_galaxies = Some(2);
    assert!(
        run_q(&ds, &c, &d, &mut |_| {})
            .unwrap_err()
            .to_string()
            .contains("max_galaxies")
    );
    assert!(QPredictor::load(dir.path().join("nothing"), &d).is_err());
    // A file with a PSF cannot be re-rendered at random inclinations.
    let psf_path = dir.path().join("psf.h5");
    let cfg = SersicDatasetConfig {
        galaxies: 10,
        size: 16,
        pixel_scale: 4.0,
        psf: Some(Psf::Gaussian { fwhm: 2.0 }),
        ..Default::default()
    };
    generate_dataset(&cfg, &psf_path, &mut |_| {}).unwrap();
    let psf = SersicH5::open(&psf_path).unwrap();
    let e = run_q(&psf, &quick("random".parse().unwrap()), &d, &mut |_| {})
        .unwrap_err()
        .to_string();
    assert!(e.contains("random-inclination"), "{e}");
}

#[test]
fn thesis_table_values() {
    assert_eq!(hidalgo2023::table1_nll(QMode::Four), Some(-2.375));
    assert_eq!(
        hidalgo2023::table1_nll("incl:0".parse().unwrap()),
        Some(0.680)
    );
    assert_eq!(
        hidalgo2023::table1_nll("random".parse().unwrap()),
        Some(-1.657)
    );
    assert_eq!(
        hidalgo2023::table1_nll("random-cos".parse().unwrap()),
        Some(-1.657)
    );
    assert_eq!(
        hidalgo2023::table1_nll("random-proj".parse().unwrap()),
        Some(-1.657)
    );
    assert_eq!(hidalgo2023::table1_nll("incl:45".parse().unwrap()), None);
}

#[test]
fn random_projection_draws_stored_projections_uniformly_and_reproducibly() {
    let _turn = crate::burn_turn();
    let dir = tempfile::tempdir().unwrap();
    let ds = SersicH5::open(tiny_file(dir.path(), 40)).unwrap();
    let mode: QMode = "random-proj".parse().unwrap();
    assert_eq!(mode.to_string(), "random-proj");
    let galaxies: Vec<usize> = (0..40).collect();
    let (img, c) = raw_images(&ds, &galaxies, mode, 5).unwrap();
    assert_eq!(c, 1);
    let px = ds.height * ds.width;
    let four = ds.read_galaxies(&galaxies).unwrap();
    for (k, &g) in galaxies.iter().enumerate() {
        // Each image is exactly the stored projection the galaxy's stream picked.
        let p = stored_projection(5, g, ds.projections);
        let stored = &four[(k * ds.projections + p) * px..(k * ds.projections + p + 1) * px];
        assert_eq!(&img[k * px..(k + 1) * px], stored, "galaxy {g}");
    }
    // One projection read alone is the same slice; out-of-range galaxy or projection: errors.
    let one = ds.read_projection(7, 2).unwrap();
    assert_eq!(
        one,
        four[(7 * ds.projections + 2) * px..(7 * ds.projections + 3) * px]
    );
    let e = ds
        .read_projection(7, ds.projections)
        .unwrap_err()
        .to_string();
    assert!(e.contains("projection"), "{e}");
    let e = ds.read_projection(40, 0).unwrap_err().to_string();
    assert!(e.contains("galaxy"), "{e}");
    // Same seed, any subset order: the same picks; another seed: different picks.
    let (again, _) = raw_images(&ds, &galaxies[10..20], mode, 5).unwrap();
    assert_eq!(again, img[10 * px..20 * px]);
    let picks = |seed| {
        (0..2000)
            .map(|g| stored_projection(seed, g, 4))
            .collect::<Vec<_>>()
    };
    assert_ne!(picks(5), picks(6));
    // Uniform over four: each count within 4σ of 500 (σ = √(2000·¼·¾) ≈ 19.4).
    for p in 0..4 {
        let n = picks(5).iter().filter(|&&x| x == p).count() as f64;
        assert!((n - 500.0).abs() < 78.0, "projection {p}: {n}");
    }
}

#[test]
fn cli_train_then_predict_from_npy() {
    let _turn = crate::burn_turn();
    let dir = tempfile::tempdir().unwrap();
    let data = tiny_file(dir.path(), 20);
    let out = dir.path().join("cli_run");
    let code = galaxy_lab::cli::run([
        "galaxy-lab",
        "q",
        "train",
        "--data",
        data.to_str().unwrap(),
        "--mode",
        "incl:90",
        "--epochs",
        "1",
        "--batch-size",
        "8",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0);
    assert!(out.join("metrics.json").exists());
    // One 16×16 image as float64 .npy, then through `q predict`.
    let ds = SersicH5::open(&data).unwrap();
    let img = ds.image(0, 3).unwrap();
    let arr =
        ndarray::Array2::from_shape_vec((16, 16), img.data.iter().map(|&v| v as f64).collect())
            .unwrap();
    let npy = dir.path().join("one.npy");
    ndarray_npy::write_npy(&npy, &arr).unwrap();
    let predict = |image: &str| {
        galaxy_lab::cli::run([
            "galaxy-lab",
            "q",
            "predict",
            "--model",
            out.to_str().unwrap(),
            "--image",
            image,
        ])
    };
    assert_eq!(predict(npy.to_str().unwrap()), 0);
    assert_eq!(predict(data.to_str().unwrap()), 0);
    // Garbage, missing and wrong-type files exit 2, not a panic.
    let junk = dir.path().join("junk.npy");
    std::fs::write(&junk, b"not numpy").unwrap();
    assert_eq!(predict(junk.to_str().unwrap()), 2);
    assert_eq!(predict("/nonexistent/x.npy"), 2);
    assert_eq!(predict(dir.path().join("x.txt").to_str().unwrap()), 2);
    assert_eq!(
        galaxy_lab::cli::run([
            "galaxy-lab",
            "q",
            "train",
            "--data",
            "nope.h5",
            "--mode",
            "four",
            "--out",
            "x"
        ]),
        2
    );
    assert_eq!(
        galaxy_lab::cli::run([
            "galaxy-lab",
            "q",
            "train",
            "--data",
            "nope.h5",
            "--mode",
            "sideways",
            "--out",
            "x"
        ]),
        2
    );
}

#[test]
fn sigma_scale_is_the_rms_of_z() {
    // z = (q − μ)/σ = 1, 3 → s = √5.
    let s = galaxy_lab::train::q_experiment::fit_sigma_scale(&[0.0, 0.0], &[1.0, 1.0], &[1.0, 3.0])
        .unwrap();
    assert!((s - 5f64.sqrt()).abs() < 1e-12);
    assert!(galaxy_lab::train::q_experiment::fit_sigma_scale(&[], &[], &[]).is_err());
    assert!(galaxy_lab::train::q_experiment::fit_sigma_scale(&[0.5], &[1.0], &[0.5]).is_err());
}

#[test]
fn plateau_lowers_the_learning_rate_when_validation_stalls() {
    let _turn = crate::burn_turn();
    let dir = tempfile::tempdir().unwrap();
    let ds = SersicH5::open(tiny_file(dir.path(), 30)).unwrap();
    let mut c = quick(QMode::Four);
    c.train.epochs = 8;
    c.train.learning_rate = 3e-2; // far too high: validation stalls
    c.train.plateau = Some(galaxy_lab::train::q::Plateau {
        patience: 1,
        factor: 0.5,
        min_lr: 1e-4,
    });
    c.train.patience = None;
    let run = run_q(&ds, &c, &cpu_device(), &mut |_| {}).unwrap();
    let lr = &run.history.learning_rate;
    assert_eq!(lr.len(), 8);
    assert!(lr.windows(2).all(|w| w[1] <= w[0]), "{lr:?}");
    assert!(lr[7] < lr[0], "no reduction in {lr:?}");
    c.train.plateau = Some(galaxy_lab::train::q::Plateau {
        patience: 1,
        factor: 1.5,
        min_lr: 1e-4,
    });
    assert!(
        run_q(&ds, &c, &cpu_device(), &mut |_| {})
            .unwrap_err()
            .to_string()
            .contains("plateau.factor")
    );
}

/// The committed q results, written when the field was `thesis_nll`, load into `paper_nll` with
/// Table 1's value for their mode.
#[test]
fn committed_q_metrics_carry_table_1() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("results/q_inference");
    let all = load_metrics_dir(&dir).unwrap();
    assert!(
        all.len() >= 6,
        "only {} committed q metrics loaded",
        all.len()
    );
    for m in all {
        let mode: QMode = m.config.mode;
        assert_eq!(m.paper_nll, hidalgo2023::table1_nll(mode), "{}", m.mode);
    }
}

/// The `table1` presets are the settings of the committed Table 1 runs (only the training seed
/// and how the convolutions are computed — rounding, not recipe — differ between those files).
#[test]
fn table1_presets_are_the_committed_recipe() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("results/q_inference");
    for m in load_metrics_dir(&dir).unwrap() {
        let mode = m.config.mode;
        let preset = if m.config.refit.is_some() {
            QRunConfig::table1_refit(mode)
        } else {
            QRunConfig::table1(mode)
        };
        assert_eq!(recipe_of(&preset), recipe_of(&m.config), "{}", m.mode);
    }
}
