//! Review state out of a thread: which revisions were posted, what each
//! reviewer said of them, in which role, and what that means for the
//! author. Every inferred fact keeps its evidence: the message, who wrote
//! it in which role, when, and the line.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::maintainers::{files_in_diff, Maintainers, Role, RoleKind};
use super::rules::{Rules, VerdictKind, WhoMay};
use super::state::*;
use crate::mail::patch;
use crate::mail::subject;
use crate::mail::thread::{Mail, Thread};
use crate::mail::trailers;

/// A stable id for a diff: whitespace, line numbers and index lines do
/// not change it, so the same change keeps its id across revisions.
pub fn patch_id(diff: &str) -> Option<String> {
    let mut normalized = String::new();
    for line in diff.lines() {
        if line.starts_with("index ") || line.starts_with("@@") {
            continue;
        }
        let squeezed: String = line.split_whitespace().collect();
        if !squeezed.is_empty() {
            normalized.push_str(&squeezed);
            normalized.push('\n');
        }
    }
    if normalized.is_empty() {
        return None;
    }
    git2::Oid::hash_object(git2::ObjectType::Blob, normalized.as_bytes())
        .ok()
        .map(|o| o.to_string())
}

/// The lines a sender wrote: not quoted, not the attribution above a
/// quote, not greetings or the signature.
fn content_lines<'a>(mail: &'a Mail, rules: &Rules) -> Vec<&'a str> {
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

struct Posting<'a> {
    mail: &'a Mail,
    version: u32,
    index: u32,
    title: String,
    patch: Option<patch::MailPatch>,
}

/// Derives the review state of every series in `thread`.
pub fn derive(thread: &Thread, maintainers: Option<&Maintainers>, rules: &Rules) -> ReviewState {
    let mut postings: Vec<Posting> = Vec::new();
    for mail in &thread.mails {
        let Some(s) = subject::parse(&mail.subject) else {
            continue;
        };
        if s.reply {
            continue;
        }
        let patch = mail
            .body
            .contains("diff --git ")
            .then(|| {
                let raw = format!(
                    "From: {} <{}>\nDate: {}\nSubject: {}\n\n{}",
                    mail.from_name,
                    mail.from_email,
                    crate::mail::date::rfc2822(mail.timestamp),
                    mail.subject,
                    mail.body
                );
                patch::parse(raw.as_bytes(), &mail.message_id).ok()
            })
            .flatten();
        postings.push(Posting {
            mail,
            version: s.version,
            index: s.index.unwrap_or(1),
            title: s.title,
            patch,
        });
    }

    // Series by title of the first patch (or cover letter) of each revision.
    let mut by_title: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    let series_title = |version: u32| -> String {
        postings
            .iter()
            .filter(|p| p.version == version)
            .min_by_key(|p| p.index)
            .map(|p| p.title.clone())
            .unwrap_or_default()
    };
    for p in &postings {
        let t = series_title(p.version);
        let versions = by_title.entry(t).or_default();
        if !versions.contains(&p.version) {
            versions.push(p.version);
        }
    }

    let mut series = Vec::new();
    for (title, mut versions) in by_title {
        versions.sort();
        let newest = versions.iter().copied().max().unwrap_or(1);
        let mut revisions = Vec::new();
        for &version in &versions {
            let posts: Vec<&Posting> = postings.iter().filter(|p| p.version == version).collect();
            revisions.push(revision_state(
                thread,
                &posts,
                version,
                version < newest,
                maintainers,
                rules,
            ));
        }
        series.push(SeriesState { title, revisions });
    }
    ReviewState { series }
}

