//! What a test sequence sees: the agents behind one shared handle, and awaitable helpers in
//! the cocotb idiom (`env.write_reg(..).await`, `env.cycles(10).await`). The helpers here work
//! on every flavor; a flavor's own register sequences are a trait of its `env.rs`
//! (`smmuv3::env::Smmuv3Sequences`, `vtd::env::VtdSequences`) that its tests import.

use crate::agents::cmd::CmdDriver;
use crate::agents::memory::MemoryAgent;
use crate::agents::pcie_fn::PcieDriver;
use crate::agents::regbus::RegAgent;
use crate::agents::rsp::RspMonitor;
use crate::sched::{Event, Sim};
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
    /// Every transaction of the run, for the assertions of directed tests.
    pub log: Vec<Stamped>,
    /// Host-side events a test sequence reports (queue drained, PASID freed), emitted by the
    /// monitors at the next edge.
    pub host_events: Vec<Txn>,
}

impl Agents {
    pub fn is_idle(&self) -> bool {
        self.pcie.is_idle() && self.mem.is_idle() && self.regs.is_idle() && self.cmds.is_idle()
    }
}

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
    pub async fn write_reg(&self, addr: u32, data: u64) {
        let done = self.agents.borrow_mut().regs.write(addr, data);
        done.wait().await;
    }
    pub async fn read_reg(&self, addr: u32) -> u64 {
        let done = self.agents.borrow_mut().regs.read(addr);
        done.wait().await
    }
    /// Queue messages on the PCIe link (sent in order, without waiting).
    pub fn send(&self, msgs: &[PageRequest]) {
        let mut a = self.agents.borrow_mut();
        for m in msgs {
            a.pcie.send(*m);
        }
    }
    /// Queue messages and wait until the ingress has accepted all of them.
    pub async fn send_all(&self, msgs: &[PageRequest]) {
        let target = self.agents.borrow().pcie.accepted + msgs.len() as u64;
        self.send(msgs);
        while self.agents.borrow().pcie.accepted < target {
            self.sim.rising_edge().await;
        }
    }
    /// Send a command (SMMUv3: 2 words) or descriptor (VT-d: 4 words) and wait until the port
    /// took it.
    pub async fn submit(&self, words: [u64; 4]) {
        let done = self.agents.borrow_mut().cmds.push(words);
        done.wait().await;
    }
    /// Ask function `rid` to stop using `pasid` (PRI-24..PRI-26).
    pub fn stop_pasid(&self, rid: u16, pasid: u32, variant: models::pcie::Variant) {
        if let Err(e) = self.agents.borrow_mut().pcie.request_stop(rid, pasid, variant) {
            panic!("[PRI-24] cannot stop PASID {pasid:#x} of {rid:#06x}: {e}");
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
                panic!("[{rule}] waited {limit} cycles for a transaction that never came");
            }
            self.sim.rising_edge().await;
        }
    }
    /// Release the scenario's generated page-request traffic.
    pub fn start_traffic(&self) {
        self.agents.borrow_mut().pcie.traffic_on = true;
    }
    /// Wait until the scenario's traffic plan is spent and every PRG answered.
    pub async fn wait_traffic_done(&self) {
        while !self.agents.borrow().pcie.traffic_done() {
            self.sim.clock_cycles(16).await;
        }
    }
    /// Start no new PRG and wait until every generated PRG has been answered.
    pub async fn stop_traffic(&self) {
        self.agents.borrow_mut().pcie.stop_traffic();
        while !self.agents.borrow().pcie.traffic_done() {
            self.sim.clock_cycles(16).await;
        }
    }
    /// Wait until the link, memory and command port are idle and no message, queue write,
    /// command or response moved for `quiet` cycles (register polling by the host may go on).
    pub async fn settle(&self, quiet: u64) {
        let moving = |t: &Txn| !matches!(t, Txn::RegRead { .. } | Txn::RegWrite { .. } | Txn::Irq { .. });
        let mut still = 0;
        // The log only grows: look at the transactions of each edge, not the whole log.
        let mut seen = self.agents.borrow().log.len();
        while still < quiet {
            self.sim.rising_edge().await;
            let a = self.agents.borrow();
            let idle = a.pcie.is_idle() && a.mem.is_idle() && a.cmds.is_idle();
            let moved = a.log.get(seen..).is_some_and(|new| new.iter().any(|s| moving(&s.txn)));
            seen = a.log.len();
            drop(a);
            still = if idle && !moved { still + 1 } else { 0 };
        }
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
