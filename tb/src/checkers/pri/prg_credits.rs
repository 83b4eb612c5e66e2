//! PRG shape, indexes and credits: PRI-7, PRI-8, PRI-9, PRI-11 (with PRI-12), PRI-27, PRI-2 /
//! PRI-17.
//!
//! Per function it follows the open and outstanding PRGs from the accepted messages and the
//! responses (`tracker`), and reports:
//! - PRI-7: a request that joins an open PRG with another PV or PASID (default PRGI mode);
//! - PRI-8: a request that starts a second outstanding PRG with a PRGI already outstanding,
//!   whatever its PASID (default mode), including a second L=1 on an outstanding index;
//! - PRI-9: in mode `prgi_shared_across_pasids`, two outstanding PRGs sharing a PRGI without both
//!   having a PASID, different PASIDs and PRPR=1 (also two per (PASID, PRGI));
//! - PRI-11: more requests in outstanding PRGs than the Allocation (once per excursion); a
//!   response returns the credits of its whole PRG, stale or automatic alike (PRI-12);
//! - PRI-27: a Stop Marker for P while a PRG of (function, P) is open;
//! - PRI-2: a Stop Marker whose PRGI, page, Exe or Priv is not 0 (the function model drives 0).
//!
//! It cannot see what was sent but not yet accepted, so a PRGI is free from the response on,
//! exactly as PRI-10 allows. In shared mode a PRG with mixed PASIDs (PRI-7) looks like two PRGs
//! sharing an index legally; it is then only caught when one never closes (liveness).

use super::config::PriConfig;
use super::tracker::{ReqOutcome, ShowPrg, Tracker};
use crate::checkers::{rule, Checker, Evaluations, ShowReq, Violation};
use crate::txn::{Stamped, Txn};
use models::pcie::MsgClass;

pub struct PrgCreditChecker {
    tracker: Tracker,
    /// RIDs above their Allocation (reported once until they come back under it).
    over: Vec<u16>,
    evals: Evaluations,
}

/// What it judges: a PRG's index is checked against the outstanding PRGs of its own function
/// only (DEC-11), in the default mode (PRI-8) or the shared one (PRI-9).
const RULES: &[models::rules::RuleId] = &[rule::PRI_2, rule::PRI_7, rule::PRI_8, rule::PRI_9, rule::PRI_11, rule::PRI_27, rule::DEC_11];

impl PrgCreditChecker {
    pub fn new(cfg: &PriConfig) -> Self {
        PrgCreditChecker { tracker: Tracker::new(cfg), over: Vec::new(), evals: Evaluations::new(RULES) }
    }

    fn settle(&mut self) {
        let t = &self.tracker;
        self.over.retain(|&rid| t.func(rid).is_some_and(|f| f.in_use() > u64::from(f.allocation)));
    }
}

impl Checker for PrgCreditChecker {
    fn name(&self) -> &'static str {
        "pri-prg-shape-credits"
    }

    fn observe(&mut self, t: &Stamped, out: &mut Vec<Violation>) {
        let cycle = t.cycle;
        match t.txn {
            Txn::PageRequest { ref msg } => {
                let m = msg;
                let Some(f) = self.tracker.func(m.rid) else { return };
                if f.rf {
                    return;
                }
                if m.class() == MsgClass::StopMarker {
                    self.evals.count(rule::PRI_2);
                    self.evals.count(rule::PRI_27);
                    if m.prgi != 0 || m.page != 0 || m.exe || m.priv_ {
                        out.push(Violation {
                            rule: rule::PRI_2,
                            cycle,
                            message: format!(
                                "Stop Marker {} has a non-zero PRGI, page, Exe or Priv field; the function drives them as 0",
                                ShowReq(m)
                            ),
                        });
                    }
                    if let Some(p) = self.tracker.outstanding_of(m.rid, m.pasid).find(|p| p.closed.is_none()) {
                        out.push(Violation {
                            rule: rule::PRI_27,
                            cycle,
                            message: format!(
                                "function 0x{:04x} sent Stop Marker {} while its {} is open (L=1 not sent)",
                                m.rid,
                                ShowReq(m),
                                ShowPrg(p)
                            ),
                        });
                    }
                    return;
                }
                let shared = f.cfg.prgi_shared_across_pasids;
                let prpr = f.cfg.prpr;
                let outcome = self.tracker.on_request(cycle, m);
                match outcome {
                    ReqOutcome::Joined { .. } => self.evals.count(rule::PRI_7),
                    ReqOutcome::Started { .. } => {
                        self.evals.count(if shared { rule::PRI_9 } else { rule::PRI_8 });
                        self.evals.count(rule::DEC_11);
                    }
                    _ => {}
                }
                self.evals.count(rule::PRI_11);
                match outcome {
                    ReqOutcome::Joined { prg, mixed: true } => out.push(Violation {
                        rule: rule::PRI_7,
                        cycle,
                        message: format!(
                            "request {} joins the open {} of function 0x{:04x} with another PASID presence or value; all requests of a PRG share PV and PASID",
                            ShowReq(m),
                            ShowPrg(&prg),
                            m.rid
                        ),
                    }),
                    ReqOutcome::Started { conflict: Some(p) } => {
                        let what = if m.l && p.closed.is_some() {
                            "a second L=1 request on an outstanding index".to_string()
                        } else {
                            "a second outstanding PRG with the same PRGI".to_string()
                        };
                        let (rule, why) = if shared {
                            (
                                rule::PRI_9,
                                format!(
                                    "in mode prgi_shared_across_pasids two outstanding PRGs may share an index only if both carry a PASID, the PASIDs differ and PRPR=1 (PRPR={})",
                                    u8::from(prpr)
                                ),
                            )
                        } else {
                            (rule::PRI_8, "the default PRGI mode (DEC-11) never shares an index, across PASIDs too".to_string())
                        };
                        out.push(Violation {
                            rule,
                            cycle,
                            message: format!(
                                "request {} of function 0x{:04x} is {what}: {} has not been answered; {why}",
                                ShowReq(m),
                                m.rid,
                                ShowPrg(&p)
                            ),
                        });
                    }
                    _ => {}
                }
                if let Some(f) = self.tracker.func(m.rid) {
                    let n = f.in_use();
                    if n > u64::from(f.allocation) && !self.over.contains(&m.rid) {
                        self.over.push(m.rid);
                        out.push(Violation {
                            rule: rule::PRI_11,
                            cycle,
                            message: format!(
                                "function 0x{:04x} has {n} requests outstanding, Allocation {} (request {} accepted; {} PRG(s) outstanding, credits return only with their responses)",
                                m.rid,
                                f.allocation,
                                ShowReq(m),
                                f.prgs.len()
                            ),
                        });
                    }
                }
            }
            Txn::Response { ref rsp } => {
                self.tracker.on_response(rsp);
                self.settle();
            }
            ref e => {
                self.tracker.on_event(e);
                self.settle();
            }
        }
    }

    fn finish(&mut self, _end_cycle: u64, _out: &mut Vec<Violation>) {}

    fn evaluations(&self) -> &Evaluations {
        &self.evals
    }
}
