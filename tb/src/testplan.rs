//! The test plan as data (`docs/testplan.toml`, embedded at build time): every rule, decision
//! and open point of the spec with the tests, checkers and coverage bins that judge it on RTL
//! runs, the planted bugs that must be caught naming it, or why it is not applicable.
//!
//! [`TestPlan::check`] holds it to the spec (`models::rules`), the test registry, the checkers'
//! evaluation counters and the coverage definitions of every flavor; `docs/testplan.md` is
//! [`TestPlan::markdown`]; the sign-off report takes applicability from it.

use crate::coverage::judges::{ASSERTS, CHECKS};
use crate::flavors;
use crate::report::waivers::glob_match;
use models::rules::{self, RuleId};
use serde::Deserialize;
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::sync::OnceLock;

/// The project's plan, as committed.
pub const SOURCE: &str = include_str!("../../docs/testplan.toml");

/// One ID of the plan.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub id: String,
    #[serde(default)]
    pub tests: Vec<String>,
    #[serde(default)]
    pub checkers: Vec<String>,
    /// `flavor:group.point.bin`, `*` for any run of characters.
    #[serde(default)]
    pub bins: Vec<String>,
    /// Planted RTL bugs (test functions of `tests/*_bug_injection.rs`).
    #[serde(default)]
    pub bugs: Vec<String>,
    pub not_applicable: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestPlan {
    pub id: Vec<Entry>,
}

/// A plan that is not valid TOML of the plan's shape; displayed on one line (the parser's
/// multi-line excerpt folded).
#[derive(Debug, thiserror::Error)]
#[error("test plan: {}", .0.to_string().split_whitespace().collect::<Vec<_>>().join(" "))]
pub struct PlanError(#[from] toml::de::Error);

impl TestPlan {
    /// Parse a plan; the error is one line.
    pub fn parse(text: &str) -> Result<TestPlan, PlanError> {
        Ok(toml::from_str(text)?)
    }

    /// The committed plan (parsed once; `cargo test` proves it parses and checks).
    pub fn project() -> &'static TestPlan {
        static PLAN: OnceLock<TestPlan> = OnceLock::new();
        PLAN.get_or_init(|| TestPlan::parse(SOURCE).unwrap_or_else(|e| panic!("docs/testplan.toml: {e}")))
    }

    pub fn entry(&self, id: &str) -> Option<&Entry> {
        self.id.iter().find(|e| e.id == id)
    }

    /// Why `id` is not applicable, if the plan says so.
    pub fn not_applicable(&self, id: &str) -> Option<&str> {
        self.entry(id).and_then(|e| e.not_applicable.as_deref())
    }

    /// Every disagreement with the spec, the registry, the checkers and the coverage
    /// definitions of every flavor, one line each (empty: the plan holds).
    pub fn check(&self) -> Vec<String> {
        let mut bad = Vec::new();
        let spec: Vec<RuleId> = rules::ALL.iter().chain(rules::OPEN_POINTS).map(|(r, _)| *r).collect();
        let mut seen = BTreeSet::new();
        for e in &self.id {
            if !seen.insert(e.id.as_str()) {
                bad.push(format!("{}: listed twice", e.id));
            }
            if RuleId::parse(&e.id).is_none() {
                bad.push(format!("{}: not an ID of the spec", e.id));
            }
        }
        for r in &spec {
            if !seen.contains(r.0) {
                bad.push(format!("{r}: in the spec, missing from the plan"));
            }
        }
        for e in self.id.iter().filter(|e| RuleId::parse(&e.id).is_some()) {
            check_entry(e, &mut bad);
        }
        bad
    }

    /// `docs/testplan.md`.
    pub fn markdown(&self) -> String {
        let mut s = String::new();
        s.push_str("# Test plan: rule → tests → judges\n\n");
        s.push_str("Generated from `docs/testplan.toml` by `iommu-tb testplan`; do not edit (a test compares the two).\n\n");
        s.push_str("Every rule, decision and open point of the specification, with what judges it on RTL runs: the\n");
        s.push_str("registered tests that exercise it (`iommu-tb list`), the protocol checkers that count their\n");
        s.push_str("evaluations of it (coverage bins `checks.<checker>.<ID>`), the functional coverage bins that sample\n");
        s.push_str("it, and the planted RTL bugs that must be caught naming it (`tests/*_bug_injection.rs`). Every\n");
        s.push_str("run is also judged by the strict lockstep scoreboard. An ID that nothing can judge on RTL runs is\n");
        s.push_str("not applicable, with the reason. The `rules` gate of `make regress` counts every applicable ID\n");
        s.push_str("(docs/report.md).\n\n");
        let na = self.id.iter().filter(|e| e.not_applicable.is_some()).count();
        let _ = writeln!(s, "{} IDs: {} applicable, {na} not applicable.\n", self.id.len(), self.id.len() - na);
        s.push_str("| ID | Tests | Checkers | Bins | Planted bugs |\n|---|---|---|---|---|\n");
        for e in self.id.iter().filter(|e| e.not_applicable.is_none()) {
            let list = |v: &[String]| v.join(", ");
            let _ = writeln!(s, "| {} | {} | {} | {} | {} |", e.id, list(&e.tests), list(&e.checkers), bins_cell(&e.bins), list(&e.bugs));
        }
        s.push_str("\n## Not applicable\n\n| ID | Why |\n|---|---|\n");
        for e in self.id.iter() {
            if let Some(why) = &e.not_applicable {
                let _ = writeln!(s, "| {} | {} |", e.id, why.replace('|', "\\|"));
            }
        }
        s
    }
}

