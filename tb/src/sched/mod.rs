//! cocotb-style scheduler for test sequences.
//!
//! A single-threaded executor (std futures and wakers only) that the harness
//! steps from its cycle loop. Test sequences are `async` blocks started with
//! [`Scheduler::start_soon`] / [`Sim::start_soon`]; they wait on *triggers*
//! with cocotb's vocabulary and share state with the harness through
//! `Rc<RefCell<..>>` handles they capture.
//!
//! # One clock cycle, as the harness drives it
//!
//! | harness call                 | what runs                                            |
//! |------------------------------|------------------------------------------------------|
//! | [`Scheduler::falling_edge`]  | tasks waiting for `FallingEdge`: they may update the agent state the harness drives next |
//! | *(drive inputs, eval DUT through the rising edge)* |                                |
//! | [`Scheduler::set_time`]      | `Timer`s that are now due                            |
//! | [`Scheduler::rising_edge`]   | `RisingEdge`, and `ClockCycles(n)` whose n-th edge this is |
//! | [`Scheduler::read_only`]     | `ReadOnly`: sample settled outputs; a drive panics ([`Sim::drive`]) |
//!
//! Each call polls only the tasks its trigger woke (plus tasks those start or
//! wake through an [`Event`] or a finished [`JoinHandle`]), until none is
//! runnable, then returns. Every call first runs the tasks that are already
//! runnable (started or woken from the harness since the last call) *before*
//! it advances: a sequence started before the loop that awaits
//! `falling_edge()` resumes at the first falling edge, one that awaits
//! `clock_cycles(1)` at the first rising edge. Within a phase, tasks run in
//! the order they were woken, which is deterministic.
//!
//! ```
//! use std::{cell::Cell, rc::Rc};
//! use tb::sched::{first, Event, Scheduler};
//!
//! let mut sched = Scheduler::new(10_000); // 100 MHz clock
//! let sim = sched.handle();
//! let valid = Rc::new(Cell::new(false)); // agent state the harness drives
//! let mut seq = sched.start_soon({
//!     let (sim, valid) = (sim.clone(), valid.clone());
//!     async move {
//!         sim.falling_edge().await;
//!         valid.set(true);          // driven onto the DUT this cycle
//!         sim.clock_cycles(2).await;
//!         valid.set(false);
//!         sim.cycle()
//!     }
//! });
//! let mut t = 0;
//! while !sched.all_done() {
//!     sched.falling_edge();
//!     // harness: dut.valid = valid.get(); dut.eval() through the rising edge
//!     t += 10_000;
//!     sched.set_time(t);
//!     sched.rising_edge();
//!     sched.read_only();
//! }
//! assert_eq!(seq.try_take(), Some(2)); // valid was high for edges 1 and 2
//! ```
//!
//! # Cost
//!
//! Each trigger kind keeps its own list of waiters; `ClockCycles` and
//! `Timer` deadlines sit in binary heaps keyed by cycle / time, so a task in
//! `clock_cycles(1000)` is polled once when it waits and once when it
//! resumes. A phase with no waiter costs a few branches. In steady state
//! nothing allocates: waiter slots, heaps and queues keep their capacity,
//! trigger futures are plain structs, and [`first`]/[`combine`] store tuples
//! inline. Only `start_soon` allocates (the task's future and its handle).
//!
//! A panic inside a task (a failed assertion in a sequence) propagates out
//! of the harness call that polled it; the task is dropped and tasks
//! awaiting it see it as panicked.

mod combine;
mod event;
mod task;
mod wait;

#[cfg(test)]
mod tests;

pub use combine::{combine, first, Combine, CombineSet, First, FirstSet};
pub use event::{Event, EventWait};
pub use task::{Complete, JoinHandle};

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::task::{Context, Poll, RawWakerVTable, Waker};

use task::{Abort, BoxFuture, JoinState, Remote, TaskCell, TaskEntry, Tasks};
use wait::{DeadlineHeap, Key, Slots};

/// The scheduling phase being run (or last run) by the harness.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Phase {
    /// No phase call yet.
    Idle,
    /// Inside [`Scheduler::falling_edge`].
    FallingEdge,
    /// Inside [`Scheduler::set_time`].
    Timer,
    /// Inside [`Scheduler::rising_edge`].
    RisingEdge,
    /// Inside [`Scheduler::read_only`].
    ReadOnly,
}

