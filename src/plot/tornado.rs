//! Tornado charts of a sensitivity analysis, read from tornado.csv alone: one chart per regime,
//! one panel per metric, the inputs with the largest swing on top.

use std::path::{Path, PathBuf};

use super::charts::tornado as chart;
use super::data::{STUDY_CSV, Table, cells, read_study};
use super::html::{self, TornadoPage};
use super::prepare::{Header, metric_title};
use super::units::Unit;
use super::{CHARTS_DIR, INDEX_HTML, PlotError, register_fonts};

/// The tornado table's file name (as `report` writes it).
pub(super) const TORNADO_CSV: &str = "tornado.csv";
/// Most inputs drawn per panel; the table has them all.
const MAX_BARS: usize = 12;

/// One bar: an input's effect on one metric.
#[derive(Clone, Debug, PartialEq)]
pub struct Bar {
    /// The input's name, with its low and high values when they are single numbers.
    pub label: String,
    /// The metric's mean with the input at its low value, in the panel's unit.
    pub at_low: f64,
    /// The same at the high value.
    pub at_high: f64,
}

/// One panel: one metric of one regime.
#[derive(Clone, Debug, PartialEq)]
pub struct Panel {
    /// The metric as a heading, with its unit.
    pub title: String,
    /// The unit values are shown in.
    pub unit: Unit,
    /// The base mean, in `unit`.
    pub base: f64,
    /// Bars of the inputs that move the metric, largest swing first (at most `MAX_BARS`).
    pub bars: Vec<Bar>,
    /// How many inputs move the metric (swing above zero).
    pub moving: usize,
    /// How many inputs the table has for this metric.
    pub inputs: usize,
}

/// One chart: a regime's panels.
#[derive(Clone, Debug, PartialEq)]
pub struct TornadoChart {
    /// Title and subtitle.
    pub header: Header,
    /// The regime's name, as in the table.
    pub regime: String,
    /// Panels, in table order of metrics.
    pub panels: Vec<Panel>,
}

/// A row of tornado.csv as read.
struct Row {
    regime: String,
    input: String,
    metric: String,
    low_value: Option<f64>,
    high_value: Option<f64>,
    at_low: f64,
    at_high: f64,
    base: f64,
    swing: f64,
}

fn read(path: &Path) -> Result<Vec<Row>, PlotError> {
    let table = Table::read(path)?;
    let [
        regime,
        input,
        metric,
        low,
        high,
        at_low,
        at_high,
        base,
        swing,
    ] = [
        table.col("regime")?,
        table.col("input")?,
        table.col("metric")?,
        table.col("low_value")?,
        table.col("high_value")?,
        table.col("metric_at_low")?,
        table.col("metric_at_high")?,
        table.col("base")?,
        table.col("swing")?,
    ];
    let mut rows = Vec::with_capacity(table.rows.len());
    for raw in &table.rows {
        let c = cells(&table, raw);
        rows.push(Row {
            regime: c.name(regime)?.to_string(),
            input: c.name(input)?.to_string(),
            metric: c.name(metric)?.to_string(),
            low_value: c.opt_number(low)?,
            high_value: c.opt_number(high)?,
            at_low: c.number(at_low)?,
            at_high: c.number(at_high)?,
            base: c.number(base)?,
            swing: c.number(swing)?,
        });
    }
    if rows.is_empty() {
        return Err(PlotError::NoData {
            path: path.to_path_buf(),
        });
    }
    Ok(rows)
}

/// Writes an input's value for a label: at most three significant digits, with k, M or B for
/// thousands, millions and billions (800k, 1.4M), trailing zeros dropped.
fn short(v: f64) -> String {
    let (scaled, suffix) = match v.abs() {
        a if a >= 1e9 => (v / 1e9, "B"),
        a if a >= 1e6 => (v / 1e6, "M"),
        a if a >= 1e4 => (v / 1e3, "k"),
        _ => (v, ""),
    };
    let decimals = match scaled.abs() {
        0.0 => 0,
        a => (2 - a.log10().floor() as i32).clamp(0, 6) as usize,
    };
    let text = format!("{scaled:.decimals$}");
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        &text
    };
    format!("{text}{suffix}")
}

