//! Queue-memory agent: accepts entry writes with seeded back-pressure, acknowledges each after
//! a seeded latency (in order), optionally with an error (OP-5), and keeps the written bytes so
//! that the host model can read queue entries back.

use super::Odds;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

type Words = FxHashMap<u64, u64>;

/// Memory behaviour of a scenario.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemoryBehaviour {
    /// Chance (of 255) that `mw_ready` is 1 in a cycle.
    pub ready_odds: u8,
    /// Acknowledgement latency range in cycles after the write handshake (at least 1).
    pub ack_latency: (u32, u32),
    /// Chance (of 65536) that an acknowledgement reports an error.
    pub error_odds: u16,
}

impl Default for MemoryBehaviour {
    fn default() -> Self {
        MemoryBehaviour { ready_odds: 255, ack_latency: (1, 1), error_odds: 0 }
    }
}

/// What the memory agent drives this cycle.
#[derive(Clone, Copy, Debug, Default)]
pub struct MemDrive {
    pub mw_ready: bool,
    pub ack_valid: bool,
    pub ack_err: bool,
}

pub struct MemoryAgent {
    cfg: MemoryBehaviour,
    rng: ChaCha8Rng,
    /// Acks still to give: (earliest edge, error).
    acks: VecDeque<(u64, bool)>,
    /// Written words by 8-byte-aligned address.
    words: Words,
    drive: MemDrive,
}

impl MemoryAgent {
    pub fn new(cfg: MemoryBehaviour, rng: ChaCha8Rng) -> Self {
        MemoryAgent { cfg, rng, acks: VecDeque::new(), words: Words::default(), drive: MemDrive::default() }
    }
    /// Inputs for the cycle that ends at edge `next_edge`.
    pub fn drive(&mut self, next_edge: u64) -> MemDrive {
        let mw_ready = Odds(self.cfg.ready_odds).draw(&mut self.rng);
        let (ack_valid, ack_err) = match self.acks.front() {
            Some(&(due, err)) if due <= next_edge => (true, err),
            _ => (false, false),
        };
        self.drive = MemDrive { mw_ready, ack_valid, ack_err };
        self.drive
    }
    /// A write of whole 64-bit words was accepted at edge `cycle`: store it and schedule its
    /// acknowledgement.
    pub fn on_write(&mut self, cycle: u64, addr: u64, data: &[u64]) {
        for (k, w) in data.iter().enumerate() {
            self.words.insert(addr + 8 * k as u64, *w);
        }
        self.schedule_ack(cycle);
    }
    /// A 4-byte write (VT-d status write or MSI) at a 4-byte-aligned address was accepted.
    pub fn on_write_u32(&mut self, cycle: u64, addr: u64, value: u32) {
        let shift = 8 * (addr & 4);
        let word = self.words.entry(addr & !7).or_insert(0);
        *word = (*word & !(0xFFFF_FFFF << shift)) | (value as u64) << shift;
        self.schedule_ack(cycle);
    }
    fn schedule_ack(&mut self, cycle: u64) {
        let (lo, hi) = self.cfg.ack_latency;
        let lat = if hi > lo { self.rng.gen_range(lo..=hi) } else { lo }.max(1);
        let err = self.cfg.error_odds > 0 && self.rng.gen::<u16>() < self.cfg.error_odds;
        // Acks stay in order: never earlier than the previous one.
        let due = (cycle + lat as u64).max(self.acks.back().map_or(0, |a| a.0));
        self.acks.push_back((due, err));
    }
    /// The acknowledgement driven this cycle was taken; returns whether it reported an error.
    pub fn on_ack(&mut self) -> bool {
        self.acks.pop_front().map(|a| a.1).unwrap_or(false)
    }
    pub fn is_idle(&self) -> bool {
        self.acks.is_empty()
    }
    /// Change the behaviour mid-run (fuzz programs' stalls and error bursts, `crate::fuzz`).
    pub fn set_behaviour(&mut self, cfg: MemoryBehaviour) {
        self.cfg = cfg;
    }
    /// Read back one 64-bit word (0 if never written).
    pub fn read_word(&self, addr: u64) -> u64 {
        self.words.get(&addr).copied().unwrap_or(0)
    }
}
