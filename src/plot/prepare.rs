//! Chart-ready data computed from the validated inputs: stacks, bands, annual sums, comparison
//! rows, units and axis ranges. Pure functions of `Inputs`; nothing here knows plotters.

use chrono::{Datelike, NaiveDate};

use super::data::{
    BurnDown, Commitment, Inputs, Metric, Month, ProviderKey, Stat, TimeSeries, date_year_frac,
};
use super::units::{Ticks, Unit, X_INTERVALS, Y_INTERVALS, replications_per_regime};

/// A chart's title and the line under it.
#[derive(Clone, Debug, PartialEq)]
pub struct Header {
    /// What is shown, with the number of replications.
    pub title: String,
    /// How to read it.
    pub subtitle: String,
}

/// A regime as it appears in the charts: name and colour index (from its name).
#[derive(Clone, Debug, PartialEq)]
pub struct RegimeRef {
    /// Regime name.
    pub name: String,
    /// Index into the regime palette, from its name (see `colour_slots`).
    pub colour: usize,
}

/// The time axis shared by every panel of a time chart, in fractional years.
#[derive(Clone, Debug, PartialEq)]
pub struct TimeAxis {
    /// Start of the first month.
    pub start: f64,
    /// End of the last month.
    pub end: f64,
    /// Middle of each month: where monthly means are drawn.
    pub mid: Vec<f64>,
    /// End of each month: where running totals are drawn.
    pub month_end: Vec<f64>,
}

impl TimeAxis {
    fn new(ts: &TimeSeries) -> TimeAxis {
        let months: Vec<Month> = ts.months().collect();
        TimeAxis {
            start: ts.first_month.start_year_frac(),
            end: ts.first_month.plus(ts.n_months).start_year_frac(),
            mid: months
                .iter()
                .map(|m| m.start_year_frac() + 1.0 / 24.0)
                .collect(),
            month_end: months.iter().map(|m| m.end_year_frac()).collect(),
        }
    }

    /// Returns points for a monthly mean series: one per month at its middle, with the first
    /// and last values held out to the axis ends so that areas span the whole period.
    pub fn monthly_points(&self, values: &[f64]) -> Vec<(f64, f64)> {
        let mut points = Vec::with_capacity(values.len() + 2);
        if let (Some(&first), Some(&last)) = (values.first(), values.last()) {
            points.push((self.start, first));
            points.extend(self.mid.iter().copied().zip(values.iter().copied()));
            points.push((self.end, last));
        }
        points
    }

    /// Returns points for a running total: zero at the start, then each month's end.
    pub fn running_points(&self, values: &[f64]) -> Vec<(f64, f64)> {
        std::iter::once((self.start, 0.0))
            .chain(self.month_end.iter().copied().zip(values.iter().copied()))
            .collect()
    }
}

/// Chart 1: compute served, stacked by provider, one panel per regime.
#[derive(Clone, Debug, PartialEq)]
pub struct ServedChart {
    /// Title and subtitle.
    pub header: Header,
    /// Common time axis.
    pub axis: TimeAxis,
    /// GW or MW.
    pub unit: Unit,
    /// Providers' names (or ids) in stacking (bottom first) and colour order.
    pub provider_names: Vec<String>,
    /// One panel per regime.
    pub panels: Vec<ServedPanel>,
    /// Top of the shared y axis, in `unit`.
    pub y_max: f64,
}

/// One regime's stack.
#[derive(Clone, Debug, PartialEq)]
pub struct ServedPanel {
    /// The regime.
    pub regime: RegimeRef,
    /// Per provider (stack order), the top of its layer each month, in the chart's unit.
    pub tops: Vec<Vec<f64>>,
    /// Mean demand each month, in the chart's unit, when the file has it (it may run off the
    /// chart's range; see `demand_peak`).
    pub demand: Option<Vec<f64>>,
    /// Demand's peak, in the chart's unit, when it runs off the shared scale.
    pub demand_peak: Option<f64>,
}

/// Chart 2: cumulative spend with the incumbent (Azure) against its commitments, one panel per
/// regime.
#[derive(Clone, Debug, PartialEq)]
pub struct CommitmentChart {
    /// Title and subtitle.
    pub header: Header,
    /// The incumbent's name, for the legend and notes.
    pub incumbent: String,
    /// Common time axis.
    pub axis: TimeAxis,
    /// $B (or $M, $K or $ for small amounts).
    pub unit: Unit,
    /// One panel per regime.
    pub panels: Vec<CommitmentPanel>,
    /// Top of the shared y axis, in `unit`.
    pub y_max: f64,
}

/// One regime's cumulative spend with the incumbent and its commitments to the incumbent.
#[derive(Clone, Debug, PartialEq)]
pub struct CommitmentPanel {
    /// The regime.
    pub regime: RegimeRef,
    /// Mean cumulative spend at the end of each month, in the chart's unit.
    pub mean: Vec<f64>,
    /// 5th percentile of cumulative spend at the end of each month.
    pub p05: Vec<f64>,
    /// 95th percentile of cumulative spend at the end of each month.
    pub p95: Vec<f64>,
    /// This regime's commitments held by the incumbent.
    pub commitments: Vec<CommitmentMark>,
}

/// A commitment as drawn: amount line and deadline line.
#[derive(Clone, Debug, PartialEq)]
pub struct CommitmentMark {
    /// Amount, in the chart's unit.
    pub amount: f64,
    /// Amount in USD, for the label.
    pub amount_usd: f64,
    /// Deadline day.
    pub deadline: NaiveDate,
    /// Deadline as a fractional year (the start of that day).
    pub deadline_x: f64,
    /// Mean spend that counted towards the commitment (its window only, take-or-pay left
    /// out), USD, from compare.csv; `None` when the deadline is outside the period.
    pub counted_usd: Option<f64>,
    /// Mean shortfall at the deadline, USD, from compare.csv.
    pub shortfall_usd: Option<f64>,
    /// Mean spend counted towards it so far, from burndown.csv, as points (fractional year,
    /// chart's unit) placed as `TimeAxis::running_points` places a running total: zero where
    /// spend starts counting, then each month's end, the last cut at the deadline, where it
    /// meets the dot of `counted_usd`. Empty without burndown.csv.
    pub counted: Vec<(f64, f64)>,
}

/// Chart 3: a fan chart of the share of demand unmet, one panel per regime.
#[derive(Clone, Debug, PartialEq)]
pub struct FanChart {
    /// Title and subtitle.
    pub header: Header,
    /// Common time axis.
    pub axis: TimeAxis,
    /// One panel per regime, in percent of demand.
    pub panels: Vec<FanPanel>,
    /// Top of the shared y axis, percent (1 when everything is zero, 100 at most).
    pub y_max: f64,
}

/// One regime's fan: monthly statistics in percent of demand.
#[derive(Clone, Debug, PartialEq)]
pub struct FanPanel {
    /// The regime.
    pub regime: RegimeRef,
    /// Mean across replications.
    pub mean: Vec<f64>,
    /// 5th percentile.
    pub p05: Vec<f64>,
    /// Median.
    pub p50: Vec<f64>,
    /// 95th percentile.
    pub p95: Vec<f64>,
    /// Whether no replication had any unmet demand in any month.
    pub all_zero: bool,
}

