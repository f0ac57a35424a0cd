//! A patch mail applied to a git tree as `git am` applies it, and a
//! series checked against a plain source tree without writing to it.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

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

/// The first of `patches` that does not apply to `tree` on top of the
/// ones before it (each prefix goes to `git apply --check` as one
/// stream), with its index and git's first error line; `None` when all
/// apply. Nothing is written. `tree` must be absolute: no repository
/// above it may count.
pub fn first_not_applying(tree: &Path, patches: &[&[u8]]) -> Result<Option<(usize, String)>> {
    let mut stream = Vec::new();
    for (i, text) in patches.iter().enumerate() {
        stream.extend_from_slice(text);
        if !stream.ends_with(b"\n") {
            stream.push(b'\n');
        }
        if let Err(error) = apply_check(tree, &stream)? {
            return Ok(Some((i, error)));
        }
    }
    Ok(None)
}

/// `git apply --check` of `stream` in `tree`: `Err` holds git's first
/// error line.
fn apply_check(tree: &Path, stream: &[u8]) -> Result<std::result::Result<(), String>> {
    let mut child = Command::new("git")
        .args(["apply", "--check", "-"])
        .current_dir(tree)
        // The tree is a plain directory: no repository above it counts.
        .env("GIT_CEILING_DIRECTORIES", tree.parent().unwrap_or(tree))
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot run git apply --check in {}", tree.display()))?;
    child
        .stdin
        .take()
        .expect("piped")
        .write_all(stream)
        .context("cannot feed git apply --check")?;
    let out = child
        .wait_with_output()
        .context("waiting for git apply --check")?;
    if out.status.success() {
        return Ok(Ok(()));
    }
    Ok(Err(String::from_utf8_lossy(&out.stderr)
        .lines()
        .next()
        .unwrap_or("git apply --check failed")
        .to_string()))
}
