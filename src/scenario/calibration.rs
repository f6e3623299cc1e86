//! Calibration targets: public figures with their sources and ranges, read from TOML.

use serde::Deserialize;

use super::load::{parse, syntax_problem};
use super::{Problem, list, suggestion};
use crate::model::Scenario;
use crate::number::compact;
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
#[serde(
    untagged,
    expecting = "a provider id, a list of provider ids, or \"all\""
)]
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

/// Parses targets and checks them against the scenario's series, providers and months; a
/// malformed file is reported as a scenario is, with the line, column and field.
pub fn load_targets(text: &str, file: &str, scenario: &Scenario) -> Result<Vec<Target>, String> {
    let (root, locations) = parse(text).map_err(|problems| list(file, &problems))?;
    let raw = RawTargets::deserialize(toml::de::Deserializer::from(root)).map_err(|e| {
        let mut problem = syntax_problem(text, &locations, e.message(), e.span());
        let field = e.span().and_then(|span| locations.field_at(span.start));
        problem.field = field.unwrap_or_default().to_string();
        // serde reads a TOML date as a table: "invalid type: map, expected a string".
        let value = e.span().and_then(|span| text.get(span)).unwrap_or_default();
        if value.parse::<toml::value::Datetime>().is_ok() {
            problem.message =
                format!("found the date {value}; allowed a month in quotes, such as \"2026-01\"");
        }
        list(file, &[problem])
    })?;
    let located = |field: String, message: String| {
        let location = Some(locations.find(&field));
        list(
            file,
            &[Problem {
                field,
                message,
                location,
            }],
        )
    };
    if raw.target.is_empty() {
        return Err(located(
            "target".into(),
            "found no target; allowed at least one [[target]] table".into(),
        ));
    }
    let months = scenario.calendar.months();
    let month = |label: &str| (0..months).find(|&m| scenario.calendar.label(m) == label);
    let horizon = format!(
        "a month YYYY-MM of the horizon, in quotes, from {} to {}",
        scenario.calendar.label(0),
        scenario.calendar.label(months - 1)
    );
    let mut providers: Vec<&str> = scenario.providers.iter().map(|p| p.id.as_str()).collect();
    providers.push("all");
    let series: Vec<&str> = PROVIDER_SERIES
        .iter()
        .chain(&ALL_ONLY_SERIES)
        .copied()
        .collect();
    (raw.target.into_iter().enumerate())
        .map(|(i, t)| {
            let at = |field: &str, what: String| located(format!("target[{i}].{field}"), what);
            if !series.contains(&t.series.as_str()) {
                return Err(at(
                    "series",
                    format!("no series '{}'{}", t.series, suggestion(&t.series, &series)),
                ));
            }
            let named = match t.provider {
                OneOrMany::One(id) => vec![id],
                OneOrMany::Many(ids) => ids,
            };
            if named.is_empty() {
                return Err(at(
                    "provider",
                    "an empty list; allowed a provider id, a list of them, or 'all'".into(),
                ));
            }
            if let Some(unknown) = named.iter().find(|p| !providers.contains(&p.as_str())) {
                return Err(at(
                    "provider",
                    format!("no provider '{unknown}'{}", suggestion(unknown, &providers)),
                ));
            }
            if named.len() > 1 && named.iter().any(|p| p == "all") {
                return Err(at(
                    "provider",
                    "'all' already sums every provider; give it alone".into(),
                ));
            }
            if let Some(twice) = (named.iter().enumerate()).find(|(i, p)| named[..*i].contains(p)) {
                return Err(at("provider", format!("'{}' is listed twice", twice.1)));
            }
            if ALL_ONLY_SERIES.contains(&t.series.as_str()) && named != ["all"] {
                return Err(at(
                    "provider",
                    format!(
                        "series '{}' is reported for all providers only: give provider = \"all\"",
                        t.series
                    ),
                ));
            }
            let (Some(from_month), Some(to_month)) = (month(&t.from), month(&t.to)) else {
                let field = if month(&t.from).is_none() {
                    "from"
                } else {
                    "to"
                };
                let found = if field == "from" { &t.from } else { &t.to };
                return Err(at(field, format!("found \"{found}\"; allowed {horizon}")));
            };
            if to_month < from_month {
                return Err(at(
                    "to",
                    format!(
                        "found \"{}\", before from (\"{}\"); allowed from's month or a later one",
                        t.to, t.from
                    ),
                ));
            }
            // A share has no sum to compare; a level (MW, or spend to date) is read in one month,
            // as a sum over months would count it again each month; the unit follows the series.
            let (level, unit) = match t.series.as_str() {
                s if s.ends_with("share") => {
                    return Err(at(
                        "series",
                        format!(
                            "found '{s}', a share of each month, which a sum over months cannot \
                             check; allowed a series in MW or USD"
                        ),
                    ));
                }
                s if s.ends_with("_mw") => (true, "GW"),
                s => (s.starts_with("cumulative_"), "$B"),
            };
            if level && from_month != to_month {
                return Err(at(
                    "to",
                    format!(
                        "found \"{}\", after from (\"{}\"); allowed from's month alone: \
                         '{}' is a level, read in one month, not summed over several",
                        t.to, t.from, t.series
                    ),
                ));
            }
            let divisor = match t.unit.as_str() {
                "GW" if unit == "GW" => 1e3,
                "$B" if unit == "$B" => 1e9,
                other => {
                    return Err(at(
                        "unit",
                        format!("found '{other}'; allowed {unit} for series '{}'", t.series),
                    ));
                }
            };
            for (field, value) in [("low", t.low), ("high", t.high)] {
                if value.is_nan() {
                    return Err(at(field, "found NaN; allowed a number".into()));
                }
            }
            if t.low > t.high {
                return Err(at(
                    "low",
                    format!(
                        "found {}, above high ({}); low must not exceed high",
                        compact(t.low),
                        compact(t.high)
                    ),
                ));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{DEFAULT_SCENARIO, load_str};

    /// The error for one target of the default scenario with `provider` and `series` as given.
    fn error(provider: &str, series: &str) -> String {
        let scenario = load_str(DEFAULT_SCENARIO, "default", &[]).unwrap_or_else(|e| panic!("{e}"));
        let text = format!(
            "[[target]]\nfigure = \"f\"\nsource = \"s\"\nseries = \"{series}\"\nprovider = {provider}\n\
             from = \"2026-01\"\nto = \"2026-12\"\nunit = \"$B\"\nlow = 0\nhigh = 1\n"
        );
        load_targets(&text, "t.toml", &scenario).expect_err("refused")
    }

    #[test]
    fn a_provider_list_sums_each_provider_once_and_names_what_is_wrong() {
        let scenario = load_str(DEFAULT_SCENARIO, "default", &[]).unwrap_or_else(|e| panic!("{e}"));
        let targets = load_targets(DEFAULT_TARGETS, "default", &scenario).expect("valid");
        assert!(
            targets
                .iter()
                .any(|t| t.providers == ["aws", "aws_expansion"])
        );
        let cases = [
            ("[]", "cost_usd", "an empty list"),
            (r#"["all", "aws"]"#, "cost_usd", "give it alone"),
            (r#"["aws", "aws"]"#, "cost_usd", "'aws' is listed twice"),
            (
                r#"["aws", "awz"]"#,
                "cost_usd",
                "no provider 'awz' (did you mean 'aws'?)",
            ),
            (r#""aws""#, "demand_mw", "for all providers only"),
            (
                "5",
                "cost_usd",
                "a provider id, a list of provider ids, or \"all\"",
            ),
        ];
        for (provider, series, expected) in cases {
            let message = error(provider, series);
            assert!(message.contains(expected), "{provider}: {message}");
        }
    }

    #[test]
    fn a_target_that_cannot_be_checked_names_its_line_field_and_what_is_allowed() {
        // Before, these read "from and to must be months (YYYY-MM) of the horizon, in order"
        // with no line, "low must not exceed high" for a NaN, "invalid type: map, expected a
        // string" for a date, and an empty list wrote an empty calibration.csv.
        let scenario = load_str(DEFAULT_SCENARIO, "default", &[]).unwrap_or_else(|e| panic!("{e}"));
        let target = |from: &str, to: &str, low: &str| {
            format!(
                "[[target]]\nfigure = \"f\"\nsource = \"s\"\nseries = \"cost_usd\"\n\
                 provider = \"aws\"\nfrom = {from}\nto = {to}\nunit = \"$B\"\nlow = {low}\nhigh = 1\n"
            )
        };
        let cases = [
            (
                target("\"2024-12\"", "\"2026-12\"", "0"),
                "6:1: target[0].from: found \"2024-12\"; allowed a month YYYY-MM of the horizon, \
                 in quotes, from 2025-01 to 2032-12",
            ),
            (
                target("\"2026-06\"", "\"2026-05\"", "0"),
                "7:1: target[0].to: found \"2026-05\", before from (\"2026-06\"); allowed from's \
                 month or a later one",
            ),
            (
                target("2026-01-01", "\"2026-12\"", "0"),
                "6:8: target[0].from: found the date 2026-01-01; allowed a month in quotes, such \
                 as \"2026-01\"",
            ),
            (
                target("\"2026-01\"", "\"2026-12\"", "nan"),
                "9:1: target[0].low: found NaN; allowed a number",
            ),
            (
                "target = []\n".to_string(),
                "1:1: target: found no target; allowed at least one [[target]] table",
            ),
        ];
        for (text, expected) in cases {
            let message = load_targets(&text, "t.toml", &scenario).expect_err("refused");
            assert_eq!(
                message,
                format!("t.toml: 1 problem, at line:column:\nt.toml:{expected}"),
            );
        }
    }

    #[test]
    fn a_target_reads_a_series_as_its_kind_allows() {
        // A share cannot be summed over months, a level (MW, spend to date) is read in one
        // month, and the unit follows the series: each used to give a figure that meant
        // nothing (a year of Azure's monthly shares "in GW" read 0.01).
        let scenario = load_str(DEFAULT_SCENARIO, "default", &[]).unwrap_or_else(|e| panic!("{e}"));
        let target = |series: &str, to: &str, unit: &str| {
            format!(
                "[[target]]\nfigure = \"f\"\nsource = \"s\"\nseries = \"{series}\"\n\
                 provider = \"all\"\nfrom = \"2026-01\"\nto = \"{to}\"\nunit = \"{unit}\"\n\
                 low = 0\nhigh = 1\n"
            )
        };
        let cases = [
            (
                "share",
                "2026-12",
                "GW",
                "target[0].series: found 'share', a share of each month",
            ),
            (
                "unmet_share",
                "2026-01",
                "GW",
                "found 'unmet_share', a share of each month",
            ),
            (
                "served_mw",
                "2026-12",
                "GW",
                "target[0].to: found \"2026-12\", after from",
            ),
            (
                "cumulative_cost_usd",
                "2026-02",
                "$B",
                "'cumulative_cost_usd' is a level",
            ),
            (
                "cost_usd",
                "2026-12",
                "GW",
                "target[0].unit: found 'GW'; allowed $B for series",
            ),
            (
                "served_mw",
                "2026-01",
                "$B",
                "found '$B'; allowed GW for series 'served_mw'",
            ),
        ];
        for (series, to, unit, expected) in cases {
            let message =
                load_targets(&target(series, to, unit), "t.toml", &scenario).expect_err("refused");
            assert!(message.contains(expected), "{series}: {message}");
        }
        for (series, to, unit) in [
            ("served_mw", "2026-01", "GW"),
            ("cumulative_cost_usd", "2026-01", "$B"),
            ("cost_usd", "2026-12", "$B"),
        ] {
            load_targets(&target(series, to, unit), "t.toml", &scenario)
                .unwrap_or_else(|e| panic!("{series}: {e}"));
        }
    }

    #[test]
    fn a_malformed_targets_file_names_the_line_and_the_field() {
        let scenario = load_str(DEFAULT_SCENARIO, "default", &[]).unwrap_or_else(|e| panic!("{e}"));
        let target = "[[target]]\nfigure = \"f\"\nsource = \"s\"\nseries = \"cost_usd\"\n\
                      provider = \"aws\"\nfrom = \"2026-01\"\nto = \"2026-12\"\nunit = \"$B\"\n";
        let cases = [
            // The second target lacks `low` and `high`: its header is on line 12.
            (
                format!("{target}low = 0\nhigh = 1\n\n{target}"),
                "t.toml:12:1: target[1]: missing field `low`",
            ),
            (
                format!("{target}low = \"a\"\nhigh = 1\n"),
                "t.toml:9:7: target[0].low: invalid type: string \"a\", expected f64",
            ),
            (
                format!("{target}low = 0\nhihg = 1\n"),
                "t.toml:10:1: target[0].hihg: unknown field `hihg`, expected one of",
            ),
            (
                format!("{target}low = 0\nhigh = 1\n[[target]\n"),
                "t.toml:11:10: unclosed array table, expected `]`",
            ),
        ];
        for (text, expected) in cases {
            let message = load_targets(&text, "t.toml", &scenario).expect_err("refused");
            assert!(
                message.starts_with(&format!("t.toml: 1 problem, at line:column:\n{expected}")),
                "{message}"
            );
        }
    }
}
