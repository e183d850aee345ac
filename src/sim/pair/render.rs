//! From particles to pictures: projection for a viewing direction (θ, φ), a smoothed surface-density
//! image, log stretch, PNG/GIF export.
//!
//! # Viewing angles (seed 000 §2)
//! θ ∈ [−90°, 90°] is the angle between the line of sight and the orbital-plane normal (z), φ ∈
//! [0°, 360°) an azimuth about z. The system is first turned by −φ about z, then tilted by θ about
//! the new x axis: with (x₁, y₁) = (x cos φ + y sin φ, −x sin φ + y cos φ), the sky coordinates are
//! `u = x₁` (right), `v = y₁ cos θ − z sin θ` (up), and the observer looks from
//! ŝ = (−sin θ sin φ, sin θ cos φ, cos θ). θ = 0 shows the orbital plane face-on; θ = ±90° edge-on;
//! +θ and −θ are mirror views.
//!
//! # Images
//! Particles are deposited with cloud-in-cell weights on a `size × size` grid centred on the
//! barycentre (the origin), then smoothed with a Gaussian of `smoothing_px` pixels (a fixed
//! kernel). Pixel values are surface densities (mass units per kpc²), pixel centres follow the
//! Sérsic renderer's convention (`x = (col − (W−1)/2)·s`, row 0 at the top).
//!
//! # Field of view — never a silent crop
//! [`FieldOfView::Auto`] takes the half-width from the snapshot: the radius (3-D, from the
//! barycentre) that encloses the fraction `enclosed` of the stellar mass, times `margin`. Being 3-D
//! it is the same for every (θ, φ) of a snapshot. Every image reports the mass fraction whose
//! projected position fell outside the frame ([`PairImage::fraction_outside`]).

use super::galaxy::ParticleKind;
use super::integrate::Snapshot;
use crate::display::Stretch;
use crate::error::{Error, Result, check_finite, check_positive, check_range, check_size};
use crate::image::Image;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// GalMer's image size (450 × 450).
pub const GALMER_SIZE: usize = 450;

/// A viewing direction.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ViewAngles {
    /// Angle between line of sight and orbital-plane normal (degrees, [−90, 90]).
    pub theta_deg: f64,
    /// Azimuth about the normal (degrees, [0, 360)).
    pub phi_deg: f64,
}

impl ViewAngles {
    /// Checked constructor.
    pub fn new(theta_deg: f64, phi_deg: f64) -> Result<Self> {
        let v = ViewAngles { theta_deg, phi_deg };
        v.validate()?;
        Ok(v)
    }

    /// Checks the ranges.
    pub fn validate(&self) -> Result<()> {
        check_range("theta_deg", self.theta_deg, -90.0, 90.0)?;
        check_range("phi_deg", self.phi_deg, 0.0, 360.0)?;
        if self.phi_deg >= 360.0 {
            return Err(Error::invalid(
                "phi_deg",
                self.phi_deg,
                "must lie in [0, 360)",
            ));
        }
        Ok(())
    }

    /// Rows: sky right (u), sky up (v) and towards the observer (ŝ), in global coordinates.
    pub fn axes(&self) -> [[f64; 3]; 3] {
        let (st, ct) = self.theta_deg.to_radians().sin_cos();
        let (sp, cp) = self.phi_deg.to_radians().sin_cos();
        [
            [cp, sp, 0.0],
            [-sp * ct, cp * ct, -st],
            [-sp * st, cp * st, ct],
        ]
    }

    /// Unit vector from the system towards the observer.
    pub fn line_of_sight(&self) -> [f64; 3] {
        self.axes()[2]
    }
}

/// How the field of view is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum FieldOfView {
    /// From the snapshot: the 3-D radius enclosing `enclosed` of the stellar mass, × `margin`.
    Auto {
        /// Mass fraction, (0, 1].
        enclosed: f64,
        /// Factor ≥ 1 on that radius.
        margin: f64,
    },
    /// Fixed half-width (kpc).
    HalfWidth(f64),
}

/// Which particles make the image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Components {
    /// Discs and bulges.
    All,
    /// Disc particles only.
    Discs,
    /// Bulge particles only.
    Bulges,
}

