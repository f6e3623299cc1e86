//! Drawing pieces every chart shares: fonts, the header with its legend, the panel grid, the
//! time axis, and shapes for bands and stacks.

use std::ops::Range;

use plotters::coord::Shift;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::coord::types::RangedCoordf64;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::super::prepare::{Header, RegimeRef, TimeAxis};
use super::super::units::{Ticks, Y_INTERVALS};
use super::super::{Mark, provider_colour, regime_colour};

/// What drawing returns; plotters' error type is generic over the backend, so it is boxed.
pub type DrawResult<T = ()> = Result<T, Box<dyn std::error::Error>>;

/// A linear f64 axis whose tick marks are given, not computed. (plotters' `WithKeyPoints` does
/// the same but loses the label formatter for f64, so this is the small version that keeps it.)
pub struct TickedAxis {
    linear: RangedCoordf64,
    ticks: Vec<f64>,
}

impl TickedAxis {
    /// Builds an axis over `range` with ticks (and grid lines) at `ticks`.
    pub fn new(range: Range<f64>, ticks: Vec<f64>) -> TickedAxis {
        TickedAxis {
            linear: range.into(),
            ticks,
        }
    }
}

impl Ranged for TickedAxis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.linear.map(value, limit)
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.linear.range()
    }
}

/// A chart over time: x in fractional years with chosen tick marks, y linear.
pub type TimeCoord = Cartesian2d<TickedAxis, TickedAxis>;

/// Text colour for secondary text (subtitles, notes).
pub const MUTED: RGBColor = RGBColor(0x55, 0x55, 0x55);
/// Grid line colour.
pub const GRID: RGBColor = RGBColor(0xE2, 0xE2, 0xE2);
/// Colour of reference lines (commitments, deadlines, demand).
pub const REFERENCE: RGBColor = RGBColor(0x22, 0x22, 0x22);

/// Returns the regular sans-serif font at `size` px in black.
pub fn font(size: u32) -> TextStyle<'static> {
    ("sans-serif", f64::from(size)).into_font().color(&BLACK)
}

/// Returns the bold sans-serif font at `size` px in black.
pub fn bold(size: u32) -> TextStyle<'static> {
    FontDesc::new(FontFamily::SansSerif, f64::from(size), FontStyle::Bold).color(&BLACK)
}

/// Returns `style` anchored at the given horizontal and vertical position.
pub fn anchored(style: TextStyle<'static>, h: HPos, v: VPos) -> TextStyle<'static> {
    style.pos(Pos::new(h, v))
}

/// How a legend entry is drawn.
#[derive(Clone, Debug)]
pub enum Swatch {
    /// A filled block (a stacked area or bar).
    Fill(RGBColor),
    /// A light filled block (a percentile band).
    Band(RGBColor),
    /// A light filled block with an outline (the take-or-pay top of a bar).
    OutlinedBand(RGBColor),
    /// A solid line.
    Line(RGBColor),
    /// A dashed line.
    Dashed(RGBColor),
    /// Marks of these shapes side by side, each with a dark outline (a mean).
    Marks(RGBColor, Vec<Mark>),
    /// A horizontal error bar with end caps (a confidence interval).
    ErrorBar,
}

/// One legend entry.
#[derive(Clone, Debug)]
pub struct LegendItem {
    /// Text after the swatch.
    pub label: String,
    /// The swatch.
    pub swatch: Swatch,
}

impl LegendItem {
    /// Builds a legend entry.
    pub fn new(label: impl Into<String>, swatch: Swatch) -> LegendItem {
        LegendItem {
            label: label.into(),
            swatch,
        }
    }
}

/// A filled legend entry per provider, in its chart colour: the stacked charts' legend.
pub fn provider_legend(names: &[String]) -> Vec<LegendItem> {
    (names.iter().enumerate())
        .map(|(i, name)| LegendItem::new(name.clone(), Swatch::Fill(provider_colour(i))))
        .collect()
}

const SIDE_MARGIN: i32 = 24;
const SWATCH_WIDTH: i32 = 30;

/// Draws the title, the subtitle (wrapped to the width) and a legend row that wraps, above the
/// panels, so the legend never covers data. Returns the area left for the panels.
pub fn header<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    header: &Header,
    legend: &[LegendItem],
) -> DrawResult<DrawingArea<DB, Shift>>
where
    DB::ErrorType: 'static,
{
    let width = root.dim_in_pixel().0 as i32;
    let max_text = (width - 2 * SIDE_MARGIN) as u32;
    root.draw(&Text::new(
        header.title.clone(),
        (SIDE_MARGIN, 12),
        bold(24),
    ))?;
    let mut y = 46;
    let sub_style = font(15).color(&MUTED);
    for line in wrap(root, &header.subtitle, &sub_style, max_text)? {
        root.draw(&Text::new(line, (SIDE_MARGIN, y), sub_style.clone()))?;
        y += 20;
    }
    y += 8;
    let legend_style = font(14);
    let mut x = SIDE_MARGIN;
    for item in legend {
        let (text_w, _) = root.estimate_text_size(&item.label, &legend_style)?;
        let swatch_w = swatch_width(&item.swatch);
        let item_w = swatch_w + 8 + text_w as i32 + 26;
        if x > SIDE_MARGIN && x + item_w > width - SIDE_MARGIN {
            x = SIDE_MARGIN;
            y += 24;
        }
        draw_swatch(root, &item.swatch, x, y + 8)?;
        root.draw(&Text::new(
            item.label.clone(),
            (x + swatch_w + 8, y + 8),
            anchored(legend_style.clone(), HPos::Left, VPos::Center),
        ))?;
        x += item_w;
    }
    if !legend.is_empty() {
        y += 24;
    }
    Ok(root.split_vertically(y + 6).1)
}

