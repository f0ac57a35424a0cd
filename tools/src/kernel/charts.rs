//! Charts of the KUnit figures as SVG, drawn with plotters: per arch, time
//! against buffer size on log axes for every loop, the floor, `vmap()`
//! alone, the whole path of each revision and the Rust loop; and per arch
//! a bar per revision splitting the whole path into its loop and the rest.
//! Each point is a median with an error bar from the fastest to the
//! slowest run; a record without a range is drawn at its minimum, with no
//! bar, and its legend entry says so.

use std::collections::BTreeSet;

use anyhow::{anyhow, Result};
use plotters::coord::Shift;
use plotters::prelude::*;

use super::ktap::Figure;
use super::kunitpy::Config;
use super::record::KunitRecord;
use super::spread::Range;
use super::units::human_size;

/// One chart: a file name and its SVG.
#[derive(Debug, Clone)]
pub struct Chart {
    /// `<arch>-time-by-size.svg`, `<arch>-whole-path.svg`.
    pub file: String,
    /// What it shows, for captions and alt text.
    pub title: String,
    /// The SVG document.
    pub svg: String,
}

/// The loops every build carries, as the tables name them.
const LOOPS: [&str; 5] = ["before", "v1", "bounded", "floor", "vmap"];

/// The size the whole-path bars are drawn at, when every arch has it.
const BAR_SIZE: u64 = 256 << 20;

/// Every chart the records allow: two per arch and kernel that have C
/// figures. One kernel per chart: the same code on 6.12 and on mainline
/// is not the same figure, and a line of one beside a line of the other
/// would invite the comparison.
pub fn charts(records: &[KunitRecord]) -> Result<Vec<Chart>> {
    let bases: BTreeSet<(&str, &str)> = records
        .iter()
        .filter(|r| r.config == Config::C && !r.figures.is_empty())
        .map(|r| (r.arch.name(), r.kernel.as_str()))
        .collect();
    let mut out = Vec::new();
    for (arch, kernel) in bases {
        let runs = c_runs(records, arch, kernel);
        out.push(time_by_size(records, &runs)?);
        if let Some(bars) = whole_path_bars(&runs)? {
            out.push(bars);
        }
    }
    Ok(out)
}

/// The C runs of `arch` on `kernel`, series by series in revision order
/// (see [`KunitRecord::order_key`]).
fn c_runs<'a>(records: &'a [KunitRecord], arch: &str, kernel: &str) -> Vec<&'a KunitRecord> {
    let mut runs: Vec<&KunitRecord> = records
        .iter()
        .filter(|r| {
            r.arch.name() == arch
                && r.kernel == kernel
                && r.config == Config::C
                && !r.figures.is_empty()
        })
        .collect();
    runs.sort_by_key(|r| r.order_key());
    runs
}

/// `<arch>-<kernel>-<what>.svg`.
fn file_name(r: &KunitRecord, what: &str) -> String {
    format!("{}-{}-{what}.svg", r.arch.name(), r.kernel)
}

/// A run's name in a legend (see [`super::view::run_label`]).
fn run_label(r: &KunitRecord, runs: &[&KunitRecord]) -> String {
    let first = runs.first().map_or("", |f| f.series.as_str());
    super::view::run_label(&r.series, &r.revision, first)
}

fn figure<'a>(r: &'a KunitRecord, size: u64, implementation: &str) -> Option<&'a Figure> {
    r.figures
        .iter()
        .find(|f| f.size == size && f.implementation == implementation)
}

/// One point of a line: log2 of the size in bytes (the x axis is the size
/// on a log scale, labelled at powers of two), the median (or the minimum
/// of a record without a range), and the range when there is one.
#[derive(Debug, Clone, Copy)]
struct Point {
    x: f64,
    y: f64,
    range: Option<(f64, f64)>,
}

fn points(r: &KunitRecord, implementation: &str) -> Vec<Point> {
    let mut p: Vec<Point> = r
        .figures
        .iter()
        .filter(|f| f.implementation == implementation && f.ns > 0)
        .map(|f| {
            let range = Range::of(f);
            Point {
                x: (f.size as f64).log2(),
                y: range.map_or(f.ns, |r| r.median) as f64,
                range: range.map(|r| (r.min as f64, r.max as f64)),
            }
        })
        .collect();
    p.sort_by(|a, b| a.x.total_cmp(&b.x));
    p
}

/// A line's legend entry, marked where its points are minima alone.
fn legend(label: String, points: &[Point]) -> String {
    if points.iter().any(|p| p.range.is_none()) {
        format!("{label} (min only)")
    } else {
        label
    }
}

/// An x axis label: the size at a whole power of two, nothing between.
fn size_label(log2: f64) -> String {
    if (log2 - log2.round()).abs() < 1e-9 && (0.0..63.0).contains(&log2) {
        human_size(1u64 << log2.round() as u32)
    } else {
        String::new()
    }
}

