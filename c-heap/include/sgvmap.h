/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A userspace model of what system_heap_do_vmap() works on: the memmap's
 * struct page, scatterlists with the kernel's page_link encoding, chained
 * sg tables, and the three sg_table-to-pages conversions under study.
 *
 * The layout follows Linux 6.12: struct scatterlist is 24 bytes without
 * CONFIG_NEED_SG_DMA_LENGTH (UML) and 32 bytes with it (arm64).
 */
#ifndef SGVMAP_H
#define SGVMAP_H

#include <stddef.h>
#include <stdint.h>

#include "kcompat.h"

#define SGM_PAGE_SHIFT	12
#define SGM_PAGE_SIZE	(1UL << SGM_PAGE_SHIFT)

/*
 * Low bits of page_link, as in include/linux/scatterlist.h. Plain literals,
 * not BIT(), so that bindgen can evaluate them.
 */
#define SG_CHAIN	0x01UL
#define SG_END		0x02UL
#define SG_PAGE_LINK_MASK	(SG_CHAIN | SG_END)

/*
 * The kernel's struct page is 64 bytes on 64-bit builds and the pages of
 * one high-order allocation are consecutive in the memmap, which is what
 * lets the v1 loop compute "base_page + j".
 */
struct page {
	unsigned long flags;
	unsigned long pfn;
	unsigned long private_words[6];
};

#define dma_addr_t u64

struct scatterlist {
	unsigned long page_link;
	unsigned int offset;
	unsigned int length;
	dma_addr_t dma_address;
#ifdef CONFIG_NEED_SG_DMA_LENGTH
	unsigned int dma_length;
#endif
};

struct sg_table {
	struct scatterlist *sgl;
	unsigned int nents;
	unsigned int orig_nents;
};

/* Entries in one page-sized chunk of a chained table. */
#define SG_MAX_SINGLE_ALLOC	(SGM_PAGE_SIZE / sizeof(struct scatterlist))

/* What a conversion reports besides the slots it filled. */
struct sgvmap_report {
	/* Slots written, i.e. "tmp - pages" when the conversion returned. */
	unsigned long written;
	/* How often the conversion's WARN_ON condition was true. */
	unsigned int warnings;
};

/*
 * The sizes and offsets this translation unit was compiled with, so that
 * other languages can check their mirrors against the C compiler itself.
 */
struct sgm_layout {
	size_t page_size;
	size_t scatterlist_size;
	size_t scatterlist_align;
	size_t off_page_link;
	size_t off_offset;
	size_t off_length;
	size_t off_dma_address;
	/* (size_t)-1 when the build has no dma_length. */
	size_t off_dma_length;
	size_t sg_table_size;
	size_t off_sgl;
	size_t off_nents;
	size_t off_orig_nents;
	size_t max_single_alloc;
};

void sgm_layout_get(struct sgm_layout *layout);

/* scatterlist helpers with the semantics of include/linux/scatterlist.h */
struct page *sgm_page(const struct scatterlist *sg);
int sgm_is_chain(const struct scatterlist *sg);
int sgm_is_last(const struct scatterlist *sg);
struct scatterlist *sgm_next(const struct scatterlist *sg);
void sgm_set_page(struct scatterlist *sg, struct page *page,
		  unsigned int len, unsigned int offset);

/*
 * Allocates a table of @nents entries, chained in chunks of
 * @max_ents entries (0 means SG_MAX_SINGLE_ALLOC) as sg_alloc_table()
 * does. Returns 0 or -EINVAL / -ENOMEM.
 */
int sgm_table_alloc(struct sg_table *table, unsigned int nents,
		    unsigned int max_ents);
/* Frees a table made by sgm_table_alloc() with the same @max_ents. */
void sgm_table_free(struct sg_table *table, unsigned int max_ents);

/*
 * A simulated memmap from which the heap model takes its chunks. Chunks
 * come from 1 MB blocks handed out in a shuffled order, so consecutive
 * entries of a table are not physically adjacent, as on a real machine.
 */
struct sgm_memmap;

struct sgm_memmap *sgm_memmap_create(unsigned long npages, u64 seed);
void sgm_memmap_destroy(struct sgm_memmap *mm);
struct page *sgm_memmap_base(const struct sgm_memmap *mm);
unsigned long sgm_memmap_pages(const struct sgm_memmap *mm);
/* Gives every page back; the shuffled block order is drawn again. */
void sgm_memmap_reset(struct sgm_memmap *mm);
/* One naturally aligned chunk of 1 << order pages, or NULL. */
struct page *sgm_memmap_take(struct sgm_memmap *mm, unsigned int order);
/*
 * Gives back a chunk sgm_memmap_take() handed out. A chunk given back
 * twice, or with another order than it was taken with, is counted, not
 * trusted (see sgm_memmap_bad_frees()).
 */
