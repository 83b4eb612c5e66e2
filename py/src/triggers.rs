//! cocotb's triggers on the Rust scheduler (`tb::sched`): a Python coroutine `await`s a
//! `Trigger`, whose `__await__` (a one-yield generator) yields the trigger itself to the task
//! driving the coroutine ([`crate::task`]); the driver turns it into a scheduler future and resumes the coroutine with
//! the trigger's value when it fires. Edges, cycles, ReadOnly and Timer become the scheduler's
//! own trigger structs (no allocation); First and Combine hold their members' futures.

use crate::boundary::usage_error;
use crate::context;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::GILOnceCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use tb::sched::{Complete, EventWait, Sim};

pub type LocalFuture = Pin<Box<dyn Future<Output = PyResult<PyObject>>>>;

/// What a trigger waits for.
pub enum Spec {
    RisingEdge,
    FallingEdge,
    ReadOnly,
    ClockCycles(u64),
    Timer(u64),
    First(Vec<Py<Trigger>>),
    Combine(Vec<Py<Trigger>>),
    Event(Py<Event>),
    Join(Py<crate::task::Task>),
    /// An engine operation (an `env` verb), awaited once: its future waits in [`ops`].
    Op(ops::Ticket, &'static str),
}

/// Something a test can `await`: made by `RisingEdge()`, `ClockCycles(n)`, `env.read_reg(...)`...
/// It holds no `Rc` (an operation's future waits in [`ops`]), so it is `Send`: pyo3 then checks
/// no thread when one is made, borrowed or dropped, which every `await` does.
#[pyclass(name = "Trigger", module = "iommu_tb", frozen)]
pub struct Trigger {
    pub spec: Spec,
}

impl Trigger {
    pub fn new(py: Python<'_>, spec: Spec) -> PyResult<Py<Trigger>> {
        Py::new(py, Trigger { spec })
    }
}

#[pymethods]
impl Trigger {
    /// A generator that yields the trigger once and returns the value the driver sends back.
    /// A Python generator rather than an iterator object of ours: CPython hands a generator's
    /// return value to the awaiting coroutine without raising StopIteration, and makes no
    /// object of ours per await (the cost of every `await` of a test).
    pub fn __await__(slf: Py<Self>, py: Python<'_>) -> PyResult<PyObject> {
        if !context::running() {
            return Err(usage_error(&format!(
                "awaiting {} outside a running test: run the test with iommu_tb.run_test (or pytest)",
                slf.get().describe()
            )));
        }
        Ok(yield_once(py)?.call1((slf,))?.unbind())
    }

