//! The architectural admission rules of both flavors from Python: which row a message takes
//! and which automatic response it gets (`models::smmuv3::arch`, `models::vtd::arch`). Rows are
//! named by what they mean; each carries the rules it implements.

use crate::boundary::fits;
use crate::msg::{PyPageRequest, PyPrgResponse};
use models::ring::Ring;
use models::smmuv3::arch as smmu;
use models::vtd::arch as vtd;
use models::vtd::regs::PrqRing;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

const SMMU_ROWS: [(&str, smmu::Row); 4] = [
    ("disabled", smmu::Row::A_Disabled),
    ("overflow_active", smmu::Row::B_OverflowActive),
    ("full", smmu::Row::C_Full),
    ("write", smmu::Row::D_Write),
];

const VTD_ROWS: [(&str, vtd::Row); 4] =
    [("not_enabled", vtd::Row::A_NotEnabled), ("overflow", vtd::Row::B_Overflow), ("full", vtd::Row::C_Full), ("write", vtd::Row::D_Write)];

fn name_of<R: PartialEq + Copy>(rows: &[(&'static str, R)], row: R) -> &'static str {
    rows.iter().find(|(_, r)| *r == row).map(|(n, _)| *n).expect("every row is named")
}

fn row_of<R: Copy>(rows: &[(&'static str, R)], name: &str) -> PyResult<R> {
    rows.iter().find(|(n, _)| *n == name).map(|(_, r)| *r).ok_or_else(|| {
        let known: Vec<&str> = rows.iter().map(|(n, _)| *n).collect();
        PyValueError::new_err(format!("unknown admission row '{name}' (known: {})", known.join(", ")))
    })
}

/// The SMMUv3 admission row of a message (smmuv3.md §5, SMMU-PRIQ-5..9): "disabled" (row a),
/// "overflow_active" (b), "full" (c) or "write" (d). The queue holds 2^min(log2size, priqs)
/// entries (SMMU-PRIQ-1); OVFLG is `prod` bit 31, OVACKFLG `cons` bit 31.
#[pyfunction]
#[pyo3(signature = (*, smmuen, priqen, prod, cons, log2size, priqs=19, priq_abt_active=false))]
pub fn smmuv3_admission_row(
    smmuen: bool,
    priqen: bool,
    prod: i128,
    cons: i128,
    log2size: i128,
    priqs: i128,
    priq_abt_active: bool,
) -> PyResult<&'static str> {
    let n = fits("log2size", log2size, 5)?.min(fits("priqs", priqs, 5)?) as u32;
    if n > Ring::MAX_N {
        return Err(PyValueError::new_err(format!("a queue holds at most 2^{} entries, asked 2^{n}", Ring::MAX_N)));
    }
    let s = smmu::AdmissionState {
        smmuen,
        priqen,
        priq_abt_active,
        prod: fits("prod", prod, 32)? as u32,
        cons: fits("cons", cons, 32)? as u32,
        ring: Ring::new(n, Ring::MAX_N),
    };
    Ok(name_of(&SMMU_ROWS, smmu::decide_row(&s)))
}

/// The automatic response an SMMUv3 message gets in `row` (SMMU-PRIQ-5..7, SMMU-PRIQ-10, DEC-2,
/// DEC-3); None for row "write", L=0 requests and Stop Markers.
#[pyfunction]
pub fn smmuv3_auto_response(row: &str, req: &PyPageRequest) -> PyResult<Option<PyPrgResponse>> {
    Ok(smmu::auto_response(row_of(&SMMU_ROWS, row)?, &req.0).map(PyPrgResponse))
}

/// The VT-d admission row of a message (vtd.md §4, VTD-PRQ-5..9, DEC-5): "not_enabled" (row a:
/// the RID's PRE bit is 0), "overflow" (b: PRS.PRO), "full" (c) or "write" (d); the PRQ holds
/// 2^(pqs+7) entries (VTD-PRQ-1), `pqh`/`pqt` are the register values.
#[pyfunction]
#[pyo3(signature = (*, pre, pro, pqh, pqt, pqs))]
pub fn vtd_admission_row(pre: bool, pro: bool, pqh: i128, pqt: i128, pqs: i128) -> PyResult<&'static str> {
    let s = vtd::AdmissionState {
        pre,
        pro,
        pqh: fits("pqh", pqh, 64)?,
        pqt: fits("pqt", pqt, 64)?,
        ring: PrqRing::new(fits("pqs", pqs, 3)? as u32),
    };
    Ok(name_of(&VTD_ROWS, vtd::decide_row(&s)))
}

/// The automatic response a VT-d message gets in `row` (Table 31; VTD-PRQ-5..7, VTD-PRQ-10,
/// DEC-5, DEC-7); None for row "write", L=0 requests and Stop Markers.
#[pyfunction]
pub fn vtd_auto_response(row: &str, req: &PyPageRequest) -> PyResult<Option<PyPrgResponse>> {
    Ok(vtd::auto_response(row_of(&VTD_ROWS, row)?, &req.0).map(PyPrgResponse))
}
