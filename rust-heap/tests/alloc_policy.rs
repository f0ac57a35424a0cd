//! The system heap's allocation policy, C (c-heap's `sgm_heap_alloc`) and
//! Rust (`rust_heap::alloc`), driven over the same simulated memory: two
//! memmaps with the same seed and the same limits, one per side. They
//! must take the same chunks in the same order (same orders, same page
//! frames), build the same table, fail with the same errno, and leave
//! nothing out after an error or after the buffer is freed.
//!
//! The C model has 4K pages, so C and Rust are compared at 4K. The Rust
//! policy also runs at 16K and 64K over the same memmap (its pages are
//! only frames: their size is what the lengths say): for a buffer of the
//! same number of pages it must take exactly the chunks C takes at 4K,
//! with every length scaled by the page size.

use std::ptr::NonNull;

use c_heap::bindings;
use c_heap::{Memmap, Table};
use proptest::prelude::*;
use rust_heap::alloc::{allocate, AllocError, PageSource, HEAP_ORDERS};
use rust_heap::layout::{PAGE_SHIFT, PAGE_SIZE};
use rust_heap::Page;

/// c-heap's memmap as a [`PageSource`] with pages of `1 << SHIFT` bytes
/// and C's own orders (`sgm_heap_orders`): the chunk list is threaded
/// through the head page's private words, as the kernel threads it
/// through `page->lru`.
struct ModelSource<'m, const SHIFT: u32> {
    memmap: &'m Memmap,
}

/// C's `sgm_heap_orders[index]`, the array the C policy reads.
fn c_order(index: usize) -> Option<u32> {
    // SAFETY: a const array defined in heap.c, never written.
    let orders = unsafe { &bindings::sgm_heap_orders };
    orders.get(index).copied()
}

// SAFETY: chunks come from sgm_memmap_take, which hands each out once
// until sgm_memmap_give; the link words are the model page's private
// words, which nothing else reads or writes while a chunk is out.
unsafe impl<const SHIFT: u32> PageSource for ModelSource<'_, SHIFT> {
    const PAGE_SHIFT: u32 = SHIFT;

    fn order(&self, index: usize) -> Option<u32> {
        c_order(index)
    }

    fn alloc(&self, index: usize) -> Option<NonNull<Page>> {
        let order = c_order(index)?;
        // SAFETY: the memmap is live for 'm.
        let page = unsafe { bindings::sgm_memmap_take(self.memmap.as_ptr(), order) };
        NonNull::new(page.cast::<Page>())
    }

    unsafe fn free(&self, page: NonNull<Page>, order: u32) {
        // SAFETY: the caller gives back a chunk that is out, once.
        unsafe { bindings::sgm_memmap_give(self.memmap.as_ptr(), page.as_ptr().cast(), order) }
    }

    fn fatal_signal_pending(&self) -> bool {
        // SAFETY: the memmap is live for 'm.
        unsafe { bindings::sgm_memmap_fatal_signal_pending(self.memmap.as_ptr()) != 0 }
    }

    unsafe fn set_link(&self, page: NonNull<Page>, next: Option<NonNull<Page>>, order: u32) {
        // SAFETY: the caller names a head page of a chunk that is out.
        let words = unsafe { &mut (*page.as_ptr()).private_words };
        words[0] = next.map_or(0, |p| p.as_ptr() as std::ffi::c_ulong);
        words[1] = order.into();
    }

    unsafe fn link(&self, page: NonNull<Page>) -> (Option<NonNull<Page>>, u32) {
        // SAFETY: as for set_link.
        let words = unsafe { &(*page.as_ptr()).private_words };
        (NonNull::new(words[0] as *mut Page), words[1] as u32)
    }
}

/// A memory state to allocate in: limits per order, orders that fail for
/// a while, a limit on pages in all, and a fatal signal after some chunks.
#[derive(Debug, Clone, Default)]
struct State {
    /// (order, attempts): the next attempts at that order fail.
    fail_next: Vec<(u32, u64)>,
    order8: Option<u64>,
    order4: Option<u64>,
    order0: Option<u64>,
    pages: Option<u64>,
    kill_after: Option<u64>,
}

