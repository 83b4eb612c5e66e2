//! `iommu-tb bench`: simulated cycles per second of the full harness (lockstep model, protocol
//! checkers, agents, Linux-like host) against a plain C++ loop that drives the same Verilated
//! build with the same kind of stimulus and checks nothing, and a regression's throughput: the
//! start-up a run pays outside its cycle loop, and the efficiency of regressions on all cores
//! with code coverage (`throughput`). Prints all and writes `build/bench/bench.json`. Best of
//! `--reps` runs each, to damp machine noise.

use crate::CliResult;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use tb::config::RtlConfig;
use tb::flavor::{BenchWorkload, Flavor};
use tb::flavors;
use tb::run::{self, RunOptions};

mod throughput;

#[derive(clap::Args)]
pub struct BenchArgs {
    /// Simulated cycles per run.
    #[arg(long, default_value_t = 1_000_000)]
    cycles: u64,
    /// Runs of each side; the best is kept.
    #[arg(long, default_value_t = 3)]
    reps: u32,
    #[arg(long, default_value = "build/bench")]
    out: PathBuf,
    /// Seeds per random class of the default regression whose efficiency is measured (as
    /// `make regress`); 0 skips the regression measurements.
    #[arg(long, default_value_t = 200)]
    regress_seeds: u64,
    /// Jobs of those regressions (default: all cores).
    #[arg(long)]
    jobs: Option<usize>,
}

#[derive(Serialize)]
struct BenchReport {
    flavor: &'static str,
    /// The workload (`Flavor::bench_workloads`): a flavor may have several (SMMUv3: PRIQ, EVTQ).
    workload: &'static str,
    rtl_hash: String,
    cycles: u64,
    harness_cycles_per_s: f64,
    /// The harness on the code-coverage build of every metric (a sign-off regression's build).
    coverage_harness_cycles_per_s: f64,
    /// The harness on the line and branch coverage build (any other regression's build).
    line_coverage_harness_cycles_per_s: f64,
    /// Harness cycles/s on the plain build over that on each coverage build: what each set of
    /// metrics costs a run ("line": lines and branches; "all": also toggles and expressions).
    coverage_slowdown: std::collections::BTreeMap<&'static str, f64>,
    plain_cpp_cycles_per_s: f64,
    ratio: f64,
    target_ratio: f64,
}

pub fn main(a: BenchArgs) -> CliResult<ExitCode> {
    let root = crate::repo_root()?;
    let out = if a.out.is_absolute() { a.out.clone() } else { root.join(&a.out) };
    std::fs::create_dir_all(&out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let opts = RunOptions { keep_log: false, ..RunOptions::for_repo(&root) };
    let reports = flavors::ALL
        .iter()
        .flat_map(|&f| f.bench_workloads().iter().map(move |w| (f, w)))
        .map(|(f, w)| bench_workload(f, w, &a, &opts, &root, &out))
        .collect::<Result<Vec<_>, _>>()?;
    let throughput = if a.regress_seeds == 0 {
        None
    } else {
        {
            let jobs = a.jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())).max(1);
            Some(throughput::measure(&opts, a.regress_seeds, jobs, &out)?)
        }
    };
    let row = |name: &str, f: &dyn Fn(&BenchReport) -> String| {
        println!("{name:<44}{}", reports.iter().map(|r| format!(" {:>14}", f(r))).collect::<String>());
    };
    row("best of runs, cycles/s", &|r| r.workload.to_string());
    row("plain C++ Verilator loop (no checks)", &|r| format!("{:.0}", r.plain_cpp_cycles_per_s));
    row("iommu-tb harness (lockstep + checkers)", &|r| format!("{:.0}", r.harness_cycles_per_s));
    row("the same, line/branch coverage build", &|r| format!("{:.0}", r.line_coverage_harness_cycles_per_s));
    row("the same, all-metrics coverage build", &|r| format!("{:.0}", r.coverage_harness_cycles_per_s));
    row("slowdown of line/branch coverage", &|r| format!("{:.2}x", r.coverage_slowdown["line"]));
    row("slowdown of all metrics (+ toggle, expr)", &|r| format!("{:.2}x", r.coverage_slowdown["all"]));
    for r in &reports {
        println!("{} ratio {:.2} (target >= {:.1})", r.workload, r.ratio, r.target_ratio);
    }
    let path = out.join("bench.json");
    if let Some(t) = &throughput {
        t.print();
    }
    let text =
        serde_json::to_string_pretty(&serde_json::json!({ "flavors": reports, "throughput": throughput })).map_err(|e| e.to_string())?;
    std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    println!("written: {}", path.display());
    Ok(ExitCode::SUCCESS)
}

