//! The mirror degeneracy of two projected discs: why one image pins the relative inclination i
//! down only to two values, and which second value.
//!
//! A projection along the line of sight ŝ discards each particle's ŝ-coordinate, so reflecting
//! one galaxy through the sky plane through its own centre (its ŝ-coordinates → −ŝ-coordinates)
//! leaves that galaxy's projected image exactly as it was. Reflecting galaxy 2 alone turns its disc
//! normal n₂ into n₂′ = n₂ − 2(n₂·ŝ)ŝ while galaxy 1's normal n₁ stays, so the same two projected
//! discs are also drawn by discs at the relative inclination i′ with
//!
//! ```text
//! cos i′ = |n₁·n₂′| = |cos i − 2 (n₁·ŝ)(n₂·ŝ)|        (planes: i, i′ ∈ [0°, 90°])
//! ```
//!
//! For two discs in isolation the degeneracy is exact. In a simulated pair two things break it:
//! the interaction — tidal bridges and tails, whose shapes follow the true 3-D geometry, young at
//! pericentre where seed 000 and our datasets take their snapshots — and the datasets' convention
//! that galaxy 2's spin axis has azimuth Φ₂ = 0 about the orbital normal (GalMer's, kept by
//! [`Geometry::new`]): the reflected normal n₂′ generally has Φ₂′ ≠ 0, a configuration that never
//! occurs in the data, which a network could in principle detect against the pair's projected
//! separation. So the degeneracy says where the discs' shapes alone leave the answer open, not
//! that the image does. Limits that the tests check: a face-on or edge-on primary (n₁·ŝ = ±1 or 0) or an
//! edge-on secondary (n₂·ŝ = 0) gives i′ = i; parallel discs (i = 0) seen at θ from their common
//! normal give i′ = 2θ folded into [0°, 90°]; reflecting twice gives i back.
//!
//! [`mirror_galaxy`] builds the mirrored configuration from a snapshot's particles (notebook 06
//! renders both). `galaxy-lab classify evaluate` reports a classifier's errors against the distance from i′ to
//! another class's inclination (`src/train/class_mirror.rs`): where i′ lands on another class, the
//! image alone cannot say which of the two it is.

use super::integrate::Snapshot;
use super::orbit::Geometry;
use super::render::ViewAngles;
use crate::error::{Error, Result};

fn dot(a: [f64; 3], b: [f64; 3]) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

/// The angle between two planes of unit normals `a` and `b`, in degrees in [0°, 90°].
pub fn plane_angle_deg(a: [f64; 3], b: [f64; 3]) -> f64 {
    dot(a, b).abs().min(1.0).acos().to_degrees()
}

/// `normal` reflected through the sky plane of `view`: n − 2(n·ŝ)ŝ.
pub fn reflect_through_sky(normal: [f64; 3], view: &ViewAngles) -> [f64; 3] {
    let s = view.line_of_sight();
    let k = 2.0 * dot(normal, s);
    [
        normal[0] - k * s[0],
        normal[1] - k * s[1],
        normal[2] - k * s[2],
    ]
}

/// The second relative inclination i′ (degrees, [0°, 90°]) whose discs project exactly as those
/// of `geometry` seen from `view` (module docs). Both are validated first.
pub fn mirror_inclination_deg(geometry: &Geometry, view: &ViewAngles) -> Result<f64> {
    geometry.validate()?;
    view.validate()?;
    let n1 = geometry.rotation1()[2];
    let n2 = geometry.rotation2()[2];
    Ok(plane_angle_deg(n1, reflect_through_sky(n2, view)))
}

