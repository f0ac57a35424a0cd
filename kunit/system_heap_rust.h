/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The C view of system_heap_rust.rs: the Rust conversion core with the C
 * conversions' signature, and the sizes and offsets of its mirrors.
 */
#ifndef SYSTEM_HEAP_RUST_H
#define SYSTEM_HEAP_RUST_H

#include <linux/scatterlist.h>
#include <linux/types.h>

struct sgvmap_report;

int rust_sgvmap_bounded(const struct sg_table *table, struct page **pages,
			unsigned int npages, struct sgvmap_report *report);

/* Field for field rust-heap's AbiLayout. */
struct sgvmap_rust_layout {
	size_t page_size;
	size_t scatterlist_size;
	size_t scatterlist_align;
	size_t off_page_link;
	size_t off_offset;
	size_t off_length;
	size_t off_dma_address;
	size_t off_dma_length;
	size_t sg_table_size;
	size_t off_sgl;
	size_t off_nents;
	size_t off_orig_nents;
	size_t max_single_alloc;
};

void rust_sgvmap_layout(struct sgvmap_rust_layout *layout);

#endif /* SYSTEM_HEAP_RUST_H */
