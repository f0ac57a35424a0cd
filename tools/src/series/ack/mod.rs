//! Picks for the Android Common Kernel: each patch of a revision as a
//! commit on the 6.12 base with the ACK's subject prefix its state
//! implies (`UPSTREAM:`, `FROMGIT:`, `FROMLIST:`, `BACKPORT:`), `Bug:`,
//! `Link:` or `(cherry picked from commit ...)`, a Gerrit `Change-Id:` computed the way Gerrit's commit-msg
//! hook computes it, and the picker's Signed-off-by; written as patch files
//! and, on request, left on a branch.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use git2::{Repository, Signature};

use crate::kernel::apply;
use crate::kernel::checkout::Checkout;
use crate::mail::message_id::MessageId;
use crate::mail::patch::{self, MailPatch};
use crate::staging::StagingDir;

mod decide;
mod message;
mod request;
mod scratch;
mod threads;

pub use message::{change_id, ident};
use message::{earlier_change_ids, pick_message, with_change_id};
pub use request::{pick, PickRequest};
use scratch::{remove_stale_scratch, Scratch};
pub use threads::short_tree;

/// The kinds of pick, by name, as `--kind` takes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum KindName {
    /// Each patch as its state implies: UPSTREAM when --tree holds it,
    /// FROMGIT when a maintainer's reply applied it naming commit, tree
    /// and branch, FROMLIST otherwise.
    Auto,
    /// Posted on a list, not merged.
    Fromlist,
    /// Merged upstream (needs the upstream commit).
    Upstream,
    /// Merged, changed to apply (needs the upstream commit and a note).
    Backport,
}

/// Which kind of pick.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// Posted on a list, not merged: `FROMLIST:` with a `Link:`.
    FromList,
    /// Merged upstream as `sha`: `UPSTREAM:` with `(cherry picked from ...)`.
    Upstream {
        /// The upstream commit.
        sha: String,
    },
    /// Applied by a maintainer to `tree`'s `branch` as `sha`, not yet
    /// upstream: `FROMGIT:` with `(cherry picked from commit sha tree
    /// branch)`.
    FromGit {
        /// The maintainer's commit.
        sha: String,
        /// The maintainer's tree.
        tree: String,
        /// Its branch.
        branch: String,
    },
    /// Merged, but changed to apply: `BACKPORT:` with a note of what changed.
    Backport {
        /// The upstream commit.
        sha: String,
        /// What was changed.
        note: String,
    },
}

impl Kind {
    /// The subject prefix it gives (without the colon).
    pub fn prefix(&self) -> &'static str {
        match self {
            Kind::FromList => "FROMLIST",
            Kind::Upstream { .. } => "UPSTREAM",
            Kind::FromGit { .. } => "FROMGIT",
            Kind::Backport { .. } => "BACKPORT",
        }
    }

    /// The kind named `name`, with what it needs: the upstream commit for
    /// `upstream` and `backport`, and a note for `backport`.
    pub fn from_parts(name: KindName, sha: Option<String>, note: Option<String>) -> Result<Kind> {
        Ok(match (name, sha, note) {
            (KindName::Auto, _, _) => bail!("--kind auto decides per patch: no one kind"),
            (KindName::Fromlist, _, _) => Kind::FromList,
            (KindName::Upstream, Some(sha), _) => Kind::Upstream { sha },
            (KindName::Backport, Some(sha), Some(note)) => Kind::Backport { sha, note },
            (KindName::Upstream, None, _) => bail!("--kind upstream needs --upstream-sha"),
            (KindName::Backport, _, _) => bail!("--kind backport needs --upstream-sha and --note"),
        })
    }
}

/// How one patch is picked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pick {
    /// Which kind.
    pub kind: Kind,
    /// The patch's own Message-ID on the list (the `Link:` of FROMLIST).
    pub message_id: Option<MessageId>,
    /// Why this kind, for the progress line.
    pub why: String,
}

