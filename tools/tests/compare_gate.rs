//! The regression gate on the committed record of real runs: a figure
//! slowed on purpose fails it, from a directory or a git revision; the
//! same figures pass; another machine is reported, not judged.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use patchctl::kernel::compare;
use patchctl::kernel::record::{self, KunitRecord};

fn committed_results() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../results")
}

/// The committed records of the C runs, copied into a new directory.
fn copy_records(tag: &str) -> PathBuf {
    let dir = common::tempdir(tag);
    for e in std::fs::read_dir(committed_results()).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with("kunit-") && name.ends_with(".json") {
            std::fs::copy(&p, dir.join(&name)).unwrap();
        }
    }
    dir
}

/// Multiplies one figure of one record by `factor`.
fn slow(dir: &Path, file: &str, size: u64, implementation: &str, factor: u64) {
    let path = dir.join(file);
    let mut r = KunitRecord::load(&path).unwrap();
    let f = r
        .figures
        .iter_mut()
        .find(|f| f.size == size && f.implementation == implementation)
        .unwrap();
    f.ns *= factor;
    std::fs::write(&path, serde_json::to_string_pretty(&r).unwrap()).unwrap();
}

fn patchctl(dir: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_patchctl"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const ARM64_V1: &str = "kunit-system-heap-vmap-v1-arm64.json";
const MB256: u64 = 256 << 20;

#[test]
fn every_committed_record_reads_as_a_kunit_record() {
    let stored = record::load_run(&committed_results().to_string_lossy(), Path::new(".")).unwrap();
    assert!(stored.len() >= 10, "{}", stored.len());
}

#[test]
fn a_slowed_figure_fails_the_gate() {
    let stored = copy_records("gate-stored");
    let new = copy_records("gate-new");
    slow(&new, ARM64_V1, MB256, "whole", 2);
    let (code, out, err) = patchctl(
        &stored,
        &[
            "compare",
            stored.to_str().unwrap(),
            "--results",
            new.to_str().unwrap(),
        ],
    );
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(out.contains("system-heap-vmap v1 arm64 C"), "{out}");
    assert!(
        out.contains("2.00x (allowed") && out.contains("REGRESSION"),
        "{out}"
    );
    assert!(
        err.contains("1 figure(s) slower than the threshold"),
        "{err}"
    );
}

#[test]
fn the_same_figures_pass_and_a_faster_one_is_reported() {
    let stored = copy_records("gate-same-stored");
    let new = copy_records("gate-same-new");
    let (code, out, _) = patchctl(
        &stored,
        &[
            "compare",
            stored.to_str().unwrap(),
            "--results",
            new.to_str().unwrap(),
        ],
    );
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("no figure moved"), "{out}");
    // Faster is movement, not a regression.
    let path = new.join(ARM64_V1);
    let mut r = KunitRecord::load(&path).unwrap();
    for f in r.figures.iter_mut().filter(|f| f.implementation == "whole") {
        f.ns /= 2;
    }
    std::fs::write(&path, serde_json::to_string(&r).unwrap()).unwrap();
    let (code, out, _) = patchctl(
        &stored,
        &[
            "compare",
            stored.to_str().unwrap(),
            "--results",
            new.to_str().unwrap(),
        ],
    );
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains("0.50x") && !out.contains("REGRESSION"),
        "{out}"
    );
}

#[test]
fn another_machine_is_reported_not_judged() {
    let stored = copy_records("gate-machine-stored");
    let new = copy_records("gate-machine-new");
    slow(&new, ARM64_V1, MB256, "whole", 3);
    let path = new.join(ARM64_V1);
    let mut r = KunitRecord::load(&path).unwrap();
    r.machine.cpu = "Some Other CPU".into();
    std::fs::write(&path, serde_json::to_string(&r).unwrap()).unwrap();
    let (code, out, _) = patchctl(
        &stored,
        &[
            "compare",
            stored.to_str().unwrap(),
            "--results",
            new.to_str().unwrap(),
        ],
    );
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("measured on another machine"), "{out}");
    assert!(
        out.contains("3.00x") && !out.contains("REGRESSION"),
        "{out}"
    );
}

#[test]
fn the_stored_run_can_be_a_git_revision() {
    let repo_dir = common::tempdir("gate-git");
    let results = repo_dir.join("results");
    std::fs::create_dir_all(&results).unwrap();
    for e in std::fs::read_dir(copy_records("gate-git-src")).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, results.join(p.file_name().unwrap())).unwrap();
    }
    common::git(&repo_dir, &["init", "-q"]);
    common::git(&repo_dir, &["add", "results"]);
    common::git(&repo_dir, &["commit", "-qm", "record"]);
    let new = copy_records("gate-git-new");
    slow(&new, ARM64_V1, MB256, "vmap", 2);
    let (code, out, err) = patchctl(
        &repo_dir,
        &["compare", "HEAD", "--results", new.to_str().unwrap()],
    );
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(out.contains("vmap") && out.contains("REGRESSION"), "{out}");
    let (code, _, err) = patchctl(
        &repo_dir,
        &["compare", "no-such-rev", "--results", new.to_str().unwrap()],
    );
    assert_eq!(code, Some(2));
    assert!(
        err.contains("expected a results directory or a git revision"),
        "{err}"
    );
}

