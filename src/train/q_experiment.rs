//! One q experiment end to end (seed 001 §4.2, §5, Table 1): from the HDF5 file to a trained
//! network, test metrics beside the thesis's, figures, and a run folder on disk. The CLI
//! (`galaxy-lab q train`) and notebook 02 both call [`run_q`], so their numbers are the same code.

use super::fit::{BatchProgress, FitHistory, Hooks};
use super::q::{
    History, Plateau, QData, TrainConfig, load_checkpoint, predict, save_checkpoint,
    train_qnet_with,
};
use super::q_refit::{Refit, RefitOutcome, refit_without_dropout_with};
use crate::data::q_modes::{Calibration, Normalizer, QMode, calibration, q_datasets_with, split};
use crate::data::sersic_h5::SersicH5;
use crate::error::{Error, Result};
use crate::models::qnet::{QNet, QNetConfig};
use crate::plot::{Figure, Series};
use burn::prelude::Device;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// What a run does besides the optimiser settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QRunConfig {
    /// Which images the network sees.
    pub mode: QMode,
    /// Epochs, batch size, learning rate, seed, patience.
    pub train: TrainConfig,
    /// Use only the first `max_galaxies` galaxies of the file (None: all).
    pub max_galaxies: Option<usize>,
    /// Dropout before the output layer (the thesis: 0.3).
    pub dropout: f64,
    /// Divide each image by its own peak before the magnitudes (beyond the thesis; removes the
    /// overall brightness I_e, which says nothing about q). `false`: one global scale.
    #[serde(default)]
    pub per_image_norm: bool,
    /// After training, a phase with dropout off (beyond the thesis, see [`super::q_refit`]);
    /// None: none (the thesis, and every run saved before this option).
    #[serde(default)]
    pub refit: Option<Refit>,
}

impl QRunConfig {
    /// The thesis's settings for `mode` (100 epochs, batch 32, Adam 1e-3, patience 10; the
    /// learning rate halved after 3 epochs without improvement).
    pub fn new(mode: QMode) -> Self {
        QRunConfig {
            mode,
            train: TrainConfig::default(),
            max_galaxies: None,
            dropout: 0.3,
            per_image_norm: false,
            refit: None,
        }
    }

    /// The recipe of the committed Table 1 runs (`results/q_inference/<mode>.json`,
    /// `scripts/q_full.sh`): [`QRunConfig::new`] with early stopping after 20 epochs without a
    /// better validation NLL, the learning rate halved after 8, and Adam's L2 penalty chosen on
    /// validation NLL — 1e-2 for four projections (which still overfit with 1e-3), 1e-3 for the
    /// other modes.
    pub fn table1(mode: QMode) -> Self {
        let base = QRunConfig::new(mode);
        QRunConfig {
            train: TrainConfig {
                patience: Some(20),
                plateau: Some(Plateau {
                    patience: 8,
                    ..Plateau::default()
                }),
                weight_decay: Some(if mode == QMode::Four { 1e-2 } else { 1e-3 }),
                ..base.train.clone()
            },
            ..base
        }
    }

    /// [`QRunConfig::table1`] followed by the dropout-off phase ([`Refit::default`]: 20 epochs
    /// at 1e-4; beyond the thesis), the committed `<mode>_refit.json` runs.
    pub fn table1_refit(mode: QMode) -> Self {
        QRunConfig {
            refit: Some(Refit::default()),
            ..QRunConfig::table1(mode)
        }
    }
}

