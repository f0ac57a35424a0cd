//! rust-heap as a C library, for linking in place of c-heap's C objects:
//! built as a static library from rust-heap compiled with `c-names`, so
//! that the conversions are exported as `sgvmap_before`, `sgvmap_v1`, ...
//! and, here, the allocation policy as `sgm_heap_alloc` and
//! `sgm_heap_free`, over the model's memmap and table functions that the
//! C program links from c-heap (`sg.c`, `memmap.c`). Built and linked by
//! `rust-heap/tests/dropin.rs`; not a cargo target, because cargo would
//! unify the `c-names` feature into every other build of rust-heap.
//!
//! Under rust-heap/sanitize.sh (the substitute for Miri) the unsafe blocks
//! here run under valgrind (the drop-in program is traced as a child of
//! the test), not under AddressSanitizer: the test builds this library
//! with a plain rustc, uninstrumented.

use std::ffi::{c_int, c_uint, c_ulong};
use std::ptr::NonNull;

// The conversions, exported under the C names by the crate itself.
extern crate rust_heap;

use rust_heap::alloc::{allocate, AllocError, PageSource, HEAP_ORDERS};
use rust_heap::layout::{Page, Scatterlist, SgTable, PAGE_SHIFT, PAGE_SIZE};
use rust_heap::sg;

/// `struct sgm_memmap`, opaque.
#[repr(C)]
pub struct SgmMemmap {
    _opaque: [u8; 0],
}

extern "C" {
    fn sgm_memmap_take(mm: *mut SgmMemmap, order: c_uint) -> *mut Page;
    fn sgm_memmap_give(mm: *mut SgmMemmap, page: *mut Page, order: c_uint);
    fn sgm_memmap_fatal_signal_pending(mm: *const SgmMemmap) -> c_int;
    fn sgm_table_alloc(table: *mut SgTable, nents: c_uint, max_ents: c_uint) -> c_int;
    fn sgm_table_free(table: *mut SgTable, max_ents: c_uint);
    fn sgm_set_page(sg: *mut Scatterlist, page: *mut Page, len: c_uint, offset: c_uint);
}

/// The model's memmap as a page source; chunks are linked through the
/// head page's private words, as the kernel links them through page->lru.
struct Model(*mut SgmMemmap);

// SAFETY: sgm_memmap_take hands each chunk out once until it is given
// back, and nothing else reads or writes a chunk's private words while it
// is out.
unsafe impl PageSource for Model {
    const PAGE_SHIFT: u32 = PAGE_SHIFT;

    fn alloc(&self, index: usize) -> Option<NonNull<Page>> {
        let order = *HEAP_ORDERS.get(index)?;
        // SAFETY: the memmap outlives this source (one C call).
        NonNull::new(unsafe { sgm_memmap_take(self.0, order) })
    }

    unsafe fn free(&self, page: NonNull<Page>, order: u32) {
        // SAFETY: the caller gives back a chunk that is out, once.
        unsafe { sgm_memmap_give(self.0, page.as_ptr(), order) }
    }

    fn fatal_signal_pending(&self) -> bool {
        // SAFETY: the memmap outlives this source.
        unsafe { sgm_memmap_fatal_signal_pending(self.0) != 0 }
    }

    unsafe fn set_link(&self, page: NonNull<Page>, next: Option<NonNull<Page>>, order: u32) {
        // SAFETY: the caller names the head page of a chunk that is out.
        let words = unsafe { &mut (*page.as_ptr()).private_words };
        words[0] = next.map_or(0, |p| p.as_ptr() as c_ulong);
        words[1] = c_ulong::from(order);
    }

    unsafe fn link(&self, page: NonNull<Page>) -> (Option<NonNull<Page>>, u32) {
        // SAFETY: as for set_link.
        let words = unsafe { &(*page.as_ptr()).private_words };
        (NonNull::new(words[0] as *mut Page), words[1] as u32)
    }
}

/// `sgm_heap_alloc()` with rust-heap's policy.
///
/// # Safety
/// `mm` is a live memmap and `table` points at a writable `sg_table`.
#[no_mangle]
pub unsafe extern "C" fn sgm_heap_alloc(
    mm: *mut SgmMemmap,
    len: usize,
    table: *mut SgTable,
) -> c_int {
    let empty = || SgTable {
        sgl: std::ptr::null_mut(),
        nents: 0,
        orig_nents: 0,
    };
    // SAFETY: the caller gives a writable table.
    unsafe { table.write(empty()) };
    let source = Model(mm);
    let mut chunks = match allocate(&source, len) {
        Ok(chunks) => chunks,
        Err(e) => return e.errno(),
    };
    // SAFETY: table is writable; on failure it is left empty and the
    // chunks go back when `chunks` is dropped.
    if unsafe { sgm_table_alloc(table, chunks.len() as c_uint, 0) } != 0 {
        // SAFETY: as above.
        unsafe { table.write(empty()) };
        return AllocError::NoMemory.errno();
    }
    // SAFETY: the table has exactly one entry per chunk.
    let mut entry = unsafe { (*table).sgl };
    while let Some(chunk) = chunks.pop_front() {
        let (page, order) = chunk.into_raw();
        // SAFETY: entry is one of the table's entries; the chunk is the
        // table's from here on, and sgm_heap_free gives it back.
        unsafe {
            sgm_set_page(entry, page.as_ptr(), (PAGE_SIZE << order) as c_uint, 0);
            entry = sg::sg_next(entry);
        }
    }
    0
}

/// `sgm_heap_free()`: every chunk of the table back, then the table.
///
/// # Safety
/// `table` was filled by `sgm_heap_alloc` from `mm` and not freed since.
#[no_mangle]
pub unsafe extern "C" fn sgm_heap_free(mm: *mut SgmMemmap, table: *mut SgTable) {
    // SAFETY: the caller's table is well formed.
    let (mut entry, count) = unsafe { ((*table).sgl, (*table).orig_nents) };
    for _ in 0..count {
        // SAFETY: entry is one of the table's entries.
        let (page, length) = unsafe { (sg::sg_page(entry), (*entry).length as usize) };
        let order = (length / PAGE_SIZE).trailing_zeros();
        // SAFETY: the chunk came from this memmap and is given back once.
        unsafe {
            sgm_memmap_give(mm, page, order);
            entry = sg::sg_next(entry);
        }
    }
    // SAFETY: the table was allocated by sgm_table_alloc with max_ents 0.
    unsafe { sgm_table_free(table, 0) };
}
