//! A patch as a mail (`git format-patch` output, or one message of a lore
//! mbox), read the way `git am` reads it: author and date from the mail or
//! from `From:`/`Date:` lines at the top of the body, the subject without
//! its `[PATCH ...]` prefix, the message up to `---`, and the diff.

use anyhow::{bail, Context, Result};
use mail_parser::{MessageParser, PartType};

/// What `git am` takes from one patch mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailPatch {
    /// Author name.
    pub author_name: String,
    /// Author address.
    pub author_email: String,
    /// Author date, seconds since the epoch.
    pub time: i64,
    /// The author date's UTC offset, minutes.
    pub offset_minutes: i32,
    /// Subject line without `[PATCH ...]` prefixes.
    pub subject: String,
    /// The commit message: subject, blank line, body up to `---`.
    pub message: String,
    /// The diff, `diff --git` onwards, without the mail signature.
    pub diff: String,
}

/// Removes `[PATCH v2 1/3]`, `[RFC PATCH]`, `Re:` and the like.
pub fn strip_subject_prefixes(subject: &str) -> String {
    let mut s = subject.trim();
    loop {
        if let Some(rest) = s.strip_prefix('[') {
            match rest.find(']') {
                Some(end) => s = rest[end + 1..].trim_start(),
                None => break,
            }
        } else if s
            .get(..3)
            .is_some_and(|head| head.eq_ignore_ascii_case("re:"))
        {
            // `get`, not slicing: byte 3 may fall inside a character
            // (found by the mbox fuzz target: "dm\u{fffd}-buf: ...").
            s = s[3..].trim_start();
        } else {
            break;
        }
    }
    s.to_string()
}

/// A subject as a file name: ASCII letters and digits, runs of anything
/// else as one `-`, at most `max` characters.
pub fn file_slug(summary: &str, max: usize) -> String {
    let mut out = String::new();
    for part in summary
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|p| !p.is_empty())
    {
        if !out.is_empty() {
            out.push('-');
        }
        out.push_str(part);
    }
    out.chars().take(max).collect()
}

/// A `--- a/x` line followed by `+++ b/x`: a diff in plain form, without
/// `diff --git` (the mail's own `---` separator is the bare line).
fn starts_plain_diff(line: &str, next: Option<&&str>) -> bool {
    line.starts_with("--- ") && next.is_some_and(|n| n.starts_with("+++ "))
}

/// Whether a mail's text holds a diff, in git's form or plain.
pub fn holds_diff(text: &str) -> bool {
    if text.contains("diff --git ") {
        return true;
    }
    let lines: Vec<&str> = text.lines().collect();
    lines
        .iter()
        .enumerate()
        .any(|(i, l)| starts_plain_diff(l, lines.get(i + 1)))
}

/// Parses one patch mail; `what` names it in errors.
pub fn parse(raw: &[u8], what: &str) -> Result<MailPatch> {
    // An mbox "From " line is not a header: skip it as git mailsplit does.
    let raw = match raw.strip_prefix(b"From ") {
        Some(_) => raw.splitn(2, |&b| b == b'\n').nth(1).unwrap_or_default(),
        None => raw,
    };
    let message = MessageParser::default().parse(raw).with_context(|| {
        format!("{what} is not a mail: expected headers, a blank line, then the patch")
    })?;

    let from = message
        .from()
        .and_then(|a| a.first())
        .with_context(|| format!("{what} has no From: header naming the author"))?;
    let date = message
        .date()
        .with_context(|| format!("{what} has no valid Date: header"))?;
    let subject = message
        .subject()
        .with_context(|| format!("{what} has no Subject: header"))?;
    let envelope = Envelope {
        author_name: from.name().unwrap_or_default().to_string(),
        author_email: from.address().unwrap_or_default().to_string(),
        time: date.to_timestamp(),
        offset_minutes: tz_minutes(date),
        subject: subject.to_string(),
    };
    let body = match message.part(0).map(|p| &p.body) {
        Some(PartType::Text(text)) => text.to_string(),
        _ => message
            .body_text(0)
            .with_context(|| format!("{what} has no text body"))?
            .to_string(),
    };
    from_parts(envelope, &body, what)
}

/// A patch mail's own headers, decoded, before in-body headers override
/// them.
#[derive(Debug, Clone)]
pub struct Envelope {
    /// The From: name.
    pub author_name: String,
    /// The From: address.
    pub author_email: String,
    /// The Date:, seconds since the epoch.
    pub time: i64,
    /// The Date:'s UTC offset, minutes.
    pub offset_minutes: i32,
    /// The Subject:, prefixes and all.
    pub subject: String,
}

