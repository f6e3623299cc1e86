//! One replication of one regime: the event loop over the model.
//!
//! Needs arrive, are offered to a right-of-first-refusal holder or placed by the regime's
//! policy among the providers its terms allow, or wait first-come-first-served until capacity
//! frees up or their patience runs out. The loop records leases and outage losses; the
//! accounting turns them into totals and monthly series.

mod accounting;

pub use accounting::account;

use std::cell::RefCell;

use rand::SeedableRng;
use rand::rngs::SmallRng;

use crate::engine::EventQueue;
use crate::model::world::{CumulativePrice, DRAW_ANSWER_WINDOW, DRAW_COVERED, World, stream_seed};
use crate::model::{
    ClassId, ClassSet, Commitment, MAX_CLASSES, MAX_PROVIDERS, PerClass, PerProvider, ProviderId,
    Regime, Scenario, TermId, TermKind,
};
use crate::policy::{self, AllocationPolicy, Candidate, Reason};
use crate::results::ReplicationResult;

/// Capacity within this many MW of a need's size counts as room (float drift in sums).
const ROOM_TOLERANCE_MW: f64 = 1e-6;

/// Something that happens at an instant.
///
/// What the world fixes in advance is not queued: capacity arrivals, outage starts and needs
/// come from the world's lists, each in time order, and the loop takes the earliest of them and
/// of the queued events. At one instant capacity comes first (so that capacity online at day 0
/// is there for needs at day 0), then outage starts, then queued events, then needs. Queued,
/// the two hundred capacity arrivals and outages of a replication were most of the heap, and
/// each pop cost a level more.
#[derive(Debug, Clone, Copy)]
pub enum Event {
    /// The holder of a first-refusal term answers the offer of a need.
    OfferAnswered { need: u32, term: TermId },
    /// Capacity arrival `i` of the world comes online.
    CapacityOnline(u32),
    /// Lease `i` ends and frees its MW.
    LeaseEnds(u32),
    /// Outage `i` of the world starts.
    OutageStarts(u32),
    /// Outage `i` ends.
    OutageEnds(u32),
    /// A term of the regime starts or ends: waiting needs may now go elsewhere.
    TermBoundary,
    /// An AGI clause takes effect and ends the terms it names.
    AgiDeclared(TermId),
}

/// A need offered to a first-refusal holder.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Offer {
    /// The need's index in the world.
    pub need: u32,
    /// The day the holder answers: the offer's day (the need's arrival) plus the answer window;
    /// or the day the right ended, if it ended first and the offer lapsed.
    pub answer_day: f64,
    /// The first-refusal term it was offered under.
    pub term: TermId,
}

/// A need placed with a provider.
#[derive(Debug, Clone, Copy)]
pub struct Lease {
    /// The need (index into the world's needs).
    pub need: u32,
    /// Who serves it.
    pub provider: ProviderId,
    /// Day the provider was chosen.
    pub decision_day: f64,
    /// Day capacity is delivered.
    pub delivery_day: f64,
    /// Day the lease ends (delivery + term).
    pub end_day: f64,
    /// MW.
    pub size_mw: f64,
    /// Locked price, USD per MW-month.
    pub price_usd_per_mw_month: f64,
    /// Why this provider.
    pub reason: Reason,
}

/// MW of one provider's leases lost to an outage over `[start_day, end_day)`. The leases
/// that lose the same days share one loss (an outage is days long and most leases run
/// through it), so accounting does per outage what it would otherwise do per lease.
#[derive(Debug, Clone, Copy)]
pub struct OutageLoss {
    /// The provider hit.
    pub provider: ProviderId,
    /// First day lost.
    pub start_day: f64,
    /// First day back.
    pub end_day: f64,
    /// MW down.
    pub mw: f64,
    /// Σ locked price × MW down: the spend the loss takes back, per month.
    pub cost_usd_per_month: f64,
    /// Σ revenue rate × MW down: the revenue the loss takes, per month.
    pub revenue_usd_per_month: f64,
    /// No lease in the loss was decided earlier; none was decided on or after the next
    /// `counts_leases_from_day` of the provider's commitments, so that a commitment's test
    /// of a lease's decision day gives the same answer for the loss as for each of its leases.
    pub decided_from_day: f64,
}

impl OutageLoss {
    fn new(provider: ProviderId, start_day: f64, end_day: f64, decided_from_day: f64) -> Self {
        Self {
            provider,
            start_day,
            end_day,
            decided_from_day,
            mw: 0.0,
            cost_usd_per_month: 0.0,
            revenue_usd_per_month: 0.0,
        }
    }

    /// Adds `mw` of a lease at `price` earning `revenue_rate` (both per MW-month).
    fn take(&mut self, mw: f64, price: f64, revenue_rate: f64) {
        self.mw += mw;
        self.cost_usd_per_month += price * mw;
        self.revenue_usd_per_month += revenue_rate * mw;
    }
}

/// A lab lease as an outage reads it, kept per provider so that an outage scans these alone
/// and touches neither the leases nor the needs.
#[derive(Debug, Clone, Copy)]
struct Running {
    delivery_day: f64,
    end_day: f64,
    size_mw: f64,
    price_usd_per_mw_month: f64,
    revenue_usd_per_mw_month: f64,
    decision_day: f64,
    /// The latest `counts_leases_from_day` of the provider's commitments on or before the
    /// decision day: leases that share it share a whole-outage loss.
    decided_from_day: f64,
    lease: u32,
}

/// What happened to a need.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fate {
    /// Not yet arrived.
    Pending,
    /// Offered to a first-refusal holder, answer pending.
    Offered,
    /// In a waiting queue (see `Simulation::waiting`).
    Waiting,
    /// Placed: the lease index.
    Served(u32),
    /// Given up after its patience ran out.
    Lost,
}

/// A need in a waiting queue, with what a scan of the queue tests, so that the scan reads
/// the queue alone.
#[derive(Debug, Clone, Copy)]
struct Waiting {
    need: u32,
    class: u16,
    size_mw: f64,
    give_up_day: f64,
    /// Providers it may not go to (a bit mask): a first-refusal holder that declined it as
    /// unable to deliver before it is given up, whose delivery would only come later still.
    barred: u64,
}

/// The raw record of one replication of one regime, before accounting.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Leases in the order they were made.
    pub leases: Vec<Lease>,
    /// Outage losses.
    pub losses: Vec<OutageLoss>,
    /// Per commitment (by scenario term index): the room its holder left free within its
    /// window, neither held (by the lab or the holder's own work) nor down, each MW-day at that
    /// day's price (USD per MW-month × days): what the lab could have bought there and did
    /// not, on which alone a take-or-pay shortfall is owed (see `accounting`).
    pub free_room_usd_days: Vec<f64>,
    /// What happened to each need of the world.
    pub fates: Vec<Fate>,
    /// The needs offered to first-refusal holders, in the order offered (a need is offered at
    /// most once, on arrival).
    pub offered: Vec<Offer>,
    /// Offers the holder took.
    pub rofr_accepts: u64,
    /// Offers the holder did not take: no room, or it could not deliver before the need's
    /// patience ran out.
    pub rofr_declines: u64,
    /// Day each scenario term stopped being in force (its end, or an AGI declaration).
    pub term_end_day: Vec<f64>,
    /// Events processed.
    pub events: u64,
}

