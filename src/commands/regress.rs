//! `iommu-tb regress`: every directed test once plus N seeds of each random class, on all cores;
//! a summary table, `results.json` (every run with its scenario, so any run can be replayed) and
//! the one replay command of every failure. Ctrl-C stops taking new runs and keeps what finished.

use crate::commands::python;
use crate::CliResult;
use indicatif::{ProgressBar, ProgressStyle};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tb::compare::{CompareMode, LatencyBounds};
use tb::flavors;
use tb::regress::{self, CodeCoverageOut, Plan, ResultsFile};
use tb::report::input::RtlBuild;
use tb::report::{default_gates, Gate};
use tb::reset::ResetMode;
use tb::run::{self, CodeMetrics, RunOptions, RunResult, Status};
use tb::scenario::Scenario;
use tb::shard::Shard;

#[derive(clap::Args)]
pub struct RegressArgs {
    /// Seeds per random test class (under each top's default configuration).
    #[arg(long, default_value_t = 200)]
    seeds: u64,
    /// Seeds per random test class under each other configuration (default: a quarter of
    /// --seeds, at least 1).
    #[arg(long)]
    corner_seeds: Option<u64>,
    /// Run only this RTL configuration (repeatable; default: every configuration of rtl/configs.txt).
    #[arg(long = "config")]
    configs: Vec<String>,
    /// First seed of the random classes.
    #[arg(long, default_value_t = 1)]
    first_seed: u64,
    /// Run every selected test with this one seed only.
    #[arg(long)]
    seed: Option<u64>,
    /// Run only this test (repeatable).
    #[arg(long = "test")]
    tests: Vec<String>,
    /// Parallel jobs (default: all cores).
    #[arg(long)]
    jobs: Option<usize>,
    /// Output folder.
    #[arg(long, default_value = "build/regress")]
    out: PathBuf,
    /// Skip code coverage (runs use the plain build instead of the coverage build).
    #[arg(long)]
    no_code_coverage: bool,
    /// Code coverage metrics: line (lines and branches), all (also toggles and expressions,
    /// a slower build) or auto: all when a gate needs a metric beyond lines and branches, else
    /// line (shards of a sign-off whose gates only their merge applies: say all).
    #[arg(long, default_value = "auto", value_name = "auto|line|all")]
    coverage_metrics: String,
    /// Initial values of RTL flops no reset assigns: zero, ones, random (each run seeded from its
    /// seed) or random:SEED (one reset seed for every run).
    #[arg(long, default_value = "random", value_name = "zero|ones|random[:SEED]")]
    reset_values: ResetMode,
    /// Also run a DUT that is not ours, tied to its flavor's contract by this port map (repeatable;
    /// its sources are the .sv files of the port map's folder). Its runs are labelled `test@TOP`.
    #[arg(long = "port-map")]
    port_maps: Vec<PathBuf>,
    /// Run only slice K of N of the regression (deterministic; join the slices with `merge`).
    #[arg(long)]
    shard: Option<String>,
    /// The judge of every run: lockstep, ordered or checkers (see `iommu-tb run --help`; default:
    /// lockstep on our RTL, ordered on a DUT bound by a port map).
    #[arg(long, value_name = "lockstep|ordered|checkers")]
    compare: Option<CompareMode>,
    /// Latency bounds of the ordered judge (KEY=CYCLES,...; see `iommu-tb run --help`).
    #[arg(long, value_name = "KEY=CYCLES,...")]
    latency_bound: Option<LatencyBounds>,
    /// Leave out the Python engine tests (tests/python/engine), which otherwise run through the
    /// project's Python under each flavor's default configuration.
    #[arg(long)]
    no_python: bool,
    #[command(flatten)]
    signoff: SignoffArgs,
}

/// What the sign-off report checks and forgives.
#[derive(clap::Args, Clone)]
pub struct SignoffArgs {
    /// Gates that set the exit code, e.g. `--gate pass-rate=100 --gate rules=100 --gate line=90`
    /// (see docs/report.md). Default: pass-rate=100.
    #[arg(long = "gate")]
    gates: Vec<String>,
    /// Waiver file (JSON, see docs/report.md).
    #[arg(long)]
    waivers: Option<PathBuf>,
}

