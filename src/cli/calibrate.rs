//! `capsim calibrate`: the default study beside the public figures it should reproduce.

use std::path::PathBuf;

use clap::Args;

use super::UsageError;
use super::run::progress_bar;
use super::source::{ScenarioSource, regime_named};
use crate::experiment::run_study;
use crate::report::{Replaces, calibrate, write_calibration};
use crate::scenario::calibration::{DEFAULT_TARGETS, load_targets};

/// The regime `--regime` names when not given: the default data's terms as they happened.
const DEFAULT_REGIME: &str = "open";

/// Arguments of `capsim calibrate`.
#[derive(Debug, Args)]
pub struct CalibrateArgs {
    /// The scenario and its overrides.
    #[command(flatten)]
    pub input: super::source::ScenarioArgs,
    /// Calibration targets TOML (default: the embedded data/calibration.toml).
    #[arg(long)]
    pub targets: Option<PathBuf>,
    /// The regime that follows the public story (default: open).
    #[arg(long)]
    pub regime: Option<String>,
    /// Replications.
    #[arg(long, default_value_t = 300, value_parser = super::replications_parser())]
    pub replications: u64,
    /// Master seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Where to write calibration.csv.
    #[command(flatten)]
    pub output: super::OutputArgs,
    /// Threads and progress.
    #[command(flatten)]
    pub work: super::WorkArgs,
}

/// Runs the study, compares, writes calibration.csv and prints the table.
pub fn run(args: CalibrateArgs) -> anyhow::Result<()> {
    let scenario =
        ScenarioSource::read(args.input.scenario.as_deref())?.load(&args.input.overrides)?;
    // Not given, the default data's regime of the terms as they happened; a scenario of one's
    // own may have none of that name, and the error then says the name was a default.
    let regime_name = args.regime.as_deref().unwrap_or(DEFAULT_REGIME);
    let regime = regime_named(&scenario, regime_name).map_err(|e| match &args.regime {
        Some(_) => e,
        None => UsageError(format!(
            "--regime not given, and the scenario has no regime named '{DEFAULT_REGIME}', \
             the default; allowed: --regime NAME, one of {}",
            (scenario.regimes.iter())
                .map(|r| r.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    })?;
    let (text, file) = match &args.targets {
        Some(path) => (
            std::fs::read_to_string(path).map_err(|e| {
                UsageError(format!(
                    "cannot read calibration targets {}: {e}",
                    path.display()
                ))
            })?,
            path.display().to_string(),
        ),
        None => (
            DEFAULT_TARGETS.to_string(),
            "data/calibration.toml (embedded)".to_string(),
        ),
    };
    // The embedded targets name the default scenario's providers and dates: another
    // scenario's error says where its own targets go.
    let targets = load_targets(&text, &file, &scenario).map_err(|e| {
        let hint = match args.targets {
            Some(_) => "",
            None => "; the embedded targets are the default scenario's: give --targets FILE",
        };
        UsageError(format!("calibration targets {e}{hint}"))
    })?;
    let plan = args.work.plan(args.replications, args.seed, None);
    let staging = args.output.stage(Replaces::Written)?;
    let progress = progress_bar(plan.replications, args.work.quiet);
    let aggregate = run_study(
        &scenario,
        &plan,
        |_| Ok::<(), anyhow::Error>(()),
        |done| progress.set_position(done),
    )?;
    progress.finish_and_clear();
    let rows = calibrate(&scenario, &aggregate, regime, &targets);
    write_calibration(staging.path(), regime_name, &rows)?;
    staging.publish()?;

    println!(
        "{} regime, {} replications: simulated mean against the published range",
        regime_name, args.replications
    );
    for row in &rows {
        let t = &row.target;
        let take_or_pay = if row.take_or_pay > 0.0 {
            format!("  (take-or-pay {:.2})", row.take_or_pay)
        } else {
            String::new()
        };
        println!(
            "  {:<4} {:<38} {:>9.2} {:<3} in [{}, {}]{take_or_pay}",
            if row.inside() { "ok" } else { "OUT" },
            t.figure,
            row.simulated,
            t.unit,
            t.low,
            t.high
        );
    }
    println!("→ {}", args.output.out.join("calibration.csv").display());
    Ok(())
}
