//! θ regression end to end on a tiny simulated set: the seed's 181-view experiment and the joint
//! (i, θ) model run, report per-target numbers in consistent units, save their run folder, and
//! refuse bad input.

use galaxy_lab::data::pairs_h5::{Experiment, PairDatasetConfig, PairH5, generate_pairs_dataset};
use galaxy_lab::models::regressor::RegNet;
use galaxy_lab::prelude::*;
use galaxy_lab::sim::pair::RenderConfig;
use galaxy_lab::train::q_experiment::{ONE_SIGMA_FRACTION, coverage_scale};
use galaxy_lab::train::reg_model::RegModel;
use galaxy_lab::train::theta_experiment::{
    MIN_SIMULATIONS_TO_GROUP, RegMetrics, RegRunConfig, RegSplit, RegTarget, TestPredictions,
    regression_data, run_regression, split_indices,
};

fn tiny(dir: &std::path::Path, experiment: Experiment, count: usize) -> PairH5 {
    let cfg = PairDatasetConfig {
        size: 32,
        particles: 1500,
        render: RenderConfig::with_size(32),
        seed: 3,
        ..PairDatasetConfig::quick(experiment, count)
    };
    let path = dir.join(format!("{}.h5", experiment.name()));
    generate_pairs_dataset(&cfg, &path, &mut |_| {}).unwrap();
    PairH5::open(&path).unwrap()
}

#[test]
fn paper_theta_experiment_runs_and_reports_consistent_units() {
    let _turn = crate::burn_turn();
    let dir = tempfile::tempdir().unwrap();
    let ds = tiny(dir.path(), Experiment::Theta, 181);
    assert_eq!(ds.count, 181);
    // Targets are θ/90 in [−1, 1], the grey image repeated over 3 channels.
    let data = regression_data(&ds, &[RegTarget::Theta], 3).unwrap();
    assert!(data.y.iter().all(|v| (-1.0..=1.0).contains(v)));
    assert_eq!(&data.x[0..32 * 32], &data.x[32 * 32..2 * 32 * 32]);
    let mut cfg = RegRunConfig::paper_theta();
    cfg.train.epochs = 3;
    // Keras's initialisation is the Table 5 network's; the compact body refuses it by name.
    let compact = RegRunConfig {
        keras_init: true,
        ..RegRunConfig::joint_compact()
    };
    let e = match run_regression(&ds, &compact, &cpu_device(), &mut |_| {}) {
        Ok(_) => panic!("the compact body has no Keras initialisation"),
        Err(e) => e.to_string(),
    };
    assert!(e.contains("keras_init"), "{e}");
    let run = run_regression(&ds, &cfg, &cpu_device(), &mut |_| {}).unwrap();
    assert_eq!(run.metrics.counts, [127, 54, 54]);
    let t = &run.metrics.targets[0];
    assert!((t.test_mse_deg2 / 8100.0 - t.test_mse_scaled).abs() < 1e-9);
    assert!((t.test_rmse_deg.powi(2) - t.test_mse_deg2).abs() < 1e-6);
    assert!(t.within_1sigma.is_none());
    let out = dir.path().join("run");
    run.save(&out).unwrap();
    for f in [
        "metrics.json",
        "history.json",
        "test_predictions.csv",
        "loss.svg",
        "pred_theta.svg",
        "resid_theta.svg",
        "model.bpk",
        "model.json",
    ] {
        assert!(out.join(f).exists(), "{f}");
    }
    // The seed's network comes back with its three channels and predicts every view.
    let m = RegModel::load(out.join("model.bpk"), &cpu_device()).unwrap();
    assert_eq!((m.info.run.channels, m.size()), (3, 32));
    let p = m.predict(&ds, None, &cpu_device()).unwrap();
    assert_eq!(p.len(), 181);
    assert!(p.within(RegTarget::Theta, 1.0, 1.0).unwrap().is_none());
    assert!(
        run.rmse_by_region(&[0.0, 90.0], &[-90.0, 90.0]).is_err(),
        "needs both targets"
    );
}

