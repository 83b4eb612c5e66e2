//! Directed tests of the SMMUv3 event queue (rtl/README.md "SMMUv3 event queue"): record writes
//! and interrupts, overflow without inhibition, held stall records, CMD_RESUME and
//! CMD_STALL_TERM, STALL_MAX back-pressure, disabling mid-traffic, write errors, CMD_SYNC, and
//! the event queue beside the PRIQ. Every run is also judged by the lockstep scoreboard; the
//! assertions here check the architectural outcome each rule promises.

use super::env::Smmuv3Sequences;
use super::tests::directed;
use crate::agents::memory::MemoryBehaviour;
use crate::env::Env;
use crate::registry::TestDef;
use crate::scenario::Scenario;
use crate::seq::{req, responses, wait_for};
use crate::txn::{IrqLine, Txn};
use models::pcie::RespCode;
use models::ring::FLAG_BIT;
use models::smmuv3::cmd::Command;
use models::smmuv3::event::{EventInput, EventRecord};
use models::smmuv3::evtq_arch::StallAction;
use models::smmuv3::regs;
use rand_chacha::ChaCha8Rng;
use std::ops::RangeInclusive;

const EV_BASE: u64 = 0x9000_0000;

/// Needs: an event queue of at least 2^k records (IDR1.EVENTQS must not cap it smaller,
/// SMMU-EVTQ-1), and at least k stall slots (IDR5.STALL_MAX).
const EVTQ_OF_4: &[(&str, RangeInclusive<u32>)] = &[("EVENTQS", 2..=19)];
const EVTQ_OF_2: &[(&str, RangeInclusive<u32>)] = &[("EVENTQS", 1..=19)];
const EVTQ_OF_8_STALLS_3: &[(&str, RangeInclusive<u32>)] = &[("EVENTQS", 3..=19), ("STALL_MAX", 3..=16)];
const EVTQ_OF_32: &[(&str, RangeInclusive<u32>)] = &[("EVENTQS", 5..=19)];
/// The PRIQ tests' 8-entry queue beside an 8-record event queue and three stall slots.
const BOTH_QUEUES: &[(&str, RangeInclusive<u32>)] = &[("PRIQS", 3..=19), ("EVENTQS", 3..=19), ("STALL_MAX", 3..=16)];

/// A translation fault of `sid` (stall-capable ID 0x10..0x13 when `stall`).
fn fault(id: u8, sid: u32, stall: bool) -> EventInput {
    EventInput { id, sid, stall, rnw: true, class: 0b10, iaddr: 0xF000_0000 + 0x1000 * u64::from(id), ..Default::default() }
}

/// Event-record writes so far: (address, decoded record).
fn records(env: &Env) -> Vec<(u64, EventRecord)> {
    env.agents
        .borrow()
        .log
        .iter()
        .filter_map(|s| match s.txn {
            Txn::EventWrite { addr, data } => Some((addr, EventRecord::decode(data))),
            _ => None,
        })
        .collect()
}

fn count(env: &Env, f: impl Fn(&Txn) -> bool) -> usize {
    env.count(f)
}

/// Wait until `n` event-record writes have been acknowledged (with or without error).
async fn ev_acked(env: &Env, n: usize, rule: &str) {
    wait_for(env, rule, &format!("{n} acknowledged event-record writes"), |e| count(e, |t| matches!(t, Txn::EventAck { .. })) >= n).await
}

/// Wait until `n` records were accepted at the event input.
async fn ev_accepted(env: &Env, n: usize, rule: &str) {
    wait_for(env, rule, &format!("{n} accepted event records"), |e| count(e, |t| matches!(t, Txn::EventAccepted { .. })) >= n).await
}

/// Resolutions taken on `sr_*` so far: (StreamID, STAG, action).
fn resolutions(env: &Env) -> Vec<(u32, u16, u8)> {
    env.agents.borrow().stalls.taken.iter().map(|&(_, sid, stag, action)| (sid, stag, action)).collect()
}

async fn wait_resolutions(env: &Env, n: usize, rule: &str) {
    wait_for(env, rule, &format!("{n} stall resolutions"), |e| e.agents.borrow().stalls.taken.len() >= n).await
}

async fn cmd(env: &Env, c: Command) {
    let [dw0, dw1] = c.encode();
    env.command(dw0, dw1).await;
}

/// Decisions take a few cycles: long enough for any record in flight to be decided and written.
async fn quiet(env: &Env) {
    env.cycles(40).await;
}

