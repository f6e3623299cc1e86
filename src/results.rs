//! What one replication of one regime produces: totals, per-provider totals and monthly
//! series. The simulation fills it; experiments aggregate it; reports read it.

/// The totals of one replication, in the column order of replications.csv.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(usize)]
pub enum Metric {
    /// MW-months wanted within the horizon (served + unmet).
    DemandMwMonths,
    /// MW-months delivered (outage losses excluded).
    ServedMwMonths,
    /// MW-months wanted and not served: days waited for delivery, needs given up or still
    /// waiting at the end, and outage losses.
    UnmetMwMonths,
    /// Needs that arrived (including capacity in service at the start).
    Needs,
    /// Needs never served.
    NeedsUnmet,
    /// Mean days from a served new need's wanted start to its delivery (NaN, not applicable,
    /// when no new need was served).
    MeanWaitDays,
    /// Compute cost plus take-or-pay shortfall payments.
    TotalCostUsd,
    /// Σ price × MW × time over everything served.
    ComputeCostUsd,
    /// What the lab paid the incumbent (Azure): compute and take-or-pay shortfall.
    AzureCostUsd,
    /// The incumbent's share of MW-months served (0..1; NaN, not applicable, when nothing was
    /// served).
    AzureShare,
    /// Spend that counted towards the incumbent's (Azure's) spend commitments (NaN, not
    /// applicable, when the regime has none).
    CommitmentSpentUsd,
    /// The incumbent's commitment amount not spent by its deadline (NaN, not applicable, when
    /// the regime has no commitment to it).
    CommitmentShortfallUsd,
    /// Shortfall on signed deals with other providers: what the lab left unbought of what they
    /// made available, paid only where a deal is take-or-pay (`commitments.csv` says which;
    /// NaN, not applicable, when the regime has no such deal).
    DealShortfallUsd,
    /// Needs offered to a first-refusal holder: under a ROFR, or ship-first (a first refusal
    /// with no answer window).
    RofrOffers,
    /// Offers the holder took. With the declines they fall short of the offers by those that
    /// lapsed when the right ended and those still unanswered at the horizon.
    RofrAccepts,
    /// Offers the holder declined: no room, or it could not deliver before the need's patience
    /// ran out.
    RofrDeclines,
    /// Mean days the answer window put off the delivery of the offered needs that were served
    /// (NaN, not applicable, when none was).
    RofrDelayDays,
    /// Revenue earned on served product capacity.
    RevenueUsd,
    /// Revenue share paid to the holder of a revenue-share term.
    RevenueShareUsd,
    /// Revenue lost on unmet product capacity.
    RevenueLostUsd,
    /// MW-months the providers' own work held (Microsoft's AI on Azure): not the lab's, but
    /// taken from the room the lab competes for.
    HostWorkMwMonths,
}

impl Metric {
    /// Every metric, in column order.
    pub const ALL: [Metric; 21] = [
        Metric::DemandMwMonths,
        Metric::ServedMwMonths,
        Metric::UnmetMwMonths,
        Metric::Needs,
        Metric::NeedsUnmet,
        Metric::MeanWaitDays,
        Metric::TotalCostUsd,
        Metric::ComputeCostUsd,
        Metric::AzureCostUsd,
        Metric::AzureShare,
        Metric::CommitmentSpentUsd,
        Metric::CommitmentShortfallUsd,
        Metric::DealShortfallUsd,
        Metric::RofrOffers,
        Metric::RofrAccepts,
        Metric::RofrDeclines,
        Metric::RofrDelayDays,
        Metric::RevenueUsd,
        Metric::RevenueShareUsd,
        Metric::RevenueLostUsd,
        Metric::HostWorkMwMonths,
    ];
    /// Number of metrics.
    pub const COUNT: usize = Self::ALL.len();

