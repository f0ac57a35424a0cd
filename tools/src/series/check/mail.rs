//! One mail of a revision, read the way the gate judges it: who sends it
//! to whom, whether it is the cover letter, and the identity lines of its
//! message (`Key: Name <address>`, at the start of a line).

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use mail_parser::MessageParser;

use crate::mail::address::email_of;
use crate::mail::{patch, subject};

/// `Key: Name <address>` at the start of a line of the message: a
/// sign-off, a review tag, a `Cc:`. Links (`Link:`, `Closes:`) and
/// `Fixes:` are not identities.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityLine {
    /// `Signed-off-by`, `Cc`, ... as written.
    pub key: String,
    /// The address, lower case.
    pub email: String,
    /// The line as written.
    pub line: String,
}

impl IdentityLine {
    /// Whether the key is `name`, in any case.
    pub fn is(&self, name: &str) -> bool {
        self.key.eq_ignore_ascii_case(name)
    }
}

/// A patch's own part: its author and its message's identity lines.
#[derive(Debug, Clone)]
pub struct PatchPart {
    /// The author's address (in-body `From:` first), lower case.
    pub author: String,
}

/// One mail as the gate reads it.
#[derive(Debug, Clone)]
pub struct SentMail {
    /// The file, as given.
    pub path: PathBuf,
    /// `From:` as `Name <address>`.
    pub from: String,
    /// `To:` and `Cc:` headers, one person or list each.
    pub recipients: Vec<String>,
    /// `None` for the cover letter.
    pub patch: Option<PatchPart>,
    /// The identity lines of the message (above `---`), in order.
    pub identities: Vec<IdentityLine>,
    /// The prose: the body up to the first diff (message, notes,
    /// changelog), where links are looked for; never the code.
    pub prose: String,
}

impl SentMail {
    /// Reads `path`: a `git format-patch` mail, the cover letter (subject
    /// `0/N`, or a `*0000-cover-letter.patch` file) or a patch.
    pub fn read(path: &Path) -> Result<SentMail> {
        let raw = fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        let what = path.display().to_string();
        let headers_and_body = raw.strip_prefix(b"From ").map_or(&raw[..], |_| {
            raw.splitn(2, |&b| b == b'\n').nth(1).unwrap_or_default()
        });
        let msg = MessageParser::default()
            .parse(headers_and_body)
            .with_context(|| {
                format!("{what} is not a mail: expected headers, a blank line, a body")
            })?;
        let person = |a: &mail_parser::Addr| match (a.name(), a.address()) {
            (Some(n), Some(e)) => format!("{n} <{e}>"),
            (None, Some(e)) => e.to_string(),
            _ => String::new(),
        };
        let from = msg
            .from()
            .and_then(|a| a.first())
            .map(person)
            .with_context(|| format!("{what} has no From: header"))?;
        let recipients: Vec<String> = [msg.to(), msg.cc()]
            .into_iter()
            .flatten()
            .flat_map(|a| a.iter().map(person))
            .filter(|p| !p.is_empty())
            .collect();
        let body = msg.body_text(0).unwrap_or_default().to_string();
        let is_cover = path.to_string_lossy().ends_with("0000-cover-letter.patch")
            || msg
                .subject()
                .and_then(subject::parse)
                .is_some_and(|s| s.index == Some(0));
        let patch = if is_cover {
            None
        } else {
            // A mail that is neither the cover letter nor a patch is refused.
            let p = patch::parse(&raw, &what)?;
            Some(PatchPart {
                author: p.author_email.to_lowercase(),
            })
        };
        if patch.is_none() && body.trim().is_empty() {
            bail!("{what}: the cover letter has no text");
        }
        let message = body.split("\n---\n").next().unwrap_or_default();
        Ok(SentMail {
            path: path.to_path_buf(),
            from,
            recipients,
            patch,
            identities: identity_lines(message),
            prose: prose_of(&body),
        })
    }
}

/// The body up to its first `diff --git` line.
fn prose_of(body: &str) -> String {
    let mut out = String::new();
    for line in body.lines() {
        if line.starts_with("diff --git ") {
            break;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// Every `Key: Name <address>` (or `Key: address`) line that starts a
/// line of `message`: indented or quoted lines are not trailers.
pub fn identity_lines(message: &str) -> Vec<IdentityLine> {
    let mut out = Vec::new();
    for line in message.lines() {
        let Some((key, value)) = line.split_once(": ") else {
            continue;
        };
        let is_key = !key.is_empty()
            && key.starts_with(|c: char| c.is_ascii_alphabetic())
            && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        if !is_key
            || ["Link", "Closes", "Fixes"]
                .iter()
                .any(|k| key.eq_ignore_ascii_case(k))
        {
            continue;
        }
        let value = value.trim();
        let email = email_of(value).or_else(|| {
            (value.contains('@') && !value.contains(char::is_whitespace))
                .then(|| value.to_lowercase())
        });
        if let Some(email) = email {
            out.push(IdentityLine {
                key: key.to_string(),
                email,
                line: line.to_string(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_lines_start_a_line_and_name_someone() {
        let message = "Subject line\n\nBody: with a colon, no address.\n\
                       Link: https://lore.kernel.org/r/x@y.example\n\
                       Cc: Someone <Someone@Example.com>\n\
                       \x20 Signed-off-by: Indented <i@kernel.org>\n\
                       > Signed-off-by: Quoted <q@kernel.org>\n\
                       Reported-by: bare@kernel.org\n\
                       Signed-off-by: A <a@kernel.org>\n";
        let keys: Vec<(String, String)> = identity_lines(message)
            .into_iter()
            .map(|l| (l.key, l.email))
            .collect();
        assert_eq!(
            keys,
            [
                ("Cc".into(), "someone@example.com".into()),
                ("Reported-by".into(), "bare@kernel.org".into()),
                ("Signed-off-by".into(), "a@kernel.org".into()),
            ]
        );
    }
}
