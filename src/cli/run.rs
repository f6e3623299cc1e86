//! `capsim run` (and `capsim` alone): a whole study into an output folder.

use std::io::IsTerminal;
use std::path::Path;
use std::time::Instant;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::source::ScenarioSource;
use super::{StudyArgs, UsageError, count};
use crate::experiment::{Plan, StudyAggregate, run_study};
use crate::model::Scenario;
use crate::plot::Unit;
use crate::report::{Replaces, ReplicationTables, write_summaries};
use crate::results::Metric;
use crate::scenario::Override;
use crate::shard::{self, Manifest};

/// Runs the study of `scenario` (the embedded default when `None`), or one shard of it, and
/// publishes its files only when all are written.
pub fn run(scenario: Option<&Path>, args: StudyArgs) -> anyhow::Result<()> {
    let source = ScenarioSource::read(scenario)?;
    let scenario = source.load(&args.overrides)?;
    let plan = args.work.plan(args.replications, args.seed, args.shard);
    if let Some(shard) = plan.shard.filter(|s| s.count > plan.replications) {
        return Err(UsageError(format!(
            "--shard {shard}: {} shards of {} replications would leave some empty; use at most \
             {} shards",
            shard.count, plan.replications, plan.replications
        ))
        .into());
    }
    let started = Instant::now();
    let staging = args.output.stage(Replaces::Study)?;
    let aggregate = simulate(
        &scenario,
        &plan,
        staging.path(),
        !args.no_replications,
        args.work.quiet,
    )?;
    match plan.shard {
        Some(shard) => {
            let manifest = Manifest::new(
                &source.name,
                &source.text,
                &args.overrides,
                &plan,
                shard,
                !args.no_replications,
            );
            shard::write(staging.path(), manifest, &aggregate)?;
        }
        None => write_results(
            staging.path(),
            &scenario,
            &args.overrides,
            &plan,
            &aggregate,
        )?,
    }
    staging.publish()?;
    let seconds = started.elapsed().as_secs_f64();
    match plan.shard {
        Some(shard) => {
            let range = plan.replication_range();
            println!(
                "{}: shard {shard}, replications {}..{} of {}, {} in {seconds:.1} s → {}\n\
                 combine the shards with `capsim merge DIR... --out OUT`",
                scenario.name,
                range.start,
                range.end,
                plan.replications,
                count(scenario.regimes.len(), "regime", "regimes"),
                args.output.out.display()
            );
        }
        None => print_summary(&scenario, &plan, &aggregate, seconds, &args.output.out),
    }
    Ok(())
}

/// Runs the plan's replications with a progress bar, streaming replications.csv and
/// providers.csv into `dir` when `rows` is set.
fn simulate(
    scenario: &Scenario,
    plan: &Plan,
    dir: &Path,
    rows: bool,
    quiet: bool,
) -> anyhow::Result<StudyAggregate> {
    let range = plan.replication_range();
    let progress = progress_bar(range.end - range.start, quiet);
    let aggregate = simulate_with_bar(scenario, plan, dir, rows, &progress, 0)?;
    progress.finish_and_clear();
    Ok(aggregate)
}

/// As `simulate`, on a bar the caller owns (and finishes), which starts at `progress_from`:
/// commands that run several studies show them under one bar.
pub(super) fn simulate_with_bar(
    scenario: &Scenario,
    plan: &Plan,
    dir: &Path,
    rows: bool,
    progress: &ProgressBar,
    progress_from: u64,
) -> anyhow::Result<StudyAggregate> {
    let mut tables = match rows {
        true => Some(ReplicationTables::create(dir, scenario)?),
        false => None,
    };
    let aggregate = run_study(
        scenario,
        plan,
        |rows| tables.as_mut().map_or(Ok(()), |t| t.write(rows)),
        |done| progress.set_position(progress_from + done),
    )?;
    if let Some(tables) = tables {
        tables.finish()?;
    }
    Ok(aggregate)
}

