//! calibration.csv: what the study produces beside the public figures it should reproduce.

use std::path::Path;

use anyhow::Result;

use crate::experiment::StudyAggregate;
use crate::model::Scenario;
use crate::results::{ALL_PROVIDERS, series_labels};
use crate::scenario::calibration::Target;

/// One target with the simulated value.
#[derive(Debug, Clone)]
pub struct Calibrated {
    /// The target.
    pub target: Target,
    /// Mean across replications, in the target's unit: the series in one month, or summed
    /// over the months (a sum of means is the mean of sums).
    pub simulated: f64,
    /// Of a spend (`cost_usd`), the mean take-or-pay shortfalls paid in its months: what the
    /// lab paid for capacity it did not use, which tops spend up towards a deal's amount
    /// whatever the use. 0 for other series.
    pub take_or_pay: f64,
}

impl Calibrated {
    /// Returns true when the simulated value lies in the published range.
    pub fn inside(&self) -> bool {
        (self.target.low..=self.target.high).contains(&self.simulated)
    }
}

/// Computes every target's simulated value in regime `regime`.
pub fn calibrate(
    scenario: &Scenario,
    aggregate: &StudyAggregate,
    regime: usize,
    targets: &[Target],
) -> Vec<Calibrated> {
    let ids: Vec<String> = scenario.providers.iter().map(|p| p.id.clone()).collect();
    let labels = series_labels(&ids);
    targets
        .iter()
        .map(|t| {
            let total: f64 = (t.providers.iter())
                .map(|provider| {
                    let series = labels
                        .iter()
                        .position(|(p, m)| p == provider && *m == t.series)
                        .expect("targets are checked against the series when loaded");
                    let months =
                        &aggregate.regimes[regime].monthly[series][t.from_month..=t.to_month];
                    months.iter().map(|s| s.mean().unwrap_or(0.0)).sum::<f64>()
                })
                .sum();
            // A commitment's shortfall is paid in its `payment_month` (see `accounting`), by
            // the terms the regime ran on (its variant's, where its own `set` changes them).
            let ran_on = scenario.for_regime(regime);
            let take_or_pay: f64 = (ran_on.commitments(&scenario.regimes[regime]))
                .zip(&aggregate.regimes[regime].commitments)
                .filter(|(c, _)| {
                    let holder = &scenario.providers[c.holder.0 as usize].id;
                    let month = c.payment_month(&scenario.calendar);
                    t.series == "cost_usd"
                        && c.take_or_pay
                        && (t.providers.iter()).any(|p| p == holder || p == ALL_PROVIDERS)
                        && (t.from_month..=t.to_month).contains(&month)
                })
                .map(|(_, [_, shortfall])| shortfall.mean().unwrap_or(0.0))
                .sum();
            // `+ 0.0`: an empty float sum is −0, which the CSV would write as "-0".
            Calibrated {
                target: t.clone(),
                simulated: total / t.divisor + 0.0,
                take_or_pay: take_or_pay / t.divisor + 0.0,
            }
        })
        .collect()
}

/// Writes `CALIBRATION_CSV` into `dir`.
pub fn write_calibration(dir: &Path, regime: &str, rows: &[Calibrated]) -> Result<()> {
    let mut w = super::writer(dir, super::CALIBRATION_CSV)?;
    w.write_record([
        "figure",
        "regime",
        "unit",
        "published_low",
        "published_high",
        "simulated_mean",
        "of_which_take_or_pay",
        "inside",
        "source",
    ])?;
    for row in rows {
        let t = &row.target;
        w.write_record([
            t.figure.as_str(),
            regime,
            &t.unit,
            &t.low.to_string(),
            &t.high.to_string(),
            &row.simulated.to_string(),
            &row.take_or_pay.to_string(),
            if row.inside() { "yes" } else { "no" },
            &t.source,
        ])?;
    }
    w.flush()?;
    Ok(())
}
