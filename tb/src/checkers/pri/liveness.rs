//! Liveness at quiescence, system form of PRI-16: every PRG whose L=1 request was accepted has
//! had a response, unless its function received Response Failure (or a reserved code, DEC-8)
//! or was reset (`PriReset`) while the PRG was outstanding. Stale PRGs need their response too.
//! Duplicate responses are the business of [`super::ResponseDisciplineChecker`].
//!
//! `finish` must be called at quiescence: a response still in flight counts as missing.

use super::config::PriConfig;
use super::tracker::{ShowPrg, Tracker};
use crate::checkers::{rule, Checker, Evaluations, Violation};
use crate::txn::{Stamped, Txn};
use models::pcie::MsgClass;

/// At most this many missing responses are listed one by one; the rest are summed up.
const MAX_LISTED: usize = 32;

pub struct PrgLivenessChecker {
    tracker: Tracker,
    /// PRI-16: one evaluation per accepted L=1 request of a known function (a PRG it then holds
    /// to its response).
    evals: Evaluations,
}

impl PrgLivenessChecker {
    pub fn new(cfg: &PriConfig) -> Self {
        PrgLivenessChecker { tracker: Tracker::new(cfg), evals: Evaluations::new(&[rule::PRI_16]) }
    }
}

impl Checker for PrgLivenessChecker {
    fn name(&self) -> &'static str {
        "pri-prg-liveness"
    }

    fn observe(&mut self, t: &Stamped, _out: &mut Vec<Violation>) {
        match t.txn {
            Txn::PageRequest { ref msg } => {
                if msg.class() == MsgClass::LastRequest && self.tracker.func(msg.rid).is_some_and(|f| !f.rf) {
                    self.evals.count(rule::PRI_16);
                }
                self.tracker.on_request(t.cycle, msg);
            }
            Txn::Response { ref rsp } => {
                self.tracker.on_response(rsp);
            }
            ref e => self.tracker.on_event(e),
        }
    }

    fn finish(&mut self, end_cycle: u64, out: &mut Vec<Violation>) {
        let mut n = 0usize;
        for f in self.tracker.funcs() {
            for p in f.prgs.iter().filter(|p| p.closed.is_some()) {
                n += 1;
                if n <= MAX_LISTED {
                    out.push(Violation {
                        rule: rule::PRI_16,
                        cycle: end_cycle,
                        message: format!(
                            "{} of function 0x{:04x} never had a response: every PRG whose L=1 request was accepted gets exactly one (no RF or PRI reset happened while it was outstanding)",
                            ShowPrg(p),
                            f.cfg.rid
                        ),
                    });
                }
            }
        }
        if n > MAX_LISTED {
            out.push(Violation {
                rule: rule::PRI_16,
                cycle: end_cycle,
                message: format!("... {} more PRG(s) without a response", n - MAX_LISTED),
            });
        }
    }

    fn evaluations(&self) -> &Evaluations {
        &self.evals
    }
}
