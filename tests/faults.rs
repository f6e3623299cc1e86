//! Faults and edge cases through the real binary: Ctrl-C and SIGTERM mid-run leave the previous
//! output byte for byte, foreign files are refused unless --force, stale staging folders go,
//! and edge-case scenarios (no demand, nothing available, a century, one replication, 1e12 MW,
//! overflowing magnitudes) give an answer without NaN or a clear error.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;

const MANIFEST: &str = ".capsim-manifest";

fn capsim(dir: &Path, args: &[&str]) -> Output {
    Command::cargo_bin("capsim")
        .expect("the binary builds")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("capsim runs")
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let output = capsim(dir, args);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{args:?}: {stderr}");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn fails(dir: &Path, args: &[&str]) -> String {
    let output = capsim(dir, args);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

/// Every file under `dir` (relative path → bytes).
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(here) = stack.pop() {
        for entry in std::fs::read_dir(&here).expect("listable") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let bytes = std::fs::read(&path).expect("readable");
                files.insert(path.strip_prefix(dir).expect("inside").to_path_buf(), bytes);
            }
        }
    }
    files
}

/// Names in `dir` that are capsim's temporary folders.
fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .expect("listable")
        .map(|e| {
            e.expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|n| n.contains(".capsim-"))
        .collect()
}

/// Asserts that no CSV cell under `out` is NaN or infinite, and returns compare.csv's rows.
fn assert_no_nan(out: &Path) -> Vec<csv::StringRecord> {
    for (path, bytes) in snapshot(out) {
        if path.extension().is_none_or(|e| e != "csv") {
            continue;
        }
        let mut reader = csv::Reader::from_reader(bytes.as_slice());
        for record in reader.records() {
            for cell in &record.expect("a CSV record") {
                let bad = cell.parse::<f64>().is_ok_and(|v| !v.is_finite());
                assert!(!bad, "{}: cell {cell}", path.display());
            }
        }
    }
    let mut reader = csv::Reader::from_path(out.join("compare.csv")).expect("compare.csv");
    reader.records().map(|r| r.expect("a record")).collect()
}

/// A small scenario; `providers`, `demand` and `regimes` are TOML tables.
fn scenario(end: &str, providers: &str, demand: &str, regimes: &str) -> String {
    format!(
        "[scenario]\nname = \"edge\"\nstart = 2025-01-01\nend = {end}\nincumbent = \"azure\"\n\
         baseline = \"open\"\n\n[market]\nprice_usd_per_mw_month = 1_000_000\n\n{providers}\n\
         {demand}\n[terms.only_azure]\nkind = \"exclusivity\"\nholder = \"azure\"\n\n{regimes}"
    )
}

const PROVIDERS: &str = "[providers.azure]\nname = \"Azure\"\ncapacity = [{ online = 2025-01-01, size_mw = 100 }]\n\n\
     [providers.rival]\nname = \"Rival\"\ncapacity = [{ online = 2025-01-01, size_mw = 100 }]\n";
const DEMAND: &str = "[demand.api]\narrivals_per_year = 6\nsize_mw = { dist = \"uniform\", low = 1, high = 20 }\n\
     term_days = 365\npatience_days = 90\nrevenue_usd_per_mw_month = 2e6\n";
const REGIMES: &str = "[regimes.open]\npolicy = \"cheapest\"\n\n[regimes.exclusive]\nterms = [\"only_azure\"]\npolicy = \"cheapest\"\n";

fn write(dir: &Path, name: &str, text: &str) -> String {
    std::fs::write(dir.join(name), text).expect("writable");
    name.to_string()
}

/// A temporary folder holding the small scenario as `s.toml`, and that file's name.
fn folder_with_small_scenario() -> (tempfile::TempDir, String) {
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let file = write(
        tmp.path(),
        "s.toml",
        &scenario("2027-01-01", PROVIDERS, DEMAND, REGIMES),
    );
    (tmp, file)
}

