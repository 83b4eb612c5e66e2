//! `iommu-tb`: run one test, replay it with waves, run a regression, or benchmark the harness.
//! Exit status: 0 pass, 1 a test failed, 2 bad input or a tool problem (one line on stderr).

mod commands;

use clap::{Parser, Subcommand};
use commands::{bench, fuzz, port_map, python, regress};
use std::path::PathBuf;
use std::process::ExitCode;
use tb::compare::{CompareMode, LatencyBounds};
use tb::flavor::Flavor;
use tb::flavors;
use tb::reset::ResetMode;
use tb::run::{self, RunOptions, Status};
use tb::scenario::Scenario;

#[derive(Parser)]
#[command(name = "iommu-tb", version, about = "IOMMU fault-path verification toolkit")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run one test with one seed (exit 0 pass, 1 fail).
    Run(RunArgs),
    /// Run a test again with waves: the command every failure prints.
    Replay(RunArgs),
    /// Run every directed test plus N random seeds; summary table and build/regress/results.json.
    Regress(regress::RegressArgs),
    /// Join the results.json of several shards (or runs) into one, losslessly.
    Merge(regress::MergeArgs),
    /// List the registered tests and the rules each asserts (every flavor unless --flavor), the
    /// Python engine tests of tests/python/engine last.
    List {
        #[arg(long, value_parser = flavor_name)]
        flavor: Option<&'static dyn Flavor>,
        /// List the tests of a port-mapped DUT instead, with why each it cannot run is left out.
        #[arg(long)]
        port_map: Option<PathBuf>,
        /// The DUT's RTL folder (default: the port map's folder).
        #[arg(long, requires = "port_map")]
        rtl: Option<PathBuf>,
        /// The DUT's top module (default: the port map's `top`).
        #[arg(long, requires = "port_map")]
        top: Option<String>,
    },
    /// Cycles per second of the full harness against a plain C++ loop on the same build.
    Bench(bench::BenchArgs),
    /// Print the test plan (docs/testplan.toml) as Markdown: the text of docs/testplan.md.
    Testplan,
    /// Property-based protocol fuzzing: random action programs, a failure shrunk and saved
    /// (exit 0 nothing found, 1 a failure, 2 bad input).
    Fuzz(fuzz::FuzzArgs),
}

#[derive(clap::Args)]
struct RunArgs {
    /// A registered flavor, e.g. smmuv3 or vtd (default: the flavor the test belongs to).
    #[arg(long, value_parser = flavor_name)]
    flavor: Option<&'static dyn Flavor>,
    /// Registered test name (see `iommu-tb list`).
    #[arg(long)]
    test: Option<String>,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Run a stored scenario (JSON) instead of --test/--seed.
    #[arg(long)]
    scenario: Option<PathBuf>,
    /// Dump waves (FST) to build/waves/<test>-<seed>.fst, or to --waves-out.
    #[arg(long)]
    waves: bool,
    #[arg(long)]
    waves_out: Option<PathBuf>,
    /// Write the transaction trace (JSON lines).
    #[arg(long)]
    trace_out: Option<PathBuf>,
    /// RTL folder to use instead of the project's rtl/ (same layout: common/, smmuv3/, vtd/); with
    /// --port-map, the DUT's folder (default: the port map's folder).
    #[arg(long)]
    rtl: Option<PathBuf>,
    /// Run on a DUT that is not ours, tied to the flavor's contract by this port map
    /// (docs/bring-your-own-rtl.md).
    #[arg(long, conflicts_with = "config")]
    port_map: Option<PathBuf>,
    /// The DUT's top module (default: the port map's `top`).
    #[arg(long, requires = "port_map")]
    top: Option<String>,
    /// The judge: lockstep (every output every cycle against the timed model of our RTL),
    /// ordered (content and order against the architectural model, within latency bounds) or
    /// checkers (the protocol checkers alone, which run in every mode). Default: lockstep.
    #[arg(long, value_name = "lockstep|ordered|checkers")]
    compare: Option<CompareMode>,
    /// The old spelling of `--compare checkers`.
    #[arg(long, hide = true, conflicts_with = "compare")]
    checkers_only: bool,
    /// Latency bounds of the ordered judge, e.g. response=200,entry=100,reg=4,irq=16,ack=8
    /// (keys not given keep their defaults; see docs/DESIGN.md "Ordered compare").
    #[arg(long, value_name = "KEY=CYCLES,...")]
    latency_bound: Option<LatencyBounds>,
    /// The RTL configuration to simulate (rtl/configs.txt; default: the RTL defaults, or the
    /// stored scenario's).
    #[arg(long)]
    config: Option<String>,
    /// Initial values of RTL flops no reset assigns: zero, ones, random (seeded from --seed) or
    /// random:SEED (default: random, or what a stored fuzz case recorded).
    #[arg(long, value_name = "zero|ones|random[:SEED]")]
    reset_values: Option<ResetMode>,
}

