#!/usr/bin/env bash
# patchctl beside b4 0.16 as whole processes, on the same inputs in the
# same run (issue 27, "Speed and scale"):
#
#   patchctl am <mbox>                    vs  b4 am -m <mbox>
#   patchctl check SERIES vN (no builds)  vs  b4 prep --check
#
# on the test threads (the two reconstructed upstream series, the
# two-revision demo thread, the real system-heap-vmap v1 thread) and on a
# 30-patch series that `git format-patch` writes here from a scratch
# repository, deterministically (fixed identities, dates and Message-IDs),
# with a reply to its cover letter and one to its fifth patch.
#
# patchctl check builds nothing: per patch it runs git apply --check,
# checkpatch.pl --strict and get_maintainer.pl. b4 prep --check runs
# checkpatch.pl per patch, on a b4 prep branch enrolled here (b4 prep -e)
# from the same patches. Beside them, checkpatch.pl --strict alone on the
# same mails, two at a time: the floor of any check that runs it. Both judge against the same small base tree: the
# kernel's top-level files, its scripts and MAINTAINERS, and the files
# the series touches, from the cached linux-source-6.12 (without that
# cache only am is measured).
#
# b4 runs offline, with no configuration of this machine's and no cache
# (-C): HOME is a scratch directory, GIT_CONFIG_GLOBAL=/dev/null,
# GIT_CONFIG_NOSYSTEM=1, --offline-mode, attestation off.
#
# Timing: each command is forked and waited for with wait4(2): wall time
# and the peak RSS of its largest process (itself or a child it waited
# for, such as perl or git), RUNS runs (default 11) after WARMUP (default
# 2) unmeasured ones; median and min-max over the runs. Writes
# target/patchctl/bench-b4.json (or $1; `make record` copies it to
# results/) and prints the table.
#
#   scripts/bench-b4.sh [OUT.json]      RUNS=21 scripts/bench-b4.sh
#   ONLY=bench-30 KEEP=1 RUNS=1 WARMUP=0 scripts/bench-b4.sh /tmp/try.json
#   (one input, the scratch directory kept: a quick look, not a record)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:-$ROOT/target/patchctl/bench-b4.json}
RUNS=${RUNS:-11}
WARMUP=${WARMUP:-2}
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/patchctl
B4_PIN='b4==0.16.0'
VENV=$CACHE/venv-b4
B4=${B4:-$VENV/bin/b4}
KSRC=${KSRC:-$CACHE/linux-source-6.12}
SENDER='Bench Author <bench.author@patchctl.bench>'

say() { echo "bench-b4: $*" >&2; }

# --- tools -----------------------------------------------------------------
if [ ! -x "$B4" ]; then
	say "installing $B4_PIN into $VENV"
	python3 -m venv "$VENV"
	"$VENV/bin/pip" install --quiet "$B4_PIN"
	B4=$VENV/bin/b4
fi
B4_VERSION=$("$B4" --version)

if [ -z "${PATCHCTL:-}" ]; then
	say "building patchctl (release)"
	(cd "$ROOT" && nice -n 19 cargo build -q --release -p patchctl)
	PATCHCTL=${CARGO_TARGET_DIR:-$ROOT/target}/release/patchctl
fi
PATCHCTL=$(realpath "$PATCHCTL")
LOAD_AT_START=$(cut -d' ' -f1-3 /proc/loadavg)
COMMIT=$(git -C "$ROOT" rev-parse --short HEAD)
# What the binary is built from, changed since the commit or not.
git -C "$ROOT" diff --quiet HEAD -- tools/src tools/Cargo.toml Cargo.lock || COMMIT="$COMMIT+changes"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/bench-b4.XXXXXX")
if [ -n "${KEEP:-}" ]; then
	say "keeping $WORK"
else
	trap 'rm -rf "$WORK"' EXIT
