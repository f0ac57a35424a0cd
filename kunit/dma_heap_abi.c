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
 *
 * Booted with dma_heap_abi=stress (patchctl kunit --stress), it runs the
 * stress cases instead, after the kernel has run system_heap_stress in
 * the same boot: processes pass buffers of both heaps to each other
 * through unix sockets (SCM_RIGHTS) with allocation failures injected
 * into their own calls, then kmemleak is scanned (see stress_cases).
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
#include <sys/socket.h>
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
/* The heaps' fds, for the stress line to name its heap. */
static int stress_heap_fds[2] = { -1, -1 };

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

/*
 * The stress cases. The fault injectors are set through debugfs as
 * Documentation/fault-injection describes: every STRESS_SLAB_INTERVAL-th
 * slab and STRESS_PAGE_INTERVAL-th page allocation of a task that has
 * make-it-fail set fails, probability 100, no random seed. Each worker
 * sets make-it-fail around its heap calls alone (the allocation ioctl and
 * mmap), so the socket calls, its page faults and the rest of the system
 * run clean.
 */
#define DEBUGFS			"/debug"
#define STRESS_PRODUCERS	3
#define STRESS_ROUNDS		24
#define STRESS_SLAB_INTERVAL	"61"
#define STRESS_PAGE_INTERVAL	"43"
#define STRESS_TIMES		1000000L
#if defined(__aarch64__)
#define STRESS_ARCH		"arm64"
#else
#define STRESS_ARCH		"um"
#endif

/* What the workers of one heap's run count, in memory they all share. */
struct stress_counts {
	long rounds;
	long mapped;	/* buffers received, mapped and checked */
	long alloc_failures;
	long mmap_failures;
	long other;
	int other_errno;
	long bad_pages;
	long sent;
	long received;
};

static int write_file(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n = -1;

	if (fd >= 0) {
		n = write(fd, value, strlen(value));
		close(fd);
	}
	if (n < 0)
		printf("    # cannot write %s to %s: %s\n", value, path,
		       strerror(errno));
	return n < 0 ? -1 : 0;
}

static long read_long(const char *path)
{
	char buf[32] = "";
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;

	if (fd >= 0)
		close(fd);
	return n > 0 ? strtol(buf, NULL, 10) : -1;
}

/* Arms (or, with "0", disarms) one injector; 0 or -1. */
static int stress_injector(const char *dir, const char *probability,
			   const char *interval)
{
	static const char * const knobs[][2] = {
		{ "task-filter", "Y" },
		{ "verbose", "0" },
		{ "space", "0" },
		{ "ignore-gfp-wait", "N" },
	};
	char path[128], times[32];
	unsigned int i;
	int ret = 0;

	/* Disarming: no fault from here on, before any other knob changes. */
	if (!strcmp(probability, "0")) {
		snprintf(path, sizeof(path), DEBUGFS "/%s/probability", dir);
		ret |= write_file(path, probability);
	}
	for (i = 0; i < ARRAY_SIZE(knobs); i++) {
		snprintf(path, sizeof(path), DEBUGFS "/%s/%s", dir, knobs[i][0]);
		ret |= write_file(path, knobs[i][1]);
	}
	/*
	 * Only the caches the kernel marked SLAB_FAILSLAB fail (it boots
	 * with "slab_debug=A,kmalloc-*"): kmemleak's own caches never do.
	 */
	if (!strcmp(dir, "failslab"))
		ret |= write_file(DEBUGFS "/failslab/cache-filter",
				  strcmp(probability, "0") ? "Y" : "N");
	if (!strcmp(dir, "fail_page_alloc")) {
		ret |= write_file(DEBUGFS "/fail_page_alloc/ignore-gfp-highmem", "N");
		ret |= write_file(DEBUGFS "/fail_page_alloc/min-order", "0");
	}
	snprintf(times, sizeof(times), "%ld", STRESS_TIMES);
	snprintf(path, sizeof(path), DEBUGFS "/%s/times", dir);
	ret |= write_file(path, times);
	snprintf(path, sizeof(path), DEBUGFS "/%s/interval", dir);
	ret |= write_file(path, interval);
	snprintf(path, sizeof(path), DEBUGFS "/%s/probability", dir);
	ret |= write_file(path, probability);
	return ret;
}

