//! Figures for mails, from KUnit records: the records' side of
//! `series::quote`. A figure is quoted as its median with the range of
//! its runs; a ratio only when the two ranges do not overlap.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::kernel::ktap::{Figure, MappingMix};
use crate::kernel::kunitpy::Config;
use crate::kernel::record::KunitRecord;
use crate::kernel::spread::{self, Difference, Range};
use crate::kernel::table;
use crate::kernel::units::{human_time, parse_size};
use crate::series::quote::FigureSource;
use crate::series::Manifest;

/// The measured table a cover letter carries, from results files.
/// Records written before they named their loop ask the manifest.
pub fn cover_table(files: &[PathBuf], manifest: &Manifest) -> Result<String> {
    let mut records = Vec::new();
    for f in files {
        let mut record = KunitRecord::load(f)?;
        if record.own_loop.is_none() && record.series == manifest.name {
            record.own_loop = manifest.own_loop(&record.revision);
        }
        records.push(record);
    }
    Ok(table::cover_table(records))
}

/// The records of one series, each with the file it was read from.
pub struct RecordFigures {
    series: String,
    records: Vec<(PathBuf, KunitRecord)>,
}

impl RecordFigures {
    /// Reads `files` (KUnit results JSON) for the series named `series`.
    pub fn load(series: &str, files: &[PathBuf]) -> Result<RecordFigures> {
        let mut records = Vec::new();
        for f in files {
            records.push((f.clone(), KunitRecord::load(f)?));
        }
        Ok(RecordFigures {
            series: series.to_string(),
            records,
        })
    }

    /// Every `kunit-<series>-*.json` in `dir` (the committed `results/`).
    pub fn in_dir(series: &str, dir: &Path) -> Result<RecordFigures> {
        let prefix = format!("kunit-{series}-");
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .with_context(|| format!("cannot read {}", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with(&prefix) && n.ends_with(".json"))
            })
            .collect();
        files.sort();
        RecordFigures::load(series, &files)
    }

    /// `impl@revision` on `arch` at `size` (C build), with its record.
    fn figure(&self, spec: &str, arch: &str, size: u64) -> Result<(&Figure, &Path)> {
        let (implementation, path, record) = self.record(spec, arch)?;
        let figure = record
            .figures
            .iter()
            .find(|f| f.implementation == implementation && f.size == size)
            .with_context(|| {
                format!(
                    "{} has no figure {implementation} at {} bytes",
                    path.display(),
                    size
                )
            })?;
        Ok((figure, path))
    }

    /// How the whole map `impl@revision` on `arch` at `size` was mapped:
    /// in the timed boots (the first boot's layout), or in the counting
    /// boot whose instructions the record holds.
    fn mix(
        &self,
        spec: &str,
        arch: &str,
        size: u64,
        counted: bool,
    ) -> Result<(&MappingMix, &Path)> {
        let (implementation, path, record) = self.record(spec, arch)?;
        let mixes = match counted {
            true => &record.counted_mixes,
            false => &record.mixes,
        };
        let mix = mixes
            .iter()
            .find(|m| m.implementation == implementation && m.size == size)
            .with_context(|| {
                format!(
                    "{} has no mapping mix of {implementation} at {} bytes (records before the suite read it back have none)",
                    path.display(),
                    size
                )
            })?;
        Ok((mix, path))
    }

    /// The figure named by `impl@revision`, and the C record of that
    /// revision on `arch` with its file.
    fn record<'s, 'a>(
        &'a self,
        spec: &'s str,
        arch: &str,
    ) -> Result<(&'s str, &'a Path, &'a KunitRecord)> {
        let Some((implementation, revision)) = spec.split_once('@') else {
            bail!("{spec:?} is not <figure>@<revision>, e.g. whole@v3");
        };
        let (path, record) = self
            .records
            .iter()
            .find(|(_, r)| {
                r.series == self.series
                    && r.revision == revision
                    && r.arch_label() == arch
                    && r.config == Config::C
            })
            .with_context(|| {
                format!(
                    "no KUnit record of {} {revision} on {arch} among the results given",
                    self.series
                )
            })?;
        Ok((implementation, path.as_path(), record))
    }
}

/// A figure's instruction count (from a boot under QEMU -icount) as a
/// mail quotes it: `5.00 million instructions`.
pub fn quoted_count(f: &Figure) -> Result<String> {
    let n = f.instructions.with_context(|| {
        format!(
            "{} at {} bytes has no instruction count (no counting boot ran for it)",
            f.implementation, f.size
        )
    })?;
    Ok(match n {
        0..=999_999 => format!("{:.1} thousand instructions", n as f64 / 1e3),
        _ => format!("{:.2} million instructions", n as f64 / 1e6),
    })
}

/// How many times `a`'s instructions `b`'s are: a count does not move
/// between boots, so no range is needed.
pub fn quoted_count_ratio(a: &Figure, b: &Figure) -> Result<String> {
    let (Some(na), Some(nb)) = (a.instructions, b.instructions) else {
        bail!(
            "{} or {} at {} bytes has no instruction count",
            a.implementation,
            b.implementation,
            a.size
        );
    };
    Ok(format!("{:.2}x", na as f64 / nb.max(1) as f64))
}

/// A mapping mix as a mail quotes it.
pub fn quoted_mix(m: &MappingMix) -> String {
    let n = |count: u64, one: &str, many: &str| {
        format!("{count} {}", if count == 1 { one } else { many })
    };
    format!(
        "{}, {} and {}",
        n(m.pmds, "PMD", "PMDs"),
        n(m.conts, "contiguous-PTE block", "contiguous-PTE blocks"),
        n(m.ptes, "single pte", "single ptes")
    )
}