/// Groups the rows into one chart per regime (first-appearance order); `incumbent` names the
/// provider of the `azure_*` metrics.
fn prepare(rows: &[Row], incumbent: &str) -> Vec<TornadoChart> {
    let mut regimes: Vec<&str> = Vec::new();
    for r in rows {
        if !regimes.contains(&r.regime.as_str()) {
            regimes.push(&r.regime);
        }
    }
    regimes
        .into_iter()
        .map(|regime| {
            let mine: Vec<&Row> = rows.iter().filter(|r| r.regime == regime).collect();
            let mut metrics: Vec<&str> = Vec::new();
            for r in &mine {
                if !metrics.contains(&r.metric.as_str()) {
                    metrics.push(&r.metric);
                }
            }
            let panels = metrics
                .into_iter()
                .map(|metric| {
                    let mut group: Vec<&Row> = mine
                        .iter()
                        .copied()
                        .filter(|r| r.metric == metric)
                        .collect();
                    group.sort_by(|a, b| b.swing.total_cmp(&a.swing).then(a.input.cmp(&b.input)));
                    let max_abs = group
                        .iter()
                        .flat_map(|r| [r.at_low, r.at_high, r.base])
                        .fold(0.0f64, |m, v| m.max(v.abs()));
                    let unit = Unit::for_metric(metric, max_abs);
                    let moving = group.iter().filter(|r| r.swing > 0.0).count();
                    let bars = group
                        .iter()
                        .take(moving.min(MAX_BARS))
                        .map(|r| Bar {
                            label: match (r.low_value, r.high_value) {
                                (Some(l), Some(h)) => {
                                    format!("{} ({} to {})", r.input, short(l), short(h))
                                }
                                _ => r.input.clone(),
                            },
                            at_low: unit.apply(r.at_low),
                            at_high: unit.apply(r.at_high),
                        })
                        .collect();
                    let unit_label = match unit.label() {
                        "" => String::new(),
                        u => format!(", {u}"),
                    };
                    Panel {
                        title: format!("{}{unit_label}", metric_title(metric, incumbent)),
                        unit,
                        base: unit.apply(group[0].base),
                        bars,
                        moving,
                        inputs: group.len(),
                    }
                })
                .collect();
            TornadoChart {
                header: Header {
                    title: format!("What moves the results: regime {regime}"),
                    subtitle: format!(
                        "Mean over replications with each uncertain input at its low value (blue) \
                         and its high value (orange), one at a time, all other inputs at their \
                         distributions, the same seed in every run; the line is the base mean. \
                         The inputs that move a metric most are on top, at most {MAX_BARS} a panel \
                         (tornado.csv has every input)."
                    ),
                },
                regime: regime.to_string(),
                panels,
            }
        })
        .collect()
}

/// Returns a file stem for a regime's chart: `tornado_` and the name with characters other
/// than letters, digits, `-` and `_` replaced by `_`.
fn file_stem(regime: &str) -> String {
    let safe: String = regime
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("tornado_{safe}")
}

