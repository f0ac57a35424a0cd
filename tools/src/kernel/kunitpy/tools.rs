//! The programs kunit.py calls, found before it runs: the build tools
//! for an arch, and the Rust toolchain a CONFIG_RUST build needs.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

use super::Arch;

/// Checks that the programs kunit.py will call for `arch` are installed,
/// so that a missing one is named up front rather than deep in a build log.
pub fn check_tools(arch: Arch) -> Result<()> {
    let mut needed = vec!["python3", "make", "gcc", "flex", "bison", "bc", "perl"];
    if arch == Arch::Arm64 {
        needed.extend(["aarch64-linux-gnu-gcc", "qemu-system-aarch64"]);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    let missing: Vec<&str> = needed
        .into_iter()
        .filter(|tool| !std::env::split_paths(&path).any(|dir| dir.join(tool).is_file()))
        .collect();
    if !missing.is_empty() {
        bail!(
            "kunit.py for {} needs {} on PATH: run `scripts/deps.sh kunit` (or `make deps`) to install them",
            arch.name(),
            missing.join(", ")
        );
    }
    Ok(())
}

/// The Rust toolchain for a CONFIG_RUST build.
#[derive(Debug, Clone)]
pub struct RustTools {
    /// A `rustc` whose sysroot carries the library source the kernel
    /// builds `core` from (Debian's rustc-web with rust-web-src).
    pub rustc: PathBuf,
    /// `bindgen` (bindgen-cli, installed by scripts/deps.sh).
    pub bindgen: PathBuf,
}

impl RustTools {
    /// Finds the toolchain: `$KERNEL_RUSTC`, else the first `rustc` on
    /// PATH (then /usr/bin) whose sysroot has `lib/rustlib/src/rust/library`
    /// (rustup's default toolchain usually lacks it); bindgen from
    /// `$KERNEL_BINDGEN`, else the one `scripts/deps.sh rust` put in `cache`.
    pub fn discover(cache: &Path) -> Result<RustTools> {
        let mut candidates: Vec<PathBuf> = Vec::new();
        if let Some(explicit) = std::env::var_os("KERNEL_RUSTC") {
            candidates.push(explicit.into());
        } else {
            let path = std::env::var_os("PATH").unwrap_or_default();
            candidates.extend(std::env::split_paths(&path).map(|d| d.join("rustc")));
            candidates.push("/usr/bin/rustc".into());
        }
        let rustc = candidates
            .into_iter()
            .filter(|c| c.is_file())
            .find(|c| has_library_source(c))
            .context(
                "--rust needs a rustc with its library source (Debian's rustc-web and rust-web-src): \
                 run `scripts/deps.sh rust`, or set KERNEL_RUSTC",
            )?;
        let bindgen = std::env::var_os("KERNEL_BINDGEN")
            .map_or_else(|| cache.join("cargo/bin/bindgen"), PathBuf::from);
        if !bindgen.is_file() {
            bail!(
                "--rust needs bindgen at {}: run `scripts/deps.sh rust`, or set KERNEL_BINDGEN",
                bindgen.display()
            );
        }
        Ok(RustTools { rustc, bindgen })
    }
}

/// Whether `rustc`'s sysroot holds the standard library's source.
fn has_library_source(rustc: &Path) -> bool {
    Command::new(rustc)
        .args(["--print", "sysroot"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()))
        .is_some_and(|sysroot| sysroot.join("lib/rustlib/src/rust/library").is_dir())
}
