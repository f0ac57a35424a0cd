# The workspace's entry points. Every target installs what it needs first
# (scripts/deps.sh only installs what is missing), so each works on a fresh
# machine. Caches live under ${XDG_CACHE_HOME:-~/.cache}/patchctl.

CARGO ?= cargo
# The two struct scatterlist layouts of Linux 6.12: UML (24 bytes) and
# arm64 (32 bytes, CONFIG_NEED_SG_DMA_LENGTH).
LAYOUT_ARM64 := --features c-heap/dma-length,rust-heap/dma-length
# The crates the layout reaches (patchctl is built on neither heap).
LAYOUT_CRATES := -p c-heap -p rust-heap -p fuzz-checks
# C files written in kernel style; kcompat.h is the userspace shim that
# stands in for kernel headers, so it is not held to kernel style.
KERNEL_STYLE_C := c-heap/src/sg.c c-heap/src/memmap.c c-heap/src/heap.c c-heap/src/convert.c \
	c-heap/include/sgvmap.h c-heap/include/sg_internal.h \
	kunit/system_heap_test.c kunit/system_heap_rust.h rust-heap/dropin/driver.c \
	kunit/system_heap_rust_shim.c kunit/system_heap_rust_test.c kunit/dma_heap_abi.c \
	kunit/system_heap_stress_test.c
# Where KUnit runs: UML, and arm64 under QEMU.
KUNIT_ARCHES ?= um,arm64
# make test's mainline kernels: UML. The mainline revisions run on arm64
# too in make kunit (and make kunit-mainline-test MAINLINE_TEST_ARCHES=um,arm64);
# a fresh arm64 7.2 build costs 7 minutes that CI's budget does not have.
MAINLINE_TEST_ARCHES ?= um
# Boots of each timed kernel in make kunit: every figure's spread is taken
# over all of them (figures move more between boots than within one).
KUNIT_BOOTS ?= 2
# Every series in patches/, each with the revisions its series.toml's
# [kunit] section lists (patchctl kunit --help).
KUNIT_SERIES ?= patches
# The debug build: `cargo test` has built it already (a release build
# would compile every dependency a second time).
TARGET_DIR := $(or $(CARGO_TARGET_DIR),target)
PATCHCTL := $(TARGET_DIR)/debug/patchctl
# Where a run's figures go (ignored by git); `make record` copies them into
# the committed record, results/, only when asked.
RUN_DIR := target/patchctl

.PHONY: all deps deps-userspace check test test-full fmt-check clippy unit-tests checkpatch bench kunit kunit-deps kunit-c kunit-full kunit-test kunit-icount-test kunit-mainline-test kunit-mainline-kasan kunit-mutants kunit-mutants-workspace kunit-rust kunit-rust-clippy kunit-pagesize kunit-stress kunit-kasan kunit-rust-kasan kunit-selftest kunit-any-series kunit-any-series-full check-ready fuzz fuzz-short rust-heap-sanitize patchctl report record clean help

all: test

