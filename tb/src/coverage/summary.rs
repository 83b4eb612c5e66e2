//! What counters mean: weighted percent per group against its goal, holes (bins below their
//! `at_least`), the per-rule summary, and the report's `FunctionalSummary`.

use super::data::CoverData;
use super::def::{BinInfo, CoverDef, GroupId};
use super::CoverError;
use crate::report::input::{FunctionalSummary, GroupCoverage, RuleCoverage};
use crate::testplan::TestPlan;
use models::rules::{self, RuleId};

impl CoverDef {
    fn covered(&self, data: &CoverData, i: usize) -> bool {
        data.counts()[i] >= self.bins[i].at_least
    }

    /// Percent of one point or cross: bin weights of covered bins over all bin weights. `None`
    /// when no bin has a weight.
    fn item_percent(&self, data: &CoverData, item: usize) -> Option<f64> {
        let it = &self.items[item];
        let range = it.first as usize..(it.first + it.len) as usize;
        let total: u64 = self.bins[range.clone()].iter().map(|b| u64::from(b.weight)).sum();
        if total == 0 {
            return None;
        }
        let hit: u64 = range.filter(|&i| self.covered(data, i)).map(|i| u64::from(self.bins[i].weight)).sum();
        Some(100.0 * hit as f64 / total as f64)
    }

    /// Weighted percent of a group (0-100): item percents weighted by item weights. A group with
    /// nothing weighted is 100 (nothing to cover).
    pub fn group_percent(&self, data: &CoverData, g: GroupId) -> Result<f64, CoverError> {
        data.check(self)?;
        Ok(self.group_percent_unchecked(data, g.0 as usize))
    }

    fn group_percent_unchecked(&self, data: &CoverData, g: usize) -> f64 {
        let (mut num, mut den) = (0.0, 0.0);
        for &i in &self.groups[g].items {
            let w = f64::from(self.items[i].weight);
            if w == 0.0 {
                continue;
            }
            if let Some(p) = self.item_percent(data, i) {
                num += w * p;
                den += w;
            }
        }
        if den == 0.0 {
            100.0
        } else {
            num / den
        }
    }

    /// Every group of the flavor's own with its percent and goal, in definition order (the
    /// generated judge groups feed the rules only).
    pub fn group_coverage(&self, data: &CoverData) -> Result<Vec<GroupCoverage>, CoverError> {
        data.check(self)?;
        Ok(self
            .groups
            .iter()
            .enumerate()
            .filter(|(_, info)| !super::judges::is_generated(&info.name))
            .map(|(g, info)| GroupCoverage {
                name: format!("{}.{}", self.name, info.name),
                percent: self.group_percent_unchecked(data, g),
                goal: info.goal,
            })
            .collect())
    }

    /// Total percent over groups, weighted by group weights.
    pub fn total_percent(&self, data: &CoverData) -> Result<f64, CoverError> {
        data.check(self)?;
        let (mut num, mut den) = (0.0, 0.0);
        for (g, info) in self.groups.iter().enumerate() {
            let w = f64::from(info.weight);
            num += w * self.group_percent_unchecked(data, g);
            den += w;
        }
        Ok(if den == 0.0 { 100.0 } else { num / den })
    }

    /// Names (`group.point.bin`) of the bins below their `at_least`, in definition order.
    pub fn holes(&self, data: &CoverData) -> Result<Vec<String>, CoverError> {
        data.check(self)?;
        Ok((0..self.bins.len()).filter(|&i| !self.covered(data, i)).map(|i| self.bins[i].full_name.clone()).collect())
    }

    /// The bins that evidence `rule`.
    pub fn rule_bins(&self, rule: RuleId) -> impl Iterator<Item = (usize, &BinInfo)> {
        self.bins.iter().enumerate().filter(move |(_, b)| b.rules.contains(&rule))
    }

    /// Every rule some bin evidences, sorted.
    pub fn rules(&self) -> Vec<RuleId> {
        let mut r: Vec<RuleId> = self.bins.iter().flat_map(|b| b.rules.iter().copied()).collect();
        r.sort();
        r.dedup();
        r
    }
}

/// The report's functional section over one or more flavors' definitions and their (merged)
/// data. Every ID of the spec (`models::rules::ALL`, then the open points) is listed, in spec
/// order: not applicable when `plan` says so (with its reason), else applicable and judged by
/// every bin that carries it (none: a hole). IDs named by bins but missing from the spec follow
/// at the end.
pub fn functional_summary(parts: &[(&CoverDef, &CoverData)], plan: &TestPlan) -> Result<FunctionalSummary, CoverError> {
    let mut groups = Vec::new();
    for (def, data) in parts {
        groups.extend(def.group_coverage(data)?);
    }
    let mut ids: Vec<(RuleId, &str)> = rules::ALL.iter().chain(rules::OPEN_POINTS).map(|(id, s)| (*id, *s)).collect();
    for (def, _) in parts {
        for r in def.rules() {
            if !ids.iter().any(|(id, _)| *id == r) {
                ids.push((r, ""));
            }
        }
    }
    let rules = ids
        .into_iter()
        .map(|(id, summary)| {
            let not_applicable = plan.not_applicable(id.0).map(str::to_string);
            let mut rc = RuleCoverage {
                rule: id.to_string(),
                summary: summary.to_string(),
                applicable: not_applicable.is_none(),
                not_applicable,
                ..RuleCoverage::default()
            };
            for (def, data) in parts {
                for (i, b) in def.rule_bins(id) {
                    rc.bins_total += 1;
                    if def.covered(data, i) {
                        rc.bins_hit += 1;
                    } else {
                        rc.holes.push(b.full_name.clone());
                    }
                }
            }
            rc
        })
        .collect();
    Ok(FunctionalSummary { groups, rules })
}
