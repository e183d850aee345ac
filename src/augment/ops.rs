//! The seed's image operations (§4) on single-channel float images, each built on imageproc or
//! image (no hand-written convolution or interpolation kernels):
//!
//! * [`smooth`]: Gaussian smoothing (`imageproc::filter::gaussian_blur_f32`);
//! * [`contrast_half`]: contrast of one half (top, bottom, left or right) changed relative to the
//!   other half — a per-pixel linear stretch about the image minimum (the background);
//! * [`rotate_deg`]: rotation by whole degrees about the image centre
//!   (`imageproc::geometric_transformations::rotate`, bilinear), corners filled with the median
//!   of the border pixels (the sky level) so no artificial edge appears;
//! * [`resize`]: resampling to a new size (`image::imageops::resize`, triangle filter, which
//!   widens its support when shrinking, so 450 → 340 → 256 does not alias);
//! * [`median_filter`]: the median filter the seed applies to SDSS images
//!   (`imageproc::filter::median_filter`, which works on 8-bit images: values are quantised to
//!   256 levels between the image minimum and maximum — the bit depth of the seed's GIF and JPEG
//!   inputs — and mapped back).

use crate::error::{Error, Result};
use crate::image::Image;
use image::{ImageBuffer, Luma};
use imageproc::geometric_transformations::{Interpolation, rotate};
use serde::{Deserialize, Serialize};

type FloatImage = ImageBuffer<Luma<f32>, Vec<f32>>;

/// Checks an image's size and pixels; `name` names it in the message.
pub fn check_image(name: &str, img: &Image) -> Result<()> {
    if img.width == 0 || img.height == 0 || img.data.len() != img.width * img.height {
        return Err(Error::invalid(
            name,
            format!(
                "{}×{} with {} pixels",
                img.width,
                img.height,
                img.data.len()
            ),
            "must be a non-empty image with width × height pixels",
        ));
    }
    if let Some(i) = img.data.iter().position(|v| !v.is_finite()) {
        return Err(Error::invalid(
            &format!("{name} pixel {i}"),
            img.data[i],
            "must be finite",
        ));
    }
    Ok(())
}

fn to_buffer(img: &Image) -> Result<FloatImage> {
    check_image("image", img)?;
    FloatImage::from_raw(img.width as u32, img.height as u32, img.data.clone())
        .ok_or_else(|| Error::Image("image buffer size mismatch".into()))
}

fn from_buffer(buf: FloatImage) -> Image {
    Image {
        width: buf.width() as usize,
        height: buf.height() as usize,
        data: buf.into_raw(),
    }
}

/// Gaussian smoothing with standard deviation `sigma_px` pixels (> 0).
pub fn smooth(img: &Image, sigma_px: f32) -> Result<Image> {
    crate::error::check_positive("sigma_px", sigma_px as f64)?;
    let buf = to_buffer(img)?;
    Ok(from_buffer(imageproc::filter::gaussian_blur_f32(
        &buf, sigma_px,
    )))
}

/// One half of an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Half {
    /// Rows `0..h/2` (row 0 at the top).
    Top,
    /// Rows `h/2..h`.
    Bottom,
    /// Columns `0..w/2`.
    Left,
    /// Columns `w/2..w`.
    Right,
}

impl Half {
    /// All four halves (horizontal and vertical splits).
    pub const ALL: [Half; 4] = [Half::Top, Half::Bottom, Half::Left, Half::Right];

    /// True when pixel (row, col) of a `width × height` image lies in this half.
    pub fn contains(self, row: usize, col: usize, width: usize, height: usize) -> bool {
        match self {
            Half::Top => row < height / 2,
            Half::Bottom => row >= height / 2,
            Half::Left => col < width / 2,
            Half::Right => col >= width / 2,
        }
    }
}

