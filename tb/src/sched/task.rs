//! Tasks, their wakers, and [`JoinHandle`].

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

use super::wait::{Key, Slots};
use super::Inner;

pub(crate) type BoxFuture = Pin<Box<dyn Future<Output = ()>>>;

/// Wake-ups that arrive through a `Waker` (from an [`Event`](super::Event),
/// a [`JoinHandle`], or any foreign future). Wakers must be `Send + Sync`,
/// hence the mutex; it is uncontended in practice. Clock and timer triggers
/// bypass this queue entirely.
#[derive(Default)]
pub(crate) struct Remote {
    pub(crate) pending: AtomicBool,
    pub(crate) queue: Mutex<Vec<(u32, u32)>>,
}

/// Shared between a task and its wakers (std's `Waker` for an `Arc<impl
/// Wake>`). One per spawned task.
pub(crate) struct TaskCell {
    pub(crate) idx: u32,
    pub(crate) gen: u32,
    /// Set while the task sits in a ready queue: deduplicates wake-ups.
    pub(crate) queued: AtomicBool,
    /// The owning scheduler's remote queue; its identity also tells which
    /// scheduler the task belongs to.
    pub(crate) remote: Arc<Remote>,
}

impl Wake for TaskCell {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        // Woken from inside a task of the same scheduler (Event::set, a task
        // finishing) or under `local_wakes`: straight onto the local ready
        // queue.
        if super::wake_local(self) {
            return;
        }
        if !self.queued.swap(true, Ordering::AcqRel) {
            let mut q = self.remote.queue.lock().unwrap_or_else(|e| e.into_inner());
            q.push((self.idx, self.gen));
            self.remote.pending.store(true, Ordering::Release);
        }
    }
}

/// Type-erased access to a task's join state, for cancellation and panics.
pub(crate) trait Abort {
    fn abort(&self, panicked: bool);
}

pub(crate) struct TaskEntry {
    /// The future and the waker it is polled with (built once, at spawn);
    /// `None` while the task is being polled.
    pub(crate) fut: Option<(BoxFuture, Waker)>,
    pub(crate) cell: Arc<TaskCell>,
    pub(crate) join: Rc<dyn Abort>,
    /// Returned `Pending` and not yet woken.
    pub(crate) suspended: bool,
    /// Cancelled from inside its own poll: drop it when the poll returns.
    pub(crate) cancel_requested: bool,
}

struct TaskSlot {
    gen: u32,
    entry: Option<TaskEntry>,
}

#[derive(Default)]
pub(crate) struct Tasks {
    slots: Vec<TaskSlot>,
    free: Vec<u32>,
    /// Started and not yet finished or cancelled.
    pub(crate) live: usize,
    /// Live tasks currently suspended on something.
    pub(crate) suspended: usize,
}

impl Tasks {
    pub(crate) fn vacant(&mut self) -> (u32, u32) {
        let idx = match self.free.pop() {
            Some(i) => i,
            None => {
                assert!(self.slots.len() < u32::MAX as usize, "too many tasks");
                self.slots.push(TaskSlot { gen: 0, entry: None });
                (self.slots.len() - 1) as u32
            }
        };
        (idx, self.slots[idx as usize].gen)
    }

    pub(crate) fn insert(&mut self, idx: u32, entry: TaskEntry) {
        let s = &mut self.slots[idx as usize];
        debug_assert!(s.entry.is_none());
        s.entry = Some(entry);
        self.live += 1;
    }

    #[inline]
    pub(crate) fn get_mut(&mut self, idx: u32, gen: u32) -> Option<&mut TaskEntry> {
        self.slots.get_mut(idx as usize).filter(|s| s.gen == gen).and_then(|s| s.entry.as_mut())
    }

    pub(crate) fn remove(&mut self, idx: u32, gen: u32) -> Option<TaskEntry> {
        let s = self.slots.get_mut(idx as usize).filter(|s| s.gen == gen)?;
        let e = s.entry.take()?;
        s.gen = s.gen.wrapping_add(1);
        self.free.push(idx);
        self.live -= 1;
        if e.suspended {
            self.suspended -= 1;
        }
        Some(e)
    }

    /// Mark a task runnable (if it is not already). Returns true if the
    /// caller must push it onto the ready queue.
    #[inline]
    pub(crate) fn mark_ready(&mut self, idx: u32, gen: u32, already_flagged: bool) -> bool {
        let Some(e) = self.get_mut(idx, gen) else { return false };
        if !already_flagged {
            // Scheduler thread only. A plain load/store, not a swap: an atomic
            // read-modify-write per wake-up is measurable. A concurrent wake
            // from another thread could at worst queue the task twice, i.e.
            // one spurious poll, which futures tolerate.
            if e.cell.queued.load(Ordering::Relaxed) {
                return false;
            }
            e.cell.queued.store(true, Ordering::Relaxed);
        }
        let was_suspended = std::mem::replace(&mut e.suspended, false);
        if was_suspended {
            self.suspended -= 1;
        }
        true
    }

    pub(crate) fn take_all(&mut self) -> Vec<TaskEntry> {
        self.live = 0;
        self.suspended = 0;
        self.slots.iter_mut().filter_map(|s| s.entry.take()).collect()
    }
}

enum Outcome<T> {
    Running,
    Done(T),
    Taken,
    Cancelled,
    Panicked,
}

