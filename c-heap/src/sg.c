// SPDX-License-Identifier: GPL-2.0
/*
 * Scatterlist helpers and chained table allocation with the semantics of
 * lib/scatterlist.c. sgm_next() and the page iterator's step are kept out
 * of line on purpose: in the kernel sg_next() and __sg_page_iter_next() are
 * exported functions, and the pre-patch walk pays one call per page.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sgvmap.h"
#include "sg_internal.h"

struct page *sgm_page(const struct scatterlist *sg)
{
	return sg_page_of(sg);
}

int sgm_is_chain(const struct scatterlist *sg)
{
	return (sg->page_link & SG_CHAIN) != 0;
}

int sgm_is_last(const struct scatterlist *sg)
{
	return (sg->page_link & SG_END) != 0;
}

noinline struct scatterlist *sgm_next(const struct scatterlist *sg)
{
	if (sgm_is_last(sg))
		return NULL;
	sg++;
	if (sgm_is_chain(sg))
		return (struct scatterlist *)(sg->page_link & ~SG_PAGE_LINK_MASK);
	return (struct scatterlist *)sg;
}

void sgm_set_page(struct scatterlist *sg, struct page *page,
		  unsigned int len, unsigned int offset)
{
	/* Keep the end marker; a page pointer never has its low bits set. */
	sg->page_link = (unsigned long)page | (sg->page_link & SG_END);
	sg->offset = offset;
	sg->length = len;
}

void sgm_page_iter_start(struct sgm_page_iter *iter,
			 const struct scatterlist *sgl, unsigned int nents,
			 unsigned long pgoffset)
{
	iter->sg = sgl;
	iter->sg_pgoffset = pgoffset;
	iter->nents_left = nents;
	iter->advance = 0;
}

noinline int sgm_page_iter_next(struct sgm_page_iter *iter)
{
	if (!iter->nents_left || !iter->sg)
		return 0;

	/* The first call only positions the iterator; later ones step. */
	iter->sg_pgoffset += iter->advance;
	iter->advance = 1;

	while (iter->sg_pgoffset >= sgm_entry_pages(iter->sg)) {
		iter->sg_pgoffset -= sgm_entry_pages(iter->sg);
		iter->sg = sgm_next(iter->sg);
		iter->nents_left--;
		if (!iter->nents_left || !iter->sg)
			return 0;
	}
	return 1;
}

int sgm_table_alloc(struct sg_table *table, unsigned int nents,
		    unsigned int max_ents)
{
	struct scatterlist *prev = NULL;
	unsigned int left = nents;

	memset(table, 0, sizeof(*table));
	if (!max_ents)
		max_ents = SG_MAX_SINGLE_ALLOC;
	/* A chunk must hold one data entry besides its chain entry. */
	if (!nents || max_ents < 2)
		return -EINVAL;

	while (left) {
		/* A chunk that is not the last gives its last slot to the chain. */
		unsigned int in_chunk = left > max_ents ? max_ents : left;
		unsigned int data = left > max_ents ? max_ents - 1 : left;
		struct scatterlist *chunk = calloc(in_chunk, sizeof(*chunk));

		if (!chunk) {
			sgm_table_free(table, max_ents);
			return -ENOMEM;
		}
		if (prev)
			prev[max_ents - 1].page_link =
				(unsigned long)chunk | SG_CHAIN;
		else
			table->sgl = chunk;
		/* Count what is linked so that freeing a partial table works. */
		table->orig_nents += data;
		left -= data;
		if (!left)
			chunk[in_chunk - 1].page_link = SG_END;
		prev = chunk;
	}
	table->nents = table->orig_nents;
	return 0;
}

void sgm_table_free(struct sg_table *table, unsigned int max_ents)
{
	struct scatterlist *chunk = table->sgl;
	unsigned int left = table->orig_nents;

	if (!max_ents)
		max_ents = SG_MAX_SINGLE_ALLOC;
	/* Walk the chunks the way sgm_table_alloc() laid them out. */
	while (chunk) {
		struct scatterlist *next = NULL;

		if (left > max_ents) {
			next = (struct scatterlist *)
				(chunk[max_ents - 1].page_link & ~SG_PAGE_LINK_MASK);
			left -= max_ents - 1;
		}
		free(chunk);
		chunk = next;
	}
	memset(table, 0, sizeof(*table));
}

void sgm_layout_get(struct sgm_layout *layout)
{
	layout->page_size = sizeof(struct page);
	layout->scatterlist_size = sizeof(struct scatterlist);
	layout->scatterlist_align = __alignof__(struct scatterlist);
	layout->off_page_link = offsetof(struct scatterlist, page_link);
	layout->off_offset = offsetof(struct scatterlist, offset);
	layout->off_length = offsetof(struct scatterlist, length);
	layout->off_dma_address = offsetof(struct scatterlist, dma_address);
#ifdef CONFIG_NEED_SG_DMA_LENGTH
	layout->off_dma_length = offsetof(struct scatterlist, dma_length);
#else
	layout->off_dma_length = (size_t)-1;
#endif
	layout->sg_table_size = sizeof(struct sg_table);
	layout->off_sgl = offsetof(struct sg_table, sgl);
	layout->off_nents = offsetof(struct sg_table, nents);
	layout->off_orig_nents = offsetof(struct sg_table, orig_nents);
	layout->max_single_alloc = SG_MAX_SINGLE_ALLOC;
}
