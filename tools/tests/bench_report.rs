//! `patchctl bench` on criterion output recorded from a real run of
//! `cargo bench -p rust-heap --bench sgvmap` (AMD EPYC, 2 CPUs, taken while
//! kernels were building: the figures are real, not quiet), with the
//! benchmark's own method.json.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::tempdir;
use patchctl::bench;
use patchctl::machine::Machine;

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/criterion")
}

#[test]
fn computes_ratios_from_recorded_run() {
    let report = bench::load(&fixture(), Machine::this()).unwrap();
    assert_eq!(report.figures.len(), bench::FUNCTIONS.len());
    let get = |id: &str| report.figures.iter().find(|f| f.id == id).unwrap().clone();
    let before = get("c_before");
    assert!((before.speedup_vs_before - 1.0).abs() < 1e-12);
    let v1 = get("c_v1");
    assert!((v1.speedup_vs_before - before.median_ns / v1.median_ns).abs() < 1e-9);
    // The floor is the fastest way to write the same bytes: the fastest of
    // the two store loops, memset and memcpy from a prepared array.
    let floor = bench::FLOORS
        .iter()
        .map(|id| get(id).median_ns)
        .fold(f64::INFINITY, f64::min);
    assert!((v1.ratio_to_floor - v1.median_ns / floor).abs() < 1e-9);
    assert_eq!(report.floor, "memset_floor");
    // No conversion beats a floor defined this way.
    assert!(report.figures.iter().all(|f| !f.below_floor));
    assert!(report.below_floor.is_empty(), "{:?}", report.below_floor);
    // The verdict says what it assumed, from the benchmark's own record.
    assert_eq!(report.assumed.samples, 60);
    assert!(
        report.method.contains("over 60 samples"),
        "{}",
        report.method
    );
    assert!(report.method.contains(&report.assumed.c_compiler));
    assert!(
        report.method.contains("-falign-loops=64"),
        "{}",
        report.method
    );
    assert!(
        report.method.contains("aligned to 16 bytes"),
        "{}",
        report.method
    );
    assert_eq!(report.targets.len(), 4);
    let table = bench::render(&report);
    assert!(table.contains("C v1 loop, as posted"), "{table}");
    assert!(table.contains("floor: memset_floor"), "{table}");
    assert!(table.contains("targets:"), "{table}");
}

/// The recorded run copied to a new directory, with `id`'s median and its
/// interval replaced: a run in which that function took `median` ns.
fn with_median(id: &str, median: f64, interval: (f64, f64)) -> PathBuf {
    let dir = tempdir("bench-edited");
    let group = dir.join("sgvmap_2g");
    std::fs::create_dir_all(&group).unwrap();
    std::fs::copy(
        fixture().join("sgvmap_2g/method.json"),
        group.join("method.json"),
    )
    .unwrap();
    for (f, _) in bench::FUNCTIONS {
        let to = group.join(f).join("new");
        std::fs::create_dir_all(&to).unwrap();
        let from = fixture()
            .join("sgvmap_2g")
            .join(f)
            .join("new/estimates.json");
        let mut est: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(from).unwrap()).unwrap();
        if f == id {
            est["median"]["point_estimate"] = median.into();
            est["median"]["confidence_interval"]["lower_bound"] = interval.0.into();
            est["median"]["confidence_interval"]["upper_bound"] = interval.1.into();
        }
        std::fs::write(to.join("estimates.json"), est.to_string()).unwrap();
    }
    dir
}

/// The floor's median and the interval of it, in the recorded run.
fn recorded_floor() -> (f64, (f64, f64)) {
    let report = bench::load(&fixture(), Machine::this()).unwrap();
    let floor = report
        .figures
        .iter()
        .find(|f| f.id == report.floor)
        .unwrap();
    (floor.median_ns, floor.median_ci_ns)
}

