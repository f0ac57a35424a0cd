//! KUnit results in the formats CI systems read: JUnit XML (GitLab,
//! Jenkins) and KCIDB JSON (KernelCI's database), both made from the same
//! records `patchctl kunit` writes.

use std::time::Duration;

use anyhow::Result;
use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
use serde_json::{json, Value};

use super::ktap::Outcome;
use super::record::KunitRecord;

/// The CI system name KCIDB ids and origins start with.
pub const ORIGIN: &str = "patchctl";

/// The KCIDB schema version written.
pub const KCIDB_VERSION: (u32, u32) = (5, 3);

/// JUnit XML: a test suite per run, a test case per KUnit case and
/// parameter, with the failed expectation as the failure's text and the
/// skip reason as the skip's message; a crash (results missing) is an error.
pub fn junit(records: &[KunitRecord]) -> Result<String> {
    let mut report = Report::new("patchctl kunit");
    for r in records {
        let mut suite = TestSuite::new(r.run_name());
        if let Some(s) = r.duration_s {
            suite.set_time(Duration::from_secs_f64(s));
        }
        for case in &r.cases {
            let (classname, name) = case.path.split_once('.').unwrap_or(("", &case.path));
            let status = match &case.outcome {
                Outcome::Pass => TestCaseStatus::success(),
                Outcome::Fail => {
                    let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                    // The failed expectation's own line, not the suite's
                    // header lines that KTAP puts before it.
                    let headline = case
                        .diagnostics
                        .iter()
                        .find(|l| l.contains("FAILED"))
                        .or(case.diagnostics.first());
                    s.set_message(headline.cloned().unwrap_or_else(|| "not ok".into()));
                    s.set_description(case.diagnostics.join("\n"));
                    s
                }
                Outcome::Skip(reason) => {
                    let mut s = TestCaseStatus::skipped();
                    s.set_message(reason.clone());
                    s
                }
            };
            let mut tc = TestCase::new(name, status);
            tc.set_classname(format!("{}.{classname}", r.run_name()));
            suite.add_test_case(tc);
        }
        for m in &r.missing {
            let mut s = TestCaseStatus::non_success(NonSuccessKind::Error);
            s.set_message(format!(
                "{} of {} results: the kernel crashed or hung (see {} in the patchctl cache)",
                m.seen,
                m.planned,
                r.log.display()
            ));
            let mut tc = TestCase::new(format!("{} (missing results)", m.parent), s);
            tc.set_classname(format!("{}.{}", r.run_name(), m.parent));
            suite.add_test_case(tc);
        }
        report.add_test_suite(suite);
    }
    Ok(report.to_string()?)
}

/// KCIDB ids allow any text after `origin:`; test paths only letters,
/// digits, `_` and `-` between dots.
fn path_segment(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn kcidb_path(path: &str) -> String {
    path.split('.')
        .map(path_segment)
        .collect::<Vec<_>>()
        .join(".")
}

fn status(outcome: &Outcome) -> &'static str {
    match outcome {
        Outcome::Pass => "PASS",
        Outcome::Fail => "FAIL",
        Outcome::Skip(_) => "SKIP",
    }
}

/// KCIDB JSON: a checkout per series revision on its kernel, a build per
/// arch and config, a test per case and parameter (`MISS` for results a
/// crash never gave), and each timing figure as a `DONE` test whose number
/// is the time in nanoseconds.
pub fn kcidb(records: &[KunitRecord]) -> Value {
    let mut checkouts: Vec<Value> = Vec::new();
    let mut builds = Vec::new();
    let mut tests = Vec::new();
    for r in records {
        let checkout_id = format!("{ORIGIN}:{}-{}-{}", r.series, r.revision, r.kernel);
        if !checkouts.iter().any(|c| c["id"] == checkout_id.as_str()) {
            checkouts.push(json!({
                "id": checkout_id,
                "origin": ORIGIN,
                "tree_name": format!("linux-{}", r.kernel),
                "valid": true,
                "misc": {"series": r.series, "revision": r.revision, "kernel": r.kernel},
            }));
        }
        let build_id = format!(
            "{checkout_id}-{}-{}",
            r.arch_label().replace('/', "-"),
            r.config.name()
        );
        builds.push(kcidb_build(r, &checkout_id, &build_id));
        tests.extend(kcidb_tests(r, &build_id));
    }
    json!({
        "version": {"major": KCIDB_VERSION.0, "minor": KCIDB_VERSION.1},
        "checkouts": checkouts,
        "builds": builds,
        "tests": tests,
    })
}

/// The KCIDB build of one record: its arch and config on its checkout.
fn kcidb_build(r: &KunitRecord, checkout_id: &str, build_id: &str) -> Value {
    let mut build = json!({
        "checkout_id": checkout_id,
        "id": build_id,
        "origin": ORIGIN,
        "architecture": r.arch.name(),
        "config_name": format!("kunit {}", r.config.name()),
        // A record exists only for a kernel that built and booted to KTAP.
        "status": "PASS",
        "misc": {"machine": r.machine, "how_run": r.arch.how_run(), "timed_loop": r.own_loop, "page_size": r.page_size},
    });
    if let Some(s) = r.duration_s {
        build["duration"] = json!(s);
    }
    build
}

/// The KCIDB tests of one record: its cases, the results its crashes never
/// gave, then its timing figures.
fn kcidb_tests(r: &KunitRecord, build_id: &str) -> Vec<Value> {
    let mut tests = Vec::new();
    for case in &r.cases {
        let extra = match &case.outcome {
            Outcome::Skip(reason) => Some(json!({"misc": {"reason": reason}})),
            Outcome::Fail => Some(json!({"log_excerpt": case.diagnostics.join("\n")})),
            Outcome::Pass => None,
        };
        tests.push(kcidb_test(
            build_id,
            kcidb_path(&case.path),
            status(&case.outcome),
            extra,
        ));
    }
    for m in &r.missing {
        tests.push(kcidb_test(
            build_id,
            kcidb_path(&m.parent),
            "MISS",
            Some(json!({"misc": {"planned": m.planned, "seen": m.seen}})),
        ));
    }
    for f in &r.figures {
        tests.push(kcidb_test(
            build_id,
            format!(
                "sgvmap_timing.{}.{}.{}",
                path_segment(&f.arch),
                f.size,
                path_segment(&f.implementation)
            ),
            "DONE",
            Some(json!({
                "number": {"value": f.ns, "unit": "ns"},
                "misc": {"size_bytes": f.size, "implementation": f.implementation, "minimum_of_runs": f.runs},
            })),
        ));
    }
    tests
}

/// One KCIDB test of `build_id`, with the `extra` fields its status needs.
fn kcidb_test(build_id: &str, path: String, status: &str, extra: Option<Value>) -> Value {
    let mut t = json!({
        "build_id": build_id,
        "id": format!("{build_id}:{path}"),
        "origin": ORIGIN,
        "path": path,
        "status": status,
    });
    if let (Some(extra), Some(obj)) = (extra, t.as_object_mut()) {
        for (k, v) in extra.as_object().into_iter().flatten() {
            obj.insert(k.clone(), v.clone());
        }
    }
    t
}
