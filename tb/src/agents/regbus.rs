//! Register-bus agent: performs queued reads and writes one at a time on the MMIO port
//! (valid/ready request, then `reg_rvalid` with the data). It waits for the read data however
//! many cycles it takes and presents nothing meanwhile, so a block may answer a read k cycles
//! after the request with `reg_ready` low in between (the embedded SMMUv3 block answers after
//! one edge, `alt/smmuv3_priq` after two); only [`REGISTER_PATIENCE`] bounds the wait.

use super::{Done, DonePool, Watchdog};
use std::collections::VecDeque;

/// Cycles a register access may take from its first cycle at the head of the queue until it
/// completes: one or two cycles, or, for a VT-d read of PRS, PQT, PECTL, FSTS or FECTL, until the
/// event MSI in flight is acknowledged (VTD-PRQ-20, VTD-FLT-8). No passing run of the
/// regression took more than 50.
pub const REGISTER_PATIENCE: u64 = 2_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegOpKind {
    Read,
    Write(u64),
}

struct RegOp {
    addr: u32,
    kind: RegOpKind,
    done: Done,
}

/// What the agent drives on the register port this cycle.
#[derive(Clone, Copy, Debug, Default)]
pub struct RegDrive {
    pub valid: bool,
    pub write: bool,
    pub addr: u32,
    pub wdata: u64,
}

#[derive(Default)]
pub struct RegAgent {
    queue: VecDeque<RegOp>,
    /// A read that was accepted and waits for its data.
    in_flight: Option<RegOp>,
    pool: DonePool,
    watchdog: Watchdog,
}

impl RegAgent {
    pub fn read(&mut self, addr: u32) -> Done {
        self.push(addr, RegOpKind::Read)
    }
    pub fn write(&mut self, addr: u32, data: u64) -> Done {
        self.push(addr, RegOpKind::Write(data))
    }
    fn push(&mut self, addr: u32, kind: RegOpKind) -> Done {
        let done = self.pool.take();
        self.queue.push_back(RegOp { addr, kind, done: done.clone() });
        done
    }
    pub fn is_idle(&self) -> bool {
        self.queue.is_empty() && self.in_flight.is_none()
    }
    /// One access at a time: a read blocks the next access until its data returned.
    pub fn drive(&self) -> RegDrive {
        match (&self.in_flight, self.queue.front()) {
            (None, Some(op)) => RegDrive {
                valid: true,
                write: matches!(op.kind, RegOpKind::Write(_)),
                addr: op.addr,
                wdata: match op.kind {
                    RegOpKind::Write(d) => d,
                    RegOpKind::Read => 0,
                },
            },
            _ => RegDrive::default(),
        }
    }
    /// The access at the head has waited more than [`REGISTER_PATIENCE`] cycles at `edge`: what it
    /// is, for the failure report (OP-15).
    #[inline]
    pub fn overdue(&mut self, edge: u64) -> Option<String> {
        let busy = !self.is_idle();
        if !self.watchdog.overdue(busy, edge, REGISTER_PATIENCE) {
            return None;
        }
        let op = self.in_flight.as_ref().or(self.queue.front())?;
        Some(match op.kind {
            RegOpKind::Write(d) => format!("the register write of {d:#x} to {:#x}", op.addr),
            RegOpKind::Read => format!("the data of the register read of {:#x} (a VT-d read of PRS, PQT, PECTL, FSTS or FECTL waits for the event MSI in flight: VTD-PRQ-20, VTD-FLT-8)", op.addr),
        })
    }
    /// The access driven this cycle was accepted at this edge.
    pub fn on_accept(&mut self, cycle: u64) {
        let op = self.queue.pop_front().expect("register handshake without a queued access");
        match op.kind {
            RegOpKind::Write(_) => {
                self.pool.complete(op.done, 0, cycle);
                self.watchdog.restart();
            }
            RegOpKind::Read => self.in_flight = Some(op),
        }
    }
    /// Read data returned (`reg_rvalid` after this edge). Returns the address read.
    pub fn on_rdata(&mut self, data: u64, cycle: u64) -> Option<u32> {
        let op = self.in_flight.take()?;
        self.pool.complete(op.done, data, cycle);
        self.watchdog.restart();
        Some(op.addr)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_data_may_come_several_cycles_after_the_request() {
        let mut a = RegAgent::default();
        let done = a.read(0x24);
        let _ = a.write(0x20, 3);
        assert!(a.drive().valid && !a.drive().write, "the read is presented first");
        a.on_accept(5);
        // Data two or more edges later: nothing is presented while it is awaited.
        for edge in 6..9 {
            assert!(!a.drive().valid, "edge {edge}: no access while the read waits for its data");
            assert_eq!(a.overdue(edge), None);
        }
        assert!(!done.is_done());
        assert_eq!(a.on_rdata(0x3, 9), Some(0x24));
        assert!(done.is_done() && done.cycle() == 9, "completed at the data edge");
        assert!(a.drive().valid && a.drive().write, "then the queued write");
    }

    #[test]
    fn watchdog_names_an_access_that_never_completes() {
        let mut a = RegAgent::default();
        assert_eq!(a.overdue(1), None, "idle: nothing to wait for");
        let _ = a.read(0x20);
        assert_eq!(a.overdue(10), None);
        assert_eq!(a.overdue(10 + REGISTER_PATIENCE), None, "at the bound");
        let late = a.overdue(11 + REGISTER_PATIENCE).expect("past the bound");
        assert!(late.contains("register read of 0x20"), "{late}");
        // Accepted, then its data comes: the next access waits from its own start.
        a.on_accept(12 + REGISTER_PATIENCE);
        assert_eq!(a.on_rdata(7, 13 + REGISTER_PATIENCE), Some(0x20));
        let _ = a.write(0x24, 1);
        assert_eq!(a.overdue(20 + REGISTER_PATIENCE), None);
        assert!(a.overdue(21 + 2 * REGISTER_PATIENCE).is_some());
    }
}