const FALLING: usize = 0;
const RISING: usize = 1;
const READ_ONLY: usize = 2;
const CYCLES: u8 = 3;
const TIMERS: u8 = 4;

/// Who to wake: one of our tasks directly (no atomics, no lock), or any
/// other waker (the future was polled by a foreign executor or combinator).
enum Waiter {
    Task(u32, u32),
    Waker(Waker),
}

impl Waiter {
    #[inline]
    fn from_cx(cx: &Context<'_>, inner: &Inner) -> Self {
        match inner.own_task(cx.waker()) {
            Some((i, g)) => Waiter::Task(i, g),
            None => Waiter::Waker(cx.waker().clone()),
        }
    }

    #[inline]
    fn refresh(&mut self, cx: &Context<'_>, inner: &Inner) {
        let same = match (&*self, inner.own_task(cx.waker())) {
            (Waiter::Task(i, g), Some((ni, ng))) => (*i, *g) == (ni, ng),
            (Waiter::Waker(w), None) => w.will_wake(cx.waker()),
            _ => false,
        };
        if !same {
            *self = Waiter::from_cx(cx, inner);
        }
    }
}

/// The task being polled and the identity of the waker it is polled with:
/// its data and vtable pointers, the two `Waker::will_wake` compares. Only
/// compared, never dereferenced.
#[derive(Clone, Copy)]
struct Polling {
    idx: u32,
    gen: u32,
    data: *const (),
    vtable: *const RawWakerVTable,
}

#[derive(Default)]
struct Waiters {
    slots: Slots<Waiter, 3>,
    cycles: DeadlineHeap,
    timers: DeadlineHeap,
}

pub(crate) struct Inner {
    period_ps: u64,
    now_ps: Cell<u64>,
    cycle: Cell<u64>,
    phase: Cell<Phase>,
    polls: Cell<u64>,
    polling: Cell<Option<Polling>>,
    /// Running tasks, or under a `local_wakes` guard: wakers firing on this
    /// thread queue their task locally (see `wake_local`).
    local: Cell<bool>,
    waiters: RefCell<Waiters>,
    wake_buf: RefCell<Vec<Waiter>>,
    tasks: RefCell<Tasks>,
    ready: RefCell<VecDeque<(u32, u32)>>,
    remote: Arc<Remote>,
    remote_buf: RefCell<Vec<(u32, u32)>>,
}

impl Inner {
    fn spawn<F, T>(self: &Rc<Self>, f: F) -> JoinHandle<T>
    where
        F: Future<Output = T> + 'static,
        T: 'static,
    {
        let state = Rc::new(JoinState::new());
        let result = state.clone();
        let fut: BoxFuture = Box::pin(async move { result.finish(f.await) });
        let (idx, gen) = {
            let mut tasks = self.tasks.borrow_mut();
            let (idx, gen) = tasks.vacant();
            let cell = Arc::new(TaskCell { idx, gen, queued: true.into(), remote: self.remote.clone() });
            let waker = Waker::from(cell.clone());
            let join: Rc<dyn Abort> = state.clone();
            tasks.insert(idx, TaskEntry { fut: Some((fut, waker)), cell, join, suspended: false, cancel_requested: false });
            (idx, gen)
        };
        self.ready.borrow_mut().push_back((idx, gen));
        JoinHandle { state, sched: self.clone(), idx, gen, key: None }
    }

    pub(crate) fn cancel_task(&self, idx: u32, gen: u32) {
        let entry = {
            let mut tasks = self.tasks.borrow_mut();
            match tasks.get_mut(idx, gen) {
                None => return,
                Some(e) if e.fut.is_none() => {
                    // Cancelling itself: finish the current poll first.
                    e.cancel_requested = true;
                    return;
                }
                Some(_) => tasks.remove(idx, gen),
            }
        };
        if let Some(e) = entry {
            let join = e.join.clone();
            drop(e); // drops the future: its triggers deregister
            join.abort(false);
        }
    }

