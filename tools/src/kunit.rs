//! Runs the workspace's KUnit suite on a real kernel tree through the
//! tree's own `tools/testing/kunit/kunit.py`, one revision and arch at a
//! time, and turns the KTAP it prints into results.

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};
use serde::Serialize;

use crate::ktap::{self, Figure};

/// Where the suite's files are in the workspace.
pub struct Suite {
    /// `kunit/system_heap_test.c`.
    pub test_c: PathBuf,
    /// `kunit/Kconfig.fragment`, appended to the heaps' Kconfig.
    pub kconfig: PathBuf,
    /// `kunit/system_heap.c.tail`, appended to `system_heap.c`.
    pub tail: PathBuf,
    /// `kunit/kunitconfig`.
    pub kunitconfig: PathBuf,
    /// `kunit/system_heap_rust.rs` and `.h`: the Rust core's kernel wrapper.
    pub rust_wrapper: Vec<PathBuf>,
    /// rust-heap's core sources, placed in `rust_heap/` as they are.
    pub rust_core: Vec<PathBuf>,
    /// `kunit/Makefile.fragment`, appended to the heaps' Makefile.
    pub makefile: PathBuf,
}

impl Suite {
    /// The suite under `workspace/kunit`.
    pub fn in_workspace(workspace: &Path) -> Suite {
        let dir = workspace.join("kunit");
        Suite {
            test_c: dir.join("system_heap_test.c"),
            kconfig: dir.join("Kconfig.fragment"),
            tail: dir.join("system_heap.c.tail"),
            kunitconfig: dir.join("kunitconfig"),
            rust_wrapper: vec![
                dir.join("system_heap_rust.rs"),
                dir.join("system_heap_rust.h"),
            ],
            rust_core: ["layout.rs", "sg.rs", "convert.rs", "ffi.rs"]
                .iter()
                .map(|f| workspace.join("rust-heap/src").join(f))
                .collect(),
            makefile: dir.join("Makefile.fragment"),
        }
    }
}

/// The architectures the runner knows how to boot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Arch {
    /// User-mode Linux.
    Um,
    /// arm64 under QEMU.
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

    /// Parses `um` or `arm64`.
    pub fn parse(s: &str) -> Result<Arch> {
        match s {
            "um" | "uml" => Ok(Arch::Um),
            "arm64" | "aarch64" => Ok(Arch::Arm64),
            other => bail!("unknown arch {other:?}: expected \"um\" or \"arm64\""),
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

/// Copies the suite into `tree` the same way for every revision: the test
/// file beside `system_heap.c`, an `#include` at its end behind its own
/// Kconfig symbol, and that symbol in the heaps' Kconfig.
pub fn place_suite(tree: &Path, suite: &Suite) -> Result<()> {
    let heaps = tree.join("drivers/dma-buf/heaps");
    let heap_c = heaps.join("system_heap.c");
    let kconfig = heaps.join("Kconfig");
    let read =
        |p: &Path| fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()));
    // Start from the files as the revision committed them, so that placing
    // again after the suite changed replaces what was placed before.
    let repo = git2::Repository::open(tree).ok();
    let committed = |rel: &str| -> Result<String> {
        let blob = repo.as_ref().and_then(|r| {
            let obj = r.revparse_single(&format!("HEAD:{rel}")).ok()?;
            let blob = obj.peel_to_blob().ok()?;
            Some(String::from_utf8_lossy(blob.content()).into_owned())
        });
        match blob {
            Some(text) => Ok(text),
            None => read(&tree.join(rel)),
        }
    };
    let heap_src = committed("drivers/dma-buf/heaps/system_heap.c")?;
    let kconfig_src = committed("drivers/dma-buf/heaps/Kconfig")?;
    let tail = read(&suite.tail)?;
    let fragment = read(&suite.kconfig)?;
    fs::copy(&suite.test_c, heaps.join("system_heap_test.c")).with_context(|| {
        format!(
            "cannot copy {} into {}",
            suite.test_c.display(),
            heaps.display()
        )
    })?;
    let heap_placed = if heap_src.contains("system_heap_test.c") {
        heap_src
    } else {
        heap_src + &tail
    };
    fs::write(&heap_c, heap_placed)
        .with_context(|| format!("cannot write {}", heap_c.display()))?;
    let kconfig_placed = if !kconfig_src.contains("DMABUF_HEAPS_SYSTEM_KUNIT_TEST") {
        kconfig_src + &fragment
    } else if !kconfig_src.contains("DMABUF_HEAPS_SYSTEM_KUNIT_RUST") {
        // A revision that carries the test upstream-style, without Rust.
        let rust_part = fragment
            .find("\nconfig DMABUF_HEAPS_SYSTEM_KUNIT_RUST")
            .map_or("", |i| &fragment[i..]);
        kconfig_src + rust_part
    } else {
        kconfig_src
    };
    fs::write(&kconfig, kconfig_placed)
        .with_context(|| format!("cannot write {}", kconfig.display()))?;
    // The Rust core, the same files as rust-heap's, and its wrapper.
    let core_dir = heaps.join("rust_heap");
    fs::create_dir_all(&core_dir)
        .with_context(|| format!("cannot create {}", core_dir.display()))?;
    for f in &suite.rust_core {
        let name = f.file_name().expect("a file");
        fs::copy(f, core_dir.join(name)).with_context(|| format!("cannot copy {}", f.display()))?;
    }
    for f in &suite.rust_wrapper {
        let name = f.file_name().expect("a file");
        fs::copy(f, heaps.join(name)).with_context(|| format!("cannot copy {}", f.display()))?;
    }
    let makefile = heaps.join("Makefile");
    let make_src = committed("drivers/dma-buf/heaps/Makefile")?;
    fs::write(&makefile, make_src + &read(&suite.makefile)?)
        .with_context(|| format!("cannot write {}", makefile.display()))?;
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
}

