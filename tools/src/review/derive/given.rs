//! Trailers collected as review gives them: to the patch replied to or,
//! from a reply to the cover letter, to every patch; carried to an
//! unchanged patch of the next revision.

use crate::mail::thread::Mail;
use crate::mail::trailers::Trailer;
use crate::review::state::*;

use super::*;

impl<'a> RevisionView<'a> {
    /// Whether the patch `message_id` already carries a trailer of this
    /// kind and address: a reviewer who restates it gives nothing new.
    pub(super) fn carries(&self, message_id: &str, given: &Trailer) -> bool {
        self.own.get(message_id).is_some_and(|own| {
            own.iter()
                .any(|t| t.kind == given.kind && t.email == given.email)
        })
    }

    /// The sender's trailers, given to the patch replied to, or to every
    /// patch when the reply is to the cover letter.
    pub(super) fn collect_trailers(
        &self,
        mail: &Mail,
        given: &[Trailer],
        patches: &mut [PatchState],
    ) {
        let from = canon(self.maintainers, &mail.from_email);
        let target = self.posting_above.get(mail.message_id.as_str()).copied();
        let to_cover = patches
            .iter()
            .any(|p| p.index == 0 && Some(p.message_id.as_str()) == target);
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
                let for_this = to_cover || Some(p.message_id.as_str()) == target;
                let restated = self.carries(&p.message_id, &given.trailer);
                if for_this && !restated && !p.trailers.iter().any(|g| g.trailer == given.trailer) {
                    p.trailers.push(given.clone());
                }
            }
        }
    }
}

/// Each patch in its newest revision, with the trailers it holds there.
pub(super) fn current_patches(series: &SeriesState) -> Vec<CurrentPatch> {
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
pub(super) fn carry_trailers(series: &mut SeriesState) {
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
