//! `patchctl am` as a user runs it: a thread with two revisions
//! (`fixtures/am/two-revisions.mbox`: a v1 with a 0/N cover letter, a v2
//! whose cover letter is only the unmarked root of its thread, trailers
//! given to patches and to cover letters, one with only an address, one
//! not the sender's own, a link in a reply, an unchanged and a changed
//! patch) imported into a scratch `patches/`, the mails applied by the
//! real `git am`, v2 added beside v1, a fetch from a real HTTP server on
//! 127.0.0.1, and inputs that must be refused without writing anything.

mod common;

use std::fs;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use common::{git, patchctl, tempdir};
use patchctl::series::Manifest;

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/am/two-revisions.mbox")
}

/// The tree the fixture's patches were made on, as a git repository.
fn demo_repo() -> PathBuf {
    let dir = tempdir("am-demo");
    fs::create_dir_all(dir.join("lib")).unwrap();
    fs::write(
        dir.join("lib/demo.c"),
        "int demo_a(void)\n{\n\treturn 1;\n}\n\nint demo_b(void)\n{\n\treturn 2;\n}\n",
    )
    .unwrap();
    git(&dir, &["init", "-q", "-b", "master"]);
    git(&dir, &["add", "-A"]);
    git(&dir, &["commit", "-q", "-m", "base"]);
    dir
}

fn am(patches: &Path, args: &[&str]) -> std::process::Output {
    let mut all = vec!["am", "--patches", patches.to_str().unwrap()];
    all.extend_from_slice(args);
    patchctl(Path::new(env!("CARGO_MANIFEST_DIR")), &all, None)
}

fn am_ok(patches: &Path, args: &[&str]) -> String {
    let out = am(patches, args);
    assert!(
        out.status.success(),
        "patchctl am {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The trailer block of a mail: the lines between its last blank line
/// above `---` and `---`.
fn trailers_of(file: &Path) -> Vec<String> {
    let text = fs::read_to_string(file).unwrap();
    let message = text.split("\n---\n").next().unwrap();
    let block = message.rsplit("\n\n").next().unwrap();
    block.lines().map(String::from).collect()
}

fn patch_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| !p.to_string_lossy().contains("0000-cover-letter"))
        .collect();
    files.sort();
    files
}

