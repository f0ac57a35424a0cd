//! The matrix `patchctl kunit` runs: revisions x arches for one flavour,
//! each run judged, recorded and collected for the tables. The kernel side
//! sits behind [`KernelRunner`]: [`KunitPy`] switches a real tree and runs
//! the tree's kunit.py; tests replay recorded kunit.py logs through the
//! same trait, so the orchestration is covered without building a kernel.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use git2::Repository;

use super::abi_boot;
use super::ccache::CompilerCache;
use super::checkout::{Checkout, KERNEL_SUITES};
use super::floor;
use super::kasan;
use super::ktap;
use super::kunitpy::{self, Arch, Flavor, Invocation, PageSize};
use super::record::KunitRecord;
use super::stress;
use super::suite::{self, Suite};
use super::tree;
use crate::machine::Machine;

/// What one build and boot gave.
#[derive(Debug, Clone)]
pub struct KernelRun {
    /// The parsed KTAP.
    pub run: ktap::Run,
    /// kunit.py's exit status.
    pub exit_code: Option<i32>,
    /// The whole log (KASAN reports are read from it).
    pub log_text: String,
    /// Where the log is kept, relative to the cache.
    pub log: PathBuf,
    /// How long the build and boot took, in seconds (unknown on replay).
    pub duration_s: Option<f64>,
    /// Where that time went (unknown on replay).
    pub timing: Option<RunTiming>,
    /// The mapping mixes of the first counting boot: its layout, which
    /// its instruction counts of the whole maps belong to (none when no
    /// counting boot ran).
    pub counted_mixes: Vec<ktap::MappingMix>,
}

/// Where one run's time went, for the summary `patchctl kunit` ends with.
#[derive(Debug, Clone, Default)]
pub struct RunTiming {
    /// kunit.py's own account: configuring, building, running.
    pub kunit: Option<kunitpy::Elapsed>,
    /// The second boot through /dev/dma_heap (Rust flavours).
    pub abi_boot_s: Option<f64>,
    /// Compiles the build took from ccache, and those it ran.
    pub ccache: Option<super::ccache::Hits>,
}

/// The kernel side of the matrix.
pub trait KernelRunner {
    /// The kernel version the runs build, e.g. `6.12.117`.
    fn kernel_version(&self) -> &str;
    /// Switches the tree to `revision`, with the suite placed.
    fn switch_to(&mut self, revision: &Checkout, progress: &mut dyn Write) -> Result<()>;
    /// Builds and boots the switched tree for `arch`.
    fn run(
        &mut self,
        revision: &Checkout,
        arch: Arch,
        progress: &mut dyn Write,
    ) -> Result<KernelRun>;
    /// Boots the kernel [`KernelRunner::run`] last built for `arch` once
    /// more under instruction counting, its timing cases only, and gives
    /// their run: its figures in instructions, its mapping mixes; `None`
    /// where nothing counts them (UML, a runner that replays logs).
    fn count(
        &mut self,
        _revision: &Checkout,
        _arch: Arch,
        _progress: &mut dyn Write,
    ) -> Result<Option<ktap::Run>> {
        Ok(None)
    }
}

/// The matrix to run.
pub struct Matrix<'a> {
    /// Revisions, in order (of one series or several).
    pub revisions: &'a [Checkout],
    /// Arches, in order.
    pub arches: &'a [Arch],
    /// What every kernel is built with.
    pub flavor: &'a Flavor,
    /// The base page size every kernel is built with.
    pub page_size: PageSize,
    /// Where records are written (none: not written).
    pub results: Option<&'a Path>,
    /// The machine the figures are taken on.
    pub machine: Machine,
    /// Boots per revision and arch: each figure's spread is taken over
    /// all of them, since the noise between boots is larger than within
    /// one.
    pub boots: usize,
    /// Boots under instruction counting after the timed ones, where the
    /// arch has it (0: none; 2 also proves the count reproducible: the
    /// run fails when two counting boots' counts differ past
    /// [`ktap::count_tolerance`]).
    pub counting_boots: usize,
}

/// What the matrix gave.
#[derive(Debug)]
pub struct MatrixOutcome {
    /// One record per (revision, arch), in run order.
    pub records: Vec<KunitRecord>,
    /// Whether any run failed.
    pub failed: bool,
}

