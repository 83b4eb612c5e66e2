//! Run one test: build (cached) or reuse the RTL, load it, wire the bench, run the test sequence,
//! judge. Infrastructure problems (no Verilator, RTL that does not build) are `Err` with a
//! one-line message; a DUT or protocol failure is a `RunResult` with status `Fail`.

use crate::agents::memory::MemoryBehaviour;
use crate::agents::{
    cmd::CmdDriver, event_src::EventSource, memory::MemoryAgent, pcie_fn::PcieDriver, regbus::RegAgent, rsp::RspMonitor,
    stall_sink::StallSink, Odds,
};
use crate::checkers::{self, Violation};
use crate::compare::{CompareMode, LatencyBounds};
use crate::config::{self, ConfigError, RtlConfig};
use crate::env::Agents;
use crate::flavor::Flavor;
use crate::flavors::{self, LookupError};
use crate::judge::Judge;
use crate::lockstep::Stop;
use crate::observe::Observers;
use crate::port_map::BoundDut;
use crate::registry::TestDef;
use crate::reset::ResetMode;
use crate::scenario::{Scenario, ScenarioError};
use crate::testbench::Harness;
use crate::trace::TraceWriter;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Instant;

/// Why a run could not be carried out (not a failing DUT: that is a `RunResult`); one line.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    #[error(transparent)]
    Lookup(#[from] LookupError),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("test {test} does not run on {dut}: {why}")]
    NotOnDut { test: &'static str, dut: String, why: String },
    #[error("waves and code coverage come from different builds: ask for one of them")]
    WavesAndCoverage,
    #[error("summed code coverage needs a regression worker (run::Worker)")]
    SummedWithoutWorker,
    #[error(transparent)]
    Sim(#[from] sim::SimError),
    #[error("cannot write trace {path}: {reason}")]
    TraceCreate { path: PathBuf, reason: anyhow::Error },
    #[error("writing the trace failed: {0}")]
    TraceWrite(String),
}

/// Where the RTL and the build cache are, and what to produce.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// Folder holding `common/` and one folder per flavor (the project's `rtl/` unless a test
    /// injects a bug).
    pub rtl_dir: PathBuf,
    pub cache_root: PathBuf,
    pub waves: Option<PathBuf>,
    pub trace_out: Option<PathBuf>,
    /// Keep every transaction in memory for the test's assertions (off for benchmarks).
    pub keep_log: bool,
    /// The judge comparing the DUT with the models (the protocol checkers run in every mode);
    /// `None`: the default for the run's DUT (`CompareMode::default_for`).
    pub compare: Option<CompareMode>,
    /// The ordered judge's latency bounds (`--compare ordered`).
    pub bounds: LatencyBounds,
    /// Run the code-coverage build, and where its counts go.
    pub code_coverage: CodeCoverage,
    /// Which code-coverage build: the metrics it collects.
    pub code_metrics: CodeMetrics,
    /// Initial values of RTL variables no reset assigns (default: random from the run seed).
    pub reset: ResetMode,
    /// DUTs bound by port maps (`crate::port_map`): a scenario whose configuration names one's
    /// top runs on it.
    pub port_maps: Vec<Arc<BoundDut>>,
}

impl RunOptions {
    /// Defaults for the project checkout: `rtl/` and `build/cache/`.
    pub fn for_repo(root: &Path) -> RunOptions {
        RunOptions {
            rtl_dir: root.join("rtl"),
            cache_root: root.join("build/cache"),
            waves: None,
            trace_out: None,
            keep_log: true,
            compare: None,
            bounds: LatencyBounds::default(),
            code_coverage: CodeCoverage::Off,
            code_metrics: CodeMetrics::All,
            reset: ResetMode::default(),
            port_maps: Vec::new(),
        }
    }
}

/// Whether a run uses the code-coverage build, and where its Verilator coverage counts go.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum CodeCoverage {
    /// The plain build: no code coverage.
    #[default]
    Off,
    /// This run's data written to its own file (the reference per-worker sums are checked against).
    File(PathBuf),
    /// This run's counters added to its [`Worker`]'s sums, written once per worker and build.
    Summed,
}

