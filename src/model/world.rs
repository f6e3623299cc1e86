//! One replication's random draws (demand, capacity slips, outages, prices, AGI dates),
//! made once and shared by every regime so that regimes are compared on the same world
//! (common random numbers).

use std::cell::{Cell, OnceCell};
use std::rc::Rc;

use rand::SeedableRng;
use rand::rngs::SmallRng;
use rand_distr::{Distribution, Exp1};

use super::{
    ClassId, DAYS_PER_YEAR, Dist, MAX_PROVIDERS, PerProvider, ProviderId, Scenario, TermKind,
    WorkloadClass,
};

/// Mixes a seed with a purpose tag and an index into an independent stream seed (SplitMix64).
pub fn stream_seed(seed: u64, purpose: u64, index: u64) -> u64 {
    let mut z = seed
        ^ purpose.wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ index.wrapping_mul(0xD1B5_4A32_D192_ED03);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Returns the seed of replication `replication` of a study with master seed `master_seed`.
pub fn replication_seed(master_seed: u64, replication: u64) -> u64 {
    stream_seed(master_seed, PURPOSE_REPLICATION, replication)
}

const PURPOSE_REPLICATION: u64 = 1;
const PURPOSE_DEMAND: u64 = 2;
const PURPOSE_CAPACITY: u64 = 3;
const PURPOSE_OUTAGES: u64 = 4;
const PURPOSE_PRICES: u64 = 5;
const PURPOSE_AGI: u64 = 6;
/// Per-need draws (lead times, answer windows).
pub const PURPOSE_NEED: u64 = 7;
/// Tags of a need's own streams: a lead time per provider, an answer window per first-refusal
/// holder (by holder, not term, so that regimes giving one holder the same right under
/// different terms draw the same window: their comparison stays paired).
const DRAW_LEAD_TIME: u64 = 1;
pub const DRAW_ANSWER_WINDOW: u64 = 2;
/// Tag of the draw that decides whether a first-refusal term with a share covers a need (per
/// holder, as the answer window).
pub const DRAW_COVERED: u64 = 3;

/// A capacity need, as drawn.
#[derive(Debug, Clone)]
pub struct Need {
    /// Workload class.
    pub class: ClassId,
    /// Day the need becomes known (and is offered or placed).
    pub arrival_day: f64,
    /// Day the lab wants it running.
    pub wanted_start_day: f64,
    /// MW.
    pub size_mw: f64,
    /// Days it holds capacity once delivered.
    pub term_days: f64,
    /// Days past its wanted start it waits before it is given up (may be infinite).
    pub patience_days: f64,
    /// Capacity already in service at the start: no offer, no lead time.
    pub existing: bool,
    /// Seed of this need's own draws during allocation, the same in every regime.
    pub seed: u64,
}

/// Capacity that comes online for the lab on a day.
#[derive(Debug, Clone, Copy)]
pub struct CapacityArrival {
    /// The provider.
    pub provider: ProviderId,
    /// Day online (after any slip).
    pub day: f64,
    /// MW available to the lab (tranche size × the provider's available share).
    pub mw: f64,
}

/// An outage as drawn.
#[derive(Debug, Clone, Copy)]
pub struct Outage {
    /// The provider.
    pub provider: ProviderId,
    /// First day down.
    pub start_day: f64,
    /// First day back up.
    pub end_day: f64,
    /// Fraction of the provider's capacity down.
    pub fraction: f64,
}

/// Everything random about one replication that does not depend on the regime.
#[derive(Debug, Clone)]
pub struct World {
    /// The replication's seed.
    pub seed: u64,
    /// Needs in arrival order (ties: class order, then draw order).
    pub needs: Vec<Need>,
    /// Capacity arrivals in day order.
    pub capacity: Vec<CapacityArrival>,
    /// Outages in start order.
    pub outages: Vec<Outage>,
    /// Each provider's price at day 0, USD per MW-month.
    pub price0_usd_per_mw_month: PerProvider<f64>,
    /// Each provider's price growth, ln(1 + trend) per day, during the market's shortage and
    /// on the long-run trend line; 0 at a contract price (an exponential is cheaper than a
    /// power on every quote).
    pub price_log_growth_per_day: PerProvider<[f64; 2]>,
    /// Day the shortage ends (the market's `shortage_until`).
    pub shortage_until_day: f64,
    /// Each class's revenue per MW-month served.
    pub revenue_usd_per_mw_month: Vec<f64>,
    /// For each term: the day an AGI clause takes effect (declaration plus verification);
    /// infinite for terms that are not AGI clauses.
    pub agi_effective_day: Vec<f64>,
    /// Each provider's lead-time distribution, for the draws below.
    lead_time_dists: Vec<Dist>,
    /// Each need's lead time at each provider (need-major), drawn when first asked for (NaN
    /// until then) and kept for every regime run on this world: a need is quoted by only a
    /// few providers, often many times. Made at the first quote, when the needs are final.
    /// Shared with the world of a variant whose needs and lead-time distributions are this
    /// world's, whose draws from the needs' own streams would come out the same.
    lead_times_days: Rc<OnceCell<Vec<Cell<f64>>>>,
    /// The last price growth factor computed, as (exponent, factor): quotes come in runs at one
    /// instant and the providers at the market price share its growth, so most reuse it.
    price_factor_memo: Cell<(f64, f64)>,
}

impl World {
    /// Draws the world of one replication.
    pub fn sample(scenario: &Scenario, seed: u64) -> Self {
        Self::from_parts(
            scenario,
            seed,
            draw_needs(scenario, seed, None),
            (draw_capacity(scenario, seed), draw_outages(scenario, seed)),
            draw_prices(scenario, seed),
        )
    }

    /// Draws the world of `variant`, a regime's variant of `scenario`, with the seed of `base`,
    /// `scenario`'s world: the parts whose inputs the variant leaves as they are would be drawn
    /// the same (each part, and each class's needs, has its own streams), so they are copied
    /// from `base`.
    pub fn sample_variant(variant: &Scenario, scenario: &Scenario, base: &World) -> Self {
        let seed = base.seed;
        let same_calendar = variant.calendar == scenario.calendar;
        let same_providers = same_calendar && variant.providers == scenario.providers;
        let same_needs = same_calendar && variant.classes == scenario.classes;
        let needs = if same_needs {
            (base.needs.clone(), base.revenue_usd_per_mw_month.clone())
        } else {
            draw_needs(variant, seed, same_calendar.then_some((scenario, base)))
        };
        let supply = if same_providers {
            (base.capacity.clone(), base.outages.clone())
        } else {
            (draw_capacity(variant, seed), draw_outages(variant, seed))
        };
        let prices = if same_providers && variant.market == scenario.market {
            (base.price0_usd_per_mw_month, base.price_log_growth_per_day)
        } else {
            draw_prices(variant, seed)
        };
        let mut world = Self::from_parts(variant, seed, needs, supply, prices);
        if same_needs && world.lead_time_dists == base.lead_time_dists {
            world.lead_times_days = Rc::clone(&base.lead_times_days);
        }
        world
    }

    /// The world of `scenario` from its larger parts, drawn or copied: needs with each class's
    /// revenue rate, capacity with outages, and prices; the rest is drawn or read here.
    fn from_parts(
        scenario: &Scenario,
        seed: u64,
        (needs, revenue_usd_per_mw_month): (Vec<Need>, Vec<f64>),
        (capacity, outages): (Vec<CapacityArrival>, Vec<Outage>),
        (price0_usd_per_mw_month, price_log_growth_per_day): (
            PerProvider<f64>,
            PerProvider<[f64; 2]>,
        ),
    ) -> Self {
        Self {
            seed,
            needs,
            capacity,
            outages,
            price0_usd_per_mw_month,
            price_log_growth_per_day,
            shortage_until_day: scenario.market.shortage_until_day,
            revenue_usd_per_mw_month,
            agi_effective_day: draw_agi_days(scenario, seed),
            lead_time_dists: lead_time_dists(scenario),
            lead_times_days: Rc::default(),
            price_factor_memo: Cell::new((f64::NAN, 1.0)),
        }
    }

    /// Returns need `need`'s lead time at `provider`, drawn from the need's own stream: the same
    /// in every regime. Inlined, as most calls find it drawn; the draw is out of line.
    #[inline]
    pub fn lead_time_days(&self, need: u32, provider: ProviderId) -> f64 {
        let providers = self.lead_time_dists.len();
        let memo = self
            .lead_times_days
            .get_or_init(|| vec![Cell::new(f64::NAN); self.needs.len() * providers]);
        let cell = &memo[need as usize * providers + provider.0 as usize];
        if cell.get().is_nan() {
            cell.set(self.draw_lead_time_days(need, provider));
        }
        cell.get()
    }

    /// Draws need `need`'s lead time at `provider` (see `lead_time_days`).
    #[inline(never)]
    fn draw_lead_time_days(&self, need: u32, provider: ProviderId) -> f64 {
        let need = &self.needs[need as usize];
        if need.existing {
            return 0.0;
        }
        let p = provider.0 as usize;
        let seed = stream_seed(need.seed, DRAW_LEAD_TIME, p as u64);
        self.lead_time_dists[p].sample_non_negative(&mut SmallRng::seed_from_u64(seed))
    }

    /// Returns provider `provider`'s ∫ price dt from day 0, to be read at days in order (see
    /// `CumulativePrice`).
    pub fn cumulative_price(&self, provider: ProviderId) -> CumulativePrice {
        let p = provider.0 as usize;
        let [during, trend] = self.price_log_growth_per_day[p];
        CumulativePrice {
            start_price: self.price0_usd_per_mw_month[p],
            trend,
            shortage_until_day: self.shortage_until_day,
            rate: during,
            price_over_rate: self.price0_usd_per_mw_month[p] / during,
            day: 0.0,
            factor: 1.0,
            segment_day: 0.0,
            segment_factor: 1.0,
            segment_usd_days: 0.0,
        }
    }

    /// Returns provider `provider`'s price on day `day`, USD per MW-month: from the start price
    /// on the shortage trend until the shortage ends, then on the long-run trend line from the
    /// start price, so the premium a shortage built goes with it.
    #[inline]
    pub fn price_usd_per_mw_month(&self, provider: ProviderId, day: f64) -> f64 {
        let p = provider.0 as usize;
        let growth = self.price_log_growth_per_day[p];
        if growth == [0.0, 0.0] {
            return self.price0_usd_per_mw_month[p]; // a contract price does not move
        }
        let [during, trend] = growth;
        let rate = if day < self.shortage_until_day {
            during
        } else {
            trend
        };
        let exponent = rate * day;
        let (memo_exponent, memo_factor) = self.price_factor_memo.get();
        let factor = if exponent == memo_exponent {
            memo_factor
        } else {
            let factor = exponent.exp();
            self.price_factor_memo.set((exponent, factor));
            factor
        };
        self.price0_usd_per_mw_month[p] * factor
    }
}

/// One provider's ∫₀ᵗ price dt (USD per MW-month × days), read at days in order: the price is
/// p₀·e^(r t) with r the shortage's rate until the shortage ends and the trend's after, so the
/// integral over a stretch of one rate is p₀·(e^(r b) − e^(r a))/r. Each reading moves e^(r t)
/// on by the step's own factor, from its series where the step is small: readings come at
/// the events that change a provider's free room, days apart, a thousand a replication, and an
/// exponential at each cost several percent of a study's time.
#[derive(Debug, Clone, Copy)]
pub struct CumulativePrice {
    start_price: f64,
    /// The rate after the shortage.
    trend: f64,
    shortage_until_day: f64,
    /// The rate of the stretch `day` is in, p₀ over it (multiplied, not divided, at each
    /// reading), and e^(rate · day).
    rate: f64,
    price_over_rate: f64,
    day: f64,
    factor: f64,
    /// Where that stretch began: its day, e^(rate · day) and the integral up to it.
    segment_day: f64,
    segment_factor: f64,
    segment_usd_days: f64,
}

impl CumulativePrice {
    /// Returns ∫₀^day price dt. Days must not decrease from one reading to the next.
    #[inline]
    pub fn at(&mut self, day: f64) -> f64 {
        debug_assert!(day >= self.day, "read in order: {day} after {}", self.day);
        if self.rate == 0.0 && self.trend == 0.0 {
            return self.start_price * day; // a contract price, which does not move
        }
        if self.day < self.shortage_until_day && day >= self.shortage_until_day {
            // Into the trend's stretch, which starts from p₀ on its own line.
            let end = self.shortage_until_day;
            self.advance(end);
            self.segment_usd_days = self.integral();
            self.rate = self.trend;
            self.price_over_rate = self.start_price / self.trend;
            self.factor = (self.rate * end).exp();
            (self.segment_day, self.segment_factor) = (end, self.factor);
        }
        self.advance(day);
        self.integral()
    }

    fn advance(&mut self, day: f64) {
        let x = self.rate * (day - self.day);
        // e^x to within 1.5e-15 relative below 0.01 (the next term, x⁶/720, is smaller), by
        // multiplications alone: a division in the chain doubled the reading's time.
        const SIXTH: f64 = 1.0 / 6.0;
        const TWENTY_FOURTH: f64 = 1.0 / 24.0;
        const HUNDRED_TWENTIETH: f64 = 1.0 / 120.0;
        self.factor *= if x.abs() < 0.01 {
            1.0 + x * (1.0 + x * (0.5 + x * (SIXTH + x * (TWENTY_FOURTH + x * HUNDRED_TWENTIETH))))
        } else {
            x.exp()
        };
        self.day = day;
    }

    fn integral(&self) -> f64 {
        let stretch = if self.rate == 0.0 {
            self.start_price * (self.day - self.segment_day)
        } else {
            (self.factor - self.segment_factor) * self.price_over_rate
        };
        self.segment_usd_days + stretch
    }
}

/// Each provider's lead-time distribution.
fn lead_time_dists(scenario: &Scenario) -> Vec<Dist> {
    scenario
        .providers
        .iter()
        .map(|p| p.lead_time_days)
        .collect()
}

/// Each provider's price at the start and its log growth per day (see
/// `World::price_log_growth_per_day`).
fn draw_prices(scenario: &Scenario, seed: u64) -> (PerProvider<f64>, PerProvider<[f64; 2]>) {
    let mut price_rng = SmallRng::seed_from_u64(stream_seed(seed, PURPOSE_PRICES, 0));
    let market_price = scenario
        .market
        .price_usd_per_mw_month
        .sample_non_negative(&mut price_rng);
    // A trend of −100% or less makes prices vanish (ln of the smallest positive number,
    // not of 0, so that a price stays a finite number).
    let log_growth = |trend: f64| (1.0 + trend).max(f64::MIN_POSITIVE).ln() / DAYS_PER_YEAR;
    let market_growth = log_growth(scenario.market.price_trend_per_year.sample(&mut price_rng));
    // Its own stream, so adding a shortage leaves every other draw as it was.
    let mut shortage_rng = SmallRng::seed_from_u64(stream_seed(seed, PURPOSE_PRICES, 1));
    let shortage_growth = log_growth(
        scenario
            .market
            .shortage_trend_per_year
            .sample(&mut shortage_rng),
    );
    let mut prices = ([0.0; MAX_PROVIDERS], [[0.0; 2]; MAX_PROVIDERS]);
    for (p, provider) in scenario.providers.iter().enumerate() {
        // Both draws are made for every provider, so streams stay aligned across variants.
        let premium = provider.price_premium.sample(&mut price_rng);
        let contract = provider
            .contract_price_usd_per_mw_month
            .map(|d| d.sample_non_negative(&mut price_rng));
        (prices.0[p], prices.1[p]) = match contract {
            Some(price) => (price, [0.0, 0.0]),
            None => (
                market_price * (1.0 + premium).max(0.0),
                [shortage_growth, market_growth],
            ),
        };
    }
    prices
}

/// Capacity arrivals in day order.
fn draw_capacity(scenario: &Scenario, seed: u64) -> Vec<CapacityArrival> {
    let horizon = scenario.calendar.horizon_days();
    let mut capacity = Vec::new();
    for (index, provider) in scenario.providers.iter().enumerate() {
        let mut rng = SmallRng::seed_from_u64(stream_seed(seed, PURPOSE_CAPACITY, index as u64));
        let share = provider.share_available.sample(&mut rng).clamp(0.0, 1.0);
        let build_delay = provider.build_delay_days.sample_non_negative(&mut rng);
        for tranche in &provider.tranches {
            let late = rand::RngExt::random_bool(&mut rng, tranche.slip_probability);
            let slip = tranche.slip_days.sample_non_negative(&mut rng);
            // Capacity already online at the start is not delayed; later tranches are.
            let delay = if tranche.online_day > 0.0 {
                build_delay
            } else {
                0.0
            };
            let day = tranche.online_day.max(0.0) + delay + if late { slip } else { 0.0 };
            if day < horizon {
                capacity.push(CapacityArrival {
                    provider: ProviderId(index as u16),
                    day,
                    mw: tranche.size_mw * share,
                });
            }
        }
    }
    capacity.sort_by(|a, b| a.day.total_cmp(&b.day).then(a.provider.cmp(&b.provider)));
    capacity
}

/// Outages in start order.
fn draw_outages(scenario: &Scenario, seed: u64) -> Vec<Outage> {
    let horizon = scenario.calendar.horizon_days();
    let mut outages = Vec::new();
    for (index, provider) in scenario.providers.iter().enumerate() {
        let Some(process) = &provider.outages else {
            continue;
        };
        if process.per_year <= 0.0 {
            continue;
        }
        let mut rng = SmallRng::seed_from_u64(stream_seed(seed, PURPOSE_OUTAGES, index as u64));
        let mut day = 0.0;
        loop {
            let gap: f64 = Exp1.sample(&mut rng);
            day += gap * DAYS_PER_YEAR / process.per_year;
            if day >= horizon {
                break;
            }
            let duration = process.duration_days.sample_non_negative(&mut rng);
            let fraction = process.fraction.sample(&mut rng).clamp(0.0, 1.0);
            outages.push(Outage {
                provider: ProviderId(index as u16),
                start_day: day,
                end_day: day + duration,
                fraction,
            });
        }
    }
    outages.sort_by(|a, b| {
        a.start_day
            .total_cmp(&b.start_day)
            .then(a.provider.cmp(&b.provider))
    });
    outages
}

/// Needs in arrival order, and each class's revenue per MW-month. A class that `base`'s
/// scenario has as it is, at the same index, is copied from `base`, a world of the same seed
/// and calendar: its own stream would draw it the same.
fn draw_needs(
    scenario: &Scenario,
    seed: u64,
    base: Option<(&Scenario, &World)>,
) -> (Vec<Need>, Vec<f64>) {
    let horizon = scenario.calendar.horizon_days();
    let (runs, revenue_usd_per_mw_month): (Vec<_>, _) = (scenario.classes.iter().enumerate())
        .map(|(index, class)| {
            let class_id = ClassId(index as u16);
            match base {
                Some((base_scenario, base)) if base_scenario.classes.get(index) == Some(class) => {
                    let needs = base.needs.iter().filter(|need| need.class == class_id);
                    (
                        needs.cloned().collect(),
                        base.revenue_usd_per_mw_month[index],
                    )
                }
                _ => draw_class_needs(class, class_id, seed, horizon),
            }
        })
        .unzip();
    (merge_by_arrival(&runs), revenue_usd_per_mw_month)
}

/// One class's needs in arrival order (those in service at the start first, then the new ones
/// as drawn), and its revenue per MW-month, from the class's own stream.
fn draw_class_needs(
    class: &WorkloadClass,
    class_id: ClassId,
    seed: u64,
    horizon: f64,
) -> (Vec<Need>, f64) {
    let mut needs = Vec::new();
    let mut rng = SmallRng::seed_from_u64(stream_seed(seed, PURPOSE_DEMAND, u64::from(class_id.0)));
    let arrival_growth = class.arrivals_growth_per_year.sample(&mut rng).max(1e-9);
    let size_growth = class.size_growth_per_year.sample(&mut rng).max(1e-9);
    let revenue_usd_per_mw_month = class.revenue_usd_per_mw_month.sample_non_negative(&mut rng);
    let draw_need = |rng: &mut SmallRng, arrival_day: f64, existing: bool| {
        let years = arrival_day / DAYS_PER_YEAR;
        let size_mw = class.size_mw.sample_non_negative(rng) * size_growth.powf(years);
        let term_days = class.term_days.sample_non_negative(rng);
        let notice = if existing {
            0.0
        } else {
            class.notice_days.sample_non_negative(rng)
        };
        let patience_days = class.patience_days.sample_non_negative(rng);
        let seed = stream_seed(seed, PURPOSE_NEED, rand::Rng::next_u64(rng));
        Need {
            class: class_id,
            arrival_day,
            wanted_start_day: arrival_day + notice,
            size_mw,
            term_days,
            patience_days,
            existing,
            seed,
        }
    };
    // The capacity in service at the start: needs already running, whose remaining
    // terms are spread uniformly over a full term.
    let mut existing_mw = 0.0;
    while class.initial_mw - existing_mw > class.initial_mw * 1e-9 {
        let mut need = draw_need(&mut rng, 0.0, true);
        if need.size_mw <= 0.0 {
            break; // a size distribution stuck at zero cannot fill it
        }
        need.size_mw = need.size_mw.min(class.initial_mw - existing_mw);
        need.term_days *= rand::RngExt::random::<f64>(&mut rng);
        existing_mw += need.size_mw;
        if need.size_mw > 0.0 && need.term_days > 0.0 {
            needs.push(need);
        }
    }
    // New needs: a Poisson process whose rate grows by `arrival_growth` a year,
    // drawn by inverting its cumulative intensity Λ(y) = r (g^y − 1) / ln g.
    if class.arrivals_per_year > 0.0 {
        let ln_g = arrival_growth.ln();
        let mut cumulative = 0.0;
        loop {
            let step: f64 = Exp1.sample(&mut rng);
            cumulative += step;
            let years = if ln_g.abs() < 1e-12 {
                cumulative / class.arrivals_per_year
            } else {
                let inner = 1.0 + cumulative * ln_g / class.arrivals_per_year;
                if inner <= 0.0 {
                    break; // a shrinking rate whose total intensity is exhausted
                }
                inner.ln() / ln_g
            };
            let day = years * DAYS_PER_YEAR;
            if day >= horizon {
                break;
            }
            let need = draw_need(&mut rng, day, false);
            if need.wanted_start_day < horizon && need.size_mw > 0.0 && need.term_days > 0.0 {
                needs.push(need);
            }
        }
    }
    // Arrivals follow the cumulative intensity, which only grows, but a logarithm's rounding
    // is not promised to be monotone. A stable sort of a list already in order is one pass.
    needs.sort_by(|a, b| a.arrival_day.total_cmp(&b.arrival_day));
    (needs, revenue_usd_per_mw_month)
}

/// Merges runs each in arrival order into one, ties going to the earlier run: a stable sort
/// of their concatenation (by `f64::total_cmp`), in one pass that takes the earliest of the
/// runs' next needs (a run per class, so few to compare). Arrival days are never negative but
/// for a −0 that rounding could make, so their bits read as signed integers order them as
/// `total_cmp` does, more cheaply.
fn merge_by_arrival(runs: &[Vec<Need>]) -> Vec<Need> {
    let mut merged = Vec::with_capacity(runs.iter().map(Vec::len).sum());
    let mut rest: Vec<&[Need]> = runs.iter().map(Vec::as_slice).collect();
    while let Some(run) = (rest.iter_mut())
        .filter(|run| !run.is_empty())
        .min_by_key(|run| run[0].arrival_day.to_bits() as i64)
    {
        merged.push(run[0].clone());
        *run = &run[1..];
    }
    merged
}

/// For each term, the day an AGI clause takes effect; infinite for other terms. Every clause
/// draws its declaration from the same random stream, so that in a replication the board's and
/// the panel's clauses see AGI at the same moment (where their distributions agree) and regimes
/// compare paired; each verification has a stream of its own.
fn draw_agi_days(scenario: &Scenario, seed: u64) -> Vec<f64> {
    let rng = |stream: u64| SmallRng::seed_from_u64(stream_seed(seed, PURPOSE_AGI, stream));
    (scenario.terms.iter().enumerate())
        .map(|(t, term)| match &term.kind {
            TermKind::AgiClause {
                declared_day,
                verification_days,
                ..
            } => {
                declared_day.sample_non_negative(&mut rng(0))
                    + verification_days.sample_non_negative(&mut rng(1 + t as u64))
            }
            _ => f64::INFINITY,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::load_str;

    #[test]
    fn prices_follow_the_shortage_then_return_to_the_trend_line() {
        let scenario = load_str(
            r#"
[scenario]
name = "prices"
start = 2025-01-01
end = 2028-01-01
incumbent = "azure"
baseline = "r"
[market]
price_usd_per_mw_month = 1.0e6
shortage_trend_per_year = 0.3
shortage_until = 2026-01-01
price_trend_per_year = -0.2
[providers.azure]
name = "Azure"
price_premium = 0.1
[providers.oracle]
name = "Oracle"
contract_price_usd_per_mw_month = 1.1e6
[demand.api]
arrivals_per_year = 0
size_mw = 1
term_days = 1
[regimes.r]
terms = []
policy = "cheapest"
"#,
            "prices",
            &[],
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let world = World::sample(&scenario, 1);
        let azure = |day: f64| world.price_usd_per_mw_month(ProviderId(0), day);
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-6 * b;
        // 2026-01-01 is day 365: +30% a year until then; from then on the −20% a year trend
        // line from the start price, the shortage's premium gone.
        let year = 365.0 / DAYS_PER_YEAR;
        assert!(close(azure(0.0), 1.1e6));
        assert!(close(
            azure(364.0),
            1.1e6 * 1.3f64.powf(364.0 / DAYS_PER_YEAR)
        ));
        assert!(close(azure(365.0), 1.1e6 * 0.8f64.powf(year)));
        assert!(close(azure(730.0), 1.1e6 * 0.8f64.powf(2.0 * year)));
        // A signed deal's price does not move.
        assert_eq!(world.price_usd_per_mw_month(ProviderId(1), 900.0), 1.1e6);
        // The price's integral across the shortage's end, from the closed forms of each side:
        // ∫ p₀·gᵗ dt = p₀·(gᵇ − gᵃ)/ln g, t in years; the jump back to the line is at day 365.
        let (from, to) = (200.0, 500.0);
        let side = |g: f64, a: f64, b: f64| {
            1.1e6 * DAYS_PER_YEAR * (g.powf(b / DAYS_PER_YEAR) - g.powf(a / DAYS_PER_YEAR)) / g.ln()
        };
        let expected = side(1.3, from, 365.0) + side(0.8, 365.0, to);
        // Read a day at a time (the short series) and in one leap (the exponential).
        let mut daily = world.cumulative_price(ProviderId(0));
        let start = daily.at(from);
        let by_day = (from as u32 + 1..=to as u32)
            .map(|day| daily.at(day as f64))
            .last();
        assert!(close(by_day.unwrap() - start, expected));
        let mut leap = world.cumulative_price(ProviderId(0));
        let start = leap.at(from);
        assert!(close(leap.at(to) - start, expected));
        let mut deal = world.cumulative_price(ProviderId(1));
        assert_eq!(deal.at(900.0), 1.1e6 * 900.0);
    }

    #[test]
    fn the_board_and_the_panel_see_agi_on_the_same_day() {
        // Same declaration distribution in the default data: the panel's clause takes effect
        // its verification (90–365 days) after the board's, in every replication.
        let scenario = load_str(crate::scenario::DEFAULT_SCENARIO, "default", &[])
            .unwrap_or_else(|e| panic!("{e}"));
        let term = |id: &str| scenario.terms.iter().position(|t| t.id == id).unwrap();
        let (board, panel) = (term("agi_board"), term("agi_panel"));
        for seed in 0..50 {
            let days = World::sample(&scenario, seed).agi_effective_day;
            let verification = days[panel] - days[board];
            assert!(
                (90.0..=365.0).contains(&verification),
                "seed {seed}: board {} panel {}",
                days[board],
                days[panel]
            );
        }
    }

    #[test]
    fn a_variant_world_copies_only_what_its_fields_leave_as_drawn() {
        // The default scenario's variants change Azure's build-out (needs copied, capacity
        // drawn, lead times shared) and demand growth (capacity, outages and prices copied,
        // needs drawn).
        let scenario = load_str(crate::scenario::DEFAULT_SCENARIO, "default", &[])
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(scenario.variants.len() >= 2);
        let providers = (0..scenario.providers.len() as u16).map(ProviderId);
        for seed in [1, 2, 3] {
            let base = World::sample(&scenario, seed);
            let mut sharing = 0;
            for variant in &scenario.variants {
                let shared = World::sample_variant(variant, &scenario, &base);
                let drawn = World::sample(variant, seed);
                assert_eq!(format!("{shared:?}"), format!("{drawn:?}"));
                sharing += usize::from(Rc::ptr_eq(&shared.lead_times_days, &base.lead_times_days));
                // Lead times drawn on the base world first, where they are shared.
                for need in (0..shared.needs.len() as u32).step_by(7) {
                    for provider in providers.clone() {
                        if need < base.needs.len() as u32 {
                            base.lead_time_days(need, provider);
                        }
                        assert_eq!(
                            shared.lead_time_days(need, provider),
                            drawn.lead_time_days(need, provider)
                        );
                    }
                }
            }
            assert_eq!(
                sharing, 1,
                "the build-out variant shares the base's lead times"
            );
        }
    }
}