/// Chart 4: regimes compared on summary metrics, one panel per metric.
#[derive(Clone, Debug, PartialEq)]
pub struct ComparisonChart {
    /// Title and subtitle.
    pub header: Header,
    /// Regimes, one row each, top to bottom.
    pub regimes: Vec<RegimeRef>,
    /// The baseline regime's name, if study.csv gives one.
    pub baseline: Option<String>,
    /// One panel per metric.
    pub panels: Vec<ComparisonPanel>,
}

/// One metric across regimes.
#[derive(Clone, Debug, PartialEq)]
pub struct ComparisonPanel {
    /// Panel title, with unit.
    pub title: String,
    /// Unit of the values.
    pub unit: Unit,
    /// One entry per regime (same order as `ComparisonChart::regimes`), or why it has no bar.
    pub rows: Vec<Result<ComparisonBar, NoBar>>,
    /// Left end of the value axis.
    pub x_min: f64,
    /// Right end of the value axis.
    pub x_max: f64,
    /// Whether every value of every regime is zero (e.g. no commitment shortfall anywhere).
    pub all_zero: bool,
}

impl ComparisonPanel {
    /// Whether some regime has a value away from zero: a panel without one (not applicable
    /// anywhere, or zero wherever it applies) has no scale, and a 0..1 axis with a unit would
    /// imply data, so it gets neither axis ticks nor a unit.
    pub fn has_scale(&self) -> bool {
        !self.all_zero && self.rows.iter().any(Result::is_ok)
    }
}

/// Why a regime has no bar for a metric.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum NoBar {
    /// The metric applied in none of the regime's replications (compare.csv's `n` is 0 and its
    /// note says why), such as a commitment shortfall where there is no commitment.
    NotApplicable,
    /// compare.csv has no mean for it.
    NoValue,
}

impl NoBar {
    /// What the chart writes in the bar's place.
    pub fn text(self) -> &'static str {
        match self {
            NoBar::NotApplicable => "not applicable in this regime",
            NoBar::NoValue => "n/a: no value in compare.csv",
        }
    }
}

/// One regime's statistics for one metric, in the panel's unit.
#[derive(Clone, Debug, PartialEq)]
pub struct ComparisonBar {
    /// Mean across replications.
    pub mean: f64,
    /// 95% confidence interval of the mean, when defined, cut to what the quantity can be
    /// (0 and up; at most 100% for a share).
    pub ci: Option<(f64, f64)>,
    /// 5th to 95th percentile across replications, when defined.
    pub spread: Option<(f64, f64)>,
    /// The mean written with its unit.
    pub label: String,
}

/// Chart 5: annual spend stacked by provider, one panel per regime.
#[derive(Clone, Debug, PartialEq)]
pub struct AnnualChart {
    /// Title and subtitle.
    pub header: Header,
    /// $B (or $M, $K or $ for small amounts).
    pub unit: Unit,
    /// Calendar years covered, ascending.
    pub years: Vec<i32>,
    /// Months of each year inside the simulated period (12 for a full year).
    pub months_covered: Vec<u32>,
    /// Providers' names (or ids) in stacking and colour order.
    pub provider_names: Vec<String>,
    /// One panel per regime.
    pub panels: Vec<AnnualPanel>,
    /// Top of the shared y axis, in `unit`.
    pub y_max: f64,
    /// Whether any bar has a take-or-pay part.
    pub any_take_or_pay: bool,
}

/// One regime's annual stacks.
#[derive(Clone, Debug, PartialEq)]
pub struct AnnualPanel {
    /// The regime.
    pub regime: RegimeRef,
    /// Per provider (stack order), the top of its segment each year, in the chart's unit.
    pub tops: Vec<Vec<f64>>,
    /// Per provider, the part of its segment each year that is take-or-pay payments for
    /// capacity not used (drawn at the segment's top), in the chart's unit.
    pub take_or_pay: Vec<Vec<f64>>,
}

/// Every chart's data.
#[derive(Clone, Debug, PartialEq)]
pub struct Prepared {
    /// Chart 1.
    pub served: ServedChart,
    /// Chart 2.
    pub commitment: CommitmentChart,
    /// Chart 3.
    pub unmet: FanChart,
    /// Chart 4.
    pub comparison: ComparisonChart,
    /// Chart 5.
    pub annual: AnnualChart,
}

/// Computes every chart's data from the inputs.
pub fn prepare(inputs: &Inputs) -> Prepared {
    Prepared {
        served: served(inputs),
        commitment: commitment(inputs),
        unmet: unmet(inputs),
        comparison: comparison(inputs),
        annual: annual(inputs),
    }
}

/// Returns the regimes of the study: the scenario's order as in timeseries.csv, then any regime
/// only compare.csv names; each with its colour.
pub fn regimes(inputs: &Inputs) -> Vec<RegimeRef> {
    let mut names: Vec<&str> = inputs
        .timeseries
        .regimes
        .iter()
        .map(String::as_str)
        .collect();
    for r in inputs.compare.regimes() {
        if !names.contains(&r) {
            names.push(r);
        }
    }
    let colours = colour_slots(&names, super::REGIME_PALETTE.len());
    names
        .into_iter()
        .zip(colours)
        .map(|(n, colour)| RegimeRef {
            name: n.to_string(),
            colour,
        })
        .collect()
}

/// Returns a palette slot for each name, from a hash of the name, so that a regime has the same
/// colour in every scenario and in any order: where names share a slot, each after the first in
/// alphabetical order takes the next free one, so up to `slots` regimes have distinct colours.
/// Past that, slots go on in rounds of `slots` (the colour is the slot modulo `slots`, the mark
/// shape its round), so no two regimes get the same slot.
fn colour_slots(names: &[&str], slots: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..names.len()).collect();
    order.sort_by_key(|&i| names[i]);
    let mut taken = vec![false; names.len().max(slots).next_multiple_of(slots)];
    let mut colours = vec![0; names.len()];
    for i in order {
        // FNV-1a, 64 bits: stable across Rust versions, as std's hasher is not promised to be.
        let hash = (names[i].bytes()).fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
        let hashed = (hash % slots as u64) as usize;
        // Round by round, from the hashed colour on; there are at least as many slots as names.
        let slot = (0..taken.len())
            .map(|k| k / slots * slots + (hashed + k) % slots)
            .find(|&s| !taken[s])
            .expect("a free slot for every name");
        taken[slot] = true;
        colours[i] = slot;
    }
    colours
}

/// Returns a note for subtitles where so few replications leave the percentiles drawn far from
/// what the words promise: a percentile is the value of rank ⌊q·(n − 1)⌋ from the lowest, so
/// with one replication there is no spread, with two every percentile (the median too) is the
/// lower value and the band has no width, and up to 20 the 5th is the lowest value and the
/// 95th the second-highest.
fn few_note(inputs: &Inputs) -> String {
    match inputs.study.replications {
        1 => " (one replication: none to draw)".to_string(),
        2 => " (2 replications: every percentile, the median too, is the lower value)".to_string(),
        n @ 3..=20 => {
            format!(" ({n} replications: the 5th is the lowest value, the 95th the second-highest)")
        }
        _ => String::new(),
    }
}

