//! Objects that show themselves inline in a notebook (evcxr calls `evcxr_display`) and save
//! themselves to files for the CLI: [`Svg`] plots, [`Png`] images and montages, [`Table`]s.

use crate::error::{Error, Result};
use crate::io::write_atomic;
use base64::Engine;
use serde::{Deserialize, Serialize};
use std::path::Path;

fn emit(mime: &str, payload: &str) {
    println!("EVCXR_BEGIN_CONTENT {mime}\n{payload}\nEVCXR_END_CONTENT");
}

/// An SVG figure (plots).
#[derive(Debug, Clone, PartialEq)]
pub struct Svg(pub String);

impl Svg {
    /// Inline display in evcxr.
    pub fn evcxr_display(&self) {
        emit("image/svg+xml", &self.0);
    }
    /// Writes the figure to `path` (conventionally `.svg`).
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        write_atomic(path, self.0.as_bytes())
    }
    /// The SVG text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A PNG-encoded image (galaxy images, montages, feature maps).
#[derive(Debug, Clone, PartialEq)]
pub struct Png {
    bytes: Vec<u8>,
    width: u32,
    height: u32,
}

impl Png {
    /// Encodes any `image` buffer as PNG.
    pub fn from_image(img: &image::DynamicImage) -> Result<Self> {
        let mut bytes = Vec::new();
        img.write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .map_err(|e| Error::Image(e.to_string()))?;
        Ok(Png {
            bytes,
            width: img.width(),
            height: img.height(),
        })
    }
    /// Inline display in evcxr.
    pub fn evcxr_display(&self) {
        emit(
            "image/png",
            &base64::engine::general_purpose::STANDARD.encode(&self.bytes),
        );
    }
    /// Writes the PNG to `path`.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        write_atomic(path, &self.bytes)
    }
    /// The encoded bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }
    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }
    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }
}

/// How pixel values are mapped to grey levels.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Stretch {
    /// Linear between the image minimum and maximum.
    Linear,
    /// `log10(1 + a·x/max)/log10(1 + a)` with a = 1000: shows faint outskirts.
    Log,
    /// `asinh(x/β)/asinh(max/β)` with β = 1 % of the maximum.
    Asinh,
}

/// Renders a row-major `width × height` array of values as a greyscale PNG.
/// NaN or infinite pixels are an error (they mean a bug upstream, not a dark pixel).
pub fn gray_png(values: &[f32], width: usize, height: usize, stretch: Stretch) -> Result<Png> {
    Png::from_image(&image::DynamicImage::ImageLuma8(gray_image(
        values, width, height, stretch,
    )?))
}

/// Like [`gray_png`] but returns the 8-bit image for further drawing (montages, labels).
pub fn gray_image(
    values: &[f32],
    width: usize,
    height: usize,
    stretch: Stretch,
) -> Result<image::GrayImage> {
    crate::error::check_size("width", width, 1)?;
    crate::error::check_size("height", height, 1)?;
    if values.len() != width * height {
        return Err(Error::invalid(
            "values.len()",
            values.len(),
            format!("must equal width × height = {}", width * height),
        ));
    }
    if let Some(i) = values.iter().position(|v| !v.is_finite()) {
        return Err(Error::invalid(
            &format!("pixel {i}"),
            values[i],
            "must be finite",
        ));
    }
    let lo = values.iter().cloned().fold(f32::INFINITY, f32::min);
    let hi = values.iter().cloned().fold(f32::NEG_INFINITY, f32::max);
    let span = (hi - lo).max(f32::MIN_POSITIVE);
    let map = |v: f32| -> f32 {
        let x = (v - lo) / span;
        match stretch {
            Stretch::Linear => x,
            Stretch::Log => (1.0 + 1000.0 * x).log10() / 1001f32.log10(),
            Stretch::Asinh => (x / 0.01).asinh() / (1.0f32 / 0.01).asinh(),
        }
    };
    let buf: Vec<u8> = values
        .iter()
        .map(|&v| (map(v).clamp(0.0, 1.0) * 255.0).round() as u8)
        .collect();
    image::GrayImage::from_raw(width as u32, height as u32, buf)
        .ok_or_else(|| Error::Image("buffer size mismatch".into()))
}

