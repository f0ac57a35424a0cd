//! The rules that read the mails alone: sign-offs, placeholders and who a
//! mail reaches. Each returns the problems it finds as `(rule, detail)`.

use std::collections::BTreeSet;

use super::mail::SentMail;
use super::Rule;
use crate::mail::address::email_or_whole;
use crate::series::identity::{placeholder_email, placeholder_links};

/// The DCO and the sender's sign-off, for one patch: a `Signed-off-by`
/// from the author; each `Co-developed-by` followed at once by that
/// person's `Signed-off-by`; the sender's `Signed-off-by` present and the
/// last one (Documentation/process/submitting-patches.rst).
pub fn signoffs(mail: &SentMail, sender: &str) -> Vec<(Rule, String)> {
    let Some(patch) = &mail.patch else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let ids = &mail.identities;
    let signed: Vec<&str> = ids
        .iter()
        .filter(|l| l.is("Signed-off-by"))
        .map(|l| l.email.as_str())
        .collect();
    if signed.is_empty() {
        out.push((Rule::Dco, "no Signed-off-by at all".to_string()));
    } else if !signed.contains(&patch.author.as_str()) {
        out.push((
            Rule::Dco,
            format!("no Signed-off-by from its author <{}>", patch.author),
        ));
    }
    for (i, line) in ids.iter().enumerate() {
        let followed = ids
            .get(i + 1)
            .is_some_and(|n| n.is("Signed-off-by") && n.email == line.email);
        if line.is("Co-developed-by") && !followed {
            out.push((
                Rule::Dco,
                format!(
                    "\"{}\" is not followed at once by that person's Signed-off-by",
                    line.line
                ),
            ));
        }
    }
    if !signed.contains(&sender) {
        out.push((
            Rule::SenderSignoff,
            format!("the sender <{sender}> has not signed it off"),
        ));
    } else if signed.last() != Some(&sender) {
        out.push((
            Rule::SenderSignoff,
            format!("the sender <{sender}>'s Signed-off-by is not the last one"),
        ));
    }
    out
}

