//! Small plotting layer over plotters: a [`Figure`] holds labelled series and renders to an
//! [`Svg`] that displays inline in a notebook or saves to a file. Text uses the DejaVu Sans font
//! shipped in `data/fonts/` (no system font look-ups).

use crate::display::Svg;
use crate::error::{Error, Result};
use plotters::prelude::*;
use serde::{Deserialize, Serialize};
use std::sync::Once;

/// The bundled font (DejaVu Sans, Bitstream Vera licence, see `data/fonts/DejaVu-LICENSE.txt`).
pub static FONT_BYTES: &[u8] = include_bytes!("../data/fonts/DejaVuSans.ttf");

static FONT: Once = Once::new();

fn register_font() {
    FONT.call_once(|| {
        // The bytes are a valid TrueType font bundled at compile time; failure here would be
        // a packaging bug, and plotters then falls back to drawing no text.
        let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, FONT_BYTES);
    });
}

/// How a series is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Mark {
    /// Connected line.
    Line,
    /// Connected dashed line (e.g. validation beside a solid training curve).
    Dashed,
    /// Filled circles.
    Points,
    /// Histogram bars: `x` is the left bin edge, all bins share the width given.
    Bars {
        /// Bin width in data units.
        width: f64,
    },
}

/// One labelled data series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Series {
    /// Legend label (empty: no legend entry).
    pub label: String,
    /// (x, y) points.
    pub points: Vec<(f64, f64)>,
    /// Optional symmetric y error bars, one per point.
    pub y_err: Option<Vec<f64>>,
    /// How to draw it.
    pub mark: Mark,
    /// Palette colour index (None: the series' position in the figure).
    #[serde(default)]
    pub color: Option<usize>,
}

impl Series {
    /// A line through `points`.
    pub fn line(label: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        Series {
            label: label.into(),
            points,
            y_err: None,
            mark: Mark::Line,
            color: None,
        }
    }
    /// A dashed line through `points`.
    pub fn dashed(label: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        Series {
            mark: Mark::Dashed,
            ..Series::line(label, points)
        }
    }
    /// The same series in palette colour `k` (two series of one quantity share a colour and
    /// differ by line style).
    pub fn with_color(mut self, k: usize) -> Self {
        self.color = Some(k);
        self
    }
    /// A scatter of `points`.
    pub fn points(label: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        Series {
            mark: Mark::Points,
            ..Series::line(label, points)
        }
    }
    /// Adds symmetric y error bars.
    pub fn with_y_err(mut self, err: Vec<f64>) -> Self {
        self.y_err = Some(err);
        self
    }
    /// A histogram of `values` with `bins` equal bins over `[lo, hi]`.
    pub fn histogram(
        label: impl Into<String>,
        values: &[f64],
        bins: usize,
        lo: f64,
        hi: f64,
    ) -> Result<Self> {
        crate::error::check_size("bins", bins, 1)?;
        crate::error::check_finite("lo", lo)?;
        crate::error::check_finite("hi", hi)?;
        if hi <= lo {
            return Err(Error::invalid("hi", hi, format!("must exceed lo = {lo}")));
        }
        let w = (hi - lo) / bins as f64;
        let mut counts = vec![0.0; bins];
        for &v in values.iter().filter(|v| v.is_finite()) {
            if (lo..=hi).contains(&v) {
                counts[(((v - lo) / w) as usize).min(bins - 1)] += 1.0;
            }
        }
        Ok(Series {
            label: label.into(),
            points: (0..bins).map(|k| (lo + k as f64 * w, counts[k])).collect(),
            y_err: None,
            mark: Mark::Bars { width: w },
            color: None,
        })
    }
}

/// A 2-D figure with axes, labels, a legend and any number of series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Figure {
    /// Title above the plot.
    pub title: String,
    /// x-axis label.
    pub x_label: String,
    /// y-axis label.
    pub y_label: String,
    /// Data.
    pub series: Vec<Series>,
    /// Fixed x range (default: from the data).
    pub x_range: Option<(f64, f64)>,
    /// Fixed y range (default: from the data).
    pub y_range: Option<(f64, f64)>,
    /// Size in pixels.
    pub size: (u32, u32),
}

const PALETTE: [RGBColor; 8] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
];

