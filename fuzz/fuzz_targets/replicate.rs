//! Fuzz target: a scenario that validates must simulate without a panic, and every number it
//! produces must be finite and in range, or be reported as out of range (never a NaN).
//!
//! Input as for the `scenario` target. Scenarios whose worlds are large are skipped, to keep
//! the fuzzer fast; validation bounds them for real runs.

#![no_main]

use capsim::experiment::run_replication;
use capsim::model::world::World;
use libfuzzer_sys::fuzz_target;

/// Needs per world above which an input is skipped (simulating it would slow the fuzzer).
const MAX_NEEDS: usize = 5_000;

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let mut overrides = Vec::new();
    let mut text = input;
    while let Some(rest) = text.strip_prefix("--set ") {
        let (line, after) = rest.split_once('\n').unwrap_or((rest, ""));
        if let Ok(o) = capsim::scenario::parse_override(line) {
            overrides.push(o);
        }
        text = after;
    }
    let Ok(scenario) = capsim::scenario::load_str(text, "fuzz", &overrides) else {
        return;
    };
    let seed = data.len() as u64;
    let worlds = std::iter::once(&scenario).chain(&scenario.variants);
    if worlds
        .map(|s| World::sample(s, seed).needs.len())
        .any(|needs| needs > MAX_NEEDS)
    {
        return;
    }
    let (_, results) = run_replication(&scenario, seed, 0);
    // Out-of-range numbers are an error for the user, not a crash; the check must not panic.
    let _ = capsim::guard::check(&scenario, 0, &results);
});
