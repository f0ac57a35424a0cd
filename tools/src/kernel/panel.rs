//! One panel of a small-multiple chart: time against buffer size on log
//! axes, at most [`MAX_LINES`] lines, each point a median with a bar from
//! the fastest to the slowest run, and each line named at its end, where
//! the eye is after following it, rather than in a legend box that sends
//! the eye back and forth by colour alone.

use anyhow::{anyhow, Result};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::end_labels;
use super::units::human_size;

/// More lines than this in one panel cannot be told apart; the charts
/// split them over panels instead.
pub const MAX_LINES: usize = 5;

/// A panel drawn alone, in pixels: narrow enough for the page to show two
/// side by side at 1280 px and one at 400 px without shrinking its text
/// much.
pub const SIZE: (u32, u32) = (460, 300);

/// One colour per line, distinct for the common forms of colour blindness
/// (Okabe and Ito's palette, the yellow and sky blue left out: too pale
/// for text on white).
const COLORS: [RGBColor; MAX_LINES] = [
    RGBColor(0x00, 0x72, 0xB2),
    RGBColor(0xD5, 0x5E, 0x00),
    RGBColor(0x00, 0x9E, 0x73),
    RGBColor(0x00, 0x00, 0x00),
    RGBColor(0xCC, 0x79, 0xA7),
];

/// Labels' font size, and how far apart two labels' middles must be.
const FONT: u32 = 13;
const LABEL_GAP: i32 = 15;

/// One measured point, in ns: the median (the minimum for a record with
/// no range) and the fastest and slowest run where there is a range.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    /// The buffer size, in bytes.
    pub size: u64,
    /// Where the point is drawn.
    pub median: f64,
    /// The error bar, where the record has one.
    pub range: Option<(f64, f64)>,
}

/// A line, named at its end.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// Its name (ends in `*` when a point has no range).
    pub label: String,
    /// Its points, smallest size first.
    pub points: Vec<Point>,
}

/// A panel: its title and its lines.
#[derive(Debug, Clone, PartialEq)]
pub struct Panel {
    /// `arm64, Linux 6.12.117` and what is drawn.
    pub title: String,
    /// At most [`MAX_LINES`].
    pub lines: Vec<Line>,
}

fn plot_error<E: std::fmt::Debug>(e: E) -> anyhow::Error {
    anyhow!("drawing a chart: {e:?}")
}

/// The panel as an SVG document of its own.
pub fn svg(panel: &Panel) -> Result<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(plot_error)?;
        draw(&root, panel)?;
        root.present().map_err(plot_error)?;
    }
    Ok(svg)
}

/// The panel's chart: sizes on a log2 x axis, time on a log y axis.
type Chart<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, LogCoord<f64>>>;

/// Where a panel's axes run, from its points.
struct Axes {
    /// The sizes measured, as powers of two, smallest first.
    sizes: Vec<f64>,
    /// The smallest and largest of them.
    first: f64,
    last: f64,
    /// The time axis's ends, in ns, with room above and below the bars.
    y_low: f64,
    y_high: f64,
}

/// The axes that hold every point and bar of `panel`.
fn axes(panel: &Panel) -> Result<Axes> {
    let points = || panel.lines.iter().flat_map(|l| l.points.iter());
    let sizes: Vec<f64> = {
        let mut s: Vec<u64> = points().map(|p| p.size).collect();
        s.sort_unstable();
        s.dedup();
        s.into_iter().map(|b| (b as f64).log2()).collect()
    };
    let (Some(&first), Some(&last)) = (sizes.first(), sizes.last()) else {
        return Err(anyhow!("{}: nothing to draw", panel.title));
    };
    // A timer that did not tick gives 0 ns, which a log axis cannot hold.
    let low = |p: &Point| p.range.map_or(p.median, |r| r.0).max(1.0);
    let high = |p: &Point| p.range.map_or(p.median, |r| r.1).max(1.0);
    let y_min = points().map(low).fold(f64::MAX, f64::min);
    let y_max = points().map(high).fold(0.0, f64::max);
    Ok(Axes {
        sizes,
        first,
        last,
        y_low: y_min / 1.5,
        y_high: y_max * 1.5,
    })
}