    fn __repr__(&self) -> String {
        self.describe()
    }
}

/// `def wait(trigger): return (yield trigger)`, made once per interpreter.
fn yield_once(py: Python<'_>) -> PyResult<&Bound<'_, PyAny>> {
    static WAIT: GILOnceCell<Py<PyAny>> = GILOnceCell::new();
    WAIT.get_or_try_init(py, || -> PyResult<Py<PyAny>> {
        let code = c"def wait(trigger):\n    return (yield trigger)\n";
        Ok(PyModule::from_code(py, code, c"iommu_tb/_await.py", c"iommu_tb._await")?.getattr("wait")?.unbind())
    })
    .map(|f| f.bind(py))
}

impl Trigger {
    fn describe(&self) -> String {
        match &self.spec {
            Spec::RisingEdge => "RisingEdge()".into(),
            Spec::FallingEdge => "FallingEdge()".into(),
            Spec::ReadOnly => "ReadOnly()".into(),
            Spec::ClockCycles(n) => format!("ClockCycles({n})"),
            Spec::Timer(ps) => format!("Timer({ps}, 'ps')"),
            Spec::First(v) => format!("First(<{} triggers>)", v.len()),
            Spec::Combine(v) => format!("Combine(<{} triggers>)", v.len()),
            Spec::Event(_) => "Event.wait()".into(),
            Spec::Join(..) => "Task".into(),
            Spec::Op(_, name) => format!("env.{name}(...)"),
        }
    }
}

/// A trigger yielded by a coroutine, being waited for.
pub enum Waiting {
    Sched(tb::sched::Trigger, Py<PyAny>),
    Event(EventWait, Py<PyAny>),
    Join(Complete<()>, Py<PyAny>),
    Boxed(LocalFuture),
}

impl Waiting {
    /// What the coroutine yielded, as something to wait for; a yield that is no trigger of
    /// this package is a `TypeError` naming it.
    pub fn of(py: Python<'_>, yielded: &Bound<'_, PyAny>, sim: &Sim) -> PyResult<Waiting> {
        let Ok(t) = yielded.downcast::<Trigger>() else {
            return Err(PyTypeError::new_err(format!(
                "a test awaited {} ({}), which is not an iommu_tb trigger: await RisingEdge(), ClockCycles(n), an env verb... (asyncio and cocotb triggers do not run on this engine)",
                yielded.repr()?,
                yielded.get_type().name()?
            )));
        };
        let me = || yielded.clone().unbind();
        let t = t.get();
        Ok(match &t.spec {
            Spec::RisingEdge => Waiting::Sched(sim.rising_edge(), me()),
            Spec::FallingEdge => Waiting::Sched(sim.falling_edge(), me()),
            Spec::ReadOnly => Waiting::Sched(sim.read_only(), me()),
            Spec::ClockCycles(n) => Waiting::Sched(sim.clock_cycles(*n), me()),
            Spec::Timer(ps) => Waiting::Sched(sim.timer(*ps), me()),
            Spec::Event(e) => Waiting::Event(e.borrow(py).ev.wait(), me()),
            Spec::Join(task) => Waiting::Join(task.borrow(py).complete(), task.clone_ref(py).into_any()),
            Spec::Op(ticket, name) => match ops::take(*ticket) {
                Some(f) => Waiting::Boxed(f),
                None => return Err(usage_error(&format!("env.{name}(...) was already awaited (or its run ended): call the verb again"))),
            },
            Spec::First(members) => {
                let ws = members.iter().map(|m| Waiting::of(py, m.bind(py).as_any(), sim)).collect::<PyResult<Vec<_>>>()?;
                Waiting::Boxed(Box::pin(AnyOf { members: ws }))
            }
            Spec::Combine(members) => {
                let ws = members
                    .iter()
                    .map(|m| Some(Waiting::of(py, m.bind(py).as_any(), sim)))
                    .map(|w| w.transpose())
                    .collect::<PyResult<Vec<_>>>()?;
                Waiting::Boxed(Box::pin(AllOf { members: ws, result: me() }))
            }
        })
    }

    pub fn poll(&mut self, cx: &mut Context<'_>) -> Poll<PyResult<PyObject>> {
        let back = |o: &Py<PyAny>| Python::with_gil(|py| Ok(o.clone_ref(py)));
        match self {
            Waiting::Sched(t, o) => Pin::new(t).poll(cx).map(|()| back(o)),
            Waiting::Event(e, o) => Pin::new(e).poll(cx).map(|()| back(o)),
            Waiting::Join(c, task) => {
                Pin::new(c).poll(cx).map(|()| Python::with_gil(|py| task.bind(py).call_method0("result").map(Bound::unbind)))
            }
            Waiting::Boxed(f) => f.as_mut().poll(cx),
        }
    }
}

/// `First`: the value of the first member to fire; the others are dropped (deregistered).
struct AnyOf {
    members: Vec<Waiting>,
}

impl Future for AnyOf {
    type Output = PyResult<PyObject>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        for m in self.members.iter_mut() {
            if let Poll::Ready(v) = m.poll(cx) {
                return Poll::Ready(v);
            }
        }
        Poll::Pending
    }
}

/// `Combine`: fires once every member has; its value is the Combine trigger.
struct AllOf {
    members: Vec<Option<Waiting>>,
    result: Py<PyAny>,
}

impl Future for AllOf {
    type Output = PyResult<PyObject>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        for slot in self.members.iter_mut() {
            if let Some(m) = slot {
                if let Poll::Ready(v) = m.poll(cx) {
                    v?;
                    *slot = None;
                }
            }
        }
        if self.members.iter().all(Option::is_none) {
            Poll::Ready(Python::with_gil(|py| Ok(self.result.clone_ref(py))))
        } else {
            Poll::Pending
        }
    }
}

