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
 * mixed sizes for SHS_ROUNDS rounds each, while failslab and
 * fail_page_alloc fail every SHS_SLAB_INTERVAL-th and
 * SHS_PAGE_INTERVAL-th allocation made by those threads alone: the
 * injectors' task filter is on and only the stress threads set
 * make_it_fail, so the rest of the kernel runs clean. The injection is
 * interval based (probability 100), no random seed: the injectors'
 * counters start at zero for each heap, so the number of faults is fixed
 * by the sequence of allocations, while which thread meets a fault
 * depends on how they interleave.
 *
 * The injectors' knobs are set through the variables their debugfs files
 * write (each file's i_private), the only handle 6.12 gives to code: the
 * case does what "echo N > /sys/kernel/debug/failslab/..." does, and puts
 * every knob back afterwards.
 *
 * dma_buf_vmap() in 6.12 warns once (WARN_ON_ONCE) when a heap's vmap op
 * fails, whatever the reason: under injected faults that one warning is
 * expected, and patchctl allows it (kernel/stress.rs).
 *
 * Every failure must be -ENOMEM; every mapping must hold what was
 * written, read back through the buffer's own pages; free pages must be
 * back within SHS_FREE_SLACK pages, neither fewer nor more; lockdep must
 * still be on (it turns itself off at its first report). kmemleak is
 * scanned by the second boot's /init after this suite has run again
 * there. Each heap's figures are one line:
 *
 *   # shs_stress: stress: arch=<arch> heap=<c|rust> threads=<n>
 *     rounds=<n> mapped=<n> injected=<n> failslab=<n> fail_page_alloc=<n>
 *     failures=<n> alloc_failures=<n> vmap_failures=<n> other_errno=<n>
 *     bad_pages=<n> free_delta=<pages> slack=<pages>
 */
#include <linux/debugfs.h>
#include <linux/debug_locks.h>
#include <linux/fault-inject.h>
#include <linux/highmem.h>

#define SHS_THREADS 4
#define SHS_ROUNDS 48
#define SHS_SLAB_INTERVAL 61
#define SHS_PAGE_INTERVAL 43
/* Far more than a run injects: the injectors count it down per fault. */
#define SHS_TIMES 1000000
/* Free pages may differ by this much after a heap's run, either way. */
#define SHS_FREE_SLACK 1024

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
	u32 *min_order;
	/* What they held before the case. */
	struct {
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
	/*
	 * Last, ordered after the knobs above: from here on the injector
	 * fails the marked threads' calls.
	 */
	smp_store_release(&attr->probability, 100);
}

/* Puts the knobs back; the faults injected since shs_arm(). */
static int shs_disarm(struct shs_injector *inj)
{
	struct fault_attr *attr = inj->attr;
	int injected = SHS_TIMES - atomic_read(&attr->times);

	/* First: no fault after this, whatever the other knobs say. */
	smp_store_release(&attr->probability, inj->saved.probability);
	attr->interval = inj->saved.interval;
	attr->verbose = inj->saved.verbose;
	attr->task_filter = inj->saved.task_filter;
	atomic_set(&attr->times, inj->saved.times);
	*inj->ignore_reclaim = inj->saved.ignore_reclaim;
	if (inj->ignore_highmem)
		*inj->ignore_highmem = inj->saved.ignore_highmem;
	if (inj->min_order)
		*inj->min_order = inj->saved.min_order;
	return injected;
}

struct shs_worker {
	const struct srh_heap *heap;
	unsigned int id;
	unsigned int rounds;
	/* Rounds whose buffer was mapped, written and checked. */
	unsigned int mapped;
	unsigned int alloc_failures;
	unsigned int vmap_failures;
	unsigned int other;
	int other_errno;
	unsigned int bad_pages;
	struct completion done;
};

static void shs_failed(struct shs_worker *w, int err, unsigned int *count)
{
	if (err == -ENOMEM) {
		(*count)++;
	} else {
		w->other++;
		w->other_errno = err;
	}
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

static void shs_round(struct shs_worker *w, unsigned int round)
{
	size_t len = shs_sizes[(w->id + round) % ARRAY_SIZE(shs_sizes)];
	const struct srh_heap *heap = w->heap;
	struct dma_buf *dmabuf;
	struct iosys_map map;
	int ret;

	dmabuf = heap->allocate(*heap->heap, len, O_RDWR | O_CLOEXEC, 0);
	if (IS_ERR_OR_NULL(dmabuf)) {
		shs_failed(w, dmabuf ? PTR_ERR(dmabuf) : -EFAULT,
			   &w->alloc_failures);
		return;
	}
	ret = dma_buf_vmap_unlocked(dmabuf, &map);
	if (ret) {
		shs_failed(w, ret, &w->vmap_failures);
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

	/* The injectors' task filter fails this thread's calls alone. */
	current->make_it_fail = 1;
	for (round = 0; round < SHS_ROUNDS; round++) {
		shs_round(w, round);
		w->rounds++;
		cond_resched();
	}
	current->make_it_fail = 0;
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
	unsigned int vmap_failures = 0;
	unsigned int other = 0, bad_pages = 0, started = 0;
	int other_errno = 0, slab_faults, page_faults;
	long before, after;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, *heap->heap);
	KUNIT_ASSERT_TRUE_MSG(test, debug_locks,
			      "lockdep is off already: a report came before this case");
	shs_find(test, &slab);
	shs_find(test, &page);
	workers = kunit_kcalloc(test, SHS_THREADS, sizeof(*workers), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, workers);

	before = srh_free_pages();
	shs_arm(&slab, SHS_SLAB_INTERVAL);
	shs_arm(&page, SHS_PAGE_INTERVAL);
	for (i = 0; i < SHS_THREADS; i++) {
		struct task_struct *task;

		workers[i].heap = heap;
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
	after = srh_free_pages();
	KUNIT_ASSERT_EQ_MSG(test, started, SHS_THREADS,
			    "could not start every stress thread");

	for (i = 0; i < SHS_THREADS; i++) {
		rounds += workers[i].rounds;
		mapped += workers[i].mapped;
		alloc_failures += workers[i].alloc_failures;
		vmap_failures += workers[i].vmap_failures;
		other += workers[i].other;
		bad_pages += workers[i].bad_pages;
		if (workers[i].other)
			other_errno = workers[i].other_errno;
	}
	kunit_info(test,
		   "stress: arch=%s heap=%s threads=%u rounds=%u mapped=%u injected=%d failslab=%d fail_page_alloc=%d failures=%u alloc_failures=%u vmap_failures=%u other_errno=%u bad_pages=%u free_delta=%ld slack=%d\n",
		   SGVMAP_ARCH, heap->name, SHS_THREADS, rounds, mapped,
		   slab_faults + page_faults, slab_faults, page_faults,
		   alloc_failures + vmap_failures + other, alloc_failures,
		   vmap_failures, other, bad_pages, after - before,
		   SHS_FREE_SLACK);

	KUNIT_EXPECT_EQ(test, rounds, SHS_THREADS * SHS_ROUNDS);
	KUNIT_EXPECT_EQ_MSG(test, other, 0,
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
	KUNIT_EXPECT_LE(test, alloc_failures + vmap_failures + other,
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
