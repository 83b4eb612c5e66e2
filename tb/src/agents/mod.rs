//! Behavioural agents on the DUT's interfaces. Each agent is a plain struct stepped once per
//! cycle by the environment: `drive` fills its part of the next inputs from its own state, and
//! an `on_*` method is called at each of its handshakes. Nothing here allocates per cycle.
//! Test sequences talk to agents through completion slots (`Done`) they can await.

pub mod cmd;
pub mod event_src;
pub mod memory;
pub mod pcie_fn;
pub mod regbus;
pub mod rsp;
pub mod stall_sink;

use crate::sched::Event;
use std::cell::Cell;
use std::rc::Rc;

/// How long the operation at the head of an agent's queue has waited, checked by the cycle loop
/// every cycle: one compare, instead of a timer raced against every operation (which cost the
/// harness about 4% of its speed).
#[derive(Default)]
pub struct Watchdog {
    since: Option<u64>,
}

impl Watchdog {
    /// `busy`: an operation is at the head at `edge`. True once it has waited more than `limit`
    /// cycles.
    #[inline]
    pub fn overdue(&mut self, busy: bool, edge: u64, limit: u64) -> bool {
        if !busy {
            self.since = None;
            return false;
        }
        edge - *self.since.get_or_insert(edge) > limit
    }
    /// The head operation completed: the next one starts its own wait.
    #[inline]
    pub fn restart(&mut self) {
        self.since = None;
    }
}

/// Completion of one queued operation: an event to await and the value it produced
/// (read data; 0 for writes and commands).
#[derive(Clone)]
pub struct Done {
    inner: Rc<DoneInner>,
}

struct DoneInner {
    event: Event,
    value: Cell<u64>,
    cycle: Cell<u64>,
}

impl Done {
    pub fn new() -> Done {
        Done { inner: Rc::new(DoneInner { event: Event::new(), value: Cell::new(0), cycle: Cell::new(0) }) }
    }
    pub fn complete(&self, value: u64, cycle: u64) {
        self.inner.value.set(value);
        self.inner.cycle.set(cycle);
        self.inner.event.set();
    }
    pub fn is_done(&self) -> bool {
        self.inner.event.is_set()
    }
    /// Wait for completion; returns the value.
    pub async fn wait(&self) -> u64 {
        self.inner.event.wait().await;
        self.inner.value.get()
    }
    /// Edge at which the operation completed.
    pub fn cycle(&self) -> u64 {
        self.inner.cycle.get()
    }
}

impl Default for Done {
    fn default() -> Self {
        Done::new()
    }
}

/// Recycles completed `Done` slots once every other handle to them is gone, so queuing an
/// operation allocates nothing in steady state (a register access or command every few
/// cycles would otherwise allocate and free its slot and event each time).
#[derive(Default)]
pub struct DonePool {
    completed: std::collections::VecDeque<Done>,
}

impl DonePool {
    /// Completed slots kept for reuse; older ones are dropped.
    const KEEP: usize = 8;

    /// A fresh, not-completed slot.
    pub fn take(&mut self) -> Done {
        if let Some(d) = self.completed.front() {
            // The pool's handle is the only one left: no task can be waiting on it (a wait
            // future borrows a handle), so it can start over.
            if Rc::strong_count(&d.inner) == 1 {
                let d = self.completed.pop_front().expect("front exists");
                d.inner.value.set(0);
                d.inner.cycle.set(0);
                d.inner.event.clear();
                return d;
            }
        }
        Done::new()
    }

    /// Complete `d` and keep it for reuse.
    pub fn complete(&mut self, d: Done, value: u64, cycle: u64) {
        d.complete(value, cycle);
        if self.completed.len() == Self::KEEP {
            self.completed.pop_front();
        }
        self.completed.push_back(d);
    }
}

/// A seeded "is this cycle allowed" draw: probability in 1/256 steps, so a scenario stores it
/// as a small integer and the hot path needs no floating point.
#[derive(Clone, Copy, Debug)]
pub struct Odds(pub u8);

impl Odds {
    pub const ALWAYS: Odds = Odds(255);
    pub fn draw(self, rng: &mut impl rand::RngCore) -> bool {
        self.0 == 255 || (rng.next_u32() & 0xFF) < self.0 as u32
    }
}
