//! Time integration: the galaxy centres under each other's extended potentials, and the test
//! particles in all of them (restricted N-body, Toomre & Toomre 1972).
//!
//! # Centres
//! Each galaxy is a rigid body of mass M_g carrying a rigid potential Φ_g. Two centres interact
//! through the symmetrised potential energy U(d) = ½[M₂ Φ₁(d) + M₁ Φ₂(−d)], d = x₂ − x₁, which is
//! −G M₁M₂/|d| for point masses; the forces ∓∇U are equal and opposite, so momentum is exact and
//! E = Σ ½M_g v_g² + U is conserved by the dynamics (the leapfrog conserves it to O(h²), bounded).
//! Optional Chandrasekhar dynamical friction (see [`Friction`]) removes orbital energy so pairs
//! can merge. The centres take `centre_substeps` KDK leapfrog substeps per particle step.
//!
//! # Particles
//! Massless; each feels every galaxy's potential centred on that galaxy's centre. KDK leapfrog
//! with the documented step `dt_myr` (default 0.5 Myr ≈ 0.051 time units: ≥ 50 steps per orbit at
//! the centre of a gSa, ≥ 30 per vertical oscillation of a dwarf). The centres' track is computed
//! first on the particle time grid, then the particles are integrated in chunks of
//! [`LANES`](super::potential::LANES) — each chunk runs the whole time loop while its arrays stay
//! in L1 — in parallel over chunks with rayon. Particles are independent, so the result is
//! bit-for-bit the same for any thread count.
//!
//! Snapshot times are inserted into the time grid exactly (the step before a snapshot is
//! shortened), so a snapshot is at the requested time, not the nearest step.

use super::galaxy::{GalaxyModel, LocalParticles, ParticleKind};
use super::potential::{Kernel, LANES, Lane, to_global, to_local};
use super::units::{myr_to_units, units_to_myr};
use crate::error::{Error, Result, check_positive};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Chandrasekhar dynamical friction on the centres.
///
/// The acceleration of galaxy j moving at relative speed v through galaxy i is
/// `−4πG² M_j lnΛ ρ_i(d) [erf X − 2X/√π e^{−X²}] v/|v|³`, X = |v|/(√2σ_i), with ρ_i the density
/// of galaxy i's spherical components (bulge + halo: the pressure-supported matter that makes the
/// wake) at the offset d, and σ_i = v_c,i(|d|)/√2 (isothermal estimate from i's pull
/// |a_i(d)|·|d|). The Miyamoto–Nagai disc is left out: its density falls only as R⁻³ in its
/// plane, so it would brake coplanar orbits already at 100 kpc, where a real disc has ended.
/// The two reactions are symmetrised so that momentum stays exact.
///
/// The Coulomb logarithm defaults to ln Λ = ln(1 + M_host/M_sat) (0.69 for 1:1, 2.4 for a dwarf
/// in a giant). With it a gSa–gSa pair on orbit 1 (8 kpc, parabolic; first pericentre at ~380 Myr)
/// comes back for a second pericentre at ~920 Myr and has merged (separation < 1 kpc) by 3 Gyr
/// (test `extended_galaxies_conserve_energy_without_friction_and_merge_with_it`); ln Λ = 3
/// merges it at the first passage.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
pub struct Friction {
    /// Fixed Coulomb logarithm ln Λ; `None`: ln(1 + M_host/M_sat) per term.
    pub coulomb_log: Option<f64>,
}

/// Integration settings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SimConfig {
    /// Particle time step (Myr).
    pub dt_myr: f64,
    /// Centre substeps per particle step.
    pub centre_substeps: usize,
    /// Dynamical friction on the centres (off by default).
    pub friction: Option<Friction>,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            dt_myr: 0.5,
            centre_substeps: 32,
            friction: None,
        }
    }
}

impl SimConfig {
    /// Checks the settings.
    pub fn validate(&self) -> Result<()> {
        check_positive("dt_myr", self.dt_myr)?;
        if self.dt_myr > 50.0 {
            return Err(Error::invalid(
                "dt_myr",
                self.dt_myr,
                "must be ≤ 50 Myr (orbits in the discs last ~50–200 Myr)",
            ));
        }
        crate::error::check_size("centre_substeps", self.centre_substeps, 1)?;
        if let Some(Friction {
            coulomb_log: Some(l),
        }) = self.friction
        {
            check_positive("coulomb_log", l)?;
        }
        Ok(())
    }