/// Draws the panel into `area`.
pub fn draw(area: &DrawingArea<SVGBackend, Shift>, panel: &Panel) -> Result<()> {
    if panel.lines.len() > MAX_LINES {
        return Err(anyhow!(
            "{}: {} lines, at most {MAX_LINES} can be told apart",
            panel.title,
            panel.lines.len()
        ));
    }
    let axes = axes(panel)?;
    let (first, last) = (axes.first, axes.last);
    let label_width = panel
        .lines
        .iter()
        .map(|l| l.label.chars().count() as u32)
        .max()
        .unwrap_or(0)
        * 8
        + 14;
    let mut chart = ChartBuilder::on(area)
        .caption(&panel.title, ("sans-serif", 15))
        .margin(8)
        .margin_right(label_width)
        .x_label_area_size(24)
        .y_label_area_size(58)
        .build_cartesian_2d(
            first - 0.4..last + 0.4,
            (axes.y_low..axes.y_high).log_scale(),
        )
        .map_err(plot_error)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .label_style(("sans-serif", FONT))
        // A tick at every power of two between, labelled only at the
        // sizes measured: the others are not figures.
        .x_labels((last - first) as usize + 2)
        .x_label_formatter(&|x| size_label(*x, &axes.sizes))
        // Enough asked for that plotters ticks 1 to 9 of each decade; the
        // labels are drawn below, as plotters would print each power of
        // ten twice (once as a decade, once as 10 of the one below).
        .y_labels(60)
        .y_label_formatter(&|_| String::new())
        .draw()
        .map_err(plot_error)?;
    label_times(area, &chart, &axes)?;
    let ends = draw_lines(&mut chart, panel)?;
    name_the_ends(area, &chart.plotting_area().get_pixel_range(), panel, &ends)
}

/// The time axis's labels, left of the plot.
fn label_times(
    area: &DrawingArea<SVGBackend, Shift>,
    chart: &Chart<'_, '_>,
    axes: &Axes,
) -> Result<()> {
    let (y_low, y_high) = (axes.y_low, axes.y_high);
    // Over a few decades, a label at each power of ten; over less, at 1,
    // 2 and 5 of each, so that no panel has a single label on its axis.
    let mantissas: &[u32] = if (y_high / y_low).log10() > 2.5 {
        &[1]
    } else {
        &[1, 2, 5]
    };
    let (base_x, base_y) = area.get_base_pixel();
    let left = chart.plotting_area().get_pixel_range().0.start;
    let mut decade = 10f64.powf(y_low.log10().floor());
    while decade <= y_high {
        for m in mantissas {
            let ns = decade * *m as f64;
            if (y_low..=y_high).contains(&ns) {
                let (_, y) = chart.backend_coord(&(axes.first, ns));
                let style = TextStyle::from(("sans-serif", FONT).into_font())
                    .pos(Pos::new(HPos::Right, VPos::Center));
                area.draw(&Text::new(
                    human_time(ns),
                    (left - 8 - base_x, y - base_y),
                    style,
                ))
                .map_err(plot_error)?;
            }
        }
        decade *= 10.0;
    }
    Ok(())
}

/// Each line with its points and bars; where each line ends, in pixels.
fn draw_lines(chart: &mut Chart<'_, '_>, panel: &Panel) -> Result<Vec<(usize, (i32, i32))>> {
    let n = panel.lines.len() as f64;
    let mut ends = Vec::new();
    for (i, line) in panel.lines.iter().enumerate() {
        let color = COLORS[i];
        // Lines at the same size would hide each other's bars: each moves
        // a little along x.
        let dodge = (i as f64 - (n - 1.0) / 2.0) * 0.03;
        let at = |p: &Point| ((p.size as f64).log2() + dodge, p.median.max(1.0));
        chart
            .draw_series(LineSeries::new(
                line.points.iter().map(at),
                color.stroke_width(2),
            ))
            .map_err(plot_error)?;
        chart
            .draw_series(
                line.points
                    .iter()
                    .map(|p| Circle::new(at(p), 3, color.filled())),
            )
            .map_err(plot_error)?;
        chart
            .draw_series(line.points.iter().filter_map(|p| {
                let (lo, hi) = p.range?;
                let x = at(p).0;
                Some(PathElement::new(
                    vec![(x, lo.max(1.0)), (x, hi.max(1.0))],
                    color.stroke_width(1),
                ))
            }))
            .map_err(plot_error)?;
        if let Some(end) = line.points.last() {
            ends.push((i, chart.backend_coord(&at(end))));
        }
    }
    Ok(ends)
}

