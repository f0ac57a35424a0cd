//! `patchctl fetch` against a real HTTP server on 127.0.0.1 that the test
//! starts, serving the series' v1 thread gzipped as lore does, and failing in
//! the ways real servers fail. After every failure the store is as it was.

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::tempdir;

/// One scripted answer.
#[derive(Clone)]
struct Answer {
    status: &'static str,
    body: Vec<u8>,
    /// Claimed length when it differs from the body (a cut-off download).
    claimed_len: Option<usize>,
    delay: Duration,
    /// Send this many bytes of the body, then reset the connection.
    reset_after: Option<usize>,
}

impl Answer {
    fn ok(body: Vec<u8>) -> Answer {
        Answer {
            status: "200 OK",
            body,
            claimed_len: None,
            delay: Duration::ZERO,
            reset_after: None,
        }
    }
    fn status(status: &'static str, body: &str) -> Answer {
        Answer {
            status,
            body: body.as_bytes().to_vec(),
            claimed_len: None,
            delay: Duration::ZERO,
            reset_after: None,
        }
    }
    /// The head and part of the body, then a reset (RST), not a clean close.
    fn reset_mid_body(body: Vec<u8>) -> Answer {
        let half = body.len() / 2;
        Answer {
            reset_after: Some(half),
            ..Answer::ok(body)
        }
    }
}

/// Serves `answers` in order, one per connection; records request paths.
struct Server {
    base: String,
    paths: Arc<Mutex<Vec<String>>>,
}

fn serve(answers: Vec<Answer>) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let paths = Arc::new(Mutex::new(Vec::new()));
    let seen = paths.clone();
    std::thread::spawn(move || {
        for answer in answers {
            let Ok((mut conn, _)) = listener.accept() else {
                return;
            };
            let mut request = Vec::new();
            let mut buf = [0u8; 1024];
            if let Some(sent) = answer.reset_after {
                // Read only the request line: closing a socket with unread
                // data makes the kernel send RST, a reset mid-body.
                let _ = conn.read(&mut buf[..16]);
                seen.lock().unwrap().push("(reset)".into());
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    answer.body.len()
                );
                let _ = conn.write_all(head.as_bytes());
                let _ = conn.write_all(&answer.body[..sent]);
                std::thread::sleep(Duration::from_millis(50));
                drop(conn);
                continue;
            }
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                match conn.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&buf[..n]),
                }
            }
            let line = String::from_utf8_lossy(&request)
                .lines()
                .next()
                .unwrap_or_default()
                .to_string();
            seen.lock().unwrap().push(
                line.split_whitespace()
                    .nth(1)
                    .unwrap_or_default()
                    .to_string(),
            );
            std::thread::sleep(answer.delay);
            let head = format!(
                "HTTP/1.1 {}\r\nContent-Length: {}\r\nContent-Type: application/gzip\r\nConnection: close\r\n\r\n",
                answer.status,
                answer.claimed_len.unwrap_or(answer.body.len())
            );
            let _ = conn.write_all(head.as_bytes());
            let _ = conn.write_all(&answer.body);
        }
    });
    Server { base, paths }
}