help:
	@echo "make test       - what CI runs: fmt, clippy -D warnings and unit tests on both layouts, checkpatch,"
	@echo "                  short fuzzing, the kernel's clippy on the Rust heap, the runner's self-test, C and Rust"
	@echo "                  KUnit on UML and arm64 and KASAN (C and Rust) on UML, each series' distinct code once;"
	@echo "                  phase times at the end"
	@echo "make check      - the edit-compile loop: fmt, clippy, unit tests on both layouts, checkpatch; no kernels"
	@echo "make test-full  - make test's checks with every matrix in full: make fuzz, make kunit-full"
	@echo "make kunit-full - make kunit, make kunit-kasan and make kunit-rust-kasan, one after another"
	@echo "make kunit      - every revision of every series in patches/ on real kernels, each on its base (6.12 or mainline 7.2;"
	@echo "                  UML, arm64 QEMU), with timings, then C and Rust side by side"
	@echo "make kunit-test - one CONFIG_RUST build per arch (it runs the C suite too), each series' distinct code"
	@echo "make kunit-icount-test - system-heap v2 on arm64, its timings booted twice under QEMU -icount: the instruction"
	@echo "                  counts must agree (within 64 instructions or 1 in 100,000; in make test)"
	@echo "make kunit-mainline-test - the revisions that go upstream, on mainline (linux-source-7.2), C, on UML"
	@echo "                  (MAINLINE_TEST_ARCHES=um,arm64 adds arm64; make kunit runs them on both, timed)"
	@echo "make kunit-mainline-kasan - the same under KASAN on UML"
	@echo "make kunit-any-series - a series from the list, mbox to verdict, on UML: patchctl am, kunit on the kernel's own"
	@echo "                  suites (and a broken v2 that must regress), check --build patch by patch (in make test)"
	@echo "make kunit-any-series-full - the same for both reconstructed series on UML and arm64"
	@echo "make check-ready - patchctl check on every revision a series.toml marks ready = true (in make test)"
	@echo "make kunit-mutants - each mutation of system-heap v3's code (kunit/mutants/) must fail its own KUnit test"
	@echo "make kunit-mutants-workspace - each mutation of kunit/mutants/workspace.txt must fail the workspace suite case it names"
	@echo "make kunit-rust - CONFIG_RUST: the Rust core and the system-rust heap beside C, then a second boot through /dev/dma_heap"
	@echo "make kunit-stress - both heaps under load with injected allocation failures, lockdep and kmemleak, UML and arm64 (not in make test)"
	@echo "make kunit-pagesize - both heaps' suites (C and Rust, one CONFIG_RUST kernel) on arm64 with 64K pages"
	@echo "                  (PAGE_SIZES=64k,16k adds 16K), and the /dev/dma_heap boot; not in make test"
	@echo "make kunit-rust-clippy - the in-kernel Rust heap through the kernel's own make CLIPPY=1 (UML; the heap's object alone,"
	@echo "                  no kernel built): any warning in the heap fails (in make test)"
	@echo "make kunit-kasan - the C suite under KASAN on UML (GCC), each series' distinct code: clean code, the v1 overflow reported"
	@echo "make kunit-rust-kasan - an LLVM=1 UML build with Rust and KASAN, each series' distinct code: C and Rust checked byte by byte"
	@echo "make fuzz       - every cargo fuzz target with AddressSanitizer, FUZZ_SECONDS each (default 45)"
	@echo "make rust-heap-sanitize - rust-heap's and c-heap's tests under ASan and valgrind (Miri's substitute; not in make test)"
	@echo "make bench      - the 2 GB conversion benchmark in userspace and its table; review-state speed"
	@echo "make bench-b4   - patchctl am and check beside b4 am and b4 prep --check, whole processes, same inputs"
	@echo "make deps       - install the Debian packages and the kernel source the targets need"
	@echo "make report     - charts and the evidence page of the last run ($(RUN_DIR)/report/index.html)"
	@echo "make record     - copy the last run's figures ($(RUN_DIR)) into the committed record, results/, and redraw its charts"

deps:
	scripts/deps.sh all

# What CI runs (.ci/run), as timed phases: every check on every arch and
# flavour the README promises, each distinct revision's code once. The
# phase table is printed at the end, also on failure.
TEST_PHASES := deps fmt-check clippy checkpatch unit-tests fuzz-short kunit-rust-clippy kunit-selftest \
	kunit-test kunit-icount-test kunit-mainline-test kunit-rust-kasan kunit-any-series check-ready report
test:
	@MAKE="$(MAKE)" scripts/phases.sh test $(TEST_PHASES)

# The same checks with the full matrices and the longer fuzzing.
test-full:
	@MAKE="$(MAKE)" scripts/phases.sh test-full deps fmt-check clippy checkpatch unit-tests fuzz \
		kunit-rust-clippy kunit-selftest kunit kunit-kasan kunit-rust-kasan report

# The edit-compile loop: formatting, clippy and the unit tests on both
# layouts, checkpatch; no fuzzing, no kernel builds.
check:
	@MAKE="$(MAKE)" scripts/phases.sh check deps-userspace fmt-check clippy checkpatch unit-tests

