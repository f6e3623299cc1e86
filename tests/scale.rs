//! Studies at scale, end to end through the binary: shards merged into the bytes of one run,
//! sweeps, sensitivity analysis, `--no-replications`, and their bad input.

use std::collections::HashMap;
use std::fs;
use std::path::Path;

use assert_cmd::Command;
use tempfile::TempDir;

fn capsim() -> Command {
    Command::cargo_bin("capsim").expect("the binary is built")
}

/// Runs `capsim ARGS --out OUT --quiet` and asserts success.
fn ok(args: &[&str], out: &Path) {
    capsim()
        .args(args)
        .arg("--out")
        .arg(out)
        .arg("--quiet")
        .assert()
        .success();
}

/// Runs `capsim ARGS` and asserts exit status 2, a message containing `expected`, and that
/// `out` was not created. Returns stderr.
fn refused(args: &[&str], out: &Path, expected: &str) -> String {
    let assert = capsim().args(args).assert().code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(
        stderr.contains(expected),
        "error lacks {expected:?}: {stderr}"
    );
    assert_eq!(
        stderr.matches("error:").count(),
        1,
        "more than one error: {stderr}"
    );
    assert!(!out.exists(), "{} written on bad input", out.display());
    stderr
}

fn read_csv(path: &Path) -> (Vec<String>, Vec<HashMap<String, String>>) {
    let mut reader =
        csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let headers: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let rows = reader
        .records()
        .map(|r| {
            headers
                .iter()
                .cloned()
                .zip(r.unwrap().iter().map(String::from))
                .collect()
        })
        .collect();
    (headers, rows)
}

fn num(row: &HashMap<String, String>, column: &str) -> f64 {
    row[column]
        .parse()
        .unwrap_or_else(|_| panic!("{column} = {:?} is not a number", row[column]))
}

fn same_bytes(a: &Path, b: &Path, name: &str) {
    let (x, y) = (
        fs::read(a.join(name)).unwrap(),
        fs::read(b.join(name)).unwrap(),
    );
    assert!(
        x == y,
        "{name} differs between {} and {}",
        a.display(),
        b.display()
    );
}

/// An override the shards and the whole run share, so that study.csv's `set` row is compared.
const PRICE_TREND: &str = "market.price_trend_per_year=0.05";

#[test]
fn three_shards_merge_into_the_bytes_of_one_run() {
    let dir = TempDir::new().unwrap();
    let whole = dir.path().join("whole");
    ok(
        &[
            "run",
            "--replications",
            "20",
            "--seed",
            "7",
            "--threads",
            "2",
            "--set",
            PRICE_TREND,
        ],
        &whole,
    );
    let study = fs::read_to_string(whole.join("study.csv")).unwrap();
    assert!(study.contains(&format!("\nset,{PRICE_TREND}\n")), "{study}");
    let shards: Vec<_> = (0..3)
        .map(|k| dir.path().join(format!("shard{k}")))
        .collect();
    for (k, shard) in shards.iter().enumerate() {
        let spec = format!("{}/3", k + 1);
        let args = [
            "run",
            "--replications",
            "20",
            "--seed",
            "7",
            "--threads",
            "1",
            "--shard",
            &spec,
            "--set",
            PRICE_TREND,
        ];
        ok(&args, shard);
        assert!(shard.join("shard.json").is_file() && shard.join("aggregate.json").is_file());
        assert!(
            !shard.join("compare.csv").exists(),
            "a shard writes no summaries"
        );
    }
    let merged = dir.path().join("merged");
    // Any order: merging sorts shards by index.
    capsim()
        .arg("merge")
        .args([&shards[2], &shards[0], &shards[1]])
        .arg("--out")
        .arg(&merged)
        .assert()
        .success();
    for name in [
        "compare.csv",
        "timeseries.csv",
        "replications.csv",
        "providers.csv",
        "study.csv",
        "provider_totals.csv",
        "commitments.csv",
        "burndown.csv",
    ] {
        same_bytes(&whole, &merged, name);
    }
    assert!(merged.join("charts/regime_comparison.png").is_file());
    assert!(merged.join("index.html").is_file());

    // The middle shard holds replications [1·20/3, 2·20/3) = [6, 13) of the whole run.
    let (_, rows) = read_csv(&shards[1].join("replications.csv"));
    let replications: Vec<&str> = rows.iter().map(|r| r["replication"].as_str()).collect();
    assert_eq!(replications.first(), Some(&"6"));
    assert_eq!(replications.last(), Some(&"12"));
}

