//! Timing-free protocol checkers (ARCHITECTURE.md principle 1b), written straight from the rule
//! list of `../shared/spec/`. They know nothing of latency: each one only uses the order of the
//! transactions seen at the DUT interfaces, so the same checkers judge our RTL and third-party
//! RTL with other latencies.
//!
//! Every checker is one idea and names the rule it checks in each violation. This module holds
//! what every flavor shares: the [`Checker`] trait, [`Violation`], the decoded queue entry
//! ([`entry`]), the fate of each accepted message ([`ledger`]) and the flavour-independent PCIe
//! PRI checkers ([`pri`]). Each flavor's own set lives in its folder (`crate::smmuv3::checkers`,
//! `crate::vtd::checkers`) and is handed out by its `Flavor::checkers`.
//!
//! Cost: `observe` allocates nothing on the non-violating path beyond amortised growth of the
//! checkers' queues, and formats text only when it reports a violation.

pub mod entry;
pub(crate) mod ledger;
pub mod pri;
pub mod responses;

pub use entry::DecodedEntry;

use crate::txn::Stamped;
use models::rules::RuleId;
use std::fmt;

/// A rule broken at a cycle, with a one-paragraph explanation naming the transactions involved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    pub rule: RuleId,
    pub cycle: u64,
    pub message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}] cycle {}: {}", self.rule, self.cycle, self.message)
    }
}

impl std::error::Error for Violation {}

/// A timing-free protocol checker. `observe` is called for every transaction in stream order
/// (non-decreasing cycles); `finish` once at the end of the test, which must be quiescent
/// (nothing in flight), for the liveness rules ("exactly one response").
pub trait Checker {
    fn name(&self) -> &'static str;
    fn observe(&mut self, t: &Stamped, out: &mut Vec<Violation>);
    fn finish(&mut self, end_cycle: u64, out: &mut Vec<Violation>);
    /// How often this run it checked each rule it judges (its coverage bins
    /// `checks.<name>.<rule>`); none by default. Every checker of the standard sets counts.
    fn evaluations(&self) -> &Evaluations {
        &Evaluations::NONE
    }
    /// The functional coverage an ordered judge sampled from the DUT's transactions; none for
    /// the protocol checkers.
    fn coverage_from_dut(&self) -> Option<crate::ordered::DutCoverage<'_>> {
        None
    }
}

/// One counter per rule a checker judges: how many times it evaluated that rule on a run (a
/// situation arose in which the rule could have been broken). Counting is an increment after a
/// scan of a few `&'static str`: no allocation, no formatting.
#[derive(Clone, Debug)]
pub struct Evaluations {
    rules: &'static [RuleId],
    counts: [u64; MAX_COUNTED],
}

/// The most rules one checker counts.
pub const MAX_COUNTED: usize = 16;

impl Evaluations {
    /// Counts nothing (checkers without counters).
    pub const NONE: Evaluations = Evaluations { rules: &[], counts: [0; MAX_COUNTED] };

    /// Zeroed counters for `rules`, the rules a checker judges.
    pub const fn new(rules: &'static [RuleId]) -> Evaluations {
        assert!(rules.len() <= MAX_COUNTED, "a checker counts at most MAX_COUNTED rules");
        Evaluations { rules, counts: [0; MAX_COUNTED] }
    }

    /// `rule` was evaluated once more. Counting a rule the checker does not declare is a bug of
    /// the checker, so it panics.
    #[inline]
    pub fn count(&mut self, rule: RuleId) {
        match self.rules.iter().position(|r| *r == rule) {
            Some(i) => self.counts[i] += 1,
            None => undeclared(rule),
        }
    }

    /// The rules counted, in declaration order.
    pub fn rules(&self) -> &'static [RuleId] {
        self.rules
    }

    /// Each rule with its count.
    pub fn iter(&self) -> impl Iterator<Item = (RuleId, u64)> + '_ {
        self.rules.iter().copied().zip(self.counts.iter().copied())
    }

    /// The count of `rule` (0 for a rule not counted).
    pub fn get(&self, rule: RuleId) -> u64 {
        self.iter().find(|(r, _)| *r == rule).map_or(0, |(_, n)| n)
    }
}

#[cold]
fn undeclared(rule: RuleId) -> ! {
    panic!("a checker counted {rule}, which it does not declare in its Evaluations")
}

/// Rule IDs used by the checkers.
pub(crate) use models::rules as rule;

/// Compact one-line rendering of a page request for violation messages.
pub(crate) struct ShowReq<'a>(pub &'a models::pcie::PageRequest);

impl fmt::Display for ShowReq<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = self.0;
        write!(f, "{{rid 0x{:04x}", m.rid)?;
        if m.pv {
            write!(f, " pasid 0x{:x}", m.pasid)?;
        } else {
            f.write_str(" no-pasid")?;
        }
        write!(
            f,
            " {}{}{}{}{} prgi {} page 0x{:x}}}",
            if m.r { "R" } else { "-" },
            if m.w { "W" } else { "-" },
            if m.l { "L" } else { "-" },
            if m.exe { "X" } else { "-" },
            if m.priv_ { "P" } else { "-" },
            m.prgi,
            m.page
        )
    }
}

/// Compact rendering of a PRG response.
pub(crate) struct ShowRsp<'a>(pub &'a models::pcie::PrgResponse);

impl fmt::Display for ShowRsp<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r = self.0;
        write!(f, "{{rid 0x{:04x} prgi {} code 0x{:x}", r.rid, r.prgi, r.code.bits())?;
        if r.pv {
            write!(f, " pasid 0x{:x}}}", r.pasid)
        } else {
            f.write_str(" no-pasid}")
        }
    }
}
