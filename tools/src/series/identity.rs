//! Whether an address or a link names someone (or something) real: the
//! reserved example domains, `.invalid` and the other special-use names,
//! and no-reply mailboxes cannot take part in review, so a sign-off or a
//! link that uses one fails the gate before sending.

/// Why `email` is not a real person's address, or `None` when it may be.
pub fn placeholder_email(email: &str) -> Option<&'static str> {
    let email = email.trim().to_lowercase();
    let (local, domain) = email.rsplit_once('@')?;
    if let Some(why) = placeholder_domain(domain) {
        return Some(why);
    }
    let no_reply = ["noreply", "no-reply", "donotreply", "do-not-reply"];
    if no_reply.contains(&local) || domain.split('.').any(|label| no_reply.contains(&label)) {
        return Some("a no-reply mailbox, which cannot answer review");
    }
    None
}

/// Why `domain` (a host name, or the part of an address after `@`) is a
/// placeholder, or `None`.
pub fn placeholder_domain(domain: &str) -> Option<&'static str> {
    let domain = domain.trim().trim_end_matches('.').to_lowercase();
    let labels: Vec<&str> = domain.split('.').collect();
    let last = labels.last().copied().unwrap_or_default();
    // RFC 2606 and RFC 6761: names reserved so that they never resolve.
    match last {
        "invalid" => return Some("the .invalid domain, reserved never to exist"),
        "example" | "test" | "localhost" => {
            return Some("a special-use domain (RFC 6761) that is never delegated")
        }
        _ => {}
    }
    if labels.len() >= 2
        && labels[labels.len() - 2] == "example"
        && ["com", "net", "org"].contains(&last)
    {
        return Some("an example domain (RFC 2606)");
    }
    None
}

/// Every `http(s)://` link in `text` whose host is a placeholder, or whose
/// path names a Message-ID at a placeholder domain (a lore link to a mail
/// that was never on the list), with the reason.
pub fn placeholder_links(text: &str) -> Vec<(String, &'static str)> {
    let mut found = Vec::new();
    for word in text.split(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '(' | ')'))
    {
        let Some(start) = word.find("http://").or_else(|| word.find("https://")) else {
            continue;
        };
        let url = word[start..].trim_end_matches(['.', ',', ';', ']']);
        let rest = &url[url.find("://").map_or(0, |i| i + 3)..];
        let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        let host = host.split(':').next().unwrap_or_default();
        let why = placeholder_domain(host).or_else(|| {
            path.split('/')
                .filter_map(|segment| segment.rsplit_once('@'))
                .find_map(|(_, domain)| placeholder_domain(domain))
        });
        if let Some(why) = why {
            found.push((url.to_string(), why));
        }
    }
    found
}

/// Who sends from `repo` (or, without one, the user's configuration):
/// `sendemail.from` when set, else `user.name <user.email>`, the
/// repository's own configuration first, as `git send-email` and
/// `git commit -s` would take them.
pub fn git_sender(repo: Option<&std::path::Path>) -> Option<String> {
    let config = match repo.map(git2::Repository::open) {
        Some(Ok(r)) => r.config().ok()?,
        _ => match git2::Repository::open_from_env() {
            Ok(r) => r.config().ok()?,
            Err(_) => git2::Config::open_default().ok()?,
        },
    };
    if let Ok(from) = config.get_string("sendemail.from") {
        return Some(from);
    }
    let name = config.get_string("user.name").ok()?;
    let email = config.get_string("user.email").ok()?;
    Some(format!("{name} <{email}>"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholder_addresses_are_named_with_the_reason() {
        for fake in [
            "maintainers@users.noreply.r-seed-df8a5a1e.example",
            "jane@example.org",
            "jane@mail.example.com",
            "patchctl@system-heap-vmap.invalid",
            "a@host.test",
            "noreply@kernel.org",
            "1234+jane@users.noreply.github.com",
        ] {
            assert!(placeholder_email(fake).is_some(), "{fake} passed");
        }
        for real in [
            "baohua@kernel.org",
            "Xueyuan.chen21@gmail.com",
            "sumit.semwal@linaro.org",
            "jane@examples.org",
            "invalid@kernel.org",
        ] {
            assert_eq!(placeholder_email(real), None, "{real} refused");
        }
    }

    #[test]
    fn links_to_mails_that_were_never_sent_are_found() {
        let text = "- Link to v1: https://lore.kernel.org/r/202604062149.thread-msg-1@system-heap-vmap.invalid\n\
                    Link: https://lore.kernel.org/r/20260101.1234-1-a@kernel.org\n\
                    See <https://docs.example.com/x>, and https://www.kernel.org/doc/.\n";
        let found = placeholder_links(text);
        let urls: Vec<&str> = found.iter().map(|(u, _)| u.as_str()).collect();
        assert_eq!(
            urls,
            [
                "https://lore.kernel.org/r/202604062149.thread-msg-1@system-heap-vmap.invalid",
                "https://docs.example.com/x"
            ]
        );
    }
}
