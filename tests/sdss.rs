//! Seed 000's real-data test: the catalogue of Tables B1/B2, Eq. 6, the labels, the cutout URL,
//! loading and preprocessing cutouts, and `fetch` against local HTTP servers on 127.0.0.1.

use galaxy_lab::sdss::*;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

fn catalog_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(DEFAULT_CATALOG_PATH)
}

fn pairs() -> Vec<InteractingPair> {
    load_catalog(catalog_path()).expect("catalogue loads")
}

#[test]
fn catalogue_has_the_thirty_pairs_of_tables_b1_and_b2() {
    let p = pairs();
    assert_eq!(p.len(), 30);
    let b1: Vec<_> = p.iter().filter(|r| r.table == "B1").collect();
    let b2: Vec<_> = p.iter().filter(|r| r.table == "B2").collect();
    assert_eq!((b1.len(), b2.len()), (15, 15));
    assert!(b1.iter().all(|r| r.class == 0) && b2.iter().all(|r| r.class == 45));
    // Spot checks against the paper, first and last row of each table.
    let first = &p[0];
    assert_eq!(first.obj_id, "J15265746+1009004");
    assert_eq!(
        (
            first.ra, first.dec, first.i1, first.i2, first.pa1, first.pa2, first.i
        ),
        (231.74, 10.15, 61.3, 61.4, 109.7, 109.1, 0.54)
    );
    assert_eq!(
        (
            first.u_mag1,
            first.b_mag1,
            first.i_mag1,
            first.u_mag2,
            first.b_mag2,
            first.i_mag2
        ),
        (18.66, 17.1, 15.47, 19.94, 19.38, 18.41)
    );
    assert_eq!(b1[14].obj_id, "J134814.33+152538.5");
    assert_eq!(b2[0].obj_id, "J13563793+5314130");
    let last = &p[29];
    assert_eq!(last.obj_id, "J09543272+5633246");
    assert_eq!(
        (last.i1, last.i2, last.pa1, last.pa2, last.i, last.i_mag2),
        (90.0, 51.0, 106.8, 66.2, 53.84, 15.93)
    );
    // Designations are unique, and the tables are sorted by i.
    let mut ids: Vec<_> = p.iter().map(|r| r.obj_id.as_str()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 30);
    for t in [&b1, &b2] {
        assert!(t.windows(2).all(|w| w[0].i <= w[1].i));
    }
}

#[test]
fn eq6_reproduces_the_i_column_of_all_thirty_rows() {
    let mut worst: f64 = 0.0;
    for p in pairs() {
        let i = relative_inclination(p.i1, p.i2, p.pa1, p.pa2).unwrap();
        let d = (i - p.i).abs();
        assert!(d <= 0.01, "{}: Eq. 6 gives {i:.4}, table {}", p.obj_id, p.i);
        worst = worst.max(d);
    }
    // The table prints two decimals: the deviations are rounding only.
    assert!(worst <= 0.0051, "worst {worst}");
}

#[test]
fn labels_agree_with_the_tables() {
    let (mut n0, mut n45, mut rejected) = (0, 0, 0);
    for p in pairs() {
        let label = label_relative_inclination(p.eq6_inclination().unwrap());
        match label {
            Some(RelInclinationClass::Deg0) => n0 += 1,
            Some(RelInclinationClass::Deg45) => n45 += 1,
            None => rejected += 1,
        }
        assert_eq!(label, Some(p.class()), "{}", p.obj_id);
    }
    assert_eq!((n0, n45, rejected), (15, 15, 0));
    let t = catalog_table(&pairs()).unwrap();
    assert_eq!(t.rows.len(), 30);
    assert!(t.to_html().contains("J15265746+1009004"));
}

