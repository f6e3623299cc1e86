//! The uncertain inputs of a scenario, found by walking its TOML: every distribution drawn
//! once per replication, and the numbers that set a per-replication chance or rate, each with
//! a low and a high value for one-at-a-time sensitivity analysis.
//!
//! The fields are listed as patterns (`providers.*.share_available`); every match in the file
//! is an input, so a scenario's own providers, classes and terms are found, not hard-coded.
//!
//! Low and high values:
//! - uniform: its low and high;
//! - normal: mean ∓ 1.645 sd; lognormal: median · exp(∓1.645 σ) (the 5th and 95th
//!   percentiles); exponential: its 5th and 95th percentiles, mean · −ln 0.95 and mean · −ln 0.05;
//! - a probability (a tranche's `slip_probability`): ×0.5 and ×1.5, at most 1;
//! - a rate (outages `per_year`): ×0.5 and ×1.5;
//!
//! each then clamped to the range the field allows. Constants are not uncertain and are left
//! out, as are inputs whose low and high are equal, and fields the model does not use: the
//! `price_premium` of a provider with a fixed `contract_price_usd_per_mw_month`.
//!
//! A distribution is moved to a *degenerate distribution of the same draw*, not to a bare
//! number: a uniform to `uniform(v, v)`, the others to `normal(v, sd = 0)`. Sampling one still
//! consumes the random numbers the original would have, so every other draw of the replication
//! is unchanged (common random numbers) and the swing is the input's effect, not noise. (A bare
//! number draws nothing, which would shift every later draw of the same stream.) Exponential
//! draws and probabilities moved to 1 may consume a different amount and lose this property.

use toml::{Table, Value};

use super::locate::{bracket_indices, within};
use super::{Override, ScenarioError, set};
use crate::model::Regime;
use crate::model::dist::{DistSpec, NamedDist};

/// Factor applied to a probability or rate for its low and high values.
const NUMBER_LOW_FACTOR: f64 = 0.5;
/// See `NUMBER_LOW_FACTOR`.
const NUMBER_HIGH_FACTOR: f64 = 1.5;

/// How a field's low and high values are found.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    /// A distribution (or a constant, which is skipped).
    Dist,
    /// A number scaled by ×0.5 and ×1.5.
    Number,
}

/// A field pattern: `*` matches every key of a table (each match is its own input), `[]` every
/// entry of a list (all entries move together, as one input).
struct Pattern {
    path: &'static str,
    kind: Kind,
    /// The range the field allows (as validation checks it): moved values are clamped to it.
    min: f64,
    max: f64,
}

/// Fields drawn once per replication (see `model::world::World::sample`), or numbers setting a
/// per-replication chance or rate. Per-need and per-outage draws (sizes, terms, lead times,
/// answer windows, outage lengths) are not listed: their spread averages out within a run.
#[rustfmt::skip]
const PATTERNS: [Pattern; 15] = [
    Pattern { path: "market.price_usd_per_mw_month", kind: Kind::Dist, min: 0.0, max: 1e12 },
    Pattern { path: "market.price_trend_per_year", kind: Kind::Dist, min: -1.0, max: 10.0 },
    Pattern { path: "market.shortage_trend_per_year", kind: Kind::Dist, min: -1.0, max: 10.0 },
    Pattern { path: "demand.*.arrivals_growth_per_year", kind: Kind::Dist, min: 0.0, max: 100.0 },
    Pattern { path: "demand.*.size_growth_per_year", kind: Kind::Dist, min: 0.0, max: 100.0 },
    Pattern { path: "demand.*.revenue_usd_per_mw_month", kind: Kind::Dist, min: 0.0, max: 1e12 },
    Pattern { path: "providers.*.price_premium", kind: Kind::Dist, min: -1.0, max: 100.0 },
    Pattern { path: "providers.*.contract_price_usd_per_mw_month", kind: Kind::Dist, min: 0.0, max: 1e12 },
    Pattern { path: "providers.*.share_available", kind: Kind::Dist, min: 0.0, max: 1.0 },
    Pattern { path: "providers.*.build_delay_days", kind: Kind::Dist, min: 0.0, max: 1e6 },
    Pattern { path: "providers.*.capacity.[].slip_probability", kind: Kind::Number, min: 0.0, max: 1.0 },
    Pattern { path: "providers.*.capacity.[].slip_days", kind: Kind::Dist, min: 0.0, max: 1e6 },
    Pattern { path: "providers.*.outages.per_year", kind: Kind::Number, min: 0.0, max: 1e4 },
    Pattern { path: "terms.*.declared_after_years", kind: Kind::Dist, min: 0.0, max: f64::INFINITY },
    Pattern { path: "terms.*.verification_days", kind: Kind::Dist, min: 0.0, max: 1e6 },
];

