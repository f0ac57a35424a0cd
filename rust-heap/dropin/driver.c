// SPDX-License-Identifier: GPL-2.0
/*
 * A C program written against c-heap's header only. It is linked twice:
 * with c-heap's own conversions and allocation policy (convert.c, heap.c),
 * and with rust-heap's static library in their place. Both programs must
 * print the same lines: each line is one check's result, so a difference
 * names the check. The exit status says whether the program's own
 * invariants held (nothing leaked, guards where the contract says).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sgvmap.h"

#define GUARD_SLOTS	8
#define POISON		((struct page *)0x5a5a5a50UL)
#define MB		(1UL << 20)

static int failures;

static void expect(int ok, const char *what)
{
	if (!ok) {
		printf("INVARIANT BROKEN: %s\n", what);
		failures++;
	}
}

/* FNV-1a over the page frame numbers a sequence names. */
static u64 digest_pages(struct page **pages, unsigned long n,
			const struct page *base)
{
	u64 h = 0xcbf29ce484222325ULL;
	unsigned long i;

	for (i = 0; i < n; i++) {
		h ^= (u64)(pages[i] - base);
		h *= 0x100000001b3ULL;
	}
	return h;
}

static u64 digest_table(const struct sg_table *table,
			const struct page *base)
{
	u64 h = 0xcbf29ce484222325ULL;
	struct scatterlist *sg = table->sgl;
	unsigned int i;

	for (i = 0; i < table->orig_nents; i++, sg = sgm_next(sg)) {
		h ^= (u64)(sgm_page(sg) - base) << 20 | sg->length >> 12;
		h *= 0x100000001b3ULL;
	}
	return h;
}

static unsigned int guards_hit(struct page **pages, unsigned long npages)
{
	unsigned int i, hit = 0;

	for (i = 0; i < GUARD_SLOTS; i++)
		hit += pages[npages + i] != POISON;
	return hit;
}

static const struct {
	const char *name;
	sgvmap_convert_fn convert;
} conversions[] = {
	{ "before", sgvmap_before },
	{ "v1", sgvmap_v1 },
	{ "bounded", sgvmap_bounded },
	{ "floor", sgvmap_floor },
};

/*
 * Every conversion on a table from the heap, into an array of @npages
 * slots followed by guard slots: @npages below the table's page count
 * makes the table inconsistent with the buffer, as in v1's overflow.
 */
static void convert_all(const char *label, const struct sg_table *table,
			unsigned long npages, const struct page *base)
{
	struct page **pages = malloc((npages + GUARD_SLOTS) * sizeof(*pages));
	unsigned int k, i;

	if (!pages) {
		expect(0, "malloc");
		return;
	}
	for (k = 0; k < ARRAY_SIZE(conversions); k++) {
		struct sgvmap_report report = { 0 };
		unsigned long shown;
		int ret;

		for (i = 0; i < npages + GUARD_SLOTS; i++)
			pages[i] = POISON;
		ret = conversions[k].convert(table, pages, npages, &report);
		shown = report.written < npages ? report.written : npages;
		printf("%s %s: ret=%d written=%lu warnings=%u guards=%u pages=%016" PRIx64 "\n",
		       label, conversions[k].name, ret, report.written,
		       report.warnings, guards_hit(pages, npages),
		       digest_pages(pages, shown, base));
	}
	free(pages);
}

