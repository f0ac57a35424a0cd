//! The next revision of a series: `git format-patch`-form mails made with
//! git2 from a branch in a kernel tree, with the trailers collected in
//! review, a changelog below `---`, a link to the previous revision, To and
//! Cc from the tree's own `scripts/get_maintainer.pl`, a cover letter with
//! the measured table, and `scripts/checkpatch.pl --strict` on every mail.
//!
//! The user's branch is only read. The revision directory is written
//! beside its final place and renamed into it when everything is done.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use git2::{Repository, Sort, StatusOptions};

use crate::mail::message_id::MessageId;
use crate::review::ReviewState;
use crate::series::manifest::{Base, Manifest, ManifestFile, NewRevision};
use crate::staging::StagingDir;

mod mail;
mod scripts;

pub use mail::{add_trailers, with_sender_signoff};
use mail::{changelog, cover_letter, insert_headers, write_patch_mails};
use scripts::{check_patches, headers};

/// What `revise` needs.
pub struct ReviseOptions<'a> {
    /// The kernel tree (a git repository) holding the branch.
    pub tree: &'a Path,
    /// The base the series applies to.
    pub base: &'a str,
    /// The kernel that base is (recorded in series.toml).
    pub kernel_base: Base,
    /// The branch (or any revision) whose commits since `base` are the series.
    pub head: &'a str,
    /// `patches/<series>`.
    pub series_dir: &'a Path,
    /// Changelog lines for the new revision ("v2: ..." is added in front).
    pub changes: Vec<String>,
    /// The cover letter (needed for more than one patch).
    pub cover: Option<CoverLetter>,
    /// The measured table for the cover letter.
    pub measured: Option<String>,
    /// Review state to carry trailers from.
    pub review: Option<&'a ReviewState>,
    /// Extra Cc (the previous thread's participants).
    pub extra_cc: Vec<String>,
    /// Thread the new revision under the previous cover letter.
    pub in_reply_to: Option<MessageId>,
    /// lore's address for links.
    pub lore: &'a str,
    /// Do not fail on checkpatch errors.
    pub allow_checkpatch_errors: bool,
    /// The KUnit-timed loop the revision runs, for series.toml.
    pub timed_loop: Option<String>,
    /// A revision in the tree holding the previous revision's commits on
    /// the same base: the cover letter gets `git range-diff` against it.
    pub previous: Option<String>,
    /// A request for comments: `[RFC PATCH ...]`, and no `v1` on a first
    /// posting.
    pub rfc: bool,
    /// Who sends the series (`Name <address>`): the cover letter is from
    /// them, and each patch ends with their Signed-off-by. None: the
    /// branch's committer, and the sign-offs as committed.
    pub sender: Option<String>,
    /// Where `{{...}}` figures in commit messages and the cover text come
    /// from (see `series::quote`).
    pub figures: Option<&'a dyn super::quote::FigureSource>,
}

impl ReviseOptions<'_> {
    /// `PATCH` or `RFC PATCH`.
    fn subject_prefix(&self) -> &'static str {
        if self.rfc {
            "RFC PATCH"
        } else {
            "PATCH"
        }
    }

    /// The version subjects carry: none for an RFC's first posting.
    fn subject_version(&self, version: u32) -> Option<u32> {
        (!(self.rfc && version == 1)).then_some(version)
    }
}

/// A cover letter as its author gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoverLetter {
    /// Its title: the subject after `[PATCH vN 0/M]`.
    pub title: String,
    /// Its text, above the changelog and the shortlog.
    pub text: String,
}

/// checkpatch.pl's verdict on one mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpatchSummary {
    /// The mail.
    pub mail: PathBuf,
    /// checkpatch's summary line (`total: 0 errors, ...`).
    pub summary: String,
}

/// What `revise` wrote.
#[derive(Debug)]
pub struct Revised {
    /// The new version.
    pub version: u32,
    /// The directory.
    pub dir: PathBuf,
    /// The mails, cover letter first.
    pub files: Vec<PathBuf>,
    /// checkpatch's summary line per mail.
    pub checkpatch: Vec<CheckpatchSummary>,
    /// Trailers given to an earlier revision of a patch that changed since,
    /// and so not carried: the author should ask for them again.
    pub notes: Vec<String>,
}

