// SPDX-License-Identifier: GPL-2.0

//! The "system-rust" dma-buf heap: the system heap's logic in Rust.
//!
//! Rust owns the allocation policy (rust-heap's `alloc.rs`, the same
//! source the userspace tests run), the pages (a chunk frees itself when
//! dropped, a table frees its pages when dropped), the sg_table, the
//! buffer's state under a kernel `Mutex`, and what every dma-buf op does.
//! `system_heap_rust_shim.c` holds the ops tables, `dma_buf_export()`,
//! `dma_heap_add()` and one-line wrappers for C inlines and macros; every
//! op there forwards here.
//!
//! This heap exists to evaluate an equivalent Rust implementation beside
//! the C one. It calls C through its own `extern "C"` declarations, which
//! Rust-for-Linux asks drivers not to do: an upstream Rust heap would need
//! safe `rust/kernel` abstractions for dma-buf, dma-heap, scatterlists and
//! higher-order pages, which 6.12 does not have.
//!
//! Nothing here may panic: kernel Rust aborts on a panic, so there is no
//! `unwrap`, no indexing and no allocation that panics on failure.
//!
//! None of this file's unsafe blocks runs in userspace, so neither Miri nor
//! its substitute (`make rust-heap-sanitize`: ASan and valgrind over the
//! userspace tests) exercises them; `make kunit-rust-kasan` runs them under
//! KASAN in a kernel, and the rules test checks each has its SAFETY line.

use core::cell::UnsafeCell;
use core::ffi::{c_int, c_uint, c_ulong, c_void};
use core::ptr::{self, NonNull};
use core::sync::atomic::{AtomicBool, Ordering};

use kernel::list::{List, ListArc, ListLinks};
use kernel::prelude::*;
use kernel::sync::{Arc, Mutex};

use crate::alloc::{self as policy, ChunkList, PageSource};
use crate::errno::{EINVAL, ENOMEM};
use crate::layout::{Page, Scatterlist, SgTable, PAGE_SHIFT, PAGE_SIZE};
use crate::sg;

/// Opaque C objects the heap only passes back to C.
type Device = c_void;
type VmArea = c_void;
type DmaBuf = c_void;

// A `Page` crosses here only as a pointer to C's own `struct page`, which
// is FFI-safe. rustc's check follows the pointer into the struct anyway
// and stops at `lock_class_key`, which is empty without lockdep (so
// bindgen gives it no fields): it objects to passing by value what this
// block passes only by pointer.
#[allow(improper_ctypes)]
extern "C" {
    fn srh_order(index: c_uint) -> c_uint;
    fn srh_alloc_chunk(index: c_uint) -> *mut Page;
    fn srh_free_chunk(page: *mut Page, order: c_uint);
    fn srh_fatal_signal_pending() -> bool;
    fn srh_set_next(page: *mut Page, next: *mut Page);
    fn srh_next(page: *mut Page) -> *mut Page;
    fn srh_compound_order(page: *mut Page) -> c_uint;
    fn srh_sg_alloc_table(table: *mut SgTable, nents: c_uint) -> c_int;
    fn srh_sg_free_table(table: *mut SgTable);
    fn srh_sg_set_page(sg: *mut Scatterlist, page: *mut Page, len: c_uint, offset: c_uint);
    #[cfg(not(CONFIG_DMABUF_HEAPS_SYSTEM_VMAP_SG))]
    fn srh_vmap(pages: *mut *mut Page, count: c_uint) -> *mut c_void;
    #[cfg(CONFIG_DMABUF_HEAPS_SYSTEM_VMAP_SG)]
    fn srh_vmap_table(table: *mut SgTable) -> *mut c_void;
    fn srh_vunmap(vaddr: *const c_void);
    fn srh_dma_map(dev: *mut Device, table: *mut SgTable, direction: c_int) -> c_int;
    fn srh_dma_unmap(dev: *mut Device, table: *mut SgTable, direction: c_int);
    fn srh_dma_sync_for_cpu(dev: *mut Device, table: *mut SgTable, direction: c_int);
    fn srh_dma_sync_for_device(dev: *mut Device, table: *mut SgTable, direction: c_int);
    fn srh_invalidate_vmap(vaddr: *mut c_void, len: c_ulong);
    fn srh_flush_vmap(vaddr: *mut c_void, len: c_ulong);
    fn srh_remap_page(vma: *mut VmArea, addr: c_ulong, page: *mut Page) -> c_int;
    fn srh_export(buffer: *mut c_void, len: c_ulong, fd_flags: u32) -> *mut DmaBuf;
    fn srh_err(ptr: *const c_void) -> core::ffi::c_long;
}

