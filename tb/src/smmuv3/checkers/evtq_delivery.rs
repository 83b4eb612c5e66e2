//! Event queue delivery (smmuv3.md §6, §7.2-§7.4): a non-stall record is discarded only while the
//! queue is unwritable (SMMU-EVTQ-3) and an active overflow never inhibits (SMMU-EVTQ-5); OVFLG
//! toggles exactly when a discard finds the queue full with no overflow active (SMMU-EVTQ-4, read
//! from EVENTQ_PROD); a stall record is never discarded while SMMUEN is 1 (SMMU-EVTQ-6); no record
//! is written while EVENTQEN is known 0 and CR0ACK.EVENTQEN never reads 0 with a record write in
//! flight (SMMU-EVTQ-10); none while EVENTQ_ABT_ERR is active (SMMU-EVTQ-11).
//!
//! A discard is only known when a later record is written, a CMD_SYNC completes or the test ends
//! (`EvtqView`); it breaks SMMU-EVTQ-3 only if the queue was writable at every moment the record
//! could have been decided.

use super::evtq_view::{concerns_evtq, EvtqView, Fate, RecState};
use super::reg;
use crate::checkers::{rule, Checker, Evaluations, Violation};
use crate::txn::{Stamped, Txn};
use models::smmuv3::event::event_name;
use models::smmuv3::regs as r;

pub struct EvtqDeliveryChecker {
    view: EvtqView,
    evals: Evaluations,
}

const RULES: &[models::rules::RuleId] =
    &[rule::SMMU_EVTQ_3, rule::SMMU_EVTQ_4, rule::SMMU_EVTQ_5, rule::SMMU_EVTQ_6, rule::SMMU_EVTQ_10, rule::SMMU_EVTQ_11];

impl EvtqDeliveryChecker {
    /// `eventqs`: IDR1.EVENTQS of the build.
    pub fn new(eventqs: u32) -> Self {
        EvtqDeliveryChecker { view: EvtqView::new(eventqs), evals: Evaluations::new(RULES) }
    }

    /// Judgments that need the state before the transaction.
    fn before(&mut self, t: &Stamped, out: &mut Vec<Violation>) {
        let cycle = t.cycle;
        match t.txn {
            // SMMU-EVTQ-4: OVFLG as read against what the discards so far imply.
            Txn::RegRead { addr: r::EVENTQ_PROD, data } => {
                let pending_toggle = self.view.recs.iter().any(|x| x.state == RecState::Pending && x.maybe_toggle);
                if let (Some(known), false) = (self.view.ovflg(), pending_toggle) {
                    self.evals.count(rule::SMMU_EVTQ_4);
                    let shown = data as u32 & models::ring::FLAG_BIT != 0;
                    if shown != known {
                        let ovack = self.view.ovackflg();
                        out.push(Violation {
                            rule: rule::SMMU_EVTQ_4,
                            cycle,
                            message: if known == ovack {
                                format!("EVENTQ_PROD reads OVFLG={} but no record was discarded on a full queue with OVFLG = OVACKFLG ({}) since OVFLG was last known: OVFLG toggles only for such a discard", shown as u8, ovack as u8)
                            } else {
                                format!("EVENTQ_PROD reads OVFLG={}: a non-stall record was discarded while the queue was full with OVFLG = OVACKFLG ({}), which must toggle OVFLG", shown as u8, ovack as u8)
                            },
                        });
                    }
                }
            }
            // SMMU-EVTQ-10: CR0ACK.EVENTQEN=0 only once every issued record write is acknowledged.
            // Judged while a disable is in progress (CR0.EVENTQEN written 0, its ACK not yet seen 0).
            Txn::RegRead { addr: reg::CR0ACK, data }
                if data & u64::from(r::CR0_EVENTQEN) == 0
                    && !self.view.regs.enable.written()
                    && self.view.regs.enable.settled() != Some(false) =>
            {
                self.evals.count(rule::SMMU_EVTQ_10);
                // The read shows the register before its handshake, a cycle before `cycle`.
                let busy = self.view.recs.iter().find_map(|x| match x.state {
                    RecState::Writing { at } if at + 1 < cycle => Some((x.input.id, at)),
                    _ => None,
                });
                if let Some((id, at)) = busy {
                    out.push(Violation {
                        rule: rule::SMMU_EVTQ_10,
                        cycle,
                        message: format!("CR0ACK reads EVENTQEN=0 while the write of a {} record issued at cycle {at} is not acknowledged: EVENTQEN is acknowledged 0 only once every issued record write is acknowledged and covered by PROD", event_name(id)),
                    });
                }
            }
            _ => {}
        }
    }
}

