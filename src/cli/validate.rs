//! `capsim validate`: check a scenario file and say what is wrong.

use super::{ValidateArgs, count};
use crate::scenario;

/// Loads and validates the file; prints a one-line summary when it is fine.
pub fn run(args: ValidateArgs) -> anyhow::Result<()> {
    let s = scenario::load_file(&args.scenario, &args.overrides)?;
    println!(
        "{}: ok — {}, {}, {}, {} ({}), {} to {}",
        args.scenario.display(),
        count(s.providers.len(), "provider", "providers"),
        count(s.classes.len(), "demand class", "demand classes"),
        count(s.terms.len(), "term", "terms"),
        count(s.regimes.len(), "regime", "regimes"),
        s.regimes
            .iter()
            .map(|r| r.name.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        s.calendar.start,
        s.calendar.end,
    );
    Ok(())
}
