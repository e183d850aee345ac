//! Run-time choice of where tensors live. burn 0.22 dispatches every tensor operation to the
//! backend that owns its device, so model code has no backend type parameter: notebooks call
//! [`device()`] and the same cells run on a laptop CPU, a Vulkan GPU or a CUDA box.
//!
//! The choice is made once per process ([`chosen`]) from `GALAXY_LAB_DEVICE` and what the build
//! and the machine offer:
//!
//! | `GALAXY_LAB_DEVICE` | device |
//! |---|---|
//! | unset or `auto` | CUDA device 0 (feature `cuda`, NVIDIA driver present), else a Vulkan GPU (feature `vulkan`: a discrete, then an integrated GPU), else the CPU |
//! | `cpu` | the CPU: burn's pure-Rust `flex` backend |
//! | `vulkan` | wgpu's default Vulkan adapter, if it is a GPU (a software driver such as Mesa's lavapipe is named in the note and refused: Debian 12's segfaults compiling cubecl's kernels) |
//! | `cuda` | CUDA device 0 |
//!
//! A backend that was asked for but is not there (not built in, no driver, no adapter) gives
//! the CPU, and [`DeviceChoice::note`] says why; [`device()`] prints that note once on stderr.

pub use burn::tensor::Device;
use std::sync::OnceLock;

use crate::error::{Error, Result};

/// The environment variable that picks the device.
pub const DEVICE_ENV: &str = "GALAXY_LAB_DEVICE";

/// What the user asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceRequest {
    /// The fastest backend this build and machine offer.
    Auto,
    /// The CPU.
    Cpu,
    /// A Vulkan adapter (feature `vulkan`).
    Vulkan,
    /// CUDA device 0 (feature `cuda`).
    Cuda,
}

impl DeviceRequest {
    /// Parses `auto`, `cpu`, `vulkan` or `cuda` (any case, surrounding spaces ignored).
    pub fn parse(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "" | "auto" => Ok(DeviceRequest::Auto),
            "cpu" => Ok(DeviceRequest::Cpu),
            "vulkan" => Ok(DeviceRequest::Vulkan),
            "cuda" => Ok(DeviceRequest::Cuda),
            _ => Err(Error::invalid(
                DEVICE_ENV,
                s,
                "expected auto, cpu, vulkan or cuda",
            )),
        }
    }

    /// The request in `GALAXY_LAB_DEVICE` (unset: [`DeviceRequest::Auto`]).
    pub fn from_env() -> Result<Self> {
        match std::env::var(DEVICE_ENV) {
            Ok(v) => Self::parse(&v),
            Err(std::env::VarError::NotPresent) => Ok(DeviceRequest::Auto),
            Err(e) => Err(Error::invalid(DEVICE_ENV, format!("{e:?}"), e.to_string())),
        }
    }
}

/// The backend a device belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// burn's `flex` backend on the CPU.
    Cpu,
    /// burn's wgpu backend on a Vulkan adapter (SPIR-V kernels).
    Vulkan,
    /// burn's CUDA backend.
    Cuda,
}

/// The device chosen, in words, and why another was not.
#[derive(Debug, Clone)]
pub struct DeviceChoice {
    /// Where tensors live.
    pub device: Device,
    /// Its backend.
    pub backend: Backend,
    /// "CPU, burn flex backend, 2 threads", "Vulkan: NVIDIA H200 (DiscreteGpu)", ….
    pub name: String,
    /// Why the device asked for is not the one chosen (`None` when it is).
    pub note: Option<String>,
}

/// Chooses a device for `request` (no caching: [`chosen`] is the process's choice). Never fails:
/// what cannot be had falls back to the CPU with a [`DeviceChoice::note`].
pub fn choose(request: DeviceRequest) -> DeviceChoice {
    let mut notes = Vec::new();
    if matches!(request, DeviceRequest::Auto | DeviceRequest::Cuda) {
        match cuda_choice() {
            Ok(c) => return c,
            Err(why) if request == DeviceRequest::Cuda => notes.push(why),
            Err(_) => {}
        }
    }
    if matches!(request, DeviceRequest::Auto | DeviceRequest::Vulkan) {
        match vulkan_choice(request == DeviceRequest::Auto) {
            Ok(c) => return c,
            Err(why) if request == DeviceRequest::Vulkan => notes.push(why),
            Err(_) => {}
        }
    }
    let mut c = cpu_choice();
    if !notes.is_empty() {
        c.note = Some(format!("{}; using the CPU", notes.join("; ")));
    }
    c
}

/// The process's device choice, once made ([`chosen`]).
static CHOSEN: OnceLock<DeviceChoice> = OnceLock::new();

/// The process's device choice: made on first use from `GALAXY_LAB_DEVICE` (an unknown value is
/// an error in the note and gives the CPU).
pub fn chosen() -> &'static DeviceChoice {
    CHOSEN.get_or_init(|| match DeviceRequest::from_env() {
        Ok(r) => choose(r),
        Err(e) => DeviceChoice {
            note: Some(format!("{e}; using the CPU")),
            ..cpu_choice()
        },
    })
}

