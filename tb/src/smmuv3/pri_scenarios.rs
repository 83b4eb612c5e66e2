//! PCIe PRI scenarios on the SMMUv3 RTL (pcie-pri.md, host-sw.md): stop-PASID A and B under load
//! with the host's release sequence, overflow in the middle of groups, Response Failure until
//! reset, a bogus response, and the scenario of the grouping-by-index hazard (its class is
//! `crate::classes::grpid_hazard`). Every run is also judged by the lockstep scoreboard, the
//! SMMUv3 checkers and the PRI checkers.

use super::env::Smmuv3Sequences;
use super::host::{priq_thread, Smmuv3HostState};
use crate::agents::memory::MemoryBehaviour;
use crate::agents::pcie_fn::TrafficPlan;
use crate::classes::stop_pasid_traffic;
use crate::env::Env;
use crate::flavor::Flavor;
use crate::scenario::HostPolicy;
use crate::scenario::Scenario;
use crate::seq::{free_and_rebind, stop_with_prgs_outstanding};
use crate::txn::Txn;
use models::host::{HostEvent, SmmuDriver};
use models::pcie::{MarkerVsComplete, MsgClass, Variant};
use models::ring::Ring;
use models::smmuv3::cmd::Command;
use models::smmuv3::regs;
use rand::RngCore;
use rand_chacha::ChaCha8Rng;
use std::cell::RefCell;
use std::rc::Rc;

const RID: u16 = 0x0100;
const P: u32 = 0x5;

/// One function using PASIDs 5 and 6 (60 PRGs), a small queue and a Linux-like host.
pub fn scenario(name: &str, seed: u64) -> Scenario {
    Scenario {
        flavor: super::Smmuv3.name().into(),
        test: name.into(),
        seed,
        config: crate::config::DEFAULT.into(),
        queue_base: 0x8000_0000,
        log2size: 3,
        memory: MemoryBehaviour::default(),
        rsp_ready_odds: 255,
        traffic: Some(TrafficPlan { prgs: 60, ..stop_pasid_traffic(RID, P) }),
        host: HostPolicy { consume: true, poll_cycles: 40, ..HostPolicy::default() },
        max_cycles: 100_000,
        program: None,
    }
}

/// Start the host thread, enable the queue and the traffic; the test plays the PASID release.
async fn start(env: &Env, sc: &Scenario, rng: &mut ChaCha8Rng) -> Rc<RefCell<Smmuv3HostState>> {
    let state = Rc::new(RefCell::new(Smmuv3HostState::default()));
    env.agents.borrow_mut().pcie.auto_rebind = false;
    env.enable_priq(sc.queue_base, sc.log2size).await;
    env.sim.start_soon(priq_thread(env.clone(), sc.host, rng.next_u64(), state.clone()));
    env.start_traffic();
    state
}

/// HOST-27 for (RID, P) after stop-complete: drain the PRIQ (HOST-19: consume up to the PROD read
/// now), wait until every group of P is answered (HOST-10), free P, and bind it again (PRI-30).
async fn release_and_rebind(env: &Env, state: &Rc<RefCell<Smmuv3HostState>>, log2size: u32) {
    drain_priq(env, log2size, RID, P).await;
    let answered = || state.borrow().sw.as_ref().is_some_and(|h| h.core.pasid_answered(RID, Some(P)));
    let discard = || {
        state.borrow_mut().sw.as_mut().expect("host started").core.discard_pasid_partials(RID, Some(P));
    };
    free_and_rebind(env, RID, P, answered, discard).await;
}

/// HOST-19 for (`rid`, `pasid`) after stop-complete: consume the PRIQ up to the PROD read now,
/// then report the drain (HOST-27 step 2).
pub async fn drain_priq(env: &Env, log2size: u32, rid: u16, pasid: u32) {
    let ring = Ring::new(log2size, super::params::of(env).priqs);
    let target = env.read_reg(regs::PRIQ_PROD).await as u32;
    let start = env.read_reg(regs::PRIQ_CONS).await as u32;
    let need = ring.used(target, start);
    let mut drained = false;
    for _ in 0..2000 {
        let cons = env.read_reg(regs::PRIQ_CONS).await as u32;
        if ring.used(cons, start) >= need || ring.empty(target, cons) {
            drained = true;
            break;
        }
        env.cycles(10).await;
    }
    ensure!(drained, "HOST-19", "the host did not consume the PRIQ up to PROD {target:#x} (read at the start of the release)");
    env.host_event(Txn::QueueDrained { rid, pasid });
}

fn accepted_of_p(env: &Env, class: MsgClass) -> usize {
    env.count(|t| matches!(t, Txn::PageRequest { msg } if msg.pv && msg.pasid == P && msg.class() == class))
}

