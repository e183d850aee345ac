//! Notebook plumbing: one call in the first cell ([`setup`]) makes a panicking cell an error
//! that stops a headless run, and prints which mode and device the notebook runs in.
//!
//! Why: evcxr reports a runtime panic as ordinary stderr text and carries on, so `nbconvert
//! --execute` exits 0 even when a cell panicked (see `environment.md`). With the hook installed
//! a panic prints the usual message and then ends the evcxr child process with status 101, which
//! the kernel reports as an error output.

use crate::device::{Device, device, device_name};
use crate::mode::RunMode;
use std::sync::Once;

static HOOK: Once = Once::new();

/// Installs the panic hook (idempotent).
pub fn install_panic_hook() {
    HOOK.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            default(info);
            eprintln!("galaxy-lab: a cell panicked; stopping the kernel so the run fails");
            std::process::exit(101);
        }));
    });
}

/// What [`setup`] found: the run mode and the device. Displays as a one-line banner.
#[derive(Debug, Clone)]
pub struct Session {
    /// Quick or full, from `GALAXY_LAB_MODE`.
    pub mode: RunMode,
    /// Where tensors live.
    pub device: Device,
}

impl std::fmt::Display for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "galaxy-lab {} | mode: {} | device: {} | CPU backend: {}",
            env!("CARGO_PKG_VERSION"),
            self.mode,
            device_name(&self.device),
            crate::device::backend_build()
        )
    }
}

/// First call of every notebook: installs the panic hook, reads the mode and picks the device.
/// An invalid `GALAXY_LAB_MODE` falls back to quick mode with a warning on stderr.
pub fn setup() -> Session {
    install_panic_hook();
    // Training in a notebook reuses large blocks every step, as the CLI's does (src/malloc.rs).
    crate::malloc::keep_freed_memory();
    let mode = RunMode::from_env().unwrap_or_else(|e| {
        eprintln!("warning: {e}; using quick mode");
        RunMode::Quick
    });
    let session = Session {
        mode,
        device: device(),
    };
    println!("{session}");
    session
}
