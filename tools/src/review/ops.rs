//! What `patchctl fetch` and `patchctl status` do, over the store, the
//! fetcher, MAINTAINERS and the rules.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use git2::Repository;

use super::fetch::{self, HttpOptions, Source};
use super::maintainers::{self, Maintainers};
use super::rules::Rules;
use super::state::ReviewState;
use super::store::{self, Store, StoreFile};
use crate::mail::mbox;
use crate::mail::message_id::MessageId;
use crate::mail::thread::{Mail, Thread};

/// Where the review store is and what to judge it by.
/// The same type is the command line's (`--repo`, `--maintainers`,
/// `--rules`) of every command that reads the store.
#[derive(Debug, Clone, clap::Args)]
pub struct ReviewSetup {
    /// The git repository holding the review store.
    #[arg(long, default_value = ".")]
    pub repo: PathBuf,
    /// A kernel tree's MAINTAINERS (default: the cached linux-source-6.12's).
    #[arg(long)]
    pub maintainers: Option<PathBuf>,
    /// Verdict rules (default: the built-in tools/config/review-rules.toml).
    #[arg(long)]
    pub rules: Option<PathBuf>,
}

impl ReviewSetup {
    /// The repository holding the store.
    pub fn repository(&self) -> Result<Repository> {
        Repository::discover(&self.repo).with_context(|| {
            format!(
                "{} is not in a git repository: the review store lives in one",
                self.repo.display()
            )
        })
    }

    /// The verdict rules.
    pub fn rules(&self) -> Result<Rules> {
        match &self.rules {
            None => Ok(Rules::default_rules()),
            Some(p) => {
                let text = std::fs::read_to_string(p)
                    .with_context(|| format!("cannot read {}", p.display()))?;
                Rules::parse(&text, &p.display().to_string())
            }
        }
    }

    /// MAINTAINERS, or `None` (said on `progress`) when the default one
    /// is not there: roles are then not shown.
    pub fn maintainers(&self, progress: &mut dyn Write) -> Result<Option<Maintainers>> {
        let path = match &self.maintainers {
            Some(p) => p.clone(),
            None => {
                let p = maintainers::default_path()?;
                if !p.exists() {
                    let _ = writeln!(
                        progress,
                        "patchctl: no MAINTAINERS at {} (scripts/deps.sh kernel-source puts one there): roles are not shown",
                        p.display()
                    );
                    return Ok(None);
                }
                p
            }
        };
        Ok(Some(Maintainers::load(&path)?))
    }

    /// The review state of everything stored.
    pub fn derive(&self, thread: &Thread, progress: &mut dyn Write) -> Result<ReviewState> {
        Ok(super::derive(
            thread,
            self.maintainers(progress)?.as_ref(),
            &self.rules()?,
        ))
    }
}

/// Every stored thread, decoded, as one thread set. A stored thread that
/// does not decode is an error naming it, never an empty result.
pub fn stored_thread(store: &Store) -> Result<Thread> {
    let mut mails = Vec::new();
    store.each_thread(|name, mbox| {
        mails.extend(fetch::decode_mails(mbox, &format!("stored thread {name}"))?);
        Ok(())
    })?;
    Ok(Thread::from_mails(mails))
}

/// What a fetch did.
#[derive(Debug)]
pub enum Fetched {
    /// `--offline` and the thread is stored: nothing fetched.
    AlreadyStored {
        /// The thread asked for.
        message_id: MessageId,
        /// Messages in the whole store.
        stored: usize,
    },
    /// The thread was merged into the store.
    Stored {
        /// The thread's root.
        root: MessageId,
        /// Messages new to the store.
        added: usize,
        /// Messages of this thread now stored.
        total: usize,
        /// The store's new commit.
        commit: git2::Oid,
    },
}

