// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: both system heaps under load, with allocations failing.
 *
 * Included by system_heap_rust_test.c when
 * CONFIG_DMABUF_HEAPS_SYSTEM_KUNIT_STRESS is set, so that it reaches both
 * heaps' ops the way srh_errno_table does (srh_heaps[]).
 *
 * For each heap in turn, SHS_THREADS kernel threads allocate, map
 * (dma_buf_vmap_unlocked()), write, check, unmap and free buffers of
 * mixed sizes for SHS_ROUNDS rounds each. Every round each thread also
 * maps one buffer that all the heap's threads share, inside
 * begin/end_cpu_access, and reads it back: on more than one CPU (arm64
 * boots the stress kernel with two) the threads race on the dma-buf
 * core's map count, taking it from unmapped to mapped and back (the
 * heap's own op then maps and unmaps), and begin/end_cpu_access race the
 * heap's map and unmap on its lock.
 *
 * Meanwhile failslab and fail_page_alloc fail every SHS_SLAB_INTERVAL-th
 * and SHS_PAGE_INTERVAL-th allocation made inside the heaps' allocate and
 * vmap calls of those threads alone: the injectors' task filter is on and
 * the threads set make_it_fail around those two calls only (not around
 * the release, which may run other tasks' delayed fputs). failslab's
 * cache filter is on as well, and the stress kernel boots with
 * "slab_debug=A,kmalloc-*", so only kmalloc's caches fail: kmemleak's own
 * caches never do, and its scans stay complete. The injection is interval
 * based (probability 100), no random seed; which thread meets a fault,
 * and so how many faults a run injects, depends on how the threads
 * interleave.
 *
 * The injectors' knobs are set through the variables their debugfs files
 * write (each file's i_private), the only handle 6.12 gives to code: the
 * case does what "echo N > /sys/kernel/debug/failslab/..." does, and puts
 * every knob back afterwards.
 *
 * dma_buf_vmap() in 6.12 warns once (WARN_ON_ONCE) when a heap's vmap op
 * fails, whatever the reason: under injected faults that one warning is
 * expected, and patchctl allows it once per boot, in a boot where a vmap
 * failed (kernel/stress.rs).
 *
 * Every failure must be -ENOMEM; every round of a thread must end one
 * way (mapped and checked, or failed), for its own buffer and for the
 * shared one; every mapping must hold what was written, read back
 * through the buffer's own pages; free pages must be
 * back within SHS_FREE_SLACK pages, neither fewer nor more; lockdep must
 * still be on (it turns itself off at its first report). kmemleak is
 * scanned by the second boot's /init after this suite has run again
 * there. Each heap's figures are one line:
 *
 *   # shs_stress: stress: arch=<arch> heap=<c|rust> threads=<n>
 *     rounds=<n> mapped=<n> injected=<n> failslab=<n> fail_page_alloc=<n>
 *     failures=<n> alloc_failures=<n> vmap_failures=<n> other_errno=<n>
 *     bad_pages=<n> shared_mapped=<n> shared_failures=<n>
 *     free_delta=<pages> slack=<pages>
 *
 * other_errno counts the failures with another errno than -ENOMEM.
 */
#include <linux/debugfs.h>
#include <linux/debug_locks.h>
#include <linux/fault-inject.h>
#include <linux/highmem.h>
#include <linux/rcupdate.h>

#define SHS_THREADS 4
#define SHS_ROUNDS 48
#define SHS_SLAB_INTERVAL 61
#define SHS_PAGE_INTERVAL 43
/* Far more than a run injects: the injectors count it down per fault. */
#define SHS_TIMES 1000000
/* Free pages may differ by this much after a heap's run, either way. */
#define SHS_FREE_SLACK 1024
/* The buffer the threads share: an order-8, an order-4 and an order-0 chunk. */
#define SHS_SHARED_LEN (SZ_1M + SZ_64K + PAGE_SIZE)

/* Mixed sizes: single pages, order-4 and order-8 chunks and their mixes. */
static const size_t shs_sizes[] = {
	PAGE_SIZE,
	3 * PAGE_SIZE,
	SZ_64K,
	SZ_64K + 5 * PAGE_SIZE,
	SZ_1M,
	SZ_1M + SZ_64K + PAGE_SIZE,
	2 * SZ_1M,
};

/* One injector's knobs, as its debugfs directory exposes them. */
struct shs_injector {
	const char *dir;
	struct fault_attr *attr;
	bool *ignore_reclaim;
	bool *ignore_highmem;
	/* failslab's alone: only caches marked SLAB_FAILSLAB fail. */
	bool *cache_filter;
	u32 *min_order;
	/* What they held before the case. */
	struct {
		bool cache_filter;
		unsigned long probability;
		unsigned long interval;
		unsigned long verbose;
		int times;
		bool task_filter;
		bool ignore_reclaim;
		bool ignore_highmem;
		u32 min_order;
	} saved;
};

/* The variable debugfs file <dir>/<name> reads and writes, or NULL. */
static void *shs_knob(const char *dir, const char *name)
{
	struct dentry *d, *f;
	void *data = NULL;

	d = debugfs_lookup(dir, NULL);
	if (IS_ERR_OR_NULL(d))
		return NULL;
	f = debugfs_lookup(name, d);
	if (!IS_ERR_OR_NULL(f)) {
		data = d_inode(f)->i_private;
		dput(f);
	}
	dput(d);
	return data;
}

static void shs_find(struct kunit *test, struct shs_injector *inj)
{
	unsigned long *probability = shs_knob(inj->dir, "probability");

	KUNIT_ASSERT_NOT_NULL_MSG(test, probability,
				  "no debugfs %s/probability", inj->dir);
	inj->attr = container_of(probability, struct fault_attr, probability);
	/* The same attr behind its other files, or the layout is not known. */
	KUNIT_ASSERT_PTR_EQ(test, shs_knob(inj->dir, "interval"),
			    (void *)&inj->attr->interval);
	KUNIT_ASSERT_PTR_EQ(test, shs_knob(inj->dir, "task-filter"),
			    (void *)&inj->attr->task_filter);
	inj->ignore_reclaim = shs_knob(inj->dir, "ignore-gfp-wait");
	KUNIT_ASSERT_NOT_NULL(test, inj->ignore_reclaim);
	inj->ignore_highmem = shs_knob(inj->dir, "ignore-gfp-highmem");
	inj->min_order = shs_knob(inj->dir, "min-order");
	inj->cache_filter = shs_knob(inj->dir, "cache-filter");
	if (!strcmp(inj->dir, "failslab"))
		KUNIT_ASSERT_NOT_NULL(test, inj->cache_filter);
}

/* Every interval-th allocation of a make_it_fail task fails, no other. */
static void shs_arm(struct shs_injector *inj, unsigned long interval)
{
	struct fault_attr *attr = inj->attr;

	inj->saved.probability = attr->probability;
	inj->saved.interval = attr->interval;
	inj->saved.verbose = attr->verbose;
	inj->saved.times = atomic_read(&attr->times);
	inj->saved.task_filter = attr->task_filter;
	inj->saved.ignore_reclaim = *inj->ignore_reclaim;
	if (inj->ignore_highmem)
		inj->saved.ignore_highmem = *inj->ignore_highmem;
	if (inj->min_order)
		inj->saved.min_order = *inj->min_order;
	if (inj->cache_filter)
		inj->saved.cache_filter = *inj->cache_filter;

	attr->task_filter = true;
	attr->verbose = 0;
	attr->interval = interval;
	attr->count = 0;
	atomic_set(&attr->space, 0);
	atomic_set(&attr->times, SHS_TIMES);
	/* Both heaps allocate with GFP_HIGHUSER, which may reclaim. */
	*inj->ignore_reclaim = false;
	if (inj->ignore_highmem)
		*inj->ignore_highmem = false;
	if (inj->min_order)
		*inj->min_order = 0;
	if (inj->cache_filter)
		*inj->cache_filter = true;
	/*
	 * should_fail_ex() reads the knobs with plain loads, so no barrier
	 * of ours pairs with it: wait for a grace period instead, by which
	 * every CPU has passed a full barrier and sees the knobs above, then
	 * turn the injector on. From here on it fails the marked threads'
	 * calls, and no other task's.
	 */
	synchronize_rcu();
	WRITE_ONCE(attr->probability, 100);
}

/* Puts the knobs back; the faults injected since shs_arm(). */
static int shs_disarm(struct shs_injector *inj)
{
	struct fault_attr *attr = inj->attr;
	int injected = SHS_TIMES - atomic_read(&attr->times);

	/*
	 * First: no fault after this, whatever the other knobs say; the
	 * grace period lets every CPU see it before they change.
	 */
	WRITE_ONCE(attr->probability, inj->saved.probability);
	synchronize_rcu();
	attr->interval = inj->saved.interval;
	attr->verbose = inj->saved.verbose;
	attr->task_filter = inj->saved.task_filter;
	atomic_set(&attr->times, inj->saved.times);
	*inj->ignore_reclaim = inj->saved.ignore_reclaim;
	if (inj->ignore_highmem)
		*inj->ignore_highmem = inj->saved.ignore_highmem;
	if (inj->min_order)
		*inj->min_order = inj->saved.min_order;
	if (inj->cache_filter)
		*inj->cache_filter = inj->saved.cache_filter;
	return injected;
}

struct shs_worker {
	const struct srh_heap *heap;
	/* The buffer every thread of the heap maps each round. */
	struct dma_buf *shared;
	unsigned int id;
	unsigned int rounds;
	/* Rounds whose own buffer was mapped, written and checked. */
	unsigned int mapped;
	unsigned int alloc_failures;
	unsigned int vmap_failures;
	/* Own buffer's failures with another errno than -ENOMEM. */
	unsigned int other;
	/* Rounds whose map of the shared buffer was checked, or failed. */
	unsigned int shared_mapped;
	unsigned int shared_failures;
	unsigned int shared_other;
	int other_errno;
	unsigned int bad_pages;
	struct completion done;
};

/* One failure: -ENOMEM in @enomem, any other errno in @other. */
static void shs_failed(struct shs_worker *w, int err, unsigned int *enomem,
		       unsigned int *other)
{
	if (err == -ENOMEM) {
		(*enomem)++;
	} else {
		(*other)++;
		w->other_errno = err;
	}
}

/* The heap's allocate op, with this thread's allocations failing. */
static struct dma_buf *shs_allocate(const struct srh_heap *heap, size_t len)
{
	struct dma_buf *dmabuf;

	current->make_it_fail = 1;
	dmabuf = heap->allocate(*heap->heap, len, O_RDWR | O_CLOEXEC, 0);
	current->make_it_fail = 0;
	return dmabuf;
}

/* dma_buf_vmap_unlocked(), with this thread's allocations failing. */
static int shs_vmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	int ret;

	current->make_it_fail = 1;
	ret = dma_buf_vmap_unlocked(dmabuf, map);
	current->make_it_fail = 0;
	return ret;
}

static u32 shs_word(const struct shs_worker *w, unsigned int round,
		    unsigned long page)
{
	return (w->id << 24) ^ (round << 16) ^ (u32)page ^ 0x5a5a0000;
}

/* Writes each page's first and last word through the mapping. */
static void shs_write(const struct shs_worker *w, unsigned int round,
		      void *vaddr, size_t len)
{
	unsigned long i;

	for (i = 0; i < len >> PAGE_SHIFT; i++) {
		u32 *page = vaddr + (i << PAGE_SHIFT);

		page[0] = shs_word(w, round, i);
		page[PAGE_SIZE / sizeof(u32) - 1] = ~shs_word(w, round, i);
	}
}

/* Reads them back through the buffer's own pages: the pages that differ. */
static unsigned int shs_check(const struct shs_worker *w, unsigned int round,
			      const struct sg_table *table, size_t len)
{
	struct sg_page_iter piter;
	unsigned long i = 0;
	unsigned int bad = 0;

	for_each_sgtable_page(table, &piter, 0) {
		u32 *page = kmap_local_page(sg_page_iter_page(&piter));

		if (page[0] != shs_word(w, round, i) ||
		    page[PAGE_SIZE / sizeof(u32) - 1] != ~shs_word(w, round, i))
			bad++;
		kunmap_local(page);
		i++;
	}
	if (i != len >> PAGE_SHIFT)
		bad++;
	return bad;
}

/* The shared buffer's pattern: a word at the start of each page. */
static u32 shs_shared_word(unsigned long page)
{
	return 0xa5a50000 ^ (u32)page;
}

static void shs_shared_write(void *vaddr)
{
	unsigned long i;

	for (i = 0; i < SHS_SHARED_LEN >> PAGE_SHIFT; i++)
		*(u32 *)(vaddr + (i << PAGE_SHIFT)) = shs_shared_word(i);
}

/* Read through the mapping: the pages that do not hold the pattern. */
static unsigned int shs_shared_check(const void *vaddr)
{
	unsigned int bad = 0;
	unsigned long i;

	for (i = 0; i < SHS_SHARED_LEN >> PAGE_SHIFT; i++) {
		if (*(const u32 *)(vaddr + (i << PAGE_SHIFT)) !=
		    shs_shared_word(i))
			bad++;
	}
	return bad;
}

/* Map the shared buffer, with CPU access begun, and read it back. */
static void shs_shared_round(struct shs_worker *w)
{
	struct iosys_map map;
	int ret;

	ret = dma_buf_begin_cpu_access(w->shared, DMA_BIDIRECTIONAL);
	if (ret) {
		shs_failed(w, ret, &w->shared_failures, &w->shared_other);
		return;
	}
	ret = shs_vmap(w->shared, &map);
	if (ret) {
		shs_failed(w, ret, &w->shared_failures, &w->shared_other);
	} else {
		w->bad_pages += shs_shared_check(map.vaddr);
		w->shared_mapped++;
		dma_buf_vunmap_unlocked(w->shared, &map);
	}
	dma_buf_end_cpu_access(w->shared, DMA_BIDIRECTIONAL);
}

static void shs_round(struct shs_worker *w, unsigned int round)
{
	size_t len = shs_sizes[(w->id + round) % ARRAY_SIZE(shs_sizes)];
	const struct srh_heap *heap = w->heap;
	struct dma_buf *dmabuf;
	struct iosys_map map;
	int ret;

	shs_shared_round(w);
	dmabuf = shs_allocate(heap, len);
	if (IS_ERR_OR_NULL(dmabuf)) {
		shs_failed(w, dmabuf ? PTR_ERR(dmabuf) : -EFAULT,
			   &w->alloc_failures, &w->other);
		return;
	}
	ret = shs_vmap(dmabuf, &map);
	if (ret) {
		shs_failed(w, ret, &w->vmap_failures, &w->other);
	} else {
		shs_write(w, round, map.vaddr, len);
		w->bad_pages += shs_check(w, round, heap->table(dmabuf), len);
		w->mapped++;
		dma_buf_vunmap_unlocked(dmabuf, &map);
	}
	/* A kernel thread's put is a delayed fput: release it here and now. */
	srh_put_now(dmabuf);
}

static int shs_thread(void *data)
{
	struct shs_worker *w = data;
	unsigned int round;

	for (round = 0; round < SHS_ROUNDS; round++) {
		shs_round(w, round);
		w->rounds++;
		cond_resched();
	}
	complete(&w->done);
	return 0;
}

static void shs_stress(struct kunit *test)
{
	const struct srh_heap *heap = test->param_value;
	struct shs_injector slab = { .dir = "failslab" };
	struct shs_injector page = { .dir = "fail_page_alloc" };
	struct shs_worker *workers;
	unsigned int i, rounds = 0, mapped = 0, alloc_failures = 0;
	unsigned int vmap_failures = 0, shared_mapped = 0, shared_failures = 0;
	unsigned int other = 0, shared_other = 0, bad_pages = 0, started = 0;
	int other_errno = 0, slab_faults, page_faults;
	struct dma_buf *shared;
	struct iosys_map map;
	long before, after;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, *heap->heap);
	KUNIT_ASSERT_TRUE_MSG(test, debug_locks,
			      "lockdep is off already: a report came before this case");
	shs_find(test, &slab);
	shs_find(test, &page);
	workers = kunit_kcalloc(test, SHS_THREADS, sizeof(*workers), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, workers);

	before = srh_free_pages();
	/* The shared buffer, written once before any fault is armed. */
	shared = heap->allocate(*heap->heap, SHS_SHARED_LEN, O_RDWR | O_CLOEXEC,
				0);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, shared);
	if (dma_buf_vmap_unlocked(shared, &map)) {
		srh_put_now(shared);
		KUNIT_FAIL_AND_ABORT(test, "heap %s: the shared buffer does not map",
				     heap->name);
	}
	shs_shared_write(map.vaddr);
	dma_buf_vunmap_unlocked(shared, &map);

	shs_arm(&slab, SHS_SLAB_INTERVAL);
	shs_arm(&page, SHS_PAGE_INTERVAL);
	for (i = 0; i < SHS_THREADS; i++) {
		struct task_struct *task;

		workers[i].heap = heap;
		workers[i].shared = shared;
		workers[i].id = i;
		init_completion(&workers[i].done);
		task = kthread_run(shs_thread, &workers[i], "shs-%s-%u",
				   heap->name, i);
		if (IS_ERR(task))
			break;
		started++;
	}
	for (i = 0; i < started; i++)
		wait_for_completion(&workers[i].done);
	slab_faults = shs_disarm(&slab);
	page_faults = shs_disarm(&page);
	/* A map count left over would BUG() in the release: say so instead. */
	KUNIT_EXPECT_EQ_MSG(test, shared->vmapping_counter, 0,
			    "heap %s: the shared buffer is still mapped",
			    heap->name);
	if (!shared->vmapping_counter)
		srh_put_now(shared);
	after = srh_free_pages();
	KUNIT_ASSERT_EQ_MSG(test, started, SHS_THREADS,
			    "could not start every stress thread");

	for (i = 0; i < SHS_THREADS; i++) {
		rounds += workers[i].rounds;
		mapped += workers[i].mapped;
		alloc_failures += workers[i].alloc_failures;
		vmap_failures += workers[i].vmap_failures;
		other += workers[i].other;
		shared_mapped += workers[i].shared_mapped;
		shared_failures += workers[i].shared_failures;
		shared_other += workers[i].shared_other;
		bad_pages += workers[i].bad_pages;
		if (workers[i].other || workers[i].shared_other)
			other_errno = workers[i].other_errno;
	}
	kunit_info(test,
		   "stress: arch=%s heap=%s threads=%u rounds=%u mapped=%u injected=%d failslab=%d fail_page_alloc=%d failures=%u alloc_failures=%u vmap_failures=%u other_errno=%u bad_pages=%u shared_mapped=%u shared_failures=%u free_delta=%ld slack=%d\n",
		   SGVMAP_ARCH, heap->name, SHS_THREADS, rounds, mapped,
		   slab_faults + page_faults, slab_faults, page_faults,
		   alloc_failures + vmap_failures + other + shared_failures +
		   shared_other, alloc_failures, vmap_failures + shared_failures,
		   other + shared_other, bad_pages, shared_mapped,
		   shared_failures, after - before, SHS_FREE_SLACK);

	KUNIT_EXPECT_EQ(test, rounds, SHS_THREADS * SHS_ROUNDS);
	/* Each round ended one way, for its own buffer and the shared one. */
	KUNIT_EXPECT_EQ(test, mapped + alloc_failures + vmap_failures + other,
			rounds);
	KUNIT_EXPECT_EQ(test, shared_mapped + shared_failures + shared_other,
			rounds);
	KUNIT_EXPECT_EQ_MSG(test, other + shared_other, 0,
			    "heap %s: a failure other than -ENOMEM (last %d)",
			    heap->name, other_errno);
	KUNIT_EXPECT_EQ_MSG(test, bad_pages, 0,
			    "heap %s: mappings that do not hold what was written",
			    heap->name);
	/* Faults were injected, and each failure had one behind it. */
	KUNIT_EXPECT_GT(test, slab_faults, 0);
	KUNIT_EXPECT_GT(test, page_faults, 0);
	KUNIT_EXPECT_GT(test, alloc_failures + vmap_failures, 0);
	/* And buffers went the whole way too, or nothing was checked. */
	KUNIT_EXPECT_GT(test, mapped, 0);
	KUNIT_EXPECT_GT(test, shared_mapped, 0);
	KUNIT_EXPECT_LE(test, alloc_failures + vmap_failures + other +
			shared_failures + shared_other,
			(unsigned int)(slab_faults + page_faults));
	/* Every page back, and no more than were there: checked both ways. */
	KUNIT_EXPECT_GE_MSG(test, after, before - SHS_FREE_SLACK,
			    "heap %s: %ld pages not back", heap->name,
			    before - after);
	KUNIT_EXPECT_LE_MSG(test, after, before + SHS_FREE_SLACK,
			    "heap %s: %ld pages more free than before",
			    heap->name, after - before);
	KUNIT_EXPECT_TRUE_MSG(test, debug_locks,
			      "heap %s: lockdep reported (and turned itself off)",
			      heap->name);
}

static void shs_heap_desc(const struct srh_heap *heap, char *desc)
{
	strscpy(desc, heap->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(shs_heap, srh_heaps, shs_heap_desc);

static struct kunit_case shs_test_cases[] = {
	KUNIT_CASE_PARAM(shs_stress, shs_heap_gen_params),
	{}
};

static struct kunit_suite shs_test_suite = {
	.name = "system_heap_stress",
	.test_cases = shs_test_cases,
};

kunit_test_suite(shs_test_suite);
