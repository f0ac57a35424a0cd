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
 * srh_errno_table feeds bad input to both heaps, row by row, and holds
 * them to the same answers and the same state after (see there).
 *
 * Timings are sgvmap_timing lines with impl heap-<step>-<heap>: alloc
 * (the allocate op), vmap (dma_buf_vmap_unlocked() on a buffer nobody has
 * mapped) and vunmap (dma_buf_vunmap_unlocked() of the last mapping).
 */
#include <kunit/device.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/dma-resv.h>
#include <linux/file.h>
#include <linux/kthread.h>
#include <linux/oom.h>
#include <linux/string.h>
#include <linux/vmstat.h>

/* What a heap's buffer lock protects, as the suite compares it. */
struct srh_state {
	int vmap_cnt;
	unsigned int attachments;
	/* The buffer holds a vmap address. */
	bool vaddr;
};

struct srh_heap {
	const char *name;
	struct dma_buf *(*allocate)(struct dma_heap *heap, unsigned long len,
				    u32 fd_flags, u64 heap_flags);
	struct dma_heap **heap;
	const struct sg_table *(*table)(struct dma_buf *dmabuf);
	const struct dma_buf_ops *buf_ops;
	void (*state)(struct dma_buf *dmabuf, struct srh_state *state);
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

static void srh_c_state(struct dma_buf *dmabuf, struct srh_state *state)
{
	struct system_heap_buffer *buffer = dmabuf->priv;

	mutex_lock(&buffer->lock);
	state->vmap_cnt = buffer->vmap_cnt;
	state->attachments = list_count_nodes(&buffer->attachments);
	state->vaddr = buffer->vaddr;
	mutex_unlock(&buffer->lock);
}

static void srh_rust_state(struct dma_buf *dmabuf, struct srh_state *state)
{
	struct srh_rust_state rust;

	rust_heap_state(dmabuf->priv, &rust);
	state->vmap_cnt = rust.vmap_cnt;
	state->attachments = rust.attachments;
	state->vaddr = rust.vaddr;
}

static const struct srh_heap srh_heaps[] = {
	{ "c", system_heap_allocate, &sys_heap, srh_c_table,
	  &system_heap_buf_ops, srh_c_state },
	{ "rust", system_rust_heap_allocate, &sys_rust_heap, srh_rust_table,
	  &system_rust_heap_buf_ops, srh_rust_state },
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

/*
 * The Rust heap maps a buffer as the tree's system heap does: with
 * vmap_sg() on a tree that has it (CONFIG_DMABUF_HEAPS_SYSTEM_VMAP_SG;
 * there the system heap maps with vmap_sg() too), with a page array and
 * vmap() elsewhere. The shim counts the mappings each path makes; the
 * C heap's go through neither. On a tree with vmap_sg() the Rust heap's
 * mapping must also have the mapping mix, read back from the page
 * tables, that vmap_sg() gives the same table. Each heap's mix is printed
 * (heap_mix lines): on arm64 the heaps map with PMDs and contiguous-PTE
 * blocks only where their own pages allow, so the two are reported, not
 * compared.
 */
static void srh_vmap_path(struct kunit *test)
{
	bool by_table = IS_ENABLED(CONFIG_DMABUF_HEAPS_SYSTEM_VMAP_SG);
	size_t len = SZ_16M;
	unsigned int h;

	kunit_info(test, "tree has vmap_sg(): %s\n", by_table ? "yes" : "no");
	for (h = 0; h < ARRAY_SIZE(srh_heaps); h++) {
		const struct srh_heap *heap = &srh_heaps[h];
		struct dma_buf *dmabuf = srh_alloc(test, heap, len);
		bool rust = heap->buf_ops == &system_rust_heap_buf_ops;
		int array = atomic_read(&srh_vmaps_by_array), table = 0;
		struct sgvmap_mix mix;
		struct iosys_map map;

#ifdef CONFIG_DMABUF_HEAPS_SYSTEM_VMAP_SG
		table = atomic_read(&srh_vmaps_by_table);
#endif
		KUNIT_ASSERT_EQ(test, 0, dma_buf_vmap_unlocked(dmabuf, &map));
		array = atomic_read(&srh_vmaps_by_array) - array;
#ifdef CONFIG_DMABUF_HEAPS_SYSTEM_VMAP_SG
		table = atomic_read(&srh_vmaps_by_table) - table;
#endif
		KUNIT_EXPECT_EQ_MSG(test, array, rust && !by_table ? 1 : 0,
				    "heap %s: mappings by page array and vmap()",
				    heap->name);
		KUNIT_EXPECT_EQ_MSG(test, table, rust && by_table ? 1 : 0,
				    "heap %s: mappings of the table by vmap_sg()",
				    heap->name);
		sgvmap_expect_mapped(test, heap->table(dmabuf), len >> PAGE_SHIFT,
				     map.vaddr);
		sgvmap_count_mix(map.vaddr, len, &mix);
		kunit_info(test, "heap_mix: arch=%s heap=%s size=%zu pmds=%lu conts=%lu ptes=%lu holes=%lu\n",
			   SGVMAP_ARCH, heap->name, len, mix.pmds, mix.conts,
			   mix.ptes, mix.holes);
#ifdef CONFIG_DMABUF_HEAPS_SYSTEM_VMAP_SG
		if (rust) {
			/* vmap_sg() only reads the table it is given. */
			struct sg_table *sgt = (struct sg_table *)heap->table(dmabuf);
			void *vaddr = vmap_sg(sgt, PAGE_KERNEL);
			struct sgvmap_mix same;

			KUNIT_ASSERT_NOT_NULL(test, vaddr);
			sgvmap_count_mix(vaddr, len, &same);
			vunmap(vaddr);
			KUNIT_EXPECT_EQ(test, mix.pmds, same.pmds);
			KUNIT_EXPECT_EQ(test, mix.conts, same.conts);
			KUNIT_EXPECT_EQ(test, mix.ptes, same.ptes);
			KUNIT_EXPECT_EQ(test, mix.holes, same.holes);
		}
#endif
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
 * The same as C, case by case: one table of bad input, each row fed to
 * both heaps. Each row asserts, for both heaps, the answers C gives
 * (every errno along the way), the state C is left in (the heap's vmap
 * count and address, its attachments, the core's attachments, the file's
 * flags, the pages given back), that the heap's own op ran, and that the
 * two heaps agree on all of it.
 *
 * That the op ran is counted by a probe: after allocation the buffer's
 * ops pointer is swapped for a copy whose every op counts the call and
 * passes it on, unchanged, to the heap's own op. The allocate op comes
 * before any buffer: the case calls it itself and counts that call. A row
 * names the op it is about and the number of calls that must be counted;
 * the counts of every op must be the same for both heaps too.
 *
 * How each row reaches the heap ("via" in the table):
 *  - "op": the heap's op is called directly, as the core calls it (the
 *    allocate op; vmap and vunmap under the reservation lock), because
 *    the core would stop the input first: the dma-heap core refuses a
 *    zero length and unknown heap or fd flags with -EINVAL and rounds the
 *    length up to pages (kunit/dma_heap_abi.c checks that path), and
 *    dma_buf_vunmap() BUG()s on a vunmap without a vmap.
 *  - "core": through the dma-buf API, which passes the call on to the
 *    heap's op; the probe shows it did.
 *  - "core only": one row whose answer is the core's own. The core counts
 *    kernel mappings itself and calls the heap's vmap op for the first
 *    only; the probe proves the second never reached the heap. It is a
 *    check of the probe, not counted as reaching the heap.
 *
 * Where C is wrong the comment says so; the Rust heap answers as C does,
 * and README.md lists each one.
 */
enum srh_op {
	SRH_OP_ALLOCATE,
	SRH_OP_ATTACH,
	SRH_OP_DETACH,
	SRH_OP_MAP,
	SRH_OP_UNMAP,
	SRH_OP_BEGIN,
	SRH_OP_END,
	SRH_OP_MMAP,
	SRH_OP_VMAP,
	SRH_OP_VUNMAP,
	SRH_OP_RELEASE,
	SRH_NR_OPS
};

static const char * const srh_op_names[SRH_NR_OPS] = {
	[SRH_OP_ALLOCATE] = "allocate",
	[SRH_OP_ATTACH] = "attach",
	[SRH_OP_DETACH] = "detach",
	[SRH_OP_MAP] = "map",
	[SRH_OP_UNMAP] = "unmap",
	[SRH_OP_BEGIN] = "begin",
	[SRH_OP_END] = "end",
	[SRH_OP_MMAP] = "mmap",
	[SRH_OP_VMAP] = "vmap",
	[SRH_OP_VUNMAP] = "vunmap",
	[SRH_OP_RELEASE] = "release",
};

struct srh_probe {
	const struct dma_buf_ops *heap_ops;
	struct dma_buf_ops ops;
	atomic_t calls[SRH_NR_OPS];
};

/* One per heap, in srh_heaps[] order; the rows run one at a time. */
static struct srh_probe srh_probes[ARRAY_SIZE(srh_heaps)];

static struct srh_probe *srh_probe_count(struct dma_buf *dmabuf,
					 enum srh_op op)
{
	struct srh_probe *probe = container_of(dmabuf->ops, struct srh_probe,
					       ops);

	atomic_inc(&probe->calls[op]);
	return probe;
}

static int srh_probe_attach(struct dma_buf *dmabuf,
			    struct dma_buf_attachment *attachment)
{
	struct srh_probe *probe = srh_probe_count(dmabuf, SRH_OP_ATTACH);

	return probe->heap_ops->attach(dmabuf, attachment);
}

static void srh_probe_detach(struct dma_buf *dmabuf,
			     struct dma_buf_attachment *attachment)
{
	struct srh_probe *probe = srh_probe_count(dmabuf, SRH_OP_DETACH);

	probe->heap_ops->detach(dmabuf, attachment);
}

static struct sg_table *srh_probe_map(struct dma_buf_attachment *attachment,
				      enum dma_data_direction direction)
{
	struct srh_probe *probe = srh_probe_count(attachment->dmabuf,
						  SRH_OP_MAP);

	return probe->heap_ops->map_dma_buf(attachment, direction);
}

static void srh_probe_unmap(struct dma_buf_attachment *attachment,
			    struct sg_table *table,
			    enum dma_data_direction direction)
{
	struct srh_probe *probe = srh_probe_count(attachment->dmabuf,
						  SRH_OP_UNMAP);

	probe->heap_ops->unmap_dma_buf(attachment, table, direction);
}

static int srh_probe_begin(struct dma_buf *dmabuf,
			   enum dma_data_direction direction)
{
	struct srh_probe *probe = srh_probe_count(dmabuf, SRH_OP_BEGIN);

	return probe->heap_ops->begin_cpu_access(dmabuf, direction);
}

static int srh_probe_end(struct dma_buf *dmabuf,
			 enum dma_data_direction direction)
{
	struct srh_probe *probe = srh_probe_count(dmabuf, SRH_OP_END);

	return probe->heap_ops->end_cpu_access(dmabuf, direction);
}

static int srh_probe_mmap(struct dma_buf *dmabuf, struct vm_area_struct *vma)
{
	struct srh_probe *probe = srh_probe_count(dmabuf, SRH_OP_MMAP);

	return probe->heap_ops->mmap(dmabuf, vma);
}

static int srh_probe_vmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	struct srh_probe *probe = srh_probe_count(dmabuf, SRH_OP_VMAP);

	return probe->heap_ops->vmap(dmabuf, map);
}

static void srh_probe_vunmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	struct srh_probe *probe = srh_probe_count(dmabuf, SRH_OP_VUNMAP);

	probe->heap_ops->vunmap(dmabuf, map);
}

static void srh_probe_release(struct dma_buf *dmabuf)
{
	struct srh_probe *probe = srh_probe_count(dmabuf, SRH_OP_RELEASE);

	probe->heap_ops->release(dmabuf);
}

static const struct dma_buf_ops srh_probe_ops = {
	.attach = srh_probe_attach,
	.detach = srh_probe_detach,
	.map_dma_buf = srh_probe_map,
	.unmap_dma_buf = srh_probe_unmap,
	.begin_cpu_access = srh_probe_begin,
	.end_cpu_access = srh_probe_end,
	.mmap = srh_probe_mmap,
	.vmap = srh_probe_vmap,
	.vunmap = srh_probe_vunmap,
	.release = srh_probe_release,
};

/* Puts heap h's probe between its new buffer and its ops. */
static void srh_probe_install(struct kunit *test, unsigned int h,
			      struct dma_buf *dmabuf)
{
	struct srh_probe *probe = &srh_probes[h];

