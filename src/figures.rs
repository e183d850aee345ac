//! Image figures for notebooks and the CLI: montages of labelled panels (seed 001 Figs 9–10,
//! seed 000 Figs A1–A3) and isophote overlays (seed 001 Fig 8). Text uses the bundled DejaVu Sans
//! (`data/fonts/`); contours come from imageproc's border following on thresholded images.

use crate::display::{Png, Stretch, gray_image};
use crate::error::{Error, Result, check_size};
use crate::image::Image;
use ab_glyph::FontRef;
use image::{Rgb, RgbImage};

fn font() -> Result<FontRef<'static>> {
    FontRef::try_from_slice(crate::plot::FONT_BYTES).map_err(|e| Error::Image(e.to_string()))
}

/// Scales `img` up by an integer factor (nearest neighbour, keeps pixels visible) as RGB.
fn upscale_rgb(gray: &image::GrayImage, factor: u32) -> RgbImage {
    let (w, h) = gray.dimensions();
    RgbImage::from_fn(w * factor, h * factor, |x, y| {
        let v = gray.get_pixel(x / factor, y / factor)[0];
        Rgb([v, v, v])
    })
}

/// A grid of panels, `cols` per row, each scaled up by `zoom`, with an optional label drawn at the
/// top of each panel (and an optional second label at the bottom).
pub fn montage(
    images: &[Image],
    cols: usize,
    zoom: u32,
    stretch: Stretch,
    top_labels: Option<&[String]>,
    bottom_labels: Option<&[String]>,
) -> Result<Png> {
    check_size("number of images", images.len(), 1)?;
    check_size("cols", cols, 1)?;
    if !(1..=16).contains(&zoom) {
        return Err(Error::invalid("zoom", zoom, "must lie in [1, 16]"));
    }
    for (name, labels) in [("top_labels", top_labels), ("bottom_labels", bottom_labels)] {
        if let Some(l) = labels
            && l.len() != images.len()
        {
            return Err(Error::invalid(
                name,
                l.len(),
                format!("need one label per image ({})", images.len()),
            ));
        }
    }
    let (w, h) = (
        images[0].width as u32 * zoom,
        images[0].height as u32 * zoom,
    );
    if images
        .iter()
        .any(|i| i.width as u32 * zoom != w || i.height as u32 * zoom != h)
    {
        return Err(Error::invalid(
            "images",
            "mixed sizes",
            "all panels must have the same size",
        ));
    }
    let pad = 4u32;
    let rows = images.len().div_ceil(cols) as u32;
    let mut canvas = RgbImage::from_pixel(
        cols as u32 * (w + pad) + pad,
        rows * (h + pad) + pad,
        Rgb([255, 255, 255]),
    );
    let f = font()?;
    let scale = ab_glyph::PxScale::from((h as f32 / 9.0).clamp(10.0, 28.0));
    for (k, img) in images.iter().enumerate() {
        let panel = upscale_rgb(
            &gray_image(&img.data, img.width, img.height, stretch)?,
            zoom,
        );
        let (x0, y0) = (
            pad + (k % cols) as u32 * (w + pad),
            pad + (k / cols) as u32 * (h + pad),
        );
        image::imageops::overlay(&mut canvas, &panel, x0 as i64, y0 as i64);
        if let Some(l) = top_labels {
            imageproc::drawing::draw_text_mut(
                &mut canvas,
                Rgb([255, 220, 0]),
                x0 as i32 + 3,
                y0 as i32 + 2,
                scale,
                &f,
                &l[k],
            );
        }
        if let Some(l) = bottom_labels {
            let y = (y0 + h) as i32 - scale.y as i32 - 3;
            imageproc::drawing::draw_text_mut(
                &mut canvas,
                Rgb([0, 230, 255]),
                x0 as i32 + 3,
                y,
                scale,
                &f,
                &l[k],
            );
        }
    }
    Png::from_image(&image::DynamicImage::ImageRgb8(canvas))
}

