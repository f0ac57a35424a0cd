//! C before, C v1, C bounded and the Rust conversions on the same tables:
//! identical page arrays wherever the input is valid for them, and exactly
//! the differences the semantics explain where it is not.

mod common;

use c_heap::{Memmap, PAGE_SIZE};
use common::{build, run, Chunk, Impl, ALL};
use proptest::prelude::*;
use rust_heap::errno::{E2BIG, EINVAL, ENODATA};

/// 2 GB of 4 KB pages: the seed's buffer size.
const PAGES_2G: u64 = 524_288;

fn memmap(pages: u64) -> Memmap {
    Memmap::new(pages, 0x5eed).expect("memmap")
}

/// An order mix as the system heap makes it (orders 8, 4, 0) or any order
/// up to 8, so that every mix and sizes between appear.
fn chunk_orders() -> impl Strategy<Value = Vec<u32>> {
    prop::collection::vec(prop_oneof![Just(8u32), Just(4), Just(0), 0u32..=8], 0..400)
}

/// Chunk sizes per table: 0 means one page's worth (SG_MAX_SINGLE_ALLOC),
/// small values chain even short tables.
fn max_ents() -> impl Strategy<Value = u32> {
    prop_oneof![Just(0u32), 2u32..=9]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// Whole chunks, offset 0: every conversion gives the same array, the
    /// one `for_each_sgtable_page()` defines.
    #[test]
    fn valid_tables_give_identical_arrays(orders in chunk_orders(), max_ents in max_ents()) {
        let mut mm = memmap(131_072);
        let chunks: Vec<_> = orders.iter().map(|&o| Chunk::whole(o)).collect();
        let table = build(&mut mm, &chunks, max_ents);
        let reference = table.reference_pages();
        let npages = reference.len();

        for imp in ALL {
            let r = run(imp, &table, npages, 8);
            prop_assert_eq!(r.ret, 0, "{:?}", imp);
            prop_assert_eq!(r.warnings, 0, "{:?}", imp);
            prop_assert_eq!(r.array(), &reference[..], "{:?}", imp);
            prop_assert!(r.guard_intact(), "{:?} wrote past npages", imp);
        }
    }

    /// Offsets and lengths that are not page multiples: the pre-patch walk,
    /// the bounded variant and Rust count `PAGE_ALIGN(offset + length)`
    /// pages; v1 counts `length >> PAGE_SHIFT`. Show exactly that.
    #[test]
    fn v1_ignores_offset_and_partial_pages(
        spec in prop::collection::vec((0u32..=8, 0u32..8192, 0u32..=2 * PAGE_SIZE as u32), 1..60),
        max_ents in max_ents(),
    ) {
        let mut mm = memmap(32_768);
        let chunks: Vec<_> = spec
            .iter()
            .map(|&(order, offset, extra)| {
                let whole = (PAGE_SIZE as u32) << order;
                // Keep offset + length inside the chunk.
                let offset = offset.min(whole - 1);
                let length = (whole - offset).min(extra.max(1) + (whole / 2));
                Chunk { order, offset, length }
            })
            .collect();
        let table = build(&mut mm, &chunks, max_ents);
        let reference = table.reference_pages();
        let npages = reference.len();

        // What v1 gives: each entry's first length >> PAGE_SHIFT pages.
        let mut v1_expected = Vec::new();
        for (sg, c) in table.entries().into_iter().zip(&chunks) {
            // SAFETY: `sg` is an entry of `table`, which is alive here.
            let base = unsafe { c_heap::bindings::sgm_page(sg) };
            v1_expected.extend((0..(c.length as usize / PAGE_SIZE)).map(|j| base.wrapping_add(j)));
        }
        prop_assume!(v1_expected.len() <= npages);
        let guard = 8;

        for imp in [Impl::CBefore, Impl::CBounded, Impl::RustBefore, Impl::RustBounded] {
            let r = run(imp, &table, npages, guard);
            prop_assert_eq!(r.ret, 0, "{:?}", imp);
            prop_assert_eq!(r.array(), &reference[..], "{:?}", imp);
        }
        for imp in [Impl::CV1, Impl::RustV1] {
            let r = run(imp, &table, npages, guard);
            prop_assert_eq!(r.array(), &v1_expected[..], "{:?}", imp);
            // v1's WARN_ON(tmp - pages != npages) fires exactly when it
            // dropped pages, i.e. when some entry had an offset or a tail.
            prop_assert_eq!(r.warnings == 1, v1_expected.len() != npages, "{:?}", imp);
        }
    }

    /// More pages in the entries than `npages`: the pre-patch walk warns on
    /// every extra page and stores anyway, v1 stores anyway and warns once
    /// after the fact; the bounded C variant and Rust refuse without writing
    /// past `npages`.
    #[test]
    fn overflow_is_refused_by_bounded_only(
        orders in prop::collection::vec(prop_oneof![Just(8u32), Just(4), Just(0)], 1..40),
        short_by in 1usize..300,
        max_ents in max_ents(),
    ) {
        let mut mm = memmap(16_384);
        let chunks: Vec<_> = orders.iter().map(|&o| Chunk::whole(o)).collect();
        let table = build(&mut mm, &chunks, max_ents);
        let reference = table.reference_pages();
        let held = reference.len();
        let short_by = short_by.min(held);
        let npages = held - short_by;

        for imp in [Impl::CBefore, Impl::RustBefore] {
            let r = run(imp, &table, npages, short_by + 4);
            prop_assert_eq!(r.array(), &reference[..]);
            prop_assert_eq!(r.warnings as usize, short_by, "{:?}", imp);
            prop_assert_eq!(&r.guard()[..short_by], &reference[npages..]);
        }
        for imp in [Impl::CV1, Impl::RustV1] {
            let r = run(imp, &table, npages, short_by + 4);
            prop_assert_eq!(r.array(), &reference[..]);
            prop_assert_eq!(r.warnings, 1, "{:?}", imp);
            prop_assert!(!r.guard_intact(), "{:?} should have overflowed", imp);
        }
        for imp in [Impl::CBounded, Impl::RustBounded] {
            let r = run(imp, &table, npages, short_by + 4);
            prop_assert_eq!(r.ret, E2BIG, "{:?}", imp);
            prop_assert!(r.guard_intact(), "{:?} wrote past npages", imp);
            prop_assert!(r.written as usize <= npages);
            prop_assert_eq!(r.array(), &reference[..r.written as usize]);
        }
    }
}

