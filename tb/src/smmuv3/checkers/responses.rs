//! PRG responses: PRI-16, PRI-17, SMMU-PRIQ-10, SMMU-CMD-2..6, DEC-2, DEC-3, DEC-4.
//!
//! Every response at the PCIe egress must be explained by exactly one of
//! - a CMD_PRI_RESP taken earlier, in command order (SMMU-CMD-3, SMMU-CMD-6): Resp 0b00/0b01/0b10
//!   gives code 0xF/0x1/0x0 to RID = StreamID[15:0], PRGI = dw1[8:0], PASID iff SSV;
//! - an automatic response to an accepted L=1 request (not a Stop Marker, PRI-17) that was not
//!   written to the queue (SMMU-PRIQ-10): same RID and PRGI, and either Success with the PASID
//!   iff the request had one (DEC-3, rows b/c) or 0xF without PASID (DEC-2, row a). A message
//!   whose entry write was acknowledged with an error may only get the DEC-2 form.
//!
//! Which row applied, and when, depends on timing; the checker accepts either form. A response
//! that both explanations fit goes to the head of the pending software responses first (if it
//! was really the automatic one, the software one that follows then fits the automatic slot, as
//! both carry the same fields). A message is "not queued" once a later message's entry is
//! written, or at the end; until then an automatic response may come for it (the DUT's FIFOs
//! make responses arbitrarily late or early relative to writes), and then the message may no
//! longer be written.
//!
//! Enable state (SMMU-CMD-5): CR0ACK lags CR0 by an unknown time, so SMMUEN counts as 0 or 1 only
//! once CR0ACK reads have shown the value settled (see `regs::AckBit`). A command taken while
//! SMMUEN is known 0 must produce nothing; one taken while it is known 1 must produce its
//! response; one taken while it is changing may do either.
//!
//! CMD_PRI_RESP with Resp=0b11 (DEC-4, SMMU-CMD-4) must produce no response and raise
//! GERROR.CMDQ_ERR: judged from GERROR reads after the command (if some read after it showed
//! the error, or none was made, it passes), and no further command may be taken before software
//! acknowledges it through GERRORN (SMMU-CMD-2).
//!
//! At `finish` (quiescence): every accepted L=1 request that was not queued has had its
//! automatic response, and every CMD_PRI_RESP that must answer has answered (PRI-16).

use super::priq_entry::decode_priq_entry;
use super::programmed::AckBit;
use super::reg;
use crate::checkers::ledger::{Fate, Ledger, Rec, WriteMatch};
use crate::checkers::{rule, Checker, ShowReq, ShowRsp, Violation};
use crate::trace::Ring;
use crate::txn::{Stamped, Txn};
use models::pcie::{MsgClass, PageRequest, PrgResponse, RespCode};
use models::rules::RuleId;
use std::collections::VecDeque;

const OP_PRI_RESP: u64 = 0x41;

#[derive(Clone, Copy, Debug)]
struct SwResp {
    rsp: PrgResponse,
    cycle: u64,
    /// False when SMMUEN was changing: the command may or may not answer.
    required: bool,
}

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

/// Who an explained response was for.
#[derive(Clone, Copy, Debug)]
enum Source {
    Command(u64),
    Auto(u64),
}

pub struct Smmuv3ResponseChecker {
    ledger: Ledger,
    /// Seqs of L=1 requests (not Stop Markers) still waiting for an answer or for a write.
    open_l1: VecDeque<u64>,
    sw: VecDeque<SwResp>,
    smmuen: AckBit,
    gerrorn0: bool,
    illegal: Option<Illegal>,
    /// Recent Resp=0b11 commands (response shape with code 0, cycle).
    illegal_recent: Ring<(PrgResponse, u64)>,
    /// Recent commands taken while SMMUEN was known 0.
    disabled_recent: Ring<(PrgResponse, u64)>,
    /// Recently explained responses.
    answered: Ring<(PrgResponse, u64, Source)>,
}

