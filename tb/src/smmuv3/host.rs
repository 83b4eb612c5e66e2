//! Host software that consumes the PRIQ the way Linux does. This file keeps the register protocol
//! of the driver thread (HOST-16): woken by the PRIQ interrupt or a poll timer, it reads PROD,
//! reads each entry from queue memory, writes CONS after every entry keeping the old OVACKFLG bit,
//! re-reads PROD at the cached value, and at the end acknowledges an overflow with one CONS write
//! copying OVFLG into OVACKFLG. What happens to each entry (Stop Markers dropped, partials keyed by
//! group index only, groups answered, partials discarded on overflow) is the software model
//! `models::host` (HOST-1..HOST-18); its answers become CMD_PRI_RESP commands.

use super::env::Smmuv3Sequences;
use crate::env::Env;
use crate::scenario::HostPolicy;
use crate::sched::first;
use models::host::smmu::{EntryFate, SmmuHost};
use models::host::{HostEvent, SeededChoices};
use models::ring::{Ring, FLAG_BIT};
use models::smmuv3::entry::{PriqEntry, ENTRY_BYTES};
use models::smmuv3::regs;
use std::cell::RefCell;
use std::rc::Rc;

/// What the driver did, for the assertions of tests; the fault core keeps its own statistics.
#[derive(Default)]
pub struct Smmuv3HostState {
    pub sw: Option<SmmuHost>,
    pub entries: u64,
    pub stop_markers_dropped: u64,
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

/// The PRIQ thread. Runs until the test ends.
pub async fn priq_thread(env: Env, policy: HostPolicy, seed: u64, state: Rc<RefCell<Smmuv3HostState>>) {
    let mut choices = SeededChoices::new(seed, policy.invalid_odds, 0);
    state.borrow_mut().sw = Some(SmmuHost::new(policy.sw));
    let mut seen_ovflg = 0u32;
    // IDR1.PRIQS of the build caps the queue (SMMU-PRIQ-1), as the driver learns it from IDR1.
    let priqs = super::params::of(&env).priqs;
    loop {
        first((env.irq.wait(), env.sim.clock_cycles(policy.poll_cycles))).await;
        env.irq.clear();
        let q = *env.queue.borrow();
        let ring = Ring::new(q.log2size, priqs);
        let mut cons = env.read_reg(regs::PRIQ_CONS).await as u32;
        let mut prod = env.read_reg(regs::PRIQ_PROD).await as u32;
        loop {
            while !ring.empty(prod, cons) {
                let addr = ring.entry_addr(q.base, cons, ENTRY_BYTES);
                let words = {
                    let a = env.agents.borrow();
                    [a.mem.read_word(addr), a.mem.read_word(addr + 8)]
                };
                let msg = PriqEntry::decode(words).to_request();
                // HOST-30 (provisioned): free the slot before anything can answer the request.
                let free_first = policy.sw.provisioned;
                if free_first {
                    cons = ring.incr(cons);
                    env.write_reg(regs::PRIQ_CONS, cons as u64).await;
                }
                let fate = {
                    let mut s = state.borrow_mut();
                    s.entries += 1;
                    s.sw.as_mut().expect("set at start").on_priq_entry(&msg)
                };
                match fate {
                    EntryFate::StopMarker => state.borrow_mut().stop_markers_dropped += 1,
                    // HOST-17: the mainline driver answers on the spot.
                    EntryFate::Denied(c) => {
                        let [dw0, dw1] = c.command().encode();
                        env.command(dw0, dw1).await;
                    }
                    _ => {}
                }
                // HOST-16: CONS after every entry, OVACKFLG bit kept.
                if !free_first {
                    cons = ring.incr(cons);
                    env.write_reg(regs::PRIQ_CONS, cons as u64).await;
                }
                answer_ready_groups(&env, &state, &mut choices).await;
            }
            prod = env.read_reg(regs::PRIQ_PROD).await as u32;
            if prod & FLAG_BIT != seen_ovflg {
                // HOST-8: an overflow lost L=1 requests; no partial can be completed now.
                seen_ovflg = prod & FLAG_BIT;
                let mut s = state.borrow_mut();
                s.overflows_seen += 1;
                s.sw.as_mut().expect("set at start").on_overflow();
            }
            if ring.empty(prod, cons) {
                break;
            }
        }
        // HOST-16 (queue_sync_cons_ovf): one CONS write acknowledging the overflow, RD unchanged.
        if policy.ack_overflow && (prod ^ cons) & FLAG_BIT != 0 {
            cons = (cons & !FLAG_BIT) | (prod & FLAG_BIT);
            env.write_reg(regs::PRIQ_CONS, cons as u64).await;
        }
    }
}

/// The kernel consumer handles every ready group (seeded order, HOST-7) and each answer becomes
/// one CMD_PRI_RESP (HOST-15, HOST-18: SSV iff the request had a PASID and PRPR=1).
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
            let next = sw.answer_next(choices);
            let events = sw.core.take_events();
            s.events.extend(events);
            match next {
                Some((_, cmd)) => cmd,
                None => return,
            }
        };
        if let Some(c) = cmd {
            let [dw0, dw1] = c.command().encode();
            env.command(dw0, dw1).await;
        }
    }
}
