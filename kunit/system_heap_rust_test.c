// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the "system-rust" heap beside the system heap, in one kernel.
 *
 * Included by system_heap_test.c when CONFIG_DMABUF_HEAPS_SYSTEM_KUNIT_RUST
 * is set, after system_heap_rust_shim.c, so that both heaps' allocate ops
 * are called the way the dma-heap core calls them (6.12 has no heap
 * lookup, and the core's allocation path is static). Physical pages
 * differ between two allocations, so the heaps are held to the same
 * rules, not to the same pages; each heap's order histogram is reported.
 *
 * Timings are sgvmap_timing lines with impl heap-<step>-<heap>: alloc
 * (the allocate op), vmap (dma_buf_vmap_unlocked() on a buffer nobody has
 * mapped) and vunmap (dma_buf_vunmap_unlocked() of the last mapping).
 */
#include <kunit/device.h>
#include <linux/dma-mapping.h>
#include <linux/dma-resv.h>
#include <linux/file.h>
#include <linux/string.h>

struct srh_heap {
	const char *name;
	struct dma_buf *(*allocate)(struct dma_heap *heap, unsigned long len,
				    u32 fd_flags, u64 heap_flags);
	struct dma_heap **heap;
	const struct sg_table *(*table)(struct dma_buf *dmabuf);
};

static const struct sg_table *srh_c_table(struct dma_buf *dmabuf)
{
	struct system_heap_buffer *buffer = dmabuf->priv;

	return &buffer->sg_table;
}

static const struct sg_table *srh_rust_table(struct dma_buf *dmabuf)
{
	return rust_heap_table(dmabuf->priv);
}

static const struct srh_heap srh_heaps[] = {
	{ "c", system_heap_allocate, &sys_heap, srh_c_table },
	{ "rust", system_rust_heap_allocate, &sys_rust_heap, srh_rust_table },
};

static const struct sgvmap_size srh_sizes[] = {
	{ "one page", PAGE_SIZE },
	{ "odd: 2x1M + 3x64K + 5 pages", SGVMAP_ODD_LEN },
	{ "16M", SZ_16M },
	{ "256M", SZ_256M },
	{ "1G", SZ_1G },
	{ "2G", SZ_2G },
};

static const struct sgvmap_size srh_timing_sizes[] = {
	{ "16M", SZ_16M },
	{ "256M", SZ_256M },
	{ "1G", SZ_1G },
};

KUNIT_ARRAY_PARAM(srh_size, srh_sizes, sgvmap_size_desc);
KUNIT_ARRAY_PARAM(srh_timing, srh_timing_sizes, sgvmap_size_desc);

static bool srh_fits(size_t len)
{
	return len + SZ_128M <= ((u64)si_mem_available() << PAGE_SHIFT);
}

/*
 * A dma-buf put from a kernel thread is released later, by a work item
 * (delayed fput): until it runs, the buffer's pages are not back, and it
 * runs whenever this thread next sleeps, inside whatever is being timed
 * (measured on arm64 under QEMU: 6 ms of a 256M vmap was the release of
 * the buffer before). Put a buffer and wait for its release.
 */
static void srh_put_now(struct dma_buf *dmabuf)
{
	dma_buf_put(dmabuf);
	flush_delayed_fput();
}

static void srh_release_now(struct kunit *test, struct dma_buf *dmabuf)
{
	kunit_release_action(test, sgvmap_put_dmabuf, dmabuf);
	flush_delayed_fput();
}

/* A buffer from `heap`, put when the case ends; skipped when memory is short. */
static struct dma_buf *srh_alloc(struct kunit *test, const struct srh_heap *heap,
				 size_t len)
{
	struct dma_buf *dmabuf;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, *heap->heap);
	if (!srh_fits(len))
		kunit_skip(test, "size=%zu: only %lu MB available; raise UML mem= or QEMU -m",
			   len, si_mem_available() >> (20 - PAGE_SHIFT));
	dmabuf = heap->allocate(*heap->heap, len, O_RDWR | O_CLOEXEC, 0);
	KUNIT_ASSERT_NOT_ERR_OR_NULL_MSG(test, dmabuf, "heap %s, size %zu",
					 heap->name, len);
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, sgvmap_put_dmabuf,
						  dmabuf));
	return dmabuf;
}

