//! Registered SMMUv3 tests: directed sequences, one or more per rule they name, and the seeded
//! random class. Every run is also judged by the lockstep scoreboard and the protocol checkers;
//! the assertions here check the architectural outcome each rule promises.

use super::env::Smmuv3Sequences;
use super::host::{priq_thread, Smmuv3HostState};
use super::pri_scenarios::{
    self as pri, bogus_response_uprgi, device_credit_overrun, overflow_mid_groups, response_failure_reset, stop_pasid_a, stop_pasid_b,
};
use crate::agents::memory::MemoryBehaviour;
use crate::agents::pcie_fn::TrafficPlan;
use crate::classes::{grpid_hazard, soak, HostSide};
use crate::env::Env;
use crate::flavor::Flavor;
use crate::host_paths::classes as hp;
use crate::registry::TestDef;
use crate::scenario::HostPolicy;
use crate::scenario::Scenario;
use crate::seq::{every_bit_request, req, responses, stop_marker, success, wait_for, PATIENCE};
use crate::txn::{IrqLine, Txn};
use models::pcie::{PageRequest, PrgResponse, RespCode};
use models::ring::{Ring, FLAG_BIT};
use models::smmuv3::cmd::Command;
use models::smmuv3::entry::PriqEntry;
use models::smmuv3::regs;
use rand::{Rng, RngCore};
use rand_chacha::ChaCha8Rng;
use std::cell::RefCell;
use std::rc::Rc;

const BASE: u64 = 0x8000_0000;

/// Needs of tests that fill the directed scenarios' 8-entry queue (LOG2SIZE 3), or a 2-entry
/// one (LOG2SIZE 1): IDR1.PRIQS must not cap it smaller (SMMU-PRIQ-1).
const QUEUE_OF_8: &[(&str, std::ops::RangeInclusive<u32>)] = &[("PRIQS", 3..=19)];
const QUEUE_OF_2: &[(&str, std::ops::RangeInclusive<u32>)] = &[("PRIQS", 1..=19)];
/// The functions of the host-path classes (`crate::host_paths`).
const HP_RIDS: &[u16] = &[0x0100, 0x0108];

pub(super) fn directed(name: &str, seed: u64) -> Scenario {
    Scenario {
        flavor: super::Smmuv3.name().into(),
        test: name.into(),
        seed,
        config: crate::config::DEFAULT.into(),
        queue_base: BASE,
        log2size: 3,
        memory: MemoryBehaviour::default(),
        rsp_ready_odds: 255,
        traffic: None,
        host: HostPolicy { consume: false, ..HostPolicy::default() },
        max_cycles: 20_000,
        program: None,
    }
}

/// Wait until `n` queue writes have been acknowledged.
async fn acked(env: &Env, n: usize) {
    wait_for(env, "SMMU-PRIQ-3", &format!("{n} acknowledged queue writes"), |e| e.count(|t| matches!(t, Txn::MemAck { .. })) >= n).await
}

/// The entries written so far, decoded.
fn entries(env: &Env) -> Vec<(u64, PageRequest)> {
    env.queue_writes().into_iter().map(|(a, d0, d1)| (a, PriqEntry::decode([d0, d1]).to_request())).collect()
}

async fn pri_resp(env: &Env, cmd: Command) {
    let [dw0, dw1] = cmd.encode();
    env.command(dw0, dw1).await;
}

// ---- queue writes, addressing, pointers --------------------------------------------------------

async fn basic_write(env: Env, sc: Scenario, _: ChaCha8Rng) {
    env.enable_priq(sc.queue_base, sc.log2size).await;
    let msgs = [
        req(0x0100, Some(0xF_FFFF), 7, false),
        every_bit_request(0x0100, 7),
        PageRequest { rid: 0xFFFF, w: true, l: true, prgi: 0x1FF, page: 1, ..Default::default() },
    ];
    env.send_all(&msgs).await;
    acked(&env, 3).await;
    let prod = env.read_reg(regs::PRIQ_PROD).await;
    ensure!(prod == 3, "SMMU-PRIQ-3", "PROD reads {prod:#x} after three acknowledged entries, expected 0x3");
    let got = entries(&env);
    ensure!(got.len() == 3, "SMMU-PRIQ-3", "{} entries written for three messages", got.len());
    for (k, (addr, m)) in got.iter().enumerate() {
        ensure!(*addr == sc.queue_base + 16 * k as u64, "SMMU-PRIQ-1", "entry {k} at {addr:#x}");
        ensure!(*m == msgs[k], "SMMU-PRIQ-4", "entry {k} decodes to {m:?}, sent {:?}", msgs[k]);
    }
    ensure!(env.responses().is_empty(), "SMMU-PRIQ-10", "a queued request got a response from hardware");
}

async fn wrap_sizes(env: Env, sc: Scenario, _: ChaCha8Rng) {
    // Several LOG2SIZEs, each driven one entry at a time around the ring more than twice.
    let mut written = 0usize;
    for log2size in [0u32, 1, 2, 4, 8] {
        env.write_reg(regs::CR0, 0).await;
        env.wait_cr0ack(0).await;
        env.enable_priq(sc.queue_base, log2size).await;
        // IDR1.PRIQS caps the size (SMMU-PRIQ-1): at PRIQS=0 every LOG2SIZE is one slot.
        let ring = Ring::new(log2size, super::params::of(&env).priqs);
        let slots = ring.entries() as u64;
        let mut cons = 0u32;
        for k in 0..(2 * slots + 3) {
            env.send_all(&[req(1, None, (k % 512) as u16, true)]).await;
            written += 1;
            acked(&env, written).await;
            let prod = env.read_reg(regs::PRIQ_PROD).await;
            cons = ring.incr(cons);
            ensure!(prod == cons as u64, "SMMU-PRIQ-2", "LOG2SIZE {log2size}: PROD {prod:#x} after {} entries, expected {cons:#x}", k + 1);
            let (addr, _, _) = env.queue_writes()[written - 1];
            let expect = sc.queue_base + 16 * (k % slots);
            ensure!(addr == expect, "SMMU-PRIQ-1", "LOG2SIZE {log2size}: entry {k} at {addr:#x}, expected {expect:#x}");
            env.write_reg(regs::PRIQ_CONS, cons as u64).await;
        }
    }
    ensure!(env.responses().is_empty(), "SMMU-PRIQ-10", "no response expected while the queue never filled");
}

async fn mem_backpressure(env: Env, sc: Scenario, _: ChaCha8Rng) {
    env.enable_priq(sc.queue_base, sc.log2size).await;
    let msgs: Vec<PageRequest> = (0..6).map(|k| req(2, Some(9), k, k % 2 == 1)).collect();
    env.send(&msgs);
    // Poll PROD while the slow acknowledgements trickle in: it never covers an entry whose
    // write is not yet acknowledged (SMMU-PRIQ-3).
    let deadline = env.sim.cycle() + PATIENCE;
    loop {
        expired!(
            crate::judge::waits::CONDITION,
            env.sim.cycle() < deadline,
            "SMMU-PRIQ-3",
            "PROD did not reach 6 in {PATIENCE} cycles: {} entries acknowledged",
            env.count(|t| matches!(t, Txn::MemAck { err: false }))
        );
        let acks_before = env.count(|t| matches!(t, Txn::MemAck { err: false }));
        let prod = env.read_reg(regs::PRIQ_PROD).await;
        ensure!(
            prod as usize <= env.count(|t| matches!(t, Txn::MemAck { err: false })),
            "SMMU-PRIQ-3",
            "PROD {prod:#x} covers an unacknowledged entry ({acks_before} acks)"
        );
        if prod == 6 {
            break;
        }
    }
    let got: Vec<PageRequest> = entries(&env).into_iter().map(|e| e.1).collect();
    ensure!(got == msgs, "SMMU-PRIQ-4", "entries under back-pressure differ from the requests");
}

