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

/// The function KASAN's expected report is in (the v1 loop, or the case
/// itself if the compiler inlined the loop into it).
pub const EXPECTED_FUNCTION: &str = "sgvmap_v1";

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
}

impl Verdict {
    /// Judges a run from its parsed KTAP and its raw log.
    pub fn of(run: &ktap::Run, log: &str) -> Verdict {
        let (expected_reports, unexpected_reports) = reports(log)
            .into_iter()
            .partition(|r| r.function.starts_with(EXPECTED_FUNCTION));
        let failures: Vec<String> = run.failures().into_iter().map(|(p, _)| p).collect();
        Verdict {
            expected_reports,
            unexpected_reports,
            expected_case_failed: failures.iter().any(|p| p == EXPECTED_CASE),
            unexpected_failures: failures
                .into_iter()
                .filter(|p| p != EXPECTED_CASE)
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
}