/* The Rust heap allocates in the C heap's orders, read from C. */
static void srh_orders_are_c_orders(struct kunit *test)
{
	struct srh_rust_consts consts;
	unsigned int i;

	rust_heap_consts(&consts);
	KUNIT_ASSERT_EQ(test, consts.num_orders, (unsigned int)NUM_ORDERS);
	KUNIT_ASSERT_EQ(test, consts.num_orders, srh_num_orders());
	for (i = 0; i < NUM_ORDERS; i++)
		KUNIT_EXPECT_EQ(test, consts.orders[i], orders[i]);
	KUNIT_EXPECT_EQ(test, srh_order(NUM_ORDERS), UINT_MAX);
	KUNIT_EXPECT_NULL(test, srh_alloc_chunk(NUM_ORDERS));
}

/*
 * A table as the system heap builds it: entries of whole chunks in the
 * heap's orders, never growing, adding up to the length, every byte zero.
 * Fills hist with the chunks per order (indexes of orders[]).
 */
static void srh_expect_heap_table(struct kunit *test, const char *heap,
				  const struct sg_table *table, size_t len,
				  unsigned int hist[NUM_ORDERS])
{
	unsigned int prev_order = UINT_MAX, i, k;
	unsigned long total = 0, bad_len = 0, grew = 0, dirty = 0;
	struct scatterlist *sg;

	for_each_sgtable_sg(table, sg, i) {
		struct page *page = sg_page(sg);
		unsigned int order = compound_order(page);
		unsigned long p;

		for (k = 0; k < NUM_ORDERS && orders[k] != order; k++)
			;
		if (k == NUM_ORDERS || sg->length != PAGE_SIZE << order ||
		    sg->offset)
			bad_len++;
		else
			hist[k]++;
		if (order > prev_order)
			grew++;
		prev_order = order;
		total += sg->length;
		for (p = 0; p < (sg->length >> PAGE_SHIFT); p++) {
			void *data = kmap_local_page(page + p);

			if (memchr_inv(data, 0, PAGE_SIZE))
				dirty++;
			kunmap_local(data);
		}
		cond_resched();
	}
	KUNIT_EXPECT_EQ_MSG(test, total, (unsigned long)len, "heap %s", heap);
	KUNIT_EXPECT_EQ_MSG(test, bad_len, 0UL,
			    "heap %s: entries that are not one whole chunk of a heap order",
			    heap);
	KUNIT_EXPECT_EQ_MSG(test, grew, 0UL,
			    "heap %s: an order larger than the one before", heap);
	KUNIT_EXPECT_EQ_MSG(test, dirty, 0UL, "heap %s: pages not zeroed",
			    heap);
}

/*
 * Both heaps give a buffer of the asked size laid out by the system
 * heap's rules; the order histograms are reported side by side.
 */
static void srh_allocations_agree(struct kunit *test)
{
	const struct sgvmap_size *size = test->param_value;
	unsigned int h;

	for (h = 0; h < ARRAY_SIZE(srh_heaps); h++) {
		const struct srh_heap *heap = &srh_heaps[h];
		unsigned int hist[NUM_ORDERS] = { 0 };
		struct dma_buf *dmabuf = srh_alloc(test, heap, size->len);

		KUNIT_EXPECT_EQ(test, dmabuf->size, size->len);
		srh_expect_heap_table(test, heap->name, heap->table(dmabuf),
				      size->len, hist);
		kunit_info(test, "heap_orders: arch=%s heap=%s size=%zu order8=%u order4=%u order0=%u\n",
			   SGVMAP_ARCH, heap->name, size->len, hist[0],
			   hist[1], hist[2]);
		/* One buffer at a time: the next heap gets the same memory. */
		srh_release_now(test, dmabuf);
	}
}

/*
 * A heap's own vmap and vunmap ops, called as the dma-buf core calls them
 * (under the reservation lock). The core counts mappings itself: it calls
 * the heap's vmap op for the first mapping only and its vunmap op for the
 * last unmapping only, so a second dma_buf_vmap_unlocked() is answered by
 * the core and never reaches the heap's own count. These reach it.
 */
static int srh_call_vmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	int ret;

	dma_resv_lock(dmabuf->resv, NULL);
	ret = dmabuf->ops->vmap(dmabuf, map);
	dma_resv_unlock(dmabuf->resv);
	return ret;
}

static void srh_call_vunmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	dma_resv_lock(dmabuf->resv, NULL);
	dmabuf->ops->vunmap(dmabuf, map);
	dma_resv_unlock(dmabuf->resv);
}

