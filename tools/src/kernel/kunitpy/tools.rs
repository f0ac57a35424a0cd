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

/// The clippy-driver for the kernel's `rustc`: `$KERNEL_CLIPPY_DRIVER`,
/// else the `clippy-driver` beside `rustc` (Debian's rust-web-clippy puts
/// it beside rustc-web's). It must be built for that very rustc: it reads
/// the `core` that rustc compiles, and a clippy of another version stops
/// with "incompatible version of rustc" deep in the build instead.
pub fn clippy_driver(rustc: &Path) -> Result<PathBuf> {
    let explicit = std::env::var_os("KERNEL_CLIPPY_DRIVER").map(PathBuf::from);
    matching_clippy_driver(rustc, explicit)
}

/// [`clippy_driver`], `explicit` standing for `$KERNEL_CLIPPY_DRIVER`.
fn matching_clippy_driver(rustc: &Path, explicit: Option<PathBuf>) -> Result<PathBuf> {
    let driver = explicit.unwrap_or_else(|| rustc.with_file_name("clippy-driver"));
    if !driver.is_file() {
        bail!(
            "the kernel's clippy needs clippy-driver at {} for {}: run `scripts/deps.sh rust` \
             (Debian's rust-web-clippy), or set KERNEL_CLIPPY_DRIVER",
            driver.display(),
            rustc.display()
        );
    }
    let rustc_version = version_line(rustc, &["--version"])?;
    let driver_rustc = version_line(&driver, &["--rustc", "--version"])?;
    same_rustc(&driver, &driver_rustc, rustc, &rustc_version)?;
    Ok(driver)
}

/// An error unless `driver`, whose `--rustc --version` is `driver_rustc`,
/// is clippy for `rustc`, whose `--version` is `rustc_version`.
fn same_rustc(driver: &Path, driver_rustc: &str, rustc: &Path, rustc_version: &str) -> Result<()> {
    if driver_rustc != rustc_version {
        bail!(
            "{} is clippy for {driver_rustc:?}, but the kernel is built by {} ({rustc_version:?}): \
             install the clippy of that rustc (Debian's rust-web-clippy for rustc-web), or set KERNEL_CLIPPY_DRIVER",
            driver.display(),
            rustc.display()
        );
    }
    Ok(())
}

/// The first line `program args` prints.
fn version_line(program: &Path, args: &[&str]) -> Result<String> {
    let out = Command::new(program)
        .args(args)
        .output()
        .with_context(|| format!("cannot run {}", program.display()))?;
    if !out.status.success() {
        bail!(
            "{} {} failed: {}",
            program.display(),
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let text = String::from_utf8_lossy(&out.stdout);
    Ok(text.lines().next().unwrap_or_default().trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clippy_driver_must_be_there_and_built_for_the_kernel_s_rustc() {
        let dir = std::env::temp_dir().join(format!("patchctl-clippy-{}", std::process::id()));
        let missing = format!(
            "{:#}",
            matching_clippy_driver(&dir.join("rustc"), None).unwrap_err()
        );
        assert!(missing.contains("scripts/deps.sh rust"), "{missing}");

        let (driver, rustc) = (Path::new("/c/clippy-driver"), Path::new("/c/rustc"));
        let v196 = "rustc 1.96.0 (ac68faa20 2026-05-25)";
        assert!(same_rustc(driver, v196, rustc, v196).is_ok());
        let v195 = "rustc 1.95.0 (59807616e 2026-04-14)";
        let err = format!("{:#}", same_rustc(driver, v195, rustc, v196).unwrap_err());
        assert!(err.contains("is clippy for \"rustc 1.95.0"), "{err}");
        assert!(err.contains("rust-web-clippy"), "{err}");
    }
}
