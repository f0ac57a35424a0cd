//! Drives the tree's own `tools/testing/kunit/kunit.py`: one build and
//! boot per revision, arch and flavour, its output streamed as progress,
//! kept as a log and parsed as KTAP.

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

use super::ccache::CompilerCache;
use super::ktap;
use super::suite::Suite;

/// The architectures the runner knows how to boot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Arch {
    /// User-mode Linux.
    #[value(alias = "uml")]
    Um,
    /// arm64 under QEMU (TCG emulation on this kind of machine).
    #[value(alias = "aarch64")]
    Arm64,
}

impl Arch {
    /// The name kunit.py and the figures use.
    pub fn name(self) -> &'static str {
        match self {
            Arch::Um => "um",
            Arch::Arm64 => "arm64",
        }
    }

    /// How its figures were taken, for tables and cover letters.
    pub fn how_run(self) -> &'static str {
        match self {
            Arch::Um => "UML",
            Arch::Arm64 => "QEMU TCG",
        }
    }

    /// kunit.py's arguments for this arch.
    ///
    /// QEMU gets 4 GB so that the 2 GB buffer fits: kunit.py starts it with
    /// `-m 1024`, and the `-m` that comes last wins. UML cannot be helped
    /// the same way: kunit.py appends `mem=1G` after any kernel argument,
    /// so on UML the suite skips the sizes that do not fit and says so.
    fn kunit_args(self) -> Vec<String> {
        match self {
            Arch::Um => vec!["--arch=um".into()],
            Arch::Arm64 => vec![
                "--arch=arm64".into(),
                "--cross_compile=aarch64-linux-gnu-".into(),
                "--qemu_args=-m 4096".into(),
            ],
        }
    }
}

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

/// What one kunit.py run gave.
#[derive(Debug, Serialize)]
pub struct RunResult {
    /// The parsed KTAP.
    pub run: ktap::Run,
    /// kunit.py's exit status.
    pub exit_code: Option<i32>,
    /// Where the raw log is.
    pub log: PathBuf,
    /// Where kunit.py's time went, as it reports it.
    pub elapsed: Option<Elapsed>,
}

/// kunit.py's own account of a run's time (its "Elapsed time:" line).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Elapsed {
    /// Writing and checking the .config.
    pub configuring_s: f64,
    /// make.
    pub building_s: f64,
    /// Booting and running the suites.
    pub running_s: f64,
}

impl Elapsed {
    /// Reads the last "Elapsed time: Ts total, Cs configuring, Bs
    /// building, Rs running" line of kunit.py's output.
    pub fn parse(output: &str) -> Option<Elapsed> {
        let line = output.lines().rev().find(|l| l.contains("Elapsed time:"))?;
        let figure = |what: &str| -> Option<f64> {
            line.split(',')
                .find(|part| part.trim_end().ends_with(what))?
                .trim()
                .split('s')
                .next()?
                .parse()
                .ok()
        };
        Some(Elapsed {
            configuring_s: figure("configuring")?,
            building_s: figure("building")?,
            running_s: figure("running")?,
        })
    }
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

/// The `config` of a results record: what the kernel was built with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Config {
    /// The C suite.
    #[serde(rename = "C")]
    C,
    /// CONFIG_RUST: the Rust core beside C.
    #[serde(rename = "C+Rust")]
    CRust,
    /// CONFIG_KASAN.
    #[serde(rename = "C+KASAN")]
    CKasan,
    /// CONFIG_RUST and CONFIG_KASAN, built with LLVM.
    #[serde(rename = "C+Rust+KASAN")]
    CRustKasan,
}

impl Config {
    /// The suffix of results files: ``, `-rust`, `-kasan`, `-rust-kasan`.
    pub fn suffix(self) -> &'static str {
        match self {
            Config::C => "",
            Config::CRust => "-rust",
            Config::CKasan => "-kasan",
            Config::CRustKasan => "-rust-kasan",
        }
    }

    /// As records write it: `C`, `C+Rust`, `C+KASAN`, `C+Rust+KASAN`.
    pub fn name(self) -> &'static str {
        match self {
            Config::C => "C",
            Config::CRust => "C+Rust",
            Config::CKasan => "C+KASAN",
            Config::CRustKasan => "C+Rust+KASAN",
        }
    }
}

/// The Rust heap beside the C one; an initramfs and devtmpfs for the
/// second boot that drives both through /dev/dma_heap.
const RUST_KCONFIG: &str = "CONFIG_RUST=y\nCONFIG_DMABUF_HEAPS_SYSTEM_RUST=y\n\
                            CONFIG_BLK_DEV_INITRD=y\nCONFIG_DEVTMPFS=y\n";

/// kunit.py's filter that leaves the timing cases out: they are marked
/// KUNIT_SPEED_SLOW, everything else is faster.
const SKIP_TIMINGS: &str = "--filter=speed>slow";

