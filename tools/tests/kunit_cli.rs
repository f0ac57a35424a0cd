//! `patchctl kunit` refuses bad input up front, naming it and saying what
//! was expected, before any tree is made or kernel built.

mod common;

use std::path::Path;
use std::process::Command;

use common::tempdir;

/// A directory that passes the kernel-tree check (a top Makefile with
/// the version), so that the checks after it can be reached.
fn kernel_like_dir() -> std::path::PathBuf {
    let dir = tempdir("kdir");
    std::fs::write(
        dir.join("Makefile"),
        "VERSION = 6\nPATCHLEVEL = 12\nSUBLEVEL = 117\n",
    )
    .unwrap();
    dir
}

fn patchctl(args: &[&str]) -> (Option<i32>, String) {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_patchctl"))
        .current_dir(workspace)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_directory_that_is_not_a_kernel_tree() {
    let dir = tempdir("not-kernel");
    let (code, err) = patchctl(&[
        "kunit",
        "--series",
        "patches/system-heap-vmap",
        "--kdir",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(2));
    assert!(err.contains("is not a kernel tree"), "{err}");
    assert!(err.contains("--kdir"), "{err}");
}

#[test]
fn an_unknown_arch() {
    let kdir = kernel_like_dir();
    let (code, err) = patchctl(&[
        "kunit",
        "--series",
        "patches/system-heap-vmap",
        "--kdir",
        kdir.to_str().unwrap(),
        "--arch",
        "sparc",
    ]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("invalid value 'sparc' for '--arch <ARCHES>'")
            && err.contains("[possible values: um, arm64]"),
        "{err}"
    );
}

#[test]
fn an_unknown_revision() {
    let kdir = kernel_like_dir();
    let (code, err) = patchctl(&[
        "kunit",
        "--series",
        "patches/system-heap-vmap",
        "--kdir",
        kdir.to_str().unwrap(),
        "--revision",
        "v9",
    ]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("no revision \"v9\" in patches/system-heap-vmap: it holds v1, v2, v3"),
        "{err}"
    );
}

#[test]
fn help_teaches_the_flow() {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_patchctl"))
        .current_dir(workspace)
        .args(["kunit", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for needle in [
        "kunit.py",
        "--revision",
        "--arch",
        "results/kunit-",
        "~/.cache/patchctl",
    ] {
        assert!(help.contains(needle), "{needle} not in:\n{help}");
    }
}

#[test]
fn revisions_named_for_several_series() {
    let kdir = kernel_like_dir();
    let (code, err) = patchctl(&[
        "kunit",
        "--kdir",
        kdir.to_str().unwrap(),
        "--series",
        "patches",
        "--revision",
        "v1",
    ]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("--revision names revisions of one series, but 2 series were given"),
        "{err}"
    );
    assert!(err.contains("patches/vmap-sg"), "{err}");
}

#[test]
fn a_series_naming_an_unknown_suite() {
    let kdir = kernel_like_dir();
    let series = tempdir("series-suite");
    std::fs::write(
        series.join("series.toml"),
        "name = \"x\"\nsubject = \"x: y\"\n\n[kunit]\nsuite = \"net-core\"\n",
    )
    .unwrap();
    let (code, err) = patchctl(&[
        "kunit",
        "--kdir",
        kdir.to_str().unwrap(),
        "--series",
        series.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("no KUnit suite \"net-core\": expected one of system-heap"),
        "{err}"
    );
}

/// KASAN runs on UML only, with or without Rust; the arch is named before
/// any toolchain is looked for or tree made.
#[test]
fn kasan_on_arm64_is_refused_with_or_without_rust() {
    let kdir = kernel_like_dir();
    for extra in [&["--kasan"][..], &["--rust", "--kasan"][..]] {
        let mut args = vec![
            "kunit",
            "--series",
            "patches/system-heap-vmap",
            "--kdir",
            kdir.to_str().unwrap(),
            "--arch",
            "um,arm64",
        ];
        args.extend_from_slice(extra);
        let (code, err) = patchctl(&args);
        assert_eq!(code, Some(2), "{extra:?}: {err}");
        assert!(
            err.contains("--kasan runs on UML only") && err.contains("drop --arch arm64"),
            "{extra:?}: {err}"
        );
    }
}

#[test]
fn kernel_clippy_refuses_what_holds_no_rust_heap_before_building() {
    // v3 is based on mainline, where the heap (6.12's bindings) is not built.
    let (code, err) = patchctl(&["kernel-clippy", "--revision", "v3"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("v3 is based on mainline"), "{err}");

    // A series brought in by am runs the kernel's own suites: no heap placed.
    let series = tempdir("clippy-series");
    std::fs::write(
        series.join("series.toml"),
        "name = \"s\"\nsubject = \"lib: x\"\n",
    )
    .unwrap();
    let (code, err) = patchctl(&["kernel-clippy", "--series", series.to_str().unwrap()]);
    assert_eq!(code, Some(2));
    assert!(err.contains("place no Rust heap"), "{err}");
}

#[test]
fn a_page_size_other_than_4k_on_uml() {
    let kdir = kernel_like_dir();
    let (code, err) = patchctl(&[
        "kunit",
        "--series",
        "patches/system-heap-vmap",
        "--kdir",
        kdir.to_str().unwrap(),
        "--arch",
        "um,arm64",
        "--page-size",
        "64k",
    ]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("--page-size 64k is for arm64 only: UML has 4K pages alone"),
        "{err}"
    );
}

#[test]
fn an_unknown_page_size() {
    let (code, err) = patchctl(&[
        "kunit",
        "--series",
        "patches/system-heap-vmap",
        "--page-size",
        "8k",
    ]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("invalid value '8k' for '--page-size <PAGE_SIZE>'")
            && err.contains("[possible values: 4k, 16k, 64k]"),
        "{err}"
    );
}
