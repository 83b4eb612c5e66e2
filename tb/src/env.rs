//! What a test sequence sees: the agents behind one shared handle, and awaitable helpers in
//! the cocotb idiom (`env.write_reg(..).await`, `env.cycles(10).await`). The helpers here work
//! on every flavor; a flavor's own register sequences are a trait of its `env.rs`
//! (`smmuv3::env::Smmuv3Sequences`, `vtd::env::VtdSequences`) that its tests import.
//!
//! Every wait here is bounded: when what it waits for does not happen, the run fails with the
//! rule that promised it ("[RULE] message", as `ensure!` does) and what was still pending, long
//! before the scenario's `max_cycles` ends it with a bare timeout. The bounds are far above what
//! a passing run needs.

use crate::agents::cmd::CmdDriver;
use crate::agents::event_src::EventSource;
use crate::agents::memory::MemoryAgent;
use crate::agents::pcie_fn::PcieDriver;
use crate::agents::regbus::RegAgent;
use crate::agents::rsp::RspMonitor;
use crate::agents::stall_sink::StallSink;
use crate::agents::Done;
use crate::sched::{first, Event, Sim};
use crate::txn::{Stamped, Txn};
use models::pcie::{PageRequest, PrgResponse};
use std::cell::RefCell;
use std::rc::Rc;

/// All agents of a bench, stepped by the cycle loop and used by test sequences.
pub struct Agents {
    pub pcie: PcieDriver,
    pub mem: MemoryAgent,
    pub regs: RegAgent,
    /// The software command port: SMMUv3 commands (2 words), VT-d descriptors (4 words).
    pub cmds: CmdDriver,
    pub rsp: RspMonitor,
    /// SMMUv3 event input, stall-resolution output and event-record memory (idle on VT-d).
    pub events: EventSource,
    pub stalls: StallSink,
    pub emem: MemoryAgent,
    /// Every transaction of the run, for the assertions of directed tests.
    pub log: Vec<Stamped>,
    /// Host-side events a test sequence reports (queue drained, PASID freed), emitted by the
    /// monitors at the next edge.
    pub host_events: Vec<Txn>,
}

impl Agents {
    pub fn is_idle(&self) -> bool {
        self.pcie.is_idle() && self.mem.is_idle() && self.regs.is_idle() && self.cmds.is_idle() && self.events_idle()
    }
    /// No event record waits to be sent and no event-record write awaits its acknowledgement.
    pub fn events_idle(&self) -> bool {
        self.events.is_idle() && self.emem.is_idle()
    }
    /// Every cycle, from the cycle loop: a register access or command that waited past its
    /// patience fails the run with its rule (a hang names the rule, not a bare timeout).
    #[inline]
    pub fn watch(&mut self, edge: u64) {
        if let Some(what) = self.regs.overdue(edge) {
            panic!("[OP-15] {}: waited {REGISTER_PATIENCE} cycles for {what}; {}", crate::judge::waits::REGISTER, self.ports());
        }
        if let Some((rule, what)) = self.cmds.overdue(edge) {
            panic!("[{rule}] {}: waited {COMMAND_PATIENCE} cycles for {what}; {}", crate::judge::waits::COMMAND, self.ports());
        }
    }
    /// What the memory, command and register agents still hold (for failure reports).
    pub fn ports(&self) -> String {
        format!(
            "memory writes awaiting their acknowledgement: {}; commands waiting for the port: {}; register accesses pending: {}",
            !self.mem.is_idle(),
            !self.cmds.is_idle(),
            !self.regs.is_idle()
        )
    }
}

pub use crate::agents::cmd::COMMAND_PATIENCE;
pub use crate::agents::regbus::REGISTER_PATIENCE;

/// Cycles the PCIe ingress may accept none of the messages a sequence sent before
/// [`Env::send_all`] fails: it stalls only while its FIFO is full behind the memory port (OP-15).
pub const INGRESS_PATIENCE: u64 = 2_000;

/// Cycles generated traffic may make no progress at all (no message accepted at the ingress and
/// no response sent) before a wait for it fails. The slowest host of a scenario polls every
/// 1 500 cycles when no interrupt wakes it; passing runs never stood still longer than that.
pub const TRAFFIC_PATIENCE: u64 = 15_000;

/// Cycles [`Env::settle`] may wait for the bench to go quiet.
pub const SETTLE_PATIENCE: u64 = 5_000;

