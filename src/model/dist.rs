//! Probability distributions named in scenario files, sampled with rand_distr.

use rand::Rng;
use rand_distr::{Distribution, Exp, LogNormal, Normal, Uniform};
use serde::Deserialize;
use statrs::distribution::ContinuousCDF;

use crate::number::compact;

/// A distribution as written in a scenario file: a bare number (a constant) or a table
/// `{ dist = "lognormal", median = 150, sigma = 0.8 }`.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum DistSpec {
    /// A fixed value.
    Constant(f64),
    /// One of the named families.
    Named(NamedDist),
}

/// The named distribution families, tagged by `dist`.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(tag = "dist", rename_all = "lowercase", deny_unknown_fields)]
pub enum NamedDist {
    /// `{ dist = "constant", value = x }`.
    Constant { value: f64 },
    /// Uniform on `[low, high]`.
    Uniform { low: f64, high: f64 },
    /// Normal with `mean` and standard deviation `sd`.
    Normal { mean: f64, sd: f64 },
    /// Lognormal given by its `median` (> 0) and the `sigma` (> 0) of its logarithm.
    Lognormal { median: f64, sigma: f64 },
    /// Exponential with the given `mean` (> 0).
    Exponential { mean: f64 },
}

/// A validated distribution, ready to sample.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Dist {
    /// Always the same value.
    Constant(f64),
    /// Uniform on `[low, high]`.
    Uniform(Uniform<f64>),
    /// Normal.
    Normal(Normal<f64>),
    /// Lognormal.
    Lognormal(LogNormal<f64>),
    /// Exponential.
    Exponential(Exp<f64>),
}

impl DistSpec {
    /// Checks the parameters and builds the sampler; the error says what is allowed.
    pub fn build(&self) -> Result<Dist, String> {
        let finite = |name: &str, v: f64| {
            if v.is_finite() {
                Ok(v)
            } else {
                Err(format!(
                    "{name} must be a finite number, found {}",
                    compact(v)
                ))
            }
        };
        match *self {
            // A constant may be infinite (a patience that never runs out); ranges are checked
            // by the caller.
            DistSpec::Constant(value) | DistSpec::Named(NamedDist::Constant { value }) => {
                if value.is_nan() {
                    return Err("value must be a number, found NaN".into());
                }
                Ok(Dist::Constant(value))
            }
            DistSpec::Named(NamedDist::Uniform { low, high }) => {
                let (low, high) = (finite("low", low)?, finite("high", high)?);
                if low > high {
                    return Err(format!(
                        "uniform needs low <= high, found low = {}, high = {}",
                        compact(low),
                        compact(high)
                    ));
                }
                Uniform::new_inclusive(low, high)
                    .map(Dist::Uniform)
                    .map_err(|e| format!("uniform({}, {}): {e}", compact(low), compact(high)))
            }
            DistSpec::Named(NamedDist::Normal { mean, sd }) => {
                let (mean, sd) = (finite("mean", mean)?, finite("sd", sd)?);
                if sd < 0.0 {
                    return Err(format!("normal needs sd >= 0, found {}", compact(sd)));
                }
                Normal::new(mean, sd)
                    .map(Dist::Normal)
                    .map_err(|e| format!("normal: {e}"))
            }
            DistSpec::Named(NamedDist::Lognormal { median, sigma }) => {
                let (median, sigma) = (finite("median", median)?, finite("sigma", sigma)?);
                if median <= 0.0 || sigma <= 0.0 {
                    // A lognormal pinned to its median (as a user fixing an input would write
                    // it) is a degenerate normal: it draws what the lognormal did.
                    let hint = if median > 0.0 && sigma == 0.0 {
                        format!(
                            "; for a fixed value that keeps the other draws, write \
                             {{ dist = \"normal\", mean = {}, sd = 0 }}",
                            compact(median)
                        )
                    } else {
                        String::new()
                    };
                    return Err(format!(
                        "lognormal needs median > 0 and sigma > 0, found median = {}, \
                         sigma = {}{hint}",
                        compact(median),
                        compact(sigma)
                    ));
                }
                LogNormal::new(median.ln(), sigma)
                    .map(Dist::Lognormal)
                    .map_err(|e| format!("lognormal: {e}"))
            }
            DistSpec::Named(NamedDist::Exponential { mean }) => {
                let mean = finite("mean", mean)?;
                if mean <= 0.0 {
                    return Err(format!(
                        "exponential needs mean > 0, found {}",
                        compact(mean)
                    ));
                }
                Exp::new(1.0 / mean)
                    .map(Dist::Exponential)
                    .map_err(|e| format!("exponential: {e}"))
            }
        }
    }

