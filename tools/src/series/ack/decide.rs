//! Which prefix each patch of a revision is picked with, and why.
//!
//! `--kind auto`, per patch, in order: UPSTREAM when `--tree` holds the
//! patch (the same patch-id); FROMGIT when the series' review state says
//! a maintainer applied it, naming the commit, tree and branch; FROMLIST
//! with a link to the patch's own mail otherwise. An explicit kind is
//! every patch's.

use std::path::Path;

use anyhow::{bail, Context, Result};
use git2::Repository;

use super::threads::{applied_patch, short_tree};
use super::{Kind, KindName, Pick, PickRequest};
use crate::mail::message_id::MessageId;
use crate::mail::patch::MailPatch;
use crate::review::state::MatchedBy;
use crate::review::upstream::{UpstreamIndex, DEFAULT_LIMIT};
use crate::review::RevisionState;

/// What the picks are decided from.
pub(super) struct Facts<'a> {
    /// The revision's patches, parsed, in order.
    pub patches: &'a [MailPatch],
    /// Each patch's own Message-ID, when known.
    pub message_ids: &'a [Option<MessageId>],
    /// The revision's review state, from the series' threads.
    pub review: Option<&'a RevisionState>,
}

/// One pick per patch, as `req` asks.
pub(super) fn picks(req: &PickRequest, facts: &Facts) -> Result<Vec<Pick>> {
    let n = facts.patches.len();
    let upstream = req
        .upstream_tree
        .as_deref()
        .map(|t| {
            Repository::open(t).with_context(|| format!("{} is not a git repository", t.display()))
        })
        .transpose()?;
    let index = upstream
        .as_ref()
        .map(|r| UpstreamIndex::scan(r, DEFAULT_LIMIT))
        .transpose()?;
    let mut out = Vec::new();
    for (i, patch) in facts.patches.iter().enumerate() {
        let id = facts.message_ids.get(i).cloned().flatten();
        let landed = || landed_commit(req, index.as_ref(), patch, i, n);
        let pick = match req.kind {
            KindName::Auto => auto_pick(req, facts, index.as_ref(), i, id)?,
            KindName::Fromlist => Pick::new(Kind::FromList, id, "--kind fromlist"),
            KindName::Upstream => {
                Pick::new(Kind::Upstream { sha: landed()? }, id, "--kind upstream")
            }
            KindName::Backport => {
                let kind = Kind::from_parts(req.kind, Some(landed()?), req.note.clone())?;
                Pick::new(kind, id, "--kind backport")
            }
        };
        out.push(pick);
    }
    Ok(out)
}

/// Patch `i`'s pick as its state implies.
fn auto_pick(
    req: &PickRequest,
    facts: &Facts,
    index: Option<&UpstreamIndex>,
    i: usize,
    id: Option<MessageId>,
) -> Result<Pick> {
    let patch = &facts.patches[i];
    if let Some(index) = index {
        if let Some(sha) = found_upstream(req, index, patch, i, facts.patches.len())? {
            let tree = req.upstream_tree.as_deref().unwrap_or(Path::new("."));
            let why = format!("in {} as {} (same patch-id)", tree.display(), &sha[..12]);
            return Ok(Pick::new(Kind::Upstream { sha }, id, &why));
        }
    }
    let applied = facts.review.and_then(|r| applied_patch(r, i as u32 + 1));
    let mut why = String::from("only on the list");
    if let Some((patch_state, applied)) = applied {
        let who = format!(
            "by {} <{}> in {}",
            applied.evidence.name, applied.evidence.email, applied.evidence.message_id
        );
        match (&patch_state.applied_commit, &applied.tree, &applied.branch) {
            (Some(sha), Some(tree), Some(branch)) => {
                let why = format!("applied to {} {branch} {who}", short_tree(tree));
                let kind = Kind::FromGit {
                    sha: sha.clone(),
                    tree: tree.clone(),
                    branch: branch.clone(),
                };
                return Ok(Pick::new(kind, id, &why));
            }
            _ => {
                why = format!("applied {who}, but the reply does not name its commit, tree and branch all three");
            }
        }
    }
    if let Some(id) = &id {
        why = format!("{why}; {id}");
    }
    Ok(Pick::new(Kind::FromList, id, &why))
}

/// The commit `--upstream-sha` names, or that `--tree` holds patch `i` as.
fn landed_commit(
    req: &PickRequest,
    index: Option<&UpstreamIndex>,
    patch: &MailPatch,
    i: usize,
    n: usize,
) -> Result<String> {
    if let Some(sha) = &req.upstream_sha {
        if n > 1 {
            bail!("--upstream-sha names one commit, and the revision has {n} patches: give --tree, which finds each patch's commit by its patch-id");
        }
        return Ok(sha.clone());
    }
    let Some(index) = index else {
        bail!("--kind upstream and --kind backport need --upstream-sha or --tree");
    };
    match found_upstream(req, index, patch, i, n)? {
        Some(sha) => Ok(sha),
        None => {
            bail!(
            "patch {}/{n} ({}) is not in {} (looked by patch-id and subject): give --upstream-sha",
            i + 1,
            patch.subject,
            req.upstream_tree.as_deref().unwrap_or(Path::new("?")).display()
        )
        }
    }
}

/// The commit `index` holds patch `i` as, by patch-id; a match by
/// subject only is an error that says to pick it as a backport.
fn found_upstream(
    req: &PickRequest,
    index: &UpstreamIndex,
    patch: &MailPatch,
    i: usize,
    n: usize,
) -> Result<Option<String>> {
    let id = crate::mail::patch_id::patch_id(&patch.diff);
    match index.find(id.as_deref(), &patch.subject) {
        Some(l) if l.matched_by == MatchedBy::PatchId => Ok(Some(l.commit)),
        Some(l) => bail!(
            "patch {}/{n} ({}) matches {} in {} only by subject: the change was edited on the way in; pick it as --kind backport with --upstream-sha {} and a --note",
            i + 1,
            patch.subject,
            &l.commit[..12],
            req.upstream_tree.as_deref().unwrap_or(Path::new("?")).display(),
            l.commit
        ),
        None => Ok(None),
    }
}