/// The page allocator, through the shim: the C heap's own `orders[]` and
/// `order_flags[]` give the order and the GFP flags for each index, and
/// the policy reads the orders from there too, so they have one source.
struct KernelPages;

// SAFETY: alloc_pages() hands out chunks of `1 << orders[index]` pages of
// the kernel's PAGE_SIZE that nothing else uses until __free_pages(); the
// link is kept in the chunk's head page's `lru`, which the page allocator
// leaves to the owner of an allocated page.
unsafe impl PageSource for KernelPages {
    const PAGE_SHIFT: u32 = PAGE_SHIFT;

    fn order(&self, index: usize) -> Option<u32> {
        let index = c_uint::try_from(index).ok()?;
        // SAFETY: srh_order() takes any index and returns UINT_MAX past
        // the C heap's last order.
        let order = unsafe { srh_order(index) };
        (order != c_uint::MAX).then_some(order)
    }

    fn alloc(&self, index: usize) -> Option<NonNull<Page>> {
        let index = c_uint::try_from(index).ok()?;
        // SAFETY: srh_alloc_chunk() takes any index and returns NULL for
        // one the C heap has no order for.
        NonNull::new(unsafe { srh_alloc_chunk(index) })
    }

    unsafe fn free(&self, page: NonNull<Page>, order: u32) {
        // SAFETY: by this method's contract the chunk came from alloc()
        // with this order and is given back once.
        unsafe { srh_free_chunk(page.as_ptr(), order) }
    }

    fn fatal_signal_pending(&self) -> bool {
        // SAFETY: reads the current task's signal state; no precondition.
        unsafe { srh_fatal_signal_pending() }
    }

    unsafe fn set_link(&self, page: NonNull<Page>, next: Option<NonNull<Page>>, _order: u32) {
        let next = next.map_or(ptr::null_mut(), NonNull::as_ptr);
        // SAFETY: the caller guarantees `page` heads a chunk that is out,
        // so its lru belongs to us.
        unsafe { srh_set_next(page.as_ptr(), next) }
    }

    unsafe fn link(&self, page: NonNull<Page>) -> (Option<NonNull<Page>>, u32) {
        // SAFETY: the caller guarantees `page` heads a chunk that is out
        // and whose link was stored by set_link(). The order is the
        // page's own: high orders are allocated with __GFP_COMP.
        unsafe {
            (
                NonNull::new(srh_next(page.as_ptr())),
                srh_compound_order(page.as_ptr()),
            )
        }
    }
}

/// A table whose entries own their pages: dropping it frees every chunk,
/// then the table.
struct OwnedTable(SgTable);

// SAFETY: an OwnedTable is an sg_table and the chunks its entries own, all
// kernel memory that belongs to no thread: any CPU may use it and drop it
// (the dma-buf's last put can come from any CPU).
unsafe impl Send for OwnedTable {}

// SAFETY: the table and its entries are written only while from_chunks()
// builds it, before the buffer is exported; after that every
// `&OwnedTable` only reads them (borrowed_copy, mmap, do_vmap,
// rust_heap_table) and only Drop, which has it exclusively, frees them.
// CPUs sharing it therefore never race.
unsafe impl Sync for OwnedTable {}

