//! Bit-exact codecs of both flavors from Python: the SMMUv3 PRIQ entry and commands
//! (`models::smmuv3::{entry, cmd}`), the VT-d descriptors (`models::vtd::desc`). Words are
//! little-endian 64-bit integers, as in the trace (`docs/trace.md`).

use crate::boundary::fits;
use crate::msg::{PyPageRequest, PyPrgResponse};
use models::pcie::RespCode;
use models::smmuv3::arch::{self as smmu_arch, CmdEffect};
use models::smmuv3::cmd::{self, Command};
use models::smmuv3::entry::{self, PriqEntry};
use models::vtd::desc::{self, InvWaitDsc, Invalid, PageGrpRespDsc, PageReqDsc, SwDesc};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// `n` 64-bit words from a Python sequence; a wrong count or value is a `ValueError`.
pub(crate) fn words<const N: usize>(what: &str, v: Vec<i128>) -> PyResult<[u64; N]> {
    if v.len() != N {
        return Err(PyValueError::new_err(format!("{what} takes {N} 64-bit words, got {}", v.len())));
    }
    let mut w = [0u64; N];
    for (i, x) in v.into_iter().enumerate() {
        w[i] = fits(&format!("{what} word {i}"), x, 64)?;
    }
    Ok(w)
}

/// A response code (4 bits) as the model's `RespCode`.
fn code_of(code: i128) -> PyResult<RespCode> {
    Ok(RespCode::from_bits(fits("code", code, 4)? as u8))
}

/// The 16-byte PRIQ entry hardware writes for `req` (SMMU-PRIQ-3, SMMU-PRIQ-4): (dw0, dw1).
#[pyfunction]
pub fn smmuv3_encode_priq_entry(req: &PyPageRequest) -> (u64, u64) {
    let [a, b] = PriqEntry::encode_request(&req.0);
    (a, b)
}

/// The message a PRIQ entry describes (StreamID cut to the 16-bit RID); RES0 bits are ignored.
#[pyfunction]
pub fn smmuv3_decode_priq_entry(words_: Vec<i128>) -> PyResult<PyPageRequest> {
    Ok(PyPageRequest(PriqEntry::decode(words::<2>("a PRIQ entry", words_)?).to_request()))
}

/// True when a PRIQ entry's RES0 bits are all 0 (SMMU-PRIQ-4).
#[pyfunction]
pub fn smmuv3_priq_entry_well_formed(words_: Vec<i128>) -> PyResult<bool> {
    Ok(entry::is_well_formed(words::<2>("a PRIQ entry", words_)?))
}

/// CMD_PRI_RESP (0x41) answering `rid`'s PRG `prgi` with the PCIe `code` (DEC-4 maps it to Resp;
/// a reserved code has no Resp value: ValueError); SSV and SubstreamID from `pasid` (None: SSV=0).
#[pyfunction]
#[pyo3(signature = (rid, pasid, prgi, code))]
pub fn smmuv3_encode_pri_resp(rid: i128, pasid: Option<i128>, prgi: i128, code: i128) -> PyResult<(u64, u64)> {
    let pasid = pasid.map(|p| fits("pasid", p, 20)).transpose()?.map(|p| p as u32);
    let c = Command::pri_resp(fits("rid", rid, 16)? as u16, pasid, fits("prgi", prgi, 9)? as u16, code_of(code)?)
        .ok_or_else(|| PyValueError::new_err(format!("code {code:#x} has no CMD_PRI_RESP Resp value (DEC-4: 0x0, 0x1, 0xF)")))?;
    let [a, b] = c.encode();
    Ok((a, b))
}