/// One line of an event log: what happened, to which need and provider, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct TraceRecord {
    /// Simulation day.
    pub day: f64,
    /// What happened (`need_arrives`, `not_offered`, `offered`, `offer_declined`,
    /// `offer_lapsed`, `placed`, `waiting`, `lost`, `unserved_at_end`, `capacity_online`,
    /// `lease_ends`, `outage_starts`, `outage_loss`, `outage_ends`, `term_boundary`,
    /// `agi_declared`; and, added from the accounting when the log is written,
    /// `commitment_deadline`).
    pub event: &'static str,
    /// The need concerned, if any.
    pub need: Option<u32>,
    /// The provider concerned, if any.
    pub provider: Option<ProviderId>,
    /// MW concerned (need size, capacity, MW down or lost).
    pub mw: f64,
    /// Locked price, for placements and outage losses.
    pub price_usd_per_mw_month: Option<f64>,
    /// Start of the interval concerned (delivery, wanted start, loss start).
    pub start_day: Option<f64>,
    /// End of the interval concerned.
    pub end_day: Option<f64>,
    /// Why: the policy's reason and the providers asked, the term, the class.
    pub detail: String,
}

/// Runs one regime on one world and returns the raw outcome.
pub fn simulate(scenario: &Scenario, regime: &Regime, world: &World) -> Outcome {
    Simulation::<false>::new(scenario, regime, world).run().0
}

/// Runs one regime on one world and returns the raw outcome with its event log.
pub fn simulate_traced(
    scenario: &Scenario,
    regime: &Regime,
    world: &World,
) -> (Outcome, Vec<TraceRecord>) {
    Simulation::<true>::new(scenario, regime, world).run()
}

/// Runs one regime on one world and returns its accounted result.
pub fn replicate(scenario: &Scenario, regime: &Regime, world: &World) -> ReplicationResult {
    let outcome = simulate(scenario, regime, world);
    let result = account(scenario, regime, world, &outcome);
    SPARE.with_borrow_mut(|spare| {
        (spare.leases, spare.losses, spare.fates, spare.offered) = (
            outcome.leases,
            outcome.losses,
            outcome.fates,
            outcome.offered,
        );
    });
    result
}

/// The buffers a simulation grows as it runs, kept per thread for the next one: allocated and
/// grown afresh for every regime of every replication (a few hundred allocations and copies a
/// replication), they cost 1.6% of its instructions and about 3% of its time.
struct Buffers {
    events: EventQueue<Event>,
    waiting: [Vec<Waiting>; 2],
    running_by_provider: Vec<Vec<Running>>,
    candidates: Vec<Candidate>,
    whole_losses: Vec<OutageLoss>,
    /// An outcome's, given back once it has been accounted (see `replicate`).
    leases: Vec<Lease>,
    losses: Vec<OutageLoss>,
    fates: Vec<Fate>,
    offered: Vec<Offer>,
}

/// The event queue's window (see `EventQueue`): the events pending are nearly all lease ends
/// months or years ahead, and a window holds one or two. Timed side by side against windows of
/// 2, 8, 32 and 128 days, 2 and 4 ran fastest.
const EVENT_WINDOW_DAYS: f64 = 4.0;

impl Default for Buffers {
    fn default() -> Self {
        Self {
            events: EventQueue::with_window_days(EVENT_WINDOW_DAYS),
            waiting: Default::default(),
            running_by_provider: Vec::new(),
            candidates: Vec::new(),
            whole_losses: Vec::new(),
            leases: Vec::new(),
            losses: Vec::new(),
            fates: Vec::new(),
            offered: Vec::new(),
        }
    }
}

thread_local! {
    static SPARE: RefCell<Buffers> = RefCell::default();
}

/// `TRACED`: whether it keeps an event log. A parameter of the type, not a field, so that an
/// untraced run compiles without the log's code and the tests of it (a hundred places, several
/// in the loops over waiting needs and running leases).
struct Simulation<'a, const TRACED: bool> {
    scenario: &'a Scenario,
    regime: &'a Regime,
    world: &'a World,
    policy: Box<dyn AllocationPolicy>,
    /// Whether the policy reads lead times, asked once: every placement's quotes need it.
    policy_reads_lead_times: bool,
    horizon_days: f64,
    events: EventQueue<Event>,
    capacity_mw: PerProvider<f64>,
    /// Capacity less what is down and held, per provider: kept by `update_free` after every
    /// change, because every need's search for room reads it for every provider it may use.
    free_mw: PerProvider<f64>,
    down_mw: PerProvider<f64>,
    /// Each provider's ∫ price dt, read when a commitment holder's free MW changes, and the
    /// day and value of its last reading (see `record_free_room`).
    cumulative_price: Vec<CumulativePrice>,
    free_since_day: PerProvider<f64>,
    free_since_usd_days: PerProvider<f64>,
    /// Each commitment's window as ∫ price dt of its holder at its start and end, by term.
    free_room_windows: Vec<(f64, f64)>,
    /// MW the lab holds, per provider.
    used_mw: PerProvider<f64>,
    /// MW the providers' own work holds (classes with a host), per provider.
    host_used_mw: PerProvider<f64>,
    /// MW each outage took down, to give back when it ends.
    outage_down_mw: Vec<f64>,
    /// Waiting needs in two queues, each in order of waiting: the providers' own work, served
    /// first when room frees (the lab gets what a provider's own needs leave), then the lab's.
    /// A need leaves its queue only when the queue is served (placed, or found past patience).
    waiting: [Vec<Waiting>; 2],
    /// Per class, no waiting need is smaller than this (a lower bound: needs leaving only
    /// raise the true minimum), so a scan is skipped while no class has room for it.
    smallest_waiting_mw: PerClass<f64>,
    /// Per class, the most room (plus tolerance) among the providers it may use that have
    /// just gained room (kept by `measure_room` during `serve_waiting`).
    room_by_class_mw: PerClass<f64>,
    /// The regime's commitment terms by holder, which every quote and placement with the
    /// holder consults.
    commitments_by_provider: PerProvider<Vec<(usize, Commitment)>>,
    /// The regime's first-refusal terms, which every arriving need consults.
    first_refusals: Vec<FirstRefusal>,
    /// Providers holding a commitment in the regime (bit mask), whose free room is recorded
    /// for their take-or-pay.
    commitment_holders: u64,
    /// Signed deals (bit mask): capacity the lab already holds, the commitment holders' and
    /// the providers marked `signed_deal`.
    signed_deals: u64,
    /// Reused for each placement's candidates.
    candidates: Vec<Candidate>,
    /// The lab's leases per provider that had not ended at the last outage there.
    running_by_provider: Vec<Vec<Running>>,
    /// Reused for each outage's whole-outage losses (left empty between outages).
    whole_losses: Vec<OutageLoss>,
    /// Spend already contracted towards each commitment term (by scenario term index).
    contracted_usd: Vec<f64>,
    outcome: Outcome,
    /// The event log (empty unless `TRACED`).
    trace: Vec<TraceRecord>,
    /// Providers each class may use now (bit masks), kept by `refresh_eligibility`.
    eligible_by_class: PerClass<u64>,
    /// The host of each class that is a provider's own work (`None` for the lab's), read for
    /// every placement, lease end and wait.
    host_by_class: PerClass<Option<ProviderId>>,
    /// Every provider of the scenario (a bit mask).
    all_providers: u64,
    /// How many classes the scenario has (the entries of a `PerClass` in use).
    classes: usize,
}

