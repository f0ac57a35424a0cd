//! One commit as the mail `git format-patch` writes, rendered here from
//! its parts rather than by libgit2's `git_email`, whose output a
//! maintainer notices at once: a diffstat that is never scaled (a new
//! 254-line file drew 254 `+`), a spurious `-` on files with no deletions
//! in the tree-to-tree stat, a blank line after `---`, and a signature
//! separator without its space (`--`), which mail clients do not know.
//!
//! Everything a revision adds (the changelog below `---`, `base-commit:`)
//! is a part of the mail here, put in its place once, instead of text
//! spliced into a rendered mail afterwards.

use anyhow::{Context, Result};
use git2::{Diff, DiffFormat, Oid, Signature};

/// `git format-patch`'s stat width for mail (MAIL_DEFAULT_WRAP).
pub const STAT_WIDTH: usize = 72;

/// A commit's diff against its first parent as a mail carries it: binary
/// files in full (`git format-patch` implies `--binary`; `git am` cannot
/// apply a binary change without it).
pub fn commit_diff<'r>(repo: &'r git2::Repository, commit: &git2::Commit) -> Result<Diff<'r>> {
    let parent = commit
        .parent(0)
        .context("a root commit cannot be a patch")?;
    let mut opts = git2::DiffOptions::new();
    opts.show_binary(true);
    Ok(repo.diff_tree_to_tree(
        Some(&parent.tree()?),
        Some(&commit.tree()?),
        Some(&mut opts),
    )?)
}

/// What goes into one patch mail.
pub struct PatchMail<'a> {
    /// The commit the mail carries (its `From <sha>` line).
    pub commit: Oid,
    /// The patch's author: `From:` and `Date:`.
    pub author: &'a Signature<'a>,
    /// The whole subject, tag included (`[PATCH v3 1/3] ...`).
    pub subject: &'a str,
    /// The commit message after its summary line, trailers included.
    pub body: &'a str,
    /// Text below `---` that `git am` drops: changelog, citations.
    pub notes: &'a str,
    /// The commit's diff against its parent.
    pub diff: &'a Diff<'a>,
    /// `base-commit:` as `git format-patch --base` writes it.
    pub base_commit: Option<Oid>,
}

/// The subject tag: `[PATCH v3 1/3]` for `Some((1, 3))`, `[PATCH v3]`
/// for an unnumbered lone patch, `[PATCH 0/2]` for a first revision's
/// cover letter.
pub fn subject_tag(prefix: &str, version: Option<u32>, number: Option<(usize, usize)>) -> String {
    let mut tag = prefix.to_string();
    if let Some(v) = version {
        tag.push_str(&format!(" v{v}"));
    }
    if let Some((n, total)) = number {
        tag.push_str(&format!(" {n}/{total}"));
    }
    format!("[{tag}]")
}

/// The mail, ready for `git am`.
pub fn render(mail: &PatchMail) -> Result<String> {
    let from = signature_line(mail.author)?;
    let date = crate::mail::date::rfc2822_at(
        mail.author.when().seconds(),
        mail.author.when().offset_minutes(),
    );
    let body = mail.body.trim_matches('\n');
    let mut out = format!(
        "From {} Mon Sep 17 00:00:00 2001\nFrom: {from}\nDate: {date}\nSubject: {}\n",
        mail.commit, mail.subject
    );
    let diff_text = patch_text(mail.diff)?;
    // Mail is 7-bit unless it says otherwise; git format-patch says so
    // exactly when the text needs it (names are encoded-words already).
    if !(mail.subject.is_ascii() && body.is_ascii() && diff_text.is_ascii()) {
        out.push_str(
            "MIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: 8bit\n",
        );
    }
    out.push('\n');
    if !body.is_empty() {
        out.push_str(body);
        out.push('\n');
    }
    out.push_str("---\n");
    let notes = mail.notes.trim_matches('\n');
    if !notes.is_empty() {
        out.push_str(notes);
        out.push_str("\n\n");
    }
    out.push_str(&diffstat(mail.diff, STAT_WIDTH)?);
    out.push('\n');
    out.push_str(&diff_text);
    if let Some(base) = mail.base_commit {
        out.push_str(&format!("\nbase-commit: {base}\n"));
    }
    out.push_str(&signature());
    Ok(out)
}

/// The mail signature: `-- ` (with its space, so that mail clients know
/// it) and what wrote the mail.
pub fn signature() -> String {
    format!("-- \npatchctl {}\n\n", env!("CARGO_PKG_VERSION"))
}

