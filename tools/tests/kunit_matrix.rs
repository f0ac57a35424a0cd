//! The `patchctl kunit` orchestration (revisions x arches, judging,
//! records, tables) over recorded kunit.py logs of real 6.12.117 runs,
//! replayed through the same `KernelRunner` seam the real kunit.py driver
//! implements: the loop is covered without building a kernel. The real
//! runs stay in `make test`.

mod common;

use common::replay::Replay;

use std::path::{Path, PathBuf};

use patchctl::kernel::checkout::Checkout;
use patchctl::kernel::kunitpy::{Config, Flavor};
use patchctl::kernel::record::KunitRecord;
use patchctl::kernel::run::{run_matrix, Matrix};
use patchctl::kernel::view::RevisionFigures;
use patchctl::kernel::{table, Arch, PageSize};
use patchctl::machine::Machine;
use patchctl::series::revision;
use patchctl::series::Manifest;

fn series() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../patches/system-heap-vmap")
}

fn revisions(names: &[&str]) -> Vec<Checkout> {
    names
        .iter()
        .map(|n| revision::resolve(&series(), n).unwrap())
        .collect()
}

fn matrix<'a>(
    revisions: &'a [Checkout],
    arches: &'a [Arch],
    flavor: &'a Flavor,
    results: &'a Path,
) -> Matrix<'a> {
    Matrix {
        revisions,
        arches,
        flavor,
        page_size: PageSize::K4,
        results: Some(results),
        machine: Machine::this(),
        boots: 1,
        counting_boots: 0,
    }
}

#[test]
fn recorded_runs_make_records_and_the_table() {
    let manifest = Manifest::load(&series()).unwrap();
    let revs = revisions(&["baseline", "v1"]);
    let arches = [Arch::Um, Arch::Arm64];
    let results = common::tempdir("matrix");
    let mut replay = Replay::new(&[
        ("baseline", Arch::Um, "um-baseline.log"),
        ("v1", Arch::Um, "um-v1.log"),
        ("baseline", Arch::Arm64, "arm64-baseline.log"),
        ("v1", Arch::Arm64, "arm64-v1.log"),
    ]);
    let mut progress = Vec::new();
    let outcome = run_matrix(
        &mut replay,
        &matrix(&revs, &arches, &Flavor::C, &results),
        &mut progress,
    )
    .unwrap();
    let progress = String::from_utf8(progress).unwrap();
    assert!(!outcome.failed, "{progress}");
    // One switch per revision, not per arch: the tree is shared.
    assert_eq!(replay.switched, ["baseline", "v1"]);
    assert_eq!(outcome.records.len(), 4);
    for r in &outcome.records {
        assert_eq!(r.kernel, "6.12.117");
        assert_eq!(r.config, Config::C);
        assert!(r.passed > 0 && r.failed.is_empty(), "{r:?}");
        // What was written is what is read back, by the same type.
        let path = results.join(r.file_name());
        let back = KunitRecord::load(&path).unwrap();
        assert_eq!(
            serde_json::to_value(&back).unwrap(),
            serde_json::to_value(r).unwrap()
        );
        assert!(r.log.is_relative(), "{}", r.log.display());
    }
    let own = |rev: &str| {
        outcome
            .records
            .iter()
            .find(|r| r.revision == rev)
            .and_then(|r| r.own_loop.clone())
    };
    assert_eq!(own("baseline").as_deref(), Some("before"));
    assert_eq!(own("v1").as_deref(), Some("v1"));
    // UML stops at 256M (kunit.py's mem=1G); arm64 reaches 2G.
    assert!(
        progress.contains("skipped system_heap_vmap.sgvmap_timings.2G"),
        "{progress}"
    );
    let figures: Vec<_> = outcome.records.iter().map(RevisionFigures::of).collect();
    let text = table::render_table(&figures);
    for want in [
        "whole baseline",
        "whole v1",
        "| arm64 |   2G |",
        "| um    | 256M |",
    ] {
        assert!(text.contains(want), "{want:?} not in\n{text}");
    }
    // The cover letter's table reads the same files, and says what each
    // figure is (these logs predate the spread: a minimum) and over how
    // many runs, from the figures themselves.
    let files: Vec<PathBuf> = std::fs::read_dir(&results)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    let cover = patchctl::orchestrate::quote::cover_table(&files, &manifest).unwrap();
    let runs = table::runs_per_figure(&outcome.records).unwrap();
    assert!(
        cover.starts_with(&format!("Measured with KUnit ({runs} per figure):")),
        "{cover}"
    );
    assert!(
        cover.contains("arm64 on Linux 6.12.117 (QEMU TCG)"),
        "{cover}"
    );
}

#[test]
fn a_failed_case_fails_the_matrix_and_is_named() {
    let revs = revisions(&["v1"]);
    let results = common::tempdir("matrix-fail");
    let mut replay = Replay::new(&[("v1", Arch::Um, "um-broken-one-page-off.log")]);
    let mut progress = Vec::new();
    let outcome = run_matrix(
        &mut replay,
        &matrix(&revs, &[Arch::Um], &Flavor::C, &results),
        &mut progress,
    )
    .unwrap();
    let progress = String::from_utf8(progress).unwrap();
    assert!(outcome.failed);
    assert!(!outcome.records[0].failed.is_empty());
    assert!(
        progress.contains("patchctl: FAILED system_heap_vmap."),
        "{progress}"
    );
}

