//! Kernel trees per revision: a git worktree of the pristine source's base
//! commit with the revision's patches applied as commits. The pristine tree
//! (Debian's linux-source, or the user's own) is never written to.

use std::fs;
use std::path::Path;
use std::process::Command;

use anyhow::{bail, Context, Result};
use git2::{IndexAddOption, Oid, Repository, Signature, WorktreeAddOptions, WorktreePruneOptions};

pub use super::apply::am;
use super::apply::{TOOL_EMAIL, TOOL_NAME};
use super::checkout::Checkout;
use crate::mail::patch;
pub use crate::sources::{
    cache_dir, cached_mainline_source, cached_source, KERNEL_SOURCE, MAINLINE_SOURCE,
};

/// Checks that `source` looks like a kernel tree and says which version.
pub fn kernel_version(source: &Path) -> Result<String> {
    let makefile = source.join("Makefile");
    let text = fs::read_to_string(&makefile).with_context(|| {
        format!(
            "{} is not a kernel tree: cannot read its Makefile",
            source.display()
        )
    })?;
    let field = |key: &str| {
        text.lines().find_map(|l| {
            l.strip_prefix(key)
                .map(|v| v.trim_start_matches([' ', '=']).trim().to_string())
        })
    };
    match (field("VERSION"), field("PATCHLEVEL"), field("SUBLEVEL")) {
        (Some(v), Some(p), Some(s)) => Ok(format!("{v}.{p}.{s}")),
        _ => bail!(
            "{} is not a kernel tree: its Makefile has no VERSION/PATCHLEVEL/SUBLEVEL",
            makefile.display()
        ),
    }
}

/// Records, inside a prepared tree, the patches it was made with.
const STAMP: &str = ".patchctl-applied";

/// A git repository holding the pristine source as one base commit.
///
/// A `source` that is a git repository already is used as it is (its
/// HEAD is the base). Any other tree is copied into the cache once and
/// committed there, so the user's files are never written to.
pub fn base_repository(
    source: &Path,
    cache: &Path,
    version: &str,
    progress: &mut dyn std::io::Write,
) -> Result<Repository> {
    if let Ok(repo) = Repository::open(source) {
        if repo.head().is_ok() {
            return Ok(repo);
        }
    }
    let dir = cache.join(format!("base-{version}"));
    if let Ok(repo) = Repository::open(&dir) {
        if repo.head().is_ok() && dir.join(STAMP).exists() {
            return Ok(repo);
        }
    }
    let _ = writeln!(
        progress,
        "patchctl: making {} a git repository with one base commit (once; about a minute)",
        dir.display()
    );
    let partial = dir.with_extension("partial");
    for d in [&partial, &dir] {
        if d.exists() {
            fs::remove_dir_all(d).with_context(|| format!("cannot remove {}", d.display()))?;
        }
    }
    fs::create_dir_all(cache).with_context(|| format!("cannot create {}", cache.display()))?;
    copy_tree(source, &partial)?;
    {
        let repo = Repository::init(&partial)
            .with_context(|| format!("cannot create a git repository in {}", partial.display()))?;
        let mut index = repo.index()?;
        // FORCE: the tarball's files are the base, whatever .gitignore says.
        index
            .add_all(["*"], IndexAddOption::FORCE, None)
            .context("cannot add the kernel source to the index")?;
        index.write()?;
        let tree = repo.find_tree(index.write_tree()?)?;
        let sig = Signature::now(TOOL_NAME, TOOL_EMAIL)?;
        repo.commit(
            Some("HEAD"),
            &sig,
            &sig,
            &format!(
                "Linux {version}\n\nThe pristine source from {}.\n",
                source.display()
            ),
            &tree,
            &[],
        )?;
    }
    fs::write(partial.join(STAMP), "")?;
    fs::rename(&partial, &dir)
        .with_context(|| format!("cannot rename {} to {}", partial.display(), dir.display()))?;
    Ok(Repository::open(&dir)?)
}

fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    let status = Command::new("cp")
        .arg("-a")
        .arg("--reflink=auto")
        .arg(from)
        .arg(to)
        .status()
        .context("cannot run cp")?;
    if !status.success() {
        bail!("copying {} to {} failed", from.display(), to.display());
    }
    Ok(())
}

