//! Arbitrary sg tables from fuzzer bytes, and what every conversion must
//! do with them.
//!
//! The checks run on the C model's real tables (chained as
//! `sg_alloc_table()` chains them, pages from the simulated memmap), so the
//! C and Rust conversions meet exactly the memory a kernel caller gives
//! them. Arrays for conversions that must stay in bounds are allocated with
//! exactly `npages` slots: under AddressSanitizer (the fuzz build), one
//! store past the end stops the run.

use std::cell::RefCell;

use c_heap::bindings::{page, SG_END};
use c_heap::{ConvertFn, Memmap, Table, PAGE_SIZE};
use rust_heap::errno::{E2BIG, EINVAL, ENODATA};

// The Rust exports as a C caller declares them; linking rust-heap in
// resolves them.
use c_heap::rust_side::{rust_sgvmap_before, rust_sgvmap_bounded, rust_sgvmap_v1};
use rust_heap as _;

/// At most this many entries per table: 256 whole order-8 chunks are the
/// 256 MB buffer of the KUnit suite, and the memmap below holds exactly that.
pub const MAX_ENTRIES: usize = 256;

/// Pages in the memmap the tables take their chunks from (256 MB).
const MEMMAP_PAGES: u64 = 65_536;

/// A value no conversion writes: it marks slots left alone.
const SENTINEL: *mut page = 0x5a5a_5a5a_5a5a_5a50 as *mut page;

/// One entry: the chunk's order and, for partial entries, where the data
/// starts and how much of the chunk it covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntrySpec {
    /// 0 to 8, as the buddy allocator gives chunks.
    pub order: u8,
    /// Offset selector (used only when the table has partial entries).
    pub offset: u8,
    /// Tail selector: how much shorter than the chunk the entry is.
    pub tail: u8,
}

/// A table described by fuzzer bytes.
///
/// Layout: `[shape, max_ents, adjust_lo, adjust_hi, end_at, (order, offset,
/// tail)*]`. `shape` bit 0 chains in small chunks (`2 + max_ents % 8`
/// entries) instead of a page of entries, bit 1 makes entries partial
/// (offsets and short tails), bit 2 marks entry `end_at % n` as the last
/// while the table still claims every entry (a chain that ends early).
/// `adjust` (i16) is added to the pages the entries hold to give `npages`:
/// zero is the consistent buffer, anything else a table that disagrees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableInput {
    /// Entries per chunk of the table: 0 is a page's worth.
    pub max_ents: u32,
    /// Entries carry offsets and short tails.
    pub partial: bool,
    /// The entry marked last although the table claims more.
    pub end_at: Option<usize>,
    /// Added to the pages the entries hold to give `npages`.
    pub npages_adjust: i16,
    /// The entries, in chain order.
    pub entries: Vec<EntrySpec>,
}

impl TableInput {
    /// Reads fuzzer bytes; `None` for input too short to name a table.
    pub fn decode(data: &[u8]) -> Option<TableInput> {
        let (head, rest) = data.split_at_checked(5)?;
        let shape = head[0];
        let entries: Vec<EntrySpec> = rest
            .chunks_exact(3)
            .take(MAX_ENTRIES)
            .map(|c| EntrySpec {
                order: c[0] % 9,
                offset: c[1],
                tail: c[2],
            })
            .collect();
        let end_at =
            (shape & 4 != 0 && !entries.is_empty()).then(|| usize::from(head[4]) % entries.len());
        Some(TableInput {
            max_ents: if shape & 1 != 0 {
                2 + u32::from(head[1] % 8)
            } else {
                0
            },
            partial: shape & 2 != 0,
            end_at,
            npages_adjust: i16::from_le_bytes([head[2], head[3]]),
            entries,
        })
    }

    /// The bytes `decode` reads back as this input.
    pub fn encode(&self) -> Vec<u8> {
        let shape = u8::from(self.max_ents != 0)
            | u8::from(self.partial) << 1
            | u8::from(self.end_at.is_some()) << 2;
        let adjust = self.npages_adjust.to_le_bytes();
        let mut out = vec![
            shape,
            self.max_ents.saturating_sub(2) as u8,
            adjust[0],
            adjust[1],
            self.end_at.unwrap_or(0) as u8,
        ];
        for e in &self.entries {
            out.extend([e.order, e.offset, e.tail]);
        }
        out
    }

