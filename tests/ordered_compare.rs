//! Ordered compare on the embedded RTL (`--compare ordered`): every SMMUv3 and VT-d directed
//! test and seeds of each random class must pass with the ordered judge in place of lockstep
//! (VT-d under every configuration of `rtl/configs.txt`), and the run records the mode it was
//! judged under.

mod common;

use tb::compare::CompareMode;
use tb::run::{self, RunOptions, Status};

fn ordered() -> RunOptions {
    RunOptions { compare: Some(CompareMode::Ordered), ..common::opts() }
}

/// Every failure of `runs` (test, seed) under ordered compare, one line each.
fn failures(runs: &[(&str, u64)]) -> Vec<String> {
    failures_under(tb::config::DEFAULT, runs)
}

/// `failures` under the RTL configuration `config`.
fn failures_under(config: &str, runs: &[(&str, u64)]) -> Vec<String> {
    let opts = ordered();
    let mut bad = Vec::new();
    for &(test, seed) in runs {
        let def = common::find(test);
        let sc = tb::scenario::Scenario { config: config.into(), ..(def.scenario)(seed) };
        let r = run::run(&sc, &opts).unwrap_or_else(|e| panic!("{test}@{config} seed {seed}: {e}"));
        assert_eq!(r.compare, CompareMode::Ordered);
        if r.status != Status::Pass {
            let first = r.failure.as_deref().and_then(|f| f.lines().next()).unwrap_or("").to_string();
            bad.push(format!("{test}@{config} seed {seed}: {first} (judge {:?})", r.judge.map(|j| j.to_string())));
        }
    }
    bad
}

#[test]
fn smmuv3_directed_tests_pass_under_ordered_compare() {
    let flavor = tb::flavors::by_name("smmuv3").unwrap();
    let runs: Vec<(&str, u64)> = flavor.tests().iter().filter(|t| !t.random).map(|t| (t.name, 1)).collect();
    assert!(runs.len() > 30, "the SMMUv3 directed list is short: {}", runs.len());
    let bad = failures(&runs);
    assert!(bad.is_empty(), "under ordered compare:\n{}", bad.join("\n"));
}

#[test]
fn smmuv3_random_seeds_pass_under_ordered_compare() {
    let flavor = tb::flavors::by_name("smmuv3").unwrap();
    let classes = flavor.tests().iter().filter(|t| t.random && t.name != "random");
    let runs: Vec<(&str, u64)> = (1..=12).map(|s| ("random", s)).chain(classes.flat_map(|t| (1..=3).map(move |s| (t.name, s)))).collect();
    let bad = failures(&runs);
    assert!(bad.is_empty(), "under ordered compare:\n{}", bad.join("\n"));
}

/// The VT-d configurations the regression runs (`rtl/configs.txt`).
const VTD_CONFIGS: [&str; 3] = ["default", "min", "max"];

/// The VT-d tests of `random` kind that make sense under `config` (their `needs`).
fn vtd_tests(random: bool, config: &str) -> Vec<&'static str> {
    let flavor = tb::flavors::by_name("vtd").unwrap();
    let cfg = tb::config::find(flavor.top(), config).unwrap();
    let params = flavor.parameters(&cfg).unwrap();
    flavor.tests().iter().filter(|t| t.random == random && tb::config::unmet(t.needs, &params).is_none()).map(|t| t.name).collect()
}

#[test]
fn vtd_directed_tests_pass_under_ordered_compare() {
    let mut bad = Vec::new();
    for config in VTD_CONFIGS {
        let runs: Vec<(&str, u64)> = vtd_tests(false, config).into_iter().map(|t| (t, 1)).collect();
        assert!(runs.len() > 25, "the VT-d directed list is short under {config}: {}", runs.len());
        bad.extend(failures_under(config, &runs));
    }
    assert!(bad.is_empty(), "under ordered compare:\n{}", bad.join("\n"));
}

/// A few hundred seeds: `vtd_random` 1..=200 and every other class 1..=40 under the default
/// configuration, every class 1..=20 under each corner.
#[test]
fn vtd_random_seeds_pass_under_ordered_compare() {
    let mut bad = Vec::new();
    for config in VTD_CONFIGS {
        let mut runs = Vec::new();
        for t in vtd_tests(true, config) {
            let seeds = match (config, t) {
                ("default", "vtd_random") => 200,
                ("default", _) => 40,
                _ => 20,
            };
            runs.extend((1..=seeds).map(|s| (t, s)));
        }
        bad.extend(failures_under(config, &runs));
    }
    assert!(bad.is_empty(), "under ordered compare:\n{}", bad.join("\n"));
}

/// Seeds the ordered judge once failed on correct RTL: a message that may have been discarded
/// silently in more than one row (or written, when an identical Stop Marker follows it) was
/// settled in one before a later PROD read or entry showed which (docs/DESIGN.md "Ordered
/// compare"). Found by sweeping 3000 seeds of each random class per configuration.
#[test]
fn smmuv3_seeds_once_judged_falsely_pass_under_ordered_compare() {
    let runs = [
        ("random", "default", 1363),
        ("random", "default", 1770),
        ("random", "default", 2432),
        ("random", "max", 352),
        ("random", "max", 594),
        ("random", "min", 730),
        ("evtq_random", "max", 691),
    ];
    let bad: Vec<String> = runs.iter().flat_map(|&(test, config, seed)| failures_under(config, &[(test, seed)])).collect();
    assert!(bad.is_empty(), "under ordered compare:\n{}", bad.join("\n"));
}

