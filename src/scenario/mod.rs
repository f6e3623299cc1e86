//! Scenario files: TOML parsing, `--set` overrides and validation into the model.
//! Only this module knows TOML.

pub mod calibration;
mod consistency;
mod inputs;
mod limits;
mod load;
mod locate;
mod raw;
mod schema;
mod set;

use std::path::Path;

use chrono::NaiveDate;
use toml::value::Datetime;

use crate::model::calendar::Calendar;
use crate::model::dist::{Dist, DistSpec, NamedDist};
use crate::model::{
    ClassId, ClassSet, MAX_CLASSES, MAX_PROVIDERS, Market, Outages, PolicyKind, Provider,
    ProviderId, Regime, Scenario, Term, TermId, TermKind, Tranche, WorkloadClass,
};
use crate::number::compact;
pub use inputs::{UncertainInput, uncertain_inputs};
pub use locate::Location;
use raw::{RawScenario, RawTerm};
pub use set::{Override, as_number, parse_override};

/// The default study, embedded in the binary.
pub const DEFAULT_SCENARIO: &str = include_str!("../../data/scenarios/default.toml");
/// Name shown for the embedded default scenario.
pub const DEFAULT_SCENARIO_NAME: &str = "data/scenarios/default.toml (embedded)";

/// One thing wrong with a scenario: where, what was found, what is allowed.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// Dotted path of the field (`providers.azure.share_available`); empty for syntax errors.
    pub field: String,
    /// What was found and what is allowed.
    pub message: String,
    /// Line and column in the file (or the `--set` that gave the value); filled when loading.
    pub location: Option<Location>,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.location {
            Some(Location::Text { line, column }) => write!(f, "{line}:{column}: ")?,
            Some(Location::Override { flag, key }) => write!(f, "{flag} {key}: ")?,
            None => {}
        }
        let same_as_override = matches!(&self.location,
            Some(Location::Override { key, .. }) if locate::bracket_indices(key) == self.field);
        if !self.field.is_empty() && !same_as_override {
            write!(f, "{}: ", self.field)?;
        }
        f.write_str(&self.message)
    }
}

/// Lists problems one a line, each as `FILE:LINE:COLUMN: FIELD: found X; allowed Y`, or
/// `--set KEY: found X; allowed Y` for a value given on the command line, not in the file.
fn list(file: &str, problems: &[Problem]) -> String {
    let count = match problems.len() {
        1 => "1 problem".to_string(),
        n => format!("{n} problems"),
    };
    let in_text = |p: &Problem| matches!(p.location, Some(Location::Text { .. }));
    let lines: Vec<String> = problems
        .iter()
        .map(|p| match p.location {
            Some(Location::Text { .. }) => format!("{file}:{p}"),
            Some(Location::Override { .. }) => p.to_string(),
            None => format!("{file}: {p}"),
        })
        .collect();
    let at = if problems.iter().all(in_text) {
        ", at line:column"
    } else {
        ""
    };
    format!("{file}: {count}{at}:\n{}", lines.join("\n"))
}

/// Why a scenario could not be used. Every variant names the file.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("cannot read scenario {file}")]
    Read {
        file: String,
        source: std::io::Error,
    },
    /// The text is not TOML: every syntax error found, each with its line and column.
    #[error("{}", list(file, problems))]
    Parse {
        file: String,
        problems: Vec<Problem>,
    },
    /// A `--set KEY=VALUE` (or `--vary`) names nothing in the scenario or its value is
    /// malformed.
    #[error("{file}: {flag} {key}: {message}")]
    Override {
        file: String,
        flag: &'static str,
        key: String,
        message: String,
    },
    /// Unknown keys, wrong types, missing keys, fields out of range, dangling references,
    /// dates out of order: every one found, each with its line and column.
    #[error("{}", list(file, problems))]
    Invalid {
        file: String,
        problems: Vec<Problem>,
    },
}

/// Reads, overrides and validates a scenario file.
pub fn load_file(path: &Path, overrides: &[Override]) -> Result<Scenario, ScenarioError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Read {
        file: file.clone(),
        source,
    })?;
    load_str(&text, &file, overrides)
}

