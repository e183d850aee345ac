//! The dropout-off phase after training (beyond the thesis, `train::q_refit`): it continues the
//! history, keeps its weights only when validation improves, and `q refit` works on a saved run
//! folder with clear errors for folders and files it cannot use.

use galaxy_lab::prelude::*;

/// q written into the image brightness (as tests/qnet.rs), `sign` = −1 mirrors the relation.
fn synthetic(n: usize, seed: u64, sign: f32) -> QData {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let (mut x, mut q) = (Vec::new(), Vec::new());
    for _ in 0..n {
        let v: f32 = rng.random_range(0.2..1.0);
        q.push(v);
        for _ in 0..16 * 16 {
            x.push(sign * 4.0 * (v - 0.6) + rng.random_range(-0.05..0.05));
        }
    }
    QData::new(x, q, 1, 16).unwrap()
}

fn cfg(epochs: usize) -> TrainConfig {
    TrainConfig {
        epochs,
        batch_size: 32,
        learning_rate: 2e-3,
        seed: 3,
        patience: None,
        plateau: None,
        weight_decay: None,
        flush_subnormals: true,
    }
}

#[test]
fn refit_continues_the_history_and_keeps_only_an_improvement() {
    let _turn = crate::burn_turn();
    let d = cpu_device();
    let net = QNetConfig::new().with_size(16).with_dropout(0.3);
    let (train, valid) = (synthetic(384, 1, 1.0), synthetic(128, 2, 1.0));
    let (model, hist) = train_qnet(&net, &train, &valid, &cfg(4), &d, None, &mut |_| {}).unwrap();
    let start = evaluate(&model, &valid, &d).unwrap();
    let r = Refit {
        epochs: 3,
        learning_rate: 1e-3,
    };
    let mut seen = Vec::new();
    let done = refit_without_dropout(
        model.clone(),
        &net,
        &train,
        &valid,
        &cfg(4),
        r,
        hist.clone(),
        &d,
        &mut |h| seen.push(h.train_loss.len()),
    )
    .unwrap();
    // Epoch numbers go on from the first phase; the phase is marked.
    assert_eq!(seen, vec![5, 6, 7]);
    assert_eq!(done.history.valid_loss.len(), 7);
    assert_eq!(done.history.refit_start, Some(4));
    assert_eq!(&done.history.valid_loss[..4], &hist.valid_loss[..]);
    assert_eq!(done.valid_nll_before, start);
    // Three more epochs (now without dropout) improve this young network: kept, dropout off,
    // and the kept weights are the phase's best epoch.
    assert!(
        done.kept(),
        "{} -> {}",
        done.valid_nll_before,
        done.valid_nll_after
    );
    assert_eq!(done.net.dropout, 0.0);
    assert_eq!(done.model.dropout(), 0.0);
    assert!(done.history.best_epoch >= 4);
    let best = done.history.valid_loss[4..]
        .iter()
        .cloned()
        .fold(f64::INFINITY, f64::min);
    assert_eq!(done.valid_nll_after, best);
    assert!((evaluate(&done.model, &valid, &d).unwrap() - best).abs() < 1e-6);

    // Refitting on a training set whose brightness–q relation is mirrored makes validation
    // worse: the first phase's weights come back unchanged.
    let mirrored = synthetic(384, 7, -1.0);
    let worse = refit_without_dropout(
        model.clone(),
        &net,
        &mirrored,
        &valid,
        &cfg(4),
        r,
        hist.clone(),
        &d,
        &mut |_| {},
    )
    .unwrap();
    assert!(
        !worse.kept(),
        "{} -> {}",
        worse.valid_nll_before,
        worse.valid_nll_after
    );
    assert_eq!(worse.net.dropout, 0.3);
    assert_eq!(worse.history.best_epoch, hist.best_epoch);
    assert_eq!(
        predict(&worse.model, &valid, &d).unwrap(),
        predict(&model, &valid, &d).unwrap()
    );

    // Bad settings are errors naming them.
    for (bad, name) in [
        (Refit { epochs: 0, ..r }, "refit epochs"),
        (
            Refit {
                learning_rate: f64::NAN,
                ..r
            },
            "refit learning rate",
        ),
        (
            Refit {
                learning_rate: -1.0,
                ..r
            },
            "refit learning rate",
        ),
    ] {
        let e = refit_without_dropout(
            model.clone(),
            &net,
            &train,
            &valid,
            &cfg(4),
            bad,
            hist.clone(),
            &d,
            &mut |_| {},
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains(name), "{e}");
    }
}

fn tiny_file(path: &std::path::Path, seed: u64) {
    let cfg = SersicDatasetConfig {
        galaxies: 30,
        size: 16,
        pixel_scale: 4.0,
        seed,
        ..Default::default()
    };
    generate_dataset(&cfg, path, &mut |_| {}).unwrap();
}

