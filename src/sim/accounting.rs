//! Turns a replication's leases and losses into totals and monthly series.
//!
//! Conservation holds by construction: a need's demand runs from the day it is wanted to the end
//! of its lease, within the horizon; it is unmet while the need waits for delivery and while
//! outages take its MW, and served otherwise; a need never served is unmet over its wanted term.
//! Spend is Σ price × MW × time over what was served.

use crate::model::calendar::{Calendar, MonthlyIntegral};
use crate::model::world::{Need, World};
use crate::model::{
    Commitment, DAYS_PER_MONTH, PerProvider, ProviderId, Regime, Scenario, TermKind, days_within,
};
use crate::results::{CommitmentTotals, Metric, MonthlySeries, ProviderTotals, ReplicationResult};

use super::{Fate, Outcome, commitments_by_provider};

/// Accounts one replication of one regime.
pub fn account(
    scenario: &Scenario,
    regime: &Regime,
    world: &World,
    outcome: &Outcome,
) -> ReplicationResult {
    let calendar = &scenario.calendar;
    let horizon = calendar.horizon_days();
    let mut books = Books::new(scenario, regime, outcome);

    let mut wait_days_sum = 0.0;
    let mut waits = 0u64;
    // The providers' own work is not the lab's: only how much room it took is reported.
    let lab_classes = scenario.lab_classes();
    let is_lab = |need: &Need| lab_classes & (1 << need.class.0) != 0;
    let mut host_work_mw_months = 0.0;
    for lease in &outcome.leases {
        let need = &world.needs[lease.need as usize];
        if !is_lab(need) {
            if let Some((from, to)) = calendar.clip(lease.delivery_day, lease.end_day) {
                host_work_mw_months += lease.size_mw * (to - from) / DAYS_PER_MONTH;
            }
            continue;
        }
        let revenue_rate = world.revenue_usd_per_mw_month[need.class.0 as usize];
        books.hand_over(
            lease.provider,
            (lease.decision_day, lease.delivery_day),
            lease.price_usd_per_mw_month * lease.size_mw,
        );
        books.book(
            lease.provider,
            lease.decision_day,
            (lease.delivery_day, lease.end_day),
            (
                lease.size_mw,
                lease.price_usd_per_mw_month * lease.size_mw,
                revenue_rate * lease.size_mw,
            ),
            false,
        );
        if !need.existing && lease.delivery_day < horizon {
            wait_days_sum += lease.delivery_day - need.wanted_start_day;
            waits += 1;
        }
    }
    for loss in &outcome.losses {
        books.book(
            loss.provider,
            loss.decided_from_day,
            (loss.start_day, loss.end_day),
            (loss.mw, loss.cost_usd_per_month, loss.revenue_usd_per_month),
            true,
        );
    }

    // A need is unmet while it waits: until its delivery if served, else over its wanted term.
    books.add(Metric::HostWorkMwMonths, host_work_mw_months);
    for (need, fate) in world.needs.iter().zip(&outcome.fates) {
        if !is_lab(need) {
            continue;
        }
        books.add(Metric::Needs, 1.0);
        // Demand is the need's MW from its wanted start for its term, or, if it was served
        // late, until its lease ends: counted here from the need alone, not as served plus
        // unmet, so that their sum equalling it is a check of both.
        let (unmet_until_day, wanted_until_day) = match *fate {
            Fate::Served(lease) => {
                let lease = &outcome.leases[lease as usize];
                (lease.delivery_day, lease.end_day)
            }
            _ => {
                books.add(Metric::NeedsUnmet, 1.0);
                let end_day = need.wanted_start_day + need.term_days;
                (end_day, end_day)
            }
        };
        if let Some((from, to)) = calendar.clip(need.wanted_start_day, wanted_until_day) {
            books.add(
                Metric::DemandMwMonths,
                need.size_mw * (to - from) / DAYS_PER_MONTH,
            );
        }
        let Some((from, to)) = calendar.clip(need.wanted_start_day, unmet_until_day) else {
            continue;
        };
        let unmet_mw_months = need.size_mw * (to - from) / DAYS_PER_MONTH;
        books.add(Metric::UnmetMwMonths, unmet_mw_months);
        books.add(
            Metric::RevenueLostUsd,
            world.revenue_usd_per_mw_month[need.class.0 as usize] * unmet_mw_months,
        );
        books.unmet_mw_days.add((from, to), [need.size_mw]);
    }

    // Mean MW in a month is its MW-days over its days; spend is USD per MW-month × MW-months.
    let served_mw: Vec<Vec<f64>> = (books.served_and_cost.iter())
        .map(|integral| {
            (integral.per_month())
                .map(|(days, [mw_days, _])| mw_days / days)
                .collect()
        })
        .collect();
    let cost_usd = (books.served_and_cost.iter())
        .map(|integral| {
            (integral.per_month())
                .map(|(_, [_, usd_days_per_month])| usd_days_per_month / DAYS_PER_MONTH)
                .collect()
        })
        .collect();
    let unmet_mw: Vec<f64> = (books.unmet_mw_days.per_month())
        .map(|(days, [mw_days])| mw_days / days)
        .collect();
    // A month's demand is what was served plus what was not (its total, counted from the needs
    // alone, is the check): first the served MW of all providers.
    let mut demand_mw = vec![0.0; calendar.months()];
    for row in &served_mw {
        for (demand, mw) in demand_mw.iter_mut().zip(row) {
            *demand += mw;
        }
    }
    for (demand, unmet) in demand_mw.iter_mut().zip(&unmet_mw) {
        *demand += unmet;
    }
    let counted_usd = (books.counted_usd_days.iter())
        .map(|integral| {
            (integral.per_month())
                .map(|(_, [usd_days_per_month])| usd_days_per_month / DAYS_PER_MONTH)
                .collect()
        })
        .collect();
    let mut monthly = MonthlySeries {
        served_mw,
        cost_usd,
        demand_mw,
        unmet_mw,
        counted_usd,
    };

    // Commitments: what counted, what is short, and take-or-pay payments at the deadline.
    let mut commitment_totals = Vec::new();
    let mut take_or_pay_usd = 0.0;
    for (c, commitment) in scenario.commitments(regime).enumerate() {
        let Commitment {
            term,
            holder,
            amount_usd: amount,
            take_or_pay,
            ..
        } = commitment;
        // Owed is at most what the holder made available and the lab did not pay for: the room
        // it left free (neither held, by the lab or by its own work, nor down), each day at
        // that day's price (see `Outcome::free_room_usd_days`), and the room it was handing
        // over to the lab (see `hand_over`), within the commitment's window and the horizon.
        let free_room_usd = outcome.free_room_usd_days[term.0 as usize] / DAYS_PER_MONTH;
        let spent_usd = books.spent_usd[c];
        let available_usd = free_room_usd + books.handed_over_usd[c];
        let shortfall = (amount - spent_usd).min(available_usd).max(0.0);
        commitment_totals.push(CommitmentTotals {
            counted_usd: spent_usd,
            shortfall_usd: shortfall,
        });
        if holder == scenario.incumbent {
            books.add(Metric::CommitmentSpentUsd, spent_usd);
            books.add(Metric::CommitmentShortfallUsd, shortfall);
        } else {
            books.add(Metric::DealShortfallUsd, shortfall);
        }
        if take_or_pay && shortfall > 0.0 {
            take_or_pay_usd += shortfall;
            books.provider_totals[holder.0 as usize].cost_usd += shortfall;
            monthly.cost_usd[holder.0 as usize][commitment.payment_month(calendar)] += shortfall;
        }
    }
    let Books {
        mut totals,
        mut provider_totals,
        shares,
        ..
    } = books;
    // A regime without a commitment of a kind has nothing to spend or fall short of: not
    // applicable, rather than a 0 that would read as "met in full".
    let holders = || {
        scenario
            .commitments(regime)
            .map(|c| c.holder == scenario.incumbent)
    };
    if !holders().any(|incumbent| incumbent) {
        totals[Metric::CommitmentSpentUsd as usize] = f64::NAN;
        totals[Metric::CommitmentShortfallUsd as usize] = f64::NAN;
    }
    if !holders().any(|incumbent| !incumbent) {
        totals[Metric::DealShortfallUsd as usize] = f64::NAN;
    }
    for share in &shares {
        totals[Metric::RevenueShareUsd as usize] +=
            (share.cap_usd).map_or(share.due_usd, |cap| share.due_usd.min(cap));
    }

    let served_total = totals[Metric::ServedMwMonths as usize];
    // Means over nothing are NaN: not applicable (see `Metric::undefined_when`).
    let ratio = |part: f64, whole: f64| if whole > 0.0 { part / whole } else { f64::NAN };
    for p in provider_totals.iter_mut() {
        p.share = ratio(p.served_mw_months, served_total);
    }
    let incumbent = &provider_totals[scenario.incumbent.0 as usize];
    // By its definition rather than as the providers' sum, which adds the same amounts in
    // another order: that could fall a rounding error below the compute cost.
    totals[Metric::TotalCostUsd as usize] =
        totals[Metric::ComputeCostUsd as usize] + take_or_pay_usd;
    totals[Metric::AzureCostUsd as usize] = incumbent.cost_usd;
    totals[Metric::AzureShare as usize] = incumbent.share;
    totals[Metric::MeanWaitDays as usize] = ratio(wait_days_sum, waits as f64);
    totals[Metric::RofrOffers as usize] = outcome.offered.len() as f64;
    totals[Metric::RofrAccepts as usize] = outcome.rofr_accepts as f64;
    totals[Metric::RofrDeclines as usize] = outcome.rofr_declines as f64;
    let (delay_days, served) = rofr_delay_days(world, outcome);
    totals[Metric::RofrDelayDays as usize] = ratio(delay_days, served);

    ReplicationResult {
        totals,
        providers: provider_totals,
        commitments: commitment_totals,
        monthly,
    }
}

