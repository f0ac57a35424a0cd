//! The runner's own test: a revision whose conversion is one page off must
//! make a KUnit case fail, on a real UML kernel built from the real tree.
//!
//! It builds and boots a kernel (minutes, not seconds), so it is ignored by
//! a plain `cargo test`; `make kunit-selftest` (part of `make test`) runs it.
//! The kernel is the CONFIG_RUST one, whose build directory make test's
//! Rust run reuses next: the C suite runs in it as in a C build, and the
//! Rust suite's comparison of the two heaps sees the broken C heap too.

use std::path::Path;
use std::process::Command;

#[test]
#[ignore = "builds and boots a UML kernel: run by `make kunit-selftest`"]
fn one_page_off_fails_the_run() {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let results = std::env::temp_dir().join(format!("patchctl-selftest-{}", std::process::id()));
    let out = Command::new(env!("CARGO_BIN_EXE_patchctl"))
        .current_dir(workspace)
        .args([
            "kunit",
            "--rust",
            // The /dev/dma_heap boot proves nothing about the conversion.
            "--abi-boot",
            "none",
            "--arch",
            "um",
            "--series",
            "kunit/testdata",
            "--revision",
            "broken-one-page-off",
            "--results",
        ])
        .arg(&results)
        .output()
        .expect("run patchctl");
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprintln!("{stderr}");
    assert_eq!(out.status.code(), Some(1), "the run must fail");
    // The case on the tree's real system_heap_do_vmap() catches it, at the
    // last page of every size...
    for size in ["one page", "16M", "256M (chained table)"] {
        let needle = format!("FAILED system_heap_vmap.sgvmap_whole_vmap_is_right.{size}");
        assert!(stderr.contains(&needle), "no {needle:?} in the output");
    }
    assert!(
        stderr.contains("first at index"),
        "the failure names the index"
    );
    // ...while the loops compared among themselves still agree.
    assert!(!stderr.contains("FAILED system_heap_vmap.sgvmap_loops_agree"));
    let json =
        std::fs::read_to_string(results.join("kunit-testdata-broken-one-page-off-um-rust.json"))
            .unwrap();
    let record: serde_json::Value = serde_json::from_str(&json).unwrap();
    let failed: Vec<&str> = record["failed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    // Four sizes of the whole-map case, and every timed size UML holds,
    // since each timing case checks the mapping it timed: 16M and 256M of
    // the heap buffer, 16M and 64M of the order-0 one.
    let c_suite = failed
        .iter()
        .filter(|f| f.starts_with("system_heap_vmap."))
        .count();
    assert_eq!(c_suite, 8, "{json}");
    // The Rust suite ran (it is what makes this the CONFIG_RUST build)...
    assert!(
        json.contains("system_heap_rust."),
        "no system_heap_rust case in the record: {json}"
    );
    // ...and beyond the C suite, only the Rust suite's cases that map the C
    // heap's buffers may fail: the Rust heap and the conversions are sound.
    let other: Vec<_> = failed
        .iter()
        .filter(|f| !f.starts_with("system_heap_vmap."))
        .collect();
    assert!(
        other
            .iter()
            .all(|f| f.starts_with("system_heap_rust.") && f.contains("vmap")),
        "a case that does not map the C heap failed: {other:?}"
    );
    for case in [
        "system_heap_vmap.sgvmap_timings.256M",
        "system_heap_vmap.sgvmap_order0_timings.64M",
    ] {
        assert!(json.contains(case), "{case} did not fail: {json}");
    }
}
