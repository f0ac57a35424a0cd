//! The inputs the fuzzers found and the project kept (`fuzz/regressions/`),
//! and every seed, replayed without a sanitizer in each `cargo test`: a
//! fixed finding stays fixed, and the v1 overflow the fuzzer must find is
//! still there to find.

use std::path::{Path, PathBuf};

use fuzz_checks::{parsers, seeds, tables, TARGETS};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn kept(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = root().join("fuzz/regressions").join(target);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut out: Vec<(PathBuf, Vec<u8>)> = entries
        .map(|e| {
            let path = e.unwrap().path();
            let data = std::fs::read(&path).unwrap();
            (path, data)
        })
        .collect();
    out.sort();
    out
}

/// The check each target runs, safe to run without a sanitizer.
fn check(target: &str, data: &[u8]) {
    match target {
        // The v1 target's own run stores past its array by design; replay
        // its inputs through the guarded differential check instead.
        "conversions" | "v1_overflow" => tables::check_conversions(data),
        "mbox" => parsers::check_mbox(data),
        "ktap" => parsers::check_ktap(data),
        "subject" => parsers::check_subject(data),
        other => panic!("no check for target {other}"),
    }
}

#[test]
fn kept_findings_stay_fixed() {
    let mut replayed = 0;
    for target in TARGETS {
        for (path, data) in kept(target) {
            check(target, &data);
            replayed += 1;
            eprintln!("replayed {}", path.display());
        }
    }
    assert!(replayed >= 2, "the kept findings are missing");
}

#[test]
fn the_kept_v1_overflow_still_overflows() {
    let found = kept("v1_overflow");
    assert!(!found.is_empty(), "fuzz/regressions/v1_overflow is empty");
    for (path, data) in found {
        let past = tables::v1_overflow(&data);
        assert!(
            past.is_some_and(|n| n > 0),
            "{}: the v1 loop no longer stores past npages",
            path.display()
        );
    }
}

#[test]
fn every_seed_passes_its_check() {
    for target in TARGETS {
        let seeds = seeds::seeds(target, &root()).unwrap();
        assert!(!seeds.is_empty(), "{target} has no seeds");
        for (name, data) in seeds {
            eprintln!("{target}: {name}");
            check(target, &data);
        }
    }
}

#[test]
fn unknown_target_is_named() {
    let err = seeds::seeds("nope", &root()).unwrap_err().to_string();
    assert!(
        err.contains("\"nope\"") && err.contains("conversions"),
        "{err}"
    );
}
