//! `patchctl am`: a series from the list into the workspace in one step.
//! A thread (a local mbox, or a Message-ID or lore URL fetched through the
//! review layer's fetcher) is read into review state, which groups its
//! revisions and gives every trailer to its patch; the newest revision (or
//! the one asked for) is written as `patches/<series>/vN/`, mails `git am`
//! applies with the trailers collected as b4 collects them, and recorded
//! in the series' series.toml with its Message-ID, the stored thread, its
//! base and every revision the thread holds.
//!
//! `source` reads the thread, `pick` chooses the revision and its
//! trailers, `render` writes each mail, `base` finds what it applies to,
//! and `write` puts it in place whole or not at all.

mod base;
mod pick;
mod render;
mod source;
mod write;

use std::path::PathBuf;

use anyhow::Result;
use serde::Serialize;

pub use base::BaseFound;
pub use pick::{FoundPatch, FoundRevision};

use crate::mail::message_id::MessageId;
use crate::review::fetch::HttpOptions;
use crate::review::{derive, Rules};

/// What `patchctl am` asks for; the command builds it from its arguments.
#[derive(Debug, Clone)]
pub struct AmRequest {
    /// A Message-ID, a lore URL, or an `.mbox`/`.mbox.gz` file.
    pub input: String,
    /// The revision to write; `None`: the newest in the thread.
    pub version: Option<u32>,
    /// Which series of a thread that holds several (a Message-ID of one
    /// of its mails); a Message-ID input names its own.
    pub message_id: Option<MessageId>,
    /// The workspace's `patches/` directory.
    pub patches: PathBuf,
    /// The directory name for a series new to the workspace; `None`:
    /// made from its title.
    pub slug: Option<String>,
    /// The base tree to try the patches on when the mails name no base
    /// commit; `None`: not tried.
    pub tree: Option<PathBuf>,
    /// How to reach lore.
    pub http: HttpOptions,
}

/// The trailers one patch collected.
#[derive(Debug, Clone, Serialize)]
pub struct PatchTrailers {
    /// The mail's file.
    pub file: PathBuf,
    /// The lines added, as written.
    pub added: Vec<String>,
}

/// What `am` wrote.
#[derive(Debug, Clone, Serialize)]
pub struct Imported {
    /// The series' name (its directory).
    pub series: String,
    /// The series' title.
    pub title: String,
    /// `patches/<series>`.
    pub series_dir: PathBuf,
    /// Whether the series is new to the workspace.
    pub new_series: bool,
    /// The revision written.
    pub version: u32,
    /// `patches/<series>/vN`.
    pub dir: PathBuf,
    /// The revision's cover letter's Message-ID, or its first patch's.
    pub message_id: MessageId,
    /// The stored thread.
    pub thread: PathBuf,
    /// What it applies to.
    pub base: BaseFound,
    /// The mails, cover letter first, with the trailers each collected.
    pub patches: Vec<PatchTrailers>,
    /// Every revision found in the thread.
    pub revisions: Vec<FoundRevision>,
}

/// Imports a revision; see the module documentation.
pub fn am(req: &AmRequest, progress: &mut dyn std::io::Write) -> Result<Imported> {
    let loaded = source::load(&req.input, &req.http, progress)?;
    let state = derive(&loaded.thread, None, &Rules::default_rules());
    let wanted = req.message_id.as_deref().or(loaded.wanted.as_deref());
    let series = pick::series(&state.series, &loaded.thread, wanted, &loaded.what)?;
    let revision = pick::revision(series, req.version)?;
    let picked = pick::pick(series, revision, &loaded.thread, &loaded.what)?;

    let mut mails: Vec<(String, String)> = Vec::new();
    let mut trailers = Vec::new();
    if let Some(cover) = picked.cover {
        let name = render::file_name(picked.version, 0, &picked.title);
        let raw = loaded.raw.get(&cover.message_id).map(Vec::as_slice);
        mails.push((name.clone(), render::render(cover, raw, &[])));
        trailers.push((name, Vec::new()));
    }
    for p in &picked.patches {
        let name = render::file_name(picked.version, p.index, &p.title);
        let raw = loaded.raw.get(&p.mail.message_id).map(Vec::as_slice);
        mails.push((name.clone(), render::render(p.mail, raw, &p.added)));
        trailers.push((name, p.added.clone()));
    }
    let base = find_base(req, &picked, &mails)?;
    let message_id = picked
        .cover
        .or(picked.patches.first().map(|p| p.mail))
        .map(|m| m.message_id.clone())
        .unwrap_or_default();
    let rev = write::Revision {
        title: &picked.title,
        version: picked.version,
        message_id: &message_id,
        mails: &mails,
        base: &base,
        found: &picked.revisions,
        thread: &loaded.mbox,
        what: &loaded.what,
    };
    let ids: Vec<&str> = picked
        .revisions
        .iter()
        .flat_map(|r| {
            std::iter::once(r.message_id.as_str())
                .chain(r.patches.iter().map(|p| p.message_id.as_str()))
        })
        .collect();
    let written = match write::existing_series(&req.patches, &picked.title, &ids)? {
        Some((dir, held)) => write::add_revision(&dir, &held, &rev, progress)?,
        None => {
            let name = req
                .slug
                .clone()
                .unwrap_or_else(|| write::slug_of(&picked.title));
            write::new_series(&req.patches, &name, &rev)?
        }
    };
    Ok(Imported {
        series: written.name,
        title: picked.title.clone(),
        new_series: written.new_series,
        version: picked.version,
        message_id,
        thread: written.thread,
        base,
        patches: trailers
            .into_iter()
            .map(|(name, added)| PatchTrailers {
                file: written.dir.join(name),
                added,
            })
            .collect(),
        revisions: picked.revisions,
        series_dir: written.series_dir,
        dir: written.dir,
    })
}

/// The base the mails name, else what `git apply --check` says of the
/// patches on the base tree, else unknown.
fn find_base(
    req: &AmRequest,
    picked: &pick::Picked,
    mails: &[(String, String)],
) -> Result<BaseFound> {
    let bodies = picked
        .cover
        .iter()
        .map(|m| m.body.as_str())
        .chain(picked.patches.iter().map(|p| p.mail.body.as_str()));
    if let Some(commit) = base::named_commit(bodies) {
        return Ok(BaseFound::Commit { commit });
    }
    let Some(tree) = &req.tree else {
        return Ok(BaseFound::Unknown);
    };
    let tree = std::path::absolute(tree)?;
    let patches: Vec<(String, String)> = mails
        .iter()
        .skip(usize::from(picked.cover.is_some()))
        .cloned()
        .collect();
    base::try_on(&tree, &patches)
}
