//! The mock-observed stand-in for seed 000's SDSS test: the observation model (distance, PSF,
//! photon noise, stretch), the mock datasets, and evaluating a trained classifier on them.

use galaxy_lab::data::pairs_h5::{Experiment, PairDatasetConfig, PairH5, generate_pairs_dataset};
use galaxy_lab::image::Image;
use galaxy_lab::models::alexnet::{AlexNetConfig, Padding};
use galaxy_lab::models::classifier::{Classifier, ClassifierConfig};
use galaxy_lab::paper::prakash2020;
use galaxy_lab::sim::pair::{
    FieldOfView, Framing, Observation, ObservationDraw, add_photon_noise,
    angular_diameter_distance_mpc, asinh_stretch, kpc_per_arcsec, peak_counts, psf_sigma_px,
};
use galaxy_lab::train::class_eval::{evaluate_on_pairs, evaluate_run_dir};
use galaxy_lab::train::class_views::TestViews;
use galaxy_lab::train::classify::save_classifier;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

#[test]
fn distances_match_an_independent_quadrature() {
    let _turn = crate::burn_turn();
    // scipy.integrate.quad of c/H0 ∫ dz/E(z) / (1+z), flat ΛCDM H0 = 70, Ωm = 0.3.
    for (z, d_ref, kpc_ref) in [
        (0.03, 123.892_997_331_595_8, 0.600_650_201_000_248_8),
        (0.05, 201.622_725_314_846_4, 0.977_494_556_552_275_2),
        (1.0, 1_651.914_402_943_734, 8.008_707_025_690_128),
    ] {
        let d = angular_diameter_distance_mpc(z).unwrap();
        assert!((d / d_ref - 1.0).abs() < 1e-8, "z = {z}: {d} vs {d_ref}");
        let k = kpc_per_arcsec(z).unwrap();
        assert!(
            (k / kpc_ref - 1.0).abs() < 1e-8,
            "z = {z}: {k} vs {kpc_ref}"
        );
    }
    assert!(angular_diameter_distance_mpc(f64::NAN).is_err());
    assert!(kpc_per_arcsec(-0.1).is_err());
}

fn point_source(n: usize) -> Image {
    let mut data = vec![0f32; n * n];
    data[(n / 2) * n + n / 2] = 1.0;
    Image {
        width: n,
        height: n,
        data,
    }
}

#[test]
fn the_psf_has_the_seeing_fwhm() {
    let _turn = crate::burn_turn();
    // Seeing 1.4″ at z = 0.03 on 0.25 kpc pixels: FWHM = 1.4 × 0.6007 / 0.25 = 3.36 px.
    let sigma = psf_sigma_px(1.4, 0.03, 0.25).unwrap();
    let fwhm = sigma * (8.0 * std::f64::consts::LN_2).sqrt();
    assert!((fwhm - 1.4 * 0.600_650_2 / 0.25).abs() < 1e-5, "{fwhm}");
    // The blur of a point source has variance σ² along each axis and keeps the flux.
    let n = 41;
    let img = galaxy_lab::sim::pair::gaussian_blur_image(&point_source(n), sigma).unwrap();
    let total: f64 = img.data.iter().map(|&v| v as f64).sum();
    assert!((total - 1.0).abs() < 1e-3, "flux {total}");
    let c = (n / 2) as f64;
    let var_x: f64 = img
        .data
        .iter()
        .enumerate()
        .map(|(k, &v)| v as f64 * ((k % n) as f64 - c).powi(2))
        .sum::<f64>()
        / total;
    assert!(
        (var_x.sqrt() / sigma - 1.0).abs() < 0.005,
        "measured σ {} vs {sigma}",
        var_x.sqrt()
    );
    assert!(psf_sigma_px(-1.0, 0.03, 0.25).is_err());
    assert!(psf_sigma_px(1.4, 0.03, 0.0).is_err());
}

