//! The classification pipeline of seed 000 §4–§6 on synthetic data (the interacting-pair images
//! come from the pair simulator): a scaled-down AlexNet learns horizontal vs vertical bars, its
//! probabilities feed the report with rejection, the confusion figure, ROC/AUC and feature maps;
//! checkpoints round-trip; lazily augmented sets feed the same loop; bad inputs are errors that
//! name the value.

use galaxy_lab::augment::{AugmentConfig, AugmentedSet, count_table, split_sources};
use galaxy_lab::image::Image;
use galaxy_lab::metrics::{Roc, classification_report, reject};
use galaxy_lab::models::alexnet::{AlexNetConfig, Padding};
use galaxy_lab::models::classifier::{Classifier, ClassifierConfig};
use galaxy_lab::train::class_data::{AugmentedExamples, ClassData, Examples};
use galaxy_lab::train::classify::{
    ClassifyConfig, evaluate_classifier, load_classifier, predict_proba, save_classifier,
    train_classifier,
};
use rand::{Rng, SeedableRng};

const SIZE: usize = 64;

/// `n` noisy images: class 0 a horizontal bar, class 1 a vertical bar, at random positions,
/// widths and brightnesses.
fn bars(n: usize, seed: u64) -> ClassData {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut x = Vec::with_capacity(n * SIZE * SIZE);
    let mut labels = Vec::with_capacity(n);
    for i in 0..n {
        let class = i % 2;
        let pos = rng.random_range(12..52) as f32;
        let half_width = rng.random_range(2.0..5.0f32);
        let level = rng.random_range(0.5..1.0f32);
        for r in 0..SIZE {
            for c in 0..SIZE {
                let d = if class == 0 { r as f32 } else { c as f32 } - pos;
                let bar = if d.abs() <= half_width { level } else { 0.0 };
                x.push(bar + rng.random_range(0.0..0.3f32));
            }
        }
        labels.push(class);
    }
    ClassData::new(x, labels, 1, SIZE, 2).unwrap()
}

fn small_net() -> AlexNetConfig {
    AlexNetConfig::new()
        .with_channels(1)
        .with_size(SIZE)
        .with_width(0.125)
        .with_padding(Padding::Padded)
}

/// The seed's optimiser (plain SGD, lr 0.01, 1 % decay) with small batches.
fn quick_cfg(epochs: usize) -> ClassifyConfig {
    ClassifyConfig {
        epochs,
        batch_size: 16,
        seed: 3,
        ..ClassifyConfig::default()
    }
}

#[test]
fn scaled_alexnet_learns_bars_and_the_report_follows() {
    let _turn = crate::burn_turn();
    let dev = galaxy_lab::cpu_device();
    let (train, valid) = (bars(256, 1), bars(128, 2));
    let t0 = std::time::Instant::now();
    let (model, hist) = train_classifier(
        small_net(),
        &train,
        &valid,
        &quick_cfg(6),
        &dev,
        None,
        &mut |h| {
            let e = h.valid_loss.len() - 1;
            eprintln!(
                "epoch {e}: train loss {:.3} acc {:.3}, valid loss {:.3} acc {:.3}, lr {:.5}",
                h.train_loss[e],
                h.train_accuracy[e],
                h.valid_loss[e],
                h.valid_accuracy[e],
                h.learning_rate[e]
            )
        },
    )
    .unwrap();
    let secs = t0.elapsed().as_secs_f64();
    let best = hist.valid_accuracy[hist.best_epoch];
    eprintln!(
        "best epoch {} valid accuracy {best:.3} in {secs:.1} s",
        hist.best_epoch
    );
    assert!(best > 0.9, "validation accuracy {best}: {hist:?}");
    // The learning rate decays by the seed's 1 % (inverse time, per epoch).
    assert!((hist.learning_rate[1] - 0.01 / 1.01).abs() < 1e-12);
    let curves = hist.curves().unwrap();
    for text in ["Cross-entropy", "Accuracy", "validation"] {
        assert!(curves.as_str().contains(text), "{text}");
    }

    // Probabilities of the returned (best) weights reproduce the recorded validation accuracy.
    let probs = predict_proba(&model, &valid, &dev).unwrap();
    assert_eq!(probs.len(), 2 * valid.len());
    let (_, acc) = evaluate_classifier(&model, &valid, &dev).unwrap();
    assert!((acc - best).abs() < 1e-9, "{acc} vs {best}");

    // The seed's report: 80 % rejection threshold for two classes.
    let names = vec!["horizontal".to_string(), "vertical".to_string()];
    let rep = classification_report(&probs, &valid.labels, &names, Some(0.8)).unwrap();
    let rejected: u64 = rep
        .rejection
        .as_ref()
        .unwrap()
        .rejected_per_class
        .iter()
        .sum();
    assert_eq!(rep.overall.support + rejected, valid.len() as u64);
    assert!(rep.overall.f1 > 0.9, "{rep:?}");
    assert_eq!(rep.scores_table().rows.len(), 3);
    assert!(rep.confusion_figure().unwrap().width() > 100);
    let roc = Roc::from_probs(&probs, &valid.labels, 1).unwrap();
    assert!(roc.auc > 0.95, "AUC {}", roc.auc);

    // Fig. 2: one channel of each convolution for one input.
    let maps = model
        .feature_maps(&valid.x[..SIZE * SIZE], 0, &dev)
        .unwrap();
    assert_eq!(maps.len(), 5);
    assert_eq!((maps[0].width, maps[0].height), (15, 15));
}

