//! The Rust conversions at 4K, 16K and 64K pages (`TESTED_PAGE_SHIFTS`).
//!
//! The C model has 4K pages only, so at 16K and 64K the Rust conversions
//! are held to two things instead of to C: what the page iterator counts
//! for each entry at that page size (the reference below), and C itself
//! at 4K on the same table with every offset and length scaled down by
//! the page size over 4K, which must give the same pages.

mod common;

use c_heap::{Memmap, Table};
use common::{build, Chunk, SENTINEL};
use proptest::prelude::*;
use rust_heap::convert;
use rust_heap::errno::{E2BIG, ENODATA};
use rust_heap::layout::{Page, SgTable, TESTED_PAGE_SHIFTS};

fn as_rust(table: &Table) -> *const SgTable {
    // The ABI tests prove the layouts equal.
    table.as_ptr().cast()
}

/// The pages the page iterator yields with `1 << shift`-byte pages.
fn reference(table: &Table, shift: u32) -> Vec<*mut Page> {
    let mut out = Vec::new();
    for sg in table.entries() {
        // SAFETY: sg is an entry of the table.
        let (base, offset, length) = unsafe {
            (
                c_heap::bindings::sgm_page(sg).cast::<Page>(),
                (*sg).offset,
                (*sg).length,
            )
        };
        let count = (u64::from(offset) + u64::from(length)).div_ceil(1 << shift);
        out.extend((0..count as usize).map(|j| base.wrapping_add(j)));
    }
    out
}

/// Pages v1 stores: `length >> shift` per entry.
fn v1_reference(table: &Table, shift: u32) -> Vec<*mut Page> {
    let mut out = Vec::new();
    for sg in table.entries() {
        // SAFETY: sg is an entry of the table.
        let (base, length) =
            unsafe { (c_heap::bindings::sgm_page(sg).cast::<Page>(), (*sg).length) };
        out.extend((0..(length >> shift) as usize).map(|j| base.wrapping_add(j)));
    }
    out
}

type Raw = unsafe fn(*const SgTable, *mut *mut Page, usize) -> rust_heap::Report;

/// Runs a conversion with `npages` slots and `guard` sentinel slots.
fn run(f: Raw, table: &Table, npages: usize, guard: usize) -> (rust_heap::Report, Vec<*mut Page>) {
    let mut slots = vec![SENTINEL.cast::<Page>(); npages + guard];
    // SAFETY: a valid table; the caller sizes the guard for every store.
    let report = unsafe { f(as_rust(table), slots.as_mut_ptr(), npages) };
    (report, slots)
}

/// Every conversion at `SHIFT` on `table`.
fn check_table<const SHIFT: u32>(table: &Table) {
    let expected = reference(table, SHIFT);
    let npages = expected.len();
    // The unbounded walks store every page they count: guard slots for as
    // many as the smallest page size could count, so that a wrong count
    // fails an assertion instead of writing past the array.
    let sentinels = |n: usize| vec![SENTINEL.cast::<Page>(); n];
    let guard = reference(table, 12).len() - npages + 4;

    let (report, slots) = run(convert::before::<SHIFT>, table, npages, guard);
    assert_eq!(
        (report.written as usize, report.warnings),
        (npages, 0),
        "before at shift {SHIFT}"
    );
    assert_eq!(slots, [expected.clone(), sentinels(guard)].concat());

    let v1 = v1_reference(table, SHIFT);
    let v1_guard = v1_reference(table, 12).len() - v1.len() + 4;
    let (report, slots) = run(convert::v1::<SHIFT>, table, v1.len(), v1_guard);
    assert_eq!(report.written as usize, v1.len(), "v1 at shift {SHIFT}");
    assert_eq!(slots, [v1, sentinels(v1_guard)].concat());

    let mut slots = vec![SENTINEL.cast::<Page>(); npages + 4];
    // SAFETY: a valid table and npages + 4 slots.
    let (report, result) =
        unsafe { convert::bounded::<SHIFT>(as_rust(table), slots.as_mut_ptr(), npages) };
    assert_eq!(result, Ok(()), "bounded at shift {SHIFT}");
    assert_eq!(report.written as usize, npages);
    assert_eq!(&slots[..npages], &expected[..]);
    assert!(slots[npages..].iter().all(|&p| p == SENTINEL.cast()));

    // One slot short: refused, nothing past the slots.
    if npages > 0 {
        let mut slots = vec![SENTINEL.cast::<Page>(); npages + 4];
        // SAFETY: as above.
        let (_, result) =
            unsafe { convert::bounded::<SHIFT>(as_rust(table), slots.as_mut_ptr(), npages - 1) };
        assert_eq!(result.map_err(|e| e.errno()), Err(E2BIG));
        assert!(slots[npages - 1..].iter().all(|&p| p == SENTINEL.cast()));
    }
    // One slot too many: refused.
    let mut slots = vec![SENTINEL.cast::<Page>(); npages + 1];
    // SAFETY: as above.
    let (_, result) =
        unsafe { convert::bounded::<SHIFT>(as_rust(table), slots.as_mut_ptr(), npages + 1) };
    assert_eq!(result.map_err(|e| e.errno()), Err(ENODATA));
}