    /// Returns the CSV column name, with its unit.
    pub fn name(self) -> &'static str {
        match self {
            Metric::DemandMwMonths => "demand_mw_months",
            Metric::ServedMwMonths => "served_mw_months",
            Metric::UnmetMwMonths => "unmet_mw_months",
            Metric::Needs => "needs",
            Metric::NeedsUnmet => "needs_unmet",
            Metric::MeanWaitDays => "mean_wait_days",
            Metric::TotalCostUsd => "total_cost_usd",
            Metric::ComputeCostUsd => "compute_cost_usd",
            Metric::AzureCostUsd => "azure_cost_usd",
            Metric::AzureShare => "azure_share",
            Metric::CommitmentSpentUsd => "commitment_spent_usd",
            Metric::CommitmentShortfallUsd => "commitment_shortfall_usd",
            Metric::DealShortfallUsd => "deal_shortfall_usd",
            Metric::RofrOffers => "rofr_offers",
            Metric::RofrAccepts => "rofr_accepts",
            Metric::RofrDeclines => "rofr_declines",
            Metric::RofrDelayDays => "rofr_delay_days",
            Metric::RevenueUsd => "revenue_usd",
            Metric::RevenueShareUsd => "revenue_share_usd",
            Metric::RevenueLostUsd => "revenue_lost_usd",
            Metric::HostWorkMwMonths => "host_work_mw_months",
        }
    }

    /// Whether the metric counts things (needs, offers), so that its percentiles are whole
    /// numbers.
    pub fn is_count(self) -> bool {
        matches!(
            self,
            Metric::Needs
                | Metric::NeedsUnmet
                | Metric::RofrOffers
                | Metric::RofrAccepts
                | Metric::RofrDeclines
        )
    }

    /// For a mean over events that may not happen in a replication, what is then missing: its
    /// value is NaN there, written as an empty cell and left out of the statistics (a 0 would
    /// read as "no delay" and pull the mean down). None for a metric always defined.
    pub fn undefined_when(self) -> Option<&'static str> {
        match self {
            Metric::MeanWaitDays => Some("no new need was served"),
            Metric::AzureShare => Some("nothing was served"),
            Metric::RofrDelayDays => Some("no need offered to a first-refusal holder was served"),
            Metric::CommitmentSpentUsd | Metric::CommitmentShortfallUsd => {
                Some("the regime has no spend commitment to the incumbent")
            }
            Metric::DealShortfallUsd => Some("the regime has no signed deal with another provider"),
            _ => None,
        }
    }
}

/// The names of `ProviderTotals`' fields in order, as providers.csv and provider_totals.csv
/// write them.
pub const PROVIDER_TOTALS: [&str; 3] = ["served_mw_months", "cost_usd", "share"];

/// One provider's totals in one replication.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ProviderTotals {
    /// MW-months delivered.
    pub served_mw_months: f64,
    /// Spend with the provider, shortfall payments included.
    pub cost_usd: f64,
    /// Share of the lab's MW-months served (0..1; NaN, not applicable, when nothing was
    /// served).
    pub share: f64,
}

/// One commitment's totals in one replication.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CommitmentTotals {
    /// Spend that counted towards the amount by the deadline.
    pub counted_usd: f64,
    /// The amount not reached, up to what the holder could have delivered: paid at the
    /// deadline when the commitment is take-or-pay.
    pub shortfall_usd: f64,
}

/// The monthly series of one replication, `[provider][month]` or `[month]`.
#[derive(Debug, Clone, PartialEq)]
pub struct MonthlySeries {
    /// Mean MW delivered in each month, per provider.
    pub served_mw: Vec<Vec<f64>>,
    /// Spend in each month, per provider (shortfall payments in the deadline's month).
    pub cost_usd: Vec<Vec<f64>>,
    /// Mean MW wanted in each month (served + unmet).
    pub demand_mw: Vec<f64>,
    /// Mean MW wanted but not served in each month.
    pub unmet_mw: Vec<f64>,
    /// Spend counted towards each commitment of the regime in each month, `[commitment][month]`
    /// in `Scenario::commitments` order: take-or-pay payments not included, as they do not count.
    pub counted_usd: Vec<Vec<f64>>,
}

/// Everything one replication of one regime produced.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplicationResult {
    /// Totals indexed by `Metric as usize`.
    pub totals: [f64; Metric::COUNT],
    /// Per provider, in scenario order.
    pub providers: Vec<ProviderTotals>,
    /// Per commitment of the regime, in `Scenario::commitments` order.
    pub commitments: Vec<CommitmentTotals>,
    /// Monthly series.
    pub monthly: MonthlySeries,
}