    /// If `waker` is the one the task being polled was given, that task's
    /// (index, generation): a trigger then records the task itself, and
    /// waking it later needs neither a waker clone nor an atomic.
    #[inline]
    fn own_task(&self, waker: &Waker) -> Option<(u32, u32)> {
        let p = self.polling.get()?;
        let same = std::ptr::eq(waker.data(), p.data) && std::ptr::eq(waker.vtable(), p.vtable);
        same.then_some((p.idx, p.gen))
    }

    #[inline]
    fn wake(&self, w: Waiter) {
        match w {
            Waiter::Task(idx, gen) => self.wake_task(idx, gen, false),
            Waiter::Waker(w) => w.wake(),
        }
    }

    #[inline]
    fn wake_task(&self, idx: u32, gen: u32, flagged: bool) {
        if self.tasks.borrow_mut().mark_ready(idx, gen, flagged) {
            self.ready.borrow_mut().push_back((idx, gen));
        }
    }

    /// `wake_task` for a waker firing while this scheduler runs tasks; false
    /// if its tables are busy (the caller then takes the remote path).
    fn try_wake_task(&self, idx: u32, gen: u32) -> bool {
        let (Ok(mut tasks), Ok(mut ready)) = (self.tasks.try_borrow_mut(), self.ready.try_borrow_mut()) else {
            return false;
        };
        if tasks.mark_ready(idx, gen, false) {
            ready.push_back((idx, gen));
        }
        true
    }

    /// Fire an edge list and, for the rising edge, the due `ClockCycles`.
    /// The check is inlined into the phase call; firing is out of line.
    #[inline(always)]
    fn fire_edge(&self, list: usize, cycle: Option<u64>) {
        let w = self.waiters.borrow();
        let list_due = w.slots.list_len(list) != 0;
        let cycles_due = matches!(cycle, Some(c) if w.cycles.next_at() <= c);
        drop(w);
        if list_due || cycles_due {
            self.fire_edge_slow(list, cycle, list_due, cycles_due);
        }
    }

    #[inline(never)]
    fn fire_edge_slow(&self, list: usize, cycle: Option<u64>, list_due: bool, cycles_due: bool) {
        let mut w = self.waiters.borrow_mut();
        let mut buf = std::mem::take(&mut *self.wake_buf.borrow_mut());
        let Waiters { slots, cycles, .. } = &mut *w;
        if list_due {
            slots.fire_list(list, &mut buf);
        }
        if let (true, Some(c)) = (cycles_due, cycle) {
            cycles.fire_due(c, slots, &mut buf);
        }
        drop(w);
        self.wake_all(buf);
    }

    #[inline(always)]
    fn fire_timers(&self, now: u64) {
        if self.waiters.borrow().timers.next_at() <= now {
            self.fire_timers_slow(now);
        }
    }

    #[inline(never)]
    fn fire_timers_slow(&self, now: u64) {
        let mut w = self.waiters.borrow_mut();
        let mut buf = std::mem::take(&mut *self.wake_buf.borrow_mut());
        let Waiters { slots, timers, .. } = &mut *w;
        timers.fire_due(now, slots, &mut buf);
        drop(w);
        self.wake_all(buf);
    }

    #[inline]
    fn wake_all(&self, mut buf: Vec<Waiter>) {
        for x in buf.drain(..) {
            self.wake(x);
        }
        *self.wake_buf.borrow_mut() = buf;
    }

    fn drain_remote(&self) {
        if !self.remote.pending.swap(false, Ordering::AcqRel) {
            return;
        }
        let mut buf = std::mem::take(&mut *self.remote_buf.borrow_mut());
        {
            let mut q = self.remote.queue.lock().unwrap_or_else(|e| e.into_inner());
            std::mem::swap(&mut *q, &mut buf);
        }
        for &(idx, gen) in &buf {
            self.wake_task(idx, gen, true);
        }
        buf.clear();
        *self.remote_buf.borrow_mut() = buf;
    }

    /// Poll woken tasks until none is runnable. The emptiness check is
    /// inlined into the phase calls; the loop is out of line.
    #[inline(always)]
    fn run_ready(&self) {
        if !self.ready.borrow().is_empty() || self.remote.pending.load(Ordering::Acquire) {
            self.run_ready_slow();
        }
    }

    #[inline(never)]
    fn run_ready_slow(&self) {
        let _running = Running::enter(self);
        loop {
            let next = self.ready.borrow_mut().pop_front();
            match next {
                Some((idx, gen)) => self.poll_task(idx, gen),
                None if self.remote.pending.load(Ordering::Acquire) => self.drain_remote(),
                None => break,
            }
        }
    }

