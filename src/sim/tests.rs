//! Hand-computed outcomes of each contract rule on tiny worlds whose needs are placed by hand.

use super::*;
use crate::model::world::{CapacityArrival, Need, Outage};
use crate::model::{ClassId, DAYS_PER_MONTH, MAX_PROVIDERS};
use crate::results::Metric;
use crate::scenario::load_str;

/// Two providers (azure dearer by 20%), one class `api`, a 365-day horizon. `terms` and
/// `regime` are TOML appended to the base; the world's needs are set by each test.
fn scenario(terms: &str, regime_terms: &str, policy: &str) -> Scenario {
    scenario_with(terms, regime_terms, policy, &[])
}

/// `scenario` with `overrides` (`--set` arguments) applied.
fn scenario_with(terms: &str, regime_terms: &str, policy: &str, overrides: &[&str]) -> Scenario {
    let text = format!(
        r#"
[scenario]
name = "hand"
start = 2025-01-01
end = 2026-01-01
incumbent = "azure"
baseline = "r"
[market]
price_usd_per_mw_month = 1.0e6
[providers.azure]
name = "Azure"
price_premium = 0.2
[providers.rival]
name = "Rival"
[demand.api]
arrivals_per_year = 0
size_mw = 1
term_days = 1
revenue_usd_per_mw_month = 2.0e6
{terms}
[regimes.r]
terms = [{regime_terms}]
policy = "{policy}"
"#
    );
    let overrides: Vec<_> = (overrides.iter())
        .map(|o| crate::scenario::parse_override(o).unwrap_or_else(|e| panic!("{e}")))
        .collect();
    load_str(&text, "hand", &overrides).unwrap_or_else(|e| panic!("{e}"))
}

/// A world with `azure_mw` and `rival_mw` online at day 0 and one 5 MW need arriving at day
/// 10 with no notice, a 100-day term and a patience of `patience` days.
fn world(scenario: &Scenario, azure_mw: f64, rival_mw: f64, patience: f64) -> World {
    let mut world = World::sample(scenario, 7);
    world.needs = vec![Need {
        class: ClassId(0),
        arrival_day: 10.0,
        wanted_start_day: 10.0,
        size_mw: 5.0,
        term_days: 100.0,
        patience_days: patience,
        existing: false,
        seed: 11,
    }];
    world.capacity = vec![
        CapacityArrival {
            provider: ProviderId(0),
            day: 0.0,
            mw: azure_mw,
        },
        CapacityArrival {
            provider: ProviderId(1),
            day: 0.0,
            mw: rival_mw,
        },
    ];
    world.outages = vec![];
    world.price0_usd_per_mw_month[..2].copy_from_slice(&[1.2e6, 1.0e6]);
    world.price_log_growth_per_day = [[0.0, 0.0]; MAX_PROVIDERS];
    world.shortage_until_day = 0.0;
    world.revenue_usd_per_mw_month = vec![2.0e6];
    world.agi_effective_day = vec![f64::INFINITY; scenario.terms.len()];
    world
}

fn run(scenario: &Scenario, world: &World) -> (Outcome, crate::results::ReplicationResult) {
    let outcome = simulate(scenario, &scenario.regimes[0], world);
    let result = account(scenario, &scenario.regimes[0], world, &outcome);
    (outcome, result)
}

const ROFR: &str = r#"
[terms.rofr]
kind = "first_refusal"
holder = "azure"
answer_window_days = 30
"#;

/// $1B to spend on Azure by the horizon end (2026-01-01), take-or-pay.
const AZURE_BILLION: &str = "[terms.c]\nkind = \"commitment\"\nholder = \"azure\"\namount_usd = 1.0e9\ndeadline = 2026-01-01\n";

/// 5 MW for 100 days = 500 MW-days = 500 / 30.4375 MW-months.
const SERVED_MW_MONTHS: f64 = 500.0 / DAYS_PER_MONTH;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * b.abs().max(1.0)
}