/// Generic KASAN, vmalloc included.
const KASAN_KCONFIG: &str = "CONFIG_KASAN=y\nCONFIG_KASAN_GENERIC=y\nCONFIG_KASAN_VMALLOC=y\n";

/// What kind of kernel a run builds, besides the suite itself.
#[derive(Debug, Clone)]
pub enum Flavor {
    /// The C suite only.
    C,
    /// CONFIG_RUST with this toolchain: rust-heap's core beside C.
    Rust(RustTools),
    /// CONFIG_KASAN (generic, with vmalloc): the C suite checked byte by
    /// byte. UML only here, and C only: KASAN and Rust do not mix with GCC
    /// in 6.12.
    Kasan,
    /// CONFIG_RUST and CONFIG_KASAN together, which 6.12 allows only with
    /// clang (`RUST depends on !KASAN || CC_IS_CLANG`): an `LLVM=1` build,
    /// UML only, so that the Rust heap runs checked byte by byte too.
    RustKasan(RustTools),
}

impl Flavor {
    /// Its name in build directories: `c`, `rust`, `kasan`, `rust-kasan`.
    pub fn name(&self) -> &'static str {
        match self {
            Flavor::C => "c",
            Flavor::Rust(_) => "rust",
            Flavor::Kasan => "kasan",
            Flavor::RustKasan(_) => "rust-kasan",
        }
    }

    /// Whether the build has the Rust heap (and so boots a second time
    /// through /dev/dma_heap).
    pub fn has_rust(&self) -> bool {
        matches!(self, Flavor::Rust(_) | Flavor::RustKasan(_))
    }

    /// Whether the C side is built by clang (`LLVM=1`).
    pub fn is_llvm(&self) -> bool {
        matches!(self, Flavor::RustKasan(_))
    }

    /// Whether the build has KASAN (and so is judged by its reports).
    pub fn has_kasan(&self) -> bool {
        matches!(self, Flavor::Kasan | Flavor::RustKasan(_))
    }

    /// The `config` of results files.
    pub fn config(&self) -> Config {
        match self {
            Flavor::C => Config::C,
            Flavor::Rust(_) => Config::CRust,
            Flavor::Kasan => Config::CKasan,
            Flavor::RustKasan(_) => Config::CRustKasan,
        }
    }

    /// Options added to the suite's kunitconfig.
    fn kconfig(&self) -> String {
        let mut lines = String::new();
        if self.has_rust() {
            lines.push_str(RUST_KCONFIG);
        }
        if self.has_kasan() {
            lines.push_str(KASAN_KCONFIG);
        }
        lines
    }

    /// kunit.py arguments for this flavour on `arch`.
    fn kunit_args(&self, arch: Arch) -> Vec<String> {
        let rust = |tools: &RustTools| {
            vec![
                format!("--make_options=RUSTC={}", tools.rustc.display()),
                format!("--make_options=BINDGEN={}", tools.bindgen.display()),
            ]
        };
        let kasan = || {
            vec![
                // Every report, not only the first: the expected one comes
                // last, and no earlier one may hide behind it.
                "--kernel_args=kasan_multi_shot".to_string(),
                // Timings under KASAN measure KASAN; the checks are what count.
                SKIP_TIMINGS.to_string(),
            ]
        };
        match self {
            Flavor::C => Vec::new(),
            Flavor::Rust(tools) => {
                let mut args = rust(tools);
                if arch == Arch::Um {
                    // 6.12 leaves bindgen's target empty for UML built with
                    // GCC, and bindgen then guesses wrong: name it.
                    args.push("--make_options=BINDGEN_TARGET=x86_64-linux-gnu".into());
                }
                args
            }
            Flavor::Kasan => kasan(),
            Flavor::RustKasan(tools) => {
                let mut args = rust(tools);
                // clang, lld and LLVM's binutils for C: Rust and KASAN need
                // the C side built by clang in 6.12.
                args.push("--make_options=LLVM=1".into());
                args.extend(kasan());
                args
            }
        }
    }
}

/// One kunit.py run: where, for which arch and flavour, built where.
#[derive(Clone, Copy)]
pub struct Invocation<'a> {
    /// The kernel tree, with the suite placed.
    pub tree: &'a Path,
    /// The suite (for its kunitconfig).
    pub suite: &'a Suite,
    /// Lines the series adds to the suite's kunitconfig.
    pub extra_config: &'a [String],
    /// The arch to build and boot.
    pub arch: Arch,
    /// The build directory (kept between runs: kbuild is incremental).
    pub build_dir: &'a Path,
    /// Where kunit.py's whole output is saved.
    pub log: &'a Path,
    /// Parallel make jobs.
    pub jobs: usize,
    /// What the kernel is built with besides the suite.
    pub flavor: &'a Flavor,
    /// The compiler cache, when there is one.
    pub ccache: Option<&'a CompilerCache>,
    /// Leave the timing cases (KUnit's slow ones) out.
    pub skip_timings: bool,
}

