//! The review state of the real v1 thread (the series' threads/v1.mbox), with roles from the
//! real MAINTAINERS of the cached 6.12 source.

mod common;

use patchctl::mail::thread::Thread;
use patchctl::review::maintainers::Maintainers;
use patchctl::review::rules::VerdictKind;
use patchctl::review::{self, EvidenceKind, Rules};

fn state() -> review::ReviewState {
    let mbox = common::v1_thread();
    let data = std::fs::read(&mbox).unwrap_or_else(|e| panic!("{}: {e}", mbox.display()));
    let thread = Thread::from_mbox(&data, "system-heap-vmap-v1.mbox").unwrap();
    assert_eq!(thread.mails.len(), 8);
    let kernel = patchctl::kernel::tree::cached_source().unwrap();
    let m = Maintainers::load(&kernel.join("MAINTAINERS"))
        .expect("scripts/deps.sh kernel-source first");
    review::derive(&thread, Some(&m), &Rules::default_rules())
}

#[test]
fn v1_is_rejected_by_the_maintainer_with_the_reviewer_in_support() {
    let s = state();
    println!("{}", review::render(&s));
    assert_eq!(s.series.len(), 1);
    let series = &s.series[0];
    assert_eq!(
        series.title,
        "dma-buf: system_heap: Optimize sg_table-to-pages conversion in vmap"
    );
    let v1 = &series.revisions[0];
    assert_eq!(v1.version, 1);
    assert_eq!(v1.state, review::Standing::Rejected);
    let why = v1.state_evidence.as_ref().unwrap();
    assert_eq!(why.name, "Christian König");
    assert_eq!(why.date, "2026-04-22T07:10:00Z");
    assert_eq!(
        why.roles
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        vec!["maintainer of DMA BUFFER SHARING FRAMEWORK".to_string()]
    );
    assert_eq!(why.line, "So for now I have to reject that patch.");
    assert!(
        v1.grounds
            .iter()
            .any(|g| g.contains("vmap is only used to provide fb dev emulation")),
        "{:?}",
        v1.grounds
    );

    let support: Vec<_> = v1
        .verdicts
        .iter()
        .filter(|v| v.kind == EvidenceKind::Verdict(VerdictKind::Support))
        .collect();
    assert_eq!(support.len(), 1);
    assert_eq!(support[0].name, "T.J. Mercier");
    assert_eq!(
        support[0]
            .roles
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        vec!["reviewer of DMA-BUF HEAPS FRAMEWORK".to_string()]
    );

    let ack: Vec<_> = v1
        .verdicts
        .iter()
        .filter(|v| v.kind == EvidenceKind::Verdict(VerdictKind::Acknowledged))
        .collect();
    assert_eq!(ack.len(), 1);
    assert_eq!(
        (ack[0].name.as_str(), ack[0].date.as_str()),
        ("T.J. Mercier", "2026-05-05T14:44:00Z")
    );
    assert_eq!(ack[0].line, "Ack, I understand your position.");

    // "Ack, I understand your position" is prose, not an Acked-by.
    let given: Vec<_> = v1.patches.iter().flat_map(|p| &p.trailers).collect();
    assert!(given.is_empty(), "{given:?}");

    let last = v1.last_author_word.as_ref().unwrap();
    assert_eq!(
        (last.name.as_str(), last.date.as_str()),
        ("Barry Song", "2026-05-01T04:15:00Z")
    );
    // The maintainer's question of 2026-04-07 was answered the same day.
    assert!(v1.open_questions.is_empty(), "{:?}", v1.open_questions);
    assert!(v1
        .authors
        .iter()
        .any(|a| a.contains("Xueyuan.chen21@gmail.com") || a.contains("xueyuan.chen21@gmail.com")));
}

/// The same through the command line: fetch the file into a new
/// repository's store, then `status --json` for scripts and the summary.
#[test]
fn fetch_then_status_from_the_command_line() {
    let repo = std::env::temp_dir().join(format!("patchctl-status-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&repo);
    git2::Repository::init(&repo).unwrap();
    let mbox = common::v1_thread();
    let bin = env!("CARGO_BIN_EXE_patchctl");
    let empty = std::process::Command::new(bin)
        .args(["status", "--repo"])
        .arg(&repo)
        .output()
        .unwrap();
    assert_eq!(empty.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&empty.stderr).contains("run `patchctl fetch <thread>` first"));

    let fetched = std::process::Command::new(bin)
        .arg("fetch")
        .arg(&mbox)
        .arg("--repo")
        .arg(&repo)
        .output()
        .unwrap();
    assert!(
        fetched.status.success(),
        "{}",
        String::from_utf8_lossy(&fetched.stderr)
    );
    let status = std::process::Command::new(bin)
        .args(["status", "--json", "--repo"])
        .arg(&repo)
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    let v1 = &json["series"][0]["revisions"][0];
    assert_eq!(v1["state"], "rejected");
    assert_eq!(v1["state_evidence"]["name"], "Christian König");
    // The stored state, committed by fetch, says the same.
    let r = git2::Repository::open(&repo).unwrap();
    let store = patchctl::review::store::Store::new(&r);
    let stored: serde_json::Value =
        serde_json::from_slice(&store.read("state.json").unwrap().unwrap()).unwrap();
    assert_eq!(stored["series"][0]["revisions"][0]["state"], "rejected");
}

/// A store whose ref does not lead to a commit is an error that names it,
/// never an empty review.
#[test]
fn a_corrupt_store_is_named() {
    let repo_dir = common::tempdir("corrupt-store");
    let repo = git2::Repository::init(&repo_dir).unwrap();
    let blob = repo.blob(b"not a commit").unwrap();
    repo.reference("refs/patchctl/review", blob, true, "corrupt it")
        .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_patchctl"))
        .args(["status", "--repo"])
        .arg(&repo_dir)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("the review store refs/patchctl/review") && err.contains("is not a commit"),
        "{err}"
    );
}
