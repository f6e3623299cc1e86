//! A mergeable percentile sketch with log-linear buckets: each power of two is cut into 64
//! equal buckets, so a value's bucket is the top bits of its float representation (exponent
//! and six bits of mantissa), found without a logarithm.
//!
//! Why not the DDSketch crate this replaced: its logarithm per value was 9% of a whole study's
//! instructions (22,000 monthly cells a replication). The buckets here are as mergeable
//! (integer counts, merged bucket by bucket) and their error bound is tighter: a bucket
//! `[a, b)` reports `2ab / (a + b)`, within `(b − a) / (b + a)` of any value in it, at most
//! 1/129 ≈ 0.78% (at the bottom of each power of two, where buckets are widest relative to
//! their values).

use serde::{Deserialize, Serialize};

/// Bits of mantissa kept in a bucket key: 2⁶ = 64 buckets per power of two.
const MANTISSA_BITS: u32 = 6;
/// Mantissa bits dropped to form a key.
const DROPPED_BITS: u32 = f64::MANTISSA_DIGITS - 1 - MANTISSA_BITS;
/// Largest relative error of a reported bucket value: (b − a) / (b + a) with b = a · (1 + 1/64),
/// i.e. 1/129.
pub const RELATIVE_ERROR: f64 = 1.0 / ((2u32 << MANTISSA_BITS) + 1) as f64;
/// Magnitudes below this are counted as zero (no monthly value of interest is this small).
const ZERO_BELOW: f64 = 1e-4;

/// Counts of values by bucket, over a contiguous range of keys: the whole powers of two from
/// the smallest key seen to the largest, so the range, like the counts, does not depend on the
/// order values or merges arrive in.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Buckets {
    /// Key of `counts[0]`.
    first_key: u32,
    /// 32-bit, half the memory of 64-bit counts; `stats::MAX_VALUES` keeps them from overflowing.
    counts: Vec<u32>,
}

impl Buckets {
    #[inline]
    fn add(&mut self, key: u32, count: u32) {
        let index = key.wrapping_sub(self.first_key) as usize;
        match self.counts.get_mut(index) {
            Some(slot) => *slot += count,
            None => {
                self.cover(key);
                self.counts[(key - self.first_key) as usize] += count;
            }
        }
    }

    /// Widens the range to take in `key`, a whole power of two at a time (each power of two's
    /// buckets share a key prefix), so that a range grows a few times, not at every new key.
    #[cold]
    fn cover(&mut self, key: u32) {
        const BLOCK: u32 = 1 << MANTISSA_BITS;
        let block_start = key & !(BLOCK - 1);
        if self.counts.is_empty() {
            self.first_key = block_start;
            self.counts.resize(BLOCK as usize, 0);
        } else if key < self.first_key {
            let added = (self.first_key - block_start) as usize;
            self.counts.splice(0..0, std::iter::repeat_n(0, added));
            self.first_key = block_start;
        } else {
            self.counts
                .resize((block_start + BLOCK - self.first_key) as usize, 0);
        }
    }

    fn merge(&mut self, other: &Buckets) {
        for (offset, &count) in other.counts.iter().enumerate() {
            if count > 0 {
                self.add(other.first_key + offset as u32, count);
            }
        }
    }

