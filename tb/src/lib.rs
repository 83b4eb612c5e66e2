//! The harness: scheduler, agents, scoreboard, protocol checkers, scenarios, regression.

pub mod agents;
pub mod checkers;
pub mod coverage;
pub mod fasthash;
pub mod junit;
pub mod regress;
pub mod report;
pub mod run;
pub mod scenario;
pub mod sched;
pub mod shard;
pub mod smmuv3;
pub mod trace;
pub mod txn;
pub mod vtd;
