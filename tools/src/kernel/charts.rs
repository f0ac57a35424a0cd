//! The charts of the KUnit figures, one per question the evidence answers:
//! what each page-array loop costs, what the whole `system_heap_do_vmap()`
//! of each revision costs, the Rust loop beside C's, and the C and Rust
//! heaps' operations. Each is a small multiple: a panel per arch and
//! kernel (and series or step where one panel would need more than
//! [`MAX_LINES`] lines), each with its own time axis, so that 6.12 and
//! mainline, or UML and QEMU, are set beside each other but never on one
//! scale. The panels are drawn by [`super::panel`]: medians with ranges,
//! lines named at their ends.

use std::collections::BTreeSet;

use anyhow::{anyhow, Result};
use plotters::prelude::*;

use super::checkout::{ANDROID, BASELINE};
use super::kunitpy::Config;
use super::panel::{self, Line, Panel, Point, MAX_LINES};
use super::record::KunitRecord;
use super::spread::Range;
use super::view::run_label;
use super::view::HEAP_STEPS;

/// One chart: its panels alone (the page lays them out to its width) and
/// all of them in one SVG file (for the README and for saving).
#[derive(Debug, Clone)]
pub struct Chart {
    /// `loops.svg`, `whole-map.svg`, ...
    pub file: String,
    /// The question it answers, for captions and alt text.
    pub title: String,
    /// What a `*` after a name means, where a line has one.
    pub note: Option<String>,
    /// Each panel on its own.
    pub panels: Vec<PanelSvg>,
    /// The panels in a grid, two per row, under the title.
    pub svg: String,
}

/// One panel of a chart drawn on its own, for a page that lays the
/// panels out to its width.
#[derive(Debug, Clone)]
pub struct PanelSvg {
    /// The panel's title (its aria-label on the page).
    pub title: String,
    /// The panel as an SVG document.
    pub svg: String,
}

/// The loops every build carries, and their names on the charts.
const LOOPS: [(&str, &str); 4] = [
    ("before", "pre-patch walk"),
    ("v1", "v1 loop"),
    ("bounded", "bounded (v2)"),
    ("floor", "floor"),
];

const MIN_ONLY: &str = "*: the minimum of its runs alone, from a record written before the \
                        suite printed a median and a range; no bar";

/// Every chart the records allow, in the order of the questions.
pub fn charts(records: &[KunitRecord]) -> Result<Vec<Chart>> {
    let questions = [
        (
            "loops.svg",
            "The page-array loops: time against buffer size",
            loops(records),
        ),
        (
            "whole-map.svg",
            "The whole system_heap_do_vmap() of each revision: time against buffer size",
            whole_map(records),
        ),
        (
            "rust-vs-c.svg",
            "The Rust loop beside C's, in a CONFIG_RUST build",
            rust_vs_c(records),
        ),
        (
            "heap-ops.svg",
            "The C system heap and the Rust system-rust heap, step by step",
            heap_ops(records),
        ),
    ];
    let mut out = Vec::new();
    for (file, title, panels) in questions {
        if !panels.is_empty() {
            out.push(draw(file, title, &panels)?);
        }
    }
    Ok(out)
}

/// (kernel, arch) of every record of `config` with figures, sorted.
fn bases(records: &[KunitRecord], config: Config) -> BTreeSet<(&str, String)> {
    records
        .iter()
        .filter(|r| r.config == config && !r.figures.is_empty())
        .map(|r| (r.kernel.as_str(), r.arch_label()))
        .collect()
}

/// The runs of `config` on one (kernel, arch), in revision order (see
/// [`KunitRecord::order_key`]).
fn runs<'a>(
    records: &'a [KunitRecord],
    config: Config,
    (kernel, arch): (&str, String),
) -> Vec<&'a KunitRecord> {
    let mut runs: Vec<&KunitRecord> = records
        .iter()
        .filter(|r| {
            r.config == config
                && r.kernel == kernel
                && r.arch_label() == arch
                && !r.figures.is_empty()
        })
        .collect();
    runs.sort_by_key(|r| r.order_key());
    runs
}

/// `arm64, Linux 6.12.117` (how each arch ran is said once, above the
/// charts: a panel's title must fit its width on a phone).
fn base_title(r: &KunitRecord) -> String {
    format!("{}, Linux {}", r.arch_label(), r.kernel)
}

