//! `inv_wait_dsc` completion as the memory port shows it: VTD-IQ-2 (a wait taken behind an
//! invalid descriptor completes only after software cleared IQE), VTD-IQ-8 (each status write is the
//! Status Data of the next SW=1 wait at its Status Address, one per wait) and VTD-IQ-10 (DEC-10:
//! a PD=1 wait completes only after every message accepted in the cycle of its take or earlier
//! was written to the PRQ with PQT covering it, or discarded).
//!
//! Only what the stream shows is judged: at the status write of a PD=1, SW=1 wait, such a
//! message must not have a descriptor write still unacknowledged, nor get its descriptor written
//! later. A discarded message's response may be committed but not yet sent, and commits are not
//! visible, so VTD-IQ-7 (a wait completes after earlier descriptors' responses are committed) has
//! no timing-free check here.

use super::iq::IqGate;
use super::messages::MessageLog;
use crate::checkers::ledger::{Fate, WriteMatch};
use crate::checkers::{rule, Checker, Evaluations, ShowReq, Violation};
use crate::txn::{Stamped, Txn};
use models::vtd::desc::{InvWaitDsc, SwDesc};
use models::vtd::regs;
use std::collections::VecDeque;

#[derive(Clone, Copy, Debug)]
struct Wait {
    dsc: InvWaitDsc,
    /// Take cycle.
    cycle: u64,
    /// `Taken::held_at`: an earlier invalid descriptor may still hold it (IQE, VTD-IQ-2).
    held_at: Option<u64>,
    /// `Taken::follows_invalid`.
    follows_invalid: bool,
}

/// A PD=1 wait whose status write was seen: messages accepted up to `take` were resolved by
/// `status`.
#[derive(Clone, Copy, Debug)]
struct Drained {
    take: u64,
    status: u64,
}

pub struct WaitChecker {
    log: MessageLog,
    iq: IqGate,
    /// SW=1 waits taken and not yet seen writing their status, oldest first.
    waits: VecDeque<Wait>,
    /// A PD=1 status write of this cycle, judged once the cycle's acks were seen.
    to_judge: Option<Drained>,
    /// The latest judged PD=1 wait.
    fence: Option<Drained>,
    evals: Evaluations,
}

/// What it judges: each status write (VTD-IQ-8), and so each SW=1 wait at the end; the status
/// write of a wait taken right after an invalid descriptor (VTD-IQ-2); the drain of each PD=1 wait,
/// at its status write and at each later descriptor write (VTD-IQ-10).
const RULES: &[models::rules::RuleId] = &[rule::VTD_IQ_2, rule::VTD_IQ_8, rule::VTD_IQ_10];

impl WaitChecker {
    pub fn new() -> Self {
        WaitChecker {
            log: MessageLog::new(),
            iq: IqGate::new(),
            waits: VecDeque::with_capacity(4),
            to_judge: None,
            fence: None,
            evals: Evaluations::new(RULES),
        }
    }

    fn on_status_write(&mut self, cycle: u64, addr: u64, data: u32, out: &mut Vec<Violation>) {
        self.evals.count(rule::VTD_IQ_8);
        let Some(w) = self.waits.pop_front() else {
            out.push(Violation {
                rule: rule::VTD_IQ_8,
                cycle,
                message: format!("status write of 0x{data:x} to 0x{addr:x}, but no inv_wait_dsc with SW=1 is waiting for its status write"),
            });
            return;
        };
        let want = w.dsc.status_addr & regs::ADDR_MASK;
        if addr != want || data != w.dsc.status_data {
            out.push(Violation {
                rule: rule::VTD_IQ_8,
                cycle,
                message: format!(
                    "status write of 0x{data:x} to 0x{addr:x}, but the next SW=1 inv_wait_dsc (taken at cycle {}) asks for 0x{:x} to 0x{want:x}",
                    w.cycle, w.dsc.status_data
                ),
            });
        }
        if w.follows_invalid {
            self.evals.count(rule::VTD_IQ_2);
        }
        if self.iq.acted_while_held(w.held_at) {
            out.push(Violation {
                rule: rule::VTD_IQ_2,
                cycle,
                message: format!(
                    "status write of the inv_wait_dsc taken at cycle {} behind an invalid descriptor, but software has not cleared FSTS.IQE since: no later descriptor is processed until then",
                    w.cycle
                ),
            });
        }
        if w.dsc.pd {
            self.to_judge = Some(Drained { take: w.cycle, status: cycle });
        }
    }

