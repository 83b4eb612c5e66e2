//! Host software that consumes the PRIQ the way Linux does (host-sw.md HOST-16, HOST-18, HOST-8,
//! HOST-3): a thread woken by the PRIQ interrupt or a poll timer reads PROD, reads each entry from
//! queue memory, writes CONS after every entry keeping the old OVACKFLG bit, re-reads PROD at the
//! cached value, and at the end acknowledges an overflow with one CONS write copying OVFLG into
//! OVACKFLG. Stop Markers are dropped; L=0 entries wait in a partial list keyed by group index
//! only (HOST-3); an L=1 entry builds its group and is answered with CMD_PRI_RESP. After an
//! overflow every partial is discarded (HOST-8).

use super::env::Env;
use crate::sched::first;
use models::pcie::{MsgClass, PageRequest};
use models::ring::{Ring, FLAG_BIT};
use models::smmuv3::cmd::Command;
use models::smmuv3::entry::{PriqEntry, ENTRY_BYTES};
use models::smmuv3::regs;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// IDR1.PRIQS of the embedded RTL build (rtl/README.md default).
const PRIQS: u32 = 8;

/// Host policy of a scenario.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostPolicy {
    /// Run the consumer thread at all (directed tests often play the host by hand).
    pub consume: bool,
    /// Cycles between polls when no interrupt arrives.
    pub poll_cycles: u64,
    /// Chance (of 255) that the handler fails a group (answer Invalid Request instead of Success).
    pub invalid_odds: u8,
    /// Acknowledge an overflow (final CONS write); a test of inhibition may turn this off.
    pub ack_overflow: bool,
}

impl Default for HostPolicy {
    fn default() -> Self {
        HostPolicy { consume: true, poll_cycles: 64, invalid_odds: 0, ack_overflow: true }
    }
}

/// Counters a test can assert on.
#[derive(Clone, Copy, Debug, Default)]
pub struct HostStats {
    pub entries: u64,
    pub groups_answered: u64,
    pub stop_markers_dropped: u64,
    pub overflows_seen: u64,
    pub partials_discarded: u64,
}

/// The PRIQ thread. Runs until the test ends.
pub async fn priq_thread(env: Env, policy: HostPolicy, mut rng: ChaCha8Rng, stats: std::rc::Rc<std::cell::Cell<HostStats>>) {
    let mut partials: Vec<PageRequest> = Vec::new();
    let mut seen_ovflg = 0u32;
    loop {
        first((env.irq_priq.wait(), env.sim.clock_cycles(policy.poll_cycles))).await;
        env.irq_priq.clear();
        let q = *env.queue.borrow();
        let ring = Ring::new(q.log2size, PRIQS);
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
                let mut s = stats.get();
                s.entries += 1;
                stats.set(s);
                handle_entry(&env, &policy, &mut rng, &stats, &mut partials, msg).await;
                // HOST-16: CONS after every entry, OVACKFLG bit kept.
                cons = ring.incr(cons);
                env.write_reg(regs::PRIQ_CONS, cons as u64).await;
            }
            prod = env.read_reg(regs::PRIQ_PROD).await as u32;
            if prod & FLAG_BIT != seen_ovflg {
                // HOST-8: an overflow lost L=1 requests; no partial can be completed now.
                seen_ovflg = prod & FLAG_BIT;
                let mut s = stats.get();
                s.overflows_seen += 1;
                s.partials_discarded += partials.len() as u64;
                stats.set(s);
                partials.clear();
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

async fn handle_entry(
    env: &Env,
    policy: &HostPolicy,
    rng: &mut ChaCha8Rng,
    stats: &std::rc::Rc<std::cell::Cell<HostStats>>,
    partials: &mut Vec<PageRequest>,
    msg: PageRequest,
) {
    match msg.class() {
        MsgClass::StopMarker => {
            // HOST-18: Stop Markers never reach the fault core.
            let mut s = stats.get();
            s.stop_markers_dropped += 1;
            stats.set(s);
        }
        MsgClass::Request => partials.push(msg), // HOST-2
        MsgClass::LastRequest => {
            // HOST-3: the group takes every partial of the device with the same index, PASID not compared.
            partials.retain(|p| !(p.rid == msg.rid && p.prgi == msg.prgi));
            let fail = rng.gen_range(0u32..255) < policy.invalid_odds as u32;
            // HOST-15: SUCCESS -> Resp 0b10, INVALID -> Resp 0b01; HOST-18 / DEC-13: SSV iff the request had a PASID.
            let resp = if fail { 0b01 } else { 0b10 };
            let cmd = Command::PriResp { stream_id: msg.rid as u32, ssv: msg.pv, substream_id: msg.pasid, prg_index: msg.prgi, resp };
            let [dw0, dw1] = cmd.encode();
            env.command(dw0, dw1).await;
            let mut s = stats.get();
            s.groups_answered += 1;
            stats.set(s);
        }
    }
}
