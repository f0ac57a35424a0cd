// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for system_heap_do_vmap().
 *
 * Included at the end of drivers/dma-buf/heaps/system_heap.c (behind
 * CONFIG_DMABUF_HEAPS_SYSTEM_KUNIT_TEST) so that they reach the static
 * system_heap_allocate() and system_heap_do_vmap() of whichever revision
 * of the file the tree holds, without changing their linkage.
 *
 * Every timing is one diagnostic line of the form
 *   # sgvmap_timing: arch=<arch> size=<bytes> impl=<name> ns=<min>
 *     median=<median> max=<max> runs=<n>
 * (on one line; older records carry the minimum only)
 * with impl one of before, v1, bounded, vmap, whole (the tree's
 * system_heap_do_vmap() on a heap buffer), whole-order0 (the same on a
 * buffer of order-0 pages only), and the floor: floor-store, floor-memset
 * and floor-memcpy, three ways to fill the array without reading the
 * table, then floor, the one of them with the smallest median, whose line
 * ends in from=<that one's impl>. No loop may beat the floor; the
 * workspace's runner fails the run when one does. Each whole map is then
 * mapped once more, checked page by page, and its mapping mix read from
 * the page tables:
 *   # sgvmap_mix: arch=<arch> size=<bytes> impl=<whole or whole-order0>
 *     pmds=<n> conts=<n> ptes=<n>
 * (on one line).
 *
 * Under CONFIG_KASAN a second suite drives the v1 loop past an array of
 * exactly npages slots: KASAN must report it, and that report fails the
 * case on purpose (patchctl kunit --kasan expects exactly that failure).
 */
#include <kunit/test.h>
#include <linux/fcntl.h>
#include <linux/ktime.h>
#include <linux/mutex.h>
#include <linux/sizes.h>
#include <linux/sort.h>

#define SGVMAP_TIMING_RUNS	7

/* A deliberately inconsistent buffer: its table holds more pages than this. */
#define SGVMAP_ODD_LEN		(2 * SZ_1M + 3 * SZ_64K + 5 * PAGE_SIZE)
#define SGVMAP_SHORT_BY		5
/* The largest order-0 buffer with scattered pages UML's host can map. */
#define SGVMAP_UML_MAX_SCATTERED	SZ_64M
/* Guard slots after the array, and the value no conversion stores. */
#define SGVMAP_GUARD		8
#define SGVMAP_POISON		((struct page *)0x5a5a5a50UL)

#if defined(CONFIG_UML)
#define SGVMAP_ARCH "um"
#elif defined(CONFIG_ARM64)
#define SGVMAP_ARCH "arm64"
#elif defined(CONFIG_X86_64)
#define SGVMAP_ARCH "x86_64"
#else
#define SGVMAP_ARCH "other"
#endif

/*
 * c-heap's conversions (c-heap/src/convert.c), placed beside this file by
 * the workspace's runner: the userspace model's copies of each revision's
 * loop, the ones its tests and fuzzers run, here run on real kernel
 * tables. They are not the tree's code. sgvmap_loops_agree,
 * sgvmap_v1_overflow_is_caught and the KASAN cases check the model, and
 * the timings time it; the tree's own system_heap_do_vmap(), whichever
 * revision the tree holds, is checked by sgvmap_whole_vmap_is_right and
 * by the page checks after the "whole" timings.
 */
#include "sgvmap_convert.c"

#ifdef CONFIG_DMABUF_HEAPS_SYSTEM_KUNIT_RUST
#include "system_heap_rust.h"
#endif

struct sgvmap_impl {
	const char *name;
	sgvmap_convert_fn convert;
};

static const struct sgvmap_impl sgvmap_loops[] = {
	{ "before", sgvmap_before },
	{ "v1", sgvmap_v1 },
	{ "bounded", sgvmap_bounded },
#ifdef CONFIG_DMABUF_HEAPS_SYSTEM_KUNIT_RUST
	{ "rust", rust_sgvmap_bounded },
#endif
};

struct sgvmap_size {
	const char *name;
	size_t len;
};

static const struct sgvmap_size sgvmap_check_sizes[] = {
	{ "one page", PAGE_SIZE },
	{ "odd: 2x1M + 3x64K + 5 pages", SGVMAP_ODD_LEN },
	{ "16M", SZ_16M },
	{ "256M (chained table)", SZ_256M },
};

static const struct sgvmap_size sgvmap_timing_sizes[] = {
	{ "16M", SZ_16M },
	{ "256M", SZ_256M },
	{ "1G", SZ_1G },
	{ "2G", SZ_2G },
};