fn needs_answer(r: &Rec) -> bool {
    r.msg.class() == MsgClass::LastRequest
}

fn is_dec2(r: &PrgResponse) -> bool {
    r.code == RespCode::ResponseFailure && !r.pv
}

fn is_dec3(r: &PrgResponse, rec: &Rec) -> bool {
    r.code == RespCode::Success && r.pv == rec.msg.pv && r.pasid == rec.msg.pasid
}

/// May `r` be the automatic response of `rec`, given what is known of its fate?
fn auto_fits(r: &PrgResponse, rec: &Rec) -> bool {
    rec.answered.is_none()
        && r.rid == rec.msg.rid
        && r.prgi == rec.msg.prgi
        && match rec.fate {
            Fate::Pending | Fate::NotQueued => is_dec2(r) || is_dec3(r, rec),
            Fate::WriteFailed => is_dec2(r),
            Fate::Writing | Fate::Queued => false,
        }
}

impl Smmuv3ResponseChecker {
    pub fn new() -> Self {
        Smmuv3ResponseChecker {
            ledger: Ledger::new(),
            open_l1: VecDeque::with_capacity(32),
            sw: VecDeque::with_capacity(16),
            smmuen: AckBit::new(reg::CR0_SMMUEN),
            gerrorn0: false,
            illegal: None,
            illegal_recent: Ring::new(16),
            disabled_recent: Ring::new(16),
            answered: Ring::new(64),
        }
    }

    fn retire(&mut self) {
        self.ledger.retire(|r| match r.fate {
            Fate::Queued => true,
            Fate::NotQueued | Fate::WriteFailed => !needs_answer(r) || r.answered.is_some(),
            Fate::Pending | Fate::Writing => false,
        });
    }

    fn close_l1(&mut self, seq: u64) {
        if let Some(i) = self.open_l1.iter().position(|&s| s == seq) {
            self.open_l1.remove(i);
        }
    }

    fn on_write(&mut self, cycle: u64, addr: u64, data: &[u64; 4], out: &mut Vec<Violation>) {
        let e = decode_priq_entry(data[0], data[1]);
        let seq = match self.ledger.on_write(cycle, &e) {
            WriteMatch::Exact { seq, .. } | WriteMatch::Approx { seq, .. } => Some(seq),
            WriteMatch::Unmatched => {
                // Written after an automatic response was attributed to it?
                let m = e.msg.at_interface();
                if let Some(r) = self.ledger.find(|r| r.answered.is_some() && r.msg == m) {
                    out.push(queued_after_answer(cycle, addr, &r.msg, r.cycle, r.answered.unwrap_or(0)));
                }
                None
            }
        };
        if let Some(seq) = seq {
            let r = *self.ledger.get(seq).expect("matched record is alive");
            if let Some(a) = r.answered {
                out.push(queued_after_answer(cycle, addr, &r.msg, r.cycle, a));
            }
        }
    }

    fn on_ack(&mut self, err: bool) {
        if let Some(seq) = self.ledger.on_ack(err) {
            if !err {
                self.close_l1(seq);
            }
        }
    }

    fn on_command(&mut self, cycle: u64, dw0: u64, dw1: u64) {
        if let Some(il) = self.illegal.as_mut() {
            il.cmd_after.get_or_insert(cycle);
        }
        if dw0 & 0xFF != OP_PRI_RESP {
            return;
        }
        let ssv = (dw0 >> 11) & 1 == 1;
        let resp = (dw1 >> 12) & 0x3;
        let mut rsp = PrgResponse {
            rid: (dw0 >> 32) as u16,
            pv: ssv,
            pasid: if ssv { ((dw0 >> 12) & 0xF_FFFF) as u32 } else { 0 },
            prgi: (dw1 & 0x1FF) as u16,
            code: RespCode::Success,
        };
        rsp.code = match resp {
            0b00 => RespCode::ResponseFailure,
            0b01 => RespCode::InvalidRequest,
            0b10 => RespCode::Success,
            _ => {
                self.illegal_recent.push((rsp, cycle));
                if self.illegal.is_none() {
                    self.illegal = Some(Illegal {
                        cycle,
                        active_value: !self.gerrorn0,
                        reads_after: 0,
                        seen_active: false,
                        cmd_after: None,
                    });
                }
                return;
            }
        };
        match self.smmuen.settled() {
            Some(false) => self.disabled_recent.push((rsp, cycle)),
            Some(true) => self.sw.push_back(SwResp { rsp, cycle, required: true }),
            None => self.sw.push_back(SwResp { rsp, cycle, required: false }),
        }
    }

