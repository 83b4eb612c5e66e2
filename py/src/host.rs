//! The Linux-like hosts from Python. SMMUv3 (`models::host::smmu`): what the PRIQ
//! thread does with each entry it reads (HOST-17, HOST-18, HOST-24) and the io-pgfault core
//! grouping and answering the requests (HOST-1..HOST-8), with the default policy (the iopf
//! driver, the kernel handler resolving every page in arrival order). The register protocol
//! (HOST-16: PROD/CONS) stays in the testbench, as in the Rust harness.

use crate::boundary::fits;
use crate::msg::PyPageRequest;
use models::host::fault_core::DeviceCfg;
use models::host::smmu::{EntryFate, SmmuHost};
use models::host::stop_marker::Dropped;
use models::host::vtd::{BadRequest, VtdEntryFate, VtdHost};
use models::host::{HostPolicy, InOrder, Reported};
use models::vtd::desc::PageReqDsc;
use pyo3::prelude::*;

/// The SMMUv3 driver's PRI side and the fault core behind it.
#[pyclass(name = "SmmuHost", module = "iommu_tb")]
pub struct PySmmuHost(SmmuHost);

#[pymethods]
impl PySmmuHost {
    #[new]
    fn new() -> Self {
        PySmmuHost(SmmuHost::new(HostPolicy::default()))
    }

    /// One PRIQ entry, decoded to its message, in queue order (before the CONS write that frees
    /// it): "stop_marker" (HOST-18: dropped), "lrw_dropped" (HOST-24), "partial" (HOST-2: joined
    /// its group), "group" (HOST-3: closed a group, now pending), "ignored" or "denied".
    fn on_priq_entry(&mut self, msg: &PyPageRequest) -> &'static str {
        match self.0.on_priq_entry(&msg.0) {
            EntryFate::StopMarker => "stop_marker",
            EntryFate::LrwDropped => "lrw_dropped",
            EntryFate::Reported(Reported::Partial) => "partial",
            EntryFate::Reported(Reported::Group(_)) => "group",
            EntryFate::Ignored => "ignored",
            EntryFate::Denied(_) => "denied",
        }
    }

    /// HOST-8: the thread saw PROD.OVFLG change; the partial groups are discarded (how many).
    fn on_overflow(&mut self) -> usize {
        self.0.on_overflow()
    }

    /// The kernel handler finishes every pending group (HOST-5, HOST-7): the CMD_PRI_RESP words
    /// (dw0, dw1) to issue, in order.
    fn answer_all(&mut self) -> Vec<(u64, u64)> {
        let mut words = Vec::new();
        while let Some((_, cmd)) = self.0.answer_next(&mut InOrder) {
            if let Some(c) = cmd {
                let [a, b] = c.command().encode();
                words.push((a, b));
            }
        }
        words
    }

    /// Groups reported and not answered yet (HOST-6).
    #[getter]
    fn unanswered(&self) -> usize {
        self.0.core.unanswered().len()
    }
}

/// The VT-d driver's PRI side (`models::host::vtd`, Linux `prq.c`): what the PRQ thread does
/// with each `page_req_dsc` it reads (HOST-22: bad requests, Stop Markers, HOST-24) and the
/// io-pgfault core grouping and answering the requests (HOST-1..HOST-8), with the default
/// policy. The register protocol (PQH, PQT, PRS and the status-write wait) stays in the
/// testbench, as in the Rust harness.
#[pyclass(name = "VtdHost", module = "iommu_tb")]
pub struct PyVtdHost {
    host: VtdHost,
    /// Invalid Request answers of bad requests (HOST-22), submitted before the groups' answers.
    bad_answers: Vec<[u64; 4]>,
}

#[pymethods]
impl PyVtdHost {
    #[new]
    fn new() -> Self {
        PyVtdHost { host: VtdHost::new(HostPolicy::default()), bad_answers: Vec::new() }
    }

    /// The driver probed device `rid`; from the first call on, requests of RIDs never added are
    /// bad ("bad_unknown_rid"). Without any call every RID is known.
    fn add_device(&mut self, rid: i128) -> PyResult<()> {
        let rid = fits("rid", rid, 16)? as u16;
        self.host.add_device(rid, DeviceCfg::default());
        Ok(())
    }

    /// One PRQ entry (the four 64-bit words of its `page_req_dsc`), in queue order (before the
    /// PQH write that frees it): "stop_marker" (dropped), "lrw_dropped" (HOST-24), "partial"
    /// (HOST-2), "group" (HOST-3: closed a group, now pending), or "bad_no_pasid",
    /// "bad_non_canonical", "bad_privileged", "bad_exec_with_read", "bad_unknown_rid" (HOST-22;
    /// one with LPIG=1 gets an Invalid Request answer from `answer_all`).
    fn on_prq_entry(&mut self, words: Vec<i128>) -> PyResult<&'static str> {
        let d = PageReqDsc::decode(crate::codecs::words::<4>("page_req_dsc", words)?);
        Ok(match self.host.on_prq_entry(&d) {
            VtdEntryFate::Dropped(Dropped::StopMarker) => "stop_marker",
            VtdEntryFate::Dropped(Dropped::LrwDropped) => "lrw_dropped",
            VtdEntryFate::Reported(Reported::Partial) => "partial",
            VtdEntryFate::Reported(Reported::Group(_)) => "group",
            VtdEntryFate::Bad { reason, answer } => {
                self.bad_answers.extend(answer.map(|a| a.descriptor().encode()));
                match reason {
                    BadRequest::NoPasid => "bad_no_pasid",
                    BadRequest::NonCanonical => "bad_non_canonical",
                    BadRequest::Privileged => "bad_privileged",
                    BadRequest::ExecWithRead => "bad_exec_with_read",
                    BadRequest::UnknownRid => "bad_unknown_rid",
                }
            }
        })
    }

    /// HOST-22 step 5, HOST-8: PRO was set and the queue found empty; the partial groups are
    /// discarded (how many).
    fn on_overflow(&mut self) -> usize {
        self.host.on_overflow()
    }

    /// Every `page_grp_resp_dsc` to submit now, in order (HOST-23): the Invalid Request answers
    /// of bad requests, then one per pending group the kernel handler finishes (HOST-5, HOST-7).
    fn answer_all(&mut self) -> Vec<(u64, u64, u64, u64)> {
        let mut out: Vec<[u64; 4]> = std::mem::take(&mut self.bad_answers);
        while let Some((_, rsp)) = self.host.answer_next(&mut InOrder) {
            out.extend(rsp.map(|r| r.descriptor().encode()));
        }
        out.into_iter().map(|[a, b, c, d]| (a, b, c, d)).collect()
    }

    /// Groups reported and not answered yet (HOST-6).
    #[getter]
    fn unanswered(&self) -> usize {
        self.host.core.unanswered().len()
    }
}
