//! The Rust mirrors have the C compiler's layout, checked three ways: the
//! Rust types, bindgen's view of the header, and sizeof/offsetof as the C
//! build itself reports them.

use std::ffi::c_uint;
use std::mem::{align_of, offset_of, size_of};

use c_heap::bindings;
use rust_heap::alloc::HEAP_ORDERS;
use rust_heap::layout::{self, Page, Report, Scatterlist, SgTable};

/// UML's minimal config has no dma_length (24 bytes); arm64 has it (32),
/// as measured on 6.12.117.
const EXPECTED_SCATTERLIST_SIZE: usize = if cfg!(feature = "dma-length") { 32 } else { 24 };

#[test]
fn scatterlist_layout_matches_bindgen_and_the_c_compiler() {
    let c = c_heap::c_layout();
    assert_eq!(size_of::<Scatterlist>(), EXPECTED_SCATTERLIST_SIZE);
    assert_eq!(size_of::<Scatterlist>(), size_of::<bindings::scatterlist>());
    assert_eq!(size_of::<Scatterlist>(), c.scatterlist_size);
    assert_eq!(
        align_of::<Scatterlist>(),
        align_of::<bindings::scatterlist>()
    );
    assert_eq!(align_of::<Scatterlist>(), c.scatterlist_align);

    let fields = [
        (
            "page_link",
            offset_of!(Scatterlist, page_link),
            offset_of!(bindings::scatterlist, page_link),
            c.off_page_link,
        ),
        (
            "offset",
            offset_of!(Scatterlist, offset),
            offset_of!(bindings::scatterlist, offset),
            c.off_offset,
        ),
        (
            "length",
            offset_of!(Scatterlist, length),
            offset_of!(bindings::scatterlist, length),
            c.off_length,
        ),
        (
            "dma_address",
            offset_of!(Scatterlist, dma_address),
            offset_of!(bindings::scatterlist, dma_address),
            c.off_dma_address,
        ),
    ];
    for (name, rust, bindgen, from_c) in fields {
        assert_eq!(rust, bindgen, "scatterlist.{name}: Rust vs bindgen");
        assert_eq!(rust, from_c, "scatterlist.{name}: Rust vs the C compiler");
    }
}

#[cfg(feature = "dma-length")]
#[test]
fn dma_length_is_where_c_puts_it() {
    let c = c_heap::c_layout();
    assert_eq!(
        offset_of!(Scatterlist, dma_length),
        offset_of!(bindings::scatterlist, dma_length)
    );
    assert_eq!(offset_of!(Scatterlist, dma_length), c.off_dma_length);
}

#[cfg(not(feature = "dma-length"))]
#[test]
fn c_build_has_no_dma_length_either() {
    assert_eq!(c_heap::c_layout().off_dma_length, usize::MAX);
}

#[test]
fn sg_table_and_page_layouts_match() {
    let c = c_heap::c_layout();
    assert_eq!(size_of::<Page>(), 64);
    assert_eq!(size_of::<Page>(), size_of::<bindings::page>());
    assert_eq!(size_of::<Page>(), c.page_size);

    assert_eq!(size_of::<SgTable>(), size_of::<bindings::sg_table>());
    assert_eq!(size_of::<SgTable>(), c.sg_table_size);
    assert_eq!(align_of::<SgTable>(), align_of::<bindings::sg_table>());
    assert_eq!(offset_of!(SgTable, sgl), c.off_sgl);
    assert_eq!(offset_of!(SgTable, nents), c.off_nents);
    assert_eq!(offset_of!(SgTable, orig_nents), c.off_orig_nents);
    assert_eq!(
        offset_of!(SgTable, sgl),
        offset_of!(bindings::sg_table, sgl)
    );
    assert_eq!(
        offset_of!(SgTable, nents),
        offset_of!(bindings::sg_table, nents)
    );
    assert_eq!(
        offset_of!(SgTable, orig_nents),
        offset_of!(bindings::sg_table, orig_nents)
    );
}

#[test]
fn report_layout_matches() {
    assert_eq!(size_of::<Report>(), size_of::<bindings::sgvmap_report>());
    assert_eq!(align_of::<Report>(), align_of::<bindings::sgvmap_report>());
    assert_eq!(
        offset_of!(Report, written),
        offset_of!(bindings::sgvmap_report, written)
    );
    assert_eq!(
        offset_of!(Report, warnings),
        offset_of!(bindings::sgvmap_report, warnings)
    );
}

