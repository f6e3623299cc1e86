//! Shards: deterministic slices of a study's replications run on separate machines, and the
//! check-and-combine step that turns shard folders back into one study.
//!
//! Shard `K/N` (`K` in `1..=N`, as people count and as Slurm arrays number their tasks) runs
//! replications `[(K−1)·R/N, K·R/N)` of a study of `R` replications. A replication's seed depends only on the master seed and its index, so a
//! shard's rows are the same rows the whole run makes. A shard folder holds `shard.json` (what
//! was run: the scenario text, overrides, seed, replications, shard) and `aggregate.json` (its
//! exact, mergeable statistics), plus its slice of replications.csv and providers.csv unless
//! run with `--no-replications`. Merging checks that the folders are the N shards of one plan.

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use anyhow::Context;
use serde::{Deserialize, Serialize};

use crate::experiment::{Plan, StudyAggregate};
use crate::model::Scenario;
use crate::scenario::{self, Override, parse_override};

/// The manifest every shard folder holds.
pub const MANIFEST_FILE: &str = "shard.json";
/// The serialized aggregate every shard folder holds.
pub const AGGREGATE_FILE: &str = "aggregate.json";
/// The per-replication tables a shard may hold, concatenated by a merge.
pub const ROW_FILES: [&str; 2] = ["replications.csv", "providers.csv"];
/// Version of the shard folder format; merge refuses others.
const FORMAT: u32 = 5;

/// One of `count` equal slices of a study's replications; written `K/N` with `K = index + 1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// Which slice, from 0.
    pub index: u64,
    /// How many slices.
    pub count: u64,
}

impl Shard {
    /// Returns the replications of this slice of `total`: `[K·R/N, (K+1)·R/N)`, so slices are
    /// contiguous, in order, and differ in size by at most one.
    pub fn range(self, total: u64) -> Range<u64> {
        let at = |k: u64| (u128::from(k) * u128::from(total) / u128::from(self.count)) as u64;
        at(self.index)..at(self.index + 1)
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index + 1, self.count)
    }
}

impl FromStr for Shard {
    type Err = String;

    /// Parses `K/N` with `N ≥ 1` and `K` in `1..=N`.
    fn from_str(text: &str) -> Result<Self, String> {
        let expected = "expected K/N with K in 1..=N (the shards of 3 are 1/3, 2/3, 3/3)";
        let (k, n) = text
            .split_once('/')
            .ok_or_else(|| format!("'{text}': {expected}"))?;
        let number = |s: &str| s.trim().parse::<u64>().ok();
        let (Some(k), Some(count)) = (number(k), number(n)) else {
            return Err(format!("'{text}': {expected}"));
        };
        if count == 0 {
            return Err(format!(
                "'{text}': the number of shards N must be at least 1"
            ));
        }
        if k == 0 || k > count {
            let shards = match count {
                1 => "the only shard of 1 is 1/1".to_string(),
                2 => "the shards of 2 are 1/2, 2/2".to_string(),
                3 => "the shards of 3 are 1/3, 2/3, 3/3".to_string(),
                n => format!("the shards of {n} are 1/{n}, 2/{n}, ..., {n}/{n}"),
            };
            return Err(format!(
                "'{text}': shard {k} does not exist; expected K/N with K in 1..=N ({shards})"
            ));
        }
        Ok(Shard {
            index: k - 1,
            count,
        })
    }
}

/// A problem with shard folders handed to a merge: the user must fix the command (exit 2).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ShardError(String);

/// What a shard ran: everything needed to rebuild the scenario and check that shards belong
/// together. Written as shard.json.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Shard folder format version.
    pub format: u32,
    /// The capsim version that ran it (shards of different versions may differ in results).
    pub capsim_version: String,
    /// Hex FNV-1a-64 of what must match across shards: version, scenario text, overrides,
    /// seed, replications and shard count.
    pub fingerprint: String,
    /// Where the scenario came from (a path, or the embedded default's name).
    pub scenario_file: String,
    /// The scenario file's text, so that a merge needs no access to it.
    pub scenario_text: String,
    /// The `--set` overrides, as `KEY=VALUE`.
    pub overrides: Vec<String>,
    /// Master seed.
    pub seed: u64,
    /// Replications per regime of the whole study.
    pub replications: u64,
    /// This shard's index, from 0 (the `K` of `--shard K/N` less one).
    pub shard_index: u64,
    /// Number of shards.
    pub shard_count: u64,
    /// First replication of this shard.
    pub first_replication: u64,
    /// One past its last replication.
    pub end_replication: u64,
    /// Whether replications.csv and providers.csv were written.
    pub replication_tables: bool,
    /// Hex FNV-1a-64 of aggregate.json's bytes, to detect a truncated or edited file.
    pub aggregate_fnv1a64: String,
    /// Hex FNV-1a-64 of each of `ROW_FILES` (empty without replication tables), so that a
    /// merge never passes on rows that are not this shard's, cut short or rewritten by
    /// another run.
    pub row_files_fnv1a64: Vec<String>,
}

