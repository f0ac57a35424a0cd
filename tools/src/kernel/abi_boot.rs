//! The second boot of a Rust build: the kernel that ran the KUnit suites
//! boots again with KUnit off and an initramfs whose `/init` is
//! `kunit/dma_heap_abi.c`, built static for the arch. The program drives
//! the C and the Rust heap through `/dev/dma_heap` and prints KTAP, which
//! is parsed like the suites' own and joins their results as the suite
//! `dma_heap_abi`.
//!
//! kunit.py cannot do this: it boots with `kunit_shutdown`, which stops
//! the machine before init runs.

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use super::initramfs::{self, Entry};
use super::ktap;
use super::Arch;

/// The program's source in the workspace.
pub const PROGRAM: &str = "kunit/dma_heap_abi.c";

/// The suite name the program reports under.
pub const SUITE: &str = "dma_heap_abi";

/// How long a boot may take before it is stopped: under QEMU's emulation
/// the program allocates and writes a few hundred megabytes.
const BOOT_TIMEOUT: Duration = Duration::from_secs(600);

/// What the second boot gave.
pub struct AbiBoot {
    /// The program's KTAP, parsed.
    pub run: ktap::Run,
    /// Everything the machine printed.
    pub output: String,
}

/// The C compiler that builds a static program for `arch`.
fn compiler(arch: Arch) -> &'static str {
    match arch {
        Arch::Um => "gcc",
        Arch::Arm64 => "aarch64-linux-gnu-gcc",
    }
}

