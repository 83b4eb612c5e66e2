//! The Linux-like host of the SMMUv3 PRIQ from Python (`models::host::smmu`): what the PRIQ
//! thread does with each entry it reads (HOST-17, HOST-18, HOST-24) and the io-pgfault core
//! grouping and answering the requests (HOST-1..HOST-8), with the default policy (the iopf
//! driver, the kernel handler resolving every page in arrival order). The register protocol
//! (HOST-16: PROD/CONS) stays in the testbench, as in the Rust harness.

use crate::msg::PyPageRequest;
use models::host::smmu::{EntryFate, SmmuHost};
use models::host::{HostPolicy, InOrder, Reported};
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