#[test]
fn merge_refuses_shards_that_do_not_make_one_study() {
    let dir = TempDir::new().unwrap();
    let shard = |k: u64, n: u64, seed: &str| {
        let out = dir.path().join(format!("s{k}of{n}seed{seed}"));
        let spec = format!("{k}/{n}");
        ok(
            &[
                "run",
                "--replications",
                "6",
                "--seed",
                seed,
                "--shard",
                &spec,
            ],
            &out,
        );
        out.display().to_string()
    };
    let (a0, a1, a2) = (shard(1, 3, "1"), shard(2, 3, "1"), shard(3, 3, "1"));
    let other_seed = shard(2, 3, "2");
    let other_count = shard(2, 2, "1");
    let out = dir.path().join("merged");
    let out_arg = out.display().to_string();
    let merge_into = |dirs: &[&str], out: &str| {
        let mut args = vec!["merge"];
        args.extend(dirs);
        args.extend(["--out", out]);
        args.into_iter().map(String::from).collect::<Vec<_>>()
    };
    let merge = |dirs: &[&str]| merge_into(dirs, &out_arg);
    let missing = dir.path().join("no-such-shard").display().to_string();
    let cases: [(Vec<String>, &str); 8] = [
        (merge(&[&a0, &a1]), "missing shard(s) 3/3"),
        (
            merge(&[&a0, &a1, &a1, &a2]),
            "each shard must be given once",
        ),
        (merge(&[&a0, &other_seed, &a2]), "different seeds (1 and 2)"),
        (
            merge(&[&a0, &other_count, &a2]),
            "different shard counts (3 and 2)",
        ),
        (
            merge(&[&a0, &a1, dir.path().to_str().unwrap()]),
            "is not a shard folder",
        ),
        (
            merge(&[&a0, &a1, &missing]),
            "no-such-shard: no such folder",
        ),
        (merge_into(&[&a0, &a1, &a2], &a1), "is the shard folder"),
        (
            merge_into(&[&a0, &a1, &a2], &format!("{a0}/../s2of3seed1")),
            "is the shard folder",
        ),
    ];
    for (args, expected) in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        refused(&args, &out, expected);
    }

    // An aggregate edited after the shard wrote it is caught by its checksum.
    let aggregate = Path::new(&a2).join("aggregate.json");
    let original = fs::read(&aggregate).unwrap();
    let mut bytes = original.clone();
    let at = bytes.iter().position(|b| b.is_ascii_digit()).unwrap();
    bytes[at] = if bytes[at] == b'9' { b'8' } else { b'9' };
    fs::write(&aggregate, bytes).unwrap();
    let args = merge(&[&a0, &a1, &a2]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    refused(&args, &out, "aggregate.json: its checksum");
    fs::write(&aggregate, original).unwrap();

    // So are a shard's rows cut short, or replaced by another run's rows.
    for (file, truncate) in [("replications.csv", true), ("providers.csv", false)] {
        let path = Path::new(&a0).join(file);
        let good = fs::read(&path).unwrap();
        let bad = if truncate {
            good[..good.len() / 2].to_vec()
        } else {
            fs::read(Path::new(&other_seed).join(file)).unwrap()
        };
        fs::write(&path, bad).unwrap();
        refused(&args, &out, &format!("{file}: its checksum"));
        fs::write(&path, good).unwrap();
    }
    // Mended, the same shards merge.
    capsim().args(&args).assert().success();
}

#[test]
fn bad_shard_specs_exit_2_and_write_nothing() {
    let dir = TempDir::new().unwrap();
    let out = dir.path().join("out");
    let out_arg = out.display().to_string();
    for (spec, expected) in [
        ("0/3", "shard 0 does not exist"),
        ("4/3", "shard 4 does not exist"),
        ("0/5", "(the shards of 5 are 1/5, 2/5, ..., 5/5)"),
        ("0/0", "at least 1"),
        ("one/3", "expected K/N"),
        ("5/10", "would leave some empty"),
    ] {
        let args = [
            "run",
            "--replications",
            "8",
            "--shard",
            spec,
            "--out",
            &out_arg,
        ];
        refused(&args, &out, expected);
    }
}