/// Runs every revision on every arch. Each run's failures, missing
/// results, skips and KASAN verdict go to `progress` as they are known;
/// records are written as each run ends, so a later failure loses nothing.
pub fn run_matrix(
    runner: &mut dyn KernelRunner,
    m: &Matrix,
    progress: &mut dyn Write,
) -> Result<MatrixOutcome> {
    let kernel = runner.kernel_version().to_string();
    let mut records = Vec::new();
    let mut failed = false;
    let mut times = Vec::new();
    for revision in m.revisions {
        let switching = std::time::Instant::now();
        runner.switch_to(revision, progress)?;
        let switch_s = switching.elapsed().as_secs_f64();
        for (i, &arch) in m.arches.iter().enumerate() {
            let _ = writeln!(
                progress,
                "patchctl: {} / {}: kunit.py",
                revision.name,
                arch.name()
            );
            let mut run = runner.run(revision, arch, progress)?;
            let mut figures = vec![run.run.figures.clone()];
            let mut mixes = run.run.mixes.clone();
            for boot in 2..=m.boots {
                let _ = writeln!(
                    progress,
                    "patchctl: {} / {}: boot {boot} of {} (the same kernel, for the spread)",
                    revision.name,
                    arch.name(),
                    m.boots
                );
                let again = runner.run(revision, arch, progress)?;
                figures.push(again.run.figures.clone());
                for mix in &again.run.mixes {
                    crate::util::push_unique(&mut mixes, mix.clone());
                }
                if again.exit_code != Some(0) || run.exit_code != Some(0) {
                    // A failed boot is the run's verdict, not a lost one.
                    run = KernelRun {
                        duration_s: run.duration_s,
                        timing: run.timing,
                        ..again
                    };
                }
            }
            run.run.figures = ktap::merge_boots(&figures);
            // Each boot's layout: one mix where the boots agree, more where
            // the page allocator handed out other runs.
            run.run.mixes = mixes;
            if !run.run.figures.is_empty() {
                failed |= !add_counts(runner, m, revision, arch, &mut run, progress)?;
            }
            run.run.figures = floor::choose(&run.run.figures);
            // The switch serves every arch of the revision: counted once.
            let switched = if i == 0 { Some(switch_s) } else { None };
            times.push(time_line(revision, arch, switched, &run));
            let record = judge(m, &kernel, revision, arch, run.clone());
            report(&record, &run, progress);
            failed |= record.failed_run(run.exit_code);
            for b in floor::breaches(&record.figures) {
                failed = true;
                let _ = writeln!(
                    progress,
                    "patchctl: {} / {}: BELOW FLOOR: {b}",
                    revision.name,
                    arch.name()
                );
            }
            if let Some(dir) = m.results {
                record.save(dir)?;
            }
            records.push(record);
        }
    }
    if times.iter().any(|t| !t.is_empty()) {
        let _ = writeln!(progress, "patchctl: where the time went");
        for line in times.iter().filter(|t| !t.is_empty()) {
            let _ = writeln!(progress, "  {line}");
        }
    }
    Ok(MatrixOutcome { records, failed })
}

/// Adds the instruction counts of `m.counting_boots` counting boots to
/// the run's figures; whether the boots agreed (see
/// [`ktap::count_differences`]).
fn add_counts(
    runner: &mut dyn KernelRunner,
    m: &Matrix,
    revision: &Checkout,
    arch: Arch,
    run: &mut KernelRun,
    progress: &mut dyn Write,
) -> Result<bool> {
    let mut counted: Vec<ktap::Run> = Vec::new();
    // UML runs on the host's CPU: nothing counts its instructions.
    if arch.counting_args().is_none() {
        return Ok(true);
    }
    for boot in 1..=m.counting_boots {
        let _ = writeln!(
            progress,
            "patchctl: {} / {}: counting boot {boot} of {} (QEMU -icount: instructions, not host time)",
            revision.name,
            arch.name(),
            m.counting_boots
        );
        match runner.count(revision, arch, progress)? {
            Some(counted_run) => counted.push(counted_run),
            None => return Ok(true),
        }
    }
    let Some(first) = counted.first() else {
        return Ok(true);
    };
    let mut agreed = true;
    for other in &counted[1..] {
        for d in ktap::count_differences(&first.figures, &other.figures) {
            agreed = false;
            let _ = writeln!(
                progress,
                "patchctl: {} / {}: INSTRUCTION COUNTS DIFFER between counting boots: {d}",
                revision.name,
                arch.name()
            );
        }
    }
    run.run.figures = ktap::with_counts(&run.run.figures, &first.figures);
    run.counted_mixes = first.mixes.clone();
    Ok(agreed)
}

