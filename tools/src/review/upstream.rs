//! Landed upstream: each posted patch looked up in a kernel git tree by
//! its patch-id (as `git patch-id --stable` gives it), the subject as a
//! fallback that says so, with the first tag that contains the commit.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context, Result};
use git2::{Oid, Repository, Sort};

// What it finds is a fact of the review state, typed there: the state
// does not know how it is found.
use super::state::{Landed, MatchedBy, ReviewState, Standing};
use crate::mail::patch_id::patch_id;

/// Commits looked at, newest first, unless told otherwise: enough for a
/// release cycle of a whole kernel, bounded so that a full history is not
/// diffed commit by commit.
pub const DEFAULT_LIMIT: usize = 20_000;

/// The commits of a tree by patch-id and by subject.
pub struct UpstreamIndex<'r> {
    repo: &'r Repository,
    by_patch_id: HashMap<String, Oid>,
    by_subject: HashMap<String, Oid>,
    /// Tags with the commits they point at, oldest first.
    tags: Vec<(String, Oid)>,
}

impl<'r> UpstreamIndex<'r> {
    /// Walks up to `limit` non-merge commits from HEAD, newest first.
    pub fn scan(repo: &'r Repository, limit: usize) -> Result<UpstreamIndex<'r>> {
        let mut walk = repo.revwalk()?;
        walk.set_sorting(Sort::TIME)?;
        walk.push_head()
            .context("the tree has no HEAD to look for landed patches from")?;
        let mut by_patch_id = HashMap::new();
        let mut by_subject = HashMap::new();
        for oid in walk.take(limit) {
            let commit = repo.find_commit(oid?)?;
            if commit.parent_count() != 1 {
                continue;
            }
            let diff = repo.diff_tree_to_tree(
                Some(&commit.parent(0)?.tree()?),
                Some(&commit.tree()?),
                None,
            )?;
            if let Some(id) = diff_patch_id(&diff)? {
                by_patch_id.entry(id).or_insert(commit.id());
            }
            if let Ok(Some(s)) = commit.summary() {
                by_subject.entry(s.to_string()).or_insert(commit.id());
            }
        }
        let mut tags = Vec::new();
        repo.tag_foreach(|oid, name| {
            let name = String::from_utf8_lossy(name)
                .trim_start_matches("refs/tags/")
                .to_string();
            if let Ok(c) = repo.find_object(oid, None).and_then(|o| o.peel_to_commit()) {
                tags.push((name, c.id(), c.time().seconds()));
            }
            true
        })?;
        tags.sort_by_key(|(name, _, time)| (*time, name.clone()));
        Ok(UpstreamIndex {
            repo,
            by_patch_id,
            by_subject,
            tags: tags.into_iter().map(|(n, c, _)| (n, c)).collect(),
        })
    }

    /// Where the patch with this patch-id (or, failing that, this subject)
    /// landed.
    pub fn find(&self, patch_id: Option<&str>, title: &str) -> Option<Landed> {
        let (oid, matched_by) = patch_id
            .and_then(|id| self.by_patch_id.get(id))
            .map(|o| (*o, MatchedBy::PatchId))
            .or_else(|| self.by_subject.get(title).map(|o| (*o, MatchedBy::Subject)))?;
        let commit = self.repo.find_commit(oid).ok()?;
        Some(Landed {
            commit: oid.to_string(),
            summary: commit
                .summary()
                .ok()
                .flatten()
                .unwrap_or_default()
                .to_string(),
            tag: self.first_tag_containing(oid),
            matched_by,
        })
    }

    /// The first tag that contains `commit`: of the tags whose commit is
    /// it or comes after it, the one no other such tag comes before (the
    /// order of history, not of dates, which can tie); then the oldest.
    fn first_tag_containing(&self, commit: Oid) -> Option<String> {
        let after = |a: Oid, b: Oid| self.repo.graph_descendant_of(a, b).unwrap_or(false);
        let containing: Vec<&(String, Oid)> = self
            .tags
            .iter()
            .filter(|(_, t)| *t == commit || after(*t, commit))
            .collect();
        containing
            .iter()
            .find(|(_, t)| {
                !containing
                    .iter()
                    .any(|(_, other)| other != t && after(*t, *other))
            })
            .map(|(name, _)| name.clone())
    }
}

/// The patch-id of a commit's diff, as `git patch-id --stable` gives it.
pub fn diff_patch_id(diff: &git2::Diff) -> Result<Option<String>> {
    let mut text = String::new();
    diff.print(git2::DiffFormat::Patch, |_, _, line| {
        if matches!(line.origin(), '+' | '-' | ' ') {
            text.push(line.origin());
        }
        text.push_str(&String::from_utf8_lossy(line.content()));
        true
    })?;
    Ok(patch_id(&text))
}

/// Marks every patch found in the tree at `tree` as landed, and a revision
/// whose patches all landed as accepted.
pub fn mark_landed(state: &mut ReviewState, tree: &Path, limit: usize) -> Result<()> {
    let repo = Repository::open(tree).with_context(|| {
        format!(
            "{} is not a git repository: --tree wants the kernel tree to look for landed patches in",
            tree.display()
        )
    })?;
    let index = UpstreamIndex::scan(&repo, limit)?;
    for series in &mut state.series {
        for r in &mut series.revisions {
            for p in r.patches.iter_mut().filter(|p| p.index > 0) {
                p.landed = index.find(p.patch_id.as_deref(), &p.title);
            }
            let patches: Vec<_> = r.patches.iter().filter(|p| p.index > 0).collect();
            if !patches.is_empty() && patches.iter().all(|p| p.landed.is_some()) {
                r.state = Standing::Accepted;
                r.next_step = "landed upstream: nothing left to do for this revision".into();
            }
        }
    }
    Ok(())
}