/* Named by size alone: the figures' table reads the size from the name. */
static const struct sgvmap_size sgvmap_order0_sizes[] = {
	{ "16M", SZ_16M },
	{ "64M", SZ_64M },
	{ "256M", SZ_256M },
};

static void sgvmap_size_desc(const struct sgvmap_size *size, char *desc)
{
	strscpy(desc, size->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(sgvmap_check, sgvmap_check_sizes, sgvmap_size_desc);
KUNIT_ARRAY_PARAM(sgvmap_timing, sgvmap_timing_sizes, sgvmap_size_desc);
KUNIT_ARRAY_PARAM(sgvmap_order0, sgvmap_order0_sizes, sgvmap_size_desc);

KUNIT_DEFINE_ACTION_WRAPPER(sgvmap_put_dmabuf, dma_buf_put, struct dma_buf *);
KUNIT_DEFINE_ACTION_WRAPPER(sgvmap_vfree, vfree, const void *);

/*
 * The system heap the buffers come from. 6.12 keeps it in the file-scope
 * sys_heap. Mainline keeps it local to system_heap_create() since the
 * heap gained its CC-shared twin (and cc_shared_buffer() with it), so
 * there the suite registers one heap of its own, with the system heap's
 * ops and private data: its buffers come from the same allocation path.
 */
#ifdef cc_shared_buffer
static struct dma_heap *sgvmap_heap(void)
{
	static DEFINE_MUTEX(lock);
	static struct dma_heap *heap;
	struct dma_heap_export_info exp_info = {
		.name = "system-kunit",
		.ops = &system_heap_ops,
		.priv = &system_heap_priv,
	};

	mutex_lock(&lock);
	if (!heap)
		heap = dma_heap_add(&exp_info);
	mutex_unlock(&lock);
	return heap;
}
#else
static struct dma_heap *sgvmap_heap(void)
{
	return sys_heap;
}
#endif

/*
 * A buffer from the heap's own allocation path. When the machine cannot
 * hold it the case is skipped with the reason, not failed.
 */
static struct system_heap_buffer *sgvmap_alloc(struct kunit *test, size_t len)
{
	struct dma_heap *heap = sgvmap_heap();
	struct dma_buf *dmabuf;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, heap);
	/*
	 * The heap allocates until the OOM killer panics the machine: ask
	 * first whether the buffer fits, with room left for the page array
	 * and the rest of the kernel.
	 */
	if (len + SZ_128M > ((u64)si_mem_available() << PAGE_SHIFT))
		kunit_skip(test, "size=%zu: only %lu MB available; raise UML mem= or QEMU -m",
			   len, si_mem_available() >> (20 - PAGE_SHIFT));
	dmabuf = system_heap_allocate(heap, len, O_RDWR | O_CLOEXEC, 0);
	if (IS_ERR(dmabuf))
		kunit_skip(test, "size=%zu: allocation failed (%ld): too little memory",
			   len, PTR_ERR(dmabuf));
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, sgvmap_put_dmabuf,
						  dmabuf));
	return dmabuf->priv;
}

static struct page **sgvmap_page_array(struct kunit *test, unsigned int npages)
{
	struct page **pages = vmalloc(array_size(npages, sizeof(*pages)));

	if (!pages)
		kunit_skip(test, "cannot vmalloc an array of %u page pointers",
			   npages);
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, sgvmap_vfree, pages));
	/* Pre-fault, so that no timing pays for first touches. */
	memset(pages, 0, array_size(npages, sizeof(*pages)));
	return pages;
}

/*
 * Page i of the mapping at vaddr is the page the kernel's own iterator
 * gives for index i, and data written through the mapping is in that
 * page: one word per page, read back through kmap_local_page().
 */
static void sgvmap_expect_mapped(struct kunit *test,
				 const struct sg_table *table,
				 unsigned int npages, void *vaddr)
{
	unsigned long i = 0, wrong = 0, first_wrong = ULONG_MAX;
	struct sg_page_iter piter;

	for_each_sgtable_page(table, &piter, 0) {
		struct page *expected = sg_page_iter_page(&piter);
		u32 *word = vaddr + i * PAGE_SIZE;
		u32 *seen;

		if (i >= npages || vmalloc_to_page(word) != expected) {
			wrong++;
			first_wrong = min(first_wrong, i);
		} else {
			/* A word per page: index and a marker, read back below. */
			WRITE_ONCE(*word, (u32)i ^ 0x5a17c0de);
			seen = kmap_local_page(expected);
			if (READ_ONCE(*seen) != ((u32)i ^ 0x5a17c0de)) {
				wrong++;
				first_wrong = min(first_wrong, i);
			}
			kunmap_local(seen);
		}
		i++;
		if (!(i % 4096))
			cond_resched();
	}

	KUNIT_EXPECT_EQ(test, i, (unsigned long)npages);
	KUNIT_EXPECT_EQ_MSG(test, wrong, 0UL,
			    "%lu of %u pages mapped wrong, first at index %lu",
			    wrong, npages, first_wrong);
}

