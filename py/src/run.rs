//! `run_test`: a Python `async def` test on the Rust engine, judged as `iommu-tb run` judges a
//! registered test (strict lockstep or checkers only, the flavor's checkers and the PCIe PRI
//! ones, functional coverage, optional trace): `tb::run::Worker::run_external`. The scenario is
//! a registered test's (`like`), renamed after the Python test.

use crate::boundary::{engine_error, guard, usage_error};
use crate::context::{self, Running};
use crate::dut::Dut;
use crate::env::Env;
use crate::task::PyTask;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;
use tb::compare::CompareMode;
use tb::port_map::{BoundDut, LoadOptions};
use tb::regress::ResultsFile;
use tb::report::input::RtlBuild;
use tb::run::{CodeCoverage, RunOptions, Status, Worker};

thread_local! {
    /// One worker per thread: the RTL builds it resolved stay loaded across runs.
    static WORKER: RefCell<Worker> = RefCell::new(Worker::default());
}

/// The outcome of one run (the fields of results.json).
#[pyclass(name = "RunResult", module = "iommu_tb", frozen)]
pub struct PyRunResult {
    #[pyo3(get)]
    pub test: String,
    #[pyo3(get)]
    pub flavor: String,
    #[pyo3(get)]
    pub seed: u64,
    /// "pass" or "fail".
    #[pyo3(get)]
    pub status: &'static str,
    #[pyo3(get)]
    pub cycles: u64,
    #[pyo3(get)]
    pub wall_s: f64,
    #[pyo3(get)]
    pub rule: Option<String>,
    /// What failed the run: "lockstep", "checker NAME", a bounded wait, "test assertion", "timeout".
    #[pyo3(get)]
    pub judge: Option<String>,
    #[pyo3(get)]
    pub failure: Option<String>,
    /// The run as results.json stores it (scenario included), JSON text.
    #[pyo3(get)]
    pub json: String,
    /// The engine's whole result, functional coverage included, for `write_results`.
    pub kept: tb::run::RunResult,
}

#[pymethods]
impl PyRunResult {
    #[getter]
    fn passed(&self) -> bool {
        self.status == "pass"
    }

    /// Raise `RuleViolation` (rule, the cycle the run stopped at, the report) if the run failed.
    fn raise_for_failure(&self) -> PyResult<()> {
        match &self.failure {
            None => Ok(()),
            Some(report) => {
                let judge = self.judge.as_deref().unwrap_or("?");
                let msg = format!("{} failed (judge: {judge}):\n{report}", self.test);
                Err(crate::boundary::rule_violation_opt(self.rule.as_deref(), Some(self.cycles), &msg))
            }
        }
    }

    fn __repr__(&self) -> String {
        format!(
            "<RunResult {} seed {}: {} after {} cycles{}>",
            self.test,
            self.seed,
            self.status,
            self.cycles,
            self.rule.as_ref().map(|r| format!(", {r}")).unwrap_or_default()
        )
    }
}

