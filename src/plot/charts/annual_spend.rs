//! Chart 5: spend per calendar year stacked by provider, one panel per regime on a shared y
//! scale, with each year's total above its bar.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::common::{
    self, DrawResult, GRID, LegendItem, REFERENCE, Swatch, TickedAxis, anchored, bold, font,
    provider_legend,
};
use crate::plot::prepare::AnnualChart;
use crate::plot::units::{Ticks, Y_INTERVALS, number};
use crate::plot::{provider_colour, regime_colour};

/// Half the width of a bar, in years.
const BAR_HALF: f64 = 0.36;
/// Narrowest bar slot, in pixels, that still gets its total written above it.
const MIN_SLOT_FOR_TOTALS: f64 = 44.0;
/// The legend's key for take-or-pay: pale and outlined in grey, as each provider's top is in
/// its colour.
const TAKE_OR_PAY_KEY: RGBColor = RGBColor(0x70, 0x70, 0x70);

/// Draws the annual spend chart on `root`.
pub fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, chart: &AnnualChart) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let mut legend = provider_legend(&chart.provider_names);
    if chart.any_take_or_pay {
        legend.push(LegendItem::new(
            "take-or-pay (pale, outlined)",
            Swatch::OutlinedBand(TAKE_OR_PAY_KEY),
        ));
    }
    let body = common::header(root, &chart.header, &legend)?;
    let (Some(&first), Some(&last)) = (chart.years.first(), chart.years.last()) else {
        return Ok(());
    };
    let y_desc = format!("spend per year, {}", chart.unit.label());
    let y_ticks = Ticks::new(0.0, chart.y_max, Y_INTERVALS);
    for (area, panel) in common::panels(&body, chart.panels.len())
        .iter()
        .zip(&chart.panels)
    {
        let slot_px =
            f64::from(area.dim_in_pixel().0.saturating_sub(90)) / chart.years.len() as f64;
        // Label every year when there is room, else every other year.
        let every = if slot_px >= 38.0 { 1 } else { 2 };
        let ticks: Vec<f64> = chart
            .years
            .iter()
            .filter(|y| (*y - first) % every == 0)
            .map(|&y| f64::from(y))
            .collect();
        let year_label = |x: &f64| {
            let year = x.round() as i32;
            let partial = chart
                .years
                .iter()
                .position(|&y| y == year)
                .is_some_and(|i| chart.months_covered[i] < 12);
            if partial {
                format!("{year}*")
            } else {
                year.to_string()
            }
        };
        let mut ctx = ChartBuilder::on(area)
            .caption(
                &panel.regime.name,
                bold(17).color(&regime_colour(panel.regime.colour)),
            )
            .margin(6)
            .margin_right(20)
            .x_label_area_size(26)
            .y_label_area_size(62)
            .build_cartesian_2d(
                TickedAxis::new(f64::from(first) - 0.6..f64::from(last) + 0.6, ticks),
                TickedAxis::new(0.0..chart.y_max, y_ticks.values.clone()),
            )?;
        ctx.configure_mesh()
            .x_label_formatter(&year_label)
            .y_label_formatter(&|y| y_ticks.label(*y))
            .y_desc(y_desc.as_str())
            .label_style(font(13))
            .axis_desc_style(font(14))
            .bold_line_style(GRID)
            .light_line_style(TRANSPARENT)
            .disable_x_mesh()
            .draw()?;
        for (y, &year) in chart.years.iter().enumerate() {
            let x = f64::from(year);
            let mut bottom = 0.0;
            for (p, tops) in panel.tops.iter().enumerate() {
                let top = tops[y];
                if top > bottom {
                    // Bought and used below, take-or-pay paid for nothing at the top.
                    let paid_from = top - panel.take_or_pay[p][y].clamp(0.0, top - bottom);
                    let colour = provider_colour(p);
                    let (left, right) = (x - BAR_HALF, x + BAR_HALF);
                    if paid_from > bottom {
                        ctx.draw_series(std::iter::once(Rectangle::new(
                            [(left, bottom), (right, paid_from)],
                            colour.filled(),
                        )))?;
                    }
                    if top > paid_from {
                        let pale = [(left, paid_from), (right, top)];
                        ctx.draw_series([
                            Rectangle::new(pale, common::band(colour)),
                            Rectangle::new(pale, colour.stroke_width(1)),
                        ])?;
                    }
                }
                bottom = top;
            }
            if slot_px >= MIN_SLOT_FOR_TOTALS && bottom > 0.0 {
                ctx.draw_series(std::iter::once(Text::new(
                    number(bottom),
                    (x, bottom + chart.y_max * 0.01),
                    anchored(font(11).color(&REFERENCE), HPos::Center, VPos::Bottom),
                )))?;
            }
        }
        if panel
            .tops
            .last()
            .is_none_or(|t| t.iter().all(|v| *v <= 0.0))
        {
            ctx.draw_series(std::iter::once(Text::new(
                "no spend",
                (
                    (f64::from(first) + f64::from(last)) / 2.0,
                    chart.y_max * 0.5,
                ),
                anchored(font(15).color(&common::MUTED), HPos::Center, VPos::Center),
            )))?;
        }
    }
    Ok(())
}
