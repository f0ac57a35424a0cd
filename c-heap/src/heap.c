// SPDX-License-Identifier: GPL-2.0
/*
 * The system heap's allocation policy (system_heap_allocate() and
 * alloc_largest_available() in drivers/dma-buf/heaps/system_heap.c of
 * Linux 6.12) on the simulated memmap. The kernel threads the chunks on a
 * list through page->lru before it knows how many entries the table needs;
 * the model keeps them in an array sized for the worst case instead.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sgvmap.h"

const unsigned int sgm_heap_orders[SGM_HEAP_NUM_ORDERS] = {
	SGM_HEAP_ORDER_0, SGM_HEAP_ORDER_1, SGM_HEAP_ORDER_2
};

struct heap_chunk {
	struct page *page;
	unsigned int order;
};

/*
 * The largest order that fits in @size, is not above @max_order and can
 * be had; NULL when none can. Every order is tried in turn, as the kernel
 * does: a failed order-8 allocation falls through to order 4.
 */
static struct page *alloc_largest_available(struct sgm_memmap *mm,
					    size_t size,
					    unsigned int max_order,
					    unsigned int *order)
{
	unsigned int i;

	for (i = 0; i < SGM_HEAP_NUM_ORDERS; i++) {
		struct page *page;

		if (size < (SGM_PAGE_SIZE << sgm_heap_orders[i]))
			continue;
		if (max_order < sgm_heap_orders[i])
			continue;
		page = sgm_memmap_take(mm, sgm_heap_orders[i]);
		if (!page)
			continue;
		*order = sgm_heap_orders[i];
		return page;
	}
	return NULL;
}

int sgm_heap_alloc(struct sgm_memmap *mm, size_t len, struct sg_table *table)
{
	unsigned int max_order = sgm_heap_orders[0];
	struct heap_chunk *chunks;
	size_t remaining = len;
	struct scatterlist *sg;
	unsigned long n = 0, i;
	int ret = -ENOMEM;

	memset(table, 0, sizeof(*table));
	/* dma_heap_buffer_alloc() page-aligns and refuses zero first. */
	if (!len || len % SGM_PAGE_SIZE)
		return -EINVAL;
	chunks = calloc(len / SGM_PAGE_SIZE, sizeof(*chunks));
	if (!chunks)
		return -ENOMEM;

	while (remaining) {
		if (sgm_memmap_fatal_signal_pending(mm)) {
			ret = -EINTR;
			goto give_back;
		}
		chunks[n].page = alloc_largest_available(mm, remaining,
							 max_order,
							 &chunks[n].order);
		if (!chunks[n].page)
			goto give_back;
		remaining -= SGM_PAGE_SIZE << chunks[n].order;
		max_order = chunks[n].order;
		n++;
	}

	if (sgm_table_alloc(table, n, 0))
		goto give_back;
	for (i = 0, sg = table->sgl; i < n; i++, sg = sgm_next(sg))
		sgm_set_page(sg, chunks[i].page,
			     SGM_PAGE_SIZE << chunks[i].order, 0);
	free(chunks);
	return 0;

give_back:
	for (i = 0; i < n; i++)
		sgm_memmap_give(mm, chunks[i].page, chunks[i].order);
	free(chunks);
	memset(table, 0, sizeof(*table));
	return ret;
}

void sgm_heap_free(struct sgm_memmap *mm, struct sg_table *table)
{
	struct scatterlist *sg;
	unsigned int i;

	for (i = 0, sg = table->sgl; i < table->orig_nents;
	     i++, sg = sgm_next(sg)) {
		unsigned int order = 0;

		while ((SGM_PAGE_SIZE << order) < sg->length)
			order++;
		sgm_memmap_give(mm, sgm_page(sg), order);
	}
	sgm_table_free(table, 0);
}