    /// Returns the key of the bucket holding the value `skip` places from the smallest key
    /// up (`ascending`) or from the largest down, or `skip` less this range's count when it
    /// holds fewer values. A sketch has hundreds of buckets, mostly empty: whole blocks of them
    /// are passed by their sums (a vectorised add), and only the block holding the value is
    /// searched bucket by bucket.
    fn find(&self, skip: u64, ascending: bool) -> Result<u32, u64> {
        /// Buckets summed at a time; divides the 64 of a power of two, so blocks are whole.
        const BLOCK: usize = 16;
        let mut skip = skip;
        let mut holds = |(_, block): &(usize, &[u32])| {
            // No overflow: a whole range counts at most `stats::MAX_VALUES`.
            let count = u64::from(block.iter().sum::<u32>());
            if skip < count {
                return true;
            }
            skip -= count;
            false
        };
        let mut blocks = self.counts.chunks(BLOCK).enumerate();
        let found = if ascending {
            blocks.find(&mut holds)
        } else {
            blocks.rfind(&mut holds)
        };
        let (index, block) = found.ok_or(skip)?;
        let mut visit = |(offset, &count): (usize, &u32)| {
            if skip < u64::from(count) {
                return Some(self.first_key + (index * BLOCK + offset) as u32);
            }
            skip -= u64::from(count);
            None
        };
        let key = if ascending {
            block.iter().enumerate().find_map(&mut visit)
        } else {
            block.iter().enumerate().rev().find_map(&mut visit)
        };
        Ok(key.expect("the block holds more values than it passes"))
    }
}

/// The bucket key of a magnitude: its float bits without the sign and the dropped mantissa
/// bits. Positive floats order as their bits do, so keys order as the magnitudes.
#[inline]
fn key(magnitude: f64) -> u32 {
    (magnitude.to_bits() >> DROPPED_BITS) as u32
}

/// Returns `value`: a call that marks the branch to a new minimum or maximum as unlikely
/// (`std::hint::cold_path` is too new for the supported Rust), so the compiler lays it out as
/// a jump taken rarely instead of a select computed for every value.
#[cold]
#[inline(never)]
fn new_extreme(value: f64) -> f64 {
    value
}

/// The value a bucket reports: the harmonic mean of its bounds, equally far in relative terms
/// from both ends.
fn bucket_value(key: u32) -> f64 {
    let low = f64::from_bits(u64::from(key) << DROPPED_BITS);
    let high = f64::from_bits(u64::from(key + 1) << DROPPED_BITS);
    2.0 * low * high / (low + high)
}

/// Percentiles of a stream of values to within `RELATIVE_ERROR`, clamped to the exact min and
/// max. Negative values are kept apart by magnitude.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Sketch {
    positive: Buckets,
    negative: Buckets,
    zeros: u64,
    /// Infinite while empty, which JSON cannot hold: then left out of a shard's aggregate.
    #[serde(skip_serializing_if = "is_infinite", default = "positive_infinity")]
    min: f64,
    #[serde(skip_serializing_if = "is_infinite", default = "negative_infinity")]
    max: f64,
}

fn is_infinite(value: &f64) -> bool {
    value.is_infinite()
}

fn positive_infinity() -> f64 {
    f64::INFINITY
}

fn negative_infinity() -> f64 {
    f64::NEG_INFINITY
}

impl Default for Sketch {
    fn default() -> Self {
        Self {
            positive: Buckets::default(),
            negative: Buckets::default(),
            zeros: 0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
        }
    }
}

impl Sketch {
    /// Adds one finite value.
    #[inline]
    pub fn add(&mut self, value: f64) {
        self.add_each([value], |_| {});
    }

    /// Adds finite values in turn, each but exact zeros first shown to `visit`: a zero adds
    /// nothing to a sum, and many monthly values are zeros (providers a regime does not use,
    /// months before a provider has capacity; −0.13 M instructions a replication). The zero
    /// count, minimum and maximum stay in registers until the last (see
    /// `Distribution::add_each`). Plain comparisons, not `f64::min` and `max`, whose NaN
    /// handling finite values do not need, take the same value on ties as those did. A new
    /// minimum or maximum is rare after the first few values, so it is a branch to a cold call
    /// (see `new_extreme`) rather than a select computed for every value (−2.5 instructions a
    /// value).
    #[inline(always)]
    pub fn add_each(&mut self, values: impl IntoIterator<Item = f64>, mut visit: impl FnMut(f64)) {
        let (mut zeros, mut min, mut max) = (self.zeros, self.min, self.max);
        for value in values {
            let magnitude = value.abs();
            if magnitude < ZERO_BELOW {
                zeros += 1;
                if magnitude != 0.0 {
                    visit(value);
                }
            } else {
                // NaN and infinities come this way, so `visit` sees every value it may reject.
                visit(value);
                if value > 0.0 {
                    self.positive.add(key(magnitude), 1);
                } else {
                    self.negative.add(key(magnitude), 1);
                }
            }
            if value < min {
                min = new_extreme(value);
            }
            if value > max {
                max = new_extreme(value);
            }
        }
        (self.zeros, self.min, self.max) = (zeros, min, max);
    }