/// Parses, overrides and validates scenario text; `file` names it in errors. Reports every
/// problem found, not only the first. A regime with a `set` table runs on its own variant: the
/// same text with those fields changed as well.
pub fn load_str(text: &str, file: &str, overrides: &[Override]) -> Result<Scenario, ScenarioError> {
    load::load(text, file, overrides)
}

/// What a regime's `set` must leave alone: the ids everything is reported by, the terms' kinds
/// (a term made a commitment would add a burn-down the study's tables have no place for), and
/// the horizon.
type Shape<'s> = (
    Vec<&'s str>,
    Vec<&'s str>,
    Vec<(&'s str, std::mem::Discriminant<TermKind>)>,
    Calendar,
);

fn shape(s: &Scenario) -> Shape<'_> {
    (
        s.providers.iter().map(|p| p.id.as_str()).collect(),
        s.classes.iter().map(|c| c.id.as_str()).collect(),
        (s.terms.iter())
            .map(|t| (t.id.as_str(), std::mem::discriminant(&t.kind)))
            .collect(),
        s.calendar.clone(),
    )
}

/// Collects problems while building the model, so that all are reported at once.
struct Checker {
    problems: Vec<Problem>,
    /// Whether the scenario's start and end are valid, so that dates can be checked against
    /// the horizon (otherwise every such check would repeat the date problem).
    horizon_known: bool,
}

impl Checker {
    fn problem(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.problems.push(Problem {
            field: field.into(),
            message: message.into(),
            location: None,
        });
    }

    /// Builds a distribution whose every value must lie in `[min, max]`.
    fn dist(&mut self, field: &str, spec: &DistSpec, min: f64, max: f64) -> Dist {
        // A NaN constant lies in no range: say which one is allowed, as for a plain number.
        if let DistSpec::Constant(value) | DistSpec::Named(NamedDist::Constant { value }) = *spec
            && value.is_nan()
        {
            return Dist::Constant(self.number(field, value, min, max));
        }
        match spec.build() {
            Ok(dist) => {
                // Unbounded tails (normal, lognormal, exponential) are clamped when sampled;
                // a bounded support must lie inside the allowed range, and so must a constant,
                // infinite or not (only fields that allow infinity take one).
                let (low, high) = spec.support();
                let constant = low == high;
                if ((constant || low.is_finite()) && low < min)
                    || ((constant || high.is_finite()) && high > max)
                {
                    let found = if low == high {
                        compact(low)
                    } else {
                        format!("values from {} to {}", compact(low), compact(high))
                    };
                    self.problem(field, format!("found {found}; allowed {}", range(min, max)));
                }
                dist
            }
            Err(message) => {
                self.problem(field, message);
                Dist::Constant(0.0)
            }
        }
    }

    fn number(&mut self, field: &str, value: f64, min: f64, max: f64) -> f64 {
        if value.is_nan() || value < min || value > max {
            let found = compact(value);
            self.problem(field, format!("found {found}; allowed {}", range(min, max)));
        }
        value
    }

    /// Checks a name shown to readers: blank, it would leave a chart's title or legend and a
    /// headline column empty.
    fn shown_name(&mut self, field: &str, name: &str) -> String {
        if name.trim().is_empty() {
            self.problem(
                field,
                format!(
                    "found \"{}\", a blank name; allowed a name with at least one visible \
                     character (tables and charts show it)",
                    name.escape_debug()
                ),
            );
        }
        name.to_string()
    }

    fn date(&mut self, field: &str, value: &Datetime) -> NaiveDate {
        let parsed = match (&value.date, &value.time, &value.offset) {
            (Some(d), None, None) => {
                NaiveDate::from_ymd_opt(d.year as i32, d.month as u32, d.day as u32)
            }
            _ => None,
        };
        parsed.unwrap_or_else(|| {
            self.problem(
                field,
                format!("found {value}; allowed a date like 2025-01-21"),
            );
            NaiveDate::MIN
        })
    }

    fn reference<T: Copy>(
        &mut self,
        field: &str,
        name: &str,
        kind: &str,
        known: &[(&str, T)],
    ) -> Option<T> {
        if let Some((_, id)) = known.iter().find(|(n, _)| *n == name) {
            return Some(*id);
        }
        let names: Vec<&str> = known.iter().map(|(n, _)| *n).collect();
        self.problem(
            field,
            format!(
                "found '{name}'; allowed the name of a {kind}{}",
                suggestion(name, &names)
            ),
        );
        None
    }

