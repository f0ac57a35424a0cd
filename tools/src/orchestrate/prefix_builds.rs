//! A series' revision built patch by patch (`patchctl check --build`):
//! the revision resolved from its series, its base's source, the config
//! that compiles what it touches, and the kernel layer's prefix builds.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};

use crate::kernel::coverage;
use crate::kernel::kunitpy::{self, Arch, Flavor};
use crate::kernel::prefix_build::{build_prefixes, PrefixBuild, PrefixPlan};
use crate::kernel::run::{AbiBoot, KunitPy, KunitPySetup};
use crate::kernel::tree;
use crate::series::manifest::Base;
use crate::series::revision;

/// What to build.
#[derive(Debug, Clone)]
pub struct PrefixBuildRequest {
    /// The series directory.
    pub series: PathBuf,
    /// The revision (`v1`, `v2`, ...).
    pub revision: String,
    /// The arches, in order.
    pub arches: Vec<Arch>,
    /// Parallel make jobs.
    pub jobs: usize,
    /// The pristine source of its base; `None`: the cached one.
    pub source: Option<PathBuf>,
    /// The workspace (for kunit.py's tools).
    pub workspace: PathBuf,
}

/// Builds every prefix of the revision on every arch, with the config
/// that compiles the files it touches and the suites that cover them.
pub fn build_series_prefixes(
    req: &PrefixBuildRequest,
    progress: &mut dyn Write,
) -> Result<Vec<PrefixBuild>> {
    let checkout = revision::resolve(&req.series, &req.revision)?;
    for &arch in &req.arches {
        kunitpy::check_tools(arch)?;
    }
    let source = match (&req.source, checkout.base) {
        (Some(s), _) => s.clone(),
        (None, Base::Android) => tree::cached_source()?,
        (None, Base::Mainline) => tree::cached_mainline_source()?,
    };
    let version = tree::kernel_version(&source)?;
    let touched = touched_files(&checkout.patches)?;
    let config = coverage::build_config(&source, &touched)?;
    let _ = writeln!(
        progress,
        "patchctl: building {} patch by patch on {} for {}, with {}",
        checkout.name,
        version,
        names(&req.arches),
        config.join(" ")
    );
    let cache = tree::cache_dir()?;
    let mut runner = KunitPy::open(
        KunitPySetup {
            source: &source,
            cache: &cache,
            version: &version,
            workspace: &req.workspace,
            jobs: req.jobs,
            flavor: Flavor::C,
            page_size: crate::kernel::PageSize::K4,
            abi_boot: AbiBoot::None,
            skip_timings: true,
        },
        progress,
    )?;
    let c_files: Vec<String> = touched.into_iter().filter(|f| f.ends_with(".c")).collect();
    build_prefixes(
        &mut runner,
        &PrefixPlan {
            revision: &checkout,
            config: &config,
            touched: &c_files,
            arches: &req.arches,
        },
        progress,
    )
}

/// Every file the patches touch, each once, in order.
fn touched_files(patches: &[PathBuf]) -> Result<Vec<String>> {
    let mut touched: Vec<String> = Vec::new();
    for patch in patches {
        let text = std::fs::read_to_string(patch)
            .with_context(|| format!("cannot read {}", patch.display()))?;
        for f in crate::review::maintainers::files_in_diff(&text) {
            crate::util::push_unique(&mut touched, f);
        }
    }
    Ok(touched)
}

fn names(arches: &[Arch]) -> String {
    arches
        .iter()
        .map(|a| a.name())
        .collect::<Vec<_>>()
        .join(", ")
}