// ---- writes and interrupts ----------------------------------------------------------------------

async fn evtq_basic_write(env: Env, _: Scenario, _: ChaCha8Rng) {
    env.write_reg(regs::IRQ_CTRL, regs::IRQ_CTRL_EVENTQ_IRQEN as u64).await;
    env.wait_irq_ctrlack(regs::IRQ_CTRL_EVENTQ_IRQEN, "SMMU-EVTQ-9").await;
    env.enable_evtq(EV_BASE, 2).await;
    let every = EventInput {
        id: 0x13,
        sid: 0xFFFF_FFFF,
        ssv: true,
        ssid: 0xF_FFFF,
        stall: true,
        pnu: true,
        ind: true,
        rnw: true,
        s2: true,
        class: 3,
        ttrnw: true,
        iaddr: u64::MAX,
        addr2: (1 << 53) - 1,
    };
    let sent = [
        fault(0x10, 0x100, false),
        every,
        EventInput { id: 0x08, sid: 5, ssv: false, ssid: 0x1234, ind: true, rnw: false, ..Default::default() },
        EventInput { id: 0x02, sid: 6, stall: true, ..Default::default() },
    ];
    env.send_events(&sent);
    ev_acked(&env, 4, "SMMU-EVTQ-1").await;
    let prod = env.read_reg(regs::EVENTQ_PROD).await;
    ensure!(prod == 4, "SMMU-EVTQ-1", "EVENTQ_PROD reads {prod:#x} after four acknowledged records, expected 0x4");
    let got = records(&env);
    let stags = [0, 0, 0, 0]; // the one stall record takes the lowest STAG
    for (k, (addr, r)) in got.iter().enumerate() {
        ensure!(*addr == EV_BASE + 32 * k as u64, "SMMU-EVTQ-1", "record {k} at {addr:#x}");
        let want = EventRecord::from_input(&sent[k], stags[k]);
        ensure!(*r == want, "SMMU-EVTQ-2", "record {k} decodes to {r:?}, expected {want:?}");
    }
    ensure!(got[1].1.stall && !got[3].1.stall, "SMMU-EVTQ-2", "Stall only for an event that can stall");
    ensure!(!got[2].1.ssv && got[2].1.substream_id == 0x1234 && !got[2].1.ind, "SMMU-EVTQ-2", "C_BAD_SUBSTREAMID record {:?}", got[2].1);
    env.cycles(5).await;
    let irqs = count(&env, |t| matches!(t, Txn::Irq { line: IrqLine::Evtq }));
    ensure!(irqs == 1, "SMMU-EVTQ-9", "{irqs} EVTQ interrupts for records written into a queue that was empty only once");
    // Consume everything: the next record finds an empty queue again.
    env.write_reg(regs::EVENTQ_CONS, 4).await;
    env.send_events(&[fault(0x11, 7, false)]);
    ev_acked(&env, 5, "SMMU-EVTQ-1").await;
    env.cycles(5).await;
    let irqs = count(&env, |t| matches!(t, Txn::Irq { line: IrqLine::Evtq }));
    ensure!(irqs == 2, "SMMU-EVTQ-9", "{irqs} EVTQ interrupts after a second empty-to-non-empty write");
    // Clean up the stall (SMMU-CMD-7).
    cmd(&env, Command::resume(0xFFFF_FFFF, 0, StallAction::Retry)).await;
    wait_resolutions(&env, 1, "SMMU-CMD-7").await;
}

