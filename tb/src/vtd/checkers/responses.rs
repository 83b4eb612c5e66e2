//! PRG responses of `vtd_prq`: VTD-PRQ-5..8, -10, -17, VTD-IQ-2..5, DEC-5..8, DEC-13, PRI-16.
//!
//! Every response at the egress must be explained by exactly one of
//! - a valid `page_grp_resp_dsc` taken earlier, in descriptor order (VTD-IQ-3, VTD-IQ-5): RID
//!   [31:16], PRGI [75:67], the 4-bit code verbatim (DEC-8), PASID iff PP [4];
//! - the automatic response of an accepted LPIG=1 request (never a Stop Marker or an LPIG=0
//!   request, DEC-6) that was not written to the PRQ, in request order (VTD-PRQ-17): RID, PRGI,
//!   PASID presence and PASID copied (DEC-13), code Invalid Request for a PRE-disabled RID (DEC-5)
//!   or Success for PRO/full (DEC-7).
//!
//! Which row applied depends on when the message was decided, so either code is accepted unless
//! no PRE-table write happened between the message's acceptance and its response: then its row-a
//! status is known (VTD-PRQ-19) and so is the code. A response both explanations fit goes to the
//! software head first (if it really was automatic, the software one that follows fits the same
//! slot). A message is "not queued" once a later message's descriptor is written, or at the end;
//! an automatic response for an earlier not-queued message that is still unanswered proves the
//! order broken. Invalid descriptors (VTD-IQ-4, -6) forward nothing, and a descriptor taken behind
//! one answers only after software cleared IQE (VTD-IQ-2).
//!
//! At `finish` (quiescence): every not-queued LPIG=1 request has had its automatic response and
//! every valid `page_grp_resp_dsc` that must take effect has sent its response.

use crate::checkers::ledger::{Fate, Rec, WriteMatch};
use crate::checkers::{rule, Checker, ShowReq, ShowRsp, Violation};
use super::iq::IqGate;
use super::messages::MessageLog;
use super::pre::PreTable;
use crate::trace::Ring;
use crate::txn::{Stamped, Txn};
use models::pcie::{MsgClass, PrgResponse, RespCode};
use models::rules::RuleId;
use models::vtd::desc::{desc_type, Invalid, PageGrpRespDsc, SwDesc, TYPE_PAGE_GRP_RESP};
use std::collections::VecDeque;

#[derive(Clone, Copy, Debug)]
struct SwResp {
    rsp: PrgResponse,
    cycle: u64,
    /// False when an earlier invalid descriptor may still hold it (IQE, VTD-IQ-2).
    required: bool,
    /// `Taken::held_at`.
    held_at: Option<u64>,
}

/// An LPIG=1 request that may still need its automatic response.
#[derive(Clone, Copy, Debug)]
struct OpenL1 {
    seq: u64,
    /// PRE-table generation and the RID's PRE bit at acceptance.
    pre_gen: u64,
    pre_enabled: bool,
}

pub struct VtdResponseChecker {
    log: MessageLog,
    iq: IqGate,
    pre: PreTable,
    open_l1: VecDeque<OpenL1>,
    sw: VecDeque<SwResp>,
    /// Responses invalid `page_grp_resp_dsc`s would have asked for, with their take cycles.
    invalid_recent: Ring<(PrgResponse, u64)>,
    /// Recently explained responses and their cycles.
    answered: Ring<(PrgResponse, u64)>,
}

fn needs_answer(r: &Rec) -> bool {
    r.msg.class() == MsgClass::LastRequest
}

fn same_target(a: &PrgResponse, rid: u16, prgi: u16) -> bool {
    a.rid == rid && a.prgi == prgi
}

impl VtdResponseChecker {
    /// `pre_entries`: PRE table entries of the build (writes beyond it are ignored, OP-20).
    pub fn new(pre_entries: u32) -> Self {
        VtdResponseChecker {
            log: MessageLog::new(),
            iq: IqGate::new(),
            pre: PreTable::new(pre_entries),
            open_l1: VecDeque::with_capacity(32),
            sw: VecDeque::with_capacity(16),
            invalid_recent: Ring::new(16),
            answered: Ring::new(64),
        }
    }

