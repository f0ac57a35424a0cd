//! The cells of the tables: a time with the range of its runs, a ratio
//! only where [`spread`] finds two ranges apart, the runs behind a row,
//! and a titled section. One place, so that every table says the same
//! thing the same way.

use super::grid::Grid;
use super::ktap::Figure;
use super::spread::{self, Difference, Range};
use super::units::human_time;

/// What every table's cells mean, printed once above them.
pub const LEGEND: &str = "\
Times: median (fastest-slowest) of a figure's runs. \"min only\": a record
written before the suite printed a median and a maximum; its fastest run
alone, no spread. A ratio (x) is printed only when the two ranges do not
overlap; otherwise \"no difference measured\", or \"no range\" where one
side is a minimum only and nothing can be judged.
";

/// A time with its range, all in one unit: `1.97 (1.90-2.10) ms`; a
/// minimum alone where the record has no range; `-` where not measured.
pub fn time_cell(f: Option<&Figure>) -> String {
    let Some(f) = f else { return "-".into() };
    match Range::of(f) {
        Some(r) if r.max >= 1_000_000 => {
            let ms = |ns: u64| ns as f64 / 1e6;
            format!("{:.2} ({:.2}-{:.2}) ms", ms(r.median), ms(r.min), ms(r.max))
        }
        Some(r) => {
            let us = |ns: u64| ns as f64 / 1e3;
            format!("{:.1} ({:.1}-{:.1}) us", us(r.median), us(r.min), us(r.max))
        }
        None => format!("{} (min only)", human_time(f.ns)),
    }
}

/// `a` over `b` by the rule: how many times `b`'s time `a` takes, or why
/// no ratio is printed.
pub fn ratio_cell(a: Option<&Figure>, b: Option<&Figure>) -> String {
    let (Some(a), Some(b)) = (a, b) else {
        return "-".into();
    };
    match spread::difference(a, b) {
        Difference::Ratio(r) => format!("{r:.2}x"),
        Difference::Overlap => "no difference measured".into(),
        Difference::NoSpread => "no range".into(),
    }
}

/// How many runs (and boots) the figures of a row were taken over: `7`,
/// `21 in 3 boots`, or `7 to 21` where they differ.
pub fn runs_cell<'a>(figures: impl IntoIterator<Item = &'a Figure>) -> String {
    match runs_of(figures).as_slice() {
        [] => "-".into(),
        [(runs, 1)] => runs.to_string(),
        [(runs, boots)] => format!("{runs} in {boots} boots"),
        [(lo, _), .., (hi, _)] => format!("{lo} to {hi}"),
    }
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

/// A table under its title, a blank line between (Markdown would read a
/// title line touching the table as part of it).
pub fn section(title: &str, grid: &Grid) -> String {
    format!("\n{title}\n\n{}", grid.render())
}