/// Image settings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RenderConfig {
    /// Side in pixels (default 450, GalMer's).
    pub size: usize,
    /// Field of view.
    pub fov: FieldOfView,
    /// Gaussian smoothing σ in pixels (0: cloud-in-cell only).
    pub smoothing_px: f64,
    /// Particles to include.
    pub components: Components,
}

impl Default for RenderConfig {
    fn default() -> Self {
        RenderConfig {
            size: GALMER_SIZE,
            fov: FieldOfView::Auto {
                enclosed: 0.98,
                margin: 1.15,
            },
            smoothing_px: 1.0,
            components: Components::All,
        }
    }
}

impl RenderConfig {
    /// Default settings at another size (smoothing scaled with the size, at least 0.5 px).
    pub fn with_size(size: usize) -> Self {
        RenderConfig {
            size,
            smoothing_px: (size as f64 / GALMER_SIZE as f64).max(0.5),
            ..Default::default()
        }
    }

    /// Checks the settings.
    pub fn validate(&self) -> Result<()> {
        check_size("image size", self.size, 1)?;
        if self.size > 8192 {
            return Err(Error::invalid(
                "image size",
                self.size,
                "at most 8192 pixels",
            ));
        }
        check_finite("smoothing_px", self.smoothing_px)?;
        if self.smoothing_px < 0.0 || self.smoothing_px > 100.0 {
            return Err(Error::invalid(
                "smoothing_px",
                self.smoothing_px,
                "must lie in [0, 100]",
            ));
        }
        match self.fov {
            FieldOfView::Auto { enclosed, margin } => {
                check_range("fov enclosed fraction", enclosed, 0.0, 1.0)?;
                if enclosed <= 0.0 {
                    return Err(Error::invalid(
                        "fov enclosed fraction",
                        enclosed,
                        "must be > 0",
                    ));
                }
                check_range("fov margin", margin, 1.0, 100.0)?;
            }
            FieldOfView::HalfWidth(h) => {
                check_positive("fov half-width (kpc)", h)?;
            }
        }
        Ok(())
    }

    fn includes(&self, k: ParticleKind) -> bool {
        match self.components {
            Components::All => true,
            Components::Discs => k == ParticleKind::Disc,
            Components::Bulges => k == ParticleKind::Bulge,
        }
    }
}

/// A rendered view with its scale and what fell outside.
#[derive(Debug, Clone, PartialEq)]
pub struct PairImage {
    /// Surface density (mass units per kpc²), row 0 at the top.
    pub image: Image,
    /// The view.
    pub view: ViewAngles,
    /// Half-width of the frame (kpc).
    pub half_width_kpc: f64,
    /// Pixel size (kpc).
    pub pixel_kpc: f64,
    /// Fraction of the included stellar mass projected outside the frame.
    pub fraction_outside: f64,
}

impl PairImage {
    /// The image log-stretched to [0, 1] over `decades` below its maximum ([`log_stretch`]).
    pub fn stretched(&self, decades: f64) -> Result<Vec<f32>> {
        log_stretch(&self.image.data, decades)
    }

    /// Greyscale PNG (the crate's display stretches).
    pub fn to_png(&self, stretch: Stretch) -> Result<crate::display::Png> {
        self.image.to_png(stretch)
    }

    /// Writes a log-stretched greyscale PNG (`decades` of dynamic range).
    pub fn save_png(&self, path: impl AsRef<Path>, decades: f64) -> Result<()> {
        let v = self.stretched(decades)?;
        crate::display::gray_png(&v, self.image.width, self.image.height, Stretch::Linear)?
            .save(path)
    }

    /// Inline display in evcxr (4 decades, log).
    pub fn evcxr_display(&self) {
        match self.stretched(4.0).and_then(|v| {
            crate::display::gray_png(&v, self.image.width, self.image.height, Stretch::Linear)
        }) {
            Ok(p) => p.evcxr_display(),
            Err(e) => eprintln!("{e}"),
        }
    }
}