/// The running sums of an accounting: totals, per provider and by month, and what each
/// revenue share is due and each commitment has counted, as leases and losses are booked.
struct Books<'a> {
    calendar: &'a Calendar,
    totals: [f64; Metric::COUNT],
    provider_totals: Vec<ProviderTotals>,
    /// Per provider: MW and USD per MW-month over days.
    served_and_cost: Vec<MonthlyIntegral<'a, 2>>,
    /// MW unmet over days.
    unmet_mw_days: MonthlyIntegral<'a, 1>,
    /// The regime's revenue-share terms.
    shares: Vec<RevenueShare>,
    /// A lease counts only towards its provider's commitments: it is booked against those
    /// alone, each with its place in `Scenario::commitments` order, which indexes the sums below
    /// (see `commitments_by_provider`).
    commitments_of: PerProvider<Vec<(usize, Commitment)>>,
    /// Spend counted towards each commitment.
    spent_usd: Vec<f64>,
    /// The same spend by month, as USD per month over days: the commitment's burn-down.
    counted_usd_days: Vec<MonthlyIntegral<'a, 1>>,
    /// Room handed over to the lab within each commitment's window (see `hand_over`).
    handed_over_usd: Vec<f64>,
}

/// A revenue-share term: its window as it turned out, its rate and cap, and what it is due.
struct RevenueShare {
    start_day: f64,
    end_day: f64,
    rate: f64,
    cap_usd: Option<f64>,
    due_usd: f64,
}