/// One line of the time summary: the switch, kunit.py's configure, build
/// and boot, the second boot and what ccache gave; empty on replay.
fn time_line(revision: &Checkout, arch: Arch, switch_s: Option<f64>, run: &KernelRun) -> String {
    let Some(total) = run.duration_s else {
        return String::new();
    };
    let mut parts = Vec::new();
    if let Some(s) = switch_s {
        parts.push(format!("switch {s:.0}s"));
    }
    let timing = run.timing.clone().unwrap_or_default();
    if let Some(k) = timing.kunit {
        parts.push(format!(
            "configure {:.0}s, build {:.0}s, boot+run {:.0}s",
            k.configuring_s, k.building_s, k.running_s
        ));
    }
    if let Some(s) = timing.abi_boot_s {
        parts.push(format!("second boot {s:.0}s"));
    }
    if let Some(h) = timing.ccache {
        parts.push(format!(
            "ccache {} of {} compiles",
            h.hits,
            h.hits + h.misses
        ));
    }
    format!(
        "{} {} {}: {total:.0}s ({})",
        revision.series,
        revision.name,
        arch.name(),
        parts.join(", ")
    )
}

/// The record of one run.
fn judge(m: &Matrix, kernel: &str, revision: &Checkout, arch: Arch, run: KernelRun) -> KunitRecord {
    let kasan = m
        .flavor
        .has_kasan()
        .then(|| kasan::Verdict::of(&run.run, &run.log_text));
    let stress = m
        .flavor
        .is_stress()
        .then(|| stress::Verdict::of(&run.log_text));
    KunitRecord {
        series: revision.series.clone(),
        revision: revision.name.clone(),
        kernel: kernel.to_string(),
        arch,
        config: m.flavor.config(),
        page_size: m.page_size.bytes(),
        machine: m.machine.clone(),
        passed: run.run.passed(),
        failed: run.run.failures().into_iter().map(|(p, _)| p).collect(),
        missing: run.run.missing.clone(),
        skipped: run.run.skips(),
        figures: run.run.figures.clone(),
        mixes: run.run.mixes.clone(),
        counted_mixes: run.counted_mixes.clone(),
        own_loop: revision.own_loop.clone(),
        cases: super::record::CaseRecord::of_run(&run.run),
        duration_s: run.duration_s,
        log: run.log,
        kasan,
        stress,
    }
}

/// Says what a run showed, as it ends.
fn report(record: &KunitRecord, run: &KernelRun, progress: &mut dyn Write) {
    for (path, test) in run.run.failures() {
        // Under KASAN the expected case fails on purpose: judged below.
        if record.kasan.is_some()
            && (path == kasan::EXPECTED_CASE || path == kasan::RUST_EXPECTED_CASE)
        {
            continue;
        }
        let _ = writeln!(
            progress,
            "patchctl: FAILED {path}: {}",
            test.diagnostics.join(" | ")
        );
    }
    for m in &record.missing {
        let _ = writeln!(
            progress,
            "patchctl: MISSING results under {}: {} of {} (crash or hang? see {} in the cache)",
            m.parent,
            m.seen,
            m.planned,
            record.log.display()
        );
    }
    for (path, reason) in &record.skipped {
        let _ = writeln!(progress, "patchctl: skipped {path}: {reason}");
    }
    if let Some(v) = &record.kasan {
        for r in &v.expected_reports {
            let _ = writeln!(
                progress,
                "patchctl: KASAN caught the deliberate v1 overflow: {}",
                r.line
            );
        }
        for r in &v.rust_expected_reports {
            let _ = writeln!(
                progress,
                "patchctl: KASAN caught the deliberate overflow in Rust: {}",
                r.line
            );
        }
        for p in v.problems() {
            let _ = writeln!(progress, "patchctl: KASAN run: {p}");
        }
    }
    if let Some(v) = &record.stress {
        let _ = write!(
            progress,
            "patchctl: stress figures\n{}",
            stress::render(&record.arch_label(), v)
        );
        for p in v.problems() {
            let _ = writeln!(progress, "patchctl: STRESS run: {p}");
        }
        if v.problems().is_empty() {
            let _ = writeln!(
                progress,
                "patchctl: stress run clean: lockdep on and silent, kmemleak on and silent{}",
                if v.kmemleak_scanned {
                    " after an explicit scan"
                } else {
                    ""
                }
            );
        }
    }
}

