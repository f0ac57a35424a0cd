//! What an imported revision applies to: the commit its mails name on a
//! `base-commit:` line (as `git format-patch --base` and b4 write it), or
//! else the workspace's base tree, tried with `git apply --check`. Nothing
//! is written to the tree.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{Context, Result};
use serde::Serialize;

/// Where a revision stands against a base.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum BaseFound {
    /// The mails name their base commit.
    Commit {
        /// The commit's name as written.
        commit: String,
    },
    /// Every patch applies to the tree, each on top of the ones before.
    Applies {
        /// The tree tried.
        tree: String,
    },
    /// A patch does not apply to the tree.
    DoesNotApply {
        /// The tree tried.
        tree: String,
        /// The patch's file name.
        patch: String,
        /// git's first complaint.
        error: String,
    },
    /// No base commit named and no tree to try.
    Unknown,
}

impl BaseFound {
    /// One line for series.toml and the terminal.
    pub fn describe(&self) -> String {
        match self {
            BaseFound::Commit { commit } => format!("base-commit {commit}, as the mails say"),
            BaseFound::Applies { tree } => {
                format!("no base-commit in the mails; applies to {tree} (git apply --check)")
            }
            BaseFound::DoesNotApply { tree, patch, error } => {
                format!("no base-commit in the mails; {patch} does not apply to {tree}: {error}")
            }
            BaseFound::Unknown => {
                "no base-commit in the mails and no base tree to try them on (--kdir)".into()
            }
        }
    }
}

/// The commit a `base-commit:` line of any of `texts` names.
pub fn named_commit<'a>(texts: impl IntoIterator<Item = &'a str>) -> Option<String> {
    texts.into_iter().find_map(|text| {
        text.lines()
            .find_map(|l| l.strip_prefix("base-commit:"))
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty() && c.chars().all(|ch| ch.is_ascii_hexdigit()))
    })
}

/// `git apply --check` of `patches` (name and mail text) in `tree`, one
/// more patch each time, so each is checked on top of those before it.
pub fn try_on(tree: &Path, patches: &[(String, String)]) -> Result<BaseFound> {
    let tree_name = tree.display().to_string();
    let mut stream = String::new();
    for (name, text) in patches {
        stream.push_str(text);
        if let Err(error) = apply_check(tree, &stream)? {
            return Ok(BaseFound::DoesNotApply {
                tree: tree_name,
                patch: name.clone(),
                error,
            });
        }
    }
    Ok(BaseFound::Applies { tree: tree_name })
}

/// `Err` holds git's first line of complaint.
fn apply_check(tree: &Path, stream: &str) -> Result<std::result::Result<(), String>> {
    let mut child = Command::new("git")
        .args(["apply", "--check", "-"])
        .current_dir(tree)
        // A plain directory of sources: no repository above it may count.
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
        .write_all(stream.as_bytes())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_commit_lines() {
        let texts = ["no base here\n", "x\nbase-commit: 0123abcd\n-- \n"];
        assert_eq!(named_commit(texts), Some("0123abcd".into()));
        assert_eq!(named_commit(["base-commit: not-a-sha\n"]), None);
    }
}