/// Builds the program and the initramfs under `dir`; the archive's path.
pub fn build_initramfs(workspace: &Path, arch: Arch, dir: &Path) -> Result<PathBuf> {
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let source = workspace.join(PROGRAM);
    let binary = dir.join("init");
    let cc = compiler(arch);
    let out = Command::new(cc)
        .args(["-static", "-O2", "-Wall", "-Wextra", "-Werror", "-o"])
        .arg(&binary)
        .arg(&source)
        .output()
        .with_context(|| format!("cannot run {cc}: run `scripts/deps.sh rust` to install it"))?;
    if !out.status.success() {
        bail!(
            "{cc} could not build {} static for {} (the static C library comes from \
             `scripts/deps.sh rust`):\n{}",
            source.display(),
            arch.name(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let program = fs::read(&binary).with_context(|| format!("cannot read {}", binary.display()))?;
    let archive = dir.join("initramfs.cpio");
    initramfs::write(
        &archive,
        &[
            Entry::Dir("dev"),
            // The kernel opens it for init's stdout before devtmpfs is up.
            Entry::CharDev("dev/console", 5, 1),
            Entry::Dir("proc"),
            Entry::File("init", 0o755, &program),
        ],
    )?;
    Ok(archive)
}

/// The second boot's kernel arguments. KUnit off (the suites ran in the
/// first boot), init from the archive; for a stress run, KUnit on for the
/// stress suite alone, which runs before init, and `dma_heap_abi=stress`,
/// which the kernel passes on to init's environment: the program then
/// runs its stress cases and scans kmemleak after both.
fn boot_args(stress: bool) -> String {
    if stress {
        format!(
            "kunit.filter_glob=system_heap_stress rdinit=/init panic=-1 dma_heap_abi=stress {}",
            super::kunitpy::STRESS_SLAB_DEBUG
        )
    } else {
        "kunit.enable=0 rdinit=/init panic=-1".to_string()
    }
}

/// The command that boots the kernel in `build_dir` with `initrd`.
fn boot_command(arch: Arch, build_dir: &Path, initrd: &Path, stress: bool) -> Command {
    let args = boot_args(stress);
    match arch {
        Arch::Um => {
            let mut cmd = Command::new(build_dir.join("linux"));
            cmd.arg("mem=1G")
                .arg("console=tty")
                .arg(format!("initrd={}", initrd.display()))
                .args(args.split(' '));
            cmd
        }
        Arch::Arm64 => {
            let mut cmd = Command::new("qemu-system-aarch64");
            cmd.args(["-nodefaults", "-m", "1024", "-kernel"])
                .arg(build_dir.join("arch/arm64/boot/Image.gz"))
                .arg("-initrd")
                .arg(initrd)
                .arg("-append")
                .arg(if stress {
                    format!(
                        "console=ttyAMA0 {args} {}",
                        super::kunitpy::STRESS_RCU_STALL
                    )
                } else {
                    format!("console=ttyAMA0 {args}")
                })
                .args(["-no-reboot", "-nographic", "-serial", "stdio"])
                .args(["-machine", "virt", "-cpu", "max,pauth-impdef=on"]);
            if stress {
                cmd.args(super::kunitpy::STRESS_SMP);
            }
            cmd
        }
    }
}

/// Boots the kernel built in `build_dir` with the program as init, saves
/// what it printed to `log`, and parses the program's KTAP.
pub fn run(
    workspace: &Path,
    arch: Arch,
    build_dir: &Path,
    log: &Path,
    stress: bool,
    progress: &mut dyn Write,
) -> Result<AbiBoot> {
    let initrd = build_initramfs(workspace, arch, &build_dir.join("dma-heap-abi"))?;
    let mut cmd = boot_command(arch, build_dir, &initrd, stress);
    let _ = writeln!(
        progress,
        "patchctl: second boot on {}: {} as /init, through /dev/dma_heap",
        arch.name(),
        PROGRAM
    );
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .with_context(|| format!("cannot boot {:?}", cmd.get_program()))?;
    let Watched {
        output,
        timed_out,
        status,
    } = watch(&mut child, progress)?;
    if let Some(dir) = log.parent() {
        fs::create_dir_all(dir).ok();
    }
    fs::write(log, &output).with_context(|| format!("cannot write {}", log.display()))?;
    if timed_out {
        bail!(
            "the second boot on {} ran past {} s and was stopped: see {}",
            arch.name(),
            BOOT_TIMEOUT.as_secs(),
            log.display()
        );
    }
    let run = ktap::parse(&output).with_context(|| {
        format!(
            "the second boot on {} exited with {status} and {} printed no KTAP: see {}",
            arch.name(),
            PROGRAM,
            log.display()
        )
    })?;
    if !run.suites.iter().any(|s| s.name == SUITE) {
        bail!(
            "the second boot on {} printed KTAP without the suite {SUITE}: see {}",
            arch.name(),
            log.display()
        );
    }
    Ok(AbiBoot { run, output })
}

/// What the machine printed, once it stopped.
struct Watched {
    /// Everything it printed.
    output: String,
    /// Whether it was stopped for running past [`BOOT_TIMEOUT`].
    timed_out: bool,
    /// How it exited.
    status: ExitStatus,
}

/// Reads the booted machine's output until it exits, or stops it past
/// [`BOOT_TIMEOUT`]; its result lines go on to `progress`.
fn watch(child: &mut Child, progress: &mut dyn Write) -> Result<Watched> {
    let stdout = child.stdout.take().context("the boot's stdout")?;
    let (lines, rx) = mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let started = Instant::now();
    let mut output = String::new();
    let mut timed_out = false;
    loop {
        match rx.recv_timeout(Duration::from_millis(200)) {
            Ok(line) => {
                let body = line.trim_start();
                if body.starts_with("ok ") || body.starts_with("not ok ") {
                    let _ = writeln!(progress, "  {line}");
                }
                output.push_str(&line);
                output.push('\n');
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
            Err(mpsc::RecvTimeoutError::Timeout) => {}
        }
        if started.elapsed() > BOOT_TIMEOUT {
            timed_out = true;
            let _ = child.kill();
            break;
        }
    }
    let status = child.wait().context("waiting for the second boot")?;
    let _ = reader.join();
    Ok(Watched {
        output,
        timed_out,
        status,
    })
}