    fn dt(&self) -> f64 {
        myr_to_units(self.dt_myr)
    }
}

/// A rigid galaxy placed in the global frame.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Body {
    /// The galaxy.
    pub model: GalaxyModel,
    /// Rows: the galaxy's local axes in global coordinates (its disc lies in local x–y).
    pub rotation: [[f64; 3]; 3],
    /// Centre position (kpc).
    pub pos: [f64; 3],
    /// Centre velocity (velocity units).
    pub vel: [f64; 3],
}

impl Body {
    /// Potential of this galaxy at global offset `r` from its centre.
    pub fn potential_at(&self, r: [f64; 3]) -> f64 {
        self.model.potential(to_local(&self.rotation, r))
    }

    /// Acceleration field of this galaxy at global offset `r` from its centre.
    pub fn acceleration_at(&self, r: [f64; 3]) -> [f64; 3] {
        to_global(
            &self.rotation,
            self.model.acceleration(to_local(&self.rotation, r)),
        )
    }

    fn kernels(&self) -> Vec<Kernel> {
        self.model
            .components()
            .map(|p| p.kernel(self.rotation))
            .collect()
    }
}

/// Test particles in the global frame (f32 structure of arrays).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Particles {
    /// x (kpc).
    pub x: Vec<f32>,
    /// y (kpc).
    pub y: Vec<f32>,
    /// z (kpc).
    pub z: Vec<f32>,
    /// v_x (velocity units).
    pub vx: Vec<f32>,
    /// v_y.
    pub vy: Vec<f32>,
    /// v_z.
    pub vz: Vec<f32>,
    /// Stellar mass carried (mass units), for images.
    pub mass: Vec<f32>,
    /// Index of the host galaxy (0 or 1).
    pub galaxy: Vec<u8>,
    /// Disc or bulge.
    pub kind: Vec<ParticleKind>,
}

impl Particles {
    /// Number of particles.
    pub fn len(&self) -> usize {
        self.x.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.x.is_empty()
    }

    /// Appends the particles of one galaxy.
    pub fn extend_from(&mut self, p: &LocalParticles, galaxy: u8) {
        for k in 0..p.len() {
            self.x.push(p.pos[k][0] as f32);
            self.y.push(p.pos[k][1] as f32);
            self.z.push(p.pos[k][2] as f32);
            self.vx.push(p.vel[k][0] as f32);
            self.vy.push(p.vel[k][1] as f32);
            self.vz.push(p.vel[k][2] as f32);
            self.mass.push(p.mass[k]);
            self.galaxy.push(galaxy);
            self.kind.push(p.kind[k]);
        }
    }

    /// Position of particle k.
    pub fn pos(&self, k: usize) -> [f32; 3] {
        [self.x[k], self.y[k], self.z[k]]
    }
}

/// Galaxies and their particles at t = 0.
#[derive(Debug, Clone, PartialEq)]
pub struct System {
    /// The rigid galaxies (one or two).
    pub bodies: Vec<Body>,
    /// The test particles.
    pub particles: Particles,
}

/// The state of everything at one time.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    /// Time since the start (Myr).
    pub time_myr: f64,
    /// Time from the pericentre (Myr), when known.
    pub time_from_pericentre_myr: Option<f64>,
    /// Centre positions (kpc), one per galaxy.
    pub centres: Vec<[f64; 3]>,
    /// Centre velocities (velocity units).
    pub centre_velocities: Vec<[f64; 3]>,
    /// Particles.
    pub particles: Particles,
}

impl Snapshot {
    /// Separation of the two centres (kpc); 0 for one galaxy.
    pub fn separation(&self) -> f64 {
        if self.centres.len() < 2 {
            return 0.0;
        }
        dist(self.centres[0], self.centres[1])
    }
}

fn dist(a: [f64; 3], b: [f64; 3]) -> f64 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)).sqrt()
}

fn sub(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}

