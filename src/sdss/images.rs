//! Loading SDSS cutouts and the seed's preprocessing ("we have applied median filter on the
//! images, to eliminate noise and later scaled them to a size of 340×340 pixels"), followed by
//! the resize to the classifier's input size.

use super::fits::read_fits_bytes;
use crate::error::{Error, Result, check_size};
use image::{DynamicImage, imageops::FilterType};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Loads a cutout: JPEG or PNG (what the SkyServer cutout service and our `fetch` give), GIF,
/// or an uncompressed FITS primary image (rendered to 8-bit greyscale with
/// [`FitsImage::to_gray`](super::fits::FitsImage::to_gray)). The format is detected from the
/// content, not the extension. Missing, empty or corrupt files are errors naming the path.
pub fn load_cutout(path: impl AsRef<Path>) -> Result<DynamicImage> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    load_cutout_bytes(&bytes).map_err(|e| match e {
        Error::Image(m) => Error::Image(format!("{}: {m}", path.display())),
        other => other,
    })
}

/// [`load_cutout`] from bytes in memory.
pub fn load_cutout_bytes(bytes: &[u8]) -> Result<DynamicImage> {
    if bytes.is_empty() {
        return Err(Error::Image("empty file".into()));
    }
    if bytes.starts_with(b"SIMPLE  =") {
        return Ok(DynamicImage::ImageLuma8(read_fits_bytes(bytes)?.to_gray()?));
    }
    let format = image::guess_format(bytes).map_err(|_| {
        Error::Image("unknown image format (expected JPEG, PNG, GIF or FITS)".into())
    })?;
    let img = image::load_from_memory_with_format(bytes, format)
        .map_err(|e| Error::Image(format!("corrupt {format:?} image: {e}")))?;
    if img.width() == 0 || img.height() == 0 {
        return Err(Error::Image("image has no pixels".into()));
    }
    Ok(img)
}

/// The preprocessing of a cutout before it meets the classifier.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Preprocess {
    /// Median filter radius in pixels: the window is (2r + 1)²; 0 switches the filter off.
    /// The seed does not give its window; we use 3 × 3 (r = 1).
    pub median_radius: u32,
    /// The seed's working size: images are scaled to this square first (340).
    pub working_size: u32,
    /// The classifier's input size (square).
    pub input_size: u32,
    /// Convert to greyscale (one channel) instead of keeping RGB.
    pub grayscale: bool,
}

impl Default for Preprocess {
    fn default() -> Self {
        Preprocess {
            median_radius: 1,
            working_size: 340,
            input_size: 64,
            grayscale: true,
        }
    }
}

/// Median filter, resize to `working_size`² (Lanczos), then to `input_size`² (triangle filter,
/// which averages over the shrink factor). Returns 8-bit Luma or RGB per `p.grayscale`.
pub fn preprocess(img: &DynamicImage, p: &Preprocess) -> Result<DynamicImage> {
    check_size("working_size", p.working_size as usize, 1)?;
    check_size("input_size", p.input_size as usize, 1)?;
    if p.median_radius > 50 {
        return Err(Error::invalid(
            "median_radius",
            p.median_radius,
            "must be at most 50 pixels",
        ));
    }
    if img.width() == 0 || img.height() == 0 {
        return Err(Error::Image("image has no pixels".into()));
    }
    let r = p.median_radius;
    let filtered = if p.grayscale {
        let g = img.to_luma8();
        DynamicImage::ImageLuma8(if r > 0 {
            imageproc::filter::median_filter(&g, r, r)
        } else {
            g
        })
    } else {
        let c = img.to_rgb8();
        DynamicImage::ImageRgb8(if r > 0 {
            imageproc::filter::median_filter(&c, r, r)
        } else {
            c
        })
    };
    let working = filtered.resize_exact(p.working_size, p.working_size, FilterType::Lanczos3);
    Ok(if p.input_size == p.working_size {
        working
    } else {
        working.resize_exact(p.input_size, p.input_size, FilterType::Triangle)
    })
}

/// Pixel values in [0, 1] as `channels × height × width` (channel-major, row-major), with the
/// channel count (1 for Luma, 3 for anything else): what a network input tensor wants.
pub fn to_chw_f32(img: &DynamicImage) -> (Vec<f32>, usize) {
    match img {
        DynamicImage::ImageLuma8(g) => (g.as_raw().iter().map(|&v| v as f32 / 255.0).collect(), 1),
        other => {
            let rgb = other.to_rgb8();
            let (w, h) = rgb.dimensions();
            let n = (w * h) as usize;
            let mut out = vec![0f32; 3 * n];
            for (k, px) in rgb.pixels().enumerate() {
                for c in 0..3 {
                    out[c * n + k] = px[c] as f32 / 255.0;
                }
            }
            (out, 3)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_filter_removes_salt_noise_and_sizes_are_right() {
        let mut g = image::GrayImage::from_pixel(40, 30, image::Luma([10]));
        g.put_pixel(20, 15, image::Luma([255]));
        let img = DynamicImage::ImageLuma8(g);
        let p = Preprocess {
            input_size: 34,
            ..Default::default()
        };
        let out = preprocess(&img, &p).unwrap();
        assert_eq!((out.width(), out.height()), (34, 34));
        assert!(out.to_luma8().pixels().all(|px| px[0] == 10));
        let p340 = Preprocess {
            input_size: 340,
            median_radius: 0,
            grayscale: false,
            ..Default::default()
        };
        let out = preprocess(&img, &p340).unwrap();
        assert_eq!((out.width(), out.height()), (340, 340));
        assert_eq!(to_chw_f32(&out).1, 3);
        assert!(
            preprocess(
                &img,
                &Preprocess {
                    input_size: 0,
                    ..Default::default()
                }
            )
            .is_err()
        );
    }

    #[test]
    fn corrupt_bytes_are_errors() {
        assert!(load_cutout_bytes(b"").is_err());
        assert!(load_cutout_bytes(b"hello world, not an image").is_err());
        // A PNG signature followed by garbage.
        let mut bad = b"\x89PNG\r\n\x1a\n".to_vec();
        bad.extend_from_slice(&[0u8; 40]);
        let e = load_cutout_bytes(&bad).unwrap_err();
        assert!(e.to_string().contains("corrupt"), "{e}");
    }
}