/// A test's `clk` argument to an edge trigger is optional (the engine has one clock); given,
/// it must be the DUT's clock.
fn check_clock(signal: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
    if let Some(s) = signal {
        let name: String = s
            .getattr("_name")
            .and_then(|n| n.extract())
            .map_err(|_| PyTypeError::new_err("an edge trigger takes the DUT's clock signal (dut.clk) or nothing"))?;
        if name != "clk" {
            return Err(PyValueError::new_err(format!("edges exist only on the clock: RisingEdge(dut.clk), not RisingEdge(dut.{name})")));
        }
    }
    Ok(())
}

/// `RisingEdge(dut.clk)`: resumes at the next rising edge of the clock.
#[pyfunction(name = "RisingEdge")]
#[pyo3(signature = (signal=None))]
pub fn rising_edge(py: Python<'_>, signal: Option<&Bound<'_, PyAny>>) -> PyResult<Py<Trigger>> {
    check_clock(signal)?;
    Trigger::new(py, Spec::RisingEdge)
}

/// `FallingEdge(dut.clk)`: resumes at the next falling edge (drive inputs here).
#[pyfunction(name = "FallingEdge")]
#[pyo3(signature = (signal=None))]
pub fn falling_edge(py: Python<'_>, signal: Option<&Bound<'_, PyAny>>) -> PyResult<Py<Trigger>> {
    check_clock(signal)?;
    Trigger::new(py, Spec::FallingEdge)
}

/// `ClockCycles(dut.clk, n)`: resumes at the n-th rising edge from now.
#[pyfunction(name = "ClockCycles")]
#[pyo3(signature = (signal, num_cycles=None))]
pub fn clock_cycles(py: Python<'_>, signal: &Bound<'_, PyAny>, num_cycles: Option<i128>) -> PyResult<Py<Trigger>> {
    // cocotb's form is ClockCycles(dut.clk, n); ClockCycles(n) is accepted too.
    let n = match num_cycles {
        Some(n) => {
            check_clock(Some(signal))?;
            n
        }
        None => signal.extract::<i128>().map_err(|_| PyTypeError::new_err("ClockCycles takes (dut.clk, n) or (n)"))?,
    };
    if n < 0 || n > i128::from(u64::MAX) {
        return Err(PyValueError::new_err(format!("ClockCycles needs 0 <= n < 2^64, got {n}")));
    }
    Trigger::new(py, Spec::ClockCycles(n as u64))
}

/// `ReadOnly()`: resumes in the read-only phase of this cycle (outputs settled; no driving).
#[pyfunction(name = "ReadOnly")]
pub fn read_only(py: Python<'_>) -> PyResult<Py<Trigger>> {
    Trigger::new(py, Spec::ReadOnly)
}

/// `Timer(time, unit="ns")`: resumes after simulated time (units ps, ns, us, ms; the clock
/// period is 10 ns).
#[pyfunction(name = "Timer")]
#[pyo3(signature = (time, unit="ns"))]
pub fn timer(py: Python<'_>, time: f64, unit: &str) -> PyResult<Py<Trigger>> {
    let scale = match unit {
        "ps" | "step" => 1.0,
        "ns" => 1e3,
        "us" => 1e6,
        "ms" => 1e9,
        other => return Err(PyValueError::new_err(format!("unknown time unit '{other}' (ps, ns, us, ms)"))),
    };
    let ps = time * scale;
    if !(0.0..1.8e19).contains(&ps) {
        return Err(PyValueError::new_err(format!("Timer needs a non-negative finite time, got {time} {unit}")));
    }
    Trigger::new(py, Spec::Timer(ps.round() as u64))
}