    /// Adds everything `other` has seen.
    pub fn merge(&mut self, other: &Sketch) {
        self.positive.merge(&other.positive);
        self.negative.merge(&other.negative);
        self.zeros += other.zeros;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
    }

    /// Returns the value of rank `q · (n − 1)` (0-based, rounded down) to within
    /// `RELATIVE_ERROR`, or `None` when empty; `total` is the number of values added, which the
    /// caller keeps (a sum over the buckets was a third of a percentile's cost). Ranks in the
    /// upper half are counted from the largest value down, so a 95th percentile passes few
    /// buckets.
    pub fn quantile(&self, q: f64, total: u64) -> Option<f64> {
        if total == 0 {
            return None;
        }
        let rank = (q.clamp(0.0, 1.0) * (total - 1) as f64) as u64;
        // Values in ascending order: negatives from the largest magnitude, zeros, positives.
        let value = if rank < total / 2 {
            self.negative
                .find(rank, false)
                .map(|k| -bucket_value(k))
                .or_else(|rest| match rest.checked_sub(self.zeros) {
                    None => Ok(0.0),
                    Some(rest) => self.positive.find(rest, true).map(bucket_value),
                })
        } else {
            self.positive
                .find(total - 1 - rank, false)
                .map(bucket_value)
                .or_else(|rest| match rest.checked_sub(self.zeros) {
                    None => Ok(0.0),
                    Some(rest) => self.negative.find(rest, true).map(|k| -bucket_value(k)),
                })
        };
        let value = value.expect("the rank is below the total count");
        Some(value.clamp(self.min, self.max))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_reports_within_the_bound() {
        // Values across many powers of two, including each bucket's edges.
        let mut worst: f64 = 0.0;
        for i in 0..20_000 {
            let value = 1e-3 * 1.0007f64.powi(i);
            let reported = bucket_value(key(value));
            worst = worst.max((reported - value).abs() / value);
        }
        assert!(
            worst <= RELATIVE_ERROR * (1.0 + 1e-12),
            "worst relative error {worst}"
        );
        assert!(worst > 0.9 * RELATIVE_ERROR, "the bound is tight: {worst}");
    }

    #[test]
    fn ranks_follow_the_values_across_signs() {
        let mut sketch = Sketch::default();
        let values = [-300.0, -2.0, 0.0, 0.0, 5.0, 7.0, 1e9];
        for value in values {
            sketch.add(value);
        }
        let quantile = |q: f64| sketch.quantile(q, values.len() as u64);
        // Ranks 0..=6 of seven values: q · 6 rounded down.
        let close = |got: Option<f64>, want: f64| {
            let got = got.unwrap();
            // At the bound exactly for -2, a power of two: allow for rounding.
            let error = (got - want).abs() / want.abs();
            assert!(error <= RELATIVE_ERROR * (1.0 + 1e-12), "{got} vs {want}");
        };
        assert_eq!(quantile(0.0), Some(-300.0)); // clamped to the exact min
        close(quantile(0.17), -2.0);
        assert_eq!(quantile(0.34), Some(0.0));
        assert_eq!(quantile(0.5), Some(0.0)); // the zeros counted from the top down
        close(quantile(0.67), 5.0);
        close(quantile(0.84), 7.0);
        assert_eq!(quantile(1.0), Some(1e9)); // clamped to the exact max
        assert_eq!(Sketch::default().quantile(0.5, 0), None);
    }
}
