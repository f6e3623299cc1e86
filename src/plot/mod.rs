//! Charts drawn from a run's CSV files (being written on the `plot` branch).

use std::path::{Path, PathBuf};

/// Why charts could not be drawn.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// Placeholder until the chart module lands.
    #[error("charts are not available yet")]
    Unavailable,
}

/// Draws every chart from the CSVs in `dir` (none yet).
pub fn draw_all(_dir: &Path) -> Result<Vec<PathBuf>, PlotError> {
    Ok(Vec::new())
}