/// Writes what a whole study publishes besides its replication tables: study.csv,
/// timeseries.csv, compare.csv, provider_totals.csv, commitments.csv, burndown.csv, the charts and
/// index.html. `capsim run` and `capsim merge` both write through here, so that their files
/// are the same.
pub(super) fn write_results(
    dir: &Path,
    scenario: &Scenario,
    overrides: &[Override],
    plan: &Plan,
    aggregate: &StudyAggregate,
) -> anyhow::Result<()> {
    write_summaries(dir, scenario, overrides, plan, aggregate)?;
    crate::plot::draw_all(dir, dir).context("drawing charts")?;
    Ok(())
}

/// Returns a bar of replications done, rate and time left on stderr; hidden when `quiet` or
/// when stderr is not a terminal.
pub(super) fn progress_bar(total: u64, quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} replications  {rate}  ETA {eta}")
            .expect("the template is valid")
            // Whole replications a second: indicatif's own `per_sec` prints four decimals.
            .with_key(
                "rate",
                |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                    let _ = write!(w, "{:.0}/s", state.per_sec());
                },
            ),
    );
    bar
}

/// Prints the headline figures per regime: what a user looks at first.
pub(super) fn print_summary(
    scenario: &Scenario,
    plan: &Plan,
    aggregate: &StudyAggregate,
    seconds: f64,
    out: &std::path::Path,
) {
    println!(
        "{}: {} × {} in {seconds:.1} s → {}",
        scenario.name,
        count(scenario.regimes.len(), "regime", "regimes"),
        count(plan.replications as usize, "replication", "replications"),
        out.display()
    );
    // The share is the incumbent's: its name heads the column, which widens to fit it with two
    // spaces before, so that it does not read as part of the column to its left.
    let share = format!(
        "{} share",
        scenario.providers[scenario.incumbent.0 as usize].name
    );
    let width = (share.chars().count() + 2).max(12);
    // The regime column fits the longest name, so that a long one does not push its row's
    // figures out of line with the others'.
    let name_width = (scenario.regimes.iter())
        .map(|regime| regime.name.chars().count())
        .fold(22, usize::max);
    // Money and MW-months in the unit the charts pick for the largest mean: $B and GW-months
    // for the default study, $K and MW-months for a small one such as mmc's.
    let unit = |m: Metric| {
        let largest = (aggregate.regimes.iter())
            .filter_map(|agg| agg.totals[m as usize].mean())
            .fold(0.0, |largest: f64, mean| largest.max(mean.abs()));
        Unit::for_metric(m.name(), largest)
    };
    let cost = unit(Metric::TotalCostUsd);
    let unmet = unit(Metric::UnmetMwMonths);
    let shortfall = unit(Metric::CommitmentShortfallUsd);
    println!(
        "{:<name_width$} {:>14} {share:>width$} {:>18} {:>20}",
        "regime",
        format!("total cost {}", cost.label()),
        format!("unmet {}", unmet.label()),
        format!("commit. shortfall {}", shortfall.label()),
    );
    for (regime, agg) in scenario.regimes.iter().zip(&aggregate.regimes) {
        // One decimal in the column's unit, or "n/a" where the metric applied in no replication.
        let mean = |m: Metric, unit: Unit, suffix: &str| match agg.totals[m as usize].mean() {
            Some(mean) => format!("{:.1}{suffix}", unit.apply(mean)),
            None => "n/a".to_string(),
        };
        println!(
            "{:<name_width$} {:>14} {:>width$} {:>18} {:>20}",
            regime.name,
            mean(Metric::TotalCostUsd, cost, ""),
            mean(Metric::AzureShare, Unit::Percent, "%"),
            mean(Metric::UnmetMwMonths, unmet, ""),
            mean(Metric::CommitmentShortfallUsd, shortfall, ""),
        );
    }
}
