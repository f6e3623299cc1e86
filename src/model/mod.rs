//! The model: providers, demand, contract terms and regimes as plain validated data, plus the
//! per-replication random draws (`World`). It knows nothing of files, CSV or charts.

pub mod calendar;
pub mod dist;
pub mod world;

use calendar::Calendar;
use dist::Dist;

/// Days in an average month (365.25 / 12): prices are per MW-month, time runs in days.
pub const DAYS_PER_MONTH: f64 = 30.4375;
/// Days in an average year.
pub const DAYS_PER_YEAR: f64 = 365.25;
/// Most providers a scenario may have: sets of them are bits of a `u64`.
pub const MAX_PROVIDERS: usize = 64;
/// Most demand classes a scenario may have: sets of them are bits of a `u64`.
pub const MAX_CLASSES: usize = 64;
/// A value for each provider, indexed by `ProviderId`, in an array of the most a scenario may
/// have (the entries past its providers stay unused): a provider read from a bit mask then
/// indexes it without a bounds check, on every quote and search for room.
pub type PerProvider<T> = [T; MAX_PROVIDERS];
/// A value for each demand class, indexed by `ClassId`, in an array of the most a scenario may
/// have, as `PerProvider` is for providers.
pub type PerClass<T> = [T; MAX_CLASSES];

/// Index of a provider in `Scenario::providers`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProviderId(pub u16);

/// Index of a workload class in `Scenario::classes`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClassId(pub u16);

/// Index of a contract term in `Scenario::terms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TermId(pub u16);

/// A set of workload classes (a bit mask; scenarios have at most 64 classes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ClassSet(pub u64);

impl ClassSet {
    /// Returns true when `class` is in the set.
    #[inline]
    pub fn contains(self, class: ClassId) -> bool {
        self.0 & (1 << class.0) != 0
    }
}

/// A validated scenario: everything one study needs, with times in days from `calendar.start`.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Short name, written in study.csv.
    pub name: String,
    /// One line on what the scenario is for.
    pub description: String,
    /// Start, end and month boundaries of the horizon.
    pub calendar: Calendar,
    /// The provider reported in the `azure_*` columns (the incumbent cloud).
    pub incumbent: ProviderId,
    /// The market price level and its trend, shared by all providers.
    pub market: Market,
    /// Clouds and sites that can serve the lab, in file order (the order of every table).
    pub providers: Vec<Provider>,
    /// Workload classes of demand, in file order.
    pub classes: Vec<WorkloadClass>,
    /// Every contract term any regime uses.
    pub terms: Vec<Term>,
    /// The regimes to compare, in file order.
    pub regimes: Vec<Regime>,
    /// Index of the regime paired differences are taken against.
    pub baseline: usize,
    /// Scenarios as changed by regimes' `set` tables (same providers, classes and terms,
    /// other values); `Regime::variant` indexes them.
    pub variants: Vec<Scenario>,
}

/// The price level for large multi-year blocks; drawn once per replication.
#[derive(Debug, Clone, PartialEq)]
pub struct Market {
    /// Price at the scenario start, USD per MW-month.
    pub price_usd_per_mw_month: Dist,
    /// Relative change per year (−0.4 = 40% cheaper each year): the trend line from the start
    /// price, which prices follow once any shortage is over.
    pub price_trend_per_year: Dist,
    /// Relative change per year while a shortage lasts (from the start to `shortage_until_day`);
    /// the premium it builds over the trend line is gone when the shortage ends.
    pub shortage_trend_per_year: Dist,
    /// Day the shortage ends and `price_trend_per_year` takes over (0: no shortage).
    pub shortage_until_day: f64,
}

