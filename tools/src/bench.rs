//! Reads criterion's figures for the userspace conversions benchmark and
//! turns them into the table `make bench` prints and the JSON kept in
//! `results/`.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

use crate::machine::Machine;

/// The criterion group `rust-heap/benches/sgvmap.rs` writes.
pub const GROUP: &str = "sgvmap_2g";
/// Pages in the benchmark's 2 GB buffer.
pub const PAGES: u64 = 524_288;

/// Every function the benchmark times, in the order the table lists them.
pub const FUNCTIONS: [(&str, &str); 10] = [
    ("c_before", "C pre-patch walk (for_each_sgtable_page)"),
    ("c_v1", "C v1 loop, as posted"),
    ("c_bounded", "C bounded loop"),
    ("rust_before", "Rust pre-patch walk"),
    ("rust_v1", "Rust v1 loop"),
    ("rust_bounded", "Rust bounded loop (the safe API's)"),
    ("c_floor", "C store loop (floor)"),
    ("rust_floor", "Rust store loop (floor)"),
    ("memset_floor", "memset of the same bytes (floor)"),
    ("memcpy_floor", "memcpy from a prepared array (floor)"),
];

/// The floors: ways to write the same bytes without reading the table.
/// The fastest of them (the smallest median) is the floor every
/// conversion is held to.
pub const FLOORS: [&str; 4] = ["c_floor", "rust_floor", "memset_floor", "memcpy_floor"];

/// What the benchmark wrote about how it ran (`method.json` beside
/// criterion's figures): nothing here is restated by hand.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Method {
    /// criterion's samples per function.
    pub samples: u32,
    /// Warm-up per function, seconds.
    pub warm_up_s: f64,
    /// Measurement per function, seconds.
    pub measurement_s: f64,
    /// The C compiler (`--version`'s first line).
    pub c_compiler: String,
    /// Its optimisation and code-generation flags.
    pub c_flags: String,
    /// `rustc -V`.
    pub rustc: String,
    /// Rust's opt-level in the bench profile.
    pub rust_opt_level: String,
    /// The page array's alignment in bytes.
    pub array_alignment: u64,
}

/// The figures of one function.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Figure {
    /// Function id in the criterion group.
    pub id: String,
    /// What it is, for people.
    pub what: String,
    /// Median time per call, nanoseconds.
    pub median_ns: f64,
    /// 95% confidence interval of the median.
    pub median_ci_ns: (f64, f64),
    /// Pre-patch C walk's median divided by this one: how many times faster.
    pub speedup_vs_before: f64,
    /// This median divided by the floor (the fastest way to write the
    /// same bytes): 1.0 is as fast as storing.
    pub ratio_to_floor: f64,
    /// Whether the interval of its median lies wholly below the floor's:
    /// an error in a conversion (see [`beats_floor`]).
    pub below_floor: bool,
}

/// A target from the issue, and whether the run met it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Target {
    /// The target in words.
    pub what: String,
    /// The measured value it is judged on.
    pub measured: f64,
    /// Met or not.
    pub met: bool,
}

/// The whole report.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Report {
    /// Benchmark group.
    pub group: String,
    /// Pages per conversion.
    pub pages: u64,
    /// How the figures were taken.
    pub method: String,
    /// What the benchmark reported about its build and run.
    pub assumed: Method,
    /// Which floor was fastest, and so the floor.
    pub floor: String,
    /// Conversions measured below the floor: the 95% interval of their
    /// median lies wholly below the floor's (intervals that overlap are no
    /// difference measured). Each is an error, and `patchctl bench` fails.
    pub below_floor: Vec<String>,
    /// Where they were taken.
    pub machine: Machine,
    /// One per function.
    pub figures: Vec<Figure>,
    /// The targets.
    pub targets: Vec<Target>,
}

#[derive(Deserialize)]
struct Estimates {
    median: Estimate,
}

#[derive(Deserialize)]
struct Estimate {
    point_estimate: f64,
    confidence_interval: Interval,
}

#[derive(Deserialize)]
struct Interval {
    lower_bound: f64,
    upper_bound: f64,
}

fn estimates_path(criterion_dir: &Path, id: &str) -> PathBuf {
    criterion_dir
        .join(GROUP)
        .join(id)
        .join("new")
        .join("estimates.json")
}