/// Run `test` (an `async def test(dut, env)`) on the engine. `like` names the registered test
/// whose scenario it takes (default: the flavor's first directed test, its basic write); `rules` are what a pass
/// asserts (functional coverage `asserts.passed.*`); `rtl` is another copy of `rtl/` (a planted
/// bug), or with `port_map` the DUT's sources (default: the map's folder); `port_map` runs it on
/// a DUT that is not ours (`docs/bring-your-own-rtl.md`, `top` overriding the map's), as the
/// configuration named after its top; `compare` is the judge (`lockstep`, `ordered`, `checkers`;
/// default: lockstep, ordered with a port map), `lockstep` its older boolean spelling (False:
/// checkers); `waves` dumps FST waves there; `reset` is the initial value of unreset flops (`zero`,
/// `ones`, `random`, `random:SEED`); `code_coverage` (`line` or `all`) runs the coverage build and
/// sums its counters in this thread's worker (`write_coverage` writes them), as a regression does.
#[pyfunction]
#[pyo3(signature = (test, *, name, flavor, rules=vec![], like=None, seed=1, lockstep=None, compare=None, config="default", port_map=None, top=None, trace_out=None, max_cycles=None, rtl=None, waves=None, reset=None, code_coverage=None))]
#[allow(clippy::too_many_arguments)]
pub fn run_test(
    py: Python<'_>,
    test: Py<PyAny>,
    name: String,
    flavor: &str,
    rules: Vec<String>,
    like: Option<String>,
    seed: u64,
    lockstep: Option<bool>,
    compare: Option<&str>,
    config: &str,
    port_map: Option<PathBuf>,
    top: Option<String>,
    trace_out: Option<PathBuf>,
    max_cycles: Option<u64>,
    rtl: Option<PathBuf>,
    waves: Option<PathBuf>,
    reset: Option<&str>,
    code_coverage: Option<&str>,
) -> PyResult<PyRunResult> {
    if context::running() {
        return Err(usage_error("run_test inside a running test: start a concurrent coroutine with start_soon instead"));
    }
    let f = tb::flavors::by_name(flavor).map_err(|e| PyValueError::new_err(e.to_string()))?;
    let root = sim::repo_root().map_err(|e| engine_error(&e.to_string()))?;
    let dut = match &port_map {
        Some(path) => {
            if config != tb::config::DEFAULT {
                return Err(PyValueError::new_err(format!("config={config} and port_map: a port-mapped DUT is its own configuration")));
            }
            Some(load_port_map(&root, path, rtl.as_deref(), top.as_deref())?)
        }
        None if top.is_some() => return Err(PyValueError::new_err("top= names the top of a port-mapped DUT: give port_map= too")),
        None => None,
    };
    let compare = match (compare, lockstep) {
        (Some(_), Some(_)) => return Err(PyValueError::new_err("give compare= or lockstep=, not both")),
        (Some(m), None) => m.parse::<CompareMode>().map_err(|e| PyValueError::new_err(e.to_string()))?,
        (None, Some(true)) => CompareMode::Lockstep,
        (None, Some(false)) => CompareMode::Checkers,
        (None, None) => CompareMode::default_for(dut.is_some()),
    };
    let config = dut.as_ref().map_or(config, |d| d.top.as_str());
    let scenario = scenario_like(f, like.clone(), seed, &name, config, max_cycles)?;
    if let Some(d) = &dut {
        let why = match d.flavor.name() == f.name() {
            false => Some(format!("it is a {} test and the port map ties {} to {}", f.name(), d.top, d.flavor.name())),
            true => {
                let (_, like_def) =
                    tb::flavors::find_test(Some(f.name()), like_of(f, like)?.as_str()).map_err(|e| PyValueError::new_err(e.to_string()))?;
                d.skip_reason_external(&name, &rules, like_def)
            }
        };
        if let Some(why) = why {
            return Err(crate::boundary::not_on_dut(&name, &d.top, &why));
        }
    }
    let mut opts = RunOptions { trace_out, compare: Some(compare), ..RunOptions::for_repo(&root) };
    match (dut, rtl) {
        (Some(d), _) => opts.port_maps.push(d),
        (None, Some(rtl)) => opts.rtl_dir = rtl,
        (None, None) => {}
    }
    if let Some(r) = reset {
        opts.reset = r.parse().map_err(|e: tb::reset::BadResetMode| PyValueError::new_err(e.to_string()))?;
    }
    if let Some(m) = code_coverage {
        opts.code_metrics = m.parse().map_err(|e: tb::run::UnknownMetrics| PyValueError::new_err(e.to_string()))?;
        opts.code_coverage = CodeCoverage::Summed;
    }
    if let Some(w) = waves {
        if let Some(dir) = w.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| engine_error(&format!("cannot create {}: {e}", dir.display())))?;
        }
        opts.waves = Some(w);
    }
    let rules: Vec<&str> = rules.iter().map(String::as_str).collect();
    let flavor_name = f.name();
    let running: Rc<RefCell<Option<Running>>> = Rc::new(RefCell::new(None));
    let setup_error: Rc<RefCell<Option<PyErr>>> = Rc::new(RefCell::new(None));
    let body: tb::run::ExternalBody<'_> = {
        let (running, setup_error) = (running.clone(), setup_error.clone());
        Box::new(move |bench, sc, _rng| {
            let run = Running::start(bench.env().sim.clone());
            let generation = run.generation;
            *running.borrow_mut() = Some(run);
            let made = Python::with_gil(|py| -> PyResult<Py<PyAny>> {
                let dut = Dut::bind(bench.dut(), generation).map_err(|e| engine_error(&e.to_string()))?;
                let env = Env::new(bench.env(), flavor_name, generation, sc);
                let coro = test.bind(py).call1((Py::new(py, dut)?, Py::new(py, env)?))?;
                if !coro.hasattr("send")? {
                    return Err(pyo3::exceptions::PyTypeError::new_err(format!(
                        "test {name} must be an async def function (it returned {})",
                        coro.get_type().name()?
                    )));
                }
                Ok(coro.unbind())
            });
            let sim = bench.env().sim.clone();
            match made {
                Ok(coro) => Box::pin(PyTask::new(coro, sim, Rc::new(RefCell::new(None)))),
                Err(e) => {
                    *setup_error.borrow_mut() = Some(e);
                    Box::pin(async {})
                }
            }
        })
    };
    let outcome = run_on_worker(&scenario, &opts, &rules, body);
    drop(running.borrow_mut().take());
    if let Some(e) = setup_error.borrow_mut().take() {
        return Err(e);
    }
    let _ = py;
    Ok(PyRunResult::of(outcome?))
}

