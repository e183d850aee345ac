//! How a [`SersicModel`] becomes pixels: the line-of-sight integral of its 3-D light, point-sampled
//! at pixel centres.
//!
//! Conventions (tests and users rely on them): pixel centres at `x = (col − (W−1)/2)·s`,
//! `y = ((H−1)/2 − row)·s` (row 0 at the top), line of sight along `z_sky`. The position angle PA
//! turns the major axis anticlockwise from +x: `x' = x cos PA + y sin PA`, `y' = −x sin PA + y cos PA`.
//! Then the disc is tilted about its major axis by the inclination i (i = 0 face-on):
//! `x_gal = x'`, `y_gal = y' cos i − z sin i`, `z_gal = y' sin i + z cos i`.
//!
//! Two renderers share these conventions:
//! * [`render`] — fast and exact up to the ~1e-7 Gaussian-mixture fit of the profile (`mog.rs`):
//!   each Gaussian component projects analytically over the *whole* line of sight;
//! * [`render_reference`] — brute force: adaptive Gauss–Kronrod along the line of sight for every
//!   pixel. Slow; it is what the fast path is tested against.

use super::mog::GaussianMixture;
use super::profile::{SersicDisc, SersicModel};
use crate::error::{Error, Result, check_finite, check_positive, check_range, check_size};
pub use crate::image::Image;
use serde::{Deserialize, Serialize};

/// Sérsic indices for which the Gaussian-mixture path is validated (≤ 1e-4 vs the reference);
/// [`render`] uses the reference integrator outside this range.
pub const MOG_N_RANGE: (f64, f64) = (0.5, 3.0);

/// The pixel grid: size and pixel scale (model length units per pixel).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Grid {
    /// Columns.
    pub width: usize,
    /// Rows.
    pub height: usize,
    /// Length of one pixel in the model's units (R_e is in the same units).
    pub pixel_scale: f64,
}

impl Default for Grid {
    /// The thesis's 64 × 64 grid with unit pixels.
    fn default() -> Self {
        Grid {
            width: 64,
            height: 64,
            pixel_scale: 1.0,
        }
    }
}

impl Grid {
    /// A square grid.
    pub fn square(size: usize, pixel_scale: f64) -> Result<Self> {
        let g = Grid {
            width: size,
            height: size,
            pixel_scale,
        };
        g.validate()?;
        Ok(g)
    }

    /// A square grid whose field of view spans ±`half_width_re` effective radii of `disc`
    /// (the thesis's "dynamic grid" future work).
    pub fn fitted(size: usize, disc: &SersicDisc, half_width_re: f64) -> Result<Self> {
        check_positive("half_width_re", half_width_re)?;
        disc.validate()?;
        check_size("size", size, 1)?;
        Grid::square(size, 2.0 * half_width_re * disc.r_e / size as f64)
    }

    /// Checks the size and pixel scale.
    pub fn validate(&self) -> Result<()> {
        check_size("width", self.width, 1)?;
        check_size("height", self.height, 1)?;
        if self.width > 8192 || self.height > 8192 {
            return Err(Error::invalid(
                "grid size",
                format!("{}x{}", self.width, self.height),
                "at most 8192 pixels per side",
            ));
        }
        check_positive("pixel_scale", self.pixel_scale)?;
        Ok(())
    }

    /// x of column `col`'s centre.
    #[inline]
    pub fn x(&self, col: usize) -> f64 {
        (col as f64 - (self.width as f64 - 1.0) / 2.0) * self.pixel_scale
    }

    /// y of row `row`'s centre (row 0 at the top).
    #[inline]
    pub fn y(&self, row: usize) -> f64 {
        ((self.height as f64 - 1.0) / 2.0 - row as f64) * self.pixel_scale
    }
}

/// The viewing geometry.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct View {
    /// Inclination in degrees, [0, 90]; 0 is face-on.
    pub inclination_deg: f64,
    /// Position angle of the major axis in degrees, anticlockwise from +x; any value in [−360, 360].
    pub pa_deg: f64,
}

impl View {
    /// Inclination `i` degrees at PA = 0 (the thesis's choice).
    pub fn inclined(inclination_deg: f64) -> Result<Self> {
        let v = View {
            inclination_deg,
            pa_deg: 0.0,
        };
        v.validate()?;
        Ok(v)
    }

    /// Sets the position angle.
    pub fn with_pa(mut self, pa_deg: f64) -> Result<Self> {
        self.pa_deg = pa_deg;
        self.validate()?;
        Ok(self)
    }

    /// Checks the angles.
    pub fn validate(&self) -> Result<()> {
        check_range("inclination_deg", self.inclination_deg, 0.0, 90.0)?;
        check_range("pa_deg", self.pa_deg, -360.0, 360.0)?;
        Ok(())
    }
}

