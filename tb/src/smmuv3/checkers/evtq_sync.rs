//! CMD_SYNC waits for event records (SMMU-CMD-9): when a CMD_SYNC completes (`sync_done`), every
//! record accepted up to its handshake is finished: its write acknowledged, or discarded. So no
//! such record is still being written, none is held (a stall record while SMMUEN is 1 is never
//! discarded, so if unwritten it is held), and none is written afterwards. The PRIQ side of the
//! rule (responses committed) is the response checker's.

use super::evtq_view::{concerns_evtq, EvtqView, Fate};
use crate::checkers::{rule, Checker, Evaluations, Violation};
use crate::txn::Stamped;
use models::smmuv3::event::event_name;

pub struct EvtqSyncChecker {
    view: EvtqView,
    evals: Evaluations,
}

const RULES: &[models::rules::RuleId] = &[rule::SMMU_CMD_9];

impl EvtqSyncChecker {
    /// `eventqs`: IDR1.EVENTQS of the build.
    pub fn new(eventqs: u32) -> Self {
        EvtqSyncChecker { view: EvtqView::new(eventqs), evals: Evaluations::new(RULES) }
    }
}

impl Checker for EvtqSyncChecker {
    fn name(&self) -> &'static str {
        "smmuv3-evtq-sync"
    }

    fn observe(&mut self, t: &Stamped, out: &mut Vec<Violation>) {
        if !concerns_evtq(&t.txn) {
            return;
        }
        let cycle = t.cycle;
        let synced = self.view.synced;
        let evals = &mut self.evals;
        self.view.observe(cycle, &t.txn, |f| match f {
            Fate::SyncDone { boundary, writing, held, .. } => {
                evals.count(rule::SMMU_CMD_9);
                if let Some(r) = writing {
                    out.push(Violation {
                        rule: rule::SMMU_CMD_9,
                        cycle,
                        message: format!(
                            "CMD_SYNC completed while the write of the {} record of StreamID 0x{:x} (accepted at cycle {}, one of the {boundary} records accepted before the CMD_SYNC) was not acknowledged: a CMD_SYNC completes only after every earlier record is written with PROD covering it, or discarded",
                            event_name(r.input.id),
                            r.input.sid,
                            r.cycle
                        ),
                    });
                }
                if let Some(r) = held {
                    out.push(Violation {
                        rule: rule::SMMU_CMD_9,
                        cycle,
                        message: format!(
                            "CMD_SYNC completed while the stall record {} of StreamID 0x{:x} accepted at cycle {} was not written (held, since SMMUEN was 1): a CMD_SYNC waits for every record accepted before it",
                            event_name(r.input.id),
                            r.input.sid,
                            r.cycle
                        ),
                    });
                }
            }
            Fate::Unmatched { discarded: Some(r), .. } if r.seq < synced => {
                evals.count(rule::SMMU_CMD_9);
                out.push(Violation {
                    rule: rule::SMMU_CMD_9,
                    cycle,
                    message: format!(
                        "the {} record of StreamID 0x{:x} accepted at cycle {} was written after a later CMD_SYNC completed: the CMD_SYNC had to wait for it",
                        event_name(r.input.id),
                        r.input.sid,
                        r.cycle
                    ),
                });
            }
            _ => {}
        });
    }

    fn finish(&mut self, _end_cycle: u64, _out: &mut Vec<Violation>) {}

    fn evaluations(&self) -> &Evaluations {
        &self.evals
    }
}
