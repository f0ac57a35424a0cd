#!/usr/bin/env bash
# Runs every fuzz target under fuzz/ for a bounded time with
# AddressSanitizer (on the Rust code and on the C model) and writes what
# each run did to target/patchctl/fuzz.json (make record keeps it in results/).
#
# Usage: scripts/fuzz.sh [seconds per target]   (default: $FUZZ_SECONDS or 45)
#
# conversions, mbox, ktap and subject must run their time without a
# finding; a finding is copied to fuzz/regressions/<target>/ (commit it
# with the fix: the tests replay it) and fails the run. v1_overflow must
# crash: AddressSanitizer has to catch the v1 loop storing past an array
# of exactly npages slots, in sgvmap_v1, within the time.
#
# cargo fuzz wants sanitizer flags that stable rustc takes only with
# RUSTC_BOOTSTRAP=1; this machine's one toolchain is stable.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-${FUZZ_SECONDS:-45}}"
case "$seconds" in
'' | *[!0-9]*)
	echo "fuzz.sh: seconds per target must be a whole number, got \"$seconds\"" >&2
	exit 2
	;;
esac

cache="${XDG_CACHE_HOME:-$HOME/.cache}/patchctl"
scripts/deps.sh fuzz
export PATH="$cache/cargo/bin:$PATH"
export RUSTC_BOOTSTRAP=1
# The workspace's own target directory (the seed writer builds there).
workspace_target="${CARGO_TARGET_DIR:-$PWD/target}"
export CARGO_TARGET_DIR="$cache/fuzz-target"
# cargo fuzz builds for the host: its triple names the output directory.
host=$(rustc -vV | sed -n "s/^host: //p")
bin="$CARGO_TARGET_DIR/$host/release"
work="$cache/fuzz"
# Figures of this run go beside the build, not into the tracked record
# (results/): `make record` copies them there when asked.
out="target/patchctl"
mkdir -p "$work" "$out"

echo "== fuzz: building the targets with AddressSanitizer ==" >&2
(cd fuzz && cargo fuzz build -s address)

# Memory stays bounded: an input that makes a parser hold more than this
# is a finding, as is one that takes longer than the per-input timeout.
common=(-rss_limit_mb=2048 -malloc_limit_mb=1024 -timeout=20 -print_final_stats=1)

stat() { # stat <log> <name>: a libFuzzer final statistic
	sed -n "s/^stat::$2: *//p" "$1" | tail -n 1
}

records=()
failed=0
for target in conversions mbox ktap subject v1_overflow; do
	corpus="$work/corpus/$target"
	log="$work/$target.log"
	artifacts="$work/artifacts/$target/"
	if [ "$target" = v1_overflow ]; then
		# A fresh corpus of valid tables only: the overflow must be found,
		# not replayed.
		rm -rf "$corpus"
	fi
	rm -rf "$artifacts"
	mkdir -p "$corpus" "$artifacts"
	# The seed writer needs no sanitizer: the workspace's own build does.
	env -u RUSTC_BOOTSTRAP CARGO_TARGET_DIR="$workspace_target" \
		cargo run --quiet -p fuzz-checks --bin fuzz-seeds -- "$target" "$corpus" >&2
	max_len=()
	case "$target" in mbox | ktap) max_len=(-max_len=65536) ;; esac
	echo "== fuzz: $target for ${seconds}s ==" >&2
	set +e
	"$bin/$target" "${common[@]}" "${max_len[@]}" -max_total_time="$seconds" \
		-artifact_prefix="$artifacts" "$corpus" >"$log" 2>&1
	rc=$?
	set -e
	runs=$(stat "$log" number_of_executed_units)
	peak=$(stat "$log" peak_rss_mb)
	finding=$(find "$artifacts" -type f | head -n 1)
	if [ "$target" = v1_overflow ]; then
		if [ "$rc" -ne 0 ] && grep -q 'AddressSanitizer: heap-buffer-overflow' "$log" &&
			grep -q ' in sgvmap_v1 ' "$log"; then
			outcome="found"
			echo "fuzz: v1_overflow: AddressSanitizer caught sgvmap_v1 storing past npages after ${runs:-?} runs" >&2
			grep -m1 ' in sgvmap_v1 ' "$log" >&2
		else
			outcome="not found"
			failed=1
			echo "fuzz: v1_overflow: the v1 loop's overflow was NOT found in ${seconds}s (see $log)" >&2
		fi
	elif [ "$rc" -eq 0 ] && [ -z "$finding" ]; then
		outcome="clean"
		echo "fuzz: $target: ${runs:-?} runs, no finding, peak RSS ${peak:-?} MB" >&2
	else
		outcome="finding"
		failed=1
		dest="fuzz/regressions/$target"
		mkdir -p "$dest"
		[ -n "$finding" ] && cp "$finding" "$dest/"
		echo "fuzz: $target FOUND a failing input (exit $rc); kept in $dest/, log in $log:" >&2
		grep -m3 -E 'panicked at|ERROR: |SUMMARY' "$log" >&2 || true
	fi
	records+=("$(printf '{"target": "%s", "seconds": %s, "runs": %s, "peak_rss_mb": %s, "outcome": "%s"}' \
		"$target" "$seconds" "${runs:-0}" "${peak:-0}" "$outcome")")
done

machine="$(uname -m), $(nproc) CPUs, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n 1)"
{
	printf '{\n  "sanitizer": "address",\n  "machine": "%s",\n  "targets": [\n' "$machine"
	for i in "${!records[@]}"; do
		sep=","
		[ "$i" -eq $((${#records[@]} - 1)) ] && sep=""
		printf '    %s%s\n' "${records[$i]}" "$sep"
	done
	printf '  ]\n}\n'
} >"$out/fuzz.json.tmp"
mv "$out/fuzz.json.tmp" "$out/fuzz.json"
echo "fuzz: figures in $out/fuzz.json (make record copies them into results/)" >&2
exit "$failed"
