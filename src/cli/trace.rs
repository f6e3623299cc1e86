//! `capsim trace`: the event log of one replication of one regime, for seeing why.

use clap::Args;

use super::source::{ScenarioSource, regime_named};
use crate::model::world::{World, replication_seed};
use crate::report::{Replaces, TRACE_CSV_PREFIX, write_trace};
use crate::results::Metric;
use crate::sim::{account, simulate_traced};

/// Arguments of `capsim trace`.
#[derive(Debug, Args)]
pub struct TraceArgs {
    /// The scenario and its overrides.
    #[command(flatten)]
    pub input: super::source::ScenarioArgs,
    /// Regime to trace.
    #[arg(long)]
    pub regime: String,
    /// Replication index (as in replications.csv).
    #[arg(long, default_value_t = 0)]
    pub replication: u64,
    /// Master seed of the study the replication belongs to.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Where to write the log, as trace-REGIME-REPLICATION.csv.
    #[command(flatten)]
    pub output: super::OutputArgs,
}

/// Simulates the replication with its log and writes it; prints the replication's totals.
pub fn run(args: TraceArgs) -> anyhow::Result<()> {
    let scenario =
        ScenarioSource::read(args.input.scenario.as_deref())?.load(&args.input.overrides)?;
    let r = regime_named(&scenario, &args.regime)?;
    let (variant, regime) = (scenario.for_regime(r), &scenario.regimes[r]);
    let seed = replication_seed(args.seed, args.replication);
    let world = World::sample(variant, seed);
    let (outcome, records) = simulate_traced(variant, regime, &world);
    let result = account(variant, regime, &world, &outcome);

    let name = format!("{TRACE_CSV_PREFIX}{}-{}.csv", regime.name, args.replication);
    let staging = args.output.stage(Replaces::Written)?;
    write_trace(
        &staging.path().join(&name),
        variant,
        regime,
        &world,
        &records,
        &result,
    )?;
    staging.publish()?;
    let path = args.output.out.join(name);

    println!(
        "{}: {} events, {} log lines → {}",
        regime.name,
        outcome.events,
        records.len(),
        path.display()
    );
    println!("replication {} (seed {seed}):", args.replication);
    for metric in Metric::ALL {
        let value = result.total(metric);
        match metric.undefined_when() {
            Some(why) if value.is_nan() => println!("  {:<26} n/a: {why}", metric.name()),
            _ => println!("  {:<26} {value}", metric.name()),
        }
    }
    Ok(())
}