#[test]
fn refit_of_a_saved_run_through_the_library_and_the_cli() {
    let _turn = crate::burn_turn();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("tiny.h5");
    tiny_file(&data, 11);
    let ds = SersicH5::open(&data).unwrap();
    let d = cpu_device();
    let mut c = QRunConfig::new("incl:60".parse().unwrap());
    c.train.epochs = 2;
    c.train.batch_size = 8;
    let run = run_q(&ds, &c, &d, &mut |_| {}).unwrap();
    let first = dir.path().join("first");
    run.save(&first).unwrap();
    assert!(run.metrics.refit.is_none());

    // Library: the saved run continues; the outcome is recorded with the test NLL before it.
    let r = Refit {
        epochs: 2,
        learning_rate: 1e-4,
    };
    let re = refit_saved_run(&first, r, &d, &mut |_| {}).unwrap();
    let out = re.metrics.refit.clone().unwrap();
    assert_eq!(out.test_nll_before, run.metrics.test_nll);
    assert_eq!(re.metrics.config.refit, Some(r));
    assert_eq!(re.history.train_loss.len(), 4);
    assert_eq!(re.metrics.epochs_run, 4);
    assert_eq!(re.metrics.counts, run.metrics.counts);
    assert_eq!(out.start_epoch, 2);
    // Kept: the predictions changed; not kept: the first phase's, bit for bit.
    assert_eq!(out.kept, re.test != run.test);
    // The same through `q train --refit-epochs` in one go gives the same numbers.
    let mut c2 = c.clone();
    c2.refit = Some(r);
    let both = run_q(&ds, &c2, &d, &mut |_| {}).unwrap();
    assert_eq!(both.test, re.test);
    let mut same = both.metrics.refit.clone().unwrap();
    same.seconds = out.seconds;
    assert_eq!(same, out);

    // A refitted folder is not refitted again.
    let second = dir.path().join("second");
    re.save(&second).unwrap();
    let e = refit_saved_run(&second, r, &d, &mut |_| {})
        .unwrap_err()
        .to_string();
    assert!(e.contains("already"), "{e}");

    // CLI: writes a new folder; --out equal to --model, a missing folder → exit 2.
    let cli = |model: &std::path::Path, out: &std::path::Path| {
        galaxy_lab::cli::run([
            "galaxy-lab",
            "q",
            "refit",
            "--model",
            model.to_str().unwrap(),
            "--epochs",
            "1",
            "--out",
            out.to_str().unwrap(),
        ])
    };
    let third = dir.path().join("third");
    assert_eq!(cli(&first, &third), 0);
    let m: QMetrics =
        serde_json::from_str(&std::fs::read_to_string(third.join("metrics.json")).unwrap())
            .unwrap();
    assert_eq!(m.refit.unwrap().refit.epochs, 1);
    assert_eq!(cli(&first, &first), 2);
    assert_eq!(cli(&first, &first.join("..").join("first")), 2);
    assert_eq!(cli(&dir.path().join("nothing"), &third), 2);

    // Settings are checked before any training.
    let mut bad = c.clone();
    bad.refit = Some(Refit {
        epochs: 0,
        learning_rate: 1e-4,
    });
    let e = run_q(&ds, &bad, &d, &mut |_| panic!("trained before checking"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("refit epochs"), "{e}");
    let e = refit_saved_run(
        &first,
        Refit {
            epochs: 1,
            learning_rate: f64::NAN,
        },
        &d,
        &mut |_| {},
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("refit learning rate"), "{e}");
    // --refit-learning-rate alone (no --refit-epochs) is a usage error, not silently ignored.
    assert_eq!(
        galaxy_lab::cli::run([
            "galaxy-lab",
            "q",
            "train",
            "--data",
            data.to_str().unwrap(),
            "--mode",
            "incl:60",
            "--refit-learning-rate",
            "1e-3",
            "--out",
            dir.path().join("never").to_str().unwrap(),
        ]),
        2
    );
    assert!(!dir.path().join("never").exists());

    // A history.json that does not match metrics.json is refused.
    let cut = dir.path().join("cut");
    run.save(&cut).unwrap();
    let mut h = run.history.clone();
    h.train_loss.pop();
    std::fs::write(cut.join("history.json"), serde_json::to_string(&h).unwrap()).unwrap();
    let e = refit_saved_run(&cut, r, &d, &mut |_| {})
        .unwrap_err()
        .to_string();
    assert!(e.contains("history.json"), "{e}");

    // The dataset file changed since training (same seed, more galaxies): another normaliser.
    drop(ds);
    let cfg40 = SersicDatasetConfig {
        galaxies: 40,
        size: 16,
        pixel_scale: 4.0,
        seed: 11,
        ..Default::default()
    };
    generate_dataset(&cfg40, &data, &mut |_| {}).unwrap();
    let e = refit_saved_run(&first, r, &d, &mut |_| {})
        .unwrap_err()
        .to_string();
    assert!(e.contains("changed since training"), "{e}");

    // The dataset file replaced by another (different seed) since training: a clear error.
    tiny_file(&data, 12);
    let e = refit_saved_run(&first, r, &d, &mut |_| {})
        .unwrap_err()
        .to_string();
    assert!(e.contains("seed"), "{e}");
}