/*
 * How a mapping is made, read back from the kernel's page tables: PMD
 * leaves, arm64 contiguous-PTE blocks, single ptes, and unmapped pages
 * (which a mapping that was checked page by page cannot have).
 */
struct sgvmap_mix {
	unsigned long pmds;
	unsigned long conts;
	unsigned long ptes;
	unsigned long holes;
};

/* The PMD entry for @addr in the kernel's tables, NULL above a hole. */
static pmd_t *sgvmap_pmd_of(unsigned long addr)
{
	pgd_t *pgd = pgd_offset_k(addr);
	p4d_t *p4d;
	pud_t *pud;

	if (pgd_none(READ_ONCE(*pgd)))
		return NULL;
	p4d = p4d_offset(pgd, addr);
	if (p4d_none(READ_ONCE(*p4d)))
		return NULL;
	pud = pud_offset(p4d, addr);
	if (pud_none(READ_ONCE(*pud)) || pud_leaf(READ_ONCE(*pud)))
		return NULL;
	return pmd_offset(pud, addr);
}

/* Whether @pte is part of a contiguous-PTE block (arm64's PTE_CONT). */
static bool sgvmap_pte_is_cont(pte_t pte)
{
#ifdef CONFIG_ARM64
	return pte_cont(pte);
#else
	return false;
#endif
}

#ifdef CONFIG_ARM64
#define SGVMAP_CONT_SIZE	CONT_PTE_SIZE
#else
#define SGVMAP_CONT_SIZE	PAGE_SIZE
#endif

static void sgvmap_count_mix(const void *vaddr, size_t len,
			     struct sgvmap_mix *mix)
{
	unsigned long addr = (unsigned long)vaddr, end = addr + len;
	unsigned long step;
	pmd_t *pmd;
	pte_t pte;

	memset(mix, 0, sizeof(*mix));
	while (addr < end) {
		step = PAGE_SIZE;
		pmd = sgvmap_pmd_of(addr);
		if (!pmd || pmd_none(READ_ONCE(*pmd))) {
			mix->holes++;
		} else if (pmd_leaf(READ_ONCE(*pmd))) {
			mix->pmds++;
			step = PMD_SIZE - (addr & ~PMD_MASK);
		} else {
			pte = READ_ONCE(*pte_offset_kernel(pmd, addr));
			if (pte_none(pte)) {
				mix->holes++;
			} else if (sgvmap_pte_is_cont(pte)) {
				mix->conts++;
				step = SGVMAP_CONT_SIZE -
				       (addr & (SGVMAP_CONT_SIZE - 1));
			} else {
				mix->ptes++;
			}
		}
		addr += step;
	}
}

/*
 * One mapping-mix line beside a whole map's timing line, so that a reader
 * of the table sees why two revisions' times differ:
 *   # sgvmap_mix: arch=<arch> size=<bytes> impl=<name> pmds=<n> conts=<n>
 *     ptes=<n>
 * (on one line). A hole is a page the mapping left out: an error.
 */
static void sgvmap_report_mix(struct kunit *test, const void *vaddr,
			      size_t len, const char *impl)
{
	struct sgvmap_mix mix;

	sgvmap_count_mix(vaddr, len, &mix);
	KUNIT_EXPECT_EQ_MSG(test, mix.holes, 0UL,
			    "size=%zu impl=%s: %lu pages unmapped", len, impl,
			    mix.holes);
	kunit_info(test, "sgvmap_mix: arch=%s size=%zu impl=%s pmds=%lu conts=%lu ptes=%lu\n",
		   SGVMAP_ARCH, len, impl, mix.pmds, mix.conts, mix.ptes);
}

/*
 * The tree's system_heap_do_vmap() maps page i of the buffer where the
 * kernel's own page iterator says page i is, and data written through
 * the mapping is in those pages.
 */