/// The Verilator code-coverage metrics a coverage run collects; each set is its own build.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CodeMetrics {
    /// Lines and branches (`sim::Variant::LineCoverage`): what every regression needs.
    Line,
    /// Every metric: lines, branches, toggles, expressions (and FSM and user points where the
    /// RTL has them): what a sign-off needs.
    #[default]
    All,
}

impl CodeMetrics {
    /// The build that collects these metrics.
    pub fn variant(self) -> sim::Variant {
        match self {
            CodeMetrics::Line => sim::Variant::LineCoverage,
            CodeMetrics::All => sim::Variant::Coverage,
        }
    }
}

/// A `--coverage-metrics` value that names no set of metrics.
#[derive(Debug, thiserror::Error)]
#[error("unknown code coverage metrics '{0}' (line or all)")]
pub struct UnknownMetrics(pub String);

impl std::str::FromStr for CodeMetrics {
    type Err = UnknownMetrics;
    fn from_str(s: &str) -> Result<Self, UnknownMetrics> {
        match s {
            "line" => Ok(CodeMetrics::Line),
            "all" => Ok(CodeMetrics::All),
            _ => Err(UnknownMetrics(s.to_string())),
        }
    }
}

impl std::fmt::Display for CodeMetrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            CodeMetrics::Line => "line",
            CodeMetrics::All => "all",
        })
    }
}

/// What one regression worker keeps across its runs: the RTL builds it has resolved (each
/// looked up once, not per run) and the code-coverage counters of its runs, summed.
#[derive(Default)]
pub struct Worker {
    builds: HashMap<(String, String, sim::Variant, PathBuf), sim::Built>,
    pub coverage: sim::coverage::CounterSums,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Fail,
}

/// Outcome of one run, as stored in results.json.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RunResult {
    pub test: String,
    pub seed: u64,
    pub status: Status,
    pub cycles: u64,
    pub wall_s: f64,
    /// Rule ID the failure names (lockstep blame, checker, or test assertion).
    pub rule: Option<String>,
    /// What failed the run: `lockstep`, `checker NAME`, a bounded wait or watchdog by name,
    /// `test assertion` or `timeout` (see `tb::judge`).
    pub judge: Option<Judge>,
    /// One-paragraph failure report (first mismatch or violations, recent transactions).
    pub failure: Option<String>,
    pub scenario: Scenario,
    /// The judge the run was compared by (`lockstep`, `ordered` or `checkers`).
    #[serde(default)]
    pub compare: CompareMode,
    /// The reset values the RTL started from (`zero`, `ones` or `random:SEED`): with the
    /// scenario, all a bit-exact replay needs.
    pub reset: ResetMode,
    /// The port-mapped DUT the run was on (none: the embedded RTL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dut: Option<DutRef>,
    /// Functional coverage counters of this run (merged by the regression, not stored per run).
    #[serde(skip)]
    pub functional: Option<crate::coverage::CoverData>,
}

/// Where a port-mapped DUT came from: enough to run it again.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DutRef {
    pub port_map: PathBuf,
    pub rtl: PathBuf,
}

/// Build spec of a flavor's top from an RTL folder (shared pieces from `common/`, the flavor's
/// own from the folder named after it).
/// The configuration's parameters are `-G` overrides, so each configuration is its own build.
pub fn build_spec(flavor: &dyn Flavor, config: &RtlConfig, rtl_dir: &Path, variant: sim::Variant) -> sim::BuildSpec {
    let mut sources = sv_files(&rtl_dir.join("common"));
    sources.extend(sv_files(&rtl_dir.join(flavor.name())));
    let include_dirs = vec![rtl_dir.join("common")];
    sim::BuildSpec { top: flavor.top().into(), sources, include_dirs, params: config.build_params(), flags: vec![], variant }
}

