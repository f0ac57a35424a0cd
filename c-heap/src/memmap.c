// SPDX-License-Identifier: GPL-2.0
/*
 * A simulated memmap and the system heap's allocation pattern on top of
 * it: chunks of order 8, 4 and 0, the largest that still fits first.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sgvmap.h"

/* The largest order the system heap asks for: 1 MB with 4 KB pages. */
#define SGM_BLOCK_ORDER	8
#define SGM_BLOCK_PAGES	BIT(SGM_BLOCK_ORDER)

static const unsigned int heap_orders[] = { 8, 4, 0 };

struct sgm_memmap {
	struct page *pages;
	unsigned long npages;
	unsigned long nblocks;
	/* Blocks in the order they are handed out. */
	unsigned long *block_order;
	unsigned long next_block;
	/* The block that small chunks are carved from, and its fill level. */
	unsigned long partial_block;
	unsigned long partial_used;
	int have_partial;
	u64 seed;
	u64 generation;
};

/* splitmix64: a small, well-mixed generator; reproducible per seed. */
static u64 next_random(u64 *state)
{
	u64 z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void shuffle_blocks(struct sgm_memmap *mm)
{
	u64 state = mm->seed ^ (mm->generation * 0xd1b54a32d192ed03ULL);
	unsigned long i;

	for (i = 0; i < mm->nblocks; i++)
		mm->block_order[i] = i;
	/* Fisher-Yates */
	for (i = mm->nblocks; i > 1; i--) {
		unsigned long j = next_random(&state) % i;
		unsigned long tmp = mm->block_order[i - 1];

		mm->block_order[i - 1] = mm->block_order[j];
		mm->block_order[j] = tmp;
	}
	mm->next_block = 0;
	mm->have_partial = 0;
}

struct sgm_memmap *sgm_memmap_create(unsigned long npages, u64 seed)
{
	struct sgm_memmap *mm;
	unsigned long i;

	if (!npages || npages % SGM_BLOCK_PAGES)
		return NULL;
	mm = calloc(1, sizeof(*mm));
	if (!mm)
		return NULL;
	mm->npages = npages;
	mm->nblocks = npages / SGM_BLOCK_PAGES;
	mm->seed = seed;
	/* 64-byte aligned, like a real memmap, so page_link's low bits are free. */
	mm->pages = aligned_alloc(64, npages * sizeof(struct page));
	mm->block_order = calloc(mm->nblocks, sizeof(*mm->block_order));
	if (!mm->pages || !mm->block_order) {
		sgm_memmap_destroy(mm);
		return NULL;
	}
	memset(mm->pages, 0, npages * sizeof(struct page));
	for (i = 0; i < npages; i++)
		mm->pages[i].pfn = i;
	shuffle_blocks(mm);
	return mm;
}

void sgm_memmap_destroy(struct sgm_memmap *mm)
{
	if (!mm)
		return;
	free(mm->pages);
	free(mm->block_order);
	free(mm);
}

struct page *sgm_memmap_base(const struct sgm_memmap *mm)
{
	return mm->pages;
}

unsigned long sgm_memmap_pages(const struct sgm_memmap *mm)
{
	return mm->npages;
}

void sgm_memmap_reset(struct sgm_memmap *mm)
{
	mm->generation++;
	shuffle_blocks(mm);
}

static struct page *take_block(struct sgm_memmap *mm)
{
	if (mm->next_block >= mm->nblocks)
		return NULL;
	return &mm->pages[mm->block_order[mm->next_block++] * SGM_BLOCK_PAGES];
}

struct page *sgm_memmap_take(struct sgm_memmap *mm, unsigned int order)
{
	unsigned long want, start;
	struct page *block;

	if (order > SGM_BLOCK_ORDER)
		return NULL;
	if (order == SGM_BLOCK_ORDER)
		return take_block(mm);

	want = 1UL << order;
	/* Natural alignment inside the block, as the buddy allocator gives. */
	start = (mm->partial_used + want - 1) & ~(want - 1);
	if (!mm->have_partial || start + want > SGM_BLOCK_PAGES) {
		block = take_block(mm);
		if (!block)
			return NULL;
		mm->partial_block = block - mm->pages;
		mm->have_partial = 1;
		start = 0;
	}
	mm->partial_used = start + want;
	return &mm->pages[mm->partial_block + start];
}

static unsigned int order_for(size_t remaining)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(heap_orders); i++)
		if (remaining >= (SGM_PAGE_SIZE << heap_orders[i]))
			return heap_orders[i];
	return 0;
}

int sgm_heap_alloc(struct sgm_memmap *mm, size_t len, struct sg_table *table)
{
	unsigned int nents = 0;
	struct scatterlist *sg;
	size_t remaining;
	int ret;

	memset(table, 0, sizeof(*table));
	if (!len || len % SGM_PAGE_SIZE || len / SGM_PAGE_SIZE > mm->npages)
		return -EINVAL;

	for (remaining = len; remaining; nents++)
		remaining -= SGM_PAGE_SIZE << order_for(remaining);

	ret = sgm_table_alloc(table, nents, 0);
	if (ret)
		return ret;

	remaining = len;
	for (sg = table->sgl; sg && remaining; sg = sgm_next(sg)) {
		unsigned int order = order_for(remaining);
		struct page *page = sgm_memmap_take(mm, order);

		if (!page) {
			sgm_table_free(table, 0);
			return -ENOMEM;
		}
		sgm_set_page(sg, page, SGM_PAGE_SIZE << order, 0);
		remaining -= SGM_PAGE_SIZE << order;
	}
	return 0;
}