impl State {
    fn apply(&self, memmap: &mut Memmap) {
        for (order, limit) in [(8, self.order8), (4, self.order4), (0, self.order0)] {
            if let Some(n) = limit {
                memmap.limit_order(order, n);
            }
        }
        for &(order, attempts) in &self.fail_next {
            memmap.fail_next(order, attempts);
        }
        if let Some(n) = self.pages {
            memmap.limit_pages(n);
        }
        if let Some(n) = self.kill_after {
            memmap.kill_after(n);
        }
    }
}

/// (page frame, length, offset) of every entry: what the table says.
fn entries(table: &Table, base: *mut bindings::page) -> Vec<(isize, u32, u32)> {
    table
        .entries()
        .into_iter()
        .map(|sg| {
            // SAFETY: sg is an entry of the table, and its page lies in the
            // memmap starting at base.
            unsafe {
                (
                    bindings::sgm_page(sg).offset_from(base),
                    (*sg).length,
                    (*sg).offset,
                )
            }
        })
        .collect()
}

/// What one side did: the table's entries, or the errno; and the pages
/// left out afterwards.
#[derive(Debug, PartialEq, Eq)]
struct Outcome {
    result: Result<Vec<(isize, u32, u32)>, i32>,
    out_after_alloc: u64,
    out_after_free: u64,
    bad_frees: u64,
}

fn run_c(npages: u64, seed: u64, state: &State, len: usize) -> Outcome {
    let mut memmap = Memmap::new(npages, seed).unwrap();
    state.apply(&mut memmap);
    let result = memmap.heap_alloc(len);
    let out_after_alloc = memmap.outstanding();
    let result = match result {
        Ok(table) => {
            let e = entries(&table, memmap.base());
            memmap.heap_free(table);
            Ok(e)
        }
        Err(c_heap::ModelError::Errno { errno, .. }) => Err(errno),
        Err(e) => panic!("{e}"),
    };
    Outcome {
        result,
        out_after_alloc,
        out_after_free: memmap.outstanding(),
        bad_frees: memmap.bad_frees(),
    }
}

/// The Rust policy with pages of `1 << SHIFT` bytes. The table's lengths
/// are given back in 4K units (divided by the page size over 4K), so that
/// the outcome compares with C's at 4K.
fn run_rust<const SHIFT: u32>(npages: u64, seed: u64, state: &State, len: usize) -> Outcome {
    let page_size = 1usize << SHIFT;
    let scale = (page_size / PAGE_SIZE) as u32;
    let mut memmap = Memmap::new(npages, seed).unwrap();
    state.apply(&mut memmap);
    let source = ModelSource::<SHIFT> { memmap: &memmap };
    let (result, out_after_alloc) = match allocate(&source, len) {
        Ok(mut chunks) => {
            let out = memmap.outstanding();
            // The same table as C builds: one entry per chunk, in order.
            let mut table = Table::alloc(chunks.len() as u32, 0).unwrap();
            let mut taken = Vec::new();
            while let Some(chunk) = chunks.pop_front() {
                taken.push(chunk.into_raw());
            }
            table.fill(
                taken
                    .iter()
                    .map(|&(page, order)| (page.as_ptr().cast(), (page_size << order) as u32, 0)),
            );
            let e = entries(&table, memmap.base())
                .into_iter()
                .map(|(frame, length, offset)| (frame, length / scale, offset))
                .collect();
            for (page, order) in taken {
                // SAFETY: each chunk was handed over by into_raw and is
                // given back once, here.
                unsafe { source.free(page, order) };
            }
            (Ok(e), out)
        }
        Err(err) => (Err(err.errno()), memmap.outstanding()),
    };
    Outcome {
        result,
        out_after_alloc,
        out_after_free: memmap.outstanding(),
        bad_frees: memmap.bad_frees(),
    }
}

