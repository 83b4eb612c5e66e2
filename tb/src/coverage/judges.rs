//! Coverage of the judges themselves, generated into every flavor's definition:
//!
//! - `checks.<checker>.<RULE>`: how many times a protocol checker evaluated that rule on a run
//!   (its [`Evaluations`]), one point per checker that counts, one bin per rule it judges;
//! - `asserts.passed.<RULE>`: runs that passed of a registered test asserting that rule (its
//!   `rules` in the registry).
//!
//! So a rule a checker judges is covered only once the checker has checked it, and a rule only a
//! test's own assertions judge is covered only once such a test passed. Both are recorded once
//! per run, at its end, from counters kept during the run: nothing per cycle.

use super::data::CoverData;
use super::def::{BinId, BinInfo, CoverDef, GroupInfo, ItemInfo};
use super::ids::Match;
use crate::checkers::{self, Checker, Evaluations};
use crate::registry::TestDef;
use models::rules::RuleId;

/// Is this group generated here (not a flavor's own)?
pub fn is_generated(group: &str) -> bool {
    group == CHECKS || group == ASSERTS
}

/// Group of the checker evaluation bins.
pub const CHECKS: &str = "checks";
/// Group of the passed-assertion bins, and its one point.
pub const ASSERTS: &str = "asserts";
const PASSED: &str = "passed";

/// A flavor's judges: each counting checker with the rules it judges, and the rules its tests
/// assert.
#[derive(Clone, Debug, Default)]
pub struct Judges {
    pub checkers: Vec<(&'static str, &'static [RuleId])>,
    pub asserted: Vec<RuleId>,
}

impl Judges {
    /// The judges of a flavor with these checkers and tests, plus the PCIe PRI checkers every
    /// run with traffic adds and the host-path checkers (`run`). A test rule that is no spec ID panics: the registry is
    /// static, so every test of the flavor shows it.
    pub fn of(flavor_checkers: Vec<Box<dyn Checker>>, tests: &[TestDef]) -> Judges {
        let pri = checkers::pri::pri_checkers(&checkers::pri::PriConfig::default());
        let host = crate::host_paths::checkers::checkers(Default::default(), true, true);
        let checkers = flavor_checkers
            .iter()
            .chain(&pri)
            .chain(&host)
            .map(|c| (c.name(), c.evaluations().rules()))
            .filter(|(_, rules)| !rules.is_empty())
            .collect();
        let mut asserted: Vec<RuleId> = tests
            .iter()
            .flat_map(|t| t.rules.iter().chain(t.expect_failure.as_ref()))
            .map(|r| RuleId::parse(r).unwrap_or_else(|| panic!("a registered test asserts {r}, which is no spec ID")))
            .collect();
        asserted.sort();
        asserted.dedup();
        Judges { checkers, asserted }
    }
}

impl CoverDef {
    /// Add the generated groups of `judges` (before the fingerprint is taken).
    pub(crate) fn add_judges(&mut self, judges: &Judges) {
        let checks: Vec<(String, Vec<RuleId>)> = judges.checkers.iter().map(|(n, r)| (n.to_string(), r.to_vec())).collect();
        self.add_generated_group(CHECKS, &checks);
        self.add_generated_group(ASSERTS, &[(PASSED.to_string(), judges.asserted.clone())]);
    }

    /// A group of event bins, one point per entry, one bin per rule named by the rule ID, with
    /// weight 0 (judge evidence feeds the rules, not the group percentages). Empty points are left out.
    fn add_generated_group(&mut self, group: &str, points: &[(String, Vec<RuleId>)]) {
        if points.iter().all(|(_, r)| r.is_empty()) {
            return;
        }
        let g = self.groups.len();
        self.groups.push(GroupInfo { name: group.to_string(), goal: 100.0, weight: 0, items: Vec::new() });
        for (point, rules) in points.iter().filter(|(_, r)| !r.is_empty()) {
            let item = self.items.len();
            let first = self.bins.len() as u32;
            for r in rules {
                self.bins.push(BinInfo {
                    full_name: format!("{group}.{point}.{r}"),
                    name: r.to_string(),
                    rules: vec![*r],
                    at_least: 1,
                    weight: 1,
                    item,
                    matcher: Match::Event,
                });
            }
            self.items.push(ItemInfo { name: point.clone(), group: g, weight: 0, first, len: rules.len() as u32, cross: None });
            self.groups[g].items.push(item);
        }
    }

    /// The bin `group.point.rule` of a generated group.
    fn generated_bin(&self, group: &str, point: &str, rule: RuleId) -> Option<BinId> {
        let g = self.groups.iter().find(|g| g.name == group)?;
        let item = g.items.iter().copied().find(|&i| self.items[i].name == point)?;
        let it = &self.items[item];
        (it.first..it.first + it.len).find(|&b| self.bins[b as usize].rules[0] == rule).map(BinId)
    }

    /// The bin counting `checker`'s evaluations of `rule`.
    pub fn checker_bin(&self, checker: &str, rule: RuleId) -> Option<BinId> {
        self.generated_bin(CHECKS, checker, rule)
    }

    /// The bin counting passed runs of tests asserting `rule`.
    pub fn asserted_bin(&self, rule: RuleId) -> Option<BinId> {
        self.generated_bin(ASSERTS, PASSED, rule)
    }

    /// Add one checker's evaluations of a run to the run's counters. A counted rule without a bin
    /// is a checker missing from the flavor's judges: a bug, so it panics.
    pub fn record_evaluations(&self, data: &mut CoverData, checker: &str, evals: &Evaluations) {
        for (rule, n) in evals.iter() {
            let b = self.checker_bin(checker, rule).unwrap_or_else(|| panic!("{}: no bin {CHECKS}.{checker}.{rule}", self.name));
            data.add(b, n);
        }
    }

    /// A run of a test asserting `rules` passed.
    pub fn record_passed(&self, data: &mut CoverData, rules: &[&str]) {
        for rule in rules.iter().filter_map(|r| RuleId::parse(r)) {
            if let Some(b) = self.asserted_bin(rule) {
                data.hit(b);
            }
        }
    }
}
