//! `dut.<port>.value` by contract port name (`rtl/README.md`), read from the Verilated model's
//! own storage (a load, no copy). Inputs are driven by the flavor's agents every cycle (the
//! timed model of the lockstep judge sees the same drive), so a test drives them through the
//! `env` verbs; assigning a port's value is refused with that explanation.

use crate::boundary::usage_error;
use crate::context;
use pyo3::exceptions::PyAttributeError;
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

    #[setter]
    fn set_value(&self, _value: &Bound<'_, PyAny>) -> PyResult<()> {
        Err(usage_error(&format!(
            "dut.{} is driven by the env's agents each cycle (the lockstep model sees the same drive): use the env verbs (env.send, env.write_reg...) to drive it",
            self.name
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
