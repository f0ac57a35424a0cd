//! `patchctl check` on real mails with the real kernel scripts: today's
//! placeholder mails fail the gate, the same series under a real identity
//! passes, and each rule fails again when its one fault is put back.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use patchctl::orchestrate::quote::RecordFigures;
use patchctl::series::quote::fill;

const PLACEHOLDER: &str =
    "Seed df8a5a1e maintainers <maintainers@users.noreply.r-seed-df8a5a1e.example>";
const SENDER: &str = "Jane Developer <jane@developer.dev>";
const FAKE_LINK: &str =
    "https://lore.kernel.org/r/202604062149.thread-msg-1@system-heap-vmap.invalid";
const REAL_LINK: &str = "https://lore.kernel.org/r/20260406214900.4242-1-jane@developer.dev";

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .into()
}

/// Runs `patchctl check` on the cached linux-source-6.12: exit code, stdout.
fn check(series: &Path, revision: &str) -> (i32, String) {
    let tree = patchctl::kernel::tree::cached_source().unwrap();
    assert!(
        tree.join("scripts/checkpatch.pl").exists(),
        "run scripts/deps.sh kernel-source first"
    );
    let mut kdir = vec!["--kdir".into(), tree.display().to_string()];
    let (code, out, _) = check_in(&workspace(), series, revision, &mut kdir);
    (code, out)
}

/// Runs `patchctl check` in `dir` with `extra` arguments: exit code,
/// stdout, stderr.
fn check_in(
    dir: &Path,
    series: &Path,
    revision: &str,
    extra: &mut Vec<String>,
) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_patchctl"))
        .current_dir(dir)
        .env_remove("KDIR")
        .arg("check")
        .arg(series)
        .arg(revision)
        .args(["--sender", SENDER])
        .args(extra.drain(..))
        .output()
        .unwrap();
    captured(&out)
}

/// A finished check's exit code, stdout and stderr, shown as they were.
fn captured(out: &std::process::Output) -> (i32, String, String) {
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    eprintln!("{stdout}{stderr}");
    (out.status.code().unwrap(), stdout, stderr)
}

#[test]
fn todays_placeholder_mails_fail_the_gate() {
    let (code, out) = check(&workspace().join("patches/system-heap-vmap"), "v2");
    assert_eq!(code, 1);
    let patch2 = "v2-0002-dma-buf-system-heap-Add-a-KUnit-test-for-system-heap.patch: ";
    for line in [
        format!("{patch2}placeholder: <maintainers@users.noreply.r-seed-df8a5a1e.example> (From, author, Signed-off-by)"),
        format!("v2-0000-cover-letter.patch: placeholder-link: {FAKE_LINK}"),
        format!("{patch2}sender-signoff: the sender <jane@developer.dev> has not signed it off"),
    ] {
        assert!(out.contains(&line), "no {line:?}");
    }
    // checkpatch asks whether MAINTAINERS needs updating for the new test
    // file; DMA-BUF HEAPS FRAMEWORK covers drivers/dma-buf/heaps/*, so the
    // gate answers no.
    assert!(!out.contains("does MAINTAINERS need updating"), "{out}");
    let (code, out) = check(&workspace().join("patches/vmap-sg"), "v1");
    assert_eq!(code, 1);
    for n in 1..=4 {
        assert!(
            out.lines()
                .any(|l| l.contains(&format!("v1-000{n}-")) && l.contains(": placeholder: ")),
            "patch {n} of vmap-sg passed with a placeholder identity"
        );
    }
}

/// v2's cover letter and first patch as a real sender would mail them: her
/// identity for the placeholder, her sign-off below the authors', a link
/// to a mail that exists in form.
fn regenerated(tag: &str, edit: impl Fn(&str, &str) -> String) -> PathBuf {
    let series = common::tempdir(tag);
    let dir = series.join("v2");
    fs::create_dir_all(&dir).unwrap();
    let from = workspace().join("patches/system-heap-vmap/v2");
    for name in [
        "v2-0000-cover-letter.patch",
        "v2-0001-dma-buf-system-heap-Convert-sg-table-to-pages-per-en.patch",
    ] {
        let text = fs::read_to_string(from.join(name))
            .unwrap()
            .replace(PLACEHOLDER, SENDER)
            .replace(FAKE_LINK, REAL_LINK)
            .replace(
                "Signed-off-by: Barry Song (Xiaomi) <baohua@kernel.org>\n",
                &format!("Signed-off-by: Barry Song (Xiaomi) <baohua@kernel.org>\nSigned-off-by: {SENDER}\n"),
            );
        fs::write(dir.join(name), edit(name, &text)).unwrap();
    }
    series
}

