//! Test helper: writes small, synthetic but realistic run folders in the exact CSV schema the
//! core writes (study, timeseries, compare, commitments, burndown; providers and replications
//! too).

// Series here are parallel arrays indexed by month; indexing reads clearer than zips.
#![allow(clippy::needless_range_loop)]

use std::fmt::Write as _;
use std::path::Path;

/// What to generate.
#[derive(Clone, Debug)]
pub struct Spec {
    /// Regime names in scenario order; the first is the baseline.
    pub regimes: Vec<&'static str>,
    /// Provider ids; written in alphabetical order as the core sorts rows.
    pub providers: Vec<&'static str>,
    /// Simulated months from `start_year`-`start_month`.
    pub months: usize,
    /// First simulated year.
    pub start_year: i32,
    /// First simulated month (1..=12).
    pub start_month: u32,
    /// Replications per regime (1 leaves sd and CIs empty in compare.csv).
    pub replications: u64,
    /// Regime (index) whose capacity always covers demand: unmet demand all zero.
    pub no_unmet_regime: Option<usize>,
    /// Regime (index) that has no rows at all for the last provider.
    pub regime_missing_provider: Option<usize>,
    /// Whether commitments.csv has rows (else header only).
    pub commitments: bool,
}

impl Default for Spec {
    fn default() -> Spec {
        Spec {
            regimes: vec!["exclusive", "rofr", "open"],
            providers: vec!["azure", "oracle", "coreweave"],
            months: 60,
            start_year: 2025,
            start_month: 7,
            replications: 40,
            no_unmet_regime: Some(2),
            regime_missing_provider: Some(0),
            commitments: true,
        }
    }
}

/// Price of one MW for one month, USD (about 700 GPUs at ~$2 an hour).
const USD_PER_MW_MONTH: f64 = 1.1e6;
/// The Azure commitment amount, USD.
const AZURE_COMMITMENT_USD: f64 = 250e9;
/// Share of the spend with Azure that counts towards its commitment (leases decided before
/// the commitment's start do not count).
const AZURE_COUNTED_SHARE: f64 = 0.9;
/// The Oracle commitment's amount and the spend counted towards it by its deadline, USD.
const ORACLE_COMMITMENT_USD: f64 = 300e9;
const ORACLE_COUNTED_USD: f64 = 250e9;

/// Monthly mean values for one regime: per provider served MW, and demand.
struct RegimeSeries {
    served: Vec<Vec<f64>>,
    demand: Vec<f64>,
    unmet: Vec<f64>,
}

fn regime_series(spec: &Spec, r: usize) -> RegimeSeries {
    let n = spec.months;
    let demand: Vec<f64> = (0..n)
        .map(|i| 1500.0 * (1.0 + 6.0 * i as f64 / n as f64))
        .collect();
    // Azure's capacity grows slowly; others ramp up depending on how open the regime is.
    let openness = r as f64 / spec.regimes.len().max(1) as f64;
    let mut served = vec![vec![0.0; n]; spec.providers.len()];
    let mut unmet = vec![0.0; n];
    for i in 0..n {
        let t = i as f64 / n as f64;
        let mut left = demand[i];
        for (p, row) in served.iter_mut().enumerate() {
            if spec.regime_missing_provider == Some(r) && p + 1 == spec.providers.len() {
                continue;
            }
            let cap = if p == 0 {
                1400.0 + 3500.0 * t
            } else {
                (300.0 + 2600.0 * t * (0.4 + openness)) / p as f64
            };
            let take = if spec.no_unmet_regime == Some(r) && p + 1 == spec.providers.len() {
                left
            } else {
                left.min(cap)
            };
            row[i] = take;
            left -= take;
        }
        unmet[i] = left.max(0.0);
    }
    RegimeSeries {
        served,
        demand,
        unmet,
    }
}

fn stat_row(
    out: &mut String,
    regime: &str,
    month: &str,
    provider: &str,
    metric: &str,
    mean: f64,
    spread: f64,
) {
    let (p05, p50, p95) = (
        mean * (1.0 - spread),
        mean * (1.0 - spread / 10.0),
        mean * (1.0 + spread),
    );
    let _ = writeln!(
        out,
        "{regime},{month},{provider},{metric},{mean},{p05},{p50},{p95}"
    );
}

