//! `capsim run` (and `capsim` alone): a whole study into an output folder.

use std::io::IsTerminal;
use std::time::Instant;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::RunArgs;
use crate::experiment::{Plan, StudyAggregate, run_study};
use crate::model::Scenario;
use crate::report::{ReplicationTables, Staging, write_summaries};
use crate::results::Metric;
use crate::scenario;

/// Runs the study and publishes its files only when all are written.
pub fn run(args: RunArgs) -> anyhow::Result<()> {
    let scenario = scenario::load(args.scenario.as_deref(), &args.overrides)?;
    let plan = Plan {
        replications: args.replications,
        master_seed: args.seed,
        threads: args.threads.map(|t| t as usize),
    };
    let started = Instant::now();
    on_interrupt_abandon_output(&args.out);
    let staging = Staging::with_force(&args.out, args.force)?;
    let mut tables = ReplicationTables::create(staging.path(), &scenario)?;
    let progress = progress_bar(plan.replications, args.quiet);
    let aggregate = run_study(
        &scenario,
        &plan,
        |rows| tables.write(rows),
        |done| progress.set_position(done),
    )?;
    progress.finish_and_clear();
    tables.finish()?;
    write_summaries(staging.path(), &scenario, &plan, &aggregate)?;
    crate::plot::draw_all(staging.path()).context("drawing charts")?;
    staging.publish()?;
    print_summary(
        &scenario,
        &plan,
        &aggregate,
        started.elapsed().as_secs_f64(),
        &args.out,
    );
    Ok(())
}

/// On Ctrl-C or SIGTERM: remove the staging folder (waiting for a publish in progress), say
/// so, and exit with status 130; the output folder keeps its previous contents.
fn on_interrupt_abandon_output(out: &std::path::Path) {
    let out = out.display().to_string();
    // Without the handler (it fails only if one is set already) a killed run still leaves its
    // staging folder beside the output, and the next run removes it.
    let _ = ctrlc::set_handler(move || {
        crate::report::abandon_all();
        eprintln!("\ninterrupted: nothing written; {out} is as it was");
        std::process::exit(super::INTERRUPTED);
    });
}

fn progress_bar(total: u64, quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} replications  {per_sec}  ETA {eta}")
            .expect("the template is valid"),
    );
    bar
}

/// Prints the headline figures per regime: what a user looks at first.
fn print_summary(
    scenario: &Scenario,
    plan: &Plan,
    aggregate: &StudyAggregate,
    seconds: f64,
    out: &std::path::Path,
) {
    println!(
        "{}: {} regimes × {} replications in {seconds:.1} s → {}",
        scenario.name,
        scenario.regimes.len(),
        plan.replications,
        out.display()
    );
    println!(
        "{:<22} {:>14} {:>12} {:>18} {:>20}",
        "regime", "total cost $B", "Azure share", "unmet GW-months", "commit. shortfall $B"
    );
    for (regime, agg) in scenario.regimes.iter().zip(&aggregate.regimes) {
        let mean = |m: Metric| agg.totals[m as usize].mean().unwrap_or(0.0);
        println!(
            "{:<22} {:>14.1} {:>11.1}% {:>18.1} {:>20.1}",
            regime.name,
            mean(Metric::TotalCostUsd) / 1e9,
            mean(Metric::AzureShare) * 100.0,
            mean(Metric::UnmetMwMonths) / 1e3,
            mean(Metric::CommitmentShortfallUsd) / 1e9,
        );
    }
}