/// A fault put back into the first patch: its name, the edit, and the
/// problem line the gate must print.
type Fault = (&'static str, fn(&str) -> String, &'static str);

#[test]
fn the_series_under_a_real_identity_passes_and_each_fault_fails_it() {
    let clean = regenerated("check-clean", |_, t| t.to_string());
    assert_eq!(check(&clean, "v2"), (0, String::new()));

    let patch1 = "v2-0001-dma-buf-system-heap-Convert-sg-table-to-pages-per-en.patch";
    let only_patch1 = |f: fn(&str) -> String| {
        move |name: &str, text: &str| {
            if name == patch1 {
                f(text)
            } else {
                text.to_string()
            }
        }
    };
    let faults: [Fault; 5] = [
        (
            "no-author-signoff",
            |t| {
                t.replace(
                    "Signed-off-by: Xueyuan Chen <Xueyuan.chen21@gmail.com>\n",
                    "",
                )
            },
            "dco: no Signed-off-by from its author <xueyuan.chen21@gmail.com>",
        ),
        (
            "no-maintainer",
            |t| t.replace("To: Sumit Semwal <sumit.semwal@linaro.org>,\n\t", "To: "),
            "recipients: sumit.semwal@linaro.org is named by get_maintainer.pl but the mail does not reach them",
        ),
        (
            "style",
            |t| t.replace("+\tunsigned int i;\n", "+\tunsigned int i; \n"),
            "checkpatch: ERROR: trailing whitespace",
        ),
        (
            "stale-context",
            |t| t.replace(" \tvoid *vaddr;\n", " \tvoid *vaddr = NULL;\n"),
            "applies: does not apply to ",
        ),
        (
            "fake-link",
            |t| t.replace(REAL_LINK, "https://lists.example.org/thread"),
            "placeholder-link: https://lists.example.org/thread is an example domain",
        ),
    ];
    for (tag, fault, expected) in faults {
        let series = regenerated(tag, only_patch1(fault));
        let (code, out) = check(&series, "v2");
        assert_eq!(code, 1, "{tag}: the fault passed");
        let line = format!("{patch1}: {expected}");
        assert!(out.contains(&line), "{tag}: no {line:?} in {out}");
    }
}

#[test]
fn neither_series_applies_to_mainline() {
    for (series, revision, patch, file) in [
        (
            "patches/system-heap-vmap",
            "v2",
            "v2-0001-",
            "drivers/dma-buf/heaps/system_heap.c",
        ),
        (
            "patches/vmap-sg",
            "v1",
            "v1-0002-",
            "arch/arm64/include/asm/vmalloc.h",
        ),
    ] {
        let (code, stdout, _) = check_in(
            &workspace(),
            Path::new(series),
            revision,
            &mut vec!["--mainline".into()],
        );
        assert_eq!(code, 1);
        let applies: Vec<&str> = stdout
            .lines()
            .filter(|l| l.contains(": applies: "))
            .collect();
        assert!(
            applies
                .iter()
                .any(|l| l.contains(patch) && l.contains(file) && l.contains("linux-source-7.2")),
            "{stdout}"
        );
    }
}

const HEAP: &str = "drivers/dma-buf/heaps/system_heap.c";

