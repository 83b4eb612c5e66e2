//! The host-path checkers bite: each test plants one deliberate bug in the host model
//! (`models::host::planted::PlantedHostBug`, a scenario knob no regression scenario sets), runs a
//! registered host-path test on the project's RTL, and requires the run to fail naming the rule
//! the bug breaks and the checker that judged it, under strict lockstep and with the checkers
//! alone (the RTL is correct: lockstep agrees with it, so the host-path checker is the judge in
//! both). One bug per checker and flavor:
//!
//! | Bug | Checker | Rule |
//! |---|---|---|
//! | `CookieReuse` | host-fault-fd | HOST-13 |
//! | `SuccessWithoutMap` | host-paging | HOST-5 |
//! | `UnmapBeforeAnswered` | host-paging | HOST-10 |
//! | `OverProvisioned` | host-provisioned | HOST-31 |

use models::host::planted::PlantedHostBug;
use std::path::PathBuf;
use tb::run::{self, RunOptions, Status};
use tb::scenario::Scenario;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// "RULE by JUDGE" of `test` (seed 1) with `bug` planted, `edit` applied to its scenario.
fn verdict(test: &str, bug: PlantedHostBug, lockstep: bool, edit: impl Fn(&mut Scenario)) -> String {
    let def = tb::flavors::find_test(None, test).unwrap().1;
    let mut sc = (def.scenario)(1);
    sc.host.sw.planted = Some(bug);
    edit(&mut sc);
    let compare = if lockstep { tb::compare::CompareMode::Lockstep } else { tb::compare::CompareMode::Checkers };
    let opts = RunOptions { compare: Some(compare), ..RunOptions::for_repo(&root()) };
    let r = run::run(&sc, &opts).unwrap_or_else(|e| panic!("{test}: {e}"));
    if r.status == Status::Pass {
        return "not caught".into();
    }
    eprintln!("{test} (lockstep {lockstep}): {}", r.failure.as_deref().unwrap_or("").lines().next().unwrap_or(""));
    format!("{} by {}", r.rule.as_deref().unwrap_or("no rule"), r.judge.map(|j| j.to_string()).unwrap_or_default())
}

/// Change the scenario's traffic plan.
fn traffic(sc: &mut Scenario, f: impl Fn(&mut tb::agents::pcie_fn::TrafficPlan)) {
    f(sc.traffic.as_mut().expect("the host-path classes have traffic"));
}

fn judged(test: &str, bug: PlantedHostBug, edit: impl Fn(&mut Scenario), want: &str) {
    let got = (verdict(test, bug, true, &edit), verdict(test, bug, false, &edit));
    assert_eq!((got.0.as_str(), got.1.as_str()), (want, want), "{test} with {bug:?}: (lockstep, checkers only) verdicts");
}

#[test]
fn cookie_reuse() {
    // The FD hands cookie 0 to every group read: the second group read while the first is
    // unanswered shares its cookie (HOST-13 uniqueness). Enough PRGs that some read returns two.
    for test in ["iommufd", "vtd_iommufd"] {
        judged(test, PlantedHostBug::CookieReuse, |sc| traffic(sc, |t| t.prgs = 300), "HOST-13 by checker host-fault-fd");
    }
}

#[test]
fn success_without_map() {
    // The paging handler answers SUCCESS for a page outside every DMA range without mapping it.
    for test in ["paging", "vtd_paging"] {
        judged(test, PlantedHostBug::SuccessWithoutMap, |_| {}, "HOST-5 by checker host-paging");
    }
}

#[test]
fn unmap_before_answered() {
    // The paging class unmaps PASID 5 as soon as it asks the function to stop it, while a group
    // of it is reported and unanswered.
    for test in ["paging", "vtd_paging"] {
        judged(test, PlantedHostBug::UnmapBeforeAnswered, |_| {}, "HOST-10 by checker host-paging");
    }
}

#[test]
fn over_provisioned() {
    // The host skips the HOST-29 sum: each function is enabled with the whole queue as its
    // Allocation, and a slow host lets the queue overflow. Enough PRGs to fill the queue.
    for (test, capacity) in [("provisioned", 8), ("vtd_provisioned", 127)] {
        let edit = |sc: &mut Scenario| {
            traffic(sc, |t| {
                t.allocation = capacity;
                t.prgs = 600;
            })
        };
        judged(test, PlantedHostBug::OverProvisioned, edit, "HOST-31 by checker host-provisioned");
    }
}