/// Holds `dest` for this process until the returned file is dropped: two
/// runs that share the cache (two terminals, CI beside a developer) would
/// otherwise remove and rebuild the same worktree under each other.
pub fn lock_tree(dest: &Path, progress: &mut dyn std::io::Write) -> Result<std::fs::File> {
    let name = dest
        .file_name()
        .map_or_else(|| "tree".into(), |n| n.to_string_lossy().into_owned());
    let parent = dest.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent)
        .with_context(|| format!("cannot create {}", parent.display()))?;
    let path = parent.join(format!(".{name}.lock"));
    let file = std::fs::File::create(&path)
        .with_context(|| format!("cannot create the lock file {}", path.display()))?;
    if file.try_lock().is_err() {
        let _ = writeln!(
            progress,
            "patchctl: another patchctl is using {}; waiting for it",
            dest.display()
        );
        file.lock()
            .with_context(|| format!("cannot lock {}", path.display()))?;
    }
    Ok(file)
}

/// Makes `dest` a worktree of `base` at its base commit with `revision`'s
/// patches applied as commits, as `git am` would make them. A tree made
/// from the same patches before is reused, so that kbuild rebuilds only
/// what changed. On any failure the worktree is removed: no half-applied
/// revision is left behind.
pub fn prepare(base: &Repository, revision: &Checkout, name: &str, dest: &Path) -> Result<()> {
    let mut applied = String::new();
    let mut patches = Vec::new();
    for path in &revision.patches {
        let raw = fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        applied.push_str(&String::from_utf8_lossy(&raw));
        patches.push((path, patch::parse(&raw, &path.display().to_string())?));
    }
    let stamp = dest.join(STAMP);
    if fs::read_to_string(&stamp).is_ok_and(|old| old == applied) {
        return Ok(());
    }
    let base_commit = base.head()?.peel_to_commit()?;
    if switch_in_place(base, name, dest, base_commit.id()) {
        let result = (|| -> Result<()> {
            let repo = Repository::open(dest)?;
            for (path, patch) in &patches {
                am(&repo, path, patch)?;
            }
            fs::write(&stamp, &applied).with_context(|| format!("cannot write {}", stamp.display()))
        })();
        if result.is_err() {
            // Back to the base, so that no half-applied revision is left.
            let _ = switch_in_place(base, name, dest, base_commit.id());
        }
        return result;
    }
    remove_worktree(base, name, dest)?;
    if let Some(parent) = dest.parent() {
        fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    let branch = base.branch(&format!("patchctl/{name}"), &base_commit, true)?;
    let mut opts = WorktreeAddOptions::new();
    opts.reference(Some(branch.get()));
    base.worktree(name, dest, Some(&opts))
        .with_context(|| format!("cannot add a worktree at {}", dest.display()))?;

    let result = (|| -> Result<()> {
        let repo = Repository::open(dest)?;
        for (path, patch) in &patches {
            am(&repo, path, patch)?;
        }
        fs::write(&stamp, &applied).with_context(|| format!("cannot write {}", stamp.display()))?;
        Ok(())
    })();
    if result.is_err() {
        let _ = remove_worktree(base, name, dest);
    }
    result
}

/// Resets the existing worktree `name` at `dest` to the base commit, as
/// `git reset --hard` does: only the files that differ are rewritten, so
/// kbuild's timestamps send it to exactly those. False when there is no
/// usable worktree there (the caller then makes one).
fn switch_in_place(base: &Repository, name: &str, dest: &Path, base_commit: Oid) -> bool {
    if base.find_worktree(name).is_err() || Repository::open(dest).is_err() {
        return false;
    }
    let _ = fs::remove_file(dest.join(STAMP));
    let git = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .current_dir(dest)
            .status()
            .is_ok_and(|s| s.success())
    };
    // Then what the last run placed (the suite's files): a revision that
    // adds one of them must find its path free.
    git(&["reset", "-q", "--hard", &base_commit.to_string()]) && git(&["clean", "-q", "-fdx"])
}

/// Removes the worktree `name` at `dest`, if there is one.
fn remove_worktree(base: &Repository, name: &str, dest: &Path) -> Result<()> {
    if dest.exists() {
        fs::remove_dir_all(dest).with_context(|| format!("cannot remove {}", dest.display()))?;
    }
    if let Ok(wt) = base.find_worktree(name) {
        let mut opts = WorktreePruneOptions::new();
        opts.valid(true).working_tree(true);
        wt.prune(Some(&mut opts))
            .with_context(|| format!("cannot prune worktree {name}"))?;
    }
    Ok(())
}
