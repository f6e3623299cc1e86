//! Reading and validating the run's CSV files into plain structs; nothing here knows plotters.
//!
//! Every reader checks the header for the columns it needs and every cell it uses, so that a
//! bad file is reported (file, column, line) before any chart is drawn.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate};

use super::PlotError;
use crate::results::ALL_PROVIDERS;

/// File names inside a run's output folder.
pub const STUDY_CSV: &str = "study.csv";
/// Monthly statistics across replications.
pub const TIMESERIES_CSV: &str = "timeseries.csv";
/// Per-regime summary statistics and deltas against the baseline.
pub const COMPARE_CSV: &str = "compare.csv";
/// Spend commitments per regime.
pub const COMMITMENTS_CSV: &str = "commitments.csv";
/// Each commitment's counted spend month by month.
pub const BURNDOWN_CSV: &str = "burndown.csv";

/// A calendar month, stored as `year * 12 + (month - 1)` so that months subtract.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month(i32);

impl Month {
    /// Builds a month from a year and a month number in 1..=12.
    pub fn new(year: i32, month: u32) -> Option<Month> {
        (1..=12)
            .contains(&month)
            .then(|| Month(year * 12 + month as i32 - 1))
    }

    /// Parses `YYYY-MM` strictly.
    pub fn parse(text: &str) -> Option<Month> {
        let (y, m) = text.split_once('-')?;
        if y.len() != 4 || m.len() != 2 || !y.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
            return None;
        }
        Month::new(y.parse().ok()?, m.parse().ok()?)
    }

    /// Returns the calendar year.
    pub fn year(self) -> i32 {
        self.0.div_euclid(12)
    }

    /// Returns the month number in 1..=12.
    pub fn month(self) -> u32 {
        self.0.rem_euclid(12) as u32 + 1
    }

    /// Returns the month `n` months later.
    pub fn plus(self, n: usize) -> Month {
        Month(self.0 + n as i32)
    }

    /// Returns the number of months from `earlier` to `self` (negative if `self` is earlier).
    pub fn since(self, earlier: Month) -> i64 {
        i64::from(self.0) - i64::from(earlier.0)
    }

    /// Returns the start of the month as a fractional year (2025-07 -> 2025.5).
    pub fn start_year_frac(self) -> f64 {
        f64::from(self.0) / 12.0
    }

    /// Returns the end of the month as a fractional year (2025-12 -> 2026.0): where running
    /// totals are drawn.
    pub fn end_year_frac(self) -> f64 {
        self.start_year_frac() + 1.0 / 12.0
    }
}

/// Parses `YYYY-MM-DD` strictly into a calendar date.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let mut parts = text.split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return None;
    }
    NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
}

/// Returns a date as a fractional year at the start of that day (2026-01-01 -> 2026.0): a
/// deadline is the instant its day begins, as the simulation counts `[start, deadline)`.
pub fn date_year_frac(date: NaiveDate) -> f64 {
    let days_in_year = if NaiveDate::from_ymd_opt(date.year(), 2, 29).is_some() {
        366.0
    } else {
        365.0
    };
    // A date is its first instant: 1 January is the start of its year.
    f64::from(date.year()) + f64::from(date.ordinal0()) / days_in_year
}

/// The monthly series in timeseries.csv that the charts use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Metric {
    /// Mean MW served in the month.
    ServedMw,
    /// Spend in the month, USD.
    CostUsd,
    /// Spend from the start of the run to the end of the month, USD.
    CumulativeCostUsd,
    /// Mean MW demanded in the month (provider `all` only).
    DemandMw,
    /// Share of the month's demand not served, 0..1 (provider `all` only).
    UnmetShare,
}

impl Metric {
    /// Metrics that must appear somewhere in timeseries.csv for the charts to mean anything.
    pub const REQUIRED: [Metric; 4] = [
        Metric::ServedMw,
        Metric::CostUsd,
        Metric::CumulativeCostUsd,
        Metric::UnmetShare,
    ];

    /// Returns the metric named in the `metric` column, or `None` for metrics charts ignore.
    pub fn from_name(name: &str) -> Option<Metric> {
        Some(match name {
            "served_mw" => Metric::ServedMw,
            "cost_usd" => Metric::CostUsd,
            "cumulative_cost_usd" => Metric::CumulativeCostUsd,
            "demand_mw" => Metric::DemandMw,
            "unmet_share" => Metric::UnmetShare,
            _ => return None,
        })
    }

    /// Returns the name used in the `metric` column.
    pub fn name(self) -> &'static str {
        match self {
            Metric::ServedMw => "served_mw",
            Metric::CostUsd => "cost_usd",
            Metric::CumulativeCostUsd => "cumulative_cost_usd",
            Metric::DemandMw => "demand_mw",
            Metric::UnmetShare => "unmet_share",
        }
    }

    /// Whether a month missing inside the series carries the previous value (running totals)
    /// rather than zero (flows).
    fn carries_forward(self) -> bool {
        self == Metric::CumulativeCostUsd
    }
}

