//! The q network and its training loop (seed 001 §3.2): a learnable synthetic problem, checkpoint
//! round trip, reproducibility and clear errors.

use galaxy_lab::prelude::*;

/// q is written into the image brightness (pixel = q + small noise): learnable in seconds.
fn synthetic(n: usize, size: usize, seed: u64) -> QData {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut x = Vec::with_capacity(n * size * size);
    let mut q = Vec::with_capacity(n);
    for _ in 0..n {
        let v: f32 = rng.random_range(0.2..1.0);
        q.push(v);
        for _ in 0..size * size {
            x.push(4.0 * (v - 0.6) + rng.random_range(-0.05..0.05));
        }
    }
    QData::new(x, q, 1, size).unwrap()
}

fn quick_cfg(seed: u64) -> TrainConfig {
    TrainConfig {
        epochs: 8,
        batch_size: 32,
        learning_rate: 2e-3,
        seed,
        patience: None,
        plateau: None,
        weight_decay: None,
        flush_subnormals: true,
    }
}

#[test]
fn learns_a_synthetic_problem_to_low_nll() {
    let _turn = crate::burn_turn();
    let net = QNetConfig::new().with_size(16).with_dropout(0.0);
    let (train, valid) = (synthetic(512, 16, 1), synthetic(128, 16, 2));
    let d = cpu_device();
    let before = evaluate(&net.init(&d).unwrap(), &valid, &d).unwrap();
    let (model, hist) =
        train_qnet(&net, &train, &valid, &quick_cfg(3), &d, None, &mut |_| {}).unwrap();
    let after = evaluate(&model, &valid, &d).unwrap();
    assert_eq!(hist.valid_loss.len(), 8);
    // A uniform prior on [0.2, 1] has NLL ln(0.8) ≈ −0.22; reading q to ±0.03 gives ≈ −2.
    assert!(
        after < -1.5,
        "validation NLL {after} (before training {before})"
    );
    assert!((hist.valid_loss[hist.best_epoch] - after).abs() < 1e-4);
}

#[test]
fn checkpoint_round_trip_and_reproducibility() {
    let _turn = crate::burn_turn();
    let net = QNetConfig::new().with_size(16);
    let (train, valid) = (synthetic(96, 16, 4), synthetic(32, 16, 5));
    let d = cpu_device();
    let cfg = TrainConfig {
        epochs: 2,
        ..quick_cfg(7)
    };
    let (m1, h1) = train_qnet(&net, &train, &valid, &cfg, &d, None, &mut |_| {}).unwrap();
    let (_m2, h2) = train_qnet(&net, &train, &valid, &cfg, &d, None, &mut |_| {}).unwrap();
    assert_eq!(h1.train_loss, h2.train_loss, "same seed, same curve");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("q.bpk");
    save_checkpoint(&m1, &net, &path).unwrap();
    let (loaded, cfg_back) = load_checkpoint(&path, &d).unwrap();
    assert_eq!(cfg_back, net);
    assert_eq!(
        predict(&m1, &valid, &d).unwrap(),
        predict(&loaded, &valid, &d).unwrap()
    );
    // Resume continues from the saved weights.
    let (_m3, h3) = train_qnet(
        &net,
        &train,
        &valid,
        &TrainConfig { epochs: 1, ..cfg },
        &d,
        Some(loaded),
        &mut |_| {},
    )
    .unwrap();
    assert!(h3.train_loss[0] < h1.train_loss[0]);
    // Mismatched checkpoint: a 4-channel config over 1-channel weights.
    std::fs::write(
        path.with_extension("json"),
        serde_json::to_string(&QNetConfig::new().with_size(16).with_channels(4)).unwrap(),
    )
    .unwrap();
    assert!(load_checkpoint(&path, &d).is_err());
    // Corrupt and missing files.
    std::fs::write(&path, b"garbage").unwrap();
    std::fs::write(
        path.with_extension("json"),
        serde_json::to_string(&net).unwrap(),
    )
    .unwrap();
    assert!(load_checkpoint(&path, &d).is_err());
    assert!(load_checkpoint(dir.path().join("none.bpk"), &d).is_err());
}