#[test]
fn checkpoint_round_trip_and_mismatch() {
    let _turn = crate::burn_turn();
    let dev = galaxy_lab::cpu_device();
    let net = small_net();
    let model = Classifier::from(net.init(&dev).unwrap());
    let data = bars(8, 5);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("alexnet.bpk");
    save_classifier(&model, &net, &path).unwrap();
    let (back, cfg) = load_classifier(&path, &dev).unwrap();
    assert_eq!(cfg, ClassifierConfig::from(&net));
    let (a, b) = (
        predict_proba(&model, &data, &dev).unwrap(),
        predict_proba(&back, &data, &dev).unwrap(),
    );
    assert!(a.iter().zip(&b).all(|(x, y)| (x - y).abs() < 1e-6));
    // A configuration that does not fit the weights is an error, not a panic.
    let wider = net.clone().with_width(0.25);
    galaxy_lab::io::write_json(path.with_extension("json"), &wider).unwrap();
    let e = load_classifier(&path, &dev).unwrap_err();
    assert!(e.to_string().contains("does not fit"), "{e}");
    assert!(load_classifier(dir.path().join("missing.bpk"), &dev).is_err());
    // Saving with a configuration that does not describe the model is refused.
    assert!(save_classifier(&model, net.clone().with_classes(3), &path).is_err());
}

#[test]
fn lazy_augmented_sets_feed_the_loop() {
    let _turn = crate::burn_turn();
    // Six 80 × 80 sources (three per class), augmented ×3 variants × 4 rotations, resized to 64.
    let sources: Vec<Image> = (0..6)
        .map(|i| {
            let w = 80;
            let data = (0..w * w)
                .map(|p| {
                    let (r, c) = ((p / w) as f32 - 40.0, (p % w) as f32 - 40.0);
                    let (a, b) = if i % 2 == 0 { (6.0, 60.0) } else { (60.0, 6.0) };
                    (-(r * r / a + c * c / b)).exp() + 0.01 * i as f32
                })
                .collect();
            Image {
                width: w,
                height: w,
                data,
            }
        })
        .collect();
    let labels = vec![0, 1, 0, 1, 0, 1];
    let split = split_sources(&labels, 2, 0.34, 0.0, 1).unwrap();
    let cfg = AugmentConfig {
        rotation_step_deg: 90,
        resize: vec![64],
        seed: 9,
        ..AugmentConfig::default()
    };
    let train = AugmentedSet::new(&split.train, &labels, cfg.clone()).unwrap();
    let valid = AugmentedSet::new(&split.valid, &labels, AugmentConfig::none(vec![64])).unwrap();
    let test = AugmentedSet::new(&split.valid, &labels, AugmentConfig::none(vec![64])).unwrap();
    let names = vec!["a".to_string(), "b".to_string()];
    let table = count_table(&names, &train, &valid, &test).unwrap();
    assert_eq!(table.rows[2][1], (train.len()).to_string());
    let (tx, vx) = (
        AugmentedExamples::new(&train, &sources).unwrap(),
        AugmentedExamples::new(&valid, &sources).unwrap(),
    );
    assert_eq!((tx.size(), tx.len()), (64, 4 * 12));
    // Same index, same pixels.
    assert_eq!(tx.pixels(17).unwrap(), tx.pixels(17).unwrap());
    let dev = galaxy_lab::cpu_device();
    // Optional momentum (the seed used plain SGD).
    let cfg = ClassifyConfig {
        momentum: Some(0.9),
        ..quick_cfg(1)
    };
    let (model, hist) =
        train_classifier(small_net(), &tx, &vx, &cfg, &dev, None, &mut |_| {}).unwrap();
    assert_eq!(hist.valid_loss.len(), 1);
    assert_eq!(
        predict_proba(&model, &vx, &dev).unwrap().len(),
        2 * vx.len()
    );
    // Sources missing from the image list are named.
    assert!(AugmentedExamples::new(&train, &sources[..2]).is_err());
}

