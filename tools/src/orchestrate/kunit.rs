//! `patchctl kunit` as a whole: which series and revisions to run (read
//! from their series.toml), on which kernel sources, then the matrix the
//! kernel layer runs, and the regression gate on what it gave.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{bail, Context, Result};

use crate::kernel::checkout::Checkout;
use crate::kernel::compare::{self, Comparison};
use crate::kernel::kunitpy::{self, Arch, Flavor};
use crate::kernel::record;
use crate::kernel::run::{run_matrix, AbiBoot, KunitPy, KunitPySetup, Matrix, MatrixOutcome};
use crate::kernel::suite::Suite;
use crate::kernel::tree;
use crate::machine::Machine;
use crate::series::manifest::{self, Base};
use crate::series::{revision, Manifest};

/// What `patchctl kunit` asks for.
pub struct KunitOptions {
    /// Arches, in order.
    pub arches: Vec<Arch>,
    /// Checkout names (`baseline`, `v1`, ...); empty: each series' own
    /// list, its series.toml's `[kunit] revisions` (`kasan` with KASAN).
    pub revisions: Vec<String>,
    /// The series directories, in order. A directory that holds series
    /// directories (patches/) stands for all of them.
    pub series: Vec<PathBuf>,
    /// Pristine kernel source; `None`: the cached one.
    pub kdir: Option<PathBuf>,
    /// Boots per revision and arch for the timings (at least 1).
    pub boots: usize,
    /// Only the revisions built on this base (none: all).
    pub base: Option<Base>,
    /// Pristine mainline source for revisions based on mainline (default:
    /// the cached Debian linux-source-7.2).
    pub mainline_kdir: Option<PathBuf>,
    /// Parallel make jobs.
    pub jobs: usize,
    /// Where records are written.
    pub results: PathBuf,
    /// Build with CONFIG_RUST.
    pub rust: bool,
    /// Build with KASAN.
    pub kasan: bool,
    /// Each series' distinct code only: its `[kunit] kasan` list instead
    /// of its `revisions` list (when no revision is named).
    pub distinct: bool,
    /// Which revisions a Rust build boots a second time.
    pub abi_boot: AbiBoot,
    /// Leave the timing cases out (correctness only).
    pub skip_timings: bool,
    /// The workspace (its `kunit/` and `rust-heap/`).
    pub workspace: PathBuf,
    /// A stored run to compare the figures with: a results directory or a
    /// git revision of the workspace (see [`record::load_run`]).
    pub compare: Option<String>,
    /// The gate's threshold (a fraction); `None`: from the stored run.
    pub threshold: Option<f64>,
}

/// What `patchctl kunit` gives back.
pub struct KunitReport {
    /// The kernel version built.
    pub kernel: String,
    /// The flavour built.
    pub flavor: Flavor,
    /// The matrix' outcome.
    pub outcome: MatrixOutcome,
    /// The regression gate's findings, when asked for.
    pub comparison: Option<Comparison>,
}

impl KunitReport {
    /// Whether the command fails: a failed run, or a regression.
    pub fn failed(&self) -> bool {
        self.outcome.failed || self.comparison.as_ref().is_some_and(Comparison::failed)
    }
}

/// Checks the request, then runs the matrix on real kernels.
pub fn kunit(opts: &KunitOptions, progress: &mut dyn Write) -> Result<KunitReport> {
    let cache = tree::cache_dir()?;
    if opts.kasan {
        if let Some(arch) = opts.arches.iter().find(|&&a| a != Arch::Um) {
            bail!(
                "--kasan runs on UML only: KASAN under QEMU's emulation of arm64 would take hours; drop --arch {}",
                arch.name()
            );
        }
    }
    let flavor = if opts.rust && opts.kasan {
        Flavor::RustKasan(kunitpy::RustTools::discover(&cache)?)
    } else if opts.rust {
        Flavor::Rust(kunitpy::RustTools::discover(&cache)?)
    } else if opts.kasan {
        Flavor::Kasan
    } else {
        Flavor::C
    };
    for &arch in &opts.arches {
        kunitpy::check_tools(arch)?;
    }
    let Plan { revisions, .. } = plan(opts)?;
    if matches!(flavor, Flavor::Rust(_) | Flavor::RustKasan(_)) {
        if let Some(r) = revisions.iter().find(|r| r.base == Base::Mainline) {
            bail!(
                "{} {} is based on mainline, where the Rust heap is not built (its bindings follow 6.12): run it without --rust",
                r.series,
                r.name
            );
        }
    }
    // Read before hours of builds: a bad --compare fails now.
    let stored = match &opts.compare {
        Some(spec) => Some(record::load_run(spec, &opts.workspace)?),
        None => None,
    };
    let mut outcome = MatrixOutcome {
        records: Vec::new(),
        failed: false,
    };
    let mut kernels = Vec::new();
    for (base, group) in by_base(&revisions) {
        let source = source_of(base, opts)?;
        let version = tree::kernel_version(&source).with_context(|| {
            format!(
                "no {} kernel source: run `scripts/deps.sh kernel-source{}` (or `make deps`), or pass {}",
                base.name(),
                if base == Base::Mainline { "-mainline" } else { "" },
                if base == Base::Mainline { "--mainline-kdir" } else { "--kdir" }
            )
        })?;
        let setup = KunitPySetup {
            source: &source,
            cache: &cache,
            version: &version,
            workspace: &opts.workspace,
            jobs: opts.jobs,
            flavor: flavor.clone(),
            abi_boot: opts.abi_boot,
            skip_timings: opts.skip_timings,
        };
        let part = run_on(setup, &group, opts, progress)?;
        outcome.records.extend(part.records);
        outcome.failed |= part.failed;
        kernels.push(version);
    }
    let version = kernels.join(" and ");
    let comparison = stored.map(|s| compare::compare(&outcome.records, &s, opts.threshold));
    Ok(KunitReport {
        kernel: version,
        flavor,
        outcome,
        comparison,
    })
}

