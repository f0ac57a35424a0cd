//! The comparison tables `patchctl kunit` prints, the cover letter carries
//! and `results/tables.md` keeps: per arch and size, each loop, the floor,
//! `vmap()` alone and the whole path per revision; then the whole map of
//! every revision of every series in the run side by side, with ratios and
//! the page check. Every time is a median with the range of its runs, and
//! a ratio is printed only where [`spread`] finds the two ranges apart
//! (the cells: [`super::cells`]; the whole map: [`super::whole_map`]).
//! The records are the data; this module only lays them out, as titled
//! grids ([`sections`]) that the text and the page's HTML both render.

use super::cells::{ratio_cell, runs_cell, runs_words, time_cell, Cell, LEGEND};
use super::floor::{self, floor_cell};
use super::grid::{Grid, Section};
use super::ktap::Figure;
use super::record::KunitRecord;
use super::spread::{self, Range};
use super::view::{run_label, RevisionFigures, HEAP_STEPS};

fn fig<'a>(figures: &'a [Figure], size: u64, imp: &str) -> Option<&'a Figure> {
    figures
        .iter()
        .find(|f| f.size == size && f.implementation == imp)
}

/// The comparison tables: per arch and size, each loop's time and its
/// ratios to the pre-patch walk and to the floor; then the Rust loop where
/// a CONFIG_RUST run timed it; then `vmap()` alone, the whole
/// `system_heap_do_vmap()` of each revision, and the share of each
/// revision's whole that its own loop takes.
pub fn render_table(runs: &[RevisionFigures]) -> String {
    let mut out = String::from(LEGEND);
    for s in sections(runs) {
        out.push_str(&s.render());
    }
    out
}

/// The same tables as titled grids, for renderers other than text (the
/// page's HTML tables).
pub fn sections(runs: &[RevisionFigures]) -> Vec<Section> {
    let view = View::of(runs);
    [
        Some(loops_table(&view)),
        floors_table(&view),
        rust_table(&view),
        heap_table(runs),
        Some(whole_table(&view)),
        super::whole_map::table(runs),
        super::counts_table::table(runs),
        super::heap_counts_table::table(runs),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// The runs, with the (arch, size) rows and the revisions in run order.
struct View<'a> {
    runs: &'a [RevisionFigures],
    keys: Vec<(String, u64)>,
    revisions: Vec<&'a str>,
}

impl<'a> View<'a> {
    fn of(runs: &'a [RevisionFigures]) -> View<'a> {
        // Sizes the loops were timed at; the order-0 buffer's sizes are
        // the whole-map table's alone.
        let mut keys: Vec<(String, u64)> = runs
            .iter()
            .flat_map(|r| {
                r.figures
                    .iter()
                    .filter(|f| {
                        f.implementation != "whole-order0" && !f.implementation.starts_with("heap-")
                    })
                    .map(|f| (f.arch.clone(), f.size))
            })
            .collect();
        keys.sort();
        keys.dedup();
        let mut revisions: Vec<&str> = Vec::new();
        for r in runs {
            if !revisions.contains(&r.revision.as_str()) {
                revisions.push(&r.revision);
            }
        }
        View {
            runs,
            keys,
            revisions,
        }
    }

    /// Every build carries the same loops; the first revision's run (the
    /// baseline when it is tested) speaks for them.
    fn loops(&self, arch: &str) -> &'a [Figure] {
        self.revisions
            .iter()
            .find_map(|rev| self.run(arch, rev))
            .map_or(&[][..], |r| r.figures.as_slice())
    }

    fn run(&self, arch: &str, rev: &str) -> Option<&'a RevisionFigures> {
        self.runs
            .iter()
            .find(|r| r.arch == arch && r.revision == rev)
    }
}

fn loops_table(view: &View) -> Section {
    let mut g = Grid::new(
        [
            "arch",
            "size",
            "before",
            "v1",
            "bounded",
            "floor",
            "v1 gain",
            "bnd gain",
            "v1/floor",
            "bnd/floor",
            "runs",
        ],
        1,
    );
    for (arch, size) in &view.keys {
        let f = view.loops(arch);
        let get = |imp: &str| fig(f, *size, imp);
        let row_figures = ["before", "v1", "bounded", "floor"].map(get);
        g.row(vec![
            arch.as_str().into(),
            Cell::Size(*size),
            time_cell(get("before")),
            time_cell(get("v1")),
            time_cell(get("bounded")),
            time_cell(get("floor")),
            ratio_cell(get("before"), get("v1")),
            ratio_cell(get("before"), get("bounded")),
            floor_cell(get("v1"), get("floor")),
            floor_cell(get("bounded"), get("floor")),
            runs_cell(row_figures.into_iter().flatten()),
        ]);
    }
    Section::new("loops (page array from the sg table):", g)
}

