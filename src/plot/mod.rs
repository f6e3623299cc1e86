//! Charts and the HTML report drawn from a run's CSV files alone; the only module that knows
//! plotters.
//!
//! The pipeline reads left to right: `data` reads and validates every CSV into plain structs,
//! `prepare` turns them into chart-ready series (stacks, bands, annual sums, units), `charts`
//! draws one chart per function, and `html` writes index.html. [`draw_all`] runs it, into a
//! staging folder that the caller publishes.

mod charts;
mod data;
#[cfg(test)]
mod fixture;
mod html;
mod prepare;
mod raster;
mod tornado;
mod units;

pub use tornado::draw_tornado;
pub use units::Unit;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use plotters::style::{FontStyle, RGBColor};

/// Why charts could not be drawn: each variant names the file, and the column and line where
/// there is one, so that a user can find the bad cell.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// A CSV file the charts need does not exist.
    #[error("{}: file not found (charts need it)", path.display())]
    MissingFile {
        /// The missing file.
        path: PathBuf,
    },
    /// A CSV file exists but could not be read.
    #[error("cannot read {}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A CSV file is not well-formed CSV (e.g. a row with the wrong number of fields).
    #[error("{}: malformed CSV", path.display())]
    Csv {
        /// The file.
        path: PathBuf,
        /// The parser's error, which gives the line.
        source: csv::Error,
    },
    /// A column the charts need is not in the header row.
    #[error("{}: missing column `{column}` in the header row", path.display())]
    MissingColumn {
        /// The file.
        path: PathBuf,
        /// The missing column.
        column: String,
    },
    /// A cell that must hold a finite number does not.
    #[error("{}, line {line}, column `{column}`: `{value}` is not a finite number", path.display())]
    NotANumber {
        /// The file.
        path: PathBuf,
        /// Line number in the file (the header is line 1).
        line: u64,
        /// The column.
        column: String,
        /// The cell's text.
        value: String,
    },
    /// A cell holds something other than what its column requires (a date, a month, a name).
    #[error("{}, line {line}, column `{column}`: `{value}` is not {expected}", path.display())]
    InvalidValue {
        /// The file.
        path: PathBuf,
        /// Line number in the file (the header is line 1).
        line: u64,
        /// The column.
        column: String,
        /// The cell's text.
        value: String,
        /// What the column requires.
        expected: &'static str,
    },
    /// study.csv lacks a key the charts show.
    #[error("{}, column `key`: no row for key `{key}`", path.display())]
    MissingKey {
        /// The file.
        path: PathBuf,
        /// The missing key.
        key: String,
    },
    /// A metric a chart draws has no row at all.
    #[error("{}, column `{column}`: no rows for metric `{metric}`", path.display())]
    MissingMetric {
        /// The file.
        path: PathBuf,
        /// The column that names metrics.
        column: &'static str,
        /// The missing metric.
        metric: String,
    },
    /// Two rows give the same cell of a table.
    #[error("{}, line {line}: second row for {what}", path.display())]
    DuplicateRow {
        /// The file.
        path: PathBuf,
        /// Line number of the second row.
        line: u64,
        /// Which keys repeat.
        what: String,
    },
    /// A file has a header but no rows the charts can use.
    #[error("{}: no data rows", path.display())]
    NoData {
        /// The file.
        path: PathBuf,
    },
    /// A chart or the report could not be written.
    #[error("cannot write {}", path.display())]
    Write {
        /// The file or folder.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// plotters failed while drawing a chart.
    #[error("drawing {} failed: {message}", path.display())]
    Draw {
        /// The chart file being drawn.
        path: PathBuf,
        /// plotters' error, as text (its type is generic over the backend).
        message: String,
    },
    /// The bundled font could not be registered.
    #[error("the bundled font {0} could not be loaded")]
    Font(&'static str),
    /// The folder holds a sweep's tables, which have no charts to redraw.
    #[error(
        "{}: found the output of `capsim sweep` (study.csv starts with the varied column \
         `{column}`), which has no charts; allowed: a folder written by `capsim run`, \
         `capsim merge` or `capsim sensitivity`",
        dir.display()
    )]
    SweepFolder {
        /// The folder.
        dir: PathBuf,
        /// study.csv's first column: the first varied key.
        column: String,
    },
    /// The folder is one shard of a study (`capsim run --shard K/N`): it holds the shard's
    /// aggregate, not the tables the charts read, until the shards are merged.
    #[error(
        "{}: found a shard folder (written by `capsim run --shard K/N`: {}, no study.csv), \
         which has no tables to chart; combine every shard of the study first with \
         `capsim merge SHARD_DIR... --out DIR`, then run `capsim plot DIR`",
        dir.display(),
        crate::shard::MANIFEST_FILE
    )]
    ShardFolder {
        /// The folder.
        dir: PathBuf,
    },
}

