//! Event record content and order: SMMU-EVTQ-2 (every written record is the §6 encoding of an
//! accepted input record, RES0 bits 0, Stall/STAG only on 0x10-0x13, InD only with RnW, SubstreamID
//! only with SSV or C_BAD_SUBSTREAMID) and SMMU-EVTQ-7 (at most one record per input, in input
//! order; this product holds a stall record and writes it first, OP-1, so no exception applies).

use super::evtq_view::{concerns_evtq, EvtqView, Fate};
use crate::checkers::{rule, Checker, Evaluations, Violation};
use crate::txn::Stamped;
use models::smmuv3::event::{event_name, res0_bits, EventRecord};
use std::fmt::Write as _;

pub struct EvtqRecordChecker {
    view: EvtqView,
    evals: Evaluations,
}

const RULES: &[models::rules::RuleId] = &[rule::SMMU_EVTQ_2, rule::SMMU_EVTQ_7];

impl EvtqRecordChecker {
    /// `eventqs`: IDR1.EVENTQS of the build.
    pub fn new(eventqs: u32) -> Self {
        EvtqRecordChecker { view: EvtqView::new(eventqs), evals: Evaluations::new(RULES) }
    }
}

/// The fields in which two records differ, for messages.
pub(crate) fn record_diff(a: &EventRecord, b: &EventRecord) -> String {
    let fields: [(&str, u64, u64); 14] = [
        ("EventID", a.event_id.into(), b.event_id.into()),
        ("SSV", a.ssv.into(), b.ssv.into()),
        ("SubstreamID", a.substream_id.into(), b.substream_id.into()),
        ("StreamID", a.stream_id.into(), b.stream_id.into()),
        ("STAG", a.stag.into(), b.stag.into()),
        ("Stall", a.stall.into(), b.stall.into()),
        ("PnU", a.pnu.into(), b.pnu.into()),
        ("InD", a.ind.into(), b.ind.into()),
        ("RnW", a.rnw.into(), b.rnw.into()),
        ("S2", a.s2.into(), b.s2.into()),
        ("CLASS", a.class.into(), b.class.into()),
        ("TTRnW", a.ttrnw.into(), b.ttrnw.into()),
        ("InputAddr", a.input_addr, b.input_addr),
        ("addr [55:3]", a.addr2, b.addr2),
    ];
    let mut s = String::new();
    for (name, x, y) in fields.iter().filter(|(_, x, y)| x != y) {
        let _ = write!(s, "{}{name} 0x{x:x} (expected 0x{y:x})", if s.is_empty() { "" } else { ", " });
    }
    s
}

impl Checker for EvtqRecordChecker {
    fn name(&self) -> &'static str {
        "smmuv3-evtq-record"
    }

    fn observe(&mut self, t: &Stamped, out: &mut Vec<Violation>) {
        if !concerns_evtq(&t.txn) {
            return;
        }
        let evals = &mut self.evals;
        let cycle = t.cycle;
        let head = self.view.recs.iter().find(|r| r.state == super::evtq_view::RecState::Pending).copied();
        self.view.observe(cycle, &t.txn, |f| match f {
            Fate::Written { .. } => {
                evals.count(rule::SMMU_EVTQ_2);
                evals.count(rule::SMMU_EVTQ_7);
            }
            Fate::Unmatched { words, dup, discarded } => {
                evals.count(rule::SMMU_EVTQ_2);
                evals.count(rule::SMMU_EVTQ_7);
                let got = EventRecord::decode(words);
                let what = format!("record {} (0x{:02x}) of StreamID 0x{:x}", event_name(got.event_id), got.event_id, got.stream_id);
                let res0 = res0_bits(words);
                let (rule, message) = if let Some(c) = dup {
                    (rule::SMMU_EVTQ_7, format!("{what} was written again; the same record was written at cycle {c}: at most one record per input record (no merging or replay, OP-4)"))
                } else if let Some(r) = discarded {
                    (
                        rule::SMMU_EVTQ_7,
                        format!("{what}, accepted at cycle {}, was written after a record accepted later had been written (or a CMD_SYNC had completed): records appear in input order", r.cycle),
                    )
                } else if res0 != [0; 4] {
                    (rule::SMMU_EVTQ_2, format!("{what} has RES0 bits set: 0x{:x} 0x{:x} 0x{:x} 0x{:x} (dw0..dw3); RES0 bits are written 0", res0[0], res0[1], res0[2], res0[3]))
                } else {
                    let expected = head.map(|r| EventRecord::from_input(&r.input, got.stag));
                    (
                        rule::SMMU_EVTQ_2,
                        match (expected, head) {
                            (Some(e), Some(r)) => format!(
                                "{what} encodes no accepted record; the next record to write was {} accepted at cycle {}: {}",
                                event_name(r.input.id),
                                r.cycle,
                                record_diff(&got, &e)
                            ),
                            _ => format!("{what} was written but no accepted record is waiting to be written"),
                        },
                    )
                };
                out.push(Violation { rule, cycle, message });
            }
            _ => {}
        });
    }

    fn finish(&mut self, _end_cycle: u64, _out: &mut Vec<Violation>) {
        self.view.finish(|_| {});
    }

    fn evaluations(&self) -> &Evaluations {
        &self.evals
    }
}
