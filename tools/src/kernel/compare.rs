//! The regression gate: this run's figures against a stored run of the
//! same series, revision, arch and config. Every figure that moved is
//! reported as a ratio of medians. One fails only when the rule of
//! [`super::spread`] sees a difference (its range lies wholly above the
//! stored one: overlapping ranges are no difference measured) and its
//! median got slower by more than the threshold; unless the machines
//! differ, which is reported instead (a figure from another machine is not
//! a regression). A figure without a range (a record written before the
//! suite printed one) can only be judged by its minimum against the
//! threshold, as the gate did before ranges, and is marked so.

use std::collections::BTreeMap;

use serde::Serialize;

use super::ktap::Figure;
use super::record::KunitRecord;
use super::spread::{self, Difference};

/// Figures that moved less than this are not listed: timer and
/// scheduling noise on a quiet machine.
pub const REPORT_FROM: f64 = 0.02;

/// The least threshold a stored run's spread can give.
pub const MIN_THRESHOLD: f64 = 0.10;

/// The figures measured the same way in every revision's build: the
/// loops, the floor and `vmap()` alone do not depend on the revision.
const SAME_CODE_IN_EVERY_REVISION: [&str; 9] = [
    "before",
    "v1",
    "bounded",
    "floor",
    "floor-store",
    "floor-memset",
    "floor-memcpy",
    "rust",
    "vmap",
];

/// One figure in both runs.
#[derive(Debug, Clone, Serialize)]
pub struct Moved {
    /// `<series> <revision> <arch> <config>`.
    pub run: String,
    /// Buffer size in bytes.
    pub size: u64,
    /// `before`, `v1`, `vmap`, `whole`, ...
    pub implementation: String,
    /// The stored run's time: its median, or its minimum (see `basis`).
    pub old_ns: u64,
    /// This run's time, the same statistic.
    pub new_ns: u64,
    /// new / old: above 1 is slower.
    pub ratio: f64,
    /// What the two figures could be judged by.
    pub basis: Basis,
    /// How much slower it may get before it fails (a fraction).
    pub allowed: f64,
}

/// How a moved figure was judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// Both have ranges and they do not overlap: a measured difference,
    /// a regression when slower by more than the threshold.
    RangesApart,
    /// Both have ranges and they overlap: no difference measured, never
    /// a regression however far the medians moved.
    RangesOverlap,
    /// At least one has a minimum only: the minima against the threshold.
    MinimaOnly,
}

impl Basis {
    fn words(self) -> &'static str {
        match self {
            Basis::RangesApart => "medians, ranges apart",
            Basis::RangesOverlap => "medians, ranges overlap: no difference measured",
            Basis::MinimaOnly => "minima: no range recorded",
        }
    }
}

/// The new figure against the old by the rule: which statistic the two
/// are set against each other by, and how the rule judges them.
fn judge(new: &Figure, old: &Figure) -> (u64, u64, Basis) {
    let (n, o) = spread::comparable(new, old);
    let basis = match spread::difference(new, old) {
        Difference::Ratio(_) => Basis::RangesApart,
        Difference::Overlap => Basis::RangesOverlap,
        Difference::NoSpread => Basis::MinimaOnly,
    };
    (n, o, basis)
}

/// What the gate found.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    /// The threshold given for every figure, as a fraction (0.25: 25%
    /// slower fails); `None`: per figure, from the stored run's spread.
    pub threshold: Option<f64>,
    /// Where the threshold came from.
    pub threshold_from: String,
    /// Every figure that moved by at least [`REPORT_FROM`].
    pub moved: Vec<Moved>,
    /// Figures slower than the threshold on the same machine: failures.
    pub regressions: Vec<Moved>,
    /// Runs whose machine differs from the stored run's: compared, not judged.
    pub other_machine: Vec<String>,
    /// Runs of this run with no stored counterpart.
    pub unmatched: Vec<String>,
}

impl Comparison {
    /// Whether the gate fails.
    pub fn failed(&self) -> bool {
        !self.regressions.is_empty()
    }

    /// The report as lines for a person.
    pub fn render(&self) -> String {
        let mut out = format!(
            "compared with the stored run: a figure fails when its range lies above the stored one's \
             and its median is slower by more than the threshold; without a range, its minimum \
             (threshold: {})\n",
            self.threshold_from
        );
        for m in &self.moved {
            let verdict = if self.regressions.iter().any(|r| same_figure(r, m)) {
                "  REGRESSION"
            } else {
                ""
            };
            out.push_str(&format!(
                "  {:<38} {:>5} {:<8} {:>12} -> {:>12} ns  {:.2}x (allowed {:.2}x; {}){verdict}\n",
                m.run,
                super::units::human_size(m.size),
                m.implementation,
                m.old_ns,
                m.new_ns,
                m.ratio,
                1.0 + m.allowed,
                m.basis.words()
            ));
        }
        if self.moved.is_empty() {
            out.push_str(&format!(
                "  no figure moved by {:.0}% or more\n",
                REPORT_FROM * 100.0
            ));
        }
        for r in &self.other_machine {
            out.push_str(&format!(
                "  {r}: measured on another machine than the stored run: reported, not judged\n"
            ));
        }
        for r in &self.unmatched {
            out.push_str(&format!("  {r}: no stored run to compare with\n"));
        }
        out
    }
}