/* Faults the injector has counted since it was armed. */
static long stress_injected(const char *dir)
{
	char path[128];
	long times;

	snprintf(path, sizeof(path), DEBUGFS "/%s/times", dir);
	times = read_long(path);
	return times < 0 ? -1 : STRESS_TIMES - times;
}

static void make_it_fail(int fd, int on)
{
	if (pwrite(fd, on ? "1" : "0", 1, 0) != 1)
		_exit(90);
}

static void stress_failed(struct stress_counts *c, int err, long *count)
{
	if (err == ENOMEM) {
		__atomic_add_fetch(count, 1, __ATOMIC_RELAXED);
	} else {
		__atomic_add_fetch(&c->other, 1, __ATOMIC_RELAXED);
		c->other_errno = err;
	}
}

static uint32_t stress_word(unsigned int producer, unsigned int round,
			    size_t page)
{
	return (producer << 24) ^ (round << 16) ^ (uint32_t)page ^ 0x5c3a0000;
}

static size_t stress_len(unsigned int producer, unsigned int round)
{
	const size_t lens[] = {
		ABI_PAGE, 3 * ABI_PAGE, 65536, 65536 + 5 * ABI_PAGE,
		1 << 20, (1 << 20) + 65536 + ABI_PAGE, 2 << 20,
	};

	return lens[(producer + round) % ARRAY_SIZE(lens)];
}

/* Each heap's figures, as patchctl reads them (kernel/stress.rs). */
static const char stress_line[] =
	"    # stress_scm_rights: stress: arch=%s heap=%s processes=%d rounds=%ld mapped=%ld injected=%ld failslab=%ld fail_page_alloc=%ld failures=%ld alloc_failures=%ld mmap_failures=%ld other_errno=%ld bad_pages=%ld sent=%ld received=%ld free_delta=%ld slack=%ld\n";

/* What a producer sends with each fd. */
struct stress_msg {
	uint32_t producer;
	uint32_t round;
	uint64_t len;
};

static int send_fd(int sock, const struct stress_msg *msg, int fd)
{
	char control[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { (void *)msg, sizeof(*msg) };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = control, .msg_controllen = sizeof(control),
	};
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&mh);

	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	return sendmsg(sock, &mh, 0) == sizeof(*msg) ? 0 : -1;
}

/* The next message and its fd (-1 if it came without one); 0 at the end. */
static int recv_fd(int sock, struct stress_msg *msg, int *fd)
{
	char control[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { msg, sizeof(*msg) };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = control, .msg_controllen = sizeof(control),
	};
	struct cmsghdr *cmsg;
	ssize_t n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);

	*fd = -1;
	if (n <= 0)
		return 0;
	cmsg = CMSG_FIRSTHDR(&mh);
	if (cmsg && cmsg->cmsg_level == SOL_SOCKET &&
	    cmsg->cmsg_type == SCM_RIGHTS)
		memcpy(fd, CMSG_DATA(cmsg), sizeof(int));
	return n == sizeof(*msg);
}

/* Allocates, maps, writes and unmaps buffers; sends each fd, closes it. */
static void stress_producer(int heap, int sock, unsigned int id,
			    struct stress_counts *c, int fail)
{
	unsigned int round;

	for (round = 0; round < STRESS_ROUNDS; round++) {
		struct stress_msg msg = { id, round, stress_len(id, round) };
		size_t p, pages = msg.len / ABI_PAGE;
		uint32_t *map;
		int fd;

		__atomic_add_fetch(&c->rounds, 1, __ATOMIC_RELAXED);
		make_it_fail(fail, 1);
		fd = heap_alloc(heap, msg.len, O_RDWR | O_CLOEXEC, 0);
		make_it_fail(fail, 0);
		if (fd < 0) {
			stress_failed(c, -fd, &c->alloc_failures);
			continue;
		}
		make_it_fail(fail, 1);
		map = mmap(NULL, msg.len, PROT_READ | PROT_WRITE, MAP_SHARED,
			   fd, 0);
		make_it_fail(fail, 0);
		if (map == MAP_FAILED) {
			stress_failed(c, errno, &c->mmap_failures);
			close(fd);
			continue;
		}
		for (p = 0; p < pages; p++)
			map[p * (ABI_PAGE / 4)] = stress_word(id, round, p);
		munmap(map, msg.len);
		if (!send_fd(sock, &msg, fd))
			__atomic_add_fetch(&c->sent, 1, __ATOMIC_RELAXED);
		close(fd);
	}
}