/// Best of `reps` runs of the plain loop and of the harness on one workload of a flavor's build.
fn bench_workload(
    flavor: &dyn Flavor,
    w: &BenchWorkload,
    a: &BenchArgs,
    opts: &RunOptions,
    root: &Path,
    out: &Path,
) -> CliResult<BenchReport> {
    let built = sim::build(&run::build_spec(flavor, &RtlConfig::default_config(), &opts.rtl_dir, sim::Variant::Plain), &opts.cache_root)
        .map_err(|e| e.to_string())?;
    let exe = compile_plain_loop(flavor, w, root, &built, out)?;
    let mut plain = 0f64;
    let mut harness = 0f64;
    let mut coverage = 0f64;
    let mut line_coverage = 0f64;
    let (_, def) = flavors::find_test(Some(flavor.name()), w.test)?;
    let rate = |cycles: u64, opts: &RunOptions, worker: &mut run::Worker| -> crate::CliResult<f64> {
        let scenario = tb::scenario::Scenario { max_cycles: cycles, ..(def.scenario)(1) };
        let r = worker.run(&scenario, opts)?;
        if let Some(f) = &r.failure {
            return Err(format!("the {} bench scenario failed: {}", w.name, f.lines().next().unwrap_or("")).into());
        }
        Ok(r.cycles as f64 / r.wall_s)
    };
    // The coverage build runs as a regression worker runs it (counters summed, not written).
    let cov_opts = RunOptions { code_coverage: run::CodeCoverage::Summed, ..opts.clone() };
    let line_opts = RunOptions { code_metrics: run::CodeMetrics::Line, ..cov_opts.clone() };
    let mut worker = run::Worker::default();
    for _ in 0..a.reps.max(1) {
        plain = plain.max(run_plain_loop(&exe, a.cycles)?);
        harness = harness.max(rate(a.cycles, opts, &mut worker)?);
        coverage = coverage.max(rate(a.cycles / 4, &cov_opts, &mut worker)?);
        line_coverage = line_coverage.max(rate(a.cycles / 4, &line_opts, &mut worker)?);
    }
    Ok(BenchReport {
        flavor: flavor.name(),
        workload: w.name,
        rtl_hash: built.hash.clone(),
        cycles: a.cycles,
        harness_cycles_per_s: harness,
        coverage_harness_cycles_per_s: coverage,
        line_coverage_harness_cycles_per_s: line_coverage,
        coverage_slowdown: [("line", harness / line_coverage), ("all", harness / coverage)].into_iter().collect(),
        plain_cpp_cycles_per_s: plain,
        ratio: harness / plain,
        target_ratio: 0.7,
    })
}

/// Compile `bench/plain_loop_<w.plain_loop>.cpp` against the objects of the cached build.
/// The executable is kept per RTL build and loop source, so an edit of either rebuilds it.
fn compile_plain_loop(flavor: &dyn Flavor, w: &BenchWorkload, root: &Path, built: &sim::Built, out: &Path) -> CliResult<PathBuf> {
    let source = root.join(format!("bench/plain_loop_{}.cpp", w.plain_loop));
    let mut text = Vec::new();
    for f in [&source, &root.join("bench/plain_loop.h")] {
        text.extend(std::fs::read(f).map_err(|e| format!("cannot read {}: {e}", f.display()))?);
    }
    let mut h = std::collections::hash_map::DefaultHasher::new();
    std::hash::Hash::hash(&text, &mut h);
    let exe = out.join(format!("plain_loop_{}_{:016x}", &built.hash[..16], std::hash::Hasher::finish(&h)));
    if exe.exists() {
        return Ok(exe);
    }
    let vroot = sim::Verilator::locate().map_err(|e| e.to_string())?.root;
    let obj = built.dir.join("obj");
    let status = Command::new(std::env::var("CXX").unwrap_or_else(|_| "g++".into()))
        .args(["-O2", "-std=c++20", "-DVL_TIME_CONTEXT", "-o"])
        .arg(&exe)
        .arg(&source)
        .arg(format!("-I{}", obj.display()))
        .arg(format!("-I{}", vroot.join("include").display()))
        .arg(format!("-I{}", vroot.join("include/vltstd").display()))
        .arg(obj.join(format!("V{}__ALL.a", flavor.top())))
        .arg(obj.join("verilated.o"))
        .arg(obj.join("verilated_threads.o"))
        .args(["-pthread", "-latomic"])
        .status()
        .map_err(|e| format!("cannot run the C++ compiler: {e}"))?;
    if !status.success() {
        return Err(format!("compiling the plain C++ loop failed ({status})").into());
    }
    Ok(exe)
}

fn run_plain_loop(exe: &Path, cycles: u64) -> CliResult<f64> {
    let out = Command::new(exe).arg(cycles.to_string()).output().map_err(|e| format!("cannot run {}: {e}", exe.display()))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let secs: f64 = text
        .split_whitespace()
        .skip_while(|w| *w != "seconds")
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("unexpected output of the plain loop: {text}"))?;
    Ok(cycles as f64 / secs)
}
