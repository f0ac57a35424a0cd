//! A directory written in full where no reader looks, then moved into
//! place by one rename: what `revise` and `ack` write either appears
//! whole or not at all. Dropped before it is placed (an error, a panic),
//! it removes itself; a run killed outright leaves it behind, and the
//! next run's [`StagingDir::fresh`] clears it.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// The directory being written; see the module documentation.
#[derive(Debug)]
pub struct StagingDir {
    path: PathBuf,
    placed: bool,
}

impl StagingDir {
    /// An empty directory at `path`, clearing what a killed run left there.
    pub fn fresh(path: PathBuf) -> Result<StagingDir> {
        if path.exists() {
            fs::remove_dir_all(&path)
                .with_context(|| format!("cannot clear {}", path.display()))?;
        }
        fs::create_dir_all(&path).with_context(|| format!("cannot create {}", path.display()))?;
        Ok(StagingDir {
            path,
            placed: false,
        })
    }

    /// Where to write.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Moves the directory to `dest`, which must not exist. On failure
    /// the staged directory is removed (it is dropped).
    pub fn place(mut self, dest: &Path) -> Result<()> {
        fs::rename(&self.path, dest).with_context(|| {
            format!(
                "cannot rename {} to {}",
                self.path.display(),
                dest.display()
            )
        })?;
        self.placed = true;
        Ok(())
    }

    /// Moves the directory to `dest`, replacing what is there: the old
    /// one is renamed aside (`<dest>.old`) first and removed last, so
    /// that a run killed between the two renames leaves both, and
    /// [`restore_replaced`] puts the old one back. `kill_point` names the
    /// moment between the renames for the kill-point tests.
    pub fn replace(mut self, dest: &Path, kill_point: &str) -> Result<()> {
        let old = aside(dest);
        if old.exists() {
            fs::remove_dir_all(&old).with_context(|| format!("cannot clear {}", old.display()))?;
        }
        if dest.exists() {
            fs::rename(dest, &old).with_context(|| {
                format!("cannot move {} aside to {}", dest.display(), old.display())
            })?;
        }
        crate::failpoint::hit(kill_point);
        if let Err(e) = fs::rename(&self.path, dest) {
            // Put the old one back: the command failed, nothing changed.
            if old.exists() {
                let _ = fs::rename(&old, dest);
            }
            return Err(e).with_context(|| {
                format!(
                    "cannot rename {} to {}",
                    self.path.display(),
                    dest.display()
                )
            });
        }
        self.placed = true;
        if old.exists() {
            fs::remove_dir_all(&old).with_context(|| format!("cannot remove {}", old.display()))?;
        }
        Ok(())
    }
}

impl Drop for StagingDir {
    fn drop(&mut self) {
        if !self.placed {
            let _ = fs::remove_dir_all(&self.path);
        }
    }
}

/// Where [`StagingDir::replace`] keeps the directory it replaces.
pub fn aside(dest: &Path) -> PathBuf {
    dest.with_extension("old")
}

/// After a run killed inside [`StagingDir::replace`]: the old directory
/// back in place when the new one never arrived, or the leftover removed
/// when it did. Returns whether anything was put back.
pub fn restore_replaced(dest: &Path) -> Result<bool> {
    let old = aside(dest);
    if !old.exists() {
        return Ok(false);
    }
    if dest.exists() {
        fs::remove_dir_all(&old).with_context(|| format!("cannot remove {}", old.display()))?;
        return Ok(false);
    }
    fs::rename(&old, dest)
        .with_context(|| format!("cannot put {} back at {}", old.display(), dest.display()))?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(tag: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("patchctl-staging-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn a_dropped_staging_dir_leaves_nothing() {
        let root = scratch("drop");
        let staged = StagingDir::fresh(root.join(".v3.partial")).unwrap();
        fs::write(staged.path().join("a.patch"), "x").unwrap();
        drop(staged);
        assert_eq!(fs::read_dir(&root).unwrap().count(), 0);
    }

    #[test]
    fn place_moves_it_whole_and_refuses_an_existing_dest() {
        let root = scratch("place");
        let staged = StagingDir::fresh(root.join(".v3.partial")).unwrap();
        fs::write(staged.path().join("a.patch"), "x").unwrap();
        staged.place(&root.join("v3")).unwrap();
        assert!(root.join("v3/a.patch").exists());
        assert!(!root.join(".v3.partial").exists());

        let again = StagingDir::fresh(root.join(".v3.partial")).unwrap();
        fs::write(again.path().join("b.patch"), "y").unwrap();
        fs::write(root.join("v3/extra"), "z").unwrap();
        assert!(again.place(&root.join("v3")).is_err());
        assert!(!root.join(".v3.partial").exists(), "the failed one is gone");
        assert!(
            root.join("v3/a.patch").exists(),
            "the placed one is untouched"
        );
    }

    #[test]
    fn replace_swaps_and_a_killed_swap_is_put_back() {
        let root = scratch("replace");
        let out = root.join("android");
        fs::create_dir_all(&out).unwrap();
        fs::write(out.join("old.patch"), "old").unwrap();
        let staged = StagingDir::fresh(root.join("android.partial")).unwrap();
        fs::write(staged.path().join("new.patch"), "new").unwrap();
        staged.replace(&out, "test:between-renames").unwrap();
        assert!(out.join("new.patch").exists() && !out.join("old.patch").exists());
        assert!(!aside(&out).exists());

        // As a kill between the renames leaves it: the old aside, no dest.
        fs::rename(&out, aside(&out)).unwrap();
        assert!(restore_replaced(&out).unwrap());
        assert!(out.join("new.patch").exists());
    }
}