/// Draws one tornado chart per regime from `csv_dir/tornado.csv` (and the incumbent's name from
/// study.csv) into `out_dir/charts/` (the same folder for a sensitivity analysis) as
/// tornado_REGIME.png and .svg, and `out_dir/index.html` showing them all; returns the paths
/// written. Meant for a staging folder: files are written in place.
pub fn draw_tornado(csv_dir: &Path, out_dir: &Path) -> Result<Vec<PathBuf>, PlotError> {
    let rows = read(&csv_dir.join(TORNADO_CSV))?;
    let study = read_study(&csv_dir.join(STUDY_CSV))?;
    let charts = prepare(&rows, &study.incumbent_name);
    register_fonts()?;
    let charts_dir = out_dir.join(CHARTS_DIR);
    std::fs::create_dir_all(&charts_dir).map_err(|source| PlotError::Write {
        path: charts_dir.clone(),
        source,
    })?;
    let stems: Vec<String> = charts.iter().map(|c| file_stem(&c.regime)).collect();
    let mut written = Vec::new();
    for (c, stem) in charts.iter().zip(&stems) {
        written.extend(chart::render(&charts_dir, stem, c)?);
    }
    let pages: Vec<TornadoPage> = charts
        .iter()
        .zip(&stems)
        .map(|(c, stem)| TornadoPage {
            name: stem,
            regime: &c.regime,
            title: &c.header.title,
        })
        .collect();
    let index = out_dir.join(INDEX_HTML);
    std::fs::write(&index, html::render_tornado(&study, &pages)).map_err(|source| {
        PlotError::Write {
            path: index.clone(),
            source,
        }
    })?;
    written.push(index);
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CSV: &str = "\
regime,input,metric,low_value,high_value,metric_at_low,metric_at_high,base,swing
open,market.price_trend_per_year,total_cost_usd,-0.4,0.2,700000000000,1100000000000,900000000000,400000000000
open,providers.azure.share_available,total_cost_usd,0.4,0.8,950000000000,880000000000,900000000000,70000000000
open,providers.azure.capacity.*.slip_probability,total_cost_usd,,,905000000000,895000000000,900000000000,10000000000
open,market.price_trend_per_year,azure_share,-0.4,0.2,0.6,0.6,0.6,0
open,providers.azure.share_available,azure_share,0.4,0.8,0.5,0.7,0.6,0.2
open,providers.azure.capacity.*.slip_probability,azure_share,,,0.61,0.59,0.6,0.02
rofr/x,market.price_trend_per_year,total_cost_usd,-0.4,0.2,1,2,1.5,1
";

    /// A sensitivity folder's study.csv, with `incumbent_name`.
    fn study(incumbent_name: &str) -> String {
        format!(
            "key,value\nscenario,s\nreplications,8\nseed,1\nincumbent,cloud\n\
             incumbent_name,{incumbent_name}\n"
        )
    }

    #[test]
    fn one_chart_per_regime_with_panels_sorted_by_swing() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(TORNADO_CSV), CSV).unwrap();
        std::fs::write(dir.path().join(STUDY_CSV), study("Big Cloud")).unwrap();
        let charts = prepare(&read(&dir.path().join(TORNADO_CSV)).unwrap(), "Azure");
        assert_eq!(charts.len(), 2);
        let open = &charts[0];
        assert_eq!(open.panels.len(), 2);
        let cost = &open.panels[0];
        assert_eq!(cost.unit, Unit::UsdBillions);
        assert_eq!(cost.base, 900.0);
        assert_eq!(
            cost.bars[0].label,
            "market.price_trend_per_year (-0.4 to 0.2)"
        );
        assert_eq!((cost.bars[0].at_low, cost.bars[0].at_high), (700.0, 1100.0));
        assert_eq!(
            cost.bars[2].label,
            "providers.azure.capacity.*.slip_probability"
        );
        let share = &open.panels[1];
        assert_eq!(share.title, "Azure share of MW-months served, %");
        assert_eq!(
            share.bars[0].label,
            "providers.azure.share_available (0.4 to 0.8)"
        );
        assert_eq!(share.bars[1].at_high, 59.0);
        // Inputs that do not move a metric get no bar.
        assert_eq!((share.moving, share.inputs, share.bars.len()), (2, 3, 2));

        let written = draw_tornado(dir.path(), dir.path()).unwrap();
        let names: Vec<String> = written
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            names,
            [
                "tornado_open.png",
                "tornado_open.svg",
                "tornado_rofr_x.png",
                "tornado_rofr_x.svg",
                "index.html"
            ]
        );
        // index.html shows each regime's chart under the regime's own name.
        let index = std::fs::read_to_string(&written[4]).unwrap();
        assert!(index.contains("<h1>capsim sensitivity: scenario s</h1>"));
        assert!(index.contains("<h2>rofr/x</h2>"));
        assert!(index.contains("<img src=\"charts/tornado_rofr_x.png\""));
        let svg = std::fs::read_to_string(&written[1]).unwrap();
        assert!(svg.contains("What moves the results: regime open"));
        // The share is the incumbent's, by the name study.csv gives it.
        assert!(svg.contains("Big Cloud share of MW-months served"));
        assert!(!svg.contains("Azure"));
    }

    #[test]
    fn a_low_bar_on_the_same_side_as_a_longer_high_bar_stays_in_view() {
        // Both values lower the cost, the high one more: the blue bar from 10 to 8 lies wholly
        // inside the orange one from 10 to 4, so it must be drawn after it, not under it.
        let dir = tempfile::tempdir().unwrap();
        let csv = "regime,input,metric,low_value,high_value,metric_at_low,metric_at_high,base,swing\n\
                   open,x,total_cost_usd,1,2,8000000000,4000000000,10000000000,4000000000\n";
        std::fs::write(dir.path().join(TORNADO_CSV), csv).unwrap();
        std::fs::write(dir.path().join(STUDY_CSV), study("Azure")).unwrap();
        let written = draw_tornado(dir.path(), dir.path()).unwrap();
        let svg = std::fs::read_to_string(&written[1]).unwrap();
        // Where the rectangles of each colour start, in drawing order: the legend's swatch,
        // then the bar (blue low, orange high, as charts::tornado colours them).
        let rects = |fill: &str| -> Vec<usize> {
            (svg.match_indices("<rect"))
                .filter(|(at, _)| svg[*at..].split('>').next().unwrap().contains(fill))
                .map(|(at, _)| at)
                .collect()
        };
        let (low, high) = (rects("fill=\"#4E79A7\""), rects("fill=\"#F28E2B\""));
        assert_eq!((low.len(), high.len()), (2, 2));
        assert!(high[1] < low[1], "the low bar is drawn under the high one");
    }

    #[test]
    fn input_values_are_written_short() {
        let cases = [
            (800_000.0, "800k"),
            (1_400_000.0, "1.4M"),
            (250e9, "250B"),
            (91.0, "91"),
            (1.05, "1.05"),
            (-0.4, "-0.4"),
            (0.0, "0"),
            (0.6000000000000001, "0.6"),
            (0.0123, "0.0123"),
        ];
        for (v, text) in cases {
            assert_eq!(short(v), text, "{v}");
        }
    }

    #[test]
    fn a_missing_column_is_named() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(TORNADO_CSV),
            CSV.replacen("swing", "swung", 1),
        )
        .unwrap();
        std::fs::write(dir.path().join(STUDY_CSV), study("Azure")).unwrap();
        match draw_tornado(dir.path(), dir.path()) {
            Err(PlotError::MissingColumn { column, .. }) => assert_eq!(column, "swing"),
            other => panic!("wrong result: {other:?}"),
        }
    }
}
