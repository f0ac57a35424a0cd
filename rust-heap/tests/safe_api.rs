//! The safe API refuses what the raw conversions would write out of bounds.

mod common;

use c_heap::Memmap;
use common::{build, Chunk};
use rust_heap::safe::Table;
use rust_heap::{ConvertError, Page, SgTable};

fn as_rust(table: &c_heap::Table) -> &SgTable {
    // SAFETY: the ABI tests prove the layouts equal.
    unsafe { &*(table.as_ptr() as *const SgTable) }
}

fn pages_of(table: &c_heap::Table) -> Vec<*mut Page> {
    table
        .reference_pages()
        .into_iter()
        .map(|p| p as *mut Page)
        .collect()
}

#[test]
fn fills_a_valid_table() {
    let mut mm = Memmap::new(1024, 1).unwrap();
    let table = mm.heap_alloc((1 << 20) + (64 << 10) + 4096).unwrap();
    let npages = 256 + 16 + 1;
    let mut out = vec![std::ptr::null_mut(); npages];
    // SAFETY: a table the heap built, alive for as long as `safe`.
    let safe = unsafe { Table::from_raw(as_rust(&table)) };
    safe.fill_pages(npages, &mut out).unwrap();
    assert_eq!(out, pages_of(&table));
}

#[test]
fn refuses_too_few_slots() {
    let mut mm = Memmap::new(256, 1).unwrap();
    let table = mm.heap_alloc(4 * 4096).unwrap();
    let mut out = vec![std::ptr::null_mut(); 3];
    // SAFETY: a table the heap built, alive for as long as `safe`.
    let safe = unsafe { Table::from_raw(as_rust(&table)) };
    assert_eq!(
        safe.fill_pages(4, &mut out),
        Err(ConvertError::TooFewSlots {
            slots: 3,
            npages: 4
        })
    );
    assert!(out.iter().all(|p| p.is_null()), "nothing is written");
}

#[test]
fn refuses_more_pages_than_the_buffer() {
    let mut mm = Memmap::new(256, 1).unwrap();
    let table = build(&mut mm, &[Chunk::whole(0), Chunk::whole(4)], 0);
    let mut out = vec![std::ptr::null_mut(); 17];
    // SAFETY: a table the heap built, alive for as long as `safe`.
    let safe = unsafe { Table::from_raw(as_rust(&table)) };
    let err = safe.fill_pages(10, &mut out).unwrap_err();
    assert_eq!(
        err,
        ConvertError::MorePagesThanBuffer {
            entry: 1,
            npages: 10
        }
    );
    assert!(
        out[1..].iter().all(|p| p.is_null()),
        "nothing past the first entry"
    );
    assert_eq!(
        err.to_string(),
        "sg entry 1 holds pages beyond the buffer's 10 pages"
    );
}

#[test]
fn refuses_fewer_pages_than_the_buffer() {
    let mut mm = Memmap::new(256, 1).unwrap();
    let table = build(&mut mm, &[Chunk::whole(0)], 0);
    let mut out = vec![std::ptr::null_mut(); 2];
    // SAFETY: a table the heap built, alive for as long as `safe`.
    let safe = unsafe { Table::from_raw(as_rust(&table)) };
    assert_eq!(
        safe.fill_pages(2, &mut out),
        Err(ConvertError::FewerPagesThanBuffer {
            pages: 1,
            npages: 2
        })
    );
}

#[test]
fn refuses_a_null_chain_link() {
    let mut mm = Memmap::new(256, 1).unwrap();
    let chunks = vec![Chunk::whole(0); 5];
    // Chunks of 3 entries: entries 0, 1, link; 2, 3, link; 4.
    let table = build(&mut mm, &chunks, 3);
    // SAFETY: entry 1 is the last data entry of the first chunk of 3,
    // so the slot after it, inside the same chunk, is the chain link.
    let first_link = unsafe { table.entries()[1].add(1) };
    // SAFETY: `first_link` points into the live table, and nothing else
    // holds a reference to it while the link is broken and restored.
    let saved = unsafe { (*first_link).page_link };
    // SAFETY: as above.
    unsafe { (*first_link).page_link = c_heap::bindings::SG_CHAIN as _ };
    let mut out = vec![std::ptr::null_mut(); 5];
    // SAFETY: a table the heap built, alive for as long as `safe`.
    let safe = unsafe { Table::from_raw(as_rust(&table)) };
    let result = safe.fill_pages(5, &mut out);
    // SAFETY: as above; the link is restored before the table drops.
    unsafe { (*first_link).page_link = saved };
    assert_eq!(
        result,
        Err(ConvertError::BrokenChain {
            entry: 2,
            orig_nents: 5
        })
    );
}