/// The numbers a run reports (`metrics.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QMetrics {
    /// Mode as written on the command line.
    pub mode: String,
    /// Dataset file.
    pub data: PathBuf,
    /// Dataset seed (attribute of the file).
    pub data_seed: u64,
    /// Galaxies in the train / validation / test sets.
    pub counts: [usize; 3],
    /// Mean test NLL (TensorFlow Probability's `-log_prob` convention).
    pub test_nll: f64,
    /// The paper's (the thesis's) Table 1 value for this mode (files written before the
    /// rename: `thesis_nll`).
    #[serde(alias = "thesis_nll")]
    pub paper_nll: Option<f64>,
    /// Mean squared error of μ on the test set.
    pub test_mse: f64,
    /// Fraction of test galaxies with |q − μ| < σ (ideal 0.683).
    pub within_1sigma: f64,
    /// Fraction with |q − μ| < 2σ (ideal 0.954).
    pub within_2sigma: f64,
    /// σ scale fitted on the validation set (s² = mean z² there): dropout during training makes
    /// the network's σ too wide at test time, where dropout is off. 1 means no change.
    #[serde(default = "one")]
    pub sigma_scale: f64,
    /// Test NLL with σ multiplied by `sigma_scale` (beyond the thesis).
    #[serde(default)]
    pub test_nll_calibrated: Option<f64>,
    /// Test coverage within 1σ and 2σ after the σ scale.
    #[serde(default)]
    pub within_calibrated: Option<(f64, f64)>,
    /// Epochs run and the best (0-based) epoch whose weights were kept.
    pub epochs_run: usize,
    /// Best validation epoch (0-based).
    pub best_epoch: usize,
    /// Whether early stopping ended the run.
    pub stopped_early: bool,
    /// Training wall time in seconds (with a dropout-off phase: both phases, even when the
    /// phase was added later by [`refit_saved_run`]).
    pub train_seconds: f64,
    /// Device the run used.
    pub device: String,
    /// Run settings. `config.dropout` is the first phase's; after a kept dropout-off phase the
    /// saved network's own configuration (`model.json`) says 0.
    pub config: QRunConfig,
    /// Input normalisation fitted on the training set.
    pub normalizer: Normalizer,
    /// What the dropout-off phase did (None: the run had none).
    #[serde(default)]
    pub refit: Option<RefitOutcome>,
}

fn one() -> f64 {
    1.0
}

/// The factor s that minimises the mean NLL of `q` under Normal(μ, sσ): s² = mean(z²).
pub fn fit_sigma_scale(mu: &[f32], sigma: &[f32], q: &[f32]) -> Result<f64> {
    crate::error::check_size("predictions", mu.len(), 1)?;
    let z2 = mu
        .iter()
        .zip(sigma)
        .zip(q)
        .map(|((&m, &s), &t)| ((t as f64 - m as f64) / s as f64).powi(2))
        .sum::<f64>()
        / mu.len() as f64;
    crate::error::check_positive("mean z²", z2)?;
    Ok(z2.sqrt())
}

/// Fraction of a Normal within ±1σ, erf(1/√2).
pub const ONE_SIGMA_FRACTION: f64 = 0.682_689_492_137_085_9;

/// The factor s such that a fraction `fraction` of |y − μ|/σ is below s (the empirical quantile,
/// linearly interpolated): multiplying σ by s gives that coverage on this set.
pub fn coverage_scale(mu: &[f32], sigma: &[f32], y: &[f32], fraction: f64) -> Result<f64> {
    crate::error::check_size("predictions", mu.len(), 1)?;
    crate::error::check_range("fraction", fraction, 1e-6, 1.0 - 1e-6)?;
    if sigma.len() != mu.len() || y.len() != mu.len() {
        return Err(Error::invalid(
            "prediction lengths",
            format!("{} / {} / {}", mu.len(), sigma.len(), y.len()),
            "μ, σ and truth must have the same length",
        ));
    }
    let mut z: Vec<f64> = Vec::with_capacity(mu.len());
    for ((&m, &s), &t) in mu.iter().zip(sigma).zip(y) {
        crate::error::check_positive("σ", s as f64)?;
        z.push(((t as f64 - m as f64) / s as f64).abs());
    }
    z.sort_by(f64::total_cmp);
    let pos = fraction * (z.len() - 1) as f64;
    let (lo, frac) = (pos.floor() as usize, pos.fract());
    let q = z[lo] + frac * (z[(lo + 1).min(z.len() - 1)] - z[lo]);
    crate::error::check_positive("coverage scale", q)?;
    Ok(q)
}

/// A finished run: the network, its curves, test predictions and metrics.
#[derive(Debug)]
pub struct QRun {
    /// Best-validation weights.
    pub model: QNet,
    /// Network hyper-parameters.
    pub net: QNetConfig,
    /// Learning curves.
    pub history: History,
    /// Test-set truth, predicted means and standard deviations.
    pub test: (Vec<f32>, Vec<f32>, Vec<f32>),
    /// Coverage and PIT values of the test predictions.
    pub calibration: Calibration,
    /// Summary numbers.
    pub metrics: QMetrics,
}

/// The training, validation and test sets of a run and the normaliser fitted on the first.
struct QSets {
    train: QData,
    valid: QData,
    test: QData,
    normalizer: Normalizer,
}

