//! The cells of the tables: a time with the range of its runs, a ratio
//! only where [`spread`] finds two ranges apart, the runs behind a row.
//! A cell keeps what it holds, not its text, so that each renderer writes
//! it its own way: the terminal, Markdown and cover letters with the unit
//! in every cell (`grid`), the HTML page with one unit per column in its
//! header and a number to sort by (`html_table`). One place, so that
//! every table says the same thing the same way.

use super::ktap::Figure;
use super::spread::{self, Difference, Range};
use super::units::{human_size, human_time};

/// What every table's cells mean, printed once above them.
pub const LEGEND: &str = "\
Times: median (fastest-slowest) of a figure's runs. \"min only\": a record
written before the suite printed a median and a maximum; its fastest run
alone, no spread. A ratio (x) is printed only when the two ranges do not
overlap; otherwise \"no difference measured\", or \"no range\" where one
side is a minimum only and nothing can be judged. The floor is the fastest
way to fill the page array (store loop, memset64, memcpy); a loop whose
range lies wholly below it is an error, \"BELOW FLOOR\", and fails the run.
";

/// A timing figure as a cell shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timing {
    /// Median with the fastest and slowest run.
    Range(Range),
    /// A record without a range: its fastest run, in ns.
    MinOnly(u64),
}

impl Timing {
    /// The figure a reader compares by: the median, else the minimum.
    pub fn central(&self) -> u64 {
        match self {
            Timing::Range(r) => r.median,
            Timing::MinOnly(ns) => *ns,
        }
    }
}

/// One cell of a table.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Shown as written: a name, how many runs.
    Text(String),
    /// A buffer size, in bytes.
    Size(u64),
    /// A timing figure.
    Time(Timing),
    /// One figure against another, by the rule of [`spread`].
    Ratio(Difference),
    /// A loop against the floor where its range lies wholly below the
    /// floor's (the ratio of medians): an error, since no loop can fill
    /// the array faster than the fastest way to fill it (see
    /// [`super::floor`]).
    BelowFloor(f64),
    /// A share, in per cent.
    Percent(f64),
    /// Nothing measured here.
    Missing,
}

impl From<String> for Cell {
    fn from(text: String) -> Cell {
        Cell::Text(text)
    }
}

impl From<&str> for Cell {
    fn from(text: &str) -> Cell {
        Cell::Text(text.into())
    }
}

impl Cell {
    /// The cell as plain text, its unit in it: `1.97 (1.90-2.10) ms`,
    /// `4.20x`, `no difference measured`, `-`.
    pub fn text(&self) -> String {
        match self {
            Cell::Text(t) => t.clone(),
            Cell::Size(bytes) => human_size(*bytes),
            Cell::Time(Timing::Range(r)) if r.max >= 1_000_000 => {
                let ms = |ns: u64| ns as f64 / 1e6;
                format!("{:.2} ({:.2}-{:.2}) ms", ms(r.median), ms(r.min), ms(r.max))
            }
            Cell::Time(Timing::Range(r)) => {
                let us = |ns: u64| ns as f64 / 1e3;
                format!("{:.1} ({:.1}-{:.1}) us", us(r.median), us(r.min), us(r.max))
            }
            Cell::Time(Timing::MinOnly(ns)) => format!("{} (min only)", human_time(*ns)),
            Cell::Ratio(d) => match d {
                Difference::Ratio(r) => format!("{r:.2}x"),
                Difference::Overlap => "no difference measured".into(),
                Difference::NoSpread => "no range".into(),
            },
            Cell::BelowFloor(r) => format!("BELOW FLOOR {r:.2}x"),
            Cell::Percent(p) => format!("{p:.3}"),
            Cell::Missing => "-".into(),
        }
    }

    /// The number a column is sorted by, where the cell has one.
    pub fn sort_key(&self) -> Option<f64> {
        match self {
            Cell::Size(bytes) => Some(*bytes as f64),
            Cell::Time(t) => Some(t.central() as f64),
            Cell::Ratio(Difference::Ratio(r)) | Cell::BelowFloor(r) => Some(*r),
            Cell::Percent(p) => Some(*p),
            _ => None,
        }
    }
}

/// A time with its range; a minimum alone where the record has no range;
/// missing where not measured.
pub fn time_cell(f: Option<&Figure>) -> Cell {
    let Some(f) = f else { return Cell::Missing };
    Cell::Time(match Range::of(f) {
        Some(r) => Timing::Range(r),
        None => Timing::MinOnly(f.ns),
    })
}

/// `a` over `b` by the rule: how many times `b`'s time `a` takes, or why
/// no ratio is given.
pub fn ratio_cell(a: Option<&Figure>, b: Option<&Figure>) -> Cell {
    match (a, b) {
        (Some(a), Some(b)) => Cell::Ratio(spread::difference(a, b)),
        _ => Cell::Missing,
    }
}

/// How many runs (and boots) the figures of a row were taken over: `7`,
/// `21 in 3 boots`, or `7 to 21` where they differ.
pub fn runs_cell<'a>(figures: impl IntoIterator<Item = &'a Figure>) -> Cell {
    Cell::Text(match runs_of(figures).as_slice() {
        [] => "-".into(),
        [(runs, 1)] => runs.to_string(),
        [(runs, boots)] => format!("{runs} in {boots} boots"),
        [(lo, _), .., (hi, _)] => format!("{lo} to {hi}"),
    })
}

/// The same as words for a sentence: `7 runs`, `21 runs in 3 boots`,
/// `7 to 21 runs`.
pub fn runs_words<'a>(figures: impl IntoIterator<Item = &'a Figure>) -> String {
    match runs_of(figures).as_slice() {
        [] => "no runs".into(),
        [(runs, 1)] => format!("{runs} runs"),
        [(runs, boots)] => format!("{runs} runs in {boots} boots"),
        [(lo, _), .., (hi, _)] => format!("{lo} to {hi} runs"),
    }
}

/// The distinct (runs, boots) of some figures, fewest runs first.
fn runs_of<'a>(figures: impl IntoIterator<Item = &'a Figure>) -> Vec<(u32, u32)> {
    let mut seen: Vec<(u32, u32)> = figures
        .into_iter()
        .map(|f| (f.runs, f.boots.unwrap_or(1)))
        .collect();
    seen.sort_unstable();
    seen.dedup();
    seen
}
