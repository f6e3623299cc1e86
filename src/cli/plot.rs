//! `capsim plot DIR`: redraw every chart and index.html from the CSVs in DIR alone.

use std::path::PathBuf;

use clap::Args;

/// Arguments of `capsim plot`.
#[derive(Debug, Args)]
pub struct PlotArgs {
    /// A folder written by `capsim run` (or CSVs edited or combined by hand).
    pub dir: PathBuf,
}

/// Draws the charts; a missing or malformed CSV is an input error (exit status 2).
pub fn run(args: PlotArgs) -> anyhow::Result<()> {
    let written = crate::plot::draw_all(&args.dir)?;
    println!("{} files written in {}", written.len(), args.dir.display());
    Ok(())
}
