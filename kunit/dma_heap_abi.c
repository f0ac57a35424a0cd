// SPDX-License-Identifier: GPL-2.0
/*
 * The system heap and the "system-rust" heap through the user ABI.
 *
 * Built static and booted as /init of an initramfs, in a second boot of
 * the kernel that ran the KUnit suites (with kunit.enable=0): it mounts
 * devtmpfs and procfs, runs every case on /dev/dma_heap/system and
 * /dev/dma_heap/system-rust, prints KTAP on the console and powers the
 * machine off. A case passes when each heap gives the expected answer
 * and both give the same one: the same errno, the same sizes, the same
 * data read back.
 *
 * The cases named core_* are answered by the dma-heap and dma-buf core
 * before either heap's code runs (length, flags, mmap bounds, sync
 * flags): they check the ABI both heaps sit behind, and no change to a
 * heap can fail them. What each heap's own allocate op answers to such
 * input is checked by the KUnit case srh_bad_input_agrees.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/dma-buf.h>
#include <linux/dma-heap.h>

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
/* The kernel's page size (4K, or 16K or 64K on arm64), read in main(). */
static unsigned long abi_page;
#define ABI_PAGE	abi_page
#define ABI_RESULT_MAX	512
#define ABI_ODD_LEN	(2 * 1024 * 1024 + 3 * 65536 + 5 * ABI_PAGE)
#define ABI_LEAK_LEN	(32UL << 20)
#define ABI_LEAK_ROUNDS	8
/* MemFree may move by this much, either way, for reasons of its own. */
#define ABI_LEAK_SLACK_KB	(8 * 1024)

static const char * const heaps[] = { "system", "system-rust" };

/* One heap's answer to a case, as text: what the two heaps must share. */
struct answer {
	char text[ABI_RESULT_MAX];
	size_t used;
	int wrong;	/* the answer is not the expected one */
};

static void say(struct answer *a, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(a->text + a->used, sizeof(a->text) - a->used, fmt, ap);
	va_end(ap);
	if (n > 0)
		a->used = strlen(a->text);
}

static void expect(struct answer *a, int ok, const char *what)
{
	if (!ok) {
		a->wrong = 1;
		say(a, " [unexpected: %s]", what);
	}
}

/* DMA_HEAP_IOCTL_ALLOC: the buffer's fd, or -errno. */
static int heap_alloc(int heap, uint64_t len, uint32_t fd_flags,
		      uint64_t heap_flags)
{
	struct dma_heap_allocation_data data = {
		.len = len,
		.fd_flags = fd_flags,
		.heap_flags = heap_flags,
	};

	if (ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &data) < 0)
		return -errno;
	return data.fd;
}

static const char *err_name(int err)
{
	switch (err) {
	case EINVAL: return "EINVAL";
	case ENOMEM: return "ENOMEM";
	case EINTR: return "EINTR";
	case EBADF: return "EBADF";
	case ENOTTY: return "ENOTTY";
	case EPERM: return "EPERM";
	case EACCES: return "EACCES";
	case ENODEV: return "ENODEV";
	default: return "other";
	}
}

static void say_alloc(struct answer *a, const char *what, int fd)
{
	if (fd < 0) {
		say(a, "%s: %s; ", what, err_name(-fd));
		return;
	}
	say(a, "%s: size %lld; ", what, (long long)lseek(fd, 0, SEEK_END));
}

static void case_alloc_sizes(int heap, struct answer *a)
{
	const uint64_t lens[] = { ABI_PAGE, ABI_ODD_LEN, 16UL << 20 };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(lens); i++) {
		int fd = heap_alloc(heap, lens[i], O_RDWR | O_CLOEXEC, 0);
		char what[32];

		snprintf(what, sizeof(what), "%llu", (unsigned long long)lens[i]);
		say_alloc(a, what, fd);
		expect(a, fd >= 0 && lseek(fd, 0, SEEK_END) == (off_t)lens[i],
		       "a buffer of the asked size");
		if (fd >= 0)
			close(fd);
	}
}

/* The core page-aligns the length; the heap exports what it was given. */
static void case_core_page_aligns_length(int heap, struct answer *a)
{
	int fd = heap_alloc(heap, ABI_PAGE + 1, O_RDWR, 0);

	say_alloc(a, "a page and a byte", fd);
	expect(a, fd >= 0 && lseek(fd, 0, SEEK_END) == (off_t)(2 * ABI_PAGE),
	       "rounded up to two pages");
	if (fd >= 0)
		close(fd);
}

