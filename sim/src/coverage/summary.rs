//! Covered/total per metric and per file, and the list of holes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::Dataset;

/// Code coverage summary. Field names and shapes equal the report's
/// `CodeSummary` (`tb::report::input`), so it converts field by field or
/// through serde.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeSummary {
    /// Metric (`line`, `branch`, `toggle`, `expr`, `fsm`, `user`) -> (covered points, total points).
    pub totals: BTreeMap<String, (u64, u64)>,
    /// One entry per source file, sorted by path.
    pub files: Vec<FileCoverage>,
    /// Uncovered points, `"<file>:<line> <metric> <comment> (<hier>)"`, sorted
    /// by file, line, metric, comment, hierarchy; at most
    /// [`SummaryOptions::max_holes`] of them, then one `"... and N more uncovered points"`.
    pub holes: Vec<String>,
}

/// Same fields as the report's `FileCoverage`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileCoverage {
    pub path: String,
    /// Metric -> (covered points, total points).
    pub metrics: BTreeMap<String, (u64, u64)>,
}

#[derive(Clone, Debug)]
pub struct SummaryOptions {
    /// File paths under `root` are shown relative to it.
    pub root: Option<PathBuf>,
    /// Most holes listed (default 200).
    pub max_holes: usize,
    /// Metrics whose holes are listed (None: all). Totals always cover all.
    pub hole_metrics: Option<Vec<String>>,
}

impl Default for SummaryOptions {
    fn default() -> Self {
        SummaryOptions { root: None, max_holes: 200, hole_metrics: None }
    }
}

impl SummaryOptions {
    fn show(&self, file: &str) -> String {
        match &self.root {
            Some(r) => Path::new(file).strip_prefix(r).map(|p| p.display().to_string()).unwrap_or_else(|_| file.into()),
            None => file.into(),
        }
    }
}

impl Dataset {
    /// Per metric and per file: (points with count >= 1, points). Every
    /// point counts once, as Verilator writes it (toggle: one per bit and
    /// direction; per-instance data: one per instance).
    pub fn summary(&self, opts: &SummaryOptions) -> CodeSummary {
        let mut totals: BTreeMap<String, (u64, u64)> = BTreeMap::new();
        let mut files: BTreeMap<String, BTreeMap<String, (u64, u64)>> = BTreeMap::new();
        let mut holes = Vec::new();
        for (id, c) in self.iter() {
            let metric = id.metric();
            let file = opts.show(&id.file());
            let hit = u64::from(c > 0);
            for t in [totals.entry(metric.clone()).or_default(), files.entry(file.clone()).or_default().entry(metric.clone()).or_default()]
            {
                t.0 += hit;
                t.1 += 1;
            }
            if c == 0 && opts.hole_metrics.as_ref().is_none_or(|m| m.contains(&metric)) {
                holes.push((file, id.line(), metric, id.comment(), id.hier()));
            }
        }
        holes.sort();
        let rest = holes.len().saturating_sub(opts.max_holes);
        let mut holes: Vec<String> = holes
            .into_iter()
            .take(opts.max_holes)
            .map(|(f, l, m, c, h)| {
                let mut s = format!("{f}:{l} {m}");
                for (part, wrap) in [(c, false), (h, true)] {
                    if !part.is_empty() {
                        s.push_str(&if wrap { format!(" ({part})") } else { format!(" {part}") });
                    }
                }
                s
            })
            .collect();
        if rest > 0 {
            holes.push(format!("... and {rest} more uncovered points"));
        }
        CodeSummary { totals, files: files.into_iter().map(|(path, metrics)| FileCoverage { path, metrics }).collect(), holes }
    }
}