impl QSets {
    /// The sets `cfg` asks for: the split of the first `max_galaxies` galaxies by the run's seed.
    fn load(ds: &SersicH5, cfg: &QRunConfig) -> Result<Self> {
        let n = match cfg.max_galaxies {
            Some(m) => {
                crate::error::check_size("max_galaxies", m, 5)?;
                m.min(ds.galaxies)
            }
            None => ds.galaxies,
        };
        let s = split(n, cfg.train.seed)?;
        let (train, valid, test, normalizer) =
            q_datasets_with(ds, cfg.mode, &s, cfg.train.seed, cfg.per_image_norm)?;
        Ok(QSets {
            train,
            valid,
            test,
            normalizer,
        })
    }
}

/// Trains and evaluates one mode on `ds`. `on_epoch` sees the history after each epoch
/// (including the dropout-off phase's epochs when `cfg.refit` asks for one).
pub fn run_q(
    ds: &SersicH5,
    cfg: &QRunConfig,
    device: &Device,
    on_epoch: &mut dyn FnMut(&History),
) -> Result<QRun> {
    run_q_with(ds, cfg, device, None, None, on_epoch)
}

/// [`run_q`] with a checkpoint folder — each epoch of the first phase is saved in
/// `checkpoint/train`, each of the dropout-off phase in `checkpoint/refit`, and checkpoints
/// already there are resumed — and `on_batch`, called after every update of the first phase
/// (progress bars).
pub fn run_q_with(
    ds: &SersicH5,
    cfg: &QRunConfig,
    device: &Device,
    checkpoint: Option<&Path>,
    mut on_batch: Option<&mut dyn FnMut(BatchProgress)>,
    on_epoch: &mut dyn FnMut(&History),
) -> Result<QRun> {
    if let Some(r) = &cfg.refit {
        r.check()?;
    }
    let sets = QSets::load(ds, cfg)?;
    let net = QNetConfig::new()
        .with_channels(sets.train.channels)
        .with_size(sets.train.size)
        .with_dropout(cfg.dropout);
    let mut each = |h: &FitHistory| on_epoch(&History::from(h.clone()));
    let mut batch = |p: BatchProgress| {
        if let Some(f) = on_batch.as_mut() {
            f(p)
        }
    };
    let mut hooks = Hooks {
        on_batch: Some(&mut batch),
        on_epoch: Some(&mut each),
    };
    let (model, history) = train_qnet_with(
        &net,
        &sets.train,
        &sets.valid,
        &cfg.train,
        device,
        None,
        checkpoint.map(|c| c.join("train")).as_deref(),
        &mut hooks,
    )?;
    let refit_checkpoint = checkpoint.map(|c| c.join("refit"));
    finish(
        ds,
        cfg,
        &sets,
        model,
        net,
        history,
        device,
        refit_checkpoint.as_deref(),
        on_epoch,
    )
}

/// Beyond the thesis: takes the run saved in `dir` (by [`QRun::save`]) on to a dropout-off phase
/// (see [`super::q_refit`]) and evaluates the result. The run's dataset file must still be the
/// one it was trained on: its seed and the training set's normaliser are checked.
pub fn refit_saved_run(
    dir: impl AsRef<Path>,
    refit: Refit,
    device: &Device,
    on_epoch: &mut dyn FnMut(&History),
) -> Result<QRun> {
    refit.check()?;
    let dir = dir.as_ref();
    let saved = QPredictor::load(dir, device)?;
    if saved.metrics.refit.is_some() {
        return Err(Error::invalid(
            "run folder",
            dir.display(),
            "already holds a dropout-off phase; refit the run it was made from",
        ));
    }
    let hpath = dir.join("history.json");
    let history: History = crate::io::read_json(&hpath)?;
    let n = history.train_loss.len();
    if n == 0
        || history.valid_loss.len() != n
        || history.learning_rate.len() != n
        || n != saved.metrics.epochs_run
        || history.best_epoch != saved.metrics.best_epoch
        || history.refit_start.is_some()
    {
        return Err(Error::invalid(
            "history.json",
            hpath.display(),
            format!(
                "does not match {}: expected {} epochs of train, valid and learning-rate values, best epoch {} and no dropout-off phase",
                dir.join("metrics.json").display(),
                saved.metrics.epochs_run,
                saved.metrics.best_epoch
            ),
        ));
    }
    let ds = SersicH5::open(&saved.metrics.data)?;
    if ds.seed != saved.metrics.data_seed {
        return Err(Error::invalid(
            "dataset seed",
            ds.seed,
            format!(
                "{} was trained on a file with seed {}",
                dir.display(),
                saved.metrics.data_seed
            ),
        ));
    }
    let cfg = QRunConfig {
        refit: Some(refit),
        ..saved.metrics.config.clone()
    };
    let sets = QSets::load(&ds, &cfg)?;
    if !sets.normalizer.same_as(&saved.metrics.normalizer) {
        return Err(Error::invalid(
            "dataset",
            saved.metrics.data.display(),
            "its training set no longer gives the run's normaliser: the file changed since training",
        ));
    }
    finish(
        &ds,
        &cfg,
        &sets,
        saved.model,
        saved.net,
        history,
        device,
        None,
        on_epoch,
    )
}

