//! glibc `malloc` settings for training on the CPU.
//!
//! A training step allocates and frees the same large tensors (1–8 MB: the q network's first
//! layer output is `[32, 16, 63, 63]` f32) at every step. glibc's thresholds adjust themselves:
//! a freed mmapped block raises the mmap threshold to its size and the trim threshold to twice
//! that, and whenever more than the trim threshold is free at the top of the heap it is handed
//! back to the system, to be faulted in again (the kernel zeroing each page) by the next step
//! (`perf` on `galaxy-lab q bench-step`: ~6 % of samples in page-fault handling).
//! [`keep_freed_memory`] fixes the mmap threshold at 32 MiB (glibc's maximum on 64-bit targets)
//! and the trim threshold at 1 GiB, so freed blocks stay in the heap for the next step. The
//! process keeps its peak working set (a few hundred MB for the q network). Measured on a shared
//! 2-core VM, the step took 0.94× / 0.91× (1 / 4 channels, median of 5 interleaved rounds) of the
//! time with glibc's defaults, within the noise (rounds 0.59–1.15): see `bench/torch_reference.py`.
//!
//! The CLI applies it at start; [`crate::notebook::setup`] applies it in notebooks.
//! `GALAXY_LAB_MALLOC=default` leaves glibc's settings alone (for A/B timing). Elsewhere (not
//! glibc, or not 64-bit) it does nothing.

use std::sync::atomic::{AtomicBool, Ordering};

/// What [`keep_freed_memory`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MallocSetting {
    /// Thresholds raised (glibc).
    KeepFreed,
    /// Left as they were: `GALAXY_LAB_MALLOC=default`, or not glibc.
    Default,
}

impl std::fmt::Display for MallocSetting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            MallocSetting::KeepFreed => "keep-freed",
            MallocSetting::Default => "default",
        })
    }
}

/// glibc's largest allowed mmap threshold on 64-bit targets (`DEFAULT_MMAP_THRESHOLD_MAX`,
/// 4 MiB × `sizeof(long)`).
pub const MMAP_THRESHOLD: usize = 32 << 20;
/// Freed memory at the top of the heap is returned to the system only above this.
pub const TRIM_THRESHOLD: usize = 1 << 30;

/// Whether [`keep_freed_memory`] can apply here: 64-bit glibc on Linux (the `cfg` of `apply`).
pub const SUPPORTED: bool = cfg!(all(
    target_os = "linux",
    target_env = "gnu",
    target_pointer_width = "64"
));

static APPLIED: AtomicBool = AtomicBool::new(false);

/// Applies the settings described in the module docs, unless `GALAXY_LAB_MALLOC=default`.
/// Any other value of `GALAXY_LAB_MALLOC` is ignored with a warning on stderr naming it.
pub fn keep_freed_memory() -> MallocSetting {
    match std::env::var("GALAXY_LAB_MALLOC").as_deref() {
        Ok("default") => return current(),
        Ok("keep-freed") | Err(_) => {}
        Ok(other) => eprintln!(
            "warning: GALAXY_LAB_MALLOC={other:?} is not `default` or `keep-freed`; using keep-freed"
        ),
    }
    if apply() {
        APPLIED.store(true, Ordering::Relaxed);
    }
    current()
}

/// Whether this process has applied [`keep_freed_memory`]'s settings (benchmarks record it).
pub fn current() -> MallocSetting {
    if APPLIED.load(Ordering::Relaxed) {
        MallocSetting::KeepFreed
    } else {
        MallocSetting::Default
    }
}

#[cfg(all(target_os = "linux", target_env = "gnu", target_pointer_width = "64"))]
fn apply() -> bool {
    // SAFETY: mallopt only changes allocator parameters; it is safe to call at any time, from
    // any thread. It returns 1 on success.
    // The mmap threshold is the one glibc can refuse (above its maximum); if it does, the `&&`
    // leaves the trim threshold alone too, so "not applied" means nothing changed. glibc accepts
    // any trim threshold.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD as libc::c_int) == 1
            && libc::mallopt(libc::M_TRIM_THRESHOLD, TRIM_THRESHOLD as libc::c_int) == 1
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu", target_pointer_width = "64")))]
fn apply() -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keep_freed_memory_applies_on_glibc_and_is_idempotent() {
        if std::env::var("GALAXY_LAB_MALLOC").as_deref() == Ok("default") {
            return;
        }
        let first = keep_freed_memory();
        let expected = if SUPPORTED {
            MallocSetting::KeepFreed
        } else {
            MallocSetting::Default
        };
        assert_eq!(first, expected);
        assert_eq!(keep_freed_memory(), first);
        assert_eq!(current(), first);
        assert_eq!(
            first.to_string(),
            if first == MallocSetting::KeepFreed {
                "keep-freed"
            } else {
                "default"
            }
        );
    }
}
