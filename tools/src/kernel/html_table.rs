//! A titled grid ([`Section`]) as an HTML table for the evidence page,
//! beside the text renderer in `grid`: each column's unit once, in its
//! header, so that cells are numbers a reader can compare down a column
//! (and paste into a spreadsheet); figures right-aligned; each figure
//! cell with the number it sorts by (`data-sort`); the table inside its
//! own scrolling box, so that a wide table scrolls there on a phone
//! rather than widening the page.

use super::cells::{Cell, Timing};
use super::grid::{Grid, Section};
use super::html::escape;
use super::spread::Difference;
use super::units::human_size;

/// The unit of a column of times: the largest in which its smallest
/// figure is still at least 1, so that no cell reads `0.01`.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Unit {
    Ms,
    Us,
    Ns,
}

impl Unit {
    fn of(smallest_ns: u64) -> Unit {
        match smallest_ns {
            1_000_000.. => Unit::Ms,
            1_000.. => Unit::Us,
            _ => Unit::Ns,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Unit::Ms => "ms",
            Unit::Us => "µs",
            Unit::Ns => "ns",
        }
    }

    fn value(self, ns: u64) -> f64 {
        ns as f64
            / match self {
                Unit::Ms => 1e6,
                Unit::Us => 1e3,
                Unit::Ns => 1.0,
            }
    }
}

/// What a column holds, from its cells, and so what its header adds.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Column {
    /// Times in one unit; `true` where every cell is a minimum alone (a
    /// record from before the suite printed ranges), which the header
    /// then says once instead of every cell.
    Times(Unit, bool),
    Ratios,
    Other,
}

fn column(grid: &Grid, i: usize) -> Column {
    let cells: Vec<&Cell> = grid
        .rows()
        .iter()
        .map(|r| &r[i])
        .filter(|c| **c != Cell::Missing)
        .collect();
    if cells.is_empty() {
        return Column::Other;
    }
    let times: Vec<&Timing> = cells
        .iter()
        .filter_map(|c| match c {
            Cell::Time(t) => Some(t),
            _ => None,
        })
        .collect();
    if times.len() == cells.len() {
        let smallest = times.iter().map(|t| t.central()).min().unwrap_or(0);
        let min_only = times.iter().all(|t| matches!(t, Timing::MinOnly(_)));
        return Column::Times(Unit::of(smallest), min_only);
    }
    if cells
        .iter()
        .all(|c| matches!(c, Cell::Ratio(_) | Cell::BelowFloor(_)))
    {
        return Column::Ratios;
    }
    Column::Other
}

