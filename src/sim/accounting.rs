//! Turns a replication's leases and losses into totals and monthly series.
//!
//! Conservation holds by construction: a served need's demand is its delivered term within the
//! horizon, split into served MW-months and what outages took (unmet); a need never served is
//! unmet over its wanted term. Spend is Σ price × MW × time over what was served.

use crate::model::world::World;
use crate::model::{DAYS_PER_MONTH, Regime, Scenario, TermKind};
use crate::results::{Metric, MonthlySeries, ProviderTotals, ReplicationResult};

use super::{Fate, Outcome};

/// Accounts one replication of one regime.
pub fn account(
    scenario: &Scenario,
    regime: &Regime,
    world: &World,
    outcome: &Outcome,
) -> ReplicationResult {
    let calendar = &scenario.calendar;
    let horizon = calendar.horizon_days();
    let months = calendar.months();
    let providers = scenario.providers.len();
    let mut monthly = MonthlySeries {
        served_mw: vec![vec![0.0; months]; providers],
        cost_usd: vec![vec![0.0; months]; providers],
        demand_mw: vec![0.0; months],
        unmet_mw: vec![0.0; months],
    };
    let mut provider_totals = vec![ProviderTotals::default(); providers];
    let mut totals = [0.0; Metric::COUNT];
    let mut add = |metric: Metric, value: f64| totals[metric as usize] += value;

    // Windows of the regime's revenue-share and commitment terms, as they turned out.
    let shares: Vec<(f64, f64, f64, Option<f64>)> = regime
        .terms
        .iter()
        .filter_map(|&id| {
            let t = &scenario.terms[id.0 as usize];
            match t.kind {
                TermKind::RevenueShare { rate, cap_usd } => Some((
                    t.start_day,
                    outcome.term_end_day[id.0 as usize],
                    rate,
                    cap_usd,
                )),
                _ => None,
            }
        })
        .collect();
    let mut share_due_usd = vec![0.0; shares.len()];
    let commitments: Vec<_> = regime
        .terms
        .iter()
        .filter_map(|&id| {
            let t = &scenario.terms[id.0 as usize];
            match t.kind {
                TermKind::Commitment {
                    amount_usd,
                    deadline_day,
                    take_or_pay,
                } => Some((
                    t.holder.expect("validated: commitment has a holder"),
                    t.start_day,
                    deadline_day,
                    amount_usd,
                    take_or_pay,
                )),
                _ => None,
            }
        })
        .collect();
    let mut commitment_spent_usd = vec![0.0; commitments.len()];

    // MW-days of an interval [from, to) clipped to the horizon and to a window.
    let overlap = |from: f64, to: f64, lo: f64, hi: f64| {
        (to.min(hi).min(horizon) - from.max(lo).max(0.0)).max(0.0)
    };

    // Per lease: served MW-days net of outage losses, booked by month and by term window.
    let mut losses_by_lease: Vec<Vec<usize>> = vec![Vec::new(); outcome.leases.len()];
    for (k, loss) in outcome.losses.iter().enumerate() {
        losses_by_lease[loss.lease as usize].push(k);
    }
    let mut wait_days_sum = 0.0;
    let mut waits = 0u64;
    for (l, lease) in outcome.leases.iter().enumerate() {
        let need = &world.needs[lease.need as usize];
        let p = lease.provider.0 as usize;
        let price = lease.price_usd_per_mw_month;
        let revenue_rate = world.revenue_usd_per_mw_month[need.class.0 as usize];
        if !need.existing && lease.delivery_day < horizon {
            wait_days_sum += lease.delivery_day - need.wanted_start_day;
            waits += 1;
        }
        // Net MW-days within [lo, hi): the lease's MW over its term less what outages took.
        let net_mw_days = |lo: f64, hi: f64| {
            let gross = lease.size_mw * overlap(lease.delivery_day, lease.end_day, lo, hi);
            let lost: f64 = losses_by_lease[l]
                .iter()
                .map(|&k| {
                    outcome.losses[k].mw
                        * overlap(
                            outcome.losses[k].start_day,
                            outcome.losses[k].end_day,
                            lo,
                            hi,
                        )
                })
                .sum();
            (gross, lost)
        };
        let (gross, lost) = net_mw_days(f64::NEG_INFINITY, f64::INFINITY);
        let served_mw_months = (gross - lost) / DAYS_PER_MONTH;
        let lost_mw_months = lost / DAYS_PER_MONTH;
        add(Metric::DemandMwMonths, gross / DAYS_PER_MONTH);
        add(Metric::ServedMwMonths, served_mw_months);
        add(Metric::UnmetMwMonths, lost_mw_months);
        add(Metric::ComputeCostUsd, price * served_mw_months);
        add(Metric::RevenueUsd, revenue_rate * served_mw_months);
        add(Metric::RevenueLostUsd, revenue_rate * lost_mw_months);
        provider_totals[p].served_mw_months += served_mw_months;
        provider_totals[p].cost_usd += price * served_mw_months;
        calendar.for_each_overlap(lease.delivery_day, lease.end_day, |m, days, month_days| {
            monthly.served_mw[p][m] += lease.size_mw * days / month_days;
            monthly.cost_usd[p][m] += price * lease.size_mw * days / DAYS_PER_MONTH;
        });
        for &k in &losses_by_lease[l] {
            let loss = &outcome.losses[k];
            calendar.for_each_overlap(loss.start_day, loss.end_day, |m, days, month_days| {
                monthly.served_mw[p][m] -= loss.mw * days / month_days;
                monthly.cost_usd[p][m] -= price * loss.mw * days / DAYS_PER_MONTH;
                monthly.unmet_mw[m] += loss.mw * days / month_days;
            });
        }
        for (s, &(start, end, rate, _)) in shares.iter().enumerate() {
            let (gross, lost) = net_mw_days(start, end);
            share_due_usd[s] += rate * revenue_rate * (gross - lost) / DAYS_PER_MONTH;
        }
        for (c, &(holder, start, deadline, _, _)) in commitments.iter().enumerate() {
            if holder == lease.provider {
                let (gross, lost) = net_mw_days(start, deadline);
                commitment_spent_usd[c] += price * (gross - lost) / DAYS_PER_MONTH;
            }
        }
    }

    // Needs never served are unmet over their wanted term.
    for (i, fate) in outcome.fates.iter().enumerate() {
        let need = &world.needs[i];
        add(Metric::Needs, 1.0);
        if matches!(fate, Fate::Served(_)) {
            continue;
        }
        add(Metric::NeedsUnmet, 1.0);
        let wanted_end = need.wanted_start_day + need.term_days;
        let unmet_mw_months = need.size_mw
            * overlap(need.wanted_start_day, wanted_end, 0.0, horizon)
            / DAYS_PER_MONTH;
        add(Metric::DemandMwMonths, unmet_mw_months);
        add(Metric::UnmetMwMonths, unmet_mw_months);
        add(
            Metric::RevenueLostUsd,
            world.revenue_usd_per_mw_month[need.class.0 as usize] * unmet_mw_months,
        );
        calendar.for_each_overlap(need.wanted_start_day, wanted_end, |m, days, month_days| {
            monthly.unmet_mw[m] += need.size_mw * days / month_days;
        });
    }

    // Commitments: what counted, what is short, and take-or-pay payments at the deadline.
    for (c, &(holder, _, deadline, amount, take_or_pay)) in commitments.iter().enumerate() {
        let shortfall = (amount - commitment_spent_usd[c]).max(0.0);
        if holder == scenario.incumbent {
            add(Metric::CommitmentSpentUsd, commitment_spent_usd[c]);
            add(Metric::CommitmentShortfallUsd, shortfall);
        } else {
            add(Metric::DealShortfallUsd, shortfall);
        }
        if take_or_pay && shortfall > 0.0 {
            provider_totals[holder.0 as usize].cost_usd += shortfall;
            monthly.cost_usd[holder.0 as usize][calendar.month_of(deadline.min(horizon) - 1e-9)] +=
                shortfall;
        }
    }
    for (s, &(_, _, _, cap)) in shares.iter().enumerate() {
        add(
            Metric::RevenueShareUsd,
            cap.map_or(share_due_usd[s], |cap| share_due_usd[s].min(cap)),
        );
    }

    for m in 0..months {
        monthly.demand_mw[m] =
            monthly.unmet_mw[m] + (0..providers).map(|p| monthly.served_mw[p][m]).sum::<f64>();
    }
    let served_total = totals[Metric::ServedMwMonths as usize];
    for p in provider_totals.iter_mut() {
        p.share = if served_total > 0.0 {
            p.served_mw_months / served_total
        } else {
            0.0
        };
    }
    let incumbent = &provider_totals[scenario.incumbent.0 as usize];
    totals[Metric::TotalCostUsd as usize] = provider_totals.iter().map(|p| p.cost_usd).sum();
    totals[Metric::AzureCostUsd as usize] = incumbent.cost_usd;
    totals[Metric::AzureShare as usize] = incumbent.share;
    totals[Metric::MeanWaitDays as usize] = if waits > 0 {
        wait_days_sum / waits as f64
    } else {
        0.0
    };
    totals[Metric::RofrOffers as usize] = outcome.rofr_offers as f64;
    totals[Metric::RofrDeclines as usize] = outcome.rofr_declines as f64;
    totals[Metric::RofrDelayDays as usize] = if outcome.rofr_offers > 0 {
        outcome.rofr_delay_days / outcome.rofr_offers as f64
    } else {
        0.0
    };

    ReplicationResult {
        totals,
        providers: provider_totals,
        monthly,
    }
}
