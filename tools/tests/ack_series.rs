//! `patchctl ack --kind auto` on whole series, as a user runs it: the
//! thread imported with `patchctl am`, then picked onto a small 6.12 tree
//! with the real MAINTAINERS.
//!
//! - `system-heap-trio.mbox`: three patches, each picked with another
//!   prefix: 1/3 is in the `--tree` given (UPSTREAM), 2/3 is named in the
//!   maintainer's thank-you (FROMGIT), 3/3 is only on the list (FROMLIST).
//! - `input-guard-applied.mbox`: the input-guard series with the input
//!   maintainer's thank-you (FROMGIT) and a tester's "applied it locally
//!   to test" (not an application: without the maintainer's reply, the
//!   picks are FROMLIST).
//!
//! The fixtures and how they were made: `fixtures/series/PROVENANCE.md`.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{git, kernel_tree, tempdir};

const BUG: &str = "123456789";
const PICKER: &str = "Pat Picker <pat@example.org>";
const DRM_MISC: &str = "https://gitlab.freedesktop.org/drm/misc/kernel.git";
const INPUT: &str = "git://git.kernel.org/pub/scm/linux/kernel/git/dtor/input.git";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/series")
        .join(name)
}

/// The small kernel tree of the tests, with drivers/input/input.c of
/// 6.12 in its base commit too (the input-guard series changes it).
fn base_tree() -> PathBuf {
    let tree = kernel_tree();
    let src = patchctl::sources::cached_source().unwrap();
    let input = tree.join("drivers/input/input.c");
    fs::create_dir_all(input.parent().unwrap()).unwrap();
    fs::copy(src.join("drivers/input/input.c"), &input).unwrap();
    git(&tree, &["add", "drivers/input/input.c"]);
    git(&tree, &["commit", "-q", "--amend", "--no-edit"]);
    git(&tree, &["tag", "-f", "base"]);
    tree
}

/// One user's run of patchctl: its own cache (the ack's scratch worktree
/// goes there), in `work`.
struct Run {
    work: PathBuf,
    tree: PathBuf,
}

impl Run {
    fn new(tag: &str) -> Run {
        Run {
            work: tempdir(tag),
            tree: base_tree(),
        }
    }

