//! KASAN in a KUnit run: the reports in the kernel's log, and whether the
//! run shows what a KASAN run of the suite must show.
//!
//! Every revision's own code must be clean: no report at all outside the
//! one case that drives the v1 loop past an array of exactly `npages`
//! slots. That case must fail, and KASAN's report must name the v1 loop,
//! so a KASAN that stopped seeing the bug fails the run as surely as a
//! report from the heap's code does.

use serde::Serialize;

use crate::kernel::ktap;

/// The case whose failure is the expected KASAN report.
pub const EXPECTED_CASE: &str = "system_heap_vmap_kasan.sgvmap_v1_overflow_under_kasan";

/// The function KASAN's expected report is in: the v1 loop, or the case
/// or its `sgvmap_v1_overflow_into_kmalloc` helper if the compiler inlined
/// the loop into them.
pub const EXPECTED_FUNCTION: &str = "sgvmap_v1";

/// The Rust twin of the expected case, in a build with the Rust core:
/// rust-heap's v1 conversion driven past the same array. KASAN must see
/// the store in Rust code too, or the Rust side is not really checked.
pub const RUST_EXPECTED_CASE: &str = "system_heap_rust_kasan.srh_rust_v1_overflow_under_kasan";

/// The suite that holds [`RUST_EXPECTED_CASE`].
const RUST_EXPECTED_SUITE: &str = "system_heap_rust_kasan";

/// Whether a report is in rust-heap's v1 conversion: the exported
/// function, or the core's `convert::v1` under its v0-mangled name.
fn in_rust_v1(function: &str) -> bool {
    function.starts_with("rust_sgvmap_v1") || function.contains("convert2v1")
}

/// The marker every KASAN report's first line carries.
const MARKER: &str = "BUG: KASAN: ";

/// One report's first line, taken apart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Report {
    /// `slab-out-of-bounds`, `use-after-free`, ...
    pub kind: String,
    /// The function the bad access was made in.
    pub function: String,
    /// The line as printed.
    pub line: String,
}

/// Every KASAN report in a kernel log, in order.
pub fn reports(log: &str) -> Vec<Report> {
    log.lines()
        .filter_map(|line| {
            let at = line.find(MARKER)?;
            let rest = &line[at + MARKER.len()..];
            let (kind, place) = rest.split_once(" in ").unwrap_or((rest, ""));
            let function = place
                .split(|c: char| c == '+' || c.is_whitespace())
                .next()
                .unwrap_or_default();
            Some(Report {
                kind: kind.trim().to_string(),
                function: function.to_string(),
                line: line[at..].trim_end().to_string(),
            })
        })
        .collect()
}

/// What a KASAN run showed, judged.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct Verdict {
    /// Reports in the v1 loop, from the expected case.
    pub expected_reports: Vec<Report>,
    /// Any other report: a bug KASAN found in code that must be clean.
    pub unexpected_reports: Vec<Report>,
    /// Failed cases other than the expected one.
    pub unexpected_failures: Vec<String>,
    /// The expected case failed, as its KASAN report makes it.
    pub expected_case_failed: bool,
    /// Reports in rust-heap's v1 conversion, from the Rust twin.
    #[serde(default)]
    pub rust_expected_reports: Vec<Report>,
    /// Whether the Rust twin failed; `None` when the build has no Rust.
    #[serde(default)]
    pub rust_case_failed: Option<bool>,
}

impl Verdict {
    /// Judges a run from its parsed KTAP and its raw log.
    pub fn of(run: &ktap::Run, log: &str) -> Verdict {
        let (expected_reports, others): (Vec<Report>, Vec<Report>) = reports(log)
            .into_iter()
            .partition(|r| r.function.starts_with(EXPECTED_FUNCTION));
        let (rust_expected_reports, unexpected_reports) =
            others.into_iter().partition(|r| in_rust_v1(&r.function));
        let failures: Vec<String> = run.failures().into_iter().map(|(p, _)| p).collect();
        let has_rust = run.suites.iter().any(|s| s.name == RUST_EXPECTED_SUITE);
        Verdict {
            expected_reports,
            unexpected_reports,
            expected_case_failed: failures.iter().any(|p| p == EXPECTED_CASE),
            rust_case_failed: has_rust.then(|| failures.iter().any(|p| p == RUST_EXPECTED_CASE)),
            rust_expected_reports,
            unexpected_failures: failures
                .into_iter()
                .filter(|p| p != EXPECTED_CASE && p != RUST_EXPECTED_CASE)
                .collect(),
        }
    }