/// One month's statistics across replications.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Stat {
    /// Mean across replications.
    pub mean: f64,
    /// 5th percentile across replications.
    pub p05: f64,
    /// Median across replications.
    pub p50: f64,
    /// 95th percentile across replications.
    pub p95: f64,
}

/// The contents of study.csv that the charts and the report header show.
#[derive(Clone, Debug, PartialEq)]
pub struct Study {
    /// Scenario name.
    pub scenario: String,
    /// Replications per regime.
    pub replications: u64,
    /// Master seed, as written.
    pub seed: String,
    /// Baseline regime name, if given.
    pub baseline: Option<String>,
    /// The incumbent provider's id (`azure`): the provider of the `azure_*` metrics, whose
    /// spend and commitments the commitment chart draws.
    pub incumbent: String,
    /// The incumbent's name for labels (`Microsoft Azure`).
    pub incumbent_name: String,
    /// Providers' names by id (`provider.ID` rows), for legends; a provider without one is
    /// shown by its id.
    pub provider_names: HashMap<String, String>,
    /// First simulated day, if given.
    pub start_date: Option<NaiveDate>,
    /// Last simulated day, if given.
    pub end_date: Option<NaiveDate>,
    /// Version of capsim that wrote the files, if given.
    pub capsim_version: Option<String>,
    /// The scenario's one-line description, if given and not empty.
    pub description: Option<String>,
    /// Relative error of the percentile estimates (e.g. 0.01), if given.
    pub percentile_relative_error: Option<f64>,
}

impl Study {
    /// The provider's name for legends, or its id where study.csv gives none.
    pub fn provider_name<'a>(&'a self, id: &'a str) -> &'a str {
        self.provider_names.get(id).map_or(id, String::as_str)
    }
}

/// Which provider a series belongs to: one provider (index into `TimeSeries::providers`) or all.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ProviderKey {
    /// The sum over providers (`all` in the file).
    All,
    /// One provider, by index into `TimeSeries::providers`.
    One(usize),
}

/// timeseries.csv, as dense monthly series over one common month range.
#[derive(Clone, Debug)]
pub struct TimeSeries {
    /// The first month present in the file.
    pub first_month: Month,
    /// Number of months from the first to the last present, inclusive.
    pub n_months: usize,
    /// Regimes in order of first appearance (the scenario's order).
    pub regimes: Vec<String>,
    /// Providers other than `all`, in order of first appearance: this order fixes their colours.
    pub providers: Vec<String>,
    series: HashMap<(usize, ProviderKey, Metric), Vec<Option<Stat>>>,
}

impl TimeSeries {
    /// Returns the months covered, first to last.
    pub fn months(&self) -> impl Iterator<Item = Month> + '_ {
        (0..self.n_months).map(|i| self.first_month.plus(i))
    }

    /// Returns a dense series for (regime, provider, metric), one value a month.
    ///
    /// A series absent from the file is all zeros (a regime may lack a provider). A month missing
    /// inside a series is zero for flows and carries the previous value for running totals.
    pub fn series(&self, regime: usize, provider: ProviderKey, metric: Metric) -> Vec<Stat> {
        let Some(raw) = self.series.get(&(regime, provider, metric)) else {
            return vec![Stat::default(); self.n_months];
        };
        let mut last = Stat::default();
        raw.iter()
            .map(|cell| match cell {
                Some(s) => {
                    last = *s;
                    *s
                }
                None if metric.carries_forward() => last,
                None => Stat::default(),
            })
            .collect()
    }

    /// Whether the file has any row for (regime, provider, metric).
    pub fn has(&self, regime: usize, provider: ProviderKey, metric: Metric) -> bool {
        self.series.contains_key(&(regime, provider, metric))
    }
}

/// One row of compare.csv; statistics left empty in the file (undefined) are `None`.
#[derive(Clone, Debug, PartialEq)]
pub struct CompareRow {
    /// Regime name.
    pub regime: String,
    /// Metric name: a numeric column of replications.csv.
    pub metric: String,
    /// Replications behind the statistics.
    pub n: Option<u64>,
    /// Mean across replications.
    pub mean: Option<f64>,
    /// Standard deviation across replications.
    pub sd: Option<f64>,
    /// Lower end of the 95% confidence interval of the mean.
    pub ci95_low: Option<f64>,
    /// Upper end of the 95% confidence interval of the mean.
    pub ci95_high: Option<f64>,
    /// 5th percentile across replications.
    pub p05: Option<f64>,
    /// Median across replications.
    pub p50: Option<f64>,
    /// 95th percentile across replications.
    pub p95: Option<f64>,
    /// The baseline regime the deltas are taken against, if any.
    pub baseline: Option<String>,
    /// Mean difference from the baseline.
    pub delta_mean: Option<f64>,
    /// Lower end of the 95% confidence interval of the difference.
    pub delta_ci95_low: Option<f64>,
    /// Upper end of the 95% confidence interval of the difference.
    pub delta_ci95_high: Option<f64>,
}

