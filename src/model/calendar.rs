//! The horizon in days and its calendar months, for monthly reports.

use chrono::{Datelike, Months, NaiveDate};

/// Start and end dates of a scenario with the day offsets of its month boundaries.
#[derive(Debug, Clone, PartialEq)]
pub struct Calendar {
    /// Day 0.
    pub start: NaiveDate,
    /// First day after the horizon.
    pub end: NaiveDate,
    /// Day offset of the start of each month, plus the horizon end: `months() + 1` entries.
    boundaries_days: Vec<f64>,
    /// `YYYY-MM` label of each month.
    labels: Vec<String>,
    /// Month of each whole day of the horizon: `month_of` by lookup, not search.
    month_by_day: Vec<u16>,
}

impl Calendar {
    /// Builds the calendar of `[start, end)`; `end` must be after `start`.
    pub fn new(start: NaiveDate, end: NaiveDate) -> Self {
        assert!(
            end > start,
            "calendar end {end} must be after start {start}"
        );
        let mut boundaries_days = vec![0.0];
        let mut labels = vec![format!("{:04}-{:02}", start.year(), start.month())];
        let mut month_start = start.with_day(1).expect("day 1 exists");
        loop {
            month_start = month_start + Months::new(1);
            if month_start >= end {
                break;
            }
            boundaries_days.push((month_start - start).num_days() as f64);
            labels.push(format!(
                "{:04}-{:02}",
                month_start.year(),
                month_start.month()
            ));
        }
        boundaries_days.push((end - start).num_days() as f64);
        let month_by_day = boundaries_days
            .windows(2)
            .enumerate()
            .flat_map(|(month, bounds)| {
                let month = u16::try_from(month).expect("validated: horizon under 200 years");
                std::iter::repeat_n(month, (bounds[1] - bounds[0]) as usize)
            })
            .collect();
        Self {
            start,
            end,
            boundaries_days,
            labels,
            month_by_day,
        }
    }

    /// Returns the horizon length in days.
    pub fn horizon_days(&self) -> f64 {
        *self
            .boundaries_days
            .last()
            .expect("at least two boundaries")
    }

    /// Returns the number of (possibly partial) months in the horizon.
    pub fn months(&self) -> usize {
        self.labels.len()
    }

    /// Returns the `YYYY-MM` label of month `index`.
    pub fn label(&self, index: usize) -> &str {
        &self.labels[index]
    }

    /// Returns the day offset of `date` from the start (negative before it).
    pub fn day_of(&self, date: NaiveDate) -> f64 {
        (date - self.start).num_days() as f64
    }

    /// Returns the date of day offset `day` (rounded down).
    pub fn date_of(&self, day: f64) -> NaiveDate {
        self.start + chrono::Days::new(day.max(0.0).floor() as u64)
    }

    /// Returns `[from, to)` clipped to the horizon, or `None` if none of it falls within.
    pub fn clip(&self, from: f64, to: f64) -> Option<(f64, f64)> {
        let horizon = self.horizon_days();
        // `to.min(horizon)`, as the horizon is never NaN: one comparison, where `f64::min`
        // would also handle a NaN horizon.
        let to = if to < horizon { to } else { horizon };
        let from = from.max(0.0);
        (from < to).then_some((from, to))
    }

    /// Returns the month containing `day` (clamped to the horizon).
    pub fn month_of(&self, day: f64) -> usize {
        // Boundaries fall on whole days, so the day's floor finds its month. A `u32` holds any
        // day of the horizon and converts from `f64` in fewer instructions than a `usize`. A
        // day past the table is at or after the horizon's end: the table's own bounds check
        // finds it, with no horizon to read and compare first.
        let whole_day = day.max(0.0) as u32 as usize;
        (self.month_by_day.get(whole_day)).map_or(self.months() - 1, |&month| usize::from(month))
    }

    /// Returns the length of month `index` in days (the last may be partial).
    pub fn month_days(&self, index: usize) -> f64 {
        self.boundaries_days[index + 1] - self.boundaries_days[index]
    }
}

/// Per month, the integrals of `N` sums of constant rates over intervals (MW over days gives
/// MW-days): O(1) per interval, however many months it spans, because the months an interval
/// covers whole go into a difference array that `per_month` sums once. Rates booked over the
/// same intervals (MW and spend) share one integral, so an interval's months are found once.
#[derive(Debug, Clone)]
pub struct MonthlyIntegral<'a, const N: usize> {
    calendar: &'a Calendar,
    /// Rate × days in the months an interval covers in part.
    partial: Vec<[f64; N]>,
    /// Change of the rate over whole months, at the first whole month and after the last.
    whole_rate_steps: Vec<[f64; N]>,
}

impl<'a, const N: usize> MonthlyIntegral<'a, N> {
    /// Returns an empty integral over `calendar`'s months.
    pub fn new(calendar: &'a Calendar) -> Self {
        let months = calendar.months();
        Self {
            calendar,
            partial: vec![[0.0; N]; months],
            whole_rate_steps: vec![[0.0; N]; months + 1],
        }
    }