/// Splits `text` into lines no wider than `max_width` pixels, at spaces.
fn wrap<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    style: &TextStyle,
    max_width: u32,
) -> DrawResult<Vec<String>>
where
    DB::ErrorType: 'static,
{
    let mut lines = Vec::new();
    let mut current = String::new();
    for word in text.split(' ') {
        let candidate = if current.is_empty() {
            word.to_string()
        } else {
            format!("{current} {word}")
        };
        if !current.is_empty() && area.estimate_text_size(&candidate, style)?.0 > max_width {
            lines.push(std::mem::replace(&mut current, word.to_string()));
        } else {
            current = candidate;
        }
    }
    if !current.is_empty() {
        lines.push(current);
    }
    Ok(lines)
}

/// Returns `text` as it is if it is at most `max_width` pixels wide in `style`, else its start
/// and its end around an ellipsis, as many characters as fit: a regime's name may be 64
/// characters, wider than a panel, and names that differ only at the end (`..._v1`, `..._v2`)
/// stay apart.
pub fn fit<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    style: &TextStyle,
    max_width: u32,
) -> DrawResult<String>
where
    DB::ErrorType: 'static,
{
    if area.estimate_text_size(text, style)?.0 <= max_width {
        return Ok(text.to_string());
    }
    let chars: Vec<char> = text.chars().collect();
    for keep in (1..chars.len()).rev() {
        let tail = keep / 2;
        let candidate: String = (chars[..keep - tail].iter())
            .chain(std::iter::once(&'\u{2026}'))
            .chain(&chars[chars.len() - tail..])
            .collect();
        if area.estimate_text_size(&candidate, style)?.0 <= max_width {
            return Ok(candidate);
        }
    }
    Ok("\u{2026}".to_string())
}

/// Returns a panel's caption (a regime's name) cut to fit `area`'s width, so that it does not
/// run into the neighbouring panels' captions.
pub fn caption<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    name: &str,
    style: &TextStyle,
) -> DrawResult<String>
where
    DB::ErrorType: 'static,
{
    fit(area, name, style, area.dim_in_pixel().0.saturating_sub(16))
}

/// Radius of a mark, pixels.
pub const MARK_PX: i32 = 6;
/// Distance between the centres of marks side by side in a legend swatch, pixels.
const MARK_STEP_PX: i32 = 14;

