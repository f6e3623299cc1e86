//! Mergeable summary statistics whose result does not depend on the order values arrive in,
//! so a study gives the same bytes with any thread count and when merged from shards.
//!
//! Sums are exact: each value is rounded to a multiple of 2⁻³² (an absolute error below
//! 2.4e-10, far under any printed digit) and summed as integers, so addition is associative.
//! Percentiles come from a log-linear sketch (see `sketch`): a reported percentile is within
//! 0.78% of a value whose rank is the requested one; it is clamped to the exact min and max.

mod sketch;

use ethnum::I256;
use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, StudentsT};

use sketch::Sketch;

/// Relative accuracy of percentiles.
pub const PERCENTILE_RELATIVE_ERROR: f64 = sketch::RELATIVE_ERROR;
/// Most values a distribution may take: its percentile buckets count in 32 bits. A study adds
/// one value per replication to each, so this bounds the replications of a study.
pub const MAX_VALUES: u64 = u32::MAX as u64;
/// Largest magnitude a summed value may have (2⁶² ≈ 4.6e18) so integer sums cannot overflow.
pub const MAX_MAGNITUDE: f64 = 4.6e18;
const SCALE: f64 = 4_294_967_296.0; // 2^32

/// Count, exact sum and a percentile sketch of a stream of values: a mean and percentiles,
/// which is all a monthly cell reports. Serializes losslessly (the integer sum as a decimal
/// string), so a shard's distributions merge into exactly what one run computes.
#[derive(Clone, Default, Serialize, Deserialize)]
pub struct Distribution {
    count: u64,
    #[serde(with = "decimal")]
    sum: i128,
    sketch: Sketch,
}

/// A `Distribution` with the exact sum of squares as well, for a standard deviation and a
/// confidence interval. Serializes losslessly, like `Distribution`.
#[derive(Clone, Default, Serialize, Deserialize)]
pub struct Summary {
    distribution: Distribution,
    #[serde(with = "decimal")]
    sum_of_squares: I256,
}

/// Integers as decimal strings: JSON readers in other languages keep only 53 bits of numbers.
mod decimal {
    use std::fmt::Display;
    use std::str::FromStr;

    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn serialize<T: Display, S: Serializer>(
        value: &T,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.collect_str(value)
    }

    pub fn deserialize<'de, T, D>(deserializer: D) -> Result<T, D::Error>
    where
        T: FromStr<Err: Display>,
        D: Deserializer<'de>,
    {
        let text = String::deserialize(deserializer)?;
        text.parse()
            .map_err(|e| D::Error::custom(format!("`{text}` is not an integer: {e}")))
    }
}

/// Returns `value` in units of 2⁻³², rounded to nearest (ties to even). Written without
/// `round` and the 128-bit float conversion, both library calls, because every value of a
/// study passes through here.
#[inline]
fn fixed_point(value: f64) -> i128 {
    /// From 2⁵² on every float is an integer, and from 2⁵² to 2⁵³ the integers are exactly
    /// the floats: adding 2⁵² to a smaller magnitude rounds it, and the sum's bits less those
    /// of 2⁵² count its units (no float subtraction and saturating conversion).
    const INTEGERS_FROM: f64 = 4_503_599_627_370_496.0;
    let scaled = value * SCALE;
    if scaled.abs() < INTEGERS_FROM {
        let magnitude = ((scaled.abs() + INTEGERS_FROM).to_bits() - INTEGERS_FROM.to_bits()) as i64;
        i128::from(if scaled < 0.0 { -magnitude } else { magnitude })
    } else {
        // Already an integer: the 53-bit significand shifted left by the exponent (≥ 0 here,
        // at most 42 for magnitudes up to `MAX_MAGNITUDE`, so it fits).
        let bits = scaled.to_bits();
        let shift = ((bits >> 52) & 0x7ff) as u32 - 1075;
        let significand = ((bits & ((1 << 52) - 1)) | (1 << 52)) as i128;
        let magnitude = significand << shift;
        if scaled < 0.0 { -magnitude } else { magnitude }
    }
}

/// Returns `value` in fixed point (see `fixed_point`). Panics on NaN or a magnitude above
/// 4.6e18 (the comparison fails for NaN and infinities too). Always inlined: the aggregation
/// calls it for every monthly value, and the call alone cost 1% of a study.
#[inline(always)]
fn checked_fixed_point(value: f64) -> i128 {
    assert!(
        value.abs() <= MAX_MAGNITUDE,
        "value out of range for statistics: {value}"
    );
    fixed_point(value)
}

impl std::fmt::Debug for Distribution {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Distribution")
            .field("count", &self.count)
            .field("mean", &self.mean())
            .finish()
    }
}