    fn poll_task(&self, idx: u32, gen: u32) {
        // The future and its waker leave the table for the poll (moved, not
        // cloned: no reference count changes), so the task may start, wake
        // or cancel tasks meanwhile.
        let (mut fut, waker) = {
            let mut tasks = self.tasks.borrow_mut();
            let Some(e) = tasks.get_mut(idx, gen) else { return };
            let Some(body) = e.fut.take() else { return };
            e.cell.queued.store(false, Ordering::Release);
            body
        };
        let mut cx = Context::from_waker(&waker);
        self.polls.set(self.polls.get() + 1);
        self.polling.set(Some(Polling { idx, gen, data: waker.data(), vtable: waker.vtable() }));
        let guard = PanicGuard { inner: self, idx, gen };
        let res = fut.as_mut().poll(&mut cx);
        std::mem::forget(guard);
        self.polling.set(None);
        let mut tasks = self.tasks.borrow_mut();
        match res {
            Poll::Ready(()) => {
                // The wrapper already stored the value and woke joiners.
                let e = tasks.remove(idx, gen);
                drop(tasks);
                drop(e);
                drop(fut);
            }
            Poll::Pending => {
                let e = tasks.get_mut(idx, gen).expect("running task vanished");
                if e.cancel_requested {
                    let e = tasks.remove(idx, gen).expect("running task vanished");
                    drop(tasks);
                    drop(fut);
                    e.join.abort(false);
                } else {
                    e.fut = Some((fut, waker));
                    if !e.cell.queued.load(Ordering::Acquire) {
                        e.suspended = true;
                        tasks.suspended += 1;
                    }
                }
            }
        }
    }
}

thread_local! {
    /// The schedulers alive on this thread, each with its remote queue (its
    /// identity in a `TaskCell`). A waker knows only its task's cell, which
    /// must be `Send + Sync`; this is how one firing on the scheduler's own
    /// thread finds the scheduler's (not thread-safe) ready queue.
    static SCHEDULERS: RefCell<Vec<(Arc<Remote>, Weak<Inner>)>> = const { RefCell::new(Vec::new()) };
}

fn register(inner: &Rc<Inner>) {
    SCHEDULERS.with(|s| {
        let mut s = s.borrow_mut();
        s.retain(|(_, w)| w.strong_count() > 0);
        s.push((inner.remote.clone(), Rc::downgrade(inner)));
    });
}

fn unregister(inner: &Inner) {
    // `try_with`: the thread may be exiting and its locals already gone.
    let _ = SCHEDULERS.try_with(|s| {
        if let Ok(mut s) = s.try_borrow_mut() {
            s.retain(|(r, _)| !Arc::ptr_eq(r, &inner.remote));
        }
    });
}

/// Waker fast path: if `cell`'s scheduler lives on this thread and is
/// running tasks (or under [`Scheduler::local_wakes`]), queue the task
/// locally (no lock, no atomic read-modify-write).
pub(crate) fn wake_local(cell: &TaskCell) -> bool {
    let inner = SCHEDULERS.try_with(|s| {
        let s = s.try_borrow().ok()?;
        let (_, w) = s.iter().find(|(r, _)| Arc::ptr_eq(r, &cell.remote))?;
        w.upgrade()
    });
    match inner {
        Ok(Some(inner)) => inner.local.get() && inner.try_wake_task(cell.idx, cell.gen),
        _ => false,
    }
}

/// Guard of [`Scheduler::local_wakes`].
pub struct LocalWakes {
    inner: Rc<Inner>,
    prev: bool,
}

impl Drop for LocalWakes {
    fn drop(&mut self) {
        self.inner.local.set(self.prev);
    }
}

/// Sets `Inner::local` for the duration of `run_ready` (restored on unwind
/// too).
struct Running<'a> {
    inner: &'a Inner,
    prev: bool,
}

impl<'a> Running<'a> {
    fn enter(inner: &'a Inner) -> Self {
        Running { inner, prev: inner.local.replace(true) }
    }
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.inner.local.set(self.prev);
    }
}

