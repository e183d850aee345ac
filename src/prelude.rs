//! Everything a notebook needs: `use galaxy_lab::prelude::*;`.

pub use crate::augment::{
    self, AugmentConfig, AugmentSpace, Augmentation, AugmentedSet, Half, SourceSplit, Variant,
    count_table, split_sources,
};
pub use crate::data::pairs_h5::{
    Experiment, PairDatasetConfig, PairGenerateReport, PairH5, PairLabel, SimulationSample,
    generate_pairs_dataset, generate_simulation,
};
pub use crate::data::q_modes::{
    Calibration, Normalizer, QMode, Split, calibration, q_datasets, raw_images, split,
    stored_projection,
};
pub use crate::data::sersic_h5::*;
pub use crate::device::{Device, cpu_device, cuda_available, device, device_name, short_device};
pub use crate::display::{Png, Stretch, Svg, Table, gray_image, gray_png};
pub use crate::error::{Error, Result};
pub use crate::figures::{
    Montage, isophote_levels, isophotes, isophotes_with_scale_bar, kpc_scale_bar, montage,
};
pub use crate::io::{write_atomic, write_json};
pub use crate::metrics::{
    self, ClassScores, ClassificationReport, ConfusionMatrix, Rejection, Roc, argmax_rows,
    classification_report, confusion_figure, prediction_montage, reject, roc_curve, roc_figure,
};
pub use crate::mode::RunMode;
pub use crate::models::alexnet::{AlexNet, AlexNetConfig, Norm, Padding};
pub use crate::models::classifier::{Classifier, ClassifierConfig, NetKind};
pub use crate::models::compact::{CompactNet, CompactNetConfig};
pub use crate::models::qnet::{GaussianOutput, QNet, QNetConfig};
pub use crate::notebook::{Session, setup};
pub use crate::paper::{self, hidalgo2023, prakash2020};
pub use crate::plot::{Figure, Mark, Series, geometry_diagram};
#[cfg(feature = "fetch")]
pub use crate::sdss::fetch_catalog;
pub use crate::sdss::{
    self, CutoutRequest, FetchConfig, FetchReport, InteractingPair, RelInclinationClass,
    cutout_url, label_relative_inclination, load_cutout, relative_inclination,
};
pub use crate::sim::pair::{
    self as pair, Body, CentreTrack, Components, Encounter, FieldOfView, Framing, Friction,
    GalaxyModel, Geometry, MassRatio, Morphology, Observation, ObservationDraw, OrbitSpec,
    PairConfig, PairImage, ParticleKind, Particles, Potential, RenderConfig, SimConfig, Snapshot,
    SnapshotTime, Spin, ViewAngles, field_of_view, log_stretch, mirror_galaxy,
    mirror_inclination_deg, render as render_pair,
    render_in_one_frame as render_pairs_in_one_frame, render_views as render_pair_views, save_gif,
    simulate,
};
pub use crate::sim::sersic::render::render as render_galaxy;
pub use crate::sim::sersic::*;
pub use crate::train::class_data::{AugmentedExamples, ClassData, Examples, Subset};
pub use crate::train::class_data::{class_images, split_images};
pub use crate::train::class_eval::{
    ClassEval, EvalMetrics, evaluate_on_pairs, evaluate_on_pairs_views, evaluate_run_dir,
};
pub use crate::train::class_experiment::{ClassRun, run_classification, run_classification_with};
pub use crate::train::class_metrics::{
    ClassMetrics, ClassRow, SiblingScores, load_class_metrics_dir, load_named_class_metrics,
    training_sibling_scores,
};
pub use crate::train::class_mirror::{
    MIRROR_NEAR_DEG, MirrorScores, load_mirror_dir, mirror_seeds_table,
};
pub use crate::train::class_recipe::{ClassRunConfig, SplitBy};
pub use crate::train::class_report::{
    committed_runs_table, feature_map_figure, kept_f1_cell, run_description,
};
pub use crate::train::class_summary::{
    MeanStd, RunSummary, load_paper_protocol_dir, protocols_table, summarize, summary_table,
};
pub use crate::train::class_views::TestViews;
pub use crate::train::classify::{
    ClassHistory, ClassifyConfig, DecayPer, evaluate_classifier, load_classifier, predict_proba,
    save_classifier, train_classifier,
};
pub use crate::train::fit::{FitConfig, FitHistory, Hooks, Monitor, Schedule, fit};
pub use crate::train::nll::{gaussian_nll, gaussian_nll_f64};
pub use crate::train::optim::{GradClip, Optimizer};
pub use crate::train::q::{
    History, QData, TrainConfig, evaluate, load_checkpoint, predict, save_checkpoint, train_qnet,
};
pub use crate::train::q_experiment::{
    QMetrics, QPredictor, QRun, QRunConfig, load_metrics_dir, loss_figure, refit_saved_run, run_q,
};
pub use crate::train::q_refit::{Refit, RefitOutcome, Refitted, refit_without_dropout};
pub use crate::train::q_summary::{
    QSummary, load_q_summaries, q_summary_table, recipe_label, summarize_q,
};
pub use crate::train::recipe_comparison::recipe_table;
pub use crate::train::reg_summary::{
    RegSummary, load_reg_summaries, reg_summary_table, summarize_reg,
};
pub use burn::module::Module;
pub use burn::tensor::Tensor;
