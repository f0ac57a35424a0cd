//! `patchctl report`: charts and a page from stored KUnit results.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use patchctl::kernel::{record, report};
use patchctl::util;

/// Draw the charts and the evidence page from stored KUnit results.
///
/// Reads the results files of a run (by default the last `patchctl kunit`
/// run, in target/patchctl/results; `results` for the committed record; or
/// a git revision) and writes OUT/charts/*.svg, one chart per question
/// (loops.svg, whole-map.svg, rust-vs-c.svg, heap-ops.svg: time against
/// buffer size on log axes, a panel per arch and kernel, at most five
/// lines each named at its end, each point a median with a bar from the
/// fastest to the slowest run; charts of other names there are removed),
/// OUT/index.html, a page that stands alone and reads at 400 px wide: the
/// charts, the tables as HTML tables (units in the headers, sortable), the
/// machine and kernel behind every figure, and links to the raw JSON; and
/// OUT/tables.md, the tables alone, for the README to point at. Nothing
/// is built or run.
#[derive(clap::Args)]
pub struct Args {
    /// The run: a results directory or a git revision.
    #[arg(
        long,
        value_name = "DIR|REV",
        default_value = "target/patchctl/results"
    )]
    results: String,
    /// Where the page and the charts go.
    #[arg(long, default_value = "target/patchctl/report")]
    out: PathBuf,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let records = record::load_run(&args.results, &std::env::current_dir()?)?;
    std::fs::create_dir_all(&args.out)?;
    let results = PathBuf::from(&args.results);
    let json = if results.is_dir() {
        Some(util::relative_path(&args.out, &results)?)
    } else {
        None
    };
    let written = report::write(&records, &args.out, json.as_deref())?;
    for c in &written.charts {
        println!("{}", c.display());
    }
    println!("{}", written.page.display());
    println!("{}", written.tables.display());
    Ok(ExitCode::SUCCESS)
}
