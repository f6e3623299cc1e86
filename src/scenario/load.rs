//! Scenario text to validated scenario, collecting every problem with its line and column:
//! TOML syntax, then `--set` overrides, then the file's shape, then ranges and references.

use serde::Deserialize;
use toml::de::DeTable;

use super::locate::{Locations, within};
use super::raw::RawScenario;
use super::set::{self, Override};
use super::{Problem, ScenarioError, schema, validate};
use crate::model::Scenario;

/// Parses, overrides and validates scenario text; `file` names it in errors.
pub fn load(text: &str, file: &str, overrides: &[Override]) -> Result<Scenario, ScenarioError> {
    let (root, errors) = DeTable::parse_recoverable(text);
    let mut locations = Locations::index(text, root.get_ref());
    if !errors.is_empty() {
        // A broken document cannot be checked further: report every syntax error found.
        let mut problems: Vec<Problem> = errors
            .iter()
            .map(|e| Problem {
                field: String::new(),
                message: e.message().trim_end().to_string(),
                location: Some(locations.position(e.span().map_or(0, |s| s.start))),
            })
            .collect();
        sort_and_dedup(&mut problems);
        return Err(ScenarioError::Parse {
            file: file.to_string(),
            problems,
        });
    }
    let mut table = toml::Table::deserialize(toml::de::Deserializer::from(root)).map_err(|e| {
        ScenarioError::Parse {
            file: file.to_string(),
            problems: vec![Problem {
                field: String::new(),
                message: e.message().trim_end().to_string(),
                location: Some(locations.position(e.span().map_or(0, |s| s.start))),
            }],
        }
    })?;
    for o in overrides {
        set::apply(&mut table, o).map_err(|message| ScenarioError::Override {
            file: file.to_string(),
            key: o.key.clone(),
            message,
        })?;
        locations.mark_override(&o.key);
    }

    let shape = schema::check(&mut table);
    let mut problems = shape.problems;
    let validated = match toml::Table::try_into::<RawScenario>(table) {
        Ok(raw) => validate(raw),
        // The shape check repairs everything serde rejects; should it miss a case, the user
        // still gets an error (without a line), never a panic.
        Err(e) => Err(vec![Problem {
            field: String::new(),
            message: e.message().trim_end().to_string(),
            location: None,
        }]),
    };
    match validated {
        Ok(scenario) if problems.is_empty() => return Ok(scenario),
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

/// Orders problems by line and column (overrides last) and drops repeats.
fn sort_and_dedup(problems: &mut Vec<Problem>) {
    problems.sort_by(|a, b| a.location.cmp(&b.location));
    let mut seen = std::collections::HashSet::new();
    problems.retain(|p| seen.insert((p.field.clone(), p.message.clone(), p.location.clone())));
}
