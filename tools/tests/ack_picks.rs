//! Android picks of the real v1 onto a small tree holding the real
//! 6.12.117 system_heap.c, checked against the real git.

mod common;

use std::fs;
use std::path::Path;
use std::process::Command;

use common::{kernel_tree, tempdir};
use patchctl::kernel::checkout::Checkout;
use patchctl::series::ack::{self, AckOptions, Kind, Pick};
use patchctl::series::revision;

fn v1() -> Checkout {
    revision::resolve(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../patches/system-heap-vmap"),
        "v1",
    )
    .unwrap()
}

fn git(dir: &Path, args: &[&str], stdin: Option<&str>) -> String {
    use std::io::Write;
    let mut child = Command::new("git")
        .args(args)
        .current_dir(dir)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.unwrap_or("").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "git {args:?}");
    String::from_utf8(out.stdout).unwrap()
}

const MSGID: &str = "202604062149.thread-msg-1@system-heap-vmap.invalid";

#[test]
fn fromlist_pick_with_a_gerrit_change_id() {
    let tree = kernel_tree();
    let base = git2::Repository::open(&tree).unwrap();
    let out = tempdir("android").join("android");
    let rev = v1();
    let opts = AckOptions {
        base: &base,
        onto: "base",
        revision: &rev,
        picks: vec![Pick::new(Kind::FromList, Some(MSGID.into()), "test")],
        bug: "123456789",
        picker: ("Pat Picker", "pat@example.org"),
        out: &out,
        branch: Some("android-pick"),
        scratch: &tempdir("scratch"),
        lore: "https://lore.kernel.org",
    };
    let files = ack::ack(&opts, &mut std::io::stderr()).unwrap();
    assert_eq!(files.len(), 1);
    let text = fs::read_to_string(&files[0]).unwrap();
    assert!(text.contains("Subject: [PATCH] FROMLIST: dma-buf: system_heap: Optimize sg_table-to-pages conversion in"), "{text}");
    assert!(
        text.contains("From: Xueyuan Chen <Xueyuan.chen21@gmail.com>"),
        "the author stays"
    );
    let tail = "Signed-off-by: Barry Song (Xiaomi) <baohua@kernel.org>\n\nBug: 123456789\nLink: https://lore.kernel.org/r/202604062149.thread-msg-1@system-heap-vmap.invalid\nChange-Id: I";
    assert!(text.contains(tail), "{text}");
    assert!(
        text.contains("\nSigned-off-by: Pat Picker <pat@example.org>\n---\n"),
        "{text}"
    );

    // The Change-Id is what Gerrit's hook computes for this commit: the
    // same input, hashed by the real git.
    let head = git(&tree, &["rev-parse", "android-pick"], None);
    let raw = git(&tree, &["cat-file", "commit", head.trim()], None);
    let (headers, message) = raw.split_once("\n\n").unwrap();
    let change_id = message
        .lines()
        .find_map(|l| l.strip_prefix("Change-Id: "))
        .unwrap()
        .to_string();
    let without: String = message
        .lines()
        .filter(|l| !l.starts_with("Change-Id: "))
        .map(|l| format!("{l}\n"))
        .collect();
    let input = format!("{headers}\n\n{without}");
    let hashed = git(
        &tree,
        &["hash-object", "-t", "blob", "--stdin"],
        Some(&input),
    );
    assert_eq!(change_id, format!("I{}", hashed.trim()));

    // It applies to the base with git am, and the branch is never rewritten.
    let clone = tempdir("am");
    git(&clone, &["clone", "-q", tree.to_str().unwrap(), "."], None);
    git(&clone, &["checkout", "-q", "base"], None);
    git(
        &clone,
        &[
            "-c",
            "user.name=T",
            "-c",
            "user.email=t@x",
            "am",
            "-q",
            files[0].to_str().unwrap(),
        ],
        None,
    );
    let err = ack::ack(&opts, &mut std::io::stderr())
        .unwrap_err()
        .to_string();
    assert!(err.contains("branch android-pick exists already"), "{err}");
    assert_eq!(git(&tree, &["rev-parse", "android-pick"], None), head);
}

#[test]
fn fromlist_needs_its_links_and_a_bug() {
    let tree = kernel_tree();
    let base = git2::Repository::open(&tree).unwrap();
    let out = tempdir("android").join("android");
    let rev = v1();
    let scratch = tempdir("scratch");
    let mut opts = AckOptions {
        base: &base,
        onto: "base",
        revision: &rev,
        picks: vec![Pick::new(Kind::FromList, None, "test")],
        bug: "1",
        picker: ("Pat Picker", "pat@example.org"),
        out: &out,
        branch: None,
        scratch: &scratch,
        lore: "https://lore.kernel.org",
    };
    assert!(ack::ack(&opts, &mut std::io::stderr())
        .unwrap_err()
        .to_string()
        .contains("one lore Message-ID per patch"));
    opts.picks = vec![Pick::new(Kind::FromList, Some(MSGID.into()), "test")];
    opts.bug = " ";
    assert!(ack::ack(&opts, &mut std::io::stderr())
        .unwrap_err()
        .to_string()
        .contains("needs --bug"));
    assert!(!out.exists());
    // An UPSTREAM pick names the upstream commit; no branch is left behind.
    opts.bug = "7";
    opts.picks = vec![Pick::new(
        Kind::Upstream {
            sha: "0123456789abcdef0123456789abcdef01234567".into(),
        },
        Some(MSGID.into()),
        "test",
    )];
    let files = ack::ack(&opts, &mut std::io::stderr()).unwrap();
    let text = fs::read_to_string(&files[0]).unwrap();
    assert!(text.contains("UPSTREAM: dma-buf"), "{text}");
    assert!(text.contains("(cherry picked from commit 0123456789abcdef0123456789abcdef01234567)\nBug: 7\nChange-Id: I"), "{text}");
    // Picked again: the same Change-Id, so Gerrit sees a new patch set.
    let id = |t: &str| {
        t.lines()
            .find(|l| l.starts_with("Change-Id: "))
            .unwrap()
            .to_string()
    };
    let again = ack::ack(&opts, &mut std::io::stderr()).unwrap();
    assert_eq!(id(&fs::read_to_string(&again[0]).unwrap()), id(&text));
    let branches = git(&tree, &["branch", "--list"], None);
    assert!(!branches.contains("patchctl/"), "{branches}");
}