/* Refused by the core's ioctl before the heap's allocate op is called. */
static void case_core_refuses_bad_alloc(int heap, struct answer *a)
{
	const struct {
		const char *what;
		uint64_t len;
		uint32_t fd_flags;
		uint64_t heap_flags;
	} bad[] = {
		{ "zero length", 0, O_RDWR, 0 },
		/* Page-aligning it wraps to zero. */
		{ "length 2^64-1", UINT64_MAX, O_RDWR, 0 },
		{ "fd flag O_APPEND", ABI_PAGE, O_RDWR | O_APPEND, 0 },
		{ "heap flag 1", ABI_PAGE, O_RDWR, 1 },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		int fd = heap_alloc(heap, bad[i].len, bad[i].fd_flags,
				    bad[i].heap_flags);

		say_alloc(a, bad[i].what, fd);
		expect(a, fd == -EINVAL, "EINVAL");
		if (fd >= 0)
			close(fd);
	}
}

static int buf_sync(int fd, uint64_t flags)
{
	struct dma_buf_sync sync = { .flags = flags };

	return ioctl(fd, DMA_BUF_IOCTL_SYNC, &sync) < 0 ? -errno : 0;
}

/* A word per page: its index and a marker. */
static uint32_t pattern(size_t page)
{
	return (uint32_t)page ^ 0x5a17c0de;
}

static void case_mmap_data(int heap, struct answer *a)
{
	size_t len = ABI_ODD_LEN, pages = len / ABI_PAGE, p, zero = 0, bad = 0;
	int fd = heap_alloc(heap, len, O_RDWR | O_CLOEXEC, 0);
	uint32_t *map;
	int start, end;

	if (fd < 0) {
		say_alloc(a, "alloc", fd);
		expect(a, 0, "a buffer");
		return;
	}
	map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	expect(a, map != MAP_FAILED, "mmap of the whole buffer");
	if (map == MAP_FAILED) {
		close(fd);
		return;
	}
	start = buf_sync(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW);
	for (p = 0; p < pages; p++) {
		if (map[p * ABI_PAGE / 4] != 0 ||
		    map[(p + 1) * ABI_PAGE / 4 - 1])
			zero++;
		map[p * ABI_PAGE / 4] = pattern(p);
	}
	end = buf_sync(fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW);
	munmap(map, len);
	say(a, "sync start %d end %d; pages not zero %zu;", start, end, zero);
	expect(a, !start && !end && !zero, "syncs succeed, pages zeroed");

	/* Mapped again, the data is still there. */
	map = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	expect(a, map != MAP_FAILED, "a second mmap");
	if (map != MAP_FAILED) {
		for (p = 0; p < pages; p++)
			if (map[p * ABI_PAGE / 4] != pattern(p))
				bad++;
		munmap(map, len);
		say(a, " read back, pages wrong %zu;", bad);
		expect(a, !bad, "the pattern read back");
	}

	/* From page 16 on: the first word is page 16's. */
	map = mmap(NULL, len - 16 * ABI_PAGE, PROT_READ, MAP_SHARED, fd,
		   16 * ABI_PAGE);
	expect(a, map != MAP_FAILED, "mmap at an offset");
	if (map != MAP_FAILED) {
		say(a, " at page 16 reads page %u's word;",
		    map[0] == pattern(16) ? 16 : 0);
		expect(a, map[0] == pattern(16), "page 16 at offset 16 pages");
		munmap(map, len - 16 * ABI_PAGE);
	}
	close(fd);
}

/*
 * Refused by dma-buf's mmap (the area against the buffer's size) and
 * ioctl (the sync flags) before the heap's mmap or sync ops are called.
 */
