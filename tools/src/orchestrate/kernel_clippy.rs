//! The Rust heap through the kernel's own clippy (`patchctl
//! kernel-clippy`): a revision of a series resolved, the 6.12 tree
//! switched to it with the workspace suite (and so the heap) placed, and
//! the heap's object built with `make CLIPPY=1` for each arch.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{bail, Result};
use serde::Serialize;

use crate::kernel::checkout::KERNEL_SUITES;
use crate::kernel::kunitpy::{self, Arch, ClippyResult, Flavor, RustTools};
use crate::kernel::run::{AbiBoot, KunitPy, KunitPySetup};
use crate::kernel::tree;
use crate::series::manifest::Base;
use crate::series::revision;

/// What to check.
#[derive(Debug, Clone)]
pub struct KernelClippyRequest {
    /// The series directory whose suite places the heap.
    pub series: PathBuf,
    /// Its revision the tree is switched to (the heap is the same in
    /// every one; the tree around it is the revision's).
    pub revision: String,
    /// The arches, in order.
    pub arches: Vec<Arch>,
    /// Parallel make jobs.
    pub jobs: usize,
    /// The pristine 6.12 source; `None`: the cached one.
    pub source: Option<PathBuf>,
    /// The workspace (its `kunit/` and `rust-heap/`).
    pub workspace: PathBuf,
}

/// The heap checked on one arch.
#[derive(Debug, Clone, Serialize)]
pub struct HeapClippy {
    /// The arch.
    pub arch: Arch,
    /// The kernel version.
    pub kernel: String,
    /// What the build said.
    pub result: ClippyResult,
}

/// Checks the heap on every arch of `req`, in order.
pub fn check_heap(req: &KernelClippyRequest, progress: &mut dyn Write) -> Result<Vec<HeapClippy>> {
    let checkout = revision::resolve(&req.series, &req.revision)?;
    if checkout.base == Base::Mainline {
        bail!(
            "{} is based on mainline, where the Rust heap is not built (its bindings follow 6.12): name a 6.12 revision",
            checkout.name
        );
    }
    if checkout.suite == KERNEL_SUITES {
        bail!(
            "{} runs the kernel's own suites, which place no Rust heap: name a series whose [kunit] suite is the workspace's",
            checkout.series
        );
    }
    for &arch in &req.arches {
        kunitpy::check_tools(arch)?;
    }
    let cache = tree::cache_dir()?;
    let tools = RustTools::discover(&cache)?;
    let driver = kunitpy::clippy_driver(&tools.rustc)?;
    let source = match &req.source {
        Some(s) => s.clone(),
        None => tree::cached_source()?,
    };
    let version = tree::kernel_version(&source)?;
    let mut runner = KunitPy::open(
        KunitPySetup {
            source: &source,
            cache: &cache,
            version: &version,
            workspace: &req.workspace,
            jobs: req.jobs,
            flavor: Flavor::Rust(tools),
            page_size: crate::kernel::PageSize::K4,
            abi_boot: AbiBoot::None,
            skip_timings: true,
        },
        progress,
    )?;
    crate::kernel::run::KernelRunner::switch_to(&mut runner, &checkout, progress)?;
    let mut out = Vec::new();
    for &arch in &req.arches {
        let result = runner.clippy(&checkout, arch, &driver, progress)?;
        out.push(HeapClippy {
            arch,
            kernel: version.clone(),
            result,
        });
    }
    Ok(out)
}
