//! Whether the series applies to its base tree, patch by patch: each
//! prefix of the series goes to `git apply --check` as one stream, so
//! that a patch is checked on top of the ones before it. Nothing is
//! written.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result};

use super::mail::SentMail;

/// The first patch that does not apply to `tree` on top of the ones before
/// it, with git's first error; `None` when the whole series applies.
/// `tree` must be absolute: git must not find a repository above it.
pub fn first_not_applying(tree: &Path, mails: &[SentMail]) -> Result<Option<(PathBuf, String)>> {
    let mut stream = Vec::new();
    for mail in mails.iter().filter(|m| m.patch.is_some()) {
        let text = std::fs::read(&mail.path)
            .with_context(|| format!("cannot read {}", mail.path.display()))?;
        stream.extend_from_slice(&text);
        if !stream.ends_with(b"\n") {
            stream.push(b'\n');
        }
        if let Err(error) = apply_check(tree, &stream)? {
            return Ok(Some((mail.path.clone(), error)));
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
        .context("cannot run git apply --check")?;
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
    let first = String::from_utf8_lossy(&out.stderr)
        .lines()
        .next()
        .unwrap_or("git apply --check failed")
        .to_string();
    Ok(Err(first))
}