/// The Rust toolchain for a CONFIG_RUST build.
#[derive(Debug, Clone)]
pub struct RustTools {
    /// `rustc` (Debian's rustc-web: /usr/bin/rustc).
    pub rustc: PathBuf,
    /// `bindgen` (bindgen-cli, installed by scripts/deps.sh).
    pub bindgen: PathBuf,
}

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
}

impl Flavor {
    /// Its name in build directories: `c`, `rust`, `kasan`.
    pub fn name(&self) -> &'static str {
        match self {
            Flavor::C => "c",
            Flavor::Rust(_) => "rust",
            Flavor::Kasan => "kasan",
        }
    }

    /// The suffix of build directories and results files (`-rust`, ...).
    pub fn suffix(&self) -> &'static str {
        match self {
            Flavor::C => "",
            Flavor::Rust(_) => "-rust",
            Flavor::Kasan => "-kasan",
        }
    }

    /// The `config` of results files.
    pub fn config(&self) -> &'static str {
        match self {
            Flavor::C => "C",
            Flavor::Rust(_) => "C+Rust",
            Flavor::Kasan => "C+KASAN",
        }
    }

    /// Options added to the suite's kunitconfig.
    fn kconfig(&self) -> &'static str {
        match self {
            Flavor::C => "",
            Flavor::Rust(_) => "CONFIG_RUST=y\n",
            Flavor::Kasan => "CONFIG_KASAN=y\nCONFIG_KASAN_GENERIC=y\nCONFIG_KASAN_VMALLOC=y\n",
        }
    }

    /// kunit.py arguments for this flavour on `arch`.
    fn kunit_args(&self, arch: Arch) -> Vec<String> {
        match self {
            Flavor::C => Vec::new(),
            Flavor::Rust(tools) => {
                let mut args = vec![
                    format!("--make_options=RUSTC={}", tools.rustc.display()),
                    format!("--make_options=BINDGEN={}", tools.bindgen.display()),
                ];
                if arch == Arch::Um {
                    // 6.12 leaves bindgen's target empty for UML built with
                    // GCC, and bindgen then guesses wrong: name it.
                    args.push("--make_options=BINDGEN_TARGET=x86_64-linux-gnu".into());
                }
                args
            }
            Flavor::Kasan => vec![
                // Every report, not only the first: the expected one comes
                // last, and no earlier one may hide behind it.
                "--kernel_args=kasan_multi_shot".into(),
                // Timings under KASAN measure KASAN; the checks are what count.
                "--filter=speed>slow".into(),
            ],
        }
    }
}

