//! `patchctl kunit`: the suite on real kernels, every revision and arch.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use patchctl::kernel::run::AbiBoot;
use patchctl::kernel::view::RevisionFigures;
use patchctl::kernel::{table, Arch, PageSize};
use patchctl::orchestrate::kunit::{self as run, KunitOptions};

/// Build real kernels and run KUnit on them, for each series, revision and arch.
///
/// Which KUnit runs depends on the series:
///
///   - A series that names no suite in its series.toml (any series that
///     `patchctl am` brought in) runs the kernel's own suites that cover
///     the files it touches: the nearest .kunitconfig of each touched
///     directory, and the test files named after a touched file (their
///     Makefile symbol and its Kconfig dependencies). It runs on its base
///     and on its newest revision, and the verdict is a regression check
///     case by case: a case that passed on the base and fails, is skipped
///     or is missing with the series fails the command. Cases the base
///     fails already are reported, not held against the series. A series
///     that nothing covers is refused before anything builds.
///   - A series that names a suite under [kunit] (the worked example,
///     patches/system-heap-vmap) gets that suite from kunit/ placed into
///     the tree, with what [kunit] adds to its kunitconfig; any failed or
///     missing case fails the command, and its timing figures go into
///     one comparison table.
///
/// A revision is built on its base: 6.12 (Debian's linux-source-6.12,
/// the base of android16-6.12; `baseline` is that kernel unpatched), or
/// mainline (Debian unstable's linux-source-7.2) for a revision whose
/// [[revision]] says base = "mainline" (`mainline` is that kernel
/// unpatched). For every revision (`baseline`, `mainline`, a directory
/// under the series such as `v1`, or a [[variant]] that leaves some of a
/// revision's patches out), one cached worktree of its base is switched
/// to the revision's patches, then the tree's own
/// tools/testing/kunit/kunit.py builds and boots it (UML, or arm64 under
/// QEMU) in a build directory per arch and flavour, so a revision costs
/// only what it changes. Records go to
/// target/patchctl/results/kunit-<series>-<revision>-<arch>.json (see
/// --results).
///
/// Examples:
///
///   patchctl am thread.mbox        # a series from the list
///   patchctl kunit --series patches/<slug> --arch um,arm64
///   patchctl kunit --series patches/system-heap-vmap --revision baseline,v2 --arch arm64 --boots 2
///
/// Trees and build directories live in ~/.cache/patchctl and are reused.
/// When ccache is installed, kernel objects are kept in
/// ~/.cache/patchctl/ccache across revisions, flavours and runs;
/// PATCHCTL_CCACHE=0 builds without it (each build directory then
/// rebuilds in full once, since the compiler's command line changes).
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Architectures. Repeat or separate with commas.
    #[arg(long = "arch", value_enum, value_delimiter = ',', default_value = "um")]
    arches: Vec<Arch>,
    /// Revisions of the one --series: baseline, v1, a variant's name...
    /// Repeat or separate with commas. Default: the series.toml's
    /// [kunit] revisions (kasan = [...] with --kasan).
    #[arg(long = "revision", value_delimiter = ',')]
    revisions: Vec<String>,
    /// Series directories, in order (repeat for several): patches/<slug>,
    /// as patchctl am writes it. A directory of series, such as patches,
    /// stands for every series in it; the whole map of every revision of
    /// every series then goes into one table. Required: no series is run
    /// by default.
    #[arg(long, required = true)]
    series: Vec<PathBuf>,
    /// Pristine kernel source (never written to) for revisions on the 6.12
    /// base. Default: the cached Debian linux-source-6.12 that
    /// `scripts/deps.sh kernel-source` extracts.
    #[arg(long, env = "KDIR")]
    kdir: Option<PathBuf>,
    /// Pristine mainline source (never written to) for the revisions a
    /// series.toml bases on mainline (`base = "mainline"`, and the
    /// unpatched `mainline` revision). Default: the cached Debian
    /// linux-source-7.2 that `scripts/deps.sh kernel-source-mainline` extracts.
    #[arg(long, env = "KDIR_MAINLINE")]
    mainline_kdir: Option<PathBuf>,
    /// Boot each kernel this many times for the timings: each figure's
    /// minimum, median and maximum are then taken over every boot's runs
    /// (the median of the boots' medians), since figures move more
    /// between boots than within one. The records say how many boots.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=20))]
    boots: u32,
    /// After the timed boots, boot each arm64 kernel this many times more
    /// under QEMU's instruction counting (`-icount shift=0,sleep=off`, the
    /// device tree's random seed off), its timing cases only: the guest
    /// clock then advances one nanosecond per instruction, so every timing
    /// row also gets a cost that does not depend on the host (the
    /// `instructions` of the records). With 2 the run fails when the two
    /// counts differ by more than 64 instructions (or 1 in 100,000). TCG models no cache or TLB: a
    /// count says how much work the code does, not how long hardware takes.
    /// UML has no counting; 0 leaves it out.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(0..=5))]
    counting_boots: u32,
    /// Only the revisions built on this base: `mainline` (the unpatched
    /// `mainline` and revisions with `base = "mainline"`) or `android`
    /// (6.12: `baseline`, the picks, revisions before mainline came in).
    #[arg(long, value_enum)]
    base: Option<patchctl::series::manifest::Base>,
    /// Parallel make jobs.
    #[arg(long, default_value_t = std::thread::available_parallelism().map_or(2, |n| n.get()))]
    jobs: usize,
    /// Where this run's JSON results go. Not the committed record
    /// (results/): `make record` copies a run there when asked, so that
    /// running the tests leaves the checkout clean.
    #[arg(long, default_value = "target/patchctl/results")]
    results: PathBuf,
    /// Print the results as JSON instead of the table.
    #[arg(long)]
    json: bool,
    /// Build with CONFIG_RUST: the Rust conversion beside the C loops and
    /// the "system-rust" heap beside the C system heap (suite
    /// system_heap_rust), then boot the same kernel again with KUnit off
    /// and kunit/dma_heap_abi.c, built static, as /init: it drives both
    /// heaps through /dev/dma_heap and its KTAP joins the results as the
    /// suite dma_heap_abi (Debian's rustc-web and bindgen-cli, from
    /// `scripts/deps.sh rust`; KERNEL_RUSTC and KERNEL_BINDGEN name others).
    /// With --kasan: one LLVM=1 build with both (UML only; 6.12 lets Rust
    /// and KASAN meet only under clang), the Rust heap checked too.
    #[arg(long)]
    rust: bool,
    /// Build with KASAN (generic, vmalloc too; UML only; with --rust an
    /// LLVM=1 build, else C only) and
    /// check byte by byte: no report may come from any revision's code,
    /// and the suite's deliberate v1 overflow must be reported by KASAN
    /// in sgvmap_v1 (that one case fails, as it must). Timing cases are
    /// filtered out. Results go to ...-<arch>-kasan.json.
    #[arg(long)]
    kasan: bool,
    /// With --rust: the stress suite's kernel (issue 25, item 3), with
    /// lockdep (CONFIG_PROVE_LOCKING), kmemleak and fault injection
    /// (failslab, fail_page_alloc). system_heap_stress runs N kernel
    /// threads per heap under injected allocation failures; the second
    /// boot runs it again, then the /dev/dma_heap program's stress case,
    /// then scans kmemleak. The run fails on any lockdep or kmemleak
    /// report in either boot's log. Builds in ...-rust-stress; results go
    /// to ...-<arch>-rust-stress.json.
    #[arg(long, requires = "rust", conflicts_with = "kasan")]
    stress: bool,
    /// Run each series' [kunit] kasan list instead of its revisions list:
    /// one revision per distinct code on UML (an Android pick of v1 is v1's
    /// code). A variant that differs on arm64 only, such as vmap-sg's
    /// v1-generic (v1 without its arm64 patch), is left out too: it runs in
    /// `make kunit`. What `make test` runs; `make kunit-full` runs all.
    #[arg(long, conflicts_with = "revisions")]
    distinct: bool,
    /// With --rust: which revisions boot a second time through
    /// /dev/dma_heap. `first`: the first of the run on each arch (the
    /// program drives allocation and mmap, which no revision here
    /// changes); `every`: each one; `none`: no second boot.
    #[arg(long, value_enum, default_value = "every")]
    abi_boot: AbiBoot,
    /// Leave the timing cases out (kunit.py --filter=speed>slow): every
    /// correctness case runs, no figure is taken. On arm64 under QEMU the
    /// timings are most of a boot; `make test` skips them, `make kunit`
    /// takes them.
    #[arg(long)]
    skip_timings: bool,
    /// The base page size of every kernel: 4k, or on arm64 16k
    /// (CONFIG_ARM64_16K_PAGES) or 64k (CONFIG_ARM64_64K_PAGES). Refused
    /// with UML, which has 4K pages alone. Another page size builds in a
    /// directory of its own (...-arm64-rust-64k), its records say it
    /// (page_size) and are named ...-arm64-64k..., and tables show its
    /// rows as arm64/64k, apart from 4K's.
    #[arg(long, value_enum, default_value = "4k")]
    page_size: PageSize,
    /// Compare the figures with a stored run of the same series, revision,
    /// arch and config: a results directory, or a git revision whose
    /// results/ holds the record (HEAD, a tag). Each figure that moved is
    /// reported as a ratio of medians; one fails the command only when its
    /// range lies wholly above the stored one's and its median is slower
    /// by more than the threshold (a figure without a range: its minimum),
    /// unless the machine differs, which is reported instead.
    #[arg(long, value_name = "DIR|REV")]
    compare: Option<String>,
    /// The gate's threshold as a fraction (0.25: a median 25% slower, with
    /// the ranges apart, fails).
    /// Default: the stored run's own spread, at least 10%.
    #[arg(long, requires = "compare")]
    threshold: Option<f64>,
    /// Also write the run as JUnit XML (one test case per KUnit case and
    /// parameter), for GitLab and Jenkins.
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Also write the run as KCIDB JSON, for KernelCI.
    #[arg(long, value_name = "FILE")]
    kcidb: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let opts = KunitOptions {
        arches: args.arches,
        revisions: args.revisions,
        series: args.series,
        kdir: args.kdir,
        mainline_kdir: args.mainline_kdir,
        base: args.base,
        boots: if args.skip_timings {
            1
        } else {
            args.boots as usize
        },
        counting_boots: if args.skip_timings {
            0
        } else {
            args.counting_boots as usize
        },
        jobs: args.jobs,
        results: args.results,
        rust: args.rust,
        kasan: args.kasan,
        stress: args.stress,
        distinct: args.distinct,
        abi_boot: args.abi_boot,
        skip_timings: args.skip_timings,
        page_size: args.page_size,
        workspace: std::env::current_dir()?,
        compare: args.compare,
        threshold: args.threshold,
    };
    let report = run::kunit(&opts, &mut std::io::stderr())?;
    let records = &report.outcome.records;
    super::export::write(records, args.junit.as_ref(), args.kcidb.as_ref())?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(records)?);
    } else if report.flavor.has_kasan() {
        print!("{}", table::render_kasan(records, &report.kernel));
    } else {
        print_verdicts(&report.regressions);
        // The kernel's own suites have their verdicts; the tables are the
        // workspace suites' timings.
        let judged: Vec<&str> = report
            .regressions
            .iter()
            .map(|v| v.series.as_str())
            .collect();
        let records: Vec<_> = records
            .iter()
            .filter(|r| !judged.contains(&r.series.as_str()))
            .cloned()
            .collect();
        // One table per base: a row's figures come from one kernel.
        let mut kernels: Vec<&str> = Vec::new();
        for r in &records {
            if !kernels.contains(&r.kernel.as_str()) {
                kernels.push(&r.kernel);
            }
        }
        for kernel in kernels {
            let base: Vec<_> = records
                .iter()
                .filter(|r| r.kernel == kernel)
                .cloned()
                .collect();
            let figures: Vec<_> = base.iter().map(RevisionFigures::of).collect();
            match table::runs_per_figure(&base) {
                Some(what) => println!("KUnit on Linux {kernel}, each figure the {what}"),
                None => println!("KUnit on Linux {kernel}"),
            }
            print!("{}", table::render_table(&figures));
        }
    }
    if let Some(c) = &report.comparison {
        print!("{}", c.render());
    }
    Ok(if report.failed() {
        eprintln!("patchctl: KUnit run FAILED (see the lines above)");
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// Base against series on the kernel's own suites, one block per
/// revision and arch: the cases on both, then each regression.
fn print_verdicts(verdicts: &[run::SeriesVerdict]) {
    for v in verdicts {
        print!(
            "{} {} against {}, {}",
            v.series,
            v.revision,
            v.base,
            patchctl::kernel::regressions::render(&v.arch, &v.comparison)
        );
        if let Some(why) = &v.no_verdict {
            println!("  NO VERDICT: {why}");
        }
    }
}
