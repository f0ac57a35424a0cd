//! `patchctl revise` on real git repositories made here, holding the real
//! MAINTAINERS, get_maintainer.pl and checkpatch.pl of the cached 6.12
//! source, checked with the real `git am`.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{git, kernel_tree, tempdir};
use patchctl::series::revise::{self, ReviseOptions};

fn edit(dir: &Path, from: &str, to: &str) {
    let p = dir.join("drivers/dma-buf/heaps/system_heap.c");
    let s = fs::read_to_string(&p).unwrap();
    assert!(s.contains(from));
    fs::write(&p, s.replacen(from, to, 1)).unwrap();
}

/// Two commits on a branch: the series to send.
fn branch(dir: &Path) {
    git(dir, &["checkout", "-q", "-b", "work"]);
    edit(
        dir,
        "\tstruct page **tmp = pages;\n",
        "\tstruct page **tmp = pages; /* next slot */\n",
    );
    git(dir, &["commit", "-q", "-a", "--author=Ann Author <ann@example.org>", "-m",
        "dma-buf: system_heap: Note the next slot\n\nSay what tmp is.\n\nSigned-off-by: Ann Author <ann@example.org>\nSigned-off-by: Sub Mitter <sub@example.org>"]);
    edit(
        dir,
        "\tvoid *vaddr;\n\n\tif (!pages)",
        "\tvoid *vaddr;\n\n\t/* vfree() below */\n\tif (!pages)",
    );
    git(dir, &["commit", "-q", "-a", "--author=Ann Author <ann@example.org>", "-m",
        "dma-buf: system_heap: Note the vfree\n\nSay where it is freed.\n\nSigned-off-by: Ann Author <ann@example.org>"]);
}

fn series_dir() -> PathBuf {
    let dir = tempdir("series");
    fs::write(
        dir.join("series.toml"),
        "name = \"t\"\nsubject = \"t\"\n\n[[revision]]\nversion = 1\ndirectory = \"v1\"\nmessage_id = \"v1-id@example.org\"\n",
    )
    .unwrap();
    dir
}

fn options<'a>(tree: &'a Path, series: &'a Path) -> ReviseOptions<'a> {
    ReviseOptions {
        tree,
        base: "base",
        kernel_base: patchctl::series::manifest::Base::Android,
        head: "work",
        series_dir: series,
        changes: vec!["say more".into()],
        cover: Some(revise::CoverLetter {
            title: "dma-buf: system_heap: Notes".into(),
            text: "Two notes.\n".into(),
        }),
        measured: Some("arch size before v1\num 256M 136.2us 36.1us\n".into()),
        review: None,
        extra_cc: vec!["Rob Review <rob@example.org>".into()],
        in_reply_to: None,
        lore: "https://lore.kernel.org",
        allow_checkpatch_errors: false,
        timed_loop: Some("bounded".into()),
        previous: None,
        rfc: false,
        sender: None,
        figures: None,
    }
}

