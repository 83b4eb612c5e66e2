//! Host software that consumes the PRIQ and the event queue the way Linux does. This file keeps the
//! register protocol of the driver threads (HOST-16), one generic consumer for both queues: woken
//! by the PRIQ interrupt or a poll timer, it reads PROD, reads each entry from queue memory, writes CONS after every entry keeping the old OVACKFLG bit,
//! re-reads PROD at the cached value, and at the end acknowledges an overflow with one CONS write
//! copying OVFLG into OVACKFLG. What happens to each entry (Stop Markers dropped, partials keyed by
//! group index only, groups answered, partials discarded on overflow) is the software model
//! `models::host` (HOST-1..HOST-18, HOST-20, HOST-21); its answers become CMD_PRI_RESP commands, or
//! CMD_RESUME for stall events.

use super::env::Smmuv3Sequences;
use crate::agents::memory::MemoryAgent;
use crate::env::{Agents, Env, QueueConfig};
use crate::scenario::HostPolicy;
use crate::sched::first;
use models::host::smmu::{EntryFate, SmmuHost};
use models::host::smmu_stall::EventFault;
use models::host::{HostEvent, SeededChoices};
use models::ring::{Ring, FLAG_BIT};
use models::smmuv3::cmd::Command;
use models::smmuv3::entry::{PriqEntry, ENTRY_BYTES};
use models::smmuv3::event::{EventRecord, RECORD_BYTES};
use models::smmuv3::regs;
use std::cell::RefCell;
use std::rc::Rc;

/// What the driver did, for the assertions of tests; the fault core keeps its own statistics.
#[derive(Default)]
pub struct Smmuv3HostState {
    pub sw: Option<SmmuHost>,
    pub entries: u64,
    pub stop_markers_dropped: u64,
    /// Event records read by the EVTQ thread.
    pub events_read: u64,
    /// EVENTQ_PROD.OVFLG changes the EVTQ thread saw.
    pub evtq_overflows_seen: u64,
    pub overflows_seen: u64,
    /// Hazard and violation events of the software model (HOST-4, HOST-17, HOST-24...).
    pub events: Vec<HostEvent>,
}

impl Smmuv3HostState {
    pub fn groups_answered(&self) -> u64 {
        self.sw.as_ref().map_or(0, |h| h.core.stats().responses)
    }
    pub fn partials_discarded(&self) -> u64 {
        self.sw.as_ref().map_or(0, |h| h.core.stats().partials_discarded)
    }
}

/// One SMMU queue as its driver thread sees it (HOST-16): its PROD and CONS registers, entry size,
/// the IDR1 size field of the build, the memory agent that holds it, what the driver makes of an
/// entry, and what it does when it sees PROD.OVFLG change.
#[derive(Clone, Copy)]
struct QueueSide {
    prod: u32,
    cons: u32,
    entry_bytes: u64,
    cap: u32,
    mem: fn(&Agents) -> &MemoryAgent,
    on_entry: OnEntry,
    on_overflow: fn(&mut Smmuv3HostState),
}

/// What the thread makes of one entry (its words) in the software model; the command to issue at
/// once, if any.
type OnEntry = fn(&mut Smmuv3HostState, [u64; 4]) -> Option<Command>;

/// One wake-up of a driver thread (HOST-16): consume from CONS up to the cached PROD, writing
/// CONS after every entry with the old OVACKFLG bit; at the cached PROD re-read PROD and note an
/// overflow when OVFLG changed (`seen_ovflg`); repeat until empty; then acknowledge an overflow
/// with one CONS write copying OVFLG into OVACKFLG, RD unchanged. Ready groups are answered after
/// every entry.
async fn consume(
    env: &Env,
    side: QueueSide,
    q: QueueConfig,
    policy: &HostPolicy,
    state: &Rc<RefCell<Smmuv3HostState>>,
    choices: &mut SeededChoices,
    seen_ovflg: &mut u32,
) {
    let ring = Ring::new(q.log2size, side.cap);
    let mut cons = env.read_reg(side.cons).await as u32;
    let mut prod = env.read_reg(side.prod).await as u32;
    loop {
        while !ring.empty(prod, cons) {
            let addr = ring.entry_addr(q.base, cons, side.entry_bytes);
            let words = {
                let a = env.agents.borrow();
                let mem = (side.mem)(&a);
                let mut w = [0u64; 4];
                for (k, x) in w.iter_mut().enumerate().take((side.entry_bytes / 8) as usize) {
                    *x = mem.read_word(addr + 8 * k as u64);
                }
                w
            };
            // HOST-30 (provisioned): free the slot before anything can answer the entry.
            let free_first = policy.sw.provisioned;
            if free_first {
                cons = ring.incr(cons);
                env.write_reg(side.cons, cons as u64).await;
            }
            let cmd = (side.on_entry)(&mut state.borrow_mut(), words);
            if let Some(c) = cmd {
                let [dw0, dw1] = c.encode();
                env.command(dw0, dw1).await;
            }
            // HOST-16: CONS after every entry, OVACKFLG bit kept.
            if !free_first {
                cons = ring.incr(cons);
                env.write_reg(side.cons, cons as u64).await;
            }
            answer_ready_groups(env, state, choices).await;
        }
        prod = env.read_reg(side.prod).await as u32;
        if prod & FLAG_BIT != *seen_ovflg {
            *seen_ovflg = prod & FLAG_BIT;
            (side.on_overflow)(&mut state.borrow_mut());
        }
        if ring.empty(prod, cons) {
            break;
        }
    }
    // HOST-16 (queue_sync_cons_ovf): one CONS write acknowledging the overflow, RD unchanged.
    if policy.ack_overflow && (prod ^ cons) & FLAG_BIT != 0 {
        cons = (cons & !FLAG_BIT) | (prod & FLAG_BIT);
        env.write_reg(side.cons, cons as u64).await;
    }
}

