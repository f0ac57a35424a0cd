//! The errno values rust-heap returns, defined once for userspace and
//! kernel code alike.
//!
//! One convention: every constant here is **negative**, as a kernel
//! function returns it (`return -EINVAL;`) and as the C model's functions
//! return it. Callers return these values as they are; nothing negates
//! them.
//!
//! In a kernel build each value is the kernel's own (`kernel::bindings`,
//! from the uapi headers), and a compile-time assertion ties it to the
//! number written here, which is what the userspace build uses (Linux's
//! generic numbers, the same on x86 and arm64; `tests/errno.rs` checks
//! them against the host's C library).

use core::ffi::c_int;

macro_rules! negative_errno {
    ($($(#[$doc:meta])* $name:ident = $linux:literal;)*) => {$(
        $(#[$doc])*
        #[cfg(not(sgvmap_kernel))]
        pub const $name: c_int = -$linux;

        $(#[$doc])*
        #[cfg(sgvmap_kernel)]
        pub const $name: c_int = -(kernel::bindings::$name as c_int);

        #[cfg(sgvmap_kernel)]
        const _: () = assert!(kernel::bindings::$name as c_int == $linux);
    )*};
}

negative_errno! {
    /// `-EINTR`: the allocating task took a fatal signal between chunks.
    EINTR = 4;
    /// `-E2BIG`: a table's entries hold more pages than the buffer.
    E2BIG = 7;
    /// `-ENOMEM`: no chunk, no table or no page array could be had.
    ENOMEM = 12;
    /// `-EINVAL`: a bad length, too few slots, or a chain that ends early.
    EINVAL = 22;
    /// `-ENODATA`: a table's entries hold fewer pages than the buffer.
    ENODATA = 61;
}
