#!/usr/bin/env bash
# Runs make targets one after another as the phases of a longer target
# (make test, make test-full, make kunit-full), timing each. The table of
# phase times is printed at the end, also when a phase fails (it is the
# last row, marked FAILED, and the rest did not run), and kept in
# target/patchctl/phases-<name>.txt.
#
# Usage: scripts/phases.sh <name> <target>...
set -uo pipefail
cd "$(dirname "$0")/.."

if [ $# -lt 2 ]; then
	echo "usage: $0 <name> <make target>..." >&2
	exit 2
fi
name=$1
shift
make=${MAKE:-make}
out="target/patchctl/phases-$name.txt"

rows=()
began=$(date +%s)

clock() { # clock <seconds>: m:ss
	printf '%d:%02d' $(($1 / 60)) $(($1 % 60))
}

table() {
	local total=$(($(date +%s) - began))
	{
		echo "== make $name: phase times on $(nproc) CPUs, $(date -u +%Y-%m-%dT%H:%MZ) =="
		printf '%s\n' "${rows[@]}"
		printf '  %-22s %8s\n' "total" "$(clock "$total")"
	} | tee "$out.tmp" >&2
	mv "$out.tmp" "$out"
}

mkdir -p target/patchctl
trap table EXIT
for target in "$@"; do
	start=$(date +%s)
	"$make" --no-print-directory "$target"
	rc=$?
	secs=$(($(date +%s) - start))
	if [ "$rc" -ne 0 ]; then
		rows+=("$(printf '  %-22s %8s  FAILED (exit %d)' "$target" "$(clock "$secs")" "$rc")")
		exit "$rc"
	fi
	rows+=("$(printf '  %-22s %8s' "$target" "$(clock "$secs")")")
done
