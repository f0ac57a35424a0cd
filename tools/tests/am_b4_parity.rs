//! `patchctl am` beside b4 0.16 on the same mboxes: the two real
//! upstream series reconstructed under fixtures/series, the two-revision
//! demo thread (newest and -v 1), the real system-heap-vmap v1 thread and
//! a reply that carries every kind of key (fixtures/am/trailer-keys.mbox),
//! and the author's own follow-up with what the patch lacked
//! (fixtures/am/author-reply.mbox).
//!
//! fixtures/am/b4-trailers.json holds what b4 wrote on each patch, the
//! exact command, and the lines where patchctl differs on purpose, each
//! with its reason. Every patch's trailer block from `patchctl am` must be
//! b4's, less exactly those lines; every line `am` adds must have a key the
//! kernel documents. When b4 is on this machine (`$B4` alone when it is
//! set, else the cache's venv-b4 that `make bench` and
//! scripts/bench-b4.sh install, or `b4` on PATH) and is the version the
//! file names, it runs again and must write what the file holds.
//! PATCHCTL_B4_PARITY_WRITE=1 rewrites the file's `patches` from that live
//! run.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{git, patchctl, tempdir};
use patchctl::mail::trailers::TrailerKind;
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize)]
struct Expected {
    about: String,
    b4: String,
    args: Vec<String>,
    environment: String,
    inputs: Vec<Input>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Input {
    /// Relative to the workspace root.
    mbox: String,
    /// `-v N`, or the newest revision.
    version: Option<u32>,
    patches: Vec<PatchBlock>,
    differences: Vec<Difference>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct PatchBlock {
    subject: String,
    trailers: Vec<String>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Difference {
    /// The patch's place (1 is the first).
    patch: usize,
    /// A line b4 writes and patchctl does not.
    b4_only: String,
    reason: String,
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn expected_file() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/am/b4-trailers.json")
}

fn load() -> Expected {
    serde_json::from_str(&fs::read_to_string(expected_file()).unwrap()).unwrap()
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

/// The trailer block of a patch mail: the last paragraph above `---`.
fn block(subject: &str, body: &str) -> PatchBlock {
    let message = body
        .split("\n---\n")
        .next()
        .unwrap()
        .trim_end_matches(['\n', ' ']);
    let last = message.rsplit("\n\n").next().unwrap();
    PatchBlock {
        subject: subject.to_string(),
        trailers: last.lines().map(String::from).collect(),
    }
}

/// An empty git repository: patchctl's base tree (the patches need not
/// apply to it: only their trailers are compared) and b4's working tree.
fn empty_repo(tag: &str) -> PathBuf {
    let dir = tempdir(tag);
    git(&dir, &["init", "-q", "-b", "master"]);
    dir
}

/// What `patchctl am` writes for `input`, patch by patch, and every
/// trailer line it added to the mails as posted (its --json report).
fn ours(input: &Input) -> (Vec<PatchBlock>, Vec<String>) {
    let work = tempdir("b4-parity-am");
    let patches = work.join("patches");
    let kdir = empty_repo("b4-parity-kdir");
    let mbox = root().join(&input.mbox);
    let v = input.version.map(|v| v.to_string());
    let mut args = vec![
        "am",
        "--patches",
        patches.to_str().unwrap(),
        "--kdir",
        kdir.to_str().unwrap(),
        "--json",
        mbox.to_str().unwrap(),
    ];
    if let Some(v) = &v {
        args.extend(["-v", v.as_str()]);
    }
    let out = patchctl(&work, &args, None);
    assert!(
        out.status.success(),
        "patchctl am {}: {}",
        input.mbox,
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut blocks = Vec::new();
    let mut added = Vec::new();
    for p in report["patches"].as_array().unwrap() {
        let file = PathBuf::from(p["file"].as_str().unwrap());
        if file.to_string_lossy().ends_with("0000-cover-letter.patch") {
            continue;
        }
        blocks.extend(mails_in(&file).iter().map(|(s, b)| block(s, b)));
        added.extend(
            p["added"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| l.as_str().unwrap().to_string()),
        );
    }
    (blocks, added)
}

/// b4, when this machine has it, with its version. `$B4`, when set, is
/// the only one tried: `B4=/nonexistent` runs the test without b4.
fn b4() -> Option<(PathBuf, String)> {
    let candidates = match std::env::var_os("B4") {
        Some(b4) => vec![PathBuf::from(b4)],
        None => [
            patchctl::sources::cache_dir()
                .ok()
                .map(|c| c.join("venv-b4/bin/b4")),
            Some(PathBuf::from("b4")),
        ]
        .into_iter()
        .flatten()
        .collect(),
    };
    candidates.into_iter().find_map(|b| {
        let out = Command::new(&b).arg("--version").output().ok()?;
        out.status
            .success()
            .then(|| (b, String::from_utf8_lossy(&out.stdout).trim().to_string()))
    })
}

/// What b4 writes for `input`, run as the file's `args` say, offline and
/// with no configuration of this machine's.
fn theirs(b4: &Path, args: &[String], input: &Input) -> Vec<PatchBlock> {
    let repo = empty_repo("b4-parity-b4");
    let home = tempdir("b4-parity-home");
    let mbox = root().join(&input.mbox);
    let mut cmd = Command::new(b4);
    for a in args {
        cmd.arg(match a.as_str() {
            "{mbox}" => mbox.to_str().unwrap(),
            "{out}" => "out",
            other => other,
        });
    }
    if let Some(v) = input.version {
        cmd.args(["-v", &v.to_string()]);
    }
    let run = cmd
        .current_dir(&repo)
        .env("HOME", &home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_CACHE_HOME", home.join(".cache"))
        .env("XDG_DATA_HOME", home.join(".local/share"))
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "b4 am {}: {}",
        input.mbox,
        String::from_utf8_lossy(&run.stderr)
    );
    let mbx = fs::read_dir(repo.join("out"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "mbx"))
        .expect("b4 wrote an .mbx");
    mails_in(&mbx).iter().map(|(s, b)| block(s, b)).collect()
}

/// What patchctl must write: b4's blocks less the listed differences,
/// each checked to be a line b4 does write.
fn b4_less_differences(input: &Input) -> Vec<PatchBlock> {
    let mut want = input.patches.clone();
    for d in &input.differences {
        let p = want
            .get_mut(d.patch - 1)
            .unwrap_or_else(|| panic!("{}: no patch {}", input.mbox, d.patch));
        let before = p.trailers.len();
        p.trailers.retain(|l| l != &d.b4_only);
        assert_eq!(
            before - 1,
            p.trailers.len(),
            "{}: b4 does not write {:?} (once) on patch {}: the difference is gone, drop it from the file",
            input.mbox,
            d.b4_only,
            d.patch
        );
        assert!(!d.reason.trim().is_empty(), "a difference without a reason");
    }
    want
}

fn key(line: &str) -> &str {
    line.split_once(':').map_or(line, |(k, _)| k)
}

#[test]
fn am_writes_the_trailers_b4_writes_less_the_listed_differences() {
    let mut expected = load();
    let write = std::env::var_os("PATCHCTL_B4_PARITY_WRITE").is_some();
    let live = b4().filter(|(_, version)| {
        let same = *version == expected.b4;
        if !same {
            eprintln!(
                "b4 {version} found, the file holds b4 {}: not run live",
                expected.b4
            );
        }
        same
    });
    match &live {
        Some((path, v)) => eprintln!(
            "compared with the committed b4 {} output and with b4 {v} run live ({})",
            expected.b4,
            path.display()
        ),
        None => {
            assert!(!write, "PATCHCTL_B4_PARITY_WRITE needs b4 {}", expected.b4);
            eprintln!(
                "b4 {} not found: compared with the committed b4 output only",
                expected.b4
            );
        }
    }
    let args = expected.args.clone();
    for input in &mut expected.inputs {
        if let Some((path, _)) = &live {
            let now = theirs(path, &args, input);
            if write {
                input.patches = now;
            } else {
                assert_eq!(
                    now, input.patches,
                    "{} (-v {:?}): b4 run now differs from the committed file",
                    input.mbox, input.version
                );
            }
        }
        assert!(!input.patches.is_empty(), "{}: no patches", input.mbox);
        let (got, added) = ours(input);
        assert_eq!(
            got,
            b4_less_differences(input),
            "{} (-v {:?}): patchctl am's trailers are not b4's",
            input.mbox,
            input.version
        );
        // What am adds has a key the kernel documents.
        for line in &added {
            assert!(
                TrailerKind::from_key(key(line)).is_some(),
                "{}: am added {line:?}, a key the kernel does not document",
                input.mbox
            );
        }
        eprintln!(
            "{} (-v {:?}): {} patch(es) alike, {} listed difference(s)",
            input.mbox,
            input.version,
            got.len(),
            input.differences.len()
        );
    }
    if write {
        fs::write(
            expected_file(),
            serde_json::to_string_pretty(&expected).unwrap() + "\n",
        )
        .unwrap();
        eprintln!("wrote {}", expected_file().display());
    }
}

/// The reply of trailer-keys.mbox, line by line: what b4 and patchctl both
/// leave out, and the two keys only b4 takes.
#[test]
fn a_reply_gives_only_known_keys_that_are_the_senders_own() {
    let expected = load();
    let input = expected
        .inputs
        .iter()
        .find(|i| i.mbox.ends_with("trailer-keys.mbox"))
        .unwrap();
    let (got, _) = ours(input);
    let [patch] = got.as_slice() else {
        panic!("one patch: {got:?}")
    };
    let has = |l: &str| patch.trailers.iter().any(|t| t == l);
    for dropped in [
        // Quoted, below the signature, someone else's, no address, no hash.
        "Reviewed-by: Quoted Person <quoted@example.org>",
        "Tested-by: Below Signature <below@example.org>",
        "Acked-by: Other Person <other@example.org>",
        "Reviewed-by: https://example.org/rita",
        "Fixes: see the thread above",
        // Headers b4 leaves out of a reply too.
        "Cc: Someone Else <someone@example.org>",
        "To: Someone Else <someone@example.org>",
        // b4 takes these two; patchctl does not (b4-trailers.json says why).
        "Foo-by: Rita Reviewer <rita@example.org>",
        "Buglink: https://bugs.example.org/show_bug.cgi?id=31",
    ] {
        assert!(!has(dropped), "{dropped:?} was carried: {patch:?}");
    }
    for kept in [
        "Reviewed-by: Rita Reviewer <rita@example.org>",
        "Tested-by: Rita Reviewer <rita@example.org>",
        "Reported-by: Rita Reviewer <rita@example.org>",
        "Suggested-by: Rita Reviewer <rita@example.org>",
        "Co-developed-by: Rita Reviewer <rita@example.org>",
        "Signed-off-by: Rita Reviewer <rita@example.org>",
        "Acked-by: Rita Reviewer <rita@example.org> # for the demo bits",
        "Nacked-by: Rita Reviewer <rita@example.org>",
        "Fixes: 0123456789ab (\"demo: add demo_b\")",
        "Link: https://lore.kernel.org/r/tk-bug@example.org",
        "Closes: https://bugs.example.org/show_bug.cgi?id=30",
    ] {
        assert!(has(kept), "{kept:?} was not carried: {patch:?}");
    }
    let b4_only: Vec<&str> = input
        .differences
        .iter()
        .map(|d| d.b4_only.as_str())
        .collect();
    assert_eq!(
        b4_only,
        [
            "Foo-by: Rita Reviewer <rita@example.org>",
            "Buglink: https://bugs.example.org/show_bug.cgi?id=31"
        ]
    );
}