fn plot_error<E: std::fmt::Debug>(e: E) -> anyhow::Error {
    anyhow!("drawing a chart: {e:?}")
}

/// Time against buffer size, log-log.
fn time_by_size(records: &[KunitRecord], runs: &[&KunitRecord]) -> Result<Chart> {
    // Every build carries the same loops; the first run speaks for them.
    let loops = runs[0];
    let arch = loops.arch.name();
    let mut series: Vec<(String, Vec<Point>)> = LOOPS
        .iter()
        .map(|l| (loop_label(l).to_string(), points(loops, l)))
        .collect();
    for r in runs {
        series.push((
            format!("whole path, {}", run_label(r, runs)),
            points(r, "whole"),
        ));
    }
    if let Some(rust) = records
        .iter()
        .find(|r| r.arch.name() == arch && r.kernel == loops.kernel && r.config == Config::CRust)
    {
        series.push(("Rust loop (CONFIG_RUST build)".into(), points(rust, "rust")));
    }
    series.retain(|(_, p)| !p.is_empty());
    let series: Vec<(String, Vec<Point>)> = series
        .into_iter()
        .map(|(label, p)| (legend(label, &p), p))
        .collect();
    let all = series.iter().flat_map(|(_, p)| p.iter());
    let (min_size, max_size) = all
        .clone()
        .fold((f64::MAX, 0f64), |(lo, hi), p| (lo.min(p.x), hi.max(p.x)));
    let (min_ns, max_ns) = all.fold((f64::MAX, 0f64), |(lo, hi), p| {
        let (low, high) = p.range.unwrap_or((p.y, p.y));
        (lo.min(low), hi.max(high))
    });
    let title = format!(
        "{arch} ({}): time against buffer size, Linux {}",
        loops.arch.how_run(),
        loops.kernel
    );
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (900, 560)).into_drawing_area();
        root.fill(&WHITE).map_err(plot_error)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(&title, ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d(
                min_size - 0.5..max_size + 0.5,
                // Headroom above the slowest figure: the legend sits there.
                (min_ns / 2.0..max_ns * 300.0).log_scale(),
            )
            .map_err(plot_error)?;
        chart
            .configure_mesh()
            .x_desc("buffer size (log scale)")
            .y_desc("time: median, bar from fastest to slowest run")
            .x_labels(((max_size - min_size) as usize + 2).max(2))
            .x_label_formatter(&|x| size_label(*x))
            .y_label_formatter(&|ns| human_time(*ns))
            .draw()
            .map_err(plot_error)?;
        for (i, (label, pts)) in series.iter().enumerate() {
            let color = Palette99::pick(i).to_rgba();
            // Lines at the same size would hide each other's bars: each
            // line's points move a little along x, in legend order.
            let dodge = (i as f64 - series.len() as f64 / 2.0) * 0.02;
            let at = |p: &Point| (p.x + dodge, p.y);
            chart
                .draw_series(LineSeries::new(pts.iter().map(at), color.stroke_width(2)))
                .map_err(plot_error)?
                .label(label.as_str())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2))
                });
            chart
                .draw_series(pts.iter().map(|p| Circle::new(at(p), 3, color.filled())))
                .map_err(plot_error)?;
            chart
                .draw_series(pts.iter().flat_map(|p| {
                    let (lo, hi) = p.range.unwrap_or((p.y, p.y));
                    error_bar(p.x + dodge, lo, hi, 0.04, color.stroke_width(1))
                }))
                .map_err(plot_error)?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.3))
            .draw()
            .map_err(plot_error)?;
        root.present().map_err(plot_error)?;
    }
    Ok(Chart {
        file: file_name(loops, "time-by-size"),
        title,
        svg,
    })
}

/// A vertical bar from `lo` to `hi` at `x` with caps `cap` wide either
/// side (in x units); nothing where there is no range to draw.
fn error_bar(
    x: f64,
    lo: f64,
    hi: f64,
    cap: f64,
    style: ShapeStyle,
) -> Vec<PathElement<(f64, f64)>> {
    if hi <= lo {
        return Vec::new();
    }
    vec![
        PathElement::new(vec![(x, lo), (x, hi)], style),
        PathElement::new(vec![(x - cap, lo), (x + cap, lo)], style),
        PathElement::new(vec![(x - cap, hi), (x + cap, hi)], style),
    ]
}

fn loop_label(implementation: &str) -> &'static str {
    match implementation {
        "before" => "pre-patch walk",
        "v1" => "v1 loop",
        "bounded" => "bounded loop (v2)",
        "floor" => "store floor",
        _ => "vmap() alone",
    }
}

fn human_time(ns: f64) -> String {
    if ns >= 1e6 {
        format!("{:.1} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.0} us", ns / 1e3)
    } else {
        format!("{ns:.0} ns")
    }
}

