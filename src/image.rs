//! The core image type every part of galaxy-lab shares: the simulators render into it
//! (Sérsic discs, interacting pairs), augmentation transforms it, the classifiers' feature maps
//! and the figures read it.

use crate::error::Result;

/// A linear-flux image, row-major, row 0 at the top.
#[derive(Debug, Clone, PartialEq)]
pub struct Image {
    /// Columns.
    pub width: usize,
    /// Rows.
    pub height: usize,
    /// `height × width` values.
    pub data: Vec<f32>,
}

impl Image {
    /// Value at (row, col).
    pub fn at(&self, row: usize, col: usize) -> f32 {
        self.data[row * self.width + col]
    }
    /// Sum of all pixels.
    pub fn sum(&self) -> f64 {
        self.data.iter().map(|&v| v as f64).sum()
    }
    /// Relative L2 difference ‖self − other‖ / ‖other‖.
    pub fn rel_l2(&self, other: &Image) -> f64 {
        let num: f64 = self
            .data
            .iter()
            .zip(&other.data)
            .map(|(&a, &b)| (a as f64 - b as f64).powi(2))
            .sum();
        let den: f64 = other.data.iter().map(|&b| (b as f64).powi(2)).sum();
        (num / den).sqrt()
    }
    /// Greyscale PNG for display.
    pub fn to_png(&self, stretch: crate::display::Stretch) -> Result<crate::display::Png> {
        crate::display::gray_png(&self.data, self.width, self.height, stretch)
    }
    /// Inline display in evcxr (log stretch).
    pub fn evcxr_display(&self) {
        match self.to_png(crate::display::Stretch::Log) {
            Ok(p) => p.evcxr_display(),
            Err(e) => eprintln!("{e}"),
        }
    }
}