/// The ways to fill the array that the floor is the fastest of, where the
/// run timed them (records before them have the store loop alone).
fn floors_table(view: &View) -> Option<Section> {
    let mut header: Vec<String> = vec!["arch".into(), "size".into()];
    header.extend(floor::WAYS.iter().map(|(_, name)| name.to_string()));
    header.extend(["floor is".into(), "runs".into()]);
    let mut g = Grid::new(header, 1);
    for (arch, size) in &view.keys {
        let f = view.loops(arch);
        let get = |imp: &str| fig(f, *size, imp);
        let ways: Vec<Option<&Figure>> = floor::WAYS.iter().map(|(id, _)| get(id)).collect();
        if ways.iter().all(Option::is_none) {
            continue;
        }
        let mut line = vec![arch.as_str().into(), Cell::Size(*size)];
        line.extend(ways.iter().map(|w| time_cell(*w)));
        let chosen = get(floor::FLOOR)
            .and_then(|fl| fl.from.as_deref())
            .and_then(|from| floor::WAYS.iter().find(|(id, _)| *id == from))
            .map_or(Cell::Missing, |(_, name)| Cell::from(*name));
        line.push(chosen);
        line.push(runs_cell(ways.into_iter().flatten()));
        g.row(line);
    }
    if g.is_empty() {
        return None;
    }
    Some(Section::new(
        "floor: ways to fill the page array without reading the table; the floor is the one with the smallest median:",
        g,
    ))
}

/// The Rust conversion, where a CONFIG_RUST run timed it; empty otherwise.
fn rust_table(view: &View) -> Option<Section> {
    let mut g = Grid::new(
        [
            "arch",
            "size",
            "rust",
            "C v1",
            "C bounded",
            "rust/v1",
            "rust/bnd",
            "rust/floor",
            "runs",
        ],
        1,
    );
    for (arch, size) in &view.keys {
        let f = view.loops(arch);
        let get = |imp: &str| fig(f, *size, imp);
        if get("rust").is_none() {
            continue;
        }
        g.row(vec![
            arch.as_str().into(),
            Cell::Size(*size),
            time_cell(get("rust")),
            time_cell(get("v1")),
            time_cell(get("bounded")),
            ratio_cell(get("rust"), get("v1")),
            ratio_cell(get("rust"), get("bounded")),
            floor_cell(get("rust"), get("floor")),
            runs_cell(["rust", "v1", "bounded"].map(get).into_iter().flatten()),
        ]);
    }
    if g.is_empty() {
        return None;
    }
    Some(Section::new(
        "Rust (rust-heap's core in the kernel) beside C:",
        g,
    ))
}

