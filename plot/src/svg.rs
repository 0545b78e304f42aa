//! SVG rendering of a [`Timeline`] with plotters: offsets with the threshold
//! band on top, one row of state bands per resource below (LOCKED,
//! HOLDOVER, FREERUN in three colours, the holdover timer under its lock
//! state, events as labelled markers), and the clock class at the bottom.
//! All panels share the x axis in seconds.

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::model::{Timeline, Tone};

/// Width of the picture (px).
const WIDTH: u32 = 1200;
/// Height of the offsets panel (px).
const OFFSETS_H: u32 = 300;
/// Height of one state row (px).
const ROW_H: u32 = 34;
/// Height of the clock-class panel (px).
const CLASS_H: u32 = 170;
/// Room for the track names left of the state bands (px).
const NAMES_W: u32 = 190;
/// More samples than this per series are thinned to min/max per bucket.
const MAX_POINTS: usize = 2400;
/// More events than this on one track are drawn without labels.
const MAX_LABELS: usize = 40;

const GOOD: RGBColor = RGBColor(46, 125, 50);
const DEGRADED: RGBColor = RGBColor(245, 166, 35);
const BAD: RGBColor = RGBColor(198, 40, 40);
const NEUTRAL: RGBColor = RGBColor(120, 144, 156);
const TIMER: RGBColor = RGBColor(106, 27, 154);
const BAND: RGBColor = RGBColor(200, 230, 201);
const SERIES: [RGBColor; 6] = [
    RGBColor(21, 101, 192),
    RGBColor(230, 81, 0),
    RGBColor(0, 131, 143),
    RGBColor(173, 20, 87),
    RGBColor(85, 139, 47),
    RGBColor(69, 39, 160),
];

/// A plot that could not be drawn.
#[derive(Debug, thiserror::Error)]
#[error("drawing the timeline: {0}")]
pub struct RenderError(String);

fn err<E: std::fmt::Display>(e: E) -> RenderError {
    RenderError(e.to_string())
}

fn tone_color(value: &str) -> RGBColor {
    match Tone::of(value) {
        Tone::Good => GOOD,
        Tone::Degraded => DEGRADED,
        Tone::Bad => BAD,
        Tone::Neutral => NEUTRAL,
    }
}

/// Renders the timeline as an SVG document.
pub fn render(tl: &Timeline) -> Result<String, RenderError> {
    let rows = tl.tracks.len().max(1) as u32;
    let states_h = 70 + rows * ROW_H + 40;
    let height = 50 + OFFSETS_H + states_h + CLASS_H;
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let root = root
            .titled(&tl.title, ("sans-serif", 22).into_font())
            .map_err(err)?;
        let (top, rest) = root.split_vertically(OFFSETS_H);
        let (middle, bottom) = rest.split_vertically(states_h);
        let end = if tl.end > 0.0 { tl.end } else { 1.0 };
        offsets(&top, tl, end)?;
        states(&middle, tl, end)?;
        classes(&bottom, tl, end)?;
        root.present().map_err(err)?;
    }
    Ok(out)
}

/// Renders into a file.
pub fn write(tl: &Timeline, path: &std::path::Path) -> Result<(), RenderError> {
    let svg = render(tl)?;
    std::fs::write(path, svg).map_err(|e| RenderError(format!("{}: {e}", path.display())))
}

/// Thins samples to at most about `MAX_POINTS`, keeping each bucket's
/// extremes so that spikes stay visible.
fn thin(samples: &[(f64, i64)]) -> Vec<(f64, i64)> {
    if samples.len() <= MAX_POINTS {
        return samples.to_vec();
    }
    let per = samples.len().div_ceil(MAX_POINTS / 2);
    let mut out = Vec::with_capacity(MAX_POINTS + 2);
    for chunk in samples.chunks(per) {
        let lo = chunk.iter().min_by_key(|s| s.1);
        let hi = chunk.iter().max_by_key(|s| s.1);
        if let (Some(&lo), Some(&hi)) = (lo, hi) {
            if lo.0 <= hi.0 {
                out.extend([lo, hi]);
            } else {
                out.extend([hi, lo]);
            }
        }
    }
    out
}

/// A silence longer than this many median sample intervals (and at least
/// `GAP_MIN` s) splits a series.
const GAP_FACTOR: f64 = 8.0;
const GAP_MIN: f64 = 0.5;

/// Splits samples where nothing was printed for a while.
fn runs(pts: &[(f64, f64)]) -> Vec<&[(f64, f64)]> {
    let mut gaps: Vec<f64> = pts.windows(2).map(|w| w[1].0 - w[0].0).collect();
    gaps.sort_by(f64::total_cmp);
    let median = gaps.get(gaps.len() / 2).copied().unwrap_or(0.0);
    let limit = (median * GAP_FACTOR).max(GAP_MIN);
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..pts.len() {
        if pts[i].0 - pts[i - 1].0 > limit {
            out.push(&pts[start..i]);
            start = i;
        }
    }
    if start < pts.len() {
        out.push(&pts[start..]);
    }
    out
}