fn check_inputs(model: &SersicModel, view: &View, grid: &Grid) -> Result<()> {
    model.disc.validate()?;
    view.validate()?;
    grid.validate()
}

/// Renders `model` seen at `view` on `grid` (fast path; see the module docs).
pub fn render(model: &SersicModel, view: &View, grid: &Grid) -> Result<Image> {
    check_inputs(model, view, grid)?;
    let n = model.disc.n;
    if n < MOG_N_RANGE.0 || n > MOG_N_RANGE.1 {
        return render_reference(model, view, grid);
    }
    let mog = GaussianMixture::fit_sersic(n, model.b_n);
    Ok(render_mixture(model, &mog, view, grid))
}

/// Renders several inclinations of one galaxy, sharing the profile fit.
pub fn render_views(model: &SersicModel, views: &[View], grid: &Grid) -> Result<Vec<Image>> {
    let n = model.disc.n;
    if n < MOG_N_RANGE.0 || n > MOG_N_RANGE.1 {
        return views
            .iter()
            .map(|v| render_reference(model, v, grid))
            .collect();
    }
    for v in views {
        check_inputs(model, v, grid)?;
    }
    let mog = GaussianMixture::fit_sersic(n, model.b_n);
    Ok(views
        .iter()
        .map(|v| render_mixture(model, &mog, v, grid))
        .collect())
}

/// Projected 2-D Gaussians: amplitude and variances along the major (x') and minor (y') axes.
fn projected_components(
    model: &SersicModel,
    mog: &GaussianMixture,
    view: &View,
) -> Vec<(f64, f64, f64)> {
    let (si, ci) = view.inclination_deg.to_radians().sin_cos();
    let h = model.h_z;
    let sqrt_2pi = (2.0 * std::f64::consts::PI).sqrt();
    mog.amps
        .iter()
        .zip(&mog.sigmas)
        .map(|(&a, &sig)| {
            let s = sig * model.disc.r_e;
            let var_x = s * s;
            let var_y = s * s * ci * ci + h * h * si * si;
            // ∫ exp(−R²/2s² − z_gal²/2h²) dz = √(2π) s h / σ_y · exp(−x'²/2s² − y'²/2σ_y²)
            let amp = model.disc.i_e * a * sqrt_2pi * s * h / var_y.sqrt();
            (amp, var_x, var_y)
        })
        .collect()
}

fn render_mixture(model: &SersicModel, mog: &GaussianMixture, view: &View, grid: &Grid) -> Image {
    let comps = projected_components(model, mog, view);
    let (w, hgt) = (grid.width, grid.height);
    let mut acc = vec![0.0f64; w * hgt];
    if view.pa_deg.rem_euclid(360.0) == 0.0 {
        // Separable, exp(−x²/2σx²) · exp(−y²/2σy²), and symmetric under x → −x and y → −y:
        // compute the top-left quadrant as a rank-M sum of outer products, then mirror it.
        let (wq, hq) = (w.div_ceil(2), hgt.div_ceil(2));
        let xs: Vec<f64> = (0..wq).map(|c| grid.x(c)).collect();
        let ys: Vec<f64> = (0..hq).map(|r| grid.y(r)).collect();
        let mut quad = vec![0.0f64; wq * hq];
        let mut ex = vec![0.0f64; wq];
        let mut ey = vec![0.0f64; hq];
        for &(amp, vx, vy) in &comps {
            if amp == 0.0 {
                continue;
            }
            let (kx, ky) = (-0.5 / vx, -0.5 / vy);
            for (e, &x) in ex.iter_mut().zip(&xs) {
                *e = (kx * x * x).exp();
            }
            for (e, &y) in ey.iter_mut().zip(&ys) {
                *e = amp * (ky * y * y).exp();
            }
            for (row, &fy) in quad.chunks_exact_mut(wq).zip(&ey) {
                if fy == 0.0 {
                    continue;
                }
                for (a, &fx) in row.iter_mut().zip(&ex) {
                    *a += fy * fx;
                }
            }
        }
        for r in 0..hgt {
            let qr = r.min(hgt - 1 - r);
            for c in 0..w {
                acc[r * w + c] = quad[qr * wq + c.min(w - 1 - c)];
            }
        }
    } else {
        let (sp, cp) = view.pa_deg.to_radians().sin_cos();
        for r in 0..hgt {
            let y = grid.y(r);
            for c in 0..w {
                let x = grid.x(c);
                let xp = x * cp + y * sp;
                let yp = -x * sp + y * cp;
                acc[r * w + c] = comps
                    .iter()
                    .map(|&(a, vx, vy)| a * (-0.5 * (xp * xp / vx + yp * yp / vy)).exp())
                    .sum();
            }
        }
    }
    Image {
        width: w,
        height: hgt,
        // The fit can undershoot by ~1e-9 I_e far out; flux is non-negative by definition.
        data: acc.into_iter().map(|v| v.max(0.0) as f32).collect(),
    }
}

