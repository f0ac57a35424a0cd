//! The comparison tables `patchctl kunit` prints and the cover letter
//! carries: per arch and size, each loop, the floor, `vmap()` alone and the
//! whole path per revision.

use serde::Serialize;

use super::ktap::Figure;

/// The figures of one (revision, arch) run.
#[derive(Debug, Clone, Serialize)]
pub struct RevisionFigures {
    /// `baseline`, `v1`, ...
    pub revision: String,
    /// Arch.
    pub arch: String,
    /// Figures.
    pub figures: Vec<Figure>,
    /// Which of the timed loops this revision's system_heap_do_vmap() runs
    /// (`before` for the baseline; from series.toml for the others).
    pub own_loop: Option<String>,
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
    out.push_str(&whole_table(&view));
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
        let mut keys: Vec<(String, u64)> = runs
            .iter()
            .flat_map(|r| r.figures.iter().map(|f| (f.arch.clone(), f.size)))
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
    v.map_or("-".to_string(), time)
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

fn whole_table(view: &View) -> String {
    let mut out = String::from(
        "\nwhole path: vmap() alone, and system_heap_do_vmap() as each revision has it:\n",
    );
    let mut header = format!("{:<6} {:>5} {:>11}", "arch", "size", "vmap()");
    for rev in &view.revisions {
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
        for rev in &view.revisions {
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

fn time(ns: u64) -> String {
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
    for r in records {
        let Some(v) = &r.kasan else { continue };
        out.push_str(&format!(
            "  {:<10} {:<5} {} cases passed, {} unexpected report(s) or failure(s); the deliberate v1 overflow reported {} time(s) in {}\n",
            r.revision,
            r.arch.name(),
            r.passed,
            v.unexpected_reports.len() + v.unexpected_failures.len(),
            v.expected_reports.len(),
            super::kasan::EXPECTED_FUNCTION
        ));
    }
    out
}
