//! trace.csv: the event log of one replication of one regime.

use std::path::Path;

use anyhow::Result;

use crate::model::{Regime, Scenario};
use crate::results::ReplicationResult;
use crate::sim::TraceRecord;

/// Writes `records` as CSV into `path`, with a `commitment_deadline` line for each commitment
/// of `regime` from its accounted `result`; the world's needs give each need's class.
pub fn write_trace(
    path: &Path,
    scenario: &Scenario,
    regime: &Regime,
    world: &crate::model::world::World,
    records: &[TraceRecord],
    result: &ReplicationResult,
) -> Result<()> {
    let mut w = super::writer_at(path)?;
    w.write_record([
        "day",
        "date",
        "event",
        "need",
        "class",
        "provider",
        "mw",
        "price_usd_per_mw_month",
        "start_day",
        "end_day",
        "detail",
    ])?;
    let opt = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
    let deadlines = deadline_records(scenario, regime, result);
    // Each deadline after the log's lines of its day (the needs still waiting at the horizon).
    let mut merged: Vec<&TraceRecord> = records.iter().collect();
    for deadline in &deadlines {
        let at = merged.partition_point(|r| r.day <= deadline.day);
        merged.insert(at, deadline);
    }
    for r in merged {
        let class = r
            .need
            .map(|i| {
                scenario.classes[world.needs[i as usize].class.0 as usize]
                    .id
                    .as_str()
            })
            .unwrap_or_default();
        let provider = r
            .provider
            .map(|p| scenario.providers[p.0 as usize].id.as_str())
            .unwrap_or_default();
        w.write_record([
            &r.day.to_string(),
            &scenario.calendar.date_of(r.day).to_string(),
            r.event,
            &r.need.map(|i| i.to_string()).unwrap_or_default(),
            class,
            provider,
            &r.mw.to_string(),
            &opt(r.price_usd_per_mw_month),
            &opt(r.start_day),
            &opt(r.end_day),
            &r.detail,
        ])?;
    }
    w.flush()?;
    Ok(())
}

/// What the accounting found for each commitment of the regime, as a log line at its deadline
/// (or at the horizon, if that comes first): the spend that counted, the amount, and the
/// shortfall, paid or not. The event loop does not know these; the accounting does.
fn deadline_records(
    scenario: &Scenario,
    regime: &Regime,
    result: &ReplicationResult,
) -> Vec<TraceRecord> {
    let horizon = scenario.calendar.horizon_days();
    let mut records: Vec<TraceRecord> = (scenario.commitments(regime))
        .zip(&result.commitments)
        .map(|(commitment, totals)| {
            let day = commitment.deadline_day.min(horizon);
            let when = if commitment.deadline_day > horizon {
                format!(
                    " at the horizon, before its deadline {}",
                    scenario.calendar.date_of(commitment.deadline_day)
                )
            } else {
                String::new()
            };
            let paid = if commitment.take_or_pay {
                "paid at the deadline (take-or-pay)"
            } else {
                "not paid (no take-or-pay)"
            };
            let gap_usd = commitment.amount_usd - totals.counted_usd;
            let capped = if totals.shortfall_usd < gap_usd {
                " (capped at what the holder left free to buy)"
            } else {
                ""
            };
            TraceRecord {
                day,
                event: "commitment_deadline",
                need: None,
                provider: Some(commitment.holder),
                mw: 0.0,
                price_usd_per_mw_month: None,
                start_day: Some(commitment.start_day),
                end_day: Some(commitment.deadline_day),
                detail: format!(
                    "{}{when}: counted_usd {:.0} of amount_usd {:.0}; shortfall_usd {:.0}{capped}, \
                     {paid}",
                    scenario.terms[commitment.term.0 as usize].id,
                    totals.counted_usd,
                    commitment.amount_usd,
                    totals.shortfall_usd,
                ),
            }
        })
        .collect();
    records.sort_by(|a, b| a.day.total_cmp(&b.day));
    records
}
