// SPDX-License-Identifier: GPL-2.0
/*
 * The sg_table-to-pages conversions of system_heap_do_vmap(): before the
 * patch, as posted in v1, and a bounded variant, plus the store-loop floor.
 */
#include <errno.h>

#include "sgvmap.h"
#include "sg_internal.h"

int sgvmap_before(const struct sg_table *table, struct page **pages,
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

int sgvmap_v1(const struct sg_table *table, struct page **pages,
	      unsigned int npages, struct sgvmap_report *report)
{
	struct page **tmp = pages;
	unsigned int i, j, count;
	struct page *base_page;
	const struct scatterlist *sg;

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

int sgvmap_bounded(const struct sg_table *table, struct page **pages,
		   unsigned int npages, struct sgvmap_report *report)
{
	unsigned long written = 0;
	const struct scatterlist *sg;
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

int sgvmap_floor(const struct sg_table *table, struct page **pages,
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
