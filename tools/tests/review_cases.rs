//! Review state on handwritten threads: a series with a cover letter,
//! trailers for the whole series, a flagged trailer, an open question, a
//! superseded revision, and hostile input that must not panic.

use patchctl::mail::thread::Thread;
use patchctl::review::{self, Rules};

const DIFF: &str = "---\n a | 1 +\n\ndiff --git a/drivers/dma-buf/heaps/system_heap.c b/drivers/dma-buf/heaps/system_heap.c\n--- a/drivers/dma-buf/heaps/system_heap.c\n+++ b/drivers/dma-buf/heaps/system_heap.c\n@@ -1 +1,2 @@\n x\n+y\n";

fn msg(
    id: &str,
    parent: Option<&str>,
    from: &str,
    date: &str,
    subject: &str,
    body: &str,
) -> String {
    let reply = parent.map_or(String::new(), |p| {
        format!("In-Reply-To: <{p}>\nReferences: <{p}>\n")
    });
    format!(
        "From mboxrd@z Thu Jan  1 00:00:00 1970\nFrom: {from}\nDate: {date}\nSubject: {subject}\nMessage-ID: <{id}>\n{reply}Content-Type: text/plain; charset=UTF-8\n\n{body}\n"
    )
}

fn series_thread() -> Vec<u8> {
    let author = "Ann Author <ann@example.org>";
    let mut t = String::new();
    t += &msg(
        "v1@x",
        None,
        author,
        "Mon, 01 Jun 2026 10:00:00 +0000",
        "[PATCH] heap: speed",
        &format!("Old.\n\nSigned-off-by: {author}\n{DIFF}"),
    );
    t += &msg(
        "v2-0@x",
        None,
        author,
        "Mon, 08 Jun 2026 10:00:00 +0000",
        "[PATCH v2 0/2] heap: speed",
        "Cover.\n",
    );
    t += &msg(
        "v2-1@x",
        Some("v2-0@x"),
        author,
        "Mon, 08 Jun 2026 10:00:01 +0000",
        "[PATCH v2 1/2] heap: one",
        &format!("One.\n\nSigned-off-by: {author}\n{DIFF}"),
    );
    t += &msg(
        "v2-2@x",
        Some("v2-0@x"),
        author,
        "Mon, 08 Jun 2026 10:00:02 +0000",
        "[PATCH v2 2/2] heap: two",
        &format!("Two.\n\nSigned-off-by: {author}\n{DIFF}"),
    );
    t += &msg(
        "r1@x",
        Some("v2-0@x"),
        "Rob Review <rob@example.org>",
        "Tue, 09 Jun 2026 09:00:00 +0000",
        "Re: [PATCH v2 0/2] heap: speed",
        "On Mon, Ann wrote:\n> Cover.\n> Reviewed-by: Quoted Person <q@example.org>\n\nFor the series:\nReviewed-by: Rob Review <rob@example.org>\n",
    );
    t += &msg(
        "r2@x",
        Some("v2-2@x"),
        "Zed Proxy <zed@example.org>",
        "Tue, 09 Jun 2026 10:00:00 +0000",
        "Re: [PATCH v2 2/2] heap: two",
        "Acked-by: Other Name <other@example.org>\n",
    );
    t += &msg(
        "q1@x",
        Some("v2-1@x"),
        "Mae Maintainer <mae@example.org>",
        "Wed, 10 Jun 2026 08:00:00 +0000",
        "Re: [PATCH v2 1/2] heap: one",
        "> +y\nWhy is y needed here?\n",
    );
    t.into_bytes()
}

