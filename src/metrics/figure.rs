//! Figures of the evaluation: the confusion matrix as a heat map (Figs 4–6; a PNG that shows
//! inline in a notebook, text in the bundled DejaVu Sans) and the ROC curve (an SVG plot).

use super::confusion::{ConfusionMatrix, check_names};
use super::roc::Roc;
use crate::display::Png;
use crate::error::{Error, Result};
use crate::plot::{Figure, Series};
use ab_glyph::{FontRef, PxScale};
use image::{Rgb, RgbImage};
use imageproc::drawing::{draw_filled_rect_mut, draw_hollow_rect_mut, draw_text_mut, text_size};
use imageproc::rect::Rect;

/// White → dark blue by `f` in [0, 1].
fn blues(f: f64) -> Rgb<u8> {
    let f = f.clamp(0.0, 1.0);
    let lerp = |a: f64, b: f64| (a + (b - a) * f).round() as u8;
    Rgb([lerp(247.0, 8.0), lerp(251.0, 48.0), lerp(255.0, 107.0)])
}

/// The confusion matrix as a heat map: rows are the true class, columns the predicted class;
/// each cell shows its count and its share of the row (the colour follows the share). A footer
/// says how many images it holds; with fewer than
/// [`MIN_KEPT_FOR_SCORES`](super::report::MIN_KEPT_FOR_SCORES) the shares are left
/// out ("too few for shares"), since a row of two images is no rate.
pub fn confusion_figure(m: &ConfusionMatrix, class_names: &[String]) -> Result<Png> {
    check_names(class_names, m.n_classes)?;
    let font = FontRef::try_from_slice(crate::plot::FONT_BYTES)
        .map_err(|e| Error::Image(e.to_string()))?;
    let (label, small) = (PxScale::from(15.0), PxScale::from(12.0));
    let n = m.n_classes as u32;
    let widest = class_names
        .iter()
        .map(|s| text_size(label, &font, s).0)
        .max()
        .unwrap_or(0);
    let count_w = text_size(label, &font, &m.total().to_string()).0;
    let cell = (widest.max(count_w) + 12).max(56);
    let (left, top) = (widest.max(40) + 16, 2 * 20 + 8);
    // How many images the matrix holds; row shares of fewer than MIN_KEPT_FOR_SCORES are noise,
    // so they are left out and the footer says why.
    let total = m.total();
    let few = (total as usize) < super::report::MIN_KEPT_FOR_SCORES;
    let footer = if few {
        format!("{total} images: too few for shares")
    } else {
        format!("{total} images")
    };
    let footer_x = 4 + text_size(label, &font, "↑ true").0 + 16;
    let footer_w = footer_x + text_size(label, &font, &footer).0 + 8;
    let (w, h) = ((left + n * cell + 8).max(footer_w), top + n * cell + 28);
    let mut img = RgbImage::from_pixel(w, h, Rgb([255, 255, 255]));
    let black = Rgb([0, 0, 0]);
    draw_text_mut(&mut img, black, left as i32, 2, label, &font, "predicted →");
    draw_text_mut(
        &mut img,
        black,
        4,
        (top + n * cell + 6) as i32,
        label,
        &font,
        "↑ true",
    );
    draw_text_mut(
        &mut img,
        black,
        footer_x as i32,
        (top + n * cell + 6) as i32,
        label,
        &font,
        &footer,
    );
    let share = m.row_normalised();
    for c in 0..n {
        let name = &class_names[c as usize];
        let tw = text_size(label, &font, name).0;
        // Column header, centred.
        let x = left + c * cell + cell.saturating_sub(tw) / 2;
        draw_text_mut(&mut img, black, x as i32, 24, label, &font, name);
        // Row header, right-aligned.
        let y = top + c * cell + cell / 2 - 8;
        draw_text_mut(
            &mut img,
            black,
            (left - 8 - tw) as i32,
            y as i32,
            label,
            &font,
            name,
        );
    }
    for t in 0..n {
        for p in 0..n {
            let f = share[(t * n + p) as usize];
            let (x0, y0) = (left + p * cell, top + t * cell);
            let rect = Rect::at(x0 as i32, y0 as i32).of_size(cell, cell);
            draw_filled_rect_mut(&mut img, rect, blues(f));
            draw_hollow_rect_mut(&mut img, rect, Rgb([200, 200, 200]));
            let ink = if f > 0.5 { Rgb([255, 255, 255]) } else { black };
            let count = m.get(t as usize, p as usize).to_string();
            let pct = if few {
                String::new()
            } else {
                format!("{:.0} %", 100.0 * f)
            };
            for (text, scale, dy) in [(&count, label, cell / 2 - 16), (&pct, small, cell / 2 + 2)] {
                let tw = text_size(scale, &font, text).0;
                let x = x0 + cell.saturating_sub(tw) / 2;
                draw_text_mut(
                    &mut img,
                    ink,
                    x as i32,
                    (y0 + dy) as i32,
                    scale,
                    &font,
                    text,
                );
            }
        }
    }
    Png::from_image(&image::DynamicImage::ImageRgb8(img))
}