impl OwnedTable {
    /// The table for `chunks`, one entry per chunk in allocation order;
    /// the chunks move into it. On failure `chunks` is dropped, which
    /// frees them.
    fn from_chunks(mut chunks: ChunkList<'_, KernelPages>) -> Result<OwnedTable, c_int> {
        let nents = c_uint::try_from(chunks.len()).map_err(|_| ENOMEM)?;
        let mut table = SgTable {
            sgl: ptr::null_mut(),
            nents: 0,
            orig_nents: 0,
        };
        // SAFETY: `table` is a writable sg_table (the layout case checks
        // that the mirror is C's); sg_alloc_table() fills it or fails
        // leaving nothing allocated.
        if unsafe { srh_sg_alloc_table(&mut table, nents) } != 0 {
            // As the C heap: any failure to get the table is -ENOMEM.
            return Err(ENOMEM);
        }
        let mut sg = table.sgl;
        while let Some(chunk) = chunks.pop_front() {
            if sg.is_null() {
                // Cannot happen (nents entries for nents chunks); if it
                // did, the chunk frees itself here and the table below.
                drop(chunk);
                break;
            }
            let len = c_uint::try_from(chunk.len()).unwrap_or(0);
            let (page, _) = chunk.into_raw();
            // SAFETY: `sg` is an entry of the table just allocated (it is
            // non-null and reached by sg_next() from sgl); the entry now
            // owns the chunk, which OwnedTable's Drop frees.
            unsafe {
                srh_sg_set_page(sg, page.as_ptr(), len, 0);
                sg = sg::sg_next(sg);
            }
        }
        Ok(OwnedTable(table))
    }

    /// An entry-for-entry copy pointing at the same pages (`dup_sg_table`),
    /// for one attachment; it does not own the pages.
    fn borrowed_copy(&self) -> Result<CopiedTable, c_int> {
        let mut copy = SgTable {
            sgl: ptr::null_mut(),
            nents: 0,
            orig_nents: 0,
        };
        // SAFETY: as in from_chunks().
        if unsafe { srh_sg_alloc_table(&mut copy, self.0.orig_nents) } != 0 {
            return Err(ENOMEM);
        }
        let (mut from, mut to) = (self.0.sgl, copy.sgl);
        while !from.is_null() && !to.is_null() {
            // SAFETY: both walks stay inside their tables, which have the
            // same number of entries; sg_next() returns null after the last.
            unsafe {
                srh_sg_set_page(to, sg::sg_page(from), (*from).length, (*from).offset);
                from = sg::sg_next(from);
                to = sg::sg_next(to);
            }
        }
        Ok(CopiedTable(UnsafeCell::new(copy)))
    }
}

impl Drop for OwnedTable {
    fn drop(&mut self) {
        let mut sg = self.0.sgl;
        while !sg.is_null() {
            // SAFETY: every entry holds a chunk from srh_alloc_chunk() that
            // only this table owns; its order is the page's compound order.
            unsafe {
                let page = sg::sg_page(sg);
                srh_free_chunk(page, srh_compound_order(page));
                sg = sg::sg_next(sg);
            }
        }
        // SAFETY: the table came from srh_sg_alloc_table() (or is empty,
        // which sg_free_table() accepts) and is freed once.
        unsafe { srh_sg_free_table(&mut self.0) }
    }
}

/// An attachment's copy of the table: frees the table, not the pages.
///
/// C writes it while Rust holds only shared references (the DMA calls set
/// `nents` and the entries' DMA addresses, and the CPU-access syncs read
/// it under the buffer's lock while map/unmap run without it, as in the C
/// heap), so it lives in an `UnsafeCell` and is handed to C as a pointer.
struct CopiedTable(UnsafeCell<SgTable>);

impl CopiedTable {
    fn as_ptr(&self) -> *mut SgTable {
        self.0.get()
    }
}

impl Drop for CopiedTable {
    fn drop(&mut self) {
        // SAFETY: allocated by srh_sg_alloc_table() and freed once.
        unsafe { srh_sg_free_table(self.0.get_mut()) }
    }
}

/// One device's attachment (`struct dma_heap_attachment`).
#[pin_data]
struct Attachment {
    dev: *mut Device,
    table: CopiedTable,
    /// Set between map and unmap; read by the CPU-access syncs under the
    /// buffer's lock, while map/unmap run without it (as in C). Stored
    /// with Release after the mapping is made and loaded with Acquire, so
    /// that a sync that sees it set sees the mapped table.
    mapped: AtomicBool,
    /// Its place on the buffer's list, as C's `list`: the list is threaded
    /// through the attachments themselves, so putting one on it allocates
    /// nothing and cannot fail (C's `list_add()` cannot either).
    #[pin]
    links: ListLinks,
}

kernel::list::impl_has_list_links! {
    impl HasListLinks<0> for Attachment { self.links }
}

kernel::list::impl_list_arc_safe! {
    impl ListArcSafe<0> for Attachment { untracked; }
}