/// The C system heap beside the "system-rust" heap, where a CONFIG_RUST
/// run timed them: each step's time per heap and Rust's time over C's.
fn heap_table(runs: &[RevisionFigures]) -> Option<Section> {
    let mut rows: Vec<(&str, u64, &[Figure])> = Vec::new();
    for run in runs {
        for f in run
            .figures
            .iter()
            .filter(|f| f.implementation == "heap-alloc-c")
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
    header.push("runs".into());
    let mut g = Grid::new(header, 1);
    for (arch, size, figures) in rows {
        let mut line = vec![arch.into(), Cell::Size(size)];
        let mut timed = Vec::new();
        for step in HEAP_STEPS {
            let c = fig(figures, size, &format!("heap-{step}-c"));
            let rust = fig(figures, size, &format!("heap-{step}-rust"));
            line.extend([time_cell(c), time_cell(rust), ratio_cell(rust, c)]);
            timed.extend([c, rust].into_iter().flatten());
        }
        line.push(runs_cell(timed));
        g.row(line);
    }
    Some(Section::new(
        "heaps: the C system heap and the Rust \"system-rust\" heap, allocate op and dma_buf_vmap/vunmap:",
        g,
    ))
}

fn whole_table(view: &View) -> Section {
    // Only revisions that build a page array have a loop share to show;
    // the others are in the whole-map table below.
    let with_loop: Vec<&str> = view
        .revisions
        .iter()
        .copied()
        .filter(|rev| {
            view.runs
                .iter()
                .any(|r| r.revision == *rev && r.own_loop.is_some())
        })
        .collect();
    let mut header: Vec<String> = vec!["arch".into(), "size".into(), "vmap()".into()];
    for rev in &with_loop {
        header.extend([format!("whole {rev}"), "loop%".into()]);
    }
    header.push("runs".into());
    let mut g = Grid::new(header, 1);
    for (arch, size) in &view.keys {
        let f = view.loops(arch);
        let vmap = fig(f, *size, "vmap");
        let mut line = vec![arch.as_str().into(), Cell::Size(*size), time_cell(vmap)];
        let mut timed: Vec<&Figure> = vmap.into_iter().collect();
        for rev in &with_loop {
            let run = view.run(arch, rev);
            let whole = run.and_then(|r| fig(&r.figures, *size, "whole"));
            let own_loop = run
                .and_then(|r| r.own_loop.as_deref())
                .and_then(|l| fig(f, *size, l));
            line.extend([time_cell(whole), share(own_loop, whole)]);
            timed.extend(whole);
        }
        line.push(runs_cell(timed));
        g.row(line);
    }
    Section::new(
        "whole path: vmap() alone, and system_heap_do_vmap() as each revision has it; loop% = its own loop's share of it:",
        g,
    )
}

/// The share of the whole path its loop takes, in per cent: medians when
/// both have them, else minima (see [`spread::comparable`]).
fn share(own_loop: Option<&Figure>, whole: Option<&Figure>) -> Cell {
    let (Some(l), Some(w)) = (own_loop, whole) else {
        return Cell::Missing;
    };
    match spread::comparable(l, w) {
        (_, 0) => Cell::Missing,
        (l, w) => Cell::Percent(100.0 * l as f64 / w as f64),
    }
}

/// What a table's times are, as words: "median and range of 21 runs in 3
/// boots", "minimum of 7 runs" for records without a range, or both.
pub fn runs_per_figure(records: &[KunitRecord]) -> Option<String> {
    let figures: Vec<&Figure> = records.iter().flat_map(|r| &r.figures).collect();
    if figures.is_empty() {
        return None;
    }
    let (ranged, min_only): (Vec<&Figure>, Vec<&Figure>) =
        figures.into_iter().partition(|f| Range::of(f).is_some());
    let mut parts = Vec::new();
    if !ranged.is_empty() {
        parts.push(format!("median and range of {}", runs_words(ranged)));
    }
    if !min_only.is_empty() {
        parts.push(format!("minimum of {}", runs_words(min_only)));
    }
    Some(parts.join("; older records: "))
}

/// The measured table a cover letter carries: where the figures came
/// from, then the table.
pub fn cover_table(mut records: Vec<KunitRecord>) -> String {
    records.sort_by_key(KunitRecord::order_key);
    let mut sources: Vec<String> = Vec::new();
    for r in &records {
        crate::util::push_unique(&mut sources, r.source());
    }
    let runs: Vec<RevisionFigures> = records.iter().map(RevisionFigures::of).collect();
    format!(
        "Measured with KUnit ({} per figure):\n{}\n{}",
        runs_per_figure(&records).unwrap_or_else(|| "no runs".into()),
        sources
            .iter()
            .map(|s| format!("  {s}"))
            .collect::<Vec<_>>()
            .join("\n"),
        render_table(&runs)
    )
}

/// The KASAN runs, one verdict line each (no timings under KASAN).
pub fn render_kasan(records: &[KunitRecord], kernel: &str) -> String {
    let mut out = format!("KUnit under KASAN on Linux {kernel}:\n");
    let first_series = records.first().map_or("", |r| r.series.as_str());
    for r in records {
        let Some(v) = &r.kasan else { continue };
        let revision = run_label(&r.series, &r.revision, first_series);
        out.push_str(&format!(
            "  {:<10} {:<5} {:<12} {} cases passed, {} unexpected report(s) or failure(s); the deliberate v1 overflow reported {} time(s) in {}\n",
            revision,
            r.arch_label(),
            r.config.name(),
            r.passed,
            v.unexpected_reports.len() + v.unexpected_failures.len(),
            v.expected_reports.len(),
            super::kasan::EXPECTED_FUNCTION
        ));
        if v.rust_case_failed.is_some() {
            out.push_str(&format!(
                "  {:<10} {:<5} {:<12} the same overflow in Rust (rust_sgvmap_v1) reported {} time(s)\n",
                "",
                "",
                "",
                v.rust_expected_reports.len()
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(imp: &str, min: u64, spread: Option<(u64, u64)>) -> Figure {
        Figure {
            arch: "arm64".into(),
            size: 256 << 20,
            implementation: imp.into(),
            ns: min,
            median_ns: spread.map(|s| s.0),
            max_ns: spread.map(|s| s.1),
            runs: if spread.is_some() { 21 } else { 7 },
            boots: spread.map(|_| 3),
            instructions: None,
            from: None,
        }
    }

    fn run(revision: &str, figures: Vec<Figure>) -> RevisionFigures {
        RevisionFigures {
            series: "system-heap-vmap".into(),
            revision: revision.into(),
            arch: "arm64".into(),
            figures,
            own_loop: Some("v1".into()),
            checked: Vec::new(),
            mixes: Vec::new(),
            counted_mixes: Vec::new(),
        }
    }

    /// The cells of the row of `table` whose first cells are `starts`.
    fn row<'a>(text: &'a str, title: &str, starts: &[&str]) -> Vec<&'a str> {
        let at = text
            .find(title)
            .unwrap_or_else(|| panic!("no {title:?}:\n{text}"));
        text[at..]
            .lines()
            .map(|l| {
                l.trim_matches('|')
                    .split('|')
                    .map(str::trim)
                    .collect::<Vec<_>>()
            })
            .find(|cells| cells.starts_with(starts))
            .unwrap_or_else(|| panic!("no row {starts:?} in\n{text}"))
    }

    #[test]
    fn medians_with_ranges_and_ratios_only_where_ranges_are_apart() {
        let loops = vec![
            // before: far above v1 and bounded (apart); the floor's
            // slowest run is v1's fastest (equal bounds overlap) and is
            // below bounded's (apart).
            f("before", 2_000_000, Some((2_100_000, 2_300_000))),
            f("v1", 400_000, Some((500_000, 600_000))),
            f("bounded", 550_000, Some((580_000, 700_000))),
            f("floor", 300_000, Some((350_000, 400_000))),
            f("vmap", 1_000_000, Some((1_100_000, 1_200_000))),
            f("whole", 1_500_000, Some((1_600_000, 1_900_000))),
        ];
        let text = render_table(&[run("v3", loops)]);
        assert!(text.starts_with(LEGEND), "{text}");
        let cells = row(&text, "loops", &["arm64", "256M"]);
        assert_eq!(
            cells[2..],
            [
                "2.10 (2.00-2.30) ms",
                "500.0 (400.0-600.0) us",
                "580.0 (550.0-700.0) us",
                "350.0 (300.0-400.0) us",
                "4.20x",
                "3.62x",
                "no difference measured",
                "1.66x",
                "21 in 3 boots",
            ],
            "{text}"
        );
        // The loop's share of the whole path: medians.
        let cells = row(&text, "whole path", &["arm64", "256M"]);
        assert_eq!(
            cells[3..],
            ["1.60 (1.50-1.90) ms", "31.250", "21 in 3 boots"]
        );
    }

    #[test]
    fn a_loop_below_the_floor_is_marked_and_the_ways_are_shown() {
        let mut ways = vec![
            f("floor-store", 300_000, Some((350_000, 400_000))),
            f("floor-memset", 100_000, Some((110_000, 120_000))),
            f("floor-memcpy", 150_000, Some((160_000, 170_000))),
            // v1's slowest run under memset's fastest: below the floor.
            f("v1", 80_000, Some((90_000, 99_000))),
            // bounded's range reaches into memset's: no difference.
            f("bounded", 95_000, Some((105_000, 115_000))),
        ];
        ways = floor::choose(&ways);
        let text = render_table(&[run("v2", ways.clone())]);
        let cells = row(&text, "loops", &["arm64", "256M"]);
        assert_eq!(cells[5], "110.0 (100.0-120.0) us", "{text}");
        assert_eq!(cells[8], "BELOW FLOOR 0.82x", "{text}");
        assert_eq!(cells[9], "no difference measured", "{text}");
        let cells = row(&text, "floor: ways", &["arm64", "256M"]);
        assert_eq!(
            cells[2..],
            [
                "350.0 (300.0-400.0) us",
                "110.0 (100.0-120.0) us",
                "160.0 (150.0-170.0) us",
                "memset64",
                "21 in 3 boots",
            ],
            "{text}"
        );
        assert_eq!(floor::breaches(&ways).len(), 1);
    }

    #[test]
    fn a_record_without_a_range_shows_its_minimum_and_no_ratio() {
        let old = vec![
            f("before", 2_000_000, None),
            f("v1", 400_000, None),
            f("whole", 1_500_000, None),
        ];
        let new = vec![f("whole", 1_000_000, Some((1_100_000, 1_200_000)))];
        let mut vmap_sg = run("v1", new);
        vmap_sg.series = "vmap-sg".into();
        let text = render_table(&[run("baseline", old), vmap_sg]);
        let loops = row(&text, "loops", &["arm64", "256M"]);
        assert_eq!(loops[2], "2.00 ms (min only)", "{text}");
        assert_eq!(loops[6], "no range", "{text}");
        assert_eq!(loops[10], "7");
        // Whole map: the old minimum beside the new range, no ratio
        // between them, and the runs of the two.
        let whole = row(&text, "whole map", &["arm64", "256M", "heap"]);
        assert_eq!(
            whole[3..],
            [
                "1.50 ms (min only)",
                "1.10 (1.00-1.20) ms",
                "no range",
                "7 to 21",
                "0/2"
            ],
            "{text}"
        );
        // A share of a minimum over a minimum, never over a median.
        let path = row(&text, "whole path", &["arm64", "256M"]);
        assert_eq!(path[4], "26.667", "{text}");
    }
}
