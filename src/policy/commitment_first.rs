//! Commitment pacing: buy from the holder of an unmet spend commitment first.

use super::{AllocationPolicy, Candidate, Reason, cheapest_index};

/// Chooses the candidate whose commitments need the fastest spending to be met by their
/// deadlines; with nothing owed, the cheapest.
#[derive(Debug, Clone, Copy)]
pub struct CommitmentFirst;

impl AllocationPolicy for CommitmentFirst {
    fn choose(
        &self,
        _size_mw: f64,
        _total_used_mw: f64,
        candidates: &[Candidate],
    ) -> Option<(usize, Reason)> {
        let owed = (0..candidates.len())
            .filter(|&i| candidates[i].commitment_pace_usd_per_day > 0.0)
            .max_by(|&a, &b| {
                candidates[a]
                    .commitment_pace_usd_per_day
                    .total_cmp(&candidates[b].commitment_pace_usd_per_day)
                    .then(candidates[b].provider.cmp(&candidates[a].provider))
            });
        match owed {
            Some(i) => Some((i, Reason::CommitmentPacing)),
            None => cheapest_index(candidates).map(|i| (i, Reason::Cheapest)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::candidate;

    #[test]
    fn prefers_the_holder_while_spend_is_owed_then_the_cheapest() {
        let owed = [
            candidate(0, 1.2, 0.0, 0.0, 5e9),
            candidate(1, 0.9, 0.0, 0.0, 0.0),
        ];
        assert_eq!(
            CommitmentFirst.choose(1.0, 0.0, &owed),
            Some((0, Reason::CommitmentPacing))
        );
        let met = [
            candidate(0, 1.2, 0.0, 0.0, 0.0),
            candidate(1, 0.9, 0.0, 0.0, 0.0),
        ];
        assert_eq!(
            CommitmentFirst.choose(1.0, 0.0, &met),
            Some((1, Reason::Cheapest))
        );
    }
}
