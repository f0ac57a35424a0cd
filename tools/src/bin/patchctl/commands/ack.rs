//! `patchctl ack`: a revision picked into the Android Common Kernel.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use patchctl::kernel::tree;
use patchctl::series::ack::{self, PickRequest};

/// Pick a revision into the Android Common Kernel.
///
/// Each patch of the revision becomes a commit on the 6.12 base, its
/// subject prefixed with where the change stands upstream, and below its
/// message the ACK's trailers, Bug:, a Gerrit Change-Id: as the
/// commit-msg hook computes it, and your Signed-off-by:
///
///   UPSTREAM:  in mainline; (cherry picked from commit <sha>)
///   FROMGIT:   applied by a maintainer to their tree, not in mainline yet;
///              (cherry picked from commit <sha> <tree> <branch>)
///   FROMLIST:  posted on a list only; Link: to the patch's own mail on lore
///   BACKPORT:  in mainline, but changed to apply; a [note] of what changed
///              and (cherry picked from commit <sha>)
///
/// --kind auto, the default, decides each patch on its own, in this order:
///
///   1. UPSTREAM when --tree (a kernel git repository, e.g. a mainline
///      clone) holds a commit with the patch's patch-id. A commit that
///      matches by subject only is refused: pick that as a backport.
///   2. FROMGIT when the series' stored thread (threads/*.mbox, as
///      `patchctl am` keeps it) holds a reply that applied the patch and
///      names its commit, the tree and the branch, as b4's thank-you does
///      ("Applied to <tree> (<branch>), thanks!" over "[2/3] <subject>" and
///      "commit: <sha>"), sent by a maintainer of the files the revision
///      touches (an M: of theirs in --maintainers). Anyone else's reply,
///      or "I applied it locally to test", does not count.
///   3. FROMLIST otherwise, with the patch's Message-ID from series.toml.
///
/// Each patch's prefix, and why, is printed as it is picked. --kind
/// fromlist, upstream or backport gives every patch that kind instead.
/// The picks are written to patches/<series>/android/ and, with --branch,
/// left on a new branch of the kernel repository.
///
/// Examples:
///   patchctl ack --series patches/my-series --revision v2 --bug 123456789 \
///       --tree ~/src/linux --maintainers ~/src/linux/MAINTAINERS \
///       --branch android16-6.12-my-series
///   patchctl ack --series patches/my-series --revision v1 --bug 123456789 --kind fromlist
///   patchctl ack --series patches/my-series --revision v1 --bug 123456789 --kind backport \
///       --upstream-sha <sha> --note "context differs in 6.12"
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    #[command(flatten)]
    request: PickRequest,
    /// Pristine kernel source or repository (default: the cached linux-source-6.12).
    #[arg(long, env = "KDIR")]
    kdir: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<ExitCode> {
    // The kernel base as a repository is the kernel layer's to make.
    let mut progress = std::io::stderr();
    let cache = tree::cache_dir()?;
    let source = args.kdir.unwrap_or_else(|| cache.join(tree::KERNEL_SOURCE));
    let version = tree::kernel_version(&source)?;
    let base = tree::base_repository(&source, &cache, &version, &mut progress)?;
    for f in ack::pick(&args.request, &base, &mut progress)? {
        println!("{}", f.display());
    }
    Ok(ExitCode::SUCCESS)
}