fn read_estimates(path: &Path) -> Result<Estimates> {
    let text = fs::read_to_string(path).with_context(|| {
        format!(
            "cannot read {}: expected criterion's estimates for this benchmark; run `make bench` first",
            path.display()
        )
    })?;
    let est: Estimates = serde_json::from_str(&text).with_context(|| {
        format!(
            "{} is not criterion's estimates.json (expected a \"median\" with \"point_estimate\" and \"confidence_interval\")",
            path.display()
        )
    })?;
    if !(est.median.point_estimate.is_finite() && est.median.point_estimate > 0.0) {
        bail!(
            "{}: median {} ns is not a positive time",
            path.display(),
            est.median.point_estimate
        );
    }
    Ok(est)
}

/// The benchmark's own record of how it ran (`method.json`).
fn read_method(criterion_dir: &Path) -> Result<Method> {
    let path = criterion_dir.join(GROUP).join("method.json");
    let text = fs::read_to_string(&path).with_context(|| {
        format!(
            "cannot read {}: the benchmark writes it beside criterion's figures; run `make bench` first",
            path.display()
        )
    })?;
    serde_json::from_str(&text).with_context(|| {
        format!(
            "{} is not the benchmark's method.json (samples, compilers, flags, alignment)",
            path.display()
        )
    })
}

/// One function's median, with its id and what it is.
type Median = (&'static str, &'static str, Estimate);

/// The median of every function in [`FUNCTIONS`], in its order.
fn read_medians(criterion_dir: &Path) -> Result<Vec<Median>> {
    let mut medians = Vec::new();
    for (id, what) in FUNCTIONS {
        let est = read_estimates(&estimates_path(criterion_dir, id))?;
        medians.push((id, what, est.median));
    }
    Ok(medians)
}

/// The median time of function `wanted`, in ns.
fn median_of(medians: &[Median], wanted: &str) -> f64 {
    medians
        .iter()
        .find(|(id, _, _)| *id == wanted)
        .map(|(_, _, m)| m.point_estimate)
        .expect("FUNCTIONS lists every id")
}

/// Reads every function's estimates under `criterion_dir` (criterion's
/// output folder, `target/criterion` by default) and computes the ratios.
pub fn load(criterion_dir: &Path, machine: Machine) -> Result<Report> {
    let medians = read_medians(criterion_dir)?;
    let assumed = read_method(criterion_dir)?;
    let before = median_of(&medians, "c_before");
    let (floor_id, floor) = FLOORS
        .iter()
        .map(|id| (*id, median_of(&medians, id)))
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .expect("FLOORS is not empty");
    let floor_interval = interval_of(&medians, floor_id);

    let mut figures: Vec<Figure> = medians
        .iter()
        .map(|(id, what, m)| Figure {
            id: id.to_string(),
            what: what.to_string(),
            median_ns: m.point_estimate,
            median_ci_ns: (
                m.confidence_interval.lower_bound,
                m.confidence_interval.upper_bound,
            ),
            speedup_vs_before: before / m.point_estimate,
            ratio_to_floor: m.point_estimate / floor,
            below_floor: false,
        })
        .collect();
    for f in figures.iter_mut() {
        f.below_floor = !FLOORS.contains(&f.id.as_str()) && beats_floor(f, floor_interval);
    }
    let targets = targets(&medians, &figures, floor_id);
    let below_floor = below_floor(&figures, floor_id, floor_interval);
    Ok(Report {
        group: GROUP.into(),
        pages: PAGES,
        method: method_text(&assumed),
        assumed,
        floor: floor_id.to_string(),
        below_floor,
        machine,
        figures,
        targets,
    })
}

/// The targets, judged on the run's medians and ratios.
fn targets(medians: &[Median], figures: &[Figure], floor_id: &str) -> Vec<Target> {
    let before = median_of(medians, "c_before");
    let v1_speedup = before / median_of(medians, "c_v1");
    let rust_speedup = before / median_of(medians, "rust_bounded");
    let rust_vs_v1 = median_of(medians, "rust_bounded") / median_of(medians, "c_v1");
    let fastest = figures
        .iter()
        .filter(|f| !FLOORS.contains(&f.id.as_str()))
        .map(|f| f.ratio_to_floor)
        .fold(f64::INFINITY, f64::min);
    vec![
        Target {
            what: "C v1 at least 6x faster than the pre-patch walk".into(),
            measured: v1_speedup,
            met: v1_speedup >= 6.0,
        },
        Target {
            what: "Rust at least 6x faster than the pre-patch walk".into(),
            measured: rust_speedup,
            met: rust_speedup >= 6.0,
        },
        Target {
            what: "Rust within 5% of the C v1 loop (time ratio at most 1.05)".into(),
            measured: rust_vs_v1,
            met: rust_vs_v1 <= 1.05,
        },
        Target {
            what: format!("fastest conversion within 1.2x of the floor ({floor_id})"),
            measured: fastest,
            met: fastest <= 1.2,
        },
    ]
}