    /// Judge an outstanding illegal command once software acknowledged it (or at the end).
    fn resolve_illegal(&mut self, ack_cycle: Option<u64>, out: &mut Vec<Violation>) {
        let Some(il) = self.illegal.take() else { return };
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

    fn on_response(&mut self, cycle: u64, rsp: &PrgResponse, out: &mut Vec<Violation>) {
        let r = rsp.at_interface();
        // 1. The head of the software responses (optional ones at the head may be skipped).
        let mut hit = None;
        for (i, s) in self.sw.iter().enumerate() {
            if s.rsp == r {
                hit = Some(i);
                break;
            }
            if s.required {
                break;
            }
        }
        if let Some(i) = hit {
            let s = self.sw[i];
            self.sw.drain(..=i);
            self.answered.push((r, cycle, Source::Command(s.cycle)));
            return;
        }
        // 2. An automatic response, oldest fitting message first.
        let auto = self
            .open_l1
            .iter()
            .filter_map(|&seq| self.ledger.get(seq))
            .find(|rec| auto_fits(&r, rec))
            .map(|rec| rec.seq);
        if let Some(seq) = auto {
            self.take_auto(seq, cycle, r);
            return;
        }
        // 3. A later software response: out of command order.
        if let Some(i) = self.sw.iter().position(|s| s.rsp == r) {
            let s = self.sw.remove(i).expect("position is valid");
            out.push(Violation {
                rule: rule::SMMU_CMD_6,
                cycle,
                message: format!(
                    "response {} answers the CMD_PRI_RESP taken at cycle {}, but the earlier CMD_PRI_RESP taken at cycle {} (expecting {}) has not been answered: software responses keep command order",
                    ShowRsp(&r),
                    s.cycle,
                    self.sw[0].cycle,
                    ShowRsp(&self.sw[0].rsp)
                ),
            });
            self.answered.push((r, cycle, Source::Command(s.cycle)));
            return;
        }
        let v = self.diagnose(cycle, r);
        out.push(v);
    }

    fn take_auto(&mut self, seq: u64, cycle: u64, r: PrgResponse) {
        self.ledger.mark_answered(seq, cycle);
        self.close_l1(seq);
        self.answered.push((r, cycle, Source::Auto(seq)));
        self.retire();
    }

    fn diagnose(&mut self, cycle: u64, r: PrgResponse) -> Violation {
        let v = |rule: RuleId, message: String| Violation { rule, cycle, message };
        let same_target = |x: &PrgResponse| x.rid == r.rid && x.prgi == r.prgi && x.pv == r.pv && x.pasid == r.pasid;
        if let Some(&(_, c)) = self.illegal_recent.iter().rev().find(|(x, _)| same_target(x)) {
            return v(
                rule::SMMU_CMD_4,
                format!("response {} answers the CMD_PRI_RESP with Resp=0b11 taken at cycle {c}, which is ILLEGAL and sends no response (DEC-4)", ShowRsp(&r)),
            );
        }
        if let Some(&(_, c)) = self.disabled_recent.iter().rev().find(|(x, _)| *x == r) {
            return v(
                rule::SMMU_CMD_5,
                format!("response {} answers the CMD_PRI_RESP taken at cycle {c} while CR0ACK.SMMUEN was 0; such a command is ignored", ShowRsp(&r)),
            );
        }
        // A message that awaits an automatic response, answered with the wrong code or PASID.
        let wrong_auto = self
            .open_l1
            .iter()
            .filter_map(|&seq| self.ledger.get(seq))
            .find(|rec| {
                rec.answered.is_none()
                    && rec.msg.rid == r.rid
                    && rec.msg.prgi == r.prgi
                    && matches!(rec.fate, Fate::Pending | Fate::NotQueued | Fate::WriteFailed)
            })
            .copied();
        if let Some(rec) = wrong_auto {
            self.take_auto(rec.seq, cycle, r);
            let (rule, want) = if rec.fate == Fate::WriteFailed || r.code == RespCode::ResponseFailure {
                (rule::DEC_2, "0xF without PASID (DEC-2, row a / failed write)".to_string())
            } else if r.code == RespCode::Success {
                (
                    rule::DEC_3,
                    if rec.msg.pv {
                        format!("Success with PASID 0x{:x} (DEC-3)", rec.msg.pasid)
                    } else {
                        "Success without PASID (DEC-3)".to_string()
                    },
                )
            } else {
                (rule::SMMU_PRIQ_10, "Success with the request's PASID presence (DEC-3) or 0xF without PASID (DEC-2)".to_string())
            };
            return v(
                rule,
                format!(
                    "response {} is the automatic response of {} accepted at cycle {} (not queued), but an automatic response is {want}",
                    ShowRsp(&r),
                    ShowReq(&rec.msg),
                    rec.cycle
                ),
            );
        }
        // The pending software response for that PRG, with the wrong code or PASID.
        if let Some(i) = self.sw.iter().position(|s| s.rsp.rid == r.rid && s.rsp.prgi == r.prgi) {
            let s = self.sw.remove(i).expect("position is valid");
            self.answered.push((r, cycle, Source::Command(s.cycle)));
            return v(
                rule::SMMU_CMD_3,
                format!(
                    "response {} answers the CMD_PRI_RESP taken at cycle {}, which asks for {}",
                    ShowRsp(&r),
                    s.cycle,
                    ShowRsp(&s.rsp)
                ),
            );
        }
        if let Some(&(_, c0, src)) = self.answered.iter().rev().find(|(x, _, _)| *x == r) {
            let what = match src {
                Source::Command(c) => format!("the CMD_PRI_RESP taken at cycle {c}"),
                Source::Auto(seq) => match self.ledger.find(|x| x.seq == seq) {
                    Some(rec) => format!("the automatic response of {} accepted at cycle {}", ShowReq(&rec.msg), rec.cycle),
                    None => "an automatic response".to_string(),
                },
            };
            return v(
                rule::PRI_16,
                format!("response {} was already sent at cycle {c0} as {what}; it is answered twice", ShowRsp(&r)),
            );
        }
        if let Some(rec) = self.ledger.find(|x| {
            x.msg.class() == MsgClass::StopMarker && x.msg.rid == r.rid && (!r.pv || x.msg.pasid == r.pasid)
        }) {
            return v(
                rule::PRI_17,
                format!(
                    "response {} answers the Stop Marker {} accepted at cycle {}; Stop Markers never get a response",
                    ShowRsp(&r),
                    ShowReq(&rec.msg),
                    rec.cycle
                ),
            );
        }
        if let Some(rec) = self.ledger.find(|x| {
            needs_answer(x) && x.msg.rid == r.rid && x.msg.prgi == r.prgi && matches!(x.fate, Fate::Queued | Fate::Writing)
        }) {
            return v(
                rule::SMMU_PRIQ_10,
                format!(
                    "response {} looks automatic, but {} accepted at cycle {} was written to the queue: only software answers it",
                    ShowRsp(&r),
                    ShowReq(&rec.msg),
                    rec.cycle
                ),
            );
        }
        v(
            rule::PRI_16,
            format!(
                "response {} matches no pending CMD_PRI_RESP and no accepted L=1 request awaiting an automatic response",
                ShowRsp(&r)
            ),
        )
    }
}

impl Default for Smmuv3ResponseChecker {
    fn default() -> Self {
        Self::new()
    }
}

impl Checker for Smmuv3ResponseChecker {
    fn name(&self) -> &'static str {
        "smmuv3-prg-responses"
    }