static void sgvmap_whole_vmap_is_right(struct kunit *test)
{
	const struct sgvmap_size *size = test->param_value;
	struct system_heap_buffer *buffer = sgvmap_alloc(test, size->len);
	void *vaddr;

	vaddr = system_heap_do_vmap(buffer);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, vaddr);
	sgvmap_expect_mapped(test, &buffer->sg_table, size->len >> PAGE_SHIFT,
			     vaddr);
	vunmap(vaddr);
}

/*
 * The model's loops (c-heap's, and rust-heap's where Rust is built) on the
 * same real table: each array equal to the pre-patch walk's, element by
 * element. The tree's own loop is checked by sgvmap_whole_vmap_is_right.
 */
static void sgvmap_loops_agree(struct kunit *test)
{
	const struct sgvmap_size *size = test->param_value;
	struct system_heap_buffer *buffer = sgvmap_alloc(test, size->len);
	unsigned int npages = size->len >> PAGE_SHIFT;
	struct page **expected = sgvmap_page_array(test, npages);
	struct page **got = sgvmap_page_array(test, npages);
	struct sgvmap_report report;
	unsigned int i, k;

	KUNIT_ASSERT_EQ(test, 0,
			sgvmap_before(&buffer->sg_table, expected, npages,
				      &report));
	KUNIT_ASSERT_EQ(test, report.written, (unsigned long)npages);

	for (k = 1; k < ARRAY_SIZE(sgvmap_loops); k++) {
		memset(got, 0, array_size(npages, sizeof(*got)));
		KUNIT_EXPECT_EQ_MSG(test, 0,
				    sgvmap_loops[k].convert(&buffer->sg_table,
							    got, npages,
							    &report),
				    "%s", sgvmap_loops[k].name);
		KUNIT_EXPECT_EQ_MSG(test, report.written,
				    (unsigned long)npages, "%s",
				    sgvmap_loops[k].name);
		KUNIT_EXPECT_EQ_MSG(test, report.warnings, 0U, "%s",
				    sgvmap_loops[k].name);
		for (i = 0; i < npages; i++)
			if (got[i] != expected[i])
				break;
		KUNIT_EXPECT_EQ_MSG(test, i, npages,
				    "%s differs from the page iterator at index %u",
				    sgvmap_loops[k].name, i);
	}
}

/* Slots from npages on that hold something other than the guard value. */
static unsigned int sgvmap_past_end(struct page **pages, unsigned int from,
				    unsigned int to)
{
	unsigned int i, past = 0;

	for (i = from; i < to; i++)
		past += pages[i] != SGVMAP_POISON;
	return past;
}

/*
 * A table that holds more pages than the buffer says it has: the model of
 * the v1 loop stores past the array and warns only afterwards; the
 * model's bounded loop refuses before storing. Guard slots after npages show every stray
 * store, so the case itself reports the overflow in any configuration.
 */
static void sgvmap_v1_overflow_is_caught(struct kunit *test)
{
	struct system_heap_buffer *buffer = sgvmap_alloc(test, SGVMAP_ODD_LEN);
	unsigned int held = SGVMAP_ODD_LEN >> PAGE_SHIFT;
	unsigned int npages = held - SGVMAP_SHORT_BY;
	unsigned int slots = held + SGVMAP_GUARD;
	struct sgvmap_report report;
	struct page **pages;
	unsigned int i, past;

	pages = kunit_kmalloc_array(test, slots, sizeof(*pages), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pages);

	for (i = 0; i < slots; i++)
		pages[i] = SGVMAP_POISON;
	sgvmap_v1(&buffer->sg_table, pages, npages, &report);
	past = sgvmap_past_end(pages, npages, slots);
	kunit_info(test, "sgvmap_overflow: impl=v1 npages=%u held=%u past_end=%u warned=%u\n",
		   npages, held, past, report.warnings);
	KUNIT_EXPECT_EQ_MSG(test, past, (unsigned int)SGVMAP_SHORT_BY,
			    "v1 should store the %u pages beyond npages",
			    SGVMAP_SHORT_BY);
	KUNIT_EXPECT_EQ(test, report.warnings, 1U);

	for (i = 0; i < slots; i++)
		pages[i] = SGVMAP_POISON;
	KUNIT_EXPECT_EQ(test, -E2BIG,
			sgvmap_bounded(&buffer->sg_table, pages, npages,
				       &report));
	past = sgvmap_past_end(pages, npages, slots);
	kunit_info(test, "sgvmap_overflow: impl=bounded npages=%u held=%u past_end=%u\n",
		   npages, held, past);
	KUNIT_EXPECT_EQ(test, past, 0U);
}

