//! Trailers a reviewer writes on their own, unquoted line.

use serde::Serialize;

/// The trailers that carry review state, as the kernel spells them
/// (Documentation/process/submitting-patches.rst).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TrailerKind {
    /// `Reviewed-by`.
    ReviewedBy,
    /// `Acked-by`.
    AckedBy,
    /// `Tested-by`.
    TestedBy,
    /// `Reported-by`.
    ReportedBy,
    /// `Suggested-by`.
    SuggestedBy,
    /// `Co-developed-by`.
    CoDevelopedBy,
    /// `Signed-off-by`.
    SignedOffBy,
    /// `Nacked-by` (a bare `NAK` line is read as one).
    NackedBy,
    /// `Closes`.
    Closes,
    /// `Link`.
    Link,
    /// `Fixes`.
    Fixes,
}

impl TrailerKind {
    /// Every kind, in the order of this enum.
    pub const ALL: [TrailerKind; 11] = [
        TrailerKind::ReviewedBy,
        TrailerKind::AckedBy,
        TrailerKind::TestedBy,
        TrailerKind::ReportedBy,
        TrailerKind::SuggestedBy,
        TrailerKind::CoDevelopedBy,
        TrailerKind::SignedOffBy,
        TrailerKind::NackedBy,
        TrailerKind::Closes,
        TrailerKind::Link,
        TrailerKind::Fixes,
    ];

    /// The key as the kernel spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            TrailerKind::ReviewedBy => "Reviewed-by",
            TrailerKind::AckedBy => "Acked-by",
            TrailerKind::TestedBy => "Tested-by",
            TrailerKind::ReportedBy => "Reported-by",
            TrailerKind::SuggestedBy => "Suggested-by",
            TrailerKind::CoDevelopedBy => "Co-developed-by",
            TrailerKind::SignedOffBy => "Signed-off-by",
            TrailerKind::NackedBy => "Nacked-by",
            TrailerKind::Closes => "Closes",
            TrailerKind::Link => "Link",
            TrailerKind::Fixes => "Fixes",
        }
    }

    /// The kind a key names, in any case (`acked-by` is `Acked-by`).
    pub fn from_key(key: &str) -> Option<TrailerKind> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(key))
    }

    /// Whether the value names a person (and so needs an address).
    pub fn names_a_person(self) -> bool {
        !matches!(
            self,
            TrailerKind::Closes | TrailerKind::Link | TrailerKind::Fixes
        )
    }

    /// Whether it is one person's judgement of someone else's work (a
    /// review, an ack, a test, a NAK), which an author cannot give their
    /// own patch.
    pub fn endorses(self) -> bool {
        matches!(
            self,
            TrailerKind::ReviewedBy
                | TrailerKind::AckedBy
                | TrailerKind::TestedBy
                | TrailerKind::NackedBy
        )
    }

    /// Where the trailers a reviewer gives go above the submitter's
    /// Signed-off-by when the next revision carries them, in the kernel's
    /// usual order; `None` for kinds a revision does not carry over from
    /// review (a sign-off is the author's own; a NAK is not carried).
    pub fn carry_rank(self) -> Option<usize> {
        match self {
            TrailerKind::ReportedBy => Some(0),
            TrailerKind::Closes => Some(1),
            TrailerKind::SuggestedBy => Some(2),
            TrailerKind::TestedBy => Some(3),
            TrailerKind::ReviewedBy => Some(4),
            TrailerKind::AckedBy => Some(5),
            _ => None,
        }
    }
}

impl std::fmt::Display for TrailerKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for TrailerKind {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl Serialize for TrailerKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// One trailer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Trailer {
    /// Its kind (`NAK` is reported as `Nacked-by`).
    pub kind: TrailerKind,
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
                kind: TrailerKind::NackedBy,
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
        let Some(kind) = TrailerKind::from_key(key.trim()) else {
            if key.trim().eq_ignore_ascii_case("nak") && email_of(value).is_some() {
                out.push(Trailer {
                    kind: TrailerKind::NackedBy,
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
        if email.is_none() && kind.names_a_person() {
            continue;
        }
        out.push(Trailer {
            kind,
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
        assert!(t
            .iter()
            .all(|t| TrailerKind::from_key(t.kind.as_str()) == Some(t.kind)));
        assert_eq!(kinds, vec!["Acked-by", "Link", "Nacked-by"]);
        assert_eq!(t[0].email.as_deref(), Some("tjmercier@google.com"));
    }
}
