//! Benchmarks of whole studies on the default scenario: one replication (every regime on one
//! world) and a 200-replication study in parallel.

use std::hint::black_box;
use std::time::{Duration, Instant};

use capsim::experiment::{Batch, Plan, StudyAggregate, run_replication, run_study};
use capsim::model::world::{World, replication_seed};
use criterion::{Criterion, SamplingMode, criterion_group, criterion_main};

/// Replications in the study bench.
const REPLICATIONS: u64 = 200;

fn study(c: &mut Criterion) {
    let s = capsim::scenario::load_str(capsim::scenario::DEFAULT_SCENARIO, "default", &[])
        .expect("the embedded default scenario loads");
    let (_, results) = run_replication(&s, 1, 0);
    let needs = World::sample(&s, replication_seed(1, 0)).needs.len();
    eprintln!(
        "default: {} regime(s), {} provider(s), {} months, {needs} needs in replication 0's world",
        results.len(),
        s.providers.len(),
        s.calendar.months()
    );

    let mut group = c.benchmark_group("study_default");
    // Replications take milliseconds: flat sampling keeps criterion from needing thousands.
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    let mut r = 0u64;
    group.bench_function("one_replication", |b| {
        b.iter(|| {
            // A new world each time, so one lucky world does not set the figure.
            r += 1;
            run_replication(&s, 1, black_box(r))
        })
    });

    // What a study adds besides simulating: folding the results (totals and every monthly
    // series) into the aggregate's summaries, a batch of 128 replications at a time as studies
    // do (a batch shares each summary's cache misses among its replications).
    let mut batch = Batch::default();
    for r in 0..128 {
        let (seed, results) = run_replication(&s, 1, r);
        batch.push(r, seed, results);
    }
    let mut aggregate = StudyAggregate::new(&s);
    group.bench_function("aggregate_128_replications", |b| {
        b.iter(|| aggregate.add_batch(black_box(&batch), s.baseline))
    });

    let plan = Plan {
        replications: REPLICATIONS,
        master_seed: 1,
        threads: None,
        shard: None,
    };
    // Each iteration is a whole study: ten samples of one iteration each, with the
    // measurement time sized from one timed study so criterion need not stretch it.
    let start = Instant::now();
    run_study(&s, &plan, |_rows| Ok::<(), anyhow::Error>(()), |_| {}).expect("the study runs");
    let one_study = start.elapsed();
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(1))
        .measurement_time(one_study * 12);
    group.bench_function(format!("study_{REPLICATIONS}_replications"), |b| {
        b.iter(|| {
            run_study(&s, &plan, |_rows| Ok::<(), anyhow::Error>(()), |_| {})
                .expect("the study runs")
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    // criterion's plotters has ab_glyph on (feature unification) and no font: no plots.
    config = Criterion::default().without_plots();
    targets = study
}
criterion_main!(benches);
