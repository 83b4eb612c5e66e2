//! Stall-resolution sink on the SMMUv3 `sr_*` output: drives `sr_ready` with seeded
//! back-pressure and records every resolution taken.

use super::Odds;
use rand_chacha::ChaCha8Rng;

pub struct StallSink {
    ready_odds: Odds,
    rng: ChaCha8Rng,
    /// A test holds the output (ready stays 0) to let resolutions queue up.
    held: bool,
    /// (edge, StreamID, STAG, action) of each handshake.
    pub taken: Vec<(u64, u32, u16, u8)>,
}

impl StallSink {
    pub fn new(ready_odds: Odds, rng: ChaCha8Rng) -> Self {
        StallSink { ready_odds, rng, held: false, taken: Vec::new() }
    }
    /// Ready for this cycle (drawn once per cycle).
    #[inline]
    pub fn drive(&mut self) -> bool {
        !self.held && self.ready_odds.draw(&mut self.rng)
    }
    pub fn set_ready_odds(&mut self, odds: Odds) {
        self.ready_odds = odds;
    }
    /// Hold the output (`sr_ready` = 0) until released.
    pub fn hold(&mut self, on: bool) {
        self.held = on;
    }
    pub fn on_taken(&mut self, edge: u64, sid: u32, stag: u16, action: u8) {
        self.taken.push((edge, sid, stag, action));
    }
}