    /// Resolves a list of names as `reference` does each, and reports a name given twice: a
    /// regime's `terms` refuse one too, and a repeat is a slip for another name.
    fn references<T: Copy>(
        &mut self,
        field: &str,
        names: &[String],
        kind: &str,
        known: &[(&str, T)],
    ) -> Vec<T> {
        for (k, name) in names.iter().enumerate() {
            if names[..k].contains(name) {
                self.problem(
                    field,
                    format!("found '{name}' twice; allowed each {kind} once"),
                );
            }
        }
        (names.iter())
            .filter_map(|name| self.reference(field, name, kind, known))
            .collect()
    }
}

fn range(min: f64, max: f64) -> String {
    let (min_text, max_text) = (compact(min), compact(max));
    match (min.is_finite(), max.is_finite()) {
        (true, true) => format!("[{min_text}, {max_text}]"),
        (true, false) => format!("[{min_text}, ∞)"),
        (false, true) => format!("(-∞, {max_text}]"),
        (false, false) => "any number".to_string(),
    }
}

/// Returns " (did you mean 'x'?)" for the closest of `names`, or the list of names.
pub fn suggestion(name: &str, names: &[&str]) -> String {
    match closest(name, names) {
        Some(n) => format!(" (did you mean '{n}'?)"),
        None if names.is_empty() => " (none are defined)".to_string(),
        None => format!(" (known: {})", names.join(", ")),
    }
}

/// Returns " (did you mean 'x'?)" when one of `names` is close to `name`, else nothing: for
/// messages that list the allowed names anyway.
fn did_you_mean(name: &str, names: &[&str]) -> String {
    closest(name, names).map_or_else(String::new, |n| format!(" (did you mean '{n}'?)"))
}

/// Returns the name of `names` that `name` is plausibly a typo of: the fewest edits (a swap
/// counts as one), at most one per three characters of the longer name and at least one, or
/// one name a prefix of the other of at least 3 characters (`lead_time` for `lead_time_days`).
pub fn closest<'a>(name: &str, names: &[&'a str]) -> Option<&'a str> {
    let chars = name.chars().count();
    let prefix =
        |n: &str| chars.min(n.chars().count()) >= 3 && (n.starts_with(name) || name.starts_with(n));
    names
        .iter()
        .map(|n| (strsim::osa_distance(name, n), *n))
        .filter(|&(edits, n)| edits <= (chars.max(n.chars().count()) / 3).max(1) || prefix(n))
        .min()
        .map(|(_, n)| n)
}

const TERM_KINDS: [&str; 5] = [
    "exclusivity",
    "first_refusal",
    "commitment",
    "revenue_share",
    "agi_clause",
];
const POLICIES: [&str; 4] = ["cheapest", "fastest", "commitment_first", "diversified"];
const INF: f64 = f64::INFINITY;