#[test]
fn round_trip_through_git_am() {
    let tree = kernel_tree();
    branch(&tree);
    let series = series_dir();
    let mut opts = options(&tree, &series);
    // Given as a header spells it: the <> are not doubled.
    opts.in_reply_to = Some("<v1-id@example.org>".into());
    let revised = revise::revise(&opts, &mut std::io::stderr()).unwrap();
    assert_eq!(revised.version, 2, "one past the manifest's v1");
    assert_eq!(revised.files.len(), 3);
    let cover = fs::read_to_string(&revised.files[0]).unwrap();
    assert!(
        cover.contains("Subject: [PATCH v2 0/2] dma-buf: system_heap: Notes"),
        "{cover}"
    );
    assert!(
        cover.contains("um 256M 136.2us 36.1us"),
        "the measured table"
    );
    // What git format-patch --base and b4 write.
    let base = git(&tree, &["rev-parse", "base"]);
    assert!(
        cover.contains(&format!("\nbase-commit: {}\n-- \n", base.trim())),
        "{cover}"
    );
    assert!(
        cover.contains("Changes in v2:\n- say more\n- Link to v1: "),
        "{cover}"
    );
    let p1 = fs::read_to_string(&revised.files[1]).unwrap();
    assert!(
        p1.contains("Subject: [PATCH v2 1/2] dma-buf: system_heap: Note the next slot"),
        "{p1}"
    );
    assert!(p1.contains("From: Ann Author <ann@example.org>"));
    for mail in [&cover, &p1] {
        assert!(
            mail.contains("\nIn-Reply-To: <v1-id@example.org>\n"),
            "{mail}"
        );
    }
    // The changelog is the cover letter's, said once, as b4 does.
    assert!(!p1.contains("Changes in v2:"), "{p1}");
    assert!(
        cover.contains("- Link to v1: https://lore.kernel.org/r/v1-id@example.org\n"),
        "{cover}"
    );
    // To from the real get_maintainer.pl, Cc with the previous
    // participants; a name beyond ASCII as an RFC 2047 encoded-word.
    assert!(
        p1.contains("=?UTF-8?q?Christian=20K=C3=B6nig?= <christian.koenig@amd.com>"),
        "{p1}"
    );
    assert!(p1.contains("Rob Review <rob@example.org>"));
    assert_eq!(revised.checkpatch.len(), 2);
    assert!(
        revised
            .checkpatch
            .iter()
            .all(|c| c.summary.starts_with("total: 0 errors")),
        "{:?}",
        revised.checkpatch
    );

    // git send-email accepts them (--dry-run sends nothing).
    let out = Command::new("git")
        .args([
            "send-email",
            "--dry-run",
            "--confirm=never",
            "--suppress-cc=all",
            "--to=List <list@example.org>",
        ])
        .args(&revised.files)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && said.contains("Result: OK"),
        "{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(said.matches("Result: OK").count(), 3);

    // git am of the patches onto the base gives the branch's tree.
    let clone = tempdir("am");
    git(&clone, &["clone", "-q", tree.to_str().unwrap(), "."]);
    git(&clone, &["checkout", "-q", "base"]);
    for f in &revised.files[1..] {
        git(&clone, &["am", "-q", f.to_str().unwrap()]);
    }
    assert_eq!(
        git(&clone, &["rev-parse", "HEAD^{tree}"]),
        git(&tree, &["rev-parse", "work^{tree}"])
    );
    assert_eq!(
        git(&clone, &["log", "-1", "--format=%an <%ae>"]).trim(),
        "Ann Author <ann@example.org>"
    );
    // The user's branch is untouched.
    assert_eq!(
        git(&tree, &["rev-parse", "--abbrev-ref", "HEAD"]).trim(),
        "work"
    );
}

