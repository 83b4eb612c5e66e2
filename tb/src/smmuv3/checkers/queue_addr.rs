//! Queue addressing: SMMU-PRIQ-1 (16-byte entries at base + 16k inside a 2^n-entry queue) and
//! SMMU-PRIQ-3 (the index advances by one per good ack, in order; a failed ack does not advance).
//!
//! The base and LOG2SIZE are learnt from PRIQ_BASE writes, the starting index from PRIQ_PROD
//! writes (reset values 0, OP-18); writes ignored because the queue was enabled (SMMU-PRIQ-14)
//! are ignored here too. Writes still awaiting their ack are assumed to succeed, so a pipelined
//! DUT with several writes in flight is judged correctly.

use super::programmed::{Geom, PriqRegs};
use crate::checkers::{rule, Checker, Evaluations, Violation};
use crate::txn::{Stamped, Txn};

pub struct QueueAddressChecker {
    regs: PriqRegs,
    evals: Evaluations,
}

/// What it judges on every entry write: its size and place in the queue (SMMU-PRIQ-1) and its
/// index (SMMU-PRIQ-3).
const RULES: &[models::rules::RuleId] = &[rule::SMMU_PRIQ_1, rule::SMMU_PRIQ_3];

impl QueueAddressChecker {
    /// `priqs`: IDR1.PRIQS, the largest LOG2SIZE honoured. Addresses are 48-bit (OP-19).
    pub fn new(priqs: u32) -> Self {
        Self::with_addr_bits(priqs, 48)
    }

    pub fn with_addr_bits(priqs: u32, addr_bits: u32) -> Self {
        QueueAddressChecker { regs: PriqRegs::new(priqs, addr_bits), evals: Evaluations::new(RULES) }
    }

    fn expected(&self, g: &Geom) -> (u32, u64) {
        let k = g.prod.wrapping_add(self.regs.in_flight) & g.index_mask();
        (k, g.slot_addr(k))
    }

    fn on_write(&mut self, cycle: u64, addr: u64, bytes: u8, out: &mut Vec<Violation>) {
        self.evals.count(rule::SMMU_PRIQ_1);
        self.evals.count(rule::SMMU_PRIQ_3);
        if bytes != 16 {
            out.push(Violation {
                rule: rule::SMMU_PRIQ_1,
                cycle,
                message: format!("queue write at 0x{addr:x} is {bytes} bytes; PRIQ entries are 16 bytes"),
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
            let size = 16u64 << g.n;
            let inside = addr >= g.base && addr < g.base + size && addr.is_multiple_of(16);
            let got = ((addr.wrapping_sub(g.base)) / 16) as u32;
            out.push(Violation {
                rule: if inside { rule::SMMU_PRIQ_3 } else { rule::SMMU_PRIQ_1 },
                cycle,
                message: if inside {
                    format!(
                        "entry written at 0x{addr:x} = slot {got}, but PROD.WR 0x{:x} after {} good ack(s){} puts the next entry in slot {k} at 0x{exp:x}",
                        g.prod,
                        g.acked,
                        if self.regs.in_flight > 0 { format!(" plus {} write(s) in flight", self.regs.in_flight) } else { String::new() },
                    )
                } else {
                    format!(
                        "entry written at 0x{addr:x}, outside the queue (base 0x{:x}, 2^{} entries of 16 bytes); the next entry belongs in slot {k} at 0x{exp:x}",
                        g.base, g.n
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
        "smmuv3-priq-address"
    }

    fn observe(&mut self, t: &Stamped, out: &mut Vec<Violation>) {
        match t.txn {
            Txn::MemWrite { addr, bytes, .. } => {
                self.on_write(t.cycle, addr, bytes, out);
                self.regs.observe(&t.txn);
            }
            ref x => self.regs.observe(x),
        }
    }

    fn finish(&mut self, _end_cycle: u64, _out: &mut Vec<Violation>) {}

    fn evaluations(&self) -> &Evaluations {
        &self.evals
    }
}