fn validate(raw: RawScenario) -> Result<Scenario, Vec<Problem>> {
    let mut c = Checker {
        problems: Vec::new(),
        horizon_known: false,
    };
    let name = c.shown_name("scenario.name", &raw.scenario.name);
    let start = c.date("scenario.start", &raw.scenario.start);
    let end = c.date("scenario.end", &raw.scenario.end);
    if start != NaiveDate::MIN && end != NaiveDate::MIN && end <= start {
        c.problem(
            "scenario.end",
            format!("found {end}; allowed a date after scenario.start ({start})"),
        );
    }
    if raw.providers.len() > MAX_PROVIDERS || raw.demand.len() > MAX_CLASSES {
        c.problem(
            "providers",
            format!(
                "found {} providers and {} demand classes; allowed at most {MAX_PROVIDERS} and \
                 {MAX_CLASSES}",
                raw.providers.len(),
                raw.demand.len()
            ),
        );
    }
    if raw.providers.is_empty() {
        c.problem(
            "providers",
            "found no provider; allowed at least one [providers.ID] table (the incumbent)",
        );
    }
    if raw.providers.contains_key(crate::results::ALL_PROVIDERS) {
        c.problem(
            format!("providers.{}", crate::results::ALL_PROVIDERS),
            format!(
                "found the provider name '{0}'; allowed any other name ('{0}' labels the sums \
                 over every provider in timeseries.csv)",
                crate::results::ALL_PROVIDERS
            ),
        );
    }
    let mut valid_dates = end > start && start != NaiveDate::MIN;
    if valid_dates && !limits::horizon(&mut c, start, end) {
        valid_dates = false;
    }
    c.horizon_known = valid_dates;
    let calendar = Calendar::new(
        start,
        if valid_dates {
            end
        } else {
            start + chrono::Days::new(1)
        },
    );
    let day = |c: &mut Checker, field: &str, value: &Datetime| {
        let date = c.date(field, value);
        calendar.day_of(date)
    };

    let market = Market {
        price_usd_per_mw_month: c.dist(
            "market.price_usd_per_mw_month",
            &raw.market.price_usd_per_mw_month,
            0.0,
            1e12,
        ),
        price_trend_per_year: c.dist(
            "market.price_trend_per_year",
            &raw.market.price_trend_per_year,
            -1.0,
            10.0,
        ),
        shortage_trend_per_year: c.dist(
            "market.shortage_trend_per_year",
            &raw.market.shortage_trend_per_year,
            -1.0,
            10.0,
        ),
        shortage_until_day: raw
            .market
            .shortage_until
            .as_ref()
            .map_or(0.0, |d| day(&mut c, "market.shortage_until", d).max(0.0)),
    };

    let provider_names: Vec<(&str, ProviderId)> = raw
        .providers
        .keys()
        .enumerate()
        .map(|(i, k)| (k.as_str(), ProviderId(i as u16)))
        .collect();
    let class_names: Vec<(&str, ClassId)> = raw
        .demand
        .keys()
        .enumerate()
        .map(|(i, k)| (k.as_str(), ClassId(i as u16)))
        .collect();
    let term_names: Vec<(&str, TermId)> = raw
        .terms
        .keys()
        .enumerate()
        .map(|(i, k)| (k.as_str(), TermId(i as u16)))
        .collect();

    let mut providers = Vec::new();
    for (id, p) in &raw.providers {
        let at = |f: &str| format!("providers.{id}.{f}");
        let mut tranches = Vec::new();
        for (k, t) in p.capacity.iter().enumerate() {
            let at_t = |f: &str| format!("providers.{id}.capacity[{k}].{f}");
            tranches.push(Tranche {
                online_day: day(&mut c, &at_t("online"), &t.online),
                size_mw: c.number(&at_t("size_mw"), t.size_mw, 0.0, 1e12),
                slip_probability: c.number(&at_t("slip_probability"), t.slip_probability, 0.0, 1.0),
                slip_days: c.dist(&at_t("slip_days"), &t.slip_days, 0.0, 1e6),
            });
        }
        let outages = p.outages.as_ref().map(|o| Outages {
            per_year: c.number(&at("outages.per_year"), o.per_year, 0.0, 1e4),
            duration_days: c.dist(&at("outages.duration_days"), &o.duration_days, 0.0, 1e6),
            fraction: c.dist(&at("outages.fraction"), &o.fraction, 0.0, 1.0),
        });
        providers.push(Provider {
            id: id.clone(),
            name: c.shown_name(&at("name"), &p.name),
            price_premium: c.dist(&at("price_premium"), &p.price_premium, -1.0, 100.0),
            share_available: c.dist(&at("share_available"), &p.share_available, 0.0, 1.0),
            contract_price_usd_per_mw_month: p
                .contract_price_usd_per_mw_month
                .map(|spec| c.dist(&at("contract_price_usd_per_mw_month"), &spec, 0.0, 1e12)),
            lead_time_days: c.dist(&at("lead_time_days"), &p.lead_time_days, 0.0, 1e6),
            build_delay_days: c.dist(&at("build_delay_days"), &p.build_delay_days, 0.0, 1e6),
            signed_deal: p.signed_deal,
            tranches,
            outages,
        });
    }

    let mut classes = Vec::new();
    for (id, d) in &raw.demand {
        let at = |f: &str| format!("demand.{id}.{f}");
        classes.push(WorkloadClass {
            id: id.clone(),
            arrivals_per_year: c.number(&at("arrivals_per_year"), d.arrivals_per_year, 0.0, 1e7),
            arrivals_growth_per_year: c.dist(
                &at("arrivals_growth_per_year"),
                &d.arrivals_growth_per_year,
                0.0,
                100.0,
            ),
            size_mw: c.dist(&at("size_mw"), &d.size_mw, 0.0, 1e12),
            size_growth_per_year: c.dist(
                &at("size_growth_per_year"),
                &d.size_growth_per_year,
                0.0,
                100.0,
            ),
            term_days: c.dist(&at("term_days"), &d.term_days, 0.0, 1e6),
            notice_days: c.dist(&at("notice_days"), &d.notice_days, 0.0, 1e6),
            patience_days: c.dist(&at("patience_days"), &d.patience_days, 0.0, INF),
            revenue_usd_per_mw_month: c.dist(
                &at("revenue_usd_per_mw_month"),
                &d.revenue_usd_per_mw_month,
                0.0,
                1e12,
            ),
            initial_mw: c.number(&at("initial_mw"), d.initial_mw, 0.0, 1e12),
            host: d
                .host
                .as_ref()
                .and_then(|h| c.reference(&at("host"), h, "provider", &provider_names)),
        });
    }
    // Without a class of the lab's own every result would be zero: a table left out, not a
    // study.
    if !classes.iter().any(WorkloadClass::is_lab) {
        let hosted: Vec<&str> = classes.iter().map(|class| class.id.as_str()).collect();
        let message = match hosted.as_slice() {
            [] => "found no demand class; allowed at least one [demand.NAME] table with \
                   arrivals_per_year, size_mw and term_days (the lab's needs)"
                .to_string(),
            _ => format!(
                "found only classes with a host, providers' own work ({}); allowed at least one \
                 [demand.NAME] table without host (the lab's needs)",
                hosted.join(", ")
            ),
        };
        c.problem("demand", message);
    }
    // Terms apply to the lab's demand only: a class with a host is not among the names a
    // term may scope.
    let lab_class_names: Vec<(&str, ClassId)> = class_names
        .iter()
        .copied()
        .filter(|&(_, id)| classes[id.0 as usize].is_lab())
        .collect();

    // A demand field already out of its range has its error: the needs it would draw would
    // report the same value again.
    let demand_in_range = !(c.problems.iter()).any(|p| p.field.starts_with("demand."));
    if valid_dates && demand_in_range {
        limits::needs(&mut c, &raw.demand, calendar.horizon_days());
    }

    let all_classes = ClassSet(
        lab_class_names
            .iter()
            .fold(0, |mask, (_, class)| mask | (1 << class.0)),
    );
    let mut terms = Vec::new();
    for (id, t) in &raw.terms {
        terms.push(validate_term(
            &mut c,
            id,
            t,
            &calendar,
            &provider_names,
            &lab_class_names,
            &term_names,
            all_classes,
        ));
    }

    let mut regimes = Vec::new();
    for (name, r) in &raw.regimes {
        let at = |f: &str| format!("regimes.{name}.{f}");
        let terms = r
            .terms
            .iter()
            .filter_map(|t| c.reference(&at("terms"), t, "term", &term_names))
            .collect();
        let policy = match r.policy.as_str() {
            "cheapest" => PolicyKind::Cheapest,
            "fastest" => PolicyKind::Fastest,
            "commitment_first" => PolicyKind::CommitmentFirst,
            "diversified" => match r.max_share {
                Some(share) => {
                    // A cap of 0 leaves no provider under it, and the policy would fall back to
                    // the cheapest of all: the same as no cap, which 1 already says.
                    if share.is_nan() || share <= 0.0 || share > 1.0 {
                        let found = compact(share);
                        c.problem(at("max_share"), format!("found {found}; allowed (0, 1]"));
                    }
                    PolicyKind::Diversified { max_share: share }
                }
                None => {
                    c.problem(
                        at("max_share"),
                        "missing; the diversified policy needs max_share in (0, 1]",
                    );
                    PolicyKind::Cheapest
                }
            },
            other => {
                c.problem(
                    at("policy"),
                    format!(
                        "found '{other}'{}; allowed: {}",
                        did_you_mean(other, &POLICIES),
                        POLICIES.join(", ")
                    ),
                );
                PolicyKind::Cheapest
            }
        };
        if r.max_share.is_some() && !matches!(policy, PolicyKind::Diversified { .. }) {
            c.problem(
                at("max_share"),
                "only the diversified policy takes max_share",
            );
        }
        regimes.push(Regime {
            name: name.clone(),
            description: r.description.clone(),
            terms,
            policy,
            variant: None,
            fixed_fields: Vec::new(),
        });
    }
    consistency::regimes(&mut c, &regimes, &terms, &calendar);
    if regimes.is_empty() {
        c.problem(
            "regimes",
            "found no regime; allowed at least one [regimes.NAME] table",
        );
    }
    let regime_names: Vec<(&str, usize)> = raw
        .regimes
        .keys()
        .enumerate()
        .map(|(i, k)| (k.as_str(), i))
        .collect();
    let baseline = c.reference(
        "scenario.baseline",
        &raw.scenario.baseline,
        "regime",
        &regime_names,
    );
    let incumbent = c.reference(
        "scenario.incumbent",
        &raw.scenario.incumbent,
        "provider",
        &provider_names,
    );

    match (c.problems.is_empty(), baseline, incumbent) {
        (true, Some(baseline), Some(incumbent)) => Ok(Scenario {
            name,
            description: raw.scenario.description,
            calendar,
            incumbent,
            market,
            providers,
            classes,
            terms,
            regimes,
            baseline,
            variants: Vec::new(),
        }),
        _ => Err(c.problems),
    }
}