fn check_clean(repo: &Repository) -> Result<()> {
    let mut opts = StatusOptions::new();
    opts.include_untracked(false).include_ignored(false);
    let statuses = repo.statuses(Some(&mut opts))?;
    if let Some(first) = statuses.iter().next() {
        bail!(
            "the tree {} has uncommitted changes ({} and {} more): commit or stash them first",
            repo.workdir().map_or_else(
                || repo.path().display().to_string(),
                |p| p.display().to_string()
            ),
            first.path().unwrap_or("?"),
            statuses.len() - 1
        );
    }
    Ok(())
}

/// Writes the next revision. See the module documentation.
pub fn revise(opts: &ReviseOptions, progress: &mut dyn std::io::Write) -> Result<Revised> {
    // Absolute, because the tree's scripts run from inside the tree.
    let series_dir = std::path::absolute(opts.series_dir)
        .with_context(|| format!("cannot resolve {}", opts.series_dir.display()))?;
    let manifest = Manifest::load(&series_dir)?;
    let previous = manifest.latest().cloned();
    let version = previous.as_ref().map_or(1, |p| p.version + 1);
    let dir = series_dir.join(format!("v{version}"));
    let pending = series_dir
        .join(super::manifest::FILE)
        .with_extension("toml.revise-pending");
    undo_interrupted_run(&dir, &pending, version, progress)?;
    let repo = Repository::open(opts.tree).with_context(|| {
        format!(
            "{} is not a git repository: expected the kernel tree holding the branch",
            opts.tree.display()
        )
    })?;
    let range = SeriesRange::read(&repo, opts)?;
    let changelog = changelog(opts, previous.as_ref(), version);

    // Dropped on any error below, it removes itself.
    let staged = StagingDir::fresh(series_dir.join(format!(".v{version}.partial")))?;
    // With a cover letter the changelog is said once, there; a lone patch
    // carries it below its own ---.
    let per_patch = match opts.cover {
        Some(_) => "",
        None => changelog.as_str(),
    };
    let result = (|| -> Result<Revised> {
        let (mut files, notes) =
            write_patch_mails(&repo, &range, opts, version, per_patch, staged.path())?;
        let headers = headers(opts, &files)?;
        if let Some(c) = &opts.cover {
            let cover = cover_letter(&repo, &range, opts, version, &changelog, &c.title, &c.text)?;
            let path = staged
                .path()
                .join(format!("v{version}-0000-cover-letter.patch"));
            fs::write(&path, cover)?;
            files.insert(0, path);
        }
        for f in &files {
            let text = fs::read_to_string(f)?;
            fs::write(f, insert_headers(&text, &headers))?;
        }
        let reports = check_patches(opts, &files, version)?;
        Ok(Revised {
            version,
            dir: dir.clone(),
            files,
            checkpatch: reports,
            notes,
        })
    })();
    commit_revision(&series_dir, opts, result?, staged, &pending)
}

/// A revise that died between placing its directory and recording it is
/// undone (the manifest is the commit point); a directory the manifest
/// does not list for any other reason is refused.
fn undo_interrupted_run(
    dir: &Path,
    pending: &Path,
    version: u32,
    progress: &mut dyn std::io::Write,
) -> Result<()> {
    if dir.exists() && pending.exists() {
        let _ = writeln!(
            progress,
            "patchctl: removing {}, left by an interrupted revise that never recorded it",
            dir.display()
        );
        fs::remove_dir_all(dir).with_context(|| format!("cannot remove {}", dir.display()))?;
        fs::remove_file(pending).with_context(|| format!("cannot remove {}", pending.display()))?;
    }
    if dir.exists() {
        bail!(
            "{} exists already but series.toml does not list v{version}: remove the directory or record it in series.toml",
            dir.display()
        );
    }
    Ok(())
}

/// The series as commits: base..head of a clean tree, oldest first.
struct SeriesRange<'r> {
    base: git2::Commit<'r>,
    head: git2::Commit<'r>,
    commits: Vec<git2::Commit<'r>>,
}