async fn mem_write_error(env: Env, sc: Scenario, _: ChaCha8Rng) {
    env.enable_priq(sc.queue_base, sc.log2size).await;
    env.write_reg(regs::IRQ_CTRL, regs::IRQ_CTRL_GERROR_IRQEN as u64).await;
    env.wait_irq_ctrlack(regs::IRQ_CTRL_GERROR_IRQEN, "SMMU-CMD-11").await;
    let m = req(3, Some(5), 11, true);
    env.send_all(&[m]).await;
    responses(&env, 1, "SMMU-PRIQ-16").await;
    let r = env.responses()[0];
    ensure!(r.code == RespCode::ResponseFailure && !r.pv, "SMMU-PRIQ-16", "failed entry write answered {r:?}, expected 0xF without PASID");
    let gerror = env.read_reg(regs::GERROR).await;
    ensure!(gerror & regs::GERROR_PRIQ_ABT_ERR as u64 != 0, "SMMU-PRIQ-16", "GERROR {gerror:#x} lacks PRIQ_ABT_ERR");
    let pulses = env.count(|t| matches!(t, Txn::Irq { line: IrqLine::Gerror }));
    ensure!(pulses == 1, "SMMU-CMD-11", "{pulses} GERROR interrupts for one PRIQ_ABT_ERR activation");
    let prod = env.read_reg(regs::PRIQ_PROD).await;
    ensure!(prod == 0, "SMMU-PRIQ-16", "PROD {prod:#x} covers a failed entry");
    // While the error is active, row a: no write, L=1 answered 0xF (DEC-2).
    let writes = env.queue_writes().len();
    env.send_all(&[req(3, Some(5), 12, true)]).await;
    responses(&env, 2, "SMMU-PRIQ-5").await;
    ensure!(env.queue_writes().len() == writes, "SMMU-PRIQ-5", "entry written while PRIQ_ABT_ERR is active");
}

// ---- overflow ----------------------------------------------------------------------------------

async fn overflow_at_full(env: Env, sc: Scenario, _: ChaCha8Rng) {
    env.enable_priq(sc.queue_base, 1).await; // two slots
    let a = req(4, Some(1), 1, true);
    let b = req(4, Some(1), 2, true);
    let c = req(4, Some(1), 3, true);
    env.send_all(&[a, b]).await;
    acked(&env, 2).await;
    ensure!(env.responses().is_empty(), "SMMU-PRIQ-7", "a response before the queue was full");
    env.send_all(&[c]).await;
    responses(&env, 1, "SMMU-PRIQ-7").await;
    ensure!(
        env.responses()[0] == success(&c),
        "SMMU-PRIQ-7",
        "overflowing L=1 answered {:?}, expected Success with PASID (DEC-3)",
        env.responses()[0]
    );
    let prod = env.read_reg(regs::PRIQ_PROD).await;
    ensure!(prod == (1 << 31) | 0b10, "SMMU-PRIQ-7", "PROD {prod:#x}, expected WR=2 (index 0, wrap 1) with OVFLG");
    ensure!(env.queue_writes().len() == 2, "SMMU-PRIQ-7", "the overflowing request was written");
}

/// Fill a 2-slot queue and overflow it with one more request; returns the PROD value.
async fn fill_and_overflow(env: &Env, sc: &Scenario) -> u64 {
    env.enable_priq(sc.queue_base, 1).await;
    env.send_all(&[req(5, None, 1, true), req(5, None, 2, true), req(5, None, 3, true)]).await;
    responses(env, 1, "SMMU-PRIQ-7").await;
    env.read_reg(regs::PRIQ_PROD).await
}

async fn overflow_inhibits(env: Env, sc: Scenario, _: ChaCha8Rng) {
    let prod = fill_and_overflow(&env, &sc).await;
    // Free every slot but keep OVACKFLG = 0: the overflow stays active (SMMU-PRIQ-9).
    env.write_reg(regs::PRIQ_CONS, prod & 0xF_FFFF).await;
    let m = req(5, Some(8), 4, true);
    env.send_all(&[m]).await;
    responses(&env, 2, "SMMU-PRIQ-6").await;
    ensure!(env.responses()[1] == success(&m), "SMMU-PRIQ-6", "request in an active overflow answered {:?}", env.responses()[1]);
    ensure!(env.queue_writes().len() == 2, "SMMU-PRIQ-8", "entry written while OVFLG != OVACKFLG although CONS freed space");
    let prod2 = env.read_reg(regs::PRIQ_PROD).await;
    ensure!(prod2 == prod, "SMMU-PRIQ-6", "PROD changed from {prod:#x} to {prod2:#x} during an active overflow");
    // Acknowledge: OVACKFLG = OVFLG ends the inhibition.
    env.write_reg(regs::PRIQ_CONS, prod).await;
    env.send_all(&[req(5, None, 5, true)]).await;
    acked(&env, 3).await;
    ensure!(env.responses().len() == 2, "SMMU-PRIQ-9", "a request after the acknowledgement was answered by hardware");
}

async fn overflow_partial_group(env: Env, sc: Scenario, _: ChaCha8Rng) {
    env.enable_priq(sc.queue_base, 0).await; // one slot
    let g = [req(6, Some(2), 9, false), req(6, Some(2), 9, false), req(6, Some(2), 9, true)];
    env.send_all(&g).await;
    responses(&env, 1, "SMMU-PRIQ-6").await;
    env.cycles(20).await;
    let rs = env.responses();
    ensure!(
        rs.len() == 1 && rs[0] == success(&g[2]),
        "SMMU-PRIQ-6",
        "group overflowing mid-way answered {rs:?}, expected one Success for its L=1"
    );
    let prod = env.read_reg(regs::PRIQ_PROD).await;
    ensure!(prod == (1 << 31) | 1, "SMMU-PRIQ-7", "PROD {prod:#x}: expected one entry and exactly one OVFLG toggle");
}

async fn overflow_silent(env: Env, sc: Scenario, _: ChaCha8Rng) {
    fill_and_overflow(&env, &sc).await;
    env.send_all(&[req(7, Some(3), 20, false), stop_marker(7, 3), req(7, Some(3), 21, false)]).await;
    env.cycles(30).await;
    ensure!(
        env.responses().len() == 1,
        "SMMU-PRIQ-6",
        "L=0 requests or a Stop Marker in an overflow got a response: {:?}",
        env.responses()
    );
}

async fn pasidless_last(env: Env, sc: Scenario, _: ChaCha8Rng) {
    // DEC-1 / PRI-3: PV=0, L=1, R=W=0 is an ordinary last request: queued with room, auto-answered in overflow.
    let odd = PageRequest { rid: 8, l: true, prgi: 30, ..Default::default() };
    env.enable_priq(sc.queue_base, 0).await;
    env.send_all(&[odd]).await;
    acked(&env, 1).await;
    ensure!(entries(&env)[0].1 == odd, "PRI-3", "PASID-less L=1 R=W=0 request not queued as sent");
    let odd2 = PageRequest { prgi: 31, ..odd };
    let odd3 = PageRequest { prgi: 32, ..odd };
    env.send_all(&[odd2, odd3]).await; // row c (full), then row b (overflow active)
    responses(&env, 2, "DEC-1").await;
    ensure!(
        env.responses() == vec![success(&odd2), success(&odd3)],
        "DEC-1",
        "PASID-less L=1 R=W=0 in a full queue, then in an overflow, answered {:?}",
        env.responses()
    );
}

async fn stop_marker_queued(env: Env, sc: Scenario, _: ChaCha8Rng) {
    env.enable_priq(sc.queue_base, sc.log2size).await;
    let sm = stop_marker(9, 0x777);
    env.send_all(&[sm]).await;
    acked(&env, 1).await;
    let (_, d0, d1) = env.queue_writes()[0];
    let e = PriqEntry::decode([d0, d1]);
    ensure!(e.to_request() == sm, "SMMU-PRIQ-11", "Stop Marker entry decodes to {:?}", e.to_request());
    env.cycles(20).await;
    ensure!(env.responses().is_empty(), "PRI-17", "a Stop Marker got a response");
}