/// Name of the folder, inside the run's folder, that holds the charts.
pub const CHARTS_DIR: &str = "charts";
/// Name of the report written into the run's folder.
pub const INDEX_HTML: &str = "index.html";

/// Redraws the charts and index.html of the study in `csv_dir` into `out_dir`, whichever study
/// wrote it: a sensitivity analysis's tornado charts (tornado.csv and no timeseries.csv), or
/// else every chart of a run or merge. A sweep's folder, which has no charts, and a shard's,
/// whose tables exist only once merged, are errors that say so. Returns the paths written.
pub fn redraw(csv_dir: &Path, out_dir: &Path) -> Result<Vec<PathBuf>, PlotError> {
    // A shard folder is one with a shard manifest (what `capsim merge` reads); one that also
    // has a study.csv, put there by hand, is drawn from its CSVs like any other folder.
    if csv_dir.join(crate::shard::MANIFEST_FILE).is_file()
        && !csv_dir.join(data::STUDY_CSV).exists()
    {
        return Err(PlotError::ShardFolder {
            dir: csv_dir.to_path_buf(),
        });
    }
    // A sweep's study.csv leads with a column per varied key, then `key` and `value`.
    if let Ok(study) = data::Table::read(&csv_dir.join(data::STUDY_CSV)) {
        let first = study.header.get(0).unwrap_or_default();
        if first != "key" && study.header.iter().any(|c| c == "key") {
            return Err(PlotError::SweepFolder {
                dir: csv_dir.to_path_buf(),
                column: first.to_string(),
            });
        }
    }
    if csv_dir.join(tornado::TORNADO_CSV).is_file() && !csv_dir.join(data::TIMESERIES_CSV).exists()
    {
        return draw_tornado(csv_dir, out_dir);
    }
    draw_all(csv_dir, out_dir)
}

/// Draws every chart and index.html from the CSVs in `csv_dir` alone into `out_dir` (the same
/// folder for a run).
///
/// Reads study.csv, timeseries.csv, compare.csv, commitments.csv and burndown.csv (where the
/// folder has one) and validates all of them before drawing anything, then writes
/// charts/NAME.png and .svg and index.html in place: meant for a staging folder (see
/// `report::Staging`), which makes the whole output appear at once or not at all. Returns the
/// paths written: the charts, then index.html.
pub fn draw_all(csv_dir: &Path, out_dir: &Path) -> Result<Vec<PathBuf>, PlotError> {
    let inputs = data::Inputs::read(csv_dir)?;
    let prepared = prepare::prepare(&inputs);
    let list = charts::list(&prepared);
    let page = html::render(&inputs, &list);
    register_fonts()?;
    let write_err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| PlotError::Write { path, source }
    };
    let charts_dir = out_dir.join(CHARTS_DIR);
    std::fs::create_dir_all(&charts_dir).map_err(write_err(&charts_dir))?;
    let mut paths = Vec::with_capacity(list.len() * 2 + 1);
    for chart in &list {
        chart.render(&charts_dir)?;
        for ext in ["png", "svg"] {
            paths.push(charts_dir.join(format!("{}.{ext}", chart.name)));
        }
    }
    let index = out_dir.join(INDEX_HTML);
    std::fs::write(&index, page).map_err(write_err(&index))?;
    paths.push(index);
    Ok(paths)
}

