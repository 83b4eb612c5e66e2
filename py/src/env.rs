//! The flavor's `env` as Python sees it: the verbs the Rust tests use (`tb::env::Env`, and the
//! flavor's register sequences `Smmuv3Sequences` / `VtdSequences`), each awaitable one a trigger
//! of [`crate::triggers`] whose value is the verb's result.

use crate::boundary::{fits, usage_error};
use crate::context;
use crate::msg::{PyPageRequest, PyPrgResponse};
use crate::triggers::{Spec, Trigger};
use pyo3::exceptions::PyAttributeError;
use pyo3::prelude::*;
use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;
use tb::scenario::Scenario;
use tb::smmuv3::env::Smmuv3Sequences;
use tb::vtd::env::VtdSequences;

/// The run's environment: agents, register sequences, the host's view of the queue.
#[pyclass(name = "Env", module = "iommu_tb", unsendable)]
pub struct Env {
    env: tb::env::Env,
    flavor: &'static str,
    generation: u64,
    /// The run's scenario.
    scenario: Rc<Scenario>,
    #[pyo3(get)]
    queue_base: u64,
    #[pyo3(get)]
    log2size: u32,
}

impl Env {
    pub fn new(env: tb::env::Env, flavor: &'static str, generation: u64, scenario: Scenario) -> Env {
        let (queue_base, log2size) = (scenario.queue_base, scenario.log2size);
        Env { env, flavor, generation, scenario: Rc::new(scenario), queue_base, log2size }
    }

    fn check(&self, verb: &str) -> PyResult<()> {
        context::alive(self.generation, &format!("env.{verb}"))
    }

    fn only(&self, flavor: &str, verb: &str) -> PyResult<()> {
        self.check(verb)?;
        if self.flavor != flavor {
            return Err(PyAttributeError::new_err(format!("env.{verb} is a {flavor} sequence; this run's flavor is {}", self.flavor)));
        }
        Ok(())
    }

    /// An awaitable engine operation.
    fn op<F>(&self, py: Python<'_>, verb: &'static str, f: F) -> PyResult<Py<Trigger>>
    where
        F: Future<Output = PyResult<PyObject>> + 'static,
    {
        Trigger::new(py, Spec::Op(RefCell::new(Some(Box::pin(f))), verb))
    }
}

fn none() -> PyResult<PyObject> {
    Python::with_gil(|py| Ok(py.None()))
}

fn int(v: u64) -> PyResult<PyObject> {
    Python::with_gil(|py| Ok(v.into_pyobject(py)?.into_any().unbind()))
}

fn requests(msgs: Vec<PyRef<'_, PyPageRequest>>) -> Vec<models::pcie::PageRequest> {
    msgs.iter().map(|m| m.0).collect()
}

#[pymethods]
impl Env {
    /// The current cycle (rising edges since the end of reset).
    #[getter]
    fn cycle(&self) -> PyResult<u64> {
        self.check("cycle")?;
        Ok(self.env.sim.cycle())
    }

    /// Simulated time in ps (the clock period is 10 ns; rising edge k is at k x 10 ns).
    #[getter]
    fn time_ps(&self) -> PyResult<u64> {
        self.check("time_ps")?;
        Ok(self.env.sim.now_ps())
    }

    /// Await `n` rising edges.
    fn cycles(&self, py: Python<'_>, n: u64) -> PyResult<Py<Trigger>> {
        self.check("cycles")?;
        let env = self.env.clone();
        self.op(py, "cycles", async move {
            env.cycles(n).await;
            none()
        })
    }

    /// Write a register; resumes when the write was handshaken.
    fn write_reg(&self, py: Python<'_>, addr: i128, data: i128) -> PyResult<Py<Trigger>> {
        self.check("write_reg")?;
        let (addr, data) = (fits("addr", addr, 32)? as u32, fits("data", data, 64)?);
        let env = self.env.clone();
        self.op(py, "write_reg", async move {
            env.write_reg(addr, data).await;
            none()
        })
    }

    /// Read a register; the value of the await is the data.
    fn read_reg(&self, py: Python<'_>, addr: i128) -> PyResult<Py<Trigger>> {
        self.check("read_reg")?;
        let addr = fits("addr", addr, 32)? as u32;
        let env = self.env.clone();
        self.op(py, "read_reg", async move { int(env.read_reg(addr).await) })
    }

    /// Queue page requests on the PCIe link (sent in order, without waiting).
    fn send(&self, msgs: Vec<PyRef<'_, PyPageRequest>>) -> PyResult<()> {
        self.check("send")?;
        self.env.send(&requests(msgs));
        Ok(())
    }

