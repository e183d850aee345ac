//! The network half of [`super::fetch`]: downloading the catalogue's cutouts over HTTP(S), with
//! connect and total timeouts, retries with doubling back-off on timeouts / 5xx / 429, and no
//! partial files. Behind the `fetch` feature (on by default, with the command-line tool), so that
//! a library user or a notebook kernel that never downloads does not compile a TLS stack.

use super::catalog::InteractingPair;
use super::cutout::CutoutRequest;
use super::fetch::{FetchConfig, FetchFailure, FetchReport, cutout_file_name};
use crate::error::{Error, Result};
use crate::io::write_atomic;
use std::path::{Path, PathBuf};

enum Failure {
    /// The host could not be reached: stop everything.
    Unreachable(String),
    /// Worth another attempt (timeout, 5xx, 429, truncated or non-image body).
    Retry(String),
    /// The service answered and retrying will not help (404, 400, …).
    Fatal(String),
}

fn agent(cfg: &FetchConfig) -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_resolve(Some(cfg.connect_timeout))
        .timeout_connect(Some(cfg.connect_timeout))
        .timeout_global(Some(cfg.timeout))
        .user_agent(concat!("galaxy-lab/", env!("CARGO_PKG_VERSION")))
        .build()
        .into()
}

/// Connection refused, no route, or a failed DNS lookup (which std reports with an
/// uncategorised kind, so its message is checked).
fn unreachable(io: &std::io::Error) -> bool {
    use std::io::ErrorKind::*;
    if matches!(
        io.kind(),
        ConnectionRefused | NetworkUnreachable | HostUnreachable | AddrNotAvailable | NotConnected
    ) {
        return true;
    }
    let m = io.to_string().to_lowercase();
    [
        "lookup address",
        "name or service not known",
        "name resolution",
        "nodename nor servname",
        "no such host",
    ]
    .iter()
    .any(|s| m.contains(s))
}

fn attempt(
    agent: &ureq::Agent,
    url: &str,
    max_bytes: u64,
) -> std::result::Result<Vec<u8>, Failure> {
    let mut resp = match agent.get(url).call() {
        Ok(r) => r,
        Err(e) => {
            let msg = e.to_string();
            return Err(match e {
                ureq::Error::HostNotFound | ureq::Error::ConnectionFailed => {
                    Failure::Unreachable(msg)
                }
                ureq::Error::Timeout(ureq::Timeout::Resolve | ureq::Timeout::Connect) => {
                    Failure::Unreachable(msg)
                }
                ureq::Error::Io(ref io) if unreachable(io) => Failure::Unreachable(msg),
                ureq::Error::BadUri(_) | ureq::Error::Http(_) => Failure::Fatal(msg),
                _ => Failure::Retry(msg),
            });
        }
    };
    let status = resp.status().as_u16();
    if status != 200 {
        let msg = format!("HTTP status {status}");
        return Err(if status >= 500 || status == 429 || status == 408 {
            Failure::Retry(msg)
        } else {
            Failure::Fatal(msg)
        });
    }
    let bytes = resp
        .body_mut()
        .with_config()
        .limit(max_bytes)
        .read_to_vec()
        .map_err(|e| match e {
            ureq::Error::BodyExceedsLimit(_) => {
                Failure::Fatal(format!("response larger than {max_bytes} bytes"))
            }
            e => Failure::Retry(format!("reading the response: {e}")),
        })?;
    super::images::load_cutout_bytes(&bytes)
        .map_err(|e| Failure::Retry(format!("the response is not a readable image: {e}")))?;
    Ok(bytes)
}

fn net_error(url: &str, msg: String) -> Error {
    Error::io(url, std::io::Error::other(msg))
}

fn get_with_retries(
    agent: &ureq::Agent,
    url: &str,
    cfg: &FetchConfig,
) -> std::result::Result<Vec<u8>, Failure> {
    let mut wait = cfg.backoff;
    let mut tries = 0;
    loop {
        tries += 1;
        match attempt(agent, url, cfg.max_bytes) {
            Ok(b) => return Ok(b),
            Err(Failure::Fatal(m)) => return Err(Failure::Fatal(m)),
            Err(Failure::Retry(m)) if tries > cfg.retries => {
                return Err(Failure::Retry(format!(
                    "{m} (gave up after {tries} attempts)"
                )));
            }
            Err(Failure::Unreachable(m)) if tries > cfg.retries => {
                return Err(Failure::Unreachable(format!(
                    "cannot reach the cutout service: {m} (after {tries} attempts). Are you \
                     offline? The SDSS cutouts need internet access; --base-url can point at a \
                     mirror"
                )));
            }
            Err(_) => {
                std::thread::sleep(wait);
                wait = wait.saturating_mul(2);
            }
        }
    }
}

/// Downloads one image from `url` with `cfg`'s timeouts and retries; checks it decodes.
pub fn fetch_url(url: &str, cfg: &FetchConfig) -> Result<Vec<u8>> {
    get_with_retries(&agent(cfg), url, cfg).map_err(|f| match f {
        Failure::Unreachable(m) | Failure::Retry(m) | Failure::Fatal(m) => net_error(url, m),
    })
}

fn validate(cfg: &FetchConfig) -> Result<()> {
    if cfg.connect_timeout.is_zero() || cfg.timeout.is_zero() {
        return Err(Error::invalid(
            "timeout",
            format!("{:?}/{:?}", cfg.connect_timeout, cfg.timeout),
            "timeouts must be > 0",
        ));
    }
    if cfg.retries > 20 {
        return Err(Error::invalid("retries", cfg.retries, "must be at most 20"));
    }
    Ok(())
}

/// Downloads the cutout of every pair to `out_dir/<obj_id>.jpg`, centred on
/// [`InteractingPair::center`]. `progress(k, obj_id)` is called before pair k.
///
/// Returns `Err` at once if the service cannot be reached (nothing is left behind); pairs the
/// service answers with an error are listed in [`FetchReport::failed`] and the others are still
/// fetched.
pub fn fetch_catalog(
    pairs: &[InteractingPair],
    out_dir: impl AsRef<Path>,
    cfg: &FetchConfig,
    progress: &mut dyn FnMut(usize, &str),
) -> Result<FetchReport> {
    validate(cfg)?;
    let out_dir = out_dir.as_ref();
    // Check every URL before touching the network or the disk.
    let jobs: Vec<(String, PathBuf, &InteractingPair)> = pairs
        .iter()
        .map(|p| {
            let (ra, dec) = p.center();
            let req = CutoutRequest {
                ra,
                dec,
                scale: cfg.scale,
                width: cfg.width,
                height: cfg.height,
            };
            Ok((
                req.url(&cfg.base_url)?,
                out_dir.join(cutout_file_name(p)),
                p,
            ))
        })
        .collect::<Result<_>>()?;
    let agent = agent(cfg);
    let mut report = FetchReport::default();
    for (k, (url, dest, pair)) in jobs.into_iter().enumerate() {
        progress(k, &pair.obj_id);
        if dest.exists() && !cfg.overwrite {
            report.skipped.push(dest);
            continue;
        }
        match get_with_retries(&agent, &url, cfg) {
            Ok(bytes) => {
                write_atomic(&dest, &bytes)?;
                report.downloaded.push(dest);
            }
            Err(Failure::Unreachable(m)) => return Err(net_error(&url, m)),
            Err(Failure::Retry(m)) | Err(Failure::Fatal(m)) => report.failed.push(FetchFailure {
                obj_id: pair.obj_id.clone(),
                url,
                error: m,
            }),
        }
    }
    Ok(report)
}
