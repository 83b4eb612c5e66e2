//! SMMUv3 PRIQ protocol semantics without timing (smmuv3.md §5, §7; DEC-1..4). Pure functions:
//! which admission row a message takes, which automatic response it gets, which interrupt
//! triggers it causes, and what a command does. `timing.rs` calls these at the right edges.

use super::cmd::{self, Command};
use super::evtq_arch::{resume_action, StallAction};
use crate::pcie::{MsgClass, PageRequest, PrgResponse, RespCode};
use crate::ring::{Ring, FLAG_BIT};

/// Admission row of a message (smmuv3.md §5), first match wins.
#[allow(non_camel_case_types)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Row {
    /// SMMU-PRIQ-5, DEC-2: CR0ACK.SMMUEN=0, CR0ACK.PRIQEN=0 or PRIQ_ABT_ERR active.
    A_Disabled,
    /// SMMU-PRIQ-6, SMMU-PRIQ-8: overflow active (OVFLG != OVACKFLG), queue inhibited.
    B_OverflowActive,
    /// SMMU-PRIQ-7: queue full; OVFLG toggles.
    C_Full,
    /// SMMU-PRIQ-3, SMMU-PRIQ-4: entry written.
    D_Write,
}

/// State a decision reads. OVFLG is `prod` bit 31 and OVACKFLG is `cons` bit 31.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AdmissionState {
    /// CR0ACK.SMMUEN.
    pub smmuen: bool,
    /// CR0ACK.PRIQEN.
    pub priqen: bool,
    /// GERROR.PRIQ_ABT_ERR != GERRORN.PRIQ_ABT_ERR.
    pub priq_abt_active: bool,
    pub prod: u32,
    pub cons: u32,
    pub ring: Ring,
}

/// An overflow is active while PROD.OVFLG != CONS.OVACKFLG (SMMU-PRIQ-8, SMMU-PRIQ-9).
pub fn overflow_active(prod: u32, cons: u32) -> bool {
    (prod ^ cons) & FLAG_BIT != 0
}

/// The admission row (smmuv3.md §5; SMMU-PRIQ-5..9). PRI-4: the message itself never matters.
pub fn decide_row(s: &AdmissionState) -> Row {
    if !s.smmuen || !s.priqen || s.priq_abt_active {
        Row::A_Disabled
    } else if overflow_active(s.prod, s.cons) {
        Row::B_OverflowActive
    } else if s.ring.full(s.prod, s.cons) {
        Row::C_Full
    } else {
        Row::D_Write
    }
}

/// True for an "L=1 request": L=1 and not a Stop Marker (DEC-1, PRI-2, PRI-3).
pub fn is_last_request(m: &PageRequest) -> bool {
    m.class() == MsgClass::LastRequest
}

/// The Response Failure without PASID of DEC-2 (rows a, write aborts).
fn response_failure(m: &PageRequest) -> PrgResponse {
    PrgResponse { rid: m.rid, pv: false, pasid: 0, prgi: m.prgi, code: RespCode::ResponseFailure }
}

/// The automatic response a message gets in `row`, if any (SMMU-PRIQ-5..7, SMMU-PRIQ-10,
/// SMMU-PRIQ-11): row a -> 0xF without PASID (DEC-2); rows b, c -> Success with the PASID iff PV
/// (DEC-3); row d -> none. Only L=1 requests are answered; Stop Markers and L=0 never.
pub fn auto_response(row: Row, m: &PageRequest) -> Option<PrgResponse> {
    if !is_last_request(m) {
        return None;
    }
    match row {
        Row::A_Disabled => Some(response_failure(m)),
        Row::B_OverflowActive | Row::C_Full => {
            Some(PrgResponse { rid: m.rid, pv: m.pv, pasid: if m.pv { m.pasid } else { 0 }, prgi: m.prgi, code: RespCode::Success })
        }
        Row::D_Write => None,
    }
}

/// The response to a message whose entry write aborted: as row a (SMMU-PRIQ-16, DEC-2).
pub fn write_abort_response(m: &PageRequest) -> Option<PrgResponse> {
    auto_response(Row::A_Disabled, m)
}

