//! What the tree's scripts said about a mail, kept so that checking a
//! revision again after one patch changed runs perl on that patch alone.
//!
//! An answer is keyed by everything it depends on: the script's own bytes,
//! its options, the mail's bytes, and the tree the script reads (checkpatch
//! looks at the tree's files, headers and MAINTAINERS; get_maintainer at
//! MAINTAINERS and its configuration). A tree has such an identity only
//! when nothing in it can change unseen:
//!
//! - a source package that patchctl extracted (its `.extracted` marker
//!   names the package version; the files the scripts read are added by
//!   size and modification time, in case someone edited them);
//! - a git checkout whose tracked files match its HEAD.
//!
//! Any other tree (a dirty checkout, a plain directory) is never cached:
//! the scripts run every time. Answers are written whole (a temporary file,
//! then a rename), so a killed check leaves no half answer behind.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use sha1::{Digest, Sha1};

/// The two scripts whose answers are kept.
#[derive(Debug, Clone, Copy)]
pub(super) enum Script {
    /// `checkpatch.pl --strict --no-signoff`: its output on the mail.
    Checkpatch,
    /// `get_maintainer.pl`: the addresses it names, one per line.
    Maintainers,
}

impl Script {
    fn dir_name(self) -> &'static str {
        match self {
            Script::Checkpatch => "checkpatch",
            Script::Maintainers => "get-maintainer",
        }
    }

    fn path(self) -> &'static str {
        match self {
            Script::Checkpatch => "scripts/checkpatch.pl",
            Script::Maintainers => "scripts/get_maintainer.pl",
        }
    }
}

/// The files besides the scripts that their answers depend on, in a tree
/// whose version is named by a marker: a change to one of them (an edited
/// extracted tree) must not be answered from before.
const READ_BY_SCRIPTS: &[&str] = &[
    "MAINTAINERS",
    "scripts/spelling.txt",
    "scripts/const_structs.checkpatch",
    ".checkpatch.conf",
    ".get_maintainer.conf",
    ".get_maintainer.ignore",
    ".mailmap",
];

/// Kept answers for one tree, under one cache directory.
pub(super) struct ScriptCache {
    dir: PathBuf,
    tree_identity: String,
    script_digests: [String; 2],
}

impl ScriptCache {
    /// A cache for `tree` under `dir`, or `None` when the tree has no
    /// identity that covers what the scripts read (see the module comment).
    pub fn open(dir: &Path, tree: &Path) -> Option<ScriptCache> {
        let tree_identity = tree_identity(tree)?;
        let digest_of = |s: Script| fs::read(tree.join(s.path())).ok().map(|b| hex(&b));
        Some(ScriptCache {
            dir: dir.to_path_buf(),
            tree_identity,
            script_digests: [
                digest_of(Script::Checkpatch)?,
                digest_of(Script::Maintainers)?,
            ],
        })
    }

    /// The kept answer of `script` on a mail with these bytes.
    pub fn get(&self, script: Script, mail: &[u8]) -> Option<String> {
        fs::read_to_string(self.entry(script, mail)).ok()
    }

    /// Keeps an answer. A cache that cannot be written is no error: the
    /// next check runs the script again.
    pub fn put(&self, script: Script, mail: &[u8], answer: &str) {
        let path = self.entry(script, mail);
        let (Some(parent), Some(name)) = (path.parent(), path.file_name()) else {
            return;
        };
        if fs::create_dir_all(parent).is_err() {
            return;
        }
        let tmp = parent.join(format!(
            ".{}.{}.tmp",
            name.to_string_lossy(),
            std::process::id()
        ));
        if fs::write(&tmp, answer).is_ok() && fs::rename(&tmp, &path).is_err() {
            let _ = fs::remove_file(&tmp);
        }
    }

    fn entry(&self, script: Script, mail: &[u8]) -> PathBuf {
        let script_digest = match script {
            Script::Checkpatch => &self.script_digests[0],
            Script::Maintainers => &self.script_digests[1],
        };
        let mut key = Sha1::new();
        for part in [self.tree_identity.as_bytes(), script_digest.as_bytes()] {
            key.update(part.len().to_le_bytes());
            key.update(part);
        }
        key.update(mail);
        self.dir
            .join(script.dir_name())
            .join(hex_of(&key.finalize()))
    }
}