/// Maps surface densities to [0, 1]: `1 + log10(Σ/Σ_max)/decades`, clipped at 0. An all-zero
/// image stays zero.
pub fn log_stretch(data: &[f32], decades: f64) -> Result<Vec<f32>> {
    check_positive("decades", decades)?;
    if let Some(i) = data.iter().position(|v| !v.is_finite() || *v < 0.0) {
        return Err(Error::invalid(
            &format!("pixel {i}"),
            data[i],
            "must be finite and ≥ 0",
        ));
    }
    let max = data.iter().cloned().fold(0f32, f32::max);
    if max <= 0.0 {
        return Ok(vec![0.0; data.len()]);
    }
    let inv = 1.0 / (decades as f32);
    Ok(data
        .iter()
        .map(|&v| {
            if v <= 0.0 {
                0.0
            } else {
                (1.0 + (v / max).log10() * inv).clamp(0.0, 1.0)
            }
        })
        .collect())
}

/// Half-width (kpc) of the frame for `snapshot` under `cfg`.
pub fn field_of_view(snapshot: &Snapshot, cfg: &RenderConfig) -> Result<f64> {
    cfg.validate()?;
    match cfg.fov {
        FieldOfView::HalfWidth(h) => Ok(h),
        FieldOfView::Auto { enclosed, margin } => {
            let p = &snapshot.particles;
            let mut rm: Vec<(f32, f32)> = (0..p.len())
                .filter(|&k| cfg.includes(p.kind[k]))
                .map(|k| {
                    let q = p.pos(k);
                    ((q[0] * q[0] + q[1] * q[1] + q[2] * q[2]).sqrt(), p.mass[k])
                })
                .collect();
            if rm.is_empty() {
                return Err(Error::invalid(
                    "components",
                    format!("{:?}", cfg.components),
                    "no particles of that kind in the snapshot",
                ));
            }
            rm.sort_by(|a, b| a.0.total_cmp(&b.0));
            let total: f64 = rm.iter().map(|x| x.1 as f64).sum();
            let mut acc = 0.0;
            let mut r = rm[rm.len() - 1].0;
            for &(ri, mi) in &rm {
                acc += mi as f64;
                if acc >= enclosed * total {
                    r = ri;
                    break;
                }
            }
            Ok((r as f64 * margin).max(1e-3))
        }
    }
}

/// Renders one view of `snapshot`.
pub fn render(snapshot: &Snapshot, view: ViewAngles, cfg: &RenderConfig) -> Result<PairImage> {
    Ok(render_views(snapshot, &[view], cfg)?.remove(0))
}

/// Renders `view` of each of `snapshots` (e.g. one encounter at several times, or several
/// encounters side by side) in one common frame, the widest of their fields of view under `cfg`,
/// so sizes compare from panel to panel: with `FieldOfView::Auto` each snapshot alone would get
/// a frame of its own. (The views of one snapshot share a frame already: [`render_views`].)
pub fn render_in_one_frame(
    snapshots: &[Snapshot],
    view: ViewAngles,
    cfg: &RenderConfig,
) -> Result<Vec<PairImage>> {
    check_size("snapshots", snapshots.len(), 1)?;
    let mut half = 0.0f64;
    for s in snapshots {
        check_size("particles", s.particles.len(), 1)?;
        half = half.max(field_of_view(s, cfg)?);
    }
    let fixed = RenderConfig {
        fov: FieldOfView::HalfWidth(half),
        ..*cfg
    };
    snapshots.iter().map(|s| render(s, view, &fixed)).collect()
}

/// Renders many views of one snapshot (shared field of view, parallel over views).
pub fn render_views(
    snapshot: &Snapshot,
    views: &[ViewAngles],
    cfg: &RenderConfig,
) -> Result<Vec<PairImage>> {
    cfg.validate()?;
    for v in views {
        v.validate()?;
    }
    check_size("particles", snapshot.particles.len(), 1)?;
    let hw = field_of_view(snapshot, cfg)?;
    views
        .par_iter()
        .map(|&v| Ok(project(snapshot, v, cfg, hw)))
        .collect()
}

