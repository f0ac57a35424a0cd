//! Landed upstream: a real git tree built here (the small 6.12 tree plus
//! commits and tags), the v1 thread in a review store, and `status --tree`
//! finding v1 by its patch-id (or only by subject, said so), with the
//! first tag that contains it; `ack --kind upstream` takes that commit
//! without being told.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::{git, kernel_tree, patchctl_ok, tempdir};

fn series() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../patches/system-heap-vmap")
}

fn v1_patch() -> PathBuf {
    let dir = series().join("v1");
    fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "patch"))
        .unwrap()
}

/// The small tree with v1 applied by `git am`, a later commit, and tags
/// after each; returns the tree and v1's commit there.
fn upstream_with_v1() -> (PathBuf, String) {
    let tree = kernel_tree();
    git(&tree, &["am", "-q", v1_patch().to_str().unwrap()]);
    let landed = git(&tree, &["rev-parse", "HEAD"]).trim().to_string();
    fs::write(tree.join("README"), "later\n").unwrap();
    git(&tree, &["commit", "-q", "-a", "-m", "README: later"]);
    git(&tree, &["tag", "-a", "-m", "rc1", "v6.13-rc1"]);
    fs::write(tree.join("README"), "later still\n").unwrap();
    git(&tree, &["commit", "-q", "-a", "-m", "README: later still"]);
    git(&tree, &["tag", "v6.13"]);
    (tree, landed)
}

fn store_with_v1() -> PathBuf {
    let store = tempdir("landed-store");
    git2::Repository::init(&store).unwrap();
    patchctl_ok(
        &store,
        &[
            "fetch",
            common::v1_thread().to_str().unwrap(),
            "--repo",
            store.to_str().unwrap(),
        ],
    );
    store
}

fn status_json(store: &Path, tree: &Path) -> serde_json::Value {
    let out = patchctl_ok(
        store,
        &[
            "status",
            "--json",
            "--repo",
            store.to_str().unwrap(),
            "--tree",
            tree.to_str().unwrap(),
        ],
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn status_finds_the_landed_commit_and_its_first_tag() {
    let (tree, landed) = upstream_with_v1();
    let store = store_with_v1();
    let state = status_json(&store, &tree);
    let v1 = &state["series"][0]["revisions"][0];
    assert_eq!(v1["state"], "accepted", "{v1:#}");
    let l = &v1["patches"][0]["landed"];
    assert_eq!(l["commit"], landed.as_str());
    assert_eq!(l["tag"], "v6.13-rc1");
    assert_eq!(l["matched_by"], "patch_id");
    let text = patchctl_ok(
        &store,
        &[
            "status",
            "--repo",
            store.to_str().unwrap(),
            "--tree",
            tree.to_str().unwrap(),
        ],
    );
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("v1: accepted"), "{text}");
    assert!(
        text.contains(&format!("landed: {}", &landed[..12])),
        "{text}"
    );
    assert!(text.contains("first in v6.13-rc1"), "{text}");
}

#[test]
fn a_changed_diff_is_found_by_subject_and_said_so() {
    let tree = kernel_tree();
    // The same subject, another change: what a maintainer's edit looks like.
    let heap = tree.join("drivers/dma-buf/heaps/system_heap.c");
    let text = fs::read_to_string(&heap).unwrap();
    fs::write(
        &heap,
        text.replacen(
            "\tstruct page **tmp = pages;",
            "\tstruct page **tmp = pages; /* edited */",
            1,
        ),
    )
    .unwrap();
    git(
        &tree,
        &[
            "commit",
            "-q",
            "-a",
            "-m",
            "dma-buf: system_heap: Optimize sg_table-to-pages conversion in vmap",
        ],
    );
    let store = store_with_v1();
    let state = status_json(&store, &tree);
    let l = &state["series"][0]["revisions"][0]["patches"][0]["landed"];
    assert_eq!(l["matched_by"], "subject", "{l:#}");
    assert!(l["tag"].is_null());
    let out = patchctl_ok(
        &store,
        &[
            "status",
            "--repo",
            store.to_str().unwrap(),
            "--tree",
            tree.to_str().unwrap(),
        ],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("found by subject: the diff was changed on the way in"),
        "{text}"
    );
    assert!(text.contains("in no tag yet"), "{text}");
}

#[test]
fn an_upstream_pick_takes_the_landed_commit() {
    let (upstream, landed) = upstream_with_v1();
    let ack_tree = kernel_tree();
    let work = tempdir("landed-ack").join("system-heap-vmap");
    fs::create_dir_all(work.join("v1")).unwrap();
    fs::copy(series().join("series.toml"), work.join("series.toml")).unwrap();
    fs::copy(
        v1_patch(),
        work.join("v1").join(v1_patch().file_name().unwrap()),
    )
    .unwrap();
    let out = patchctl_ok(
        &ack_tree,
        &[
            "ack",
            "--revision",
            "v1",
            "--bug",
            "123456789",
            "--kind",
            "upstream",
            "--tree",
            upstream.to_str().unwrap(),
            "--picker",
            "Pat Picker <pat@example.org>",
            "--onto",
            "base",
            "--kdir",
            ack_tree.to_str().unwrap(),
            "--series",
            work.to_str().unwrap(),
        ],
    );
    let pick = String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .unwrap()
        .to_string();
    let text = fs::read_to_string(pick.trim()).unwrap();
    assert!(
        text.contains("Subject: [PATCH] UPSTREAM: dma-buf: system_heap:"),
        "{text}"
    );
    assert!(
        text.contains(&format!("(cherry picked from commit {landed})")),
        "{text}"
    );
}
