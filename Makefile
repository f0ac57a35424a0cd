# The workspace's entry points. Every target installs what it needs first
# (scripts/deps.sh only installs what is missing), so each works on a fresh
# machine. Caches live under ${XDG_CACHE_HOME:-~/.cache}/patchctl.

CARGO ?= cargo
# The two struct scatterlist layouts of Linux 6.12: UML (24 bytes) and
# arm64 (32 bytes, CONFIG_NEED_SG_DMA_LENGTH).
LAYOUT_ARM64 := --features c-heap/dma-length,rust-heap/dma-length
# C files written in kernel style; kcompat.h is the userspace shim that
# stands in for kernel headers, so it is not held to kernel style.
KERNEL_STYLE_C := c-heap/src/sg.c c-heap/src/memmap.c c-heap/src/heap.c c-heap/src/convert.c \
	c-heap/include/sgvmap.h c-heap/include/sg_internal.h \
	kunit/system_heap_test.c kunit/system_heap_rust.h rust-heap/dropin/driver.c \
	kunit/system_heap_rust_shim.c kunit/system_heap_rust_test.c kunit/dma_heap_abi.c
# Where KUnit runs: UML, and arm64 under QEMU.
KUNIT_ARCHES ?= um,arm64
# Every series in patches/, each with the revisions its series.toml's
# [kunit] section lists (patchctl kunit --help).
KUNIT_SERIES ?= patches
PATCHCTL := target/release/patchctl
# Where a run's figures go (ignored by git); `make record` copies them into
# the committed record, results/, only when asked.
RUN_DIR := target/patchctl

.PHONY: all deps test fmt-check clippy unit-tests checkpatch bench kunit kunit-rust kunit-kasan kunit-rust-kasan kunit-selftest fuzz patchctl report record clean help

all: test

help:
	@echo "make test   - formatting, clippy -D warnings, checkpatch, all tests on both layouts"
	@echo "make kunit  - the main job: every revision of every series in patches/ on real 6.12 kernels (UML, arm64 QEMU), then C and Rust side by side"
	@echo "make kunit-rust - CONFIG_RUST: the Rust core and the system-rust heap beside C, then a second boot through /dev/dma_heap"
	@echo "make kunit-kasan - the C suite under KASAN on UML, each series' distinct code: clean code, the v1 overflow reported"
	@echo "make kunit-rust-kasan - an LLVM=1 UML build with Rust and KASAN: the Rust heap checked byte by byte beside C"
	@echo "make fuzz   - every cargo fuzz target with AddressSanitizer, FUZZ_SECONDS each (default 45)"
	@echo "make bench  - the 2 GB conversion benchmark in userspace and its table; review-state speed"
	@echo "make deps   - install the Debian packages and the kernel source the targets need"
	@echo "make report - charts and the evidence page of the last run ($(RUN_DIR)/report/index.html)"
	@echo "make record - copy the last run's figures ($(RUN_DIR)) into the committed record, results/, and redraw its charts"

deps:
	scripts/deps.sh all

test: deps fmt-check clippy checkpatch unit-tests fuzz kunit-selftest kunit kunit-kasan kunit-rust-kasan report

fmt-check:
	$(CARGO) fmt --all -- --check
	@# The kernel heap is built by kbuild, not cargo: checked on its own.
	rustfmt --edition 2021 --check kunit/system_rust_heap.rs

clippy:
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(CARGO) clippy --workspace --all-targets $(LAYOUT_ARM64) -- -D warnings

unit-tests:
	@echo "== tests, UML layout (struct scatterlist without dma_length) =="
	$(CARGO) test --workspace
	@echo "== tests, arm64 layout (struct scatterlist with dma_length) =="
	$(CARGO) test --workspace $(LAYOUT_ARM64)

checkpatch:
	@ksrc=$$(scripts/deps.sh kernel-source) && \
	perl "$$ksrc/scripts/checkpatch.pl" --no-tree --terse -f $(KERNEL_STYLE_C) && \
	echo "checkpatch: $(words $(KERNEL_STYLE_C)) C files clean (no errors, no warnings)"

patchctl:
	$(CARGO) build --release -p patchctl

# The main job: every revision on every arch, a failed or missing case
# fails; then the CONFIG_RUST build, Rust beside C.
kunit: patchctl
	scripts/deps.sh kunit
	$(PATCHCTL) kunit --arch $(KUNIT_ARCHES) --series $(KUNIT_SERIES) \
		--junit $(RUN_DIR)/junit-c.xml --kcidb $(RUN_DIR)/kcidb-c.json
	$(MAKE) --no-print-directory kunit-rust
	$(MAKE) --no-print-directory report

# The same suite with CONFIG_RUST: rust-heap's core in the kernel beside C
# and the system-rust heap beside the C heap, one Rust build per arch (it
# runs the C cases too); each kernel then boots again with the
# /dev/dma_heap program as init (kunit/dma_heap_abi.c).
kunit-rust: patchctl
	scripts/deps.sh kunit
	scripts/deps.sh rust
	$(PATCHCTL) kunit --rust --arch $(KUNIT_ARCHES) --series patches/system-heap-vmap --revision v1 \
		--junit $(RUN_DIR)/junit-rust.xml --kcidb $(RUN_DIR)/kcidb-rust.json

# KASAN on UML, C only (KASAN and Rust do not mix with GCC in 6.12): the
# pre-patch code and each distinct revision's code of every series (each
# series.toml's [kunit] kasan list) must be clean, and the suite's
# deliberate v1 overflow must be reported by KASAN.
kunit-kasan: patchctl
	scripts/deps.sh kunit
	$(PATCHCTL) kunit --kasan --arch um --series $(KUNIT_SERIES) \
		--junit $(RUN_DIR)/junit-kasan.xml --kcidb $(RUN_DIR)/kcidb-kasan.json

# Rust with KASAN: 6.12 allows the two together only when clang builds the
# C side, so this is an LLVM=1 UML build of v1 with the Rust heap, its
# KUnit comparison and its second boot, all under KASAN.
kunit-rust-kasan: patchctl
	scripts/deps.sh kunit
	scripts/deps.sh rust
	$(PATCHCTL) kunit --rust --kasan --arch um --series patches/system-heap-vmap --revision v1 \
		--junit $(RUN_DIR)/junit-rust-kasan.xml --kcidb $(RUN_DIR)/kcidb-rust-kasan.json

# Every fuzz target for a bounded time; figures in $(RUN_DIR)/fuzz.json.
FUZZ_SECONDS ?= 45
fuzz:
	scripts/fuzz.sh $(FUZZ_SECONDS)

# The runner must see a conversion that is one page off.
kunit-selftest:
	scripts/deps.sh kunit
	$(CARGO) test --release -p patchctl --test kunit_selftest -- --ignored --nocapture

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
	@n=0; for f in $(RUN_DIR)/results/*.json $(RUN_DIR)/fuzz.json $(RUN_DIR)/bench-userspace.json $(RUN_DIR)/bench-review.json; do \
		[ -f "$$f" ] || continue; cp "$$f" results/; n=$$((n + 1)); echo "record: $$f -> results/"; \
	done; echo "record: $$n file(s) copied"
	$(PATCHCTL) report --results results --out results
	@echo "record: charts and index.html drawn from results/; review with git diff results/ and commit"

clean:
	$(CARGO) clean