impl std::fmt::Debug for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Summary")
            .field("count", &self.count())
            .field("mean", &self.mean())
            .field("sd", &self.sd())
            .finish()
    }
}

impl Distribution {
    /// Adds one value. Panics on NaN or a magnitude above 4.6e18: the model never makes them.
    pub fn add(&mut self, value: f64) {
        self.add_fixed(value);
    }

    /// Adds `values` in turn, as `add` would one by one. The sum, minimum and maximum stay in
    /// registers until the last value rather than going to memory at each: the aggregation
    /// hands a monthly cell the values of a whole batch at once. The count is added once, from
    /// the iterator's length: a counter in the loop cost a register it is short of (−4
    /// instructions a value). Never inlined: inside the aggregation's loops, their variables
    /// held registers this loop needs, which it then shuffled for every value (−5 a value).
    #[inline(never)]
    pub fn add_each(&mut self, values: impl ExactSizeIterator<Item = f64>) {
        self.count += values.len() as u64;
        let mut sum = self.sum;
        self.sketch
            .add_each(values, |value| sum += checked_fixed_point(value));
        self.sum = sum;
    }

    /// Adds one value and returns it in fixed point (see `fixed_point`).
    #[inline(always)]
    fn add_fixed(&mut self, value: f64) -> i128 {
        let q = checked_fixed_point(value);
        self.count += 1;
        self.sum += q;
        self.sketch.add(value);
        q
    }

    /// Adds everything `other` has seen.
    pub fn merge(&mut self, other: &Distribution) {
        self.count += other.count;
        self.sum += other.sum;
        self.sketch.merge(&other.sketch);
    }

    /// Returns how many values were added.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Returns the mean, or `None` when empty.
    pub fn mean(&self) -> Option<f64> {
        (self.count > 0).then(|| self.sum as f64 / SCALE / self.count as f64)
    }

    /// Returns the `q` quantile (0..1), or `None` when empty.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        self.sketch.quantile(q, self.count)
    }
}

impl Summary {
    /// Adds one value. Panics on NaN or a magnitude above 4.6e18: the model never makes them.
    pub fn add(&mut self, value: f64) {
        let q = self.distribution.add_fixed(value);
        // Most values are small enough that their square fits in 128 bits: one multiply.
        self.sum_of_squares += match i64::try_from(q) {
            Ok(small) => I256::from(i128::from(small) * i128::from(small)),
            Err(_) => I256::from(q) * I256::from(q),
        };
    }

    /// Adds everything `other` has seen.
    pub fn merge(&mut self, other: &Summary) {
        self.distribution.merge(&other.distribution);
        self.sum_of_squares += other.sum_of_squares;
    }

    /// Returns how many values were added.
    pub fn count(&self) -> u64 {
        self.distribution.count()
    }

    /// Returns the mean, or `None` when empty.
    pub fn mean(&self) -> Option<f64> {
        self.distribution.mean()
    }

    /// Returns the sample standard deviation, or `None` with fewer than two values.
    /// Computed as √((n·Σq² − (Σq)²) / (n(n−1))) in exact integers: no cancellation.
    pub fn sd(&self) -> Option<f64> {
        let count = self.count();
        if count < 2 {
            return None;
        }
        let n = I256::from(count);
        let sum = I256::from(self.distribution.sum);
        let numerator = (n * self.sum_of_squares - sum * sum).max(I256::ZERO);
        let n = count as f64;
        Some((numerator.as_f64() / (n * (n - 1.0))).sqrt() / SCALE)
    }

    /// Returns the half-width of the 95% confidence interval of the mean, or `None` with fewer
    /// than two values: Student's t with n − 1 degrees of freedom, because the sd is estimated
    /// from the same values (the normal 1.96 would be 20% too narrow at n = 7).
    pub fn ci95_half_width(&self) -> Option<f64> {
        let n = self.count() as f64;
        self.sd().map(|sd| t_975(n - 1.0) * sd / n.sqrt())
    }

    /// Returns the `q` quantile (0..1), or `None` when empty.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        self.distribution.quantile(q)
    }
}

