//! Scenario text to validated scenario, collecting every problem with its line and column:
//! TOML syntax, then `--set` overrides, then the file's shape, then ranges and references,
//! then the variants that regimes' `set` tables make.

use serde::Deserialize;
use toml::de::DeTable;
use toml::{Spanned, Table, Value};

use super::locate::{Locations, bracket_indices, within};
use super::raw::RawScenario;
use super::set::{self, Override};
use super::{Problem, ScenarioError, schema, shape, validate};
use crate::model::Scenario;

/// A regime's `set` table: its index, its name and the overrides it makes.
type RegimeSets = (usize, String, Vec<Override>);

/// A problem the TOML parser found in `text`, at its place, naming the field whose value it is
/// in; a duplicate key is named (the parser's message alone does not say which).
pub(super) fn syntax_problem(
    text: &str,
    locations: &Locations,
    message: &str,
    span: Option<std::ops::Range<usize>>,
) -> Problem {
    let start = span.as_ref().map_or(0, |s| s.start);
    let mut message = message.trim_end().to_string();
    if message == "duplicate key"
        && let Some(key) = span.clone().and_then(|s| text.get(s)).map(str::trim)
        && !key.is_empty()
    {
        let line_start = text[..start].rfind('\n').map_or(0, |n| n + 1);
        let line = text[line_start..].lines().next().unwrap_or("").trim();
        message = if line.starts_with('[') {
            let header = line.split('#').next().unwrap_or(line).trim();
            format!("table {header} given twice: a table may be given only once")
        } else {
            format!("duplicate key '{key}': a key may be given only once in a table")
        };
    }
    // The parser refuses an impossible date (2025-02-30) and a number past a float's range as
    // it does broken syntax, and takes a number with its unit (5 MW) for text without quotes.
    let value = span.and_then(|s| text.get(s)).unwrap_or_default();
    if message.starts_with("invalid date") || message.starts_with("invalid time") {
        if let Some(not_date) = schema::not_a_date(value) {
            message = not_date;
        }
    } else if message == "floating-point number overflowed" {
        message = format!("found {value}; allowed a number within about ±1.8e308");
    } else if message.starts_with("string values must be quoted")
        && schema::starts_with_number(value)
    {
        message =
            format!("found {value}; allowed a number alone, without units (text goes in quotes)");
    }
    Problem {
        field: locations.value_at(start).unwrap_or_default().to_string(),
        message,
        location: Some(locations.position(start)),
    }
}

/// Parses TOML text and indexes where its keys are; a broken document cannot be checked
/// further, so it gives every syntax error found instead, each with its line and column.
pub(super) fn parse(text: &str) -> Result<(Spanned<DeTable<'_>>, Locations), Vec<Problem>> {
    let (root, errors) = DeTable::parse_recoverable(text);
    let locations = Locations::index(text, root.get_ref());
    if !errors.is_empty() {
        let mut problems: Vec<Problem> = (errors.iter())
            .map(|e| syntax_problem(text, &locations, e.message(), e.span()))
            .collect();
        sort_and_dedup(&mut problems);
        return Err(problems);
    }
    Ok((root, locations))
}