static FONT_REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
static FONT_BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

/// Registers the bundled DejaVu Sans as plotters' "sans-serif" once per process, so that text
/// needs no system font library.
fn register_fonts() -> Result<(), PlotError> {
    static RESULT: OnceLock<Result<(), &'static str>> = OnceLock::new();
    let result = RESULT.get_or_init(|| {
        // register_font's error type has no Debug or Display: name the file instead.
        plotters::style::register_font("sans-serif", FontStyle::Normal, FONT_REGULAR)
            .map_err(|_| "DejaVuSans.ttf")?;
        plotters::style::register_font("sans-serif", FontStyle::Bold, FONT_BOLD)
            .map_err(|_| "DejaVuSans-Bold.ttf")
    });
    result.map_err(PlotError::Font)
}

/// Colours for providers, by order of first appearance (Tableau 10: distinguishable, and
/// readable for the common colour-vision deficiencies when paired with the legend order).
const PROVIDER_PALETTE: [RGBColor; 10] = [
    RGBColor(0x4E, 0x79, 0xA7),
    RGBColor(0xF2, 0x8E, 0x2B),
    RGBColor(0x59, 0xA1, 0x4F),
    RGBColor(0xE1, 0x57, 0x59),
    RGBColor(0xB0, 0x7A, 0xA1),
    RGBColor(0x76, 0xB7, 0xB2),
    RGBColor(0xED, 0xC9, 0x48),
    RGBColor(0x9C, 0x75, 0x5F),
    RGBColor(0xFF, 0x9D, 0xA7),
    RGBColor(0xBA, 0xB0, 0xAC),
];

/// Colours for regimes, chosen by name (`prepare::colour_slots`) (ColorBrewer Dark2, then the
/// dark half of Paired: darker than the provider colours, so a regime line never reads as a
/// provider area; 12 distinct colours, so up to 12 regimes never share one, and past 12 the
/// mark's shape tells them apart, see `regime_mark`).
const REGIME_PALETTE: [RGBColor; 12] = [
    RGBColor(0x1B, 0x9E, 0x77),
    RGBColor(0xD9, 0x5F, 0x02),
    RGBColor(0x75, 0x70, 0xB3),
    RGBColor(0xE7, 0x29, 0x8A),
    RGBColor(0x66, 0xA6, 0x1E),
    RGBColor(0xE6, 0xAB, 0x02),
    RGBColor(0xA6, 0x76, 0x1D),
    RGBColor(0x66, 0x66, 0x66),
    RGBColor(0x1F, 0x78, 0xB4),
    RGBColor(0xE3, 0x1A, 0x1C),
    RGBColor(0x6A, 0x3D, 0x9A),
    RGBColor(0x33, 0xA0, 0x2C),
];

/// The shape of a regime's mark where one is drawn (the comparison chart's means): past the
/// palette's colours, regimes that share a colour differ in shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mark {
    Circle,
    Square,
    Triangle,
    Diamond,
}

impl Mark {
    /// Every shape, in the order colour slots use them (12 colours × 4 shapes: 48 regimes look
    /// apart; more repeat).
    const ALL: [Mark; 4] = [Mark::Circle, Mark::Square, Mark::Triangle, Mark::Diamond];
}

/// Returns the colour of the provider at `index` in order of first appearance.
fn provider_colour(index: usize) -> RGBColor {
    PROVIDER_PALETTE[index % PROVIDER_PALETTE.len()]
}

/// Returns the regime colour in palette slot `index`.
fn regime_colour(index: usize) -> RGBColor {
    REGIME_PALETTE[index % REGIME_PALETTE.len()]
}

/// Returns the mark shape of palette slot `index`: a circle for the first round of colours,
/// then the next shape for each further round.
fn regime_mark(index: usize) -> Mark {
    Mark::ALL[index / REGIME_PALETTE.len() % Mark::ALL.len()]
}

