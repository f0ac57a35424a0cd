//! Where an imported revision goes and how it gets there. A series new to
//! the workspace is written whole (its series.toml, the revision's mails,
//! the thread) beside `patches/` and moved in with one rename. A series
//! the workspace holds gets the new revision beside its others: the
//! directory and the thread are moved in, then a series.toml written
//! beside the old one is renamed over it, the commit point. A failed
//! `am` leaves nothing; one killed between the renames is undone by the
//! next run.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use toml_edit::{value, Array, InlineTable, Table};

use super::base::BaseFound;
use super::pick::FoundRevision;
use crate::mail::message_id::MessageId;
use crate::series::manifest::{self, Manifest, ManifestFile};
use crate::staging::StagingDir;

/// A revision ready to be written: its mails (file name, text) and facts.
pub struct Revision<'a> {
    /// The series' title.
    pub title: &'a str,
    /// Its version.
    pub version: u32,
    /// The Message-ID of its cover letter or first patch.
    pub message_id: &'a MessageId,
    /// Its mails, cover letter first.
    pub mails: &'a [(String, String)],
    /// What it applies to.
    pub base: &'a BaseFound,
    /// Every revision found in the thread.
    pub found: &'a [FoundRevision],
    /// The thread as an mbox.
    pub thread: &'a [u8],
    /// Where the thread came from, for the new series.toml's comment.
    pub what: &'a str,
}

/// Where it went.
pub struct Written {
    /// The series' name (its directory under `patches/`).
    pub name: String,
    /// `patches/<name>`.
    pub series_dir: PathBuf,
    /// Whether the series is new to the workspace.
    pub new_series: bool,
    /// `patches/<name>/vN`.
    pub dir: PathBuf,
    /// The stored thread.
    pub thread: PathBuf,
}

/// The series directory under `patches` that already holds this series:
/// one of its revisions' or posted patches' Message-IDs is among `ids`,
/// or its subject is `title`.
pub fn existing_series(
    patches: &Path,
    title: &str,
    ids: &[&str],
) -> Result<Option<(PathBuf, Manifest)>> {
    let Ok(entries) = fs::read_dir(patches) else {
        return Ok(None);
    };
    let mut dirs: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join(manifest::FILE).is_file())
        .collect();
    dirs.sort();
    for dir in dirs {
        let m = Manifest::load(&dir)?;
        let known = m
            .revision
            .iter()
            .filter_map(|r| r.message_id.as_deref())
            .chain(m.posted.iter().map(|p| p.message_id.as_str()))
            .chain(
                m.posted
                    .iter()
                    .flat_map(|p| p.patch.iter().map(|q| q.message_id.as_str())),
            )
            .any(|id| ids.contains(&id));
        if known || m.subject.trim() == title.trim() {
            return Ok(Some((dir, m)));
        }
    }
    Ok(None)
}

/// The directory name for a new series: its title in lower case, ASCII
/// letters and digits, cut at a word within 48 characters. An apostrophe
/// joins its word (`core's` is `cores`, not `core-s`).
pub fn slug_of(title: &str) -> String {
    let title: String = title
        .chars()
        .filter(|c| !matches!(c, '\'' | '\u{2019}'))
        .collect();
    let full = crate::mail::patch::file_slug(&title, usize::MAX).to_lowercase();
    if full.len() <= 48 {
        return full;
    }
    let cut = full[..48].rfind('-').unwrap_or(48);
    full[..cut].to_string()
}

/// Writes a series new to the workspace as `patches/<name>`.
pub fn new_series(patches: &Path, name: &str, rev: &Revision) -> Result<Written> {
    let dest = patches.join(name);
    if dest.exists() {
        bail!(
            "{} exists and is not this series (no series.toml there names {:?} or its Message-IDs): choose another --slug",
            dest.display(),
            rev.title
        );
    }
    fs::create_dir_all(patches).with_context(|| format!("cannot create {}", patches.display()))?;
    let staged = StagingDir::fresh(patches.join(format!(".{name}.am-partial")))?;
    let header = format!(
        "# Brought in by `patchctl am` from {}.\n# The revision directories beside this file hold the patches as mails\n# (git am-able); [[posted]] lists every revision found in the thread.\n\n",
        one_line_comment(rev.what)
    );
    let mut file = ManifestFile::new_series(staged.path(), &header, name, rev.title);
    record(&mut file, rev, &[])?;
    write_mails(&staged.path().join(format!("v{}", rev.version)), rev)?;
    write_thread(&staged.path().join(thread_path(rev.version)), rev)?;
    fs::write(file.path(), file.render())
        .with_context(|| format!("cannot write {}", file.path().display()))?;
    // What is written must read back as a manifest.
    Manifest::load(staged.path())?;
    staged.place(&dest)?;
    Ok(written(name, &dest, true, rev.version))
}

