//! `patchctl kunit` as a whole: which series and revisions to run (read
//! from their series.toml), on which kernel sources, then the matrix the
//! kernel layer runs, and the regression gate on what it gave.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::kernel::checkout::{Checkout, KERNEL_SUITES};
use crate::kernel::compare::{self, Comparison};
use crate::kernel::coverage::{self, Coverage};
use crate::kernel::kunitpy::{self, Arch, Flavor, PageSize};
use crate::kernel::record;
use crate::kernel::regressions;
use crate::kernel::run::{run_matrix, AbiBoot, KunitPy, KunitPySetup, Matrix, MatrixOutcome};
use crate::kernel::suite::Suite;
use crate::kernel::tree;
use crate::machine::Machine;
use crate::review::maintainers::files_in_diff;
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
    /// Boots under QEMU's instruction counting after the timed ones (arm64).
    pub counting_boots: usize,
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
    /// Build the stress suite's kernel: lockdep, kmemleak, fault injection.
    pub stress: bool,
    /// Each series' distinct code only: its `[kunit] kasan` list instead
    /// of its `revisions` list (when no revision is named).
    pub distinct: bool,
    /// Which revisions a Rust build boots a second time.
    pub abi_boot: AbiBoot,
    /// Leave the timing cases out (correctness only).
    pub skip_timings: bool,
    /// The base page size of every kernel (other than 4K: arm64 only).
    pub page_size: PageSize,
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
    /// For each series run on the kernel's own suites, its base against
    /// each of its revisions, per arch.
    pub regressions: Vec<SeriesVerdict>,
}

/// A revision of a series against its base on one arch, on the kernel's
/// own suites.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SeriesVerdict {
    /// The series.
    pub series: String,
    /// The revision compared with the base.
    pub revision: String,
    /// The base's row (`baseline` or `mainline`).
    pub base: String,
    /// The arch.
    pub arch: String,
    /// Case by case.
    pub comparison: regressions::Comparison,
    /// Why there is no verdict, when the base ran no case.
    pub no_verdict: Option<String>,
}

impl SeriesVerdict {
    /// Whether it fails the command: a regression, or no verdict.
    pub fn failed(&self) -> bool {
        self.comparison.regressed() || self.no_verdict.is_some()
    }
}

impl KunitReport {
    /// Whether the command fails: a failed run, or a regression.
    pub fn failed(&self) -> bool {
        self.outcome.failed
            || self.comparison.as_ref().is_some_and(Comparison::failed)
            || self.regressions.iter().any(SeriesVerdict::failed)
    }
}

/// Checks the request, then runs the matrix on real kernels.
pub fn kunit(opts: &KunitOptions, progress: &mut dyn Write) -> Result<KunitReport> {
    check_page_size(opts.page_size, &opts.arches)?;
    let cache = tree::cache_dir()?;
    let flavor = flavor_of(opts, &cache)?;
    for &arch in &opts.arches {
        kunitpy::check_tools(arch)?;
    }
    let Plan {
        revisions,
        coverage,
        ..
    } = plan(opts)?;
    for c in &coverage {
        report_coverage(&c.series, &c.coverage, progress);
    }
    refuse_unbuildable(&flavor, &revisions)?;
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
        let version = version_of(base, &source)?;
        let setup = KunitPySetup {
            source: &source,
            cache: &cache,
            version: &version,
            workspace: &opts.workspace,
            jobs: opts.jobs,
            flavor: flavor.clone(),
            page_size: opts.page_size,
            abi_boot: opts.abi_boot,
            skip_timings: opts.skip_timings,
        };
        let part = run_on(setup, &group, opts, progress)?;
        outcome.failed |= group_failed(&group, &part, opts);
        outcome.records.extend(part.records);
        kernels.push(version);
    }
    let version = kernels.join(" and ");
    let comparison = stored.map(|s| compare::compare(&outcome.records, &s, opts.threshold));
    let regressions = verdicts(&revisions, &outcome.records);
    Ok(KunitReport {
        kernel: version,
        flavor,
        outcome,
        comparison,
        regressions,
    })
}

/// The kernel version of `base`'s pristine source at `source`. Asked
/// before any build, so a missing source fails at once, with the way to
/// fetch it or to name another.
fn version_of(base: Base, source: &Path) -> Result<String> {
    tree::kernel_version(source).with_context(|| {
        format!(
            "no {} kernel source: run `scripts/deps.sh kernel-source{}` (or `make deps`), or pass {}",
            base.name(),
            if base == Base::Mainline { "-mainline" } else { "" },
            if base == Base::Mainline { "--mainline-kdir" } else { "--kdir" }
        )
    })
}

