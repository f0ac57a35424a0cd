//! Which revision of which series `am` writes, and the trailers each of
//! its patches collects there, as b4 collects them. The review layer has
//! already grouped the thread into series and revisions and given every
//! trailer to the patch it was meant for (a reply to the cover letter,
//! marked 0/N or only the root of the thread, to every patch; one to an
//! earlier revision of the same patch-id carried); this module only
//! chooses among those and applies b4's rules on top.

use std::collections::HashSet;

use anyhow::{bail, Result};
use serde::Serialize;

use crate::mail::address;
use crate::mail::message_id::MessageId;
use crate::mail::subject;
use crate::mail::thread::{Mail, Thread};
use crate::mail::trailers::{self, Trailer, TrailerKind};
use crate::review::{GivenTrailer, PatchState, RevisionState, SeriesState};

/// One patch as `am` writes it.
pub struct PickedPatch<'t> {
    /// Its place (1 is the first patch).
    pub index: u32,
    /// Its title, without the `[PATCH ...]` tag.
    pub title: String,
    /// The mail as posted.
    pub mail: &'t Mail,
    /// Trailer lines (`Key: value`) to add below its own.
    pub added: Vec<String>,
}

/// The revision `am` writes.
pub struct Picked<'t> {
    /// The series' title.
    pub title: String,
    /// The revision's version.
    pub version: u32,
    /// Its cover letter, if it has one.
    pub cover: Option<&'t Mail>,
    /// Its patches, in order, none missing.
    pub patches: Vec<PickedPatch<'t>>,
    /// Every revision of the series found in the thread.
    pub revisions: Vec<FoundRevision>,
}

/// A revision found in the thread, for series.toml's `[[posted]]`.
#[derive(Debug, Clone, Serialize)]
pub struct FoundRevision {
    /// Its version.
    pub version: u32,
    /// Its cover letter's Message-ID, or its first patch's.
    pub message_id: MessageId,
    /// When it was posted (RFC 3339).
    pub date: String,
    /// Its patches.
    pub patches: Vec<FoundPatch>,
}

/// A patch of a [`FoundRevision`].
#[derive(Debug, Clone, Serialize)]
pub struct FoundPatch {
    /// Its place.
    pub index: u32,
    /// Its title.
    pub title: String,
    /// Its Message-ID.
    pub message_id: MessageId,
    /// Its patch-id.
    pub patch_id: Option<String>,
    /// The earlier revision's patch with the same patch-id (`v1 2/3`).
    pub same_as: Option<String>,
}

/// The series of `state` that `wanted` (a Message-ID of the thread)
/// belongs to; without one, the only series there is.
pub fn series<'s>(
    state: &'s [SeriesState],
    thread: &Thread,
    wanted: Option<&str>,
    what: &str,
) -> Result<&'s SeriesState> {
    if state.is_empty() {
        bail!("{what} holds no patches: expected mails whose subject carries [PATCH] and whose text holds a diff");
    }
    if let Some(id) = wanted.filter(|_| state.len() > 1) {
        // The named mail or the nearest posting above it (a review reply).
        let mut near: HashSet<&str> = thread
            .ancestors(id)
            .iter()
            .map(|m| m.message_id.as_str())
            .collect();
        near.insert(id);
        let holds = |s: &&SeriesState| {
            s.revisions
                .iter()
                .flat_map(|r| &r.patches)
                .any(|p| near.contains(p.message_id.as_str()))
        };
        if let Some(found) = state.iter().find(holds) {
            return Ok(found);
        }
    }
    if let [only] = state {
        return Ok(only);
    }
    let titles: Vec<String> = state.iter().map(|s| format!("{:?}", s.title)).collect();
    bail!(
        "{what} holds {} series ({}): name one with --message-id <the Message-ID of its cover letter or a patch>",
        state.len(),
        titles.join(", ")
    )
}

/// The revision to write: `version`, or the newest.
pub fn revision(series: &SeriesState, version: Option<u32>) -> Result<&RevisionState> {
    let newest = series.revisions.iter().max_by_key(|r| r.version);
    let found = match version {
        None => newest,
        Some(v) => series.revisions.iter().find(|r| r.version == v),
    };
    match found {
        Some(r) => Ok(r),
        None => {
            let have: Vec<String> = series
                .revisions
                .iter()
                .map(|r| format!("v{}", r.version))
                .collect();
            bail!(
                "{:?} has no v{} in this thread: it holds {}",
                series.title,
                version.unwrap_or_default(),
                have.join(", ")
            )
        }
    }
}