#[test]
fn replication_counts_outside_what_the_percentile_buckets_count_exit_2_and_write_nothing() {
    let dir = TempDir::new().unwrap();
    let out = dir.path().join("out");
    let out_arg = out.display().to_string();
    for count in ["0", "4294967296"] {
        for command in ["run", "sweep", "sensitivity", "calibrate"] {
            let mut args = vec![command];
            if command == "sweep" {
                args.extend(["--vary", "market.price_trend_per_year=0,0.1"]);
            }
            args.extend(["--replications", count, "--out", &out_arg]);
            refused(&args, &out, "1..=4294967295");
        }
    }
}

#[test]
fn no_replications_skips_the_row_tables_only() {
    let dir = TempDir::new().unwrap();
    let (rows, no_rows) = (dir.path().join("rows"), dir.path().join("no_rows"));
    ok(&["run", "--replications", "8"], &rows);
    ok(
        &["run", "--replications", "8", "--no-replications"],
        &no_rows,
    );
    assert!(!no_rows.join("replications.csv").exists());
    assert!(!no_rows.join("providers.csv").exists());
    for name in ["compare.csv", "timeseries.csv", "study.csv"] {
        same_bytes(&rows, &no_rows, name);
    }
    assert!(no_rows.join("charts/served_by_provider.png").is_file());
}

#[test]
fn sweep_writes_one_row_set_per_point_with_key_columns() {
    let dir = TempDir::new().unwrap();
    let out = dir.path().join("sweep");
    let uniform = "{ dist = \"uniform\", low = 0.3, high = 0.5 }";
    ok(
        &[
            "sweep",
            "--vary",
            "market.price_trend_per_year=-0.3,0.1",
            "--vary",
            &format!("providers.azure.share_available={uniform},0.9,1"),
            "--replications",
            "4",
        ],
        &out,
    );
    let keys = [
        "market.price_trend_per_year",
        "providers.azure.share_available",
    ];
    let (header, rows) = read_csv(&out.join("compare.csv"));
    assert_eq!(header[..3], [keys[0], keys[1], "regime"]);
    // 2 × 3 points, each with every regime × metric row of a run.
    let (_, one_point) = {
        let single = dir.path().join("single");
        ok(&["run", "--replications", "4"], &single);
        read_csv(&single.join("compare.csv"))
    };
    assert_eq!(rows.len(), 6 * one_point.len());
    let points: Vec<(String, String)> = rows
        .iter()
        .map(|r| (r[keys[0]].clone(), r[keys[1]].clone()))
        .fold(Vec::new(), |mut seen, p| {
            if !seen.contains(&p) {
                seen.push(p);
            }
            seen
        });
    let expected: Vec<(String, String)> = ["-0.3", "0.1"]
        .iter()
        .flat_map(|a| [uniform, "0.9", "1"].map(|b| (a.to_string(), b.to_string())))
        .collect();
    assert_eq!(points, expected, "points in grid order, values as given");
    // A higher Azure share available puts more of the lab on Azure.
    let share = |b: &str| {
        rows.iter()
            .find(|r| {
                r[keys[0]] == "0.1"
                    && r[keys[1]] == b
                    && r["regime"] == "open"
                    && r["metric"] == "azure_share"
            })
            .map(|r| num(r, "mean"))
            .unwrap()
    };
    assert!(
        share(uniform) < share("1"),
        "{} vs {}",
        share(uniform),
        share("1")
    );
    for name in [
        "replications.csv",
        "providers.csv",
        "timeseries.csv",
        "study.csv",
    ] {
        let (header, _) = read_csv(&out.join(name));
        assert_eq!(header[..2], keys, "{name}");
    }
    let (_, replications) = read_csv(&out.join("replications.csv"));
    let mut regimes: Vec<&str> = one_point.iter().map(|r| r["regime"].as_str()).collect();
    regimes.dedup();
    assert_eq!(
        replications.len(),
        6 * 4 * regimes.len(),
        "points × replications × regimes"
    );
    // A sweep has no charts: `plot` says what it found and what it redraws.
    let assert = capsim().arg("plot").arg(&out).assert().code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(
        stderr.contains("found the output of `capsim sweep`")
            && stderr.contains("allowed: a folder written by `capsim run`"),
        "{stderr}"
    );
    assert!(!out.join("charts").exists());
}