/// The real kernel side: one worktree of the source's base commit,
/// switched in place from revision to revision, and one build directory
/// per arch and flavour, so that kbuild recompiles only what a revision
/// changes instead of building a kernel per revision.
pub struct KunitPy {
    cache: PathBuf,
    workspace: PathBuf,
    version: String,
    tree_name: String,
    tree_dir: PathBuf,
    base: Repository,
    // What the last switch placed: none before the first switch, Some(None)
    // when it placed nothing (the kernel's own suites).
    switched: Option<Option<Suite>>,
    jobs: usize,
    flavor: Flavor,
    page_size: PageSize,
    ccache: Option<CompilerCache>,
    abi_boot: AbiBoot,
    skip_timings: bool,
    // The arches whose kernel has had its second boot in this run.
    abi_booted: std::collections::HashSet<Arch>,
    // Held for the whole run: every build reads the tree.
    _lock: std::fs::File,
}

/// Where and what [`KunitPy`] builds.
pub struct KunitPySetup<'a> {
    /// The pristine kernel source (never written to).
    pub source: &'a Path,
    /// The patchctl cache.
    pub cache: &'a Path,
    /// The source's kernel version.
    pub version: &'a str,
    /// The workspace (its `kunit/` and `rust-heap/`).
    pub workspace: &'a Path,
    /// Parallel make jobs.
    pub jobs: usize,
    /// What every kernel is built with.
    pub flavor: Flavor,
    /// The base page size every kernel is built with.
    pub page_size: PageSize,
    /// Which revisions a Rust build boots a second time.
    pub abi_boot: AbiBoot,
    /// Leave the timing cases out.
    pub skip_timings: bool,
}

/// Where a kernel of `version` for `arch` builds, relative to the cache:
/// one directory per arch, flavour and page size. A page size other than
/// 4K builds apart (`...-arm64-rust-64k`): switching one directory's page
/// size back and forth would rebuild the whole kernel each time. Runs of
/// the kernel's own suites build apart too: their config shares nothing
/// with the workspace suite's.
pub fn build_rel(
    version: &str,
    arch: Arch,
    flavor: &Flavor,
    page_size: PageSize,
    kernel_suites: bool,
) -> PathBuf {
    let own = if kernel_suites { "-kernel-suites" } else { "" };
    PathBuf::from("build").join(format!(
        "linux-{version}-{}-{}{}{own}",
        arch.name(),
        flavor.name(),
        page_size.suffix()
    ))
}

/// Which revisions a Rust build boots a second time, through /dev/dma_heap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum AbiBoot {
    /// Every revision, on every arch.
    #[default]
    Every,
    /// The first revision of the run on each arch: the program drives
    /// allocation and mmap, which no revision here changes.
    First,
    /// None: the run is about the KUnit suites alone (the runner's self-test).
    None,
}

impl KunitPy {
    /// Locks the shared worktree and opens (or makes) the base repository.
    pub fn open(setup: KunitPySetup, progress: &mut dyn Write) -> Result<KunitPy> {
        let KunitPySetup {
            source,
            cache,
            version,
            workspace,
            jobs,
            flavor,
            page_size,
            abi_boot,
            skip_timings,
        } = setup;
        let tree_name = format!("linux-{version}");
        let tree_dir = cache.join("trees").join(&tree_name);
        let lock = tree::lock_tree(&tree_dir, progress)?;
        let base = tree::base_repository(source, cache, version, progress)?;
        Ok(KunitPy {
            cache: cache.to_path_buf(),
            workspace: workspace.to_path_buf(),
            version: version.to_string(),
            tree_name,
            tree_dir,
            base,
            switched: None,
            jobs,
            flavor,
            page_size,
            ccache: CompilerCache::discover(cache),
            abi_boot,
            skip_timings,
            abi_booted: std::collections::HashSet::new(),
            _lock: lock,
        })
    }

    /// Where this flavour's kernel for `arch` builds, relative to the
    /// cache (see [`build_rel`]).
    fn build_rel(&self, arch: Arch, revision: &Checkout) -> PathBuf {
        build_rel(
            &self.version,
            arch,
            &self.flavor,
            self.page_size,
            revision.suite == KERNEL_SUITES,
        )
    }

