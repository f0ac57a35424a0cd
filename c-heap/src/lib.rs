//! The C model of `system_heap_do_vmap()`'s input and its conversions.
//!
//! [`bindings`] is bindgen's view of `include/sgvmap.h`. The owning types
//! below ([`Memmap`], [`Table`]) free what the C side allocated, and
//! [`Conversion`] names the C conversions so that tests and benchmarks can
//! run each of them on the same table.

#![warn(missing_docs)]

use std::fmt;
use std::ptr::{self, NonNull};

/// bindgen's output for `include/sgvmap.h`. Generated code is not ours
/// to document: its one unsafe block (the zeroed `Default` of a plain C
/// struct) carries no SAFETY line, so the workspace's unsafe lints stop
/// at this module.
#[allow(
    non_camel_case_types,
    non_upper_case_globals,
    non_snake_case,
    missing_docs,
    clippy::all,
    clippy::undocumented_unsafe_blocks,
    unsafe_op_in_unsafe_fn
)]
pub mod bindings {
    include!(concat!(env!("OUT_DIR"), "/bindings.rs"));
}

pub use bindings::{page, scatterlist, sg_table, sgm_layout, sgvmap_report};

/// The Rust conversions, rust-heap's `extern "C"` exports, declared as a C
/// caller declares them: with this header's types. They resolve only in a
/// program that links rust-heap in, and then the linker, not a cast,
/// connects the two sides, so the ABI is what tests and benchmarks use.
pub mod rust_side {
    use super::bindings::{page, sg_table, sgvmap_report};

    extern "C" {
        /// rust-heap's pre-patch walk.
        pub fn rust_sgvmap_before(
            t: *const sg_table,
            p: *mut *mut page,
            n: u32,
            r: *mut sgvmap_report,
        ) -> i32;
        /// rust-heap's v1 loop.
        pub fn rust_sgvmap_v1(
            t: *const sg_table,
            p: *mut *mut page,
            n: u32,
            r: *mut sgvmap_report,
        ) -> i32;
        /// rust-heap's bounded conversion.
        pub fn rust_sgvmap_bounded(
            t: *const sg_table,
            p: *mut *mut page,
            n: u32,
            r: *mut sgvmap_report,
        ) -> i32;
        /// rust-heap's store-loop floor.
        pub fn rust_sgvmap_floor(
            t: *const sg_table,
            p: *mut *mut page,
            n: u32,
            r: *mut sgvmap_report,
        ) -> i32;
    }
}

/// Size of a page in the model, in bytes.
pub const PAGE_SIZE: usize = bindings::SGM_PAGE_SIZE as usize;

/// The C compiler the model was built with (`cc --version`'s first line).
pub const CC_VERSION: &str = env!("C_HEAP_CC_VERSION");

/// The optimisation and code-generation flags it was built with.
pub const CFLAGS: &str = env!("C_HEAP_CFLAGS");

/// A C function with the conversions' common signature.
pub type ConvertFn =
    unsafe extern "C" fn(*const sg_table, *mut *mut page, u32, *mut sgvmap_report) -> i32;

/// The C conversions under study.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Conversion {
    /// The pre-patch `for_each_sgtable_page()` walk.
    Before,
    /// The v1 patch's per-entry loop, exactly as posted.
    V1,
    /// Per-entry, offset-aware, never writes past `npages`.
    Bounded,
    /// `npages` plain stores: what any conversion costs at least.
    Floor,
}

impl Conversion {
    /// Every conversion, in the order reports list them.
    pub const ALL: [Conversion; 4] = [
        Conversion::Before,
        Conversion::V1,
        Conversion::Bounded,
        Conversion::Floor,
    ];

    /// The C function behind this conversion.
    pub fn function(self) -> ConvertFn {
        match self {
            Conversion::Before => bindings::sgvmap_before,
            Conversion::V1 => bindings::sgvmap_v1,
            Conversion::Bounded => bindings::sgvmap_bounded,
            Conversion::Floor => bindings::sgvmap_floor,
        }
    }

    /// The name used in benchmark and KUnit figures (`impl=`).
    pub fn name(self) -> &'static str {
        match self {
            Conversion::Before => "before",
            Conversion::V1 => "v1",
            Conversion::Bounded => "bounded",
            Conversion::Floor => "floor",
        }
    }
}

/// What one conversion call returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// 0 or a negative errno.
    pub ret: i32,
    /// Slots the conversion says it wrote.
    pub written: u64,
    /// How often its WARN_ON condition held.
    pub warnings: u32,
}

