//! EVTQ interrupt (SMMU-EVTQ-9): a trigger is a record write acknowledged into an empty queue
//! while IRQ_CTRLACK.EVENTQ_IRQEN=1; each `irq_evtq` pulse follows a trigger not yet pulsed (one
//! pulse per trigger, OP-17), there is no pulse without one, and at the end every trigger made
//! while EVENTQ_IRQEN was surely 1 has had its pulse.
//!
//! Emptiness is judged with the EVENTQ_CONS value written in the ack's own cycle, if any (the
//! hardware sees a same-edge CONS write, OP-15), so an ack is judged when its cycle is over, or
//! when a pulse arrives (the monitor stamps a pulse with the edge of its trigger).

use super::evtq_view::{concerns_evtq, ev_of, Ev, EvtqView};
use crate::checkers::{rule, Checker, Evaluations, Violation};
use crate::txn::Stamped;

pub struct EvtqIrqChecker {
    view: EvtqView,
    /// A good ack not judged yet: (cycle, PROD before it, IRQEN surely 1, IRQEN maybe 1).
    ack: Option<(u64, u32, bool, bool)>,
    /// Triggers not yet pulsed: surely enabled ones, and all that may be enabled.
    sure: u64,
    maybe: u64,
    evals: Evaluations,
}

const RULES: &[models::rules::RuleId] = &[rule::SMMU_EVTQ_9];

impl EvtqIrqChecker {
    /// `eventqs`: IDR1.EVENTQS of the build.
    pub fn new(eventqs: u32) -> Self {
        EvtqIrqChecker { view: EvtqView::new(eventqs), ack: None, sure: 0, maybe: 0, evals: Evaluations::new(RULES) }
    }

    fn judge_ack(&mut self) {
        if let Some((_, prod, sure, maybe)) = self.ack.take() {
            if self.view.ring().empty(prod, self.view.cons) {
                self.sure += u64::from(sure);
                self.maybe += u64::from(maybe);
            }
        }
    }
}

impl Checker for EvtqIrqChecker {
    fn name(&self) -> &'static str {
        "smmuv3-evtq-irq"
    }

    fn observe(&mut self, t: &Stamped, out: &mut Vec<Violation>) {
        if !concerns_evtq(&t.txn) {
            return;
        }
        if self.ack.is_some_and(|(c, ..)| c < t.cycle) {
            self.judge_ack();
        }
        match ev_of(&t.txn) {
            Some(Ev::Ack { err: false }) => {
                self.judge_ack();
                let en = self.view.irqen.settled();
                self.ack = Some((t.cycle, self.view.prod(), en == Some(true), en != Some(false)));
            }
            Some(Ev::Irq) => {
                // The pulse of an ack's trigger is reported in the ack's own cycle, after it.
                self.judge_ack();
                self.evals.count(rule::SMMU_EVTQ_9);
                if self.maybe == 0 {
                    out.push(Violation {
                        rule: rule::SMMU_EVTQ_9,
                        cycle: t.cycle,
                        message: "irq_evtq pulsed without a trigger: no record write was acknowledged into an empty event queue with EVENTQ_IRQEN=1 since the last pulse".to_string(),
                    });
                } else {
                    self.maybe -= 1;
                    self.sure = self.sure.saturating_sub(1);
                }
            }
            _ => {}
        }
        self.view.observe(t.cycle, &t.txn, |_| {});
    }

    fn finish(&mut self, end_cycle: u64, out: &mut Vec<Violation>) {
        self.judge_ack();
        if self.sure > 0 {
            self.evals.count(rule::SMMU_EVTQ_9);
            out.push(Violation {
                rule: rule::SMMU_EVTQ_9,
                cycle: end_cycle,
                message: format!("{} record write(s) acknowledged into an empty event queue with EVENTQ_IRQEN=1 had no irq_evtq pulse by the end of the test: each trigger is followed by a pulse", self.sure),
            });
        }
    }

    fn evaluations(&self) -> &Evaluations {
        &self.evals
    }
}