#[test]
fn joint_model_reports_coverage_and_regions() {
    let _turn = crate::burn_turn();
    let dir = tempfile::tempdir().unwrap();
    let ds = tiny(dir.path(), Experiment::Joint, 64);
    // Four simulations, each with its own continuous inclination in [0, 90].
    let mut incl: Vec<f32> = ds.labels.iter().map(|l| l.i_deg).collect();
    incl.dedup();
    assert_eq!(incl.len(), 4, "{incl:?}");
    assert!(incl.iter().all(|i| (0.0..=90.0).contains(i)));
    let mut cfg = RegRunConfig::joint();
    cfg.train.epochs = 2;
    cfg.train.batch_size = 16;
    let run = run_regression(&ds, &cfg, &cpu_device(), &mut |_| {}).unwrap();
    assert_eq!(run.metrics.targets.len(), 2);
    for t in &run.metrics.targets {
        let (a, b) = (t.within_1sigma.unwrap(), t.within_2sigma.unwrap());
        assert!((0.0..=1.0).contains(&a) && b >= a);
        // The validation-fitted σ scale is positive and its coverages are ordered too.
        assert!(t.sigma_scale.unwrap() > 0.0);
        let [c1, c2] = t.within_calibrated.unwrap();
        assert!((0.0..=1.0).contains(&c1) && c2 >= c1);
        assert!(t.coverage_scale.unwrap() > 0.0);
        let [c1, c2] = t.within_coverage_scaled.unwrap();
        assert!((0.0..=1.0).contains(&c1) && c2 >= c1);
    }
    let rows = run
        .rmse_by_region(&[0.0, 45.0, 90.01], &[0.0, 45.0, 90.01])
        .unwrap();
    assert_eq!(rows.len(), 4);
    assert_eq!(
        rows.iter().map(|r| r.2).sum::<usize>(),
        run.metrics.counts[2]
    );
    // The saved test predictions give the same table back (what notebook 08 shows for the
    // committed full-mode run), and damaged files are refused by name.
    run.save(dir.path().join("run")).unwrap();
    let csv = dir.path().join("run/test_predictions.csv");
    let back = TestPredictions::read(&csv).unwrap();
    assert_eq!(back.names, ["i", "|theta|"]);
    assert_eq!(
        back.rmse_by_region(&[0.0, 45.0, 90.01], &[0.0, 45.0, 90.01])
            .unwrap(),
        rows
    );
    let text = std::fs::read_to_string(&csv).unwrap();
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, text.replacen('\n', "\nnan,x,1,2,3,4\n", 1)).unwrap();
    let e = TestPredictions::read(&bad).unwrap_err().to_string();
    assert!(e.contains("line 2"), "{e}");
    assert!(TestPredictions::read(dir.path().join("missing.csv")).is_err());
    // The saved network predicts the test images as the run did, from the folder or the file.
    let dev = cpu_device();
    let m = RegModel::load(dir.path().join("run"), &dev).unwrap();
    assert_eq!((m.info.run.clone(), m.info.data_seed), (cfg.clone(), 3));
    assert_eq!(m.info.coverage_scale.as_ref().map(Vec::len), Some(2));
    // Fresh data is drawn as the training file was, with another seed only.
    let fresh = m.fresh_data_config(16, 4).unwrap();
    assert_eq!((fresh.count, fresh.seed), (16, 4));
    assert_eq!(
        PairDatasetConfig {
            count: ds.config.count,
            seed: 3,
            ..fresh
        },
        ds.config
    );
    assert!(m.fresh_data_config(16, 3).is_err(), "the training seed");
    let (e, p) = m.evaluate(&ds, None, &dev).unwrap();
    assert_eq!((e.n, e.data_seed, e.training_data_seed), (64, 3, 3));
    // A network that regresses i gets its errors binned by the mirror degeneracy, over every
    // image scored, with the same RMSE as the plain score.
    let mirror = e.mirror.as_ref().expect("mirror scores for an i regressor");
    assert_eq!(mirror.bins.iter().map(|b| b.n).sum::<usize>(), 64);
    let rmse_i = e.targets.iter().find(|t| t.target == "i").unwrap().rmse_deg;
    assert!((mirror.all.rmse_i_deg.unwrap() - rmse_i).abs() < 1e-9);
    let sims: Vec<u32> = ds.labels.iter().map(|l| l.simulation).collect();
    let [_, _, test] = split_indices(&sims, cfg.split, cfg.train.seed);
    for (j, &k) in test.iter().enumerate() {
        for t in 0..2 {
            assert_eq!(p.truth_deg[2 * k + t], run.truth_deg[2 * j + t]);
            let (a, b) = (p.pred_deg[2 * k + t], run.pred_deg[2 * j + t]);
            assert!((a - b).abs() < 1e-3, "image {k}: {a} vs {b}");
        }
    }
    let again = RegModel::load(dir.path().join("run/model.bpk"), &dev).unwrap();
    assert_eq!(again.predict(&ds, Some(5), &dev).unwrap().len(), 5);
    let some = again.predict_images(&ds, &[7, 2], &dev).unwrap();
    assert_eq!(
        some.truth_deg,
        [&p.truth_deg[14..16], &p.truth_deg[4..6]].concat()
    );
    assert!(
        again.predict_images(&ds, &[0, 64], &dev).is_err(),
        "index past the file"
    );
    assert!(again.predict_images(&ds, &[], &dev).is_err());
    // Bad input is named: a missing file (with the command that recreates it), a file of
    // another image size, a configuration that does not fit the weights.
    let e = RegModel::load(dir.path().join("none.bpk"), &dev)
        .unwrap_err()
        .to_string();
    assert!(e.contains("none.bpk") && e.contains("theta_full.sh"), "{e}");
    let small = {
        let c = PairDatasetConfig {
            size: 24,
            particles: 500,
            render: RenderConfig::with_size(24),
            seed: 5,
            ..PairDatasetConfig::quick(Experiment::Joint, 16)
        };
        let path = dir.path().join("small.h5");
        generate_pairs_dataset(&c, &path, &mut |_| {}).unwrap();
        PairH5::open(&path).unwrap()
    };
    let e = m.predict(&small, None, &dev).unwrap_err().to_string();
    assert!(e.contains("24x24") && e.contains("32x32"), "{e}");
    let json = dir.path().join("run/model.json");
    let text = std::fs::read_to_string(&json).unwrap();
    std::fs::write(
        &json,
        text.replacen("\"channels\": 1", "\"channels\": 3", 1),
    )
    .unwrap();
    assert!(RegModel::load(dir.path().join("run"), &dev).is_err());
    std::fs::write(&json, "{").unwrap();
    assert!(RegModel::load(dir.path().join("run"), &dev).is_err());
}