    /// The code the automatic response of `o` must carry if its row is known (no PRE write
    /// since its acceptance): Invalid Request if its RID was disabled (DEC-5), else Success
    /// (DEC-7).
    fn known_code(&self, o: &OpenL1) -> Option<RespCode> {
        (self.pre.gen == o.pre_gen).then_some(if o.pre_enabled { RespCode::Success } else { RespCode::InvalidRequest })
    }

    /// May `r` be the automatic response of `o`?
    fn auto_fits(&self, r: &PrgResponse, o: &OpenL1) -> bool {
        let Some(rec) = self.log.ledger.get(o.seq) else { return false };
        let code_ok = match self.known_code(o) {
            Some(c) => r.code == c,
            None => matches!(r.code, RespCode::Success | RespCode::InvalidRequest),
        };
        rec.answered.is_none()
            && matches!(rec.fate, Fate::Pending | Fate::NotQueued)
            && same_target(r, rec.msg.rid, rec.msg.prgi)
            && r.pv == rec.msg.pv
            && r.pasid == rec.msg.pasid
            && code_ok
    }

    fn retire(&mut self) {
        self.log.ledger.retire(|r| match r.fate {
            Fate::Queued => true,
            Fate::NotQueued | Fate::WriteFailed => !needs_answer(r) || r.answered.is_some(),
            Fate::Pending | Fate::Writing => false,
        });
    }

    fn close_l1(&mut self, seq: u64) {
        if let Some(i) = self.open_l1.iter().position(|o| o.seq == seq) {
            self.open_l1.remove(i);
        }
    }

    fn on_command(&mut self, cycle: u64, words: &[u64; 4]) {
        let t = self.iq.take(words);
        match t.desc {
            SwDesc::PageGrpResp(p) => {
                self.sw.push_back(SwResp { rsp: p.response(), cycle, required: t.held_at.is_none(), held_at: t.held_at })
            }
            SwDesc::Invalid(Invalid::Reserved(_)) if desc_type(*words) == TYPE_PAGE_GRP_RESP => {
                self.invalid_recent.push((PageGrpRespDsc::decode(*words).response(), cycle));
            }
            _ => {}
        }
    }

    /// A descriptor written for a message that already had its automatic response.
    fn on_write(&self, cycle: u64, addr: u64, m: &WriteMatch, out: &mut Vec<Violation>) {
        let (WriteMatch::Exact { seq } | WriteMatch::Approx { seq, .. }) = *m else { return };
        let Some(r) = self.log.ledger.get(seq) else { return };
        if let Some(a) = r.answered {
            out.push(Violation {
                rule: rule::VTD_PRQ_17,
                cycle,
                message: format!(
                    "descriptor at 0x{addr:x} is written for {} accepted at cycle {}, which was already answered automatically at cycle {a}: a message is either queued or answered by hardware",
                    ShowReq(&r.msg),
                    r.cycle
                ),
            });
        }
    }