/* Receives each fd, maps it, checks what the producer wrote, closes it. */
static void stress_receiver(int sock, struct stress_counts *c, int fail)
{
	struct stress_msg msg;
	int fd;

	while (recv_fd(sock, &msg, &fd)) {
		size_t p, pages = msg.len / ABI_PAGE;
		uint32_t *map;

		if (fd < 0)
			continue;
		__atomic_add_fetch(&c->received, 1, __ATOMIC_RELAXED);
		make_it_fail(fail, 1);
		map = mmap(NULL, msg.len, PROT_READ, MAP_SHARED, fd, 0);
		make_it_fail(fail, 0);
		if (map == MAP_FAILED) {
			stress_failed(c, errno, &c->mmap_failures);
		} else {
			for (p = 0; p < pages; p++)
				if (map[p * (ABI_PAGE / 4)] !=
				    stress_word(msg.producer, msg.round, p))
					__atomic_add_fetch(&c->bad_pages, 1,
							   __ATOMIC_RELAXED);
			__atomic_add_fetch(&c->mapped, 1, __ATOMIC_RELAXED);
			munmap(map, msg.len);
		}
		close(fd);
	}
}

/* One child: a producer or the receiver of its pair; never returns. */
static void stress_child(int heap, int sock, int id, struct stress_counts *c)
{
	int fail = open("/proc/self/make-it-fail", O_WRONLY | O_CLOEXEC);

	if (fail < 0)
		_exit(91);
	if (id >= 0)
		stress_producer(heap, sock, id, c, fail);
	else
		stress_receiver(sock, c, fail);
	close(sock);
	_exit(0);
}

/*
 * STRESS_PRODUCERS pairs of processes: each producer sends every buffer
 * it made to its receiver over a socketpair; the receiver maps and checks
 * it, then closes the fd it got.
 */
static void case_stress_scm_rights(int heap, struct answer *a)
{
	struct stress_counts *c;
	long before, after, slab, page, page_kb = ABI_PAGE / 1024;
	int children = 0, status, clean = 1;
	unsigned int i;

	c = mmap(NULL, sizeof(*c), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (c == MAP_FAILED) {
		expect(a, 0, "shared counters");
		return;
	}
	memset(c, 0, sizeof(*c));
	before = meminfo_kb("MemFree");
	if (stress_injector("failslab", "100", STRESS_SLAB_INTERVAL) ||
	    stress_injector("fail_page_alloc", "100", STRESS_PAGE_INTERVAL)) {
		expect(a, 0, "fault injection set up through debugfs");
		return;
	}
	for (i = 0; i < STRESS_PRODUCERS; i++) {
		int sv[2], side;

		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv)) {
			say(a, "socketpair: %s; ", strerror(errno));
			break;
		}
		for (side = 0; side < 2; side++) {
			pid_t pid = fork();

			if (pid == 0) {
				close(sv[!side]);
				stress_child(heap, sv[side], side ? -1 : (int)i,
					     c);
			}
			if (pid > 0)
				children++;
		}
		close(sv[0]);
		close(sv[1]);
	}
	while (wait(&status) > 0)
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			clean = 0;
	slab = stress_injected("failslab");
	page = stress_injected("fail_page_alloc");
	stress_injector("failslab", "0", "1");
	stress_injector("fail_page_alloc", "0", "1");
	after = meminfo_kb("MemFree");
	/* The stress line is per heap; the answer text must match between heaps. */
	printf(stress_line,
	       STRESS_ARCH, heap == stress_heap_fds[0] ? heaps[0] : heaps[1],
	       children, c->rounds, c->mapped, slab + page, slab, page,
	       c->alloc_failures + c->mmap_failures + c->other,
	       c->alloc_failures, c->mmap_failures, c->other, c->bad_pages,
	       c->sent, c->received, (after - before) / page_kb,
	       ABI_LEAK_SLACK_KB / page_kb);
	say(a, "%d processes, buffers passed by SCM_RIGHTS and closed by the receiver: ",
	    children);
	expect(a, children == 2 * STRESS_PRODUCERS && clean,
	       "every process ran and exited 0");
	expect(a, c->rounds == STRESS_PRODUCERS * STRESS_ROUNDS, "every round");
	expect(a, slab > 0 && page > 0, "faults injected by both injectors");
	expect(a, c->alloc_failures + c->mmap_failures > 0, "some failures");
	expect(a, c->mapped > 0, "some buffers passed, mapped and checked");
	if (c->other)
		say(a, "[errno %d] ", c->other_errno);
	expect(a, c->other == 0, "every failure ENOMEM");
	expect(a, c->bad_pages == 0, "every page as written");
	expect(a, c->sent == c->received, "every buffer sent was received");
	say_mem(a, before, after);
	munmap(c, sizeof(*c));
}

