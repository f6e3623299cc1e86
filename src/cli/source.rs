//! Where a study's scenario comes from: a file, or the embedded default. Its text is kept so
//! that shards can record it and sweeps can rebuild the scenario with other overrides.

use std::path::{Path, PathBuf};

use clap::Args;

use super::UsageError;
use crate::model::Scenario;
use crate::scenario::{
    self, DEFAULT_SCENARIO, DEFAULT_SCENARIO_NAME, Override, ScenarioError, parse_override,
    suggestion,
};

/// What every study command takes to name its scenario: a file (or the embedded default) and
/// `--set` overrides.
#[derive(Debug, Args)]
pub struct ScenarioArgs {
    /// Scenario TOML file (default: the embedded default scenario).
    pub scenario: Option<PathBuf>,
    /// Override a scenario field, e.g. --set providers.azure.lead_time_days=90 (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE", value_parser = parse_override)]
    pub overrides: Vec<Override>,
}

/// A scenario's text and the name that errors give it.
pub struct ScenarioSource {
    /// The file's path as given, or the embedded default's name.
    pub name: String,
    /// The TOML text.
    pub text: String,
}

impl ScenarioSource {
    /// Reads `path`, or takes the embedded default scenario when there is none.
    pub fn read(path: Option<&Path>) -> Result<Self, ScenarioError> {
        match path {
            Some(path) => {
                let name = path.display().to_string();
                let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Read {
                    file: name.clone(),
                    source,
                })?;
                Ok(ScenarioSource { name, text })
            }
            None => Ok(ScenarioSource {
                name: DEFAULT_SCENARIO_NAME.to_string(),
                text: DEFAULT_SCENARIO.to_string(),
            }),
        }
    }

    /// Parses, overrides and validates the scenario.
    pub fn load(&self, overrides: &[Override]) -> Result<Scenario, ScenarioError> {
        scenario::load_str(&self.text, &self.name, overrides)
    }
}

/// Returns the index of the regime `--regime NAME` names, or a usage error with a suggestion.
pub fn regime_named(scenario: &Scenario, name: &str) -> Result<usize, UsageError> {
    let names: Vec<&str> = scenario.regimes.iter().map(|r| r.name.as_str()).collect();
    names.iter().position(|n| *n == name).ok_or_else(|| {
        UsageError(format!(
            "--regime: no regime named '{name}'{}",
            suggestion(name, &names)
        ))
    })
}
