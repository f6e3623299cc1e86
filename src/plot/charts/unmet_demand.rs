//! Chart 3: the share of demand unmet over time as a fan chart (median line, 5th-95th
//! percentile band, dashed mean), one panel per regime on a shared percent scale.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::common::{self, DrawResult, LegendItem, NotePlace, Swatch, band};
use crate::plot::prepare::FanChart;
use crate::plot::regime_colour;

/// Neutral colour for legend swatches of series drawn in each regime's colour.
const NEUTRAL: RGBColor = RGBColor(0x70, 0x70, 0x70);

/// Draws the unmet demand chart on `root`.
pub fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, chart: &FanChart) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let legend = [
        LegendItem::new("median (regime colour)", Swatch::Line(NEUTRAL)),
        LegendItem::new("5th-95th percentile", Swatch::Band(NEUTRAL)),
        LegendItem::new("mean", Swatch::Dashed(NEUTRAL)),
    ];
    let body = common::header(root, &chart.header, &legend)?;
    let axis = &chart.axis;
    let y_desc = "unmet, % of demand";
    for (area, panel) in common::panels(&body, chart.panels.len())
        .iter()
        .zip(&chart.panels)
    {
        let colour = regime_colour(panel.regime.colour);
        let mut ctx = common::time_panel(area, &panel.regime, axis, chart.y_max, y_desc)?;
        let (p05, p95) = (
            axis.monthly_points(&panel.p05),
            axis.monthly_points(&panel.p95),
        );
        ctx.draw_series(std::iter::once(Polygon::new(
            common::between(&p95, &p05),
            band(colour),
        )))?;
        ctx.draw_series(LineSeries::new(
            axis.monthly_points(&panel.p50),
            colour.stroke_width(3),
        ))?;
        ctx.draw_series(DashedLineSeries::new(
            axis.monthly_points(&panel.mean),
            5,
            4,
            colour.stroke_width(2),
        ))?;
        if panel.all_zero {
            common::note(
                &mut ctx,
                &["no unmet demand in any replication"],
                NotePlace::Centre,
            )?;
        }
    }
    Ok(())
}
