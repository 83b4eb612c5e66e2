//! A regression's throughput: the start-up a run pays outside its cycle loop, and how much of
//! the cores a regression with code coverage turns into simulated cycles (its efficiency:
//! aggregate cycles/s over jobs x the single-run cycles/s of the same runs).

use serde::Serialize;
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::time::Instant;
use tb::flavors;
use tb::regress::{self, CodeCoverageOut, Plan};
use tb::run::{CodeCoverage, RunOptions, RunResult, Worker};
use tb::scenario::Scenario;

/// The seeded classes with the longest runs: the long-run regression.
const LONG_CLASSES: [&str; 2] = ["random", "vtd_random"];
/// Runs of each flavor's start-up measurement.
const STARTUP_RUNS: u64 = 40;

#[derive(Serialize)]
pub struct Throughput {
    /// 1-minute load average before the measurements (from /proc/loadavg; efficiency on N jobs
    /// means little when it is above 0 on an N-core machine).
    load_average: Option<f64>,
    startup: Vec<Startup>,
    regressions: Vec<Efficiency>,
}

/// What a run costs outside its cycle loop.
#[derive(Serialize)]
struct Startup {
    /// `plain` or `coverage` (counters summed per worker, as a regression runs).
    build: &'static str,
    runs: u64,
    /// Mean per run: build lookup, instance (new, or a spare made as new), bench set-up and
    /// reset, coverage counters summed.
    per_run_ms: f64,
}

/// One regression on all cores with code coverage.
#[derive(Serialize)]
struct Efficiency {
    name: &'static str,
    runs: usize,
    jobs: usize,
    cycles: u64,
    /// Runs and merging the workers' coverage files (no report).
    elapsed_s: f64,
    aggregate_cycles_per_s: f64,
    /// The same runs one at a time: their cycles over the time of their cycle loops alone
    /// (no start-up, no coverage files, no merge).
    single_run_cycles_per_s: f64,
    /// aggregate / (jobs x single run).
    efficiency: f64,
    target: f64,
}

pub fn measure(opts: &RunOptions, seeds: u64, jobs: usize, out: &Path) -> crate::CliResult<Throughput> {
    // As a regression runs: the tests' assertions read the transaction log.
    let opts = &RunOptions { keep_log: true, ..opts.clone() };
    let load_average = std::fs::read_to_string("/proc/loadavg").ok().and_then(|t| t.split_whitespace().next()?.parse().ok());
    let startup = [("plain", CodeCoverage::Off), ("coverage", CodeCoverage::Summed)]
        .into_iter()
        .map(|(build, cov)| startup(&RunOptions { code_coverage: cov, ..opts.clone() }, build))
        .collect::<Result<Vec<_>, _>>()?;
    let default = Plan { seeds, corner_seeds: (seeds / 4).max(1), first_seed: 1, ..Default::default() };
    let long = Plan {
        seeds: (seeds / 2).max(1),
        first_seed: 1,
        tests: LONG_CLASSES.map(String::from).to_vec(),
        configs: vec![tb::config::DEFAULT.into()],
        ..Default::default()
    };
    let regressions = vec![
        efficiency("default regression", &regress::plan(&default)?, 0.5, jobs, opts, out)?,
        efficiency("long-run classes (random, vtd_random)", &regress::plan(&long)?, 0.8, jobs, opts, out)?,
    ];
    Ok(Throughput { load_average, startup, regressions })
}

/// Mean start-up of a short directed test of each flavor, after one warm-up run (library load).
fn startup(opts: &RunOptions, build: &'static str) -> crate::CliResult<Startup> {
    let mut worker = Worker::default();
    let mut outside = 0f64;
    let mut runs = 0;
    for &flavor in flavors::ALL {
        let def = flavor
            .tests()
            .iter()
            .find(|t| !t.random && t.expect_failure.is_none() && t.needs.is_empty())
            .ok_or_else(|| format!("flavor {} has no directed test to time start-up with", flavor.name()))?;
        let scenario = def.scenario;
        worker.run(&scenario(1), opts)?;
        for seed in 1..=STARTUP_RUNS {
            let t = Instant::now();
            let r = worker.run(&scenario(seed), opts)?;
            outside += t.elapsed().as_secs_f64() - r.wall_s;
            runs += 1;
        }
    }
    Ok(Startup { build, runs, per_run_ms: 1e3 * outside / runs as f64 })
}

fn efficiency(
    name: &'static str,
    work: &[Scenario],
    target: f64,
    jobs: usize,
    opts: &RunOptions,
    out: &Path,
) -> crate::CliResult<Efficiency> {
    // The reference: the same runs one at a time, their cycle loops only.
    let (alone, _) = regress_on(name, work, 1, opts, out)?;
    let single_s: f64 = alone.iter().map(|r| r.wall_s).sum();
    let (runs, elapsed_s) = regress_on(name, work, jobs, opts, out)?;
    let cycles: u64 = runs.iter().map(|r| r.cycles).sum();
    let aggregate = cycles as f64 / elapsed_s;
    let single = cycles as f64 / single_s.max(1e-9);
    Ok(Efficiency {
        name,
        runs: runs.len(),
        jobs,
        cycles,
        elapsed_s,
        aggregate_cycles_per_s: aggregate,
        single_run_cycles_per_s: single,
        efficiency: aggregate / (jobs as f64 * single),
        target,
    })
}

/// The runs of a regression with code coverage summed per worker, and the seconds it took to
/// run them and merge the workers' coverage files.
fn regress_on(name: &str, work: &[Scenario], jobs: usize, opts: &RunOptions, out: &Path) -> crate::CliResult<(Vec<RunResult>, f64)> {
    let dir = out.join("throughput-coverage");
    let _ = std::fs::remove_dir_all(&dir);
    let stop = AtomicBool::new(false);
    let t = Instant::now();
    let exec = regress::execute(work, opts, CodeCoverageOut::PerWorker(&dir), jobs, &stop, &|_| {})?;
    regress::merge_code_coverage(&dir)?;
    let elapsed = t.elapsed().as_secs_f64();
    let _ = std::fs::remove_dir_all(&dir);
    if let Some(r) = exec.runs.iter().find(|r| r.failure.is_some()) {
        return Err(format!("{name}: {} seed {} failed; the throughput of a failing regression says little", r.test, r.seed).into());
    }
    Ok((exec.runs, elapsed))
}

impl Throughput {
    pub fn print(&self) {
        if let Some(l) = self.load_average {
            println!("load average before the throughput measurements: {l:.2}");
        }
        for s in &self.startup {
            println!("start-up per run, {} build: {:.3} ms (mean of {} runs)", s.build, s.per_run_ms, s.runs);
        }
        for e in &self.regressions {
            println!(
                "{}: {} runs, {} cycles in {:.2} s on {} jobs = {:.0} cycles/s; single run {:.0} cycles/s; efficiency {:.2} (target >= {:.1})",
                e.name, e.runs, e.cycles, e.elapsed_s, e.jobs, e.aggregate_cycles_per_s, e.single_run_cycles_per_s, e.efficiency, e.target
            );
        }
    }
}
