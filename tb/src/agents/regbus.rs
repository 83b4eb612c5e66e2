//! Register-bus agent: performs queued reads and writes one at a time on the MMIO port
//! (valid/ready request, read data one cycle later per `rtl/README.md`).

use super::{Done, DonePool};
use std::collections::VecDeque;

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
    /// The access driven this cycle was accepted at this edge.
    pub fn on_accept(&mut self, cycle: u64) {
        let op = self.queue.pop_front().expect("register handshake without a queued access");
        match op.kind {
            RegOpKind::Write(_) => self.pool.complete(op.done, 0, cycle),
            RegOpKind::Read => self.in_flight = Some(op),
        }
    }
    /// Read data returned (`reg_rvalid` after this edge). Returns the address read.
    pub fn on_rdata(&mut self, data: u64, cycle: u64) -> Option<u32> {
        let op = self.in_flight.take()?;
        self.pool.complete(op.done, data, cycle);
        Some(op.addr)
    }
}
