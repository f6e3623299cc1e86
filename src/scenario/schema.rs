//! The shape of a scenario file (its tables, keys and value types), checked before serde reads
//! it so that every unknown key, wrong type and missing key is reported at once, not only the
//! first. What it finds wrong it repairs with a neutral placeholder, so that validation can go
//! on to report range and reference problems elsewhere in the same file.

use chrono::{Datelike, Month, Months, NaiveDate};
use toml::{Table, Value};

use super::{Problem, did_you_mean};
use crate::number::compact;

/// What a value must look like.
#[derive(Debug)]
pub enum Shape {
    /// A string.
    Text,
    /// An integer or a float.
    Number,
    /// `true` or `false`.
    Flag,
    /// A TOML date (validation then checks that it is a plain date).
    Date,
    /// A number, or an inline table `{ dist = "...", ... }` with that family's parameters.
    Dist,
    /// A list of strings (names of other entries).
    Names,
    /// A table with these keys.
    Table(&'static [Field]),
    /// A table whose keys are names the user chooses (`[providers.ID]`), each of this shape.
    Entries(&'static Shape),
    /// A list whose items have this shape.
    List(&'static Shape),
    /// A table of scenario fields to change, by dotted key (a regime's `set`); each value is
    /// checked when the regime's variant is built.
    Settings,
}

/// One key of a table.
#[derive(Debug)]
pub struct Field {
    /// The key.
    pub name: &'static str,
    /// The shape of its value.
    pub shape: Shape,
    /// Whether the key must be present (otherwise serde supplies a default).
    pub required: bool,
}

const fn req(name: &'static str, shape: Shape) -> Field {
    Field {
        name,
        shape,
        required: true,
    }
}

const fn opt(name: &'static str, shape: Shape) -> Field {
    Field {
        name,
        shape,
        required: false,
    }
}

use Shape::{Date, Dist, Entries, Flag, List, Names, Number, Settings, Text};

const HEADER: &[Field] = &[
    req("name", Text),
    opt("description", Text),
    req("start", Date),
    req("end", Date),
    req("incumbent", Text),
    req("baseline", Text),
];
const MARKET: &[Field] = &[
    req("price_usd_per_mw_month", Dist),
    opt("price_trend_per_year", Dist),
    opt("shortage_trend_per_year", Dist),
    opt("shortage_until", Date),
];
const TRANCHE: &[Field] = &[
    req("online", Date),
    req("size_mw", Number),
    opt("slip_probability", Number),
    opt("slip_days", Dist),
];
const OUTAGES: &[Field] = &[
    req("per_year", Number),
    req("duration_days", Dist),
    req("fraction", Dist),
];
const PROVIDER: &[Field] = &[
    req("name", Text),
    opt("price_premium", Dist),
    opt("contract_price_usd_per_mw_month", Dist),
    opt("share_available", Dist),
    opt("lead_time_days", Dist),
    opt("build_delay_days", Dist),
    opt("signed_deal", Flag),
    opt("capacity", List(&Shape::Table(TRANCHE))),
    opt("outages", Shape::Table(OUTAGES)),
];
const CLASS: &[Field] = &[
    req("arrivals_per_year", Number),
    opt("arrivals_growth_per_year", Dist),
    req("size_mw", Dist),
    opt("size_growth_per_year", Dist),
    req("term_days", Dist),
    opt("notice_days", Dist),
    opt("patience_days", Dist),
    opt("revenue_usd_per_mw_month", Dist),
    opt("initial_mw", Number),
    opt("host", Text),
];
const TERM: &[Field] = &[
    req("kind", Text),
    opt("holder", Text),
    opt("start", Date),
    opt("end", Date),
    opt("classes", Names),
    opt("exempt_providers", Names),
    opt("answer_window_days", Dist),
    opt("price_match", Flag),
    opt("share_of_needs", Number),
    opt("new_capacity_only", Flag),
    opt("amount_usd", Number),
    opt("deadline", Date),
    opt("take_or_pay", Flag),
    opt("incremental", Flag),
    opt("rate", Number),
    opt("cap_usd", Number),
    opt("declared_after_years", Dist),
    opt("verification_days", Dist),
    opt("ends", Names),
];
const REGIME: &[Field] = &[
    opt("description", Text),
    opt("terms", Names),
    req("policy", Text),
    opt("max_share", Number),
    opt("set", Settings),
];

/// The whole file.
pub const SCENARIO: &[Field] = &[
    req("scenario", Shape::Table(HEADER)),
    req("market", Shape::Table(MARKET)),
    opt("providers", Entries(&Shape::Table(PROVIDER))),
    opt("demand", Entries(&Shape::Table(CLASS))),
    opt("terms", Entries(&Shape::Table(TERM))),
    req("regimes", Entries(&Shape::Table(REGIME))),
];

/// Distribution families and their parameters, as `model::dist::NamedDist` reads them.
const FAMILIES: [(&str, &[&str]); 5] = [
    ("constant", &["value"]),
    ("uniform", &["low", "high"]),
    ("normal", &["mean", "sd"]),
    ("lognormal", &["median", "sigma"]),
    ("exponential", &["mean"]),
];

/// Longest name of a provider, class, term or regime.
const MAX_NAME_CHARS: usize = 64;

/// What the check found: the problems, and the paths whose values it replaced by a
/// placeholder (validation problems under them are consequences, not news).
#[derive(Debug, Default)]
pub struct Report {
    /// Every shape problem, in document order.
    pub problems: Vec<Problem>,
    /// Fields replaced by a placeholder (or inserted, when missing).
    pub repaired: Vec<String>,
}

impl Report {
    fn problem(&mut self, field: &str, message: String) {
        self.problems.push(Problem {
            field: field.to_string(),
            message,
            location: None,
        });
    }
}

/// Checks `root` against the scenario's shape, repairing what is wrong so that serde can read
/// it; returns every problem found.
pub fn check(root: &mut Table) -> Report {
    let mut report = Report::default();
    check_table(root, SCENARIO, "", &mut report);
    report
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn check_table(table: &mut Table, fields: &[Field], path: &str, report: &mut Report) {
    let names: Vec<&str> = fields.iter().map(|f| f.name).collect();
    let unknown: Vec<String> = table
        .keys()
        .filter(|k| !names.contains(&k.as_str()))
        .cloned()
        .collect();
    for key in unknown {
        report.problem(
            &join(path, &key),
            format!(
                "found an unknown key{}; allowed: {}",
                did_you_mean(&key, &names),
                names.join(", ")
            ),
        );
        table.remove(&key);
    }
    for field in fields {
        let at = join(path, field.name);
        match table.get_mut(field.name) {
            Some(value) => check_value(value, &field.shape, field.name, &at, report),
            None if field.required => {
                report.problem(
                    &at,
                    format!(
                        "missing; required: {}",
                        allowed(&field.shape, field.name, &at)
                    ),
                );
                table.insert(field.name.to_string(), placeholder(&field.shape));
                report.repaired.push(at);
            }
            None => {}
        }
    }
}

fn check_value(value: &mut Value, shape: &Shape, name: &str, path: &str, report: &mut Report) {
    match (shape, &mut *value) {
        (Text, Value::String(_))
        | (Number, Value::Integer(_) | Value::Float(_))
        | (Flag, Value::Boolean(_))
        | (Date, Value::Datetime(_))
        | (Dist, Value::Integer(_) | Value::Float(_))
        | (Settings, Value::Table(_)) => {}
        (Dist, Value::Table(table)) => {
            if !check_dist(table, name, path, report) {
                *value = placeholder(shape);
                report.repaired.push(path.to_string());
            }
        }
        (Names, Value::Array(items)) => {
            let mut index = 0;
            items.retain(|item| {
                let keep = item.is_str();
                if !keep {
                    report.problem(
                        &format!("{path}[{index}]"),
                        format!("found {}; allowed a name in quotes", found(item)),
                    );
                }
                index += 1;
                keep
            });
        }
        (Shape::Table(fields), Value::Table(table)) => check_table(table, fields, path, report),
        (Entries(inner), Value::Table(table)) => {
            for (key, item) in table.iter_mut() {
                let at = join(path, key);
                if !valid_name(key) {
                    report.problem(
                        &at,
                        format!(
                            "found the name '{}'; allowed names of 1 to {MAX_NAME_CHARS} letters, digits, '_' and '-'",
                            shorten(key)
                        ),
                    );
                }
                check_value(item, inner, key, &at, report);
            }
        }
        (List(inner), Value::Array(items)) => {
            for (i, item) in items.iter_mut().enumerate() {
                check_value(item, inner, name, &format!("{path}[{i}]"), report);
            }
        }
        _ => {
            // A date `--set` could not read as TOML arrives as a string; say why it is no date.
            let not_date = match (shape, &*value) {
                (Date, Value::String(text)) => not_a_date(text),
                _ => None,
            };
            report.problem(
                path,
                not_date.unwrap_or_else(|| {
                    format!(
                        "found {}; allowed {}{}",
                        found(value),
                        allowed(shape, name, path),
                        hint(shape, value)
                    )
                }),
            );
            *value = placeholder(shape);
            report.repaired.push(path.to_string());
        }
    }
}

/// Checks a `{ dist = ..., ... }` table; returns false when it cannot be read.
fn check_dist(table: &Table, name: &str, path: &str, report: &mut Report) -> bool {
    let kinds: Vec<&str> = FAMILIES.iter().map(|(kind, _)| *kind).collect();
    let at = |key: &str| format!("{path}.{key}");
    let kind = match table.get("dist") {
        Some(Value::String(kind)) => kind,
        Some(other) => {
            report.problem(
                &at("dist"),
                format!("found {}; allowed one of {}", found(other), quoted(&kinds)),
            );
            return false;
        }
        None => {
            report.problem(
                &at("dist"),
                format!(
                    "missing; a distribution table needs dist = one of {}",
                    quoted(&kinds)
                ),
            );
            return false;
        }
    };
    let Some((_, params)) = FAMILIES.iter().find(|(k, _)| k == kind) else {
        report.problem(
            &at("dist"),
            format!(
                "found \"{}\"{}; allowed one of {}",
                shorten(kind),
                did_you_mean(kind, &kinds),
                quoted(&kinds)
            ),
        );
        return false;
    };
    let mut ok = true;
    for key in table.keys().filter(|k| *k != "dist") {
        if !params.contains(&key.as_str()) {
            report.problem(
                &at(key),
                format!(
                    "found an unknown key{}; a {kind} distribution takes: {}",
                    did_you_mean(key, params),
                    params.join(", ")
                ),
            );
            ok = false;
        }
    }
    for param in params.iter() {
        let unit = if *param == "sigma" { "" } else { unit(name) };
        match table.get(*param) {
            Some(Value::Integer(_) | Value::Float(_)) => {}
            Some(other) => {
                report.problem(
                    &at(param),
                    format!(
                        "found {}; allowed a number{unit}{}",
                        found(other),
                        hint(&Number, other)
                    ),
                );
                ok = false;
            }
            None => {
                report.problem(
                    &at(param),
                    format!(
                        "missing; a {kind} distribution needs {}",
                        params.join(" and ")
                    ),
                );
                ok = false;
            }
        }
    }
    ok
}

fn valid_name(name: &str) -> bool {
    (1..=MAX_NAME_CHARS).contains(&name.chars().count())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// A value that reads as the shape and that validation accepts or reports under its path.
fn placeholder(shape: &Shape) -> Value {
    match shape {
        Text => Value::String(String::new()),
        Number | Dist => Value::Float(0.0),
        Flag => Value::Boolean(false),
        // A time without a date: validation reports it (under the repaired path) and uses no day.
        Date => Value::Datetime("00:00:00".parse().expect("a valid TOML time")),
        Names | List(_) => Value::Array(Vec::new()),
        Entries(_) | Settings => Value::Table(Table::new()),
        Shape::Table(fields) => Value::Table(
            fields
                .iter()
                .filter(|f| f.required)
                .map(|f| (f.name.to_string(), placeholder(&f.shape)))
                .collect(),
        ),
    }
}

/// Describes what the shape allows, with the unit its key's name carries.
fn allowed(shape: &Shape, name: &str, path: &str) -> String {
    match shape {
        Text => "a string in quotes".to_string(),
        Number => format!("a number{}", unit(name)),
        Flag => "true or false".to_string(),
        Date => "a date like 2025-01-21".to_string(),
        Dist => format!(
            "a number{} or a distribution such as {{ dist = \"uniform\", low = 1, high = 2 }}",
            unit(name)
        ),
        Names => "a list of names in quotes, such as [\"a\", \"b\"]".to_string(),
        Shape::Table(fields) => {
            let required: Vec<&str> = fields
                .iter()
                .filter(|f| f.required)
                .map(|f| f.name)
                .collect();
            if required.is_empty() {
                format!("a table [{path}]")
            } else {
                format!("a table [{path}] with {}", required.join(", "))
            }
        }
        Entries(_) => format!("named tables such as [{path}.NAME]"),
        List(_) => "a list of tables such as [{ online = 2025-01-01, size_mw = 100 }]".to_string(),
        Settings => {
            "a table of fields to change, such as { \"providers.azure.build_delay_days\" = 365 }"
                .to_string()
        }
    }
}

/// The unit a key's name carries, as the file format names them.
fn unit(name: &str) -> &'static str {
    const UNITS: [(&str, &str); 8] = [
        ("_usd_per_mw_month", " (USD per MW-month)"),
        ("_per_year", " (per year)"),
        ("_mw", " (MW)"),
        ("_days", " (days)"),
        ("_usd", " (USD)"),
        ("_years", " (years)"),
        ("premium", " (a fraction: 0.1 is 10% dearer)"),
        ("share", " (a fraction from 0 to 1)"),
    ];
    let fraction = [
        "probability",
        "fraction",
        "rate",
        "share_available",
        "max_share",
    ];
    if fraction.contains(&name) || name.ends_with("_probability") {
        return " (a fraction from 0 to 1)";
    }
    UNITS
        .iter()
        .find(|(suffix, _)| name.ends_with(suffix))
        .map_or("", |(_, unit)| unit)
}

/// Explains a string where a number belongs when it starts with one (`"90 days"`, `"50%"`).
fn hint(shape: &Shape, value: &Value) -> &'static str {
    let Value::String(text) = value else {
        return "";
    };
    if matches!(shape, Number | Dist) && starts_with_number(text) {
        "; write the number alone, without quotes or units"
    } else if matches!(shape, Date) && text.trim().parse::<toml::value::Datetime>().is_ok() {
        "; write the date without quotes"
    } else {
        ""
    }
}

/// Whether text starts with a number followed by a space or `%` (`90 days`, `50%`, `5 MW`); a
/// word such as `Infinity` is not one.
pub(super) fn starts_with_number(text: &str) -> bool {
    let lead = text
        .trim()
        .split(|c: char| c.is_whitespace() || c == '%')
        .next()
        .unwrap_or("");
    lead.starts_with(|c: char| c.is_ascii_digit() || "+-.".contains(c))
        && lead.replace('_', "").parse::<f64>().is_ok()
}

/// Describes text meant as a date that is none (`2025-02-30`, `2025-13-01`, `2025-1-05`) as
/// `found X (why); allowed a calendar date YYYY-MM-DD`. None for a valid TOML date or time, and
/// for text that does not start as a date does, with a year and a dash.
pub(super) fn not_a_date(text: &str) -> Option<String> {
    let text = text.trim();
    let (year, _) = text.split_once('-')?;
    if year.is_empty()
        || !year.bytes().all(|b| b.is_ascii_digit())
        || text.parse::<toml::value::Datetime>().is_ok()
    {
        return None;
    }
    let date = text.split(['T', 't', ' ']).next().unwrap_or(text);
    Some(format!(
        "found {}{}; allowed a calendar date YYYY-MM-DD",
        shorten(text),
        why_not_a_date(date).unwrap_or_default()
    ))
}

/// Says why `YYYY-MM-DD` numbers are no date (` (there is no month 13)`, ` (February 2025 has
/// 28 days)`), or how to write a date they are (` (write it as 2025-01-05)`).
fn why_not_a_date(date: &str) -> Option<String> {
    let numbers: Vec<u32> = date
        .split('-')
        .map(|n| n.parse().ok())
        .collect::<Option<_>>()?;
    let &[year, month, day] = numbers.as_slice() else {
        return None;
    };
    let Ok(name) = Month::try_from(u8::try_from(month).ok()?) else {
        return Some(format!(" (there is no month {month})"));
    };
    let first = NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, 1)?;
    let days = first.checked_add_months(Months::new(1))?.pred_opt()?.day();
    let canonical = format!("{year:04}-{month:02}-{day:02}");
    if day == 0 || day > days {
        Some(format!(" ({} {year} has {days} days)", name.name()))
    } else {
        (date != canonical).then(|| format!(" (write it as {canonical})"))
    }
}

/// Describes a value the user wrote.
fn found(value: &Value) -> String {
    match value {
        Value::String(s) => format!("the string \"{}\"", shorten(s)),
        Value::Integer(i) => format!("the number {i}"),
        Value::Float(x) => format!("the number {}", compact(*x)),
        Value::Boolean(b) => b.to_string(),
        Value::Datetime(d) => format!("the date {d}"),
        Value::Array(_) => "a list".to_string(),
        Value::Table(_) => "a table".to_string(),
    }
}

/// The text with control characters escaped, cut to 40 characters.
fn shorten(text: &str) -> String {
    let escaped: String = text.escape_debug().collect();
    if escaped.chars().count() > 40 {
        format!("{}…", escaped.chars().take(40).collect::<String>())
    } else {
        escaped
    }
}

fn quoted(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("\"{n}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde::de::{Error as _, Visitor};

    use super::super::raw;
    use super::*;

    /// Returns the field names serde reads for `T` (from its derived `deserialize_struct`).
    fn serde_fields<'de, T: Deserialize<'de>>() -> Vec<&'static str> {
        struct Probe<'a>(&'a mut &'static [&'static str]);
        impl<'de> serde::Deserializer<'de> for Probe<'_> {
            type Error = serde::de::value::Error;
            fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
                Err(Self::Error::custom("probe"))
            }
            fn deserialize_struct<V: Visitor<'de>>(
                self,
                _: &'static str,
                fields: &'static [&'static str],
                _: V,
            ) -> Result<V::Value, Self::Error> {
                *self.0 = fields;
                Err(Self::Error::custom("probe"))
            }
            serde::forward_to_deserialize_any! {
                bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
                byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map enum
                identifier ignored_any
            }
        }
        let mut fields: &'static [&'static str] = &[];
        let _ = T::deserialize(Probe(&mut fields));
        let mut fields = fields.to_vec();
        fields.sort_unstable();
        fields
    }

    fn names(fields: &[Field]) -> Vec<&'static str> {
        let mut names: Vec<&str> = fields.iter().map(|f| f.name).collect();
        names.sort_unstable();
        names
    }

    #[test]
    fn the_schema_knows_exactly_the_fields_serde_reads() {
        // A field added to raw.rs must be added here too (with its shape), and vice versa.
        // A regime's `set` is taken out of the table before serde reads it (`load`).
        let mut regime_fields = serde_fields::<raw::RawRegime>();
        regime_fields.push("set");
        regime_fields.sort_unstable();
        let pairs = [
            (serde_fields::<raw::RawScenario>(), names(SCENARIO)),
            (serde_fields::<raw::RawHeader>(), names(HEADER)),
            (serde_fields::<raw::RawMarket>(), names(MARKET)),
            (serde_fields::<raw::RawProvider>(), names(PROVIDER)),
            (serde_fields::<raw::RawTranche>(), names(TRANCHE)),
            (serde_fields::<raw::RawOutages>(), names(OUTAGES)),
            (serde_fields::<raw::RawClass>(), names(CLASS)),
            (serde_fields::<raw::RawTerm>(), names(TERM)),
            (regime_fields, names(REGIME)),
        ];
        for (serde, schema) in pairs {
            assert!(!serde.is_empty());
            assert_eq!(serde, schema, "raw.rs and schema.rs disagree");
        }
    }

    fn check_text(text: &str) -> (Report, Table) {
        let mut table: Table = toml::from_str(text).expect("valid TOML");
        let report = check(&mut table);
        (report, table)
    }

    #[test]
    fn every_unknown_key_wrong_type_and_missing_key_is_reported() {
        let (report, _) = check_text(
            "[scenario]\nname = 1\nstrat = 2025-01-01\n[market]\nprice_usd_per_mw_month = \"90 USD\"\n[regimes.a]\npolicy = \"cheapest\"\nmax_shar = 0.5\n",
        );
        let fields: Vec<&str> = report.problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "scenario.strat",
                "scenario.name",
                "scenario.start",
                "scenario.end",
                "scenario.incumbent",
                "scenario.baseline",
                "market.price_usd_per_mw_month",
                "regimes.a.max_shar",
            ]
        );
        assert!(
            report.problems[0]
                .message
                .contains("(did you mean 'start'?)")
        );
        assert_eq!(
            report.problems[6].message,
            "found the string \"90 USD\"; allowed a number (USD per MW-month) or a distribution \
             such as { dist = \"uniform\", low = 1, high = 2 }; write the number alone, without \
             quotes or units"
        );
        assert!(
            report.problems[7]
                .message
                .contains("did you mean 'max_share'")
        );
    }

    #[test]
    fn distributions_are_checked_parameter_by_parameter() {
        let (report, table) = check_text(
            "[scenario]\nname = \"s\"\nstart = 2025-01-01\nend = 2026-01-01\nincumbent = \"a\"\nbaseline = \"r\"\n\
             [market]\nprice_usd_per_mw_month = { dist = \"lognorm\", median = 1 }\n\
             price_trend_per_year = { dist = \"uniform\", low = 0, hihg = 1 }\n[regimes.r]\npolicy = \"cheapest\"\n",
        );
        let messages: Vec<String> = report
            .problems
            .iter()
            .map(|p| format!("{}: {}", p.field, p.message))
            .collect();
        assert!(messages[0].starts_with(
            "market.price_usd_per_mw_month.dist: found \"lognorm\" (did you mean 'lognormal'?)"
        ));
        assert!(messages[1].starts_with(
            "market.price_trend_per_year.hihg: found an unknown key (did you mean 'high'?)"
        ));
        assert!(messages[2].starts_with("market.price_trend_per_year.high: missing"));
        assert_eq!(
            report.repaired,
            [
                "market.price_usd_per_mw_month",
                "market.price_trend_per_year"
            ]
        );
        // The repaired table reads.
        let raw: Result<raw::RawScenario, _> = table.try_into();
        assert!(raw.is_ok());
    }

    #[test]
    fn names_must_be_plain() {
        let (report, _) = check_text(
            "[scenario]\nname = \"s\"\nstart = 2025-01-01\nend = 2026-01-01\nincumbent = \"a\"\nbaseline = \"r\"\n\
             [market]\nprice_usd_per_mw_month = 1\n[regimes.\"my regime\"]\npolicy = \"cheapest\"\nterms = [\"a\", 3]\n",
        );
        let fields: Vec<&str> = report.problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["regimes.my regime", "regimes.my regime.terms[1]"]);
    }
}