/// Both sides on the same state; they must agree, and hold the policy's
/// own rules.
fn check(npages: u64, seed: u64, state: &State, len: usize) -> Outcome {
    let c = run_c(npages, seed, state, len);
    let rust = run_rust::<PAGE_SHIFT>(npages, seed, state, len);
    assert_eq!(c, rust, "C and Rust differ: {state:?}, len {len}");
    assert_eq!(c.bad_frees, 0, "{state:?}");
    assert_eq!(c.out_after_free, 0, "something leaked: {state:?}");
    match &c.result {
        Ok(e) => {
            assert_eq!(c.out_after_alloc as usize, len / PAGE_SIZE);
            assert_eq!(e.iter().map(|x| x.1 as usize).sum::<usize>(), len);
            // Orders never rise along the table.
            assert!(e.windows(2).all(|w| w[0].1 >= w[1].1), "{e:?}");
        }
        Err(_) => assert_eq!(c.out_after_alloc, 0, "an error left chunks out: {state:?}"),
    }
    c
}

const MB: usize = 1 << 20;

#[test]
fn an_unconstrained_buffer_takes_the_largest_orders() {
    let o = check(
        4096,
        1,
        &State::default(),
        2 * MB + 3 * 64 * 1024 + 5 * PAGE_SIZE,
    );
    let lengths: Vec<u32> = o.result.unwrap().iter().map(|e| e.1).collect();
    let (m, k, p) = (MB as u32, 64 * 1024, PAGE_SIZE as u32);
    assert_eq!(lengths, [m, m, k, k, k, p, p, p, p, p]);
}

#[test]
fn a_fragmented_memory_falls_back_to_smaller_orders_and_never_climbs() {
    // No order-8 chunk at all, three of order 4: the rest in pages.
    let state = State {
        order8: Some(0),
        order4: Some(3),
        ..State::default()
    };
    let o = check(4096, 2, &state, MB);
    let lengths: Vec<u32> = o.result.unwrap().iter().map(|e| e.1).collect();
    assert_eq!(&lengths[..3], [65536; 3]);
    assert_eq!(lengths.len(), 3 + (MB - 3 * 65536) / PAGE_SIZE);
}

#[test]
fn the_largest_order_only_drops_even_when_a_larger_one_comes_back() {
    // Order 8 fails once, then could be had again: the heap must not go
    // back up to it after taking an order-4 chunk.
    let state = State {
        fail_next: vec![(8, 1)],
        ..State::default()
    };
    let o = check(4096, 7, &state, 2 * MB);
    let lengths: Vec<u32> = o.result.unwrap().iter().map(|e| e.1).collect();
    assert_eq!(lengths, vec![65536; 32]);
}

#[test]
fn exhausted_at_each_order() {
    for order in HEAP_ORDERS {
        let mut state = State::default();
        match order {
            8 => state.order8 = Some(1),
            4 => state.order4 = Some(0),
            _ => state.order0 = Some(2),
        }
        check(4096, 3, &state, 3 * MB + 64 * 1024 + 3 * PAGE_SIZE);
    }
}

#[test]
fn memory_that_runs_out_part_way_gives_everything_back() {
    let state = State {
        pages: Some(300),
        ..State::default()
    };
    let o = check(4096, 4, &state, 2 * MB);
    assert_eq!(o.result, Err(AllocError::NoMemory.errno()));
}

#[test]
fn a_fatal_signal_between_chunks_stops_with_eintr() {
    let state = State {
        kill_after: Some(2),
        ..State::default()
    };
    let o = check(4096, 5, &state, 4 * MB);
    assert_eq!(o.result, Err(AllocError::Interrupted.errno()));
}

#[test]
fn bad_lengths_and_lengths_past_memory() {
    assert_eq!(check(256, 6, &State::default(), 0).result, Err(-22));
    assert_eq!(
        check(256, 6, &State::default(), PAGE_SIZE + 1).result,
        Err(-22)
    );
    assert_eq!(check(256, 6, &State::default(), 2 * MB).result, Err(-12));
}

