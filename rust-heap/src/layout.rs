//! `#[repr(C)]` mirrors of the C types the conversions read and write.
//!
//! These must match the C compiler's layout for the same configuration;
//! `tests/abi.rs` proves it against bindgen and against `sizeof`/`offsetof`
//! reported by the C build itself.

use core::ffi::{c_uint, c_ulong};

/// The page shift of this build: the kernel's own in a kernel build
/// (`kernel::page::PAGE_SHIFT`: 12, 14 or 16 on arm64 as configured).
#[cfg(sgvmap_kernel)]
pub const PAGE_SHIFT: u32 = kernel::page::PAGE_SHIFT as u32;

/// The page shift of this build: in userspace, the C model's
/// (`SGM_PAGE_SHIFT`, 4K), so that the C ABI exports and the C model
/// agree on the tables they are both given. Everything that depends on
/// the page size also takes it as a const parameter (`const PAGE_SHIFT`
/// on the conversions and the page iterator,
/// `PageSource::PAGE_SHIFT`), which the tests run at 4K, 16K and 64K.
#[cfg(not(sgvmap_kernel))]
pub const PAGE_SHIFT: u32 = 12;

/// `1 << PAGE_SHIFT`.
pub const PAGE_SIZE: usize = page_size(PAGE_SHIFT);

/// The page sizes the userspace tests run the model at: 4K, 16K and 64K,
/// the sizes arm64 kernels are built with.
pub const TESTED_PAGE_SHIFTS: [u32; 3] = [12, 14, 16];

/// `1 << shift` bytes, for a shift some Linux architecture has (12..=18,
/// 4K to 256K). Code generic over the shift calls it in a const block
/// (`const { page_size(PAGE_SHIFT) }`), so that any other shift stops the
/// build instead of shifting by a nonsense amount.
///
/// ```
/// assert_eq!(const { rust_heap::layout::page_size(16) }, 64 << 10);
/// ```
///
/// ```compile_fail
/// let _ = const { rust_heap::layout::page_size(11) };
/// ```
pub const fn page_size(shift: u32) -> usize {
    assert!(
        shift >= 12 && shift <= 18,
        "no Linux page size has this shift"
    );
    1 << shift
}

/// `page_link` bit: this entry points at the next chunk of the table.
pub const SG_CHAIN: c_ulong = 0x1;
/// `page_link` bit: this entry is the table's last.
pub const SG_END: c_ulong = 0x2;
/// Both flag bits; the rest of `page_link` is the pointer.
pub const SG_PAGE_LINK_MASK: c_ulong = SG_CHAIN | SG_END;

/// In the kernel the page is the kernel's own `struct page`, whose size
/// depends on the configuration (56 bytes on UML's minimal KUnit config,
/// measured by the suite's layout case): `base_page + j` must step by it.
#[cfg(sgvmap_kernel)]
pub use kernel::bindings::page as Page;

/// The kernel's `struct page` as far as the conversions care: 64 bytes,
/// consecutive in the memmap for the pages of one allocation.
#[cfg(not(sgvmap_kernel))]
#[repr(C)]
#[derive(Debug, Default)]
pub struct Page {
    /// Page flags.
    pub flags: c_ulong,
    /// The page frame number (the model keeps it for checks).
    pub pfn: c_ulong,
    /// The rest of the 64 bytes.
    pub private_words: [c_ulong; 6],
}

/// The kernel's `struct scatterlist`.
#[repr(C)]
#[derive(Debug, Default)]
pub struct Scatterlist {
    /// Page pointer with `SG_CHAIN` / `SG_END` in its low bits.
    pub page_link: c_ulong,
    /// Byte offset of the data in the first page.
    pub offset: c_uint,
    /// Bytes of data.
    pub length: c_uint,
    /// Bus address once mapped.
    pub dma_address: u64,
    /// Mapped length (only with `CONFIG_NEED_SG_DMA_LENGTH`, as on arm64).
    #[cfg(feature = "dma-length")]
    pub dma_length: c_uint,
}

/// The kernel's `struct sg_table`.
#[repr(C)]
#[derive(Debug)]
pub struct SgTable {
    /// First entry.
    pub sgl: *mut Scatterlist,
    /// Entries after DMA mapping.
    pub nents: c_uint,
    /// Entries as allocated; what `for_each_sgtable_sg()` walks.
    pub orig_nents: c_uint,
}

/// Entries in one page-sized chunk of a chained table.
pub const SG_MAX_SINGLE_ALLOC: usize = PAGE_SIZE / core::mem::size_of::<Scatterlist>();

/// What a conversion reports besides the slots it filled (C's
/// `struct sgvmap_report`).
#[repr(C)]
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Report {
    /// Slots written ("tmp - pages").
    pub written: c_ulong,
    /// How often the WARN_ON condition held.
    pub warnings: c_uint,
}

/// The sizes and offsets this build of the Rust types has, in the shape of
/// C's `struct sgm_layout` (c-heap) and the kernel suite's copy of it, so
/// that C can check them against its own `sizeof`/`offsetof`.
#[repr(C)]
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct AbiLayout {
    /// `size_of::<Page>()`: the stride of `base_page + j`.
    pub page_size: usize,
    /// `size_of::<Scatterlist>()`.
    pub scatterlist_size: usize,
    /// `align_of::<Scatterlist>()`.
    pub scatterlist_align: usize,
    /// Offset of `page_link`.
    pub off_page_link: usize,
    /// Offset of `offset`.
    pub off_offset: usize,
    /// Offset of `length`.
    pub off_length: usize,
    /// Offset of `dma_address`.
    pub off_dma_address: usize,
    /// Offset of `dma_length`, `usize::MAX` without it.
    pub off_dma_length: usize,
    /// `size_of::<SgTable>()`.
    pub sg_table_size: usize,
    /// Offset of `sgl`.
    pub off_sgl: usize,
    /// Offset of `nents`.
    pub off_nents: usize,
    /// Offset of `orig_nents`.
    pub off_orig_nents: usize,
    /// Entries per chunk of a chained table.
    pub max_single_alloc: usize,
}

impl AbiLayout {
    /// This build's layout.
    pub fn of_this_build() -> AbiLayout {
        use core::mem::{align_of, offset_of, size_of};
        AbiLayout {
            page_size: size_of::<Page>(),
            scatterlist_size: size_of::<Scatterlist>(),
            scatterlist_align: align_of::<Scatterlist>(),
            off_page_link: offset_of!(Scatterlist, page_link),
            off_offset: offset_of!(Scatterlist, offset),
            off_length: offset_of!(Scatterlist, length),
            off_dma_address: offset_of!(Scatterlist, dma_address),
            #[cfg(feature = "dma-length")]
            off_dma_length: offset_of!(Scatterlist, dma_length),
            #[cfg(not(feature = "dma-length"))]
            off_dma_length: usize::MAX,
            sg_table_size: size_of::<SgTable>(),
            off_sgl: offset_of!(SgTable, sgl),
            off_nents: offset_of!(SgTable, nents),
            off_orig_nents: offset_of!(SgTable, orig_nents),
            max_single_alloc: SG_MAX_SINGLE_ALLOC,
        }
    }
}