    fn observe(&mut self, t: &Stamped, out: &mut Vec<Violation>) {
        let cycle = t.cycle;
        match t.txn {
            Txn::PageRequest { ref msg } => {
                self.ledger.accept(cycle, msg);
                if msg.class() == MsgClass::LastRequest {
                    // The ledger numbers messages in acceptance order from 0.
                    let seq = self.ledger.iter().last().map_or(0, |r| r.seq);
                    self.open_l1.push_back(seq);
                }
            }
            Txn::MemWrite { addr, ref data, .. } => {
                self.on_write(cycle, addr, data, out);
                self.retire();
            }
            Txn::MemAck { err } => {
                self.on_ack(err);
                self.retire();
            }
            Txn::Command { words, .. } => self.on_command(cycle, words[0], words[1]),
            Txn::Response { ref rsp } => self.on_response(cycle, rsp, out),
            Txn::RegWrite { addr: reg::CR0, data } => self.smmuen.on_cr0_write(data),
            Txn::RegRead { addr: reg::CR0ACK, data } => self.smmuen.on_cr0ack_read(data),
            Txn::RegWrite { addr: reg::GERRORN, data } | Txn::RegRead { addr: reg::GERRORN, data } => {
                self.gerrorn0 = data & reg::GERROR_CMDQ_ERR != 0;
                if matches!(t.txn, Txn::RegWrite { .. })
                    && self.illegal.is_some_and(|il| il.active_value == self.gerrorn0)
                {
                    self.resolve_illegal(Some(cycle), out);
                }
            }
            Txn::RegRead { addr: reg::GERROR, data } => {
                if let Some(il) = self.illegal.as_mut() {
                    if cycle > il.cycle {
                        il.reads_after += 1;
                        if (data & reg::GERROR_CMDQ_ERR != 0) == il.active_value {
                            il.seen_active = true;
                        }
                    }
                }
            }
            _ => {}
        }
    }

