//! Replications in parallel: seeds, common random numbers across regimes, and mergeable
//! aggregates. Only this module knows rayon.

use std::ops::Range;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::guard::{self, OutOfRange};
use crate::model::Scenario;
use crate::model::world::{World, replication_seed};
use crate::results::{CommitmentTotals, Metric, ProviderTotals, ReplicationResult, series_labels};
use crate::shard::Shard;
use crate::sim::replicate;
use crate::stats::{Distribution, Summary};

/// Replications simulated per worker thread before their rows are handed on and aggregated.
/// A batch holds every monthly value of its replications (≈106 kB each in the default
/// scenario), so this bounds memory; it must be large enough that each summary's cache misses
/// are shared by many values (see `StudyAggregate::add_batch`).
const BATCH_REPLICATIONS_PER_THREAD: u64 = 32;
/// Smallest batch, whatever the thread count.
const MIN_BATCH_REPLICATIONS: u64 = 128;

/// What to run.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Replications per regime.
    pub replications: u64,
    /// Master seed; replication `r` uses `replication_seed(master_seed, r)` in every regime.
    pub master_seed: u64,
    /// Worker threads (`None`: one per core).
    pub threads: Option<usize>,
    /// The slice of the replications to run (`None`: all of them).
    pub shard: Option<Shard>,
}

impl Plan {
    /// Returns the replication indices this plan runs: all, or its shard's slice.
    pub fn replication_range(&self) -> Range<u64> {
        match self.shard {
            Some(shard) => shard.range(self.replications),
            None => 0..self.replications,
        }
    }
}

/// One replication's totals for every regime, handed on in replication order.
#[derive(Debug, Clone)]
pub struct ReplicationRow {
    /// Replication index.
    pub replication: u64,
    /// Its seed.
    pub seed: u64,
    /// Per regime, in scenario order.
    pub regimes: Vec<RegimeRow>,
}

/// One regime's totals in one replication.
#[derive(Debug, Clone)]
pub struct RegimeRow {
    /// Indexed by `Metric as usize`.
    pub totals: [f64; Metric::COUNT],
    /// Per provider, in scenario order.
    pub providers: Vec<ProviderTotals>,
    /// Per commitment of the regime, in `Scenario::commitments` order.
    pub commitments: Vec<CommitmentTotals>,
}

/// Replications simulated together, ready to aggregate: their rows, and every monthly value
/// of each laid out regime by regime as `MonthlySeries::extend_values` appends them (the
/// series of `results::series_labels`, then a burn-down per commitment), month by month.
#[derive(Debug, Clone, Default)]
pub struct Batch {
    /// Totals, in the order pushed.
    pub rows: Vec<ReplicationRow>,
    monthly: Vec<Vec<f64>>,
}

impl Batch {
    /// Adds replication `replication`'s results (every regime, in scenario order).
    pub fn push(&mut self, replication: u64, seed: u64, results: Vec<ReplicationResult>) {
        let (row, monthly) = split(replication, seed, results);
        self.rows.push(row);
        self.monthly.push(monthly);
    }
}

/// Splits one replication's results into its row and its monthly values, laid out as `Batch`
/// holds them.
fn split(
    replication: u64,
    seed: u64,
    results: Vec<ReplicationResult>,
) -> (ReplicationRow, Vec<f64>) {
    let mut monthly = Vec::with_capacity(results.iter().map(|r| r.monthly.value_count()).sum());
    for result in &results {
        let first = monthly.len();
        result.monthly.extend_values(&mut monthly);
        assert_eq!(
            monthly.len() - first,
            result.monthly.value_count(),
            "a month per value"
        );
    }
    let row = ReplicationRow {
        replication,
        seed,
        regimes: results
            .into_iter()
            .map(|r| RegimeRow {
                totals: r.totals,
                providers: r.providers,
                commitments: r.commitments,
            })
            .collect(),
    };
    (row, monthly)
}

/// The aggregate of one regime over replications.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RegimeAggregate {
    /// Per metric (`Metric as usize`).
    pub totals: Vec<Summary>,
    /// Per metric: this regime minus the baseline, paired by replication.
    pub deltas: Vec<Summary>,
    /// Per provider: served MW-months, cost, share (`results::PROVIDER_TOTALS`).
    pub providers: Vec<[Summary; 3]>,
    /// Per commitment of the regime (`Scenario::commitments` order): spend counted, shortfall.
    pub commitments: Vec<[Summary; 2]>,
    /// Per monthly series (see `results::series_labels`), then month.
    pub monthly: Vec<Vec<Distribution>>,
    /// Per commitment of the regime, then month: the spend counted towards it so far.
    pub burndown: Vec<Vec<Distribution>>,
}

/// The aggregate of a whole study: one entry per regime, in scenario order.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StudyAggregate {
    /// Per regime.
    pub regimes: Vec<RegimeAggregate>,
}