/// Total energy of the centres: Σ ½M v² + Σ_pairs U.
pub fn centre_energy(bodies: &[Body], pos: &[[f64; 3]], vel: &[[f64; 3]]) -> f64 {
    let mut e = 0.0;
    for (g, b) in bodies.iter().enumerate() {
        let v = vel[g];
        e += 0.5 * b.model.mass() * (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
    }
    for i in 0..bodies.len() {
        for j in i + 1..bodies.len() {
            let d = sub(pos[j], pos[i]);
            let md = [-d[0], -d[1], -d[2]];
            e += 0.5
                * (bodies[j].model.mass() * bodies[i].potential_at(d)
                    + bodies[i].model.mass() * bodies[j].potential_at(md));
        }
    }
    e
}

fn friction_factor(x: f64) -> f64 {
    puruspe::erf(x) - 2.0 * x / std::f64::consts::PI.sqrt() * (-x * x).exp()
}

/// Accelerations of the centres (interaction + optional friction).
pub fn centre_accelerations(
    bodies: &[Body],
    pos: &[[f64; 3]],
    vel: &[[f64; 3]],
    friction: Option<Friction>,
) -> Vec<[f64; 3]> {
    let n = bodies.len();
    let mut acc = vec![[0.0; 3]; n];
    for i in 0..n {
        for j in i + 1..n {
            let (mi, mj) = (bodies[i].model.mass(), bodies[j].model.mass());
            let d = sub(pos[j], pos[i]);
            let md = [-d[0], -d[1], -d[2]];
            let ai = bodies[i].acceleration_at(d); // field of i at j
            let aj = bodies[j].acceleration_at(md); // field of j at i
            // Force on j: −∇_d U = ½[M_j a_i(d) − M_i a_j(−d)].
            let mut f = [0.0; 3];
            for k in 0..3 {
                f[k] = 0.5 * (mj * ai[k] - mi * aj[k]);
            }
            if let Some(fr) = friction {
                let v = sub(vel[j], vel[i]);
                let speed = (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt();
                let r = (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]).sqrt();
                if speed > 0.0 && r > 0.0 {
                    let term = |host: &Body, off: [f64; 3], a: [f64; 3], m: f64| {
                        let local = to_local(&host.rotation, off);
                        let rho: f64 = [host.model.bulge, host.model.halo]
                            .iter()
                            .flatten()
                            .map(|p| p.density(local))
                            .sum();
                        let g = (a[0] * a[0] + a[1] * a[1] + a[2] * a[2]).sqrt();
                        let sigma = (g * r).sqrt() / 2f64.sqrt();
                        let x = if sigma > 0.0 {
                            speed / (2f64.sqrt() * sigma)
                        } else {
                            f64::INFINITY
                        };
                        let ff = if x.is_finite() {
                            friction_factor(x)
                        } else {
                            1.0
                        };
                        let ln_l = fr
                            .coulomb_log
                            .unwrap_or_else(|| (host.model.mass() / m).ln_1p());
                        ln_l * m * m * rho * ff
                    };
                    let s = term(&bodies[i], d, ai, mj) + term(&bodies[j], md, aj, mi);
                    let c = -2.0 * std::f64::consts::PI * s / speed.powi(3);
                    for k in 0..3 {
                        f[k] += c * v[k];
                    }
                }
            }
            for k in 0..3 {
                acc[j][k] += f[k] / mj;
                acc[i][k] -= f[k] / mi;
            }
        }
    }
    acc
}

/// Advances the centres by `h` with one KDK step (friction uses the velocity at each kick).
fn centre_step(
    bodies: &[Body],
    pos: &mut [[f64; 3]],
    vel: &mut [[f64; 3]],
    h: f64,
    friction: Option<Friction>,
) {
    let a = centre_accelerations(bodies, pos, vel, friction);
    for g in 0..pos.len() {
        for k in 0..3 {
            vel[g][k] += 0.5 * h * a[g][k];
            pos[g][k] += h * vel[g][k];
        }
    }
    let a = centre_accelerations(bodies, pos, vel, friction);
    for g in 0..pos.len() {
        for k in 0..3 {
            vel[g][k] += 0.5 * h * a[g][k];
        }
    }
}

/// The centres' trajectory on a time grid (internal units).
#[derive(Debug, Clone, PartialEq)]
pub struct CentreTrack {
    /// Grid times (internal units).
    pub times: Vec<f64>,
    /// Positions per time, per galaxy.
    pub pos: Vec<Vec<[f64; 3]>>,
    /// Velocities per time, per galaxy.
    pub vel: Vec<Vec<[f64; 3]>>,
}

impl CentreTrack {
    /// Times in Myr.
    pub fn times_myr(&self) -> Vec<f64> {
        self.times.iter().map(|&t| units_to_myr(t)).collect()
    }

    /// Separation of galaxies 0 and 1 at each time (kpc).
    pub fn separations(&self) -> Vec<f64> {
        self.pos
            .iter()
            .map(|p| if p.len() > 1 { dist(p[0], p[1]) } else { 0.0 })
            .collect()
    }

    /// Centre energy at each time.
    pub fn energies(&self, bodies: &[Body]) -> Vec<f64> {
        self.pos
            .iter()
            .zip(&self.vel)
            .map(|(p, v)| centre_energy(bodies, p, v))
            .collect()
    }
}

/// Integrates the centres along `times` (internal units, increasing, starting at 0), each
/// interval split into substeps no longer than `h_max`.
pub fn integrate_centres(
    bodies: &[Body],
    times: &[f64],
    h_max: f64,
    friction: Option<Friction>,
) -> CentreTrack {
    let mut pos: Vec<[f64; 3]> = bodies.iter().map(|b| b.pos).collect();
    let mut vel: Vec<[f64; 3]> = bodies.iter().map(|b| b.vel).collect();
    let mut track = CentreTrack {
        times: times.to_vec(),
        pos: vec![pos.clone()],
        vel: vec![vel.clone()],
    };
    for w in times.windows(2) {
        let span = w[1] - w[0];
        let n = ((span / h_max).ceil() as usize).max(1);
        let h = span / n as f64;
        for _ in 0..n {
            centre_step(bodies, &mut pos, &mut vel, h, friction);
        }
        track.pos.push(pos.clone());
        track.vel.push(vel.clone());
    }
    track
}

/// Integrates the centres alone until their separation has passed its first minimum; returns
/// (time, distance) of that pericentre (internal units, kpc), refined by a parabola through the
/// three substeps around the minimum of d². `t_max` bounds the search.
pub fn find_pericentre(
    bodies: &[Body],
    h: f64,
    t_max: f64,
    friction: Option<Friction>,
) -> Result<(f64, f64)> {
    if bodies.len() != 2 {
        return Err(Error::invalid(
            "bodies",
            bodies.len(),
            "a pericentre needs two galaxies",
        ));
    }
    let mut pos: Vec<[f64; 3]> = bodies.iter().map(|b| b.pos).collect();
    let mut vel: Vec<[f64; 3]> = bodies.iter().map(|b| b.vel).collect();
    let d2 = |p: &[[f64; 3]]| {
        let d = sub(p[1], p[0]);
        d[0] * d[0] + d[1] * d[1] + d[2] * d[2]
    };
    let mut hist = vec![d2(&pos)];
    let steps = (t_max / h).ceil() as usize;
    for k in 1..=steps {
        centre_step(bodies, &mut pos, &mut vel, h, friction);
        hist.push(d2(&pos));
        let n = hist.len();
        if n >= 3 && hist[n - 2] <= hist[n - 3] && hist[n - 2] < hist[n - 1] {
            // Minimum at k − 1.
            let (a, b, c) = (hist[n - 3], hist[n - 2], hist[n - 1]);
            let denom = a - 2.0 * b + c;
            let off = if denom > 0.0 {
                0.5 * (a - c) / denom
            } else {
                0.0
            };
            let dmin2 = b - 0.25 * (a - c) * off;
            let t = ((k - 1) as f64 + off) * h;
            return Ok((t, dmin2.max(0.0).sqrt()));
        }
    }
    Err(Error::invalid(
        "orbit",
        format!("no pericentre within {:.0} Myr", units_to_myr(t_max)),
        "the centres did not reach a minimum separation; raise the search time",
    ))
}

/// Builds the particle time grid: uniform steps of `dt` from 0 with every snapshot time inserted.
/// Returns the grid and, per snapshot (in the order given), its grid index.
fn time_grid(dt: f64, snapshot_times: &[f64]) -> (Vec<f64>, Vec<usize>) {
    let t_end = snapshot_times.iter().cloned().fold(0.0, f64::max);
    let n = (t_end / dt).floor() as usize;
    let mut grid: Vec<f64> = (0..=n).map(|k| k as f64 * dt).collect();
    grid.extend_from_slice(snapshot_times);
    grid.sort_by(|a, b| a.total_cmp(b));
    // Merge times closer than 1e-9 dt (a snapshot on a step boundary).
    let mut merged: Vec<f64> = Vec::with_capacity(grid.len());
    for t in grid {
        match merged.last() {
            Some(&last) if t - last < 1e-9 * dt => {}
            _ => merged.push(t),
        }
    }
    let idx = snapshot_times
        .iter()
        .map(|&t| {
            merged
                .iter()
                .position(|&g| (g - t).abs() < 1e-9 * dt)
                .expect("snapshot time is on the grid")
        })
        .collect();
    (merged, idx)
}

/// One chunk's positions and velocities.
type ChunkState = [Lane; 6];

#[inline(always)]
fn chunk_forces(kernels: &[Vec<Kernel>], centres: &[[f32; 3]], s: &ChunkState, a: &mut [Lane; 3]) {
    let [ax, ay, az] = a;
    ax.fill(0.0);
    ay.fill(0.0);
    az.fill(0.0);
    for (g, ks) in kernels.iter().enumerate() {
        for k in ks {
            k.accumulate(
                centres[g],
                [&s[0], &s[1], &s[2]],
                [&mut *ax, &mut *ay, &mut *az],
            );
        }
    }
}

/// Runs one chunk through the whole time loop, with 256-bit vectors where the CPU has AVX2
/// (detected at run time). Only the vector width changes — no fused multiply-adds, and IEEE
/// division and square root are exact — so the result is bit-for-bit that of the SSE2 path.
fn run_chunk(
    kernels: &[Vec<Kernel>],
    centres: &[Vec<[f32; 3]>],
    steps: &[f32],
    snap_at: &[Vec<usize>],
    s: ChunkState,
) -> Vec<ChunkState> {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2 (checked just above).
            return unsafe { run_chunk_avx2(kernels, centres, steps, snap_at, s) };
        }
    }
    run_chunk_body(kernels, centres, steps, snap_at, s)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn run_chunk_avx2(
    kernels: &[Vec<Kernel>],
    centres: &[Vec<[f32; 3]>],
    steps: &[f32],
    snap_at: &[Vec<usize>],
    s: ChunkState,
) -> Vec<ChunkState> {
    run_chunk_body(kernels, centres, steps, snap_at, s)
}

