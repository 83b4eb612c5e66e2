//! The boundary between Python and the engine: every call into Rust goes through [`guard`], so
//! a Rust panic becomes a Python `EngineError` instead of unwinding into (and aborting) the
//! interpreter; and the package's exceptions are raised from here with their fields.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Run `f`; a panic inside becomes `iommu_tb.EngineError` with the panic's message.
pub fn guard<T>(f: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(panic) => Err(engine_error(&format!("the engine panicked: {}", panic_text(&panic)))),
    }
}

pub fn panic_text(p: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "(no message)".into()
    }
}

/// An exception of the class `name` defined in `iommu_tb/errors.py`, made by `make` from the class.
fn package_error(name: &str, make: impl for<'py> FnOnce(&Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>>) -> PyErr {
    Python::with_gil(|py| {
        let made = py.import("iommu_tb.errors").and_then(|m| m.getattr(name)).and_then(|cls| make(&cls));
        match made {
            Ok(exc) => PyErr::from_value(exc),
            Err(e) => e,
        }
    })
}

/// `iommu_tb.EngineError`: the engine could not do what was asked (a build, a panic).
pub fn engine_error(message: &str) -> PyErr {
    package_error("EngineError", |cls| cls.call1((message,)))
}

/// `iommu_tb.RuleViolation`: a rule broken at a cycle, with the report.
pub fn rule_violation(rule: &str, cycle: Option<u64>, message: &str) -> PyErr {
    package_error("RuleViolation", |cls| cls.call1((rule, cycle, message)))
}

/// A Python integer checked against its field width (unsigned): `ValueError` naming the field
/// when it is negative or does not fit. Arguments are taken as `i128` so that a negative or huge
/// value is this error rather than an `OverflowError` from the conversion.
pub fn fits(name: &str, value: i128, bits: u32) -> PyResult<u64> {
    if value < 0 || value >> bits != 0 {
        return Err(PyValueError::new_err(format!("{name} = {value} does not fit in {bits} unsigned bits")));
    }
    Ok(value as u64)
}

/// [`fits`] for an argument taken as a Python object: a `u64` that fits is read directly (the
/// verbs a test awaits in its loops), anything else goes through `fits` for its error.
pub fn fits_arg(name: &str, value: &Bound<'_, PyAny>, bits: u32) -> PyResult<u64> {
    match value.extract::<u64>() {
        Ok(v) if bits >= 64 || v >> bits == 0 => Ok(v),
        _ => {
            let v = value.extract::<i128>().map_err(|_| {
                let ty = value.get_type().name().map(|n| n.to_string()).unwrap_or_default();
                pyo3::exceptions::PyTypeError::new_err(format!("{name} must be an int, got {ty}"))
            })?;
            fits(name, v, bits)
        }
    }
}

/// `iommu_tb.UsageError`: a call the package cannot take in this state (after the run ended,
/// awaiting outside a test).
pub fn usage_error(message: &str) -> PyErr {
    package_error("UsageError", |cls| cls.call1((message,)))
}

/// `iommu_tb.RuleViolation` whose rule may be unknown (a test failure that named none).
pub fn rule_violation_opt(rule: Option<&str>, cycle: Option<u64>, message: &str) -> PyErr {
    package_error("RuleViolation", |cls| cls.call1((rule, cycle, message)))
}

/// `iommu_tb.PortMapError`: a port map that cannot be used, its one line.
pub fn port_map_error(message: &str) -> PyErr {
    package_error("PortMapError", |cls| cls.call1((message,)))
}

/// `iommu_tb.NotOnDut`: a test the port-mapped DUT cannot run, and why.
pub fn not_on_dut(test: &str, dut: &str, why: &str) -> PyErr {
    package_error("NotOnDut", |cls| cls.call1((test, dut, why)))
}