/// The registered test whose scenario an engine test takes: `like`, or the flavor's first
/// directed test (its basic write).
fn like_of(f: &'static dyn tb::flavor::Flavor, like: Option<String>) -> PyResult<String> {
    match like {
        Some(l) => Ok(l),
        None => f
            .tests()
            .iter()
            .find(|t| !t.random && t.expect_failure.is_none())
            .map(|t| t.name.to_string())
            .ok_or_else(|| engine_error("the flavor has no directed test")),
    }
}

/// A port map loaded and checked as `iommu-tb --port-map` does; a bad one is `PortMapError`
/// with the command line's one line.
fn load_port_map(root: &Path, path: &Path, rtl: Option<&Path>, top: Option<&str>) -> PyResult<Arc<BoundDut>> {
    let (contract_rtl, cache_root) = (root.join("rtl"), root.join("build/cache"));
    let o = LoadOptions { rtl_dir: rtl, top, contract_rtl: &contract_rtl, cache_root: &cache_root };
    tb::port_map::load(path, &o).map(Arc::new).map_err(|e| crate::boundary::port_map_error(&e.to_string()))
}

/// A port map as the Python side sees it (`iommu_tb.port_map(path)`): checked and bound, its
/// wrapper written, nothing built or run yet.
#[pyclass(name = "PortMap", module = "iommu_tb", frozen)]
pub struct PyPortMap {
    /// The port-map file.
    #[pyo3(get)]
    pub path: PathBuf,
    /// The flavor whose contract it ties the DUT to.
    #[pyo3(get)]
    pub flavor: &'static str,
    /// The DUT's top: the name of its configuration (`test@top`).
    #[pyo3(get)]
    pub top: String,
    /// The folder of the DUT's sources.
    #[pyo3(get)]
    pub rtl: PathBuf,
    /// The contract features it leaves out (`absent`).
    #[pyo3(get)]
    pub absent: Vec<&'static str>,
    /// SHA-256 of the map's text.
    #[pyo3(get)]
    pub sha256: String,
}

#[pymethods]
impl PyPortMap {
    fn __repr__(&self) -> String {
        format!("<PortMap {} ({} DUT {})>", self.path.display(), self.flavor, self.top)
    }
}

/// Load and check a port map as `iommu-tb --port-map` does (`rtl`: the DUT's sources, default
/// the map's folder; `top` overrides the map's); a bad map raises `PortMapError`, one line.
#[pyfunction]
#[pyo3(signature = (path, *, rtl=None, top=None))]
pub fn port_map(path: PathBuf, rtl: Option<PathBuf>, top: Option<String>) -> PyResult<PyPortMap> {
    guard(|| {
        let root = sim::repo_root().map_err(|e| engine_error(&e.to_string()))?;
        let d = load_port_map(&root, &path, rtl.as_deref(), top.as_deref())?;
        Ok(PyPortMap {
            path: d.path.clone(),
            flavor: d.flavor.name(),
            top: d.top.clone(),
            rtl: d.rtl_dir.clone(),
            absent: d.absent.iter().map(|f| f.name).collect(),
            sha256: d.map_sha256.clone(),
        })
    })
}

/// The scenario of the registered test `like` (default: the flavor's first directed test, its
/// basic write), renamed `name`, under `config`, with its cycle limit replaced if given.
pub fn scenario_like(
    f: &'static dyn tb::flavor::Flavor,
    like: Option<String>,
    seed: u64,
    name: &str,
    config: &str,
    max_cycles: Option<u64>,
) -> PyResult<tb::scenario::Scenario> {
    let like = like_of(f, like)?;
    let (like_flavor, def) = tb::flavors::find_test(Some(f.name()), &like).map_err(|e| PyValueError::new_err(e.to_string()))?;
    let mut scenario = (def.scenario)(seed);
    scenario.test = name.to_string();
    scenario.flavor = like_flavor.name().to_string();
    scenario.config = config.to_string();
    if let Some(m) = max_cycles {
        scenario.max_cycles = m;
    }
    Ok(scenario)
}