/*
 * Each heap's mapping, and its count of users. The first mapping, made
 * through dma_buf_vmap_unlocked(), has that heap's pages in table order.
 * A second call of the heap's vmap op gives the same address; one vunmap
 * op later the mapping is still whole; after the last user's
 * dma_buf_vunmap_unlocked() the heap has unmapped it (no page behind its
 * first address); a new mapping after that is right too. Nothing is read
 * or written through an address that may not be mapped: the page check
 * looks each page up first.
 */
static void srh_vmaps_agree(struct kunit *test)
{
	const struct sgvmap_size *size = test->param_value;
	unsigned int npages = size->len >> PAGE_SHIFT;
	unsigned int h;

	for (h = 0; h < ARRAY_SIZE(srh_heaps); h++) {
		const struct srh_heap *heap = &srh_heaps[h];
		struct dma_buf *dmabuf = srh_alloc(test, heap, size->len);
		const struct sg_table *table = heap->table(dmabuf);
		struct iosys_map map, again;
		void *vaddr;

		KUNIT_ASSERT_EQ(test, 0, dma_buf_vmap_unlocked(dmabuf, &map));
		sgvmap_expect_mapped(test, table, npages, map.vaddr);
		/* The vunmap ops clear the map they are given: keep the address. */
		vaddr = map.vaddr;

		KUNIT_ASSERT_EQ(test, 0, srh_call_vmap(dmabuf, &again));
		KUNIT_EXPECT_PTR_EQ_MSG(test, again.vaddr, vaddr,
					"heap %s: a second user got a second mapping",
					heap->name);
		srh_call_vunmap(dmabuf, &again);
		/* One user left: the mapping stays. */
		sgvmap_expect_mapped(test, table, npages, vaddr);

		dma_buf_vunmap_unlocked(dmabuf, &map);
		KUNIT_EXPECT_NULL_MSG(test, vmalloc_to_page(vaddr),
				      "heap %s: still mapped after its last user left",
				      heap->name);

		KUNIT_ASSERT_EQ(test, 0, dma_buf_vmap_unlocked(dmabuf, &map));
		sgvmap_expect_mapped(test, table, npages, map.vaddr);
		dma_buf_vunmap_unlocked(dmabuf, &map);
		srh_release_now(test, dmabuf);
	}
}

/* What attaching a device and mapping the buffer for it gave. */
struct srh_attach_result {
	int map;
	int begin;
	int end;
	unsigned int mapped_nents;
	/* Mapped entries that are not the buffer's entry at that index. */
	unsigned int wrong;
};

/*
 * The heap maps a table of its own for each attachment: entry for entry,
 * the buffer's pages, offsets and lengths, and each mapped entry as long
 * as its pages (dma-direct neither merges nor splits).
 */
static unsigned int srh_wrong_entries(const struct sg_table *buf,
				      const struct sg_table *sgt)
{
	struct scatterlist *a, *b = sgt->sgl;
	unsigned int i, wrong = 0;

	if (sgt->orig_nents != buf->orig_nents || sgt->nents != buf->orig_nents)
		return UINT_MAX;
	for_each_sgtable_sg(buf, a, i) {
		if (sg_page(a) != sg_page(b) || a->offset != b->offset ||
		    a->length != b->length || sg_dma_len(b) != b->length)
			wrong++;
		b = sg_next(b);
	}
	return wrong;
}

static void srh_attach_one(struct kunit *test, const struct srh_heap *heap,
			   struct device *dev, struct srh_attach_result *res)
{
	struct dma_buf *dmabuf = srh_alloc(test, heap, SZ_1M + SZ_64K);
	struct dma_buf_attachment *attach;
	struct iosys_map map;
	struct sg_table *sgt;
	int vmapped;

	attach = dma_buf_attach(dmabuf, dev);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	sgt = dma_buf_map_attachment_unlocked(attach, DMA_BIDIRECTIONAL);
	res->map = IS_ERR(sgt) ? PTR_ERR(sgt) : 0;
	if (!IS_ERR(sgt)) {
		res->mapped_nents = sgt->nents;
		/* CONFIG_DMABUF_DEBUG hides the pages from importers. */
		if (!IS_ENABLED(CONFIG_DMABUF_DEBUG))
			res->wrong = srh_wrong_entries(heap->table(dmabuf), sgt);
		/* Mapped in the kernel too, so the syncs have both to do. */
		vmapped = dma_buf_vmap_unlocked(dmabuf, &map);
		KUNIT_EXPECT_EQ(test, vmapped, 0);
		res->begin = dma_buf_begin_cpu_access(dmabuf, DMA_BIDIRECTIONAL);
		res->end = dma_buf_end_cpu_access(dmabuf, DMA_BIDIRECTIONAL);
		if (!vmapped)
			dma_buf_vunmap_unlocked(dmabuf, &map);
		dma_buf_unmap_attachment_unlocked(attach, sgt,
						  DMA_BIDIRECTIONAL);
	}
	dma_buf_detach(dmabuf, attach);
	srh_release_now(test, dmabuf);
}