fn members(what: &str, triggers: &Bound<'_, pyo3::types::PyTuple>) -> PyResult<Vec<Py<Trigger>>> {
    if triggers.is_empty() {
        return Err(PyValueError::new_err(format!("{what} needs at least one trigger")));
    }
    triggers
        .iter()
        .map(|t| {
            if let Ok(task) = t.downcast::<crate::task::Task>() {
                return crate::task::Task::join_trigger(task.clone().unbind(), t.py());
            }
            t.downcast::<Trigger>().map(|t| t.clone().unbind()).map_err(|_| {
                PyTypeError::new_err(format!(
                    "{what} takes iommu_tb triggers and tasks, got {}",
                    t.get_type().name().map(|n| n.to_string()).unwrap_or_default()
                ))
            })
        })
        .collect()
}

/// `First(t1, t2, ...)`: resumes when the first of them (triggers or tasks) fires, with its value.
#[pyfunction(name = "First")]
#[pyo3(signature = (*triggers))]
pub fn first(py: Python<'_>, triggers: &Bound<'_, pyo3::types::PyTuple>) -> PyResult<Py<Trigger>> {
    Trigger::new(py, Spec::First(members("First", triggers)?))
}

/// `Combine(t1, t2, ...)`: resumes when all of them (triggers or tasks) have fired.
#[pyfunction(name = "Combine")]
#[pyo3(signature = (*triggers))]
pub fn combine(py: Python<'_>, triggers: &Bound<'_, pyo3::types::PyTuple>) -> PyResult<Py<Trigger>> {
    Trigger::new(py, Spec::Combine(members("Combine", triggers)?))
}

/// cocotb's `Event`: `set()` wakes every task awaiting `wait()`.
#[pyclass(name = "Event", module = "iommu_tb", unsendable)]
pub struct Event {
    ev: Rc<tb::sched::Event>,
}

#[pymethods]
impl Event {
    #[new]
    fn new() -> Self {
        Event { ev: Rc::new(tb::sched::Event::new()) }
    }
    fn set(&self) {
        self.ev.set()
    }
    fn clear(&self) {
        self.ev.clear()
    }
    fn is_set(&self) -> bool {
        self.ev.is_set()
    }
    /// A trigger that fires when the event is set (at once if it is).
    fn wait(slf: Py<Self>, py: Python<'_>) -> PyResult<Py<Trigger>> {
        Trigger::new(py, Spec::Event(slf))
    }
}

/// The futures of `env` verbs not awaited yet, on the thread of the run that made them: a
/// trigger holds a ticket, not the future (which holds the bench's `Rc`s). A ticket is taken
/// once; the run's end drops whatever was never awaited.
pub mod ops {
    use super::LocalFuture;
    use std::cell::{Cell, RefCell};

    /// Where an operation's future waits, and which operation it is (a slot is reused).
    #[derive(Clone, Copy, Debug)]
    pub struct Ticket {
        slot: usize,
        id: u64,
    }

    thread_local! {
        static SLOTS: RefCell<Vec<Option<(u64, LocalFuture)>>> = const { RefCell::new(Vec::new()) };
        static NEXT_ID: Cell<u64> = const { Cell::new(0) };
    }

    /// Keep `f` until its ticket is taken.
    pub fn put(f: LocalFuture) -> Ticket {
        let id = NEXT_ID.with(|n| {
            n.set(n.get() + 1);
            n.get()
        });
        SLOTS.with(|s| {
            let mut s = s.borrow_mut();
            let slot = match s.iter().position(Option::is_none) {
                Some(i) => i,
                None => {
                    s.push(None);
                    s.len() - 1
                }
            };
            s[slot] = Some((id, f));
            Ticket { slot, id }
        })
    }

    /// The future of `t`, once (None: taken already, dropped with its run, or another thread's).
    pub fn take(t: Ticket) -> Option<LocalFuture> {
        SLOTS.with(|s| {
            let mut s = s.borrow_mut();
            match s.get_mut(t.slot) {
                Some(e) if e.as_ref().is_some_and(|(id, _)| *id == t.id) => e.take().map(|(_, f)| f),
                _ => None,
            }
        })
    }

    /// Drop every future not awaited (the run ended).
    pub fn clear() {
        let left = SLOTS.with(|s| std::mem::take(&mut *s.borrow_mut()));
        drop(left);
    }
}