/// Parses, overrides and validates scenario text and its regimes' variants; `file` names it
/// in errors.
pub fn load(text: &str, file: &str, overrides: &[Override]) -> Result<Scenario, ScenarioError> {
    let syntax = |problems| ScenarioError::Parse {
        file: file.to_string(),
        problems,
    };
    let (root, mut locations) = parse(text).map_err(syntax)?;
    let table = Table::deserialize(toml::de::Deserializer::from(root)).map_err(|e| {
        syntax(vec![syntax_problem(
            text,
            &locations,
            e.message(),
            e.span(),
        )])
    })?;
    for o in overrides {
        locations.mark_override(o.flag, &o.key);
    }
    let (mut scenario, regime_sets) = build(table.clone(), file, overrides, &locations)?;

    let mut problems = Vec::new();
    for (regime, name, sets) in regime_sets {
        let at = format!("regimes.{name}.set");
        let problem = |key: Option<&str>, message: String| Problem {
            field: at.clone(),
            message,
            location: Some(locations.find(&key.map_or(at.clone(), |k| format!("{at}.{k}")))),
        };
        if let Some(o) = sets.iter().find(|o| o.key.starts_with("regimes.")) {
            problems.push(problem(
                Some(&o.key),
                format!("found '{}'; allowed scenario fields, not regimes", o.key),
            ));
            continue;
        }
        // The study's own settings hold for every regime: another incumbent would put another
        // provider in this regime's azure_* columns under the same labels, and another
        // baseline, name or horizon would be ignored or break the monthly tables.
        let study: Vec<&Override> = (sets.iter())
            .filter(|o| o.key == "scenario" || o.key.starts_with("scenario."))
            .collect();
        if !study.is_empty() {
            problems.extend(study.into_iter().map(|o| {
                problem(
                    Some(&o.key),
                    format!(
                        "found '{}'; allowed fields of the world the regime runs on (market, \
                         providers, demand, terms), not the study's [scenario] settings",
                        o.key
                    ),
                )
            }));
            continue;
        }
        let all: Vec<Override> = overrides.iter().chain(&sets).cloned().collect();
        let variant = match build(table.clone(), file, &all, &Locations::default()) {
            Ok((variant, _)) => variant,
            Err(ScenarioError::Invalid {
                problems: found, ..
            }) => {
                // Each problem is the set's doing (the scenario itself is valid): point at the
                // entry of the set that caused it.
                problems.extend(found.into_iter().map(|p| {
                    let key = sets
                        .iter()
                        .find(|o| within(&p.field, &bracket_indices(&o.key)))
                        .map(|o| o.key.as_str());
                    problem(key, format!("{}: {}", p.field, p.message))
                }));
                continue;
            }
            Err(ScenarioError::Override { key, message, .. }) => {
                problems.push(problem(Some(&key), message));
                continue;
            }
            Err(other) => return Err(other),
        };
        if shape(&variant) != shape(&scenario) {
            problems.push(problem(
                None,
                "found changes to providers, classes, terms, a term's kind or the horizon; allowed \
                 changes of values only"
                    .into(),
            ));
            continue;
        }
        scenario.regimes[regime].variant = Some(scenario.variants.len());
        scenario.regimes[regime].fixed_fields =
            sets.iter().map(|o| bracket_indices(&o.key)).collect();
        scenario.variants.push(variant);
    }
    if problems.is_empty() {
        Ok(scenario)
    } else {
        sort_and_dedup(&mut problems);
        Err(ScenarioError::Invalid {
            file: file.to_string(),
            problems,
        })
    }
}

/// Applies `overrides` to the parsed table, checks its shape and validates it; every problem
/// is located through `locations`. Returns the scenario and its regimes' `set` tables.
fn build(
    mut table: Table,
    file: &str,
    overrides: &[Override],
    locations: &Locations,
) -> Result<(Scenario, Vec<RegimeSets>), ScenarioError> {
    for o in overrides {
        set::apply(&mut table, o).map_err(|message| ScenarioError::Override {
            file: file.to_string(),
            flag: o.flag,
            key: o.key.clone(),
            message,
        })?;
    }
    let shape = schema::check(&mut table);
    let mut problems = shape.problems;
    let sets = take_regime_sets(&mut table);
    let validated = match Table::try_into::<RawScenario>(table) {
        Ok(raw) => validate(raw).map(|scenario| (scenario, sets)),
        // The shape check repairs everything serde rejects; should it miss a case, the user
        // still gets an error (without a line), never a panic.
        Err(e) => Err(vec![Problem {
            field: String::new(),
            message: e.message().trim_end().to_string(),
            location: None,
        }]),
    };
    match validated {
        Ok(built) if problems.is_empty() => return Ok(built),
        Ok(_) => {}
        Err(more) => problems.extend(
            more.into_iter()
                .filter(|p| !shape.repaired.iter().any(|r| within(&p.field, r))),
        ),
    }
    for problem in &mut problems {
        problem.location = Some(locations.find(&problem.field));
    }
    sort_and_dedup(&mut problems);
    Err(ScenarioError::Invalid {
        file: file.to_string(),
        problems,
    })
}

/// Takes each regime's `set` table out of the file's table and returns it as overrides, with
/// the regime's index. Taken from the TOML table before `RawScenario` is read: deserialized
/// into a `toml::Value` there, a date became a string, which validation then refused ("write
/// the date without quotes").
fn take_regime_sets(table: &mut Table) -> Vec<RegimeSets> {
    let Some(Value::Table(regimes)) = table.get_mut("regimes") else {
        return Vec::new();
    };
    regimes
        .iter_mut()
        .enumerate()
        .filter_map(|(i, (name, regime))| {
            let Some(Value::Table(set)) = regime.as_table_mut()?.remove("set") else {
                return None;
            };
            let sets = set.into_iter().map(|(key, value)| Override {
                key,
                value,
                flag: "--set",
                unread: None,
            });
            Some((i, name.clone(), sets.collect::<Vec<_>>()))
        })
        .filter(|(_, _, sets)| !sets.is_empty())
        .collect()
}

/// Orders problems by line and column (overrides last) and drops repeats.
fn sort_and_dedup(problems: &mut Vec<Problem>) {
    problems.sort_by(|a, b| a.location.cmp(&b.location));
    let mut seen = std::collections::HashSet::new();
    problems.retain(|p| seen.insert((p.field.clone(), p.message.clone(), p.location.clone())));
}