async fn disabled_auto_rf(env: Env, sc: Scenario, _: ChaCha8Rng) {
    // SMMUEN=1, PRIQEN=0: row a (DEC-2).
    env.write_reg(regs::PRIQ_BASE, sc.queue_base | 3).await;
    env.write_reg(regs::CR0, regs::CR0_SMMUEN as u64).await;
    env.wait_cr0ack(regs::CR0_SMMUEN).await;
    let last = req(10, Some(4), 40, true);
    let odd = PageRequest { rid: 10, l: true, prgi: 42, ..Default::default() }; // PV=0, L=1, R=W=0 (DEC-1)
    env.send_all(&[req(10, Some(4), 40, false), stop_marker(10, 4), last, req(10, None, 41, false), req(10, None, 41, true), odd]).await;
    responses(&env, 3, "SMMU-PRIQ-5").await;
    env.cycles(20).await;
    let rs = env.responses();
    let failure = |prgi| PrgResponse { rid: 10, pv: false, pasid: 0, prgi, code: RespCode::ResponseFailure };
    let want = vec![failure(40), failure(41), failure(42)];
    ensure!(rs == want, "SMMU-PRIQ-5", "PRIQEN=0 answered {rs:?}, expected only {want:?} (no PASID, DEC-2)");
    ensure!(env.queue_writes().is_empty(), "SMMU-PRIQ-5", "entry written with PRIQEN=0");
}

// ---- host consumption ----------------------------------------------------------------------------

async fn linux_cons_keeps_overflow(env: Env, sc: Scenario, mut rng: ChaCha8Rng) {
    // The Linux thread with its final acknowledgement disabled: per-entry CONS writes keep the old
    // OVACKFLG, so the inhibition never ends (SMMU-PRIQ-9, HOST-16).
    let stats = Rc::new(RefCell::new(Smmuv3HostState::default()));
    env.sim.start_soon(priq_thread(
        env.clone(),
        HostPolicy { consume: true, ack_overflow: false, ..sc.host },
        rng.next_u64(),
        stats.clone(),
    ));
    fill_and_overflow(&env, &sc).await;
    let deadline = env.sim.cycle() + PATIENCE;
    while stats.borrow().entries < 2 {
        expired!(
            crate::judge::waits::CONDITION,
            env.sim.cycle() < deadline,
            "HOST-16",
            "the host consumed {} entries in {PATIENCE} cycles, expected 2",
            stats.borrow().entries
        );
        env.cycles(10).await;
    }
    env.cycles(200).await;
    let cons = env.read_reg(regs::PRIQ_CONS).await;
    ensure!(cons == 0b10, "HOST-16", "CONS {cons:#x} after consuming two entries, expected 0x2 with OVACKFLG kept 0");
    let m = req(5, None, 7, true);
    env.send_all(&[m]).await;
    env.cycles(50).await;
    ensure!(env.queue_writes().len() == 2, "SMMU-PRIQ-9", "a CONS write keeping OVACKFLG ended the overflow");
    ensure!(
        env.responses().iter().filter(|r| r.prgi == 7).count() == 1,
        "SMMU-PRIQ-6",
        "request after the Linux CONS writes not auto-answered once"
    );
}

async fn ack_then_resume(env: Env, sc: Scenario, mut rng: ChaCha8Rng) {
    // Full Linux thread: overflow, drain, acknowledge, then new requests are queued and answered
    // by software (HOST-16, HOST-8, SMMU-PRIQ-9).
    let stats = Rc::new(RefCell::new(Smmuv3HostState::default()));
    env.sim.start_soon(priq_thread(env.clone(), sc.host, rng.next_u64(), stats.clone()));
    env.enable_priq(sc.queue_base, 1).await;
    let partial = req(11, Some(6), 50, false);
    env.send_all(&[partial, req(11, Some(6), 51, true), req(11, Some(6), 50, true)]).await;
    let deadline = env.sim.cycle() + PATIENCE;
    while stats.borrow().overflows_seen == 0 {
        expired!(
            crate::judge::waits::CONDITION,
            env.sim.cycle() < deadline,
            "SMMU-PRIQ-7",
            "the host saw no overflow in {PATIENCE} cycles"
        );
        env.cycles(10).await;
    }
    env.settle(200).await;
    ensure!(
        stats.borrow().partials_discarded() == 1,
        "HOST-8",
        "{} partials discarded after the overflow, expected 1",
        stats.borrow().partials_discarded()
    );
    let prod = env.read_reg(regs::PRIQ_PROD).await;
    let cons = env.read_reg(regs::PRIQ_CONS).await;
    ensure!((prod ^ cons) & FLAG_BIT as u64 == 0, "HOST-16", "overflow not acknowledged: PROD {prod:#x} CONS {cons:#x}");
    let m = req(11, Some(6), 52, true);
    env.send_all(&[m]).await;
    env.settle(200).await;
    let answered: Vec<_> = env.responses().into_iter().filter(|r| r.prgi == 52).collect();
    ensure!(
        answered == vec![success(&m)],
        "SMMU-PRIQ-9",
        "after the acknowledgement the request was answered {answered:?}, expected one software Success"
    );
    ensure!(stats.borrow().groups_answered() == 2, "HOST-18", "host answered {} groups, expected 2", stats.borrow().groups_answered());
}

// ---- commands ------------------------------------------------------------------------------------

async fn cmd_pri_resp_codes(env: Env, sc: Scenario, _: ChaCha8Rng) {
    env.enable_priq(sc.queue_base, sc.log2size).await;
    let cases =
        [(0b00, RespCode::ResponseFailure, Some(0x5_4321)), (0b01, RespCode::InvalidRequest, None), (0b10, RespCode::Success, Some(1))];
    for (k, (resp, _, pasid)) in cases.iter().enumerate() {
        let cmd = Command::PriResp {
            stream_id: 0x0200 + k as u32,
            ssv: pasid.is_some(),
            substream_id: pasid.unwrap_or(0),
            prg_index: 100 + k as u16,
            resp: *resp,
        };
        pri_resp(&env, cmd).await;
    }
    responses(&env, 3, "SMMU-CMD-3").await;
    for (k, (_, code, pasid)) in cases.iter().enumerate() {
        let want =
            PrgResponse { rid: 0x0200 + k as u16, pv: pasid.is_some(), pasid: pasid.unwrap_or(0), prgi: 100 + k as u16, code: *code };
        ensure!(
            env.responses()[k] == want,
            "SMMU-CMD-3",
            "command {k} sent {:?}, expected {want:?} (in command order, SMMU-CMD-6)",
            env.responses()[k]
        );
    }
}

async fn cmd_resp3_illegal(env: Env, sc: Scenario, _: ChaCha8Rng) {
    env.enable_priq(sc.queue_base, sc.log2size).await;
    pri_resp(&env, Command::PriResp { stream_id: 1, ssv: false, substream_id: 0, prg_index: 1, resp: 0b11 }).await;
    env.cycles(10).await;
    ensure!(env.responses().is_empty(), "SMMU-CMD-4", "CMD_PRI_RESP with Resp=0b11 sent a response");
    let gerror = env.read_reg(regs::GERROR).await;
    ensure!(gerror & 1 == 1, "SMMU-CMD-2", "GERROR {gerror:#x} lacks CMDQ_ERR after an ILLEGAL command");
    let cons = env.read_reg(regs::CMDQ_CONS).await;
    ensure!((cons >> 24) & 0x7F == 1, "SMMU-CMD-2", "CMDQ_CONS.ERR {:#x}, expected CERROR_ILL", (cons >> 24) & 0x7F);
    // The next command waits until GERRORN acknowledges.
    let [dw0, dw1] = Command::PriResp { stream_id: 2, ssv: false, substream_id: 0, prg_index: 2, resp: 0b10 }.encode();
    let done = env.agents.borrow_mut().cmds.push([dw0, dw1, 0, 0], "SMMU-CMD-2");
    env.cycles(20).await;
    ensure!(!done.is_done(), "SMMU-CMD-2", "a command was consumed while CMDQ_ERR was active");
    env.write_reg(regs::GERRORN, gerror & 1).await;
    env.wait_done(&done, PATIENCE, "SMMU-CMD-2", || "the command after GERRORN acknowledged CMDQ_ERR".into()).await;
    responses(&env, 1, "SMMU-CMD-3").await;
    ensure!(env.responses()[0].prgi == 2, "SMMU-CMD-3", "after the acknowledgement the command was not answered");
}