/// Runs `revisions` (all on one base) on the kernel `setup` names.
fn run_on(
    setup: KunitPySetup,
    revisions: &[Checkout],
    opts: &KunitOptions,
    progress: &mut dyn Write,
) -> Result<MatrixOutcome> {
    let flavor = setup.flavor.clone();
    let mut runner = KunitPy::open(setup, progress)?;
    let matrix = Matrix {
        revisions,
        arches: &opts.arches,
        flavor: &flavor,
        results: Some(&opts.results),
        machine: Machine::this(),
        boots: opts.boots.max(1),
    };
    run_matrix(&mut runner, &matrix, progress)
}

/// The revisions grouped by the kernel they are built on, each group in
/// run order, the groups in the order their first revision comes.
fn by_base(revisions: &[Checkout]) -> Vec<(Base, Vec<Checkout>)> {
    let mut groups: Vec<(Base, Vec<Checkout>)> = Vec::new();
    for r in revisions {
        match groups.iter_mut().find(|(b, _)| *b == r.base) {
            Some((_, group)) => group.push(r.clone()),
            None => groups.push((r.base, vec![r.clone()])),
        }
    }
    groups
}

/// The pristine source of `base`: the one given, else the cached one.
fn source_of(base: Base, opts: &KunitOptions) -> Result<PathBuf> {
    match (base, &opts.kdir, &opts.mainline_kdir) {
        (Base::Android, Some(k), _) | (Base::Mainline, _, Some(k)) => Ok(k.clone()),
        (Base::Android, None, _) => tree::cached_source(),
        (Base::Mainline, _, None) => tree::cached_mainline_source(),
    }
}

/// The series directories `opts.series` stands for, in order: each one
/// with a series.toml, or the series under a directory of them.
pub fn series_dirs(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut dirs = Vec::new();
    for path in paths {
        if path.join(manifest::FILE).exists() {
            dirs.push(path.clone());
            continue;
        }
        let entries = std::fs::read_dir(path).with_context(|| {
            format!(
                "no series {}: expected a directory of revisions, or one of series with a series.toml each",
                path.display()
            )
        })?;
        let mut found: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.join(manifest::FILE).is_file())
            .collect();
        found.sort();
        // A directory of revisions without a manifest (the runner's own
        // test data) is a series by itself.
        dirs.extend(if found.is_empty() {
            vec![path.clone()]
        } else {
            found
        });
    }
    Ok(dirs)
}

/// What a `patchctl kunit` run will build, before it builds anything.
#[derive(Debug)]
pub struct Plan {
    /// The manifests of the series, by series name.
    pub manifests: Vec<(String, Manifest)>,
    /// The revisions, series by series, in order.
    pub revisions: Vec<Checkout>,
}

/// The manifests and the revisions to run, series by series: the named
/// revisions of the one series given, or each series' own list.
pub fn plan(opts: &KunitOptions) -> Result<Plan> {
    let dirs = series_dirs(&opts.series)?;
    if dirs.len() > 1 && !opts.revisions.is_empty() {
        bail!(
            "--revision names revisions of one series, but {} series were given ({}): \
             give one --series, or leave --revision out to run each series.toml's [kunit] revisions",
            dirs.len(),
            dirs.iter()
                .map(|d| d.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let mut manifests = Vec::new();
    let mut revisions = Vec::new();
    for dir in &dirs {
        // A series without a manifest (the runner's own test data) has no
        // timed loops to name; a manifest that is there must read.
        let manifest = if dir.join(manifest::FILE).exists() {
            Some(Manifest::load(dir)?)
        } else {
            None
        };
        let names = if !opts.revisions.is_empty() {
            opts.revisions.clone()
        } else {
            match &manifest {
                Some(m) if opts.kasan || opts.distinct => m.kunit.kasan.clone(),
                Some(m) => m.kunit.revisions.clone(),
                None => bail!(
                    "{} has no series.toml to say which revisions to run: name them with --revision",
                    dir.display()
                ),
            }
        };
        for name in &names {
            let revision = revision::in_series(dir, manifest.as_ref(), name)?;
            if opts.base.is_some_and(|b| b != revision.base) {
                continue;
            }
            // An unknown suite fails now, not after the first build.
            Suite::named(&opts.workspace, &revision.suite)
                .with_context(|| format!("series {}", dir.display()))?;
            revisions.push(revision);
        }
        if let Some(m) = manifest {
            let name = dir
                .file_name()
                .map_or("series".into(), |n| n.to_string_lossy().into_owned());
            manifests.push((name, m));
        }
    }
    if revisions.is_empty() {
        bail!(
            "no revisions to run: the series' [kunit] lists are empty; name them with --revision"
        );
    }
    Ok(Plan {
        manifests,
        revisions,
    })
}
