//! The kernel's own clippy on the Rust heap: kunit.py writes the config,
//! then `make CLIPPY=1` builds the heap's object alone, so kbuild runs
//! clippy-driver on the rust/ crates that object needs and on the heap,
//! and nothing else of the kernel is compiled.
//!
//! The heap's object is built with `-Dwarnings`: a heap with a finding
//! leaves no object behind, so a second run looks at it again instead of
//! finding it up to date, and a run that finds the object up to date
//! knows it was clean. Its diagnostics come as JSON, so each finding is
//! named by its lint and place without reading rustc's prose.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};

use anyhow::{Context, Result};
use serde::Serialize;

use super::invoke::{compiler_errors, write_kunitconfig, Invocation};
use super::Arch;

/// The heap's object, relative to the tree: the crate whose modules are
/// the heap (`system_rust_heap.rs`) and rust-heap's core (`rust_heap/`).
pub const HEAP_OBJECT: &str = "drivers/dma-buf/heaps/system_heap_rust.o";

/// One thing clippy-driver (clippy's lints or rustc's own) said of the heap.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The lint (`clippy::missing_safety_doc`, `improper_ctypes`), or the
    /// error code of an error that is no lint.
    pub lint: String,
    /// The file, relative to the tree.
    pub file: String,
    /// Line and column in it.
    pub line: u64,
    /// The column.
    pub column: u64,
    /// What it says.
    pub message: String,
    /// As the compiler prints it, with the code it points at.
    pub rendered: String,
}

/// What the CLIPPY=1 build of the heap gave.
#[derive(Debug, Clone, Serialize)]
pub struct ClippyResult {
    /// Whether make built the heap's object.
    pub built: bool,
    /// make's exit status.
    pub exit_code: Option<i32>,
    /// Every finding in the heap, in the compiler's order.
    pub findings: Vec<Finding>,
    /// What broke the build when no finding explains it (a config that
    /// fails, a crate under rust/ that does not build).
    pub errors: Vec<String>,
    /// Warnings printed for the crates under rust/ (the kernel's, not
    /// the heap's: shown in the log, not held against the heap).
    pub other_warnings: usize,
    /// Where config's and make's output is.
    pub log: PathBuf,
    /// Seconds it took, wall clock.
    pub seconds: f64,
}

impl ClippyResult {
    /// Whether the heap passes: built, with nothing found.
    pub fn clean(&self) -> bool {
        self.built && self.findings.is_empty()
    }
}

/// Configures `inv`'s build directory with kunit.py and builds the heap's
/// object there with `make CLIPPY=1`, clippy-driver being `clippy_driver`.
pub fn clippy_heap(
    inv: &Invocation,
    clippy_driver: &Path,
    progress: &mut dyn Write,
) -> Result<ClippyResult> {
    let started = std::time::Instant::now();
    let kunitconfig = write_kunitconfig(inv)?;
    let log =
        File::create(inv.log).with_context(|| format!("cannot create {}", inv.log.display()))?;
    let _ = writeln!(
        progress,
        "patchctl: kunit.py config, then make CLIPPY=1 {HEAP_OBJECT} in {} (output in {})",
        inv.build_dir.display(),
        inv.log.display()
    );
    let mut status = run_into(config_command(inv, &kunitconfig), &log)?;
    if status.success() {
        status = run_into(make_command(inv, clippy_driver), &log)?;
    }
    let output = fs::read_to_string(inv.log)
        .with_context(|| format!("cannot read {}", inv.log.display()))?;
    let findings = findings(&output, inv.tree);
    let errors = match findings.is_empty() && !status.success() {
        true => compiler_errors(&output),
        false => Vec::new(),
    };
    Ok(ClippyResult {
        built: status.success(),
        exit_code: status.code(),
        other_warnings: other_warnings(&output),
        findings,
        errors,
        log: inv.log.to_path_buf(),
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// Runs `cmd` with its stdout and stderr appended to `log`; how it exited.
fn run_into(mut cmd: Command, log: &File) -> Result<ExitStatus> {
    cmd.stdout(Stdio::from(log.try_clone()?))
        .stderr(Stdio::from(log.try_clone()?))
        .status()
        .with_context(|| format!("cannot start {:?}", cmd.get_program()))
}

/// `kunit.py config`: the .config kunit.py's own build would write, so
/// that the heap is checked in the kernel make kunit boots.
fn config_command(inv: &Invocation, kunitconfig: &Path) -> Command {
    super::invoke::kunit_py(inv, "config", Some(kunitconfig))
}

/// `make CLIPPY=1` of [`HEAP_OBJECT`] alone, with kunit.py's variables.
fn make_command(inv: &Invocation, clippy_driver: &Path) -> Command {
    let mut cmd = Command::new("make");
    cmd.args(make_arch(inv.arch))
        .arg(format!("O={}", inv.build_dir.display()))
        .arg(format!("--jobs={}", inv.jobs))
        .args(inv.flavor.make_variables(inv.arch))
        .arg("CLIPPY=1")
        // kbuild's default is the first clippy-driver on PATH, which may
        // be rustup's, built for another rustc than the kernel's.
        .arg(format!("CLIPPY_DRIVER={}", clippy_driver.display()))
        // The heap's object alone: kbuild's per-object flags.
        .arg(format!(
            "RUSTFLAGS_{}=-Dwarnings --error-format=json",
            object_name()
        ));
    if let Some(cc) = inv.ccache {
        cmd.arg(cc.make_option(inv.flavor.is_llvm()));
        cc.configure(&mut cmd);
    }
    cmd.arg(HEAP_OBJECT).current_dir(inv.tree);
    cmd
}

/// The heap object's file name, as kbuild's per-object variables name it.
fn object_name() -> &'static str {
    HEAP_OBJECT.rsplit('/').next().unwrap_or(HEAP_OBJECT)
}

/// The make variables kunit.py sets for `arch`.
fn make_arch(arch: Arch) -> Vec<&'static str> {
    match arch {
        Arch::Um => vec!["ARCH=um"],
        Arch::Arm64 => vec!["ARCH=arm64", "CROSS_COMPILE=aarch64-linux-gnu-"],
    }
}

/// The heap's findings: every JSON diagnostic in `output` that points
/// at code (rustc's closing "aborting due to" points at none), its file
/// relative to `tree`.
pub fn findings(output: &str, tree: &Path) -> Vec<Finding> {
    let prefix = format!("{}/", tree.display());
    output
        .lines()
        .filter(|l| l.starts_with('{'))
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|d| finding(&d, &prefix))
        .collect()
}