impl Checker for EvtqDeliveryChecker {
    fn name(&self) -> &'static str {
        "smmuv3-evtq-delivery"
    }

    fn observe(&mut self, t: &Stamped, out: &mut Vec<Violation>) {
        if !concerns_evtq(&t.txn) {
            return;
        }
        self.before(t, out);
        let cycle = t.cycle;
        let v = &self.view;
        let before = Before { abt: v.abt_active(), en_off: v.eventqen_surely_off(), full: v.full(), entries: v.ring().entries() };
        let evals = &mut self.evals;
        self.view.observe(cycle, &t.txn, |f| judge(f, cycle, before, evals, out));
    }

    fn finish(&mut self, end_cycle: u64, out: &mut Vec<Violation>) {
        let evals = &mut self.evals;
        self.view.finish(|f| judge(f, end_cycle, Before::default(), evals, out));
    }

    fn evaluations(&self) -> &Evaluations {
        &self.evals
    }
}

/// The queue's state before the transaction that revealed a fate.
#[derive(Clone, Copy, Default)]
struct Before {
    /// EVENTQ_ABT_ERR active.
    abt: bool,
    /// CR0ACK.EVENTQEN surely 0.
    en_off: bool,
    /// Full (PROD as good acks advanced it, CONS as written). CONS only frees slots while a
    /// record is being written, so a queue full at the write was full at its decision.
    full: bool,
    entries: u32,
}

/// Judges one fate.
fn judge(f: Fate, cycle: u64, before: Before, evals: &mut Evaluations, out: &mut Vec<Violation>) {
    let Before { abt, en_off, full, entries } = before;
    match f {
        Fate::Discarded(rec) if rec.input.is_stall() => {
            evals.count(rule::SMMU_EVTQ_6);
            if !rec.maybe_smmuen_off {
                out.push(Violation {
                    rule: rule::SMMU_EVTQ_6,
                    cycle,
                    message: format!(
                        "the stall record {} of StreamID 0x{:x} accepted at cycle {} was discarded (a later record was written or a CMD_SYNC completed without it) while CR0ACK.SMMUEN was 1: a stall record is held until the queue is writable, never discarded",
                        event_name(rec.input.id),
                        rec.input.sid,
                        rec.cycle
                    ),
                });
            }
        }
        Fate::Discarded(rec) => {
            evals.count(rule::SMMU_EVTQ_3);
            if rec.maybe_toggle {
                evals.count(rule::SMMU_EVTQ_4);
            }
            if rec.maybe_overflow {
                evals.count(rule::SMMU_EVTQ_5);
            }
            if rec.sure_writable {
                let rule = if rec.maybe_overflow { rule::SMMU_EVTQ_5 } else { rule::SMMU_EVTQ_3 };
                out.push(Violation {
                    rule,
                    cycle,
                    message: format!(
                        "the {} record of StreamID 0x{:x} accepted at cycle {} was discarded although the queue was writable (EVENTQEN 1, not full, no EVENTQ_ABT_ERR) the whole time it waited{}",
                        event_name(rec.input.id),
                        rec.input.sid,
                        rec.cycle,
                        if rec.maybe_overflow { "; an active overflow never inhibits the event queue" } else { "" }
                    ),
                });
            }
        }
        Fate::Written { rec, .. } => {
            evals.count(rule::SMMU_EVTQ_3);
            evals.count(rule::SMMU_EVTQ_10);
            evals.count(rule::SMMU_EVTQ_11);
            if rec.input.is_stall() {
                // Its fate is known: written, not discarded (SMMU-EVTQ-6).
                evals.count(rule::SMMU_EVTQ_6);
            }
            let what = format!("the {} record of StreamID 0x{:x} accepted at cycle {}", event_name(rec.input.id), rec.input.sid, rec.cycle);
            if full {
                out.push(Violation {
                    rule: rule::SMMU_EVTQ_3,
                    cycle,
                    message: format!("{what} was written while the queue was full (PROD {entries} entries ahead of CONS): a record is written only while the queue is writable"),
                });
            }
            if abt {
                out.push(Violation {
                    rule: rule::SMMU_EVTQ_11,
                    cycle,
                    message: format!("{what} was written while EVENTQ_ABT_ERR was active: no record is written until software acknowledges the error in GERRORN"),
                });
            }
            if en_off {
                out.push(Violation {
                    rule: rule::SMMU_EVTQ_10,
                    cycle,
                    message: format!(
                        "{what} was written after CR0ACK.EVENTQEN read 0: records decided while the queue is disabled are discarded"
                    ),
                });
            }
        }
        _ => {}
    }
}
