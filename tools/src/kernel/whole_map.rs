//! The whole-map table: every revision of every series side by side, the
//! whole map of a heap buffer (and of an order-0-only one where it was
//! timed) per arch and size, the ratios of each other series' revision to
//! the baseline and to the first series' newest revision (by the rule of
//! [`super::spread`]), and how many runs checked every page they timed.

use super::cells::{ratio_cell, runs_cell, time_cell, Cell};
use super::checkout::{ANDROID, BASELINE};
use super::grid::{Grid, Section};
use super::ktap::Figure;
use super::view::{run_label, RevisionFigures};

/// A column: (series, revision).
type Column<'a> = (&'a str, &'a str);

/// The table, or nothing when no run timed a whole map.
pub fn table(runs: &[RevisionFigures]) -> Option<Section> {
    let first_series = runs.first()?.series.as_str();
    let rows = row_keys(runs);
    if rows.is_empty() {
        return None;
    }
    let cols = Columns::of(runs, first_series);
    let mut g = Grid::new(cols.header(), 3);
    for (arch, size, layout) in &rows {
        g.row(cols.row(runs, arch, *size, layout));
    }
    Some(Section::new(
        "whole map: system_heap_do_vmap() as each revision has it; \
         x = how many times faster than the revision named; checked = runs whose mapping was checked page by page:",
        g,
    ))
}

/// (arch, size, layout) of every whole map timed, sorted.
fn row_keys(runs: &[RevisionFigures]) -> Vec<(String, u64, &'static str)> {
    let mut rows: Vec<(String, u64, &'static str)> = Vec::new();
    for r in runs {
        for f in &r.figures {
            for layout in ["whole", "whole-order0"] {
                if f.implementation == layout && !rows.contains(&(r.arch.clone(), f.size, layout)) {
                    rows.push((r.arch.clone(), f.size, layout));
                }
            }
        }
    }
    rows.sort();
    rows
}

/// The revisions shown and the ratios asked for.
struct Columns<'a> {
    first_series: &'a str,
    /// Every (series, revision) in run order.
    all: Vec<Column<'a>>,
    /// The other series' revisions, each set against every reference.
    compared: Vec<Column<'a>>,
    /// The baseline and the first series' newest revision, where run.
    references: Vec<Column<'a>>,
}

impl<'a> Columns<'a> {
    fn of(runs: &'a [RevisionFigures], first_series: &'a str) -> Columns<'a> {
        let mut all: Vec<Column> = Vec::new();
        for r in runs {
            if !all.contains(&(r.series.as_str(), r.revision.as_str())) {
                all.push((&r.series, &r.revision));
            }
        }
        let baseline = all.iter().copied().find(|(_, rev)| *rev == BASELINE);
        // The newest revision of the first series: the last of its runs
        // that is neither the baseline nor a pick of another revision.
        let newest =
            all.iter().copied().rev().find(|(series, rev)| {
                *series == first_series && *rev != BASELINE && *rev != ANDROID
            });
        Columns {
            first_series,
            compared: all
                .iter()
                .copied()
                .filter(|c| c.0 != first_series)
                .collect(),
            references: [baseline, newest].into_iter().flatten().collect(),
            all,
        }
    }

    fn label(&self, c: Column) -> String {
        run_label(c.0, c.1, self.first_series)
    }

    fn header(&self) -> Vec<String> {
        let mut h: Vec<String> = vec!["arch".into(), "size".into(), "layout".into()];
        h.extend(self.all.iter().map(|&c| self.label(c)));
        for &c in &self.compared {
            for &r in &self.references {
                h.push(format!("{} x {}", self.label(c), self.label(r)));
            }
        }
        h.extend(["runs".into(), "checked".into()]);
        h
    }

    fn row(&self, runs: &[RevisionFigures], arch: &str, size: u64, layout: &str) -> Vec<Cell> {
        let run = |c: Column| {
            runs.iter()
                .find(|r| r.arch == arch && r.series == c.0 && r.revision == c.1)
        };
        let get = |c: Column| -> Option<&Figure> {
            run(c)?
                .figures
                .iter()
                .find(|f| f.size == size && f.implementation == layout)
        };
        let short = if layout == "whole" { "heap" } else { "order-0" };
        let mut line = vec![arch.into(), Cell::Size(size), short.into()];
        line.extend(self.all.iter().map(|&c| time_cell(get(c))));
        for &c in &self.compared {
            for &r in &self.references {
                line.push(ratio_cell(get(r), get(c)));
            }
        }
        let timed: Vec<&Figure> = self.all.iter().filter_map(|&c| get(c)).collect();
        let checked = self
            .all
            .iter()
            .filter(|&&c| {
                get(c).is_some()
                    && run(c).is_some_and(|r| {
                        r.checked
                            .iter()
                            .any(|c| c.figure == layout && c.size == size)
                    })
            })
            .count();
        let runs_text = runs_cell(timed.iter().copied());
        line.extend([runs_text, format!("{checked}/{}", timed.len()).into()]);
        line
    }
}
