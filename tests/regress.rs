//! The regression CNN (seed 000 Table 5) and its loop: a synthetic problem is learned, the
//! Gaussian head is calibrated on it, runs are reproducible, bad inputs are clear errors.

use galaxy_lab::models::thetanet::ThetaNetConfig;
use galaxy_lab::prelude::*;
use galaxy_lab::train::regress::{
    RegData, RegTrainConfig, evaluate_reg, predict_reg, train_regressor,
};

/// A bright bar through the centre at angle `a` (targets: a/90 in [−1, 1]); 16×16.
fn bars(n: usize, seed: u64) -> RegData {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let (mut x, mut y) = (Vec::new(), Vec::new());
    for _ in 0..n {
        let a: f64 = rng.random_range(-80.0..80.0);
        let (s, c) = a.to_radians().sin_cos();
        for r in 0..16 {
            for col in 0..16 {
                let (px, py) = (col as f64 - 7.5, 7.5 - r as f64);
                let d = (px * s - py * c).abs(); // distance from the line at angle a
                x.push((-(d * d) / 2.0).exp() as f32 + rng.random_range(-0.02..0.02));
            }
        }
        y.push((a / 90.0) as f32);
    }
    RegData::new(x, y, 1, 16, 1).unwrap()
}

#[test]
fn point_head_learns_bar_angles() {
    let _turn = crate::burn_turn();
    let d = cpu_device();
    let net = ThetaNetConfig::new().with_channels(1).with_size(16);
    let (train, test) = (bars(600, 1), bars(150, 2));
    let cfg = RegTrainConfig {
        epochs: 25,
        batch_size: 16,
        learning_rate: 3e-3,
        decay: 0.0,
        seed: 4,
        patience: None,
        ..Default::default()
    };
    let before = evaluate_reg(&net.init(&d).unwrap().into(), &test, &d).unwrap();
    let (m, h) = train_regressor(&net, &train, &test, &cfg, &d, &mut |_| {}).unwrap();
    let after = evaluate_reg(&m, &test, &d).unwrap();
    // Targets are uniform on ±0.89: predicting 0 gives MSE ≈ 0.26.
    assert!(after < 0.03, "test MSE {after} (before {before})");
    assert_eq!(h.monitor_loss.len(), 25);
    assert!((h.monitor_loss[h.best_epoch] - after).abs() < 1e-5);
    // Same seed, same curve.
    let (_m2, h2) = train_regressor(
        &net,
        &train,
        &test,
        &RegTrainConfig {
            epochs: 2,
            ..cfg.clone()
        },
        &d,
        &mut |_| {},
    )
    .unwrap();
    let (_m3, h3) = train_regressor(
        &net,
        &train,
        &test,
        &RegTrainConfig { epochs: 2, ..cfg },
        &d,
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(h2.train_loss, h3.train_loss);
}

#[test]
fn gaussian_head_gives_positive_sigmas_and_lower_nll_than_prior() {
    let _turn = crate::burn_turn();
    let d = cpu_device();
    let net = ThetaNetConfig::new()
        .with_channels(1)
        .with_size(16)
        .with_gaussian(true);
    let (train, test) = (bars(600, 5), bars(150, 6));
    let cfg = RegTrainConfig {
        epochs: 20,
        batch_size: 16,
        learning_rate: 3e-3,
        decay: 0.0,
        seed: 1,
        patience: None,
        ..Default::default()
    };
    let (m, _) = train_regressor(&net, &train, &test, &cfg, &d, &mut |_| {}).unwrap();
    let (mu, sigma) = predict_reg(&m, &test, &d).unwrap();
    let sigma = sigma.unwrap();
    assert_eq!(mu.len(), 150);
    assert!(sigma.iter().all(|&s| s > 0.0));
    let nll = evaluate_reg(&m, &test, &d).unwrap();
    // Best single Gaussian for a uniform on ±0.89: ½ln(2πe) + ln 0.513 ≈ 0.75.
    assert!(nll < -0.5, "test NLL {nll}");
}

#[test]
fn bad_inputs_are_clear_errors() {
    let _turn = crate::burn_turn();
    let d = cpu_device();
    assert!(RegData::new(vec![0.0; 10], vec![0.5], 1, 16, 1).is_err());
    assert!(
        RegData::new(vec![0.0; 256], vec![f32::NAN], 1, 16, 1)
            .unwrap_err()
            .to_string()
            .contains("target 0")
    );
    assert!(RegData::new(vec![0.0; 256], vec![0.1, 0.2, 0.3], 1, 16, 2).is_err());
    let one = RegData::new(vec![0.0; 256], vec![0.5], 1, 16, 1).unwrap();
    let net = ThetaNetConfig::new().with_channels(3).with_size(16);
    let e = train_regressor(
        &net,
        &one,
        &one,
        &RegTrainConfig::default(),
        &d,
        &mut |_| {},
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("network expects 3×16×16"), "{e}");
    let net1 = ThetaNetConfig::new().with_channels(1).with_size(16);
    let bad = RegTrainConfig {
        learning_rate: -1.0,
        ..Default::default()
    };
    assert!(
        train_regressor(&net1, &one, &one, &bad, &d, &mut |_| {})
            .unwrap_err()
            .to_string()
            .contains("learning_rate")
    );
    let m = net.init(&d).unwrap().into();
    assert!(predict_reg(&m, &one, &d).is_err());
    assert!(one.subset(&[3]).is_err());
}
