//! The three sg_table-to-pages conversions and the store-loop floor.
//!
//! These are raw: they take what `system_heap_do_vmap()` has, a table and a
//! page array. [`crate::safe`] and [`crate::ffi`] wrap them.
//!
//! Each takes the page size as `const PAGE_SHIFT` (the exports pass the
//! build's [`crate::layout::PAGE_SHIFT`]). The page array may be
//! uninitialised capacity (the kernel heap passes a fresh `VVec`'s): the
//! conversions only write to it, through raw pointers, and never make a
//! reference to it.

use core::fmt;

use crate::errno::{E2BIG, EINVAL, ENODATA};
use crate::layout::{page_size, Page, Report, SgTable};
use crate::sg::{entry_pages, sg_next, sg_page, PageIter};

/// Why the bounded conversion refused a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConvertError {
    /// The page array has fewer slots than the buffer has pages.
    TooFewSlots {
        /// Slots the caller gave.
        slots: usize,
        /// Pages of the buffer.
        npages: usize,
    },
    /// The entries hold more pages than the buffer: entry `entry` would
    /// have been written past `npages`.
    MorePagesThanBuffer {
        /// Index (in chain order) of the entry that did not fit.
        entry: usize,
        /// Pages of the buffer.
        npages: usize,
    },
    /// The entries hold fewer pages than the buffer.
    FewerPagesThanBuffer {
        /// Pages the entries hold.
        pages: usize,
        /// Pages of the buffer.
        npages: usize,
    },
    /// The chain ended (a null link or an early end mark) before
    /// `orig_nents` entries.
    BrokenChain {
        /// Index of the first missing entry.
        entry: usize,
        /// Entries the table claims.
        orig_nents: usize,
    },
}

impl ConvertError {
    /// The negative errno ([`crate::errno`]) the C bounded variant returns
    /// for the same input.
    pub fn errno(self) -> i32 {
        match self {
            ConvertError::TooFewSlots { .. } | ConvertError::BrokenChain { .. } => EINVAL,
            ConvertError::MorePagesThanBuffer { .. } => E2BIG,
            ConvertError::FewerPagesThanBuffer { .. } => ENODATA,
        }
    }
}

impl fmt::Display for ConvertError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            ConvertError::TooFewSlots { slots, npages } => write!(
                f,
                "page array has {slots} slots but the buffer has {npages} pages"
            ),
            ConvertError::MorePagesThanBuffer { entry, npages } => write!(
                f,
                "sg entry {entry} holds pages beyond the buffer's {npages} pages"
            ),
            ConvertError::FewerPagesThanBuffer { pages, npages } => write!(
                f,
                "sg entries hold {pages} pages but the buffer has {npages} pages"
            ),
            ConvertError::BrokenChain { entry, orig_nents } => write!(
                f,
                "sg chain ends at entry {entry} but the table claims {orig_nents} entries"
            ),
        }
    }
}

/// The pre-patch walk: one iterator step per page, and a WARN_ON that
/// warns but still stores when the array is full.
///
/// # Safety
/// `table` must be valid, and `pages` must have a slot for every page the
/// entries hold, even past `npages`.
pub unsafe fn before<const PAGE_SHIFT: u32>(
    table: *const SgTable,
    pages: *mut *mut Page,
    npages: usize,
) -> Report {
    let mut written = 0usize;
    let mut warnings = 0;
    // SAFETY: the caller guarantees the table and the slots.
    unsafe {
        let mut piter = PageIter::<PAGE_SHIFT>::new((*table).sgl, (*table).orig_nents, 0);
        while piter.step() {
            if written >= npages {
                warnings += 1;
            }
            pages.add(written).write(piter.page());
            written += 1;
        }
    }
    Report {
        written: written as _,
        warnings,
    }
}

/// The v1 patch as posted: per entry, `length >> PAGE_SHIFT` pages (the
/// offset is ignored), and one WARN_ON after the loop.
///
/// # Safety
/// As for [`before`]; moreover every one of `orig_nents` entries must be
/// reachable, since the loop does not check `sg_next()` for null.
pub unsafe fn v1<const PAGE_SHIFT: u32>(
    table: *const SgTable,
    pages: *mut *mut Page,
    npages: usize,
) -> Report {
    const { page_size(PAGE_SHIFT) };
    let mut tmp = pages;
    // SAFETY: the caller guarantees the table, the chain and the slots.
    unsafe {
        let mut sg = (*table).sgl;
        for _ in 0..(*table).orig_nents {
            let base_page = sg_page(sg);
            let count = (*sg).length >> PAGE_SHIFT;
            for j in 0..count as usize {
                tmp.write(base_page.wrapping_add(j));
                tmp = tmp.add(1);
            }
            sg = sg_next(sg);
        }
        let written = tmp.offset_from(pages) as usize;
        Report {
            written: written as _,
            warnings: u32::from(written != npages),
        }
    }
}

/// Per entry like v1, counting pages as the page iterator does, and never
/// writing past `npages`. On error `report.written` says how far it got.
///
/// # Safety
/// `table` must be valid for every entry reachable through its chain, and
/// `pages` valid for `npages` writes.
pub unsafe fn bounded<const PAGE_SHIFT: u32>(
    table: *const SgTable,
    pages: *mut *mut Page,
    npages: usize,
) -> (Report, Result<(), ConvertError>) {
    let mut written = 0usize;
    let mut result = Ok(());
    // Not checked by rust-heap/sanitize.sh (Miri's substitute here): ASan
    // and valgrind see a store out of bounds, not a reference made over
    // uninitialised slots; that there is none rests on review (raw writes).
    // SAFETY: the caller guarantees the table and npages slots; every
    // store below is at an index under npages.
    unsafe {
        let orig_nents = (*table).orig_nents as usize;
        let mut sg = (*table).sgl;
        for entry in 0..orig_nents {
            if sg.is_null() {
                result = Err(ConvertError::BrokenChain { entry, orig_nents });
                break;
            }
            let count = entry_pages::<PAGE_SHIFT>(sg);
            // Checked once per entry, so the inner loop stays a plain store.
            if count > npages - written {
                result = Err(ConvertError::MorePagesThanBuffer { entry, npages });
                break;
            }
            let base_page = sg_page(sg);
            // Raw writes, no slice: the slots may be uninitialised.
            let dst = pages.add(written);
            for j in 0..count {
                dst.add(j).write(base_page.wrapping_add(j));
            }
            written += count;
            sg = sg_next(sg);
        }
    }
    if result.is_ok() && written != npages {
        result = Err(ConvertError::FewerPagesThanBuffer {
            pages: written,
            npages,
        });
    }
    (
        Report {
            written: written as _,
            warnings: 0,
        },
        result,
    )
}

/// The floor: `npages` plain stores of consecutive pointers.
///
/// # Safety
/// `table` must be valid and `pages` valid for `npages` writes.
pub unsafe fn floor(table: *const SgTable, pages: *mut *mut Page, npages: usize) -> Report {
    // Not checked by rust-heap/sanitize.sh (Miri's substitute here): ASan
    // and valgrind see a store out of bounds, not a reference made over
    // uninitialised slots; that there is none rests on review (raw writes).
    // SAFETY: the caller guarantees the table and npages slots.
    unsafe {
        let sgl = (*table).sgl;
        let base_page = if sgl.is_null() {
            core::ptr::null_mut()
        } else {
            sg_page(sgl)
        };
        // Raw writes, no slice: the slots may be uninitialised.
        for i in 0..npages {
            pages.add(i).write(base_page.wrapping_add(i));
        }
    }
    Report {
        written: npages as _,
        warnings: 0,
    }
}