/*
 * The Rust side walks the kernel's own tables through its #[repr(C)]
 * mirrors: every size and offset it uses must be the C compiler's.
 */
static void sgvmap_rust_layout_is_c_layout(struct kunit *test)
{
#ifdef CONFIG_DMABUF_HEAPS_SYSTEM_KUNIT_RUST
	struct sgvmap_rust_layout r;

	rust_sgvmap_layout(&r);
	KUNIT_EXPECT_EQ(test, r.page_size, sizeof(struct page));
	KUNIT_EXPECT_EQ(test, r.scatterlist_size, sizeof(struct scatterlist));
	KUNIT_EXPECT_EQ(test, r.scatterlist_align,
			__alignof__(struct scatterlist));
	KUNIT_EXPECT_EQ(test, r.off_page_link,
			offsetof(struct scatterlist, page_link));
	KUNIT_EXPECT_EQ(test, r.off_offset,
			offsetof(struct scatterlist, offset));
	KUNIT_EXPECT_EQ(test, r.off_length,
			offsetof(struct scatterlist, length));
	KUNIT_EXPECT_EQ(test, r.off_dma_address,
			offsetof(struct scatterlist, dma_address));
#ifdef CONFIG_NEED_SG_DMA_LENGTH
	KUNIT_EXPECT_EQ(test, r.off_dma_length,
			offsetof(struct scatterlist, dma_length));
#else
	KUNIT_EXPECT_EQ(test, r.off_dma_length, SIZE_MAX);
#endif
	KUNIT_EXPECT_EQ(test, r.sg_table_size, sizeof(struct sg_table));
	KUNIT_EXPECT_EQ(test, r.off_sgl, offsetof(struct sg_table, sgl));
	KUNIT_EXPECT_EQ(test, r.off_nents, offsetof(struct sg_table, nents));
	KUNIT_EXPECT_EQ(test, r.off_orig_nents,
			offsetof(struct sg_table, orig_nents));
	KUNIT_EXPECT_EQ(test, r.max_single_alloc, SG_MAX_SINGLE_ALLOC);
	kunit_info(test, "sgvmap_layout: arch=%s scatterlist=%zu page=%zu\n",
		   SGVMAP_ARCH, sizeof(struct scatterlist), sizeof(struct page));
#else
	kunit_skip(test, "CONFIG_DMABUF_HEAPS_SYSTEM_KUNIT_RUST is off: no Rust conversion in this build");
#endif
}

/* The times of one figure's runs, in nanoseconds. */
struct sgvmap_runs {
	u64 ns[SGVMAP_TIMING_RUNS];
};

static int sgvmap_cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/*
 * One figure line: the minimum, the median and the maximum of the runs,
 * so that a reader sees the spread, not only the best run.
 */
static void sgvmap_report_timing(struct kunit *test, size_t len,
				 const char *impl, struct sgvmap_runs *runs)
{
	sort(runs->ns, SGVMAP_TIMING_RUNS, sizeof(u64), sgvmap_cmp_u64, NULL);
	kunit_info(test, "sgvmap_timing: arch=%s size=%zu impl=%s ns=%llu median=%llu max=%llu runs=%u\n",
		   SGVMAP_ARCH, len, impl, runs->ns[0],
		   runs->ns[SGVMAP_TIMING_RUNS / 2],
		   runs->ns[SGVMAP_TIMING_RUNS - 1], SGVMAP_TIMING_RUNS);
}

/* The ways to fill the array without reading the table. */
enum sgvmap_floor_way {
	SGVMAP_FLOOR_STORE,
	SGVMAP_FLOOR_MEMSET,
	SGVMAP_FLOOR_MEMCPY,
	SGVMAP_FLOOR_WAYS,
};

static const char *const sgvmap_floor_names[SGVMAP_FLOOR_WAYS] = {
	[SGVMAP_FLOOR_STORE] = "floor-store",
	[SGVMAP_FLOOR_MEMSET] = "floor-memset",
	[SGVMAP_FLOOR_MEMCPY] = "floor-memcpy",
};

/*
 * npages pointers into @pages, the one way @way says: c-heap's plain
 * store loop of base_page + i; memset_l(), which is memset64() on a
 * 64-bit kernel, of one pointer value over the same bytes; or memcpy()
 * from @prepared, which holds the values the store loop writes.
 */