/// The handle test sequences hold.
#[derive(Clone)]
pub struct Env {
    pub sim: Sim,
    pub agents: Rc<RefCell<Agents>>,
    /// The queue's interrupt: set at each SMMUv3 `irq_priq` pulse, or at each VT-d page request
    /// event MSI; the host clears it before it looks at the queue.
    pub irq: Rc<Event>,
    /// Queue geometry the sequence programmed (for the host model and assertions).
    pub queue: Rc<RefCell<QueueConfig>>,
    /// The last ticket handed out by [`Env::next_ticket`].
    pub tickets: Rc<std::cell::Cell<u32>>,
    /// The RTL configuration under simulation (the flavor reads its parameters from it).
    pub config: Rc<crate::config::RtlConfig>,
}

/// The queue geometry as the flavor's sequence programmed it (base address, log2 of entries).
#[derive(Clone, Copy, Debug, Default)]
pub struct QueueConfig {
    pub base: u64,
    pub log2size: u32,
}

impl Env {
    /// A number no other caller gets in this run (1, 2, ...; 0 is never handed out): for
    /// sequences that must recognise their own completion, e.g. the status data of a wait.
    pub fn next_ticket(&self) -> u32 {
        let t = self.tickets.get().wrapping_add(1).max(1);
        self.tickets.set(t);
        t
    }
    pub async fn cycles(&self, n: u64) {
        self.sim.clock_cycles(n).await
    }
    /// Write a register and wait until the write was handshaken.
    pub async fn write_reg(&self, addr: u32, data: u64) {
        // Bounded by the agent's watchdog (REGISTER_PATIENCE, OP-15): see `Agents::watch`.
        self.sim.drive("reg_valid");
        let done = self.agents.borrow_mut().regs.write(addr, data);
        done.wait().await;
    }
    /// Read a register and wait for its data.
    pub async fn read_reg(&self, addr: u32) -> u64 {
        // Bounded by the agent's watchdog (REGISTER_PATIENCE, OP-15): see `Agents::watch`.
        self.sim.drive("reg_valid");
        let done = self.agents.borrow_mut().regs.read(addr);
        done.wait().await
    }
    /// Wait until the operation behind `done` completed and return its value; after `limit`
    /// cycles fail with `rule`, saying what was awaited (`what`) and what the memory and the
    /// command port still hold.
    pub async fn wait_done(&self, done: &Done, limit: u64, rule: &str, what: impl FnOnce() -> String) -> u64 {
        if first((done.wait(), self.sim.clock_cycles(limit))).await == 1 {
            panic!("[{rule}] {}: waited {limit} cycles for {}; {}", crate::judge::waits::COMPLETION, what(), self.ports());
        }
        done.wait().await
    }
    /// Queue messages on the PCIe link (sent in order, without waiting).
    pub fn send(&self, msgs: &[PageRequest]) {
        self.sim.drive("pr_valid");
        let mut a = self.agents.borrow_mut();
        for m in msgs {
            a.pcie.send(*m);
        }
    }
    /// Queue messages and wait until the ingress has accepted all of them; fail (OP-15) if it
    /// accepts none for [`INGRESS_PATIENCE`] cycles.
    pub async fn send_all(&self, msgs: &[PageRequest]) {
        let first_one = self.agents.borrow().pcie.accepted;
        let target = first_one + msgs.len() as u64;
        self.send(msgs);
        let mut accepted = first_one;
        let mut since = self.sim.cycle();
        loop {
            let now = self.agents.borrow().pcie.accepted;
            if now >= target {
                return;
            }
            if now > accepted {
                (accepted, since) = (now, self.sim.cycle());
            }
            expired!(
                crate::judge::waits::INGRESS,
                self.sim.cycle() - since < INGRESS_PATIENCE,
                "OP-15",
                "the ingress accepted {} of {} messages, then none for {INGRESS_PATIENCE} cycles (it stalls only while its FIFO is full behind the memory port); {}",
                now - first_one,
                msgs.len(),
                self.ports()
            );
            self.sim.rising_edge().await;
        }
    }
    /// Send a command (SMMUv3: 2 words) or descriptor (VT-d: 4 words) and wait until the port
    /// took it; after [`COMMAND_PATIENCE`] cycles the run fails with `rule` (the flavor's rule for
    /// the command port; the agent's watchdog, see `Agents::watch`).
    pub async fn submit(&self, words: [u64; 4], rule: &'static str) {
        self.sim.drive("cmd_valid/iq_valid");
        let done = self.agents.borrow_mut().cmds.push(words, rule);
        done.wait().await;
    }
    /// Ask function `rid` to stop using `pasid` (PRI-24..PRI-26).
    pub fn stop_pasid(&self, rid: u16, pasid: u32, variant: models::pcie::Variant) {
        self.sim.drive("pr_valid");
        if let Err(e) = self.agents.borrow_mut().pcie.request_stop(rid, pasid, variant) {
            panic!("[PRI-24] cannot stop PASID {pasid:#x} of {rid:#06x}: {e}");
        }
    }
    /// Queue records on the SMMUv3 event input (sent in order, without waiting).
    pub fn send_events(&self, recs: &[models::smmuv3::event::EventInput]) {
        self.sim.drive("ev_valid");
        let mut a = self.agents.borrow_mut();
        for e in recs {
            a.events.send(*e);
        }
    }
    /// Report a host-side event (it is emitted at the next edge, in order).
    pub fn host_event(&self, txn: Txn) {
        self.agents.borrow_mut().host_events.push(txn);
    }
    /// Wait until a transaction matching `f` was logged; after `limit` cycles fail with `rule`.
    pub async fn wait_txn(&self, rule: &str, limit: u64, f: impl Fn(&Txn) -> bool) -> Stamped {
        let deadline = self.sim.cycle() + limit;
        loop {
            if let Some(s) = self.agents.borrow().log.iter().find(|s| f(&s.txn)) {
                return *s;
            }
            if self.sim.cycle() >= deadline {
                panic!("[{rule}] {}: waited {limit} cycles for a transaction that never came", crate::judge::waits::CONDITION);
            }
            self.sim.rising_edge().await;
        }
    }
    /// Release the scenario's generated page-request traffic.
    pub fn start_traffic(&self) {
        self.agents.borrow_mut().pcie.traffic_on = true;
    }
    /// Wait until the scenario's traffic plan is spent and every PRG answered (PRI-16).
    pub async fn wait_traffic_done(&self) {
        self.run_traffic_until("every generated PRG to be answered", |e| e.agents.borrow().pcie.traffic_done()).await
    }
    /// Start no new PRG and wait until every generated PRG has been answered (PRI-16).
    pub async fn stop_traffic(&self) {
        self.agents.borrow_mut().pcie.stop_traffic();
        self.run_traffic_until("every generated PRG to be answered after the traffic was stopped", |e| {
            e.agents.borrow().pcie.traffic_done()
        })
        .await
    }
    /// Let the generated traffic run for `n` cycles; it must keep moving (PRI-16).
    pub async fn run_traffic(&self, n: u64) {
        let end = self.sim.cycle() + n;
        let mut watch = TrafficWatch::new(self);
        while self.sim.cycle() < end {
            watch.check(self, "the end of the traffic phase");
            self.sim.clock_cycles((end - self.sim.cycle()).min(1_000)).await;
        }
    }
    /// Wait until `done` (`what`) holds, looking every 16 cycles; the traffic must keep moving
    /// (PRI-16).
    pub async fn run_traffic_until(&self, what: &str, done: impl Fn(&Env) -> bool) {
        let mut watch = TrafficWatch::new(self);
        while !done(self) {
            watch.check(self, what);
            self.sim.clock_cycles(16).await;
        }
    }
    /// Wait until the link, memory and command port are idle and no message, queue write,
    /// command or response moved for `quiet` cycles (register polling by the host may go on).
    /// After [`SETTLE_PATIENCE`] cycles fail with PRI-16 if PRGs are still unanswered, else
    /// with OP-15 (a port that never drains).
    pub async fn settle(&self, quiet: u64) {
        let moving = |t: &Txn| !matches!(t, Txn::RegRead { .. } | Txn::RegWrite { .. } | Txn::Irq { .. });
        let mut still = 0;
        let deadline = self.sim.cycle() + quiet + SETTLE_PATIENCE;
        // The log only grows: look at the transactions of each edge, not the whole log.
        let mut seen = self.agents.borrow().log.len();
        while still < quiet {
            if self.sim.cycle() >= deadline {
                let a = self.agents.borrow();
                let rule = if a.pcie.is_idle() { "OP-15" } else { "PRI-16" };
                panic!(
                    "[{rule}] {}: the bench did not settle ({quiet} quiet cycles) in {SETTLE_PATIENCE} cycles\n{}\n{}",
                    crate::judge::waits::SETTLE,
                    a.pcie.describe(),
                    self.ports()
                );
            }
            self.sim.rising_edge().await;
            let a = self.agents.borrow();
            let idle = a.pcie.is_idle() && a.mem.is_idle() && a.cmds.is_idle() && a.events_idle();
            let moved = a.log.get(seen..).is_some_and(|new| new.iter().any(|s| moving(&s.txn)));
            seen = a.log.len();
            drop(a);
            still = if idle && !moved { still + 1 } else { 0 };
        }
    }
    /// What the memory, command and register ports still hold, for the failure reports of waits.
    fn ports(&self) -> String {
        self.agents.borrow().ports()
    }
    /// Responses sent so far.
    pub fn responses(&self) -> Vec<PrgResponse> {
        self.agents.borrow().rsp.received.iter().map(|r| r.1).collect()
    }
    /// One 32-bit word of memory as last written (0 if never written).
    pub fn mem_read_u32(&self, addr: u64) -> u32 {
        let w = self.agents.borrow().mem.read_word(addr & !7);
        (w >> (8 * (addr & 4))) as u32
    }
    /// Queue-memory writes accepted so far: (address, dw0, dw1).
    pub fn queue_writes(&self) -> Vec<(u64, u64, u64)> {
        self.agents
            .borrow()
            .log
            .iter()
            .filter_map(|s| match s.txn {
                Txn::MemWrite { addr, data, .. } => Some((addr, data[0], data[1])),
                _ => None,
            })
            .collect()
    }
    /// Count transactions matching a predicate.
    pub fn count(&self, f: impl Fn(&Txn) -> bool) -> usize {
        self.agents.borrow().log.iter().filter(|s| f(&s.txn)).count()
    }
}

