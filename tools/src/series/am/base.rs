//! What an imported revision applies to: the commit its mails name on a
//! `base-commit:` line (as `git format-patch --base` and b4 write it), or
//! else the workspace's base tree, tried with `git apply --check`. Nothing
//! is written to the tree.

use std::path::Path;

use anyhow::Result;
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
    let texts: Vec<&[u8]> = patches.iter().map(|(_, t)| t.as_bytes()).collect();
    Ok(
        match crate::kernel::apply::first_not_applying(tree, &texts)? {
            Some((i, error)) => BaseFound::DoesNotApply {
                tree: tree_name,
                patch: patches[i].0.clone(),
                error,
            },
            None => BaseFound::Applies { tree: tree_name },
        },
    )
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