/// Commits `edit` of the heap file in `tree` on a new branch from the
/// base, signed off; returns the branch's patch.
fn commit_patch(tree: &Path, branch: &str, from: &str, to: &str, out: &Path) -> PathBuf {
    // Only the applies rule is read here: the committer's identity
    // (common::git's) does not matter.
    let sh = |args: &[&str]| common::git(tree, args);
    sh(&["checkout", "-q", "-B", branch]);
    let file = tree.join(HEAP);
    let text = fs::read_to_string(&file).unwrap();
    assert!(text.contains(from), "{from:?} not in the heap file");
    fs::write(&file, text.replacen(from, to, 1)).unwrap();
    sh(&[
        "commit",
        "-q",
        "-s",
        "-a",
        "-m",
        &format!("dma-buf: system_heap: {branch}\n\nWhy: a test."),
    ]);
    let out = out.display().to_string();
    let name = sh(&["format-patch", "-1", "-o", &out]);
    PathBuf::from(name.trim())
}

#[test]
fn each_patch_applies_on_top_of_the_ones_before_it() {
    let tree = common::kernel_tree();
    let series = common::tempdir("check-apply");
    let made = common::tempdir("check-apply-made");
    // Patch 1 renames a line; patch 2 edits the line patch 1 wrote (it
    // applies only on top of patch 1); patch 2' edits the old line (it
    // applies to the base, but not on top of patch 1).
    let first = commit_patch(
        &tree,
        "rename",
        "static struct dma_heap *sys_heap;",
        "static struct dma_heap *system_heap_heap;",
        &made,
    );
    let second = commit_patch(
        &tree,
        "on-top",
        "static struct dma_heap *system_heap_heap;",
        "static struct dma_heap *system_heap_dma_heap;",
        &made,
    );
    common::git(&tree, &["checkout", "-q", "-B", "beside", "base"]);
    let beside = commit_patch(
        &tree,
        "beside",
        "static struct dma_heap *sys_heap;",
        "static struct dma_heap *the_heap;",
        &made,
    );
    common::git(&tree, &["checkout", "-q", "master"]);
    // The tree's scripts and files stay as the base has them; its own
    // .git goes, and an outer repository takes its place, so that a
    // relative --kdir is resolved where the user stands.
    fs::remove_dir_all(tree.join(".git")).unwrap();
    let outer = common::tempdir("check-outer");
    common::git(&outer, &["init", "-q"]);
    fs::rename(&tree, outer.join("linux")).unwrap();
    for (revision, patches, failing) in [
        ("v1", [&first, &second], None),
        ("v2", [&first, &beside], Some("0002-")),
    ] {
        let dir = series.join(revision);
        fs::create_dir_all(&dir).unwrap();
        for (i, p) in patches.iter().enumerate() {
            fs::copy(p, dir.join(format!("{:04}-{revision}.patch", i + 1))).unwrap();
        }
        let (_, out, _) = check_in(
            &outer,
            &series,
            revision,
            &mut vec!["--kdir".into(), "linux".into()],
        );
        let applies: Vec<&str> = out.lines().filter(|l| l.contains(": applies: ")).collect();
        match failing {
            None => assert!(applies.is_empty(), "{revision}: {applies:?}"),
            Some(patch) => assert!(
                applies.len() == 1 && applies[0].contains(patch),
                "{revision}: {applies:?}"
            ),
        }
    }
}

#[test]
fn a_cover_letter_with_an_interdiff_is_still_the_cover_letter() {
    let series = regenerated("check-interdiff", |name, text| {
        if name.starts_with("v2-0000-") {
            text.replacen(
                "\n-- \n",
                "\nInterdiff against v1:\ndiff --git a/x.c b/x.c\n--- a/x.c\n+++ b/x.c\n@@ -1 +1 @@\n-a\n+b\n-- \n",
                1,
            )
        } else {
            text.to_string()
        }
    });
    assert!(
        fs::read_to_string(series.join("v2/v2-0000-cover-letter.patch"))
            .unwrap()
            .contains("Interdiff against v1:")
    );
    assert_eq!(check(&series, "v2"), (0, String::new()));
}

#[test]
fn a_checkpatch_that_does_not_finish_is_an_error_not_a_pass() {
    let tree = common::kernel_tree();
    fs::write(
        tree.join("scripts/checkpatch.pl"),
        "die \"broken checkpatch\\n\";\n",
    )
    .unwrap();
    let series = regenerated("check-broken-script", |_, t| t.to_string());
    let (code, _, stderr) = check_in(
        &workspace(),
        &series,
        "v2",
        &mut vec!["--kdir".into(), tree.display().to_string()],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("checkpatch.pl printed no summary") && stderr.contains("broken checkpatch"),
        "{stderr}"
    );
}