fi
# b4 and git see nothing of this machine's configuration.
mkdir -p "$WORK/userhome"
export HOME=$WORK/userhome XDG_CONFIG_HOME=$WORK/userhome/.config XDG_CACHE_HOME=$WORK/userhome/.cache \
	XDG_DATA_HOME=$WORK/userhome/.local/share GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
export GIT_AUTHOR_NAME='Bench Author' GIT_AUTHOR_EMAIL=bench.author@patchctl.bench \
	GIT_COMMITTER_NAME='Bench Author' GIT_COMMITTER_EMAIL=bench.author@patchctl.bench
B4RUN=("$B4" --offline-mode -q -n --no-stdin -c b4.attestation-policy=off)

commit_at() { # commit_at N GIT-COMMIT-ARGS...: a commit at a fixed date
	local when
	when="2026-01-01T10:$(printf %02d "$1"):00+0000"
	shift
	GIT_AUTHOR_DATE=$when GIT_COMMITTER_DATE=$when git commit -q "$@"
}

# A base tree for the files an mbox touches: the kernel's top level, its
# scripts for checkpatch.pl and get_maintainer.pl, and those files.
base_tree() { # base_tree DIR MBOX
	local dir=$1 mbox=$2 f
	mkdir -p "$dir"
	for f in COPYING CREDITS Kbuild MAINTAINERS Makefile README .mailmap \
		scripts/checkpatch.pl scripts/get_maintainer.pl scripts/spelling.txt \
		scripts/const_structs.checkpatch; do
		mkdir -p "$dir/$(dirname "$f")"
		cp "$KSRC/$f" "$dir/$f"
	done
	for f in Documentation arch include drivers fs init ipc kernel lib; do
		mkdir -p "$dir/$f" && touch "$dir/$f/.keep"
	done
	grep -oE '^diff --git a/[^ ]+' "$mbox" | sed 's|^diff --git a/||' | sort -u | while read -r f; do
		if [ -f "$KSRC/$f" ]; then
			mkdir -p "$dir/$(dirname "$f")"
			cp "$KSRC/$f" "$dir/$f"
		fi
	done
	(cd "$dir" && git init -q -b master && git add -A && commit_at 0 -m base)
}

