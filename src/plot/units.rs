//! Display units: which unit a quantity is shown in (by its name's suffix and size) and how a
//! value is written in that unit, shared by the charts, the HTML table and the run's headline.

/// A unit to show a quantity in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// Billions of US dollars.
    UsdBillions,
    /// Millions of US dollars (for small amounts).
    UsdMillions,
    /// Thousands of US dollars (for smaller still, such as a queueing example's).
    UsdThousands,
    /// US dollars (below a thousand).
    Usd,
    /// Percent, from a share in 0..1.
    Percent,
    /// Gigawatts, from MW.
    Gw,
    /// Megawatts.
    Mw,
    /// Gigawatt-months, from MW-months.
    GwMonths,
    /// Megawatt-months.
    MwMonths,
    /// Days.
    Days,
    /// A plain number (counts).
    Plain,
}

/// MW values above this are shown in GW (2000 MW reads better as 2 GW).
const GW_ABOVE_MW: f64 = 2000.0;
/// Dollar amounts at least this large are shown in billions.
const BILLIONS_FROM_USD: f64 = 1e8;
/// Dollar amounts at least this large (and below billions) are shown in millions.
const MILLIONS_FROM_USD: f64 = 1e5;
/// Dollar amounts at least this large (and below millions) are shown in thousands.
const THOUSANDS_FROM_USD: f64 = 1e3;

impl Unit {
    /// Picks the unit for a metric column name, given the largest magnitude it must show.
    pub fn for_metric(name: &str, max_abs: f64) -> Unit {
        if name.ends_with("_usd") {
            Unit::money(max_abs)
        } else if name.ends_with("share") {
            Unit::Percent
        } else if name.ends_with("_mw_months") {
            if max_abs > GW_ABOVE_MW {
                Unit::GwMonths
            } else {
                Unit::MwMonths
            }
        } else if name.ends_with("_mw") {
            Unit::power(max_abs)
        } else if name.ends_with("_days") {
            Unit::Days
        } else {
            Unit::Plain
        }
    }

    /// Picks GW or MW for power whose largest value is `max_mw`.
    pub fn power(max_mw: f64) -> Unit {
        if max_mw > GW_ABOVE_MW {
            Unit::Gw
        } else {
            Unit::Mw
        }
    }

    /// Picks $B, or $M, $K or $ when every amount is small (but not all zero).
    pub fn money(max_usd: f64) -> Unit {
        if max_usd >= BILLIONS_FROM_USD || max_usd == 0.0 {
            Unit::UsdBillions
        } else if max_usd >= MILLIONS_FROM_USD {
            Unit::UsdMillions
        } else if max_usd >= THOUSANDS_FROM_USD {
            Unit::UsdThousands
        } else {
            Unit::Usd
        }
    }

    /// Converts a value in the file's unit (USD, share, MW, MW-months, days) to this unit.
    pub fn apply(self, value: f64) -> f64 {
        match self {
            Unit::UsdBillions => value / 1e9,
            Unit::UsdMillions => value / 1e6,
            Unit::UsdThousands => value / 1e3,
            Unit::Percent => value * 100.0,
            Unit::Gw | Unit::GwMonths => value / 1e3,
            Unit::Usd | Unit::Mw | Unit::MwMonths | Unit::Days | Unit::Plain => value,
        }
    }

