//! One-at-a-time sensitivity analysis: how far the main metrics' means move when each uncertain
//! input goes to its low and then its high value, every other input keeping its distribution
//! and every run using the same master seed (common random numbers), as a tornado table.

use crate::experiment::StudyAggregate;
use crate::model::Scenario;
use crate::results::Metric;
use crate::scenario::UncertainInput;

/// The metrics a tornado shows, in table order.
pub const METRICS: [Metric; 4] = [
    Metric::TotalCostUsd,
    Metric::AzureShare,
    Metric::UnmetMwMonths,
    Metric::CommitmentShortfallUsd,
];

/// The mean of each of `METRICS` in each regime of one study, all a tornado keeps of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Means(Vec<[f64; METRICS.len()]>);

impl Means {
    /// Takes the means out of a study's aggregate (regimes in scenario order).
    pub fn of(aggregate: &StudyAggregate) -> Means {
        Means(
            aggregate
                .regimes
                .iter()
                .map(|r| METRICS.map(|m| r.totals[m as usize].mean().unwrap_or(0.0)))
                .collect(),
        )
    }
}

/// One row of tornado.csv: how one metric of one regime moves with one input.
#[derive(Debug, Clone, PartialEq)]
pub struct TornadoRow {
    /// Regime name.
    pub regime: String,
    /// Input name (`providers.azure.share_available`).
    pub input: String,
    /// Metric column name, with its unit.
    pub metric: &'static str,
    /// The input's low value (`None` when the fields moved together have different values).
    pub low_value: Option<f64>,
    /// The input's high value.
    pub high_value: Option<f64>,
    /// The metric's mean with the input at its low value.
    pub metric_at_low: f64,
    /// The metric's mean with the input at its high value.
    pub metric_at_high: f64,
    /// The metric's mean with every input at its distribution.
    pub base: f64,
    /// |metric_at_high − metric_at_low|.
    pub swing: f64,
}

/// Builds the tornado table from the base study's means and each input's (low, high) means,
/// `moved[i]` belonging to `inputs[i]`. Rows are grouped by regime (scenario order) and metric
/// (`METRICS` order), and sorted by swing, largest first, then by input name.
pub fn tornado(
    scenario: &Scenario,
    inputs: &[UncertainInput],
    base: &Means,
    moved: &[(Means, Means)],
) -> Vec<TornadoRow> {
    let mut rows = Vec::new();
    for (r, regime) in scenario.regimes.iter().enumerate() {
        for (m, metric) in METRICS.iter().enumerate() {
            let mut group: Vec<TornadoRow> = inputs
                .iter()
                .zip(moved)
                .map(|(input, (low, high))| {
                    let (at_low, at_high) = (low.0[r][m], high.0[r][m]);
                    TornadoRow {
                        regime: regime.name.clone(),
                        input: input.name.clone(),
                        metric: metric.name(),
                        low_value: input.low_value,
                        high_value: input.high_value,
                        metric_at_low: at_low,
                        metric_at_high: at_high,
                        base: base.0[r][m],
                        swing: (at_high - at_low).abs(),
                    }
                })
                .collect();
            group.sort_by(|a, b| b.swing.total_cmp(&a.swing).then(a.input.cmp(&b.input)));
            rows.extend(group);
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(name: &str) -> UncertainInput {
        UncertainInput {
            name: name.into(),
            rule: "uniform low/high",
            low_value: Some(1.0),
            high_value: Some(2.0),
            low: Vec::new(),
            high: Vec::new(),
        }
    }

    #[test]
    fn rows_are_grouped_and_sorted_by_swing() {
        let scenario =
            crate::scenario::load_str(crate::scenario::DEFAULT_SCENARIO, "default", &[]).unwrap();
        let regimes = scenario.regimes.len();
        let means = |v: f64| Means(vec![[v, v / 10.0, v * 2.0, 0.0]; regimes]);
        let inputs = [input("a"), input("b"), input("c")];
        // Swings in total cost: a 1, b 5 (falling), c 5: b and c tie, ordered by name.
        let moved = [
            (means(10.0), means(11.0)),
            (means(15.0), means(10.0)),
            (means(10.0), means(15.0)),
        ];
        let rows = tornado(&scenario, &inputs, &means(12.0), &moved);
        assert_eq!(rows.len(), regimes * METRICS.len() * inputs.len());
        let first: Vec<(&str, &str, f64)> = rows[..3]
            .iter()
            .map(|r| (r.input.as_str(), r.metric, r.swing))
            .collect();
        assert_eq!(
            first,
            [
                ("b", "total_cost_usd", 5.0),
                ("c", "total_cost_usd", 5.0),
                ("a", "total_cost_usd", 1.0)
            ]
        );
        assert_eq!(rows[0].regime, scenario.regimes[0].name);
        assert_eq!(
            (rows[0].metric_at_low, rows[0].metric_at_high),
            (15.0, 10.0)
        );
        assert_eq!(rows[0].base, 12.0);
        assert_eq!(rows[3].metric, "azure_share");
    }
}