/// The dropout-off phase if `cfg` asks for one, then test metrics beside the thesis's.
#[allow(clippy::too_many_arguments)]
fn finish(
    ds: &SersicH5,
    cfg: &QRunConfig,
    sets: &QSets,
    model: QNet,
    net: QNetConfig,
    history: History,
    device: &Device,
    refit_checkpoint: Option<&Path>,
    on_epoch: &mut dyn FnMut(&History),
) -> Result<QRun> {
    let QSets {
        train,
        valid,
        test,
        normalizer,
    } = sets;
    let (model, net, history, refit) = match cfg.refit {
        None => (model, net, history, None),
        Some(r) => {
            let (mu0, sigma0) = predict(&model, test, device)?;
            let test_nll_before = calibration(&mu0, &sigma0, &test.q)?.nll;
            let done = refit_without_dropout_with(
                model,
                &net,
                train,
                valid,
                &cfg.train,
                r,
                history,
                device,
                refit_checkpoint,
                on_epoch,
            )?;
            let outcome = RefitOutcome {
                refit: r,
                start_epoch: done.history.refit_start.unwrap_or_default(),
                valid_nll_before: done.valid_nll_before,
                valid_nll_after: done.valid_nll_after,
                kept: done.kept(),
                test_nll_before,
                seconds: done.seconds,
            };
            (done.model, done.net, done.history, Some(outcome))
        }
    };
    let (mu, sigma) = predict(&model, test, device)?;
    let cal = calibration(&mu, &sigma, &test.q)?;
    // Beyond the thesis: one σ scale fitted on the validation set, applied to the test set.
    let (vmu, vsigma) = predict(&model, valid, device)?;
    let scale = fit_sigma_scale(&vmu, &vsigma, &valid.q)?;
    let scaled: Vec<f32> = sigma.iter().map(|&s| (s as f64 * scale) as f32).collect();
    let cal_scaled = calibration(&mu, &scaled, &test.q)?;
    let metrics = QMetrics {
        mode: cfg.mode.to_string(),
        data: ds.path().to_path_buf(),
        data_seed: ds.seed,
        counts: [train.len(), valid.len(), test.len()],
        test_nll: cal.nll,
        paper_nll: crate::paper::hidalgo2023::table1_nll(cfg.mode),
        test_mse: cal.mse,
        within_1sigma: cal.within_1sigma,
        within_2sigma: cal.within_2sigma,
        sigma_scale: scale,
        test_nll_calibrated: Some(cal_scaled.nll),
        within_calibrated: Some((cal_scaled.within_1sigma, cal_scaled.within_2sigma)),
        epochs_run: history.train_loss.len(),
        best_epoch: history.best_epoch,
        stopped_early: history.stopped_early,
        train_seconds: history.seconds,
        device: crate::device::device_name(device),
        config: cfg.clone(),
        normalizer: *normalizer,
        refit,
    };
    Ok(QRun {
        model,
        net,
        history,
        test: (test.q.clone(), mu, sigma),
        calibration: cal,
        metrics,
    })
}

impl QRun {
    /// Predicted μ ± σ against the true q (Figs 11, 13, 14), with the identity line.
    pub fn prediction_figure(&self) -> Figure {
        let (q, mu, sigma) = &self.test;
        let pts = q
            .iter()
            .zip(mu)
            .map(|(&t, &m)| (t as f64, m as f64))
            .collect();
        let err = sigma.iter().map(|&s| s as f64).collect();
        Figure::new(
            format!(
                "{}: predicted μ ± σ vs true q (test NLL {:.3})",
                self.metrics.mode, self.metrics.test_nll
            ),
            "true q",
            "predicted q",
        )
        .with(Series::points("test galaxies", pts).with_y_err(err))
        .with(Series::line("μ = q", vec![(0.2, 0.2), (1.0, 1.0)]))
        .x_range(0.15, 1.05)
        .y_range(0.0, 1.3)
    }