/// v3, the revision on mainline, as a real sender would mail it: every
/// mail signed off by her, instead of the placeholder.
fn v3_as_sent(tag: &str) -> PathBuf {
    let series = common::tempdir(tag);
    let from = workspace().join("patches/system-heap-vmap");
    fs::copy(from.join("series.toml"), series.join("series.toml")).unwrap();
    fs::create_dir_all(series.join("v3")).unwrap();
    for entry in fs::read_dir(from.join("v3")).unwrap() {
        let path = entry.unwrap().path();
        let text = fs::read_to_string(&path)
            .unwrap()
            .replace(PLACEHOLDER, SENDER);
        fs::write(series.join("v3").join(path.file_name().unwrap()), text).unwrap();
    }
    series
}

#[test]
fn v3_is_judged_on_mainline_and_its_figures_against_the_record() {
    // As committed: only the identity stands between v3 and sending. The
    // series.toml's base = "mainline" picks the tree without --mainline.
    let (code, out, _) = check_in(
        &workspace(),
        Path::new("patches/system-heap-vmap"),
        "v3",
        &mut vec![],
    );
    assert_eq!(code, 1);
    assert!(
        out.lines()
            .all(|l| l.contains(": placeholder: ") || l.contains(": sender-signoff: ")),
        "{out}"
    );
    // Under a real identity it passes.
    let series = v3_as_sent("check-v3");
    let (code, out, _) = check_in(&workspace(), &series, "v3", &mut vec![]);
    assert_eq!((code, out.as_str()), (0, ""));

    // v3 quotes no figure (it makes no speed claim): quote one from the
    // record as revise would, and the gate recomputes it from results/.
    let cover = fs::read_dir(series.join("v3"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().contains("v3-0000-cover-letter"))
        .unwrap();
    let record = workspace().join("results/kunit-system-heap-vmap-mainline-um.json");
    let figures = RecordFigures::load("system-heap-vmap", &[record]).unwrap();
    let filled = fill(
        "The whole map on mainline:\n    {{whole@mainline um 256M}}\n",
        Some(&figures),
    )
    .unwrap();
    let prefix = format!("{}/", workspace().display());
    let block = format!(
        "{}\nFigures quoted above, from the committed record:\n{}\n\n",
        filled.text,
        filled.citations.join("\n").replace(&prefix, "")
    );
    let text = fs::read_to_string(&cover).unwrap().replacen(
        "Changes in v3:",
        &format!("{block}Changes in v3:"),
        1,
    );
    fs::write(&cover, &text).unwrap();
    let (code, out, _) = check_in(&workspace(), &series, "v3", &mut vec![]);
    assert_eq!((code, out.as_str()), (0, ""), "{text}");

    // A figure typed over in the text, and one the record no longer gives.
    let cited = text
        .lines()
        .find_map(|l| l.strip_prefix("Figure whole@mainline um 256M = "))
        .and_then(|l| l.split(", from ").next())
        .unwrap()
        .to_string();
    let median = cited.split(" (").next().unwrap();
    let typed = text.replacen(
        &format!("    {cited}"),
        "    1.00 ms (median; 0.90 ms to 1.10 ms, 21 runs in 3 boots)",
        1,
    );
    assert_ne!(typed, text, "the prose quotes {cited:?}");
    fs::write(&cover, &typed).unwrap();
    let (code, out, _) = check_in(&workspace(), &series, "v3", &mut vec![]);
    assert_eq!(code, 1);
    assert!(
        out.contains("figures: cites {{whole@mainline um 256M}}")
            && out.contains("its text does not carry that value"),
        "{out}"
    );
    let restated = text.replace(
        &format!("= {cited}"),
        &format!("= {}", cited.replacen(median, "9.99 ms", 1)),
    );
    fs::write(&cover, restated).unwrap();
    let (code, out, _) = check_in(&workspace(), &series, "v3", &mut vec![]);
    assert_eq!(code, 1);
    assert!(
        out.contains("figures: quotes {{whole@mainline um 256M}} as \"9.99 ms"),
        "{out}"
    );
}

/// `check --ready`: a revision marked `ready = true` that fails the gate
/// fails the command; with nothing marked there is nothing to check.
#[test]
fn a_revision_marked_ready_must_pass_the_gate() {
    let tree = patchctl::kernel::tree::cached_source().unwrap();
    let patches = common::tempdir("check-ready");
    let series = patches.join("system-heap-vmap");
    let from = workspace().join("patches/system-heap-vmap");
    fs::create_dir_all(series.join("v2")).unwrap();
    fs::copy(from.join("series.toml"), series.join("series.toml")).unwrap();
    for e in fs::read_dir(from.join("v2")).unwrap() {
        let e = e.unwrap();
        fs::copy(e.path(), series.join("v2").join(e.file_name())).unwrap();
    }
    let ready = |dir: &Path| {
        Command::new(env!("CARGO_BIN_EXE_patchctl"))
            .env_remove("KDIR")
            .args(["check", "--ready", "--sender", SENDER, "--kdir"])
            .arg(&tree)
            .arg(dir)
            .output()
            .unwrap()
    };
    let out = ready(&patches);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("0 revision(s)"), "{stderr}");

    let toml = fs::read_to_string(series.join("series.toml")).unwrap();
    let marked = toml.replacen(
        "directory = \"v2\"\n",
        "directory = \"v2\"\nready = true\n",
        1,
    );
    assert_ne!(marked, toml, "series.toml has a v2 revision");
    fs::write(series.join("series.toml"), marked).unwrap();
    let out = ready(&patches);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(stdout.contains(": placeholder: "), "{stdout}");
    assert!(
        stderr.contains("1 revision(s)") && stderr.contains("not all pass"),
        "{stderr}"
    );
}

