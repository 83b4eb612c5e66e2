//! `iommu-tb regress`: every directed test once plus N seeds of each random class, in parallel;
//! a summary table and `results.json` (every run with its scenario, so any run can be replayed).

use crate::replay_command;
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use tb::run::{self, RunOptions, RunResult, Status};

#[derive(clap::Args)]
pub struct RegressArgs {
    /// Seeds per random test class.
    #[arg(long, default_value_t = 200)]
    seeds: u64,
    /// First seed of the random classes.
    #[arg(long, default_value_t = 1)]
    first_seed: u64,
    /// Parallel jobs (default: all cores).
    #[arg(long)]
    jobs: Option<usize>,
    /// Output folder for results.json.
    #[arg(long, default_value = "build/regress")]
    out: PathBuf,
}

#[derive(Serialize)]
struct Results<'a> {
    tool: &'static str,
    version: &'static str,
    rtl_hash: &'a str,
    summary: Summary,
    runs: &'a [RunResult],
}

#[derive(Serialize, Default)]
struct Summary {
    total: usize,
    passed: usize,
    failed: usize,
    cycles: u64,
    wall_s: f64,
}

pub fn main(a: RegressArgs) -> Result<ExitCode, String> {
    let root = crate::repo_root()?;
    let out = if a.out.is_absolute() { a.out.clone() } else { root.join(&a.out) };
    std::fs::create_dir_all(&out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let opts = RunOptions::for_repo(&root);
    // Build (or find) the RTL once before the workers start.
    let built = sim::build(&run::smmuv3_build_spec(&opts.rtl_dir, sim::Variant::Plain), &opts.cache_root).map_err(|e| e.to_string())?;

    let mut work = Vec::new();
    for t in tb::smmuv3::tests::registry() {
        if t.random {
            work.extend((a.first_seed..a.first_seed + a.seeds).map(|s| (t.scenario)(s)));
        } else {
            work.push((t.scenario)(1));
        }
    }
    let jobs = a.jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())).max(1);
    println!("regress: {} runs on {jobs} jobs (RTL build {})", work.len(), &built.hash[..12]);
    let bar = ProgressBar::new(work.len() as u64);
    bar.set_style(ProgressStyle::with_template("{bar:40} {pos}/{len} {msg} [{elapsed_precise}]").unwrap());
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<RunResult>> = Mutex::new(Vec::new());
    let errors: Mutex<Vec<String>> = Mutex::new(Vec::new());
    let started = std::time::Instant::now();
    std::thread::scope(|s| {
        for _ in 0..jobs {
            s.spawn(|| loop {
                let k = next.fetch_add(1, Ordering::Relaxed);
                let Some(sc) = work.get(k) else { break };
                match run::run(sc, &opts) {
                    Ok(r) => {
                        if r.status == Status::Fail {
                            bar.println(format!("FAIL {} seed {}: {}", r.test, r.seed, r.rule.as_deref().unwrap_or("?")));
                        }
                        results.lock().unwrap().push(r);
                    }
                    Err(e) => errors.lock().unwrap().push(format!("{} seed {}: {e}", sc.test, sc.seed)),
                }
                bar.inc(1);
            });
        }
    });
    bar.finish_and_clear();
    let errors = errors.into_inner().unwrap();
    if let Some(e) = errors.first() {
        return Err(e.clone());
    }
    let mut runs = results.into_inner().unwrap();
    runs.sort_by(|x, y| (x.test.as_str(), x.seed).cmp(&(y.test.as_str(), y.seed)));
    let summary = Summary {
        total: runs.len(),
        passed: runs.iter().filter(|r| r.status == Status::Pass).count(),
        failed: runs.iter().filter(|r| r.status == Status::Fail).count(),
        cycles: runs.iter().map(|r| r.cycles).sum(),
        wall_s: started.elapsed().as_secs_f64(),
    };
    print_table(&runs);
    for r in runs.iter().filter(|r| r.status == Status::Fail) {
        println!("\nFAIL {} seed {} [{}]", r.test, r.seed, r.rule.as_deref().unwrap_or("?"));
        if let Some(f) = &r.failure {
            println!("{}", f.lines().take(6).collect::<Vec<_>>().join("\n"));
        }
        println!("replay: {}", replay_command(&r.test, r.seed));
    }
    println!(
        "\n{} runs: {} passed, {} failed; {} cycles in {:.1} s",
        summary.total, summary.passed, summary.failed, summary.cycles, summary.wall_s
    );
    let path = out.join("results.json");
    let results = Results { tool: "iommu-tb", version: env!("CARGO_PKG_VERSION"), rtl_hash: &built.hash, summary, runs: &runs };
    let text = serde_json::to_string_pretty(&results).map_err(|e| e.to_string())?;
    std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    println!("results: {}", path.display());
    Ok(if results.summary.failed == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
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
    let mut rows: BTreeMap<&str, Row> = BTreeMap::new();
    for r in runs {
        let row = rows.entry(&r.test).or_default();
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
