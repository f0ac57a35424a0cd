//! The system heap's allocation policy, C (c-heap's `sgm_heap_alloc`) and
//! Rust (`rust_heap::alloc`), driven over the same simulated memory: two
//! memmaps with the same seed and the same limits, one per side. They
//! must take the same chunks in the same order (same orders, same page
//! frames), build the same table, fail with the same errno, and leave
//! nothing out after an error or after the buffer is freed.

use std::ptr::NonNull;

use c_heap::bindings;
use c_heap::{Memmap, Table};
use proptest::prelude::*;
use rust_heap::alloc::{allocate, AllocError, PageSource, HEAP_ORDERS};
use rust_heap::layout::PAGE_SIZE;
use rust_heap::Page;

/// c-heap's memmap as a [`PageSource`]: the chunk list is threaded
/// through the head page's private words, as the kernel threads it
/// through `page->lru`.
struct ModelSource<'m> {
    memmap: &'m Memmap,
}

// SAFETY: chunks come from sgm_memmap_take, which hands each out once
// until sgm_memmap_give; the link words are the model page's private
// words, which nothing else reads or writes while a chunk is out.
unsafe impl PageSource for ModelSource<'_> {
    fn alloc(&self, index: usize) -> Option<NonNull<Page>> {
        // SAFETY: the memmap is live for 'm.
        let page = unsafe { bindings::sgm_memmap_take(self.memmap.as_ptr(), HEAP_ORDERS[index]) };
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

fn run_rust(npages: u64, seed: u64, state: &State, len: usize) -> Outcome {
    let mut memmap = Memmap::new(npages, seed).unwrap();
    state.apply(&mut memmap);
    let source = ModelSource { memmap: &memmap };
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
                    .map(|&(page, order)| (page.as_ptr().cast(), (PAGE_SIZE << order) as u32, 0)),
            );
            let e = entries(&table, memmap.base());
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
    let rust = run_rust(npages, seed, state, len);
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