async fn cmd_smmuen0_ignored(env: Env, _sc: Scenario, _: ChaCha8Rng) {
    pri_resp(&env, Command::PriResp { stream_id: 3, ssv: false, substream_id: 0, prg_index: 3, resp: 0b10 }).await;
    env.cycles(20).await;
    ensure!(env.responses().is_empty(), "SMMU-CMD-5", "CMD_PRI_RESP with SMMUEN=0 sent a response");
    let gerror = env.read_reg(regs::GERROR).await;
    ensure!(gerror == 0, "SMMU-CMD-5", "CMD_PRI_RESP with SMMUEN=0 raised an error: GERROR {gerror:#x}");
}

async fn cmd_sync(env: Env, sc: Scenario, _: ChaCha8Rng) {
    env.enable_priq(sc.queue_base, sc.log2size).await;
    pri_resp(&env, Command::PriResp { stream_id: 4, ssv: false, substream_id: 0, prg_index: 4, resp: 0b10 }).await;
    let [s0, s1] = Command::Sync { cs: 0, msh: 0, msi_attr: 0, msi_data: 0, msi_addr: 0 }.encode();
    env.command(s0, s1).await;
    wait_for(&env, "SMMU-CMD-9", "CMD_SYNC to complete", |e| e.count(|t| matches!(t, Txn::SyncDone)) > 0).await;
    let log = env.agents.borrow().log.clone();
    let done_at = log.iter().find(|s| matches!(s.txn, Txn::SyncDone)).unwrap().cycle;
    let cmd_at = log.iter().filter(|s| matches!(s.txn, Txn::Command { .. })).map(|s| s.cycle).next().unwrap();
    ensure!(done_at > cmd_at, "SMMU-CMD-9", "CMD_SYNC completed at {done_at} before the CMD_PRI_RESP taken at {cmd_at} was committed");
    // CS = 0b11 is ILLEGAL.
    let [i0, i1] = Command::Sync { cs: 0b11, msh: 0, msi_attr: 0, msi_data: 0, msi_addr: 0 }.encode();
    env.command(i0, i1).await;
    env.cycles(5).await;
    ensure!(env.read_reg(regs::GERROR).await & 1 == 1, "SMMU-CMD-9", "CMD_SYNC with CS=0b11 not ILLEGAL");
}

async fn cmd_sync_held_egress(env: Env, sc: Scenario, _: ChaCha8Rng) {
    // SMMU-CMD-9: with the PCIe egress held, a CMD_SYNC behind more CMD_PRI_RESPs than the egress
    // holds committed (EGRESS_SLOTS) cannot complete: some response is still in the software FIFO.
    // As many as fit without filling that FIFO, so the CMD_SYNC itself is taken.
    let p = super::params::of(&env);
    let n = p.sw_depth + p.egress_slots - 1;
    env.enable_priq(sc.queue_base, sc.log2size).await;
    env.agents.borrow_mut().rsp.hold(true);
    for k in 0..n as u16 {
        pri_resp(&env, Command::PriResp { stream_id: 4, ssv: false, substream_id: 0, prg_index: k, resp: 0b00 }).await;
    }
    let [s0, s1] = Command::Sync { cs: 0, msh: 0, msi_attr: 0, msi_data: 0, msi_addr: 0 }.encode();
    env.command(s0, s1).await;
    env.cycles(40).await;
    let done = |e: &Env| e.count(|t| matches!(t, Txn::SyncDone)) > 0;
    ensure!(
        !done(&env),
        "SMMU-CMD-9",
        "CMD_SYNC completed with {n} CMD_PRI_RESP responses unsent and the egress held (EGRESS_SLOTS={})",
        p.egress_slots
    );
    env.agents.borrow_mut().rsp.hold(false);
    wait_for(&env, "SMMU-CMD-9", "CMD_SYNC to complete once the egress moves", done).await;
    responses(&env, n, "SMMU-CMD-3").await;
    let prgis: Vec<u16> = env.responses().iter().map(|r| r.prgi).collect();
    ensure!(prgis == (0..n as u16).collect::<Vec<_>>(), "SMMU-CMD-6", "responses {prgis:?} not in command order");
}

async fn cmd_opcodes(env: Env, sc: Scenario, _: ChaCha8Rng) {
    env.enable_priq(sc.queue_base, sc.log2size).await;
    env.command(0x40, 0).await; // ATC_INV: defined, no effect here (OP-6)
    env.command(0x44, 0).await; // CMD_RESUME with no stall: no-op
    env.cycles(5).await;
    ensure!(env.read_reg(regs::GERROR).await == 0, "SMMU-CMD-1", "a defined no-op opcode raised CMDQ_ERR");
    env.command(0x7F, 0).await; // undefined
    env.cycles(5).await;
    ensure!(env.read_reg(regs::GERROR).await & 1 == 1, "SMMU-CMD-2", "undefined opcode 0x7F not ILLEGAL");
    ensure!(env.responses().is_empty(), "SMMU-CMD-1", "a non-PRI_RESP command sent a response");
}

async fn auto_order(env: Env, sc: Scenario, _: ChaCha8Rng) {
    // SMMU-PRIQ-12: automatic responses leave in the order of their messages, here interleaved
    // with a software response (DEC-12: automatic first when both wait, rtl/README.md).
    fill_and_overflow(&env, &sc).await;
    let msgs: Vec<PageRequest> = (0..4).map(|k| req(14, Some(k + 1), 60 + k as u16, true)).collect();
    env.send(&msgs);
    pri_resp(&env, Command::PriResp { stream_id: 15, ssv: false, substream_id: 0, prg_index: 99, resp: 0b10 }).await;
    responses(&env, 6, "SMMU-PRIQ-12").await;
    let autos: Vec<PrgResponse> = env.responses().into_iter().filter(|r| r.rid == 14).collect();
    let want: Vec<PrgResponse> = msgs.iter().map(success).collect();
    ensure!(autos == want, "SMMU-PRIQ-12", "automatic responses {autos:?} not in message order");
    ensure!(env.responses().iter().filter(|r| r.rid == 15).count() == 1, "SMMU-CMD-6", "software response lost among automatic ones");
}

async fn gerror_irq(env: Env, sc: Scenario, _: ChaCha8Rng) {
    // SMMU-CMD-11: each GERROR activation with GERROR_IRQEN=1 pulses the GERROR interrupt.
    let pulses = |env: &Env| env.count(|t| matches!(t, Txn::Irq { line: IrqLine::Gerror }));
    env.enable_priq(sc.queue_base, sc.log2size).await;
    env.command(0x7F, 0).await; // ILLEGAL with GERROR_IRQEN=0: no pulse
    env.cycles(5).await;
    ensure!(pulses(&env) == 0, "SMMU-CMD-11", "GERROR interrupt while GERROR_IRQEN=0");
    let gerror = env.read_reg(regs::GERROR).await;
    env.write_reg(regs::GERRORN, gerror).await;
    env.write_reg(regs::IRQ_CTRL, regs::IRQ_CTRL_GERROR_IRQEN as u64).await;
    env.wait_irq_ctrlack(regs::IRQ_CTRL_GERROR_IRQEN, "SMMU-CMD-11").await;
    env.command(0x7F, 0).await;
    env.cycles(5).await;
    ensure!(pulses(&env) == 1, "SMMU-CMD-11", "{} GERROR interrupts for one activation", pulses(&env));
    // No further activation, no further pulse (OP-17: one pulse per trigger).
    env.cycles(20).await;
    ensure!(pulses(&env) == 1, "SMMU-CMD-11", "GERROR interrupt without a new activation");
}

// ---- registers and interrupts ----------------------------------------------------------------------

