//! PROD never covers an unacknowledged entry (SMMU-PRIQ-3; SMMU-EVTQ-1 and -11 for the event
//! queue): a PROD read never shows more entries produced than good acks since PROD was last set.
//!
//! Only that upper bound is timing-free. A read may legitimately lag (it shows the register at
//! some time before its completion), so a value behind the ack count is accepted. A read is
//! judged once every transaction of its cycle has been seen (an ack of the same cycle may be
//! reported after it). With pointers of n+1 bits, "ahead by d" and "behind by 2^(n+1)-d" look
//! alike: a difference is read as ahead when d < 2^n, so a one-entry queue (n = 0) cannot show
//! a violation. The `RegRead` cycle is taken as its completion (data return), see docs/trace.md.

use super::programmed::{Geom, Queue, QueueRegs, PRIQ};
use crate::checkers::{Checker, Evaluations, Violation};
use crate::txn::{Stamped, Txn};

pub struct ProdCoverageChecker {
    regs: QueueRegs,
    /// PROD reads not yet judged: (cycle, value).
    deferred: Vec<(u64, u32)>,
    evals: Evaluations,
}

/// Entries a read of PROD shows beyond the acknowledged ones (0 if none).
fn ahead(g: &Geom, shown: u32) -> u32 {
    let m = g.ptr_mask();
    let d = shown.wrapping_sub(g.prod) & m;
    if d == 0 {
        return 0;
    }
    if g.n > 0 && d < (1 << g.n) {
        return d;
    }
    let behind = (m + 1) - d;
    if u64::from(behind) <= g.acked {
        0
    } else {
        d
    }
}

impl ProdCoverageChecker {
    /// The PRIQ's checker; `priqs`: IDR1.PRIQS.
    pub fn new(priqs: u32) -> Self {
        Self::for_queue(PRIQ, priqs)
    }

    /// The checker of `queue`, whose IDR1 size field is `cap` (48-bit addresses, OP-19).
    pub fn for_queue(queue: Queue, cap: u32) -> Self {
        ProdCoverageChecker {
            regs: QueueRegs::new(queue, cap, 48),
            deferred: Vec::with_capacity(4),
            evals: Evaluations::new(queue.prod_rules),
        }
    }

    fn judge(&mut self, out: &mut Vec<Violation>) {
        let q = self.regs.queue;
        for &(cycle, shown) in &self.deferred {
            self.evals.count(q.advance_rule);
            let g = self.regs.main;
            let d = ahead(&g, shown);
            if d == 0 || self.regs.alt.is_some_and(|a| ahead(&a, shown) == 0) {
                continue;
            }
            let m = g.ptr_mask();
            out.push(Violation {
                rule: q.advance_rule,
                cycle,
                message: format!(
                    "{}_PROD read 0x{shown:x} (WR index {} wrap {}) but only {} entry write(s) were acknowledged without error since PROD was 0x{:x}: PROD covers {d} entr{} not yet acknowledged (PROD.WR should be at most 0x{:x})",
                    if q.label == "EVTQ" { "EVENTQ" } else { q.label },
                    shown & g.index_mask(),
                    (shown >> g.n) & 1,
                    g.acked,
                    g.prod.wrapping_sub(g.acked as u32) & m,
                    if d == 1 { "y" } else { "ies" },
                    g.prod & m
                ),
            });
        }
        self.deferred.clear();
    }
}

impl Checker for ProdCoverageChecker {
    fn name(&self) -> &'static str {
        self.regs.queue.prod_checker
    }

    fn observe(&mut self, t: &Stamped, out: &mut Vec<Violation>) {
        if self.deferred.first().is_some_and(|&(c, _)| c < t.cycle) {
            self.judge(out);
        }
        match t.txn {
            Txn::RegRead { addr, data } if addr == self.regs.queue.prod_reg => self.deferred.push((t.cycle, data as u32)),
            ref x => self.regs.observe(x),
        }
    }

    fn finish(&mut self, _end_cycle: u64, out: &mut Vec<Violation>) {
        self.judge(out);
    }

    fn evaluations(&self) -> &Evaluations {
        &self.evals
    }
}