/// Whether one base's runs fail the command. On the kernel's own suites
/// a case the base fails already is not the series' doing: those runs
/// are judged by the regressions (see [`verdicts`]), the workspace's own
/// suites by the run as before.
fn group_failed(group: &[Checkout], part: &MatrixOutcome, opts: &KunitOptions) -> bool {
    if !group.iter().any(|r| r.suite == KERNEL_SUITES) {
        return part.failed;
    }
    part.records
        .iter()
        .zip(group_runs(group, opts))
        .any(|(r, on_kernel_suites)| {
            !on_kernel_suites && (!r.failed.is_empty() || !r.missing.is_empty())
        })
}

/// The flavour `opts` asks for, refused where it cannot run.
fn flavor_of(opts: &KunitOptions, cache: &Path) -> Result<Flavor> {
    if opts.kasan {
        if let Some(arch) = opts.arches.iter().find(|&&a| a != Arch::Um) {
            bail!(
                "--kasan runs on UML only: KASAN under QEMU's emulation of arm64 would take hours; drop --arch {}",
                arch.name()
            );
        }
    }
    if opts.stress && (opts.kasan || !opts.rust) {
        bail!("--stress is a Rust build (both heaps) without KASAN: give --rust, drop --kasan");
    }
    Ok(if opts.stress {
        Flavor::RustStress(kunitpy::RustTools::discover(cache)?)
    } else if opts.rust && opts.kasan {
        Flavor::RustKasan(kunitpy::RustTools::discover(cache)?)
    } else if opts.rust {
        Flavor::Rust(kunitpy::RustTools::discover(cache)?)
    } else if opts.kasan {
        Flavor::Kasan
    } else {
        Flavor::C
    })
}

/// Refuses, before anything builds, a page size one of `arches` cannot
/// have: UML has 4K pages alone.
pub fn check_page_size(page_size: PageSize, arches: &[Arch]) -> Result<()> {
    for &arch in arches {
        page_size.kconfig(arch)?;
    }
    Ok(())
}

/// Refuses, before anything builds, a revision the flavour cannot build:
/// the Rust heap on mainline, or any flavour but C on the kernel's own
/// suites (the Rust and KASAN flavours add the workspace's heap and its
/// deliberate overflow case, which those runs do not place).
fn refuse_unbuildable(flavor: &Flavor, revisions: &[Checkout]) -> Result<()> {
    if flavor.has_rust() {
        if let Some(r) = revisions.iter().find(|r| r.base == Base::Mainline) {
            bail!(
                "{} {} is based on mainline, where the Rust heap is not built (its bindings follow 6.12): run it without --rust",
                r.series,
                r.name
            );
        }
    }
    if !matches!(flavor, Flavor::C) {
        if let Some(r) = revisions.iter().find(|r| r.suite == KERNEL_SUITES) {
            bail!(
                "{} runs the kernel's own KUnit suites, which patchctl builds in the plain C flavour only: run it without --rust and --kasan",
                r.series
            );
        }
    }
    Ok(())
}

/// For each record of `group`'s runs (revisions x arches, in run order),
/// whether its revision runs the kernel's own suites.
fn group_runs(group: &[Checkout], opts: &KunitOptions) -> Vec<bool> {
    group
        .iter()
        .flat_map(|r| opts.arches.iter().map(move |_| r.suite == KERNEL_SUITES))
        .collect()
}

/// Says what covers a series before anything is built.
fn report_coverage(series: &str, c: &Coverage, progress: &mut dyn Write) {
    let mut what: Vec<String> = c.kunitconfigs.clone();
    what.extend(
        c.tests
            .iter()
            .map(|t| format!("{} (CONFIG_{})", t.path, t.symbol)),
    );
    let _ = writeln!(
        progress,
        "patchctl: {series} runs the kernel's own KUnit suites that cover its files: {}",
        what.join(", ")
    );
    for u in &c.uncovered {
        let _ = writeln!(progress, "patchctl: {series}: not covered: {u}");
    }
}