/// PRIQ interrupt trigger for a message discarded in `row` (SMMU-PRIQ-13): with LO=1, each L=1
/// message (Stop Markers included) discarded by rows b or c; never for row a.
pub fn discard_irq_trigger(row: Row, lo: bool, m: &PageRequest) -> bool {
    lo && m.l && matches!(row, Row::B_OverflowActive | Row::C_Full)
}

/// PRIQ interrupt trigger for a written entry (SMMU-PRIQ-13): LO=0 when the queue was empty just
/// before the PROD update; LO=1 when the entry has L=1 (Stop Markers included).
pub fn write_irq_trigger(lo: bool, queue_was_empty: bool, m: &PageRequest) -> bool {
    if lo {
        m.l
    } else {
        queue_was_empty
    }
}

/// What a command does in our block (SMMU-CMD-1..5, SMMU-CMD-9; DEC-4; OP-6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmdEffect {
    /// CMD_PRI_RESP: one software response (SMMU-CMD-3).
    Respond(PrgResponse),
    /// CMD_PRI_RESP while CR0ACK.SMMUEN=0: no response, no error (SMMU-CMD-5).
    Ignored,
    /// CMD_SYNC with CS != 0b11 (SMMU-CMD-9).
    Sync,
    /// CMD_RESUME: resolve the stall (StreamID, STAG) if outstanding (SMMU-CMD-7).
    Resume { stream_id: u32, stag: u16, action: StallAction },
    /// CMD_STALL_TERM: abort every outstanding stall of the StreamID (SMMU-CMD-8).
    StallTerm { stream_id: u32 },
    /// Defined opcode without effect here (OP-6).
    NoOp,
    /// CERROR_ILL (SMMU-CMD-2): Resp=0b11 (DEC-4, SMMU-CMD-4), CS=0b11, or an undefined opcode.
    Illegal,
}