async fn evtq_overflow_no_inhibit(env: Env, _: Scenario, _: ChaCha8Rng) {
    env.enable_evtq(EV_BASE, 1).await; // two slots
    env.send_events(&[fault(1, 1, false), fault(2, 1, false)]);
    ev_acked(&env, 2, "SMMU-EVTQ-1").await;
    // Full: the third record is discarded and OVFLG toggles; the fourth finds an active
    // overflow: discarded, no second toggle (SMMU-EVTQ-4).
    env.send_events(&[fault(3, 1, false), fault(4, 1, false)]);
    ev_accepted(&env, 4, "SMMU-EVTQ-3").await;
    quiet(&env).await;
    ensure!(records(&env).len() == 2, "SMMU-EVTQ-3", "a record was written into a full queue");
    let prod = env.read_reg(regs::EVENTQ_PROD).await;
    ensure!(prod == FLAG_BIT as u64 | 0b10, "SMMU-EVTQ-4", "EVENTQ_PROD {prod:#x}, expected WR=0b10 with exactly one OVFLG toggle");
    // Free one slot, keep OVACKFLG=0: the overflow stays active but never inhibits (SMMU-EVTQ-5).
    env.write_reg(regs::EVENTQ_CONS, 1).await;
    env.send_events(&[fault(5, 1, false)]);
    ev_acked(&env, 3, "SMMU-EVTQ-5").await;
    let got = records(&env);
    ensure!(got.len() == 3 && got[2].1.event_id == 5, "SMMU-EVTQ-5", "record after an overflow not written: {got:?}");
    let prod = env.read_reg(regs::EVENTQ_PROD).await;
    ensure!(prod == FLAG_BIT as u64 | 0b11, "SMMU-EVTQ-5", "EVENTQ_PROD {prod:#x} after the write in an active overflow");
    // Full again with the overflow still active: discarded without a toggle.
    env.send_events(&[fault(6, 1, false)]);
    ev_accepted(&env, 6, "SMMU-EVTQ-3").await;
    quiet(&env).await;
    let prod2 = env.read_reg(regs::EVENTQ_PROD).await;
    ensure!(prod2 == prod, "SMMU-EVTQ-4", "OVFLG toggled again during an active overflow: {prod2:#x}");
    // Acknowledge the overflow and empty the queue: a new overflow toggles again.
    env.write_reg(regs::EVENTQ_CONS, prod).await;
    env.send_events(&[fault(7, 1, false), fault(8, 1, false), fault(9, 1, false)]);
    ev_acked(&env, 5, "SMMU-EVTQ-1").await;
    quiet(&env).await;
    let prod3 = env.read_reg(regs::EVENTQ_PROD).await;
    ensure!(prod3 >> 31 == 0, "SMMU-EVTQ-4", "a new overflow after the acknowledgement did not toggle OVFLG: {prod3:#x}");
}

async fn evtq_stall_held_when_full(env: Env, _: Scenario, _: ChaCha8Rng) {
    env.enable_evtq(EV_BASE, 1).await;
    env.send_events(&[fault(1, 2, false), fault(2, 2, false)]);
    ev_acked(&env, 2, "SMMU-EVTQ-1").await;
    // A stall record and a later non-stall record meet a full queue: the stall record is held
    // (no discard, no overflow) and the later one waits behind it (OP-1).
    let s = fault(0x12, 3, true);
    env.send_events(&[s, fault(0x0B, 4, false)]);
    ev_accepted(&env, 4, "SMMU-EVTQ-6").await;
    env.cycles(60).await;
    let prod = env.read_reg(regs::EVENTQ_PROD).await;
    ensure!(prod == 0b10, "SMMU-EVTQ-6", "EVENTQ_PROD {prod:#x}: a held stall record toggled OVFLG or was written");
    ensure!(env.agents.borrow().events.stalled() == 1, "SMMU-EVTQ-6", "the stalled transaction was resolved while its record waited");
    // Room for both: the held record is written first, then the one behind it.
    env.write_reg(regs::EVENTQ_CONS, 0b10).await;
    ev_acked(&env, 4, "SMMU-EVTQ-6").await;
    let got = records(&env);
    ensure!(got[2].1 == EventRecord::from_input(&s, 0), "SMMU-EVTQ-6", "held stall record written as {:?}", got[2].1);
    ensure!(
        got[3].1.event_id == 0x0B,
        "SMMU-EVTQ-7",
        "records out of input order: {:?}",
        got.iter().map(|r| r.1.event_id).collect::<Vec<_>>()
    );
    cmd(&env, Command::resume(3, 0, StallAction::Abort)).await;
    wait_resolutions(&env, 1, "SMMU-CMD-7").await;
    ensure!(resolutions(&env) == vec![(3, 0, 1)], "SMMU-CMD-7", "resolutions {:?}", resolutions(&env));
}

// ---- stall resolutions --------------------------------------------------------------------------