/// The PRIQ thread. Runs until the test ends.
pub async fn priq_thread(env: Env, policy: HostPolicy, seed: u64, state: Rc<RefCell<Smmuv3HostState>>) {
    let mut choices = SeededChoices::new(seed, policy.invalid_odds, 0);
    state.borrow_mut().sw.get_or_insert_with(|| SmmuHost::new(policy.sw));
    let mut seen_ovflg = 0u32;
    // IDR1.PRIQS of the build caps the queue (SMMU-PRIQ-1), as the driver learns it from IDR1.
    let side = QueueSide {
        prod: regs::PRIQ_PROD,
        cons: regs::PRIQ_CONS,
        entry_bytes: ENTRY_BYTES,
        cap: super::params::of(&env).priqs,
        mem: |a| &a.mem,
        on_entry: on_priq_entry,
        // HOST-8: an overflow lost L=1 requests; no partial can be completed now.
        on_overflow: |s| {
            s.overflows_seen += 1;
            s.sw.as_mut().expect("set at start").on_overflow();
        },
    };
    loop {
        first((env.irq.wait(), env.sim.clock_cycles(policy.poll_cycles))).await;
        env.irq.clear();
        let q = *env.queue.borrow();
        consume(&env, side, q, &policy, &state, &mut choices, &mut seen_ovflg).await;
    }
}

/// A PRIQ entry to the driver (HOST-17, HOST-18); the mainline driver answers on the spot.
fn on_priq_entry(s: &mut Smmuv3HostState, words: [u64; 4]) -> Option<Command> {
    let msg = PriqEntry::decode([words[0], words[1]]).to_request();
    s.entries += 1;
    match s.sw.as_mut().expect("set at start").on_priq_entry(&msg) {
        EntryFate::StopMarker => {
            s.stop_markers_dropped += 1;
            None
        }
        EntryFate::Denied(c) => Some(c.command()),
        _ => None,
    }
}

/// The EVTQ thread (HOST-16 on the event queue, HOST-20, HOST-21), polling every
/// `policy.poll_cycles`; `q` is the queue its sequence programmed. It shares `state`'s software
/// model (one fault core per SMMU) with the PRIQ thread. Runs until the test ends.
pub async fn evtq_thread(env: Env, q: QueueConfig, policy: HostPolicy, seed: u64, state: Rc<RefCell<Smmuv3HostState>>) {
    let mut choices = SeededChoices::new(seed, policy.invalid_odds, 0);
    state.borrow_mut().sw.get_or_insert_with(|| SmmuHost::new(policy.sw));
    let mut seen_ovflg = 0u32;
    let side = QueueSide {
        prod: regs::EVENTQ_PROD,
        cons: regs::EVENTQ_CONS,
        entry_bytes: RECORD_BYTES,
        cap: super::params::of(&env).eventqs,
        mem: |a| &a.emem,
        on_entry: on_evtq_record,
        // Events were lost; Linux only logs it (no fault-core state depends on them).
        on_overflow: |s| s.evtq_overflows_seen += 1,
    };
    loop {
        env.sim.clock_cycles(policy.poll_cycles).await;
        consume(&env, side, q, &policy, &state, &mut choices, &mut seen_ovflg).await;
    }
}

/// An event record to the driver (HOST-20, HOST-21): logged, reported as a stall group, or
/// aborted at once.
fn on_evtq_record(s: &mut Smmuv3HostState, words: [u64; 4]) -> Option<Command> {
    let r = EventRecord::decode(words);
    s.events_read += 1;
    let fault = EventFault {
        event_id: r.event_id,
        sid: r.stream_id,
        ssid: r.ssv.then_some(r.substream_id),
        stall: r.stall,
        stag: r.stag,
        pnu: r.pnu,
        ind: r.ind,
        rnw: r.rnw,
        input_addr: r.input_addr,
    };
    s.sw.as_mut().expect("set at start").on_evtq_record(&fault).command()
}

/// The kernel consumer handles every ready group (seeded order, HOST-7) and each answer becomes
/// one CMD_PRI_RESP (HOST-15, HOST-18: SSV iff the request had a PASID and PRPR=1), or for a
/// stall group one CMD_RESUME (HOST-20).
async fn answer_ready_groups(env: &Env, state: &Rc<RefCell<Smmuv3HostState>>, choices: &mut SeededChoices) {
    let over_quota = crate::host_paths::take_over_quota(env, &mut state.borrow_mut().sw.as_mut().expect("set at start").core);
    for r in over_quota {
        let [dw0, dw1] = r.smmu().command().encode();
        env.command(dw0, dw1).await;
    }
    loop {
        let cmd = {
            let mut s = state.borrow_mut();
            let sw = s.sw.as_mut().expect("set at start");
            let next = sw.answer_next_command(choices);
            let events = sw.core.take_events();
            s.events.extend(events);
            match next {
                Some((_, cmd)) => cmd,
                None => return,
            }
        };
        if let Some(c) = cmd {
            let [dw0, dw1] = c.encode();
            env.command(dw0, dw1).await;
        }
    }
}