#[inline(always)]
fn run_chunk_body(
    kernels: &[Vec<Kernel>],
    centres: &[Vec<[f32; 3]>],
    steps: &[f32],
    snap_at: &[Vec<usize>],
    mut s: ChunkState,
) -> Vec<ChunkState> {
    let mut out = Vec::with_capacity(snap_at.iter().map(|v| v.len()).sum());
    let mut a = [[0f32; LANES]; 3];
    let mut saved: Vec<(usize, ChunkState)> = Vec::new();
    for &si in &snap_at[0] {
        saved.push((si, s));
    }
    chunk_forces(kernels, &centres[0], &s, &mut a);
    for (k, &h) in steps.iter().enumerate() {
        let hh = 0.5 * h;
        {
            let [x, y, z, vx, vy, vz] = &mut s;
            for l in 0..LANES {
                vx[l] += hh * a[0][l];
                vy[l] += hh * a[1][l];
                vz[l] += hh * a[2][l];
                x[l] += h * vx[l];
                y[l] += h * vy[l];
                z[l] += h * vz[l];
            }
        }
        chunk_forces(kernels, &centres[k + 1], &s, &mut a);
        {
            let [_, _, _, vx, vy, vz] = &mut s;
            for l in 0..LANES {
                vx[l] += hh * a[0][l];
                vy[l] += hh * a[1][l];
                vz[l] += hh * a[2][l];
            }
        }
        for &si in &snap_at[k + 1] {
            saved.push((si, s));
        }
    }
    saved.sort_by_key(|(si, _)| *si);
    out.extend(saved.into_iter().map(|(_, st)| st));
    out
}

