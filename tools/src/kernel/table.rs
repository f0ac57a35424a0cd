//! The comparison tables `patchctl kunit` prints and the cover letter
//! carries: per arch and size, each loop, the floor, `vmap()` alone and the
//! whole path per revision; then the whole map of every revision of every
//! series in the run side by side, with ratios and the page check.

use serde::Serialize;

use super::ktap::Figure;

/// The figures of one (revision, arch) run.
#[derive(Debug, Clone, Serialize)]
pub struct RevisionFigures {
    /// The series the revision belongs to.
    pub series: String,
    /// `baseline`, `v1`, ...
    pub revision: String,
    /// Arch.
    pub arch: String,
    /// Figures.
    pub figures: Vec<Figure>,
    /// Which of the timed loops this revision's system_heap_do_vmap() runs
    /// (`before` for the baseline; from series.toml for the others).
    pub own_loop: Option<String>,
    /// The (figure, size) pairs whose mapping was checked page by page in
    /// the same case that timed it, and passed.
    pub checked: Vec<(String, u64)>,
}

/// The timing cases of the system heap's suite that also check every page
/// of the mapping they time, and the figure each one gives; their
/// parameters are named by size (`16M`, `2G`).
pub const CHECKED_BY: &[(&str, &str)] = &[
    ("system_heap_vmap.sgvmap_timings.", "whole"),
    ("system_heap_vmap.sgvmap_order0_timings.", "whole-order0"),
];

/// `16M`, `2G`, `512K` as bytes.
pub fn parse_size(text: &str) -> Option<u64> {
    let (digits, unit) = text.split_at(text.len().checked_sub(1)?);
    let n: u64 = digits.parse().ok()?;
    let shift = match unit {
        "K" => 10,
        "M" => 20,
        "G" => 30,
        _ => return None,
    };
    n.checked_mul(1 << shift)
}

fn fig(figures: &[Figure], size: u64, imp: &str) -> Option<u64> {
    figures
        .iter()
        .find(|f| f.size == size && f.implementation == imp)
        .map(|f| f.ns)
}

/// The comparison tables: per arch and size, each loop's time and its
/// ratios to the pre-patch walk and to the floor; then the Rust loop where
/// a CONFIG_RUST run timed it; then `vmap()` alone, the whole
/// `system_heap_do_vmap()` of each revision, and the share of each
/// revision's whole that its own loop takes.
pub fn render_table(runs: &[RevisionFigures]) -> String {
    let view = View::of(runs);
    let mut out = loops_table(&view);
    out.push_str(&rust_table(&view));
    out.push_str(&heap_table(runs));
    out.push_str(&whole_table(&view));
    out.push_str(&whole_map_table(runs));
    out
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

fn cell(v: Option<u64>) -> String {
    v.map_or("-".to_string(), human_time)
}

fn ratio(a: Option<u64>, b: Option<u64>) -> String {
    match (a, b) {
        (Some(a), Some(b)) if b > 0 => format!("{:.2}x", a as f64 / b as f64),
        _ => "-".into(),
    }
}

fn loops_table(view: &View) -> String {
    let mut out = String::from("loops (page array from the sg table), minimum of runs:\n");
    out.push_str(&format!(
        "{:<6} {:>5} {:>10} {:>10} {:>10} {:>10} {:>9} {:>9} {:>9} {:>9}\n",
        "arch",
        "size",
        "before",
        "v1",
        "bounded",
        "floor",
        "v1 gain",
        "bnd gain",
        "v1/floor",
        "bnd/floor"
    ));
    for (arch, size) in &view.keys {
        let f = view.loops(arch);
        let get = |imp: &str| fig(f, *size, imp);
        out.push_str(&format!(
            "{:<6} {:>5} {:>10} {:>10} {:>10} {:>10} {:>9} {:>9} {:>9} {:>9}\n",
            arch,
            human_size(*size),
            cell(get("before")),
            cell(get("v1")),
            cell(get("bounded")),
            cell(get("floor")),
            ratio(get("before"), get("v1")),
            ratio(get("before"), get("bounded")),
            ratio(get("v1"), get("floor")),
            ratio(get("bounded"), get("floor")),
        ));
    }
    out
}

/// The Rust conversion, where a CONFIG_RUST run timed it; empty otherwise.
fn rust_table(view: &View) -> String {
    let with_rust: Vec<&(String, u64)> = view
        .keys
        .iter()
        .filter(|(arch, size)| fig(view.loops(arch), *size, "rust").is_some())
        .collect();
    if with_rust.is_empty() {
        return String::new();
    }
    let mut out = String::from("\nRust (rust-heap's core in the kernel) beside C:\n");
    out.push_str(&format!(
        "{:<6} {:>5} {:>10} {:>10} {:>10} {:>10} {:>10}\n",
        "arch", "size", "rust", "C v1", "C bounded", "rust/v1", "rust/bnd"
    ));
    for (arch, size) in with_rust {
        let f = view.loops(arch);
        let get = |imp: &str| fig(f, *size, imp);
        out.push_str(&format!(
            "{:<6} {:>5} {:>10} {:>10} {:>10} {:>10} {:>10}\n",
            arch,
            human_size(*size),
            cell(get("rust")),
            cell(get("v1")),
            cell(get("bounded")),
            ratio(get("rust"), get("v1")),
            ratio(get("rust"), get("bounded")),
        ));
    }
    out
}

/// The steps the heap comparison times, as `heap-<step>-<heap>` figures.
pub const HEAP_STEPS: &[&str] = &["alloc", "vmap", "vunmap"];

/// The C system heap beside the "system-rust" heap, where a CONFIG_RUST
/// run timed them: each step's time per heap and Rust's time over C's.
fn heap_table(runs: &[RevisionFigures]) -> String {
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
        return String::new();
    }
    rows.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    let mut out = String::from(
        "\nheaps: the C system heap and the Rust \"system-rust\" heap, allocate op and dma_buf_vmap/vunmap, minimum of runs:\n",
    );
    let mut header = format!("{:<6} {:>5}", "arch", "size");
    for step in HEAP_STEPS {
        header.push_str(&format!(
            " {:>11} {:>11} {:>7}",
            format!("{step} C"),
            format!("{step} Rust"),
            "Rust/C"
        ));
    }
    out.push_str(&header);
    out.push('\n');
    for (arch, size, figures) in rows {
        let mut line = format!("{:<6} {:>5}", arch, human_size(size));
        for step in HEAP_STEPS {
            let c = fig(figures, size, &format!("heap-{step}-c"));
            let rust = fig(figures, size, &format!("heap-{step}-rust"));
            line.push_str(&format!(
                " {:>11} {:>11} {:>7}",
                cell(c),
                cell(rust),
                ratio(rust, c)
            ));
        }
        out.push_str(&line);
        out.push('\n');
    }
    out
}

