//! The harness: scheduler, agents, scoreboard, protocol checkers, scenarios, regression.

#[macro_use]
mod macros;

pub mod agents;
pub mod checkers;
pub mod classes;
pub mod compare;
pub mod config;
pub mod coverage;
pub mod dut;
pub mod env;
pub mod flavor;
pub mod flavors;
pub mod fuzz;
pub mod host_paths;
pub mod judge;
pub mod junit;
pub mod lockstep;
pub mod observe;
pub mod ordered;
pub mod port_map;
pub mod registry;
pub mod regress;
pub mod report;
pub mod reset;
pub mod run;
pub mod scenario;
pub mod sched;
pub mod scoreboard;
pub mod seq;
pub mod shard;
pub mod smmuv3;
pub mod testbench;
pub mod testplan;
pub mod trace;
pub mod txn;
pub mod vtd;
