//! The evidence as a page a person opens: `index.html` with the charts
//! (inline, so the page stands alone; `charts`), the tables as HTML tables
//! (`html_table`), the machine and kernel each figure came from, and links
//! to the raw JSON; the charts also as SVG files beside it, and the tables
//! as `tables.md`, for the README and cover letters, so that neither
//! carries figures typed by hand. The page reads at 400 px as at 1280:
//! wide tables scroll inside their own box, chart panels wrap.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::cells::LEGEND;
use super::charts::{self, Chart};
use super::html::escape;
use super::html_table;
use super::kunitpy::Config;
use super::record::KunitRecord;
use super::table;
use super::view::RevisionFigures;

/// What was written.
#[derive(Debug)]
pub struct Written {
    /// `index.html`.
    pub page: PathBuf,
    /// The charts' SVG files.
    pub charts: Vec<PathBuf>,
    /// `tables.md`.
    pub tables: PathBuf,
}

/// Draws the charts and the page from `records` into `out` (charts in
/// `out/charts/`). `json` is where the records' files are, relative to
/// `out`, for the page's links (none for records read from git).
pub fn write(records: &[KunitRecord], out: &Path, json: Option<&str>) -> Result<Written> {
    let charts = charts::charts(records)?;
    let dir = out.join("charts");
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut files = Vec::new();
    // Charts a previous version drew under other names would stay beside
    // the new ones and be taken for current.
    for old in std::fs::read_dir(&dir)?.flatten() {
        let path = old.path();
        let ours = charts
            .iter()
            .any(|c| path.file_name() == Some(c.file.as_ref()));
        if !ours && path.extension().is_some_and(|e| e == "svg") {
            std::fs::remove_file(&path)
                .with_context(|| format!("cannot remove {}", path.display()))?;
        }
    }
    for c in &charts {
        let path = dir.join(&c.file);
        crate::util::write_atomically(&path, c.svg.as_bytes())?;
        files.push(path);
    }
    let page = out.join("index.html");
    crate::util::write_atomically(&page, html(records, &charts, json).as_bytes())?;
    let tables = out.join("tables.md");
    crate::util::write_atomically(&tables, markdown(records).as_bytes())?;
    Ok(Written {
        page,
        charts: files,
        tables,
    })
}

/// The timed runs grouped as the tables show them: by config, then by
/// kernel (a row's figures come from one kernel: 6.12 and mainline are
/// never set side by side), in the records' order.
fn table_groups(records: &[KunitRecord]) -> Vec<(String, Vec<&KunitRecord>)> {
    let mut groups: Vec<(String, Vec<&KunitRecord>)> = Vec::new();
    for config in [Config::C, Config::CRust] {
        for r in records
            .iter()
            .filter(|r| r.config == config && !r.figures.is_empty())
        {
            let title = format!("{} builds, Linux {}", config.name(), r.kernel);
            match groups.iter_mut().find(|(t, _)| *t == title) {
                Some((_, runs)) => runs.push(r),
                None => groups.push((title, vec![r])),
            }
        }
    }
    groups
}

/// What a group's times are: "median and range of 21 runs in 3 boots".
fn what_figures_are(runs: &[&KunitRecord]) -> String {
    let owned: Vec<KunitRecord> = runs.iter().map(|r| (*r).clone()).collect();
    table::runs_per_figure(&owned).unwrap_or_else(|| "no runs".into())
}

fn revision_figures(runs: &[&KunitRecord]) -> Vec<RevisionFigures> {
    runs.iter().map(|r| RevisionFigures::of(r)).collect()
}

/// A group's tables as text, with what their times are.
fn group_tables(runs: &[&KunitRecord]) -> String {
    format!(
        "Each figure: {}.\n\n{}",
        what_figures_are(runs),
        table::render_table(&revision_figures(runs))
    )
}

