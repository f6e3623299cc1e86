//! Fuzz target: scenario parsing, `--set` overrides and validation must never panic.
//!
//! The input is a scenario file, optionally preceded by lines `--set KEY=VALUE` that are
//! applied as overrides, as `capsim validate FILE --set ...` would.

#![no_main]

use libfuzzer_sys::fuzz_target;

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
    if let Err(error) = capsim::scenario::load_str(text, "fuzz", &overrides) {
        // Formatting the error must not panic either.
        let _ = error.to_string();
    }
});
