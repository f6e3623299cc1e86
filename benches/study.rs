//! A whole study of fixed size: 64 replications of the embedded default scenario (every
//! regime, monthly statistics included, no files written), with 1 and 2 worker threads.
//! About 20 s: `cargo bench --bench study`.

use criterion::{Criterion, criterion_group, criterion_main};

use capsim::experiment::{Plan, run_study};
use capsim::scenario::{DEFAULT_SCENARIO, DEFAULT_SCENARIO_NAME, load_str};

/// Replications per measured study: large enough to fill two threads' batches.
const REPLICATIONS: u64 = 64;

fn study(c: &mut Criterion) {
    let scenario = load_str(DEFAULT_SCENARIO, DEFAULT_SCENARIO_NAME, &[])
        .expect("the default scenario is valid");
    let mut group = c.benchmark_group(format!("study_{REPLICATIONS}_replications"));
    group.sample_size(10);
    for threads in [1, 2] {
        let plan = Plan {
            replications: REPLICATIONS,
            master_seed: 1,
            threads: Some(threads),
            shard: None,
        };
        group.bench_function(format!("{threads}_threads"), |b| {
            b.iter(|| {
                run_study(&scenario, &plan, |_| Ok::<(), anyhow::Error>(()), |_| {})
                    .expect("the study runs")
            })
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    // No plots: criterion's plotters would need the bundled font registered.
    config = Criterion::default().without_plots();
    targets = study
}
criterion_main!(benches);
