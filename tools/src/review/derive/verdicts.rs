//! What replies say: verdicts by the rules and the sender's roles, the
//! questions still open, and the standing they give a revision.

use std::collections::HashSet;

use crate::mail::thread::Mail;
use crate::mail::trailers::{self, Trailer, TrailerKind};
use crate::review::maintainers::RoleKind;
use crate::review::rules::{Rules, VerdictKind, WhoMay};

use super::*;

/// The lines a sender wrote: not quoted, not the attribution above a
/// quote, not greetings or the signature.
pub(super) fn content_lines<'a>(mail: &'a Mail, rules: &Rules) -> Vec<&'a str> {
    let own = trailers::own_lines(&mail.body);
    let first_name = mail
        .from_name
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .trim_matches(|c: char| !c.is_alphanumeric())
        .to_lowercase();
    let mut out = Vec::new();
    let mut in_signature = false;
    for (i, line) in own.iter().enumerate() {
        let l = line.trim();
        let lower = l.to_lowercase();
        if l == "--" || l == "-- " || l.starts_with("-- ") {
            in_signature = true;
        }
        if in_signature || l.is_empty() {
            continue;
        }
        // "On <date>, <name> wrote:", possibly over two lines.
        let next_is_wrote = own
            .get(i + 1)
            .is_some_and(|n| n.trim_end().ends_with("wrote:"));
        if lower.ends_with("wrote:") || (lower.starts_with("on ") && next_is_wrote) {
            continue;
        }
        if rules
            .furniture
            .prefixes
            .iter()
            .any(|p| lower.starts_with(p.as_str()))
        {
            continue;
        }
        let bare = lower.trim_matches(|c: char| !c.is_alphanumeric());
        if !first_name.is_empty()
            && (bare == first_name || bare.split('.').next() == Some(first_name.as_str()))
        {
            continue;
        }
        out.push(l);
    }
    out
}

impl<'a> RevisionView<'a> {
    /// The verdicts in one reply, by the rules and the sender's roles.
    pub(super) fn verdicts_in(
        &self,
        mail: &Mail,
        lines: &[&str],
        given: &[Trailer],
    ) -> ReplyVerdicts {
        let roles = self.roles_of(&mail.from_email);
        let is_role = |want: RoleKind| roles.iter().any(|r| r.role == want);
        let mut found = Vec::new();
        let mut grounds = None;
        let mut argues = false;
        for rule in &self.rules.verdict {
            let allowed = rule.roles.iter().any(|who| match who {
                WhoMay::Any => true,
                WhoMay::Other => !is_role(RoleKind::Maintainer) && !is_role(RoleKind::Reviewer),
                WhoMay::Maintainer => is_role(RoleKind::Maintainer),
                WhoMay::Reviewer => is_role(RoleKind::Reviewer),
            });
            if !allowed {
                continue;
            }
            let says = |l: &str| {
                let lower = l.to_lowercase();
                rule.phrases.iter().any(|p| lower.contains(p.as_str()))
            };
            if let Some(line) = lines.iter().find(|l| says(l)) {
                found.push((
                    rule.kind,
                    self.evidence(EvidenceKind::Verdict(rule.kind), mail, line),
                ));
                argues |= self.rules.questions.skip_verdicts.contains(&rule.kind);
                if rule.kind == VerdictKind::Rejected {
                    grounds = Some(
                        lines
                            .iter()
                            .filter(|l| !says(l))
                            .map(|l| l.to_string())
                            .collect(),
                    );
                }
            }
        }
        // A maintainer's Nacked-by is a rejection too.
        if is_role(RoleKind::Maintainer) {
            for t in given.iter().filter(|t| t.kind == TrailerKind::NackedBy) {
                let kind = VerdictKind::Rejected;
                found.push((
                    kind,
                    self.evidence(EvidenceKind::Verdict(kind), mail, &t.line),
                ));
            }
        }
        ReplyVerdicts {
            found,
            grounds,
            argues,
        }
    }

    /// Questions to the author not answered since: a question is answered
    /// once the author side writes below it in the thread.
    pub(super) fn open_questions(
        &self,
        replies: &[&Mail],
        asked: Vec<(Evidence, &Mail)>,
    ) -> Vec<Evidence> {
        // Everything above an author's reply; each walk up stops where an
        // earlier one passed, so this stays linear in the thread's size.
        let mut answered: HashSet<&str> = HashSet::new();
        for m in replies.iter().filter(|m| self.is_author(m)) {
            let mut at = m.parent.as_deref();
            while let Some(id) = at {
                if !answered.insert(id) {
                    break;
                }
                at = self.thread.get(id).and_then(|p| p.parent.as_deref());
            }
        }
        asked
            .into_iter()
            .filter(|(_, mail)| !answered.contains(mail.message_id.as_str()))
            .map(|(e, _)| e)
            .collect()
    }
}

/// What one reply says of the revision.
pub(super) struct ReplyVerdicts {
    /// Its verdicts, in the rules' order.
    pub(super) found: Vec<(VerdictKind, Evidence)>,
    /// For a rejection: the reply's other lines.
    pub(super) grounds: Option<Vec<String>>,
    /// A phrase that argues (a rejection, say): its questions are not
    /// questions for the author to answer.
    pub(super) argues: bool,
}

/// The standing: superseded, else the latest decisive verdict, else
/// whether anyone but the authors replied.
pub(super) fn standing(
    superseded: bool,
    decisive: Option<VerdictKind>,
    others_replied: bool,
) -> Standing {
    match (superseded, decisive) {
        (true, _) => Standing::Superseded,
        (false, Some(VerdictKind::Rejected)) => Standing::Rejected,
        (false, Some(VerdictKind::Accepted)) => Standing::Accepted,
        (false, Some(_)) => Standing::ChangesRequested,
        (false, None) if others_replied => Standing::UnderReview,
        (false, None) => Standing::New,
    }
}