/// The second SMMUv3 PRIQ (`alt/smmuv3_priq`, other latencies, FIFO depths and egress choices),
/// bound by its port map: ordered compare is its default judge, and every SMMUv3 test that runs
/// on it passes, directed once and each random class over seeds.
#[test]
fn the_second_smmuv3_priq_passes_under_ordered_compare() {
    use std::sync::Arc;
    use tb::port_map::{self, LoadOptions};
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let (contract_rtl, cache_root) = (root.join("rtl"), root.join("build/cache"));
    let o = LoadOptions { rtl_dir: None, top: None, contract_rtl: &contract_rtl, cache_root: &cache_root };
    let dut = Arc::new(port_map::load(&root.join("alt/smmuv3_priq/port-map.toml"), &o).unwrap_or_else(|e| panic!("{e}")));
    let opts = RunOptions { port_maps: vec![dut.clone()], ..common::opts() };
    let flavor = tb::flavors::by_name("smmuv3").unwrap();
    let (mut ran, mut bad) = (0, Vec::new());
    // Seeds 309, 326, 1147 and 2738 of `random` once failed the ordered judge falsely (a
    // silent discard settled in the wrong row; 309 and 326: of two identical Stop Markers with
    // an answered message between them, the first was taken for the one written).
    let once_false = [309, 326, 1147, 2738].map(|s| ("random", s));
    let runs = flavor.tests().iter().flat_map(|t| (1..=if t.random { 6 } else { 1 }).map(move |s| (t.name, s)));
    for (name, seed) in runs.chain(once_false) {
        let sc = tb::scenario::Scenario { config: dut.top.clone(), ..(common::find(name).scenario)(seed) };
        let r = match run::run(&sc, &opts) {
            Ok(r) => r,
            Err(run::RunError::NotOnDut { .. }) => continue,
            Err(e) => panic!("{name}: {e}"),
        };
        assert_eq!(r.compare, CompareMode::Ordered, "the default on a port-mapped DUT");
        ran += 1;
        if r.status != Status::Pass {
            bad.push(format!("{name} seed {seed}: {}", r.failure.as_deref().and_then(|f| f.lines().next()).unwrap_or("")));
        }
    }
    assert!(ran > 60, "only {ran} runs on the second implementation");
    assert!(bad.is_empty(), "on alt_priq under ordered compare:\n{}", bad.join("\n"));
}

/// Shrunk fuzz cases on which an ordered judge once failed correct RTL (docs/DESIGN.md "Ordered
/// compare"), stored in `tests/ordered-cases/`: each must pass under ordered compare, under the
/// reset state it recorded, and those on our RTL under lockstep too (which shows the RTL right);
/// `alt-*` cases run on the second SMMUv3 PRIQ through its port map. SMMUv3: same-edge CONS
/// writes, queues reprogrammed with messages pending, CR0ACK held by a busy write engine, silent
/// discards. VT-d (`vtd-*`): an MSI address rewritten between the event and its write, fault
/// records cleared around decisions the judge settled late, an MSI held off by a memory stall, a
/// queue reprogrammed after a silent discard.
#[test]
fn fuzz_cases_once_judged_falsely_pass_under_ordered_compare() {
    use std::sync::Arc;
    use tb::port_map::{self, LoadOptions};
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let (contract_rtl, cache_root) = (root.join("rtl"), root.join("build/cache"));
    let mut files: Vec<_> = std::fs::read_dir(root.join("tests/ordered-cases")).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    let (mut n, mut bad) = (0, Vec::new());
    for p in files.iter().filter(|p| p.extension().is_some_and(|x| x == "json")) {
        let sc = tb::scenario::Scenario::from_json(&std::fs::read_to_string(p).unwrap()).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        let reset = sc.program.as_ref().unwrap_or_else(|| panic!("{}: not a fuzz case", p.display())).reset;
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        let mut opts = RunOptions { reset, ..ordered() };
        let mut judges = vec![CompareMode::Ordered];
        if name.starts_with("alt-") {
            let o = LoadOptions { rtl_dir: None, top: None, contract_rtl: &contract_rtl, cache_root: &cache_root };
            let dut = port_map::load(&root.join("alt/smmuv3_priq/port-map.toml"), &o).unwrap_or_else(|e| panic!("{e}"));
            opts.port_maps.push(Arc::new(dut));
        } else {
            judges.push(CompareMode::Lockstep);
        }
        for compare in judges {
            let r = run::run(&sc, &RunOptions { compare: Some(compare), ..opts.clone() }).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(r.compare, compare);
            n += 1;
            if r.status != Status::Pass {
                bad.push(format!("{name} under {compare}: {}", r.failure.as_deref().and_then(|f| f.lines().next()).unwrap_or("")));
            }
        }
    }
    assert!(n >= 19, "tests/ordered-cases gave {n} runs");
    assert!(bad.is_empty(), "former false failures:\n{}", bad.join("\n"));
}
