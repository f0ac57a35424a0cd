// SPDX-License-Identifier: GPL-2.0
/*
 * The sg_table-to-pages conversions of system_heap_do_vmap(): before the
 * patch, as posted in v1, and a bounded variant, plus a plain store loop,
 * one of the ways to fill the array that the floor is the fastest of.
 *
 * One source for both sides: c-heap builds it against its model of the
 * kernel's scatterlists, and the workspace's KUnit suite includes it into
 * system_heap.c, where the kernel's own helpers stand in for the model's.
 */
#ifdef __KERNEL__
#include <linux/scatterlist.h>

/* Included by the suite: the conversions stay local to system_heap.o. */
#define SGVMAP_FN static
#define SGM_PAGE_SHIFT PAGE_SHIFT
#define sgm_next sg_next
#define sg_page_of sg_page
#define sgm_page_iter sg_page_iter
#define sgm_page_iter_start __sg_page_iter_start
#define sgm_page_iter_next __sg_page_iter_next
#define sgm_page_iter_page sg_page_iter_page

/* What a conversion reports besides the slots it filled. */
struct sgvmap_report {
	unsigned long written;
	unsigned int warnings;
};

/* One signature for every conversion, so each runs on the same real table. */
typedef int (*sgvmap_convert_fn)(const struct sg_table *table,
				 struct page **pages, unsigned int npages,
				 struct sgvmap_report *report);

/* Pages an entry spans, as sg_page_count() counts them: offset included. */
static inline unsigned long sgm_entry_pages(const struct scatterlist *sg)
{
	return PAGE_ALIGN((unsigned long)sg->offset + sg->length) >> PAGE_SHIFT;
}
#else
#include <errno.h>

#include "sgvmap.h"
#include "sg_internal.h"

#define SGVMAP_FN
#endif

/* The loop before the patch; WARN_ON() replaced by a count. */
SGVMAP_FN int sgvmap_before(const struct sg_table *table, struct page **pages,
			    unsigned int npages, struct sgvmap_report *report)
{
	struct page **tmp = pages;
	struct sgm_page_iter piter;
	unsigned int warnings = 0;

	/* for_each_sgtable_page(table, &piter, 0) */
	sgm_page_iter_start(&piter, table->sgl, table->orig_nents, 0);
	while (sgm_page_iter_next(&piter)) {
		/* WARN_ON() only warns: the store below still happens. */
		if (tmp - pages >= npages)
			warnings++;
		*tmp++ = sgm_page_iter_page(&piter);
	}

	report->written = tmp - pages;
	report->warnings = warnings;
	return 0;
}

/* The v1 patch's loop as posted; its WARN_ON() replaced by a count. */
SGVMAP_FN int sgvmap_v1(const struct sg_table *table, struct page **pages,
			unsigned int npages, struct sgvmap_report *report)
{
	struct page **tmp = pages;
	unsigned int i, j, count;
	struct page *base_page;
	struct scatterlist *sg;

	/* for_each_sgtable_sg(table, sg, i), then the patch's loop body. */
	for (i = 0, sg = table->sgl; i < table->orig_nents;
	     i++, sg = sgm_next(sg)) {
		base_page = sg_page_of(sg);
		count = sg->length >> SGM_PAGE_SHIFT;
		for (j = 0; j < count; j++)
			*tmp++ = base_page + j;
	}

	report->written = tmp - pages;
	report->warnings = (tmp - pages != npages);
	return 0;
}

/* Per entry, counting pages as the iterator does, never past npages. */
SGVMAP_FN int sgvmap_bounded(const struct sg_table *table, struct page **pages,
			     unsigned int npages, struct sgvmap_report *report)
{
	unsigned long written = 0;
	struct scatterlist *sg;
	unsigned int i;
	int ret = 0;

	for (i = 0, sg = table->sgl; i < table->orig_nents;
	     i++, sg = sgm_next(sg)) {
		struct page *base_page;
		unsigned long count, j;

		if (!sg) {
			ret = -EINVAL;
			break;
		}
		count = sgm_entry_pages(sg);
		/* Check once per entry, so the inner loop stays a plain store. */
		if (count > npages - written) {
			ret = -E2BIG;
			break;
		}
		base_page = sg_page_of(sg);
		for (j = 0; j < count; j++)
			pages[written + j] = base_page + j;
		written += count;
	}
	if (!ret && written != npages)
		ret = -ENODATA;

	report->written = written;
	report->warnings = 0;
	return ret;
}

/*
 * npages plain stores, no table walk: one candidate for the floor. The
 * floor itself is the fastest of this, memset of the same bytes and
 * memcpy from a prepared array (the benchmark and the KUnit suite time
 * all three).
 */
SGVMAP_FN int sgvmap_floor(const struct sg_table *table, struct page **pages,
			   unsigned int npages, struct sgvmap_report *report)
{
	struct page *base_page = table->sgl ? sg_page_of(table->sgl) : NULL;
	unsigned int i;

	for (i = 0; i < npages; i++)
		pages[i] = base_page + i;

	report->written = npages;
	report->warnings = 0;
	return 0;
}
