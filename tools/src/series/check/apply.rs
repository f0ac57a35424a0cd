//! Whether the series applies to its base tree, patch by patch: each
//! prefix of the series goes to `git apply --check` as one stream, so
//! that a patch is checked on top of the ones before it. Nothing is
//! written.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::mail::SentMail;

/// The first patch that does not apply to `tree` on top of the ones before
/// it, with git's first error; `None` when the whole series applies.
/// `tree` must be absolute: git must not find a repository above it.
pub fn first_not_applying(tree: &Path, mails: &[SentMail]) -> Result<Option<(PathBuf, String)>> {
    let patches: Vec<&SentMail> = mails.iter().filter(|m| m.patch.is_some()).collect();
    let mut texts = Vec::new();
    for mail in &patches {
        texts.push(
            std::fs::read(&mail.path)
                .with_context(|| format!("cannot read {}", mail.path.display()))?,
        );
    }
    let texts: Vec<&[u8]> = texts.iter().map(Vec::as_slice).collect();
    Ok(crate::kernel::apply::first_not_applying(tree, &texts)?
        .map(|(i, error)| (patches[i].path.clone(), error)))
}
