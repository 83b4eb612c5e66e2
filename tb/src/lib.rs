//! The harness: scheduler, agents, scoreboard, protocol checkers, scenarios, regression.

pub mod sched;
pub mod txn;