static void case_core_refuses_bad_mmap(int heap, struct answer *a)
{
	size_t len = 16 * ABI_PAGE;
	int fd = heap_alloc(heap, len, O_RDWR | O_CLOEXEC, 0);
	const struct {
		const char *what;
		size_t len;
		off_t offset;
	} bad[] = {
		{ "a page past the end", 17 * ABI_PAGE, 0 },
		{ "offset at the end", ABI_PAGE, 16 * ABI_PAGE },
		{ "two pages from the last", 2 * ABI_PAGE, 15 * ABI_PAGE },
	};
	unsigned int i;

	if (fd < 0) {
		say_alloc(a, "alloc", fd);
		expect(a, 0, "a buffer");
		return;
	}
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		void *map = mmap(NULL, bad[i].len, PROT_READ, MAP_SHARED, fd,
				 bad[i].offset);
		int err = map == MAP_FAILED ? errno : 0;

		say(a, "%s: %s; ", bad[i].what, err ? err_name(err) : "mapped");
		expect(a, err == EINVAL, "EINVAL");
		if (!err)
			munmap(map, bad[i].len);
	}
	say(a, "bad sync flags: %s;",
	    err_name(-buf_sync(fd, 0x100)));
	expect(a, buf_sync(fd, 0x100) == -EINVAL, "EINVAL for bad sync flags");
	close(fd);
}

static long meminfo_kb(const char *key)
{
	char line[128], name[64];
	long kb;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63[^:]: %ld kB", name, &kb) == 2 &&
		    !strcmp(name, key)) {
			fclose(f);
			return kb;
		}
	}
	fclose(f);
	return -1;
}

/*
 * MemFree before and after a case, both read, within the slack either
 * way: memory the heap kept shows as a drop, pages it gave back twice (or
 * that were never its own) as a rise.
 */
static int mem_back(long before, long after)
{
	long moved = before - after;

	return before > 0 && after > 0 && moved < ABI_LEAK_SLACK_KB &&
	       -moved < ABI_LEAK_SLACK_KB;
}

static void say_mem(struct answer *a, long before, long after)
{
	say(a, "%s;", mem_back(before, after) ? "memory given back" :
		       "memory kept or over-freed");
	if (!mem_back(before, after))
		say(a, " [MemFree %ld kB before, %ld kB after]", before, after);
	expect(a, mem_back(before, after), "MemFree back within 8 MB");
}

/*
 * Twice the machine's memory: the heap allocates until the page allocator
 * calls the OOM killer, which can only pick the allocating process (init
 * is never picked), and the heap must then stop and give every page back.
 * A child asks, so that init survives it.
 *
 * Where the heap stops is not seen from here: the child dies of the
 * SIGKILL whether the heap stopped at its fatal-signal check or went on
 * until the page allocator failed the killed process, and the allocator
 * does that now and then even to a heap that checks (the allocation that
 * called the OOM killer fails with a "page allocation failure" warning).
 */
static void case_alloc_past_memory(int heap, struct answer *a)
{
	long before = meminfo_kb("MemFree"), total = meminfo_kb("MemTotal");
	uint64_t len = (uint64_t)total * 1024 * 2;
	int status = 0;
	pid_t child;

	if (before <= 0 || total <= 0) {
		say(a, "no MemFree or MemTotal in /proc/meminfo;");
		expect(a, 0, "/proc/meminfo read");
		return;
	}
	child = fork();
	if (child == 0) {
		int fd;

		prctl(PR_SET_NAME, "heap-past-mem");
		fd = heap_alloc(heap, len, O_RDWR | O_CLOEXEC, 0);
		_exit(fd >= 0 ? 0 : 100 + (-fd & 0x7f));
	}
	if (child < 0 || waitpid(child, &status, 0) != child) {
		say(a, "cannot run a child: %s; ", strerror(errno));
		expect(a, 0, "a child to allocate");
		return;
	}
	if (WIFSIGNALED(status))
		say(a, "twice MemTotal: the allocating process was killed by %s; ",
		    WTERMSIG(status) == SIGKILL ? "SIGKILL" : "another signal");
	else if (WEXITSTATUS(status) >= 100)
		say(a, "twice MemTotal: %s; ",
		    err_name(WEXITSTATUS(status) - 100));
	else
		say(a, "twice MemTotal: allocated; ");
	expect(a, (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) ||
		  (WIFEXITED(status) && WEXITSTATUS(status) >= 100),
	       "refused, or the allocating process killed");
	say_mem(a, before, meminfo_kb("MemFree"));
}