/// Removes a task whose poll panicked, so the scheduler stays consistent
/// while the panic propagates to the harness.
struct PanicGuard<'a> {
    inner: &'a Inner,
    idx: u32,
    gen: u32,
}

impl Drop for PanicGuard<'_> {
    fn drop(&mut self) {
        self.inner.polling.set(None);
        let entry = match self.inner.tasks.try_borrow_mut() {
            Ok(mut t) => t.remove(self.idx, self.gen),
            Err(_) => None,
        };
        if let Some(e) = entry {
            let join = e.join.clone();
            drop(e);
            join.abort(true);
        }
    }
}

/// The executor the harness owns and steps once per phase of each cycle.
/// See the [module documentation](self) for the cycle model.
pub struct Scheduler {
    inner: Rc<Inner>,
}

impl Scheduler {
    /// A scheduler for a clock of period `period_ps` picoseconds, at time 0,
    /// cycle 0.
    pub fn new(period_ps: u64) -> Self {
        assert!(period_ps > 0, "clock period must be > 0 ps");
        let inner = Rc::new(Inner {
            period_ps,
            now_ps: Cell::new(0),
            cycle: Cell::new(0),
            phase: Cell::new(Phase::Idle),
            polls: Cell::new(0),
            polling: Cell::new(None),
            local: Cell::new(false),
            waiters: RefCell::default(),
            wake_buf: RefCell::new(Vec::with_capacity(16)),
            tasks: RefCell::default(),
            ready: RefCell::new(VecDeque::with_capacity(16)),
            remote: Arc::default(),
            remote_buf: RefCell::default(),
        });
        register(&inner);
        Scheduler { inner }
    }

    /// A cloneable handle for tasks (and agents) to wait on triggers and
    /// start tasks.
    pub fn handle(&self) -> Sim {
        Sim { inner: self.inner.clone() }
    }

    /// Start a task (cocotb `start_soon`): it first runs at the next
    /// scheduling point (the next phase call).
    pub fn start_soon<F, T>(&self, f: F) -> JoinHandle<T>
    where
        F: Future<Output = T> + 'static,
        T: 'static,
    {
        self.inner.spawn(f)
    }

    /// Falling edge of the clock: run tasks waiting in `falling_edge()`.
    pub fn falling_edge(&mut self) {
        let i = &*self.inner;
        i.run_ready();
        i.phase.set(Phase::FallingEdge);
        i.fire_edge(FALLING, None);
        i.run_ready();
    }

    /// Rising edge (after the DUT evaluated it): count the cycle, run tasks
    /// waiting in `rising_edge()` and the `clock_cycles(n)` that end here.
    pub fn rising_edge(&mut self) {
        let i = &*self.inner;
        i.run_ready();
        let c = i.cycle.get() + 1;
        i.cycle.set(c);
        i.phase.set(Phase::RisingEdge);
        i.fire_edge(RISING, Some(c));
        i.run_ready();
    }

    /// Read-only phase of the current cycle: run tasks waiting in
    /// `read_only()`.
    pub fn read_only(&mut self) {
        let i = &*self.inner;
        i.run_ready();
        i.phase.set(Phase::ReadOnly);
        i.fire_edge(READ_ONLY, None);
        i.run_ready();
    }

    /// Advance simulated time to `now_ps` (never backwards) and run the
    /// timers now due.
    pub fn set_time(&mut self, now_ps: u64) {
        let i = &*self.inner;
        let before = i.now_ps.get();
        assert!(now_ps >= before, "set_time: time went backwards ({before} ps -> {now_ps} ps)");
        i.run_ready();
        i.now_ps.set(now_ps);
        i.phase.set(Phase::Timer);
        i.fire_timers(now_ps);
        i.run_ready();
    }

    /// Run tasks that are runnable now (e.g. just started) without advancing
    /// any phase. Optional: every phase call does this anyway.
    pub fn run_pending(&mut self) {
        self.inner.run_ready();
    }

    /// While the returned guard lives, wake-ups caused by harness code on
    /// this thread (monitors completing operations, setting events) go
    /// straight onto this scheduler's ready queue instead of the
    /// thread-safe remote queue: no lock, no atomic read-modify-write.
    /// Nothing runs meanwhile: woken tasks run at the next phase call,
    /// exactly as remote wake-ups would. Do not call phase methods while
    /// holding it.
    #[inline]
    pub fn local_wakes(&self) -> LocalWakes {
        LocalWakes { inner: self.inner.clone(), prev: self.inner.local.replace(true) }
    }