/// Run `body` on this thread's worker, judged like a registered test.
pub fn run_on_worker(
    scenario: &tb::scenario::Scenario,
    opts: &RunOptions,
    rules: &[&str],
    body: tb::run::ExternalBody<'_>,
) -> PyResult<tb::run::RunResult> {
    // A failing test is a panic the engine catches and reports in the result: keep the default
    // hook from printing it (and a backtrace) on stderr meanwhile.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let outcome = WORKER.with(|w| match w.try_borrow_mut() {
        Ok(mut w) => Ok(w.run_external(scenario, opts, rules, body)),
        Err(_) => Err(usage_error("another run is in progress on this thread")),
    });
    std::panic::set_hook(hook);
    outcome?.map_err(|e| engine_error(&e.to_string()))
}

impl PyRunResult {
    pub fn of(r: tb::run::RunResult) -> PyRunResult {
        PyRunResult {
            test: r.test.clone(),
            flavor: r.scenario.flavor.clone(),
            seed: r.seed,
            status: if r.status == Status::Pass { "pass" } else { "fail" },
            cycles: r.cycles,
            wall_s: r.wall_s,
            rule: r.rule.clone(),
            judge: r.judge.as_ref().map(|j| j.to_string()),
            failure: r.failure.clone(),
            json: serde_json::to_string(&r).unwrap_or_default(),
            kept: r,
        }
    }
}

/// Write the code-coverage counters this thread's runs summed (`run_test(code_coverage=...)`)
/// into `dir`, one `<stem>-<build>.dat` per build, as a regression worker does; the paths.
#[pyfunction]
pub fn write_coverage(dir: PathBuf, stem: &str) -> PyResult<Vec<PathBuf>> {
    guard(|| {
        WORKER.with(|w| match w.try_borrow() {
            Ok(w) => w.coverage.write_dats(&dir, stem).map_err(|e| engine_error(&e.to_string())),
            Err(_) => Err(usage_error("write_coverage inside a running test")),
        })
    })
}

/// Write `results.json` (the regression's schema: runs, their RTL builds, summed functional
/// coverage) and `junit.xml` (one testcase per test and seed) of engine runs into `out`;
/// `interrupted`: the runs stopped early.
#[pyfunction]
#[pyo3(signature = (out, results, interrupted=false))]
pub fn write_results(out: PathBuf, results: Vec<PyRef<'_, PyRunResult>>, interrupted: bool) -> PyResult<()> {
    guard(|| {
        let root = sim::repo_root().map_err(|e| engine_error(&e.to_string()))?;
        let opts = RunOptions::for_repo(&root);
        let runs: Vec<tb::run::RunResult> = results.iter().map(|r| r.kept.clone()).collect();
        let mut rtl: Vec<RtlBuild> = Vec::new();
        for r in &runs {
            let (flavor, config) = (&r.scenario.flavor, &r.scenario.config);
            if rtl.iter().any(|b| &b.flavor == flavor && &b.config == config) {
                continue;
            }
            let f = tb::flavors::by_name(flavor).map_err(|e| engine_error(&e.to_string()))?;
            // A port-mapped DUT's build is its wrapper and sources, named after its top.
            let (spec, top) = match &r.dut {
                Some(d) => {
                    let dut = load_port_map(&root, &d.port_map, Some(&d.rtl), Some(config))?;
                    (dut.build_spec(sim::Variant::Plain), dut.top.clone())
                }
                None => {
                    let cfg = tb::config::find(f.top(), config).map_err(|e| engine_error(&e.to_string()))?;
                    (tb::run::build_spec(f, &cfg, &opts.rtl_dir, sim::Variant::Plain), f.top().to_string())
                }
            };
            let built = sim::build(&spec, &opts.cache_root).map_err(|e| engine_error(&e.to_string()))?;
            rtl.push(RtlBuild { flavor: flavor.clone(), config: config.clone(), top, hash: built.hash });
        }
        std::fs::create_dir_all(&out).map_err(|e| engine_error(&format!("cannot create {}: {e}", out.display())))?;
        let file = ResultsFile::new(rtl, None, runs, interrupted);
        file.save(&out.join("results.json")).map_err(|e| engine_error(&e.to_string()))?;
        let input = tb::regress::report_input(&file, None, &root).map_err(|e| engine_error(&e.to_string()))?;
        let junit = out.join("junit.xml");
        tb::junit::write_junit(&junit, "iommu_tb regress", &input.runs)
            .map_err(|e| engine_error(&format!("cannot write {}: {e}", junit.display())))
    })
}
