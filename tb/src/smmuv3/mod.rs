//! The SMMUv3 PRIQ bench: DUT binding, environment, Linux-like host, scoreboard, tests.

pub mod bench;
pub mod dut;
pub mod env;
pub mod host;
pub mod pri_scenarios;
pub mod scoreboard;
pub mod tests;
