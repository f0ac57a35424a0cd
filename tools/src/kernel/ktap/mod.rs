//! A KTAP parser for kunit output, and the `sgvmap_timing` figure lines.
//!
//! KTAP nests by indentation: a subtest's own lines are indented one level
//! deeper than the `ok`/`not ok` line that closes it. Kernel log lines may
//! be interleaved and may carry a `[  12.345678] ` timestamp; both are
//! tolerated. What the parser cannot tolerate is a plan that promises more
//! results than arrive: that is a crash or a hang, and it is reported as
//! missing cases, never as a pass.

use std::fmt;

use serde::Serialize;

mod figure;
mod mix;
mod parser;

pub use figure::{
    count_differences, count_tolerance, merge_boots, parse_figure, with_counts, Figure, FIGURE_KEY,
};
pub use mix::{parse_mix, MappingMix, MIX_KEY};
pub use parser::parse;

/// How one test ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", tag = "status", content = "reason")]
pub enum Outcome {
    /// `ok`.
    Pass,
    /// `not ok`.
    Fail,
    /// `ok ... # SKIP reason`.
    Skip(String),
}

/// One test: a suite, a case or a parameter of a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Test {
    /// Its name as the result line gives it.
    pub name: String,
    /// How it ended.
    pub outcome: Outcome,
    /// Subtests, in order.
    pub subtests: Vec<Test>,
    /// How many subtests its plan promised, if it had one.
    pub planned: Option<usize>,
    /// Its diagnostic lines (`# ...`), without the `# `.
    pub diagnostics: Vec<String>,
}

impl Test {
    /// Every leaf test below (or this one if it has none), with its path.
    pub fn leaves(&self) -> Vec<(String, &Test)> {
        let mut out = Vec::new();
        self.collect_leaves(String::new(), &mut out);
        out
    }

    fn collect_leaves<'a>(&'a self, prefix: String, out: &mut Vec<(String, &'a Test)>) {
        let path = if prefix.is_empty() {
            self.name.clone()
        } else {
            format!("{prefix}.{}", self.name)
        };
        if self.subtests.is_empty() {
            out.push((path, self));
        } else {
            for t in &self.subtests {
                t.collect_leaves(path.clone(), out);
            }
        }
    }
}

/// What went wrong in a run, besides failed tests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Missing {
    /// The test whose plan was not met.
    pub parent: String,
    /// Results promised.
    pub planned: usize,
    /// Results seen.
    pub seen: usize,
}

/// A whole parsed run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Run {
    /// The top-level tests (suites).
    pub suites: Vec<Test>,
    /// Plans that were not met (crashed or hung runs).
    pub missing: Vec<Missing>,
    /// `sgvmap_timing` figures found anywhere in the output.
    pub figures: Vec<Figure>,
    /// `sgvmap_mix` lines found anywhere in the output.
    pub mixes: Vec<MappingMix>,
}

impl Run {
    /// Failed leaf tests, with their paths.
    pub fn failures(&self) -> Vec<(String, &Test)> {
        self.suites
            .iter()
            .flat_map(|s| s.leaves())
            .filter(|(_, t)| t.outcome == Outcome::Fail)
            .collect()
    }

    /// Skipped tests (leaves or whole subtrees), with their reasons.
    pub fn skips(&self) -> Vec<(String, String)> {
        self.suites
            .iter()
            .flat_map(|s| s.leaves())
            .filter_map(|(p, t)| match &t.outcome {
                Outcome::Skip(r) => Some((p, r.clone())),
                _ => None,
            })
            .collect()
    }

    /// Passed leaf tests.
    pub fn passed(&self) -> usize {
        self.suites
            .iter()
            .flat_map(|s| s.leaves())
            .filter(|(_, t)| t.outcome == Outcome::Pass)
            .count()
    }
}

/// Output that is not a KTAP run at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    /// No `KTAP version` / `TAP version` header anywhere.
    NoHeader,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::NoHeader => write!(
                f,
                "no KTAP output: expected a \"KTAP version 1\" line (did the kernel boot and run kunit?)"
            ),
        }
    }
}

impl std::error::Error for ParseError {}
