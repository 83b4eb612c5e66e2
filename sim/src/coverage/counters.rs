//! Code coverage summed in memory over many runs, written once per build.
//!
//! A coverage build keeps every point's count in one of the model's counters, the same
//! counters in the same order for every instance of that build. Adding a run's counters into
//! a sum and writing the sum through one fresh instance gives the same data as writing a file
//! per run and merging the files, without the file per run: Verilator's writer only adds
//! counters per point, so it is linear in them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::Dataset;
use crate::{Built, Model, ResetValues, SimError};

/// One build's counters summed over runs.
struct Sum {
    built: Built,
    counts: Vec<u64>,
    runs: u64,
}

/// Per coverage build (by hash), its counters summed over the runs added.
#[derive(Default)]
pub struct CounterSums {
    builds: BTreeMap<String, Sum>,
}

impl CounterSums {
    pub fn new() -> Self {
        Self::default()
    }

    /// Add the counters of `model`, an instance of `built`, at the end of its run.
    pub fn add(&mut self, built: &Built, model: &Model) -> Result<(), SimError> {
        let counters = model.coverage_counters()?;
        let sum =
            self.builds.entry(built.hash.clone()).or_insert_with(|| Sum { built: built.clone(), counts: vec![0; counters.len()], runs: 0 });
        if sum.counts.len() != counters.len() {
            let what = format!("{} coverage counters, {} expected from earlier instances", counters.len(), sum.counts.len());
            return Err(SimError::Load { path: built.lib.clone(), what });
        }
        for (s, &c) in sum.counts.iter_mut().zip(counters) {
            *s += u64::from(c);
        }
        sum.runs += 1;
        Ok(())
    }

    /// Runs added, over all builds.
    pub fn runs(&self) -> u64 {
        self.builds.values().map(|s| s.runs).sum()
    }

    /// Write one `.dat` per build into `dir` (created if missing), named `<stem>-<hash>.dat`
    /// (first 12 hex digits of the build hash). Returns the files written.
    pub fn write_dats(&self, dir: &Path, stem: &str) -> Result<Vec<PathBuf>, SimError> {
        std::fs::create_dir_all(dir).map_err(|_| SimError::Output { what: "coverage", path: dir.to_path_buf() })?;
        let mut out = Vec::new();
        for (hash, sum) in &self.builds {
            let path = dir.join(format!("{stem}-{}.dat", &hash[..12.min(hash.len())]));
            write_sum(sum, &path)?;
            out.push(path);
        }
        Ok(out)
    }
}

/// Write a sum through a fresh instance of its build. The model's counters are 32 bits wide:
/// a sum beyond that is written in passes of at most `u32::MAX` per counter, merged here.
fn write_sum(sum: &Sum, path: &Path) -> Result<(), SimError> {
    debug_assert!(sum.built.variant.has_coverage());
    let mut left = sum.counts.clone();
    let mut merged: Option<Dataset> = None;
    let mut pass = 0u32;
    loop {
        // A new instance per pass: its counters start at zero and nothing else is counted.
        let mut m = Model::load_with(&sum.built, ResetValues::Zero)?;
        for (c, l) in m.coverage_counters_mut()?.iter_mut().zip(left.iter_mut()) {
            *c = (*l).min(u64::from(u32::MAX)) as u32;
            *l -= u64::from(*c);
        }
        let done = left.iter().all(|&l| l == 0);
        if done && merged.is_none() {
            return m.write_coverage(path);
        }
        let part = path.with_extension(format!("pass{pass}.dat"));
        m.write_coverage(&part)?;
        let data = Dataset::read(&part).map_err(|_| SimError::Output { what: "coverage", path: part.clone() });
        let _ = std::fs::remove_file(&part);
        merged.get_or_insert_with(Dataset::new).merge(&data?);
        pass += 1;
        if done {
            let d = merged.unwrap_or_default();
            return d.write_dat(path).map_err(|_| SimError::Output { what: "coverage", path: path.to_path_buf() });
        }
    }
}