impl Pick {
    /// A pick of `kind` for the patch posted as `message_id`.
    pub fn new(kind: Kind, message_id: Option<MessageId>, why: &str) -> Pick {
        Pick {
            kind,
            message_id,
            why: why.to_string(),
        }
    }
}

/// What `ack` needs.
pub struct AckOptions<'a> {
    /// The kernel repository whose commit `onto` the picks go on.
    pub base: &'a Repository,
    /// Where to pick onto (a revision in `base`).
    pub onto: &'a str,
    /// The revision's patches.
    pub revision: &'a Checkout,
    /// One pick per patch, in order: its kind, Message-ID and why.
    pub picks: Vec<Pick>,
    /// The tracking bug.
    pub bug: &'a str,
    /// The picker, `Name <address>`.
    pub picker: (&'a str, &'a str),
    /// Where the patch files go (`patches/<series>/android`).
    pub out: &'a Path,
    /// Leave the commits on this new branch of `base`.
    pub branch: Option<&'a str>,
    /// Scratch worktree location.
    pub scratch: &'a Path,
    /// lore's address, for links.
    pub lore: &'a str,
}

/// Makes the picks: each patch as a commit on `onto` in a scratch
/// worktree, written as patch files into `out` in one swap, and left on
/// `branch` (made last, in one step) when asked. A killed run leaves
/// everything as before or as after; the next run cleans its scratch.
pub fn ack(opts: &AckOptions, progress: &mut dyn std::io::Write) -> Result<Vec<PathBuf>> {
    let patches = read_patches(opts)?;
    let onto = opts
        .base
        .revparse_single(opts.onto)
        .with_context(|| format!("{:?} does not exist in the kernel repository", opts.onto))?
        .peel_to_commit()?;
    remove_stale_scratch(opts.base, opts.scratch, opts.out, progress);
    if let Some(wanted) = opts.branch {
        if opts
            .base
            .find_branch(wanted, git2::BranchType::Local)
            .is_ok()
        {
            bail!("branch {wanted} exists already: picks never rewrite a branch; name a new one");
        }
    }
    // The picks are made on a scratch branch; the branch asked for appears
    // only when every pick is made, in one step.
    let scratch = Scratch::new(opts);
    let branch = opts.base.branch(&scratch.branch, &onto, false)?;
    let result = (|| -> Result<Vec<PathBuf>> {
        let repo = scratch.add_worktree(opts, &branch)?;
        let staged = StagingDir::fresh(opts.out.with_extension("partial"))?;
        let earlier_ids = earlier_change_ids(opts.out);
        let picker = Signature::now(opts.picker.0, opts.picker.1)?;
        let mut files = Vec::new();
        let n = patches.len();
        for (i, ((path, patch), pick)) in patches.iter().zip(&opts.picks).enumerate() {
            let _ = writeln!(
                progress,
                "{}/{n} {}: {}",
                i + 1,
                pick.kind.prefix(),
                pick.why
            );
            let made = make_pick(&repo, opts, pick, path, patch, &earlier_ids, &picker);
            let commit = made.with_context(|| {
                format!(
                    "patch {}/{n} ({}) does not apply cleanly on {}: pick it as a backport, --kind backport --upstream-sha <its upstream commit> --note \"<what you changed to resolve the conflict>\"",
                    i + 1,
                    patch.subject,
                    opts.onto
                )
            })?;
            let subject = commit
                .summary()
                .ok()
                .flatten()
                .unwrap_or_default()
                .to_string();
            let email = pick_mail(&repo, &commit, &subject)?;
            let name = format!(
                "{:04}-{}.patch",
                i + 1,
                patch::file_slug(&subject, ACK_SLUG_LEN)
            );
            fs::write(staged.path().join(&name), email)?;
            files.push(opts.out.join(name));
        }
        // A run killed between the renames is put back by the next one
        // (remove_stale_scratch).
        staged.replace(opts.out, "ack:between-renames")?;
        // Last, in one step: the branch asked for. A run killed before it
        // leaves no branch, and running again makes the same picks.
        if let Some(wanted) = opts.branch {
            let head = opts.base.find_commit(repo.head()?.peel_to_commit()?.id())?;
            crate::failpoint::hit("ack:before-branch");
            opts.base.branch(wanted, &head, false)?;
        }
        Ok(files)
    })();
    scratch.remove(opts);
    result
}