/// Each line's name right of the plot, beside its end (moved only as far
/// as keeps two names apart), with a thin leader where it had to move.
fn name_the_ends(
    area: &DrawingArea<SVGBackend, Shift>,
    plot: &(std::ops::Range<i32>, std::ops::Range<i32>),
    panel: &Panel,
    ends: &[(usize, (i32, i32))],
) -> Result<()> {
    let (base_x, base_y) = area.get_base_pixel();
    let wanted: Vec<i32> = ends.iter().map(|(_, (_, y))| *y).collect();
    let placed = end_labels::place(&wanted, LABEL_GAP, plot.1.start, plot.1.end);
    let x = plot.0.end + 6;
    for (&(i, (end_x, end_y)), y) in ends.iter().zip(placed) {
        let color = COLORS[i];
        area.draw(&PathElement::new(
            vec![
                (end_x + 4 - base_x, end_y - base_y),
                (x - 2 - base_x, y - base_y),
            ],
            color.mix(0.6).stroke_width(1),
        ))
        .map_err(plot_error)?;
        let style = TextStyle::from(("sans-serif", FONT).into_font())
            .color(&color)
            .pos(Pos::new(HPos::Left, VPos::Center));
        area.draw(&Text::new(
            panel.lines[i].label.clone(),
            (x - base_x, y - base_y),
            style,
        ))
        .map_err(plot_error)?;
    }
    Ok(())
}

/// An x axis label: a measured size at its power of two, nothing elsewhere.
fn size_label(log2: f64, sizes: &[f64]) -> String {
    match sizes.iter().find(|s| (**s - log2).abs() < 1e-6) {
        Some(s) if (0.0..63.0).contains(s) => human_size(2f64.powf(*s).round() as u64),
        _ => String::new(),
    }
}

/// An axis's time: whole units where the axis is coarse enough.
fn human_time(ns: f64) -> String {
    if ns >= 1e6 {
        format!("{} ms", short(ns / 1e6))
    } else if ns >= 1e3 {
        format!("{} us", short(ns / 1e3))
    } else {
        format!("{} ns", short(ns))
    }
}

fn short(v: f64) -> String {
    if v >= 10.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(label: &str, medians: &[(u64, f64)]) -> Line {
        Line {
            label: label.into(),
            points: medians
                .iter()
                .map(|&(size, m)| Point {
                    size,
                    median: m,
                    range: Some((m * 0.9, m * 1.2)),
                })
                .collect(),
        }
    }

    #[test]
    fn every_line_is_named_in_the_drawing() {
        let panel = Panel {
            title: "um, Linux 7.2 <test>".into(),
            lines: vec![
                line("v1 loop", &[(16 << 20, 1e4), (256 << 20, 2e5)]),
                line("store floor", &[(16 << 20, 1.1e4), (256 << 20, 2.1e5)]),
            ],
        };
        let svg = svg(&panel).unwrap();
        assert!(
            svg.contains(">\nv1 loop\n<") || svg.contains(">v1 loop<"),
            "{svg}"
        );
        assert!(svg.contains("store floor"));
        // Text is escaped by the backend.
        assert!(svg.contains("&lt;test&gt;"));
        // The axis names only the sizes measured.
        assert!(svg.contains("256M") && !svg.contains("32M"));
    }

    #[test]
    fn more_lines_than_can_be_told_apart_are_refused() {
        let lines = (0..6)
            .map(|i| line(&format!("l{i}"), &[(1 << 24, 1e4)]))
            .collect();
        let panel = Panel {
            title: "t".into(),
            lines,
        };
        assert!(svg(&panel).is_err());
    }
}