/*
 * A KUnit device attached to each heap's buffer and mapped: a kernel
 * without DMA refuses, UML and arm64 map (UML through its direct mapping),
 * and then each heap's own table for the attachment holds the buffer's
 * entries. With the buffer mapped for the device and in the kernel, each
 * heap's begin_cpu_access and end_cpu_access succeed. What their syncs do
 * is not checked: UML has no cache maintenance and no bounce buffers, and
 * QEMU does not model the caches that arm64's maintenance acts on, so a
 * heap that skipped them would pass here.
 */
static void srh_attach_map_agree(struct kunit *test)
{
	struct srh_attach_result res[ARRAY_SIZE(srh_heaps)] = { 0 };
	struct device *dev = kunit_device_register(test, "srh-dma");
	unsigned int h;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dev);
	dev->dma_mask = &dev->coherent_dma_mask;
	/* Refused where there is no DMA; the map below says the same. */
	(void)dma_set_mask_and_coherent(dev, DMA_BIT_MASK(64));
	for (h = 0; h < ARRAY_SIZE(srh_heaps); h++) {
		srh_attach_one(test, &srh_heaps[h], dev, &res[h]);
		kunit_info(test, "heap_attach: arch=%s heap=%s map=%d nents=%u begin=%d end=%d\n",
			   SGVMAP_ARCH, srh_heaps[h].name, res[h].map,
			   res[h].mapped_nents, res[h].begin, res[h].end);
		if (IS_ENABLED(CONFIG_NO_DMA)) {
			KUNIT_EXPECT_NE(test, res[h].map, 0);
			continue;
		}
		KUNIT_EXPECT_EQ_MSG(test, res[h].map, 0, "heap %s",
				    srh_heaps[h].name);
		KUNIT_EXPECT_EQ_MSG(test, res[h].wrong, 0U,
				    "heap %s: mapped entries that are not the buffer's",
				    srh_heaps[h].name);
		KUNIT_EXPECT_EQ_MSG(test, res[h].begin, 0, "heap %s: begin_cpu_access",
				    srh_heaps[h].name);
		KUNIT_EXPECT_EQ_MSG(test, res[h].end, 0, "heap %s: end_cpu_access",
				    srh_heaps[h].name);
	}
}

/*
 * What the allocate op answers to input the dma-heap core would not pass
 * on: the same from both heaps. The core refuses a zero length and heap
 * flags itself and page-aligns the length; the /dev/dma_heap program
 * checks that path.
 */
static void srh_bad_input_agrees(struct kunit *test)
{
	static const struct {
		const char *what;
		unsigned long len;
		u64 heap_flags;
	} inputs[] = {
		{ "zero length", 0, 0 },
		{ "a page and a byte", PAGE_SIZE + 1, 0 },
		{ "every heap flag", PAGE_SIZE, ~0ULL },
	};
	unsigned int i, h;

	for (i = 0; i < ARRAY_SIZE(inputs); i++) {
		long answer[ARRAY_SIZE(srh_heaps)];

		for (h = 0; h < ARRAY_SIZE(srh_heaps); h++) {
			struct dma_buf *dmabuf;

			dmabuf = srh_heaps[h].allocate(*srh_heaps[h].heap,
						       inputs[i].len, O_RDWR,
						       inputs[i].heap_flags);
			answer[h] = IS_ERR(dmabuf) ? PTR_ERR(dmabuf) : 0;
			if (!IS_ERR(dmabuf))
				srh_put_now(dmabuf);
		}
		kunit_info(test, "heap_bad_input: %s: c=%ld rust=%ld\n",
			   inputs[i].what, answer[0], answer[1]);
		KUNIT_EXPECT_EQ_MSG(test, answer[1], answer[0], "%s",
				    inputs[i].what);
	}
}

static u64 srh_since(u64 start)
{
	return ktime_get_ns() - start;
}

/*
 * One run of each step on one heap: 0, or what failed: -ENOMEM when the
 * buffer could not be had (a skip), -EIO when it could not be mapped.
 */
