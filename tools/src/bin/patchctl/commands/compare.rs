//! `patchctl compare`: the regression gate on stored runs, without a build.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use patchctl::kernel::{compare, record};

/// Compare a run's KUnit figures with a stored run (the regression gate).
///
/// Reads the results files of a run (by default the last `patchctl kunit`
/// run, in target/patchctl/results) and the stored run given as a results
/// directory or a git revision whose results/ holds the committed record.
/// Every figure of the same series, revision, arch and config that moved
/// is reported as new/old (medians). A figure fails (exit 1) only when
/// its range of runs lies wholly above the stored one's (ranges that
/// overlap, or touch, are no difference measured) and its median is slower
/// by more than the threshold; unless the two runs came from different
/// machines, which is reported instead. A figure from a record written
/// before the suite printed ranges has its minimum only: it is judged by
/// its minimum against the threshold, and marked so. `patchctl kunit
/// --compare` does the same after a run.
#[derive(clap::Args)]
pub struct Args {
    /// The stored run: a results directory, or a git revision (HEAD, a tag).
    #[arg(value_name = "DIR|REV")]
    stored: String,
    /// The run to judge.
    #[arg(long, default_value = "target/patchctl/results")]
    results: PathBuf,
    /// The threshold as a fraction (0.25: a median 25% slower, with the
    /// ranges apart, fails). Default: the stored run's own spread, at
    /// least 10%.
    #[arg(long)]
    threshold: Option<f64>,
    /// Print JSON for scripts.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let workspace = std::env::current_dir()?;
    let stored = record::load_run(&args.stored, &workspace)?;
    let new = record::load_run(&args.results.to_string_lossy(), &workspace)?;
    let c = compare::compare(&new, &stored, args.threshold);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&c)?);
    } else {
        print!("{}", c.render());
    }
    Ok(if c.failed() {
        eprintln!(
            "patchctl: {} figure(s) slower than the threshold",
            c.regressions.len()
        );
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
