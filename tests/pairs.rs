//! Seed 000's pair simulator: orbit physics against Kepler, disc stability in isolation, Toomre &
//! Toomre's prograde/retrograde contrast, reproducibility, bad inputs, the HDF5 datasets.
//! Measured numbers are printed (`cargo test --test integration pairs:: -- --nocapture`).

use galaxy_lab::data::pairs_h5::*;
use galaxy_lab::sim::pair::*;

fn point_mass(mass: f64) -> GalaxyModel {
    GalaxyModel {
        name: "point".into(),
        bulge: None,
        halo: Some(Potential::PointMass {
            mass,
            softening: 0.0,
        }),
        disc: None,
        ..GalaxyModel::giant(Morphology::GSa)
    }
}

/// Two bodies on the Kepler orbit `spec`, barycentre at rest at the origin.
fn kepler_bodies(g1: GalaxyModel, g2: GalaxyModel, spec: OrbitSpec) -> Vec<Body> {
    let (m1, m2) = (g1.mass(), g2.mass());
    let (d, v) = spec.kepler(m1 + m2).initial_state();
    let id = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];
    vec![
        Body {
            model: g1,
            rotation: id,
            pos: d.map(|x| -m2 / (m1 + m2) * x),
            vel: v.map(|x| -m2 / (m1 + m2) * x),
        },
        Body {
            model: g2,
            rotation: id,
            pos: d.map(|x| m1 / (m1 + m2) * x),
            vel: v.map(|x| m1 / (m1 + m2) * x),
        },
    ]
}

#[test]
fn point_mass_orbit_conserves_energy_and_reaches_the_kepler_pericentre() {
    let sim = SimConfig::default();
    let h = myr_to_units(sim.dt_myr) / sim.centre_substeps as f64;
    let (mut worst_e, mut worst_d, mut worst_t) = (0f64, 0f64, 0f64);
    let (mut worst_fine, mut worst_ke) = (0f64, 0f64);
    for (id, spec) in OrbitSpec::grid() {
        let bodies = kepler_bodies(point_mass(100.0), point_mass(100.0), spec);
        let kep = spec.kepler(200.0);
        let t_kep = kep.time_to_pericentre();
        // Pericentre: distance and time against the analytic orbit.
        let enc_bodies = bodies.clone();
        let (tp, dp) =
            galaxy_lab::sim::pair::integrate::find_pericentre(&enc_bodies, h, 2.0 * t_kep, None)
                .unwrap();
        let d_err = (dp - spec.r_peri).abs() / spec.r_peri;
        let t_err = (tp - t_kep).abs();
        worst_d = worst_d.max(d_err);
        worst_t = worst_t.max(units_to_myr(t_err));
        assert!(
            d_err < 1e-5,
            "orbit {id}: pericentre {dp} vs {}",
            spec.r_peri
        );
        assert!(units_to_myr(t_err) < 0.05, "orbit {id}: t {tp} vs {t_kep}");
        // Energy over the whole passage, in and out to r_ini again, sampled every 0.5 Myr.
        let n = (2.0 * t_kep / myr_to_units(sim.dt_myr)).ceil() as usize;
        let times: Vec<f64> = (0..=n)
            .map(|k| k as f64 * myr_to_units(sim.dt_myr))
            .collect();
        // Parabolic orbits have E = 0: measure them against the kinetic energy at pericentre.
        let kin_peri = 0.5 * 50.0 * (2.0 * (spec.energy + 200.0 / spec.r_peri));
        for (substeps, worst) in [(32usize, &mut worst_e), (128, &mut worst_fine)] {
            let hh = myr_to_units(sim.dt_myr) / substeps as f64;
            let track = integrate_centres(&bodies, &times, hh, None);
            let e = track.energies(&bodies);
            let de = e.iter().map(|x| (x - e[0]).abs()).fold(0.0, f64::max);
            let scale = if spec.energy > 0.0 {
                e[0].abs()
            } else {
                kin_peri
            };
            *worst = worst.max(de / scale);
            worst_ke = worst_ke.max(de / kin_peri);
        }
    }
    println!(
        "point-mass orbits (12): max |ΔE|/|E| (KE at pericentre for parabolic) = {worst_e:.2e} with 32 \
         centre substeps of the 0.5 Myr step, {worst_fine:.2e} with 128; max |ΔE|/KE_peri = {worst_ke:.2e}; \
         max pericentre distance error = {worst_d:.2e} (relative), max pericentre time error = {worst_t:.2e} Myr"
    );
    assert!(worst_fine <= 1e-6, "{worst_fine:e}");
    assert!(worst_ke <= 1e-6, "{worst_ke:e}");
}

