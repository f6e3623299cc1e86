//! index.html: a self-contained page (no network, no scripts) showing every chart and the
//! comparison table from compare.csv, with the study's scenario, replications and seed; for a
//! sensitivity analysis, every regime's tornado chart and how to read them.

use std::fmt::Write;

use super::charts::Chart;
use super::data::{CompareRow, Inputs, Study};
use super::prepare::regimes;
use super::regime_colour;
use super::units::{Unit, grouped, replications_per_regime};
use crate::results::Metric;

/// Returns a readable name for a metric column of replications.csv (the raw name for others);
/// the `azure_*` metrics are the incumbent's, named `incumbent`.
fn metric_label(metric: &str, incumbent: &str) -> String {
    let label = match metric {
        "demand_mw_months" => "Demand",
        "served_mw_months" => "Compute served",
        "unmet_mw_months" => "Unmet demand",
        "needs" => "Compute needs",
        "needs_unmet" => "Needs left unmet",
        "mean_wait_days" => "Mean wait",
        "total_cost_usd" => "Total cost to the lab",
        "compute_cost_usd" => "Compute cost",
        "azure_cost_usd" => return format!("{incumbent} cost"),
        "azure_share" => return format!("{incumbent} share"),
        "commitment_spent_usd" => "Commitment spent",
        "commitment_shortfall_usd" => "Commitment shortfall",
        // Every first-refusal term: the ROFR, and ship-first (one with no answer window).
        "rofr_offers" => "First-refusal offers (ROFR, ship-first)",
        "rofr_accepts" => "First-refusal accepts",
        "rofr_declines" => "First-refusal declines",
        "rofr_delay_days" => "First-refusal delay",
        "revenue_usd" => "Revenue",
        "revenue_share_usd" => "Revenue share paid",
        "revenue_lost_usd" => "Revenue lost",
        "deal_shortfall_usd" => "Signed deals' shortfall",
        "host_work_mw_months" => "Providers' own work",
        other => other,
    };
    label.to_string()
}

