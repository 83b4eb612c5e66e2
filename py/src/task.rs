//! Python coroutines as tasks of the Rust scheduler: [`PyTask`] sends into the coroutine, takes
//! the trigger it yields, waits for it on the scheduler and resumes the coroutine with the
//! trigger's value. An exception a coroutine lets out fails the run: it becomes a panic of the
//! task ("[RULE] message" for a `RuleViolation`), which `tb::run` turns into the verdict, as for
//! a Rust sequence.

use crate::context;
use crate::triggers::{Spec, Trigger, Waiting};
use pyo3::exceptions::PyStopIteration;
use pyo3::intern;
use pyo3::prelude::*;
use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use tb::sched::{JoinHandle, Sim};

/// A running Python coroutine.
pub struct PyTask {
    coro: Py<PyAny>,
    /// `coro.send`, looked up once: every resume calls it.
    send: Option<Py<PyAny>>,
    sim: Sim,
    waiting: Option<Waiting>,
    value: Option<PyObject>,
    /// Where the coroutine's return value goes (the `Task` object of `start_soon`).
    result: Rc<RefCell<Option<PyObject>>>,
}

impl PyTask {
    pub fn new(coro: Py<PyAny>, sim: Sim, result: Rc<RefCell<Option<PyObject>>>) -> PyTask {
        PyTask { coro, send: None, sim, waiting: None, value: None, result }
    }
}

impl Drop for PyTask {
    /// A coroutine cancelled or left pending at the end of the run is closed (its `finally`
    /// blocks run; no "never awaited" warning for one that never started).
    fn drop(&mut self) {
        if self.result.borrow().is_none() {
            Python::with_gil(|py| {
                let _ = self.coro.bind(py).call_method0(intern!(py, "close"));
            });
        }
    }
}

/// The text a Python exception fails a run with: a `RuleViolation` as "[RULE] message", any other
/// as its type, message and traceback.
pub fn failure_text(py: Python<'_>, e: &PyErr) -> String {
    let value = e.value(py);
    if let Ok(rule) = value.getattr("rule").and_then(|r| r.extract::<Option<String>>()) {
        let msg: String = value.getattr("message").and_then(|m| m.extract()).unwrap_or_default();
        return match rule {
            Some(rule) => format!("[{rule}] {msg}"),
            None => msg,
        };
    }
    let tb = py
        .import("traceback")
        .and_then(|t| t.call_method1("format_exception", (e.get_type(py), value, e.traceback(py))))
        .and_then(|lines| lines.extract::<Vec<String>>())
        .map(|l| l.concat())
        .unwrap_or_default();
    format!("{}: {}\n{tb}", e.get_type(py).name().map(|n| n.to_string()).unwrap_or_default(), value)
}

impl Future for PyTask {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        loop {
            if let Some(w) = self.waiting.as_mut() {
                match w.poll(cx) {
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(v) => {
                        self.waiting = None;
                        match v {
                            Ok(v) => self.value = Some(v),
                            Err(e) => fail(e),
                        }
                    }
                }
            }
            // Resume the coroutine; what it yields next is what it waits for.
            let step = Python::with_gil(|py| -> Result<Option<Waiting>, PyErr> {
                let value = self.value.take().unwrap_or_else(|| py.None());
                let send = match &self.send {
                    Some(s) => s.bind(py).clone(),
                    None => {
                        let s = self.coro.bind(py).getattr(intern!(py, "send"))?;
                        self.send = Some(s.clone().unbind());
                        s
                    }
                };
                match send.call1((value,)) {
                    Ok(yielded) => Waiting::of(py, &yielded, &self.sim).map(Some),
                    Err(e) if e.is_instance_of::<PyStopIteration>(py) => {
                        let ret = e.value(py).getattr("value").map(Bound::unbind).unwrap_or_else(|_| py.None());
                        *self.result.borrow_mut() = Some(ret);
                        Ok(None)
                    }
                    Err(e) => Err(e),
                }
            });
            match step {
                Ok(Some(w)) => self.waiting = Some(w),
                Ok(None) => return Poll::Ready(()),
                Err(e) => fail(e),
            }
        }
    }
}

/// Fail the run with a Python exception (a panic of the task, outside any Python frame).
fn fail(e: PyErr) -> ! {
    let text = Python::with_gil(|py| failure_text(py, &e));
    std::panic::panic_any(text)
}

/// A coroutine started with `start_soon`: await it for its return value, or `cancel()` it.
#[pyclass(name = "Task", module = "iommu_tb", unsendable)]
pub struct Task {
    handle: JoinHandle<()>,
    result: Rc<RefCell<Option<PyObject>>>,
    generation: u64,
}

#[pymethods]
impl Task {
    /// The task has ended (returned or was cancelled).
    fn done(&self) -> bool {
        self.handle.is_finished()
    }
    /// Stop the task at its current await.
    fn cancel(&self) -> PyResult<()> {
        context::alive(self.generation, "Task.cancel()")?;
        self.handle.cancel();
        Ok(())
    }
    /// The coroutine's return value (None until it returned, or if it was cancelled).
    fn result(&self, py: Python<'_>) -> PyObject {
        self.result.borrow().as_ref().map_or_else(|| py.None(), |v| v.clone_ref(py))
    }
    fn __await__(slf: Py<Self>, py: Python<'_>) -> PyResult<PyObject> {
        Trigger::__await__(Task::join_trigger(slf, py)?, py)
    }
}

impl Task {
    /// A future that completes when the task ends.
    pub fn complete(&self) -> tb::sched::Complete<()> {
        self.handle.complete()
    }

    /// A trigger that fires when the task ends, with its return value.
    pub fn join_trigger(slf: Py<Self>, py: Python<'_>) -> PyResult<Py<Trigger>> {
        Trigger::new(py, Spec::Join(slf))
    }
}

/// cocotb's `start_soon(coro)`: run a coroutine concurrently with the test, from the current
/// phase on; returns its `Task`.
#[pyfunction]
pub fn start_soon(py: Python<'_>, coro: Bound<'_, PyAny>) -> PyResult<Py<Task>> {
    if !coro.hasattr(intern!(py, "send"))? {
        return Err(pyo3::exceptions::PyTypeError::new_err(format!(
            "start_soon takes a coroutine (call the async function: start_soon(f(...))), got {}",
            coro.get_type().name()?
        )));
    }
    let sim = context::sim("start_soon").inspect_err(|_| {
        let _ = coro.call_method0(intern!(py, "close"));
    })?;
    let result = Rc::new(RefCell::new(None));
    let handle = sim.start_soon(PyTask::new(coro.unbind(), sim.clone(), result.clone()));
    let generation = context::generation();
    Py::new(py, Task { handle, result, generation })
}
