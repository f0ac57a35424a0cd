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

/// One `# sgvmap_timing: arch=.. size=.. impl=.. ns=.. runs=..` line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Figure {
    /// `um`, `arm64`, ...
    pub arch: String,
    /// Buffer size in bytes.
    pub size: u64,
    /// `before`, `v1`, `bounded`, `rust`, `floor`, `vmap` or `whole`.
    pub implementation: String,
    /// Minimum over the runs, nanoseconds.
    pub ns: u64,
    /// Median of the runs, nanoseconds (records before spread: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub median_ns: Option<u64>,
    /// Maximum over the runs, nanoseconds (records before spread: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_ns: Option<u64>,
    /// Runs the figure was taken over.
    pub runs: u32,
    /// Boots the runs came from (records of one boot: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boots: Option<u32>,
}

/// One figure per (arch, size, implementation) over several boots of the
/// same kernel: the lowest minimum, the median of the boots' medians,
/// the highest maximum, all the runs. One boot's figures come back as
/// they are.
pub fn merge_boots(boots: &[Vec<Figure>]) -> Vec<Figure> {
    if boots.len() < 2 {
        return boots.first().cloned().unwrap_or_default();
    }
    let mut out: Vec<Figure> = Vec::new();
    for f in boots.iter().flatten() {
        let key = |g: &Figure| {
            (
                g.arch == f.arch,
                g.size == f.size,
                g.implementation == f.implementation,
            )
        };
        if out.iter().any(|g| key(g) == (true, true, true)) {
            continue;
        }
        let same: Vec<&Figure> = boots
            .iter()
            .flatten()
            .filter(|g| key(g) == (true, true, true))
            .collect();
        let mut medians: Vec<u64> = same.iter().filter_map(|g| g.median_ns).collect();
        medians.sort_unstable();
        out.push(Figure {
            arch: f.arch.clone(),
            size: f.size,
            implementation: f.implementation.clone(),
            ns: same.iter().map(|g| g.ns).min().unwrap_or(f.ns),
            median_ns: (medians.len() == same.len()).then(|| medians[medians.len() / 2]),
            max_ns: same
                .iter()
                .map(|g| g.max_ns)
                .collect::<Option<Vec<u64>>>()
                .and_then(|m| m.into_iter().max()),
            runs: same.iter().map(|g| g.runs).sum(),
            boots: Some(same.len() as u32),
        });
    }
    out
}

/// Lines of diagnostics kept per test: enough for a failed expectation
/// with its values, not a whole kernel log.
const MAX_DIAGNOSTICS: usize = 24;

/// The key that starts a figure line.
pub const FIGURE_KEY: &str = "sgvmap_timing:";

/// Parses one figure line's text after `# `; `None` if it is not one.
/// A line that starts with the key but lacks a field is an error.
pub fn parse_figure(text: &str) -> Option<Result<Figure, String>> {
    // kunit_info() in a parameterised case puts "<case>: " in front, so
    // the key is searched for, not expected at the start.
    let at = text.find(FIGURE_KEY)?;
    let rest = &text[at + FIGURE_KEY.len()..];
    let rest = match rest.find(FIGURE_KEY) {
        Some(again) => &rest[again + FIGURE_KEY.len()..],
        None => rest,
    };
    let mut arch = None;
    let mut size = None;
    let mut implementation = None;
    let mut ns = None;
    let mut median_ns = None;
    let mut max_ns = None;
    let mut runs = None;
    for field in rest.split_whitespace() {
        let Some((key, value)) = field.split_once('=') else {
            return Some(Err(format!(
                "figure field {field:?} is not key=value in {text:?}"
            )));
        };
        let bad = |what: &str| format!("figure field {key}={value:?} is not {what} in {text:?}");
        match key {
            "arch" => arch = Some(value.to_string()),
            "size" => match value.parse() {
                Ok(v) => size = Some(v),
                Err(_) => return Some(Err(bad("a byte count"))),
            },
            "impl" => implementation = Some(value.to_string()),
            "ns" | "median" | "max" => match value.parse() {
                Ok(v) => match key {
                    "ns" => ns = Some(v),
                    "median" => median_ns = Some(v),
                    _ => max_ns = Some(v),
                },
                Err(_) => return Some(Err(bad("nanoseconds"))),
            },
            "runs" => match value.parse() {
                Ok(v) => runs = Some(v),
                Err(_) => return Some(Err(bad("a run count"))),
            },
            // Unknown keys are for later versions of the format.
            _ => {}
        }
    }
    Some(match (arch, size, implementation, ns, runs) {
        (Some(arch), Some(size), Some(implementation), Some(ns), Some(runs)) => Ok(Figure {
            arch,
            size,
            implementation,
            ns,
            median_ns,
            max_ns,
            runs,
            boots: None,
        }),
        _ => Err(format!(
            "figure line lacks one of arch, size, impl, ns, runs: {text:?}"
        )),
    })
}

