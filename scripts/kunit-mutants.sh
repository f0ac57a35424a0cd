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
# kunit.py takes it; <suite> is kunit.py's filter glob.
#
# From the environment, both optional:
#   KUNIT_ARGS  more kunit.py arguments, separated by spaces (a CONFIG_RUST
#               build's RUSTC and BINDGEN, --filter=speed>slow).
#   ABI_BOOT    a C program for a second boot (kunit/dma_heap_abi.c, or a
#               copy to mutate): built static, it is /init of an initramfs
#               made with the build's usr/gen_init_cpio, and the UML kernel
#               just built boots it with KUnit off, as patchctl's second
#               boot does. Its KTAP is judged with kunit.py's, so a case of
#               either can be the one that must fail; an ABI case that
#               prints no result at all (the boot died) counts as caught.
#   MUTANTS_LOGS a directory that keeps each run's whole output, as
#               unmutated.log and <name>.log.
#
# Exit status: 0 when every mutation was caught, 1 when one was missed, 2
# when the run could not be made (the unmutated tree fails, a mutation
# does not apply).
set -euo pipefail
[ $# -eq 5 ] || { sed -n '2,/^set -euo/p' "$0" | sed '$d' >&2; exit 2; }
tree=$(realpath "$1") list=$(realpath "$2") kconf=$(realpath "$3") build=$4 suite=$5
mkdir -p "$build"; build=$(realpath "$build")
logs=${MUTANTS_LOGS:-}
if [ -n "$logs" ]; then mkdir -p "$logs"; logs=$(realpath "$logs"); fi
cd "$tree"

read -ra extra <<<"${KUNIT_ARGS:-}"
abi=${ABI_BOOT:+$(realpath "$ABI_BOOT")}

run_suite() { # prints kunit.py's output; its status is kunit.py's
	python3 tools/testing/kunit/kunit.py run --arch=um --build_dir="$build" \
		--kunitconfig="$kconf" --jobs="$(nproc)" ${CC_WRAP:+--make_options "CC=$CC_WRAP"} \
		"${extra[@]}" "$suite" 2>&1
}

# The second boot (ABI_BOOT): prints what the machine printed; fails when
# the program or its initramfs cannot be built.
abi_boot() {
	local dir="$build/mutants-abi"
	mkdir -p "$dir"
	gcc -static -O2 -Wall -Wextra -Werror -o "$dir/init" "$abi" || return 1
	printf '%s\n' 'dir /dev 0755 0 0' 'nod /dev/console 0600 0 0 c 5 1' \
		'dir /proc 0755 0 0' "file /init $dir/init 0755 0 0" >"$dir/list"
	"$build/usr/gen_init_cpio" "$dir/list" >"$dir/initramfs.cpio" || return 1
	# How the machine ends is judged by what it printed.
	timeout 600 "$build/linux" mem=1G console=tty initrd="$dir/initramfs.cpio" \
		kunit.enable=0 rdinit=/init panic=-1 </dev/null 2>&1 | tr -d '\r' || true
}

run_all() { # kunit.py, then the second boot; the status is kunit.py's
	local status=0 kout
	kout=$(run_suite) || status=$?
	echo "$kout"
	# Only a kernel kunit.py built and booted now boots again.
	if [ -n "$abi" ] && grep -q "Starting KUnit Kernel" <<<"$kout"; then
		echo "# second boot: $abi as /init"
		abi_boot || echo "# second boot: the program or its initramfs could not be built"
	fi
	return "$status"
}

keep() { [ -z "$logs" ] || printf '%s\n' "$2" >"$logs/$1.log"; }

echo "mutants: the unmutated tree first"
status=0
out_clean=$(run_all) || status=$?
keep unmutated "$out_clean"
if [ "$status" -ne 0 ]; then
	echo "$out_clean" | tail -20 >&2
	echo "mutants: $suite fails on the unmutated tree: nothing to prove" >&2
	exit 2
fi
if [ -n "$abi" ] && ! grep -Eq "^ok [0-9]+ dma_heap_abi" <<<"$out_clean"; then
	echo "$out_clean" | grep -E "^ *(not )?ok |^ *# " | tail -30 >&2
	echo "mutants: the second boot does not pass on the unmutated tree: nothing to prove" >&2
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
	out=$(run_all) || status=$?
	keep "$name" "$out"
	if ! grep -q "KTAP version\|Starting KUnit Kernel" <<<"$out"; then
		echo "$out" | tail -20 >&2
		echo "mutants: $name: the mutated kernel did not build or boot (status $status)" >&2
		exit 2
	fi
	if grep -Eq "(FAILED|CRASHED|not ok [0-9]+) .*$case|\[(FAILED|CRASHED)\] $case" <<<"$out"; then
		echo "caught  $name ($case)"; caught=$((caught + 1))
	elif [ -n "$abi" ] && grep -q "^# second boot" <<<"$out" &&
		grep -Eq "^ +ok [0-9]+ $case\$" <<<"$out_clean" &&
		! grep -Eq "(^| )ok [0-9]+ $case\$" <<<"$out"; then
		echo "caught  $name ($case: the second boot printed no result for it)"; caught=$((caught + 1))
	elif grep -Eq "\[PASSED\] $case\$" <<<"$out_clean" && ! grep -Eq "\] $case\$" <<<"$out"; then
		# kunit.py gave the case no result at all: the kernel died in it.
		echo "caught  $name ($case: the kernel died in it, no result)"; caught=$((caught + 1))
	else
		echo "MISSED  $name ($case passed)"; missed=$((missed + 1))
	fi
	cp "$backup" "$file"; restore=""
done < "$list"
echo "mutants: $caught caught, $missed missed"
[ "$missed" -eq 0 ]