impl<'r> SeriesRange<'r> {
    fn read(repo: &'r Repository, opts: &ReviseOptions) -> Result<SeriesRange<'r>> {
        check_clean(repo)?;
        if opts.head == "HEAD" && repo.head_detached().unwrap_or(false) {
            bail!(
                "HEAD is detached in {}: check out the series' branch, or name it with --head <branch>",
                opts.tree.display()
            );
        }
        let find = |what: &str, rev: &str| -> Result<git2::Commit<'r>> {
            Ok(repo
                .revparse_single(rev)
                .with_context(|| {
                    format!("{what} {rev:?} does not exist in {}", opts.tree.display())
                })?
                .peel_to_commit()?)
        };
        let base = find("base", opts.base)?;
        let head = find("branch", opts.head)?;
        let mut walk = repo.revwalk()?;
        walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)?;
        walk.push(head.id())?;
        walk.hide(base.id())?;
        let commits: Vec<git2::Commit> = walk
            .map(|oid| Ok(repo.find_commit(oid?)?))
            .collect::<Result<_>>()?;
        if commits.is_empty() {
            bail!(
                "{}..{} holds no commits: nothing to send",
                opts.base,
                opts.head
            );
        }
        if commits.len() > 1 && opts.cover.is_none() {
            bail!(
                "{} patches need a cover letter: give its title and text",
                commits.len()
            );
        }
        Ok(SeriesRange {
            base,
            head,
            commits,
        })
    }
}

/// Moves the written revision in and records it in the manifest (no
/// Message-ID until posted). The new manifest is written beside the old
/// one before the directory moves in, so that a run killed between the
/// two renames is undone by the next one; renaming it over series.toml
/// commits.
fn commit_revision(
    series_dir: &Path,
    opts: &ReviseOptions,
    mut revised: Revised,
    staging: StagingDir,
    pending: &Path,
) -> Result<Revised> {
    let dir = revised.dir.clone();
    let staged = (|| -> Result<ManifestFile> {
        let mut file = ManifestFile::open(series_dir)?;
        file.add_revision(&NewRevision {
            version: revised.version,
            directory: format!("v{}", revised.version),
            timed_loop: opts.timed_loop.clone(),
            changes: opts.changes.clone(),
            base: opts.kernel_base,
        })?;
        file.save_pending(pending)?;
        Ok(file)
    })();
    let manifest_file = match staged {
        Ok(file) => file,
        Err(e) => {
            let _ = fs::remove_file(pending);
            return Err(e);
        }
    };
    crate::failpoint::hit("revise:before-dir");
    if let Err(e) = staging.place(&dir) {
        let _ = fs::remove_file(pending);
        return Err(e);
    }
    crate::failpoint::hit("revise:before-manifest");
    if let Err(e) = fs::rename(pending, manifest_file.path()) {
        let _ = fs::remove_dir_all(&dir);
        return Err(e).context("cannot update series.toml; the new revision was removed again");
    }
    revised.files = revised
        .files
        .iter()
        .map(|f| dir.join(f.file_name().expect("a file")))
        .collect();
    revised.checkpatch = revised
        .checkpatch
        .into_iter()
        .map(|c| CheckpatchSummary {
            mail: dir.join(c.mail.file_name().expect("a file")),
            summary: c.summary,
        })
        .collect();
    Ok(revised)
}

/// What the measured record gives a revision: the table for the cover
/// letter, and the figures its text may quote (`{{...}}`).
pub struct Measured {
    /// The table, with the kernel and machine it came from.
    pub table: String,
    /// Where quoted figures come from.
    pub figures: Box<dyn super::quote::FigureSource>,
}

