//! The evidence as a page a person opens: `index.html` with the tables,
//! the charts (inline, so the page stands alone), the machine and kernel
//! each figure came from, and links to the raw JSON; the charts also as
//! SVG files beside it, and the tables as `tables.md`, for the README and
//! cover letters, so that neither carries figures typed by hand.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::charts::{self, Chart};
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

/// A group's tables with what their times are.
fn group_tables(runs: &[&KunitRecord]) -> String {
    let owned: Vec<KunitRecord> = runs.iter().map(|r| (*r).clone()).collect();
    let figures: Vec<RevisionFigures> = owned.iter().map(RevisionFigures::of).collect();
    format!(
        "Each figure: {}.\n\n{}",
        table::runs_per_figure(&owned).unwrap_or_else(|| "no runs".into()),
        table::render_table(&figures)
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

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The page. It needs nothing but itself: the charts are inline SVG; a
/// few lines of script only mark, for tests and readers, how many charts
/// the browser laid out.
pub fn html(records: &[KunitRecord], charts: &[Chart], json: Option<&str>) -> String {
    let mut body = String::new();
    body.push_str("<h1>system-heap-vmap: KUnit evidence</h1>\n");
    body.push_str(
        "<p>Every figure is the median of repeated runs of a KUnit timing case in a real \
         kernel, with the range from the fastest to the slowest run (records written before \
         the suite printed a range give their minimum alone, marked so); a ratio is given only \
         where two ranges do not overlap. arm64 figures are QEMU TCG emulation, not \
         hardware.</p>\n",
    );
    for (title, runs) in table_groups(records) {
        body.push_str(&format!(
            "<h2>Tables, {}</h2>\n<pre>{}</pre>\n",
            escape(&title),
            escape(&group_tables(&runs))
        ));
    }
    if records.iter().any(|r| r.kasan.is_some()) {
        let kasan: Vec<KunitRecord> = records
            .iter()
            .filter(|r| r.kasan.is_some())
            .cloned()
            .collect();
        let kernel = kasan.first().map_or("?", |r| r.kernel.as_str());
        body.push_str(&format!(
            "<h2>KASAN</h2>\n<pre>{}</pre>\n",
            escape(&table::render_kasan(&kasan, kernel))
        ));
    }
    body.push_str("<h2>Charts</h2>\n");
    for c in charts {
        body.push_str(&format!(
            "<figure class=\"chart\" id=\"{}\">\n{}\n<figcaption>{}</figcaption>\n</figure>\n",
            escape(c.file.trim_end_matches(".svg")),
            c.svg,
            escape(&c.title)
        ));
    }
    body.push_str("<h2>Where each figure came from</h2>\n<table>\n<tr><th>run</th><th>kernel</th><th>how</th><th>machine</th><th>cases</th><th>raw</th></tr>\n");
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
        body.push_str(&format!(
            "<tr><td>{} {} {} {}</td><td>Linux {}</td><td>{}</td><td>{}, {} CPUs, {} MiB, {}</td><td>{} passed, {} failed, {} skipped</td><td>{link}</td></tr>\n",
            escape(&r.series),
            escape(&r.revision),
            r.arch.name(),
            r.config.name(),
            escape(&r.kernel),
            r.arch.how_run(),
            escape(&r.machine.cpu),
            r.machine.cpus,
            r.machine.memory_mib,
            escape(&r.machine.kernel),
            r.passed,
            r.failed.len(),
            r.skipped.len(),
        ));
    }
    body.push_str("</table>\n");
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>system-heap-vmap: KUnit evidence</title>\n<style>\n\
         body {{ font-family: sans-serif; margin: 2em; max-width: 1000px; }}\n\
         pre {{ background: #f6f6f6; padding: 1em; overflow-x: auto; }}\n\
         table {{ border-collapse: collapse; font-size: 90%; }}\n\
         td, th {{ border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: left; }}\n\
         figure.chart {{ margin: 1em 0; }}\n</style>\n</head>\n<body>\n{body}\
         <script>\n\
         // How many charts the browser laid out with a size: for readers and tests.\n\
         const drawn = [...document.querySelectorAll('figure.chart svg')]\n\
           .filter(svg => svg.getBBox().width > 0).length;\n\
         document.body.dataset.chartsDrawn = String(drawn);\n\
         </script>\n</body>\n</html>\n"
    )
}