/// The v2 UML run of 2026-12-03 on the 2-core machine, the first with the
/// floor's three ways (`um-v2-floors.log`, as kunit.py printed it), and
/// the same log with one line edited (`um-v2-below-floor.log`): v1 at 256M
/// moved from 34.6 us (32.8 to 35.6) to 6.4 us (6.1 to 6.9), wholly under
/// the floor's 7.9 us (7.4 to 8.4, memset64).
fn floors_run(log: &'static str) -> (bool, String, Vec<KunitRecord>) {
    let revs = revisions(&["v2"]);
    let results = common::tempdir("matrix-floor");
    let mut replay = Replay::new(&[("v2", Arch::Um, log)]);
    let mut progress = Vec::new();
    let outcome = run_matrix(
        &mut replay,
        &matrix(&revs, &[Arch::Um], &Flavor::C, &results),
        &mut progress,
    )
    .unwrap();
    (
        outcome.failed,
        String::from_utf8(progress).unwrap(),
        outcome.records,
    )
}

#[test]
fn a_run_where_no_loop_beats_the_floor_passes() {
    let (failed, progress, records) = floors_run("um-v2-floors.log");
    assert!(!failed, "{progress}");
    assert!(!progress.contains("BELOW FLOOR"), "{progress}");
    let floor = records[0]
        .figures
        .iter()
        .find(|f| f.implementation == "floor" && f.size == 256 << 20)
        .unwrap();
    assert_eq!(floor.from.as_deref(), Some("floor-memset"));
    assert_eq!(floor.median_ns, Some(7936));
    let figures: Vec<_> = records.iter().map(RevisionFigures::of).collect();
    let text = table::render_table(&figures);
    assert!(text.contains("| memset64 |"), "{text}");
    assert!(!text.contains("BELOW FLOOR 0"), "{text}");
}

#[test]
fn a_loop_below_the_floor_fails_the_run_and_is_marked() {
    let (failed, progress, records) = floors_run("um-v2-below-floor.log");
    assert!(failed, "{progress}");
    assert!(
        progress.contains("patchctl: v2 / um: BELOW FLOOR: v1 at 268435456 bytes on um"),
        "{progress}"
    );
    let figures: Vec<_> = records.iter().map(RevisionFigures::of).collect();
    let text = table::render_table(&figures);
    assert!(text.contains("BELOW FLOOR 0.81x"), "{text}");
}

#[test]
fn a_crash_is_missing_results_and_fails() {
    let revs = revisions(&["baseline"]);
    let results = common::tempdir("matrix-crash");
    let mut replay = Replay::new(&[("baseline", Arch::Um, "um-baseline-oom-panic.log")]);
    let mut progress = Vec::new();
    let outcome = run_matrix(
        &mut replay,
        &matrix(&revs, &[Arch::Um], &Flavor::C, &results),
        &mut progress,
    )
    .unwrap();
    assert!(outcome.failed);
    assert!(!outcome.records[0].missing.is_empty());
    assert!(String::from_utf8(progress)
        .unwrap()
        .contains("MISSING results under"));
}

#[test]
fn a_kasan_run_is_judged_by_its_verdict() {
    let revs = revisions(&["v1"]);
    let results = common::tempdir("matrix-kasan");
    let mut replay = Replay::new(&[("v1", Arch::Um, "um-v1-kasan.log")]);
    let mut progress = Vec::new();
    let outcome = run_matrix(
        &mut replay,
        &matrix(&revs, &[Arch::Um], &Flavor::Kasan, &results),
        &mut progress,
    )
    .unwrap();
    let progress = String::from_utf8(progress).unwrap();
    // The deliberate overflow fails its case; the verdict says it is the
    // expected one, so the run passes.
    assert!(!outcome.failed, "{progress}");
    let r = &outcome.records[0];
    assert_eq!(r.config, Config::CKasan);
    let verdict = r.kasan.as_ref().unwrap();
    assert!(!verdict.expected_reports.is_empty());
    assert!(
        progress.contains("KASAN caught the deliberate v1 overflow"),
        "{progress}"
    );
    let text = table::render_kasan(&outcome.records, "6.12.117");
    assert!(text.contains("0 unexpected report(s)"), "{text}");
    assert!(results
        .join("kunit-system-heap-vmap-v1-um-kasan.json")
        .is_file());
}

#[test]
fn a_revision_without_a_recorded_log_stops_the_matrix_with_its_name() {
    let revs = revisions(&["v2"]);
    let results = common::tempdir("matrix-none");
    let mut replay = Replay::new(&[]);
    let err = run_matrix(
        &mut replay,
        &matrix(&revs, &[Arch::Um], &Flavor::C, &results),
        &mut std::io::sink(),
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("no recorded log for v2 on um"),
        "{err}"
    );
}