/// Bins by flavor: `smmuv3: 12 bins (admission.msg.*, ...)`, patterns shown in full.
fn bins_cell(bins: &[String]) -> String {
    bins.iter().map(|b| format!("`{b}`")).collect::<Vec<_>>().join(", ")
}

fn check_entry(e: &Entry, bad: &mut Vec<String>) {
    let id = RuleId::parse(&e.id).expect("checked by the caller");
    let mut asserting = Vec::new();
    let mut counting = BTreeSet::new();
    let mut tagged = BTreeSet::new();
    for f in flavors::ALL {
        for t in f.tests() {
            if t.rules.contains(&id.0) || t.expect_failure == Some(id.0) {
                asserting.push(t.name);
            }
        }
        let def = f.coverage();
        for b in def.bins() {
            if !b.rules.contains(&id) {
                continue;
            }
            let group = &def.groups()[def.items()[b.item].group].name;
            match group.as_str() {
                CHECKS => {
                    counting.insert(def.items()[b.item].name.clone());
                }
                ASSERTS => {}
                _ => {
                    tagged.insert(format!("{}:{}", f.name(), b.full_name));
                }
            }
        }
    }
    if let Some(why) = &e.not_applicable {
        if why.trim().is_empty() {
            bad.push(format!("{id}: not_applicable needs a reason"));
        }
        if !(e.tests.is_empty() && e.checkers.is_empty() && e.bins.is_empty()) {
            bad.push(format!("{id}: not applicable, yet it names tests, checkers or bins"));
        }
        if !(asserting.is_empty() && counting.is_empty() && tagged.is_empty()) {
            bad.push(format!("{id}: not applicable, yet judged: tests {asserting:?}, checkers {counting:?}, bins {}", tagged.len()));
        }
        return;
    }
    if asserting.is_empty() && counting.is_empty() && tagged.is_empty() {
        bad.push(format!("{id}: applicable, but no test asserts it, no checker counts it and no bin carries it"));
    }
    for t in &e.tests {
        if flavors::find_test(None, t).is_err() {
            bad.push(format!("{id}: no registered test {t}"));
        }
    }
    for t in asserting {
        if !e.tests.iter().any(|x| x == t) {
            bad.push(format!("{id}: test {t} asserts it but is not listed"));
        }
    }
    let listed: BTreeSet<String> = e.checkers.iter().cloned().collect();
    if listed != counting {
        bad.push(format!("{id}: checkers {listed:?} listed, but {counting:?} count it"));
    }
    let mut matched = BTreeSet::new();
    for p in &e.bins {
        let m: Vec<&String> = all_bins().iter().filter(|b| glob_match(p, b)).collect();
        if m.is_empty() {
            bad.push(format!("{id}: bin pattern {p} matches no bin"));
        }
        matched.extend(m.into_iter().cloned());
    }
    for b in matched.symmetric_difference(&tagged) {
        let why = if tagged.contains(b) { "carries it but is not listed" } else { "is listed but does not carry it" };
        bad.push(format!("{id}: bin {b} {why}"));
    }
}

