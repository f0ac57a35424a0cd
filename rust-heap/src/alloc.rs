//! The system heap's allocation policy: `system_heap_allocate()` and
//! `alloc_largest_available()` of Linux 6.12, over any [`PageSource`]
//! (c-heap's simulated memmap in userspace; the page allocator in a
//! kernel).
//!
//! Chunks are owned: a [`Chunk`] gives its pages back when dropped, and a
//! [`ChunkList`] gives back every chunk it still holds, so no error path
//! can leak a chunk or give one back twice. Like the kernel, the list is
//! threaded through the chunks' own pages (`page->lru` there), so the
//! policy allocates nothing besides the chunks.
//!
//! The source says what a page is ([`PageSource::PAGE_SHIFT`]) and which
//! orders the heap allocates in ([`PageSource::order`]): in the kernel both
//! come from the kernel (the page shift from `kernel::page`, the orders
//! from the C heap's own `orders[]`), so the policy has no copy of either.

use core::ptr::NonNull;

use crate::errno::{EINTR, EINVAL, ENOMEM};
use crate::layout::{page_size, Page};

/// The orders of Linux 6.12's `orders[]` (system_heap.c), largest first:
/// the default of [`PageSource::order`] for userspace sources. The kernel
/// heap reads the C array itself instead; c-heap's copy
/// (`SGM_HEAP_ORDER_*` in `sgvmap.h`) is held equal to this one at
/// compile time by a const assertion in `tests/abi.rs`.
pub const HEAP_ORDERS: [u32; 3] = [8, 4, 0];

/// Why an allocation failed; [`AllocError::errno`] is what C returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AllocError {
    /// A length that is zero or not a page multiple.
    Invalid,
    /// No chunk could be had for what was left, or no table.
    NoMemory,
    /// The allocating task took a fatal signal between chunks.
    Interrupted,
}

impl AllocError {
    /// The negative errno ([`crate::errno`]) the C heap returns for it.
    pub fn errno(self) -> i32 {
        match self {
            AllocError::Invalid => EINVAL,
            AllocError::NoMemory => ENOMEM,
            AllocError::Interrupted => EINTR,
        }
    }
}

/// Where chunks come from and go back to.
///
/// # Safety
///
/// An implementation must hand out, from [`PageSource::alloc`], chunks of
/// `1 << self.order(index)` pages of `1 << PAGE_SHIFT` bytes that nothing
/// else uses until they are given back, and must keep what
/// [`PageSource::set_link`] stores in a chunk's page until it is read or
/// the chunk is given back.
pub unsafe trait PageSource {
    /// The size of a page, as a shift: the kernel's `PAGE_SHIFT`, or the
    /// model's. Checked at compile time by [`page_size`].
    const PAGE_SHIFT: u32;

    /// The order at `index` of the heap's orders (largest first, never
    /// rising), `None` past the last. By default Linux 6.12's,
    /// [`HEAP_ORDERS`].
    fn order(&self, index: usize) -> Option<u32> {
        HEAP_ORDERS.get(index).copied()
    }

    /// A chunk of `1 << self.order(index)` pages, taken with the flags
    /// the heap uses for that order, or `None`.
    fn alloc(&self, index: usize) -> Option<NonNull<Page>>;

    /// Gives back a chunk of `1 << order` pages.
    ///
    /// # Safety
    ///
    /// `page` came from [`PageSource::alloc`] with that order and has not
    /// been given back since.
    unsafe fn free(&self, page: NonNull<Page>, order: u32);

    /// `fatal_signal_pending(current)`.
    fn fatal_signal_pending(&self) -> bool;

    /// Stores the list link of a chunk in its own page.
    ///
    /// # Safety
    ///
    /// `page` heads a chunk this source handed out and that is still out.
    unsafe fn set_link(&self, page: NonNull<Page>, next: Option<NonNull<Page>>, order: u32);

    /// Reads back what [`PageSource::set_link`] stored: (next, order).
    ///
    /// # Safety
    ///
    /// As for [`PageSource::set_link`], after a link was stored.
    unsafe fn link(&self, page: NonNull<Page>) -> (Option<NonNull<Page>>, u32);
}

/// One chunk, owned: given back to its source when dropped.
pub struct Chunk<'s, S: PageSource + ?Sized> {
    page: NonNull<Page>,
    order: u32,
    source: &'s S,
}

impl<'s, S: PageSource + ?Sized> Chunk<'s, S> {
    /// The chunk's first page.
    pub fn page(&self) -> NonNull<Page> {
        self.page
    }

    /// Its order.
    pub fn order(&self) -> u32 {
        self.order
    }

    /// Its length in bytes.
    pub fn len(&self) -> usize {
        (const { page_size(S::PAGE_SHIFT) }) << self.order
    }

    /// Never: a chunk holds at least a page. (For clippy's `len` rule.)
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Hands the chunk to whoever takes the raw parts (a table entry):
    /// from here on they give it back, not this type.
    pub fn into_raw(self) -> (NonNull<Page>, u32) {
        let parts = (self.page, self.order);
        core::mem::forget(self);
        parts
    }
}

