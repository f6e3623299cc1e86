//! `capsim validate`: check a scenario file and say what is wrong.

use super::ValidateArgs;
use crate::scenario;

/// Loads and validates the file; prints a one-line summary when it is fine.
pub fn run(args: ValidateArgs) -> anyhow::Result<()> {
    let s = scenario::load_file(&args.scenario, &args.overrides)?;
    println!(
        "{}: ok — {} providers, {} demand classes, {} terms, {} regimes ({}), {} to {}",
        args.scenario.display(),
        s.providers.len(),
        s.classes.len(),
        s.terms.len(),
        s.regimes.len(),
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
