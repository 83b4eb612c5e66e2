//! `page_req_dsc` content and order: VTD-PRQ-4 (encoding), VTD-PRQ-10 (a Stop Marker is written
//! like any descriptor), VTD-PRQ-18 (requests are queued as received) and PRI-31 (ingress order).
//!
//! Every 32-byte PRQ write must decode, with plain shifts at the absolute positions of vtd.md §3
//! (independent of the model's codec), to a well-formed descriptor of a message accepted at the
//! ingress and not yet accounted for. As for the SMMUv3 queue (`QueueEntryChecker`), messages
//! may be skipped (dropped or answered automatically, judged elsewhere), so the first pending
//! message equal to the descriptor is taken; a message written after a later one is blamed.

use super::codec::decode_page_req;
use super::messages::MessageLog;
use crate::checkers::entry::{diff_names, DecodedEntry};
use crate::checkers::ledger::{Fate, WriteMatch};
use crate::checkers::{rule, Checker, Evaluations, ShowReq, Violation};
use crate::txn::{Stamped, Txn};
use models::pcie::{MsgClass, PageRequest};

/// What is wrong with the format of a descriptor, independent of which message it is for.
fn format_error(w: &[u64; 4], e: &DecodedEntry, reserved: &[u64; 4]) -> Option<String> {
    let ty = w[0] & 0xFF;
    if ty != 0x01 {
        return Some(format!("Type is 0x{ty:02x}; a page_req_dsc has Type 0x01"));
    }
    if *reserved != [0; 4] {
        return Some(format!(
            "reserved bits are set (QW0 0x{:x}, QW2 0x{:x}, QW3 0x{:x}); PDP, QW0[15:10], QW0[63:54], QW2 and QW3 are written 0 (DEC-9)",
            reserved[0], reserved[2], reserved[3]
        ));
    }
    let m = &e.msg;
    if !m.pv && (m.pasid != 0 || m.exe || m.priv_) {
        return Some(format!("PP=0 but PASID 0x{:x}, EXR {}, PMR {}; they are 0 without a PASID", m.pasid, m.exe as u8, m.priv_ as u8));
    }
    None
}

pub struct PrqEntryChecker {
    log: MessageLog,
    evals: Evaluations,
}

/// What it judges on every descriptor write: its format (VTD-PRQ-4) and ingress order (PRI-31);
/// on one matched to a message, that its fields are the message's as received (VTD-PRQ-18), and
/// on one of a Stop Marker, VTD-PRQ-10.
const RULES: &[models::rules::RuleId] = &[rule::VTD_PRQ_4, rule::VTD_PRQ_10, rule::VTD_PRQ_18, rule::PRI_31];

impl PrqEntryChecker {
    pub fn new() -> Self {
        PrqEntryChecker { log: MessageLog::new(), evals: Evaluations::new(RULES) }
    }

    fn on_write(&mut self, cycle: u64, addr: u64, bytes: u8, w: &[u64; 4], m: WriteMatch, out: &mut Vec<Violation>) {
        let v = |rule, message| Violation { rule, cycle, message };
        self.evals.count(rule::VTD_PRQ_4);
        self.evals.count(rule::PRI_31);
        if let WriteMatch::Exact { seq } | WriteMatch::Approx { seq, .. } = m {
            self.evals.count(rule::VTD_PRQ_18);
            if self.log.ledger.get(seq).is_some_and(|r| r.msg.class() == MsgClass::StopMarker) {
                self.evals.count(rule::VTD_PRQ_10);
            }
        }
        if bytes != 32 {
            out.push(v(rule::VTD_PRQ_4, format!("PRQ write at 0x{addr:x} is {bytes} bytes; a page_req_dsc is 32 bytes")));
        }
        let (e, reserved) = decode_page_req(w);
        if let Some(why) = format_error(w, &e, &reserved) {
            out.push(v(rule::VTD_PRQ_4, format!("descriptor at 0x{addr:x}: {why}")));
        }
        match m {
            WriteMatch::Exact { .. } => {}
            WriteMatch::Approx { seq, diff, skipped } => {
                let r = *self.log.ledger.get(seq).expect("matched record is alive");
                let stop = r.msg.class() == MsgClass::StopMarker;
                out.push(v(
                    if stop { rule::VTD_PRQ_10 } else { rule::VTD_PRQ_4 },
                    format!(
                        "descriptor at 0x{addr:x} decodes to {} but the next queued {} was {} accepted at cycle {}{}: {} differ (fields are copied as received, VTD-PRQ-18)",
                        ShowReq(&e.msg),
                        if stop { "message, a Stop Marker (written like any descriptor)," } else { "request" },
                        ShowReq(&r.msg),
                        r.cycle,
                        if skipped > 0 { format!(" ({skipped} earlier message(s) skipped)") } else { String::new() },
                        diff_names(diff).replace("StreamID", "RID")
                    ),
                ));
            }
            WriteMatch::Unmatched => out.push(self.unmatched(cycle, addr, &e.msg)),
        }
    }

    fn unmatched(&self, cycle: u64, addr: u64, m: &PageRequest) -> Violation {
        let m = m.at_interface();
        let (rule, message) = match self.log.ledger.find(|r| r.fate != Fate::Pending && r.msg == m) {
            Some(r) if r.fate == Fate::NotQueued => (
                rule::PRI_31,
                format!(
                    "descriptor at 0x{addr:x} is for {} accepted at cycle {}, but a message accepted after it was already written: descriptors are written in ingress order",
                    ShowReq(&m),
                    r.cycle
                ),
            ),
            Some(r) => (
                rule::VTD_PRQ_4,
                format!(
                    "descriptor at 0x{addr:x} is for {} accepted at cycle {}, whose descriptor was already written at cycle {}: one descriptor per message",
                    ShowReq(&m),
                    r.cycle,
                    r.written.unwrap_or(0)
                ),
            ),
            None => (
                rule::VTD_PRQ_4,
                format!("descriptor at 0x{addr:x} decodes to {}, which matches no accepted message waiting to be written", ShowReq(&m)),
            ),
        };
        Violation { rule, cycle, message }
    }
}

impl Default for PrqEntryChecker {
    fn default() -> Self {
        Self::new()
    }
}

impl Checker for PrqEntryChecker {
    fn name(&self) -> &'static str {
        "vtd-prq-entry"
    }

    fn observe(&mut self, t: &Stamped, out: &mut Vec<Violation>) {
        let step = self.log.observe(t);
        if let (Txn::MemWrite { addr, bytes, data }, Some((_, m))) = (&t.txn, step.write) {
            self.on_write(t.cycle, *addr, *bytes, data, m, out);
        }
        self.log.ledger.retire(|_| true);
    }

    fn finish(&mut self, _end_cycle: u64, _out: &mut Vec<Violation>) {
        self.log.ledger.finish();
    }

    fn evaluations(&self) -> &Evaluations {
        &self.evals
    }
}
