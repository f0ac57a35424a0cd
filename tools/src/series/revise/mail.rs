//! The mails of a revision: each patch as `git format-patch` writes it,
//! with the trailers collected in review, the sender's sign-off, the
//! changelog below `---`, and the cover letter with its shortlog.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};
use git2::Repository;

use crate::mail::trailers::TrailerKind;
use crate::review::ReviewState;
use crate::series::manifest::ManifestRevision;

use super::{ReviseOptions, SeriesRange};

/// git format-patch keeps 52 characters of a subject in a file name.
pub(super) const FORMAT_PATCH_SLUG_LEN: usize = 52;

/// Adds `extra` trailers (full lines) to a commit message, in the usual
/// order and without duplicates, just above the last Signed-off-by.
pub fn add_trailers(message: &str, extra: &[String]) -> String {
    let mut lines: Vec<String> = message.trim_end().lines().map(String::from).collect();
    let mut extra: Vec<&String> = extra
        .iter()
        .filter(|t| {
            !lines
                .iter()
                .any(|l| l.trim().eq_ignore_ascii_case(t.trim()))
        })
        .collect();
    extra.dedup();
    // In the usual order (TrailerKind::carry_rank), others after them.
    extra.sort_by_key(|t| {
        t.split_once(':')
            .and_then(|(key, _)| TrailerKind::from_key(key.trim()))
            .and_then(TrailerKind::carry_rank)
            .unwrap_or(usize::MAX)
    });
    let at = lines
        .iter()
        .rposition(|l| l.starts_with("Signed-off-by:"))
        .unwrap_or(lines.len());
    for (i, t) in extra.into_iter().enumerate() {
        lines.insert(at + i, t.clone());
    }
    lines.join("\n") + "\n"
}

/// Trailers collected in review for this patch: those given to any
/// revision of the same patch (the same patch-id, or the title when the
/// diff has no id), as `status` carries them; and, as notes, those given to
/// a revision of the same title whose diff has changed since, which do not
/// carry over.
fn collected(
    review: Option<&ReviewState>,
    patch_id: Option<&str>,
    title: &str,
) -> (Vec<String>, Vec<String>) {
    let Some(state) = review else {
        return (Vec::new(), Vec::new());
    };
    let earlier = state.earlier_trailers(None, patch_id, title);
    let mut lines = Vec::new();
    for e in &earlier.carried {
        let t = &e.given;
        if t.trailer.kind.carry_rank().is_some() && !t.address_differs {
            crate::util::push_unique(
                &mut lines,
                format!("{}: {}", t.trailer.kind, t.trailer.value),
            );
        }
    }
    let notes = earlier
        .changed_since
        .iter()
        .filter(|e| e.given.trailer.kind.carry_rank().is_some())
        .map(|e| {
            format!(
                "{title}: {}: {} was given to v{}; the patch changed since, so it is not carried",
                e.given.trailer.kind, e.given.trailer.value, e.version
            )
        })
        .collect();
    (lines, notes)
}

pub(super) fn insert_headers(mail: &str, headers: &[(String, Vec<String>)]) -> String {
    let mut out = String::new();
    let mut done = false;
    for line in mail.split_inclusive('\n') {
        out.push_str(line);
        if !done && line.starts_with("Subject:") {
            for (name, values) in headers.iter().filter(|(_, v)| !v.is_empty()) {
                // Values come from mails of the thread: one line each, so
                // no value can start a header of its own.
                let values: Vec<String> = values
                    .iter()
                    .map(|v| {
                        crate::mail::address::header_mailbox(&crate::mail::thread::one_line(v))
                    })
                    .collect();
                out.push_str(&format!("{name}: {}\n", values.join(",\n\t")));
            }
            done = true;
        }
    }
    out
}