impl Manifest {
    /// Describes shard `shard` of a plan on `scenario_text` (read from `scenario_file`).
    pub fn new(
        scenario_file: &str,
        scenario_text: &str,
        overrides: &[Override],
        plan: &Plan,
        shard: Shard,
        replication_tables: bool,
    ) -> Self {
        let overrides: Vec<String> = overrides.iter().map(Override::to_string).collect();
        let range = shard.range(plan.replications);
        let version = env!("CARGO_PKG_VERSION").to_string();
        let fingerprint = fingerprint(
            &version,
            scenario_text,
            &overrides,
            plan.master_seed,
            plan.replications,
            shard.count,
        );
        Manifest {
            format: FORMAT,
            capsim_version: version,
            fingerprint,
            scenario_file: scenario_file.to_string(),
            scenario_text: scenario_text.to_string(),
            overrides,
            seed: plan.master_seed,
            replications: plan.replications,
            shard_index: shard.index,
            shard_count: shard.count,
            first_replication: range.start,
            end_replication: range.end,
            replication_tables,
            aggregate_fnv1a64: String::new(),
            row_files_fnv1a64: Vec::new(),
        }
    }

    /// Returns the overrides, parsed back.
    fn parsed_overrides(&self) -> Result<Vec<Override>, String> {
        self.overrides.iter().map(|o| parse_override(o)).collect()
    }
}

fn fingerprint(
    version: &str,
    text: &str,
    overrides: &[String],
    seed: u64,
    replications: u64,
    shards: u64,
) -> String {
    let mut hash = Fnv1a64::default();
    for part in [version, text]
        .into_iter()
        .chain(overrides.iter().map(String::as_str))
    {
        // Length-prefixed, so that moving text between parts changes the hash.
        hash.write(&(part.len() as u64).to_le_bytes());
        hash.write(part.as_bytes());
    }
    for number in [overrides.len() as u64, seed, replications, shards] {
        hash.write(&number.to_le_bytes());
    }
    hash.hex()
}

/// FNV-1a, 64 bits: a stable, dependency-free hash for fingerprints and corruption checks
/// (not a defence against deliberate tampering).
struct Fnv1a64(u64);