static int srh_time_once(struct kunit *test, const struct srh_heap *heap,
			  size_t len, struct sgvmap_runs steps[3], int run)
{
	struct dma_buf *dmabuf;
	struct iosys_map map;
	u64 start = ktime_get_ns();
	int ret;

	dmabuf = heap->allocate(*heap->heap, len, O_RDWR | O_CLOEXEC, 0);
	steps[0].ns[run] = srh_since(start);
	if (IS_ERR(dmabuf)) {
		kunit_info(test, "size=%zu: heap %s: allocation failed (%ld)\n",
			   len, heap->name, PTR_ERR(dmabuf));
		return -ENOMEM;
	}
	start = ktime_get_ns();
	ret = dma_buf_vmap_unlocked(dmabuf, &map);
	steps[1].ns[run] = srh_since(start);
	if (ret) {
		srh_put_now(dmabuf);
		KUNIT_FAIL(test, "heap %s: vmap failed (%d)", heap->name, ret);
		return -EIO;
	}
	start = ktime_get_ns();
	dma_buf_vunmap_unlocked(dmabuf, &map);
	steps[2].ns[run] = srh_since(start);
	srh_put_now(dmabuf);
	cond_resched();
	return 0;
}

/*
 * Allocation, vmap and vunmap of each heap, over repeated runs.
 * Every run allocates a new buffer, so vmap never finds a cached mapping,
 * and releases it before the next run starts. The heaps take turns, and
 * which goes first alternates run by run, so that neither always inherits
 * what the other left behind.
 */
static void srh_timings(struct kunit *test)
{
	const struct sgvmap_size *size = test->param_value;
	static const char * const steps[] = { "alloc", "vmap", "vunmap" };
	struct sgvmap_runs runs[ARRAY_SIZE(srh_heaps)][ARRAY_SIZE(steps)];
	unsigned int h, k, s;
	int run;

	if (!srh_fits(size->len))
		kunit_skip(test, "size=%zu: only %lu MB available", size->len,
			   si_mem_available() >> (20 - PAGE_SHIFT));
	for (run = 0; run < SGVMAP_TIMING_RUNS; run++) {
		for (k = 0; k < ARRAY_SIZE(srh_heaps); k++) {
			int ret;

			h = (k + run) % ARRAY_SIZE(srh_heaps);
			ret = srh_time_once(test, &srh_heaps[h], size->len,
					    runs[h], run);
			if (ret == -ENOMEM)
				kunit_skip(test, "size=%zu: heap %s could not allocate it",
					   size->len, srh_heaps[h].name);
			if (ret)
				return;
		}
	}
	for (h = 0; h < ARRAY_SIZE(srh_heaps); h++)
		for (s = 0; s < ARRAY_SIZE(steps); s++) {
			char impl[32];

			snprintf(impl, sizeof(impl), "heap-%s-%s", steps[s],
				 srh_heaps[h].name);
			sgvmap_report_timing(test, size->len, impl, &runs[h][s]);
		}
}

static struct kunit_case srh_test_cases[] = {
	KUNIT_CASE(srh_orders_are_c_orders),
	KUNIT_CASE_PARAM(srh_allocations_agree, srh_size_gen_params),
	KUNIT_CASE_PARAM(srh_vmaps_agree, srh_size_gen_params),
	KUNIT_CASE(srh_attach_map_agree),
	KUNIT_CASE(srh_bad_input_agrees),
	KUNIT_CASE_PARAM_ATTR(srh_timings, srh_timing_gen_params,
			      { .speed = KUNIT_SPEED_SLOW }),
	{}
};

static struct kunit_suite srh_test_suite = {
	.name = "system_heap_rust",
	.test_cases = srh_test_cases,
};

#ifdef CONFIG_KASAN
/*
 * The Rust twin of sgvmap_v1_overflow_under_kasan: rust-heap's v1
 * conversion, which stores past the array as C's v1 does. KASAN must
 * report the store in the Rust code (an LLVM build instruments it), which
 * fails this case on purpose; patchctl kunit --rust --kasan expects that.
 */
static void srh_rust_v1_overflow_under_kasan(struct kunit *test)
{
	sgvmap_v1_overflow_into_kmalloc(test, rust_sgvmap_v1, "rust-v1");
}

static struct kunit_case srh_kasan_cases[] = {
	KUNIT_CASE(srh_rust_v1_overflow_under_kasan),
	{}
};

static struct kunit_suite srh_kasan_suite = {
	.name = "system_heap_rust_kasan",
	.test_cases = srh_kasan_cases,
};

kunit_test_suites(&srh_test_suite, &srh_kasan_suite);
#else
kunit_test_suite(srh_test_suite);
#endif