/// Returns a swatch's width in pixels: a row of marks may need more than the usual.
fn swatch_width(swatch: &Swatch) -> i32 {
    match swatch {
        Swatch::Marks(_, marks) if marks.len() > 1 => {
            2 * MARK_PX + MARK_STEP_PX * (marks.len() as i32 - 1)
        }
        _ => SWATCH_WIDTH,
    }
}

/// Draws a mark of `radius` pixels centred at `at` (pixels in `area`), filled with `fill`,
/// with a dark outline so that a light colour still shows on a light bar.
pub fn draw_mark<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    mark: Mark,
    at: (i32, i32),
    fill: RGBColor,
    radius: i32,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let (x, y, r) = (at.0, at.1, radius);
    // Square, triangle and diamond a little smaller than their box, to look as large as the
    // circle.
    let k = r * 17 / 20;
    let outline: Option<Vec<(i32, i32)>> = match mark {
        Mark::Circle => None,
        Mark::Square => Some(vec![
            (x - k, y - k),
            (x + k, y - k),
            (x + k, y + k),
            (x - k, y + k),
        ]),
        Mark::Triangle => Some(vec![(x, y - r - 1), (x + r, y + k), (x - r, y + k)]),
        Mark::Diamond => Some(vec![
            (x, y - r - 1),
            (x + r + 1, y),
            (x, y + r + 1),
            (x - r - 1, y),
        ]),
    };
    match outline {
        None => {
            area.draw(&Circle::new((x, y), r as u32, fill.filled()))?;
            area.draw(&Circle::new((x, y), r as u32, REFERENCE.stroke_width(1)))?;
        }
        Some(points) => {
            area.draw(&Polygon::new(points.clone(), fill.filled()))?;
            let closed: Vec<(i32, i32)> = points.iter().chain(points.first()).copied().collect();
            area.draw(&PathElement::new(closed, REFERENCE.stroke_width(1)))?;
        }
    }
    Ok(())
}

/// Draws a legend swatch whose left end is at `x` and vertical centre at `y` (pixels).
pub fn draw_swatch<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    swatch: &Swatch,
    x: i32,
    y: i32,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let (x1, mid) = (x + SWATCH_WIDTH, x + SWATCH_WIDTH / 2);
    match swatch {
        Swatch::Fill(c) => area.draw(&Rectangle::new([(x, y - 7), (x1, y + 7)], c.filled()))?,
        Swatch::Band(c) => area.draw(&Rectangle::new([(x, y - 7), (x1, y + 7)], band(*c)))?,
        Swatch::OutlinedBand(c) => {
            let block = [(x, y - 7), (x1, y + 7)];
            area.draw(&Rectangle::new(block, band(*c)))?;
            area.draw(&Rectangle::new(block, c.stroke_width(1)))?
        }
        Swatch::Line(c) => {
            area.draw(&PathElement::new(vec![(x, y), (x1, y)], c.stroke_width(3)))?
        }
        Swatch::Dashed(c) => area.draw(&DashedPathElement::new(
            vec![(x, y), (x1, y)],
            6,
            4,
            c.stroke_width(2),
        ))?,
        Swatch::Marks(c, marks) => {
            let first = if marks.len() == 1 { mid } else { x + MARK_PX };
            for (i, mark) in marks.iter().enumerate() {
                let at = (first + MARK_STEP_PX * i as i32, y);
                draw_mark(area, *mark, at, *c, MARK_PX - 1)?;
            }
        }
        Swatch::ErrorBar => {
            let style = REFERENCE.stroke_width(2);
            area.draw(&PathElement::new(vec![(x + 3, y), (x1 - 3, y)], style))?;
            area.draw(&PathElement::new(
                vec![(x + 3, y - 6), (x + 3, y + 6)],
                style,
            ))?;
            area.draw(&PathElement::new(
                vec![(x1 - 3, y - 6), (x1 - 3, y + 6)],
                style,
            ))?;
        }
    }
    Ok(())
}

/// Returns the label of the bar row at `y` on a chart whose rows run top to bottom: row 0
/// (the first label) sits highest, at `y = labels.len() − 1`.
pub fn row_label(labels: &[String], y: f64) -> String {
    let i = labels.len() as i64 - 1 - y.round() as i64;
    usize::try_from(i)
        .ok()
        .and_then(|i| labels.get(i))
        .cloned()
        .unwrap_or_default()
}