/// `snapshot` with galaxy `galaxy`'s particles reflected through the sky plane of `view` through
/// that galaxy's centre (positions about the centre, velocities about the centre's velocity; the
/// centres stay): a configuration that projects exactly as `snapshot` does from `view`, whose
/// disc lies at the mirror inclination (module docs). Seen from any other direction the two
/// differ. `galaxy` must be one of the snapshot's (0 or 1).
pub fn mirror_galaxy(snapshot: &Snapshot, galaxy: usize, view: &ViewAngles) -> Result<Snapshot> {
    view.validate()?;
    let (Some(&c), Some(&vc)) = (
        snapshot.centres.get(galaxy),
        snapshot.centre_velocities.get(galaxy),
    ) else {
        return Err(Error::invalid(
            "galaxy",
            galaxy,
            format!("the snapshot has {} galaxies", snapshot.centres.len()),
        ));
    };
    let s = view.line_of_sight().map(|v| v as f32);
    let reflect = |x: &mut f32, y: &mut f32, z: &mut f32, o: [f64; 3]| {
        let o = o.map(|v| v as f32);
        let k = 2.0 * ((*x - o[0]) * s[0] + (*y - o[1]) * s[1] + (*z - o[2]) * s[2]);
        *x -= k * s[0];
        *y -= k * s[1];
        *z -= k * s[2];
    };
    let mut out = snapshot.clone();
    let p = &mut out.particles;
    for k in 0..p.len() {
        if usize::from(p.galaxy[k]) == galaxy {
            reflect(&mut p.x[k], &mut p.y[k], &mut p.z[k], c);
            reflect(&mut p.vx[k], &mut p.vy[k], &mut p.vz[k], vc);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::pair::orbit::Spin;

    fn geometry(i: f64, phi2: f64) -> Geometry {
        Geometry {
            inclination_deg: i,
            phi2_deg: phi2,
            spin: Spin::Prograde,
        }
    }

    /// What a thin disc of normal `n` looks like on the sky: its axis ratio |n·ŝ| and the sky
    /// direction of its projected normal (the minor axis), up to sign.
    fn projected_ellipse(n: [f64; 3], view: &ViewAngles) -> (f64, [f64; 2]) {
        let [u, v, s] = view.axes();
        let (nu, nv) = (dot(n, u), dot(n, v));
        let len = (nu * nu + nv * nv).sqrt();
        let dir = if len > 1e-12 {
            let sign = if nu < 0.0 || (nu == 0.0 && nv < 0.0) {
                -1.0
            } else {
                1.0
            };
            [sign * nu / len, sign * nv / len]
        } else {
            [0.0, 0.0]
        };
        (dot(n, s).abs(), dir)
    }

    #[test]
    fn parallel_discs_mirror_to_twice_the_viewing_angle() {
        for (theta, want) in [
            (0.0, 0.0),
            (20.0, 40.0),
            (35.0, 70.0),
            (50.0, 80.0),
            (65.0, 50.0),
            (80.0, 20.0),
        ] {
            for phi in [0.0, 90.0, 217.0] {
                let v = ViewAngles::new(theta, phi).unwrap();
                let got = mirror_inclination_deg(&geometry(0.0, 0.0), &v).unwrap();
                assert!(
                    (got - want).abs() < 1e-9,
                    "θ {theta} φ {phi}: {got} vs {want}"
                );
            }
        }
    }

    #[test]
    fn a_face_on_or_edge_on_disc_has_no_mirror() {
        for i in [0.0, 30.0, 45.0, 90.0, 135.0] {
            // Face-on primary (θ = 0): n₁·ŝ = 1.
            let face_on = ViewAngles::new(0.0, 0.0).unwrap();
            let got = mirror_inclination_deg(&geometry(i, 0.0), &face_on).unwrap();
            let plane_i = if i > 90.0 { 180.0 - i } else { i };
            assert!((got - plane_i).abs() < 1e-9, "i {i}: {got}");
            // Edge-on primary (θ = 90°): n₁·ŝ = 0.
            let edge_on = ViewAngles::new(90.0, 123.0).unwrap();
            let got = mirror_inclination_deg(&geometry(i, 0.0), &edge_on).unwrap();
            assert!((got - plane_i).abs() < 1e-9, "i {i} edge-on: {got}");
        }
        // Edge-on secondary: i = 90° (n₂ = ŷ) seen along x̂ (θ = 90°, φ = 270°: ŝ = (1, 0, 0)).
        let v = ViewAngles::new(90.0, 270.0).unwrap();
        assert!((v.line_of_sight()[0] - 1.0).abs() < 1e-12);
        let got = mirror_inclination_deg(&geometry(90.0, 0.0), &v).unwrap();
        assert!((got - 90.0).abs() < 1e-9, "{got}");
    }

    #[test]
    fn the_reflected_disc_projects_exactly_as_the_true_one_and_reflecting_twice_undoes_it() {
        for (k, i) in [10.0, 45.0, 90.0, 120.0].iter().enumerate() {
            for theta in [-70.0, -20.0, 15.0, 35.0, 65.0] {
                for phi in [0.0, 47.0, 181.0, 300.0] {
                    let g = geometry(*i, 37.0 * k as f64);
                    let v = ViewAngles::new(theta, phi).unwrap();
                    let n2 = g.rotation2()[2];
                    let m = reflect_through_sky(n2, &v);
                    let (q, d) = projected_ellipse(n2, &v);
                    let (qm, dm) = projected_ellipse(m, &v);
                    assert!(
                        (q - qm).abs() < 1e-12
                            && (d[0] - dm[0]).abs() < 1e-12
                            && (d[1] - dm[1]).abs() < 1e-12
                    );
                    assert!((dot(m, m) - 1.0).abs() < 1e-12, "still a unit normal");
                    let back = reflect_through_sky(m, &v);
                    assert!((0..3).all(|c| (back[c] - n2[c]).abs() < 1e-12));
                    // The formula of the module docs.
                    let n1 = g.rotation1()[2];
                    let s = v.line_of_sight();
                    let want = (dot(n1, n2) - 2.0 * dot(n1, s) * dot(n2, s))
                        .abs()
                        .acos()
                        .to_degrees();
                    let got = mirror_inclination_deg(&g, &v).unwrap();
                    assert!((got - want).abs() < 1e-9 && (0.0..=90.0).contains(&got));
                }
            }
        }
    }

    #[test]
    fn intermediate_views_of_45_degree_pairs_can_mirror_onto_90() {
        // θ = 35°: cos i′ = 0 where 2 cos θ (sin 45° cos φ sin θ + cos 45° cos θ) = cos 45°.
        let (st, ct) = 35f64.to_radians().sin_cos();
        let cos_phi = (0.5 / ct - ct) / st;
        let phi = cos_phi.acos().to_degrees();
        let v = ViewAngles::new(35.0, phi).unwrap();
        let got = mirror_inclination_deg(&geometry(45.0, 0.0), &v).unwrap();
        assert!((got - 90.0).abs() < 1e-6, "φ {phi}: {got}");
    }

    #[test]
    fn bad_angles_are_errors() {
        let v = ViewAngles {
            theta_deg: f64::NAN,
            phi_deg: 0.0,
        };
        assert!(mirror_inclination_deg(&geometry(45.0, 0.0), &v).is_err());
        let v = ViewAngles::new(30.0, 0.0).unwrap();
        assert!(mirror_inclination_deg(&geometry(200.0, 0.0), &v).is_err());
    }
}
