//! Training: the one loop ([`fit`]) with its optimisers and schedules, each task's [`fit::Task`]
//! (q network, classifiers, regressors), losses, experiments and checkpoints.

pub mod checkpoint;
pub mod class_data;
pub mod class_eval;
pub mod class_experiment;
pub mod class_metrics;
pub mod class_mirror;
pub mod class_recipe;
pub mod class_report;
pub mod class_summary;
pub mod class_views;
pub mod classify;
pub mod device_agreement;
pub mod fit;
pub mod nll;
pub mod optim;
pub mod paper_protocol;
pub mod q;
pub mod q_experiment;
pub mod q_refit;
pub mod q_summary;
pub mod recipe_comparison;
pub mod reg_mirror;
pub mod reg_model;
pub mod reg_predictions;
pub mod reg_summary;
pub mod regress;
pub mod run_groups;
pub mod schedule;
pub mod step_timing;
pub mod subnormal;
pub mod theta_experiment;
