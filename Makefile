# The workspace's entry points. Every target installs what it needs first
# (scripts/deps.sh only installs what is missing), so each works on a fresh
# machine. Caches live under ${XDG_CACHE_HOME:-~/.cache}/patchctl.

CARGO ?= cargo
# The two struct scatterlist layouts of Linux 6.12: UML (24 bytes) and
# arm64 (32 bytes, CONFIG_NEED_SG_DMA_LENGTH).
LAYOUT_ARM64 := --features c-heap/dma-length,rust-heap/dma-length
# C files written in kernel style; kcompat.h is the userspace shim that
# stands in for kernel headers, so it is not held to kernel style.
KERNEL_STYLE_C := c-heap/src/sg.c c-heap/src/memmap.c c-heap/src/convert.c \
	c-heap/include/sgvmap.h c-heap/include/sg_internal.h

.PHONY: all deps test fmt-check clippy unit-tests checkpatch bench clean help

all: test

help:
	@echo "make test   - formatting, clippy -D warnings, checkpatch, all tests on both layouts"
	@echo "make bench  - the 2 GB conversion benchmark and its table (results/bench-userspace.json)"
	@echo "make deps   - install the Debian packages and the kernel source the targets need"

deps:
	scripts/deps.sh all

test: deps fmt-check clippy checkpatch unit-tests

fmt-check:
	$(CARGO) fmt --all -- --check

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

bench:
	scripts/deps.sh userspace
	$(CARGO) bench -p rust-heap --bench sgvmap
	$(CARGO) run --quiet -p patchctl -- bench --output results/bench-userspace.json

clean:
	$(CARGO) clean
