//! The provider that delivers soonest.

use super::{AllocationPolicy, Candidate, Reason};

/// Chooses the shortest lead time (ties: the cheaper, then file order).
#[derive(Debug, Clone, Copy)]
pub struct Fastest;

impl AllocationPolicy for Fastest {
    fn choose(
        &self,
        _size_mw: f64,
        _total_used_mw: f64,
        candidates: &[Candidate],
    ) -> Option<(usize, Reason)> {
        (0..candidates.len())
            .min_by(|&a, &b| {
                let (x, y) = (&candidates[a], &candidates[b]);
                let lead = |c: &Candidate| c.lead_time_days.expect("quoted: reads_lead_times");
                lead(x)
                    .total_cmp(&lead(y))
                    .then(
                        x.price_usd_per_mw_month
                            .total_cmp(&y.price_usd_per_mw_month),
                    )
                    .then(x.provider.cmp(&y.provider))
            })
            .map(|i| (i, Reason::Fastest))
    }

    fn reads_lead_times(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::candidate;

    #[test]
    fn picks_the_shortest_lead_time() {
        let c = [
            candidate(0, 0.8, 90.0, 0.0, 0.0),
            candidate(1, 1.2, 30.0, 0.0, 0.0),
        ];
        assert_eq!(Fastest.choose(1.0, 0.0, &c), Some((1, Reason::Fastest)));
    }
}