    fn finish(&mut self, end_cycle: u64, out: &mut Vec<Violation>) {
        self.ledger.finish();
        self.resolve_illegal(None, out);
        for rec in self.open_l1.iter().filter_map(|&seq| self.ledger.get(seq)) {
            if rec.answered.is_none() && matches!(rec.fate, Fate::NotQueued | Fate::WriteFailed) {
                out.push(Violation {
                    rule: rule::PRI_16,
                    cycle: end_cycle,
                    message: format!(
                        "{} accepted at cycle {} was {} and never answered: an L=1 request that is not queued gets exactly one automatic response (DEC-2 / DEC-3)",
                        ShowReq(&rec.msg),
                        rec.cycle,
                        if rec.fate == Fate::WriteFailed { "not queued (its write failed)" } else { "not queued" }
                    ),
                });
            }
        }
        for s in self.sw.iter().filter(|s| s.required) {
            out.push(Violation {
                rule: rule::PRI_16,
                cycle: end_cycle,
                message: format!(
                    "the CMD_PRI_RESP taken at cycle {} was never answered: expected response {}",
                    s.cycle,
                    ShowRsp(&s.rsp)
                ),
            });
        }
        self.sw.clear();
        self.open_l1.clear();
    }
}

/// SMMU-PRIQ-10: a message is either queued or answered by hardware, never both.
fn queued_after_answer(cycle: u64, addr: u64, msg: &PageRequest, accepted: u64, answered: u64) -> Violation {
    Violation {
        rule: rule::SMMU_PRIQ_10,
        cycle,
        message: format!(
            "entry at 0x{addr:x} is written for {} accepted at cycle {accepted}, which was already answered automatically at cycle {answered}: a message is either queued or answered by hardware",
            ShowReq(msg)
        ),
    }
}
