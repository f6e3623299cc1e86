//! `capsim plot DIR`: redraw the charts and index.html from the CSVs in DIR alone.

use std::path::PathBuf;

use clap::Args;

use super::UsageError;
use crate::report::Replaces;

/// Arguments of `capsim plot`.
#[derive(Debug, Args)]
pub struct PlotArgs {
    /// A folder written by `capsim run`, `merge` or `sensitivity` (or CSVs edited or combined
    /// by hand).
    pub dir: PathBuf,
}

/// Draws the charts through a staging folder, as a run does: the folder changes only when
/// every chart is drawn, and every file in it that the drawing does not write is kept (its
/// CSVs, and any file of the user's, in charts/ too). A missing or malformed CSV, a sweep's
/// folder, or a shard's folder (not yet merged), is an input error (exit status 2).
pub fn run(args: PlotArgs) -> anyhow::Result<()> {
    if !args.dir.is_dir() {
        let problem = if args.dir.exists() {
            "is not a folder; allowed: a folder written by `capsim run`, `merge` or `sensitivity`"
        } else {
            "no such folder"
        };
        return Err(UsageError(format!("{}: {problem}", args.dir.display())).into());
    }
    // Forced: the folder is the user's to draw in, whoever wrote its CSVs.
    let staging = super::stage(&args.dir, true, Replaces::Written)?;
    let written = crate::plot::redraw(&args.dir, staging.path())?;
    staging.publish()?;
    println!("{} files written in {}", written.len(), args.dir.display());
    Ok(())
}