    /// A consistent buffer of whole chunks of these orders, as the system
    /// heap lays buffers out.
    pub fn whole(orders: &[u8]) -> TableInput {
        TableInput {
            max_ents: 0,
            partial: false,
            end_at: None,
            npages_adjust: 0,
            entries: orders
                .iter()
                .map(|&order| EntrySpec {
                    order,
                    offset: 0,
                    tail: 0,
                })
                .collect(),
        }
    }

    /// `(offset, length)` of entry `e` in bytes, inside its chunk.
    fn extent(&self, e: &EntrySpec) -> (u32, u32) {
        let whole = (PAGE_SIZE as u32) << e.order;
        if !self.partial {
            return (0, whole);
        }
        let offset = (u32::from(e.offset) * 97).min(whole - 1);
        let room = whole - offset;
        let tail = (u32::from(e.tail) * 263).min(room - 1);
        (offset, room - tail)
    }
}

thread_local! {
    // One memmap per thread, reset per input: making one costs more than
    // running every conversion on a table.
    static MEMMAP: RefCell<Memmap> =
        RefCell::new(Memmap::new(MEMMAP_PAGES, 0x5eed).expect("a 256 MB memmap"));
}

/// A built table and what the checks need to know about it.
pub struct Built {
    /// The table, as the C model allocated it.
    pub table: Table,
    /// Pages the buffer claims.
    pub npages: usize,
    /// Pages `for_each_sgtable_page()` yields, in order (up to an early end).
    pub reference: Vec<*mut page>,
    /// Pages per reachable entry, as the iterator counts them.
    pub entry_pages: Vec<usize>,
    /// What the v1 loop stores when every entry is reachable.
    pub v1_expected: Option<Vec<*mut page>>,
    /// Whole chunks, offset 0, every entry reachable, `npages` consistent.
    pub valid: bool,
}

/// Builds `input` and hands it to `f`; the memmap is reset first.
pub fn with_table<R>(input: &TableInput, f: impl FnOnce(&Built) -> R) -> Option<R> {
    if input.entries.is_empty() {
        return None;
    }
    MEMMAP.with(|mm| {
        let mut mm = mm.borrow_mut();
        mm.reset();
        let mut table = Table::alloc(input.entries.len() as u32, input.max_ents).ok()?;
        let mut chunks = Vec::with_capacity(input.entries.len());
        for e in &input.entries {
            let (offset, length) = input.extent(e);
            chunks.push((mm.take(u32::from(e.order))?, length, offset));
        }
        table.fill(chunks);
        let v1_expected = input.end_at.is_none().then(|| {
            table
                .entries()
                .into_iter()
                .flat_map(|sg| {
                    // SAFETY: sg is an entry of this table.
                    let (base, length) = unsafe { (c_heap::bindings::sgm_page(sg), (*sg).length) };
                    (0..length as usize / PAGE_SIZE).map(move |j| base.wrapping_add(j))
                })
                .collect()
        });
        if let Some(at) = input.end_at {
            let sg = table.entries()[at];
            // SAFETY: sg is an entry of this table; the mark stays until
            // the table is freed, which walks by orig_nents, not the mark.
            unsafe { (*sg).page_link |= SG_END as std::ffi::c_ulong };
        }
        let reference = table.reference_pages();
        let entry_pages = table
            .entries()
            .into_iter()
            .map(|sg| {
                // SAFETY: sg is an entry of this table.
                let (offset, length) = unsafe { ((*sg).offset, (*sg).length) };
                (u64::from(offset) + u64::from(length)).div_ceil(PAGE_SIZE as u64) as usize
            })
            .collect();
        let npages = (reference.len() as i64 + i64::from(input.npages_adjust)).max(0) as usize;
        let valid = !input.partial && input.end_at.is_none() && npages == reference.len();
        Some(f(&Built {
            table,
            npages,
            reference,
            entry_pages,
            v1_expected,
            valid,
        }))
    })
}

/// One conversion's result and the whole array it wrote into.
#[derive(Debug, PartialEq, Eq)]
pub struct Run {
    /// 0 or a negative errno.
    pub ret: i32,
    /// Slots it says it wrote.
    pub written: usize,
    /// How often its WARN_ON condition held.
    pub warnings: u32,
    /// Every slot, those after `npages` included.
    pub slots: Vec<*mut page>,
}