#[test]
fn extended_galaxies_conserve_energy_without_friction_and_merge_with_it() {
    let g = GalaxyModel::giant(Morphology::GSa);
    let spec = OrbitSpec::galmer(1).unwrap();
    let bodies = kepler_bodies(g.clone(), g, spec);
    let sim = SimConfig::default();
    let h = myr_to_units(sim.dt_myr) / sim.centre_substeps as f64;
    let times: Vec<f64> = (0..=300).map(|k| myr_to_units(10.0 * k as f64)).collect();
    let track = integrate_centres(&bodies, &times, h, None);
    let e = track.energies(&bodies);
    let kin_peri = 0.5 * 50.0 * (2.0 * 200.0 / 8.0);
    let rel = e.iter().map(|x| (x - e[0]).abs()).fold(0.0, f64::max) / kin_peri;
    assert!(rel < 1e-6, "{rel:e}");
    let free = *track.separations().last().unwrap();
    let tf = integrate_centres(&bodies, &times, h, Some(Friction::default()));
    let sep = tf.separations();
    let merged = *sep.last().unwrap();
    // The pair is captured: a second pericentre (a later local minimum of the separation).
    let minima: Vec<usize> = (1..sep.len() - 1)
        .filter(|&k| sep[k] < sep[k - 1] && sep[k] <= sep[k + 1])
        .collect();
    assert!(minima.len() >= 2, "{sep:?}");
    let second_peri = 10.0 * minima[1] as f64;
    println!(
        "gSa–gSa orbit 1 over 3 Gyr: |ΔE|/KE_peri = {rel:.2e}; final separation {free:.0} kpc without \
         friction, {merged:.2} kpc with (ln Λ = ln 2); second pericentre at {:.0} Myr",
        second_peri
    );
    assert!(free > 100.0, "{free}");
    assert!(merged < 5.0, "{merged}");
}

#[test]
fn isolated_disc_keeps_its_radial_profile_for_2_gyr() {
    let g = GalaxyModel::giant(Morphology::GSa);
    let sys = isolated(&g, 4000, 11).unwrap();
    let sim = SimConfig::default();
    let snaps = evolve(&sys, &sim, &[0.0, 1000.0, 2000.0], None).unwrap();
    let radii = |s: &Snapshot| -> Vec<f64> {
        let p = &s.particles;
        let mut r: Vec<f64> = (0..p.len())
            .filter(|&k| p.kind[k] == ParticleKind::Disc)
            .map(|k| ((p.x[k] as f64).powi(2) + (p.y[k] as f64).powi(2)).sqrt())
            .collect();
        r.sort_by(|a, b| a.total_cmp(b));
        r
    };
    let r0 = radii(&snaps[0]);
    let quant = |r: &[f64], q: f64| r[((r.len() - 1) as f64 * q) as usize];
    let mut worst = 0f64;
    for s in &snaps[1..] {
        let r = radii(s);
        for q in [0.1, 0.25, 0.5, 0.75, 0.9] {
            let rel = (quant(&r, q) - quant(&r0, q)).abs() / quant(&r0, q);
            worst = worst.max(rel);
        }
    }
    // Cumulative fractions inside R_d, 2R_d, 4R_d.
    let rd = g.disc_scale_length;
    let frac = |r: &[f64], x: f64| r.iter().filter(|&&v| v < x).count() as f64 / r.len() as f64;
    let r2 = radii(&snaps[2]);
    let dfrac = [1.0, 2.0, 4.0]
        .map(|k| (frac(&r2, k * rd) - frac(&r0, k * rd)).abs())
        .into_iter()
        .fold(0.0, f64::max);
    println!(
        "isolated gSa, 4000 particles, 2 Gyr at 0.5 Myr: max relative change of the 10/25/50/75/90 % \
         disc radii = {:.2} %, max change of the mass fraction inside R_d, 2R_d, 4R_d = {:.3}",
        100.0 * worst,
        dfrac
    );
    assert!(worst < 0.05, "radii moved by {worst}");
    assert!(dfrac < 0.03, "{dfrac}");
}

