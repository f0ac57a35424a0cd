//! The message of a pick: the ACK's subject prefix and trailers, and the
//! `Change-Id:` Gerrit's commit-msg hook would give the commit, kept from
//! an earlier pick of the same patch so that Gerrit sees a new patch set.

use std::fs;
use std::path::Path;

use git2::{Oid, Signature};

use super::Kind;
use crate::mail::patch::{self, MailPatch};

/// The Change-Id Gerrit's commit-msg hook gives a commit: `I` and the
/// SHA-1 of the blob "tree T / parent P / author A / committer C / blank /
/// message", idents as `git var` prints them.
pub fn change_id(
    tree: Oid,
    parent: Option<Oid>,
    author: &str,
    committer: &str,
    message: &str,
) -> String {
    let mut input = format!("tree {tree}\n");
    if let Some(p) = parent {
        input.push_str(&format!("parent {p}\n"));
    }
    input.push_str(&format!(
        "author {author}\ncommitter {committer}\n\n{message}"
    ));
    let oid = Oid::hash_object(git2::ObjectType::Blob, input.as_bytes()).expect("hashing a buffer");
    format!("I{oid}")
}

/// A signature as `git var GIT_AUTHOR_IDENT` prints it.
pub fn ident(sig: &Signature) -> String {
    let when = sig.when();
    let offset = when.offset_minutes();
    let sign = if offset < 0 { '-' } else { '+' };
    format!(
        "{} <{}> {} {sign}{:02}{:02}",
        sig.name().unwrap_or_default(),
        sig.email().unwrap_or_default(),
        when.seconds(),
        offset.abs() / 60,
        offset.abs() % 60
    )
}

/// The message of a pick before its Change-Id.
pub(super) fn pick_message(
    patch: &MailPatch,
    kind: &Kind,
    bug: &str,
    link: Option<&str>,
    picker: (&str, &str),
) -> String {
    let (prefix, extra) = match kind {
        Kind::FromList => (
            "FROMLIST",
            format!("Bug: {bug}\nLink: {}\n", link.unwrap_or_default()),
        ),
        Kind::Upstream { sha } => (
            "UPSTREAM",
            format!("(cherry picked from commit {sha})\nBug: {bug}\n"),
        ),
        Kind::FromGit { sha, tree, branch } => (
            "FROMGIT",
            format!("(cherry picked from commit {sha} {tree} {branch})\nBug: {bug}\n"),
        ),
        Kind::Backport { sha, note } => (
            "BACKPORT",
            format!(
                "[{}: {note}]\n(cherry picked from commit {sha})\nBug: {bug}\n",
                picker.0
            ),
        ),
    };
    let body = patch
        .message
        .strip_prefix(&patch.subject)
        .unwrap_or(&patch.message)
        .trim_matches('\n');
    let mut msg = format!("{prefix}: {}\n", patch.subject);
    if !body.is_empty() {
        msg.push('\n');
        msg.push_str(body);
        msg.push('\n');
    }
    msg.push('\n');
    msg.push_str(&extra);
    msg.push_str(&format!("Signed-off-by: {} <{}>\n", picker.0, picker.1));
    msg
}

/// Puts `Change-Id:` above the picker's Signed-off-by (the last line).
pub(super) fn with_change_id(message: &str, id: &str) -> String {
    let trimmed = message.trim_end_matches('\n');
    match trimmed.rfind('\n') {
        Some(i) => format!(
            "{}\nChange-Id: {id}\n{}\n",
            &trimmed[..i],
            &trimmed[i + 1..]
        ),
        None => format!("{trimmed}\nChange-Id: {id}\n"),
    }
}

/// (subject without the ACK prefix, Change-Id) of the picks in `dir`.
pub(super) fn earlier_change_ids(dir: &Path) -> Vec<(String, String)> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for e in entries.flatten() {
        let Ok(text) = fs::read_to_string(e.path()) else {
            continue;
        };
        let subject = text
            .lines()
            .find_map(|l| l.strip_prefix("Subject: "))
            .map(patch::strip_subject_prefixes)
            .map(|s| {
                ["FROMLIST: ", "UPSTREAM: ", "FROMGIT: ", "BACKPORT: "]
                    .iter()
                    .find_map(|p| s.strip_prefix(p).map(String::from))
                    .unwrap_or(s)
            });
        let id = text
            .lines()
            .find_map(|l| l.strip_prefix("Change-Id: "))
            .map(String::from);
        if let (Some(s), Some(id)) = (subject, id) {
            out.push((s, id));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn change_id_is_stable_and_sensitive() {
        let tree = Oid::from_str("4b825dc642cb6eb9a060e54bf8d69288fbee4904").unwrap();
        let a = change_id(tree, None, "A <a@x> 1 +0000", "C <c@x> 2 +0000", "m\n");
        assert_eq!(
            a,
            change_id(tree, None, "A <a@x> 1 +0000", "C <c@x> 2 +0000", "m\n")
        );
        assert_ne!(
            a,
            change_id(tree, None, "A <a@x> 1 +0000", "C <c@x> 2 +0000", "n\n")
        );
        assert!(a.starts_with('I') && a.len() == 41);
    }

    #[test]
    fn change_id_goes_above_the_pickers_signoff() {
        assert_eq!(
            with_change_id("S\n\nBug: 1\nSigned-off-by: P <p@x>\n", "Iabc"),
            "S\n\nBug: 1\nChange-Id: Iabc\nSigned-off-by: P <p@x>\n"
        );
    }
}