impl StudyAggregate {
    /// Returns an empty aggregate shaped for `scenario`.
    pub fn new(scenario: &Scenario) -> Self {
        let providers = scenario.providers.len();
        let ids: Vec<String> = scenario.providers.iter().map(|p| p.id.clone()).collect();
        let series = series_labels(&ids).len();
        let months = scenario.calendar.months();
        let regimes = (scenario.regimes.iter())
            .map(|regime| {
                let commitments = scenario.commitments(regime).count();
                RegimeAggregate {
                    totals: vec![Summary::default(); Metric::COUNT],
                    deltas: vec![Summary::default(); Metric::COUNT],
                    providers: vec![Default::default(); providers],
                    commitments: vec![Default::default(); commitments],
                    monthly: vec![vec![Distribution::default(); months]; series],
                    burndown: vec![vec![Distribution::default(); months]; commitments],
                }
            })
            .collect();
        Self { regimes }
    }

    /// Adds a batch of replications of this aggregate's scenario; `baseline` indexes the
    /// baseline regime.
    ///
    /// Summaries are visited one at a time, each taking the value of every replication in the
    /// batch: a summary (and its sketch's bins) is then fetched from memory once per batch
    /// rather than once per replication, which matters because a study has tens of thousands
    /// of monthly summaries, far more than fit in cache. Regimes and series are aggregated in
    /// parallel; the result does not depend on the order values arrive in.
    pub fn add_batch(&mut self, batch: &Batch, baseline: usize) {
        let (rows, monthly) = (&batch.rows, &batch.monthly);
        // Where each regime's values start in a replication's: regimes differ in commitments.
        let mut values = 0;
        let firsts: Vec<usize> = (self.regimes.iter())
            .map(|regime| {
                let first = values;
                values += (regime.monthly.iter().chain(&regime.burndown))
                    .map(Vec::len)
                    .sum::<usize>();
                first
            })
            .collect();
        // Values laid out otherwise would be read as other series, silently.
        assert!(
            monthly
                .iter()
                .all(|replication| replication.len() == values),
            "a replication's monthly values are laid out as the aggregate's series"
        );
        self.regimes
            .par_iter_mut()
            .zip(firsts)
            .enumerate()
            .for_each(|(regime, (aggregate, first))| {
                for row in rows {
                    let RegimeRow {
                        totals,
                        providers,
                        commitments,
                    } = &row.regimes[regime];
                    let baseline_totals = &row.regimes[baseline].totals;
                    // A delta is paired: not applicable where either side is not.
                    for i in 0..Metric::COUNT {
                        add_applicable(&mut aggregate.totals[i], totals[i]);
                        add_applicable(&mut aggregate.deltas[i], totals[i] - baseline_totals[i]);
                    }
                    for (summaries, totals) in aggregate.providers.iter_mut().zip(providers) {
                        summaries[0].add(totals.served_mw_months);
                        summaries[1].add(totals.cost_usd);
                        add_applicable(&mut summaries[2], totals.share);
                    }
                    for (summaries, totals) in aggregate.commitments.iter_mut().zip(commitments) {
                        summaries[0].add(totals.counted_usd);
                        summaries[1].add(totals.shortfall_usd);
                    }
                }
                (aggregate.monthly.par_iter_mut())
                    .chain(aggregate.burndown.par_iter_mut())
                    .enumerate()
                    .for_each_init(Vec::new, |by_month, (series, summaries)| {
                        let months = summaries.len();
                        let at = first + series * months;
                        // The series' values regrouped month by month, each month's
                        // replications side by side: read replication by replication, where
                        // the series is contiguous, then summed from cache. Reading one month
                        // of every replication in turn stalled on memory at each value (−1.8%
                        // of cycles, for +0.15 M instructions a replication). A row is a cache
                        // line longer than the batch: rows of 128 values would share a few
                        // cache sets and evict each other. A buffer serves several series of
                        // one size: only the first fills it with zeros.
                        let row_len = monthly.len() + 8;
                        by_month.resize(months * row_len, 0.0);
                        for (replication, values) in monthly.iter().enumerate() {
                            let values = &values[at..at + months];
                            for (month, &value) in values.iter().enumerate() {
                                by_month[month * row_len + replication] = value;
                            }
                        }
                        for (summary, values) in summaries.iter_mut().zip(by_month.chunks(row_len))
                        {
                            summary.add_each(values[..monthly.len()].iter().copied());
                        }
                    });
            });
    }

