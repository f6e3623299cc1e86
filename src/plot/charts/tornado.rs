//! The tornado chart of one regime: a panel per metric, a bar per input from the base mean to
//! the mean with the input at its low value (blue) and at its high value (orange).

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::common::{
    self, DrawResult, GRID, LegendItem, MUTED, REFERENCE, Swatch, TickedAxis, anchored, bold, font,
};
use crate::plot::PlotError;
use crate::plot::raster::PngBackend;
use crate::plot::tornado::{Panel, TornadoChart};
use crate::plot::units::Ticks;

/// Colour of the low-value side (Tableau blue).
const LOW: RGBColor = RGBColor(0x4E, 0x79, 0xA7);
/// Colour of the high-value side (Tableau orange).
const HIGH: RGBColor = RGBColor(0xF2, 0x8E, 0x2B);
/// Chart width, pixels.
const WIDTH: u32 = 1400;
/// Height of the title, subtitle and legend, pixels.
const HEADER_HEIGHT: u32 = 150;
/// Height of a bar's row, pixels.
const ROW_HEIGHT: u32 = 28;
/// Height of a panel's caption and x axis, pixels.
const PANEL_FRAME: u32 = 96;
/// Half the height of a bar, in rows.
const BAR_HALF: f64 = 0.32;
/// Fewest rows a panel is tall (with one or two inputs, its bars keep a row's height).
const MIN_ROWS: usize = 3;

/// Returns the chart's size: panels stacked, each as tall as its bars need.
fn size(chart: &TornadoChart) -> (u32, u32) {
    let panels: u32 = chart
        .panels
        .iter()
        .map(|p| PANEL_FRAME + ROW_HEIGHT * p.bars.len().max(MIN_ROWS) as u32)
        .sum();
    (WIDTH, HEADER_HEIGHT + panels)
}

/// Draws `chart` into `dir` as STEM.png and STEM.svg; returns both paths.
pub fn render(dir: &Path, stem: &str, chart: &TornadoChart) -> Result<Vec<PathBuf>, PlotError> {
    let png = dir.join(format!("{stem}.png"));
    let svg = dir.join(format!("{stem}.svg"));
    let size = size(chart);
    let fail = |path: &Path| {
        let path = path.to_path_buf();
        move |e: Box<dyn std::error::Error>| PlotError::Draw {
            path,
            message: e.to_string(),
        }
    };
    let root = PngBackend::new(&png, size).into_drawing_area();
    draw(&root, chart)
        .and_then(|()| Ok(root.present()?))
        .map_err(fail(&png))?;
    drop(root);
    let root = SVGBackend::new(&svg, size).into_drawing_area();
    draw(&root, chart)
        .and_then(|()| Ok(root.present()?))
        .map_err(fail(&svg))?;
    drop(root);
    Ok(vec![png, svg])
}

fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, chart: &TornadoChart) -> DrawResult
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let legend = [
        LegendItem::new("input at its low value", Swatch::Fill(LOW)),
        LegendItem::new("input at its high value", Swatch::Fill(HIGH)),
        LegendItem::new(
            "base mean (every input at its distribution)",
            Swatch::Line(REFERENCE),
        ),
    ];
    let body = common::header(root, &chart.header, &legend)?;
    let label_style = font(13);
    let mut label_width = 80;
    for bar in chart.panels.iter().flat_map(|p| &p.bars) {
        label_width = label_width.max(root.estimate_text_size(&bar.label, &label_style)?.0 + 16);
    }
    let label_width = label_width.min(WIDTH / 2);
    let heights: Vec<u32> = chart
        .panels
        .iter()
        .map(|p| PANEL_FRAME + ROW_HEIGHT * p.bars.len().max(MIN_ROWS) as u32)
        .collect();
    let mut rest = body;
    for (panel, height) in chart.panels.iter().zip(heights) {
        let (area, below) = rest.split_vertically(height);
        draw_panel(&area, panel, label_width)?;
        rest = below;
    }
    Ok(())
}

fn draw_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    panel: &Panel,
    label_width: u32,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let n = panel.bars.len().max(1);
    // Bar i sits at y = n - 1 - i so that the largest swing is at the top.
    let row_y = |i: usize| (n - 1 - i) as f64;
    let rows = common::row_range(n, MIN_ROWS);
    let (lo, hi) = panel
        .bars
        .iter()
        .flat_map(|b| [b.at_low, b.at_high])
        .fold((panel.base, panel.base), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    let pad = if hi > lo {
        (hi - lo) * 0.06
    } else {
        panel.base.abs().max(1.0) * 0.05
    };
    let (x_min, x_max) = (lo - pad, hi + pad);
    let ticks = Ticks::new(x_min, x_max, 6);
    let labels: Vec<String> = panel.bars.iter().map(|b| b.label.clone()).collect();
    let caption = match panel.moving {
        0 => panel.title.clone(),
        m if m > panel.bars.len() => format!(
            "{} (top {} of the {m} inputs that move it)",
            panel.title,
            panel.bars.len()
        ),
        m => format!("{} ({m} of {} inputs move it)", panel.title, panel.inputs),
    };
    let mut ctx = ChartBuilder::on(area)
        .caption(caption, bold(16))
        .margin(6)
        .margin_right(32)
        .x_label_area_size(32)
        .y_label_area_size(label_width)
        .build_cartesian_2d(
            TickedAxis::new(x_min..x_max, ticks.values.clone()),
            TickedAxis::new(rows.clone(), (0..n).map(row_y).collect()),
        )?;
    let label_of = |y: &f64| common::row_label(&labels, *y);
    ctx.configure_mesh()
        .x_label_formatter(&|x| ticks.label(*x))
        .y_label_formatter(&label_of)
        .label_style(font(13))
        .bold_line_style(GRID)
        .light_line_style(TRANSPARENT)
        .draw()?;
    for (i, bar) in panel.bars.iter().enumerate() {
        let y = row_y(i);
        // Both bars start at the base: where the low and the high value move the metric the
        // same way, the one farther from the base is drawn first, so the nearer one stays in
        // view on top of it instead of hidden under it.
        let mut sides = [(bar.at_low, LOW), (bar.at_high, HIGH)];
        sides.sort_by(|a, b| {
            (b.0 - panel.base)
                .abs()
                .total_cmp(&(a.0 - panel.base).abs())
        });
        for (value, colour) in sides {
            if value != panel.base {
                ctx.draw_series(std::iter::once(Rectangle::new(
                    [(panel.base, y - BAR_HALF), (value, y + BAR_HALF)],
                    colour.filled(),
                )))?;
            }
        }
    }
    ctx.draw_series(std::iter::once(PathElement::new(
        vec![(panel.base, rows.start), (panel.base, rows.end)],
        REFERENCE.stroke_width(2),
    )))?;
    if panel.moving == 0 {
        // Left of the base line, which is in the middle: centred, the line would cross it.
        ctx.draw_series(std::iter::once(Text::new(
            format!(
                "no input moves it (mean {} in every run)",
                panel.unit.write(panel.base)
            ),
            (x_min + (x_max - x_min) * 0.02, (n as f64 - 1.0) / 2.0),
            anchored(font(14).color(&MUTED), HPos::Left, VPos::Center),
        )))?;
    }
    Ok(())
}