impl Default for Fnv1a64 {
    fn default() -> Self {
        Fnv1a64(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv1a64 {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn hex(&self) -> String {
        format!("{:016x}", self.0)
    }

    /// Copies what is left of `reader` into `writer`, hashing it.
    fn copy(&mut self, reader: &mut impl Read, writer: &mut impl Write) -> std::io::Result<()> {
        let mut buffer = vec![0; 1 << 16];
        loop {
            let n = reader.read(&mut buffer)?;
            if n == 0 {
                return Ok(());
            }
            self.write(&buffer[..n]);
            writer.write_all(&buffer[..n])?;
        }
    }
}

/// Writes aggregate.json and shard.json into `dir` (a staging folder).
pub fn write(dir: &Path, mut manifest: Manifest, aggregate: &StudyAggregate) -> anyhow::Result<()> {
    let bytes = serde_json::to_vec(aggregate).context("serializing the aggregate")?;
    let mut hash = Fnv1a64::default();
    hash.write(&bytes);
    manifest.aggregate_fnv1a64 = hash.hex();
    if manifest.replication_tables {
        for name in ROW_FILES {
            let path = dir.join(name);
            let mut file =
                fs::File::open(&path).with_context(|| format!("cannot read {}", path.display()))?;
            let mut hash = Fnv1a64::default();
            hash.copy(&mut file, &mut std::io::sink())
                .with_context(|| format!("cannot read {}", path.display()))?;
            manifest.row_files_fnv1a64.push(hash.hex());
        }
    }
    let path = dir.join(AGGREGATE_FILE);
    fs::write(&path, &bytes).with_context(|| format!("cannot write {}", path.display()))?;
    let path = dir.join(MANIFEST_FILE);
    let json = serde_json::to_string_pretty(&manifest).context("serializing the manifest")?;
    fs::write(&path, json + "\n").with_context(|| format!("cannot write {}", path.display()))
}

/// The shards of one plan, checked to belong together and complete, in shard order.
#[derive(Debug)]
pub struct ShardSet {
    /// Shard folders and their manifests, by shard index.
    shards: Vec<(PathBuf, Manifest)>,
    /// The manifest of the first shard given (the others match it).
    pub manifest: Manifest,
    /// The scenario the shards ran, rebuilt from the manifest.
    pub scenario: Scenario,
    /// The overrides the shards ran with.
    pub overrides: Vec<Override>,
    /// The whole study's plan (no shard).
    pub plan: Plan,
    /// Whether every shard has replications.csv and providers.csv.
    pub replication_tables: bool,
}

impl ShardSet {
    /// Reads the manifests of `dirs` and checks that they are the N shards of one plan, each
    /// once. Errors name the folder and what differs.
    pub fn open(dirs: &[PathBuf]) -> anyhow::Result<ShardSet> {
        let mut by_index: BTreeMap<u64, (PathBuf, Manifest)> = BTreeMap::new();
        let mut first: Option<(PathBuf, Manifest)> = None;
        for dir in dirs {
            let manifest = read_manifest(dir)?;
            if let Some((first_dir, expected)) = &first {
                check_same_plan(first_dir, expected, dir, &manifest)?;
            }
            if let Some((other, _)) = by_index.get(&manifest.shard_index) {
                return Err(ShardError(format!(
                    "{} and {} are both shard {}: each shard must be given once",
                    other.display(),
                    dir.display(),
                    Shard {
                        index: manifest.shard_index,
                        count: manifest.shard_count
                    }
                ))
                .into());
            }
            first.get_or_insert_with(|| (dir.clone(), manifest.clone()));
            by_index.insert(manifest.shard_index, (dir.clone(), manifest));
        }
        let Some((first_dir, first)) = first else {
            return Err(ShardError("no shard folders given".into()).into());
        };
        let missing: Vec<String> = (0..first.shard_count)
            .filter(|k| !by_index.contains_key(k))
            .map(|index| {
                Shard {
                    index,
                    count: first.shard_count,
                }
                .to_string()
            })
            .collect();
        if !missing.is_empty() {
            return Err(ShardError(format!(
                "missing shard(s) {} of the study in {} ({} replications, seed {})",
                missing.join(", "),
                first_dir.display(),
                first.replications,
                first.seed
            ))
            .into());
        }
        let tables: Vec<bool> = by_index
            .values()
            .map(|(_, m)| m.replication_tables)
            .collect();
        if tables.iter().any(|&t| t) && !tables.iter().all(|&t| t) {
            let (without, _) = by_index
                .values()
                .find(|(_, m)| !m.replication_tables)
                .expect("one shard lacks tables");
            return Err(ShardError(format!(
                "{} was run with --no-replications but other shards were not: run every \
                 shard the same way",
                without.display()
            ))
            .into());
        }
        for (dir, manifest) in by_index.values() {
            for name in ROW_FILES.iter().filter(|_| manifest.replication_tables) {
                if !dir.join(name).is_file() {
                    return Err(ShardError(format!(
                        "{}: {name} is missing (the shard was run with replication tables)",
                        dir.display()
                    ))
                    .into());
                }
            }
        }
        let overrides = first.parsed_overrides().map_err(|e| {
            ShardError(format!(
                "{}: an override in {MANIFEST_FILE} is malformed: {e}",
                first_dir.display()
            ))
        })?;
        let scenario = scenario::load_str(&first.scenario_text, &first.scenario_file, &overrides)
            .with_context(|| {
            format!(
                "the scenario recorded in {}",
                first_dir.join(MANIFEST_FILE).display()
            )
        })?;
        let plan = Plan {
            replications: first.replications,
            master_seed: first.seed,
            threads: None,
            shard: None,
        };
        Ok(ShardSet {
            shards: by_index.into_values().collect(),
            replication_tables: tables[0],
            manifest: first,
            scenario,
            overrides,
            plan,
        })
    }

    /// Reads every shard's aggregate and merges them: exactly the aggregate of the whole run.
    pub fn merged_aggregate(&self) -> anyhow::Result<StudyAggregate> {
        let mut total = StudyAggregate::new(&self.scenario);
        for (dir, manifest) in &self.shards {
            let part = read_aggregate(dir, manifest, &self.scenario)?;
            total.merge(&part);
        }
        Ok(total)
    }

    /// Writes `name` (replications.csv or providers.csv) into `out` as the shards' files
    /// concatenated in shard order, one header: the bytes the whole run writes.
    pub fn concatenate(&self, name: &str, out: &Path) -> anyhow::Result<()> {
        let target = out.join(name);
        let file = fs::File::create(&target)
            .with_context(|| format!("cannot create {}", target.display()))?;
        let mut writer = BufWriter::new(file);
        let mut header: Option<String> = None;
        let file_index = ROW_FILES
            .iter()
            .position(|&f| f == name)
            .expect("only row files are concatenated");
        for (dir, manifest) in &self.shards {
            let path = dir.join(name);
            let file = fs::File::open(&path)
                .map_err(|e| ShardError(format!("cannot read {}: {e}", path.display())))?;
            let mut reader = BufReader::new(file);
            let mut line = String::new();
            reader
                .read_line(&mut line)
                .with_context(|| format!("cannot read {}", path.display()))?;
            let mut hash = Fnv1a64::default();
            hash.write(line.as_bytes());
            match &header {
                None => {
                    writer.write_all(line.as_bytes())?;
                    header = Some(line);
                }
                Some(expected) if *expected != line => {
                    return Err(ShardError(format!(
                        "{}: its header differs from the first shard's",
                        path.display()
                    ))
                    .into());
                }
                Some(_) => {}
            }
            hash.copy(&mut reader, &mut writer)
                .with_context(|| format!("cannot copy {}", path.display()))?;
            if manifest.row_files_fnv1a64.get(file_index) != Some(&hash.hex()) {
                return Err(ShardError(format!(
                    "{}: its checksum does not match {MANIFEST_FILE} (truncated, edited, or \
                     written by another run?)",
                    path.display()
                ))
                .into());
            }
        }
        writer
            .flush()
            .with_context(|| format!("cannot write {}", target.display()))
    }
}

fn read_manifest(dir: &Path) -> anyhow::Result<Manifest> {
    if !dir.is_dir() {
        let problem = if dir.exists() {
            "is not a folder"
        } else {
            "no such folder"
        };
        return Err(ShardError(format!(
            "{}: {problem}; merge takes the folders written by `capsim run --shard K/N`",
            dir.display()
        ))
        .into());
    }
    let path = dir.join(MANIFEST_FILE);
    let text = fs::read_to_string(&path).map_err(|e| {
        ShardError(format!(
            "{} is not a shard folder (cannot read {MANIFEST_FILE}: {e}); shard folders are \
             written by `capsim run --shard K/N`",
            dir.display()
        ))
    })?;
    let manifest: Manifest = serde_json::from_str(&text)
        .map_err(|e| ShardError(format!("{}: malformed: {e}", path.display())))?;
    if manifest.format != FORMAT {
        return Err(ShardError(format!(
            "{}: shard format {} is not the format {FORMAT} this capsim reads",
            path.display(),
            manifest.format
        ))
        .into());
    }
    if manifest.shard_count == 0 || manifest.shard_index >= manifest.shard_count {
        return Err(ShardError(format!(
            "{}: shard {}/{} does not exist",
            path.display(),
            manifest.shard_index + 1,
            manifest.shard_count
        ))
        .into());
    }
    let expected = fingerprint(
        &manifest.capsim_version,
        &manifest.scenario_text,
        &manifest.overrides,
        manifest.seed,
        manifest.replications,
        manifest.shard_count,
    );
    let range = Shard {
        index: manifest.shard_index,
        count: manifest.shard_count,
    }
    .range(manifest.replications);
    if expected != manifest.fingerprint
        || range != (manifest.first_replication..manifest.end_replication)
    {
        return Err(ShardError(format!(
            "{}: the fingerprint or replication range does not match its contents (edited?)",
            path.display()
        ))
        .into());
    }
    Ok(manifest)
}

/// Says which part of the plan differs between two shards.
fn check_same_plan(a_dir: &Path, a: &Manifest, b_dir: &Path, b: &Manifest) -> anyhow::Result<()> {
    let what = if a.capsim_version != b.capsim_version {
        format!(
            "capsim versions ({} and {})",
            a.capsim_version, b.capsim_version
        )
    } else if a.scenario_text != b.scenario_text {
        format!("scenarios ({} and {})", a.scenario_file, b.scenario_file)
    } else if a.overrides != b.overrides {
        format!(
            "--set overrides ([{}] and [{}])",
            a.overrides.join(" "),
            b.overrides.join(" ")
        )
    } else if a.seed != b.seed {
        format!("seeds ({} and {})", a.seed, b.seed)
    } else if a.replications != b.replications {
        format!(
            "replication counts ({} and {})",
            a.replications, b.replications
        )
    } else if a.shard_count != b.shard_count {
        format!("shard counts ({} and {})", a.shard_count, b.shard_count)
    } else {
        return Ok(());
    };
    Err(ShardError(format!(
        "{} and {} are not shards of the same study: different {what}",
        a_dir.display(),
        b_dir.display()
    ))
    .into())
}

fn read_aggregate(
    dir: &Path,
    manifest: &Manifest,
    scenario: &Scenario,
) -> anyhow::Result<StudyAggregate> {
    let path = dir.join(AGGREGATE_FILE);
    let bytes =
        fs::read(&path).map_err(|e| ShardError(format!("cannot read {}: {e}", path.display())))?;
    let mut hash = Fnv1a64::default();
    hash.write(&bytes);
    if hash.hex() != manifest.aggregate_fnv1a64 {
        return Err(ShardError(format!(
            "{}: its checksum does not match {MANIFEST_FILE} (truncated or edited?)",
            path.display()
        ))
        .into());
    }
    let aggregate: StudyAggregate = serde_json::from_slice(&bytes)
        .map_err(|e| ShardError(format!("{}: malformed: {e}", path.display())))?;
    if !same_shape(&aggregate, &StudyAggregate::new(scenario)) {
        return Err(ShardError(format!(
            "{}: its shape does not match the scenario's regimes, providers and months",
            path.display()
        ))
        .into());
    }
    Ok(aggregate)
}

fn same_shape(a: &StudyAggregate, b: &StudyAggregate) -> bool {
    a.regimes.len() == b.regimes.len()
        && a.regimes.iter().zip(&b.regimes).all(|(x, y)| {
            x.totals.len() == y.totals.len()
                && x.deltas.len() == y.deltas.len()
                && x.providers.len() == y.providers.len()
                && x.commitments.len() == y.commitments.len()
                && x.monthly.len() == y.monthly.len()
                && x.burndown.len() == y.burndown.len()
                && (x.monthly.iter().chain(&x.burndown))
                    .zip(y.monthly.iter().chain(&y.burndown))
                    .all(|(p, q)| p.len() == q.len())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_cover_every_replication_once_in_order() {
        for total in [1, 2, 3, 10, 100, 1001] {
            for count in 1..=7 {
                let mut next = 0;
                for index in 0..count {
                    let range = Shard { index, count }.range(total);
                    assert_eq!(range.start, next, "{index}/{count} of {total}");
                    assert!(range.end - range.start <= total / count + 1);
                    next = range.end;
                }
                assert_eq!(next, total);
            }
        }
        // 10 replications in 3 shards: [0, 3), [3, 6), [6, 10).
        let ranges: Vec<_> = (0..3)
            .map(|index| Shard { index, count: 3 }.range(10))
            .collect();
        assert_eq!(ranges, [0..3, 3..6, 6..10]);
    }

    #[test]
    fn shard_specs_count_from_one() {
        assert_eq!("1/3".parse(), Ok(Shard { index: 0, count: 3 }));
        assert_eq!("3/3".parse(), Ok(Shard { index: 2, count: 3 }));
        assert_eq!(Shard { index: 2, count: 3 }.to_string(), "3/3");
        for bad in ["0/3", "4/3", "0/0", "1", "a/3", "-1/3", "1/3/4", ""] {
            assert!(bad.parse::<Shard>().is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn the_fingerprint_changes_with_every_part_of_the_plan() {
        let base = fingerprint("0.1.0", "text", &["a=1".into()], 1, 100, 3);
        let changed = [
            fingerprint("0.1.1", "text", &["a=1".into()], 1, 100, 3),
            fingerprint("0.1.0", "text2", &["a=1".into()], 1, 100, 3),
            fingerprint("0.1.0", "text", &["a=2".into()], 1, 100, 3),
            fingerprint("0.1.0", "text", &[], 1, 100, 3),
            fingerprint("0.1.0", "text", &["a=1".into()], 2, 100, 3),
            fingerprint("0.1.0", "text", &["a=1".into()], 1, 101, 3),
            fingerprint("0.1.0", "text", &["a=1".into()], 1, 100, 4),
            fingerprint("0.1.0", "texta=1", &[], 1, 100, 3),
        ];
        for c in changed {
            assert_ne!(base, c);
        }
    }
}