async fn irq(env: Env, sc: Scenario, _: ChaCha8Rng) {
    let irqs = |env: &Env| env.count(|t| matches!(t, Txn::Irq { line: IrqLine::Priq }));
    env.enable_priq(sc.queue_base, sc.log2size).await;
    env.send_all(&[req(12, None, 1, true)]).await;
    acked(&env, 1).await;
    env.cycles(5).await;
    ensure!(irqs(&env) == 0, "SMMU-PRIQ-13", "interrupt with PRIQ_IRQEN=0");
    env.write_reg(regs::IRQ_CTRL, regs::IRQ_CTRL_PRIQ_IRQEN as u64).await;
    env.wait_irq_ctrlack(regs::IRQ_CTRL_PRIQ_IRQEN, "SMMU-PRIQ-13").await;
    // LO=0: the queue is not empty, so a second entry is no trigger; emptying it then writing is.
    env.send_all(&[req(12, None, 2, true)]).await;
    acked(&env, 2).await;
    env.cycles(5).await;
    ensure!(irqs(&env) == 0, "SMMU-PRIQ-13", "LO=0 interrupt for an entry into a non-empty queue");
    env.write_reg(regs::PRIQ_CONS, 2).await;
    env.send_all(&[req(12, None, 3, true)]).await;
    acked(&env, 3).await;
    env.cycles(5).await;
    ensure!(irqs(&env) == 1, "SMMU-PRIQ-13", "LO=0: {} interrupts for one entry into an empty queue", irqs(&env));
    // LO=1: one per L=1 written, none for L=0. CFG2 is writable only with PRIQ_IRQEN=0.
    env.write_reg(regs::IRQ_CTRL, 0).await;
    env.wait_irq_ctrlack(0, "SMMU-PRIQ-13").await;
    env.write_reg(regs::PRIQ_IRQ_CFG2, 1 << 31).await;
    env.write_reg(regs::IRQ_CTRL, regs::IRQ_CTRL_PRIQ_IRQEN as u64).await;
    env.wait_irq_ctrlack(regs::IRQ_CTRL_PRIQ_IRQEN, "SMMU-PRIQ-13").await;
    env.send_all(&[req(12, None, 4, false), req(12, None, 4, true)]).await;
    acked(&env, 5).await;
    env.cycles(5).await;
    ensure!(irqs(&env) == 2, "SMMU-PRIQ-13", "LO=1: {} interrupts in all, expected 2", irqs(&env));
}

async fn id_registers(env: Env, _sc: Scenario, _: ChaCha8Rng) {
    // OP-21 build parameters as the ID registers report them; n = min(LOG2SIZE, IDR1.PRIQS).
    let idr0 = env.read_reg(regs::IDR0).await as u32;
    let idr1 = env.read_reg(regs::IDR1).await as u32;
    let idr3 = env.read_reg(regs::IDR3).await as u32;
    let idr5 = env.read_reg(regs::IDR5).await as u32;
    ensure!(idr0 & regs::IDR0_PRI != 0 && idr0 >> 24 & 3 == 0, "SMMU-PRIQ-1", "IDR0 {idr0:#x}: PRI=1 and STALL_MODEL=0b00 expected");
    let priqs = super::params::of(&env).priqs;
    ensure!(idr1 >> regs::IDR1_PRIQS_SHIFT & 0x1F == priqs, "SMMU-PRIQ-1", "IDR1 {idr1:#x}: PRIQS {priqs} expected (the build parameter)");
    ensure!(idr1 >> regs::IDR1_SSIDSIZE_SHIFT & 0x1F == regs::SSIDSIZE, "SMMU-PRIQ-1", "IDR1 {idr1:#x}: SSIDSIZE 20 expected");
    ensure!(idr3 & regs::IDR3_PPS != 0, "DEC-3", "IDR3 {idr3:#x}: PPS=1 expected");
    let p = super::params::of(&env);
    ensure!(idr1 >> regs::IDR1_EVENTQS_SHIFT & 0x1F == p.eventqs, "SMMU-EVTQ-1", "IDR1 {idr1:#x}: EVENTQS {} expected", p.eventqs);
    ensure!(idr5 == regs::idr5(p.stall_max), "SMMU-EVTQ-8", "IDR5 {idr5:#x}: STALL_MAX {} and nothing else expected", p.stall_max);
    env.write_reg(0x00F0, 0xFFFF_FFFF).await;
    ensure!(env.read_reg(0x00F0).await == 0, "SMMU-PRIQ-14", "an unmapped offset kept a write");
}

async fn irq_lo1_overflow(env: Env, sc: Scenario, _: ChaCha8Rng) {
    // SMMU-PRIQ-13 with LO=1: an L=1 message discarded in rows b/c is a trigger too; with
    // PRIQ_IRQEN=0 triggers never pulse.
    let irqs = |env: &Env| env.count(|t| matches!(t, Txn::Irq { line: IrqLine::Priq }));
    env.write_reg(regs::PRIQ_IRQ_CFG2, regs::IRQ_CFG2_LO as u64).await;
    fill_and_overflow(&env, &sc).await; // two L=1 written, one discarded (row c): all masked
    env.cycles(5).await;
    ensure!(irqs(&env) == 0, "SMMU-PRIQ-13", "interrupt while PRIQ_IRQEN=0");
    env.write_reg(regs::IRQ_CTRL, regs::IRQ_CTRL_PRIQ_IRQEN as u64).await;
    env.wait_irq_ctrlack(regs::IRQ_CTRL_PRIQ_IRQEN, "SMMU-PRIQ-13").await;
    env.send_all(&[req(16, None, 70, false), req(16, None, 71, true), req(16, None, 72, true)]).await; // row b
    responses(&env, 3, "SMMU-PRIQ-6").await;
    env.cycles(5).await;
    ensure!(irqs(&env) == 2, "SMMU-PRIQ-13", "LO=1: {} interrupts for two discarded L=1 requests, expected 2", irqs(&env));
}

async fn write_gating(env: Env, sc: Scenario, _: ChaCha8Rng) {
    env.enable_priq(sc.queue_base, sc.log2size).await;
    env.write_reg(regs::PRIQ_BASE, 0x4000_0000 | 2).await;
    env.write_reg(regs::PRIQ_PROD, 5).await;
    let base = env.read_reg(regs::PRIQ_BASE).await;
    let prod = env.read_reg(regs::PRIQ_PROD).await;
    ensure!(base == sc.queue_base | sc.log2size as u64, "SMMU-PRIQ-14", "PRIQ_BASE write while enabled took effect: {base:#x}");
    ensure!(prod == 0, "SMMU-PRIQ-14", "PRIQ_PROD write while enabled took effect: {prod:#x}");
    env.write_reg(regs::PRIQ_CONS, 3).await;
    ensure!(env.read_reg(regs::PRIQ_CONS).await == 3, "SMMU-PRIQ-14", "PRIQ_CONS not writable while enabled");
}

async fn cr0ack_hold(env: Env, sc: Scenario, _: ChaCha8Rng) {
    // Slow memory: disable PRIQEN while an entry write waits for its acknowledgement; CR0ACK.PRIQEN
    // must stay 1 until PROD is final (SMMU-PRIQ-15).
    env.enable_priq(sc.queue_base, sc.log2size).await;
    env.send_all(&[req(13, None, 1, true)]).await;
    wait_for(&env, "SMMU-PRIQ-3", "the entry write", |e| !e.queue_writes().is_empty()).await;
    env.write_reg(regs::CR0, regs::CR0_SMMUEN as u64).await;
    env.cycles(8).await;
    let ack = env.read_reg(regs::CR0ACK).await as u32;
    // The scenario's 30-cycle acknowledgement keeps the write outstanding across this read.
    let acks = env.count(|t| matches!(t, Txn::MemAck { .. }));
    ensure!(acks == 0, "SMMU-PRIQ-15", "test set-up: the entry write was acknowledged before CR0ACK could be read");
    ensure!(ack & regs::CR0_PRIQEN != 0, "SMMU-PRIQ-15", "CR0ACK.PRIQEN fell while an entry write was outstanding");
    env.wait_cr0ack(regs::CR0_SMMUEN).await;
    let prod = env.read_reg(regs::PRIQ_PROD).await;
    ensure!(prod == 1, "SMMU-PRIQ-15", "PROD {prod:#x} not final when CR0ACK.PRIQEN fell");
}

// ---- register negative space (writes that must do nothing, reads at the edges) -----------------

/// Read `addr` and require exactly `want` (every bit: reserved bits read 0).
async fn reads(env: &Env, addr: u32, want: u64, rule: &str, what: &str) {
    let got = env.read_reg(addr).await;
    ensure!(got == want, rule, "{what}: register {addr:#x} reads {got:#x}, expected {want:#x}");
}