static void conversions_on_heap_tables(void)
{
	static const size_t lens[] = {
		SGM_PAGE_SIZE, 2 * MB + 3 * 65536 + 5 * SGM_PAGE_SIZE, 16 * MB,
	};
	unsigned int s, l;

	for (s = 1; s <= 3; s++) {
		struct sgm_memmap *mm = sgm_memmap_create(8192, s);

		for (l = 0; l < ARRAY_SIZE(lens); l++) {
			unsigned long npages = lens[l] / SGM_PAGE_SIZE;
			struct sg_table table;
			char label[64];
			int ret;

			ret = sgm_heap_alloc(mm, lens[l], &table);
			printf("heap seed=%u len=%zu: ret=%d nents=%u table=%016" PRIx64 "\n",
			       s, lens[l], ret, table.orig_nents,
			       digest_table(&table, sgm_memmap_base(mm)));
			expect(ret == 0, "a heap table of a size that fits");
			if (ret)
				continue;
			snprintf(label, sizeof(label), "seed=%u len=%zu", s,
				 lens[l]);
			convert_all(label, &table, npages, sgm_memmap_base(mm));
			/* Five pages short: the table holds more than the array. */
			snprintf(label, sizeof(label), "seed=%u len=%zu short",
				 s, lens[l]);
			if (npages > 5)
				convert_all(label, &table, npages - 5,
					    sgm_memmap_base(mm));
			sgm_heap_free(mm, &table);
		}
		expect(sgm_memmap_outstanding(mm) == 0, "every chunk given back");
		expect(sgm_memmap_bad_frees(mm) == 0, "no chunk given back twice");
		sgm_memmap_destroy(mm);
	}
}

struct scenario {
	const char *name;
	size_t len;
	int fail8, limit8, limit4;
	unsigned long pages, kill_after;
};

static void allocation_policy(void)
{
	static const struct scenario scenarios[] = {
		{ "plain 3M+64K+3p", 3 * MB + 65536 + 3 * SGM_PAGE_SIZE,
		  0, -1, -1, SGM_UNLIMITED, SGM_UNLIMITED },
		{ "no order 8, three of order 4", MB, 0, 0, 3, SGM_UNLIMITED,
		  SGM_UNLIMITED },
		{ "order 8 fails once", 2 * MB, 1, -1, -1, SGM_UNLIMITED,
		  SGM_UNLIMITED },
		{ "300 pages left", 2 * MB, 0, -1, -1, 300, SGM_UNLIMITED },
		{ "killed after 2 chunks", 4 * MB, 0, -1, -1, SGM_UNLIMITED,
		  2 },
		{ "zero length", 0, 0, -1, -1, SGM_UNLIMITED, SGM_UNLIMITED },
		{ "not a page multiple", SGM_PAGE_SIZE + 1, 0, -1, -1,
		  SGM_UNLIMITED, SGM_UNLIMITED },
		{ "past memory", 64 * MB, 0, -1, -1, SGM_UNLIMITED,
		  SGM_UNLIMITED },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(scenarios); i++) {
		const struct scenario *sc = &scenarios[i];
		struct sgm_memmap *mm = sgm_memmap_create(4096, 7 + i);
		struct sg_table table;
		unsigned long out;
		int ret;

		if (sc->fail8)
			sgm_memmap_fail_next(mm, 8, sc->fail8);
		if (sc->limit8 >= 0)
			sgm_memmap_limit_order(mm, 8, sc->limit8);
		if (sc->limit4 >= 0)
			sgm_memmap_limit_order(mm, 4, sc->limit4);
		sgm_memmap_limit_pages(mm, sc->pages);
		sgm_memmap_kill_after(mm, sc->kill_after);
		ret = sgm_heap_alloc(mm, sc->len, &table);
		out = sgm_memmap_outstanding(mm);
		printf("policy %s: ret=%d nents=%u out=%lu table=%016" PRIx64 "\n",
		       sc->name, ret, table.orig_nents, out,
		       digest_table(&table, sgm_memmap_base(mm)));
		if (ret) {
			expect(out == 0 && !table.sgl,
			       "an error leaves nothing out and the table empty");
		} else {
			expect(out == sc->len / SGM_PAGE_SIZE,
			       "a buffer holds exactly its pages");
			sgm_heap_free(mm, &table);
		}
		expect(sgm_memmap_outstanding(mm) == 0, "every chunk given back");
		expect(sgm_memmap_bad_frees(mm) == 0, "no chunk given back twice");
		sgm_memmap_destroy(mm);
	}
}

int main(void)
{
	conversions_on_heap_tables();
	allocation_policy();
	printf("invariants broken: %d\n", failures);
	return failures ? 1 : 0;
}
