//! Shared by the integration tests: every implementation behind the C
//! header's function type, and runs with guard slots after the array.

#![allow(dead_code)]

use c_heap::bindings::page;
use c_heap::{ConvertFn, Memmap, Table};

// The Rust exports as a C caller declares them; linking rust-heap in
// resolves them.
use c_heap::rust_side::{
    rust_sgvmap_before, rust_sgvmap_bounded, rust_sgvmap_floor, rust_sgvmap_v1,
};
use rust_heap as _;

/// One implementation of one conversion.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Impl {
    CBefore,
    CV1,
    CBounded,
    RustBefore,
    RustV1,
    RustBounded,
}

pub const ALL: [Impl; 6] = [
    Impl::CBefore,
    Impl::CV1,
    Impl::CBounded,
    Impl::RustBefore,
    Impl::RustV1,
    Impl::RustBounded,
];

impl Impl {
    pub fn function(self) -> ConvertFn {
        match self {
            Impl::CBefore => c_heap::bindings::sgvmap_before,
            Impl::CV1 => c_heap::bindings::sgvmap_v1,
            Impl::CBounded => c_heap::bindings::sgvmap_bounded,
            Impl::RustBefore => rust_sgvmap_before,
            Impl::RustV1 => rust_sgvmap_v1,
            Impl::RustBounded => rust_sgvmap_bounded,
        }
    }

    pub fn is_bounded(self) -> bool {
        matches!(self, Impl::CBounded | Impl::RustBounded)
    }
}

pub fn rust_floor() -> ConvertFn {
    rust_sgvmap_floor
}

/// A value no conversion writes: it marks slots left alone.
pub const SENTINEL: *mut page = 0x5a5a_5a5a_5a5a_5a50 as *mut page;

/// The outcome of one run and every slot, guards included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    pub ret: i32,
    pub written: u64,
    pub warnings: u32,
    pub slots: Vec<*mut page>,
    pub npages: usize,
}

impl Run {
    /// The slots the conversion wrote, as it says.
    pub fn array(&self) -> &[*mut page] {
        &self.slots[..self.written as usize]
    }

    /// The guard slots after `npages`.
    pub fn guard(&self) -> &[*mut page] {
        &self.slots[self.npages..]
    }

    pub fn guard_intact(&self) -> bool {
        self.guard().iter().all(|&p| p == SENTINEL)
    }
}

/// Runs `imp` with `npages` slots followed by `guard` sentinel slots.
///
/// The caller must make `guard` cover every page the table holds beyond
/// `npages` when running an unbounded conversion.
pub fn run(imp: Impl, table: &Table, npages: usize, guard: usize) -> Run {
    run_fn(imp.function(), table, npages, guard)
}

pub fn run_fn(f: ConvertFn, table: &Table, npages: usize, guard: usize) -> Run {
    let mut slots = vec![SENTINEL; npages + guard];
    // SAFETY: the table is valid and the slots cover every store (the
    // caller sizes the guard).
    let outcome = unsafe { c_heap::convert_raw(f, table.as_ptr(), &mut slots, npages as u32) };
    assert!(
        outcome.written as usize <= slots.len(),
        "a conversion wrote past the guard slots: the test sized them too small"
    );
    Run {
        ret: outcome.ret,
        written: outcome.written,
        warnings: outcome.warnings,
        slots,
        npages,
    }
}

/// One entry of a hand-made table.
#[derive(Debug, Clone, Copy)]
pub struct Chunk {
    pub order: u32,
    pub offset: u32,
    pub length: u32,
}

impl Chunk {
    /// A whole chunk, as the system heap fills entries.
    pub fn whole(order: u32) -> Chunk {
        Chunk {
            order,
            offset: 0,
            length: (c_heap::PAGE_SIZE as u32) << order,
        }
    }
}

/// Builds a table of `chunks` from `memmap`, in chunks of `max_ents`.
pub fn build(memmap: &mut Memmap, chunks: &[Chunk], max_ents: u32) -> Table {
    if chunks.is_empty() {
        return Table::empty();
    }
    let mut table = Table::alloc(chunks.len() as u32, max_ents).expect("table alloc");
    let pages: Vec<_> = chunks
        .iter()
        .map(|c| memmap.take(c.order).expect("memmap has room"))
        .collect();
    table.fill(
        chunks
            .iter()
            .zip(pages)
            .map(|(c, p)| (p, c.length, c.offset)),
    );
    table
}
