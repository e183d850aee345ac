//! galaxy-lab patch: whether burn-flex's direct AVX-512 convolution kernels run in this process:
//! `conv_lanes.rs` (forward pass and input gradient of stride-1 convolutions) and
//! `conv_weight_direct.rs` (weight gradients). They run where the CPU has AVX-512F (checked at run
//! time, once) unless `BURN_FLEX_NO_DIRECT_CONV` is set in the environment or
//! [`crate::ops::conv_backward::set_direct`] turned them off; elsewhere the callers keep im2col +
//! gemm (`conv_forward.rs`, `conv_backward.rs`).
//!
//! Until stop 54 this file also held a forward / input-gradient kernel with output pixels in
//! vector lanes on a zero-padded grid (computing and dropping the padding positions: 13 % more
//! work at 16², 27 % at 8², 56 % at 4², so 4² maps stayed with im2col); `conv_lanes.rs` replaced
//! it, faster on every layer both computed (`examples/conv_direct_profile.rs`).

/// 0: not decided yet; 1: off; 2: on.
#[cfg(all(target_arch = "x86_64", feature = "std"))]
static STATE: core::sync::atomic::AtomicU8 = core::sync::atomic::AtomicU8::new(0);

/// Whether direct convolutions run in this process: AVX-512F on this CPU and, unless
/// [`set_enabled`] said otherwise, `BURN_FLEX_NO_DIRECT_CONV` unset (read once per process; set
/// to any value, the convolutions keep im2col + gemm).
pub(crate) fn enabled() -> bool {
    #[cfg(all(target_arch = "x86_64", feature = "std"))]
    {
        use core::sync::atomic::Ordering;
        if STATE.load(Ordering::Relaxed) == 0 {
            // Decided once from the environment, unless `set_enabled` came first.
            let on = std::env::var_os("BURN_FLEX_NO_DIRECT_CONV").is_none()
                && std::is_x86_feature_detected!("avx512f");
            let _ = STATE.compare_exchange(
                0,
                if on { 2 } else { 1 },
                Ordering::Relaxed,
                Ordering::Relaxed,
            );
        }
        STATE.load(Ordering::Relaxed) == 2
    }
    #[cfg(not(all(target_arch = "x86_64", feature = "std")))]
    {
        false
    }
}

/// Direct convolutions on (where the CPU has AVX-512F) or off, from now on in this process.
pub(crate) fn set_enabled(on: bool) {
    #[cfg(all(target_arch = "x86_64", feature = "std"))]
    {
        let on = on && std::is_x86_feature_detected!("avx512f");
        STATE.store(
            if on { 2 } else { 1 },
            core::sync::atomic::Ordering::Relaxed,
        );
    }
    #[cfg(not(all(target_arch = "x86_64", feature = "std")))]
    let _ = on;
}