fn limit() -> impl Strategy<Value = Option<u64>> {
    prop_oneof![
        Just(None),
        (0u64..6).prop_map(Some),
        (6u64..600).prop_map(Some)
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn c_and_rust_agree_on_every_memory_state(
        seed in any::<u64>(),
        blocks in 1u64..16,
        len_pages in 0usize..3000,
        order8 in limit(),
        order4 in limit(),
        order0 in limit(),
        pages in limit(),
        kill_after in limit(),
        fail_next in proptest::collection::vec((prop_oneof![Just(8u32), Just(4), Just(0)], 0u64..4), 0..3),
    ) {
        let state = State { fail_next, order8, order4, order0, pages, kill_after };
        check(blocks * 256, seed, &state, len_pages * PAGE_SIZE);
    }
}

/// The Rust policy at 16K and 64K pages, for a buffer of `len_pages`
/// pages, against C at 4K for as many pages: the same chunks, frames and
/// orders (lengths compared in pages), the same errno, nothing left out.
fn check_at_page_sizes(npages: u64, seed: u64, state: &State, len_pages: usize) {
    let c = run_c(npages, seed, state, len_pages * PAGE_SIZE);
    let at_16k = run_rust::<14>(npages, seed, state, len_pages << 14);
    let at_64k = run_rust::<16>(npages, seed, state, len_pages << 16);
    assert_eq!(c, at_16k, "16K pages: {state:?}, {len_pages} pages");
    assert_eq!(c, at_64k, "64K pages: {state:?}, {len_pages} pages");
    assert_eq!(c.out_after_free, 0);
}

#[test]
fn every_page_size_takes_the_same_chunks() {
    // 2 order-8 chunks (32M at 64K pages), 3 of order 4, 5 pages.
    check_at_page_sizes(4096, 1, &State::default(), 2 * 256 + 3 * 16 + 5);
    let fragmented = State {
        order8: Some(0),
        order4: Some(3),
        ..State::default()
    };
    check_at_page_sizes(4096, 2, &fragmented, 256);
    let killed = State {
        kill_after: Some(2),
        ..State::default()
    };
    check_at_page_sizes(4096, 5, &killed, 1024);
}

#[test]
fn at_16k_and_64k_a_length_must_be_a_multiple_of_that_page() {
    let memmap = Memmap::new(256, 1).unwrap();
    let at_16k = ModelSource::<14> { memmap: &memmap };
    let at_64k = ModelSource::<16> { memmap: &memmap };
    for len in [0, 4096, 3 * 4096, (16 << 10) + 4096] {
        assert_eq!(
            allocate(&at_16k, len).err(),
            Some(AllocError::Invalid),
            "{len}"
        );
    }
    for len in [4096, 16 << 10, 48 << 10, (64 << 10) + (16 << 10)] {
        assert_eq!(
            allocate(&at_64k, len).err(),
            Some(AllocError::Invalid),
            "{len}"
        );
    }
    let chunks = allocate(&at_64k, 17 << 16).unwrap();
    let lengths: Vec<usize> = {
        let mut chunks = chunks;
        std::iter::from_fn(|| chunks.pop_front().map(|c| c.len())).collect()
    };
    assert_eq!(lengths, [1 << 20, 64 << 10]);
    assert_eq!(memmap.outstanding(), 0);
}

/// The policy's orders are C's array itself, and C's array is 6.12's.
#[test]
fn the_model_source_reads_c_orders() {
    let from_c: Vec<u32> = (0..).map_while(c_order).collect();
    assert_eq!(from_c, HEAP_ORDERS);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn rust_at_16k_and_64k_agrees_with_c_at_4k(
        seed in any::<u64>(),
        blocks in 1u64..16,
        len_pages in 0usize..3000,
        order8 in limit(),
        order4 in limit(),
        order0 in limit(),
        pages in limit(),
        kill_after in limit(),
        fail_next in proptest::collection::vec((prop_oneof![Just(8u32), Just(4), Just(0)], 0u64..4), 0..3),
    ) {
        let state = State { fail_next, order8, order4, order0, pages, kill_after };
        check_at_page_sizes(blocks * 256, seed, &state, len_pages);
    }
}