/// Fields the model ignores when a key beside them is set, as (pattern, that key): a signed
/// deal's fixed price replaces the market price and the premium over it.
const UNUSED_BESIDE: [(&str, &str); 1] = [(
    "providers.*.price_premium",
    "contract_price_usd_per_mw_month",
)];

/// One uncertain input and the overrides that move it to its low and high value.
#[derive(Debug, Clone, PartialEq)]
pub struct UncertainInput {
    /// Dotted name, `*` standing for every entry of a list (`providers.azure.capacity.*.slip_days`).
    pub name: String,
    /// How the low and high values were chosen (`uniform low/high`, `×0.5/×1.5`, ...); the
    /// fields moved together may be of different kinds, each rule then named once, `; `-joined.
    pub rule: String,
    /// The low value, when every field moved shares it.
    pub low_value: Option<f64>,
    /// The high value, when every field moved shares it.
    pub high_value: Option<f64>,
    /// Why a value is not the rule's (clamped to the field's range) or is missing (the fields
    /// moved together differ); empty when neither.
    pub note: String,
    /// Overrides that set the input to its low value.
    pub low: Vec<Override>,
    /// Overrides that set the input to its high value.
    pub high: Vec<Override>,
}

impl UncertainInput {
    /// Returns how many of the fields this input moves `regime`'s own `set` gives: the input
    /// cannot move those in that regime, as its `set` wins over `--set` (of `self.low.len()`).
    pub fn fields_fixed_in(&self, regime: &Regime) -> usize {
        (self.low.iter())
            .filter(|o| {
                let field = bracket_indices(&o.key);
                (regime.fixed_fields.iter()).any(|fixed| within(&field, fixed))
            })
            .count()
    }
}

/// Returns the uncertain inputs of scenario text (after `overrides`), in file order within
/// each pattern. `file` names the text in errors.
pub fn uncertain_inputs(
    text: &str,
    file: &str,
    overrides: &[Override],
) -> Result<Vec<UncertainInput>, ScenarioError> {
    let mut table: Table = toml::from_str(text).map_err(|e| ScenarioError::Parse {
        file: file.to_string(),
        problems: vec![super::Problem {
            field: String::new(),
            message: e.to_string().trim_end().to_string(),
            location: None,
        }],
    })?;
    for o in overrides {
        set::apply(&mut table, o).map_err(|message| ScenarioError::Override {
            file: file.to_string(),
            flag: o.flag,
            key: o.key.clone(),
            message,
        })?;
    }
    let root = Value::Table(table);
    let mut inputs = Vec::new();
    for pattern in &PATTERNS {
        let parts: Vec<&str> = pattern.path.split('.').collect();
        let mut groups: Vec<(String, Vec<(String, &Value)>)> = Vec::new();
        walk(&root, &parts, String::new(), String::new(), &mut groups);
        let unused_beside = UNUSED_BESIDE
            .iter()
            .find(|(path, _)| *path == pattern.path)
            .map(|(_, beside)| *beside);
        for (name, mut fields) in groups {
            if let Some(beside) = unused_beside {
                fields.retain(|(key, _)| !has_sibling(&root, key, beside));
            }
            if let Some(input) = input(pattern, name, &fields) {
                inputs.push(input);
            }
        }
    }
    Ok(inputs)
}