/// compare.csv: rows in file order.
#[derive(Clone, Debug, Default)]
pub struct Compare {
    /// Rows in file order.
    pub rows: Vec<CompareRow>,
}

impl Compare {
    /// Metrics the regime comparison chart draws; each must appear in compare.csv.
    pub const REQUIRED: [&'static str; 4] = [
        "total_cost_usd",
        "azure_share",
        "unmet_mw_months",
        "commitment_shortfall_usd",
    ];

    /// Returns the row for (regime, metric), if present.
    pub fn get(&self, regime: &str, metric: &str) -> Option<&CompareRow> {
        self.rows
            .iter()
            .find(|r| r.regime == regime && r.metric == metric)
    }

    /// Returns metric names in order of first appearance.
    pub fn metrics(&self) -> Vec<&str> {
        first_appearance(self.rows.iter().map(|r| r.metric.as_str()))
    }

    /// Returns regime names in order of first appearance.
    pub fn regimes(&self) -> Vec<&str> {
        first_appearance(self.rows.iter().map(|r| r.regime.as_str()))
    }
}

/// One spend commitment from commitments.csv.
#[derive(Clone, Debug, PartialEq)]
pub struct Commitment {
    /// Regime the commitment belongs to.
    pub regime: String,
    /// Contract term id.
    pub term: String,
    /// Provider the money is committed to (`azure` for the Azure commitment).
    pub holder: String,
    /// Amount to spend by the deadline, USD.
    pub amount_usd: f64,
    /// Day the commitment starts.
    pub start: NaiveDate,
    /// Day by which the amount must be spent.
    pub deadline: NaiveDate,
    /// Whether a shortfall is paid at the deadline (false where the column is absent).
    pub take_or_pay: bool,
    /// Mean spend that counted towards it over replications, USD (`None` where the column is
    /// absent or empty).
    pub counted_usd_mean: Option<f64>,
    /// Mean shortfall over replications, USD (`None` where the column is absent or empty).
    pub shortfall_usd_mean: Option<f64>,
}

/// One commitment's burn-down from burndown.csv: the mean spend counted towards it so far,
/// month by month.
#[derive(Clone, Debug, PartialEq)]
pub struct BurnDown {
    /// Regime the commitment belongs to.
    pub regime: String,
    /// Contract term id, as in commitments.csv.
    pub term: String,
    /// Provider the money is committed to.
    pub holder: String,
    /// (month, mean cumulative counted spend to the end of that month in USD), months
    /// ascending, from the month spend starts counting to the deadline's.
    pub months: Vec<(Month, f64)>,
}

impl BurnDown {
    /// Whether this is the burn-down of `c`.
    pub fn of(&self, c: &Commitment) -> bool {
        self.regime == c.regime && self.term == c.term && self.holder == c.holder
    }
}

/// Everything the charts and the report read, validated.
#[derive(Clone, Debug)]
pub struct Inputs {
    /// study.csv.
    pub study: Study,
    /// timeseries.csv.
    pub timeseries: TimeSeries,
    /// compare.csv.
    pub compare: Compare,
    /// commitments.csv rows.
    pub commitments: Vec<Commitment>,
    /// burndown.csv, one entry per commitment in order of first appearance; empty where the
    /// folder has no burndown.csv.
    pub burndown: Vec<BurnDown>,
}

impl Inputs {
    /// Reads and validates every file the charts need from `dir`.
    pub fn read(dir: &Path) -> Result<Inputs, PlotError> {
        Ok(Inputs {
            study: read_study(&dir.join(STUDY_CSV))?,
            timeseries: read_timeseries(&dir.join(TIMESERIES_CSV))?,
            compare: read_compare(&dir.join(COMPARE_CSV))?,
            commitments: read_commitments(&dir.join(COMMITMENTS_CSV))?,
            // Written since the burn-down was recorded; older folders still plot without it.
            burndown: match read_burndown(&dir.join(BURNDOWN_CSV)) {
                Err(PlotError::MissingFile { .. }) => Vec::new(),
                read => read?,
            },
        })
    }
}

fn first_appearance<'a>(names: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut seen: Vec<&str> = Vec::new();
    for n in names {
        if !seen.contains(&n) {
            seen.push(n);
        }
    }
    seen
}

/// A CSV file read whole: header, and each record with its line number.
pub(super) struct Table {
    path: PathBuf,
    pub(super) header: csv::StringRecord,
    pub(super) rows: Vec<(u64, csv::StringRecord)>,
}