/// Writes study.csv, timeseries.csv, compare.csv, commitments.csv, burndown.csv, providers.csv
/// and replications.csv into `dir`.
pub fn write(dir: &Path, spec: &Spec) {
    let month_name = |i: usize| {
        let m = spec.start_month as usize - 1 + i;
        format!("{:04}-{:02}", spec.start_year + (m / 12) as i32, m % 12 + 1)
    };
    let end_m = spec.start_month as usize - 1 + spec.months - 1;
    let end_year = spec.start_year + (end_m / 12) as i32;
    let end_month = end_m % 12 + 1;
    let end_day = match end_month {
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    let spread = if spec.replications == 1 { 0.0 } else { 0.15 };
    std::fs::write(
        dir.join("study.csv"),
        format!(
            "key,value\nscenario,test-scenario\nreplications,{}\nseed,20251122\nbaseline,{}\n\
             incumbent,azure\nincumbent_name,Microsoft Azure\nprovider.azure,Microsoft Azure\n\
             provider.oracle,Oracle Cloud\nstart_date,{:04}-{:02}-01\nend_date,{end_year:04}-{end_month:02}-{end_day}\ncapsim_version,0.1.0\n",
            spec.replications, spec.regimes[0], spec.start_year, spec.start_month
        ),
    )
    .unwrap();

    let mut sorted: Vec<(usize, &str)> = spec.providers.iter().copied().enumerate().collect();
    sorted.sort_by_key(|(_, p)| *p);
    let mut ts = String::from("regime,month,provider,metric,mean,p05,p50,p95\n");
    let mut totals = Vec::new();
    // Per regime, the Azure commitment's cumulative counted spend, month by month.
    let mut burndowns: Vec<Vec<f64>> = Vec::new();
    for (r, regime) in spec.regimes.iter().enumerate() {
        let s = regime_series(spec, r);
        let n = spec.months;
        let all_served: Vec<f64> = (0..n)
            .map(|i| s.served.iter().map(|p| p[i]).sum())
            .collect();
        // provider `all` sorts first.
        for i in 0..n {
            stat_row(
                &mut ts,
                regime,
                &month_name(i),
                "all",
                "cost_usd",
                all_served[i] * USD_PER_MW_MONTH,
                spread,
            );
        }
        let mut cum = 0.0;
        for i in 0..n {
            cum += all_served[i] * USD_PER_MW_MONTH;
            stat_row(
                &mut ts,
                regime,
                &month_name(i),
                "all",
                "cumulative_cost_usd",
                cum,
                spread / 2.0,
            );
        }
        for i in 0..n {
            stat_row(
                &mut ts,
                regime,
                &month_name(i),
                "all",
                "demand_mw",
                s.demand[i],
                spread / 3.0,
            );
        }
        for i in 0..n {
            stat_row(
                &mut ts,
                regime,
                &month_name(i),
                "all",
                "served_mw",
                all_served[i],
                spread,
            );
        }
        for i in 0..n {
            // Unmet demand is skewed: the 5th percentile is zero.
            let m = s.unmet[i];
            let _ = writeln!(
                ts,
                "{regime},{},all,unmet_mw,{m},0,{},{}",
                month_name(i),
                m * 0.8,
                m * (1.0 + 2.0 * spread)
            );
            let share = m / s.demand[i];
            let _ = writeln!(
                ts,
                "{regime},{},all,unmet_share,{share},0,{},{}",
                month_name(i),
                share * 0.8,
                (share * (1.0 + 2.0 * spread)).min(1.0)
            );
        }
        let mut azure_cum = Vec::new();
        for &(p, provider) in &sorted {
            if spec.regime_missing_provider == Some(r) && p + 1 == spec.providers.len() {
                continue;
            }
            for i in 0..n {
                stat_row(
                    &mut ts,
                    regime,
                    &month_name(i),
                    provider,
                    "cost_usd",
                    s.served[p][i] * USD_PER_MW_MONTH,
                    spread,
                );
            }
            let mut cum = 0.0;
            for i in 0..n {
                cum += s.served[p][i] * USD_PER_MW_MONTH;
                if p == 0 {
                    azure_cum.push(cum);
                }
                stat_row(
                    &mut ts,
                    regime,
                    &month_name(i),
                    provider,
                    "cumulative_cost_usd",
                    cum,
                    spread / 2.0,
                );
            }
            for i in 0..n {
                stat_row(
                    &mut ts,
                    regime,
                    &month_name(i),
                    provider,
                    "served_mw",
                    s.served[p][i],
                    spread,
                );
            }
        }
        let total_cost: f64 = all_served.iter().sum::<f64>() * USD_PER_MW_MONTH;
        let azure_cost = azure_cum.last().copied().unwrap_or(0.0);
        // The Azure commitment counts from the first month to its deadline's, December three
        // years on (the deadline is the 31st: its day before is in December), or to the last
        // month simulated.
        let deadline_month = 48 - spec.start_month as usize;
        let counted: Vec<f64> = (azure_cum.iter().take(deadline_month + 1))
            .map(|usd| usd * AZURE_COUNTED_SHARE)
            .collect();
        let counted_usd = counted.last().copied().unwrap_or(0.0);
        let unmet: f64 = s.unmet.iter().sum();
        let served: f64 = all_served.iter().sum();
        let demand: f64 = s.demand.iter().sum();
        let has_commitment = spec.commitments && r + 1 < spec.regimes.len();
        // Not applicable (NaN, an empty cell) where the regime has no commitment.
        let shortfall = if has_commitment {
            (AZURE_COMMITMENT_USD - counted_usd).max(0.0)
        } else {
            f64::NAN
        };
        totals.push(vec![
            ("demand_mw_months", demand),
            ("served_mw_months", served),
            ("unmet_mw_months", unmet),
            ("needs", 120.0 + 10.0 * r as f64),
            ("needs_unmet", 3.0 * (spec.regimes.len() - r) as f64),
            ("mean_wait_days", 12.5 - 2.0 * r as f64),
            ("total_cost_usd", total_cost * 1.02),
            ("compute_cost_usd", total_cost),
            ("azure_cost_usd", azure_cost),
            ("azure_share", azure_cost / total_cost),
            (
                "commitment_spent_usd",
                if has_commitment {
                    counted_usd
                } else {
                    f64::NAN
                },
            ),
            ("commitment_shortfall_usd", shortfall),
            ("rofr_offers", if r == 1 { 14.0 } else { 0.0 }),
            ("rofr_declines", if r == 1 { 5.0 } else { 0.0 }),
            ("rofr_delay_days", if r == 1 { 21.0 } else { 0.0 }),
            ("revenue_usd", 400e9 + 10e9 * r as f64),
            ("revenue_share_usd", 80e9),
            ("revenue_lost_usd", unmet * 2e6),
        ]);
        burndowns.push(counted);
    }
    std::fs::write(dir.join("timeseries.csv"), ts).unwrap();

    let mut cmp = String::from(
        "regime,metric,n,mean,sd,ci95_low,ci95_high,p05,p50,p95,baseline,delta_mean,delta_ci95_low,delta_ci95_high\n",
    );
    let baseline = spec.regimes[0];
    for (r, regime) in spec.regimes.iter().enumerate() {
        for (k, &(metric, mean)) in totals[r].iter().enumerate() {
            let base = totals[0][k].1;
            let sd = mean.abs() * 0.08;
            let half = 1.96 * sd / (spec.replications as f64).sqrt();
            let delta = mean - base;
            if mean.is_nan() {
                let _ = writeln!(cmp, "{regime},{metric},0,,,,,,,,{baseline},,,");
            } else if spec.replications == 1 {
                // One replication: sd and CIs undefined, left empty; percentiles are the value.
                let d = if r == 0 {
                    "0,,".to_string()
                } else {
                    format!("{delta},,")
                };
                let _ = writeln!(
                    cmp,
                    "{regime},{metric},1,{mean},,,,{mean},{mean},{mean},{baseline},{d}"
                );
            } else {
                let _ = writeln!(
                    cmp,
                    "{regime},{metric},{},{mean},{sd},{},{},{},{},{},{baseline},{delta},{},{}",
                    spec.replications,
                    mean - half,
                    mean + half,
                    (mean - 1.645 * sd).max(0.0),
                    mean,
                    mean + 1.645 * sd,
                    delta - half * 1.4,
                    delta + half * 1.4
                );
            }
        }
    }
    std::fs::write(dir.join("compare.csv"), cmp).unwrap();

    let mut commitments = String::from(
        "regime,term,holder,amount_usd,start,deadline,incremental,take_or_pay,counted_usd_mean,\
         shortfall_usd_mean,shortfall_usd_p95\n",
    );
    let mut burndown = String::from(
        "regime,term,holder,month,amount_usd,cumulative_counted_usd_mean,\
         cumulative_counted_usd_p05,cumulative_counted_usd_p50,cumulative_counted_usd_p95\n",
    );
    let mut burndown_row = |regime: &str, term: &str, holder: &str, i: usize, amount: f64, mean| {
        let _ = writeln!(
            burndown,
            "{regime},{term},{holder},{},{amount},{mean},{},{},{}",
            month_name(i),
            mean * (1.0 - spread),
            mean * (1.0 - spread / 10.0),
            mean * (1.0 + spread)
        );
    };
    // The Oracle commitment counts from 2027-01 to 2031-12, or to the last month simulated:
    // evenly, to what commitments.csv says counted.
    let month_index = |year: i32, month: u32| {
        (year - spec.start_year) * 12 + month as i32 - spec.start_month as i32
    };
    let oracle_months =
        month_index(2027, 1).max(0)..=month_index(2031, 12).min(spec.months as i32 - 1);
    let oracle_len = oracle_months.clone().count() as f64;
    if spec.commitments {
        for (r, regime) in spec.regimes[..spec.regimes.len() - 1].iter().enumerate() {
            let total = |name: &str| {
                (totals[r].iter())
                    .find(|(metric, _)| *metric == name)
                    .map_or(0.0, |(_, value)| *value)
            };
            let shortfall = total("commitment_shortfall_usd");
            let _ = writeln!(
                commitments,
                "{regime},azure-incremental,azure,{AZURE_COMMITMENT_USD},{:04}-{:02}-01,{:04}-12-31,\
                 true,true,{},{shortfall},{}",
                spec.start_year,
                spec.start_month,
                spec.start_year + 3,
                total("commitment_spent_usd"),
                shortfall * 2.0
            );
            let _ = writeln!(
                commitments,
                "{regime},oracle-stargate,oracle,{ORACLE_COMMITMENT_USD},2027-01-01,2031-12-31,\
                 false,true,{ORACLE_COUNTED_USD},50e9,80e9"
            );
            for (i, &usd) in burndowns[r].iter().enumerate() {
                burndown_row(
                    regime,
                    "azure-incremental",
                    "azure",
                    i,
                    AZURE_COMMITMENT_USD,
                    usd,
                );
            }
            for (k, i) in oracle_months.clone().enumerate() {
                let usd = ORACLE_COUNTED_USD * (k + 1) as f64 / oracle_len;
                burndown_row(
                    regime,
                    "oracle-stargate",
                    "oracle",
                    i as usize,
                    ORACLE_COMMITMENT_USD,
                    usd,
                );
            }
        }
    }
    std::fs::write(dir.join("commitments.csv"), commitments).unwrap();
    std::fs::write(dir.join("burndown.csv"), burndown).unwrap();

    // Not read by the charts, but present as in a real run.
    let mut providers =
        String::from("regime,replication,seed,provider,served_mw_months,cost_usd,share\n");
    let mut reps = String::from(
        "regime,replication,seed,demand_mw_months,served_mw_months,unmet_mw_months,needs,needs_unmet,\
         mean_wait_days,total_cost_usd,compute_cost_usd,azure_cost_usd,azure_share,commitment_spent_usd,\
         commitment_shortfall_usd,rofr_offers,rofr_declines,rofr_delay_days,revenue_usd,revenue_share_usd,\
         revenue_lost_usd\n",
    );
    for (r, regime) in spec.regimes.iter().enumerate() {
        for rep in 0..spec.replications.min(3) {
            for p in &spec.providers {
                let _ = writeln!(providers, "{regime},{rep},{},{p},1000,1e9,0.3", 1000 + rep);
            }
            let values: Vec<String> = (totals[r].iter())
                .map(|(_, v)| {
                    if v.is_nan() {
                        String::new()
                    } else {
                        v.to_string()
                    }
                })
                .collect();
            let _ = writeln!(reps, "{regime},{rep},{},{}", 1000 + rep, values.join(","));
        }
    }
    std::fs::write(dir.join("providers.csv"), providers).unwrap();
    std::fs::write(dir.join("replications.csv"), reps).unwrap();
}
