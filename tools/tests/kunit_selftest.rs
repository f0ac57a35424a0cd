//! The runner's own test: a revision whose conversion is one page off must
//! make a KUnit case fail, on a real UML kernel built from the real tree.
//!
//! It builds and boots a kernel (minutes, not seconds), so it is ignored by
//! a plain `cargo test`; `make kunit-selftest` (part of `make test`) runs it.

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
    let json = std::fs::read_to_string(results.join("kunit-testdata-broken-one-page-off-um.json"))
        .unwrap();
    let record: serde_json::Value = serde_json::from_str(&json).unwrap();
    // Four sizes of the whole-map case, and every timed size UML holds,
    // since each timing case checks the mapping it timed: 16M and 256M of
    // the heap buffer, 16M and 64M of the order-0 one.
    assert_eq!(record["failed"].as_array().unwrap().len(), 8, "{json}");
    for case in [
        "system_heap_vmap.sgvmap_timings.256M",
        "system_heap_vmap.sgvmap_order0_timings.64M",
    ] {
        assert!(json.contains(case), "{case} did not fail: {json}");
    }
}