# What the unit tests need: the userspace tools and both kernel trees
# (their MAINTAINERS and scripts are test inputs).
deps-userspace:
	scripts/deps.sh userspace
	scripts/deps.sh kernel-source >/dev/null
	scripts/deps.sh kernel-source-mainline >/dev/null

kunit-full:
	@MAKE="$(MAKE)" scripts/phases.sh kunit-full kunit kunit-kasan kunit-mainline-kasan kunit-rust-kasan report

fmt-check:
	$(CARGO) fmt --all -- --check
	@# The kernel heap is built by kbuild, not cargo: checked on its own.
	rustfmt --edition 2021 --check kunit/system_rust_heap.rs

clippy:
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	@# The layout only changes the two heaps and what is built on them.
	$(CARGO) clippy $(LAYOUT_CRATES) --all-targets $(LAYOUT_ARM64) -- -D warnings
	@# The library as the fuzz targets build it: without the HTTP client.
	$(CARGO) clippy -p patchctl --lib --no-default-features -- -D warnings

unit-tests:
	@echo "== tests, UML layout (struct scatterlist without dma_length) =="
	$(CARGO) test --workspace
	@echo "== tests, arm64 layout (struct scatterlist with dma_length) =="
	$(CARGO) test $(LAYOUT_CRATES) $(LAYOUT_ARM64)

checkpatch:
	@ksrc=$$(scripts/deps.sh kernel-source) && \
	perl "$$ksrc/scripts/checkpatch.pl" --no-tree --terse -f $(KERNEL_STYLE_C) && \
	echo "checkpatch: $(words $(KERNEL_STYLE_C)) C files clean (no errors, no warnings)"

patchctl:
	$(CARGO) build -p patchctl

# The main job: every revision on every arch, a failed or missing case
# fails; then the CONFIG_RUST build, Rust beside C.
# As timed phases, so that it ends with where its time went: installing
# and extracting, the C runs (each of which prints its own account, run by
# run: switch, configure, build, boot, ccache), the Rust runs, the report.
kunit:
	@MAKE="$(MAKE)" scripts/phases.sh kunit kunit-deps kunit-c kunit-rust report

kunit-deps:
	scripts/deps.sh kunit
	scripts/deps.sh kernel-source-mainline

kunit-c: patchctl
	$(PATCHCTL) kunit --arch $(KUNIT_ARCHES) --series $(KUNIT_SERIES) --boots $(KUNIT_BOOTS) --counting-boots 2 \
		--junit $(RUN_DIR)/junit-c.xml --kcidb $(RUN_DIR)/kcidb-c.json

# The same suite with CONFIG_RUST: rust-heap's core in the kernel beside C
# and the system-rust heap beside the C heap, one Rust build per arch (it
# runs the C cases too); each kernel then boots again with the
# /dev/dma_heap program as init (kunit/dma_heap_abi.c).
kunit-rust: patchctl
	scripts/deps.sh kunit
	scripts/deps.sh rust
	$(PATCHCTL) kunit --rust --arch $(KUNIT_ARCHES) --series patches/system-heap-vmap --revision v1 --counting-boots 2 \
		--junit $(RUN_DIR)/junit-rust.xml --kcidb $(RUN_DIR)/kcidb-rust.json

# Every page size: the system heap's suite and the Rust heap's, in one
# CONFIG_RUST arm64 kernel per page size of PAGE_SIZES (CONFIG_ARM64_64K_PAGES,
# CONFIG_ARM64_16K_PAGES), each in a build directory of its own
# (...-arm64-rust-64k), then the /dev/dma_heap boot. Records are named
# ...-arm64-64k-rust.json and their tables show arm64/64k. Correctness
# only. Not part of make test: a fresh arm64 build per page size does not
# fit CI's budget.
PAGE_SIZES ?= 64k
PAGESIZE_REVISIONS ?= v2,baseline
kunit-pagesize: patchctl
	scripts/deps.sh kunit
	scripts/deps.sh rust
	@set -e; for p in $$(echo "$(PAGE_SIZES)" | tr ',' ' '); do \
		$(PATCHCTL) kunit --rust --page-size $$p --arch arm64 --series patches/system-heap-vmap \
			--revision $(PAGESIZE_REVISIONS) --skip-timings --abi-boot first \
			--junit $(RUN_DIR)/junit-pagesize-$$p.xml; \
	done