impl std::fmt::Display for Half {
    /// "top half", "bottom half", "left half", "right half" (for tables and figure labels).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let side = match self {
            Half::Top => "top",
            Half::Bottom => "bottom",
            Half::Left => "left",
            Half::Right => "right",
        };
        write!(f, "{side} half")
    }
}

/// Changes the contrast of `half` relative to the rest: there every pixel becomes
/// `lo + gain · (v − lo)` with `lo` the image minimum (the background stays, structure above it
/// is stretched by `gain`); the other half is unchanged. `gain` must be finite and > 0.
pub fn contrast_half(img: &Image, half: Half, gain: f32) -> Result<Image> {
    crate::error::check_positive("gain", gain as f64)?;
    check_image("image", img)?;
    let lo = img.data.iter().cloned().fold(f32::INFINITY, f32::min);
    let mut out = img.clone();
    for row in 0..img.height {
        for col in 0..img.width {
            if half.contains(row, col, img.width, img.height) {
                let v = &mut out.data[row * img.width + col];
                *v = lo + gain * (*v - lo);
            }
        }
    }
    Ok(out)
}

/// Median of the pixels on the image border (the sky level used to fill rotated corners).
pub fn border_median(img: &Image) -> Result<f32> {
    check_image("image", img)?;
    let (w, h) = (img.width, img.height);
    let mut border: Vec<f32> = (0..w * h)
        .filter(|p| {
            let (r, c) = (p / w, p % w);
            r == 0 || c == 0 || r == h - 1 || c == w - 1
        })
        .map(|p| img.data[p])
        .collect();
    border.sort_by(f32::total_cmp);
    Ok(border[border.len() / 2])
}

/// The left–right mirror image (columns reversed).
pub fn mirror(img: &Image) -> Image {
    let w = img.width;
    let data = img
        .data
        .chunks(w.max(1))
        .flat_map(|row| row.iter().rev().copied())
        .collect();
    Image {
        width: img.width,
        height: img.height,
        data,
    }
}

/// Rotates by exactly 90° anticlockwise as displayed (row 0 at the top), pixel for pixel (no
/// resampling, no fill): `out[r][c] = in[c][w − 1 − r]`, numpy's `rot90`. A `w × h` image
/// becomes `h × w`.
pub fn rot90(img: &Image) -> Image {
    let (w, h) = (img.width, img.height);
    let mut data = Vec::with_capacity(img.data.len());
    for r in 0..w {
        for c in 0..h {
            data.push(img.data[c * w + (w - 1 - r)]);
        }
    }
    Image {
        width: h,
        height: w,
        data,
    }
}

/// Rotates by `degrees` (whole degrees, any sign) anticlockwise as displayed (row 0 at the top)
/// about the image centre; the size is kept and the corners that come from outside the frame are
/// filled with [`border_median`]. A rotation by a multiple of 360° returns the image unchanged.
pub fn rotate_deg(img: &Image, degrees: i32) -> Result<Image> {
    check_image("image", img)?;
    if degrees.rem_euclid(360) == 0 {
        return Ok(img.clone());
    }
    let fill = border_median(img)?;
    let buf = to_buffer(img)?;
    // Pixel centres are at integer coordinates, so the centre of the frame is ((w−1)/2, (h−1)/2).
    let centre = (
        (img.width as f32 - 1.0) / 2.0,
        (img.height as f32 - 1.0) / 2.0,
    );
    // imageproc turns clockwise on screen for positive angles.
    let theta = -(degrees as f32).to_radians();
    Ok(from_buffer(rotate(
        &buf,
        centre,
        theta,
        Interpolation::Bilinear,
        Luma([fill]),
    )))
}

