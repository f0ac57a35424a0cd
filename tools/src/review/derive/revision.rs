//! One revision's state: its patches, what the replies to it said (the
//! verdicts, trailers, questions and last words), and the standing that
//! gives it.

use std::collections::HashSet;

use crate::mail::thread::{Mail, Thread};
use crate::mail::trailers;
use crate::review::maintainers::Maintainers;
use crate::review::rules::{Rules, VerdictKind};

use super::*;

/// The state of the revision `version` posted as `posts`; `superseded`
/// when a later revision of the series was posted.
pub(super) fn revision_state(
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
    let mut patches = patch_states(posts);
    let heard = hear(&view, &replies, rules, &mut patches);
    let open_questions = view.open_questions(&replies, heard.questions);

    // The latest decisive verdict wins.
    let decisive = heard
        .verdicts
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
    let mut grounds = heard.grounds;
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
        verdicts: heard.verdicts.into_iter().map(|(_, e)| e).collect(),
        grounds,
        open_questions,
        last_author_word: heard.last_author_word,
        last_message: heard.last_message,
        applied: heard.applied,
    }
}

/// The revision's patches in order, before review gives them anything.
fn patch_states(posts: &[&Posting]) -> Vec<PatchState> {
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
            applied_commit: None,
        })
        .collect();
    patches.sort_by_key(|p| p.index);
    patches
}

/// What the replies to a revision said, read in thread order.
struct Heard<'m> {
    /// Every verdict, oldest first.
    verdicts: Vec<(VerdictKind, Evidence)>,
    /// Questions to the author, each with the mail that asked it.
    questions: Vec<(Evidence, &'m Mail)>,
    /// The author side's last reply.
    last_author_word: Option<Evidence>,
    /// The last reply, whoever wrote it.
    last_message: Option<Evidence>,
    /// The other lines of the latest reply that rejected.
    grounds: Vec<String>,
    /// Maintainers' replies that applied patches.
    applied: Vec<Applied>,
}

/// Reads `replies` in order: their verdicts, questions and last words,
/// and the trailers they give to `patches`.
fn hear<'m>(
    view: &RevisionView,
    replies: &[&'m Mail],
    rules: &Rules,
    patches: &mut [PatchState],
) -> Heard<'m> {
    let mut heard = Heard {
        verdicts: Vec::new(),
        questions: Vec::new(),
        last_author_word: None,
        last_message: None,
        grounds: Vec::new(),
        applied: Vec::new(),
    };
    for &mail in replies {
        let lines = content_lines(mail, rules);
        let first_line = lines.first().copied().unwrap_or_default();
        heard.last_message = Some(view.evidence(EvidenceKind::LastMessage, mail, first_line));
        // A maintainer applies patches, their own too.
        heard.applied.extend(view.applied_by(mail, patches));
        if view.is_author(mail) {
            heard.last_author_word = Some(view.evidence(EvidenceKind::LastWord, mail, first_line));
            // The author's follow-up may add to their patch what it lacked
            // (a Fixes:, a Link:, who reported it), as b4 takes it; not a
            // review of their own work, which b4 would take too.
            let mut added = trailers::parse(&mail.body);
            added.retain(|t| !t.kind.endorses());
            view.collect_trailers(mail, &added, patches);
            continue;
        }
        // Each reply's trailers are parsed once, for both uses.
        let given = trailers::parse(&mail.body);
        view.collect_trailers(mail, &given, patches);
        let said = view.verdicts_in(mail, &lines, &given);
        if let Some(g) = said.grounds {
            heard.grounds = g;
        }
        heard.verdicts.extend(said.found);
        if !said.argues {
            for line in lines.iter().filter(|l| l.ends_with('?')) {
                heard
                    .questions
                    .push((view.evidence(EvidenceKind::Question, mail, line), mail));
            }
        }
    }
    heard
}
