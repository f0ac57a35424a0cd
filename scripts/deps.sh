#!/usr/bin/env bash
# Installs what the workspace needs, only what is missing, so that a second
# run costs nothing. Usage: scripts/deps.sh [userspace|kernel-source|kernel-source-mainline|kunit|rust|fuzz|all]
set -euo pipefail

cache="${XDG_CACHE_HOME:-$HOME/.cache}/patchctl"
apt_updated=""

# Debian packages by name. The groups below only collect what they need;
# install_debs then installs every missing one in a single apt-get call
# (one index update, one dependency resolution, one unpack pass).
wanted=()
need_debs() {
	wanted+=("$@")
}

install_debs() {
	local missing=()
	local pkg
	for pkg in $(printf '%s\n' "${wanted[@]}" | sort -u); do
		dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$pkg")
	done
	wanted=()
	[ ${#missing[@]} -eq 0 ] && return 0
	local sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	echo "deps: installing Debian packages: ${missing[*]}" >&2
	if [ -z "$apt_updated" ]; then
		$sudo apt-get update -qq
		apt_updated=1
	fi
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

# Each group is two steps: <group>_debs names its packages, <group>
# does what comes after the packages are in.
userspace_debs() {
	# libclang for bindgen; a C compiler for cc; perl for checkpatch.pl;
	# python3 with venv for the KCIDB check (kcidb-io from PyPI, tests only);
	# chromium to load the evidence page as a reader would, and GNU cpio
	# to read back the initramfs patchctl writes (tests only); ply and
	# GitPython for checkpatch.pl's SPDX check (scripts/spdxcheck.py),
	# which otherwise dies with a traceback on every added file.
	need_debs libclang-dev gcc libc6-dev perl make xz-utils python3 python3-venv chromium cpio \
		python3-ply python3-git
}

userspace() {
	command -v cargo >/dev/null || {
		echo "deps: cargo is not on PATH; install a Rust toolchain first" >&2
		exit 1
	}
	rustup component list --installed 2>/dev/null | grep -q '^clippy' ||
		rustup component add clippy rustfmt >&2 || true
	# checkpatch.pl runs scripts/spdxcheck.py with the first python3 on
	# PATH, which need not be Debian's (pyenv, a venv): give that one ply
	# and GitPython too, or every added file ends in a traceback.
	python3 -c 'import ply, git' 2>/dev/null ||
		python3 -m pip install --quiet --user ply GitPython >&2 ||
		python3 -m pip install --quiet ply GitPython >&2 ||
		echo "deps: no ply/GitPython for $(command -v python3): checkpatch's SPDX check will print a traceback (its other checks still run)" >&2
}

# Debian's linux-source-6.12, extracted once into the cache. The tree is
# read-only input: revisions are applied in copies made from it.
kernel_source_debs() {
	need_debs linux-source-6.12 xz-utils
}

kernel_source() {
	local tarball=/usr/src/linux-source-6.12.tar.xz
	local dest="$cache/linux-source-6.12"
	if [ -f "$dest/.extracted" ] && [ "$dest/.extracted" -nt "$tarball" ]; then
		echo "$dest"
		return 0
	fi
	echo "deps: extracting $tarball into $dest (once; about a minute)" >&2
	rm -rf "$dest.partial"
	mkdir -p "$dest.partial"
	tar -xJf "$tarball" -C "$dest.partial" --strip-components=1
	rm -rf "$dest"
	mv "$dest.partial" "$dest"
	touch "$dest/.extracted"
	echo "$dest"
}

# Mainline: Debian's unstable suite carries linux-source-7.2. Only that
# one .deb is fetched, through a private apt configuration under the
# cache (its own sources list, package lists and archive), from the same
# Debian mirror the system already uses: nothing is installed from
# unstable, and the system's apt state is not touched.
MAINLINE_PACKAGE=linux-source-7.2

# The Debian archive this system installs from, as apt itself reports
# it: the URI of the first index whose Release file says o=Debian and
# l=Debian (not Debian-Security, not a third-party archive).
debian_mirror() {
	apt-cache policy 2>/dev/null | awk '
		/^ *[0-9]+ [a-z]+:\/\// { uri = $2; next }
		/^ *release / && /o=Debian,/ && /l=Debian,/ && uri != "" { print uri; exit }'
}

kernel_source_mainline() {
	local dest="$cache/$MAINLINE_PACKAGE"
	if [ -f "$dest/.extracted" ]; then
		echo "$dest"
		return 0
	fi
	apt-get --version >/dev/null 2>&1 || {
		echo "deps: $MAINLINE_PACKAGE comes from Debian unstable through apt-get, which this system lacks;" \
			"unpack a mainline tree yourself and pass it to patchctl with --kdir" >&2
		exit 1
	}
	local mirror
	# A missing sources file fails its cat: only the answer counts.
	mirror=$(debian_mirror || true)
	if [ -z "$mirror" ]; then
		echo "deps: no Debian archive in /etc/apt/sources.list{,.d}: cannot fetch $MAINLINE_PACKAGE from unstable" >&2
		exit 1
	fi
	local apt="$cache/apt-unstable"
	mkdir -p "$apt/lists/partial" "$apt/archives/partial"
	echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror unstable main" \
		>"$apt/sources.list"
	local opts=(-q -o "Dir::Etc::SourceList=$apt/sources.list" -o Dir::Etc::SourceParts=/nonexistent
		-o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt" -o Acquire::Languages=none)
	# As root, apt hands downloads to its _apt user, which cannot enter
	# a home directory's cache: download as root, as apt would anyway.
	[ "$(id -u)" -ne 0 ] || opts+=(-o APT::Sandbox::User=root)
	echo "deps: fetching $MAINLINE_PACKAGE from Debian unstable (that .deb only; once)" >&2
	apt-get "${opts[@]}" update >&2
	rm -rf "$apt/deb"
	mkdir -p "$apt/deb"
	(cd "$apt/deb" && apt-get "${opts[@]}" download "$MAINLINE_PACKAGE" >&2) || {
		echo "deps: Debian unstable has no $MAINLINE_PACKAGE any more (mainline moved on?):" \
			"update MAINLINE_PACKAGE in scripts/deps.sh and patchctl's MAINLINE_SOURCE together" >&2
		exit 1
	}
	local deb
	deb=$(ls "$apt/deb"/"$MAINLINE_PACKAGE"_*.deb)
	echo "deps: extracting $(basename "$deb") into $dest (once; about a minute)" >&2
	rm -rf "$apt/unpacked" "$dest.partial"
	dpkg-deb -x "$deb" "$apt/unpacked"
	mkdir -p "$dest.partial"
	tar -xJf "$apt/unpacked/usr/src/$MAINLINE_PACKAGE.tar.xz" -C "$dest.partial" --strip-components=1
	rm -rf "$dest" "$apt/unpacked" "$apt/deb"
	mv "$dest.partial" "$dest"
	# Which upload it is: unstable moves, and the tests read this tree.
	basename "$deb" .deb >"$dest/.extracted"
	echo "deps: $(cat "$dest/.extracted") in $dest" >&2
	echo "$dest"
}

# What kunit.py needs to build and boot: UML with the host compiler, arm64
# with Debian's cross compiler under QEMU; ccache, so that a kernel object
# built once (for another revision, flavour or run) is not compiled again.
kunit_tools_debs() {
	need_debs flex bison bc python3 libc6-dev gcc make perl git \
		gcc-aarch64-linux-gnu qemu-system-arm ccache
}

# Rust in the kernel: Debian's rustc-web (/usr/bin/rustc) with its
# library source and its clippy (rust-web-clippy, for the kernel's own
# CLIPPY=1 build: a clippy must match the rustc that built the crates it
# reads), and bindgen-cli at a pinned version in the cache. The
# Rust builds also boot a static /dev/dma_heap program, built with the
# host's and the arm64 cross compiler's C libraries. Rust with KASAN
# needs the C side built by clang (LLVM=1: clang, lld, llvm).
rust_tools_debs() {
	need_debs rustc-web rust-web-src rust-web-clippy libclang-dev libc6-dev libc6-dev-arm64-cross \
		clang lld llvm
}

rust_tools() {
	local root="$cache/cargo"
	if [ ! -x "$root/bin/bindgen" ]; then
		echo "deps: installing bindgen-cli 0.69.5 into $root (once; a few minutes)" >&2
		cargo install --locked --quiet bindgen-cli --version 0.69.5 --root "$root" >&2
	fi
}

# Fuzzing: cargo-fuzz at a pinned version in the cache; libFuzzer, which
# libfuzzer-sys builds, is C++.
fuzz_tools_debs() {
	need_debs g++ libclang-dev
}

fuzz_tools() {
	local root="$cache/cargo"
	if [ ! -x "$root/bin/cargo-fuzz" ]; then
		echo "deps: installing cargo-fuzz 0.13.2 into $root (once; a few minutes)" >&2
		cargo install --locked --quiet cargo-fuzz --version 0.13.2 --root "$root" >&2
	fi
}

case "${1:-all}" in
userspace)
	userspace_debs
	install_debs
	userspace
	;;
kernel-source)
	kernel_source_debs
	install_debs
	kernel_source
	;;
kernel-source-mainline)
	need_debs xz-utils
	install_debs
	kernel_source_mainline
	;;
kunit)
	kunit_tools_debs
	kernel_source_debs
	install_debs
	kernel_source >/dev/null
	;;
rust)
	rust_tools_debs
	install_debs
	rust_tools
	;;
fuzz)
	userspace_debs
	fuzz_tools_debs
	install_debs
	userspace
	fuzz_tools
	;;
all)
	userspace_debs
	kunit_tools_debs
	rust_tools_debs
	fuzz_tools_debs
	kernel_source_debs
	install_debs
	userspace
	# xz unpacks both kernels on one core while cargo builds the two
	# tools on the others: the extraction costs little wall time of its own.
	{
		kernel_source >/dev/null
		kernel_source_mainline >/dev/null
	} &
	extracting=$!
	# Should a tool's build fail, the extraction must not go on writing
	# into a directory the next run removes.
	trap 'kill "$extracting" 2>/dev/null || true' EXIT
	rust_tools
	fuzz_tools
	wait "$extracting"
	trap - EXIT
	;;
*)
	echo "usage: $0 [userspace|kernel-source|kernel-source-mainline|kunit|rust|fuzz|all]" >&2
	exit 2
	;;
esac
