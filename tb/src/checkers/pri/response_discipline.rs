//! Response discipline seen from the function's side: PRI-16 (visible part), PRI-14, and the
//! PRI-18 / PRI-20 outcome of each response.
//!
//! - PRI-16: except Response Failure (and reserved codes, DEC-8), a response names a PRG whose
//!   L=1 request the IOMMU already accepted, and a PRG instance is answered once. A Success or
//!   Invalid Request that matches no closed outstanding PRG is reported when the PRG it names
//!   is still open (L=1 not accepted), was already answered, or never had its L=1 accepted. It is
//!   not reported when that PRG was abandoned by `PriReset` or RF: the host may still answer it.
//! - PRI-14 (DEC-13): a response carries a PASID iff the function's PRPR=1 and the PRG's closing
//!   request had PV=1, and then that PASID. A PASID-carrying response to a PRPR=0 function is
//!   always PRI-14; a Response Failure without PASID is always legal (DEC-2).
//! - PRI-18 / PRI-20: a Success / Invalid Request matching no outstanding closed PRG (PRGI, plus
//!   PASID when PRPR=1 and the response has one) of a function not in RF makes the function set
//!   UPRGI. Such responses are recorded as expected UPRGI events, queried with
//!   [`ResponseDisciplineChecker::expected_uprgi`], so a test or the harness can compare them
//!   with the function model's Status.UPRGI. Responses to stale PRGs match normally (PRI-26).
//!
//! Cannot detect: a duplicate response that arrives after the function reused the PRGI for a new
//! PRG whose L=1 was accepted (it answers the new PRG, which then gets one response too many and
//! is reported then, as "answered twice").

use super::config::PriConfig;
use super::tracker::{Prg, RspOutcome, ShowPrg, Tracker};
use crate::checkers::{rule, Checker, Evaluations, ShowRsp, Violation};
use crate::txn::{Stamped, Txn};
use models::pcie::{PrgResponse, RespCode};
use rustc_hash::FxHashMap;

/// A Success / Invalid Request response that matched no outstanding PRG of a function not in
/// RF: the function model must set Status.UPRGI (PRI-20).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UprgiEvent {
    pub cycle: u64,
    pub rid: u16,
    pub rsp: PrgResponse,
}

#[derive(Clone, Copy, Debug)]
enum Gone {
    /// Answered by the response at this cycle.
    Answered(u64),
    /// Abandoned (PRI-21 reset, or RF) at this cycle while its L=1 had been accepted.
    Abandoned(u64),
}

pub struct ResponseDisciplineChecker {
    tracker: Tracker,
    /// Last fate of each PRG instance that left the outstanding set after its L=1:
    /// (RID, PRGI, PV, PASID) -> how and when.
    gone: FxHashMap<(u16, u16, bool, u32), Gone>,
    uprgi: Vec<UprgiEvent>,
    evals: Evaluations,
}

/// What it judges: PRI-16 and PRI-14 on every response to a known function; PRI-20 on each
/// Success / Invalid Request that matches no outstanding PRG (an expected UPRGI event).
const RULES: &[models::rules::RuleId] = &[rule::PRI_14, rule::PRI_16, rule::PRI_20];

impl ResponseDisciplineChecker {
    pub fn new(cfg: &PriConfig) -> Self {
        ResponseDisciplineChecker {
            tracker: Tracker::new(cfg),
            gone: FxHashMap::default(),
            uprgi: Vec::new(),
            evals: Evaluations::new(RULES),
        }
    }

    /// Every expected UPRGI event so far, oldest first.
    pub fn expected_uprgi(&self) -> &[UprgiEvent] {
        &self.uprgi
    }

    /// Whether function `rid` must have set UPRGI at or after `since` (e.g. the cycle software
    /// last cleared it, or of the last Enable 0→1).
    pub fn uprgi_expected_since(&self, rid: u16, since: u64) -> bool {
        self.uprgi.iter().any(|e| e.rid == rid && e.cycle >= since)
    }

    fn abandon_all(&mut self, rid: u16, cycle: u64) {
        if let Some(f) = self.tracker.func(rid) {
            for p in f.prgs.iter().filter(|p| p.closed.is_some()) {
                self.gone.insert((rid, p.prgi, p.pv, p.pasid), Gone::Abandoned(cycle));
            }
        }
    }

