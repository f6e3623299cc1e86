//! The charts: one drawing function per chart (one file each), and rendering of each to PNG and
//! SVG through the same function.

mod annual_spend;
mod azure_commitment;
mod common;
mod regime_comparison;
mod served_by_provider;
pub mod tornado;
mod unmet_demand;

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::PlotError;
use super::prepare::{Header, Prepared};
use super::raster::PngBackend;
use common::DrawResult;

/// Which chart, with the data it draws.
enum Kind<'a> {
    Served(&'a super::prepare::ServedChart),
    Commitment(&'a super::prepare::CommitmentChart),
    Unmet(&'a super::prepare::FanChart),
    Comparison(&'a super::prepare::ComparisonChart),
    Annual(&'a super::prepare::AnnualChart),
}

/// A chart ready to draw: its file stem, its title and its data.
pub struct Chart<'a> {
    /// File stem under charts/ (NAME.png, NAME.svg).
    pub name: &'static str,
    /// A short heading for index.html.
    pub heading: String,
    /// The title drawn on the chart (index.html uses it as the image's alt text).
    pub title: &'a str,
    kind: Kind<'a>,
}

/// Returns every chart in report order.
pub fn list(p: &Prepared) -> Vec<Chart<'_>> {
    vec![
        Chart::new(
            "served_by_provider",
            "Compute served by provider",
            &p.served.header,
            Kind::Served(&p.served),
        ),
        Chart::new(
            "azure_commitment",
            &format!("{} commitment", p.commitment.incumbent),
            &p.commitment.header,
            Kind::Commitment(&p.commitment),
        ),
        Chart::new(
            "unmet_demand",
            "Unmet demand",
            &p.unmet.header,
            Kind::Unmet(&p.unmet),
        ),
        Chart::new(
            "regime_comparison",
            "Regimes compared",
            &p.comparison.header,
            Kind::Comparison(&p.comparison),
        ),
        Chart::new(
            "annual_spend",
            "Annual spend",
            &p.annual.header,
            Kind::Annual(&p.annual),
        ),
    ]
}

impl<'a> Chart<'a> {
    fn new(name: &'static str, heading: &str, header: &'a Header, kind: Kind<'a>) -> Chart<'a> {
        Chart {
            name,
            heading: heading.to_string(),
            title: &header.title,
            kind,
        }
    }

    /// Returns the size in pixels (width, height).
    pub fn size(&self) -> (u32, u32) {
        let panels = match &self.kind {
            Kind::Served(c) => c.panels.len(),
            Kind::Commitment(c) => c.panels.len(),
            Kind::Unmet(c) => c.panels.len(),
            Kind::Comparison(c) => {
                return regime_comparison::size(c.panels.len(), c.regimes.len());
            }
            Kind::Annual(c) => c.panels.len(),
        };
        common::panel_chart_size(panels)
    }

    /// Draws the chart into `dir` as NAME.png and NAME.svg.
    pub fn render(&self, dir: &Path) -> Result<(), PlotError> {
        let png = dir.join(format!("{}.png", self.name));
        let svg = dir.join(format!("{}.svg", self.name));
        let size = self.size();
        let fail = |path: &Path| {
            let path = path.to_path_buf();
            move |e: Box<dyn std::error::Error>| PlotError::Draw {
                path,
                message: e.to_string(),
            }
        };
        let root = PngBackend::new(&png, size).into_drawing_area();
        self.draw(&root)
            .and_then(|()| Ok(root.present()?))
            .map_err(fail(&png))?;
        drop(root);
        let root = SVGBackend::new(&svg, size).into_drawing_area();
        self.draw(&root)
            .and_then(|()| Ok(root.present()?))
            .map_err(fail(&svg))
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        root.fill(&WHITE)?;
        match &self.kind {
            Kind::Served(c) => served_by_provider::draw(root, c),
            Kind::Commitment(c) => azure_commitment::draw(root, c),
            Kind::Unmet(c) => unmet_demand::draw(root, c),
            Kind::Comparison(c) => regime_comparison::draw(root, c),
            Kind::Annual(c) => annual_spend::draw(root, c),
        }
    }
}