#[test]
fn photon_noise_has_poisson_statistics() {
    let _turn = crate::burn_turn();
    let (snr, sky) = (40.0, 100.0);
    let c = peak_counts(snr, sky).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let n = 64;
    let mut peak = Vec::new();
    let mut sky_px = Vec::new();
    for _ in 0..50 {
        let img = add_photon_noise(&point_source(n), snr, sky, &mut rng).unwrap();
        peak.push(img.data[(n / 2) * n + n / 2] as f64);
        sky_px.extend(img.data.iter().take(n * (n / 2)).map(|&v| v as f64));
    }
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let var = |v: &[f64]| {
        let m = mean(v);
        v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (v.len() - 1) as f64
    };
    // Sky-subtracted background: mean 0, variance = sky (102,400 pixels: σ of the mean 0.03).
    assert!(mean(&sky_px).abs() < 0.15, "sky mean {}", mean(&sky_px));
    assert!(
        (var(&sky_px) / sky - 1.0).abs() < 0.03,
        "sky var {}",
        var(&sky_px)
    );
    // Peak pixel: mean C, and C / √(C + sky) = the requested S/N (50 draws: 14 % error on σ).
    assert!((mean(&peak) - c).abs() < 4.0 * ((c + sky) / 50.0).sqrt());
    assert!((var(&peak).sqrt() / (c + sky).sqrt() - 1.0).abs() < 0.35);
    let blank = Image {
        width: 4,
        height: 4,
        data: vec![0.0; 16],
    };
    assert!(
        add_photon_noise(&blank, snr, sky, &mut rng)
            .unwrap_err()
            .to_string()
            .contains("maximum")
    );
}

#[test]
fn the_asinh_stretch_maps_sky_to_zero_and_peak_to_one() {
    let _turn = crate::burn_turn();
    let img = Image {
        width: 4,
        height: 1,
        data: vec![-50.0, 0.0, 30.0, 1000.0],
    };
    let s = asinh_stretch(&img, 30.0, 1000.0).unwrap();
    assert_eq!(s.data[0], 0.0);
    assert_eq!(s.data[1], 0.0);
    assert!((s.data[3] - 1.0).abs() < 1e-6);
    // Linear near zero, logarithmic far above β: asinh(1)/asinh(1000/30).
    let expect = 1f64.asinh() / (1000f64 / 30.0).asinh();
    assert!((s.data[2] as f64 - expect).abs() < 1e-6);
    assert!(asinh_stretch(&img, 0.0, 1.0).is_err());
}

#[test]
fn observation_draws_stay_in_their_ranges_and_bad_settings_fail() {
    let _turn = crate::burn_turn();
    let o = Observation::default();
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    for _ in 0..200 {
        let ObservationDraw { redshift, peak_snr } = o.draw(&mut rng);
        assert!((0.02..=0.05).contains(&redshift));
        assert!((20.0..=200.0).contains(&peak_snr));
    }
    // 136″ at z = 0.03: 81.7 kpc across; framing the pair keeps the render's field of view.
    let fixed = Observation {
        framing: Framing::FixedArcsec(136.0),
        ..o
    };
    let auto = galaxy_lab::sim::pair::RenderConfig::default().fov;
    match fixed.field_of_view(0.03, auto).unwrap() {
        FieldOfView::HalfWidth(h) => assert!((h - 68.0 * 0.600_650_2).abs() < 1e-4),
        other => panic!("{other:?}"),
    }
    assert_eq!(o.field_of_view(0.03, auto).unwrap(), auto);
    let bad = Observation {
        framing: Framing::FixedArcsec(-1.0),
        ..o
    };
    assert!(bad.validate().is_err());
    let bad = Observation {
        peak_snr: [50.0, 10.0],
        ..o
    };
    assert!(bad.validate().unwrap_err().to_string().contains("peak_snr"));
}

fn tiny(experiment: Experiment, count: usize) -> PairDatasetConfig {
    let mut c = PairDatasetConfig::quick(experiment, count);
    c.particles = 800;
    c.size = 32;
    c.render = galaxy_lab::sim::pair::RenderConfig::with_size(32);
    c
}

