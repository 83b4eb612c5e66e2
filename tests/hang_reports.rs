//! A hang ends with the rule the stuck wait waits for, not with the runner's bare timeout at the
//! scenario's `max_cycles`: registered tests on the embedded RTL, with a memory that never
//! acknowledges a write or a PCIe egress that never takes a response.

mod common;

use tb::run::{self, RunResult, Status};
use tb::scenario::Scenario;

/// Run registered test `test` with `seed`, its scenario changed by `edit`; it must fail, and
/// before `max_cycles`.
fn run_stuck(test: &str, seed: u64, edit: impl FnOnce(&mut Scenario)) -> RunResult {
    let mut sc = (common::find(test).scenario)(seed);
    edit(&mut sc);
    let r = run::run(&sc, &common::opts()).unwrap();
    assert_eq!(r.status, Status::Fail, "{test} passed although it could not make progress");
    let report = r.failure.as_deref().unwrap_or("");
    assert!(r.cycles < sc.max_cycles, "{test} ran into its max_cycles ({}) instead of failing a bounded wait:\n{report}", sc.max_cycles);
    r
}

fn first_line(r: &RunResult) -> &str {
    r.failure.as_deref().and_then(|f| f.lines().next()).unwrap_or("")
}

/// Acknowledgements that never come (the agent schedules them after the end of any run).
fn memory_never_acks(sc: &mut Scenario) {
    sc.memory.ack_latency = (u32::MAX, u32::MAX);
}

#[test]
fn memory_that_never_acks_stalls_the_ingress_named_op15() {
    // vtd_exactly_full sends N-1 requests at once. The first descriptor write is never
    // acknowledged, so the write engine decides nothing more, the ingress FIFO fills and the
    // ingress stalls behind the memory port (OP-15): send_all gives up.
    let r = run_stuck("vtd_exactly_full", 1, memory_never_acks);
    assert_eq!(r.rule.as_deref(), Some("OP-15"), "{}", first_line(&r));
    assert!(first_line(&r).contains("the ingress accepted"), "{}", first_line(&r));
    assert!(first_line(&r).contains("memory writes awaiting their acknowledgement: true"), "{}", first_line(&r));
}

#[test]
fn memory_that_never_acks_stops_the_traffic_named_pri16() {
    // SMMUv3 random: no PRIQ entry is ever complete, so the host sees no request, no PRG is
    // answered, the functions run out of credits and the link stands still (PRI-16).
    let r = run_stuck("random", 1, memory_never_acks);
    assert_eq!(r.rule.as_deref(), Some("PRI-16"), "{}", first_line(&r));
    assert!(first_line(&r).contains("the traffic made no progress"), "{}", first_line(&r));
}

#[test]
fn egress_that_never_accepts_stops_the_traffic_named_pri16() {
    // VT-d random with only a requester that is not enabled in the PRE table: the hardware
    // answers each of its last requests at once (row a), but the PCIe egress never takes a
    // response, so the automatic responses back up, the ingress stalls and the traffic stands
    // still (PRI-16).
    let r = run_stuck("vtd_random", 1, |sc| {
        sc.rsp_ready_odds = 0;
        sc.traffic.as_mut().unwrap().rids = vec![0x0200];
    });
    assert_eq!(r.rule.as_deref(), Some("PRI-16"), "{}", first_line(&r));
    assert!(first_line(&r).contains("the traffic made no progress"), "{}", first_line(&r));
}

#[test]
fn egress_that_never_accepts_holds_the_command_port_named_smmu_cmd_1() {
    // SMMUv3 stop_pasid_a: the host answers groups with CMD_PRI_RESP, but with the egress never
    // ready the software-response FIFO fills and the command port stops taking commands; the
    // host's command wait gives up.
    let r = run_stuck("stop_pasid_a", 1, |sc| sc.rsp_ready_odds = 0);
    assert_eq!(r.rule.as_deref(), Some("SMMU-CMD-1"), "{}", first_line(&r));
    assert!(first_line(&r).contains("the command port to take"), "{}", first_line(&r));
}