/// Collects the fields matching `parts` under `here`, grouped by input name.
fn walk<'v>(
    here: &'v Value,
    parts: &[&str],
    key: String,
    name: String,
    groups: &mut Vec<(String, Vec<(String, &'v Value)>)>,
) {
    let join = |path: &str, part: &str| {
        if path.is_empty() {
            part.to_string()
        } else {
            format!("{path}.{part}")
        }
    };
    let Some((part, rest)) = parts.split_first() else {
        match groups.last_mut() {
            Some((last, fields)) if *last == name => fields.push((key, here)),
            _ => groups.push((name, vec![(key, here)])),
        }
        return;
    };
    match (*part, here) {
        ("*", Value::Table(t)) => {
            for (k, v) in t {
                walk(v, rest, join(&key, k), join(&name, k), groups);
            }
        }
        ("[]", Value::Array(items)) => {
            for (i, v) in items.iter().enumerate() {
                walk(
                    v,
                    rest,
                    join(&key, &i.to_string()),
                    join(&name, "*"),
                    groups,
                );
            }
        }
        (part, Value::Table(t)) => {
            if let Some(v) = t.get(part) {
                walk(v, rest, join(&key, part), join(&name, part), groups);
            }
        }
        _ => {}
    }
}

/// Whether the table holding the field at dotted `key` (list entries by index) also has
/// `sibling`.
fn has_sibling(root: &Value, key: &str, sibling: &str) -> bool {
    let parent = key.rsplit_once('.').map_or("", |(parent, _)| parent);
    let table = parent
        .split('.')
        .filter(|part| !part.is_empty())
        .try_fold(root, |here, part| match here {
            Value::Table(t) => t.get(part),
            Value::Array(items) => items.get(part.parse::<usize>().ok()?),
            _ => None,
        });
    table
        .and_then(Value::as_table)
        .is_some_and(|t| t.contains_key(sibling))
}

/// Builds the input for the fields of one group, or `None` when nothing would move.
fn input(pattern: &Pattern, name: String, fields: &[(String, &Value)]) -> Option<UncertainInput> {
    let mut low = Vec::new();
    let mut high = Vec::new();
    let mut lows = Vec::new();
    let mut highs = Vec::new();
    let mut rules: Vec<&'static str> = Vec::new();
    // Fields whose low, and whose high, value was clamped to the field's range.
    let mut clamped = [0usize; 2];
    for (key, value) in fields {
        let Some(moved) = moved(pattern, value) else {
            continue;
        };
        let clamp = |v: f64| v.clamp(pattern.min, pattern.max);
        let (l, h) = (clamp(moved.low), clamp(moved.high));
        if l == h {
            continue;
        }
        if !rules.contains(&moved.rule) {
            rules.push(moved.rule);
        }
        clamped[0] += usize::from(l != moved.low);
        clamped[1] += usize::from(h != moved.high);
        lows.push(l);
        highs.push(h);
        low.push(Override {
            key: key.clone(),
            value: (moved.value)(l),
            flag: "--set",
            unread: None,
        });
        high.push(Override {
            key: key.clone(),
            value: (moved.value)(h),
            flag: "--set",
            unread: None,
        });
    }
    let common = |values: &[f64]| values.iter().all(|v| *v == values[0]).then(|| values[0]);
    (!low.is_empty()).then(|| UncertainInput {
        name,
        rule: rules.join("; "),
        low_value: common(&lows),
        high_value: common(&highs),
        note: note(pattern, clamped, &lows, &highs),
        low,
        high,
    })
}

/// Says which values were clamped to the field's range (in how many of the fields moved
/// together), and which differ between those fields, so that their cell is empty.
fn note(pattern: &Pattern, clamped: [usize; 2], lows: &[f64], highs: &[f64]) -> String {
    let fields = lows.len();
    let mut parts = Vec::new();
    for (count, end, bound) in [
        (clamped[0], "low", pattern.min),
        (clamped[1], "high", pattern.max),
    ] {
        let bound = format!(
            "{end} clamped to {bound}, the field's {}",
            match end {
                "low" => "minimum",
                _ => "maximum",
            }
        );
        match count {
            0 => {}
            c if c == fields => parts.push(bound),
            c => parts.push(format!("{bound}, in {c} of {fields} fields")),
        }
    }
    let mut differ = Vec::new();
    let mut empty = Vec::new();
    for (end, values) in [("low", lows), ("high", highs)] {
        let (min, max) = values
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
                (a.min(v), b.max(v))
            });
        if min != max {
            differ.push(format!("{end} {} to {}", tidy(min), tidy(max)));
            empty.push(format!("{end}_value"));
        }
    }
    if !differ.is_empty() {
        parts.push(format!(
            "the {fields} fields moved together differ ({}), so {} {} empty",
            differ.join(", "),
            empty.join(" and "),
            if empty.len() == 1 { "is" } else { "are" }
        ));
    }
    parts.join("; ")
}

