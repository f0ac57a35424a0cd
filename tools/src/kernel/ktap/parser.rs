//! The line parser: KTAP's headers, plans, diagnostics and result lines,
//! read one line at a time into the tree of tests, with the figure lines
//! picked out wherever they appear.

use super::figure::{parse_figure, Figure};
use super::mix::{parse_mix, MappingMix};
use super::{Missing, Outcome, ParseError, Run, Test};

/// Lines of diagnostics kept per test: enough for a failed expectation
/// with its values, not a whole kernel log.
const MAX_DIAGNOSTICS: usize = 24;

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
    /// A test opened at `depth`, nothing known of it yet.
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

/// A result line's pass, name and skip reason; `None` if it is not one.
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
    let mut parser = Parser::default();
    for raw in output.lines() {
        parser.line(raw);
    }
    parser.finish()
}

/// What the parser holds between lines.
#[derive(Default)]
struct Parser {
    figures: Vec<Figure>,
    mixes: Vec<MappingMix>,
    figure_errors: Vec<String>,
    /// Tests opened and not closed yet, innermost last.
    stack: Vec<Open>,
    seen_header: bool,
    missing: Vec<Missing>,
    suites: Vec<Test>,
    /// Diagnostics waiting for the result line of the test they precede.
    pending: Vec<String>,
}

impl Parser {
    /// Reads one line of output.
    fn line(&mut self, raw: &str) {
        let line = strip_timestamp(raw);
        let body = line.trim_start_matches(' ');
        let indent = line.len() - body.len();
        let depth = indent / 4;

        if let Some(diag) = body.strip_prefix("# ").or_else(|| body.strip_prefix('#')) {
            if let Some(fig) = parse_figure(diag) {
                match fig {
                    Ok(f) => self.figures.push(f),
                    Err(e) => self.figure_errors.push(e),
                }
            }
            if let Some(mix) = parse_mix(diag) {
                match mix {
                    Ok(m) => self.mixes.push(m),
                    Err(e) => self.figure_errors.push(e),
                }
            }
        }

        if body.starts_with("KTAP version") || body.starts_with("TAP version") {
            self.header(depth);
            return;
        }
        if !self.seen_header {
            return;
        }
        if let Some(plan) = body.strip_prefix("1..") {
            self.plan(plan, depth);
            return;
        }
        if let Some(diag) = body.strip_prefix("# ") {
            self.diagnostic(diag, depth);
            return;
        }
        let Some((passed, name, skip)) = parse_result(body) else {
            // Continuation lines of a failed expectation ("Expected x == y,
            // but") carry no "#": keep them with the test they precede.
            if !self.stack.is_empty() && !body.is_empty() {
                self.pending.push(body.to_string());
            }
            return;
        };
        self.result(depth, passed, name, skip);
    }

    /// A `KTAP version` (or `TAP version`) line at `depth`.
    fn header(&mut self, depth: usize) {
        self.seen_header = true;
        // A header opens a test at this depth unless one is open there.
        while self.stack.last().is_some_and(|o| o.depth > depth) {
            self.close_missing();
        }
        if self.stack.last().is_none_or(|o| o.depth < depth) {
            self.stack.push(Open::new(depth));
        }
    }

    /// A `1..N` plan line at `depth`, the text after `1..` given.
    fn plan(&mut self, plan: &str, depth: usize) {
        if let (Ok(n), Some(top)) = (plan.trim().parse::<usize>(), self.stack.last_mut()) {
            if top.depth == depth {
                top.planned = Some(n);
            }
        }
    }

    /// A `# ` line at `depth`: a subtest's name, or a diagnostic.
    fn diagnostic(&mut self, diag: &str, depth: usize) {
        if let Some(name) = diag.strip_prefix("Subtest: ") {
            if let Some(top) = self.stack.last_mut().filter(|o| o.depth == depth) {
                top.name = Some(name.trim().to_string());
            }
            return;
        }
        self.pending.push(diag.to_string());
    }

    /// An `ok`/`not ok` line at `depth`: the test it closes, placed under
    /// its parent.
    fn result(&mut self, depth: usize, passed: bool, name: String, skip: Option<String>) {
        // Deeper tests still open never got their result: missing.
        while self.stack.last().is_some_and(|o| o.depth > depth + 1) {
            self.close_missing();
        }
        let (subtests, planned, diagnostics) = self.close_subtests(depth, &name);
        // A test's diagnostics are the lines printed before its result.
        let mut diagnostics = diagnostics;
        diagnostics.append(&mut self.pending);
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
        match self.stack.last_mut() {
            Some(parent) if parent.depth == depth => parent.subtests.push(test),
            Some(_) | None => {
                // A result at a depth with no open parent: a top level one.
                if depth == 0 {
                    self.suites.push(test);
                } else {
                    let mut o = Open::new(depth);
                    o.subtests.push(test);
                    self.stack.push(o);
                }
            }
        }
    }

    /// The subtests, plan and diagnostics of the test `name` whose result
    /// line at `depth` has come (none if it opened no subtests).
    fn close_subtests(
        &mut self,
        depth: usize,
        name: &str,
    ) -> (Vec<Test>, Option<usize>, Vec<String>) {
        match self.stack.last() {
            Some(o) if o.depth == depth + 1 => {
                let o = self.stack.pop().expect("checked");
                if let Some(p) = o.planned {
                    if o.subtests.len() < p {
                        self.missing.push(Missing {
                            parent: name.to_string(),
                            planned: p,
                            seen: o.subtests.len(),
                        });
                    }
                }
                (o.subtests, o.planned, o.diagnostics)
            }
            _ => (Vec::new(), None, Vec::new()),
        }
    }

    /// Closes the innermost open test, which never got a result line.
    fn close_missing(&mut self) {
        let o = self.stack.pop().expect("caller checks");
        let seen = o.subtests.len();
        let name = o
            .name
            .clone()
            .unwrap_or_else(|| format!("(unnamed test at depth {})", o.depth));
        if o.planned.is_some_and(|p| seen < p) || o.depth > 0 {
            self.missing.push(Missing {
                parent: name.clone(),
                planned: o.planned.unwrap_or(seen + 1),
                seen,
            });
        }
        // The root (depth 0) holds the suites.
        if o.depth == 0 {
            self.suites.extend(o.subtests);
        } else if let Some(parent) = self.stack.last_mut() {
            parent.subtests.push(Test {
                name,
                outcome: Outcome::Fail,
                subtests: o.subtests,
                planned: o.planned,
                diagnostics: o.diagnostics,
            });
        } else {
            self.suites.extend(o.subtests);
        }
    }

    /// The run, once every line is read: tests still open are missing.
    fn finish(mut self) -> Result<Run, ParseError> {
        if !self.seen_header {
            return Err(ParseError::NoHeader);
        }
        while !self.stack.is_empty() {
            self.close_missing();
        }
        // Errors in figure lines are failures of the run: a figure the
        // report cannot read must not vanish silently.
        for err in self.figure_errors {
            self.suites.push(Test {
                name: "sgvmap_timing figure format".into(),
                outcome: Outcome::Fail,
                subtests: Vec::new(),
                planned: None,
                diagnostics: vec![err],
            });
        }
        Ok(Run {
            suites: self.suites,
            missing: self.missing,
            figures: self.figures,
            mixes: self.mixes,
        })
    }
}
