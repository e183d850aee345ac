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
/// top of each panel (and an optional second label at the bottom). [`Montage`] adds a scale bar
/// and a colour bar.
pub fn montage(
    images: &[Image],
    cols: usize,
    zoom: u32,
    stretch: Stretch,
    top_labels: Option<&[String]>,
    bottom_labels: Option<&[String]>,
) -> Result<Png> {
    let mut m = Montage::new(images, cols).zoom(zoom).stretch(stretch);
    if let Some(l) = top_labels {
        m = m.top_labels(l);
    }
    if let Some(l) = bottom_labels {
        m = m.bottom_labels(l);
    }
    m.render()
}

/// A montage of same-size images, built step by step:
///
/// ```no_run
/// # use galaxy_lab::prelude::*;
/// # fn f(images: &[Image], labels: &[String]) -> Result<Png> {
/// Montage::new(images, 4)
///     .zoom(3)
///     .stretch(Stretch::Log)
///     .top_labels(labels)
///     .scale_bar(12.0, "R_e = 12 px")
///     .colour_bar()
///     .render()
/// # }
/// ```
///
/// Each panel is stretched between its own minimum and maximum (as [`gray_image`] does), so the
/// colour bar's ticks are fractions of a panel's range: (value − min) / (max − min).
#[derive(Debug, Clone)]
pub struct Montage<'a> {
    images: &'a [Image],
    cols: usize,
    zoom: u32,
    stretch: Stretch,
    top_labels: Option<&'a [String]>,
    bottom_labels: Option<&'a [String]>,
    scale_bar: Option<(f64, String)>,
    panel_scale_bars: Option<&'a [(f64, String)]>,
    colour_bar: bool,
}

impl<'a> Montage<'a> {
    /// `images` in rows of `cols`, zoom 1, linear stretch, no labels or bars.
    pub fn new(images: &'a [Image], cols: usize) -> Self {
        Montage {
            images,
            cols,
            zoom: 1,
            stretch: Stretch::Linear,
            top_labels: None,
            bottom_labels: None,
            scale_bar: None,
            panel_scale_bars: None,
            colour_bar: false,
        }
    }

    /// Each image pixel becomes `zoom × zoom` display pixels (1–16).
    pub fn zoom(self, zoom: u32) -> Self {
        Montage { zoom, ..self }
    }

    /// How values map to grey.
    pub fn stretch(self, stretch: Stretch) -> Self {
        Montage { stretch, ..self }
    }

    /// One label per image, drawn at the top of its panel.
    pub fn top_labels(self, labels: &'a [String]) -> Self {
        Montage {
            top_labels: Some(labels),
            ..self
        }
    }

    /// One label per image, drawn at the bottom of its panel.
    pub fn bottom_labels(self, labels: &'a [String]) -> Self {
        Montage {
            bottom_labels: Some(labels),
            ..self
        }
    }

    /// A bar `pixels` image pixels long, labelled, in the first panel's lower right corner.
    pub fn scale_bar(self, pixels: f64, label: impl Into<String>) -> Self {
        Montage {
            scale_bar: Some((pixels, label.into())),
            ..self
        }
    }

    /// One scale bar per panel, `(length in image pixels, label)`, drawn under it (for panels
    /// that each have their own frame, as the pair datasets' images do: [`kpc_scale_bar`] picks
    /// one).
    pub fn panel_scale_bars(self, bars: &'a [(f64, String)]) -> Self {
        Montage {
            panel_scale_bars: Some(bars),
            ..self
        }
    }

    /// A colour bar right of the panels, its ticks in fractions of each panel's range.
    pub fn colour_bar(self) -> Self {
        Montage {
            colour_bar: true,
            ..self
        }
    }

