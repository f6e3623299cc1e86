//! Checks that every number a replication produced can be summarised and printed: finite and
//! within the range the exact sums take. A scenario whose magnitudes overflow (sizes growing
//! for a century, capacities of 1e12 MW at extreme prices) gets a clear error, never a NaN in
//! a table or a panic in the statistics.

use crate::experiment::{RegimeRow, ReplicationRow};
use crate::model::{Regime, Scenario};
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
        let months = scenario.calendar.months();
        let mut first = 0;
        for (regime, r) in scenario.regimes.iter().enumerate() {
            let labels = monthly_labels(scenario, r);
            let values = labels.len() * months;
            if at < first + values {
                let (series, month) = ((at - first) / months, (at - first) % months);
                let label = format!("{} in {}", labels[series], scenario.calendar.label(month));
                return Err(error(regime, label, monthly[at]));
            }
            first += values;
        }
        unreachable!("a value out of range lies within some regime's values");
    }
    Ok(())
}

/// The label of each monthly series of `regime`, in the order a replication's values hold them:
/// the series every regime has, then a burn-down per commitment, which regimes differ in.
fn monthly_labels(scenario: &Scenario, regime: &Regime) -> Vec<String> {
    let ids: Vec<String> = scenario.providers.iter().map(|p| p.id.clone()).collect();
    let mut labels: Vec<String> = (series_labels(&ids).into_iter())
        .map(|(who, what)| format!("{who} {what}"))
        .collect();
    labels.extend(scenario.commitments(regime).map(|c| {
        let term = &scenario.terms[c.term.0 as usize].id;
        format!("{term} cumulative_counted_usd")
    }));
    labels
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
        let months = scenario.calendar.months();
        let labels: Vec<Vec<String>> = (scenario.regimes.iter())
            .map(|regime| monthly_labels(&scenario, regime))
            .collect();
        let firsts: Vec<usize> = (labels.iter())
            .scan(0, |first, labels| {
                *first += labels.len() * months;
                Some(*first - labels.len() * months)
            })
            .collect();
        let values = firsts.last().unwrap() + labels.last().unwrap().len() * months;
        let clean = vec![0.0; values];
        assert_eq!(check(&scenario, &row, &clean), Ok(()));
        let named = |regime: usize, label: &str, month: usize| {
            let series = (labels[regime].iter().position(|l| l == label))
                .unwrap_or_else(|| panic!("a series {label}"));
            let mut monthly = clean.clone();
            monthly[firsts[regime] + series * months + month] = f64::INFINITY;
            let error = check(&scenario, &row, &monthly).expect_err("infinity is out of range");
            assert_eq!(error.regime, scenario.regimes[regime].name);
            assert_eq!(error.replication, 7);
            error.quantity
        };
        // Azure's spend in the sixth month (2025-06) of the third regime.
        assert_eq!(named(2, "azure cost_usd", 5), "azure cost_usd in 2025-06");
        // A burn-down, after the regimes before it, which hold burn-downs of their own.
        let last = scenario.regimes.len() - 1;
        let term = (labels[last].last())
            .filter(|l| l.ends_with("cumulative_counted_usd"))
            .expect("the last regime has a commitment")
            .clone();
        let month = scenario.calendar.label(months - 1);
        assert_eq!(named(last, &term, months - 1), format!("{term} in {month}"));
    }

    #[test]
    fn nan_passes_only_where_a_metric_may_not_apply() {
        let scenario = load_str(DEFAULT_SCENARIO, "default", &[]).unwrap_or_else(|e| panic!("{e}"));
        // The monthly values are checked apart, in the test above.
        let monthly = [];
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
