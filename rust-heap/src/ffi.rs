//! `extern "C"` exports with the C conversions' signature
//! (`sgvmap_convert_fn` in `c-heap/include/sgvmap.h`).
//!
//! By default the symbols carry a `rust_` prefix so that the C and the Rust
//! implementations can be linked into one program and compared. With the
//! `c-names` feature they take the C names and replace the C functions
//! behind the same header.
//!
//! They run at the build's page size ([`PAGE_SHIFT`]): the kernel's in a
//! kernel, the C model's (4K) in userspace.

use core::ffi::c_uint;

use crate::convert;
use crate::layout::{AbiLayout, Page, Report, SgTable, PAGE_SHIFT};

/// `sgvmap_before()` in Rust.
///
/// # Safety
/// As the C function: a valid table, and a slot for every page it holds.
#[cfg_attr(feature = "c-names", export_name = "sgvmap_before")]
#[cfg_attr(not(feature = "c-names"), export_name = "rust_sgvmap_before")]
pub unsafe extern "C" fn rust_sgvmap_before(
    table: *const SgTable,
    pages: *mut *mut Page,
    npages: c_uint,
    report: *mut Report,
) -> i32 {
    // SAFETY: forwarded from the caller.
    unsafe { *report = convert::before::<PAGE_SHIFT>(table, pages, npages as usize) };
    0
}

/// `sgvmap_v1()` in Rust.
///
/// # Safety
/// As the C function: a valid table with every entry reachable, and a slot
/// for every page it holds.
#[cfg_attr(feature = "c-names", export_name = "sgvmap_v1")]
#[cfg_attr(not(feature = "c-names"), export_name = "rust_sgvmap_v1")]
pub unsafe extern "C" fn rust_sgvmap_v1(
    table: *const SgTable,
    pages: *mut *mut Page,
    npages: c_uint,
    report: *mut Report,
) -> i32 {
    // SAFETY: forwarded from the caller.
    unsafe { *report = convert::v1::<PAGE_SHIFT>(table, pages, npages as usize) };
    0
}

/// `sgvmap_bounded()` in Rust: 0, -E2BIG, -ENODATA or -EINVAL, as in C.
///
/// # Safety
/// A valid table and `npages` slots.
#[cfg_attr(feature = "c-names", export_name = "sgvmap_bounded")]
#[cfg_attr(not(feature = "c-names"), export_name = "rust_sgvmap_bounded")]
pub unsafe extern "C" fn rust_sgvmap_bounded(
    table: *const SgTable,
    pages: *mut *mut Page,
    npages: c_uint,
    report: *mut Report,
) -> i32 {
    // SAFETY: forwarded from the caller.
    let (out, result) = unsafe { convert::bounded::<PAGE_SHIFT>(table, pages, npages as usize) };
    // SAFETY: the caller gives a writable report.
    unsafe { *report = out };
    match result {
        Ok(()) => 0,
        Err(err) => err.errno(),
    }
}

/// `sgvmap_floor()` in Rust.
///
/// # Safety
/// A valid table and `npages` slots.
#[cfg_attr(feature = "c-names", export_name = "sgvmap_floor")]
#[cfg_attr(not(feature = "c-names"), export_name = "rust_sgvmap_floor")]
pub unsafe extern "C" fn rust_sgvmap_floor(
    table: *const SgTable,
    pages: *mut *mut Page,
    npages: c_uint,
    report: *mut Report,
) -> i32 {
    // SAFETY: forwarded from the caller.
    unsafe { *report = convert::floor(table, pages, npages as usize) };
    0
}

/// Writes the Rust types' sizes and offsets to `out`, for C to compare
/// with its own (`struct sgm_layout` has the same fields).
///
/// # Safety
/// `out` must be valid for one write.
#[export_name = "rust_sgvmap_layout"]
pub unsafe extern "C" fn rust_sgvmap_layout(out: *mut AbiLayout) {
    // SAFETY: the caller gives a writable struct.
    unsafe { *out = AbiLayout::of_this_build() };
}
