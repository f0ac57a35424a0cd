//! Killing patchctl at every point that matters: during `fetch` (the review
//! store), `revise` (the next revision's files and series.toml) and `ack`
//! (the Android picks and their branch). After each kill every ref and
//! file is as before or as after, never between; the next run completes.
//!
//! Points are named with PATCHCTL_FAILPOINT (the process aborts there, as
//! a kill would: no destructor, no cleanup); `fetch` is also killed with
//! SIGKILL at staggered moments.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use common::{git, kernel_tree, patchctl, tempdir};

fn died(out: &Output) -> bool {
    !out.status.success() && out.status.code().is_none()
}

fn store_head(repo: &Path) -> Option<git2::Oid> {
    git2::Repository::open(repo)
        .unwrap()
        .refname_to_id("refs/patchctl/review")
        .ok()
}

/// Messages in the store's threads: a store is whole or absent.
fn stored_messages(repo: &Path) -> usize {
    let r = git2::Repository::open(repo).unwrap();
    let store = patchctl::review::store::Store::new(&r);
    store
        .threads()
        .unwrap()
        .iter()
        .map(|t| patchctl::mail::mbox::split(&t.mbox).len())
        .sum()
}

#[test]
fn fetch_killed_at_each_point() {
    let work = tempdir("kill-fetch");
    git2::Repository::init(&work).unwrap();
    let thread = common::v1_thread();
    let thread = thread.to_str().unwrap();
    for (point, stored) in [("store:before-ref", false), ("store:after-ref", true)] {
        let before = store_head(&work);
        let out = patchctl(&work, &["fetch", thread], Some(point));
        assert!(
            died(&out),
            "{point}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        if stored {
            assert_ne!(store_head(&work), before, "{point}: the update is lost");
            assert_eq!(stored_messages(&work), 8);
        } else {
            assert_eq!(store_head(&work), before, "{point}: the ref moved");
        }
    }
    // Refetching is a no-op now, and the store reads whole.
    let out = patchctl(&work, &["fetch", thread], None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stored_messages(&work), 8);
}

#[test]
fn fetch_killed_with_sigkill_at_staggered_moments() {
    let thread = common::v1_thread();
    let mut whole = 0;
    let mut absent = 0;
    for delay_ms in (0..60).step_by(4) {
        let work = tempdir("sigkill-fetch");
        git2::Repository::init(&work).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_patchctl"))
            .arg("fetch")
            .arg(&thread)
            .current_dir(&work)
            .env_remove("PATCHCTL_FAILPOINT")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        match store_head(&work) {
            None => absent += 1,
            Some(_) => {
                assert_eq!(
                    stored_messages(&work),
                    8,
                    "a partial store after {delay_ms} ms"
                );
                whole += 1;
            }
        }
        let _ = fs::remove_dir_all(&work);
    }
    eprintln!("SIGKILL: {absent} runs left no store, {whole} a whole one, none anything between");
}

/// A kernel tree with a two-commit branch, and a series at v1.
fn revise_setup() -> (PathBuf, PathBuf, PathBuf) {
    let tree = kernel_tree();
    git(&tree, &["checkout", "-q", "-b", "work"]);
    for (n, text) in [(1, "one"), (2, "two")] {
        let p = tree.join("drivers/dma-buf/heaps/system_heap.c");
        let s = fs::read_to_string(&p).unwrap();
        fs::write(
            &p,
            s.replacen(
                "\tvoid *vaddr;\n",
                &format!("\tvoid *vaddr; /* {text} */\n"),
                1,
            ),
        )
        .unwrap();
        git(&tree, &["commit", "-q", "-a", "--author=Ann Author <ann@example.org>", "-m",
            &format!("dma-buf: system_heap: Note {n}\n\nNote {text}.\n\nSigned-off-by: Ann Author <ann@example.org>")]);
    }
    let series = tempdir("kill-series");
    fs::write(
        series.join("series.toml"),
        "name = \"t\"\nsubject = \"t\"\n\n[[revision]]\nversion = 1\ndirectory = \"v1\"\nmessage_id = \"v1-id@example.org\"\n",
    )
    .unwrap();
    let cover = tempdir("kill-cover").join("cover.txt");
    fs::write(&cover, "dma-buf: system_heap: Notes\n\nTwo notes.\n").unwrap();
    (tree, series, cover)
}