    fn on_response(&mut self, cycle: u64, r: &PrgResponse, out: &mut Vec<Violation>) {
        let Some(f) = self.tracker.func(r.rid) else { return };
        let prpr = f.cfg.prpr;
        let v = |rule, message| Violation { rule, cycle, message };
        self.evals.count(rule::PRI_14);
        if r.pv && !prpr {
            out.push(v(
                rule::PRI_14,
                format!(
                    "response {} carries a PASID but function 0x{:04x} has PRPR=0: its responses never carry one (DEC-13)",
                    ShowRsp(r),
                    r.rid
                ),
            ));
        }
        let failure = matches!(r.code, RespCode::ResponseFailure | RespCode::Reserved(_));
        let in_rf = f.rf;
        // Snapshot for diagnosis of an unmatched response (not formatted unless needed).
        let same_index = |p: &&Prg| p.prgi == r.prgi & 0x1FF;
        let closed_other = f.prgs.iter().filter(same_index).find(|p| p.closed.is_some()).copied();
        let open =
            f.prgs.iter().filter(same_index).find(|p| p.closed.is_none() && (!(prpr && r.pv) || (p.pv && p.pasid == r.pasid))).copied();
        if failure && !in_rf {
            self.abandon_all(r.rid, cycle);
        }
        let outcome = self.tracker.on_response(r);
        if matches!(outcome, RspOutcome::Matched(_) | RspOutcome::Unmatched) {
            self.evals.count(rule::PRI_16);
        }
        match outcome {
            RspOutcome::Matched(p) => {
                let want_pv = prpr && p.pv;
                if prpr && (r.pv != want_pv || (r.pv && r.pasid != p.pasid)) {
                    out.push(v(
                        rule::PRI_14,
                        format!(
                            "response {} answers {} of function 0x{:04x} (PRPR={}): it must {}",
                            ShowRsp(r),
                            ShowPrg(&p),
                            r.rid,
                            u8::from(prpr),
                            if want_pv { format!("carry PASID 0x{:x}", p.pasid) } else { "carry no PASID".to_string() }
                        ),
                    ));
                }
                self.gone.insert((r.rid, p.prgi, p.pv, p.pasid), Gone::Answered(cycle));
            }
            RspOutcome::Unmatched => {
                self.evals.count(rule::PRI_20);
                self.uprgi.push(UprgiEvent { cycle, rid: r.rid, rsp: *r });
                if let Some(p) = closed_other {
                    out.push(v(
                        rule::PRI_14,
                        format!(
                            "response {} names the PRGI of {} of function 0x{:04x} but carries another PASID: it must carry {}; the function matches nothing and sets UPRGI",
                            ShowRsp(r),
                            ShowPrg(&p),
                            r.rid,
                            if p.pv { format!("PASID 0x{:x}", p.pasid) } else { "no PASID".to_string() }
                        ),
                    ));
                } else if let Some(p) = open {
                    out.push(v(
                        rule::PRI_16,
                        format!(
                            "response {} answers {} of function 0x{:04x} before its L=1 request was accepted",
                            ShowRsp(r),
                            ShowPrg(&p),
                            r.rid
                        ),
                    ));
                } else {
                    let prev = self
                        .gone
                        .iter()
                        .filter(|(k, _)| k.0 == r.rid && k.1 == r.prgi & 0x1FF && (!(prpr && r.pv) || (k.2 && k.3 == r.pasid)))
                        .map(|(_, g)| *g)
                        .max_by_key(|g| match *g {
                            Gone::Answered(c) | Gone::Abandoned(c) => c,
                        });
                    match prev {
                        Some(Gone::Abandoned(_)) => {}
                        Some(Gone::Answered(c)) => out.push(v(
                            rule::PRI_16,
                            format!(
                                "response {} answers a PRG of function 0x{:04x} that was already answered at cycle {c}; a PRG gets exactly one response",
                                ShowRsp(r),
                                r.rid
                            ),
                        )),
                        None => out.push(v(
                            rule::PRI_16,
                            format!(
                                "response {} names no PRG of function 0x{:04x} whose L=1 request was accepted",
                                ShowRsp(r),
                                r.rid
                            ),
                        )),
                    }
                }
            }
            RspOutcome::Failure | RspOutcome::IgnoredInRf | RspOutcome::Untracked => {}
        }
    }
}

impl Checker for ResponseDisciplineChecker {
    fn name(&self) -> &'static str {
        "pri-response-discipline"
    }

    fn observe(&mut self, t: &Stamped, out: &mut Vec<Violation>) {
        match t.txn {
            Txn::PageRequest { ref msg } => {
                self.tracker.on_request(t.cycle, msg);
            }
            Txn::Response { ref rsp } => self.on_response(t.cycle, rsp, out),
            ref e => {
                if let Txn::PriReset { rid } = *e {
                    self.abandon_all(rid, t.cycle);
                }
                self.tracker.on_event(e);
            }
        }
    }

    fn finish(&mut self, _end_cycle: u64, _out: &mut Vec<Violation>) {}

    fn evaluations(&self) -> &Evaluations {
        &self.evals
    }
}