# Under load and faults, nothing lost (issue 25, item 3): one CONFIG_RUST
# kernel per arch with lockdep (CONFIG_PROVE_LOCKING), kmemleak and fault
# injection (failslab, fail_page_alloc), in a build directory of its own
# (...-rust-stress). kunit.py's boot runs every suite and
# system_heap_stress (N kernel threads per heap, every failure -ENOMEM,
# free pages back both ways); the second boot runs system_heap_stress
# again, then /init's stress case (processes passing buffers through unix
# sockets) and an explicit kmemleak scan. patchctl fails the run on any
# lockdep, kmemleak or other kernel report in either boot's log.
# Correctness only. Not part of make test: CI's time budget is full.
STRESS_ARCHES ?= um,arm64
STRESS_REVISION ?= v1
kunit-stress: patchctl
	scripts/deps.sh kunit
	scripts/deps.sh rust
	$(PATCHCTL) kunit --rust --stress --arch $(STRESS_ARCHES) --series patches/system-heap-vmap \
		--revision $(STRESS_REVISION) --skip-timings --abi-boot first \
		--junit $(RUN_DIR)/junit-stress.xml

# The in-kernel Rust heap (kunit/system_rust_heap.rs and rust-heap's core)
# through the kernel's own clippy: kunit.py writes the CONFIG_RUST config,
# then make CLIPPY=1 builds the heap's object alone, so kbuild runs
# clippy-driver (Debian's rust-web-clippy, for the kernel's rustc) with
# the kernel's lints and msrv on the rust/ crates it needs and on the
# heap. Any warning in the heap, clippy's or rustc's, fails. Its own build
# directory (...-rust-clippy): about a minute from empty on 2 CPUs, no C
# of the kernel compiled, no kernel linked; seconds when warm.
# CLIPPY_ARCHES=um,arm64 checks the arm64 layout too (a minute more).
CLIPPY_ARCHES ?= um
kunit-rust-clippy: patchctl
	scripts/deps.sh kunit
	scripts/deps.sh rust
	$(PATCHCTL) kernel-clippy --arch $(CLIPPY_ARCHES) --series patches/system-heap-vmap

# make test's kernels: one CONFIG_RUST build per arch, which runs the C
# suite beside the Rust one, for each series' [kunit] kasan list (one
# revision per distinct code on UML: vmap-sg's v1-generic, which differs
# from v1 on arm64 only, and the android pick run in make kunit). The
# first revision's kernel on each arch boots a second time through
# /dev/dma_heap: that program drives allocation and mmap, which no
# revision changes. Correctness only: the timing cases (most of an arm64
# boot under QEMU) are make kunit's.
kunit-test: patchctl
	scripts/deps.sh kunit
	scripts/deps.sh rust
	$(PATCHCTL) kunit --rust --distinct --abi-boot first --skip-timings --arch $(KUNIT_ARCHES) --series $(KUNIT_SERIES) \
		--junit $(RUN_DIR)/junit-test.xml --kcidb $(RUN_DIR)/kcidb-test.json

# The instruction count is reproducible: system-heap v2 on arm64 (the
# Rust build kunit-test leaves, so only v2's files recompile), its timing
# cases once timed and then booted twice under QEMU -icount; the run fails
# when the two counting boots differ by one instruction on any row.
kunit-icount-test: patchctl
	scripts/deps.sh kunit
	scripts/deps.sh rust
	$(PATCHCTL) kunit --rust --abi-boot none --arch arm64 --series patches/system-heap-vmap --revision v2 \
		--counting-boots 2 --results $(RUN_DIR)/icount