fn v1_thread() -> Vec<u8> {
    std::fs::read(common::v1_thread()).unwrap()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

/// The thread without its last message: what lore served before the reply.
fn first_seven() -> Vec<u8> {
    let text = String::from_utf8(v1_thread()).unwrap();
    let last = text.rfind("\nFrom mboxrd@z ").unwrap();
    text.as_bytes()[..last + 1].to_vec()
}

const ROOT: &str = "202604062149.thread-msg-1@system-heap-vmap.invalid";

fn repo() -> PathBuf {
    let dir = tempdir("fetch-repo");
    git2::Repository::init(&dir).unwrap();
    dir
}

fn fetch(repo: &Path, base: &str, extra: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_patchctl"))
        .args(["fetch", ROOT, "--base", base, "--repo"])
        .arg(repo)
        .args(extra)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn store_head(repo: &Path) -> Option<git2::Oid> {
    git2::Repository::open(repo)
        .unwrap()
        .refname_to_id("refs/patchctl/review")
        .ok()
}

#[test]
fn fetches_the_whole_thread_as_lore_serves_it() {
    let server = serve(vec![Answer::ok(gzip(&v1_thread()))]);
    let repo = repo();
    let (code, out, err) = fetch(&repo, &server.base, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("8 new message(s), 8 stored"), "{out}");
    assert_eq!(
        *server.paths.lock().unwrap(),
        vec![format!("/all/{ROOT}/t.mbox.gz")]
    );
    assert!(store_head(&repo).is_some());
}

#[test]
fn a_refetch_adds_only_new_messages() {
    let server = serve(vec![
        Answer::ok(gzip(&first_seven())),
        Answer::ok(gzip(&v1_thread())),
    ]);
    let repo = repo();
    let (code, out, err) = fetch(&repo, &server.base, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("7 new message(s), 7 stored"), "{out}");
    let (code, out, err) = fetch(&repo, &server.base, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("1 new message(s), 8 stored"), "{out}");
    let r = git2::Repository::open(&repo).unwrap();
    let mut walk = r.revwalk().unwrap();
    walk.push_ref("refs/patchctl/review").unwrap();
    assert_eq!(walk.count(), 2, "one commit per update");
}

#[test]
fn server_errors_are_retried_with_backoff() {
    let server = serve(vec![
        Answer::status("500 Internal Server Error", "oops"),
        Answer::status("503 Service Unavailable", "busy"),
        Answer::ok(gzip(&v1_thread())),
    ]);
    let repo = repo();
    let (code, _, err) = fetch(&repo, &server.base, &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(server.paths.lock().unwrap().len(), 3);
    assert!(err.contains("answered 500"), "{err}");
}

#[test]
fn not_found_is_not_retried() {
    let server = serve(vec![
        Answer::status("404 Not Found", "no"),
        Answer::ok(gzip(&v1_thread())),
    ]);
    let repo = repo();
    let (code, _, err) = fetch(&repo, &server.base, &[]);
    assert_eq!(code, 2);
    assert!(err.contains("no such thread"), "{err}");
    assert_eq!(server.paths.lock().unwrap().len(), 1);
    assert_eq!(store_head(&repo), None);
}

/// Each bad download leaves the stored copy exactly as it was.
#[test]
fn bad_downloads_change_nothing() {
    let full = gzip(&v1_thread());
    let mut bomb_data = Vec::new();
    bomb_data.extend_from_slice(b"From x\n");
    bomb_data.resize(300 << 20, b'a');
    let cases: Vec<(&str, Answer)> = vec![
        (
            "truncated or corrupt",
            Answer::ok(full[..full.len() / 2].to_vec()),
        ),
        (
            "an HTML page",
            Answer::ok(b"<!DOCTYPE html><html><body>Error</body></html>".to_vec()),
        ),
        ("gzip bomb", Answer::ok(gzip(&bomb_data))),
        (
            "broke off",
            Answer {
                claimed_len: Some(full.len() * 2),
                ..Answer::ok(full.clone())
            },
        ),
    ];
    let seed = serve(vec![Answer::ok(gzip(&first_seven()))]);
    let repo = repo();
    assert_eq!(fetch(&repo, &seed.base, &[]).0, 0);
    let before = store_head(&repo);
    for (expected, answer) in cases {
        let server = serve(vec![answer.clone(), answer.clone()]);
        let (code, _, err) = fetch(&repo, &server.base, &["--attempts", "2"]);
        assert_eq!(code, 2, "{expected}: {err}");
        assert!(err.contains(expected), "{expected}: {err}");
        assert_eq!(store_head(&repo), before, "{expected}: the store moved");
    }
}

#[test]
fn slow_answers_time_out() {
    let slow = Answer {
        delay: Duration::from_secs(3),
        ..Answer::ok(gzip(&v1_thread()))
    };
    let server = serve(vec![slow.clone(), slow]);
    let repo = repo();
    let (code, _, err) = fetch(&repo, &server.base, &["--timeout", "1", "--attempts", "2"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("giving up after 2 tries"), "{err}");
    assert_eq!(store_head(&repo), None);
}

#[test]
fn offline_uses_only_the_store() {
    let repo = repo();
    let (code, _, err) = fetch(&repo, "http://127.0.0.1:9", &["--offline"]);
    assert_eq!(code, 2);
    assert!(err.contains("is not stored"), "{err}");
    let server = serve(vec![Answer::ok(gzip(&v1_thread()))]);
    assert_eq!(fetch(&repo, &server.base, &[]).0, 0);
    let (code, out, _) = fetch(&repo, "http://127.0.0.1:9", &["--offline"]);
    assert_eq!(code, 0);
    assert!(out.contains("offline"), "{out}");
}

#[test]
fn connection_refused_is_retried_then_named() {
    // A port that was just free: nothing listens there.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let repo = repo();
    let (code, _, err) = fetch(
        &repo,
        &format!("http://127.0.0.1:{port}"),
        &["--attempts", "2"],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("cannot reach"), "{err}");
    assert!(err.contains("giving up after 2 tries"), "{err}");
    assert_eq!(store_head(&repo), None);
}

#[test]
fn a_reset_mid_body_is_retried_and_the_thread_arrives_whole() {
    let full = gzip(&v1_thread());
    let server = serve(vec![Answer::reset_mid_body(full.clone()), Answer::ok(full)]);
    let repo = repo();
    let (code, out, err) = fetch(&repo, &server.base, &["--attempts", "2"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("trying again"), "{err}");
    assert!(out.contains("8 new"), "{out}");
    assert_eq!(server.paths.lock().unwrap().len(), 2);
}

#[test]
fn resets_on_every_try_leave_the_store_as_it_was() {
    let seed = serve(vec![Answer::ok(gzip(&first_seven()))]);
    let repo = repo();
    assert_eq!(fetch(&repo, &seed.base, &[]).0, 0);
    let before = store_head(&repo);
    let full = gzip(&v1_thread());
    let server = serve(vec![
        Answer::reset_mid_body(full.clone()),
        Answer::reset_mid_body(full),
    ]);
    let (code, _, err) = fetch(&repo, &server.base, &["--attempts", "2"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("giving up after 2 tries"), "{err}");
    assert_eq!(store_head(&repo), before, "the store moved");
}