/// The `.sv` files of a folder, sorted (so the build hash does not depend on directory order).
pub(crate) fn sv_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|x| x == "sv")).collect())
        .unwrap_or_default();
    v.sort();
    v
}

/// The one command that replays a run with waves (ARCHITECTURE principle 7), its RTL
/// configuration and reset state included.
pub fn replay_command(r: &RunResult) -> String {
    let s = &r.scenario;
    let config = match &r.dut {
        Some(d) => format!(" --port-map {} --rtl {}", d.port_map.display(), d.rtl.display()),
        None if s.config == config::DEFAULT => String::new(),
        None => format!(" --config {}", s.config),
    };
    // The mode is written unless it is the default for this DUT.
    let compare = if r.compare == CompareMode::default_for(r.dut.is_some()) { String::new() } else { format!(" --compare {}", r.compare) };
    format!("iommu-tb replay --flavor {}{config} --test {} --seed {} --reset-values {}{compare}", s.flavor, r.test, r.seed, r.reset)
}

/// A registered test's flavor and definition, and the RTL configuration it runs under; a
/// configuration outside the test's needs (`TestDef::needs`) is an error.
pub fn resolve(scenario: &Scenario) -> Result<(&'static dyn Flavor, &'static TestDef, RtlConfig), RunError> {
    resolve_on(scenario, &[]).map(|(f, d, c, _)| (f, d, c))
}

/// The port-mapped DUT a scenario's configuration names, if any.
pub fn dut_of<'a>(flavor: &dyn Flavor, config: &str, port_maps: &'a [Arc<BoundDut>]) -> Option<&'a Arc<BoundDut>> {
    port_maps.iter().find(|d| d.flavor.name() == flavor.name() && d.top == config)
}

/// A test's flavor, definition, configuration and port-mapped DUT (none: the embedded RTL).
pub type Resolved<'a> = (&'static dyn Flavor, &'static TestDef, RtlConfig, Option<&'a Arc<BoundDut>>);

/// [`resolve`], where the configuration may also name a DUT of `port_maps` (then a test it
/// cannot run, `BoundDut::skip_reason`, is an error).
pub fn resolve_on<'a>(scenario: &Scenario, port_maps: &'a [Arc<BoundDut>]) -> Result<Resolved<'a>, RunError> {
    let (flavor, def) = flavors::find_test(Some(&scenario.flavor), &scenario.test)?;
    if let Some(dut) = dut_of(flavor, &scenario.config, port_maps) {
        if let Some(why) = dut.skip_reason(def) {
            return Err(RunError::NotOnDut { test: def.name, dut: dut.top.clone(), why });
        }
        return Ok((flavor, def, dut.config.clone(), Some(dut)));
    }
    let cfg = config::find(flavor.top(), &scenario.config)?;
    let params = flavor.parameters(&cfg)?;
    if let Some(why) = config::unmet(def.needs, &params) {
        return Err(ConfigError::Unmet { test: def.name, config: cfg.name, unmet: why }.into());
    }
    Ok((flavor, def, cfg, None))
}

/// Run a scenario on its own. `Err` only for infrastructure problems.
pub fn run(scenario: &Scenario, opts: &RunOptions) -> Result<RunResult, RunError> {
    if opts.code_coverage == CodeCoverage::Summed {
        return Err(RunError::SummedWithoutWorker);
    }
    Worker::default().run(scenario, opts)
}

impl Worker {
    /// The build of a flavor's top under a configuration, resolved on the worker's first run
    /// that needs it.
    fn build(
        &mut self,
        flavor: &dyn Flavor,
        cfg: &RtlConfig,
        dut: Option<&BoundDut>,
        opts: &RunOptions,
        variant: sim::Variant,
    ) -> Result<sim::Built, RunError> {
        // A DUT's wrapper is named by its content: two port maps of one folder are two builds.
        let rtl = dut.map_or(&opts.rtl_dir, |d| &d.wrapper);
        let key = (flavor.name().to_string(), cfg.name.clone(), variant, rtl.clone());
        if let Some(b) = self.builds.get(&key) {
            return Ok(b.clone());
        }
        let spec = match dut {
            Some(d) => d.build_spec(variant),
            None => build_spec(flavor, cfg, &opts.rtl_dir, variant),
        };
        let built = sim::build(&spec, &opts.cache_root)?;
        self.builds.insert(key, built.clone());
        Ok(built)
    }