/// A field's low and high values, the rule that chose them, and how a value is written.
struct Moved {
    low: f64,
    high: f64,
    rule: &'static str,
    value: fn(f64) -> Value,
}

fn moved(pattern: &Pattern, value: &Value) -> Option<Moved> {
    match pattern.kind {
        Kind::Number => {
            let v = set::as_number(value)?;
            Some(Moved {
                low: tidy(v * NUMBER_LOW_FACTOR),
                high: tidy(v * NUMBER_HIGH_FACTOR),
                rule: "×0.5/×1.5",
                value: Value::Float,
            })
        }
        Kind::Dist => {
            let spec: DistSpec = value.clone().try_into().ok()?;
            let (rule, value): (&str, fn(f64) -> Value) = match spec {
                DistSpec::Constant(_) | DistSpec::Named(NamedDist::Constant { .. }) => {
                    return None;
                }
                DistSpec::Named(NamedDist::Uniform { low, high }) => {
                    return Some(Moved {
                        low,
                        high,
                        rule: "uniform low/high",
                        value: degenerate_uniform,
                    });
                }
                DistSpec::Named(NamedDist::Normal { .. }) => {
                    ("normal mean ∓ 1.645 sd", degenerate_normal)
                }
                DistSpec::Named(NamedDist::Lognormal { .. }) => {
                    ("lognormal median·exp(∓1.645 σ)", degenerate_normal)
                }
                DistSpec::Named(NamedDist::Exponential { .. }) => {
                    ("exponential 5th/95th percentile", degenerate_normal)
                }
            };
            let (low, high) = (spec.quantile(0.05), spec.quantile(0.95));
            Some(Moved {
                low,
                high,
                rule,
                value,
            })
        }
    }
}

/// Rounds to 12 significant digits, so that 0.4 × 1.5 is written 0.6, not 0.6000000000000001.
fn tidy(v: f64) -> f64 {
    format!("{v:.11e}").parse().unwrap_or(v)
}

/// `{ dist = "uniform", low = v, high = v }`: always `v`, drawing one number as a uniform does.
fn degenerate_uniform(v: f64) -> Value {
    let mut t = Table::new();
    t.insert("dist".into(), Value::String("uniform".into()));
    t.insert("low".into(), Value::Float(v));
    t.insert("high".into(), Value::Float(v));
    Value::Table(t)
}

