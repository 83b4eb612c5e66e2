//! Queue-entry content and order: SMMU-PRIQ-4, PRI-31, SMMU-PRIQ-11 (and the RES0 / one-entry
//! parts of SMMU-PRIQ-3).
//!
//! Every queue-memory write must decode (smmuv3.md §4) to a message accepted at the ingress and
//! not yet accounted for. Writes follow ingress order, but a message may be skipped (dropped or
//! answered automatically, which only the response checker judges): so the entry must equal some
//! pending message, the first such one is taken, and all pending messages before it become "not
//! queued". Which message was skipped legitimately depends on queue state and timing, so this
//! checker never blames a skip; a message written after a later one was written is blamed
//! (PRI-31).

use super::priq_entry::decode_priq_entry;
use crate::checkers::entry::diff_names;
use crate::checkers::ledger::{Fate, Ledger, WriteMatch};
use crate::checkers::{rule, Checker, Evaluations, ShowReq, Violation};
use crate::txn::{Stamped, Txn};
use models::pcie::MsgClass;

pub struct QueueEntryChecker {
    ledger: Ledger,
    evals: Evaluations,
}

/// What it judges on every entry write: its RES0 bits and that it is no duplicate
/// (SMMU-PRIQ-3), its encoding (SMMU-PRIQ-4) and ingress order (PRI-31); on an entry of a Stop
/// Marker, SMMU-PRIQ-11.
const RULES: &[models::rules::RuleId] = &[rule::SMMU_PRIQ_3, rule::SMMU_PRIQ_4, rule::SMMU_PRIQ_11, rule::PRI_31];

impl QueueEntryChecker {
    pub fn new() -> Self {
        QueueEntryChecker { ledger: Ledger::new(), evals: Evaluations::new(RULES) }
    }

    fn on_write(&mut self, cycle: u64, addr: u64, data: &[u64; 4], out: &mut Vec<Violation>) {
        let e = decode_priq_entry(data[0], data[1]);
        self.evals.count(rule::SMMU_PRIQ_3);
        self.evals.count(rule::SMMU_PRIQ_4);
        self.evals.count(rule::PRI_31);
        if e.res0 != [0, 0] {
            out.push(Violation {
                rule: rule::SMMU_PRIQ_3,
                cycle,
                message: format!(
                    "entry at 0x{addr:x} has RES0 bits set (dw0 0x{:x}, dw1 0x{:x}); RES0 bits are written 0",
                    e.res0[0], e.res0[1]
                ),
            });
        }
        if !e.msg.pv && (e.msg.pasid != 0 || e.msg.exe || e.msg.priv_) {
            out.push(Violation {
                rule: rule::SMMU_PRIQ_4,
                cycle,
                message: format!(
                    "entry at 0x{addr:x} has SSV=0 but SubstreamID 0x{:x}, Priv {}, Exe {}; they must be 0 without SSV",
                    e.msg.pasid, e.msg.priv_ as u8, e.msg.exe as u8
                ),
            });
        }
        let m = self.ledger.on_write(cycle, &e);
        if let WriteMatch::Exact { seq } | WriteMatch::Approx { seq, .. } = m {
            if self.ledger.get(seq).is_some_and(|r| r.msg.class() == MsgClass::StopMarker) {
                self.evals.count(rule::SMMU_PRIQ_11);
            }
        }
        match m {
            WriteMatch::Exact { .. } => {}
            WriteMatch::Approx { seq, diff, skipped } => {
                let r = *self.ledger.get(seq).expect("matched record is alive");
                let stop = r.msg.class() == MsgClass::StopMarker;
                out.push(Violation {
                    rule: if stop { rule::SMMU_PRIQ_11 } else { rule::SMMU_PRIQ_4 },
                    cycle,
                    message: format!(
                        "entry at 0x{addr:x} decodes to {} (StreamID 0x{:x}) but the next queued {} was {} accepted at cycle {}{}: {} differ",
                        ShowReq(&e.msg.at_interface()),
                        e.stream_id,
                        if stop { "message, a Stop Marker (written like any entry)," } else { "request" },
                        ShowReq(&r.msg),
                        r.cycle,
                        if skipped > 0 { format!(" ({skipped} earlier message(s) skipped)") } else { String::new() },
                        diff_names(diff)
                    ),
                });
            }
            WriteMatch::Unmatched => {
                let m = e.msg.at_interface();
                let sid = e.stream_id;
                let prior = self.ledger.find(|r| r.fate != Fate::Pending && r.msg == m && u32::from(r.msg.rid) == sid);
                let (rule, message) = match prior {
                    Some(r) if r.fate == Fate::NotQueued => (
                        rule::PRI_31,
                        format!(
                            "entry at 0x{addr:x} decodes to {} accepted at cycle {}, but a message accepted after it was already written: entries must be written in ingress order",
                            ShowReq(&m),
                            r.cycle
                        ),
                    ),
                    Some(r) => (
                        rule::SMMU_PRIQ_3,
                        format!(
                            "entry at 0x{addr:x} decodes to {} accepted at cycle {}, whose entry was already written at cycle {}: one entry per message",
                            ShowReq(&m),
                            r.cycle,
                            r.written.unwrap_or(0)
                        ),
                    ),
                    None => (
                        rule::SMMU_PRIQ_4,
                        match self.ledger.pending().next() {
                            Some(r) => format!(
                                "entry at 0x{addr:x} decodes to {} (StreamID 0x{sid:x}), which matches no accepted message; the next queued request was {} accepted at cycle {}",
                                ShowReq(&m),
                                ShowReq(&r.msg),
                                r.cycle
                            ),
                            None => format!(
                                "entry at 0x{addr:x} decodes to {} (StreamID 0x{sid:x}) but no accepted message is waiting to be written",
                                ShowReq(&m)
                            ),
                        },
                    ),
                };
                out.push(Violation { rule, cycle, message });
            }
        }
    }
}

impl Default for QueueEntryChecker {
    fn default() -> Self {
        Self::new()
    }
}

impl Checker for QueueEntryChecker {
    fn name(&self) -> &'static str {
        "smmuv3-priq-entry"
    }

    fn observe(&mut self, t: &Stamped, out: &mut Vec<Violation>) {
        match &t.txn {
            Txn::PageRequest { msg } => {
                self.ledger.accept(t.cycle, msg);
            }
            Txn::MemWrite { addr, data, .. } => {
                self.on_write(t.cycle, *addr, data, out);
                self.ledger.retire(|_| true);
            }
            Txn::MemAck { err } => {
                self.ledger.on_ack(*err);
                self.ledger.retire(|_| true);
            }
            _ => {}
        }
    }

    fn finish(&mut self, _end_cycle: u64, _out: &mut Vec<Violation>) {
        self.ledger.finish();
    }

    fn evaluations(&self) -> &Evaluations {
        &self.evals
    }
}
