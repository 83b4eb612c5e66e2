//! Run one test: build (cached) or reuse the RTL, load it, wire the bench, run the test sequence,
//! judge. Infrastructure problems (no Verilator, RTL that does not build) are `Err` with a
//! one-line message; a DUT or protocol failure is a `RunResult` with status `Fail`.

use crate::agents::{cmd::CmdDriver, memory::MemoryAgent, pcie_fn::PcieDriver, regbus::RegAgent, rsp::RspMonitor, Odds};
use crate::checkers::{self, Violation};
use crate::env::Agents;
use crate::flavor::Flavor;
use crate::flavors;
use crate::lockstep::Stop;
use crate::observe::Observers;
use crate::registry::TestDef;
use crate::scenario::Scenario;
use crate::testbench::Harness;
use crate::trace::TraceWriter;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::Instant;

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
    /// Strict lockstep against the timed model (off: the protocol checkers are the only judge).
    pub lockstep: bool,
    /// Run the code-coverage build and write this run's Verilator coverage data here.
    pub code_coverage: Option<PathBuf>,
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
            lockstep: true,
            code_coverage: None,
        }
    }
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
    /// One-paragraph failure report (first mismatch or violations, recent transactions).
    pub failure: Option<String>,
    pub scenario: Scenario,
    /// Functional coverage counters of this run (merged by the regression, not stored per run).
    #[serde(skip)]
    pub functional: Option<crate::coverage::CoverData>,
}

/// Build spec of a flavor's top from an RTL folder (shared pieces from `common/`, the flavor's
/// own from the folder named after it).
pub fn build_spec(flavor: &dyn Flavor, rtl_dir: &Path, variant: sim::Variant) -> sim::BuildSpec {
    let mut sources = sv_files(&rtl_dir.join("common"));
    sources.extend(sv_files(&rtl_dir.join(flavor.name())));
    sim::BuildSpec { top: flavor.top().into(), sources, include_dirs: vec![rtl_dir.join("common")], params: vec![], flags: vec![], variant }
}

/// The `.sv` files of a folder, sorted (so the build hash does not depend on directory order).
fn sv_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|x| x == "sv")).collect())
        .unwrap_or_default();
    v.sort();
    v
}

/// The one command that replays a run with waves (ARCHITECTURE principle 7).
pub fn replay_command(flavor: &str, test: &str, seed: u64) -> String {
    format!("iommu-tb replay --flavor {flavor} --test {test} --seed {seed}")
}

/// Run a scenario. `Err` only for infrastructure problems.
pub fn run(scenario: &Scenario, opts: &RunOptions) -> Result<RunResult, String> {
    scenario.validate()?;
    let (flavor, def) = flavors::find_test(Some(&scenario.flavor), &scenario.test)?;
    let sizes = flavor.queue_sizes();
    if !sizes.contains(&scenario.log2size) {
        return Err(format!(
            "scenario log2size {} is outside {}..={} for flavor {}",
            scenario.log2size,
            sizes.start(),
            sizes.end(),
            flavor.name()
        ));
    }
    let variant = match (&opts.waves, &opts.code_coverage) {
        (Some(_), Some(_)) => return Err("waves and code coverage come from different builds: ask for one of them".into()),
        (Some(_), None) => sim::Variant::Waves,
        (None, Some(_)) => sim::Variant::Coverage,
        (None, None) => sim::Variant::Plain,
    };
    let built = sim::build(&build_spec(flavor, &opts.rtl_dir, variant), &opts.cache_root).map_err(|e| e.to_string())?;
    let model = sim::Model::load(&built).map_err(|e| e.to_string())?;
    let trace = match &opts.trace_out {
        Some(p) => Some(TraceWriter::create(p).map_err(|e| format!("cannot write trace {}: {e}", p.display()))?),
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
        log: Vec::new(),
        host_events: Vec::new(),
    };
    let mut judges = flavor.checkers();
    if let Some(t) = &scenario.traffic {
        judges.extend(checkers::pri::pri_checkers(&pri_config(t)));
    }
    let obs = Observers::new(judges, trace, opts.keep_log);
    let mut bench = flavor.testbench(model, opts.waves.as_deref(), agents, obs).map_err(|e| e.to_string())?;
    let bench = bench.as_mut();
    bench.set_lockstep(opts.lockstep);
    let outcome = catch_unwind(AssertUnwindSafe(|| drive(&mut *bench, def, scenario, rng(4))));
    let (rule, failure) = match outcome {
        Ok(r) => r,
        Err(panic) => {
            let msg = panic_text(&panic);
            (rule_in(&msg), Some(format!("{msg}\n{}", recent(bench))))
        }
    };
    let (rule, failure) = match (rule, failure) {
        (None, None) => {
            // Liveness at the end of the test (PRI-16 and friends).
            let v = bench.finish();
            match v.first() {
                Some(first) => (Some(first.rule.to_string()), Some(violations_report(&v, bench))),
                None => (None, None),
            }
        }
        other => {
            bench.finish();
            other
        }
    };
    // A negative test passes when the run fails naming the expected rule, and fails otherwise.
    let (rule, failure) = match def.expect_failure {
        None => (rule, failure),
        Some(want) if rule.as_deref() == Some(want) => (None, None),
        Some(want) => {
            let got = failure.as_deref().and_then(|f| f.lines().next()).unwrap_or("it passed");
            (Some(want.to_string()), Some(format!("[{want}] expected the injected fault to be reported as {want}; {got}")))
        }
    };
    if let Some(path) = &opts.code_coverage {
        bench.write_code_coverage(path)?;
    }
    if let Some(e) = &bench.obs().trace_error {
        return Err(format!("writing the trace failed: {e}"));
    }
    // The judges' own coverage: what each checker evaluated, and a pass of a test asserting rules.
    let cover = flavor.coverage();
    let mut functional = bench.take_coverage();
    for c in bench.obs().checkers() {
        cover.record_evaluations(&mut functional, c.name(), c.evaluations());
    }
    if failure.is_none() {
        let asserted: Vec<&str> = def.rules.iter().chain(def.expect_failure.as_ref()).copied().collect();
        cover.record_passed(&mut functional, &asserted);
    }
    Ok(RunResult {
        test: scenario.test.clone(),
        seed: scenario.seed,
        status: if failure.is_some() { Status::Fail } else { Status::Pass },
        cycles: bench.cycle(),
        wall_s: start.elapsed().as_secs_f64(),
        rule,
        failure,
        scenario: scenario.clone(),
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

/// Run the test body to its end, then drain. Returns (rule, report) on failure.
fn drive(bench: &mut dyn Harness, def: &TestDef, scenario: &Scenario, rng: ChaCha8Rng) -> (Option<String>, Option<String>) {
    let env = bench.env();
    let main = bench.sched().start_soon((def.body)(env.clone(), scenario.clone(), rng));
    let mut drain_left = 64u64;
    loop {
        if main.is_finished() {
            if drain_left == 0 {
                return (None, None);
            }
            drain_left -= 1;
        }
        if bench.cycle() >= scenario.max_cycles {
            let link = bench.env().agents.borrow().pcie.describe();
            let report = format!("timeout: the test did not finish within {} cycles\n{link}\n{}", scenario.max_cycles, recent(bench));
            return (Some("TIMEOUT".into()), Some(report));
        }
        match bench.step() {
            None => {}
            Some(Stop::Mismatch(m)) => return (Some(m.rule.to_string()), Some(format!("{m}\n{}", recent(bench)))),
            Some(Stop::Violations(v)) => return (Some(v[0].rule.to_string()), Some(violations_report(&v, bench))),
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
