//! What `patchctl ack` asks for, and its resolution into the picks to
//! make: the revision, its Message-IDs, the upstream commit and the picker.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use git2::Repository;

use super::{ack, AckOptions, Kind, KindName};
use crate::kernel::checkout::Checkout;
use crate::mail::address;
use crate::mail::patch;
use crate::series::manifest::{self, Manifest, ManifestFile};
use crate::series::revision;

/// What `patchctl ack` asks for, before anything is resolved: the
/// command line and the library take this one type.
#[derive(Debug, Clone, clap::Args)]
pub struct PickRequest {
    /// The revision to pick (a directory of the series, e.g. v1).
    #[arg(long)]
    pub revision: String,
    /// The Android tracking bug.
    #[arg(long)]
    pub bug: String,
    /// Which kind of pick.
    #[arg(long, value_enum, default_value = "fromlist")]
    pub kind: KindName,
    /// The upstream commit (upstream, backport). Without it, --tree is
    /// searched for the patch by its patch-id.
    #[arg(long)]
    pub upstream_sha: Option<String>,
    /// The kernel tree the patch landed in (for --kind upstream without
    /// --upstream-sha).
    #[arg(long = "tree", value_name = "REPO")]
    pub upstream_tree: Option<PathBuf>,
    /// What a backport changed.
    #[arg(long)]
    pub note: Option<String>,
    /// You, as "Name <address>" (default: git's user.name and user.email).
    #[arg(long)]
    pub picker: Option<String>,
    /// Leave the picks on this new branch of the kernel repository.
    #[arg(long)]
    pub branch: Option<String>,
    /// The base to pick onto, in the kernel repository.
    #[arg(long, default_value = "HEAD")]
    pub onto: String,
    /// The series directory.
    #[arg(long, default_value = "patches/system-heap-vmap")]
    pub series: PathBuf,
    /// lore's address, for Link:.
    #[arg(long, default_value = crate::review::fetch::DEFAULT_BASE)]
    pub lore: String,
}

/// Picks a revision as `patchctl ack` does: resolves the revision, its
/// Message-IDs and the picker, makes the picks on `base` (the kernel base
/// as a repository, which the caller prepares), and records the picked
/// revision in series.toml. Returns the files written.
pub fn pick(
    req: &PickRequest,
    base: &Repository,
    progress: &mut dyn std::io::Write,
) -> Result<Vec<PathBuf>> {
    let rev = revision::resolve(&req.series, &req.revision)?;
    let manifest = Manifest::load(&req.series)?;
    let sha = match (&req.upstream_sha, &req.upstream_tree, req.kind) {
        (None, Some(upstream), KindName::Upstream | KindName::Backport) => {
            Some(landed_commit(upstream, &rev)?)
        }
        (sha, _, _) => sha.clone(),
    };
    let kind = Kind::from_parts(req.kind, sha, req.note.clone())?;
    // One Message-ID per patch: the manifest's for a single patch.
    let message_ids: Vec<String> = match manifest
        .revision(&req.revision)
        .and_then(|e| e.message_id.clone())
    {
        Some(id) if rev.patches.len() == 1 => vec![id],
        _ => Vec::new(),
    };
    let picker = match &req.picker {
        Some(p) => p.clone(),
        None => {
            let cfg = git2::Config::open_default()?;
            format!(
                "{} <{}>",
                cfg.get_string("user.name")?,
                cfg.get_string("user.email")?
            )
        }
    };
    let (name, email) = address::split(&picker)
        .with_context(|| format!("--picker {picker:?} must be \"Name <address>\""))?;
    let scratch = crate::sources::cache_dir()?.join("trees");
    let files = ack(
        &AckOptions {
            base,
            onto: &req.onto,
            revision: &rev,
            message_ids,
            bug: &req.bug,
            picker: (&name, &email),
            kind,
            out: &req.series.join(manifest::ANDROID),
            branch: req.branch.as_deref(),
            scratch: &scratch,
            lore: &req.lore,
        },
        progress,
    )?;
    let mut file = ManifestFile::open(&req.series)?;
    file.set_android_revision(&req.revision);
    file.save()?;
    Ok(files)
}

/// The commit `upstream` holds the revision's one patch as: found by its
/// patch-id, as `patchctl status --tree` finds it.
fn landed_commit(upstream: &Path, rev: &Checkout) -> Result<String> {
    let [path] = rev.patches.as_slice() else {
        bail!(
            "{} has {} patches: give --upstream-sha, one pick per patch",
            rev.name,
            rev.patches.len()
        );
    };
    let repo = Repository::open(upstream)
        .with_context(|| format!("{} is not a git repository", upstream.display()))?;
    let text =
        fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mail = patch::parse(text.as_bytes(), &path.display().to_string())?;
    let index = crate::review::upstream::UpstreamIndex::scan(
        &repo,
        crate::review::upstream::DEFAULT_LIMIT,
    )?;
    match index.find(crate::mail::patch_id::patch_id(&mail.diff).as_deref(), &mail.subject) {
        Some(l) if l.matched_by == crate::review::state::MatchedBy::PatchId => Ok(l.commit),
        Some(l) => bail!(
            "{} matches {} only by subject: the change was edited on the way in; pick it as --kind backport with --upstream-sha {} and a --note",
            rev.name,
            &l.commit[..12],
            l.commit
        ),
        None => bail!(
            "{} is not in {} (looked by patch-id and subject): give --upstream-sha",
            rev.name,
            upstream.display()
        ),
    }
}
