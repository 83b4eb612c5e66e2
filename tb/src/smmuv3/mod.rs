//! The SMMUv3 PRIQ bench: DUT binding, environment, Linux-like host, scoreboard, tests.

/// Test sequences fail naming the rule they check: "[RULE] message" (the runner reads it).
macro_rules! ensure {
    ($cond:expr, $rule:expr, $($fmt:tt)+) => {
        if !$cond {
            panic!("[{}] {}", $rule, format!($($fmt)+));
        }
    };
}

pub mod bench;
pub mod dut;
pub mod env;
pub mod host;
pub mod pri_scenarios;
pub mod scoreboard;
pub mod tests;
