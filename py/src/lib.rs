//! `iommu_tb._engine`: the Rust half of the Python package `iommu_tb` (the Python half, with
//! the docs and type stubs, is `py/python/iommu_tb/`). Every entry point goes through
//! `boundary::guard` where it can reach a panic.

mod bench;
mod boundary;
mod checkers;
mod codecs;
mod context;
mod dut;
mod env;
mod function;
mod host;
mod msg;
mod rules;
mod run;
mod task;
mod triggers;

use pyo3::prelude::*;

/// Flavor names, in report order.
#[pyfunction]
fn flavors() -> Vec<&'static str> {
    tb::flavors::names()
}

/// Raises the engine's panic from inside the boundary: the test that a Rust panic becomes
/// `EngineError` rather than aborting the interpreter (tests/python/test_errors.py).
#[pyfunction]
fn _panic_inside_the_engine(message: &str) -> PyResult<()> {
    boundary::guard(|| panic!("{message}"))
}

#[pymodule]
fn _engine(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<msg::PyPageRequest>()?;
    m.add_class::<msg::PyPrgResponse>()?;
    m.add_class::<checkers::PyCheckers>()?;
    m.add_class::<function::PyPcieFunction>()?;
    m.add_class::<host::PySmmuHost>()?;
    m.add_class::<host::PyVtdHost>()?;
    m.add_class::<triggers::Trigger>()?;
    m.add_class::<triggers::Event>()?;
    m.add_class::<task::Task>()?;
    m.add_class::<dut::Dut>()?;
    m.add_class::<dut::Signal>()?;
    m.add_class::<env::Env>()?;
    m.add_class::<run::PyRunResult>()?;
    m.add_class::<run::PyPortMap>()?;
    m.add_function(wrap_pyfunction!(run::run_test, m)?)?;
    m.add_function(wrap_pyfunction!(run::write_results, m)?)?;
    m.add_function(wrap_pyfunction!(run::port_map, m)?)?;
    m.add_function(wrap_pyfunction!(run::write_coverage, m)?)?;
    m.add_function(wrap_pyfunction!(bench::bench_workload_in_rust, m)?)?;
    m.add_function(wrap_pyfunction!(task::start_soon, m)?)?;
    m.add_function(wrap_pyfunction!(triggers::rising_edge, m)?)?;
    m.add_function(wrap_pyfunction!(triggers::falling_edge, m)?)?;
    m.add_function(wrap_pyfunction!(triggers::clock_cycles, m)?)?;
    m.add_function(wrap_pyfunction!(triggers::read_only, m)?)?;
    m.add_function(wrap_pyfunction!(triggers::timer, m)?)?;
    m.add_function(wrap_pyfunction!(triggers::first, m)?)?;
    m.add_function(wrap_pyfunction!(triggers::combine, m)?)?;
    m.add_function(wrap_pyfunction!(flavors, m)?)?;
    m.add_function(wrap_pyfunction!(_panic_inside_the_engine, m)?)?;
    m.add_function(wrap_pyfunction!(codecs::smmuv3_encode_priq_entry, m)?)?;
    m.add_function(wrap_pyfunction!(codecs::smmuv3_decode_priq_entry, m)?)?;
    m.add_function(wrap_pyfunction!(codecs::smmuv3_priq_entry_well_formed, m)?)?;
    m.add_function(wrap_pyfunction!(codecs::smmuv3_encode_pri_resp, m)?)?;
    m.add_function(wrap_pyfunction!(codecs::smmuv3_decode_command, m)?)?;
    m.add_function(wrap_pyfunction!(codecs::smmuv3_command_effect, m)?)?;
    m.add_function(wrap_pyfunction!(codecs::vtd_encode_page_req, m)?)?;
    m.add_function(wrap_pyfunction!(codecs::vtd_decode_page_req, m)?)?;
    m.add_function(wrap_pyfunction!(codecs::vtd_page_req_well_formed, m)?)?;
    m.add_function(wrap_pyfunction!(codecs::vtd_encode_page_grp_resp, m)?)?;
    m.add_function(wrap_pyfunction!(codecs::vtd_encode_inv_wait, m)?)?;
    m.add_function(wrap_pyfunction!(codecs::vtd_classify, m)?)?;
    m.add_function(wrap_pyfunction!(rules::smmuv3_admission_row, m)?)?;
    m.add_function(wrap_pyfunction!(rules::smmuv3_auto_response, m)?)?;
    m.add_function(wrap_pyfunction!(rules::vtd_admission_row, m)?)?;
    m.add_function(wrap_pyfunction!(rules::vtd_auto_response, m)?)?;
    Ok(())
}