/// Returns the 97.5% quantile of Student's t with `df` ≥ 1 degrees of freedom: statrs's
/// inversion below 1,000 degrees of freedom, and from there the Cornish–Fisher expansion in
/// 1/df (Abramowitz & Stegun 26.7.5, four terms), within 1e-15 of the quantile there. Not the
/// library's inversion throughout: past about 10⁴ degrees of freedom it drifts (1.95985 at 10⁶
/// for 1.95997, 1.8266 at 10⁷, an interval 7% too narrow), and from about 1.5·10⁷ it does not
/// return at all, so a sharded study that large never wrote compare.csv.
fn t_975(df: f64) -> f64 {
    /// Where the expansion takes over: its error there is 7e-16, the library's 2e-13.
    const EXPANSION_FROM_DF: f64 = 1000.0;
    /// Φ⁻¹(0.975), the limit as df grows.
    const Z: f64 = 1.959_963_984_540_054;
    if df < EXPANSION_FROM_DF {
        let t = StudentsT::new(0.0, 1.0, df).expect("positive degrees of freedom");
        return t.inverse_cdf(0.975);
    }
    let z2 = Z * Z;
    let g1 = Z * (z2 + 1.0) / 4.0;
    let g2 = Z * ((5.0 * z2 + 16.0) * z2 + 3.0) / 96.0;
    let g3 = Z * (((3.0 * z2 + 19.0) * z2 + 17.0) * z2 - 15.0) / 384.0;
    let g4 = Z * ((((79.0 * z2 + 776.0) * z2 + 1482.0) * z2 - 1920.0) * z2 - 945.0) / 92160.0;
    let v = 1.0 / df;
    Z + v * (g1 + v * (g2 + v * (g3 + v * g4)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_and_sd_match_a_hand_computation() {
        // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, squared deviations sum to 32, sample sd √(32/7).
        let mut s = Summary::default();
        for v in [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0] {
            s.add(v);
        }
        assert_eq!(s.mean(), Some(5.0));
        assert!((s.sd().unwrap() - (32.0f64 / 7.0).sqrt()).abs() < 1e-12);
    }

    #[test]
    fn a_distribution_reports_what_a_summary_of_the_same_values_does() {
        // Negative, zero, small and large values; the distribution takes them in runs.
        let values: Vec<f64> = (0..500)
            .map(|i| (((i * 7919) % 500) as f64 - 250.0) * 3.1e5)
            .collect();
        let (mut distribution, mut summary) = (Distribution::default(), Summary::default());
        for run in values.chunks(7) {
            distribution.add_each(run.iter().copied());
            run.iter().for_each(|&v| summary.add(v));
        }
        assert_eq!(distribution.count(), summary.count());
        assert_eq!(distribution.mean(), summary.mean());
        for q in [0.0, 0.05, 0.5, 0.95, 1.0] {
            assert_eq!(distribution.quantile(q), summary.quantile(q));
        }
    }

    #[test]
    fn fixed_point_rounds_to_the_nearest_unit() {
        let unit = 1.0 / SCALE;
        assert_eq!(fixed_point(3.0), 3 << 32);
        assert_eq!(fixed_point(-3.0), -(3 << 32));
        assert_eq!(fixed_point(0.4 * unit), 0);
        assert_eq!(fixed_point(0.6 * unit), 1);
        assert_eq!(fixed_point(-0.6 * unit), -1);
        assert_eq!(fixed_point(1e12), 1_000_000_000_000i128 << 32);
        assert_eq!(fixed_point(-1e12), -(1_000_000_000_000i128 << 32));
        assert_eq!(fixed_point(2.5e9), 2_500_000_000i128 << 32);
        assert_eq!(fixed_point(1048576.0), 1 << 52); // the first scaled value past the rounding path
        // A negative tie between 2⁵¹ and 2⁵² units (an earlier version truncated it).
        assert_eq!(
            fixed_point(-2_732_758_704_606_401.5 / SCALE),
            -2_732_758_704_606_402
        );
        assert_eq!(fixed_point(4.6e18), (4.6e18f64 * SCALE) as i128);
    }

    proptest::proptest! {
        #[test]
        fn fixed_point_equals_the_library_rounding(
            magnitude in 0.0f64..4.6e18,
            exponent in -12i32..0,
            negative: bool,
        ) {
            // Small and large values alike: scale some down by up to 12 powers of ten.
            let value = magnitude * 10f64.powi(exponent) * if negative { -1.0 } else { 1.0 };
            let library = (value * SCALE).round_ties_even() as i128;
            proptest::prop_assert_eq!(fixed_point(value), library);
        }
    }

    #[test]
    fn merging_in_any_order_gives_identical_results() {
        let values: Vec<f64> = (0..1000)
            .map(|i| ((i * 7919) % 1000) as f64 * 1.37e9 - 3e11 + 0.1)
            .collect();
        let mut whole = Summary::default();
        values.iter().for_each(|&v| whole.add(v));
        let mut parts = [Summary::default(), Summary::default(), Summary::default()];
        for (i, &v) in values.iter().enumerate() {
            parts[i % 3].add(v);
        }
        let mut merged = Summary::default();
        for part in parts.iter().rev() {
            merged.merge(part);
        }
        assert_eq!(
            whole.mean().unwrap().to_bits(),
            merged.mean().unwrap().to_bits()
        );
        assert_eq!(
            whole.sd().unwrap().to_bits(),
            merged.sd().unwrap().to_bits()
        );
        for q in [0.05, 0.5, 0.95] {
            assert_eq!(whole.quantile(q), merged.quantile(q));
        }
    }

    #[test]
    fn an_empty_summary_survives_a_shards_json_and_merges_as_nothing() {
        // A metric that applied in none of a shard's replications leaves its summary empty.
        let empty: Summary = serde_json::from_str(
            &serde_json::to_string(&Summary::default()).expect("an empty summary serializes"),
        )
        .expect("and reads back");
        assert_eq!(
            (empty.count(), empty.mean(), empty.quantile(0.5)),
            (0, None, None)
        );
        let mut some = Summary::default();
        [3.0, -1.0, 8.0].into_iter().for_each(|v| some.add(v));
        let mut merged = empty.clone();
        merged.merge(&some);
        assert_eq!(merged.count(), 3);
        for q in [0.0, 0.5, 1.0] {
            assert_eq!(merged.quantile(q), some.quantile(q));
        }
    }

    #[test]
    fn percentiles_are_within_the_stated_relative_error() {
        let mut s = Summary::default();
        for i in 1..=10_000 {
            s.add(i as f64);
        }
        for (q, exact) in [(0.05, 500.0), (0.5, 5000.0), (0.95, 9500.0)] {
            let got = s.quantile(q).unwrap();
            assert!(
                (got - exact).abs() <= exact * (PERCENTILE_RELATIVE_ERROR + 1e-3),
                "q{q}: {got} vs {exact}"
            );
        }
    }

    #[test]
    fn the_interval_of_the_mean_uses_students_t() {
        // Two values 0 and 2: mean 1, sd √2, so the half-width is t(0.975, 1 df) = 12.7062.
        let mut two = Summary::default();
        [0.0, 2.0].into_iter().for_each(|v| two.add(v));
        assert!((two.ci95_half_width().unwrap() - 12.706_204_736).abs() < 1e-6);
        // 1..=7: sd √(28/6); t(0.975, 6 df) = 2.446912 (tables), half-width 1.997895.
        let mut seven = Summary::default();
        (1..=7).for_each(|v| seven.add(v as f64));
        assert!((seven.ci95_half_width().unwrap() - 1.997_895).abs() < 1e-6);
    }

    #[test]
    fn the_interval_of_the_mean_stays_students_t_for_millions_of_replications() {
        // Half 0s and half 2s: mean 1, sd √(n/(n − 1)), so the half-width is t/√(n − 1) and
        // half-width × √(n − 1) is t(0.975, n − 1). References: mpmath (30 digits), the t
        // distribution's CDF through the regularized incomplete beta, solved for 0.975. A
        // cluster reaches such counts (the README's Kubernetes example runs 10⁶ replications);
        // the library's inversion gave 1.9598 at 10⁶ and hung from about 1.5·10⁷.
        let mut s = Summary::default();
        [0.0, 2.0].into_iter().for_each(|v| s.add(v));
        for (count, t) in [
            (1u64 << 10, 1.962_285_619_647_268_2), // 1,023 degrees of freedom
            (1 << 17, 1.959_982_083_835_585_4),
            (1 << 20, 1.959_966_246_918_922_7),
            (1 << 23, 1.959_964_267_336_896),
            (1 << 31, 1.959_963_985_644_729),
        ] {
            while s.count() < count {
                s.merge(&s.clone());
            }
            let n = s.count() as f64;
            let got = s.ci95_half_width().expect("n ≥ 2") * (n - 1.0).sqrt();
            assert!((got - t).abs() <= 1e-12 * t, "n = {n}: t = {got}, want {t}");
        }
    }

    #[test]
    fn the_t_quantile_is_exact_on_both_sides_of_the_switch_to_the_expansion() {
        // mpmath references, as above.
        for (df, t) in [
            (6.0, 2.446_911_851_144_97),
            (999.0, 1.962_341_461_133_45),
            (1000.0, 1.962_339_080_826_408_5),
            (9999.0, 1.960_201_263_621_357_7),
            (99_999.0, 1.959_987_707_771_844_8),
            (4_294_967_294.0, 1.959_963_985_092_391_7),
        ] {
            let got = t_975(df);
            assert!((got - t).abs() <= 1e-12 * t, "df {df}: {got}, want {t}");
        }
    }

    #[test]
    fn a_constant_reports_itself_and_one_value_has_no_spread() {
        let mut s = Summary::default();
        s.add(250e9);
        assert_eq!(s.quantile(0.5), Some(250e9));
        assert_eq!(s.sd(), None);
        assert_eq!(s.ci95_half_width(), None);
        assert_eq!(Summary::default().mean(), None);
    }
}
