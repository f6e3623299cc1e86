//! Chart 4: the regimes side by side on four summary metrics, one panel per metric and one row
//! per regime: mean (dot), 95% confidence interval of the mean (error bar) and 5th-95th
//! percentile across replications (light bar).

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::common::{
    self, DrawResult, GRID, LegendItem, MUTED, REFERENCE, Swatch, TickedAxis, anchored, bold, font,
};
use crate::plot::prepare::RegimeRef;
use crate::plot::prepare::{ComparisonChart, ComparisonPanel};
use crate::plot::units::{Ticks, X_INTERVALS};
use crate::plot::{Mark, regime_colour, regime_mark};

/// Neutral colour for legend swatches of marks drawn in each regime's colour.
const NEUTRAL: RGBColor = RGBColor(0x70, 0x70, 0x70);
/// Half the height of the percentile bar, in rows.
const BAR_HALF: f64 = 0.2;
/// Half the height of the error bar's end caps, in rows.
const CAP_HALF: f64 = 0.12;
/// Fewest rows a panel's height is divided into, so that a study of one or a few regimes
/// does not draw bars as tall as the panel.
const MIN_ROWS: usize = 6;

/// Height of a regime's row, pixels: room for the value label above its dot without reaching
/// the row above (what nine regimes get in 800 pixels).
const ROW_PX: u32 = 28;
/// Height of a panel besides its rows (caption, value axis, margins), pixels.
const PANEL_EXTRA_PX: u32 = 80;
/// Height of the chart's header (title, subtitle, legend), pixels.
const HEADER_PX: u32 = 130;

/// Returns the chart's size for `panels` panels and `regimes` rows in each: as every panel
/// chart's, and taller when the rows would otherwise be too close for their value labels.
pub fn size(panels: usize, regimes: usize) -> (u32, u32) {
    let (width, height) = common::panel_chart_size(panels);
    let panel_rows = common::grid(panels).0 as u32;
    let rows = u32::try_from(regimes).unwrap_or(u32::MAX).min(10_000);
    let needed = HEADER_PX + panel_rows * (PANEL_EXTRA_PX + ROW_PX * rows);
    (width, height.max(needed))
}

/// Draws the regime comparison chart on `root`.
pub fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &ComparisonChart,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let legend = [
        mean_legend(&chart.regimes),
        LegendItem::new("95% confidence interval of the mean", Swatch::ErrorBar),
        LegendItem::new(
            "5th-95th percentile across replications",
            Swatch::Band(NEUTRAL),
        ),
    ];
    let body = common::header(root, &chart.header, &legend)?;
    let label_style = font(13);
    let suffix = |name: &str| {
        if chart.baseline.as_deref() == Some(name) {
            " (baseline)"
        } else {
            ""
        }
    };
    let mut label_width = 40;
    for r in &chart.regimes {
        let label = format!("{}{}", r.name, suffix(&r.name));
        label_width = label_width.max(root.estimate_text_size(&label, &label_style)?.0 + 16);
    }
    let label_width = label_width.min(root.dim_in_pixel().0 / 5);
    // A name too long for the label area is cut in its middle; the baseline keeps its mark.
    let mut labels = Vec::with_capacity(chart.regimes.len());
    for r in &chart.regimes {
        let suffix = suffix(&r.name);
        let suffix_width = root.estimate_text_size(suffix, &label_style)?.0;
        let room = label_width.saturating_sub(16 + suffix_width);
        labels.push(format!(
            "{}{suffix}",
            common::fit(root, &r.name, &label_style, room)?
        ));
    }
    for (area, panel) in common::panels(&body, chart.panels.len())
        .iter()
        .zip(&chart.panels)
    {
        draw_panel(area, chart, panel, &labels, label_width)?;
    }
    Ok(())
}

/// Returns the legend entry of the means: the shapes in use when some regimes share a colour
/// (past the palette's 12), so that the legend shows that shape tells them apart.
fn mean_legend(regimes: &[RegimeRef]) -> LegendItem {
    let shapes: Vec<Mark> = (Mark::ALL.into_iter())
        .filter(|m| regimes.iter().any(|r| regime_mark(r.colour) == *m))
        .collect();
    if shapes.len() > 1 {
        LegendItem::new(
            "mean (regime colour and shape)",
            Swatch::Marks(NEUTRAL, shapes),
        )
    } else {
        LegendItem::new(
            "mean (regime colour)",
            Swatch::Marks(NEUTRAL, vec![Mark::Circle]),
        )
    }
}