async fn evtq_resume(env: Env, _: Scenario, _: ChaCha8Rng) {
    env.enable_evtq(EV_BASE, 3).await;
    env.send_events(&[fault(0x10, 1, true), fault(0x11, 1, true), fault(0x13, 2, true)]);
    ev_acked(&env, 3, "SMMU-EVTQ-1").await;
    let stags: Vec<(u32, u16)> = records(&env).iter().map(|(_, r)| (r.stream_id, r.stag)).collect();
    ensure!(stags == vec![(1, 0), (1, 1), (2, 2)], "SMMU-EVTQ-8", "STAGs {stags:?}: expected distinct, lowest free first (OP-3)");
    // No match (wrong StreamID, unknown STAG): no-op, no error (SMMU-CMD-7).
    cmd(&env, Command::resume(2, 0, StallAction::Retry)).await;
    cmd(&env, Command::resume(1, 9, StallAction::Retry)).await;
    quiet(&env).await;
    ensure!(resolutions(&env).is_empty(), "SMMU-CMD-7", "a RESUME that matched no stall resolved one: {:?}", resolutions(&env));
    let gerror = env.read_reg(regs::GERROR).await;
    ensure!(gerror == 0, "SMMU-CMD-7", "GERROR {gerror:#x} after RESUMEs matching nothing");
    cmd(&env, Command::resume(1, 1, StallAction::Retry)).await;
    cmd(&env, Command::resume(1, 0, StallAction::Abort)).await;
    cmd(&env, Command::resume(2, 2, StallAction::RazWi)).await;
    wait_resolutions(&env, 3, "SMMU-CMD-7").await;
    ensure!(
        resolutions(&env) == vec![(1, 1, 0), (1, 0, 1), (2, 2, 2)],
        "SMMU-CMD-7",
        "resolutions {:?}: expected retry, abort, RAZ/WI",
        resolutions(&env)
    );
    // A resolved STAG is free: a second RESUME of it is a no-op.
    cmd(&env, Command::resume(1, 1, StallAction::Retry)).await;
    quiet(&env).await;
    ensure!(resolutions(&env).len() == 3, "SMMU-CMD-7", "a STAG was resolved twice");
    ensure!(env.agents.borrow().events.stalled() == 0, "SMMU-EVTQ-8", "stalled transactions left after every RESUME");
}

async fn evtq_stall_term(env: Env, _: Scenario, _: ChaCha8Rng) {
    env.enable_evtq(EV_BASE, 3).await;
    env.send_events(&[fault(0x10, 7, true), fault(0x12, 8, true), fault(0x13, 7, true)]);
    ev_acked(&env, 3, "SMMU-EVTQ-1").await;
    cmd(&env, Command::StallTerm { stream_id: 9 }).await; // none outstanding: no-op
    quiet(&env).await;
    ensure!(resolutions(&env).is_empty(), "SMMU-CMD-8", "STALL_TERM of a StreamID without stalls resolved {:?}", resolutions(&env));
    cmd(&env, Command::StallTerm { stream_id: 7 }).await;
    wait_resolutions(&env, 2, "SMMU-CMD-8").await;
    quiet(&env).await;
    let mut got = resolutions(&env);
    got.sort();
    ensure!(got == vec![(7, 0, 1), (7, 2, 1)], "SMMU-CMD-8", "STALL_TERM resolved {got:?}, expected both stalls of StreamID 7 aborted");
    ensure!(env.agents.borrow().events.stalled() == 1, "SMMU-CMD-8", "STALL_TERM touched another StreamID's stall");
    cmd(&env, Command::resume(8, 1, StallAction::Retry)).await;
    wait_resolutions(&env, 3, "SMMU-CMD-7").await;
}

async fn evtq_stall_max(env: Env, _: Scenario, _: ChaCha8Rng) {
    // Any queue size: records that find the queue full are held (stalls) or discarded; only the
    // input's back-pressure and the STAGs are judged here.
    let max = super::params::of(&env).stall_max as usize;
    env.enable_evtq(EV_BASE, 5).await;
    let idr5 = env.read_reg(regs::IDR5).await;
    ensure!(idr5 >> 16 == max as u64, "SMMU-EVTQ-8", "IDR5 {idr5:#x}, expected STALL_MAX {max}");
    let stalls: Vec<EventInput> = (0..max as u32).map(|k| fault(0x10, 0x20 + k, true)).collect();
    env.send_events(&stalls);
    env.send_events(&[fault(0x05, 0x40, false), fault(0x10, 0x41, true)]);
    ev_accepted(&env, max, "SMMU-EVTQ-8").await;
    env.cycles(50).await;
    // OP-3: with STALL_MAX stalls outstanding the input is back-pressured, for every record.
    let accepted = env.agents.borrow().events.accepted as usize;
    ensure!(accepted == max, "SMMU-EVTQ-8", "{accepted} records accepted with {max} stalls outstanding (STALL_MAX back-pressure, OP-3)");
    // Resolve the second stall (STAG 1, or 0 when STALL_MAX is 1): the input moves on and the
    // next stall takes the freed STAG.
    let freed = (max > 1) as u16;
    cmd(&env, Command::resume(0x20 + u32::from(freed), freed, StallAction::Retry)).await;
    ev_accepted(&env, max + 2, "SMMU-EVTQ-8").await;
    cmd(&env, Command::StallTerm { stream_id: 0x41 }).await;
    wait_resolutions(&env, 2, "SMMU-CMD-8").await;
    let last = resolutions(&env)[1];
    ensure!(last == (0x41, freed, 1), "SMMU-EVTQ-8", "the stall after the RESUME resolved as {last:?}: expected the freed STAG {freed}");
    for k in 0..max as u32 {
        cmd(&env, Command::StallTerm { stream_id: 0x20 + k }).await;
    }
    wait_resolutions(&env, max + 1, "SMMU-CMD-8").await;
}