#[allow(clippy::too_many_arguments)]
fn validate_term(
    c: &mut Checker,
    id: &str,
    t: &RawTerm,
    calendar: &Calendar,
    providers: &[(&str, ProviderId)],
    classes: &[(&str, ClassId)],
    terms: &[(&str, TermId)],
    all_classes: ClassSet,
) -> Term {
    let at = |f: &str| format!("terms.{id}.{f}");
    let start_date = t.start.as_ref().map(|d| c.date(&at("start"), d));
    let end_date = t.end.as_ref().map(|d| c.date(&at("end"), d));
    let start_day = start_date.map_or(0.0, |d| calendar.day_of(d));
    let end_day = end_date.map_or(calendar.horizon_days(), |d| calendar.day_of(d));
    // Compare only valid dates, and a missing one (the horizon's) only when the horizon is.
    let dates_valid = start_date != Some(NaiveDate::MIN)
        && end_date != Some(NaiveDate::MIN)
        && (c.horizon_known || (start_date.is_some() && end_date.is_some()));
    if dates_valid && end_day <= start_day {
        let start_text = start_date
            .map_or(format!("{} (the scenario start)", calendar.start), |d| {
                d.to_string()
            });
        match end_date {
            Some(end) => c.problem(
                at("end"),
                format!("found {end}; allowed a date after the term's start ({start_text})"),
            ),
            None => c.problem(
                at("start"),
                format!(
                    "found {start_text}; allowed a date before the scenario end ({}), as the term has no end",
                    calendar.end
                ),
            ),
        }
    }
    let holder = t
        .holder
        .as_ref()
        .and_then(|h| c.reference(&at("holder"), h, "provider", providers));
    let scope = match t.classes.as_deref() {
        None => all_classes,
        // A term over no class would do nothing, which no one writes on purpose.
        Some([]) => {
            c.problem(
                at("classes"),
                "found an empty list; allowed one or more demand classes, or no `classes` for \
                 every class",
            );
            all_classes
        }
        Some(names) => ClassSet(
            (c.references(&at("classes"), names, "demand class", classes)
                .iter())
            .fold(0, |mask, class| mask | (1 << class.0)),
        ),
    };
    let exempt_providers = c
        .references(
            &at("exempt_providers"),
            t.exempt_providers.as_deref().unwrap_or_default(),
            "provider",
            providers,
        )
        .iter()
        .fold(0, |mask, p| mask | (1 << p.0));
    if holder.is_some_and(|h| exempt_providers & (1 << h.0) != 0) {
        c.problem(
            at("exempt_providers"),
            format!(
                "found '{}', the term's holder; allowed other providers (those the holder exempts)",
                t.holder.as_deref().unwrap_or_default()
            ),
        );
    }
    // Which optional fields each kind takes; any other given field is a mistake. Only an
    // exclusivity and a first refusal apply to some classes' needs: a commitment counts every
    // lease with its holder, a revenue share all the lab's revenue, and an AGI clause ends
    // whole terms, so their `classes` would be silently ignored.
    let given: [(&str, bool); 16] = [
        ("holder", t.holder.is_some()),
        ("classes", t.classes.is_some()),
        ("exempt_providers", t.exempt_providers.is_some()),
        ("answer_window_days", t.answer_window_days.is_some()),
        ("price_match", t.price_match.is_some()),
        ("share_of_needs", t.share_of_needs.is_some()),
        ("new_capacity_only", t.new_capacity_only.is_some()),
        ("amount_usd", t.amount_usd.is_some()),
        ("deadline", t.deadline.is_some()),
        ("take_or_pay", t.take_or_pay.is_some()),
        ("incremental", t.incremental.is_some()),
        ("rate", t.rate.is_some()),
        ("cap_usd", t.cap_usd.is_some()),
        ("declared_after_years", t.declared_after_years.is_some()),
        ("verification_days", t.verification_days.is_some()),
        ("ends", t.ends.is_some()),
    ];
    let takes: &[&str] = match t.kind.as_str() {
        "exclusivity" => &["holder", "classes", "exempt_providers"],
        "first_refusal" => &[
            "holder",
            "classes",
            "exempt_providers",
            "answer_window_days",
            "price_match",
            "share_of_needs",
            "new_capacity_only",
        ],
        "commitment" => &[
            "holder",
            "amount_usd",
            "deadline",
            "take_or_pay",
            "incremental",
        ],
        "revenue_share" => &["holder", "rate", "cap_usd"],
        "agi_clause" => &["declared_after_years", "verification_days", "ends"],
        other => {
            c.problem(
                at("kind"),
                format!(
                    "found '{other}'{}; allowed: {}",
                    did_you_mean(other, &TERM_KINDS),
                    TERM_KINDS.join(", ")
                ),
            );
            &[]
        }
    };
    // "an exclusivity term", "an agi_clause term", "a commitment term".
    let a_kind = match t.kind.as_bytes().first() {
        Some(b'a' | b'e' | b'i' | b'o' | b'u') => format!("an {}", t.kind),
        _ => format!("a {}", t.kind),
    };
    for (field, present) in given {
        if present && !takes.contains(&field) && TERM_KINDS.contains(&t.kind.as_str()) {
            c.problem(
                at(field),
                format!(
                    "{a_kind} term does not take {field} (it takes: {})",
                    takes.join(", ")
                ),
            );
        }
    }
    if takes.contains(&"holder") && t.holder.is_none() {
        c.problem(
            at("holder"),
            format!("missing; {a_kind} term needs a holder (a provider)"),
        );
    }
    let required = |c: &mut Checker, field: &str, present: bool| {
        if !present && TERM_KINDS.contains(&t.kind.as_str()) {
            c.problem(at(field), format!("missing; {a_kind} term needs {field}"));
        }
    };
    let kind = match t.kind.as_str() {
        "first_refusal" => TermKind::FirstRefusal {
            answer_window_days: c.dist(
                &at("answer_window_days"),
                &t.answer_window_days.unwrap_or(DistSpec::Constant(0.0)),
                0.0,
                1e6,
            ),
            price_match: t.price_match.unwrap_or(false),
            share_of_needs: c.number(
                &at("share_of_needs"),
                t.share_of_needs.unwrap_or(1.0),
                0.0,
                1.0,
            ),
            new_capacity_only: t.new_capacity_only.unwrap_or(false),
        },
        "commitment" => {
            if t.end.is_some() {
                // The accounting reads the deadline alone: an earlier end would be ignored.
                c.problem(
                    at("end"),
                    "a commitment term does not take end; it runs from its start to its deadline",
                );
            }
            required(c, "amount_usd", t.amount_usd.is_some());
            required(c, "deadline", t.deadline.is_some());
            let deadline = t.deadline.as_ref().map(|d| c.date(&at("deadline"), d));
            let deadline_day = deadline.map_or(end_day, |d| calendar.day_of(d));
            if let Some(date) = deadline
                && date != NaiveDate::MIN
                && c.horizon_known
                && start_date != Some(NaiveDate::MIN)
                && (deadline_day <= start_day || deadline_day > calendar.horizon_days())
            {
                c.problem(
                    at("deadline"),
                    format!(
                        "found {date}; allowed a date after the term's start and no later than the scenario end ({})",
                        calendar.end
                    ),
                );
            }
            TermKind::Commitment {
                amount_usd: c.number(&at("amount_usd"), t.amount_usd.unwrap_or(0.0), 0.0, 1e15),
                deadline_day,
                take_or_pay: t.take_or_pay.unwrap_or(true),
                incremental: t.incremental.unwrap_or(false),
            }
        }
        "revenue_share" => {
            required(c, "rate", t.rate.is_some());
            TermKind::RevenueShare {
                rate: c.number(&at("rate"), t.rate.unwrap_or(0.0), 0.0, 1.0),
                cap_usd: t
                    .cap_usd
                    .map(|cap| c.number(&at("cap_usd"), cap, 0.0, 1e15)),
            }
        }
        "agi_clause" => {
            required(c, "declared_after_years", t.declared_after_years.is_some());
            let years = t.declared_after_years.unwrap_or(DistSpec::Constant(INF));
            c.dist(&at("declared_after_years"), &years, 0.0, INF);
            let declared_day = scale_years(&years).build().unwrap_or(Dist::Constant(INF));
            TermKind::AgiClause {
                declared_day,
                verification_days: c.dist(
                    &at("verification_days"),
                    &t.verification_days.unwrap_or(DistSpec::Constant(0.0)),
                    0.0,
                    1e6,
                ),
                ends: c.references(
                    &at("ends"),
                    t.ends.as_deref().unwrap_or_default(),
                    "term",
                    terms,
                ),
            }
        }
        _ => TermKind::Exclusivity,
    };
    Term {
        id: id.to_string(),
        kind,
        holder,
        start_day,
        end_day,
        classes: scope,
        exempt_providers,
    }
}