/// Returns the value-axis range of a chart with `n` bar rows at y = 0 .. n − 1: a margin of
/// 0.6 rows at each end, and at least `min_rows` rows tall with the rows in the middle, so that
/// one or two rows get bars of the same height as many do instead of bars that fill the panel.
pub fn row_range(n: usize, min_rows: usize) -> Range<f64> {
    let n = n.max(1);
    let pad = (n.max(min_rows) - n) as f64 / 2.0;
    -0.6 - pad..n as f64 - 0.4 + pad
}

/// Returns the fill style of a percentile band in colour `c`.
pub fn band(c: RGBColor) -> ShapeStyle {
    c.mix(0.22).filled()
}

/// Returns (rows, columns) for `n` panels: side by side up to three, then a grid about as wide
/// as tall.
pub fn grid(n: usize) -> (usize, usize) {
    match n {
        0 | 1 => (1, 1),
        2 => (1, 2),
        3 => (1, 3),
        4 => (2, 2),
        5 | 6 => (2, 3),
        n => {
            let cols = if n <= 9 { 3 } else { 4 };
            (n.div_ceil(cols), cols)
        }
    }
}

/// Width and height of a chart with `n` panels: 1200×800, taller when panels need a third row.
pub fn panel_chart_size(n: usize) -> (u32, u32) {
    let rows = grid(n).0 as u32;
    (1200, if rows <= 2 { 800 } else { 130 + 300 * rows })
}

/// Splits the panel area into the grid for `n` panels; returns the first `n` cells.
pub fn panels<DB: DrawingBackend>(
    body: &DrawingArea<DB, Shift>,
    n: usize,
) -> Vec<DrawingArea<DB, Shift>> {
    let mut cells = body.margin(0, 4, 8, 8).split_evenly(grid(n));
    cells.truncate(n);
    cells
}

/// Returns tick positions for the time axis: every year, or every half or quarter year or
/// every month for short periods, or every 2 or 5 years for long ones (month starts as
/// fractional years). A period of a few months gets a tick each month: quarters would leave
/// it one tick or none.
pub fn time_ticks(axis: &TimeAxis) -> Vec<f64> {
    let first = (axis.start * 12.0).round() as i64;
    let last = (axis.end * 12.0).round() as i64;
    let step = match last - first {
        s if s <= 6 => 1,
        s if s <= 18 => 3,
        s if s <= 36 => 6,
        s if s <= 15 * 12 => 12,
        s if s <= 30 * 12 => 24,
        _ => 60,
    };
    (first..=last)
        .filter(|m| m.rem_euclid(step) == 0)
        .map(|m| m as f64 / 12.0)
        .collect()
}

/// Labels a time tick: the year at a year start, otherwise the month's short name.
pub fn time_label(x: f64) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let m = (x * 12.0).round() as i64;
    match m.rem_euclid(12) {
        0 => m.div_euclid(12).to_string(),
        k => MONTHS[k as usize].to_string(),
    }
}

/// Builds one panel over time: caption in the regime's colour, years on x, `y_desc` on y.
pub fn time_panel<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    regime: &RegimeRef,
    axis: &TimeAxis,
    y_max: f64,
    y_desc: &str,
) -> DrawResult<ChartContext<'a, DB, TimeCoord>>
where
    DB::ErrorType: 'static,
{
    let y_ticks = Ticks::new(0.0, y_max, Y_INTERVALS);
    let colour = regime_colour(regime.colour);
    let style = bold(17).color(&colour);
    let mut chart = ChartBuilder::on(area)
        .caption(caption(area, &regime.name, &style)?, style)
        .margin(6)
        .margin_right(28)
        .x_label_area_size(26)
        .y_label_area_size(62)
        .build_cartesian_2d(
            TickedAxis::new(axis.start..axis.end, time_ticks(axis)),
            TickedAxis::new(0.0..y_max, y_ticks.values.clone()),
        )?;
    chart
        .configure_mesh()
        .x_label_formatter(&|x| time_label(*x))
        .y_label_formatter(&|y| y_ticks.label(*y))
        .y_desc(y_desc)
        .label_style(font(13))
        .axis_desc_style(font(14))
        .bold_line_style(GRID)
        .light_line_style(TRANSPARENT)
        .draw()?;
    Ok(chart)
}

