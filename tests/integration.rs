//! galaxy-lab's integration tests, gathered into one test binary: each file below used to be a
//! binary of its own, and each of those linked burn, hdf5 and plotters again (twelve links of a
//! ~570 MB binary with full debug info on a 2-core CI machine). Run one file's tests with a
//! filter, e.g. `cargo test --test integration pairs:: -- --nocapture`.

mod class_experiment;
mod classify;
mod fit_golden;
mod im2col;
mod max_pool;
mod mock_observed;
mod pairs;
mod q_experiment;
mod q_refit;
mod qnet;
mod regress;
mod resume;
mod sdss;
mod sersic_dataset;
mod sersic_render;
mod theta;

/// burn's random number generator is one per device and process-wide, and all these modules now
/// share one process: every test that initialises a network or trains takes this turn, so a seed
/// means the same run whichever other tests happen to be running.
pub fn burn_turn() -> std::sync::MutexGuard<'static, ()> {
    static TURN: std::sync::Mutex<()> = std::sync::Mutex::new(());
    TURN.lock().unwrap_or_else(|e| e.into_inner())
}
