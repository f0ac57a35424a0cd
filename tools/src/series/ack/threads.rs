//! The review state `--kind auto` decides by: the series' own threads
//! (`threads/*.mbox`, as `patchctl am` keeps them) derived with the
//! shipped rules and the roles MAINTAINERS gives.

use std::fs;
use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};

use crate::mail::mbox;
use crate::mail::message_id::MessageId;
use crate::mail::thread::Thread;
use crate::review::maintainers::{self, Maintainers};
use crate::review::{derive, Applied, PatchState, ReviewState, RevisionState, Rules};

/// The review state of the threads stored with the series in
/// `series_dir` and of the `extra` mbox files given beside them; `None`
/// when there are none. A mail in several of them counts once.
pub(super) fn review_state(
    series_dir: &Path,
    extra: &[std::path::PathBuf],
    maintainers_file: Option<&Path>,
    progress: &mut dyn Write,
) -> Result<Option<ReviewState>> {
    let dir = series_dir.join("threads");
    let mut files: Vec<_> = fs::read_dir(&dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "mbox"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files.extend(extra.iter().cloned());
    if files.is_empty() {
        return Ok(None);
    }
    let mut mails = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for f in &files {
        let what = f.display().to_string();
        let raw = fs::read(f).with_context(|| format!("cannot read the thread {what}"))?;
        let data = mbox::gunzip(&raw, &what, mbox::MAX_UNPACKED)?;
        mbox::check_is_mbox(&data, &what)?;
        for mail in Thread::from_mbox(&data, &f.display().to_string())?.mails {
            if seen.insert(mail.message_id.clone()) {
                mails.push(mail);
            }
        }
    }
    let roles = load_maintainers(maintainers_file, progress)?;
    let rules = Rules::default_rules();
    Ok(Some(derive(
        &Thread::from_mails(mails),
        roles.as_ref(),
        &rules,
    )))
}

/// MAINTAINERS from `file`, else the cached kernel source's; `None`
/// (said on `progress`) when there is none: no one is then a maintainer.
fn load_maintainers(file: Option<&Path>, progress: &mut dyn Write) -> Result<Option<Maintainers>> {
    let path = match file {
        Some(p) => p.to_path_buf(),
        None => maintainers::default_path()?,
    };
    if file.is_none() && !path.exists() {
        let _ = writeln!(
            progress,
            "patchctl: no MAINTAINERS at {} (give --maintainers): no reply counts as a maintainer's, so no patch is FROMGIT",
            path.display()
        );
        return Ok(None);
    }
    Ok(Some(Maintainers::load(&path)?))
}

/// The revision `version` of `state` that posted any of `message_ids`
/// (cover letter or patches); without those, the only revision
/// `version` there is.
pub(super) fn revision_in<'s>(
    state: &'s ReviewState,
    version: u32,
    message_ids: &[MessageId],
) -> Option<&'s RevisionState> {
    let revisions = || {
        state
            .series
            .iter()
            .flat_map(|s| &s.revisions)
            .filter(move |r| r.version == version)
    };
    let posted = |r: &&RevisionState| {
        r.patches
            .iter()
            .any(|p| message_ids.contains(&p.message_id))
    };
    revisions().find(posted).or_else(|| {
        let mut all = revisions();
        match (all.next(), all.next()) {
            (Some(only), None) if message_ids.is_empty() => Some(only),
            _ => None,
        }
    })
}

/// Patch `index` of `revision`, and the latest maintainer's reply that
/// applied it.
pub(super) fn applied_patch(
    revision: &RevisionState,
    index: u32,
) -> Option<(&PatchState, &Applied)> {
    let patch = revision.patches.iter().find(|p| p.index == index)?;
    let applied = revision
        .applied
        .iter()
        .rev()
        .find(|a| a.patches.contains(&index))?;
    Some((patch, applied))
}

/// A tree as people say it: `dtor/input.git` for
/// `git://git.kernel.org/pub/scm/linux/kernel/git/dtor/input.git`.
pub fn short_tree(tree: &str) -> String {
    let path = tree.split_once("://").map_or(tree, |(_, rest)| rest);
    let parts: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    match parts.as_slice() {
        [_host, .., owner, repo] => format!("{owner}/{repo}"),
        _ => tree.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trees_as_people_say_them() {
        assert_eq!(
            short_tree("git://git.kernel.org/pub/scm/linux/kernel/git/dtor/input.git"),
            "dtor/input.git"
        );
        assert_eq!(short_tree("input.git"), "input.git");
        assert_eq!(
            short_tree("https://example.org/x.git"),
            "https://example.org/x.git"
        );
    }
}