#[test]
fn the_default_threshold_comes_from_the_stored_spread() {
    let stored = record::load_run(&committed_results().to_string_lossy(), Path::new(".")).unwrap();
    let spreads = compare::stored_spreads(&stored);
    assert!(
        !spreads.is_empty(),
        "several revisions measure the same loops"
    );
    // The same run against itself: nothing moved, nothing fails.
    let c = compare::compare(&stored, &stored, None);
    assert!(c.threshold.is_none() && !c.failed() && c.moved.is_empty());
    // A loop slowed by just more than its own spread fails; by less, not.
    let key = spreads
        .iter()
        .find(|(k, _)| {
            k.0 == "system-heap-vmap"
                && k.1.starts_with("arm64 on 6.12")
                && k.4 == "v1"
                && k.3 == 256 << 20
        })
        .map(|(k, v)| (k.clone(), *v))
        .unwrap();
    let allowed = key.1.max(compare::MIN_THRESHOLD);
    let with_v1 = |factor: f64| {
        let mut new = stored.clone();
        for r in new.iter_mut().filter(|r| {
            r.arch.name() == "arm64" && r.config.name() == "C" && r.kernel.starts_with("6.12")
        }) {
            let old = stored
                .iter()
                .find(|s| {
                    s.series == r.series
                        && s.revision == r.revision
                        && s.arch == r.arch
                        && s.config == r.config
                })
                .unwrap();
            for f in r
                .figures
                .iter_mut()
                .filter(|f| f.implementation == "v1" && f.size == 256 << 20)
            {
                let o = old
                    .figures
                    .iter()
                    .find(|o| o.implementation == "v1" && o.size == f.size)
                    .unwrap();
                f.ns = (o.ns as f64 * factor) as u64;
            }
        }
        compare::compare(&new, &stored, None)
    };
    assert!(with_v1(1.0 + allowed + 0.05).failed());
    assert!(!with_v1(1.0 + allowed - 0.05).failed());
    let given = compare::compare(&stored, &stored, Some(0.5));
    assert_eq!(
        (given.threshold, given.threshold_from.as_str()),
        (Some(0.5), "given")
    );
}

/// Scales one figure's minimum, median and maximum of one record.
fn shift_range(dir: &Path, file: &str, implementation: &str, factors: [f64; 3]) {
    let path = dir.join(file);
    let mut r = KunitRecord::load(&path).unwrap();
    let f = r
        .figures
        .iter_mut()
        .find(|f| f.size == MB256 && f.implementation == implementation)
        .unwrap();
    let scale = |ns: u64, by: f64| (ns as f64 * by) as u64;
    f.ns = scale(f.ns, factors[0]);
    f.median_ns = f.median_ns.map(|m| scale(m, factors[1]));
    f.max_ns = f.max_ns.map(|m| scale(m, factors[2]));
    std::fs::write(&path, serde_json::to_string_pretty(&r).unwrap()).unwrap();
}

/// On a committed record that has ranges (mainline 7.2, UML): a median
/// 40% slower whose fastest run stays inside the stored range passes; the
/// whole range moved above the stored one fails.
#[test]
fn only_ranges_apart_fail_the_gate() {
    const RANGED_UM: &str = "kunit-system-heap-vmap-mainline-um.json";
    let stored = copy_records("gate-range-stored");
    let run = |tag: &str, factors: [f64; 3]| {
        let new = copy_records(tag);
        shift_range(&new, RANGED_UM, "whole", factors);
        patchctl(
            &stored,
            &[
                "compare",
                stored.to_str().unwrap(),
                "--results",
                new.to_str().unwrap(),
                "--threshold",
                "0.1",
            ],
        )
    };
    let (code, out, err) = run("gate-range-overlap", [1.0, 1.4, 1.4]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(
        out.contains("1.40x (allowed 1.10x; medians, ranges overlap: no difference measured)"),
        "{out}"
    );
    assert!(!out.contains("REGRESSION"), "{out}");
    let (code, out, err) = run("gate-range-apart", [1.4, 1.4, 1.4]);
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(
        out.contains("1.40x (allowed 1.10x; medians, ranges apart)  REGRESSION"),
        "{out}"
    );
}

/// A record whose median lies below its minimum is refused with the file
/// named, not drawn or judged as if it were a range.
#[test]
fn an_impossible_range_is_refused_by_name() {
    const RANGED_UM: &str = "kunit-system-heap-vmap-mainline-um.json";
    let stored = copy_records("gate-bad-range-stored");
    let new = copy_records("gate-bad-range-new");
    shift_range(&new, RANGED_UM, "whole", [1.0, 0.5, 1.0]);
    let (code, out, err) = patchctl(
        &stored,
        &[
            "compare",
            stored.to_str().unwrap(),
            "--results",
            new.to_str().unwrap(),
        ],
    );
    assert_eq!(code, Some(2), "{out}{err}");
    assert!(
        err.contains(RANGED_UM) && err.contains("whole at 268435456 bytes on um: median"),
        "{err}"
    );
}
