//! Limits on a scenario's size, so that a hostile file gets a clear error instead of a run
//! that exhausts memory or never ends: the horizon's length and the needs a replication draws.

use chrono::NaiveDate;
use indexmap::IndexMap;

use super::Checker;
use super::raw::RawClass;
use crate::model::DAYS_PER_YEAR;
use crate::model::dist::DistSpec;

/// Longest horizon, in years: monthly statistics are kept for every month of it.
pub const MAX_HORIZON_YEARS: i32 = 200;
/// Most needs one replication may draw in expectation, over every class: each is held in
/// memory for the replication (about 100 bytes in the world and each regime's outcome).
pub const MAX_EXPECTED_NEEDS: f64 = 2e6;
/// The quantile at which an unbounded growth distribution is checked: a replication draws
/// beyond it once in a billion.
const UNBOUNDED_GROWTH_QUANTILE: f64 = 1.0 - 1e-9;

/// Checks the horizon's length; returns false (after reporting it) when it is too long.
pub(super) fn horizon(c: &mut Checker, start: NaiveDate, end: NaiveDate) -> bool {
    let limit = start
        .checked_add_months(chrono::Months::new(12 * MAX_HORIZON_YEARS as u32))
        .unwrap_or(NaiveDate::MAX);
    if end <= limit {
        return true;
    }
    c.problem(
        "scenario.end",
        format!(
            "found {end}, {:.0} years after scenario.start; allowed at most {MAX_HORIZON_YEARS} years \
             after it (no later than {limit})",
            (end - start).num_days() as f64 / DAYS_PER_YEAR
        ),
    );
    false
}

/// Reports, at the class that contributes most, a demand that would draw more than
/// `MAX_EXPECTED_NEEDS` needs per replication over `horizon_days`.
pub(super) fn needs(c: &mut Checker, demand: &IndexMap<String, RawClass>, horizon_days: f64) {
    let years = horizon_days / DAYS_PER_YEAR;
    let mut total = 0.0;
    let mut largest: Option<(String, f64)> = None;
    for (id, class) in demand {
        let arriving = arrivals(
            class.arrivals_per_year,
            &class.arrivals_growth_per_year,
            years,
        );
        let existing = existing(class.initial_mw, &class.size_mw);
        for (field, count) in [("arrivals_per_year", arriving), ("initial_mw", existing)] {
            total += count;
            if largest.as_ref().is_none_or(|(_, most)| count > *most) {
                largest = Some((format!("demand.{id}.{field}"), count));
            }
        }
    }
    let Some((field, count)) = largest else {
        return;
    };
    if total > MAX_EXPECTED_NEEDS || total.is_nan() {
        let why = if field.ends_with("initial_mw") {
            "lower initial_mw or raise size_mw"
        } else {
            "lower the rate or its growth, or shorten the horizon"
        };
        c.problem(
            field,
            format!(
                "found demand that can draw about {total:.2e} needs in a replication ({count:.2e} from \
                 here); allowed at most {MAX_EXPECTED_NEEDS:.0e}: {why}"
            ),
        );
    }
}

/// Expected arrivals over `years` of a Poisson rate `rate` growing by a factor `growth` a year:
/// ∫₀ʸ rate·gᵗ dt = rate·(gʸ − 1)/ln g, with g the growth's largest value, so that the estimate
/// errs on the high side. An unbounded growth (lognormal, normal, exponential) is taken at its
/// `UNBOUNDED_GROWTH_QUANTILE`: the limit must hold in every replication, not on average, and a
/// growth factor from a wide tail compounds over the years into more needs than memory holds.
fn arrivals(rate: f64, growth: &DistSpec, years: f64) -> f64 {
    if rate <= 0.0 || rate.is_nan() {
        return 0.0;
    }
    let (_, high) = growth.support();
    let g = if high.is_finite() {
        high
    } else {
        growth.quantile(UNBOUNDED_GROWTH_QUANTILE)
    }
    .max(1e-9);
    let ln_g = g.ln();
    if ln_g.abs() < 1e-9 {
        rate * years
    } else {
        rate * ((ln_g * years).exp() - 1.0) / ln_g
    }
}

/// Needs drawn to fill `initial_mw` with needs of mean size `size`'s mean.
fn existing(initial_mw: f64, size: &DistSpec) -> f64 {
    let mean = size.mean();
    if initial_mw > 0.0 && mean > 0.0 {
        initial_mw / mean
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::dist::NamedDist;

    #[test]
    fn arrivals_integrate_the_growing_rate() {
        // 10 a year for 3 years without growth: 30.
        assert!((arrivals(10.0, &DistSpec::Constant(1.0), 3.0) - 30.0).abs() < 1e-9);
        // Doubling each year for 2 years: 10·(4 − 1)/ln 2 = 43.28.
        assert!((arrivals(10.0, &DistSpec::Constant(2.0), 2.0) - 30.0 / 2f64.ln()).abs() < 1e-9);
        // A lognormal growth counts at its 1 − 1e-9 quantile, median · e^(5.998 σ): 1.2·e^5.998
        // a year (485) over two years, not its mean (1.98).
        let wide = DistSpec::Named(NamedDist::Lognormal {
            median: 1.2,
            sigma: 1.0,
        });
        let g: f64 = 1.2 * 5.997_807_019_601_638f64.exp();
        assert!((arrivals(10.0, &wide, 2.0) / (10.0 * (g * g - 1.0) / g.ln()) - 1.0).abs() < 1e-6);
        // A uniform growth counts at its high end.
        let growth = DistSpec::Named(NamedDist::Uniform {
            low: 1.0,
            high: 2.0,
        });
        assert!((arrivals(10.0, &growth, 2.0) - 30.0 / 2f64.ln()).abs() < 1e-9);
        assert_eq!(existing(100.0, &DistSpec::Constant(4.0)), 25.0);
    }
}