/// A command decoded field by field: a dict with `opcode`, `name` and the fields of that opcode
/// (raw words for an opcode without fields here).
#[pyfunction]
pub fn smmuv3_decode_command<'py>(py: Python<'py>, words_: Vec<i128>) -> PyResult<Bound<'py, PyDict>> {
    let [dw0, dw1] = words::<2>("a command", words_)?;
    let c = Command::decode(dw0, dw1);
    let d = PyDict::new(py);
    d.set_item("opcode", c.opcode())?;
    match c {
        Command::PriResp { stream_id, ssv, substream_id, prg_index, resp } => {
            d.set_item("name", "CMD_PRI_RESP")?;
            d.set_item("stream_id", stream_id)?;
            d.set_item("ssv", ssv)?;
            d.set_item("substream_id", substream_id)?;
            d.set_item("prg_index", prg_index)?;
            d.set_item("resp", resp)?;
        }
        Command::Resume { stream_id, stag, ac, ab } => {
            d.set_item("name", "CMD_RESUME")?;
            d.set_item("stream_id", stream_id)?;
            d.set_item("stag", stag)?;
            d.set_item("ac", ac)?;
            d.set_item("ab", ab)?;
        }
        Command::StallTerm { stream_id } => {
            d.set_item("name", "CMD_STALL_TERM")?;
            d.set_item("stream_id", stream_id)?;
        }
        Command::Sync { cs, msh, msi_attr, msi_data, msi_addr } => {
            d.set_item("name", "CMD_SYNC")?;
            d.set_item("cs", cs)?;
            d.set_item("msh", msh)?;
            d.set_item("msi_attr", msi_attr)?;
            d.set_item("msi_data", msi_data)?;
            d.set_item("msi_addr", msi_addr)?;
        }
        Command::Other { dw0, dw1 } => {
            d.set_item("name", if cmd::is_noop_opcode(c.opcode()) { "no-op here (OP-6)" } else { "undefined" })?;
            d.set_item("words", (dw0, dw1))?;
        }
    }
    Ok(d)
}

/// What a command does in the block while CR0ACK.SMMUEN = `smmuen` (SMMU-CMD-1..5, SMMU-CMD-9,
/// SMMU-CMD-7/8, DEC-4, OP-6): ("respond", PrgResponse), ("ignored", None), ("sync", None),
/// ("resume", None), ("stall_term", None), ("noop", None) or ("illegal", None); `smmuv3_decode_command`
/// gives a RESUME's or STALL_TERM's fields.
#[pyfunction]
pub fn smmuv3_command_effect(words_: Vec<i128>, smmuen: bool) -> PyResult<(&'static str, Option<PyPrgResponse>)> {
    let [dw0, dw1] = words::<2>("a command", words_)?;
    Ok(match smmu_arch::command_effect(&Command::decode(dw0, dw1), smmuen) {
        CmdEffect::Respond(r) => ("respond", Some(PyPrgResponse(r))),
        CmdEffect::Ignored => ("ignored", None),
        CmdEffect::Sync => ("sync", None),
        CmdEffect::Resume { .. } => ("resume", None),
        CmdEffect::StallTerm { .. } => ("stall_term", None),
        CmdEffect::NoOp => ("noop", None),
        CmdEffect::Illegal => ("illegal", None),
    })
}

/// The `page_req_dsc` hardware writes for `req` (VTD-PRQ-4): QW0..QW3.
#[pyfunction]
pub fn vtd_encode_page_req(req: &PyPageRequest) -> (u64, u64, u64, u64) {
    let [a, b, c, d] = PageReqDsc::encode_request(&req.0);
    (a, b, c, d)
}

/// The message a `page_req_dsc` describes; reserved bits are ignored.
#[pyfunction]
pub fn vtd_decode_page_req(words_: Vec<i128>) -> PyResult<PyPageRequest> {
    Ok(PyPageRequest(PageReqDsc::decode(words::<4>("a page_req_dsc", words_)?).to_request()))
}

/// True when a `page_req_dsc` has Type 0x01 and every reserved bit 0 (VTD-PRQ-4, DEC-9).
#[pyfunction]
pub fn vtd_page_req_well_formed(words_: Vec<i128>) -> PyResult<bool> {
    Ok(desc::page_req_well_formed(words::<4>("a page_req_dsc", words_)?))
}