/// Every file under `dir` with its bytes.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                todo.push(p);
            } else {
                out.push((
                    p.strip_prefix(dir).unwrap().to_path_buf(),
                    fs::read(&p).unwrap(),
                ));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn v1_then_v2_with_trailers_as_b4_collects_them_and_git_am_applies_both() {
    let work = tempdir("am-two");
    let patches = work.join("patches");
    let repo = demo_repo();
    let f = fixture();

    // v1, tried on the workspace's base: the mails name no base commit.
    let out = am_ok(
        &patches,
        &[
            f.to_str().unwrap(),
            "-v",
            "1",
            "--kdir",
            repo.to_str().unwrap(),
        ],
    );
    assert!(out.contains("(a new series)"), "{out}");
    let series = patches.join("demo-two-small-changes");
    let v1 = patch_files(&series.join("v1"));
    assert_eq!(v1.len(), 2);
    // The cover letter's Reviewed-by is every patch's; Mallory's Tested-by
    // names someone else and is left out.
    assert_eq!(
        trailers_of(&v1[0]),
        [
            "Signed-off-by: Ann Author <ann@example.org>",
            "Reviewed-by: Alice Reviewer <alice@example.org>",
            "Reviewed-by: Carol Lead <carol@example.org>",
        ]
    );
    assert_eq!(
        trailers_of(&v1[1]),
        [
            "Signed-off-by: Ann Author <ann@example.org>",
            "Acked-by: Bob Maintainer <bob@example.org>",
            "Reviewed-by: Carol Lead <carol@example.org>",
        ]
    );
    let m = Manifest::load(&series).unwrap();
    let r1 = m.revision("v1").unwrap();
    assert_eq!(r1.message_id.as_deref(), Some("v1-0-ann@example.org"));
    assert_eq!(r1.thread.as_deref(), Some("threads/v1.mbox"));
    assert!(
        r1.base_check.as_deref().unwrap().contains("applies to"),
        "{:?}",
        r1.base_check
    );
    assert!(series.join("threads/v1.mbox").is_file());
    // Every revision of the thread, linked by patch-id.
    assert_eq!(m.posted.len(), 2);
    assert_eq!(m.posted[1].patch[0].same_as.as_deref(), Some("v1 1/2"));
    assert_eq!(m.posted[1].patch[1].same_as, None);
    assert_eq!(m.posted[0].patch[0].patch_id, m.posted[1].patch[0].patch_id);

    // The real git am takes them, trailers and all.
    let mut args = vec!["am", "-q"];
    let names: Vec<String> = v1.iter().map(|p| p.display().to_string()).collect();
    args.extend(names.iter().map(String::as_str));
    git(&repo, &args);
    let log = git(&repo, &["log", "--format=%an <%ae>%n%B", "-2"]);
    assert!(
        log.contains("Reviewed-by: Carol Lead <carol@example.org>"),
        "{log}"
    );
    assert!(
        log.starts_with("Ann Author <ann@example.org>\ndemo: return twenty from demo_b"),
        "{log}"
    );

    // v2 beside v1: nothing that was there changes.
    let before = snapshot(&series);
    let before_toml = fs::read_to_string(series.join("series.toml")).unwrap();
    let out = am_ok(&patches, &[f.to_str().unwrap()]);
    assert!(!out.contains("(a new series)"), "{out}");
    let after = snapshot(&series);
    for (path, bytes) in &before {
        if path != Path::new("series.toml") {
            let now = after.iter().find(|(p, _)| p == path);
            assert_eq!(
                now.map(|(_, b)| b),
                Some(bytes),
                "{} changed",
                path.display()
            );
        }
    }
    let added: Vec<&PathBuf> = after
        .iter()
        .map(|(p, _)| p)
        .filter(|p| !before.iter().any(|(q, _)| q == *p))
        .collect();
    assert!(
        added
            .iter()
            .all(|p| p.starts_with("v2") || *p == Path::new("threads/v2.mbox")),
        "{added:?}"
    );
    // series.toml keeps every line it had, in order, and gains v2.
    let after_toml = fs::read_to_string(series.join("series.toml")).unwrap();
    let mut lines = after_toml.lines();
    for old in before_toml.lines() {
        assert!(
            lines.any(|l| l == old),
            "lost {old:?} from series.toml:\n{after_toml}"
        );
    }
    let m = Manifest::load(&series).unwrap();
    assert_eq!(m.revision.len(), 2);
    assert_eq!(m.posted.len(), 2, "v2 was recorded as posted already");
    assert_eq!(
        m.revision("v2").unwrap().base_commit.as_deref(),
        Some("e760b4582370541a067dc8fa6b70cedb9718d9ef")
    );

    // v2's cover letter is only the root of its thread: its Tested-by,
    // which gives only an address, is every patch's. Alice's Reviewed-by
    // carries over to the unchanged patch 1; Bob's Acked-by does not
    // carry to the changed patch 2, nor Carol's v1 cover trailer to v2.
    // Jane's name stays as she wrote it, quotes and all, and her Link:
    // counts, as in b4 0.16.
    let v2 = patch_files(&series.join("v2"));
    assert_eq!(
        trailers_of(&v2[0]),
        [
            "Signed-off-by: Ann Author <ann@example.org>",
            "Reviewed-by: Alice Reviewer <alice@example.org>",
            "Tested-by: tess@example.net",
        ]
    );
    assert_eq!(
        trailers_of(&v2[1]),
        [
            "Signed-off-by: Ann Author <ann@example.org>",
            "Reviewed-by: \"Doe, Jane\" <Jane.Doe@example.org>",
            "Link: https://lore.kernel.org/r/r2-bob@example.org",
            "Tested-by: tess@example.net",
        ]
    );
    git(&repo, &["checkout", "-q", "-b", "v2", "HEAD~2"]);
    let mut args = vec!["am", "-q"];
    let names: Vec<String> = v2.iter().map(|p| p.display().to_string()).collect();
    args.extend(names.iter().map(String::as_str));
    git(&repo, &args);
    assert!(fs::read_to_string(repo.join("lib/demo.c"))
        .unwrap()
        .contains("return 22;"));

    // The same revision again is refused, and changes nothing.
    let again = snapshot(&series);
    let out = am(&patches, &[f.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("holds v2 already"), "{err}");
    assert_eq!(snapshot(&series), again);
}

#[test]
fn json_names_what_was_written() {
    let patches = tempdir("am-json").join("patches");
    let out = am_ok(
        &patches,
        &[fixture().to_str().unwrap(), "--slug", "demo", "--json"],
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["series"], "demo");
    assert_eq!(v["version"], 2);
    assert_eq!(v["base"]["kind"], "commit");
    assert_eq!(
        v["patches"][2]["added"][0],
        "Reviewed-by: \"Doe, Jane\" <Jane.Doe@example.org>"
    );
    assert_eq!(v["revisions"].as_array().unwrap().len(), 2);
}

/// Serves `body` once per connection, recording each request's path.
fn serve(body: Vec<u8>, connections: usize) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let paths = Arc::new(Mutex::new(Vec::new()));
    let seen = paths.clone();
    std::thread::spawn(move || {
        for _ in 0..connections {
            let Ok((mut conn, _)) = listener.accept() else {
                return;
            };
            let mut request = Vec::new();
            let mut buf = [0u8; 1024];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                match conn.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&buf[..n]),
                }
            }
            let text = String::from_utf8_lossy(&request).into_owned();
            let path = text
                .split_whitespace()
                .nth(1)
                .unwrap_or_default()
                .to_string();
            seen.lock().unwrap().push(path);
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nContent-Type: application/gzip\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = conn.write_all(head.as_bytes());
            let _ = conn.write_all(&body);
        }
    });
    (base, paths)
}

