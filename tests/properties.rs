//! Property tests on generated scenarios: valid ones never panic, conserve demand, split
//! shares to 1, spend commitments only with their holder, have non-negative waits and repeat
//! under the same seed; mutated (invalid) ones are refused with exit status 2, never a panic.
//! Case counts stay small so that `cargo test` stays quick.

use std::fmt::Write as _;

use assert_cmd::Command;
use capsim::experiment::{Plan, ReplicationRow, run_study};
use capsim::model::world::World;
use capsim::model::{Scenario, TermKind};
use capsim::results::Metric;
use capsim::scenario::load_str;
use capsim::sim::simulate;
use chrono::{Days, NaiveDate};
use proptest::prelude::*;

/// A distribution over values in `[low, high]` (lognormals only where the field is unbounded
/// above), as TOML.
fn dist(low: f64, high: f64, unbounded: bool) -> BoxedStrategy<String> {
    let constant = (low..=high).prop_map(|v| format!("{v}"));
    let uniform = (low..=high, 0.0..=1.0f64).prop_map(move |(a, t)| {
        let b = a + (high - a) * t;
        format!("{{ dist = \"uniform\", low = {a}, high = {b} }}")
    });
    if unbounded && high > 0.0 {
        let lognormal = (0.01f64..=1.0, 0.05f64..=1.0).prop_map(move |(m, sigma)| {
            let median = (high * m).max(1e-3);
            format!("{{ dist = \"lognormal\", median = {median}, sigma = {sigma} }}")
        });
        prop_oneof![constant, uniform, lognormal].boxed()
    } else {
        prop_oneof![constant, uniform].boxed()
    }
}

#[derive(Debug, Clone)]
struct Provider {
    premium: String,
    share: String,
    lead: String,
    tranches: Vec<(u32, f64, f64, String)>,
    outages: Option<(f64, String, String)>,
}

#[derive(Debug, Clone)]
struct Class {
    arrivals: f64,
    growth: String,
    size: String,
    term: String,
    notice: String,
    patience: String,
    revenue: String,
    initial: f64,
}

#[derive(Debug, Clone)]
struct Term {
    kind: usize,
    holder: usize,
    start: Option<i64>,
    length: Option<u32>,
    classes: Option<Vec<bool>>,
    param: f64,
    flag: bool,
    dist: String,
    /// Per provider: exempt from an exclusivity or a first refusal (the holder never is).
    exempt: Vec<bool>,
}

#[derive(Debug, Clone)]
struct Regime {
    terms: Vec<bool>,
    policy: usize,
    max_share: f64,
}

#[derive(Debug, Clone)]
struct Spec {
    days: u32,
    price: String,
    trend: String,
    providers: Vec<Provider>,
    classes: Vec<Class>,
    terms: Vec<Term>,
    regimes: Vec<Regime>,
}

fn provider(days: u32) -> impl Strategy<Value = Provider> {
    (
        dist(-0.1, 0.3, false),
        dist(0.0, 1.0, false),
        dist(0.0, 120.0, true),
        prop::collection::vec(
            (
                0..days + 200,
                0.0..400.0f64,
                0.0..=1.0f64,
                dist(0.0, 200.0, true),
            ),
            0..4,
        ),
        prop::option::of((0.0..6.0f64, dist(0.0, 10.0, true), dist(0.0, 1.0, false))),
    )
        .prop_map(|(premium, share, lead, tranches, outages)| Provider {
            premium,
            share,
            lead,
            tranches,
            outages,
        })
}

fn class() -> impl Strategy<Value = Class> {
    (
        0.0..40.0f64,
        dist(0.7, 1.5, false),
        dist(0.0, 60.0, true),
        dist(1.0, 900.0, true),
        dist(0.0, 120.0, true),
        prop_oneof![Just("inf".to_string()), dist(0.0, 365.0, true)],
        dist(0.0, 3e6, true),
        prop_oneof![Just(0.0), 0.0..200.0f64],
    )
        .prop_map(
            |(arrivals, growth, size, term, notice, patience, revenue, initial)| Class {
                arrivals,
                growth,
                size,
                term,
                notice,
                patience,
                revenue,
                initial,
            },
        )
}

fn term(days: u32, providers: usize, classes: usize) -> impl Strategy<Value = Term> {
    (
        0..5usize,
        0..providers,
        prop::option::of(-400..days as i64),
        prop::option::of(1..days + 400),
        prop::option::of(prop::collection::vec(any::<bool>(), classes)),
        0.0..=1.0f64,
        any::<bool>(),
        dist(0.0, 90.0, true),
        prop::collection::vec(prop::bool::weighted(0.25), providers),
    )
        .prop_map(
            |(kind, holder, start, length, classes, param, flag, dist, exempt)| Term {
                kind,
                holder,
                start,
                length,
                classes,
                param,
                flag,
                dist,
                exempt,
            },
        )
}

