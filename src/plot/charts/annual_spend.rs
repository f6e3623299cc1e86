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
/// Narrowest room, in pixels, for one year's label ("2030*" at 13 px) beside the next.
const MIN_LABEL_PX: f64 = 38.0;
/// Steps between labelled years past every other year, labelled on their multiples.
const LABEL_STEPS: [i32; 6] = [5, 10, 20, 25, 50, 100];

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
        let ticks: Vec<f64> = labelled_years(&chart.years, slot_px)
            .into_iter()
            .map(f64::from)
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
        let colour = regime_colour(panel.regime.colour);
        let style = bold(17).color(&colour);
        let mut ctx = ChartBuilder::on(area)
            .caption(common::caption(area, &panel.regime.name, &style)?, style)
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

/// Returns the years that get a label, bars `slot_px` pixels apart: every year when there is
/// room, else every other year from the first, else every 5th, 10th, ... year on its multiples
/// (2030, 2035, ...), so that labels never run into each other on a long horizon.
fn labelled_years(years: &[i32], slot_px: f64) -> Vec<i32> {
    let Some(&first) = years.first() else {
        return Vec::new();
    };
    let step = |every: i32| -> Vec<i32> {
        let offset = if every <= 2 { first } else { 0 };
        (years.iter().copied())
            .filter(|y| (y - offset).rem_euclid(every) == 0)
            .collect()
    };
    let every = [1, 2]
        .into_iter()
        .chain(LABEL_STEPS)
        .find(|&every| f64::from(every) * slot_px >= MIN_LABEL_PX)
        .unwrap_or(LABEL_STEPS[LABEL_STEPS.len() - 1]);
    let labelled = step(every);
    if labelled.is_empty() {
        vec![first]
    } else {
        labelled
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn year_labels_keep_their_room_on_long_horizons() {
        // Eight years with room for each label, or for every other one from the first.
        let short: Vec<i32> = (2025..=2032).collect();
        assert_eq!(labelled_years(&short, 40.0), short);
        assert_eq!(labelled_years(&short, 30.0), [2025, 2027, 2029, 2031]);
        // 49 years in a 500-pixel panel, about 10 pixels a bar: every other year would put
        // labels 20 pixels apart, on top of each other; every 5th, on its multiples, is
        // 50 pixels apart.
        let long: Vec<i32> = (2026..=2074).collect();
        let labelled = labelled_years(&long, 10.0);
        assert_eq!(labelled.first(), Some(&2030));
        assert_eq!(labelled.last(), Some(&2070));
        for pair in labelled.windows(2) {
            assert!(
                f64::from(pair[1] - pair[0]) * 10.0 >= MIN_LABEL_PX,
                "{pair:?}"
            );
        }
        // 190 years, 2 pixels a bar: every 20th year.
        let longest: Vec<i32> = (2025..=2214).collect();
        assert_eq!(labelled_years(&longest, 2.0)[..2], [2040, 2060]);
        // A few years too narrow for their multiples still label the first.
        assert_eq!(labelled_years(&[2031, 2032], 1.0), [2031]);
        assert!(labelled_years(&[], 10.0).is_empty());
    }
}
