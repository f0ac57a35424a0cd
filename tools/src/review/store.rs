//! Threads and review state kept in the workspace's own git repository,
//! under one ref (`refs/patchctl/review`): each update is one commit whose
//! tree holds every stored thread as an mbox and the derived state as
//! JSON, so every claim can be traced to the mail it came from, and the
//! history travels with a push of that ref.
//!
//! An update is atomic: the commit is made first and the ref moved only
//! if it still points where it did when the update began.

use anyhow::{bail, Context, Result};
use git2::{ErrorCode, Oid, Repository, Signature};

/// The ref the review store lives under.
pub const REF: &str = "refs/patchctl/review";

/// A file name for a thread that cannot escape the `threads/` folder,
/// whatever its Message-ID looks like (`../../x`, slashes, NULs).
pub fn thread_file(root_message_id: &str) -> String {
    let hash = Oid::hash_object(git2::ObjectType::Blob, root_message_id.as_bytes())
        .map(|o| o.to_string())
        .unwrap_or_default();
    let readable: String = root_message_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .take(60)
        .collect();
    let readable = readable.trim_start_matches('.');
    format!("{}-{}.mbox", &hash[..12], readable)
}

/// The store in one repository.
pub struct Store<'r> {
    repo: &'r Repository,
}

/// A file to write into the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreFile {
    /// Its path inside the store (`threads/...`, `state.json`): plain
    /// parts only, no `.`, `..` or empty ones.
    pub path: String,
    /// What it holds.
    pub content: Vec<u8>,
}

/// One thread in the store's `threads/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredThread {
    /// Its file name in `threads/`.
    pub name: String,
    /// The thread as an mbox, as fetched.
    pub mbox: Vec<u8>,
}

impl<'r> Store<'r> {
    /// The tree of the store's commit; an error that names the ref when
    /// the ref does not lead to a commit (a corrupt or foreign store).
    fn head_tree(&self, head: Oid) -> Result<git2::Tree<'r>> {
        let corrupt = || {
            format!("the review store {REF} ({head}) is not a commit with a tree: is it corrupt?")
        };
        self.repo
            .find_commit(head)
            .with_context(corrupt)?
            .tree()
            .with_context(corrupt)
    }

    /// The store of `repo`.
    pub fn new(repo: &'r Repository) -> Store<'r> {
        Store { repo }
    }

    /// The commit the ref points at, if the store has one.
    pub fn head(&self) -> Result<Option<Oid>> {
        match self.repo.find_reference(REF) {
            Ok(r) => Ok(r.target()),
            Err(e) if e.code() == ErrorCode::NotFound => Ok(None),
            Err(e) => Err(e).context("cannot read the review store's ref"),
        }
    }

    /// A stored file (`threads/<name>` or `state.json`).
    pub fn read(&self, path: &str) -> Result<Option<Vec<u8>>> {
        self.read_with(path, |bytes| Ok(bytes.to_vec()))
    }

    /// `f` on a file's bytes as libgit2 holds them, without a copy (a large
    /// thread would otherwise be in memory twice); `None` when the store
    /// has no such file.
    pub fn read_with<T>(
        &self,
        path: &str,
        f: impl FnOnce(&[u8]) -> Result<T>,
    ) -> Result<Option<T>> {
        let Some(head) = self.head()? else {
            return Ok(None);
        };
        let tree = self.head_tree(head)?;
        match tree.get_path(std::path::Path::new(path)) {
            Ok(entry) => {
                let blob = entry
                    .to_object(self.repo)
                    .and_then(|o| o.peel_to_blob())
                    .with_context(|| format!("{path} in the review store {REF} is not a file"))?;
                f(blob.content()).map(Some)
            }
            Err(e) if e.code() == ErrorCode::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Every stored thread, by file name, copied out of the store.
    pub fn threads(&self) -> Result<Vec<StoredThread>> {
        let mut out = Vec::new();
        self.each_thread(|name, mbox| {
            out.push(StoredThread {
                name: name.to_string(),
                mbox: mbox.to_vec(),
            });
            Ok(())
        })?;
        Ok(out)
    }

    /// Calls `visit` with each stored thread's file name and mbox, one at
    /// a time, straight from the object database: a reader that only
    /// parses never holds a second copy of a thread, nor more than one
    /// thread's bytes at once.
    pub fn each_thread(&self, mut visit: impl FnMut(&str, &[u8]) -> Result<()>) -> Result<()> {
        let Some(head) = self.head()? else {
            return Ok(());
        };
        let tree = self.head_tree(head)?;
        let Some(entry) = tree.get_name("threads") else {
            return Ok(());
        };
        let dir = entry
            .to_object(self.repo)
            .and_then(|o| o.peel_to_tree())
            .with_context(|| format!("threads in the review store {REF} is not a directory"))?;
        for e in dir.iter() {
            let name = e.name().unwrap_or_default();
            let blob = e
                .to_object(self.repo)
                .and_then(|o| o.peel_to_blob())
                .with_context(|| {
                    format!("threads/{name} in the review store {REF} is not a file")
                })?;
            visit(name, blob.content())?;
        }
        Ok(())
    }

    /// Writes `files` in one commit on top of the current one, with
    /// `message`. Fails, changing nothing, if another update moved the
    /// ref meanwhile.
    pub fn commit(&self, files: &[StoreFile], message: &str) -> Result<Oid> {
        let before = self.head()?;
        let base_tree = match before {
            Some(c) => Some(self.repo.find_commit(c)?.tree()?),
            None => None,
        };
        let mut builder = git2::build::TreeUpdateBuilder::new();
        for StoreFile { path, content } in files {
            if path
                .split('/')
                .any(|part| part.is_empty() || part == "." || part == "..")
            {
                bail!("refusing to store {path:?}: not a plain path inside the store");
            }
            let blob = self.repo.blob(content)?;
            builder.upsert(path.as_str(), blob, git2::FileMode::Blob);
        }
        let tree_id = match &base_tree {
            Some(t) => builder.create_updated(self.repo, t)?,
            None => {
                let empty = self.repo.find_tree(self.repo.treebuilder(None)?.write()?)?;
                builder.create_updated(self.repo, &empty)?
            }
        };
        if base_tree.as_ref().is_some_and(|t| t.id() == tree_id) {
            return Ok(before.expect("a base tree has a commit"));
        }
        let tree = self.repo.find_tree(tree_id)?;
        let sig = self
            .repo
            .signature()
            .or_else(|_| Signature::now("patchctl", "patchctl@localhost"))?;
        let parents: Vec<git2::Commit> = match before {
            Some(c) => vec![self.repo.find_commit(c)?],
            None => Vec::new(),
        };
        let parent_refs: Vec<&git2::Commit> = parents.iter().collect();
        // The commit exists before any ref moves: a crash here loses nothing.
        let commit = self
            .repo
            .commit(None, &sig, &sig, message, &tree, &parent_refs)?;
        crate::failpoint::hit("store:before-ref");
        let moved = match before {
            Some(old) => self
                .repo
                .reference_matching(REF, commit, true, old, message),
            None => self.repo.reference(REF, commit, false, message),
        };
        moved.with_context(|| {
            format!("{REF} changed while this update ran; nothing was stored, run it again")
        })?;
        crate::failpoint::hit("store:after-ref");
        Ok(commit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_cannot_escape() {
        let name = thread_file("../../etc/passwd@x");
        assert!(!name.contains('/'), "{name}");
        assert!(!name.starts_with('.'), "{name}");
        assert_ne!(
            thread_file("a/b@x"),
            thread_file("a_b@x"),
            "distinct ids, distinct files"
        );
    }
}