    fn on_response(&mut self, cycle: u64, rsp: &PrgResponse, out: &mut Vec<Violation>) {
        let r = rsp.at_interface();
        // 1. The head of the software responses (optional ones at the head may be skipped).
        let hit = self.sw.iter().position(|s| s.rsp == r || s.required).filter(|&i| self.sw[i].rsp == r);
        // A descriptor still held by IQE cannot have answered: prefer an automatic explanation.
        let held = hit.is_some_and(|i| self.iq.acted_while_held(self.sw[i].held_at));
        if let Some(i) = hit.filter(|_| !held || !self.open_l1.iter().any(|o| self.auto_fits(&r, o))) {
            let s = self.sw[i];
            if held {
                out.push(Violation {
                    rule: rule::VTD_IQ_2,
                    cycle,
                    message: format!(
                        "response {} answers the page_grp_resp_dsc taken at cycle {} behind an invalid descriptor, but software has not cleared FSTS.IQE since: no later descriptor is processed until then",
                        ShowRsp(&r),
                        s.cycle
                    ),
                });
            }
            self.sw.drain(..=i);
            self.answered.push((r, cycle));
            return;
        }
        // 2. An automatic response, oldest fitting request first.
        if let Some(k) = self.open_l1.iter().position(|o| self.auto_fits(&r, o)) {
            let o = self.open_l1[k];
            let skipped = self.open_l1.iter().take(k).find_map(|e| {
                self.log.ledger.get(e.seq).filter(|rec| rec.fate == Fate::NotQueued && rec.answered.is_none())
            });
            if let Some(e) = skipped {
                out.push(Violation {
                    rule: rule::VTD_PRQ_17,
                    cycle,
                    message: format!(
                        "automatic response {} is sent while {} accepted at cycle {} (earlier, not queued) has not had its own: automatic responses keep request order",
                        ShowRsp(&r),
                        ShowReq(&e.msg),
                        e.cycle
                    ),
                });
            }
            self.take_auto(o.seq, cycle, r);
            return;
        }
        // 3. A later software response: out of descriptor order.
        if let Some(i) = self.sw.iter().position(|s| s.rsp == r) {
            let s = self.sw.remove(i).expect("position is valid");
            out.push(Violation {
                rule: rule::VTD_IQ_5,
                cycle,
                message: format!(
                    "response {} answers the page_grp_resp_dsc taken at cycle {}, but the earlier one taken at cycle {} (asking for {}) has not been answered: descriptor responses keep descriptor order",
                    ShowRsp(&r),
                    s.cycle,
                    self.sw[0].cycle,
                    ShowRsp(&self.sw[0].rsp)
                ),
            });
            self.answered.push((r, cycle));
            return;
        }
        let v = self.diagnose(cycle, r);
        out.push(v);
    }

    fn take_auto(&mut self, seq: u64, cycle: u64, r: PrgResponse) {
        self.log.ledger.mark_answered(seq, cycle);
        self.close_l1(seq);
        self.answered.push((r, cycle));
        self.retire();
    }

    /// Why `r` fits nothing; the closest explanation is consumed so one bug reports once.
    fn diagnose(&mut self, cycle: u64, r: PrgResponse) -> Violation {
        let v = |rule: RuleId, message: String| Violation { rule, cycle, message };
        if let Some(&(_, c)) = self.invalid_recent.iter().rev().find(|(x, _)| same_target(x, r.rid, r.prgi)) {
            return v(
                rule::VTD_IQ_4,
                format!("response {} answers the page_grp_resp_dsc taken at cycle {c}, which has reserved bits set: it is invalid and forwards nothing (DEC-8)", ShowRsp(&r)),
            );
        }
        let wrong_auto = self.open_l1.iter().copied().find(|o| {
            self.log.ledger.get(o.seq).is_some_and(|rec| {
                rec.answered.is_none() && same_target(&r, rec.msg.rid, rec.msg.prgi) && matches!(rec.fate, Fate::Pending | Fate::NotQueued)
            })
        });
        if let Some(o) = wrong_auto {
            let rec = *self.log.ledger.get(o.seq).expect("found above");
            let known = self.known_code(&o);
            self.take_auto(o.seq, cycle, r);
            let (rule, want) = if r.pv != rec.msg.pv || r.pasid != rec.msg.pasid {
                (rule::DEC_13, "the request's PASID presence and PASID")
            } else if known == Some(RespCode::InvalidRequest) {
                (rule::DEC_5, "Invalid Request (0x1): its RID had PRE=0 from its acceptance to now")
            } else if known == Some(RespCode::Success) {
                (rule::DEC_7, "Success (0x0): its RID had PRE=1 from its acceptance to now, so it was dropped for PRO or a full PRQ")
            } else {
                (rule::VTD_PRQ_17, "Invalid Request (DEC-5) or Success (DEC-7)")
            };
            return v(
                rule,
                format!(
                    "response {} is the automatic response of {} accepted at cycle {} (not queued), but it must carry {want}",
                    ShowRsp(&r),
                    ShowReq(&rec.msg),
                    rec.cycle
                ),
            );
        }
        if let Some(i) = self.sw.iter().position(|s| same_target(&s.rsp, r.rid, r.prgi)) {
            let s = self.sw.remove(i).expect("position is valid");
            self.answered.push((r, cycle));
            return v(
                rule::VTD_IQ_3,
                format!("response {} answers the page_grp_resp_dsc taken at cycle {}, which asks for {}", ShowRsp(&r), s.cycle, ShowRsp(&s.rsp)),
            );
        }
        if let Some(&(_, c0)) = self.answered.iter().rev().find(|(x, _)| *x == r) {
            return v(rule::PRI_16, format!("response {} was already sent at cycle {c0}; it is answered twice", ShowRsp(&r)));
        }
        let find = |pred: &dyn Fn(&Rec) -> bool| self.log.ledger.find(|x| pred(x) && x.msg.rid == r.rid);
        if let Some(rec) = find(&|x| x.msg.class() == MsgClass::StopMarker && (!r.pv || x.msg.pasid == r.pasid)) {
            return v(
                rule::VTD_PRQ_10,
                format!("response {} answers the Stop Marker {} accepted at cycle {}; Stop Markers never get a response (DEC-6)", ShowRsp(&r), ShowReq(&rec.msg), rec.cycle),
            );
        }
        if let Some(rec) = find(&|x| x.msg.class() == MsgClass::Request && x.msg.prgi == r.prgi && x.fate == Fate::NotQueued) {
            return v(
                rule::DEC_6,
                format!("response {} answers the LPIG=0 request {} accepted at cycle {}, which was not queued; LPIG=0 requests never get an automatic response", ShowRsp(&r), ShowReq(&rec.msg), rec.cycle),
            );
        }
        if let Some(rec) = find(&|x| needs_answer(x) && x.msg.prgi == r.prgi && matches!(x.fate, Fate::Queued | Fate::Writing)) {
            return v(
                rule::VTD_PRQ_8,
                format!("response {} looks automatic, but {} accepted at cycle {} was written to the PRQ (row d): only software answers it", ShowRsp(&r), ShowReq(&rec.msg), rec.cycle),
            );
        }
        v(rule::PRI_16, format!("response {} matches no pending page_grp_resp_dsc and no accepted LPIG=1 request awaiting an automatic response", ShowRsp(&r)))
    }
}