/// Test images with the actual class drawn at the top and the predicted class at the bottom of
/// each panel (seed Figs A1–A3), in the bundled font, with a colour bar (each panel's own range)
/// and, given `scale_bars`, one scale bar per panel (every image has its own frame, so there is
/// no common one).
#[allow(clippy::too_many_arguments)]
pub fn prediction_montage(
    images: &[crate::image::Image],
    truth: &[usize],
    predicted: &[usize],
    class_names: &[String],
    cols: usize,
    zoom: u32,
    stretch: crate::display::Stretch,
    scale_bars: Option<&[(f64, String)]>,
) -> Result<Png> {
    for (name, v) in [
        ("truth.len()", truth.len()),
        ("predicted.len()", predicted.len()),
    ] {
        if v != images.len() {
            return Err(Error::invalid(
                name,
                v,
                format!("need one class per image ({})", images.len()),
            ));
        }
    }
    super::check_labels("truth", truth, class_names.len())?;
    super::check_labels("predicted", predicted, class_names.len())?;
    let top: Vec<String> = truth.iter().map(|&t| class_names[t].clone()).collect();
    let bottom: Vec<String> = predicted.iter().map(|&p| class_names[p].clone()).collect();
    let m = crate::figures::Montage::new(images, cols)
        .zoom(zoom)
        .stretch(stretch)
        .top_labels(&top)
        .bottom_labels(&bottom)
        .colour_bar();
    match scale_bars {
        Some(bars) => m.panel_scale_bars(bars).render(),
        None => m.render(),
    }
}

/// The ROC curve with the chance diagonal; the legend gives the AUC.
pub fn roc_figure(roc: &Roc) -> Result<crate::display::Svg> {
    if roc.fpr.len() != roc.tpr.len() || roc.fpr.len() < 2 {
        return Err(Error::invalid(
            "roc points",
            roc.fpr.len(),
            "need at least two (fpr, tpr) pairs of equal length",
        ));
    }
    let pts: Vec<(f64, f64)> = roc
        .fpr
        .iter()
        .cloned()
        .zip(roc.tpr.iter().cloned())
        .collect();
    Figure::new("ROC curve", "false-positive rate", "true-positive rate")
        .with(Series::line(format!("AUC = {:.3}", roc.auc), pts))
        .with(Series::line("chance", vec![(0.0, 0.0), (1.0, 1.0)]))
        .x_range(0.0, 1.0)
        .y_range(0.0, 1.02)
        .to_svg()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heat_map_colours_follow_the_row_share() {
        let m = ConfusionMatrix::new(&[0, 0, 0, 1], &[0, 0, 0, 1], 2).unwrap();
        let names = vec!["0°".to_string(), "45°".to_string()];
        let png = confusion_figure(&m, &names).unwrap();
        let rgb = image::load_from_memory(png.bytes()).unwrap().to_rgb8();
        // Dark diagonal cells exist, and so do white-ish off-diagonal ones.
        assert!(rgb.pixels().any(|p| p.0 == [8, 48, 107]));
        assert!(rgb.pixels().any(|p| p.0 == [247, 251, 255]));
        assert!(confusion_figure(&m, &names[..1]).is_err());
        // Four images: the footer says too few for shares (a longer line: a wider figure than
        // that of 60 images, whose footer only counts them).
        let truth: Vec<usize> = (0..60).map(|k| k % 2).collect();
        let many = ConfusionMatrix::new(&truth, &truth, 2).unwrap();
        let width = |m: &ConfusionMatrix| {
            image::load_from_memory(confusion_figure(m, &names).unwrap().bytes())
                .unwrap()
                .width()
        };
        assert!(
            width(&m) > width(&many),
            "{} vs {}",
            width(&m),
            width(&many)
        );
        let img = crate::image::Image {
            width: 16,
            height: 16,
            data: (0..256).map(|v| v as f32).collect(),
        };
        let imgs = vec![img.clone(), img];
        let stretch = crate::display::Stretch::Linear;
        let png = prediction_montage(&imgs, &[0, 1], &[0, 0], &names, 2, 4, stretch, None).unwrap();
        // Two 64-px panels with 4-px gaps, plus the colour bar (70 px wide, an 18-px title line).
        assert_eq!((png.width(), png.height()), (2 * 68 + 4 + 70, 68 + 4 + 18));
        assert!(prediction_montage(&imgs, &[0, 2], &[0, 0], &names, 2, 4, stretch, None).is_err());
        assert!(prediction_montage(&imgs, &[0], &[0, 0], &names, 2, 4, stretch, None).is_err());
        let roc = super::super::roc_curve(&[0.9, 0.1], &[true, false]).unwrap();
        assert!(roc_figure(&roc).unwrap().as_str().contains("AUC = 1.000"));
    }
}
