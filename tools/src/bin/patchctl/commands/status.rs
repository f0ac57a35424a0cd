//! `patchctl status`: where each revision stands.

use std::process::ExitCode;

use anyhow::Result;
use patchctl::review::{self, ops};

use super::ReviewArgs;

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
    #[command(flatten)]
    review: ReviewArgs,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let state = ops::status(&args.review.setup(), &mut std::io::stderr())?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&state)?);
    } else {
        print!("{}", review::render(&state));
    }
    Ok(ExitCode::SUCCESS)
}