#[test]
fn a_conversion_below_the_floor_is_an_error_and_fails_the_command() {
    let (_, (low, _)) = recorded_floor();
    // The v1 loop's whole interval under the floor's: it beat the floor.
    let dir = with_median("c_v1", low * 0.8, (low * 0.75, low * 0.9));
    let report = bench::load(&dir, Machine::this()).unwrap();
    let v1 = report.figures.iter().find(|f| f.id == "c_v1").unwrap();
    assert!(v1.below_floor);
    assert_eq!(report.below_floor.len(), 1, "{:?}", report.below_floor);
    assert!(
        report.below_floor[0].starts_with("C v1 loop, as posted ran at 0."),
        "{:?}",
        report.below_floor
    );
    let table = bench::render(&report);
    assert!(table.contains("BELOW FLOOR"), "{table}");
    let run = Command::new(env!("CARGO_BIN_EXE_patchctl"))
        .args(["bench", "--criterion-dir"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(stdout.contains("BELOW FLOOR"), "{stdout}");
}

#[test]
fn a_conversion_whose_interval_touches_the_floor_is_not_below_it() {
    let (_, (low, _)) = recorded_floor();
    // A median under the floor's, but its interval reaches the floor's
    // lowest bound: no difference measured, no error.
    let dir = with_median("c_v1", low * 0.98, (low * 0.95, low));
    let report = bench::load(&dir, Machine::this()).unwrap();
    assert!(report.below_floor.is_empty(), "{:?}", report.below_floor);
    let run = Command::new(env!("CARGO_BIN_EXE_patchctl"))
        .args(["bench", "--criterion-dir"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
}

#[test]
fn missing_figures_name_the_file_and_the_fix() {
    let dir = tempdir("bench-test");
    let err = bench::load(&dir, Machine::this()).unwrap_err();
    let msg = format!("{err:#}");
    assert!(
        msg.contains("sgvmap_2g/c_before/new/estimates.json"),
        "{msg}"
    );
    assert!(msg.contains("make bench"), "{msg}");
}

#[test]
fn figures_without_the_method_name_it() {
    let dir = tempdir("bench-method");
    for (id, _) in bench::FUNCTIONS {
        let from = fixture().join("sgvmap_2g").join(id).join("new");
        let to = dir.join("sgvmap_2g").join(id).join("new");
        std::fs::create_dir_all(&to).unwrap();
        std::fs::copy(from.join("estimates.json"), to.join("estimates.json")).unwrap();
    }
    let msg = format!("{:#}", bench::load(&dir, Machine::this()).unwrap_err());
    assert!(msg.contains("sgvmap_2g/method.json"), "{msg}");
    assert!(msg.contains("make bench"), "{msg}");
}

#[test]
fn malformed_estimates_are_rejected_clearly() {
    let dir = tempdir("bench-test");
    let path = dir.join("sgvmap_2g/c_before/new");
    std::fs::create_dir_all(&path).unwrap();
    std::fs::write(path.join("estimates.json"), "{\"mean\": 3}").unwrap();
    let msg = format!("{:#}", bench::load(&dir, Machine::this()).unwrap_err());
    assert!(msg.contains("is not criterion's estimates.json"), "{msg}");
}

#[test]
fn cli_prints_json_and_writes_the_report() {
    let dir = tempdir("bench-test");
    let out = dir.join("results/bench.json");
    let run = Command::new(env!("CARGO_BIN_EXE_patchctl"))
        .args(["bench", "--json", "--criterion-dir"])
        .arg(fixture())
        .arg("--output")
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let printed: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(printed, written);
    assert_eq!(printed["pages"], 524_288);
}

#[test]
fn cli_exits_2_with_a_message_on_missing_input() {
    let run = Command::new(env!("CARGO_BIN_EXE_patchctl"))
        .args(["bench", "--criterion-dir", "/nonexistent/criterion"])
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.starts_with("patchctl: cannot read /nonexistent/criterion/"),
        "{stderr}"
    );
}
