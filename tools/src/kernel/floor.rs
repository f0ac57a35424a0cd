//! The floor under the page-array loops: the least time it takes to put
//! a buffer's page pointers into the array, without reading the table.
//! The suite times three ways to fill the array (`floor-store`, a plain
//! store loop; `floor-memset`, memset64() of one pointer over the same
//! bytes; `floor-memcpy`, memcpy() from a prepared array) and prints the
//! one with the smallest median again as `floor`. No loop, which must also
//! walk the table, may beat it: a loop whose range lies wholly below the
//! floor's range ([`beats`], the rule of [`spread`]), or a loop that ran
//! fewer instructions than the fewest any way to fill the array took
//! ([`instruction_floor`]), is an error ([`breaches`]): the tables mark it
//! and `patchctl kunit` fails.
//!
//! Records written before the floor had its three ways hold `floor` alone,
//! a plain store loop: they load and render as they are, and are judged
//! against that store loop.

use super::cells::{ratio_cell, Cell};
use super::ktap::Figure;
use super::spread::{self, Difference, Range};

/// The floor's row: the fastest way to fill the array.
pub const FLOOR: &str = "floor";

/// The ways to fill the array the floor is chosen from, with their names
/// in the tables.
pub const WAYS: [(&str, &str); 3] = [
    ("floor-store", "store loop"),
    ("floor-memset", "memset64"),
    ("floor-memcpy", "memcpy"),
];

/// The rows that fill the same array from the table and so are held to
/// the floor.
pub const LOOPS: [&str; 4] = ["before", "v1", "bounded", "rust"];

/// Whether `implementation` is one of the floor's rows (the floor or one
/// of its ways).
pub fn is_floor(implementation: &str) -> bool {
    implementation == FLOOR || WAYS.iter().any(|(id, _)| *id == implementation)
}

/// The figures with each (arch, size)'s `floor` row chosen again from its
/// ways, after the boots are merged: the way with the smallest median (a
/// minimum where a way has no range; the first on a tie), its figures
/// under the name `floor` and its name in `from`. Where no way was timed
/// (records before the ways), the figures are given back as they are.
pub fn choose(figures: &[Figure]) -> Vec<Figure> {
    let mut out: Vec<Figure> = figures.to_vec();
    let mut keys: Vec<(String, u64)> = figures
        .iter()
        .filter(|f| WAYS.iter().any(|(id, _)| *id == f.implementation))
        .map(|f| (f.arch.clone(), f.size))
        .collect();
    keys.sort();
    keys.dedup();
    for (arch, size) in keys {
        let fastest = WAYS
            .iter()
            .filter_map(|(id, _)| find(figures, &arch, size, id))
            .reduce(|best, f| if central(f) < central(best) { f } else { best })
            .expect("the key came from a way's figure");
        let floor = Figure {
            implementation: FLOOR.into(),
            from: Some(fastest.implementation.clone()),
            ..fastest.clone()
        };
        match out
            .iter_mut()
            .find(|f| f.arch == arch && f.size == size && f.implementation == FLOOR)
        {
            Some(old) => *old = floor,
            None => out.push(floor),
        }
    }
    out
}

/// The figure a floor is chosen by: the median, else the minimum.
fn central(f: &Figure) -> u64 {
    f.median_ns.unwrap_or(f.ns)
}

fn find<'a>(figures: &'a [Figure], arch: &str, size: u64, imp: &str) -> Option<&'a Figure> {
    figures
        .iter()
        .find(|f| f.arch == arch && f.size == size && f.implementation == imp)
}

/// Whether `row` beats `floor` by the rule every table uses: its slowest
/// run is faster than the floor's fastest, so the two ranges do not
/// overlap. Ranges that overlap are no difference measured, and a figure
/// without a range (a minimum alone) cannot be judged.
pub fn beats(row: &Figure, floor: &Figure) -> bool {
    match (Range::of(row), Range::of(floor)) {
        (Some(r), Some(f)) => r.max < f.min,
        _ => false,
    }
}

/// The fewest instructions any way to fill the array took at (arch,
/// size), where a counting boot measured them; the floor row's own count
/// in a record without the ways.
pub fn instruction_floor(figures: &[Figure], arch: &str, size: u64) -> Option<u64> {
    let ways = WAYS
        .iter()
        .filter_map(|(id, _)| find(figures, arch, size, id)?.instructions)
        .min();
    ways.or_else(|| find(figures, arch, size, FLOOR)?.instructions)
}

/// `row` against the floor as a table cell: the ratio of medians by the
/// rule of [`spread`], or [`Cell::BelowFloor`] where the row beats it.
pub fn floor_cell(row: Option<&Figure>, floor: Option<&Figure>) -> Cell {
    match (row, floor) {
        (Some(r), Some(f)) if beats(r, f) => match spread::difference(r, f) {
            Difference::Ratio(x) => Cell::BelowFloor(x),
            // beats() holds only where the ranges are apart.
            _ => Cell::BelowFloor(0.0),
        },
        _ => ratio_cell(row, floor),
    }
}