/// Removes a `[  12.345678] ` kernel timestamp, if any.
fn strip_timestamp(line: &str) -> &str {
    let trimmed = line.trim_end_matches(['\r', '\n']);
    if let Some(rest) = trimmed.strip_prefix('[') {
        if let Some((stamp, after)) = rest.split_once("] ") {
            if stamp.trim().chars().all(|c| c.is_ascii_digit() || c == '.') {
                return after;
            }
        }
    }
    trimmed
}

/// A test whose result line has not come yet.
struct Open {
    depth: usize,
    /// From `# Subtest: name`, for a test that never reports its result.
    name: Option<String>,
    planned: Option<usize>,
    subtests: Vec<Test>,
    diagnostics: Vec<String>,
}

impl Open {
    fn new(depth: usize) -> Open {
        Open {
            depth,
            name: None,
            planned: None,
            subtests: Vec::new(),
            diagnostics: Vec::new(),
        }
    }
}

fn parse_result(body: &str) -> Option<(bool, String, Option<String>)> {
    let (passed, rest) = if let Some(r) = body.strip_prefix("not ok ") {
        (false, r)
    } else if let Some(r) = body.strip_prefix("ok ") {
        (true, r)
    } else {
        return None;
    };
    // "<number> <name> [# DIRECTIVE reason]"
    let (number, rest) = rest.split_once(' ').unwrap_or((rest, ""));
    number.parse::<usize>().ok()?;
    let rest = rest.strip_prefix("- ").unwrap_or(rest);
    let (name, directive) = match rest.split_once(" # ") {
        Some((n, d)) => (n, Some(d)),
        None => match rest.strip_prefix("# ") {
            Some(d) => ("", Some(d)),
            None => (rest, None),
        },
    };
    let skip = directive.and_then(|d| {
        let d = d.trim_start();
        d.get(..4)
            .filter(|w| w.eq_ignore_ascii_case("skip"))
            .map(|_| d[4..].trim().to_string())
    });
    Some((passed, name.trim().to_string(), skip))
}