/// What `patchctl revise` asks for: the command line and the library
/// take this one type. The measured figures are not in it: they are read
/// from the kernel layer's records by the caller and handed in beside it.
#[derive(Debug, Clone, clap::Args)]
pub struct ReviseRequest {
    /// The kernel tree (git repository) holding the branch.
    #[arg(long)]
    pub tree: PathBuf,
    /// The base revision the series applies to.
    #[arg(long)]
    pub base: String,
    /// Which kernel that base is, recorded in series.toml so that
    /// `patchctl kunit` builds the revision on it: `mainline` for a
    /// revision that goes upstream, `android` (6.12) for the picks' base.
    #[arg(long, value_enum, default_value = "android")]
    pub kernel_base: Base,
    /// The branch (or revision) at the series' top.
    #[arg(long, default_value = "HEAD")]
    pub head: String,
    /// The series directory (patches/<slug>, as patchctl am writes it).
    #[arg(long)]
    pub series: PathBuf,
    /// A changelog line (repeat for more).
    #[arg(long = "change")]
    pub changes: Vec<String>,
    /// Cover letter: a file whose first line is the title, the rest the text.
    #[arg(long)]
    pub cover: Option<PathBuf>,
    /// Reply to this Message-ID (the previous cover letter), with or
    /// without its <>.
    #[arg(long)]
    pub in_reply_to: Option<MessageId>,
    /// lore's address, for the link to the previous revision.
    #[arg(long, default_value = crate::review::fetch::DEFAULT_BASE)]
    pub lore: String,
    /// Write the revision even when checkpatch.pl reports errors.
    #[arg(long)]
    pub allow_checkpatch_errors: bool,
    /// Which KUnit-timed loop (before, v1, bounded) this revision's
    /// system_heap_do_vmap() runs, recorded in series.toml for the tables.
    #[arg(long = "loop")]
    pub timed_loop: Option<String>,
    /// A branch (or revision) of --tree holding the previous revision's
    /// commits on the same base: the cover letter gets `git range-diff`
    /// against it, as `git format-patch --range-diff` writes it.
    #[arg(long, value_name = "REV")]
    pub previous: Option<String>,
    /// A request for comments: subjects read [RFC PATCH i/N] (with vN from
    /// the second revision on).
    #[arg(long)]
    pub rfc: bool,
    /// Someone else to Cc on every mail, such as an earlier revision's
    /// authors (repeat for more).
    #[arg(long = "cc", value_name = "NAME <ADDRESS>")]
    pub cc: Vec<String>,
    /// Who sends the series, as `Name <address>`: the cover letter is from
    /// them and every patch ends with their Signed-off-by. Default:
    /// sendemail.from, else user.name and user.email, of --tree's git
    /// configuration first. To regenerate a series under your own name,
    /// set those (or pass this) and run revise again.
    #[arg(long, value_name = "NAME <ADDRESS>")]
    pub sender: Option<String>,
    #[command(flatten)]
    pub review: crate::review::ops::ReviewSetup,
}

/// Writes the next revision as `patchctl revise` does: the cover letter
/// from its file, the measured table from results records, trailers and
/// participants from the review store when the repository has one.
pub fn next_revision(
    req: &ReviseRequest,
    measured: Option<&Measured>,
    progress: &mut dyn std::io::Write,
) -> Result<Revised> {
    let cover = match &req.cover {
        Some(p) => {
            let text =
                fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))?;
            let (title, body) = text.split_once('\n').unwrap_or((text.as_str(), ""));
            Some(CoverLetter {
                title: title.trim().to_string(),
                text: body.trim_start_matches('\n').to_string(),
            })
        }
        None => None,
    };
    // Trailers and participants come from the review store when the
    // workspace is a repository; a store that exists but does not read is
    // an error, not an empty review.
    let stored = match req.review.repository() {
        Ok(repo) => Some(crate::review::ops::stored_thread(
            &crate::review::store::Store::new(&repo),
        )?),
        Err(_) => None,
    };
    let state = match &stored {
        Some(t) if !t.mails.is_empty() => Some(req.review.derive(t, progress)?),
        _ => None,
    };
    let mut participants: Vec<String> = Vec::new();
    for m in stored.iter().flat_map(|t| &t.mails) {
        crate::util::push_unique(
            &mut participants,
            format!("{} <{}>", m.from_name, m.from_email),
        );
    }
    revise(
        &ReviseOptions {
            tree: &req.tree,
            base: &req.base,
            kernel_base: req.kernel_base,
            head: &req.head,
            series_dir: &req.series,
            changes: req.changes.clone(),
            cover,
            measured: measured.map(|m| m.table.clone()),
            review: state.as_ref(),
            extra_cc: participants
                .into_iter()
                .chain(req.cc.iter().cloned())
                .collect(),
            in_reply_to: req.in_reply_to.clone(),
            lore: &req.lore,
            allow_checkpatch_errors: req.allow_checkpatch_errors,
            timed_loop: req.timed_loop.clone(),
            previous: req.previous.clone(),
            rfc: req.rfc,
            sender: req.sender.clone(),
            figures: measured.map(|m| m.figures.as_ref()),
        },
        progress,
    )
}