impl Table {
    pub(super) fn read(path: &Path) -> Result<Table, PlotError> {
        let file = std::fs::File::open(path).map_err(|source| {
            if source.kind() == std::io::ErrorKind::NotFound {
                PlotError::MissingFile {
                    path: path.to_path_buf(),
                }
            } else {
                PlotError::Read {
                    path: path.to_path_buf(),
                    source,
                }
            }
        })?;
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(file);
        let csv_err = |source| PlotError::Csv {
            path: path.to_path_buf(),
            source,
        };
        let header = reader.headers().map_err(csv_err)?.clone();
        let mut rows = Vec::new();
        for record in reader.records() {
            let record = record.map_err(csv_err)?;
            let line = record.position().map_or(0, |p| p.line());
            rows.push((line, record));
        }
        Ok(Table {
            path: path.to_path_buf(),
            header,
            rows,
        })
    }

    /// Returns the index of a required column.
    pub(super) fn col(&self, name: &str) -> Result<usize, PlotError> {
        self.header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| PlotError::MissingColumn {
                path: self.path.clone(),
                column: name.to_string(),
            })
    }

    /// Returns the index of an optional column.
    fn opt_col(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }
}

/// Reads cells of one record, naming file, line and column in errors.
pub(super) struct Cells<'a> {
    table: &'a Table,
    line: u64,
    record: &'a csv::StringRecord,
}

impl<'a> Cells<'a> {
    fn text(&self, col: usize) -> &'a str {
        self.record.get(col).unwrap_or("")
    }

    fn invalid(&self, col: usize, expected: &'static str) -> PlotError {
        PlotError::InvalidValue {
            path: self.table.path.clone(),
            line: self.line,
            column: self.table.header.get(col).unwrap_or("?").to_string(),
            value: self.text(col).to_string(),
            expected,
        }
    }

    fn not_a_number(&self, col: usize) -> PlotError {
        PlotError::NotANumber {
            path: self.table.path.clone(),
            line: self.line,
            column: self.table.header.get(col).unwrap_or("?").to_string(),
            value: self.text(col).to_string(),
        }
    }

    /// A non-empty text cell.
    pub(super) fn name(&self, col: usize) -> Result<&'a str, PlotError> {
        match self.text(col) {
            "" => Err(self.invalid(col, "a non-empty name")),
            t => Ok(t),
        }
    }

    /// A finite number that must be present.
    pub(super) fn number(&self, col: usize) -> Result<f64, PlotError> {
        self.opt_number(col)?.ok_or_else(|| self.not_a_number(col))
    }

    /// A finite number, or `None` when the cell is empty or NaN (a statistic left undefined).
    pub(super) fn opt_number(&self, col: usize) -> Result<Option<f64>, PlotError> {
        let text = self.text(col);
        if text.is_empty() {
            return Ok(None);
        }
        match text.parse::<f64>() {
            Ok(v) if v.is_nan() => Ok(None),
            Ok(v) if v.is_finite() => Ok(Some(v)),
            _ => Err(self.not_a_number(col)),
        }
    }

    /// A non-negative integer, or `None` when empty.
    fn opt_count(&self, col: usize) -> Result<Option<u64>, PlotError> {
        match self.text(col) {
            "" => Ok(None),
            t => t
                .parse()
                .map(Some)
                .map_err(|_| self.invalid(col, "a non-negative integer")),
        }
    }

    fn date(&self, col: usize) -> Result<NaiveDate, PlotError> {
        parse_date(self.text(col)).ok_or_else(|| self.invalid(col, "a date YYYY-MM-DD"))
    }
}

/// Returns the cells of `row`, a record of `table`.
pub(super) fn cells<'a>(table: &'a Table, row: &'a (u64, csv::StringRecord)) -> Cells<'a> {
    Cells {
        table,
        line: row.0,
        record: &row.1,
    }
}

/// Reads study.csv (`key,value`); requires scenario, replications and seed.
pub fn read_study(path: &Path) -> Result<Study, PlotError> {
    let table = Table::read(path)?;
    let (key_col, value_col) = (table.col("key")?, table.col("value")?);
    // A repeated key: the last row wins, as in a key-value file read top to bottom.
    let mut values: HashMap<&str, Cells> = HashMap::new();
    for row in &table.rows {
        let c = cells(&table, row);
        values.insert(c.text(key_col), c);
    }
    let get = |key: &str| values.get(key);
    let required = |key: &str| {
        get(key).ok_or_else(|| PlotError::MissingKey {
            path: path.to_path_buf(),
            key: key.to_string(),
        })
    };
    let scenario = required("scenario")?.name(value_col)?.to_string();
    let replications = {
        let c = required("replications")?;
        c.text(value_col)
            .parse::<u64>()
            .map_err(|_| c.invalid(value_col, "a non-negative integer"))?
    };
    let seed = {
        let c = required("seed")?;
        c.text(value_col)
            .parse::<u64>()
            .map_err(|_| c.invalid(value_col, "a non-negative integer"))?;
        c.text(value_col).to_string()
    };
    let opt_text = |key: &str| {
        get(key)
            .map(|c| c.text(value_col).to_string())
            .filter(|t| !t.is_empty())
    };
    let opt_date = |key: &str| -> Result<Option<NaiveDate>, PlotError> {
        match get(key) {
            Some(c) if !c.text(value_col).is_empty() => c.date(value_col).map(Some),
            _ => Ok(None),
        }
    };
    Ok(Study {
        scenario,
        replications,
        seed,
        baseline: opt_text("baseline"),
        // A study.csv written before the incumbent was recorded: its charts named Azure.
        incumbent: opt_text("incumbent").unwrap_or_else(|| "azure".to_string()),
        incumbent_name: opt_text("incumbent_name").unwrap_or_else(|| "Azure".to_string()),
        provider_names: (values.iter())
            .filter_map(|(key, c)| {
                let id = key.strip_prefix("provider.")?;
                let name = c.text(value_col);
                (!name.is_empty()).then(|| (id.to_string(), name.to_string()))
            })
            .collect(),
        start_date: opt_date("start_date")?,
        end_date: opt_date("end_date")?,
        capsim_version: opt_text("capsim_version"),
        description: opt_text("description"),
        percentile_relative_error: match get("percentile_relative_error") {
            Some(c) => c.opt_number(value_col)?,
            None => None,
        },
    })
}