/// Returns the polygon between two curves sampled at the same x positions (a band or a stack
/// layer): along `upper` left to right, back along `lower`.
pub fn between(upper: &[(f64, f64)], lower: &[(f64, f64)]) -> Vec<(f64, f64)> {
    upper
        .iter()
        .copied()
        .chain(lower.iter().rev().copied())
        .collect()
}

/// Returns a line cut where it runs off the top of the scale: one piece per stretch below
/// `y_max`, each ending (and the next starting) on the edge where the line crosses it. A line
/// clipped to the edge instead would run flat along it, as if the series levelled off (the
/// chart notes the peak instead); a line that ended at its first crossing would hide every
/// later month of a series that comes back down (a noisy demand near the top of the scale).
pub fn below_ceiling(points: &[(f64, f64)], y_max: f64) -> Vec<Vec<(f64, f64)>> {
    let mut pieces = Vec::new();
    let mut piece: Vec<(f64, f64)> = Vec::new();
    let mut previous: Option<(f64, f64)> = None;
    for &(x, y) in points {
        let crossing = |(x0, y0): (f64, f64)| (x0 + (x - x0) * (y_max - y0) / (y - y0), y_max);
        if let Some(p) = previous.filter(|p| (p.1 > y_max) != (y > y_max)) {
            piece.push(crossing(p));
            if y > y_max {
                pieces.push(std::mem::take(&mut piece));
            }
        }
        if y <= y_max {
            piece.push((x, y));
        }
        previous = Some((x, y));
    }
    if !piece.is_empty() {
        pieces.push(piece);
    }
    pieces
}

/// A rectangle in a chart's data coordinates: the room a label's text takes.
#[derive(Clone, Debug, PartialEq)]
pub struct Block {
    /// Left to right edge.
    pub x: Range<f64>,
    /// Bottom to top edge.
    pub y: Range<f64>,
}

/// What a label must keep clear of.
#[derive(Clone, Copy, Debug)]
pub enum Obstacle<'a> {
    /// A line, points in ascending x: the label must not sit on it.
    Line(&'a [(f64, f64)]),
    /// The area under a line (a stack's top): the label must sit above it.
    Under(&'a [(f64, f64)]),
}

impl Obstacle<'_> {
    /// Whether `block` overlaps the line or the area.
    pub fn hits(&self, block: &Block) -> bool {
        match *self {
            Obstacle::Line(line) => y_span(line, block.x.clone())
                .is_some_and(|(lo, hi)| lo <= block.y.end && hi >= block.y.start),
            Obstacle::Under(top) => {
                y_span(top, block.x.clone()).is_some_and(|(_, hi)| hi >= block.y.start)
            }
        }
    }
}

/// Returns the lowest and highest y of a line (points in ascending x) over `x`, the line
/// interpolated at the ends of `x`; `None` where it does not reach `x`.
pub fn y_span(line: &[(f64, f64)], x: Range<f64>) -> Option<(f64, f64)> {
    let mut span: Option<(f64, f64)> = None;
    let mut add = |y: f64| {
        span = Some(span.map_or((y, y), |(lo, hi)| (lo.min(y), hi.max(y))));
    };
    if let [(px, py)] = line
        && x.contains(px)
    {
        add(*py);
    }
    for pair in line.windows(2) {
        let ((x0, y0), (x1, y1)) = (pair[0], pair[1]);
        let (from, to) = (x0.max(x.start), x1.min(x.end));
        if from > to {
            continue;
        }
        let at = |t: f64| {
            if x1 > x0 {
                y0 + (y1 - y0) * (t - x0) / (x1 - x0)
            } else {
                y0
            }
        };
        add(at(from));
        add(at(to));
        if x1 <= x0 {
            add(y1);
        }
    }
    span
}

/// Returns the index of the first of `candidates` that no obstacle hits, if any.
pub fn first_clear(candidates: &[Block], obstacles: &[Obstacle]) -> Option<usize> {
    candidates
        .iter()
        .position(|b| obstacles.iter().all(|o| !o.hits(b)))
}

