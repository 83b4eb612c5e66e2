//! Where the transactions of a run go, for either flavor's bench: the timing-free protocol
//! checkers, the flavor's functional coverage, the JSON-lines trace, the recent-transaction ring
//! of failure reports and (for directed tests' assertions) the agents' log. The bench's
//! monitors turn handshakes into transactions and hand each one to [`Observers::emit`].

use crate::agents::pcie_fn::DeviceEvent;
use crate::checkers::{Checker, Violation};
use crate::env::Agents;
use crate::trace::{RecentTxns, TraceWriter};
use crate::txn::{Stamped, StopVariant, Txn};
use models::pcie::Variant;

/// Functional coverage sampled from transactions (each flavor's coverage model).
pub trait TxnCoverage {
    fn on_txn(&mut self, t: &Stamped);
}

pub struct Observers {
    checkers: Vec<Box<dyn Checker>>,
    /// Violations reported since the bench last looked.
    pub violations: Vec<Violation>,
    /// The checker that reported the run's first violation (the judge of a failed run).
    pub first_checker: Option<&'static str>,
    trace: Option<TraceWriter>,
    /// First failure to write the trace (reported once the run ends).
    pub trace_error: Option<String>,
    pub recent: RecentTxns,
    keep_log: bool,
}

impl Observers {
    pub fn new(checkers: Vec<Box<dyn Checker>>, trace: Option<TraceWriter>, keep_log: bool) -> Observers {
        Observers { checkers, violations: Vec::new(), first_checker: None, trace, trace_error: None, recent: RecentTxns::new(32), keep_log }
    }

    /// Hand one transaction, seen at edge `cycle`, to every consumer.
    pub fn emit(&mut self, a: &mut Agents, coverage: &mut impl TxnCoverage, cycle: u64, txn: Txn) {
        let s = Stamped { cycle, txn };
        self.recent.push(s);
        for c in self.checkers.iter_mut() {
            c.observe(&s, &mut self.violations);
            if self.first_checker.is_none() && !self.violations.is_empty() {
                self.first_checker = Some(c.name());
            }
        }
        coverage.on_txn(&s);
        if let Some(t) = self.trace.as_mut() {
            if let Err(e) = t.write(&s) {
                self.trace_error.get_or_insert_with(|| e.to_string());
            }
        }
        if self.keep_log {
            a.log.push(s);
        }
    }

    /// Report the host events a sequence queued and the device events the PCIe agent raised
    /// since the last call, in order, stamped with `edge`.
    pub fn flush_device_events(&mut self, a: &mut Agents, coverage: &mut impl TxnCoverage, edge: u64) {
        if !a.host_events.is_empty() {
            let mut events = std::mem::take(&mut a.host_events);
            for txn in events.drain(..) {
                self.emit(a, coverage, edge, txn);
            }
            a.host_events = events;
        }
        if a.pcie.events.is_empty() {
            return;
        }
        let mut events = std::mem::take(&mut a.pcie.events);
        for e in &events {
            for txn in device_txns(e) {
                self.emit(a, coverage, edge, txn);
            }
        }
        events.clear();
        a.pcie.events = events; // keep the buffer: no allocation next time
    }

    /// The run's protocol checkers (their evaluation counters, at the end of the run).
    pub fn checkers(&self) -> &[Box<dyn Checker>] {
        &self.checkers
    }

    /// End of test: liveness checks of every checker, and the trace closed.
    pub fn finish(&mut self, cycle: u64) -> Vec<Violation> {
        let mut v = std::mem::take(&mut self.violations);
        for c in self.checkers.iter_mut() {
            c.finish(cycle, &mut v);
            if self.first_checker.is_none() && !v.is_empty() {
                self.first_checker = Some(c.name());
            }
        }
        if let Some(t) = self.trace.as_mut() {
            if let Err(e) = t.finish() {
                self.trace_error.get_or_insert_with(|| e.to_string());
            }
        }
        v
    }
}

/// The transactions that report a device event (`tb::txn`, device- and host-side kinds).
fn device_txns(e: &DeviceEvent) -> impl Iterator<Item = Txn> {
    let (a, b) = match *e {
        DeviceEvent::StopRequested { rid, pasid, variant, sent } => {
            let variant = match variant {
                Variant::A => StopVariant::A,
                Variant::B { .. } => StopVariant::B,
            };
            (Txn::StopRequested { rid, pasid, variant, sent }, None)
        }
        DeviceEvent::StopComplete { rid, pasid, sent } => (Txn::StopComplete { rid, pasid, sent }, None),
        // HOST-27 as far as the random class models it: the old incarnation is answered, the host
        // frees the PASID and binds it again (queue drain is modelled by the directed scenarios).
        DeviceEvent::Rebound { rid, pasid, .. } => (Txn::PasidFreed { pasid }, Some(Txn::PasidBound { rid, pasid })),
    };
    std::iter::once(a).chain(b)
}