#[test]
fn a_series_with_cover_letter_trailers_and_an_open_question() {
    let thread = Thread::from_mbox(&series_thread(), "series").unwrap();
    let state = review::derive(&thread, None, &Rules::default_rules());
    // v1 and v2's cover letter share the title: one series, two revisions.
    assert_eq!(state.series.len(), 1);
    let revisions = &state.series[0].revisions;
    assert_eq!(
        revisions
            .iter()
            .map(|r| (r.version, r.state.as_str()))
            .collect::<Vec<_>>()[0],
        (1, "superseded")
    );
    let v2 = revisions.iter().find(|r| r.version == 2).unwrap();
    assert_eq!(v2.state.as_str(), "under_review");
    assert_eq!(v2.patches.len(), 3);
    for p in v2.patches.iter().filter(|p| p.index > 0) {
        let reviewed: Vec<_> = p
            .trailers
            .iter()
            .filter(|t| t.trailer.kind == "Reviewed-by")
            .collect();
        assert_eq!(
            reviewed.len(),
            1,
            "patch {}: a trailer on the cover applies to all",
            p.index
        );
        assert_eq!(
            reviewed[0].trailer.email.as_deref(),
            Some("rob@example.org")
        );
        assert!(!reviewed[0].address_differs);
    }
    let acked: Vec<_> = v2.patches[2]
        .trailers
        .iter()
        .filter(|t| t.trailer.kind == "Acked-by")
        .collect();
    assert_eq!(acked.len(), 1);
    assert!(
        acked[0].address_differs,
        "given by zed@ for other@: kept, flagged"
    );
    assert!(v2.patches[1]
        .trailers
        .iter()
        .all(|t| t.trailer.kind != "Acked-by"));
    assert_eq!(v2.open_questions.len(), 1);
    assert_eq!(v2.open_questions[0].line, "Why is y needed here?");
    assert_eq!(v2.open_questions[0].name, "Mae Maintainer");
    assert!(review::render(&state).contains("address differs from sender"));
}

#[test]
fn a_newer_revision_supersedes() {
    let author = "Ann Author <ann@example.org>";
    let mut t = String::new();
    t += &msg(
        "a1@x",
        None,
        author,
        "Mon, 01 Jun 2026 10:00:00 +0000",
        "[PATCH] heap: speed",
        &format!("x\n{DIFF}"),
    );
    t += &msg(
        "a2@x",
        None,
        author,
        "Mon, 08 Jun 2026 10:00:00 +0000",
        "[PATCH v2] heap: speed",
        &format!("x\n{DIFF}"),
    );
    let thread = Thread::from_mbox(t.as_bytes(), "t").unwrap();
    let state = review::derive(&thread, None, &Rules::default_rules());
    let states: Vec<(u32, &str)> = state.series[0]
        .revisions
        .iter()
        .map(|r| (r.version, r.state.as_str()))
        .collect();
    assert_eq!(states, vec![(1, "superseded"), (2, "new")]);
    // The same change in both revisions: the same patch-id.
    assert_eq!(
        state.series[0].revisions[0].patches[0].patch_id,
        state.series[0].revisions[1].patches[0].patch_id
    );
    assert!(state.series[0].revisions[0].patches[0].patch_id.is_some());
}

#[test]
fn hostile_input_gives_errors_not_panics() {
    let long_line = "x".repeat(2_000_000);
    let inputs: Vec<Vec<u8>> = vec![
        b"".to_vec(),
        b"\x00\xff\xfe".to_vec(),
        b"From x\n".to_vec(),
        b"From x\nFrom: a\n\n".to_vec(),
        format!("From x\nMessage-ID: <a@b>\nSubject: {long_line}\n\n{long_line}\n").into_bytes(),
        b"From x\nMessage-ID: <../../etc/passwd@x>\nIn-Reply-To: <../../etc/passwd@x>\nReferences: <../../etc/passwd@x>\nSubject: [PATCH\n\nbody\n".to_vec(),
        b"From x\nMessage-ID: <a@b>\nContent-Type: text/plain; charset=x-no-such-charset\nSubject: =?x-bad?Q?=FF?=\n\n\xff\xfe body\n".to_vec(),
        b"From x\nMessage-ID: <a@b>\nContent-Type: multipart/mixed; boundary=\"never-closed\"\n\n--never-closed\nContent-Type: text/plain\n\nhi\n".to_vec(),
    ];
    for data in inputs {
        if let Ok(thread) = Thread::from_mbox(&data, "hostile") {
            let _ = review::render(&review::derive(&thread, None, &Rules::default_rules()));
        }
    }
}

#[test]
fn bad_rules_are_named() {
    let err = Rules::parse("verdict = 3", "my-rules.toml")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("my-rules.toml is not a valid rules file"),
        "{err}"
    );
}
