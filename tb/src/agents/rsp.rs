//! PRG-response monitor on the PCIe egress: drives `ready` (with seeded back-pressure) and
//! records every response sent.

use super::Odds;
use models::pcie::PrgResponse;
use rand_chacha::ChaCha8Rng;

pub struct RspMonitor {
    ready_odds: Odds,
    rng: ChaCha8Rng,
    ready: bool,
    /// A test holds the egress (ready stays 0) to let responses queue up.
    held: bool,
    pub received: Vec<(u64, PrgResponse)>,
}

impl RspMonitor {
    pub fn new(ready_odds: Odds, rng: ChaCha8Rng) -> Self {
        RspMonitor { ready_odds, rng, ready: true, held: false, received: Vec::new() }
    }
    /// Ready for this cycle (drawn once per cycle).
    pub fn drive(&mut self) -> bool {
        self.ready = !self.held && self.ready_odds.draw(&mut self.rng);
        self.ready
    }
    /// Change the back-pressure mid-run (a fuzz program's wind-down lifts it, `crate::fuzz`).
    pub fn set_ready_odds(&mut self, odds: Odds) {
        self.ready_odds = odds;
    }
    /// Hold the egress (`ready` = 0) until released.
    pub fn hold(&mut self, on: bool) {
        self.held = on;
    }
    pub fn on_response(&mut self, cycle: u64, rsp: PrgResponse) {
        self.received.push((cycle, rsp));
    }
}
