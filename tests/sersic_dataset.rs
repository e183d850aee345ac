//! The HDF5 dataset: schema, reproducibility across thread counts, atomic writes, bad files.

use galaxy_lab::prelude::*;

fn small(seed: u64) -> SersicDatasetConfig {
    SersicDatasetConfig {
        galaxies: 20,
        size: 32,
        seed,
        ..Default::default()
    }
}

fn generate_with_threads(config: &SersicDatasetConfig, path: &std::path::Path, threads: usize) {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| generate_dataset(config, path, &mut |_| {}).unwrap());
}

#[test]
fn dataset_round_trips_with_schema_and_metadata() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.h5");
    let cfg = small(42);
    let report = generate_dataset(&cfg, &path, &mut |_| {}).unwrap();
    assert_eq!(report.images, 80);
    // Only the final file remains (no temp files).
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");

    let ds = SersicH5::open(&path).unwrap();
    assert_eq!(
        (ds.galaxies, ds.projections, ds.height, ds.width),
        (20, 4, 32, 32)
    );
    assert_eq!(ds.seed, 42);
    assert_eq!(ds.pixel_scale, 1.0);
    assert_eq!(ds.config, cfg);
    assert_eq!(&ds.labels.inclination_deg[..4], &[0.0, 30.0, 60.0, 90.0]);
    for g in 0..20 {
        let q = ds.labels.q[g];
        assert!((0.2..=1.0).contains(&q), "q {q}");
        assert!((0.5..=2.0).contains(&ds.labels.n[g]));
        assert!((5.0..=30.0).contains(&ds.labels.r_e[g]));
        assert!((0.1..=1.0).contains(&ds.labels.i_e[g]));
    }
    // Stored images are the renderer's output for the stored parameters.
    let g = 7;
    let sample = generate_galaxy(&cfg, g).unwrap();
    assert_eq!(sample.disc.q as f32, ds.labels.q[g]);
    let img = ds.image(g, 2).unwrap();
    assert_eq!(img.data, sample.images[2].data);
    let disc = SersicDisc::new(
        sample.disc.i_e,
        sample.disc.n,
        sample.disc.r_e,
        sample.disc.q,
    )
    .unwrap();
    let direct = render(
        &disc.model().unwrap(),
        &View::inclined(60.0).unwrap(),
        &Grid::square(32, 1.0).unwrap(),
    )
    .unwrap();
    assert_eq!(img.data, direct.data);
    // Batches are slices of the file.
    let batch = ds.read_range(3, 6).unwrap();
    assert_eq!(batch.len(), 3 * 4 * 32 * 32);
    let picked = ds.read_galaxies(&[5, 3]).unwrap();
    assert_eq!(&picked[4 * 32 * 32..], &batch[..4 * 32 * 32]);
    assert!(ds.read_range(18, 21).is_err());
    assert!(ds.image(0, 4).is_err());
    ds.close().unwrap();
}

#[test]
fn same_seed_same_bytes_whatever_the_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b, c) = (
        dir.path().join("a.h5"),
        dir.path().join("b.h5"),
        dir.path().join("c.h5"),
    );
    let cfg = SersicDatasetConfig {
        galaxies: 300,
        size: 16,
        ..small(9)
    };
    generate_with_threads(&cfg, &a, 1);
    generate_with_threads(&cfg, &b, 2);
    let (da, db) = (SersicH5::open(&a).unwrap(), SersicH5::open(&b).unwrap());
    assert_eq!(da.labels, db.labels);
    assert_eq!(
        da.read_range(0, 300).unwrap(),
        db.read_range(0, 300).unwrap()
    );
    // Another seed differs.
    generate_with_threads(
        &SersicDatasetConfig {
            seed: 10,
            ..cfg.clone()
        },
        &c,
        2,
    );
    assert_ne!(SersicH5::open(&c).unwrap().labels.q, da.labels.q);
}

#[test]
fn random_inclinations_and_options() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.h5");
    let cfg = SersicDatasetConfig {
        galaxies: 400,
        size: 16,
        inclinations: Inclinations::Random {
            uniform_in_cos: true,
        },
        psf: Some(Psf::Gaussian { fwhm: 2.0 }),
        noise: Some(Noise {
            sky: 0.01,
            gain: 1000.0,
        }),
        fitted_half_width_re: Some(3.0),
        ..small(1)
    };
    generate_dataset(&cfg, &path, &mut |_| {}).unwrap();
    let ds = SersicH5::open(&path).unwrap();
    assert_eq!(ds.projections, 1);
    let incl = &ds.labels.inclination_deg;
    assert!(incl.iter().all(|&i| (0.0..=90.0).contains(&i)));
    // Uniform in cos i: the mean of cos i is 1/2 (σ of the mean ≈ 0.014).
    let mean_cos: f64 = incl
        .iter()
        .map(|&i| (i as f64).to_radians().cos())
        .sum::<f64>()
        / 400.0;
    assert!((mean_cos - 0.5).abs() < 0.06, "{mean_cos}");
}

#[test]
fn bad_configs_and_bad_files_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.h5");
    for (cfg, name) in [
        (
            SersicDatasetConfig {
                galaxies: 0,
                ..small(0)
            },
            "galaxies",
        ),
        (
            SersicDatasetConfig {
                size: 0,
                ..small(0)
            },
            "size",
        ),
        (
            SersicDatasetConfig {
                inclinations: Inclinations::Fixed(vec![0.0, 95.0]),
                ..small(0)
            },
            "inclination",
        ),
        (
            SersicDatasetConfig {
                pixel_scale: f64::NAN,
                ..small(0)
            },
            "pixel_scale",
        ),
    ] {
        let e = generate_dataset(&cfg, &out, &mut |_| {})
            .unwrap_err()
            .to_string();
        assert!(e.contains(name), "{e}");
        assert!(!out.exists());
    }
    // Missing file.
    let e = SersicH5::open(dir.path().join("missing.h5"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("missing.h5"), "{e}");
    // Not an HDF5 file.
    let junk = dir.path().join("junk.h5");
    std::fs::write(&junk, b"not hdf5 at all").unwrap();
    assert!(SersicH5::open(&junk).is_err());
    // Truncated file.
    let good = dir.path().join("good.h5");
    generate_dataset(&small(3), &good, &mut |_| {}).unwrap();
    let bytes = std::fs::read(&good).unwrap();
    let cut = dir.path().join("cut.h5");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let opened = SersicH5::open(&cut);
    match opened {
        Err(e) => assert!(e.to_string().contains("cut.h5"), "{e}"),
        Ok(ds) => assert!(
            ds.read_range(0, ds.galaxies).is_err(),
            "truncated data must not read"
        ),
    }
    // Wrong schema: an HDF5 file without `images`.
    let other = dir.path().join("other.h5");
    {
        let f = hdf5::File::create(&other).unwrap();
        f.new_dataset_builder()
            .with_data(&[1.0f32, 2.0])
            .create("q")
            .unwrap();
    }
    let e = SersicH5::open(&other).unwrap_err().to_string();
    assert!(e.contains("images"), "{e}");
}