/// Reads timeseries.csv into dense monthly series.
///
/// Regimes and providers keep their order of first appearance; `all` is not a provider.
/// Metrics the charts do not use are checked for well-formed cells and then ignored.
pub fn read_timeseries(path: &Path) -> Result<TimeSeries, PlotError> {
    let table = Table::read(path)?;
    let regime_col = table.col("regime")?;
    let month_col = table.col("month")?;
    let provider_col = table.col("provider")?;
    let metric_col = table.col("metric")?;
    let [mean_col, p05_col, p50_col, p95_col] = [
        table.col("mean")?,
        table.col("p05")?,
        table.col("p50")?,
        table.col("p95")?,
    ];

    struct Row {
        line: u64,
        key: (usize, ProviderKey, Metric),
        month: Month,
        stat: Stat,
    }
    let mut regimes: Vec<String> = Vec::new();
    let mut providers: Vec<String> = Vec::new();
    let mut rows: Vec<Row> = Vec::with_capacity(table.rows.len());
    for raw in &table.rows {
        let c = cells(&table, raw);
        let regime = index_of_or_push(&mut regimes, c.name(regime_col)?);
        let month = Month::parse(c.text(month_col))
            .ok_or_else(|| c.invalid(month_col, "a month YYYY-MM"))?;
        let provider = match c.name(provider_col)? {
            ALL_PROVIDERS => ProviderKey::All,
            name => ProviderKey::One(index_of_or_push(&mut providers, name)),
        };
        let metric_name = c.name(metric_col)?;
        let mean = c.number(mean_col)?;
        // Percentiles left empty fall back to the mean: one replication has no spread.
        let pct = |col| c.opt_number(col).map(|v| v.unwrap_or(mean));
        let stat = Stat {
            mean,
            p05: pct(p05_col)?,
            p50: pct(p50_col)?,
            p95: pct(p95_col)?,
        };
        if let Some(metric) = Metric::from_name(metric_name) {
            rows.push(Row {
                line: c.line,
                key: (regime, provider, metric),
                month,
                stat,
            });
        }
    }
    if rows.is_empty() {
        return Err(PlotError::NoData {
            path: path.to_path_buf(),
        });
    }
    for metric in Metric::REQUIRED {
        if !rows.iter().any(|r| r.key.2 == metric) {
            return Err(PlotError::MissingMetric {
                path: path.to_path_buf(),
                column: "metric",
                metric: metric.name().to_string(),
            });
        }
    }
    let first_month = rows.iter().map(|r| r.month).min().unwrap_or(Month(0));
    let last_month = rows.iter().map(|r| r.month).max().unwrap_or(Month(0));
    let n_months = last_month.since(first_month) as usize + 1;
    let mut series: HashMap<(usize, ProviderKey, Metric), Vec<Option<Stat>>> = HashMap::new();
    for row in rows {
        let cell = &mut series
            .entry(row.key)
            .or_insert_with(|| vec![None; n_months])[row.month.since(first_month) as usize];
        if cell.is_some() {
            let (regime, provider, metric) = row.key;
            let provider = match provider {
                ProviderKey::All => ALL_PROVIDERS,
                ProviderKey::One(p) => &providers[p],
            };
            return Err(PlotError::DuplicateRow {
                path: path.to_path_buf(),
                line: row.line,
                what: format!(
                    "regime {}, month {:04}-{:02}, provider {provider}, metric {}",
                    regimes[regime],
                    row.month.year(),
                    row.month.month(),
                    metric.name()
                ),
            });
        }
        *cell = Some(row.stat);
    }
    Ok(TimeSeries {
        first_month,
        n_months,
        regimes,
        providers,
        series,
    })
}

fn index_of_or_push(names: &mut Vec<String>, name: &str) -> usize {
    names.iter().position(|n| n == name).unwrap_or_else(|| {
        names.push(name.to_string());
        names.len() - 1
    })
}

