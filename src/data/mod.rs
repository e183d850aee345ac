//! Datasets on disk: HDF5 files of simulated galaxies, read back in batches for training.

pub mod sersic_h5;
