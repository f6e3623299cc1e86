//! Chart 2: cumulative spend with the incumbent, Azure in the default data (mean and 5th-95th
//! percentile band), against its commitment amount and deadline, one panel per regime on a
//! shared y scale.

use std::ops::Range;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::common::{
    self, Block, DrawResult, LegendItem, MUTED, Obstacle, REFERENCE, Swatch, anchored, band, font,
};
use crate::plot::prepare::CommitmentChart;
use crate::plot::regime_colour;

/// Colour of the commitment amount and deadline lines: apart from every regime colour.
const COMMITMENT: RGBColor = RGBColor(0xB0, 0x1E, 0x1E);
/// Size of the labels inside the panels, in pixels.
const LABEL_PX: u32 = 13;
/// Neutral colour for legend swatches of series drawn in each regime's colour.
const NEUTRAL: RGBColor = RGBColor(0x70, 0x70, 0x70);

/// Draws the incumbent's commitment chart on `root`.
pub fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &CommitmentChart,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let name = &chart.incumbent;
    let mut legend = vec![
        LegendItem::new(
            format!("mean cumulative spend with {name} (regime colour)"),
            Swatch::Line(NEUTRAL),
        ),
        LegendItem::new("5th-95th percentile", Swatch::Band(NEUTRAL)),
    ];
    let marks = || chart.panels.iter().flat_map(|p| &p.commitments);
    if marks().next().is_some() {
        legend.push(LegendItem::new(
            format!("commitment to {name}: amount and deadline"),
            Swatch::Dashed(COMMITMENT),
        ));
    }
    if marks().any(|m| !m.counted.is_empty()) {
        legend.push(LegendItem::new(
            format!("mean spend counted towards the commitment to {name}"),
            Swatch::Line(COMMITMENT),
        ));
    }
    let body = common::header(root, &chart.header, &legend)?;
    let axis = &chart.axis;
    let span = axis.end - axis.start;
    let y_max = chart.y_max;
    // Without the incumbent's name, which the title gives: a long one would not fit the axis.
    let y_desc = format!("cumulative spend, {}", chart.unit.label());
    for (area, panel) in common::panels(&body, chart.panels.len())
        .iter()
        .zip(&chart.panels)
    {
        let colour = regime_colour(panel.regime.colour);
        let mut ctx = common::time_panel(area, &panel.regime, axis, y_max, &y_desc)?;
        let (p05, p95) = (
            axis.running_points(&panel.p05),
            axis.running_points(&panel.p95),
        );
        ctx.draw_series(std::iter::once(Polygon::new(
            common::between(&p95, &p05),
            band(colour),
        )))?;
        ctx.draw_series(LineSeries::new(
            axis.running_points(&panel.mean),
            colour.stroke_width(3),
        ))?;

        let label_style = font(LABEL_PX).color(&COMMITMENT);
        // A label's height in y units: LABEL_PX pixels of the plotting area's height.
        let text_height =
            f64::from(LABEL_PX) * y_max / f64::from(ctx.plotting_area().dim_in_pixel().1.max(1));
        let mut notes: Vec<String> = Vec::new();
        let mean = axis.running_points(&panel.mean);
        for mark in &panel.commitments {
            // Under the dot that ends it, over the regime's line and band: the burn-down runs
            // under the line of all spend, close to it where most spend counts.
            ctx.draw_series(LineSeries::new(
                mark.counted.iter().copied(),
                COMMITMENT.stroke_width(2),
            ))?;
            ctx.draw_series(DashedLineSeries::new(
                [(axis.start, mark.amount), (axis.end, mark.amount)],
                8,
                5,
                COMMITMENT.stroke_width(2),
            ))?;
            let in_period = (axis.start..=axis.end).contains(&mark.deadline_x);
            // A deadline near the left edge would cross the amount's label: start it right of
            // the deadline instead.
            let near_left = in_period && mark.deadline_x <= axis.start + span * 0.25;
            let amount_x = if near_left {
                mark.deadline_x + span * 0.012
            } else {
                axis.start + span * 0.015
            };
            let amount_text = format!("commitment {}", chart.unit.format(mark.amount_usd));
            let text_width = f64::from(
                (ctx.plotting_area())
                    .estimate_text_size(&amount_text, &label_style)?
                    .0,
            ) * span
                / f64::from(ctx.plotting_area().dim_in_pixel().0.max(1));
            // Clear of the deadline's dashes by a few pixels.
            let right_x = if in_period && !near_left {
                mark.deadline_x - span * 0.025
            } else {
                axis.end - span * 0.015
            };
            let place = amount_label_place(
                &[&mean, &mark.counted],
                mark.amount,
                amount_x..right_x,
                (text_width, text_height),
                y_max,
            );
            ctx.draw_series(std::iter::once(Text::new(
                amount_text,
                (place.x, place.y),
                place.anchor(label_style.clone()),
            )))?;
            let deadline = mark.deadline.to_string();
            if in_period {
                ctx.draw_series(DashedLineSeries::new(
                    [(mark.deadline_x, 0.0), (mark.deadline_x, y_max)],
                    8,
                    5,
                    COMMITMENT.stroke_width(2),
                ))?;
                // Label inside the plot, on whichever side of the line has room; at the top,
                // unless the label of the spend counted needs the top (below).
                let (h, dx) = if mark.deadline_x > axis.start + span * 0.35 {
                    (HPos::Right, -span * 0.008)
                } else {
                    (HPos::Left, span * 0.008)
                };
                let mut deadline_at = (y_max * 0.97, VPos::Top);
                if let Some(spent_usd) = mark.counted_usd {
                    let spent = chart.unit.apply(spent_usd);
                    ctx.draw_series([
                        Circle::new((mark.deadline_x, spent), 6, colour.filled()),
                        Circle::new((mark.deadline_x, spent), 6, REFERENCE.stroke_width(1)),
                    ])?;
                    // Where the cumulative line, which only rises, leaves room: left of the
                    // deadline, above the dot and the line, under the amount line if it fits,
                    // else a row above the amount line's own label (below the dot, the line
                    // would run through the text wherever it rises slowly); right of the
                    // deadline and below the dot when the deadline is near the left edge, or,
                    // with no room below a dot near the bottom (the label would run into the
                    // axis labels), above it and above the amount's label, which starts right
                    // of such a deadline too.
                    let gap = y_max * 0.02;
                    let (x, h, y, v) = if near_left && spent - gap - text_height >= 0.0 {
                        (
                            mark.deadline_x + span * 0.012,
                            HPos::Left,
                            spent - gap,
                            VPos::Top,
                        )
                    } else if near_left {
                        let amount_label_top = mark.amount + y_max * 0.012 + text_height;
                        let base = if amount_label_top + gap >= spent - gap {
                            spent.max(amount_label_top)
                        } else {
                            spent
                        };
                        (
                            mark.deadline_x + span * 0.012,
                            HPos::Left,
                            base + gap,
                            VPos::Bottom,
                        )
                    } else {
                        // Above the line's end too: all spend with the incumbent, it ends above the dot.
                        let line_end = (mean.iter().copied())
                            .take_while(|&(x, _)| x <= mark.deadline_x)
                            .last()
                            .map_or(spent, |(_, y)| y.max(spent));
                        let fits_under_amount = line_end + 2.0 * gap + text_height <= mark.amount;
                        // A line that ends just above the amount would put the label on the
                        // amount's own label: above that label then too.
                        let base = if fits_under_amount {
                            line_end
                        } else {
                            line_end.max(mark.amount + gap + text_height)
                        };
                        (
                            mark.deadline_x - span * 0.012,
                            HPos::Right,
                            base + gap,
                            VPos::Bottom,
                        )
                    };
                    // Where the label reaches the deadline's label (a line ending near the
                    // top of the scale, on the same side of the deadline), the deadline's label
                    // goes to the bottom of the plot, under the rising line.
                    let top = match v {
                        VPos::Bottom => y + text_height,
                        _ => y,
                    };
                    let same_side = !near_left && mark.deadline_x > axis.start + span * 0.35;
                    if same_side && top + gap >= y_max * 0.97 - text_height {
                        deadline_at = (y_max * 0.03, VPos::Bottom);
                    }
                    ctx.draw_series(std::iter::once(Text::new(
                        match mark.shortfall_usd {
                            Some(short) if short > 0.0 => format!(
                                "{} counted, {} short (means)",
                                chart.unit.format(spent_usd),
                                chart.unit.format(short)
                            ),
                            _ => format!("{} counted (mean)", chart.unit.format(spent_usd)),
                        },
                        (x, y),
                        anchored(font(LABEL_PX).color(&REFERENCE), h, v),
                    )))?;
                }
                ctx.draw_series(std::iter::once(Text::new(
                    format!("deadline {deadline}"),
                    (mark.deadline_x + dx, deadline_at.0),
                    anchored(label_style.clone(), h, deadline_at.1),
                )))?;
            } else if mark.deadline_x > axis.end {
                notes.push(format!("deadline {deadline} is after the simulated period"));
            } else {
                notes.push(format!(
                    "deadline {deadline} is before the simulated period"
                ));
            }
        }
        if panel.commitments.is_empty() {
            notes.push(format!("no commitment to {name} in this regime"));
        }
        for (i, text) in notes.iter().enumerate() {
            ctx.draw_series(std::iter::once(Text::new(
                text.clone(),
                (axis.start + span * 0.015, y_max * (0.96 - 0.07 * i as f64)),
                anchored(font(LABEL_PX).color(&MUTED), HPos::Left, VPos::Top),
            )))?;
        }
    }
    Ok(())
}

