//! PCIe PRI messages as they cross the testbench interfaces (`../shared/spec/pcie-pri.md` §2-§5).

use serde::{Deserialize, Serialize};

/// A Page Request message, or a Stop Marker (PRI-1, PRI-2). Fields carry exactly what §2 lists;
/// with `pv == false` the PASID, `exe` and `priv_` are 0 at every interface (PRI-1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PageRequest {
    pub rid: u16,
    pub pv: bool,
    pub pasid: u32,
    pub exe: bool,
    #[serde(rename = "priv")]
    pub priv_: bool,
    pub r: bool,
    pub w: bool,
    pub l: bool,
    /// PRG index, 9 bits.
    pub prgi: u16,
    /// Page address bits [63:12] (the 52-bit page number, unshifted value >> 12).
    pub page: u64,
}

/// How a message is treated, from PV, L, R and W only (PRI-4, table §3, DEC-1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MsgClass {
    /// PV=1, L=1, R=W=0: never answered, no PRGI, no credit (PRI-2, PRI-17).
    StopMarker,
    /// L=1 page request (including the PASID-less L=1, R=W=0 one, PRI-3): closes its PRG.
    LastRequest,
    /// L=0 page request: no response for this message.
    Request,
}

/// Field widths of the messages (§2, §5): PASID 20 bits, PRGI 9 bits, page address 52 bits.
pub const PASID_MASK: u32 = 0xF_FFFF;
pub const PRGI_MASK: u16 = 0x1FF;
pub const PAGE_MASK: u64 = (1 << 52) - 1;

impl PageRequest {
    /// Every field cut to its width (what a port of that width carries).
    pub fn masked(&self) -> PageRequest {
        PageRequest { pasid: self.pasid & PASID_MASK, prgi: self.prgi & PRGI_MASK, page: self.page & PAGE_MASK, ..*self }
    }

    /// The message as it stands at a testbench interface and in every queue entry (PRI-1):
    /// fields cut to their widths, and PASID, Exe and Priv 0 when PV=0.
    pub fn at_interface(&self) -> PageRequest {
        let m = self.masked();
        PageRequest { pasid: if m.pv { m.pasid } else { 0 }, exe: m.pv && m.exe, priv_: m.pv && m.priv_, ..m }
    }

    pub fn class(&self) -> MsgClass {
        match (self.pv, self.l, self.r || self.w) {
            (true, true, false) => MsgClass::StopMarker,
            (_, true, _) => MsgClass::LastRequest,
            (_, false, _) => MsgClass::Request,
        }
    }
}

/// PRG Response code (§5). Reserved codes are kept as raw values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RespCode {
    Success,
    InvalidRequest,
    ResponseFailure,
    Reserved(u8),
}

impl RespCode {
    pub fn from_bits(code: u8) -> RespCode {
        match code & 0xF {
            0x0 => RespCode::Success,
            0x1 => RespCode::InvalidRequest,
            0xF => RespCode::ResponseFailure,
            c => RespCode::Reserved(c),
        }
    }
    pub fn bits(self) -> u8 {
        match self {
            RespCode::Success => 0x0,
            RespCode::InvalidRequest => 0x1,
            RespCode::ResponseFailure => 0xF,
            RespCode::Reserved(c) => c & 0xF,
        }
    }
}

/// A PRG Response message (PRI-13): PASID present iff `pv`; PASID is 0 when absent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PrgResponse {
    pub rid: u16,
    pub pv: bool,
    pub pasid: u32,
    pub prgi: u16,
    pub code: RespCode,
}

impl PrgResponse {
    /// The response as it stands at an interface (PRI-13): PRGI cut to 9 bits, PASID cut to 20
    /// bits and 0 when PV=0.
    pub fn at_interface(&self) -> PrgResponse {
        PrgResponse { pasid: if self.pv { self.pasid & PASID_MASK } else { 0 }, prgi: self.prgi & PRGI_MASK, ..*self }
    }

    /// The egress port fields `rsp_rid`, `rsp_pv`, `rsp_pasid` (0 when PV=0), `rsp_prgi`,
    /// `rsp_code`, as both RTL tops drive them.
    pub fn port_fields(&self) -> (u16, bool, u32, u16, u8) {
        (self.rid, self.pv, if self.pv { self.pasid } else { 0 }, self.prgi, self.code.bits())
    }

    /// The response the egress port fields show.
    pub fn from_port_fields(rid: u16, pv: bool, pasid: u32, prgi: u16, code: u8) -> PrgResponse {
        PrgResponse { rid, pv, pasid, prgi, code: RespCode::from_bits(code) }
    }
}