    /// Run a scenario. `Err` only for infrastructure problems.
    pub fn run(&mut self, scenario: &Scenario, opts: &RunOptions) -> Result<RunResult, RunError> {
        scenario.validate()?;
        let (flavor, def, cfg, dut) = resolve_on(scenario, &opts.port_maps)?;
        let body: ExternalBody = Box::new(|bench, sc, rng| (def.body)(bench.env(), sc, rng));
        run_on(
            self,
            scenario,
            opts,
            flavor,
            cfg,
            dut.map(Arc::as_ref),
            TestParts { rules: def.rules, expect_failure: def.expect_failure, body },
        )
    }

    /// Run a test that is not in any flavor's registry (a Python test of the `iommu_tb`
    /// package): `scenario.test` names it, `rules` are what its pass asserts, and `body` is
    /// built on the ready bench, so it can bind the DUT's ports. Judged like a registered test.
    pub fn run_external(
        &mut self,
        scenario: &Scenario,
        opts: &RunOptions,
        rules: &[&str],
        body: ExternalBody<'_>,
    ) -> Result<RunResult, RunError> {
        scenario.validate()?;
        let flavor = flavors::by_name(&scenario.flavor)?;
        let dut = dut_of(flavor, &scenario.config, &opts.port_maps);
        let cfg = match dut {
            Some(d) => d.config.clone(),
            None => config::find(flavor.top(), &scenario.config)?,
        };
        flavor.parameters(&cfg)?;
        run_on(self, scenario, opts, flavor, cfg, dut.map(Arc::as_ref), TestParts { rules, expect_failure: None, body })
    }
}

/// The body of a test run outside the registry: made from the bench once it is ready.
pub type ExternalBody<'a> = Box<dyn FnOnce(&mut dyn Harness, Scenario, ChaCha8Rng) -> Pin<Box<dyn Future<Output = ()>>> + 'a>;

/// What `run_on` needs of a test, registered or external.
struct TestParts<'a> {
    rules: &'a [&'a str],
    expect_failure: Option<&'static str>,
    body: ExternalBody<'a>,
}

