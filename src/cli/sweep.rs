//! `capsim sweep`: the study at every point of a grid of scenario values, in one set of tables.

use std::time::Instant;

use anyhow::Context;
use clap::Args;

use super::run::{progress_bar, simulate_with_bar};
use super::source::ScenarioSource;
use super::{UsageError, count};
use crate::report::{Replaces, SweepTables, write_summaries};
use crate::scenario::Override;
use crate::sweep::{Vary, grid, parse_vary};

/// Arguments of `capsim sweep`.
#[derive(Debug, Args)]
pub struct SweepArgs {
    /// The scenario and its overrides.
    #[command(flatten)]
    pub input: super::source::ScenarioArgs,
    /// A scenario key and its values, e.g. --vary market.price_trend_per_year=-0.3,-0.1,0.1
    /// (repeatable: the grid is every combination, the first key varying slowest).
    #[arg(long, value_name = "KEY=V1,V2,...", value_parser = parse_vary, required = true)]
    pub vary: Vec<Vary>,
    /// Where to write.
    #[command(flatten)]
    pub output: super::OutputArgs,
    /// Replications per regime at each point.
    #[arg(long, default_value_t = 1000, value_parser = super::replications_parser())]
    pub replications: u64,
    /// Master seed, the same at every point (common random numbers across points).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Threads and progress.
    #[command(flatten)]
    pub work: super::WorkArgs,
    /// Skip replications.csv and providers.csv.
    #[arg(long)]
    pub no_replications: bool,
}

/// Checks every point's scenario, then runs the points one after another and publishes the
/// stacked tables when all are written.
pub fn run(args: SweepArgs) -> anyhow::Result<()> {
    for (i, vary) in args.vary.iter().enumerate() {
        if let Some(other) = args.vary[..i].iter().find(|v| overlap(&v.key, &vary.key)) {
            let what = if other.key == vary.key {
                format!("--vary {} is given twice", vary.key)
            } else {
                format!(
                    "--vary {} and --vary {} overlap (one holds the other): drop one",
                    other.key, vary.key
                )
            };
            return Err(UsageError(what).into());
        }
        if let Some(fixed) = (args.input.overrides.iter()).find(|o| overlap(&o.key, &vary.key)) {
            let what = if fixed.key == vary.key {
                format!(
                    "{} is both varied (--vary) and fixed (--set): drop one",
                    vary.key
                )
            } else {
                format!(
                    "--vary {} and --set {} overlap (one holds the other): drop one",
                    vary.key, fixed.key
                )
            };
            return Err(UsageError(what).into());
        }
    }
    let source = ScenarioSource::read(args.input.scenario.as_deref())?;
    // A bad --set is the same at every point: report it as such, not at the first point.
    source.load(&args.input.overrides)?;
    let points = grid(&args.vary);
    let mut scenarios = Vec::with_capacity(points.len());
    for point in &points {
        let overrides: Vec<Override> = args
            .input
            .overrides
            .iter()
            .chain(&point.overrides)
            .cloned()
            .collect();
        let scenario = source
            .load(&overrides)
            .with_context(|| format!("--vary at {}", describe(&args.vary, &point.labels)))?;
        scenarios.push(scenario);
    }

    let started = Instant::now();
    let plan = args.work.plan(args.replications, args.seed, None);
    let staging = args.output.stage(Replaces::Study)?;
    let keys: Vec<String> = args.vary.iter().map(|v| v.key.clone()).collect();
    let mut tables = SweepTables::new(staging.path(), &keys);
    let progress = progress_bar(points.len() as u64 * plan.replications, args.work.quiet);
    for (i, (point, scenario)) in points.iter().zip(&scenarios).enumerate() {
        let point_dir = staging.path().join(format!(".point-{i}"));
        std::fs::create_dir(&point_dir)
            .with_context(|| format!("cannot create {}", point_dir.display()))?;
        let aggregate = simulate_with_bar(
            scenario,
            &plan,
            &point_dir,
            !args.no_replications,
            &progress,
            i as u64 * plan.replications,
        )?;
        write_summaries(
            &point_dir,
            scenario,
            &args.input.overrides,
            &plan,
            &aggregate,
        )?;
        tables.append(&point_dir, &point.labels)?;
        std::fs::remove_dir_all(&point_dir)
            .with_context(|| format!("cannot remove {}", point_dir.display()))?;
    }
    progress.finish_and_clear();
    tables.finish()?;
    staging.publish()?;
    println!(
        "{}: {} × {} × {} in {:.1} s → {}",
        scenarios.first().map_or("", |s| s.name.as_str()),
        count(points.len(), "point", "points"),
        count(
            scenarios.first().map_or(0, |s| s.regimes.len()),
            "regime",
            "regimes"
        ),
        count(plan.replications as usize, "replication", "replications"),
        started.elapsed().as_secs_f64(),
        args.output.out.display()
    );
    Ok(())
}

/// Writes a point as `key=value key=value`.
fn describe(varies: &[Vary], labels: &[String]) -> String {
    varies
        .iter()
        .zip(labels)
        .map(|(v, l)| format!("{}={l}", v.key))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether two dotted keys name the same field or one holds the other (`a.b` and `a.b.c`):
/// a point would then set the field twice, and its label would not say what ran.
fn overlap(a: &str, b: &str) -> bool {
    let holds = |outer: &str, inner: &str| {
        inner
            .strip_prefix(outer)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
    };
    holds(a, b) || holds(b, a)
}
