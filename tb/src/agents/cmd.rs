//! Command-port driver: presents queued commands in order, holding each until it is taken.

use super::{Done, DonePool, Watchdog};
use std::collections::VecDeque;

/// Cycles a command (SMMUv3) or descriptor (VT-d) may wait at the head of the queue for the port
/// to take it: the port is held while a CMD_SYNC or `inv_wait_dsc` is in progress and while the
/// software-response FIFO is full. Automatic responses go first at the egress (OP-16), so a flood
/// of them (an overflowed queue answering every request at once) holds the port longest: up to
/// about 1 800 cycles in the random classes.
pub const COMMAND_PATIENCE: u64 = 10_000;

#[derive(Default)]
pub struct CmdDriver {
    /// Each command with its completion and the rule that promises the port takes it.
    queue: VecDeque<([u64; 4], Done, &'static str)>,
    pool: DonePool,
    watchdog: Watchdog,
}

impl CmdDriver {
    /// Queue a command; `rule` is the flavor's rule for its port, named if the port never takes it.
    pub fn push(&mut self, words: [u64; 4], rule: &'static str) -> Done {
        let done = self.pool.take();
        self.queue.push_back((words, done.clone(), rule));
        done
    }
    pub fn is_idle(&self) -> bool {
        self.queue.is_empty()
    }
    /// The command to present this cycle, if any.
    pub fn drive(&self) -> Option<&[u64; 4]> {
        self.queue.front().map(|(w, _, _)| w)
    }
    /// The command at the head has waited more than [`COMMAND_PATIENCE`] cycles at `edge`: its
    /// rule and what it is, for the failure report.
    #[inline]
    pub fn overdue(&mut self, edge: u64) -> Option<(&'static str, String)> {
        if !self.watchdog.overdue(!self.queue.is_empty(), edge, COMMAND_PATIENCE) {
            return None;
        }
        let (words, _, rule) = self.queue.front()?;
        Some((rule, format!("the command port to take [{}]", words.map(|w| format!("{w:#x}")).join(" "))))
    }
    pub fn on_taken(&mut self, cycle: u64) -> [u64; 4] {
        let (words, done, _) = self.queue.pop_front().expect("command handshake without a queued command");
        self.pool.complete(done, 0, cycle);
        self.watchdog.restart();
        words
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn watchdog_names_the_rule_of_a_command_never_taken() {
        let mut c = CmdDriver::default();
        let _ = c.push([1, 2, 0, 0], "SMMU-CMD-1");
        assert_eq!(c.overdue(5), None);
        assert_eq!(c.overdue(5 + COMMAND_PATIENCE), None, "at the bound");
        let (rule, what) = c.overdue(6 + COMMAND_PATIENCE).expect("past the bound");
        assert_eq!(rule, "SMMU-CMD-1");
        assert!(what.contains("[0x1 0x2 0x0 0x0]"), "{what}");
        c.on_taken(7 + COMMAND_PATIENCE);
        assert_eq!(c.overdue(8 + COMMAND_PATIENCE), None, "idle again");
    }
}