/// The figure as a mail quotes it: the median with the range, or the
/// minimum alone where the record predates the spread (and says so).
pub fn quoted(f: &Figure) -> String {
    let boots = match f.boots {
        Some(b) if b > 1 => format!(" in {b} boots"),
        _ => String::new(),
    };
    match Range::of(f) {
        // Short enough for a commit message line with its label.
        Some(r) => format!(
            "{} (median; {} to {}, {} runs{boots})",
            human_time(r.median),
            human_time(r.min),
            human_time(r.max),
            f.runs
        ),
        None => format!("{} (the fastest of {} runs)", human_time(f.ns), f.runs),
    }
}

/// How many times `a` takes `b`'s time, only when their ranges are apart
/// (the rule of [`spread`]); else why no ratio is given.
pub fn quoted_ratio(a: &Figure, b: &Figure) -> String {
    match spread::difference(a, b) {
        Difference::Ratio(r) => format!("{r:.1}x"),
        Difference::Overlap => "no difference measured (the ranges overlap)".into(),
        Difference::NoSpread => {
            "no difference judged (a record gives its minimum only, no range)".into()
        }
    }
}

impl FigureSource for RecordFigures {
    fn render(&self, placeholder: &str) -> Result<(String, String)> {
        let words: Vec<&str> = placeholder.split_whitespace().collect();
        let size_of = |s: &str| {
            parse_size(s).with_context(|| {
                format!("{s:?} in {{{{{placeholder}}}}} is not a size such as 256M")
            })
        };
        match words.as_slice() {
            [spec, arch, size] => {
                let (f, path) = self.figure(spec, arch, size_of(size)?)?;
                Ok((quoted(f), path.display().to_string()))
            }
            ["instructions", spec, arch, size] => {
                let (f, path) = self.figure(spec, arch, size_of(size)?)?;
                Ok((quoted_count(f)?, path.display().to_string()))
            }
            [kind @ ("mix" | "counted-mix"), spec, arch, size] => {
                let counted = *kind == "counted-mix";
                let (m, path) = self.mix(spec, arch, size_of(size)?, counted)?;
                Ok((quoted_mix(m), path.display().to_string()))
            }
            [kind @ ("ratio" | "count-ratio"), a, b, arch, size] => {
                let size = size_of(size)?;
                let (fa, pa) = self.figure(a, arch, size)?;
                let (fb, pb) = self.figure(b, arch, size)?;
                let records = match pa == pb {
                    true => pa.display().to_string(),
                    false => format!("{} and {}", pa.display(), pb.display()),
                };
                let quoted = match *kind {
                    "ratio" => quoted_ratio(fa, fb),
                    _ => quoted_count_ratio(fa, fb)?,
                };
                Ok((quoted, records))
            }
            _ => bail!(
                "{{{{{placeholder}}}}} is not a figure: expected {{{{<figure>@<revision> <arch> <size>}}}} {{{{ratio <figure>@<revision> <figure>@<revision> <arch> <size>}}}}, {{{{mix <figure>@<revision> <arch> <size>}}}}, {{{{instructions <figure>@<revision> <arch> <size>}}}} or {{{{count-ratio <figure>@<revision> <figure>@<revision> <arch> <size>}}}}"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fig(ns: u64, median: u64, max: u64) -> Figure {
        Figure {
            arch: "um".into(),
            size: 1 << 28,
            implementation: "whole".into(),
            ns,
            median_ns: Some(median),
            max_ns: Some(max),
            runs: 7,
            boots: None,
            instructions: None,
            from: None,
        }
    }

    #[test]
    fn spread_and_ratios() {
        assert_eq!(
            quoted(&fig(1_000_000, 1_200_000, 2_000_000)),
            "1.20 ms (median; 1.00 ms to 2.00 ms, 7 runs)"
        );
        let mut booted = fig(1_000_000, 1_200_000, 2_000_000);
        (booted.boots, booted.runs) = (Some(3), 21);
        assert_eq!(
            quoted(&booted),
            "1.20 ms (median; 1.00 ms to 2.00 ms, 21 runs in 3 boots)"
        );
        let mut old = fig(900, 0, 0);
        old.median_ns = None;
        assert_eq!(quoted(&old), "0.9 us (the fastest of 7 runs)");
        // Apart: a ratio of medians; overlapping: none.
        assert_eq!(quoted_ratio(&fig(30, 40, 50), &fig(10, 20, 25)), "2.0x");
        assert!(quoted_ratio(&fig(20, 40, 50), &fig(10, 20, 25)).starts_with("no difference"));
        assert!(quoted_ratio(&old, &fig(10, 20, 25)).contains("minimum only, no range"));
    }

    #[test]
    fn counts_are_quoted_with_their_ratio_and_a_missing_count_is_an_error() {
        let mut a = fig(1, 1, 1);
        let mut b = fig(1, 1, 1);
        assert!(quoted_count(&a).is_err());
        a.instructions = Some(8_980_000);
        b.instructions = Some(4_990_000);
        assert_eq!(quoted_count(&a).unwrap(), "8.98 million instructions");
        assert_eq!(quoted_count_ratio(&a, &b).unwrap(), "1.80x");
        b.instructions = Some(323_100);
        assert_eq!(quoted_count(&b).unwrap(), "323.1 thousand instructions");
    }

    #[test]
    fn a_mix_is_quoted_in_words() {
        let mix = MappingMix {
            arch: "arm64".into(),
            size: 1 << 28,
            implementation: "whole".into(),
            pmds: 127,
            conts: 1,
            ptes: 16,
        };
        assert_eq!(
            quoted_mix(&mix),
            "127 PMDs, 1 contiguous-PTE block and 16 single ptes"
        );
    }
}
