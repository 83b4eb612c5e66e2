//! The run in progress on this thread, as Python's triggers, `dut` and `env` see it: its
//! scheduler handle and a generation number, so that an object kept from an ended run refuses
//! to act ("calling after the run ended") instead of touching a dropped model.

use crate::boundary::usage_error;
use pyo3::PyResult;
use std::cell::{Cell, RefCell};
use tb::sched::Sim;

thread_local! {
    static RUN: RefCell<Option<(u64, Sim)>> = const { RefCell::new(None) };
    static GENERATION: Cell<u64> = const { Cell::new(0) };
}

/// The scheduler of the run in progress; `UsageError` outside a running test.
pub fn sim(what: &str) -> PyResult<Sim> {
    RUN.with(|r| r.borrow().as_ref().map(|(_, s)| s.clone()))
        .ok_or_else(|| usage_error(&format!("{what} outside a running test: run the test with iommu_tb.run_test (or pytest)")))
}

/// Checks that an object made during run `generation` is used during that same run.
pub fn alive(generation: u64, what: &str) -> PyResult<()> {
    match RUN.with(|r| r.borrow().as_ref().map(|(g, _)| *g)) {
        Some(g) if g == generation => Ok(()),
        _ => Err(usage_error(&format!("{what}: the run it belonged to has ended"))),
    }
}

/// Is a run in progress on this thread?
pub fn running() -> bool {
    RUN.with(|r| r.borrow().is_some())
}

/// Marks a run in progress until dropped (also when the run unwinds).
pub struct Running {
    pub generation: u64,
}

impl Running {
    pub fn start(sim: Sim) -> Running {
        let generation = GENERATION.with(|g| {
            g.set(g.get() + 1);
            g.get()
        });
        RUN.with(|r| *r.borrow_mut() = Some((generation, sim)));
        Running { generation }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        RUN.with(|r| *r.borrow_mut() = None);
        crate::triggers::ops::clear();
    }
}

/// The generation of the run in progress (0 when none).
pub fn generation() -> u64 {
    RUN.with(|r| r.borrow().as_ref().map_or(0, |(g, _)| *g))
}