/// Font size of a figure title `width` pixels wide, as given to plotters: 18, or smaller (to 9)
/// when the title would not fit at 18. plotters draws a size s at s / 1.24 SVG pixels, and a
/// sans-serif glyph is about 0.55 of that wide, so a glyph is taken as 0.5 s wide (a margin).
pub(crate) fn title_font_size(title: &str, width: u32) -> f64 {
    let chars = title.chars().count().max(1) as f64;
    (0.95 * width as f64 / (0.5 * chars)).clamp(9.0, 18.0)
}

/// A tick label in plain notation: no "-0", at most four significant digits, e-notation for
/// very small or very large values.
fn tick(v: f64) -> String {
    let v = if v.abs() < 1e-12 { 0.0 } else { v };
    let a = v.abs();
    if a == 0.0 {
        "0".into()
    } else if !(1e-3..1e5).contains(&a) {
        format!("{v:.1e}")
    } else {
        let s = format!("{v:.4}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        if s == "-0" { "0".into() } else { s.to_string() }
    }
}

fn padded(lo: f64, hi: f64) -> (f64, f64) {
    if (hi - lo).abs() < 1e-12 {
        (lo - 0.5, hi + 0.5)
    } else {
        let p = 0.05 * (hi - lo);
        (lo - p, hi + p)
    }
}

impl Figure {
    /// An empty figure.
    pub fn new(
        title: impl Into<String>,
        x_label: impl Into<String>,
        y_label: impl Into<String>,
    ) -> Self {
        Figure {
            title: title.into(),
            x_label: x_label.into(),
            y_label: y_label.into(),
            series: Vec::new(),
            x_range: None,
            y_range: None,
            size: (640, 420),
        }
    }
    /// Adds a series.
    pub fn with(mut self, s: Series) -> Self {
        self.series.push(s);
        self
    }
    /// Fixes the x range.
    pub fn x_range(mut self, lo: f64, hi: f64) -> Self {
        self.x_range = Some((lo, hi));
        self
    }
    /// Fixes the y range.
    pub fn y_range(mut self, lo: f64, hi: f64) -> Self {
        self.y_range = Some((lo, hi));
        self
    }

    fn data_ranges(&self) -> Result<((f64, f64), (f64, f64))> {
        let mut xs = (f64::INFINITY, f64::NEG_INFINITY);
        let mut ys = (f64::INFINITY, f64::NEG_INFINITY);
        for s in &self.series {
            for (k, &(x, y)) in s.points.iter().enumerate() {
                if !x.is_finite() || !y.is_finite() {
                    continue;
                }
                let e = s
                    .y_err
                    .as_ref()
                    .and_then(|e| e.get(k))
                    .copied()
                    .unwrap_or(0.0);
                let x_hi = match s.mark {
                    Mark::Bars { width } => x + width,
                    _ => x,
                };
                xs = (xs.0.min(x), xs.1.max(x_hi));
                ys = (ys.0.min(y - e), ys.1.max(y + e));
                if matches!(s.mark, Mark::Bars { .. }) {
                    ys.0 = ys.0.min(0.0);
                }
            }
        }
        let x = self.x_range.unwrap_or(xs);
        let y = self.y_range.unwrap_or(ys);
        if !(x.0.is_finite() && x.1.is_finite() && y.0.is_finite() && y.1.is_finite()) {
            return Err(Error::Plot(format!(
                "figure '{}' has no finite data to plot",
                self.title
            )));
        }
        Ok((
            self.x_range.unwrap_or(padded(x.0, x.1)),
            self.y_range.unwrap_or(padded(y.0, y.1)),
        ))
    }

    /// Renders to SVG. The legend, when any series has a label, sits to the right of the plot,
    /// outside the data.
    pub fn to_svg(&self) -> Result<Svg> {
        register_font();
        let mut buf = String::new();
        {
            let root = SVGBackend::with_string(&mut buf, self.size).into_drawing_area();
            root.fill(&WHITE).map_err(|e| Error::Plot(e.to_string()))?;
            self.draw_on(&root)?;
            root.present().map_err(|e| Error::Plot(e.to_string()))?;
        }
        Ok(Svg(buf))
    }

    /// Several figures side by side in one SVG (e.g. loss and accuracy on axes of their own),
    /// each `self.size` wide, under one `title`.
    pub fn panels(title: &str, figures: &[Figure]) -> Result<Svg> {
        register_font();
        if figures.is_empty() {
            return Err(Error::invalid("figures", "none", "need at least one panel"));
        }
        let w: u32 = figures.iter().map(|f| f.size.0).sum();
        let h: u32 = figures.iter().map(|f| f.size.1).max().unwrap_or(420) + 30;
        let mut buf = String::new();
        {
            let pe = |e: &dyn std::fmt::Display| Error::Plot(e.to_string());
            let root = SVGBackend::with_string(&mut buf, (w, h)).into_drawing_area();
            root.fill(&WHITE).map_err(|e| pe(&e))?;
            let root = root.titled(title, ("sans-serif", 20)).map_err(|e| pe(&e))?;
            let areas = root.split_evenly((1, figures.len()));
            for (f, area) in figures.iter().zip(&areas) {
                f.draw_on(area)?;
            }
            root.present().map_err(|e| pe(&e))?;
        }
        Ok(Svg(buf))
    }

    fn draw_on<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, plotters::coord::Shift>,
    ) -> Result<()> {
        let ((x0, x1), (y0, y1)) = self.data_ranges()?;
        let pe = |e: &dyn std::fmt::Display| Error::Plot(e.to_string());
        let labelled: Vec<(usize, &Series)> = self
            .series
            .iter()
            .enumerate()
            .filter(|(_, s)| !s.label.is_empty())
            .collect();
        // The title across the whole figure (plot and legend column), its font shrunk until it
        // fits the width: a caption on the plot area alone was cut at the left edge when a wide
        // legend left the plot area narrower than the title.
        let (w, _) = area.dim_in_pixel();
        let area = &area
            .titled(&self.title, ("sans-serif", title_font_size(&self.title, w)))
            .map_err(|e| pe(&e))?;
        // A legend column to the right, as wide as its longest label needs.
        let longest = labelled
            .iter()
            .map(|(_, s)| s.label.chars().count())
            .max()
            .unwrap_or(0);
        let legend_w = if labelled.is_empty() {
            0
        } else {
            ((longest as u32) * 7 + 40).min(w / 2)
        };
        let (plot_area, legend_area) = area.split_horizontally(w - legend_w);
        let mut chart = ChartBuilder::on(&plot_area)
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(56)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(|e| pe(&e))?;
        chart
            .configure_mesh()
            .x_desc(&self.x_label)
            .y_desc(&self.y_label)
            .label_style(("sans-serif", 12))
            .light_line_style(RGBColor(235, 235, 235))
            .x_label_formatter(&|v| tick(*v))
            .y_label_formatter(&|v| tick(*v))
            .draw()
            .map_err(|e| pe(&e))?;
        for (k, s) in self.series.iter().enumerate() {
            let c = PALETTE[s.color.unwrap_or(k) % PALETTE.len()];
            let pts: Vec<(f64, f64)> = s
                .points
                .iter()
                .copied()
                .filter(|(x, y)| x.is_finite() && y.is_finite())
                .collect();
            match s.mark {
                Mark::Line => {
                    chart
                        .draw_series(LineSeries::new(pts.clone(), c.stroke_width(2)))
                        .map_err(|e| pe(&e))?;
                }
                Mark::Dashed => {
                    chart
                        .draw_series(DashedLineSeries::new(pts.clone(), 7, 5, c.stroke_width(2)))
                        .map_err(|e| pe(&e))?;
                }
                Mark::Points => {
                    chart
                        .draw_series(pts.iter().map(|&p| Circle::new(p, 3, c.filled())))
                        .map_err(|e| pe(&e))?;
                }
                Mark::Bars { width } => {
                    chart
                        .draw_series(pts.iter().map(|&(x, y)| {
                            Rectangle::new([(x, 0.0), (x + width, y)], c.mix(0.6).filled())
                        }))
                        .map_err(|e| pe(&e))?;
                }
            }
            if let Some(err) = &s.y_err {
                chart
                    .draw_series(
                        s.points
                            .iter()
                            .zip(err)
                            .filter(|((x, y), e)| x.is_finite() && y.is_finite() && e.is_finite())
                            .map(|(&(x, y), &e)| {
                                PathElement::new(vec![(x, y - e), (x, y + e)], c.mix(0.5))
                            }),
                    )
                    .map_err(|e| pe(&e))?;
            }
        }
        // The legend: a sample of each labelled series' mark and its label.
        for (row, (k, s)) in labelled.iter().enumerate() {
            let c = PALETTE[s.color.unwrap_or(*k) % PALETTE.len()];
            let y = 50 + 20 * row as i32;
            let (x, x2) = (4, 26);
            match s.mark {
                Mark::Line => legend_area
                    .draw(&PathElement::new(vec![(x, y), (x2, y)], c.stroke_width(2)))
                    .map_err(|e| pe(&e))?,
                Mark::Dashed => {
                    for seg in [(x, x + 7), (x + 12, x + 19)] {
                        legend_area
                            .draw(&PathElement::new(
                                vec![(seg.0, y), (seg.1, y)],
                                c.stroke_width(2),
                            ))
                            .map_err(|e| pe(&e))?;
                    }
                }
                Mark::Points => legend_area
                    .draw(&Circle::new((x + 11, y), 3, c.filled()))
                    .map_err(|e| pe(&e))?,
                Mark::Bars { .. } => legend_area
                    .draw(&Rectangle::new(
                        [(x + 4, y - 5), (x + 18, y + 5)],
                        c.mix(0.6).filled(),
                    ))
                    .map_err(|e| pe(&e))?,
            }
            legend_area
                .draw(&Text::new(
                    s.label.clone(),
                    (x2 + 6, y - 7),
                    ("sans-serif", 12).into_font().color(&BLACK),
                ))
                .map_err(|e| pe(&e))?;
        }
        Ok(())
    }

    /// Inline display in evcxr (an error is shown as text instead of a plot).
    pub fn evcxr_display(&self) {
        match self.to_svg() {
            Ok(svg) => svg.evcxr_display(),
            Err(e) => eprintln!("{e}"),
        }
    }

    /// Saves the figure as SVG.
    pub fn save(&self, path: impl AsRef<std::path::Path>) -> Result<()> {
        self.to_svg()?.save(path)
    }
}

