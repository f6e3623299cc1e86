//! The command line: the only module that knows clap. Each subcommand turns its arguments
//! into a validated plan and calls the library.

mod calibrate;
mod merge;
mod plot;
mod run;
mod sensitivity;
mod source;
mod sweep;
mod trace;
mod validate;

use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand};

use crate::experiment::Plan;
use crate::report::{Replaces, Staging};
use crate::scenario::{Override, ScenarioError, parse_override};
use crate::shard::Shard;

/// Monte Carlo simulation of an AI lab's compute demand against its cloud contracts.
///
/// With no command, runs the embedded default study (every regime, 1,000 replications)
/// and writes CSVs and charts to output/; `run`'s options apply to it.
#[derive(Debug, Parser)]
#[command(name = "capsim", version, about, long_about = None)]
// An option before a command (`capsim --quiet run`) is refused: it would be the bare form's,
// silently dropped, not the command's.
#[command(args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// `run`'s options without its scenario argument: without a command, capsim runs the
    /// default scenario, and a word that is not a command stays a mistyped command.
    #[command(flatten)]
    default_study: StudyArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run every regime of a scenario and write CSVs and charts.
    Run(RunArgs),
    /// Check a scenario file and report what is wrong with it.
    Validate(ValidateArgs),
    /// Run the study at every point of a grid of scenario values.
    Sweep(sweep::SweepArgs),
    /// Move each uncertain input to its low and high value and write a tornado table.
    Sensitivity(sensitivity::SensitivityArgs),
    /// Combine the folders of `run --shard K/N` into what the unsharded run writes.
    Merge(merge::MergeArgs),
    /// Write the event log of one replication of one regime, with the reason for every choice.
    Trace(trace::TraceArgs),
    /// Compare the default study with the public figures it should reproduce.
    Calibrate(calibrate::CalibrateArgs),
    /// Redraw every chart and index.html from the CSVs in a folder.
    Plot(plot::PlotArgs),
}

/// Arguments of `capsim run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Scenario TOML file (default: the embedded default scenario).
    pub scenario: Option<PathBuf>,
    /// The rest, which `capsim` without a command takes too.
    #[command(flatten)]
    pub study: StudyArgs,
}

/// `capsim run`'s options.
#[derive(Debug, Args)]
pub struct StudyArgs {
    /// Override a scenario field, e.g. --set providers.azure.lead_time_days=90 (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE", value_parser = parse_override)]
    pub overrides: Vec<Override>,
    /// Where to write.
    #[command(flatten)]
    pub output: OutputArgs,
    /// Replications per regime.
    #[arg(long, default_value_t = 1000, value_parser = replications_parser())]
    pub replications: u64,
    /// Master seed: the same seed gives byte-identical CSVs, whatever the thread count.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Threads and progress.
    #[command(flatten)]
    pub work: WorkArgs,
    /// Run only shard K of N (K in 1..=N): replications [(K−1)·R/N, K·R/N), into a shard
    /// folder for `capsim merge`.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<crate::shard::Shard>,
    /// Skip replications.csv and providers.csv (for huge runs).
    #[arg(long)]
    pub no_replications: bool,
}

/// Where a command writes, for every command that writes files.
#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Output folder.
    #[arg(long, default_value = "output")]
    pub out: PathBuf,
    /// Write into the output folder even if it holds files capsim did not write (they are kept).
    #[arg(long)]
    pub force: bool,
}

impl OutputArgs {
    /// Prepares the output folder's staging folder. On Ctrl-C or SIGTERM the staging folder is
    /// removed (waiting for a publish in progress) and capsim says so and exits with status
    /// 130: the output folder keeps its previous contents.
    fn stage(&self, replaces: Replaces) -> anyhow::Result<Staging> {
        stage(&self.out, self.force, replaces)
    }
}

/// Prepares `out`'s staging folder (see `OutputArgs::stage`).
fn stage(out: &Path, force: bool, replaces: Replaces) -> anyhow::Result<Staging> {
    let shown = out.display().to_string();
    // Without the handler (it fails only if one is set already) a killed run still leaves
    // its staging folder beside the output, and the next run removes it.
    let _ = ctrlc::set_handler(move || {
        crate::report::abandon_all();
        eprintln!("\ninterrupted: nothing written; {shown} is as it was");
        std::process::exit(INTERRUPTED);
    });
    Staging::with_force(out, force, replaces)
}

/// Threads and progress, for the commands that run many replications.
#[derive(Debug, Args)]
pub struct WorkArgs {
    /// Worker threads (default: one per core).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..1025))]
    pub threads: Option<u64>,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

impl WorkArgs {
    /// The plan of a study of `replications` per regime from `master_seed` (all of them, or
    /// `shard`'s slice), on these threads.
    fn plan(&self, replications: u64, master_seed: u64, shard: Option<Shard>) -> Plan {
        Plan {
            replications,
            master_seed,
            threads: self.threads.map(|t| t as usize),
            shard,
        }
    }
}

/// Arguments of `capsim validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Scenario TOML file.
    pub scenario: PathBuf,
    /// Override a scenario field before checking it (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE", value_parser = parse_override)]
    pub overrides: Vec<Override>,
}

/// Parses a replication count: at least one, and at most what a percentile bucket counts.
fn replications_parser() -> clap::builder::RangedU64ValueParser<u64> {
    clap::value_parser!(u64).range(1..=crate::stats::MAX_VALUES)
}

/// Writes `n` and the noun, singular for one ("1 regime", "9 regimes").
fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Bad input the user must fix (exit status 2), as opposed to a failure of the tool (1).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Parses the command line and runs it.
pub fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        None => run::run(None, cli.default_study),
        Some(Command::Run(args)) => run::run(args.scenario.as_deref(), args.study),
        Some(Command::Validate(args)) => validate::run(args),
        Some(Command::Sweep(args)) => sweep::run(args),
        Some(Command::Sensitivity(args)) => sensitivity::run(args),
        Some(Command::Merge(args)) => merge::run(args),
        Some(Command::Trace(args)) => trace::run(args),
        Some(Command::Calibrate(args)) => calibrate::run(args),
        Some(Command::Plot(args)) => plot::run(args),
    }
}

/// Exit status of a run stopped by Ctrl-C (SIGINT) or SIGTERM: 128 + SIGINT's number.
pub const INTERRUPTED: i32 = 130;

/// Returns the exit status for an error: 2 for bad input, 1 otherwise.
pub fn exit_status(error: &anyhow::Error) -> i32 {
    let input = error.chain().any(|cause| {
        cause.is::<ScenarioError>()
            || cause.is::<UsageError>()
            || cause.is::<crate::plot::PlotError>()
            || cause.is::<crate::report::OutputError>()
            || cause.is::<crate::guard::OutOfRange>()
            || cause.is::<crate::shard::ShardError>()
    });
    if input { 2 } else { 1 }
}