#[cfg(test)]
mod tests {
    use super::fixture::{self, Spec};
    use super::*;

    const CHARTS: [&str; 5] = [
        "served_by_provider",
        "azure_commitment",
        "unmet_demand",
        "regime_comparison",
        "annual_spend",
    ];

    fn run_dir(spec: &Spec) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        fixture::write(dir.path(), spec);
        dir
    }

    fn svg(dir: &Path, name: &str) -> String {
        std::fs::read_to_string(dir.join(CHARTS_DIR).join(format!("{name}.svg"))).unwrap()
    }

    /// Names in `dir` other than the CSV inputs: what drawing left behind.
    fn outputs(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| !n.ends_with(".csv"))
            .collect();
        names.sort();
        names
    }

    #[test]
    fn draws_every_chart_as_png_and_svg_with_its_title() {
        let dir = run_dir(&Spec::default());
        let written = draw_all(dir.path(), dir.path()).unwrap();
        assert_eq!(written.len(), CHARTS.len() * 2 + 1);
        for path in &written {
            assert!(
                std::fs::metadata(path).unwrap().len() > 1000,
                "{} is (nearly) empty",
                path.display()
            );
        }
        for name in CHARTS {
            let png =
                std::fs::read(dir.path().join(CHARTS_DIR).join(format!("{name}.png"))).unwrap();
            assert_eq!(&png[1..4], b"PNG", "{name}.png is not a PNG");
            let text = svg(dir.path(), name);
            assert!(
                text.trim_start().starts_with("<svg") && text.trim_end().ends_with("</svg>"),
                "{name}.svg"
            );
            assert_eq!(
                text.matches("<text").count(),
                text.matches("</text>").count(),
                "{name}.svg tags"
            );
            assert!(
                text.contains("40 replications per regime"),
                "{name}.svg lacks its title"
            );
        }
        assert!(svg(dir.path(), "served_by_provider").contains("Compute served by provider"));
        assert!(svg(dir.path(), "azure_commitment").contains("commitment $250B"));
        assert!(
            svg(dir.path(), "azure_commitment")
                .contains("mean spend counted towards the commitment to Microsoft Azure")
        );
        assert!(svg(dir.path(), "regime_comparison").contains("rofr"));
        assert_eq!(
            outputs(dir.path()),
            [CHARTS_DIR, INDEX_HTML],
            "no temporaries left"
        );
    }

    #[test]
    fn index_html_shows_every_chart_and_the_table_offline() {
        let dir = run_dir(&Spec::default());
        draw_all(dir.path(), dir.path()).unwrap();
        let html = std::fs::read_to_string(dir.path().join(INDEX_HTML)).unwrap();
        for name in CHARTS {
            assert!(
                html.contains(&format!("src=\"charts/{name}.png\"")),
                "{name} missing from index.html"
            );
        }
        assert!(
            html.contains("test-scenario")
                && html.contains("40 replications")
                && html.contains("20251122")
        );
        assert!(html.contains("Total cost to the lab") && html.contains("$"));
        assert!(
            !html.contains("http://") && !html.contains("https://") && !html.contains("<script")
        );
    }

    #[test]
    fn a_regime_without_unmet_demand_still_draws() {
        let spec = Spec::default();
        let dir = run_dir(&spec);
        draw_all(dir.path(), dir.path()).unwrap();
        assert!(svg(dir.path(), "unmet_demand").contains("no unmet demand in any replication"));

        // Every regime without unmet demand: the y axis must not collapse to zero width.
        let spec = Spec {
            regimes: vec!["only"],
            no_unmet_regime: Some(0),
            regime_missing_provider: None,
            ..spec
        };
        let dir = run_dir(&spec);
        draw_all(dir.path(), dir.path()).unwrap();
        assert!(svg(dir.path(), "unmet_demand").contains("no unmet demand in any replication"));
    }

    #[test]
    fn drawing_twice_gives_the_same_bytes() {
        let dir = run_dir(&Spec::default());
        draw_all(dir.path(), dir.path()).unwrap();
        let read_all = |d: &Path| {
            CHARTS
                .iter()
                .flat_map(|n| {
                    ["png", "svg"].map(|e| {
                        std::fs::read(d.join(CHARTS_DIR).join(format!("{n}.{e}"))).unwrap()
                    })
                })
                .chain(std::iter::once(std::fs::read(d.join(INDEX_HTML)).unwrap()))
                .collect::<Vec<_>>()
        };
        let first = read_all(dir.path());
        draw_all(dir.path(), dir.path()).unwrap();
        assert!(
            first == read_all(dir.path()),
            "second drawing differs from the first"
        );
    }

    #[test]
    fn one_replication_with_empty_statistics_draws() {
        let dir = run_dir(&Spec {
            replications: 1,
            ..Spec::default()
        });
        draw_all(dir.path(), dir.path()).unwrap();
        assert!(svg(dir.path(), "regime_comparison").contains("1 replication per regime"));
    }

    #[test]
    fn an_all_zero_metric_is_not_said_to_be_zero_where_it_does_not_apply() {
        // The fixture's last regime has no commitment; the others' shortfalls are made zero.
        let dir = run_dir(&Spec::default());
        edit(dir.path(), "compare.csv", |text| {
            (text.lines())
                .map(|line| {
                    let mut cells: Vec<&str> = line.split(',').collect();
                    if cells[1] == "commitment_shortfall_usd" && cells[2] != "0" {
                        // mean, sd, ci95_low, ci95_high, p05, p50, p95
                        cells[3..=9].fill("0");
                    }
                    cells.join(",") + "\n"
                })
                .collect()
        });
        draw_all(dir.path(), dir.path()).unwrap();
        let chart = svg(dir.path(), "regime_comparison");
        assert!(chart.contains("zero in every replication of every regime it applies to"));
        assert!(!chart.contains("zero in every regime and replication"));
    }

    #[test]
    fn no_commitments_and_many_regimes_draw() {
        let spec = Spec {
            regimes: vec!["a", "b", "c", "d", "e", "f", "g"],
            commitments: false,
            months: 18,
            start_month: 1,
            ..Spec::default()
        };
        let dir = run_dir(&spec);
        draw_all(dir.path(), dir.path()).unwrap();
        assert!(
            svg(dir.path(), "azure_commitment")
                .contains("no commitment to Microsoft Azure in this regime")
        );
    }

    #[test]
    fn long_regime_names_are_cut_to_fit_and_many_regimes_get_room() {
        // The longest name a scenario allows (64 characters), among 18 regimes.
        const LONG: &str = "a_regime_name_of_sixty_four_characters_the_longest_allowed_end01";
        assert_eq!(LONG.len(), 64);
        let mut regimes = vec!["base", LONG];
        regimes.extend((2..18).map(|i| &*Box::leak(format!("r{i:02}").into_boxed_str())));
        let dir = run_dir(&Spec {
            regimes,
            ..Spec::default()
        });
        draw_all(dir.path(), dir.path()).unwrap();
        for name in CHARTS {
            let text = svg(dir.path(), name);
            // Whole, it ran over the next panel's caption or, as a row label, into the panel
            // on the left; cut in the middle, both its ends still show.
            assert!(!text.contains(LONG), "{name} draws the whole long name");
            assert!(
                text.contains("a_regime_name")
                    && text.contains("end01")
                    && text.contains('\u{2026}'),
                "{name} lacks the cut name"
            );
            assert!(
                text.lines().any(|l| l.trim() == "r17"),
                "{name} lacks a short name"
            );
        }
        // 18 rows in a panel of an 800-pixel chart left each value label on the row above.
        let png = std::fs::read(dir.path().join(CHARTS_DIR).join("regime_comparison.png")).unwrap();
        let height = u32::from_be_bytes(png[20..24].try_into().unwrap());
        assert!(height >= 130 + 2 * (80 + 28 * 18), "height {height}");
    }

    #[test]
    fn labels_name_the_incumbent_that_study_csv_gives() {
        let dir = run_dir(&Spec::default());
        edit(dir.path(), "study.csv", |t| {
            t.replace("incumbent,azure", "incumbent,oracle")
                .replace("Microsoft Azure", "Oracle Cloud")
        });
        draw_all(dir.path(), dir.path()).unwrap();
        let commitment = svg(dir.path(), "azure_commitment");
        assert!(commitment.contains("Cumulative spend with Oracle Cloud against its commitment"));
        // The fixture's commitments are held by azure, not the incumbent.
        assert!(commitment.contains("no commitment to Oracle Cloud in this regime"));
        assert!(
            svg(dir.path(), "regime_comparison").contains("Oracle Cloud share of MW-months served")
        );
        let html = std::fs::read_to_string(dir.path().join(INDEX_HTML)).unwrap();
        assert!(html.contains("Oracle Cloud share") && html.contains(">Oracle Cloud commitment<"));
        for text in [commitment, svg(dir.path(), "regime_comparison"), html] {
            assert!(!text.contains("Azure"), "a label names Azure");
        }

        // A study.csv from before the incumbent was recorded: its charts named Azure.
        edit(dir.path(), "study.csv", |t| {
            t.lines()
                .filter(|l| !l.starts_with("incumbent"))
                .map(|l| format!("{l}\n"))
                .collect()
        });
        draw_all(dir.path(), dir.path()).unwrap();
        assert!(svg(dir.path(), "azure_commitment").contains("Cumulative spend with Azure"));
    }

    /// Asserts drawing fails and leaves nothing behind in a folder that had no charts.
    fn fails_cleanly(dir: &Path) -> PlotError {
        let err = draw_all(dir, dir).unwrap_err();
        assert!(outputs(dir).is_empty(), "left behind: {:?}", outputs(dir));
        err
    }

    fn edit(dir: &Path, file: &str, f: impl FnOnce(String) -> String) {
        let path = dir.join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, f(text)).unwrap();
    }

    #[test]
    fn a_missing_file_is_named() {
        let dir = run_dir(&Spec::default());
        std::fs::remove_file(dir.path().join("compare.csv")).unwrap();
        match fails_cleanly(dir.path()) {
            PlotError::MissingFile { path } => assert!(path.ends_with("compare.csv")),
            e => panic!("wrong error: {e}"),
        }
    }

    #[test]
    fn a_missing_column_is_named() {
        let dir = run_dir(&Spec::default());
        edit(dir.path(), "timeseries.csv", |t| {
            t.replacen("p95", "p96", 1)
        });
        match fails_cleanly(dir.path()) {
            PlotError::MissingColumn { path, column } => {
                assert!(path.ends_with("timeseries.csv"));
                assert_eq!(column, "p95");
            }
            e => panic!("wrong error: {e}"),
        }
    }

    #[test]
    fn a_non_numeric_cell_is_named_with_its_line() {
        let dir = run_dir(&Spec::default());
        // Line 3 is the second data row; its mean (5th field) becomes text.
        edit(dir.path(), "timeseries.csv", |t| {
            let mut lines: Vec<String> = t.lines().map(str::to_string).collect();
            let mut fields: Vec<&str> = lines[2].split(',').collect();
            fields[4] = "lots";
            lines[2] = fields.join(",");
            lines.join("\n") + "\n"
        });
        let err = fails_cleanly(dir.path());
        assert!(
            err.to_string()
                .contains("timeseries.csv, line 3, column `mean`: `lots`"),
            "{err}"
        );
        match err {
            PlotError::NotANumber {
                path,
                line,
                column,
                value,
            } => {
                assert!(path.ends_with("timeseries.csv"));
                assert_eq!((line, column.as_str(), value.as_str()), (3, "mean", "lots"));
            }
            e => panic!("wrong error: {e}"),
        }
    }

    #[test]
    fn bad_values_in_each_file_are_named() {
        let cases: [(&str, &str, &str, &str); 5] = [
            (
                "compare.csv",
                ",total_cost_usd,40,",
                ",total_cost_usd,forty,",
                "n",
            ),
            ("commitments.csv", "-12-31", "-13-31", "deadline"),
            ("burndown.csv", ",2025-08,", ",2025-8,", "month"),
            ("study.csv", "replications,40", "replications,many", "value"),
            ("timeseries.csv", ",2025-08,", ",2025-8,", "month"),
        ];
        for (file, from, to, column) in cases {
            let dir = run_dir(&Spec::default());
            edit(dir.path(), file, |t| t.replacen(from, to, 1));
            match fails_cleanly(dir.path()) {
                PlotError::InvalidValue {
                    path, column: c, ..
                } => {
                    assert!(path.ends_with(file), "{file}");
                    assert_eq!(c, column, "{file}");
                }
                e => panic!("{file}: wrong error: {e}"),
            }
        }
    }

    #[test]
    fn a_missing_metric_is_named() {
        let dir = run_dir(&Spec::default());
        edit(dir.path(), "compare.csv", |t| {
            t.lines()
                .filter(|l| !l.contains(",azure_share,"))
                .map(|l| format!("{l}\n"))
                .collect()
        });
        match fails_cleanly(dir.path()) {
            PlotError::MissingMetric { path, metric, .. } => {
                assert!(path.ends_with("compare.csv"));
                assert_eq!(metric, "azure_share");
            }
            e => panic!("wrong error: {e}"),
        }
    }

    #[test]
    fn a_failure_keeps_the_previous_charts() {
        let dir = run_dir(&Spec::default());
        draw_all(dir.path(), dir.path()).unwrap();
        let before = std::fs::read(dir.path().join(CHARTS_DIR).join("annual_spend.svg")).unwrap();
        edit(dir.path(), "study.csv", |t| t.replace("seed,", "sead,"));
        assert!(
            matches!(draw_all(dir.path(), dir.path()), Err(PlotError::MissingKey { key, .. }) if key == "seed")
        );
        assert_eq!(outputs(dir.path()), [CHARTS_DIR, INDEX_HTML]);
        let after = std::fs::read(dir.path().join(CHARTS_DIR).join("annual_spend.svg")).unwrap();
        assert!(before == after);
    }

    #[test]
    fn a_deadline_outside_the_period_is_noted() {
        let dir = run_dir(&Spec::default());
        edit(dir.path(), "commitments.csv", |t| {
            t.replace("2028-12-31", "2040-06-30")
        });
        draw_all(dir.path(), dir.path()).unwrap();
        assert!(
            svg(dir.path(), "azure_commitment")
                .contains("deadline 2040-06-30 is after the simulated period")
        );
    }

    /// Writes sample charts for a person to look at:
    /// `CAPSIM_PLOT_SAMPLE=/tmp/sample cargo test --lib plot::tests::sample -- --ignored`.
    #[test]
    #[ignore]
    fn sample() {
        let root = PathBuf::from(
            std::env::var("CAPSIM_PLOT_SAMPLE").unwrap_or("/tmp/capsim-plot-sample".into()),
        );
        let specs = [
            ("default", Spec::default()),
            (
                "four",
                Spec {
                    regimes: vec!["exclusive", "rofr", "open", "no-commit"],
                    ..Spec::default()
                },
            ),
            (
                "single",
                Spec {
                    regimes: vec!["only"],
                    replications: 1,
                    no_unmet_regime: Some(0),
                    regime_missing_provider: None,
                    ..Spec::default()
                },
            ),
            (
                "seven",
                Spec {
                    regimes: vec!["a", "b", "c", "d", "e", "f", "g"],
                    commitments: false,
                    months: 18,
                    start_month: 1,
                    ..Spec::default()
                },
            ),
        ];
        for (name, spec) in specs {
            let dir = root.join(name);
            std::fs::create_dir_all(&dir).unwrap();
            fixture::write(&dir, &spec);
            draw_all(&dir, &dir).unwrap();
        }
    }
}
