//! Picks for the Android Common Kernel: each patch of a revision as a
//! commit on the 6.12 base with the ACK's subject prefix (`FROMLIST:`,
//! `UPSTREAM:`, `BACKPORT:`), `Bug:`, `Link:` or `(cherry picked from
//! commit ...)`, a Gerrit `Change-Id:` computed the way Gerrit's commit-msg
//! hook computes it, and the picker's Signed-off-by; written as patch files
//! and, on request, left on a branch.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use git2::{Oid, Repository, Signature, WorktreeAddOptions};

use super::manifest::{self, Manifest, ManifestFile};
use super::revision;
use crate::kernel::apply;
use crate::kernel::checkout::Checkout;
use crate::mail::address;
use crate::mail::patch::{self, MailPatch};
use crate::staging::StagingDir;

/// The kinds of pick, by name, as `--kind` takes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum KindName {
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
    /// Merged, but changed to apply: `BACKPORT:` with a note of what changed.
    Backport {
        /// The upstream commit.
        sha: String,
        /// What was changed.
        note: String,
    },
}

impl Kind {
    /// The kind named `name`, with what it needs: the upstream commit for
    /// `upstream` and `backport`, and a note for `backport`.
    pub fn from_parts(name: KindName, sha: Option<String>, note: Option<String>) -> Result<Kind> {
        Ok(match (name, sha, note) {
            (KindName::Fromlist, _, _) => Kind::FromList,
            (KindName::Upstream, Some(sha), _) => Kind::Upstream { sha },
            (KindName::Backport, Some(sha), Some(note)) => Kind::Backport { sha, note },
            (KindName::Upstream, None, _) => bail!("--kind upstream needs --upstream-sha"),
            (KindName::Backport, _, _) => bail!("--kind backport needs --upstream-sha and --note"),
        })
    }
}

/// The Change-Id Gerrit's commit-msg hook gives a commit: `I` and the
/// SHA-1 of the blob "tree T / parent P / author A / committer C / blank /
/// message", idents as `git var` prints them.
pub fn change_id(
    tree: Oid,
    parent: Option<Oid>,
    author: &str,
    committer: &str,
    message: &str,
) -> String {
    let mut input = format!("tree {tree}\n");
    if let Some(p) = parent {
        input.push_str(&format!("parent {p}\n"));
    }
    input.push_str(&format!(
        "author {author}\ncommitter {committer}\n\n{message}"
    ));
    let oid = Oid::hash_object(git2::ObjectType::Blob, input.as_bytes()).expect("hashing a buffer");
    format!("I{oid}")
}

/// A signature as `git var GIT_AUTHOR_IDENT` prints it.
pub fn ident(sig: &Signature) -> String {
    let when = sig.when();
    let offset = when.offset_minutes();
    let sign = if offset < 0 { '-' } else { '+' };
    format!(
        "{} <{}> {} {sign}{:02}{:02}",
        sig.name().unwrap_or_default(),
        sig.email().unwrap_or_default(),
        when.seconds(),
        offset.abs() / 60,
        offset.abs() % 60
    )
}

/// What `ack` needs.
pub struct AckOptions<'a> {
    /// The kernel repository whose commit `onto` the picks go on.
    pub base: &'a Repository,
    /// Where to pick onto (a revision in `base`).
    pub onto: &'a str,
    /// The revision's patches.
    pub revision: &'a Checkout,
    /// One lore Message-ID per patch, in order (FROMLIST links).
    pub message_ids: Vec<String>,
    /// The tracking bug.
    pub bug: &'a str,
    /// The picker, `Name <address>`.
    pub picker: (&'a str, &'a str),
    /// Which kind.
    pub kind: Kind,
    /// Where the patch files go (`patches/<series>/android`).
    pub out: &'a Path,
    /// Leave the commits on this new branch of `base`.
    pub branch: Option<&'a str>,
    /// Scratch worktree location.
    pub scratch: &'a Path,
    /// lore's address, for links.
    pub lore: &'a str,
}

/// The message of a pick before its Change-Id.
fn pick_message(
    patch: &MailPatch,
    kind: &Kind,
    bug: &str,
    link: Option<&str>,
    picker: (&str, &str),
) -> String {
    let (prefix, extra) = match kind {
        Kind::FromList => (
            "FROMLIST",
            format!("Bug: {bug}\nLink: {}\n", link.unwrap_or_default()),
        ),
        Kind::Upstream { sha } => (
            "UPSTREAM",
            format!("(cherry picked from commit {sha})\nBug: {bug}\n"),
        ),
        Kind::Backport { sha, note } => (
            "BACKPORT",
            format!(
                "[{}: {note}]\n(cherry picked from commit {sha})\nBug: {bug}\n",
                picker.0
            ),
        ),
    };
    let body = patch
        .message
        .strip_prefix(&patch.subject)
        .unwrap_or(&patch.message)
        .trim_matches('\n');
    let mut msg = format!("{prefix}: {}\n", patch.subject);
    if !body.is_empty() {
        msg.push('\n');
        msg.push_str(body);
        msg.push('\n');
    }
    msg.push('\n');
    msg.push_str(&extra);
    msg.push_str(&format!("Signed-off-by: {} <{}>\n", picker.0, picker.1));
    msg
}