/// Runs kunit.py in `tree` for `arch`, building in `build_dir`, streaming
/// its output to `progress` and saving it to `log`; `flavor` adds Rust or
/// KASAN to the build.
pub fn run_kunit(inv: &Invocation, progress: &mut dyn Write) -> Result<RunResult> {
    let Invocation {
        tree,
        suite,
        extra_config,
        arch,
        build_dir,
        log,
        jobs,
        flavor,
        ccache,
        skip_timings,
    } = *inv;
    fs::create_dir_all(build_dir)
        .with_context(|| format!("cannot create {}", build_dir.display()))?;
    // The suite's kunitconfig, plus what the flavour needs.
    let kunitconfig = build_dir.join("patchctl.kunitconfig");
    let mut config = fs::read_to_string(&suite.kunitconfig)
        .with_context(|| format!("cannot read {}", suite.kunitconfig.display()))?;
    for line in extra_config {
        config.push_str(line);
        config.push('\n');
    }
    config.push_str(&flavor.kconfig());
    fs::write(&kunitconfig, config)
        .with_context(|| format!("cannot write {}", kunitconfig.display()))?;
    let mut cmd = Command::new("python3");
    cmd.arg("tools/testing/kunit/kunit.py")
        .arg("run")
        .arg(format!("--kunitconfig={}", kunitconfig.display()))
        .args(flavor.kunit_args(arch));
    // KASAN builds filter the timings out already.
    if skip_timings && !flavor.has_kasan() {
        cmd.arg(SKIP_TIMINGS);
    }
    cmd.arg(format!("--build_dir={}", build_dir.display()))
        .arg(format!("--jobs={jobs}"))
        .arg("--raw_output=all")
        // kunit.py gives a run 300 s by default; the 2 GB timings under
        // QEMU's emulation need more.
        .arg("--timeout=1800")
        .args(arch.kunit_args());
    if let Some(cc) = ccache {
        cmd.arg(format!(
            "--make_options={}",
            cc.make_option(flavor.is_llvm())
        ));
        cc.configure(&mut cmd);
    }
    cmd.current_dir(tree)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .with_context(|| format!("cannot start kunit.py in {}", tree.display()))?;

    // kunit.py's stderr carries make's errors: fold it into the same log,
    // and into the progress as it comes (through a channel: the writer
    // belongs to this thread).
    let stderr = child.stderr.take().expect("piped");
    let (err_lines, err_rx) = std::sync::mpsc::channel::<String>();
    let err_thread = std::thread::spawn(move || {
        let mut text = String::new();
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            text.push_str(&line);
            text.push('\n');
            let _ = err_lines.send(line);
        }
        text
    });
    let mut output = String::new();
    let stdout = child.stdout.take().expect("piped");
    for line in BufReader::new(stdout).lines() {
        let line = line.context("reading kunit.py's output")?;
        // Progress: kunit.py's own lines and the KTAP results, not the boot log.
        let body = line.trim_start();
        if line.starts_with('[') && line.contains("] ")
            || body.starts_with("ok ")
            || body.starts_with("not ok ")
            || body.starts_with("# sgvmap_timing")
            // How vmap_sg() mapped each layout (PMD blocks, contiguous ptes).
            || body.contains("vmap_sg_layout:")
            || body.contains("BUG: KASAN: ")
            || body.starts_with("$ make")
        {
            let _ = writeln!(progress, "  {}", line);
        }
        for err in err_rx.try_iter() {
            let _ = writeln!(progress, "  kunit.py! {err}");
        }
        output.push_str(&line);
        output.push('\n');
    }
    let status = child.wait().context("waiting for kunit.py")?;
    let errors = err_thread.join().unwrap_or_default();
    for err in err_rx.try_iter() {
        let _ = writeln!(progress, "  kunit.py! {err}");
    }
    if let Some(dir) = log.parent() {
        fs::create_dir_all(dir).ok();
    }
    fs::write(log, format!("{output}{errors}"))
        .with_context(|| format!("cannot write {}", log.display()))?;

    let run = ktap::parse(&output).with_context(|| {
        format!(
            "kunit.py exited with {status} and printed no KTAP; the build or boot failed: see {}",
            log.display()
        )
    })?;
    Ok(RunResult {
        run,
        exit_code: status.code(),
        log: log.to_path_buf(),
        elapsed: Elapsed::parse(&output),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_kunit_py_s_own_account_of_its_time() {
        let output = "[07:01:02] Building KUnit Kernel ...\n\
                      [07:05:40] Elapsed time: 301.250s total, 2.004s configuring, 280.500s building, 18.746s running\n";
        assert_eq!(
            Elapsed::parse(output),
            Some(Elapsed {
                configuring_s: 2.004,
                building_s: 280.5,
                running_s: 18.746
            })
        );
        assert_eq!(
            Elapsed::parse("[07:01:02] no summary: the build failed\n"),
            None
        );
    }
}