/// Rounds up to a "nice" axis end on which the ticks of an axis from 0 with at most
/// `intervals` intervals land, so the axis ends on a labelled value and wastes little room
/// (285 ends at 300, not 400); 1 for zero or less.
pub fn nice_ceiling(v: f64, intervals: usize) -> f64 {
    if !v.is_finite() || v <= 0.0 {
        return 1.0;
    }
    let magnitude = 10f64.powf(v.log10().floor());
    [
        1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 5.0, 6.0, 7.0, 8.0, 10.0,
    ]
    .iter()
    .map(|m| m * magnitude)
    .filter(|&c| c >= v * (1.0 - 1e-12))
    .find(|&c| {
        let ticks = Ticks::new(0.0, c, intervals).values;
        ticks
            .last()
            .is_some_and(|&last| (last - c).abs() <= 1e-9 * c)
    })
    .unwrap_or(10.0 * magnitude)
}

fn max_of<'a>(values: impl IntoIterator<Item = &'a f64>) -> f64 {
    values
        .into_iter()
        .copied()
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max)
}

fn means(stats: &[Stat]) -> Vec<f64> {
    stats.iter().map(|s| s.mean).collect()
}

fn served(inputs: &Inputs) -> ServedChart {
    let ts = &inputs.timeseries;
    let regimes = regimes(inputs);
    // Stacks in MW first; the unit is chosen from the tallest stack of any regime.
    let mut panels: Vec<ServedPanel> = (0..ts.regimes.len())
        .map(|r| {
            let mut below = vec![0.0; ts.n_months];
            let tops = (0..ts.providers.len())
                .map(|p| {
                    let layer = ts.series(r, ProviderKey::One(p), Metric::ServedMw);
                    for (b, s) in below.iter_mut().zip(&layer) {
                        *b += s.mean.max(0.0);
                    }
                    below.clone()
                })
                .collect();
            let demand = ts
                .has(r, ProviderKey::All, Metric::DemandMw)
                .then(|| means(&ts.series(r, ProviderKey::All, Metric::DemandMw)));
            ServedPanel {
                regime: regimes[r].clone(),
                tops,
                demand,
                demand_peak: None,
            }
        })
        .collect();
    // The shared scale follows what is served; a demand far above it (a high-growth
    // counterfactual) would flatten every other panel, so demand counts up to twice the
    // largest served stack and runs off the top beyond, with its peak noted. A demand only a
    // little past that (within a quarter) is kept whole: cutting it would hide its peaks to
    // save little room.
    let served_mw = panels
        .iter()
        .flat_map(|p| p.tops.last().into_iter().flatten())
        .fold(0.0, |m: f64, v| m.max(*v));
    let demand_mw = panels
        .iter()
        .flat_map(|p| p.demand.iter().flatten())
        .fold(0.0, |m: f64, v| m.max(*v));
    let max_mw = if served_mw > 0.0 {
        let cap = 2.0 * served_mw;
        served_mw.max(if demand_mw <= 1.25 * cap {
            demand_mw
        } else {
            cap
        })
    } else {
        demand_mw
    };
    let unit = Unit::power(max_mw);
    let y_max = nice_ceiling(unit.apply(max_mw) * 1.03, Y_INTERVALS);
    for panel in &mut panels {
        for series in panel.tops.iter_mut().chain(panel.demand.iter_mut()) {
            series.iter_mut().for_each(|v| *v = unit.apply(*v));
        }
        panel.demand_peak = (panel.demand.as_ref())
            .map(|demand| demand.iter().fold(0.0, |m: f64, v| m.max(*v)))
            .filter(|&peak| peak > y_max);
    }
    let has_demand = panels.iter().any(|p| p.demand.is_some());
    ServedChart {
        header: Header {
            title: format!(
                "Compute served by provider (mean of {})",
                replications_per_regime(inputs.study.replications)
            ),
            subtitle: format!(
                "Scenario {}: monthly mean {} served, stacked by provider{}",
                inputs.study.scenario,
                unit.label(),
                if has_demand {
                    "; dashed line: mean demand"
                } else {
                    ""
                }
            ),
        },
        axis: TimeAxis::new(ts),
        unit,
        provider_names: (ts.providers.iter())
            .map(|id| inputs.study.provider_name(id).to_string())
            .collect(),
        panels,
        y_max,
    }
}

fn incumbent_commitments<'a>(
    inputs: &'a Inputs,
    regime: &'a str,
) -> impl Iterator<Item = &'a Commitment> {
    inputs
        .commitments
        .iter()
        .filter(move |c| c.regime == regime && c.holder == inputs.study.incumbent)
}

/// Returns the burn-down of `c` as points in `unit` (see `CommitmentMark::counted`), within
/// `axis`: zero at the commitment's start, held to its first counting month (a start before the
/// horizon counts from the horizon's start), then each month's end, cut at the deadline.
fn burndown_points(
    c: &Commitment,
    burndown: &BurnDown,
    axis: &TimeAxis,
    unit: Unit,
) -> Vec<(f64, f64)> {
    let Some(&(first, _)) = burndown.months.first() else {
        return Vec::new();
    };
    let deadline_x = date_year_frac(c.deadline);
    let start_x = date_year_frac(c.start).clamp(first.start_year_frac(), first.end_year_frac());
    let points: Vec<(f64, f64)> = std::iter::once((start_x, 0.0))
        .chain(
            (burndown.months.iter())
                .map(|&(m, usd)| (m.end_year_frac().min(deadline_x), unit.apply(usd))),
        )
        // Months timeseries.csv does not cover would be drawn outside the panel.
        .filter(|(x, _)| (axis.start..=axis.end).contains(x))
        .collect();
    // A point alone draws nothing, and the legend would show a line that is not there.
    if points.len() < 2 { Vec::new() } else { points }
}