#[test]
fn bad_inputs_are_errors_naming_the_value() {
    let _turn = crate::burn_turn();
    let dev = galaxy_lab::cpu_device();
    let probs = [0.9f32, 0.1, 0.3, 0.7];
    let e = reject(&probs, &[0, 1], 2, f64::NAN).unwrap_err();
    assert!(e.to_string().contains("threshold = NaN"), "{e}");
    let e = reject(&probs, &[0, 1], 2, 1.2).unwrap_err();
    assert!(e.to_string().contains("threshold = 1.2"), "{e}");
    assert!(reject(&probs, &[0, 1], 2, -0.1).is_err());
    // Empty data set.
    let e = ClassData::new(vec![], vec![], 1, SIZE, 2).unwrap_err();
    assert!(e.to_string().contains("dataset length = 0"), "{e}");
    // Wrong buffer length.
    let e = ClassData::new(vec![0.0; 10], vec![0], 1, SIZE, 2).unwrap_err();
    assert!(e.to_string().contains("10"), "{e}");
    // Label ≥ classes.
    let e = ClassData::new(vec![0.0; SIZE * SIZE], vec![2], 1, SIZE, 2).unwrap_err();
    assert!(e.to_string().contains("label of image 0 = 2"), "{e}");
    // Right buffer, wrong shape for the network.
    let wrong = ClassData::new(vec![0.0; 32 * 32 * 2], vec![0, 1], 1, 32, 2).unwrap();
    let model = Classifier::from(small_net().init(&dev).unwrap());
    let e = predict_proba(&model, &wrong, &dev).unwrap_err();
    assert!(e.to_string().contains("[2, 1, 32, 32]"), "{e}");
    let good = bars(4, 1);
    let e = train_classifier(
        small_net(),
        &wrong,
        &good,
        &quick_cfg(1),
        &dev,
        None,
        &mut |_| {},
    )
    .unwrap_err();
    assert!(e.to_string().contains("training set = 1×32×32"), "{e}");
    // Labels valid for 3 classes but not for a 2-class network.
    let three = ClassData::new(good.x.clone(), vec![0, 1, 2, 0], 1, SIZE, 3).unwrap();
    let e = train_classifier(
        small_net(),
        &good,
        &three,
        &quick_cfg(1),
        &dev,
        None,
        &mut |_| {},
    )
    .unwrap_err();
    assert!(e.to_string().contains("label of image 2 = 2"), "{e}");
    // Bad optimiser settings.
    let bad = ClassifyConfig {
        learning_rate: f64::NAN,
        ..quick_cfg(1)
    };
    let e = train_classifier(small_net(), &good, &good, &bad, &dev, None, &mut |_| {}).unwrap_err();
    assert!(e.to_string().contains("learning_rate = NaN"), "{e}");
    // A learning rate so large that the weights overflow: a clear error, not a NaN model.
    let wild = ClassifyConfig {
        learning_rate: 1e30,
        ..quick_cfg(2)
    };
    let plain = small_net().with_norm(galaxy_lab::models::alexnet::Norm::None);
    let e =
        train_classifier(&plain, &bars(64, 4), &good, &wild, &dev, None, &mut |_| {}).unwrap_err();
    assert!(e.to_string().contains("training loss became"), "{e}");
}