/// Offsets next to the implemented registers that must read 0 and ignore writes: the upper
/// dword of PRIQ_BASE, the Page-0 aliases of PROD/CONS (OP-8), PRIQ_IRQ_CFG0/1 (OP-7), CR1,
/// the dwords around PROD/CONS on Page 1, CR0 on Page 1, and the last dword of the space.
/// Unaligned offsets inside CR0 and PRIQ_CONS are not CR0 and PRIQ_CONS.
const UNMAPPED: [u32; 13] =
    [0x000C4, 0x000C8, 0x000CC, 0x000D0, 0x000D8, 0x00028, 0x0001C, 0x100C4, 0x100D0, 0x10020, 0xFFFFC, 0x00021, 0x100CE];

async fn register_negative_space(env: Env, sc: Scenario, _: ChaCha8Rng) {
    let ones = u64::MAX;
    // Stored bits only (OP-19: 48-bit BASE.ADDR; PROD/CONS [19:0] and the flag [31]); all of
    // them written to 1 and back to 0 while PRIQEN=0 and PRIQ_IRQEN=0 (SMMU-PRIQ-14).
    for (addr, stored) in [
        (regs::PRIQ_BASE, regs::BASE_STORED_MASK),
        (regs::PRIQ_PROD, 0x800F_FFFF),
        (regs::PRIQ_CONS, 0x800F_FFFF),
        (regs::PRIQ_IRQ_CFG2, regs::IRQ_CFG2_LO as u64),
    ] {
        env.write_reg(addr, ones).await;
        reads(&env, addr, stored, "SMMU-PRIQ-14", "all-ones written").await;
        // Writes next to it: the wrong dword, aliases and unimplemented offsets change nothing.
        for off in UNMAPPED {
            env.write_reg(off, 0).await;
        }
        reads(&env, addr, stored, "SMMU-PRIQ-14", "after writes of 0 to the offsets around it").await;
        env.write_reg(addr, 0).await;
        reads(&env, addr, 0, "SMMU-PRIQ-14", "0 written").await;
    }
    for off in UNMAPPED {
        env.write_reg(off, ones).await;
        reads(&env, off, 0, "SMMU-PRIQ-14", "unimplemented offset (reads 0, ignores writes)").await;
    }
    for addr in [regs::PRIQ_BASE, regs::PRIQ_PROD, regs::PRIQ_CONS, regs::PRIQ_IRQ_CFG2] {
        reads(&env, addr, 0, "SMMU-PRIQ-14", "after all-ones writes to the offsets around it").await;
    }
    // Reserved bits of the control registers are ignored: nothing is enabled, no error is
    // activated (GERRORN keeps [0] and [3] only).
    env.write_reg(regs::CR0, ones & !(regs::CR0_MASK as u64)).await;
    env.write_reg(regs::IRQ_CTRL, ones & !(regs::IRQ_CTRL_MASK as u64)).await;
    env.write_reg(regs::GERRORN, ones & !(regs::GERRORN_MASK as u64)).await;
    env.cycles(8).await;
    for (addr, rule) in [
        (regs::CR0, "SMMU-PRIQ-15"),
        (regs::CR0ACK, "SMMU-PRIQ-15"),
        (regs::IRQ_CTRL, "SMMU-PRIQ-13"),
        (regs::IRQ_CTRLACK, "SMMU-PRIQ-13"),
        (regs::GERRORN, "SMMU-CMD-2"),
        (regs::GERROR, "SMMU-CMD-2"),
    ] {
        reads(&env, addr, 0, rule, "reserved bits written to 1").await;
    }
    // EVENTQEN, CMDQEN and EVENTQ_IRQEN are stored and acknowledged; with no event input they
    // change nothing here.
    let cr0 = regs::CR0_EVENTQEN | regs::CR0_CMDQEN;
    env.write_reg(regs::CR0, cr0 as u64).await;
    env.wait_cr0ack(cr0).await;
    env.write_reg(regs::IRQ_CTRL, regs::IRQ_CTRL_EVENTQ_IRQEN as u64).await;
    env.wait_irq_ctrlack(regs::IRQ_CTRL_EVENTQ_IRQEN, "SMMU-PRIQ-13").await;
    env.write_reg(regs::CR0, 0).await;
    env.write_reg(regs::IRQ_CTRL, 0).await;
    env.wait_cr0ack(0).await;
    env.wait_irq_ctrlack(0, "SMMU-PRIQ-13").await;
    // Read-only registers ignore writes.
    let ro = [regs::IDR0, regs::IDR1, regs::IDR3, regs::IDR5, regs::CR0ACK, regs::IRQ_CTRLACK, regs::GERROR, regs::CMDQ_CONS];
    let mut before = Vec::new();
    for addr in ro {
        before.push(env.read_reg(addr).await);
        env.write_reg(addr, ones).await;
    }
    for (addr, want) in ro.into_iter().zip(before) {
        reads(&env, addr, want, "SMMU-PRIQ-1", "read-only register written").await;
    }
    // The queue still works from a clean state: nothing above leaked into it.
    env.enable_priq(sc.queue_base, sc.log2size).await;
    env.send_all(&[req(0x0100, None, 1, true)]).await;
    acked(&env, 1).await;
    reads(&env, regs::PRIQ_PROD, 1, "SMMU-PRIQ-3", "one entry written").await;
    ensure!(env.responses().is_empty(), "SMMU-PRIQ-10", "a queued request was answered by hardware");
}

async fn irq_sources_alone(env: Env, sc: Scenario, _: ChaCha8Rng) {
    // Each interrupt enable gates its own line only (SMMU-PRIQ-13, SMMU-CMD-11).
    let count = |env: &Env, line: IrqLine| env.count(|t| matches!(t, Txn::Irq { line: l } if *l == line));
    env.enable_priq(sc.queue_base, sc.log2size).await;
    // GERROR_IRQEN alone: an entry into the empty queue (a PRIQ trigger) pulses nothing...
    env.write_reg(regs::IRQ_CTRL, regs::IRQ_CTRL_GERROR_IRQEN as u64).await;
    env.wait_irq_ctrlack(regs::IRQ_CTRL_GERROR_IRQEN, "SMMU-CMD-11").await;
    env.send_all(&[req(0x0100, None, 1, true)]).await;
    acked(&env, 1).await;
    env.cycles(5).await;
    ensure!(count(&env, IrqLine::Priq) == 0, "SMMU-PRIQ-13", "PRIQ interrupt with only GERROR_IRQEN set");
    // ...and a CMDQ_ERR activation pulses the GERROR line once.
    env.command(0x7F, 0).await;
    env.cycles(5).await;
    ensure!(count(&env, IrqLine::Gerror) == 1, "SMMU-CMD-11", "{} GERROR interrupts for one CMDQ_ERR", count(&env, IrqLine::Gerror));
    let gerror = env.read_reg(regs::GERROR).await;
    env.write_reg(regs::GERRORN, gerror).await;
    // PRIQ_IRQEN alone: a CMDQ_ERR activation pulses nothing; an entry into the empty queue pulses
    // the PRIQ line once.
    env.write_reg(regs::IRQ_CTRL, regs::IRQ_CTRL_PRIQ_IRQEN as u64).await;
    env.wait_irq_ctrlack(regs::IRQ_CTRL_PRIQ_IRQEN, "SMMU-PRIQ-13").await;
    env.command(0x7F, 0).await;
    env.cycles(5).await;
    ensure!(count(&env, IrqLine::Gerror) == 1, "SMMU-CMD-11", "GERROR interrupt with only PRIQ_IRQEN set");
    env.write_reg(regs::PRIQ_CONS, 1).await;
    env.send_all(&[req(0x0100, None, 2, true)]).await;
    acked(&env, 2).await;
    env.cycles(5).await;
    ensure!(
        count(&env, IrqLine::Priq) == 1,
        "SMMU-PRIQ-13",
        "{} PRIQ interrupts for one entry into the empty queue",
        count(&env, IrqLine::Priq)
    );
}

/// Queue bases that between them set and clear every stored BASE.ADDR bit (OP-19: 48 bits), the
/// top page of the address space first.
const BASE_PATTERNS: [u64; 4] = [0xFFFF_FFFF_F000, 0x0000_0000_1000, 0xAAAA_AAAA_A000, 0x5555_5555_5000];

