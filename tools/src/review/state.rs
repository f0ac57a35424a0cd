//! What `patchctl status` reports: the review state of every series, each
//! fact with its evidence. Written by `derive`, printed by `render`,
//! serialised as `status --json` and stored as `state.json`.

use serde::{Deserialize, Serialize, Serializer};

use super::maintainers::Role;
use crate::mail::message_id::MessageId;
use crate::mail::trailers::{Trailer, TrailerKind};

/// What a reviewer's words mean for a revision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VerdictKind {
    /// The maintainer will not take it.
    Rejected,
    /// Applied.
    Accepted,
    /// A new revision is asked for.
    ChangesRequested,
    /// Someone speaks for the patch.
    Support,
    /// The author acknowledges a position (prose, not a trailer).
    Acknowledged,
}

impl VerdictKind {
    /// The name the rules file and the JSON use.
    pub fn as_str(self) -> &'static str {
        match self {
            VerdictKind::Rejected => "rejected",
            VerdictKind::Accepted => "accepted",
            VerdictKind::ChangesRequested => "changes_requested",
            VerdictKind::Support => "support",
            VerdictKind::Acknowledged => "acknowledged",
        }
    }

    /// Whether it decides the revision's standing.
    pub fn is_decisive(self) -> bool {
        matches!(
            self,
            VerdictKind::Rejected | VerdictKind::Accepted | VerdictKind::ChangesRequested
        )
    }
}

/// What a piece of evidence shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvidenceKind {
    /// A trailer given in review (`Acked-by`, ...).
    Trailer(TrailerKind),
    /// A verdict a reply states (`rejected`, `support`, ...).
    Verdict(VerdictKind),
    /// A question no one has answered yet (`question`).
    Question,
    /// The author's latest word in the thread (`last_word`).
    LastWord,
    /// The thread's latest message (`last_message`).
    LastMessage,
}

impl EvidenceKind {
    /// Its name in `status --json` and in the printed state.
    pub fn as_str(self) -> &'static str {
        match self {
            EvidenceKind::Trailer(t) => t.as_str(),
            EvidenceKind::Verdict(v) => v.as_str(),
            EvidenceKind::Question => "question",
            EvidenceKind::LastWord => "last_word",
            EvidenceKind::LastMessage => "last_message",
        }
    }
}

impl std::fmt::Display for EvidenceKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for EvidenceKind {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// A fact and where it comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evidence {
    /// What it shows.
    pub kind: EvidenceKind,
    /// The message.
    pub message_id: MessageId,
    /// Who wrote it.
    pub name: String,
    /// Their address.
    pub email: String,
    /// Their roles for this patch, written as "maintainer of DMA BUFFER
    /// SHARING FRAMEWORK".
    #[serde(serialize_with = "roles_as_text")]
    pub roles: Vec<Role>,
    /// When (RFC 3339).
    pub date: String,
    /// The line that says it.
    pub line: String,
}

/// A trailer given in review, with its evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GivenTrailer {
    /// The trailer.
    pub trailer: Trailer,
    /// Where it was given.
    pub evidence: Evidence,
    /// The trailer's address differs from the sender's.
    pub address_differs: bool,
}

/// One patch of a revision.
#[derive(Debug, Clone, Serialize)]
pub struct PatchState {
    /// Position (0 for a cover letter).
    pub index: u32,
    /// Subject without prefixes.
    pub title: String,
    /// The posting's Message-ID.
    pub message_id: MessageId,
    /// A stable id of the diff (same change, same id across revisions).
    pub patch_id: Option<String>,
    /// Trailers given in review for this patch (or the whole series).
    pub trailers: Vec<GivenTrailer>,
    /// Trailers given to an earlier revision of the same patch (the same
    /// patch-id): they carry over.
    pub carried: Vec<EarlierTrailer>,
    /// Trailers given to an earlier revision of a patch with this title
    /// whose diff has changed since: they do not carry over (the rule in
    /// submitting-patches), and are shown so that the author asks again.
    pub changed_since: Vec<EarlierTrailer>,
    /// Where it landed in the tree `status --tree` looked in.
    pub landed: Option<Landed>,
    /// The commit a maintainer's reply says it was applied as.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub applied_commit: Option<String>,
}

/// A trailer given to an earlier revision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EarlierTrailer {
    /// The revision it was given to.
    pub version: u32,
    /// The trailer, with its evidence.
    pub given: GivenTrailer,
}

/// What earlier revisions' trailers mean for one patch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EarlierTrailers {
    /// Given to the same patch: carried.
    pub carried: Vec<EarlierTrailer>,
    /// Given to a patch of the same title that has changed since.
    pub changed_since: Vec<EarlierTrailer>,
}

impl ReviewState {
    /// The trailers earlier revisions (before `version`; `None`: all)
    /// gave a patch: carried when the patch-id is the same, "changed
    /// since" when only the title is. Without a patch-id, the title
    /// decides. `revise` and `status` both ask this.
    pub fn earlier_trailers(
        &self,
        before: Option<u32>,
        patch_id: Option<&str>,
        title: &str,
    ) -> EarlierTrailers {
        let revisions = self.series.iter().flat_map(|s| &s.revisions);
        earlier_trailers(revisions, before, patch_id, title)
    }
}