/// Runs `f` on `table`, filling `slots`.
///
/// # Safety
/// `table` must be a valid table, and `slots` must be long enough for every
/// store `f` makes: the pre-patch walk and the v1 loop write as many pages
/// as the entries hold, whatever `npages` says.
pub unsafe fn convert_raw(
    f: ConvertFn,
    table: *const sg_table,
    slots: &mut [*mut page],
    npages: u32,
) -> Outcome {
    let mut report = sgvmap_report::default();
    // SAFETY: the caller vouches for `table` and for the slots' length.
    let ret = unsafe { f(table, slots.as_mut_ptr(), npages, &mut report) };
    Outcome {
        ret,
        written: report.written,
        warnings: report.warnings,
    }
}

/// The sizes and offsets the C compiler gave the model's types.
pub fn c_layout() -> sgm_layout {
    let mut layout = sgm_layout::default();
    // SAFETY: fills a caller-owned struct.
    unsafe { bindings::sgm_layout_get(&mut layout) };
    layout
}

/// Why the C model could not build what was asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelError {
    /// The memmap could not be created (size not a multiple of 1 MB, or no memory).
    Memmap {
        /// Pages asked for.
        npages: u64,
    },
    /// A C function returned a negative errno.
    Errno {
        /// The function that failed.
        call: &'static str,
        /// Its return value.
        errno: i32,
    },
}

impl fmt::Display for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ModelError::Memmap { npages } => write!(
                f,
                "cannot create a memmap of {npages} pages: expected a non-zero multiple of 256 pages (1 MB) that fits in memory"
            ),
            ModelError::Errno { call, errno } => write!(f, "{call} failed with errno {errno}"),
        }
    }
}

impl std::error::Error for ModelError {}

/// A simulated memmap; chunks of tables come from it.
pub struct Memmap {
    raw: NonNull<bindings::sgm_memmap>,
}

impl Memmap {
    /// A memmap of `npages` pages (a multiple of 256), shuffled by `seed`.
    pub fn new(npages: u64, seed: u64) -> Result<Memmap, ModelError> {
        // SAFETY: plain constructor; NULL is handled.
        let raw = unsafe { bindings::sgm_memmap_create(npages, seed) };
        NonNull::new(raw)
            .map(|raw| Memmap { raw })
            .ok_or(ModelError::Memmap { npages })
    }

    /// The first page of the memmap.
    pub fn base(&self) -> *mut page {
        // SAFETY: self.raw is live.
        unsafe { bindings::sgm_memmap_base(self.raw.as_ptr()) }
    }

    /// Pages in the memmap.
    pub fn pages(&self) -> u64 {
        // SAFETY: self.raw is live.
        unsafe { bindings::sgm_memmap_pages(self.raw.as_ptr()) }
    }

    /// Gives every page back (tables made before must not be used again).
    pub fn reset(&mut self) {
        // SAFETY: self.raw is live.
        unsafe { bindings::sgm_memmap_reset(self.raw.as_ptr()) }
    }

    /// One naturally aligned chunk of `1 << order` pages.
    pub fn take(&mut self, order: u32) -> Option<*mut page> {
        // SAFETY: self.raw is live.
        let page = unsafe { bindings::sgm_memmap_take(self.raw.as_ptr(), order) };
        (!page.is_null()).then_some(page)
    }

    /// The C memmap, for code that drives it through the C API itself.
    pub fn as_ptr(&self) -> *mut bindings::sgm_memmap {
        self.raw.as_ptr()
    }

    /// At most `chunks` more chunks of `order` (`u64::MAX`: no limit).
    pub fn limit_order(&mut self, order: u32, chunks: u64) {
        // SAFETY: self.raw is live.
        unsafe { bindings::sgm_memmap_limit_order(self.raw.as_ptr(), order, chunks) }
    }

    /// The next `attempts` attempts at `order` fail; later ones may not.
    pub fn fail_next(&mut self, order: u32, attempts: u64) {
        // SAFETY: self.raw is live.
        unsafe { bindings::sgm_memmap_fail_next(self.raw.as_ptr(), order, attempts) }
    }

    /// At most `pages` more pages in all (`u64::MAX`: no limit).
    pub fn limit_pages(&mut self, pages: u64) {
        // SAFETY: self.raw is live.
        unsafe { bindings::sgm_memmap_limit_pages(self.raw.as_ptr(), pages) }
    }

    /// A fatal signal once `chunks` more chunks are out.
    pub fn kill_after(&mut self, chunks: u64) {
        // SAFETY: self.raw is live.
        unsafe { bindings::sgm_memmap_kill_after(self.raw.as_ptr(), chunks) }
    }

    /// Pages handed out and not given back.
    pub fn outstanding(&self) -> u64 {
        // SAFETY: self.raw is live.
        unsafe { bindings::sgm_memmap_outstanding(self.raw.as_ptr()) }
    }