    /// Returns the short unit label for an axis ("$B", "%", "GW", ...).
    pub fn label(self) -> &'static str {
        match self {
            Unit::UsdBillions => "$B",
            Unit::UsdMillions => "$M",
            Unit::UsdThousands => "$K",
            Unit::Usd => "$",
            Unit::Percent => "%",
            Unit::Gw => "GW",
            Unit::Mw => "MW",
            Unit::GwMonths => "GW-months",
            Unit::MwMonths => "MW-months",
            Unit::Days => "days",
            Unit::Plain => "",
        }
    }

    /// Writes a value given in the file's unit, converted, without the unit ("12.3", "41.0").
    pub fn format_bare(self, value: f64) -> String {
        let v = self.apply(value);
        if self == Unit::Percent {
            grouped(v, 1)
        } else {
            number(v)
        }
    }

    /// Writes a value given in the file's unit, converted and with its unit ("$12.3B", "41.0%").
    pub fn format(self, value: f64) -> String {
        self.write(self.apply(value))
    }

    /// Writes a value already in this unit, with the unit ("$12.3B", "41.0%", "5.20 GW").
    pub fn write(self, v: f64) -> String {
        match self {
            Unit::UsdBillions => format!("{}${}B", sign(v), number(v.abs())),
            Unit::UsdMillions => format!("{}${}M", sign(v), number(v.abs())),
            Unit::UsdThousands => format!("{}${}K", sign(v), number(v.abs())),
            Unit::Usd => format!("{}${}", sign(v), number(v.abs())),
            Unit::Percent => format!("{v:.1}%"),
            Unit::Plain => number(v),
            _ => format!("{} {}", number(v), self.label()),
        }
    }
}

fn sign(v: f64) -> &'static str {
    if v < 0.0 { "-" } else { "" }
}

/// Writes a number with about three significant digits and thousands separators:
/// 1234.5 -> "1,235", 56.78 -> "56.8", 0.1234 -> "0.12", 0.0065 -> "0.0065" (two significant
/// digits below 0.1, not "0.01"), and zero as "0"; below 1e-4 in the shown unit, "0.00" (a
/// chart's ticks and labels need no more digits than that).
pub fn number(v: f64) -> String {
    let decimals = match v.abs() {
        0.0 => 0,
        a if a >= 100.0 => 0,
        a if a >= 10.0 => 1,
        a if (1e-4..0.1).contains(&a) => (1 - a.log10().floor() as i32) as usize,
        _ => 2,
    };
    grouped(v, decimals)
}

/// Writes `v` with `decimals` decimals and commas between thousands; never "-0".
pub fn grouped(v: f64, decimals: usize) -> String {
    let text = format!("{:.*}", decimals, v.abs());
    let (int, frac) = text.split_once('.').unwrap_or((text.as_str(), ""));
    let mut out = String::new();
    if v < 0.0 && text.bytes().any(|b| matches!(b, b'1'..=b'9')) {
        out.push('-');
    }
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    if !frac.is_empty() {
        out.push('.');
        out.push_str(frac);
    }
    out
}

/// "N replications per regime", N grouped by thousands as the axes are: the charts' titles and
/// the report page say it alike.
pub fn replications_per_regime(replications: u64) -> String {
    let plural = if replications == 1 { "" } else { "s" };
    format!(
        "{} replication{plural} per regime",
        grouped(replications as f64, 0)
    )
}

/// Most intervals between ticks on a chart's value (y) axis.
pub const Y_INTERVALS: usize = 7;
/// Most intervals between ticks on the regime comparison's value (x) axis, which is narrower.
pub const X_INTERVALS: usize = 5;

/// Tick marks for a linear axis: round values and how many decimals their labels need.
#[derive(Clone, Debug, PartialEq)]
pub struct Ticks {
    /// Tick positions, ascending.
    pub values: Vec<f64>,
    /// Decimals that write every tick exactly.
    pub decimals: usize,
}

impl Ticks {
    /// Chooses at most `max_intervals` + 1 ticks at multiples of 1, 2, 2.5 or 5 times a power of
    /// ten inside `lo..=hi`. A zero-width or non-finite range gets the ticks of 0..1.
    pub fn new(lo: f64, hi: f64, max_intervals: usize) -> Ticks {
        let (lo, hi) = if lo.is_finite() && hi.is_finite() && hi > lo {
            (lo, hi)
        } else {
            (0.0, 1.0)
        };
        let rough = (hi - lo) / max_intervals.max(1) as f64;
        let magnitude = 10f64.powf(rough.log10().floor());
        let step = [1.0, 2.0, 2.5, 5.0, 10.0]
            .iter()
            .map(|m| m * magnitude)
            .find(|&s| s >= rough * (1.0 - 1e-9))
            .unwrap_or(10.0 * magnitude);
        let first = (lo / step - 1e-9).ceil() as i64;
        let last = (hi / step + 1e-9).floor() as i64;
        let values = (first..=last).map(|k| k as f64 * step).collect();
        let decimals = (0..=9)
            .find(|&d| {
                let scaled = step * 10f64.powi(d as i32);
                (scaled - scaled.round()).abs() < 1e-6 * scaled.max(1.0)
            })
            .unwrap_or(9);
        Ticks { values, decimals }
    }