fn whole_table(view: &View) -> String {
    let mut out = String::from(
        "\nwhole path: vmap() alone, and system_heap_do_vmap() as each revision has it:\n",
    );
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
    let mut header = format!("{:<6} {:>5} {:>11}", "arch", "size", "vmap()");
    for rev in &with_loop {
        header.push_str(&format!(" {:>13} {:>7}", format!("whole {rev}"), "loop%"));
    }
    out.push_str(&header);
    out.push('\n');
    for (arch, size) in &view.keys {
        let f = view.loops(arch);
        let mut line = format!(
            "{:<6} {:>5} {:>11}",
            arch,
            human_size(*size),
            cell(fig(f, *size, "vmap"))
        );
        for rev in &with_loop {
            let run = view.run(arch, rev);
            let whole = run.and_then(|r| fig(&r.figures, *size, "whole"));
            let own_loop = run.and_then(|r| r.own_loop.as_deref());
            let share = match (own_loop.and_then(|l| fig(f, *size, l)), whole) {
                (Some(l), Some(w)) if w > 0 => format!("{:.3}", 100.0 * l as f64 / w as f64),
                _ => "-".into(),
            };
            line.push_str(&format!(" {:>13} {:>7}", cell(whole), share));
        }
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// A run's name in tables and charts: its revision, prefixed with its
/// series when that is not the first series shown (two series may both
/// have a v1).
pub fn run_label(series: &str, revision: &str, first_series: &str) -> String {
    if series == first_series {
        revision.to_string()
    } else {
        format!("{series}:{revision}")
    }
}

/// Every revision of every series side by side: the whole map of a heap
/// buffer (and of an order-0-only one where it was timed), per arch and
/// size, the ratios of each revision to the baseline and to the newest
/// revision of the first series, and how many of the runs checked every
/// page of the mapping they timed.
fn whole_map_table(runs: &[RevisionFigures]) -> String {
    let Some(first_series) = runs.first().map(|r| r.series.as_str()) else {
        return String::new();
    };
    // Columns: (series, revision) in run order.
    let mut columns: Vec<(&str, &str)> = Vec::new();
    for r in runs {
        if !columns.contains(&(r.series.as_str(), r.revision.as_str())) {
            columns.push((&r.series, &r.revision));
        }
    }
    let label = |(series, rev): (&str, &str)| run_label(series, rev, first_series);
    let baseline = columns
        .iter()
        .copied()
        .find(|(_, rev)| *rev == crate::series::manifest::BASELINE);
    // The newest revision of the first series: the last of its runs that
    // is neither the baseline nor a pick of another revision.
    let newest = columns.iter().copied().rev().find(|(series, rev)| {
        *series == first_series
            && *rev != crate::series::manifest::BASELINE
            && *rev != crate::series::manifest::ANDROID
    });
    let mut rows: Vec<(String, u64, &str)> = Vec::new();
    for r in runs {
        for f in &r.figures {
            for layout in ["whole", "whole-order0"] {
                if f.implementation == layout && !rows.contains(&(r.arch.clone(), f.size, layout)) {
                    rows.push((r.arch.clone(), f.size, layout));
                }
            }
        }
    }
    if rows.is_empty() {
        return String::new();
    }
    rows.sort();
    let get = |arch: &str, col: (&str, &str), size: u64, layout: &str| {
        runs.iter()
            .find(|r| r.arch == arch && r.series == col.0 && r.revision == col.1)
            .and_then(|r| fig(&r.figures, size, layout))
    };
    let checked = |arch: &str, col: (&str, &str), size: u64, layout: &str| {
        runs.iter()
            .find(|r| r.arch == arch && r.series == col.0 && r.revision == col.1)
            .is_some_and(|r| r.checked.iter().any(|(l, s)| l == layout && *s == size))
    };
    // Ratios for the revisions after the first series' newest.
    let compared: Vec<(&str, &str)> = columns
        .iter()
        .copied()
        .filter(|c| c.0 != first_series)
        .collect();
    let mut out = String::from(
        "\nwhole map: system_heap_do_vmap() as each revision has it, minimum of runs; \
         x = how many times faster than the revision named; checked = runs whose mapping was checked page by page:\n",
    );
    let mut header = format!("{:<6} {:>5} {:<7}", "arch", "size", "layout");
    for &c in &columns {
        header.push_str(&format!(" {:>w$}", label(c), w = label(c).len().max(10)));
    }
    for &c in &compared {
        for reference in [baseline, newest].into_iter().flatten() {
            let name = format!("{} x {}", label(c), label(reference));
            header.push_str(&format!(" {name:>w$}", w = name.len()));
        }
    }
    header.push_str(" checked");
    out.push_str(&header);
    out.push('\n');
    for (arch, size, layout) in &rows {
        let short = if *layout == "whole" {
            "heap"
        } else {
            "order-0"
        };
        let mut line = format!("{:<6} {:>5} {:<7}", arch, human_size(*size), short);
        let mut timed = 0;
        let mut ok = 0;
        for &c in &columns {
            let v = get(arch, c, *size, layout);
            timed += usize::from(v.is_some());
            ok += usize::from(v.is_some() && checked(arch, c, *size, layout));
            line.push_str(&format!(" {:>w$}", cell(v), w = label(c).len().max(10)));
        }
        for &c in &compared {
            for reference in [baseline, newest].into_iter().flatten() {
                let name_len = format!("{} x {}", label(c), label(reference)).len();
                line.push_str(&format!(
                    " {:>name_len$}",
                    ratio(
                        get(arch, reference, *size, layout),
                        get(arch, c, *size, layout)
                    )
                ));
            }
        }
        line.push_str(&format!(" {ok}/{timed}"));
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// Nanoseconds as a reader wants them: `1.25 ms`, `17.1 us`.
pub fn human_time(ns: u64) -> String {
    if ns >= 1_000_000 {
        format!("{:.2} ms", ns as f64 / 1e6)
    } else {
        format!("{:.1} us", ns as f64 / 1e3)
    }
}

pub fn human_size(bytes: u64) -> String {
    if bytes >= 1 << 30 && bytes.is_multiple_of(1 << 30) {
        format!("{}G", bytes >> 30)
    } else if bytes >= 1 << 20 && bytes.is_multiple_of(1 << 20) {
        format!("{}M", bytes >> 20)
    } else {
        format!("{}K", bytes >> 10)
    }
}

/// The KASAN runs, one verdict line each (no timings under KASAN).
pub fn render_kasan(records: &[super::record::KunitRecord], kernel: &str) -> String {
    let mut out = format!("KUnit under KASAN on Linux {kernel}:\n");
    let first_series = records.first().map_or("", |r| r.series.as_str());
    for r in records {
        let Some(v) = &r.kasan else { continue };
        let revision = run_label(&r.series, &r.revision, first_series);
        out.push_str(&format!(
            "  {:<10} {:<5} {:<12} {} cases passed, {} unexpected report(s) or failure(s); the deliberate v1 overflow reported {} time(s) in {}\n",
            revision,
            r.arch.name(),
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