// ---- enables, errors, CMD_SYNC ------------------------------------------------------------------

async fn evtq_disable_mid_traffic(env: Env, _: Scenario, _: ChaCha8Rng) {
    env.enable_evtq(EV_BASE, 5).await;
    // Slow acknowledgements: CR0ACK.EVENTQEN must wait for the write in flight.
    env.agents.borrow_mut().emem.set_behaviour(MemoryBehaviour { ready_odds: 255, ack_latency: (8, 8), error_odds: 0 });
    let burst: Vec<EventInput> = (0..12).map(|k| fault(0x01 + (k % 10) as u8, k, false)).collect();
    env.send_events(&burst);
    env.cycles(6).await;
    env.write_reg(regs::CR0, regs::CR0_SMMUEN as u64).await; // EVENTQEN 1 -> 0 mid-traffic
    env.wait_cr0ack(regs::CR0_SMMUEN).await;
    // SMMU-EVTQ-10: when CR0ACK.EVENTQEN reads 0, every issued write is acknowledged and covered.
    let writes = records(&env).len();
    let acks = count(&env, |t| matches!(t, Txn::EventAck { err: false }));
    let prod = env.read_reg(regs::EVENTQ_PROD).await;
    ensure!(writes == acks, "SMMU-EVTQ-10", "CR0ACK.EVENTQEN fell with {writes} writes issued and {acks} acknowledged");
    ensure!(prod == acks as u64, "SMMU-EVTQ-10", "EVENTQ_PROD {prod:#x} after CR0ACK.EVENTQEN fell with {acks} records written");
    ev_accepted(&env, 12, "SMMU-EVTQ-10").await;
    quiet(&env).await;
    ensure!(records(&env).len() == writes, "SMMU-EVTQ-10", "a record was written after CR0ACK.EVENTQEN fell");
    let prod2 = env.read_reg(regs::EVENTQ_PROD).await;
    ensure!(prod2 == prod, "SMMU-EVTQ-4", "EVENTQ_PROD changed to {prod2:#x} while disabled (discards leave OVFLG alone)");
    ensure!(writes < 12, "SMMU-EVTQ-10", "every record was written before the disable: the test disabled too late");
    // A stall record while EVENTQEN=0 is held (OP-2); SMMUEN 1 -> 0 aborts its stall and the
    // held record is discarded (SMMU-EVTQ-8).
    env.send_events(&[fault(0x13, 0x77, true)]);
    ev_accepted(&env, 13, "SMMU-EVTQ-6").await;
    quiet(&env).await;
    ensure!(resolutions(&env).is_empty(), "SMMU-EVTQ-6", "a held stall was resolved while SMMUEN=1");
    env.write_reg(regs::CR0, 0).await;
    env.wait_cr0ack(0).await;
    wait_resolutions(&env, 1, "SMMU-EVTQ-8").await;
    ensure!(resolutions(&env) == vec![(0x77, 0, 1)], "SMMU-EVTQ-8", "SMMUEN 1->0 resolved {:?}, expected an abort", resolutions(&env));
    // Re-enabled, the discarded record never shows up.
    env.write_reg(regs::CR0, (regs::CR0_SMMUEN | regs::CR0_EVENTQEN) as u64).await;
    env.wait_cr0ack(regs::CR0_SMMUEN | regs::CR0_EVENTQEN).await;
    quiet(&env).await;
    ensure!(records(&env).len() == writes, "SMMU-EVTQ-8", "the held record of an aborted stall was written after re-enabling");
}