impl<'a, const TRACED: bool> Simulation<'a, TRACED> {
    fn new(scenario: &'a Scenario, regime: &'a Regime, world: &'a World) -> Self {
        let providers = scenario.providers.len();
        let commitments_by_provider = commitments_by_provider(scenario, regime);
        let commitment_holders = (commitments_by_provider.iter().enumerate())
            .filter(|(_, commitments)| !commitments.is_empty())
            .fold(0, |mask, (p, _)| mask | 1 << p);
        let signed_deals = (scenario.providers.iter().enumerate())
            .filter(|(_, provider)| provider.signed_deal)
            .fold(commitment_holders, |mask, (p, _)| mask | 1 << p);
        let policy = policy::for_kind(regime.policy);
        let policy_reads_lead_times = policy.reads_lead_times();
        let Buffers {
            mut events,
            mut waiting,
            mut running_by_provider,
            mut candidates,
            whole_losses,
            mut leases,
            mut losses,
            mut fates,
            mut offered,
        } = SPARE.take();
        events.clear();
        waiting.iter_mut().for_each(Vec::clear);
        running_by_provider.resize_with(providers, Vec::new);
        running_by_provider.iter_mut().for_each(Vec::clear);
        candidates.clear();
        // A need is placed at most once: the leases never outgrow this.
        leases.clear();
        leases.reserve(world.needs.len());
        losses.clear();
        fates.clear();
        fates.resize(world.needs.len(), Fate::Pending);
        offered.clear();
        Self {
            scenario,
            regime,
            world,
            policy,
            policy_reads_lead_times,
            horizon_days: scenario.calendar.horizon_days(),
            events,
            capacity_mw: [0.0; MAX_PROVIDERS],
            free_mw: [0.0; MAX_PROVIDERS],
            down_mw: [0.0; MAX_PROVIDERS],
            cumulative_price: (0..providers)
                .map(|p| world.cumulative_price(ProviderId(p as u16)))
                .collect(),
            free_since_day: [0.0; MAX_PROVIDERS],
            free_since_usd_days: [0.0; MAX_PROVIDERS],
            free_room_windows: free_room_windows(scenario, regime, world),
            used_mw: [0.0; MAX_PROVIDERS],
            host_used_mw: [0.0; MAX_PROVIDERS],
            outage_down_mw: vec![0.0; world.outages.len()],
            waiting,
            smallest_waiting_mw: [f64::INFINITY; MAX_CLASSES],
            room_by_class_mw: [0.0; MAX_CLASSES],
            commitments_by_provider,
            commitment_holders,
            signed_deals,
            first_refusals: first_refusals(scenario, regime),
            candidates,
            running_by_provider,
            whole_losses,
            contracted_usd: vec![0.0; scenario.terms.len()],
            outcome: Outcome {
                leases,
                losses,
                free_room_usd_days: vec![0.0; scenario.terms.len()],
                fates,
                offered,
                rofr_accepts: 0,
                rofr_declines: 0,
                term_end_day: scenario.terms.iter().map(|t| t.end_day).collect(),
                events: 0,
            },
            trace: Vec::new(),
            eligible_by_class: [0; MAX_CLASSES],
            classes: scenario.classes.len(),
            host_by_class: std::array::from_fn(|c| {
                scenario.classes.get(c).and_then(|class| class.host)
            }),
            all_providers: u64::MAX >> (MAX_PROVIDERS - providers),
        }
    }

    /// Appends to the event log, if there is one (`TRACED`); `make` runs only then.
    fn log(&mut self, make: impl FnOnce(&Self) -> TraceRecord) {
        if TRACED {
            let record = make(self);
            self.trace.push(record);
        }
    }

    /// Describes every provider as need `i` sees it now: not allowed, no room, or its price.
    fn options(&self, i: u32, now: f64) -> String {
        let mask = self.eligible(i);
        let size = self.world.needs[i as usize].size_mw;
        let described: Vec<String> = self
            .scenario
            .providers
            .iter()
            .enumerate()
            .map(|(p, provider)| {
                let status = if mask & (1 << p) == 0 {
                    "not allowed".to_string()
                } else if !self.has_room(p, size) {
                    format!("no room ({:.0} MW free)", self.free_mw[p].max(0.0))
                } else {
                    format!(
                        "${:.3}M",
                        self.world.price_usd_per_mw_month(ProviderId(p as u16), now) / 1e6
                    )
                };
                format!("{}: {status}", provider.id)
            })
            .collect();
        described.join("; ")
    }

    fn run(mut self) -> (Outcome, Vec<TraceRecord>) {
        self.refresh_eligibility(0.0);
        // One boundary a day, however many terms start or end on it: a boundary looks at
        // every term, so a second would find nothing new (and repeat itself in the trace).
        let mut boundary_days: Vec<f64> = (self.regime.terms.iter())
            .flat_map(|&term| {
                let t = &self.scenario.terms[term.0 as usize];
                [t.start_day, t.end_day]
            })
            .filter(|&day| day > 0.0 && day < self.horizon_days)
            .collect();
        boundary_days.sort_by(f64::total_cmp);
        boundary_days.dedup();
        for day in boundary_days {
            self.events.schedule_at(day, Event::TermBoundary);
        }
        for &term in &self.regime.terms {
            let t = &self.scenario.terms[term.0 as usize];
            // A declaration takes effect while its clause is in force: from the clause's start
            // if it came earlier, and not at all on or after the clause's end (nor past the
            // horizon).
            let agi_day = self.world.agi_effective_day[term.0 as usize].max(t.start_day);
            let until_day = t.end_day.min(self.horizon_days);
            if matches!(t.kind, TermKind::AgiClause { .. }) && agi_day < until_day {
                self.events.schedule_at(agi_day, Event::AgiDeclared(term));
            }
        }
        let world = self.world;
        let day_of = |days: Option<f64>| days.unwrap_or(f64::INFINITY);
        let (mut next_capacity, mut next_outage, mut next_need) = (0, 0, 0);
        loop {
            let capacity_day = day_of(world.capacity.get(next_capacity).map(|a| a.day));
            let outage_day = day_of(world.outages.get(next_outage).map(|o| o.start_day));
            let arrival_day = day_of(world.needs.get(next_need).map(|need| need.arrival_day));
            let until_day = arrival_day.min(self.horizon_days);
            let known_day = capacity_day.min(outage_day);
            if known_day <= until_day && known_day <= day_of(self.events.next_time_days()) {
                let now = self.events.advance_to(known_day);
                if capacity_day <= outage_day {
                    self.handle(now, Event::CapacityOnline(next_capacity as u32));
                    next_capacity += 1;
                } else {
                    self.handle(now, Event::OutageStarts(next_outage as u32));
                    next_outage += 1;
                }
            } else if let Some((now, event)) = self.events.pop_until(until_day) {
                self.handle(now, event);
            } else if arrival_day <= self.horizon_days {
                let now = self.events.advance_to(arrival_day);
                self.on_need(now, next_need as u32);
                next_need += 1;
            } else {
                break;
            }
        }
        self.outcome.events = self.events.processed();
        let horizon = self.horizon_days;
        for p in providers_in(self.commitment_holders) {
            self.record_free_room(p, horizon);
        }
        for i in 0..self.world.needs.len() as u32 {
            match self.outcome.fates[i as usize] {
                Fate::Waiting if self.give_up_day(i) < horizon => self.lose(i),
                Fate::Waiting | Fate::Offered => self.log(|s| {
                    s.need_record(
                        horizon,
                        "unserved_at_end",
                        i,
                        "still waiting at the horizon".into(),
                    )
                }),
                _ => {}
            }
        }
        if TRACED {
            // Losses are found late (see `lose`): put them in time order, ties as logged.
            self.trace.sort_by(|a, b| a.day.total_cmp(&b.day));
        }
        SPARE.with_borrow_mut(|spare| {
            spare.events = self.events;
            spare.waiting = self.waiting;
            spare.running_by_provider = self.running_by_provider;
            spare.candidates = self.candidates;
            spare.whole_losses = self.whole_losses;
        });
        (self.outcome, self.trace)
    }

