//! What a strict lockstep compare reports, for either flavor's scoreboard, and why a bench
//! stops a run early.

use crate::checkers::Violation;
use models::rules::RuleId;
use std::fmt;

/// The first difference between the model and the DUT.
#[derive(Clone, Debug)]
pub struct Mismatch {
    pub cycle: u64,
    pub signal: &'static str,
    pub expected: u64,
    pub actual: u64,
    pub rule: RuleId,
    /// Context from the model (admission row, register, response source).
    pub context: String,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "[{}] cycle {}: {} expected {:#x}, DUT drove {:#x} ({})",
            self.rule, self.cycle, self.signal, self.expected, self.actual, self.context
        )
    }
}

/// Why a run stopped early.
pub enum Stop {
    Mismatch(Mismatch),
    Violations(Vec<Violation>),
}
