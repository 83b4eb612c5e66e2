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
use std::path::PathBuf;
use std::rc::Rc;
use tb::compare::CompareMode;
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
/// bug); `waves` dumps FST waves there; `reset` is the initial value of unreset flops (`zero`,
/// `ones`, `random`, `random:SEED`); `code_coverage` (`line` or `all`) runs the coverage build and
/// sums its counters in this thread's worker (`write_coverage` writes them), as a regression does.
#[pyfunction]
#[pyo3(signature = (test, *, name, flavor, rules=vec![], like=None, seed=1, lockstep=true, config="default", trace_out=None, max_cycles=None, rtl=None, waves=None, reset=None, code_coverage=None))]
#[allow(clippy::too_many_arguments)]
pub fn run_test(
    py: Python<'_>,
    test: Py<PyAny>,
    name: String,
    flavor: &str,
    rules: Vec<String>,
    like: Option<String>,
    seed: u64,
    lockstep: bool,
    config: &str,
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
    let scenario = scenario_like(f, like, seed, &name, config, max_cycles)?;
    let root = sim::repo_root().map_err(|e| engine_error(&e.to_string()))?;
    let mut opts = RunOptions {
        trace_out,
        compare: Some(if lockstep { CompareMode::Lockstep } else { CompareMode::Checkers }),
        ..RunOptions::for_repo(&root)
    };
    if let Some(rtl) = rtl {
        opts.rtl_dir = rtl;
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
    let like = match like {
        Some(l) => l,
        None => f
            .tests()
            .iter()
            .find(|t| !t.random && t.expect_failure.is_none())
            .map(|t| t.name.to_string())
            .ok_or_else(|| engine_error("the flavor has no directed test"))?,
    };
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
            let cfg = tb::config::find(f.top(), config).map_err(|e| engine_error(&e.to_string()))?;
            let spec = tb::run::build_spec(f, &cfg, &opts.rtl_dir, sim::Variant::Plain);
            let built = sim::build(&spec, &opts.cache_root).map_err(|e| engine_error(&e.to_string()))?;
            rtl.push(RtlBuild { flavor: flavor.clone(), config: config.clone(), top: f.top().into(), hash: built.hash });
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