#[test]
fn weight_decay_shrinks_the_weights() {
    let _turn = crate::burn_turn();
    let net = QNetConfig::new().with_size(16).with_dropout(0.0);
    let (train, valid) = (synthetic(256, 16, 1), synthetic(64, 16, 2));
    let d = cpu_device();
    let fit = |wd: Option<f64>| {
        let cfg = TrainConfig {
            weight_decay: wd,
            ..quick_cfg(3)
        };
        train_qnet(&net, &train, &valid, &cfg, &d, None, &mut |_| {}).unwrap()
    };
    let (plain, _) = fit(None);
    let (decayed, hist) = fit(Some(0.1));
    // Same seed, same batches: only the penalty differs, and it pulls every weight towards 0.
    let (a, b) = (plain.l2_norm_sq(), decayed.l2_norm_sq());
    println!("sum of squared weights: no decay {a:.3}, decay 0.1 {b:.3}");
    assert!(b < 0.9 * a, "no decay {a}, decay 0.1 {b}");
    assert!(hist.train_loss.iter().all(|l| l.is_finite()));
    for bad in [f64::NAN, -1e-3, 0.0] {
        let cfg = TrainConfig {
            weight_decay: Some(bad),
            ..quick_cfg(0)
        };
        let e = train_qnet(&net, &train, &valid, &cfg, &d, None, &mut |_| {})
            .unwrap_err()
            .to_string();
        assert!(e.contains("weight_decay"), "{e}");
    }
}

#[test]
fn bad_inputs_are_clear_errors() {
    let _turn = crate::burn_turn();
    assert!(QData::new(vec![0.0; 10], vec![0.5], 1, 16).is_err());
    assert!(QData::new(vec![], vec![], 1, 16).is_err());
    assert!(QData::new(vec![f32::NAN; 256], vec![0.5], 1, 16).is_err());
    let net = QNetConfig::new().with_size(16);
    let d = cpu_device();
    let four = QData::new(vec![0.0; 4 * 256], vec![0.5], 4, 16).unwrap();
    let e = train_qnet(&net, &four, &four, &quick_cfg(0), &d, None, &mut |_| {})
        .unwrap_err()
        .to_string();
    assert!(e.contains("4×16×16"), "{e}");
    let m = net.init(&d).unwrap();
    assert!(predict(&m, &four, &d).is_err());
    assert!(QNetConfig::new().with_size(8).init(&d).is_err());
    let one = synthetic(8, 16, 0);
    let e = train_qnet(
        &net,
        &one,
        &one,
        &TrainConfig {
            learning_rate: f64::NAN,
            ..quick_cfg(0)
        },
        &d,
        None,
        &mut |_| {},
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("learning_rate"), "{e}");
}

/// `q bench-step` records the process's malloc setting: the CLI raises glibc's thresholds
/// (src/malloc.rs) unless `GALAXY_LAB_MALLOC=default`; an unknown value warns and keeps them
/// raised.
#[test]
fn cli_bench_step_records_the_malloc_setting() {
    let _turn = crate::burn_turn();
    let dir = tempfile::tempdir().unwrap();
    let run = |value: Option<&str>| {
        let json = dir.path().join("t.json");
        let mut cmd = crate::cli_command();
        cmd.args(["q", "bench-step", "--batch", "2", "--steps", "1", "--json"])
            .arg(&json)
            .env("GALAXY_LAB_DEVICE", "cpu")
            .env_remove("GALAXY_LAB_MALLOC");
        if let Some(v) = value {
            cmd.env("GALAXY_LAB_MALLOC", v);
        }
        let o = cmd.output().unwrap();
        assert!(o.status.success(), "{o:?}");
        let t: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
        let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
        (t["malloc"].as_str().unwrap().to_owned(), stderr)
    };
    let raised = if galaxy_lab::malloc::SUPPORTED {
        "keep-freed"
    } else {
        "default"
    };
    assert_eq!(run(None).0, raised);
    assert_eq!(run(Some("default")).0, "default");
    let (setting, stderr) = run(Some("fast"));
    assert_eq!(setting, raised);
    assert!(stderr.contains("GALAXY_LAB_MALLOC=\"fast\""), "{stderr}");
}
