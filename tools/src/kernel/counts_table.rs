//! The instruction counts beside the times: every timing row that a boot
//! under QEMU's instruction counting measured (arm64), the same rows as
//! the time tables, in guest instructions. A count does not move between
//! runs or hosts (two counting boots agree within a few ticks, or the run
//! fails), so its ratios need no range; but TCG models no cache and no
//! TLB, so a count says how much work the code does, not how long a real
//! core takes to do it.

use super::cells::Cell;
use super::floor;
use super::grid::{Grid, Section};
use super::ktap::{count_tolerance, Figure, MappingMix};
use super::view::RevisionFigures;

/// The loops, the floor's ways to fill the array and `vmap()` alone, in
/// the order the time tables have them. The `floor` column is the fewest
/// instructions of the ways (see [`floor::instruction_floor`]), and a loop
/// under it is marked as an error.
const LOOPS: &[&str] = &[
    "before",
    "v1",
    "bounded",
    "floor-store",
    "floor-memset",
    "floor-memcpy",
    "floor",
    "rust",
    "vmap",
];

/// One column of the counts table: a loop, or one revision's whole path.
struct Column<'a> {
    title: String,
    /// The revision whose figures hold it (none: any run's, as the loops
    /// are the same in every build).
    revision: Option<&'a str>,
    implementation: &'a str,
}

/// The counts table, or none when no row was counted.
pub fn table(runs: &[RevisionFigures]) -> Option<Section> {
    let counted = |f: &&Figure| f.instructions.is_some();
    let mut keys: Vec<(&str, u64)> = runs
        .iter()
        .flat_map(|r| r.figures.iter().filter(counted))
        .filter(|f| LOOPS.contains(&f.implementation.as_str()) || f.implementation == "whole")
        .map(|f| (f.arch.as_str(), f.size))
        .collect();
    keys.sort();
    keys.dedup();
    if keys.is_empty() {
        return None;
    }
    let columns = columns(runs);
    let mut header = vec!["arch".to_string(), "size".to_string()];
    header.extend(columns.iter().map(|c| c.title.clone()));
    let mut grid = Grid::new(header, 1);
    for (arch, size) in keys {
        let mut line = vec![Cell::from(arch), Cell::Size(size)];
        let figures: Vec<Figure> = runs
            .iter()
            .filter(|r| r.arch == arch)
            .flat_map(|r| r.figures.iter().cloned())
            .collect();
        let least = floor::instruction_floor(&figures, arch, size);
        for c in &columns {
            let f = find(runs, arch, size, c);
            let mut cell = match (c.implementation, f.and_then(|f| f.instructions), least) {
                (floor::FLOOR, Some(_), Some(least)) => Cell::Text(count_text(least)),
                (imp, Some(n), Some(least)) if floor::LOOPS.contains(&imp) && n < least => {
                    Cell::Text(format!("{} BELOW FLOOR", count_text(n)))
                }
                _ => count_cell(f),
            };
            if let (Cell::Text(text), Some(mix)) = (&cell, counted_mix(runs, arch, size, c)) {
                cell = Cell::Text(format!("{text} ({})", mix.cell()));
            }
            line.push(cell);
        }
        grid.row(line);
    }
    Some(Section::new(
        "instructions (arm64 under QEMU -icount shift=0: the guest's own count, the same on every boot; no cache or TLB cost in it; \
         floor: the fewest of its ways, and a loop under it is an error; a whole map's count is of the counting boot's own layout, \
         its PMDs/contiguous-PTE blocks/single ptes in brackets):",
        grid,
    ))
}

/// The loops any run counted, then each revision's counted whole path.
fn columns(runs: &[RevisionFigures]) -> Vec<Column<'_>> {
    let has = |revision: Option<&str>, imp: &str| {
        runs.iter()
            .filter(|r| revision.is_none_or(|rev| r.revision == rev))
            .flat_map(|r| &r.figures)
            .any(|f| f.implementation == imp && f.instructions.is_some())
    };
    let mut out: Vec<Column> = LOOPS
        .iter()
        .filter(|imp| has(None, imp))
        .map(|imp| Column {
            title: (*imp).to_string(),
            revision: None,
            implementation: imp,
        })
        .collect();
    // vmap() itself is the same in every build, unless a revision changes
    // it (vmap-sg v2's design B): such a revision gets a vmap column of
    // its own, beside the first run's.
    let mut own_vmap: Vec<&str> = Vec::new();
    for r in runs {
        if !own_vmap.contains(&r.revision.as_str()) && vmap_differs(runs, r) {
            own_vmap.push(&r.revision);
            out.push(Column {
                title: format!("vmap {}", r.revision),
                revision: Some(&r.revision),
                implementation: "vmap",
            });
        }
    }
    let mut seen: Vec<&str> = Vec::new();
    for r in runs {
        if !seen.contains(&r.revision.as_str()) && has(Some(&r.revision), "whole") {
            seen.push(&r.revision);
            out.push(Column {
                title: format!("whole {}", r.revision),
                revision: Some(&r.revision),
                implementation: "whole",
            });
        }
    }
    out
}

fn find<'a>(runs: &'a [RevisionFigures], arch: &str, size: u64, c: &Column) -> Option<&'a Figure> {
    runs.iter()
        .filter(|r| r.arch == arch && c.revision.is_none_or(|rev| r.revision == rev))
        .flat_map(|r| &r.figures)
        .find(|f| {
            f.size == size && f.implementation == c.implementation && f.instructions.is_some()
        })
}

