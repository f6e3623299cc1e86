//! Hand-written bad scenario files (tests/bad_inputs/*.toml), each ending in `# expect:` lines
//! that give, in order, every problem `capsim validate` must report (`LINE:COL: FIELD: ...`).
//! `validate` and `run` must both exit with status 2, print exactly those lines, and write
//! nothing.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn bad_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad_inputs");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/bad_inputs exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 20, "the bad inputs are missing");
    files
}

fn expected(file: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(file).expect("readable");
    let lines: Vec<String> = text
        .lines()
        .filter_map(|l| l.strip_prefix("# expect: "))
        .map(str::to_string)
        .collect();
    assert!(
        !lines.is_empty(),
        "{} has no # expect: line",
        file.display()
    );
    lines
}

/// Runs capsim in `dir` on `file` (given by its name, as users type it) and returns stderr.
fn capsim_fails(dir: &Path, args: &[&str]) -> String {
    let output = Command::cargo_bin("capsim")
        .expect("the binary builds")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("capsim runs");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    stderr
}

#[test]
fn each_bad_file_gets_exactly_its_errors_with_lines_and_exit_status_2() {
    for file in bad_files() {
        let name = file.file_name().and_then(|n| n.to_str()).expect("a name");
        let dir = file.parent().expect("a folder");
        let stderr = capsim_fails(dir, &["validate", name]);
        let want = expected(&file);
        let count = match want.len() {
            1 => "1 problem, at line:column:".to_string(),
            n => format!("{n} problems, at line:column:"),
        };
        assert!(
            stderr.starts_with(&format!("error: {name}: {count}\n")),
            "{name}: {stderr}"
        );
        let got: Vec<&str> = stderr
            .lines()
            .skip(1)
            .map(|l| l.strip_prefix(&format!("{name}:")).unwrap_or(l))
            .collect();
        assert_eq!(got, want, "{name}");
    }
}

#[test]
fn a_run_on_a_bad_file_writes_nothing() {
    let tmp = tempfile::tempdir().expect("a temporary folder");
    for file in bad_files() {
        let path = file.to_str().expect("a UTF-8 path");
        let out = tmp.path().join("out");
        let stderr = capsim_fails(
            tmp.path(),
            &["run", path, "--replications", "2", "--out", "out", "-q"],
        );
        assert!(stderr.contains(&expected(&file)[0]), "{path}: {stderr}");
        assert!(
            !out.exists(),
            "{path}: a failed run created {}",
            out.display()
        );
        assert_eq!(std::fs::read_dir(tmp.path()).expect("listable").count(), 0);
    }
}

/// Runs `capsim validate` on the M/M/c scenario with each of `sets` as a `--set`; it must fail
/// with status 2. Returns stderr.
fn validate_mmc_fails(sets: &[&str]) -> String {
    let mut args = vec!["validate", "data/scenarios/mmc.toml"];
    for set in sets {
        args.extend(["--set", set]);
    }
    capsim_fails(Path::new(env!("CARGO_MANIFEST_DIR")), &args)
}

#[test]
fn a_misspelt_set_key_suggests_the_closest_valid_one() {
    let stderr = validate_mmc_fails(&["providers.station.lead_time=3", "demnd.jobs.size_mw=2"]);
    assert!(
        stderr.contains(
            "--set demnd.jobs.size_mw: the scenario has no key 'demnd' (did you mean 'demand'?)"
        ),
        "{stderr}"
    );
    let stderr = validate_mmc_fails(&[
        "providers.station.lead_time=3",
        "providers.station.share_available=2",
    ]);
    assert_eq!(
        stderr,
        "error: data/scenarios/mmc.toml: 2 problems:\n\
         --set providers.station.lead_time: found an unknown key (did \
         you mean 'lead_time_days'?); allowed: name, price_premium, \
         contract_price_usd_per_mw_month, share_available, lead_time_days, build_delay_days, signed_deal, \
         capacity, outages\n\
         --set providers.station.share_available: found 2; allowed [0, 1]\n"
    );
}

#[test]
fn an_unreadable_file_is_an_input_error() {
    let tmp = tempfile::tempdir().expect("a temporary folder");
    std::fs::write(tmp.path().join("binary.toml"), [0xff, 0xfe, 0x00, 0x41]).expect("writable");
    let stderr = capsim_fails(tmp.path(), &["validate", "binary.toml"]);
    assert!(
        stderr.contains("cannot read scenario binary.toml"),
        "{stderr}"
    );
    let stderr = capsim_fails(tmp.path(), &["validate", "missing.toml"]);
    assert!(
        stderr.contains("cannot read scenario missing.toml"),
        "{stderr}"
    );
}