    /// Current simulated time in ps.
    pub fn now_ps(&self) -> u64 {
        self.inner.now_ps.get()
    }

    /// Number of rising edges so far.
    pub fn cycle(&self) -> u64 {
        self.inner.cycle.get()
    }

    pub fn period_ps(&self) -> u64 {
        self.inner.period_ps
    }

    pub fn phase(&self) -> Phase {
        self.inner.phase.get()
    }

    /// Every task started so far has finished (returned or was cancelled).
    pub fn all_done(&self) -> bool {
        self.inner.tasks.borrow().live == 0
    }

    /// Some task is suspended, waiting on anything (a trigger, an event,
    /// another task).
    pub fn has_waiters(&self) -> bool {
        self.inner.tasks.borrow().suspended > 0
    }

    /// Some future waits on something the clock or time will fire (an edge,
    /// `ReadOnly`, `ClockCycles`, `Timer`). `!all_done() && !has_clock_waiters()`
    /// after a phase means the remaining tasks wait only on events or other
    /// tasks: unless the harness sets an event, they are deadlocked.
    pub fn has_clock_waiters(&self) -> bool {
        self.inner.waiters.borrow().slots.waiting() > 0
    }

    /// Number of tasks started and not finished.
    pub fn live_tasks(&self) -> usize {
        self.inner.tasks.borrow().live
    }

    /// Total task polls so far (a cost counter for tests and benchmarks).
    pub fn polls(&self) -> u64 {
        self.inner.polls.get()
    }
}

impl Drop for Scheduler {
    fn drop(&mut self) {
        // Tasks hold `Sim` handles (Rc cycles): drop their futures now.
        let entries = self.inner.tasks.borrow_mut().take_all();
        for e in entries {
            let join = e.join.clone();
            drop(e);
            join.abort(false);
        }
        unregister(&self.inner);
    }
}

impl std::fmt::Debug for Scheduler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scheduler")
            .field("now_ps", &self.now_ps())
            .field("cycle", &self.cycle())
            .field("phase", &self.phase())
            .field("live_tasks", &self.live_tasks())
            .finish()
    }
}

/// Handle tasks use to wait on triggers and start other tasks. Cheap to
/// clone; capture a clone in each task.
#[derive(Clone)]
pub struct Sim {
    inner: Rc<Inner>,
}

impl Sim {
    /// Start a task (cocotb `start_soon`). Started from a task, it runs in
    /// the current phase, after the starting task yields.
    pub fn start_soon<F, T>(&self, f: F) -> JoinHandle<T>
    where
        F: Future<Output = T> + 'static,
        T: 'static,
    {
        self.inner.spawn(f)
    }

    fn trigger(&self, kind: Kind) -> Trigger {
        Trigger { sim: self.inner.clone(), kind, state: TState::Init }
    }

    /// `RisingEdge(clk)`: resumes at the next rising edge, after the DUT has
    /// been evaluated through it.
    pub fn rising_edge(&self) -> Trigger {
        self.trigger(Kind::Rising)
    }

    /// `FallingEdge(clk)`: resumes at the next falling edge, before the
    /// harness drives inputs for the coming rising edge; write driven values
    /// here.
    pub fn falling_edge(&self) -> Trigger {
        self.trigger(Kind::Falling)
    }

    /// `ClockCycles(clk, n)`: resumes at the n-th rising edge from now, woken
    /// once (not n times). `n == 0` resolves at once.
    pub fn clock_cycles(&self, n: u64) -> Trigger {
        self.trigger(Kind::Cycles(n))
    }

    /// `ReadOnly()`: resumes in the read-only phase of the current cycle
    /// (awaited from the read-only phase itself: the next cycle's), when
    /// outputs are settled. Only sample there, never drive.
    pub fn read_only(&self) -> Trigger {
        self.trigger(Kind::ReadOnly)
    }

    /// `Timer(ps)`: resumes at the first `set_time` at or after now + `ps`
    /// (time counts from the first poll, i.e. the `await`).
    pub fn timer(&self, ps: u64) -> Trigger {
        self.trigger(Kind::Timer(ps))
    }

