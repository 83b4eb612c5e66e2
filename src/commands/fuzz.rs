//! `iommu-tb fuzz`: property-based protocol fuzzing of one flavor or each in turn, or of a DUT
//! bound by a port map. Cases are drawn from the flavor's proptest strategy (`tb::fuzz`), run
//! through the same harness as `run` (the judge `--compare` picks, strict lockstep for the
//! embedded RTL and ordered for a port-mapped DUT by default, and the protocol checkers), the
//! corpus first; the first failure is shrunk to a minimal program, saved as a scenario in
//! `build/fuzz/<flavor>/` (with the port map it was found on) and printed with the one command
//! that replays it. Exit 0 when nothing failed, 1 when a failure was found, 2 on bad input.

use indicatif::{ProgressBar, ProgressStyle};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tb::compare::CompareMode;
use tb::coverage::CoverData;
use tb::flavor::Flavor;
use tb::flavors;
use tb::fuzz::session::{self, Budget, Outcome, SessionConfig};
use tb::fuzz::FoundOn;
use tb::port_map::BoundDut;
use tb::run::{self, RunOptions, RunResult, Status};
use tb::scenario::Scenario;

#[derive(clap::Args)]
pub struct FuzzArgs {
    /// The flavor to fuzz (default: each registered flavor in turn, each with the whole budget).
    #[arg(long)]
    flavor: Option<String>,
    /// Time budget per flavor: 90s, 10m, 1h (default 60s unless --cases).
    #[arg(long, conflicts_with = "cases")]
    time: Option<String>,
    /// Number of cases per flavor instead of a time budget.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    cases: Option<u64>,
    /// Parallel runs (default: all cores).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    jobs: Option<u64>,
    /// Session seed: the same seed draws the same cases (default: from the clock, printed).
    #[arg(long)]
    seed: Option<u64>,
    /// RTL folder to fuzz instead of the project's rtl/ (same layout: common/, smmuv3/, vtd/); with
    /// --port-map, the DUT's folder (default: the port map's folder).
    #[arg(long)]
    rtl: Option<PathBuf>,
    /// Fuzz a DUT that is not ours, tied to its flavor's contract by this port map
    /// (docs/bring-your-own-rtl.md); the corpus cases recorded on the same map replay first.
    #[arg(long, conflicts_with_all = ["config", "flavor"])]
    port_map: Option<PathBuf>,
    /// The DUT's top module (default: the port map's `top`).
    #[arg(long, requires = "port_map")]
    top: Option<String>,
    /// The judge of every case: lockstep, ordered or checkers (the protocol checkers run in
    /// every mode). Default: lockstep, or ordered with --port-map.
    #[arg(long, value_name = "lockstep|ordered|checkers")]
    compare: Option<CompareMode>,
    /// Draw cases under this RTL configuration only (rtl/configs.txt; default: every one).
    #[arg(long)]
    config: Option<String>,
    /// Do not bias generation toward coverage holes.
    #[arg(long)]
    no_steer: bool,
    /// Count as holes only the bins this regression's results.json has not hit.
    #[arg(long)]
    from_results: Option<PathBuf>,
    /// Stored failures replayed before fuzzing (every *.json of the flavor).
    #[arg(long, default_value = "tests/fuzz-corpus")]
    corpus: PathBuf,
    /// Where shrunk failures are written (<out>/<flavor>/<id>.json).
    #[arg(long, default_value = "build/fuzz")]
    out: PathBuf,
    /// Most runs spent shrinking a failure.
    #[arg(long, default_value_t = 400)]
    shrink_runs: usize,
}