impl<'a> Books<'a> {
    fn new(scenario: &'a Scenario, regime: &Regime, outcome: &Outcome) -> Self {
        let calendar = &scenario.calendar;
        let providers = scenario.providers.len();
        let shares = (regime.terms.iter())
            .filter_map(|&id| {
                let t = &scenario.terms[id.0 as usize];
                match t.kind {
                    TermKind::RevenueShare { rate, cap_usd } => Some(RevenueShare {
                        start_day: t.start_day,
                        end_day: outcome.term_end_day[id.0 as usize],
                        rate,
                        cap_usd,
                        due_usd: 0.0,
                    }),
                    _ => None,
                }
            })
            .collect();
        let commitments = scenario.commitments(regime).count();
        Self {
            calendar,
            totals: [0.0; Metric::COUNT],
            provider_totals: vec![ProviderTotals::default(); providers],
            served_and_cost: vec![MonthlyIntegral::new(calendar); providers],
            unmet_mw_days: MonthlyIntegral::new(calendar),
            shares,
            commitments_of: commitments_by_provider(scenario, regime),
            spent_usd: vec![0.0; commitments],
            counted_usd_days: vec![MonthlyIntegral::new(calendar); commitments],
            handed_over_usd: vec![0.0; commitments],
        }
    }

    /// Books the room a lease held from its decision until its delivery, at `cost` (its price
    /// × MW) per month, against its provider's commitments: room the holder was handing over
    /// to the lab, neither free nor yet paid for, which a take-or-pay counts as delivered. It
    /// counts as the lease's spend would (`Commitment::counted_usd`): not at all towards an
    /// incremental commitment the lease was decided before, whose room was held under an
    /// earlier contract.
    fn hand_over(&mut self, provider: ProviderId, (decided, delivered): (f64, f64), cost: f64) {
        let Some(held) = self.calendar.clip(decided, delivered) else {
            return;
        };
        for (c, commitment) in &self.commitments_of[provider.0 as usize] {
            self.handed_over_usd[*c] += commitment.counted_usd(decided, held, cost);
        }
    }