/// The effect of a command taken while CR0ACK.SMMUEN = `smmuen`. Illegality is checked first,
/// so Resp=0b11 is ILLEGAL even with SMMUEN=0.
pub fn command_effect(c: &Command, smmuen: bool) -> CmdEffect {
    match *c {
        Command::PriResp { stream_id, ssv, substream_id, prg_index, resp } => match cmd::pri_resp_code(resp) {
            None => CmdEffect::Illegal,
            Some(_) if !smmuen => CmdEffect::Ignored,
            Some(code) => CmdEffect::Respond(PrgResponse {
                rid: stream_id as u16,
                pv: ssv,
                pasid: if ssv { substream_id } else { 0 },
                prgi: prg_index,
                code,
            }),
        },
        Command::Resume { stream_id, stag, ac, ab } => CmdEffect::Resume { stream_id, stag, action: resume_action(ac, ab, false) },
        Command::StallTerm { stream_id } => CmdEffect::StallTerm { stream_id },
        Command::Sync { cs: 0b11, .. } => CmdEffect::Illegal,
        Command::Sync { .. } => CmdEffect::Sync,
        other if cmd::is_noop_opcode(other.opcode()) => CmdEffect::NoOp,
        _ => CmdEffect::Illegal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn st(prod: u32, cons: u32) -> AdmissionState {
        AdmissionState { smmuen: true, priqen: true, priq_abt_active: false, prod, cons, ring: Ring::new(1, 8) }
    }

    fn req(pv: bool, l: bool, r: bool) -> PageRequest {
        PageRequest { rid: 7, pv, pasid: if pv { 0x55 } else { 0 }, l, r, prgi: 3, page: 0x1000, ..Default::default() }
    }

    #[test]
    fn rows_first_match() {
        assert_eq!(decide_row(&st(0, 0)), Row::D_Write);
        assert_eq!(decide_row(&st(2, 0)), Row::C_Full);
        assert_eq!(decide_row(&st(FLAG_BIT, 0)), Row::B_OverflowActive);
        assert_eq!(decide_row(&st(FLAG_BIT | 2, 0)), Row::B_OverflowActive);
        assert_eq!(decide_row(&AdmissionState { priq_abt_active: true, ..st(FLAG_BIT | 2, 0) }), Row::A_Disabled);
        assert_eq!(decide_row(&AdmissionState { smmuen: false, ..st(0, 0) }), Row::A_Disabled);
        assert_eq!(decide_row(&AdmissionState { priqen: false, ..st(0, 0) }), Row::A_Disabled);
        // A CONS write with matching OVACKFLG ends the overflow (SMMU-PRIQ-9).
        assert_eq!(decide_row(&st(FLAG_BIT | 2, FLAG_BIT | 2)), Row::D_Write);
    }

    #[test]
    fn auto_responses() {
        let last_pasid = req(true, true, true);
        let a = auto_response(Row::A_Disabled, &last_pasid).unwrap();
        assert_eq!((a.pv, a.pasid, a.code.bits()), (false, 0, 0xF));
        let b = auto_response(Row::B_OverflowActive, &last_pasid).unwrap();
        assert_eq!((b.pv, b.pasid, b.code.bits(), b.prgi, b.rid), (true, 0x55, 0x0, 3, 7));
        let c = auto_response(Row::C_Full, &req(false, true, false)).unwrap(); // DEC-1: not a Stop Marker
        assert_eq!((c.pv, c.pasid, c.code), (false, 0, RespCode::Success));
        let stop_marker = req(true, true, false);
        for row in [Row::A_Disabled, Row::B_OverflowActive, Row::C_Full, Row::D_Write] {
            assert_eq!(auto_response(row, &stop_marker), None);
            assert_eq!(auto_response(row, &req(true, false, true)), None);
        }
        assert_eq!(auto_response(Row::D_Write, &last_pasid), None);
    }

    #[test]
    fn irq_triggers() {
        let sm = req(true, true, false);
        assert!(discard_irq_trigger(Row::C_Full, true, &sm));
        assert!(!discard_irq_trigger(Row::A_Disabled, true, &sm));
        assert!(!discard_irq_trigger(Row::B_OverflowActive, false, &sm));
        assert!(write_irq_trigger(true, false, &sm));
        assert!(!write_irq_trigger(true, true, &req(true, false, true)));
        assert!(write_irq_trigger(false, true, &req(true, false, true)));
    }

    #[test]
    fn commands() {
        let pr = |resp| Command::PriResp { stream_id: 0x1_0009, ssv: false, substream_id: 0x77, prg_index: 5, resp };
        assert_eq!(command_effect(&pr(3), true), CmdEffect::Illegal);
        assert_eq!(command_effect(&pr(3), false), CmdEffect::Illegal);
        assert_eq!(command_effect(&pr(2), false), CmdEffect::Ignored);
        let CmdEffect::Respond(r) = command_effect(&pr(1), true) else { panic!() };
        assert_eq!((r.rid, r.pv, r.pasid, r.prgi, r.code.bits()), (9, false, 0, 5, 0x1));
        let sync = |cs| Command::Sync { cs, msh: 0, msi_attr: 0, msi_data: 0, msi_addr: 0 };
        assert_eq!(command_effect(&sync(0), false), CmdEffect::Sync);
        assert_eq!(command_effect(&sync(3), true), CmdEffect::Illegal);
        assert_eq!(
            command_effect(&Command::decode(0x44, 0), true),
            CmdEffect::Resume { stream_id: 0, stag: 0, action: StallAction::RazWi }
        );
        assert_eq!(command_effect(&Command::decode(0x45 | (3 << 32), 0), false), CmdEffect::StallTerm { stream_id: 3 });
        assert_eq!(command_effect(&Command::decode(0x2A, 0), true), CmdEffect::NoOp);
        assert_eq!(command_effect(&Command::decode(0x00, 0), true), CmdEffect::Illegal);
        assert_eq!(command_effect(&Command::decode(0x47, 0), true), CmdEffect::Illegal);
    }
}