    /// Adds `rates` over `(from, to)`, an interval `Calendar::clip` returned: callers clip it
    /// themselves, as they need its days too.
    pub fn add(&mut self, (from, to): (f64, f64), rates: [f64; N]) {
        let calendar = self.calendar;
        debug_assert!(0.0 <= from && from < to && to <= calendar.horizon_days());
        let (first, last) = (calendar.month_of(from), calendar.month_of(to));
        if first == last {
            for (partial, rate) in self.partial[first].iter_mut().zip(rates) {
                *partial += rate * (to - from);
            }
            return;
        }
        // Bounds and vectors are read once, before the writes that could overwrite them for all
        // the compiler knows.
        let bounds = &calendar.boundaries_days;
        let (first_end_day, last_start_day) = (bounds[first + 1], bounds[last]);
        let (partial, rate_steps) = (&mut self.partial[..], &mut self.whole_rate_steps[..]);
        for (k, &rate) in rates.iter().enumerate() {
            partial[first][k] += rate * (first_end_day - from);
            rate_steps[first + 1][k] += rate;
            rate_steps[last][k] -= rate;
        }
        // `to` on a boundary (or the horizon end) leaves nothing in its month.
        if to > last_start_day {
            for (partial, rate) in partial[last].iter_mut().zip(rates) {
                *partial += rate * (to - last_start_day);
            }
        }
    }

    /// Returns, month by month, its length in days and its rates × days summed: an iterator,
    /// so callers fill their own series without a vector in between. The sums are of quantities
    /// that cannot be negative (MW and spend, less what outages took of them), so a sum below
    /// zero is the rounding left by a rate's steps up and down, added among others (−1e-8 USD
    /// in a month with nothing served): it is returned as 0.
    pub fn per_month(&self) -> impl Iterator<Item = (f64, [f64; N])> + '_ {
        let mut rates = [0.0; N];
        let month_days =
            (self.calendar.boundaries_days.windows(2)).map(|bounds| bounds[1] - bounds[0]);
        (month_days.zip(&self.partial).zip(&self.whole_rate_steps)).map(
            move |((days, partial), rate_steps)| {
                let sums = std::array::from_fn(|k| {
                    rates[k] += rate_steps[k];
                    (partial[k] + rates[k] * days).max(0.0)
                });
                (days, sums)
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn months_follow_the_calendar() {
        // 2025-01-01 .. 2025-04-01: January 31 days, February 28, March 31.
        let cal = Calendar::new(date(2025, 1, 1), date(2025, 4, 1));
        assert_eq!(cal.months(), 3);
        assert_eq!(cal.label(1), "2025-02");
        assert_eq!(cal.horizon_days(), 90.0);
        assert_eq!(cal.month_of(30.9), 0);
        assert_eq!(cal.month_of(31.0), 1);
        assert_eq!(cal.month_of(1e9), 2);
    }

    #[test]
    fn an_integral_splits_an_interval_by_month() {
        let cal = Calendar::new(date(2025, 1, 1), date(2025, 4, 1));
        // 2 MW from day 20 to day 70: 11 days of January, all 28 of February, 11 of March.
        let mut integral = MonthlyIntegral::new(&cal);
        integral.add((20.0, 70.0), [2.0]);
        assert_eq!(
            integral.per_month().collect::<Vec<_>>(),
            vec![(31.0, [22.0]), (28.0, [56.0]), (31.0, [22.0])]
        );
        // Within one month; up to a boundary; up to the horizon's end.
        let mut integral = MonthlyIntegral::new(&cal);
        integral.add((3.0, 5.5), [1.0, 2.0]);
        integral.add((10.0, 59.0), [1.0, 0.0]);
        integral.add((80.0, 90.0), [1.0, 3.0]);
        assert_eq!(
            integral.per_month().collect::<Vec<_>>(),
            vec![
                (31.0, [23.5, 5.0]),
                (28.0, [28.0, 0.0]),
                (31.0, [10.0, 30.0])
            ]
        );
    }

    #[test]
    fn clipping_keeps_what_falls_within_the_horizon() {
        let cal = Calendar::new(date(2025, 1, 1), date(2025, 4, 1));
        assert_eq!(cal.clip(-5.0, 20.0), Some((0.0, 20.0)));
        assert_eq!(cal.clip(80.0, 1e9), Some((80.0, 90.0)));
        assert_eq!(cal.clip(-50.0, -1.0), None);
        assert_eq!(cal.clip(90.0, 95.0), None);
        assert_eq!(cal.clip(30.0, 30.0), None);
    }

    #[test]
    fn a_months_sum_that_rounding_takes_below_zero_is_zero() {
        // 0.3 − 0.1 − 0.2 is −2.8e-17 in floating point: MW booked and taken off again by
        // outages leave nothing, not a sliver below zero.
        let cal = Calendar::new(date(2025, 1, 1), date(2025, 4, 1));
        let mut integral = MonthlyIntegral::<1>::new(&cal);
        let rates = [0.3, -0.1, -0.2];
        for rate in rates {
            integral.add((10.0, 80.0), [rate]);
        }
        assert!(rates.iter().sum::<f64>() < 0.0);
        let sums: Vec<f64> = integral.per_month().map(|(_, [sum])| sum).collect();
        assert_eq!(sums, [0.0, 0.0, 0.0]);
    }

    #[test]
    fn a_mid_month_start_makes_a_partial_first_month() {
        let cal = Calendar::new(date(2025, 1, 21), date(2025, 3, 1));
        assert_eq!(cal.months(), 2);
        assert_eq!(cal.label(0), "2025-01");
        assert_eq!(cal.horizon_days(), 39.0);
    }
}