#[test]
fn mock_observed_sets_have_their_labels_and_are_reproducible() {
    let _turn = crate::burn_turn();
    let dir = tempfile::tempdir().unwrap();
    let cfg = tiny(Experiment::TwoClass, 24).mock_observed();
    let p = dir.path().join("mock.h5");
    generate_pairs_dataset(&cfg, &p, &mut |_| {}).unwrap();
    let ds = PairH5::open(&p).unwrap();
    assert_eq!(ds.count, 24);
    assert_eq!(ds.config, cfg);
    let mut thetas = Vec::new();
    for l in &ds.labels {
        // The seed's ±15° windows around 0° and 45°.
        match l.class {
            0 => assert!((0.0..=15.0).contains(&l.i_deg), "{l:?}"),
            1 => assert!((l.i_deg - 45.0).abs() <= 15.0, "{l:?}"),
            c => panic!("class {c}"),
        }
        assert!(
            (1.0 / 12.0 - 1e-6..=1.0 + 1e-6).contains(&(l.mass_ratio as f64)),
            "{l:?}"
        );
        assert!((0.02..=0.05).contains(&(l.redshift as f64)), "{l:?}");
        assert!(l.peak_snr >= 20.0 && l.peak_snr <= 200.0);
        assert!(l.fov_half_width_kpc > 0.0);
        thetas.push(l.theta_deg);
    }
    // Random orientations, not the θ grid: 24 distinct viewing angles.
    thetas.sort_by(f32::total_cmp);
    thetas.dedup();
    assert_eq!(thetas.len(), 24);
    let raw = ds.read_range(0, 24).unwrap();
    assert!(raw.iter().all(|v| (0.0..=1.0).contains(v)));
    // Same seed, same file contents.
    let p2 = dir.path().join("mock2.h5");
    generate_pairs_dataset(&cfg, &p2, &mut |_| {}).unwrap();
    let ds2 = PairH5::open(&p2).unwrap();
    assert_eq!(ds2.read_range(0, 24).unwrap(), raw);
    assert_eq!(ds2.labels, ds.labels);
    // Fixed 136″ cutouts: the frame follows the redshift.
    let mut fixed = tiny(Experiment::TwoClass, 6).mock_observed();
    if let Some(o) = fixed.observation.as_mut() {
        o.framing = Framing::FixedArcsec(136.0);
    }
    let p3 = dir.path().join("fixed.h5");
    generate_pairs_dataset(&fixed, &p3, &mut |_| {}).unwrap();
    for l in &PairH5::open(&p3).unwrap().labels {
        let want = 68.0 * kpc_per_arcsec(l.redshift as f64).unwrap();
        assert!(
            (l.fov_half_width_kpc as f64 / want - 1.0).abs() < 1e-5,
            "{l:?}"
        );
    }
    // Observation needs labels that depend on i alone.
    let bad = tiny(Experiment::NineClass, 6).observed();
    assert!(
        bad.validate()
            .unwrap_err()
            .to_string()
            .contains("experiment")
    );
    let bad = PairDatasetConfig {
        inclination_jitter_deg: 30.0,
        ..tiny(Experiment::TwoClass, 6)
    };
    assert!(bad.validate().unwrap_err().to_string().contains("jitter"));
}