fn spec() -> impl Strategy<Value = Spec> {
    (30..1100u32, 1..4usize, 1..3usize, 0..5usize, 1..4usize)
        .prop_flat_map(|(days, providers, classes, terms, regimes)| {
            (
                Just(days),
                dist(1e5, 2e6, true),
                dist(-0.3, 0.2, false),
                prop::collection::vec(provider(days), providers),
                prop::collection::vec(class(), classes),
                prop::collection::vec(term(days, providers, classes), terms),
                prop::collection::vec(
                    (
                        prop::collection::vec(any::<bool>(), terms),
                        0..4usize,
                        0.0..=1.0f64,
                    )
                        .prop_map(|(terms, policy, max_share)| Regime {
                            terms,
                            policy,
                            max_share,
                        }),
                    regimes,
                ),
            )
        })
        .prop_map(
            |(days, price, trend, providers, classes, terms, regimes)| Spec {
                days,
                price,
                trend,
                providers,
                classes,
                terms,
                regimes,
            },
        )
}

const START: NaiveDate = NaiveDate::from_ymd_opt(2025, 1, 1).expect("a date");

fn date(offset: i64) -> NaiveDate {
    if offset >= 0 {
        START + Days::new(offset as u64)
    } else {
        START - Days::new(offset.unsigned_abs())
    }
}

fn names(prefix: &str, chosen: &[bool]) -> String {
    let names: Vec<String> = chosen
        .iter()
        .enumerate()
        .filter(|(_, c)| **c)
        .map(|(i, _)| format!("\"{prefix}{i}\""))
        .collect();
    format!("[{}]", names.join(", "))
}