#[test]
fn constants_match() {
    assert_eq!(layout::SG_CHAIN, bindings::SG_CHAIN as _);
    assert_eq!(layout::SG_END, bindings::SG_END as _);
    assert_eq!(layout::PAGE_SHIFT, bindings::SGM_PAGE_SHIFT);
    assert_eq!(layout::PAGE_SIZE, c_heap::PAGE_SIZE);
    assert_eq!(
        layout::SG_MAX_SINGLE_ALLOC,
        c_heap::c_layout().max_single_alloc
    );
    // 4096 / 24 and 4096 / 32: chained tables start at a different length.
    let expected = if cfg!(feature = "dma-length") {
        128
    } else {
        170
    };
    assert_eq!(layout::SG_MAX_SINGLE_ALLOC, expected);
}

// The page size the exports run at is the C model's, and rust-heap's
// orders are c-heap's header's: both checked when this file compiles, so
// a change on either side stops the tests from building.
const _: () = assert!(layout::PAGE_SHIFT == bindings::SGM_PAGE_SHIFT);
const _: () = {
    let c = [
        bindings::SGM_HEAP_ORDER_0,
        bindings::SGM_HEAP_ORDER_1,
        bindings::SGM_HEAP_ORDER_2,
    ];
    assert!(HEAP_ORDERS.len() == bindings::SGM_HEAP_NUM_ORDERS as usize);
    assert!(HEAP_ORDERS.len() == c.len());
    let mut i = 0;
    while i < c.len() {
        assert!(
            HEAP_ORDERS[i] == c[i],
            "rust-heap's HEAP_ORDERS differ from sgvmap.h's"
        );
        i += 1;
    }
};

/// The C array the C policy reads holds the header's values.
#[test]
fn c_orders_array_holds_the_header_values() {
    // SAFETY: a const array defined in heap.c, never written.
    let orders = unsafe { bindings::sgm_heap_orders };
    assert_eq!(orders, HEAP_ORDERS);
}

// The exports have the header's signature, parameter by parameter: each
// parameter type is one whose layout the tests above prove equal. A change
// on either side stops this file from compiling.
type RustSig = unsafe extern "C" fn(*const SgTable, *mut *mut Page, c_uint, *mut Report) -> i32;
const _: [RustSig; 4] = [
    rust_heap::ffi::rust_sgvmap_before,
    rust_heap::ffi::rust_sgvmap_v1,
    rust_heap::ffi::rust_sgvmap_bounded,
    rust_heap::ffi::rust_sgvmap_floor,
];
const _: [bindings::sgvmap_convert_fn; 4] = [
    Some(bindings::sgvmap_before),
    Some(bindings::sgvmap_v1),
    Some(bindings::sgvmap_bounded),
    Some(bindings::sgvmap_floor),
];

/// The layout the Rust build reports through its C export is the one the
/// C compiler gives the same types, field by field.
#[test]
fn exported_layout_matches_the_c_build() {
    let c = c_heap::c_layout();
    let mut rust = rust_heap::layout::AbiLayout::default();
    // SAFETY: `rust` is a live local, valid for the one write the
    // export makes.
    unsafe { rust_heap::ffi::rust_sgvmap_layout(&mut rust) };
    assert_eq!(
        (
            rust.page_size,
            rust.scatterlist_size,
            rust.scatterlist_align
        ),
        (c.page_size, c.scatterlist_size, c.scatterlist_align)
    );
    assert_eq!(
        (
            rust.off_page_link,
            rust.off_offset,
            rust.off_length,
            rust.off_dma_address,
            rust.off_dma_length
        ),
        (
            c.off_page_link,
            c.off_offset,
            c.off_length,
            c.off_dma_address,
            c.off_dma_length
        )
    );
    assert_eq!(
        (
            rust.sg_table_size,
            rust.off_sgl,
            rust.off_nents,
            rust.off_orig_nents,
            rust.max_single_alloc
        ),
        (
            c.sg_table_size,
            c.off_sgl,
            c.off_nents,
            c.off_orig_nents,
            c.max_single_alloc
        )
    );
    assert_eq!(
        std::mem::size_of::<rust_heap::layout::AbiLayout>(),
        std::mem::size_of::<c_heap::sgm_layout>()
    );
}