    /// Whether the kernel just built for `arch` boots a second time.
    fn boots_again(&mut self, arch: Arch) -> bool {
        // The program drives the heaps' allocation and mmap paths, which no
        // revision changes: with --abi-boot first, one boot per arch does.
        let boot_again = match self.abi_boot {
            AbiBoot::Every => true,
            AbiBoot::First => self.abi_booted.insert(arch),
            AbiBoot::None => false,
        };
        self.flavor.has_rust() && boot_again
    }

    /// Boots the kernel in `build` again with the /dev/dma_heap program as
    /// init, its suites joining `run` and its output `log_text`; the
    /// seconds it took.
    fn second_boot(
        &self,
        revision: &Checkout,
        arch: Arch,
        build: &Path,
        run: &mut ktap::Run,
        log_text: &mut String,
        progress: &mut dyn Write,
    ) -> Result<f64> {
        let abi_log = build.join(format!("abi-{}-{}.log", revision.series, revision.name));
        let booting = std::time::Instant::now();
        let boot = abi_boot::run(
            &self.workspace,
            arch,
            build,
            &abi_log,
            self.flavor.is_stress(),
            progress,
        )?;
        let took = booting.elapsed().as_secs_f64();
        run.suites.extend(boot.run.suites);
        run.missing.extend(boot.run.missing);
        log_text.push_str("\n# second boot: ");
        log_text.push_str(abi_boot::PROGRAM);
        log_text.push_str(" as /init\n");
        log_text.push_str(&boot.output);
        Ok(took)
    }
}

impl KunitPy {
    /// Builds the tree as last switched for `arch` and boots nothing:
    /// whether it compiles. The build directory is kept, so kbuild
    /// recompiles only what changed since the last build.
    pub fn build(
        &mut self,
        revision: &Checkout,
        arch: Arch,
        progress: &mut dyn Write,
    ) -> Result<kunitpy::BuildResult> {
        let build = self.build_dir(arch, revision);
        let log = build.join(format!("build-{}-{}.log", revision.series, revision.name));
        let inv = self.invocation("build", revision, arch, &build, &log)?;
        let _ = writeln!(
            progress,
            "patchctl: building {} for {} in {}",
            revision.name,
            arch.name(),
            build.display()
        );
        kunitpy::build_kunit(&inv, progress)
    }

    /// The heap's object of the tree as last switched, built for `arch`
    /// with the kernel's own clippy (see [`kunitpy::clippy_heap`]), in a
    /// build directory of its own beside the flavour's: the CLIPPY=1
    /// command line would otherwise make kbuild rebuild the rust/ crates
    /// there twice, once for clippy and once for the next boot.
    pub fn clippy(
        &self,
        revision: &Checkout,
        arch: Arch,
        clippy_driver: &Path,
        progress: &mut dyn Write,
    ) -> Result<kunitpy::ClippyResult> {
        let mut build = self.build_dir(arch, revision).into_os_string();
        build.push("-clippy");
        let build = PathBuf::from(build);
        let log = build.join(format!("clippy-{}-{}.log", revision.series, revision.name));
        let inv = self.invocation("build", revision, arch, &build, &log)?;
        kunitpy::clippy_heap(&inv, clippy_driver, progress)
    }

    /// What kunit.py is given to build (and boot) `revision` for `arch`
    /// in `build_dir`, its output kept in `log`: the one place that says
    /// it, for every kind of kunit.py call. `what` names the call in the
    /// error when no revision has been switched to yet.
    fn invocation<'a>(
        &'a self,
        what: &str,
        revision: &'a Checkout,
        arch: Arch,
        build_dir: &'a Path,
        log: &'a Path,
    ) -> Result<Invocation<'a>> {
        let suite = self.switched.as_ref().with_context(|| {
            format!("kunit.py asked to {what} before the tree was switched to a revision")
        })?;
        Ok(Invocation {
            tree: &self.tree_dir,
            suite: suite.as_ref(),
            extra_config: &revision.kunit_config,
            arch,
            page_size: self.page_size,
            build_dir,
            log,
            jobs: self.jobs,
            flavor: &self.flavor,
            ccache: self.ccache.as_ref(),
            skip_timings: self.skip_timings,
        })
    }

    /// The directory [`KunitPy::build`] builds `revision` in for `arch`:
    /// the one its runs use. A build whose config differs has kunit.py
    /// write the new .config, and kbuild recompiles what the changed
    /// symbols reach; one that matches recompiles nothing.
    pub fn build_dir(&self, arch: Arch, revision: &Checkout) -> PathBuf {
        self.cache.join(self.build_rel(arch, revision))
    }

    /// The worktree the revisions are switched in.
    pub fn tree_dir(&self) -> &Path {
        &self.tree_dir
    }
}

