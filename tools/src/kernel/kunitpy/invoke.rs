//! One kunit.py run: its kunitconfig and command line, its output
//! streamed as progress and kept as a log, and its KTAP parsed.

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use anyhow::{Context, Result};
use serde::Serialize;

use super::{Arch, Flavor, PageSize, ONLY_TIMINGS, SKIP_TIMINGS};
use crate::kernel::ccache::CompilerCache;
use crate::kernel::ktap;
use crate::kernel::suite::Suite;

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

/// One kunit.py run: where, for which arch and flavour, built where.
#[derive(Clone, Copy)]
pub struct Invocation<'a> {
    /// The kernel tree, with the suite placed.
    pub tree: &'a Path,
    /// The workspace suite placed in the tree (for its kunitconfig);
    /// none when the run is the kernel's own suites, named by
    /// `extra_config` alone.
    pub suite: Option<&'a Suite>,
    /// Lines the series adds to the suite's kunitconfig (the whole of it
    /// when there is no suite).
    pub extra_config: &'a [String],
    /// The arch to build and boot.
    pub arch: Arch,
    /// The base page size (4K unless asked: arm64 only).
    pub page_size: PageSize,
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
    /// Leave the workspace suite's timing cases (KUnit's slow ones) out;
    /// the kernel's own suites always run whole.
    pub skip_timings: bool,
}