/// Reads compare.csv; requires a row for each metric the comparison chart draws.
pub fn read_compare(path: &Path) -> Result<Compare, PlotError> {
    let table = Table::read(path)?;
    let regime_col = table.col("regime")?;
    let metric_col = table.col("metric")?;
    let n_col = table.col("n")?;
    let [mean, sd, ci_lo, ci_hi, p05, p50, p95] =
        ["mean", "sd", "ci95_low", "ci95_high", "p05", "p50", "p95"].map(|c| table.col(c));
    let [mean, sd, ci_lo, ci_hi, p05, p50, p95] = [mean?, sd?, ci_lo?, ci_hi?, p05?, p50?, p95?];
    let baseline_col = table.opt_col("baseline");
    let [d_mean, d_lo, d_hi] =
        ["delta_mean", "delta_ci95_low", "delta_ci95_high"].map(|c| table.opt_col(c));

    let mut compare = Compare::default();
    for raw in &table.rows {
        let c = cells(&table, raw);
        let opt = |col: Option<usize>| col.map_or(Ok(None), |col| c.opt_number(col));
        let row = CompareRow {
            regime: c.name(regime_col)?.to_string(),
            metric: c.name(metric_col)?.to_string(),
            n: c.opt_count(n_col)?,
            mean: c.opt_number(mean)?,
            sd: c.opt_number(sd)?,
            ci95_low: c.opt_number(ci_lo)?,
            ci95_high: c.opt_number(ci_hi)?,
            p05: c.opt_number(p05)?,
            p50: c.opt_number(p50)?,
            p95: c.opt_number(p95)?,
            baseline: baseline_col
                .map(|col| c.text(col).to_string())
                .filter(|t| !t.is_empty()),
            delta_mean: opt(d_mean)?,
            delta_ci95_low: opt(d_lo)?,
            delta_ci95_high: opt(d_hi)?,
        };
        if compare.get(&row.regime, &row.metric).is_some() {
            return Err(PlotError::DuplicateRow {
                path: path.to_path_buf(),
                line: c.line,
                what: format!("regime {}, metric {}", row.regime, row.metric),
            });
        }
        compare.rows.push(row);
    }
    for metric in Compare::REQUIRED {
        if !compare.rows.iter().any(|r| r.metric == metric) {
            return Err(PlotError::MissingMetric {
                path: path.to_path_buf(),
                column: "metric",
                metric: metric.to_string(),
            });
        }
    }
    Ok(compare)
}

/// Reads commitments.csv; a header with no rows means a scenario without commitments.
pub fn read_commitments(path: &Path) -> Result<Vec<Commitment>, PlotError> {
    let table = Table::read(path)?;
    let [regime, term, holder, amount, start, deadline] = [
        "regime",
        "term",
        "holder",
        "amount_usd",
        "start",
        "deadline",
    ]
    .map(|c| table.col(c));
    let [regime, term, holder, amount, start, deadline] =
        [regime?, term?, holder?, amount?, start?, deadline?];
    // Written since the shortfalls were reported; older folders still plot without them.
    let [take_or_pay, counted, shortfall] =
        ["take_or_pay", "counted_usd_mean", "shortfall_usd_mean"].map(|c| table.opt_col(c));
    table
        .rows
        .iter()
        .map(|raw| {
            let c = cells(&table, raw);
            let amount_usd = c.number(amount)?;
            if amount_usd < 0.0 {
                return Err(c.invalid(amount, "a non-negative amount"));
            }
            let mean = |col: Option<usize>| col.map_or(Ok(None), |col| c.opt_number(col));
            Ok(Commitment {
                regime: c.name(regime)?.to_string(),
                term: c.text(term).to_string(),
                holder: c.name(holder)?.to_string(),
                amount_usd,
                start: c.date(start)?,
                deadline: c.date(deadline)?,
                take_or_pay: match take_or_pay.map(|col| (col, c.text(col))) {
                    None | Some((_, "false")) => false,
                    Some((_, "true")) => true,
                    Some((col, _)) => return Err(c.invalid(col, "true or false")),
                },
                counted_usd_mean: mean(counted)?,
                shortfall_usd_mean: mean(shortfall)?,
            })
        })
        .collect()
}