/// The line-of-sight integral at sky position (x, y) by adaptive quadrature (brute force).
///
/// With w = y_gal as the integration variable (dz = dw / sin i),
/// `P = (1/sin i) ∫ I(√(x'² + w²)) exp(−½ ((y' − w cos i) / (h sin i))²) dw`, integrated over
/// the whole range where either factor matters, split at the cusp w = 0 and the Gaussian's
/// centre. At i = 0 the integral is `√(2π) h I(√(x'² + y'²))` exactly.
pub fn line_of_sight(model: &SersicModel, view: &View, x: f64, y: f64) -> f64 {
    let (sp, cp) = view.pa_deg.to_radians().sin_cos();
    let xp = x * cp + y * sp;
    let yp = -x * sp + y * cp;
    let (si, ci) = view.inclination_deg.to_radians().sin_cos();
    let h = model.h_z;
    if si == 0.0 {
        return (2.0 * std::f64::consts::PI).sqrt() * h * model.intensity(xp.hypot(yp));
    }
    let d = &model.disc;
    // Beyond w_max the profile is below e^-40 of I_e at every x'.
    let w_max = d.r_e * ((40.0 + model.b_n) / model.b_n).powf(d.n);
    let sig_w = h * si / ci.max(1e-300);
    let (mut lo, mut hi) = (-w_max, w_max);
    let mut breaks = vec![0.0];
    if ci > 1e-12 {
        let w0 = yp / ci;
        lo = lo.max(w0 - 12.0 * sig_w);
        hi = hi.min(w0 + 12.0 * sig_w);
        breaks.push(w0);
    }
    if hi <= lo {
        return 0.0;
    }
    let f = |w: f64| {
        let t = (yp - w * ci) / (h * si);
        model.intensity(xp.hypot(w)) * (-0.5 * t * t).exp()
    };
    // Absolute tolerance relative to the brightest possible value of the integral.
    let scale = d.i_e * (model.b_n).exp() * d.r_e.max(h);
    crate::sim::quad::integrate_with_breaks(&f, lo, hi, &breaks, 1e-13 * scale) / si
}

/// Brute-force image: [`line_of_sight`] at every pixel centre (parallel over rows).
pub fn render_reference(model: &SersicModel, view: &View, grid: &Grid) -> Result<Image> {
    use rayon::prelude::*;
    check_inputs(model, view, grid)?;
    let data: Vec<f32> = (0..grid.height)
        .into_par_iter()
        .flat_map_iter(|r| {
            let y = grid.y(r);
            (0..grid.width).map(move |c| line_of_sight(model, view, grid.x(c), y) as f32)
        })
        .collect();
    Ok(Image {
        width: grid.width,
        height: grid.height,
        data,
    })
}

/// The thesis's straightforward method, for comparison only: sample the 3-D density on a cube of
/// `depth` cells along the line of sight, spanning the same length as the image's width, and sum.
/// It truncates the line of sight, which is why it is wrong for large, edge-on galaxies.
pub fn render_cube(model: &SersicModel, view: &View, grid: &Grid, depth: usize) -> Result<Image> {
    check_inputs(model, view, grid)?;
    check_size("depth", depth, 1)?;
    let (si, ci) = view.inclination_deg.to_radians().sin_cos();
    let (sp, cp) = view.pa_deg.to_radians().sin_cos();
    let dz = grid.pixel_scale * grid.width as f64 / depth as f64;
    let mut data = Vec::with_capacity(grid.width * grid.height);
    for r in 0..grid.height {
        let y = grid.y(r);
        for c in 0..grid.width {
            let x = grid.x(c);
            let xp = x * cp + y * sp;
            let yp = -x * sp + y * cp;
            let mut s = 0.0;
            for k in 0..depth {
                let z = (k as f64 - (depth as f64 - 1.0) / 2.0) * dz;
                let yg = yp * ci - z * si;
                let zg = yp * si + z * ci;
                s += model.density(xp.hypot(yg), zg);
            }
            data.push((s * dz) as f32);
        }
    }
    Ok(Image {
        width: grid.width,
        height: grid.height,
        data,
    })
}

/// Convenience: validate parameters and render one galaxy at one inclination (PA = 0) on the
/// default 64 × 64 grid.
pub fn render_sersic(disc: &SersicDisc, inclination_deg: f64) -> Result<Image> {
    check_finite("inclination_deg", inclination_deg)?;
    render(
        &disc.model()?,
        &View::inclined(inclination_deg)?,
        &Grid::default(),
    )
}
