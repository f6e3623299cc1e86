//! trace.csv: the event log of one replication of one regime.

use std::path::Path;

use anyhow::Result;

use crate::model::Scenario;
use crate::sim::TraceRecord;

/// Writes `records` as CSV into `path`; the world's needs give each need's class.
pub fn write_trace(
    path: &Path,
    scenario: &Scenario,
    world: &crate::model::world::World,
    records: &[TraceRecord],
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
    for r in records {
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