/// Whether generated traffic still moves: a message accepted at the ingress or a response sent
/// within the last [`TRAFFIC_PATIENCE`] cycles. A response for every PRG is what lets the
/// functions go on (PRI-16), so traffic that stops moving fails the run naming PRI-16.
struct TrafficWatch {
    seen: u64,
    since: u64,
}

impl TrafficWatch {
    fn progress(env: &Env) -> u64 {
        let a = env.agents.borrow();
        a.pcie.accepted + a.rsp.received.len() as u64
    }
    fn new(env: &Env) -> TrafficWatch {
        TrafficWatch { seen: Self::progress(env), since: env.sim.cycle() }
    }
    /// Note the progress made so far; fail if there was none for too long (waiting for `what`).
    fn check(&mut self, env: &Env, what: &str) {
        let now = Self::progress(env);
        if now != self.seen {
            (self.seen, self.since) = (now, env.sim.cycle());
        }
        expired!(
            crate::judge::waits::TRAFFIC,
            env.sim.cycle() - self.since < TRAFFIC_PATIENCE,
            "PRI-16",
            "waiting for {what}, the traffic made no progress for {TRAFFIC_PATIENCE} cycles (no message accepted, no response sent)\n{}\n{}",
            env.agents.borrow().pcie.describe(),
            env.ports()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agents::memory::MemoryBehaviour;
    use crate::agents::Odds;
    use crate::sched::Scheduler;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;
    use std::panic::{catch_unwind, AssertUnwindSafe};

    fn env(sched: &Scheduler) -> Env {
        let agents = Agents {
            pcie: PcieDriver::new(None, ChaCha8Rng::seed_from_u64(1)),
            mem: MemoryAgent::new(MemoryBehaviour::default(), ChaCha8Rng::seed_from_u64(2)),
            regs: RegAgent::default(),
            cmds: CmdDriver::default(),
            rsp: RspMonitor::new(Odds(255), ChaCha8Rng::seed_from_u64(3)),
            events: EventSource::default(),
            stalls: StallSink::new(Odds(255), ChaCha8Rng::seed_from_u64(4)),
            emem: MemoryAgent::new(MemoryBehaviour::default(), ChaCha8Rng::seed_from_u64(5)),
            log: Vec::new(),
            host_events: Vec::new(),
        };
        Env {
            sim: sched.handle(),
            agents: Rc::new(RefCell::new(agents)),
            irq: Rc::new(Event::new()),
            queue: Rc::default(),
            tickets: Rc::default(),
            config: Rc::new(crate::config::RtlConfig::default_config()),
        }
    }

    #[test]
    fn register_write_in_read_only_is_rejected_before_the_agent_sees_it() {
        let mut s = Scheduler::new(1000);
        let e = env(&s);
        s.start_soon({
            let e = e.clone();
            async move {
                e.sim.read_only().await;
                e.write_reg(0x20, 1).await;
            }
        });
        s.falling_edge();
        s.set_time(1000);
        s.rising_edge();
        let err = catch_unwind(AssertUnwindSafe(|| s.read_only())).unwrap_err();
        let msg = err.downcast_ref::<String>().cloned().unwrap_or_default();
        assert!(msg.contains("write to DUT port reg_valid in the ReadOnly phase"), "{msg}");
        assert!(e.agents.borrow().regs.is_idle(), "the rejected write reached the register agent");
    }
}
