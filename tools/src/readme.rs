//! The README's figure tables, generated from the committed `results/`
//! so that they cannot drift from the record. A generated block sits
//! between `<!-- generated: NAME -->` and `<!-- end generated -->`;
//! `patchctl readme` rewrites every block from the record (`make record`
//! runs it), and `patchctl readme --check` fails when one is stale (a
//! test runs the same check on the committed README).

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{bail, Context, Result};
use serde::Deserialize;

use crate::machine::Machine;

/// Where a generated block starts; its name follows, then ` -->`.
const BEGIN: &str = "<!-- generated: ";
/// Where every generated block ends.
const END: &str = "<!-- end generated -->";

/// The blocks the README may carry, by name, each with the record it is
/// drawn from.
const BLOCKS: &[(&str, &str)] = &[
    ("review-speed", "bench-review.json"),
    ("userspace-bench", "bench-userspace.json"),
    ("b4-bench", "bench-b4.json"),
    // The C+Rust arm64 build's counting boots: the two heaps by count.
    ("heap-counts", "kunit-system-heap-vmap-v1-arm64-rust.json"),
    // The stress kernels' figures, one block per arch.
    ("stress-um", "kunit-system-heap-vmap-v1-um-rust-stress.json"),
    (
        "stress-arm64",
        "kunit-system-heap-vmap-v1-arm64-rust-stress.json",
    ),
];

