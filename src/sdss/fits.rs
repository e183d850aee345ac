//! A minimal reader for the primary image of a FITS file (SDSS `frame-*.fits` after
//! `bunzip2`), written here because no small maintained crate reads FITS without pulling in
//! CFITSIO or an async stack. It handles what SDSS corrected frames use: an uncompressed
//! primary HDU with BITPIX 8, 16, 32, 64, −32 or −64, NAXIS ≥ 2 (the first plane is read),
//! BSCALE/BZERO. Tile-compressed (`.fz`) and gzip/bzip2-wrapped files are rejected with a clear
//! message: decompress them first.

use crate::error::{Error, Result};
use std::path::Path;

const BLOCK: usize = 2880;
const CARD: usize = 80;

/// A 2-D image from a FITS primary HDU, row 0 at the **top** (FITS stores the bottom row
/// first; we flip so the image displays as SDSS's JPEGs do).
#[derive(Debug, Clone, PartialEq)]
pub struct FitsImage {
    /// Columns (NAXIS1).
    pub width: usize,
    /// Rows (NAXIS2).
    pub height: usize,
    /// Row-major physical values (BZERO + BSCALE × stored), `width × height` of them.
    pub data: Vec<f32>,
}

impl FitsImage {
    /// An 8-bit greyscale rendering: values clipped to their 0.5–99.5 % percentiles, then an
    /// asinh stretch. Non-finite pixels (FITS blanks) become the lowest level.
    pub fn to_gray(&self) -> Result<image::GrayImage> {
        let mut finite: Vec<f32> = self
            .data
            .iter()
            .copied()
            .filter(|v| v.is_finite())
            .collect();
        if finite.is_empty() {
            return Err(Error::Image("FITS image has no finite pixels".into()));
        }
        finite.sort_by(|a, b| a.total_cmp(b));
        let q = |f: f64| finite[((finite.len() - 1) as f64 * f).round() as usize];
        let (lo, hi) = (q(0.005), q(0.995));
        let vals: Vec<f32> = self
            .data
            .iter()
            .map(|&v| if v.is_finite() { v.clamp(lo, hi) } else { lo })
            .collect();
        crate::display::gray_image(
            &vals,
            self.width,
            self.height,
            crate::display::Stretch::Asinh,
        )
    }
}

/// Reads the primary image of the FITS file at `path`.
pub fn read_fits(path: impl AsRef<Path>) -> Result<FitsImage> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    read_fits_bytes(&bytes).map_err(|e| match e {
        Error::Image(m) => Error::Image(format!("{}: {m}", path.display())),
        other => other,
    })
}

/// Reads the primary image from FITS bytes.
pub fn read_fits_bytes(bytes: &[u8]) -> Result<FitsImage> {
    let bad = |m: String| Error::Image(format!("not a readable FITS image: {m}"));
    if bytes.starts_with(&[0x1f, 0x8b]) || bytes.starts_with(b"BZh") {
        return Err(bad(
            "the file is gzip/bzip2-compressed; decompress it first".into(),
        ));
    }
    if !bytes.starts_with(b"SIMPLE  =") {
        return Err(bad("it does not start with SIMPLE =".into()));
    }
    let mut bitpix: Option<i64> = None;
    let mut naxis: Vec<usize> = Vec::new();
    let mut n_axes: Option<usize> = None;
    let (mut bscale, mut bzero) = (1.0f64, 0.0f64);
    let mut end = None;
    for (k, card) in bytes.chunks(CARD).enumerate() {
        if card.len() < CARD {
            break;
        }
        if !card.is_ascii() {
            return Err(bad(format!("header card {k} is not ASCII")));
        }
        let card = std::str::from_utf8(card).map_err(|_| bad(format!("card {k} is not ASCII")))?;
        let key = card[..8].trim_end();
        if key == "END" {
            end = Some((k + 1) * CARD);
            break;
        }
        if &card[8..10] != "= " {
            continue;
        }
        let value = card[10..].split('/').next().unwrap_or("").trim();
        let num = |v: &str| -> Result<f64> {
            v.replace('D', "E")
                .parse::<f64>()
                .map_err(|_| bad(format!("{key} = '{v}' is not a number")))
        };
        match key {
            "BITPIX" => bitpix = Some(num(value)? as i64),
            "NAXIS" => n_axes = Some(num(value)? as usize),
            "BSCALE" => bscale = num(value)?,
            "BZERO" => bzero = num(value)?,
            "ZIMAGE" | "ZCMPTYPE" => {
                return Err(bad("tile-compressed (.fz) images are not supported".into()));
            }
            k if k.starts_with("NAXIS") => {
                let idx: usize = k[5..].parse().map_err(|_| bad(format!("bad key {k}")))?;
                if idx >= 1 {
                    if naxis.len() < idx {
                        naxis.resize(idx, 0);
                    }
                    naxis[idx - 1] = num(value)? as usize;
                }
            }
            _ => {}
        }
    }
    let end = end.ok_or_else(|| bad("no END card in the header".into()))?;
    let bitpix = bitpix.ok_or_else(|| bad("BITPIX missing".into()))?;
    let n_axes = n_axes.ok_or_else(|| bad("NAXIS missing".into()))?;
    if n_axes < 2 || naxis.len() < 2 || naxis[0] == 0 || naxis[1] == 0 {
        return Err(bad(format!(
            "the primary HDU holds no 2-D image (NAXIS = {n_axes})"
        )));
    }
    let (w, h) = (naxis[0], naxis[1]);
    let size = match bitpix {
        8 => 1,
        16 => 2,
        32 | -32 => 4,
        64 | -64 => 8,
        b => return Err(bad(format!("BITPIX = {b} is not a FITS pixel type"))),
    };
    let start = end.div_ceil(BLOCK) * BLOCK;
    let n = w * h;
    let data = bytes
        .get(start..start + n * size)
        .ok_or_else(|| bad(format!("data truncated: need {} bytes of pixels", n * size)))?;
    let phys = |raw: f64| (bzero + bscale * raw) as f32;
    let mut values: Vec<f32> = data
        .chunks_exact(size)
        .map(|c| match bitpix {
            8 => phys(c[0] as f64),
            16 => phys(i16::from_be_bytes([c[0], c[1]]) as f64),
            32 => phys(i32::from_be_bytes([c[0], c[1], c[2], c[3]]) as f64),
            64 => phys(i64::from_be_bytes(c.try_into().unwrap_or([0; 8])) as f64),
            -32 => phys(f32::from_be_bytes([c[0], c[1], c[2], c[3]]) as f64),
            _ => phys(f64::from_be_bytes(c.try_into().unwrap_or([0; 8]))),
        })
        .collect();
    // Flip: FITS row 0 is the bottom.
    let mut flipped = Vec::with_capacity(n);
    for row in values.chunks_exact_mut(w).rev() {
        flipped.extend_from_slice(row);
    }
    Ok(FitsImage {
        width: w,
        height: h,
        data: flipped,
    })
}