    /// Histogram of the probability integral transform Φ((q − μ)/σ): flat when calibrated.
    pub fn pit_figure(&self) -> Result<Figure> {
        let n = self.calibration.pit.len() as f64;
        let bins = 10;
        Ok(Figure::new(
            format!("{}: PIT histogram (flat = calibrated)", self.metrics.mode),
            "Φ((q − μ)/σ)",
            "test galaxies",
        )
        .with(Series::histogram(
            "PIT",
            &self.calibration.pit,
            bins,
            0.0,
            1.0,
        )?)
        .with(Series::line(
            "ideal",
            vec![(0.0, n / bins as f64), (1.0, n / bins as f64)],
        )))
    }

    /// Writes `metrics.json`, `history.json`, `model.bpk` (+ `model.json`), `test_predictions.csv`
    /// and the figures (`predictions.svg`, `loss.svg`, `pit.svg`) into `dir`.
    pub fn save(&self, dir: impl AsRef<Path>) -> Result<()> {
        let dir = dir.as_ref();
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        crate::io::write_json(dir.join("metrics.json"), &self.metrics)?;
        crate::io::write_json(dir.join("history.json"), &self.history)?;
        save_checkpoint(&self.model, &self.net, dir.join("model.bpk"))?;
        let (q, mu, sigma) = &self.test;
        let mut csv = String::from("q,mu,sigma\n");
        for ((t, m), s) in q.iter().zip(mu).zip(sigma) {
            csv += &format!("{t},{m},{s}\n");
        }
        crate::io::write_atomic(dir.join("test_predictions.csv"), csv.as_bytes())?;
        self.prediction_figure().save(dir.join("predictions.svg"))?;
        loss_figure(&[(self.metrics.mode.as_str(), &self.history)]).save(dir.join("loss.svg"))?;
        self.pit_figure()?.save(dir.join("pit.svg"))
    }
}

/// Training (solid) and validation (dashed) NLL per epoch of several runs on one plot, one
/// colour per run (Fig 12).
pub fn loss_figure(runs: &[(&str, &History)]) -> Figure {
    let mut fig = Figure::new("Learning curves", "epoch", "NLL");
    for (k, (name, h)) in runs.iter().enumerate() {
        let curve = |v: &[f64]| {
            v.iter()
                .enumerate()
                .map(|(e, &l)| (e as f64 + 1.0, l))
                .collect()
        };
        fig = fig
            .with(Series::line(format!("{name} train"), curve(&h.train_loss)).with_color(k))
            .with(Series::dashed(format!("{name} valid"), curve(&h.valid_loss)).with_color(k));
    }
    fig
}

/// A trained run read back from its folder: network, normaliser and mode.
#[derive(Debug)]
pub struct QPredictor {
    /// The network.
    pub model: QNet,
    /// Its configuration.
    pub net: QNetConfig,
    /// Metrics of the run (normaliser, mode, dataset).
    pub metrics: QMetrics,
}

impl QPredictor {
    /// Loads `DIR/model.bpk` and `DIR/metrics.json` as written by [`QRun::save`].
    pub fn load(dir: impl AsRef<Path>, device: &Device) -> Result<Self> {
        let dir = dir.as_ref();
        let mpath = dir.join("metrics.json");
        let metrics: QMetrics = crate::io::read_json(&mpath)?;
        let (model, net) = load_checkpoint(dir.join("model.bpk"), device)?;
        Ok(QPredictor {
            model,
            net,
            metrics,
        })
    }

    /// (μ, σ) for one image of linear flux, `[channels, size, size]` row-major.
    pub fn predict_flux(&self, flux: &[f32], device: &Device) -> Result<(f32, f32)> {
        let mut x = flux.to_vec();
        if let Some(i) = x.iter().position(|v| !v.is_finite()) {
            return Err(Error::invalid(
                &format!("pixel {i}"),
                x[i],
                "must be finite",
            ));
        }
        self.metrics.normalizer.apply(&mut x);
        let data = QData::new(x, vec![0.5], self.net.channels, self.net.size).map_err(|_| {
            Error::invalid(
                "image",
                format!("{} values", flux.len()),
                format!(
                    "the network expects {}×{}×{} = {} values",
                    self.net.channels,
                    self.net.size,
                    self.net.size,
                    self.net.channels * self.net.size * self.net.size
                ),
            )
        })?;
        let (mu, sigma) = predict(&self.model, &data, device)?;
        Ok((mu[0], sigma[0]))
    }
}

/// Every `*.json` in `dir` that parses as [`QMetrics`], sorted by file name (an absent folder
/// gives an empty list; a file that is not a metrics file is skipped).
pub fn load_metrics_dir(dir: impl AsRef<Path>) -> Result<Vec<QMetrics>> {
    Ok(crate::io::load_json_dir(dir)?
        .into_iter()
        .map(|(_, m)| m)
        .collect())
}