/// The README text with every generated block drawn again from the
/// records in `results`.
pub fn regenerate(readme: &str, results: &Path) -> Result<String> {
    let mut out = String::with_capacity(readme.len());
    let mut rest = readme;
    while let Some(start) = rest.find(BEGIN) {
        let after_begin = &rest[start + BEGIN.len()..];
        let name_end = after_begin
            .find(" -->")
            .with_context(|| format!("a {BEGIN:?} marker without its closing \" -->\""))?;
        let name = &after_begin[..name_end];
        let body_start = start + BEGIN.len() + name_end + " -->".len();
        let end = rest[body_start..]
            .find(END)
            .with_context(|| format!("generated block {name:?} has no {END:?} after it"))?;
        out.push_str(&rest[..body_start]);
        out.push('\n');
        out.push_str(&render(name, results)?);
        rest = &rest[body_start + end..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The blocks of `readme` that differ from what the record gives, by
/// name.
pub fn stale_blocks(readme: &str, results: &Path) -> Result<Vec<String>> {
    let fresh = regenerate(readme, results)?;
    let blocks = |text: &str| -> Vec<(String, String)> {
        text.split(BEGIN)
            .skip(1)
            .filter_map(|b| {
                let (name, body) = b.split_once(" -->")?;
                Some((name.to_string(), body.split(END).next()?.to_string()))
            })
            .collect()
    };
    Ok(blocks(readme)
        .into_iter()
        .zip(blocks(&fresh))
        .filter(|(old, new)| old.1 != new.1)
        .map(|(old, _)| old.0)
        .collect())
}

/// One block's text: a table and the line that says where its figures
/// came from.
fn render(name: &str, results: &Path) -> Result<String> {
    let Some(&(_, file)) = BLOCKS.iter().find(|(n, _)| *n == name) else {
        bail!(
            "no generated block {name:?}: expected one of {}",
            BLOCKS
                .iter()
                .map(|(n, _)| *n)
                .collect::<Vec<_>>()
                .join(", ")
        );
    };
    let path = results.join(file);
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("block {name:?} is drawn from {}", path.display()))?;
    let parse_error = || {
        format!(
            "{} is not the record block {name:?} expects",
            path.display()
        )
    };
    match name {
        "review-speed" => Ok(review_speed(
            &serde_json::from_str(&text).with_context(parse_error)?,
        )),
        "b4-bench" => Ok(b4_bench(
            &serde_json::from_str(&text).with_context(parse_error)?,
        )),
        "heap-counts" => heap_counts(&path),
        "stress-um" | "stress-arm64" => stress_figures(&path),
        _ => Ok(userspace_bench(
            &serde_json::from_str(&text).with_context(parse_error)?,
        )),
    }
}

/// The heaps by instruction count (see [`crate::kernel::heap_counts_table`]),
/// and the record they are from.
fn heap_counts(path: &Path) -> Result<String> {
    let record = crate::kernel::record::KunitRecord::load(path)?;
    let figures = [crate::kernel::view::RevisionFigures::of(&record)];
    let section = crate::kernel::heap_counts_table::table(&figures).with_context(|| {
        format!(
            "{} counted neither heap: run it with --counting-boots",
            path.display()
        )
    })?;
    Ok(format!(
        "{}\nFrom `{}` ({}).\n",
        section.render(),
        path.file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
        record.source()
    ))
}

/// A stress record's figures (see [`crate::kernel::stress::render`]), its
/// verdict and the record they are from.
fn stress_figures(path: &Path) -> Result<String> {
    let record = crate::kernel::record::KunitRecord::load(path)?;
    let verdict = record
        .stress
        .as_ref()
        .with_context(|| format!("{} is not a stress run's record", path.display()))?;
    let problems = verdict.problems();
    let judged = if problems.is_empty() {
        "Judged clean: lockdep and kmemleak on and silent, every failure -ENOMEM, free pages back within the slack."
            .to_string()
    } else {
        format!("Judged NOT clean: {}.", problems.join("; "))
    };
    Ok(format!(
        "{}\n{judged} Warnings allowed: {}.\n\nFrom `{}` ({}).\n",
        crate::kernel::stress::render(&record.arch_label(), verdict),
        verdict.expected_warnings.len(),
        path.file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
        record.source()
    ))
}

/// `results/bench-review.json`, as far as the table reads it.
#[derive(Deserialize)]
struct ReviewRecord {
    method: String,
    machine: Machine,
    figures: Vec<ProcessFigure>,
    /// The load average while it ran (records before it have none).
    #[serde(default)]
    load_average: Option<String>,
    /// Each patchctl command from 3,000 to 10,000 messages.
    #[serde(default)]
    scaling: Vec<ScalingFigure>,
}

/// How one command grew from 3,000 to 10,000 messages.
#[derive(Deserialize)]
struct ScalingFigure {
    what: String,
    /// Of the median CPU times (of the wall times in records that have
    /// no `wall_ratio`).
    ratio: f64,
    /// Of the median wall times (records before CPU time have none).
    #[serde(default)]
    wall_ratio: Option<f64>,
    peak_rss_mib: f64,
    holds: bool,
}

/// One command timed as a whole process.
#[derive(Deserialize)]
struct ProcessFigure {
    what: String,
    messages: u64,
    bytes: u64,
    runs: u32,
    median_s: f64,
    min_s: f64,
    max_s: f64,
    /// User plus system time (records before it have none).
    #[serde(default)]
    cpu_median_s: Option<f64>,
    peak_rss_mib: f64,
}

fn review_speed(record: &ReviewRecord) -> String {
    let mut out = String::from(
        "| thread | command | median | range | CPU (median) | peak RSS |\n|---|---|---|---|---|---|\n",
    );
    for f in &record.figures {
        let cpu = f
            .cpu_median_s
            .map_or_else(|| "not measured".to_string(), |c| format!("{c:.3} s"));
        let _ = writeln!(
            out,
            "| {} messages, {:.1} MB | `{}` | {:.3} s | {:.3} to {:.3} s ({} runs) | {cpu} | {:.1} MiB |",
            thousands(f.messages),
            f.bytes as f64 / 1e6,
            f.what,
            f.median_s,
            f.min_s,
            f.max_s,
            f.runs,
            f.peak_rss_mib
        );
    }
    if !record.scaling.is_empty() {
        out.push_str("\nFrom 3,000 to 10,000 fan-out messages (linear: 3.33x; the limit for fetch and status 3.5x and 200 MiB):\n");
        for g in &record.scaling {
            let growth = match g.wall_ratio {
                Some(wall) => format!("{:.2}x CPU time ({wall:.2}x wall)", g.ratio),
                None => format!("{:.2}x", g.ratio),
            };
            let _ = writeln!(
                out,
                "- `{}`: {growth}, {:.1} MiB at 10,000{}",
                g.what,
                g.peak_rss_mib,
                if g.holds { "" } else { " (over the limit)" }
            );
        }
        out.push('\n');
    }
    if let Some(load) = &record.load_average {
        let _ = writeln!(out, "Load average while it ran: {load}.");
    }
    out.push_str(&source_line(&record.method, &record.machine));
    out
}

/// `results/bench-b4.json` (scripts/bench-b4.sh), as far as the table
/// reads it.
#[derive(Deserialize)]
struct B4BenchRecord {
    method: String,
    machine: Machine,
    targets: Vec<B4Target>,
    figures: Vec<B4Figure>,
}

/// One command of patchctl or b4, timed as a whole process.
#[derive(Deserialize)]
struct B4Figure {
    input: String,
    patches: u32,
    tool: String,
    operation: String,
    runs: u32,
    median_s: f64,
    min_s: f64,
    max_s: f64,
    peak_rss_mib: f64,
}

/// A speed target and whether the median met it.
#[derive(Deserialize)]
struct B4Target {
    what: String,
    limit_s: f64,
    median_s: f64,
    max_s: f64,
    holds: bool,
}

fn b4_bench(record: &B4BenchRecord) -> String {
    let mut out = String::from(
        "| input | patches | command | median | range | peak RSS |\n|---|---|---|---|---|---|\n",
    );
    for f in &record.figures {
        let _ = writeln!(
            out,
            "| {} | {} | `{} {}` | {:.3} s | {:.3} to {:.3} s ({} runs) | {:.1} MiB |",
            f.input,
            f.patches,
            f.tool,
            f.operation,
            f.median_s,
            f.min_s,
            f.max_s,
            f.runs,
            f.peak_rss_mib
        );
    }
    out.push('\n');
    for t in &record.targets {
        let _ = writeln!(
            out,
            "- {}: under {} s asked, median {:.3} s (max {:.3} s): {}.",
            t.what,
            t.limit_s,
            t.median_s,
            t.max_s,
            if t.holds { "holds" } else { "does not hold" }
        );
    }
    out.push_str(&source_line(&record.method, &record.machine));
    out
}

/// `results/bench-userspace.json`, as far as the table reads it.
#[derive(Deserialize)]
struct UserspaceRecord {
    method: String,
    machine: Machine,
    figures: Vec<ConversionFigure>,
}

/// One conversion under criterion.
#[derive(Deserialize)]
struct ConversionFigure {
    what: String,
    median_ns: f64,
    median_ci_ns: (f64, f64),
    speedup_vs_before: f64,
    ratio_to_floor: f64,
    /// Records before the rule have none: no conversion was judged.
    #[serde(default)]
    below_floor: bool,
}

fn userspace_bench(record: &UserspaceRecord) -> String {
    let mut out = String::from(
        "| conversion | median | 95% interval of the median | faster than the walk | to the floor |\n|---|---|---|---|---|\n",
    );
    for f in &record.figures {
        let _ = writeln!(
            out,
            "| {} | {:.1} us | {:.1} to {:.1} us | {:.2}x | {:.2}x{} |",
            f.what,
            f.median_ns / 1e3,
            f.median_ci_ns.0 / 1e3,
            f.median_ci_ns.1 / 1e3,
            f.speedup_vs_before,
            f.ratio_to_floor,
            if f.below_floor { " BELOW FLOOR" } else { "" }
        );
    }
    out.push_str(&source_line(&record.method, &record.machine));
    out
}

/// The line under a table: how its figures were taken, and where.
fn source_line(method: &str, m: &Machine) -> String {
    format!("\n{method}; {}.\n", machine_words(m))
}

fn machine_words(m: &Machine) -> String {
    format!(
        "{}, {} CPUs, {} MiB, {} ({})",
        m.cpu, m.cpus, m.memory_mib, m.kernel, m.arch
    )
}

/// `12345` as `12,345`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(100), "100");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1234567), "1,234,567");
    }

    #[test]
    fn an_unknown_or_unclosed_block_is_an_error() {
        let dir = std::env::temp_dir();
        let err =
            regenerate("<!-- generated: nope -->\nx\n<!-- end generated -->", &dir).unwrap_err();
        assert!(format!("{err:#}").contains("no generated block \"nope\""));
        let err = regenerate("<!-- generated: review-speed -->\nx\n", &dir).unwrap_err();
        assert!(format!("{err:#}").contains("has no"));
    }
}
