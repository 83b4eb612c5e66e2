//! Register reads push in-flight event interrupts: VTD-PRQ-20 (a read of PRS_REG, PQT_REG or
//! PECTL_REG is answered only after every page request event MSI already issued on the memory
//! port when the read was received has been acknowledged) and VTD-FLT-8 (the same for reads of
//! FSTS_REG or FECTL_REG and fault event MSIs).
//!
//! An MSI is *issued* at its memory-write handshake (`msi` in the stream) and acknowledged by
//! the `mem_ack` that pairs with it (acks come in write order, one per write of any kind). Its
//! unit is recognised by xEUADDR:xEADDR and xEDATA as last written: an MSI that two units could
//! have sent (same address and data) is not judged.
//!
//! The read's handshake is not in the stream, only its completion; as in the PQT read check
//! (`pqt.rs`), the register port serves one access at a time, so the read was received after
//! the previous register access completed, i.e. in a later cycle than that access. An MSI issued
//! in that access's cycle or earlier was issued before the read was received; one issued later
//! may have come after it and is not judged. An access stamped in the read's own completion
//! cycle may have followed the read, so the bound is then the access before it. A read is judged
//! once every transaction of its cycle was seen: an ack in the read's own cycle counts as before.

use super::units::{EventUnit, EventUnits};
use crate::checkers::{rule, Checker, Evaluations, Violation};
use crate::txn::{Stamped, Txn};
use models::rules::RuleId;
use models::vtd::regs::{self, Msi};
use std::collections::VecDeque;

/// The event units whose MSIs a read can push.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Event {
    /// Page request event (PECTL; VTD-PRQ-20).
    Page,
    /// Fault event (FECTL; VTD-FLT-8).
    Fault,
}

impl Event {
    fn rule(self) -> RuleId {
        match self {
            Event::Page => rule::VTD_PRQ_20,
            Event::Fault => rule::VTD_FLT_8,
        }
    }
    fn what(self) -> &'static str {
        match self {
            Event::Page => "page request event MSI",
            Event::Fault => "fault event MSI",
        }
    }
    fn registers(self) -> &'static str {
        match self {
            Event::Page => "PRS_REG, PQT_REG or PECTL_REG",
            Event::Fault => "FSTS_REG or FECTL_REG",
        }
    }
}

/// The event unit whose in-flight MSIs a read of `addr` pushes, and the register's name.
fn pushed_by(addr: u32) -> Option<(Event, &'static str)> {
    match addr {
        regs::PRS => Some((Event::Page, "PRS_REG")),
        regs::PQT => Some((Event::Page, "PQT_REG")),
        regs::PECTL => Some((Event::Page, "PECTL_REG")),
        regs::FSTS => Some((Event::Fault, "FSTS_REG")),
        regs::FECTL => Some((Event::Fault, "FECTL_REG")),
        _ => None,
    }
}

/// A memory write awaiting its acknowledgement.
#[derive(Clone, Copy, Debug)]
struct InFlight {
    /// The event unit of an MSI recognised as one (None: another kind, or not told apart).
    event: Option<Event>,
    addr: u64,
    cycle: u64,
}

/// A pushing read waiting for the end of its completion cycle.
#[derive(Clone, Copy, Debug)]
struct Read {
    cycle: u64,
    event: Event,
    name: &'static str,
    /// MSIs issued in this cycle or earlier were issued before the read was received.
    bound: u64,
}

pub struct ReadPushChecker {
    units: EventUnits,
    writes: VecDeque<InFlight>,
    /// Cycle of the latest register access, and of the latest one of an earlier cycle.
    last_access: Option<u64>,
    prev_access: Option<u64>,
    deferred: Option<Read>,
    evals: Evaluations,
}

impl ReadPushChecker {
    pub fn new() -> Self {
        ReadPushChecker {
            units: EventUnits::default(),
            writes: VecDeque::with_capacity(8),
            last_access: None,
            prev_access: None,
            deferred: None,
            evals: Evaluations::new(&[rule::VTD_PRQ_20, rule::VTD_FLT_8]),
        }
    }

    /// The unit an MSI comes from, if it is one whose MSIs a read pushes.
    fn event_of(&self, m: Msi) -> Option<Event> {
        match self.units.unit_of(m)? {
            EventUnit::Page => Some(Event::Page),
            EventUnit::Fault => Some(Event::Fault),
            EventUnit::Completion => None,
        }
    }

    /// A register access completed (a write's handshake, a read's data) at `cycle`.
    fn on_access(&mut self, cycle: u64) {
        if self.last_access.is_some_and(|c| c < cycle) {
            self.prev_access = self.last_access;
        }
        self.last_access = Some(cycle);
    }

    fn on_read(&mut self, cycle: u64, addr: u32) {
        let Some((event, name)) = pushed_by(addr) else { return };
        // The latest access of a cycle before the read's completion cycle.
        let bound = if self.last_access.is_some_and(|c| c < cycle) { self.last_access } else { self.prev_access };
        if let Some(bound) = bound {
            self.deferred = Some(Read { cycle, event, name, bound });
        }
    }

    fn judge(&mut self, out: &mut Vec<Violation>) {
        let Some(r) = self.deferred.take() else { return };
        self.evals.count(r.event.rule());
        let Some(w) = self.writes.iter().find(|w| w.event == Some(r.event) && w.cycle <= r.bound) else { return };
        out.push(Violation {
            rule: r.event.rule(),
            cycle: r.cycle,
            message: format!(
                "{} read returned at cycle {}, but the {} to 0x{:x} issued at cycle {} (not later than the register access of cycle {} that preceded the read, so before the read was received) was not yet acknowledged: a read of {} is answered only after every {} issued before it is acknowledged",
                r.name,
                r.cycle,
                r.event.what(),
                w.addr,
                w.cycle,
                r.bound,
                r.event.registers(),
                r.event.what(),
            ),
        });
    }
}

impl Default for ReadPushChecker {
    fn default() -> Self {
        Self::new()
    }
}

impl Checker for ReadPushChecker {
    fn name(&self) -> &'static str {
        "vtd-read-push"
    }

    fn observe(&mut self, t: &Stamped, out: &mut Vec<Violation>) {
        if self.deferred.is_some_and(|r| r.cycle < t.cycle) {
            self.judge(out);
        }
        match t.txn {
            Txn::RegWrite { addr, data } => {
                self.units.on_reg_write(addr, data);
                self.on_access(t.cycle);
            }
            Txn::RegRead { addr, .. } => {
                self.on_read(t.cycle, addr);
                self.on_access(t.cycle);
            }
            Txn::Msi { addr, data } => {
                let event = self.event_of(Msi { addr, data });
                self.writes.push_back(InFlight { event, addr, cycle: t.cycle });
            }
            Txn::MemWrite { addr, .. } | Txn::StatusWrite { addr, .. } => {
                self.writes.push_back(InFlight { event: None, addr, cycle: t.cycle });
            }
            Txn::MemAck { .. } => {
                self.writes.pop_front();
            }
            _ => {}
        }
    }

    fn finish(&mut self, _end_cycle: u64, out: &mut Vec<Violation>) {
        self.judge(out);
    }

    fn evaluations(&self) -> &Evaluations {
        &self.evals
    }
}
