//! The tables of a sweep: every point's study tables stacked in one file each, with leading
//! columns holding the point's values of the varied keys.

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

use anyhow::{Context, Result};

use super::{STUDY_FILES, writer};

/// One combined CSV per study table, appended to point by point.
pub struct SweepTables {
    keys: Vec<String>,
    writers: Vec<(&'static str, Option<csv::Writer<BufWriter<File>>>)>,
    dir: std::path::PathBuf,
}

impl SweepTables {
    /// Prepares the combined tables in `dir`; `keys` name the leading columns.
    pub fn new(dir: &Path, keys: &[String]) -> Self {
        SweepTables {
            keys: keys.to_vec(),
            writers: STUDY_FILES.iter().map(|name| (*name, None)).collect(),
            dir: dir.to_path_buf(),
        }
    }

    /// Appends the tables a study wrote into `point_dir` (those present), each row prefixed
    /// with `values` (one per key, as given on the command line).
    pub fn append(&mut self, point_dir: &Path, values: &[String]) -> Result<()> {
        for (name, out) in &mut self.writers {
            let path = point_dir.join(*name);
            if !path.exists() {
                continue;
            }
            let mut reader = csv::Reader::from_path(&path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            if out.is_none() {
                let mut w = writer(&self.dir, name)?;
                let header = reader
                    .headers()
                    .with_context(|| format!("cannot read {}", path.display()))?;
                w.write_record(self.keys.iter().map(String::as_str).chain(header.iter()))?;
                *out = Some(w);
            }
            let w = out.as_mut().expect("created above");
            for record in reader.records() {
                let record = record.with_context(|| format!("cannot read {}", path.display()))?;
                w.write_record(values.iter().map(String::as_str).chain(record.iter()))?;
            }
        }
        Ok(())
    }

    /// Flushes every table.
    pub fn finish(self) -> Result<()> {
        for (name, w) in self.writers {
            if let Some(mut w) = w {
                w.flush()
                    .with_context(|| format!("cannot write {}", self.dir.join(name).display()))?;
            }
        }
        Ok(())
    }
}
