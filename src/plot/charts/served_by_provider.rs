//! Chart 1: compute served over time, stacked by provider, one panel per regime on a shared
//! y scale, with mean demand as a dashed line.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::common::{
    self, DrawResult, LegendItem, NotePlace, Obstacle, REFERENCE, Swatch, provider_legend,
};
use crate::plot::prepare::ServedChart;
use crate::plot::provider_colour;
use crate::plot::units::Unit;

/// Draws the served-by-provider chart on `root`.
pub fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, chart: &ServedChart) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let mut legend = provider_legend(&chart.provider_names);
    if chart.panels.iter().any(|p| p.demand.is_some()) {
        legend.push(LegendItem::new("demand (mean)", Swatch::Dashed(REFERENCE)));
    }
    let body = common::header(root, &chart.header, &legend)?;
    let y_desc = format!("served, {}", chart.unit.label());
    for (area, panel) in common::panels(&body, chart.panels.len())
        .iter()
        .zip(&chart.panels)
    {
        let mut ctx = common::time_panel(area, &panel.regime, &chart.axis, chart.y_max, &y_desc)?;
        let zero = chart.axis.monthly_points(&vec![0.0; chart.axis.mid.len()]);
        let mut lower = zero;
        for (p, top) in panel.tops.iter().enumerate() {
            let upper = chart.axis.monthly_points(top);
            // A provider that serves nothing here has no layer: drawn, its outline would
            // show as a line of its colour along the one below.
            if upper != lower {
                ctx.draw_series(std::iter::once(Polygon::new(
                    common::between(&upper, &lower),
                    provider_colour(p).mix(0.9).filled(),
                )))?;
            }
            lower = upper;
        }
        // A thin white line between layers keeps adjacent colours apart.
        for top in panel.tops.iter().take(panel.tops.len().saturating_sub(1)) {
            ctx.draw_series(LineSeries::new(
                chart.axis.monthly_points(top),
                WHITE.stroke_width(1),
            ))?;
        }
        let demand_pieces: Vec<Vec<(f64, f64)>> = (panel.demand.iter())
            .flat_map(|d| common::below_ceiling(&chart.axis.monthly_points(d), chart.y_max))
            .collect();
        for piece in &demand_pieces {
            ctx.draw_series(DashedLineSeries::new(
                piece.iter().copied(),
                6,
                4,
                REFERENCE.stroke_width(2),
            ))?;
        }
        // In a top corner clear of the demand line and the stack: in the middle, "no compute
        // served" sat on the line; always top-left, a demand that runs off the top early
        // crossed it.
        let mut lines: Vec<String> = Vec::new();
        if panel
            .tops
            .last()
            .is_none_or(|t| t.iter().all(|v| *v <= 0.0))
        {
            lines.push("no compute served".to_string());
        }
        if let Some(peak) = panel.demand_peak {
            lines.push("demand off the scale,".to_string());
            lines.push(peak_note(peak, chart.unit));
        }
        if !lines.is_empty() {
            let stack_top = (panel.tops.last()).map(|t| chart.axis.monthly_points(t));
            let obstacles: Vec<Obstacle> = (demand_pieces.iter())
                .map(|p| Obstacle::Line(p))
                .chain(stack_top.as_deref().map(Obstacle::Under))
                .collect();
            let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
            common::note(&mut ctx, &lines, NotePlace::TopCorner(&obstacles))?;
        }
    }
    Ok(())
}

/// The note's second line for demand off the scale: its peak as the axes write numbers, with
/// thousands separated and decimals kept for small values ("up to 23,285,011 MW", "up to
/// 2.50 GW"; not "23285011 MW" nor a 2.5 GW peak rounded to "2 GW").
fn peak_note(peak: f64, unit: Unit) -> String {
    format!("up to {}", unit.write(peak))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_off_scale_peak_reads_as_the_axes_do() {
        assert_eq!(peak_note(23_285_011.4, Unit::Mw), "up to 23,285,011 MW");
        assert_eq!(peak_note(2.5, Unit::Gw), "up to 2.50 GW");
        assert_eq!(peak_note(45.26, Unit::Gw), "up to 45.3 GW");
    }
}