#[test]
fn rofr_with_room_azure_serves_after_the_answer_window() {
    // Offered at day 10, answered at day 40; Azure has 10 MW free, so it takes the need:
    // delivered at day 40 (no lead time), 30 days late, until day 140 at Azure's $1.2M.
    let s = scenario(ROFR, r#""rofr""#, "cheapest");
    let (outcome, result) = run(&s, &world(&s, 10.0, 10.0, f64::INFINITY));
    let lease = outcome.leases[0];
    assert_eq!(
        (
            lease.provider,
            lease.decision_day,
            lease.delivery_day,
            lease.end_day
        ),
        (ProviderId(0), 40.0, 40.0, 140.0)
    );
    assert_eq!(lease.reason, Reason::FirstRefusal);
    assert_eq!(result.total(Metric::RofrOffers), 1.0);
    assert_eq!(result.total(Metric::RofrAccepts), 1.0);
    assert_eq!(result.total(Metric::RofrDeclines), 0.0);
    assert_eq!(result.total(Metric::RofrDelayDays), 30.0);
    assert_eq!(result.total(Metric::MeanWaitDays), 30.0);
    assert!(close(
        result.total(Metric::ServedMwMonths),
        SERVED_MW_MONTHS
    ));
    // The 30 days waited are demand unmet: 5 MW × 30 days, and the revenue they would earn.
    let waited_mw_months = 5.0 * 30.0 / DAYS_PER_MONTH;
    assert!(close(result.total(Metric::UnmetMwMonths), waited_mw_months));
    assert!(close(
        result.total(Metric::DemandMwMonths),
        SERVED_MW_MONTHS + waited_mw_months
    ));
    assert!(close(
        result.total(Metric::RevenueLostUsd),
        2.0e6 * waited_mw_months
    ));
    assert_eq!(result.total(Metric::NeedsUnmet), 0.0);
    assert!(close(
        result.total(Metric::ComputeCostUsd),
        1.2e6 * SERVED_MW_MONTHS
    ));
    assert_eq!(result.total(Metric::AzureShare), 1.0);
}

#[test]
fn rofr_without_room_the_next_provider_serves_after_the_decline() {
    // Azure has 2 MW: it declines at day 40 and the rival takes the need then.
    let s = scenario(ROFR, r#""rofr""#, "cheapest");
    let (outcome, result) = run(&s, &world(&s, 2.0, 10.0, f64::INFINITY));
    assert_eq!(
        (outcome.leases[0].provider, outcome.leases[0].delivery_day),
        (ProviderId(1), 40.0)
    );
    assert_eq!(result.total(Metric::RofrDeclines), 1.0);
    assert!(close(
        result.total(Metric::ComputeCostUsd),
        1.0e6 * SERVED_MW_MONTHS
    ));
    assert_eq!(result.total(Metric::AzureShare), 0.0);
}

#[test]
fn a_declined_offer_served_from_the_queue_counts_only_the_answer_window() {
    // Azure has 2 MW and the rival none until day 100: offered on day 10 and declined on day 40,
    // the need waits and the rival serves it on day 100, 90 days after it was wanted. The offer
    // added the 30 days of the window; the other 60 are waiting for room, in mean_wait_days.
    let s = scenario(ROFR, r#""rofr""#, "cheapest");
    let mut w = world(&s, 2.0, 10.0, f64::INFINITY);
    w.capacity[1].day = 100.0;
    let (outcome, result) = run(&s, &w);
    assert_eq!(
        (outcome.leases[0].provider, outcome.leases[0].delivery_day),
        (ProviderId(1), 100.0)
    );
    assert_eq!(result.total(Metric::RofrOffers), 1.0);
    assert_eq!(result.total(Metric::RofrDeclines), 1.0);
    assert_eq!(result.total(Metric::RofrDelayDays), 30.0);
    assert_eq!(result.total(Metric::MeanWaitDays), 90.0);
    // With a lead time, the window counts only where it pushes the delivery past the one an
    // order on arrival would give: wanted on day 50, Azure's 20-day lead time gives day 50 from
    // an order on day 10 and day 60 from the answer on day 40, so 10 days.
    let s = scenario_with(
        ROFR,
        r#""rofr""#,
        "cheapest",
        &["providers.azure.lead_time_days=20"],
    );
    let mut w = world(&s, 10.0, 10.0, f64::INFINITY);
    w.needs[0].wanted_start_day = 50.0;
    let (outcome, result) = run(&s, &w);
    assert_eq!(
        (outcome.leases[0].provider, outcome.leases[0].delivery_day),
        (ProviderId(0), 60.0)
    );
    assert_eq!(result.total(Metric::RofrDelayDays), 10.0);
    // Never served, the offered need adds no delay to a mean over those served.
    let (_, result) = run(&s, &world(&s, 2.0, 0.0, 50.0));
    assert_eq!(result.total(Metric::RofrOffers), 1.0);
    assert!(result.total(Metric::RofrDelayDays).is_nan());
}

#[test]
fn the_holder_that_cannot_deliver_before_the_need_is_given_up_declines() {
    // Answered on day 40; the need is given up on day 70 (wanted on day 10, patience 60).
    // With a lead time of 50 days Azure would deliver on day 90: too late, so the rival, with
    // room and no lead time, serves at once. With 20 days Azure delivers on day 60 and takes it.
    let placed = |azure_lead_time_days: f64| {
        let lead_time = format!("providers.azure.lead_time_days={azure_lead_time_days}");
        let s = scenario_with(ROFR, r#""rofr""#, "cheapest", &[&lead_time]);
        let (outcome, result) = run(&s, &world(&s, 10.0, 10.0, 60.0));
        let lease = outcome.leases[0];
        (
            lease.provider,
            lease.delivery_day,
            result.total(Metric::RofrDeclines),
        )
    };
    assert_eq!(placed(50.0), (ProviderId(1), 40.0, 1.0));
    assert_eq!(placed(20.0), (ProviderId(0), 60.0, 0.0));
}

#[test]
fn a_need_the_holder_declined_as_too_late_waits_for_a_rival_not_the_holder() {
    // As above with a 50-day lead time: declined on day 40 (Azure would deliver on day 90, the
    // need is given up on day 70), and the rival has no room until day 60, so the need waits.
    // Azure gains room on day 45, where it would deliver on day 95, later still: the need
    // stays for a rival, which serves it on day 60 (no lead time), 50 days after it was
    // wanted, 30 of them the answer window's.
    let s = scenario_with(
        ROFR,
        r#""rofr""#,
        "cheapest",
        &["providers.azure.lead_time_days=50"],
    );
    let mut w = world(&s, 10.0, 10.0, 60.0);
    w.capacity[1].day = 60.0;
    w.capacity.insert(
        1,
        CapacityArrival {
            provider: ProviderId(0),
            day: 45.0,
            mw: 10.0,
        },
    );
    let (outcome, result) = run(&s, &w);
    let lease = outcome.leases[0];
    assert_eq!(
        (lease.provider, lease.decision_day, lease.delivery_day),
        (ProviderId(1), 60.0, 60.0)
    );
    assert_eq!(result.total(Metric::RofrDeclines), 1.0);
    assert_eq!(result.total(Metric::RofrAccepts), 0.0);
    assert_eq!(result.total(Metric::RofrDelayDays), 30.0);
    assert_eq!(result.total(Metric::MeanWaitDays), 50.0);
    assert_eq!(result.total(Metric::AzureShare), 0.0);
}

#[test]
fn a_need_whose_patience_ran_out_during_the_answer_window_is_lost_not_served_by_a_rival() {
    // Wanted on day 10 with a patience of 20 days: given up on day 30. The answer comes on
    // day 40, too late for Azure; the need is lost then, not handed to the rival, which
    // would serve it 10 days after it was given up.
    let s = scenario(ROFR, r#""rofr""#, "cheapest");
    let (outcome, result) = run(&s, &world(&s, 10.0, 10.0, 20.0));
    assert!(outcome.leases.is_empty(), "{:?}", outcome.leases);
    assert_eq!(outcome.fates[0], Fate::Lost);
    assert_eq!(result.total(Metric::RofrDeclines), 1.0);
    assert_eq!(result.total(Metric::NeedsUnmet), 1.0);
    assert!(close(result.total(Metric::UnmetMwMonths), SERVED_MW_MONTHS));
}

#[test]
fn a_holders_answer_window_is_the_same_whichever_term_gives_the_right() {
    // One need, one right held by Azure with a random window, under a term listed first in one
    // scenario and second in another (as `rofr_2030` and `rofr_to_oct2025` in the default
    // data): the window is drawn per holder, so the answer comes on the same day, and the
    // regimes' comparison stays paired.
    let rofr = ROFR.replace(
        "answer_window_days = 30",
        "answer_window_days = { dist = \"uniform\", low = 1, high = 90 }",
    );
    let answer_day = |terms: &str| {
        let s = scenario(terms, r#""rofr""#, "cheapest");
        let (outcome, _) = run(&s, &world(&s, 10.0, 10.0, f64::INFINITY));
        outcome.leases[0].decision_day
    };
    let first = answer_day(&rofr);
    let second = answer_day(&format!("{AZURE_BILLION}{rofr}"));
    assert!(first > 11.0, "answered on day {first}");
    assert_eq!(first, second);
}

#[test]
fn means_over_nothing_are_not_applicable_rather_than_zero() {
    // No term: nothing is offered, so no offer added a delay, and the need is served at once
    // by the cheaper rival.
    let s = scenario("", "", "cheapest");
    let (_, result) = run(&s, &world(&s, 10.0, 10.0, f64::INFINITY));
    assert!(result.total(Metric::RofrDelayDays).is_nan());
    assert_eq!(result.total(Metric::MeanWaitDays), 0.0);
    assert_eq!(result.total(Metric::AzureShare), 0.0);
    // No room anywhere and a patience of 20 days: nothing is served, so no wait ended in a
    // delivery and nobody has a share of nothing.
    let (_, result) = run(&s, &world(&s, 1.0, 1.0, 20.0));
    assert_eq!(result.total(Metric::NeedsUnmet), 1.0);
    for metric in [
        Metric::RofrDelayDays,
        Metric::MeanWaitDays,
        Metric::AzureShare,
    ] {
        assert!(result.total(metric).is_nan(), "{}", metric.name());
    }
    assert!(result.providers.iter().all(|p| p.share.is_nan()));
    // Every other total is a number.
    let mut defined = Metric::ALL
        .into_iter()
        .filter(|m| m.undefined_when().is_none());
    assert!(defined.all(|m| result.total(m).is_finite()));
}

/// With Azure at 10 MW and the rival at `rival_mw`: who serves the need, its delivery day, and
/// the offers made to first-refusal holders.
fn placement_and_offers(s: &Scenario, rival_mw: f64) -> (ProviderId, f64, f64) {
    let (outcome, result) = run(s, &world(s, 10.0, rival_mw, f64::INFINITY));
    let lease = outcome.leases[0];
    let offers = result.total(Metric::RofrOffers);
    (lease.provider, lease.delivery_day, offers)
}

#[test]
fn rofr_on_new_capacity_only_skips_the_offer_where_a_signed_deal_has_room() {
    // The rival holds a signed deal (a commitment). With `new_capacity_only` and room on the
    // rival, the need is placed at once among the deal and Azure (the rival, cheaper), unasked;
    // without room there, or without the flag, it is offered to Azure as before.
    let deal = "[terms.deal]\nkind = \"commitment\"\nholder = \"rival\"\namount_usd = 0\ndeadline = 2026-01-01\n";
    let placed = |new_capacity_only: bool, rival_mw: f64| {
        let rofr = ROFR.replace(
            "answer_window_days = 30",
            &format!("answer_window_days = 30\nnew_capacity_only = {new_capacity_only}"),
        );
        let s = scenario(&format!("{rofr}{deal}"), r#""rofr", "deal""#, "cheapest");
        placement_and_offers(&s, rival_mw)
    };
    assert_eq!(placed(true, 10.0), (ProviderId(1), 10.0, 0.0));
    assert_eq!(placed(true, 2.0), (ProviderId(0), 40.0, 1.0));
    assert_eq!(placed(false, 10.0), (ProviderId(0), 40.0, 1.0));
}

#[test]
fn rofr_on_new_capacity_only_skips_the_offer_where_a_deal_without_commitment_has_room() {
    // As above, the rival a signed deal by `signed_deal` alone (as Google and the other
    // Stargate sites in the default data), with no commitment.
    let rofr = ROFR.replace(
        "answer_window_days = 30",
        "answer_window_days = 30\nnew_capacity_only = true",
    );
    let placed = |signed_deal: bool| {
        let flag = format!("providers.rival.signed_deal={signed_deal}");
        let s = scenario_with(&rofr, r#""rofr""#, "cheapest", &[&flag]);
        placement_and_offers(&s, 10.0)
    };
    assert_eq!(placed(true), (ProviderId(1), 10.0, 0.0));
    assert_eq!(placed(false), (ProviderId(0), 40.0, 1.0));
}

#[test]
fn rofr_skips_the_offer_where_an_exempt_provider_has_room() {
    // The rival is exempt from the right: with room there the need is placed at once among
    // the rival and Azure (the rival, cheaper), unasked; without room it is offered as before.
    let rofr = ROFR.replace(
        "answer_window_days = 30",
        "answer_window_days = 30\nexempt_providers = [\"rival\"]",
    );
    let s = scenario(&rofr, r#""rofr""#, "cheapest");
    assert_eq!(placement_and_offers(&s, 10.0), (ProviderId(1), 10.0, 0.0));
    assert_eq!(placement_and_offers(&s, 2.0), (ProviderId(0), 40.0, 1.0));
}

#[test]
fn rofr_with_price_match_azure_serves_at_the_rival_price() {
    let terms = ROFR.replace(
        "answer_window_days = 30",
        "answer_window_days = 30\nprice_match = true",
    );
    let s = scenario(&terms, r#""rofr""#, "cheapest");
    let (outcome, _) = run(&s, &world(&s, 10.0, 10.0, f64::INFINITY));
    assert_eq!(
        (
            outcome.leases[0].provider,
            outcome.leases[0].price_usd_per_mw_month
        ),
        (ProviderId(0), 1.0e6)
    );
}

#[test]
fn a_price_match_is_to_the_rivals_the_need_may_go_to() {
    // As above, but an exclusivity bars the rival from the need: Azure has no rival price to
    // match and serves at its own $1.2M.
    let terms = ROFR.replace(
        "answer_window_days = 30",
        "answer_window_days = 30\nprice_match = true",
    ) + "[terms.excl]\nkind = \"exclusivity\"\nholder = \"azure\"\n";
    let s = scenario(&terms, r#""rofr", "excl""#, "cheapest");
    let (outcome, _) = run(&s, &world(&s, 10.0, 10.0, f64::INFINITY));
    assert_eq!(
        (
            outcome.leases[0].provider,
            outcome.leases[0].price_usd_per_mw_month
        ),
        (ProviderId(0), 1.2e6)
    );
}

#[test]
fn without_terms_the_cheapest_serves_at_once() {
    let s = scenario("", "", "cheapest");
    let (outcome, result) = run(&s, &world(&s, 10.0, 10.0, f64::INFINITY));
    assert_eq!(
        (outcome.leases[0].provider, outcome.leases[0].delivery_day),
        (ProviderId(1), 10.0)
    );
    assert_eq!(result.total(Metric::MeanWaitDays), 0.0);
}

#[test]
fn exclusivity_with_azure_full_leaves_the_need_unmet_past_its_patience() {
    // Azure has 2 MW, the rival is not allowed: the need waits 60 days and is given up.
    // Unmet: 5 MW over its whole 100-day term; revenue lost at $2M per MW-month.
    let terms = "[terms.excl]\nkind = \"exclusivity\"\nholder = \"azure\"\n";
    let s = scenario(terms, r#""excl""#, "cheapest");
    let (outcome, result) = run(&s, &world(&s, 2.0, 10.0, 60.0));
    assert!(outcome.leases.is_empty());
    assert_eq!(outcome.fates[0], Fate::Lost);
    assert_eq!(result.total(Metric::NeedsUnmet), 1.0);
    assert!(close(result.total(Metric::UnmetMwMonths), SERVED_MW_MONTHS));
    assert!(close(
        result.total(Metric::DemandMwMonths),
        SERVED_MW_MONTHS
    ));
    assert!(close(
        result.total(Metric::RevenueLostUsd),
        2.0e6 * SERVED_MW_MONTHS
    ));
}

#[test]
fn an_exemption_opens_an_exclusivity_to_the_exempt_provider_alone() {
    // As above, but the holder exempts the rival: the need goes there at once, at $1.0M.
    let terms = "[terms.excl]\nkind = \"exclusivity\"\nholder = \"azure\"\nexempt_providers = [\"rival\"]\n";
    let s = scenario(terms, r#""excl""#, "cheapest");
    let (outcome, result) = run(&s, &world(&s, 2.0, 10.0, 60.0));
    let lease = outcome.leases[0];
    assert_eq!((lease.provider, lease.delivery_day), (ProviderId(1), 10.0));
    assert!(close(
        result.total(Metric::ComputeCostUsd),
        1.0e6 * SERVED_MW_MONTHS
    ));
}

#[test]
fn an_exclusivity_binds_only_the_classes_it_names() {
    // The exclusivity covers `api` alone: the api need goes to Azure, the training need (the
    // same size, on the same day) to the cheapest, the rival.
    let terms = "[demand.training]\narrivals_per_year = 0\nsize_mw = 1\nterm_days = 1\n\
                 [terms.excl]\nkind = \"exclusivity\"\nholder = \"azure\"\nclasses = [\"api\"]\n";
    let s = scenario(terms, r#""excl""#, "cheapest");
    let mut w = world(&s, 10.0, 10.0, f64::INFINITY);
    let training = Need {
        class: ClassId(1),
        seed: 12,
        ..w.needs[0]
    };
    w.needs.push(training);
    w.revenue_usd_per_mw_month = vec![2.0e6, 0.0];
    let (outcome, _) = run(&s, &w);
    let served: Vec<_> = (outcome.leases.iter())
        .map(|l| (l.need, l.provider))
        .collect();
    assert_eq!(served, [(0, ProviderId(0)), (1, ProviderId(1))]);
}

#[test]
fn a_waiting_need_is_served_when_exclusivity_ends() {
    // Exclusivity ends on 2025-02-10 (day 40): the waiting need goes to the rival that day.
    let terms = "[terms.excl]\nkind = \"exclusivity\"\nholder = \"azure\"\nend = 2025-02-10\n";
    let s = scenario(terms, r#""excl""#, "cheapest");
    let (outcome, result) = run(&s, &world(&s, 2.0, 10.0, f64::INFINITY));
    assert_eq!(
        (outcome.leases[0].provider, outcome.leases[0].delivery_day),
        (ProviderId(1), 40.0)
    );
    assert_eq!(result.total(Metric::MeanWaitDays), 30.0);
}

#[test]
fn commitment_first_buys_from_the_holder_and_take_or_pay_charges_the_shortfall() {
    // $1B to spend on Azure by the horizon end; the need goes to Azure although dearer and is
    // delivered 30 days after, on day 40: spent 1.2e6 × 500 / 30.4375; the rest is paid at the
    // deadline, up to what Azure made available: with 10 MW all year, 10 × 365 MW-days at
    // $1.2M per MW-month (≈ $144M), the 150 MW-days handed over to the lab included.
    let terms = AZURE_BILLION;
    let s = scenario_with(
        terms,
        r#""c""#,
        "commitment_first",
        &["providers.azure.lead_time_days=30"],
    );
    let spent = 1.2e6 * SERVED_MW_MONTHS;
    for (azure_mw, owed_usd) in [(10_000.0, 1.0e9), (10.0, 1.2e6 * 3650.0 / DAYS_PER_MONTH)] {
        let (outcome, result) = run(&s, &world(&s, azure_mw, 10.0, f64::INFINITY));
        assert_eq!(outcome.leases[0].reason, Reason::CommitmentPacing);
        assert_eq!(outcome.leases[0].delivery_day, 40.0);
        assert!(close(result.total(Metric::CommitmentSpentUsd), spent));
        assert!(close(
            result.total(Metric::CommitmentShortfallUsd),
            owed_usd - spent
        ));
        assert!(close(result.total(Metric::TotalCostUsd), owed_usd));
        assert!(close(result.providers[0].cost_usd, owed_usd));
    }
}

#[test]
fn a_commitment_that_is_not_take_or_pay_reports_its_shortfall_and_charges_nothing() {
    // As above with 10 MW of Azure, but nothing is paid at the deadline: the cost is the
    // lease's alone, while the shortfall (Azure's free room, 3,150 MW-days) is still reported.
    let terms = format!("{AZURE_BILLION}take_or_pay = false\n");
    let s = scenario(&terms, r#""c""#, "commitment_first");
    let (_, result) = run(&s, &world(&s, 10.0, 10.0, f64::INFINITY));
    let spent = 1.2e6 * SERVED_MW_MONTHS;
    assert!(close(
        result.total(Metric::CommitmentShortfallUsd),
        1.2e6 * 3150.0 / DAYS_PER_MONTH
    ));
    assert!(close(result.total(Metric::TotalCostUsd), spent));
    assert!(close(result.providers[0].cost_usd, spent));
}

#[test]
fn take_or_pay_is_owed_on_free_room_at_the_price_of_its_days() {
    // Azure's price halves every year. Its 10 MW stand free until the lab's 10 MW need takes
    // them all on day 100, past the horizon, at day 100's price. Far short of the $1B, the lab
    // owes only what it could have bought: 10 MW over days 0..100 at each day's price, i.e.
    // 10 · 1.2e6 · 365.25 · (1 − 0.5^(100/365.25)) / ln 2 MW-days' worth. Valued at day 0's
    // price over the whole year, the room the lab then held would be owed as well.
    let terms = AZURE_BILLION;
    let s = scenario(terms, r#""c""#, "commitment_first");
    let mut w = world(&s, 10.0, 10.0, f64::INFINITY);
    w.needs[0] = Need {
        arrival_day: 100.0,
        wanted_start_day: 100.0,
        size_mw: 10.0,
        term_days: 1000.0,
        ..w.needs[0]
    };
    let halving = 0.5f64.ln() / crate::model::DAYS_PER_YEAR;
    w.price_log_growth_per_day[0] = [halving, halving];
    let (outcome, result) = run(&s, &w);
    let lease = outcome.leases[0];
    assert_eq!((lease.provider, lease.delivery_day), (ProviderId(0), 100.0));
    let price_day_100 = 1.2e6 * 0.5f64.powf(100.0 / crate::model::DAYS_PER_YEAR);
    assert!(close(lease.price_usd_per_mw_month, price_day_100));
    let spent = 10.0 * price_day_100 * 265.0 / DAYS_PER_MONTH;
    assert!(close(result.total(Metric::CommitmentSpentUsd), spent));
    let free_usd_days = 10.0
        * 1.2e6
        * crate::model::DAYS_PER_YEAR
        * (1.0 - 0.5f64.powf(100.0 / crate::model::DAYS_PER_YEAR))
        / 2f64.ln();
    assert!(close(
        result.total(Metric::CommitmentShortfallUsd),
        free_usd_days / DAYS_PER_MONTH
    ));
}

#[test]
fn revenue_share_is_capped_and_ended_by_an_agi_declaration() {
    // Revenue: $2M per MW-month on 5 MW from day 10 to 110. A 20% share ended by AGI at day
    // 60 covers days 10..60: 0.2 × 2e6 × 5 × 50 / 30.4375; a second share is capped at $1M.
    let terms = r#"
[terms.share]
kind = "revenue_share"
holder = "azure"
rate = 0.2
[terms.capped]
kind = "revenue_share"
holder = "azure"
rate = 0.2
cap_usd = 1.0e6
[terms.agi]
kind = "agi_clause"
declared_after_years = 1.0
ends = ["share"]
"#;
    let s = scenario(terms, r#""share", "capped", "agi""#, "cheapest");
    let mut w = world(&s, 10.0, 10.0, f64::INFINITY);
    w.agi_effective_day[2] = 60.0;
    let (_, result) = run(&s, &w);
    let until_agi = 0.2 * 2.0e6 * 5.0 * 50.0 / DAYS_PER_MONTH;
    assert!(close(
        result.total(Metric::RevenueShareUsd),
        until_agi + 1.0e6
    ));
    assert!(close(
        result.total(Metric::RevenueUsd),
        2.0e6 * SERVED_MW_MONTHS
    ));
}

#[test]
fn an_agi_clause_ends_nothing_once_it_is_no_longer_in_force() {
    // The clause runs to 2025-02-20 (day 50). Revenue: $2M per MW-month on 5 MW over days
    // 10..110. AGI taking effect on day 60, after the clause's end, ends nothing: the share is
    // due in full, 0.2 × 2e6 × 5 × 100 / 30.4375 = $6.57M. Taking effect on day 40, within
    // the clause, it ends the share then: days 10..40, 0.2 × 2e6 × 5 × 30 / 30.4375 = $1.97M.
    let terms = r#"
[terms.share]
kind = "revenue_share"
holder = "azure"
rate = 0.2
[terms.agi]
kind = "agi_clause"
end = 2025-02-20
declared_after_years = 1.0
ends = ["share"]
"#;
    let s = scenario(terms, r#""share", "agi""#, "cheapest");
    for (agi_day, share_days) in [(60.0, 100.0), (40.0, 30.0)] {
        let mut w = world(&s, 10.0, 10.0, f64::INFINITY);
        w.agi_effective_day[1] = agi_day;
        let (outcome, result) = run(&s, &w);
        let due = 0.2 * 2.0e6 * 5.0 * share_days / DAYS_PER_MONTH;
        assert!(
            close(result.total(Metric::RevenueShareUsd), due),
            "AGI on day {agi_day}: {} against {due}",
            result.total(Metric::RevenueShareUsd)
        );
        let share_ends = if agi_day < 50.0 { agi_day } else { 365.0 };
        assert_eq!(outcome.term_end_day[0], share_ends);
    }
}

#[test]
fn an_outage_takes_its_fraction_of_the_free_room_not_of_the_room_held() {
    // The rival alone, 10 MW; need A (5 MW) runs from day 10. Half of the rival is down on days
    // 50..60: A loses 2.5 MW, and the free 5 MW lose 2.5. Need B, 2.5 MW on day 55, finds the
    // 2.5 that are up and loses nothing; counting A's held MW down as well left no room, and B
    // waited to day 60.
    let s = scenario("", "", "cheapest");
    let mut w = world(&s, 0.0, 10.0, f64::INFINITY);
    let b = Need {
        arrival_day: 55.0,
        wanted_start_day: 55.0,
        size_mw: 2.5,
        ..w.needs[0]
    };
    w.needs.push(b);
    w.outages.push(half_down_on_days_50_to_60(ProviderId(1)));
    let (outcome, result) = run(&s, &w);
    assert_eq!(outcome.leases[1].delivery_day, 55.0);
    let lost = 2.5 * 10.0 / DAYS_PER_MONTH;
    assert!(close(result.total(Metric::UnmetMwMonths), lost));
}

/// An outage taking half of `provider`'s capacity on days 50..60.
fn half_down_on_days_50_to_60(provider: ProviderId) -> Outage {
    Outage {
        provider,
        start_day: 50.0,
        end_day: 60.0,
        fraction: 0.5,
    }
}

#[test]
fn an_outage_takes_its_fraction_of_running_leases_out_of_served() {
    // Half the rival's capacity is down on days 50..60: the 5 MW lease loses 2.5 MW × 10 days.
    let s = scenario("", "", "cheapest");
    let mut w = world(&s, 10.0, 10.0, f64::INFINITY);
    w.outages.push(half_down_on_days_50_to_60(ProviderId(1)));
    let (_, result) = run(&s, &w);
    let lost = 25.0 / DAYS_PER_MONTH;
    assert!(close(result.total(Metric::UnmetMwMonths), lost));
    assert!(close(
        result.total(Metric::ServedMwMonths),
        SERVED_MW_MONTHS - lost
    ));
    assert!(close(
        result.total(Metric::DemandMwMonths),
        SERVED_MW_MONTHS
    ));
    assert!(close(
        result.total(Metric::ComputeCostUsd),
        1.0e6 * (SERVED_MW_MONTHS - lost)
    ));
}

#[test]
fn an_incremental_commitment_counts_only_leases_decided_from_its_start() {
    // Azure only; a $1B commitment from 2025-01-21 (day 20). Need A is placed at day 10, need
    // B at day 30, 5 MW for 100 days each; half of Azure is down on days 50..60, taking
    // 2.5 MW × 10 days from each. Counted, in MW-days at $1.2M per MW-month:
    // incremental, B alone: 500 − 25 = 475; otherwise A's days 20..110 too: 450 − 25 + 475.
    // By month (January is days 0..31, February 31..59, March 59..90, April 90..120), B: 5 × 1,
    // 5 × 28 − 2.5 × 9, 5 × 31 − 2.5 × 1, 5 × 30, 5 × 10; A: 5 × 11, then as B to April's 5 × 20.
    let counted_usd = |incremental: bool| {
        let terms = format!(
            "[terms.excl]\nkind = \"exclusivity\"\nholder = \"azure\"\n\
             [terms.c]\nkind = \"commitment\"\nholder = \"azure\"\namount_usd = 1.0e9\n\
             start = 2025-01-21\ndeadline = 2026-01-01\nincremental = {incremental}\n"
        );
        let s = scenario(&terms, r#""excl", "c""#, "cheapest");
        let mut w = world(&s, 20.0, 0.0, f64::INFINITY);
        let b = Need {
            arrival_day: 30.0,
            wanted_start_day: 30.0,
            ..w.needs[0]
        };
        w.needs.push(b);
        w.outages.push(half_down_on_days_50_to_60(ProviderId(0)));
        let (outcome, result) = run(&s, &w);
        assert_eq!(outcome.leases.len(), 2);
        let spent = result.total(Metric::CommitmentSpentUsd);
        let by_month = result.monthly.counted_usd[0].clone();
        assert!(close(by_month.iter().sum(), spent));
        // Owed, either way: the room Azure left free from day 20 to the deadline (day 365), in
        // MW-days: 15 × 10 (days 20..30, A holding 5), 10 × 20 (A and B), 5 × 10 while the
        // outage takes half of the free 10 (50..60), 10 × 50, 15 × 20 (B alone) and 20 × 235,
        // 5,900. Neither A's room before the start nor the outage's is room the lab could have
        // bought.
        assert!(close(
            result.total(Metric::CommitmentShortfallUsd),
            5900.0 * 1.2e6 / DAYS_PER_MONTH
        ));
        (spent, by_month)
    };
    let usd_per_mw_day = 1.2e6 / DAYS_PER_MONTH;
    let agrees = |(spent, by_month): (f64, Vec<f64>), mw_days: f64, by_month_mw_days: [f64; 5]| {
        assert!(close(spent, mw_days * usd_per_mw_day));
        let expected = (by_month_mw_days.iter().chain(&[0.0; 7])).map(|d| d * usd_per_mw_day);
        assert_eq!(by_month.len(), 12);
        for (month, (got, want)) in by_month.iter().zip(expected).enumerate() {
            assert!(
                close(*got, want),
                "month {month}: {got} counted, {want} expected"
            );
        }
    };
    let b = [5.0, 117.5, 152.5, 150.0, 50.0];
    agrees(counted_usd(true), 475.0, b);
    let a = [55.0, 117.5, 152.5, 100.0, 0.0];
    agrees(
        counted_usd(false),
        900.0,
        std::array::from_fn(|m| a[m] + b[m]),
    );
}

#[test]
fn monthly_series_add_up_to_the_totals() {
    let s = scenario(ROFR, r#""rofr""#, "cheapest");
    let (_, result) = run(&s, &world(&s, 10.0, 10.0, f64::INFINITY));
    let months = s.calendar.months();
    // Mean MW in a month × its days / days per month = MW-months in that month.
    let served: f64 = (0..months)
        .map(|m| {
            (0..2).map(|p| result.monthly.served_mw[p][m]).sum::<f64>() * s.calendar.month_days(m)
                / DAYS_PER_MONTH
        })
        .sum();
    assert!(close(served, result.total(Metric::ServedMwMonths)));
    // The ROFR's answer window makes the need wait 30 days: unmet in January and February.
    let unmet: f64 = (0..months)
        .map(|m| result.monthly.unmet_mw[m] * s.calendar.month_days(m) / DAYS_PER_MONTH)
        .sum();
    assert!(result.total(Metric::UnmetMwMonths) > 0.0);
    assert!(close(unmet, result.total(Metric::UnmetMwMonths)));
    // A month's demand is its served plus unmet; the total is counted from the need alone.
    let demand: f64 = (0..months)
        .map(|m| result.monthly.demand_mw[m] * s.calendar.month_days(m) / DAYS_PER_MONTH)
        .sum();
    assert!(close(demand, result.total(Metric::DemandMwMonths)));
    let cost: f64 = (0..months)
        .map(|m| result.monthly.cost_usd[0][m] + result.monthly.cost_usd[1][m])
        .sum();
    assert!(close(cost, result.total(Metric::TotalCostUsd)));
}

/// A class of Azure's own work (Microsoft's), for the host tests.
const AZURE_OWN_WORK: &str = r#"
[demand.own]
host = "azure"
arrivals_per_year = 0
size_mw = 1
term_days = 1
"#;

/// A block of Azure's own work (class `own` of `AZURE_OWN_WORK`), wanted on arrival, patient.
fn own_work(arrival_day: f64, size_mw: f64, term_days: f64) -> Need {
    Need {
        class: ClassId(1),
        arrival_day,
        wanted_start_day: arrival_day,
        size_mw,
        term_days,
        patience_days: f64::INFINITY,
        existing: false,
        seed: 12,
    }
}

#[test]
fn the_hosts_own_work_takes_room_so_the_holder_declines_and_is_not_the_labs() {
    // Azure's own 8 MW block arrives on day 0 for 200 days, leaving 2 of Azure's 10 MW. The
    // lab's 5 MW need is offered on day 10; at the answer (day 40) Azure has no room, so the
    // lab goes to the rival, 30 days late. The own work is reported apart, not as the lab's.
    let s = scenario(&format!("{ROFR}{AZURE_OWN_WORK}"), r#""rofr""#, "cheapest");
    let mut w = world(&s, 10.0, 10.0, f64::INFINITY);
    w.needs.insert(0, own_work(0.0, 8.0, 200.0));
    let (outcome, result) = run(&s, &w);
    assert_eq!(outcome.leases[0].provider, ProviderId(0));
    assert_eq!(outcome.leases[0].reason, Reason::HostWork);
    assert_eq!(
        (outcome.leases[1].provider, outcome.leases[1].delivery_day),
        (ProviderId(1), 40.0)
    );
    assert_eq!(result.total(Metric::RofrDeclines), 1.0);
    assert_eq!(result.total(Metric::Needs), 1.0);
    assert!(close(
        result.total(Metric::HostWorkMwMonths),
        8.0 * 200.0 / DAYS_PER_MONTH
    ));
    assert!(close(
        result.total(Metric::ServedMwMonths),
        SERVED_MW_MONTHS
    ));
    assert!(close(
        result.total(Metric::TotalCostUsd),
        1.0e6 * SERVED_MW_MONTHS
    ));
    assert_eq!(result.total(Metric::AzureShare), 0.0);
}

#[test]
fn take_or_pay_is_owed_only_on_room_the_hosts_own_work_left() {
    // $1B on Azure by the horizon end. Azure's own 8 MW block holds 8 of its 10 MW for days
    // 0..200, so the lab's 5 MW need goes to the rival and nothing counts. Azure could have
    // delivered its 10 MW all year less its own 8 MW for 200 days, both at $1.2M per
    // MW-month: (3,650 − 1,600) MW-days, far below the $1B, and that is what is owed.
    let terms = format!("{AZURE_BILLION}{AZURE_OWN_WORK}");
    let s = scenario(&terms, r#""c""#, "commitment_first");
    let mut w = world(&s, 10.0, 10.0, f64::INFINITY);
    w.needs.insert(0, own_work(0.0, 8.0, 200.0));
    let (outcome, result) = run(&s, &w);
    assert_eq!(outcome.leases[1].provider, ProviderId(1));
    assert_eq!(result.total(Metric::CommitmentSpentUsd), 0.0);
    let owed_usd = 1.2e6 * (3650.0 - 1600.0) / DAYS_PER_MONTH;
    assert!(close(
        result.total(Metric::CommitmentShortfallUsd),
        owed_usd
    ));
    assert!(close(result.providers[0].cost_usd, owed_usd));
}

#[test]
fn freed_room_goes_to_the_hosts_waiting_work_before_the_labs() {
    // Azure (10 MW, the rival has none) is full of its own 10 MW block until day 100. The
    // lab's 5 MW need waits from day 10, Azure's own 8 MW block from day 20. On day 100 the
    // own block takes the room first, though it waited less; the 2 MW left cannot hold the
    // lab's need, which is still waiting at the horizon (day 365): unmet over its 100 days.
    let s = scenario(AZURE_OWN_WORK, "", "cheapest");
    let mut w = world(&s, 10.0, 0.0, f64::INFINITY);
    w.needs.insert(0, own_work(0.0, 10.0, 100.0));
    w.needs.push(own_work(20.0, 8.0, 400.0));
    let (outcome, result) = run(&s, &w);
    assert_eq!(outcome.leases.len(), 2);
    assert_eq!(
        (outcome.leases[1].need, outcome.leases[1].delivery_day),
        (2, 100.0)
    );
    assert_eq!(outcome.fates[1], Fate::Waiting);
    assert!(close(result.total(Metric::UnmetMwMonths), SERVED_MW_MONTHS));
}

#[test]
fn a_term_naming_a_hosts_own_work_is_refused() {
    let text = format!("{ROFR}{AZURE_OWN_WORK}").replace(
        "answer_window_days = 30",
        "answer_window_days = 30\nclasses = [\"own\"]",
    );
    let error = std::panic::catch_unwind(|| scenario(&text, r#""rofr""#, "cheapest"))
        .expect_err("a term may not cover a provider's own work");
    let message = error.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(message.contains("terms.rofr.classes"), "{message}");
}

#[test]
fn a_first_refusal_covering_no_share_of_needs_makes_no_offer() {
    // With share_of_needs = 0 the term covers no need: the lab places at once, at the rival's
    // lower price, as if there were no first refusal.
    let terms = ROFR.replace(
        "answer_window_days = 30",
        "answer_window_days = 30\nshare_of_needs = 0.0",
    );
    let s = scenario(&terms, r#""rofr""#, "cheapest");
    let (outcome, result) = run(&s, &world(&s, 10.0, 10.0, f64::INFINITY));
    assert_eq!(result.total(Metric::RofrOffers), 0.0);
    assert_eq!(
        (outcome.leases[0].provider, outcome.leases[0].delivery_day),
        (ProviderId(1), 10.0)
    );
}

#[test]
fn a_first_refusal_with_no_window_is_answered_on_arrival() {
    // Ship-first: with room Azure takes the need at once, on day 10; without, the rival does,
    // also on day 10, and the offer counts as declined.
    let terms = ROFR.replace("answer_window_days = 30", "answer_window_days = 0");
    let s = scenario(&terms, r#""rofr""#, "cheapest");
    for (azure_mw, provider, declines) in [(10.0, 0, 0.0), (2.0, 1, 1.0)] {
        let (outcome, result) = run(&s, &world(&s, azure_mw, 10.0, f64::INFINITY));
        let lease = outcome.leases[0];
        assert_eq!(
            (lease.provider, lease.decision_day, lease.delivery_day),
            (ProviderId(provider), 10.0, 10.0)
        );
        assert_eq!(result.total(Metric::RofrOffers), 1.0);
        assert_eq!(result.total(Metric::RofrAccepts), 1.0 - declines);
        assert_eq!(result.total(Metric::RofrDeclines), declines);
        assert_eq!(result.total(Metric::RofrDelayDays), 0.0);
    }
}

#[test]
fn a_first_refusal_covering_a_share_of_needs_offers_about_that_share() {
    // 400 needs, each covered with probability 0.3 by its own draw: 120 expected, sd 9.2;
    // the bounds are 4 sd either side.
    let terms = ROFR.replace(
        "answer_window_days = 30",
        "answer_window_days = 30\nshare_of_needs = 0.3",
    );
    let s = scenario(&terms, r#""rofr""#, "cheapest");
    let mut w = world(&s, 1e6, 1e6, f64::INFINITY);
    let need = w.needs[0].clone();
    w.needs = (0..400)
        .map(|k| Need {
            arrival_day: 1.0 + k as f64 * 0.5,
            wanted_start_day: 1.0 + k as f64 * 0.5,
            seed: k,
            ..need.clone()
        })
        .collect();
    let (_, result) = run(&s, &w);
    let offers = result.total(Metric::RofrOffers);
    assert!((83.0..=157.0).contains(&offers), "{offers} offers");
}

#[test]
fn room_that_frees_at_the_instant_a_need_arrives_is_there_for_it() {
    // The rival's 5 MW comes online on day 10, the day the need arrives, and Azure's 5 MW is
    // held by a first need until day 10: at one instant both go before the arrival, so the
    // second need is placed at once (at the rival, the cheaper), not left waiting.
    let s = scenario("", "", "cheapest");
    let mut w = world(&s, 5.0, 0.0, 30.0);
    w.capacity[1].day = 10.0;
    w.capacity[1].mw = 5.0;
    let mut first = w.needs[0].clone();
    first.arrival_day = 0.0;
    first.wanted_start_day = 0.0;
    first.term_days = 10.0;
    w.needs.insert(0, first.clone());
    let (outcome, _) = run(&s, &w);
    assert_eq!(outcome.fates[1], Fate::Served(1), "{:?}", outcome.fates);
    let second = outcome.leases[1];
    assert_eq!(
        (second.provider, second.delivery_day),
        (ProviderId(1), 10.0)
    );
    // With no rival, the room Azure's lease frees on day 10 serves the need as it arrives:
    // it never waits.
    let mut w = world(&s, 5.0, 0.0, 30.0);
    w.needs.insert(0, first);
    let (outcome, trace) = simulate_traced(&s, &s.regimes[0], &w);
    assert!(trace.iter().all(|r| r.event != "waiting"), "{trace:#?}");
    assert_eq!(outcome.fates[1], Fate::Served(1), "{:?}", outcome.fates);
    assert_eq!(
        (outcome.leases[1].provider, outcome.leases[1].delivery_day),
        (ProviderId(0), 10.0)
    );
}

#[test]
fn an_offer_pending_when_the_right_ends_lapses_and_the_lab_places_the_need_then() {
    // The right ends on 2025-01-26 (day 25), while the offer made on day 10 awaits its answer
    // (due on day 40). From day 25 the holder has no right to the need: the lab places it then
    // by its policy among every provider allowed, as any need. Cheapest: the rival ($1.0M
    // against Azure's $1.2M), delivered on day 25, whether or not Azure has room; the offer
    // was neither taken nor declined, and it put the delivery off by 15 days (10 to 25).
    let rofr = format!("{ROFR}end = 2025-01-26\n");
    let s = scenario(&rofr, r#""rofr""#, "cheapest");
    for azure_mw in [10.0, 2.0] {
        let (outcome, result) = run(&s, &world(&s, azure_mw, 10.0, f64::INFINITY));
        assert_eq!(outcome.leases.len(), 1, "{:?}", outcome.leases);
        let lease = outcome.leases[0];
        assert_eq!(
            (lease.provider, lease.decision_day, lease.delivery_day),
            (ProviderId(1), 25.0, 25.0),
            "Azure with {azure_mw} MW"
        );
        assert_eq!(lease.reason, Reason::Cheapest);
        assert_eq!(result.total(Metric::RofrOffers), 1.0);
        // Lapsed: neither taken nor declined.
        assert_eq!(result.total(Metric::RofrAccepts), 0.0);
        assert_eq!(result.total(Metric::RofrDeclines), 0.0);
        assert_eq!(result.total(Metric::RofrDelayDays), 15.0);
        assert_eq!(result.total(Metric::MeanWaitDays), 15.0);
    }
    // Given up before the right ends (wanted on day 10, patience 10: day 20), the need is
    // lost, not placed when the offer lapses.
    let (outcome, result) = run(&s, &world(&s, 10.0, 10.0, 10.0));
    assert!(outcome.leases.is_empty(), "{:?}", outcome.leases);
    assert_eq!(outcome.fates[0], Fate::Lost);
    assert_eq!(result.total(Metric::NeedsUnmet), 1.0);
}

#[test]
fn room_handed_over_for_a_lease_decided_before_an_incremental_commitment_is_not_owed_on() {
    // Azure alone, 5 MW, a $1B incremental commitment from 2025-01-21 (day 20). The 5 MW need
    // is decided on day 10, before the start, and delivered on day 40 (30 days' lead time),
    // until day 140: its spend does not count, so its room is not room the lab could have
    // bought towards the commitment, neither while handed over (days 20..40) nor held. Owed:
    // the free room alone, 5 MW over days 140..365, 1,125 MW-days at $1.2M per MW-month.
    let terms = "[terms.excl]\nkind = \"exclusivity\"\nholder = \"azure\"\n\
                 [terms.c]\nkind = \"commitment\"\nholder = \"azure\"\namount_usd = 1.0e9\n\
                 start = 2025-01-21\ndeadline = 2026-01-01\nincremental = true\n";
    let s = scenario_with(
        terms,
        r#""excl", "c""#,
        "cheapest",
        &["providers.azure.lead_time_days=30"],
    );
    let (outcome, result) = run(&s, &world(&s, 5.0, 0.0, f64::INFINITY));
    let lease = outcome.leases[0];
    assert_eq!(
        (lease.provider, lease.decision_day, lease.delivery_day),
        (ProviderId(0), 10.0, 40.0)
    );
    assert_eq!(result.total(Metric::CommitmentSpentUsd), 0.0);
    assert!(close(
        result.total(Metric::CommitmentShortfallUsd),
        1125.0 * 1.2e6 / DAYS_PER_MONTH
    ));
}

#[test]
fn terms_that_start_or_end_on_one_day_make_one_boundary() {
    // The right and the exclusivity both end on 2025-01-26 (day 25), and the exclusivity's
    // partner starts then: one boundary on day 25 (naming all three), and none on day 0.
    let terms = format!(
        "{ROFR}end = 2025-01-26\n[terms.ex]\nkind = \"exclusivity\"\nholder = \"azure\"\n\
         end = 2025-01-26\n[terms.ex2]\nkind = \"exclusivity\"\nholder = \"azure\"\n\
         start = 2025-01-26\nexempt_providers = [\"rival\"]\n"
    );
    let s = scenario(&terms, r#""rofr", "ex", "ex2""#, "cheapest");
    let (_, trace) = simulate_traced(&s, &s.regimes[0], &world(&s, 10.0, 10.0, 100.0));
    let boundaries: Vec<(f64, &str)> = (trace.iter())
        .filter(|r| r.event == "term_boundary")
        .map(|r| (r.day, r.detail.as_str()))
        .collect();
    assert_eq!(
        boundaries,
        [(25.0, "rofr ends; ex ends; ex2 starts")],
        "{trace:#?}"
    );
}

#[test]
fn a_first_refusal_that_ends_on_the_day_a_need_arrives_makes_no_offer() {
    // The right ends on 2025-01-11 (day 10), the day the need arrives: a term is in force over
    // [start, end), so the need is not offered; the lab places it at once with the cheapest,
    // the rival. Offered on its last day, the need waited 30 days for Azure's answer.
    let rofr = format!("{ROFR}end = 2025-01-11\n");
    let s = scenario(&rofr, r#""rofr""#, "cheapest");
    let (outcome, result) = run(&s, &world(&s, 10.0, 10.0, f64::INFINITY));
    assert!(outcome.offered.is_empty(), "{:?}", outcome.offered);
    let lease = outcome.leases[0];
    assert_eq!(
        (lease.provider, lease.decision_day, lease.delivery_day),
        (ProviderId(1), 10.0, 10.0)
    );
    assert_eq!(result.total(Metric::RofrOffers), 0.0);
}

#[test]
fn a_lease_that_ends_during_an_outage_loses_only_its_own_days() {
    // The 5 MW need runs on the rival from day 10 for 45 days, to day 55. Half the rival is
    // down on days 50..60: the lease loses 2.5 MW over days 50..55 alone, 12.5 MW-days; the
    // outage's days after the lease ended are not the lab's.
    let s = scenario("", "", "cheapest");
    let mut w = world(&s, 10.0, 10.0, f64::INFINITY);
    w.needs[0].term_days = 45.0;
    w.outages.push(half_down_on_days_50_to_60(ProviderId(1)));
    let (outcome, result) = run(&s, &w);
    assert_eq!(
        (outcome.leases[0].provider, outcome.leases[0].end_day),
        (ProviderId(1), 55.0)
    );
    let lost = 12.5 / DAYS_PER_MONTH;
    assert!(close(result.total(Metric::UnmetMwMonths), lost));
    assert!(close(
        result.total(Metric::ServedMwMonths),
        225.0 / DAYS_PER_MONTH - lost
    ));
    assert!(close(
        result.total(Metric::ComputeCostUsd),
        1.0e6 * (225.0 / DAYS_PER_MONTH - lost)
    ));
}

#[test]
fn an_outage_loses_the_revenue_of_the_mw_it_takes() {
    // As in `an_outage_takes_its_fraction_of_running_leases_out_of_served`, the 5 MW lease
    // (revenue $2M per MW-month) loses 2.5 MW over days 50..60: that revenue is lost, and the
    // rest earned.
    let s = scenario("", "", "cheapest");
    let mut w = world(&s, 10.0, 10.0, f64::INFINITY);
    w.outages.push(half_down_on_days_50_to_60(ProviderId(1)));
    let (_, result) = run(&s, &w);
    let lost = 25.0 / DAYS_PER_MONTH;
    assert!(close(result.total(Metric::RevenueLostUsd), 2.0e6 * lost));
    assert!(close(
        result.total(Metric::RevenueUsd),
        2.0e6 * (SERVED_MW_MONTHS - lost)
    ));
}

#[test]
fn capacity_in_service_at_the_start_is_not_counted_in_the_mean_wait() {
    // Need A is in service at the start (placed on day 0, no offer, no wait); need B arrives
    // on day 10 and waits 30 days for Azure's answer. The mean wait is over new needs: B's
    // 30 days, not 15 with A's nothing.
    let s = scenario(ROFR, r#""rofr""#, "cheapest");
    let mut w = world(&s, 10.0, 10.0, f64::INFINITY);
    let a = Need {
        arrival_day: 0.0,
        wanted_start_day: 0.0,
        existing: true,
        seed: 12,
        ..w.needs[0]
    };
    w.needs.insert(0, a);
    let (outcome, result) = run(&s, &w);
    assert_eq!(outcome.leases.len(), 2);
    assert_eq!(outcome.leases[0].delivery_day, 0.0);
    assert_eq!(outcome.leases[1].delivery_day, 40.0);
    assert_eq!(result.total(Metric::MeanWaitDays), 30.0);
}

#[test]
fn commitment_first_buys_from_the_holder_only_until_its_commitment_is_contracted() {
    // $10M to spend on Azure. Need A (5 MW for 100 days at Azure's $1.2M, ≈ $19.7M) contracts
    // all of it; need B, on day 20, then goes to the cheapest, the rival.
    let terms = "[terms.c]\nkind = \"commitment\"\nholder = \"azure\"\namount_usd = 1.0e7\n\
                 deadline = 2026-01-01\n";
    let s = scenario(terms, r#""c""#, "commitment_first");
    let mut w = world(&s, 10.0, 10.0, f64::INFINITY);
    let b = Need {
        arrival_day: 20.0,
        wanted_start_day: 20.0,
        seed: 12,
        ..w.needs[0]
    };
    w.needs.push(b);
    let (outcome, _) = run(&s, &w);
    let chosen: Vec<_> = (outcome.leases.iter())
        .map(|l| (l.provider, l.reason))
        .collect();
    assert_eq!(
        chosen,
        [
            (ProviderId(0), Reason::CommitmentPacing),
            (ProviderId(1), Reason::Cheapest)
        ]
    );
}

#[test]
fn the_incumbents_totals_are_read_at_its_own_index() {
    // The rival is the incumbent here (listed second): the cheapest, it serves the need, so
    // the incumbent's share is 1 and its cost the lease's; Azure, listed first, had nothing.
    let s = scenario_with("", "", "cheapest", &["scenario.incumbent=rival"]);
    assert_eq!(s.incumbent, ProviderId(1));
    let (outcome, result) = run(&s, &world(&s, 10.0, 10.0, f64::INFINITY));
    assert_eq!(outcome.leases[0].provider, ProviderId(1));
    assert_eq!(result.total(Metric::AzureShare), 1.0);
    assert!(close(
        result.total(Metric::AzureCostUsd),
        1.0e6 * SERVED_MW_MONTHS
    ));
}