/// One cloud or site.
#[derive(Debug, Clone, PartialEq)]
pub struct Provider {
    /// Identifier used in files and tables (`azure`).
    pub id: String,
    /// Human name (`Microsoft Azure`).
    pub name: String,
    /// Premium over the market price (0.1 = 10% dearer); drawn once per replication.
    pub price_premium: Dist,
    /// A signed deal's fixed price, USD per MW-month, instead of the market's; once per
    /// replication.
    pub contract_price_usd_per_mw_month: Option<Dist>,
    /// Share of new capacity the lab can get (others' needs take the rest); once per replication.
    pub share_available: Dist,
    /// Days from an order to delivery; drawn per allocation.
    pub lead_time_days: Dist,
    /// Days every future tranche is delayed by, on top of its own slip; once per replication.
    pub build_delay_days: Dist,
    /// Capacity the lab holds under a deal of its own, with no spend commitment to mark it:
    /// a first refusal on new capacity only leaves it out, as it does a commitment holder's.
    pub signed_deal: bool,
    /// Capacity coming online.
    pub tranches: Vec<Tranche>,
    /// Outage process, if any.
    pub outages: Option<Outages>,
}

/// A block of capacity that comes online on a date, possibly late.
#[derive(Debug, Clone, PartialEq)]
pub struct Tranche {
    /// Planned online day.
    pub online_day: f64,
    /// Facility MW.
    pub size_mw: f64,
    /// Probability that the tranche is late.
    pub slip_probability: f64,
    /// How late, when late.
    pub slip_days: Dist,
}

/// Random outages: a Poisson process taking part of a provider's capacity offline.
#[derive(Debug, Clone, PartialEq)]
pub struct Outages {
    /// Mean number of outages a year.
    pub per_year: f64,
    /// Length of an outage.
    pub duration_days: Dist,
    /// Fraction of the provider's capacity an outage takes down (0..1).
    pub fraction: Dist,
}

/// A kind of compute need (training, api, consumer, national security, ...).
#[derive(Debug, Clone, PartialEq)]
pub struct WorkloadClass {
    /// Identifier (`training`).
    pub id: String,
    /// Poisson arrivals a year at the scenario start.
    pub arrivals_per_year: f64,
    /// Yearly growth factor of the arrival rate (1.3 = +30% a year); once per replication.
    pub arrivals_growth_per_year: Dist,
    /// Size of a need at the start, MW; drawn per need.
    pub size_mw: Dist,
    /// Yearly growth factor of need sizes; once per replication.
    pub size_growth_per_year: Dist,
    /// How long a need holds its capacity once delivered, days; per need.
    pub term_days: Dist,
    /// How far ahead of its wanted start a need is known, days; per need.
    pub notice_days: Dist,
    /// How long past its wanted start a need waits before it is given up, days; per need.
    pub patience_days: Dist,
    /// Revenue the lab earns per MW-month served (0 for training); once per replication.
    pub revenue_usd_per_mw_month: Dist,
    /// MW already in service at the start (existing leases, renewed as new needs later).
    pub initial_mw: f64,
    /// For the work of a provider itself or its other tenants (Microsoft's own AI on Azure):
    /// that provider. Such needs run only there and take its room first come first served,
    /// so they compete with the lab; they are not the lab's, so no term applies to them and
    /// the lab's totals leave them out. `None` for the lab's own demand.
    pub host: Option<ProviderId>,
}

impl WorkloadClass {
    /// Returns true for the lab's own demand (not a provider's own work).
    pub fn is_lab(&self) -> bool {
        self.host.is_none()
    }
}

/// What a contract term does while it is in force.
#[derive(Debug, Clone)]
pub enum TermKind {
    /// Needs of the scoped classes may only go to the holder.
    Exclusivity,
    /// The holder is asked first and answers after a window; it takes the need when it has
    /// room. With `price_match` the lab pays the best rival price. A zero window models
    /// "ship first on Azure unless Microsoft cannot support it". It covers a need of its
    /// classes with probability `share_of_needs` (drawn per need, the same in every regime): a
    /// launch-first term covers the capacity for launches, not all serving.
    FirstRefusal {
        answer_window_days: Dist,
        price_match: bool,
        share_of_needs: f64,
        /// Only new capacity is offered: a need that capacity the lab already holds under
        /// signed deals (the regime's other commitment holders) has room for goes there, or to
        /// the holder, without an offer.
        new_capacity_only: bool,
    },
    /// The lab must spend `amount_usd` with the holder between start and `deadline_day`;
    /// with take-or-pay the shortfall is paid at the deadline. An incremental commitment is
    /// on top of what was already contracted: leases decided before its start do not count.
    Commitment {
        amount_usd: f64,
        deadline_day: f64,
        take_or_pay: bool,
        incremental: bool,
    },
    /// A share of the lab's revenue paid to the holder while in force, up to a total cap.
    RevenueShare { rate: f64, cap_usd: Option<f64> },
    /// An AGI declaration at a random day (plus verification) that ends the listed terms, if
    /// it takes effect while the clause is in force (one that comes before the clause's start
    /// takes effect at its start; one on or after its end, not at all).
    AgiClause {
        declared_day: Dist,
        verification_days: Dist,
        ends: Vec<TermId>,
    },
}