fn beyond_fraction(s: &Snapshot, g: &GalaxyModel) -> f64 {
    let p = &s.particles;
    let mut n = 0usize;
    let mut far = 0usize;
    for k in 0..p.len() {
        if p.kind[k] != ParticleKind::Disc {
            continue;
        }
        let c = s.centres[p.galaxy[k] as usize];
        let d = ((p.x[k] as f64 - c[0]).powi(2)
            + (p.y[k] as f64 - c[1]).powi(2)
            + (p.z[k] as f64 - c[2]).powi(2))
        .sqrt();
        n += 1;
        if d > 2.0 * g.disc_radius {
            far += 1;
        }
    }
    far as f64 / n as f64
}

#[test]
fn prograde_encounter_throws_out_more_disc_than_retrograde() {
    let sim = SimConfig {
        dt_myr: 1.0,
        ..SimConfig::default()
    };
    let mut f = [0.0; 2];
    for (k, spin) in [Spin::Prograde, Spin::Retrograde].into_iter().enumerate() {
        let c = PairConfig::galmer(
            Morphology::GSa,
            Morphology::GSa,
            MassRatio::OneToOne,
            5, // r_peri = 16 kpc, parabolic
            0.0,
            spin,
        )
        .unwrap()
        .with_particles(3000)
        .with_seed(5);
        let (enc, snaps) = simulate(&c, &sim, &[SnapshotTime::FromPericentre(400.0)]).unwrap();
        f[k] = beyond_fraction(&snaps[0], &enc.config.galaxy1);
    }
    println!(
        "gSa–gSa, i = 0, r_peri = 16 kpc parabolic, 400 Myr after pericentre: disc particles beyond \
         2 × disc radius: prograde {:.1} %, retrograde {:.1} %",
        100.0 * f[0],
        100.0 * f[1]
    );
    assert!(f[0] > 2.0 * f[1] && f[0] > 0.05, "{f:?}");
}

fn small_pair(seed: u64) -> PairConfig {
    PairConfig::galmer(
        Morphology::GSa,
        Morphology::GSb,
        MassRatio::OneToOne,
        2,
        45.0,
        Spin::Prograde,
    )
    .unwrap()
    .with_particles(1500)
    .with_seed(seed)
}

fn images_with_threads(seed: u64, threads: usize) -> Vec<PairImage> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| {
        let sim = SimConfig {
            dt_myr: 2.0,
            ..SimConfig::default()
        };
        let (_, snaps) = simulate(
            &small_pair(seed),
            &sim,
            &[SnapshotTime::Pericentre { jitter_myr: 20.0 }],
        )
        .unwrap();
        let views: Vec<ViewAngles> = [-60.0, 0.0, 35.0, 80.0]
            .iter()
            .map(|&t| ViewAngles::new(t, 30.0).unwrap())
            .collect();
        render_views(&snaps[0], &views, &RenderConfig::with_size(48)).unwrap()
    })
}

#[test]
fn same_seed_gives_identical_images_for_any_thread_count() {
    let a = images_with_threads(3, 1);
    let b = images_with_threads(3, 2);
    let c = images_with_threads(3, 3);
    assert_eq!(a, b);
    assert_eq!(a, c);
    let d = images_with_threads(4, 2);
    assert_ne!(a[0].image.data, d[0].image.data);
    for img in &a {
        assert!(img.fraction_outside < 0.05, "{}", img.fraction_outside);
        assert!(img.image.data.iter().all(|v| v.is_finite() && *v >= 0.0));
    }
}

fn err_text<T: std::fmt::Debug>(r: galaxy_lab::Result<T>) -> String {
    r.unwrap_err().to_string()
}

