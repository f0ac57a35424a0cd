//! `patchctl bench`: the userspace benchmark's table from criterion's figures.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use patchctl::{bench, machine::Machine, util};

/// Print the userspace benchmark table from criterion's figures.
///
/// Reads target/criterion/sgvmap_2g/*/new/estimates.json, written by
/// `cargo bench -p rust-heap --bench sgvmap` (`make bench` runs both), and
/// prints each conversion's median with its speed-up over the pre-patch
/// walk and its ratio to the floor (the fastest of a C and a Rust store
/// loop, memset and memcpy from a prepared array), then the issue's
/// targets. A conversion whose median's 95% interval lies below the
/// floor's is an error: the command then exits with status 1.
#[derive(clap::Args)]
pub struct Args {
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
}

pub fn run(args: Args) -> Result<ExitCode> {
    let report = bench::load(&args.criterion_dir, Machine::this())?;
    let text = serde_json::to_string_pretty(&report)?;
    if let Some(path) = &args.output {
        util::write_atomically(path, text.as_bytes())?;
    }
    if args.json {
        println!("{text}");
    } else {
        print!("{}", bench::render(&report));
    }
    let missed = report.targets.iter().any(|t| !t.met);
    Ok(if !report.below_floor.is_empty() {
        eprintln!("patchctl: a conversion beat the floor (see BELOW FLOOR above)");
        ExitCode::FAILURE
    } else if args.check && missed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
