//! Applying mail-form patches as commits, on real git repositories made
//! here, with patches written by the real `git format-patch`.

mod common;

use std::fs;
use std::path::PathBuf;

use common::{git, tempdir};
use git2::Repository;
use patchctl::kernel::tree;
use patchctl::mail::patch as mailpatch;

const BASE: &str = "int a;\nint b;\nint c;\n";

/// A repository with BASE committed, and a patch made by git format-patch
/// that changes it, authored by someone with a non-ASCII name.
fn repo_and_patch() -> (PathBuf, PathBuf) {
    let dir = tempdir("am");
    git(&dir, &["init", "-q", "-b", "main"]);
    fs::write(dir.join("file.c"), BASE).unwrap();
    git(&dir, &["add", "file.c"]);
    git(&dir, &["commit", "-q", "-m", "base"]);
    fs::write(dir.join("file.c"), "int a;\nint b2;\nint c;\n").unwrap();
    git(
        &dir,
        &[
            "commit",
            "-q",
            "-a",
            "--author=Christian König <christian.koenig@amd.com>",
            "--date=2026-04-07T07:57:00+02:00",
            "-m",
            "file: rename b\n\nBecause b2 is better.\n\nSigned-off-by: Christian König <christian.koenig@amd.com>",
        ],
    );
    // Outside the repository, so that it leaves no untracked file there.
    let out = tempdir("patches");
    let patch = git(&dir, &["format-patch", "-1", "-o", out.to_str().unwrap()]);
    let patch = PathBuf::from(patch.trim());
    git(&dir, &["reset", "-q", "--hard", "HEAD~1"]);
    (dir, patch)
}

#[test]
fn am_commits_with_the_mail_author_date_and_message() {
    let (dir, patch_path) = repo_and_patch();
    let repo = Repository::open(&dir).unwrap();
    let patch = mailpatch::parse(&fs::read(&patch_path).unwrap(), "p").unwrap();
    let oid = tree::am(&repo, &patch_path, &patch).unwrap();

    let commit = repo.find_commit(oid).unwrap();
    assert_eq!(commit.author().name(), Ok("Christian König"));
    assert_eq!(commit.author().email(), Ok("christian.koenig@amd.com"));
    assert_eq!(commit.author().when().seconds(), 1_775_541_420);
    assert_eq!(commit.author().when().offset_minutes(), 120);
    assert_eq!(
        commit.message(),
        Ok("file: rename b\n\nBecause b2 is better.\n\nSigned-off-by: Christian König <christian.koenig@amd.com>\n")
    );
    assert_eq!(
        fs::read_to_string(dir.join("file.c")).unwrap(),
        "int a;\nint b2;\nint c;\n"
    );
    // The same tree `git am` makes from the same file.
    let am_dir = tempdir("am-ref");
    git(&am_dir, &["clone", "-q", dir.to_str().unwrap(), "."]);
    git(&am_dir, &["reset", "-q", "--hard", "HEAD~1"]);
    git(&am_dir, &["am", "-q", patch_path.to_str().unwrap()]);
    let am_tree = git(&am_dir, &["rev-parse", "HEAD^{tree}"]);
    assert_eq!(am_tree.trim(), commit.tree_id().to_string());
}

#[test]
fn a_patch_that_does_not_apply_names_file_and_line_and_changes_nothing() {
    let (dir, patch_path) = repo_and_patch();
    fs::write(dir.join("file.c"), "int x;\nint y;\nint z;\n").unwrap();
    git(&dir, &["commit", "-q", "-a", "-m", "diverge"]);
    let repo = Repository::open(&dir).unwrap();
    let head = repo.head().unwrap().target().unwrap();
    let patch = mailpatch::parse(&fs::read(&patch_path).unwrap(), "p").unwrap();
    let err = tree::am(&repo, &patch_path, &patch)
        .unwrap_err()
        .to_string();
    assert!(err.contains("does not apply"), "{err}");
    assert!(err.contains("patch failed: file.c:1"), "{err}");
    assert_eq!(repo.head().unwrap().target().unwrap(), head);
    assert_eq!(
        fs::read_to_string(dir.join("file.c")).unwrap(),
        "int x;\nint y;\nint z;\n"
    );
    assert!(git(&dir, &["status", "--porcelain"]).is_empty());
}

#[test]
fn prepare_makes_a_worktree_and_removes_it_on_failure() {
    let (dir, patch_path) = repo_and_patch();
    let base = Repository::open(&dir).unwrap();
    let good = patchctl::kernel::checkout::Checkout::new("v1", vec![patch_path.clone()]);
    let wt = tempdir("wt").join("v1");
    tree::prepare(&base, &good, "test-v1", &wt).unwrap();
    assert_eq!(
        fs::read_to_string(wt.join("file.c")).unwrap(),
        "int a;\nint b2;\nint c;\n"
    );
    // The base checkout is untouched.
    assert_eq!(fs::read_to_string(dir.join("file.c")).unwrap(), BASE);
    // Prepared again from the same patches: reused, not remade.
    let marker = wt.join("build-output.o");
    fs::write(&marker, "").unwrap();
    tree::prepare(&base, &good, "test-v1", &wt).unwrap();
    assert!(marker.exists());

    // A revision whose second patch fails leaves no worktree behind.
    let broken = patch_path.with_file_name("broken.patch");
    fs::write(&broken, fs::read_to_string(&patch_path).unwrap()).unwrap();
    let bad = patchctl::kernel::checkout::Checkout::new("v2", vec![patch_path, broken]);
    let wt2 = wt.with_file_name("v2");
    let err = tree::prepare(&base, &bad, "test-v2", &wt2)
        .unwrap_err()
        .to_string();
    assert!(err.contains("broken.patch does not apply"), "{err}");
    assert!(!wt2.exists());
    assert!(base.find_worktree("test-v2").is_err());
}