#[test]
fn bad_inputs_are_errors_that_name_the_value() {
    // Negative mass.
    let mut c = small_pair(0);
    c.galaxy2.bulge = Some(Potential::Plummer { mass: -5.0, b: 1.0 });
    let e = err_text(c.validate());
    assert!(e.contains("mass") && e.contains("-5"), "{e}");
    // NaN angles.
    let e = err_text(Geometry::new(f64::NAN, Spin::Prograde));
    assert!(e.contains("inclination_deg") && e.contains("NaN"), "{e}");
    let e = err_text(ViewAngles::new(f64::NAN, 0.0));
    assert!(e.contains("theta_deg"), "{e}");
    let e = err_text(ViewAngles::new(10.0, -1.0));
    assert!(e.contains("phi_deg"), "{e}");
    // Zero particles.
    let e = err_text(small_pair(0).with_particles(0).validate());
    assert!(e.contains("particles") && e.contains('0'), "{e}");
    // Pericentre beyond the initial separation.
    let mut c = small_pair(0);
    c.orbit.r_peri = 150.0;
    let e = err_text(Encounter::new(c, SimConfig::default()));
    assert!(e.contains("r_peri") && e.contains("150"), "{e}");
    // Image size 0.
    let sim = SimConfig {
        dt_myr: 5.0,
        ..SimConfig::default()
    };
    let enc = Encounter::new(small_pair(0).with_particles(10), sim).unwrap();
    let snap = enc.snapshots(&[SnapshotTime::Myr(10.0)]).unwrap().remove(0);
    let cfg = RenderConfig {
        size: 0,
        ..RenderConfig::default()
    };
    let e = err_text(render(&snap, ViewAngles::new(0.0, 0.0).unwrap(), &cfg));
    assert!(e.contains("image size") && e.contains('0'), "{e}");
    // Others: negative dt, negative snapshot time, bad orbit id, bad experiment.
    let e = err_text(
        SimConfig {
            dt_myr: -1.0,
            ..SimConfig::default()
        }
        .validate(),
    );
    assert!(e.contains("dt_myr"), "{e}");
    assert!(
        err_text(enc.snapshots(&[SnapshotTime::FromPericentre(-1e4)])).contains("snapshot time")
    );
    assert!(err_text(OrbitSpec::galmer(13)).contains("orbit id"));
    assert!(err_text(Experiment::parse("four-class")).contains("experiment"));
    assert!(err_text(Morphology::parse("Sc")).contains("morphology"));
}