/// `patchctl check` on the cached linux-source-6.12 with its own cache
/// root: exit code, stdout, stderr.
fn check_with_cache(cache: &Path, series: &Path, extra: &[&str]) -> (i32, String, String) {
    let tree = patchctl::kernel::tree::cached_source().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_patchctl"))
        .current_dir(workspace())
        .env_remove("KDIR")
        .env("XDG_CACHE_HOME", cache)
        .arg("check")
        .arg(series)
        .arg("v2")
        .args(["--sender", SENDER, "--kdir"])
        .arg(&tree)
        .args(extra)
        .output()
        .unwrap();
    captured(&out)
}

#[test]
fn the_scripts_answers_are_kept_for_the_same_mail_only() {
    // The cache root is the test's own; the cached source tree is left
    // where it is (its .extracted marker is what the cache keys on).
    let cache = common::tempdir("check-cache-root");
    let kept = "answers on 1 unchanged patch(es) kept";
    let clean = regenerated("check-cache-clean", |_, t| t.to_string());
    let first = check_with_cache(&cache, &clean, &[]);
    assert_eq!((first.0, first.1.as_str()), (0, ""));
    assert!(!first.2.contains(kept), "{}", first.2);
    let again = check_with_cache(&cache, &clean, &[]);
    assert_eq!((again.0, again.1.as_str()), (0, ""));
    assert!(
        again.2.contains(kept),
        "the second check ran the scripts again"
    );

    // One byte of the patch changed: its answers are asked for anew, and
    // what checkpatch says about the change is reported.
    let patch1 = "v2-0001-dma-buf-system-heap-Convert-sg-table-to-pages-per-en.patch";
    let edited = regenerated("check-cache-edited", |name, t| match name == patch1 {
        true => t.replace("+\tunsigned int i;\n", "+\tunsigned int i; \n"),
        false => t.to_string(),
    });
    let (code, out, stderr) = check_with_cache(&cache, &edited, &[]);
    assert_eq!(code, 1);
    assert!(
        out.contains("checkpatch: ERROR: trailing whitespace"),
        "{out}"
    );
    assert!(!stderr.contains(kept), "{stderr}");

    // --no-cache asks the scripts even for the unchanged mail.
    let (code, _, stderr) = check_with_cache(&cache, &clean, &["--no-cache"]);
    assert_eq!(code, 0);
    assert!(!stderr.contains(kept), "{stderr}");
}