/// Reads burndown.csv into one series per (regime, term, holder), months ascending; a header
/// with no rows means a scenario without commitments. Only the mean is read: the chart draws
/// no spread of the burn-down.
pub fn read_burndown(path: &Path) -> Result<Vec<BurnDown>, PlotError> {
    let table = Table::read(path)?;
    let [regime, term, holder, month, mean] = [
        "regime",
        "term",
        "holder",
        "month",
        "cumulative_counted_usd_mean",
    ]
    .map(|c| table.col(c));
    let [regime, term, holder, month, mean] = [regime?, term?, holder?, month?, mean?];
    let mut series: Vec<BurnDown> = Vec::new();
    for raw in &table.rows {
        let c = cells(&table, raw);
        let (regime, term, holder) = (c.name(regime)?, c.name(term)?, c.name(holder)?);
        let m = Month::parse(c.text(month)).ok_or_else(|| c.invalid(month, "a month YYYY-MM"))?;
        let counted_usd = c.number(mean)?;
        let i = match (series.iter()).position(|s| {
            (s.regime.as_str(), s.term.as_str(), s.holder.as_str()) == (regime, term, holder)
        }) {
            Some(i) => i,
            None => {
                series.push(BurnDown {
                    regime: regime.to_string(),
                    term: term.to_string(),
                    holder: holder.to_string(),
                    months: Vec::new(),
                });
                series.len() - 1
            }
        };
        if series[i].months.iter().any(|&(seen, _)| seen == m) {
            return Err(PlotError::DuplicateRow {
                path: path.to_path_buf(),
                line: c.line,
                what: format!(
                    "regime {regime}, term {term}, holder {holder}, month {:04}-{:02}",
                    m.year(),
                    m.month()
                ),
            });
        }
        series[i].months.push((m, counted_usd));
    }
    for s in &mut series {
        s.months.sort_by_key(|&(m, _)| m);
    }
    Ok(series)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn timeseries_keeps_first_appearance_order_and_fills_gaps() {
        let dir = tempfile::tempdir().unwrap();
        // Regime b comes first in the file; `all` is not a provider; 2025-02 is missing for the
        // oracle rows; percentiles left empty fall back to the mean; `needs` is ignored.
        let path = write(
            dir.path(),
            "timeseries.csv",
            "regime,month,provider,metric,mean,p05,p50,p95\n\
             b,2025-01,all,served_mw,10,9,10,11\n\
             b,2025-01,all,unmet_share,0,0,0,0\n\
             b,2025-01,oracle,cost_usd,5,,,\n\
             b,2025-03,oracle,cost_usd,7,,,\n\
             b,2025-01,oracle,cumulative_cost_usd,5,,,\n\
             b,2025-03,oracle,cumulative_cost_usd,12,,,\n\
             a,2025-01,azure,served_mw,4,3,4,5\n\
             a,2025-01,all,needs,1,1,1,1\n",
        );
        let ts = read_timeseries(&path).unwrap();
        assert_eq!(ts.regimes, ["b", "a"]);
        assert_eq!(ts.providers, ["oracle", "azure"]);
        assert_eq!(
            (ts.first_month, ts.n_months),
            (Month::parse("2025-01").unwrap(), 3)
        );
        let cost = ts.series(0, ProviderKey::One(0), Metric::CostUsd);
        assert_eq!(
            cost.iter().map(|s| s.mean).collect::<Vec<_>>(),
            [5.0, 0.0, 7.0]
        );
        assert_eq!(
            cost[2],
            Stat {
                mean: 7.0,
                p05: 7.0,
                p50: 7.0,
                p95: 7.0
            }
        );
        let cum = ts.series(0, ProviderKey::One(0), Metric::CumulativeCostUsd);
        assert_eq!(
            cum.iter().map(|s| s.mean).collect::<Vec<_>>(),
            [5.0, 5.0, 12.0]
        );
        // Regime a has no oracle rows at all: zeros.
        assert!(
            ts.series(1, ProviderKey::One(0), Metric::ServedMw)
                .iter()
                .all(|s| s.mean == 0.0)
        );
    }

    #[test]
    fn timeseries_rejects_duplicates_and_bad_months() {
        let dir = tempfile::tempdir().unwrap();
        let header = "regime,month,provider,metric,mean,p05,p50,p95\n";
        let rows = "a,2025-01,all,served_mw,1,1,1,1\na,2025-01,all,cost_usd,1,1,1,1\n\
                    a,2025-01,all,cumulative_cost_usd,1,1,1,1\na,2025-01,all,unmet_share,0,0,0,0\n";
        let dup = write(
            dir.path(),
            "dup.csv",
            &format!("{header}{rows}a,2025-01,all,served_mw,2,2,2,2\n"),
        );
        assert!(matches!(
            read_timeseries(&dup),
            Err(PlotError::DuplicateRow { line: 6, .. })
        ));
        let bad = write(
            dir.path(),
            "bad.csv",
            &format!("{header}{rows}a,2025-13,all,served_mw,2,2,2,2\n"),
        );
        assert!(matches!(
            read_timeseries(&bad),
            Err(PlotError::InvalidValue { line: 6, .. })
        ));
        let inf = write(
            dir.path(),
            "inf.csv",
            &format!("{header}{rows}a,2025-02,all,served_mw,inf,2,2,2\n"),
        );
        assert!(matches!(
            read_timeseries(&inf),
            Err(PlotError::NotANumber { line: 6, .. })
        ));
        let empty = write(dir.path(), "empty.csv", header);
        assert!(matches!(
            read_timeseries(&empty),
            Err(PlotError::NoData { .. })
        ));
        let no_unmet = write(
            dir.path(),
            "no_unmet.csv",
            &format!("{header}{}", &rows[..rows.rfind("a,").unwrap()]),
        );
        assert!(
            matches!(read_timeseries(&no_unmet), Err(PlotError::MissingMetric { metric, .. }) if metric == "unmet_share")
        );
    }

    #[test]
    fn compare_treats_empty_cells_as_undefined() {
        let dir = tempfile::tempdir().unwrap();
        let mut text = String::from(
            "regime,metric,n,mean,sd,ci95_low,ci95_high,p05,p50,p95,baseline,delta_mean,delta_ci95_low,delta_ci95_high\n",
        );
        for m in Compare::REQUIRED {
            text.push_str(&format!("a,{m},1,2.5,,,,2.5,2.5,2.5,a,0,,\n"));
        }
        let compare = read_compare(&write(dir.path(), "compare.csv", &text)).unwrap();
        let row = compare.get("a", "total_cost_usd").unwrap();
        assert_eq!(
            (row.n, row.mean, row.sd, row.ci95_low),
            (Some(1), Some(2.5), None, None)
        );
        assert_eq!(row.baseline.as_deref(), Some("a"));
    }

    #[test]
    fn commitments_may_be_header_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            dir.path(),
            "c.csv",
            "regime,term,holder,amount_usd,start,deadline\n",
        );
        assert!(read_commitments(&path).unwrap().is_empty());
    }

    #[test]
    fn commitments_read_take_or_pay_and_shortfall_and_refuse_other_flags() {
        let dir = tempfile::tempdir().unwrap();
        let header =
            "regime,term,holder,amount_usd,start,deadline,take_or_pay,shortfall_usd_mean\n";
        let row = "r,t,azure,5,2025-01-01,2026-01-01";
        let path = write(dir.path(), "c.csv", &format!("{header}{row},true,2\n"));
        let read = read_commitments(&path).unwrap();
        assert_eq!(
            (read[0].take_or_pay, read[0].shortfall_usd_mean),
            (true, Some(2.0))
        );
        let path = write(dir.path(), "c.csv", &format!("{header}{row},yes,2\n"));
        assert!(matches!(
            read_commitments(&path),
            Err(PlotError::InvalidValue { line: 2, .. })
        ));
    }

    #[test]
    fn burndown_is_read_per_commitment_months_ascending_and_bad_cells_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let header = "regime,term,holder,month,amount_usd,cumulative_counted_usd_mean,\
                      cumulative_counted_usd_p05,cumulative_counted_usd_p50,cumulative_counted_usd_p95\n";
        let rows =
            "r,t,azure,2025-02,5,2,1,2,3\nr,t,azure,2025-01,5,1,1,1,1\nr,u,oracle,2025-01,9,4,,,\n";
        let path = write(dir.path(), "b.csv", &format!("{header}{rows}"));
        let read = read_burndown(&path).unwrap();
        assert_eq!(read.len(), 2);
        assert_eq!(
            (read[0].term.as_str(), read[1].holder.as_str()),
            ("t", "oracle")
        );
        let month = |m| Month::parse(m).unwrap();
        assert_eq!(
            read[0].months,
            [(month("2025-01"), 1.0), (month("2025-02"), 2.0)]
        );
        assert!(
            read_burndown(&write(dir.path(), "b.csv", header))
                .unwrap()
                .is_empty()
        );
        let with_row = |row: &str| {
            read_burndown(&write(
                dir.path(),
                "b.csv",
                &format!("{header}{rows}{row}\n"),
            ))
        };
        let err = with_row("r,t,azure,2025-13,5,3,,,").unwrap_err();
        assert!(
            err.to_string()
                .contains("b.csv, line 5, column `month`: `2025-13`"),
            "{err}"
        );
        let err = with_row("r,t,azure,2025-03,5,lots,,,").unwrap_err();
        assert!(
            err.to_string()
                .contains("b.csv, line 5, column `cumulative_counted_usd_mean`: `lots`"),
            "{err}"
        );
        assert!(matches!(
            with_row("r,t,azure,2025-01,5,3,,,"),
            Err(PlotError::DuplicateRow { line: 5, .. })
        ));
    }

    #[test]
    fn dates_and_months_parse_strictly() {
        assert_eq!(
            Month::parse("2025-07").map(|m| (m.year(), m.month())),
            Some((2025, 7))
        );
        for bad in ["2025-7", "2025-00", "25-07", "2025-07-01", "abcd-ef"] {
            assert_eq!(Month::parse(bad), None, "{bad}");
        }
        assert!(parse_date("2028-02-29").is_some());
        assert!(parse_date("2027-02-29").is_none());
        // Deadlines are exclusive day bounds: 2026-01-01 is the end of 2025.
        assert_eq!(date_year_frac(parse_date("2026-01-01").unwrap()), 2026.0);
        assert_eq!(
            date_year_frac(parse_date("2025-12-31").unwrap()),
            2025.0 + 364.0 / 365.0
        );
    }
}