# --- the 30-patch series -----------------------------------------------------
# Thirty commits on a base tree, each adding a small C file under lib/,
# written by git format-patch with a cover letter, then a reviewer's reply
# to the cover letter and a tester's to patch 5; every Message-ID is
# fixed, so the mbox is the same on every run.
gen30() {
	local repo=$WORK/gen30 mbox=$WORK/bench-30.mbox i n
	if [ -d "$KSRC" ]; then
		printf 'diff --git a/lib/Makefile b/lib/Makefile\n' >"$WORK/touch"
		base_tree "$repo" "$WORK/touch"
	else
		mkdir -p "$repo/lib"
		(cd "$repo" && git init -q -b master && echo '# lib' >lib/Makefile &&
			git add -A && commit_at 0 -m base)
	fi
	(
		cd "$repo"
		for i in $(seq 1 30); do
			n=$(printf %02d "$i")
			printf '%s\n' \
				'// SPDX-License-Identifier: GPL-2.0' \
				'/*' \
				" * Bench helper $n: a value the benchmark series adds." \
				' */' \
				'#include <linux/export.h>' \
				'' \
				"int bench_value_$n(void)" \
				'{' \
				"	return $i;" \
				'}' \
				"EXPORT_SYMBOL_GPL(bench_value_$n);" >"lib/bench_$n.c"
			git add "lib/bench_$n.c"
			commit_at "$i" -s -m "lib: add bench_value_$n()" \
				-m "Add bench_value_$n(), which returns $i, so that the benchmark has
a thirty-patch series of the usual shape."
		done
		# Addressed as get_maintainer.pl of 6.12 asks for lib/, so that
		# neither check finds more than a real series would.
		git format-patch -q --cover-letter --thread=shallow --zero-commit --base=HEAD~30 \
			--to='Andrew Morton <akpm@linux-foundation.org>' --cc=linux-kernel@vger.kernel.org \
			-o "$WORK/fp" HEAD~30..HEAD
	)
	# The cover letter is dated when it is written: a fixed date instead.
	sed -i -e '0,/^Date: /s/^Date: .*/Date: Thu, 1 Jan 2026 11:00:00 +0000/' \
		-e 's/\*\*\* SUBJECT HERE \*\*\*/lib: thirty bench helpers/' \
		-e 's/\*\*\* BLURB HERE \*\*\*/Thirty small helpers, one per patch, for the benchmark./' \
		"$WORK/fp/0000-cover-letter.patch"
	cat "$WORK"/fp/*.patch >"$mbox"
	# Fixed Message-IDs in place of git's time-based ones: the cover
	# letter's is bench30.0, patch N's bench30.N.
	local ids
	mapfile -t ids < <(grep -iE '^Message-ID: <[^>]+>' "$mbox" | sed -E 's/^[^<]+<([^>]+)>.*/\1/')
	for i in "${!ids[@]}"; do
		sed -i "s|${ids[$i]}|bench30.$i@patchctl.bench|g" "$mbox"
	done
	cat >>"$mbox" <<'EOF'

From mboxrd@z Thu Jan  1 00:00:00 1970
From: Rita Reviewer <rita.reviewer@patchctl.bench>
Date: Fri, 02 Jan 2026 09:00:00 +0000
Subject: Re: [PATCH 00/30] lib: thirty bench helpers
Message-ID: <bench30.r0@patchctl.bench>
In-Reply-To: <bench30.0@patchctl.bench>
References: <bench30.0@patchctl.bench>

For the series:

Reviewed-by: Rita Reviewer <rita.reviewer@patchctl.bench>

From mboxrd@z Thu Jan  1 00:00:00 1970
From: Tom Tester <tom.tester@patchctl.bench>
Date: Fri, 02 Jan 2026 10:00:00 +0000
Subject: Re: [PATCH 05/30] lib: add bench_value_05()
Message-ID: <bench30.r5@patchctl.bench>
In-Reply-To: <bench30.5@patchctl.bench>
References: <bench30.0@patchctl.bench> <bench30.5@patchctl.bench>

Tested-by: Tom Tester <tom.tester@patchctl.bench>
EOF
}
gen30

# --- the timer ----------------------------------------------------------------
# timer.py OUT.json RUNS WARMUP DIR PREPARE -- ARGV...: PREPARE (a shell
# line, untimed) then ARGV, forked in DIR with its output discarded and
# waited for with wait4; wall time, ru_maxrss and exit status per run.
cat >"$WORK/timer.py" <<'EOF'
import json, os, subprocess, sys, time
out, runs, warmup, cwd, prepare, sep, *argv = sys.argv[1:]
assert sep == '--'
times, rss, codes = [], [], []
load = [os.getloadavg()[0]]
for n in range(int(warmup) + int(runs)):
    subprocess.run(['bash', '-c', prepare], cwd=cwd, check=True)
    t0 = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        try:
            os.chdir(cwd)
            null = os.open(os.devnull, os.O_RDWR)
            for fd in (0, 1, 2):
                os.dup2(null, fd)
            os.execvp(argv[0], argv)
        finally:
            os._exit(127)
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - t0
    if n >= int(warmup):
        times.append(wall)
        rss.append(usage.ru_maxrss)
        codes.append(os.waitstatus_to_exitcode(status))
load.append(os.getloadavg()[0])
json.dump({'times': times, 'rss_kib': rss, 'exit_codes': codes, 'load': load}, open(out, 'w'))
EOF

# --- the inputs -------------------------------------------------------------
# name|mbox|whether check runs on it (the demo thread's patches are made
# up: there is no kernel file for them to apply to).
INPUTS=(
	"list-sort|$ROOT/tools/tests/fixtures/series/list-sort.mbox|check"
	"input-guard|$ROOT/tools/tests/fixtures/series/input-guard.mbox|check"
	"two-revisions|$ROOT/tools/tests/fixtures/am/two-revisions.mbox|-"
	"system-heap-vmap-v1|$ROOT/patches/system-heap-vmap/threads/v1.mbox|check"
	"bench-30|$WORK/bench-30.mbox|check"
)
[ -d "$KSRC" ] || say "no $KSRC: check is not measured (scripts/deps.sh kernel-source)"