/// Seed 000's Fig. 1 as a diagram, seen side-on: the orbital plane (x–y) edge-on with its
/// normal z, galaxy 1's disc in the plane (i₁ = 0), galaxy 2's disc tilted by the relative
/// inclination `i_deg`, and the line of sight at the viewing angle `theta_deg` from z (its
/// azimuth φ about z is out of the page).
pub fn geometry_diagram(i_deg: f64, theta_deg: f64) -> Result<Svg> {
    crate::error::check_range("i", i_deg, 0.0, 90.0)?;
    crate::error::check_range("theta", theta_deg, -90.0, 90.0)?;
    register_font();
    let pe = |e: &dyn std::fmt::Display| Error::Plot(e.to_string());
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (640, 440)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| pe(&e))?;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                "Fig. 1 geometry: relative inclination i and viewing angle θ",
                ("sans-serif", 18),
            )
            .margin(10)
            .build_cartesian_2d(-1.5f64..1.5f64, -0.55f64..1.35f64)
            .map_err(|e| pe(&e))?;
        let (blue, red, grey) = (PALETTE[0], PALETTE[3], RGBColor(110, 110, 110));
        let font = ("sans-serif", 14).into_font();
        type Line = (Vec<(f64, f64)>, RGBColor, u32);
        let mut lines: Vec<Line> = Vec::new();
        let arrow = |from: (f64, f64), to: (f64, f64), c: RGBColor| -> [Line; 2] {
            let (dx, dy) = (to.0 - from.0, to.1 - from.1);
            let l = (dx * dx + dy * dy).sqrt().max(1e-9);
            let (ux, uy) = (dx / l, dy / l);
            let h = 0.06;
            let left = (to.0 - h * (ux - 0.5 * uy), to.1 - h * (uy + 0.5 * ux));
            let right = (to.0 - h * (ux + 0.5 * uy), to.1 - h * (uy - 0.5 * ux));
            [(vec![from, to], c, 2), (vec![left, to, right], c, 2)]
        };
        let arc = |r: f64, a0: f64, a1: f64, cx: f64, cy: f64| -> Vec<(f64, f64)> {
            // Angles from the +z direction, clockwise towards +x (degrees).
            (0..=40)
                .map(|k| {
                    let a = (a0 + (a1 - a0) * k as f64 / 40.0).to_radians();
                    (cx + r * a.sin(), cy + r * a.cos())
                })
                .collect()
        };
        // The orbital plane, edge-on, and its normal z.
        lines.push((vec![(-1.4, 0.0), (1.4, 0.0)], grey, 1));
        lines.extend(arrow((0.0, 0.0), (0.0, 1.15), grey));
        // Galaxy 1: disc in the plane, spin axis along z.
        let (p1, p2) = ((-0.8, 0.0), (0.8, 0.0));
        lines.push((vec![(p1.0 - 0.3, 0.0), (p1.0 + 0.3, 0.0)], blue, 6));
        lines.extend(arrow(p1, (p1.0, 0.45), blue));
        // Galaxy 2: disc tilted by i, its spin axis i from z.
        let ir = i_deg.to_radians();
        let (c, s) = (ir.cos(), ir.sin());
        lines.push((
            vec![(p2.0 - 0.3 * c, -0.3 * s), (p2.0 + 0.3 * c, 0.3 * s)],
            red,
            6,
        ));
        lines.extend(arrow(p2, (p2.0 - 0.45 * s, 0.45 * c), red));
        lines.push((vec![p2, (p2.0, 0.45)], red, 1));
        lines.push((arc(0.3, -i_deg, 0.0, p2.0, p2.1), red, 1));
        // The line of sight at θ from z.
        let tr = theta_deg.to_radians();
        lines.extend(arrow((0.0, 0.0), (1.05 * tr.sin(), 1.05 * tr.cos()), BLACK));
        lines.push((arc(0.45, 0.0, theta_deg, 0.0, 0.0), BLACK, 1));
        for (pts, color, w) in lines {
            chart
                .draw_series(std::iter::once(PathElement::new(
                    pts,
                    color.stroke_width(w),
                )))
                .map_err(|e| pe(&e))?;
        }
        let texts = [
            ("orbital plane (x–y, seen edge-on)", (-1.4, -0.1)),
            ("z: orbital-plane normal", (0.05, 1.2)),
            ("galaxy 1 (P1), i₁ = 0", (p1.0 - 0.45, -0.27)),
            ("galaxy 2 (P2), i₂ = i", (p2.0 - 0.3, -0.3)),
            ("i", (p2.0 - 0.3 * (0.5 * ir).sin() - 0.06, 0.4)),
            ("θ", (0.5 * (0.5 * tr).sin() + 0.03, 0.52)),
            (
                "line of sight (to the observer)",
                (1.1 * tr.sin() - 0.3, 1.1 * tr.cos() + 0.08),
            ),
            (
                "φ: azimuth of the line of sight about z (out of the page)",
                (-1.4, -0.45),
            ),
        ];
        for (t, at) in texts {
            chart
                .draw_series(std::iter::once(Text::new(t.to_string(), at, font.clone())))
                .map_err(|e| pe(&e))?;
        }
        root.present().map_err(|e| pe(&e))?;
    }
    Ok(Svg(buf))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figure_renders_svg_with_text_and_series() {
        let f = Figure::new("Loss", "epoch", "NLL")
            .with(Series::line(
                "train",
                vec![(0.0, 1.0), (1.0, 0.5), (2.0, 0.2)],
            ))
            .with(Series::points("val", vec![(0.0, 1.1), (2.0, 0.3)]).with_y_err(vec![0.1, 0.1]));
        let svg = f.to_svg().unwrap();
        assert!(svg.as_str().starts_with("<svg"));
        assert!(svg.as_str().contains("Loss"));
        assert!(svg.as_str().contains("train"));
        assert!(svg.as_str().contains("<circle"));
    }

    /// The `x` and `font-size` of the SVG text element that holds `text`.
    fn text_attrs(svg: &str, text: &str) -> (f64, f64) {
        // plotters writes a text element's content on a line of its own
        let end = svg.find(&format!(">\n{text}\n<")).expect("text in the SVG");
        let start = svg[..end].rfind("<text").expect("a text element");
        let tag = &svg[start..end];
        let attr = |name: &str| -> f64 {
            let k = tag.find(&format!(" {name}=\"")).expect(name) + name.len() + 3;
            tag[k..k + tag[k..].find('"').unwrap()].parse().unwrap()
        };
        (attr("x"), attr("font-size"))
    }

    #[test]
    fn title_is_centred_on_the_whole_figure_and_shrunk_to_fit() {
        let title = "predicted vs true theta (new encounter, data seed 46), a title long enough to need a smaller font";
        let mut f = Figure::new(title, "true θ [deg]", "predicted θ [deg]").with(Series::points(
            "new encounter, data seed 46 images",
            vec![(0.0, 1.0), (1.0, 2.0)],
        ));
        f.size = (640, 420);
        let svg = f.to_svg().unwrap();
        let (x, size) = text_attrs(svg.as_str(), title);
        // Centred on the figure, not on the plot area left of the legend column.
        assert!((x - 320.0).abs() <= 1.0, "title centred at x = {x}");
        // Shrunk below a short title's size (plotters writes sizes in its own px, 1/1.24 of
        // ours), to a size at which the estimated glyph width fits the figure.
        let short = Figure::new("Loss", "epoch", "NLL")
            .with(Series::line("train", vec![(0.0, 1.0), (1.0, 0.5)]));
        let (_, full) = text_attrs(short.to_svg().unwrap().as_str(), "Loss");
        let ours = title_font_size(title, 640);
        assert!(
            size < full && (size / full - ours / 18.0).abs() < 0.01,
            "font size {size} vs {full}"
        );
        // A title of 60 characters still fits 640 px at the full size.
        assert_eq!(title_font_size(&"x".repeat(60), 640), 18.0);
    }

    #[test]
    fn legend_outside_dashed_lines_panels_and_ticks() {
        let f = Figure::new("Loss", "epoch", "NLL")
            .with(Series::line("training", vec![(1.0, 1.0), (2.0, 0.5)]).with_color(0))
            .with(Series::dashed("validation", vec![(1.0, 1.2), (2.0, 0.7)]).with_color(0));
        let svg = f.to_svg().unwrap();
        // The dashed series is drawn as several short segments, the solid one as one line.
        let solid = Figure::new("Loss", "epoch", "NLL")
            .with(Series::line("training", vec![(1.0, 1.0), (2.0, 0.5)]))
            .to_svg()
            .unwrap();
        let lines = |s: &str| s.matches("<polyline").count() + s.matches("<line").count();
        let (d, l) = (lines(svg.as_str()), lines(solid.as_str()));
        assert!(d >= l + 3, "{d} vs {l}");
        assert!(svg.as_str().contains("validation"));
        let p = Figure::panels("Curves", &[f.clone(), f]).unwrap();
        assert!(p.as_str().contains("Curves"));
        assert!(Figure::panels("none", &[]).is_err());
        assert_eq!(tick(-0.0), "0");
        assert_eq!(tick(-1e-15), "0");
        assert_eq!(tick(0.25), "0.25");
        assert_eq!(tick(2.0), "2");
        assert_eq!(tick(1.2e-5), "1.2e-5");
    }

    #[test]
    fn geometry_diagram_names_the_angles_and_checks_them() {
        let svg = geometry_diagram(45.0, 35.0).unwrap();
        for t in ["orbital plane", "line of sight", "galaxy 2", "φ"] {
            assert!(svg.as_str().contains(t), "{t}");
        }
        svg.save(std::env::temp_dir().join("galaxy_lab_geometry.svg"))
            .unwrap();
        assert!(geometry_diagram(120.0, 0.0).is_err());
        assert!(geometry_diagram(45.0, f64::NAN).is_err());
    }

    #[test]
    fn histogram_counts_and_rejects_bad_edges() {
        let s = Series::histogram(
            "pit",
            &[0.05, 0.15, 0.15, 0.95, 1.0, f64::NAN],
            10,
            0.0,
            1.0,
        )
        .unwrap();
        let counts: Vec<f64> = s.points.iter().map(|p| p.1).collect();
        assert_eq!(counts[0], 1.0);
        assert_eq!(counts[1], 2.0);
        assert_eq!(counts[9], 2.0);
        assert!(Series::histogram("x", &[1.0], 10, 1.0, 1.0).is_err());
        assert!(Figure::new("empty", "x", "y").to_svg().is_err());
    }
}
