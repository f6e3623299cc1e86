//! Serde structs that mirror the scenario TOML one to one; `validate` turns them into the model.

use indexmap::IndexMap;
use serde::Deserialize;
use toml::value::Datetime;

use crate::model::dist::DistSpec;

/// A whole scenario file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    pub scenario: RawHeader,
    pub market: RawMarket,
    #[serde(default)]
    pub providers: IndexMap<String, RawProvider>,
    #[serde(default)]
    pub demand: IndexMap<String, RawClass>,
    #[serde(default)]
    pub terms: IndexMap<String, RawTerm>,
    pub regimes: IndexMap<String, RawRegime>,
}

/// `[scenario]`: name, horizon, incumbent and baseline.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHeader {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub start: Datetime,
    pub end: Datetime,
    pub incumbent: String,
    pub baseline: String,
}

/// `[market]`: price level and trend.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMarket {
    pub price_usd_per_mw_month: DistSpec,
    #[serde(default = "zero")]
    pub price_trend_per_year: DistSpec,
    #[serde(default = "zero")]
    pub shortage_trend_per_year: DistSpec,
    pub shortage_until: Option<Datetime>,
}

/// `[providers.ID]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawProvider {
    pub name: String,
    #[serde(default = "zero")]
    pub price_premium: DistSpec,
    pub contract_price_usd_per_mw_month: Option<DistSpec>,
    #[serde(default = "one")]
    pub share_available: DistSpec,
    #[serde(default = "zero")]
    pub lead_time_days: DistSpec,
    #[serde(default = "zero")]
    pub build_delay_days: DistSpec,
    #[serde(default)]
    pub signed_deal: bool,
    #[serde(default)]
    pub capacity: Vec<RawTranche>,
    pub outages: Option<RawOutages>,
}

/// One entry of a provider's `capacity` list.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTranche {
    pub online: Datetime,
    pub size_mw: f64,
    #[serde(default)]
    pub slip_probability: f64,
    #[serde(default = "zero")]
    pub slip_days: DistSpec,
}

/// A provider's `outages` table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOutages {
    pub per_year: f64,
    pub duration_days: DistSpec,
    pub fraction: DistSpec,
}

/// `[demand.CLASS]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawClass {
    pub arrivals_per_year: f64,
    #[serde(default = "one")]
    pub arrivals_growth_per_year: DistSpec,
    pub size_mw: DistSpec,
    #[serde(default = "one")]
    pub size_growth_per_year: DistSpec,
    pub term_days: DistSpec,
    #[serde(default = "zero")]
    pub notice_days: DistSpec,
    #[serde(default = "infinite")]
    pub patience_days: DistSpec,
    #[serde(default = "zero")]
    pub revenue_usd_per_mw_month: DistSpec,
    #[serde(default)]
    pub initial_mw: f64,
    pub host: Option<String>,
}

/// `[terms.ID]`: one table for every kind; `validate` checks which fields each kind takes.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTerm {
    pub kind: String,
    pub holder: Option<String>,
    pub start: Option<Datetime>,
    pub end: Option<Datetime>,
    pub classes: Option<Vec<String>>,
    // exclusivity and first_refusal
    pub exempt_providers: Option<Vec<String>>,
    // first_refusal
    pub answer_window_days: Option<DistSpec>,
    pub price_match: Option<bool>,
    pub share_of_needs: Option<f64>,
    pub new_capacity_only: Option<bool>,
    // commitment
    pub amount_usd: Option<f64>,
    pub deadline: Option<Datetime>,
    pub take_or_pay: Option<bool>,
    pub incremental: Option<bool>,
    // revenue_share
    pub rate: Option<f64>,
    pub cap_usd: Option<f64>,
    // agi_clause
    pub declared_after_years: Option<DistSpec>,
    pub verification_days: Option<DistSpec>,
    pub ends: Option<Vec<String>>,
}

/// `[regimes.NAME]`, less its `set` table, which `load` takes out first (as overrides).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRegime {
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub terms: Vec<String>,
    pub policy: String,
    pub max_share: Option<f64>,
}

fn zero() -> DistSpec {
    DistSpec::Constant(0.0)
}
fn one() -> DistSpec {
    DistSpec::Constant(1.0)
}
fn infinite() -> DistSpec {
    DistSpec::Constant(f64::INFINITY)
}