/// The same chunks as a table at `shift` and, scaled down, at 4K: the
/// Rust conversion at `SHIFT` and C's bounded conversion at 4K give the
/// same pages.
fn check_scaled_against_c<const SHIFT: u32>(memmap: &mut Memmap, spec: &[(u32, u32, u32)]) {
    let scale = 1u32 << (SHIFT - 12);
    let pages: Vec<_> = spec
        .iter()
        .map(|&(order, _, _)| memmap.take(order).expect("memmap has room"))
        .collect();
    let mut at_4k = Table::alloc(spec.len() as u32, 0).unwrap();
    at_4k.fill(
        spec.iter()
            .zip(&pages)
            .map(|(&(_, offset, length), &p)| (p, length, offset)),
    );
    let mut scaled = Table::alloc(spec.len() as u32, 0).unwrap();
    scaled.fill(
        spec.iter()
            .zip(&pages)
            .map(|(&(_, offset, length), &p)| (p, length * scale, offset * scale)),
    );
    let npages = reference(&at_4k, 12).len();
    let c = common::run(common::Impl::CBounded, &at_4k, npages, 0);
    assert_eq!(c.ret, 0);
    let (report, rust) = run(
        // SAFETY: `run` passes this closure its own valid table and
        // `npages` slots, the contract `bounded` asks for.
        |t, p, n| unsafe { convert::bounded::<SHIFT>(t, p, n).0 },
        &scaled,
        npages,
        0,
    );
    assert_eq!(report.written as usize, npages);
    assert_eq!(
        rust.iter().map(|p| p.cast()).collect::<Vec<_>>(),
        c.slots,
        "Rust at shift {SHIFT} against C at 4K, scaled by {scale}"
    );
}

#[test]
fn the_tested_page_sizes_are_4k_16k_and_64k() {
    assert_eq!(TESTED_PAGE_SHIFTS, [12, 14, 16]);
}

/// Heap-shaped tables (whole chunks of orders 8, 4 and 0) at each size.
#[test]
fn heap_tables_at_every_page_size() {
    let mut mm = Memmap::new(4096, 3).unwrap();
    for shift in TESTED_PAGE_SHIFTS {
        let whole = |order: u32| Chunk {
            order,
            offset: 0,
            length: (1u32 << shift) << order,
        };
        let chunks = [
            whole(8),
            whole(8),
            whole(4),
            whole(4),
            whole(4),
            whole(0),
            whole(0),
        ];
        // Chained in chunks of 3 entries, as well as unchained.
        for max_ents in [0, 3] {
            let table = build(&mut mm, &chunks, max_ents);
            assert_eq!(reference(&table, shift).len(), 2 * 256 + 3 * 16 + 2);
            match shift {
                12 => check_table::<12>(&table),
                14 => check_table::<14>(&table),
                16 => check_table::<16>(&table),
                _ => unreachable!(),
            }
            mm.reset();
        }
    }
}

fn entries() -> impl Strategy<Value = Vec<(u32, u32, u32)>> {
    // (order, offset, length) at 4K: offsets within two pages, lengths up
    // to the chunk's, so that scaled by 16 they still fit in 32 bits.
    prop::collection::vec(
        (0u32..=8).prop_flat_map(|order| (Just(order), 0u32..8192, 0u32..=(4096 << order))),
        1..24,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Arbitrary offsets and lengths at every page size: the iterator's
    /// count, v1's count, and bounded's refusals one slot either side.
    #[test]
    fn arbitrary_tables_at_every_page_size(spec in entries(), max_ents in prop_oneof![Just(0u32), 2u32..6]) {
        let mut mm = Memmap::new(8192, 9).unwrap();
        let chunks: Vec<Chunk> = spec
            .iter()
            .map(|&(order, offset, length)| Chunk { order, offset, length })
            .collect();
        let table = build(&mut mm, &chunks, max_ents);
        check_table::<12>(&table);
        check_table::<14>(&table);
        check_table::<16>(&table);
    }

    /// Rust at 16K and 64K on a scaled table gives C's pages at 4K.
    #[test]
    fn scaled_tables_give_c_pages(spec in entries()) {
        let mut mm = Memmap::new(8192, 11).unwrap();
        check_scaled_against_c::<14>(&mut mm, &spec);
        mm.reset();
        check_scaled_against_c::<16>(&mut mm, &spec);
    }
}
