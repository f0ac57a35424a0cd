//! patchctl: carry a kernel patch from its first posting to v2 and into the
//! Android Common Kernel.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};

use patchctl::{bench, kunit, machine::Machine, tree};

#[derive(Parser)]
#[command(
    name = "patchctl",
    version,
    about = "Kernel patch maintenance workspace: series, review state, KUnit figures, revisions",
    long_about = "patchctl keeps a kernel patch series from its first posting through review to \
the next revision and into vendor kernels.\n\nThe series this workspace carries is \
\"dma-buf: system_heap: Optimize sg_table-to-pages conversion in vmap\"; its revisions live \
under patches/."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print the userspace benchmark table from criterion's figures.
    ///
    /// Reads target/criterion/sgvmap_2g/*/new/estimates.json, written by
    /// `cargo bench -p rust-heap --bench sgvmap` (`make bench` runs both), and
    /// prints each conversion's median with its speed-up over the pre-patch
    /// walk and its ratio to the store-loop floor, then the targets.
    Bench {
        /// criterion's output folder.
        #[arg(long, default_value = "target/criterion")]
        criterion_dir: PathBuf,
        /// Print JSON instead of the table.
        #[arg(long)]
        json: bool,
        /// Also write the JSON report to this file.
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Exit with status 1 when a target is missed.
        #[arg(long)]
        check: bool,
    },
    /// Build real kernels and run the KUnit suite on them, for each revision and arch.
    ///
    /// For every revision (`baseline`, or a directory under the series such
    /// as `v1`), a copy of the kernel source gets the revision's patches and
    /// the suite from kunit/, then the tree's own tools/testing/kunit/kunit.py
    /// builds and boots it (UML, or arm64 under QEMU). The KTAP it prints is
    /// parsed: any failed or missing case fails the command. Figures go to
    /// results/kunit-<series>-<revision>-<arch>.json and into one comparison table.
    ///
    /// Trees and build directories live in ~/.cache/patchctl and are reused.
    Kunit {
        /// Architectures: um, arm64. Repeat or separate with commas.
        #[arg(long = "arch", value_delimiter = ',', default_value = "um")]
        arches: Vec<String>,
        /// Revisions: baseline, v1, ... Repeat or separate with commas.
        #[arg(
            long = "revision",
            value_delimiter = ',',
            default_value = "baseline,v1"
        )]
        revisions: Vec<String>,
        /// The series directory holding the revision directories.
        #[arg(long, default_value = "patches/system-heap-vmap")]
        series: PathBuf,
        /// Pristine kernel source (never written to). Default: the cached
        /// Debian linux-source-6.12 that `scripts/deps.sh kernel-source` extracts.
        #[arg(long, env = "KDIR")]
        kdir: Option<PathBuf>,
        /// Parallel make jobs.
        #[arg(long, default_value_t = std::thread::available_parallelism().map_or(2, |n| n.get()))]
        jobs: usize,
        /// Where the JSON results go.
        #[arg(long, default_value = "results")]
        results: PathBuf,
        /// Print the results as JSON instead of the table.
        #[arg(long)]
        json: bool,
    },
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Bench {
            criterion_dir,
            json,
            output,
            check,
        } => {
            let report = bench::load(&criterion_dir, Machine::this())?;
            let text = serde_json::to_string_pretty(&report)?;
            if let Some(path) = output {
                write_atomically(&path, &text)?;
            }
            if json {
                println!("{text}");
            } else {
                print!("{}", bench::render(&report));
            }
            let missed = report.targets.iter().any(|t| !t.met);
            Ok(if check && missed {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Kunit {
            arches,
            revisions,
            series,
            kdir,
            jobs,
            results,
            json,
        } => run_kunit(&arches, &revisions, &series, kdir, jobs, &results, json),
    }
}

fn run_kunit(
    arches: &[String],
    revisions: &[String],
    series: &std::path::Path,
    kdir: Option<PathBuf>,
    jobs: usize,
    results: &std::path::Path,
    json: bool,
) -> Result<ExitCode> {
    let cache = tree::cache_dir()?;
    let source = kdir.unwrap_or_else(|| cache.join("linux-source-6.12"));
    let version = tree::kernel_version(&source).with_context(|| {
        "no kernel source: run `scripts/deps.sh kernel-source` (or `make deps`), or pass --kdir"
    })?;
    let workspace = std::env::current_dir()?;
    let suite = kunit::Suite::in_workspace(&workspace);
    let arches = arches
        .iter()
        .map(|a| kunit::Arch::parse(a))
        .collect::<Result<Vec<_>>>()?;
    for &arch in &arches {
        kunit::check_tools(arch)?;
    }
    let revisions = revisions
        .iter()
        .map(|r| tree::Revision::resolve(series, r))
        .collect::<Result<Vec<_>>>()?;
    let series_name = series
        .file_name()
        .map_or("series".into(), |n| n.to_string_lossy().to_string());

    let mut all = Vec::new();
    let mut failed = false;
    let mut stderr = std::io::stderr();
    for revision in &revisions {
        let tree_dir = cache
            .join("trees")
            .join(format!("{series_name}-{}", revision.name));
        eprintln!(
            "patchctl: {} on Linux {version}: preparing {}",
            revision.name,
            tree_dir.display()
        );
        let base = tree::base_repository(&source, &cache, &version)?;
        let tree_name = format!("{series_name}-{}", revision.name);
        tree::prepare(&base, revision, &tree_name, &tree_dir)?;
        kunit::place_suite(&tree_dir, &suite)?;
        for &arch in &arches {
            let build = cache.join("build").join(format!(
                "{series_name}-{}-{}-c",
                revision.name,
                arch.name()
            ));
            let log = build.join("kunit.log");
            eprintln!(
                "patchctl: {} / {}: kunit.py (build in {})",
                revision.name,
                arch.name(),
                build.display()
            );
            let result =
                kunit::run_kunit(&tree_dir, &suite, arch, &build, &log, jobs, &mut stderr)?;
            let failures = result.run.failures();
            for (path, test) in &failures {
                eprintln!("patchctl: FAILED {path}: {}", test.diagnostics.join(" | "));
            }
            for m in &result.run.missing {
                eprintln!(
                    "patchctl: MISSING results under {}: {} of {} (crash or hang? see {})",
                    m.parent,
                    m.seen,
                    m.planned,
                    log.display()
                );
            }
            for (path, reason) in result.run.skips() {
                eprintln!("patchctl: skipped {path}: {reason}");
            }
            let run_failed = !failures.is_empty()
                || !result.run.missing.is_empty()
                || result.exit_code != Some(0)
                || result.run.passed() == 0;
            failed |= run_failed;
            let record = serde_json::json!({
                "series": series_name,
                "revision": revision.name,
                "kernel": version,
                "arch": arch.name(),
                "config": "C",
                "machine": Machine::this(),
                "passed": result.run.passed(),
                "failed": failures.iter().map(|(p, _)| p.clone()).collect::<Vec<_>>(),
                "missing": result.run.missing,
                "skipped": result.run.skips(),
                "figures": result.run.figures,
                "log": log,
            });
            write_atomically(
                &results.join(format!(
                    "kunit-{series_name}-{}-{}.json",
                    revision.name,
                    arch.name()
                )),
                &serde_json::to_string_pretty(&record)?,
            )?;
            all.push((
                record,
                kunit::RevisionFigures {
                    revision: revision.name.clone(),
                    arch: arch.name().into(),
                    figures: result.run.figures.clone(),
                },
            ));
        }
    }
    if json {
        let records: Vec<_> = all.iter().map(|(r, _)| r.clone()).collect();
        println!("{}", serde_json::to_string_pretty(&records)?);
    } else {
        let figures: Vec<_> = all.into_iter().map(|(_, f)| f).collect();
        println!("KUnit on Linux {version}, minimum of repeated runs per figure");
        print!("{}", kunit::render_table(&figures));
    }
    Ok(if failed {
        eprintln!("patchctl: KUnit run FAILED (see the lines above)");
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// Writes through a temporary file and a rename: a reader never sees half.
fn write_atomically(path: &std::path::Path, text: &str) -> Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, text).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path)
        .with_context(|| format!("cannot rename {} to {}", tmp.display(), path.display()))?;
    Ok(())
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("patchctl: {err:#}");
            ExitCode::from(2)
        }
    }
}
