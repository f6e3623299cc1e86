//! tornado.csv and inputs.csv: the results of a sensitivity analysis.

use std::path::Path;

use anyhow::Result;

use super::{cell, writer};
use crate::scenario::UncertainInput;
use crate::sensitivity::TornadoRow;

/// The tornado table's file name.
pub const TORNADO_CSV: &str = "tornado.csv";
/// The table of inputs moved, with how their low and high values were chosen.
pub const INPUTS_CSV: &str = "inputs.csv";

/// Writes tornado.csv: one row per regime, metric and input, largest swing first.
pub fn write_tornado(dir: &Path, rows: &[TornadoRow]) -> Result<()> {
    let mut w = writer(dir, TORNADO_CSV)?;
    w.write_record([
        "regime",
        "input",
        "metric",
        "low_value",
        "high_value",
        "metric_at_low",
        "metric_at_high",
        "base",
        "swing",
        "note",
    ])?;
    for r in rows {
        w.write_record([
            r.regime.as_str(),
            &r.input,
            r.metric,
            &cell(r.low_value),
            &cell(r.high_value),
            &r.metric_at_low.to_string(),
            &r.metric_at_high.to_string(),
            &r.base.to_string(),
            &r.swing.to_string(),
            &r.note,
        ])?;
    }
    w.flush()?;
    Ok(())
}

/// Writes inputs.csv: each input, the rule for its low and high values, the values (empty when
/// the fields moved together differ), how many fields it moves, and a note saying where a value
/// was clamped to the field's range or why one is empty.
pub fn write_inputs(dir: &Path, inputs: &[UncertainInput]) -> Result<()> {
    let mut w = writer(dir, INPUTS_CSV)?;
    w.write_record(["input", "rule", "low_value", "high_value", "fields", "note"])?;
    for i in inputs {
        w.write_record([
            i.name.as_str(),
            &i.rule,
            &cell(i.low_value),
            &cell(i.high_value),
            &i.low.len().to_string(),
            &i.note,
        ])?;
    }
    w.flush()?;
    Ok(())
}
