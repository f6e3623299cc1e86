//! CSV tables of a study, written into a staging folder and moved into place only when every
//! file is complete, so a failed or interrupted run never leaves half-written output.

mod staging;
mod sweep;
mod tornado;

pub use sweep::SweepTables;
pub use tornado::{INPUTS_CSV, TORNADO_CSV, write_inputs, write_tornado};

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

use anyhow::{Context, Result};

use crate::experiment::{Plan, RegimeRow, ReplicationRow, StudyAggregate};
use crate::model::Scenario;
use crate::results::{Metric, PROVIDER_TOTALS, series_labels};
use crate::scenario::Override;
use crate::stats::{Distribution, Summary};
pub use staging::{KEPT, MANIFEST, OutputError, Replaces, Staging, abandon_all};

mod calibration;
mod trace;
pub use calibration::{Calibrated, calibrate, write_calibration};
pub use trace::write_trace;

/// The file `capsim calibrate` writes.
pub const CALIBRATION_CSV: &str = "calibration.csv";
/// How the event logs `capsim trace` writes are named: `trace-REGIME-REPLICATION.csv`.
pub const TRACE_CSV_PREFIX: &str = "trace-";

/// Files a study writes, in the output folder.
pub const STUDY_FILES: [&str; 8] = [
    "study.csv",
    "replications.csv",
    "providers.csv",
    "timeseries.csv",
    "compare.csv",
    "provider_totals.csv",
    "commitments.csv",
    "burndown.csv",
];

fn writer(dir: &Path, name: &str) -> Result<csv::Writer<BufWriter<File>>> {
    writer_at(&dir.join(name))
}

fn writer_at(path: &Path) -> Result<csv::Writer<BufWriter<File>>> {
    let file = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    Ok(csv::Writer::from_writer(BufWriter::new(file)))
}

/// Says why a compare.csv row of `metric` has fewer values than `replications` (and `deltas`
/// paired ones) or empty cells: where it did not apply, and that one value (or one paired
/// value) has no spread.
fn note(metric: Metric, values: u64, deltas: u64, replications: u64) -> String {
    let mut notes = Vec::new();
    if let Some(why) = metric.undefined_when() {
        if values < replications {
            let missing = replications - values;
            notes.push(format!(
                "not applicable in {missing} of {replications} replications ({why})"
            ));
        }
        if deltas < values {
            notes.push(format!(
                "no delta in {} of its {values} values: the baseline's does not apply there",
                values - deltas
            ));
        }
    }
    if values == 1 {
        let one = if replications == 1 {
            "replication"
        } else {
            "value"
        };
        notes.push(format!("one {one}: no sd or CI"));
    } else if deltas == 1 {
        notes.push("one paired value: no delta CI".to_string());
    }
    notes.join("; ")
}

