//! The scratch worktree and branch a run of `ack` makes its picks in, and
//! the clean-up of what a killed run left behind.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use git2::{Repository, WorktreeAddOptions};

use super::AckOptions;

/// Scratch worktrees and branches are named with this and the pid.
const SCRATCH_PREFIX: &str = "patchctl-ack-";

/// The scratch worktree and branch of this run, named with its pid.
pub(super) struct Scratch {
    name: String,
    /// The branch the picks are made on.
    pub(super) branch: String,
    dir: PathBuf,
}

impl Scratch {
    /// The names this process's scratch worktree and branch take.
    pub(super) fn new(opts: &AckOptions) -> Scratch {
        let name = format!("{SCRATCH_PREFIX}{}", std::process::id());
        Scratch {
            branch: format!("patchctl/{name}"),
            dir: opts.scratch.join(&name),
            name,
        }
    }

    /// Adds the scratch worktree, checked out on `branch`.
    pub(super) fn add_worktree(
        &self,
        opts: &AckOptions,
        branch: &git2::Branch,
    ) -> Result<Repository> {
        // On a fresh cache the scratch folder does not exist yet.
        fs::create_dir_all(opts.scratch)
            .with_context(|| format!("cannot create {}", opts.scratch.display()))?;
        let mut wopts = WorktreeAddOptions::new();
        wopts.reference(Some(branch.get()));
        opts.base
            .worktree(&self.name, &self.dir, Some(&wopts))
            .with_context(|| format!("cannot add a worktree at {}", self.dir.display()))?;
        Ok(Repository::open(&self.dir)?)
    }

    /// The scratch worktree and branch go; a branch asked for is kept.
    pub(super) fn remove(&self, opts: &AckOptions) {
        remove_worktree(opts.base, &self.dir, &self.name);
        if let Ok(mut b) = opts.base.find_branch(&self.branch, git2::BranchType::Local) {
            let _ = b.delete();
        }
    }
}

/// Undoes what a killed `ack` left: its scratch worktree and branch (no
/// process of that pid runs any more), and picks moved aside but not yet
/// replaced.
pub(super) fn remove_stale_scratch(
    base: &Repository,
    scratch: &Path,
    out: &Path,
    progress: &mut dyn std::io::Write,
) {
    if let Ok(true) = crate::staging::restore_replaced(out) {
        let _ = writeln!(
            progress,
            "patchctl: put back {}, left aside by an interrupted ack",
            out.display()
        );
    }
    let Ok(branches) = base.branches(Some(git2::BranchType::Local)) else {
        return;
    };
    for (mut branch, _) in branches.flatten() {
        let Some(name) = branch.name().ok().flatten().map(str::to_string) else {
            continue;
        };
        let Some(pid) = name
            .strip_prefix("patchctl/")
            .and_then(|n| n.strip_prefix(SCRATCH_PREFIX))
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        if pid == std::process::id() || Path::new(&format!("/proc/{pid}")).exists() {
            continue;
        }
        let wt_name = format!("{SCRATCH_PREFIX}{pid}");
        remove_worktree(base, &scratch.join(&wt_name), &wt_name);
        let _ = writeln!(
            progress,
            "patchctl: removing patchctl/{wt_name}, left by an interrupted ack"
        );
        let _ = branch.delete();
    }
}

/// Removes the worktree `name` at `dir`: its files, then git's record of it.
fn remove_worktree(base: &Repository, dir: &Path, name: &str) {
    let _ = fs::remove_dir_all(dir);
    if let Ok(wt) = base.find_worktree(name) {
        let mut prune = git2::WorktreePruneOptions::new();
        prune.valid(true).working_tree(true);
        let _ = wt.prune(Some(&mut prune));
    }
}