async fn evtq_write_error(env: Env, _: Scenario, _: ChaCha8Rng) {
    env.write_reg(regs::IRQ_CTRL, regs::IRQ_CTRL_GERROR_IRQEN as u64).await;
    env.wait_irq_ctrlack(regs::IRQ_CTRL_GERROR_IRQEN, "SMMU-CMD-11").await;
    env.enable_evtq(EV_BASE, 3).await;
    let normal = MemoryBehaviour::default();
    env.agents.borrow_mut().emem.set_behaviour(MemoryBehaviour { error_odds: u16::MAX, ..normal });
    env.send_events(&[fault(0x10, 1, false)]);
    ev_acked(&env, 1, "SMMU-EVTQ-11").await;
    env.agents.borrow_mut().emem.set_behaviour(normal);
    let gerror = env.read_reg(regs::GERROR).await;
    ensure!(gerror & regs::GERROR_EVENTQ_ABT_ERR as u64 != 0, "SMMU-EVTQ-11", "GERROR {gerror:#x} lacks EVENTQ_ABT_ERR");
    let pulses = count(&env, |t| matches!(t, Txn::Irq { line: IrqLine::Gerror }));
    ensure!(pulses == 1, "SMMU-CMD-11", "{pulses} GERROR interrupts for one EVENTQ_ABT_ERR activation");
    let prod = env.read_reg(regs::EVENTQ_PROD).await;
    ensure!(prod == 0, "SMMU-EVTQ-11", "EVENTQ_PROD {prod:#x} covers a failed write");
    // While active: a non-stall record is discarded, a stall record held (OP-2).
    env.send_events(&[fault(0x02, 2, false), fault(0x11, 3, true)]);
    ev_accepted(&env, 3, "SMMU-EVTQ-11").await;
    quiet(&env).await;
    ensure!(records(&env).len() == 1, "SMMU-EVTQ-11", "a record was written while EVENTQ_ABT_ERR was active");
    // Acknowledge: the held stall record is written.
    env.write_reg(regs::GERRORN, gerror).await;
    ev_acked(&env, 2, "SMMU-EVTQ-6").await;
    let got = records(&env);
    ensure!(got[1].1.event_id == 0x11 && got[1].1.stall, "SMMU-EVTQ-6", "after the error, wrote {:?}", got[1].1);
    ensure!(got[1].0 == EV_BASE, "SMMU-EVTQ-11", "record after a failed write at {:#x}: PROD must not have covered it", got[1].0);
    cmd(&env, Command::StallTerm { stream_id: 3 }).await;
    wait_resolutions(&env, 1, "SMMU-CMD-8").await;
}

async fn evtq_sync(env: Env, _: Scenario, _: ChaCha8Rng) {
    env.enable_evtq(EV_BASE, 3).await;
    env.agents.borrow_mut().emem.set_behaviour(MemoryBehaviour { ready_odds: 255, ack_latency: (30, 30), error_odds: 0 });
    env.send_events(&[fault(0x01, 1, false), fault(0x10, 2, true)]);
    ev_accepted(&env, 2, "SMMU-CMD-9").await;
    cmd(&env, Command::Sync { cs: 0, msh: 0, msi_attr: 0, msi_data: 0, msi_addr: 0 }).await;
    let done = env.wait_txn("SMMU-CMD-9", 2_000, |t| matches!(t, Txn::SyncDone)).await;
    let log = env.agents.borrow().log.clone();
    let last_ack = log.iter().filter(|s| matches!(s.txn, Txn::EventAck { .. })).map(|s| s.cycle).nth(1);
    ensure!(
        last_ack.is_some_and(|a| a <= done.cycle),
        "SMMU-CMD-9",
        "CMD_SYNC completed at {} before the records accepted earlier were written (ack {last_ack:?})",
        done.cycle
    );
    let prod = env.read_reg(regs::EVENTQ_PROD).await;
    ensure!(prod == 2, "SMMU-CMD-9", "EVENTQ_PROD {prod:#x} after a CMD_SYNC behind two records");
    // A CMD_SYNC after a RESUME completes only once the resolution is issued: hold the output so
    // that it cannot be taken, and the sync still completes (issued, not taken).
    env.agents.borrow_mut().stalls.hold(true);
    cmd(&env, Command::resume(2, 0, StallAction::Retry)).await;
    cmd(&env, Command::Sync { cs: 0, msh: 0, msi_attr: 0, msi_data: 0, msi_addr: 0 }).await;
    wait_for(&env, "SMMU-CMD-9", "the second CMD_SYNC", |e| count(e, |t| matches!(t, Txn::SyncDone)) == 2).await;
    env.agents.borrow_mut().stalls.hold(false);
    wait_resolutions(&env, 1, "SMMU-CMD-7").await;
}