kernel::list::impl_list_item! {
    impl ListItem<0> for Attachment { using ListLinks; }
}

// SAFETY: the device pointer and the copied table are kernel memory that
// belongs to no thread; detach may free the attachment on any CPU.
unsafe impl Send for Attachment {}

// SAFETY: `dev` is never written after attach(), and `links` only under
// the buffer's Mutex, by the list. The table is written (by the DMA API,
// through `table.as_ptr()`) only in map and unmap, which dma-buf calls
// with the buffer's reservation lock held (dma_buf_map_attachment()
// asserts it), so those never race each other; the CPU-access syncs read
// it, under the buffer's Mutex, only after an Acquire load of `mapped`
// sees map's Release store. The one overlap left, a sync still using the
// table while unmap tears it down, is the C heap's own (its `a->mapped`
// protocol is the same), kept on purpose.
unsafe impl Sync for Attachment {}

/// What the buffer's lock protects.
struct State {
    /// Every attachment, for the CPU-access syncs.
    attachments: List<Attachment>,
    /// How many vmap() calls the current mapping serves: C's `int
    /// vmap_cnt`, with C's arithmetic. An unbalanced vunmap takes it below
    /// zero, and a vmap on a nonzero count hands out `vaddr` without
    /// mapping. That is wrong in C (a vmap after an unbalanced vunmap
    /// succeeds with a NULL address) and kept here on purpose: the KUnit
    /// errno table holds the two heaps to the same answers. Invariant, as
    /// in C: `vaddr` is the live mapping while the count is above zero,
    /// and NULL otherwise.
    vmap_count: c_int,
    vaddr: *mut c_void,
}

// SAFETY: State holds the list of attachments (each Send and Sync) and the
// buffer's vmap address, kernel memory that belongs to no thread; it is
// reached only through `Buffer::state`, whose kernel Mutex serialises
// every CPU's access, and Send is what that Mutex needs to be Sync.
unsafe impl Send for State {}

/// One buffer (`struct system_heap_buffer`).
#[pin_data]
struct Buffer {
    len: usize,
    table: OwnedTable,
    #[pin]
    state: Mutex<State>,
}

// Every CPU that holds the dma-buf reaches the same Buffer through `priv`:
// it must be Send and Sync. Nothing is claimed for Buffer itself; the
// compiler derives both from the impls above and Mutex<State>, and this
// stops the build if a new field breaks that.
const _: () = {
    const fn shared_across_cpus<T: Send + Sync>() {}
    shared_across_cpus::<Buffer>();
    shared_across_cpus::<Attachment>();
};

/// The buffer behind a dma-buf's `priv`.
///
/// # Safety
///
/// `buffer` is a `priv` that rust_heap_allocate() exported and that has
/// not been released.
unsafe fn buffer<'a>(buffer: *mut c_void) -> &'a Buffer {
    // SAFETY: by the caller, a live Buffer made by KBox::into_raw().
    unsafe { &*buffer.cast::<Buffer>() }
}

/// `system_heap_allocate()`: chunks by the shared policy, a table that
/// owns them, a buffer, and its dma-buf. Every error path frees what was
/// taken by dropping it.
///
/// # Safety
///
/// `out` is writable.
#[no_mangle]
pub unsafe extern "C" fn rust_heap_allocate(
    len: c_ulong,
    fd_flags: u32,
    _heap_flags: u64,
    out: *mut *mut DmaBuf,
) -> c_int {
    let Ok(len) = usize::try_from(len) else {
        return EINVAL;
    };
    // The op runs the heap's loop only: the dma-heap core has already
    // refused a zero length and page-aligned the rest, as for the C heap.
    let chunks = match policy::allocate_chunks(&KernelPages, len) {
        Ok(chunks) => chunks,
        Err(err) => return err.errno(),
    };
    let table = match OwnedTable::from_chunks(chunks) {
        Ok(table) => table,
        Err(err) => return err,
    };
    let init = pin_init!(Buffer {
        len,
        table,
        state <- kernel::new_mutex!(State {
            attachments: List::new(),
            vmap_count: 0,
            vaddr: ptr::null_mut(),
        }),
    });
    let Ok(pinned) = KBox::pin_init(init, GFP_KERNEL) else {
        return ENOMEM;
    };
    // SAFETY: the buffer is never moved out of its box: C holds the
    // pointer until release, which rebuilds the box to drop it in place.
    let raw = KBox::into_raw(unsafe { Pin::into_inner_unchecked(pinned) });
    // SAFETY: `raw` is a live buffer; the shim exports it with this
    // heap's ops, which are the only users of `priv`.
    let dmabuf = unsafe { srh_export(raw.cast(), len as c_ulong, fd_flags) };
    // SAFETY: srh_err() only tests the pointer value.
    let err = unsafe { srh_err(dmabuf) };
    if err != 0 {
        // SAFETY: export failed, so nothing else holds `raw`.
        drop(unsafe { KBox::from_raw(raw) });
        return err as c_int;
    }
    // SAFETY: the shim passes a writable slot.
    unsafe { *out = dmabuf };
    0
}

