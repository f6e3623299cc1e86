//! `--set KEY=VALUE` overrides applied to the parsed TOML before validation.

use toml::{Table, Value};

use super::suggestion;

/// One override: a dotted key into the scenario and a TOML value.
#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    /// Dotted path (`providers.azure.share_available`, `providers.azure.capacity.0.size_mw`).
    pub key: String,
    /// The new value.
    pub value: Value,
    /// The command-line flag that gave it (`--set`, or `--vary` for a sweep's point), so that
    /// an error names the flag the user typed.
    pub flag: &'static str,
    /// Why TOML could not read a value kept as text though it looks meant as TOML (a list, a
    /// table, quoted text, a number): a text field takes the text, any other field refuses
    /// it with this reason, which only the field's present value can tell apart.
    pub unread: Option<String>,
}

/// Writes the override as the user gave it, `KEY=VALUE` (the value as TOML).
impl std::fmt::Display for Override {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}={}", self.key, self.value)
    }
}

/// Reads a TOML number, integer or float, as a float (`1` and `1.0` alike); None for others.
pub fn as_number(value: &Value) -> Option<f64> {
    value
        .as_float()
        .or_else(|| value.as_integer().map(|i| i as f64))
}

/// Parses `KEY=VALUE`; the value is read as TOML (`0.5`, `2026-01-01`, `{ dist = "uniform",
/// low = 1, high = 2 }`, `["a", "b"]`), or else taken as a string, which `apply` refuses for
/// a field that is not text when the value looks meant as TOML (see `Override::unread`).
pub fn parse_override(text: &str) -> Result<Override, String> {
    let (key, value) = text
        .split_once('=')
        .ok_or_else(|| format!("'{text}' is not KEY=VALUE"))?;
    let (key, value) = (dotted(key.trim()), value.trim());
    let key = key.as_str();
    if key.is_empty() || key.split('.').any(str::is_empty) {
        return Err(format!(
            "'{key}' is not a dotted key like providers.azure.lead_time_days"
        ));
    }
    if value.is_empty() {
        return Err(format!("no value given for {key}"));
    }
    let (value, unread) = match toml::from_str::<Table>(&format!("v = {value}")) {
        Ok(mut table) => (table.remove("v").expect("parsed table has the key"), None),
        // A list, a table or quoted text that does not parse is kept with what TOML found
        // wrong, for a field that is not text to say, rather than that it got a string.
        Err(e) if value.starts_with(['{', '[', '"', '\'']) => {
            let at = e.span().map_or(String::new(), |span| {
                format!(", at character {}", span.start.saturating_sub(4) + 1)
            });
            let unread = format!(
                "found '{value}', which TOML cannot read: {}{at}; allowed a TOML value such as \
                 [\"a\", \"b\"] or {{ dist = \"uniform\", low = 1, high = 2 }}",
                e.message().trim_end()
            );
            (Value::String(value.to_string()), Some(unread))
        }
        // So is a number TOML refuses (1e400 overflows; .5 and 5. want digits both sides).
        Err(_)
            if value.starts_with(|c: char| c.is_ascii_digit() || "+-.".contains(c))
                && value.replace('_', "").parse::<f64>().is_ok() =>
        {
            let unread = format!(
                "found {value}, which TOML cannot read as a number; allowed a number within \
                 about ±1.8e308 written with digits on both sides of its point, such as 0.5, \
                 5.0 or 1e6"
            );
            (Value::String(value.to_string()), Some(unread))
        }
        Err(_) => (Value::String(value.to_string()), None),
    };
    Ok(Override {
        key: key.to_string(),
        value,
        flag: "--set",
        unread,
    })
}

/// Writes list indices as dotted parts (`capacity[2].size_mw` as `capacity.2.size_mw`), so that
/// a field named in an error message can be pasted as a key.
fn dotted(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    let mut rest = key;
    while let Some(open) = rest.find('[') {
        let Some(close) = rest[open..].find(']').map(|c| open + c) else {
            break;
        };
        let index = &rest[open + 1..close];
        if index.is_empty() || !index.bytes().all(|b| b.is_ascii_digit()) {
            out.push_str(&rest[..=close]);
        } else {
            out.push_str(&rest[..open]);
            out.push('.');
            out.push_str(index);
        }
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

/// Sets `o.key` in `table`. Every part of the key but the last must exist; the last may be
/// new only inside an existing table (validation then rejects names the format does not know).
pub fn apply(table: &mut Table, o: &Override) -> Result<(), String> {
    let mut root = Value::Table(std::mem::take(table));
    let result = apply_to(&mut root, o);
    let Value::Table(restored) = root else {
        unreachable!("the root stays a table")
    };
    *table = restored;
    result
}

fn apply_to(root: &mut Value, o: &Override) -> Result<(), String> {
    let parts: Vec<&str> = o.key.split('.').collect();
    let (last, path) = parts.split_last().expect("keys are not empty");
    let mut here = root;
    let mut walked = String::new();
    for part in path {
        here = step(here, part, &walked)?;
        walked = if walked.is_empty() {
            part.to_string()
        } else {
            format!("{walked}.{part}")
        };
    }
    let slot = match here {
        // A new key may be an optional field the file leaves out: the schema, which knows
        // the fields each table allows, judges it (and suggests the one meant) after. It starts
        // as a placeholder that is not text, replaced below or left with the error that ends
        // the run.
        Value::Table(t) => t.entry(last.to_string()).or_insert(Value::Boolean(false)),
        Value::Array(_) => step(here, last, &walked)?,
        _ => return Err(format!("{walked} is a value, not a table")),
    };
    // Only a text field takes text that TOML could not read as the value it looks like.
    if let Some(unread) = o.unread.as_ref().filter(|_| !slot.is_str()) {
        return Err(unread.clone());
    }
    *slot = o.value.clone();
    Ok(())
}

fn step<'v>(here: &'v mut Value, part: &str, walked: &str) -> Result<&'v mut Value, String> {
    let at = if walked.is_empty() {
        "the scenario".to_string()
    } else {
        walked.to_string()
    };
    match here {
        Value::Table(t) => {
            let names: Vec<String> = t.keys().cloned().collect();
            t.get_mut(part).ok_or_else(|| {
                let refs: Vec<&str> = names.iter().map(String::as_str).collect();
                format!("{at} has no key '{part}'{}", suggestion(part, &refs))
            })
        }
        Value::Array(items) => {
            let len = items.len();
            let index: usize = part
                .parse()
                .map_err(|_| format!("{at} is a list: found '{part}'; {}", indices(len)))?;
            items
                .get_mut(index)
                .ok_or_else(|| format!("{at} is a list: found index {index}; {}", indices(len)))
        }
        _ => Err(format!("{at} is a value, not a table")),
    }
}