async fn queue_base_bits(env: Env, _sc: Scenario, _: ChaCha8Rng) {
    // Entries land at base + 16k whatever the base (SMMU-PRIQ-1), and carry every field bit
    // set, then clear (SMMU-PRIQ-4); a requester with every RID bit set, then clear.
    // LOG2SIZEs whose changes set and clear the index and wrap masks' bits that the other
    // tests leave constant.
    let mut written = 0;
    for (k, log2size) in [7u32, 3, 6, 5, 3].into_iter().enumerate() {
        let base = BASE_PATTERNS[k % BASE_PATTERNS.len()];
        env.write_reg(regs::CR0, 0).await;
        env.wait_cr0ack(0).await;
        env.enable_priq(base, log2size).await;
        let msgs = [every_bit_request(0xFFFF, 0x1FF), req(0, None, 0, false)];
        env.send_all(&msgs).await;
        written += msgs.len();
        acked(&env, written).await;
        for (j, (addr, m)) in entries(&env)[written - msgs.len()..].iter().enumerate() {
            ensure!(*addr == base + 16 * j as u64, "SMMU-PRIQ-1", "base {k} ({base:#x}): entry {j} at {addr:#x}");
            ensure!(*m == msgs[j], "SMMU-PRIQ-4", "base {base:#x}: entry {j} decodes to {m:?}, sent {:?}", msgs[j]);
        }
    }
}

async fn cmd_noop_bits(env: Env, sc: Scenario, _: ChaCha8Rng) {
    // OP-6: the defined commands this block does not implement have no effect whatever their
    // other bits (RES0 bits are ignored); every bit of both words set, then clear.
    env.enable_priq(sc.queue_base, sc.log2size).await;
    for op in [0x01u64, 0x40, 0x45] {
        env.command(!0xFF | op, u64::MAX).await;
        env.command(op, 0).await;
    }
    env.cycles(10).await;
    reads(&env, regs::GERROR, 0, "SMMU-CMD-2", "no-op commands with every other bit set").await;
    ensure!(env.responses().is_empty(), "SMMU-CMD-3", "a no-op command sent a response");
    ensure!(env.count(|t| matches!(t, Txn::SyncDone)) == 0, "SMMU-CMD-9", "a no-op command completed a CMD_SYNC");
}

// ---- random --------------------------------------------------------------------------------------

fn random_scenario(seed: u64) -> Scenario {
    use rand::SeedableRng;
    let mut r = ChaCha8Rng::seed_from_u64(seed);
    // Requesters anywhere in the RID space (distinct: they differ in bits [15:13]).
    let first: u16 = r.gen();
    let rids: Vec<u16> = (0..r.gen_range(1..=3)).map(|k| first.wrapping_add(k * 0x2001)).collect();
    let pasids: Vec<u32> = (0..r.gen_range(1..=4)).map(|_| if r.gen_range(0..4) == 0 { 0 } else { r.gen_range(1..1 << 20) }).collect();
    Scenario {
        flavor: super::Smmuv3.name().into(),
        test: "random".into(),
        seed,
        config: crate::config::DEFAULT.into(),
        queue_base: 0x1_0000_0000 + (r.gen_range(0u64..0x1000) << 12),
        log2size: r.gen_range(1..=4),
        // About one seed in eight sees rare write errors (OP-5, SMMU-PRIQ-16): from then on every
        // L=1 request gets Response Failure and the functions stop (PRI-19).
        memory: MemoryBehaviour {
            ready_odds: r.gen_range(64..=255),
            ack_latency: (1, r.gen_range(1..=8)),
            error_odds: if r.gen_range(0..8) == 0 { r.gen_range(20..=200) } else { 0 },
        },
        rsp_ready_odds: r.gen_range(64..=255),
        traffic: Some(TrafficPlan {
            rids,
            pasids,
            allocation: r.gen_range(2..=16),
            max_prg_len: r.gen_range(1..=4),
            prgs: r.gen_range(100..=600),
            stop_odds: r.gen_range(0..=12),
            prgi_shared_across_pasids: false,
            faults: Default::default(),
            send_odds: r.gen_range(32..=255),
        }),
        host: HostPolicy {
            consume: true,
            poll_cycles: r.gen_range(8..=128),
            invalid_odds: r.gen_range(0..=64),
            ack_overflow: true,
            sw: Default::default(),
        },
        max_cycles: 200_000,
        program: None,
    }
}

async fn random(env: Env, sc: Scenario, mut rng: ChaCha8Rng) {
    let stats = Rc::new(RefCell::new(Smmuv3HostState::default()));
    env.enable_priq(sc.queue_base, sc.log2size).await;
    env.sim.start_soon(priq_thread(env.clone(), sc.host, rng.next_u64(), stats));
    env.start_traffic();
    env.wait_traffic_done().await;
    env.settle(100).await;
    let a = env.agents.borrow();
    let closed = a.pcie.tally.closed;
    ensure!(a.pcie.functions.iter().all(|f| !f.uprgi()), "PRI-20", "a response matched no outstanding PRG");
    let stopped = a.pcie.functions.iter().filter(|f| f.rf()).count();
    ensure!(closed > 0 || stopped > 0, "PRI-16", "random traffic closed no PRG");
}

fn soak_scenario(seed: u64) -> Scenario {
    Scenario {
        log2size: 4,
        traffic: Some(TrafficPlan {
            rids: vec![0x0100, 0x0108],
            pasids: vec![1, 2, 0],
            allocation: 16,
            max_prg_len: 3,
            prgs: u32::MAX,
            stop_odds: 2,
            prgi_shared_across_pasids: false,
            faults: Default::default(),
            send_odds: 255,
        }),
        host: HostPolicy { consume: true, poll_cycles: 32, ..HostPolicy::default() },
        max_cycles: 100_000,
        ..directed("soak", seed)
    }
}

/// The SMMUv3 host side of the shared classes: the PRIQ enabled, the PRIQ thread (HOST-16).
pub struct Smmuv3Host;

impl HostSide for Smmuv3Host {
    type State = Smmuv3HostState;
    async fn start(env: &Env, sc: &Scenario, seed: u64) -> Rc<RefCell<Smmuv3HostState>> {
        let stats = Rc::new(RefCell::new(Smmuv3HostState::default()));
        env.enable_priq(sc.queue_base, sc.log2size).await;
        env.sim.start_soon(priq_thread(env.clone(), sc.host, seed, stats.clone()));
        stats
    }
    fn groups_answered(state: &Smmuv3HostState) -> u64 {
        state.groups_answered()
    }
    fn events(state: &Smmuv3HostState) -> &[models::host::HostEvent] {
        &state.events
    }
}

