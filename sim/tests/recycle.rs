//! Coverage builds reuse dropped instances, made as new again, and sum their counters in memory:
//! a renewed instance starts exactly as a new one (initial values, no counts), and counters
//! summed over runs write the same data as the runs' own files merged, also past 32 bits.

mod common;

use common::*;
use sim::coverage::{CounterSums, Dataset};
use sim::{build, BuildSpec, Model, ResetValues, Variant};

fn tick(m: &mut Model) {
    let clk = m.port("clk").unwrap();
    for v in [0, 1] {
        clk.set(v);
        m.eval();
    }
}

/// Outputs right after one reset edge and after `n` more edges, and the coverage data then.
fn observe(m: &mut Model, n: u32, dat: &std::path::Path) -> (Vec<u64>, Dataset) {
    let rst_n = m.port("rst_n").unwrap();
    let mut seen = vec![m.port("forgotten").unwrap().get(), m.port("forgotten_wide").unwrap().get()];
    rst_n.set(0);
    tick(m);
    rst_n.set(1);
    for _ in 0..n {
        tick(m);
    }
    seen.extend(["forgotten", "forgotten_wide", "kept"].map(|p| m.port(p).unwrap().get()));
    m.write_coverage(dat).unwrap();
    (seen, Dataset::read(dat).unwrap())
}

#[test]
fn a_renewed_instance_starts_as_a_new_one() {
    let spec = BuildSpec { top: "unreset".into(), sources: vec![fixture("unreset.sv")], variant: Variant::Coverage, ..Default::default() };
    let built = build(&spec, &shared_cache()).unwrap();
    let dir = cache("recycle");
    std::fs::create_dir_all(&dir).unwrap();
    for (i, reset) in [ResetValues::Random(7), ResetValues::Ones, ResetValues::Zero].into_iter().enumerate() {
        let mut fresh = Model::load_new(&built, reset).unwrap();
        assert!(!fresh.renewed());
        let want = observe(&mut fresh, 5, &dir.join(format!("new{i}.dat")));
        drop(fresh); // deleted, not kept
                     // Another run, other values, other counts; dropped: its instance becomes a spare.
        let mut other = Model::load_with(&built, ResetValues::Random(99)).unwrap();
        observe(&mut other, 11, &dir.join("other.dat"));
        drop(other);
        let mut again = Model::load_with(&built, reset).unwrap();
        assert!(again.renewed(), "the dropped instance is reused");
        let got = observe(&mut again, 5, &dir.join(format!("renewed{i}.dat")));
        assert_eq!(got.0, want.0, "outputs under {reset:?}");
        assert!(want.1.iter().any(|(_, c)| c > 0), "the run counted something");
        assert_eq!(got.1, want.1, "coverage under {reset:?}");
    }
}

#[test]
fn summed_counters_write_the_merged_runs() {
    let built = build(&counter(Variant::Coverage), &shared_cache()).unwrap();
    let dir = cache("counter-sums");
    std::fs::create_dir_all(&dir).unwrap();
    let mut sums = CounterSums::new();
    let mut files = Vec::new();
    for (i, edges) in [3u32, 17, 40].into_iter().enumerate() {
        let mut m = Model::load_with(&built, ResetValues::Zero).unwrap();
        m.port("rst_n").unwrap().set(1);
        m.port("en").unwrap().set(1);
        for _ in 0..edges {
            tick(&mut m);
        }
        let f = dir.join(format!("run{i}.dat"));
        m.write_coverage(&f).unwrap();
        files.push(f);
        sums.add(&built, &m).unwrap();
    }
    assert_eq!(sums.runs(), 3);
    let written = sums.write_dats(&dir.join("sums"), "w0").unwrap();
    assert_eq!(written.len(), 1, "one file per build");
    assert_eq!(Dataset::read(&written[0]).unwrap(), sim::coverage::merge_files(&files).unwrap());

    // Past the model's 32-bit counters: written in passes, merged.
    let mut m = Model::load_with(&built, ResetValues::Zero).unwrap();
    m.coverage_counters_mut().unwrap().fill(u32::MAX);
    let one = dir.join("max.dat");
    m.write_coverage(&one).unwrap();
    let mut big = CounterSums::new();
    for _ in 0..3 {
        big.add(&built, &m).unwrap();
    }
    let written = big.write_dats(&dir.join("sums"), "big").unwrap();
    let want = Dataset::merged([&Dataset::read(&one).unwrap(), &Dataset::read(&one).unwrap(), &Dataset::read(&one).unwrap()]);
    assert!(want.iter().all(|(_, c)| c >= 3 * u64::from(u32::MAX)));
    assert_eq!(Dataset::read(&written[0]).unwrap(), want);
}
