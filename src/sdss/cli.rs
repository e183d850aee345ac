//! `galaxy-lab sdss …`: Eq. 6 on the command line, the catalogue with Eq. 6 recomputed, and the
//! cutout download.

use super::catalog::{DEFAULT_CATALOG_PATH, catalog_table, load_catalog};
use super::download::fetch_catalog;
use super::fetch::FetchConfig;
use super::geometry::{label_relative_inclination, relative_inclination};
use crate::error::{Error, Result};
use clap::{Args, Subcommand};
use std::path::PathBuf;
use std::time::Duration;

/// The `sdss` subcommands (seed 000's real-data test).
#[derive(Debug, Subcommand)]
pub enum SdssCmd {
    /// Relative inclination of two discs, Eq. 6 (degrees), and its ±15° label.
    RelativeInclination(RelIncArgs),
    /// The 30 pairs of Tables B1/B2 with Eq. 6 recomputed and the labels.
    Catalog(CatalogArgs),
    /// Download every catalogue cutout from the SkyServer (needs internet).
    Fetch(FetchArgs),
    /// The seed's real-data test on the fetched cutouts: a trained two-class network scores
    /// them at 80 %; prints Tables 12 and 13, ours beside the paper's; with --out, writes
    /// eval.json, predictions, confusion matrix and montage.
    Classify(ClassifyArgs),
}

/// Arguments of `sdss relative-inclination`.
#[derive(Debug, Args)]
pub struct RelIncArgs {
    /// Inclination of galaxy 1, degrees in [0, 90].
    #[arg(long, allow_hyphen_values = true)]
    i1: f64,
    /// Inclination of galaxy 2, degrees in [0, 90].
    #[arg(long, allow_hyphen_values = true)]
    i2: f64,
    /// Position angle of galaxy 1, degrees in [0, 180] (North through East).
    #[arg(long, allow_hyphen_values = true)]
    pa1: f64,
    /// Position angle of galaxy 2, degrees in [0, 180] (North through East).
    #[arg(long, allow_hyphen_values = true)]
    pa2: f64,
}

/// Arguments of `sdss classify`.
#[derive(Debug, Args)]
pub struct ClassifyArgs {
    /// The catalogue CSV.
    #[arg(long, default_value = DEFAULT_CATALOG_PATH)]
    catalog: PathBuf,
    /// Folder of cutouts written by `sdss fetch` (<obj_id>.jpg).
    #[arg(long)]
    cutouts: PathBuf,
    /// Trained two-class network: a run folder (its model.bpk) or a .bpk file with its .json
    /// beside it (e.g. results/classification/weights/two-class_compact_s0.bpk).
    #[arg(long)]
    model: PathBuf,
    /// Rejection threshold on the top softmax probability (the seed's: 0.8).
    #[arg(long, default_value_t = 0.8)]
    threshold: f64,
    /// Median filter radius in pixels (1: a 3 × 3 window; 0: off).
    #[arg(long, default_value_t = 1)]
    median_radius: u32,
    /// Views of each cutout whose softmax is averaged: one (the cutout as it is) or dihedral
    /// (its four right-angle rotations, each also mirrored).
    #[arg(long, value_enum, default_value_t = crate::train::class_views::TestViews::One)]
    views: crate::train::class_views::TestViews,
    /// Folder for eval.json, predictions.csv and figures (default: print only).
    #[arg(long)]
    out: Option<PathBuf>,
}

/// Arguments of `sdss catalog`.
#[derive(Debug, Args)]
pub struct CatalogArgs {
    /// The catalogue CSV.
    #[arg(long, default_value = DEFAULT_CATALOG_PATH)]
    catalog: PathBuf,
    /// Also write the rows with Eq. 6 recomputed as JSON here (e.g. results/sdss/catalog.json).
    #[arg(long)]
    json: Option<PathBuf>,
}

/// Arguments of `sdss fetch`.
#[derive(Debug, Args)]
pub struct FetchArgs {
    /// The catalogue CSV.
    #[arg(long, default_value = DEFAULT_CATALOG_PATH)]
    catalog: PathBuf,
    /// Folder for the cutouts (<obj_id>.jpg).
    #[arg(long)]
    out: PathBuf,
    /// Cutout service URL (default: SkyServer DR15 ImgCutout/getjpeg).
    #[arg(long)]
    base_url: Option<String>,
    /// Arcseconds per pixel.
    #[arg(long, default_value_t = 0.4)]
    scale: f64,
    /// Cutout side in pixels.
    #[arg(long, default_value_t = 340)]
    size: u32,
    /// Seconds allowed for connecting; a request as a whole gets 6 times this.
    #[arg(long, default_value_t = 10.0)]
    timeout: f64,
    /// Extra attempts after a timeout or server error.
    #[arg(long, default_value_t = 3)]
    retries: u32,
    /// Download again cutouts that already exist.
    #[arg(long)]
    overwrite: bool,
}