/// The `release` op: the buffer, its table and its pages go.
///
/// # Safety
///
/// `buffer` is a dma-buf's priv made by rust_heap_allocate(), released once, after its last op.
#[no_mangle]
pub unsafe extern "C" fn rust_heap_release(buffer: *mut c_void) {
    // SAFETY: dma-buf calls release once, after every other op, with the
    // priv rust_heap_allocate() made by KBox::into_raw().
    drop(unsafe { KBox::from_raw(buffer.cast::<Buffer>()) });
}

/// The `attach` op: a copy of the table for the device, on the buffer's
/// list.
///
/// As `system_heap_attach()`: the attachment is allocated first, then its
/// copy of the table, and any failure is -ENOMEM; putting it on the list
/// cannot fail. Nothing else here can: attach fails where C's does.
///
/// # Safety
///
/// `buffer_ptr` is a live buffer's priv, `out` is writable.
#[no_mangle]
pub unsafe extern "C" fn rust_heap_attach(
    buffer_ptr: *mut c_void,
    dev: *mut Device,
    out: *mut *mut c_void,
) -> c_int {
    // SAFETY: the shim passes the dma-buf's live priv.
    let buffer = unsafe { buffer(buffer_ptr) };
    // ListArc::pin_init() allocates the attachment, then runs this, which
    // makes the table; on failure the allocation is freed.
    let init = try_pin_init!(Attachment {
        dev,
        table: buffer.table.borrowed_copy().map_err(Error::from_errno)?,
        mapped: AtomicBool::new(false),
        links <- ListLinks::new(),
    }? Error);
    let Ok(listed) = ListArc::pin_init(init, GFP_KERNEL) else {
        return ENOMEM;
    };
    let attachment = listed.clone_arc();
    buffer.state.lock().attachments.push_back(listed);
    // SAFETY: the shim passes `&attachment->priv`, which is writable; the
    // reference given to C is dropped by detach().
    unsafe { *out = Arc::into_raw(attachment).cast_mut().cast() };
    0
}

/// The `detach` op: off the list, then the copy of the table goes.
///
/// # Safety
///
/// `buffer_ptr` is a live buffer's priv and `attachment` the priv attach() made for it, detached once.
#[no_mangle]
pub unsafe extern "C" fn rust_heap_detach(buffer_ptr: *mut c_void, attachment: *mut c_void) {
    // SAFETY: the shim passes the dma-buf's live priv.
    let buffer = unsafe { buffer(buffer_ptr) };
    // SAFETY: attach() made `attachment` by Arc::into_raw(), and dma-buf
    // detaches each attachment once, after its last unmap.
    let attachment = unsafe { Arc::<Attachment>::from_raw(attachment.cast()) };
    // SAFETY: an attachment is only ever on the list of the buffer it was
    // attached to, which is this one; there is no other list with its ID.
    let listed = unsafe { buffer.state.lock().attachments.remove(&attachment) };
    // The buffer's lock is released; the list's reference goes, then the
    // last one, and with it the attachment and its table.
    drop(listed);
    drop(attachment);
}