/// Every registered SMMUv3 test.
pub fn registry() -> &'static [TestDef] {
    static REGISTRY: std::sync::OnceLock<Vec<TestDef>> = std::sync::OnceLock::new();
    REGISTRY.get_or_init(|| {
        vec![
            TestDef { needs: QUEUE_OF_8, ..directed!("basic_write", basic_write, ["SMMU-PRIQ-1", "SMMU-PRIQ-3", "SMMU-PRIQ-4", "SMMU-PRIQ-10"]) },
            directed!("wrap_sizes", wrap_sizes, ["SMMU-PRIQ-1", "SMMU-PRIQ-2"]),
            TestDef { needs: QUEUE_OF_8, ..directed!("mem_backpressure", mem_backpressure, ["SMMU-PRIQ-3", "SMMU-PRIQ-4"], |s| Scenario {
                memory: MemoryBehaviour { ready_odds: 40, ack_latency: (1, 25), error_odds: 0 },
                rsp_ready_odds: 100,
                ..directed("mem_backpressure", s)
            }) },
            directed!("mem_write_error", mem_write_error, ["SMMU-PRIQ-16", "SMMU-PRIQ-5", "DEC-2", "SMMU-CMD-11"], |s| Scenario {
                memory: MemoryBehaviour { error_odds: u16::MAX, ..MemoryBehaviour::default() },
                ..directed("mem_write_error", s)
            }),
            TestDef { needs: QUEUE_OF_2, ..directed!("overflow_at_full", overflow_at_full, ["SMMU-PRIQ-7", "DEC-3"]) },
            TestDef { needs: QUEUE_OF_2, ..directed!("overflow_inhibits", overflow_inhibits, ["SMMU-PRIQ-8", "SMMU-PRIQ-6", "SMMU-PRIQ-9"]) },
            directed!("overflow_partial_group", overflow_partial_group, ["SMMU-PRIQ-6", "SMMU-PRIQ-7"]),
            TestDef { needs: QUEUE_OF_2, ..directed!("overflow_silent", overflow_silent, ["SMMU-PRIQ-6", "SMMU-PRIQ-11", "PRI-17"]) },
            directed!("pasidless_last", pasidless_last, ["DEC-1", "PRI-3"]),
            directed!("stop_marker_queued", stop_marker_queued, ["SMMU-PRIQ-11", "PRI-2", "PRI-17"]),
            directed!("disabled_auto_rf", disabled_auto_rf, ["SMMU-PRIQ-5", "DEC-2"]),
            TestDef { needs: QUEUE_OF_8, ..directed!("linux_cons_keeps_overflow", linux_cons_keeps_overflow, ["SMMU-PRIQ-9", "HOST-16"]) },
            TestDef { needs: QUEUE_OF_8, ..directed!("ack_then_resume", ack_then_resume, ["SMMU-PRIQ-9", "HOST-16", "HOST-8", "HOST-18"]) },
            directed!("cmd_pri_resp_codes", cmd_pri_resp_codes, ["SMMU-CMD-3", "SMMU-CMD-6"]),
            directed!("cmd_resp3_illegal", cmd_resp3_illegal, ["SMMU-CMD-4", "SMMU-CMD-2", "DEC-4"]),
            directed!("cmd_smmuen0_ignored", cmd_smmuen0_ignored, ["SMMU-CMD-5"]),
            directed!("cmd_sync", cmd_sync, ["SMMU-CMD-9", "SMMU-CMD-10"]),
            // Needs two software-FIFO slots: with one, no CMD_SYNC can wait behind more responses
            // than the egress holds.
            TestDef { needs: &[("SW_DEPTH", 2..=64)], ..directed!("cmd_sync_held_egress", cmd_sync_held_egress, ["SMMU-CMD-9", "SMMU-CMD-6"]) },
            directed!("cmd_opcodes", cmd_opcodes, ["SMMU-CMD-1", "SMMU-CMD-2"]),
            TestDef { needs: QUEUE_OF_8, ..directed!("auto_order", auto_order, ["SMMU-PRIQ-12", "DEC-12", "SMMU-CMD-6"]) },
            directed!("gerror_irq", gerror_irq, ["SMMU-CMD-11"]),
            TestDef { needs: QUEUE_OF_8, ..directed!("irq", irq, ["SMMU-PRIQ-13"]) },
            directed!("id_registers", id_registers, ["SMMU-PRIQ-1", "DEC-3", "SMMU-PRIQ-14"]),
            directed!("irq_lo1_overflow", irq_lo1_overflow, ["SMMU-PRIQ-13"]),
            directed!("write_gating", write_gating, ["SMMU-PRIQ-14"]),
            directed!("register_negative_space", register_negative_space, ["SMMU-PRIQ-14", "SMMU-PRIQ-1", "OP-7", "OP-8", "OP-19"]),
            directed!("irq_sources_alone", irq_sources_alone, ["SMMU-PRIQ-13", "SMMU-CMD-11"]),
            TestDef { needs: QUEUE_OF_2, ..directed!("queue_base_bits", queue_base_bits, ["SMMU-PRIQ-1", "SMMU-PRIQ-4", "OP-19"]) },
            directed!("cmd_noop_bits", cmd_noop_bits, ["OP-6", "SMMU-CMD-2"]),
            directed!("cr0ack_hold", cr0ack_hold, ["SMMU-PRIQ-15"], |s| Scenario {
                memory: MemoryBehaviour { ready_odds: 255, ack_latency: (30, 30), error_odds: 0 },
                ..directed("cr0ack_hold", s)
            }),
            seeded!("stop_pasid_a", stop_pasid_a, ["PRI-24", "PRI-25", "PRI-29", "PRI-30", "HOST-19", "HOST-27"], pri::stop_a_scenario),
            seeded!("stop_pasid_b", stop_pasid_b, ["PRI-24", "PRI-26", "PRI-28", "PRI-30", "HOST-18", "HOST-27"], pri::stop_b_scenario),
            seeded!("overflow_mid_groups", overflow_mid_groups, ["SMMU-PRIQ-7", "HOST-8", "PRI-10", "PRI-16"], pri::overflow_groups_scenario),
            directed!("response_failure_reset", response_failure_reset, ["PRI-19", "PRI-21", "HOST-17"], pri::rf_scenario),
            negative!("bogus_response_uprgi", bogus_response_uprgi, ["PRI-16", "PRI-20"], |s| pri::scenario("bogus_response_uprgi", s), expect "PRI-16"),
            negative!("device_credit_overrun", device_credit_overrun, ["PRI-11"], pri::credit_overrun_scenario, expect "PRI-11"),
            TestDef { needs: QUEUE_OF_8, ..directed!("grpid_hazard", grpid_hazard::<Smmuv3Host>, ["HOST-3", "HOST-4", "PRI-9", "DEC-11"], pri::hazard_scenario) },
            directed!("soak", soak::<Smmuv3Host>, ["SMMU-PRIQ-3", "SMMU-PRIQ-9", "HOST-16"], soak_scenario),
            TestDef { needs: QUEUE_OF_8, ..seeded!("iommufd", hp::iommufd::<Smmuv3Host>, ["HOST-5", "HOST-6", "HOST-7", "HOST-11", "HOST-12", "HOST-13", "HOST-14", "HOST-32", "PRI-16"], |s| hp::iommufd_scenario(directed("iommufd", s), HP_RIDS)) },
            TestDef { needs: QUEUE_OF_8, ..directed!("iommufd_detach", hp::iommufd_detach::<Smmuv3Host>, ["HOST-11", "HOST-13", "HOST-14"], |s| hp::detach_scenario(directed("iommufd_detach", s), HP_RIDS)) },
            TestDef { needs: QUEUE_OF_8, ..seeded!("paging", hp::paging::<Smmuv3Host>, ["HOST-5", "HOST-10", "HOST-11", "HOST-29", "HOST-30", "HOST-31"], |s| hp::paging_scenario::<Smmuv3Host>(directed("paging", s), HP_RIDS)) },
            TestDef { needs: QUEUE_OF_8, ..seeded!("provisioned", hp::provisioned::<Smmuv3Host>, ["HOST-11", "HOST-29", "HOST-30", "HOST-31"], |s| hp::provisioned_scenario::<Smmuv3Host>(directed("provisioned", s), HP_RIDS)) },
            directed!("fuzz", super::fuzz::fuzz, [], |s| Scenario {
                program: Some(crate::fuzz::Program::example()),
                max_cycles: crate::fuzz::strategy::MAX_CYCLES,
                ..directed("fuzz", s)
            }),
            seeded!(
                "evtq_random",
                super::evtq_random::random,
                ["SMMU-EVTQ-3", "SMMU-EVTQ-4", "SMMU-EVTQ-5", "SMMU-EVTQ-6", "SMMU-EVTQ-8", "SMMU-EVTQ-10", "SMMU-EVTQ-11", "SMMU-CMD-7", "SMMU-CMD-8", "HOST-16", "HOST-20", "HOST-21"],
                |s| super::evtq_random::scenario(s, false)
            ),
            // Five records into an 8-entry queue, three stalls of one StreamID outstanding at once.
            TestDef {
                needs: &[("EVENTQS", 3..=19), ("STALL_MAX", 3..=16)],
                ..directed!("evtq_host_stalls", super::evtq_random::host_stalls, ["HOST-20", "HOST-21"], super::evtq_random::host_stalls_scenario)
            },
            directed!("evtq_soak", super::evtq_random::soak, ["SMMU-EVTQ-1", "SMMU-EVTQ-3", "SMMU-EVTQ-6", "SMMU-EVTQ-8", "SMMU-CMD-7", "HOST-16", "HOST-20", "HOST-21"], |s| super::evtq_random::scenario(s, true)),
            seeded!("random", random, ["SMMU-PRIQ-3", "SMMU-PRIQ-6", "SMMU-PRIQ-7", "SMMU-PRIQ-9", "PRI-16", "HOST-16"], random_scenario),
        ]
        .into_iter()
        .chain(super::evtq_tests::tests())
        .collect()
    })
}
