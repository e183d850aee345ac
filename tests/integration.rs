//! galaxy-lab's integration tests, gathered into one test binary: each file below used to be a
//! binary of its own, and each of those linked burn, hdf5 and plotters again (twelve links of a
//! ~570 MB binary with full debug info on a 2-core CI machine). Run one file's tests with a
//! filter, e.g. `cargo test --test integration pairs:: -- --nocapture`.

mod batch_norm;
mod class_experiment;
mod classify;
mod conv_backward;
mod device_choice;
mod elementwise;
mod fit_golden;
mod layer_gradients;
mod max_pool;
mod mirror;
mod mock_observed;
mod pairs;
mod q_experiment;
mod q_refit;
mod qnet;
mod regress;
mod resume;
mod sdss;
mod sersic_dataset;
mod sersic_render;
mod theta;

/// burn's random number generator is one per device and process-wide, and all these modules now
/// share one process: every test that initialises a network or trains takes this turn, so a seed
/// means the same run whichever other tests happen to be running.
pub fn burn_turn() -> std::sync::MutexGuard<'static, ()> {
    static TURN: std::sync::Mutex<()> = std::sync::Mutex::new(());
    TURN.lock().unwrap_or_else(|e| e.into_inner())
}

/// A `galaxy-lab` CLI child process that inherits no file descriptor but stdin/stdout/stderr.
/// The tests of this binary run in parallel threads; HDF5 opens its files without close-on-exec
/// and locks them (`flock`), so a child spawned while another test has an HDF5 file open would
/// inherit that descriptor, and with it the lock, for as long as the child lives — and the other
/// test's next open of its own file would fail with "unable to lock file".
pub fn cli_command() -> std::process::Command {
    #[allow(unused_mut)]
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_galaxy-lab"));
    // (libc is a dependency on Linux with glibc, where CI runs.)
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: only fcntl, which is async-signal-safe, runs between fork and exec.
    unsafe {
        use std::os::unix::process::CommandExt;
        cmd.pre_exec(|| {
            for fd in 3..4096 {
                let flags = libc::fcntl(fd, libc::F_GETFD);
                if flags >= 0 {
                    libc::fcntl(fd, libc::F_SETFD, flags | libc::FD_CLOEXEC);
                }
            }
            Ok(())
        });
    }
    cmd
}

/// `got` within `tol` of `want`, relative to the largest `|want|` (at least 1); `what` names the
/// quantity in the failure message.
pub fn assert_close(what: &str, got: &[f32], want: &[f64], tol: f64) {
    assert_eq!(got.len(), want.len(), "{what}: size");
    let scale = want.iter().fold(1f64, |m, v| m.max(v.abs()));
    for (i, (g, v)) in got.iter().zip(want).enumerate() {
        assert!(
            (*g as f64 - v).abs() <= tol * scale,
            "{what} at {i}: {g} vs {v}"
        );
    }
}
