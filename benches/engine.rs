//! Benchmarks of the event engine: M/M/c on a bare binary heap against the same model on
//! `EventQueue`, and the full simulator on a small M/M/c scenario.
//!
//! The bare loop copies the floor in `shared/peers/mmc/floor` (the yardstick every DES engine
//! is quoted against); the engine should reach at least 0.75× its jobs per second.

use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, VecDeque};
use std::hint::black_box;
use std::time::{Duration, Instant};

use capsim::engine::EventQueue;
use capsim::model::world::World;
use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use rand::SeedableRng;
use rand::rngs::SmallRng;
use rand_distr::{Distribution, Exp};

/// Arrival rate, service rate and servers: ρ = 0.9, as in the peers' table.
const LAMBDA: f64 = 9.0;
const MU: f64 = 1.0;
const SERVERS: usize = 10;
/// Jobs per iteration: long enough that setup is noise, short enough for a quick bench.
const JOBS: usize = 1_000_000;
const SEED: u64 = 1;

/// The M/M/c validation scenario of `data/scenarios/mmc.toml` (λ = 9/day, μ = 1/day, c = 10).
const MMC_SCENARIO: &str = include_str!("../data/scenarios/mmc.toml");
/// Its horizon cut from sixty years to one, so that a sample is quick.
const MMC_ONE_YEAR: &str = "scenario.end=2001-01-01";