/// The changelog below `---`: this revision's changes, and a link to the
/// previous revision once it was posted.
///
/// In the form maintainers' tools read: "Changes in vN:", one "- " item
/// per change, then "- Link to vN-1: <lore>/r/<id>".
pub(super) fn changelog(
    opts: &ReviseOptions,
    previous: Option<&ManifestRevision>,
    version: u32,
) -> String {
    let mut items: Vec<String> = opts
        .changes
        .iter()
        .map(|c| bullet(c, CHANGELOG_WIDTH))
        .collect();
    if let Some(id) = previous.and_then(|p| p.message_id.as_ref()) {
        items.push(format!(
            "- Link to v{}: {}/r/{}\n",
            version - 1,
            opts.lore.trim_end_matches('/'),
            id
        ));
    }
    if items.is_empty() {
        return String::new();
    }
    format!("Changes in v{version}:\n{}", items.concat())
}

/// Where changelog items wrap: the width of a commit message, so that
/// checkpatch, which reads a cover letter's lines as it reads a commit
/// message's, does not flag them.
const CHANGELOG_WIDTH: usize = 72;

/// One changelog item, "- " and the text wrapped at `width` between
/// words, continued under its first word. A word longer than the line
/// (a URL, a function name) stands on its own line, unbroken.
pub(super) fn bullet(text: &str, width: usize) -> String {
    let mut out = String::from("-");
    let mut line_len = 1;
    for word in text.split_whitespace() {
        if line_len > 2 && line_len + 1 + word.len() > width {
            out.push_str("\n ");
            line_len = 1;
        }
        out.push(' ');
        out.push_str(word);
        line_len += 1 + word.len();
    }
    out.push('\n');
    out
}