fn commitment(inputs: &Inputs) -> CommitmentChart {
    let ts = &inputs.timeseries;
    let regimes = regimes(inputs);
    let incumbent = ts
        .providers
        .iter()
        .position(|p| *p == inputs.study.incumbent);
    let stats: Vec<Vec<Stat>> = (0..ts.regimes.len())
        .map(|r| match incumbent {
            Some(a) => ts.series(r, ProviderKey::One(a), Metric::CumulativeCostUsd),
            None => vec![Stat::default(); ts.n_months],
        })
        .collect();
    let max_usd = stats
        .iter()
        .flatten()
        .map(|s| s.p95.max(s.mean))
        .chain(
            ts.regimes
                .iter()
                .flat_map(|r| incumbent_commitments(inputs, r))
                .map(|c| c.amount_usd),
        )
        .chain(
            (inputs.burndown.iter())
                .filter(|b| b.holder == inputs.study.incumbent)
                .flat_map(|b| b.months.iter().map(|&(_, usd)| usd)),
        )
        .fold(0.0, f64::max);
    let unit = Unit::money(max_usd);
    let axis = TimeAxis::new(ts);
    let panels: Vec<CommitmentPanel> = stats
        .iter()
        .enumerate()
        .map(|(r, s)| CommitmentPanel {
            regime: regimes[r].clone(),
            mean: s.iter().map(|x| unit.apply(x.mean)).collect(),
            p05: s.iter().map(|x| unit.apply(x.p05)).collect(),
            p95: s.iter().map(|x| unit.apply(x.p95)).collect(),
            commitments: incumbent_commitments(inputs, &ts.regimes[r])
                .map(|c| {
                    let deadline_x = date_year_frac(c.deadline);
                    CommitmentMark {
                        amount: unit.apply(c.amount_usd),
                        amount_usd: c.amount_usd,
                        deadline: c.deadline,
                        deadline_x,
                        counted_usd: c
                            .counted_usd_mean
                            .filter(|_| (axis.start..=axis.end).contains(&deadline_x)),
                        shortfall_usd: c.shortfall_usd_mean,
                        counted: (inputs.burndown.iter())
                            .find(|b| b.of(c))
                            .map_or_else(Vec::new, |b| burndown_points(c, b, &axis, unit)),
                    }
                })
                .collect(),
        })
        .collect();
    let name = &inputs.study.incumbent_name;
    let marks: Vec<&CommitmentMark> = panels.iter().flat_map(|p| &p.commitments).collect();
    let any_dot = marks.iter().any(|m| m.counted_usd.is_some());
    let counted = if marks.iter().any(|m| !m.counted.is_empty()) {
        format!(
            "red line = spend counted towards it so far (its window, no take-or-pay){}",
            if any_dot {
                ", to the dot at the deadline"
            } else {
                ""
            }
        )
    } else if any_dot {
        // A folder written before burndown.csv: what counted is known at the deadline only.
        "dot = mean spend that counted towards it (its window, no take-or-pay)".to_string()
    } else {
        String::new()
    };
    CommitmentChart {
        header: Header {
            title: format!(
                "Cumulative spend with {name} against its commitment ({})",
                replications_per_regime(inputs.study.replications)
            ),
            subtitle: format!(
                "Scenario {}: line = mean, band = 5th-95th percentile across replications{}; {}",
                inputs.study.scenario,
                few_note(inputs),
                if !marks.is_empty() {
                    format!(
                        "line in the regime's colour: all spend with {name} from the start, \
                         take-or-pay included; dashed = commitment amount and deadline{}{counted}",
                        if counted.is_empty() { "" } else { "; " }
                    )
                } else {
                    format!("no regime has a commitment to {name}")
                }
            ),
        },
        incumbent: name.clone(),
        axis,
        unit,
        panels,
        y_max: nice_ceiling(unit.apply(max_usd) * 1.08, Y_INTERVALS),
    }
}

/// The share of demand unmet, every regime on one percent scale: demand grows tenfold over the
/// horizon, so in MW the shortfalls of the early years vanish under those of the last, where
/// as shares they compare across years and regimes alike.
fn unmet(inputs: &Inputs) -> FanChart {
    let ts = &inputs.timeseries;
    let regimes = regimes(inputs);
    let stats: Vec<Vec<Stat>> = (0..ts.regimes.len())
        .map(|r| ts.series(r, ProviderKey::All, Metric::UnmetShare))
        .collect();
    let unit = Unit::Percent;
    let highest = (stats.iter().flatten())
        .map(|x| x.p95.max(x.mean).max(x.p50))
        .fold(0.0, f64::max);
    let y_max = nice_ceiling(unit.apply(highest) * 1.05, Y_INTERVALS).min(100.0);
    let panels = stats
        .iter()
        .enumerate()
        .map(|(r, s)| {
            let col = |f: fn(&Stat) -> f64| s.iter().map(|x| unit.apply(f(x))).collect();
            FanPanel {
                regime: regimes[r].clone(),
                mean: col(|x| x.mean),
                p05: col(|x| x.p05),
                p50: col(|x| x.p50),
                p95: col(|x| x.p95),
                all_zero: s
                    .iter()
                    .all(|x| x.mean <= 0.0 && x.p95 <= 0.0 && x.p50 <= 0.0),
            }
        })
        .collect();
    FanChart {
        header: Header {
            title: format!(
                "Unmet demand ({})",
                replications_per_regime(inputs.study.replications)
            ),
            subtitle: format!(
                "Scenario {}: share of each month's demand not served (waiting for delivery, \
                 lost, or down in an outage); line = median, band = 5th-95th percentile across \
                 replications{}, dashed = mean",
                inputs.study.scenario,
                few_note(inputs)
            ),
        },
        axis: TimeAxis::new(ts),
        panels,
        y_max,
    }
}

/// The comparison chart's metrics (compare.csv names), one panel each.
const COMPARED: [&str; 4] = [
    "total_cost_usd",
    "azure_share",
    "unmet_mw_months",
    "commitment_shortfall_usd",
];

/// Returns the title of a main metric's panel, in the comparison chart and the tornado charts
/// alike: the `azure_*` metrics are the incumbent's.
pub(super) fn metric_title(metric: &str, incumbent: &str) -> String {
    match metric {
        "total_cost_usd" => "Total cost to the lab".to_string(),
        "azure_share" => format!("{incumbent} share of MW-months served"),
        "unmet_mw_months" => "Unmet demand".to_string(),
        "commitment_shortfall_usd" => format!("{incumbent} commitment shortfall"),
        other => other.to_string(),
    }
}