impl Checker for VtdResponseChecker {
    fn name(&self) -> &'static str {
        "vtd-prg-responses"
    }

    fn observe(&mut self, t: &Stamped, out: &mut Vec<Violation>) {
        let step = self.log.observe(t);
        self.iq.observe(&t.txn);
        match t.txn {
            Txn::PageRequest { ref msg } if msg.class() == MsgClass::LastRequest => {
                let seq = self.log.ledger.iter().last().map_or(0, |r| r.seq);
                let pre_enabled = self.pre.enabled(msg.rid);
                self.open_l1.push_back(OpenL1 { seq, pre_gen: self.pre.gen, pre_enabled });
            }
            Txn::MemWrite { addr, .. } => {
                if let Some((_, m)) = &step.write {
                    self.on_write(t.cycle, addr, m, out);
                }
            }
            Txn::Command { ref words, .. } => self.on_command(t.cycle, words),
            Txn::Response { ref rsp } => self.on_response(t.cycle, rsp, out),
            Txn::RegWrite { addr, data } => self.pre.write(addr, data),
            _ => {}
        }
        if let Some(seq) = step.acked_msg {
            self.close_l1(seq);
        }
        if step.write.is_some() || step.acked_msg.is_some() {
            self.retire();
        }
    }

    fn finish(&mut self, end_cycle: u64, out: &mut Vec<Violation>) {
        self.log.ledger.finish();
        for rec in self.open_l1.iter().filter_map(|o| self.log.ledger.get(o.seq)) {
            if rec.answered.is_none() && rec.fate == Fate::NotQueued {
                out.push(Violation {
                    rule: rule::VTD_PRQ_17,
                    cycle: end_cycle,
                    message: format!(
                        "{} accepted at cycle {} was not queued and never answered: an LPIG=1 request dropped by rows a-c gets exactly one automatic response (DEC-5, DEC-7)",
                        ShowReq(&rec.msg),
                        rec.cycle
                    ),
                });
            }
        }
        for s in self.sw.iter().filter(|s| s.required) {
            out.push(Violation {
                rule: rule::VTD_IQ_3,
                cycle: end_cycle,
                message: format!("the page_grp_resp_dsc taken at cycle {} was never answered: expected response {}", s.cycle, ShowRsp(&s.rsp)),
            });
        }
        self.sw.clear();
        self.open_l1.clear();
    }
}