#[test]
fn numbers_in_errors_are_written_compactly() {
    // 1e300 written out in full is a 301-digit number, and the bound 1e12 is 13 digits; ordinary
    // numbers (-12.5, 0.5, 1e7 as 10000000) print as before.
    let stderr = validate_mmc_fails(&[
        "demand.jobs.size_mw=1e300",
        "providers.station.capacity.0.size_mw=-2.5e-7",
        "providers.station.share_available={ dist = \"uniform\", low = -1e300, high = 0.5 }",
        "providers.station.lead_time_days={ dist = \"normal\", mean = 1.5, sd = -1e-300 }",
        "demand.jobs.term_days={ dist = \"lognormal\", median = -2e300, sigma = 0.5 }",
        "scenario.name=1.5e300",
        "demand.jobs.arrivals_per_year=-12.5",
    ]);
    assert_eq!(
        stderr,
        "error: data/scenarios/mmc.toml: 7 problems:\n\
         --set demand.jobs.arrivals_per_year: found -12.5; allowed [0, 10000000]\n\
         --set demand.jobs.size_mw: found 1e300; allowed [0, 1e12]\n\
         --set demand.jobs.term_days: lognormal needs median > 0 and sigma > 0, found median = \
         -2e300, sigma = 0.5\n\
         --set providers.station.capacity.0.size_mw: found -2.5e-7; allowed [0, 1e12]\n\
         --set providers.station.lead_time_days: normal needs sd >= 0, found -1e-300\n\
         --set providers.station.share_available: found values from -1e300 to 0.5; allowed [0, 1]\n\
         --set scenario.name: found the number 1.5e300; allowed a string in quotes\n"
    );
}

/// Runs `capsim sweep` on the M/M/c scenario with `--vary VARY` in an empty folder; it must
/// fail with status 2 and leave the folder empty. Returns stderr.
fn sweep_mmc_fails(vary: &str) -> String {
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/scenarios/mmc.toml");
    let scenario = scenario.to_str().expect("a UTF-8 path");
    let args = [
        "sweep",
        scenario,
        "--vary",
        vary,
        "--replications",
        "2",
        "--out",
        "out",
        "-q",
    ];
    let stderr = capsim_fails(tmp.path(), &args);
    assert_eq!(std::fs::read_dir(tmp.path()).expect("listable").count(), 0);
    stderr
}

#[test]
fn an_impossible_date_on_the_command_line_names_its_key_and_the_form_wanted() {
    // TOML cannot read 2010-02-30, so `--set` takes it as text: the error says why it is no
    // date, not that it is a string.
    let stderr = validate_mmc_fails(&["scenario.end=2010-02-30"]);
    assert_eq!(
        stderr,
        "error: data/scenarios/mmc.toml: 1 problem:\n--set scenario.end: found 2010-02-30 \
         (February 2010 has 28 days); allowed a calendar date YYYY-MM-DD\n"
    );
    let stderr = sweep_mmc_fails("scenario.end=2010-01-01,2010-13-01");
    assert!(
        stderr.contains(
            "--vary scenario.end: found 2010-13-01 (there is no month 13); allowed a calendar \
             date YYYY-MM-DD"
        ),
        "{stderr}"
    );
}

#[test]
fn a_set_value_toml_cannot_read_says_why_rather_than_that_it_is_a_string() {
    // Bare text is taken as a string (`--set scenario.name=my study`), but a broken table or a
    // number TOML refuses was meant as neither: the field's error ("found the string ...;
    // write the number alone, without quotes") would blame quotes the user never typed.
    let cases = [
        (
            r#"demand.jobs.term_days={ dist = "exponential" mean = 1 }"#,
            r#"found '{ dist = "exponential" mean = 1 }', which TOML cannot read: missing comma between key-value pairs, expected `,`, at character 24; allowed a TOML value such as ["a", "b"] or { dist = "uniform", low = 1, high = 2 }"#,
        ),
        (
            "demand.jobs.size_mw=1e400",
            "found 1e400, which TOML cannot read as a number; allowed a number within about \
             ±1.8e308 written with digits on both sides of its point, such as 0.5, 5.0 or 1e6",
        ),
    ];
    for (set, message) in cases {
        let stderr = validate_mmc_fails(&[set]);
        assert!(stderr.contains(message), "{set}: {stderr}");
    }
    let stderr = sweep_mmc_fails("demand.jobs.size_mw=1,.5");
    assert!(
        stderr.contains("found .5, which TOML cannot read"),
        "{stderr}"
    );
}