/// The revision's patches, parsed, after the checks a pick needs first.
fn read_patches(opts: &AckOptions) -> Result<Vec<(PathBuf, MailPatch)>> {
    if opts.bug.trim().is_empty() {
        bail!("a pick needs --bug: the Android tracking bug the picker was given");
    }
    let mut patches = Vec::new();
    for path in &opts.revision.patches {
        let raw = fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        patches.push((
            path.clone(),
            patch::parse(&raw, &path.display().to_string())?,
        ));
    }
    if opts.picks.len() != patches.len() {
        bail!(
            "one pick per patch: {} has {} patches, {} picks were asked for",
            opts.revision.name,
            patches.len(),
            opts.picks.len()
        );
    }
    let no_link = opts
        .picks
        .iter()
        .position(|p| p.kind == Kind::FromList && p.message_id.is_none());
    if let Some(i) = no_link {
        bail!(
            "FROMLIST picks need one lore Message-ID per patch: patch {}/{} has none (is the revision posted and its thread fetched?)",
            i + 1,
            patches.len()
        );
    }
    Ok(patches)
}

/// Patch `i` as a pick: applied as `git am` would, with the pick's
/// message, then amended with its Change-Id and the picker as committer.
fn make_pick<'r>(
    repo: &'r Repository,
    opts: &AckOptions,
    pick: &Pick,
    path: &Path,
    patch: &MailPatch,
    earlier_ids: &[(String, String)],
    picker: &Signature,
) -> Result<git2::Commit<'r>> {
    let link = pick
        .message_id
        .as_ref()
        .map(|id| format!("{}/r/{}", opts.lore.trim_end_matches('/'), id));
    let mut picked = patch.clone();
    picked.message = pick_message(patch, &pick.kind, opts.bug, link.as_deref(), opts.picker);
    let first = apply::am(repo, path, &picked)?;
    // Gerrit's hook sees the commit as made; the Change-Id goes in with
    // the same tree, parent, author and committer.
    let commit = repo.find_commit(first)?;
    // A patch picked before keeps its Change-Id: Gerrit then sees a new
    // patch set of the same change, not a new change.
    let earlier = earlier_ids
        .iter()
        .find(|(s, _)| *s == patch.subject)
        .map(|(_, id)| id.clone());
    let id = earlier.unwrap_or_else(|| {
        change_id(
            commit.tree_id(),
            commit.parent_id(0).ok(),
            &ident(&commit.author()),
            &ident(picker),
            commit.message().unwrap_or_default(),
        )
    });
    let message = with_change_id(commit.message().unwrap_or_default(), &id);
    let amended = commit.amend(Some("HEAD"), None, Some(picker), None, Some(&message), None)?;
    Ok(repo.find_commit(amended)?)
}

/// Pick file names keep 60 characters of the subject, prefix included.
const ACK_SLUG_LEN: usize = 60;

/// A pick as the one-patch mail `git format-patch -1` writes.
fn pick_mail(repo: &Repository, commit: &git2::Commit, summary: &str) -> Result<String> {
    let diff = super::format_patch::commit_diff(repo, commit)?;
    let message = commit
        .message()
        .context("the pick's message is not UTF-8")?;
    let body = message.split_once('\n').map_or("", |(_, b)| b);
    let author = commit.author();
    super::format_patch::render(&super::format_patch::PatchMail {
        commit: commit.id(),
        author: &author,
        subject: &format!("[PATCH] {summary}"),
        body,
        notes: "",
        diff: &diff,
        base_commit: None,
    })
}