/// The joint model on the compact classifier's body with the classification recipe trains
/// through the same experiment on augmented copies (index k: image k mod n, rotated by
/// (k / n) mod 360 degrees, mirrored from copy 360 on), records its network, and refuses to
/// augment signed θ.
#[test]
fn joint_compact_trains_on_rotated_and_mirrored_copies() {
    let _turn = crate::burn_turn();
    let dir = tempfile::tempdir().unwrap();
    let ds = tiny(dir.path(), Experiment::Joint, 64);
    let mut cfg = RegRunConfig::joint_compact();
    cfg.train.epochs = 1;
    cfg.train.steps_per_epoch = Some(2);
    cfg.train.batch_size = 8;
    let run = run_regression(&ds, &cfg, &cpu_device(), &mut |_| {}).unwrap();
    assert_eq!(run.model.kind(), RegNet::Compact);
    assert_eq!(run.metrics.config.net, RegNet::Compact);
    assert!(
        run.metrics
            .targets
            .iter()
            .all(|t| t.test_rmse_deg.is_finite())
    );
    let data = regression_data(&ds, &[RegTarget::Inclination, RegTarget::AbsTheta], 1).unwrap();
    let (n, dev) = (data.len(), cpu_device());
    let values = |t: burn::tensor::Tensor<4>| t.into_data().try_to_vec::<f32>().unwrap();
    let image = |k: usize| Image {
        width: 32,
        height: 32,
        data: data.x[k * 1024..(k + 1) * 1024].to_vec(),
    };
    let (x, y) = data.batch(&[3], &dev);
    let (ax, ay) = data.augmented_batch(&[3], &dev).unwrap();
    assert_eq!(values(ax), values(x), "copy 0 is the image itself");
    assert_eq!(
        ay.into_data().try_to_vec::<f32>().unwrap(),
        y.into_data().try_to_vec::<f32>().unwrap()
    );
    let (r, _) = data.augmented_batch(&[3 + 90 * n], &dev).unwrap();
    let want = galaxy_lab::augment::rotate_deg(&image(3), 90).unwrap();
    assert_eq!(values(r), want.data);
    let (m, _) = data.augmented_batch(&[5 + 400 * n], &dev).unwrap();
    let want =
        galaxy_lab::augment::mirror(&galaxy_lab::augment::rotate_deg(&image(5), 40).unwrap());
    assert_eq!(values(m), want.data);
    assert!(data.augmented_batch(&[720 * n], &dev).is_err());
    let mut signed = RegRunConfig::joint_compact();
    signed.targets = vec![RegTarget::Inclination, RegTarget::Theta];
    let e = run_regression(&ds, &signed, &cpu_device(), &mut |_| {})
        .unwrap_err()
        .to_string();
    assert!(e.contains("theta"), "{e}");
}