/// Says which indices a list of `len` entries has, inclusive at both ends as every other
/// range of allowed values is written (`0..21` reads as if 21 were one).
fn indices(len: usize) -> String {
    match len {
        0 => "allowed: none, the list is empty".to_string(),
        _ => format!("allowed: an index from 0 to {}", len - 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_field_as_error_messages_write_it_is_a_key() {
        let key = |text: &str| parse_override(text).map(|o| o.key);
        assert_eq!(
            key("providers.azure.capacity[2].size_mw=5"),
            Ok("providers.azure.capacity.2.size_mw".to_string())
        );
        assert_eq!(key("a[0][1]=5"), Ok("a.0.1".to_string()));
        assert_eq!(key("a.0.b=5"), Ok("a.0.b".to_string()));
        // Brackets around anything but an index are left as they are, for `apply` to refuse
        // as a key the scenario does not have.
        assert_eq!(key("a[x].b=5"), Ok("a[x].b".to_string()));
        assert_eq!(key("a[].b=5"), Ok("a[].b".to_string()));
    }

    #[test]
    fn text_that_looks_like_toml_is_text_for_a_text_field_and_refused_elsewhere() {
        let mut table: Table = toml::from_str("name = \"x\"\ndays = 5\n").unwrap();
        let mut set = |text: &str| apply(&mut table, &parse_override(text).unwrap());
        assert_eq!(set("name=[draft] lab"), Ok(()));
        assert!(
            set("days=1e400")
                .unwrap_err()
                .contains("cannot read as a number")
        );
        assert!(
            set("days=[1, 2")
                .unwrap_err()
                .contains("which TOML cannot read")
        );
        assert!(
            set("new_field=.5")
                .unwrap_err()
                .contains("cannot read as a number")
        );
        assert_eq!(table["name"].as_str(), Some("[draft] lab"));
        assert_eq!(table["days"].as_integer(), Some(5));
        let mut set = |text: &str| apply(&mut table, &parse_override(text).unwrap());
        assert_eq!(set("name=007"), Ok(()));
        assert_eq!(table["name"].as_str(), Some("007"));
    }

    #[test]
    fn a_list_entry_out_of_range_says_the_last_index_allowed() {
        let mut table: Table = toml::from_str("[p]\ncapacity = [1, 2, 3]\nnone = []\n").unwrap();
        let mut set = |text: &str| apply(&mut table, &parse_override(text).unwrap());
        assert_eq!(
            set("p.capacity.x=5"),
            Err("p.capacity is a list: found 'x'; allowed: an index from 0 to 2".to_string())
        );
        assert_eq!(
            set("p.capacity[3]=5"),
            Err("p.capacity is a list: found index 3; allowed: an index from 0 to 2".to_string())
        );
        assert_eq!(
            set("p.none.0=5"),
            Err("p.none is a list: found index 0; allowed: none, the list is empty".to_string())
        );
        assert_eq!(set("p.capacity.2=5"), Ok(()));
    }

    #[test]
    fn a_new_key_close_to_one_there_is_left_to_the_schema() {
        // An optional field the file leaves out may be spelt like one it has: an AGI clause
        // with an `end` and no `ends` (the terms it ends), or a class with arrivals growth and
        // no size growth. Whether the table takes it is the schema's to say.
        let mut table: Table = toml::from_str(
            "[terms.agi]\nkind = \"agi_clause\"\nend = 2030-01-01\n\
             [demand.microsoft]\narrivals_growth_per_year = 0.2\n",
        )
        .unwrap();
        for text in [
            r#"terms.agi.ends=["azure_250b"]"#,
            "demand.microsoft.size_growth_per_year=0.1",
        ] {
            let set = parse_override(text).unwrap();
            assert_eq!(apply(&mut table, &set), Ok(()), "{text}");
        }
        assert!(table["terms"]["agi"]["ends"].is_array());
        assert!(table["demand"]["microsoft"]["size_growth_per_year"].is_float());
    }
}