#[test]
fn designations_agree_with_the_printed_coordinates() {
    for p in pairs() {
        let (ra, dec) = parse_designation(&p.obj_id).unwrap();
        // The tables truncate (not round) to 0.01°, so allow a full 0.01°.
        assert!(
            (ra - p.ra).abs() < 0.01,
            "{}: RA {ra} vs {}",
            p.obj_id,
            p.ra
        );
        assert!(
            (dec - p.dec).abs() < 0.01,
            "{}: Dec {dec} vs {}",
            p.obj_id,
            p.dec
        );
        assert_eq!(p.center(), (ra, dec));
        let url = CutoutRequest::new(ra, dec).url(DR15_GETJPEG_URL).unwrap();
        assert!(
            url.starts_with("https://skyserver.sdss.org/dr15/SkyServerWS/ImgCutout/getjpeg?ra=")
        );
    }
}

#[test]
fn missing_catalogue_is_an_error_naming_the_file() {
    let e = load_catalog("no/such/catalog.csv").unwrap_err().to_string();
    assert!(e.contains("no/such/catalog.csv"), "{e}");
}

// ---------- images ----------

fn test_image() -> image::DynamicImage {
    let img = image::RgbImage::from_fn(48, 40, |x, y| {
        let r = ((x as f32 - 24.0).powi(2) + (y as f32 - 20.0).powi(2)).sqrt();
        let v = (255.0 * (-r / 8.0).exp()) as u8;
        image::Rgb([v, v / 2, 255 - v])
    });
    image::DynamicImage::ImageRgb8(img)
}

fn encode(img: &image::DynamicImage, format: image::ImageFormat) -> Vec<u8> {
    let mut bytes = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut bytes), format)
        .unwrap();
    bytes
}

#[test]
fn loads_png_jpeg_and_fits_cutouts_and_preprocesses_them() {
    let dir = tempfile::tempdir().unwrap();
    let img = test_image();
    for (name, format) in [
        ("a.png", image::ImageFormat::Png),
        ("b.jpg", image::ImageFormat::Jpeg),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, encode(&img, format)).unwrap();
        let back = load_cutout(&path).unwrap();
        assert_eq!((back.width(), back.height()), (48, 40));
        let p = Preprocess {
            input_size: 64,
            ..Default::default()
        };
        let x = preprocess(&back, &p).unwrap();
        assert_eq!((x.width(), x.height()), (64, 64));
        let (v, c) = to_chw_f32(&x);
        assert_eq!((v.len(), c), (64 * 64, 1));
        assert!(v.iter().all(|x| (0.0..=1.0).contains(x)));
        // The centre is bright, the corner dark: the picture survived the pipeline.
        assert!(
            v[32 * 64 + 32] > 0.35 && v[0] < 0.15,
            "{} {}",
            v[32 * 64 + 32],
            v[0]
        );
        let rgb = preprocess(
            &back,
            &Preprocess {
                grayscale: false,
                ..p
            },
        )
        .unwrap();
        assert_eq!(to_chw_f32(&rgb).0.len(), 3 * 64 * 64);
    }
    let fits = dir.path().join("frame.fits");
    let data: Vec<f32> = (0..30 * 20).map(|k| (k % 30) as f32).collect();
    std::fs::write(&fits, fits_bytes_f32(30, 20, &data).unwrap()).unwrap();
    let f = load_cutout(&fits).unwrap();
    assert_eq!((f.width(), f.height()), (30, 20));
    assert_eq!(read_fits(&fits).unwrap().data, data);
}

#[test]
fn corrupt_or_missing_cutouts_are_errors_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("corrupt.jpg");
    let mut bytes = encode(&test_image(), image::ImageFormat::Jpeg);
    bytes.truncate(bytes.len() / 3);
    std::fs::write(&bad, &bytes).unwrap();
    let e = load_cutout(&bad).unwrap_err().to_string();
    assert!(e.contains("corrupt.jpg"), "{e}");
    let html = dir.path().join("error.jpg");
    std::fs::write(&html, b"<html>Service unavailable</html>").unwrap();
    assert!(load_cutout(&html).is_err());
    let e = load_cutout(dir.path().join("missing.png"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("missing.png"), "{e}");
}