    fn add(&mut self, metric: Metric, value: f64) {
        self.totals[metric as usize] += value;
    }

    /// Books served MW-days by month and by term window: a lease adds its MW over its term,
    /// and an outage loss takes its MW back as unmet. `cost` and `revenue` are the MW times
    /// their rates, per month. Inlined: it runs for every lease, whose call then drops the
    /// branches only losses take.
    #[inline(always)]
    fn book(
        &mut self,
        provider: ProviderId,
        decision_day: f64,
        (from, to): (f64, f64),
        (mw, cost, revenue): (f64, f64, f64),
        lost: bool,
    ) {
        // Clipped to the horizon once, here: the windows below need only their own bounds.
        let Some((from, to)) = self.calendar.clip(from, to) else {
            return;
        };
        let p = provider.0 as usize;
        let sign = if lost { -1.0 } else { 1.0 };
        let months = sign * (to - from) / DAYS_PER_MONTH;
        self.add(Metric::ServedMwMonths, mw * months);
        self.add(Metric::ComputeCostUsd, cost * months);
        self.add(Metric::RevenueUsd, revenue * months);
        self.provider_totals[p].served_mw_months += mw * months;
        self.provider_totals[p].cost_usd += cost * months;
        self.served_and_cost[p].add((from, to), [sign * mw, sign * cost]);
        for share in &mut self.shares {
            let days = days_within((from, to), (share.start_day, share.end_day));
            share.due_usd += sign * share.rate * revenue * days / DAYS_PER_MONTH;
        }
        for (c, commitment) in &self.commitments_of[p] {
            if let Some((from, to)) = commitment.counted_days(decision_day, (from, to)) {
                self.spent_usd[*c] += sign * (cost * (to - from) / DAYS_PER_MONTH);
                self.counted_usd_days[*c].add((from, to), [sign * cost]);
            }
        }
        if lost {
            self.add(Metric::UnmetMwMonths, -mw * months);
            self.add(Metric::RevenueLostUsd, -revenue * months);
            self.unmet_mw_days.add((from, to), [mw]);
        }
    }
}

/// The days the offers added to the delivery of the offered needs that were served, and how
/// many were: the delivery the provider that served a need could have made on the answer day
/// against the one it could have made on arrival. The answer window's days alone: a need that
/// was declined and then waited for room is not charged its wait, which `mean_wait_days` counts
/// (the wait may or may not have come without the offer; the paired deltas between regimes with
/// and without the right tell).
fn rofr_delay_days(world: &World, outcome: &Outcome) -> (f64, f64) {
    let mut delay_days = 0.0;
    let mut served = 0.0;
    for offer in &outcome.offered {
        if let Fate::Served(lease) = outcome.fates[offer.need as usize] {
            let lease = &outcome.leases[lease as usize];
            let need = &world.needs[offer.need as usize];
            let lead_time_days = world.lead_time_days(offer.need, lease.provider);
            let on_arrival = need.wanted_start_day.max(need.arrival_day + lead_time_days);
            let on_answer = need.wanted_start_day.max(offer.answer_day + lead_time_days);
            delay_days += on_answer - on_arrival;
            served += 1.0;
        }
    }
    (delay_days, served)
}