static void sgvmap_floor_fill(enum sgvmap_floor_way way,
			      const struct sg_table *table,
			      struct page **pages, struct page **prepared,
			      unsigned int npages)
{
	struct sgvmap_report report;

	switch (way) {
	case SGVMAP_FLOOR_STORE:
		sgvmap_floor(table, pages, npages, &report);
		break;
	case SGVMAP_FLOOR_MEMSET:
		memset_l((unsigned long *)pages,
			 (unsigned long)sg_page(table->sgl), npages);
		break;
	case SGVMAP_FLOOR_MEMCPY:
		memcpy(pages, prepared, array_size(npages, sizeof(*pages)));
		break;
	default:
		break;
	}
}

/*
 * The floor: each way to fill the array timed and printed, then the one
 * with the smallest median again as impl=floor, from=<its impl>. The
 * least time it takes to put npages pointers into the array is what no
 * conversion, which must also read the table, can beat.
 */
static void sgvmap_time_floors(struct kunit *test, size_t len,
			       const struct sg_table *table,
			       struct page **pages, unsigned int npages)
{
	struct page **prepared = sgvmap_page_array(test, npages);
	struct sgvmap_runs runs[SGVMAP_FLOOR_WAYS];
	const unsigned int mid = SGVMAP_TIMING_RUNS / 2;
	struct sgvmap_report report;
	unsigned int way, fastest = SGVMAP_FLOOR_STORE;
	int run;

	sgvmap_floor(table, prepared, npages, &report);
	for (way = 0; way < SGVMAP_FLOOR_WAYS; way++) {
		for (run = 0; run < SGVMAP_TIMING_RUNS; run++) {
			u64 start = ktime_get_ns();

			sgvmap_floor_fill(way, table, pages, prepared, npages);
			runs[way].ns[run] = ktime_get_ns() - start;
			cond_resched();
		}
		sgvmap_report_timing(test, len, sgvmap_floor_names[way],
				     &runs[way]);
		if (runs[way].ns[mid] < runs[fastest].ns[mid])
			fastest = way;
	}
	kunit_info(test, "sgvmap_timing: arch=%s size=%zu impl=floor ns=%llu median=%llu max=%llu runs=%u from=%s\n",
		   SGVMAP_ARCH, len, runs[fastest].ns[0], runs[fastest].ns[mid],
		   runs[fastest].ns[SGVMAP_TIMING_RUNS - 1], SGVMAP_TIMING_RUNS,
		   sgvmap_floor_names[fastest]);
}

static void sgvmap_time_convert(sgvmap_convert_fn convert,
				const struct sg_table *table,
				struct page **pages, unsigned int npages,
				struct sgvmap_runs *runs)
{
	struct sgvmap_report report;
	int run;

	for (run = 0; run < SGVMAP_TIMING_RUNS; run++) {
		u64 start = ktime_get_ns();

		convert(table, pages, npages, &report);
		runs->ns[run] = ktime_get_ns() - start;
		cond_resched();
	}
}

/*
 * The tree's whole system_heap_do_vmap(), minimum over repeated runs
 * (each mapping is undone at once: the heap's vmap count would otherwise
 * hand back the cached one), then one more mapping checked page by page,
 * so that every timed size is also a checked one.
 */
static void sgvmap_time_whole(struct kunit *test,
			      struct system_heap_buffer *buffer, size_t len,
			      const char *impl, struct sgvmap_runs *runs)
{
	void *vaddr;
	int run;

	for (run = 0; run < SGVMAP_TIMING_RUNS; run++) {
		u64 start = ktime_get_ns();

		vaddr = system_heap_do_vmap(buffer);
		runs->ns[run] = ktime_get_ns() - start;
		if (IS_ERR(vaddr))
			kunit_skip(test, "size=%zu: system_heap_do_vmap() failed (%ld)",
				   len, PTR_ERR(vaddr));
		vunmap(vaddr);
		cond_resched();
	}
	vaddr = system_heap_do_vmap(buffer);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, vaddr);
	sgvmap_expect_mapped(test, &buffer->sg_table, len >> PAGE_SHIFT, vaddr);
	sgvmap_report_mix(test, vaddr, len, impl);
	vunmap(vaddr);
}

/*
 * Each loop, the floor (the fastest way to fill the array), vmap() of a
 * prepared array alone, and the tree's whole system_heap_do_vmap(), each
 * over repeated runs.
 */
