#!/usr/bin/env bash
# Runs make targets one after another as the phases of a longer target
# (make test, make test-full, make kunit-full), timing each. The table of
# phase times is printed at the end, also when a phase fails (it is the
# last row, marked FAILED, and the rest did not run), and kept in
# target/patchctl/phases-<name>.txt.
#
# A phase killed from outside (CI's time limit, ^C) gets an INTERRUPTED
# row: bash runs the EXIT trap on TERM and INT only when they are trapped.
# The file is rewritten after every phase, so it survives even SIGKILL.
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
current=""
current_start=0

clock() { # clock <seconds>: m:ss
	printf '%d:%02d' $(($1 / 60)) $(($1 % 60))
}

table() {
	local total=$(($(date +%s) - began))
	if [ -n "$current" ]; then
		rows+=("$(printf '  %-22s %8s  INTERRUPTED' "$current" "$(clock $(($(date +%s) - current_start)))")")
		current=""
	fi
	{
		echo "== make $name: phase times on $(nproc) CPUs, $(date -u +%Y-%m-%dT%H:%MZ) =="
		printf '%s\n' "${rows[@]}"
		printf '  %-22s %8s\n' "total" "$(clock "$total")"
	} | tee "$out.tmp" >&2
	mv "$out.tmp" "$out"
}

mkdir -p target/patchctl
trap table EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
for target in "$@"; do
	current=$target
	current_start=$(date +%s)
	"$make" --no-print-directory "$target"
	rc=$?
	secs=$(($(date +%s) - current_start))
	current=""
	if [ "$rc" -ne 0 ]; then
		rows+=("$(printf '  %-22s %8s  FAILED (exit %d)' "$target" "$(clock "$secs")" "$rc")")
		exit "$rc"
	fi
	rows+=("$(printf '  %-22s %8s' "$target" "$(clock "$secs")")")
	printf '%s\n' "${rows[@]}" >"$out.partial"
done
rm -f "$out.partial"