/// A record's figure as a line; `*` after its name where a point has no
/// range.
fn line(label: &str, r: &KunitRecord, implementation: &str) -> Line {
    let mut points: Vec<Point> = r
        .figures
        .iter()
        .filter(|f| f.implementation == implementation)
        .map(|f| {
            let range = Range::of(f);
            Point {
                size: f.size,
                median: range.map_or(f.ns, |r| r.median) as f64,
                range: range.map(|r| (r.min as f64, r.max as f64)),
            }
        })
        .collect();
    points.sort_by_key(|p| p.size);
    let star = if points.iter().any(|p| p.range.is_none()) {
        "*"
    } else {
        ""
    };
    Line {
        label: format!("{label}{star}"),
        points,
    }
}

/// The panels for `lines`, split where there are more than can be told
/// apart in one; lines with nothing measured left out.
fn panels(title: String, lines: Vec<Line>) -> Vec<Panel> {
    let lines: Vec<Line> = lines.into_iter().filter(|l| !l.points.is_empty()).collect();
    let parts = lines.len().div_ceil(MAX_LINES);
    lines
        .chunks(MAX_LINES)
        .enumerate()
        .map(|(i, chunk)| Panel {
            title: match parts {
                1 => title.clone(),
                _ => format!("{title} ({}/{parts})", i + 1),
            },
            lines: chunk.to_vec(),
        })
        .collect()
}

/// Each loop, from the first C run of each (kernel, arch): every build
/// carries the same loops.
fn loops(records: &[KunitRecord]) -> Vec<Panel> {
    let mut out = Vec::new();
    for base in bases(records, Config::C) {
        let first = runs(records, Config::C, base)[0];
        let lines = LOOPS.iter().map(|(imp, l)| line(l, first, imp)).collect();
        out.extend(panels(base_title(first), lines));
    }
    out
}

/// The whole map of each revision: a panel per series, another series'
/// panel with the first series' baseline and newest revision beside it,
/// as the whole-map table sets them.
fn whole_map(records: &[KunitRecord]) -> Vec<Panel> {
    let mut out = Vec::new();
    for base in bases(records, Config::C) {
        let runs = runs(records, Config::C, base);
        let first = runs[0].series.as_str();
        let label = |r: &KunitRecord| run_label(&r.series, &r.revision, first);
        let of = |series: &str| -> Vec<&KunitRecord> {
            runs.iter()
                .copied()
                .filter(|r| r.series == series)
                .collect()
        };
        let firsts = of(first);
        let references: Vec<&KunitRecord> = [
            firsts.iter().find(|r| r.revision == BASELINE),
            firsts
                .iter()
                .rfind(|r| r.revision != BASELINE && r.revision != ANDROID),
        ]
        .into_iter()
        .flatten()
        .copied()
        .collect();
        let mut series: Vec<&str> = Vec::new();
        for r in &runs {
            if !series.contains(&r.series.as_str()) {
                series.push(&r.series);
            }
        }
        for s in series {
            let mut shown: Vec<&KunitRecord> = Vec::new();
            if s != first {
                shown.extend(&references);
            }
            shown.extend(of(s));
            let lines = shown.iter().map(|r| line(&label(r), r, "whole")).collect();
            out.extend(panels(format!("{}: {s}", base_title(runs[0])), lines));
        }
    }
    out
}

/// The Rust loop and the C loops it replaces, from each CONFIG_RUST run
/// that timed it.
fn rust_vs_c(records: &[KunitRecord]) -> Vec<Panel> {
    let mut out = Vec::new();
    for base in bases(records, Config::CRust) {
        let Some(r) = runs(records, Config::CRust, base)
            .into_iter()
            .find(|r| r.figures.iter().any(|f| f.implementation == "rust"))
        else {
            continue;
        };
        let lines = vec![
            line("Rust loop", r, "rust"),
            line("C v1 loop", r, "v1"),
            line("C bounded (v2)", r, "bounded"),
        ];
        out.extend(panels(base_title(r), lines));
    }
    out
}

