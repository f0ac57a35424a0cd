//! How postings group into series and revisions, and where each mail
//! sits under them: the thread's shape, before anything is judged.

use std::collections::{HashMap, HashSet};

use crate::mail::message_id::MessageId;
use crate::mail::thread::{Mail, Thread};
use crate::review::maintainers::files_in_diff;

use super::*;

/// One revision: its version and its postings.
pub(super) type Revision<'p, 'a> = (u32, Vec<&'p Posting<'a>>);

/// The postings grouped into series, each a list of revisions (version and
/// postings) oldest first.
///
/// A revision is one version's postings in one thread tree: a series sent
/// again starts a new thread, and two series in one store are two trees.
/// Revisions belong to one series when their titles are the same, when
/// one was sent in reply into the other's thread (a partial reroll), when
/// one's mails name a posting of the other by Message-ID (the link to the
/// previous revision a cover letter carries), or when they share b4's
/// `change-id:`.
pub(super) fn series_of<'p, 'a>(
    thread: &Thread,
    postings: &'p [Posting<'a>],
) -> Vec<Vec<Revision<'p, 'a>>> {
    let units = revisions_by_root(thread, postings);
    // Union-find over the revisions.
    let mut group: Vec<usize> = (0..units.len()).collect();
    for a in 0..units.len() {
        for b in a + 1..units.len() {
            if linked(&units[a], &units[b]) {
                let (ra, rb) = (find(&mut group, a), find(&mut group, b));
                group[rb] = ra;
            }
        }
    }
    gather(units, &mut group)
}

/// A revision before the grouping: its version and thread root, and its
/// postings.
type Unit<'p, 'a> = ((u32, MessageId), Vec<&'p Posting<'a>>);

/// The postings as revisions: one per version and thread root.
fn revisions_by_root<'p, 'a>(thread: &Thread, postings: &'p [Posting<'a>]) -> Vec<Unit<'p, 'a>> {
    let root_of = |m: &Mail| -> MessageId {
        let mut at = m;
        while let Some(p) = at.parent.as_deref().and_then(|p| thread.get(p)) {
            at = p;
        }
        at.message_id.clone()
    };
    // Revisions: (version, root) -> postings.
    let mut units: Vec<Unit> = Vec::new();
    for p in postings {
        let key = (p.version, root_of(p.mail));
        match units.iter_mut().find(|(k, _)| *k == key) {
            Some((_, posts)) => posts.push(p),
            None => units.push((key, vec![p])),
        }
    }
    units
}

/// Whether two revisions belong to one series, by the rules [`series_of`]
/// gives.
fn linked(a: &Unit, b: &Unit) -> bool {
    let (ka, pa) = a;
    let (kb, pb) = b;
    title(pa) == title(pb)
        || (ka.1 == kb.1 && ka.0 != kb.0)
        || names(pa, pb)
        || names(pb, pa)
        || change_id(pa).is_some_and(|c| change_id(pb) == Some(c))
}

/// A revision's title: its first posting's.
fn title(posts: &[&Posting]) -> String {
    posts
        .iter()
        .min_by_key(|p| p.index)
        .map(|p| p.title.clone())
        .unwrap_or_default()
}

/// b4's `change-id:` of a revision, if a posting carries one.
fn change_id(posts: &[&Posting]) -> Option<String> {
    posts.iter().find_map(|p| {
        p.mail
            .body
            .lines()
            .find_map(|l| l.strip_prefix("change-id: "))
            .map(|id| id.trim().to_string())
    })
}

/// Whether a mail of `from` names a posting of `to` by its Message-ID.
fn names(from: &[&Posting], to: &[&Posting]) -> bool {
    from.iter().any(|p| {
        to.iter().any(|q| {
            q.mail.message_id.contains('@') && p.mail.body.contains(q.mail.message_id.as_str())
        })
    })
}

/// The root of `i`'s group in the union-find, halving the path on the way.
fn find(group: &mut [usize], i: usize) -> usize {
    let mut i = i;
    while group[i] != i {
        group[i] = group[group[i]];
        i = group[i];
    }
    i
}

/// The revisions gathered by group, in the order groups first appear,
/// each group's revisions oldest first.
fn gather<'p, 'a>(units: Vec<Unit<'p, 'a>>, group: &mut [usize]) -> Vec<Vec<Revision<'p, 'a>>> {
    let mut out: Vec<(usize, Vec<Revision<'p, 'a>>)> = Vec::new();
    for (i, ((version, _), posts)) in units.into_iter().enumerate() {
        let g = find(group, i);
        let revisions = match out.iter_mut().find(|(id, _)| *id == g) {
            Some((_, r)) => r,
            None => {
                out.push((g, Vec::new()));
                &mut out.last_mut().expect("just pushed").1
            }
        };
        // The same version sent twice in one series (a RESEND) is one revision.
        match revisions.iter_mut().find(|(v, _)| *v == version) {
            Some((_, existing)) => existing.extend(posts),
            None => revisions.push((version, posts)),
        }
    }
    out.into_iter()
        .map(|(_, mut revisions)| {
            revisions.sort_by_key(|(v, _)| *v);
            revisions
        })
        .collect()
}

/// For every mail of the thread, the nearest of `posts` strictly above it
/// (mails with none are left out). Each mail is walked over once: the
/// answer found for a mail is the answer for every mail below it on the
/// walk, so deep threads stay linear.
pub(super) fn postings_above<'a>(
    thread: &'a Thread,
    posts: &[&Posting<'a>],
) -> HashMap<&'a str, &'a str> {
    let posting: HashSet<&str> = posts.iter().map(|p| p.mail.message_id.as_str()).collect();
    // At or above: the nearest posting that is this mail or above it.
    let mut at_or_above: HashMap<&'a str, Option<&'a str>> = HashMap::new();
    let mut above = HashMap::new();
    for mail in &thread.mails {
        let mut path: Vec<&'a str> = Vec::new();
        let mut at = mail.parent.as_deref().and_then(|p| thread.get(p));
        let found = loop {
            let Some(m) = at else { break None };
            let id = m.message_id.as_str();
            if let Some(known) = at_or_above.get(id) {
                break *known;
            }
            if posting.contains(id) {
                break Some(id);
            }
            path.push(id);
            at = m.parent.as_deref().and_then(|p| thread.get(p));
        };
        for id in path {
            at_or_above.insert(id, found);
        }
        if let Some(p) = found {
            above.insert(mail.message_id.as_str(), p);
        }
    }
    above
}

/// The files the revision's patches touch.
pub(super) fn touched_files(posts: &[&Posting]) -> Vec<String> {
    let mut f: Vec<String> = posts
        .iter()
        .filter_map(|p| p.patch.as_ref())
        .flat_map(|p| files_in_diff(&p.diff))
        .collect();
    f.sort();
    f.dedup();
    f
}

/// Who posted and who wrote (in-body From:), as `Name <address>`.
pub(super) fn author_names(posts: &[&Posting]) -> Vec<String> {
    let mut authors = Vec::new();
    for p in posts {
        crate::util::push_unique(
            &mut authors,
            format!("{} <{}>", p.mail.from_name, p.mail.from_email),
        );
        if let Some(patch) = &p.patch {
            crate::util::push_unique(
                &mut authors,
                format!(
                    "{} <{}>",
                    patch.author_name,
                    patch.author_email.to_lowercase()
                ),
            );
        }
    }
    authors
}