/// Three significant figures at most, none lost above 100: `193`,
/// `13.8`, `1.97`.
fn number(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// A cell's HTML content in its column's terms.
fn content(cell: &Cell, col: Column) -> String {
    match (cell, col) {
        (Cell::Time(Timing::Range(r)), Column::Times(u, _)) => format!(
            "{} ({}–{})",
            number(u.value(r.median)),
            number(u.value(r.min)),
            number(u.value(r.max))
        ),
        (Cell::Time(Timing::MinOnly(ns)), Column::Times(u, true)) => number(u.value(*ns)),
        (Cell::Time(Timing::MinOnly(ns)), Column::Times(u, false)) => {
            format!("{} (min only)", number(u.value(*ns)))
        }
        (Cell::Ratio(Difference::Ratio(r)), Column::Ratios) => format!("{r:.2}"),
        (Cell::BelowFloor(r), Column::Ratios) => format!("<strong>{r:.2} BELOW FLOOR</strong>"),
        (Cell::Size(bytes), _) => human_size(*bytes),
        (Cell::Percent(p), _) => number(*p),
        (Cell::Missing, _) => "–".into(),
        (c, _) => escape(&c.text()),
    }
}

/// A column's header: its name, and under it what its cells are in.
fn header(name: &str, col: Column) -> String {
    let unit = match col {
        Column::Times(u, false) => format!("{}, median (min–max)", u.name()),
        Column::Times(u, true) => format!("{}, fastest run", u.name()),
        Column::Ratios => "×".into(),
        Column::Other => return escape(name),
    };
    format!(
        "{}<span class=\"unit\">{}</span>",
        escape(name),
        escape(&unit)
    )
}

/// The section as a captioned, scrolling table; `id` names it in the page.
pub fn render(section: &Section, id: &str) -> String {
    let grid = &section.grid;
    let cols: Vec<Column> = (0..grid.header().len()).map(|i| column(grid, i)).collect();
    let align = |i: usize| {
        if grid.is_name(i) {
            ""
        } else {
            " class=\"num\""
        }
    };
    let title = section.title.trim_end_matches(':');
    let mut out = format!(
        "<figure class=\"table\" id=\"{id}\">\n<figcaption>{}</figcaption>\n\
         <div class=\"scroll\" role=\"region\" tabindex=\"0\" aria-label=\"{}\">\n\
         <table class=\"sortable\">\n<thead><tr>",
        escape(title),
        escape(title),
        id = escape(id),
    );
    for (i, name) in grid.header().iter().enumerate() {
        out.push_str(&format!(
            "<th scope=\"col\"{}>{}</th>",
            align(i),
            header(name, cols[i])
        ));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in grid.rows() {
        out.push_str("<tr>");
        for (i, cell) in row.iter().enumerate() {
            let sort = cell
                .sort_key()
                .map_or(String::new(), |k| format!(" data-sort=\"{k}\""));
            out.push_str(&format!(
                "<td{}{sort}>{}</td>",
                align(i),
                content(cell, cols[i])
            ));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n</div>\n</figure>\n");
    out
}

/// Sorting by a column, added by script to tables that have `sortable`:
/// each header becomes a button. Without script the headers stay text and
/// the rows keep their order (arch, then size), which reads as it is.
/// Cells without a number (`no difference measured`) go last either way.
pub const SORT_SCRIPT: &str = r#"
for (const table of document.querySelectorAll('table.sortable')) {
  const heads = [...table.tHead.rows[0].cells];
  heads.forEach((th, col) => {
    const button = document.createElement('button');
    button.type = 'button';
    button.append(...th.childNodes);
    th.append(button);
    button.addEventListener('click', () => {
      const up = th.getAttribute('aria-sort') !== 'ascending';
      heads.forEach(h => h.removeAttribute('aria-sort'));
      th.setAttribute('aria-sort', up ? 'ascending' : 'descending');
      const key = tr => {
        const cell = tr.cells[col];
        const n = parseFloat(cell.dataset.sort);
        return Number.isNaN(n) ? cell.textContent : n;
      };
      const body = table.tBodies[0];
      const rows = [...body.rows].sort((a, b) => {
        const x = key(a), y = key(b);
        if (typeof x !== typeof y) return typeof x === 'number' ? -1 : 1;
        const order = typeof x === 'number' ? x - y : x.localeCompare(y, undefined, {numeric: true});
        return up ? order : -order;
      });
      body.append(...rows);
    });
  });
}
"#;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::spread::Range;

    fn range(min: u64, median: u64, max: u64) -> Cell {
        Cell::Time(Timing::Range(Range { min, median, max }))
    }

    #[test]
    fn one_unit_per_column_in_its_header_and_numbers_in_the_cells() {
        let mut g = Grid::new(["arch", "size", "v1", "v1 gain", "runs"], 1);
        g.row(vec![
            "arm64".into(),
            Cell::Size(16 << 20),
            range(14_100, 14_300, 18_700),
            Cell::Ratio(Difference::Ratio(13.51)),
            "21 in 3 boots".into(),
        ]);
        g.row(vec![
            "um <&>".into(),
            Cell::Size(256 << 20),
            range(1_570_000, 1_860_000, 6_180_000),
            Cell::Ratio(Difference::Ratio(2.0)),
            "7".into(),
        ]);
        let html = render(&Section::new("loops:", g), "t1");
        assert!(html.contains("<figcaption>loops</figcaption>"), "{html}");
        assert!(html.contains("<div class=\"scroll\""), "{html}");
        assert!(
            html.contains("v1<span class=\"unit\">µs, median (min–max)</span>"),
            "{html}"
        );
        // The smallest median decides the unit; no cell repeats it.
        assert!(html.contains(">14.3 (14.1–18.7)</td>"), "{html}");
        assert!(html.contains(">1860 (1570–6180)</td>"), "{html}");
        assert!(
            html.contains("<td class=\"num\" data-sort=\"14300\">"),
            "{html}"
        );
        assert!(html.contains("<td class=\"num\" data-sort=\"16777216\">16M</td>"));
        assert!(html.contains(">13.51</td>"));
        // Names are escaped and aligned left.
        assert!(html.contains("<td>um &lt;&amp;&gt;</td>"), "{html}");
    }

    #[test]
    fn a_column_with_words_keeps_them_and_sorts_their_numbers_first() {
        let mut g = Grid::new(["arch", "v1/floor"], 1);
        g.row(vec!["arm64".into(), Cell::Ratio(Difference::Overlap)]);
        g.row(vec!["um".into(), Cell::Ratio(Difference::Ratio(1.5))]);
        let html = render(&Section::new("t", g), "t2");
        assert!(html.contains("<td class=\"num\">no difference measured</td>"));
        assert!(
            html.contains("<td class=\"num\" data-sort=\"1.5\">1.50</td>"),
            "{html}"
        );
    }

    #[test]
    fn a_minimum_alone_says_so() {
        let mut g = Grid::new(["arch", "whole", "v1"], 1);
        g.row(vec![
            "um".into(),
            Cell::Time(Timing::MinOnly(2_000_000)),
            Cell::Time(Timing::MinOnly(2_000_000)),
        ]);
        g.row(vec![
            "um".into(),
            Cell::Missing,
            range(1_000_000, 1_500_000, 1_600_000),
        ]);
        let html = render(&Section::new("t", g), "t3");
        // Beside ranges, each minimum says so ...
        assert!(html.contains(">2.00 (min only)</td>"), "{html}");
        assert!(html.contains("v1<span class=\"unit\">ms, median (min–max)"));
        // ... and where all are minima, the header says it once.
        assert!(html.contains("whole<span class=\"unit\">ms, fastest run<"));
        assert!(html.contains("data-sort=\"2000000\">2.00</td>"), "{html}");
        assert!(html.contains("<td class=\"num\">–</td>"));
    }
}