    /// Draws the montage; errors name a bad setting (no images, zoom, label or scale-bar
    /// counts, mixed sizes, a scale bar that does not fit the panel, non-finite pixels).
    pub fn render(&self) -> Result<Png> {
        let (images, cols, zoom) = (self.images, self.cols, self.zoom);
        check_size("number of images", images.len(), 1)?;
        check_size("cols", cols, 1)?;
        if !(1..=16).contains(&zoom) {
            return Err(Error::invalid("zoom", zoom, "must lie in [1, 16]"));
        }
        for (name, labels) in [
            ("top_labels", self.top_labels),
            ("bottom_labels", self.bottom_labels),
        ] {
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
        if let Some(bars) = self.panel_scale_bars
            && bars.len() != images.len()
        {
            return Err(Error::invalid(
                "panel_scale_bars",
                bars.len(),
                format!("need one scale bar per image ({})", images.len()),
            ));
        }
        let bars = self
            .scale_bar
            .iter()
            .chain(self.panel_scale_bars.unwrap_or(&[]));
        for (px, _) in bars {
            check_scale_bar(*px, images[0].width)?;
        }
        let pad = 4u32;
        // Panel scale bars sit on a white strip under each panel, clear of the panels' labels.
        let under = if self.panel_scale_bars.is_some() {
            16
        } else {
            0
        };
        let rows = images.len().div_ceil(cols) as u32;
        let grid_w = cols as u32 * (w + pad) + pad;
        let grid_h = rows * (h + under + pad) + pad;
        let f = font()?;
        let scale = ab_glyph::PxScale::from((h as f32 / 9.0).clamp(10.0, 28.0));
        // Room for the colour bar: strip, ticks and their labels, and a title line above.
        let (bar_w, top) = if self.colour_bar { (70, 18) } else { (0, 0) };
        let mut canvas = RgbImage::from_pixel(grid_w + bar_w, grid_h + top, Rgb([255, 255, 255]));
        for (k, img) in images.iter().enumerate() {
            let panel = upscale_rgb(
                &gray_image(&img.data, img.width, img.height, self.stretch)?,
                zoom,
            );
            let (x0, y0) = (
                pad + (k % cols) as u32 * (w + pad),
                top + pad + (k / cols) as u32 * (h + under + pad),
            );
            image::imageops::overlay(&mut canvas, &panel, x0 as i64, y0 as i64);
            if let Some(l) = self.top_labels {
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
            if let Some(l) = self.bottom_labels {
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
            if k == 0
                && let Some((px, label)) = &self.scale_bar
            {
                draw_scale_bar(
                    &mut canvas,
                    (x0 + w, y0 + h),
                    x0,
                    *px * zoom as f64,
                    label,
                    &f,
                );
            }
            if let Some(bars) = self.panel_scale_bars {
                let (px, label) = &bars[k];
                draw_bar_under_panel(&mut canvas, (x0, y0 + h), w, *px * zoom as f64, label, &f);
            }
        }
        if self.colour_bar {
            self.draw_colour_bar(&mut canvas, grid_w, top + pad, grid_h - 2 * pad, &f)?;
        }
        Png::from_image(&image::DynamicImage::ImageRgb8(canvas))
    }

    /// A vertical grey strip at `x0`, `top` to `top + height`, with ticks at fractions of a
    /// panel's range placed where the stretch puts them.
    fn draw_colour_bar(
        &self,
        canvas: &mut RgbImage,
        x0: u32,
        top: u32,
        height: u32,
        f: &FontRef<'static>,
    ) -> Result<()> {
        let small = ab_glyph::PxScale::from(12.0);
        let strip = 14u32;
        // The grey of a value at fraction x of the range, as gray_image maps it.
        let grey = |x: f32| -> f32 {
            let g = gray_image(&[0.0, x, 1.0], 3, 1, self.stretch).map(|g| g.get_pixel(1, 0)[0]);
            g.map_or(0.0, |g| g as f32 / 255.0)
        };
        for y in 0..height {
            // Top is white (a panel's maximum), bottom black (its minimum).
            let want = 1.0 - y as f32 / (height - 1).max(1) as f32;
            let v = (255.0 * want).round() as u8;
            for x in 0..strip {
                canvas.put_pixel(x0 + 4 + x, top + y, Rgb([v, v, v]));
            }
        }
        let ticks: &[f32] = match self.stretch {
            Stretch::Linear => &[0.0, 0.25, 0.5, 0.75, 1.0],
            Stretch::Log | Stretch::Asinh => &[0.0, 0.001, 0.01, 0.1, 1.0],
        };
        for &t in ticks {
            let y = top + ((1.0 - grey(t)) * (height - 1) as f32).round() as u32;
            let black = Rgb([0, 0, 0]);
            for x in 0..5 {
                canvas.put_pixel(x0 + 4 + strip + x, y, black);
            }
            let label = if t == 0.0 || t >= 0.25 {
                format!("{t}")
            } else {
                format!("1e{}", t.log10().round())
            };
            imageproc::drawing::draw_text_mut(
                canvas,
                black,
                (x0 + 4 + strip + 7) as i32,
                (y as i32 - 6).clamp(top as i32 - 6, (top + height) as i32 - 12),
                small,
                f,
                &label,
            );
        }
        let title = "(value − min) / (max − min)";
        let (tw, _) = imageproc::drawing::text_size(small, f, title);
        imageproc::drawing::draw_text_mut(
            canvas,
            Rgb([0, 0, 0]),
            canvas.width() as i32 - tw as i32 - 2,
            top as i32 - 18,
            small,
            f,
            title,
        );
        Ok(())
    }
}

/// Checks that a scale bar `px` image pixels long fits a panel `width` pixels wide (≤ 80 %).
fn check_scale_bar(px: f64, width: usize) -> Result<()> {
    if px.is_finite() && px >= 1.0 && px <= 0.8 * width as f64 {
        return Ok(());
    }
    Err(Error::invalid(
        "scale bar length (pixels)",
        px,
        format!(
            "must lie in [1, {:.0}] (80 % of the panel width)",
            0.8 * width as f64
        ),
    ))
}

/// A white bar `len` display pixels long with its label above it, ending 6 pixels left of and
/// 8 above the panel's lower right corner `corner`; the label starts no further left than `x_min`.
fn draw_scale_bar(
    canvas: &mut RgbImage,
    corner: (u32, u32),
    x_min: u32,
    len: f64,
    label: &str,
    f: &FontRef<'static>,
) {
    let small = ab_glyph::PxScale::from(12.0);
    // Signed arithmetic: on a panel smaller than the margins the bar is clipped, not a panic.
    let len = len.round().max(1.0) as u32;
    let (xr, yb) = (corner.0 as i32 - 6, corner.1 as i32 - 8);
    let bar = imageproc::rect::Rect::at(xr - len as i32, yb).of_size(len, 3);
    imageproc::drawing::draw_filled_rect_mut(canvas, bar, Rgb([255, 255, 255]));
    let (tw, _) = imageproc::drawing::text_size(small, f, label);
    imageproc::drawing::draw_text_mut(
        canvas,
        Rgb([255, 255, 255]),
        (xr - tw as i32).max(x_min as i32 + 2),
        yb - small.y as i32 - 2,
        small,
        f,
        label,
    );
}

/// A black bar `len` display pixels long with its label right of it (left of it where the label
/// would leave the panel's `width`), on the white strip under a panel whose lower left corner is
/// `corner`.
fn draw_bar_under_panel(
    canvas: &mut RgbImage,
    corner: (u32, u32),
    width: u32,
    len: f64,
    label: &str,
    f: &FontRef<'static>,
) {
    let small = ab_glyph::PxScale::from(12.0);
    let len = len.round().max(1.0) as u32;
    let (x0, y0) = (corner.0 as i32, corner.1 as i32);
    let (tw, _) = imageproc::drawing::text_size(small, f, label);
    let (bar_x, text_x) = if len + 4 + tw <= width {
        (x0, x0 + len as i32 + 4)
    } else {
        (x0 + width as i32 - len as i32, x0)
    };
    let bar = imageproc::rect::Rect::at(bar_x, y0 + 6).of_size(len, 3);
    imageproc::drawing::draw_filled_rect_mut(canvas, bar, Rgb([0, 0, 0]));
    imageproc::drawing::draw_text_mut(canvas, Rgb([0, 0, 0]), text_x, y0 + 1, small, f, label);
}

/// A scale bar for a panel `width_px` pixels wide of `pixel_kpc` kpc each: the longest of 1, 2,
/// 5, 10, 20, 50, 100, 200 or 500 kpc that covers at most 30 % of the width (at least 1 pixel),
/// as `(length in pixels, "N kpc")` for [`Montage::scale_bar`] or [`Montage::panel_scale_bars`].
pub fn kpc_scale_bar(pixel_kpc: f64, width_px: usize) -> Result<(f64, String)> {
    crate::error::check_positive("pixel_kpc", pixel_kpc)?;
    check_size("panel width (pixels)", width_px, 4)?;
    let fits = |kpc: f64| kpc / pixel_kpc <= 0.3 * width_px as f64 && kpc / pixel_kpc >= 1.0;
    [500.0, 200.0, 100.0, 50.0, 20.0, 10.0, 5.0, 2.0, 1.0]
        .into_iter()
        .find(|&kpc| fits(kpc))
        .map(|kpc| (kpc / pixel_kpc, format!("{kpc} kpc")))
        .ok_or_else(|| {
            Error::invalid(
                "pixel_kpc",
                pixel_kpc,
                format!(
                    "no bar of 1–500 kpc fits 1 to {:.1} pixels",
                    0.3 * width_px as f64
                ),
            )
        })
}

/// One [`kpc_scale_bar`] per panel `size` pixels wide from each image's pixel size in kpc, or
/// `None` when any image's frame is unknown (a montage then draws no bars rather than some).
pub fn panel_kpc_bars(
    pixel_kpc: &[Option<f64>],
    size: usize,
) -> Result<Option<Vec<(f64, String)>>> {
    pixel_kpc
        .iter()
        .map(|p| p.map(|kpc| kpc_scale_bar(kpc, size)).transpose())
        .collect::<Result<Option<Vec<_>>>>()
}

/// The isophote levels [`isophotes`] draws, in decades below the peak (log10 of flux / peak),
/// brightest first: `levels` values evenly spaced between 0 and `-dex`, at the middle of each
/// step.
pub fn isophote_levels(levels: usize, dex: f64) -> Vec<f64> {
    (0..levels)
        .rev()
        .map(|k| -dex + dex * (k as f64 + 0.5) / levels as f64)
        .collect()
}

/// Distinct colours of the isophotes, one per level (brightest first).
const ISOPHOTE_COLOURS: [[u8; 3]; 8] = [
    [255, 60, 60],
    [255, 150, 0],
    [255, 230, 0],
    [80, 220, 80],
    [0, 210, 210],
    [80, 150, 255],
    [190, 110, 255],
    [255, 110, 200],
];

/// The image (log stretch) with isophotes: curves of constant surface brightness at `levels`
/// (1–8) values spaced evenly in log flux between the peak and `dex` decades below it
/// ([`isophote_levels`]), each in its own colour, with a legend of the levels below the image.
pub fn isophotes(img: &Image, levels: usize, dex: f64, zoom: u32) -> Result<Png> {
    isophotes_drawn(img, levels, dex, zoom, None)
}

/// [`isophotes`] with a scale bar `bar.0` image pixels long, labelled `bar.1`, in the lower right
/// corner of the image.
pub fn isophotes_with_scale_bar(
    img: &Image,
    levels: usize,
    dex: f64,
    zoom: u32,
    bar: (f64, &str),
) -> Result<Png> {
    isophotes_drawn(img, levels, dex, zoom, Some(bar))
}

fn isophotes_drawn(
    img: &Image,
    levels: usize,
    dex: f64,
    zoom: u32,
    bar: Option<(f64, &str)>,
) -> Result<Png> {
    if !(1..=ISOPHOTE_COLOURS.len()).contains(&levels) {
        return Err(Error::invalid(
            "levels",
            levels,
            format!("must lie in [1, {}]", ISOPHOTE_COLOURS.len()),
        ));
    }
    crate::error::check_positive("dex", dex)?;
    if !(1..=16).contains(&zoom) {
        return Err(Error::invalid("zoom", zoom, "must lie in [1, 16]"));
    }
    if let Some((px, _)) = bar {
        check_scale_bar(px, img.width)?;
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
    let values = isophote_levels(levels, dex);
    for (k, level) in values.iter().enumerate() {
        // The contour threshold on the 0..255 log map, (1 + level / dex) · 255.
        let t = (255.0 * (1.0 + level / dex)).round() as u8;
        for c in imageproc::contours::find_contours_with_threshold::<i32>(&smooth, t) {
            let pts = &c.points;
            for j in 0..pts.len() {
                let (a, b) = (pts[j], pts[(j + 1) % pts.len()]);
                imageproc::drawing::draw_line_segment_mut(
                    &mut canvas,
                    (a.x as f32, a.y as f32),
                    (b.x as f32, b.y as f32),
                    Rgb(ISOPHOTE_COLOURS[k]),
                );
            }
        }
    }
    let f = font()?;
    if let Some((px, label)) = bar {
        let (w, h) = canvas.dimensions();
        draw_scale_bar(&mut canvas, (w, h), 0, px * zoom as f64, label, &f);
    }
    // The legend: a swatch and the level of each isophote, four to a row.
    let small = ab_glyph::PxScale::from(13.0);
    let (cell, row_h) = (96u32, 18u32);
    let per_row = (canvas.width() / cell).clamp(1, 4);
    let rows = (levels as u32).div_ceil(per_row);
    let title_h = 18;
    let mut out = RgbImage::from_pixel(
        canvas.width().max(per_row * cell),
        canvas.height() + title_h + rows * row_h + 4,
        Rgb([255, 255, 255]),
    );
    image::imageops::overlay(&mut out, &canvas, 0, 0);
    let black = Rgb([0, 0, 0]);
    let y0 = canvas.height() + 2;
    imageproc::drawing::draw_text_mut(
        &mut out,
        black,
        4,
        y0 as i32,
        small,
        &f,
        "isophotes: log10(flux / peak)",
    );
    for (k, level) in values.iter().enumerate() {
        let (c, r) = (k as u32 % per_row, k as u32 / per_row);
        let (x, y) = (4 + c * cell, y0 + title_h + r * row_h);
        let swatch = imageproc::rect::Rect::at(x as i32, y as i32 + 5).of_size(22, 4);
        imageproc::drawing::draw_filled_rect_mut(&mut out, swatch, Rgb(ISOPHOTE_COLOURS[k]));
        imageproc::drawing::draw_text_mut(
            &mut out,
            black,
            x as i32 + 26,
            y as i32,
            small,
            &f,
            &format!("{level:.2}"),
        );
    }
    Png::from_image(&image::DynamicImage::ImageRgb8(out))
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
        assert!(isophotes(&blob(32), 9, 3.0, 4).is_err(), "only 8 colours");
        // A legend below the image.
        assert!(png.height() > 32 * 4 + 18);
    }

    #[test]
    fn isophote_levels_are_evenly_spaced_below_the_peak() {
        let l = isophote_levels(6, 3.0);
        assert_eq!(l.len(), 6);
        assert!(
            (l[0] + 0.25).abs() < 1e-12 && (l[5] + 2.75).abs() < 1e-12,
            "{l:?}"
        );
        assert!(l.windows(2).all(|w| (w[0] - w[1] - 0.5).abs() < 1e-12));
    }

    #[test]
    fn montage_scale_and_colour_bars() {
        let imgs = vec![blob(16), blob(16)];
        let plain = Montage::new(&imgs, 2).zoom(4).render().unwrap();
        let with = Montage::new(&imgs, 2)
            .zoom(4)
            .stretch(Stretch::Log)
            .scale_bar(8.0, "8 px")
            .colour_bar()
            .render()
            .unwrap();
        assert!(with.width() > plain.width() && with.height() > plain.height());
        // The colour bar's strip runs from white (top) to black (bottom).
        let rgb = image::load_from_memory(with.bytes()).unwrap().to_rgb8();
        let x = plain.width() + 8;
        let top = rgb.get_pixel(x, 18 + 4)[0];
        let bottom = rgb.get_pixel(x, rgb.height() - 5)[0];
        assert!(top > 250 && bottom < 5, "{top} {bottom}");
        // The scale bar: a white run 8 × 4 = 32 display pixels long in the first panel.
        let row = 18 + 4 + 16 * 4 - 8 + 1;
        let run = (4..4 + 64)
            .filter(|&x| rgb.get_pixel(x, row)[0] == 255)
            .count();
        assert!(run >= 32, "{run}");
        let too_long = Montage::new(&imgs, 2).scale_bar(15.0, "x").render();
        assert!(too_long.unwrap_err().to_string().contains("scale bar"));
        let nan = Montage::new(&imgs, 2).scale_bar(f64::NAN, "x").render();
        assert!(nan.is_err());
    }

    /// Pixels of colour `c` in row `row` of `rgb` between columns `x0` and `x1`.
    fn run_of(rgb: &RgbImage, c: u8, row: u32, x0: u32, x1: u32) -> usize {
        (x0..x1)
            .filter(|&x| rgb.get_pixel(x, row).0 == [c; 3])
            .count()
    }

    #[test]
    fn every_panel_gets_its_own_scale_bar() {
        // Dark panels on the white canvas; the bars are black, on the strip under each panel.
        let dark = Image {
            width: 16,
            height: 16,
            data: (0..256).map(|v| if v == 0 { 1.0 } else { 0.0 }).collect(),
        };
        let imgs = vec![dark.clone(), dark];
        let bars = vec![(4.0, String::new()), (10.0, String::new())];
        let png = Montage::new(&imgs, 2)
            .zoom(2)
            .panel_scale_bars(&bars)
            .render()
            .unwrap();
        let rgb = image::load_from_memory(png.bytes()).unwrap().to_rgb8();
        // Panels are 32 display pixels wide at x = 4 and 40; each bar is black on the white
        // strip under its panel, 7 pixels below it, and the panels keep their size.
        let row = 4 + 32 + 7;
        assert_eq!(run_of(&rgb, 0, row, 4, 36), 8);
        assert_eq!(run_of(&rgb, 0, row, 40, 72), 20);
        assert_eq!(run_of(&rgb, 0, row + 4, 4, 72), 0);
        assert_eq!(png.height(), 4 + 32 + 16 + 4);
        // The panels keep their size: dark to their last row (y = 35), white strip from y = 36.
        assert_eq!(rgb.get_pixel(35, 35).0, [0; 3]);
        assert_eq!(rgb.get_pixel(35, 36).0, [255; 3]);
        let one = Montage::new(&imgs, 2).panel_scale_bars(&bars[..1]).render();
        assert!(one.unwrap_err().to_string().contains("panel_scale_bars"));
        let long = vec![(4.0, String::new()), (13.0, String::new())];
        let too_long = Montage::new(&imgs, 2).panel_scale_bars(&long).render();
        assert!(too_long.unwrap_err().to_string().contains("scale bar"));
    }

    #[test]
    fn kpc_scale_bar_is_the_longest_round_length_within_30_percent() {
        // 64 pixels of 1 kpc: 19.2 px allowed → 10 kpc = 10 px.
        assert_eq!(kpc_scale_bar(1.0, 64).unwrap(), (10.0, "10 kpc".into()));
        // 128 pixels of 1.5 kpc: 38.4 px = 57.6 kpc allowed → 50 kpc = 33.3 px.
        let (px, label) = kpc_scale_bar(1.5, 128).unwrap();
        assert!((px - 50.0 / 1.5).abs() < 1e-12 && label == "50 kpc");
        // 0.1 kpc pixels: 1 kpc is 10 px > 0.3 · 16 → nothing fits.
        assert!(kpc_scale_bar(0.1, 16).is_err());
        assert!(kpc_scale_bar(f64::NAN, 64).is_err());
        assert!(kpc_scale_bar(0.0, 64).is_err());
        // Per panel: all frames known → one bar each; one unknown → none; a bad one → its error.
        let bars = panel_kpc_bars(&[Some(1.0), Some(2.0)], 64)
            .unwrap()
            .unwrap();
        // 2 kpc pixels: 19.2 px allowed = 38.4 kpc → 20 kpc = 10 px.
        assert_eq!(bars, vec![(10.0, "10 kpc".into()), (10.0, "20 kpc".into())]);
        assert_eq!(panel_kpc_bars(&[Some(1.0), None], 64).unwrap(), None);
        let err = panel_kpc_bars(&[Some(1.0), Some(-1.0)], 64).unwrap_err();
        assert!(err.to_string().contains("pixel_kpc"), "{err}");
    }

    #[test]
    fn scale_bars_on_tiny_panels_are_clipped_not_a_panic() {
        let tiny = Image {
            width: 4,
            height: 4,
            data: (0..16).map(|v| v as f32).collect(),
        };
        assert!(isophotes_with_scale_bar(&tiny, 1, 1.0, 1, (2.0, "2 px")).is_ok());
        let flat = Image {
            width: 8,
            height: 2,
            data: (0..16).map(|v| v as f32).collect(),
        };
        let one = std::slice::from_ref(&flat);
        assert!(Montage::new(one, 1).scale_bar(2.0, "2 px").render().is_ok());
        let bars = vec![(6.0, "a long label".to_string())];
        assert!(
            Montage::new(one, 1)
                .panel_scale_bars(&bars)
                .render()
                .is_ok()
        );
    }

    #[test]
    fn isophotes_can_carry_a_scale_bar() {
        let dark = Image {
            width: 32,
            height: 32,
            data: (0..1024).map(|v| if v == 0 { 1.0 } else { 1e-6 }).collect(),
        };
        let png = isophotes_with_scale_bar(&dark, 1, 0.5, 2, (8.0, "")).unwrap();
        let rgb = image::load_from_memory(png.bytes()).unwrap().to_rgb8();
        assert_eq!(run_of(&rgb, 255, 64 - 8 + 1, 0, 64), 16);
        assert!(isophotes_with_scale_bar(&dark, 1, 0.5, 2, (30.0, "")).is_err());
    }
}