    /// Writes a tick value ("2,000", "0.25").
    pub fn label(&self, v: f64) -> String {
        grouped(v, self.decimals)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replication_counts_read_as_the_axes_do() {
        assert_eq!(replications_per_regime(1), "1 replication per regime");
        assert_eq!(
            replications_per_regime(1000),
            "1,000 replications per regime"
        );
        assert_eq!(
            replications_per_regime(100_000),
            "100,000 replications per regime"
        );
    }

    #[test]
    fn picks_units_by_suffix_and_size() {
        assert_eq!(Unit::for_metric("total_cost_usd", 3e11), Unit::UsdBillions);
        assert_eq!(Unit::for_metric("revenue_lost_usd", 5e6), Unit::UsdMillions);
        assert_eq!(Unit::for_metric("revenue_lost_usd", 1e5), Unit::UsdMillions);
        assert_eq!(
            Unit::for_metric("total_cost_usd", 6_480.0),
            Unit::UsdThousands
        );
        assert_eq!(Unit::for_metric("azure_share", 0.4), Unit::Percent);
        assert_eq!(
            Unit::for_metric("unmet_mw_months", 12_000.0),
            Unit::GwMonths
        );
        assert_eq!(Unit::for_metric("unmet_mw_months", 1_500.0), Unit::MwMonths);
        assert_eq!(Unit::for_metric("mean_wait_days", 3.0), Unit::Days);
        assert_eq!(Unit::for_metric("rofr_offers", 3.0), Unit::Plain);
    }

    #[test]
    fn formats_values_with_units() {
        assert_eq!(Unit::UsdBillions.format(312_400_000_000.0), "$312B");
        assert_eq!(Unit::UsdBillions.format(-1_250_000_000.0), "-$1.25B");
        assert_eq!(Unit::Percent.format(0.4123), "41.2%");
        assert_eq!(Unit::GwMonths.format(12_345.0), "12.3 GW-months");
        assert_eq!(number(1_234_567.0), "1,234,567");
        assert_eq!(number(-0.001), "-0.0010");
        assert_eq!(number(0.0065), "0.0065");
        assert_eq!(number(0.05), "0.050");
        assert_eq!(number(-0.00001), "0.00");
        assert_eq!(Unit::UsdMillions.format(6_480.0), "$0.0065M");
        assert_eq!(Unit::UsdThousands.format(6_480.0), "$6.48K");
        assert_eq!(Unit::UsdThousands.format(-250.0), "-$0.25K");
        assert_eq!(Unit::Usd.format(108.2), "$108");
        assert_eq!(number(0.0), "0");
        assert_eq!(Unit::UsdBillions.format(0.0), "$0B");
        // A value already in the unit (a tornado's base mean) is written the same way.
        assert_eq!(Unit::Percent.write(100.0), "100.0%");
        assert_eq!(Unit::UsdBillions.write(12.34), "$12.3B");
        assert_eq!(Unit::Gw.write(5.2), "5.20 GW");
    }

    #[test]
    fn ticks_are_round_and_labelled_exactly() {
        let t = Ticks::new(0.0, 300.0, 6);
        assert_eq!(t.values, vec![0.0, 50.0, 100.0, 150.0, 200.0, 250.0, 300.0]);
        assert_eq!(t.label(250.0), "250");
        let t = Ticks::new(0.0, 1.2, 6);
        assert_eq!(t.values.len(), 7);
        assert_eq!(t.label(t.values[1]), "0.2");
        let t = Ticks::new(0.0, 12_000.0, 6);
        assert_eq!(t.label(t.values[1]), "2,000");
        assert_eq!(Ticks::new(0.0, 0.0, 6), Ticks::new(0.0, 1.0, 6));
        assert_eq!(Ticks::new(0.0, 1.5, 6).label(0.25), "0.25");
    }
}