/// Runs kunit.py in `tree` for `arch`, building in `build_dir`, streaming
/// its output to `progress` and saving it to `log`; `flavor` adds Rust or
/// KASAN to the build.
pub fn run_kunit(inv: &Invocation, progress: &mut dyn Write) -> Result<RunResult> {
    let kunitconfig = write_kunitconfig(inv)?;
    let Streamed { output, status, .. } = run_logged(inv, command(inv, &kunitconfig), progress)?;
    let log = inv.log;

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

/// Boots the kernel `inv` last built once more with `kunit.py exec`
/// (nothing is built), under QEMU's instruction counting, the timing
/// cases only (KUnit's slow ones): their figures are then instruction
/// counts. `None` for an arch QEMU does not run.
pub fn count_kunit(inv: &Invocation, progress: &mut dyn Write) -> Result<Option<RunResult>> {
    let Some(counting) = inv.arch.counting_args() else {
        return Ok(None);
    };
    let mut cmd = kunit_py(inv, "exec", None);
    cmd.arg(ONLY_TIMINGS)
        .arg("--raw_output=all")
        .arg("--timeout=1800")
        .args(counting)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let Streamed { output, status, .. } = run_logged(inv, cmd, progress)?;
    let run = ktap::parse(&output).with_context(|| {
        format!(
            "kunit.py exec exited with {status} and printed no KTAP under instruction counting: see {}",
            inv.log.display()
        )
    })?;
    Ok(Some(RunResult {
        run,
        exit_code: status.code(),
        log: inv.log.to_path_buf(),
        elapsed: Elapsed::parse(&output),
    }))
}

/// Runs kunit.py as `cmd` for `inv`, streaming its output to `progress`,
/// and saves stdout and stderr together to `inv.log`.
fn run_logged(inv: &Invocation, mut cmd: Command, progress: &mut dyn Write) -> Result<Streamed> {
    let mut child = cmd
        .spawn()
        .with_context(|| format!("cannot start kunit.py in {}", inv.tree.display()))?;
    let streamed = stream(&mut child, progress)?;
    let log = inv.log;
    if let Some(dir) = log.parent() {
        fs::create_dir_all(dir).ok();
    }
    fs::write(log, format!("{}{}", streamed.output, streamed.errors))
        .with_context(|| format!("cannot write {}", log.display()))?;
    Ok(streamed)
}

/// What one `kunit.py build` gave: whether the kernel built, and the
/// compiler's errors when it did not.
#[derive(Debug, Clone, Serialize)]
pub struct BuildResult {
    /// Whether kunit.py configured and built the kernel.
    pub built: bool,
    /// kunit.py's exit status.
    pub exit_code: Option<i32>,
    /// The compiler's and linker's error lines (`file:line:col: error: ...`,
    /// `undefined reference to ...`), at most [`MAX_ERRORS`].
    pub errors: Vec<String>,
    /// Where the whole output is.
    pub log: PathBuf,
    /// Seconds the build took, wall clock.
    pub seconds: f64,
}

/// How many error lines a failed build reports: the first ones say what
/// broke; the rest follow from them and are in the log.
pub const MAX_ERRORS: usize = 5;

/// Configures and builds the kernel `inv` describes with `kunit.py
/// build`, nothing booted: whether the tree compiles for `inv.arch`.
pub fn build_kunit(inv: &Invocation, progress: &mut dyn Write) -> Result<BuildResult> {
    let kunitconfig = write_kunitconfig(inv)?;
    let started = std::time::Instant::now();
    let Streamed {
        output,
        errors,
        status,
    } = run_logged(inv, build_command(inv, &kunitconfig), progress)?;
    let log = inv.log;
    let text = format!("{output}{errors}");
    Ok(BuildResult {
        built: status.success(),
        exit_code: status.code(),
        errors: compiler_errors(&text)
            .into_iter()
            .map(|e| relative_to_tree(&e, inv.tree))
            .collect(),
        log: log.to_path_buf(),
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// The lines of a build's output that say why it failed, in order, each
/// once.
pub fn compiler_errors(output: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for line in output.lines().map(str::trim) {
        let is_error = line.contains(": error: ")
            || line.contains(": fatal error: ")
            || line.contains("undefined reference to ")
            || line.starts_with("ERROR: modpost: ");
        if is_error && !found.iter().any(|f| f == line) {
            found.push(line.to_string());
        }
        if found.len() == MAX_ERRORS {
            break;
        }
    }
    found
}

/// An error line with the tree's own path left out, as the kernel's
/// developers read paths: `lib/list_sort.c:22:21: error: ...`.
fn relative_to_tree(line: &str, tree: &Path) -> String {
    let prefix = format!("{}/", tree.display());
    line.replace(&prefix, "")
}

/// `kunit.py build`'s command line: the run's, less what only a boot
/// takes (timeouts, filters, the raw output).
fn build_command(inv: &Invocation, kunitconfig: &Path) -> Command {
    let mut cmd = kunit_py(inv, "build", Some(kunitconfig));
    cmd.arg(format!("--jobs={}", inv.jobs))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// `kunit.py <verb>` for `inv`, run from the tree's top: its build
/// directory and the arch's arguments; for a verb that configures or
/// builds (`kunitconfig` given), the kunitconfig, the flavour's make
/// options and the compiler cache.
pub(super) fn kunit_py(inv: &Invocation, verb: &str, kunitconfig: Option<&Path>) -> Command {
    let mut cmd = Command::new("python3");
    cmd.arg("tools/testing/kunit/kunit.py")
        .arg(verb)
        .arg(format!("--build_dir={}", inv.build_dir.display()))
        .args(inv.arch.kunit_args());
    if let Some(kunitconfig) = kunitconfig {
        cmd.arg(format!("--kunitconfig={}", kunitconfig.display()))
            .args(inv.flavor.make_options(inv.arch));
        if let Some(cc) = inv.ccache {
            cmd.arg(format!(
                "--make_options={}",
                cc.make_option(inv.flavor.is_llvm())
            ));
            cc.configure(&mut cmd);
        }
    }
    cmd.current_dir(inv.tree);
    cmd
}

/// The kunitconfig lines that apply to `arch`: a line may start with an
/// arch and a colon (`arm64: CONFIG_HUGETLBFS=y`) when the option exists
/// on that arch alone, since kunit.py refuses an option its .config lacks.
pub fn for_arch(lines: &[String], arch: Arch) -> impl Iterator<Item = &str> {
    lines
        .iter()
        .filter_map(move |line| match line.split_once(':') {
            Some((only, rest)) if !only.contains('=') => {
                (only.trim() == arch.name()).then_some(rest.trim())
            }
            _ => Some(line.as_str()),
        })
}

/// Writes the run's kunitconfig into the build directory; its path.
pub(super) fn write_kunitconfig(inv: &Invocation) -> Result<PathBuf> {
    let build_dir = inv.build_dir;
    fs::create_dir_all(build_dir)
        .with_context(|| format!("cannot create {}", build_dir.display()))?;
    // The suite's kunitconfig, plus what the flavour needs.
    let kunitconfig = build_dir.join("patchctl.kunitconfig");
    let suite_lines: Vec<String> = match inv.suite {
        Some(suite) => fs::read_to_string(&suite.kunitconfig)
            .with_context(|| format!("cannot read {}", suite.kunitconfig.display()))?
            .lines()
            .map(String::from)
            .collect(),
        None => Vec::new(),
    };
    let mut config = String::new();
    for line in for_arch(&suite_lines, inv.arch).chain(for_arch(inv.extra_config, inv.arch)) {
        config.push_str(line);
        config.push('\n');
    }
    config.push_str(&inv.flavor.kconfig(inv.arch));
    if let Some(line) = inv.page_size.kconfig(inv.arch)? {
        config.push_str(line);
        config.push('\n');
    }
    fs::write(&kunitconfig, config)
        .with_context(|| format!("cannot write {}", kunitconfig.display()))?;
    Ok(kunitconfig)
}

/// kunit.py's command line for the run, its output piped.
fn command(inv: &Invocation, kunitconfig: &Path) -> Command {
    let mut cmd = kunit_py(inv, "run", Some(kunitconfig));
    cmd.args(inv.flavor.boot_args(inv.arch));
    // KASAN builds filter the timings out already; the kernel's own
    // suites are not ours to filter.
    if inv.skip_timings && inv.suite.is_some() && !inv.flavor.has_kasan() && !inv.flavor.is_stress()
    {
        cmd.arg(SKIP_TIMINGS);
    }
    cmd.arg(format!("--jobs={}", inv.jobs))
        .arg("--raw_output=all")
        // kunit.py gives a run 300 s by default; the 2 GB timings under
        // QEMU's emulation need more.
        .arg("--timeout=1800")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// What kunit.py printed, once it has exited.
struct Streamed {
    /// Its stdout: the build's steps and the kernel's console.
    output: String,
    /// Its stderr.
    errors: String,
    /// How it exited.
    status: std::process::ExitStatus,
}

/// Reads kunit.py's output to its end, passing the lines worth following
/// on to `progress`, and waits for it to exit.
fn stream(child: &mut Child, progress: &mut dyn Write) -> Result<Streamed> {
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
        if shown_as_progress(&line) {
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
    Ok(Streamed {
        output,
        errors,
        status,
    })
}

/// Progress: kunit.py's own lines and the KTAP results, not the boot log.
fn shown_as_progress(line: &str) -> bool {
    let body = line.trim_start();
    line.starts_with('[') && line.contains("] ")
        || body.starts_with("ok ")
        || body.starts_with("not ok ")
        || body.starts_with("# sgvmap_timing")
        // How vmap_sg() mapped each layout (PMD blocks, contiguous ptes).
        || body.contains("vmap_sg_layout:")
        || body.contains("BUG: KASAN: ")
        || body.starts_with("$ make")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_scoped_to_an_arch_reaches_that_arch_alone() {
        let lines: Vec<String> = [
            "CONFIG_VMAP_KUNIT_TEST=y",
            "arm64: CONFIG_HUGETLBFS=y",
            "CONFIG_CMDLINE=\"a:b\"",
        ]
        .map(String::from)
        .into();
        let arm64: Vec<&str> = for_arch(&lines, Arch::Arm64).collect();
        assert_eq!(
            arm64,
            [
                "CONFIG_VMAP_KUNIT_TEST=y",
                "CONFIG_HUGETLBFS=y",
                "CONFIG_CMDLINE=\"a:b\""
            ]
        );
        let um: Vec<&str> = for_arch(&lines, Arch::Um).collect();
        assert_eq!(um, ["CONFIG_VMAP_KUNIT_TEST=y", "CONFIG_CMDLINE=\"a:b\""]);
    }

    #[test]
    fn a_failed_build_says_what_broke_once() {
        let output = "  CC      lib/list_sort.o\n\
                      lib/list_sort.c:12:9: error: implicit declaration of function 'cmp3'\n\
                      lib/list_sort.c:12:9: error: implicit declaration of function 'cmp3'\n\
                      make[3]: *** [scripts/Makefile.build:229: lib/list_sort.o] Error 1\n\
                      ld: lib/sort.o: in function `f': undefined reference to `g'\n";
        assert_eq!(
            compiler_errors(output),
            vec![
                "lib/list_sort.c:12:9: error: implicit declaration of function 'cmp3'".to_string(),
                "ld: lib/sort.o: in function `f': undefined reference to `g'".to_string(),
            ]
        );
        assert!(compiler_errors("  CC      lib/list_sort.o\n").is_empty());
    }

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

    /// An invocation of the kernel's own suites (no workspace suite) in
    /// `dir`, with `extra` as its whole config.
    fn kernel_suites<'a>(dir: &'a Path, extra: &'a [String]) -> Invocation<'a> {
        Invocation {
            tree: dir,
            suite: None,
            extra_config: extra,
            arch: Arch::Um,
            page_size: PageSize::K4,
            build_dir: dir,
            log: dir,
            jobs: 1,
            flavor: &Flavor::C,
            ccache: None,
            skip_timings: true,
        }
    }

    #[test]
    fn a_page_size_reaches_the_kunitconfig_of_arm64_and_is_refused_on_uml() {
        let dir = std::env::temp_dir().join(format!("patchctl-pagesize-{}", std::process::id()));
        let extra = vec!["CONFIG_KUNIT=y".to_string()];
        let mut inv = kernel_suites(&dir, &extra);
        inv.arch = Arch::Arm64;
        inv.page_size = PageSize::K64;
        let written = fs::read_to_string(write_kunitconfig(&inv).unwrap()).unwrap();
        assert_eq!(written, "CONFIG_KUNIT=y\nCONFIG_ARM64_64K_PAGES=y\n");
        inv.page_size = PageSize::K4;
        let written = fs::read_to_string(write_kunitconfig(&inv).unwrap()).unwrap();
        assert_eq!(written, "CONFIG_KUNIT=y\n");
        inv.arch = Arch::Um;
        inv.page_size = PageSize::K16;
        let refused = write_kunitconfig(&inv).unwrap_err().to_string();
        fs::remove_dir_all(&dir).ok();
        assert!(refused.contains("UML has 4K pages"), "{refused}");
    }

    #[test]
    fn the_kernel_s_own_suites_run_on_their_config_alone_and_unfiltered() {
        let dir = std::env::temp_dir().join(format!("patchctl-kunitconfig-{}", std::process::id()));
        let extra = vec![
            "CONFIG_KUNIT=y".to_string(),
            "CONFIG_TEST_LIST_SORT=y".to_string(),
        ];
        let inv = kernel_suites(&dir, &extra);
        let path = write_kunitconfig(&inv).unwrap();
        let written = fs::read_to_string(path).unwrap();
        fs::remove_dir_all(&dir).ok();
        assert_eq!(written, "CONFIG_KUNIT=y\nCONFIG_TEST_LIST_SORT=y\n");
        let kunitconfig = dir.join("k");
        let args: Vec<String> = command(&inv, &kunitconfig)
            .get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        assert!(
            !args.iter().any(|a| a == SKIP_TIMINGS),
            "the kernel's slow cases are part of its suites: {args:?}"
        );
    }
}