pub fn main(a: RegressArgs) -> CliResult<ExitCode> {
    let root = crate::repo_root()?;
    let out = absolute(&root, &a.out);
    std::fs::create_dir_all(&out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let gates = parse_gates(&a.signoff)?;
    let mut duts = Vec::new();
    for p in &a.port_maps {
        let dut = crate::commands::port_map::load(&root, p, None, None)?;
        if duts.iter().any(|d: &std::sync::Arc<tb::port_map::BoundDut>| d.top == dut.top) {
            return Err(format!("two port maps name the top {}", dut.top).into());
        }
        duts.push(dut);
    }
    let (rust_tests, py_all) = python_plan(&root, &a, &duts)?;
    let all = regress::plan(&Plan {
        seeds: a.seeds,
        corner_seeds: a.corner_seeds.unwrap_or((a.seeds / 4).max(1)),
        first_seed: a.first_seed,
        only_seed: a.seed,
        tests: rust_tests.clone().unwrap_or_default(),
        configs: a.configs.clone(),
        port_maps: duts.clone(),
    })?;
    // Only Python tests named: no Rust run (the plan above still checked the configurations).
    let all = if rust_tests.as_ref().is_some_and(Vec::is_empty) { vec![] } else { all };
    // The builds of the whole plan (every shard names the same ones, so shards merge).
    let planned: Vec<(String, String)> = all
        .iter()
        .map(|s| (s.flavor.clone(), s.config.clone()))
        .chain(py_all.iter().map(|r| (r.flavor.clone(), r.config.clone())))
        .collect();
    let shard = a.shard.as_deref().map(str::parse::<Shard>).transpose().map_err(|e| e.to_string())?;
    let (work, py_work): (Vec<Scenario>, Vec<&PyPlanned>) = match &shard {
        Some(sh) => {
            let items: Vec<Planned> = all.iter().map(Planned::Rust).chain(py_all.iter().map(Planned::Python)).collect();
            let mine = sh.select(&items, Planned::key);
            let rust = mine.iter().filter_map(|p| if let Planned::Rust(s) = p { Some((*s).clone()) } else { None }).collect();
            (rust, mine.iter().filter_map(|p| if let Planned::Python(r) = p { Some(*r) } else { None }).collect())
        }
        None => (all, py_all.iter().collect()),
    };
    let code_metrics = match a.coverage_metrics.as_str() {
        "auto" => auto_metrics(&gates),
        m => m.parse::<CodeMetrics>()?,
    };
    let opts = RunOptions {
        reset: a.reset_values,
        code_metrics,
        port_maps: duts.clone(),
        compare: a.compare,
        bounds: a.latency_bound.unwrap_or_default(),
        ..RunOptions::for_repo(&root)
    };
    // Build (or find) the RTL of each flavor and configuration of the plan once before the
    // workers start; the plain builds' hashes name the RTL in the results.
    let mut rtl = Vec::new();
    for &flavor in flavors::ALL {
        for cfg in flavor.configs()? {
            if !planned.iter().any(|(f, c)| f == flavor.name() && *c == cfg.name) {
                continue;
            }
            let spec = |v| run::build_spec(flavor, &cfg, &opts.rtl_dir, v);
            let built = sim::build(&spec(sim::Variant::Plain), &opts.cache_root).map_err(|e| e.to_string())?;
            if !a.no_code_coverage {
                sim::build(&spec(code_metrics.variant()), &opts.cache_root).map_err(|e| e.to_string())?;
            }
            rtl.push(RtlBuild { flavor: flavor.name().into(), config: cfg.name.clone(), top: flavor.top().into(), hash: built.hash });
        }
    }
    for dut in duts.iter().filter(|d| planned.iter().any(|(f, c)| f == d.flavor.name() && *c == d.top)) {
        let built = sim::build(&dut.build_spec(sim::Variant::Plain), &opts.cache_root).map_err(|e| e.to_string())?;
        if !a.no_code_coverage {
            sim::build(&dut.build_spec(code_metrics.variant()), &opts.cache_root).map_err(|e| e.to_string())?;
        }
        rtl.push(RtlBuild { flavor: dut.flavor.name().into(), config: dut.top.clone(), top: dut.top.clone(), hash: built.hash });
    }
    let cov_dir = out.join("coverage-runs");
    if !a.no_code_coverage {
        let _ = std::fs::remove_dir_all(&cov_dir);
        std::fs::create_dir_all(&cov_dir).map_err(|e| format!("cannot create {}: {e}", cov_dir.display()))?;
    }
    let jobs = a.jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())).max(1);
    let hashes: Vec<String> = rtl.iter().map(|b| format!("{}@{} {}", b.top, b.config, &b.hash[..12])).collect();
    let metrics = if a.no_code_coverage { "no code coverage".to_string() } else { format!("code coverage: {code_metrics}") };
    let py_runs = if py_work.is_empty() { String::new() } else { format!(" + {} Python", py_work.len()) };
    println!("regress: {}{py_runs} runs on {jobs} jobs, {metrics} (RTL builds {})", work.len(), hashes.join(", "));

    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    // First Ctrl-C: finish the runs in progress and write what finished. Second: leave now.
    let _ = ctrlc::set_handler(move || {
        if flag.swap(true, Ordering::SeqCst) {
            std::process::exit(130);
        }
        eprintln!("\ninterrupted: finishing the runs in progress, then writing results (Ctrl-C again to quit)");
    });
    // The Python tests run beside the Rust workers, in a process of their own.
    let py_run = match py_work.is_empty() {
        true => None,
        false => Some(python::start_regress(
            &root,
            &python::PyRegress {
                tests: py_work.iter().map(|r| regress::run_label(&r.name, &r.config)).collect(),
                // As given: the wrapper names its map, so another spelling of the path would be
                // another build.
                port_maps: duts.iter().filter(|d| py_work.iter().any(|r| r.config == d.top)).map(|d| d.path.clone()).collect(),
                compare: a.compare,
                seed: a.seed.unwrap_or(1),
                reset: a.reset_values,
                out: out.join("python-runs"),
                coverage: (!a.no_code_coverage).then_some((cov_dir.as_path(), code_metrics)),
            },
        )?),
    };
    let bar = ProgressBar::new((work.len() + py_work.len()) as u64);
    bar.set_style(ProgressStyle::with_template("{bar:40} {pos}/{len} {msg} [{elapsed_precise}]").unwrap());
    let started = std::time::Instant::now();
    let done = |r: &RunResult| {
        if r.status == Status::Fail {
            let label = regress::run_label(&r.test, &r.scenario.config);
            bar.println(format!("FAIL {label} seed {}: {}", r.seed, r.rule.as_deref().unwrap_or("?")));
        }
        bar.inc(1);
    };
    let cov = if a.no_code_coverage { CodeCoverageOut::None } else { CodeCoverageOut::PerWorker(&cov_dir) };
    let exec = regress::execute(&work, &opts, cov, jobs, &stop, &done)?;
    let mut results = ResultsFile::new(rtl, shard.map(|s| s.to_string()), exec.runs, exec.interrupted);
    if let Some(p) = py_run {
        let merged = p.finish().and_then(|py| {
            py.runs.iter().for_each(done);
            with_python_runs(results.clone(), py)
        });
        match merged {
            Ok(m) => results = m,
            Err(e) => {
                // The Rust runs are not lost with the Python side: their results are written.
                bar.finish_and_clear();
                results.save(&out.join("results.json"))?;
                return Err(format!("{e} (the Rust runs' results: {})", out.join("results.json").display()).into());
            }
        }
        let _ = std::fs::remove_dir_all(out.join("python-runs"));
    }
    bar.finish_and_clear();
    let code = if a.no_code_coverage {
        None
    } else {
        let merged = regress::merge_code_coverage(&cov_dir)?;
        write_code_coverage(&out, &merged, &root)?;
        let _ = std::fs::remove_dir_all(&cov_dir);
        Some(merged)
    };

    print_table(&results.runs);
    for r in results.runs.iter().filter(|r| r.status == Status::Fail) {
        let judge = r.judge.as_ref().map(|j| j.to_string()).unwrap_or_default();
        let label = regress::run_label(&r.test, &r.scenario.config);
        println!("\nFAIL {label} seed {} [{}] judged by {judge}", r.seed, r.rule.as_deref().unwrap_or("?"));
        if let Some(f) = &r.failure {
            println!("{}", f.lines().take(6).collect::<Vec<_>>().join("\n"));
        }
        println!("replay: {}", run::replay_command(r));
    }
    let s = &results.summary;
    println!(
        "\n{} runs: {} passed, {} failed; {} cycles in {:.1} s",
        s.total,
        s.passed,
        s.failed,
        s.cycles,
        started.elapsed().as_secs_f64()
    );
    results.save(&out.join("results.json"))?;
    println!("results: {}", out.join("results.json").display());
    let gates_ok = write_signoff(&out, &results, code.as_ref(), &root, &a.signoff, &gates)?;
    if results.interrupted {
        println!("interrupted: {} of {} runs finished", s.total, work.len() + py_work.len());
        return Ok(ExitCode::from(130));
    }
    Ok(if s.failed == 0 && gates_ok { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// A Python engine test in the regression: directed, once, under its flavor's default
/// configuration.
struct PyPlanned {
    flavor: String,
    name: String,
    seed: u64,
    /// `default`, or the top of a port-mapped DUT.
    config: String,
}

/// A run of the plan, Rust or Python, for `--shard`: both kinds share one slicing.
enum Planned<'a> {
    Rust(&'a Scenario),
    Python(&'a PyPlanned),
}

impl Planned<'_> {
    fn key(&self) -> String {
        match self {
            Planned::Rust(s) => format!("{}/{}[seed={}]", s.flavor, regress::run_label(&s.test, &s.config), s.seed),
            Planned::Python(r) => format!("{}/{}[seed={}]", r.flavor, regress::run_label(&r.name, &r.config), r.seed),
        }
    }
}

/// Split `--test` into the Rust tests (None: all of them) and plan the Python tests: under the
/// default configuration, and on each port-mapped DUT of their flavor (the Python side skips a
/// test the DUT cannot run, with the reason in its log). The Python side is asked only when some
/// Python test can be selected; then a missing interpreter or package is an error, unless
/// `--no-python`.
fn python_plan(root: &Path, a: &RegressArgs, duts: &[Arc<tb::port_map::BoundDut>]) -> CliResult<(Option<Vec<String>>, Vec<PyPlanned>)> {
    let rust: Vec<String> = a.tests.iter().filter(|t| flavors::find_test(None, t).is_ok()).cloned().collect();
    let rust_tests = (!a.tests.is_empty()).then_some(rust);
    let selected = |config: &str| a.configs.is_empty() || a.configs.iter().any(|c| c == config);
    let on_duts: Vec<&Arc<tb::port_map::BoundDut>> = duts.iter().filter(|d| selected(&d.top)).collect();
    let only_rust = rust_tests.as_ref().is_some_and(|r| r.len() == a.tests.len());
    if a.no_python || only_rust || (!selected(tb::config::DEFAULT) && on_duts.is_empty()) {
        return Ok((rust_tests, vec![]));
    }
    let py = python::tests(root)?;
    // A name neither side knows: the Rust lookup's error (it lists the tests).
    if let Some(unknown) = a.tests.iter().find(|t| flavors::find_test(None, t).is_err() && !py.iter().any(|p| &p.name == *t)) {
        flavors::find_test(None, unknown)?;
    }
    let seed = a.seed.unwrap_or(1);
    let mut configs: Vec<(&str, &str)> = Vec::new();
    if selected(tb::config::DEFAULT) {
        configs.push(("", tb::config::DEFAULT));
    }
    configs.extend(on_duts.iter().map(|d| (d.flavor.name(), d.top.as_str())));
    let planned = configs
        .iter()
        .flat_map(|&(flavor, config)| {
            py.iter()
                .filter(move |p| (flavor.is_empty() || p.flavor == flavor) && (a.tests.is_empty() || a.tests.contains(&p.name)))
                .map(move |p| PyPlanned { flavor: p.flavor.clone(), name: p.name.clone(), seed, config: config.to_string() })
        })
        .collect();
    Ok((rust_tests, planned))
}

/// The regression's results with the Python side's runs and functional coverage added; the
/// Python runs must have used the regression's own RTL builds.
fn with_python_runs(rust: ResultsFile, mut py: ResultsFile) -> CliResult<ResultsFile> {
    for b in &py.rtl {
        if !rust.rtl.contains(b) {
            return Err(
                format!("the Python tests ran another build of {}@{} ({})", b.top, b.config, &b.hash[..12.min(b.hash.len())]).into()
            );
        }
    }
    py.rtl = rust.rtl.clone();
    let shard = rust.shard.clone();
    Ok(ResultsFile { shard, ..regress::merge(vec![rust, py])? })
}

/// The metrics a regression pays for when not told: lines and branches always; everything when
/// a gate judges another metric. (Not whether it is a shard: shards must merge to the whole.)
fn auto_metrics(gates: &[Gate]) -> CodeMetrics {
    let beyond_lines = |g: &Gate| matches!(g, Gate::Code { metric, .. } if !matches!(metric.as_deref(), Some("line" | "branch")));
    if gates.iter().any(beyond_lines) {
        CodeMetrics::All
    } else {
        CodeMetrics::Line
    }
}

fn parse_gates(a: &SignoffArgs) -> CliResult<Vec<Gate>> {
    if a.gates.is_empty() {
        return Ok(default_gates());
    }
    let mut v = Vec::new();
    for g in &a.gates {
        v.extend(tb::report::parse_gates(g).map_err(|e| e.to_string())?);
    }
    Ok(v)
}

/// junit.xml, report.html, report.md and coverage.json; prints the gates. True when all pass.
fn write_signoff(
    out: &Path,
    results: &ResultsFile,
    code: Option<&sim::coverage::Dataset>,
    root: &Path,
    a: &SignoffArgs,
    gates: &[Gate],
) -> CliResult<bool> {
    let input = regress::report_input(results, code, root)?;
    tb::junit::write_junit(&out.join("junit.xml"), "iommu-tb regress", &input.runs)
        .map_err(|e| format!("cannot write {}: {e}", out.join("junit.xml").display()))?;
    let outcome = tb::report::write_report(out, &input, a.waivers.as_deref(), gates, &today()).map_err(|e| e.to_string())?;
    let rules = &input.functional.rules;
    let applicable = rules.iter().filter(|r| r.applicable).count();
    let covered = rules.iter().filter(|r| r.applicable && r.bins_total > 0 && r.bins_hit == r.bins_total).count();
    println!(
        "functional coverage: {covered} of {applicable} applicable IDs fully covered ({} of {} IDs not applicable: docs/testplan.toml)",
        rules.len() - applicable,
        rules.len()
    );
    if let Some(c) = &input.code {
        let per: Vec<String> = c.totals.iter().map(|(m, (h, t))| format!("{m} {:.1}%", 100.0 * *h as f64 / (*t).max(1) as f64)).collect();
        println!("code coverage: {}", per.join(", "));
    }
    for g in &outcome.results {
        let value = g.value.map_or("no data".to_string(), |v| format!("{v:.1}"));
        println!("gate {:<20} {:>8} (needs {}) {}", g.gate, value, g.threshold, if g.ok { "ok" } else { "FAILED" });
    }
    println!("report: {}", out.join("report.html").display());
    Ok(outcome.passed)
}

/// Today as YYYY-MM-DD (UTC), for the report header and waiver expiry.
fn today() -> String {
    jiff::Timestamp::now().strftime("%Y-%m-%d").to_string()
}

#[derive(clap::Args)]
pub struct MergeArgs {
    /// results.json files (or folders holding one) to join.
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    /// Output folder for the merged results.json.
    #[arg(long, default_value = "build/regress")]
    out: PathBuf,
    #[command(flatten)]
    signoff: SignoffArgs,
}

pub fn merge_main(a: MergeArgs) -> CliResult<ExitCode> {
    let root = crate::repo_root()?;
    let out = absolute(&root, &a.out);
    let gates = parse_gates(&a.signoff)?;
    let mut parts = Vec::new();
    let mut dats = Vec::new();
    for p in &a.inputs {
        let (dir, file) = if p.is_dir() {
            (p.clone(), p.join("results.json"))
        } else {
            (p.parent().map(Path::to_path_buf).unwrap_or_default(), p.clone())
        };
        parts.push(ResultsFile::load(&file)?);
        if dir.join("coverage.dat").is_file() {
            dats.push(dir.join("coverage.dat"));
        }
    }
    let merged = regress::merge(parts)?;
    std::fs::create_dir_all(&out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let code = if dats.is_empty() {
        None
    } else {
        let d = sim::coverage::merge_files(&dats).map_err(|e| e.to_string())?;
        write_code_coverage(&out, &d, &root)?;
        Some(d)
    };
    merged.save(&out.join("results.json"))?;
    let s = &merged.summary;
    println!("merged {} inputs: {} runs, {} passed, {} failed", a.inputs.len(), s.total, s.passed, s.failed);
    println!("results: {}", out.join("results.json").display());
    let gates_ok = write_signoff(&out, &merged, code.as_ref(), &root, &a.signoff, &gates)?;
    Ok(if s.failed == 0 && gates_ok { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// The merged Verilator coverage (`coverage.dat`), its lcov export (`coverage.info`) and the
/// RTL sources annotated with line counts (`annotated/`).
fn write_code_coverage(out: &Path, data: &sim::coverage::Dataset, root: &Path) -> CliResult<()> {
    data.write_dat(&out.join("coverage.dat")).map_err(|e| e.to_string())?;
    data.write_lcov(&out.join("coverage.info"), "regress").map_err(|e| e.to_string())?;
    let annotated = out.join("annotated");
    let _ = std::fs::remove_dir_all(&annotated);
    let opts = sim::coverage::AnnotateOptions { root: Some(root.to_path_buf()) };
    data.annotate(&annotated, &opts).map_err(|e| e.to_string())?;
    Ok(())
}

fn absolute(root: &Path, p: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        root.join(p)
    }
}

/// One row per test: runs, pass/fail, cycles, simulated cycles per second, wall time.
fn print_table(runs: &[RunResult]) {
    #[derive(Default)]
    struct Row {
        runs: usize,
        failed: usize,
        cycles: u64,
        wall: f64,
    }
    let mut rows: BTreeMap<String, Row> = BTreeMap::new();
    for r in runs {
        let row = rows.entry(regress::run_label(&r.test, &r.scenario.config)).or_default();
        row.runs += 1;
        row.failed += (r.status == Status::Fail) as usize;
        row.cycles += r.cycles;
        row.wall += r.wall_s;
    }
    println!("{:<28} {:>5} {:>6} {:>10} {:>12} {:>8}", "test", "runs", "status", "cycles", "cycles/s", "wall s");
    for (name, r) in &rows {
        let status = if r.failed == 0 { "PASS".to_string() } else { format!("{}F", r.failed) };
        let rate = if r.wall > 0.0 { r.cycles as f64 / r.wall } else { 0.0 };
        println!("{:<28} {:>5} {:>6} {:>10} {:>12.0} {:>8.2}", name, r.runs, status, r.cycles, rate, r.wall);
    }
}
