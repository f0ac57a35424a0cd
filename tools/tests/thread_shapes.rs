//! Thread shapes real lists produce, each in a thread written here: a
//! follow-up that repeats the patch's subject, trailers mangled by HTML
//! mail clients, a cover letter not marked 0/N, patches in plain diff
//! form, a reviewer restating the patch's own trailers, bare addresses,
//! quoted display names and signatures.

use patchctl::mail::thread::Thread;
use patchctl::review::{self, ReviewState, Rules, Standing};

const FILE: &str = "drivers/dma-buf/heaps/system_heap.c";
const AUTHOR: &str = "Ann Author <ann@example.org>";

fn git_diff() -> String {
    format!("---\n a | 1 +\n\ndiff --git a/{FILE} b/{FILE}\n--- a/{FILE}\n+++ b/{FILE}\n@@ -1 +1,2 @@\n x\n+y\n")
}

fn msg(
    id: &str,
    parent: Option<&str>,
    from: &str,
    minute: u32,
    subject: &str,
    body: &str,
) -> String {
    let reply = parent.map_or(String::new(), |p| {
        format!("In-Reply-To: <{p}>\nReferences: <{p}>\n")
    });
    format!(
        "From mboxrd@z Thu Jan  1 00:00:00 1970\nFrom: {from}\nDate: Mon, 01 Jun 2026 10:{minute:02}:00 +0000\nSubject: {subject}\nMessage-ID: <{id}>\n{reply}Content-Type: text/plain; charset=UTF-8\n\n{body}\n"
    )
}

fn state(mbox: &str) -> ReviewState {
    let thread = Thread::from_mbox(mbox.as_bytes(), "shape").unwrap();
    review::derive(&thread, None, &Rules::default_rules())
}

fn patch(id: &str, parent: Option<&str>, subject: &str, minute: u32) -> String {
    msg(
        id,
        parent,
        AUTHOR,
        minute,
        subject,
        &format!("Make it so.\n\nSigned-off-by: {AUTHOR}\n{}", git_diff()),
    )
}

/// Shape 1: A follow-up with the patch's own subject, no "Re:", no diff.
#[test]
fn a_follow_up_with_the_patchs_subject_is_a_reply() {
    let mut t = patch("p@x", None, "[PATCH] heap: speed", 0);
    t += &msg(
        "f@x",
        Some("p@x"),
        "Rob Review <rob@example.org>",
        5,
        "[PATCH] heap: speed",
        "Looks fine to me.\n\nReviewed-by: Rob Review <rob@example.org>\n",
    );
    let s = state(&t);
    assert_eq!(s.series.len(), 1);
    let v1 = &s.series[0].revisions[0];
    assert_eq!(v1.patches.len(), 1, "{:#?}", v1.patches);
    assert_eq!(v1.state, Standing::UnderReview);
    assert!(
        !v1.authors.iter().any(|a| a.contains("rob@")),
        "{:?}",
        v1.authors
    );
    let given: Vec<_> = v1.patches[0]
        .trailers
        .iter()
        .map(|t| t.trailer.kind.as_str())
        .collect();
    assert_eq!(given, ["Reviewed-by"]);
}

/// Shape 2: `Name <a@b<mailto:a@b>>` from an HTML mail client.
#[test]
fn html_mangled_trailers_are_cleaned() {
    let mut t = patch("p@x", None, "[PATCH] heap: speed", 0);
    t += &msg(
        "r@x",
        Some("p@x"),
        "Rob Review <rob@example.org>",
        5,
        "Re: [PATCH] heap: speed",
        "Reviewed-by: Rob Review <rob@example.org<mailto:rob@example.org>>\n",
    );
    let s = state(&t);
    let given = &s.series[0].revisions[0].patches[0].trailers;
    assert_eq!(given.len(), 1);
    assert_eq!(given[0].trailer.email.as_deref(), Some("rob@example.org"));
    assert_eq!(given[0].trailer.value, "Rob Review <rob@example.org>");
    assert!(!given[0].address_differs);
}

/// Shape 3: A cover letter without 0/N: the root has no diff, the patches
/// reply to it; its trailers are for every patch.
#[test]
fn an_unmarked_cover_letter_is_the_cover() {
    let mut t = msg(
        "c@x",
        None,
        AUTHOR,
        0,
        "[PATCH v2] heap: speed it up",
        "Two patches.\n",
    );
    t += &patch("p1@x", Some("c@x"), "[PATCH v2 1/2] heap: one", 1);
    t += &patch("p2@x", Some("c@x"), "[PATCH v2 2/2] heap: two", 2);
    t += &msg(
        "r@x",
        Some("c@x"),
        "Rob Review <rob@example.org>",
        5,
        "Re: [PATCH v2] heap: speed it up",
        "Reviewed-by: Rob Review <rob@example.org>\n",
    );
    let s = state(&t);
    assert_eq!(
        s.series.len(),
        1,
        "{:#?}",
        s.series.iter().map(|x| &x.title).collect::<Vec<_>>()
    );
    let v2 = &s.series[0].revisions[0];
    assert_eq!(s.series[0].title, "heap: speed it up");
    let indexes: Vec<u32> = v2.patches.iter().map(|p| p.index).collect();
    assert_eq!(indexes, [0, 1, 2]);
    for p in &v2.patches {
        assert!(
            p.trailers.iter().any(|t| t.trailer.kind == "Reviewed-by"),
            "patch {}",
            p.index
        );
    }
}

