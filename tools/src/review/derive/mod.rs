//! Review state out of a thread: which revisions were posted, what each
//! reviewer said of them, in which role, and what that means for the
//! author. Every inferred fact keeps its evidence: the message, who wrote
//! it in which role, when, and the line.

use std::collections::HashSet;

use super::maintainers::Maintainers;
use super::rules::Rules;
use super::state::*;
use crate::mail::patch;
use crate::mail::subject;
use crate::mail::thread::{Mail, Thread};

pub use crate::mail::patch_id::patch_id;

mod applications;
mod given;
mod revision;
mod threading;
mod verdicts;
mod view;

use given::*;
use revision::*;
use threading::*;
use verdicts::*;
use view::*;

/// A mail that posts a patch or a cover letter, its subject read.
pub(super) struct Posting<'a> {
    mail: &'a Mail,
    version: u32,
    index: u32,
    title: String,
    patch: Option<patch::MailPatch>,
}

/// Derives the review state of every series in `thread`.
pub fn derive(thread: &Thread, maintainers: Option<&Maintainers>, rules: &Rules) -> ReviewState {
    let postings = postings(thread);
    let all_postings: HashSet<&str> = postings
        .iter()
        .map(|p| p.mail.message_id.as_str())
        .collect();
    let mut series: Vec<SeriesState> = series_of(thread, &postings)
        .iter()
        .map(|group| series_state(thread, group, &all_postings, maintainers, rules))
        .collect();
    series.sort_by(|a, b| a.title.cmp(&b.title));
    ReviewState { series }
}

/// The mails of `thread` that post a patch or a cover letter.
fn postings(thread: &Thread) -> Vec<Posting<'_>> {
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
        postings.push(Posting {
            mail,
            version: s.version,
            index,
            title: s.title,
            patch: has_diff.then(|| mail_patch(mail)).flatten(),
        });
    }
    postings
}

/// The patch a posting's mail carries; `None` if it does not parse.
fn mail_patch(mail: &Mail) -> Option<patch::MailPatch> {
    // The mail is parsed already: its patch is read from its fields,
    // not from the mail written out and parsed again.
    let envelope = patch::Envelope {
        author_name: mail.from_name.clone(),
        author_email: mail.from_email.clone(),
        time: mail.timestamp,
        offset_minutes: 0,
        subject: mail.subject.clone(),
    };
    patch::from_parts(envelope, &mail.body, &mail.message_id).ok()
}

/// One series' state: each revision's, with the trailers carried over.
fn series_state(
    thread: &Thread,
    group: &[Revision],
    all_postings: &HashSet<&str>,
    maintainers: Option<&Maintainers>,
    rules: &Rules,
) -> SeriesState {
    let newest = group.iter().map(|(v, _)| *v).max().unwrap_or(1);
    let title = group
        .first()
        .and_then(|(_, posts)| posts.iter().min_by_key(|p| p.index))
        .map(|p| p.title.clone())
        .unwrap_or_default();
    let mut revisions = Vec::new();
    for (version, posts) in group {
        revisions.push(revision_state(
            thread,
            posts,
            all_postings,
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
    state
}

fn canon(maintainers: Option<&Maintainers>, email: &str) -> String {
    maintainers.map_or_else(|| email.to_lowercase(), |m| m.canonical(email))
}