/// One JSON diagnostic as a finding, when it is one.
fn finding(d: &serde_json::Value, tree_prefix: &str) -> Option<Finding> {
    let level = d["level"].as_str()?;
    if level != "warning" && level != "error" {
        return None;
    }
    let span = d["spans"]
        .as_array()?
        .iter()
        .find(|s| s["is_primary"].as_bool() == Some(true))?;
    let file = span["file_name"].as_str()?;
    Some(Finding {
        lint: d["code"]["code"].as_str().unwrap_or(level).to_string(),
        file: file.strip_prefix(tree_prefix).unwrap_or(file).to_string(),
        line: span["line_start"].as_u64().unwrap_or(0),
        column: span["column_start"].as_u64().unwrap_or(0),
        message: d["message"].as_str().unwrap_or_default().to_string(),
        rendered: d["rendered"].as_str().unwrap_or_default().to_string(),
    })
}

/// How many warnings the compiler printed as text: those of the crates
/// under rust/ (the heap's come as JSON), less its "N warnings emitted"
/// summaries.
fn other_warnings(output: &str) -> usize {
    output
        .lines()
        .filter(|l| l.starts_with("warning: ") || l.starts_with("warning["))
        .filter(|l| !l.contains(" warnings emitted") && !l.contains(" warning emitted"))
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    const OUTPUT: &str = r#"  CLIPPY L rust/kernel.o
warning: this could be simplified
warning: 1 warning emitted
  CLIPPY     drivers/dma-buf/heaps/system_heap_rust.o
{"$message_type":"diagnostic","message":"unsafe function's docs are missing a `# Safety` section","code":{"code":"clippy::missing_safety_doc","explanation":null},"level":"error","spans":[{"file_name":"/t/drivers/dma-buf/heaps/system_rust_heap.rs","line_start":491,"column_start":1,"is_primary":true}],"children":[],"rendered":"error: unsafe function's docs ...\n"}
{"$message_type":"diagnostic","message":"`extern` block uses type `lock_class_key`, which is not FFI-safe","code":{"code":"improper_ctypes","explanation":null},"level":"error","spans":[{"file_name":"/t/drivers/dma-buf/heaps/system_rust_heap.rs","line_start":48,"column_start":42,"is_primary":false},{"file_name":"/t/drivers/dma-buf/heaps/system_rust_heap.rs","line_start":49,"column_start":42,"is_primary":true}],"children":[],"rendered":"error: ...\n"}
{"$message_type":"diagnostic","message":"aborting due to 2 previous errors","code":null,"level":"error","spans":[],"children":[],"rendered":"error: aborting due to 2 previous errors\n"}
make[6]: *** [scripts/Makefile.build:289: drivers/dma-buf/heaps/system_heap_rust.o] Error 1
"#;

    #[test]
    fn each_diagnostic_of_the_heap_is_a_finding_named_by_its_lint() {
        let found = findings(OUTPUT, Path::new("/t"));
        let named: Vec<(&str, &str, u64)> = found
            .iter()
            .map(|f| (f.lint.as_str(), f.file.as_str(), f.line))
            .collect();
        assert_eq!(
            named,
            [
                (
                    "clippy::missing_safety_doc",
                    "drivers/dma-buf/heaps/system_rust_heap.rs",
                    491
                ),
                (
                    "improper_ctypes",
                    "drivers/dma-buf/heaps/system_rust_heap.rs",
                    49
                ),
            ]
        );
        assert_eq!(found[1].column, 42);
    }

    #[test]
    fn the_kernel_crates_warnings_are_counted_apart() {
        assert_eq!(other_warnings(OUTPUT), 1);
    }

    #[test]
    fn make_checks_the_heap_object_alone_with_the_given_clippy_driver() {
        assert_eq!(object_name(), "system_heap_rust.o");
        let flavor = super::super::Flavor::Rust(super::super::RustTools {
            rustc: "/r/rustc".into(),
            bindgen: "/r/bindgen".into(),
        });
        let inv = Invocation {
            tree: Path::new("/t"),
            suite: None,
            extra_config: &[],
            arch: Arch::Arm64,
            page_size: super::super::PageSize::K4,
            build_dir: Path::new("/b"),
            log: Path::new("/b/log"),
            jobs: 2,
            flavor: &flavor,
            ccache: None,
            skip_timings: true,
        };
        let cmd = make_command(&inv, Path::new("/r/clippy-driver"));
        let args: Vec<String> = cmd
            .get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            args,
            [
                "ARCH=arm64",
                "CROSS_COMPILE=aarch64-linux-gnu-",
                "O=/b",
                "--jobs=2",
                "RUSTC=/r/rustc",
                "BINDGEN=/r/bindgen",
                "CLIPPY=1",
                "CLIPPY_DRIVER=/r/clippy-driver",
                "RUSTFLAGS_system_heap_rust.o=-Dwarnings --error-format=json",
                HEAP_OBJECT,
            ]
        );
    }
}