pub(crate) struct JoinState<T> {
    outcome: RefCell<Outcome<T>>,
    waiters: RefCell<Slots<Waker, 1>>,
    buf: RefCell<Vec<Waker>>,
}

impl<T> JoinState<T> {
    pub(crate) fn new() -> Self {
        JoinState { outcome: RefCell::new(Outcome::Running), waiters: RefCell::default(), buf: RefCell::default() }
    }

    pub(crate) fn finish(&self, v: T) {
        *self.outcome.borrow_mut() = Outcome::Done(v);
        self.wake_all();
    }

    fn wake_all(&self) {
        let mut buf = std::mem::take(&mut *self.buf.borrow_mut());
        self.waiters.borrow_mut().fire_list(0, &mut buf);
        for w in buf.drain(..) {
            w.wake();
        }
        *self.buf.borrow_mut() = buf;
    }

    fn is_terminal(&self) -> bool {
        !matches!(*self.outcome.borrow(), Outcome::Running)
    }

    /// Register/refresh a waiter; true if the registration has fired.
    fn wait(&self, key: &mut Option<Key>, cx: &Context<'_>) -> bool {
        let mut w = self.waiters.borrow_mut();
        match *key {
            None => {
                *key = Some(w.push(0, cx.waker().clone()));
                false
            }
            Some(k) => {
                let fired = w.check(k, |old| {
                    if !old.will_wake(cx.waker()) {
                        *old = cx.waker().clone();
                    }
                });
                if fired {
                    *key = None;
                }
                fired
            }
        }
    }

    fn release(&self, key: &mut Option<Key>) {
        if let Some(k) = key.take() {
            self.waiters.borrow_mut().release(k);
        }
    }
}

impl<T> Abort for JoinState<T> {
    fn abort(&self, panicked: bool) {
        {
            let mut o = self.outcome.borrow_mut();
            if matches!(*o, Outcome::Running) {
                *o = if panicked { Outcome::Panicked } else { Outcome::Cancelled };
            }
        }
        self.wake_all();
    }
}

/// Handle to a task started with `start_soon` (cocotb `Task`).
///
/// * `handle.await` yields the task's return value (like `await task`).
///   Awaiting a task that was cancelled or that panicked panics.
/// * [`complete`](Self::complete) is a trigger that fires when the task ends,
///   without taking the value (cocotb `task.complete`); use it inside
///   [`first`](super::first) to keep the value.
/// * [`cancel`](Self::cancel) stops the task (cocotb `task.cancel()` / `kill()`).
///
/// Dropping the handle detaches the task: it keeps running.
pub struct JoinHandle<T> {
    pub(crate) state: Rc<JoinState<T>>,
    pub(crate) sched: Rc<Inner>,
    pub(crate) idx: u32,
    pub(crate) gen: u32,
    pub(crate) key: Option<Key>,
}

impl<T> JoinHandle<T> {
    /// The task has ended: returned, was cancelled, or panicked.
    pub fn is_finished(&self) -> bool {
        self.state.is_terminal()
    }

    /// The task was cancelled before it returned.
    pub fn is_cancelled(&self) -> bool {
        matches!(*self.state.outcome.borrow(), Outcome::Cancelled)
    }

    /// Take the return value if the task has returned (and the value was not
    /// taken yet).
    pub fn try_take(&mut self) -> Option<T> {
        let mut o = self.state.outcome.borrow_mut();
        match std::mem::replace(&mut *o, Outcome::Taken) {
            Outcome::Done(v) => Some(v),
            other => {
                *o = other;
                None
            }
        }
    }

    /// Trigger that fires when the task ends (for any reason), leaving the
    /// value in the handle.
    pub fn complete(&self) -> Complete<T> {
        Complete { state: self.state.clone(), key: None }
    }

    /// Stop the task: its future is dropped (every trigger it waited on is
    /// deregistered) and it never runs again. Tasks awaiting it are woken.
    /// No effect on a finished task. A task cancelling itself stops at its
    /// next suspension point.
    pub fn cancel(&self) {
        self.sched.cancel_task(self.idx, self.gen);
    }

    /// cocotb 1.x name for [`cancel`](Self::cancel).
    pub fn kill(&self) {
        self.cancel()
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = T;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let this = self.get_mut();
        let mut o = this.state.outcome.borrow_mut();
        let msg = match &*o {
            Outcome::Running => {
                drop(o);
                this.state.wait(&mut this.key, cx);
                return Poll::Pending;
            }
            Outcome::Done(_) => {
                let Outcome::Done(v) = std::mem::replace(&mut *o, Outcome::Taken) else { unreachable!() };
                drop(o);
                this.state.release(&mut this.key);
                return Poll::Ready(v);
            }
            Outcome::Taken => "JoinHandle polled after its value was taken",
            Outcome::Cancelled => "awaited a task that was cancelled",
            Outcome::Panicked => "awaited a task that panicked",
        };
        drop(o);
        panic!("{msg}")
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        self.state.release(&mut self.key);
    }
}

/// Trigger returned by [`JoinHandle::complete`]: fires when the task ends.
pub struct Complete<T> {
    state: Rc<JoinState<T>>,
    key: Option<Key>,
}

impl<T> Future for Complete<T> {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        if this.state.is_terminal() {
            this.state.release(&mut this.key);
            return Poll::Ready(());
        }
        this.state.wait(&mut this.key, cx);
        Poll::Pending
    }
}

impl<T> Drop for Complete<T> {
    fn drop(&mut self) {
        self.state.release(&mut self.key);
    }
}
