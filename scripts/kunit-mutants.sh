#!/usr/bin/env bash
# Proves that a series' own KUnit test can fail: applies each mutation of
# a list (one line of the code under test changed) to a kernel tree that
# holds the series, runs the test's suite with the tree's own kunit.py, and
# reports whether the named case caught it. The tree is put back after
# each mutation, also when interrupted.
#
#   scripts/kunit-mutants.sh <tree> <mutants.txt> <kunitconfig> <build dir> <suite>
#
# <kunitconfig> is a file or a directory holding a .kunitconfig, as
# kunit.py takes it.
#
# Exit status: 0 when every mutation was caught, 1 when one was missed, 2
# when the run could not be made (the unmutated tree fails, a mutation
# does not apply).
set -euo pipefail
[ $# -eq 5 ] || { sed -n '2,16p' "$0" >&2; exit 2; }
tree=$(realpath "$1") list=$(realpath "$2") kconf=$(realpath "$3") build=$4 suite=$5
mkdir -p "$build"; build=$(realpath "$build")
cd "$tree"

run_suite() { # prints kunit.py's output; its status is kunit.py's
	python3 tools/testing/kunit/kunit.py run --arch=um --build_dir="$build" \
		--kunitconfig="$kconf" --jobs="$(nproc)" ${CC_WRAP:+--make_options "CC=$CC_WRAP"} "$suite" 2>&1
}

echo "mutants: the unmutated tree first"
if ! out=$(run_suite); then
	echo "$out" | tail -20 >&2
	echo "mutants: $suite fails on the unmutated tree: nothing to prove" >&2
	exit 2
fi

backup=$(mktemp)
restore=""
trap '[ -n "$restore" ] && cp "$backup" "$restore"; rm -f "$backup"' EXIT INT TERM
caught=0 missed=0
trim() { local v=$1; v=${v#"${v%%[! ]*}"}; printf '%s' "${v%"${v##*[! ]}"}"; }
while IFS= read -r line; do
	case $line in '' | '#'*) continue ;; esac
	name=${line%% @@ *}; rest=${line#* @@ }
	file=${rest%% @@ *}; rest=${rest#* @@ }
	subst=${rest%% @@ *}; case=${rest#* @@ }
	name=$(trim "$name") file=$(trim "$file") subst=$(trim "$subst") case=$(trim "$case")
	cp "$file" "$backup"; restore=$file
	perl -0pi -e "$subst" "$file"
	if cmp -s "$file" "$backup"; then
		echo "mutants: $name: the substitution changed nothing in $file" >&2
		exit 2
	fi
	status=0
	out=$(run_suite) || status=$?
	if ! grep -q "KTAP version\|Starting KUnit Kernel" <<<"$out"; then
		echo "$out" | tail -20 >&2
		echo "mutants: $name: the mutated kernel did not build or boot (status $status)" >&2
		exit 2
	fi
	if grep -Eq "(FAILED|CRASHED|not ok [0-9]+) .*$case|\[(FAILED|CRASHED)\] $case" <<<"$out"; then
		echo "caught  $name ($case)"; caught=$((caught + 1))
	else
		echo "MISSED  $name ($case passed)"; missed=$((missed + 1))
	fi
	cp "$backup" "$file"; restore=""
done < "$list"
echo "mutants: $caught caught, $missed missed"
[ "$missed" -eq 0 ]