fn same_figure(a: &Moved, b: &Moved) -> bool {
    a.run == b.run && a.size == b.size && a.implementation == b.implementation
}

/// A figure across the revisions of one series: series, arch on kernel,
/// config, size, implementation.
pub type FigureKey = (String, String, String, u64, String);

/// The spread of the stored run, per figure: the relative difference
/// between the fastest and slowest of the revisions' measurements of the
/// same code (the loops, the floor and `vmap()` are the same in every
/// build of a series; another series may change `vmap()` itself), keyed by
/// series, arch, config, size and implementation.
pub fn stored_spreads(stored: &[KunitRecord]) -> BTreeMap<FigureKey, f64> {
    let mut by_figure: BTreeMap<FigureKey, Vec<u64>> = BTreeMap::new();
    for r in stored {
        for f in &r.figures {
            if SAME_CODE_IN_EVERY_REVISION.contains(&f.implementation.as_str()) {
                by_figure
                    .entry(figure_key(r, f.size, &f.implementation))
                    .or_default()
                    .push(f.ns);
            }
        }
    }
    by_figure
        .into_iter()
        .filter(|(_, v)| v.len() > 1)
        .filter_map(|(k, v)| {
            let (lo, hi) = (*v.iter().min()?, *v.iter().max()?);
            (lo > 0).then(|| (k, (hi - lo) as f64 / lo as f64))
        })
        .collect()
}

fn figure_key(r: &KunitRecord, size: u64, implementation: &str) -> FigureKey {
    (
        r.series.clone(),
        // The same code on another kernel (a series' revisions on 6.12 and
        // on mainline) is another figure: the kernel around it differs.
        format!("{} on {}", r.arch_label(), r.kernel),
        r.config.name().to_string(),
        size,
        implementation.to_string(),
    )
}

/// How much slower a figure may get before it fails (its median, or its
/// minimum where it has no range; and only when the ranges are apart):
/// the given threshold,
/// else the figure's own spread in the stored run, else the median spread
/// of its arch and config (a figure that only one revision measures, like
/// the whole path), never less than [`MIN_THRESHOLD`].
struct Allowance {
    given: Option<f64>,
    spreads: BTreeMap<FigureKey, f64>,
}

impl Allowance {
    fn for_figure(&self, r: &KunitRecord, size: u64, implementation: &str) -> f64 {
        if let Some(t) = self.given {
            return t;
        }
        let key = figure_key(r, size, implementation);
        let own = self.spreads.get(&key).copied();
        let typical = || {
            let mut same: Vec<f64> = self
                .spreads
                .iter()
                .filter(|(k, _)| k.0 == key.0 && k.1 == key.1 && k.2 == key.2)
                .map(|(_, v)| *v)
                .collect();
            same.sort_by(f64::total_cmp);
            same.get(same.len() / 2).copied()
        };
        own.or_else(typical).unwrap_or(0.0).max(MIN_THRESHOLD)
    }
}

