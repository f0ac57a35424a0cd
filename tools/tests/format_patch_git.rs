//! A patch mail as patchctl renders it, held against the real git: the
//! diffstat must be the one `git diff --stat=72 --summary` draws, and `git am` must
//! apply the mail to the commit's parent and give back the same tree,
//! author, date and message.

use std::path::Path;
use std::process::Command;

use git2::Repository;

mod common;
use patchctl::series::format_patch::{commit_diff, diffstat, render, PatchMail, STAT_WIDTH};

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "Jöhn Tester")
        .env("GIT_AUTHOR_EMAIL", "john@example.org")
        .env("GIT_AUTHOR_DATE", "2026-11-30T10:11:12+0530")
        .env("GIT_COMMITTER_NAME", "Committer")
        .env("GIT_COMMITTER_EMAIL", "committer@example.org")
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn lines(prefix: &str, n: usize) -> String {
    (0..n).map(|i| format!("{prefix} line {i}\n")).collect()
}

/// A base commit and one change that exercises the stat: a long new
/// file, a name longer than the line, deletions beside insertions, a
/// one-line change, a deleted file, a binary file.
fn repo_with_change(dir: &Path) {
    git(dir, &["init", "-q", "-b", "main"]);
    let deep = "drivers/gpu/drm/some/very/deeply/nested/directory/with_a_long_file_name.c";
    std::fs::create_dir_all(dir.join("drivers/gpu/drm/some/very/deeply/nested/directory")).unwrap();
    std::fs::create_dir_all(dir.join("mm")).unwrap();
    std::fs::write(dir.join("mm/vmalloc.c"), lines("vmalloc", 40)).unwrap();
    std::fs::write(dir.join(deep), lines("deep", 30)).unwrap();
    std::fs::write(dir.join("gone.txt"), lines("gone", 3)).unwrap();
    std::fs::write(dir.join("blob.bin"), [0u8, 1, 2, 3, 0, 255]).unwrap();
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", "base"]);

    let mut vmalloc = lines("vmalloc", 40);
    vmalloc = vmalloc.replacen("vmalloc line 7\n", "vmalloc line seven\n", 1);
    std::fs::write(dir.join("mm/vmalloc.c"), vmalloc).unwrap();
    let mut d = lines("deep", 30);
    d = d.replace("deep line 1", "deep line one");
    d.truncate(d.len() / 2);
    std::fs::write(dir.join(deep), d).unwrap();
    std::fs::write(dir.join("mm/vmalloc_test.c"), lines("test", 254)).unwrap();
    std::fs::remove_file(dir.join("gone.txt")).unwrap();
    std::fs::write(dir.join("blob.bin"), [9u8, 0, 8, 0, 7]).unwrap();
    std::fs::write(dir.join("mm/run.sh"), "#!/bin/sh\n").unwrap();
    std::fs::set_permissions(
        dir.join("mm/run.sh"),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    git(dir, &["add", "-A"]);
    git(
        dir,
        &[
            "commit",
            "-q",
            "-m",
            "mm: a change to hold against git\n\nThe body, with ünïcode.\n\nSigned-off-by: Jöhn Tester <john@example.org>",
        ],
    );
}

#[test]
fn the_diffstat_is_the_one_git_draws() {
    let tmp = common::tempdir("format-patch");
    repo_with_change(&tmp);
    let repo = Repository::open(&tmp).unwrap();
    let head = repo.head().unwrap().peel_to_commit().unwrap();
    let diff = commit_diff(&repo, &head).unwrap();
    let ours = diffstat(&diff, STAT_WIDTH).unwrap();
    let theirs = git(&tmp, &["diff", "--stat=72", "--summary", "HEAD~1", "HEAD"]);
    assert_eq!(ours, theirs, "ours:\n{ours}\ngit's:\n{theirs}");
}

#[test]
fn git_am_gives_back_the_commit() {
    let tmp = common::tempdir("format-patch");
    repo_with_change(&tmp);
    let repo = Repository::open(&tmp).unwrap();
    let head = repo.head().unwrap().peel_to_commit().unwrap();
    let parent = head.parent(0).unwrap();
    let diff = commit_diff(&repo, &head).unwrap();
    let message = head.message().unwrap();
    let body = message.split_once('\n').unwrap().1;
    let author = head.author();
    let mail = render(&PatchMail {
        commit: head.id(),
        author: &author,
        subject: &format!("[PATCH v2] {}", head.summary().unwrap().unwrap()),
        body,
        notes: "v2: a changelog line that git am must drop",
        diff: &diff,
        base_commit: Some(parent.id()),
    })
    .unwrap();
    assert!(mail.contains("\n-- \npatchctl "), "{mail}");
    assert!(
        mail.contains("Content-Type: text/plain; charset=UTF-8"),
        "{mail}"
    );
    assert!(mail.contains(&format!("\nbase-commit: {}\n", parent.id())));

    let file = tmp.join("mail.patch");
    std::fs::write(&file, &mail).unwrap();
    git(&tmp, &["checkout", "-q", "--detach", "HEAD~1"]);
    git(&tmp, &["am", "-q", file.to_str().unwrap()]);
    let applied = repo.head().unwrap().peel_to_commit().unwrap();
    assert_eq!(applied.tree_id(), head.tree_id(), "the same tree");
    assert_eq!(applied.message(), head.message(), "the same message");
    assert_eq!(applied.author().name(), head.author().name());
    assert_eq!(applied.author().email(), head.author().email());
    assert_eq!(
        applied.author().when(),
        head.author().when(),
        "the same date and zone"
    );
}
