//! The SMMUv3 policy of the PRG response matcher (`crate::checkers::responses`): PRI-16, PRI-17,
//! SMMU-PRIQ-10, SMMU-CMD-2..6, DEC-2, DEC-3, DEC-4.
//!
//! - A taken CMD_PRI_RESP with Resp 0b00/0b01/0b10 asks for code 0xF/0x1/0x0 to RID =
//!   StreamID[15:0], PRGI = dw1[8:0], PASID iff SSV (SMMU-CMD-3), in command order (SMMU-CMD-6).
//! - The automatic response of an L=1 request that was not queued (SMMU-PRIQ-10) has its RID and
//!   PRGI and is either Success with the PASID iff the request had one (DEC-3, rows b/c) or 0xF
//!   without PASID (DEC-2, row a); which row applied depends on timing, so either form passes. A
//!   message whose entry write was acknowledged with an error may only get the DEC-2 form.
//! - Enable state (SMMU-CMD-5): CR0ACK lags CR0 by an unknown time, so SMMUEN counts as 0 or 1
//!   only once CR0ACK reads have shown the value settled (see `AckBit`). A command taken while
//!   SMMUEN is known 0 must produce nothing; one taken while it is known 1 must produce its
//!   response; one taken while it is changing may do either.
//! - CMD_PRI_RESP with Resp=0b11 (DEC-4, SMMU-CMD-4) must produce no response and raise
//!   GERROR.CMDQ_ERR: judged from GERROR reads after the command (if some read after it showed
//!   the error, or none was made, it passes), and no further command may be taken before
//!   software acknowledges it through GERRORN (SMMU-CMD-2).

use super::priq_entry::decode_priq_entry;
use super::programmed::AckBit;
use super::reg;
use crate::checkers::entry::DecodedEntry;
use crate::checkers::responses::{Asked, Need, ResponseChecker, ResponsePolicy, Rules};
use crate::checkers::{rule, Evaluations, Violation};
use crate::txn::{Stamped, Txn};
use models::pcie::{PageRequest, PrgResponse, RespCode};
use models::rules::RuleId;

const OP_PRI_RESP: u64 = 0x41;

/// The SMMUv3 PRG response checker.
pub type Smmuv3ResponseChecker = ResponseChecker<Smmuv3Responses>;

impl Smmuv3ResponseChecker {
    pub fn new() -> Self {
        ResponseChecker::with_policy(Smmuv3Responses { smmuen: AckBit::new(reg::CR0_SMMUEN), gerrorn0: false, illegal: None })
    }
}

impl Default for Smmuv3ResponseChecker {
    fn default() -> Self {
        Self::new()
    }
}

/// An ILLEGAL CMD_PRI_RESP (Resp=0b11) awaiting software's acknowledgement.
#[derive(Clone, Copy, Debug)]
struct Illegal {
    cycle: u64,
    /// GERROR[0] value that means "CMDQ_ERR active".
    active_value: bool,
    reads_after: u32,
    seen_active: bool,
    /// First command taken after it while it should still be blocking.
    cmd_after: Option<u64>,
}

/// CR0 and GERROR state, as far as register traffic shows it.
pub struct Smmuv3Responses {
    smmuen: AckBit,
    gerrorn0: bool,
    illegal: Option<Illegal>,
}

fn is_dec2(r: &PrgResponse) -> bool {
    r.code == RespCode::ResponseFailure && !r.pv
}

fn is_dec3(r: &PrgResponse, m: &PageRequest) -> bool {
    r.code == RespCode::Success && r.pv == m.pv && r.pasid == m.pasid
}

/// A response to the PRG (and PASID) a Resp=0b11 command names, whatever its code.
fn same_target(asked: &PrgResponse, r: &PrgResponse) -> bool {
    asked.rid == r.rid && asked.prgi == r.prgi && asked.pv == r.pv && asked.pasid == r.pasid
}

impl Smmuv3Responses {
    /// Judge an outstanding illegal command once software acknowledged it (or at the end).
    fn resolve_illegal(&mut self, ack_cycle: Option<u64>, evals: &mut Evaluations, out: &mut Vec<Violation>) {
        let Some(il) = self.illegal.take() else { return };
        evals.count(rule::SMMU_CMD_2);
        if il.reads_after > 0 && !il.seen_active {
            out.push(Violation {
                rule: rule::SMMU_CMD_4,
                cycle: il.cycle,
                message: format!(
                    "CMD_PRI_RESP with Resp=0b11 taken at cycle {} is ILLEGAL (DEC-4) but none of the {} GERROR read(s) after it showed CMDQ_ERR active",
                    il.cycle, il.reads_after
                ),
            });
        }
        if let Some(c) = il.cmd_after {
            if ack_cycle.is_none_or(|a| c < a) {
                out.push(Violation {
                    rule: rule::SMMU_CMD_2,
                    cycle: c,
                    message: format!(
                        "a command was taken at cycle {c} while CMDQ_ERR raised by the ILLEGAL CMD_PRI_RESP (Resp=0b11) of cycle {} was not yet acknowledged through GERRORN",
                        il.cycle
                    ),
                });
            }
        }
    }
}