impl KernelRunner for KunitPy {
    fn kernel_version(&self) -> &str {
        &self.version
    }

    fn switch_to(&mut self, revision: &Checkout, progress: &mut dyn Write) -> Result<()> {
        let _ = writeln!(
            progress,
            "patchctl: {} on Linux {}: switching {} to it",
            revision.name,
            self.version,
            self.tree_dir.display()
        );
        // The kernel's own suites need nothing of the workspace placed.
        let suite = if revision.suite == KERNEL_SUITES {
            None
        } else {
            Some(Suite::named(&self.workspace, &revision.suite)?)
        };
        tree::prepare(&self.base, revision, &self.tree_name, &self.tree_dir)?;
        if let Some(suite) = &suite {
            suite::place_suite(&self.tree_dir, suite)?;
        }
        self.switched = Some(suite);
        Ok(())
    }

    fn run(
        &mut self,
        revision: &Checkout,
        arch: Arch,
        progress: &mut dyn Write,
    ) -> Result<KernelRun> {
        let build_rel = self.build_rel(arch, revision);
        let log_rel = build_rel.join(format!("kunit-{}-{}.log", revision.series, revision.name));
        let build = self.cache.join(&build_rel);
        let log = self.cache.join(&log_rel);
        let inv = self.invocation("run", revision, arch, &build, &log)?;
        let _ = writeln!(progress, "patchctl: building in {}", build.display());
        let started = std::time::Instant::now();
        if let Some(cc) = &self.ccache {
            cc.zero_stats();
        }
        let result = kunitpy::run_kunit(&inv, progress)?;
        let mut timing = RunTiming {
            kunit: result.elapsed,
            abi_boot_s: None,
            ccache: self.ccache.as_ref().and_then(CompilerCache::hits),
        };
        let mut log_text = std::fs::read_to_string(&log)
            .with_context(|| format!("cannot read kunit.py's log {}", log.display()))?;
        let mut run = result.run;
        // A Rust build also boots the same kernel again, with the
        // /dev/dma_heap program as init: its suite joins the KUnit suites.
        if self.boots_again(arch) {
            let took =
                self.second_boot(revision, arch, &build, &mut run, &mut log_text, progress)?;
            timing.abi_boot_s = Some(took);
        }
        Ok(KernelRun {
            run,
            exit_code: result.exit_code,
            log_text,
            log: log_rel,
            duration_s: Some(started.elapsed().as_secs_f64()),
            timing: Some(timing),
            counted_mixes: Vec::new(),
        })
    }
    fn count(
        &mut self,
        revision: &Checkout,
        arch: Arch,
        progress: &mut dyn Write,
    ) -> Result<Option<ktap::Run>> {
        let build = self.build_dir(arch, revision);
        let log = build.join(format!("count-{}-{}.log", revision.series, revision.name));
        let inv = self.invocation("count", revision, arch, &build, &log)?;
        let counted = kunitpy::count_kunit(&inv, progress)?;
        Ok(counted.map(|r| r.run))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_size_other_than_4k_builds_in_a_directory_of_its_own() {
        let dir = |arch, flavor: &Flavor, page, own| {
            build_rel("6.12.118", arch, flavor, page, own)
                .display()
                .to_string()
        };
        // 4K keeps the names the caches already hold.
        assert_eq!(
            dir(Arch::Arm64, &Flavor::C, PageSize::K4, false),
            "build/linux-6.12.118-arm64-c"
        );
        assert_eq!(
            dir(Arch::Um, &Flavor::Kasan, PageSize::K4, true),
            "build/linux-6.12.118-um-kasan-kernel-suites"
        );
        assert_eq!(
            dir(Arch::Arm64, &Flavor::C, PageSize::K64, false),
            "build/linux-6.12.118-arm64-c-64k"
        );
        assert_eq!(
            dir(Arch::Arm64, &Flavor::C, PageSize::K16, true),
            "build/linux-6.12.118-arm64-c-16k-kernel-suites"
        );
    }
}