#[test]
fn a_message_id_is_fetched_from_lore_over_http() {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&fs::read(fixture()).unwrap()).unwrap();
    let (base, paths) = serve(gz.finish().unwrap(), 1);
    let patches = tempdir("am-http").join("patches");
    // A review reply's Message-ID names the thread, and the series it is in.
    let url = format!("{base}/all/r6-jane@example.org/");
    let out = am_ok(&patches, &[&url, "--base", &base]);
    assert!(out.contains("v2 of \"demo: two small changes\""), "{out}");
    assert_eq!(
        *paths.lock().unwrap(),
        ["/all/r6-jane@example.org/t.mbox.gz"]
    );
    let series = patches.join("demo-two-small-changes");
    assert_eq!(patch_files(&series.join("v2")).len(), 2);
    // The stored thread is the whole thread, as an mbox.
    let stored = fs::read_to_string(series.join("threads/v2.mbox")).unwrap();
    assert_eq!(stored.matches("\nMessage-ID: <").count(), 12);
}

#[test]
fn bad_input_is_refused_and_nothing_is_written() {
    let work = tempdir("am-bad");
    let patches = work.join("patches");
    let not_mbox = work.join("notes.mbox");
    fs::write(&not_mbox, "Just some notes, not mail.\n").unwrap();
    // Replies only: a thread whose patches are not in the file.
    let fixture_text = fs::read_to_string(fixture()).unwrap();
    let replies: String = fixture_text
        .split_inclusive("From mboxrd@z")
        .collect::<Vec<_>>()
        .join("")
        .split("From mboxrd@z Thu Jan  1 00:00:00 1970\n")
        .filter(|m| m.contains("Subject: Re: "))
        .map(|m| format!("From mboxrd@z Thu Jan  1 00:00:00 1970\n{m}"))
        .collect();
    let only_replies = work.join("replies.mbox");
    fs::write(&only_replies, replies).unwrap();
    // v2 without its second patch.
    let holed: String = fixture_text
        .split("From mboxrd@z Thu Jan  1 00:00:00 1970\n")
        .filter(|m| !m.is_empty() && !m.contains("Message-ID: <v2-2-ann@example.org>"))
        .map(|m| format!("From mboxrd@z Thu Jan  1 00:00:00 1970\n{m}"))
        .collect();
    let holed_file = work.join("holed.mbox");
    fs::write(&holed_file, holed).unwrap();

    for (input, extra, want) in [
        (
            &not_mbox,
            None,
            "is not an mbox: expected an mbox starting with a \"From \" line",
        ),
        (
            &only_replies,
            None,
            "holds no patches: expected mails whose subject carries [PATCH]",
        ),
        (&holed_file, None, "lacks patch 2/2"),
        (
            &fixture(),
            Some("3"),
            "has no v3 in this thread: it holds v1, v2",
        ),
    ] {
        let mut args = vec![input.to_str().unwrap()];
        if let Some(v) = extra {
            args.extend(["-v", v]);
        }
        let out = am(&patches, &args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains(want), "{input:?}: {err}");
        assert!(
            err.contains(input.file_name().unwrap().to_str().unwrap()) || extra.is_some(),
            "the error names the input: {err}"
        );
        assert!(!patches.exists(), "{input:?} wrote {patches:?}");
    }
    // A directory of that name that is not this series: refused, kept.
    fs::create_dir_all(patches.join("demo-two-small-changes")).unwrap();
    fs::write(patches.join("demo-two-small-changes/keep"), "mine").unwrap();
    let out = am(&patches, &[fixture().to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("is not this series"), "{err}");
    assert_eq!(
        snapshot(&patches),
        [(
            PathBuf::from("demo-two-small-changes/keep"),
            b"mine".to_vec()
        )]
    );
}

#[test]
fn the_system_heap_thread_is_held_already_and_imports_fresh_into_a_kernel_tree() {
    let real = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../patches");
    let thread = common::v1_thread();
    // A workspace holding the series (its series.toml only): v1 is there.
    let held = tempdir("am-held").join("patches");
    fs::create_dir_all(held.join("system-heap-vmap")).unwrap();
    fs::copy(
        real.join("system-heap-vmap/series.toml"),
        held.join("system-heap-vmap/series.toml"),
    )
    .unwrap();
    let out = am(&held, &[thread.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("holds v1 already"), "{err}");

    // An empty workspace: a new series, whose one patch git am applies to
    // the kernel's system_heap.c.
    let tree = common::kernel_tree();
    let patches = tempdir("am-real").join("patches");
    am_ok(
        &patches,
        &[
            thread.to_str().unwrap(),
            "--kdir",
            tree.to_str().unwrap(),
            "--slug",
            "system-heap-vmap",
        ],
    );
    let v1 = patch_files(&patches.join("system-heap-vmap/v1"));
    assert_eq!(v1.len(), 1);
    // Its recipients as posted, folded lines and all, for check and
    // send-email to read.
    let mail = fs::read_to_string(&v1[0]).unwrap();
    let headers = &mail[..mail.find("\n\n").unwrap()];
    assert!(headers.contains("\nTo: "), "{headers}");
    assert!(
        headers.contains("\nCc: linux-kernel@vger.kernel.org,\n\t"),
        "{headers}"
    );
    assert!(headers.contains("Sumit Semwal <sumit.semwal@linaro.org>"));
    let m = Manifest::load(&patches.join("system-heap-vmap")).unwrap();
    assert!(m
        .revision("v1")
        .unwrap()
        .base_check
        .as_deref()
        .unwrap()
        .contains("applies to"));
    git(&tree, &["am", "-q", v1[0].to_str().unwrap()]);
    let log = git(&tree, &["log", "-1", "--format=%an%n%s"]);
    assert_eq!(
        log,
        "Xueyuan Chen\ndma-buf: system_heap: Optimize sg_table-to-pages conversion in vmap\n"
    );
}

/// Each patch's subject and trailer block, as the expected file has them.
fn blocks(mails: &[(String, String)]) -> String {
    let mut out = String::new();
    for (subject, body) in mails {
        let message = body.split("\n---\n").next().unwrap().trim_end();
        let block = message.rsplit("\n\n").next().unwrap();
        out.push_str(&format!("\n{subject}\n{block}\n"));
    }
    out
}

/// The mails of an mbox file, as (subject, body).
fn mails_in(path: &Path) -> Vec<(String, String)> {
    let data = fs::read(path).unwrap();
    patchctl::mail::mbox::split(&data)
        .iter()
        .enumerate()
        .map(|(i, raw)| {
            let m = patchctl::mail::thread::parse_mail(raw, i + 1).unwrap();
            (m.subject, m.body)
        })
        .collect()
}

/// b4, when this machine has it: `$B4`, the one `make bench` installs
/// into the cache, or one on PATH.
fn b4() -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("B4").map(PathBuf::from),
        patchctl::sources::cache_dir()
            .ok()
            .map(|c| c.join("venv-b4/bin/b4")),
        Some(PathBuf::from("b4")),
    ];
    candidates.into_iter().flatten().find(|b| {
        std::process::Command::new(b)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

#[test]
fn trailers_match_what_b4_writes() {
    let patches = tempdir("am-b4").join("patches");
    let f = fixture();
    am_ok(&patches, &[f.to_str().unwrap(), "-v", "1"]);
    am_ok(&patches, &[f.to_str().unwrap()]);
    let series = patches.join("demo-two-small-changes");
    let mut ours = Vec::new();
    for v in ["v1", "v2"] {
        for p in patch_files(&series.join(v)) {
            ours.extend(mails_in(&p));
        }
    }
    let ours = blocks(&ours);
    // What b4 0.16.0 wrote, committed beside the mbox.
    let expected: String = fs::read_to_string(f.with_extension("b4-trailers"))
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(ours, expected);

    // And b4 itself, when it is here, on the same mbox.
    let Some(b4) = b4() else {
        eprintln!("b4 not found: compared with the committed b4 0.16.0 output only");
        return;
    };
    let repo = demo_repo();
    let mut theirs = Vec::new();
    for (out, version) in [("out1", Some("1")), ("out2", None)] {
        let mut cmd = std::process::Command::new(&b4);
        cmd.args(["--offline-mode", "-q", "am", "-m"])
            .arg(&f)
            .args(["-o", out])
            .current_dir(&repo);
        if let Some(v) = version {
            cmd.args(["-v", v]);
        }
        let run = cmd.output().unwrap();
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        let mbx = fs::read_dir(repo.join(out))
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|e| e == "mbx"))
            .expect("b4 wrote an .mbx");
        theirs.extend(mails_in(&mbx));
    }
    assert_eq!(ours, blocks(&theirs));
}

#[test]
fn an_am_killed_between_its_renames_is_undone_by_the_next() {
    let f = fixture();
    // What a run that was never killed leaves.
    let clean = tempdir("am-clean").join("patches");
    am_ok(&clean, &[f.to_str().unwrap(), "-v", "1"]);
    am_ok(&clean, &[f.to_str().unwrap()]);
    let want = snapshot(&clean);

    for point in ["am:before-dir", "am:before-manifest"] {
        let patches = tempdir("am-kill").join("patches");
        am_ok(&patches, &[f.to_str().unwrap(), "-v", "1"]);
        let series = patches.join("demo-two-small-changes");
        let toml = fs::read(series.join("series.toml")).unwrap();
        let mut args = vec!["am", "--patches", patches.to_str().unwrap()];
        args.push(f.to_str().unwrap());
        let out = patchctl(Path::new(env!("CARGO_MANIFEST_DIR")), &args, Some(point));
        assert!(!out.status.success(), "{point}: the run was to die");
        // Killed before its commit point: series.toml is as it was.
        assert_eq!(
            fs::read(series.join("series.toml")).unwrap(),
            toml,
            "{point}"
        );
        let out = am_ok(&patches, &[f.to_str().unwrap()]);
        assert!(out.contains("v2 of"), "{point}: {out}");
        assert_eq!(snapshot(&patches), want, "{point}");
    }
}