    /// Current simulated time in ps.
    pub fn now_ps(&self) -> u64 {
        self.inner.now_ps.get()
    }

    /// Number of rising edges so far.
    pub fn cycle(&self) -> u64 {
        self.inner.cycle.get()
    }

    pub fn period_ps(&self) -> u64 {
        self.inner.period_ps
    }

    /// The phase currently being run.
    pub fn phase(&self) -> Phase {
        self.inner.phase.get()
    }

    /// A sequence is about to drive the DUT input `port` (through the agent state the harness
    /// drives next). As in cocotb, a write in the `ReadOnly` phase is rejected: there the
    /// outputs are settled for sampling, and a write would be a second drive of the same cycle
    /// the harness never sees in order. Panics naming the port, the phase and the cycle.
    #[inline]
    pub fn drive(&self, port: &str) {
        if self.inner.phase.get() == Phase::ReadOnly {
            write_in_read_only(port, self.cycle());
        }
    }
}

#[cold]
#[inline(never)]
fn write_in_read_only(port: &str, cycle: u64) -> ! {
    panic!(
        "write to DUT port {port} in the ReadOnly phase of cycle {cycle}: ReadOnly only samples settled outputs; await falling_edge() or rising_edge() before driving"
    )
}

impl std::fmt::Debug for Sim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sim").field("now_ps", &self.now_ps()).field("cycle", &self.cycle()).field("phase", &self.phase()).finish()
    }
}

#[derive(Clone, Copy, Debug)]
enum Kind {
    Falling,
    Rising,
    ReadOnly,
    Cycles(u64),
    Timer(u64),
}

enum TState {
    Init,
    Waiting(Key),
    Done,
}

/// Future for a clock or time trigger ([`Sim::rising_edge`],
/// [`Sim::falling_edge`], [`Sim::clock_cycles`], [`Sim::read_only`],
/// [`Sim::timer`]). Registers on first poll; dropping it before it fires
/// deregisters it, so it never wakes its task afterwards.
#[must_use = "triggers do nothing unless awaited"]
pub struct Trigger {
    sim: Rc<Inner>,
    kind: Kind,
    state: TState,
}

impl Future for Trigger {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        let inner = &*this.sim;
        match this.state {
            TState::Done => Poll::Ready(()),
            TState::Init => {
                if let Kind::Cycles(0) = this.kind {
                    this.state = TState::Done;
                    return Poll::Ready(());
                }
                let waiter = Waiter::from_cx(cx, inner);
                let mut w = inner.waiters.borrow_mut();
                let key = match this.kind {
                    Kind::Falling => w.slots.push(FALLING as u8, waiter),
                    Kind::Rising => w.slots.push(RISING as u8, waiter),
                    Kind::ReadOnly => w.slots.push(READ_ONLY as u8, waiter),
                    Kind::Cycles(n) => {
                        let k = w.slots.push(CYCLES, waiter);
                        w.cycles.push(inner.cycle.get().saturating_add(n), k);
                        k
                    }
                    Kind::Timer(ps) => {
                        let k = w.slots.push(TIMERS, waiter);
                        w.timers.push(inner.now_ps.get().saturating_add(ps), k);
                        k
                    }
                };
                this.state = TState::Waiting(key);
                Poll::Pending
            }
            TState::Waiting(key) => {
                let fired = inner.waiters.borrow_mut().slots.check(key, |old| old.refresh(cx, inner));
                if fired {
                    this.state = TState::Done;
                    Poll::Ready(())
                } else {
                    Poll::Pending
                }
            }
        }
    }
}

impl Drop for Trigger {
    fn drop(&mut self) {
        if let TState::Waiting(key) = self.state {
            let mut w = self.sim.waiters.borrow_mut();
            let Waiters { slots, cycles, timers } = &mut *w;
            match slots.release(key) {
                Some(CYCLES) => cycles.note_stale(slots),
                Some(TIMERS) => timers.note_stale(slots),
                _ => {}
            }
        }
    }
}

impl std::fmt::Debug for Trigger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = match self.state {
            TState::Init => "not awaited",
            TState::Waiting(_) => "waiting",
            TState::Done => "fired",
        };
        write!(f, "Trigger({:?}, {state})", self.kind)
    }
}
