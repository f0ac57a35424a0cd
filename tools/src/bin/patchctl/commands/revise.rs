//! `patchctl revise`: the next revision of a series from a branch.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use patchctl::orchestrate::quote::{self, RecordFigures};
use patchctl::series::revise::{self, Measured, ReviseRequest};
use patchctl::series::Manifest;

/// Write the next revision of a series from a branch in a kernel tree.
///
/// The commits base..head become patches/<series>/v<N>/ in git
/// format-patch form ([PATCH vN i/M]), N one past the manifest's newest
/// revision: trailers collected in review (from the review store) are
/// added above the submitter's Signed-off-by, the changelog and a link to
/// the previous revision go below ---, To/Cc come from the tree's
/// scripts/get_maintainer.pl plus the previous thread's participants, and
/// scripts/checkpatch.pl --strict checks every patch (errors fail the
/// command). The branch is only read; a dirty tree is refused; nothing
/// is left half-written.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    request: ReviseRequest,
    /// KUnit results JSON files whose figures go into the cover letter.
    #[arg(long = "results")]
    results: Vec<PathBuf>,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let mut req = args.request;
    req.sender = req
        .sender
        .or_else(|| patchctl::series::identity::git_sender(Some(&req.tree)));
    // The record is the kernel layer's: read here and handed down, so
    // that the series layer never reaches up into it.
    let measured = match args.results.is_empty() {
        true => None,
        false => {
            let manifest = Manifest::load(&req.series)?;
            Some(Measured {
                table: quote::cover_table(&args.results, &manifest)?,
                figures: Box::new(RecordFigures::load(&manifest.name, &args.results)?),
            })
        }
    };
    let revised = revise::next_revision(&req, measured.as_ref(), &mut std::io::stderr())?;
    for c in &revised.checkpatch {
        println!("checkpatch {}: {}", c.mail.display(), c.summary);
    }
    for f in &revised.files {
        println!("{}", f.display());
    }
    for n in &revised.notes {
        println!("not carried: {n}");
    }
    println!(
        "v{} written to {} and recorded in series.toml; add its Message-ID there once posted",
        revised.version,
        revised.dir.display()
    );
    Ok(ExitCode::SUCCESS)
}