/// The y half-range of the offsets panel: wide enough for the band and the
/// samples, but never so wide that the band disappears.
fn offset_range(tl: &Timeline) -> f64 {
    let band = tl
        .offsets
        .iter()
        .filter_map(|s| s.band)
        .map(|(lo, hi)| lo.unsigned_abs().max(hi.unsigned_abs()))
        .max()
        .unwrap_or(100) as f64;
    let data = tl
        .offsets
        .iter()
        .flat_map(|s| s.samples.iter())
        .map(|s| s.1.unsigned_abs())
        .max()
        .unwrap_or(0) as f64;
    data.clamp(band * 1.5, band * 4.0)
}

fn offsets(
    area: &DrawingArea<SVGBackend, Shift>,
    tl: &Timeline,
    end: f64,
) -> Result<(), RenderError> {
    let r = offset_range(tl);
    let mut chart = ChartBuilder::on(area)
        .margin(10)
        .margin_left(20)
        .caption(
            "offsets per clock (clipped to the axis), threshold band shaded",
            ("sans-serif", 17),
        )
        .x_label_area_size(35)
        .y_label_area_size(NAMES_W - 20)
        .build_cartesian_2d(0f64..end, -r..r)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc("time (s)")
        .label_style(("sans-serif", 14))
        .axis_desc_style(("sans-serif", 15))
        .y_desc("offset (ns)")
        .light_line_style(WHITE)
        .draw()
        .map_err(err)?;
    let mut bands: Vec<(i64, i64)> = tl.offsets.iter().filter_map(|s| s.band).collect();
    bands.sort_unstable();
    bands.dedup();
    for (i, (lo, hi)) in bands.into_iter().enumerate() {
        let rect = Rectangle::new([(0.0, lo as f64), (end, hi as f64)], BAND.mix(0.5).filled());
        let s = chart.draw_series(std::iter::once(rect)).map_err(err)?;
        if i == 0 {
            s.label(format!("threshold band ({lo} … {hi} ns)"))
                .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 18, y + 5)], BAND.filled()));
        }
    }
    for (i, s) in tl.offsets.iter().enumerate() {
        let color = SERIES[i % SERIES.len()];
        let pts: Vec<(f64, f64)> = thin(&s.samples)
            .into_iter()
            .map(|(t, o)| (t, (o as f64).clamp(-r, r)))
            .collect();
        // No line across a silence: one polyline per run of samples.
        for (k, run) in runs(&pts).into_iter().enumerate() {
            let drawn = chart
                .draw_series(LineSeries::new(run.iter().copied(), color.stroke_width(1)))
                .map_err(err)?;
            if k == 0 {
                drawn
                    .label(format!("{} offset", s.clock))
                    .legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2))
                    });
            }
            if run.len() == 1 {
                let dot = Circle::new(run[0], 2, color.filled());
                chart.draw_series(std::iter::once(dot)).map_err(err)?;
            }
        }
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font(("sans-serif", 15))
        .draw()
        .map_err(err)?;
    Ok(())
}