fn project(snapshot: &Snapshot, view: ViewAngles, cfg: &RenderConfig, hw: f64) -> PairImage {
    let n = cfg.size;
    let pix = 2.0 * hw / n as f64;
    let ax = view.axes();
    let a: [[f32; 3]; 2] = [ax[0].map(|v| v as f32), ax[1].map(|v| v as f32)];
    let p = &snapshot.particles;
    let mut grid = vec![0f64; n * n];
    let (mut total, mut outside) = (0f64, 0f64);
    let inv = (1.0 / pix) as f32;
    let half = (n as f32 - 1.0) / 2.0;
    let hw32 = hw as f32;
    for k in 0..p.len() {
        if !cfg.includes(p.kind[k]) {
            continue;
        }
        let (x, y, z) = (p.x[k], p.y[k], p.z[k]);
        let m = p.mass[k] as f64;
        total += m;
        let u = a[0][0] * x + a[0][1] * y + a[0][2] * z;
        let v = a[1][0] * x + a[1][1] * y + a[1][2] * z;
        if u.abs() > hw32 || v.abs() > hw32 || !u.is_finite() || !v.is_finite() {
            outside += m;
            continue;
        }
        let col = u * inv + half;
        let row = half - v * inv;
        let (c0, r0) = (col.floor(), row.floor());
        let (fx, fy) = ((col - c0) as f64, (row - r0) as f64);
        let (c0, r0) = (c0 as i64, r0 as i64);
        for (dr, wy) in [(0i64, 1.0 - fy), (1, fy)] {
            for (dc, wx) in [(0i64, 1.0 - fx), (1, fx)] {
                let (r, c) = (r0 + dr, c0 + dc);
                if r >= 0 && c >= 0 && (r as usize) < n && (c as usize) < n {
                    grid[r as usize * n + c as usize] += m * wx * wy;
                }
            }
        }
    }
    if cfg.smoothing_px > 0.0 {
        grid = gaussian_blur(&grid, n, cfg.smoothing_px);
    }
    let area = pix * pix;
    PairImage {
        image: Image {
            width: n,
            height: n,
            data: grid.iter().map(|&v| (v / area) as f32).collect(),
        },
        view,
        half_width_kpc: hw,
        pixel_kpc: pix,
        fraction_outside: if total > 0.0 { outside / total } else { 0.0 },
    }
}

/// Gaussian blur of a square image with standard deviation `sigma_px` (> 0) pixels: separable,
/// kernel truncated at 4σ and normalised, zero padding (light blurred out of the frame is lost,
/// as for a cutout). Unlike imageproc's `gaussian_blur_f32`, whose kernel stops at 2σ (its blur
/// of a point has a standard deviation about 5 % short of σ), this has the width asked for: the
/// PSF of [`super::observe`] uses it.
pub fn gaussian_blur_image(img: &Image, sigma_px: f64) -> Result<Image> {
    crate::augment::ops::check_image("image", img)?;
    check_positive("sigma_px", sigma_px)?;
    if img.width != img.height {
        return Err(Error::invalid(
            "image shape",
            format!("{}×{}", img.width, img.height),
            "the blur takes square images",
        ));
    }
    let src: Vec<f64> = img.data.iter().map(|&v| v as f64).collect();
    Ok(Image {
        width: img.width,
        height: img.height,
        data: gaussian_blur(&src, img.width, sigma_px)
            .into_iter()
            .map(|v| v as f32)
            .collect(),
    })
}

/// Separable Gaussian blur with zero padding (kernel truncated at 4σ, normalised).
fn gaussian_blur(src: &[f64], n: usize, sigma: f64) -> Vec<f64> {
    let r = (4.0 * sigma).ceil() as usize;
    let mut k: Vec<f64> = (0..=2 * r)
        .map(|i| {
            let x = i as f64 - r as f64;
            (-0.5 * x * x / (sigma * sigma)).exp()
        })
        .collect();
    let s: f64 = k.iter().sum();
    k.iter_mut().for_each(|v| *v /= s);
    let mut tmp = vec![0f64; n * n];
    for row in 0..n {
        for col in 0..n {
            let mut acc = 0.0;
            for (i, w) in k.iter().enumerate() {
                let c = col as i64 + i as i64 - r as i64;
                if c >= 0 && (c as usize) < n {
                    acc += w * src[row * n + c as usize];
                }
            }
            tmp[row * n + col] = acc;
        }
    }
    let mut out = vec![0f64; n * n];
    for row in 0..n {
        for (i, w) in k.iter().enumerate() {
            let rr = row as i64 + i as i64 - r as i64;
            if rr < 0 || rr as usize >= n {
                continue;
            }
            let (dst, srow) = (row * n, rr as usize * n);
            for col in 0..n {
                out[dst + col] += w * tmp[srow + col];
            }
        }
    }
    out
}

