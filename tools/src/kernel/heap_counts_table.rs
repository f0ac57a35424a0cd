//! The two heaps by instruction count: the C system heap and the Rust
//! "system-rust" heap, each step (allocate, vmap, vunmap) as the counting
//! boots under QEMU `-icount` measured it. Times of the two heaps overlap
//! run to run by more than the 5% the Rust heap is held to, so only a
//! count, which does not move between boots, can say whether Rust stays
//! within 5% of C. A count is work done, not time taken on a real core:
//! TCG has no cache or TLB cost, so a heap that touches more memory for
//! the same instructions would not show here.

use super::cells::Cell;
use super::counts_table::count_text;
use super::grid::{Grid, Section};
use super::ktap::Figure;
use super::view::RevisionFigures;
use super::view::HEAP_STEPS;

/// The Rust heap's allowance over C, as the issue sets it: a step whose
/// count is more than this over C's is marked.
pub const RUST_ALLOWANCE: f64 = 1.05;

/// Rust's count over C's as a cell: three decimals, marked when over the
/// allowance.
fn ratio_text(rust: u64, c: u64) -> String {
    let ratio = rust as f64 / c as f64;
    if ratio > RUST_ALLOWANCE {
        format!("{ratio:.3} OVER 5%")
    } else {
        format!("{ratio:.3}")
    }
}

fn counted(figures: &[Figure], size: u64, implementation: &str) -> Option<u64> {
    figures
        .iter()
        .find(|f| f.size == size && f.implementation == implementation)
        .and_then(|f| f.instructions)
}

/// The table, or none when no run counted both heaps.
pub fn table(runs: &[RevisionFigures]) -> Option<Section> {
    // One row per arch and size, from the first run that counted it: the
    // heaps' code is the same in every revision of a build.
    let mut rows: Vec<(&str, u64, &[Figure])> = Vec::new();
    for run in runs {
        for f in run
            .figures
            .iter()
            .filter(|f| f.implementation == "heap-alloc-c" && f.instructions.is_some())
        {
            if !rows.iter().any(|(a, s, _)| *a == f.arch && *s == f.size) {
                rows.push((&f.arch, f.size, &run.figures));
            }
        }
    }
    if rows.is_empty() {
        return None;
    }
    rows.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    let mut header: Vec<String> = vec!["arch".into(), "size".into()];
    for step in HEAP_STEPS {
        header.extend([format!("{step} C"), format!("{step} Rust"), "Rust/C".into()]);
    }
    let mut grid = Grid::new(header, 1);
    for (arch, size, figures) in rows {
        let mut line = vec![Cell::from(arch), Cell::Size(size)];
        for step in HEAP_STEPS {
            let c = counted(figures, size, &format!("heap-{step}-c"));
            let rust = counted(figures, size, &format!("heap-{step}-rust"));
            let cell = |n: Option<u64>| n.map_or(Cell::Missing, |n| Cell::Text(count_text(n)));
            let ratio = match (rust, c) {
                (Some(r), Some(c)) if c > 0 => Cell::Text(ratio_text(r, c)),
                _ => Cell::Missing,
            };
            line.extend([cell(c), cell(rust), ratio]);
        }
        grid.row(line);
    }
    Some(Section::new(
        "heaps by instructions (arm64 under QEMU -icount shift=0, the counting boot's median run; \
         Rust/C over 1.05 is marked OVER 5%; no cache or TLB cost in a count):",
        grid,
    ))
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

    fn run(figures: Vec<Figure>) -> RevisionFigures {
        RevisionFigures {
            series: "s".into(),
            revision: "v1".into(),
            arch: "arm64".into(),
            figures,
            own_loop: None,
            checked: Vec::new(),
            mixes: Vec::new(),
            counted_mixes: Vec::new(),
        }
    }

    #[test]
    fn no_table_without_counts() {
        let timed_only = run(vec![
            f("heap-alloc-c", 16 << 20, None),
            f("heap-alloc-rust", 16 << 20, None),
        ]);
        assert!(table(&[timed_only]).is_none());
    }

    #[test]
    fn rust_over_c_by_count_and_the_allowance_marked() {
        let size = 256 << 20;
        let text = table(&[run(vec![
            f("heap-alloc-c", size, Some(18_169_920)),
            f("heap-alloc-rust", size, Some(18_192_704)),
            f("heap-vmap-c", size, Some(4_928_192)),
            f("heap-vmap-rust", size, Some(4_868_288)),
            f("heap-vunmap-c", size, Some(665_952)),
            // 6% over C: past the allowance.
            f("heap-vunmap-rust", size, Some(705_909)),
        ])])
        .unwrap()
        .render();
        let row = text.lines().find(|l| l.contains("256M")).unwrap();
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        assert!(cells.contains(&"1.001"), "{text}");
        assert!(cells.contains(&"0.988"), "{text}");
        assert!(cells.contains(&"1.060 OVER 5%"), "{text}");
        assert!(cells.contains(&"18.17 M"), "{text}");
    }
}