    /// A log record about need `i` over its wanted interval.
    fn need_record(&self, day: f64, event: &'static str, i: u32, detail: String) -> TraceRecord {
        let need = &self.world.needs[i as usize];
        TraceRecord {
            need: Some(i),
            mw: need.size_mw,
            start_day: Some(need.wanted_start_day),
            end_day: Some(need.wanted_start_day + need.term_days),
            detail,
            ..TraceRecord::new(day, event)
        }
    }

    /// A log record about provider `p`.
    fn provider_record(
        &self,
        day: f64,
        event: &'static str,
        p: ProviderId,
        mw: f64,
    ) -> TraceRecord {
        TraceRecord {
            provider: Some(p),
            mw,
            ..TraceRecord::new(day, event)
        }
    }

    fn handle(&mut self, now: f64, event: Event) {
        match event {
            Event::OfferAnswered { need, term } => self.on_answer(now, need, term),
            Event::CapacityOnline(i) => {
                let arrival = self.world.capacity[i as usize];
                self.capacity_mw[arrival.provider.0 as usize] += arrival.mw;
                self.update_free(arrival.provider.0 as usize, now);
                self.log(|s| {
                    s.provider_record(now, "capacity_online", arrival.provider, arrival.mw)
                });
                self.serve_waiting(now, 1 << arrival.provider.0);
            }
            Event::LeaseEnds(l) => {
                let lease = self.outcome.leases[l as usize];
                let lab = self.is_lab(self.world.needs[lease.need as usize].class);
                *self.holding_mw(lab, lease.provider.0 as usize) -= lease.size_mw;
                self.update_free(lease.provider.0 as usize, now);
                self.log(|s| TraceRecord {
                    need: Some(lease.need),
                    ..s.provider_record(now, "lease_ends", lease.provider, lease.size_mw)
                });
                self.serve_waiting(now, 1 << lease.provider.0);
            }
            Event::OutageStarts(o) => self.on_outage(now, o),
            Event::OutageEnds(o) => {
                let p = self.world.outages[o as usize].provider;
                self.down_mw[p.0 as usize] -= self.outage_down_mw[o as usize];
                self.update_free(p.0 as usize, now);
                self.log(|s| {
                    s.provider_record(now, "outage_ends", p, s.outage_down_mw[o as usize])
                });
                self.serve_waiting(now, 1 << p.0);
            }
            Event::TermBoundary => {
                self.refresh_eligibility(now);
                self.log(|s| TraceRecord {
                    detail: s.terms_changing(now),
                    ..TraceRecord::new(now, "term_boundary")
                });
                self.lapse_offers(now);
                self.serve_waiting(now, self.all_providers);
            }
            Event::AgiDeclared(term) => {
                self.log(|s| {
                    let id = &s.scenario.terms[term.0 as usize].id;
                    TraceRecord {
                        detail: format!("{id} takes effect"),
                        ..TraceRecord::new(now, "agi_declared")
                    }
                });
                if let TermKind::AgiClause { ends, .. } = &self.scenario.terms[term.0 as usize].kind
                {
                    for ended in ends {
                        let end = &mut self.outcome.term_end_day[ended.0 as usize];
                        *end = end.min(now);
                    }
                }
                self.refresh_eligibility(now);
                self.lapse_offers(now);
                self.serve_waiting(now, self.all_providers);
            }
        }
    }

    /// Ends the offers still awaiting an answer under a first-refusal term no longer in force
    /// (its end, or an AGI declaration that ended it): the holder has no right to those needs
    /// any more, so the lab places each now by its policy among the providers allowed, the
    /// holder among them, as any need; or it waits. The offer is neither taken nor declined;
    /// its answer day becomes today, for the delay it added.
    fn lapse_offers(&mut self, now: f64) {
        for k in 0..self.outcome.offered.len() {
            let Offer { need: i, term, .. } = self.outcome.offered[k];
            if self.outcome.fates[i as usize] != Fate::Offered || self.in_force(term, now) {
                continue;
            }
            self.outcome.offered[k].answer_day = now;
            self.log(|s| {
                let t = &s.scenario.terms[term.0 as usize];
                TraceRecord {
                    provider: t.holder,
                    ..s.need_record(
                        now,
                        "offer_lapsed",
                        i,
                        format!("{} is no longer in force", t.id),
                    )
                }
            });
            if self.give_up_day(i) <= now || self.try_place(now, i, self.eligible(i)).is_none() {
                self.start_waiting(now, i, 0);
            }
        }
    }

    /// Names the regime's terms that start or end on `day`.
    fn terms_changing(&self, day: f64) -> String {
        let mut changes = Vec::new();
        for &term in &self.regime.terms {
            let t = &self.scenario.terms[term.0 as usize];
            if t.start_day == day {
                changes.push(format!("{} starts", t.id));
            }
            if t.end_day == day {
                changes.push(format!("{} ends", t.id));
            }
        }
        changes.join("; ")
    }

    fn in_force(&self, term: TermId, now: f64) -> bool {
        let t = &self.scenario.terms[term.0 as usize];
        t.start_day <= now && now < self.outcome.term_end_day[term.0 as usize]
    }

    /// Returns the providers the regime allows for need `i` now, as a bit mask.
    #[inline]
    fn eligible(&self, i: u32) -> u64 {
        self.eligible_by_class[class_index(self.world.needs[i as usize].class.0)]
    }

    /// Recomputes which providers each class may use. Exclusivity changes only when a term
    /// starts or ends or an AGI declaration ends one, and each of those is an event.
    fn refresh_eligibility(&mut self, now: f64) {
        for (class, workload) in self.scenario.classes.iter().enumerate() {
            if let Some(host) = workload.host {
                self.eligible_by_class[class] = 1 << host.0;
                continue;
            }
            let mut mask = self.all_providers;
            for &term in &self.regime.terms {
                let t = &self.scenario.terms[term.0 as usize];
                if matches!(t.kind, TermKind::Exclusivity)
                    && t.classes.contains(ClassId(class as u16))
                    && self.in_force(term, now)
                {
                    let holder = t.holder.expect("validated: exclusivity has a holder");
                    mask &= (1 << holder.0) | t.exempt_providers;
                }
            }
            self.eligible_by_class[class] = mask;
        }
    }