fn run_on(
    worker: &mut Worker,
    scenario: &Scenario,
    opts: &RunOptions,
    flavor: &'static dyn Flavor,
    cfg: RtlConfig,
    dut: Option<&BoundDut>,
    test: TestParts<'_>,
) -> Result<RunResult, RunError> {
    let sizes = flavor.queue_sizes();
    if !sizes.contains(&scenario.log2size) {
        return Err(ScenarioError::QueueSize { log2size: scenario.log2size, sizes, flavor: flavor.name() }.into());
    }
    let variant = match (&opts.waves, &opts.code_coverage) {
        (Some(_), CodeCoverage::File(_) | CodeCoverage::Summed) => return Err(RunError::WavesAndCoverage),
        (Some(_), CodeCoverage::Off) => sim::Variant::Waves,
        (None, CodeCoverage::File(_) | CodeCoverage::Summed) => opts.code_metrics.variant(),
        (None, CodeCoverage::Off) => sim::Variant::Plain,
    };
    let built = worker.build(flavor, &cfg, dut, opts, variant)?;
    let reset = opts.reset.for_run(scenario.seed);
    // A run with its own coverage file is the reference for summed counters: a new instance.
    let model = match opts.code_coverage {
        CodeCoverage::File(_) => sim::Model::load_new(&built, reset.values(scenario.seed)),
        _ => sim::Model::load_with(&built, reset.values(scenario.seed)),
    };
    let model = model?;
    let trace = match &opts.trace_out {
        Some(p) => Some(TraceWriter::create(p).map_err(|reason| RunError::TraceCreate { path: p.clone(), reason })?),
        None => None,
    };
    let start = Instant::now();
    let rng = |k: u64| ChaCha8Rng::seed_from_u64(scenario.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ k);
    let agents = Agents {
        pcie: PcieDriver::new(scenario.traffic.clone(), rng(1)),
        mem: MemoryAgent::new(scenario.memory, rng(2)),
        regs: RegAgent::default(),
        cmds: CmdDriver::default(),
        rsp: RspMonitor::new(Odds(scenario.rsp_ready_odds), rng(3)),
        events: EventSource::default(),
        stalls: StallSink::new(Odds::ALWAYS, rng(4)),
        emem: MemoryAgent::new(MemoryBehaviour::default(), rng(5)),
        log: Vec::new(),
        host_events: Vec::new(),
    };
    // The ordered judge goes first: under ordered compare it names the failures it sees.
    let compare = opts.compare.unwrap_or(CompareMode::default_for(dut.is_some()));
    let mut judges: Vec<Box<dyn checkers::Checker>> = match compare {
        CompareMode::Ordered => flavor.ordered_judge(&cfg, &opts.bounds).into_iter().collect(),
        _ => Vec::new(),
    };
    judges.extend(flavor.checkers(&cfg));
    if let Some(t) = &scenario.traffic {
        judges.extend(checkers::pri::pri_checkers(&pri_config(t)));
    }
    judges.extend(crate::host_paths::checkers::checkers(flavor.queue_overflow(), scenario.host.sw.paging, scenario.host.sw.provisioned));
    let obs = Observers::new(judges, trace, opts.keep_log);
    let mut bench = flavor.testbench(model, &cfg, opts.waves.as_deref(), agents, obs)?;
    let bench = bench.as_mut();
    bench.set_lockstep(compare.lockstep());
    let outcome = catch_unwind(AssertUnwindSafe(|| drive(&mut *bench, test.body, scenario, rng(4))));
    let verdict = match outcome {
        Ok(v) => v,
        Err(panic) => {
            let msg = panic_text(&panic);
            let judge = Judge::of_sequence_failure(&msg);
            Some(Verdict { rule: rule_in(&msg), judge, report: format!("{msg}\n{}", recent(bench)) })
        }
    };
    let verdict = match verdict {
        None => {
            // Liveness at the end of the test (PRI-16 and friends).
            let v = bench.finish();
            v.first().map(|first| Verdict {
                rule: Some(first.rule.to_string()),
                judge: checker_judge(bench),
                report: violations_report(&v, bench),
            })
        }
        other => {
            bench.finish();
            other
        }
    };
    // A negative test passes when the run fails naming the expected rule, and fails otherwise.
    let verdict = match (test.expect_failure, verdict) {
        (None, v) => v,
        (Some(want), Some(v)) if v.rule.as_deref() == Some(want) => None,
        (Some(want), v) => {
            let got = v.as_ref().and_then(|v| v.report.lines().next()).unwrap_or("it passed");
            let report = format!("[{want}] expected the injected fault to be reported as {want}; {got}");
            Some(Verdict { rule: Some(want.to_string()), judge: Judge::Assertion, report })
        }
    };
    match &opts.code_coverage {
        CodeCoverage::Off => {}
        CodeCoverage::File(path) => bench.dut().write_coverage(path)?,
        CodeCoverage::Summed => worker.coverage.add(&built, bench.dut())?,
    }
    if let Some(e) = &bench.obs().trace_error {
        return Err(RunError::TraceWrite(e.clone()));
    }
    // The judges' own coverage: what each checker evaluated, and a pass of a test asserting rules.
    let cover = flavor.coverage();
    let mut functional = bench.take_coverage();
    // Under ordered compare the classified bins count what the DUT did, not what the model did.
    if let Some(dut) = bench.obs().checkers().iter().find_map(|c| c.coverage_from_dut()) {
        dut.replace_in(cover, &mut functional);
    }
    for c in bench.obs().checkers() {
        cover.record_evaluations(&mut functional, c.name(), c.evaluations());
    }
    if verdict.is_none() {
        let asserted: Vec<&str> = test.rules.iter().chain(test.expect_failure.as_ref()).copied().collect();
        cover.record_passed(&mut functional, &asserted);
    }
    Ok(RunResult {
        test: scenario.test.clone(),
        seed: scenario.seed,
        status: if verdict.is_some() { Status::Fail } else { Status::Pass },
        cycles: bench.cycle(),
        wall_s: start.elapsed().as_secs_f64(),
        rule: verdict.as_ref().and_then(|v| v.rule.clone()),
        judge: verdict.as_ref().map(|v| v.judge.clone()),
        failure: verdict.map(|v| v.report),
        scenario: scenario.clone(),
        compare,
        reset,
        dut: dut.map(|d| DutRef { port_map: d.path.clone(), rtl: d.rtl_dir.clone() }),
        functional: Some(functional),
    })
}

