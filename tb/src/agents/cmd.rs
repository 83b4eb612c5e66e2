//! Command-port driver: presents queued commands in order, holding each until it is taken.

use super::{Done, DonePool};
use std::collections::VecDeque;

#[derive(Default)]
pub struct CmdDriver {
    queue: VecDeque<([u64; 4], Done)>,
    pool: DonePool,
}

impl CmdDriver {
    pub fn push(&mut self, words: [u64; 4]) -> Done {
        let done = self.pool.take();
        self.queue.push_back((words, done.clone()));
        done
    }
    pub fn is_idle(&self) -> bool {
        self.queue.is_empty()
    }
    /// The command to present this cycle, if any.
    pub fn drive(&self) -> Option<&[u64; 4]> {
        self.queue.front().map(|(w, _)| w)
    }
    pub fn on_taken(&mut self, cycle: u64) -> [u64; 4] {
        let (words, done) = self.queue.pop_front().expect("command handshake without a queued command");
        self.pool.complete(done, 0, cycle);
        words
    }
}