    /// Returns the first-refusal term in force for need `i` whose holder is eligible.
    fn first_refusal(&self, i: u32, now: f64, mask: u64) -> Option<TermId> {
        let need = &self.world.needs[i as usize];
        let covers = |right: &&FirstRefusal| {
            right.classes.contains(need.class)
                && right.start_day <= now
                && now < self.outcome.term_end_day[right.term.0 as usize]
                && mask & right.holder != 0
                && (right.share_of_needs >= 1.0 || {
                    let seed = stream_seed(
                        need.seed,
                        DRAW_COVERED,
                        right.holder.trailing_zeros().into(),
                    );
                    rand::RngExt::random::<f64>(&mut SmallRng::seed_from_u64(seed))
                        < right.share_of_needs
                })
        };
        self.first_refusals
            .iter()
            .find(covers)
            .map(|right| right.term)
    }

    /// Where need `i` goes without an offer under first-refusal `term`, if capacity among
    /// `mask` that the term leaves out has room for it: the holder's exemptions, and, when the
    /// term covers only new capacity, the signed deals. Returns those providers and the holder.
    fn outside_the_right(&self, i: u32, term: TermId, mask: u64) -> Option<u64> {
        let t = &self.scenario.terms[term.0 as usize];
        let TermKind::FirstRefusal {
            new_capacity_only, ..
        } = t.kind
        else {
            return None;
        };
        let holder = 1u64 << t.holder.expect("validated: first refusal has a holder").0;
        let held = if new_capacity_only {
            self.signed_deals
        } else {
            0
        };
        let outside = (held | t.exempt_providers) & mask & !holder;
        let size = self.world.needs[i as usize].size_mw;
        self.with_room(outside, size)
            .next()
            .map(|_| outside | holder)
    }

    /// Whether `class` is the lab's (not a provider's own work).
    #[inline]
    fn is_lab(&self, class: ClassId) -> bool {
        self.host_by_class[class_index(class.0)].is_none()
    }

    /// The MW held at provider `p` by the lab (`lab`) or by the provider's own work.
    #[inline]
    fn holding_mw(&mut self, lab: bool, p: usize) -> &mut f64 {
        if lab {
            &mut self.used_mw[p]
        } else {
            &mut self.host_used_mw[p]
        }
    }

    /// Recomputes provider `p`'s free MW after a change at `now` to what it has or what it
    /// holds, recording the room it had left free until then if it holds a commitment.
    #[inline(always)]
    fn update_free(&mut self, p: usize, now: f64) {
        if self.commitment_holders & (1 << p) != 0 {
            self.record_free_room(p, now);
        }
        self.free_mw[p] =
            self.capacity_mw[p] - self.down_mw[p] - self.used_mw[p] - self.host_used_mw[p];
    }

    /// Adds the room commitment holder `p` had free since its last change, up to `now`, to
    /// each of its commitments, within their windows. Valued here, as time passes, rather
    /// than recorded for the accounting: a thousand changes a replication, each a record and
    /// a reading later, cost 7% of a study's time.
    #[inline(never)]
    fn record_free_room(&mut self, p: usize, now: f64) {
        // Changes come in runs at one instant (a lease ends, waiting needs take its room):
        // only the first closes a stretch of free room.
        if now == self.free_since_day[p] {
            return;
        }
        self.free_since_day[p] = now;
        let to = self.cumulative_price[p].at(now);
        let from = std::mem::replace(&mut self.free_since_usd_days[p], to);
        let mw = self.free_mw[p];
        if mw > ROOM_TOLERANCE_MW {
            for (_, c) in &self.commitments_by_provider[p] {
                let (start, end) = self.free_room_windows[c.term.0 as usize];
                self.outcome.free_room_usd_days[c.term.0 as usize] +=
                    mw * (to.clamp(start, end) - from.clamp(start, end));
            }
        }
    }

    fn has_room(&self, p: usize, size_mw: f64) -> bool {
        self.free_mw[p] + ROOM_TOLERANCE_MW >= size_mw
    }

    /// Provider `p`'s quote for need `i` now, with its lead time if `lead_time` (else it is
    /// drawn only if `p` is chosen: see `place`).
    #[inline(always)]
    fn candidate(&self, i: u32, p: ProviderId, now: f64, lead_time: bool) -> Candidate {
        // The spend rate each commitment to `p` needs to be met by its deadline.
        let pace = self.commitments_by_provider[p.0 as usize]
            .iter()
            .map(|(_, c)| c)
            .filter(|c| c.start_day <= now && now < c.deadline_day)
            .map(|c| {
                let owed = (c.amount_usd - self.contracted_usd[c.term.0 as usize]).max(0.0);
                owed / (c.deadline_day - now).max(1.0)
            })
            .sum();
        Candidate {
            provider: p,
            price_usd_per_mw_month: self.world.price_usd_per_mw_month(p, now),
            lead_time_days: lead_time.then(|| self.world.lead_time_days(i, p)),
            used_mw: self.used_mw[p.0 as usize],
            commitment_pace_usd_per_day: pace,
        }
    }