#[test]
fn dataset_round_trips_and_is_thread_independent() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = PairDatasetConfig::quick(Experiment::TwoClass, 14);
    cfg.size = 32;
    cfg.particles = 800;
    cfg.sim.dt_myr = 2.0;
    cfg.seed = 9;
    let p1 = dir.path().join("a.h5");
    let p2 = dir.path().join("b.h5");
    let t0 = std::time::Instant::now();
    let report = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap()
        .install(|| generate_pairs_dataset(&cfg, &p1, &mut |_| {}).unwrap());
    println!(
        "quick two-class dataset: {} images ({} simulations × 800 particles, 32 × 32) in {:.2} s on one thread",
        report.images,
        report.simulations,
        t0.elapsed().as_secs_f64()
    );
    rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap()
        .install(|| generate_pairs_dataset(&cfg, &p2, &mut |_| {}).unwrap());
    assert_eq!(report.images, 14);
    assert_eq!(report.simulations, 3);
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(names.len(), 2, "temp files left behind");
    let a = PairH5::open(&p1).unwrap();
    let b = PairH5::open(&p2).unwrap();
    assert_eq!((a.count, a.channels, a.height, a.width), (14, 1, 32, 32));
    assert_eq!(a.config, cfg);
    assert_eq!(a.seed, 9);
    assert_eq!(a.class_names, vec!["i=0", "i=45"]);
    assert_eq!(a.labels, b.labels);
    assert_eq!(a.read_range(0, 14).unwrap(), b.read_range(0, 14).unwrap());
    for (k, l) in a.labels.iter().enumerate() {
        let sim = k / 6;
        assert_eq!(l.simulation as usize, sim);
        assert_eq!(l.i_deg, [0.0, 45.0][sim % 2]);
        assert_eq!(l.class, (sim % 2) as i32);
        assert_eq!(
            l.theta_deg,
            [0.0, 20.0, 35.0, 50.0, 65.0, 80.0][k % 6] as f32
        );
        assert!((0.0..360.0).contains(&l.phi_deg));
        assert!(l.t_from_peri_myr.abs() <= 25.0);
        assert!([1, 2].contains(&l.morph1) && [1, 2].contains(&l.morph2));
        assert!((1..=12).contains(&l.orbit_id));
        assert_eq!(l.mass_ratio, 1.0);
    }
    // The stored image is the generator's for that simulation and view.
    let s = generate_simulation(&cfg, 1).unwrap();
    assert_eq!(a.image(8).unwrap().data, s.images[2]);
    let img = a.image(3).unwrap();
    assert!(img.data.iter().all(|v| (0.0..=1.0).contains(v)));
    assert!(img.data.contains(&1.0));
    // Each image's pixel size is its own frame over 32 pixels; its scale bar fits the panel.
    for k in [0, 8] {
        let want = 2.0 * a.labels[k].fov_half_width_kpc as f64 / 32.0;
        assert!((a.pixel_kpc(k).unwrap() - want).abs() < 1e-12);
        let (px, label) = a.scale_bar(k).unwrap();
        let kpc: f64 = label.trim_end_matches(" kpc").parse().unwrap();
        assert!(
            (px * want - kpc).abs() < 1e-9 && px <= 0.3 * 32.0,
            "{px} {label}"
        );
    }
    assert!(
        a.pixel_kpc(14)
            .unwrap_err()
            .to_string()
            .contains("image index")
    );
    a.close().unwrap();
    // One dataset per label column, named as the field, and nothing else beside the images.
    {
        let f = hdf5::File::open(&p1).unwrap();
        let mut names = f.member_names().unwrap();
        names.sort();
        let mut want: Vec<String> = galaxy_lab::data::pairs_h5::LABEL_COLUMNS
            .iter()
            .map(|s| s.to_string())
            .chain(["images".to_string()])
            .collect();
        want.sort();
        assert_eq!(names, want);
    }
    // A file written before the observation's columns existed still reads, as not observed.
    let old = dir.path().join("old.h5");
    std::fs::copy(&p1, &old).unwrap();
    {
        let f = hdf5::File::open_rw(&old).unwrap();
        for c in ["redshift", "peak_snr", "roll_deg"] {
            f.unlink(c).unwrap();
        }
    }
    let o = PairH5::open(&old).unwrap();
    let fresh = PairH5::open(&p2).unwrap();
    assert_eq!(o.labels, fresh.labels);
    assert!(
        o.labels
            .iter()
            .all(|l| l.redshift == 0.0 && l.roll_deg == 0.0)
    );
    drop((o, fresh));
    // A stored frame of zero (or any non-positive one) is an error naming the column and image.
    {
        let f = hdf5::File::open_rw(&old).unwrap();
        f.dataset("fov_half_width_kpc")
            .unwrap()
            .write(&vec![0f32; 14])
            .unwrap();
    }
    let o = PairH5::open(&old).unwrap();
    let e = o.pixel_kpc(3).unwrap_err().to_string();
    assert!(
        e.contains("fov_half_width_kpc") && e.contains("image 3"),
        "{e}"
    );
    assert!(o.scale_bar(3).is_err());
    drop(o);
    // A required column missing is an error naming it.
    {
        let f = hdf5::File::open_rw(&old).unwrap();
        f.unlink("spin").unwrap();
    }
    let e = err_text(PairH5::open(&old));
    assert!(e.contains("`spin`") && e.contains("old.h5"), "{e}");
    // Missing, corrupt and foreign files are errors naming the file.
    let e = err_text(PairH5::open(dir.path().join("none.h5")));
    assert!(e.contains("none.h5"), "{e}");
    let bad = dir.path().join("bad.h5");
    std::fs::write(&bad, b"not hdf5").unwrap();
    assert!(err_text(PairH5::open(&bad)).contains("bad.h5"));
    let foreign = dir.path().join("foreign.h5");
    {
        let f = hdf5::File::create(&foreign).unwrap();
        f.new_dataset::<f32>()
            .shape((2, 1, 4, 4))
            .create("images")
            .unwrap();
    }
    let e = err_text(PairH5::open(&foreign));
    assert!(e.contains("class"), "{e}");
    // A bad config never leaves a file.
    let mut bad_cfg = cfg.clone();
    bad_cfg.count = 0;
    let out = dir.path().join("never.h5");
    assert!(err_text(generate_pairs_dataset(&bad_cfg, &out, &mut |_| {})).contains("count"));
    assert!(!out.exists());
}

