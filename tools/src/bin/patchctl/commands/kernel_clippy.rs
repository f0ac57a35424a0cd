//! `patchctl kernel-clippy`: the Rust heap through the kernel's own clippy.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use patchctl::kernel::Arch;
use patchctl::orchestrate::kernel_clippy::{self, HeapClippy, KernelClippyRequest};

/// Check the in-kernel Rust heap with the kernel's own `make CLIPPY=1`.
///
/// The 6.12 tree is switched to REVISION of SERIES with the series' suite
/// placed (the system-rust heap comes with it: kunit/system_rust_heap.rs
/// and rust-heap's core), kunit.py writes the CONFIG_RUST config that
/// `patchctl kunit --rust` boots, and make builds the heap's object
/// (drivers/dma-buf/heaps/system_heap_rust.o) alone with CLIPPY=1: kbuild
/// runs clippy-driver, with the kernel's own lint set and .clippy.toml,
/// on the rust/ crates the object needs and on the heap. Nothing else of
/// the kernel is compiled. Any warning in the heap, clippy's or rustc's,
/// fails the command, named by its lint; warnings in the kernel's own
/// crates are counted, not held against the heap.
///
/// The build directory is the CONFIG_RUST one's name with -clippy added,
/// in ~/.cache/patchctl/build: the first run configures it and builds
/// the rust/ crates (about a minute on 2 CPUs), later ones rebuild only
/// what changed. clippy-driver is the one beside the kernel's rustc
/// (Debian's rust-web-clippy, from `scripts/deps.sh rust`), or
/// KERNEL_CLIPPY_DRIVER; it must be built for that very rustc.
#[derive(clap::Args)]
pub struct Args {
    /// The series whose suite places the heap.
    #[arg(long, default_value = "patches/system-heap-vmap")]
    series: PathBuf,
    /// The revision the tree is switched to (a 6.12 one).
    #[arg(long, default_value = "baseline")]
    revision: String,
    /// Architectures. Repeat or separate with commas.
    #[arg(long = "arch", value_enum, value_delimiter = ',', default_value = "um")]
    arches: Vec<Arch>,
    /// Pristine kernel source (never written to). Default: the cached
    /// Debian linux-source-6.12.
    #[arg(long, env = "KDIR")]
    kdir: Option<PathBuf>,
    /// Parallel make jobs.
    #[arg(long, default_value_t = std::thread::available_parallelism().map_or(2, |n| n.get()))]
    jobs: usize,
    /// Print the results as JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let req = KernelClippyRequest {
        series: args.series,
        revision: args.revision,
        arches: args.arches,
        jobs: args.jobs,
        source: args.kdir,
        workspace: std::env::current_dir()?,
    };
    let checked = kernel_clippy::check_heap(&req, &mut std::io::stderr())?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&checked)?);
    } else {
        checked.iter().for_each(print);
    }
    Ok(match checked.iter().all(|c| c.result.clean()) {
        true => ExitCode::SUCCESS,
        false => ExitCode::FAILURE,
    })
}

/// The findings as the compiler shows them (stderr), then one line each
/// and the verdict (stdout).
fn print(c: &HeapClippy) {
    let r = &c.result;
    for f in &r.findings {
        eprint!("{}", f.rendered);
    }
    for f in &r.findings {
        println!(
            "{}:{}:{}: {}: {}",
            f.file, f.line, f.column, f.lint, f.message
        );
    }
    for e in &r.errors {
        println!("{e}");
    }
    let verdict = match (r.built, r.findings.len()) {
        (true, 0) => "clean".to_string(),
        (_, 0) => format!("the build FAILED, see {}", r.log.display()),
        (_, n) => format!("{n} finding(s), FAILED"),
    };
    println!(
        "kernel clippy on the Rust heap, Linux {} {}: {verdict} ({} warning(s) in the kernel's own crates, in {}; {:.0} s)",
        c.kernel,
        c.arch.name(),
        r.other_warnings,
        r.log.display(),
        r.seconds
    );
}