/// `{ dist = "normal", mean = v, sd = 0 }`: always `v`, drawing a standard normal as a normal
/// or lognormal does.
fn degenerate_normal(v: f64) -> Value {
    let mut t = Table::new();
    t.insert("dist".into(), Value::String("normal".into()));
    t.insert("mean".into(), Value::Float(v));
    t.insert("sd".into(), Value::Float(0.0));
    Value::Table(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = r#"
[market]
price_usd_per_mw_month = { dist = "normal", mean = 1000, sd = 100 }
price_trend_per_year = 0.1
[providers.a]
share_available = { dist = "uniform", low = 0.4, high = 0.8 }
capacity = [
  { online = 2025-01-01, size_mw = 1, slip_probability = 0.4, slip_days = { dist = "uniform", low = 10, high = 20 } },
  { online = 2025-06-01, size_mw = 1 },
  { online = 2026-01-01, size_mw = 1, slip_probability = 0.8, slip_days = { dist = "uniform", low = 10, high = 20 } },
]
outages = { per_year = 2, duration_days = 3, fraction = 0.1 }
[providers.b]
share_available = 1.0
[providers.c]
price_premium = { dist = "uniform", low = 0, high = 0.2 }
contract_price_usd_per_mw_month = { dist = "uniform", low = 900, high = 1100 }
[providers.d]
price_premium = { dist = "uniform", low = 0, high = 0.2 }
[demand.x]
revenue_usd_per_mw_month = { dist = "lognormal", median = 100, sigma = 0.5 }
"#;

    fn find<'a>(inputs: &'a [UncertainInput], name: &str) -> &'a UncertainInput {
        inputs
            .iter()
            .find(|i| i.name == name)
            .unwrap_or_else(|| panic!("no input {name}"))
    }

    #[test]
    fn finds_every_uncertain_input_and_skips_constants() {
        let inputs = uncertain_inputs(TEXT, "t.toml", &[]).unwrap();
        let names: Vec<&str> = inputs.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "market.price_usd_per_mw_month",
                "demand.x.revenue_usd_per_mw_month",
                // Not providers.c.price_premium: c's contract price replaces the premium.
                "providers.d.price_premium",
                "providers.c.contract_price_usd_per_mw_month",
                "providers.a.share_available",
                "providers.a.capacity.*.slip_probability",
                "providers.a.capacity.*.slip_days",
                "providers.a.outages.per_year",
            ]
        );
    }

    #[test]
    fn low_and_high_follow_the_documented_rules() {
        let inputs = uncertain_inputs(TEXT, "t.toml", &[]).unwrap();
        // normal: 1000 ∓ 1.645 × 100.
        let price = find(&inputs, "market.price_usd_per_mw_month");
        assert!((price.low_value.unwrap() - 835.5146373).abs() < 1e-6);
        assert!((price.high_value.unwrap() - 1164.4853627).abs() < 1e-6);
        // lognormal: 100 · exp(∓1.6449 × 0.5) = 43.936 and 227.602.
        let revenue = find(&inputs, "demand.x.revenue_usd_per_mw_month");
        assert!((revenue.low_value.unwrap() - 43.936_410_5).abs() < 1e-6);
        assert!((revenue.high_value.unwrap() - 227.601_660_9).abs() < 1e-6);
        let share = find(&inputs, "providers.a.share_available");
        assert_eq!((share.low_value, share.high_value), (Some(0.4), Some(0.8)));
        // Two tranches slip: 0.4 → 0.2/0.6 and 0.8 → 0.4/1 (clamped); no common value.
        let slip = find(&inputs, "providers.a.capacity.*.slip_probability");
        assert_eq!(slip.low.len(), 2);
        assert_eq!(slip.low[1].key, "providers.a.capacity.2.slip_probability");
        assert_eq!(slip.high[1].value, Value::Float(1.0));
        assert_eq!((slip.low_value, slip.high_value), (None, None));
        assert_eq!(
            slip.note,
            "high clamped to 1, the field's maximum, in 1 of 2 fields; the 2 fields moved \
             together differ (low 0.2 to 0.4, high 0.6 to 1), so low_value and high_value are \
             empty"
        );
        assert_eq!(find(&inputs, "providers.a.share_available").note, "");
        let days = find(&inputs, "providers.a.capacity.*.slip_days");
        assert_eq!((days.low_value, days.high_value), (Some(10.0), Some(20.0)));
        assert_eq!(slip.high[0].value, Value::Float(0.6));
        assert_eq!(days.rule, "uniform low/high");
        let outages = find(&inputs, "providers.a.outages.per_year");
        assert_eq!(
            (outages.low_value, outages.high_value),
            (Some(1.0), Some(3.0))
        );
    }

    #[test]
    fn fields_of_different_kinds_moved_together_name_every_rule() {
        // One tranche's slip normal, the other's uniform: the rule says how each was moved.
        let set = super::super::parse_override(
            "providers.a.capacity.0.slip_days={ dist = \"normal\", mean = 15, sd = 1 }",
        )
        .unwrap();
        let inputs = uncertain_inputs(TEXT, "t.toml", &[set]).unwrap();
        let days = find(&inputs, "providers.a.capacity.*.slip_days");
        assert_eq!(days.rule, "normal mean ∓ 1.645 sd; uniform low/high");
    }

    #[test]
    fn distributions_move_to_degenerate_ones_of_the_same_draw() {
        let inputs = uncertain_inputs(TEXT, "t.toml", &[]).unwrap();
        let share = find(&inputs, "providers.a.share_available");
        assert_eq!(
            share.low[0].value.to_string(),
            degenerate_uniform(0.4).to_string()
        );
        let revenue = find(&inputs, "demand.x.revenue_usd_per_mw_month");
        let moved = revenue.high[0].value.as_table().unwrap();
        assert_eq!(moved["dist"].as_str(), Some("normal"));
        assert_eq!(moved["sd"].as_float(), Some(0.0));
    }

    #[test]
    fn overrides_apply_before_the_walk() {
        let set = super::super::parse_override(
            "market.price_trend_per_year={ dist = \"uniform\", low = -0.2, high = 0.1 }",
        )
        .unwrap();
        let inputs = uncertain_inputs(TEXT, "t.toml", &[set]).unwrap();
        let trend = find(&inputs, "market.price_trend_per_year");
        assert_eq!((trend.low_value, trend.high_value), (Some(-0.2), Some(0.1)));
    }
}