#[test]
fn joint_split_keeps_each_simulation_on_one_side() {
    let _turn = crate::burn_turn();
    // 50 simulations × 16 views, in generation order.
    let sims: Vec<u32> = (0..50u32)
        .flat_map(|s| std::iter::repeat_n(s, 16))
        .collect();
    let [train, valid, test] = split_indices(&sims, RegSplit::TrainValidTest, 4);
    assert_eq!(train.len() + valid.len() + test.len(), sims.len());
    let of = |set: &[usize]| {
        let mut v: Vec<u32> = set.iter().map(|&i| sims[i]).collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    // 20 % of the 50 simulations test, 20 % of the other 40 validation, whole simulations each.
    assert_eq!(
        (of(&test).len(), of(&valid).len(), of(&train).len()),
        (10, 8, 32)
    );
    assert_eq!(test.len(), 160);
    for s in of(&test) {
        assert!(!of(&train).contains(&s) && !of(&valid).contains(&s), "{s}");
    }
    assert_eq!(
        split_indices(&sims, RegSplit::TrainValidTest, 4)[2],
        test,
        "seeded"
    );
    // Too few simulations to group: images are split one by one (20 % test).
    let few: Vec<u32> = (0..MIN_SIMULATIONS_TO_GROUP as u32 - 1)
        .flat_map(|s| std::iter::repeat_n(s, 20))
        .collect();
    let [_, _, t] = split_indices(&few, RegSplit::TrainValidTest, 4);
    assert_eq!(t.len(), (few.len() as f64 * 0.2).round() as usize);
    // The seed's split: 30 % test, which also monitors.
    let [tr, mon, te] = split_indices(&few, RegSplit::PaperTrainTest, 4);
    assert_eq!((tr.len() + te.len(), mon), (few.len(), te));
}

#[test]
fn coverage_scale_is_the_quantile_of_the_normalised_errors() {
    let _turn = crate::burn_turn();
    // |z| = 1, 2, …, 100 (errors 2k with σ = 2): the 68.27 % quantile sits at sorted position
    // 0.6827 · 99 = 67.59, i.e. |z| = 68.59.
    let mu = vec![0.0f32; 100];
    let sigma = vec![2.0f32; 100];
    let y: Vec<f32> = (1..=100)
        .map(|k| if k % 2 == 0 { 2.0 } else { -2.0 } * k as f32)
        .collect();
    let s = coverage_scale(&mu, &sigma, &y, ONE_SIGMA_FRACTION).unwrap();
    assert!((s - (1.0 + ONE_SIGMA_FRACTION * 99.0)).abs() < 1e-9, "{s}");
    // With σ × s, 68 of the 100 lie inside.
    let inside = y.iter().filter(|&&v| (v.abs() as f64) < 2.0 * s).count();
    assert_eq!(inside, 68);
    // Quantiles of a standard Normal (inverse CDF by bisection on erf): s → 1.
    let z: Vec<f32> = (1..2000)
        .map(|k| {
            let p = k as f64 / 2000.0;
            let (mut lo, mut hi) = (-10.0f64, 10.0f64);
            for _ in 0..80 {
                let m = 0.5 * (lo + hi);
                if 0.5 * (1.0 + puruspe::erf(m / 2f64.sqrt())) < p {
                    lo = m
                } else {
                    hi = m
                }
            }
            (0.5 * (lo + hi)) as f32
        })
        .collect();
    let n = z.len();
    let s = coverage_scale(&vec![0.0; n], &vec![1.0; n], &z, ONE_SIGMA_FRACTION).unwrap();
    assert!((s - 1.0).abs() < 0.01, "{s}");
    assert!(coverage_scale(&[], &[], &[], 0.5).is_err());
    assert!(coverage_scale(&[0.0], &[0.0], &[1.0], 0.5).is_err());
    assert!(coverage_scale(&[0.0], &[1.0], &[1.0], 1.5).is_err());
    assert!(coverage_scale(&[0.0, 1.0], &[1.0], &[1.0], 0.5).is_err());
}

#[test]
fn cli_rejects_missing_files_and_bad_arguments() {
    let _turn = crate::burn_turn();
    assert_eq!(
        galaxy_lab::cli::run([
            "galaxy-lab",
            "theta",
            "train",
            "--data",
            "/nonexistent.h5",
            "--out",
            "x"
        ]),
        2
    );
    assert_eq!(
        galaxy_lab::cli::run([
            "galaxy-lab",
            "theta",
            "train",
            "--data",
            "a.h5",
            "--epochs",
            "-3",
            "--out",
            "x"
        ]),
        2
    );
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.h5");
    std::fs::write(&junk, b"not hdf5").unwrap();
    assert_eq!(
        galaxy_lab::cli::run([
            "galaxy-lab",
            "theta",
            "train",
            "--data",
            junk.to_str().unwrap(),
            "--out",
            "x"
        ]),
        2
    );
    // `theta evaluate` with a model that is not there, or data that is not HDF5.
    for (model, data) in [
        ("/nonexistent/model.bpk", junk.to_str().unwrap()),
        (dir.path().to_str().unwrap(), junk.to_str().unwrap()),
    ] {
        assert_eq!(
            galaxy_lab::cli::run([
                "galaxy-lab",
                "theta",
                "evaluate",
                "--model",
                model,
                "--data",
                data
            ]),
            2
        );
    }
}

/// The θ presets are the settings of the committed runs.
#[test]
fn theta_presets_are_the_committed_recipes() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("results/theta");
    let read = |name: &str| -> RegMetrics {
        galaxy_lab::io::read_json(dir.join(format!("{name}.json"))).unwrap()
    };
    // These runs were committed before subnormal flushing existed and read back without it
    // (rounding, not recipe); the presets now flush.
    let kept = |mut c: RegRunConfig| {
        assert!(c.train.flush_subnormals);
        c.train.flush_subnormals = false;
        c
    };
    // The paper's θ runs (training seeds 0, 1, 2) are the preset's: Keras's initialisation,
    // subnormals flushed.
    for (name, seed) in [
        ("paper_theta", 0),
        ("paper_theta_s1", 1),
        ("paper_theta_s2", 2),
    ] {
        let mut preset = RegRunConfig::paper_theta();
        assert!(preset.keras_init);
        preset.train.seed = seed;
        assert_eq!(read(name).config, preset, "{name}");
    }
    assert_eq!(read("joint").config, kept(RegRunConfig::joint_committed()));
    // Runs from before the width setting read back at width 1 (the committed long run's preset).
    assert_eq!(
        read("joint_compact_long_s0").config,
        kept(RegRunConfig::joint_compact_long())
    );
    // The wide preset differs from the long one in the width alone, and its network has it.
    let wide = RegRunConfig::joint_compact_wide_long();
    assert_eq!(wide.width, 1.5);
    assert_eq!(
        RegRunConfig {
            width: 1.0,
            ..wide.clone()
        },
        RegRunConfig::joint_compact_long()
    );
    use burn::module::Module as _;
    let dev = cpu_device();
    let params = |c: &RegRunConfig| c.network(64).init(&dev).unwrap().num_params();
    let (narrow, wider) = (params(&RegRunConfig::joint_compact_long()), params(&wide));
    assert!(
        wider as f64 > 2.0 * narrow as f64,
        "{wider} vs {narrow} weights"
    );
}