#[test]
fn bad_sweeps_exit_2_and_write_nothing() {
    let dir = TempDir::new().unwrap();
    let out = dir.path().join("out");
    let out_arg = out.display().to_string();
    for (vary, expected) in [
        (
            "market.price_trnd_per_year=1,2",
            "--vary market.price_trnd_per_year: found an unknown key (did you mean \
             'price_trend_per_year'?)",
        ),
        ("market.price_trend_per_year=", "no values given"),
        (
            "market.price_trend_per_year=0.1,,0.2",
            "value 2 of market.price_trend_per_year is empty",
        ),
        ("market.price_trend_per_year", "is not KEY=V1,V2"),
        (
            "market.price_trend_per_year={ dist = \"uniform\", low = 1,0.2",
            "unbalanced",
        ),
        (
            "market.price_trend_per_year=0.1,0.2,1e-1",
            "market.price_trend_per_year lists the same value twice, as 0.1 and 1e-1",
        ),
        (
            "providers.azure.share_available=0.5,2",
            "--vary providers.azure.share_available: found 2; allowed [0, 1]",
        ),
        (
            "providers.azure.capacity.99.size_mw=1,2",
            "--vary providers.azure.capacity.99.size_mw: providers.azure.capacity is a list: \
             found index 99; allowed: an index from 0 to 20",
        ),
    ] {
        let args = [
            "sweep",
            "--vary",
            vary,
            "--replications",
            "2",
            "--out",
            &out_arg,
        ];
        let stderr = refused(&args, &out, expected);
        assert!(!stderr.contains("--set"), "--vary named as --set: {stderr}");
    }
    // A bad --set is named as such, not as the first point of the grid.
    let args = [
        "sweep",
        "--set",
        "market.price_trend_per_year=abc",
        "--vary",
        "market.shortage_until=2026-01-01,2027-01-01",
        "--out",
        &out_arg,
    ];
    let stderr = refused(&args, &out, "--set market.price_trend_per_year: found");
    assert!(!stderr.contains("--vary at"), "{stderr}");
    // A field given twice, or with one key holding the other: a point's label would not say
    // what ran.
    let capacity = "providers.azure.capacity";
    let size = "providers.azure.capacity.0.size_mw";
    let whole = format!("{capacity}=[{{ online = 2025-01-01, size_mw = 700 }}]");
    for (first, second, expected) in [
        (
            "--vary",
            format!("{size}=5,6"),
            "is given twice".to_string(),
        ),
        (
            "--vary",
            whole.clone(),
            format!("--vary {size} and --vary {capacity} overlap"),
        ),
        (
            "--set",
            whole.clone(),
            format!("--vary {size} and --set {capacity} overlap"),
        ),
        (
            "--set",
            format!("{size}=7"),
            "both varied (--vary) and fixed (--set)".to_string(),
        ),
    ] {
        let args = [
            "sweep",
            "--vary",
            &format!("{size}=5,6"),
            first,
            &second,
            "--replications",
            "2",
            "--out",
            &out_arg,
        ];
        refused(&args, &out, &expected);
    }
}