/// A contract term with its dates and scope.
#[derive(Debug, Clone)]
pub struct Term {
    /// Identifier (`rofr_2025`).
    pub id: String,
    /// What the term does.
    pub kind: TermKind,
    /// The provider the term favours (none for an AGI clause).
    pub holder: Option<ProviderId>,
    /// First day in force.
    pub start_day: f64,
    /// First day no longer in force.
    pub end_day: f64,
    /// Workload classes the term applies to.
    pub classes: ClassSet,
    /// Providers (bit mask) whose capacity an exclusivity or a first refusal leaves out: the
    /// holder's exemptions, as Microsoft's one-time exemption for Oracle capacity in 2024.
    pub exempt_providers: u64,
}

/// A commitment term of a regime with its fields unpacked, as the simulation, the accounting
/// and the reports read it.
#[derive(Debug, Clone, Copy)]
pub struct Commitment {
    /// The term.
    pub term: TermId,
    /// The provider the spend is owed to.
    pub holder: ProviderId,
    /// First day spend counts.
    pub start_day: f64,
    /// Day by which `amount_usd` must be spent.
    pub deadline_day: f64,
    /// USD to spend.
    pub amount_usd: f64,
    /// Whether a shortfall is paid at the deadline.
    pub take_or_pay: bool,
    /// Leases decided before this day do not count: the start of an incremental commitment,
    /// else −∞ (a signed deal's capacity, contracted before its spend starts, counts).
    pub counts_leases_from_day: f64,
}

impl Commitment {
    /// The month a take-or-pay shortfall is paid in: the deadline's (a deadline on the first of
    /// a month falls due at the end of the month before), or the horizon's last.
    pub fn payment_month(&self, calendar: &Calendar) -> usize {
        calendar.month_of(self.deadline_day.min(calendar.horizon_days()) - 1e-9)
    }

    /// The spend of a lease decided on `decision_day`, over `[from, to)` (days from the
    /// horizon's start, which counts nothing earlier), at `usd_per_month`, that counts towards
    /// this commitment (its holder's leases only).
    pub fn counted_usd(&self, decision_day: f64, held: (f64, f64), usd_per_month: f64) -> f64 {
        self.counted_days(decision_day, held)
            .map_or(0.0, |(from, to)| {
                usd_per_month * (to - from) / DAYS_PER_MONTH
            })
    }

    /// The days of `[from, to)` (within the horizon) whose spend counts towards this commitment
    /// for a lease decided on `decision_day`: those within its window, if the lease counts.
    pub fn counted_days(&self, decision_day: f64, (from, to): (f64, f64)) -> Option<(f64, f64)> {
        if decision_day < self.counts_leases_from_day {
            return None;
        }
        overlap((from, to), self.window(f64::INFINITY))
    }

    /// The days spend counts, within a horizon of `horizon_days`: `[start, deadline)`.
    pub fn window(&self, horizon_days: f64) -> (f64, f64) {
        (self.start_day.max(0.0), self.deadline_day.min(horizon_days))
    }
}

/// The days of `[from, to)` within `[start, end)`, 0 if none.
#[inline]
pub fn days_within(span: (f64, f64), window: (f64, f64)) -> f64 {
    overlap(span, window).map_or(0.0, |(from, to)| to - from)
}

