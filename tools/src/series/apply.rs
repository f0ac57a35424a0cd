//! A patch mail applied to a git tree as `git am` applies it.

use std::path::Path;
use std::process::Command;

use anyhow::{bail, Context, Result};
use git2::{Oid, Repository, Signature, Time};

use crate::mail::patch::MailPatch;

/// The identity commits made by the tool carry as committer when the
/// repository has no user configured.
pub(crate) const TOOL_NAME: &str = "patchctl";
pub(crate) const TOOL_EMAIL: &str = "patchctl@localhost";

/// Applies one patch to the index and the files and commits it with the
/// mail's author, date and message. An error names the patch, the file
/// and the line of the hunk that failed, and changes nothing.
///
/// The diff goes through `git apply --index`, not libgit2's apply:
/// libgit2 places a hunk only at the line its header names, while git
/// (and `git am`) finds it where the context matches. v1 applies to
/// 6.12.117 only that way: its hunk sits 4 lines higher there.
pub fn am(repo: &Repository, path: &Path, patch: &MailPatch) -> Result<Oid> {
    let workdir = repo.workdir().with_context(|| {
        format!(
            "{}: the repository has no working tree to apply to",
            path.display()
        )
    })?;
    let mut child = Command::new("git")
        .args(["apply", "--index", "--verbose", "--whitespace=nowarn", "-"])
        .current_dir(workdir)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .context("cannot run git apply")?;
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("piped");
        stdin
            .write_all(patch.diff.as_bytes())
            .context("cannot give the diff to git apply")?;
    }
    let out = child.wait_with_output().context("waiting for git apply")?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let detail: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
        bail!(
            "patch {} does not apply to {}: {}",
            path.display(),
            workdir.display(),
            detail.join("; ")
        );
    }
    // git apply wrote the index file; drop libgit2's cached copy of it.
    repo.index()?.read(true)?;
    let mut index = repo.index()?;
    let tree = repo.find_tree(index.write_tree()?)?;
    let parent = repo.head()?.peel_to_commit()?;
    let author = Signature::new(
        &patch.author_name,
        &patch.author_email,
        &Time::new(patch.time, patch.offset_minutes),
    )
    .with_context(|| format!("{}: bad author {:?}", path.display(), patch.author_name))?;
    let committer = repo
        .signature()
        .or_else(|_| Signature::now(TOOL_NAME, TOOL_EMAIL))?;
    let oid = repo.commit(
        Some("HEAD"),
        &author,
        &committer,
        &patch.message,
        &tree,
        &[&parent],
    )?;
    Ok(oid)
}
