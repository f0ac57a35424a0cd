/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The C view of system_heap_rust.rs: the Rust conversion core with the C
 * conversions' signature, the sizes and offsets of its mirrors, and the
 * two halves of the "system-rust" heap: what Rust exports to the shim's
 * ops tables, and the shim's wrappers that Rust calls.
 */
#ifndef SYSTEM_HEAP_RUST_H
#define SYSTEM_HEAP_RUST_H

#include <linux/scatterlist.h>
#include <linux/types.h>

struct sgvmap_report;
struct device;
struct dma_buf;
struct vm_area_struct;

int rust_sgvmap_bounded(const struct sg_table *table, struct page **pages,
			unsigned int npages, struct sgvmap_report *report);
int rust_sgvmap_v1(const struct sg_table *table, struct page **pages,
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

/*
 * The Rust heap's own view of the C values it relies on, for the layout
 * case to compare with C: the orders it allocates in and the number of
 * them.
 */
struct srh_rust_consts {
	unsigned int num_orders;
	unsigned int orders[3];
};

void rust_heap_consts(struct srh_rust_consts *consts);

/* Implemented in Rust (system_rust_heap.rs), called by the shim's ops. */
int rust_heap_allocate(unsigned long len, u32 fd_flags, u64 heap_flags,
		       struct dma_buf **out);
void rust_heap_release(void *buffer);
int rust_heap_attach(void *buffer, struct device *dev, void **attachment);
void rust_heap_detach(void *buffer, void *attachment);
int rust_heap_map(void *attachment, int direction, struct sg_table **table);
void rust_heap_unmap(void *attachment, int direction);
int rust_heap_begin_cpu_access(void *buffer, int direction);
int rust_heap_end_cpu_access(void *buffer, int direction);
int rust_heap_mmap(void *buffer, struct vm_area_struct *vma,
		   unsigned long start, unsigned long end,
		   unsigned long pgoff);
int rust_heap_vmap(void *buffer, void **vaddr);
void rust_heap_vunmap(void *buffer);
/* The buffer's table, for the KUnit suite's checks. */
const struct sg_table *rust_heap_table(void *buffer);

/*
 * What the buffer's lock protects, read under it, for the KUnit suite to
 * compare with C's struct system_heap_buffer.
 */
struct srh_rust_state {
	int vmap_cnt;
	unsigned int attachments;
	void *vaddr;
};

void rust_heap_state(void *buffer, struct srh_rust_state *state);

/* Implemented in C (system_heap_rust_shim.c), called by Rust. */
unsigned int srh_num_orders(void);
unsigned int srh_order(unsigned int index);
struct page *srh_alloc_chunk(unsigned int index);
void srh_free_chunk(struct page *page, unsigned int order);
bool srh_fatal_signal_pending(void);
void srh_set_next(struct page *page, struct page *next);
struct page *srh_next(struct page *page);
unsigned int srh_compound_order(struct page *page);
int srh_sg_alloc_table(struct sg_table *table, unsigned int nents);
void srh_sg_free_table(struct sg_table *table);
void srh_sg_set_page(struct scatterlist *sg, struct page *page,
		     unsigned int len, unsigned int offset);
void *srh_vmap(struct page **pages, unsigned int count);
#ifdef CONFIG_DMABUF_HEAPS_SYSTEM_VMAP_SG
/* Only where the tree has vmap_sg(): see system_heap_rust_shim.c. */
void *srh_vmap_table(struct sg_table *table);
#endif
void srh_vunmap(const void *vaddr);
int srh_dma_map(struct device *dev, struct sg_table *table, int direction);
void srh_dma_unmap(struct device *dev, struct sg_table *table, int direction);
void srh_dma_sync_for_cpu(struct device *dev, struct sg_table *table,
			  int direction);
void srh_dma_sync_for_device(struct device *dev, struct sg_table *table,
			     int direction);
void srh_invalidate_vmap(void *vaddr, unsigned long len);
void srh_flush_vmap(void *vaddr, unsigned long len);
int srh_remap_page(struct vm_area_struct *vma, unsigned long addr,
		   struct page *page);
struct dma_buf *srh_export(void *buffer, unsigned long len, u32 fd_flags);
long srh_err(const void *ptr);

#endif /* SYSTEM_HEAP_RUST_H */