    /// Queue page requests and resume when the ingress accepted all of them (OP-15 bounds it).
    fn send_all(&self, py: Python<'_>, msgs: Vec<PyRef<'_, PyPageRequest>>) -> PyResult<Py<Trigger>> {
        self.check("send_all")?;
        let msgs = requests(msgs);
        let env = self.env.clone();
        self.op(py, "send_all", async move {
            env.send_all(&msgs).await;
            none()
        })
    }

    /// Every PRG response sent at the egress so far.
    fn responses(&self) -> PyResult<Vec<PyPrgResponse>> {
        self.check("responses")?;
        Ok(self.env.responses().into_iter().map(PyPrgResponse).collect())
    }

    /// Every queue-entry write accepted by memory so far: (addr, word 0, word 1).
    fn queue_writes(&self) -> PyResult<Vec<(u64, u64, u64)>> {
        self.check("queue_writes")?;
        Ok(self.env.queue_writes())
    }

    /// Every transaction of the run so far, in the trace schema (docs/trace.md).
    fn transactions<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.check("transactions")?;
        let text = serde_json::to_string(&self.env.agents.borrow().log).map_err(|e| usage_error(&e.to_string()))?;
        py.import("json")?.call_method1("loads", (text,))
    }

    // ---- SMMUv3 sequences (Smmuv3Sequences) --------------------------------------------

    /// SMMUv3: program PRIQ_BASE, PROD, CONS, enable SMMUEN and PRIQEN and wait for CR0ACK.
    fn enable_priq(&self, py: Python<'_>, base: i128, log2size: i128) -> PyResult<Py<Trigger>> {
        self.only("smmuv3", "enable_priq")?;
        let (base, log2size) = (fits("base", base, 64)?, fits("log2size", log2size, 5)? as u32);
        let env = self.env.clone();
        self.op(py, "enable_priq", async move {
            env.enable_priq(base, log2size).await;
            none()
        })
    }

    /// SMMUv3: submit a command (dw0, dw1) and resume when the port took it.
    fn command(&self, py: Python<'_>, words: (i128, i128)) -> PyResult<Py<Trigger>> {
        self.only("smmuv3", "command")?;
        let (dw0, dw1) = (fits("dw0", words.0, 64)?, fits("dw1", words.1, 64)?);
        let env = self.env.clone();
        self.op(py, "command", async move {
            env.command(dw0, dw1).await;
            none()
        })
    }

    // ---- VT-d sequences (VtdSequences) ---------------------------------------------------

    /// VT-d: program the PRQ (PQA, PQH = PQT = 0) and the event units' MSI address and data.
    fn enable_prq(&self, py: Python<'_>, base: i128, log2size: i128) -> PyResult<Py<Trigger>> {
        self.only("vtd", "enable_prq")?;
        let (base, log2size) = (fits("base", base, 64)?, fits("log2size", log2size, 5)? as u32);
        let env = self.env.clone();
        self.op(py, "enable_prq", async move {
            env.enable_prq(base, log2size).await;
            none()
        })
    }

    /// VT-d: enable page requests of `rid` in PRE table entry `i` (DEC-5).
    fn pre_enable(&self, py: Python<'_>, i: i128, rid: i128) -> PyResult<Py<Trigger>> {
        self.only("vtd", "pre_enable")?;
        let (i, rid) = (fits("i", i, 32)? as u32, fits("rid", rid, 16)? as u16);
        let env = self.env.clone();
        self.op(py, "pre_enable", async move {
            env.pre_enable(i, rid).await;
            none()
        })
    }

    /// VT-d: a `page_grp_resp_dsc` on the descriptor port answering with `rsp`.
    fn page_grp_resp(&self, py: Python<'_>, rsp: PyRef<'_, PyPrgResponse>) -> PyResult<Py<Trigger>> {
        self.only("vtd", "page_grp_resp")?;
        let (rsp, env) = (rsp.0, self.env.clone());
        self.op(py, "page_grp_resp", async move {
            env.page_grp_resp(&rsp).await;
            none()
        })
    }

    /// VT-d: any descriptor (QW0..QW3) on the descriptor port.
    fn descriptor(&self, py: Python<'_>, qw: (i128, i128, i128, i128)) -> PyResult<Py<Trigger>> {
        self.only("vtd", "descriptor")?;
        let words = [fits("qw0", qw.0, 64)?, fits("qw1", qw.1, 64)?, fits("qw2", qw.2, 64)?, fits("qw3", qw.3, 64)?];
        let env = self.env.clone();
        self.op(py, "descriptor", async move {
            env.descriptor(words).await;
            none()
        })
    }

    fn __repr__(&self) -> String {
        format!("<env {}>", self.flavor)
    }
}