/// Formats an optional statistic: empty when it does not exist (one replication has no sd).
fn cell(value: Option<f64>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

/// Formats one replication's value: empty where it does not apply (NaN; see
/// `Metric::undefined_when`).
fn value_cell(value: f64) -> String {
    cell(Some(value).filter(|v| !v.is_nan()))
}

/// Streams replications.csv and providers.csv, one batch of rows at a time.
pub struct ReplicationTables {
    replications: csv::Writer<BufWriter<File>>,
    providers: csv::Writer<BufWriter<File>>,
    regime_names: Vec<String>,
    provider_ids: Vec<String>,
}

impl ReplicationTables {
    /// Creates both files with their headers.
    pub fn create(dir: &Path, scenario: &Scenario) -> Result<Self> {
        let mut replications = writer(dir, "replications.csv")?;
        let mut header = vec!["regime", "replication", "seed"];
        header.extend(Metric::ALL.iter().map(|m| m.name()));
        replications.write_record(&header)?;
        let mut providers = writer(dir, "providers.csv")?;
        let mut header = vec!["regime", "replication", "seed", "provider"];
        header.extend(PROVIDER_TOTALS);
        providers.write_record(&header)?;
        Ok(Self {
            replications,
            providers,
            regime_names: scenario.regimes.iter().map(|r| r.name.clone()).collect(),
            provider_ids: scenario.providers.iter().map(|p| p.id.clone()).collect(),
        })
    }

    /// Appends rows, regime by regime within each replication.
    pub fn write(&mut self, rows: &[ReplicationRow]) -> Result<()> {
        for row in rows {
            for (
                regime,
                RegimeRow {
                    totals, providers, ..
                },
            ) in self.regime_names.iter().zip(&row.regimes)
            {
                let (replication, seed) = (row.replication.to_string(), row.seed.to_string());
                let mut record = vec![regime.clone(), replication.clone(), seed.clone()];
                record.extend(totals.iter().map(|&value| value_cell(value)));
                self.replications.write_record(&record)?;
                for (id, p) in self.provider_ids.iter().zip(providers) {
                    self.providers.write_record([
                        regime,
                        &replication,
                        &seed,
                        id,
                        &p.served_mw_months.to_string(),
                        &p.cost_usd.to_string(),
                        &value_cell(p.share),
                    ])?;
                }
            }
        }
        Ok(())
    }

    /// Flushes both files.
    pub fn finish(mut self) -> Result<()> {
        self.replications.flush()?;
        self.providers.flush()?;
        Ok(())
    }
}

/// Writes study.csv, timeseries.csv, compare.csv, provider_totals.csv, commitments.csv and
/// burndown.csv.
pub fn write_summaries(
    dir: &Path,
    scenario: &Scenario,
    overrides: &[Override],
    plan: &Plan,
    aggregate: &StudyAggregate,
) -> Result<()> {
    write_study(dir, scenario, overrides, plan)?;
    write_timeseries(dir, scenario, aggregate)?;
    write_compare(dir, scenario, aggregate)?;
    write_provider_totals(dir, scenario, aggregate)?;
    write_commitments(dir, scenario, aggregate)?;
    write_burndown(dir, scenario, aggregate)
}

/// Writes study.csv: what was run (scenario, its `--set` overrides, one `set` row each,
/// replications, seed, baseline, incumbent, dates, version), and each provider's name under
/// `provider.ID`, for the charts' legends.
pub fn write_study(
    dir: &Path,
    scenario: &Scenario,
    overrides: &[Override],
    plan: &Plan,
) -> Result<()> {
    let mut w = writer(dir, "study.csv")?;
    w.write_record(["key", "value"])?;
    let incumbent = &scenario.providers[scenario.incumbent.0 as usize];
    let rows = [
        ("scenario", scenario.name.clone()),
        ("description", scenario.description.clone()),
        ("replications", plan.replications.to_string()),
        ("seed", plan.master_seed.to_string()),
        ("baseline", scenario.regimes[scenario.baseline].name.clone()),
        ("incumbent", incumbent.id.clone()),
        ("incumbent_name", incumbent.name.clone()),
        ("start_date", scenario.calendar.start.to_string()),
        ("end_date", scenario.calendar.end.to_string()),
        (
            "percentile_relative_error",
            crate::stats::PERCENTILE_RELATIVE_ERROR.to_string(),
        ),
        ("capsim_version", env!("CARGO_PKG_VERSION").to_string()),
    ];
    for (key, value) in rows {
        w.write_record([key, &value])?;
    }
    for provider in &scenario.providers {
        w.write_record([format!("provider.{}", provider.id), provider.name.clone()])?;
    }
    for set in overrides {
        w.write_record(["set", &set.to_string()])?;
    }
    w.flush()?;
    Ok(())
}

fn write_timeseries(dir: &Path, scenario: &Scenario, aggregate: &StudyAggregate) -> Result<()> {
    let mut w = writer(dir, "timeseries.csv")?;
    w.write_record([
        "regime", "month", "provider", "metric", "mean", "p05", "p50", "p95",
    ])?;
    let ids: Vec<String> = scenario.providers.iter().map(|p| p.id.clone()).collect();
    let labels = series_labels(&ids);
    for (regime, agg) in scenario.regimes.iter().zip(&aggregate.regimes) {
        for ((provider, metric), months) in labels.iter().zip(&agg.monthly) {
            for (m, s) in months.iter().enumerate() {
                let spread = spread_cells(s);
                let keys = [
                    regime.name.as_str(),
                    scenario.calendar.label(m),
                    provider,
                    metric,
                ];
                w.write_record(keys.into_iter().chain(spread.iter().map(String::as_str)))?;
            }
        }
    }
    w.flush()?;
    Ok(())
}

/// Returns a monthly cell's mean, p05, p50 and p95, as timeseries.csv and burndown.csv write them.
fn spread_cells(s: &Distribution) -> [String; 4] {
    [
        s.mean(),
        s.quantile(0.05),
        s.quantile(0.5),
        s.quantile(0.95),
    ]
    .map(cell)
}

fn write_compare(dir: &Path, scenario: &Scenario, aggregate: &StudyAggregate) -> Result<()> {
    let mut w = writer(dir, "compare.csv")?;
    let mut header = vec!["regime", "metric"];
    header.extend(SUMMARY_COLUMNS);
    header.extend([
        "baseline",
        "delta_mean",
        "delta_ci95_low",
        "delta_ci95_high",
        "note",
    ]);
    w.write_record(&header)?;
    let baseline = &scenario.regimes[scenario.baseline].name;
    for (regime, agg) in scenario.regimes.iter().zip(&aggregate.regimes) {
        // Every replication has a value of a metric that always applies.
        let replications = agg.totals[Metric::Needs as usize].count();
        for metric in Metric::ALL {
            let (s, d) = (&agg.totals[metric as usize], &agg.deltas[metric as usize]);
            let mut record = vec![regime.name.clone(), metric.name().to_string()];
            record.extend(summary_cells(s, metric.is_count()));
            record.extend([
                baseline.clone(),
                cell(d.mean()),
                cell(ci95(d, -1.0)),
                cell(ci95(d, 1.0)),
                note(metric, s.count(), d.count(), replications),
            ]);
            w.write_record(&record)?;
        }
    }
    w.flush()?;
    Ok(())
}

/// The columns of a summary over replications, as `summary_cells` writes them.
const SUMMARY_COLUMNS: [&str; 8] = [
    "n",
    "mean",
    "sd",
    "ci95_low",
    "ci95_high",
    "p05",
    "p50",
    "p95",
];

/// Writes a summary's `SUMMARY_COLUMNS`; a `count`'s percentiles as whole numbers.
fn summary_cells(s: &Summary, count: bool) -> [String; 8] {
    let percentile = |q: f64| {
        let estimate = s.quantile(q);
        cell(if count {
            estimate.map(whole_count)
        } else {
            estimate
        })
    };
    [
        s.count().to_string(),
        cell(s.mean()),
        cell(s.sd()),
        cell(ci95(s, -1.0)),
        cell(ci95(s, 1.0)),
        percentile(0.05),
        percentile(0.5),
        percentile(0.95),
    ]
}

/// Returns the lower (`sign` −1) or upper (+1) end of the 95% confidence interval of the mean.
fn ci95(s: &Summary, sign: f64) -> Option<f64> {
    s.mean().zip(s.ci95_half_width()).map(|(m, h)| m + sign * h)
}

/// Writes provider_totals.csv: each regime's totals per provider (MW-months served, spend, share
/// of what the lab was served) over replications, so that a study run with `--no-replications`
/// still says how the rivals fared. A share applies where the lab was served anything.
fn write_provider_totals(
    dir: &Path,
    scenario: &Scenario,
    aggregate: &StudyAggregate,
) -> Result<()> {
    let mut w = writer(dir, "provider_totals.csv")?;
    let mut header = vec!["regime", "provider", "metric"];
    header.extend(SUMMARY_COLUMNS);
    w.write_record(&header)?;
    for (regime, agg) in scenario.regimes.iter().zip(&aggregate.regimes) {
        for (provider, summaries) in scenario.providers.iter().zip(&agg.providers) {
            for (metric, s) in PROVIDER_TOTALS.iter().zip(summaries) {
                let mut record = vec![regime.name.clone(), provider.id.clone(), metric.to_string()];
                record.extend(summary_cells(s, false));
                w.write_record(&record)?;
            }
        }
    }
    w.flush()?;
    Ok(())
}

/// Writes commitments.csv: each regime's commitments, their terms, and what was counted towards
/// each and left short (means over replications; the shortfall's 95th percentile).
fn write_commitments(dir: &Path, scenario: &Scenario, aggregate: &StudyAggregate) -> Result<()> {
    let mut w = writer(dir, "commitments.csv")?;
    w.write_record([
        "regime",
        "term",
        "holder",
        "amount_usd",
        "start",
        "deadline",
        "incremental",
        "take_or_pay",
        "counted_usd_mean",
        "shortfall_usd_mean",
        "shortfall_usd_p95",
    ])?;
    for (r, (regime, agg)) in scenario.regimes.iter().zip(&aggregate.regimes).enumerate() {
        // The terms the regime ran on: a regime's own `set` may change a commitment's amount,
        // dates or take-or-pay, in its variant of the scenario only.
        let scenario = scenario.for_regime(r);
        for (commitment, [counted, shortfall]) in scenario.commitments(regime).zip(&agg.commitments)
        {
            w.write_record([
                regime.name.as_str(),
                &scenario.terms[commitment.term.0 as usize].id,
                &scenario.providers[commitment.holder.0 as usize].id,
                &commitment.amount_usd.to_string(),
                &scenario.calendar.date_of(commitment.start_day).to_string(),
                &scenario
                    .calendar
                    .date_of(commitment.deadline_day)
                    .to_string(),
                &commitment.counts_leases_from_day.is_finite().to_string(),
                &commitment.take_or_pay.to_string(),
                &cell(counted.mean()),
                &cell(shortfall.mean()),
                &cell(shortfall.quantile(0.95)),
            ])?;
        }
    }
    w.flush()?;
    Ok(())
}

/// Writes burndown.csv: for each regime's commitments, month by month from the month spend
/// starts counting to the deadline's (within the horizon), the spend counted so far (mean and
/// percentiles over replications) against the amount.
fn write_burndown(dir: &Path, scenario: &Scenario, aggregate: &StudyAggregate) -> Result<()> {
    let mut w = writer(dir, "burndown.csv")?;
    w.write_record([
        "regime",
        "term",
        "holder",
        "month",
        "amount_usd",
        "cumulative_counted_usd_mean",
        "cumulative_counted_usd_p05",
        "cumulative_counted_usd_p50",
        "cumulative_counted_usd_p95",
    ])?;
    for (r, (regime, agg)) in scenario.regimes.iter().zip(&aggregate.regimes).enumerate() {
        let scenario = scenario.for_regime(r);
        let calendar = &scenario.calendar;
        for (commitment, months) in scenario.commitments(regime).zip(&agg.burndown) {
            let Some((from_day, _)) = calendar.clip(commitment.start_day, commitment.deadline_day)
            else {
                continue;
            };
            let counting = calendar.month_of(from_day)..=commitment.payment_month(calendar);
            for (m, s) in months.iter().enumerate() {
                if !counting.contains(&m) {
                    continue;
                }
                let amount_usd = commitment.amount_usd.to_string();
                let keys = [
                    regime.name.as_str(),
                    &scenario.terms[commitment.term.0 as usize].id,
                    &scenario.providers[commitment.holder.0 as usize].id,
                    calendar.label(m),
                    &amount_usd,
                ];
                let spread = spread_cells(s);
                w.write_record(keys.into_iter().chain(spread.iter().map(String::as_str)))?;
            }
        }
    }
    w.flush()?;
    Ok(())
}

/// Returns a count's percentile as a whole number: the sketch's estimate rounded down, which
/// is exact below 128 (where a bucket holds one whole number) and stays within the sketch's
/// relative error above. Rounding to the nearest did not: the bucket [128, 130) reports
/// 128.99, and 129 is 1/128 off a count of 128, beyond the 1/129 that `study.csv` states.
fn whole_count(estimate: f64) -> f64 {
    estimate.floor()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::PERCENTILE_RELATIVE_ERROR;

    #[test]
    fn a_counts_percentile_stays_within_the_stated_error() {
        // Each count beside a much larger one, so the lower percentile is the count's bucket
        // value, not the exact minimum it is clamped to.
        for count in 1..=70_000u32 {
            let mut s = Summary::default();
            s.add(f64::from(count));
            s.add(f64::from(count) * 3.0);
            let reported = whole_count(s.quantile(0.0).expect("two values"));
            let error = (reported - f64::from(count)).abs() / f64::from(count);
            assert!(
                error <= PERCENTILE_RELATIVE_ERROR,
                "count {count} reported as {reported}: relative error {error}"
            );
            if count < 128 {
                assert_eq!(reported, f64::from(count));
            }
        }
    }
    #[test]
    fn a_single_paired_value_says_why_its_delta_has_no_interval() {
        // rofr_delay_days applies in 5 of 10 replications, the baseline's in 1 of those 5.
        assert_eq!(
            note(Metric::RofrDelayDays, 5, 1, 10),
            "not applicable in 5 of 10 replications (no need offered to a first-refusal holder was served); \
             no delta in 4 of its 5 values: the baseline's does not apply there; \
             one paired value: no delta CI"
        );
        assert_eq!(note(Metric::Needs, 10, 10, 10), "");
        assert_eq!(note(Metric::Needs, 1, 1, 1), "one replication: no sd or CI");
    }
}