/// The device galaxy-lab trains on ([`chosen`]); the first call prints the choice's note, if
/// any, on stderr.
pub fn device() -> Device {
    static NOTED: OnceLock<()> = OnceLock::new();
    let c = chosen();
    if let Some(n) = &c.note {
        NOTED.get_or_init(|| eprintln!("galaxy-lab device: {n}"));
    }
    c.device.clone()
}

/// The CPU device, whatever the features.
pub fn cpu_device() -> Device {
    Device::flex()
}

/// True when built with the `cuda` feature and an NVIDIA driver is visible.
pub fn cuda_available() -> bool {
    cfg!(feature = "cuda") && std::path::Path::new("/dev/nvidiactl").exists()
}

fn cpu_choice() -> DeviceChoice {
    DeviceChoice {
        device: Device::flex(),
        backend: Backend::Cpu,
        name: cpu_name(),
        note: None,
    }
}

fn cpu_name() -> String {
    match rayon::current_num_threads() {
        1 => "CPU, burn flex backend, 1 thread".into(),
        n => format!("CPU, burn flex backend, {n} threads"),
    }
}

/// The device a saved run names, for tables: without the backend's debug form that older runs
/// appended, and "1 thread" for their "1 threads" (`CPU, burn flex backend, 1 threads
/// (Device<Flex(Cpu)>)` → `CPU, burn flex backend, 1 thread`).
pub fn short_device(saved: &str) -> String {
    let s = saved.split(" (Device").next().unwrap_or(saved).trim();
    match s.strip_suffix(" 1 threads") {
        Some(head) => format!("{head} 1 thread"),
        None => s.to_string(),
    }
}

#[cfg(feature = "cuda")]
fn cuda_choice() -> std::result::Result<DeviceChoice, String> {
    if !cuda_available() {
        return Err("CUDA asked for, but no NVIDIA driver (/dev/nvidiactl) is visible".into());
    }
    Ok(DeviceChoice {
        device: Device::cuda(0),
        backend: Backend::Cuda,
        name: "CUDA GPU 0".into(),
        note: None,
    })
}

#[cfg(not(feature = "cuda"))]
fn cuda_choice() -> std::result::Result<DeviceChoice, String> {
    Err("CUDA asked for, but this build has no `cuda` feature".into())
}

/// A Vulkan GPU: with `gpu_only`, a discrete then an integrated one; otherwise wgpu's default
/// adapter. Never a software driver (slower than the flex backend, and Mesa 22.3's lavapipe
/// crashes on cubecl's kernels).
#[cfg(feature = "vulkan")]
fn vulkan_choice(gpu_only: bool) -> std::result::Result<DeviceChoice, String> {
    use burn::tensor::DeviceKind;
    use burn::tensor::wgpu::WgpuBackend;
    let kinds: &[DeviceKind] = if gpu_only {
        &[DeviceKind::DiscreteGpu(0), DeviceKind::IntegratedGpu(0)]
    } else {
        &[DeviceKind::DefaultDevice]
    };
    let mut errors = Vec::new();
    for kind in kinds {
        match Device::wgpu_options()
            .graphics_api(WgpuBackend::Vulkan)
            .device_kind(kind.clone())
            .init_with_setup()
        {
            Ok((device, setup)) => {
                let info = setup.adapter.get_info();
                if info.device_type == burn::tensor::wgpu::wgpu::DeviceType::Cpu {
                    // Measured on Debian 12 (Mesa 22.3.6): lavapipe segfaults inside its own
                    // shader compiler on the first training step's kernels (q and θ networks).
                    errors.push(format!(
                        "{kind:?}: only a software driver came up ({}, {}), which cannot run \
                         cubecl's SPIR-V kernels here",
                        info.name, info.driver_info
                    ));
                    continue;
                }
                return Ok(DeviceChoice {
                    device,
                    backend: Backend::Vulkan,
                    name: format!(
                        "Vulkan: {} ({:?}, driver {} {})",
                        info.name, info.device_type, info.driver, info.driver_info
                    ),
                    note: None,
                });
            }
            Err(e) => errors.push(format!("{kind:?}: {e}")),
        }
    }
    Err(format!(
        "Vulkan asked for, but no Vulkan GPU came up ({}); is libvulkan.so.1 installed with a \
         driver?",
        errors.join("; ")
    ))
}

#[cfg(not(feature = "vulkan"))]
fn vulkan_choice(_gpu_only: bool) -> std::result::Result<DeviceChoice, String> {
    Err("Vulkan asked for, but this build has no `vulkan` feature".into())
}

/// The GPU features this binary was built with ("vulkan, cuda", "none").
pub fn gpu_features() -> &'static str {
    match (cfg!(feature = "vulkan"), cfg!(feature = "cuda")) {
        (true, true) => "vulkan, cuda",
        (true, false) => "vulkan",
        (false, true) => "cuda",
        (false, false) => "none",
    }
}