/// The tables as Markdown, for the README to point at: written from the
/// records each time, never edited.
pub fn markdown(records: &[KunitRecord]) -> String {
    let mut out = String::from(
        "# KUnit tables of the committed record\n\n\
         Written by `patchctl report` (`make record`, `make report`) from the \
         `kunit-*.json` records beside this file; a change belongs in the records, \
         not here. arm64 figures are QEMU TCG emulation, not hardware.\n",
    );
    let mut sources: Vec<String> = Vec::new();
    for r in records.iter().filter(|r| !r.figures.is_empty()) {
        crate::util::push_unique(&mut sources, r.source());
    }
    out.push_str("\nWhere the figures came from:\n\n");
    for s in &sources {
        out.push_str(&format!("- {s}\n"));
    }
    for (title, runs) in table_groups(records) {
        out.push_str(&format!("\n## {title}\n\n{}", group_tables(&runs)));
    }
    out
}

/// The page's style: figures right-aligned in tabular digits, units under
/// the column names, a wide table scrolling inside its own box, chart
/// panels two abreast where there is room and one under the other on a
/// phone. `min-width: 0` lets a panel shrink below its SVG's width.
const STYLE: &str = "
body { font-family: sans-serif; line-height: 1.4; margin: 0 auto; padding: 1em; max-width: 75em; }
h1, h2, h3, p, figcaption { overflow-wrap: break-word; }
figure { margin: 1em 0; }
figcaption { font-weight: bold; margin-bottom: .3em; }
.scroll { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; font-size: 90%; }
th, td { border: 1px solid #ccc; padding: .25em .5em; }
th { background: #f3f3f3; text-align: left; vertical-align: bottom; }
td { white-space: nowrap; }
/* The row's name stays in view while a wide table scrolls sideways. */
tbody td:first-child { position: sticky; left: 0; background: #fff; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
th .unit { display: block; font-weight: normal; font-size: 85%; color: #555; }
th button { font: inherit; color: inherit; text-align: inherit; background: none; border: 0; padding: 0; cursor: pointer; }
th[aria-sort=ascending] button::after { content: ' \\25B2'; }
th[aria-sort=descending] button::after { content: ' \\25BC'; }
pre { margin: 0; padding: .5em; background: #f6f6f6; }
.panels { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 26em), 1fr)); gap: 1em; }
.panels figure { margin: 0; min-width: 0; }
.panels svg { display: block; width: 100%; height: auto; }
.note { font-size: 90%; color: #444; }
";

/// How many charts the browser laid out with every panel sized: for
/// readers and tests.
const DRAWN_SCRIPT: &str = "
const drawn = [...document.querySelectorAll('section.chart')].filter(chart =>
  [...chart.querySelectorAll('svg')].every(svg => svg.getBBox().width > 0)).length;
document.body.dataset.chartsDrawn = String(drawn);
";

/// A chart: its question, its panels and the file with all of them.
fn chart_html(c: &Chart) -> String {
    let id = c.file.trim_end_matches(".svg");
    let mut out = format!(
        "<section class=\"chart\" id=\"{}\">\n<h3>{}</h3>\n",
        escape(id),
        escape(&c.title)
    );
    if let Some(note) = &c.note {
        out.push_str(&format!("<p class=\"note\">{}</p>\n", escape(note)));
    }
    out.push_str("<div class=\"panels\">\n");
    for p in &c.panels {
        // The SVG comes from plotters, which escapes the text it draws.
        out.push_str(&format!(
            "<figure role=\"img\" aria-label=\"{}\">\n{}\n</figure>\n",
            escape(&p.title),
            p.svg
        ));
    }
    out.push_str(&format!(
        "</div>\n<p class=\"note\">All panels in one file: <a href=\"charts/{}\">{}</a></p>\n</section>\n",
        escape(&c.file),
        escape(&c.file)
    ));
    out
}

/// The tables of each group (config and kernel), as HTML tables.
fn tables_html(records: &[KunitRecord]) -> String {
    let mut out = format!(
        "<h2 id=\"tables\">Tables</h2>\n<p class=\"note\">{}</p>\n",
        escape(LEGEND)
    );
    for (g, (title, runs)) in table_groups(records).into_iter().enumerate() {
        out.push_str(&format!(
            "<h3>{}</h3>\n<p>Each figure: {}.</p>\n",
            escape(&title),
            escape(&what_figures_are(&runs))
        ));
        for (t, section) in table::sections(&revision_figures(&runs)).iter().enumerate() {
            out.push_str(&html_table::render(section, &format!("table-{g}-{t}")));
        }
    }
    out
}

/// Where each figure came from: a row per record, with its raw JSON.
fn sources_html(records: &[KunitRecord], json: Option<&str>) -> String {
    let mut out = String::from(
        "<h2 id=\"sources\">Where each figure came from</h2>\n\
         <div class=\"scroll\" role=\"region\" tabindex=\"0\" aria-label=\"where each figure came from\">\n\
         <table>\n<thead><tr><th scope=\"col\">run</th><th scope=\"col\">kernel</th>\
         <th scope=\"col\">how</th><th scope=\"col\">machine</th><th scope=\"col\">cases</th>\
         <th scope=\"col\">raw</th></tr></thead>\n<tbody>\n",
    );
    for r in records {
        let file = r.file_name();
        let link = json.map_or_else(
            || escape(&file),
            |dir| {
                format!(
                    "<a href=\"{}\">{}</a>",
                    escape(&format!("{dir}/{file}")),
                    escape(&file)
                )
            },
        );
        out.push_str(&format!(
            "<tr><td>{} {} {} {}</td><td>Linux {}</td><td>{}</td><td>{}, {} CPUs, {} MiB, {}</td><td>{} passed, {} failed, {} skipped</td><td>{link}</td></tr>\n",
            escape(&r.series),
            escape(&r.revision),
            escape(&r.arch_label()),
            escape(r.config.name()),
            escape(&r.kernel),
            escape(r.arch.how_run()),
            escape(&r.machine.cpu),
            r.machine.cpus,
            r.machine.memory_mib,
            escape(&r.machine.kernel),
            r.passed,
            r.failed.len(),
            r.skipped.len(),
        ));
    }
    out.push_str("</tbody>\n</table>\n</div>\n");
    out
}

/// The page. It needs nothing but itself: the charts are inline SVG; a
/// few lines of script add sorting to the tables (the page reads the same
/// without it) and mark, for tests and readers, how many charts the
/// browser laid out.
pub fn html(records: &[KunitRecord], charts: &[Chart], json: Option<&str>) -> String {
    let mut body = String::new();
    body.push_str("<h1>system-heap-vmap: KUnit evidence</h1>\n");
    body.push_str(
        "<p>Every figure is the median of repeated runs of a KUnit timing case in a real \
         kernel, with the range from the fastest to the slowest run (records written before \
         the suite printed a range give their minimum alone, marked so); a ratio is given only \
         where two ranges do not overlap. arm64 figures are QEMU TCG emulation, not \
         hardware.</p>\n<p><a href=\"#charts\">Charts</a> · <a href=\"#tables\">Tables</a> · \
         <a href=\"#sources\">Where each figure came from</a></p>\n",
    );
    body.push_str(
        "<h2 id=\"charts\">Charts</h2>\n<p class=\"note\">A panel per arch and kernel, each \
         on its own time scale (log): medians, with a bar from the fastest to the slowest \
         run. arm64 runs under QEMU TCG, um is UML.</p>\n",
    );
    for c in charts {
        body.push_str(&chart_html(c));
    }
    body.push_str(&tables_html(records));
    let kasan: Vec<KunitRecord> = records
        .iter()
        .filter(|r| r.kasan.is_some())
        .cloned()
        .collect();
    if let Some(first) = kasan.first() {
        body.push_str(&format!(
            "<h2 id=\"kasan\">KASAN</h2>\n<div class=\"scroll\" role=\"region\" tabindex=\"0\" \
             aria-label=\"KASAN\">\n<pre>{}</pre>\n</div>\n",
            escape(&table::render_kasan(&kasan, &first.kernel))
        ));
    }
    body.push_str(&sources_html(records, json));
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>system-heap-vmap: KUnit evidence</title>\n<style>{STYLE}</style>\n</head>\n\
         <body>\n{body}<script>{}{DRAWN_SCRIPT}</script>\n</body>\n</html>\n",
        html_table::SORT_SCRIPT
    )
}