void sgm_memmap_give(struct sgm_memmap *mm, struct page *page,
		     unsigned int order);
/* Pages handed out and not given back. */
unsigned long sgm_memmap_outstanding(const struct sgm_memmap *mm);
/* Chunks given back that were not out, or not with that order. */
unsigned long sgm_memmap_bad_frees(const struct sgm_memmap *mm);

/*
 * The states a real machine reaches, for driving the heap's allocation
 * policy through them. SGM_UNLIMITED lifts a limit; sgm_memmap_reset()
 * lifts them all.
 */
#define SGM_UNLIMITED	(~0UL)
/* At most @chunks more chunks of @order are handed out. */
void sgm_memmap_limit_order(struct sgm_memmap *mm, unsigned int order,
			    unsigned long chunks);
/*
 * The next @attempts attempts at @order fail, then it can be had again, as
 * when the buddy allocator has none for a moment and compaction or reclaim
 * makes one later.
 */
void sgm_memmap_fail_next(struct sgm_memmap *mm, unsigned int order,
			  unsigned long attempts);
/* At most @pages more pages in all. */
void sgm_memmap_limit_pages(struct sgm_memmap *mm, unsigned long pages);
/* The allocating task takes a fatal signal once @chunks more are out. */
void sgm_memmap_kill_after(struct sgm_memmap *mm, unsigned long chunks);
/* fatal_signal_pending(current), as the model has it. */
int sgm_memmap_fatal_signal_pending(const struct sgm_memmap *mm);

/*
 * The orders the system heap allocates in, largest first: orders[] of
 * Linux 6.12's system_heap.c. One plain macro each, so that bindgen hands
 * the values to Rust: rust-heap/tests/abi.rs holds rust-heap's
 * HEAP_ORDERS equal to them with a const assertion, at compile time.
 */
#define SGM_HEAP_ORDER_0	8
#define SGM_HEAP_ORDER_1	4
#define SGM_HEAP_ORDER_2	0
#define SGM_HEAP_NUM_ORDERS	3
extern const unsigned int sgm_heap_orders[SGM_HEAP_NUM_ORDERS];

/*
 * system_heap_allocate()'s policy on the model: for what is left of
 * @len, the largest of orders 8, 4 and 0 that fits, is not above the
 * order of the chunk before (the largest order only drops) and can be
 * had; a fatal signal between chunks stops it. Fills @table with one
 * entry per chunk. Returns 0, -EINVAL for a length that is zero or not a
 * page multiple, -ENOMEM when the memmap cannot give a chunk or the table
 * cannot be allocated, -EINTR on a fatal signal. On any error every chunk
 * taken is given back and @table is left empty.
 */
int sgm_heap_alloc(struct sgm_memmap *mm, size_t len, struct sg_table *table);
/* Gives back every chunk of a table sgm_heap_alloc() filled, and the table. */
void sgm_heap_free(struct sgm_memmap *mm, struct sg_table *table);

/*
 * The conversions. All share one signature so that the C and the Rust
 * implementations can be linked behind it. They fill @pages from @table
 * for a buffer of @npages pages and return 0 or a negative errno.
 */
typedef int (*sgvmap_convert_fn)(const struct sg_table *table,
				 struct page **pages, unsigned int npages,
				 struct sgvmap_report *report);

/* Pre-patch: for_each_sgtable_page() with WARN_ON(tmp - pages >= npages). */
int sgvmap_before(const struct sg_table *table, struct page **pages,
		  unsigned int npages, struct sgvmap_report *report);
/* The v1 patch as posted: per entry, length >> PAGE_SHIFT, WARN after. */
int sgvmap_v1(const struct sg_table *table, struct page **pages,
	      unsigned int npages, struct sgvmap_report *report);
/*
 * Per entry like v1 but counting pages as the page iterator does and
 * never writing past @npages: -E2BIG when the entries hold more pages,
 * -ENODATA when they hold fewer, -EINVAL when the chain ends early.
 */
int sgvmap_bounded(const struct sg_table *table, struct page **pages,
		   unsigned int npages, struct sgvmap_report *report);
/*
 * @npages plain pointer stores, no table walk at all: the store-loop
 * candidate for the floor, which is the fastest of it, memset and memcpy.
 */
int sgvmap_floor(const struct sg_table *table, struct page **pages,
		 unsigned int npages, struct sgvmap_report *report);

#endif /* SGVMAP_H */