/// [`ReviewState::earlier_trailers`] over the given revisions.
pub fn earlier_trailers<'r>(
    revisions: impl Iterator<Item = &'r RevisionState>,
    before: Option<u32>,
    patch_id: Option<&str>,
    title: &str,
) -> EarlierTrailers {
    let mut out = EarlierTrailers::default();
    for r in revisions.filter(|r| before.is_none_or(|v| r.version < v)) {
        for p in r.patches.iter().filter(|p| p.index > 0) {
            let same_patch = match (patch_id, p.patch_id.as_deref()) {
                (Some(a), Some(b)) => a == b,
                _ => p.title == title,
            };
            let list = if same_patch {
                &mut out.carried
            } else if p.title == title {
                &mut out.changed_since
            } else {
                continue;
            };
            for given in &p.trailers {
                if !list.iter().any(|e| e.given.trailer == given.trailer) {
                    list.push(EarlierTrailer {
                        version: r.version,
                        given: given.clone(),
                    });
                }
            }
        }
    }
    // A trailer carried by the same patch is not also "changed since".
    let carried: Vec<_> = out
        .carried
        .iter()
        .map(|e| e.given.trailer.clone())
        .collect();
    out.changed_since
        .retain(|e| !carried.contains(&e.given.trailer));
    out
}

/// One revision's state.
#[derive(Debug, Clone, Serialize)]
pub struct RevisionState {
    /// `1`, `2`, ...
    pub version: u32,
    /// Where it stands.
    pub state: Standing,
    /// The evidence for the state, if it rests on a message.
    pub state_evidence: Option<Evidence>,
    /// When it was posted.
    pub posted: String,
    /// Who posted it, and who wrote it (in-body From:).
    pub authors: Vec<String>,
    /// The files it touches.
    pub files: Vec<String>,
    /// Its patches.
    pub patches: Vec<PatchState>,
    /// Every verdict found, oldest first.
    pub verdicts: Vec<Evidence>,
    /// For a rejection: the rejecting mail's own lines.
    pub grounds: Vec<String>,
    /// Questions to the author not answered by the author since.
    pub open_questions: Vec<Evidence>,
    /// The author side's last message.
    pub last_author_word: Option<Evidence>,
    /// The last message from anyone.
    pub last_message: Option<Evidence>,
    /// What to do next.
    pub next_step: String,
    /// Maintainers' replies that say patches of it were applied, oldest
    /// first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub applied: Vec<Applied>,
}

/// A maintainer's reply that says patches were applied, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Applied {
    /// The tree, as the reply names it or, when it names none, the
    /// maintainer's tree in MAINTAINERS (`T:`).
    pub tree: Option<String>,
    /// The branch, when the reply names one.
    pub branch: Option<String>,
    /// The patches it applied, by place (1 is the first).
    pub patches: Vec<u32>,
    /// The reply.
    pub evidence: Evidence,
}

/// A series and its revisions.
#[derive(Debug, Clone, Serialize)]
pub struct SeriesState {
    /// The title of its cover letter or single patch.
    pub title: String,
    /// Oldest first.
    pub revisions: Vec<RevisionState>,
    /// The series as it stands: each patch in its newest revision (a
    /// partial reroll replaces only the patches it resends), with the
    /// trailers it holds there.
    pub current: Vec<CurrentPatch>,
}

/// One patch of the series as it stands.
#[derive(Debug, Clone, Serialize)]
pub struct CurrentPatch {
    /// Its position.
    pub index: u32,
    /// The revision it was last sent in.
    pub version: u32,
    /// Its title there.
    pub title: String,
    /// That posting's Message-ID.
    pub message_id: MessageId,
    /// Its trailers: given to it, carried from earlier revisions of the
    /// same patch, and given to the cover letter it was sent under (for a
    /// partial reroll, the last cover letter before it).
    pub trailers: Vec<GivenTrailer>,
}

/// Everything `patchctl status` shows.
#[derive(Debug, Clone, Serialize)]
pub struct ReviewState {
    /// The series found.
    pub series: Vec<SeriesState>,
}

impl Evidence {
    /// Whether the sender is `kind` in a section covering the patch.
    pub fn has_role(&self, kind: super::maintainers::RoleKind) -> bool {
        self.roles.iter().any(|r| r.role == kind)
    }
}

fn roles_as_text<S: Serializer>(roles: &[Role], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(roles.iter().map(Role::to_string))
}

/// Where a revision stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    /// Posted, no reply from anyone but the authors.
    New,
    /// Replies, no decisive verdict.
    UnderReview,
    /// A maintainer or reviewer asked for a new revision.
    ChangesRequested,
    /// A maintainer will not take it.
    Rejected,
    /// Applied.
    Accepted,
    /// A newer revision was posted.
    Superseded,
}

impl Standing {
    /// The name the JSON and the rules' `next_step` use.
    pub fn as_str(self) -> &'static str {
        match self {
            Standing::New => "new",
            Standing::UnderReview => "under_review",
            Standing::ChangesRequested => "changes_requested",
            Standing::Rejected => "rejected",
            Standing::Accepted => "accepted",
            Standing::Superseded => "superseded",
        }
    }
}

impl std::fmt::Display for Standing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.as_str().replace('_', " "))
    }
}

/// How a patch was found upstream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchedBy {
    /// The same patch-id: the same change.
    PatchId,
    /// Only the subject: the change was edited on the way in.
    Subject,
}

/// Where a patch landed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Landed {
    /// The commit.
    pub commit: String,
    /// Its subject.
    pub summary: String,
    /// The first tag that contains it, if any does yet.
    pub tag: Option<String>,
    /// How it was found.
    pub matched_by: MatchedBy,
}