impl ResponsePolicy for Smmuv3Responses {
    const NAME: &'static str = "smmuv3-prg-responses";
    const RULES: Rules = Rules {
        command: "CMD_PRI_RESP",
        auto_order: None,
        auto_owed: (rule::PRI_16, "(DEC-2 / DEC-3)"),
        queued_no_auto: rule::SMMU_PRIQ_10,
        queued_or_answered: rule::SMMU_PRIQ_10,
        stop_marker: rule::PRI_17,
        l0_request: None,
        command_order: rule::SMMU_CMD_6,
        command_content: rule::SMMU_CMD_3,
        command_answered: rule::PRI_16,
    };
    /// Besides [`Rules`]: the Resp=0b11 command (SMMU-CMD-4, DEC-4) and the commands taken
    /// until software acknowledges it (SMMU-CMD-2), the enable state at each CMD_PRI_RESP
    /// (SMMU-CMD-5), and the automatic response forms (DEC-2, DEC-3).
    const COUNTED: &'static [RuleId] = &[
        rule::PRI_16,
        rule::PRI_17,
        rule::SMMU_PRIQ_10,
        rule::SMMU_CMD_2,
        rule::SMMU_CMD_3,
        rule::SMMU_CMD_4,
        rule::SMMU_CMD_5,
        rule::SMMU_CMD_6,
        rule::DEC_2,
        rule::DEC_3,
        rule::DEC_4,
    ];
    type AtAccept = ();

    fn at_accept(&self, _: &PageRequest) {}

    #[inline]
    fn observe(&mut self, t: &Stamped, evals: &mut Evaluations, out: &mut Vec<Violation>) -> Option<bool> {
        match t.txn {
            Txn::MemAck { err } => return Some(err),
            Txn::RegWrite { addr: reg::CR0, data } => self.smmuen.on_cr0_write(data),
            Txn::RegRead { addr: reg::CR0ACK, data } => self.smmuen.on_cr0ack_read(data),
            Txn::RegWrite { addr: reg::GERRORN, data } | Txn::RegRead { addr: reg::GERRORN, data } => {
                self.gerrorn0 = data & reg::GERROR_CMDQ_ERR != 0;
                if matches!(t.txn, Txn::RegWrite { .. }) && self.illegal.is_some_and(|il| il.active_value == self.gerrorn0) {
                    self.resolve_illegal(Some(t.cycle), evals, out);
                }
            }
            Txn::RegRead { addr: reg::GERROR, data } => {
                if let Some(il) = self.illegal.as_mut() {
                    if t.cycle > il.cycle {
                        il.reads_after += 1;
                        if (data & reg::GERROR_CMDQ_ERR != 0) == il.active_value {
                            il.seen_active = true;
                        }
                    }
                }
            }
            _ => {}
        }
        None
    }

    fn decode(&self, data: &[u64; 4]) -> DecodedEntry {
        decode_priq_entry(data[0], data[1])
    }

    fn command(&mut self, cycle: u64, words: &[u64; 4], evals: &mut Evaluations) -> Option<Asked> {
        let [dw0, dw1, ..] = *words;
        if let Some(il) = self.illegal.as_mut() {
            il.cmd_after.get_or_insert(cycle);
        }
        if dw0 & 0xFF != OP_PRI_RESP {
            return None;
        }
        evals.count(rule::SMMU_CMD_5);
        let ssv = (dw0 >> 11) & 1 == 1;
        let mut rsp = PrgResponse {
            rid: (dw0 >> 32) as u16,
            pv: ssv,
            pasid: if ssv { ((dw0 >> 12) & 0xF_FFFF) as u32 } else { 0 },
            prgi: (dw1 & 0x1FF) as u16,
            code: RespCode::Success,
        };
        rsp.code = match (dw1 >> 12) & 0x3 {
            0b00 => RespCode::ResponseFailure,
            0b01 => RespCode::InvalidRequest,
            0b10 => RespCode::Success,
            _ => {
                evals.count(rule::SMMU_CMD_4);
                evals.count(rule::DEC_4);
                if self.illegal.is_none() {
                    self.illegal =
                        Some(Illegal { cycle, active_value: !self.gerrorn0, reads_after: 0, seen_active: false, cmd_after: None });
                }
                let why = "with Resp=0b11, which is ILLEGAL and sends no response (DEC-4)";
                return Some(Asked::Nothing { rsp, fits: same_target, rule: rule::SMMU_CMD_4, why });
            }
        };
        Some(match self.smmuen.settled() {
            Some(false) => Asked::Nothing {
                rsp,
                fits: |asked, r| asked == r,
                rule: rule::SMMU_CMD_5,
                why: "while CR0ACK.SMMUEN was 0; such a command is ignored",
            },
            Some(true) => Asked::Response { rsp, need: Need::Must },
            None => Asked::Response { rsp, need: Need::May },
        })
    }

    fn auto_form(&self, r: &PrgResponse, m: &PageRequest, failed_write: bool, _: &()) -> bool {
        is_dec2(r) || (!failed_write && is_dec3(r, m))
    }

    fn auto_rules(&self, _: &PageRequest, failed_write: bool, _: &()) -> &'static [RuleId] {
        if failed_write {
            &[rule::DEC_2]
        } else {
            &[rule::DEC_2, rule::DEC_3]
        }
    }

    fn auto_form_broken(&self, r: &PrgResponse, m: &PageRequest, failed_write: bool, _: &()) -> (RuleId, String) {
        if failed_write || r.code == RespCode::ResponseFailure {
            (rule::DEC_2, "0xF without PASID (DEC-2, row a / failed write)".to_string())
        } else if r.code == RespCode::Success {
            let want =
                if m.pv { format!("Success with PASID 0x{:x} (DEC-3)", m.pasid) } else { "Success without PASID (DEC-3)".to_string() };
            (rule::DEC_3, want)
        } else {
            (rule::SMMU_PRIQ_10, "Success with the request's PASID presence (DEC-3) or 0xF without PASID (DEC-2)".to_string())
        }
    }

    fn finish(&mut self, evals: &mut Evaluations, out: &mut Vec<Violation>) {
        self.resolve_illegal(None, evals, out);
    }
}
