//! Coverage from the DUT: the bins an ordered judge classifies from the DUT's transactions
//! (SMMUv3: admission rows by message kind, automatic-response origins, OVFLG toggles, write
//! aborts, command outcomes; VT-d: admission rows by message kind, automatic responses and the
//! silent discards, descriptors taken by kind and response code) must count exactly what the
//! timed model's events count on the same run. Each run is made under lockstep (so the DUT did
//! what the model did), its trace replayed into a fresh ordered judge of its flavor, and every
//! classified bin compared.

mod common;

use tb::compare::LatencyBounds;
use tb::run::{self, Status};

/// (bin, model count, DUT count) of every classified bin where the two sources differ.
fn differences(flavor: &str, test: &str, seed: u64) -> Vec<(String, u64, u64)> {
    let flavor = tb::flavors::by_name(flavor).unwrap();
    let def = common::find(test);
    let scenario = (def.scenario)(seed);
    let trace = std::env::temp_dir().join(format!("iommu-tb-dutcov-{test}-{seed}-{}.jsonl", std::process::id()));
    let opts = run::RunOptions { trace_out: Some(trace.clone()), ..common::opts() };
    let r = run::run(&scenario, &opts).unwrap();
    assert_eq!(r.status, Status::Pass, "{test} seed {seed}: {:?}", r.failure);
    let model = r.functional.expect("coverage counters");
    let cfg = tb::config::find(flavor.top(), &scenario.config).unwrap();
    let mut judge = flavor.ordered_judge(&cfg, &LatencyBounds::default()).expect("the flavor has an ordered judge");
    let mut out = Vec::new();
    for s in tb::trace::read_trace(&trace).unwrap() {
        judge.observe(&s, &mut out);
    }
    judge.finish(r.cycles, &mut out);
    std::fs::remove_file(&trace).ok();
    assert_eq!(out, vec![], "{test} seed {seed}: the ordered judge disagrees with a lockstep-clean run");
    let dut = judge.coverage_from_dut().expect("the ordered judge classifies");
    let cover = flavor.coverage();
    let mut diff = Vec::new();
    let mut classified = 0;
    for (i, b) in cover.bins().iter().enumerate() {
        if !dut.classifies(&b.full_name) {
            continue;
        }
        classified += 1;
        let (m, d) = (model.counts()[i], dut.data.counts()[i]);
        if m != d {
            diff.push((format!("{test}/{seed} {}", b.full_name), m, d));
        }
    }
    assert!(classified > 30, "only {classified} classified bins");
    diff
}

#[test]
fn classified_bins_count_the_same_from_the_model_and_from_the_dut() {
    let flavor = tb::flavors::by_name("smmuv3").unwrap();
    let mut runs: Vec<(&str, u64)> =
        flavor.tests().iter().filter(|t| !t.random && !t.name.starts_with("evtq")).map(|t| (t.name, 1)).collect();
    runs.extend((1..=8).map(|s| ("random", s)));
    runs.extend((1..=3).map(|s| ("overflow_mid_groups", s)));
    let diff: Vec<_> = runs.iter().flat_map(|&(t, s)| differences("smmuv3", t, s)).collect();
    assert!(diff.is_empty(), "bin, model count, DUT count:\n{diff:?}");
}

#[test]
fn vtd_classified_bins_count_the_same_from_the_model_and_from_the_dut() {
    let flavor = tb::flavors::by_name("vtd").unwrap();
    let mut runs: Vec<(&str, u64)> =
        flavor.tests().iter().filter(|t| !t.random && !t.name.starts_with("test_py")).map(|t| (t.name, 1)).collect();
    runs.extend((1..=8).map(|s| ("vtd_random", s)));
    runs.extend((1..=3).flat_map(|s| [("vtd_paging", s), ("vtd_stop_pasid", s)]));
    let diff: Vec<_> = runs.iter().flat_map(|&(t, s)| differences("vtd", t, s)).collect();
    assert!(diff.is_empty(), "bin, model count, DUT count:\n{diff:?}");
}
