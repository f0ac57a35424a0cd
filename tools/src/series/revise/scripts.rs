//! What the kernel tree's own scripts say of a revision: To and Cc from
//! `scripts/get_maintainer.pl`, and `scripts/checkpatch.pl --strict` on
//! every mail.

use std::path::PathBuf;

use anyhow::{bail, Result};

use crate::series::kernel_scripts;

use super::{CheckpatchSummary, ReviseOptions};

/// To and Cc from the tree's own get_maintainer.pl for every patch, plus
/// the previous thread's participants, one line per address; and
/// In-Reply-To when asked.
pub(super) fn headers(
    opts: &ReviseOptions,
    files: &[PathBuf],
) -> Result<Vec<(String, Vec<String>)>> {
    let mut to = Vec::new();
    let mut cc = Vec::new();
    for f in files {
        let (t, c) = kernel_scripts::recipients(opts.tree, f)?;
        for x in t {
            crate::util::push_unique(&mut to, x);
        }
        for x in c {
            crate::util::push_unique(&mut cc, x);
        }
    }
    for x in &opts.extra_cc {
        crate::util::push_unique(&mut cc, x.clone());
    }
    // One line per address: get_maintainer.pl quotes names, mail does not.
    let mut seen = std::collections::HashSet::new();
    to.retain(|p| seen.insert(crate::mail::address::email_or_whole(p)));
    cc.retain(|p| seen.insert(crate::mail::address::email_or_whole(p)));
    let mut headers = vec![("To".to_string(), to), ("Cc".to_string(), cc)];
    if let Some(id) = &opts.in_reply_to {
        headers.push(("In-Reply-To".to_string(), vec![id.bracketed()]));
    }
    Ok(headers)
}

/// checkpatch.pl --strict on every patch (not the cover letter): its
/// summary per patch; errors fail unless allowed.
pub(super) fn check_patches(
    opts: &ReviseOptions,
    files: &[PathBuf],
    version: u32,
) -> Result<Vec<CheckpatchSummary>> {
    let mut reports = Vec::new();
    let mut failed = Vec::new();
    for f in files
        .iter()
        .filter(|f| !f.ends_with(format!("v{version}-0000-cover-letter.patch")))
    {
        let (errors, summary, text) = kernel_scripts::checkpatch(opts.tree, f)?;
        if errors > 0 {
            failed.push(format!("{}:\n{text}", f.display()));
        }
        reports.push(CheckpatchSummary {
            mail: f.clone(),
            summary,
        });
    }
    if !failed.is_empty() && !opts.allow_checkpatch_errors {
        bail!(
            "checkpatch.pl --strict found errors:\n{}",
            failed.join("\n")
        );
    }
    Ok(reports)
}
