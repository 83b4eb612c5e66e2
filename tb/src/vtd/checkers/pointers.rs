//! What the transaction stream says about the PRQ pointers without timing: which memory write an
//! acknowledgement is for (acks come in write order, whatever the kind), and the PRQ geometry
//! and hardware tail as PQA/PQT writes and descriptor acks move them (VTD-PRQ-1, -2, -8).

use crate::txn::Txn;
use models::vtd::regs::{self, PrqRing};
use std::collections::VecDeque;

/// The three kinds of memory write of `vtd_prq` (`mw_kind` 0, 1, 2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WriteKind {
    Descriptor,
    Status,
    Msi,
}

/// Memory writes awaiting their acknowledgement, oldest first, with their cycles.
pub(crate) struct WriteFifo {
    q: VecDeque<(WriteKind, u64)>,
}

impl WriteFifo {
    pub fn new() -> Self {
        WriteFifo { q: VecDeque::with_capacity(8) }
    }

    /// Follow one transaction; on an ack, the kind of the write it acknowledged.
    pub fn observe(&mut self, cycle: u64, t: &Txn) -> Option<WriteKind> {
        let kind = match t {
            Txn::MemWrite { .. } => WriteKind::Descriptor,
            Txn::StatusWrite { .. } => WriteKind::Status,
            Txn::Msi { .. } => WriteKind::Msi,
            Txn::MemAck { .. } => return self.q.pop_front().map(|(k, _)| k),
            _ => return None,
        };
        self.q.push_back((kind, cycle));
        None
    }

    /// Descriptor writes not yet acknowledged that were issued before `cycle`.
    pub fn descriptors_before(&self, cycle: u64) -> u32 {
        self.q.iter().filter(|&&(k, c)| k == WriteKind::Descriptor && c < cycle).count() as u32
    }
}

/// PRQ geometry (PQA) and the tail hardware must be at: PQT as last written plus one entry per
/// acknowledged descriptor since (VTD-PRQ-8: PQT advances only on the ack). Reset values 0
/// (OP-18); offsets are taken modulo 32N (OP-11).
#[derive(Clone, Copy, Debug)]
pub(crate) struct PrqPointers {
    pub pqa: u64,
    /// PQT as last written by software.
    pub pqt_written: u64,
    /// Descriptor acks since that write (or since reset).
    pub acked: u64,
    /// Descriptor writes issued and not yet acknowledged.
    pub in_flight: u64,
}

impl PrqPointers {
    pub fn new() -> Self {
        PrqPointers { pqa: 0, pqt_written: 0, acked: 0, in_flight: 0 }
    }

    pub fn ring(&self) -> PrqRing {
        PrqRing::from_pqa(self.pqa)
    }

    /// Entry index of a PQH/PQT register value.
    pub fn index_of(&self, reg: u64) -> u64 {
        self.ring().offset(reg) / PrqRing::ENTRY_BYTES
    }

    /// Index PQT was written to, plus `k` entries, modulo N.
    pub fn index_after(&self, k: u64) -> u64 {
        (self.index_of(self.pqt_written) + k) % u64::from(self.ring().entries())
    }

    /// Index the next descriptor write must use: after the acknowledged and in-flight ones.
    pub fn next_index(&self) -> u64 {
        self.index_after(self.acked + self.in_flight)
    }

    pub fn slot_addr(&self, index: u64) -> u64 {
        self.ring().entry_addr(self.pqa, index * PrqRing::ENTRY_BYTES)
    }

    /// Follow a register write or a descriptor write; `acked_kind` is what `WriteFifo` returned.
    pub fn observe(&mut self, t: &Txn, acked_kind: Option<WriteKind>) {
        match *t {
            Txn::RegWrite { addr: regs::PQA, data } => self.pqa = data,
            Txn::RegWrite { addr: regs::PQT, data } => {
                self.pqt_written = data;
                self.acked = 0;
            }
            Txn::MemWrite { .. } => self.in_flight += 1,
            _ => {}
        }
        if acked_kind == Some(WriteKind::Descriptor) {
            self.in_flight = self.in_flight.saturating_sub(1);
            self.acked += 1;
        }
    }
}
