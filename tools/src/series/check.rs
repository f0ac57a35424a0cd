//! `patchctl check`: the gate before `git send-email`. It reads a
//! revision's mails as the receiving maintainer would and names every
//! problem, one per line, with the mail it is in:
//!
//! - a patch without a Signed-off-by from its author (the DCO), or a
//!   Co-developed-by not followed by that person's sign-off;
//! - a patch the sender has not signed off;
//! - an identity (From, To, Cc, a trailer) at a placeholder address;
//! - a link to a placeholder host, or to a Message-ID that was never sent;
//! - a patch that does not apply, after the ones before it, to the base
//!   tree (`git apply --check`);
//! - anything `scripts/checkpatch.pl --strict` reports;
//! - a maintainer, reviewer or list that `scripts/get_maintainer.pl`
//!   names for the patch but that is in neither its To nor its Cc (for
//!   the cover letter: anyone named for any patch).
//!
//! The two scripts are the base tree's own, run from its top directory.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use mail_parser::MessageParser;
use serde::Serialize;

use super::identity::{placeholder_email, placeholder_links};
use super::kernel_scripts;
use crate::mail::address::email_or_whole;
use crate::mail::patch;
use crate::mail::trailers::{self, Trailer};

/// What to check.
#[derive(Debug, Clone)]
pub struct CheckRequest {
    /// The revision's mails, cover letter included, in order.
    pub mails: Vec<PathBuf>,
    /// The base kernel tree whose scripts judge them.
    pub tree: PathBuf,
    /// Who will send the series, `Name <address>`; `None`: the sender
    /// sign-off is not checked, and the report says so.
    pub sender: Option<String>,
}

/// The rule a problem breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    /// No Signed-off-by from the author, or a co-author's is missing.
    Dco,
    /// The sender has not signed the patch off.
    SenderSignoff,
    /// The patch does not apply to the base tree.
    Applies,
    /// An identity at a placeholder address.
    Placeholder,
    /// A link to a placeholder.
    PlaceholderLink,
    /// `checkpatch.pl --strict` reported it.
    Checkpatch,
    /// `get_maintainer.pl` names someone the mail is not sent to.
    Recipients,
}

impl Rule {
    /// As the report prints it.
    pub fn name(self) -> &'static str {
        match self {
            Rule::Dco => "dco",
            Rule::SenderSignoff => "sender-signoff",
            Rule::Applies => "applies",
            Rule::Placeholder => "placeholder",
            Rule::PlaceholderLink => "placeholder-link",
            Rule::Checkpatch => "checkpatch",
            Rule::Recipients => "recipients",
        }
    }
}

/// One problem, in one mail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The mail, as given.
    pub mail: PathBuf,
    /// The rule it breaks.
    pub rule: Rule,
    /// What is wrong, in words.
    pub detail: String,
}

/// What the gate found.
#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    /// How many mails were read.
    pub mails: usize,
    /// Every problem, mail by mail, in rule order.
    pub problems: Vec<Problem>,
    /// Checks that did not run, and why.
    pub not_checked: Vec<String>,
}

impl CheckReport {
    /// Whether the series may be sent.
    pub fn passed(&self) -> bool {
        self.problems.is_empty()
    }
}

/// One mail as the gate reads it.
struct SentMail {
    path: PathBuf,
    /// From, To and Cc as written.
    from: String,
    recipients: Vec<String>,
    /// The patch's author, commit message and trailers; `None` for a
    /// cover letter (a mail without a diff).
    patch: Option<(String, Vec<Trailer>)>,
    text: String,
}

/// The mails of `dir`, in order: every `*.patch` file in it.
pub fn mails_in(dir: &Path) -> Result<Vec<PathBuf>> {
    let entries = fs::read_dir(dir).with_context(|| {
        format!(
            "cannot read {}: expected a revision directory of git format-patch mails",
            dir.display()
        )
    })?;
    let mut mails: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "patch"))
        .collect();
    mails.sort();
    if mails.is_empty() {
        bail!(
            "{} holds no *.patch mails: expected git format-patch output",
            dir.display()
        );
    }
    Ok(mails)
}

