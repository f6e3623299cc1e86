//! One-at-a-time sensitivity analysis: how far the main metrics' means move when each uncertain
//! input goes to its low and then its high value, every other input keeping its distribution
//! and every run using the same master seed (common random numbers), as a tornado table.

use crate::experiment::StudyAggregate;
use crate::model::{Regime, Scenario};
use crate::results::Metric;
use crate::scenario::UncertainInput;

/// The metrics a tornado shows, in table order.
pub const METRICS: [Metric; 4] = [
    Metric::TotalCostUsd,
    Metric::AzureShare,
    Metric::UnmetMwMonths,
    Metric::CommitmentShortfallUsd,
];

/// The mean of each of `METRICS` in each regime of one study, all a tornado keeps of it (`None`
/// where the metric applied in no replication, such as a commitment shortfall in a regime
/// without a commitment).
#[derive(Debug, Clone, PartialEq)]
pub struct Means(Vec<[Option<f64>; METRICS.len()]>);

impl Means {
    /// Takes the means out of a study's aggregate (regimes in scenario order).
    pub fn of(aggregate: &StudyAggregate) -> Means {
        Means(
            aggregate
                .regimes
                .iter()
                .map(|r| METRICS.map(|m| r.totals[m as usize].mean()))
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
    /// The input's note (a value clamped to the field's range, or why a value is empty), and
    /// whether the regime's own `set` fixes the input, which then does not move there.
    pub note: String,
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
/// (`METRICS` order), and sorted by swing, largest first, then by input name. A metric that does
/// not apply has no swing: a regime's metric without a base mean has no rows, and an input at
/// whose low or high value the metric applied in no replication has none for it.
pub fn tornado(
    scenario: &Scenario,
    inputs: &[UncertainInput],
    base: &Means,
    moved: &[(Means, Means)],
) -> Vec<TornadoRow> {
    let mut rows = Vec::new();
    for (r, regime) in scenario.regimes.iter().enumerate() {
        for (m, metric) in METRICS.iter().enumerate() {
            let Some(base) = base.0[r][m] else {
                continue;
            };
            let mut group: Vec<TornadoRow> = inputs
                .iter()
                .zip(moved)
                .filter_map(|(input, (low, high))| {
                    let (at_low, at_high) = (low.0[r][m]?, high.0[r][m]?);
                    Some(TornadoRow {
                        regime: regime.name.clone(),
                        input: input.name.clone(),
                        metric: metric.name(),
                        low_value: input.low_value,
                        high_value: input.high_value,
                        note: note(input, regime),
                        metric_at_low: at_low,
                        metric_at_high: at_high,
                        base,
                        swing: (at_high - at_low).abs(),
                    })
                })
                .collect();
            group.sort_by(|a, b| b.swing.total_cmp(&a.swing).then(a.input.cmp(&b.input)));
            rows.extend(group);
        }
    }
    rows
}

/// The note of `input`'s rows in `regime`: the input's own, then, where the regime's `set`
/// gives some of the fields the input moves, that those do not move in this regime (its swing
/// of 0 is then the regime's doing, not the input's).
fn note(input: &UncertainInput, regime: &Regime) -> String {
    let (fixed, fields) = (input.fields_fixed_in(regime), input.low.len());
    let regime_note = match fixed {
        0 => return input.note.clone(),
        _ if fixed == fields => format!("regime {}'s own set fixes it here", regime.name),
        _ => format!(
            "regime {}'s own set fixes {fixed} of its {fields} fields here",
            regime.name
        ),
    };
    if input.note.is_empty() {
        regime_note
    } else {
        format!("{}; {regime_note}", input.note)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(name: &str) -> UncertainInput {
        UncertainInput {
            name: name.into(),
            rule: "uniform low/high".into(),
            low_value: Some(1.0),
            high_value: Some(2.0),
            note: String::new(),
            low: Vec::new(),
            high: Vec::new(),
        }
    }

    #[test]
    fn rows_are_grouped_and_sorted_by_swing() {
        let scenario =
            crate::scenario::load_str(crate::scenario::DEFAULT_SCENARIO, "default", &[]).unwrap();
        let regimes = scenario.regimes.len();
        let means = |v: f64| {
            Means(vec![
                [Some(v), Some(v / 10.0), Some(v * 2.0), Some(0.0)];
                regimes
            ])
        };
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

    #[test]
    fn a_metric_that_does_not_apply_has_no_rows() {
        let scenario =
            crate::scenario::load_str(crate::scenario::DEFAULT_SCENARIO, "default", &[]).unwrap();
        let regimes = scenario.regimes.len();
        // The first regime has no commitment shortfall at all; in the others input "b" at its
        // high value leaves the share undefined.
        let means = |share: Option<f64>| {
            let mut all = Means(vec![[Some(1.0), share, Some(2.0), Some(3.0)]; regimes]);
            all.0[0][3] = None;
            all
        };
        let inputs = [input("a"), input("b")];
        let moved = [
            (means(Some(0.4)), means(Some(0.5))),
            (means(Some(0.4)), means(None)),
        ];
        let rows = tornado(&scenario, &inputs, &means(Some(0.45)), &moved);
        let count = |regime: usize, metric: Metric| {
            (rows.iter())
                .filter(|r| r.regime == scenario.regimes[regime].name && r.metric == metric.name())
                .count()
        };
        assert_eq!(count(0, Metric::CommitmentShortfallUsd), 0);
        assert_eq!(count(1, Metric::CommitmentShortfallUsd), 2);
        assert_eq!(count(1, Metric::AzureShare), 1);
        assert_eq!(rows.len(), regimes * 7 - 2);
    }

    #[test]
    fn an_input_a_regimes_own_set_fixes_says_so_in_that_regime() {
        // open_demand_low's set gives the lab classes' arrival growths (default.toml); azure's
        // build delay is open_azure_delayed's.
        let scenario =
            crate::scenario::load_str(crate::scenario::DEFAULT_SCENARIO, "default", &[]).unwrap();
        let regime = |name: &str| {
            (scenario.regimes.iter())
                .find(|r| r.name == name)
                .expect("a default regime")
        };
        let moving = |keys: &[&str], own_note: &str| UncertainInput {
            note: own_note.into(),
            low: keys
                .iter()
                .map(|key| crate::scenario::parse_override(&format!("{key}=1")).unwrap())
                .collect(),
            ..input("x")
        };
        let growth = moving(&["demand.training.arrivals_growth_per_year"], "");
        assert_eq!(note(&growth, regime("open")), "");
        assert_eq!(
            note(&growth, regime("open_demand_low")),
            "regime open_demand_low's own set fixes it here"
        );
        // Some of its fields; the input's own note first.
        let delays = moving(
            &[
                "providers.azure.build_delay_days",
                "providers.oracle.build_delay_days",
            ],
            "clamped",
        );
        assert_eq!(
            note(&delays, regime("open_azure_delayed")),
            "clamped; regime open_azure_delayed's own set fixes 1 of its 2 fields here"
        );
        assert_eq!(note(&delays, regime("open_demand_low")), "clamped");
    }
}
