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
        Self {
            start,
            end,
            boundaries_days,
            labels,
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

    /// Returns the month containing `day` (clamped to the horizon).
    pub fn month_of(&self, day: f64) -> usize {
        let after = self.boundaries_days.partition_point(|&b| b <= day);
        after.saturating_sub(1).min(self.months() - 1)
    }

    /// Calls `add(month, overlap_days, month_days)` for each month that `[from, to)` overlaps
    /// (clipped to the horizon). O(months overlapped).
    pub fn for_each_overlap(&self, from: f64, to: f64, mut add: impl FnMut(usize, f64, f64)) {
        let (from, to) = (from.max(0.0), to.min(self.horizon_days()));
        if to <= from {
            return;
        }
        let mut month = self.month_of(from);
        while month < self.months() {
            let (lo, hi) = (self.boundaries_days[month], self.boundaries_days[month + 1]);
            if lo >= to {
                break;
            }
            let overlap = hi.min(to) - lo.max(from);
            if overlap > 0.0 {
                add(month, overlap, hi - lo);
            }
            month += 1;
        }
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
    fn overlaps_split_an_interval_by_month() {
        let cal = Calendar::new(date(2025, 1, 1), date(2025, 4, 1));
        let mut seen = vec![];
        // Day 20 to day 70: 11 days of January, all 28 of February, 11 of March.
        cal.for_each_overlap(20.0, 70.0, |m, days, len| seen.push((m, days, len)));
        assert_eq!(
            seen,
            vec![(0, 11.0, 31.0), (1, 28.0, 28.0), (2, 11.0, 31.0)]
        );
    }

    #[test]
    fn a_mid_month_start_makes_a_partial_first_month() {
        let cal = Calendar::new(date(2025, 1, 21), date(2025, 3, 1));
        assert_eq!(cal.months(), 2);
        assert_eq!(cal.label(0), "2025-01");
        assert_eq!(cal.horizon_days(), 39.0);
    }
}
