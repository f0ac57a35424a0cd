//! patchctl: carry a kernel patch from its first posting to v2 and into the
//! Android Common Kernel.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};

use patchctl::{bench, machine::Machine};

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
    }
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
