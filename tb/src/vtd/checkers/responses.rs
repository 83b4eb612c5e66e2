//! The VT-d policy of the PRG response matcher (`crate::checkers::responses`): VTD-PRQ-5..8,
//! -10, -17, VTD-IQ-2..5, DEC-5..8, DEC-13, PRI-16.
//!
//! - A valid `page_grp_resp_dsc` asks for RID [31:16], PRGI [75:67], the 4-bit code verbatim
//!   (DEC-8), PASID iff PP [4] (VTD-IQ-3), in descriptor order (VTD-IQ-5). Invalid descriptors
//!   (VTD-IQ-4, -6) forward nothing, and a descriptor taken behind one answers only after
//!   software cleared IQE (VTD-IQ-2).
//! - The automatic response of an LPIG=1 request that was not written to the PRQ (never a Stop
//!   Marker or an LPIG=0 request, DEC-6) comes in request order (VTD-PRQ-17) and copies RID,
//!   PRGI, PASID presence and PASID (DEC-13); its code is Invalid Request for a PRE-disabled RID
//!   (DEC-5) or Success for PRO/full (DEC-7). Which row applied depends on when the message was
//!   decided, so either code is accepted unless no PRE-table write happened between the
//!   message's acceptance and its response: then its row-a status is known (VTD-PRQ-19) and so
//!   is the code.

use super::codec::decode_page_req;
use super::iq::IqGate;
use super::pointers::{WriteFifo, WriteKind};
use super::pre::PreTable;
use crate::checkers::entry::DecodedEntry;
use crate::checkers::responses::{Asked, Need, ResponseChecker, ResponsePolicy, Rules};
use crate::checkers::{rule, Evaluations, Violation};
use crate::txn::{Stamped, Txn};
use models::pcie::{PageRequest, PrgResponse, RespCode};
use models::rules::RuleId;
use models::vtd::desc::{desc_type, Invalid, PageGrpRespDsc, SwDesc, TYPE_PAGE_GRP_RESP};

/// The VT-d PRG response checker.
pub type VtdResponseChecker = ResponseChecker<VtdResponses>;

impl VtdResponseChecker {
    /// `pre_entries`: PRE table entries of the build (writes beyond it are ignored, OP-20).
    pub fn new(pre_entries: u32) -> Self {
        ResponseChecker::with_policy(VtdResponses { writes: WriteFifo::new(), iq: IqGate::new(), pre: PreTable::new(pre_entries) })
    }
}

/// Which memory writes are descriptors, the IQE gate and the PRE table.
pub struct VtdResponses {
    writes: WriteFifo,
    iq: IqGate,
    pre: PreTable,
}

/// The PRE table at a request's acceptance: its generation and the RID's PRE bit.
#[derive(Clone, Copy, Debug)]
pub struct PreAtAccept {
    gen: u64,
    enabled: bool,
}

impl VtdResponses {
    /// The code the automatic response must carry if the request's row is known (no PRE write
    /// since its acceptance): Invalid Request if its RID was disabled (DEC-5), else Success (DEC-7).
    fn known_code(&self, at: &PreAtAccept) -> Option<RespCode> {
        (self.pre.gen == at.gen).then_some(if at.enabled { RespCode::Success } else { RespCode::InvalidRequest })
    }
}