/// The `map_dma_buf` op: the attachment's table, mapped for its device.
///
/// # Safety
///
/// `attachment` is a priv attach() made, `out` is writable.
#[no_mangle]
pub unsafe extern "C" fn rust_heap_map(
    attachment: *mut c_void,
    direction: c_int,
    out: *mut *mut SgTable,
) -> c_int {
    // SAFETY: the shim passes the attachment's priv, made by attach() and
    // alive until detach().
    let attachment = unsafe { &*attachment.cast::<Attachment>() };
    // SAFETY: the table is the attachment's own, the device is the one it
    // was attached with.
    let ret = unsafe { srh_dma_map(attachment.dev, attachment.table.as_ptr(), direction) };
    if ret != 0 {
        return ret;
    }
    attachment.mapped.store(true, Ordering::Release);
    // SAFETY: the shim passes a writable slot.
    unsafe { *out = attachment.table.as_ptr() };
    0
}

/// The `unmap_dma_buf` op.
///
/// # Safety
///
/// `attachment` is a priv attach() made, mapped by rust_heap_map().
#[no_mangle]
pub unsafe extern "C" fn rust_heap_unmap(attachment: *mut c_void, direction: c_int) {
    // SAFETY: as in rust_heap_map().
    let attachment = unsafe { &*attachment.cast::<Attachment>() };
    attachment.mapped.store(false, Ordering::Release);
    // SAFETY: the table was mapped by rust_heap_map() for this device.
    unsafe { srh_dma_unmap(attachment.dev, attachment.table.as_ptr(), direction) };
}

/// The CPU-access syncs: the kernel mapping, then every mapped attachment.
///
/// # Safety
///
/// `buffer_ptr` is a live buffer's priv.
unsafe fn cpu_access(buffer_ptr: *mut c_void, direction: c_int, for_cpu: bool) -> c_int {
    // SAFETY: the shim passes the dma-buf's live priv.
    let buffer = unsafe { buffer(buffer_ptr) };
    let state = buffer.state.lock();
    let len = buffer.len as c_ulong;
    // As C (`if (buffer->vmap_cnt)`): a count below zero, left by an
    // unbalanced vunmap, passes the NULL address too. The kernel-vmap
    // range calls do nothing on every arch Rust builds for in 6.12
    // (only VIVT caches act on them), so that is harmless here.
    if state.vmap_count != 0 {
        // SAFETY: vaddr maps the buffer's len bytes while vmap_count > 0;
        // below zero it is NULL, which these calls ignore (see above).
        unsafe {
            if for_cpu {
                srh_invalidate_vmap(state.vaddr, len);
            } else {
                srh_flush_vmap(state.vaddr, len);
            }
        }
    }
    for attachment in state.attachments.iter() {
        if !attachment.mapped.load(Ordering::Acquire) {
            continue;
        }
        // SAFETY: a mapped attachment's table is mapped for its device,
        // and the list holds the attachment alive while we hold the lock.
        unsafe {
            if for_cpu {
                srh_dma_sync_for_cpu(attachment.dev, attachment.table.as_ptr(), direction);
            } else {
                srh_dma_sync_for_device(attachment.dev, attachment.table.as_ptr(), direction);
            }
        }
    }
    0
}

/// The `begin_cpu_access` op.
///
/// # Safety
///
/// `buffer` is a live buffer's priv.
#[no_mangle]
pub unsafe extern "C" fn rust_heap_begin_cpu_access(
    buffer: *mut c_void,
    direction: c_int,
) -> c_int {
    // SAFETY: forwarded from the shim, which passes the live priv.
    unsafe { cpu_access(buffer, direction, true) }
}

/// The `end_cpu_access` op.
///
/// # Safety
///
/// `buffer` is a live buffer's priv.
#[no_mangle]
pub unsafe extern "C" fn rust_heap_end_cpu_access(buffer: *mut c_void, direction: c_int) -> c_int {
    // SAFETY: forwarded from the shim, which passes the live priv.
    unsafe { cpu_access(buffer, direction, false) }
}