fn draw_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    chart: &ComparisonChart,
    panel: &ComparisonPanel,
    labels: &[String],
    label_width: u32,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let n = chart.regimes.len();
    // Row i (scenario order) sits at y = n - 1 - i so that the first regime is at the top.
    let row_y = |i: usize| (n - 1 - i) as f64;
    let rows: Vec<f64> = (0..n).map(row_y).collect();
    // Without a scale, no ticks and no unit: they would read as data (see `has_scale`).
    let x_ticks = if panel.has_scale() {
        Ticks::new(panel.x_min, panel.x_max, X_INTERVALS)
    } else {
        Ticks {
            values: Vec::new(),
            decimals: 0,
        }
    };
    let mut ctx = ChartBuilder::on(area)
        .caption(&panel.title, bold(16))
        .margin(6)
        .margin_right(28)
        .x_label_area_size(40)
        .y_label_area_size(label_width)
        .build_cartesian_2d(
            TickedAxis::new(panel.x_min..panel.x_max, x_ticks.values.clone()),
            TickedAxis::new(common::row_range(n, MIN_ROWS), rows),
        )?;
    let span = panel.x_max - panel.x_min;
    let label_of = |y: &f64| common::row_label(labels, *y);
    ctx.configure_mesh()
        .x_label_formatter(&|x| x_ticks.label(*x))
        .y_label_formatter(&label_of)
        .x_desc(if panel.has_scale() {
            panel.unit.label()
        } else {
            ""
        })
        .label_style(font(13))
        .axis_desc_style(font(14))
        .bold_line_style(GRID)
        .light_line_style(TRANSPARENT)
        .draw()?;

    let value_style = font(12).color(&REFERENCE);
    for (i, (regime, row)) in chart.regimes.iter().zip(&panel.rows).enumerate() {
        let y = row_y(i);
        let colour = regime_colour(regime.colour);
        let bar = match row {
            Ok(bar) => bar,
            Err(no_bar) => {
                ctx.draw_series(std::iter::once(Text::new(
                    no_bar.text(),
                    (panel.x_min + span * 0.02, y),
                    anchored(font(13).color(&MUTED), HPos::Left, VPos::Center),
                )))?;
                continue;
            }
        };
        if let Some((lo, hi)) = bar.spread {
            ctx.draw_series(std::iter::once(Rectangle::new(
                [(lo, y - BAR_HALF), (hi, y + BAR_HALF)],
                colour.mix(0.3).filled(),
            )))?;
        }
        common::draw_mark(
            &ctx.plotting_area().use_screen_coord(),
            regime_mark(regime.colour),
            ctx.backend_coord(&(bar.mean, y)),
            colour,
            common::MARK_PX,
        )?;
        // The interval goes over the dot so that a narrow one still shows.
        if let Some((lo, hi)) = bar.ci {
            let style = REFERENCE.stroke_width(2);
            ctx.draw_series([
                PathElement::new(vec![(lo, y), (hi, y)], style),
                PathElement::new(vec![(lo, y - CAP_HALF), (lo, y + CAP_HALF)], style),
                PathElement::new(vec![(hi, y - CAP_HALF), (hi, y + CAP_HALF)], style),
            ])?;
        }
        // Value above the mean, kept inside the plot near either end of the axis.
        let h = match (bar.mean - panel.x_min) / span {
            f if f < 0.12 => HPos::Left,
            f if f > 0.88 => HPos::Right,
            _ => HPos::Center,
        };
        ctx.draw_series(std::iter::once(Text::new(
            bar.label.clone(),
            (bar.mean, y + BAR_HALF + 0.04),
            anchored(value_style.clone(), h, VPos::Bottom),
        )))?;
    }
    if panel.all_zero {
        // Beside a regime marked "not applicable", "every regime" would say it is zero there too.
        let text = if panel.rows.iter().any(Result::is_err) {
            "zero in every replication of every regime it applies to"
        } else {
            "zero in every regime and replication"
        };
        ctx.draw_series(std::iter::once(Text::new(
            text,
            (panel.x_min + span * 0.5, (n as f64 - 1.0) / 2.0),
            anchored(font(14).color(&MUTED), HPos::Center, VPos::Center),
        )))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regimes_past_the_palette_are_told_apart_by_shape_in_the_legend() {
        let regimes = |n: usize| -> Vec<RegimeRef> {
            (0..n)
                .map(|colour| RegimeRef {
                    name: format!("r{colour}"),
                    colour,
                })
                .collect()
        };
        let nine = mean_legend(&regimes(9));
        assert_eq!(nine.label, "mean (regime colour)");
        assert!(matches!(&nine.swatch, Swatch::Marks(_, m) if *m == [Mark::Circle]));
        // 18 regimes: slots 12 to 17 repeat the first six colours, as squares.
        let eighteen = mean_legend(&regimes(18));
        assert_eq!(eighteen.label, "mean (regime colour and shape)");
        assert!(
            matches!(&eighteen.swatch, Swatch::Marks(_, m) if *m == [Mark::Circle, Mark::Square])
        );
        assert_eq!(regime_colour(13), regime_colour(1));
        assert_ne!(regime_mark(13), regime_mark(1));
    }
}