/// Shape 4: A patch in plain diff form, trailing whitespace stripped.
#[test]
fn a_plain_diff_gives_files_and_a_patch_id() {
    let plain = format!(
        "Make it so.\n\nSigned-off-by: {AUTHOR}\n---\n--- a/{FILE}\n+++ b/{FILE}\n@@ -1 +1,2 @@\n x\n+y\n\n"
    );
    let t = msg("p@x", None, AUTHOR, 0, "[PATCH] heap: speed", &plain);
    let s = state(&t);
    let v1 = &s.series[0].revisions[0];
    assert_eq!(v1.files, [FILE]);
    assert!(v1.patches[0].patch_id.is_some());
    // The same change in git form has the same id.
    let git = state(&patch("g@x", None, "[PATCH] heap: speed", 0));
    assert_eq!(
        git.series[0].revisions[0].patches[0].patch_id,
        v1.patches[0].patch_id
    );
}

/// Shape 6: A reviewer restating the patch's trailer block gives nothing new,
/// and status and status --json agree.
#[test]
fn restated_trailers_are_not_collected_again() {
    let mut t = patch("p@x", None, "[PATCH] heap: speed", 0);
    t += &msg(
        "r@x",
        Some("p@x"),
        "Rob Review <rob@example.org>",
        5,
        "Re: [PATCH] heap: speed",
        &format!("Please order them like this:\n\nSigned-off-by: {AUTHOR}\nReviewed-by: Rob Review <rob@example.org>\n"),
    );
    let s = state(&t);
    let given = &s.series[0].revisions[0].patches[0].trailers;
    let kinds: Vec<&str> = given.iter().map(|g| g.trailer.kind.as_str()).collect();
    assert_eq!(kinds, ["Reviewed-by"]);
    let text = review::render(&s);
    let json = serde_json::to_value(&s).unwrap();
    let in_json = json["series"][0]["revisions"][0]["patches"][0]["trailers"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(in_json, 1);
    assert!(
        text.contains("trailers: Reviewed-by: Rob Review <rob@example.org>\n"),
        "{text}"
    );
}

/// Shape 7: Bare addresses are people; quotes inside a name stay; a signature
/// holds no trailers.
#[test]
fn bare_addresses_quoted_names_and_signatures() {
    let mut t = patch("p@x", None, "[PATCH] heap: speed", 0);
    t += &msg(
        "r1@x",
        Some("p@x"),
        "rob@example.org",
        5,
        "Re: [PATCH] heap: speed",
        "Reviewed-by: rob@example.org\n",
    );
    t += &msg(
        "r2@x",
        Some("p@x"),
        "Tess Tester <tess@example.org>",
        6,
        "Re: [PATCH] heap: speed",
        "Tested-by: <tess@example.org>\n",
    );
    t += &msg(
        "r3@x",
        Some("p@x"),
        "\"Jane \\\"JD\\\" Doe\" <jd@example.org>",
        7,
        "Re: [PATCH] heap: speed",
        "Acked-by: Jane \"JD\" Doe <jd@example.org>\n\n-- \nJane\nReviewed-by: Not A Trailer <sig@example.org>\n",
    );
    let s = state(&t);
    let given = &s.series[0].revisions[0].patches[0].trailers;
    let found: Vec<(&str, Option<&str>)> = given
        .iter()
        .map(|g| (g.trailer.kind.as_str(), g.trailer.email.as_deref()))
        .collect();
    assert_eq!(
        found,
        [
            ("Reviewed-by", Some("rob@example.org")),
            ("Tested-by", Some("tess@example.org")),
            ("Acked-by", Some("jd@example.org")),
        ]
    );
    let acked = &given[2];
    assert_eq!(acked.trailer.value, "Jane \"JD\" Doe <jd@example.org>");
    assert!(!given.iter().any(|g| g.address_differs), "{given:#?}");
}

/// Trailers follow the patch, not the subject: a Reviewed-by given to v1
/// carries to v2 when the patch is unchanged, and is shown as "given to
/// v1; the patch changed since" when it is not.
#[test]
fn trailers_follow_the_patch_across_revisions() {
    let changed = format!(
        "Make it so.\n\nSigned-off-by: {AUTHOR}\n---\n\ndiff --git a/{FILE} b/{FILE}\n--- a/{FILE}\n+++ b/{FILE}\n@@ -1 +1,2 @@\n x\n+z\n"
    );
    let mut t = msg(
        "c1@x",
        None,
        AUTHOR,
        0,
        "[PATCH 0/2] heap: speed",
        "Cover.\n",
    );
    t += &patch("a1@x", Some("c1@x"), "[PATCH 1/2] heap: one", 1);
    t += &patch("b1@x", Some("c1@x"), "[PATCH 2/2] heap: two", 2);
    for (id, parent) in [("ra@x", "a1@x"), ("rb@x", "b1@x")] {
        t += &msg(
            id,
            Some(parent),
            "Rob Review <rob@example.org>",
            5,
            "Re: [PATCH] heap",
            "Reviewed-by: Rob Review <rob@example.org>\n",
        );
    }
    t += &msg(
        "c2@x",
        None,
        AUTHOR,
        10,
        "[PATCH v2 0/2] heap: speed",
        "Cover.\n",
    );
    t += &patch("a2@x", Some("c2@x"), "[PATCH v2 1/2] heap: one", 11);
    t += &msg(
        "b2@x",
        Some("c2@x"),
        AUTHOR,
        12,
        "[PATCH v2 2/2] heap: two",
        &changed,
    );
    let s = state(&t);
    assert_eq!(s.series.len(), 1);
    let v2 = &s.series[0].revisions[1];
    assert_eq!(v2.version, 2);
    let one = &v2.patches[1];
    let two = &v2.patches[2];
    assert_eq!(
        one.carried
            .iter()
            .map(|e| (e.version, e.given.trailer.kind.as_str()))
            .collect::<Vec<_>>(),
        [(1, "Reviewed-by")]
    );
    assert!(one.changed_since.is_empty());
    assert!(two.carried.is_empty());
    assert_eq!(two.changed_since.len(), 1);
    let text = review::render(&s);
    assert!(
        text.contains(
            "carried from v1: Reviewed-by: Rob Review <rob@example.org> (the patch is unchanged)"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "given to v1; the patch changed since: Reviewed-by: Rob Review <rob@example.org>"
        ),
        "{text}"
    );
}

/// Shape 5: a partial reroll (v3 of patch 2/2 alone, sent in reply to
/// v2): the series as it stands is v2 1/2 and v3 2/2, the cover's
/// trailers on both; the author's last word on v2 is what the author wrote
/// in review, never the rerolled patch's commit message.
#[test]
fn a_partial_reroll_makes_the_series_view() {
    let changed = format!(
        "Fixed as asked.\n\nSigned-off-by: {AUTHOR}\n---\n\ndiff --git a/{FILE} b/{FILE}\n--- a/{FILE}\n+++ b/{FILE}\n@@ -1 +1,2 @@\n x\n+z\n"
    );
    let mut t = msg(
        "b0@x",
        None,
        AUTHOR,
        0,
        "[PATCH v2 0/2] heap: faster vmap",
        "Two patches.\n",
    );
    t += &patch("b1@x", Some("b0@x"), "[PATCH v2 1/2] heap: one", 1);
    t += &patch("b2@x", Some("b0@x"), "[PATCH v2 2/2] heap: two", 2);
    t += &msg(
        "r1@x",
        Some("b0@x"),
        "Mae Maintainer <mae@example.org>",
        5,
        "Re: [PATCH v2 0/2] heap: faster vmap",
        "Acked-by: Mae Maintainer <mae@example.org>\n",
    );
    t += &msg(
        "r2@x",
        Some("b2@x"),
        "Rob Review <rob@example.org>",
        6,
        "Re: [PATCH v2 2/2] heap: two",
        "Why is y needed?\n",
    );
    t += &msg(
        "a1@x",
        Some("r2@x"),
        AUTHOR,
        7,
        "Re: [PATCH v2 2/2] heap: two",
        "It keeps the slot; v3 of this patch follows.\n",
    );
    t += &msg(
        "c2@x",
        Some("b2@x"),
        AUTHOR,
        8,
        "[PATCH v3 2/2] heap: two",
        &changed,
    );
    let s = state(&t);
    assert_eq!(s.series.len(), 1);
    let series = &s.series[0];
    let versions: Vec<u32> = series.revisions.iter().map(|r| r.version).collect();
    assert_eq!(versions, [2, 3]);
    assert_eq!(series.revisions[0].state, Standing::Superseded);
    let current: Vec<(u32, u32)> = series
        .current
        .iter()
        .map(|p| (p.index, p.version))
        .collect();
    assert_eq!(current, [(1, 2), (2, 3)]);
    for p in &series.current {
        assert!(
            p.trailers.iter().any(|g| g.trailer.kind == "Acked-by"),
            "patch {} lacks the cover's Acked-by",
            p.index
        );
    }
    let last = series.revisions[0].last_author_word.as_ref().unwrap();
    assert_eq!(last.line, "It keeps the slot; v3 of this patch follows.");
}