#[test]
fn a_classifier_is_evaluated_on_a_mock_set() {
    let _turn = crate::burn_turn();
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("mock.h5");
    generate_pairs_dataset(
        &tiny(Experiment::TwoClass, 12).mock_observed(),
        &p,
        &mut |_| {},
    )
    .unwrap();
    let ds = PairH5::open(&p).unwrap();
    let device = galaxy_lab::device::device();
    let net = AlexNetConfig::new()
        .with_classes(2)
        .with_channels(1)
        .with_size(64)
        .with_width(0.0625)
        .with_padding(Padding::Padded);
    let model = Classifier::from(net.init(&device).unwrap());
    let net = ClassifierConfig::from(net);
    let e = evaluate_on_pairs(&model, &net, &ds, 0.8, None, &device).unwrap();
    let m = &e.metrics;
    assert_eq!(m.n, 12);
    assert_eq!(e.images[0].width, 64);
    // Each image's pixel size at the network's input: its stored frame over 64 pixels.
    for k in 0..12 {
        let want = 2.0 * ds.labels[k].fov_half_width_kpc as f64 / 64.0;
        let got = e.pixel_kpc[k].expect("the file records every frame");
        assert!((got - want).abs() < 1e-9 * want, "{got} vs {want}");
    }
    assert_eq!(m.overall.support + m.rejected, 12);
    assert_eq!(m.per_class.iter().map(|r| r.data[2]).sum::<u64>(), 12);
    assert_eq!(m.paper, prakash2020::real_data());
    assert!(m.auc.is_some());
    let tables = e.scores_table_with_paper().unwrap();
    assert!(format!("{tables:?}").contains("0.78"));
    // The argmax of every image, and shares of images by a rule on (predicted, true).
    let predicted = e.predicted();
    assert_eq!(predicted.len(), 12);
    assert!(predicted.iter().all(|&p| p < 2));
    assert!((e.share(|p, t| p == t) - m.accuracy_no_rejection).abs() < 1e-12);
    assert_eq!(e.share(|_, _| true), 1.0);
    // Through a run folder, as the CLI does.
    let run = dir.path().join("run");
    std::fs::create_dir_all(&run).unwrap();
    save_classifier(&model, &net, run.join("model.bpk")).unwrap();
    let e2 = evaluate_run_dir(&run, &p, 0.8, None, TestViews::One, &device).unwrap();
    assert_eq!(e2.probs, e.probs);
    // The weights file itself, as committed under results/classification/weights/.
    let e3 = evaluate_run_dir(
        run.join("model.bpk"),
        &p,
        0.8,
        None,
        TestViews::One,
        &device,
    )
    .unwrap();
    assert_eq!(e3.probs, e.probs);
    assert_eq!(e3.metrics.views, TestViews::One);
    // Test-time views: the softmax averaged over the eight symmetries of the square is still a
    // distribution per image, differs from one view's, and is recorded in the metrics (and in
    // eval.json, which files written before it read back as one view).
    let e8 = evaluate_run_dir(&run, &p, 0.8, None, TestViews::Dihedral, &device).unwrap();
    assert_eq!(e8.metrics.views, TestViews::Dihedral);
    assert_eq!(e8.probs.len(), e.probs.len());
    for row in e8.probs.chunks(2) {
        assert!((row[0] + row[1] - 1.0).abs() < 1e-5, "{row:?}");
    }
    assert_ne!(e8.probs, e.probs);
    let mut json = serde_json::to_value(&e8.metrics).unwrap();
    assert_eq!(json["views"], "dihedral");
    json.as_object_mut().unwrap().remove("views");
    let old: galaxy_lab::train::class_eval::EvalMetrics = serde_json::from_value(json).unwrap();
    assert_eq!(old.views, TestViews::One);
    e2.save(dir.path().join("eval")).unwrap();
    assert!(dir.path().join("eval/eval.json").exists());
    // A three-class network does not fit a two-class file; a missing run folder is named.
    let net3 = ClassifierConfig::from(
        AlexNetConfig::new()
            .with_classes(3)
            .with_channels(1)
            .with_size(64)
            .with_width(0.0625)
            .with_padding(Padding::Padded),
    );
    let model3 = net3.init(&device).unwrap();
    let err = evaluate_on_pairs(&model3, &net3, &ds, 0.8, None, &device).unwrap_err();
    assert!(err.to_string().contains("classes"), "{err}");
    assert!(
        evaluate_run_dir(
            dir.path().join("nope"),
            &p,
            0.8,
            None,
            TestViews::One,
            &device
        )
        .is_err()
    );
    assert!(evaluate_on_pairs(&model, &net, &ds, 1.5, None, &device).is_err());
}

#[test]
fn the_paper_real_data_numbers_add_up() {
    let _turn = crate::burn_turn();
    let s = prakash2020::real_data();
    assert_eq!(s.overall.support, 27);
    assert_eq!(s.overall.rejected, 3);
    assert_eq!(
        s.rows.iter().map(|r| r.support + r.rejected).sum::<u64>(),
        30
    );
}
