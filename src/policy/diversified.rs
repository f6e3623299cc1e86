//! Diversification: no provider above a share of the lab's capacity while others have room.

use super::{AllocationPolicy, Candidate, Reason, cheapest_index};

/// Chooses the cheapest candidate whose share of the lab's MW stays at or under `max_share`
/// after taking the need; when every candidate would exceed it, the cheapest of all.
#[derive(Debug, Clone, Copy)]
pub struct Diversified {
    /// Largest share (0..1) of the lab's MW one provider may hold.
    pub max_share: f64,
}

impl AllocationPolicy for Diversified {
    fn choose(
        &self,
        size_mw: f64,
        total_used_mw: f64,
        candidates: &[Candidate],
    ) -> Option<(usize, Reason)> {
        let total_after = total_used_mw + size_mw;
        let under_cap: Vec<usize> = (0..candidates.len())
            .filter(|&i| (candidates[i].used_mw + size_mw) <= self.max_share * total_after)
            .collect();
        let pool: Vec<Candidate> = under_cap.iter().map(|&i| candidates[i]).collect();
        match cheapest_index(&pool) {
            Some(j) => Some((under_cap[j], Reason::ShareCap)),
            None => cheapest_index(candidates).map(|i| (i, Reason::Cheapest)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::candidate;

    #[test]
    fn skips_a_provider_that_would_pass_the_cap() {
        // The lab holds 100 MW: 60 at provider 0 (cheap), 40 at provider 1. A 10 MW need at
        // provider 0 makes 70 / 110 = 64% > 50%; at provider 1, 50 / 110 = 45%: provider 1.
        let c = [
            candidate(0, 0.8, 0.0, 60.0, 0.0),
            candidate(1, 1.0, 0.0, 40.0, 0.0),
        ];
        let rule = Diversified { max_share: 0.5 };
        assert_eq!(rule.choose(10.0, 100.0, &c), Some((1, Reason::ShareCap)));
    }

    #[test]
    fn falls_back_to_the_cheapest_when_all_exceed_the_cap() {
        let c = [candidate(0, 0.8, 0.0, 0.0, 0.0)];
        assert_eq!(
            Diversified { max_share: 0.5 }.choose(10.0, 0.0, &c),
            Some((0, Reason::Cheapest))
        );
    }
}