/// The revision's mails and trailers, checked to be a whole series.
pub fn pick<'t>(
    series: &SeriesState,
    revision: &RevisionState,
    thread: &'t Thread,
    what: &str,
) -> Result<Picked<'t>> {
    let mail = |id: &str| thread.get(id);
    let cover_state = revision.patches.iter().find(|p| p.index == 0);
    // A revision sent twice (a RESEND) holds a patch twice: the newer counts.
    let mut newest: Vec<&PatchState> = Vec::new();
    for p in revision.patches.iter().filter(|p| p.index > 0) {
        let time = |p: &PatchState| mail(&p.message_id).map_or(0, |m| m.timestamp);
        match newest.iter_mut().find(|q| q.index == p.index) {
            Some(q) if time(p) >= time(q) => *q = p,
            Some(_) => {}
            None => newest.push(p),
        }
    }
    newest.sort_by_key(|p| p.index);
    let total = newest
        .iter()
        .filter_map(|p| mail(&p.message_id).and_then(|m| subject::parse(&m.subject)?.total))
        .chain(newest.iter().map(|p| p.index))
        .max()
        .unwrap_or(0);
    let missing: Vec<String> = (1..=total)
        .filter(|i| !newest.iter().any(|p| p.index == *i))
        .map(|i| format!("{i}/{total}"))
        .collect();
    if !missing.is_empty() {
        bail!(
            "v{} of {:?} in {what} lacks patch {}: git am would apply an incomplete series; fetch the whole thread",
            revision.version,
            series.title,
            missing.join(", ")
        );
    }
    let mut patches = Vec::new();
    for p in newest {
        let Some(m) = mail(&p.message_id) else {
            bail!("{what}: the mail {} is gone from the thread", p.message_id);
        };
        patches.push(PickedPatch {
            index: p.index,
            title: p.title.clone(),
            mail: m,
            added: added_trailers(series, revision, p, m),
        });
    }
    Ok(Picked {
        title: series.title.clone(),
        version: revision.version,
        cover: cover_state.and_then(|c| mail(&c.message_id)),
        patches,
        revisions: found_revisions(series),
    })
}

/// The trailers a patch collects, in b4's order: those given to it, then
/// those carried from an earlier revision of the same patch-id, then those
/// given to its cover letter. A cover letter's trailers are for the
/// series as it was then: they do not carry to a later revision.
fn added_trailers(
    series: &SeriesState,
    revision: &RevisionState,
    patch: &PatchState,
    mail: &Mail,
) -> Vec<String> {
    let cover = cover_trailers(revision);
    let given_to_cover = |version: u32, g: &GivenTrailer| {
        series
            .revisions
            .iter()
            .filter(|r| r.version == version)
            .any(|r| cover_trailers(r).iter().any(|c| same_giving(c, g)))
    };
    let direct = patch
        .trailers
        .iter()
        .filter(|g| !cover.iter().any(|c| same_giving(c, g)));
    let carried = patch
        .carried
        .iter()
        .filter(|e| !given_to_cover(e.version, &e.given))
        .map(|e| &e.given);
    let own: Vec<String> = trailers::parse(commit_message(&mail.body))
        .iter()
        .map(line_of)
        .collect();
    let mut added: Vec<String> = Vec::new();
    for g in direct.chain(carried).chain(cover.iter().copied()) {
        if !accepted(g) {
            continue;
        }
        let line = line_of(&g.trailer);
        let known = |l: &String| l.eq_ignore_ascii_case(&line);
        if !own.iter().any(known) && !added.iter().any(known) {
            added.push(line);
        }
    }
    added
}

/// The trailers given to a revision's cover letter.
fn cover_trailers(revision: &RevisionState) -> Vec<&GivenTrailer> {
    revision
        .patches
        .iter()
        .filter(|p| p.index == 0)
        .flat_map(|p| &p.trailers)
        .collect()
}

/// The same trailer from the same mail.
fn same_giving(a: &GivenTrailer, b: &GivenTrailer) -> bool {
    a.evidence.message_id == b.evidence.message_id && a.trailer == b.trailer
}

/// The commit message part of a patch mail: above its `---` or its diff.
fn commit_message(body: &str) -> &str {
    let mut end = body.len();
    let mut at = 0;
    for line in body.split_inclusive('\n') {
        let l = line.trim_end();
        if l == "---" || l.starts_with("diff --git ") {
            end = at;
            break;
        }
        at += line.len();
    }
    &body[..end]
}