fn comparison(inputs: &Inputs) -> ComparisonChart {
    let regimes = regimes(inputs);
    // Whether a confidence interval was cut to what its quantity can be (see below).
    let mut any_cut = false;
    let panels = COMPARED
        .iter()
        .map(|&metric| {
            let title = metric_title(metric, &inputs.study.incumbent_name);
            let rows: Vec<_> = regimes
                .iter()
                .map(|r| inputs.compare.get(&r.name, metric))
                .collect();
            let max_abs = rows
                .iter()
                .flatten()
                .flat_map(|row| [row.mean, row.p95, row.ci95_high])
                .flatten()
                .fold(0.0, |m: f64, v| m.max(v.abs()));
            let unit = Unit::for_metric(metric, max_abs);
            // None of the compared quantities is negative, nor a share past 100%; the
            // t-interval of a few replications can be (with two, it is ±12.7 sd): it is drawn
            // cut there, and the subtitle says so.
            let ceiling = if unit == Unit::Percent {
                100.0
            } else {
                f64::INFINITY
            };
            let bars: Vec<Result<ComparisonBar, NoBar>> = rows
                .iter()
                .map(|row| {
                    let row = row.ok_or(NoBar::NoValue)?;
                    let Some(mean) = row.mean else {
                        return Err(match row.n {
                            Some(0) => NoBar::NotApplicable,
                            _ => NoBar::NoValue,
                        });
                    };
                    let pair =
                        |a: Option<f64>, b: Option<f64>| Some((unit.apply(a?), unit.apply(b?)));
                    let ci = pair(row.ci95_low, row.ci95_high).map(|(low, high)| {
                        let cut = (low.max(0.0), high.min(ceiling));
                        any_cut |= cut != (low, high);
                        cut
                    });
                    Ok(ComparisonBar {
                        mean: unit.apply(mean),
                        ci,
                        spread: pair(row.p05, row.p95),
                        label: unit.format(mean),
                    })
                })
                .collect();
            let values: Vec<f64> = bars
                .iter()
                .flatten()
                .flat_map(|b| {
                    [
                        Some(b.mean),
                        b.ci.map(|c| c.0),
                        b.ci.map(|c| c.1),
                        b.spread.map(|s| s.0),
                        b.spread.map(|s| s.1),
                    ]
                })
                .flatten()
                .collect();
            let lo = values.iter().copied().fold(0.0, f64::min);
            let hi = max_of(&values);
            let (x_min, x_max) = if hi - lo <= 0.0 {
                (lo, lo + 1.0)
            } else {
                // Room on the right for the value labels.
                (
                    if lo < 0.0 {
                        -nice_ceiling(-lo * 1.05, X_INTERVALS)
                    } else {
                        0.0
                    },
                    nice_ceiling(hi * 1.12, X_INTERVALS),
                )
            };
            // A share cannot pass 100%: stop just after it, leaving room for a dot at 100%.
            let x_max = if unit == Unit::Percent && hi <= 100.0 && x_max > 100.0 {
                104.0
            } else {
                x_max
            };
            let all_zero = !values.is_empty() && values.iter().all(|v| *v == 0.0);
            let mut panel = ComparisonPanel {
                all_zero,
                title,
                unit,
                rows: bars,
                x_min,
                x_max,
            };
            if panel.has_scale() && !unit.label().is_empty() {
                panel.title = format!("{} ({})", panel.title, unit.label());
            }
            panel
        })
        .collect();
    ComparisonChart {
        header: Header {
            title: format!(
                "Regimes compared ({})",
                replications_per_regime(inputs.study.replications)
            ),
            subtitle: format!(
                "Scenario {}: {} = mean, black bar = 95% confidence interval of the mean{}, \
                 light bar = 5th-95th percentile across replications{}",
                inputs.study.scenario,
                // Past the palette's colours, the means' shapes differ too.
                if regimes
                    .iter()
                    .all(|r| super::regime_mark(r.colour) == super::Mark::Circle)
                {
                    "dot"
                } else {
                    "mark"
                },
                if any_cut {
                    " (cut at 0, or at 100% for a share, where it passes what the quantity \
                     can be)"
                } else {
                    ""
                },
                few_note(inputs)
            ),
        },
        regimes,
        baseline: inputs.study.baseline.clone(),
        panels,
    }
}

