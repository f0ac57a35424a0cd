//! The regression gate: this run's figures against a stored run of the
//! same series, revision, arch and config. Every figure that moved is
//! reported as a ratio; one that got slower by more than the threshold
//! fails, unless the machines differ, which is reported instead (a figure
//! from another machine is not a regression).

use std::collections::BTreeMap;

use serde::Serialize;

use super::record::KunitRecord;

/// Figures that moved less than this are not listed: timer and
/// scheduling noise on a quiet machine.
pub const REPORT_FROM: f64 = 0.02;

/// The least threshold a stored run's spread can give.
pub const MIN_THRESHOLD: f64 = 0.10;

/// The figures measured the same way in every revision's build: the
/// loops, the floor and `vmap()` alone do not depend on the revision.
const SAME_CODE_IN_EVERY_REVISION: [&str; 6] = ["before", "v1", "bounded", "floor", "rust", "vmap"];

/// One figure in both runs.
#[derive(Debug, Clone, Serialize)]
pub struct Moved {
    /// `<series> <revision> <arch> <config>`.
    pub run: String,
    /// Buffer size in bytes.
    pub size: u64,
    /// `before`, `v1`, `vmap`, `whole`, ...
    pub implementation: String,
    /// The stored run's time.
    pub old_ns: u64,
    /// This run's time.
    pub new_ns: u64,
    /// new / old: above 1 is slower.
    pub ratio: f64,
    /// How much slower it may get before it fails (a fraction).
    pub allowed: f64,
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
            "compared with the stored run (threshold: {})\n",
            self.threshold_from
        );
        for m in &self.moved {
            let verdict = if self.regressions.iter().any(|r| same_figure(r, m)) {
                "  REGRESSION"
            } else {
                ""
            };
            out.push_str(&format!(
                "  {:<38} {:>5} {:<8} {:>12} -> {:>12} ns  {:.2}x (allowed {:.2}x){verdict}\n",
                m.run,
                super::table::human_size(m.size),
                m.implementation,
                m.old_ns,
                m.new_ns,
                m.ratio,
                1.0 + m.allowed
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
        format!("{} on {}", r.arch.name(), r.kernel),
        r.config.name().to_string(),
        size,
        implementation.to_string(),
    )
}

/// How much slower a figure may get before it fails: the given threshold,
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
            if o.ns == 0 {
                continue;
            }
            let ratio = f.ns as f64 / o.ns as f64;
            if (ratio - 1.0).abs() < REPORT_FROM {
                continue;
            }
            let allowed = allowance.for_figure(old, f.size, &f.implementation);
            let moved = Moved {
                run: key.clone(),
                size: f.size,
                implementation: f.implementation.clone(),
                old_ns: o.ns,
                new_ns: f.ns,
                ratio,
                allowed,
            };
            if same_machine && ratio > 1.0 + allowed {
                c.regressions.push(moved.clone());
            }
            c.moved.push(moved);
        }
    }
    c
}