pub fn main(a: FuzzArgs) -> crate::CliResult<ExitCode> {
    let root = crate::repo_root()?;
    let abs = |p: &Path| if p.is_absolute() { p.to_path_buf() } else { root.join(p) };
    // Loaded and checked before anything runs: a bad map is one line, exit 2.
    let dut = match &a.port_map {
        Some(path) => Some(crate::commands::port_map::load(&root, path, a.rtl.as_deref(), a.top.as_deref())?),
        None => None,
    };
    // Parsed here rather than by clap, so that bad input is one line on stderr.
    let chosen: Vec<&'static dyn Flavor> = match (&a.flavor, &dut) {
        (_, Some(d)) => vec![d.flavor],
        (Some(f), None) => vec![flavors::by_name(f)?],
        (None, None) => flavors::ALL.to_vec(),
    };
    // The flavor's fuzz test runs on the DUT as any test does: one needing a feature the DUT
    // lacks (or other parameters) is refused before fuzzing.
    if let Some(d) = &dut {
        let (_, def) = flavors::find_test(Some(d.flavor.name()), d.flavor.fuzz().test)?;
        if let Some(why) = d.skip_reason(def) {
            return Err(format!("cannot fuzz {}: the {} fuzz test `{}` {why}", d.top, d.flavor.name(), def.name).into());
        }
    }
    let found_on = dut.as_deref().map(|d| found_on(d, &root));
    let corpus = load_corpus(&abs(&a.corpus), found_on.as_ref())?;
    let baseline = match &a.from_results {
        Some(p) => Some(tb::regress::ResultsFile::load(&abs(p))?),
        None => None,
    };
    let mut opts = RunOptions::for_repo(&root);
    match (&dut, &a.rtl) {
        (Some(d), _) => opts.port_maps.push(d.clone()),
        (None, Some(rtl)) => {
            if !rtl.join("common").is_dir() {
                return Err(format!("--rtl {}: not an RTL folder (no common/ in it)", rtl.display()).into());
            }
            opts.rtl_dir = abs(rtl);
        }
        (None, None) => {}
    }
    let compare = a.compare.unwrap_or(CompareMode::default_for(dut.is_some()));
    let budget = match (&a.time, a.cases) {
        (_, Some(n)) => Budget::Cases(n),
        (Some(t), None) => t.parse()?,
        (None, None) => Budget::Time(std::time::Duration::from_secs(60)),
    };
    let jobs = a.jobs.map_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()), |j| j as usize);
    let seed = a.seed.unwrap_or_else(|| std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(1, |d| d.as_secs()));
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let _ = ctrlc::set_handler(move || {
        if flag.swap(true, Ordering::SeqCst) {
            std::process::exit(130);
        }
        eprintln!("\ninterrupted: finishing the cases in progress (Ctrl-C again to quit)");
    });
    let mut failed = false;
    for flavor in chosen {
        // A port-mapped DUT is its own (only) configuration.
        let configs = match (&a.config, &dut) {
            (_, Some(d)) => vec![d.top.clone()],
            (Some(c), None) => vec![tb::config::find(flavor.top(), c)?.name],
            (None, None) => flavor.configs()?.into_iter().map(|c| c.name).collect(),
        };
        // The corpus of this flavor first: a stored failure that fails again needs no search.
        for (path, sc) in corpus.iter().filter(|(_, s)| s.flavor == flavor.name()) {
            let reset = sc.program.as_ref().map(|p| p.reset).unwrap_or_default();
            let r = run::run(sc, &RunOptions { reset, compare: Some(compare), ..opts.clone() })?;
            if r.status == Status::Fail {
                println!("{}: corpus case {} fails again", flavor.name(), path.display());
                report_failure(&r, path, a.rtl.as_deref().filter(|_| dut.is_none()), &root);
                failed = true;
            }
        }
        if failed {
            continue;
        }
        let def = flavor.coverage();
        let base: Option<CoverData> = baseline.as_ref().and_then(|b| b.functional.iter().find(|c| c.definition == def.name()).cloned());
        let cfg = SessionConfig {
            flavor,
            configs,
            budget,
            jobs,
            seed,
            steer: !a.no_steer,
            baseline: base,
            opts: opts.clone(),
            compare,
            shrink_runs: a.shrink_runs,
        };
        let on = dut.as_ref().map_or(String::new(), |d| format!(" on {} (port map {})", d.top, d.path.display()));
        println!(
            "fuzz {}{on}: seed {seed}, {jobs} jobs, budget {}, configurations {}, compare {compare}",
            flavor.name(),
            describe(budget),
            cfg.configs.join(" ")
        );
        let bar = ProgressBar::new_spinner();
        bar.set_style(ProgressStyle::with_template("{spinner} [{elapsed_precise}] {msg}").unwrap());
        bar.enable_steady_tick(std::time::Duration::from_millis(200));
        let show = |p: session::Progress| {
            bar.set_message(format!("cases {} | failures {} | coverage {}/{} bins", p.cases, p.failures, p.covered, p.bins));
        };
        let outcome = session::run_session(&cfg, &show, &stop);
        bar.finish_and_clear();
        let outcome = outcome?;
        summary(flavor, &outcome);
        if let Some(f) = &outcome.found {
            let path = session::save(&abs(&a.out), &f.shrunk, found_on.as_ref(), seed, f.case)?;
            println!(
                "FAIL after {:.1} s (case {}): shrunk in {} runs from {} actions / {} messages to {} actions / {} messages",
                f.after_s,
                f.case,
                f.shrink_runs,
                actions(&f.original),
                messages(&f.original),
                actions(&f.shrunk),
                messages(&f.shrunk)
            );
            report_failure(&f.shrunk, &path, a.rtl.as_deref().filter(|_| dut.is_none()), &root);
            failed = true;
        }
        if stop.load(Ordering::Relaxed) {
            break;
        }
    }
    Ok(if failed { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

fn describe(b: Budget) -> String {
    match b {
        Budget::Time(t) => format!("{} s", t.as_secs()),
        Budget::Cases(n) => format!("{n} cases"),
    }
}

fn actions(r: &RunResult) -> usize {
    r.scenario.program.as_ref().map_or(0, |p| p.actions.len())
}

fn messages(r: &RunResult) -> usize {
    r.scenario.program.as_ref().map_or(0, |p| p.messages())
}

/// Cases, time, coverage growth (at most ten steps shown) and the steering weights.
fn summary(flavor: &dyn Flavor, o: &Outcome) {
    println!(
        "fuzz {}: {} cases in {:.1} s ({:.1} cases/s), functional coverage {}/{} bins hit",
        flavor.name(),
        o.cases,
        o.elapsed_s,
        o.cases as f64 / o.elapsed_s.max(1e-9),
        o.covered,
        o.bins
    );
    let step = o.growth.len().div_ceil(10).max(1);
    let shown: Vec<String> = o
        .growth
        .iter()
        .enumerate()
        .filter(|(i, _)| i % step == 0 || *i + 1 == o.growth.len())
        .map(|(_, (t, n, c))| format!("{c} at {t:.1} s/{n} cases"))
        .collect();
    println!("coverage growth: {}", shown.join(", "));
    let weights: Vec<String> = tb::fuzz::Kind::ALL.iter().map(|k| format!("{k:?}={}", o.weights.of(*k))).collect();
    println!("action weights: {}", weights.join(" "));
}

/// A failure's rule, judge, first report line and the one command that replays it (`rtl`: the
/// embedded RTL's replacement folder; a port-mapped DUT is recorded in the case itself).
fn report_failure(r: &RunResult, path: &Path, rtl: Option<&Path>, root: &Path) {
    let judge = r.judge.as_ref().map_or("?".into(), |j| j.to_string());
    println!("rule {} by {judge}: {}", r.rule.as_deref().unwrap_or("?"), r.failure.as_deref().and_then(|f| f.lines().next()).unwrap_or(""));
    println!("written: {}", path.display());
    let compare = if r.compare == CompareMode::default_for(r.dut.is_some()) { String::new() } else { format!(" --compare {}", r.compare) };
    println!("replay: {}{compare}", replay_command(path, rtl, root));
}

/// What a saved case records of the DUT it was found on: paths inside the checkout relative
/// to it, so that the case replays from any working directory and in another checkout.
fn found_on(d: &BoundDut, root: &Path) -> FoundOn {
    let rel = |p: &Path| {
        let full = std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
        let root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
        full.strip_prefix(&root).map_or(full.clone(), Path::to_path_buf)
    };
    FoundOn { port_map: rel(&d.path), rtl: rel(&d.rtl_dir), map_sha256: d.map_sha256.clone() }
}

/// `iommu-tb run --scenario FILE [--rtl DIR]`: the file holds the configuration, reset state and
/// any port-mapped DUT.
pub fn replay_command(path: &Path, rtl: Option<&Path>, root: &Path) -> String {
    let shown = path.strip_prefix(root).unwrap_or(path);
    let rtl = rtl.map_or(String::new(), |d| format!(" --rtl {}", d.display()));
    format!("iommu-tb run --scenario {}{rtl}", shown.display())
}

/// Every `*.json` of a corpus folder (none if it does not exist), sorted, that was found on the
/// DUT being fuzzed (`dut`: the same port map; none: the embedded RTL); a file that is not a
/// valid fuzz scenario is a one-line error.
fn load_corpus(dir: &Path, dut: Option<&FoundOn>) -> crate::CliResult<Vec<(PathBuf, Scenario)>> {
    let Ok(rd) = std::fs::read_dir(dir) else { return Ok(Vec::new()) };
    let mut paths: Vec<PathBuf> =
        rd.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|x| x == "json")).collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).map_err(|e| format!("cannot read corpus file {}: {e}", p.display()))?;
            let sc = Scenario::from_json(&text).map_err(|e| format!("corpus file {}: {e}", p.display()))?;
            let Some(program) = &sc.program else {
                return Err(format!("corpus file {}: not a fuzz case (no program)", p.display()).into());
            };
            let same_dut = match (&program.dut, dut) {
                (None, None) => true,
                (Some(r), Some(d)) => r.map_sha256 == d.map_sha256,
                _ => false,
            };
            if !same_dut {
                return Ok(None);
            }
            if dut.is_none() {
                run::resolve(&sc).map_err(|e| format!("corpus file {}: {e}", p.display()))?;
            }
            Ok(Some((p, sc)))
        })
        .filter_map(Result::transpose)
        .collect()
}