#[test]
fn auto_field_of_view_keeps_the_pair_in_frame_at_every_angle() {
    let sim = SimConfig {
        dt_myr: 2.0,
        ..SimConfig::default()
    };
    let (_, snaps) = simulate(
        &small_pair(1),
        &sim,
        &[SnapshotTime::Pericentre { jitter_myr: 0.0 }],
    )
    .unwrap();
    let views: Vec<ViewAngles> = (-90..=90)
        .step_by(15)
        .map(|t| ViewAngles::new(t as f64, 0.0).unwrap())
        .collect();
    let imgs = render_views(&snaps[0], &views, &RenderConfig::with_size(32)).unwrap();
    let worst = imgs.iter().map(|i| i.fraction_outside).fold(0.0, f64::max);
    println!(
        "auto field of view at pericentre: at most {:.2} % of the mass outside",
        100.0 * worst
    );
    assert!(worst <= 0.02, "{worst}");
    // Same field of view for all angles of one snapshot.
    assert!(
        imgs.iter()
            .all(|i| i.half_width_kpc == imgs[0].half_width_kpc)
    );
}

#[test]
fn png_and_gif_export_write_valid_files() {
    let dir = tempfile::tempdir().unwrap();
    let sim = SimConfig {
        dt_myr: 5.0,
        ..SimConfig::default()
    };
    let enc = Encounter::new(small_pair(2).with_particles(300), sim).unwrap();
    let snaps = enc
        .snapshots(&[SnapshotTime::Myr(0.0), SnapshotTime::Myr(200.0)])
        .unwrap();
    let cfg = RenderConfig::with_size(24);
    let frames: Vec<PairImage> = snaps
        .iter()
        .map(|s| render(s, ViewAngles::new(30.0, 10.0).unwrap(), &cfg).unwrap())
        .collect();
    let png = dir.path().join("f.png");
    frames[0].save_png(&png, 3.0).unwrap();
    assert_eq!(&std::fs::read(&png).unwrap()[1..4], b"PNG");
    let gif = dir.path().join("f.gif");
    save_gif(&frames, &gif, 200, 3.0).unwrap();
    assert_eq!(&std::fs::read(&gif).unwrap()[..6], b"GIF89a");
    assert!(save_gif(&[], &gif, 200, 3.0).is_err());
}

#[test]
#[ignore]
fn timing_breakdown_of_one_dataset_simulation() {
    let cfg = PairDatasetConfig::new(Experiment::TwoClass, 6);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    pool.install(|| {
        for _ in 0..3 {
            let t = std::time::Instant::now();
            let pc = PairConfig::galmer(
                Morphology::GSa,
                Morphology::GSb,
                MassRatio::OneToOne,
                1,
                45.0,
                Spin::Prograde,
            )
            .unwrap()
            .with_particles(cfg.particles);
            let sys = pc.initial_system().unwrap();
            let t_ic = t.elapsed().as_secs_f64();
            let enc = Encounter::new(pc, cfg.sim).unwrap();
            let t_new = t.elapsed().as_secs_f64();
            let snap = enc.at_pericentre().unwrap();
            let t_evolve = t.elapsed().as_secs_f64();
            let views: Vec<ViewAngles> = [0.0, 20.0, 35.0, 50.0, 65.0, 80.0]
                .iter()
                .map(|&t| ViewAngles::new(t, 0.0).unwrap())
                .collect();
            let imgs = render_views(&snap, &views, &cfg.render).unwrap();
            let t_render = t.elapsed().as_secs_f64();
            let full = generate_simulation(&cfg, 0).unwrap();
            let t_full = t.elapsed().as_secs_f64();
            println!(
                "ICs {t_ic:.3} s, Encounter::new {:.3} s, evolve {:.3} s, render 6 views {:.3} s; generate_simulation {:.3} s ({} particles, {} imgs {})",
                t_new - t_ic,
                t_evolve - t_new,
                t_render - t_evolve,
                t_full - t_render,
                sys.particles.len(),
                imgs.len(),
                full.images.len()
            );
        }
    });
}