/// Runs `f` with an array of exactly `slots` slots.
///
/// # Safety
/// `f` must not store more than `slots` pages for this table; under
/// AddressSanitizer a store past the array is reported, not undefined.
pub unsafe fn run(f: ConvertFn, built: &Built, slots: usize) -> Run {
    let mut array = vec![SENTINEL; slots];
    array.shrink_to_fit();
    // SAFETY: the table is valid; the caller vouches for the slots.
    let out =
        unsafe { c_heap::convert_raw(f, built.table.as_ptr(), &mut array, built.npages as u32) };
    Run {
        ret: out.ret,
        written: out.written as usize,
        warnings: out.warnings,
        slots: array,
    }
}

/// What the bounded conversions must return for this table: walking the
/// entries in order, the first that does not fit is `-E2BIG`; a chain that
/// ends early is `-EINVAL`; fewer pages than `npages` is `-ENODATA`.
/// Returns the errno and the slots written before it.
fn bounded_expectation(built: &Built, ended_early: bool) -> (i32, usize) {
    let mut written = 0;
    for &count in &built.entry_pages {
        if count > built.npages - written {
            return (E2BIG, written);
        }
        written += count;
    }
    if ended_early {
        (EINVAL, written)
    } else if written != built.npages {
        (ENODATA, written)
    } else {
        (0, written)
    }
}

/// The differential check behind the `conversions` fuzz target: C and Rust
/// side by side on the same table. Panics, naming the implementation and
/// the table, on the first disagreement.
pub fn check_conversions(data: &[u8]) {
    let Some(input) = TableInput::decode(data) else {
        return;
    };
    with_table(&input, |built| check_built(&input, built));
}

fn check_built(input: &TableInput, built: &Built) {
    let n = built.npages;
    let ended_early = input.end_at.is_some_and(|at| at + 1 < input.entries.len());

    // Bounded C and Rust: exactly npages slots, same answer, the documented one.
    // SAFETY: both bounded conversions promise never to store past npages;
    // that promise is what this run tests.
    let (c, rust) = unsafe {
        (
            run(c_heap::bindings::sgvmap_bounded, built, n),
            run(rust_sgvmap_bounded, built, n),
        )
    };
    assert_eq!(c, rust, "C bounded and Rust bounded disagree on {input:?}");
    let (ret, written) = bounded_expectation(built, ended_early);
    assert_eq!(
        (c.ret, c.written),
        (ret, written),
        "bounded: wrong verdict on {input:?}"
    );
    assert!(
        c.slots[..written] == built.reference[..written],
        "bounded: wrong pages on {input:?}"
    );
    assert!(
        c.slots[written..].iter().all(|&p| p == SENTINEL),
        "bounded: stored beyond what it reports on {input:?}"
    );

    // The safe Rust API answers with the same errno, in the same slots.
    let mut out = vec![std::ptr::null_mut(); n];
    // SAFETY: the C model's table has Rust's layout (rust-heap's ABI tests
    // prove it) and stays valid for this call.
    let safe_table = unsafe { rust_heap::safe::Table::from_raw(&*(built.table.as_ptr().cast())) };
    let got = safe_table.fill_pages(n, &mut out);
    assert_eq!(
        got.map_or_else(|e| e.errno(), |()| 0),
        ret,
        "safe API: wrong verdict on {input:?}"
    );

    // The pre-patch walk: the iterator's pages, one warning per extra page.
    let slots = built.reference.len().max(n);
    // SAFETY: the walk stores exactly the iterator's pages; the array holds them.
    let (c, rust) = unsafe {
        (
            run(c_heap::bindings::sgvmap_before, built, slots),
            run(rust_sgvmap_before, built, slots),
        )
    };
    assert_eq!(c, rust, "C before and Rust before disagree on {input:?}");
    assert!(
        c.slots[..c.written] == built.reference[..],
        "before: wrong pages on {input:?}"
    );
    assert_eq!(
        c.warnings as usize,
        built.reference.len().saturating_sub(n),
        "before: wrong warnings on {input:?}"
    );

    // The v1 loop, where it can run at all (it follows no end mark): the
    // first length >> PAGE_SHIFT pages of each entry, one warning if the
    // count is off.
    if let Some(v1_expected) = &built.v1_expected {
        let slots = v1_expected.len().max(n);
        // SAFETY: v1 stores exactly v1_expected.len() pages; the array holds them.
        let (c, rust) = unsafe {
            (
                run(c_heap::bindings::sgvmap_v1, built, slots),
                run(rust_sgvmap_v1, built, slots),
            )
        };
        assert_eq!(c, rust, "C v1 and Rust v1 disagree on {input:?}");
        assert!(
            c.slots[..c.written] == v1_expected[..],
            "v1: wrong pages on {input:?}"
        );
        assert_eq!(
            c.warnings,
            u32::from(v1_expected.len() != n),
            "v1: wrong warning on {input:?}"
        );
    }

    // A consistent buffer: all six give the iterator's array in exactly
    // npages slots.
    if built.valid {
        let all: [(&str, ConvertFn); 6] = [
            ("C before", c_heap::bindings::sgvmap_before),
            ("C v1", c_heap::bindings::sgvmap_v1),
            ("C bounded", c_heap::bindings::sgvmap_bounded),
            ("Rust before", rust_sgvmap_before),
            ("Rust v1", rust_sgvmap_v1),
            ("Rust bounded", rust_sgvmap_bounded),
        ];
        for (name, f) in all {
            // SAFETY: on a consistent buffer every conversion stores npages pages.
            let r = unsafe { run(f, built, n) };
            assert_eq!(
                (r.ret, r.written, r.warnings),
                (0, n, 0),
                "{name} on a valid table {input:?}"
            );
            assert!(
                r.slots == built.reference,
                "{name}: wrong pages on {input:?}"
            );
        }
    }
}

