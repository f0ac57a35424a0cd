//! A safe API over the bounded conversion: errors instead of stray writes.

use crate::convert::{self, ConvertError};
use crate::layout::{Page, SgTable, PAGE_SHIFT};

/// A table whose entries are known to be valid for `'a`.
#[derive(Clone, Copy)]
pub struct Table<'a> {
    raw: &'a SgTable,
}

impl<'a> Table<'a> {
    /// Wraps a table.
    ///
    /// # Safety
    /// For `'a`, `raw.sgl` is null or points at a chunk of valid entries in
    /// which every entry not marked last is followed by another entry or a
    /// chain link to a valid chunk (or a null link, reported as a broken
    /// chain).
    pub unsafe fn from_raw(raw: &'a SgTable) -> Table<'a> {
        Table { raw }
    }

    /// Fills `out[..npages]` with the buffer's pages, in order, counting
    /// pages of the build's size ([`PAGE_SHIFT`]).
    ///
    /// Refuses, without writing past `npages`, an array with fewer slots,
    /// entries that hold more or fewer pages than `npages`, and a chain
    /// that ends before `orig_nents` entries. Slots before the entry that
    /// failed may have been written.
    pub fn fill_pages(&self, npages: usize, out: &mut [*mut Page]) -> Result<(), ConvertError> {
        if out.len() < npages {
            return Err(ConvertError::TooFewSlots {
                slots: out.len(),
                npages,
            });
        }
        // SAFETY: from_raw's contract covers the table; out has npages slots.
        let (_, result) =
            unsafe { convert::bounded::<PAGE_SHIFT>(self.raw, out.as_mut_ptr(), npages) };
        result
    }
}
