//! Helpers shared by patchctl's integration tests.

pub mod replay;

use std::fs;
use std::path::PathBuf;

/// A fresh, empty directory under the system's temp directory.
pub fn tempdir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "patchctl-{tag}-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The v1 review thread, kept with the series it belongs to.
#[allow(dead_code)]
pub fn v1_thread() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../patches/system-heap-vmap/threads/v1.mbox")
}

#[allow(dead_code)]
/// A small kernel tree: the files get_maintainer.pl and checkpatch.pl need
/// to recognise a tree, the real scripts and MAINTAINERS, and system_heap.c.
pub fn kernel_tree() -> PathBuf {
    let src = patchctl::kernel::tree::cached_source().unwrap();
    assert!(
        src.join("MAINTAINERS").exists(),
        "run scripts/deps.sh kernel-source first"
    );
    let dir = tempdir("ktree");
    for f in [
        "COPYING",
        "CREDITS",
        "Kbuild",
        "MAINTAINERS",
        "Makefile",
        "README",
        ".mailmap",
        "scripts/get_maintainer.pl",
        "scripts/checkpatch.pl",
        "scripts/spelling.txt",
        "scripts/const_structs.checkpatch",
        "drivers/dma-buf/heaps/system_heap.c",
    ] {
        let to = dir.join(f);
        fs::create_dir_all(to.parent().unwrap()).unwrap();
        fs::copy(src.join(f), &to).unwrap();
    }
    for d in [
        "Documentation",
        "arch",
        "include",
        "fs",
        "init",
        "ipc",
        "kernel",
        "lib",
    ] {
        fs::create_dir_all(dir.join(d)).unwrap();
        fs::write(dir.join(d).join(".keep"), "").unwrap();
    }
    for args in [
        &["init", "-q", "-b", "master"][..],
        &["add", "-A"],
        &[
            "-c",
            "user.name=Base",
            "-c",
            "user.email=base@example.org",
            "commit",
            "-q",
            "-m",
            "base",
        ],
        &["tag", "base"],
    ] {
        let ok = std::process::Command::new("git")
            .args(args)
            .current_dir(&dir)
            .status()
            .unwrap();
        assert!(ok.success(), "git {args:?}");
    }
    dir
}

/// Runs git in `dir` as a fixed committer; fails the test on an error.
#[allow(dead_code)]
pub fn git(dir: &std::path::Path, args: &[&str]) -> String {
    let out = std::process::Command::new("git")
        .args([
            "-c",
            "user.name=Test Committer",
            "-c",
            "user.email=committer@example.org",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Runs patchctl in `dir`; with `failpoint`, it dies there (PATCHCTL_FAILPOINT).
#[allow(dead_code)]
pub fn patchctl(
    dir: &std::path::Path,
    args: &[&str],
    failpoint: Option<&str>,
) -> std::process::Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_patchctl"));
    cmd.args(args)
        .current_dir(dir)
        .env_remove("PATCHCTL_FAILPOINT");
    if let Some(point) = failpoint {
        cmd.env("PATCHCTL_FAILPOINT", point);
    }
    cmd.output().unwrap()
}

/// Runs patchctl in `dir` and fails the test, with its stderr, unless it succeeds.
#[allow(dead_code)]
pub fn patchctl_ok(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    let out = patchctl(dir, args, None);
    assert!(
        out.status.success(),
        "patchctl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}
