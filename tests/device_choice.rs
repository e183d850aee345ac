//! The device choice through the CLI (`galaxy-lab info`, `galaxy-lab device agree`): what each
//! `GALAXY_LAB_DEVICE` gives in this build, and the CPU with a note where the device asked for is
//! not there.

use super::cli_command;

fn info(env: &[(&str, &str)]) -> String {
    let mut cmd = cli_command();
    cmd.arg("info");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn cpu_is_chosen_when_asked_and_an_unknown_device_is_named() {
    let s = info(&[("GALAXY_LAB_DEVICE", "cpu")]);
    assert!(
        s.contains("device: CPU") && s.contains("backend Cpu"),
        "{s}"
    );
    assert!(!s.contains("note:"), "{s}");
    let s = info(&[("GALAXY_LAB_DEVICE", "tpu")]);
    assert!(
        s.contains("device: CPU") && s.contains("note:") && s.contains("tpu"),
        "{s}"
    );
}

/// `info` names the CPU backend build; with the `avx512` feature, whether this CPU runs gemm's
/// AVX-512 kernels, as the CPU itself reports it.
#[test]
fn info_names_the_cpu_backend_build_and_whether_avx512_runs() {
    let s = info(&[("GALAXY_LAB_DEVICE", "cpu")]);
    let line = s
        .lines()
        .find(|l| l.starts_with("CPU backend: "))
        .unwrap_or_else(|| panic!("no CPU backend line in {s}"));
    assert!(line.contains("burn-flex 0.22.1"), "{line}");
    if cfg!(feature = "avx512") {
        #[cfg(target_arch = "x86_64")]
        let has = std::arch::is_x86_feature_detected!("avx512f");
        #[cfg(not(target_arch = "x86_64"))]
        let has = false;
        let expected = if has {
            "in use: this CPU has AVX-512F"
        } else {
            "not used: this CPU lacks AVX-512F"
        };
        assert!(
            line.contains("gemm with AVX-512 kernels") && line.contains(expected),
            "{line}"
        );
    } else {
        assert!(!line.contains("AVX-512"), "{line}");
    }
}

/// A GPU feature this build lacks: the CPU, and a note naming the feature.
#[cfg(not(feature = "vulkan"))]
#[test]
fn vulkan_without_the_feature_gives_the_cpu_with_a_note() {
    let s = info(&[("GALAXY_LAB_DEVICE", "vulkan")]);
    assert!(
        s.contains("device: CPU") && s.contains("`vulkan` feature"),
        "{s}"
    );
}

/// With the feature but no Vulkan driver (an empty driver list): the CPU, and a note.
#[cfg(feature = "vulkan")]
#[test]
fn vulkan_without_a_driver_gives_the_cpu_with_a_note() {
    let s = info(&[
        ("GALAXY_LAB_DEVICE", "vulkan"),
        ("VK_ICD_FILENAMES", "/nonexistent/icd.json"),
        ("VK_DRIVER_FILES", "/nonexistent/icd.json"),
    ]);
    assert!(
        s.contains("device: CPU") && s.contains("note: Vulkan asked for, but no Vulkan GPU"),
        "{s}"
    );
}

/// With the feature and only Mesa's software driver (lavapipe, where installed): refused, the
/// CPU, and a note naming it (Debian 12's lavapipe segfaults compiling cubecl's kernels).
#[cfg(feature = "vulkan")]
#[test]
fn a_software_vulkan_driver_is_refused_with_a_note() {
    let icd = "/usr/share/vulkan/icd.d/lvp_icd.x86_64.json";
    if !std::path::Path::new(icd).exists() {
        eprintln!("skipped: no lavapipe ({icd})");
        return;
    }
    let s = info(&[
        ("GALAXY_LAB_DEVICE", "vulkan"),
        ("VK_ICD_FILENAMES", icd),
        ("VK_DRIVER_FILES", icd),
    ]);
    assert!(
        s.contains("device: CPU") && s.contains("only a software driver"),
        "{s}"
    );
}

/// `device agree` on the CPU compares the CPU with itself, says so, and writes its JSON.
#[test]
fn device_agree_on_the_cpu_writes_json() {
    let dir = tempfile::tempdir().unwrap();
    let j = dir.path().join("agree.json");
    let out = cli_command()
        .args([
            "device", "agree", "--nets", "qnet", "--batch", "2", "--steps", "2", "--json",
        ])
        .arg(&j)
        .env("GALAXY_LAB_DEVICE", "cpu")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{out:?}");
    assert!(
        stdout.contains("compares the CPU with itself") && stdout.contains("agree"),
        "{stdout}"
    );
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&j).unwrap()).unwrap();
    assert_eq!(v[0]["network"], "qnet");
    assert_eq!(v[0]["agree"], true);
    let bad = cli_command()
        .args(["device", "agree", "--nets", "resnet"])
        .env("GALAXY_LAB_DEVICE", "cpu")
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("resnet"));
}