// ---------- fetch against local servers ----------

/// Serves HTTP/1.1 on 127.0.0.1: the k-th request gets `responses[min(k, len − 1)]`.
/// Returns the base URL and the request counter.
fn serve(responses: Vec<(u16, Vec<u8>)>) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let count = Arc::new(AtomicUsize::new(0));
    let c = count.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            let k = c.fetch_add(1, Ordering::SeqCst);
            let (status, body) = &responses[k.min(responses.len() - 1)];
            read_request(&mut s);
            let head = format!(
                "HTTP/1.1 {status} X\r\nContent-Type: image/png\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = s.write_all(head.as_bytes());
            let _ = s.write_all(body);
            let _ = s.flush();
        }
    });
    (format!("http://{addr}/getjpeg"), count)
}

fn read_request(s: &mut TcpStream) {
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    let mut buf = Vec::new();
    let mut chunk = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        match s.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

fn quick(base_url: &str) -> FetchConfig {
    FetchConfig {
        base_url: base_url.to_string(),
        connect_timeout: Duration::from_secs(2),
        timeout: Duration::from_secs(5),
        retries: 2,
        backoff: Duration::from_millis(10),
        ..Default::default()
    }
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.map(|e| e.unwrap().file_name().into_string().unwrap())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
fn fetch_downloads_every_cutout_from_a_local_server() {
    let png = encode(&test_image(), image::ImageFormat::Png);
    let (url, count) = serve(vec![(200, png.clone())]);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sdss");
    let all = pairs();
    let some = &all[..3];
    let mut seen = Vec::new();
    let report = fetch_catalog(some, &out, &quick(&url), &mut |k, id| {
        seen.push((k, id.to_string()))
    })
    .unwrap();
    assert_eq!(report.downloaded.len(), 3);
    assert!(report.failed.is_empty() && report.skipped.is_empty());
    assert_eq!(seen[2], (2, some[2].obj_id.clone()));
    assert_eq!(count.load(Ordering::SeqCst), 3);
    let mut expected: Vec<String> = some.iter().map(cutout_file_name).collect();
    expected.sort();
    assert_eq!(files_in(&out), expected);
    assert_eq!(std::fs::read(&report.downloaded[0]).unwrap(), png);
    assert!(load_cutout(&report.downloaded[1]).is_ok());
    // A second run keeps what is there.
    let again = fetch_catalog(some, &out, &quick(&url), &mut |_, _| {}).unwrap();
    assert_eq!((again.skipped.len(), again.downloaded.len()), (3, 0));
    assert_eq!(count.load(Ordering::SeqCst), 3);
    let found = available_cutouts(&all, &out);
    assert_eq!(found.len(), 3);
    assert_eq!(found[0].0, some[0]);
    assert!(available_cutouts(&all, dir.path().join("nothing")).is_empty());
}

#[test]
fn fetch_retries_after_a_server_error() {
    let jpg = encode(&test_image(), image::ImageFormat::Jpeg);
    let (url, count) = serve(vec![(500, b"oops".to_vec()), (200, jpg)]);
    let bytes = fetch_url(&format!("{url}?ra=1&dec=2"), &quick(&url)).unwrap();
    assert!(load_cutout_bytes(&bytes).is_ok());
    assert_eq!(count.load(Ordering::SeqCst), 2);
}

#[test]
fn persistent_server_errors_and_non_images_leave_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let all = pairs();
    // Always 503: three attempts (retries = 2), then listed as failed.
    let (url, count) = serve(vec![(503, b"busy".to_vec())]);
    let report = fetch_catalog(&all[..1], dir.path(), &quick(&url), &mut |_, _| {}).unwrap();
    assert_eq!(report.failed.len(), 1);
    assert!(
        report.failed[0].error.contains("503"),
        "{:?}",
        report.failed
    );
    assert_eq!(count.load(Ordering::SeqCst), 3);
    // 404 is not retried.
    let (url, count) = serve(vec![(404, b"no".to_vec())]);
    let report = fetch_catalog(&all[..1], dir.path(), &quick(&url), &mut |_, _| {}).unwrap();
    assert_eq!(report.failed.len(), 1);
    assert_eq!(count.load(Ordering::SeqCst), 1);
    // 200 with an HTML error page instead of an image.
    let (url, _) = serve(vec![(200, b"<html>error</html>".to_vec())]);
    let report = fetch_catalog(&all[..1], dir.path(), &quick(&url), &mut |_, _| {}).unwrap();
    assert!(report.failed[0].error.contains("not a readable image"));
    assert_eq!(files_in(dir.path()), Vec::<String>::new());
}

#[test]
fn offline_is_a_quick_clear_error_and_leaves_nothing_behind() {
    // A port that was just free: nothing listens there, so connecting is refused.
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sdss");
    let start = Instant::now();
    let e = fetch_catalog(
        &pairs(),
        &out,
        &quick(&format!("http://127.0.0.1:{port}/getjpeg")),
        &mut |_, _| {},
    )
    .unwrap_err()
    .to_string();
    assert!(start.elapsed() < Duration::from_secs(10));
    assert!(e.contains("offline") && e.contains("127.0.0.1"), "{e}");
    assert!(!out.exists() || files_in(&out).is_empty());
}

#[test]
fn a_host_that_does_not_resolve_is_reported_as_offline() {
    // `.invalid` never resolves (RFC 6761), online or not.
    let dir = tempfile::tempdir().unwrap();
    let start = Instant::now();
    let e = fetch_catalog(
        &pairs(),
        dir.path(),
        &quick("http://galaxy-lab-test.invalid/getjpeg"),
        &mut |_, _| {},
    )
    .unwrap_err()
    .to_string();
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "{:?}",
        start.elapsed()
    );
    assert!(e.contains("offline"), "{e}");
    assert!(files_in(dir.path()).is_empty());
}

