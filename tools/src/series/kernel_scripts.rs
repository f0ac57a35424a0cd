//! The kernel tree's own scripts, run on a mail: `get_maintainer.pl` for
//! who must receive it and `checkpatch.pl --strict` for its style. Both
//! run from the tree's top directory, which they require.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

/// Runs the tree's get_maintainer.pl on a mail: (To, Cc).
pub fn recipients(tree: &Path, mail: &Path) -> Result<(Vec<String>, Vec<String>)> {
    let out = Command::new("perl")
        .arg("scripts/get_maintainer.pl")
        // Maintainers, reviewers and lists only: not whoever touched the
        // files last in the tree's history (the git fallback).
        .args([
            "--no-git",
            "--no-git-fallback",
            "--no-multiline",
            "--separator",
            "\n",
        ])
        .arg(mail)
        .current_dir(tree)
        .output()
        .context("cannot run scripts/get_maintainer.pl")?;
    if !out.status.success() {
        bail!(
            "scripts/get_maintainer.pl failed on {}: {}",
            mail.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let mut to = Vec::new();
    let mut cc = Vec::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let (who, role) = split_role(line);
        if who.is_empty() {
            continue;
        }
        if role.contains("maintainer:") {
            to.push(who.to_string());
        } else {
            cc.push(who.to_string());
        }
    }
    Ok((to, cc))
}

/// A get_maintainer.pl line as (who, role): the role is the parenthesis
/// after the address, which may hold parentheses itself
/// ("(maintainer:ARM64 PORT (AARCH64 ARCHITECTURE))").
pub fn split_role(line: &str) -> (&str, &str) {
    let after_address = line.find('>').map_or(0, |i| i + 1);
    match line[after_address..].find(" (") {
        Some(i) => (line[..after_address + i].trim(), &line[after_address + i..]),
        None => (line.trim(), ""),
    }
}

/// checkpatch's question on a patch that adds, moves or deletes a file.
pub const MAINTAINERS_QUESTION: &str = "does MAINTAINERS need updating?";

/// The files a patch adds (`new file mode` after its `diff --git` line).
pub fn added_files(patch_text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Option<&str> = None;
    for line in patch_text.lines() {
        if let Some(rest) = line.strip_prefix("diff --git a/") {
            current = rest.rsplit_once(" b/").map(|(_, b)| b);
        } else if line.starts_with("new file mode") {
            if let Some(f) = current.take() {
                out.push(f.to_string());
            }
        }
    }
    out
}

/// Runs `checkpatch.pl --strict` on a mail: (errors, summary line, output).
pub fn checkpatch(tree: &Path, mail: &Path) -> Result<(u32, String, String)> {
    let out = Command::new("perl")
        .arg("scripts/checkpatch.pl")
        .args(["--strict", "--no-signoff"])
        .arg(mail)
        .current_dir(tree)
        .output()
        .context("cannot run scripts/checkpatch.pl")?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    // No summary: checkpatch did not get through the mail (a crash, a
    // tree without its data files). That is not a clean patch.
    let Some(summary) = text.lines().find(|l| l.starts_with("total:")) else {
        bail!(
            "scripts/checkpatch.pl printed no summary for {} (exit {}): {}",
            mail.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    };
    let summary = summary.to_string();
    let errors = summary
        .strip_prefix("total: ")
        .and_then(|s| s.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(if out.status.success() { 0 } else { 1 });
    Ok((errors, summary, text))
}

/// Runs `checkpatch.pl --strict` once over several mails and returns each
/// mail's part of the output, in order. One process for many mails: perl
/// compiles checkpatch's several thousand lines on every start, about half
/// the time of a one-mail run. Each mail's part ends with its `total:`
/// line; a run that prints fewer of them than it was given mails did not
/// get through them all, and is an error.
pub fn checkpatch_each(tree: &Path, mails: &[PathBuf]) -> Result<Vec<String>> {
    if mails.is_empty() {
        return Ok(Vec::new());
    }
    let out = Command::new("perl")
        .arg("scripts/checkpatch.pl")
        .args(["--strict", "--no-signoff"])
        .args(mails)
        .current_dir(tree)
        .output()
        .context("cannot run scripts/checkpatch.pl")?;
    let text = String::from_utf8_lossy(&out.stdout);
    let mut parts = vec![String::new()];
    for line in text.lines() {
        let part = parts.last_mut().expect("never empty");
        part.push_str(line);
        part.push('\n');
        if line.starts_with("total:") {
            parts.push(String::new());
        }
    }
    // What follows the last summary (its closing note) is no mail's.
    parts.pop();
    if parts.len() != mails.len() {
        bail!(
            "scripts/checkpatch.pl printed no summary for {} of the {} mails it was given (from {}; exit {}): {}",
            mails.len() - parts.len().min(mails.len()),
            mails.len(),
            mails[0].display(),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(parts)
}

/// checkpatch.pl's findings in its output, one line each: the ERROR,
/// WARNING or CHECK line, with the `#N: FILE: path:line` under it when
/// there is one.
pub fn checkpatch_findings(output: &str) -> Vec<String> {
    let lines: Vec<&str> = output.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if !["ERROR:", "WARNING:", "CHECK:"]
            .iter()
            .any(|k| line.starts_with(k))
        {
            continue;
        }
        match lines.get(i + 1).map(|l| l.trim_end().trim_end_matches(':')) {
            Some(at) if at.starts_with('#') && at.len() > 1 => out.push(format!("{line} ({at})")),
            _ => out.push(line.to_string()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_role_with_parentheses_stays_out_of_the_address() {
        assert_eq!(
            split_role(
                "Will Deacon <will@kernel.org> (maintainer:ARM64 PORT (AARCH64 ARCHITECTURE))"
            ),
            (
                "Will Deacon <will@kernel.org>",
                " (maintainer:ARM64 PORT (AARCH64 ARCHITECTURE))"
            )
        );
        assert_eq!(
            split_role(
                "linux-arm-kernel@lists.infradead.org (moderated list:ARM64 PORT (AARCH64))"
            ),
            (
                "linux-arm-kernel@lists.infradead.org",
                " (moderated list:ARM64 PORT (AARCH64))"
            )
        );
        assert_eq!(split_role("a@b.c"), ("a@b.c", ""));
    }

    #[test]
    fn each_finding_keeps_where_it_is() {
        let out = "WARNING: Prefer a maximum 75 chars per line\n#10: \nA long line.\n\n\
                   CHECK: Alignment should match open parenthesis\n#25: FILE: mm/vmalloc.c:30:\n+\tx,\n\n\
                   total: 0 errors, 1 warnings, 1 checks, 40 lines checked\n";
        assert_eq!(
            checkpatch_findings(out),
            [
                "WARNING: Prefer a maximum 75 chars per line (#10)",
                "CHECK: Alignment should match open parenthesis (#25: FILE: mm/vmalloc.c:30)"
            ]
        );
        assert!(checkpatch_findings("total: 0 errors, 0 warnings, 0 checks\n").is_empty());
    }

    #[test]
    fn added_files_are_the_new_ones() {
        let patch = "diff --git a/k/Kconfig b/k/Kconfig\nindex 1..2\n\
                     diff --git a/k/new_test.c b/k/new_test.c\nnew file mode 100644\n";
        assert_eq!(added_files(patch), ["k/new_test.c"]);
    }
}