/// Runs kunit.py in `tree` for `arch`, building in `build_dir`, streaming
/// its output to `progress` and saving it to `log`; `flavor` adds Rust or
/// KASAN to the build.
#[allow(clippy::too_many_arguments)]
pub fn run_kunit(
    tree: &Path,
    suite: &Suite,
    arch: Arch,
    build_dir: &Path,
    log: &Path,
    jobs: usize,
    flavor: &Flavor,
    progress: &mut dyn Write,
) -> Result<RunResult> {
    fs::create_dir_all(build_dir)
        .with_context(|| format!("cannot create {}", build_dir.display()))?;
    // The suite's kunitconfig, plus what the flavour needs.
    let kunitconfig = build_dir.join("patchctl.kunitconfig");
    let mut config = fs::read_to_string(&suite.kunitconfig)
        .with_context(|| format!("cannot read {}", suite.kunitconfig.display()))?;
    config.push_str(flavor.kconfig());
    fs::write(&kunitconfig, config)
        .with_context(|| format!("cannot write {}", kunitconfig.display()))?;
    let mut cmd = Command::new("python3");
    cmd.arg("tools/testing/kunit/kunit.py")
        .arg("run")
        .arg(format!("--kunitconfig={}", kunitconfig.display()))
        .args(flavor.kunit_args(arch));
    cmd.arg(format!("--build_dir={}", build_dir.display()))
        .arg(format!("--jobs={jobs}"))
        .arg("--raw_output=all")
        // kunit.py gives a run 300 s by default; the 2 GB timings under
        // QEMU's emulation need more.
        .arg("--timeout=1800")
        .args(arch.kunit_args())
        .current_dir(tree)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .with_context(|| format!("cannot start kunit.py in {}", tree.display()))?;

    // kunit.py's stderr carries make's errors: fold it into the same log.
    let stderr = child.stderr.take().expect("piped");
    let err_thread = std::thread::spawn(move || {
        let mut text = String::new();
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            eprintln!("  kunit.py! {line}");
            text.push_str(&line);
            text.push('\n');
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
            || body.contains("BUG: KASAN: ")
            || body.starts_with("$ make")
        {
            let _ = writeln!(progress, "  {}", line);
        }
        output.push_str(&line);
        output.push('\n');
    }
    let status = child.wait().context("waiting for kunit.py")?;
    let errors = err_thread.join().unwrap_or_default();
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
    })
}

/// The figures of one (revision, arch) run.
#[derive(Debug, Clone, Serialize)]
pub struct RevisionFigures {
    /// `baseline`, `v1`, ...
    pub revision: String,
    /// Arch.
    pub arch: String,
    /// Figures.
    pub figures: Vec<Figure>,
    /// Which of the timed loops this revision's system_heap_do_vmap() runs
    /// (`before` for the baseline; from series.toml for the others).
    pub own_loop: Option<String>,
}

fn fig(figures: &[Figure], size: u64, imp: &str) -> Option<u64> {
    figures
        .iter()
        .find(|f| f.size == size && f.implementation == imp)
        .map(|f| f.ns)
}