/// Adds the revision to the series at `series_dir`, changing nothing else.
pub fn add_revision(
    series_dir: &Path,
    held: &Manifest,
    rev: &Revision,
    progress: &mut dyn std::io::Write,
) -> Result<Written> {
    let v = rev.version;
    if let Some(r) = held.revision.iter().find(|r| r.version == v) {
        bail!(
            "{} holds v{v} already (in {}/): nothing written; `-v N` imports another revision",
            series_dir.display(),
            r.directory
        );
    }
    let dir = series_dir.join(format!("v{v}"));
    let thread = series_dir.join(thread_path(v));
    let pending = series_dir
        .join(manifest::FILE)
        .with_extension("toml.am-pending");
    undo_interrupted(&[&dir, &thread], &pending, progress)?;
    for leftover in [&dir, &thread] {
        if leftover.exists() {
            bail!(
                "{} exists but series.toml does not list v{v}: remove it or record it in series.toml",
                leftover.display()
            );
        }
    }
    let staged = StagingDir::fresh(series_dir.join(format!(".v{v}.am-partial")))?;
    write_mails(staged.path(), rev)?;
    // Beside its place, to be renamed into it.
    let staged_thread = series_dir.join(format!("threads/.v{v}.mbox.am-partial"));
    if let Err(e) = write_thread(&staged_thread, rev) {
        let _ = fs::remove_file(&staged_thread);
        let _ = fs::remove_dir(series_dir.join("threads"));
        return Err(e);
    }
    let mut file = ManifestFile::open(series_dir)?;
    let recorded: Vec<u32> = held.posted.iter().map(|p| p.version).collect();
    record(&mut file, rev, &recorded)?;
    // From here on every failure removes what was written or moved in.
    let moved = (|| -> Result<()> {
        file.save_pending(&pending)?;
        fs::rename(&staged_thread, &thread)
            .with_context(|| format!("cannot move the thread to {}", thread.display()))?;
        crate::failpoint::hit("am:before-dir");
        staged.place(&dir)?;
        crate::failpoint::hit("am:before-manifest");
        fs::rename(&pending, file.path()).context("cannot update series.toml")
    })();
    if let Err(e) = moved {
        let _ = fs::remove_dir_all(&dir);
        let _ = fs::remove_file(&thread);
        let _ = fs::remove_file(&pending);
        let _ = fs::remove_file(&staged_thread);
        // threads/, if this run made it (only an empty one is removed).
        let _ = fs::remove_dir(series_dir.join("threads"));
        return Err(e.context("nothing was added"));
    }
    let name = held.name.clone();
    Ok(written(&name, series_dir, false, v))
}

/// An `am` killed between its renames left the revision's directory or
/// thread and its pending series.toml: removed, as that run never
/// committed.
fn undo_interrupted(
    paths: &[&Path],
    pending: &Path,
    progress: &mut dyn std::io::Write,
) -> Result<()> {
    if !pending.exists() {
        return Ok(());
    }
    for p in paths.iter().filter(|p| p.exists()) {
        let _ = writeln!(
            progress,
            "patchctl: removing {}, left by an interrupted am that never recorded it",
            p.display()
        );
        if p.is_dir() {
            fs::remove_dir_all(p)
        } else {
            fs::remove_file(p)
        }
        .with_context(|| format!("cannot remove {}", p.display()))?;
    }
    fs::remove_file(pending).with_context(|| format!("cannot remove {}", pending.display()))
}

fn written(name: &str, series_dir: &Path, new_series: bool, v: u32) -> Written {
    Written {
        name: name.to_string(),
        series_dir: series_dir.to_path_buf(),
        new_series,
        dir: series_dir.join(format!("v{v}")),
        thread: series_dir.join(thread_path(v)),
    }
}

fn thread_path(v: u32) -> String {
    format!("threads/v{v}.mbox")
}

/// The revision's mails into `dir`.
fn write_mails(dir: &Path, rev: &Revision) -> Result<()> {
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    for (name, text) in rev.mails {
        fs::write(dir.join(name), text).with_context(|| format!("cannot write {name}"))?;
    }
    Ok(())
}

/// The thread, as an mbox, at `path`.
fn write_thread(path: &Path, rev: &Revision) -> Result<()> {
    let parent = path.parent().expect("a file in threads/");
    fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
    fs::write(path, rev.thread).with_context(|| format!("cannot write {}", path.display()))
}

/// The revision's `[[revision]]`, and a `[[posted]]` for every revision
/// found that `recorded` does not list yet.
fn record(file: &mut ManifestFile, rev: &Revision, recorded: &[u32]) -> Result<()> {
    let mut t = Table::new();
    t["version"] = value(i64::from(rev.version));
    t["directory"] = value(format!("v{}", rev.version));
    t["message_id"] = value(rev.message_id.as_str());
    t["thread"] = value(thread_path(rev.version));
    match rev.base {
        BaseFound::Commit { commit } => t["base_commit"] = value(commit.as_str()),
        other => t["base_check"] = value(other.describe()),
    }
    t["changes"] = value(Array::new());
    file.push_table("revision", t, "# Imported by patchctl am.\n")?;
    for found in rev.found.iter().filter(|f| !recorded.contains(&f.version)) {
        let mut t = Table::new();
        t["version"] = value(i64::from(found.version));
        t["message_id"] = value(found.message_id.as_str());
        t["date"] = value(found.date.as_str());
        let mut patches = Array::new();
        for p in &found.patches {
            let mut it = InlineTable::new();
            it.insert("index", i64::from(p.index).into());
            it.insert("title", p.title.as_str().into());
            it.insert("message_id", p.message_id.as_str().into());
            if let Some(id) = &p.patch_id {
                it.insert("patch_id", id.as_str().into());
            }
            if let Some(s) = &p.same_as {
                it.insert("same_as", s.as_str().into());
            }
            patches.push_formatted(toml_edit::Value::InlineTable(it).decorated("\n  ", ""));
        }
        patches.set_trailing("\n");
        patches.set_trailing_comma(true);
        t["patch"] = value(patches);
        file.push_table("posted", t, "")?;
    }
    Ok(())
}

/// Text safe on one comment line.
fn one_line_comment(text: &str) -> String {
    crate::mail::thread::one_line(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert_eq!(
            slug_of("dma-buf: system_heap: Optimize sg_table-to-pages conversion in vmap"),
            "dma-buf-system-heap-optimize-sg-table-to-pages"
        );
        assert_eq!(slug_of("mm: x"), "mm-x");
        assert_eq!(
            slug_of("Input: guard notation in the input core's event and grab paths"),
            "input-guard-notation-in-the-input-cores-event"
        );
    }
}