pub async fn stop_pasid_a(env: Env, sc: Scenario, mut rng: ChaCha8Rng) {
    let state = start(&env, &sc, &mut rng).await;
    env.cycles(400).await;
    stop_with_prgs_outstanding(&env, RID, P, Variant::A).await;
    let done = env.wait_txn("PRI-25", 20_000, |t| matches!(t, Txn::StopComplete { pasid: P, .. })).await;
    let f = env.agents.borrow().pcie.functions[0].outstanding().filter(|g| g.pasid == P).count();
    ensure!(f == 0, "PRI-25", "stop-complete (cycle {}) with {f} PRGs of P outstanding", done.cycle);
    ensure!(accepted_of_p(&env, MsgClass::StopMarker) == 0, "PRI-25", "variant A sent a Stop Marker");
    release_and_rebind(&env, &state, sc.log2size).await;
    env.stop_traffic().await;
    env.settle(100).await;
    let inc = env.agents.borrow().pcie.functions[0].incarnation(P);
    ensure!(inc == 1, "PRI-30", "PASID {P:#x} is at incarnation {inc} after the re-bind");
}

pub async fn stop_pasid_b(env: Env, sc: Scenario, mut rng: ChaCha8Rng) {
    let state = start(&env, &sc, &mut rng).await;
    env.cycles(400).await;
    let before = env.agents.borrow().pcie.tally.stale_freed;
    // A PRG of P is outstanding when the stop arrives, so it becomes stale (PRI-26).
    stop_with_prgs_outstanding(&env, RID, P, Variant::B { marker_vs_complete: MarkerVsComplete::CompleteAfterMarker }).await;
    env.wait_txn("PRI-26", 20_000, |t| matches!(t, Txn::StopComplete { pasid: P, .. })).await;
    ensure!(
        accepted_of_p(&env, MsgClass::StopMarker) == 1,
        "PRI-26",
        "{} Stop Markers for one stop",
        accepted_of_p(&env, MsgClass::StopMarker)
    );
    // The marker follows every request of P (PRI-28), and the host never answers it (HOST-18).
    let log = env.agents.borrow().log.clone();
    let marker = log
        .iter()
        .position(|s| matches!(s.txn, Txn::PageRequest { msg } if msg.pv && msg.pasid == P && msg.class() == MsgClass::StopMarker))
        .unwrap();
    let later_requests = log[marker..]
        .iter()
        .filter(|s| matches!(s.txn, Txn::PageRequest { msg } if msg.pv && msg.pasid == P && msg.class() != MsgClass::StopMarker))
        .count();
    ensure!(later_requests == 0, "PRI-28", "{later_requests} requests of P after its Stop Marker");
    release_and_rebind(&env, &state, sc.log2size).await;
    env.stop_traffic().await;
    env.settle(100).await;
    let stale = env.agents.borrow().pcie.tally.stale_freed - before;
    ensure!(stale >= 1, "PRI-26", "no stale PRG was answered although a PRG of P was outstanding at the stop");
    // If the marker reached the queue the host drops it (HOST-18); in an overflow the IOMMU may
    // have discarded it, and the host never depends on it (HOST-28).
    let written = env.queue_writes().iter().any(|&(_, d0, d1)| {
        let m = models::smmuv3::entry::PriqEntry::decode([d0, d1]).to_request();
        m.class() == MsgClass::StopMarker && m.pasid == P
    });
    for _ in 0..200 {
        if !written || state.borrow().stop_markers_dropped >= 1 {
            return;
        }
        env.cycles(50).await;
    }
    panic!("[HOST-18] {}: the Stop Marker was queued but the host never consumed and dropped it", crate::judge::waits::HOST);
}

/// The stop-PASID classes: traffic that goes on until the test winds it down, so that PRGs of P
/// can always be found outstanding to stop it.
pub fn stop_a_scenario(seed: u64) -> Scenario {
    Scenario { traffic: Some(stop_pasid_traffic(RID, P)), ..scenario("stop_pasid_a", seed) }
}

pub fn stop_b_scenario(seed: u64) -> Scenario {
    // A slow host: the stale PRGs stay outstanding a while behind the Stop Marker.
    let mut sc = Scenario { traffic: Some(stop_pasid_traffic(RID, P)), ..scenario("stop_pasid_b", seed) };
    sc.host.poll_cycles = 600;
    sc
}

pub fn overflow_groups_scenario(seed: u64) -> Scenario {
    let mut sc = scenario("overflow_mid_groups", seed);
    sc.log2size = 1;
    sc.host.poll_cycles = 150;
    if let Some(t) = sc.traffic.as_mut() {
        t.max_prg_len = 4;
        t.send_odds = 255;
        t.prgs = 80;
    }
    sc
}

