//! `patchctl am`: a series from the list into the workspace.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use patchctl::mail::message_id::MessageId;
use patchctl::review::fetch;
use patchctl::series::am::{self, AmRequest};

/// Bring a series from the list into the workspace, in one step.
///
/// THREAD is a local .mbox / .mbox.gz file (read offline), a Message-ID,
/// or a lore URL (/r/<id>, /<list>/<id>/, /all/<id>/T/), which is fetched
/// as <base>/all/<id>/t.mbox.gz. The newest revision in the thread (or -v
/// N) is written as patches/<series>/vN/: the mails as posted, cover
/// letter first, each patch with the trailers given in review added below
/// its own, as b4 collects them:
///
///   - a trailer given to a patch is that patch's;
///   - one given to the cover letter (marked 0/N, or only the root of the
///     thread that the patches answer) is every patch's;
///   - one given to an earlier revision of a patch with the same patch-id
///     (git patch-id --stable) carries over; a changed patch gets none;
///   - it must be the sender's own (address, or name); `Name <address>`
///     is written with the name as given, quotes and all, a bare address
///     as it is; a URL counts only on a Link: or Closes:, a Fixes: only
///     with a commit hash, and only keys the kernel documents are taken
///     (b4 0.16 also takes any other `-by:` key and Buglink:).
///
/// series.toml records the revision: its Message-ID, the thread (stored
/// as threads/vN.mbox), its base (the base-commit: line of the mails, or
/// else whether the patches apply to the base tree, git apply --check),
/// and under [[posted]] every revision found in the thread, each patch
/// with its patch-id and the earlier patch it is the same as.
///
/// A series new to the workspace becomes patches/<slug>/ (from its
/// title, or --slug). A series the workspace holds (a Message-ID or the
/// subject in its series.toml) gets the new revision beside its others,
/// and nothing else changes. Nothing is written when anything fails.
///
/// Examples:
///   patchctl am ~/Downloads/t.mbox.gz
///   patchctl am https://lore.kernel.org/all/<message-id>/
///   patchctl am <message-id> -v 2 --slug my-series --json
///   patchctl am thread.mbox --kdir ~/linux      # try it on this tree
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Message-ID, lore URL, or mbox file.
    thread: String,
    /// The revision to write (default: the newest in the thread).
    #[arg(short = 'v', long = "version", value_name = "N")]
    version: Option<u32>,
    /// The series, when the thread holds several: a Message-ID of one of
    /// its mails.
    #[arg(long)]
    message_id: Option<MessageId>,
    /// The directory name for a series new to the workspace.
    #[arg(long)]
    slug: Option<String>,
    /// The workspace's patches directory.
    #[arg(long, default_value = "patches")]
    patches: PathBuf,
    /// The base tree to try the patches on when the mails name no base
    /// commit (default: the cached linux-source-6.12, when present).
    #[arg(long, env = "KDIR")]
    kdir: Option<PathBuf>,
    /// lore's address (tests point it at 127.0.0.1).
    #[arg(long, default_value = fetch::DEFAULT_BASE, env = "PATCHCTL_LORE")]
    base: String,
    /// Seconds per HTTP request.
    #[arg(long, default_value_t = 30)]
    timeout: u64,
    /// Print what was written as JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> Result<ExitCode> {
    if let Some(k) = args.kdir.as_ref().filter(|k| !k.is_dir()) {
        anyhow::bail!(
            "--kdir (or KDIR) {} is not a directory: expected the tree to try the patches on",
            k.display()
        );
    }
    let tree = args.kdir.or_else(|| {
        patchctl::sources::cached_source()
            .ok()
            .filter(|p| p.join("Makefile").exists())
    });
    let req = AmRequest {
        input: args.thread,
        version: args.version,
        message_id: args.message_id,
        patches: args.patches,
        slug: args.slug,
        tree,
        http: fetch::HttpOptions {
            base: args.base,
            timeout: std::time::Duration::from_secs(args.timeout),
            ..fetch::HttpOptions::default()
        },
    };
    let imported = am::am(&req, &mut std::io::stderr())?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&imported)?);
        return Ok(ExitCode::SUCCESS);
    }
    for p in &imported.patches {
        println!("{}", p.file.display());
        for t in &p.added {
            println!("    + {t}");
        }
    }
    for r in &imported.revisions {
        let same: Vec<String> = r
            .patches
            .iter()
            .filter_map(|p| p.same_as.as_ref().map(|s| format!("{} = {s}", p.index)))
            .collect();
        let same = match same.is_empty() {
            true => String::new(),
            false => format!("; unchanged: {}", same.join(", ")),
        };
        println!(
            "found v{}: {} patch(es), {}{same}",
            r.version,
            r.patches.len(),
            r.message_id
        );
    }
    println!("base: {}", imported.base.describe());
    println!(
        "v{} of {:?} written to {} and recorded in {}{}",
        imported.version,
        imported.title,
        imported.dir.display(),
        imported.series_dir.join("series.toml").display(),
        if imported.new_series {
            " (a new series)"
        } else {
            ""
        }
    );
    print_next_steps(&imported.series_dir, imported.version);
    Ok(ExitCode::SUCCESS)
}

/// What a user usually runs next on the series just brought in, with its
/// directory filled in: the slug is long, and every later command needs it.
fn print_next_steps(series: &std::path::Path, version: u32) {
    let s = series.display();
    println!("next:");
    println!("  patchctl kunit --series {s} --arch um,arm64     # the kernel's own KUnit suites, base against v{version}");
    println!("  patchctl check {s} v{version} --build um,arm64     # the gate, each patch built on its own");
    println!("  patchctl ack --series {s} --revision v{version} --bug <bug>     # the pick into android16-6.12");
}
