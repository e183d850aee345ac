//! Datasets on disk: HDF5 files of simulated galaxies, read back in batches for training.

mod h5;
pub mod pairs_h5;
pub mod q_modes;
pub mod sersic_h5;