/// `theta bench-step --net joint` times the joint model of the `joint-compact-long` preset (one
/// channel, two targets, Gaussian head) and names a bad width or batch.
#[test]
fn joint_bench_step_times_the_preset_network_and_names_bad_settings() {
    use galaxy_lab::train::step_timing::time_joint_step;
    let _turn = crate::burn_turn();
    let d = galaxy_lab::device::cpu_device();
    let t = time_joint_step(1.0, 64, 2, 1, &d).unwrap();
    assert_eq!(t.input, [2, 1, 64, 64]);
    assert!(t.network.contains("joint"), "{}", t.network);
    assert!(t.train_ms > 0.0 && t.infer_ms > 0.0, "{t:?}");
    for (width, batch, name) in [(0.0, 2, "width"), (f64::NAN, 2, "width"), (1.0, 0, "batch")] {
        let e = time_joint_step(width, 64, batch, 1, &d)
            .unwrap_err()
            .to_string();
        assert!(e.contains(name), "{e}");
    }
    // Through the CLI, with its JSON.
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("t.json");
    let o = crate::cli_command()
        .args([
            "theta",
            "bench-step",
            "--net",
            "joint",
            "--batch",
            "2",
            "--steps",
            "1",
            "--json",
        ])
        .arg(&json)
        .env("GALAXY_LAB_DEVICE", "cpu")
        .output()
        .unwrap();
    assert!(o.status.success(), "{o:?}");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(v["input"], serde_json::json!([2, 1, 64, 64]));
}