    /// Chunks given back that were not out, or not with that order.
    pub fn bad_frees(&self) -> u64 {
        // SAFETY: self.raw is live.
        unsafe { bindings::sgm_memmap_bad_frees(self.raw.as_ptr()) }
    }

    /// Gives back every chunk of a table [`Memmap::heap_alloc`] filled.
    pub fn heap_free(&mut self, table: Table) {
        let mut raw = table.raw;
        // The C call frees the entries too: the Table must not again.
        std::mem::forget(table);
        // SAFETY: self.raw is live; raw was filled by sgm_heap_alloc.
        unsafe { bindings::sgm_heap_free(self.raw.as_ptr(), &mut raw) }
    }

    /// A table for a buffer of `len` bytes, laid out as the system heap does.
    pub fn heap_alloc(&mut self, len: usize) -> Result<Table, ModelError> {
        let mut table = sg_table::default();
        // SAFETY: self.raw is live; table is caller-owned.
        let errno = unsafe { bindings::sgm_heap_alloc(self.raw.as_ptr(), len, &mut table) };
        if errno != 0 {
            return Err(ModelError::Errno {
                call: "sgm_heap_alloc",
                errno,
            });
        }
        Ok(Table {
            raw: table,
            max_ents: 0,
        })
    }
}

impl Drop for Memmap {
    fn drop(&mut self) {
        // SAFETY: created by sgm_memmap_create, destroyed once.
        unsafe { bindings::sgm_memmap_destroy(self.raw.as_ptr()) }
    }
}

/// An sg table allocated by the C model, chained as `sg_alloc_table()` chains.
pub struct Table {
    raw: sg_table,
    max_ents: u32,
}

impl Table {
    /// A table of `nents` empty entries, in chunks of `max_ents` entries
    /// (0: one page's worth, `SG_MAX_SINGLE_ALLOC`).
    pub fn alloc(nents: u32, max_ents: u32) -> Result<Table, ModelError> {
        let mut raw = sg_table::default();
        // SAFETY: raw is caller-owned.
        let errno = unsafe { bindings::sgm_table_alloc(&mut raw, nents, max_ents) };
        if errno != 0 {
            return Err(ModelError::Errno {
                call: "sgm_table_alloc",
                errno,
            });
        }
        Ok(Table { raw, max_ents })
    }

    /// A table with no entries at all (`sgl` is NULL).
    pub fn empty() -> Table {
        Table {
            raw: sg_table::default(),
            max_ents: 0,
        }
    }

    /// The C struct, for passing to a conversion.
    pub fn as_ptr(&self) -> *const sg_table {
        &self.raw
    }

    /// The C struct, for tests that change `orig_nents` on purpose.
    pub fn raw_mut(&mut self) -> &mut sg_table {
        &mut self.raw
    }

    /// Entries, as `orig_nents` says.
    pub fn orig_nents(&self) -> u32 {
        self.raw.orig_nents
    }

    /// The entries in chain order, following `sg_next()`.
    pub fn entries(&self) -> Vec<*mut scatterlist> {
        let mut out = Vec::with_capacity(self.raw.orig_nents as usize);
        let mut sg = self.raw.sgl;
        while !sg.is_null() && out.len() < self.raw.orig_nents as usize {
            out.push(sg);
            // SAFETY: sg is an entry of this table.
            sg = unsafe { bindings::sgm_next(sg) };
        }
        out
    }

    /// Sets the entries in chain order to `(page, length, offset)`; entries
    /// beyond the iterator keep what they had.
    pub fn fill(&mut self, chunks: impl IntoIterator<Item = (*mut page, u32, u32)>) {
        for (sg, (page, len, offset)) in self.entries().into_iter().zip(chunks) {
            // SAFETY: sg is an entry of this table.
            unsafe { bindings::sgm_set_page(sg, page, len, offset) };
        }
    }

    /// Pages the pre-patch walk yields, by index: the reference answer.
    pub fn reference_pages(&self) -> Vec<*mut page> {
        let mut out = Vec::new();
        for sg in self.entries() {
            // SAFETY: sg is an entry of this table.
            let (base, offset, length) =
                unsafe { (bindings::sgm_page(sg), (*sg).offset, (*sg).length) };
            let count = (u64::from(offset) + u64::from(length)).div_ceil(PAGE_SIZE as u64);
            for j in 0..count as usize {
                out.push(base.wrapping_add(j));
            }
        }
        out
    }
}

impl Drop for Table {
    fn drop(&mut self) {
        if !self.raw.sgl.is_null() {
            // SAFETY: allocated by sgm_table_alloc with this max_ents.
            unsafe { bindings::sgm_table_free(&mut self.raw, self.max_ents) };
        }
        self.raw.sgl = ptr::null_mut();
    }
}