/// Whether `run`'s counted vmap() differs from the first counted run's on
/// the same arch at some size by more than two boots of one kernel may.
fn vmap_differs(runs: &[RevisionFigures], run: &RevisionFigures) -> bool {
    let counted_vmap = |r: &RevisionFigures, size: u64| {
        r.figures
            .iter()
            .find(|f| f.implementation == "vmap" && f.size == size)
            .and_then(|f| f.instructions)
    };
    let Some(first) = runs
        .iter()
        .find(|r| r.arch == run.arch && r.figures.iter().any(|f| f.implementation == "vmap"))
    else {
        return false;
    };
    run.figures
        .iter()
        .filter(|f| f.implementation == "vmap")
        .any(|f| match (f.instructions, counted_vmap(first, f.size)) {
            (Some(a), Some(b)) => a.abs_diff(b) > count_tolerance(a.max(b)),
            _ => false,
        })
}

/// The counting boot's mapping mix of a whole-map column's figure.
fn counted_mix<'a>(
    runs: &'a [RevisionFigures],
    arch: &str,
    size: u64,
    c: &Column,
) -> Option<&'a MappingMix> {
    let revision = c.revision?;
    runs.iter()
        .filter(|r| r.arch == arch && r.revision == revision)
        .flat_map(|r| &r.counted_mixes)
        .find(|m| m.size == size && m.implementation == c.implementation)
}

/// A count as a reader takes it in: `139.7 k`, `2.24 M`, `812`.
fn count_cell(f: Option<&Figure>) -> Cell {
    match f.and_then(|f| f.instructions) {
        Some(n) => Cell::Text(count_text(n)),
        None => Cell::Missing,
    }
}

pub fn count_text(n: u64) -> String {
    match n {
        0..=9_999 => n.to_string(),
        10_000..=999_999 => format!("{:.1} k", n as f64 / 1e3),
        _ => format!("{:.2} M", n as f64 / 1e6),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(imp: &str, size: u64, instructions: Option<u64>) -> Figure {
        Figure {
            arch: "arm64".into(),
            size,
            implementation: imp.into(),
            ns: 1,
            median_ns: Some(1),
            max_ns: Some(1),
            runs: 7,
            boots: None,
            instructions,
            from: None,
        }
    }

    fn run(revision: &str, figures: Vec<Figure>) -> RevisionFigures {
        RevisionFigures {
            series: "s".into(),
            revision: revision.into(),
            arch: "arm64".into(),
            figures,
            own_loop: None,
            checked: Vec::new(),
            mixes: Vec::new(),
            counted_mixes: Vec::new(),
        }
    }

    #[test]
    fn counted_rows_only_with_each_revisions_whole_path() {
        assert!(table(&[run("v1", vec![f("v1", 16 << 20, None)])]).is_none());
        let runs = [
            run(
                "v1",
                vec![
                    f("before", 16 << 20, Some(139_712)),
                    f("v1", 16 << 20, Some(16_832)),
                    f("whole", 16 << 20, Some(112_224)),
                ],
            ),
            run("v2", vec![f("whole", 16 << 20, Some(2_470_960))]),
        ];
        let text = table(&runs).unwrap().render();
        assert!(
            text.contains("whole v1") && text.contains("whole v2"),
            "{text}"
        );
        assert!(
            text.contains("139.7 k") && text.contains("16.8 k"),
            "{text}"
        );
        assert!(text.contains("2.47 M"), "{text}");
        assert!(!text.contains("bounded"), "{text}");
    }

    #[test]
    fn a_revision_that_changes_vmap_gets_its_own_vmap_column() {
        let size = 256 << 20;
        let runs = [
            run("mainline", vec![f("vmap", size, Some(6_837_520))]),
            // Another boot of the same code: within the tolerance.
            run("v3", vec![f("vmap", size, Some(6_837_552))]),
            // Design B changes vmap() itself.
            run("v2-b", vec![f("vmap", size, Some(2_851_696))]),
        ];
        let text = table(&runs).unwrap().render();
        let header = text.lines().find(|l| l.starts_with("| arch")).unwrap();
        assert!(header.contains("vmap v2-b"), "{text}");
        assert!(!header.contains("vmap v3"), "{text}");
        assert!(!header.contains("vmap mainline"), "{text}");
        let row = text.lines().find(|l| l.contains("256M")).unwrap();
        assert!(row.contains("6.84 M") && row.contains("2.85 M"), "{text}");
    }

    #[test]
    fn a_loop_with_fewer_instructions_than_the_floor_is_marked() {
        let size = 16 << 20;
        let runs = [run(
            "v1",
            vec![
                f("v1", size, Some(16_832)),
                f("rust", size, Some(4_000)),
                f("floor-store", size, Some(20_544)),
                f("floor-memset", size, Some(5_000)),
                f("floor-memcpy", size, Some(6_100)),
                f("floor", size, Some(20_544)),
            ],
        )];
        let text = table(&runs).unwrap().render();
        // The floor column is the fewest of the ways, whichever the
        // times chose.
        let line = text.lines().find(|l| l.contains("16M")).unwrap();
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        assert!(cells.contains(&"5000"), "{text}");
        assert!(cells.contains(&"4000 BELOW FLOOR"), "{text}");
        assert!(cells.contains(&"16.8 k"), "{text}");
    }
}
