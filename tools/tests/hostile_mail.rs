//! Hostile mail through `patchctl fetch` and `status`: header injection
//! by encoded words, Message-IDs shaped like paths, duplicate Message-IDs,
//! reply loops, absurd lines and charsets. Nothing escapes the store,
//! nothing loops, no decoded header keeps a line break.

mod common;

use std::path::Path;

use common::{patchctl_ok, tempdir};
use patchctl::mail::thread::Thread;
use patchctl::review::{self, Rules};

fn mail(id: &str, headers: &str, body: &str) -> String {
    format!(
        "From mboxrd@z Thu Jan  1 00:00:00 1970\nMessage-ID: <{id}>\nDate: Mon, 6 Apr 2026 21:49:00 +0000\n{headers}\n\n{body}\n\n"
    )
}

/// A thread with every kind of hostile header the issue names.
fn hostile_thread() -> String {
    let long = "x".repeat(300_000);
    [
        mail(
            "root@x",
            "From: =?UTF-8?Q?Evil=0D=0ABcc:_victim@example.org?= <evil@example.org>\nSubject: =?UTF-8?Q?[PATCH]_a=0D=0ABcc:_victim@example.org?=",
            "the patch\n",
        ),
        // A Message-ID that looks like a path, replying to the root.
        mail(
            "../../../../tmp/escaped@x",
            "From: P <p@x>\nSubject: Re: [PATCH] a\nIn-Reply-To: <root@x>",
            "NAK\n",
        ),
        // The same Message-ID twice with different text: kept once.
        mail("dup@x", "From: D <d@x>\nSubject: Re: [PATCH] a\nIn-Reply-To: <root@x>", "first\n"),
        mail("dup@x", "From: D <d@x>\nSubject: Re: [PATCH] a\nIn-Reply-To: <root@x>", "second\n"),
        // A reply loop through References, and a mail that answers itself.
        mail("loop-a@x", "From: A <a@x>\nSubject: Re: [PATCH] a\nReferences: <loop-b@x>", "a\n"),
        mail("loop-b@x", "From: B <b@x>\nSubject: Re: [PATCH] a\nReferences: <loop-a@x>", "b\n"),
        mail("self@x", "From: S <s@x>\nSubject: Re: [PATCH] a\nIn-Reply-To: <self@x>\nReferences: <self@x>", "s\n"),
        // An absurd header and body line, and a charset nobody knows.
        mail(
            "long@x",
            &format!("From: L <l@x>\nSubject: Re: [PATCH] {long}\nX-Junk: {long}\nContent-Type: text/plain; charset=x-unknown-charset"),
            &long,
        ),
    ]
    .concat()
}

#[test]
fn decoded_headers_keep_no_line_break() {
    let thread = Thread::from_mbox(hostile_thread().as_bytes(), "hostile.mbox").unwrap();
    let root = thread.get("root@x").expect("the root is parsed");
    for text in [&root.from_name, &root.subject, &root.from_email] {
        assert!(
            !text.contains(['\r', '\n']),
            "a line break survived: {text:?}"
        );
    }
    assert!(root.from_name.contains("Evil"), "{:?}", root.from_name);
    let rendered = review::render(&review::derive(&thread, None, &Rules::default_rules()));
    assert!(
        !rendered.lines().any(|l| l.trim_start().starts_with("Bcc:")),
        "an injected header line reached the summary:\n{rendered}"
    );
}

#[test]
fn duplicates_are_kept_once_and_loops_end() {
    let thread = Thread::from_mbox(hostile_thread().as_bytes(), "hostile.mbox").unwrap();
    let dups: Vec<_> = thread
        .mails
        .iter()
        .filter(|m| m.message_id == "dup@x")
        .collect();
    assert_eq!(dups.len(), 1);
    assert!(dups[0].body.contains("first"), "the first copy wins");
    for m in &thread.mails {
        let chain = thread.ancestors(&m.message_id);
        assert!(chain.len() < thread.mails.len(), "{} loops", m.message_id);
        assert!(
            chain.iter().all(|a| a.message_id != m.message_id),
            "{} is its own ancestor",
            m.message_id
        );
    }
    assert_eq!(thread.get("self@x").unwrap().parent, None);
}

/// Through the command line into a real repository: every stored path is a
/// plain file under threads/, whatever the Message-IDs look like, and no
/// file appears where a path-like Message-ID points.
#[test]
fn nothing_escapes_the_store() {
    let work = tempdir("hostile-store");
    let repo_dir = work.join("repo");
    git2::Repository::init(&repo_dir).unwrap();
    let mbox = work.join("hostile.mbox");
    std::fs::write(&mbox, hostile_thread()).unwrap();
    let repo_arg = repo_dir.to_str().unwrap();
    patchctl_ok(
        &work,
        &["fetch", mbox.to_str().unwrap(), "--repo", repo_arg],
    );
    assert!(!Path::new("/tmp/escaped@x").exists());
    // The working directory holds what it held: the repository and the mbox.
    let mut here: Vec<String> = std::fs::read_dir(&work)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    here.sort();
    assert_eq!(
        here,
        ["hostile.mbox", "repo"],
        "fetch wrote beside the repository"
    );

    let repo = git2::Repository::open(&repo_dir).unwrap();
    let head = repo.refname_to_id("refs/patchctl/review").unwrap();
    let tree = repo.find_commit(head).unwrap().tree().unwrap();
    let mut paths = Vec::new();
    tree.walk(git2::TreeWalkMode::PreOrder, |dir, entry| {
        paths.push(format!("{dir}{}", entry.name().unwrap_or("?")));
        git2::TreeWalkResult::Ok
    })
    .unwrap();
    for p in &paths {
        assert!(
            p == "threads"
                || p == "state.json"
                || p.starts_with("threads/") && p.matches('/').count() == 1,
            "a stored path outside threads/: {p:?}"
        );
        assert!(!p.contains(".."), "{p:?}");
    }

    let status = patchctl_ok(&work, &["status", "--repo", repo_arg]);
    let text = String::from_utf8_lossy(&status.stdout);
    assert!(
        !text.lines().any(|l| l.trim_start().starts_with("Bcc:")),
        "{text}"
    );
}