fn states(
    area: &DrawingArea<SVGBackend, Shift>,
    tl: &Timeline,
    end: f64,
) -> Result<(), RenderError> {
    let n = tl.tracks.len().max(1) as f64;
    let mut chart = ChartBuilder::on(area)
        .margin(10)
        .margin_left(20)
        .caption(
            "published states per resource, holdover timer (purple bar), events (▼ with their value)",
            ("sans-serif", 17),
        )
        .x_label_area_size(35)
        .y_label_area_size(NAMES_W - 20)
        .build_cartesian_2d(0f64..end, 0f64..n)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc("time (s)")
        .label_style(("sans-serif", 14))
        .axis_desc_style(("sans-serif", 15))
        .disable_y_mesh()
        .y_labels(0)
        .light_line_style(WHITE)
        .draw()
        .map_err(err)?;
    let base = area.get_base_pixel();
    let font = ("sans-serif", 15).into_font();
    for (i, track) in tl.tracks.iter().enumerate() {
        let y0 = n - i as f64 - 1.0;
        let bands = track.intervals.iter().map(|iv| {
            Rectangle::new(
                [(iv.start, y0 + 0.38), (iv.end, y0 + 0.9)],
                tone_color(&iv.value).filled(),
            )
        });
        chart.draw_series(bands).map_err(err)?;
        let timers = tl.timers.iter().filter(|x| x.track == track.name);
        for timer in timers {
            let bar = Rectangle::new(
                [(timer.start, y0 + 0.12), (timer.end, y0 + 0.3)],
                TIMER.mix(0.7).filled(),
            );
            let tick = PathElement::new(
                vec![(timer.deadline, y0 + 0.05), (timer.deadline, y0 + 0.35)],
                TIMER.stroke_width(2),
            );
            chart.draw_series(std::iter::once(bar)).map_err(err)?;
            chart.draw_series(std::iter::once(tick)).map_err(err)?;
        }
        let events: Vec<_> = tl.events.iter().filter(|e| e.track == track.name).collect();
        let labelled = events.len() <= MAX_LABELS;
        for (k, e) in events.iter().enumerate() {
            let marker = TriangleMarker::new((e.t, y0 + 0.95), 5, BLACK.filled());
            chart.draw_series(std::iter::once(marker)).map_err(err)?;
            if labelled {
                // Inside the band, white on the state's colour.
                let (px, py) = chart.backend_coord(&(e.t, y0 + 0.64));
                let _ = k;
                let text = Text::new(
                    e.value.clone(),
                    (px - base.0 + 4, py - base.1 - 6),
                    ("sans-serif", 12).into_font().color(&WHITE),
                );
                area.draw(&text).map_err(err)?;
            }
        }
        if !labelled {
            let (px, py) = chart.backend_coord(&(end, y0 + 0.6));
            let text = Text::new(
                format!("{} events", events.len()),
                (px - base.0 - 80, py - base.1),
                font.clone(),
            );
            area.draw(&text).map_err(err)?;
        }
        let (px, py) = chart.backend_coord(&(0.0, y0 + 0.6));
        let name = Text::new(track.name.clone(), (8, py - base.1 - 7), font.clone());
        let _ = px;
        area.draw(&name).map_err(err)?;
    }
    // Legend of the colours, below the rows.
    let (_, py) = chart.backend_coord(&(0.0, 0.0));
    let y = py - base.1 + 40;
    let mut x = NAMES_W as i32;
    for (label, color) in [
        ("LOCKED / SYNCHRONIZED", GOOD),
        ("HOLDOVER / ACQUIRING-SYNC", DEGRADED),
        ("FREERUN / FAILURE-NOFIX", BAD),
        ("other value", NEUTRAL),
        ("holdover timer (| deadline)", TIMER),
    ] {
        area.draw(&Rectangle::new([(x, y), (x + 16, y + 12)], color.filled()))
            .map_err(err)?;
        area.draw(&Text::new(label, (x + 22, y), font.clone()))
            .map_err(err)?;
        x += 30 + 8 * label.len() as i32;
    }
    Ok(())
}

fn classes(
    area: &DrawingArea<SVGBackend, Shift>,
    tl: &Timeline,
    end: f64,
) -> Result<(), RenderError> {
    let hi = tl
        .classes
        .iter()
        .map(|c| f64::from(c.class))
        .fold(0.0, f64::max);
    let top = (hi + 20.0).clamp(40.0, 270.0);
    let mut chart = ChartBuilder::on(area)
        .margin(10)
        .margin_left(20)
        .caption("clock class", ("sans-serif", 17))
        .x_label_area_size(35)
        .y_label_area_size(NAMES_W - 20)
        .build_cartesian_2d(0f64..end, 0f64..top)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc("time (s)")
        .label_style(("sans-serif", 14))
        .axis_desc_style(("sans-serif", 15))
        .y_desc("clock class")
        .light_line_style(WHITE)
        .draw()
        .map_err(err)?;
    let mut clocks: Vec<&str> = tl.classes.iter().map(|c| c.clock.as_str()).collect();
    clocks.sort_unstable();
    clocks.dedup();
    for (i, clock) in clocks.into_iter().enumerate() {
        let color = SERIES[i % SERIES.len()];
        let steps: Vec<_> = tl.classes.iter().filter(|c| c.clock == clock).collect();
        let mut pts = Vec::new();
        for (k, c) in steps.iter().enumerate() {
            let next = steps.get(k + 1).map_or(end, |n| n.t);
            pts.push((c.t, f64::from(c.class)));
            pts.push((next, f64::from(c.class)));
        }
        chart
            .draw_series(LineSeries::new(pts, color.stroke_width(2)))
            .map_err(err)?
            .label(format!("clock class {clock}"))
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2))
            });
        let marks = steps.iter().map(|c| {
            EmptyElement::at((c.t, f64::from(c.class)))
                + Circle::new((0, 0), 4, color.filled())
                + Text::new(
                    c.class.to_string(),
                    (5, -16),
                    ("sans-serif", 12).into_font(),
                )
        });
        chart.draw_series(marks).map_err(err)?;
    }
    if tl.classes.is_empty() {
        let (px, py) = chart.backend_coord(&(end / 2.0, top / 2.0));
        let base = area.get_base_pixel();
        let text = Text::new(
            "no clock class published",
            (px - base.0 - 80, py - base.1),
            ("sans-serif", 17).into_font().color(&NEUTRAL),
        );
        area.draw(&text).map_err(err)?;
    } else {
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .label_font(("sans-serif", 15))
            .draw()
            .map_err(err)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
