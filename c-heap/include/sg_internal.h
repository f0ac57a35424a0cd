/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers shared by the C conversions; not part of the public model. */
#ifndef SG_INTERNAL_H
#define SG_INTERNAL_H

#include "sgvmap.h"

/* sg_page() is inline in the kernel; the exported sgm_page() is for Rust. */
static inline struct page *sg_page_of(const struct scatterlist *sg)
{
	return (struct page *)(sg->page_link & ~SG_PAGE_LINK_MASK);
}

/* Pages an entry spans, as sg_page_count() counts them: offset included. */
static inline unsigned long sgm_entry_pages(const struct scatterlist *sg)
{
	unsigned long end = (unsigned long)sg->offset + sg->length;

	return (end + SGM_PAGE_SIZE - 1) >> SGM_PAGE_SHIFT;
}

/* The state of for_each_sgtable_page()'s struct sg_page_iter. */
struct sgm_page_iter {
	const struct scatterlist *sg;
	unsigned long sg_pgoffset;
	unsigned int nents_left;
	unsigned int advance;
};

void sgm_page_iter_start(struct sgm_page_iter *iter,
			 const struct scatterlist *sgl, unsigned int nents,
			 unsigned long pgoffset);
int sgm_page_iter_next(struct sgm_page_iter *iter);

static inline struct page *sgm_page_iter_page(const struct sgm_page_iter *iter)
{
	return sg_page_of(iter->sg) + iter->sg_pgoffset;
}

#endif /* SG_INTERNAL_H */