impl<S: PageSource + ?Sized> Drop for Chunk<'_, S> {
    fn drop(&mut self) {
        // SAFETY: a Chunk is made only from a page its source handed out
        // with this order (alloc_largest_available, ChunkList::pop_front),
        // and into_raw forgets it, so this is the one give-back.
        unsafe { self.source.free(self.page, self.order) }
    }
}

/// Chunks in allocation order, threaded through their pages; every chunk
/// still on the list is given back when the list is dropped.
pub struct ChunkList<'s, S: PageSource + ?Sized> {
    head: Option<NonNull<Page>>,
    tail: Option<NonNull<Page>>,
    len: usize,
    source: &'s S,
}

impl<'s, S: PageSource + ?Sized> ChunkList<'s, S> {
    /// An empty list of chunks from `source`.
    pub fn new(source: &'s S) -> Self {
        ChunkList {
            head: None,
            tail: None,
            len: 0,
            source,
        }
    }

    /// How many chunks it holds: the table's entry count.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Appends a chunk; the list owns it from here on.
    pub fn push_back(&mut self, chunk: Chunk<'s, S>) {
        let (page, order) = chunk.into_raw();
        // SAFETY: `page` heads a chunk of this source that is out (it was
        // an owned Chunk a moment ago); the tail, when there is one, too.
        unsafe {
            self.source.set_link(page, None, order);
            if let Some(tail) = self.tail {
                let (_, tail_order) = self.source.link(tail);
                self.source.set_link(tail, Some(page), tail_order);
            }
        }
        if self.head.is_none() {
            self.head = Some(page);
        }
        self.tail = Some(page);
        self.len += 1;
    }

    /// Takes the first chunk off the list, owned again.
    pub fn pop_front(&mut self) -> Option<Chunk<'s, S>> {
        let page = self.head?;
        // SAFETY: every page on the list had its link stored by push_back
        // and is still out.
        let (next, order) = unsafe { self.source.link(page) };
        self.head = next;
        if next.is_none() {
            self.tail = None;
        }
        self.len -= 1;
        Some(Chunk {
            page,
            order,
            source: self.source,
        })
    }
}

impl<S: PageSource + ?Sized> Drop for ChunkList<'_, S> {
    fn drop(&mut self) {
        while let Some(chunk) = self.pop_front() {
            drop(chunk);
        }
    }
}

/// `alloc_largest_available()`: the largest heap order that fits in
/// `size`, is not above `max_order` and can be had. Each order is tried in
/// turn: a failed order-8 allocation falls through to order 4.
pub fn alloc_largest_available<S: PageSource + ?Sized>(
    source: &S,
    size: usize,
    max_order: u32,
) -> Option<Chunk<'_, S>> {
    let page_size = const { page_size(S::PAGE_SHIFT) };
    (0..)
        .map_while(|index| source.order(index).map(|order| (index, order)))
        .filter(|&(_, order)| {
            // size >= page_size << order, with no shift that can overflow.
            order <= max_order && size.checked_shr(order).is_some_and(|s| s >= page_size)
        })
        .find_map(|(index, order)| {
            source.alloc(index).map(|page| Chunk {
                page,
                order,
                source,
            })
        })
}

/// What a heap allocation sees from userspace: `dma_heap_buffer_alloc()`
/// refuses a zero or unaligned length (the ioctl page-aligns first), then
/// the heap's own loop, [`allocate_chunks`].
pub fn allocate<S: PageSource + ?Sized>(
    source: &S,
    len: usize,
) -> Result<ChunkList<'_, S>, AllocError> {
    // A mask, not is_multiple_of(): in the kernel this is built for Rust
    // 1.78 (6.12's minimum, the msrv of its clippy), older than that.
    let page_mask = const { page_size(S::PAGE_SHIFT) - 1 };
    if len == 0 || (len & page_mask) != 0 {
        return Err(AllocError::Invalid);
    }
    allocate_chunks(source, len)
}

/// `system_heap_allocate()`'s loop: chunks for `len` bytes, the largest
/// order only ever dropping, a fatal signal checked before each chunk. On
/// an error every chunk taken so far is given back (the list is dropped).
/// It checks nothing about `len` (the kernel heap's op does not either): a
/// zero length gives an empty list, and a tail shorter than a page finds
/// no order that fits, so it fails with [`AllocError::NoMemory`], as does
/// a source with no orders at all.
pub fn allocate_chunks<S: PageSource + ?Sized>(
    source: &S,
    len: usize,
) -> Result<ChunkList<'_, S>, AllocError> {
    let mut chunks = ChunkList::new(source);
    let mut remaining = len;
    let mut max_order = source.order(0).unwrap_or(0);
    while remaining > 0 {
        if source.fatal_signal_pending() {
            return Err(AllocError::Interrupted);
        }
        let chunk =
            alloc_largest_available(source, remaining, max_order).ok_or(AllocError::NoMemory)?;
        remaining -= chunk.len();
        max_order = chunk.order();
        chunks.push_back(chunk);
    }
    Ok(chunks)
}
