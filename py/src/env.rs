//! The flavor's `env` as Python sees it: the verbs the Rust tests use (`tb::env::Env`, and the
//! flavor's register sequences `Smmuv3Sequences` / `VtdSequences`), each awaitable one a trigger
//! of [`crate::triggers`] whose value is the verb's result.

use crate::boundary::{fits, fits_arg, usage_error};
use crate::context;
use crate::msg::{PyPageRequest, PyPrgResponse};
use crate::triggers::{Spec, Trigger};
use pyo3::exceptions::PyAttributeError;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;
use tb::classes::HostSide;
use tb::scenario::Scenario;
use tb::smmuv3::env::Smmuv3Sequences;
use tb::vtd::env::VtdSequences;

/// The run's environment: agents, register sequences, the host's view of the queue.
#[pyclass(name = "Env", module = "iommu_tb", unsendable)]
pub struct Env {
    env: tb::env::Env,
    flavor: &'static str,
    generation: u64,
    /// The run's scenario (its traffic plan and host policy: `start_host`, the traffic verbs).
    scenario: Rc<Scenario>,
    /// Groups answered by the host thread `start_host` started (None before).
    host: Rc<RefCell<Option<HostProgress>>>,
    #[pyo3(get)]
    queue_base: u64,
    #[pyo3(get)]
    log2size: u32,
}

/// How many groups the running host thread has answered.
type HostProgress = Box<dyn Fn() -> u64>;

impl Env {
    pub fn new(env: tb::env::Env, flavor: &'static str, generation: u64, scenario: Scenario) -> Env {
        let (queue_base, log2size) = (scenario.queue_base, scenario.log2size);
        Env { env, flavor, generation, scenario: Rc::new(scenario), host: Rc::default(), queue_base, log2size }
    }

    fn check(&self, verb: &str) -> PyResult<()> {
        context::alive(self.generation, &format!("env.{verb}"))
    }