/// Every bin of every flavor's own coverage (not the generated judge groups), `flavor:name`.
fn all_bins() -> &'static [String] {
    static BINS: OnceLock<Vec<String>> = OnceLock::new();
    BINS.get_or_init(|| {
        let mut v = Vec::new();
        for f in flavors::ALL {
            let def = f.coverage();
            for b in def.bins() {
                let group = &def.groups()[def.items()[b.item].group].name;
                if group != CHECKS && group != ASSERTS {
                    v.push(format!("{}:{}", f.name(), b.full_name));
                }
            }
        }
        v
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plan_holds() {
        let bad = TestPlan::project().check();
        assert!(bad.is_empty(), "docs/testplan.toml:\n{}", bad.join("\n"));
    }

    #[test]
    fn testplan_md_is_generated_from_the_plan() {
        let md = include_str!("../../docs/testplan.md");
        assert!(
            md == TestPlan::project().markdown(),
            "docs/testplan.md is stale: run `cargo run --release -- testplan > docs/testplan.md`"
        );
    }

    fn broken(edit: impl Fn(&mut TestPlan)) -> Vec<String> {
        let mut p = TestPlan::project().clone();
        edit(&mut p);
        p.check()
    }

    #[test]
    fn the_check_catches_each_kind_of_drift() {
        let find = |p: &mut TestPlan, id: &str| p.id.iter().position(|e| e.id == id).unwrap();
        let has = |bad: &[String], s: &str| bad.iter().any(|b| b.contains(s));
        let bad = broken(|p| {
            let i = find(p, "PRI-7");
            p.id.remove(i);
        });
        assert!(has(&bad, "PRI-7: in the spec, missing from the plan"), "{bad:?}");
        let bad = broken(|p| p.id.push(Entry { id: "PRI-99".into(), not_applicable: Some("x".into()), ..Entry::default() }));
        assert!(has(&bad, "PRI-99: not an ID of the spec"), "{bad:?}");
        let bad = broken(|p| {
            let i = find(p, "SMMU-PRIQ-7");
            p.id[i].tests.push("no_such_test".into());
            p.id[i].checkers.push("no-such-checker".into());
            p.id[i].bins.push("smmuv3:no.such.bin".into());
        });
        assert!(has(&bad, "no registered test no_such_test"), "{bad:?}");
        assert!(has(&bad, "no-such-checker"), "{bad:?}");
        assert!(has(&bad, "bin pattern smmuv3:no.such.bin matches no bin"), "{bad:?}");
        // Judged IDs cannot be declared not applicable.
        let bad = broken(|p| {
            let i = find(p, "PRI-7");
            p.id[i] = Entry { id: "PRI-7".into(), not_applicable: Some("x".into()), ..Entry::default() };
        });
        assert!(has(&bad, "PRI-7: not applicable, yet judged"), "{bad:?}");
        // An applicable ID with nothing judging it.
        let bad = broken(|p| {
            let i = find(p, "PRI-1");
            p.id[i].not_applicable = None;
        });
        assert!(has(&bad, "PRI-1: applicable, but no test"), "{bad:?}");
    }

    #[test]
    fn bad_toml_is_one_line() {
        let e = TestPlan::parse("[[id]]\nid = 3\n").unwrap_err().to_string();
        assert!(!e.contains('\n') && e.starts_with("test plan:"), "{e}");
        let e = TestPlan::parse("[[id]]\nid = \"PRI-1\"\nbogus = 1\n").unwrap_err().to_string();
        assert!(e.contains("bogus"), "{e}");
    }
}
