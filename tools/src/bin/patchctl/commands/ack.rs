//! `patchctl ack`: a revision picked into the Android Common Kernel.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use patchctl::kernel::tree;
use patchctl::series::ack::{self, PickRequest};

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