/// The comparison tables: per arch and size, each loop's time and its
/// ratios to the pre-patch walk and to the floor; then `vmap()` alone, the
/// whole `system_heap_do_vmap()` of each revision, and the share of each
/// revision's whole that its own loop takes.
pub fn render_table(runs: &[RevisionFigures]) -> String {
    let mut out = String::new();
    let mut keys: Vec<(String, u64)> = runs
        .iter()
        .flat_map(|r| r.figures.iter().map(|f| (f.arch.clone(), f.size)))
        .collect();
    keys.sort();
    keys.dedup();
    let mut revisions: Vec<&str> = Vec::new();
    for r in runs {
        if !revisions.contains(&r.revision.as_str()) {
            revisions.push(&r.revision);
        }
    }
    let cell = |v: Option<u64>| v.map_or("-".to_string(), time);
    let ratio = |a: Option<u64>, b: Option<u64>| match (a, b) {
        (Some(a), Some(b)) if b > 0 => format!("{:.2}x", a as f64 / b as f64),
        _ => "-".into(),
    };
    // Every build carries the same three loops; the first revision's
    // run (the baseline when it is tested) speaks for them.
    let loops_of = |arch: &str| {
        revisions
            .iter()
            .find_map(|rev| runs.iter().find(|r| r.arch == arch && r.revision == *rev))
            .map_or(&[][..], |r| r.figures.as_slice())
    };
    let whole_of = |arch: &str, rev: &str, size: u64| {
        runs.iter()
            .find(|r| r.arch == arch && r.revision == rev)
            .and_then(|r| fig(&r.figures, size, "whole"))
    };

    out.push_str("loops (page array from the sg table), minimum of runs:\n");
    out.push_str(&format!(
        "{:<6} {:>5} {:>10} {:>10} {:>10} {:>10} {:>9} {:>9} {:>9} {:>9}\n",
        "arch",
        "size",
        "before",
        "v1",
        "bounded",
        "floor",
        "v1 gain",
        "bnd gain",
        "v1/floor",
        "bnd/floor"
    ));
    for (arch, size) in &keys {
        let f = loops_of(arch);
        let get = |imp: &str| fig(f, *size, imp);
        out.push_str(&format!(
            "{:<6} {:>5} {:>10} {:>10} {:>10} {:>10} {:>9} {:>9} {:>9} {:>9}\n",
            arch,
            human_size(*size),
            cell(get("before")),
            cell(get("v1")),
            cell(get("bounded")),
            cell(get("floor")),
            ratio(get("before"), get("v1")),
            ratio(get("before"), get("bounded")),
            ratio(get("v1"), get("floor")),
            ratio(get("bounded"), get("floor")),
        ));
    }

    // The Rust conversion, where a CONFIG_RUST run timed it.
    let with_rust: Vec<&(String, u64)> = keys
        .iter()
        .filter(|(arch, size)| fig(loops_of(arch), *size, "rust").is_some())
        .collect();
    if !with_rust.is_empty() {
        out.push_str("\nRust (rust-heap's core in the kernel) beside C:\n");
        out.push_str(&format!(
            "{:<6} {:>5} {:>10} {:>10} {:>10} {:>10} {:>10}\n",
            "arch", "size", "rust", "C v1", "C bounded", "rust/v1", "rust/bnd"
        ));
        for (arch, size) in with_rust {
            let f = loops_of(arch);
            let get = |imp: &str| fig(f, *size, imp);
            out.push_str(&format!(
                "{:<6} {:>5} {:>10} {:>10} {:>10} {:>10} {:>10}\n",
                arch,
                human_size(*size),
                cell(get("rust")),
                cell(get("v1")),
                cell(get("bounded")),
                ratio(get("rust"), get("v1")),
                ratio(get("rust"), get("bounded")),
            ));
        }
    }

    out.push_str(
        "\nwhole path: vmap() alone, and system_heap_do_vmap() as each revision has it:\n",
    );
    let mut header = format!("{:<6} {:>5} {:>11}", "arch", "size", "vmap()");
    for rev in &revisions {
        header.push_str(&format!(" {:>13} {:>7}", format!("whole {rev}"), "loop%"));
    }
    out.push_str(&header);
    out.push('\n');
    for (arch, size) in &keys {
        let f = loops_of(arch);
        let mut line = format!(
            "{:<6} {:>5} {:>11}",
            arch,
            human_size(*size),
            cell(fig(f, *size, "vmap"))
        );
        for rev in &revisions {
            let whole = whole_of(arch, rev, *size);
            let own_loop = runs
                .iter()
                .find(|r| r.arch == *arch && r.revision == *rev)
                .and_then(|r| r.own_loop.as_deref());
            let share = match (own_loop.and_then(|l| fig(f, *size, l)), whole) {
                (Some(l), Some(w)) if w > 0 => format!("{:.3}", 100.0 * l as f64 / w as f64),
                _ => "-".into(),
            };
            line.push_str(&format!(" {:>13} {:>7}", cell(whole), share));
        }
        out.push_str(&line);
        out.push('\n');
    }
    out
}

fn time(ns: u64) -> String {
    if ns >= 1_000_000 {
        format!("{:.2} ms", ns as f64 / 1e6)
    } else {
        format!("{:.1} us", ns as f64 / 1e3)
    }
}

fn human_size(bytes: u64) -> String {
    if bytes >= 1 << 30 && bytes.is_multiple_of(1 << 30) {
        format!("{}G", bytes >> 30)
    } else if bytes >= 1 << 20 && bytes.is_multiple_of(1 << 20) {
        format!("{}M", bytes >> 20)
    } else {
        format!("{}K", bytes >> 10)
    }
}