/// The part of `[from, to)` within `[start, end)`, if any. Plain comparisons, not `f64::min`
/// and `max`, whose NaN handling no day needs: it runs for every lease and loss booked, with
/// each commitment and revenue share of its provider.
#[inline]
pub fn overlap((from, to): (f64, f64), (start, end): (f64, f64)) -> Option<(f64, f64)> {
    let to = if to < end { to } else { end };
    let from = if from > start { from } else { start };
    (from < to).then_some((from, to))
}

/// The rule that chooses among eligible providers with room.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PolicyKind {
    /// Lowest price per MW-month.
    Cheapest,
    /// Shortest lead time.
    Fastest,
    /// The holder of an unmet spend commitment first, else the cheapest.
    CommitmentFirst,
    /// The cheapest provider whose share of the lab's capacity stays under `max_share`.
    Diversified { max_share: f64 },
}

/// A named set of contract terms and an allocation policy.
#[derive(Debug, Clone)]
pub struct Regime {
    /// Name used in every table (`rofr`).
    pub name: String,
    /// One line on what the regime is.
    pub description: String,
    /// Terms in force (each between its own dates).
    pub terms: Vec<TermId>,
    /// How to choose among eligible providers.
    pub policy: PolicyKind,
    /// The scenario variant this regime runs on (`Scenario::variants`), if it changes fields.
    pub variant: Option<usize>,
    /// The fields its own `set` gives, in field notation (`providers.azure.capacity[0].size_mw`):
    /// the command line's `--set` and `--vary` do not reach them in this regime.
    pub fixed_fields: Vec<String>,
}

impl Scenario {
    /// Returns the scenario regime `regime` runs on: its variant, or this one.
    pub fn for_regime(&self, regime: usize) -> &Scenario {
        self.regimes[regime]
            .variant
            .map_or(self, |v| &self.variants[v])
    }

    /// Returns the lab's classes as a bit mask (bit `c` for class `c`): the accounting tests it
    /// for every need and lease, where a class record's own flag is a further load away.
    pub fn lab_classes(&self) -> u64 {
        (self.classes.iter().enumerate())
            .filter(|(_, class)| class.is_lab())
            .fold(0, |mask, (c, _)| mask | 1 << c)
    }

    /// Returns the commitment terms of `regime`, in its order.
    pub fn commitments<'s>(&'s self, regime: &'s Regime) -> impl Iterator<Item = Commitment> + 's {
        regime.terms.iter().filter_map(|&term| {
            let t = &self.terms[term.0 as usize];
            match t.kind {
                TermKind::Commitment {
                    amount_usd,
                    deadline_day,
                    take_or_pay,
                    incremental,
                } => Some(Commitment {
                    term,
                    holder: t.holder.expect("validated: a commitment has a holder"),
                    start_day: t.start_day,
                    deadline_day,
                    amount_usd,
                    take_or_pay,
                    counts_leases_from_day: if incremental {
                        t.start_day
                    } else {
                        f64::NEG_INFINITY
                    },
                }),
                _ => None,
            }
        })
    }

    /// Returns the provider with the given identifier.
    pub fn provider_by_id(&self, id: &str) -> Option<ProviderId> {
        self.providers
            .iter()
            .position(|p| p.id == id)
            .map(|i| ProviderId(i as u16))
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    #[test]
    fn take_or_pay_falls_due_in_the_deadlines_month_or_the_horizons_last() {
        let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let calendar = Calendar::new(date(2025, 1, 1), date(2026, 1, 1));
        let due = |deadline: NaiveDate| {
            Commitment {
                term: TermId(0),
                holder: ProviderId(0),
                start_day: 0.0,
                deadline_day: calendar.day_of(deadline),
                amount_usd: 1e9,
                take_or_pay: true,
                counts_leases_from_day: f64::NEG_INFINITY,
            }
            .payment_month(&calendar)
        };
        // Mid-July: July (month 6). On 1 July: the end of June (month 5), not July.
        assert_eq!(due(date(2025, 7, 15)), 6);
        assert_eq!(due(date(2025, 7, 1)), 5);
        // At the horizon's end, or after it: the last month simulated.
        assert_eq!(due(date(2026, 1, 1)), 11);
        assert_eq!(due(date(2028, 10, 28)), 11);
    }
}
