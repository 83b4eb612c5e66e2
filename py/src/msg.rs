//! PCIe PRI messages as Python values: `PageRequest` (a page request or Stop Marker) and
//! `PrgResponse`, wrapping the models' types (`models::pcie`).

use crate::boundary::{fits, fits_arg};
use models::pcie::{MsgClass, PageRequest, PrgResponse, RespCode};
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// A Page Request message or Stop Marker (PRI-1, PRI-2), fields as at an interface.
#[pyclass(name = "PageRequest", module = "iommu_tb", frozen, eq, hash)]
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PyPageRequest(pub PageRequest);

#[pymethods]
impl PyPageRequest {
    /// Every field is checked against its width (RID 16, PASID 20, PRGI 9, page 52 bits).
    #[new]
    #[pyo3(signature = (rid, *, pv=false, pasid=None, exe=false, r#priv=false, r=false, w=false, l=false, prgi=None, page=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        rid: &Bound<'_, PyAny>,
        pv: bool,
        pasid: Option<&Bound<'_, PyAny>>,
        exe: bool,
        r#priv: bool,
        r: bool,
        w: bool,
        l: bool,
        prgi: Option<&Bound<'_, PyAny>>,
        page: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        // Integer fields are read as Python objects: the direct u64 path of `fits_arg` (tests
        // build messages in their loops), the width error otherwise.
        let field = |name: &str, v: Option<&Bound<'_, PyAny>>, bits: u32| v.map_or(Ok(0), |v| fits_arg(name, v, bits));
        Ok(PyPageRequest(PageRequest {
            rid: fits_arg("rid", rid, 16)? as u16,
            pv,
            pasid: field("pasid", pasid, 20)? as u32,
            exe,
            priv_: r#priv,
            r,
            w,
            l,
            prgi: field("prgi", prgi, 9)? as u16,
            page: field("page", page, 52)?,
        }))
    }

    /// A Stop Marker for `pasid` (PV=1, L=1, R=W=0; PRI-2).
    #[staticmethod]
    fn stop_marker(rid: i128, pasid: i128) -> PyResult<Self> {
        let (rid, pasid) = (fits("rid", rid, 16)? as u16, fits("pasid", pasid, 20)? as u32);
        Ok(PyPageRequest(PageRequest { rid, pv: true, pasid, l: true, ..PageRequest::default() }))
    }

    #[getter]
    fn rid(&self) -> u16 {
        self.0.rid
    }
    #[getter]
    fn pv(&self) -> bool {
        self.0.pv
    }
    #[getter]
    fn pasid(&self) -> u32 {
        self.0.pasid
    }
    #[getter]
    fn exe(&self) -> bool {
        self.0.exe
    }
    #[getter(r#priv)]
    fn get_priv(&self) -> bool {
        self.0.priv_
    }
    #[getter]
    fn r(&self) -> bool {
        self.0.r
    }
    #[getter]
    fn w(&self) -> bool {
        self.0.w
    }
    #[getter]
    fn l(&self) -> bool {
        self.0.l
    }
    #[getter]
    fn prgi(&self) -> u16 {
        self.0.prgi
    }
    #[getter]
    fn page(&self) -> u64 {
        self.0.page
    }

    /// "stop_marker", "last_request" or "request", from PV, L, R and W only (PRI-4, DEC-1).
    fn kind(&self) -> &'static str {
        match self.0.class() {
            MsgClass::StopMarker => "stop_marker",
            MsgClass::LastRequest => "last_request",
            MsgClass::Request => "request",
        }
    }

    /// The message as it stands at an interface: PASID, Exe and Priv 0 when PV=0 (PRI-1).
    fn at_interface(&self) -> Self {
        PyPageRequest(self.0.at_interface())
    }

    /// The fields as a dict, in the trace schema of `msg` (docs/trace.md).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        let m = &self.0;
        d.set_item("rid", m.rid)?;
        d.set_item("pv", m.pv)?;
        d.set_item("pasid", m.pasid)?;
        d.set_item("exe", m.exe)?;
        d.set_item("priv", m.priv_)?;
        d.set_item("r", m.r)?;
        d.set_item("w", m.w)?;
        d.set_item("l", m.l)?;
        d.set_item("prgi", m.prgi)?;
        d.set_item("page", m.page)?;
        Ok(d)
    }

    fn __repr__(&self) -> String {
        let m = &self.0;
        format!(
            "PageRequest(rid={:#06x}, pv={}, pasid={:#x}, exe={}, priv={}, r={}, w={}, l={}, prgi={}, page={:#x})",
            m.rid,
            py_bool(m.pv),
            m.pasid,
            py_bool(m.exe),
            py_bool(m.priv_),
            py_bool(m.r),
            py_bool(m.w),
            py_bool(m.l),
            m.prgi,
            m.page
        )
    }
}

/// A PRG Response message (PRI-13): PASID present iff `pv`; `code` is the 4-bit response code
/// (0 Success, 1 Invalid Request, 0xF Response Failure, others reserved).
#[pyclass(name = "PrgResponse", module = "iommu_tb", frozen, eq, hash)]
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PyPrgResponse(pub PrgResponse);

#[pymethods]
impl PyPrgResponse {
    #[new]
    #[pyo3(signature = (rid, *, pv=false, pasid=0, prgi=0, code=0))]
    fn new(rid: i128, pv: bool, pasid: i128, prgi: i128, code: i128) -> PyResult<Self> {
        Ok(PyPrgResponse(PrgResponse {
            rid: fits("rid", rid, 16)? as u16,
            pv,
            pasid: fits("pasid", pasid, 20)? as u32,
            prgi: fits("prgi", prgi, 9)? as u16,
            code: RespCode::from_bits(fits("code", code, 4)? as u8),
        }))
    }

    #[getter]
    fn rid(&self) -> u16 {
        self.0.rid
    }
    #[getter]
    fn pv(&self) -> bool {
        self.0.pv
    }
    #[getter]
    fn pasid(&self) -> u32 {
        self.0.pasid
    }
    #[getter]
    fn prgi(&self) -> u16 {
        self.0.prgi
    }
    #[getter]
    fn code(&self) -> u8 {
        self.0.code.bits()
    }

    /// The fields as a dict, in the trace schema of `rsp` (docs/trace.md).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let json = serde_json::to_string(&self.0).expect("a PrgResponse serialises");
        py.import("json")?.call_method1("loads", (json,))?.downcast_into::<PyDict>().map_err(Into::into)
    }

    fn __repr__(&self) -> String {
        let r = &self.0;
        format!("PrgResponse(rid={:#06x}, pv={}, pasid={:#x}, prgi={}, code={:#x})", r.rid, py_bool(r.pv), r.pasid, r.prgi, r.code.bits())
    }
}

fn py_bool(b: bool) -> &'static str {
    if b {
        "True"
    } else {
        "False"
    }
}