/// Large buffers laid out by the heap model, up to the seed's 2 GB: sizes
/// that mix all three orders and chain the table many times over.
#[test]
fn heap_buffers_up_to_2g_agree() {
    let mut mm = memmap(PAGES_2G);
    let sizes: [usize; 7] = [
        PAGE_SIZE,
        17 * PAGE_SIZE,
        (1 << 20) + (64 << 10) + 3 * PAGE_SIZE,
        16 << 20,
        (256 << 20) - PAGE_SIZE,
        256 << 20,
        2 << 30,
    ];
    for len in sizes {
        mm.reset();
        let table = mm.heap_alloc(len).expect("heap alloc");
        let reference = table.reference_pages();
        assert_eq!(reference.len(), len / PAGE_SIZE);
        for imp in ALL {
            let r = run(imp, &table, len / PAGE_SIZE, 4);
            assert_eq!(r.ret, 0, "{imp:?} at {len}");
            assert_eq!(r.warnings, 0, "{imp:?} at {len}");
            assert!(
                r.array() == &reference[..],
                "{imp:?} differs at {len} bytes"
            );
            assert!(r.guard_intact());
        }
    }
}

/// The heap model's layout: the largest order that fits first.
#[test]
fn heap_model_uses_orders_8_4_0_largest_first() {
    let mut mm = memmap(1024);
    let len = 2 * (1 << 20) + 3 * (64 << 10) + 5 * PAGE_SIZE;
    let table = mm.heap_alloc(len).expect("heap alloc");
    let lengths: Vec<u32> = table
        .entries()
        .iter()
        // SAFETY: each pointer is an entry of `table`, alive here.
        .map(|&sg| unsafe { (*sg).length })
        .collect();
    let mut expected = vec![1 << 20; 2];
    expected.extend([64 << 10; 3]);
    expected.extend([PAGE_SIZE as u32; 5]);
    assert_eq!(lengths, expected);
}

