//! One PCIe function's PRI behaviour from Python (`models::pcie::function`): the golden model of
//! the device side, for a cocotb testbench that plays the device. A request the model refuses
//! (it would break a rule) raises `RuleViolation` naming that rule.

use crate::boundary::{fits, rule_violation};
use crate::msg::{PyPageRequest, PyPrgResponse};
use models::pcie::config::FunctionConfig;
use models::pcie::function::{Access, PcieFunction, PrgHandle, Refusal, ResponseEffect};
use pyo3::prelude::*;

fn refused(r: Refusal) -> PyErr {
    rule_violation(&r.rule().to_string(), None, &format!("the function refuses: {r:?}"))
}

/// A PCIe function with PRI enabled (Allocation written, Enable set, as Linux `pci_enable_pri`).
#[pyclass(name = "PcieFunction", module = "iommu_tb")]
pub struct PyPcieFunction(PcieFunction);

#[pymethods]
impl PyPcieFunction {
    /// `rid`; `allocation`: Outstanding Page Request Allocation (credits); `capacity` (RO
    /// register); `prpr`: PRG Response PASID Required; `prgi_shared_across_pasids` (DEC-11);
    /// `accept_on_send`: count each message accepted when produced (else call `on_accepted`).
    #[new]
    #[pyo3(signature = (rid, *, allocation, capacity=32, prpr=true, pasid_requests=true, prgi_shared_across_pasids=false, accept_on_send=false))]
    fn new(
        rid: i128,
        allocation: i128,
        capacity: i128,
        prpr: bool,
        pasid_requests: bool,
        prgi_shared_across_pasids: bool,
        accept_on_send: bool,
    ) -> PyResult<Self> {
        let cfg = FunctionConfig {
            rid: fits("rid", rid, 16)? as u16,
            prpr,
            pasid_requests,
            capacity: fits("capacity", capacity, 32)? as u32,
            prgi_shared_across_pasids,
            accept_on_send,
            ..FunctionConfig::default()
        };
        Ok(PyPcieFunction(PcieFunction::enabled(cfg, fits("allocation", allocation, 32)? as u32)))
    }

    /// Open a page request group of `length` requests, with `pasid` (None: no PASID); returns
    /// its handle. Refused (RuleViolation) without credits (PRI-11), free PRGI (PRI-8)...
    #[pyo3(signature = (pasid, length))]
    fn start_prg(&mut self, pasid: Option<i128>, length: i128) -> PyResult<u64> {
        let pasid = pasid.map(|p| fits("pasid", p, 20)).transpose()?.map(|p| p as u32);
        self.0.start_prg(pasid, fits("length", length, 32)? as u32).map(|PrgHandle(h)| h).map_err(refused)
    }

    /// The group's next request (the last one has L=1).
    #[pyo3(signature = (prg, *, page, r=true, w=false, exe=false, r#priv=false))]
    fn next_request(&mut self, prg: u64, page: i128, r: bool, w: bool, exe: bool, r#priv: bool) -> PyResult<PyPageRequest> {
        let access = Access { r, w, exe, priv_: r#priv, page: fits("page", page, 52)? };
        self.0.next_request(PrgHandle(prg), access).map(PyPageRequest).map_err(refused)
    }

    /// The ingress accepted `msg` (a message of this function).
    fn on_accepted(&mut self, msg: &PyPageRequest) -> bool {
        self.0.on_accepted(&msg.0)
    }

    /// A PRG response reached the function: "closed", "stale_freed", "response_failure",
    /// "ignored", "unexpected" (PRI-20: UPRGI set) or "not_for_this_function".
    fn on_response(&mut self, rsp: &PyPrgResponse) -> &'static str {
        match self.0.on_response(&rsp.0) {
            ResponseEffect::Closed { .. } => "closed",
            ResponseEffect::StaleFreed { .. } => "stale_freed",
            ResponseEffect::ResponseFailure { .. } => "response_failure",
            ResponseEffect::Ignored => "ignored",
            ResponseEffect::Unexpected => "unexpected",
            ResponseEffect::NotForThisFunction => "not_for_this_function",
        }
    }

    #[getter]
    fn rid(&self) -> u16 {
        self.0.rid()
    }
    /// Credits held by requests sent and not yet answered.
    #[getter]
    fn credits_used(&self) -> u32 {
        self.0.credits_used()
    }
    #[getter]
    fn allocation(&self) -> u32 {
        self.0.allocation()
    }
    /// Groups whose L=1 request was sent and that await their response.
    #[getter]
    fn outstanding(&self) -> usize {
        self.0.outstanding().count()
    }
}