/// Whether b4 (0.16) takes a trailer from a reply: a link only as a
/// `Link:` or `Closes:`, a `Fixes:` only with a commit hash, a person
/// trailer only when it is the sender's own: the address is the sender's,
/// loosely compared, or the name in it is the sender's name.
fn accepted(g: &GivenTrailer) -> bool {
    let t = &g.trailer;
    let value = t.value.trim();
    if value.is_empty() {
        return false;
    }
    match t.kind {
        TrailerKind::Link | TrailerKind::Closes => return true,
        _ if value.contains("http://") || value.contains("https://") => return false,
        TrailerKind::Fixes => {
            return value.chars().take_while(|c| c.is_ascii_hexdigit()).count() >= 6
        }
        _ => {}
    }
    let Some(email) = &t.email else {
        return false;
    };
    if !g.address_differs || address::same_mailbox(email, &g.evidence.email) {
        return true;
    }
    name_and_address(value)
        .is_some_and(|(name, _)| !name.is_empty() && name.eq_ignore_ascii_case(&g.evidence.name))
}

/// `Name <address>` split as b4 splits a trailer (not as a mail header:
/// quotes and commas in the name stay as written); `None` without an
/// address in angle brackets at the end.
fn name_and_address(value: &str) -> Option<(&str, &str)> {
    let inner = value.strip_suffix('>')?;
    // The address is the last bracket pair and holds no '>' of its own.
    let from = inner.rfind('>').map_or(0, |i| i + 1);
    let open = from + inner[from..].find('<')?;
    let email = inner[open + 1..].trim();
    (!email.is_empty()).then(|| (inner[..open].trim(), email))
}

/// `Key: value` with the value as b4 writes it: `Name <address>`, the
/// name as written, or the address alone when no name is given.
pub fn line_of(t: &Trailer) -> String {
    let value = t.value.trim();
    let value = match name_and_address(value).filter(|_| t.kind.names_a_person()) {
        Some((name, email)) if name.is_empty() || name == email => email.to_string(),
        Some((name, email)) => format!("{name} <{email}>"),
        None => value.to_string(),
    };
    format!("{}: {value}", t.kind)
}

/// Every revision of the series, each patch linked by patch-id to the
/// earliest earlier revision's patch with the same id.
fn found_revisions(series: &SeriesState) -> Vec<FoundRevision> {
    let mut out: Vec<FoundRevision> = Vec::new();
    let mut revisions: Vec<&RevisionState> = series.revisions.iter().collect();
    revisions.sort_by_key(|r| r.version);
    for r in revisions {
        let first = r
            .patches
            .iter()
            .min_by_key(|p| p.index)
            .map(|p| p.message_id.clone())
            .unwrap_or_default();
        let mut patches: Vec<FoundPatch> = Vec::new();
        for p in r.patches.iter().filter(|p| p.index > 0) {
            if patches.iter().any(|q| q.index == p.index) {
                continue;
            }
            let same_as = p.patch_id.as_ref().and_then(|id| {
                out.iter().find_map(|earlier| {
                    let n = earlier.patches.len();
                    earlier
                        .patches
                        .iter()
                        .find(|q| q.patch_id.as_ref() == Some(id))
                        .map(|q| format!("v{} {}/{n}", earlier.version, q.index))
                })
            });
            patches.push(FoundPatch {
                index: p.index,
                title: p.title.clone(),
                message_id: p.message_id.clone(),
                patch_id: p.patch_id.clone(),
                same_as,
            });
        }
        patches.sort_by_key(|p| p.index);
        out.push(FoundRevision {
            version: r.version,
            message_id: first,
            date: r.posted.clone(),
            patches,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trailer(kind: TrailerKind, value: &str) -> Trailer {
        Trailer {
            kind,
            value: value.into(),
            email: address::email_of(value),
            line: String::new(),
        }
    }

    #[test]
    fn values_as_b4_writes_them() {
        let line = |k, v| line_of(&trailer(k, v));
        assert_eq!(
            line(TrailerKind::ReviewedBy, "\"Doe, Jane\" <J@x.org>"),
            "Reviewed-by: \"Doe, Jane\" <J@x.org>"
        );
        assert_eq!(line(TrailerKind::AckedBy, "<a@x.org>"), "Acked-by: a@x.org");
        assert_eq!(
            line(TrailerKind::AckedBy, "a@x.org <a@x.org>"),
            "Acked-by: a@x.org"
        );
        assert_eq!(line(TrailerKind::TestedBy, "t@x.org"), "Tested-by: t@x.org");
        assert_eq!(
            line(TrailerKind::Link, "https://lore.kernel.org/r/x"),
            "Link: https://lore.kernel.org/r/x"
        );
    }
}