/// Each revision of a series on the kernel's own suites against the
/// series' base row, arch by arch.
fn verdicts(revisions: &[Checkout], records: &[record::KunitRecord]) -> Vec<SeriesVerdict> {
    let mut out = Vec::new();
    for r in revisions.iter().filter(|r| r.suite == KERNEL_SUITES) {
        if r.name == manifest::BASELINE || r.name == manifest::MAINLINE {
            continue;
        }
        let base_name = match r.base {
            Base::Mainline => manifest::MAINLINE,
            Base::Android => manifest::BASELINE,
        };
        for now in records
            .iter()
            .filter(|x| x.series == r.series && x.revision == r.name)
        {
            let base = records
                .iter()
                .find(|x| x.series == r.series && x.revision == base_name && x.arch == now.arch);
            let (comparison, no_verdict) = match base {
                Some(b) if !b.cases.is_empty() => (regressions::compare(&b.cases, &now.cases), None),
                Some(_) => (
                    regressions::Comparison::default(),
                    Some(format!(
                        "the base ran no case on {} (see its log): nothing to compare",
                        now.arch.name()
                    )),
                ),
                None => (
                    regressions::Comparison::default(),
                    Some(format!(
                        "no run of {base_name} on {} to compare with: run it too (leave --revision out)",
                        now.arch.name()
                    )),
                ),
            };
            out.push(SeriesVerdict {
                series: r.series.clone(),
                revision: r.name.clone(),
                base: base_name.to_string(),
                arch: now.arch.name().to_string(),
                comparison,
                no_verdict,
            });
        }
    }
    out
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
        page_size: opts.page_size,
        results: Some(&opts.results),
        machine: Machine::this(),
        boots: opts.boots.max(1),
        counting_boots: opts.counting_boots,
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
    /// The manifests of the series, in order.
    pub manifests: Vec<SeriesManifest>,
    /// The revisions, series by series, in order.
    pub revisions: Vec<Checkout>,
    /// For each series run on the kernel's own suites, what covers it.
    pub coverage: Vec<SeriesCoverage>,
}

/// A series' series.toml, with the name the run gives the series.
#[derive(Debug)]
pub struct SeriesManifest {
    /// The series (its directory's name).
    pub series: String,
    /// Its series.toml.
    pub manifest: Manifest,
}

/// What covers a series run on the kernel's own suites.
#[derive(Debug)]
pub struct SeriesCoverage {
    /// The series (its directory's name).
    pub series: String,
    /// The suites that cover its files, found in the base tree.
    pub coverage: Coverage,
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
    let mut coverages = Vec::new();
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
                Some(m) if (opts.kasan || opts.distinct) && !m.kunit.kasan.is_empty() => {
                    m.kunit.kasan.clone()
                }
                Some(m) => m.kunit_revisions(),
                None => bail!(
                    "{} has no series.toml to say which revisions to run: name them with --revision",
                    dir.display()
                ),
            }
        };
        let mut group = Vec::new();
        for name in &names {
            let revision = revision::in_series(dir, manifest.as_ref(), name)?;
            if opts.base.is_some_and(|b| b != revision.base) {
                continue;
            }
            // An unknown suite fails now, not after the first build.
            if revision.suite != KERNEL_SUITES {
                Suite::named(&opts.workspace, &revision.suite)
                    .with_context(|| format!("series {}", dir.display()))?;
            }
            group.push(revision);
        }
        if group.iter().any(|r| r.suite == KERNEL_SUITES) {
            let coverage = cover(dir, &mut group, opts)?;
            coverages.push(SeriesCoverage {
                series: series_name(dir),
                coverage,
            });
        }
        revisions.extend(group);
        if let Some(m) = manifest {
            manifests.push(SeriesManifest {
                series: series_name(dir),
                manifest: m,
            });
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
        coverage: coverages,
    })
}

fn series_name(dir: &Path) -> String {
    dir.file_name()
        .map_or("series".into(), |n| n.to_string_lossy().into_owned())
}

/// The kernel's own suites that cover the files the series' revisions
/// touch, found in the base they are built on; every checkout of the
/// series gets the same kunitconfig, so that the base and the series run
/// the same cases. A series no suite covers is refused: a run of nothing
/// would prove nothing.
fn cover(dir: &Path, group: &mut [Checkout], opts: &KunitOptions) -> Result<Coverage> {
    let mut touched: Vec<String> = Vec::new();
    for patch in group.iter().flat_map(|r| &r.patches) {
        let text = std::fs::read_to_string(patch)
            .with_context(|| format!("cannot read {}", patch.display()))?;
        for f in files_in_diff(&text) {
            crate::util::push_unique(&mut touched, f);
        }
    }
    let base = group.first().map_or(Base::Android, |r| r.base);
    let source = source_of(base, opts)?;
    let coverage = coverage::discover(&source, &touched)?;
    if coverage.is_empty() {
        bail!(
            "no KUnit suite of the kernel covers series {} ({}): {}; name a suite in its series.toml's [kunit] section",
            dir.display(),
            touched.join(", "),
            coverage.uncovered.join("; ")
        );
    }
    for r in group.iter_mut() {
        let own = std::mem::take(&mut r.kunit_config);
        r.kunit_config = coverage.config.clone();
        for line in own {
            if !r.kunit_config.contains(&line) {
                r.kunit_config.push(line);
            }
        }
    }
    Ok(coverage)
}
