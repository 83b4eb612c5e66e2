//! `dut.<port>.value` by contract port name (`rtl/README.md`), read from the Verilated model's
//! own storage (a load, no copy). Writes are refused: every input is driven each cycle by one
//! agent, and the timed model of the lockstep judge and the monitors that turn handshakes into
//! transactions see that agent's drive, not the port; a deposit would put the DUT out of step
//! with both (a forced `pr_valid` would be a page request no agent sent). So a write names the
//! agent that owns the port and the `env` verb that drives it; an output, a value that does not
//! fit or a non-integer is its own error first.

use crate::boundary::usage_error;
use crate::context;
use pyo3::exceptions::{PyAttributeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use std::collections::HashMap;
use std::rc::Rc;

/// The ports of the run's DUT.
#[pyclass(name = "Dut", module = "iommu_tb", unsendable)]
pub struct Dut {
    top: String,
    ports: Rc<HashMap<String, sim::Port>>,
    generation: u64,
}

impl Dut {
    pub fn bind(model: &sim::Model, generation: u64) -> Result<Dut, sim::SimError> {
        let mut ports = HashMap::new();
        for p in model.ports() {
            ports.insert(p.name.clone(), model.port(&p.name)?);
        }
        Ok(Dut { top: model.top().to_string(), ports: Rc::new(ports), generation })
    }
}

#[pymethods]
impl Dut {
    fn __getattr__(&self, name: &str) -> PyResult<Signal> {
        match self.ports.get(name) {
            Some(p) => Ok(Signal { name: name.to_string(), port: *p, generation: self.generation }),
            None => {
                let mut known: Vec<&str> = self.ports.keys().map(String::as_str).collect();
                known.sort_unstable();
                Err(PyAttributeError::new_err(format!("{} has no port '{name}' (ports: {})", self.top, known.join(", "))))
            }
        }
    }

    /// The port names of the top, sorted.
    fn __dir__(&self) -> Vec<String> {
        let mut v: Vec<String> = self.ports.keys().cloned().collect();
        v.sort_unstable();
        v
    }

    fn __repr__(&self) -> String {
        format!("<dut {}>", self.top)
    }
}

/// The agent that drives an input port of either top, and the verb a test drives it with.
fn owner(port: &str) -> (&'static str, &'static str) {
    let prefix = port.split('_').next().unwrap_or(port);
    match prefix {
        "clk" | "rst" => ("the engine's clock and reset", "ClockCycles / RisingEdge to wait (the test starts out of reset)"),
        "pr" => ("the PCIe function agent", "env.send([...]) or await env.send_all([...])"),
        "reg" => ("the register agent", "await env.write_reg(addr, data) or await env.read_reg(addr)"),
        "cmd" => ("the command driver", "await env.command((dw0, dw1))"),
        "iq" => ("the descriptor driver", "await env.descriptor((qw0, qw1, qw2, qw3)) or await env.page_grp_resp(rsp)"),
        "rsp" => ("the response monitor", "a scenario whose rsp_ready_odds you want (like=...)"),
        "mw" | "mwack" => ("the memory agent", "a scenario whose memory behaviour you want (like=...)"),
        "emw" | "emwack" => ("the event-record memory agent", "a scenario whose memory behaviour you want (like=...)"),
        "ev" => ("the event source", "env.send_events in a Rust test (Python has no event-input verb yet)"),
        "sr" => ("the stall sink", "its default (always ready)"),
        _ => ("an agent of the bench", "the env verbs"),
    }
}

/// One port of the DUT.
#[pyclass(name = "Signal", module = "iommu_tb", unsendable)]
pub struct Signal {
    #[pyo3(get, name = "_name")]
    name: String,
    port: sim::Port,
    generation: u64,
}

#[pymethods]
impl Signal {
    /// The port's value as an int (any width).
    #[getter]
    fn value(&self, py: Python<'_>) -> PyResult<PyObject> {
        context::alive(self.generation, &format!("dut.{}.value", self.name))?;
        if self.port.words() <= 2 {
            return Ok(self.port.get().into_pyobject(py)?.into_any().unbind());
        }
        let mut words = vec![0u32; self.port.words() as usize];
        self.port.get_words(&mut words);
        let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
        Ok(py.get_type::<pyo3::types::PyInt>().call_method1("from_bytes", (PyBytes::new(py, &bytes), "little"))?.unbind())
    }

    /// Refused (see the module doc): outputs are `UsageError`, a non-integer `TypeError`, a
    /// value outside the port's width `ValueError`, and a fitting value on an input
    /// `UsageError` naming the agent and verb that drive it.
    #[setter]
    fn set_value(&self, value: &Bound<'_, PyAny>) -> PyResult<()> {
        let name = &self.name;
        context::alive(self.generation, &format!("dut.{name}.value"))?;
        if self.port.dir() == sim::PortDir::Out {
            return Err(usage_error(&format!("dut.{name} is an output of the DUT: read it, it cannot be written")));
        }
        if !value.is_instance_of::<pyo3::types::PyInt>() {
            return Err(PyTypeError::new_err(format!("dut.{name}.value takes an int, got {}", value.get_type().name()?)));
        }
        let bits: u32 = value.call_method0("bit_length")?.extract()?;
        if value.lt(0)? || bits > self.port.width() {
            return Err(PyValueError::new_err(format!("dut.{name}.value = {value} does not fit in {} unsigned bits", self.port.width())));
        }
        Err(usage_error(&format!(
            "dut.{name} is driven every cycle by {} (the lockstep model and the monitors see that drive, not the port): use {}",
            owner(name).0,
            owner(name).1
        )))
    }

    /// Width in bits.
    #[getter]
    fn width(&self) -> u32 {
        self.port.width()
    }

    fn __int__(&self, py: Python<'_>) -> PyResult<PyObject> {
        self.value(py)
    }

    fn __repr__(&self) -> String {
        format!("<dut.{} [{}]>", self.name, self.port.width())
    }
}