    /// Why the run does not show what it must; empty when it does.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        for r in &self.unexpected_reports {
            out.push(format!(
                "KASAN reported a bug outside the v1 overflow case: {}",
                r.line
            ));
        }
        for f in &self.unexpected_failures {
            out.push(format!("{f} failed"));
        }
        if self.expected_reports.is_empty() {
            out.push(format!(
                "KASAN did not report the v1 loop's store past the array ({EXPECTED_CASE}): \
                 is CONFIG_KASAN on and kasan_multi_shot given?"
            ));
        }
        if !self.expected_case_failed {
            out.push(format!(
                "{EXPECTED_CASE} did not fail: KUnit should fail a case in which KASAN reports"
            ));
        }
        match self.rust_case_failed {
            None => {
                // Without the Rust core a report in it cannot be expected.
                for r in &self.rust_expected_reports {
                    out.push(format!(
                        "KASAN reported a bug in Rust code in a build without the Rust case: {}",
                        r.line
                    ));
                }
            }
            Some(failed) => {
                if self.rust_expected_reports.is_empty() {
                    out.push(format!(
                        "KASAN did not report the Rust v1 conversion's store past the array \
                         ({RUST_EXPECTED_CASE}): is the Rust code instrumented?"
                    ));
                }
                if !failed {
                    out.push(format!(
                        "{RUST_EXPECTED_CASE} did not fail: KUnit should fail a case in which KASAN reports"
                    ));
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_lines_are_taken_apart() {
        let log = "[   3.1] ok 1 x\n\
            [   3.2] BUG: KASAN: slab-out-of-bounds in sgvmap_v1+0x1c4/0x290\n\
            ==================================================================\n\
            BUG: KASAN: use-after-free in system_heap_do_vmap.isra.0+0x10/0x80\n";
        let r = reports(log);
        assert_eq!(r.len(), 2);
        assert_eq!(
            (r[0].kind.as_str(), r[0].function.as_str()),
            ("slab-out-of-bounds", "sgvmap_v1")
        );
        assert_eq!(r[1].function, "system_heap_do_vmap.isra.0");
        assert!(r[1].line.starts_with("BUG: KASAN: use-after-free"));
    }

    /// A KTAP run with the given failed cases under their suites.
    fn run_with(suites: &[(&str, &str)]) -> ktap::Run {
        let mut text = format!("KTAP version 1\n1..{}\n", suites.len());
        for (n, (suite, case)) in suites.iter().enumerate() {
            text.push_str(&format!(
                "    KTAP version 1\n    # Subtest: {suite}\n    1..1\n    not ok 1 {case}\nnot ok {} {suite}\n",
                n + 1
            ));
        }
        ktap::parse(&text).unwrap()
    }

    #[test]
    fn the_rust_twin_is_judged_only_where_it_runs() {
        let c_only = run_with(&[("system_heap_vmap_kasan", "sgvmap_v1_overflow_under_kasan")]);
        let both = run_with(&[
            ("system_heap_vmap_kasan", "sgvmap_v1_overflow_under_kasan"),
            ("system_heap_rust_kasan", "srh_rust_v1_overflow_under_kasan"),
        ]);
        let c_report =
            "BUG: KASAN: slab-out-of-bounds in sgvmap_v1_overflow_under_kasan+0x4d6/0x690\n";
        let rust_report = "BUG: KASAN: slab-out-of-bounds in rust_sgvmap_v1+0x358/0x430\n";

        // A C build: the C case alone, nothing asked of Rust.
        let v = Verdict::of(&c_only, c_report);
        assert_eq!(v.rust_case_failed, None);
        assert!(v.problems().is_empty(), "{:?}", v.problems());

        // A Rust build whose Rust store KASAN reported: clean.
        let v = Verdict::of(&both, &format!("{c_report}{rust_report}"));
        assert_eq!(v.rust_case_failed, Some(true));
        assert_eq!(v.rust_expected_reports.len(), 1);
        assert!(v.problems().is_empty(), "{:?}", v.problems());

        // A Rust build in which KASAN saw nothing in Rust: a problem.
        let v = Verdict::of(&both, c_report);
        assert!(
            v.problems()
                .iter()
                .any(|p| p.contains("is the Rust code instrumented?")),
            "{:?}",
            v.problems()
        );

        // The mangled name of the core's v1 counts as the Rust twin too.
        assert!(in_rust_v1("_RNvNtCs1a2b_16system_heap_rust7convert2v1"));
        assert!(!in_rust_v1("system_heap_do_vmap"));
    }
}
