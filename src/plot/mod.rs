//! Charts drawn from a run's CSV files (work in progress).