/// What the PRI checkers know of the functions of a traffic plan.
fn pri_config(t: &crate::agents::pcie_fn::TrafficPlan) -> checkers::pri::PriConfig {
    checkers::pri::PriConfig {
        functions: t
            .rids
            .iter()
            .map(|&rid| checkers::pri::FunctionConfig {
                rid,
                prpr: true,
                allocation: t.allocation,
                prgi_shared_across_pasids: t.prgi_shared_across_pasids,
            })
            .collect(),
    }
}

/// Why a run failed: the rule, the judge that caught it, the failure report.
struct Verdict {
    /// None when a sequence panicked without naming a rule.
    rule: Option<String>,
    judge: Judge,
    report: String,
}

/// The judge of checker violations: the checker that reported the first one.
fn checker_judge(bench: &dyn Harness) -> Judge {
    match bench.obs().first_checker.unwrap_or("?") {
        crate::ordered::JUDGE_NAME => Judge::Ordered,
        name => Judge::Checker(name.to_string()),
    }
}

/// Run the test body to its end, then drain. Returns the verdict of a failure.
fn drive(bench: &mut dyn Harness, body: ExternalBody<'_>, scenario: &Scenario, rng: ChaCha8Rng) -> Option<Verdict> {
    let main = body(&mut *bench, scenario.clone(), rng);
    let main = bench.sched().start_soon(main);
    let mut drain_left = 64u64;
    loop {
        if main.is_finished() {
            if drain_left == 0 {
                return None;
            }
            drain_left -= 1;
        }
        if bench.cycle() >= scenario.max_cycles {
            let link = bench.env().agents.borrow().pcie.describe();
            let report = format!("timeout: the test did not finish within {} cycles\n{link}\n{}", scenario.max_cycles, recent(bench));
            return Some(Verdict { rule: Some("TIMEOUT".into()), judge: Judge::Timeout, report });
        }
        match bench.step() {
            None => {}
            Some(Stop::Mismatch(m)) => {
                return Some(Verdict { rule: Some(m.rule.to_string()), judge: Judge::Lockstep, report: format!("{m}\n{}", recent(bench)) })
            }
            Some(Stop::Violations(v)) => {
                return Some(Verdict {
                    rule: Some(v[0].rule.to_string()),
                    judge: checker_judge(bench),
                    report: violations_report(&v, bench),
                })
            }
        }
    }
}

fn violations_report(v: &[Violation], bench: &dyn Harness) -> String {
    let mut s = String::new();
    for x in v {
        s.push_str(&format!("{x}\n"));
    }
    s.push_str(&recent(bench));
    s
}

/// The "recent transactions" section of a failure report.
fn recent(bench: &dyn Harness) -> String {
    format!("recent transactions (oldest first):\n{}", bench.obs().recent.render())
}

fn panic_text(p: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "test sequence panicked".into()
    }
}

/// The rule ID a message starts with, as in "[SMMU-PRIQ-7] ...".
fn rule_in(msg: &str) -> Option<String> {
    let rest = msg.strip_prefix('[')?;
    let end = rest.find(']')?;
    Some(rest[..end].to_string())
}