pub async fn overflow_mid_groups(env: Env, sc: Scenario, mut rng: ChaCha8Rng) {
    let state = Rc::new(RefCell::new(Smmuv3HostState::default()));
    env.enable_priq(sc.queue_base, sc.log2size).await;
    env.sim.start_soon(priq_thread(env.clone(), sc.host, rng.next_u64(), state.clone()));
    env.start_traffic();
    env.wait_traffic_done().await;
    env.settle(200).await;
    let s = state.borrow();
    ensure!(s.overflows_seen >= 1, "SMMU-PRIQ-7", "the small queue never overflowed");
    // An index answered automatically is reused by a later PRG (PRI-10).
    let log = env.agents.borrow().log.clone();
    let reused = log.iter().enumerate().any(|(k, s)| match s.txn {
        Txn::Response { rsp } => {
            log[k + 1..].iter().any(|t| matches!(t.txn, Txn::PageRequest { msg } if msg.rid == rsp.rid && msg.prgi == rsp.prgi))
        }
        _ => false,
    });
    ensure!(reused, "PRI-10", "no PRG index was reused after its response");
}

pub fn rf_scenario(seed: u64) -> Scenario {
    let mut sc = scenario("response_failure_reset", seed);
    sc.host.sw.smmu_driver = SmmuDriver::Mainline; // answers every L=1 with Response Failure
    sc
}

pub async fn response_failure_reset(env: Env, sc: Scenario, mut rng: ChaCha8Rng) {
    let state = start(&env, &sc, &mut rng).await;
    env.wait_txn("HOST-17", 20_000, |t| matches!(t, Txn::Response { rsp } if rsp.code == models::pcie::RespCode::ResponseFailure)).await;
    env.cycles(200).await;
    let (halted, sent_then) = {
        let a = env.agents.borrow();
        (a.pcie.functions[0].halted(), a.pcie.accepted)
    };
    ensure!(halted, "PRI-19", "Response Failure did not stop the function");
    env.cycles(300).await;
    ensure!(env.agents.borrow().pcie.accepted == sent_then, "PRI-19", "a function in RF kept sending");
    ensure!(
        state.borrow().events.iter().any(|e| matches!(e, HostEvent::MainlineFailure { .. })),
        "HOST-17",
        "mainline Response Failure not reported as a hazard"
    );
    // PRI-21: Reset with Enable=0, then Enable: the function sends again.
    {
        let mut a = env.agents.borrow_mut();
        let f = &mut a.pcie.functions[0];
        f.write_control(models::pcie::cap::CTRL_RESET);
        f.write_control(models::pcie::cap::CTRL_ENABLE);
    }
    env.host_event(Txn::PriReset { rid: RID });
    env.host_event(Txn::PriEnable { rid: RID, allocation: 8 });
    env.cycles(300).await;
    ensure!(env.agents.borrow().pcie.accepted > sent_then, "PRI-21", "no request after reset and re-enable");
    env.agents.borrow_mut().pcie.stop_traffic();
}

/// Negative: the host sends a Success for an index the function never used. The response
/// checker must stop the run with PRI-16 (the function would set UPRGI, PRI-20, which the
/// function model's unit tests check).
pub async fn bogus_response_uprgi(env: Env, sc: Scenario, mut rng: ChaCha8Rng) {
    let _state = start(&env, &sc, &mut rng).await;
    env.cycles(200).await;
    let cmd = Command::PriResp { stream_id: RID as u32, ssv: true, substream_id: 6, prg_index: 0x1F0, resp: 0b10 };
    let [dw0, dw1] = cmd.encode();
    env.command(dw0, dw1).await;
    env.wait_txn("PRI-20", 2_000, |t| matches!(t, Txn::Response { rsp } if rsp.prgi == 0x1F0)).await;
    env.cycles(5).await;
    let f_uprgi = env.agents.borrow().pcie.functions[0].uprgi();
    ensure!(f_uprgi, "PRI-20", "a response matching no PRG did not set UPRGI");
    env.wait_traffic_done().await;
    env.settle(100).await;
}

pub fn hazard_scenario(seed: u64) -> Scenario {
    let mut sc = scenario("grpid_hazard", seed);
    sc.host.poll_cycles = 300;
    if let Some(t) = sc.traffic.as_mut() {
        t.prgi_shared_across_pasids = true;
        t.max_prg_len = 3;
        t.send_odds = 255;
        t.prgs = u32::MAX; // until the hazard (the class stops the traffic)
    }
    sc
}

pub fn credit_overrun_scenario(seed: u64) -> Scenario {
    let mut sc = scenario("device_credit_overrun", seed);
    sc.host.poll_cycles = 400; // a slow host keeps credits in use
    if let Some(t) = sc.traffic.as_mut() {
        t.faults.credit_overrun = true;
        t.send_odds = 255;
    }
    sc
}

/// Negative: the function ignores its Allocation (fault mode `credit_overrun`); the PRI checkers
/// must stop the run naming PRI-11.
pub async fn device_credit_overrun(env: Env, sc: Scenario, mut rng: ChaCha8Rng) {
    let _state = start(&env, &sc, &mut rng).await;
    env.wait_traffic_done().await;
    env.settle(100).await;
}