fn signature_line(sig: &Signature) -> Result<String> {
    let name = sig.name().context("the author's name is not UTF-8")?;
    let email = sig.email().context("the author's address is not UTF-8")?;
    Ok(crate::mail::address::header_mailbox(&format!(
        "{name} <{email}>"
    )))
}

/// The diff as `git diff` prints it.
fn patch_text(diff: &Diff) -> Result<String> {
    let mut out = Vec::new();
    diff.print(DiffFormat::Patch, |_, _, line| {
        // Context, added and removed lines carry their marker in
        // `origin`; headers and "\ No newline" lines carry it in the text.
        if matches!(line.origin(), ' ' | '+' | '-') {
            out.push(line.origin() as u8);
        }
        out.extend_from_slice(line.content());
        true
    })?;
    String::from_utf8(out).context("the diff is not UTF-8")
}

/// One file's line of the stat.
struct FileStat {
    name: String,
    added: usize,
    deleted: usize,
    /// A binary file's sizes in bytes, before and after.
    binary: Option<(u64, u64)>,
}

fn file_stats(diff: &Diff) -> Result<Vec<FileStat>> {
    let mut files = Vec::new();
    for i in 0..diff.deltas().len() {
        let delta = diff.get_delta(i).context("a diff delta vanished")?;
        let path = |f: git2::DiffFile| f.path().map(|p| p.to_string_lossy().into_owned());
        let old = path(delta.old_file());
        let new = path(delta.new_file());
        let name = match (old, new) {
            (Some(o), Some(n)) if o != n => format!("{o} => {n}"),
            (_, Some(n)) => n,
            (Some(o), None) => o,
            (None, None) => continue,
        };
        let patch = git2::Patch::from_diff(diff, i)?;
        let (binary, added, deleted) = match patch {
            Some(p) if !delta.flags().is_binary() => {
                let (_, a, d) = p.line_stats()?;
                (None, a, d)
            }
            _ => (
                Some((delta.old_file().size(), delta.new_file().size())),
                0,
                0,
            ),
        };
        files.push(FileStat {
            name,
            added,
            deleted,
            binary,
        });
    }
    Ok(files)
}

/// The diffstat as `git format-patch` writes it (`git diff --stat=<width>
/// --summary`): the graph scaled so that the longest line fits, names
/// shortened from the left with `...` only when they must be, the
/// summary line, then each file created or deleted and each mode change.
pub fn diffstat(diff: &Diff, width: usize) -> Result<String> {
    let files = file_stats(diff)?;
    let mut out = draw_stat(&files, width);
    out.push_str(&mode_summary(diff));
    Ok(out)
}

/// `git diff --summary`'s lines for created and deleted files and changed
/// modes: what a reviewer checks first in a patch that adds a file.
fn mode_summary(diff: &Diff) -> String {
    let mut out = String::new();
    for delta in diff.deltas() {
        let path = |f: git2::DiffFile| {
            f.path()
                .map(|p| p.to_string_lossy().into_owned())
                .unwrap_or_default()
        };
        let (old_mode, new_mode) = (
            u32::from(delta.old_file().mode()),
            u32::from(delta.new_file().mode()),
        );
        match delta.status() {
            git2::Delta::Added => out.push_str(&format!(
                " create mode {new_mode:06o} {}\n",
                path(delta.new_file())
            )),
            git2::Delta::Deleted => out.push_str(&format!(
                " delete mode {old_mode:06o} {}\n",
                path(delta.old_file())
            )),
            git2::Delta::Modified if old_mode != new_mode => out.push_str(&format!(
                " mode change {old_mode:06o} => {new_mode:06o} {}\n",
                path(delta.new_file())
            )),
            _ => {}
        }
    }
    out
}

fn decimal_width(n: usize) -> usize {
    n.to_string().len()
}

/// A count scaled into `width` columns, at least one for any change.
fn scale(count: usize, width: usize, max: usize) -> usize {
    match count {
        0 => 0,
        c => 1 + c * (width.saturating_sub(1)) / max.max(1),
    }
}

