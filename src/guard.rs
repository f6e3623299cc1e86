//! Checks that every number a replication produced can be summarised and printed: finite and
//! within the range the exact sums take. A scenario whose magnitudes overflow (sizes growing
//! for a century, capacities of 1e12 MW at extreme prices) gets a clear error, never a NaN in
//! a table or a panic in the statistics.

use crate::model::Scenario;
use crate::results::{Metric, ReplicationResult, series_labels};
use crate::stats::MAX_MAGNITUDE;

/// A replication produced a number the statistics cannot hold.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error(
    "regime {regime}, replication {replication}: {quantity} came to {value:e}, beyond what capsim \
     can total (magnitudes up to {MAX_MAGNITUDE:e}); scale the scenario down (smaller sizes, \
     prices or growth, or a shorter horizon)"
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

/// Returns an error naming the first number of `results` (one per regime, in scenario order)
/// that is not finite or exceeds the statistics' range.
pub fn check(
    scenario: &Scenario,
    replication: u64,
    results: &[ReplicationResult],
) -> Result<(), OutOfRange> {
    let bad = |v: f64| !(v.is_finite() && v.abs() <= MAX_MAGNITUDE);
    for (regime, result) in scenario.regimes.iter().zip(results) {
        let error = |quantity: String, value: f64| OutOfRange {
            regime: regime.name.clone(),
            replication,
            quantity,
            value,
        };
        if let Some(metric) = Metric::ALL.into_iter().find(|&m| bad(result.total(m))) {
            return Err(error(metric.name().to_string(), result.total(metric)));
        }
        for (provider, totals) in scenario.providers.iter().zip(&result.providers) {
            for (name, value) in [
                ("served_mw_months", totals.served_mw_months),
                ("cost_usd", totals.cost_usd),
                ("share", totals.share),
            ] {
                if bad(value) {
                    return Err(error(format!("{} {name}", provider.id), value));
                }
            }
        }
        let mut first: Option<(usize, usize, f64)> = None;
        result.monthly.for_each_value(|series, month, value| {
            if first.is_none() && bad(value) {
                first = Some((series, month, value));
            }
        });
        if let Some((series, month, value)) = first {
            let ids: Vec<String> = scenario.providers.iter().map(|p| p.id.clone()).collect();
            let labels = series_labels(&ids);
            let (who, what) = &labels[series];
            let label = format!("{who} {what} in {}", scenario.calendar.label(month));
            return Err(error(label, value));
        }
    }
    Ok(())
}
