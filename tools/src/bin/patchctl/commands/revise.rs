//! `patchctl revise`: the next revision of a series from a branch.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use patchctl::orchestrate::quote::{self, RecordFigures};
use patchctl::review::fetch;
use patchctl::series::revise::{self, Measured, ReviseRequest};
use patchctl::series::Manifest;

use super::ReviewArgs;

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
    /// The kernel tree (git repository) holding the branch.
    #[arg(long)]
    tree: PathBuf,
    /// The base revision the series applies to.
    #[arg(long)]
    base: String,
    /// Which kernel that base is, recorded in series.toml so that
    /// `patchctl kunit` builds the revision on it: `mainline` for a
    /// revision that goes upstream, `android` (6.12) for the picks' base.
    #[arg(long, value_enum, default_value = "android")]
    kernel_base: patchctl::series::manifest::Base,
    /// The branch (or revision) at the series' top.
    #[arg(long, default_value = "HEAD")]
    head: String,
    /// The series directory.
    #[arg(long, default_value = "patches/system-heap-vmap")]
    series: PathBuf,
    /// A changelog line (repeat for more).
    #[arg(long = "change")]
    changes: Vec<String>,
    /// Cover letter: a file whose first line is the title, the rest the text.
    #[arg(long)]
    cover: Option<PathBuf>,
    /// KUnit results JSON files whose figures go into the cover letter.
    #[arg(long = "results")]
    results: Vec<PathBuf>,
    /// Reply to this Message-ID (the previous cover letter).
    #[arg(long)]
    in_reply_to: Option<String>,
    /// lore's address, for the link to the previous revision.
    #[arg(long, default_value = fetch::DEFAULT_BASE)]
    lore: String,
    /// Write the revision even when checkpatch.pl reports errors.
    #[arg(long)]
    allow_checkpatch_errors: bool,
    /// Which KUnit-timed loop (before, v1, bounded) this revision's
    /// system_heap_do_vmap() runs, recorded in series.toml for the tables.
    #[arg(long = "loop")]
    timed_loop: Option<String>,
    /// A branch (or revision) of --tree holding the previous revision's
    /// commits on the same base: the cover letter gets `git range-diff`
    /// against it, as `git format-patch --range-diff` writes it.
    #[arg(long, value_name = "REV")]
    previous: Option<String>,
    /// A request for comments: subjects read [RFC PATCH i/N] (with vN from
    /// the second revision on).
    #[arg(long)]
    rfc: bool,
    /// Someone else to Cc on every mail, such as an earlier revision's
    /// authors (repeat for more).
    #[arg(long = "cc", value_name = "NAME <ADDRESS>")]
    cc: Vec<String>,
    /// Who sends the series, as `Name <address>`: the cover letter is from
    /// them and every patch ends with their Signed-off-by. Default:
    /// sendemail.from, else user.name and user.email, of --tree's git
    /// configuration first. To regenerate a series under your own name,
    /// set those (or pass this) and run revise again.
    #[arg(long, value_name = "NAME <ADDRESS>")]
    sender: Option<String>,
    #[command(flatten)]
    review: ReviewArgs,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let sender = args
        .sender
        .or_else(|| patchctl::series::identity::git_sender(Some(&args.tree)));
    // The record is the kernel layer's: read here and handed down, so
    // that the series layer never reaches up into it.
    let measured = match args.results.is_empty() {
        true => None,
        false => {
            let manifest = Manifest::load(&args.series)?;
            Some(Measured {
                table: quote::cover_table(&args.results, &manifest)?,
                figures: Box::new(RecordFigures::load(&manifest.name, &args.results)?),
            })
        }
    };
    let req = ReviseRequest {
        tree: args.tree,
        base: args.base,
        kernel_base: args.kernel_base,
        head: args.head,
        series: args.series,
        changes: args.changes,
        cover: args.cover,
        measured,
        in_reply_to: args.in_reply_to,
        lore: args.lore,
        allow_checkpatch_errors: args.allow_checkpatch_errors,
        timed_loop: args.timed_loop,
        previous: args.previous,
        rfc: args.rfc,
        sender,
        cc: args.cc,
        review: args.review.setup(),
    };
    let revised = revise::next_revision(&req, &mut std::io::stderr())?;
    for (f, summary) in &revised.checkpatch {
        println!("checkpatch {}: {summary}", f.display());
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