/// Every identity in the mail at a placeholder address, one line per
/// address with the places it stands in; every placeholder link in its
/// prose.
pub fn placeholders(mail: &SentMail) -> Vec<(Rule, String)> {
    let mut roles: Vec<(String, &'static str, Vec<String>)> = Vec::new();
    let mut judge = |role: &str, who: &str| {
        let email = email_or_whole(who);
        let Some(why) = placeholder_email(&email) else {
            return;
        };
        match roles.iter_mut().find(|(e, _, _)| *e == email) {
            Some((_, _, places)) if places.iter().any(|p| p == role) => {}
            Some((_, _, places)) => places.push(role.to_string()),
            None => roles.push((email, why, vec![role.to_string()])),
        }
    };
    judge("From", &mail.from);
    for r in &mail.recipients {
        judge("To/Cc", r);
    }
    if let Some(patch) = &mail.patch {
        judge("author", &patch.author);
    }
    for line in &mail.identities {
        judge(&line.key, &line.email);
    }
    let mut out: Vec<(Rule, String)> = roles
        .into_iter()
        .map(|(email, why, places)| {
            (
                Rule::Placeholder,
                format!("<{email}> ({}) is {why}", places.join(", ")),
            )
        })
        .collect();
    for (url, why) in placeholder_links(&mail.prose) {
        out.push((Rule::PlaceholderLink, format!("{url} is {why}")));
    }
    out
}

/// Who the mail reaches when `git send-email` sends it as it does by
/// default: its To and Cc headers, its From, the sender, and everyone an
/// identity line of the message names (send-email copies `Cc:`,
/// `Signed-off-by:` and the other `-by:` lines).
pub fn reached(mail: &SentMail, sender: &str) -> BTreeSet<String> {
    mail.recipients
        .iter()
        .chain([&mail.from])
        .map(|r| email_or_whole(r))
        .chain([sender.to_string()])
        .chain(mail.identities.iter().map(|l| l.email.clone()))
        .collect()
}

/// Everyone in `named` the mail does not reach.
pub fn recipients(mail: &SentMail, sender: &str, named: &BTreeSet<String>) -> Vec<(Rule, String)> {
    let reached = reached(mail, sender);
    named
        .iter()
        .filter(|who| !reached.contains(*who))
        .map(|who| {
            (
                Rule::Recipients,
                format!(
                    "{who} is named by get_maintainer.pl but the mail does not reach them (To, Cc, or the message's Cc:/-by: lines)"
                ),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::mail::{identity_lines, PatchPart};
    use super::*;

    fn patch(author: &str, message: &str) -> SentMail {
        SentMail {
            path: "p.patch".into(),
            from: format!("A <{author}>"),
            recipients: vec!["list@vger.kernel.org".into()],
            patch: Some(PatchPart {
                author: author.into(),
            }),
            identities: identity_lines(message),
            prose: message.into(),
        }
    }

    fn rules(v: Vec<(Rule, String)>) -> Vec<Rule> {
        v.into_iter().map(|(r, _)| r).collect()
    }

    #[test]
    fn the_author_each_co_author_and_the_sender_last_sign_off() {
        let good = "x\n\nCo-developed-by: B <b@kernel.org>\nSigned-off-by: B <b@kernel.org>\n\
                    Signed-off-by: A <a@kernel.org>\n";
        assert!(signoffs(&patch("a@kernel.org", good), "a@kernel.org").is_empty());
        assert_eq!(
            rules(signoffs(&patch("c@kernel.org", good), "c@kernel.org")),
            [Rule::Dco, Rule::SenderSignoff]
        );
        // The sender signed, but someone signed after them.
        assert_eq!(
            rules(signoffs(&patch("a@kernel.org", good), "b@kernel.org")),
            [Rule::SenderSignoff]
        );
        // A Cc between the co-author's two lines breaks the pair.
        let split = "x\n\nCo-developed-by: B <b@kernel.org>\nCc: C <c@kernel.org>\n\
                     Signed-off-by: B <b@kernel.org>\nSigned-off-by: A <a@kernel.org>\n";
        assert_eq!(
            rules(signoffs(&patch("a@kernel.org", split), "a@kernel.org")),
            [Rule::Dco]
        );
        assert_eq!(
            rules(signoffs(&patch("a@kernel.org", "x\n"), "a@kernel.org")),
            [Rule::Dco, Rule::SenderSignoff]
        );
    }

    #[test]
    fn a_placeholder_in_any_identity_line_is_found_once_per_address() {
        let m = patch(
            "a@kernel.org",
            "x\n\nCc: Someone <someone@example.com>\nSigned-off-by: A <a@kernel.org>\n\
             Reviewed-by: Someone <someone@example.com>\n\
             Link: https://lore.kernel.org/r/1@x.invalid\n",
        );
        let found = placeholders(&m);
        assert_eq!(
            rules(found.clone()),
            [Rule::Placeholder, Rule::PlaceholderLink]
        );
        assert!(found[0]
            .1
            .starts_with("<someone@example.com> (Cc, Reviewed-by)"));
    }

    #[test]
    fn whom_send_email_copies_counts_as_reached() {
        let m = patch(
            "a@kernel.org",
            "x\n\nCc: C <c@kernel.org>\nAcked-by: K <k@kernel.org>\nSigned-off-by: A <a@kernel.org>\n",
        );
        let named: BTreeSet<String> = [
            "c@kernel.org",
            "k@kernel.org",
            "s@kernel.org",
            "m@kernel.org",
        ]
        .map(String::from)
        .into();
        let missing = recipients(&m, "s@kernel.org", &named);
        assert_eq!(missing.len(), 1);
        assert!(missing[0].1.starts_with("m@kernel.org "));
    }
}