#[test]
fn a_server_that_never_answers_times_out() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in listener.incoming().flatten() {
            held.push(s); // accept and stay silent
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let cfg = FetchConfig {
        timeout: Duration::from_millis(300),
        retries: 1,
        ..quick(&format!("http://{addr}/getjpeg"))
    };
    let start = Instant::now();
    let report = fetch_catalog(&pairs()[..1], dir.path(), &cfg, &mut |_, _| {}).unwrap();
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(report.failed.len(), 1);
    assert!(
        report.failed[0].error.contains("gave up after 2 attempts"),
        "{:?}",
        report.failed
    );
    assert!(files_in(dir.path()).is_empty());
}

// ---------- the CLI ----------

fn cli(args: &[&str]) -> std::process::Output {
    crate::cli_command()
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap()
}

#[test]
fn cli_relative_inclination_prints_the_angle_and_rejects_bad_input() {
    let o = cli(&[
        "sdss",
        "relative-inclination",
        "--i1",
        "61.3",
        "--i2",
        "61.4",
        "--pa1",
        "109.7",
        "--pa2",
        "109.1",
    ]);
    assert!(o.status.success(), "{o:?}");
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(out.lines().next(), Some("0.54"), "{out}");
    assert!(out.contains("label: 0°"), "{out}");
    for (flag, v) in [
        ("--i1", "NaN"),
        ("--i2", "95"),
        ("--pa1", "-3"),
        ("--pa2", "200"),
    ] {
        let mut args = vec![
            "sdss",
            "relative-inclination",
            "--i1",
            "10",
            "--i2",
            "10",
            "--pa1",
            "10",
            "--pa2",
            "10",
        ];
        let k = args.iter().position(|a| *a == flag).unwrap();
        args[k + 1] = v;
        let o = cli(&args);
        assert_eq!(o.status.code(), Some(2), "{flag} {v}: {o:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains(flag.trim_start_matches('-')) && err.contains(v),
            "{err}"
        );
    }
    let o = cli(&[
        "sdss",
        "relative-inclination",
        "--i1",
        "abc",
        "--i2",
        "1",
        "--pa1",
        "1",
        "--pa2",
        "1",
    ]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn cli_catalog_and_fetch() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("catalog.json");
    let o = cli(&["sdss", "catalog", "--json", json.to_str().unwrap()]);
    assert!(o.status.success(), "{o:?}");
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("30 pairs") && out.contains("J09543272+5633246"),
        "{out}"
    );
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(v["rows"].as_array().unwrap().len(), 30);

    // Fetch a 2-row catalogue from a local server.
    let text = std::fs::read_to_string(catalog_path()).unwrap();
    let small: String = text.lines().take(3).map(|l| format!("{l}\n")).collect();
    let cat = dir.path().join("small.csv");
    std::fs::write(&cat, small).unwrap();
    let (url, _) = serve(vec![(200, encode(&test_image(), image::ImageFormat::Jpeg))]);
    let out_dir = dir.path().join("cutouts");
    let o = cli(&[
        "sdss",
        "fetch",
        "--catalog",
        cat.to_str().unwrap(),
        "--out",
        out_dir.to_str().unwrap(),
        "--base-url",
        &url,
    ]);
    assert!(o.status.success(), "{o:?}");
    assert_eq!(files_in(&out_dir).len(), 2);

    // Offline: exit status 2 and a message.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let o = cli(&[
        "sdss",
        "fetch",
        "--catalog",
        cat.to_str().unwrap(),
        "--out",
        dir.path().join("none").to_str().unwrap(),
        "--base-url",
        &format!("http://127.0.0.1:{port}/x"),
        "--retries",
        "0",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("offline"));
    assert!(!dir.path().join("none").exists());
}