#[test]
fn refusals_leave_nothing_behind() {
    let tree = kernel_tree();
    branch(&tree);
    let series = series_dir();

    let mut bad_base = options(&tree, &series);
    bad_base.base = "nope";
    let err = revise::revise(&bad_base, &mut std::io::stderr())
        .unwrap_err()
        .to_string();
    assert!(err.contains("base \"nope\" does not exist"), "{err}");

    edit(&tree, "\tvoid *vaddr;", "\tvoid *vaddr; /* dirty */");
    let err = revise::revise(&options(&tree, &series), &mut std::io::stderr())
        .unwrap_err()
        .to_string();
    assert!(err.contains("uncommitted changes"), "{err}");
    git(&tree, &["checkout", "-q", "--", "."]);

    // A detached HEAD names no branch: refused when the series is "HEAD".
    git(&tree, &["checkout", "-q", "--detach", "work"]);
    let mut detached = options(&tree, &series);
    detached.head = "HEAD";
    let err = revise::revise(&detached, &mut std::io::stderr())
        .unwrap_err()
        .to_string();
    assert!(err.contains("HEAD is detached"), "{err}");
    git(&tree, &["checkout", "-q", "work"]);

    let mut no_cover = options(&tree, &series);
    no_cover.cover = None;
    assert!(revise::revise(&no_cover, &mut std::io::stderr())
        .unwrap_err()
        .to_string()
        .contains("need a cover letter"));

    // checkpatch errors fail the command unless allowed, and leave no v2.
    edit(&tree, "\tvoid *vaddr;", "\tvoid *vaddr;   \n");
    git(
        &tree,
        &[
            "commit",
            "-q",
            "-a",
            "-m",
            "dma-buf: bad style\n\nSigned-off-by: Sub Mitter <sub@example.org>",
        ],
    );
    let err = revise::revise(&options(&tree, &series), &mut std::io::stderr())
        .unwrap_err()
        .to_string();
    assert!(err.contains("checkpatch.pl --strict found errors"), "{err}");
    assert!(err.contains("trailing whitespace"), "{err}");
    let left: Vec<_> = fs::read_dir(&series)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        left,
        vec![std::ffi::OsString::from("series.toml")],
        "nothing half-written"
    );

    let mut allow = options(&tree, &series);
    allow.allow_checkpatch_errors = true;
    let revised = revise::revise(&allow, &mut std::io::stderr()).unwrap();
    assert_eq!(revised.files.len(), 4);
    // v2 is recorded now: the next run makes v3.
    let manifest = patchctl::series::Manifest::load(&series).unwrap();
    assert_eq!(manifest.latest().unwrap().version, 2);
    assert_eq!(
        manifest.latest().unwrap().changes,
        vec!["say more".to_string()]
    );
    assert_eq!(
        revise::revise(&allow, &mut std::io::stderr())
            .unwrap()
            .version,
        3
    );
    // A directory the manifest does not know is never overwritten.
    fs::create_dir(series.join("v4")).unwrap();
    let err = revise::revise(&allow, &mut std::io::stderr())
        .unwrap_err()
        .to_string();
    assert!(err.contains("exists already"), "{err}");
}

/// A Reviewed-by given on v1 is carried into v2, above the submitter's
/// Signed-off-by, once, when the patch is unchanged (the same patch-id as
/// `git patch-id --stable` gives); one given to a patch whose diff changed
/// since is not carried, and revise says so.
#[test]
fn trailers_from_review_are_carried() {
    let tree = kernel_tree();
    branch(&tree);
    let series = series_dir();
    // v1 of patch 1 is the branch's first commit as it stands: unchanged.
    let unchanged = git(&tree, &["format-patch", "-1", "--stdout", "HEAD~1"]);
    let unchanged = unchanged.replacen(
        "Subject: [PATCH]",
        "Message-ID: <v1-1@example.org>\nSubject: [PATCH 1/2]",
        1,
    );
    // v1 of patch 2 had another diff.
    let changed = "From: Ann Author <ann@example.org>\nDate: Mon, 01 Jun 2026 10:01:00 +0000\nSubject: [PATCH 2/2] dma-buf: system_heap: Note the vfree\nMessage-ID: <v1-2@example.org>\n\nSay where.\n\nSigned-off-by: Ann Author <ann@example.org>\n---\ndiff --git a/drivers/dma-buf/heaps/system_heap.c b/drivers/dma-buf/heaps/system_heap.c\n--- a/drivers/dma-buf/heaps/system_heap.c\n+++ b/drivers/dma-buf/heaps/system_heap.c\n@@ -1 +1 @@\n-a\n+b\n";
    let review = |id: &str, parent: &str| {
        format!("From: Rob Review <rob@example.org>\nDate: Tue, 02 Jun 2026 10:00:00 +0000\nSubject: Re: [PATCH] x\nMessage-ID: <{id}>\nIn-Reply-To: <{parent}>\n\n> Say.\nReviewed-by: Rob Review <rob@example.org>\n")
    };
    let mbox: String = [
        unchanged.as_str(),
        changed,
        &review("r1@example.org", "v1-1@example.org"),
        &review("r2@example.org", "v1-2@example.org"),
    ]
    .iter()
    .map(|m| {
        let body = m.strip_prefix("From ").map_or(m.to_string(), |_| {
            m.split_once('\n')
                .map_or(String::new(), |(_, rest)| rest.to_string())
        });
        format!("From mboxrd@z Thu Jan  1 00:00:00 1970\n{body}\n")
    })
    .collect();
    let thread = patchctl::mail::thread::Thread::from_mbox(mbox.as_bytes(), "t").unwrap();
    let state = patchctl::review::derive(&thread, None, &patchctl::review::Rules::default_rules());
    let mut opts = options(&tree, &series);
    opts.review = Some(&state);
    let revised = revise::revise(&opts, &mut std::io::stderr()).unwrap();
    let p1 = fs::read_to_string(&revised.files[1]).unwrap();
    assert!(
        p1.contains("Signed-off-by: Ann Author <ann@example.org>\nReviewed-by: Rob Review <rob@example.org>\nSigned-off-by: Sub Mitter <sub@example.org>\n"),
        "{p1}"
    );
    assert_eq!(p1.matches("Reviewed-by:").count(), 1);
    let p2 = fs::read_to_string(&revised.files[2]).unwrap();
    assert!(!p2.contains("Reviewed-by:"), "the patch changed since v1");
    assert_eq!(revised.notes.len(), 1, "{:?}", revised.notes);
    assert!(
        revised.notes[0].contains("Note the vfree: Reviewed-by: Rob Review <rob@example.org> was given to v1; the patch changed since"),
        "{:?}",
        revised.notes
    );
}