/// Integrates `system` and returns snapshots at `times_myr` (any order, each ≥ 0), in that order.
/// `pericentre_myr`, if known, fills [`Snapshot::time_from_pericentre_myr`].
pub fn evolve(
    system: &System,
    config: &SimConfig,
    times_myr: &[f64],
    pericentre_myr: Option<f64>,
) -> Result<Vec<Snapshot>> {
    config.validate()?;
    if system.bodies.is_empty() {
        return Err(Error::invalid("bodies", 0, "need at least one galaxy"));
    }
    for b in &system.bodies {
        b.model.validate()?;
    }
    crate::error::check_size("particles", system.particles.len(), 1)?;
    for &t in times_myr {
        crate::error::check_finite("snapshot time (Myr)", t)?;
        if t < 0.0 {
            return Err(Error::invalid(
                "snapshot time (Myr)",
                t,
                "must be ≥ 0 (after the start)",
            ));
        }
    }
    crate::error::check_size("snapshot times", times_myr.len(), 1)?;
    let dt = config.dt();
    let t_units: Vec<f64> = times_myr.iter().map(|&t| myr_to_units(t)).collect();
    let (grid, snap_idx) = time_grid(dt, &t_units);
    let track = integrate_centres(
        &system.bodies,
        &grid,
        dt / config.centre_substeps as f64,
        config.friction,
    );
    let centres32: Vec<Vec<[f32; 3]>> = track
        .pos
        .iter()
        .map(|p| p.iter().map(|c| c.map(|v| v as f32)).collect())
        .collect();
    let steps: Vec<f32> = grid.windows(2).map(|w| (w[1] - w[0]) as f32).collect();
    // Which snapshots (by position in the request) are taken at each grid index.
    let mut snap_at = vec![Vec::new(); grid.len()];
    for (si, &gi) in snap_idx.iter().enumerate() {
        snap_at[gi].push(si);
    }
    let kernels: Vec<Vec<Kernel>> = system.bodies.iter().map(|b| b.kernels()).collect();
    let p = &system.particles;
    let n = p.len();
    let chunks = n.div_ceil(LANES);
    let results: Vec<Vec<ChunkState>> = (0..chunks)
        .into_par_iter()
        .map(|c| {
            let mut s: ChunkState = [[0f32; LANES]; 6];
            // Padding lanes sit far out (1000 kpc), where every force is tiny and finite.
            for lane in s[0].iter_mut() {
                *lane = 1000.0;
            }
            let lo = c * LANES;
            let hi = (lo + LANES).min(n);
            for (l, k) in (lo..hi).enumerate() {
                s[0][l] = p.x[k];
                s[1][l] = p.y[k];
                s[2][l] = p.z[k];
                s[3][l] = p.vx[k];
                s[4][l] = p.vy[k];
                s[5][l] = p.vz[k];
            }
            run_chunk(&kernels, &centres32, &steps, &snap_at, s)
        })
        .collect();
    let mut snaps = Vec::with_capacity(times_myr.len());
    for (si, &gi) in snap_idx.iter().enumerate() {
        let mut q = Particles {
            mass: p.mass.clone(),
            galaxy: p.galaxy.clone(),
            kind: p.kind.clone(),
            ..Default::default()
        };
        for v in [
            &mut q.x, &mut q.y, &mut q.z, &mut q.vx, &mut q.vy, &mut q.vz,
        ] {
            v.reserve(n);
        }
        for (c, res) in results.iter().enumerate() {
            let st = &res[si];
            let m = (n - c * LANES).min(LANES);
            q.x.extend_from_slice(&st[0][..m]);
            q.y.extend_from_slice(&st[1][..m]);
            q.z.extend_from_slice(&st[2][..m]);
            q.vx.extend_from_slice(&st[3][..m]);
            q.vy.extend_from_slice(&st[4][..m]);
            q.vz.extend_from_slice(&st[5][..m]);
        }
        let time_myr = times_myr[si];
        snaps.push(Snapshot {
            time_myr,
            time_from_pericentre_myr: pericentre_myr.map(|tp| time_myr - tp),
            centres: track.pos[gi].clone(),
            centre_velocities: track.vel[gi].clone(),
            particles: q,
        });
    }
    Ok(snaps)
}