    /// Adds everything `other` has seen; the result does not depend on the order of merges.
    pub fn merge(&mut self, other: &StudyAggregate) {
        for (mine, theirs) in self.regimes.iter_mut().zip(&other.regimes) {
            for (a, b) in mine.totals.iter_mut().zip(&theirs.totals) {
                a.merge(b);
            }
            for (a, b) in mine.deltas.iter_mut().zip(&theirs.deltas) {
                a.merge(b);
            }
            for (a, b) in mine.providers.iter_mut().zip(&theirs.providers) {
                for (x, y) in a.iter_mut().zip(b) {
                    x.merge(y);
                }
            }
            for (a, b) in mine.commitments.iter_mut().zip(&theirs.commitments) {
                for (x, y) in a.iter_mut().zip(b) {
                    x.merge(y);
                }
            }
            let (series, theirs_series) = (mine.monthly.iter_mut(), &theirs.monthly);
            for (a, b) in series
                .chain(mine.burndown.iter_mut())
                .zip(theirs_series.iter().chain(&theirs.burndown))
            {
                for (x, y) in a.iter_mut().zip(b) {
                    x.merge(y);
                }
            }
        }
    }
}

/// Adds `value` to `summary` unless it is NaN: a mean over nothing, not applicable in that
/// replication (see `Metric::undefined_when`), so the summary's count says where it applied.
fn add_applicable(summary: &mut Summary, value: f64) {
    if !value.is_nan() {
        summary.add(value);
    }
}

/// Simulates every regime of `scenario` on replication `replication`'s world (a regime that
/// changes scenario fields runs on its variant's world, drawn with the same seed).
pub fn run_replication(
    scenario: &Scenario,
    master_seed: u64,
    replication: u64,
) -> (u64, Vec<ReplicationResult>) {
    let seed = replication_seed(master_seed, replication);
    let world = World::sample(scenario, seed);
    // Variants draw from the same streams, so their worlds differ only where their fields do.
    let variant_worlds: Vec<World> = scenario
        .variants
        .iter()
        .map(|v| World::sample_variant(v, scenario, &world))
        .collect();
    let results = scenario
        .regimes
        .iter()
        .enumerate()
        .map(|(r, regime)| {
            let world = regime.variant.map_or(&world, |v| &variant_worlds[v]);
            replicate(scenario.for_regime(r), regime, world)
        })
        .collect();
    (seed, results)
}

/// Runs the plan: its replications (all, or its shard's slice) in parallel, rows handed to
/// `on_rows` in replication order (batch by batch), `on_progress(done)` after each batch with
/// the number of this plan's replications done. Returns the aggregate, which is the same
/// whatever the thread count, or the first batch's error: a number out of range (see
/// `guard`) or `on_rows`'s. Memory holds one aggregate and up to two batches: one batch is
/// aggregated while the next is simulated, so no thread waits for the other at the seam.
pub fn run_study<E>(
    scenario: &Scenario,
    plan: &Plan,
    mut on_rows: impl FnMut(&[ReplicationRow]) -> Result<(), E> + Send,
    on_progress: impl Fn(u64) + Send + Sync,
) -> Result<StudyAggregate, E>
where
    E: From<rayon::ThreadPoolBuildError> + From<OutOfRange> + Send,
{
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(threads) = plan.threads {
        builder = builder.num_threads(threads);
    }
    let pool = builder.build()?;
    pool.install(|| {
        let mut total = StudyAggregate::new(scenario);
        let batch = (BATCH_REPLICATIONS_PER_THREAD * rayon::current_num_threads() as u64)
            .max(MIN_BATCH_REPLICATIONS);
        let range = plan.replication_range();
        let simulate = |start: u64| -> Result<Batch, OutOfRange> {
            let end = (start + batch).min(range.end);
            let replications = (start..end)
                .into_par_iter()
                .map(|replication| {
                    let (seed, results) = run_replication(scenario, plan.master_seed, replication);
                    let (row, monthly) = split(replication, seed, results);
                    guard::check(scenario, &row, &monthly)?;
                    Ok((row, monthly))
                })
                .collect::<Result<Vec<_>, OutOfRange>>()?;
            let (rows, monthly) = replications.into_iter().unzip();
            Ok(Batch { rows, monthly })
        };
        let mut aggregate = |batch: Batch| -> Result<(), E> {
            total.add_batch(&batch, scenario.baseline);
            on_rows(&batch.rows)?;
            if let Some(last) = batch.rows.last() {
                on_progress(last.replication + 1 - range.start);
            }
            Ok(())
        };
        let mut pending: Option<Batch> = None;
        let mut start = range.start;
        while start < range.end {
            // The aggregation first: on one thread it then ends, freeing its batch, before the
            // next batch is made, so only one batch is in memory at a time.
            let (aggregated, simulated) = rayon::join(
                || pending.take().map_or(Ok(()), &mut aggregate),
                || simulate(start),
            );
            aggregated?;
            pending = Some(simulated?);
            start = (start + batch).min(range.end);
        }
        if let Some(last) = pending {
            aggregate(last)?;
        }
        Ok(total)
    })
}