    /// The traffic verbs need the scenario's traffic plan.
    fn traffic(&self, verb: &str) -> PyResult<()> {
        self.check(verb)?;
        if self.scenario.traffic.is_none() {
            return Err(usage_error(&format!(
                "env.{verb}: this run's scenario has no traffic plan: register the test with like= a test that has one (e.g. {})",
                if self.flavor == "vtd" { "vtd_stop_pasid" } else { "stop_pasid" }
            )));
        }
        Ok(())
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
        Trigger::new(py, Spec::Op(crate::triggers::ops::put(Box::pin(f)), verb))
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
    fn write_reg(&self, py: Python<'_>, addr: &Bound<'_, PyAny>, data: &Bound<'_, PyAny>) -> PyResult<Py<Trigger>> {
        self.check("write_reg")?;
        let (addr, data) = (fits_arg("addr", addr, 32)? as u32, fits_arg("data", data, 64)?);
        let env = self.env.clone();
        self.op(py, "write_reg", async move {
            env.write_reg(addr, data).await;
            none()
        })
    }

    /// Read a register; the value of the await is the data.
    fn read_reg(&self, py: Python<'_>, addr: &Bound<'_, PyAny>) -> PyResult<Py<Trigger>> {
        self.check("read_reg")?;
        let addr = fits_arg("addr", addr, 32)? as u32;
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

    // ---- the scenario's host and traffic (tb::classes, tb::env) -------------------------------

    /// Program and enable the queue as the flavor's host does before traffic (VT-d: the PRQ,
    /// PRE entries 0 and 1 for RIDs 0x0100 and 0xFFFF, the page request event unmasked) and
    /// start its Linux-like thread (SMMUv3 PRIQ thread, VT-d PRQ thread) with the scenario's
    /// host policy; the thread answers every group it reads.
    fn start_host(&self, py: Python<'_>) -> PyResult<Py<Trigger>> {
        self.check("start_host")?;
        if self.host.borrow().is_some() {
            return Err(usage_error("env.start_host: the host thread is already running"));
        }
        let (env, sc, host, flavor) = (self.env.clone(), self.scenario.clone(), self.host.clone(), self.flavor);
        let seed = sc.seed ^ 0x4057_7E5D;
        self.op(py, "start_host", async move {
            let progress: HostProgress = if flavor == "vtd" {
                let state = <tb::vtd::tests::VtdHost as HostSide>::start(&env, &sc, seed).await;
                Box::new(move || state.borrow().groups_answered())
            } else {
                let state = <tb::smmuv3::tests::Smmuv3Host as HostSide>::start(&env, &sc, seed).await;
                Box::new(move || state.borrow().groups_answered())
            };
            *host.borrow_mut() = Some(progress);
            none()
        })
    }

    /// Groups the host thread of `start_host` has answered so far (0 before it started).
    #[getter]
    fn host_groups_answered(&self) -> PyResult<u64> {
        self.check("host_groups_answered")?;
        Ok(self.host.borrow().as_ref().map_or(0, |f| f()))
    }

    /// Release the scenario's generated page-request traffic (its traffic plan: `like=` a
    /// registered test that has one).
    fn start_traffic(&self) -> PyResult<()> {
        self.traffic("start_traffic")?;
        self.env.start_traffic();
        Ok(())
    }

    /// Let the generated traffic run `n` cycles; it must keep moving (PRI-16).
    fn run_traffic(&self, py: Python<'_>, n: u64) -> PyResult<Py<Trigger>> {
        self.traffic("run_traffic")?;
        let env = self.env.clone();
        self.op(py, "run_traffic", async move {
            env.run_traffic(n).await;
            none()
        })
    }

    /// Resume when the traffic plan is spent and every generated PRG answered (PRI-16).
    fn wait_traffic_done(&self, py: Python<'_>) -> PyResult<Py<Trigger>> {
        self.traffic("wait_traffic_done")?;
        let env = self.env.clone();
        self.op(py, "wait_traffic_done", async move {
            env.wait_traffic_done().await;
            none()
        })
    }

    /// Start no new PRG and resume when every generated PRG has been answered (PRI-16).
    fn stop_traffic(&self, py: Python<'_>) -> PyResult<Py<Trigger>> {
        self.traffic("stop_traffic")?;
        let env = self.env.clone();
        self.op(py, "stop_traffic", async move {
            env.stop_traffic().await;
            none()
        })
    }

    /// Ask function `rid` to stop using `pasid` (PRI-24): variant "A" waits for every
    /// outstanding PRG's response (PRI-25), "B" marks them stale and sends one Stop Marker,
    /// stop-complete after it (PRI-26).
    #[pyo3(signature = (rid, pasid, variant="A"))]
    fn stop_pasid(&self, rid: i128, pasid: i128, variant: &str) -> PyResult<()> {
        self.traffic("stop_pasid")?;
        let (rid, pasid) = (fits("rid", rid, 16)? as u16, fits("pasid", pasid, 20)? as u32);
        let variant = match variant {
            "A" => models::pcie::Variant::A,
            "B" => models::pcie::Variant::B { marker_vs_complete: models::pcie::MarkerVsComplete::CompleteAfterMarker },
            other => return Err(PyValueError::new_err(format!("unknown stop variant '{other}' (A or B, PRI-25/PRI-26)"))),
        };
        self.env.stop_pasid(rid, pasid, variant);
        Ok(())
    }

    /// Resume with the first transaction of the run (from its start) whose trace `kind`
    /// (docs/trace.md) is `kind` and whose fields equal `fields`, as a dict; after `limit`
    /// cycles the run fails naming `rule`.
    #[pyo3(signature = (kind, *, limit=10_000, rule=String::from("OP-15"), **fields))]
    fn wait_txn(
        &self,
        py: Python<'_>,
        kind: String,
        limit: u64,
        rule: String,
        fields: Option<&Bound<'_, pyo3::types::PyDict>>,
    ) -> PyResult<Py<Trigger>> {
        self.check("wait_txn")?;
        let json = py.import("json")?;
        let want: serde_json::Map<String, serde_json::Value> = match fields {
            Some(d) => serde_json::from_str(&json.call_method1("dumps", (d,))?.extract::<String>()?)
                .map_err(|e| PyValueError::new_err(format!("wait_txn fields: {e}")))?,
            None => serde_json::Map::new(),
        };
        let env = self.env.clone();
        self.op(py, "wait_txn", async move {
            let deadline = env.sim.cycle() + limit;
            let mut seen = 0;
            loop {
                // Only the transactions logged since the last look are serialised.
                let found = {
                    let a = env.agents.borrow();
                    let hit = a.log[seen..].iter().find_map(|s| {
                        let v = serde_json::to_value(s).ok()?;
                        let ok = v["kind"] == kind.as_str() && want.iter().all(|(k, x)| &v[k] == x);
                        ok.then_some(v)
                    });
                    seen = a.log.len();
                    hit
                };
                if let Some(v) = found {
                    return Python::with_gil(|py| Ok(py.import("json")?.call_method1("loads", (v.to_string(),))?.unbind()));
                }
                if env.sim.cycle() >= deadline {
                    panic!("[{rule}] {}: waited {limit} cycles for a {kind} transaction that never came", tb::judge::waits::CONDITION);
                }
                env.sim.rising_edge().await;
            }
        })
    }

    /// Resume once the ports are idle and nothing moved for `quiet` cycles (OP-15, PRI-16 bound it).
    #[pyo3(signature = (quiet=100))]
    fn settle(&self, py: Python<'_>, quiet: u64) -> PyResult<Py<Trigger>> {
        self.check("settle")?;
        let env = self.env.clone();
        self.op(py, "settle", async move {
            env.settle(quiet).await;
            none()
        })
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
    fn command(&self, py: Python<'_>, words: (Bound<'_, PyAny>, Bound<'_, PyAny>)) -> PyResult<Py<Trigger>> {
        self.only("smmuv3", "command")?;
        let (dw0, dw1) = (fits_arg("dw0", &words.0, 64)?, fits_arg("dw1", &words.1, 64)?);
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

    /// VT-d: unmask an event unit (its control register, e.g. PECTL 0xE0) so it signals MSIs.
    fn unmask(&self, py: Python<'_>, ectl: i128) -> PyResult<Py<Trigger>> {
        self.only("vtd", "unmask")?;
        let (ectl, env) = (fits("ectl", ectl, 32)? as u32, self.env.clone());
        self.op(py, "unmask", async move {
            env.unmask(ectl).await;
            none()
        })
    }

    /// VT-d: an `inv_wait_dsc` with a status write (PD=1 too when `drain`) and resume once the
    /// status data landed (HOST-23, HOST-25); the value is the cycle it did.
    #[pyo3(signature = (drain=false))]
    fn sync_wait(&self, py: Python<'_>, drain: bool) -> PyResult<Py<Trigger>> {
        self.only("vtd", "sync_wait")?;
        let env = self.env.clone();
        self.op(py, "sync_wait", async move { int(env.sync_wait(drain).await) })
    }

    fn __repr__(&self) -> String {
        format!("<env {}>", self.flavor)
    }
}