/// Parses kunit's console output (raw, as `kunit.py --raw_output=all`
/// gives it, or a saved log).
pub fn parse(output: &str) -> Result<Run, ParseError> {
    let mut figures = Vec::new();
    let mut figure_errors = Vec::new();
    let mut stack: Vec<Open> = Vec::new();
    let mut seen_header = false;
    let mut missing = Vec::new();
    let mut suites = Vec::new();
    let mut pending: Vec<String> = Vec::new();

    for raw in output.lines() {
        let line = strip_timestamp(raw);
        let body = line.trim_start_matches(' ');
        let indent = line.len() - body.len();
        let depth = indent / 4;

        if let Some(diag) = body.strip_prefix("# ").or_else(|| body.strip_prefix('#')) {
            if let Some(fig) = parse_figure(diag) {
                match fig {
                    Ok(f) => figures.push(f),
                    Err(e) => figure_errors.push(e),
                }
            }
        }

        if body.starts_with("KTAP version") || body.starts_with("TAP version") {
            seen_header = true;
            // A header opens a test at this depth unless one is open there.
            while stack.last().is_some_and(|o| o.depth > depth) {
                close_missing(&mut stack, &mut missing, &mut suites);
            }
            if stack.last().is_none_or(|o| o.depth < depth) {
                stack.push(Open::new(depth));
            }
            continue;
        }
        if !seen_header {
            continue;
        }
        if let Some(plan) = body.strip_prefix("1..") {
            if let (Ok(n), Some(top)) = (plan.trim().parse::<usize>(), stack.last_mut()) {
                if top.depth == depth {
                    top.planned = Some(n);
                }
            }
            continue;
        }
        if let Some(diag) = body.strip_prefix("# ") {
            if let Some(name) = diag.strip_prefix("Subtest: ") {
                if let Some(top) = stack.last_mut().filter(|o| o.depth == depth) {
                    top.name = Some(name.trim().to_string());
                }
                continue;
            }
            pending.push(diag.to_string());
            continue;
        }
        let Some((passed, name, skip)) = parse_result(body) else {
            // Continuation lines of a failed expectation ("Expected x == y,
            // but") carry no "#": keep them with the test they precede.
            if !stack.is_empty() && !body.is_empty() {
                pending.push(body.to_string());
            }
            continue;
        };
        {
            // Deeper tests still open never got their result: missing.
            while stack.last().is_some_and(|o| o.depth > depth + 1) {
                close_missing(&mut stack, &mut missing, &mut suites);
            }
            let (subtests, planned, diagnostics) = match stack.last() {
                Some(o) if o.depth == depth + 1 => {
                    let o = stack.pop().expect("checked");
                    if let Some(p) = o.planned {
                        if o.subtests.len() < p {
                            missing.push(Missing {
                                parent: name.clone(),
                                planned: p,
                                seen: o.subtests.len(),
                            });
                        }
                    }
                    (o.subtests, o.planned, o.diagnostics)
                }
                _ => (Vec::new(), None, Vec::new()),
            };
            // A test's diagnostics are the lines printed before its result.
            let mut diagnostics = diagnostics;
            diagnostics.append(&mut pending);
            if diagnostics.len() > MAX_DIAGNOSTICS {
                diagnostics.drain(..diagnostics.len() - MAX_DIAGNOSTICS);
            }
            let outcome = match (passed, skip) {
                (_, Some(reason)) => Outcome::Skip(reason),
                (true, None) => Outcome::Pass,
                (false, None) => Outcome::Fail,
            };
            let test = Test {
                name,
                outcome,
                subtests,
                planned,
                diagnostics,
            };
            match stack.last_mut() {
                Some(parent) if parent.depth == depth => parent.subtests.push(test),
                Some(_) | None => {
                    // A result at a depth with no open parent: a top level one.
                    if depth == 0 {
                        suites.push(test);
                    } else {
                        let mut o = Open::new(depth);
                        o.subtests.push(test);
                        stack.push(o);
                    }
                }
            }
        }
    }
    if !seen_header {
        return Err(ParseError::NoHeader);
    }
    while !stack.is_empty() {
        close_missing(&mut stack, &mut missing, &mut suites);
    }
    // Errors in figure lines are failures of the run: a figure the
    // report cannot read must not vanish silently.
    for err in figure_errors {
        suites.push(Test {
            name: "sgvmap_timing figure format".into(),
            outcome: Outcome::Fail,
            subtests: Vec::new(),
            planned: None,
            diagnostics: vec![err],
        });
    }
    Ok(Run {
        suites,
        missing,
        figures,
    })
}

/// Closes the innermost open test, which never got a result line.
fn close_missing(stack: &mut Vec<Open>, missing: &mut Vec<Missing>, suites: &mut Vec<Test>) {
    let o = stack.pop().expect("caller checks");
    let seen = o.subtests.len();
    let name = o
        .name
        .clone()
        .unwrap_or_else(|| format!("(unnamed test at depth {})", o.depth));
    if o.planned.is_some_and(|p| seen < p) || o.depth > 0 {
        missing.push(Missing {
            parent: name.clone(),
            planned: o.planned.unwrap_or(seen + 1),
            seen,
        });
    }
    // The root (depth 0) holds the suites.
    if o.depth == 0 {
        suites.extend(o.subtests);
    } else if let Some(parent) = stack.last_mut() {
        parent.subtests.push(Test {
            name,
            outcome: Outcome::Fail,
            subtests: o.subtests,
            planned: o.planned,
            diagnostics: o.diagnostics,
        });
    } else {
        suites.extend(o.subtests);
    }
}
