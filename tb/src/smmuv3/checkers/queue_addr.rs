//! Queue addressing: SMMU-PRIQ-1 (16-byte entries at base + 16k inside a 2^n-entry queue) and
//! SMMU-PRIQ-3 (the index advances by one per good ack, in order; a failed ack does not advance);
//! for the event queue both are SMMU-EVTQ-1 (32-byte records).
//!
//! The base and LOG2SIZE are learnt from BASE writes, the starting index from PROD
//! writes (reset values 0, OP-18); writes ignored because the queue was enabled (SMMU-PRIQ-14)
//! are ignored here too. Writes still awaiting their ack are assumed to succeed, so a pipelined
//! DUT with several writes in flight is judged correctly.

use super::programmed::{Geom, Queue, QueueRegs, QueueTxn, PRIQ};
use crate::checkers::{Checker, Evaluations, Violation};
use crate::txn::Stamped;

pub struct QueueAddressChecker {
    regs: QueueRegs,
    evals: Evaluations,
}

impl QueueAddressChecker {
    /// `priqs`: IDR1.PRIQS, the largest LOG2SIZE honoured. Addresses are 48-bit (OP-19).
    pub fn new(priqs: u32) -> Self {
        Self::with_addr_bits(priqs, 48)
    }

    pub fn with_addr_bits(priqs: u32, addr_bits: u32) -> Self {
        Self::for_queue(PRIQ, priqs, addr_bits)
    }

    /// The checker of `queue`, whose IDR1 size field is `cap`. It judges on every entry write its
    /// size and place in the queue (`geometry_rule`) and its index (`advance_rule`).
    pub fn for_queue(queue: Queue, cap: u32, addr_bits: u32) -> Self {
        QueueAddressChecker { regs: QueueRegs::new(queue, cap, addr_bits), evals: Evaluations::new(queue.address_rules) }
    }

    fn expected(&self, g: &Geom) -> (u32, u64) {
        let k = g.prod.wrapping_add(self.regs.in_flight) & g.index_mask();
        (k, g.slot_addr(k))
    }

    fn on_write(&mut self, cycle: u64, addr: u64, bytes: u8, out: &mut Vec<Violation>) {
        let q = self.regs.queue;
        let size = q.entry_bytes;
        self.evals.count(q.geometry_rule);
        if q.advance_rule != q.geometry_rule {
            self.evals.count(q.advance_rule);
        }
        if u64::from(bytes) != size {
            out.push(Violation {
                rule: q.geometry_rule,
                cycle,
                message: format!("queue write at 0x{addr:x} is {bytes} bytes; {} entries are {size} bytes", q.label),
            });
        }
        let g = self.regs.main;
        let (k, exp) = self.expected(&g);
        if addr == exp {
            self.regs.alt = None;
        } else if self.regs.alt.map(|a| self.expected(&a).1) == Some(addr) {
            self.regs.choose_alt();
        } else {
            self.regs.alt = None;
            let bytes_total = size << g.n;
            let inside = addr >= g.base && addr < g.base + bytes_total && addr.is_multiple_of(size);
            let got = ((addr.wrapping_sub(g.base)) / size) as u32;
            out.push(Violation {
                rule: if inside { q.advance_rule } else { q.geometry_rule },
                cycle,
                message: if inside {
                    format!(
                        "{} entry written at 0x{addr:x} = slot {got}, but PROD.WR 0x{:x} after {} good ack(s){} puts the next entry in slot {k} at 0x{exp:x}",
                        q.label,
                        g.prod,
                        g.acked,
                        if self.regs.in_flight > 0 { format!(" plus {} write(s) in flight", self.regs.in_flight) } else { String::new() },
                    )
                } else {
                    format!(
                        "{} entry written at 0x{addr:x}, outside the queue (base 0x{:x}, 2^{} entries of {size} bytes); the next entry belongs in slot {k} at 0x{exp:x}",
                        q.label, g.base, g.n
                    )
                },
            });
            if inside {
                // Follow the DUT's index from here so one slip reports once.
                let m = g.index_mask();
                let p = &mut self.regs.main.prod;
                *p = (*p & !m) | (got.wrapping_sub(self.regs.in_flight) & m);
            }
        }
    }
}

impl Checker for QueueAddressChecker {
    fn name(&self) -> &'static str {
        self.regs.queue.address_checker
    }

    fn observe(&mut self, t: &Stamped, out: &mut Vec<Violation>) {
        if let Some(QueueTxn::Write { addr, bytes }) = self.regs.classify(&t.txn) {
            self.on_write(t.cycle, addr, bytes, out);
        }
        self.regs.observe(&t.txn);
    }

    fn finish(&mut self, _end_cycle: u64, _out: &mut Vec<Violation>) {}

    fn evaluations(&self) -> &Evaluations {
        &self.evals
    }
}
