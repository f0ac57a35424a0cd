//! JUnit XML and KCIDB JSON from records of real runs (recorded kunit.py
//! logs replayed through the runner): the JUnit read back by an
//! independent JUnit reader, the KCIDB validated by KernelCI's own
//! `kcidb-io` package from PyPI in a scratch virtual environment.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::replay::Replay;
use patchctl::kernel::export;
use patchctl::kernel::kunitpy::Flavor;
use patchctl::kernel::record::KunitRecord;
use patchctl::kernel::run::{run_matrix, Matrix};
use patchctl::kernel::{Arch, PageSize};
use patchctl::machine::Machine;
use patchctl::series::revision;

fn series() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../patches/system-heap-vmap")
}

/// A passing run on each arch, a run with a failed case and a crashed run.
fn records() -> Vec<KunitRecord> {
    let mut out = Vec::new();
    for (rev, arch, log) in [
        ("v1", Arch::Um, "um-v1.log"),
        ("v1", Arch::Arm64, "arm64-v1.log"),
        ("v2", Arch::Um, "um-broken-one-page-off.log"),
        ("baseline", Arch::Um, "um-baseline-oom-panic.log"),
    ] {
        let revs = vec![revision::resolve(&series(), rev).unwrap()];
        let mut replay = Replay::new(&[(rev, arch, log)]);
        let outcome = run_matrix(
            &mut replay,
            &Matrix {
                revisions: &revs,
                arches: &[arch],
                flavor: &Flavor::C,
                page_size: PageSize::K4,
                results: None,
                machine: Machine::this(),
                boots: 1,
                counting_boots: 0,
            },
            &mut std::io::sink(),
        )
        .unwrap();
        out.extend(outcome.records);
    }
    out
}

#[test]
fn junit_has_a_case_per_kunit_case_with_failures_and_skips() {
    let records = records();
    let xml = export::junit(&records).unwrap();
    let suites = junit_parser::from_reader(std::io::Cursor::new(xml.as_bytes()))
        .unwrap_or_else(|e| panic!("not JUnit: {e}\n{xml}"));
    assert_eq!(suites.suites.len(), records.len());
    for (suite, r) in suites.suites.iter().zip(&records) {
        assert_eq!(
            suite.cases.len(),
            r.cases.len() + r.missing.len(),
            "{}",
            suite.name
        );
        assert_eq!(suite.failures as usize, r.failed.len(), "{}", suite.name);
    }
    let um_v1 = &suites.suites[0];
    assert_eq!(um_v1.name, "system-heap-vmap v1 um C");
    let skipped: Vec<_> = um_v1
        .cases
        .iter()
        .filter(|c| c.status.is_skipped())
        .collect();
    assert!(!skipped.is_empty());
    assert!(
        skipped
            .iter()
            .any(|c| c.status.skipped_as_ref().message.contains("only")),
        "a skip keeps its reason"
    );
    // The failed expectation is the failure's message.
    let broken = &suites.suites[2];
    let failure = broken
        .cases
        .iter()
        .find(|c| c.status.is_failure())
        .expect("the one-page-off revision fails");
    let f = failure.status.failure_as_ref();
    assert!(f.message.contains("EXPECTATION FAILED"), "{}", f.message);
    assert!(f.text.contains("Expected wrong == 0UL"), "{}", f.text);
    // A crash is an error, not a pass.
    let crashed = &suites.suites[3];
    assert!(crashed.errors >= 1);
    assert!(crashed
        .cases
        .iter()
        .any(|c| c.status.is_error() && c.name.ends_with("(missing results)")));
}

/// A scratch virtual environment with kcidb-io, kept in the cache so that
/// a second run does not install it again.
fn kcidb_python() -> PathBuf {
    let venv = patchctl::kernel::tree::cache_dir()
        .unwrap()
        .join("venv-kcidb-io");
    let python = venv.join("bin/python");
    let ready = venv.join(".kcidb-io-installed");
    // Tests run in parallel: one makes the environment, the others wait.
    std::fs::create_dir_all(venv.parent().unwrap()).unwrap();
    let lock = std::fs::File::create(venv.with_extension("lock")).unwrap();
    lock.lock().unwrap();
    if !ready.exists() {
        let _ = std::fs::remove_dir_all(&venv);
        let made = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .status()
            .unwrap();
        assert!(
            made.success(),
            "python3 -m venv failed: install python3-venv"
        );
        let pip = Command::new(&python)
            .args(["-m", "pip", "install", "--quiet", "kcidb-io"])
            .status()
            .unwrap();
        assert!(pip.success(), "pip could not install kcidb-io");
        std::fs::write(&ready, "").unwrap();
    }
    python
}

fn validate(doc: &serde_json::Value) -> (bool, String) {
    let file = common::tempdir("kcidb").join("report.json");
    std::fs::write(&file, serde_json::to_string(doc).unwrap()).unwrap();
    let out = Command::new(kcidb_python())
        .args([
            "-c",
            "import json, sys, kcidb_io\n\
             v = kcidb_io.schema.LATEST\n\
             doc = json.load(open(sys.argv[1]))\n\
             v.validate(doc)\n\
             print(f'valid KCIDB v{v.major}.{v.minor}:', len(doc['checkouts']), 'checkouts,', len(doc['builds']), 'builds,', len(doc['tests']), 'tests')",
        ])
        .arg(&file)
        .output()
        .unwrap();
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn kcidb_validates_with_kernelcis_own_package() {
    let records = records();
    let doc = export::kcidb(&records);
    let (ok, said) = validate(&doc);
    assert!(ok, "kcidb-io rejected the report:\n{said}");
    eprintln!("{said}");
    assert!(said.contains(&format!(
        "valid KCIDB v{}.{}",
        export::KCIDB_VERSION.0,
        export::KCIDB_VERSION.1
    )));
    // Two revisions on one kernel: two checkouts; a build per record.
    assert_eq!(doc["checkouts"].as_array().unwrap().len(), 3);
    assert_eq!(doc["builds"].as_array().unwrap().len(), records.len());
    let tests = doc["tests"].as_array().unwrap();
    let figure = tests
        .iter()
        .find(|t| t["path"] == "sgvmap_timing.arm64.268435456.v1")
        .expect("arm64 v1 at 256M is a figure");
    assert_eq!(figure["status"], "DONE");
    assert_eq!(figure["number"]["unit"], "ns");
    assert!(tests.iter().any(|t| t["status"] == "FAIL"));
    assert!(tests.iter().any(|t| t["status"] == "MISS"));
    // Parameter names such as 2x1M+3x64K+5p are made into valid paths.
    assert!(tests
        .iter()
        .all(|t| !t["path"].as_str().unwrap().contains('+')));
}

/// The validator is real: a path KCIDB forbids is refused.
#[test]
fn kcidb_io_refuses_a_bad_path() {
    let mut doc = export::kcidb(&records()[..1]);
    doc["tests"][0]["path"] = "system_heap_vmap.2x1M+3x64K".into();
    let (ok, said) = validate(&doc);
    assert!(!ok, "{said}");
}