    /// The providers among `mask` with room for `size_mw`, in file order.
    fn with_room(&self, mask: u64, size_mw: f64) -> impl Iterator<Item = usize> + '_ {
        providers_in(mask).filter(move |&p| self.has_room(p, size_mw))
    }

    /// Puts the candidates with room among `mask` into `into` (emptied first).
    fn candidates(&self, i: u32, now: f64, mask: u64, into: &mut Vec<Candidate>) {
        let size = self.world.needs[i as usize].size_mw;
        let lead_times = self.policy_reads_lead_times;
        into.clear();
        into.extend(
            (self.with_room(mask, size))
                .map(|p| self.candidate(i, ProviderId(p as u16), now, lead_times)),
        );
    }

    fn on_need(&mut self, now: f64, i: u32) {
        self.log(|s| {
            let class = &s.scenario.classes[s.world.needs[i as usize].class.0 as usize].id;
            let existing = if s.world.needs[i as usize].existing {
                " (in service at the start)"
            } else {
                ""
            };
            s.need_record(now, "need_arrives", i, format!("{class}{existing}"))
        });
        let mask = self.eligible(i);
        if !self.world.needs[i as usize].existing
            && let Some(term) = self.first_refusal(i, now, mask)
        {
            if let Some(outside) = self.outside_the_right(i, term, mask) {
                self.log(|s| {
                    let t = &s.scenario.terms[term.0 as usize];
                    let detail = format!(
                        "{}: capacity it leaves out (signed deals where it covers new capacity only, exempt providers) has room",
                        t.id
                    );
                    TraceRecord {
                        provider: t.holder,
                        ..s.need_record(now, "not_offered", i, detail)
                    }
                });
                if self.try_place(now, i, outside).is_some() {
                    return;
                }
            }
            self.outcome.fates[i as usize] = Fate::Offered;
            let TermKind::FirstRefusal {
                answer_window_days, ..
            } = &self.scenario.terms[term.0 as usize].kind
            else {
                unreachable!("first_refusal returns first-refusal terms")
            };
            let holder = self.scenario.terms[term.0 as usize].holder;
            let holder = holder.expect("validated: first refusal has a holder").0 as u64;
            let seed = stream_seed(
                self.world.needs[i as usize].seed,
                DRAW_ANSWER_WINDOW,
                holder,
            );
            let window = answer_window_days.sample_non_negative(&mut SmallRng::seed_from_u64(seed));
            self.outcome.offered.push(Offer {
                need: i,
                answer_day: now + window,
                term,
            });
            self.log(|s| {
                let t = &s.scenario.terms[term.0 as usize];
                let record = s.need_record(
                    now,
                    "offered",
                    i,
                    format!("{}: answer on day {:.1}", t.id, now + window),
                );
                TraceRecord {
                    provider: t.holder,
                    ..record
                }
            });
            if window > 0.0 {
                self.events
                    .schedule_at(now + window, Event::OfferAnswered { need: i, term });
            } else {
                self.on_answer(now, i, term);
            }
            return;
        }
        if self.try_place(now, i, mask).is_none() {
            self.start_waiting(now, i, 0);
        }
    }

    /// The holder answers: it takes the need if it has room and can deliver it before the need's
    /// patience runs out; else the lab looks elsewhere.
    fn on_answer(&mut self, now: f64, i: u32, term: TermId) {
        if self.outcome.fates[i as usize] != Fate::Offered {
            return; // the offer lapsed when the right ended (see `lapse_offers`)
        }
        let t = &self.scenario.terms[term.0 as usize];
        let holder = t.holder.expect("validated: first refusal has a holder");
        let TermKind::FirstRefusal { price_match, .. } = t.kind else {
            unreachable!("offers are made under first-refusal terms")
        };
        let size_mw = self.world.needs[i as usize].size_mw;
        let mask = self.eligible(i);
        let holder_bit = 1u64 << holder.0;
        let in_time = || now + self.world.lead_time_days(i, holder) < self.give_up_day(i);
        let able = mask & holder_bit != 0 && self.has_room(holder.0 as usize, size_mw);
        if able && in_time() {
            let mut offer = self.candidate(i, holder, now, false);
            if price_match {
                // The best price among the rivals allowed that have room.
                let rivals = mask & !holder_bit;
                let best_rival = (self.with_room(rivals, size_mw))
                    .map(|p| self.world.price_usd_per_mw_month(ProviderId(p as u16), now))
                    .fold(f64::INFINITY, f64::min);
                offer.price_usd_per_mw_month = offer.price_usd_per_mw_month.min(best_rival);
            }
            self.place(now, i, offer, Reason::FirstRefusal);
            self.outcome.rofr_accepts += 1;
            return;
        }
        self.outcome.rofr_declines += 1;
        self.log(|s| {
            let why = if mask & holder_bit == 0 {
                "the holder may not serve this need now".to_string()
            } else if !s.has_room(holder.0 as usize, size_mw) {
                format!(
                    "no room ({:.0} MW free)",
                    s.free_mw[holder.0 as usize].max(0.0)
                )
            } else {
                format!(
                    "cannot deliver in time (day {:.1}; the need is given up on day {:.1})",
                    now + s.world.lead_time_days(i, holder),
                    s.give_up_day(i)
                )
            };
            TraceRecord {
                provider: Some(holder),
                ..s.need_record(now, "offer_declined", i, why)
            }
        });
        // A need given up while the holder took its time is lost (`start_waiting` says so),
        // not handed to a rival after its patience ran out. Declined as too late, it waits for
        // a rival only: the holder, taking it when its room next changed, would deliver later.
        if self.give_up_day(i) <= now || self.try_place(now, i, mask & !holder_bit).is_none() {
            self.start_waiting(now, i, if able { holder_bit } else { 0 });
        }
    }

    /// Places need `i` with the policy's choice among `mask`; returns the choice, if any.
    fn try_place(&mut self, now: f64, i: u32, mask: u64) -> Option<Candidate> {
        if let Some(host) = self.host_by_class[class_index(self.world.needs[i as usize].class.0)] {
            // A provider's own work runs there or waits; no policy chooses for it.
            if mask & (1 << host.0) == 0
                || !self.has_room(host.0 as usize, self.world.needs[i as usize].size_mw)
            {
                return None;
            }
            let chosen = self.candidate(i, host, now, false);
            return Some(self.place(now, i, chosen, Reason::HostWork));
        }
        let mut candidates = std::mem::take(&mut self.candidates);
        self.candidates(i, now, mask, &mut candidates);
        // Nobody has room for two needs in five (they wait): then there is nothing to choose.
        let choice = (!candidates.is_empty()).then(|| {
            let total_used_mw = self.used_mw[..self.scenario.providers.len()].iter().sum();
            let size = self.world.needs[i as usize].size_mw;
            (self.policy.choose(size, total_used_mw, &candidates))
                .map(|(chosen, reason)| (candidates[chosen], reason))
        });
        self.candidates = candidates;
        let (chosen, reason) = choice.flatten()?;
        Some(self.place(now, i, chosen, reason))
    }

    /// Places need `i` with `chosen` and returns it with its lead time.
    fn place(&mut self, now: f64, i: u32, chosen: Candidate, reason: Reason) -> Candidate {
        let lead_time_days = (chosen.lead_time_days)
            .unwrap_or_else(|| self.world.lead_time_days(i, chosen.provider));
        let need = &self.world.needs[i as usize];
        let delivery_day = need.wanted_start_day.max(now + lead_time_days);
        let end_day = delivery_day + need.term_days;
        self.log(|s| TraceRecord {
            need: Some(i),
            provider: Some(chosen.provider),
            mw: need.size_mw,
            price_usd_per_mw_month: Some(chosen.price_usd_per_mw_month),
            start_day: Some(delivery_day),
            end_day: Some(end_day),
            detail: format!("{}; asked: {}", reason.name(), s.options(i, now)),
            ..TraceRecord::new(now, "placed")
        });
        let lease_index = self.outcome.leases.len() as u32;
        let p = chosen.provider.0 as usize;
        let lab = self.is_lab(need.class);
        *self.holding_mw(lab, p) += need.size_mw;
        self.update_free(p, now);
        // Outages and commitments concern the lab's leases only.
        if lab {
            let decided_from_day = (self.commitments_by_provider[p].iter())
                .map(|(_, c)| c.counts_leases_from_day)
                .filter(|&from| from <= now)
                .fold(f64::NEG_INFINITY, f64::max);
            self.running_by_provider[p].push(Running {
                delivery_day,
                end_day,
                size_mw: need.size_mw,
                price_usd_per_mw_month: chosen.price_usd_per_mw_month,
                revenue_usd_per_mw_month: self.world.revenue_usd_per_mw_month
                    [need.class.0 as usize],
                decision_day: now,
                decided_from_day,
                lease: lease_index,
            });
            for (_, c) in &self.commitments_by_provider[p] {
                self.contracted_usd[c.term.0 as usize] += c.counted_usd(
                    now,
                    (delivery_day, end_day),
                    chosen.price_usd_per_mw_month * need.size_mw,
                );
            }
        }
        self.outcome.leases.push(Lease {
            need: i,
            provider: chosen.provider,
            decision_day: now,
            delivery_day,
            end_day,
            size_mw: need.size_mw,
            price_usd_per_mw_month: chosen.price_usd_per_mw_month,
            reason,
        });
        self.outcome.fates[i as usize] = Fate::Served(lease_index);
        if end_day < self.horizon_days {
            self.events
                .schedule_at(end_day, Event::LeaseEnds(lease_index));
        }
        Candidate {
            lead_time_days: Some(lead_time_days),
            ..chosen
        }
    }

    /// The day waiting need `i` is given up.
    fn give_up_day(&self, i: u32) -> f64 {
        let need = &self.world.needs[i as usize];
        need.wanted_start_day + need.patience_days
    }

    /// Gives up waiting need `i`, found past its patience. Found late, not at its own event:
    /// a waiting need can only be placed when its queue is served, which looks first, and a
    /// patience event for each waiting need would be a fifth of all events.
    fn lose(&mut self, i: u32) {
        self.outcome.fates[i as usize] = Fate::Lost;
        let day = self.give_up_day(i);
        self.log(|s| s.need_record(day, "lost", i, "patience ran out".into()));
    }

    /// Puts need `i` in its waiting queue, barred from the providers in `barred` (a bit mask),
    /// or gives it up if its patience has run out.
    fn start_waiting(&mut self, now: f64, i: u32, barred: u64) {
        let need = &self.world.needs[i as usize];
        let give_up_day = self.give_up_day(i);
        if give_up_day <= now {
            self.outcome.fates[i as usize] = Fate::Lost;
            self.log(|s| s.need_record(now, "lost", i, "patience ran out before an answer".into()));
            return;
        }
        self.outcome.fates[i as usize] = Fate::Waiting;
        let entry = Waiting {
            need: i,
            class: need.class.0,
            size_mw: need.size_mw,
            give_up_day,
            barred,
        };
        self.waiting[self.queue_of(need.class.0 as usize)].push(entry);
        let smallest = &mut self.smallest_waiting_mw[class_index(need.class.0)];
        *smallest = smallest.min(need.size_mw);
        self.log(|s| {
            s.need_record(
                now,
                "waiting",
                i,
                format!(
                    "nobody allowed has room{}; asked: {}",
                    if barred == 0 {
                        ""
                    } else {
                        " but the holder, which cannot deliver in time"
                    },
                    s.options(i, now)
                ),
            )
        });
    }

    /// Places waiting needs after the providers in `changed` (a bit mask) gained room: the
    /// providers' own work first, then the lab's, each queue first come first served (a large
    /// need does not block smaller ones behind it). Only those providers need looking at:
    /// every waiting need found no room elsewhere when it last tried, and room elsewhere has
    /// only shrunk since, because every gain of room calls this.
    fn serve_waiting(&mut self, now: f64, changed: u64) {
        if self.waiting.iter().all(Vec::is_empty) {
            return;
        }
        // Half the time no waiting need of any class is as small as the most room gained:
        // that is told before measuring each class's room among the providers it may use.
        let mut most_gained_mw = f64::NEG_INFINITY;
        for p in providers_in(changed) {
            if self.free_mw[p] > most_gained_mw {
                most_gained_mw = self.free_mw[p];
            }
        }
        let room_mw = most_gained_mw + ROOM_TOLERANCE_MW;
        let smallest_mw = &self.smallest_waiting_mw[..self.classes];
        if smallest_mw.iter().all(|&smallest| room_mw < smallest) {
            return;
        }
        self.measure_room(u64::MAX, changed);
        for queue in 0..self.waiting.len() {
            if self.no_class_has_room() {
                return;
            }
            if !self.waiting[queue].is_empty() {
                self.serve_queue(now, changed, queue);
            }
        }
    }

    /// Whether no class has room for its smallest waiting need (a lower bound, so then no
    /// waiting need fits).
    fn no_class_has_room(&self) -> bool {
        (self.room_by_class_mw[..self.classes].iter())
            .zip(&self.smallest_waiting_mw)
            .all(|(room, smallest)| room < smallest)
    }

    /// The waiting queue of a class: 0 for a provider's own work, 1 for the lab's.
    fn queue_of(&self, class: usize) -> usize {
        usize::from(self.is_lab(ClassId(class as u16)))
    }

    /// Places what fits from waiting queue `queue`, in order; see `serve_waiting`.
    fn serve_queue(&mut self, now: f64, changed: u64, queue: usize) {
        let mut waiting = std::mem::take(&mut self.waiting[queue]);
        let mut smallest_seen = [f64::INFINITY; MAX_CLASSES];
        let mut kept = 0;
        let mut scanned = 0;
        loop {
            // Pass the needs that neither leave nor fit (most of them) in a loop that only
            // reads, then move them up as one run.
            let run_start = scanned;
            while let Some(entry) = waiting.get(scanned)
                && now < entry.give_up_day
                && self.room_by_class_mw[class_index(entry.class)] < entry.size_mw
            {
                keep_smaller(&mut smallest_seen[class_index(entry.class)], entry.size_mw);
                scanned += 1;
            }
            if kept != run_start {
                waiting.copy_within(run_start..scanned, kept);
            }
            kept += scanned - run_start;
            let Some(&entry) = waiting.get(scanned) else {
                break;
            };
            scanned += 1;
            if entry.give_up_day <= now {
                self.lose(entry.need);
                continue;
            }
            let class = class_index(entry.class);
            let allowed = self.eligible_by_class[class] & !entry.barred;
            if let Some(chosen) = self.try_place(now, entry.need, allowed) {
                // Only the chosen provider has less room now.
                self.measure_room(1 << chosen.provider.0, changed);
                if self.no_class_has_room() {
                    break;
                }
                continue;
            }
            waiting[kept] = entry;
            kept += 1;
            keep_smaller(&mut smallest_seen[class], entry.size_mw);
        }
        if scanned == waiting.len() {
            // A whole scan: the smallest waiting sizes of this queue's classes are known again.
            // Indexed: iterating over `smallest_seen` instead compiled to 0.1 M more
            // instructions a replication.
            #[allow(clippy::needless_range_loop)]
            for class in 0..self.classes {
                if self.queue_of(class) == queue {
                    self.smallest_waiting_mw[class] = smallest_seen[class];
                }
            }
        }
        waiting.copy_within(scanned.., kept);
        waiting.truncate(kept + waiting.len() - scanned);
        self.waiting[queue] = waiting;
    }

    /// Updates, for each class that may use a provider in `touched` (a bit mask), its most
    /// room (plus tolerance) among the providers in `gained` it may use; `NEG_INFINITY` if none.
    fn measure_room(&mut self, touched: u64, gained: u64) {
        let free_mw = &self.free_mw;
        let rooms = self.room_by_class_mw[..self.classes].iter_mut();
        if gained.is_power_of_two() {
            // One provider gained room (a capacity, a lease end, an outage end: nearly always):
            // its free MW is every class's room or none. Reading each gaining provider once for
            // all classes in the general case too cost 0.18 M instructions a replication more.
            let p = gained.trailing_zeros() as usize % MAX_PROVIDERS;
            let room_mw = free_mw[p] + ROOM_TOLERANCE_MW;
            for (room, &eligible) in rooms.zip(&self.eligible_by_class) {
                if eligible & touched != 0 {
                    *room = if eligible & gained != 0 {
                        room_mw
                    } else {
                        f64::NEG_INFINITY
                    };
                }
            }
            return;
        }
        for (room, &eligible) in rooms.zip(&self.eligible_by_class) {
            if eligible & touched == 0 {
                continue;
            }
            let mut most = f64::NEG_INFINITY;
            for p in providers_in(eligible & gained) {
                if free_mw[p] > most {
                    most = free_mw[p];
                }
            }
            *room = most + ROOM_TOLERANCE_MW;
        }
    }

    /// Takes part of a provider's capacity down and records what its running leases lose.
    fn on_outage(&mut self, now: f64, o: u32) {
        let outage = self.world.outages[o as usize];
        let p = outage.provider.0 as usize;
        // The outage takes its fraction of everything: of the running leases (their losses,
        // below) and of the free room. Room held by leases is not free, so only the free
        // room's part is taken from it; a lease placed during the outage is placed in room
        // that is up and loses nothing.
        let down = outage.fraction * self.free_mw[p].max(0.0);
        self.outage_down_mw[o as usize] = down;
        self.down_mw[p] += down;
        self.update_free(p, now);
        self.log(|s| TraceRecord {
            end_day: Some(outage.end_day),
            detail: format!(
                "{:.1}% of the capacity down: MW is the free room taken; running leases lose \
                 the same share",
                outage.fraction * 100.0
            ),
            ..s.provider_record(now, "outage_starts", outage.provider, down)
        });
        // The leases that lose the whole outage share one loss per range of decision days
        // that the provider's commitments tell apart (one loss where none is incremental).
        let mut wholes = std::mem::take(&mut self.whole_losses);
        let mut running = std::mem::take(&mut self.running_by_provider[p]);
        running.retain(|lease| lease.end_day > now);
        for lease in &running {
            // Nearly every running lease loses the whole outage: test that first.
            let whole = lease.delivery_day <= outage.start_day && outage.end_day <= lease.end_day;
            let (start_day, end_day) = if whole {
                (outage.start_day, outage.end_day)
            } else {
                (
                    lease.delivery_day.max(outage.start_day),
                    lease.end_day.min(outage.end_day),
                )
            };
            if end_day <= start_day {
                continue;
            }
            let mw = outage.fraction * lease.size_mw;
            self.log(|s| {
                let need = s.outcome.leases[lease.lease as usize].need;
                TraceRecord {
                    need: Some(need),
                    provider: Some(outage.provider),
                    mw,
                    price_usd_per_mw_month: Some(lease.price_usd_per_mw_month),
                    start_day: Some(start_day),
                    end_day: Some(end_day),
                    ..TraceRecord::new(now, "outage_loss")
                }
            });
            let loss = if whole {
                match (wholes.iter()).position(|w| w.decided_from_day == lease.decided_from_day) {
                    Some(w) => &mut wholes[w],
                    None => {
                        let whole = OutageLoss::new(
                            outage.provider,
                            start_day,
                            end_day,
                            lease.decided_from_day,
                        );
                        wholes.push(whole);
                        wholes.last_mut().expect("just pushed")
                    }
                }
            } else {
                let partial =
                    OutageLoss::new(outage.provider, start_day, end_day, lease.decision_day);
                self.outcome.losses.push(partial);
                self.outcome.losses.last_mut().expect("just pushed")
            };
            loss.take(
                mw,
                lease.price_usd_per_mw_month,
                lease.revenue_usd_per_mw_month,
            );
        }
        self.running_by_provider[p] = running;
        self.outcome.losses.append(&mut wholes);
        self.whole_losses = wholes;
        if outage.end_day < self.horizon_days {
            self.events
                .schedule_at(outage.end_day, Event::OutageEnds(o));
        }
    }
}