/// Escapes text for HTML element content and attribute values.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "
body { font-family: system-ui, -apple-system, 'Segoe UI', 'DejaVu Sans', sans-serif; margin: 0;
  color: #222; background: #fafafa; }
main { max-width: 1240px; margin: 0 auto; padding: 16px 20px 40px; }
h1 { font-size: 24px; margin: 8px 0 4px; }
h2 { font-size: 19px; margin: 28px 0 8px; }
.meta { color: #555; margin: 0 0 8px; }
nav a { margin-right: 14px; }
figure { margin: 0; background: #fff; border: 1px solid #ddd; padding: 4px; }
figure img { width: 100%; height: auto; display: block; }
figcaption { color: #555; font-size: 13px; padding: 4px; }
.table-wrap { overflow-x: auto; }
/* Borders kept apart, each cell drawing its own right and bottom: a collapsed border is the
   table's, and would scroll away from the sticky metric column and let the cells show through. */
table { border-collapse: separate; border-spacing: 0; background: #fff; font-size: 14px;
  border-top: 1px solid #ddd; border-left: 1px solid #ddd; }
th, td { border-right: 1px solid #ddd; border-bottom: 1px solid #ddd; padding: 6px 10px;
  vertical-align: top; text-align: right; }
th { background: #f0f0f0; }
th.metric, td.metric { text-align: left; position: sticky; left: 0; }
td.metric { background: #fff; }
td.metric code { color: #777; font-size: 12px; }
.mean { font-weight: 600; }
.sub { color: #666; font-size: 12px; white-space: nowrap; }
.dot { display: inline-block; width: 10px; height: 10px; border-radius: 50%; margin-right: 5px; }
";

/// Renders index.html; image paths are relative (charts/NAME.png) so the folder can move.
pub fn render(inputs: &Inputs, charts: &[Chart<'_>]) -> String {
    let mut html = open_page(&inputs.study, "results");
    html.push_str("<nav>");
    for c in charts {
        let _ = write!(html, "<a href=\"#{}\">{}</a>", c.name, esc(&c.heading));
    }
    html.push_str("<a href=\"#compare\">Comparison table</a></nav>\n");
    for c in charts {
        figure(&mut html, c.name, &c.heading, c.title);
    }
    compare_table(&mut html, inputs);
    html.push_str("</main>\n</body>\n</html>\n");
    html
}

/// Starts a page: the head, a heading naming `what` and the scenario, its description, and a
/// line of the study's replications, seed, baseline, dates and capsim version.
fn open_page(study: &Study, what: &str) -> String {
    let mut html = String::new();
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>capsim: {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n",
        esc(&study.scenario)
    );
    let _ = writeln!(
        html,
        "<h1>capsim {what}: scenario {}</h1>",
        esc(&study.scenario)
    );
    let mut meta = vec![
        replications_per_regime(study.replications),
        format!("master seed {}", esc(&study.seed)),
    ];
    if let Some(b) = &study.baseline {
        meta.push(format!("baseline regime {}", esc(b)));
    }
    match (study.start_date, study.end_date) {
        (Some(s), Some(e)) => meta.push(format!("simulated {s} to {e}")),
        (Some(s), None) => meta.push(format!("simulated from {s}")),
        (None, Some(e)) => meta.push(format!("simulated to {e}")),
        (None, None) => {}
    }
    if let Some(v) = &study.capsim_version {
        meta.push(format!("capsim {}", esc(v)));
    }
    if let Some(d) = &study.description {
        let _ = writeln!(html, "<p>{}</p>", esc(d));
    }
    let _ = writeln!(html, "<p class=\"meta\">{}</p>", meta.join(" &middot; "));
    html
}

/// Writes a chart's section: its heading, and the PNG linking to the SVG, `title` as alt text.
fn figure(html: &mut String, name: &str, heading: &str, title: &str) {
    let _ = writeln!(
        html,
        "<section id=\"{name}\">\n<h2>{heading}</h2>\n<figure><a href=\"charts/{name}.svg\">\
         <img src=\"charts/{name}.png\" alt=\"{title}\"></a>\n<figcaption>charts/{name}.png \
         (click for the SVG)</figcaption></figure>\n</section>",
        heading = esc(heading),
        title = esc(title),
    );
}

/// A regime's tornado chart as index.html links it.
pub struct TornadoPage<'a> {
    /// File stem under charts/ (NAME.png, NAME.svg).
    pub name: &'a str,
    /// The regime.
    pub regime: &'a str,
    /// The title drawn on the chart (the image's alt text).
    pub title: &'a str,
}

/// Renders a sensitivity study's index.html: how to read the tornado charts, then each
/// regime's chart, so that the charts of every regime are one page and not a folder of files.
pub fn render_tornado(study: &Study, charts: &[TornadoPage<'_>]) -> String {
    let mut html = open_page(study, "sensitivity");
    html.push_str(
        "<p>Each uncertain input of the scenario is moved to its low and then its high value, \
         one at a time, every other input at its distribution and the same seed in every run. \
         A bar runs from the base run's mean (the vertical line) to the metric's mean with the \
         input at its low value (blue) or its high value (orange). Inputs are sorted by swing, \
         |metric at high &minus; metric at low|, and each panel shows the largest; every input \
         and metric is in <code>tornado.csv</code>, and how each input's values were chosen in \
         <code>inputs.csv</code>.</p>\n",
    );
    html.push_str("<nav>");
    for c in charts {
        let _ = write!(html, "<a href=\"#{}\">{}</a>", c.name, esc(c.regime));
    }
    html.push_str("</nav>\n");
    for c in charts {
        figure(&mut html, c.name, c.regime, c.title);
    }
    html.push_str("</main>\n</body>\n</html>\n");
    html
}

fn compare_table(html: &mut String, inputs: &Inputs) {
    let regimes = regimes(inputs);
    let baseline = inputs.study.baseline.as_deref();
    let _ = writeln!(
        html,
        "<section id=\"compare\">\n<h2>Regimes compared ({})</h2>\n\
         <p class=\"meta\">Values are in the unit after each metric&rsquo;s name ($B, $M and \
         $K: billions, millions and thousands of US dollars; $ alone: US dollars). Mean across replications in bold; below it the 95% confidence interval of \
         the mean, the 5th&ndash;95th percentile across replications, and &Delta;, the difference \
         from the baseline regime with its 95% confidence interval (for shares in percentage \
         points, pp). &ldquo;&mdash;&rdquo;: not defined (e.g. with one replication).{}</p>\n\
         <div class=\"table-wrap\"><table>",
        replications_per_regime(inputs.study.replications),
        inputs
            .study
            .percentile_relative_error
            .map_or(String::new(), |e| format!(
                " Percentiles are estimates within {}% relative error.",
                (e * 1e4).round() / 100.0
            ))
    );
    html.push_str("<thead><tr><th class=\"metric\">Metric</th>");
    for r in &regimes {
        let c = regime_colour(r.colour);
        let tag = if baseline == Some(r.name.as_str()) {
            " <span class=\"sub\">(baseline)</span>"
        } else {
            ""
        };
        let _ = write!(
            html,
            "<th><span class=\"dot\" style=\"background:#{:02x}{:02x}{:02x}\"></span>{}{tag}</th>",
            c.0,
            c.1,
            c.2,
            esc(&r.name)
        );
    }
    html.push_str("</tr></thead>\n<tbody>\n");
    for metric in inputs.compare.metrics() {
        let rows: Vec<Option<&CompareRow>> = regimes
            .iter()
            .map(|r| inputs.compare.get(&r.name, metric))
            .collect();
        let max_abs = rows
            .iter()
            .flatten()
            .filter_map(|r| r.mean)
            .fold(0.0, |m: f64, v| m.max(v.abs()));
        let unit = Unit::for_metric(metric, max_abs);
        let unit_note = match unit.label() {
            "" => String::new(),
            label => format!(", {}", esc(label)),
        };
        let _ = write!(
            html,
            "<tr><td class=\"metric\">{}{unit_note}<br><code>{}</code></td>",
            esc(&metric_label(metric, &inputs.study.incumbent_name)),
            esc(metric)
        );
        // A count's percentiles are whole numbers in compare.csv: shown as such, not as 41.0.
        let count = Metric::ALL
            .iter()
            .any(|m| m.name() == metric && m.is_count());
        for row in rows {
            html.push_str("<td>");
            match row {
                Some(row) => cell(html, row, unit, count, inputs.study.replications),
                None => html.push_str("&mdash;"),
            }
            html.push_str("</td>");
        }
        html.push_str("</tr>\n");
    }
    html.push_str("</tbody></table></div>\n</section>\n");
}

/// Writes one regime's statistics for one metric as bare numbers in `unit` (the metric's row
/// header names the unit), the percentiles of a `count` as whole numbers; `replications` is the
/// study's count, and a row based on a different count says so.
fn cell(html: &mut String, row: &CompareRow, unit: Unit, count: bool, replications: u64) {
    let fmt = |v: Option<f64>| v.map_or_else(|| "&mdash;".to_string(), |v| unit.format_bare(v));
    let percentile = |v: Option<f64>| match v {
        Some(v) if count => grouped(v, 0),
        other => fmt(other),
    };
    let signed = |v: Option<f64>| match v {
        Some(v)
            if unit.apply(v) > 0.0
                && unit
                    .format_bare(v)
                    .bytes()
                    .any(|b| matches!(b, b'1'..=b'9')) =>
        {
            format!("+{}", unit.format_bare(v))
        }
        other => fmt(other),
    };
    // Differences of shares are percentage points, not percent.
    let delta_unit = if unit == Unit::Percent { " pp" } else { "" };
    let _ = write!(html, "<div class=\"mean\">{}</div>", fmt(row.mean));
    if row.ci95_low.is_some() || row.ci95_high.is_some() {
        let _ = write!(
            html,
            "<div class=\"sub\">CI {} to {}</div>",
            fmt(row.ci95_low),
            fmt(row.ci95_high)
        );
    }
    if row.p05.is_some() || row.p95.is_some() {
        let _ = write!(
            html,
            "<div class=\"sub\">p05&ndash;p95 {} to {}</div>",
            percentile(row.p05),
            percentile(row.p95)
        );
    }
    let is_baseline = row.baseline.as_deref() == Some(row.regime.as_str());
    if row.delta_mean.is_some() && !is_baseline {
        let _ = write!(
            html,
            "<div class=\"sub\">&Delta; {}{delta_unit}",
            signed(row.delta_mean)
        );
        if row.delta_ci95_low.is_some() || row.delta_ci95_high.is_some() {
            let _ = write!(
                html,
                " ({} to {})",
                signed(row.delta_ci95_low),
                signed(row.delta_ci95_high)
            );
        }
        html.push_str("</div>");
    }
    // A mean over events that did not happen is left out where it did not apply
    // (compare.csv's note says why).
    match row.n.filter(|&n| n != replications) {
        Some(0) => html.push_str("<div class=\"sub\">not applicable</div>"),
        Some(n) => {
            let _ = write!(html, "<div class=\"sub\">n = {n} of {replications}</div>");
        }
        None => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_counts_percentiles_are_whole_numbers() {
        let row = CompareRow {
            regime: "a".into(),
            metric: "needs_unmet".into(),
            n: Some(10),
            mean: Some(265.555),
            sd: None,
            ci95_low: None,
            ci95_high: None,
            p05: Some(41.0),
            p50: Some(249.0),
            p95: Some(1540.0),
            baseline: None,
            delta_mean: None,
            delta_ci95_low: None,
            delta_ci95_high: None,
        };
        let shown = |count: bool| {
            let mut html = String::new();
            cell(&mut html, &row, Unit::Plain, count, 10);
            html
        };
        assert!(
            shown(true).contains("p05&ndash;p95 41 to 1,540<"),
            "{}",
            shown(true)
        );
        assert!(shown(false).contains("p05&ndash;p95 41.0 to 1,540<"));
        // The mean of a count is not a whole number.
        assert!(shown(true).contains(">266<"));
    }

    #[test]
    fn the_signed_deals_shortfall_is_not_labelled_as_paid() {
        // deal_shortfall_usd is every signed deal's shortfall, paid only where the deal is
        // take-or-pay: the default data's AWS expansion is not, and its ~$20B is in the
        // metric (open, 30 replications: $85.7B, of which $66.1B paid, total_cost_usd less
        // compute_cost_usd less the Azure commitment's shortfall).
        let label = metric_label("deal_shortfall_usd", "Microsoft Azure");
        assert_eq!(label, "Signed deals' shortfall");
    }

    #[test]
    fn the_metric_column_stays_in_view_when_the_table_scrolls() {
        // Nine regimes are wider than the page (1,240 px): scrolled to the last ones, each
        // row must still say which metric it is.
        let rule = STYLE
            .lines()
            .find(|line| line.starts_with("th.metric, td.metric"))
            .unwrap();
        assert!(rule.contains("position: sticky; left: 0"), "{rule}");
        assert!(STYLE.contains("td.metric { background: #fff; }"));
    }

    #[test]
    fn escapes_markup() {
        assert_eq!(esc("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
    }
}