/// An event time with a total order (`f64::total_cmp`), so it can key a heap (as the floor).
#[derive(PartialEq)]
struct T(f64);
impl Eq for T {}
impl PartialOrd for T {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for T {
    fn cmp(&self, o: &Self) -> Ordering {
        self.0.total_cmp(&o.0)
    }
}

/// The floor's loop: (time, seq, kind) on a `BinaryHeap`, kind 0 = arrival, 1 = departure.
/// Returns every job's wait and the events popped.
fn bare(jobs: usize, seed: u64) -> (Vec<f64>, u64) {
    let mut rng = SmallRng::seed_from_u64(seed);
    let (arr, svc) = (Exp::new(LAMBDA).unwrap(), Exp::new(MU).unwrap());
    let mut heap: BinaryHeap<Reverse<(T, u64, u8)>> = BinaryHeap::new();
    let mut seq = 0u64;
    heap.push(Reverse((T(arr.sample(&mut rng)), seq, 0)));
    let (mut busy, mut arrived, mut events) = (0usize, 0usize, 0u64);
    let mut queue: VecDeque<f64> = VecDeque::new();
    let mut waits: Vec<f64> = Vec::with_capacity(jobs);
    while let Some(Reverse((T(now), _, kind))) = heap.pop() {
        events += 1;
        if kind == 0 {
            arrived += 1;
            if arrived < jobs {
                seq += 1;
                heap.push(Reverse((T(now + arr.sample(&mut rng)), seq, 0)));
            }
            if busy < SERVERS {
                busy += 1;
                waits.push(0.0);
                seq += 1;
                heap.push(Reverse((T(now + svc.sample(&mut rng)), seq, 1)));
            } else {
                queue.push_back(now);
            }
        } else if let Some(t) = queue.pop_front() {
            waits.push(now - t);
            seq += 1;
            heap.push(Reverse((T(now + svc.sample(&mut rng)), seq, 1)));
        } else {
            busy -= 1;
        }
    }
    (waits, events)
}

/// The model's closed set of events.
#[derive(Debug, Clone, Copy)]
enum Event {
    Arrival,
    Departure,
}

/// The same model, draws and draw order on `EventQueue`. Returns every job's wait and the
/// events popped.
fn engine(jobs: usize, seed: u64) -> (Vec<f64>, u64) {
    let mut rng = SmallRng::seed_from_u64(seed);
    let (arr, svc) = (Exp::new(LAMBDA).unwrap(), Exp::new(MU).unwrap());
    let mut events: EventQueue<Event> = EventQueue::new();
    events.schedule_at(arr.sample(&mut rng), Event::Arrival);
    let (mut busy, mut arrived) = (0usize, 0usize);
    let mut queue: VecDeque<f64> = VecDeque::new();
    let mut waits: Vec<f64> = Vec::with_capacity(jobs);
    while let Some((now, event)) = events.pop() {
        match event {
            Event::Arrival => {
                arrived += 1;
                if arrived < jobs {
                    events.schedule_in(arr.sample(&mut rng), Event::Arrival);
                }
                if busy < SERVERS {
                    busy += 1;
                    waits.push(0.0);
                    events.schedule_in(svc.sample(&mut rng), Event::Departure);
                } else {
                    queue.push_back(now);
                }
            }
            Event::Departure => {
                if let Some(t) = queue.pop_front() {
                    waits.push(now - t);
                    events.schedule_in(svc.sample(&mut rng), Event::Departure);
                } else {
                    busy -= 1;
                }
            }
        }
    }
    (waits, events.processed())
}

/// Mean wait after dropping the first 10% as warm-up, as the peers print it.
fn mean_wait(waits: &[f64]) -> f64 {
    let warm = waits.len() / 10;
    waits[warm..].iter().sum::<f64>() / (waits.len() - warm) as f64
}

/// Alternating pairs run for the engine/bare ratio printed before the criterion groups.
const PAIRS: usize = 15;

/// Prints the engine/bare throughput ratio as the median of per-pair ratios, the two loops
/// run in alternation: on a shared machine this is steadier than two criterion runs made
/// one after the other.
fn paired_ratio(pairs: usize) {
    let mut ratios: Vec<f64> = (0..pairs)
        .map(|_| {
            let start = Instant::now();
            black_box(bare(black_box(JOBS), SEED));
            let bare_s = start.elapsed().as_secs_f64();
            let start = Instant::now();
            black_box(engine(black_box(JOBS), SEED));
            bare_s / start.elapsed().as_secs_f64()
        })
        .collect();
    ratios.sort_by(f64::total_cmp);
    eprintln!(
        "mmc: engine/bare jobs/s ratio {:.3} (median of {pairs} alternating pairs; range {:.3}-{:.3})",
        ratios[pairs / 2],
        ratios[0],
        ratios[pairs - 1]
    );
}

fn mmc_engine(c: &mut Criterion) {
    // Both loops must do the same work: same sample path, same events.
    let (bare_waits, bare_events) = bare(JOBS, SEED);
    let (engine_waits, engine_events) = engine(JOBS, SEED);
    assert_eq!(bare_events, engine_events, "both loops pop the same events");
    assert_eq!(
        mean_wait(&bare_waits).to_bits(),
        mean_wait(&engine_waits).to_bits(),
        "both loops follow the same sample path"
    );
    eprintln!(
        "mmc: jobs={JOBS} events={bare_events} mean_wait={:.5} (Erlang C: 0.66873)",
        mean_wait(&bare_waits)
    );

    paired_ratio(PAIRS);

    let mut group = c.benchmark_group("mmc");
    group
        .throughput(Throughput::Elements(JOBS as u64))
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    group.bench_function("bare_heap", |b| b.iter(|| bare(black_box(JOBS), SEED)));
    group.bench_function("event_queue", |b| b.iter(|| engine(black_box(JOBS), SEED)));
    group.finish();
}

fn mmc_simulator(c: &mut Criterion) {
    let one_year = capsim::scenario::parse_override(MMC_ONE_YEAR).unwrap();
    let scenario = capsim::scenario::load_str(MMC_SCENARIO, "mmc.toml", &[one_year]).unwrap();
    let regime = &scenario.regimes[0];
    let world = World::sample(&scenario, SEED);
    let jobs = world.needs.len() as u64;
    let outcome = capsim::sim::simulate(&scenario, regime, &world);
    eprintln!(
        "capsim mmc 1 year: jobs={jobs} events={} leases={}",
        outcome.events,
        outcome.leases.len()
    );

    let mut group = c.benchmark_group("capsim_mmc_1y");
    group
        .throughput(Throughput::Elements(jobs))
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    group.bench_function("world_sample", |b| {
        b.iter(|| World::sample(&scenario, black_box(SEED)))
    });
    group.bench_function("simulate", |b| {
        b.iter(|| capsim::sim::simulate(&scenario, regime, black_box(&world)))
    });
    group.bench_function("sample_and_simulate", |b| {
        b.iter(|| {
            let world = World::sample(&scenario, black_box(SEED));
            capsim::sim::simulate(&scenario, regime, &world)
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    // criterion's plotters has ab_glyph on (feature unification) and no font: no plots.
    config = Criterion::default().without_plots();
    targets = mmc_engine, mmc_simulator
}
criterion_main!(benches);
