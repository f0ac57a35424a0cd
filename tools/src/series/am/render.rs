//! A posted mail written back as `git am` reads it, with the trailers
//! collected in review added below its own, as `b4 am` writes them: the
//! text is the decoded one (MIME, quoted-printable and base64 undone), so
//! the file is plain UTF-8 with the headers git needs.

use mail_parser::MessageParser;

use crate::mail::thread::{one_line, Mail};

/// The file name `git format-patch` would give the mail: `v2-0003-...`
/// (no `vN-` for a first revision), the title cut to 52 characters.
pub fn file_name(version: u32, index: u32, title: &str) -> String {
    let prefix = match version {
        1 => String::new(),
        v => format!("v{v}-"),
    };
    match index {
        0 => format!("{prefix}0000-cover-letter.patch"),
        i => format!(
            "{prefix}{i:04}-{}.patch",
            crate::mail::patch::file_slug(title, 52)
        ),
    }
}

/// The mail as a one-message mbox, `added` trailer lines put below the
/// last line of its commit message (after the sender's own trailers).
/// `raw` is the message as received, for its Date with the sender's zone
/// and its To and Cc as posted: `patchctl check` holds a revision's
/// recipients against get_maintainer.pl, and `git send-email` sends a
/// revision to whom its mails name.
pub fn render(mail: &Mail, raw: Option<&[u8]>, added: &[String]) -> String {
    let parsed = raw.and_then(|r| MessageParser::default().parse(r));
    let date = parsed
        .as_ref()
        .and_then(|m| m.date().map(|d| d.to_rfc822()))
        .unwrap_or_else(|| crate::mail::date::rfc2822(mail.timestamp));
    let mut out = String::from("From git@z Thu Jan  1 00:00:00 1970\n");
    out.push_str(&format!(
        "From: {}\nDate: {date}\n",
        from_header(&mail.from_name, &mail.from_email),
    ));
    for name in ["To", "Cc"] {
        if let Some(value) = parsed.as_ref().and_then(|m| posted_header(m, name)) {
            out.push_str(&format!("{name}: {value}\n"));
        }
    }
    out.push_str(&format!(
        "Subject: {}\nMessage-ID: <{}>\n",
        one_line(&mail.subject),
        mail.message_id
    ));
    out.push_str(
        "MIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: 8bit\n\n",
    );
    out.push_str(&with_trailers(&mail.body, added));
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

/// A header's value as the sender wrote it (encoded words and folding
/// kept, so that no address is re-encoded on the way), with Unix line
/// ends; `None` when the mail has none or it is empty.
fn posted_header(message: &mail_parser::Message, name: &str) -> Option<String> {
    let value = message.header_raw(name)?.replace("\r\n", "\n");
    let value = value.trim();
    (!value.is_empty()).then(|| value.to_string())
}

/// `Name <address>`, the name quoted when it holds a character that has a
/// meaning in an address header (a comma would split it in two).
fn from_header(name: &str, email: &str) -> String {
    let name = one_line(name);
    if name.is_empty() {
        return format!("<{email}>");
    }
    if name.contains(|c: char| "()<>[]:;@\\,.\"".contains(c)) {
        let escaped = name.replace('\\', "\\\\").replace('"', "\\\"");
        return format!("\"{escaped}\" <{email}>");
    }
    format!("{name} <{email}>")
}

/// `body` with `added` lines after the last line of the commit message
/// (the text above `---` or the first diff). When that last paragraph is
/// not a trailer block, a blank line comes first.
pub fn with_trailers(body: &str, added: &[String]) -> String {
    if added.is_empty() {
        return body.to_string();
    }
    let lines: Vec<&str> = body.lines().collect();
    let end = lines
        .iter()
        .position(|l| l.trim_end() == "---" || l.starts_with("diff --git "))
        .unwrap_or(lines.len());
    let last = lines[..end].iter().rposition(|l| !l.trim().is_empty());
    let at = last.map_or(0, |i| i + 1);
    let is_trailer = |l: &str| {
        l.split_once(':').is_some_and(|(key, value)| {
            !key.is_empty() && !key.contains(char::is_whitespace) && !value.trim().is_empty()
        })
    };
    let mut out: Vec<String> = lines[..at].iter().map(|l| l.to_string()).collect();
    if last.is_some_and(|i| !is_trailer(lines[i])) {
        out.push(String::new());
    }
    out.extend(added.iter().cloned());
    out.extend(lines[at..].iter().map(|l| l.to_string()));
    let mut text = out.join("\n");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailers_go_below_the_senders_own() {
        let body = "Why.\n\nSigned-off-by: A <a@x.org>\n---\n a | 1 +\n\ndiff --git a/a b/a\n";
        let out = with_trailers(body, &["Reviewed-by: B <b@x.org>".into()]);
        assert_eq!(
            out,
            "Why.\n\nSigned-off-by: A <a@x.org>\nReviewed-by: B <b@x.org>\n---\n a | 1 +\n\ndiff --git a/a b/a\n"
        );
        let bare = with_trailers("Why.\n---\n", &["Acked-by: c@x.org".into()]);
        assert_eq!(bare, "Why.\n\nAcked-by: c@x.org\n---\n");
    }

    #[test]
    fn names_and_files() {
        assert_eq!(from_header("T.J. Mercier", "t@x"), "\"T.J. Mercier\" <t@x>");
        assert_eq!(from_header("Jane Doe", "j@x"), "Jane Doe <j@x>");
        assert_eq!(file_name(1, 1, "mm: a b"), "0001-mm-a-b.patch");
        assert_eq!(file_name(2, 0, "x"), "v2-0000-cover-letter.patch");
    }
}