#[test]
fn sensitivity_writes_a_plausible_tornado() {
    let dir = TempDir::new().unwrap();
    let out = dir.path().join("sens");
    ok(&["sensitivity", "--replications", "8"], &out);
    let (header, rows) = read_csv(&out.join("tornado.csv"));
    assert_eq!(
        header,
        [
            "regime",
            "input",
            "metric",
            "low_value",
            "high_value",
            "metric_at_low",
            "metric_at_high",
            "base",
            "swing",
            "note"
        ]
    );
    let (input_header, inputs) = read_csv(&out.join("inputs.csv"));
    assert_eq!(
        input_header,
        ["input", "rule", "low_value", "high_value", "fields", "note"]
    );
    // A value left empty says why (the default data's AWS tranches slip by different ranges).
    let empty: Vec<_> = (rows.iter().chain(&inputs))
        .filter(|r| r["low_value"].is_empty() || r["high_value"].is_empty())
        .collect();
    assert!(!empty.is_empty());
    for r in empty {
        assert!(r["note"].contains("fields moved together differ"), "{r:?}");
    }
    // A premium that a fixed contract price replaces is not an input.
    for fixed in ["aws", "coreweave"] {
        let premium = format!("providers.{fixed}.price_premium");
        assert!(!inputs.iter().any(|i| i["input"] == premium), "{premium}");
    }
    let mut regimes: Vec<&str> = rows.iter().map(|r| r["regime"].as_str()).collect();
    regimes.dedup();
    let regimes = regimes.len();
    assert!(regimes >= 4, "{regimes} regimes");
    // Every metric of every regime, but for the Azure commitment shortfall where a regime has
    // no Azure commitment (exclusive, rofr, no_commitment): it does not apply there.
    assert_eq!(rows.len(), (regimes * 4 - 3) * inputs.len());
    let shortfall_regimes: Vec<&str> = (rows.iter())
        .filter(|r| r["metric"] == "commitment_shortfall_usd")
        .map(|r| r["regime"].as_str())
        .collect();
    for regime in ["exclusive", "rofr", "no_commitment"] {
        assert!(!shortfall_regimes.contains(&regime), "{regime}");
    }
    for group in rows.chunks(inputs.len()) {
        let swings: Vec<f64> = group.iter().map(|r| num(r, "swing")).collect();
        assert!(
            swings.windows(2).all(|w| w[0] >= w[1]),
            "not sorted by swing"
        );
        for r in group {
            let expected = (num(r, "metric_at_high") - num(r, "metric_at_low")).abs();
            assert!((num(r, "swing") - expected).abs() <= 1e-9 * expected.max(1.0));
            assert_eq!(
                (&r["regime"], &r["metric"]),
                (&group[0]["regime"], &group[0]["metric"])
            );
        }
    }
    let row = |regime: &str, input: &str, metric: &str| {
        rows.iter()
            .find(|r| r["regime"] == regime && r["input"] == input && r["metric"] == metric)
            .unwrap_or_else(|| panic!("no row {regime} {input} {metric}"))
    };
    // Prices rising 20% a year rather than falling 40% cost more.
    let trend = row("open", "market.price_trend_per_year", "total_cost_usd");
    assert!(num(trend, "metric_at_high") > num(trend, "base"));
    assert!(num(trend, "base") > num(trend, "metric_at_low"));
    assert_eq!(
        (&trend["low_value"][..], &trend["high_value"][..]),
        ("-0.4", "0.2")
    );
    // Revenue does not change what compute costs: with common random numbers every other draw
    // is the same, so the swing is exactly zero, not noise.
    let revenue = row(
        "open",
        "demand.api.revenue_usd_per_mw_month",
        "total_cost_usd",
    );
    assert_eq!(num(revenue, "swing"), 0.0);
    assert_eq!(revenue["metric_at_low"], revenue["base"]);
    // Microsoft's own work growing faster leaves the lab less of Azure.
    let share = row(
        "rofr",
        "demand.microsoft.arrivals_growth_per_year",
        "azure_share",
    );
    assert!(num(share, "metric_at_high") < num(share, "metric_at_low"));
    // index.html shows every regime's chart.
    let regimes = ["exclusive", "rofr", "restructured", "open"];
    let index = fs::read_to_string(out.join("index.html")).expect("index.html written");
    for regime in regimes {
        assert!(
            index.contains(&format!("<img src=\"charts/tornado_{regime}.png\"")),
            "{regime} missing from index.html"
        );
    }
    let charts: Vec<(String, Vec<u8>)> = regimes
        .iter()
        .flat_map(|regime| ["png", "svg"].map(|ext| format!("charts/tornado_{regime}.{ext}")))
        .chain(["index.html".to_string()])
        .map(|name| {
            let bytes = fs::read(out.join(&name)).unwrap_or_else(|_| panic!("{name} missing"));
            (name, bytes)
        })
        .collect();
    // `plot` redraws them from tornado.csv alone, byte for byte.
    fs::remove_dir_all(out.join("charts")).unwrap();
    fs::remove_file(out.join("index.html")).unwrap();
    capsim().arg("plot").arg(&out).assert().success();
    for (name, bytes) in charts {
        assert!(
            fs::read(out.join(&name)).unwrap() == bytes,
            "{name} redrawn differs"
        );
    }
}