/// The patch in a mail already parsed into its headers and decoded body
/// (a mail of a stored thread): in-body `From:`/`Date:`/`Subject:` lines
/// override the envelope, then the message up to `---` and the diff.
pub fn from_parts(envelope: Envelope, body: &str, what: &str) -> Result<MailPatch> {
    let Envelope {
        mut author_name,
        mut author_email,
        mut time,
        mut offset_minutes,
        subject,
    } = envelope;
    let mut subject = strip_subject_prefixes(&subject);
    let mut lines = body.lines().peekable();
    while let Some(line) = lines.peek() {
        if let Some(v) = line.strip_prefix("From: ") {
            let (name, email) = crate::mail::address::split(v).with_context(|| {
                format!("{what}: in-body From: {v:?} is not \"Name <address>\"")
            })?;
            author_name = name;
            author_email = email;
        } else if let Some(v) = line.strip_prefix("Date: ") {
            let parsed = mail_parser::DateTime::parse_rfc822(v)
                .with_context(|| format!("{what}: in-body Date: {v:?} is not an RFC 2822 date"))?;
            time = parsed.to_timestamp();
            offset_minutes = tz_minutes(&parsed);
        } else if let Some(v) = line.strip_prefix("Subject: ") {
            subject = strip_subject_prefixes(v);
        } else {
            break;
        }
        lines.next();
    }
    let lines: Vec<&str> = lines.collect();
    let (description, diff) = split_message_and_diff(&lines);
    if diff.is_empty() {
        bail!("{what} holds no diff: expected a \"diff --git\" line or a ---/+++ pair");
    }
    let mut message = subject.clone();
    if !description.is_empty() {
        message.push_str("\n\n");
        message.push_str(&description.join("\n"));
    }
    message.push('\n');
    Ok(MailPatch {
        author_name,
        author_email,
        time,
        offset_minutes,
        subject,
        message,
        diff,
    })
}

/// The body after the in-body headers, split as `git am` splits it: the
/// description up to `---` (blank lines trimmed at both ends), and the
/// diff up to the `-- ` signature.
fn split_message_and_diff<'a>(lines: &[&'a str]) -> (Vec<&'a str>, String) {
    let mut description = Vec::new();
    let mut diff = String::new();
    let mut in_diff = false;
    let mut past_separator = false;
    for (i, line) in lines.iter().copied().enumerate() {
        if in_diff {
            // "-- " starts the mail signature after the last hunk.
            if line == "-- " {
                break;
            }
            diff.push_str(line);
            diff.push('\n');
        } else if line.starts_with("diff --git ") || starts_plain_diff(line, lines.get(i + 1)) {
            in_diff = true;
            diff.push_str(line);
            diff.push('\n');
        } else if line == "---" {
            past_separator = true;
        } else if !past_separator {
            description.push(line);
        }
    }
    while description.first().is_some_and(|l| l.trim().is_empty()) {
        description.remove(0);
    }
    while description.last().is_some_and(|l| l.trim().is_empty()) {
        description.pop();
    }
    (description, diff)
}

fn tz_minutes(date: &mail_parser::DateTime) -> i32 {
    let minutes = i32::from(date.tz_hour) * 60 + i32::from(date.tz_minute);
    if date.tz_before_gmt {
        -minutes
    } else {
        minutes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subject_prefixes() {
        assert_eq!(strip_subject_prefixes("[PATCH v2 3/5] mm: x"), "mm: x");
        assert_eq!(
            strip_subject_prefixes("[RFC PATCH net-next] net: y"),
            "net: y"
        );
        assert_eq!(strip_subject_prefixes("Re: [PATCH] a: b"), "a: b");
        assert_eq!(strip_subject_prefixes("plain"), "plain");
        // A character across byte 3 is text, not half of a "Re:".
        assert_eq!(
            strip_subject_prefixes("dm\u{fffd}-buf: x"),
            "dm\u{fffd}-buf: x"
        );
        assert_eq!(strip_subject_prefixes("\u{e9}\u{e9}"), "\u{e9}\u{e9}");
    }

    #[test]
    fn in_body_from_and_encoded_headers() {
        let mail = "From: =?UTF-8?q?Christian_K=C3=B6nig?= <christian.koenig@amd.com>\n\
Date: Tue, 07 Apr 2026 07:57:00 +0200\n\
Subject: [PATCH v2 1/2] dma-buf: fix\n\
Content-Type: text/plain; charset=UTF-8\n\
\n\
From: Xueyuan Chen <Xueyuan.chen21@gmail.com>\n\
\n\
Why.\n\
\n\
Signed-off-by: Xueyuan Chen <Xueyuan.chen21@gmail.com>\n\
---\n\
 a | 1 +\n\
\n\
diff --git a/a b/a\n\
--- a/a\n\
+++ b/a\n\
@@ -1 +1,2 @@\n\
 x\n\
+y\n\
-- \n\
2.39.3\n";
        let p = parse(mail.as_bytes(), "test mail").unwrap();
        assert_eq!(p.author_name, "Xueyuan Chen");
        assert_eq!(p.author_email, "Xueyuan.chen21@gmail.com");
        assert_eq!(p.subject, "dma-buf: fix");
        assert_eq!(
            p.message,
            "dma-buf: fix\n\nWhy.\n\nSigned-off-by: Xueyuan Chen <Xueyuan.chen21@gmail.com>\n"
        );
        assert_eq!(p.offset_minutes, 120);
        assert!(p.diff.starts_with("diff --git a/a b/a\n"));
        assert!(p.diff.ends_with("+y\n"));

        let header_only = parse(
            mail.replacen("From: Xueyuan Chen <Xueyuan.chen21@gmail.com>\n", "", 1)
                .as_bytes(),
            "m",
        )
        .unwrap();
        assert_eq!(header_only.author_name, "Christian König");
    }

    #[test]
    fn no_diff_is_an_error() {
        let err = parse(
            b"From: A <a@b>\nDate: Tue, 07 Apr 2026 07:57:00 +0000\nSubject: x\n\nbody\n",
            "reply.eml",
        )
        .unwrap_err();
        assert!(err.to_string().contains("reply.eml holds no diff"), "{err}");
    }
}