/// The 95% interval of the median of function `wanted`, in ns.
fn interval_of(medians: &[Median], wanted: &str) -> (f64, f64) {
    medians
        .iter()
        .find(|(id, _, _)| *id == wanted)
        .map(|(_, _, m)| {
            (
                m.confidence_interval.lower_bound,
                m.confidence_interval.upper_bound,
            )
        })
        .expect("FUNCTIONS lists every id")
}

/// Whether a figure beats the floor: the interval of its median lies
/// wholly below the floor's, so the two do not overlap. Intervals that
/// overlap, or touch, are no difference measured.
pub fn beats_floor(f: &Figure, floor_interval: (f64, f64)) -> bool {
    f.median_ci_ns.1 < floor_interval.0
}

/// An error for each conversion that beat the floor: nothing that reads
/// the table can put the pointers into the array faster than the fastest
/// way to write the bytes, so such a figure means the floor is not one.
fn below_floor(figures: &[Figure], floor_id: &str, floor_interval: (f64, f64)) -> Vec<String> {
    figures
        .iter()
        .filter(|f| f.below_floor)
        .map(|f| {
            format!(
                "{} ran at {:.2}x the floor ({floor_id}): its median's interval, {:.1} to {:.1} us, lies below the floor's, {:.1} to {:.1} us",
                f.what,
                f.ratio_to_floor,
                f.median_ci_ns.0 / 1e3,
                f.median_ci_ns.1 / 1e3,
                floor_interval.0 / 1e3,
                floor_interval.1 / 1e3,
            )
        })
        .collect()
}

/// How the figures were taken, in words, from the benchmark's own record.
fn method_text(assumed: &Method) -> String {
    format!(
        "criterion median per call over {} samples ({} s warm-up, {} s measurement); \
         one 2 GB heap-layout table (2048 x 1 MB entries, chained), pre-faulted page array \
         aligned to {} bytes; C by {} with {}; Rust by {} at opt-level {}; \
         the floor is the fastest of {}: the fastest way to write the same bytes",
        assumed.samples,
        assumed.warm_up_s,
        assumed.measurement_s,
        assumed.array_alignment,
        assumed.c_compiler,
        assumed.c_flags,
        assumed.rustc,
        assumed.rust_opt_level,
        FLOORS.join(", ")
    )
}

fn human_time(ns: f64) -> String {
    if ns >= 1e6 {
        format!("{:.3} ms", ns / 1e6)
    } else {
        format!("{:.1} us", ns / 1e3)
    }
}

/// The table `make bench` prints.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let m = &report.machine;
    let _ = writeln!(
        out,
        "sg_table -> pages, {} pages (2 GB), on {} ({} CPUs, {} MiB, {})",
        report.pages, m.cpu, m.cpus, m.memory_mib, m.kernel
    );
    let _ = writeln!(
        out,
        "{:<42} {:>12} {:>12} {:>10}",
        "conversion", "median", "x faster", "x floor"
    );
    for f in &report.figures {
        let _ = writeln!(
            out,
            "{:<42} {:>12} {:>11.2}x {:>9.2}x{}",
            f.what,
            human_time(f.median_ns),
            f.speedup_vs_before,
            f.ratio_to_floor,
            if f.below_floor { " BELOW FLOOR" } else { "" }
        );
    }
    let _ = writeln!(out, "floor: {}; {}", report.floor, report.method);
    for b in &report.below_floor {
        let _ = writeln!(out, "BELOW FLOOR (an error: the floor is not one): {b}");
    }
    let _ = writeln!(out, "targets:");
    for t in &report.targets {
        let _ = writeln!(
            out,
            "  [{}] {} (measured {:.2})",
            if t.met { "met" } else { "MISSED" },
            t.what,
            t.measured
        );
    }
    out
}
