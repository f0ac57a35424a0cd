//! `patchctl ack`: a revision picked into the Android Common Kernel.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use patchctl::kernel::tree;
use patchctl::review::fetch;
use patchctl::series::ack::{self, KindName, PickRequest};

/// Pick a revision into the Android Common Kernel.
///
/// Each patch of the revision becomes a commit on the 6.12 base with the
/// ACK's prefix: FROMLIST: (posted, not merged; Link: to the patch on
/// lore), UPSTREAM: (merged; --upstream-sha) or BACKPORT: (merged but
/// changed to apply; --upstream-sha and --note), then Bug:, a Gerrit
/// Change-Id: as the commit-msg hook computes it, and your Signed-off-by.
/// The picks are written to patches/<series>/android/ and, with
/// --branch, left on a new branch of the kernel repository.
#[derive(clap::Args)]
pub struct Args {
    /// The revision to pick (a directory of the series, e.g. v1).
    #[arg(long)]
    revision: String,
    /// The Android tracking bug.
    #[arg(long)]
    bug: String,
    /// Which kind of pick.
    #[arg(long, value_enum, default_value = "fromlist")]
    kind: KindName,
    /// The upstream commit (upstream, backport). Without it, --tree is
    /// searched for the patch by its patch-id.
    #[arg(long)]
    upstream_sha: Option<String>,
    /// The kernel tree the patch landed in (for --kind upstream without
    /// --upstream-sha).
    #[arg(long, value_name = "REPO")]
    tree: Option<PathBuf>,
    /// What a backport changed.
    #[arg(long)]
    note: Option<String>,
    /// You, as "Name <address>" (default: git's user.name and user.email).
    #[arg(long)]
    picker: Option<String>,
    /// Leave the picks on this new branch of the kernel repository.
    #[arg(long)]
    branch: Option<String>,
    /// The base to pick onto, in the kernel repository.
    #[arg(long, default_value = "HEAD")]
    onto: String,
    /// Pristine kernel source or repository (default: the cached linux-source-6.12).
    #[arg(long, env = "KDIR")]
    kdir: Option<PathBuf>,
    /// The series directory.
    #[arg(long, default_value = "patches/system-heap-vmap")]
    series: PathBuf,
    /// lore's address, for Link:.
    #[arg(long, default_value = fetch::DEFAULT_BASE)]
    lore: String,
}

pub fn run(args: Args) -> Result<ExitCode> {
    // The kernel base as a repository is the kernel layer's to make.
    let mut progress = std::io::stderr();
    let cache = tree::cache_dir()?;
    let source = args.kdir.unwrap_or_else(|| cache.join(tree::KERNEL_SOURCE));
    let version = tree::kernel_version(&source)?;
    let base = tree::base_repository(&source, &cache, &version, &mut progress)?;
    let req = PickRequest {
        kind: args.kind,
        upstream_sha: args.upstream_sha,
        note: args.note,
        upstream_tree: args.tree,
        revision: args.revision,
        bug: args.bug,
        picker: args.picker,
        branch: args.branch,
        onto: args.onto,
        series: args.series,
        lore: args.lore,
    };
    for f in ack::pick(&req, &base, &mut progress)? {
        println!("{}", f.display());
    }
    Ok(ExitCode::SUCCESS)
}