/// Writes the spec as a scenario file; every choice the generators make is valid.
fn to_toml(s: &Spec) -> String {
    let days = i64::from(s.days);
    let mut t = String::new();
    let w = &mut t;
    let _ = writeln!(
        w,
        "[scenario]\nname = \"generated\"\nstart = {START}\nend = {}\nincumbent = \"p0\"\nbaseline = \"r0\"\n",
        date(days)
    );
    let _ = writeln!(
        w,
        "[market]\nprice_usd_per_mw_month = {}\nprice_trend_per_year = {}\n",
        s.price, s.trend
    );
    for (i, p) in s.providers.iter().enumerate() {
        let _ = writeln!(
            w,
            "[providers.p{i}]\nname = \"Provider {i}\"\nprice_premium = {}\nshare_available = {}\nlead_time_days = {}",
            p.premium, p.share, p.lead
        );
        let tranches: Vec<String> = p
            .tranches
            .iter()
            .map(|(day, size, slip, slip_days)| {
                format!(
                    "{{ online = {}, size_mw = {size}, slip_probability = {slip}, slip_days = {slip_days} }}",
                    date(i64::from(*day))
                )
            })
            .collect();
        let _ = writeln!(w, "capacity = [{}]", tranches.join(", "));
        if let Some((per_year, duration, fraction)) = &p.outages {
            let _ = writeln!(
                w,
                "outages = {{ per_year = {per_year}, duration_days = {duration}, fraction = {fraction} }}"
            );
        }
        let _ = writeln!(w);
    }
    for (i, c) in s.classes.iter().enumerate() {
        let _ = writeln!(
            w,
            "[demand.c{i}]\narrivals_per_year = {}\narrivals_growth_per_year = {}\nsize_mw = {}\nterm_days = {}\nnotice_days = {}\npatience_days = {}\nrevenue_usd_per_mw_month = {}\ninitial_mw = {}\n",
            c.arrivals, c.growth, c.size, c.term, c.notice, c.patience, c.revenue, c.initial
        );
    }
    for (i, term) in s.terms.iter().enumerate() {
        const KINDS: [&str; 5] = [
            "exclusivity",
            "first_refusal",
            "commitment",
            "revenue_share",
            "agi_clause",
        ];
        let _ = writeln!(w, "[terms.t{i}]\nkind = \"{}\"", KINDS[term.kind]);
        // Commitments are held by the incumbent, so that their spend is Azure spend.
        let holder = if term.kind == 2 { 0 } else { term.holder };
        if term.kind != 4 {
            let _ = writeln!(w, "holder = \"p{holder}\"");
        }
        let start = term.start.unwrap_or(0);
        if let Some(day) = term.start {
            let _ = writeln!(w, "start = {}", date(day));
        }
        // A commitment runs from its start to its deadline: `length` only places the deadline.
        let end = match term.length {
            Some(length) if term.kind == 2 => (start + i64::from(length)).max(1),
            Some(length) => {
                let end = (start + i64::from(length)).max(1);
                let _ = writeln!(w, "end = {}", date(end));
                end
            }
            None => days,
        };
        // Only exclusivities and first refusals apply to some classes (others take no classes);
        // a term over no class is refused, so a mask of none leaves `classes` out (every class).
        if let Some(classes) =
            (term.classes.as_ref()).filter(|mask| term.kind <= 1 && mask.contains(&true))
        {
            let _ = writeln!(w, "classes = {}", names("c", classes));
        }
        if term.kind <= 1 {
            let mut exempt = term.exempt.clone();
            exempt[holder] = false;
            let _ = writeln!(w, "exempt_providers = {}", names("p", &exempt));
        }
        match term.kind {
            1 => {
                let _ = writeln!(
                    w,
                    "answer_window_days = {}\nprice_match = {}\nnew_capacity_only = {}",
                    term.dist,
                    term.flag,
                    term.param < 0.5
                );
            }
            2 => {
                let first = start.max(-1) + 1;
                let last = end.min(days);
                let deadline = first + ((last - first) as f64 * term.param) as i64;
                let _ = writeln!(
                    w,
                    "amount_usd = {}\ndeadline = {}\ntake_or_pay = {}",
                    term.param * 2e9,
                    date(deadline.clamp(first, last.max(first))),
                    term.flag
                );
            }
            3 => {
                let _ = writeln!(w, "rate = {}", term.param * 0.3);
                if term.flag {
                    let _ = writeln!(w, "cap_usd = {}", term.param * 1e9);
                }
            }
            4 => {
                // An AGI declaration ends exclusivities, first refusals and revenue shares.
                let ends: Vec<bool> = (s.terms.iter().enumerate())
                    .map(|(j, other)| j != i && term.flag && [0, 1, 3].contains(&other.kind))
                    .collect();
                let _ = writeln!(
                    w,
                    "declared_after_years = {{ dist = \"uniform\", low = 0, high = {} }}\nverification_days = {}\nends = {}",
                    term.param * 4.0,
                    term.dist,
                    names("t", &ends)
                );
            }
            _ => {}
        }
        let _ = writeln!(w);
    }
    for (i, r) in s.regimes.iter().enumerate() {
        const POLICIES: [&str; 4] = ["cheapest", "fastest", "commitment_first", "diversified"];
        let _ = writeln!(
            w,
            "[regimes.r{i}]\nterms = {}\npolicy = \"{}\"",
            names("t", &r.terms),
            POLICIES[r.policy]
        );
        if r.policy == 3 {
            let _ = writeln!(w, "max_share = {}", r.max_share);
        }
        let _ = writeln!(w);
    }
    t
}

/// A valid spec whose commitment deadlines fall after their starts (the generator may pick
/// a term ending before the horizon starts; such a spec is replaced by a simpler one).
fn valid_scenario() -> impl Strategy<Value = (String, Scenario)> {
    spec().prop_filter_map("the generator made an invalid scenario", |s| {
        let text = to_toml(&s);
        load_str(&text, "generated", &[]).ok().map(|sc| (text, sc))
    })
}

fn run(scenario: &Scenario, threads: usize, replications: u64) -> Vec<ReplicationRow> {
    let plan = Plan {
        replications,
        master_seed: 7,
        threads: Some(threads),
        shard: None,
    };
    let mut rows = Vec::new();
    run_study::<anyhow::Error>(
        scenario,
        &plan,
        |batch| {
            rows.extend_from_slice(batch);
            Ok(())
        },
        |_| {},
    )
    .expect("a valid scenario runs");
    rows
}

