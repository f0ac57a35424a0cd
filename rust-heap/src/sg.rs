//! Scatterlist navigation with the semantics of `lib/scatterlist.c`.

use crate::layout::{page_size, Page, Scatterlist, SG_CHAIN, SG_END, SG_PAGE_LINK_MASK};

/// The page an entry starts at (`sg_page()`).
///
/// # Safety
/// `sg` must point at a valid entry.
#[inline(always)]
pub unsafe fn sg_page(sg: *const Scatterlist) -> *mut Page {
    // The page pointer is rebuilt from an integer, as the kernel does.
    // Miri would check its provenance; rust-heap/sanitize.sh (ASan and
    // valgrind, Miri's substitute here) cannot: it sees only the accesses.
    // SAFETY: the caller guarantees sg is valid.
    unsafe { ((*sg).page_link & !SG_PAGE_LINK_MASK) as *mut Page }
}

/// Pages an entry spans, as the page iterator counts them (offset
/// included), with pages of `1 << PAGE_SHIFT` bytes.
///
/// # Safety
/// `sg` must point at a valid entry.
#[inline(always)]
pub unsafe fn entry_pages<const PAGE_SHIFT: u32>(sg: *const Scatterlist) -> usize {
    // SAFETY: the caller guarantees sg is valid.
    let end = unsafe { (*sg).offset as usize + (*sg).length as usize };
    (end + const { page_size(PAGE_SHIFT) } - 1) >> PAGE_SHIFT
}

/// The next entry, following a chain link; null after the last one
/// (`sg_next()`). Kept out of line as the kernel's exported `sg_next()` is.
///
/// # Safety
/// `sg` must point at a valid entry of a well-formed chunk: unless it is
/// marked last, the slot after it exists.
#[inline(never)]
pub unsafe fn sg_next(sg: *const Scatterlist) -> *mut Scatterlist {
    // A chain link is an integer turned back into a pointer: its provenance
    // is not checked by rust-heap/sanitize.sh (see sg_page()).
    // SAFETY: the caller guarantees sg and, unless it is last, sg + 1.
    unsafe {
        if (*sg).page_link & SG_END != 0 {
            return core::ptr::null_mut();
        }
        let next = sg.add(1);
        if (*next).page_link & SG_CHAIN != 0 {
            return ((*next).page_link & !SG_PAGE_LINK_MASK) as *mut Scatterlist;
        }
        next as *mut Scatterlist
    }
}

/// The state of `for_each_sgtable_page()`: one step per page of
/// `1 << PAGE_SHIFT` bytes.
pub struct PageIter<const PAGE_SHIFT: u32> {
    sg: *const Scatterlist,
    sg_pgoffset: usize,
    nents_left: u32,
    advance: usize,
}

impl<const PAGE_SHIFT: u32> PageIter<PAGE_SHIFT> {
    /// Starts at page `pgoffset` of the first of `nents` entries.
    pub fn new(sgl: *const Scatterlist, nents: u32, pgoffset: usize) -> Self {
        PageIter {
            sg: sgl,
            sg_pgoffset: pgoffset,
            nents_left: nents,
            advance: 0,
        }
    }

    /// Steps to the next page; false at the end. Out of line, as
    /// `__sg_page_iter_next()` is in the kernel.
    ///
    /// # Safety
    /// Every entry the walk reaches must be valid.
    #[inline(never)]
    pub unsafe fn step(&mut self) -> bool {
        if self.nents_left == 0 || self.sg.is_null() {
            return false;
        }
        self.sg_pgoffset += self.advance;
        self.advance = 1;
        // SAFETY: self.sg is non-null and, by the caller, valid.
        while self.sg_pgoffset >= unsafe { entry_pages::<PAGE_SHIFT>(self.sg) } {
            // SAFETY: as above: the loop runs only on a valid entry.
            self.sg_pgoffset -= unsafe { entry_pages::<PAGE_SHIFT>(self.sg) };
            // SAFETY: a valid entry, and by the caller every entry the
            // walk reaches is valid too.
            self.sg = unsafe { sg_next(self.sg) };
            self.nents_left -= 1;
            if self.nents_left == 0 || self.sg.is_null() {
                return false;
            }
        }
        true
    }

    /// The page the iterator is at (`sg_page_iter_page()`).
    ///
    /// # Safety
    /// Only after `step()` returned true.
    #[inline(always)]
    pub unsafe fn page(&self) -> *mut Page {
        // SAFETY: the caller guarantees the iterator is on a valid entry.
        unsafe { sg_page(self.sg).wrapping_add(self.sg_pgoffset) }
    }
}
