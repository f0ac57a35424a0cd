#!/usr/bin/env bash
# rust-heap's tests (and c-heap's) under the nearest substitutes for Miri
# that this machine has: Miri itself is a rustup component
# (`cargo +nightly miri test -p rust-heap`), which the package registries
# do not serve, and the nightly toolchain here has no miri component.
#
#   1. AddressSanitizer: stable rustc with RUSTC_BOOTSTRAP=1 and
#      -Zsanitizer=address, as scripts/fuzz.sh builds the fuzz targets;
#      c-heap's build script compiles the C model with -fsanitize=address
#      too. Catches stores and loads out of bounds of heap and stack
#      objects, use after free, double free and leaks, on both sides of
#      the FFI.
#   2. Valgrind memcheck (Debian's valgrind) on an ordinary build: every
#      test binary and the drop-in programs the drop-in test builds and
#      runs (--trace-children; the compilers it runs are skipped). Adds
#      what ASan does not see: branches on uninitialised memory.
#
# Neither checks Rust's own rules that Miri checks: a reference over
# uninitialised memory, aliasing (Stacked/Tree Borrows) and invalid
# values go unseen unless they turn into a bad access. Each runs on both
# struct scatterlist layouts.
#
# Usage: rust-heap/sanitize.sh [asan|valgrind]...   (default: both)
set -euo pipefail
cd "$(dirname "$0")/.."

host=$(rustc -vV | sed -n "s/^host: //p")
runner_var="CARGO_TARGET_$(echo "$host" | tr 'a-z-' 'A-Z_')_RUNNER"
layouts=("" "--features=c-heap/dma-length,rust-heap/dma-length")

asan() {
	local layout
	for layout in "${layouts[@]}"; do
		echo "== rust-heap under AddressSanitizer ${layout:-(UML layout)} ==" >&2
		# --target keeps build scripts and proc-macros uninstrumented.
		RUSTC_BOOTSTRAP=1 \
			RUSTFLAGS="-Zsanitizer=address -Cforce-frame-pointers=yes" \
			ASAN_OPTIONS="detect_leaks=1:abort_on_error=1" \
			CARGO_TARGET_DIR=target/sanitize/asan \
			cargo test --target "$host" -p rust-heap -p c-heap $layout
	done
}

valgrind_memcheck() {
	local layout
	local skip='*/rustc,*/cc,*/gcc*,*/cc1,*/as,*/collect2,*/ld,*/ld.*'
	for layout in "${layouts[@]}"; do
		echo "== rust-heap under valgrind memcheck ${layout:-(UML layout)} ==" >&2
		env "$runner_var=valgrind --quiet --error-exitcode=99 --leak-check=full \
--errors-for-leak-kinds=definite --show-leak-kinds=definite --trace-children=yes \
--trace-children-skip=$skip" \
			CARGO_TARGET_DIR=target/sanitize/valgrind \
			cargo test --target "$host" -p rust-heap -p c-heap $layout
	done
}

steps=("$@")
[ ${#steps[@]} -gt 0 ] || steps=(asan valgrind)
for step in "${steps[@]}"; do
	case "$step" in
	asan) asan ;;
	valgrind) valgrind_memcheck ;;
	*)
		echo "sanitize.sh: expected asan or valgrind, got \"$step\"" >&2
		exit 2
		;;
	esac
done
echo "rust-heap: clean under ${steps[*]}" >&2