/// A metrics table: HTML in a notebook, CSV or JSON on disk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Table {
    /// Caption shown above the table.
    pub title: String,
    /// Column headers.
    pub columns: Vec<String>,
    /// Rows of already formatted cells.
    pub rows: Vec<Vec<String>>,
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

impl Table {
    /// An empty table with a caption and column headers.
    pub fn new(title: impl Into<String>, columns: &[&str]) -> Self {
        Table {
            title: title.into(),
            columns: columns.iter().map(|c| c.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    /// Appends a row; its length must match the number of columns.
    pub fn push_row<S: ToString>(&mut self, cells: &[S]) -> Result<&mut Self> {
        if cells.len() != self.columns.len() {
            return Err(Error::invalid(
                "row length",
                cells.len(),
                format!("table has {} columns", self.columns.len()),
            ));
        }
        self.rows
            .push(cells.iter().map(|c| c.to_string()).collect());
        Ok(self)
    }

    /// The table as an HTML fragment.
    pub fn to_html(&self) -> String {
        let mut s = String::from("<table>");
        if !self.title.is_empty() {
            s += &format!("<caption>{}</caption>", html_escape(&self.title));
        }
        s += "<thead><tr>";
        for c in &self.columns {
            s += &format!("<th>{}</th>", html_escape(c));
        }
        s += "</tr></thead><tbody>";
        for r in &self.rows {
            s += "<tr>";
            for c in r {
                s += &format!("<td>{}</td>", html_escape(c));
            }
            s += "</tr>";
        }
        s + "</tbody></table>"
    }

    /// The table as CSV (header line first).
    pub fn to_csv(&self) -> String {
        let mut s = String::new();
        for r in std::iter::once(&self.columns).chain(self.rows.iter()) {
            s += &r.iter().map(|c| csv_field(c)).collect::<Vec<_>>().join(",");
            s.push('\n');
        }
        s
    }

    /// Inline display in evcxr.
    pub fn evcxr_display(&self) {
        emit("text/html", &self.to_html());
    }

    /// Saves as CSV when `path` ends in `.csv`, as JSON when it ends in `.json`, else HTML.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        match path.extension().and_then(|e| e.to_str()) {
            Some("csv") => write_atomic(path, self.to_csv().as_bytes()),
            Some("json") => crate::io::write_json(path, self),
            _ => write_atomic(path, self.to_html().as_bytes()),
        }
    }
}

impl std::fmt::Display for Table {
    /// Plain-text rendering for terminals.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.columns.len();
        let mut w = vec![0usize; n];
        for r in std::iter::once(&self.columns).chain(self.rows.iter()) {
            for (k, c) in r.iter().enumerate() {
                w[k] = w[k].max(c.chars().count());
            }
        }
        if !self.title.is_empty() {
            writeln!(f, "{}", self.title)?;
        }
        for r in std::iter::once(&self.columns).chain(self.rows.iter()) {
            let line: Vec<String> = r
                .iter()
                .enumerate()
                .map(|(k, c)| format!("{c:>width$}", width = w[k]))
                .collect();
            writeln!(f, "{}", line.join("  "))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_renders_escaped_html_and_quoted_csv() {
        let mut t = Table::new("F1 <test>", &["class", "f1"]);
        t.push_row(&["0°, face-on", "0.99"]).unwrap();
        assert!(t.push_row(&["only one"]).is_err());
        let html = t.to_html();
        assert!(html.contains("<caption>F1 &lt;test&gt;</caption>"));
        assert!(html.contains("<td>0.99</td>"));
        assert_eq!(t.to_csv(), "class,f1\n\"0°, face-on\",0.99\n");
    }

    #[test]
    fn png_round_trips_and_rejects_nan() {
        let vals: Vec<f32> = (0..12).map(|v| v as f32).collect();
        let png = gray_png(&vals, 4, 3, Stretch::Linear).unwrap();
        let back = image::load_from_memory(png.bytes()).unwrap().to_luma8();
        assert_eq!(back.dimensions(), (4, 3));
        assert_eq!(back.get_pixel(0, 0)[0], 0);
        assert_eq!(back.get_pixel(3, 2)[0], 255);
        let mut bad = vals.clone();
        bad[5] = f32::NAN;
        assert!(gray_png(&bad, 4, 3, Stretch::Log).is_err());
        assert!(gray_png(&vals, 5, 3, Stretch::Log).is_err());
    }
}