/// A single galaxy at rest at the origin with `particles` test particles (disc and bulge in
/// proportion to their masses), for isolation tests.
pub fn isolated(model: &GalaxyModel, particles: usize, seed: u64) -> Result<System> {
    model.validate()?;
    crate::error::check_size("particles", particles, 1)?;
    let (n_disc, n_bulge) = split_particles(model, particles);
    let local = model.sample_particles(n_disc, n_bulge, seed, 0)?;
    let mut p = Particles::default();
    p.extend_from(&local, 0);
    Ok(System {
        bodies: vec![Body {
            model: model.clone(),
            rotation: [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]],
            pos: [0.0; 3],
            vel: [0.0; 3],
        }],
        particles: p,
    })
}

/// Splits `n` particles between disc and bulge in proportion to their masses.
pub fn split_particles(model: &GalaxyModel, n: usize) -> (usize, usize) {
    let md = model.disc.map(|p| p.mass()).unwrap_or(0.0);
    let mb = model.bulge.map(|p| p.mass()).unwrap_or(0.0);
    if md + mb <= 0.0 {
        return (0, 0);
    }
    let nd = ((n as f64) * md / (md + mb)).round() as usize;
    let nd = nd.min(n);
    if mb <= 0.0 { (n, 0) } else { (nd, n - nd) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::needless_range_loop)]
    fn avx2_path_is_bit_identical_to_the_portable_one() {
        use super::super::galaxy::{GalaxyModel, Morphology};
        let g = GalaxyModel::giant(Morphology::GSa);
        let sys = isolated(&g, LANES, 1).unwrap();
        let mut s: ChunkState = [[0f32; LANES]; 6];
        let p = &sys.particles;
        for l in 0..LANES {
            s[0][l] = p.x[l];
            s[1][l] = p.y[l] + 3.0;
            s[2][l] = p.z[l];
            s[3][l] = p.vx[l];
            s[4][l] = p.vy[l];
            s[5][l] = p.vz[l];
        }
        let rot = [[1.0, 0.0, 0.0], [0.0, 0.6, -0.8], [0.0, 0.8, 0.6]];
        let kernels = vec![
            g.components().map(|c| c.kernel(rot)).collect::<Vec<_>>(),
            vec![
                super::super::potential::Potential::Hernquist {
                    mass: 3.0,
                    a: 1.0,
                    softening: 0.1,
                }
                .kernel(rot),
                super::super::potential::Potential::Nfw {
                    mass: 30.0,
                    r_s: 5.0,
                    c: 10.0,
                    softening: 0.1,
                }
                .kernel(rot),
            ],
        ];
        let n = 200;
        let centres: Vec<Vec<[f32; 3]>> = (0..=n)
            .map(|k| vec![[0.0; 3], [30.0 - 0.1 * k as f32, 5.0, 1.0]])
            .collect();
        let steps = vec![0.05f32; n];
        let mut snap_at = vec![Vec::new(); n + 1];
        snap_at[n].push(0);
        let a = run_chunk_body(&kernels, &centres, &steps, &snap_at, s);
        let b = run_chunk(&kernels, &centres, &steps, &snap_at, s);
        assert_eq!(a, b);
        assert!(a[0][0] != s[0]);
    }

    #[test]
    fn time_grid_contains_snapshots_exactly() {
        let (g, idx) = time_grid(0.1, &[0.35, 0.2, 0.0]);
        assert_eq!(idx.len(), 3);
        assert!((g[idx[0]] - 0.35).abs() < 1e-15);
        assert!((g[idx[1]] - 0.2).abs() < 1e-12);
        assert_eq!(idx[2], 0);
        assert!(
            g.windows(2)
                .all(|w| w[1] > w[0] && w[1] - w[0] <= 0.1 + 1e-12)
        );
    }
}