/// What names the state of the files the scripts read, if anything does.
fn tree_identity(tree: &Path) -> Option<String> {
    if let Ok(marker) = fs::read_to_string(tree.join(".extracted")) {
        let mut id = format!("extracted {}", marker.trim());
        for file in READ_BY_SCRIPTS {
            if let Ok(meta) = fs::metadata(tree.join(file)) {
                let mtime = meta
                    .modified()
                    .ok()
                    .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                    .map_or(0, |d| d.as_nanos());
                id.push_str(&format!(" {file}:{}:{mtime}", meta.len()));
            }
        }
        return Some(id);
    }
    if !tree.join(".git").exists() {
        return None;
    }
    let git = |args: &[&str]| {
        Command::new("git")
            .arg("-C")
            .arg(tree)
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    let head = git(&["rev-parse", "HEAD"])?;
    // Tracked files as committed: otherwise an edit would go unseen.
    let changed = git(&["status", "--porcelain", "--untracked-files=no"])?;
    changed.is_empty().then(|| format!("git {head}"))
}

fn hex(bytes: &[u8]) -> String {
    hex_of(&Sha1::digest(bytes))
}

fn hex_of(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(tag: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "patchctl-script-cache-{tag}-{}",
            std::process::id()
        ));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn tree_with_scripts(dir: &Path) {
        fs::create_dir_all(dir.join("scripts")).unwrap();
        fs::write(dir.join("scripts/checkpatch.pl"), "# checkpatch\n").unwrap();
        fs::write(dir.join("scripts/get_maintainer.pl"), "# get_maintainer\n").unwrap();
        fs::write(dir.join("MAINTAINERS"), "M:\tA <a@kernel.org>\n").unwrap();
    }

    #[test]
    fn a_tree_without_identity_is_never_cached() {
        let tmp = scratch("none");
        let tree = tmp.join("tree");
        tree_with_scripts(&tree);
        assert!(ScriptCache::open(&tmp.join("cache"), &tree).is_none());
    }

    #[test]
    fn an_answer_is_kept_per_script_and_mail_and_lost_when_the_tree_changes() {
        let tmp = scratch("extracted");
        let tree = tmp.join("tree");
        tree_with_scripts(&tree);
        fs::write(tree.join(".extracted"), "linux-source-7.2_7.2.13-1_all\n").unwrap();
        let dir = tmp.join("cache");
        let cache = ScriptCache::open(&dir, &tree).unwrap();
        cache.put(Script::Checkpatch, b"mail one", "total: 0 errors\n");
        assert_eq!(
            cache.get(Script::Checkpatch, b"mail one").as_deref(),
            Some("total: 0 errors\n")
        );
        assert_eq!(cache.get(Script::Maintainers, b"mail one"), None);
        assert_eq!(cache.get(Script::Checkpatch, b"mail two"), None);

        // MAINTAINERS edited: a new size, so nothing from before answers.
        fs::write(
            tree.join("MAINTAINERS"),
            "M:\tB <b@kernel.org>\nL:\tl@x.org\n",
        )
        .unwrap();
        let edited = ScriptCache::open(&dir, &tree).unwrap();
        assert_eq!(edited.get(Script::Checkpatch, b"mail one"), None);

        // So is a new checkpatch.pl.
        cache.put(Script::Checkpatch, b"mail one", "old answer\n");
        fs::write(tree.join("scripts/checkpatch.pl"), "# checkpatch, newer\n").unwrap();
        let newer = ScriptCache::open(&dir, &tree).unwrap();
        assert_eq!(newer.get(Script::Checkpatch, b"mail one"), None);
    }

    #[test]
    fn a_git_tree_is_cached_only_while_its_tracked_files_match_head() {
        let tmp = scratch("git");
        let tree = tmp.join("tree");
        tree_with_scripts(&tree);
        let git = |args: &[&str]| {
            let ok = Command::new("git")
                .arg("-C")
                .arg(&tree)
                .args(["-c", "user.name=T", "-c", "user.email=t@kernel.org"])
                .args(args)
                .status()
                .unwrap()
                .success();
            assert!(ok, "git {args:?}");
        };
        git(&["init", "-q"]);
        git(&["add", "."]);
        git(&["commit", "-q", "-m", "tree"]);
        assert!(ScriptCache::open(&tmp.join("cache"), &tree).is_some());
        fs::write(tree.join("MAINTAINERS"), "edited\n").unwrap();
        assert!(ScriptCache::open(&tmp.join("cache"), &tree).is_none());
    }
}