/*
 * After both heaps' kernel threads (system_heap_stress, run in this boot
 * before /init) and processes: kmemleak scanned now, its report read.
 * kmemleak reports an object only once it is older than 5 s: wait first.
 * Then scan twice. A scan holds back any unreferenced object whose bytes
 * changed since the scan before (kmemleak_scan() greys it for one round,
 * so that an object still being filled in is not reported), and an
 * object never scanned before counts as changed: a leak made since the
 * last automatic scan is only reported by the second of two scans.
 */
static int stress_kmemleak(void)
{
	char line[256];
	FILE *f;
	int leaks = 0;

	sleep(6);
	if (write_file(DEBUGFS "/kmemleak", "scan") ||
	    write_file(DEBUGFS "/kmemleak", "scan"))
		return -1;
	f = fopen(DEBUGFS "/kmemleak", "r");
	if (!f) {
		printf("    # cannot read " DEBUGFS "/kmemleak: %s\n",
		       strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "unreferenced object", 19))
			leaks++;
		printf("    # kmemleak_clean: %s", line);
	}
	fclose(f);
	printf("    # kmemleak_clean: kmemleak: scanned, %d suspected leaks\n",
	       leaks);
	return leaks;
}

static int stress_main(const int *heap_fds)
{
	struct answer answers[NUM_HEAPS];
	unsigned int h;
	int ok = 1, leaks;

	printf("    1..2\n");
	mkdir(DEBUGFS, 0755);
	if (mount_once("debugfs", DEBUGFS))
		ok = 0;
	memset(answers, 0, sizeof(answers));
	for (h = 0; ok && h < NUM_HEAPS; h++) {
		case_stress_scm_rights(heap_fds[h], &answers[h]);
		printf("    # stress_scm_rights: %s: %s\n", heaps[h],
		       answers[h].text);
		if (answers[h].wrong)
			ok = 0;
	}
	printf("    %s 1 stress_scm_rights\n", ok ? "ok" : "not ok");
	leaks = stress_kmemleak();
	printf("    %s 2 kmemleak_clean\n", leaks ? "not ok" : "ok");
	return ok && !leaks;
}

int main(void)
{
	int heap_fds[NUM_HEAPS];
	unsigned int h, n;
	int opened = 1, all = 1;
	const char *mode = getenv("dma_heap_abi");
	int stress = mode && !strcmp(mode, "stress");

	abi_page = sysconf(_SC_PAGESIZE);
	mkdir("/dev", 0755);
	mkdir("/proc", 0755);
	setvbuf(stdout, NULL, _IOLBF, 0);

	printf("KTAP version 1\n1..1\n");
	printf("    KTAP version 1\n    # Subtest: dma_heap_abi\n");
	if (!stress)
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
		if (h < ARRAY_SIZE(stress_heap_fds))
			stress_heap_fds[h] = heap_fds[h];
	}
	if (stress) {
		if (!opened || !stress_main(heap_fds))
			all = 0;
	}
	for (n = stress ? NUM_CASES : 0; n < NUM_CASES; n++) {
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