impl ReplicationResult {
    /// Returns one total.
    pub fn total(&self, metric: Metric) -> f64 {
        self.totals[metric as usize]
    }
}

/// The monthly series reported in timeseries.csv: per provider and for `all`. `share` is the
/// provider's part of the month's MW served to the lab (design.md asks for it per month, not
/// only in total), each replication's own ratio so that its percentiles are those of a share;
/// 0 in a month nothing was served, and for `all` 1 in any other month.
pub const PROVIDER_SERIES: [&str; 4] = ["served_mw", "cost_usd", "cumulative_cost_usd", "share"];
/// Series reported only for `all` providers, after the provider series. `unmet_share` is the
/// month's unmet MW over its demand (0 when nothing is wanted): each replication's own ratio, so
/// that its percentiles are percentiles of a share, which those of the two MW series are not.
pub const ALL_ONLY_SERIES: [&str; 3] = ["demand_mw", "unmet_mw", "unmet_share"];

/// The provider label of a series summed over every provider (no provider may be named so).
pub const ALL_PROVIDERS: &str = "all";

/// Returns the (provider or `all`, metric) label of every monthly series every regime has, in
/// the order `MonthlySeries::extend_values` appends them (before the regime's burn-downs).
pub fn series_labels(provider_ids: &[String]) -> Vec<(String, &'static str)> {
    let mut labels = Vec::new();
    for id in provider_ids
        .iter()
        .map(String::as_str)
        .chain([ALL_PROVIDERS])
    {
        labels.extend(PROVIDER_SERIES.iter().map(|m| (id.to_string(), *m)));
    }
    labels.extend(
        ALL_ONLY_SERIES
            .iter()
            .map(|m| (ALL_PROVIDERS.to_string(), *m)),
    );
    labels
}

impl MonthlySeries {
    /// Appends every value of the series of `series_labels`, series by series, each month by
    /// month, then each commitment's cumulative counted spend month by month: whole slices
    /// copied, not one value at a time through an index.
    pub fn extend_values(&self, values: &mut Vec<f64>) {
        let months = self.demand_mw.len();
        // Each month's sum over providers, added in provider order from −0.0 as `f64::sum` does.
        let all = |per_provider: &[Vec<f64>]| -> Vec<f64> {
            let mut all = vec![-0.0; months];
            for provider in per_provider {
                for (all, &value) in all.iter_mut().zip(provider) {
                    *all += value;
                }
            }
            all
        };
        let (all_served, all_cost) = (all(&self.served_mw), all(&self.cost_usd));
        let cumulative = |values: &mut Vec<f64>, monthly: &[f64]| {
            let mut sum = 0.0;
            values.extend(monthly.iter().map(|&value| {
                sum += value;
                sum
            }));
        };
        let mut provider_series = |served: &[f64], cost: &[f64]| {
            values.extend_from_slice(served);
            values.extend_from_slice(cost);
            cumulative(values, cost);
            values.extend(
                (served.iter().zip(&all_served))
                    .map(|(&served, &all)| if all > 0.0 { served / all } else { 0.0 }),
            );
        };
        for (served, cost) in self.served_mw.iter().zip(&self.cost_usd) {
            provider_series(served, cost);
        }
        provider_series(&all_served, &all_cost);
        values.extend_from_slice(&self.demand_mw);
        values.extend_from_slice(&self.unmet_mw);
        values.extend(
            (self.unmet_mw.iter().zip(&self.demand_mw)).map(|(&unmet, &demand)| {
                if demand > 0.0 { unmet / demand } else { 0.0 }
            }),
        );
        for counted in &self.counted_usd {
            cumulative(values, counted);
        }
    }

    /// Returns how many values `extend_values` appends.
    pub fn value_count(&self) -> usize {
        let series = (self.served_mw.len() + 1) * PROVIDER_SERIES.len()
            + ALL_ONLY_SERIES.len()
            + self.counted_usd.len();
        series * self.demand_mw.len()
    }
}