    /// Returns the distribution's mean (for hand calculations and calibration).
    pub fn mean(&self) -> f64 {
        match *self {
            DistSpec::Constant(v) | DistSpec::Named(NamedDist::Constant { value: v }) => v,
            DistSpec::Named(NamedDist::Uniform { low, high }) => (low + high) / 2.0,
            DistSpec::Named(NamedDist::Normal { mean, .. }) => mean,
            DistSpec::Named(NamedDist::Lognormal { median, sigma }) => {
                median * (sigma * sigma / 2.0).exp()
            }
            DistSpec::Named(NamedDist::Exponential { mean }) => mean,
        }
    }

    /// Returns the `p` quantile (0 < p < 1): the value a draw falls below with probability `p`.
    pub fn quantile(&self, p: f64) -> f64 {
        let z = || statrs::distribution::Normal::standard().inverse_cdf(p);
        match *self {
            DistSpec::Constant(v) | DistSpec::Named(NamedDist::Constant { value: v }) => v,
            DistSpec::Named(NamedDist::Uniform { low, high }) => low + p * (high - low),
            DistSpec::Named(NamedDist::Normal { mean, sd }) => mean + sd * z(),
            DistSpec::Named(NamedDist::Lognormal { median, sigma }) => median * (sigma * z()).exp(),
            DistSpec::Named(NamedDist::Exponential { mean }) => -mean * (1.0 - p).ln(),
        }
    }

    /// Returns the smallest and largest value the distribution can take (infinite for
    /// unbounded tails), used to check a field's allowed range.
    pub fn support(&self) -> (f64, f64) {
        match *self {
            DistSpec::Constant(v) | DistSpec::Named(NamedDist::Constant { value: v }) => (v, v),
            DistSpec::Named(NamedDist::Uniform { low, high }) => (low, high),
            DistSpec::Named(NamedDist::Normal { mean, sd }) => {
                if sd == 0.0 {
                    (mean, mean)
                } else {
                    (f64::NEG_INFINITY, f64::INFINITY)
                }
            }
            DistSpec::Named(NamedDist::Lognormal { .. } | NamedDist::Exponential { .. }) => {
                (0.0, f64::INFINITY)
            }
        }
    }
}

impl Dist {
    /// Draws one value.
    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match self {
            Dist::Constant(v) => *v,
            Dist::Uniform(d) => d.sample(rng),
            Dist::Normal(d) => d.sample(rng),
            Dist::Lognormal(d) => d.sample(rng),
            Dist::Exponential(d) => sample_apart(d, rng),
        }
    }

    /// Draws one value clamped at zero, for quantities that cannot be negative (a normal's tail).
    #[inline]
    pub fn sample_non_negative<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        self.sample(rng).max(0.0)
    }
}

/// Draws from `distribution` in a call of its own. The exponential's sampler (a ziggurat) is
/// large: inlined, it kept `Dist::sample` out of line and made each of its calls, mostly
/// uniform draws of a few instructions, save and restore the registers the ziggurat needs.
#[inline(never)]
fn sample_apart<D: Distribution<f64>, R: Rng + ?Sized>(distribution: &D, rng: &mut R) -> f64 {
    distribution.sample(rng)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_match_their_closed_forms() {
        let named = |d| DistSpec::Named(d);
        let close = |a: f64, b: f64| (a - b).abs() < 1e-9 * b.abs().max(1.0);
        assert_eq!(DistSpec::Constant(4.0).quantile(0.9), 4.0);
        let uniform = named(NamedDist::Uniform {
            low: 1.0,
            high: 3.0,
        });
        assert!(close(uniform.quantile(0.25), 1.5));
        // The 97.5th percentile of a normal is 1.959964 sd above its mean.
        let normal = named(NamedDist::Normal {
            mean: 10.0,
            sd: 2.0,
        });
        assert!(close(
            normal.quantile(0.975),
            10.0 + 2.0 * 1.959_963_984_540_054
        ));
        let lognormal = named(NamedDist::Lognormal {
            median: 2.0,
            sigma: 0.5,
        });
        assert!(close(lognormal.quantile(0.5), 2.0));
        assert!(close(
            lognormal.quantile(0.975),
            2.0 * (0.5f64 * 1.959_963_984_540_054).exp()
        ));
        // An exponential falls below its mean with probability 1 − 1/e.
        let exponential = named(NamedDist::Exponential { mean: 3.0 });
        assert!(close(exponential.quantile(1.0 - (-1.0f64).exp()), 3.0));
    }
}
