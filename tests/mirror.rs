//! The mirror degeneracy on simulated particles (`src/sim/pair/mirror.rs`): galaxy 2 of a real
//! encounter reflected through the sky plane projects to the same image pixel for pixel, its disc
//! then lies at the mirror inclination i′ the formula gives, and from another direction the two
//! configurations look different.

use galaxy_lab::sim::pair::*;

fn disc_normal(snap: &Snapshot, galaxy: u8) -> [f64; 3] {
    // Angular momentum of the galaxy's disc particles about its centre.
    let (c, vc) = (
        snap.centres[galaxy as usize],
        snap.centre_velocities[galaxy as usize],
    );
    let p = &snap.particles;
    let mut l = [0.0f64; 3];
    for k in 0..p.len() {
        if p.galaxy[k] != galaxy || p.kind[k] != ParticleKind::Disc {
            continue;
        }
        let r = [
            p.x[k] as f64 - c[0],
            p.y[k] as f64 - c[1],
            p.z[k] as f64 - c[2],
        ];
        let v = [
            p.vx[k] as f64 - vc[0],
            p.vy[k] as f64 - vc[1],
            p.vz[k] as f64 - vc[2],
        ];
        let m = p.mass[k] as f64;
        l[0] += m * (r[1] * v[2] - r[2] * v[1]);
        l[1] += m * (r[2] * v[0] - r[0] * v[2]);
        l[2] += m * (r[0] * v[1] - r[1] * v[0]);
    }
    let n = (l[0] * l[0] + l[1] * l[1] + l[2] * l[2]).sqrt();
    l.map(|v| v / n)
}

#[test]
fn a_reflected_galaxy_projects_identically_and_lies_at_the_mirror_inclination() {
    let pc = PairConfig::galmer(
        Morphology::GSa,
        Morphology::GSb,
        MassRatio::OneToOne,
        1,
        45.0,
        Spin::Prograde,
    )
    .unwrap()
    .with_particles(4000);
    let enc = Encounter::new(pc.clone(), SimConfig::default()).unwrap();
    let snaps = enc
        .snapshots(&[
            SnapshotTime::Myr(0.0),
            SnapshotTime::Pericentre { jitter_myr: 0.0 },
        ])
        .unwrap();
    let (start, snap) = (&snaps[0], &snaps[1]);
    // θ = 35°, φ where a 45° pair mirrors to 90° (cos φ = (1/(2 cos θ) − cos θ) / sin θ).
    let (st, ct) = 35f64.to_radians().sin_cos();
    let phi = ((0.5 / ct - ct) / st).acos().to_degrees();
    let view = ViewAngles::new(35.0, phi).unwrap();
    let want = mirror_inclination_deg(&pc.geometry, &view).unwrap();
    assert!((want - 90.0).abs() < 1e-6, "{want}");

    // The discs' planes from the particles before the encounter: the true one at i, the
    // reflected one at i′ (the particles' sampling leaves a fraction of a degree).
    let mirrored_start = mirror_galaxy(start, 1, &view).unwrap();
    let n1 = disc_normal(start, 0);
    let i_true = plane_angle_deg(n1, disc_normal(start, 1));
    let i_mirror = plane_angle_deg(n1, disc_normal(&mirrored_start, 1));
    assert!((i_true - 45.0).abs() < 1.0, "true disc at {i_true}°");
    assert!(
        (i_mirror - want).abs() < 1.0,
        "mirrored disc at {i_mirror}°, formula {want}°"
    );
    assert!(
        plane_angle_deg(n1, disc_normal(&mirrored_start, 0)) < 1e-5,
        "galaxy 1 untouched"
    );

    // At pericentre the tides have begun to warp the discs (one of the cues that can break the
    // degeneracy: the particles' planes no longer sit exactly at i and i′); the reflection still
    // projects exactly.
    let mirrored = mirror_galaxy(snap, 1, &view).unwrap();
    let cfg = RenderConfig {
        size: 64,
        fov: FieldOfView::HalfWidth(40.0),
        smoothing_px: 0.0,
        components: Components::All,
    };
    let diff = |a: &PairImage, b: &PairImage| {
        let total: f64 = a.image.data.iter().map(|&v| v as f64).sum();
        let d: f64 = a
            .image
            .data
            .iter()
            .zip(&b.image.data)
            .map(|(&x, &y)| (x as f64 - y as f64).abs())
            .sum();
        d / total
    };
    let same = diff(
        &render(snap, view, &cfg).unwrap(),
        &render(&mirrored, view, &cfg).unwrap(),
    );
    assert!(
        same < 1e-4,
        "from the reflecting view the images differ by {same}"
    );
    let other = ViewAngles::new(80.0, (phi + 90.0) % 360.0).unwrap();
    let apart = diff(
        &render(snap, other, &cfg).unwrap(),
        &render(&mirrored, other, &cfg).unwrap(),
    );
    assert!(
        apart > 0.1,
        "from another view the images differ by only {apart}"
    );

    assert!(mirror_galaxy(snap, 2, &view).is_err());
    assert!(
        mirror_galaxy(
            snap,
            1,
            &ViewAngles {
                theta_deg: 95.0,
                phi_deg: 0.0
            }
        )
        .is_err()
    );
}
