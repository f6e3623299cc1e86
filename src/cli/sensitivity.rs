//! `capsim sensitivity`: each uncertain input to its low and high value, one at a time, and
//! the swing in the main metrics as a tornado table and chart.

use std::time::Instant;

use anyhow::Context;
use clap::Args;

use super::run::{progress_bar, simulate_with_bar};
use super::source::ScenarioSource;
use super::{UsageError, count};
use crate::model::Scenario;
use crate::report::{Replaces, write_inputs, write_study, write_tornado};
use crate::scenario::{Override, uncertain_inputs};
use crate::sensitivity::{Means, tornado};

/// Arguments of `capsim sensitivity`.
#[derive(Debug, Args)]
pub struct SensitivityArgs {
    /// The scenario and its overrides.
    #[command(flatten)]
    pub input: super::source::ScenarioArgs,
    /// Where to write.
    #[command(flatten)]
    pub output: super::OutputArgs,
    /// Replications per regime of each run (the base, and each input low and high).
    #[arg(long, default_value_t = 200, value_parser = super::replications_parser())]
    pub replications: u64,
    /// Master seed, the same for every run (common random numbers).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Threads and progress.
    #[command(flatten)]
    pub work: super::WorkArgs,
}

/// Finds the inputs, checks every moved scenario, runs the base and each input at its low and
/// high value, and publishes tornado.csv, inputs.csv, study.csv, the tornado charts and
/// index.html showing them.
pub fn run(args: SensitivityArgs) -> anyhow::Result<()> {
    let source = ScenarioSource::read(args.input.scenario.as_deref())?;
    let base = source.load(&args.input.overrides)?;
    let inputs = uncertain_inputs(&source.text, &source.name, &args.input.overrides)?;
    if inputs.is_empty() {
        return Err(UsageError(format!(
            "{} has no uncertain inputs: every distribution drawn once per replication is a \
             constant",
            source.name
        ))
        .into());
    }
    let load = |extra: &[Override], what: &str| -> anyhow::Result<Scenario> {
        let overrides: Vec<Override> = args.input.overrides.iter().chain(extra).cloned().collect();
        source.load(&overrides).with_context(|| what.to_string())
    };
    let mut moved = Vec::with_capacity(inputs.len());
    for input in &inputs {
        moved.push((
            load(
                &input.low,
                &format!("input {} at its low value", input.name),
            )?,
            load(
                &input.high,
                &format!("input {} at its high value", input.name),
            )?,
        ));
    }

    let started = Instant::now();
    let plan = args.work.plan(args.replications, args.seed, None);
    let staging = args.output.stage(Replaces::Study)?;
    let runs = 1 + 2 * inputs.len() as u64;
    let progress = progress_bar(runs * plan.replications, args.work.quiet);
    let mut done = 0;
    let mut means = |scenario: &Scenario| -> anyhow::Result<Means> {
        let aggregate = simulate_with_bar(scenario, &plan, staging.path(), false, &progress, done)?;
        done += plan.replications;
        Ok(Means::of(&aggregate))
    };
    let base_means = means(&base)?;
    let mut moved_means = Vec::with_capacity(moved.len());
    for (low, high) in &moved {
        moved_means.push((means(low)?, means(high)?));
    }
    progress.finish_and_clear();
    let rows = tornado(&base, &inputs, &base_means, &moved_means);
    write_study(staging.path(), &base, &args.input.overrides, &plan)?;
    write_inputs(staging.path(), &inputs)?;
    write_tornado(staging.path(), &rows)?;
    crate::plot::draw_tornado(staging.path(), staging.path())
        .context("drawing the tornado charts")?;
    staging.publish()?;
    println!(
        "{}: {} × 2 + base = {runs} runs × {} in {:.1} s → {}",
        base.name,
        count(inputs.len(), "input", "inputs"),
        count(plan.replications as usize, "replication", "replications"),
        started.elapsed().as_secs_f64(),
        args.output.out.display()
    );
    Ok(())
}