/// A `page_grp_resp_dsc` (type 0x09) answering `rid`'s PRG `prgi` with the 4-bit `code`
/// (forwarded verbatim, DEC-8); PP and PASID from `pasid` (None: PP=0).
#[pyfunction]
#[pyo3(signature = (rid, pasid, prgi, code))]
pub fn vtd_encode_page_grp_resp(rid: i128, pasid: Option<i128>, prgi: i128, code: i128) -> PyResult<(u64, u64, u64, u64)> {
    let d = PageGrpRespDsc {
        pp: pasid.is_some(),
        rc: fits("code", code, 4)? as u8,
        rid: fits("rid", rid, 16)? as u16,
        pasid: pasid.map(|p| fits("pasid", p, 20)).transpose()?.unwrap_or(0) as u32,
        lpig: false,
        prgi: fits("prgi", prgi, 9)? as u16,
    };
    let [a, b, c, e] = d.encode();
    Ok((a, b, c, e))
}

/// An `inv_wait_dsc` (type 0x05): status write of `status_data` to `status_addr` (4-byte
/// aligned) when `sw`, interrupt when `if_`, fence `fn_`, page request drain `pd` (DEC-10).
#[pyfunction]
#[pyo3(signature = (status_addr, status_data, *, sw=true, if_=false, fn_=false, pd=false))]
pub fn vtd_encode_inv_wait(
    status_addr: i128,
    status_data: i128,
    sw: bool,
    if_: bool,
    fn_: bool,
    pd: bool,
) -> PyResult<(u64, u64, u64, u64)> {
    let addr = fits("status_addr", status_addr, 64)?;
    if addr & 3 != 0 {
        return Err(PyValueError::new_err(format!("status_addr = {addr:#x} is not 4-byte aligned (VTD-IQ-8)")));
    }
    let d = InvWaitDsc { if_, sw, fn_, pd, status_data: fits("status_data", status_data, 32)? as u32, status_addr: addr };
    let [a, b, c, e] = d.encode();
    Ok((a, b, c, e))
}

/// How the block treats a software descriptor taken from the port (VTD-IQ-1, VTD-IQ-2, OP-10),
/// with ECAP.PDS = `pds`: ("page_grp_resp", PrgResponse), ("inv_wait", dict of its fields),
/// ("no_effect", type) or ("invalid", reason).
#[pyfunction]
#[pyo3(signature = (words_, pds=true))]
pub fn vtd_classify<'py>(py: Python<'py>, words_: Vec<i128>, pds: bool) -> PyResult<(&'static str, Bound<'py, PyAny>)> {
    let w = words::<4>("a descriptor", words_)?;
    Ok(match desc::classify(w, pds) {
        SwDesc::PageGrpResp(d) => ("page_grp_resp", Bound::new(py, PyPrgResponse(d.response()))?.into_any()),
        SwDesc::InvWait(d) => {
            let f = PyDict::new(py);
            f.set_item("if_", d.if_)?;
            f.set_item("sw", d.sw)?;
            f.set_item("fn_", d.fn_)?;
            f.set_item("pd", d.pd)?;
            f.set_item("status_data", d.status_data)?;
            f.set_item("status_addr", d.status_addr)?;
            ("inv_wait", f.into_any())
        }
        SwDesc::NoEffect(t) => ("no_effect", t.into_pyobject(py)?.into_any()),
        SwDesc::Invalid(why) => {
            let reason = match why {
                Invalid::UnknownType(t) => format!("unknown type {t:#x} (OP-10)"),
                Invalid::Reserved(r) => format!("reserved bits set {:#x?} (VTD-IQ-4, VTD-IQ-6)", r),
                Invalid::PdWithoutPds => "PD=1 while ECAP.PDS=0 (VTD-IQ-2)".to_string(),
            };
            ("invalid", reason.into_pyobject(py)?.into_any())
        }
    })
}