async fn evtq_register_gating(env: Env, _: Scenario, _: ChaCha8Rng) {
    // EVENTQ_BASE and EVENTQ_PROD accept writes only while CR0.EVENTQEN=0 and CR0ACK.EVENTQEN=0;
    // EVENTQ_CONS always (rtl/README.md, SMMU-PRIQ-14 applied to the event queue).
    let stored = [(regs::EVENTQ_BASE, regs::BASE_STORED_MASK), (regs::EVENTQ_PROD, 0x800F_FFFF), (regs::EVENTQ_CONS, 0x800F_FFFF)];
    for (addr, mask) in stored {
        env.write_reg(addr, u64::MAX).await;
        let got = env.read_reg(addr).await;
        ensure!(got == mask, "SMMU-EVTQ-1", "register {addr:#x} reads {got:#x} after all ones, expected its stored bits {mask:#x}");
    }
    // EVENTQ_IRQ_CFG0/1/2 are not implemented (interrupts are pulses, OP-7): they read 0.
    for addr in [regs::EVENTQ_IRQ_CFG0, regs::EVENTQ_IRQ_CFG1, regs::EVENTQ_IRQ_CFG2] {
        env.write_reg(addr, u64::MAX).await;
        let got = env.read_reg(addr).await;
        ensure!(got == 0, "SMMU-EVTQ-1", "EVENTQ_IRQ_CFG at {addr:#x} reads {got:#x}, expected 0 (OP-7)");
    }
    env.write_reg(regs::EVENTQ_PROD, 0).await;
    env.write_reg(regs::EVENTQ_CONS, 0).await;
    env.enable_evtq(EV_BASE, 2).await;
    env.write_reg(regs::EVENTQ_BASE, 0x1234_5000 | 4).await;
    env.write_reg(regs::EVENTQ_PROD, 3).await;
    env.write_reg(regs::EVENTQ_CONS, 2).await;
    let (base, prod, cons) =
        (env.read_reg(regs::EVENTQ_BASE).await, env.read_reg(regs::EVENTQ_PROD).await, env.read_reg(regs::EVENTQ_CONS).await);
    ensure!(base == EV_BASE | 2 && prod == 0, "SMMU-EVTQ-1", "EVENTQ_BASE {base:#x} / PROD {prod:#x} took a write while EVENTQEN=1");
    ensure!(cons == 2, "SMMU-EVTQ-1", "EVENTQ_CONS {cons:#x}: it is always writable");
    env.write_reg(regs::EVENTQ_CONS, 0).await;
    env.send_events(&[fault(0x10, 1, false)]);
    ev_acked(&env, 1, "SMMU-EVTQ-1").await;
    ensure!(
        records(&env)[0].0 == EV_BASE,
        "SMMU-EVTQ-1",
        "record written at {:#x}, not at the base programmed before enabling",
        records(&env)[0].0
    );
}

// ---- with the PRIQ ------------------------------------------------------------------------------