fn revision_state(
    thread: &Thread,
    posts: &[&Posting],
    version: u32,
    superseded: bool,
    maintainers: Option<&Maintainers>,
    rules: &Rules,
) -> RevisionState {
    let post_ids: HashSet<&str> = posts.iter().map(|p| p.mail.message_id.as_str()).collect();
    let files: Vec<String> = {
        let mut f: Vec<String> = posts
            .iter()
            .filter_map(|p| p.patch.as_ref())
            .flat_map(|p| files_in_diff(&p.diff))
            .collect();
        f.sort();
        f.dedup();
        f
    };
    // The author side: who posted, who wrote (in-body From:), who signed off.
    let mut author_emails: HashSet<String> = HashSet::new();
    let mut authors = Vec::new();
    for p in posts {
        author_emails.insert(canon(maintainers, &p.mail.from_email));
        crate::util::push_unique(
            &mut authors,
            format!("{} <{}>", p.mail.from_name, p.mail.from_email),
        );
        if let Some(patch) = &p.patch {
            author_emails.insert(canon(maintainers, &patch.author_email));
            crate::util::push_unique(
                &mut authors,
                format!(
                    "{} <{}>",
                    patch.author_name,
                    patch.author_email.to_lowercase()
                ),
            );
            for t in trailers::parse(&patch.message) {
                if t.kind == "Signed-off-by" || t.kind == "Co-developed-by" {
                    if let Some(e) = &t.email {
                        author_emails.insert(canon(maintainers, e));
                    }
                }
            }
        }
    }
    // Match the files against MAINTAINERS once, and each sender once.
    let sections = maintainers.map(|m| m.for_files(&files)).unwrap_or_default();
    let mut role_cache: HashMap<String, Vec<Role>> = HashMap::new();
    for mail in &thread.mails {
        if let (Some(m), false) = (maintainers, role_cache.contains_key(&mail.from_email)) {
            let roles = m.roles_in(&sections, &mail.from_email);
            role_cache.insert(mail.from_email.clone(), roles);
        }
    }
    let roles_of =
        |email: &str| -> Vec<Role> { role_cache.get(email).cloned().unwrap_or_default() };
    let is_role = |roles: &[Role], want: RoleKind| roles.iter().any(|r| r.role == want);
    let evidence = |kind: &str, mail: &Mail, line: &str| Evidence {
        kind: kind.into(),
        message_id: mail.message_id.clone(),
        name: mail.from_name.clone(),
        email: mail.from_email.clone(),
        roles: roles_of(&mail.from_email),
        date: mail.date.clone(),
        line: line.trim().to_string(),
    };

    // Replies: mails below one of this revision's postings.
    let replies: Vec<&Mail> = thread
        .mails
        .iter()
        .filter(|m| !post_ids.contains(m.message_id.as_str()))
        .filter(|m| {
            thread
                .ancestors(&m.message_id)
                .iter()
                .any(|a| post_ids.contains(a.message_id.as_str()))
        })
        .collect();

    let mut patches: Vec<PatchState> = posts
        .iter()
        .map(|p| PatchState {
            index: p.index,
            title: p.title.clone(),
            message_id: p.mail.message_id.clone(),
            patch_id: p.patch.as_ref().and_then(|x| patch_id(&x.diff)),
            trailers: Vec::new(),
        })
        .collect();
    patches.sort_by_key(|p| p.index);

    let mut verdicts: Vec<(VerdictKind, Evidence)> = Vec::new();
    let mut questions: Vec<(Evidence, &Mail)> = Vec::new();
    let mut last_author_word = None;
    let mut last_message = None;
    let mut grounds = Vec::new();
    for mail in &replies {
        let from = canon(maintainers, &mail.from_email);
        let from_author = author_emails.contains(&from);
        let lines = content_lines(mail, rules);
        last_message = Some(evidence(
            "last_message",
            mail,
            lines.first().copied().unwrap_or_default(),
        ));
        if from_author {
            last_author_word = Some(evidence(
                "last_word",
                mail,
                lines.first().copied().unwrap_or_default(),
            ));
            continue;
        }
        // Trailers: for the patch replied to, or all patches for a cover letter.
        let target = thread
            .ancestors(&mail.message_id)
            .into_iter()
            .find(|a| post_ids.contains(a.message_id.as_str()))
            .map(|a| a.message_id.clone());
        for t in trailers::parse(&mail.body) {
            let differs = t
                .email
                .as_ref()
                .is_some_and(|e| canon(maintainers, e) != from);
            let given = GivenTrailer {
                evidence: evidence(&t.kind, mail, &t.line),
                trailer: t,
                address_differs: differs,
            };
            let to_cover = patches
                .iter()
                .any(|p| p.index == 0 && Some(&p.message_id) == target.as_ref());
            for p in patches.iter_mut() {
                let for_this = to_cover || Some(&p.message_id) == target.as_ref();
                if for_this && !p.trailers.iter().any(|g| g.trailer == given.trailer) {
                    p.trailers.push(given.clone());
                }
            }
        }
        let roles = roles_of(&mail.from_email);
        let mut kinds_here = Vec::new();
        for rule in &rules.verdict {
            let allowed = rule.roles.iter().any(|who| match who {
                WhoMay::Any => true,
                WhoMay::Other => {
                    !is_role(&roles, RoleKind::Maintainer) && !is_role(&roles, RoleKind::Reviewer)
                }
                WhoMay::Maintainer => is_role(&roles, RoleKind::Maintainer),
                WhoMay::Reviewer => is_role(&roles, RoleKind::Reviewer),
            });
            if !allowed {
                continue;
            }
            if let Some(line) = lines.iter().find(|l| {
                rule.phrases
                    .iter()
                    .any(|p| l.to_lowercase().contains(p.as_str()))
            }) {
                verdicts.push((rule.kind, evidence(rule.kind.as_str(), mail, line)));
                kinds_here.push(rule.kind);
                if rule.kind == VerdictKind::Rejected {
                    grounds = lines
                        .iter()
                        .filter(|l| {
                            !rule
                                .phrases
                                .iter()
                                .any(|p| l.to_lowercase().contains(p.as_str()))
                        })
                        .map(|l| l.to_string())
                        .collect();
                }
            }
        }
        // A maintainer's Nacked-by is a rejection too.
        if is_role(&roles, RoleKind::Maintainer) {
            for t in trailers::parse(&mail.body)
                .iter()
                .filter(|t| t.kind == "Nacked-by")
            {
                let kind = VerdictKind::Rejected;
                verdicts.push((kind, evidence(kind.as_str(), mail, &t.line)));
            }
        }
        if !kinds_here
            .iter()
            .any(|k| rules.questions.skip_verdicts.contains(k))
        {
            for line in lines.iter().filter(|l| l.ends_with('?')) {
                questions.push((evidence("question", mail, line), mail));
            }
        }
    }

    // A question is answered once the author side writes below it in
    // the thread (a reply to it, or to anything that replies to it).
    let answered: HashSet<&str> = replies
        .iter()
        .filter(|m| author_emails.contains(&canon(maintainers, &m.from_email)))
        .flat_map(|m| thread.ancestors(&m.message_id))
        .map(|a| a.message_id.as_str())
        .collect();
    let open_questions = questions
        .into_iter()
        .filter(|(_, asked)| !answered.contains(asked.message_id.as_str()))
        .map(|(e, _)| e)
        .collect();

    // The state: the latest decisive verdict wins.
    let decisive = verdicts
        .iter()
        .rev()
        .find(|(kind, _)| kind.is_decisive())
        .cloned();
    let state = if superseded {
        Standing::Superseded
    } else if let Some((kind, _)) = &decisive {
        match kind {
            VerdictKind::Rejected => Standing::Rejected,
            VerdictKind::Accepted => Standing::Accepted,
            _ => Standing::ChangesRequested,
        }
    } else if replies
        .iter()
        .any(|m| !author_emails.contains(&canon(maintainers, &m.from_email)))
    {
        Standing::UnderReview
    } else {
        Standing::New
    };
    if decisive
        .as_ref()
        .is_none_or(|(kind, _)| *kind != VerdictKind::Rejected)
    {
        grounds.clear();
    }
    let first = posts.iter().map(|p| p.mail).min_by_key(|m| m.timestamp);
    RevisionState {
        version,
        next_step: rules.next_step(state),
        state,
        state_evidence: if superseded {
            None
        } else {
            decisive.map(|(_, e)| e)
        },
        posted: first.map(|m| m.date.clone()).unwrap_or_default(),
        authors,
        files,
        patches,
        verdicts: verdicts.into_iter().map(|(_, e)| e).collect(),
        grounds,
        open_questions,
        last_author_word,
        last_message,
    }
}

fn canon(maintainers: Option<&Maintainers>, email: &str) -> String {
    maintainers.map_or_else(|| email.to_lowercase(), |m| m.canonical(email))
}