	KUNIT_ASSERT_PTR_EQ_MSG(test, dmabuf->ops, srh_heaps[h].buf_ops,
				"heap %s: a buffer with another heap's ops",
				srh_heaps[h].name);
	probe->heap_ops = srh_heaps[h].buf_ops;
	probe->ops = srh_probe_ops;
	dmabuf->ops = &probe->ops;
}

/* What a row does after a successful allocation, step by step. */
enum srh_step {
	SRH_DONE,
	/* The heap's vmap or vunmap op, under the reservation lock. */
	SRH_VMAP_OP,
	SRH_VUNMAP_OP,
	/* dma_buf_vmap_unlocked(), dma_buf_vunmap_unlocked(). */
	SRH_VMAP,
	SRH_VUNMAP,
	/*
	 * The last vmap's address maps the buffer's pages in order: 0, the
	 * number of pages mapped wrong, or -EFAULT when it gave no address.
	 */
	SRH_CHECK_MAP,
	/* dma_buf_begin_cpu_access(), dma_buf_end_cpu_access(). */
	SRH_BEGIN,
	SRH_END,
	/* The same with DMA_NONE, which no sync may be asked for. */
	SRH_BEGIN_NONE,
	SRH_END_NONE,
	/* dma_buf_attach() of the case's device, dma_buf_detach() of it. */
	SRH_ATTACH,
	SRH_DETACH,
	/*
	 * Two threads attach and detach the buffer SRH_RACE_ROUNDS times
	 * each while this one syncs it for the CPU as many times: the
	 * number of calls that failed.
	 */
	SRH_RACE,
};

#define SRH_MAX_STEPS		7
#define SRH_RACE_ROUNDS		64
/* The buffer of the rows that get one: two orders (272 pages of 4K, 17 of 64K). */
#define SRH_ROW_LEN		(SZ_1M + SZ_64K)
/* A length past memory: all of RAM and 64M more, worked out when run. */
#define SRH_PAST_MEMORY		ULONG_MAX
/* Pages a row may keep: the per-CPU lists are drained before counting. */
#define SRH_SLACK_PAGES		(SZ_8M >> PAGE_SHIFT)

struct srh_errno_row {
	const char *name;
	/* "op", "core" or "core only": see above. */
	const char *via;
	unsigned long len;
	u32 fd_flags;
	u64 heap_flags;
	/* What C answers: the allocate op, then each step. */
	int alloc;
	enum srh_step steps[SRH_MAX_STEPS];
	int answers[SRH_MAX_STEPS];
	/* C's state after the steps (a refused allocation leaves none). */
	struct srh_state state;
	/* The op the row is about, and the calls of it the probe counts. */
	enum srh_op reach;
	int calls;
};

static const struct srh_errno_row srh_errno_rows[] = {
	/*
	 * C is wrong: a zero length is -EINVAL, not -ENOMEM. The heap asks
	 * sg_alloc_table() for no entries, which refuses with -EINVAL, and
	 * the heap reports any table failure as -ENOMEM.
	 */
	{ .name = "zero length", .via = "op", .len = 0, .fd_flags = O_RDWR,
	  .alloc = -ENOMEM, .reach = SRH_OP_ALLOCATE, .calls = 1 },
	/*
	 * C is wrong: a length that is not whole pages is allocated a chunk
	 * at a time until a tail shorter than a page is left, which no order
	 * fits: -ENOMEM, where -EINVAL (or rounding up, as the core does) is
	 * right.
	 */
	{ .name = "a page and a byte", .via = "op", .len = PAGE_SIZE + 1,
	  .fd_flags = O_RDWR, .alloc = -ENOMEM, .reach = SRH_OP_ALLOCATE,
	  .calls = 1 },
	/*
	 * More than the machine has. C does not compare the length with the
	 * memory there is: it takes every page it can get, zeroed, until the
	 * page allocator fails it, then gives them all back (wasteful, kept).
	 */
	{ .name = "a length past memory", .via = "op", .len = SRH_PAST_MEMORY,
	  .fd_flags = O_RDWR, .alloc = -ENOMEM, .reach = SRH_OP_ALLOCATE,
	  .calls = 1 },
	/* No heap flag is defined; the core refuses them, the heap ignores them. */
	{ .name = "every heap flag", .via = "op", .len = SRH_ROW_LEN,
	  .fd_flags = O_RDWR, .heap_flags = ~0ULL, .alloc = 0,
	  .reach = SRH_OP_ALLOCATE, .calls = 1 },
	/*
	 * The core takes only O_ACCMODE and O_CLOEXEC. The heap passes any
	 * fd flags to dma_buf_export(), which keeps the access mode and
	 * O_NONBLOCK of them for the file: both heaps' files must match.
	 */
	{ .name = "every fd flag", .via = "op", .len = SRH_ROW_LEN,
	  .fd_flags = ~0U, .alloc = 0, .reach = SRH_OP_ALLOCATE, .calls = 1 },
	/*
	 * C is wrong in the next three rows: vunmap decrements vmap_cnt
	 * whatever it is (`if (!--buffer->vmap_cnt)`), so an unbalanced
	 * vunmap takes it below zero, silently; and vmap on a nonzero count
	 * hands out the stored address, so the next vmap succeeds with a
	 * NULL address (CHECK_MAP: -EFAULT). It should refuse or warn.
	 */
	{ .name = "double vunmap", .via = "op", .len = SRH_ROW_LEN,
	  .fd_flags = O_RDWR,
	  .steps = { SRH_VMAP_OP, SRH_VUNMAP_OP, SRH_VUNMAP_OP },
	  .answers = { 0, 0, 0 }, .state = { .vmap_cnt = -1 },
	  .reach = SRH_OP_VUNMAP, .calls = 2 },
	{ .name = "unbalanced vunmap", .via = "op", .len = SRH_ROW_LEN,
	  .fd_flags = O_RDWR, .steps = { SRH_VUNMAP_OP }, .answers = { 0 },
	  .state = { .vmap_cnt = -1 }, .reach = SRH_OP_VUNMAP, .calls = 1 },
	{ .name = "vmap after an unbalanced vunmap", .via = "op",
	  .len = SRH_ROW_LEN, .fd_flags = O_RDWR,
	  .steps = { SRH_VUNMAP_OP, SRH_VMAP_OP, SRH_CHECK_MAP },
	  .answers = { 0, 0, -EFAULT }, .state = { .vmap_cnt = 0 },
	  .reach = SRH_OP_VMAP, .calls = 1 },
	/*
	 * vmap after the mapping's release: the last vunmap unmapped it, and
	 * the next vmap maps the buffer again. (After the buffer's release
	 * no heap can be asked anything: its memory is gone, and the core's
	 * file reference makes that call impossible.)
	 */
	{ .name = "vmap after release", .via = "core", .len = SRH_ROW_LEN,
	  .fd_flags = O_RDWR,
	  .steps = { SRH_VMAP, SRH_CHECK_MAP, SRH_VUNMAP, SRH_VMAP,
		     SRH_CHECK_MAP, SRH_VUNMAP },
	  .answers = { 0, 0, 0, 0, 0, 0 }, .reach = SRH_OP_VMAP, .calls = 2 },
	/* The probe's own check: the core answers a second vmap itself. */
	{ .name = "second vmap (core only)", .via = "core only",
	  .len = SRH_ROW_LEN, .fd_flags = O_RDWR,
	  .steps = { SRH_VMAP, SRH_VMAP, SRH_CHECK_MAP, SRH_VUNMAP,
		     SRH_VUNMAP },
	  .answers = { 0, 0, 0, 0, 0 }, .reach = SRH_OP_VMAP, .calls = 1 },
	/*
	 * CPU access on a detached buffer: with no attachment mapped and no
	 * kernel mapping there is nothing to sync, and both ops succeed.
	 */
	{ .name = "cpu access, never attached", .via = "core",
	  .len = SRH_ROW_LEN, .fd_flags = O_RDWR,
	  .steps = { SRH_BEGIN, SRH_END }, .answers = { 0, 0 },
	  .reach = SRH_OP_BEGIN, .calls = 1 },
	{ .name = "cpu access after detach", .via = "core",
	  .len = SRH_ROW_LEN, .fd_flags = O_RDWR,
	  .steps = { SRH_ATTACH, SRH_DETACH, SRH_BEGIN, SRH_END },
	  .answers = { 0, 0, 0, 0 }, .reach = SRH_OP_END, .calls = 1 },
	{ .name = "cpu access, attached, not mapped", .via = "core",
	  .len = SRH_ROW_LEN, .fd_flags = O_RDWR,
	  .steps = { SRH_ATTACH, SRH_BEGIN, SRH_END, SRH_DETACH },
	  .answers = { 0, 0, 0, 0 }, .reach = SRH_OP_BEGIN, .calls = 1 },
	/*
	 * C does not look at the direction; with nothing mapped it syncs
	 * nothing and succeeds. (DMA_BUF_IOCTL_SYNC refuses bad flags, and
	 * with an attachment mapped the DMA API would BUG() on DMA_NONE.)
	 */
	{ .name = "cpu access with DMA_NONE, detached", .via = "core",
	  .len = SRH_ROW_LEN, .fd_flags = O_RDWR,
	  .steps = { SRH_BEGIN_NONE, SRH_END_NONE }, .answers = { 0, 0 },
	  .reach = SRH_OP_BEGIN, .calls = 1 },
	/*
	 * Attach and detach racing each other and the CPU-access syncs,
	 * which walk the attachment list: no call fails, the list is empty
	 * after, and the buffer is released once with every page back.
	 */
	{ .name = "attach/detach race", .via = "core", .len = SRH_ROW_LEN,
	  .fd_flags = O_RDWR, .steps = { SRH_RACE }, .answers = { 0 },
	  .reach = SRH_OP_ATTACH, .calls = 2 * SRH_RACE_ROUNDS },
};

static void srh_errno_row_desc(const struct srh_errno_row *row, char *desc)
{
	strscpy(desc, row->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(srh_errno, srh_errno_rows, srh_errno_row_desc);

/* What a row gave on one heap. */
struct srh_outcome {
	int alloc;
	int answers[SRH_MAX_STEPS];
	struct srh_state state;
	unsigned int core_attachments;
	unsigned int f_flags;
	int calls[SRH_NR_OPS];
	long pages_kept;
	/* The race: the most attachments a sync saw on the heap's list. */
	unsigned int overlap;
};

/* What the steps of a row work on. */
struct srh_run {
	const struct srh_heap *heap;
	struct dma_buf *dmabuf;
	struct device *dev;
	struct dma_buf_attachment *attach;
	struct iosys_map op_map, core_map;
	void *vaddr;
	unsigned int overlap;
};

static int srh_check_map(const struct sg_table *table, void *vaddr)
{
	struct sg_page_iter piter;
	unsigned long i = 0;
	int wrong = 0;

	if (!vaddr)
		return -EFAULT;
	for_each_sgtable_page(table, &piter, 0) {
		if (vmalloc_to_page(vaddr + i * PAGE_SIZE) !=
		    sg_page_iter_page(&piter))
			wrong++;
		i++;
	}
	return wrong;
}

struct srh_racer {
	struct dma_buf *dmabuf;
	struct device *dev;
	atomic_t *failures;
	struct completion done;
};

static int srh_racer_fn(void *data)
{
	struct srh_racer *racer = data;
	unsigned int i;

	for (i = 0; i < SRH_RACE_ROUNDS; i++) {
		struct dma_buf_attachment *attach;

		attach = dma_buf_attach(racer->dmabuf, racer->dev);
		if (IS_ERR(attach)) {
			atomic_inc(racer->failures);
			continue;
		}
		/* Let the other thread and the syncs in while attached. */
		usleep_range(10, 50);
		dma_buf_detach(racer->dmabuf, attach);
	}
	kthread_complete_and_exit(&racer->done, 0);
}

/*
 * On UML (one CPU) and QEMU's arm64 (one vCPU) the threads interleave at
 * the sleeps rather than run at once; the most attachments a sync saw is
 * reported to show that they overlapped.
 */
static int srh_race(struct srh_run *run)
{
	struct srh_racer racers[2];
	atomic_t failures = ATOMIC_INIT(0);
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(racers); i++) {
		struct task_struct *task;

		racers[i] = (struct srh_racer){ .dmabuf = run->dmabuf,
						.dev = run->dev,
						.failures = &failures };
		init_completion(&racers[i].done);
		task = kthread_run(srh_racer_fn, &racers[i], "srh-race/%u", i);
		if (IS_ERR(task)) {
			atomic_inc(&failures);
			complete(&racers[i].done);
		}
	}
	for (i = 0; i < SRH_RACE_ROUNDS; i++) {
		struct srh_state state;

		if (dma_buf_begin_cpu_access(run->dmabuf, DMA_BIDIRECTIONAL))
			atomic_inc(&failures);
		run->heap->state(run->dmabuf, &state);
		run->overlap = max(run->overlap, state.attachments);
		if (dma_buf_end_cpu_access(run->dmabuf, DMA_BIDIRECTIONAL))
			atomic_inc(&failures);
		usleep_range(10, 50);
	}
	for (i = 0; i < ARRAY_SIZE(racers); i++)
		wait_for_completion(&racers[i].done);
	return atomic_read(&failures);
}

static int srh_do_step(struct srh_run *run, enum srh_step step)
{
	struct dma_buf *dmabuf = run->dmabuf;
	int ret = 0;

	switch (step) {
	case SRH_VMAP_OP:
		ret = srh_call_vmap(dmabuf, &run->op_map);
		run->vaddr = ret ? NULL : run->op_map.vaddr;
		break;
	case SRH_VUNMAP_OP:
		srh_call_vunmap(dmabuf, &run->op_map);
		break;
	case SRH_VMAP:
		ret = dma_buf_vmap_unlocked(dmabuf, &run->core_map);
		run->vaddr = ret ? NULL : run->core_map.vaddr;
		break;
	case SRH_VUNMAP:
		dma_buf_vunmap_unlocked(dmabuf, &run->core_map);
		break;
	case SRH_CHECK_MAP:
		ret = srh_check_map(run->heap->table(dmabuf), run->vaddr);
		break;
	case SRH_BEGIN:
		ret = dma_buf_begin_cpu_access(dmabuf, DMA_BIDIRECTIONAL);
		break;
	case SRH_END:
		ret = dma_buf_end_cpu_access(dmabuf, DMA_BIDIRECTIONAL);
		break;
	case SRH_BEGIN_NONE:
		ret = dma_buf_begin_cpu_access(dmabuf, DMA_NONE);
		break;
	case SRH_END_NONE:
		ret = dma_buf_end_cpu_access(dmabuf, DMA_NONE);
		break;
	case SRH_ATTACH:
		run->attach = dma_buf_attach(dmabuf, run->dev);
		ret = PTR_ERR_OR_ZERO(run->attach);
		if (ret)
			run->attach = NULL;
		break;
	case SRH_DETACH:
		if (!run->attach)
			return -ENOENT;
		dma_buf_detach(dmabuf, run->attach);
		run->attach = NULL;
		break;
	case SRH_RACE:
		ret = srh_race(run);
		break;
	case SRH_DONE:
		break;
	}
	return ret;
}

/* Free pages, with the released buffers and per-CPU lists given back. */
static long srh_free_pages(void)
{
	flush_delayed_fput();
	drain_all_pages(NULL);
	return global_zone_page_state(NR_FREE_PAGES);
}

static unsigned int srh_row_steps(const struct srh_errno_row *row)
{
	unsigned int n = 0;

	while (n < SRH_MAX_STEPS && row->steps[n] != SRH_DONE)
		n++;
	return n;
}

/* One row on heap h: allocate, the steps, the state, release. */
static void srh_run_row(struct kunit *test, const struct srh_errno_row *row,
			unsigned int h, struct device *dev,
			struct srh_outcome *out)
{
	const struct srh_heap *heap = &srh_heaps[h];
	struct srh_probe *probe = &srh_probes[h];
	struct srh_run run = { .heap = heap, .dev = dev };
	unsigned int i, nsteps = srh_row_steps(row);
	unsigned long len = row->len;
	bool oom_off = false;
	long before;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, *heap->heap);
	for (i = 0; i < SRH_NR_OPS; i++)
		atomic_set(&probe->calls[i], 0);
	if (len == SRH_PAST_MEMORY) {
		len = (totalram_pages() << PAGE_SHIFT) + SZ_64M;
		/*
		 * No user task runs while KUnit does, so the OOM killer would
		 * find nothing to kill and panic. With it off the page
		 * allocator fails the heap's order-0 allocation instead, once
		 * reclaim has nothing left.
		 */
		oom_off = oom_killer_disable(HZ);
		KUNIT_ASSERT_TRUE_MSG(test, oom_off,
				      "the OOM killer could not be turned off");
	}
	before = srh_free_pages();
	atomic_inc(&probe->calls[SRH_OP_ALLOCATE]);
	run.dmabuf = heap->allocate(*heap->heap, len, row->fd_flags,
				    row->heap_flags);
	if (oom_off)
		oom_killer_enable();
	KUNIT_ASSERT_NOT_NULL(test, run.dmabuf);
	out->alloc = PTR_ERR_OR_ZERO(run.dmabuf);
	if (!out->alloc) {
		KUNIT_ASSERT_EQ(test, 0,
				kunit_add_action_or_reset(test,
							  sgvmap_put_dmabuf,
							  run.dmabuf));
		srh_probe_install(test, h, run.dmabuf);
		for (i = 0; i < nsteps; i++)
			out->answers[i] = srh_do_step(&run, row->steps[i]);
		heap->state(run.dmabuf, &out->state);
		dma_resv_lock(run.dmabuf->resv, NULL);
		out->core_attachments =
			list_count_nodes(&run.dmabuf->attachments);
		dma_resv_unlock(run.dmabuf->resv);
		out->f_flags = run.dmabuf->file->f_flags;
		out->overlap = run.overlap;
		srh_release_now(test, run.dmabuf);
	}
	for (i = 0; i < SRH_NR_OPS; i++)
		out->calls[i] = atomic_read(&probe->calls[i]);
	out->pages_kept = before - srh_free_pages();
}

static void srh_report_row(struct kunit *test, const struct srh_errno_row *row,
			   const struct srh_outcome *out, const char *heap)
{
	unsigned int i, nsteps = srh_row_steps(row);
	char answers[64] = "", calls[160] = "";
	int len = 0;

	for (i = 0; i < nsteps; i++)
		len += scnprintf(answers + len, sizeof(answers) - len, "%s%d",
				 i ? "," : "", out->answers[i]);
	len = 0;
	for (i = 0; i < SRH_NR_OPS; i++)
		if (out->calls[i])
			len += scnprintf(calls + len, sizeof(calls) - len,
					 "%s%s=%d", len ? "," : "",
					 srh_op_names[i], out->calls[i]);
	kunit_info(test, "heap_errno: arch=%s row=\"%s\" via=\"%s\" heap=%s alloc=%d steps=%s vmap_cnt=%d vaddr=%d attachments=%u core_attachments=%u f_flags=%#x pages_kept=%ld overlap=%u calls=%s\n",
		   SGVMAP_ARCH, row->name, row->via, heap, out->alloc,
		   nsteps ? answers : "-", out->state.vmap_cnt,
		   out->state.vaddr, out->state.attachments,
		   out->core_attachments, out->f_flags, out->pages_kept,
		   out->overlap, calls);
}

/*
 * One row of the table on both heaps: each gives C's answers and state
 * and ran the op the row is about; the Rust heap gives what C gave.
 */
static void srh_errno_table(struct kunit *test)
{
	const struct srh_errno_row *row = test->param_value;
	struct srh_outcome out[ARRAY_SIZE(srh_heaps)];
	struct device *dev = kunit_device_register(test, "srh-errno");
	const struct srh_outcome *c = &out[0];
	unsigned int h, i, nsteps = srh_row_steps(row);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dev);
	memset(out, 0, sizeof(out));
	for (h = 0; h < ARRAY_SIZE(srh_heaps); h++) {
		srh_run_row(test, row, h, dev, &out[h]);
		srh_report_row(test, row, &out[h], srh_heaps[h].name);
	}
	for (h = 0; h < ARRAY_SIZE(srh_heaps); h++) {
		const struct srh_outcome *o = &out[h];
		const char *heap = srh_heaps[h].name;

		KUNIT_EXPECT_EQ_MSG(test, o->alloc, row->alloc,
				    "row \"%s\", heap %s: allocate", row->name,
				    heap);
		for (i = 0; i < nsteps; i++)
			KUNIT_EXPECT_EQ_MSG(test, o->answers[i],
					    row->answers[i],
					    "row \"%s\", heap %s: step %u",
					    row->name, heap, i + 1);
		KUNIT_EXPECT_EQ_MSG(test, o->state.vmap_cnt,
				    row->state.vmap_cnt,
				    "row \"%s\", heap %s: vmap count after",
				    row->name, heap);
		KUNIT_EXPECT_EQ_MSG(test, o->state.vaddr, row->state.vaddr,
				    "row \"%s\", heap %s: a vmap address after",
				    row->name, heap);
		KUNIT_EXPECT_EQ_MSG(test, o->state.attachments,
				    row->state.attachments,
				    "row \"%s\", heap %s: attachments after",
				    row->name, heap);
		KUNIT_EXPECT_EQ_MSG(test, o->core_attachments, 0U,
				    "row \"%s\", heap %s: the core's attachments after",
				    row->name, heap);
		KUNIT_EXPECT_EQ_MSG(test, o->calls[row->reach], row->calls,
				    "row \"%s\", heap %s: calls of the heap's %s op",
				    row->name, heap, srh_op_names[row->reach]);
		KUNIT_EXPECT_EQ_MSG(test, o->calls[SRH_OP_RELEASE],
				    o->alloc ? 0 : 1,
				    "row \"%s\", heap %s: releases", row->name,
				    heap);
		KUNIT_EXPECT_LE_MSG(test, o->pages_kept, (long)SRH_SLACK_PAGES,
				    "row \"%s\", heap %s: pages not given back",
				    row->name, heap);
	}
	/* And the Rust heap gives what C gave, all of it. */
	for (h = 1; h < ARRAY_SIZE(srh_heaps); h++) {
		const struct srh_outcome *o = &out[h];
		const char *heap = srh_heaps[h].name;

		KUNIT_EXPECT_EQ_MSG(test, o->alloc, c->alloc,
				    "row \"%s\": allocate, %s vs c", row->name,
				    heap);
		for (i = 0; i < nsteps; i++)
			KUNIT_EXPECT_EQ_MSG(test, o->answers[i], c->answers[i],
					    "row \"%s\": step %u, %s vs c",
					    row->name, i + 1, heap);
		KUNIT_EXPECT_EQ_MSG(test, o->state.vmap_cnt, c->state.vmap_cnt,
				    "row \"%s\": vmap count, %s vs c",
				    row->name, heap);
		KUNIT_EXPECT_EQ_MSG(test, o->state.vaddr, c->state.vaddr,
				    "row \"%s\": vmap address, %s vs c",
				    row->name, heap);
		KUNIT_EXPECT_EQ_MSG(test, o->state.attachments,
				    c->state.attachments,
				    "row \"%s\": attachments, %s vs c",
				    row->name, heap);
		KUNIT_EXPECT_EQ_MSG(test, o->f_flags, c->f_flags,
				    "row \"%s\": the file's flags, %s vs c",
				    row->name, heap);
		for (i = 0; i < SRH_NR_OPS; i++)
			KUNIT_EXPECT_EQ_MSG(test, o->calls[i], c->calls[i],
					    "row \"%s\": calls of the %s op, %s vs c",
					    row->name, srh_op_names[i], heap);
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
	KUNIT_CASE(srh_vmap_path),
	KUNIT_CASE(srh_attach_map_agree),
	KUNIT_CASE_PARAM(srh_errno_table, srh_errno_gen_params),
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

#ifdef CONFIG_DMABUF_HEAPS_SYSTEM_KUNIT_STRESS
/* Both heaps under load with allocations failing: see there. */
#include "system_heap_stress_test.c"
#endif
