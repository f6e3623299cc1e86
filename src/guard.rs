//! Checks that every number a replication produced can be summarised and printed: finite and
//! within the range the exact sums take. A scenario whose magnitudes overflow (sizes growing
//! for a century, capacities of 1e12 MW at extreme prices) gets a clear error, never a NaN in
//! a table or a panic in the statistics.

use crate::experiment::{RegimeRow, ReplicationRow};
use crate::model::Scenario;
use crate::number::compact;
use crate::results::{Metric, series_labels};
use crate::stats::MAX_MAGNITUDE;

/// A replication produced a number the statistics cannot hold.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error(
    "regime {regime}, replication {replication}: {quantity} came to {}, beyond what capsim \
     can total (magnitudes up to {}); scale the scenario down (smaller sizes, prices or growth, \
     or a shorter horizon)",
    compact(*value),
    compact(MAX_MAGNITUDE)
)]
pub struct OutOfRange {
    /// The regime's name.
    pub regime: String,
    /// The replication's index.
    pub replication: u64,
    /// The total or series that overflowed (`total_cost_usd`, `azure cost_usd in 2031-04`).
    pub quantity: String,
    /// Its value (infinite or NaN, or finite but too large).
    pub value: f64,
}

/// Returns an error naming a number of one replication's row or monthly values (laid out as
/// `experiment::Batch` holds them) that is not finite or exceeds the statistics' range: the
/// first of the totals if any, else the first monthly value.
pub fn check(scenario: &Scenario, row: &ReplicationRow, monthly: &[f64]) -> Result<(), OutOfRange> {
    // False for NaN and infinities too.
    let in_range = |v: f64| v.abs() <= MAX_MAGNITUDE;
    // A mean over nothing is NaN where that can happen (`Metric::undefined_when`): not
    // applicable, and the statistics leave it out.
    let bad = |v: f64, may_be_undefined: bool| !(in_range(v) || may_be_undefined && v.is_nan());
    let error = |regime: usize, quantity: String, value: f64| OutOfRange {
        regime: scenario.regimes[regime].name.clone(),
        replication: row.replication,
        quantity,
        value,
    };
    for (
        regime,
        RegimeRow {
            totals,
            providers,
            commitments,
        },
    ) in row.regimes.iter().enumerate()
    {
        let out_of_range = |m: Metric| bad(totals[m as usize], m.undefined_when().is_some());
        if let Some(metric) = Metric::ALL.into_iter().find(|&m| out_of_range(m)) {
            return Err(error(
                regime,
                metric.name().to_string(),
                totals[metric as usize],
            ));
        }
        for (provider, totals) in scenario.providers.iter().zip(providers) {
            for (name, value, may_be_undefined) in [
                ("served_mw_months", totals.served_mw_months, false),
                ("cost_usd", totals.cost_usd, false),
                ("share", totals.share, true),
            ] {
                if bad(value, may_be_undefined) {
                    return Err(error(regime, format!("{} {name}", provider.id), value));
                }
            }
        }
        let regime_commitments = scenario.commitments(&scenario.regimes[regime]);
        for (commitment, totals) in regime_commitments.zip(commitments) {
            let term = &scenario.terms[commitment.term.0 as usize].id;
            for (name, value) in [
                ("counted_usd", totals.counted_usd),
                ("shortfall_usd", totals.shortfall_usd),
            ] {
                if bad(value, false) {
                    return Err(error(regime, format!("{term} {name}"), value));
                }
            }
        }
    }
    // Monthly values are never undefined. The pass over all of them has no early exit, so it
    // vectorises; the bad value is searched for, and the labels made, only for an error.
    if !monthly.iter().fold(true, |all, &v| all & in_range(v)) {
        let at = (monthly.iter().position(|&v| !in_range(v)))
            .expect("a value out of range, found in the pass above");
        let ids: Vec<String> = scenario.providers.iter().map(|p| p.id.clone()).collect();
        let labels = series_labels(&ids);
        let months = scenario.calendar.months();
        let (regime, series, month) = (
            at / (labels.len() * months),
            at / months % labels.len(),
            at % months,
        );
        let (who, what) = &labels[series];
        let label = format!("{who} {what} in {}", scenario.calendar.label(month));
        return Err(error(regime, label, monthly[at]));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::ProviderTotals;
    use crate::scenario::{DEFAULT_SCENARIO, load_str};

    #[test]
    fn a_monthly_value_out_of_range_is_named_by_regime_series_and_month() {
        let scenario = load_str(DEFAULT_SCENARIO, "default", &[]).unwrap_or_else(|e| panic!("{e}"));
        let providers = scenario.providers.len();
        let row = ReplicationRow {
            replication: 7,
            seed: 1,
            regimes: (scenario.regimes.iter())
                .map(|regime| RegimeRow {
                    totals: [0.0; Metric::COUNT],
                    providers: vec![ProviderTotals::default(); providers],
                    commitments: vec![Default::default(); scenario.commitments(regime).count()],
                })
                .collect(),
        };
        let ids: Vec<String> = scenario.providers.iter().map(|p| p.id.clone()).collect();
        let labels = series_labels(&ids);
        let months = scenario.calendar.months();
        let mut monthly = vec![0.0; scenario.regimes.len() * labels.len() * months];
        assert_eq!(check(&scenario, &row, &monthly), Ok(()));
        // Azure's spend in the sixth month (2025-06) of the third regime.
        let series = (labels.iter())
            .position(|(who, what)| who == "azure" && *what == "cost_usd")
            .expect("a series of Azure's spend");
        monthly[(2 * labels.len() + series) * months + 5] = f64::INFINITY;
        let error = check(&scenario, &row, &monthly).expect_err("infinity is out of range");
        assert_eq!(error.regime, scenario.regimes[2].name);
        assert_eq!(error.replication, 7);
        assert_eq!(error.quantity, "azure cost_usd in 2025-06");
    }

    #[test]
    fn nan_passes_only_where_a_metric_may_not_apply() {
        let scenario = load_str(DEFAULT_SCENARIO, "default", &[]).unwrap_or_else(|e| panic!("{e}"));
        let ids: Vec<String> = scenario.providers.iter().map(|p| p.id.clone()).collect();
        let monthly =
            vec![
                0.0;
                scenario.regimes.len() * series_labels(&ids).len() * scenario.calendar.months()
            ];
        let row = |metric: Metric, share: f64| ReplicationRow {
            replication: 0,
            seed: 1,
            regimes: (scenario.regimes.iter())
                .map(|regime| {
                    let mut totals = [0.0; Metric::COUNT];
                    totals[metric as usize] = f64::NAN;
                    RegimeRow {
                        totals,
                        providers: vec![
                            ProviderTotals {
                                share,
                                ..Default::default()
                            };
                            scenario.providers.len()
                        ],
                        commitments: vec![Default::default(); scenario.commitments(regime).count()],
                    }
                })
                .collect(),
        };
        assert_eq!(
            check(&scenario, &row(Metric::RofrDelayDays, f64::NAN), &monthly),
            Ok(())
        );
        let error = check(&scenario, &row(Metric::TotalCostUsd, 0.0), &monthly)
            .expect_err("a total cost is always a number");
        assert_eq!(error.quantity, "total_cost_usd");
    }
}
