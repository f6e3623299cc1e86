//! Replications in parallel: seeds, common random numbers across regimes, and mergeable
//! aggregates. Only this module knows rayon.

use std::sync::Mutex;

use rayon::prelude::*;

use crate::guard::{self, OutOfRange};
use crate::model::Scenario;
use crate::model::world::{World, replication_seed};
use crate::results::{Metric, ProviderTotals, ReplicationResult, series_labels};
use crate::sim::replicate;
use crate::stats::Summary;

/// Replications simulated before their rows are handed on (bounds memory).
const BATCH_REPLICATIONS: u64 = 512;

/// What to run.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Replications per regime.
    pub replications: u64,
    /// Master seed; replication `r` uses `replication_seed(master_seed, r)` in every regime.
    pub master_seed: u64,
    /// Worker threads (`None`: one per core).
    pub threads: Option<usize>,
}

/// One replication's totals for every regime, handed on in replication order.
#[derive(Debug, Clone)]
pub struct ReplicationRow {
    /// Replication index.
    pub replication: u64,
    /// Its seed.
    pub seed: u64,
    /// Per regime (scenario order): totals and per-provider totals.
    pub regimes: Vec<([f64; Metric::COUNT], Vec<ProviderTotals>)>,
}

/// The aggregate of one regime over replications.
#[derive(Debug, Clone)]
pub struct RegimeAggregate {
    /// Per metric (`Metric as usize`).
    pub totals: Vec<Summary>,
    /// Per metric: this regime minus the baseline, paired by replication.
    pub deltas: Vec<Summary>,
    /// Per provider: served MW-months, cost, share.
    pub providers: Vec<[Summary; 3]>,
    /// Per monthly series (see `results::series_labels`), then month.
    pub monthly: Vec<Vec<Summary>>,
}

/// The aggregate of a whole study: one entry per regime, in scenario order.
#[derive(Debug, Clone)]
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
        let regime = RegimeAggregate {
            totals: vec![Summary::default(); Metric::COUNT],
            deltas: vec![Summary::default(); Metric::COUNT],
            providers: vec![Default::default(); providers],
            monthly: vec![vec![Summary::default(); months]; series],
        };
        Self {
            regimes: vec![regime; scenario.regimes.len()],
        }
    }

    /// Adds one replication (all regimes; `baseline` indexes the baseline regime).
    pub fn add(&mut self, results: &[ReplicationResult], baseline: usize) {
        for (aggregate, result) in self.regimes.iter_mut().zip(results) {
            for metric in Metric::ALL {
                let i = metric as usize;
                aggregate.totals[i].add(result.totals[i]);
                aggregate.deltas[i].add(result.totals[i] - results[baseline].totals[i]);
            }
            for (summaries, totals) in aggregate.providers.iter_mut().zip(&result.providers) {
                summaries[0].add(totals.served_mw_months);
                summaries[1].add(totals.cost_usd);
                summaries[2].add(totals.share);
            }
            result
                .monthly
                .for_each_value(|series, month, value| aggregate.monthly[series][month].add(value));
        }
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
            for (a, b) in mine.monthly.iter_mut().zip(&theirs.monthly) {
                for (x, y) in a.iter_mut().zip(b) {
                    x.merge(y);
                }
            }
        }
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
        .map(|v| World::sample(v, seed))
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

/// Runs the plan: replications in parallel, rows handed to `on_rows` in replication order
/// (batch by batch), `on_progress(done)` after each batch. Returns the aggregate, which is
/// the same whatever the thread count, or the first batch's error: a number out of range
/// (see `guard`) or `on_rows`'s.
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
        // One partial aggregate per worker (plus one for a caller outside the pool).
        let partials: Vec<Mutex<StudyAggregate>> = (0..=rayon::current_num_threads())
            .map(|_| Mutex::new(StudyAggregate::new(scenario)))
            .collect();
        let mut start = 0;
        while start < plan.replications {
            let end = (start + BATCH_REPLICATIONS).min(plan.replications);
            let rows: Vec<ReplicationRow> = (start..end)
                .into_par_iter()
                .map(|replication| {
                    let (seed, results) = run_replication(scenario, plan.master_seed, replication);
                    guard::check(scenario, replication, &results)?;
                    let slot = rayon::current_thread_index().unwrap_or(partials.len() - 1);
                    partials[slot]
                        .lock()
                        .expect("no worker panics while holding it")
                        .add(&results, scenario.baseline);
                    Ok(ReplicationRow {
                        replication,
                        seed,
                        regimes: results
                            .into_iter()
                            .map(|r| (r.totals, r.providers))
                            .collect(),
                    })
                })
                .collect::<Result<_, OutOfRange>>()?;
            on_rows(&rows)?;
            on_progress(end);
            start = end;
        }
        let mut total = StudyAggregate::new(scenario);
        for partial in &partials {
            total.merge(&partial.lock().expect("workers are done"));
        }
        Ok(total)
    })
}