/// Compares this run's records with the stored ones. `threshold`: a
/// fraction for every figure given by the user; `None`: per figure, from
/// the stored run's spread (see [`stored_spreads`]).
pub fn compare(new: &[KunitRecord], stored: &[KunitRecord], threshold: Option<f64>) -> Comparison {
    let allowance = Allowance {
        given: threshold,
        spreads: stored_spreads(stored),
    };
    let threshold_from = match threshold {
        Some(_) => "given".to_string(),
        None => format!(
            "per figure: its spread between the stored revisions' runs of the same code, or its arch's median spread, at least {:.0}%",
            MIN_THRESHOLD * 100.0
        ),
    };
    let mut c = Comparison {
        threshold,
        threshold_from,
        moved: Vec::new(),
        regressions: Vec::new(),
        other_machine: Vec::new(),
        unmatched: Vec::new(),
    };
    for r in new {
        let key = r.run_name();
        let Some(old) = stored.iter().find(|s| s.run_name() == key) else {
            c.unmatched.push(key);
            continue;
        };
        let same_machine = old.machine == r.machine;
        if !same_machine {
            c.other_machine.push(key.clone());
        }
        for f in &r.figures {
            let Some(o) = old
                .figures
                .iter()
                .find(|o| o.size == f.size && o.implementation == f.implementation)
            else {
                continue;
            };
            let (new_ns, old_ns, basis) = judge(f, o);
            if old_ns == 0 {
                continue;
            }
            let ratio = new_ns as f64 / old_ns as f64;
            if (ratio - 1.0).abs() < REPORT_FROM {
                continue;
            }
            let allowed = allowance.for_figure(old, f.size, &f.implementation);
            let moved = Moved {
                run: key.clone(),
                size: f.size,
                implementation: f.implementation.clone(),
                old_ns,
                new_ns,
                ratio,
                basis,
                allowed,
            };
            // Overlapping ranges are no difference, however far apart
            // the medians are: that is the one rule the tables use too.
            if same_machine && basis != Basis::RangesOverlap && ratio > 1.0 + allowed {
                c.regressions.push(moved.clone());
            }
            c.moved.push(moved);
        }
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::kunitpy::{Arch, Config};
    use crate::machine::Machine;

    fn record(figures: Vec<Figure>) -> KunitRecord {
        KunitRecord {
            series: "system-heap-vmap".into(),
            revision: "v3".into(),
            kernel: "7.2.13".into(),
            arch: Arch::Um,
            config: Config::C,
            page_size: 4096,
            machine: Machine::this(),
            passed: 1,
            failed: Vec::new(),
            missing: Vec::new(),
            skipped: Vec::new(),
            figures,
            mixes: Vec::new(),
            counted_mixes: Vec::new(),
            own_loop: None,
            log: "kunit.log".into(),
            kasan: None,
            stress: None,
            cases: Vec::new(),
            duration_s: None,
        }
    }

    fn whole(min: u64, median: Option<u64>, max: Option<u64>) -> Figure {
        Figure {
            arch: "um".into(),
            size: 256 << 20,
            implementation: "whole".into(),
            ns: min,
            median_ns: median,
            max_ns: max,
            runs: 21,
            boots: Some(3),
            instructions: None,
            from: None,
        }
    }

    /// The stored figure: 100 (90-110) us.
    fn stored() -> Vec<KunitRecord> {
        vec![record(vec![whole(90_000, Some(100_000), Some(110_000))])]
    }

    #[test]
    fn overlapping_ranges_are_not_a_regression() {
        // The median 50% slower, but the fastest run is inside the stored
        // range: no difference measured.
        let new = vec![record(vec![whole(105_000, Some(150_000), Some(160_000))])];
        let c = compare(&new, &stored(), Some(0.10));
        assert!(!c.failed(), "{}", c.render());
        assert_eq!(c.moved.len(), 1);
        assert_eq!(c.moved[0].basis, Basis::RangesOverlap);
        assert!((c.moved[0].ratio - 1.5).abs() < 1e-9);
        assert!(c.render().contains("no difference measured"));
        // Touching bounds overlap too.
        let touching = vec![record(vec![whole(110_000, Some(150_000), Some(160_000))])];
        assert!(!compare(&touching, &stored(), Some(0.10)).failed());
    }

    #[test]
    fn disjoint_ranges_slower_than_the_threshold_are_a_regression() {
        let new = vec![record(vec![whole(111_000, Some(150_000), Some(160_000))])];
        let c = compare(&new, &stored(), Some(0.10));
        assert!(c.failed(), "{}", c.render());
        assert_eq!(c.regressions[0].basis, Basis::RangesApart);
        assert!(c.render().contains("REGRESSION"));
        // Apart, but within the threshold: reported, not failed.
        let c = compare(&new, &stored(), Some(0.60));
        assert!(!c.failed() && c.moved.len() == 1, "{}", c.render());
        // Apart and faster: movement, not a regression.
        let faster = vec![record(vec![whole(50_000, Some(60_000), Some(80_000))])];
        let c = compare(&faster, &stored(), Some(0.10));
        assert!(!c.failed() && c.moved[0].basis == Basis::RangesApart);
    }

    #[test]
    fn a_figure_without_a_range_is_judged_by_its_minimum() {
        // A stored record from before ranges: minima against the threshold.
        let old = vec![record(vec![whole(90_000, None, None)])];
        let slower = vec![record(vec![whole(120_000, Some(130_000), Some(140_000))])];
        let c = compare(&slower, &old, Some(0.10));
        assert!(c.failed(), "{}", c.render());
        assert_eq!(c.regressions[0].basis, Basis::MinimaOnly);
        assert_eq!(
            (c.regressions[0].old_ns, c.regressions[0].new_ns),
            (90_000, 120_000)
        );
        assert!(c.render().contains("minima: no range recorded"));
        let close = vec![record(vec![whole(95_000, None, None)])];
        assert!(!compare(&close, &old, Some(0.10)).failed());
    }
}
