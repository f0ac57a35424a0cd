//! `patchctl export`: KUnit results as JUnit XML and KCIDB JSON.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Result};
use patchctl::kernel::{export, record};
use patchctl::util;

/// Write KUnit results in the formats CI systems read.
///
/// Reads a run's results files (by default the last `patchctl kunit` run,
/// in target/patchctl/results; or a git revision whose results/ holds the
/// committed record) and writes JUnit XML (one test case per KUnit case
/// and parameter, failure messages and skip reasons; GitLab and Jenkins
/// show it natively) and/or KCIDB JSON (checkouts, builds and tests as
/// KernelCI's database takes them, timing figures as numeric test outputs).
#[derive(clap::Args)]
pub struct Args {
    /// The run: a results directory or a git revision.
    #[arg(
        long,
        value_name = "DIR|REV",
        default_value = "target/patchctl/results"
    )]
    results: String,
    /// Write JUnit XML here.
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Write KCIDB JSON here.
    #[arg(long, value_name = "FILE")]
    kcidb: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<ExitCode> {
    if args.junit.is_none() && args.kcidb.is_none() {
        bail!("nothing to write: give --junit FILE, --kcidb FILE or both");
    }
    let records = record::load_run(&args.results, &std::env::current_dir()?)?;
    write(&records, args.junit.as_ref(), args.kcidb.as_ref())?;
    Ok(ExitCode::SUCCESS)
}

/// Writes the formats asked for (also used by `patchctl kunit`).
pub fn write(
    records: &[patchctl::kernel::record::KunitRecord],
    junit: Option<&PathBuf>,
    kcidb: Option<&PathBuf>,
) -> Result<()> {
    if let Some(path) = junit {
        util::write_atomically(path, export::junit(records)?.as_bytes())?;
        eprintln!("patchctl: JUnit XML in {}", path.display());
    }
    if let Some(path) = kcidb {
        let text = serde_json::to_string_pretty(&export::kcidb(records))?;
        util::write_atomically(path, text.as_bytes())?;
        eprintln!("patchctl: KCIDB JSON in {}", path.display());
    }
    Ok(())
}