/// The target that must crash: the v1 loop as posted, given exactly the
/// `npages` slots `system_heap_do_vmap()` allocates. When the entries hold
/// more pages than that, it stores past the array, which AddressSanitizer
/// reports in `sgvmap_v1`. Without AddressSanitizer, only call this on
/// input for which [`v1_overflow`] is `None`.
pub fn run_v1_exact(data: &[u8]) {
    let Some(input) = TableInput::decode(data) else {
        return;
    };
    if input.end_at.is_some() {
        // v1 dereferences the missing entry: a NULL read, not the bug sought.
        return;
    }
    with_table(&input, |built| {
        if built.npages == 0 {
            // No buffer is empty, and an empty Vec has no allocation for
            // AddressSanitizer to guard: the store would be a plain SEGV.
            return;
        }
        // SAFETY: deliberately none: this is the stray store the fuzzer
        // must find; AddressSanitizer stops it at the first slot past the end.
        let r = unsafe { run(c_heap::bindings::sgvmap_v1, built, built.npages) };
        assert!(
            r.written <= built.npages,
            "v1 stored {} pages into {} slots and nothing caught it",
            r.written,
            built.npages
        );
    });
}

/// How many slots past `npages` the v1 loop stores for this input, measured
/// with guard slots (safe without AddressSanitizer); `None` if it stays in
/// bounds or cannot run.
pub fn v1_overflow(data: &[u8]) -> Option<usize> {
    let input = TableInput::decode(data)?;
    if input.end_at.is_some() {
        return None;
    }
    with_table(&input, |built| {
        let held = built.v1_expected.as_ref().map_or(0, Vec::len);
        // SAFETY: the array holds every page v1 stores.
        let r = unsafe { run(c_heap::bindings::sgvmap_v1, built, held.max(built.npages)) };
        let past = r.slots[built.npages..]
            .iter()
            .filter(|&&p| p != SENTINEL)
            .count();
        (past > 0).then_some(past)
    })?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_is_decodes_inverse() {
        let input = TableInput {
            max_ents: 5,
            partial: true,
            end_at: Some(2),
            npages_adjust: -300,
            entries: vec![
                EntrySpec {
                    order: 8,
                    offset: 3,
                    tail: 9
                };
                4
            ],
        };
        assert_eq!(TableInput::decode(&input.encode()), Some(input));
    }

    #[test]
    fn heap_layouts_pass_every_check() {
        for orders in [&[0u8][..], &[8, 8, 4, 4, 4, 0, 0, 0, 0, 0], &[8; 256]] {
            check_conversions(&TableInput::whole(orders).encode());
        }
    }

    #[test]
    fn a_short_buffer_makes_v1_overflow() {
        let mut input = TableInput::whole(&[8, 4, 0]);
        input.npages_adjust = -3;
        assert_eq!(v1_overflow(&input.encode()), Some(3));
        check_conversions(&input.encode());
    }

    #[test]
    fn partial_and_broken_tables_pass_every_check() {
        let mut input = TableInput::whole(&[8, 0, 4, 8, 0, 0, 4]);
        input.partial = true;
        input.entries[1].offset = 200;
        input.entries[3].tail = 40;
        input.max_ents = 3;
        check_conversions(&input.encode());
        input.end_at = Some(4);
        check_conversions(&input.encode());
        input.npages_adjust = 10;
        check_conversions(&input.encode());
    }
}
