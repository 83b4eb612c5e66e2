//! PRQ addressing: VTD-PRQ-1 (entry at byte offset o is written at PQA base + o, inside the
//! 32·N-byte queue) and VTD-PRQ-8 / VTD-PRQ-2 (the offset is PQT, which advances by one entry
//! per acknowledged descriptor, modulo 32N, from the value software last wrote).
//!
//! Writes still awaiting their ack count as done (there is no write error on VT-d, OP-5), so a
//! DUT with several descriptor writes in flight is judged correctly.

use super::pointers::{PrqPointers, WriteFifo};
use crate::checkers::{rule, Checker, Evaluations, Violation};
use crate::txn::{Stamped, Txn};
use models::vtd::regs::PrqRing;

pub struct PrqSlotChecker {
    writes: WriteFifo,
    ptr: PrqPointers,
    evals: Evaluations,
}

/// What it judges on every descriptor write: inside the PRQ (VTD-PRQ-1), at PQT's entry
/// (VTD-PRQ-8).
const RULES: &[models::rules::RuleId] = &[rule::VTD_PRQ_1, rule::VTD_PRQ_8];

impl PrqSlotChecker {
    pub fn new() -> Self {
        PrqSlotChecker { writes: WriteFifo::new(), ptr: PrqPointers::new(), evals: Evaluations::new(RULES) }
    }

    fn on_write(&mut self, cycle: u64, addr: u64, out: &mut Vec<Violation>) {
        self.evals.count(rule::VTD_PRQ_1);
        self.evals.count(rule::VTD_PRQ_8);
        let p = &self.ptr;
        let k = p.next_index();
        let exp = p.slot_addr(k);
        if addr == exp {
            return;
        }
        let ring = p.ring();
        let base = p.slot_addr(0);
        let inside = addr >= base && addr < base + ring.bytes() && (addr - base).is_multiple_of(PrqRing::ENTRY_BYTES);
        let message = if inside {
            format!(
                "descriptor written at 0x{addr:x} = entry {}, but PQT written as offset 0x{:x} plus {} acknowledged and {} in-flight descriptor(s) puts it in entry {k} at 0x{exp:x}",
                (addr - base) / PrqRing::ENTRY_BYTES,
                ring.offset(p.pqt_written),
                p.acked,
                p.in_flight
            )
        } else {
            format!(
                "descriptor written at 0x{addr:x}, outside the PRQ (base 0x{base:x}, {} entries of 32 bytes); it belongs in entry {k} at 0x{exp:x}",
                ring.entries()
            )
        };
        out.push(Violation { rule: if inside { rule::VTD_PRQ_8 } else { rule::VTD_PRQ_1 }, cycle, message });
        if inside {
            // Follow the DUT's tail from here so one slip reports once.
            let n = u64::from(ring.entries());
            let got = (addr - base) / PrqRing::ENTRY_BYTES;
            let start = (got + n - (p.acked + p.in_flight) % n) % n;
            self.ptr.pqt_written = start * PrqRing::ENTRY_BYTES;
        }
    }
}

impl Default for PrqSlotChecker {
    fn default() -> Self {
        Self::new()
    }
}

impl Checker for PrqSlotChecker {
    fn name(&self) -> &'static str {
        "vtd-prq-slot"
    }

    fn observe(&mut self, t: &Stamped, out: &mut Vec<Violation>) {
        if let Txn::MemWrite { addr, .. } = t.txn {
            self.on_write(t.cycle, addr, out);
        }
        let acked = self.writes.observe(t.cycle, &t.txn);
        self.ptr.observe(&t.txn, acked);
    }

    fn finish(&mut self, _end_cycle: u64, _out: &mut Vec<Violation>) {}

    fn evaluations(&self) -> &Evaluations {
        &self.evals
    }
}