    fn patchctl(&self, args: &[&str]) -> Output {
        let out = Command::new(env!("CARGO_BIN_EXE_patchctl"))
            .args(args)
            .current_dir(&self.work)
            .env("XDG_CACHE_HOME", self.work.join("cache"))
            .env_remove("PATCHCTL_FAILPOINT")
            .env_remove("KDIR")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "patchctl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    /// `patchctl am` of `mbox`: the series directory it made.
    fn import(&self, mbox: &Path) -> PathBuf {
        let patches = self.work.join("patches");
        let kdir = self.tree.to_str().unwrap();
        let args = ["am", "--patches", patches.to_str().unwrap(), "--kdir", kdir];
        let mut all = args.to_vec();
        all.push(mbox.to_str().unwrap());
        self.patchctl(&all);
        let mut dirs: Vec<PathBuf> = fs::read_dir(&patches)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(dirs.len(), 1, "{dirs:?}");
        dirs.pop().unwrap()
    }

    /// `patchctl ack` of v1 of `series` (`--kind auto`, the default),
    /// with the real MAINTAINERS given: its progress and the picks' text.
    fn ack(&self, series: &Path, extra: &[&str]) -> (String, Vec<String>) {
        let maintainers = self.tree.join("MAINTAINERS");
        let mut args = vec![
            "ack",
            "--series",
            series.to_str().unwrap(),
            "--revision",
            "v1",
            "--bug",
            BUG,
            "--picker",
            PICKER,
            "--onto",
            "base",
            "--kdir",
            self.tree.to_str().unwrap(),
            "--maintainers",
            maintainers.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        let out = self.patchctl(&args);
        let progress = String::from_utf8(out.stderr).unwrap();
        let files: Vec<PathBuf> = String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(PathBuf::from)
            .collect();
        let texts = files.iter().map(|f| fs::read_to_string(f).unwrap());
        (progress, texts.collect())
    }

    /// The picks, applied by the real `git am` to the base in a clone:
    /// the clone.
    fn git_am(&self, series: &Path) -> PathBuf {
        let clone = tempdir("ack-series-am");
        git(&clone, &["clone", "-q", self.tree.to_str().unwrap(), "."]);
        git(&clone, &["checkout", "-q", "base"]);
        let mut picks: Vec<String> = fs::read_dir(series.join("android"))
            .unwrap()
            .map(|e| e.unwrap().path().display().to_string())
            .collect();
        picks.sort();
        let mut args = vec!["am", "-q"];
        args.extend(picks.iter().map(String::as_str));
        git(&clone, &args);
        clone
    }
}

/// A pick's subject line.
fn subject(pick: &str) -> &str {
    pick.lines().find(|l| l.starts_with("Subject: ")).unwrap()
}

/// A pick's last paragraph above `---`: the ACK's trailers, with the
/// Change-Id (checked to have Gerrit's shape) written `Change-Id: I*`.
fn ack_trailers(pick: &str) -> Vec<String> {
    let message = pick.split("\n---\n").next().unwrap();
    let block = message.rsplit("\n\n").next().unwrap();
    block
        .lines()
        .map(|l| match l.strip_prefix("Change-Id: I") {
            Some(hex) => {
                assert!(
                    hex.len() == 40 && hex.bytes().all(|b| b.is_ascii_hexdigit()),
                    "{l}"
                );
                "Change-Id: I*".to_string()
            }
            None => l.to_string(),
        })
        .collect()
}

fn change_id(pick: &str) -> &str {
    pick.lines().find(|l| l.starts_with("Change-Id: ")).unwrap()
}

/// The tree `--tree` names: the base, and 1/3 as it landed there.
fn upstream_with_first_patch(run: &Run, series: &Path) -> (PathBuf, String) {
    let upstream = tempdir("ack-series-upstream");
    git(&upstream, &["clone", "-q", run.tree.to_str().unwrap(), "."]);
    let first = fs::read_dir(series.join("v1"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("0001-")
        })
        .unwrap();
    git(&upstream, &["am", "-q", first.to_str().unwrap()]);
    let sha = git(&upstream, &["rev-parse", "HEAD"]).trim().to_string();
    (upstream, sha)
}

#[test]
fn three_patches_three_prefixes() {
    let run = Run::new("ack-trio");
    let series = run.import(&fixture("system-heap-trio.mbox"));
    let (upstream, sha) = upstream_with_first_patch(&run, &series);
    let tree_arg = ["--tree", upstream.to_str().unwrap()];
    let (progress, picks) = run.ack(
        &series,
        &[&tree_arg[..], &["--branch", "android-trio"]].concat(),
    );
    assert_eq!(picks.len(), 3, "{progress}");
    for want in [
        "1/3 UPSTREAM: in ",
        "2/3 FROMGIT: applied to misc/kernel.git drm-misc-next by Sumit Semwal <sumit.semwal@linaro.org>",
        "3/3 FROMLIST: only on the list",
    ] {
        assert!(progress.lines().any(|l| l.starts_with(want)), "{want}: {progress}");
    }

    let subjects: Vec<&str> = picks.iter().map(|p| subject(p)).collect();
    assert_eq!(
        subjects,
        [
            "Subject: [PATCH] UPSTREAM: dma-buf: system_heap: make order_flags[] const",
            "Subject: [PATCH] FROMGIT: dma-buf: system_heap: use kvmalloc_array() for the vmap page array",
            "Subject: [PATCH] FROMLIST: dma-buf: system_heap: pass on dup_sg_table()'s error in attach",
        ]
    );
    let picked_from = [
        format!("(cherry picked from commit {sha})"),
        format!("(cherry picked from commit 4f6b2c8e1d3a5b7c9e0f2a4c6e8b1d3f5a7c9e2b {DRM_MISC} drm-misc-next)"),
    ];
    let tail = |lines: &[&str]| -> Vec<String> {
        let mut all: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
        all.push("Change-Id: I*".into());
        all.push(format!("Signed-off-by: {PICKER}"));
        all
    };
    let bug = format!("Bug: {BUG}");
    assert_eq!(ack_trailers(&picks[0]), tail(&[&picked_from[0], &bug]));
    assert_eq!(ack_trailers(&picks[1]), tail(&[&picked_from[1], &bug]));
    let link = "Link: https://lore.kernel.org/r/system-heap-trio.3@patchctl.invalid";
    assert_eq!(ack_trailers(&picks[2]), tail(&[&bug, link]));
    for pick in &picks {
        assert!(
            pick.contains("From: Tess Tester <tess@patchctl.invalid>"),
            "{pick}"
        );
        assert!(pick.contains("\nSigned-off-by: Tess Tester <tess@patchctl.invalid>\n"));
    }
    assert!(!picks[0].contains("Link: ") && !picks[1].contains("Link: "));
    let ids: std::collections::BTreeSet<&str> = picks.iter().map(|p| change_id(p)).collect();
    assert_eq!(ids.len(), 3, "one change each: {ids:?}");
    the_trio_applies(&run, &series);
}

/// The real git am takes the three picks onto the base, and gives the
/// tree the picks were made as on the branch asked for.
fn the_trio_applies(run: &Run, series: &Path) {
    let clone = run.git_am(series);
    let log = git(&clone, &["log", "--format=%s", "base..HEAD"]);
    assert_eq!(
        log.lines().collect::<Vec<_>>(),
        [
            "FROMLIST: dma-buf: system_heap: pass on dup_sg_table()'s error in attach",
            "FROMGIT: dma-buf: system_heap: use kvmalloc_array() for the vmap page array",
            "UPSTREAM: dma-buf: system_heap: make order_flags[] const",
        ]
    );
    let picked = git(&run.tree, &["rev-parse", "android-trio^{tree}"]);
    assert_eq!(git(&clone, &["rev-parse", "HEAD^{tree}"]), picked);
    let heap = fs::read_to_string(clone.join("drivers/dma-buf/heaps/system_heap.c")).unwrap();
    for change in [
        "static const gfp_t order_flags[]",
        "kvmalloc_array(npages, sizeof(*pages), GFP_KERNEL)",
        "return PTR_ERR(table);",
    ] {
        assert!(heap.contains(change), "{change}");
    }
}

/// `mbox` without the mail whose Message-ID is `id`.
fn without_mail(mbox: &str, id: &str) -> String {
    let mut mails: Vec<&str> = Vec::new();
    let mut start = 0;
    for (at, _) in mbox.match_indices("\nFrom ") {
        mails.push(&mbox[start..=at]);
        start = at + 1;
    }
    mails.push(&mbox[start..]);
    let header = format!("Message-ID: <{id}>");
    let n = mails.len();
    let kept: Vec<&str> = mails
        .into_iter()
        .filter(|m| !m.split("\n\n").next().unwrap().contains(&header))
        .collect();
    assert_eq!(kept.len(), n - 1, "{id} is one mail of the mbox");
    kept.concat()
}

const INPUT_GUARD: &str = "input-guard-applied.mbox";
const APPLIED_BY_DMITRY: &str = "input-guard.applied@patchctl.invalid";

#[test]
fn the_input_maintainers_thank_you_is_fromgit() {
    let run = Run::new("ack-input");
    let series = run.import(&fixture(INPUT_GUARD));
    let (progress, picks) = run.ack(&series, &[]);
    assert_eq!(picks.len(), 2, "{progress}");
    let shas = [
        "3e1f0a7c5b9d2e4f6a8c0b1d3e5f7a9c2b4d6e8f",
        "9b2d4f6a8c0e1b3d5f7a9c2e4b6d8f0a1c3e5b7d",
    ];
    for (i, (pick, sha)) in picks.iter().zip(shas).enumerate() {
        let line = format!(
            "{}/2 FROMGIT: applied to dtor/input.git next by Dmitry Torokhov <dmitry.torokhov@gmail.com> in {APPLIED_BY_DMITRY}",
            i + 1
        );
        assert!(progress.contains(&line), "{progress}");
        assert!(subject(pick).starts_with("Subject: [PATCH] FROMGIT: Input: use guard notation"));
        // The reply says `input.git`; the tree is the one MAINTAINERS
        // gives Dmitry's section.
        assert_eq!(
            ack_trailers(pick),
            [
                format!("(cherry picked from commit {sha} {INPUT} next)"),
                format!("Bug: {BUG}"),
                "Change-Id: I*".to_string(),
                format!("Signed-off-by: {PICKER}"),
            ]
        );
        assert!(!pick.contains("Link: "), "{pick}");
    }
    run.git_am(&series);
}

#[test]
fn applied_locally_to_test_is_fromlist() {
    let run = Run::new("ack-input-tested");
    let text = fs::read_to_string(fixture(INPUT_GUARD)).unwrap();
    let tested = run.work.join("tested-only.mbox");
    fs::write(&tested, without_mail(&text, APPLIED_BY_DMITRY)).unwrap();
    let series = run.import(&tested);
    let thread = fs::read_to_string(series.join("threads/v1.mbox")).unwrap();
    assert!(thread.contains("I applied it locally to test"), "{thread}");
    let (progress, picks) = run.ack(&series, &[]);
    assert_eq!(picks.len(), 2, "{progress}");
    for (i, pick) in picks.iter().enumerate() {
        let n = i + 1;
        let id = format!("input-guard.{n}@reconstructed.patchctl");
        let line = format!("{n}/2 FROMLIST: only on the list; {id}");
        assert!(progress.contains(&line), "{progress}");
        assert!(subject(pick).starts_with("Subject: [PATCH] FROMLIST: Input: use guard notation"));
        assert_eq!(
            ack_trailers(pick),
            [
                format!("Bug: {BUG}"),
                format!("Link: https://lore.kernel.org/r/{id}"),
                "Change-Id: I*".to_string(),
                format!("Signed-off-by: {PICKER}"),
            ]
        );
        assert!(!pick.contains("cherry picked"), "{pick}");
    }
    run.git_am(&series);
}

/// `ack --help` teaches `--kind auto`: each prefix, the order auto
/// decides in, what --tree and --maintainers are for, and an example.
#[test]
fn help_teaches_kind_auto() {
    let out = common::patchctl_ok(Path::new("."), &["ack", "--help"]);
    let help = String::from_utf8(out.stdout).unwrap();
    for taught in [
        "--kind auto, the default, decides each patch on its own",
        "UPSTREAM when --tree",
        "FROMGIT when the series' stored thread",
        "(cherry picked from commit <sha> <tree> <branch>)",
        "or \"I applied it locally to test\", does not count",
        "FROMLIST otherwise, with the patch's Message-ID",
        "Examples:\n  patchctl ack --series",
        "--maintainers <FILE>",
        "[default: auto]",
    ] {
        assert!(help.contains(taught), "{taught:?} not in:\n{help}");
    }
}

/// The thank-you came after `patchctl am`: the series was imported from
/// the plain thread, and `ack --thread` reads the newer copy beside it.
#[test]
fn a_thank_you_that_came_later_counts_through_thread() {
    let run = Run::new("ack-input-later");
    let series = run.import(&fixture("input-guard.mbox"));
    let (progress, _) = run.ack(&series, &[]);
    assert!(!progress.contains("FROMGIT"), "{progress}");
    let newer = fixture(INPUT_GUARD);
    let (progress, picks) = run.ack(&series, &["--thread", newer.to_str().unwrap()]);
    assert_eq!(picks.len(), 2, "{progress}");
    for pick in &picks {
        assert!(
            subject(pick).starts_with("Subject: [PATCH] FROMGIT: Input: use guard notation"),
            "{pick}"
        );
    }
}
