//! What `patchctl ack` asks for, and its resolution into the picks to
//! make: the revision, each patch's Message-ID and prefix, and the picker.

use std::fs;
use std::path::PathBuf;

use anyhow::{Context, Result};
use git2::Repository;

use super::{ack, decide, threads, AckOptions, KindName};
use crate::mail::address;
use crate::mail::message_id::MessageId;
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
    /// Which prefix: auto decides each patch from its state (UPSTREAM
    /// when --tree holds it, FROMGIT when a maintainer's reply in the
    /// series' thread applied it, FROMLIST otherwise); fromlist, upstream
    /// or backport is every patch's.
    #[arg(long, value_enum, default_value = "auto")]
    pub kind: KindName,
    /// The upstream commit, for --kind upstream or backport of a
    /// revision of one patch. Without it, --tree is searched for each
    /// patch by its patch-id.
    #[arg(long)]
    pub upstream_sha: Option<String>,
    /// A kernel git repository the patches may have landed in (e.g. a
    /// mainline clone; the newest 20,000 commits of its HEAD): a patch
    /// it holds as a commit with the same patch-id is UPSTREAM, picked
    /// from that commit.
    #[arg(long = "tree", value_name = "REPO")]
    pub upstream_tree: Option<PathBuf>,
    /// The MAINTAINERS file that says who maintains the revision's files:
    /// only their "applied" replies, naming commit, tree and branch, make
    /// a patch FROMGIT; a tree named short (input.git) is their T: tree
    /// (default: the cached linux-source-6.12's).
    #[arg(long, value_name = "FILE")]
    pub maintainers: Option<PathBuf>,
    /// A newer copy of the series' thread (an mbox, .gz too), read beside
    /// the threads stored with the series: a maintainer's "applied" reply
    /// that came after `patchctl am` counts without importing again.
    /// Repeat for several.
    #[arg(long = "thread", value_name = "MBOX")]
    pub threads: Vec<PathBuf>,
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
    /// The series directory (patches/<slug>, as patchctl am writes it).
    #[arg(long)]
    pub series: PathBuf,
    /// lore's address, for Link:.
    #[arg(long, default_value = crate::review::fetch::DEFAULT_BASE)]
    pub lore: String,
}

/// Picks a revision as `patchctl ack` does: resolves the revision, each
/// patch's prefix and Message-ID, and the picker, makes the picks on
/// `base` (the kernel base as a repository, which the caller prepares),
/// and records the picked revision in series.toml. Returns the files
/// written.
pub fn pick(
    req: &PickRequest,
    base: &Repository,
    progress: &mut dyn std::io::Write,
) -> Result<Vec<PathBuf>> {
    let rev = revision::resolve(&req.series, &req.revision)?;
    let manifest = Manifest::load(&req.series)?;
    let mut patches = Vec::new();
    for path in &rev.patches {
        let raw = fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        patches.push(patch::parse(&raw, &path.display().to_string())?);
    }
    let posted = posted_ids(&manifest, &req.revision, patches.len());
    let state = match req.kind {
        KindName::Auto => threads::review_state(
            &req.series,
            &req.threads,
            req.maintainers.as_deref(),
            progress,
        )?,
        _ => None,
    };
    let version = manifest.revision(&req.revision).map(|r| r.version);
    let known: Vec<MessageId> = posted.iter().flatten().cloned().collect();
    let review = state
        .as_ref()
        .zip(version)
        .and_then(|(s, v)| threads::revision_in(s, v, &known));
    // A patch's Message-ID: series.toml's [[posted]], else the thread's.
    let message_ids: Vec<Option<MessageId>> = posted
        .into_iter()
        .enumerate()
        .map(|(i, id)| {
            id.or_else(|| {
                review
                    .and_then(|r| r.patches.iter().find(|p| p.index == i as u32 + 1))
                    .map(|p| p.message_id.clone())
            })
        })
        .collect();
    let facts = decide::Facts {
        patches: &patches,
        message_ids: &message_ids,
        review,
    };
    let picks = decide::picks(req, &facts)?;
    let (name, email) = picker(req)?;
    let scratch = crate::sources::cache_dir()?.join("trees");
    let files = ack(
        &AckOptions {
            base,
            onto: &req.onto,
            revision: &rev,
            picks,
            bug: &req.bug,
            picker: (&name, &email),
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

/// Each patch's own Message-ID as series.toml records it: the
/// `[[posted]]` entry of the revision's version, or for a revision of
/// one patch, the revision's Message-ID.
fn posted_ids(manifest: &Manifest, revision: &str, n: usize) -> Vec<Option<MessageId>> {
    let entry = manifest.revision(revision);
    let posted = entry.and_then(|e| manifest.posted.iter().find(|p| p.version == e.version));
    (1..=n as u32)
        .map(|i| {
            let from_posted = posted
                .and_then(|p| p.patch.iter().find(|x| x.index == i))
                .map(|x| x.message_id.clone());
            from_posted.or_else(|| entry.and_then(|e| e.message_id.clone()).filter(|_| n == 1))
        })
        .collect()
}

/// The picker as (name, address): --picker, else git's user.name and
/// user.email.
fn picker(req: &PickRequest) -> Result<(String, String)> {
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
    address::split(&picker)
        .with_context(|| format!("--picker {picker:?} must be \"Name <address>\""))
}