/// Writes a −32 (float) FITS image, row 0 at the top; used by tests and for saving processed
/// frames.
pub fn fits_bytes_f32(width: usize, height: usize, data: &[f32]) -> Result<Vec<u8>> {
    if data.len() != width * height || width == 0 || height == 0 {
        return Err(Error::invalid(
            "data.len()",
            data.len(),
            format!("must equal width × height = {}", width * height),
        ));
    }
    let mut out = Vec::new();
    let card = |s: String| format!("{s:<80}");
    for c in [
        card(format!("{:<8}= {:>20}", "SIMPLE", "T")),
        card(format!("{:<8}= {:>20}", "BITPIX", -32)),
        card(format!("{:<8}= {:>20}", "NAXIS", 2)),
        card(format!("{:<8}= {:>20}", "NAXIS1", width)),
        card(format!("{:<8}= {:>20}", "NAXIS2", height)),
        card("END".into()),
    ] {
        out.extend_from_slice(c.as_bytes());
    }
    out.resize(out.len().div_ceil(BLOCK) * BLOCK, b' ');
    for row in data.chunks_exact(width).rev() {
        for v in row {
            out.extend_from_slice(&v.to_be_bytes());
        }
    }
    out.resize(out.len().div_ceil(BLOCK) * BLOCK, 0);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_image_round_trips_with_top_row_first() {
        let data: Vec<f32> = (0..12).map(|v| v as f32 * 0.5 - 1.0).collect();
        let bytes = fits_bytes_f32(4, 3, &data).unwrap();
        assert_eq!(bytes.len() % BLOCK, 0);
        let img = read_fits_bytes(&bytes).unwrap();
        assert_eq!((img.width, img.height), (4, 3));
        assert_eq!(img.data, data);
        let g = img.to_gray().unwrap();
        assert_eq!(g.dimensions(), (4, 3));
    }

    #[test]
    fn integer_image_uses_bscale_and_bzero() {
        let mut h = String::new();
        for c in [
            "SIMPLE  =                    T",
            "BITPIX  =                   16",
            "NAXIS   =                    2",
            "NAXIS1  =                    2",
            "NAXIS2  =                    1",
            "BSCALE  =                  2.0 / scale",
            "BZERO   =              32768.0",
            "END",
        ] {
            h += &format!("{c:<80}");
        }
        let mut bytes = h.into_bytes();
        bytes.resize(BLOCK, b' ');
        bytes.extend_from_slice(&(-3i16).to_be_bytes());
        bytes.extend_from_slice(&7i16.to_be_bytes());
        let img = read_fits_bytes(&bytes).unwrap();
        assert_eq!(img.data, vec![32762.0, 32782.0]);
    }

    #[test]
    fn corrupt_or_compressed_files_are_errors() {
        assert!(read_fits_bytes(b"not fits").is_err());
        assert!(
            read_fits_bytes(b"BZh91AY&SY")
                .unwrap_err()
                .to_string()
                .contains("decompress")
        );
        let bytes = fits_bytes_f32(4, 3, &[0.0; 12]).unwrap();
        let e = read_fits_bytes(&bytes[..BLOCK + 10]).unwrap_err();
        assert!(e.to_string().contains("truncated"), "{e}");
    }
}