/// Each heap operation, C's heap beside Rust's: a panel per step, whose
/// times differ by orders of magnitude.
fn heap_ops(records: &[KunitRecord]) -> Vec<Panel> {
    let mut out = Vec::new();
    for base in bases(records, Config::CRust) {
        for r in runs(records, Config::CRust, base) {
            for step in HEAP_STEPS {
                let lines = vec![
                    line("C", r, &format!("heap-{step}-c")),
                    line("Rust", r, &format!("heap-{step}-rust")),
                ];
                let what = match *step {
                    "alloc" => "allocate",
                    "vmap" => "dma_buf_vmap",
                    _ => "dma_buf_vunmap",
                };
                out.extend(panels(format!("{}: {what}", base_title(r)), lines));
            }
        }
    }
    out
}

fn plot_error<E: std::fmt::Debug>(e: E) -> anyhow::Error {
    anyhow!("drawing a chart: {e:?}")
}

/// Draws each panel alone and all of them as one file.
fn draw(file: &str, title: &str, panels: &[Panel]) -> Result<Chart> {
    let note = panels
        .iter()
        .flat_map(|p| &p.lines)
        .any(|l| l.label.ends_with('*'))
        .then(|| MIN_ONLY.to_string());
    let alone = panels
        .iter()
        .map(|p| {
            Ok(PanelSvg {
                title: p.title.clone(),
                svg: panel::svg(p)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let cols = panels.len().min(2);
    let rows = panels.len().div_ceil(cols);
    let (w, h) = panel::SIZE;
    let heading = if note.is_some() { 48 } else { 32 };
    let mut svg = String::new();
    {
        let size = (w * cols as u32, h * rows as u32 + heading);
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE).map_err(plot_error)?;
        let (top, body) = root.split_vertically(heading);
        top.draw_text(title, &("sans-serif", 18).into(), (10, 6))
            .map_err(plot_error)?;
        if let Some(n) = &note {
            top.draw_text(n, &("sans-serif", 11).into(), (10, 30))
                .map_err(plot_error)?;
        }
        for (area, p) in body.split_evenly((rows, cols)).iter().zip(panels) {
            panel::draw(area, p)?;
        }
        root.present().map_err(plot_error)?;
    }
    Ok(Chart {
        file: file.into(),
        title: title.into(),
        note,
        panels: alone,
        svg,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn committed() -> Vec<KunitRecord> {
        let workspace = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let results = workspace.join("results");
        super::super::record::load_run(&results.to_string_lossy(), &workspace).unwrap()
    }

    #[test]
    fn a_chart_per_question_with_every_line_named() {
        let records = committed();
        let charts = charts(&records).unwrap();
        let files: Vec<&str> = charts.iter().map(|c| c.file.as_str()).collect();
        assert_eq!(
            files,
            [
                "loops.svg",
                "whole-map.svg",
                "rust-vs-c.svg",
                "heap-ops.svg"
            ]
        );
        let whole = whole_map(&records);
        // Another series is set against the first one's baseline and newest
        // revision, as the whole-map table does.
        let vmap_sg = whole
            .iter()
            .find(|p| p.title == "arm64, Linux 6.12.117: vmap-sg")
            .unwrap();
        let names: Vec<&str> = vmap_sg.lines.iter().map(|l| l.label.as_str()).collect();
        assert_eq!(
            names,
            ["baseline*", "v2*", "vmap-sg:v1-generic*", "vmap-sg:v1*"]
        );
        for c in &charts {
            assert!(!c.panels.is_empty());
            for p in &c.panels {
                assert!(
                    c.svg.contains(p.title.as_str()),
                    "{} not in {}",
                    p.title,
                    c.file
                );
                assert!(p.svg.starts_with("<svg"));
            }
        }
    }

    #[test]
    fn lines_beyond_what_a_panel_holds_go_to_another_panel() {
        let line = |i: usize| Line {
            label: format!("r{i}"),
            points: vec![Point {
                size: 1 << 24,
                median: 1e4,
                range: None,
            }],
        };
        let split = panels("t".into(), (0..7).map(line).collect());
        assert_eq!(split.len(), 2);
        assert_eq!(split[0].title, "t (1/2)");
        assert_eq!(split[0].lines.len(), MAX_LINES);
        assert_eq!(split[1].lines.len(), 2);
    }
}