/// Runs every check on every mail.
pub fn check(req: &CheckRequest) -> Result<CheckReport> {
    if !req.tree.join("scripts/checkpatch.pl").is_file() {
        bail!(
            "{} is not a kernel tree (no scripts/checkpatch.pl): pass the series' base tree with --kdir",
            req.tree.display()
        );
    }
    let mails = req
        .mails
        .iter()
        .map(|p| read_mail(p))
        .collect::<Result<Vec<_>>>()?;
    let mut not_checked = Vec::new();
    let sender = match &req.sender {
        Some(s) => Some(email_or_whole(s)),
        None => {
            not_checked.push(
                "sender-signoff: no sender known (pass --sender, or set git config user.email)"
                    .to_string(),
            );
            None
        }
    };
    // The scripts take most of the time: every mail's run at once.
    let scripts: Vec<Result<ScriptFindings>> = std::thread::scope(|scope| {
        let handles: Vec<_> = mails
            .iter()
            .map(|m| scope.spawn(|| run_scripts(&req.tree, m)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a script thread panicked"))
            .collect()
    });
    let scripts = scripts.into_iter().collect::<Result<Vec<_>>>()?;
    let everyone: BTreeSet<String> = scripts
        .iter()
        .flat_map(|s| s.named.iter().cloned())
        .collect();

    let mut problems = Vec::new();
    for (mail, found) in mails.iter().zip(&scripts) {
        let mut add = |rule: Rule, detail: String| {
            problems.push(Problem {
                mail: mail.path.clone(),
                rule,
                detail,
            })
        };
        if let Some((author, trailers)) = &mail.patch {
            for (rule, detail) in signoffs(author, trailers, sender.as_deref()) {
                add(rule, detail);
            }
        }
        for detail in placeholders(mail) {
            add(Rule::Placeholder, detail);
        }
        for (url, why) in placeholder_links(&mail.text) {
            add(Rule::PlaceholderLink, format!("{url} is {why}"));
        }
        for finding in &found.checkpatch {
            add(Rule::Checkpatch, finding.clone());
        }
        let named = if mail.patch.is_some() {
            &found.named
        } else {
            &everyone
        };
        let sent_to: BTreeSet<String> = mail.recipients.iter().map(|r| email_or_whole(r)).collect();
        for who in named.iter().filter(|w| !sent_to.contains(*w)) {
            add(
                Rule::Recipients,
                format!("{who} is named by get_maintainer.pl but is in neither To nor Cc"),
            );
        }
    }
    if let Some((mail, error)) = first_not_applying(&req.tree, &mails)? {
        problems.push(Problem {
            mail,
            rule: Rule::Applies,
            detail: format!(
                "does not apply to {} after the patches before it: {error}",
                req.tree.display()
            ),
        });
    }
    problems.sort_by(|a, b| (&a.mail, a.rule).cmp(&(&b.mail, b.rule)));
    Ok(CheckReport {
        mails: mails.len(),
        problems,
        not_checked,
    })
}

fn read_mail(path: &Path) -> Result<SentMail> {
    let raw = fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let what = path.display().to_string();
    let body = raw.strip_prefix(b"From ").map_or(&raw[..], |_| {
        raw.splitn(2, |&b| b == b'\n').nth(1).unwrap_or_default()
    });
    let msg = MessageParser::default()
        .parse(body)
        .with_context(|| format!("{what} is not a mail: expected headers, a blank line, a body"))?;
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
    let text = String::from_utf8_lossy(&raw).into_owned();
    let patch = if patch::holds_diff(&text) {
        let p = patch::parse(&raw, &what)?;
        let trailers = trailers::parse(&p.message);
        Some((p.author_email.to_lowercase(), trailers))
    } else {
        None
    };
    Ok(SentMail {
        path: path.to_path_buf(),
        from,
        recipients,
        patch,
        text,
    })
}

/// The DCO and the sender's sign-off, for one patch.
fn signoffs(author: &str, trailers: &[Trailer], sender: Option<&str>) -> Vec<(Rule, String)> {
    let mut out = Vec::new();
    let signed: Vec<&str> = trailers
        .iter()
        .filter(|t| t.kind == "Signed-off-by")
        .filter_map(|t| t.email.as_deref())
        .collect();
    if signed.is_empty() {
        out.push((Rule::Dco, "no Signed-off-by at all".to_string()));
    } else if !signed.contains(&author) {
        out.push((
            Rule::Dco,
            format!("no Signed-off-by from its author <{author}>"),
        ));
    }
    // Documentation/process/submitting-patches.rst: each Co-developed-by
    // is followed at once by that co-author's Signed-off-by.
    for (i, t) in trailers.iter().enumerate() {
        if t.kind != "Co-developed-by" {
            continue;
        }
        let next = trailers.get(i + 1);
        if !next.is_some_and(|n| n.kind == "Signed-off-by" && n.email == t.email) {
            out.push((
                Rule::Dco,
                format!(
                    "\"{}\" is not followed by that person's Signed-off-by",
                    t.line
                ),
            ));
        }
    }
    if let Some(sender) = sender {
        if !signed.contains(&sender) {
            out.push((
                Rule::SenderSignoff,
                format!("the sender <{sender}> has not signed it off"),
            ));
        }
    }
    out
}

/// Every identity in the mail at a placeholder address: one line per
/// address, with the places it stands in.
fn placeholders(mail: &SentMail) -> Vec<String> {
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
    if let Some((author, trailers)) = &mail.patch {
        judge("author", author);
        for t in trailers {
            if let Some(e) = &t.email {
                judge(&t.kind, e);
            }
        }
    }
    roles
        .into_iter()
        .map(|(email, why, places)| format!("<{email}> ({}) is {why}", places.join(", ")))
        .collect()
}

/// The first patch that does not apply to `tree` once the ones before it
/// are applied, with git's first error; `None` when the whole series does.
/// Nothing is written: each prefix is checked with `git apply --check`.
fn first_not_applying(tree: &Path, mails: &[SentMail]) -> Result<Option<(PathBuf, String)>> {
    let mut prefix = Vec::new();
    for mail in mails.iter().filter(|m| m.patch.is_some()) {
        prefix.push(
            fs::canonicalize(&mail.path)
                .with_context(|| format!("cannot resolve {}", mail.path.display()))?,
        );
        let out = std::process::Command::new("git")
            .args(["apply", "--check"])
            .args(&prefix)
            .current_dir(tree)
            // The tree is a plain directory: git must not find a repository above it.
            .env(
                "GIT_CEILING_DIRECTORIES",
                tree.parent().unwrap_or(Path::new("/")),
            )
            .output()
            .context("cannot run git apply --check")?;
        if !out.status.success() {
            let error = String::from_utf8_lossy(&out.stderr)
                .lines()
                .next()
                .unwrap_or("git apply --check failed")
                .to_string();
            return Ok(Some((mail.path.clone(), error)));
        }
    }
    Ok(None)
}

/// What the tree's scripts say about one mail.
struct ScriptFindings {
    /// checkpatch.pl's findings, one line each.
    checkpatch: Vec<String>,
    /// The addresses get_maintainer.pl names (none for a cover letter).
    named: BTreeSet<String>,
}

fn run_scripts(tree: &Path, mail: &SentMail) -> Result<ScriptFindings> {
    if mail.patch.is_none() {
        return Ok(ScriptFindings {
            checkpatch: Vec::new(),
            named: BTreeSet::new(),
        });
    }
    // The scripts run from the tree's top: the mail by its full path.
    let path = fs::canonicalize(&mail.path)
        .with_context(|| format!("cannot resolve {}", mail.path.display()))?;
    // Sign-offs are this gate's own rule, with the reason spelled out.
    let (_, _, text) = kernel_scripts::checkpatch(tree, &path)?;
    let (to, cc) = kernel_scripts::recipients(tree, &path)?;
    Ok(ScriptFindings {
        checkpatch: kernel_scripts::checkpatch_findings(&text),
        named: to.iter().chain(&cc).map(|w| email_or_whole(w)).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trailer(line: &str) -> Trailer {
        trailers::parse(line).remove(0)
    }

    #[test]
    fn the_author_and_each_co_author_sign_off() {
        let t = [
            trailer("Co-developed-by: B <b@kernel.org>"),
            trailer("Signed-off-by: B <b@kernel.org>"),
            trailer("Signed-off-by: A <a@kernel.org>"),
        ];
        assert!(signoffs("a@kernel.org", &t, Some("a@kernel.org")).is_empty());
        let rules = |v: Vec<(Rule, String)>| v.into_iter().map(|(r, _)| r).collect::<Vec<_>>();
        assert_eq!(
            rules(signoffs("c@kernel.org", &t, Some("c@kernel.org"))),
            [Rule::Dco, Rule::SenderSignoff]
        );
        let unfollowed = [
            trailer("Co-developed-by: B <b@kernel.org>"),
            trailer("Signed-off-by: A <a@kernel.org>"),
        ];
        assert_eq!(
            rules(signoffs("a@kernel.org", &unfollowed, None)),
            [Rule::Dco]
        );
        assert_eq!(rules(signoffs("a@kernel.org", &[], None)), [Rule::Dco]);
    }
}