/// Where a note goes in a panel's plotting area.
#[derive(Debug, Clone, Copy)]
pub enum NotePlace<'a> {
    /// In the middle (e.g. "no unmet demand").
    Centre,
    /// In the top-left corner, or the top-right one where the obstacles leave the left one no
    /// room (a demand line that runs off the top early, on the left); left if neither is clear.
    TopCorner(&'a [Obstacle<'a>]),
}

/// Distance between the lines of a note, and from the top of the plot to its first line's
/// middle, pixels: fixed, so that a tall single panel does not spread its lines apart.
const NOTE_LINE_PX: f64 = 20.0;
/// Gap between a corner note and the side of the plot, as a fraction of the plot's width.
const NOTE_SIDE: f64 = 0.03;

/// Draws a note in the plotting area, one line per entry, downwards from `place`.
pub fn note<DB: DrawingBackend>(
    chart: &mut ChartContext<'_, DB, TimeCoord>,
    lines: &[&str],
    place: NotePlace,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let (x0, x1) = (chart.x_range().start, chart.x_range().end);
    let (y0, y1) = (chart.y_range().start, chart.y_range().end);
    let style = font(15).color(&MUTED);
    let (width_px, height_px) = chart.plotting_area().dim_in_pixel();
    let mut text_px = 0;
    for line in lines {
        let size = chart.plotting_area().estimate_text_size(line, &style)?;
        text_px = text_px.max(size.0);
    }
    let x_per_px = (x1 - x0) / f64::from(width_px.max(1));
    let y_per_px = (y1 - y0) / f64::from(height_px.max(1));
    let line_y = NOTE_LINE_PX * y_per_px;
    let (h, x, first_y) = match place {
        NotePlace::Centre => (HPos::Center, (x0 + x1) / 2.0, (y0 + y1) / 2.0),
        NotePlace::TopCorner(obstacles) => {
            let first_y = y1 - line_y;
            let (width, side) = (f64::from(text_px) * x_per_px, (x1 - x0) * NOTE_SIDE);
            let y = first_y - line_y * (lines.len() as f64 - 0.5)..y1;
            let corners = [
                Block {
                    x: x0 + side..x0 + side + width,
                    y: y.clone(),
                },
                Block {
                    x: x1 - side - width..x1 - side,
                    y,
                },
            ];
            match first_clear(&corners, obstacles) {
                Some(1) => (HPos::Right, x1 - side, first_y),
                _ => (HPos::Left, x0 + side, first_y),
            }
        }
    };
    let style = anchored(style, h, VPos::Center);
    chart.draw_series(lines.iter().enumerate().map(|(i, line)| {
        Text::new(
            line.to_string(),
            (x, first_y - line_y * i as f64),
            style.clone(),
        )
    }))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_holds_every_panel() {
        for n in 1..=20 {
            let (rows, cols) = grid(n);
            assert!(rows * cols >= n, "{n} panels in {rows}x{cols}");
            assert!(
                rows * cols < n + cols,
                "{n} panels leave a whole empty row in {rows}x{cols}"
            );
        }
        assert_eq!(grid(4), (2, 2));
    }

    #[test]
    fn few_rows_sit_in_the_middle_of_a_range_as_tall_as_the_least_rows() {
        let close = |r: Range<f64>, (lo, hi): (f64, f64)| {
            assert!(
                (r.start - lo).abs() < 1e-12 && (r.end - hi).abs() < 1e-12,
                "{r:?}"
            );
        };
        // Nine rows: 0.6 of a row beyond the first and the last, as before.
        close(row_range(9, 5), (-0.6, 8.6));
        // One row of at least five: the row at 0, 2.6 rows each side.
        close(row_range(1, 5), (-2.6, 2.6));
        // Two rows (0 and 1) of at least three: centred on 0.5, 1.6 rows each side.
        close(row_range(2, 3), (-1.1, 2.1));
    }

    #[test]
    fn time_ticks_fall_on_years_for_multi_year_runs() {
        let axis = TimeAxis {
            start: 2025.0,
            end: 2031.0,
            mid: vec![],
            month_end: vec![],
        };
        assert_eq!(
            time_ticks(&axis),
            vec![2025.0, 2026.0, 2027.0, 2028.0, 2029.0, 2030.0, 2031.0]
        );
        assert_eq!(time_label(2027.0), "2027");
        assert_eq!(time_label(2027.5), "Jul");
    }

    #[test]
    fn a_run_of_a_few_months_gets_a_tick_each_month() {
        // Jan to Mar 2025 (a horizon ending 2025-03-01): quarterly ticks left only "2025".
        let axis = TimeAxis {
            start: 2025.0,
            end: 2025.0 + 2.0 / 12.0,
            mid: vec![],
            month_end: vec![],
        };
        let labels: Vec<String> = time_ticks(&axis).into_iter().map(time_label).collect();
        assert_eq!(labels, ["2025", "Feb", "Mar"]);
    }

    #[test]
    fn a_label_goes_where_no_line_or_area_reaches_it() {
        // A line from (0, 0) to (10, 10): over x in 2..4 it runs from 2 to 4.
        let line = [(0.0, 0.0), (10.0, 10.0)];
        assert_eq!(y_span(&line, 2.0..4.0), Some((2.0, 4.0)));
        assert_eq!(y_span(&line, 11.0..12.0), None);
        assert_eq!(y_span(&[(1.0, 5.0)], 0.0..2.0), Some((5.0, 5.0)));
        let block = |x: Range<f64>, y: Range<f64>| Block { x, y };
        // Above the line at x 2..4 (which reaches 4), and on it.
        assert!(!Obstacle::Line(&line).hits(&block(2.0..4.0, 5.0..6.0)));
        assert!(Obstacle::Line(&line).hits(&block(2.0..4.0, 3.5..6.0)));
        // Under a stack's top, however far below it, a block hits the area.
        assert!(Obstacle::Under(&line).hits(&block(2.0..4.0, 0.0..1.0)));
        assert!(!Obstacle::Under(&line).hits(&block(2.0..4.0, 4.5..6.0)));
        // The served chart's case: a demand line that runs off the top on the left, above a
        // low stack, leaves the top-right corner for the note (before: top-left, on the line).
        let demand = [(0.0, 14.5), (0.5, 14.5), (1.5, 20.0)];
        let stack = [(0.0, 7.3), (6.0, 7.9)];
        let obstacles = [Obstacle::Line(&demand), Obstacle::Under(&stack)];
        let left = block(0.2..2.0, 16.0..19.5);
        let right = block(4.0..5.8, 16.0..19.5);
        assert_eq!(
            first_clear(&[left.clone(), right.clone()], &obstacles),
            Some(1)
        );
        // A stack up to the top leaves neither.
        let full = [(0.0, 19.8), (6.0, 19.8)];
        assert_eq!(first_clear(&[left, right], &[Obstacle::Under(&full)]), None);
    }

    #[test]
    fn a_line_breaks_where_it_leaves_the_scale_and_resumes_where_it_comes_back() {
        // From 30 to 50 between x = 2 and 3: it reaches 40 halfway; from 50 to 30 between
        // x = 3 and 4 it comes back at 40 halfway, and goes on.
        let points = [
            (0.0, 10.0),
            (1.0, 20.0),
            (2.0, 30.0),
            (3.0, 50.0),
            (4.0, 30.0),
            (5.0, 20.0),
        ];
        assert_eq!(
            below_ceiling(&points, 40.0),
            vec![
                vec![(0.0, 10.0), (1.0, 20.0), (2.0, 30.0), (2.5, 40.0)],
                vec![(3.5, 40.0), (4.0, 30.0), (5.0, 20.0)],
            ]
        );
        assert_eq!(below_ceiling(&points, 60.0), vec![points.to_vec()]);
        // Starting above the scale, the line starts where it first comes down onto it.
        assert_eq!(
            below_ceiling(&points[3..], 40.0),
            vec![vec![(3.5, 40.0), (4.0, 30.0), (5.0, 20.0)]]
        );
        assert_eq!(below_ceiling(&points[3..4], 40.0), Vec::<Vec<_>>::new());
    }
}