impl RunArgs {
    /// `--compare`, its hidden alias `--checkers-only`, or the default for the DUT (port-mapped:
    /// given by `--port-map` or recorded in a stored fuzz case).
    fn compare_mode(&self, port_mapped: bool) -> CompareMode {
        match (self.compare, self.checkers_only) {
            (Some(m), _) => m,
            (None, true) => CompareMode::Checkers,
            (None, false) => CompareMode::default_for(port_mapped),
        }
    }
}

/// An error of a command: the library's typed errors, or a message formed here; each displays
/// as one line and exits with status 2.
pub type CliResult<T> = Result<T, Box<dyn std::error::Error>>;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.cmd {
        Cmd::Run(a) => run_one(a, false),
        Cmd::Replay(a) => run_one(a, true),
        Cmd::Regress(a) => regress::main(a),
        Cmd::Merge(a) => regress::merge_main(a),
        Cmd::List { flavor, port_map: None, .. } => list(flavor),
        Cmd::List { port_map: Some(path), rtl, top, .. } => {
            repo_root().and_then(|root| port_map::list(&root, &path, rtl.as_deref(), top.as_deref()))
        }
        Cmd::Bench(a) => bench::main(a),
        Cmd::Testplan => print_out(&tb::testplan::TestPlan::project().markdown()).map(|()| ExitCode::SUCCESS),
        Cmd::Fuzz(a) => fuzz::main(a),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("iommu-tb: {e}");
            ExitCode::from(2)
        }
    }
}

pub fn repo_root() -> CliResult<PathBuf> {
    Ok(sim::repo_root()?)
}

/// `--flavor NAME`: one of the registered flavors.
fn flavor_name(name: &str) -> Result<&'static dyn Flavor, flavors::LookupError> {
    flavors::by_name(name)
}

fn list(flavor: Option<&'static dyn Flavor>) -> CliResult<ExitCode> {
    use std::fmt::Write;
    let shown = |name: &str| flavor.is_none_or(|x| x.name() == name);
    let mut text = String::new();
    for f in flavors::ALL.iter().filter(|f| shown(f.name())) {
        for t in f.tests() {
            let kind = if t.random { "random" } else { "directed" };
            writeln!(text, "{:<8} {:<32} {:<8} {}", f.name(), t.name, kind, t.rules.join(" "))?;
        }
    }
    for t in python::listed(&repo_root()?)?.iter().filter(|t| shown(&t.flavor)) {
        writeln!(text, "{:<8} {:<32} {:<8} {}", t.flavor, t.name, "python", t.rules)?;
    }
    print_out(&text)?;
    Ok(ExitCode::SUCCESS)
}

/// Print `text` on standard output. A reader that stops early (`iommu-tb list | head`) ends the
/// output quietly instead of a panic; any other write error fails the command.
pub fn print_out(text: &str) -> CliResult<()> {
    use std::io::Write;
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(format!("cannot write to standard output: {e}").into()),
        _ => Ok(()),
    }
}