fn bits(rows: &[ReplicationRow]) -> Vec<u64> {
    rows.iter()
        .flat_map(|r| {
            r.regimes.iter().flat_map(|regime| {
                let providers = (regime.providers.iter())
                    .flat_map(|p| [p.served_mw_months, p.cost_usd, p.share]);
                let commitments =
                    (regime.commitments.iter()).flat_map(|c| [c.counted_usd, c.shortfall_usd]);
                (regime.totals.iter().copied())
                    .chain(providers)
                    .chain(commitments)
                    .map(f64::to_bits)
            })
        })
        .collect()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn the_generator_makes_valid_scenarios(s in spec()) {
        // Most generated specs must validate, or the properties below test little.
        let text = to_toml(&s);
        if let Err(e) = load_str(&text, "generated", &[]) {
            // The only rejections allowed: commitments the generator does not keep apart.
            prop_assert!(e.to_string().contains("same holder at once"), "{e}\n{text}");
        }
    }

    #[test]
    fn valid_scenarios_run_and_keep_their_invariants((text, scenario) in valid_scenario()) {
        let rows = run(&scenario, 1, 3);
        prop_assert_eq!(rows.len(), 3);
        let incumbent = scenario.incumbent.0 as usize;
        for row in &rows {
            for (regime, result) in scenario.regimes.iter().zip(&row.regimes) {
                let (totals, providers) = (&result.totals, &result.providers);
                let at = |m: Metric| totals[m as usize];
                let context = format!("regime {} replication {}\n{text}", regime.name, row.replication);
                // A number, or NaN where a mean over nothing does not apply.
                for m in Metric::ALL {
                    let not_applicable = m.undefined_when().is_some() && at(m).is_nan();
                    prop_assert!(not_applicable || at(m).is_finite(), "{}: {context}", m.name());
                }
                prop_assert!(
                    close(at(Metric::ServedMwMonths) + at(Metric::UnmetMwMonths), at(Metric::DemandMwMonths)),
                    "served + unmet != demand: {context}"
                );
                let shares: f64 = providers.iter().map(|p| p.share).sum();
                if at(Metric::ServedMwMonths) > 0.0 {
                    prop_assert!(close(shares, 1.0), "shares sum to {shares}: {context}");
                } else {
                    prop_assert!(providers.iter().all(|p| p.share.is_nan()), "{context}");
                }
                prop_assert!(
                    at(Metric::CommitmentSpentUsd).is_nan()
                        || at(Metric::CommitmentSpentUsd) <= providers[incumbent].cost_usd * (1.0 + 1e-9) + 1e-6,
                    "commitment spent {} > Azure spend {}: {context}",
                    at(Metric::CommitmentSpentUsd), providers[incumbent].cost_usd
                );
                prop_assert!(at(Metric::MeanWaitDays).is_nan() || at(Metric::MeanWaitDays) >= 0.0, "{context}");
                prop_assert!(at(Metric::RofrDelayDays).is_nan() || at(Metric::RofrDelayDays) >= 0.0, "{context}");
                // A mean over the offered needs that were served: none without offers.
                prop_assert!(at(Metric::RofrOffers) > 0.0 || at(Metric::RofrDelayDays).is_nan(), "{context}");
                prop_assert!(at(Metric::ServedMwMonths) >= 0.0 && at(Metric::UnmetMwMonths) >= -1e-9, "{context}");
                // Each commitment's totals add up to the regime's: the incumbent's to the
                // commitment metrics, the others' shortfalls to the deals' shortfall.
                // A regime with no commitment of a kind has those metrics not applicable (NaN).
                let (mut spent, mut short, mut deals) = (f64::NAN, f64::NAN, f64::NAN);
                let add = |sum: &mut f64, value: f64| *sum = if sum.is_nan() { value } else { *sum + value };
                for (c, totals) in scenario.commitments(regime).zip(&result.commitments) {
                    prop_assert!(totals.counted_usd >= 0.0, "{context}");
                    prop_assert!((0.0..=c.amount_usd).contains(&totals.shortfall_usd), "{context}");
                    if c.holder == scenario.incumbent {
                        add(&mut spent, totals.counted_usd);
                        add(&mut short, totals.shortfall_usd);
                    } else {
                        add(&mut deals, totals.shortfall_usd);
                    }
                }
                let same = |sum: f64, metric: Metric| {
                    if sum.is_nan() { at(metric).is_nan() } else { close(sum, at(metric)) }
                };
                prop_assert!(same(spent, Metric::CommitmentSpentUsd), "{context}");
                prop_assert!(same(short, Metric::CommitmentShortfallUsd), "{context}");
                prop_assert!(same(deals, Metric::DealShortfallUsd), "{context}");
            }
        }
    }

    #[test]
    fn a_lease_decided_under_an_exclusivity_goes_to_its_holder_or_an_exempt_provider(
        (text, scenario) in valid_scenario(),
    ) {
        let world = World::sample(&scenario, 7);
        for (r, regime) in scenario.regimes.iter().enumerate() {
            let outcome = simulate(scenario.for_regime(r), regime, &world);
            for lease in &outcome.leases {
                let class = world.needs[lease.need as usize].class;
                for &term in &regime.terms {
                    let t = &scenario.terms[term.0 as usize];
                    let (start, end) = (t.start_day, outcome.term_end_day[term.0 as usize]);
                    // Strictly inside the term: at its first or last instant, which events of
                    // that instant come first decides.
                    let inside = start < lease.decision_day && lease.decision_day < end;
                    if matches!(t.kind, TermKind::Exclusivity) && t.classes.contains(class) && inside {
                        let holder = t.holder.expect("an exclusivity has a holder");
                        let allowed = (1u64 << holder.0) | t.exempt_providers;
                        prop_assert!(
                            allowed & (1 << lease.provider.0) != 0,
                            "regime {}: need {} went to provider {} on day {} under {}\n{text}",
                            regime.name, lease.need, lease.provider.0, lease.decision_day, t.id
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_result_on_any_thread_count((_, scenario) in valid_scenario()) {
        let one = bits(&run(&scenario, 1, 4));
        prop_assert_eq!(&one, &bits(&run(&scenario, 2, 4)));
        prop_assert_eq!(&one, &bits(&run(&scenario, 1, 4)));
    }

    #[test]
    fn invalid_mutations_are_refused_without_panic(
        (text, _) in valid_scenario(),
        mutation in 0..6usize,
        pick in any::<prop::sample::Index>(),
    ) {
        let mutated = mutate(&text, mutation, pick);
        prop_assert!(load_str(&mutated, "mutated", &[]).is_err(), "accepted:\n{mutated}");
    }

    #[test]
    fn any_byte_mutation_loads_or_fails_without_panic(
        (text, _) in valid_scenario(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        cut in prop::option::of(any::<prop::sample::Index>()),
    ) {
        let mut bytes = text.into_bytes();
        for (at, byte) in edits {
            let i = at.index(bytes.len());
            bytes[i] = byte;
        }
        if let Some(cut) = cut {
            bytes.truncate(cut.index(bytes.len()));
        }
        let text = String::from_utf8_lossy(&bytes);
        let _ = load_str(&text, "mutated", &[]);
    }
}

/// Breaks a valid scenario in one of six ways that no valid scenario survives.
fn mutate(text: &str, mutation: usize, pick: prop::sample::Index) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let choose = |want: &dyn Fn(&str) -> bool| {
        let candidates: Vec<usize> = (0..lines.len()).filter(|&i| want(lines[i])).collect();
        candidates[pick.index(candidates.len())]
    };
    let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    match mutation {
        // An unknown key in a table.
        0 => {
            let i = choose(&|l| l.starts_with('['));
            out.insert(i + 1, "bogus_key = 1".to_string());
        }
        // A number replaced by a string.
        1 => {
            let i = choose(&|l| l.contains("= 0") || l.contains("= 1") || l.contains("= 2"));
            out[i] = out[i].replacen("= ", "= \"x\" # ", 1);
        }
        // A required key removed.
        2 => {
            let i = choose(&|l| {
                ["name =", "policy =", "kind =", "incumbent ="]
                    .iter()
                    .any(|k| l.starts_with(k))
            });
            out.remove(i);
        }
        // A reference to nothing.
        3 => {
            let i = choose(&|l| l.starts_with("incumbent") || l.starts_with("baseline"));
            out[i] = out[i].replacen("= \"", "= \"nothing_", 1);
        }
        // A share above 1.
        4 => {
            let i = choose(&|l| l.starts_with("share_available"));
            out[i] = "share_available = 1.5".to_string();
        }
        // The horizon reversed (the first `end` is the scenario's).
        _ => {
            if let Some(i) = lines.iter().position(|l| l.starts_with("end = ")) {
                out[i] = "end = 2024-01-01".to_string();
            }
        }
    }
    out.join("\n")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 8, ..ProptestConfig::default() })]

    #[test]
    fn the_binary_exits_2_on_mutated_scenarios(
        (text, _) in valid_scenario(),
        mutation in 0..6usize,
        pick in any::<prop::sample::Index>(),
    ) {
        let tmp = tempfile::tempdir().expect("a temporary folder");
        let file = tmp.path().join("mutated.toml");
        std::fs::write(&file, mutate(&text, mutation, pick)).expect("writable");
        for args in [&["validate", "mutated.toml"][..], &["run", "mutated.toml", "--out", "out", "-q"]] {
            let output = Command::cargo_bin("capsim")
                .expect("the binary builds")
                .current_dir(tmp.path())
                .args(args)
                .output()
                .expect("capsim runs");
            let stderr = String::from_utf8_lossy(&output.stderr);
            prop_assert_eq!(output.status.code(), Some(2), "{}", stderr);
            prop_assert!(!stderr.contains("panicked"), "{}", stderr);
        }
        prop_assert!(!tmp.path().join("out").exists());
    }
}
