//! Build-time facts: which burn-flex build is linked (the vendored, patched copy or crates.io's),
//! and a check for the `cuda` feature (a no-op otherwise).
//!
//! burn 0.22.1's CUDA backend (cubecl-cuda → cubecl-llvm) needs no CUDA toolkit to build, but its
//! build script downloads an LLVM bundle (tracel-llvm 23.1.0-4, ~hundreds of MB) from
//! github.com/tracel-ai/tracel-llvm into `~/.local/share/tracel/`. On a machine that cannot reach
//! GitHub the build fails deep inside that script with "failed to lookup address information";
//! this check says why, and what to do, in plain words.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    // Which burn-flex is linked: the vendored, patched copy announces itself (vendor/burn-flex/
    // build.rs); crates.io's does not. Read by `device::backend_build()`.
    let flex = match std::env::var("DEP_BURN_FLEX_GALAXY_LAB_PATCH_POOL") {
        Ok(pool) => {
            // Each addition to the patch announces itself; an older vendored copy lacks some.
            let part = |key: &str, what: &str| {
                std::env::var(format!("DEP_BURN_FLEX_GALAXY_LAB_PATCH_{key}"))
                    .map(|v| format!(", {what} {v}"))
                    .unwrap_or_default()
            };
            format!(
                "burn-flex 0.22.1 with galaxy-lab's patch (max pool {pool}{}{}{}{}{})",
                part("CONV_FORWARD", "conv forward"),
                part("CONV_BACKWARD", "conv gradients"),
                part("BATCH_NORM", "batch norm"),
                part("ELEMENTWISE", "element-wise maps"),
                part("MATMUL", "matmul"),
            )
        }
        Err(_) => "burn-flex 0.22.1 from crates.io (unpatched: slower 2x2 and 3x3 max pool, \
                   convolution and training-mode batch norm)"
            .to_string(),
    };
    // With the `avx512` feature gemm also carries AVX-512 kernels (used where the CPU has them).
    let flex = if std::env::var_os("CARGO_FEATURE_AVX512").is_some() {
        format!("{flex}, gemm with AVX-512 kernels")
    } else {
        flex
    };
    println!("cargo:rustc-env=GALAXY_LAB_BURN_FLEX={flex}");
    if std::env::var_os("CARGO_FEATURE_CUDA").is_none() {
        return;
    }
    let data = std::env::var_os("XDG_DATA_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| std::path::Path::new(&h).join(".local/share"))
        });
    let Some(data) = data else { return };
    let bundle = data.join("tracel").join("tracel-llvm-23.1.0-4");
    println!("cargo:rerun-if-changed={}", bundle.display());
    if !bundle.exists() {
        println!(
            "cargo:warning=galaxy-lab --features cuda: burn's CUDA backend needs the LLVM bundle \
             {} (downloaded by cubecl-llvm's build script from github.com/tracel-ai/tracel-llvm). \
             It is missing; if this machine is offline the build fails with 'failed to lookup \
             address information'. Build once on a machine with internet access and copy \
             ~/.local/share/tracel (and ~/.cache/tracel) here. No CUDA toolkit is needed to build.",
            bundle.display()
        );
    }
}
