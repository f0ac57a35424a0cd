//! `patchctl check` on real mails with the real kernel scripts: today's
//! placeholder mails fail the gate, the same series under a real identity
//! passes, and each rule fails again when its one fault is put back.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

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
    let out = Command::new(env!("CARGO_BIN_EXE_patchctl"))
        .current_dir(workspace())
        .arg("check")
        .arg(series)
        .arg(revision)
        .args(["--sender", SENDER, "--kdir"])
        .arg(&tree)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    eprintln!("{stdout}{}", String::from_utf8_lossy(&out.stderr));
    (out.status.code().unwrap(), stdout)
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
        format!("{patch2}checkpatch: WARNING: added, moved or deleted file(s), does MAINTAINERS need updating?"),
    ] {
        assert!(out.contains(&line), "no {line:?}");
    }
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
            "recipients: sumit.semwal@linaro.org is named by get_maintainer.pl",
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
    let tree = patchctl::kernel::tree::cached_mainline_source().unwrap();
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
        let out = Command::new(env!("CARGO_BIN_EXE_patchctl"))
            .current_dir(workspace())
            .args(["check", series, revision, "--sender", SENDER, "--kdir"])
            .arg(&tree)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(1));
        let applies: Vec<&str> = stdout
            .lines()
            .filter(|l| l.contains(": applies: "))
            .collect();
        assert_eq!(applies.len(), 1, "{stdout}");
        assert!(
            applies[0].contains(patch) && applies[0].contains(file),
            "{}",
            applies[0]
        );
    }
}
