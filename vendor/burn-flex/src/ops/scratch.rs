//! Per-thread scratch buffers for the im2col convolution kernels (galaxy-lab patch).
//!
//! `conv_forward.rs` and `conv_backward.rs` need, per chunk of samples, a column matrix, a packed
//! output gradient and a gemm result, each written in full before it is read. Allocating them as
//! `vec![0; n]` cost a `calloc` each time, which with an allocator that keeps freed memory (as
//! galaxy-lab's CLI configures glibc) is a `memset` of megabytes per convolution: ~10 % of a
//! compact-classifier training step. Here each thread keeps up to [`MAX_POOLED`] buffers; a taken
//! buffer holds zeros or whatever an earlier user left, so **only buffers that are overwritten
//! entirely before any read may come from here**. Without `std` (no thread locals) every take is a
//! fresh zeroed allocation.

use alloc::vec::Vec;
use core::mem::MaybeUninit;
use core::ops::{Deref, DerefMut};

/// Buffers kept per thread and element type (a convolution holds at most two at once).
const MAX_POOLED: usize = 4;

/// Element types with a per-thread pool of scratch buffers.
pub(crate) trait ScratchElem: Copy + Default + 'static {
    /// Runs `f` on this thread's pool; `None` where there is none (no `std`, or the thread's
    /// storage is being torn down).
    fn with_pool<R>(f: impl FnOnce(&mut Vec<Vec<Self>>) -> R) -> Option<R>;
}

#[cfg(feature = "std")]
mod pools {
    use alloc::vec::Vec;
    use core::cell::RefCell;

    std::thread_local! {
        pub(super) static F32: RefCell<Vec<Vec<f32>>> = const { RefCell::new(Vec::new()) };
        pub(super) static F64: RefCell<Vec<Vec<f64>>> = const { RefCell::new(Vec::new()) };
    }
}

macro_rules! scratch_elem {
    ($t:ty, $pool:ident) => {
        impl ScratchElem for $t {
            fn with_pool<R>(f: impl FnOnce(&mut Vec<Vec<Self>>) -> R) -> Option<R> {
                #[cfg(feature = "std")]
                {
                    // The borrow lasts one push or pop, so it cannot be held by a caller.
                    pools::$pool
                        .try_with(|p| p.try_borrow_mut().ok().map(|mut p| f(&mut p)))
                        .ok()
                        .flatten()
                }
                #[cfg(not(feature = "std"))]
                {
                    let _ = f;
                    None
                }
            }
        }
    };
}
scratch_elem!(f32, F32);
scratch_elem!(f64, F64);

/// `len` elements of scratch space with unspecified contents (see the module documentation);
/// returned to the thread's pool when dropped.
pub(crate) struct Scratch<T: ScratchElem> {
    buf: Vec<T>,
    len: usize,
}

impl<T: ScratchElem> Scratch<T> {
    pub(crate) fn take(len: usize) -> Self {
        let mut buf = T::with_pool(|p| p.pop()).flatten().unwrap_or_default();
        // A buffer only grows (the new tail is zeroed once), so alternating sizes fill nothing.
        if buf.len() < len {
            buf.reserve_exact(len - buf.len()); // no amortised doubling: buffers stay as asked
            buf.resize(len, T::default());
        }
        Scratch { buf, len }
    }
}

impl<T: ScratchElem> Deref for Scratch<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        &self.buf[..self.len]
    }
}

impl<T: ScratchElem> DerefMut for Scratch<T> {
    fn deref_mut(&mut self) -> &mut [T] {
        &mut self.buf[..self.len]
    }
}

impl<T: ScratchElem> Drop for Scratch<T> {
    fn drop(&mut self) {
        let buf = core::mem::take(&mut self.buf);
        T::with_pool(|p| {
            if p.len() < MAX_POOLED {
                p.push(buf);
            }
        });
    }
}

/// A vector of `len` elements built chunk by chunk (`chunk` elements each, the last may be
/// shorter), in parallel where rayon is on: `fill(c, out)` gets chunk `c` uninitialised and **must
/// write every element of it**. The convolutions' outputs are written in full this way instead
/// of after a serial zero fill of the whole vector.
pub(crate) fn filled_in_chunks<T, F>(len: usize, chunk: usize, fill: F) -> Vec<T>
where
    T: Send,
    F: Fn(usize, &mut [MaybeUninit<T>]) + Sync + Send,
{
    let mut v: Vec<T> = Vec::with_capacity(len);
    let out = &mut v.spare_capacity_mut()[..len];
    #[cfg(feature = "rayon")]
    {
        use rayon::prelude::*;
        out.par_chunks_mut(chunk.max(1))
            .enumerate()
            .for_each(|(c, part)| fill(c, part));
    }
    #[cfg(not(feature = "rayon"))]
    out.chunks_mut(chunk.max(1))
        .enumerate()
        .for_each(|(c, part)| fill(c, part));
    // SAFETY: the chunks cover all `len` elements and `fill` writes each of them.
    unsafe { v.set_len(len) };
    v
}

/// `part` set to zero, as an initialised slice (for a chunk of [`filled_in_chunks`] that is
/// accumulated into).
pub(crate) fn zeroed<T: Copy + Default>(part: &mut [MaybeUninit<T>]) -> &mut [T] {
    for v in part.iter_mut() {
        v.write(T::default());
    }
    // SAFETY: every element was initialised just above.
    unsafe { core::slice::from_raw_parts_mut(part.as_mut_ptr().cast::<T>(), part.len()) }
}
