//! Review state out of a thread: which revisions were posted, what each
//! reviewer said of them, in which role, and what that means for the
//! author. Every inferred fact keeps its evidence: the message, who wrote
//! it in which role, when, and the line.

use std::collections::HashSet;

use super::maintainers::Maintainers;
use super::rules::{Rules, VerdictKind};
use super::state::*;
use crate::mail::patch;
use crate::mail::subject;
use crate::mail::thread::{Mail, Thread};
use crate::mail::trailers::{self};

pub use crate::mail::patch_id::patch_id;

mod given;
mod threading;
mod verdicts;
mod view;

use given::*;
use threading::*;
use verdicts::*;
use view::*;

pub(super) struct Posting<'a> {
    mail: &'a Mail,
    version: u32,
    index: u32,
    title: String,
    patch: Option<patch::MailPatch>,
}

/// Derives the review state of every series in `thread`.
pub fn derive(thread: &Thread, maintainers: Option<&Maintainers>, rules: &Rules) -> ReviewState {
    // Each subject is parsed once: the postings are the mails whose
    // subject is a patch's and not a reply's.
    let posted: Vec<(&Mail, subject::PatchSubject)> = thread
        .mails
        .iter()
        .filter_map(|m| subject::parse(&m.subject).map(|s| (m, s)))
        .filter(|(_, s)| !s.reply)
        .collect();
    // Patches: postings with a diff (in git's form or plain).
    let with_diff: HashSet<&str> = posted
        .iter()
        .filter(|(m, _)| patch::holds_diff(&m.body))
        .map(|(m, _)| m.message_id.as_str())
        .collect();
    let mut postings: Vec<Posting> = Vec::new();
    for (mail, s) in posted {
        let has_diff = with_diff.contains(mail.message_id.as_str());
        // A cover letter: marked 0/N, or a root without a diff that
        // patches reply to. Any other mail without a diff is a reply,
        // even one that repeats the patch's subject without "Re:".
        let unmarked_cover = !has_diff
            && mail.parent.is_none()
            && thread.mails.iter().any(|m| {
                m.parent.as_deref() == Some(mail.message_id.as_str())
                    && with_diff.contains(m.message_id.as_str())
            });
        if !has_diff && s.index != Some(0) && !unmarked_cover {
            continue;
        }
        let index = if unmarked_cover {
            0
        } else {
            s.index.unwrap_or(1)
        };
        // The mail is parsed already: its patch is read from its fields,
        // not from the mail written out and parsed again.
        let patch = has_diff
            .then(|| {
                let envelope = patch::Envelope {
                    author_name: mail.from_name.clone(),
                    author_email: mail.from_email.clone(),
                    time: mail.timestamp,
                    offset_minutes: 0,
                    subject: mail.subject.clone(),
                };
                patch::from_parts(envelope, &mail.body, &mail.message_id).ok()
            })
            .flatten();
        postings.push(Posting {
            mail,
            version: s.version,
            index,
            title: s.title,
            patch,
        });
    }

    let all_postings: HashSet<&str> = postings
        .iter()
        .map(|p| p.mail.message_id.as_str())
        .collect();
    let mut series = Vec::new();
    for group in series_of(thread, &postings) {
        let newest = group.iter().map(|(v, _)| *v).max().unwrap_or(1);
        let title = group
            .first()
            .and_then(|(_, posts)| posts.iter().min_by_key(|p| p.index))
            .map(|p| p.title.clone())
            .unwrap_or_default();
        let mut revisions = Vec::new();
        for (version, posts) in &group {
            revisions.push(revision_state(
                thread,
                posts,
                &all_postings,
                *version,
                *version < newest,
                maintainers,
                rules,
            ));
        }
        let mut state = SeriesState {
            title,
            revisions,
            current: Vec::new(),
        };
        carry_trailers(&mut state);
        state.current = current_patches(&state);
        series.push(state);
    }
    series.sort_by(|a, b| a.title.cmp(&b.title));
    ReviewState { series }
}

fn revision_state(
    thread: &Thread,
    posts: &[&Posting],
    all_postings: &HashSet<&str>,
    version: u32,
    superseded: bool,
    maintainers: Option<&Maintainers>,
    rules: &Rules,
) -> RevisionState {
    let files = touched_files(posts);
    let mut view = RevisionView::new(thread, posts, &files, maintainers, rules);
    // A later revision's patch sent into this thread (a partial reroll) is
    // not a reply to this one: not its last word, nor a review.
    view.not_replies = all_postings.iter().map(|s| s.to_string()).collect();
    let replies = view.replies();
    let mut patches: Vec<PatchState> = posts
        .iter()
        .map(|p| PatchState {
            index: p.index,
            title: p.title.clone(),
            message_id: p.mail.message_id.clone(),
            patch_id: p.patch.as_ref().and_then(|x| patch_id(&x.diff)),
            trailers: Vec::new(),
            carried: Vec::new(),
            changed_since: Vec::new(),
            landed: None,
        })
        .collect();
    patches.sort_by_key(|p| p.index);

    let mut verdicts: Vec<(VerdictKind, Evidence)> = Vec::new();
    let mut questions: Vec<(Evidence, &Mail)> = Vec::new();
    let mut last_author_word = None;
    let mut last_message = None;
    let mut grounds = Vec::new();
    for mail in &replies {
        let lines = content_lines(mail, rules);
        let first_line = lines.first().copied().unwrap_or_default();
        last_message = Some(view.evidence(EvidenceKind::LastMessage, mail, first_line));
        if view.is_author(mail) {
            last_author_word = Some(view.evidence(EvidenceKind::LastWord, mail, first_line));
            continue;
        }
        // Each reply's trailers are parsed once, for both uses.
        let given = trailers::parse(&mail.body);
        view.collect_trailers(mail, &given, &mut patches);
        let said = view.verdicts_in(mail, &lines, &given);
        if let Some(g) = said.grounds {
            grounds = g;
        }
        verdicts.extend(said.found);
        if !said.argues {
            for line in lines.iter().filter(|l| l.ends_with('?')) {
                questions.push((view.evidence(EvidenceKind::Question, mail, line), mail));
            }
        }
    }
    let open_questions = view.open_questions(&replies, questions);

    // The latest decisive verdict wins.
    let decisive = verdicts
        .iter()
        .rev()
        .find(|(kind, _)| kind.is_decisive())
        .cloned();
    let others_replied = replies.iter().any(|m| !view.is_author(m));
    let state = standing(
        superseded,
        decisive.as_ref().map(|(k, _)| *k),
        others_replied,
    );
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
        authors: author_names(posts),
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