impl ResponsePolicy for VtdResponses {
    const NAME: &'static str = "vtd-prg-responses";
    const RULES: Rules = Rules {
        command: "page_grp_resp_dsc",
        auto_order: Some(rule::VTD_PRQ_17),
        auto_owed: (rule::VTD_PRQ_17, "(DEC-5, DEC-7)"),
        queued_no_auto: rule::VTD_PRQ_8,
        queued_or_answered: rule::VTD_PRQ_17,
        stop_marker: rule::VTD_PRQ_10,
        l0_request: Some(rule::DEC_6),
        command_order: rule::VTD_IQ_5,
        command_content: rule::VTD_IQ_3,
        command_answered: rule::VTD_IQ_3,
    };
    /// Besides [`Rules`]: descriptors taken right after an invalid one (VTD-IQ-2), invalid
    /// `page_grp_resp_dsc` (VTD-IQ-4) and the automatic response forms (DEC-13, DEC-5, DEC-7).
    const COUNTED: &'static [RuleId] = &[
        rule::PRI_16,
        rule::VTD_PRQ_8,
        rule::VTD_PRQ_10,
        rule::VTD_PRQ_17,
        rule::VTD_IQ_2,
        rule::VTD_IQ_3,
        rule::VTD_IQ_4,
        rule::VTD_IQ_5,
        rule::DEC_5,
        rule::DEC_6,
        rule::DEC_7,
        rule::DEC_13,
    ];
    type AtAccept = PreAtAccept;

    fn at_accept(&self, msg: &PageRequest) -> PreAtAccept {
        PreAtAccept { gen: self.pre.gen, enabled: self.pre.enabled(msg.rid) }
    }

    /// Acks come in write order whatever the kind; `vtd_prq` acks carry no error.
    #[inline]
    fn observe(&mut self, t: &Stamped, _: &mut Evaluations, _: &mut Vec<Violation>) -> Option<bool> {
        self.iq.observe(&t.txn);
        if let Txn::RegWrite { addr, data } = t.txn {
            self.pre.write(addr, data);
        }
        (self.writes.observe(t.cycle, &t.txn) == Some(WriteKind::Descriptor)).then_some(false)
    }

    fn decode(&self, data: &[u64; 4]) -> DecodedEntry {
        decode_page_req(data).0
    }

    fn command(&mut self, _cycle: u64, words: &[u64; 4], evals: &mut Evaluations) -> Option<Asked> {
        let t = self.iq.take(words);
        if t.follows_invalid && matches!(t.desc, SwDesc::PageGrpResp(_)) {
            evals.count(rule::VTD_IQ_2);
        }
        match t.desc {
            SwDesc::PageGrpResp(p) => Some(Asked::Response { rsp: p.response(), need: t.held_at.map_or(Need::Must, Need::Held) }),
            SwDesc::Invalid(Invalid::Reserved(_)) if desc_type(*words) == TYPE_PAGE_GRP_RESP => {
                evals.count(rule::VTD_IQ_4);
                Some(Asked::Nothing {
                    rsp: PageGrpRespDsc::decode(*words).response(),
                    fits: |asked, r| asked.rid == r.rid && asked.prgi == r.prgi,
                    rule: rule::VTD_IQ_4,
                    why: "with reserved bits set: it is invalid and forwards nothing (DEC-8)",
                })
            }
            _ => None,
        }
    }

    fn auto_form(&self, r: &PrgResponse, m: &PageRequest, _: bool, at: &PreAtAccept) -> bool {
        let code_ok = match self.known_code(at) {
            Some(c) => r.code == c,
            None => matches!(r.code, RespCode::Success | RespCode::InvalidRequest),
        };
        r.pv == m.pv && r.pasid == m.pasid && code_ok
    }

    fn auto_rules(&self, _: &PageRequest, _: bool, at: &PreAtAccept) -> &'static [RuleId] {
        match self.known_code(at) {
            Some(RespCode::InvalidRequest) => &[rule::DEC_13, rule::DEC_5],
            Some(_) => &[rule::DEC_13, rule::DEC_7],
            None => &[rule::DEC_13],
        }
    }

    fn auto_form_broken(&self, r: &PrgResponse, m: &PageRequest, _: bool, at: &PreAtAccept) -> (RuleId, String) {
        let (rule, want) = if r.pv != m.pv || r.pasid != m.pasid {
            (rule::DEC_13, "the request's PASID presence and PASID")
        } else {
            match self.known_code(at) {
                Some(RespCode::InvalidRequest) => (rule::DEC_5, "Invalid Request (0x1): its RID had PRE=0 from its acceptance to now"),
                Some(_) => {
                    (rule::DEC_7, "Success (0x0): its RID had PRE=1 from its acceptance to now, so it was dropped for PRO or a full PRQ")
                }
                None => (rule::VTD_PRQ_17, "Invalid Request (DEC-5) or Success (DEC-7)"),
            }
        };
        (rule, want.to_string())
    }

    fn held(&self, token: u64) -> Option<(RuleId, &'static str)> {
        let why = "behind an invalid descriptor, but software has not cleared FSTS.IQE since: no later descriptor is processed until then";
        self.iq.acted_while_held(Some(token)).then_some((rule::VTD_IQ_2, why))
    }
}