/// Where a label goes: its anchor point, and which corner of the text sits on it.
#[derive(Debug, Clone, Copy, PartialEq)]
struct LabelPlace {
    x: f64,
    y: f64,
    /// The text ends at `x` (else it starts there).
    right: bool,
    /// The text hangs from `y` (else it stands on it).
    below: bool,
}

impl LabelPlace {
    /// Returns the text style anchored at this place.
    fn anchor(self, style: TextStyle<'static>) -> TextStyle<'static> {
        anchored(
            style,
            if self.right { HPos::Right } else { HPos::Left },
            if self.below { VPos::Top } else { VPos::Bottom },
        )
    }
}

/// Places the commitment amount's label by its dashed line, clear of the mean spend lines
/// (all spend, and the burn-down): above it at the left (where the lines, which only rise, are
/// usually still low), else below it at the left, else below or above it at the right end of
/// `x` (left and right anchors). Over a horizon of a few months spend rises about evenly, so
/// the line crosses the amount under a label at the left; it always sat there. `size` is the
/// text's (width, height) and every value in the chart's units; if no place inside the plot is
/// clear, the first inside.
fn amount_label_place(
    lines: &[&[(f64, f64)]],
    amount: f64,
    x: Range<f64>,
    size: (f64, f64),
    y_max: f64,
) -> LabelPlace {
    let (width, height) = size;
    let gap = y_max * 0.012;
    let above = amount + gap..amount + gap + height;
    let below = amount - gap - height..amount - gap;
    let left = x.start..x.start + width;
    let right = x.end - width..x.end;
    let block = |x: &Range<f64>, y: &Range<f64>| Block {
        x: x.clone(),
        y: y.clone(),
    };
    // (room taken, right-aligned, below the line), inside the plot only: neither into the
    // axis labels below nor past the top.
    let places: Vec<(Block, bool, bool)> = [
        (block(&left, &above), false, false),
        (block(&left, &below), false, true),
        (block(&right, &below), true, true),
        (block(&right, &above), true, false),
    ]
    .into_iter()
    .filter(|(b, ..)| b.y.start >= 0.0 && b.y.end <= y_max)
    .collect();
    let blocks: Vec<Block> = places.iter().map(|(b, ..)| b.clone()).collect();
    let obstacles: Vec<Obstacle> = lines.iter().map(|l| Obstacle::Line(l)).collect();
    let chosen = common::first_clear(&blocks, &obstacles)
        .or((!places.is_empty()).then_some(0))
        .map(|i| places[i].clone());
    // Too tall for the plot: where it always went.
    let (b, right, below) = chosen.unwrap_or((block(&left, &above), false, false));
    LabelPlace {
        x: if right { b.x.end } else { b.x.start },
        y: if below { b.y.end } else { b.y.start },
        right,
        below,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_amount_label_moves_off_a_mean_line_that_crosses_it() {
        // A 2-month horizon with a $0.3B commitment: spend rises evenly from 0 to 1.3 ($B) over
        // x in 0..2, crossing 0.3 at x ≈ 0.46, under a label 0.8 wide at the left. Above and
        // below it at the left are taken; below it at the right (x 1.2..2), the line is at
        // 0.78 and more.
        let mean = [(0.0, 0.0), (1.0, 0.7), (2.0, 1.3)];
        let place = amount_label_place(&[&mean], 0.3, 0.0..2.0, (0.8, 0.1), 2.0);
        assert!(place.right && place.below, "{place:?}");
        assert_eq!(place.x, 2.0);
        assert!((place.y - (0.3 - 0.024)).abs() < 1e-12, "{place:?}");
        // The default horizon: spend grows, crossing $250B late; the label stays top-left.
        let mean = [(0.0, 0.0), (4.0, 60.0), (6.0, 200.0), (8.0, 380.0)];
        let place = amount_label_place(&[&mean], 250.0, 0.0..8.0, (2.0, 40.0), 1000.0);
        assert!(!place.right && !place.below && place.x == 0.0, "{place:?}");
        // A commitment near the bottom with the line above it at the left: below the amount
        // line would run into the axis, so above it at the right, where the line has passed.
        let mean = [(0.0, 0.0), (0.1, 0.2), (2.0, 1.9)];
        let place = amount_label_place(&[&mean], 0.05, 0.0..2.0, (0.8, 0.1), 2.0);
        assert!(place.right && !place.below, "{place:?}");
    }
}
