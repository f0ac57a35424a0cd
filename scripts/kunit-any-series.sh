#!/usr/bin/env bash
# A series from the list, from its mbox to a verdict, as a new user takes
# it: `patchctl am` into an empty workspace, `patchctl kunit --series` on
# the kernel's own suites that cover it (base against series), and
# `patchctl check --build` patch by patch. Each step must give the answer
# it should, and must fail when the code is wrong:
#
#   - list-sort (lib/): no regression; then with a third patch that makes
#     list_sort() unstable (fixtures/series/list-sort-unstable.patch), a
#     REGRESSION of lib/test_list_sort.c, and a non-zero exit;
#   - input-guard (drivers/input/): no regression (FIXTURES=all only);
#   - list-sort-misordered: `check --build` names patch 1/2, which calls
#     what patch 2/2 adds, and not patch 2/2.
#
# Usage: scripts/kunit-any-series.sh [ARCHES] [FIXTURES]
#   ARCHES    um (default) or um,arm64
#   FIXTURES  list-sort (default) or all
# PATCHCTL names the binary (default: the debug build).
# Prints each step's wall-clock seconds, `am` to verdict.
set -euo pipefail

arches="${1:-um}"
fixtures="${2:-list-sort}"
root="$(cd "$(dirname "$0")/.." && pwd)"
patchctl="${PATCHCTL:-$root/target/debug/patchctl}"
series_fixtures="$root/tools/tests/fixtures/series"
jobs="$(nproc)"

[ -x "$patchctl" ] || {
	echo "kunit-any-series: no patchctl at $patchctl: run make patchctl first" >&2
	exit 2
}
case "$fixtures" in
list-sort) mboxes=(list-sort) ;;
all) mboxes=(list-sort input-guard) ;;
*)
	echo "kunit-any-series: FIXTURES must be list-sort or all, not '$fixtures'" >&2
	exit 2
	;;
esac

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
cd "$scratch"
git init -q
failed=0
fail() {
	echo "kunit-any-series: FAIL: $*" >&2
	failed=1
}
# A failure, with the end of what the step printed ($1.out, $1.err).
show() {
	fail "$2"
	tail -20 "$scratch/$1.out" "$scratch/$1.err" >&2
}

# The one series directory `am` made under patches/ for mbox $1.
import() {
	local before after
	before="$(ls patches 2>/dev/null || true)"
	"$patchctl" am "$series_fixtures/$1.mbox" >&2
	after="$(ls patches)"
	comm -13 <(echo "$before") <(echo "$after")
}

for m in "${mboxes[@]}"; do
	start=$(date +%s)
	slug="$(import "$m")"
	[ "$m" = list-sort ] && list_sort_slug="$slug"
	echo "== $m: patches/$slug, kunit on $arches =="
	if "$patchctl" kunit --series "patches/$slug" --arch "$arches" --jobs "$jobs" \
		--results "$scratch/results-$m" >"$scratch/$m.out" 2>"$scratch/$m.err"; then
		verdicts=$(grep -cE 'against baseline, (um|arm64): [0-9]+ case\(s\) on both; no regression$' "$scratch/$m.out" || true)
		[ "$verdicts" -eq "$(echo "$arches" | tr ',' '\n' | grep -c .)" ] ||
			show "$m" "$m: $verdicts 'no regression' verdict(s) for arches $arches"
	else
		show "$m" "$m: patchctl kunit failed on a series that regresses nothing"
	fi
	cat "$scratch/$m.out"
	echo "$m: am to verdict in $(($(date +%s) - start)) s on $arches"
done

# The test must fail when the code is wrong: v2 is v1 and a patch that
# breaks list_sort()'s stability, which lib/test_list_sort.c checks.
slug="$list_sort_slug"
mkdir "patches/$slug/v2"
cp "patches/$slug/v1/"*.patch "patches/$slug/v2/"
cp "$series_fixtures/list-sort-unstable.patch" "patches/$slug/v2/0003-unstable.patch"
echo "== list-sort v2 (v1 and an unstable merge()): must regress on um =="
if "$patchctl" kunit --series "patches/$slug" --revision baseline,v2 --arch um --jobs "$jobs" \
	--results "$scratch/results-unstable" >"$scratch/unstable.out" 2>"$scratch/unstable.err"; then
	show unstable "kunit passed a series that makes list_sort() unstable"
fi
grep -E '^  REGRESSION .*list_sort' "$scratch/unstable.out" ||
	show unstable "no REGRESSION line for list_sort"

# Patch by patch: the misordered series builds as a whole, not at 1/2.
mis="$(import list-sort-misordered)"
echo "== $mis: check --build $arches =="
"$patchctl" check "patches/$mis" v1 --sender "Patchctl Testdata <testdata@patchctl.invalid>" \
	--build "$arches" --jobs "$jobs" >"$scratch/mis.out" 2>"$scratch/mis.err" || true
grep -E '0001-.*: builds: patch 1/2 does not build on its own on um .*merge_takes_a' "$scratch/mis.out" ||
	show mis "check --build did not name patch 1/2"
if grep -E '0002-.*: builds:' "$scratch/mis.out"; then
	fail "check --build blamed patch 2/2, which builds"
fi
grep 'patchctl check: built' "$scratch/mis.err" || true

exit "$failed"