/// The 30 pairs' mass ratios: with one mass-to-light ratio (I band) they are near equal mass
/// (medians ~1:1.5 and ~1:1.9); the product of the three bands' ratios gives the paper's medians
/// (~1:4 and ~1:8) — the reading notebook 09 explains.
#[test]
fn catalogue_mass_ratios_same_mass_to_light_and_the_papers_reading() {
    use galaxy_lab::sdss::mass_ratio::{Band, MassRatioMethod, class_ratios, summarize};
    let pairs = galaxy_lab::sdss::load_catalog(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sdss_interacting_pairs.csv"),
    )
    .unwrap();
    let i_band = MassRatioMethod::SameMassToLight(Band::I);
    let s0 = summarize(&class_ratios(&pairs, 0, i_band).unwrap()).unwrap();
    let s45 = summarize(&class_ratios(&pairs, 45, i_band).unwrap()).unwrap();
    assert_eq!((s0.n, s45.n), (15, 15));
    assert!((s0.median - 1.45).abs() < 0.05, "{s0:?}");
    assert!((s45.median - 1.87).abs() < 0.05, "{s45:?}");
    assert!((s0.max - 15.0).abs() < 0.01, "{s0:?}");
    let p0 = summarize(&class_ratios(&pairs, 0, MassRatioMethod::ProductOfBands).unwrap()).unwrap();
    let p45 =
        summarize(&class_ratios(&pairs, 45, MassRatioMethod::ProductOfBands).unwrap()).unwrap();
    for (got, (_, _, _, paper)) in [p0.median, p45.median]
        .iter()
        .zip(galaxy_lab::paper::prakash2020::MASS_RATIOS)
    {
        let paper = paper as f64;
        assert!(
            got / paper > 0.8 && got / paper < 1.25,
            "median 1:{got:.1} vs paper 1:{paper}"
        );
    }
    let t = galaxy_lab::sdss::mass_ratio::mass_ratio_table(&pairs).unwrap();
    assert_eq!(t.rows.len(), 8);
}