/// The index of class `class` in a `PerClass`. Classes are validated below `MAX_CLASSES`,
/// which the modulo (a bit mask) tells the compiler, so that a queue scan indexes per-class
/// arrays without bounds checks (two for each waiting need passed, about 5,000 a regime in
/// a replication).
#[inline]
fn class_index(class: u16) -> usize {
    usize::from(class) % MAX_CLASSES
}

/// Lowers `smallest` to `size_mw` if that is smaller. A select, not `f64::min` (sizes are never
/// NaN) nor a branch: a queue scan does this for every need it passes, and whether a size is the
/// smallest yet is a guess the processor often gets wrong (3% of the study's time, timed side by
/// side against the branch).
#[inline(always)]
fn keep_smaller(smallest: &mut f64, size_mw: f64) {
    *smallest = if size_mw < *smallest {
        size_mw
    } else {
        *smallest
    };
}

/// The providers in a bit mask, in file order (masks only hold bits of existing providers).
fn providers_in(mut mask: u64) -> impl Iterator<Item = usize> {
    std::iter::from_fn(move || {
        (mask != 0).then(|| {
            let p = mask.trailing_zeros() as usize;
            mask &= mask - 1;
            p
        })
    })
}

/// A first-refusal term of the regime with what an arriving need tests unpacked, so that the
/// test, made for every need, reads neither the scenario's terms nor their kinds.
#[derive(Debug, Clone, Copy)]
struct FirstRefusal {
    term: TermId,
    classes: ClassSet,
    /// The holder (a bit mask).
    holder: u64,
    start_day: f64,
    share_of_needs: f64,
}