/// Converts a distribution in years to one in days.
fn scale_years(spec: &DistSpec) -> DistSpec {
    use crate::model::dist::NamedDist as N;
    let d = crate::model::DAYS_PER_YEAR;
    match *spec {
        DistSpec::Constant(v) | DistSpec::Named(N::Constant { value: v }) => {
            DistSpec::Constant(v * d)
        }
        DistSpec::Named(N::Uniform { low, high }) => DistSpec::Named(N::Uniform {
            low: low * d,
            high: high * d,
        }),
        DistSpec::Named(N::Normal { mean, sd }) => DistSpec::Named(N::Normal {
            mean: mean * d,
            sd: sd * d,
        }),
        DistSpec::Named(N::Lognormal { median, sigma }) => DistSpec::Named(N::Lognormal {
            median: median * d,
            sigma,
        }),
        DistSpec::Named(N::Exponential { mean }) => {
            DistSpec::Named(N::Exponential { mean: mean * d })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_plausible_typo_gets_a_suggestion_and_otherwise_the_names_are_listed() {
        let regimes = ["exclusive", "rofr", "open", "open_demand_low"];
        // 'foo' is 3 edits from 'rofr' (4 characters allow 1): unrelated, not a typo.
        assert_eq!(closest("foo", &regimes), None);
        assert_eq!(
            suggestion("foo", &regimes),
            " (known: exclusive, rofr, open, open_demand_low)"
        );
        assert_eq!(
            closest("opne", &regimes),
            Some("open"),
            "a swap is one edit"
        );
        assert_eq!(closest("exclusiv", &regimes), Some("exclusive"));
        assert_eq!(closest("open_demand_hi", &regimes), Some("open_demand_low"));
        assert_eq!(
            closest("lead_time", &["lead_time_days"]),
            Some("lead_time_days")
        );
        // Short names: 2 edits of 2 characters is a different name; 'op' too short a prefix.
        assert_eq!(closest("ab", &["xy"]), None);
        assert_eq!(closest("op", &regimes), None);
        assert_eq!(did_you_mean("foo", &regimes), "");
    }
}