static void sgvmap_timings(struct kunit *test)
{
	const struct sgvmap_size *size = test->param_value;
	struct system_heap_buffer *buffer = sgvmap_alloc(test, size->len);
	unsigned int npages = size->len >> PAGE_SHIFT;
	struct page **pages = sgvmap_page_array(test, npages);
	struct sg_table *table = &buffer->sg_table;
	struct sgvmap_report report;
	struct sgvmap_runs runs;
	unsigned int k;
	int run;

	for (k = 0; k < ARRAY_SIZE(sgvmap_loops); k++) {
		sgvmap_time_convert(sgvmap_loops[k].convert, table, pages,
				    npages, &runs);
		sgvmap_report_timing(test, size->len, sgvmap_loops[k].name,
				     &runs);
	}
	sgvmap_time_floors(test, size->len, table, pages, npages);

	KUNIT_ASSERT_EQ(test, 0,
			sgvmap_bounded(table, pages, npages, &report));
	for (run = 0; run < SGVMAP_TIMING_RUNS; run++) {
		u64 start = ktime_get_ns();
		void *vaddr = vmap(pages, npages, VM_MAP, PAGE_KERNEL);

		runs.ns[run] = ktime_get_ns() - start;
		if (!vaddr)
			kunit_skip(test, "size=%zu: vmap() ran out of vmalloc space",
				   size->len);
		vunmap(vaddr);
		cond_resched();
	}
	sgvmap_report_timing(test, size->len, "vmap", &runs);

	sgvmap_time_whole(test, buffer, size->len, "whole", &runs);
	sgvmap_report_timing(test, size->len, "whole", &runs);
}

/* A buffer of order-0 pages only: its table has one entry per page. */
static void sgvmap_free_order0(void *arg)
{
	struct system_heap_buffer *buffer = arg;
	struct scatterlist *sg;
	unsigned int i;

	for_each_sgtable_sg(&buffer->sg_table, sg, i)
		if (sg_page(sg))
			__free_page(sg_page(sg));
	sg_free_table(&buffer->sg_table);
}

/*
 * Order-0 pages taken one after another are often physically adjacent (the
 * page allocator splits larger blocks to refill its lists), so a table of
 * them in allocation order is not the worst case for a mapping that merges
 * adjacent entries. Entry i takes the pages in the order 0, 2, 4, ..., 1,
 * 3, 5, ...: no two neighbours in the table are neighbours in memory.
 */
static unsigned int sgvmap_interleaved(unsigned int i, unsigned int npages)
{
	return i < (npages + 1) / 2 ? 2 * i : 2 * (i - (npages + 1) / 2) + 1;
}

static struct system_heap_buffer *sgvmap_alloc_order0(struct kunit *test,
						      size_t len)
{
	unsigned int npages = len >> PAGE_SHIFT;
	struct system_heap_buffer *buffer;
	struct page **pages;
	struct scatterlist *sg;
	unsigned int i;

	if (len + SZ_128M > ((u64)si_mem_available() << PAGE_SHIFT))
		kunit_skip(test, "size=%zu: only %lu MB available", len,
			   si_mem_available() >> (20 - PAGE_SHIFT));
	/*
	 * UML backs each run of adjacent pages of a kernel mapping with one
	 * host mmap; 65536 pages that are nobody's neighbours need more
	 * mappings than the host's vm.max_map_count (65530) allows.
	 */
	if (IS_ENABLED(CONFIG_UML) && len > SGVMAP_UML_MAX_SCATTERED)
		kunit_skip(test, "size=%zu: UML would need a host mapping per page, past vm.max_map_count",
			   len);
	buffer = kunit_kzalloc(test, sizeof(*buffer), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buffer);
	KUNIT_ASSERT_EQ(test, 0, sg_alloc_table(&buffer->sg_table, npages,
						GFP_KERNEL));
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, sgvmap_free_order0,
						  buffer));
	pages = sgvmap_page_array(test, npages);
	for (i = 0; i < npages; i++) {
		pages[i] = alloc_page(GFP_KERNEL | __GFP_NOWARN);
		if (!pages[i])
			break;
	}
	/* Every page allocated goes into the table, so the cleanup frees it. */
	for_each_sgtable_sg(&buffer->sg_table, sg, i) {
		struct page *page = pages[sgvmap_interleaved(i, npages)];

		if (page)
			sg_set_page(sg, page, PAGE_SIZE, 0);
	}
	for (i = 0; i < npages; i++)
		if (!pages[i])
			kunit_skip(test, "size=%zu: out of order-0 pages", len);
	buffer->len = len;
	return buffer;
}

/*
 * The worst layout for a mapping that merges contiguous entries: every
 * entry a single page, no two neighbours adjacent in memory. A change
 * that speeds up the heap's layout must not slow this one down.
 */