/// A 2 GB table has 2048 entries: chained on both layouts.
#[test]
fn two_gigabyte_table_is_chained() {
    let mut mm = memmap(PAGES_2G);
    let table = mm.heap_alloc(2 << 30).expect("heap alloc");
    assert_eq!(table.orig_nents(), 2048);
    let per_chunk = c_heap::c_layout().max_single_alloc;
    let chain_links = table
        .entries()
        .windows(2)
        .filter(|w| {
            (w[1] as usize).wrapping_sub(w[0] as usize)
                != std::mem::size_of::<c_heap::scatterlist>()
        })
        .count();
    assert_eq!(chain_links, (2048 - 1) / (per_chunk - 1));
}

/// Fewer pages in the entries than the buffer: the pre-patch walk says
/// nothing, v1 warns, bounded C and Rust refuse with -ENODATA.
#[test]
fn short_table_is_reported() {
    let mut mm = memmap(1024);
    let table = build(&mut mm, &[Chunk::whole(4), Chunk::whole(0)], 0);
    let npages = 17 + 3;
    let before = run(Impl::CBefore, &table, npages, 0);
    assert_eq!((before.ret, before.warnings, before.written), (0, 0, 17));
    let v1 = run(Impl::CV1, &table, npages, 0);
    assert_eq!((v1.ret, v1.warnings, v1.written), (0, 1, 17));
    for imp in [Impl::CBounded, Impl::RustBounded] {
        let r = run(imp, &table, npages, 0);
        assert_eq!(r.ret, ENODATA, "{imp:?}");
    }
}

/// A chain that ends early: bounded C and Rust refuse with -EINVAL; the
/// pre-patch walk stops quietly. (v1 would dereference NULL: not run.)
#[test]
fn broken_chain_is_reported() {
    let mut mm = memmap(1024);
    let chunks = vec![Chunk::whole(0); 10];
    let table = build(&mut mm, &chunks, 4);
    let entries = table.entries();
    assert_eq!(entries.len(), 10);
    let sixth = entries[5];
    // Mark entry 5 as the last: the table still claims 10 entries.
    // SAFETY: `sixth` is an entry of `table`, alive and not otherwise
    // borrowed while the flag is set.
    unsafe { (*sixth).page_link |= c_heap::bindings::SG_END as std::ffi::c_ulong };
    for imp in [Impl::CBounded, Impl::RustBounded] {
        let r = run(imp, &table, 10, 0);
        assert_eq!(r.ret, EINVAL, "{imp:?}");
        assert_eq!(r.written, 6, "{imp:?}");
    }
    let before = run(Impl::CBefore, &table, 10, 0);
    assert_eq!((before.ret, before.written), (0, 6));
    // SAFETY: as above; the table is restored before it is dropped.
    unsafe { (*sixth).page_link &= !(c_heap::bindings::SG_END as std::ffi::c_ulong) };
}

/// The empty table and a one-page buffer.
#[test]
fn empty_and_single_page() {
    let empty = c_heap::Table::empty();
    for imp in ALL {
        let r = run(imp, &empty, 0, 2);
        assert_eq!((r.ret, r.written, r.warnings), (0, 0, 0), "{imp:?}");
        assert!(r.guard_intact());
    }
    let mut mm = memmap(256);
    let one = mm.heap_alloc(PAGE_SIZE).unwrap();
    for imp in ALL {
        let r = run(imp, &one, 1, 2);
        assert_eq!(r.array(), &one.reference_pages()[..], "{imp:?}");
    }
}

/// The floor stores the same consecutive pointers in C and in Rust.
#[test]
fn floor_matches_between_c_and_rust() {
    let mut mm = memmap(1024);
    let table = mm.heap_alloc(3 << 20).unwrap();
    let c = common::run_fn(c_heap::Conversion::Floor.function(), &table, 768, 2);
    let rust = common::run_fn(common::rust_floor(), &table, 768, 2);
    assert_eq!(c, rust);
}
