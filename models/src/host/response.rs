//! Response generation (HOST-15, HOST-18, HOST-23, DEC-13): the generic code of a group's result and
//! its encodings per IOMMU flavour, as plain data the testbench turns into commands or descriptors.

use super::record::{FaultRecord, GroupId};
use super::{HostEvent, VtdFailureCode};
use crate::pcie::{PrgResponse, RespCode};
use crate::smmuv3::cmd::Command;
use crate::vtd::desc::PageGrpRespDsc;
use serde::{Deserialize, Serialize};

/// Linux's generic page response code (HOST-15): SUCCESS=0, INVALID=1, FAILURE=2.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum GenericCode {
    Success,
    Invalid,
    Failure,
}

impl GenericCode {
    pub fn value(self) -> u32 {
        match self {
            GenericCode::Success => 0,
            GenericCode::Invalid => 1,
            GenericCode::Failure => 2,
        }
    }

    /// HOST-13: the codes a user may write to the fault FD (0 and 1 only).
    pub fn from_user(code: u32) -> Option<GenericCode> {
        match code {
            0 => Some(GenericCode::Success),
            1 => Some(GenericCode::Invalid),
            _ => None,
        }
    }

    /// HOST-15: CMD_PRI_RESP Resp field: SUCCESS 0b10, INVALID 0b01, FAILURE 0b00.
    pub fn smmu_resp(self) -> u8 {
        match self {
            GenericCode::Success => SmmuPriResp::RESP_SUCCESS,
            GenericCode::Invalid => SmmuPriResp::RESP_INVALID,
            GenericCode::Failure => SmmuPriResp::RESP_DENY,
        }
    }

    /// HOST-15: VT-d `page_grp_resp_dsc` RC: 0x0, 0x1, and for FAILURE 0x2 (`raw`, Linux) or 0xF.
    pub fn vtd_rc(self, knob: VtdFailureCode) -> u8 {
        match (self, knob) {
            (GenericCode::Success, _) => 0x0,
            (GenericCode::Invalid, _) => 0x1,
            (GenericCode::Failure, VtdFailureCode::Raw) => 0x2,
            (GenericCode::Failure, VtdFailureCode::Pcie) => 0xF,
        }
    }
}

/// A response the fault core decided to send for one pending last record (HOST-6 matched).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct HostResponse {
    /// The pending entry (group) this response answers.
    pub group: GroupId,
    pub rid: u16,
    pub grpid: u16,
    /// PASID of the request that closed the group.
    pub req_pasid: Option<u32>,
    /// PASID carried by the response: `req_pasid` iff the function's PRPR=1 (DEC-13, HOST-18).
    pub pasid: Option<u32>,
    pub code: GenericCode,
}

impl HostResponse {
    pub(crate) fn new(group: GroupId, last: &FaultRecord, needs_pasid: bool, code: GenericCode) -> Self {
        HostResponse {
            group,
            rid: last.rid,
            grpid: last.grpid,
            req_pasid: last.pasid,
            pasid: if needs_pasid { last.pasid } else { None },
            code,
        }
    }

    /// HOST-15, HOST-18: the SMMUv3 CMD_PRI_RESP for this response.
    pub fn smmu(&self) -> SmmuPriResp {
        SmmuPriResp {
            stream_id: self.rid as u32,
            ssv: self.pasid.is_some(),
            substream_id: self.pasid.unwrap_or(0),
            prg_index: self.grpid,
            resp: self.code.smmu_resp(),
        }
    }

    /// HOST-15, HOST-23: the VT-d `page_grp_resp_dsc` for this response, and the HOST-15 hazard
    /// event when it carries RC=0x2.
    pub fn vtd(&self, knob: VtdFailureCode) -> (VtdPageGrpResp, Option<HostEvent>) {
        let d = VtdPageGrpResp {
            rid: self.rid,
            pp: self.pasid.is_some(),
            pasid: self.pasid.unwrap_or(0),
            prgi: self.grpid,
            rc: self.code.vtd_rc(knob),
        };
        let hazard = (d.rc == 0x2).then_some(HostEvent::VtdRawFailure { rid: self.rid, prgi: self.grpid, pasid: self.pasid });
        (d, hazard)
    }
}

/// CMD_PRI_RESP fields (smmuv3.md §7).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SmmuPriResp {
    pub stream_id: u32,
    pub ssv: bool,
    pub substream_id: u32,
    pub prg_index: u16,
    pub resp: u8,
}

impl SmmuPriResp {
    /// Resp=0b00: Response Failure (Linux DENY).
    pub const RESP_DENY: u8 = 0b00;
    /// Resp=0b01: Invalid Request (Linux FAIL).
    pub const RESP_INVALID: u8 = 0b01;
    /// Resp=0b10: Success (Linux SUCC).
    pub const RESP_SUCCESS: u8 = 0b10;

    pub fn command(&self) -> Command {
        Command::PriResp {
            stream_id: self.stream_id,
            ssv: self.ssv,
            substream_id: self.substream_id,
            prg_index: self.prg_index,
            resp: self.resp,
        }
    }

    /// The PRG response the IOMMU sends for this command (SMMU-CMD-3).
    pub fn expected_wire(&self) -> PrgResponse {
        PrgResponse {
            rid: self.stream_id as u16,
            pv: self.ssv,
            pasid: if self.ssv { self.substream_id } else { 0 },
            prgi: self.prg_index,
            code: crate::smmuv3::cmd::pri_resp_code(self.resp).unwrap_or(RespCode::Reserved(self.resp)),
        }
    }
}

/// VT-d `page_grp_resp_dsc` fields (HOST-23); [`VtdPageGrpResp::descriptor`] adds bit 66, the
/// driver adds the wait (`host::vtd::sync_wait`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct VtdPageGrpResp {
    pub rid: u16,
    pub pp: bool,
    pub pasid: u32,
    pub prgi: u16,
    /// 4-bit response code, forwarded verbatim by the hardware (DEC-8).
    pub rc: u8,
}

impl VtdPageGrpResp {
    /// The `page_grp_resp_dsc` software submits (HOST-23): these fields and bit 66 set, as Linux
    /// writes `QI_PGRP_LPIG` for the last request it answers (ignored by the hardware, VTD-IQ-3).
    pub fn descriptor(&self) -> PageGrpRespDsc {
        PageGrpRespDsc { pp: self.pp, rc: self.rc, rid: self.rid, pasid: self.pasid, lpig: true, prgi: self.prgi }
    }

    /// The PRG response the IOMMU forwards (DEC-8: RC verbatim).
    pub fn expected_wire(&self) -> PrgResponse {
        PrgResponse {
            rid: self.rid,
            pv: self.pp,
            pasid: if self.pp { self.pasid } else { 0 },
            prgi: self.prgi,
            code: RespCode::from_bits(self.rc),
        }
    }
}
