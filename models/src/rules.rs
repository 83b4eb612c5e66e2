//! Rule IDs of `../shared/spec/`, shared by checkers, coverage, tests and messages.

use serde::Serialize;
use std::fmt;

/// A rule or decision ID such as `SMMU-PRIQ-7`, `PRI-16` or `DEC-2`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct RuleId(pub &'static str);

impl fmt::Display for RuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}