/// Fetches `source` (Message-ID, lore URL or mbox file) and commits the
/// thread, merged with what was stored, and the state derived from every
/// stored thread, in one commit of the store.
pub fn fetch(
    source: &str,
    http: &HttpOptions,
    offline: bool,
    setup: &ReviewSetup,
    progress: &mut dyn Write,
) -> Result<Fetched> {
    let source = fetch::parse_source(source)?;
    let repo = setup.repository()?;
    let store = Store::new(&repo);
    if let (Source::MessageId(id), true) = (&source, offline) {
        return already_stored(&store, id);
    }
    let (data, what) = read_source(&source, http, progress)?;
    let fetched = fetch::decode(&data, &what)?;
    // Every copy of a large thread counts against the peak: the bytes
    // read are in `fetched` now, split and parsed.
    drop(data);
    let root = fetched
        .thread
        .mails
        .iter()
        .find(|m| m.parent.is_none())
        .map(|m| m.message_id.clone())
        .context("the thread has no messages")?;
    let file = format!("threads/{}", store::thread_file(&root));
    // Whether anything is new, from the stored Message-IDs alone, read in
    // place: a refetch that brings nothing never copies the stored thread.
    let known = store
        .read_with(&file, |bytes| fetch::message_ids(bytes, &file))?
        .unwrap_or_default();
    if fetch::count_new(&known, &fetched.messages) == 0 {
        // Nothing new: the store already holds this thread and its state.
        let commit = store
            .head()?
            .context("the review store lost its ref while it was read")?;
        return Ok(Fetched::Stored {
            root,
            added: 0,
            total: known.len(),
            commit,
        });
    }
    drop(known);
    let old_messages = store
        .read_with(&file, |bytes| fetch::decode_raw(bytes, &file))?
        .unwrap_or_default();
    let (merged, added) = fetch::merge(old_messages, fetched.messages);
    let total = merged.len();
    // The state first, so that the parsed mails are gone before the
    // thread is joined into one mbox, and the messages then.
    // The stored messages come first in the merge: parsed again here,
    // only now that something new came.
    let mut mails = Vec::new();
    for (i, (_, raw)) in merged[..total - added].iter().enumerate() {
        mails.push(crate::mail::thread::parse_mail(raw, i + 1).with_context(|| file.clone())?);
    }
    mails.extend(fetched.thread.mails);
    let state = state_with(&store, &file, mails, setup, progress)?;
    let raw: Vec<Vec<u8>> = merged.into_iter().map(|(_, r)| r).collect();
    let thread_mbox = mbox::join(&raw);
    drop(raw);
    let files = vec![
        StoreFile {
            path: file,
            content: thread_mbox,
        },
        StoreFile {
            path: "state.json".to_string(),
            content: serde_json::to_vec_pretty(&state)?,
        },
    ];
    let commit = store.commit(
        &files,
        &format!("fetch {root}: {added} new, {total} in all\n\nFrom {what}.\n"),
    )?;
    Ok(Fetched::Stored {
        root,
        added,
        total,
        commit,
    })
}

/// `--offline`: the thread `id` as stored, or an error if it is not.
fn already_stored(store: &Store, id: &str) -> Result<Fetched> {
    let known = stored_thread(store)?;
    if known.get(id).is_none() {
        bail!("thread {id} is not stored: fetch it once without --offline");
    }
    Ok(Fetched::AlreadyStored {
        message_id: MessageId::from(id),
        stored: known.mails.len(),
    })
}

/// The thread's bytes, read from the file or downloaded, and where they
/// came from.
fn read_source(
    source: &Source,
    http: &HttpOptions,
    progress: &mut dyn Write,
) -> Result<(Vec<u8>, String)> {
    Ok(match source {
        Source::File(p) => (read_file(p)?, p.display().to_string()),
        Source::MessageId(id) => {
            let url = fetch::thread_url(&http.base, id);
            let _ = writeln!(progress, "patchctl: fetching {url}");
            (fetch::download(id, http, progress)?, url)
        }
    })
}

/// The state as it stands with the thread stored in `file`, in the same
/// commit: the other stored threads, then `mails`, this thread's mails as
/// already parsed (the stored ones first, as the merge keeps them).
fn state_with(
    store: &Store,
    file: &str,
    mails: Vec<Mail>,
    setup: &ReviewSetup,
    progress: &mut dyn Write,
) -> Result<ReviewState> {
    let mut all = Vec::new();
    store.each_thread(|name, mbox| {
        if format!("threads/{name}") != file {
            all.extend(fetch::decode_mails(mbox, name)?);
        }
        Ok(())
    })?;
    all.extend(mails);
    setup.derive(&Thread::from_mails(all), progress)
}

/// The review state of every stored thread; an empty store is an error
/// that says how to fill it. With `upstream` (a kernel tree and how many
/// commits to look at), patches found there are marked landed.
pub fn status(
    setup: &ReviewSetup,
    upstream: Option<(&Path, usize)>,
    progress: &mut dyn Write,
) -> Result<ReviewState> {
    let repo = setup.repository()?;
    let thread = stored_thread(&Store::new(&repo))?;
    if thread.mails.is_empty() {
        bail!(
            "no threads in the review store of {}: run `patchctl fetch <thread>` first",
            setup.repo.display()
        );
    }
    let mut state = setup.derive(&thread, progress)?;
    if let Some((tree, limit)) = upstream {
        super::upstream::mark_landed(&mut state, tree, limit)?;
    }
    Ok(state)
}

fn read_file(p: &Path) -> Result<Vec<u8>> {
    std::fs::read(p).with_context(|| format!("cannot read {}", p.display()))
}