/* Buffers allocated, touched and closed give every page back. */
static void case_nothing_leaked(int heap, struct answer *a)
{
	long before = meminfo_kb("MemFree"), after;
	int round;

	for (round = 0; round < ABI_LEAK_ROUNDS; round++) {
		int fd = heap_alloc(heap, ABI_LEAK_LEN, O_RDWR | O_CLOEXEC, 0);
		char *map;

		if (fd < 0) {
			say_alloc(a, "alloc", fd);
			expect(a, 0, "a buffer");
			return;
		}
		map = mmap(NULL, ABI_LEAK_LEN, PROT_READ | PROT_WRITE,
			   MAP_SHARED, fd, 0);
		if (map != MAP_FAILED) {
			memset(map, 0xa5, ABI_LEAK_LEN);
			munmap(map, ABI_LEAK_LEN);
		}
		close(fd);
	}
	after = meminfo_kb("MemFree");
	say(a, "%d x %lu MB allocated, mapped, written and closed: ",
	    ABI_LEAK_ROUNDS, ABI_LEAK_LEN >> 20);
	say_mem(a, before, after);
}

struct abi_case {
	const char *name;
	void (*run)(int heap, struct answer *a);
};

static const struct abi_case cases[] = {
	{ "alloc_sizes", case_alloc_sizes },
	{ "core_page_aligns_length", case_core_page_aligns_length },
	{ "core_refuses_bad_alloc", case_core_refuses_bad_alloc },
	{ "mmap_sync_data", case_mmap_data },
	{ "core_refuses_bad_mmap", case_core_refuses_bad_mmap },
	{ "nothing_leaked", case_nothing_leaked },
	{ "alloc_past_memory", case_alloc_past_memory },
};

#define NUM_HEAPS	ARRAY_SIZE(heaps)
#define NUM_CASES	ARRAY_SIZE(cases)

static int run_case(unsigned int n, const int *heap_fds)
{
	struct answer answers[NUM_HEAPS];
	unsigned int h;
	int ok = 1;

	memset(answers, 0, sizeof(answers));
	for (h = 0; h < NUM_HEAPS; h++) {
		cases[n].run(heap_fds[h], &answers[h]);
		printf("    # %s: %s: %s\n", cases[n].name, heaps[h],
		       answers[h].text);
		if (answers[h].wrong)
			ok = 0;
		if (h && strcmp(answers[h].text, answers[0].text)) {
			printf("    # %s: %s and %s answered differently\n",
			       cases[n].name, heaps[0], heaps[h]);
			ok = 0;
		}
	}
	printf("    %s %u %s\n", ok ? "ok" : "not ok", n + 1, cases[n].name);
	fflush(stdout);
	return ok;
}

/* Mounts `type` on `dir`; mounted already is as good. */
static int mount_once(const char *type, const char *dir)
{
	if (!mount(type, dir, type, 0, NULL) || errno == EBUSY)
		return 0;
	printf("    # cannot mount %s on %s: %s\n", type, dir, strerror(errno));
	return -1;
}

int main(void)
{
	int heap_fds[NUM_HEAPS];
	unsigned int h, n;
	int opened = 1, all = 1;

	abi_page = sysconf(_SC_PAGESIZE);
	mkdir("/dev", 0755);
	mkdir("/proc", 0755);
	setvbuf(stdout, NULL, _IOLBF, 0);

	printf("KTAP version 1\n1..1\n");
	printf("    KTAP version 1\n    # Subtest: dma_heap_abi\n");
	printf("    1..%zu\n", NUM_CASES);
	/* Without /proc the memory cases would read nothing and compare it. */
	if (mount_once("devtmpfs", "/dev") || mount_once("proc", "/proc")) {
		opened = 0;
		all = 0;
	}
	for (h = 0; h < NUM_HEAPS; h++) {
		char path[64];

		snprintf(path, sizeof(path), "/dev/dma_heap/%s", heaps[h]);
		heap_fds[h] = open(path, O_RDONLY | O_CLOEXEC);
		if (heap_fds[h] < 0) {
			printf("    # cannot open %s: %s\n", path,
			       strerror(errno));
			opened = 0;
			all = 0;
		}
	}
	for (n = 0; n < NUM_CASES; n++) {
		if (!opened) {
			printf("    not ok %u %s\n", n + 1, cases[n].name);
			continue;
		}
		if (!run_case(n, heap_fds))
			all = 0;
	}
	printf("%s 1 dma_heap_abi\n", all ? "ok" : "not ok");
	fflush(stdout);
	sync();
	reboot(RB_POWER_OFF);
	return 0;
}