async fn evtq_with_priq(env: Env, sc: Scenario, _: ChaCha8Rng) {
    let irqen = regs::IRQ_CTRL_PRIQ_IRQEN | regs::IRQ_CTRL_EVENTQ_IRQEN;
    env.write_reg(regs::IRQ_CTRL, irqen as u64).await;
    env.wait_irq_ctrlack(irqen, "SMMU-EVTQ-9").await;
    env.write_reg(regs::EVENTQ_BASE, EV_BASE | 3).await;
    env.enable_priq(sc.queue_base, sc.log2size).await;
    let en = regs::CR0_SMMUEN | regs::CR0_PRIQEN | regs::CR0_EVENTQEN;
    env.write_reg(regs::CR0, en as u64).await;
    env.wait_cr0ack(en).await;
    // Both queues at once, each on its own memory port.
    env.send(&[req(0x31, Some(4), 1, true), req(0x31, Some(4), 2, true)]);
    env.send_events(&[fault(0x10, 0x31, true), fault(0x07, 0x31, false)]);
    wait_for(&env, "SMMU-PRIQ-3", "two PRIQ entries", |e| count(e, |t| matches!(t, Txn::MemAck { .. })) >= 2).await;
    ev_acked(&env, 2, "SMMU-EVTQ-1").await;
    env.cycles(5).await;
    let evtq_irqs = count(&env, |t| matches!(t, Txn::Irq { line: IrqLine::Evtq }));
    let priq_irqs = count(&env, |t| matches!(t, Txn::Irq { line: IrqLine::Priq }));
    ensure!(evtq_irqs == 1, "SMMU-EVTQ-9", "{evtq_irqs} EVTQ interrupts beside the PRIQ");
    ensure!(priq_irqs == 1, "SMMU-PRIQ-13", "{priq_irqs} PRIQ interrupts beside the EVTQ");
    // One command port: a PRI response, a RESUME and a CMD_SYNC in order.
    cmd(&env, Command::pri_resp(0x31, Some(4), 2, RespCode::Success).expect("Success has a Resp field")).await;
    cmd(&env, Command::resume(0x31, 0, StallAction::Retry)).await;
    env.send_events(&[fault(0x02, 0x32, false)]);
    ev_accepted(&env, 3, "SMMU-EVTQ-7").await;
    cmd(&env, Command::Sync { cs: 0, msh: 0, msi_attr: 0, msi_data: 0, msi_addr: 0 }).await;
    let done = env.wait_txn("SMMU-CMD-9", 2_000, |t| matches!(t, Txn::SyncDone)).await;
    responses(&env, 1, "SMMU-CMD-3").await;
    wait_resolutions(&env, 1, "SMMU-CMD-7").await;
    let log = env.agents.borrow().log.clone();
    let when = |f: &dyn Fn(&Txn) -> bool| log.iter().find(|s| f(&s.txn)).map(|s| s.cycle);
    let third_ack = log.iter().filter(|s| matches!(s.txn, Txn::EventAck { .. })).nth(2).map(|s| s.cycle);
    ensure!(
        third_ack.is_some_and(|a| a <= done.cycle),
        "SMMU-CMD-9",
        "CMD_SYNC done at {} before the record accepted before it ({third_ack:?})",
        done.cycle
    );
    ensure!(when(&|t| matches!(t, Txn::Response { .. })).is_some(), "SMMU-CMD-3", "no PRG response for the CMD_PRI_RESP");
    ensure!(resolutions(&env) == vec![(0x31, 0, 0)], "SMMU-CMD-7", "resolutions {:?}", resolutions(&env));
}

pub fn tests() -> Vec<TestDef> {
    vec![
        TestDef {
            needs: EVTQ_OF_4,
            ..directed!("evtq_basic_write", evtq_basic_write, ["SMMU-EVTQ-1", "SMMU-EVTQ-2", "SMMU-EVTQ-9", "SMMU-CMD-7"])
        },
        TestDef {
            needs: EVTQ_OF_2,
            ..directed!("evtq_overflow_no_inhibit", evtq_overflow_no_inhibit, ["SMMU-EVTQ-3", "SMMU-EVTQ-4", "SMMU-EVTQ-5"])
        },
        TestDef {
            needs: EVTQ_OF_2,
            ..directed!("evtq_stall_held_when_full", evtq_stall_held_when_full, ["SMMU-EVTQ-6", "SMMU-EVTQ-7", "OP-1"])
        },
        TestDef { needs: EVTQ_OF_8_STALLS_3, ..directed!("evtq_resume", evtq_resume, ["SMMU-CMD-7", "SMMU-EVTQ-8", "OP-3"]) },
        TestDef { needs: EVTQ_OF_8_STALLS_3, ..directed!("evtq_stall_term", evtq_stall_term, ["SMMU-CMD-8"]) },
        directed!("evtq_stall_max", evtq_stall_max, ["SMMU-EVTQ-8", "OP-3"]),
        TestDef {
            needs: EVTQ_OF_32,
            ..directed!("evtq_disable_mid_traffic", evtq_disable_mid_traffic, ["SMMU-EVTQ-10", "SMMU-EVTQ-6", "SMMU-EVTQ-8", "OP-2"])
        },
        directed!("evtq_register_gating", evtq_register_gating, ["SMMU-EVTQ-1"]),
        directed!("evtq_write_error", evtq_write_error, ["SMMU-EVTQ-11", "SMMU-CMD-11", "OP-5"]),
        TestDef { needs: EVTQ_OF_8_STALLS_3, ..directed!("evtq_sync", evtq_sync, ["SMMU-CMD-9"]) },
        TestDef { needs: BOTH_QUEUES, ..directed!("evtq_with_priq", evtq_with_priq, ["SMMU-CMD-9", "SMMU-EVTQ-9", "SMMU-PRIQ-13"]) },
    ]
}
