//! `patchctl status`: where each revision stands.

use std::process::ExitCode;

use anyhow::Result;
use patchctl::review::{self, ops};

use patchctl::review::ops::ReviewSetup;

/// Where each revision stands: state, trailers, verdicts with evidence,
/// open questions, and the next step for the author.
///
/// Reads the threads in the review store (patchctl fetch puts them
/// there); roles come from the kernel tree's MAINTAINERS.
#[derive(clap::Args)]
pub struct Args {
    /// Print JSON for scripts.
    #[arg(long)]
    json: bool,
    /// A kernel git tree to look for landed patches in: each patch is
    /// found by its patch-id (the subject as a fallback, said so), with the
    /// first tag that contains it; a revision whose patches all landed is
    /// accepted.
    #[arg(long, value_name = "REPO")]
    tree: Option<std::path::PathBuf>,
    /// Commits of --tree to look at, newest first.
    #[arg(long, default_value_t = patchctl::review::upstream::DEFAULT_LIMIT, requires = "tree")]
    upstream_limit: usize,
    #[command(flatten)]
    review: ReviewSetup,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let upstream = args.tree.as_deref().map(|t| (t, args.upstream_limit));
    let state = ops::status(&args.review, upstream, &mut std::io::stderr())?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&state)?);
    } else {
        print!("{}", review::render(&state));
    }
    Ok(ExitCode::SUCCESS)
}