# make test's mainline kernels: the revisions that go upstream (each
# series.toml's revisions with base = "mainline", and the unpatched
# mainline) on Debian unstable's linux-source-7.2, C only (the Rust heap
# follows 6.12's bindings), on MAINLINE_TEST_ARCHES, correctness only.
kunit-mainline-test: patchctl
	scripts/deps.sh kunit
	scripts/deps.sh kernel-source-mainline
	$(PATCHCTL) kunit --base mainline --skip-timings --arch $(MAINLINE_TEST_ARCHES) --series $(KUNIT_SERIES) \
		--junit $(RUN_DIR)/junit-mainline.xml --kcidb $(RUN_DIR)/kcidb-mainline.json

# The mainline revisions under KASAN on UML (GCC, C only).
kunit-mainline-kasan: patchctl
	scripts/deps.sh kunit
	scripts/deps.sh kernel-source-mainline
	$(PATCHCTL) kunit --kasan --arch um --series patches/system-heap-vmap \
		--revision mainline,v3 --junit $(RUN_DIR)/junit-mainline-kasan.xml

# Proves that system-heap v3's own KUnit test (patch 2) fails when the
# code is wrong: a copy of mainline with v3 applied, each mutation of
# kunit/mutants/system-heap-v3.txt made in turn (one line of
# system_heap_do_vmap() changed), the suite run with the tree's kunit.py
# and the kunitconfig the series itself adds to drivers/dma-buf/heaps, on UML;
# every mutation must be caught by the case the list names. The mutations
# whose only symptom is a store past the array (system-heap-v3-kasan.txt)
# run in a second, KASAN_VMALLOC build.
MUTANTS_DIR := $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/patchctl/mutants
kunit-mutants:
	scripts/deps.sh kunit
	@ksrc=$$(scripts/deps.sh kernel-source-mainline) && \
	rm -rf "$(MUTANTS_DIR)/tree" && mkdir -p "$(MUTANTS_DIR)" && \
	echo "kunit-mutants: copying $$ksrc and applying patches/system-heap-vmap/v3" && \
	cp -a "$$ksrc" "$(MUTANTS_DIR)/tree" && \
	for p in patches/system-heap-vmap/v3/*-000[1-9]-*.patch; do \
		(cd "$(MUTANTS_DIR)/tree" && git apply "$(CURDIR)/$$p") || exit 1; \
	done
	CCACHE_DIR=$(MUTANTS_DIR)/../ccache CC_WRAP="$$(command -v ccache >/dev/null && echo 'ccache gcc')" \
		scripts/kunit-mutants.sh "$(MUTANTS_DIR)/tree" kunit/mutants/system-heap-v3.txt \
		"$(MUTANTS_DIR)/tree/drivers/dma-buf/heaps" "$(MUTANTS_DIR)/build-um" dma_heap_system_vmap
	@# The stores past the array: only KASAN_VMALLOC sees them.
	CCACHE_DIR=$(MUTANTS_DIR)/../ccache CC_WRAP="$$(command -v ccache >/dev/null && echo 'ccache gcc')" \
		KUNIT_ARGS="--kconfig_add CONFIG_KASAN=y --kconfig_add CONFIG_KASAN_VMALLOC=y" \
		scripts/kunit-mutants.sh "$(MUTANTS_DIR)/tree" kunit/mutants/system-heap-v3-kasan.txt \
		"$(MUTANTS_DIR)/tree/drivers/dma-buf/heaps" "$(MUTANTS_DIR)/build-um-kasan" dma_heap_system_vmap

# Proves that the workspace's own suites (kunit/) fail when the code they
# check is wrong. patchctl prepares the 6.12 tree with system-heap v1 and
# the suites placed and runs it once (CONFIG_RUST, UML, both boots); that
# tree is copied under patchctl's lock, and each mutation of
# kunit/mutants/workspace.txt is made in the copy in turn, built in a
# directory of its own, run with the tree's kunit.py and booted again with
# a copy of the /dev/dma_heap program; each run's output is kept in
# $(RUN_DIR)/mutants-workspace/logs. Not part of make test.
WS_MUTANTS_DIR := $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/patchctl/mutants-workspace
kunit-mutants-workspace: patchctl
	scripts/deps.sh kunit
	scripts/deps.sh rust
	$(PATCHCTL) kunit --rust --arch um --series patches/system-heap-vmap --revision v1 \
		--skip-timings --results $(RUN_DIR)/mutants-workspace
	@set -e; cache=$(dir $(WS_MUTANTS_DIR)); ksrc=$$(scripts/deps.sh kernel-source); \
	v=$$(awk '$$1 == "VERSION" {a = $$3} $$1 == "PATCHLEVEL" {b = $$3} $$1 == "SUBLEVEL" {c = $$3} \
		END {print a "." b "." c}' "$$ksrc/Makefile"); \
	echo "kunit-mutants-workspace: copying $${cache}trees/linux-$$v"; \
	mkdir -p "$(WS_MUTANTS_DIR)"; \
	flock "$${cache}trees/.linux-$$v.lock" sh -c 'rm -rf "$$0/tree" && cp -a "$$1" "$$0/tree" && \
		cp "$$2/patchctl.kunitconfig" "$$0/kunitconfig"' \
		"$(WS_MUTANTS_DIR)" "$${cache}trees/linux-$$v" "$${cache}build/linux-$$v-um-rust"; \
	cat patches/system-heap-vmap/v1/*.patch | cmp -s - "$(WS_MUTANTS_DIR)/tree/.patchctl-applied" || \
		{ echo "kunit-mutants-workspace: another run switched the tree from v1 before the copy: run again" >&2; exit 1; }; \
	rm -f "$(WS_MUTANTS_DIR)/tree/.git"; cp kunit/dma_heap_abi.c "$(WS_MUTANTS_DIR)/tree/"; \
	CCACHE_DIR=$${cache}ccache CC_WRAP="$$(command -v ccache >/dev/null && echo 'ccache gcc')" \
	KUNIT_ARGS="--make_options=RUSTC=$${KERNEL_RUSTC:-/usr/bin/rustc} \
		--make_options=BINDGEN=$${KERNEL_BINDGEN:-$${cache}cargo/bin/bindgen} \
		--make_options=BINDGEN_TARGET=x86_64-linux-gnu --filter=speed>slow" \
	ABI_BOOT="$(WS_MUTANTS_DIR)/tree/dma_heap_abi.c" MUTANTS_LOGS=$(RUN_DIR)/mutants-workspace/logs \
		scripts/kunit-mutants.sh "$(WS_MUTANTS_DIR)/tree" kunit/mutants/workspace.txt \
		"$(WS_MUTANTS_DIR)/kunitconfig" "$(WS_MUTANTS_DIR)/build-um-rust" 'system_heap_*'

# KASAN on UML, C only (KASAN and Rust do not mix with GCC in 6.12): the
# pre-patch code and each distinct revision's code of every series (each
# series.toml's [kunit] kasan list) must be clean, and the suite's
# deliberate v1 overflow must be reported by KASAN.
kunit-kasan: patchctl
	scripts/deps.sh kunit
	$(PATCHCTL) kunit --kasan --arch um --series $(KUNIT_SERIES) \
		--junit $(RUN_DIR)/junit-kasan.xml --kcidb $(RUN_DIR)/kcidb-kasan.json

# Rust with KASAN: 6.12 allows the two together only when clang builds the
# C side, so this is an LLVM=1 UML build with the Rust heap, its KUnit
# comparison and its second boot, all under KASAN, for each series'
# distinct code (the [kunit] kasan list): the C suite is checked here too,
# the deliberate v1 overflow reported in C and in Rust. The second boot
# runs once, on the first revision (allocation and mmap do not change).
kunit-rust-kasan: patchctl
	scripts/deps.sh kunit
	scripts/deps.sh rust
	$(PATCHCTL) kunit --rust --kasan --abi-boot first --arch um --series $(KUNIT_SERIES) \
		--junit $(RUN_DIR)/junit-rust-kasan.xml --kcidb $(RUN_DIR)/kcidb-rust-kasan.json

# Every fuzz target for a bounded time; figures in $(RUN_DIR)/fuzz.json.
FUZZ_SECONDS ?= 45
fuzz:
	scripts/fuzz.sh $(FUZZ_SECONDS)

# Miri is not installable here (a rustup component, not in the package
# registries): rust-heap's tests under ASan and valgrind instead, both
# layouts. Not part of make test (about 20 minutes from cold on 2 cores).
rust-heap-sanitize:
	rust-heap/sanitize.sh

# make test's fuzzing: short, but long enough that the v1 overflow is
# found (it takes well under a second) and every parser runs many
# thousands of inputs.
FUZZ_SHORT_SECONDS ?= 15
fuzz-short:
	scripts/fuzz.sh $(FUZZ_SHORT_SECONDS)

# The runner must see a conversion that is one page off. It builds in the
# CONFIG_RUST UML build directory that make kunit-test uses next, so that
# build costs once.
kunit-selftest:
	scripts/deps.sh kunit
	scripts/deps.sh rust
	$(CARGO) test -p patchctl --test kunit_selftest -- --ignored --nocapture

# The gate on every revision a series.toml marks `ready = true`: nothing
# called ready to send may fail it.
check-ready: patchctl
	scripts/deps.sh kernel-source >/dev/null
	scripts/deps.sh kernel-source-mainline >/dev/null
	$(PATCHCTL) check patches --ready

# patchctl on series others wrote (tools/tests/fixtures/series/), as a
# new user takes one from the list: am, kunit base against series, and
# check --build; each must also fail on a series that is wrong.
kunit-any-series: patchctl
	scripts/deps.sh kunit
	PATCHCTL=$(PATCHCTL) scripts/kunit-any-series.sh um list-sort

kunit-any-series-full: patchctl
	scripts/deps.sh kunit
	PATCHCTL=$(PATCHCTL) scripts/kunit-any-series.sh um,arm64 all

bench:
	scripts/deps.sh userspace
	$(CARGO) bench -p rust-heap --bench sgvmap
	$(CARGO) run --quiet -p patchctl -- bench --output $(RUN_DIR)/bench-userspace.json
	@echo "== review state of a 1,000-message thread (parse + derive), the breakdown =="
	$(CARGO) bench -p patchctl --bench review
	@echo "== patchctl fetch and status as whole processes, beside b4 =="
	$(CARGO) bench -p patchctl --bench review_process

# Charts and the evidence page of the last run, from its results alone.
report: patchctl
	$(PATCHCTL) report --results $(RUN_DIR)/results --out $(RUN_DIR)/report

# Runs write to $(RUN_DIR); the committed record changes only here.
record: patchctl
	@test -d $(RUN_DIR) || { echo "record: no run in $(RUN_DIR): run make kunit, make fuzz or make bench first" >&2; exit 1; }
	@n=0; for f in $(RUN_DIR)/results/*.json $(RUN_DIR)/fuzz.json $(RUN_DIR)/bench-userspace.json $(RUN_DIR)/bench-review.json $(RUN_DIR)/bench-b4.json; do \
		[ -f "$$f" ] || continue; cp "$$f" results/; n=$$((n + 1)); echo "record: $$f -> results/"; \
	done; echo "record: $$n file(s) copied"
	$(PATCHCTL) report --results results --out results
	$(PATCHCTL) readme --results results --file README.md
	@echo "record: charts, index.html and the README's tables drawn from results/; review with git diff and commit"

clean:
	$(CARGO) clean

# patchctl am and check beside b4 0.16 am and prep --check on the same
# inputs in the same run, release build, whole processes (scripts/bench-b4.sh);
# figures in $(RUN_DIR)/bench-b4.json, into results/ with make record.
.PHONY: bench-b4
bench-b4:
	scripts/deps.sh userspace
	scripts/deps.sh kernel-source >/dev/null
	scripts/bench-b4.sh $(RUN_DIR)/bench-b4.json
