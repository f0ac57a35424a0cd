//! Review state out of a thread: which revisions were posted, what each
//! reviewer said of them, in which role, and what that means for the
//! author. Every inferred fact keeps its evidence: the message, who wrote
//! it in which role, when, and the line.

use std::collections::{HashMap, HashSet};

use super::maintainers::{files_in_diff, Maintainers, Role, RoleKind};
use super::rules::{Rules, VerdictKind, WhoMay};
use super::state::*;
use crate::mail::patch;
use crate::mail::subject;
use crate::mail::thread::{Mail, Thread};
use crate::mail::trailers::{self, Trailer, TrailerKind};

pub use crate::mail::patch_id::patch_id;

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

/// One revision: its version and its postings.
type Revision<'p, 'a> = (u32, Vec<&'p Posting<'a>>);

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
fn series_of<'p, 'a>(thread: &Thread, postings: &'p [Posting<'a>]) -> Vec<Vec<Revision<'p, 'a>>> {
    let root_of = |m: &Mail| -> String {
        let mut at = m;
        while let Some(p) = at.parent.as_deref().and_then(|p| thread.get(p)) {
            at = p;
        }
        at.message_id.clone()
    };
    // Revisions: (version, root) -> postings.
    let mut units: Vec<((u32, String), Vec<&'p Posting<'a>>)> = Vec::new();
    for p in postings {
        let key = (p.version, root_of(p.mail));
        match units.iter_mut().find(|(k, _)| *k == key) {
            Some((_, posts)) => posts.push(p),
            None => units.push((key, vec![p])),
        }
    }
    let title = |posts: &[&Posting]| -> String {
        posts
            .iter()
            .min_by_key(|p| p.index)
            .map(|p| p.title.clone())
            .unwrap_or_default()
    };
    let change_id = |posts: &[&Posting]| -> Option<String> {
        posts.iter().find_map(|p| {
            p.mail
                .body
                .lines()
                .find_map(|l| l.strip_prefix("change-id: "))
                .map(|id| id.trim().to_string())
        })
    };
    let names = |from: &[&Posting], to: &[&Posting]| -> bool {
        from.iter().any(|p| {
            to.iter().any(|q| {
                q.mail.message_id.contains('@') && p.mail.body.contains(&q.mail.message_id)
            })
        })
    };
    // Union-find over the revisions.
    let mut group: Vec<usize> = (0..units.len()).collect();
    fn find(group: &mut [usize], i: usize) -> usize {
        let mut i = i;
        while group[i] != i {
            group[i] = group[group[i]];
            i = group[i];
        }
        i
    }
    for a in 0..units.len() {
        for b in a + 1..units.len() {
            let (ka, pa) = &units[a];
            let (kb, pb) = &units[b];
            let linked = title(pa) == title(pb)
                || (ka.1 == kb.1 && ka.0 != kb.0)
                || names(pa, pb)
                || names(pb, pa)
                || change_id(pa).is_some_and(|c| change_id(pb) == Some(c));
            if linked {
                let (ra, rb) = (find(&mut group, a), find(&mut group, b));
                group[rb] = ra;
            }
        }
    }
    let mut out: Vec<(usize, Vec<Revision<'p, 'a>>)> = Vec::new();
    for (i, ((version, _), posts)) in units.into_iter().enumerate() {
        let g = find(&mut group, i);
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

/// One revision's view of the thread: its postings, its author side and
/// the roles of everyone who wrote, matched against MAINTAINERS once.
struct RevisionView<'a> {
    thread: &'a Thread,
    posts: &'a [&'a Posting<'a>],
    maintainers: Option<&'a Maintainers>,
    rules: &'a Rules,
    /// Canonical addresses of who posted, wrote or signed off the patches.
    author_emails: HashSet<String>,
    roles: HashMap<String, Vec<Role>>,
    /// For every mail, the nearest of this revision's postings above it.
    posting_above: HashMap<&'a str, &'a str>,
    /// Postings of every revision: never replies.
    not_replies: HashSet<String>,
    /// The trailers each posting already carries, parsed once.
    own: HashMap<&'a str, Vec<Trailer>>,
}

impl<'a> RevisionView<'a> {
    fn new(
        thread: &'a Thread,
        posts: &'a [&'a Posting<'a>],
        files: &[String],
        maintainers: Option<&'a Maintainers>,
        rules: &'a Rules,
    ) -> RevisionView<'a> {
        let own: HashMap<&'a str, Vec<Trailer>> = posts
            .iter()
            .map(|p| {
                let carried = p
                    .patch
                    .as_ref()
                    .map_or_else(Vec::new, |patch| trailers::parse(&patch.message));
                (p.mail.message_id.as_str(), carried)
            })
            .collect();
        let mut author_emails = HashSet::new();
        for p in posts {
            author_emails.insert(canon(maintainers, &p.mail.from_email));
            if let Some(patch) = &p.patch {
                author_emails.insert(canon(maintainers, &patch.author_email));
                for t in &own[p.mail.message_id.as_str()] {
                    if matches!(
                        t.kind,
                        TrailerKind::SignedOffBy | TrailerKind::CoDevelopedBy
                    ) {
                        if let Some(e) = &t.email {
                            author_emails.insert(canon(maintainers, e));
                        }
                    }
                }
            }
        }
        // Match the files against MAINTAINERS once, and each sender once.
        let sections = maintainers.map(|m| m.for_files(files)).unwrap_or_default();
        let mut roles: HashMap<String, Vec<Role>> = HashMap::new();
        if let Some(m) = maintainers {
            for mail in &thread.mails {
                if !roles.contains_key(&mail.from_email) {
                    let r = m.roles_in(&sections, &mail.from_email);
                    roles.insert(mail.from_email.clone(), r);
                }
            }
        }
        RevisionView {
            thread,
            posts,
            maintainers,
            rules,
            author_emails,
            roles,
            posting_above: postings_above(thread, posts),
            not_replies: HashSet::new(),
            own,
        }
    }

    fn roles_of(&self, email: &str) -> Vec<Role> {
        self.roles.get(email).cloned().unwrap_or_default()
    }

    fn is_author(&self, mail: &Mail) -> bool {
        self.author_emails
            .contains(&canon(self.maintainers, &mail.from_email))
    }

    fn evidence(&self, kind: EvidenceKind, mail: &Mail, line: &str) -> Evidence {
        Evidence {
            kind,
            message_id: mail.message_id.clone(),
            name: mail.from_name.clone(),
            email: mail.from_email.clone(),
            roles: self.roles_of(&mail.from_email),
            date: mail.date.clone(),
            line: line.trim().to_string(),
        }
    }

    fn post_ids(&self) -> HashSet<&'a str> {
        self.posts
            .iter()
            .map(|p| p.mail.message_id.as_str())
            .collect()
    }

    /// Mails below one of this revision's postings.
    fn replies(&self) -> Vec<&'a Mail> {
        let post_ids = self.post_ids();
        self.thread
            .mails
            .iter()
            .filter(|m| !post_ids.contains(m.message_id.as_str()))
            .filter(|m| !self.not_replies.contains(&m.message_id))
            .filter(|m| self.posting_above.contains_key(m.message_id.as_str()))
            .collect()
    }

    /// Whether the patch `message_id` already carries a trailer of this
    /// kind and address: a reviewer who restates it gives nothing new.
    fn carries(&self, message_id: &str, given: &Trailer) -> bool {
        self.own.get(message_id).is_some_and(|own| {
            own.iter()
                .any(|t| t.kind == given.kind && t.email == given.email)
        })
    }

    /// The sender's trailers, given to the patch replied to, or to every
    /// patch when the reply is to the cover letter.
    fn collect_trailers(&self, mail: &Mail, given: &[Trailer], patches: &mut [PatchState]) {
        let from = canon(self.maintainers, &mail.from_email);
        let target = self
            .posting_above
            .get(mail.message_id.as_str())
            .map(|id| id.to_string());
        let to_cover = patches
            .iter()
            .any(|p| p.index == 0 && Some(&p.message_id) == target.as_ref());
        for t in given {
            let differs = t
                .email
                .as_ref()
                .is_some_and(|e| canon(self.maintainers, e) != from);
            let given = GivenTrailer {
                evidence: self.evidence(EvidenceKind::Trailer(t.kind), mail, &t.line),
                trailer: t.clone(),
                address_differs: differs,
            };
            for p in patches.iter_mut() {
                let for_this = to_cover || Some(&p.message_id) == target.as_ref();
                let restated = self.carries(&p.message_id, &given.trailer);
                if for_this && !restated && !p.trailers.iter().any(|g| g.trailer == given.trailer) {
                    p.trailers.push(given.clone());
                }
            }
        }
    }

    /// The verdicts in one reply, by the rules and the sender's roles.
    fn verdicts_in(&self, mail: &Mail, lines: &[&str], given: &[Trailer]) -> ReplyVerdicts {
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
    fn open_questions(&self, replies: &[&Mail], asked: Vec<(Evidence, &Mail)>) -> Vec<Evidence> {
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
struct ReplyVerdicts {
    /// Its verdicts, in the rules' order.
    found: Vec<(VerdictKind, Evidence)>,
    /// For a rejection: the reply's other lines.
    grounds: Option<Vec<String>>,
    /// A phrase that argues (a rejection, say): its questions are not
    /// questions for the author to answer.
    argues: bool,
}

/// Each patch in its newest revision, with the trailers it holds there.
fn current_patches(series: &SeriesState) -> Vec<CurrentPatch> {
    let mut newest: Vec<(&RevisionState, &PatchState)> = Vec::new();
    for r in &series.revisions {
        for p in r.patches.iter().filter(|p| p.index > 0) {
            match newest.iter_mut().find(|(_, q)| q.index == p.index) {
                Some(slot) => *slot = (r, p),
                None => newest.push((r, p)),
            }
        }
    }
    newest.sort_by_key(|(_, p)| p.index);
    newest
        .into_iter()
        .map(|(r, p)| {
            let mut trailers = p.trailers.clone();
            trailers.extend(p.carried.iter().map(|e| e.given.clone()));
            // The cover letter it was sent under: its own revision's, or for
            // a partial reroll without one, the last one before it.
            let cover = series
                .revisions
                .iter()
                .filter(|c| c.version <= r.version)
                .filter_map(|c| c.patches.iter().find(|x| x.index == 0))
                .next_back();
            for t in cover.iter().flat_map(|c| &c.trailers) {
                if !trailers.iter().any(|g| g.trailer == t.trailer) {
                    trailers.push(t.clone());
                }
            }
            CurrentPatch {
                index: p.index,
                version: r.version,
                title: p.title.clone(),
                message_id: p.message_id.clone(),
                trailers,
            }
        })
        .collect()
}

/// Each patch's trailers from earlier revisions of the series: carried
/// when the patch is unchanged (same patch-id), listed as changed since
/// when only its title is the same.
fn carry_trailers(series: &mut SeriesState) {
    // Asked of the revisions as they are, then written in.
    let answers: Vec<Vec<EarlierTrailers>> = series
        .revisions
        .iter()
        .map(|r| {
            r.patches
                .iter()
                .filter(|p| p.index > 0)
                .map(|p| {
                    earlier_trailers(
                        series.revisions.iter(),
                        Some(r.version),
                        p.patch_id.as_deref(),
                        &p.title,
                    )
                })
                .collect()
        })
        .collect();
    for (r, answers) in series.revisions.iter_mut().zip(answers) {
        let patches = r.patches.iter_mut().filter(|p| p.index > 0);
        for (p, earlier) in patches.zip(answers) {
            p.carried = earlier
                .carried
                .into_iter()
                .filter(|e| !p.trailers.iter().any(|g| g.trailer == e.given.trailer))
                .collect();
            p.changed_since = earlier.changed_since;
        }
    }
}

/// For every mail of the thread, the nearest of `posts` strictly above it
/// (mails with none are left out). Each mail is walked over once: the
/// answer found for a mail is the answer for every mail below it on the
/// walk, so deep threads stay linear.
fn postings_above<'a>(thread: &'a Thread, posts: &[&Posting<'a>]) -> HashMap<&'a str, &'a str> {
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
fn touched_files(posts: &[&Posting]) -> Vec<String> {
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
fn author_names(posts: &[&Posting]) -> Vec<String> {
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

/// The standing: superseded, else the latest decisive verdict, else
/// whether anyone but the authors replied.
fn standing(superseded: bool, decisive: Option<VerdictKind>, others_replied: bool) -> Standing {
    match (superseded, decisive) {
        (true, _) => Standing::Superseded,
        (false, Some(VerdictKind::Rejected)) => Standing::Rejected,
        (false, Some(VerdictKind::Accepted)) => Standing::Accepted,
        (false, Some(_)) => Standing::ChangesRequested,
        (false, None) if others_replied => Standing::UnderReview,
        (false, None) => Standing::New,
    }
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
