//! The harness: scheduler, agents, scoreboard, protocol checkers, scenarios, regression.

pub mod checkers;
pub mod sched;
pub mod trace;
pub mod txn;