fn annual(inputs: &Inputs) -> AnnualChart {
    let ts = &inputs.timeseries;
    let regimes = regimes(inputs);
    let months: Vec<Month> = ts.months().collect();
    let first_year = months.first().map_or(0, |m| m.year());
    let last_year = months.last().map_or(0, |m| m.year());
    let years: Vec<i32> = (first_year..=last_year).collect();
    let mut months_covered = vec![0u32; years.len()];
    for m in &months {
        months_covered[(m.year() - first_year) as usize] += 1;
    }
    // Annual sums of the monthly mean spend: the mean of each replication's annual spend.
    let raw: Vec<Vec<Vec<f64>>> = (0..ts.regimes.len())
        .map(|r| {
            let mut below = vec![0.0; years.len()];
            (0..ts.providers.len())
                .map(|p| {
                    let cost = ts.series(r, ProviderKey::One(p), Metric::CostUsd);
                    for (m, s) in months.iter().zip(&cost) {
                        below[(m.year() - first_year) as usize] += s.mean.max(0.0);
                    }
                    below.clone()
                })
                .collect()
        })
        .collect();
    let max_usd = raw
        .iter()
        .filter_map(|tops| tops.last())
        .flatten()
        .fold(0.0, |m: f64, v| m.max(*v));
    let unit = Unit::money(max_usd);
    // Take-or-pay is paid in the month of the day before the deadline, or in the last month
    // simulated (as the accounting books it).
    let mut take_or_pay = vec![vec![vec![0.0; years.len()]; ts.providers.len()]; ts.regimes.len()];
    for c in inputs.commitments.iter().filter(|c| c.take_or_pay) {
        let regime = ts.regimes.iter().position(|r| *r == c.regime);
        let provider = ts.providers.iter().position(|p| *p == c.holder);
        if let (Some(r), Some(p)) = (regime, provider) {
            let paid_year = c
                .deadline
                .pred_opt()
                .map_or(last_year, |d| d.year().min(last_year));
            if let Some(y) = years.iter().position(|&year| year == paid_year) {
                take_or_pay[r][p][y] += c.shortfall_usd_mean.unwrap_or(0.0);
            }
        }
    }
    let in_unit = |usd: &Vec<Vec<f64>>| -> Vec<Vec<f64>> {
        (usd.iter())
            .map(|t| t.iter().map(|v| unit.apply(*v)).collect())
            .collect()
    };
    let panels = raw
        .iter()
        .zip(&take_or_pay)
        .enumerate()
        .map(|(r, (tops, paid))| AnnualPanel {
            regime: regimes[r].clone(),
            tops: in_unit(tops),
            take_or_pay: in_unit(paid),
        })
        .collect();
    let any_take_or_pay = take_or_pay.iter().flatten().flatten().any(|&v| v > 0.0);
    let partial = months_covered.iter().any(|&m| m < 12);
    AnnualChart {
        header: Header {
            title: format!(
                "Annual spend by provider (mean of {})",
                replications_per_regime(inputs.study.replications)
            ),
            subtitle: format!(
                "Scenario {}: spend per calendar year in {}, stacked by provider{}{}",
                inputs.study.scenario,
                unit.label(),
                if any_take_or_pay {
                    "; the pale, outlined top of a provider's part of a bar: take-or-pay paid to it for capacity \
                     not used, in the year of the day before the deadline"
                } else {
                    ""
                },
                if partial {
                    "; * = year only partly simulated"
                } else {
                    ""
                }
            ),
        },
        unit,
        years,
        months_covered,
        provider_names: (ts.providers.iter())
            .map(|id| inputs.study.provider_name(id).to_string())
            .collect(),
        panels,
        y_max: nice_ceiling(unit.apply(max_usd) * 1.08, Y_INTERVALS),
        any_take_or_pay,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_ceiling_rounds_up_and_never_collapses() {
        assert_eq!(nice_ceiling(0.0, Y_INTERVALS), 1.0);
        assert_eq!(nice_ceiling(f64::NAN, Y_INTERVALS), 1.0);
        assert_eq!(nice_ceiling(7.3, Y_INTERVALS), 8.0);
        assert_eq!(nice_ceiling(101.0, Y_INTERVALS), 120.0);
        assert_eq!(nice_ceiling(2.5, Y_INTERVALS), 2.5);
        // The annual spend chart's case: bars to ~285 end at 350, not 400.
        assert_eq!(nice_ceiling(308.0, Y_INTERVALS), 350.0);
        // 3.5 ticks by 0.5 with seven intervals but only by 1 with five: there it is skipped.
        assert_eq!(nice_ceiling(3.2, X_INTERVALS), 4.0);
    }

    #[test]
    fn every_nice_ceiling_is_its_axis_last_tick() {
        for intervals in [X_INTERVALS, Y_INTERVALS] {
            for v in (1..2000).map(|k| f64::from(k) * 0.37) {
                let end = nice_ceiling(v, intervals);
                let last = *Ticks::new(0.0, end, intervals).values.last().unwrap();
                assert!(
                    end >= v && (last - end).abs() <= 1e-9 * end,
                    "{v} -> {end}, last {last}"
                );
            }
        }
    }

    /// Inputs from the fixture with a small hand-written timeseries.csv.
    fn inputs_with_timeseries(text: &str) -> Inputs {
        let dir = tempfile::tempdir().unwrap();
        crate::plot::fixture::write(dir.path(), &crate::plot::fixture::Spec::default());
        std::fs::write(dir.path().join("timeseries.csv"), text).unwrap();
        Inputs::read(dir.path()).unwrap()
    }

    #[test]
    fn the_burn_down_line_is_burndown_csv_in_the_charts_unit_at_month_ends() {
        use crate::plot::fixture::{Spec, write};
        // The fixture's Azure commitment runs from 2025-07-01, the first month simulated, to
        // 2028-12-31. burndown.csv replaced: three months of it in the first regime (1, 3 and
        // 6 $B counted so far, out of order), one in the second, and a month of the Oracle
        // commitment, which is not the incumbent's.
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), &Spec::default());
        std::fs::write(
            dir.path().join("burndown.csv"),
            "regime,term,holder,month,amount_usd,cumulative_counted_usd_mean,\
             cumulative_counted_usd_p05,cumulative_counted_usd_p50,cumulative_counted_usd_p95\n\
             exclusive,azure-incremental,azure,2025-09,250e9,6e9,,,\n\
             exclusive,azure-incremental,azure,2025-07,250e9,1e9,,,\n\
             exclusive,azure-incremental,azure,2025-08,250e9,3e9,,,\n\
             exclusive,oracle-stargate,oracle,2027-01,300e9,900e9,,,\n\
             rofr,azure-incremental,azure,2025-07,250e9,2e9,,,\n",
        )
        .unwrap();
        let chart = commitment(&Inputs::read(dir.path()).unwrap());
        assert_eq!(chart.unit, Unit::UsdBillions);
        let axis = &chart.axis;
        // Zero at the start, then each month's end, where the line of all spend has its points.
        assert_eq!(
            chart.panels[0].commitments[0].counted,
            [
                (axis.start, 0.0),
                (axis.month_end[0], 1.0),
                (axis.month_end[1], 3.0),
                (axis.month_end[2], 6.0)
            ]
        );
        let all_spend = axis.running_points(&chart.panels[0].mean);
        assert_eq!(all_spend[3].0, axis.month_end[2]);
        assert!((axis.month_end[2] - 2025.75).abs() < 1e-12);
        assert_eq!(
            chart.panels[1].commitments[0].counted,
            [(axis.start, 0.0), (axis.month_end[0], 2.0)]
        );
        // The Oracle commitment's $900B is neither drawn nor in the scale.
        assert!(chart.y_max < 900.0, "{}", chart.y_max);
        assert!(
            chart
                .header
                .subtitle
                .contains("red line = spend counted towards it so far")
        );

        // The fixture's own burn-down: 42 months, July 2025 to December 2028, after the zero;
        // the last is cut from the end of December (2029.0) to the deadline, the start of
        // 2028-12-31, where the dot of what counted is.
        write(dir.path(), &Spec::default());
        let chart = commitment(&Inputs::read(dir.path()).unwrap());
        let mark = &chart.panels[0].commitments[0];
        assert_eq!(mark.counted.len(), 43);
        let &(x, y) = mark.counted.last().unwrap();
        assert_eq!(x, mark.deadline_x);
        assert!(x > 2028.99 && x < 2029.0, "{x}");
        assert!((y - chart.unit.apply(mark.counted_usd.unwrap())).abs() < 1e-9);
        // Before that, the line of all spend's months; 90% of that spend counts.
        let all_spend = chart.axis.running_points(&chart.panels[0].mean);
        for (counted, all) in mark.counted[..42].iter().zip(&all_spend) {
            assert_eq!(counted.0, all.0);
            assert!(
                (counted.1 - 0.9 * all.1).abs() < 1e-9,
                "{counted:?} {all:?}"
            );
        }
    }

    #[test]
    fn a_folder_without_burndown_csv_still_plots() {
        use crate::plot::fixture::{Spec, write};
        // A folder written before burndown.csv: the dot of what counted at the deadline, and
        // no burn-down line.
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), &Spec::default());
        std::fs::remove_file(dir.path().join("burndown.csv")).unwrap();
        let inputs = Inputs::read(dir.path()).unwrap();
        assert!(inputs.burndown.is_empty());
        let chart = commitment(&inputs);
        let marks: Vec<&CommitmentMark> =
            chart.panels.iter().flat_map(|p| &p.commitments).collect();
        assert_eq!(marks.len(), 2);
        assert!(
            (marks.iter()).all(|m| m.counted.is_empty() && m.counted_usd.is_some()),
            "{marks:?}"
        );
        let subtitle = &chart.header.subtitle;
        assert!(
            subtitle.contains("dot = mean spend that counted towards it")
                && !subtitle.contains("red line"),
            "{subtitle}"
        );
        crate::plot::draw_all(dir.path(), dir.path()).unwrap();
        let svg = std::fs::read_to_string(dir.path().join("charts").join("azure_commitment.svg"))
            .unwrap();
        assert!(svg.contains("counted, "), "no label of what counted");
        assert!(!svg.contains("spend counted towards the commitment"));
    }

    #[test]
    fn legends_name_the_providers_study_csv_names_and_show_the_others_by_id() {
        let dir = tempfile::tempdir().unwrap();
        crate::plot::fixture::write(dir.path(), &crate::plot::fixture::Spec::default());
        let inputs = Inputs::read(dir.path()).unwrap();
        // The fixture's study.csv names azure and oracle, not coreweave.
        let expected: Vec<&str> = (inputs.timeseries.providers.iter())
            .map(|id| match id.as_str() {
                "azure" => "Microsoft Azure",
                "oracle" => "Oracle Cloud",
                other => other,
            })
            .collect();
        assert!(expected.contains(&"coreweave"), "{expected:?}");
        let p = prepare(&inputs);
        assert_eq!(p.served.provider_names, expected);
        assert_eq!(p.annual.provider_names, expected);
    }

    #[test]
    fn confidence_intervals_past_what_a_quantity_can_be_are_cut_and_said_to_be() {
        let dir = tempfile::tempdir().unwrap();
        crate::plot::fixture::write(dir.path(), &crate::plot::fixture::Spec::default());
        let subtitle = |dir: &std::path::Path| {
            let p = prepare(&Inputs::read(dir).unwrap());
            (p.comparison.header.subtitle.clone(), p.comparison)
        };
        let (plain, _) = subtitle(dir.path());
        assert!(!plain.contains("cut at 0"), "{plain}");
        // Two replications' intervals: a cost from below zero, a share past 100%.
        let path = dir.path().join("compare.csv");
        let text = std::fs::read_to_string(&path).unwrap();
        let edited: Vec<String> = (text.lines())
            .map(|line| {
                let mut cells: Vec<String> = line.split(',').map(str::to_string).collect();
                match (cells[0].as_str(), cells[1].as_str()) {
                    ("exclusive", "total_cost_usd") => cells[5] = "-1e11".to_string(),
                    ("exclusive", "azure_share") => cells[6] = "1.3".to_string(),
                    _ => {}
                }
                cells.join(",")
            })
            .collect();
        std::fs::write(&path, edited.join("\n") + "\n").unwrap();
        let (cut, chart) = subtitle(dir.path());
        assert!(cut.contains("(cut at 0, or at 100% for a share,"), "{cut}");
        let ci = |panel: usize| chart.panels[panel].rows[0].as_ref().unwrap().ci.unwrap();
        assert_eq!(ci(0).0, 0.0);
        assert_eq!(ci(1).1, 100.0);
        assert!(chart.panels[0].x_min >= 0.0);
    }

    #[test]
    fn few_replications_say_which_values_the_percentiles_are() {
        use crate::plot::fixture::{Spec, write};
        let subtitles = |replications: u64| {
            let dir = tempfile::tempdir().unwrap();
            write(
                dir.path(),
                &Spec {
                    replications,
                    ..Spec::default()
                },
            );
            let p = prepare(&Inputs::read(dir.path()).unwrap());
            [p.commitment.header, p.unmet.header, p.comparison.header].map(|h| h.subtitle)
        };
        for s in subtitles(2) {
            assert!(
                s.contains(
                    "(2 replications: every percentile, the median too, is the lower value)"
                ),
                "{s}"
            );
        }
        for s in subtitles(20) {
            assert!(
                s.contains(
                    "(20 replications: the 5th is the lowest value, the 95th the second-highest)"
                ),
                "{s}"
            );
        }
        for s in subtitles(21) {
            assert!(!s.contains("replications:"), "{s}");
        }
    }

    #[test]
    fn a_metric_that_does_not_apply_is_said_so_in_place_of_a_bar() {
        // The fixture's last regime has no commitment: compare.csv has its shortfall row with
        // n = 0 and no mean. A row compare.csv lacks has no value.
        let dir = tempfile::tempdir().unwrap();
        crate::plot::fixture::write(dir.path(), &crate::plot::fixture::Spec::default());
        let compare = std::fs::read_to_string(dir.path().join("compare.csv")).unwrap();
        let without_open_share: String = (compare.lines())
            .filter(|line| !line.starts_with("open,azure_share,"))
            .map(|line| format!("{line}\n"))
            .collect();
        std::fs::write(dir.path().join("compare.csv"), without_open_share).unwrap();
        let chart = comparison(&Inputs::read(dir.path()).unwrap());
        let panel = |metric: &str| {
            let i = COMPARED.iter().position(|m| *m == metric).unwrap();
            &chart.panels[i]
        };
        let shortfall = panel("commitment_shortfall_usd");
        assert!(shortfall.rows[..2].iter().all(Result::is_ok));
        assert_eq!(shortfall.rows[2], Err(NoBar::NotApplicable));
        assert_eq!(panel("azure_share").rows[2], Err(NoBar::NoValue));
        assert!(panel("total_cost_usd").rows.iter().all(Result::is_ok));
    }

    #[test]
    fn a_panel_with_nothing_to_scale_has_no_unit() {
        // The fixture's shortfall panel has values; made not applicable in every regime (as in
        // the M/M/c scenario, which has no commitment) or zero in every one, it has no scale:
        // its title had "($B)" over a 0..1 axis.
        let dir = tempfile::tempdir().unwrap();
        crate::plot::fixture::write(dir.path(), &crate::plot::fixture::Spec::default());
        let compare = std::fs::read_to_string(dir.path().join("compare.csv")).unwrap();
        let shortfall_panel = |edit: &dyn Fn(&mut Vec<&str>)| {
            let edited: String = (compare.lines())
                .map(|line| {
                    let mut cells: Vec<&str> = line.split(',').collect();
                    if cells[1] == "commitment_shortfall_usd" {
                        edit(&mut cells);
                    }
                    cells.join(",") + "\n"
                })
                .collect();
            std::fs::write(dir.path().join("compare.csv"), edited).unwrap();
            let chart = comparison(&Inputs::read(dir.path()).unwrap());
            let i = (COMPARED.iter())
                .position(|m| *m == "commitment_shortfall_usd")
                .unwrap();
            chart.panels[i].clone()
        };
        let scaled = shortfall_panel(&|_| {});
        assert!(scaled.has_scale());
        assert!(scaled.title.ends_with("($B)"), "{}", scaled.title);
        // n = 0 and no statistics: not applicable.
        let none = shortfall_panel(&|cells| {
            cells[2] = "0";
            cells[3..=9].fill("");
            cells[11..].fill("");
        });
        assert!(none.rows.iter().all(|r| *r == Err(NoBar::NotApplicable)));
        assert!(!none.has_scale());
        assert_eq!(none.title, "Microsoft Azure commitment shortfall");
        let zero = shortfall_panel(&|cells| {
            if cells[2] != "0" {
                cells[3..=9].fill("0");
            }
        });
        assert!(zero.all_zero && !zero.has_scale());
        assert_eq!(zero.title, "Microsoft Azure commitment shortfall");
    }

    #[test]
    fn a_regime_has_the_colour_of_its_name_in_any_scenario() {
        let default = [
            "exclusive",
            "rofr",
            "restructured",
            "open",
            "rofr_with_commitment",
            "no_commitment",
            "open_azure_delayed",
            "open_demand_low",
            "open_demand_high",
        ];
        let slots = colour_slots(&default, 12);
        let mut distinct = slots.clone();
        distinct.sort_unstable();
        distinct.dedup();
        assert_eq!(distinct.len(), default.len(), "{slots:?}");
        // Reordered, or with other regimes left out, each keeps its colour ("open" and
        // "rofr_with_commitment" hash to the same slot: "open" comes first by name).
        let reversed: Vec<&str> = default.iter().rev().copied().collect();
        let mut back = colour_slots(&reversed, 12);
        back.reverse();
        assert_eq!(back, slots);
        let open = default.iter().position(|n| *n == "open").unwrap();
        assert_eq!(
            colour_slots(&["rofr_with_commitment", "open"], 12)[1],
            slots[open]
        );
        assert_eq!(colour_slots(&["open"], 12), [slots[open]]);
        // More regimes than colours: never panic, and each its own slot (the colour repeats,
        // the mark shape does not).
        assert_eq!(colour_slots(&["a", "b", "c"], 2).len(), 3);
        let many: Vec<String> = (0..18).map(|i| format!("r{i:02}")).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        let mut slots = colour_slots(&many, 12);
        // The first 12 by name keep the colours they would have alone.
        assert_eq!(slots[..12], colour_slots(&many[..12], 12));
        slots.sort_unstable();
        slots.dedup();
        assert_eq!(slots.len(), 18, "{slots:?}");
        assert!(slots.iter().all(|&s| s < 24));
    }

    #[test]
    fn annual_spend_sums_months_by_calendar_year_and_stacks_providers() {
        // Nov 2025 to Feb 2026; azure spends $1B every month, oracle $2B in each 2026 month.
        // 2025: azure 2 -> tops [2, 2]; 2026: azure 2 + oracle 4 -> tops [2, 6] ($B).
        let mut text = String::from(
            "regime,month,provider,metric,mean,p05,p50,p95
",
        );
        for m in ["2025-11", "2025-12", "2026-01", "2026-02"] {
            text.push_str(&format!(
                "x,{m},azure,cost_usd,1e9,1e9,1e9,1e9
"
            ));
            text.push_str(&format!(
                "x,{m},all,served_mw,0,0,0,0
x,{m},all,unmet_share,0,0,0,0
"
            ));
            text.push_str(&format!(
                "x,{m},all,cumulative_cost_usd,0,0,0,0
"
            ));
        }
        for m in ["2026-01", "2026-02"] {
            text.push_str(&format!(
                "x,{m},oracle,cost_usd,2e9,2e9,2e9,2e9
"
            ));
        }
        let chart = annual(&inputs_with_timeseries(&text));
        assert_eq!(chart.years, [2025, 2026]);
        assert_eq!(chart.months_covered, [2, 2]);
        assert_eq!(chart.unit, Unit::UsdBillions);
        assert_eq!(chart.panels[0].tops, [vec![2.0, 2.0], vec![2.0, 6.0]]);
        assert_eq!(chart.panels[0].take_or_pay, [vec![0.0; 2], vec![0.0; 2]]);
        // 6 * 1.08 = 6.48, rounded up to a nice 7 (ticks 0, 1, ..., 7).
        assert_eq!(chart.y_max, 7.0);

        // Take-or-pay is paid on the day before the deadline, or in the last month simulated:
        // oracle's deadline 1 Mar 2026 is paid in 2026 and its 1 Jan 2026 one in 2025; azure's,
        // past the end, in 2026; a commitment without take-or-pay, and another regime's, not
        // here.
        let inputs = inputs_with_timeseries(&text);
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("commitments.csv"),
            "regime,term,holder,amount_usd,start,deadline,incremental,take_or_pay,counted_usd_mean,shortfall_usd_mean,shortfall_usd_p95
x,o,oracle,5e9,2025-11-01,2026-03-01,false,true,4e9,1e9,2e9
x,j,oracle,5e9,2025-11-01,2026-01-01,false,true,4e9,0.25e9,2e9
x,a,azure,5e9,2025-11-01,2027-06-01,true,true,4.5e9,0.5e9,1e9
x,b,azure,5e9,2025-11-01,2026-01-01,false,false,1e9,4e9,4e9
y,o,oracle,5e9,2025-11-01,2026-01-01,false,true,0,5e9,5e9
",
        )
        .unwrap();
        let commitments =
            super::super::data::read_commitments(&dir.path().join("commitments.csv")).unwrap();
        let chart = annual(&Inputs {
            commitments,
            ..inputs
        });
        assert_eq!(
            chart.panels[0].take_or_pay,
            [vec![0.0, 0.5], vec![0.25, 1.0]]
        );
        assert!(chart.any_take_or_pay);
        // Drawn at the top of its holder's segment, not of the whole bar (annual_spend.rs).
        assert!(
            (chart.header.subtitle)
                .contains("the pale, outlined top of a provider's part of a bar"),
            "{}",
            chart.header.subtitle
        );
    }

    #[test]
    fn served_stacks_in_gw_when_large_and_unmet_zero_keeps_a_range() {
        // Two months; azure 1500 MW and oracle 1000 MW: a 2500 MW stack, shown as 2.5 GW.
        let mut text = String::from(
            "regime,month,provider,metric,mean,p05,p50,p95
",
        );
        for m in ["2030-01", "2030-02"] {
            text.push_str(&format!(
                "x,{m},azure,served_mw,1500,1500,1500,1500
"
            ));
            text.push_str(&format!(
                "x,{m},oracle,served_mw,1000,1000,1000,1000
"
            ));
            text.push_str(&format!(
                "x,{m},all,cost_usd,0,0,0,0
x,{m},all,unmet_share,0,0,0,0
"
            ));
            text.push_str(&format!(
                "x,{m},all,cumulative_cost_usd,0,0,0,0
"
            ));
        }
        let inputs = inputs_with_timeseries(&text);
        let served = served(&inputs);
        assert_eq!(served.unit, Unit::Gw);
        assert_eq!(served.panels[0].tops, [vec![1.5, 1.5], vec![2.5, 2.5]]);
        assert_eq!(served.panels[0].demand, None);
        let unmet = unmet(&inputs);
        assert!(unmet.panels[0].all_zero);
        assert_eq!(unmet.y_max, 1.0);
    }

    #[test]
    fn demand_a_little_past_twice_the_served_is_kept_whole_and_far_past_it_runs_off() {
        // 95 MW served every month. Demand peaking at 220 MW is past twice that (190) but within
        // a quarter of it (237.5): the scale takes it whole, 220 × 1.03 = 226.6 → 250. Demand
        // peaking at 400 MW in one regime stops the scale at 190 × 1.03 = 195.7 → 200, and
        // that regime's peak is noted as off the scale.
        let served = |demand_a: f64, demand_b: f64| {
            let mut text = String::from("regime,month,provider,metric,mean,p05,p50,p95\n");
            for (r, demand) in [("a", demand_a), ("b", demand_b)] {
                for (m, d) in [("2030-01", 150.0), ("2030-02", demand)] {
                    text.push_str(&format!(
                        "{r},{m},azure,served_mw,95,95,95,95\n\
                         {r},{m},all,demand_mw,{d},{d},{d},{d}\n\
                         {r},{m},all,cost_usd,0,0,0,0\n\
                         {r},{m},all,unmet_share,0,0,0,0\n\
                         {r},{m},all,cumulative_cost_usd,0,0,0,0\n"
                    ));
                }
            }
            served(&inputs_with_timeseries(&text))
        };
        let near = served(220.0, 200.0);
        assert_eq!(near.y_max, 250.0);
        assert_eq!(near.panels[0].demand_peak, None);
        let far = served(220.0, 400.0);
        assert_eq!(far.y_max, 200.0);
        assert_eq!(far.panels[0].demand_peak, Some(220.0));
        assert_eq!(far.panels[1].demand_peak, Some(400.0));
    }

    #[test]
    fn unmet_shares_are_drawn_in_percent_on_a_scale_that_stops_at_100() {
        // p95 of 10%, 20% and 50% of demand: the scale rounds 52.5% up to a nice 60%.
        let table = |shares: &[(&str, f64)]| {
            let mut text = String::from("regime,month,provider,metric,mean,p05,p50,p95\n");
            for &(regime, share) in shares {
                for m in ["2030-01", "2030-02"] {
                    for metric in ["served_mw", "cost_usd", "cumulative_cost_usd"] {
                        text.push_str(&format!("{regime},{m},all,{metric},0,0,0,0\n"));
                    }
                    let median = share / 2.0;
                    text.push_str(&format!(
                        "{regime},{m},all,unmet_share,{median},0,{median},{share}\n"
                    ));
                }
            }
            unmet(&inputs_with_timeseries(&text))
        };
        let chart = table(&[("x", 0.1), ("y", 0.2), ("z", 0.5)]);
        assert_eq!(chart.y_max, 60.0);
        assert_eq!(chart.panels[2].p95, [50.0, 50.0]);
        assert_eq!(chart.panels[0].p50, [5.0, 5.0]);
        // A share near all of demand: the scale ends at 100%, not at a nice 120%.
        assert_eq!(table(&[("x", 0.98)]).y_max, 100.0);
    }
}