/// Writes an animated GIF of the frames (log stretch over `decades`, `delay_ms` per frame).
pub fn save_gif(
    frames: &[PairImage],
    path: impl AsRef<Path>,
    delay_ms: u32,
    decades: f64,
) -> Result<()> {
    use image::codecs::gif::{GifEncoder, Repeat};
    check_size("frames", frames.len(), 1)?;
    let mut bytes = Vec::new();
    {
        let mut enc = GifEncoder::new(&mut bytes);
        enc.set_repeat(Repeat::Infinite)
            .map_err(|e| Error::Image(e.to_string()))?;
        for f in frames {
            let v = f.stretched(decades)?;
            let g = crate::display::gray_image(&v, f.image.width, f.image.height, Stretch::Linear)?;
            let rgba = image::DynamicImage::ImageLuma8(g).to_rgba8();
            let frame = image::Frame::from_parts(
                rgba,
                0,
                0,
                image::Delay::from_numer_denom_ms(delay_ms, 1),
            );
            enc.encode_frame(frame)
                .map_err(|e| Error::Image(e.to_string()))?;
        }
    }
    crate::io::write_atomic(path, &bytes)
}

#[cfg(test)]
mod tests {
    use super::super::integrate::{Particles, Snapshot};
    use super::*;

    fn snap(points: &[[f32; 3]]) -> Snapshot {
        let mut p = Particles::default();
        for q in points {
            p.x.push(q[0]);
            p.y.push(q[1]);
            p.z.push(q[2]);
            p.vx.push(0.0);
            p.vy.push(0.0);
            p.vz.push(0.0);
            p.mass.push(1.0);
            p.galaxy.push(0);
            p.kind.push(ParticleKind::Disc);
        }
        Snapshot {
            time_myr: 0.0,
            time_from_pericentre_myr: None,
            centres: vec![[0.0; 3]],
            centre_velocities: vec![[0.0; 3]],
            particles: p,
        }
    }

    #[test]
    fn axes_are_orthonormal_and_theta_is_the_angle_to_z() {
        for (t, f) in [(0.0, 0.0), (35.0, 120.0), (-80.0, 359.0), (90.0, 10.0)] {
            let v = ViewAngles::new(t, f).unwrap();
            let a = v.axes();
            for i in 0..3 {
                for j in 0..3 {
                    let d: f64 = (0..3).map(|k| a[i][k] * a[j][k]).sum();
                    assert!((d - if i == j { 1.0 } else { 0.0 }).abs() < 1e-12);
                }
            }
            let s = v.line_of_sight();
            assert!((s[2].acos().to_degrees() - f64::abs(t)).abs() < 1e-9);
        }
    }

    #[test]
    fn mass_is_conserved_and_outside_is_reported() {
        let s = snap(&[[0.0, 0.0, 0.0], [1.3, -0.7, 0.2], [50.0, 0.0, 0.0]]);
        let cfg = RenderConfig {
            size: 32,
            fov: FieldOfView::HalfWidth(10.0),
            smoothing_px: 0.0,
            components: Components::All,
        };
        let img = render(&s, ViewAngles::new(0.0, 0.0).unwrap(), &cfg).unwrap();
        let mass = img.image.sum() * img.pixel_kpc * img.pixel_kpc;
        assert!((mass - 2.0).abs() < 1e-5, "{mass}");
        assert!((img.fraction_outside - 1.0 / 3.0).abs() < 1e-12);
        // Smoothing keeps the mass of a central source.
        let cfg2 = RenderConfig {
            smoothing_px: 1.5,
            ..cfg
        };
        let img = render(
            &snap(&[[0.0, 0.0, 0.0]]),
            ViewAngles::new(0.0, 0.0).unwrap(),
            &cfg2,
        )
        .unwrap();
        let mass = img.image.sum() * img.pixel_kpc * img.pixel_kpc;
        assert!((mass - 1.0).abs() < 1e-5, "{mass}");
    }