/// Resamples to `width × height` pixels (triangle filter).
pub fn resize(img: &Image, width: usize, height: usize) -> Result<Image> {
    crate::error::check_size("width", width, 1)?;
    crate::error::check_size("height", height, 1)?;
    if width > 16384 || height > 16384 {
        return Err(Error::invalid(
            "resize target",
            format!("{width}×{height}"),
            "must be at most 16384 pixels on a side",
        ));
    }
    let buf = to_buffer(img)?;
    if (width, height) == (img.width, img.height) {
        return Ok(img.clone());
    }
    Ok(from_buffer(image::imageops::resize(
        &buf,
        width as u32,
        height as u32,
        image::imageops::FilterType::Triangle,
    )))
}

/// Median filter over a `(2·radius + 1)²` window (values quantised to 256 levels, see the
/// module notes). `radius` must lie in 1..=16.
pub fn median_filter(img: &Image, radius: u32) -> Result<Image> {
    if !(1..=16).contains(&radius) {
        return Err(Error::invalid("radius", radius, "must lie in 1..=16"));
    }
    check_image("image", img)?;
    let lo = img.data.iter().cloned().fold(f32::INFINITY, f32::min);
    let hi = img.data.iter().cloned().fold(f32::NEG_INFINITY, f32::max);
    if hi <= lo {
        return Ok(img.clone());
    }
    let step = (hi - lo) / 255.0;
    let q: Vec<u8> = img
        .data
        .iter()
        .map(|&v| ((v - lo) / step).round().clamp(0.0, 255.0) as u8)
        .collect();
    let gray = image::GrayImage::from_raw(img.width as u32, img.height as u32, q)
        .ok_or_else(|| Error::Image("image buffer size mismatch".into()))?;
    let filtered = imageproc::filter::median_filter(&gray, radius, radius);
    Ok(Image {
        width: img.width,
        height: img.height,
        data: filtered
            .into_raw()
            .into_iter()
            .map(|v| lo + v as f32 * step)
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halves_read_as_words_and_name_the_half_they_change() {
        let names: Vec<String> = Half::ALL.iter().map(|h| h.to_string()).collect();
        assert_eq!(
            names,
            ["top half", "bottom half", "left half", "right half"]
        );
        // The name says which half `contains`: pixel (0, 0) of a 4 × 4 image is top and left.
        assert!(Half::Top.contains(0, 0, 4, 4) && Half::Left.contains(0, 0, 4, 4));
        assert!(!Half::Bottom.contains(0, 0, 4, 4) && !Half::Right.contains(0, 0, 4, 4));
    }

    /// An asymmetric test pattern: an off-centre blob plus a gradient.
    fn pattern(w: usize, h: usize) -> Image {
        let data = (0..w * h)
            .map(|p| {
                let (r, c) = ((p / w) as f32, (p % w) as f32);
                let d2 = (r - h as f32 * 0.35).powi(2) + (c - w as f32 * 0.6).powi(2);
                (-d2 / 18.0).exp() + 0.01 * c
            })
            .collect();
        Image {
            width: w,
            height: h,
            data,
        }
    }

    #[test]
    fn rotation_by_90_is_a_transpose_and_flip() {
        let img = pattern(33, 33);
        let rot = rotate_deg(&img, 90).unwrap();
        // Anticlockwise by 90° on screen: out[r][c] = in[c][w − 1 − r] (numpy's rot90).
        let n = 33;
        let mut worst = 0.0f32;
        for r in 1..n - 1 {
            for c in 1..n - 1 {
                let want = img.at(c, n - 1 - r);
                worst = worst.max((rot.at(r, c) - want).abs());
            }
        }
        assert!(worst < 1e-3, "max difference {worst}");
        // 360° is the identity; −90° undoes +90° in the interior.
        assert_eq!(rotate_deg(&img, 360).unwrap(), img);
        let back = rotate_deg(&rot, -90).unwrap();
        assert!((back.at(10, 20) - img.at(10, 20)).abs() < 1e-3);
    }

    #[test]
    fn rot90_is_exact_and_agrees_with_the_resampled_rotation() {
        let img = pattern(33, 33);
        let r = rot90(&img);
        // Pixel for pixel the definition, edges included.
        for row in 0..33 {
            for c in 0..33 {
                assert_eq!(r.at(row, c), img.at(c, 32 - row));
            }
        }
        // The resampled 90° rotation agrees in the interior (its edge rows are interpolated).
        let resampled = rotate_deg(&img, 90).unwrap();
        assert!((resampled.at(10, 20) - r.at(10, 20)).abs() < 1e-3);
        // Four turns are the identity; a 3 × 2 image becomes 2 × 3 with the corners moved.
        assert_eq!(rot90(&rot90(&rot90(&r))), img);
        let small = Image {
            width: 3,
            height: 2,
            data: vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
        };
        let turned = rot90(&small);
        assert_eq!((turned.width, turned.height), (2, 3));
        assert_eq!(turned.data, vec![3.0, 6.0, 2.0, 5.0, 1.0, 4.0]);
    }

    #[test]
    fn rotation_keeps_the_flux_of_a_centred_source_and_fills_with_sky() {
        let w = 41;
        let data = (0..w * w)
            .map(|p| {
                let (r, c) = ((p / w) as f32 - 20.0, (p % w) as f32 - 20.0);
                1.0 + (-(r * r + c * c) / 8.0).exp()
            })
            .collect();
        let img = Image {
            width: w,
            height: w,
            data,
        };
        let rot = rotate_deg(&img, 37).unwrap();
        // Corners come from outside: filled with the sky (border median = 1).
        assert!((rot.at(0, 0) - 1.0).abs() < 1e-6);
        assert!((rot.sum() - img.sum()).abs() / img.sum() < 1e-3);
    }

    #[test]
    fn contrast_changes_only_the_chosen_half() {
        let img = pattern(20, 16);
        for half in Half::ALL {
            let out = contrast_half(&img, half, 1.8).unwrap();
            for r in 0..16 {
                for c in 0..20 {
                    let (a, b) = (img.at(r, c), out.at(r, c));
                    if half.contains(r, c, 20, 16) {
                        let lo = img.data.iter().cloned().fold(f32::INFINITY, f32::min);
                        assert!((b - (lo + 1.8 * (a - lo))).abs() < 1e-6);
                    } else {
                        assert_eq!(a, b, "{half:?} changed ({r}, {c})");
                    }
                }
            }
        }
        assert!(contrast_half(&img, Half::Top, f32::NAN).is_err());
        assert!(contrast_half(&img, Half::Top, 0.0).is_err());
    }

    #[test]
    fn median_removes_an_isolated_hot_pixel() {
        let mut img = Image {
            width: 9,
            height: 9,
            data: vec![2.0; 81],
        };
        img.data[4 * 9 + 4] = 500.0;
        let out = median_filter(&img, 1).unwrap();
        assert!(out.data.iter().all(|&v| (v - 2.0).abs() < 1e-6), "{out:?}");
        assert!(median_filter(&img, 0).is_err());
    }

    #[test]
    fn smoothing_and_resizing_keep_the_mean_level() {
        let img = pattern(64, 64);
        let s = smooth(&img, 2.0).unwrap();
        let peak = |i: &Image| i.data.iter().cloned().fold(f32::MIN, f32::max);
        assert!(peak(&s) < peak(&img));
        assert!(smooth(&img, 0.0).is_err());
        let small = resize(&img, 48, 48).unwrap();
        assert_eq!(
            (small.width, small.height, small.data.len()),
            (48, 48, 2304)
        );
        let mean = |i: &Image| i.sum() / i.data.len() as f64;
        assert!((mean(&small) - mean(&img)).abs() < 0.01);
        assert!(resize(&img, 0, 4).is_err());
        let bad = Image {
            width: 3,
            height: 3,
            data: vec![0.0; 8],
        };
        assert!(smooth(&bad, 1.0).unwrap_err().to_string().contains("3×3"));
    }
}