fn rel_inc(a: RelIncArgs) -> Result<()> {
    let i = relative_inclination(a.i1, a.i2, a.pa1, a.pa2)?;
    println!("{i:.2}");
    match label_relative_inclination(i) {
        Some(c) => println!("label: {c} (within ±15°)"),
        None => println!("label: none (not within ±15° of 0° or 45°)"),
    }
    Ok(())
}

fn catalog(a: CatalogArgs) -> Result<()> {
    let pairs = load_catalog(&a.catalog)?;
    let t = catalog_table(&pairs)?;
    let mut rows = Vec::new();
    for p in &pairs {
        let i6 = p.eq6_inclination()?;
        let label = label_relative_inclination(i6);
        rows.push(serde_json::json!({
            "pair": p, "i_eq6": i6, "label": label.map(|c| c.degrees()),
        }));
    }
    print!("{t}");
    let worst = pairs
        .iter()
        .map(|p| p.eq6_inclination().map(|i| (i - p.i).abs()))
        .collect::<Result<Vec<_>>>()?
        .into_iter()
        .fold(0.0f64, f64::max);
    println!("{} pairs; worst |Eq. 6 − paper| = {worst:.4}°", pairs.len());
    let count = |want: Option<u32>| {
        rows.iter()
            .filter(|r| r["label"].as_u64().map(|v| v as u32) == want)
            .count()
    };
    if let Some(path) = a.json {
        crate::io::write_json(
            &path,
            &serde_json::json!({
                "catalog": a.catalog,
                "pairs": pairs.len(),
                "worst_abs_deviation_deg": worst,
                "labels": {"0": count(Some(0)), "45": count(Some(45)), "rejected": count(None)},
                "rows": rows,
            }),
        )?;
        println!("wrote {}", path.display());
    }
    Ok(())
}

fn fetch(a: FetchArgs) -> Result<()> {
    if !a.timeout.is_finite() || a.timeout <= 0.0 || a.timeout > 3600.0 {
        return Err(Error::invalid(
            "--timeout",
            a.timeout,
            "must be in (0, 3600] seconds",
        ));
    }
    let pairs = load_catalog(&a.catalog)?;
    let mut cfg = FetchConfig {
        scale: a.scale,
        width: a.size,
        height: a.size,
        connect_timeout: Duration::from_secs_f64(a.timeout),
        timeout: Duration::from_secs_f64(6.0 * a.timeout),
        retries: a.retries,
        overwrite: a.overwrite,
        ..Default::default()
    };
    if let Some(u) = a.base_url {
        cfg.base_url = u;
    }
    let n = pairs.len();
    let report = fetch_catalog(&pairs, &a.out, &cfg, &mut |k, id| {
        eprintln!("[{}/{n}] {id}", k + 1);
    })?;
    println!(
        "{}: {} downloaded, {} already there, {} failed",
        a.out.display(),
        report.downloaded.len(),
        report.skipped.len(),
        report.failed.len()
    );
    for f in &report.failed {
        eprintln!("failed {}: {} ({})", f.obj_id, f.error, f.url);
    }
    if report.failed.is_empty() {
        Ok(())
    } else {
        Err(Error::invalid(
            "fetch",
            format!("{} of {n} pairs", report.failed.len()),
            "could not be downloaded (see above)",
        ))
    }
}

/// Runs one `sdss` subcommand.
pub fn run(cmd: SdssCmd) -> Result<()> {
    match cmd {
        SdssCmd::RelativeInclination(a) => rel_inc(a),
        SdssCmd::Catalog(a) => catalog(a),
        SdssCmd::Fetch(a) => fetch(a),
        SdssCmd::Classify(a) => classify(a),
    }
}

fn classify(a: ClassifyArgs) -> Result<()> {
    crate::error::check_range("--threshold", a.threshold, 0.0, 1.0)?;
    let pairs = load_catalog(&a.catalog)?;
    let device = crate::device::device();
    let path = if a.model.is_dir() {
        a.model.join("model.bpk")
    } else {
        a.model.clone()
    };
    let (model, net) = crate::train::classify::load_classifier(&path, &device)?;
    let t = super::real_test::classify_cutouts(
        &model,
        &net,
        &pairs,
        &a.cutouts,
        a.median_radius,
        a.threshold,
        a.views,
        &device,
    )?;
    let mut eval = t.eval;
    eval.metrics.model = path;
    println!(
        "sdss classify: {} of {} pairs have a cutout in {}{}",
        t.pairs.len(),
        pairs.len(),
        a.cutouts.display(),
        if t.missing.is_empty() {
            String::new()
        } else {
            format!(" (missing: {})", t.missing.join(", "))
        }
    );
    println!("{}", eval.scores_table_with_paper()?);
    println!("{}", eval.rejection_table_with_paper()?);
    let m = &eval.metrics;
    println!(
        "{} images, {} rejected below {:.0} %; kept F1 {:.3} (paper {:.2}); all: F1 {:.3}",
        m.n,
        m.rejected,
        100.0 * m.threshold,
        m.overall.f1,
        m.paper.overall.f1,
        m.f1_no_rejection
    );
    if let Some(out) = &a.out {
        eval.save(out)?;
        println!("wrote {}", out.display());
    }
    Ok(())
}
