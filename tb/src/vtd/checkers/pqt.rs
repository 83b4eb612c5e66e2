//! PQT reads against the descriptor acknowledgements: VTD-PRQ-8 (PQT advances only after the
//! descriptor write is acknowledged, so a read never shows an unacknowledged entry) and
//! VTD-PRQ-16 (a PQT read covers every descriptor whose write was issued before the read was
//! received).
//!
//! The read's handshake is not in the stream, only its completion; the register port serves one
//! access at a time, so the read was received after the previous register access (of an earlier
//! cycle), and every descriptor write issued before that access must be covered. Entries are counted from the last
//! PQT write. A read is judged once every transaction of its cycle was seen (an ack of the same
//! cycle may be reported after it).

use super::pointers::{PrqPointers, WriteFifo};
use crate::checkers::{rule, Checker, Evaluations, Violation};
use crate::txn::{Stamped, Txn};
use models::vtd::regs;

/// A PQT read waiting for the end of its cycle.
#[derive(Clone, Copy, Debug)]
struct Read {
    cycle: u64,
    shown: u64,
    /// Descriptor writes it must cover (issued before the previous register access).
    must: u64,
}

pub struct PqtReadChecker {
    writes: WriteFifo,
    ptr: PrqPointers,
    /// Descriptor writes issued since the last PQT write.
    issued: u64,
    /// (cycle, descriptor writes issued in it) of the latest issue cycle.
    issued_cycle: (u64, u64),
    /// (cycle, descriptor writes issued before it) at the last register access, and at the one
    /// before: a read is received after the last access of an earlier cycle (an access stamped
    /// in the read's own completion cycle may have been handshaken after the read).
    last_access: (u64, u64),
    prev_access: (u64, u64),
    deferred: Option<Read>,
    evals: Evaluations,
}

/// What it judges on every PQT read: no unacknowledged entry (VTD-PRQ-8), every earlier
/// descriptor covered (VTD-PRQ-16).
const RULES: &[models::rules::RuleId] = &[rule::VTD_PRQ_8, rule::VTD_PRQ_16];

impl PqtReadChecker {
    pub fn new() -> Self {
        PqtReadChecker {
            writes: WriteFifo::new(),
            ptr: PrqPointers::new(),
            issued: 0,
            issued_cycle: (0, 0),
            last_access: (0, 0),
            prev_access: (0, 0),
            deferred: None,
            evals: Evaluations::new(RULES),
        }
    }

    fn judge(&mut self, out: &mut Vec<Violation>) {
        let Some(r) = self.deferred.take() else { return };
        self.evals.count(rule::VTD_PRQ_8);
        self.evals.count(rule::VTD_PRQ_16);
        let p = &self.ptr;
        let n = u64::from(p.ring().entries());
        let (lo, hi) = (r.must, p.acked);
        let base = p.index_of(p.pqt_written);
        let shown = p.index_of(r.shown);
        // Offset of the shown entry from the lowest legal one, modulo N.
        let d = (shown + 2 * n - (base + lo) % n) % n;
        if hi >= lo && (hi - lo >= n || d <= hi - lo) {
            return;
        }
        let ahead = hi >= lo && (shown + n - (base + hi) % n) % n < n / 2;
        let message = format!(
            "PQT read 0x{:x} (entry {shown}), but since PQT was written as entry {base}: {hi} descriptor(s) acknowledged and {lo} issued before the read was received; PQT must show an entry from {} to {}",
            r.shown,
            p.index_after(lo),
            p.index_after(hi.max(lo)),
        );
        out.push(Violation {
            rule: if ahead { rule::VTD_PRQ_8 } else { rule::VTD_PRQ_16 },
            cycle: r.cycle,
            message: if ahead {
                format!("{message}; it covers a descriptor not yet acknowledged")
            } else {
                format!("{message}; it misses a descriptor written before the read")
            },
        });
    }

    fn on_reg(&mut self, cycle: u64, t: &Txn) {
        if let Txn::RegRead { addr: regs::PQT, data } = *t {
            let (_, must) = if self.last_access.0 < cycle { self.last_access } else { self.prev_access };
            self.deferred = Some(Read { cycle, shown: data, must });
        }
        if self.last_access.0 < cycle {
            self.prev_access = self.last_access;
        }
        if let Txn::RegWrite { addr: regs::PQT, .. } = *t {
            // Entries are counted from here; writes issued before it are not.
            self.issued = 0;
            self.issued_cycle = (cycle, 0);
            self.prev_access = (cycle, 0);
        }
        let same_cycle = if self.issued_cycle.0 == cycle { self.issued_cycle.1 } else { 0 };
        self.last_access = (cycle, self.issued - same_cycle);
    }
}

impl Default for PqtReadChecker {
    fn default() -> Self {
        Self::new()
    }
}

impl Checker for PqtReadChecker {
    fn name(&self) -> &'static str {
        "vtd-pqt-read"
    }

    fn observe(&mut self, t: &Stamped, out: &mut Vec<Violation>) {
        if self.deferred.is_some_and(|r| r.cycle < t.cycle) {
            self.judge(out);
        }
        if let Txn::RegWrite { addr: regs::PQT | regs::PQA, .. } = t.txn {
            // Reprogrammed in the read's own cycle: which pointers the read saw is unknown.
            self.deferred = None;
        }
        match t.txn {
            Txn::RegRead { .. } | Txn::RegWrite { .. } => self.on_reg(t.cycle, &t.txn),
            Txn::MemWrite { .. } => {
                self.issued += 1;
                self.issued_cycle = if self.issued_cycle.0 == t.cycle { (t.cycle, self.issued_cycle.1 + 1) } else { (t.cycle, 1) };
            }
            _ => {}
        }
        let acked = self.writes.observe(t.cycle, &t.txn);
        self.ptr.observe(&t.txn, acked);
    }

    fn finish(&mut self, _end_cycle: u64, out: &mut Vec<Violation>) {
        self.judge(out);
    }

    fn evaluations(&self) -> &Evaluations {
        &self.evals
    }
}