fn run_one(a: RunArgs, replay: bool) -> CliResult<ExitCode> {
    let root = repo_root()?;
    let dut = match &a.port_map {
        Some(path) => Some(port_map::load(&root, path, a.rtl.as_deref(), a.top.as_deref())?),
        None => None,
    };
    if let (Some(d), Some(f)) = (&dut, a.flavor) {
        if d.flavor.name() != f.name() {
            return Err(format!("--flavor {} but the port map ties {} to {}", f.name(), d.top, d.flavor.name()).into());
        }
    }
    let scenario = match (&a.scenario, &a.test) {
        (Some(path), _) => {
            let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read scenario {}: {e}", path.display()))?;
            Scenario::from_json(&text).map_err(|e| format!("{}: {e}", path.display()))?
        }
        (None, Some(test)) => match flavors::find_test(a.flavor.or(dut.as_ref().map(|d| d.flavor)).map(|f| f.name()), test) {
            Ok((_, def)) => (def.scenario)(a.seed),
            // Not a Rust test: a Python engine test of that name runs through the package (on
            // the port-mapped DUT if given).
            Err(e) => match python::listed(&root)?.iter().any(|t| &t.name == test) {
                true => {
                    let waves = (a.waves || a.waves_out.is_some() || replay)
                        .then(|| a.waves_out.clone().unwrap_or_else(|| root.join(format!("build/waves/{test}-{}.fst", a.seed))));
                    let r = python::PyRun {
                        test,
                        seed: a.seed,
                        compare: a.compare.or(a.checkers_only.then_some(CompareMode::Checkers)),
                        config: a.config.as_deref(),
                        port_map: a.port_map.as_deref(),
                        top: a.top.as_deref(),
                        trace_out: a.trace_out.as_deref(),
                        rtl: a.rtl.as_deref(),
                        waves: waves.as_deref(),
                        reset: a.reset_values,
                    };
                    return python::run(&root, &r);
                }
                false => return Err(e.into()),
            },
        },
        (None, None) => return Err("give --test NAME (see `iommu-tb list`) or --scenario FILE".into()),
    };
    // A stored fuzz case found on a port-mapped DUT replays there.
    let dut = port_map::for_case(&root, dut, &scenario)?;
    let scenario = match (&a.config, &dut) {
        (_, Some(d)) => Scenario { config: d.top.clone(), ..scenario },
        (Some(c), None) => Scenario { config: c.clone(), ..scenario },
        (None, None) => scenario,
    };
    let mut opts = RunOptions::for_repo(&root);
    if a.waves || a.waves_out.is_some() || replay {
        let path = a.waves_out.clone().unwrap_or_else(|| root.join(format!("build/waves/{}-{}.fst", scenario.test, scenario.seed)));
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
        opts.waves = Some(path);
    }
    opts.trace_out = a.trace_out.clone();
    opts.compare = Some(a.compare_mode(dut.is_some()));
    opts.bounds = a.latency_bound.unwrap_or_default();
    // A fuzz case records the reset state it was found under (bit-exact replay).
    let recorded = scenario.program.as_ref().map(|p| p.reset);
    opts.reset = a.reset_values.or(recorded).unwrap_or_default();
    match dut {
        Some(d) => opts.port_maps.push(d),
        None => {
            if let Some(rtl) = &a.rtl {
                opts.rtl_dir = rtl.clone();
            }
        }
    }
    let r = run::run(&scenario, &opts)?;
    let status = match r.status {
        Status::Pass => "PASS",
        Status::Fail => "FAIL",
    };
    let label = tb::regress::run_label(&r.test, &r.scenario.config);
    println!("{status} {label} seed {} reset {} ({} cycles, {:.2} s)", r.seed, r.reset, r.cycles, r.wall_s);
    if let Some(w) = &opts.waves {
        println!("waves: {}", w.display());
    }
    if let Some(f) = &r.failure {
        println!("{f}");
        if let Some(j) = &r.judge {
            println!("judged by: {j}");
        }
        println!("replay: {}", run::replay_command(&r));
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}