/// `git range-diff` of the previous revision's commits against these, run
/// in the tree (not imitated), for the cover letter.
fn range_diff(opts: &ReviseOptions, previous: &str) -> Result<String> {
    let out = Command::new("git")
        .args(["range-diff", "--no-color"])
        .arg(format!("{}..{previous}", opts.base))
        .arg(format!("{}..{}", opts.base, opts.head))
        .current_dir(opts.tree)
        .output()
        .context("cannot run git range-diff")?;
    if !out.status.success() {
        bail!(
            "git range-diff {}..{previous} {}..{} failed: {}",
            opts.base,
            opts.base,
            opts.head,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The message with `sender`'s Signed-off-by as its last trailer, added
/// unless it is already last (the sender signs what they pass on).
pub fn with_sender_signoff(message: &str, sender: &str) -> String {
    let line = format!("Signed-off-by: {sender}");
    let last = message
        .lines()
        .rev()
        .find(|l| l.starts_with("Signed-off-by:"));
    if last.is_some_and(|l| l.trim() == line) {
        return message.to_string();
    }
    format!("{}\n{line}\n", message.trim_end())
}

/// One `git format-patch`-form mail per commit, with the review's
/// trailers and the changelog, written into `dir`.
pub(super) fn write_patch_mails(
    repo: &Repository,
    range: &SeriesRange,
    opts: &ReviseOptions,
    version: u32,
    changelog: &str,
    dir: &Path,
) -> Result<(Vec<PathBuf>, Vec<String>)> {
    let total = range.commits.len();
    let mut files = Vec::new();
    let mut review_notes = Vec::new();
    for (i, commit) in range.commits.iter().enumerate() {
        let diff = crate::series::format_patch::commit_diff(repo, commit)?;
        let message = commit.message().context("commit message is not UTF-8")?;
        let summary = commit
            .summary()
            .ok()
            .flatten()
            .unwrap_or_default()
            .to_string();
        let (trailers, notes) = collected(
            opts.review,
            crate::review::upstream::diff_patch_id(&diff)?.as_deref(),
            &summary,
        );
        for n in notes {
            crate::util::push_unique(&mut review_notes, n);
        }
        let (body, citations) = patch_body(opts, message, &trailers)
            .with_context(|| format!("patch {} ({summary})", i + 1))?;
        let (notes, base_commit) = below_the_line(range, opts, version, changelog, &citations)?;
        let subject = format!(
            "{} {summary}",
            crate::series::format_patch::subject_tag(
                opts.subject_prefix(),
                opts.subject_version(version),
                // A lone patch is not numbered, as git format-patch does.
                (total > 1).then_some((i + 1, total)),
            )
        );
        let author = commit.author();
        let text = crate::series::format_patch::render(&crate::series::format_patch::PatchMail {
            commit: commit.id(),
            author: &author,
            subject: &subject,
            body: &body,
            notes: &notes,
            diff: &diff,
            base_commit,
        })?;
        let name = format!(
            "v{version}-{:04}-{}.patch",
            i + 1,
            crate::mail::patch::file_slug(&summary, FORMAT_PATCH_SLUG_LEN)
        );
        let path = dir.join(&name);
        fs::write(&path, &text)?;
        files.push(path);
    }
    Ok((files, review_notes))
}

/// A commit message's body as the mail carries it: figures filled in,
/// the review's `trailers` added and the sender's sign-off last; with
/// where each quoted figure came from.
fn patch_body(
    opts: &ReviseOptions,
    message: &str,
    trailers: &[String],
) -> Result<(String, Vec<String>)> {
    let body = message
        .split_once('\n')
        .map_or("", |(_, b)| b)
        .trim_start_matches('\n');
    let filled = crate::series::quote::fill(body, opts.figures)?;
    let mut body = add_trailers(&filled.text, trailers);
    if let Some(sender) = &opts.sender {
        body = with_sender_signoff(&body, sender);
    }
    Ok((body, filled.citations))
}

/// What a patch carries below `---`, and the base commit it names (a lone
/// patch only, sent without a cover letter).
fn below_the_line(
    range: &SeriesRange,
    opts: &ReviseOptions,
    version: u32,
    changelog: &str,
    citations: &[String],
) -> Result<(String, Option<git2::Oid>)> {
    // Below ---: the changelog, then where each quoted figure came from.
    let mut notes = match citations.is_empty() {
        true => changelog.trim_end().to_string(),
        false => format!(
            "{}\n\nFigures quoted above, from the committed record:\n{}",
            changelog.trim_end(),
            citations.join("\n")
        ),
    };
    // Without a cover letter, the one patch carries what it would.
    let mut base_commit = None;
    if opts.cover.is_none() {
        if let Some(previous) = &opts.previous {
            notes = format!(
                "{}\n\nRange-diff against v{}:\n{}",
                notes.trim_end(),
                version - 1,
                range_diff(opts, previous)?.trim_end()
            );
        }
        base_commit = Some(range.base.id());
    }
    Ok((notes, base_commit))
}

/// The cover letter: the text, the measured table, the changelog, the
/// shortlog and the diffstat of base..head.
pub(super) fn cover_letter(
    repo: &Repository,
    range: &SeriesRange,
    opts: &ReviseOptions,
    version: u32,
    changelog: &str,
    title: &str,
    text: &str,
) -> Result<String> {
    let total = range.commits.len();
    let whole =
        repo.diff_tree_to_tree(Some(&range.base.tree()?), Some(&range.head.tree()?), None)?;
    let diffstat =
        crate::series::format_patch::diffstat(&whole, crate::series::format_patch::STAT_WIDTH)?;
    let tag = crate::series::format_patch::subject_tag(
        opts.subject_prefix(),
        opts.subject_version(version),
        Some((0, total)),
    );
    let filled = crate::series::quote::fill(text, opts.figures).context("the cover letter")?;
    let from = match &opts.sender {
        Some(sender) => sender.clone(),
        None => range.head.committer().to_string(),
    };
    let from = crate::mail::address::header_mailbox(&from);
    let mut body = format!(
        "From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001\nFrom: {from}\nDate: {}\nSubject: {tag} {title}\n\n{}\n",
        crate::mail::date::rfc2822_now(),
        filled.text.trim_end()
    );
    // A text that quotes its figures (each with its spread) stands alone:
    // the minimum-only table would repeat them without it.
    if let Some(table) = opts
        .measured
        .as_ref()
        .filter(|_| filled.citations.is_empty())
    {
        body.push_str(&format!("\n{}\n", table.trim_end()));
    }
    if !changelog.is_empty() {
        body.push_str(&format!("\n{changelog}"));
    }
    if !filled.citations.is_empty() {
        body.push_str(&format!(
            "\nFigures quoted above, from the committed record:\n{}\n",
            filled.citations.join("\n")
        ));
    }
    body.push('\n');
    body.push_str(&shortlog(&range.commits));
    body.push_str(&format!("\n{diffstat}"));
    if let Some(previous) = &opts.previous {
        body.push_str(&format!(
            "\nRange-diff against v{}:\n{}",
            version - 1,
            range_diff(opts, previous)?
        ));
    }
    body.push_str(&format!(
        "\nbase-commit: {}\n{}",
        range.base.id(),
        crate::series::format_patch::signature()
    ));
    Ok(body)
}

/// The shortlog as `git format-patch --cover-letter` writes it: each
/// author's name with their count, then their subjects, authors in order
/// of name as `git shortlog` sorts them.
fn shortlog(commits: &[git2::Commit]) -> String {
    let mut by_author: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for c in commits {
        let author = c.author().name().unwrap_or_default().to_string();
        let subject = c.summary().ok().flatten().unwrap_or_default().to_string();
        by_author.entry(author).or_default().push(subject);
    }
    let mut out = String::new();
    for (author, subjects) in &by_author {
        out.push_str(&format!("{author} ({}):\n", subjects.len()));
        for s in subjects {
            out.push_str(&format!("  {s}\n"));
        }
        out.push('\n');
    }
    out.trim_end_matches('\n').to_string() + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changelog_items_wrap_under_their_first_word() {
        let item = bullet(
            "no speed claim: no change to the whole system_heap_do_vmap() was measured; the per-entry walk is a clean-up",
            72,
        );
        assert_eq!(
            item,
            "- no speed claim: no change to the whole system_heap_do_vmap() was\n  measured; the per-entry walk is a clean-up\n"
        );
        assert!(item.lines().all(|l| l.len() <= 72));
        let long = "x".repeat(80);
        assert_eq!(
            bullet(&format!("see {long}"), 72),
            format!("- see\n  {long}\n")
        );
    }

    #[test]
    fn trailers_go_above_the_submitters_signoff_in_order() {
        let msg = "Body.\n\nSigned-off-by: A <a@x>\nReviewed-by: R <r@x>\nSigned-off-by: S <s@x>\n";
        let out = add_trailers(
            msg,
            &[
                "Acked-by: K <k@x>".into(),
                "Reviewed-by: R <r@x>".into(),
                "Tested-by: T <t@x>".into(),
            ],
        );
        assert_eq!(
            out,
            "Body.\n\nSigned-off-by: A <a@x>\nReviewed-by: R <r@x>\nTested-by: T <t@x>\nAcked-by: K <k@x>\nSigned-off-by: S <s@x>\n"
        );
    }

    #[test]
    fn header_values_cannot_inject_headers() {
        let mail = "From: a\nSubject: x\n\nbody\n";
        let out = insert_headers(
            mail,
            &[(
                "Cc".into(),
                vec!["Evil\r\nBcc: victim@example.org <evil@example.org>".into()],
            )],
        );
        assert!(
            !out.lines().any(|l| l.starts_with("Bcc:")),
            "a header was injected: {out}"
        );
        // One line, and the name quoted: its colon and @ are mail syntax.
        assert!(
            out.contains("Cc: \"Evil Bcc: victim@example.org\" <evil@example.org>\n"),
            "{out}"
        );
    }

    #[test]
    fn slugs() {
        assert_eq!(
            crate::mail::patch::file_slug(
                "dma-buf: system_heap: Optimize x",
                FORMAT_PATCH_SLUG_LEN
            ),
            "dma-buf-system-heap-Optimize-x"
        );
    }

    #[test]
    fn sender_signs_last_once() {
        let s = "S <s@x>";
        let by_author = "Body.\n\nSigned-off-by: A <a@x>\n";
        assert_eq!(
            with_sender_signoff(by_author, s),
            "Body.\n\nSigned-off-by: A <a@x>\nSigned-off-by: S <s@x>\n"
        );
        let done = with_sender_signoff(by_author, s);
        assert_eq!(with_sender_signoff(&done, s), done);
    }
}
