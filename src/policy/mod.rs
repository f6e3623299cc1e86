//! Allocation policies: how the lab chooses among the providers the regime allows and that
//! have room. One rule a file, behind one trait; the regime names the rule as data.

mod cheapest;
mod commitment_first;
mod diversified;
mod fastest;

pub use cheapest::Cheapest;
pub use commitment_first::CommitmentFirst;
pub use diversified::Diversified;
pub use fastest::Fastest;

use crate::model::{PolicyKind, ProviderId};

/// A provider that may take the need now, as the policy sees it.
#[derive(Debug, Clone, Copy)]
pub struct Candidate {
    /// The provider.
    pub provider: ProviderId,
    /// Price the lab would lock in, USD per MW-month.
    pub price_usd_per_mw_month: f64,
    /// Days until delivery if ordered now; quoted only to a policy that reads lead times
    /// (`AllocationPolicy::reads_lead_times`), because drawing them is most of a quote's cost.
    pub lead_time_days: Option<f64>,
    /// MW the lab currently holds with this provider.
    pub used_mw: f64,
    /// Spend rate needed to meet this provider's active commitments by their deadlines:
    /// Σ (amount not yet contracted) / (days left), USD a day (0 if none is owed).
    pub commitment_pace_usd_per_day: f64,
}

/// Why a provider was chosen; written in traces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// It was the cheapest.
    Cheapest,
    /// It delivers soonest.
    Fastest,
    /// It holds a commitment the lab has not yet met.
    CommitmentPacing,
    /// The cheapest among those under the share cap.
    ShareCap,
    /// The holder of a right of first refusal (or ship-first term) took it.
    FirstRefusal,
    /// A provider's own work, which runs only at that provider.
    HostWork,
}

impl Reason {
    /// Returns the reason as written in traces.
    pub fn name(self) -> &'static str {
        match self {
            Reason::Cheapest => "cheapest",
            Reason::Fastest => "fastest",
            Reason::CommitmentPacing => "commitment pacing",
            Reason::ShareCap => "cheapest under the share cap",
            Reason::FirstRefusal => "first refusal: the holder took it",
            Reason::HostWork => "the provider's own work",
        }
    }
}

/// A rule that chooses among candidates (all eligible and with room).
pub trait AllocationPolicy: Sync {
    /// Returns the index of the chosen candidate and why, or `None` when `candidates` is empty.
    /// `total_used_mw` is the MW the lab holds across all providers before this need.
    fn choose(
        &self,
        size_mw: f64,
        total_used_mw: f64,
        candidates: &[Candidate],
    ) -> Option<(usize, Reason)>;

    /// Whether `choose` reads the candidates' lead times (otherwise they are `None`).
    fn reads_lead_times(&self) -> bool {
        false
    }
}

/// Returns the policy a regime names.
pub fn for_kind(kind: PolicyKind) -> Box<dyn AllocationPolicy> {
    match kind {
        PolicyKind::Cheapest => Box::new(Cheapest),
        PolicyKind::Fastest => Box::new(Fastest),
        PolicyKind::CommitmentFirst => Box::new(CommitmentFirst),
        PolicyKind::Diversified { max_share } => Box::new(Diversified { max_share }),
    }
}

/// Returns the index of the cheapest candidate (ties: the earlier provider in file order).
pub(crate) fn cheapest_index(candidates: &[Candidate]) -> Option<usize> {
    (0..candidates.len()).min_by(|&a, &b| {
        candidates[a]
            .price_usd_per_mw_month
            .total_cmp(&candidates[b].price_usd_per_mw_month)
            .then(candidates[a].provider.cmp(&candidates[b].provider))
    })
}

#[cfg(test)]
pub(crate) fn candidate(provider: u16, price: f64, lead: f64, used: f64, owed: f64) -> Candidate {
    Candidate {
        provider: ProviderId(provider),
        price_usd_per_mw_month: price,
        lead_time_days: Some(lead),
        used_mw: used,
        commitment_pace_usd_per_day: owed,
    }
}
