//! Several threads per series and several series per store: a v2 posted as
//! a new thread under another title joins v1 through the link its cover
//! letter carries; a v3 joins through b4's change-id; an unrelated series
//! stays its own. Fetched one thread at a time, as a user would.

mod common;

use std::path::Path;

use common::{patchctl_ok, tempdir};

const DIFF: &str = "---\n\ndiff --git a/drivers/dma-buf/heaps/system_heap.c b/drivers/dma-buf/heaps/system_heap.c\n--- a/drivers/dma-buf/heaps/system_heap.c\n+++ b/drivers/dma-buf/heaps/system_heap.c\n@@ -1 +1,2 @@\n x\n+y\n";
const AUTHOR: &str = "Ann Author <ann@example.org>";

fn msg(id: &str, parent: Option<&str>, minute: u32, subject: &str, body: &str) -> String {
    let reply = parent.map_or(String::new(), |p| {
        format!("In-Reply-To: <{p}>\nReferences: <{p}>\n")
    });
    format!(
        "From mboxrd@z Thu Jan  1 00:00:00 1970\nFrom: {AUTHOR}\nDate: Mon, 01 Jun 2026 10:{minute:02}:00 +0000\nSubject: {subject}\nMessage-ID: <{id}>\n{reply}\n{body}\n"
    )
}

fn patch(id: &str, parent: Option<&str>, minute: u32, subject: &str) -> String {
    msg(
        id,
        parent,
        minute,
        subject,
        &format!("Change.\n\nSigned-off-by: {AUTHOR}\n{DIFF}"),
    )
}

fn fetch(store: &Path, name: &str, mbox: &str) {
    let file = store.join(name);
    std::fs::write(&file, mbox).unwrap();
    patchctl_ok(
        store,
        &[
            "fetch",
            file.to_str().unwrap(),
            "--repo",
            store.to_str().unwrap(),
        ],
    );
}

#[test]
fn revisions_in_their_own_threads_make_one_series() {
    let store = tempdir("series-threads");
    git2::Repository::init(&store).unwrap();
    fetch(
        &store,
        "v1.mbox",
        &patch("a1@x", None, 0, "[PATCH] heap: speed"),
    );
    let mut v2 = msg(
        "b0@x",
        None,
        10,
        "[PATCH v2 0/2] heap: faster vmap",
        "Split in two.\n\nv1: https://lore.kernel.org/r/a1@x\n\n---\nbase-commit: 0123456789abcdef\nchange-id: 20260601-heap-vmap-1a2b3c\n",
    );
    v2 += &patch("b1@x", Some("b0@x"), 11, "[PATCH v2 1/2] heap: one");
    v2 += &patch("b2@x", Some("b0@x"), 12, "[PATCH v2 2/2] heap: two");
    fetch(&store, "v2.mbox", &v2);
    let mut v3 = msg(
        "c0@x",
        None,
        20,
        "[PATCH v3 0/2] heap: map the table whole",
        "Again.\n\n---\nchange-id: 20260601-heap-vmap-1a2b3c\n",
    );
    v3 += &patch("c1@x", Some("c0@x"), 21, "[PATCH v3 1/2] heap: one");
    v3 += &patch("c2@x", Some("c0@x"), 22, "[PATCH v3 2/2] heap: two");
    fetch(&store, "v3.mbox", &v3);
    fetch(
        &store,
        "other.mbox",
        &patch("o1@x", None, 30, "[PATCH] mm: something else"),
    );

    let out = patchctl_ok(
        &store,
        &["status", "--json", "--repo", store.to_str().unwrap()],
    );
    let state: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let series = state["series"].as_array().unwrap();
    let summary: Vec<(String, Vec<(u64, String)>)> = series
        .iter()
        .map(|s| {
            (
                s["title"].as_str().unwrap().to_string(),
                s["revisions"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| {
                        (
                            r["version"].as_u64().unwrap(),
                            r["state"].as_str().unwrap().to_string(),
                        )
                    })
                    .collect(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                "heap: speed".to_string(),
                vec![
                    (1, "superseded".to_string()),
                    (2, "superseded".to_string()),
                    (3, "new".to_string())
                ]
            ),
            (
                "mm: something else".to_string(),
                vec![(1, "new".to_string())]
            ),
        ]
    );
}

/// A partial reroll: v3 of patch 2/2 alone, sent in reply to v2, belongs
/// to the same series.
#[test]
fn a_partial_reroll_in_reply_to_v2_joins_its_series() {
    let store = tempdir("series-reroll");
    git2::Repository::init(&store).unwrap();
    let mut t = msg(
        "b0@x",
        None,
        10,
        "[PATCH v2 0/2] heap: faster vmap",
        "Two.\n",
    );
    t += &patch("b1@x", Some("b0@x"), 11, "[PATCH v2 1/2] heap: one");
    t += &patch("b2@x", Some("b0@x"), 12, "[PATCH v2 2/2] heap: two");
    t += &patch("c2@x", Some("b2@x"), 20, "[PATCH v3 2/2] heap: two, fixed");
    fetch(&store, "v2.mbox", &t);
    let out = patchctl_ok(
        &store,
        &["status", "--json", "--repo", store.to_str().unwrap()],
    );
    let state: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let series = state["series"].as_array().unwrap();
    assert_eq!(series.len(), 1, "{state:#}");
    let versions: Vec<u64> = series[0]["revisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["version"].as_u64().unwrap())
        .collect();
    assert_eq!(versions, [2, 3]);
}
