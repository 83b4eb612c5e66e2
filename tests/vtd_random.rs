//! Seeded VT-d random runs: several functions and PASIDs, PRQ overflow, requesters not enabled
//! in the PRE table, memory and egress back-pressure, and the Linux-like host (HOST-22, -23).

mod common;

use tb::txn::Txn;

#[test]
fn vtd_random_seeds_pass_and_reach_overflow_and_faults() {
    // The class must exercise what it claims (not just pass quietly): PRO set (an overflow shows
    // as a PRS read with PRO=1) and fault records (a response Invalid Request from row a).
    let (mut overflows, mut faults) = (0, 0);
    for seed in 1..=24 {
        let mut opts = common::opts();
        let trace = std::env::temp_dir().join(format!("iommu-tb-vtd-random-{seed}-{}.jsonl", std::process::id()));
        opts.trace_out = Some(trace.clone());
        let def = common::find("vtd_random");
        let r = tb::run::run(&(def.scenario)(seed), &opts).unwrap();
        assert_eq!(r.status, tb::run::Status::Pass, "vtd_random seed {seed} failed:\n{}", r.failure.as_deref().unwrap_or(""));
        let txns = tb::trace::read_trace(&trace).unwrap();
        std::fs::remove_file(&trace).ok();
        overflows += txns.iter().any(|t| matches!(t.txn, Txn::RegRead { addr: 0xDC, data } if data & 2 != 0)) as u32;
        faults += txns.iter().any(|t| matches!(t.txn, Txn::PageRequest { msg } if msg.rid == 0x0200)) as u32;
    }
    assert!(overflows >= 3, "only {overflows} of 24 VT-d random seeds overflowed the PRQ");
    assert!(faults >= 3, "only {faults} of 24 VT-d random seeds sent requests of a disabled requester");
}

#[test]
fn vtd_stop_pasid_seeds_pass() {
    // Both stop variants (odd seeds B, even seeds A) with the VT-d drain in the PASID release.
    for seed in 1..=12 {
        common::expect_pass("vtd_stop_pasid", seed);
    }
}
