//! URLs of colour (gri) JPEG cutouts from the SDSS SkyServer DR15 image-cutout service:
//! `…/dr15/SkyServerWS/ImgCutout/getjpeg?ra=…&dec=…&scale=…&width=…&height=…`.

use crate::error::{Error, Result, check_positive, check_range};
use serde::{Deserialize, Serialize};

/// SkyServer DR15 `getjpeg` endpoint.
pub const DR15_GETJPEG_URL: &str = "https://skyserver.sdss.org/dr15/SkyServerWS/ImgCutout/getjpeg";

/// The largest width or height the cutout service serves, in pixels.
pub const MAX_CUTOUT_PIXELS: u32 = 2048;

/// A cutout centred on (RA, Dec).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CutoutRequest {
    /// Right ascension in degrees, [0, 360).
    pub ra: f64,
    /// Declination in degrees, [−90, 90].
    pub dec: f64,
    /// Arcseconds per pixel, > 0 (SDSS native: 0.396).
    pub scale: f64,
    /// Width in pixels, 1 to [`MAX_CUTOUT_PIXELS`].
    pub width: u32,
    /// Height in pixels, 1 to [`MAX_CUTOUT_PIXELS`].
    pub height: u32,
}

impl CutoutRequest {
    /// Our default cutout for the seed's pairs: 340 × 340 pixels (the seed's working size, so
    /// the resize step is the identity) at 0.4″/pixel, a 136″ field.
    pub fn new(ra: f64, dec: f64) -> Self {
        CutoutRequest {
            ra,
            dec,
            scale: 0.4,
            width: 340,
            height: 340,
        }
    }

    /// Checks every field; errors name the field.
    pub fn validate(&self) -> Result<()> {
        if !self.ra.is_finite() || !(0.0..360.0).contains(&self.ra) {
            return Err(Error::invalid(
                "ra",
                self.ra,
                "must lie in [0, 360) degrees",
            ));
        }
        check_range("dec", self.dec, -90.0, 90.0)?;
        check_positive("scale", self.scale)?;
        for (name, v) in [("width", self.width), ("height", self.height)] {
            if v == 0 || v > MAX_CUTOUT_PIXELS {
                return Err(Error::invalid(
                    name,
                    v,
                    format!("must be 1 to {MAX_CUTOUT_PIXELS} pixels"),
                ));
            }
        }
        Ok(())
    }

    /// The URL of this cutout at `base` (e.g. [`DR15_GETJPEG_URL`], or a local mirror).
    pub fn url(&self, base: &str) -> Result<String> {
        self.validate()?;
        let base = base.trim();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(Error::invalid(
                "base URL",
                base,
                "must start with http:// or https://",
            ));
        }
        let sep = if base.contains('?') {
            if base.ends_with('?') || base.ends_with('&') {
                ""
            } else {
                "&"
            }
        } else {
            "?"
        };
        Ok(format!(
            "{base}{sep}ra={}&dec={}&scale={}&width={}&height={}",
            short(self.ra),
            short(self.dec),
            short(self.scale),
            self.width,
            self.height
        ))
    }
}

/// `v` with at most 6 decimals (0.0036″ in a coordinate), trailing zeros dropped.
fn short(v: f64) -> String {
    let s = format!("{v:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.into() }
}

/// The DR15 `getjpeg` URL for a cutout at (RA, Dec) in degrees, `scale` arcsec/pixel,
/// `width × height` pixels. RA ∈ [0, 360), Dec ∈ [−90, 90], scale > 0, sizes 1–2048.
pub fn cutout_url(ra: f64, dec: f64, scale: f64, width: u32, height: u32) -> Result<String> {
    CutoutRequest {
        ra,
        dec,
        scale,
        width,
        height,
    }
    .url(DR15_GETJPEG_URL)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_the_dr15_url() {
        let u = cutout_url(231.7394, 10.1501, 0.4, 340, 340).unwrap();
        assert_eq!(
            u,
            "https://skyserver.sdss.org/dr15/SkyServerWS/ImgCutout/getjpeg?ra=231.7394&dec=10.1501&scale=0.4&width=340&height=340"
        );
        let r = CutoutRequest::new(12.97, -9.02);
        assert_eq!(
            r.url("http://127.0.0.1:8000/cut?x=1").unwrap(),
            "http://127.0.0.1:8000/cut?x=1&ra=12.97&dec=-9.02&scale=0.4&width=340&height=340"
        );
        assert!(r.url("ftp://x").is_err());
        let u = cutout_url(132.89483333333334, -0.0000001, 0.396, 64, 32).unwrap();
        assert!(
            u.ends_with("?ra=132.894833&dec=0&scale=0.396&width=64&height=32"),
            "{u}"
        );
    }

    #[test]
    fn rejects_bad_coordinates_and_sizes() {
        for (ra, dec, scale, w, h, name) in [
            (360.0, 0.0, 0.4, 10, 10, "ra"),
            (-0.1, 0.0, 0.4, 10, 10, "ra"),
            (f64::NAN, 0.0, 0.4, 10, 10, "ra"),
            (10.0, 90.5, 0.4, 10, 10, "dec"),
            (10.0, f64::NAN, 0.4, 10, 10, "dec"),
            (10.0, 0.0, 0.0, 10, 10, "scale"),
            (10.0, 0.0, -1.0, 10, 10, "scale"),
            (10.0, 0.0, 0.4, 0, 10, "width"),
            (10.0, 0.0, 0.4, 10, 4096, "height"),
        ] {
            let e = cutout_url(ra, dec, scale, w, h).unwrap_err().to_string();
            assert!(e.contains(name), "{e}");
        }
        assert!(cutout_url(0.0, -90.0, 0.1, 1, 2048).is_ok());
    }
}
