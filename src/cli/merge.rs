//! `capsim merge`: shard folders into exactly what the unsharded run writes.

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;

use super::UsageError;
use super::run::{print_summary, write_results};
use crate::report::Replaces;
use crate::shard::{ROW_FILES, ShardSet};

/// Arguments of `capsim merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The shard folders (written by `capsim run --shard K/N`), in any order.
    #[arg(required = true, value_name = "DIR")]
    pub dirs: Vec<PathBuf>,
    /// Where to write.
    #[command(flatten)]
    pub output: super::OutputArgs,
}

/// Checks that the folders are every shard of one study, then writes the whole study's
/// files: the same bytes `capsim run` writes for compare.csv, provider_totals.csv,
/// commitments.csv, burndown.csv, timeseries.csv, study.csv and the replication tables. Nothing is written
/// when a check fails.
pub fn run(args: MergeArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    // Staged first, so that a folder that cannot be written is refused before the shards are
    // read; the output folder as resolved (links and `..` followed) is not a shard's.
    let staging = args.output.stage(Replaces::Study)?;
    for dir in &args.dirs {
        if std::fs::canonicalize(dir).is_ok_and(|dir| dir == staging.target()) {
            return Err(UsageError(format!(
                "--out {} is the shard folder {}: write the merge elsewhere",
                args.output.out.display(),
                dir.display()
            ))
            .into());
        }
    }
    let shards = ShardSet::open(&args.dirs)?;
    let aggregate = shards.merged_aggregate()?;
    if shards.replication_tables {
        for name in ROW_FILES {
            shards.concatenate(name, staging.path())?;
        }
    }
    write_results(
        staging.path(),
        &shards.scenario,
        &shards.overrides,
        &shards.plan,
        &aggregate,
    )?;
    staging.publish()?;
    print_summary(
        &shards.scenario,
        &shards.plan,
        &aggregate,
        started.elapsed().as_secs_f64(),
        &args.output.out,
    );
    Ok(())
}
