//! Run-time choice of where tensors live. burn 0.22 dispatches every tensor operation to the
//! backend that owns its device, so model code has no backend type parameter: notebooks call
//! [`device()`] and the same cells run on a laptop CPU or a CUDA box.

pub use burn::tensor::Device;

/// The device galaxy-lab trains on.
///
/// * `GALAXY_LAB_DEVICE=cpu` forces the CPU (burn's pure-Rust `flex` backend).
/// * Built with `--features cuda` and an NVIDIA driver present (`/dev/nvidiactl`), CUDA device 0.
/// * Otherwise the CPU.
pub fn device() -> Device {
    let forced_cpu = std::env::var("GALAXY_LAB_DEVICE")
        .map(|v| v.eq_ignore_ascii_case("cpu"))
        .unwrap_or(false);
    if !forced_cpu && cuda_available() {
        return cuda_device();
    }
    Device::flex()
}

/// The CPU device, whatever the features.
pub fn cpu_device() -> Device {
    Device::flex()
}

/// True when built with the `cuda` feature and an NVIDIA driver is visible.
pub fn cuda_available() -> bool {
    cfg!(feature = "cuda") && std::path::Path::new("/dev/nvidiactl").exists()
}

#[cfg(feature = "cuda")]
fn cuda_device() -> Device {
    Device::cuda(0)
}

#[cfg(not(feature = "cuda"))]
fn cuda_device() -> Device {
    Device::flex()
}

/// Which build of the CPU backend this binary links: burn-flex with galaxy-lab's patch (the CLI,
/// tests, and notebooks run by `scripts/run_notebooks.py`) or crates.io's unpatched copy (a crate
/// that depends on galaxy-lab without the `[patch]`).
pub fn backend_build() -> &'static str {
    env!("GALAXY_LAB_BURN_FLEX")
}

/// A one-line description of `device` for notebook banners and `metrics.json`.
pub fn device_name(device: &Device) -> String {
    let s = format!("{device:?}");
    if s.to_ascii_lowercase().contains("cuda") {
        "CUDA GPU".into()
    } else {
        format!(
            "CPU, burn flex backend, {} threads",
            rayon::current_num_threads()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::Tensor;

    #[test]
    fn default_device_computes() {
        let d = device();
        let t = Tensor::<1>::from_floats([1.0, 2.0, 3.0], &d);
        let s: f32 = t.sum().into_scalar();
        assert_eq!(s, 6.0);
        assert!(!device_name(&d).is_empty());
    }
}
