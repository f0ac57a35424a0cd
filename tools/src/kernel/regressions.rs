//! The base against the series, case by case: what a series changes in
//! the kernel's own KUnit suites. A case that passed on the base and
//! fails, is skipped or is missing with the series is a regression; a
//! case that failed on the base and passes now is a fix; a case the base
//! did not run is new. Nothing is compared by name alone across suites:
//! a case is its full `suite.case[.parameter]` path.

use std::collections::BTreeMap;

use serde::Serialize;

use super::ktap::Outcome;
use super::record::CaseRecord;

/// What became of a case that passed on the base.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "now", rename_all = "snake_case")]
pub enum Lost {
    /// It fails, with its diagnostic lines.
    Fails {
        /// The failed expectation, as KUnit printed it.
        diagnostics: Vec<String>,
    },
    /// It is skipped, for this reason.
    Skipped {
        /// KUnit's skip reason.
        reason: String,
    },
    /// It did not run at all (a crash, a suite that no longer builds, a
    /// renamed case).
    Missing,
}

/// A case that passed on the base and no longer passes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Regression {
    /// `suite.case[.parameter]`.
    pub case: String,
    /// What it does now.
    #[serde(flatten)]
    pub lost: Lost,
}

/// The comparison of one arch's base run with its series run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Comparison {
    /// Cases run on both.
    pub compared: usize,
    /// Passed on the base, not with the series.
    pub regressions: Vec<Regression>,
    /// Failed on the base, pass with the series.
    pub fixed: Vec<String>,
    /// Run with the series only.
    pub new_cases: Vec<String>,
}

impl Comparison {
    /// Whether the series loses anything the base had.
    pub fn regressed(&self) -> bool {
        !self.regressions.is_empty()
    }
}

/// Compares the cases of the base run with those of the series run.
pub fn compare(base: &[CaseRecord], series: &[CaseRecord]) -> Comparison {
    let now: BTreeMap<&str, &CaseRecord> = series.iter().map(|c| (c.path.as_str(), c)).collect();
    let before: BTreeMap<&str, &CaseRecord> = base.iter().map(|c| (c.path.as_str(), c)).collect();
    let mut out = Comparison::default();
    for (path, was) in &before {
        let Some(is) = now.get(path) else {
            if was.outcome == Outcome::Pass {
                out.regressions.push(Regression {
                    case: path.to_string(),
                    lost: Lost::Missing,
                });
            }
            continue;
        };
        out.compared += 1;
        match (&was.outcome, &is.outcome) {
            (Outcome::Pass, Outcome::Fail) => out.regressions.push(Regression {
                case: path.to_string(),
                lost: Lost::Fails {
                    diagnostics: is.diagnostics.clone(),
                },
            }),
            (Outcome::Pass, Outcome::Skip(reason)) => out.regressions.push(Regression {
                case: path.to_string(),
                lost: Lost::Skipped {
                    reason: reason.clone(),
                },
            }),
            (Outcome::Fail, Outcome::Pass) => out.fixed.push(path.to_string()),
            _ => {}
        }
    }
    out.new_cases = now
        .keys()
        .filter(|p| !before.contains_key(*p))
        .map(|p| p.to_string())
        .collect();
    out
}

/// The comparison as lines for people: the verdict first, then each
/// regression with what it does now.
pub fn render(arch: &str, c: &Comparison) -> String {
    let mut out = format!(
        "{arch}: {} case(s) on both; {}\n",
        c.compared,
        match c.regressions.len() {
            0 => "no regression".to_string(),
            n => format!("{n} regression(s)"),
        }
    );
    for r in &c.regressions {
        let now = match &r.lost {
            Lost::Fails { diagnostics } => match diagnostics.first() {
                Some(d) => format!("fails: {d}"),
                None => "fails".to_string(),
            },
            Lost::Skipped { reason } => format!("skipped: {reason}"),
            Lost::Missing => "missing (did not run)".to_string(),
        };
        out.push_str(&format!(
            "  REGRESSION {}: passed on the base, {now}\n",
            r.case
        ));
    }
    if !c.fixed.is_empty() {
        out.push_str(&format!(
            "  fixed (failed on the base): {}\n",
            c.fixed.join(", ")
        ));
    }
    if !c.new_cases.is_empty() {
        out.push_str(&format!(
            "  new with the series: {}\n",
            c.new_cases.join(", ")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(path: &str, outcome: Outcome) -> CaseRecord {
        CaseRecord {
            path: path.into(),
            diagnostics: match outcome {
                Outcome::Fail => vec!["Expected a == b".into()],
                _ => Vec::new(),
            },
            outcome,
        }
    }

    #[test]
    fn every_way_a_passing_case_is_lost() {
        let base = vec![
            case("s.kept", Outcome::Pass),
            case("s.breaks", Outcome::Pass),
            case("s.skips", Outcome::Pass),
            case("s.vanishes", Outcome::Pass),
            case("s.was_broken", Outcome::Fail),
            case("s.always_skipped", Outcome::Skip("no".into())),
        ];
        let series = vec![
            case("s.kept", Outcome::Pass),
            case("s.breaks", Outcome::Fail),
            case("s.skips", Outcome::Skip("needs X".into())),
            case("s.was_broken", Outcome::Pass),
            case("s.always_skipped", Outcome::Skip("no".into())),
            case("s.added", Outcome::Pass),
        ];
        let c = compare(&base, &series);
        assert_eq!(c.compared, 5);
        let lost: Vec<(&str, &Lost)> = c
            .regressions
            .iter()
            .map(|r| (r.case.as_str(), &r.lost))
            .collect();
        assert_eq!(
            lost,
            vec![
                (
                    "s.breaks",
                    &Lost::Fails {
                        diagnostics: vec!["Expected a == b".into()]
                    }
                ),
                (
                    "s.skips",
                    &Lost::Skipped {
                        reason: "needs X".into()
                    }
                ),
                ("s.vanishes", &Lost::Missing),
            ]
        );
        assert_eq!(c.fixed, vec!["s.was_broken"]);
        assert_eq!(c.new_cases, vec!["s.added"]);
        assert!(c.regressed());
        let text = render("um", &c);
        assert!(
            text.starts_with("um: 5 case(s) on both; 3 regression(s)\n"),
            "{text}"
        );
        assert!(text.contains("REGRESSION s.breaks: passed on the base, fails: Expected a == b"));
    }

    #[test]
    fn the_same_run_twice_is_no_regression() {
        let base = vec![case("s.a", Outcome::Pass), case("s.b", Outcome::Fail)];
        let c = compare(&base, &base);
        assert!(!c.regressed());
        assert_eq!(
            render("arm64", &c),
            "arm64: 2 case(s) on both; no regression\n"
        );
    }
}
