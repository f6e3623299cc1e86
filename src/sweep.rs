//! Parameter sweeps: `--vary KEY=V1,V2,...` lists and the grid of their cartesian product.

use crate::scenario::{Override, as_number, parse_override};

/// One varied key and its values, each kept as written for the output's key column.
#[derive(Debug, Clone, PartialEq)]
pub struct Vary {
    /// Dotted scenario key (`market.price_trend_per_year`).
    pub key: String,
    /// The values as written, and the overrides that set them.
    pub values: Vec<(String, Override)>,
}

/// Parses `KEY=V1,V2,...`. Values are TOML (or bare strings, as for `--set`); commas inside
/// `{ }`, `[ ]` or quotes do not split, so `KEY={ dist = "uniform", low = 1, high = 2 },3`
/// has two values.
pub fn parse_vary(text: &str) -> Result<Vary, String> {
    let (key, list) = text
        .split_once('=')
        .ok_or_else(|| format!("'{text}' is not KEY=V1,V2,..."))?;
    let key = key.trim();
    let values = split_top_level(list)?;
    if values.iter().all(|v| v.is_empty()) {
        return Err(format!("no values given for {key}: write {key}=V1,V2,..."));
    }
    if let Some(i) = values.iter().position(String::is_empty) {
        return Err(format!(
            "value {} of {key} is empty in '{list}': write {key}=V1,V2,...",
            i + 1
        ));
    }
    let mut parsed: Vec<(String, Override)> = Vec::with_capacity(values.len());
    for value in values {
        let o = Override {
            flag: "--vary",
            ..parse_override(&format!("{key}={value}"))?
        };
        if let Some((first, _)) = parsed.iter().find(|(_, p)| same_value(&p.value, &o.value)) {
            return Err(if *first == value {
                format!("{key} lists {value} twice")
            } else {
                format!("{key} lists the same value twice, as {first} and {value}")
            });
        }
        parsed.push((value, o));
    }
    Ok(Vary {
        // As the overrides write it: `capacity[0]` is `capacity.0`.
        key: parsed[0].1.key.clone(),
        values: parsed,
    })
}

/// Whether two values set a field alike, so that two points would run the same scenario: equal
/// as TOML (whatever the spacing), or numbers of equal value (`1` and `1.0`, `1e6` and `1000000`).
fn same_value(a: &toml::Value, b: &toml::Value) -> bool {
    a == b || matches!((as_number(a), as_number(b)), (Some(x), Some(y)) if x == y)
}

/// Splits at commas outside brackets, braces and quotes; trims each part.
fn split_top_level(list: &str) -> Result<Vec<String>, String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    for c in list.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '{' | '[') => depth += 1,
            (None, '}' | ']') => depth -= 1,
            (None, ',') if depth == 0 => {
                parts.push(current.trim().to_string());
                current.clear();
                continue;
            }
            _ => {}
        }
        if depth < 0 {
            return Err(format!("unbalanced brackets in '{list}'"));
        }
        current.push(c);
    }
    if depth != 0 || quote.is_some() {
        return Err(format!("unbalanced brackets or quotes in '{list}'"));
    }
    parts.push(current.trim().to_string());
    Ok(parts)
}

/// One point of a grid: a value of each varied key.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    /// The values as written, in `--vary` order.
    pub labels: Vec<String>,
    /// The overrides that set them.
    pub overrides: Vec<Override>,
}

/// Returns the grid's points: the cartesian product of the lists, the first key varying
/// slowest (nested loops in the order given).
pub fn grid(varies: &[Vary]) -> Vec<Point> {
    let mut points = vec![Point {
        labels: Vec::new(),
        overrides: Vec::new(),
    }];
    for vary in varies {
        points = points
            .into_iter()
            .flat_map(|point| {
                vary.values.iter().map(move |(label, o)| {
                    let mut next = point.clone();
                    next.labels.push(label.clone());
                    next.overrides.push(o.clone());
                    next
                })
            })
            .collect();
    }
    points
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_split_at_top_level_commas_only() {
        let v = parse_vary("a.b={ dist = \"uniform\", low = 1, high = 2 }, 3,\"x,y\"").unwrap();
        let labels: Vec<&str> = v.values.iter().map(|(l, _)| l.as_str()).collect();
        assert_eq!(
            labels,
            ["{ dist = \"uniform\", low = 1, high = 2 }", "3", "\"x,y\""]
        );
        assert_eq!(v.values[1].1.value, toml::Value::Integer(3));
        assert!(v.values[0].1.value.is_table());
    }

    #[test]
    fn malformed_lists_are_refused() {
        for bad in [
            "a.b", "a.b=", "a.b=1,,2", "a.b=1,", "a.b={1,2", "a.b=1,1", "=1,2", "a..b=1",
        ] {
            assert!(parse_vary(bad).is_err(), "{bad} accepted");
        }
        // The same value written two ways would run the same point twice under two labels.
        for (bad, twice) in [
            ("a.b=1,2,1.0", "1 and 1.0"),
            ("a.b=1e6,1000000", "1e6 and 1000000"),
            ("a.b={ low = 1 },{low=1}", "{ low = 1 } and {low=1}"),
        ] {
            let message = parse_vary(bad).unwrap_err();
            assert!(
                message.ends_with(&format!("twice, as {twice}")),
                "{message}"
            );
        }
        assert!(parse_vary("a.b=1,1.5,\"1\"").is_ok());
    }

    #[test]
    fn the_grid_is_the_product_with_the_first_key_slowest() {
        let a = parse_vary("a=1,2").unwrap();
        let b = parse_vary("b=x,y,z").unwrap();
        let points = grid(&[a, b]);
        let labels: Vec<String> = points.iter().map(|p| p.labels.join(" ")).collect();
        assert_eq!(labels, ["1 x", "1 y", "1 z", "2 x", "2 y", "2 z"]);
        assert_eq!(points[4].overrides[1].key, "b");
        assert_eq!(grid(&[]).len(), 1);
    }
}