#[cfg(unix)]
fn interrupt_leaves_the_previous_output(signal: i32) {
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let dir = tmp.path();
    let file = write(
        dir,
        "s.toml",
        &scenario("2035-01-01", PROVIDERS, DEMAND, REGIMES),
    );
    std::fs::create_dir(dir.join("out")).expect("creatable");
    std::fs::write(dir.join("out/README.md"), "kept\n").expect("writable");
    ok(
        dir,
        &["run", &file, "--replications", "3", "--out", "out", "-q"],
    );
    let before = snapshot(&dir.join("out"));

    // A million replications: the plan is accepted and runs (memory does not grow with the
    // count) until the signal stops it.
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("capsim"))
        .current_dir(dir)
        .args([
            "run",
            &file,
            "--replications",
            "1000000",
            "--out",
            "out",
            "-q",
        ])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("capsim starts");
    let started = std::time::Instant::now();
    while leftovers(dir).is_empty() {
        assert!(
            started.elapsed().as_secs() < 60,
            "no staging folder appeared"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    std::thread::sleep(std::time::Duration::from_millis(300));
    let pid = libc::pid_t::try_from(child.id()).expect("a pid");
    // SAFETY: sends a signal to the child this test started.
    assert_eq!(unsafe { libc::kill(pid, signal) }, 0);
    let output = child.wait_with_output().expect("capsim ends");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted: nothing written"), "{stderr}");
    assert_eq!(snapshot(&dir.join("out")), before);
    assert_eq!(leftovers(dir), Vec::<String>::new());
}

#[cfg(unix)]
#[test]
fn ctrl_c_mid_run_leaves_the_previous_output_byte_for_byte() {
    interrupt_leaves_the_previous_output(libc::SIGINT);
}

#[cfg(unix)]
#[test]
fn sigterm_mid_run_leaves_the_previous_output_byte_for_byte() {
    interrupt_leaves_the_previous_output(libc::SIGTERM);
}

#[test]
fn the_manifest_lists_what_a_run_wrote_and_the_readme_survives() {
    let (tmp, file) = folder_with_small_scenario();
    let dir = tmp.path();
    std::fs::create_dir(dir.join("out")).expect("creatable");
    std::fs::write(dir.join("out/README.md"), "kept\n").expect("writable");
    for _ in 0..2 {
        ok(
            dir,
            &["run", &file, "--replications", "2", "--out", "out", "-q"],
        );
    }
    let files = snapshot(&dir.join("out"));
    let manifest = String::from_utf8(files[Path::new(MANIFEST)].clone()).expect("UTF-8");
    let listed: Vec<&str> = manifest.lines().filter(|l| !l.starts_with('#')).collect();
    let present: Vec<String> = files
        .keys()
        .map(|p| p.to_string_lossy().replace('\\', "/"))
        .filter(|p| p != MANIFEST && p != "README.md")
        .collect();
    assert_eq!(listed, present);
    assert!(listed.contains(&"compare.csv") && listed.contains(&"index.html"));
    assert_eq!(files[Path::new("README.md")], b"kept\n");
    assert_eq!(leftovers(dir), Vec::<String>::new());
}

#[test]
fn a_study_replaces_an_earlier_study_and_keeps_a_trace() {
    let (tmp, file) = folder_with_small_scenario();
    let dir = tmp.path();
    let run = |extra: &[&str]| {
        let mut args = vec!["run", file.as_str(), "--out", "out", "-q"];
        args.extend_from_slice(extra);
        ok(dir, &args);
    };
    run(&["--replications", "3"]);
    ok(dir, &["trace", &file, "--regime", "open", "--out", "out"]);
    // A shard of another study, then a study without per-replication rows: neither may leave
    // files of the study before it, which would be read as part of the new one.
    run(&["--replications", "3", "--shard", "1/2"]);
    assert!(!dir.join("out/compare.csv").exists());
    run(&["--replications", "2", "--no-replications"]);
    let files = snapshot(&dir.join("out"));
    for gone in [
        "replications.csv",
        "providers.csv",
        "shard.json",
        "aggregate.json",
    ] {
        assert!(!files.contains_key(Path::new(gone)), "{gone} left behind");
    }
    assert!(files.contains_key(Path::new("compare.csv")));
    // The trace stands beside every study, and stays capsim's: a later run is not refused.
    assert!(files.contains_key(Path::new("trace-open-0.csv")));
    let manifest = String::from_utf8(files[Path::new(MANIFEST)].clone()).expect("UTF-8");
    assert!(
        manifest.lines().any(|l| l == "trace-open-0.csv"),
        "{manifest}"
    );
    assert_eq!(leftovers(dir), Vec::<String>::new());
}

#[test]
fn a_folder_with_foreign_files_is_refused_unless_forced() {
    let (tmp, file) = folder_with_small_scenario();
    let dir = tmp.path();
    std::fs::create_dir(dir.join("results")).expect("creatable");
    std::fs::write(dir.join("results/thesis.tex"), "mine\n").expect("writable");
    let before = snapshot(&dir.join("results"));
    let stderr = fails(
        dir,
        &[
            "run",
            &file,
            "--replications",
            "2",
            "--out",
            "results",
            "-q",
        ],
    );
    assert!(
        stderr.contains("holds files capsim did not write (thesis.tex)"),
        "{stderr}"
    );
    assert!(stderr.contains("--force"), "{stderr}");
    assert_eq!(snapshot(&dir.join("results")), before);

    ok(
        dir,
        &[
            "run",
            &file,
            "--replications",
            "2",
            "--out",
            "results",
            "-q",
            "--force",
        ],
    );
    let after = snapshot(&dir.join("results"));
    assert_eq!(after[Path::new("thesis.tex")], b"mine\n");
    assert!(after.contains_key(Path::new("compare.csv")));

    let stderr = fails(dir, &["run", &file, "--out", "s.toml", "-q"]);
    assert!(stderr.contains("exists and is not a folder"), "{stderr}");
    // A file on the way to the folder is the same mistake, not a failure of the tool.
    let stderr = fails(dir, &["run", &file, "--out", "s.toml/results", "-q"]);
    assert!(
        stderr.contains("--out s.toml/results: s.toml exists and is not a folder"),
        "{stderr}"
    );
    let stderr = fails(dir, &["run", &file, "--out", ".", "-q"]);
    assert!(stderr.contains("is the current folder"), "{stderr}");
}

#[test]
fn an_output_folder_that_cannot_be_created_is_an_input_error_and_leaves_nothing() {
    let (tmp, file) = folder_with_small_scenario();
    let dir = tmp.path();
    // A name longer than file systems allow (255 bytes) cannot be created, even by root; its
    // parent `new` can, and must not be left behind.
    let out = format!("new/{}", "x".repeat(300));
    let commands: [&[&str]; 6] = [
        &["run", &file, "--replications", "2", "-q"],
        &[
            "sweep",
            &file,
            "--vary",
            "market.price_usd_per_mw_month=1e6,2e6",
            "--replications",
            "2",
            "-q",
        ],
        &["sensitivity", "--replications", "2", "-q"],
        &["merge", "shard"],
        &["trace", &file, "--regime", "open"],
        &["calibrate", "--replications", "2", "-q"],
    ];
    for command in commands {
        let args = [command, &["--out", &out]].concat();
        let stderr = fails(dir, &args);
        assert!(
            stderr.starts_with(&format!("error: --out {out}: cannot create this folder: ")),
            "{args:?}: {stderr}"
        );
        let names: Vec<_> = std::fs::read_dir(dir)
            .expect("listable")
            .map(|e| e.expect("an entry").file_name())
            .collect();
        assert_eq!(names, ["s.toml"], "{args:?}");
    }
}

#[test]
fn every_command_that_writes_refuses_foreign_files_unless_forced() {
    let (tmp, file) = folder_with_small_scenario();
    let dir = tmp.path();
    let commands: [&[&str]; 4] = [
        &[
            "sweep",
            &file,
            "--vary",
            "market.price_usd_per_mw_month=1e6,2e6",
            "--replications",
            "2",
            "-q",
        ],
        &["sensitivity", "--replications", "2", "-q"],
        &["trace", &file, "--regime", "open"],
        &["calibrate", "--replications", "2", "--threads", "1", "-q"],
    ];
    for command in commands {
        let out = format!("out-{}", command[0]);
        std::fs::create_dir(dir.join(&out)).expect("creatable");
        std::fs::write(dir.join(&out).join("thesis.tex"), "mine\n").expect("writable");
        let before = snapshot(&dir.join(&out));
        let args = [command, &["--out", &out]].concat();
        let stderr = fails(dir, &args);
        assert!(stderr.contains("--force"), "{args:?}: {stderr}");
        assert_eq!(snapshot(&dir.join(&out)), before, "{args:?}");
        ok(dir, &[args.as_slice(), &["--force"]].concat());
        let after = snapshot(&dir.join(&out));
        assert_eq!(after[Path::new("thesis.tex")], b"mine\n", "{args:?}");
        assert!(after.len() > 1, "{args:?} wrote nothing");
    }
}

#[test]
fn staging_folders_of_killed_runs_are_removed_by_the_next_run() {
    let (tmp, file) = folder_with_small_scenario();
    let dir = tmp.path();
    // PIDs above the kernel's limit (2^22) belong to no process.
    let stale = dir.join(".out.capsim-staging-4999999");
    std::fs::create_dir(&stale).expect("creatable");
    std::fs::write(stale.join("replications.csv"), "half a file").expect("writable");
    ok(
        dir,
        &["run", &file, "--replications", "2", "--out", "out", "-q"],
    );
    assert_eq!(leftovers(dir), Vec::<String>::new());
}

#[test]
fn no_demand_gives_zeros_and_no_share_not_nan() {
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let dir = tmp.path();
    // A class whose needs never arrive: a scenario without any class is refused as bad input.
    let idle = "[demand.api]\narrivals_per_year = 0\nsize_mw = 5\nterm_days = 365\n";
    let file = write(
        dir,
        "s.toml",
        &scenario("2027-01-01", PROVIDERS, idle, REGIMES),
    );
    ok(
        dir,
        &["run", &file, "--replications", "3", "--out", "out", "-q"],
    );
    let rows = assert_no_nan(&dir.join("out"));
    let row = |metric: &str| {
        (rows.iter())
            .find(|r| &r[1] == metric)
            .unwrap_or_else(|| panic!("a {metric} row"))
    };
    assert_eq!(&row("total_cost_usd")[3], "0");
    // Nothing was served, so there is no share of it: no value, and a note that says why.
    let share = row("azure_share");
    assert_eq!((&share[2], &share[3]), ("0", ""));
    assert!(share[14].contains("nothing was served"), "{:?}", &share[14]);
}

#[test]
fn no_provider_at_all_is_a_clear_error() {
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let dir = tmp.path();
    let text = scenario(
        "2027-01-01",
        "",
        DEMAND,
        "[regimes.open]\npolicy = \"cheapest\"\n",
    );
    let text = text.replace(
        "[terms.only_azure]\nkind = \"exclusivity\"\nholder = \"azure\"\n",
        "",
    );
    let file = write(dir, "s.toml", &text);
    let stderr = fails(dir, &["run", &file, "--out", "out", "-q"]);
    assert!(stderr.contains("providers: found no provider"), "{stderr}");
    assert!(!dir.join("out").exists());
}

#[test]
fn nothing_available_or_nothing_served_leaves_all_demand_unmet() {
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let dir = tmp.path();
    // Azure has no capacity: the exclusive regime serves nothing; with share 0 neither does
    // any provider in the open one.
    let providers = "[providers.azure]\nname = \"Azure\"\n\n[providers.rival]\nname = \"Rival\"\n\
                     share_available = 0\ncapacity = [{ online = 2025-01-01, size_mw = 100 }]\n";
    let file = write(
        dir,
        "s.toml",
        &scenario("2027-01-01", providers, DEMAND, REGIMES),
    );
    ok(
        dir,
        &["run", &file, "--replications", "4", "--out", "out", "-q"],
    );
    let rows = assert_no_nan(&dir.join("out"));
    let mean = |regime: &str, metric: &str| -> f64 {
        let row = rows
            .iter()
            .find(|r| &r[0] == regime && &r[1] == metric)
            .expect("a row");
        row[3].parse().expect("a number")
    };
    for regime in ["open", "exclusive"] {
        assert_eq!(mean(regime, "served_mw_months"), 0.0);
        assert!(mean(regime, "unmet_mw_months") > 0.0);
        assert_eq!(
            mean(regime, "unmet_mw_months"),
            mean(regime, "demand_mw_months")
        );
    }
    assert!(dir.join("out/charts/unmet_demand.svg").exists());
}

#[test]
fn a_century_long_horizon_runs() {
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let dir = tmp.path();
    let file = write(
        dir,
        "s.toml",
        &scenario("2125-01-01", PROVIDERS, DEMAND, REGIMES),
    );
    ok(
        dir,
        &["run", &file, "--replications", "2", "--out", "out", "-q"],
    );
    assert_no_nan(&dir.join("out"));
    let timeseries =
        std::fs::read_to_string(dir.join("out/timeseries.csv")).expect("timeseries.csv");
    assert!(timeseries.contains(",2124-12,"));
}

#[test]
fn one_replication_says_why_sd_and_ci_are_empty() {
    let (tmp, file) = folder_with_small_scenario();
    let dir = tmp.path();
    ok(
        dir,
        &["run", &file, "--replications", "1", "--out", "out", "-q"],
    );
    // A metric that does not apply in the replication (n = 0) says that instead.
    let rows = assert_no_nan(&dir.join("out"));
    for row in &rows {
        assert_eq!(&row[4], "", "sd");
        match &row[2] {
            "1" => assert_eq!(&row[14], "one replication: no sd or CI"),
            _ => assert!(row[14].starts_with("not applicable in 1 of 1"), "{row:?}"),
        }
    }
    ok(
        dir,
        &["run", &file, "--replications", "2", "--out", "out", "-q"],
    );
    let rows = assert_no_nan(&dir.join("out"));
    assert!(
        (rows.iter())
            .all(|row| row[14].is_empty() || row[14].starts_with("not applicable in 2 of 2")),
        "{rows:?}"
    );
}

#[test]
fn capacities_of_1e12_mw_give_an_answer() {
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let dir = tmp.path();
    let providers = PROVIDERS.replace("size_mw = 100", "size_mw = 1e12");
    let file = write(
        dir,
        "s.toml",
        &scenario("2027-01-01", &providers, DEMAND, REGIMES),
    );
    ok(
        dir,
        &["run", &file, "--replications", "3", "--out", "out", "-q"],
    );
    assert_no_nan(&dir.join("out"));
}

#[test]
fn magnitudes_beyond_the_statistics_are_a_clear_error_and_write_nothing() {
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let dir = tmp.path();
    let providers = PROVIDERS.replace("size_mw = 100", "size_mw = 1e12");
    let demand = DEMAND.replace(
        "{ dist = \"uniform\", low = 1, high = 20 }",
        "{ dist = \"uniform\", low = 1e11, high = 1e12 }",
    );
    let text = scenario("2027-01-01", &providers, &demand, REGIMES).replace(
        "price_usd_per_mw_month = 1_000_000",
        "price_usd_per_mw_month = 1e12",
    );
    let file = write(dir, "s.toml", &text);
    let stderr = fails(
        dir,
        &["run", &file, "--replications", "3", "--out", "out", "-q"],
    );
    assert!(stderr.contains("beyond what capsim can total"), "{stderr}");
    // The output folder the run created is gone with it.
    assert!(!dir.join("out").exists());
    assert_eq!(leftovers(dir), Vec::<String>::new());
}