/// Puts `Change-Id:` above the picker's Signed-off-by (the last line).
fn with_change_id(message: &str, id: &str) -> String {
    let trimmed = message.trim_end_matches('\n');
    match trimmed.rfind('\n') {
        Some(i) => format!(
            "{}\nChange-Id: {id}\n{}\n",
            &trimmed[..i],
            &trimmed[i + 1..]
        ),
        None => format!("{trimmed}\nChange-Id: {id}\n"),
    }
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
        for (i, (path, patch)) in patches.iter().enumerate() {
            let commit = make_pick(&repo, opts, i, path, patch, &earlier_ids, &picker)?;
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
    if opts.kind == Kind::FromList && opts.message_ids.len() != patches.len() {
        bail!(
            "FROMLIST picks need one lore Message-ID per patch: {} patches, {} Message-IDs (is the revision posted and its thread fetched?)",
            patches.len(),
            opts.message_ids.len()
        );
    }
    Ok(patches)
}

/// The scratch worktree and branch of this run, named with its pid.
struct Scratch {
    name: String,
    branch: String,
    dir: PathBuf,
}

impl Scratch {
    fn new(opts: &AckOptions) -> Scratch {
        let name = format!("{SCRATCH_PREFIX}{}", std::process::id());
        Scratch {
            branch: format!("patchctl/{name}"),
            dir: opts.scratch.join(&name),
            name,
        }
    }

    fn add_worktree(&self, opts: &AckOptions, branch: &git2::Branch) -> Result<Repository> {
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
    fn remove(&self, opts: &AckOptions) {
        let _ = fs::remove_dir_all(&self.dir);
        if let Ok(wt) = opts.base.find_worktree(&self.name) {
            let mut prune = git2::WorktreePruneOptions::new();
            prune.valid(true).working_tree(true);
            let _ = wt.prune(Some(&mut prune));
        }
        if let Ok(mut b) = opts.base.find_branch(&self.branch, git2::BranchType::Local) {
            let _ = b.delete();
        }
    }
}

/// Patch `i` as a pick: applied as `git am` would, with the pick's
/// message, then amended with its Change-Id and the picker as committer.
fn make_pick<'r>(
    repo: &'r Repository,
    opts: &AckOptions,
    i: usize,
    path: &Path,
    patch: &MailPatch,
    earlier_ids: &[(String, String)],
    picker: &Signature,
) -> Result<git2::Commit<'r>> {
    let link = opts
        .message_ids
        .get(i)
        .map(|id| format!("{}/r/{}", opts.lore.trim_end_matches('/'), id));
    let mut pick = patch.clone();
    pick.message = pick_message(patch, &opts.kind, opts.bug, link.as_deref(), opts.picker);
    let first = apply::am(repo, path, &pick)?;
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

/// Scratch worktrees and branches are named with this and the pid.
const SCRATCH_PREFIX: &str = "patchctl-ack-";

/// Undoes what a killed `ack` left: its scratch worktree and branch (no
/// process of that pid runs any more), and picks moved aside but not yet
/// replaced.
fn remove_stale_scratch(
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
        let _ = fs::remove_dir_all(scratch.join(&wt_name));
        if let Ok(wt) = base.find_worktree(&wt_name) {
            let mut prune = git2::WorktreePruneOptions::new();
            prune.valid(true).working_tree(true);
            let _ = wt.prune(Some(&mut prune));
        }
        let _ = writeln!(
            progress,
            "patchctl: removing patchctl/{wt_name}, left by an interrupted ack"
        );
        let _ = branch.delete();
    }
}

/// (subject without the ACK prefix, Change-Id) of the picks in `dir`.
fn earlier_change_ids(dir: &Path) -> Vec<(String, String)> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for e in entries.flatten() {
        let Ok(text) = fs::read_to_string(e.path()) else {
            continue;
        };
        let subject = text
            .lines()
            .find_map(|l| l.strip_prefix("Subject: "))
            .map(patch::strip_subject_prefixes)
            .map(|s| {
                ["FROMLIST: ", "UPSTREAM: ", "BACKPORT: "]
                    .iter()
                    .find_map(|p| s.strip_prefix(p).map(String::from))
                    .unwrap_or(s)
            });
        let id = text
            .lines()
            .find_map(|l| l.strip_prefix("Change-Id: "))
            .map(String::from);
        if let (Some(s), Some(id)) = (subject, id) {
            out.push((s, id));
        }
    }
    out
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn change_id_is_stable_and_sensitive() {
        let tree = Oid::from_str("4b825dc642cb6eb9a060e54bf8d69288fbee4904").unwrap();
        let a = change_id(tree, None, "A <a@x> 1 +0000", "C <c@x> 2 +0000", "m\n");
        assert_eq!(
            a,
            change_id(tree, None, "A <a@x> 1 +0000", "C <c@x> 2 +0000", "m\n")
        );
        assert_ne!(
            a,
            change_id(tree, None, "A <a@x> 1 +0000", "C <c@x> 2 +0000", "n\n")
        );
        assert!(a.starts_with('I') && a.len() == 41);
    }

    #[test]
    fn change_id_goes_above_the_pickers_signoff() {
        assert_eq!(
            with_change_id("S\n\nBug: 1\nSigned-off-by: P <p@x>\n", "Iabc"),
            "S\n\nBug: 1\nChange-Id: Iabc\nSigned-off-by: P <p@x>\n"
        );
    }
}