/// Which build of the CPU backend this binary links: burn-flex with galaxy-lab's patch (the CLI,
/// tests, and notebooks run by `scripts/run_notebooks.py`) or crates.io's unpatched copy (a crate
/// that depends on galaxy-lab without the `[patch]`); with the `avx512` feature, also whether
/// this CPU runs gemm's AVX-512 kernels (gemm checks `avx512f` at run time and falls back to
/// its AVX2 kernels where it is missing).
pub fn backend_build() -> String {
    let build = env!("GALAXY_LAB_BURN_FLEX");
    if !cfg!(feature = "avx512") {
        return build.to_string();
    }
    let used = if cpu_has_avx512f() {
        "in use: this CPU has AVX-512F"
    } else {
        "not used: this CPU lacks AVX-512F"
    };
    format!("{build} ({used})")
}

/// True where the CPU reports AVX-512F (what gemm's `x86-v4` kernels need).
fn cpu_has_avx512f() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx512f")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// True for the CPU (burn-flex) device, plain or autodiff; false for CUDA and Vulkan GPUs.
pub fn is_cpu(device: &Device) -> bool {
    gpu_kind(&format!("{device:?}")).is_none()
}

/// "CUDA" or "Vulkan" when a device's debug form names a GPU backend; None for the CPU.
fn gpu_kind(debug: &str) -> Option<&'static str> {
    let lower = debug.to_ascii_lowercase();
    if lower.contains("cuda") {
        Some("CUDA")
    } else if lower.contains("wgpu") || lower.contains("vulkan") {
        Some("Vulkan")
    } else {
        None
    }
}

/// A one-line description of `device` for notebook banners and `metrics.json`.
pub fn device_name(device: &Device) -> String {
    let s = format!("{device:?}");
    // The chosen device's full name, if a choice was made: naming a device never makes one
    // (that could bring up a GPU only to name the CPU).
    if let Some(c) = CHOSEN.get()
        && s == format!("{:?}", c.device)
    {
        return c.name.clone();
    }
    match gpu_kind(&s) {
        Some(kind) => format!("{kind} GPU"),
        None => cpu_name(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::Tensor;

    #[test]
    fn short_device_drops_the_debug_form_and_fixes_the_plural() {
        assert_eq!(
            short_device("CPU, burn flex backend, 1 threads (Device<Flex(Cpu)>)"),
            "CPU, burn flex backend, 1 thread"
        );
        assert_eq!(
            short_device("CPU, burn flex backend, 2 threads (Device<Flex(Cpu)>)"),
            "CPU, burn flex backend, 2 threads"
        );
        assert_eq!(
            short_device("CPU, burn flex backend, 11 threads"),
            "CPU, burn flex backend, 11 threads"
        );
        assert_eq!(short_device("CUDA GPU 0"), "CUDA GPU 0");
    }

    #[test]
    fn default_device_computes() {
        let d = device();
        let t = Tensor::<1>::from_floats([1.0, 2.0, 3.0], &d);
        let s: f32 = t.sum().into_scalar();
        assert_eq!(s, 6.0);
        assert!(!device_name(&d).is_empty());
    }

    #[test]
    fn requests_parse_and_bad_ones_name_the_value() {
        assert_eq!(DeviceRequest::parse(" CPU ").unwrap(), DeviceRequest::Cpu);
        assert_eq!(DeviceRequest::parse("").unwrap(), DeviceRequest::Auto);
        assert_eq!(
            DeviceRequest::parse("Vulkan").unwrap(),
            DeviceRequest::Vulkan
        );
        let e = DeviceRequest::parse("gpu0").unwrap_err().to_string();
        assert!(e.contains("gpu0") && e.contains(DEVICE_ENV), "{e}");
    }

    #[test]
    fn cpu_request_gives_the_cpu_without_a_note() {
        let c = choose(DeviceRequest::Cpu);
        assert_eq!(c.backend, Backend::Cpu);
        assert!(c.note.is_none());
        assert!(c.name.starts_with("CPU"));
    }

    /// A backend the build lacks falls back to the CPU and says why.
    #[cfg(not(feature = "cuda"))]
    #[test]
    fn cuda_without_the_feature_falls_back_with_a_note() {
        let c = choose(DeviceRequest::Cuda);
        assert_eq!(c.backend, Backend::Cpu);
        let n = c.note.expect("a note");
        assert!(n.contains("`cuda` feature") && n.contains("CPU"), "{n}");
    }

    #[cfg(not(feature = "vulkan"))]
    #[test]
    fn vulkan_without_the_feature_falls_back_with_a_note() {
        let c = choose(DeviceRequest::Vulkan);
        assert_eq!(c.backend, Backend::Cpu);
        assert!(c.note.expect("a note").contains("`vulkan` feature"));
    }
}