/// The `mmap` op: the buffer's pages from `pgoff` on, one at a time, until
/// the area is full, as `system_heap_mmap()` does.
///
/// # Safety
///
/// `buffer_ptr` is a live buffer's priv and `vma` the area dma-buf is setting up.
#[no_mangle]
pub unsafe extern "C" fn rust_heap_mmap(
    buffer_ptr: *mut c_void,
    vma: *mut VmArea,
    start: c_ulong,
    end: c_ulong,
    pgoff: c_ulong,
) -> c_int {
    // SAFETY: the shim passes the dma-buf's live priv.
    let buffer = unsafe { buffer(buffer_ptr) };
    let table = &buffer.table.0;
    let mut pages = sg::PageIter::<PAGE_SHIFT>::new(table.sgl, table.orig_nents, pgoff as usize);
    let mut addr = start;
    // SAFETY: the walk stays inside the buffer's own table.
    while unsafe { pages.step() } {
        // SAFETY: step() returned true, so the iterator is on a page of
        // the buffer; the vma is the one dma-buf is setting up.
        let ret = unsafe { srh_remap_page(vma, addr, pages.page()) };
        if ret != 0 {
            return ret;
        }
        addr += PAGE_SIZE as c_ulong;
        if addr >= end {
            return 0;
        }
    }
    0
}

/// `system_heap_do_vmap()` of a tree with `vmap_sg()` (the vmap-sg
/// series), whose system heap maps its table with it: the same call on
/// this heap's table, so that the two heaps' mappings are made by the same
/// code and their figures compare like with like.
///
/// The tree says it has `vmap_sg()` with
/// `CONFIG_DMABUF_HEAPS_SYSTEM_VMAP_SG` (the series' kunit_config turns it
/// on); there is no macro to find it by, and the kernel version would not
/// tell. As C, a NULL from `vmap_sg()` is `-ENOMEM`.
#[cfg(CONFIG_DMABUF_HEAPS_SYSTEM_VMAP_SG)]
fn do_vmap(buffer: &Buffer) -> Result<*mut c_void, c_int> {
    let table = ptr::from_ref(&buffer.table.0).cast_mut();
    // SAFETY: the table is the buffer's own, whole after allocate() and
    // never written again (see OwnedTable's Sync). vmap_sg() only reads
    // it: the pointer is mutable because its C signature is, as the
    // system heap passes its own table.
    let vaddr = unsafe { srh_vmap_table(table) };
    if vaddr.is_null() {
        return Err(ENOMEM);
    }
    Ok(vaddr)
}

/// `system_heap_do_vmap()` of a tree without `vmap_sg()`: the page array
/// by rust-heap's conversion core, then vmap().
#[cfg(not(CONFIG_DMABUF_HEAPS_SYSTEM_VMAP_SG))]
fn do_vmap(buffer: &Buffer) -> Result<*mut c_void, c_int> {
    use crate::convert;

    let npages = buffer.len / PAGE_SIZE;
    let count = c_uint::try_from(npages).map_err(|_| ENOMEM)?;
    let mut pages: VVec<*mut Page> = VVec::with_capacity(npages, GFP_KERNEL).map_err(|_| ENOMEM)?;
    // SAFETY: the table is the buffer's own, and `pages` has room for
    // npages pointers, not yet initialised: bounded() only writes them,
    // through raw pointers, and never past npages.
    let (_, converted) =
        unsafe { convert::bounded::<PAGE_SHIFT>(&buffer.table.0, pages.as_mut_ptr(), npages) };
    // A table that holds more or fewer pages than the buffer's length
    // cannot come from allocate(); if one did, the bounded conversion
    // refuses it (-E2BIG, -ENODATA) and this op answers -EINVAL, as C's
    // bounded loop does from system-heap v2 on. 6.12's loop and v1 write
    // past the page array instead (C is wrong there), so no test asks
    // both heaps that question.
    converted.map_err(|_| EINVAL)?;
    // SAFETY: bounded() filled all npages slots with the buffer's pages.
    let vaddr = unsafe { srh_vmap(pages.as_mut_ptr(), count) };
    if vaddr.is_null() {
        return Err(ENOMEM);
    }
    Ok(vaddr)
}

/// The `vmap` op: one mapping, counted, as `system_heap_vmap()`.
///
/// # Safety
///
/// `buffer_ptr` is a live buffer's priv, `out` is writable.
#[no_mangle]
pub unsafe extern "C" fn rust_heap_vmap(buffer_ptr: *mut c_void, out: *mut *mut c_void) -> c_int {
    // SAFETY: the shim passes the dma-buf's live priv.
    let buffer = unsafe { buffer(buffer_ptr) };
    let mut state = buffer.state.lock();
    // As C (`if (buffer->vmap_cnt)`): any nonzero count, a negative one
    // too, hands out the stored address without mapping. After an
    // unbalanced vunmap that is a NULL address with success: C is wrong
    // there, and this heap answers as C does (see `State::vmap_count`).
    if state.vmap_count == 0 {
        match do_vmap(buffer) {
            Ok(vaddr) => state.vaddr = vaddr,
            Err(err) => return err,
        }
    }
    state.vmap_count = state.vmap_count.wrapping_add(1);
    // SAFETY: the shim passes a writable slot.
    unsafe { *out = state.vaddr };
    0
}

