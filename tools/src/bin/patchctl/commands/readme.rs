//! `patchctl readme`: the README's figure tables drawn again from the
//! record.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use patchctl::{readme, util};

/// Draw the README's figure tables again from the committed record.
///
/// Every block between `<!-- generated: NAME -->` and `<!-- end generated
/// -->` is replaced by the table its record in --results gives
/// (review-speed: bench-review.json; userspace-bench:
/// bench-userspace.json). `make record` runs this after copying a new run
/// into results/. With --check nothing is written: the command fails,
/// naming the stale blocks, when the README no longer says what the
/// record does.
#[derive(clap::Args)]
pub struct Args {
    /// The README to update.
    #[arg(long, default_value = "README.md")]
    file: PathBuf,
    /// The record the tables are drawn from.
    #[arg(long, default_value = "results")]
    results: PathBuf,
    /// Only check; exit 1 when a block is stale.
    #[arg(long)]
    check: bool,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let text = std::fs::read_to_string(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    if args.check {
        let stale = readme::stale_blocks(&text, &args.results)?;
        if stale.is_empty() {
            return Ok(ExitCode::SUCCESS);
        }
        for name in stale {
            eprintln!(
                "{}: generated block {name:?} differs from {}: run `patchctl readme` (or make record)",
                args.file.display(),
                args.results.display()
            );
        }
        return Ok(ExitCode::from(1));
    }
    let fresh = readme::regenerate(&text, &args.results)?;
    if fresh != text {
        util::write_atomically(&args.file, fresh.as_bytes())?;
        println!("{}: generated blocks drawn again", args.file.display());
    }
    Ok(ExitCode::SUCCESS)
}