    #[test]
    fn orientation_follows_the_convention() {
        // A particle on +x appears right of centre for θ = 0, φ = 0; on +y, above.
        let cfg = RenderConfig {
            size: 21,
            fov: FieldOfView::HalfWidth(10.0),
            smoothing_px: 0.0,
            components: Components::All,
        };
        let v = ViewAngles::new(0.0, 0.0).unwrap();
        let img = render(&snap(&[[5.0, 0.0, 0.0]]), v, &cfg).unwrap();
        let k = img.image.data.iter().position(|&x| x > 0.0).unwrap();
        assert!(k % 21 > 10 && k / 21 == 10, "{k}");
        let img = render(&snap(&[[0.0, 5.0, 0.0]]), v, &cfg).unwrap();
        let k = img.image.data.iter().position(|&x| x > 0.0).unwrap();
        assert!(k / 21 < 10 && k % 21 == 10, "{k}");
        // θ = 90: +z appears below (v = −z), the orbital plane edge-on.
        let v = ViewAngles::new(90.0, 0.0).unwrap();
        let img = render(&snap(&[[0.0, 0.0, 5.0]]), v, &cfg).unwrap();
        let k = img.image.data.iter().position(|&x| x > 0.0).unwrap();
        assert!(k / 21 > 10, "{k}");
    }

    #[test]
    fn snapshots_in_one_frame_share_the_widest_frame_and_keep_their_light() {
        let near = snap(&[[1.0, 0.0, 0.0], [-1.0, 0.0, 0.0]]);
        let far = snap(&[[10.0, 0.0, 0.0], [-10.0, 0.0, 0.0]]);
        let cfg = RenderConfig::with_size(64);
        let (h_near, h_far) = (
            field_of_view(&near, &cfg).unwrap(),
            field_of_view(&far, &cfg).unwrap(),
        );
        assert!(h_far > 5.0 * h_near, "{h_near} {h_far}");
        let view = ViewAngles::new(0.0, 0.0).unwrap();
        let both = render_in_one_frame(&[near.clone(), far], view, &cfg).unwrap();
        for p in &both {
            assert_eq!(p.half_width_kpc, h_far);
        }
        // The near pair's light, all inside either frame, is the same total in the wider one.
        let alone = render(&near, view, &cfg).unwrap();
        let sum = |p: &PairImage| {
            p.image
                .data
                .iter()
                .map(|&v| v as f64 * p.pixel_kpc * p.pixel_kpc)
                .sum::<f64>()
        };
        assert!(
            (sum(&both[0]) / sum(&alone) - 1.0).abs() < 1e-3,
            "{} {}",
            sum(&both[0]),
            sum(&alone)
        );
        assert!(
            render_in_one_frame(&[], view, &cfg)
                .unwrap_err()
                .to_string()
                .contains("snapshots")
        );
    }

    #[test]
    fn bad_views_and_sizes_are_errors() {
        assert!(
            ViewAngles::new(f64::NAN, 0.0)
                .unwrap_err()
                .to_string()
                .contains("theta_deg")
        );
        assert!(ViewAngles::new(91.0, 0.0).is_err());
        assert!(ViewAngles::new(0.0, 360.0).is_err());
        let cfg = RenderConfig {
            size: 0,
            ..Default::default()
        };
        let e = render(&snap(&[[0.0; 3]]), ViewAngles::new(0.0, 0.0).unwrap(), &cfg).unwrap_err();
        assert!(e.to_string().contains("image size"), "{e}");
        assert_eq!(log_stretch(&[0.0, 0.0], 3.0).unwrap(), vec![0.0, 0.0]);
        let s = log_stretch(&[1.0, 0.1, 1e-5], 4.0).unwrap();
        assert!(
            s[0] == 1.0 && (s[1] - 0.75).abs() < 1e-6 && s[2] == 0.0,
            "{s:?}"
        );
    }
}
