//! Calibration targets: public figures with their sources and ranges, read from TOML.

use serde::Deserialize;

use super::suggestion;
use crate::model::Scenario;
use crate::results::{ALL_ONLY_SERIES, PROVIDER_SERIES};

/// The calibration targets of the default scenario, embedded in the binary.
pub const DEFAULT_TARGETS: &str = include_str!("../../data/calibration.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTargets {
    target: Vec<RawTarget>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTarget {
    figure: String,
    source: String,
    series: String,
    provider: OneOrMany,
    from: String,
    to: String,
    unit: String,
    low: f64,
    high: f64,
}

/// A provider id, or several whose series are summed (a deal split across providers).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

/// A public figure and where the simulation's value for it comes from.
#[derive(Debug, Clone)]
pub struct Target {
    /// What is compared.
    pub figure: String,
    /// Who reported it, and when.
    pub source: String,
    /// Monthly series name (`served_mw`, `cost_usd`, ...).
    pub series: String,
    /// Provider ids, or `all`, whose series are summed.
    pub providers: Vec<String>,
    /// First month index, inclusive.
    pub from_month: usize,
    /// Last month index, inclusive.
    pub to_month: usize,
    /// Display unit: `GW` or `$B`.
    pub unit: String,
    /// Divisor from the series' unit to the display unit.
    pub divisor: f64,
    /// Published range, low end, in the display unit.
    pub low: f64,
    /// Published range, high end.
    pub high: f64,
}

/// Parses targets and checks them against the scenario's series, providers and months.
pub fn load_targets(text: &str, file: &str, scenario: &Scenario) -> Result<Vec<Target>, String> {
    let raw: RawTargets = toml::from_str(text).map_err(|e| format!("{file}: {e}"))?;
    let month = |label: &str| {
        (0..scenario.calendar.months()).find(|&m| scenario.calendar.label(m) == label)
    };
    let mut providers: Vec<&str> = scenario.providers.iter().map(|p| p.id.as_str()).collect();
    providers.push("all");
    let series: Vec<&str> = PROVIDER_SERIES
        .iter()
        .chain(&ALL_ONLY_SERIES)
        .copied()
        .collect();
    raw.target
        .into_iter()
        .map(|t| {
            let at = |what: &str| format!("{file}: target '{}': {what}", t.figure);
            if !series.contains(&t.series.as_str()) {
                return Err(at(&format!(
                    "no series '{}'{}",
                    t.series,
                    suggestion(&t.series, &series)
                )));
            }
            let named = match t.provider {
                OneOrMany::One(id) => vec![id],
                OneOrMany::Many(ids) => ids,
            };
            if named.is_empty() {
                return Err(at(
                    "provider: an empty list; allowed a provider id, a list of them, or 'all'",
                ));
            }
            if let Some(unknown) = named.iter().find(|p| !providers.contains(&p.as_str())) {
                return Err(at(&format!(
                    "no provider '{unknown}'{}",
                    suggestion(unknown, &providers)
                )));
            }
            let (from_month, to_month) = match (month(&t.from), month(&t.to)) {
                (Some(a), Some(b)) if a <= b => (a, b),
                _ => {
                    return Err(at(
                        "from and to must be months (YYYY-MM) of the horizon, in order",
                    ));
                }
            };
            let divisor = match t.unit.as_str() {
                "GW" => 1e3,
                "$B" => 1e9,
                other => return Err(at(&format!("unit '{other}': allowed GW, $B"))),
            };
            if t.low.is_nan() || t.high.is_nan() || t.low > t.high {
                return Err(at("low must not exceed high"));
            }
            Ok(Target {
                figure: t.figure,
                source: t.source,
                series: t.series,
                providers: named,
                from_month,
                to_month,
                unit: t.unit,
                divisor,
                low: t.low,
                high: t.high,
            })
        })
        .collect()
}