/// The `vunmap` op: the mapping goes with its last user, as
/// `system_heap_vunmap()`.
///
/// An unbalanced vunmap (no mapping, or one more than there were vmaps)
/// takes the count below zero and unmaps nothing, as C's `if
/// (!--buffer->vmap_cnt)` does. C is wrong there (it should refuse, or
/// warn); this heap does what C does.
///
/// # Safety
///
/// `buffer_ptr` is a live buffer's priv.
#[no_mangle]
pub unsafe extern "C" fn rust_heap_vunmap(buffer_ptr: *mut c_void) {
    // SAFETY: the shim passes the dma-buf's live priv.
    let buffer = unsafe { buffer(buffer_ptr) };
    let mut state = buffer.state.lock();
    state.vmap_count = state.vmap_count.wrapping_sub(1);
    if state.vmap_count == 0 {
        // SAFETY: the count reached zero from one, and it is one only
        // after vmap() mapped the buffer and stored vaddr (a vmap on a
        // zero count always maps): vaddr is the live mapping from
        // do_vmap() (vunmap() undoes vmap_sg() too), and its last user
        // is gone.
        unsafe { srh_vunmap(state.vaddr) };
        state.vaddr = ptr::null_mut();
    }
}

/// The buffer's table, for the KUnit suite's page checks.
///
/// # Safety
///
/// `buffer_ptr` is a live buffer's priv.
#[no_mangle]
pub unsafe extern "C" fn rust_heap_table(buffer_ptr: *mut c_void) -> *const SgTable {
    // SAFETY: the suite passes the priv of a buffer it holds.
    let buffer = unsafe { buffer(buffer_ptr) };
    &buffer.table.0
}

/// `struct srh_rust_state`: what the buffer's lock protects, for the
/// KUnit suite to compare with the C heap's `struct system_heap_buffer`.
#[repr(C)]
pub struct StateView {
    vmap_cnt: c_int,
    attachments: c_uint,
    vaddr: *mut c_void,
}

/// Writes the buffer's vmap count, its number of attachments and its vmap
/// address, read under the buffer's lock, for the KUnit suite.
///
/// # Safety
///
/// `buffer_ptr` is a live buffer's priv and `out` is writable.
#[no_mangle]
pub unsafe extern "C" fn rust_heap_state(buffer_ptr: *mut c_void, out: *mut StateView) {
    // SAFETY: the suite passes the priv of a buffer it holds.
    let buffer = unsafe { buffer(buffer_ptr) };
    let state = buffer.state.lock();
    let view = StateView {
        vmap_cnt: state.vmap_count,
        attachments: c_uint::try_from(state.attachments.iter().count()).unwrap_or(c_uint::MAX),
        vaddr: state.vaddr,
    };
    drop(state);
    // SAFETY: the suite passes a writable struct.
    unsafe { *out = view };
}

/// `struct srh_rust_consts`: the orders the shared policy allocates in.
#[repr(C)]
pub struct Consts {
    num_orders: c_uint,
    orders: [c_uint; 3],
}

/// Writes the orders the policy reads from its page source (C's
/// `orders[]`, through srh_order()), for the layout case to compare with
/// C's; slots past the last order hold `UINT_MAX`.
///
/// # Safety
///
/// `out` is writable.
#[no_mangle]
pub unsafe extern "C" fn rust_heap_consts(out: *mut Consts) {
    let mut consts = Consts {
        num_orders: 0,
        orders: [c_uint::MAX; 3],
    };
    let policy_orders = (0..).map_while(|index| KernelPages.order(index));
    for (index, order) in policy_orders.enumerate() {
        if let Some(slot) = consts.orders.get_mut(index) {
            *slot = order;
        }
        consts.num_orders = c_uint::try_from(index + 1).unwrap_or(c_uint::MAX);
    }
    // SAFETY: the suite passes a writable struct.
    unsafe { *out = consts };
}