/// A bar per revision at one size: its own loop, and the rest of the
/// whole path (`vmap()` and the allocation of the page array).
fn whole_path_bars(runs: &[&KunitRecord]) -> Result<Option<Chart>> {
    let loops = runs[0];
    let arch = loops.arch.name();
    let size = if runs.iter().all(|r| figure(r, BAR_SIZE, "whole").is_some()) {
        BAR_SIZE
    } else {
        match runs
            .iter()
            .flat_map(|r| r.figures.iter().filter(|f| f.implementation == "whole"))
            .map(|f| f.size)
            .max()
        {
            Some(s) => s,
            None => return Ok(None),
        }
    };
    let bars: Vec<Bar> = runs
        .iter()
        .filter_map(|r| {
            let whole = figure(r, size, "whole")?;
            let range = Range::of(whole);
            let own_loop = r.own_loop.as_deref().and_then(|l| figure(loops, size, l));
            // The bar's top is the whole path's median (its minimum
            // without a range), so that the range bar sits around it; the
            // loop by the same statistic, its minimum where it has no range.
            let total = range.map_or(whole.ns, |r| r.median);
            let own = own_loop.map_or(0, |l| match (Range::of(l), range) {
                (Some(lr), Some(_)) => lr.median,
                _ => l.ns,
            });
            let (own, total) = (own as f64 / 1e6, total as f64 / 1e6);
            let label = run_label(r, runs);
            Some(Bar {
                label: match range {
                    Some(_) => label,
                    None => format!("{label}*"),
                },
                own: own.min(total),
                rest: total - own.min(total),
                range: range.map(|r| (r.min as f64 / 1e6, r.max as f64 / 1e6)),
            })
        })
        .collect();
    if bars.is_empty() {
        return Ok(None);
    }
    let max_ms = bars
        .iter()
        .map(|b| b.range.map_or(b.own + b.rest, |r| r.1))
        .fold(0.0, f64::max)
        // Headroom above the tallest range: the legend sits there.
        * 1.4;
    let mut title = format!(
        "{arch} ({}), Linux {}: system_heap_do_vmap() of {} by revision",
        loops.arch.how_run(),
        loops.kernel,
        human_size(size)
    );
    if bars.iter().any(|b| b.range.is_none()) {
        title.push_str(" (*: minimum only)");
    }
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (900, 480)).into_drawing_area();
        root.fill(&WHITE).map_err(plot_error)?;
        draw_bars(&root, &title, &bars, max_ms)?;
        root.present().map_err(plot_error)?;
    }
    Ok(Some(Chart {
        file: file_name(loops, "whole-path"),
        title,
        svg,
    }))
}

/// One revision's bar, in ms: its own loop, the rest of the whole path,
/// and the whole path's range where the record has one.
struct Bar {
    label: String,
    own: f64,
    rest: f64,
    range: Option<(f64, f64)>,
}

fn draw_bars(
    root: &DrawingArea<SVGBackend, Shift>,
    title: &str,
    bars: &[Bar],
    max_ms: f64,
) -> Result<()> {
    let names: Vec<String> = bars.iter().map(|b| b.label.clone()).collect();
    let mut chart = ChartBuilder::on(root)
        .caption(title, ("sans-serif", 16))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d(0f64..bars.len() as f64, 0f64..max_ms)
        .map_err(plot_error)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(bars.len() * 2 + 1)
        .x_label_formatter(&|x| {
            let i = (*x - 0.5).round();
            if (*x - 0.5 - i).abs() < 1e-6 && i >= 0.0 {
                names.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .y_desc("ms: median, bar from fastest to slowest run")
        .draw()
        .map_err(plot_error)?;
    let loop_color = Palette99::pick(1).to_rgba();
    let rest_color = Palette99::pick(4).to_rgba();
    chart
        .draw_series(bars.iter().enumerate().map(|(i, b)| {
            Rectangle::new(
                [(i as f64 + 0.2, 0.0), (i as f64 + 0.8, b.own)],
                loop_color.filled(),
            )
        }))
        .map_err(plot_error)?
        .label("its own page-array loop")
        .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], loop_color.filled()));
    chart
        .draw_series(bars.iter().enumerate().map(|(i, b)| {
            Rectangle::new(
                [(i as f64 + 0.2, b.own), (i as f64 + 0.8, b.own + b.rest)],
                rest_color.filled(),
            )
        }))
        .map_err(plot_error)?
        .label("the rest: vmap() and the array's allocation")
        .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], rest_color.filled()));
    chart
        .draw_series(bars.iter().enumerate().flat_map(|(i, b)| {
            let total = b.own + b.rest;
            let (lo, hi) = b.range.unwrap_or((total, total));
            error_bar(i as f64 + 0.5, lo, hi, 0.08, BLACK.stroke_width(1))
        }))
        .map_err(plot_error)?
        .label("the whole path, fastest to slowest run")
        .legend(|(x, y)| {
            PathElement::new(vec![(x + 6, y - 6), (x + 6, y + 6)], BLACK.stroke_width(1))
        });
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.3))
        .draw()
        .map_err(plot_error)?;
    Ok(())
}
