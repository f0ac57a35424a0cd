//! The one parser of `Name <address>`, as mail headers, trailers,
//! MAINTAINERS and the command line write it.

/// `Name <address>` split into the name (outer quotes removed) and the
/// address, both as written; `None` without an address in angle brackets.
pub fn split(text: &str) -> Option<(String, String)> {
    let text = text.trim();
    let open = text.rfind('<')?;
    let close = text[open..].find('>')? + open;
    let name = text[..open].trim().trim_matches('"').to_string();
    let email = text[open + 1..close].trim().to_string();
    (!email.is_empty()).then_some((name, email))
}

/// `Name <address>` as a mail header carries it: a name with anything but
/// ASCII becomes one RFC 2047 encoded-word (`=?UTF-8?q?...?=`), as `git
/// format-patch` writes it, since raw UTF-8 in a header is not mail; an
/// ASCII name and a text without an address stay as they are.
pub fn header_mailbox(text: &str) -> String {
    match split(text) {
        Some((name, email)) if !name.is_ascii() => {
            format!("{} <{email}>", encoded_word(&name))
        }
        // RFC 5322 specials (a `(` opens a comment, a `,` ends the
        // address) keep a name intact only inside quotes.
        Some((name, email)) if name.contains(|c: char| "()<>[]:;@\\,.\"".contains(c)) => {
            let quoted = name.replace('\\', "\\\\").replace('"', "\\\"");
            format!("\"{quoted}\" <{email}>")
        }
        _ => text.to_string(),
    }
}

/// `text` as one RFC 2047 "Q" encoded-word: letters and digits stay, every
/// other byte is `=XX`, so that no quote, comma or space ends it early.
pub fn encoded_word(text: &str) -> String {
    let mut out = String::from("=?UTF-8?q?");
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() {
            out.push(b as char);
        } else {
            out.push_str(&format!("={b:02X}"));
        }
    }
    out.push_str("?=");
    out
}

/// The address in `Name <address>`, lower case, if it looks like one.
pub fn email_of(text: &str) -> Option<String> {
    split(text)
        .map(|(_, email)| email)
        .filter(|e| e.contains('@'))
        .map(|e| e.to_lowercase())
}

/// The address in `Name <address>`, or the whole text when it has no
/// brackets (a bare address), lower case.
pub fn email_or_whole(text: &str) -> String {
    email_of(text).unwrap_or_else(|| text.trim().to_lowercase())
}

/// Whether two addresses are one person's, as b4 judges a trailer
/// against its sender: equal ignoring case, or once a `+tag` is dropped
/// from the local part, or with the same local part where one domain is
/// the other with one more label (`linux.intel.com` and `intel.com`).
pub fn same_mailbox(a: &str, b: &str) -> bool {
    let (a, b) = (a.trim().to_lowercase(), b.trim().to_lowercase());
    if a == b {
        return true;
    }
    let (Some((al, ad)), Some((bl, bd))) = (a.split_once('@'), b.split_once('@')) else {
        return false;
    };
    let untagged = |local: &str| local.split('+').next().unwrap_or(local).to_string();
    let (al, bl) = (untagged(al), untagged(bl));
    if al != bl {
        return false;
    }
    let one_label_more = |long: &str, short: &str| {
        long.strip_suffix(short)
            .is_some_and(|head| head.ends_with('.') && head.matches('.').count() == 1)
    };
    ad == bd || one_label_more(ad, bd) || one_label_more(bd, ad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_ascii_names_are_encoded_words() {
        assert_eq!(
            header_mailbox("\"Christian König\" <christian.koenig@amd.com>"),
            "=?UTF-8?q?Christian=20K=C3=B6nig?= <christian.koenig@amd.com>"
        );
        assert_eq!(
            header_mailbox("Sumit Semwal <sumit.semwal@linaro.org>"),
            "Sumit Semwal <sumit.semwal@linaro.org>"
        );
        assert_eq!(
            header_mailbox("linux-media@vger.kernel.org"),
            "linux-media@vger.kernel.org"
        );
    }

    #[test]
    fn forms() {
        assert_eq!(
            split("\"Doe, Jane\" <Jane@Example.org>"),
            Some(("Doe, Jane".into(), "Jane@Example.org".into()))
        );
        assert_eq!(
            split("<a@b.example>"),
            Some((String::new(), "a@b.example".into()))
        );
        assert_eq!(split("no address"), None);
        assert_eq!(split("Name <>"), None);
        assert_eq!(split("a > b <c@d.example"), None);
        assert_eq!(
            email_of("Jane <Jane@Example.org>"),
            Some("jane@example.org".into())
        );
        assert_eq!(email_of("Jane <jane>"), None);
        assert_eq!(email_or_whole(" A@B.example "), "a@b.example");
    }

    #[test]
    fn one_mailbox_written_several_ways() {
        assert!(same_mailbox("Jane@Example.org", "jane@example.org"));
        assert!(same_mailbox("jane+lkml@example.org", "jane@example.org"));
        assert!(same_mailbox("jane@linux.intel.com", "jane@intel.com"));
        assert!(!same_mailbox("jane@a.b.intel.com", "jane@intel.com"));
        assert!(!same_mailbox("jane@evilintel.com", "jane@intel.com"));
        assert!(!same_mailbox("john@example.org", "jane@example.org"));
    }
}