mkdir -p "$WORK/runs"
ROWS=$WORK/rows.tsv
: >"$ROWS"

# measure NAME INPUT PATCHES TOOL OP DIR PREPARE -- ARGV...
measure() {
	local name=$1 input=$2 patches=$3 tool=$4 op=$5 dir=$6 prepare=$7
	shift 8
	say "$name ($RUNS runs)"
	python3 "$WORK/timer.py" "$WORK/runs/$name.json" "$RUNS" "$WARMUP" "$dir" "$prepare" -- "$@"
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$input" "$patches" "$tool" "$op" \
		"$WORK/runs/$name.json" "$WORK/runs/$name.summary" "$*" >>"$ROWS"
}

EMPTY=$WORK/empty-repo
mkdir -p "$EMPTY" && git -C "$EMPTY" init -q -b master

for entry in "${INPUTS[@]}"; do
	IFS='|' read -r name mbox check <<<"$entry"
	if [ -n "${ONLY:-}" ] && [ "$name" != "$ONLY" ]; then
		continue
	fi
	# The base tree: its own for the 30-patch series, else one made for
	# the files the mbox touches (an empty repository without the cache).
	if [ "$name" = bench-30 ]; then
		base=$WORK/gen30
		git -C "$base" checkout -q HEAD~30
	elif [ -d "$KSRC" ] && [ "$check" = check ]; then
		base=$WORK/base-$name
		base_tree "$base" "$mbox"
	else
		base=$EMPTY
	fi

	# The series as patchctl am writes it: the newest revision, its
	# patch count, and the mails check and b4 prep get.
	rm -rf "$WORK/series-$name"
	"$PATCHCTL" am --patches "$WORK/series-$name" --kdir "$base" --slug s "$mbox" >/dev/null
	series=$WORK/series-$name/s
	rev=$(basename "$(find "$series" -maxdepth 1 -name 'v[0-9]*' -type d | sort -V | tail -1)")
	mapfile -t mails < <(find "$series/$rev" -name '*.patch' ! -name '*0000-cover-letter.patch' | sort)
	patches=${#mails[@]}

	# am: a fresh output directory for every run.
	measure "am-patchctl-$name" "$name" "$patches" patchctl am "$WORK" "rm -rf $WORK/am-$name" -- \
		"$PATCHCTL" am --patches "$WORK/am-$name" --kdir "$base" "$mbox"
	measure "am-b4-$name" "$name" "$patches" b4 am "$base" "rm -rf $WORK/b4am-$name" -- \
		"${B4RUN[@]}" am -C -m "$mbox" -o "$WORK/b4am-$name"

	if [ "$check" != check ] || [ ! -d "$KSRC" ]; then
		continue
	fi
	# The same mails applied with git am onto a clone of the base and
	# enrolled as a b4 prep branch for b4 prep --check.
	prep=$WORK/prep-$name
	git -c advice.detachedHead=false -c init.defaultBranch=master clone -q "$base" "$prep"
	(
		cd "$prep"
		git checkout -q -b bench
		git am -q "${mails[@]}"
		"${B4RUN[@]}" prep -e "$(git -C "$base" rev-parse HEAD)" >/dev/null 2>&1
	)
	# Cold: both scripts on every mail (--no-cache), as on a first check.
	measure "check-patchctl-$name" "$name" "$patches" patchctl check "$WORK" true -- \
		"$PATCHCTL" check "$series" "$rev" --kdir "$base" --sender "$SENDER" --no-cache
	# Again on unchanged mails: the scripts' answers kept by an earlier
	# check (the warm-ups make them) in the scratch cache root.
	measure "check-kept-patchctl-$name" "$name" "$patches" patchctl "check, unchanged mails" "$WORK" true -- \
		"$PATCHCTL" check "$series" "$rev" --kdir "$base" --sender "$SENDER"
	measure "check-b4-$name" "$name" "$patches" b4 "prep --check" "$prep" true -- \
		"${B4RUN[@]}" prep -C --check
	# b4 keeps its per-patch check results too: without -C, again.
	measure "check-kept-b4-$name" "$name" "$patches" b4 "prep --check, unchanged patches" "$prep" true -- \
		"${B4RUN[@]}" prep --check
	# The floor under both: checkpatch.pl --strict alone on every mail
	# patchctl checks, two at a time (this machine's cores).
	find "$series/$rev" -name '*.patch' | sort >"$WORK/mails-$name"
	measure "checkpatch-$name" "$name" "$patches" checkpatch.pl "--strict, every mail, 2 at a time" "$base" true -- \
		xargs -a "$WORK/mails-$name" -P 2 -n 1 perl scripts/checkpatch.pl --strict --no-signoff
	# What each found, for the record: patchctl's count of problems,
	# b4's closing summary line.
	("$PATCHCTL" check "$series" "$rev" --kdir "$base" --sender "$SENDER" || true) 2>&1 |
		grep -c ': ' >"$WORK/runs/check-patchctl-$name.summary" || true
	sed -i 's/$/ problem line(s)/' "$WORK/runs/check-patchctl-$name.summary"
	(cd "$prep" && "$B4" --offline-mode -n --no-stdin -c b4.attestation-policy=off prep -C --check 2>&1 || true) |
		grep -E '^(Success|---)' | grep -v '^---' | tail -1 >"$WORK/runs/check-b4-$name.summary" || true
done

# --- the record -------------------------------------------------------------
mkdir -p "$(dirname "$OUT")"
python3 - "$ROWS" "$OUT" "$B4_VERSION" "$RUNS" "$WARMUP" "$COMMIT" "$WORK" "$LOAD_AT_START" \
	"$ROOT" "$PATCHCTL" "$B4" <<'EOF'
import hashlib, json, os, platform, statistics, sys, time
rows, out, b4v, runs, warmup, commit, work, load_start, root, patchctl, b4 = sys.argv[1:]

def portable(cmd):
    """The command as any clone reads it: no path of this machine."""
    cmd = cmd.replace(patchctl, 'patchctl').replace(b4, 'b4')
    return cmd.replace(work, '$WORK').replace(root + '/', '')
# The same on every run of the same git: the 30-patch mbox is generated.
bench30_sha = hashlib.sha256(open(os.path.join(work, 'bench-30.mbox'), 'rb').read()).hexdigest()

def field(path, key):
    for line in open(path):
        if line.startswith(key):
            return line.split(':', 1)[1].strip()

machine = {
    'cpu': field('/proc/cpuinfo', 'model name') or 'unknown',
    'cpus': os.cpu_count(),
    'nproc': len(os.sched_getaffinity(0)),
    'memory_mib': int(field('/proc/meminfo', 'MemTotal').split()[0]) // 1024,
    'kernel': f'{platform.system()} {platform.release()}',
    'arch': platform.machine(),
    'load_average_at_start': [float(x) for x in load_start.split()],
    'load_average_at_end': [round(x, 2) for x in os.getloadavg()],
}
figures = []
for line in open(rows):
    inp, patches, tool, op, path, summary, cmd = line.rstrip('\n').split('\t')
    r = json.load(open(path))
    t = r['times']
    fig = {
        'input': inp, 'patches': int(patches), 'tool': tool, 'operation': op,
        'runs': len(t),
        'median_s': round(statistics.median(t), 4),
        'min_s': round(min(t), 4), 'max_s': round(max(t), 4),
        'peak_rss_mib': round(max(r['rss_kib']) / 1024, 1),
        'exit_codes': sorted(set(r['exit_codes'])),
        'load_1min': [round(x, 2) for x in r['load']],
        'command': portable(cmd),
    }
    if os.path.exists(summary):
        fig['found'] = open(summary).read().strip()
    figures.append(fig)

def find(inp, tool, op):
    return next((f for f in figures if (f['input'], f['tool'], f['operation']) == (inp, tool, op)), None)

targets = []
for what, inp, op, limit in [
    ('patchctl am of the 30-patch series from a local mbox', 'bench-30', 'am', 1.0),
    ('patchctl check of the 30-patch series, no builds', 'bench-30', 'check', 2.0),
    ('patchctl check of system-heap-vmap v1, no builds', 'system-heap-vmap-v1', 'check', 2.0),
    ('patchctl check of the 30-patch series again, mails unchanged', 'bench-30', 'check, unchanged mails', 2.0),
]:
    f = find(inp, 'patchctl', op)
    if f:
        targets.append({'what': what, 'limit_s': limit, 'median_s': f['median_s'],
                        'max_s': f['max_s'], 'holds': f['median_s'] < limit})

record = {
    'about': 'patchctl am / check beside b4 am / b4 prep --check as whole processes, on the same inputs in the same run (scripts/bench-b4.sh)',
    'method': f'whole processes, {runs} runs each after {warmup} warm-ups, wall time and peak RSS (wait4), patchctl release build at {commit}, b4 {b4v} offline, without its cache (-C) but on the rows of unchanged patches, in one run of scripts/bench-b4.sh on {time.strftime("%Y-%m-%d", time.gmtime())}',
    'machine': machine,
    'b4': b4v,
    'commit': commit,
    'runs': int(runs),
    'bench30_mbox_sha256': bench30_sha,
    'targets': targets,
    'figures': figures,
    'not_compared': [
        'two-revisions, check: its patches are made up (lib/demo.c) and apply to no kernel tree, so neither check is run on it.',
        'patchctl check is timed twice: cold (--no-cache: both scripts on every mail, as on a first check) and again on unchanged mails (their answers kept by an earlier check on the same tree). b4 prep --check keeps its per-patch results as well, and is timed both ways too: -C (no cache) and again on unchanged patches.',
        'patchctl check and b4 prep --check do not do the same work: patchctl runs git apply --check, checkpatch.pl --strict and get_maintainer.pl (To/Cc against MAINTAINERS) on every mail, b4 runs checkpatch.pl (its default options, not --strict) on every patch.',
        'patchctl am tries the patches on the base tree with git apply --check when the mails name no base-commit; b4 am only looks the base-commit up in the repository it runs in.',
    ],
    'notes': [
        'exit_codes: patchctl check exits 1 when it finds a problem and is timed all the same; found: what each check reported. patchctl am writes the mails without their To and Cc (as b4 am does), so on these imports the recipients rule reports every mail short of what get_maintainer.pl names; the scripts run the same either way. xargs exits 123 when a checkpatch.pl run warns.',
        'The machine was shared with other builds: the load averages (1, 5, 15 min) at the start and the end, and the load_1min of each figure (before its first run, after its last), say how busy it was; the timed commands ran at nice 0.',
    ],
}
with open(out, 'w') as f:
    json.dump(record, f, indent=2, ensure_ascii=False)
    f.write('\n')
print(f"{'input':<21}{'tool':<10}{'operation':<14}{'median':>9}{'min-max':>17}{'peak RSS':>12}")
for r in figures:
    rng = f"{r['min_s']:.3f}-{r['max_s']:.3f}"
    print(f"{r['input']:<21}{r['tool']:<10}{r['operation']:<14}{r['median_s']:>8.3f}s{rng:>16}s{r['peak_rss_mib']:>8.1f} MiB")
for t in targets:
    print(f"target: {t['what']} under {t['limit_s']} s: median {t['median_s']:.3f} s (max {t['max_s']:.3f} s): {'holds' if t['holds'] else 'DOES NOT HOLD'}")
print(f"wrote {out}")
EOF
