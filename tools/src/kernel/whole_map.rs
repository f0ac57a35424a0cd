//! The whole-map table: every revision of every series side by side, the
//! whole map of a heap buffer (and of an order-0-only one where it was
//! timed) per arch and size, the ratios of each other series' revision to
//! the unpatched kernel of its own run and to the first series' newest
//! revision (by the rule of
//! [`super::spread`]), how each revision's mapping was made (PMDs,
//! contiguous-PTE blocks, single ptes, read back from the page tables
//! where the suite did), and how many runs checked every page they timed.

use super::cells::{ratio_cell, runs_cell, time_cell, Cell};
use super::checkout::{ANDROID, BASELINE, MAINLINE};
use super::grid::{Grid, Section};
use super::ktap::{Figure, MappingMix};
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
    let mut cols = Columns::of(runs, first_series);
    cols.with_mix = cols
        .all
        .iter()
        .copied()
        .filter(|c| {
            runs.iter()
                .any(|r| (r.series.as_str(), r.revision.as_str()) == *c && !r.mixes.is_empty())
        })
        .collect();
    let mut g = Grid::new(cols.header(), 3);
    for (arch, size, layout) in &rows {
        g.row(cols.row(runs, arch, *size, layout));
    }
    Some(Section::new(
        "whole map: system_heap_do_vmap() as each revision has it; \
         x = how many times faster than the revision named; mix = PMDs/contiguous-PTE blocks/single ptes \
         of the mapping, from the page tables (a or b: the boots' layouts differed); checked = runs whose mapping was checked page by page:",
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
    /// Each ratio shown, (revision, reference): every other series'
    /// patched revision against the unpatched kernel of its own run (its
    /// series' baseline or mainline, else the first series') and against
    /// the first series' newest revision.
    ratios: Vec<(Column<'a>, Column<'a>)>,
    /// The revisions whose runs read their mapping mix back.
    with_mix: Vec<Column<'a>>,
}

impl<'a> Columns<'a> {
    fn of(runs: &'a [RevisionFigures], first_series: &'a str) -> Columns<'a> {
        let mut all: Vec<Column> = Vec::new();
        for r in runs {
            if !all.contains(&(r.series.as_str(), r.revision.as_str())) {
                all.push((&r.series, &r.revision));
            }
        }
        let unpatched = |c: &Column| c.1 == BASELINE || c.1 == MAINLINE;
        // The unpatched kernel: 6.12's baseline, or mainline; a series'
        // own where it ran one (the same boots as its revisions).
        let first_unpatched = all.iter().copied().find(unpatched);
        let unpatched_of = |series: &str| {
            all.iter()
                .copied()
                .find(|c| c.0 == series && unpatched(c))
                .or(first_unpatched)
        };
        // The newest revision of the first series: the last of its runs
        // that is neither the baseline nor a pick of another revision.
        let newest = all
            .iter()
            .copied()
            .rev()
            .find(|c| c.0 == first_series && !unpatched(c) && c.1 != ANDROID);
        // Another series' unpatched kernel is shown, not compared: against
        // the first series' it would only measure two boots of one kernel.
        let mut ratios = Vec::new();
        for &c in all.iter().filter(|c| c.0 != first_series && !unpatched(c)) {
            for r in [unpatched_of(c.0), newest].into_iter().flatten() {
                ratios.push((c, r));
            }
        }
        Columns {
            first_series,
            ratios,
            all,
            with_mix: Vec::new(),
        }
    }

    fn label(&self, c: Column) -> String {
        run_label(c.0, c.1, self.first_series)
    }

    fn header(&self) -> Vec<String> {
        let mut h: Vec<String> = vec!["arch".into(), "size".into(), "layout".into()];
        h.extend(self.all.iter().map(|&c| self.label(c)));
        for &(c, r) in &self.ratios {
            h.push(format!("{} x {}", self.label(c), self.label(r)));
        }
        h.extend(
            self.with_mix
                .iter()
                .map(|&c| format!("{} mix", self.label(c))),
        );
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
        for &(c, r) in &self.ratios {
            line.push(ratio_cell(get(r), get(c)));
        }
        for &c in &self.with_mix {
            // One mix per boot layout: "a or b" says the boots differed.
            let mixes: Vec<String> = run(c)
                .map(|r| {
                    r.mixes
                        .iter()
                        .filter(|m| m.size == size && m.implementation == layout)
                        .map(MappingMix::cell)
                        .collect()
                })
                .unwrap_or_default();
            line.push(match mixes.is_empty() {
                true => Cell::Missing,
                false => mixes.join(" or ").into(),
            });
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

#[cfg(test)]
mod tests {
    use super::*;

    fn run(
        series: &str,
        revision: &str,
        median: u64,
        mix: Option<(u64, u64, u64)>,
    ) -> RevisionFigures {
        let size = 256 << 20;
        RevisionFigures {
            series: series.into(),
            revision: revision.into(),
            arch: "arm64".into(),
            figures: vec![Figure {
                arch: "arm64".into(),
                size,
                implementation: "whole".into(),
                ns: median - 10,
                median_ns: Some(median),
                max_ns: Some(median + 10),
                runs: 14,
                boots: Some(2),
                instructions: None,
                from: None,
            }],
            own_loop: None,
            checked: Vec::new(),
            mixes: mix
                .map(|(pmds, conts, ptes)| MappingMix {
                    arch: "arm64".into(),
                    size,
                    implementation: "whole".into(),
                    pmds,
                    conts,
                    ptes,
                })
                .into_iter()
                .collect(),
            counted_mixes: Vec::new(),
        }
    }

    #[test]
    fn on_mainline_the_unpatched_kernel_is_the_reference_and_each_mix_has_its_column() {
        let runs = [
            run("system-heap-vmap", "mainline", 4000, Some((0, 0, 65536))),
            run("system-heap-vmap", "v3", 4000, None),
            run("vmap-sg", "v2-b", 1000, Some((128, 0, 0))),
        ];
        let text = table(&runs).unwrap().render();
        let header = text.lines().find(|l| l.starts_with("| arch")).unwrap();
        assert!(header.contains("vmap-sg:v2-b x mainline"), "{text}");
        assert!(header.contains("vmap-sg:v2-b x v3"), "{text}");
        assert!(header.contains("mainline mix"), "{text}");
        assert!(header.contains("vmap-sg:v2-b mix"), "{text}");
        // v3's run read no mix back: no column for it.
        assert!(!header.contains("v3 mix"), "{text}");
        let row = text.lines().find(|l| l.contains("256M")).unwrap();
        assert!(row.contains("0/0/65536"), "{text}");
        assert!(row.contains("128/0/0"), "{text}");
        assert!(row.contains("4.00x"), "{text}");
    }

    #[test]
    fn a_series_with_its_own_unpatched_run_is_compared_with_that_run() {
        let runs = [
            run("system-heap-vmap", "mainline", 4000, None),
            run("system-heap-vmap", "v3", 4000, None),
            run("vmap-sg", "mainline", 3000, None),
            run("vmap-sg", "v2", 1000, None),
        ];
        let text = table(&runs).unwrap().render();
        let header = text.lines().find(|l| l.starts_with("| arch")).unwrap();
        // Shown, but not set against the other unpatched run.
        assert!(header.contains("| vmap-sg:mainline |"), "{text}");
        assert!(!header.contains("vmap-sg:mainline x"), "{text}");
        assert!(header.contains("vmap-sg:v2 x vmap-sg:mainline"), "{text}");
        assert!(!header.contains("vmap-sg:v2 x mainline"), "{text}");
        assert!(header.contains("vmap-sg:v2 x v3"), "{text}");
        let row = text.lines().find(|l| l.contains("256M")).unwrap();
        // 3000 / 1000 against its own run, not 4000 / 1000.
        assert!(row.contains("3.00x"), "{text}");
    }

    #[test]
    fn boots_with_other_layouts_show_each_mix_in_one_cell() {
        let mut b = run("vmap-sg", "v2-b", 1000, Some((128, 0, 0)));
        let mut other = b.mixes[0].clone();
        (other.pmds, other.conts) = (0, 4096);
        b.mixes.push(other);
        let runs = [
            run("system-heap-vmap", "mainline", 4000, Some((0, 0, 65536))),
            b,
        ];
        let text = table(&runs).unwrap().render();
        let header = text.lines().find(|l| l.starts_with("| arch")).unwrap();
        let row = text.lines().find(|l| l.contains("256M")).unwrap();
        assert!(row.contains("128/0/0 or 0/4096/0"), "{text}");
        // The cell holds no column separator of its own.
        assert_eq!(
            row.matches('|').count(),
            header.matches('|').count(),
            "{text}"
        );
    }

    #[test]
    fn records_without_a_mix_show_no_mix_column() {
        let runs = [
            run("system-heap-vmap", "baseline", 4000, None),
            run("vmap-sg", "v1", 1000, None),
        ];
        let text = table(&runs).unwrap().render();
        let header = text.lines().find(|l| l.starts_with("| arch")).unwrap();
        assert!(!header.contains(" mix"), "{text}");
        assert!(text.contains("vmap-sg:v1 x baseline"), "{text}");
    }
}