static void sgvmap_order0_timings(struct kunit *test)
{
	const struct sgvmap_size *size = test->param_value;
	struct system_heap_buffer *buffer = sgvmap_alloc_order0(test,
								size->len);
	struct sgvmap_runs runs;

	sgvmap_time_whole(test, buffer, size->len, "whole-order0", &runs);
	sgvmap_report_timing(test, size->len, "whole-order0", &runs);
}

#ifdef CONFIG_KASAN
/*
 * The odd buffer's table, whose entries hold five pages more than the
 * buffer claims, converted by a v1 loop into an array sized as
 * system_heap_do_vmap() sizes it, npages slots, from kmalloc so that the
 * redzone starts at the exact byte. The slab object is larger than the
 * array, so the stray stores land in its redzone, not in a neighbour.
 * Named sgvmap_v1_* so that a copy the compiler specialises for the C
 * loop still names the v1 loop in KASAN's report.
 */
static void sgvmap_v1_overflow_into_kmalloc(struct kunit *test,
					    sgvmap_convert_fn convert,
					    const char *impl)
{
	struct system_heap_buffer *buffer = sgvmap_alloc(test, SGVMAP_ODD_LEN);
	unsigned int held = SGVMAP_ODD_LEN >> PAGE_SHIFT;
	unsigned int npages = held - SGVMAP_SHORT_BY;
	struct sgvmap_report report;
	struct page **pages;
	bool reported;

	pages = kunit_kmalloc_array(test, npages, sizeof(*pages), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pages);
	convert(&buffer->sg_table, pages, npages, &report);
	/*
	 * KASAN's report of the first stray store fails the running case
	 * (kunit_set_failure()), so by now this case has failed, and that
	 * failure is the one the runner expects. Whether it did is read
	 * before this case adds failures of its own: a loop that stopped at
	 * the array's end, or a KASAN that saw nothing, each fails the case
	 * with its own message, and the runner then finds no report.
	 */
	reported = READ_ONCE(test->status) == KUNIT_FAILURE;
	kunit_info(test, "sgvmap_overflow: impl=%s npages=%u stored=%lu under KASAN\n",
		   impl, npages, report.written);
	KUNIT_EXPECT_EQ_MSG(test, report.written, (unsigned long)held,
			    "%s should store all %u pages of the table", impl,
			    held);
	KUNIT_EXPECT_TRUE_MSG(test, reported,
			      "KASAN did not report %s's stores past the array",
			      impl);
}
#endif

#ifdef CONFIG_DMABUF_HEAPS_SYSTEM_KUNIT_RUST
/* The Rust heap beside this one: its own suite, on the helpers above. */
#include "system_heap_rust_test.c"
#endif

static struct kunit_case sgvmap_test_cases[] = {
	KUNIT_CASE(sgvmap_rust_layout_is_c_layout),
	KUNIT_CASE_PARAM(sgvmap_whole_vmap_is_right, sgvmap_check_gen_params),
	KUNIT_CASE_PARAM(sgvmap_loops_agree, sgvmap_check_gen_params),
	KUNIT_CASE_PARAM_ATTR(sgvmap_timings, sgvmap_timing_gen_params,
			      { .speed = KUNIT_SPEED_SLOW }),
	KUNIT_CASE_PARAM_ATTR(sgvmap_order0_timings, sgvmap_order0_gen_params,
			      { .speed = KUNIT_SPEED_SLOW }),
	KUNIT_CASE(sgvmap_v1_overflow_is_caught),
	{}
};

static struct kunit_suite sgvmap_test_suite = {
	.name = "system_heap_vmap",
	.test_cases = sgvmap_test_cases,
};

#ifdef CONFIG_KASAN
/* KASAN must report v1's first stray store, which fails this case. */
static void sgvmap_v1_overflow_under_kasan(struct kunit *test)
{
	sgvmap_v1_overflow_into_kmalloc(test, sgvmap_v1, "v1");
}

static struct kunit_case sgvmap_kasan_cases[] = {
	KUNIT_CASE(sgvmap_v1_overflow_under_kasan),
	{}
};

static struct kunit_suite sgvmap_kasan_suite = {
	.name = "system_heap_vmap_kasan",
	.test_cases = sgvmap_kasan_cases,
};

kunit_test_suites(&sgvmap_test_suite, &sgvmap_kasan_suite);
#else
kunit_test_suite(sgvmap_test_suite);
#endif