/// With the previous revision's commits in the tree, the cover letter
/// carries `git range-diff` against them, as git itself writes it.
#[test]
fn range_diff_against_the_previous_revision() {
    let tree = kernel_tree();
    git(&tree, &["checkout", "-q", "-b", "old-v1"]);
    edit(
        &tree,
        "\tstruct page **tmp = pages;\n",
        "\tstruct page **tmp = pages; /* slot */\n",
    );
    git(&tree, &["commit", "-q", "-a", "--author=Ann Author <ann@example.org>", "-m",
        "dma-buf: system_heap: Note the next slot\n\nSay what tmp is.\n\nSigned-off-by: Ann Author <ann@example.org>"]);
    git(&tree, &["checkout", "-q", "base"]);
    branch(&tree);
    let series = series_dir();
    let mut opts = options(&tree, &series);
    opts.previous = Some("old-v1".into());
    let revised = revise::revise(&opts, &mut std::io::stderr()).unwrap();
    let cover = fs::read_to_string(&revised.files[0]).unwrap();
    let expected = git(
        &tree,
        &["range-diff", "--no-color", "base..old-v1", "base..work"],
    );
    assert!(
        cover.contains(&format!("Range-diff against v1:\n{expected}")),
        "{cover}"
    );
    assert!(expected.contains("Note the next slot"), "{expected}");
    // A previous revision that is not there is refused, and nothing is left.
    opts.previous = Some("no-such-branch".into());
    let err = revise::revise(&opts, &mut std::io::stderr()).unwrap_err();
    assert!(format!("{err:#}").contains("git range-diff"), "{err:#}");
}

/// get_maintainer.pl and checkpatch.pl get the mail's path as one argument:
/// a series directory whose name is shell syntax runs nothing.
#[test]
fn paths_reach_the_scripts_as_arguments_not_shell() {
    let tree = kernel_tree();
    branch(&tree);
    let parent = series_dir();
    let series = parent.join("s ;touch PWNED; $(touch PWNED2) `touch PWNED3` 'q\"");
    fs::create_dir_all(&series).unwrap();
    fs::copy(parent.join("series.toml"), series.join("series.toml")).unwrap();
    let revised = revise::revise(&options(&tree, &series), &mut std::io::stderr()).unwrap();
    assert_eq!(revised.files.len(), 3);
    for dir in [&tree, &parent, &series, &std::env::current_dir().unwrap()] {
        for marker in ["PWNED", "PWNED2", "PWNED3"] {
            assert!(
                !dir.join(marker).exists(),
                "a shell ran part of a path in {}",
                dir.display()
            );
        }
    }
    // The scripts did run, on those paths: checkpatch gave its verdict.
    assert!(!revised.checkpatch.is_empty());
}
