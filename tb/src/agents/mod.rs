//! Behavioural agents on the DUT's interfaces. Each agent is a plain struct stepped once per
//! cycle by the environment: `drive` fills its part of the next inputs from its own state, and
//! an `on_*` method is called at each of its handshakes. Nothing here allocates per cycle.
//! Test sequences talk to agents through completion slots (`Done`) they can await.

pub mod cmd;
pub mod memory;
pub mod pcie_fn;
pub mod regbus;
pub mod rsp;

use crate::sched::Event;
use std::cell::Cell;
use std::rc::Rc;

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
