//! Descriptors hardware must not write: VTD-PRQ-3 (the PRQ never holds more than N−1 entries, so
//! the entry just before PQH is never written) and VTD-PRQ-9 (PRO is sticky: nothing is written
//! for a message decided while PRO=1).
//!
//! The decision time is not visible, only that it lies between the message's acceptance and its
//! descriptor write. So a write into the entry before PQH is blamed only if every PQH value that
//! could have been in effect in that interval makes the queue full; and a write is blamed for PRO
//! only if its message was accepted after a PRS read showed PRO=1 and software has not written
//! PRO to clear it since (PRO=1 then held from before the acceptance to after the write).

use super::messages::MessageLog;
use super::pointers::PrqPointers;
use crate::checkers::ledger::WriteMatch;
use crate::checkers::{rule, Checker, Evaluations, ShowReq, Violation};
use crate::txn::{Stamped, Txn};
use models::vtd::regs;
use std::collections::VecDeque;

pub struct PrqAdmissionChecker {
    log: MessageLog,
    ptr: PrqPointers,
    /// PQH writes (cycle, value), oldest first; the first is the value in effect before the
    /// oldest pending message was accepted (reset value 0 at cycle 0).
    pqh: VecDeque<(u64, u64)>,
    /// Cycle of the PRS read that showed PRO=1, if PRO has not been cleared since.
    pro_seen: Option<u64>,
    evals: Evaluations,
}

/// What it judges: every descriptor write of a message against the PQH values (VTD-PRQ-3); each
/// PRS read that shows PRO=1, from which on writes are judged against it (VTD-PRQ-9).
const RULES: &[models::rules::RuleId] = &[rule::VTD_PRQ_3, rule::VTD_PRQ_9];

impl PrqAdmissionChecker {
    pub fn new() -> Self {
        let mut pqh = VecDeque::with_capacity(16);
        pqh.push_back((0, 0));
        PrqAdmissionChecker { log: MessageLog::new(), ptr: PrqPointers::new(), pqh, pro_seen: None, evals: Evaluations::new(RULES) }
    }

    /// PQH values that may have been in effect for a message accepted at `accepted`.
    fn pqh_candidates(&self, accepted: u64) -> impl Iterator<Item = u64> + '_ {
        let first = self.pqh.iter().rposition(|&(c, _)| c <= accepted).unwrap_or(0);
        self.pqh.iter().skip(first).map(|&(_, v)| v)
    }

    /// `k`: the entry index the write goes to; `m`: the message it was matched to.
    fn on_write(&mut self, cycle: u64, addr: u64, k: u64, m: WriteMatch, out: &mut Vec<Violation>) {
        let seq = match m {
            WriteMatch::Exact { seq } | WriteMatch::Approx { seq, .. } => seq,
            WriteMatch::Unmatched => return,
        };
        self.evals.count(rule::VTD_PRQ_3);
        let r = *self.log.ledger.get(seq).expect("matched record is alive");
        let n = u64::from(self.ptr.ring().entries());
        let full_at = (k + 1) % n;
        if self.pqh_candidates(r.cycle).all(|h| self.ptr.index_of(h) == full_at) {
            out.push(Violation {
                rule: rule::VTD_PRQ_3,
                cycle,
                message: format!(
                    "descriptor for {} accepted at cycle {} written at 0x{addr:x} = entry {k}, the entry just before PQH (entry {full_at}) for every PQH value since its acceptance: the PRQ was full (N−1 = {} entries) and would now hold N",
                    ShowReq(&r.msg),
                    r.cycle,
                    n - 1
                ),
            });
        }
        if let Some(seen) = self.pro_seen.filter(|&s| r.cycle > s) {
            out.push(Violation {
                rule: rule::VTD_PRQ_9,
                cycle,
                message: format!(
                    "descriptor for {} accepted at cycle {} written at 0x{addr:x}, but a PRS read at cycle {seen} showed PRO=1 and PRO was not cleared since: no descriptor is written while PRO=1",
                    ShowReq(&r.msg),
                    r.cycle
                ),
            });
        }
    }

    /// Forget PQH values no pending message can have seen.
    fn prune_pqh(&mut self) {
        let oldest = self.log.ledger.pending().next().map_or(u64::MAX, |r| r.cycle);
        while self.pqh.len() > 1 && self.pqh[1].0 <= oldest {
            self.pqh.pop_front();
        }
    }
}

impl Default for PrqAdmissionChecker {
    fn default() -> Self {
        Self::new()
    }
}

impl Checker for PrqAdmissionChecker {
    fn name(&self) -> &'static str {
        "vtd-prq-admission"
    }

    fn observe(&mut self, t: &Stamped, out: &mut Vec<Violation>) {
        let k = self.ptr.next_index();
        let step = self.log.observe(t);
        match t.txn {
            Txn::MemWrite { addr, .. } => {
                if let Some((_, m)) = step.write {
                    self.on_write(t.cycle, addr, k, m, out);
                }
            }
            Txn::RegWrite { addr: regs::PQH, data } => self.pqh.push_back((t.cycle, data)),
            Txn::RegWrite { addr: regs::PRS, data } if data as u32 & regs::PRS_PRO != 0 => self.pro_seen = None,
            Txn::RegRead { addr: regs::PRS, data } if data as u32 & regs::PRS_PRO != 0 => {
                self.evals.count(rule::VTD_PRQ_9);
                self.pro_seen.get_or_insert(t.cycle);
            }
            _ => {}
        }
        self.ptr.observe(&t.txn, step.acked);
        self.log.ledger.retire(|_| true);
        self.prune_pqh();
    }

    fn finish(&mut self, _end_cycle: u64, _out: &mut Vec<Violation>) {
        self.log.ledger.finish();
    }

    fn evaluations(&self) -> &Evaluations {
        &self.evals
    }
}