/// Every loop in `figures` that beats its floor, in time or in
/// instructions, as a line that says by how much: none in a sound run.
pub fn breaches(figures: &[Figure]) -> Vec<String> {
    let mut out = Vec::new();
    for row in figures
        .iter()
        .filter(|f| LOOPS.contains(&f.implementation.as_str()))
    {
        let Some(floor) = find(figures, &row.arch, row.size, FLOOR) else {
            continue;
        };
        let from = floor.from.as_deref().unwrap_or("a store loop");
        if beats(row, floor) {
            out.push(format!(
                "{} at {} bytes on {}: median {} ns (max {} ns) is below the floor's fastest run, {} ns (median {} ns, {from})",
                row.implementation,
                row.size,
                row.arch,
                row.median_ns.unwrap_or(row.ns),
                row.max_ns.unwrap_or(row.ns),
                floor.ns,
                floor.median_ns.unwrap_or(floor.ns),
            ));
        }
        if let (Some(n), Some(least)) = (
            row.instructions,
            instruction_floor(figures, &row.arch, row.size),
        ) {
            if n < least {
                out.push(format!(
                    "{} at {} bytes on {}: {n} instructions, fewer than the {least} of the fastest way to fill the array",
                    row.implementation, row.size, row.arch
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(imp: &str, min: u64, median: u64, max: u64) -> Figure {
        Figure {
            arch: "um".into(),
            size: 16 << 20,
            implementation: imp.into(),
            ns: min,
            median_ns: Some(median),
            max_ns: Some(max),
            runs: 7,
            boots: None,
            instructions: None,
            from: None,
        }
    }

    fn counted(imp: &str, n: u64) -> Figure {
        Figure {
            instructions: Some(n),
            ..f(imp, 100, 100, 100)
        }
    }

    fn ways(store: u64, memset: u64, memcpy: u64) -> Vec<Figure> {
        vec![
            f("floor-store", store - 5, store, store + 5),
            f("floor-memset", memset - 5, memset, memset + 5),
            f("floor-memcpy", memcpy - 5, memcpy, memcpy + 5),
        ]
    }

    #[test]
    fn the_floor_is_the_way_with_the_smallest_median() {
        let mut figures = ways(200, 60, 90);
        // The kernel's own choice, from another boot: replaced.
        figures.push(f(FLOOR, 1, 2, 3));
        let chosen = choose(&figures);
        let floor = find(&chosen, "um", 16 << 20, FLOOR).unwrap();
        assert_eq!(floor.from.as_deref(), Some("floor-memset"));
        assert_eq!(
            (floor.ns, floor.median_ns, floor.max_ns),
            (55, Some(60), Some(65))
        );
        assert_eq!(chosen.len(), 4);
        // No floor row yet: one is added.
        let chosen = choose(&ways(50, 60, 90));
        let floor = find(&chosen, "um", 16 << 20, FLOOR).unwrap();
        assert_eq!(floor.from.as_deref(), Some("floor-store"));
    }

    #[test]
    fn a_record_before_the_ways_keeps_its_floor() {
        let old = vec![f("v1", 10, 20, 30), f(FLOOR, 40, 50, 60)];
        assert_eq!(choose(&old), old);
    }

    #[test]
    fn a_loop_whose_range_lies_below_the_floor_is_a_breach() {
        let mut figures = ways(200, 100, 150);
        figures.push(f("v1", 70, 80, 94));
        figures.push(f("bounded", 96, 120, 130));
        let figures = choose(&figures);
        let found = breaches(&figures);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with("v1 at 16777216 bytes on um"),
            "{found:?}"
        );
        assert!(found[0].contains("floor-memset"), "{found:?}");
        let floor = find(&figures, "um", 16 << 20, FLOOR);
        assert!(matches!(
            floor_cell(find(&figures, "um", 16 << 20, "v1"), floor),
            Cell::BelowFloor(r) if (r - 0.8).abs() < 1e-9
        ));
    }

    #[test]
    fn a_loop_whose_range_touches_the_floor_is_no_breach() {
        let mut figures = ways(200, 100, 150);
        // Its slowest run is the floor's fastest: the ranges overlap.
        figures.push(f("v1", 70, 80, 95));
        // Slower than the floor, apart.
        figures.push(f("before", 900, 1000, 1100));
        let figures = choose(&figures);
        assert!(breaches(&figures).is_empty(), "{:?}", breaches(&figures));
        let floor = find(&figures, "um", 16 << 20, FLOOR);
        assert_eq!(
            floor_cell(find(&figures, "um", 16 << 20, "v1"), floor),
            Cell::Ratio(Difference::Overlap)
        );
        assert_eq!(
            floor_cell(find(&figures, "um", 16 << 20, "before"), floor),
            Cell::Ratio(Difference::Ratio(10.0))
        );
    }

    #[test]
    fn minima_alone_are_not_judged() {
        let mut v1 = f("v1", 10, 10, 10);
        v1.median_ns = None;
        v1.max_ns = None;
        let figures = vec![v1, f(FLOOR, 400, 500, 600)];
        assert!(breaches(&figures).is_empty());
    }

    #[test]
    fn fewer_instructions_than_every_way_is_a_breach() {
        let figures = vec![
            counted("floor-store", 20_500),
            counted("floor-memset", 9_000),
            counted("floor-memcpy", 12_000),
            counted("v1", 16_800),
            counted("rust", 8_999),
        ];
        assert_eq!(instruction_floor(&figures, "um", 16 << 20), Some(9_000));
        let found = breaches(&choose(&figures));
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].starts_with("rust at"), "{found:?}");
        assert!(found[0].contains("8999 instructions"), "{found:?}");
        // A record before the ways: the store loop's count is the floor,
        // and v1 under it is what the committed record shows.
        let old = vec![counted(FLOOR, 20_500), counted("v1", 16_800)];
        assert_eq!(breaches(&old).len(), 1);
    }
}
