//! The cheapest provider with room.

use super::{AllocationPolicy, Candidate, Reason, cheapest_index};

/// Chooses the lowest price per MW-month.
#[derive(Debug, Clone, Copy)]
pub struct Cheapest;

impl AllocationPolicy for Cheapest {
    fn choose(
        &self,
        _size_mw: f64,
        _total_used_mw: f64,
        candidates: &[Candidate],
    ) -> Option<(usize, Reason)> {
        cheapest_index(candidates).map(|i| (i, Reason::Cheapest))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::candidate;

    #[test]
    fn picks_the_lowest_price_and_breaks_ties_by_file_order() {
        let c = [
            candidate(2, 1.0, 0.0, 0.0, 0.0),
            candidate(1, 0.9, 0.0, 0.0, 0.0),
            candidate(0, 0.9, 0.0, 0.0, 0.0),
        ];
        assert_eq!(Cheapest.choose(1.0, 0.0, &c), Some((2, Reason::Cheapest)));
        assert_eq!(Cheapest.choose(1.0, 0.0, &[]), None);
    }
}