fn draw_stat(files: &[FileStat], width: usize) -> String {
    let max_change = files.iter().map(|f| f.added + f.deleted).max().unwrap_or(0);
    let max_name = files
        .iter()
        .map(|f| f.name.chars().count())
        .max()
        .unwrap_or(0);
    // "Bin" needs three columns.
    let number_width = decimal_width(max_change).max(if files.iter().any(|f| f.binary.is_some()) {
        3
    } else {
        0
    });
    // Around the name and the number: " ", " | ", " " and one column
    // left free at the end.
    let fixed = number_width + 6;
    let mut graph_width = max_change;
    let mut name_width = max_name;
    if name_width + fixed + graph_width > width {
        // The graph may take up to 3/8 of the line, the name the rest.
        graph_width = graph_width.min((width * 3 / 8).saturating_sub(fixed).max(6));
        if name_width > width.saturating_sub(fixed + graph_width) {
            name_width = width.saturating_sub(fixed + graph_width);
        } else {
            graph_width = width.saturating_sub(fixed + name_width);
        }
    }
    let mut out = String::new();
    for f in files {
        let name = fit_name(&f.name, name_width);
        if let Some((before, after)) = f.binary {
            out.push_str(&format!(
                " {name:<name_width$} | {:>number_width$} {before} -> {after} bytes\n",
                "Bin"
            ));
            continue;
        }
        let (mut add, mut del) = (f.added, f.deleted);
        if graph_width < max_change {
            let mut total = scale(add + del, graph_width, max_change);
            if total < 2 && add > 0 && del > 0 {
                total = 2;
            }
            if add < del {
                add = scale(add, graph_width, max_change);
                del = total - add;
            } else {
                del = scale(del, graph_width, max_change);
                add = total - del;
            }
        }
        out.push_str(&format!(
            " {name:<name_width$} | {:>number_width$} {}{}\n",
            f.added + f.deleted,
            "+".repeat(add),
            "-".repeat(del)
        ));
    }
    out.push_str(&summary_line(files));
    out
}

/// A name that fits `width` columns: whole, or its end after `...`.
fn fit_name(name: &str, width: usize) -> String {
    let len = name.chars().count();
    if len <= width {
        return name.to_string();
    }
    let keep = width.saturating_sub(3);
    let tail: String = name.chars().skip(len - keep).collect();
    // Cut at a directory boundary when there is one, as git does.
    match tail.find('/') {
        Some(i) => format!("...{}", &tail[i..]),
        None => format!("...{tail}"),
    }
}

fn summary_line(files: &[FileStat]) -> String {
    let added: usize = files.iter().map(|f| f.added).sum();
    let deleted: usize = files.iter().map(|f| f.deleted).sum();
    let plural = |n: usize, one: &str, many: &str| match n {
        1 => format!("{n} {one}"),
        _ => format!("{n} {many}"),
    };
    let mut line = format!(" {}", plural(files.len(), "file changed", "files changed"));
    if added > 0 || deleted == 0 {
        line.push_str(&format!(
            ", {}",
            plural(added, "insertion(+)", "insertions(+)")
        ));
    }
    if deleted > 0 {
        line.push_str(&format!(
            ", {}",
            plural(deleted, "deletion(-)", "deletions(-)")
        ));
    }
    line.push('\n');
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stat(name: &str, added: usize, deleted: usize) -> FileStat {
        FileStat {
            name: name.to_string(),
            added,
            deleted,
            binary: None,
        }
    }

    #[test]
    fn a_long_new_file_is_scaled_into_the_line() {
        let files = [
            stat("drivers/dma-buf/heaps/Kconfig", 13, 0),
            stat("drivers/dma-buf/heaps/system_heap.c", 4, 0),
            stat("drivers/dma-buf/heaps/system_heap_vmap_test.c", 254, 0),
        ];
        let out = draw_stat(&files, 72);
        for line in out.lines() {
            assert!(line.chars().count() <= 72, "{line:?} is wider than 72");
        }
        let graphs: String = out
            .lines()
            .filter_map(|l| l.split_once(" | "))
            .map(|(_, g)| g)
            .collect();
        assert!(!graphs.contains('-'), "no file deletes a line: {out}");
        assert!(
            out.ends_with(" 3 files changed, 271 insertions(+)\n"),
            "{out}"
        );
    }

    #[test]
    fn small_changes_are_drawn_one_column_a_line() {
        let out = draw_stat(&[stat("mm/vmalloc.c", 8, 1)], 72);
        assert_eq!(
            out,
            " mm/vmalloc.c | 9 ++++++++-\n 1 file changed, 8 insertions(+), 1 deletion(-)\n"
        );
    }

    #[test]
    fn tags_number_only_series() {
        assert_eq!(
            subject_tag("PATCH", Some(3), Some((1, 3))),
            "[PATCH v3 1/3]"
        );
        assert_eq!(subject_tag("PATCH", Some(2), None), "[PATCH v2]");
        assert_eq!(
            subject_tag("RFC PATCH", None, Some((0, 2))),
            "[RFC PATCH 0/2]"
        );
    }
}