/// `sdss fetch` then `sdss classify`: cutouts served by a local server, fetched through the
/// CLI, scored by a saved two-class network; Tables 12/13 and eval.json cover exactly the
/// fetched pairs with their tables' classes. Bad input is refused before anything is written.
#[test]
fn classify_fetched_cutouts_with_a_saved_network() {
    use galaxy_lab::models::classifier::ClassifierConfig;
    use galaxy_lab::models::compact::CompactNetConfig;
    use galaxy_lab::train::class_views::TestViews;
    let _turn = crate::burn_turn();
    let png = encode(&test_image(), image::ImageFormat::Png);
    let (url, _) = serve(vec![(200, png)]);
    let dir = tempfile::tempdir().unwrap();
    let cut = dir.path().join("cutouts");
    // Three pairs of Table B1 and two of B2.
    let all = pairs();
    let mut some: Vec<InteractingPair> = all[..3].to_vec();
    some.extend(all[15..17].iter().cloned());
    fetch_catalog(&some, &cut, &quick(&url), &mut |_, _| {}).unwrap();
    let d = galaxy_lab::device::cpu_device();
    let save = |classes: usize, name: &str| {
        let cfg: ClassifierConfig = CompactNetConfig {
            width: 0.25,
            ..CompactNetConfig::new(classes, 1, 32)
        }
        .into();
        let m = cfg.init(&d).unwrap();
        let path = dir.path().join(format!("{name}.bpk"));
        galaxy_lab::train::classify::save_classifier(&m, &cfg, &path).unwrap();
        path
    };
    let two = save(2, "two");
    let out = dir.path().join("eval");
    let cli_views = |model: &Path, cutouts: &Path, out: &Path, views: &str| {
        galaxy_lab::cli::run([
            "galaxy-lab",
            "sdss",
            "classify",
            "--model",
            model.to_str().unwrap(),
            "--cutouts",
            cutouts.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--views",
            views,
        ])
    };
    let cli = |model: &Path, cutouts: &Path, out: &Path| cli_views(model, cutouts, out, "one");
    assert_eq!(cli(&two, &cut, &out), 0);
    let m: galaxy_lab::train::class_eval::EvalMetrics =
        galaxy_lab::io::read_json(out.join("eval.json")).unwrap();
    assert_eq!(m.n, 5);
    assert_eq!(m.per_class[0].data[2] + m.per_class[1].data[2], 5);
    assert_eq!((m.per_class[0].data[2], m.per_class[1].data[2]), (3, 2));
    assert_eq!(m.paper, galaxy_lab::paper::prakash2020::real_data());
    assert!(m.data_config.is_none());
    assert!(out.join("predictions.csv").exists() && out.join("confusion.png").exists());
    // Test-time views: the same five pairs, recorded as scored through eight views; an unknown
    // kind of view is refused before anything is written.
    let out8 = dir.path().join("eval8");
    assert_eq!(cli_views(&two, &cut, &out8, "dihedral"), 0);
    let m8: galaxy_lab::train::class_eval::EvalMetrics =
        galaxy_lab::io::read_json(out8.join("eval.json")).unwrap();
    assert_eq!(
        (m8.n, m.views, m8.views),
        (5, TestViews::One, TestViews::Dihedral)
    );
    let bad = dir.path().join("bad");
    assert_ne!(cli_views(&two, &cut, &bad, "sideways"), 0);
    assert!(!bad.exists());
    // No cutouts, a three-class network, a missing model: errors, and no output folder.
    let empty = dir.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let none = dir.path().join("none");
    assert_eq!(cli(&two, &empty, &none), 2);
    let three = save(3, "three");
    assert_eq!(cli(&three, &cut, &none), 2);
    assert_eq!(cli(&dir.path().join("absent.bpk"), &cut, &none), 2);
    assert!(!none.exists());
}
