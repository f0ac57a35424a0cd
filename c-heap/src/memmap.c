// SPDX-License-Identifier: GPL-2.0
/*
 * A simulated memmap for the heap model: naturally aligned chunks of up
 * to order 8 carved from 1 MB blocks in a shuffled order, with the
 * accounting and the limits that let tests drive the heap's allocation
 * policy through exhaustion, fragmentation and fatal signals.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sgvmap.h"

/* The largest order the system heap asks for: 1 MB with 4 KB pages. */
#define SGM_BLOCK_ORDER	8
#define SGM_BLOCK_PAGES	BIT(SGM_BLOCK_ORDER)

/* Marks the head page of a chunk that is out; the order sits above it. */
#define SGM_PAGE_OUT		0x1UL
#define SGM_PAGE_ORDER_SHIFT	1

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
	/* Accounting: pages out, bad frees. */
	unsigned long outstanding;
	unsigned long bad_frees;
	/* Limits: chunks per order, pages in all, chunks until a kill. */
	unsigned long order_left[SGM_BLOCK_ORDER + 1];
	unsigned long order_fails[SGM_BLOCK_ORDER + 1];
	unsigned long pages_left;
	unsigned long kill_left;
};

static void lift_limits(struct sgm_memmap *mm)
{
	unsigned int order;

	for (order = 0; order <= SGM_BLOCK_ORDER; order++) {
		mm->order_left[order] = SGM_UNLIMITED;
		mm->order_fails[order] = 0;
	}
	mm->pages_left = SGM_UNLIMITED;
	mm->kill_left = SGM_UNLIMITED;
}

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
	lift_limits(mm);
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
	unsigned long i;

	for (i = 0; i < mm->npages; i++)
		mm->pages[i].flags = 0;
	mm->outstanding = 0;
	mm->bad_frees = 0;
	lift_limits(mm);
	mm->generation++;
	shuffle_blocks(mm);
}

void sgm_memmap_limit_order(struct sgm_memmap *mm, unsigned int order,
			    unsigned long chunks)
{
	if (order <= SGM_BLOCK_ORDER)
		mm->order_left[order] = chunks;
}

void sgm_memmap_fail_next(struct sgm_memmap *mm, unsigned int order,
			  unsigned long attempts)
{
	if (order <= SGM_BLOCK_ORDER)
		mm->order_fails[order] = attempts;
}

void sgm_memmap_limit_pages(struct sgm_memmap *mm, unsigned long pages)
{
	mm->pages_left = pages;
}

void sgm_memmap_kill_after(struct sgm_memmap *mm, unsigned long chunks)
{
	mm->kill_left = chunks;
}

int sgm_memmap_fatal_signal_pending(const struct sgm_memmap *mm)
{
	return mm->kill_left == 0;
}

unsigned long sgm_memmap_outstanding(const struct sgm_memmap *mm)
{
	return mm->outstanding;
}

unsigned long sgm_memmap_bad_frees(const struct sgm_memmap *mm)
{
	return mm->bad_frees;
}

static void count_down(unsigned long *left, unsigned long by)
{
	if (*left != SGM_UNLIMITED)
		*left -= by;
}

void sgm_memmap_give(struct sgm_memmap *mm, struct page *page,
		     unsigned int order)
{
	unsigned long want = SGM_PAGE_OUT | (order << SGM_PAGE_ORDER_SHIFT);

	if (page < mm->pages || page >= mm->pages + mm->npages ||
	    page->flags != want) {
		mm->bad_frees++;
		return;
	}
	page->flags = 0;
	mm->outstanding -= 1UL << order;
}

static struct page *take_block(struct sgm_memmap *mm)
{
	if (mm->next_block >= mm->nblocks)
		return NULL;
	return &mm->pages[mm->block_order[mm->next_block++] * SGM_BLOCK_PAGES];
}

static struct page *carve(struct sgm_memmap *mm, unsigned int order)
{
	unsigned long want, start;
	struct page *block;

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

struct page *sgm_memmap_take(struct sgm_memmap *mm, unsigned int order)
{
	struct page *page;

	if (order > SGM_BLOCK_ORDER || !mm->order_left[order] ||
	    mm->pages_left < (1UL << order))
		return NULL;
	if (mm->order_fails[order]) {
		mm->order_fails[order]--;
		return NULL;
	}
	page = carve(mm, order);
	if (!page)
		return NULL;
	page->flags = SGM_PAGE_OUT | (order << SGM_PAGE_ORDER_SHIFT);
	mm->outstanding += 1UL << order;
	count_down(&mm->order_left[order], 1);
	count_down(&mm->pages_left, 1UL << order);
	count_down(&mm->kill_left, 1);
	return page;
}