    /// At the end of a PD=1 status write's cycle: no message it covers may still be writing.
    fn judge(&mut self, out: &mut Vec<Violation>) {
        let Some(d) = self.to_judge.take() else { return };
        self.evals.count(rule::VTD_IQ_10);
        if let Some(r) = self.log.ledger.iter().find(|r| r.cycle <= d.take && r.fate == Fate::Writing) {
            out.push(drain_violation(d, &r.msg, r.cycle, "its descriptor write was not yet acknowledged"));
        }
        if self.fence.is_none_or(|f| f.take <= d.take) {
            self.fence = Some(d);
        }
    }

    fn on_descriptor_write(&mut self, cycle: u64, m: &WriteMatch, out: &mut Vec<Violation>) {
        let (WriteMatch::Exact { seq }, Some(f)) = (m, self.fence) else { return };
        self.evals.count(rule::VTD_IQ_10);
        if let Some(r) = self.log.ledger.get(*seq).filter(|r| r.cycle <= f.take && cycle > f.status) {
            out.push(drain_violation(f, &r.msg, r.cycle, &format!("its descriptor is written only at cycle {cycle}")));
        }
    }
}

fn drain_violation(d: Drained, msg: &models::pcie::PageRequest, accepted: u64, what: &str) -> Violation {
    Violation {
        rule: rule::VTD_IQ_10,
        cycle: d.status,
        message: format!(
            "status write of the PD=1 inv_wait_dsc taken at cycle {}, but {} accepted at cycle {accepted} (not later than the take) was not resolved: {what} (DEC-10)",
            d.take,
            ShowReq(msg)
        ),
    }
}

impl Default for WaitChecker {
    fn default() -> Self {
        Self::new()
    }
}

impl Checker for WaitChecker {
    fn name(&self) -> &'static str {
        "vtd-inv-wait"
    }

    fn observe(&mut self, t: &Stamped, out: &mut Vec<Violation>) {
        if self.to_judge.is_some_and(|d| d.status < t.cycle) {
            self.judge(out);
        }
        let step = self.log.observe(t);
        self.iq.observe(&t.txn);
        match t.txn {
            Txn::Command { ref words, .. } => {
                let taken = self.iq.take(words);
                if let SwDesc::InvWait(dsc) = taken.desc {
                    if dsc.sw {
                        self.waits.push_back(Wait { dsc, cycle: t.cycle, held_at: taken.held_at, follows_invalid: taken.follows_invalid });
                    }
                }
            }
            Txn::StatusWrite { addr, data } => self.on_status_write(t.cycle, addr, data, out),
            Txn::MemWrite { .. } => {
                if let Some((_, m)) = &step.write {
                    self.on_descriptor_write(t.cycle, m, out);
                }
            }
            _ => {}
        }
        self.log.ledger.retire(|_| true);
    }

    fn finish(&mut self, end_cycle: u64, out: &mut Vec<Violation>) {
        self.judge(out);
        for w in self.waits.iter().filter(|w| w.held_at.is_none()) {
            self.evals.count(rule::VTD_IQ_8);
            out.push(Violation {
                rule: rule::VTD_IQ_8,
                cycle: end_cycle,
                message: format!("the SW=1 inv_wait_dsc taken at cycle {} never wrote its status (0x{:x})", w.cycle, w.dsc.status_data),
            });
        }
        self.waits.clear();
    }

    fn evaluations(&self) -> &Evaluations {
        &self.evals
    }
}