/// The regime's first-refusal terms, in the regime's order.
fn first_refusals(scenario: &Scenario, regime: &Regime) -> Vec<FirstRefusal> {
    (regime.terms.iter().copied())
        .filter_map(|term| {
            let t = &scenario.terms[term.0 as usize];
            let TermKind::FirstRefusal { share_of_needs, .. } = t.kind else {
                return None;
            };
            Some(FirstRefusal {
                term,
                classes: t.classes,
                holder: 1 << t.holder.expect("validated: first refusal has a holder").0,
                start_day: t.start_day,
                share_of_needs,
            })
        })
        .collect()
}

/// Each commitment's window, `[start, min(deadline, horizon))`, as its holder's ∫ price dt at
/// either end (by scenario term index; other terms' entries are unused): that integral only
/// grows, so clamping a reading to these clips the room it values to the window.
fn free_room_windows(scenario: &Scenario, regime: &Regime, world: &World) -> Vec<(f64, f64)> {
    let mut windows = vec![(0.0, 0.0); scenario.terms.len()];
    for c in scenario.commitments(regime) {
        let (start, end) = c.window(scenario.calendar.horizon_days());
        let mut price = world.cumulative_price(c.holder);
        windows[c.term.0 as usize] = (price.at(start), price.at(end.max(start)));
    }
    windows
}

/// The regime's commitment terms, listed under their holders in the regime's order, each with
/// its place in `Scenario::commitments` order (which the accounting's sums are indexed by).
fn commitments_by_provider(
    scenario: &Scenario,
    regime: &Regime,
) -> PerProvider<Vec<(usize, Commitment)>> {
    let mut by_provider: PerProvider<Vec<(usize, Commitment)>> =
        std::array::from_fn(|_| Vec::new());
    for (c, commitment) in scenario.commitments(regime).enumerate() {
        by_provider[commitment.holder.0 as usize].push((c, commitment));
    }
    by_provider
}

impl TraceRecord {
    /// A record of `event` on `day` about no need or provider yet.
    fn new(day: f64, event: &'static str) -> Self {
        Self {
            day,
            event,
            need: None,
            provider: None,
            mw: 0.0,
            price_usd_per_mw_month: None,
            start_day: None,
            end_day: None,
            detail: String::new(),
        }
    }
}

#[cfg(test)]
mod tests;