fn listing(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.') && !n.ends_with(".revise-pending"))
        .collect();
    out.sort();
    out
}

#[test]
fn revise_killed_at_each_point() {
    for point in ["revise:before-dir", "revise:before-manifest"] {
        let (tree, series, cover) = revise_setup();
        let manifest = fs::read_to_string(series.join("series.toml")).unwrap();
        let args = [
            "revise",
            "--tree",
            tree.to_str().unwrap(),
            "--base",
            "base",
            "--head",
            "work",
            "--series",
            series.to_str().unwrap(),
            "--change",
            "say more",
            "--cover",
            cover.to_str().unwrap(),
            "--repo",
            tree.to_str().unwrap(),
        ];
        let out = patchctl(&series, &args, Some(point));
        assert!(
            died(&out),
            "{point}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            fs::read_to_string(series.join("series.toml")).unwrap(),
            manifest,
            "{point}: series.toml changed"
        );
        // The next run undoes what the killed one left and completes.
        let out = patchctl(&series, &args, None);
        assert!(
            out.status.success(),
            "{point}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(listing(&series), ["series.toml", "v2"], "{point}");
        assert_eq!(
            fs::read_dir(series.join("v2")).unwrap().count(),
            3,
            "{point}"
        );
        let text = fs::read_to_string(series.join("series.toml")).unwrap();
        assert_eq!(
            text.matches("directory = \"v2\"").count(),
            1,
            "{point}: {text}"
        );
    }
}

fn branches(repo: &Path) -> Vec<String> {
    let mut out: Vec<String> = git(repo, &["for-each-ref", "--format=%(refname)", "refs/heads"])
        .lines()
        .map(String::from)
        .collect();
    out.sort();
    out
}

#[test]
fn ack_killed_at_each_point() {
    let v1 = Path::new(env!("CARGO_MANIFEST_DIR")).join("../patches/system-heap-vmap");
    for point in ["ack:before-branch", "ack:between-renames"] {
        let tree = kernel_tree();
        let series = tempdir("kill-ack").join("system-heap-vmap");
        fs::create_dir_all(series.join("v1")).unwrap();
        fs::copy(v1.join("series.toml"), series.join("series.toml")).unwrap();
        for e in fs::read_dir(v1.join("v1")).unwrap() {
            let e = e.unwrap();
            fs::copy(e.path(), series.join("v1").join(e.file_name())).unwrap();
        }
        let refs_before = branches(&tree);
        let args = [
            "ack",
            "--revision",
            "v1",
            "--bug",
            "123456789",
            "--picker",
            "Pat Picker <pat@example.org>",
            "--branch",
            "android-pick",
            "--onto",
            "base",
            "--kdir",
            tree.to_str().unwrap(),
            "--series",
            series.to_str().unwrap(),
        ];
        let out = patchctl(&tree, &args, Some(point));
        assert!(
            died(&out),
            "{point}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let user_refs: Vec<String> = branches(&tree)
            .into_iter()
            .filter(|r| !r.starts_with("refs/heads/patchctl/patchctl-ack-"))
            .collect();
        assert_eq!(
            user_refs, refs_before,
            "{point}: a branch appeared half made"
        );
        // Picks are whole (the files go in before the branch) or not there.
        let android = series.join("android");
        if point == "ack:before-branch" {
            assert_eq!(fs::read_dir(&android).unwrap().count(), 1, "{point}");
        } else {
            assert!(!android.exists(), "{point}: half-swapped picks");
        }
        // The next run clears the scratch and makes the picks whole.
        let out = patchctl(&tree, &args, None);
        assert!(
            out.status.success(),
            "{point}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut want = refs_before.clone();
        want.push("refs/heads/android-pick".into());
        want.sort();
        assert_eq!(branches(&tree), want, "{point}: scratch branches were left");
        assert_eq!(
            fs::read_dir(series.join("android")).unwrap().count(),
            1,
            "{point}"
        );
    }
}
