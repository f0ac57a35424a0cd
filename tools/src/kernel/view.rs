//! The figures of one (revision, arch) run as the tables and the charts
//! take them: the record's timings with the sizes whose mapping was
//! checked page by page, and the name a run goes by.

use serde::Serialize;

use super::ktap::{Figure, MappingMix, Outcome};
use super::record::KunitRecord;
use super::units::parse_size;

/// The steps the heap comparison times, as `heap-<step>-<heap>` figures.
pub const HEAP_STEPS: &[&str] = &["alloc", "vmap", "vunmap"];

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
    /// The figures and sizes whose mapping was checked page by page in
    /// the same case that timed it, and passed.
    pub checked: Vec<CheckedSize>,
    /// How each whole map was mapped, where the suite read it back: one
    /// per size and layout, more where the boots' layouts differed.
    pub mixes: Vec<MappingMix>,
    /// How the counting boot mapped them (its counts belong to that).
    pub counted_mixes: Vec<MappingMix>,
}

/// A figure at one size whose mapping a passing timing case checked page
/// by page: the whole-map table counts such runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckedSize {
    /// The figure (`whole`, `whole-order0`).
    pub figure: String,
    /// The size mapped, in bytes.
    pub size: u64,
}

/// The timing cases of the system heap's suite that also check every page
/// of the mapping they time, and the figure each one gives; their
/// parameters are named by size (`16M`, `2G`).
pub const CHECKED_BY: &[(&str, &str)] = &[
    ("system_heap_vmap.sgvmap_timings.", "whole"),
    ("system_heap_vmap.sgvmap_order0_timings.", "whole-order0"),
];

impl RevisionFigures {
    /// A record's figures as the tables take them.
    pub fn of(record: &KunitRecord) -> RevisionFigures {
        // A timing case that passed checked every page of what it timed.
        let checked = record
            .cases
            .iter()
            .filter(|c| c.outcome == Outcome::Pass)
            .filter_map(|c| {
                CHECKED_BY.iter().find_map(|(prefix, figure)| {
                    let size = parse_size(c.path.strip_prefix(prefix)?)?;
                    Some(CheckedSize {
                        figure: figure.to_string(),
                        size,
                    })
                })
            })
            .collect();
        // A kernel with other pages than 4K has its rows apart: its
        // figures and mixes go by the arch label (`arm64/64k`).
        let arch = record.arch_label();
        let label = |a: &str| {
            if a == record.arch.name() {
                arch.clone()
            } else {
                a.to_string()
            }
        };
        let relabel_mixes = |mixes: &[MappingMix]| -> Vec<MappingMix> {
            mixes
                .iter()
                .map(|m| MappingMix {
                    arch: label(&m.arch),
                    ..m.clone()
                })
                .collect()
        };
        RevisionFigures {
            series: record.series.clone(),
            revision: record.revision.clone(),
            figures: record
                .figures
                .iter()
                .map(|f| Figure {
                    arch: label(&f.arch),
                    ..f.clone()
                })
                .collect(),
            own_loop: record.own_loop.clone(),
            checked,
            mixes: relabel_mixes(&record.mixes),
            counted_mixes: relabel_mixes(&record.counted_mixes),
            arch,
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::record::tests::record;

    #[test]
    fn a_64k_run_has_its_rows_apart_from_a_4k_one() {
        // The tables group rows by the figures' arch: 64K's are its own.
        let view = RevisionFigures::of(&record(65536));
        assert_eq!(view.arch, "arm64/64k");
        assert_eq!(view.figures[0].arch, "arm64/64k");
        let four = RevisionFigures::of(&record(4096));
        assert_eq!(
            (four.arch.as_str(), four.figures[0].arch.as_str()),
            ("arm64", "arm64")
        );
    }
}
