//! The one rule for two timing figures: each is a range of runs (the
//! fastest, the median, the slowest), and one is said to differ from the
//! other only when their ranges do not overlap. The tables, the figures
//! quoted in mails (`quote`) and the regression gate (`compare`) all ask
//! here, so that no two of them can disagree about what a difference is.

use super::ktap::Figure;

/// A figure's runs, in nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    /// The fastest run.
    pub min: u64,
    /// The median run (over boots: the median of the boots' medians).
    pub median: u64,
    /// The slowest run.
    pub max: u64,
}

impl Range {
    /// The figure's range, or `None` for a figure recorded before the
    /// suite printed its median and maximum: only its minimum is known,
    /// and a spread is never made up for it.
    pub fn of(f: &Figure) -> Option<Range> {
        match (f.median_ns, f.max_ns) {
            (Some(median), Some(max)) => Some(Range {
                min: f.ns,
                median,
                max,
            }),
            _ => None,
        }
    }

    /// Whether the two ranges share a value. Ranges that touch (one's
    /// slowest run equals the other's fastest) share one: no difference.
    pub fn overlaps(&self, other: &Range) -> bool {
        self.min <= other.max && other.min <= self.max
    }
}

/// What may be said of one figure against another.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Difference {
    /// The ranges are apart: the first median over the second (above 1:
    /// the first is slower).
    Ratio(f64),
    /// The ranges overlap: no difference measured.
    Overlap,
    /// At least one figure has no range (a minimum only): nothing can be
    /// judged by this rule.
    NoSpread,
}

/// `a` against `b` by the rule.
pub fn difference(a: &Figure, b: &Figure) -> Difference {
    match (Range::of(a), Range::of(b)) {
        (Some(ra), Some(rb)) if ra.overlaps(&rb) => Difference::Overlap,
        // A median of 0 ns is a timer that did not tick; it must not
        // divide by zero.
        (Some(ra), Some(rb)) => Difference::Ratio(ra.median as f64 / rb.median.max(1) as f64),
        _ => Difference::NoSpread,
    }
}

/// The figures two cells can be set against each other by: both medians
/// when both have a range, else both minima (never a median against a
/// minimum, which would compare two different things).
pub fn comparable(a: &Figure, b: &Figure) -> (u64, u64) {
    match (Range::of(a), Range::of(b)) {
        (Some(ra), Some(rb)) => (ra.median, rb.median),
        _ => (a.ns, b.ns),
    }
}

/// Why a figure cannot be a range: a median or maximum outside what its
/// minimum allows (a record edited by hand or written by a broken run).
pub fn inconsistent(f: &Figure) -> Option<String> {
    let what = || format!("{} at {} bytes on {}", f.implementation, f.size, f.arch);
    match (f.median_ns, f.max_ns) {
        (Some(m), _) if m < f.ns => Some(format!(
            "{}: median {m} ns below its minimum {} ns",
            what(),
            f.ns
        )),
        (Some(m), Some(x)) if x < m => Some(format!(
            "{}: maximum {x} ns below its median {m} ns",
            what()
        )),
        (None, Some(x)) if x < f.ns => Some(format!(
            "{}: maximum {x} ns below its minimum {} ns",
            what(),
            f.ns
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fig(min: u64, median: u64, max: u64) -> Figure {
        Figure {
            arch: "um".into(),
            size: 1 << 24,
            implementation: "whole".into(),
            ns: min,
            median_ns: Some(median),
            max_ns: Some(max),
            runs: 7,
            boots: None,
            instructions: None,
            from: None,
        }
    }

    fn min_only(min: u64) -> Figure {
        Figure {
            median_ns: None,
            max_ns: None,
            ..fig(min, min, min)
        }
    }

    #[test]
    fn ranges_apart_give_the_ratio_of_medians() {
        assert_eq!(
            difference(&fig(30, 40, 50), &fig(10, 20, 25)),
            Difference::Ratio(2.0)
        );
        // Either order: the ratio turns over, the verdict does not.
        assert_eq!(
            difference(&fig(10, 20, 25), &fig(30, 40, 50)),
            Difference::Ratio(0.5)
        );
    }

    #[test]
    fn overlapping_ranges_are_no_difference() {
        // Medians twice apart, but the slow one's fastest run is inside
        // the fast one's range.
        assert_eq!(
            difference(&fig(20, 40, 50), &fig(10, 20, 25)),
            Difference::Overlap
        );
        // One range inside the other.
        assert_eq!(
            difference(&fig(10, 30, 90), &fig(20, 21, 22)),
            Difference::Overlap
        );
    }

    #[test]
    fn equal_bounds_overlap() {
        // The slowest run of one is exactly the fastest of the other.
        assert_eq!(
            difference(&fig(25, 40, 50), &fig(10, 20, 25)),
            Difference::Overlap
        );
        assert_eq!(
            difference(&fig(10, 20, 25), &fig(25, 40, 50)),
            Difference::Overlap
        );
        // One past it, they are apart.
        assert!(matches!(
            difference(&fig(26, 40, 50), &fig(10, 20, 25)),
            Difference::Ratio(_)
        ));
    }

    #[test]
    fn a_missing_spread_is_not_judged() {
        assert_eq!(Range::of(&min_only(10)), None);
        assert_eq!(
            difference(&min_only(100), &fig(10, 20, 25)),
            Difference::NoSpread
        );
        assert_eq!(
            difference(&fig(10, 20, 25), &min_only(100)),
            Difference::NoSpread
        );
        // A median without a maximum is half a range: none.
        let mut half = fig(10, 20, 25);
        half.max_ns = None;
        assert_eq!(difference(&half, &fig(100, 200, 250)), Difference::NoSpread);
        // Cells set a minimum only against the other's minimum.
        assert_eq!(comparable(&min_only(100), &fig(10, 20, 25)), (100, 10));
        assert_eq!(comparable(&fig(30, 40, 50), &fig(10, 20, 25)), (40, 20));
    }

    #[test]
    fn a_zero_median_does_not_divide_by_zero() {
        assert_eq!(
            difference(&fig(5, 8, 9), &fig(0, 0, 1)),
            Difference::Ratio(8.0)
        );
    }

    #[test]
    fn an_impossible_range_is_named() {
        assert_eq!(inconsistent(&fig(10, 20, 25)), None);
        assert_eq!(inconsistent(&min_only(10)), None);
        let bad = inconsistent(&fig(30, 20, 40)).unwrap();
        assert!(
            bad.contains("median 20 ns below its minimum 30 ns"),
            "{bad}"
        );
        assert!(inconsistent(&fig(10, 20, 15)).is_some());
    }
}
