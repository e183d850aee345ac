//! Hidalgo Mahmud 2023 (seed 001, the thesis on inferring the intrinsic axis ratio q of Sérsic
//! galaxies with a CNN): its published numbers as data — the test negative log-likelihoods of
//! Table 1, one per training mode.

use crate::data::q_modes::QMode;

/// Test NLL of Table 1 for a mode (None for modes the thesis did not run; the three readings of
/// its random column, `random`, `random-cos` and `random-proj`, all map to −1.657).
pub fn table1_nll(mode: QMode) -> Option<f64> {
    match mode {
        QMode::Four => Some(-2.375),
        QMode::Inclination(0.0) => Some(0.680),
        QMode::Inclination(30.0) => Some(-1.458),
        QMode::Inclination(60.0) => Some(-2.042),
        QMode::Inclination(90.0) => Some(-2.040),
        // The thesis's "random projection" column, under each of its readings.
        QMode::Random { .. } | QMode::RandomProjection => Some(-1.657),
        _ => None,
    }
}
