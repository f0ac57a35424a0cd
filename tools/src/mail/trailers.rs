//! Trailers a reviewer writes on their own, unquoted line.

use serde::Serialize;

/// The trailers that carry review state, as the kernel spells them.
pub const KINDS: [&str; 11] = [
    "Reviewed-by",
    "Acked-by",
    "Tested-by",
    "Reported-by",
    "Suggested-by",
    "Co-developed-by",
    "Signed-off-by",
    "Nacked-by",
    "Closes",
    "Link",
    "Fixes",
];

/// One trailer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Trailer {
    /// `Reviewed-by`, ... (`NAK` is reported as `Nacked-by`).
    pub kind: String,
    /// What follows the colon.
    pub value: String,
    /// The address in the value, lower case, if it has one.
    pub email: Option<String>,
    /// The line as written.
    pub line: String,
}

use crate::mail::address::email_of;

/// Removes the `<mailto:...>` an HTML mail client adds after an address:
/// `Name <a@b<mailto:a@b>>` is `Name <a@b>`.
fn without_mailto(value: &str) -> String {
    let mut out = value.to_string();
    while let Some(start) = out.find("<mailto:") {
        let Some(len) = out[start..].find('>') else {
            break;
        };
        out.replace_range(start..start + len + 1, "");
    }
    out
}

/// The person's address: `Name <a@b>`, `<a@b>` or a bare `a@b`.
fn person_email(value: &str) -> Option<String> {
    email_of(value).or_else(|| {
        let bare = value.trim();
        (bare.contains('@') && !bare.contains(char::is_whitespace) && !bare.contains(['<', '>']))
            .then(|| bare.to_lowercase())
    })
}

/// Unquoted lines of a mail body: quoted text (`>`) and the attribution
/// line above it are not the sender's words.
pub fn own_lines(body: &str) -> Vec<&str> {
    body.lines()
        .filter(|l| !l.trim_start().starts_with('>'))
        .collect()
}

/// Trailers in `body`, on unquoted lines only. Prose that merely starts
/// with a word like "Ack" is not a trailer: the key and its colon must be
/// the whole first word, and an address or value must follow.
pub fn parse(body: &str) -> Vec<Trailer> {
    let mut out = Vec::new();
    for line in own_lines(body) {
        // Below the signature separator nothing is a trailer.
        if line == "-- " || line == "--" {
            break;
        }
        let l = line.trim();
        if l.eq_ignore_ascii_case("nak") || l.eq_ignore_ascii_case("nak.") {
            out.push(Trailer {
                kind: "Nacked-by".into(),
                value: String::new(),
                email: None,
                line: l.to_string(),
            });
            continue;
        }
        let Some((key, value)) = l.split_once(':') else {
            continue;
        };
        let value = without_mailto(value.trim());
        let value = value.as_str();
        let Some(kind) = KINDS.iter().find(|k| k.eq_ignore_ascii_case(key.trim())) else {
            if key.trim().eq_ignore_ascii_case("nak") && email_of(value).is_some() {
                out.push(Trailer {
                    kind: "Nacked-by".into(),
                    value: value.into(),
                    email: email_of(value),
                    line: l.to_string(),
                });
            }
            continue;
        };
        if key != key.trim() || value.is_empty() {
            continue;
        }
        let email = person_email(value);
        // Person trailers need an address; Closes/Link/Fixes do not.
        if email.is_none() && !matches!(*kind, "Closes" | "Link" | "Fixes") {
            continue;
        }
        out.push(Trailer {
            kind: kind.to_string(),
            value: value.to_string(),
            email,
            line: l.to_string(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_quoted_and_prose() {
        let body = "> Reviewed-by: Quoted <q@x.org>\nAck, I understand your position.\nAcked-by: T.J. Mercier <tjmercier@google.com>\nReviewed-by:\nLink: https://lore.kernel.org/r/abc\nNAK\nTested-by Someone <s@x>\n";
        let t = parse(body);
        let kinds: Vec<&str> = t.iter().map(|t| t.kind.as_str()).collect();
        assert_eq!(kinds, vec!["Acked-by", "Link", "Nacked-by"]);
        assert_eq!(t[0].email.as_deref(), Some("tjmercier@google.com"));
    }
}
