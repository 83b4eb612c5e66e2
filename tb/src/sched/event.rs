//! cocotb-style [`Event`].

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use super::wait::{Key, Slots};

#[derive(Default)]
struct EventInner {
    set: Cell<bool>,
    waiters: RefCell<Slots<Waker, 1>>,
    buf: RefCell<Vec<Waker>>,
}

/// A flag tasks can wait on (cocotb `Event`). Cloning gives another handle
/// to the same event.
///
/// * [`set`](Self::set) sets the flag and wakes the tasks currently in
///   [`wait`](Self::wait) (only those: no other task is polled). They run in
///   the current scheduling phase, after the setter yields.
/// * `wait()` resolves at once if the flag is already set.
/// * [`clear`](Self::clear) resets the flag; a waiter already woken by `set`
///   still resumes.
///
/// ```
/// use tb::sched::{Event, Scheduler};
/// let mut sched = Scheduler::new(1000);
/// let sim = sched.handle();
/// let done = Event::new();
/// let waiter = sched.start_soon({
///     let done = done.clone();
///     let sim = sim.clone();
///     async move { done.wait().await; sim.cycle() }
/// });
/// sched.start_soon(async move { sim.clock_cycles(3).await; done.set() });
/// for t in 1..=3 {
///     sched.falling_edge();
///     sched.set_time(t * 1000);
///     sched.rising_edge();
///     sched.read_only();
/// }
/// assert!(waiter.is_finished());
/// ```
#[derive(Clone, Default)]
pub struct Event {
    inner: Rc<EventInner>,
}

impl Event {
    pub fn new() -> Self {
        Self::default()
    }

    /// Set the flag and wake every current waiter.
    pub fn set(&self) {
        let i = &*self.inner;
        i.set.set(true);
        if i.waiters.borrow().waiting() == 0 {
            return;
        }
        let mut buf = std::mem::take(&mut *i.buf.borrow_mut());
        i.waiters.borrow_mut().fire_list(0, &mut buf);
        for w in buf.drain(..) {
            w.wake();
        }
        *i.buf.borrow_mut() = buf;
    }

    /// Reset the flag.
    pub fn clear(&self) {
        self.inner.set.set(false);
    }

    pub fn is_set(&self) -> bool {
        self.inner.set.get()
    }

    /// Trigger: resolves when the event is set (at once if it already is).
    pub fn wait(&self) -> EventWait {
        EventWait { ev: self.inner.clone(), key: None, done: false }
    }
}

impl std::fmt::Debug for Event {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Event").field("set", &self.is_set()).field("waiters", &self.inner.waiters.borrow().waiting()).finish()
    }
}

/// Future returned by [`Event::wait`].
pub struct EventWait {
    ev: Rc<EventInner>,
    key: Option<Key>,
    done: bool,
}

impl Future for EventWait {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        if this.done {
            return Poll::Ready(());
        }
        let mut w = this.ev.waiters.borrow_mut();
        match this.key {
            None => {
                if this.ev.set.get() {
                    this.done = true;
                    return Poll::Ready(());
                }
                this.key = Some(w.push(0, cx.waker().clone()));
                Poll::Pending
            }
            Some(k) => {
                let fired = w.check(k, |old| {
                    if !old.will_wake(cx.waker()) {
                        *old = cx.waker().clone();
                    }
                });
                if fired {
                    this.key = None;
                    this.done = true;
                    Poll::Ready(())
                } else {
                    Poll::Pending
                }
            }
        }
    }
}

impl Drop for EventWait {
    fn drop(&mut self) {
        if let Some(k) = self.key.take() {
            self.ev.waiters.borrow_mut().release(k);
        }
    }
}