/// The image (log stretch) with isophotes: curves of constant surface brightness at `levels`
/// values spaced evenly in log flux between the peak and `dex` decades below it.
pub fn isophotes(img: &Image, levels: usize, dex: f64, zoom: u32) -> Result<Png> {
    check_size("levels", levels, 1)?;
    crate::error::check_positive("dex", dex)?;
    if !(1..=16).contains(&zoom) {
        return Err(Error::invalid("zoom", zoom, "must lie in [1, 16]"));
    }
    let peak = img.data.iter().cloned().fold(f32::NEG_INFINITY, f32::max) as f64;
    if !(peak > 0.0 && peak.is_finite()) {
        return Err(Error::invalid(
            "image peak",
            peak,
            "must be a positive finite flux",
        ));
    }
    // log10 flux mapped to 0..255 over [peak − dex, peak].
    let logs: Vec<f32> = img
        .data
        .iter()
        .map(|&v| {
            let l = ((v as f64).max(peak * 10f64.powf(-dex)) / peak).log10();
            (255.0 * (1.0 + l / dex)) as f32
        })
        .collect();
    let base = gray_image(&img.data, img.width, img.height, Stretch::Log)?;
    let mut canvas = upscale_rgb(&base, zoom);
    // Smooth (bilinear) log map at display resolution, so contours follow the light, not pixels.
    let logmap = image::ImageBuffer::<image::Luma<u8>, Vec<u8>>::from_raw(
        img.width as u32,
        img.height as u32,
        logs.iter()
            .map(|v| v.round().clamp(0.0, 255.0) as u8)
            .collect(),
    )
    .ok_or_else(|| Error::Image("size mismatch".into()))?;
    let smooth = image::imageops::resize(
        &logmap,
        img.width as u32 * zoom,
        img.height as u32 * zoom,
        image::imageops::FilterType::Triangle,
    );
    let palette = [
        Rgb([255, 80, 80]),
        Rgb([255, 200, 0]),
        Rgb([80, 220, 80]),
        Rgb([80, 180, 255]),
    ];
    for k in 0..levels {
        let t = (255.0 * (k as f64 + 0.5) / levels as f64) as u8;
        for c in imageproc::contours::find_contours_with_threshold::<i32>(&smooth, t) {
            let pts = &c.points;
            for j in 0..pts.len() {
                let (a, b) = (pts[j], pts[(j + 1) % pts.len()]);
                imageproc::drawing::draw_line_segment_mut(
                    &mut canvas,
                    (a.x as f32, a.y as f32),
                    (b.x as f32, b.y as f32),
                    palette[k % palette.len()],
                );
            }
        }
    }
    Png::from_image(&image::DynamicImage::ImageRgb8(canvas))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blob(w: usize) -> Image {
        let c = (w as f32 - 1.0) / 2.0;
        let data = (0..w * w)
            .map(|p| {
                let (x, y) = ((p % w) as f32 - c, (p / w) as f32 - c);
                (-(x * x + y * y) / 20.0).exp()
            })
            .collect();
        Image {
            width: w,
            height: w,
            data,
        }
    }

    #[test]
    fn montage_has_the_expected_size_and_checks_labels() {
        let imgs = vec![blob(16), blob(16), blob(16)];
        let labels: Vec<String> = vec!["a".into(), "b".into(), "c".into()];
        let png = montage(&imgs, 2, 2, Stretch::Linear, Some(&labels), None).unwrap();
        assert_eq!((png.width(), png.height()), (2 * 36 + 4, 2 * 36 + 4));
        assert!(montage(&imgs, 2, 2, Stretch::Linear, Some(&labels[..2]), None).is_err());
        assert!(montage(&[], 2, 2, Stretch::Linear, None, None).is_err());
    }

    #[test]
    fn isophotes_draw_coloured_rings() {
        let png = isophotes(&blob(32), 3, 3.0, 4).unwrap();
        let rgb = image::load_from_memory(png.bytes()).unwrap().to_rgb8();
        let coloured = rgb
            .pixels()
            .filter(|p| p[0] != p[1] || p[1] != p[2])
            .count();
        assert!(coloured > 50, "{coloured} contour pixels");
        let zero = Image {
            width: 4,
            height: 4,
            data: vec![0.0; 16],
        };
        assert!(isophotes(&zero, 3, 3.0, 4).is_err());
    }
}
