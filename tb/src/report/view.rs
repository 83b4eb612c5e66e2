//! Figures the report shows, computed once from the report input and the waiver outcome.

use super::doc::Bar;
use super::input::{ReportInput, RunSummary};
use super::waivers::WaiverOutcome;
use std::collections::BTreeMap;

/// Runs of one (flavor, test) over its seeds.
pub struct TestRow {
    pub flavor: String,
    pub test: String,
    pub runs: u64,
    pub passed: u64,
    pub failed: u64,
    pub cycles: u64,
    pub wall_s: f64,
}

pub struct View<'a> {
    pub tests: Vec<TestRow>,
    pub runs: u64,
    pub passed: u64,
    pub failures: Vec<&'a RunSummary>,
    /// Functional coverage by rule family (applicable rules only).
    pub families: Vec<Bar>,
    /// Code coverage by metric (empty without code coverage).
    pub metrics: Vec<Bar>,
    /// Code metrics present in any file, for the per-file table's columns.
    pub file_metrics: Vec<String>,
}

/// Family of a rule ID: the ID without its trailing "-number" ("SMMU-PRIQ-7" -> "SMMU-PRIQ").
pub fn rule_family(rule: &str) -> &str {
    match rule.rsplit_once('-') {
        Some((head, tail)) if !head.is_empty() && !tail.is_empty() && tail.bytes().all(|b| b.is_ascii_digit()) => head,
        _ => rule,
    }
}

impl<'a> View<'a> {
    pub fn new(input: &'a ReportInput, w: &WaiverOutcome) -> View<'a> {
        let mut by_test: BTreeMap<(&str, String), TestRow> = BTreeMap::new();
        for r in &input.runs {
            let row = by_test.entry((&r.flavor, r.label())).or_insert_with(|| TestRow {
                flavor: r.flavor.clone(),
                test: r.label(),
                runs: 0,
                passed: 0,
                failed: 0,
                cycles: 0,
                wall_s: 0.0,
            });
            row.runs += 1;
            if r.status == "pass" {
                row.passed += 1;
            } else {
                row.failed += 1;
            }
            row.cycles += r.cycles;
            if r.wall_s.is_finite() && r.wall_s > 0.0 {
                row.wall_s += r.wall_s;
            }
        }
        let runs = input.runs.len() as u64;
        let passed = input.runs.iter().filter(|r| r.status == "pass").count() as u64;
        let mut failures: Vec<&RunSummary> = input.runs.iter().filter(|r| r.status != "pass").collect();
        failures.sort_by(|a, b| (&a.flavor, &a.test, &a.config, a.seed).cmp(&(&b.flavor, &b.test, &b.config, b.seed)));

        let mut fam: BTreeMap<String, Bar> = BTreeMap::new();
        for v in &w.rules {
            let f = rule_family(&v.rule).to_string();
            let bar = fam.entry(f.clone()).or_insert(Bar { label: f, hit: 0, waived: 0, total: 0 });
            bar.hit += v.bins_hit.min(v.bins_total) as u64;
            bar.waived += v.bins_waived as u64;
            bar.total += v.bins_total as u64;
        }

        let mut metrics = Vec::new();
        let mut file_metrics = Vec::new();
        if let Some(code) = &input.code {
            for (m, (c, t)) in &code.totals {
                let waived = w.code_waived.get(m).copied().unwrap_or(0).min(t.saturating_sub(*c));
                metrics.push(Bar { label: m.clone(), hit: (*c).min(*t), waived, total: *t });
            }
            let mut all: Vec<String> = code.files.iter().flat_map(|f| f.metrics.keys().cloned()).collect();
            all.sort();
            all.dedup();
            file_metrics = all;
        }

        View {
            tests: by_test.into_values().collect(),
            runs,
            passed,
            failures,
            families: fam.into_values().collect(),
            metrics,
            file_metrics,
        }
    }
}

/// Cycles per second, short ("1.47M"), or "-" without time.
pub fn rate(cycles: u64, wall_s: f64) -> String {
    if wall_s.is_nan() || wall_s <= 0.0 {
        return "-".to_string();
    }
    let r = cycles as f64 / wall_s;
    if r >= 1e6 {
        format!("{:.2}M", r / 1e6)
    } else if r >= 1e3 {
        format!("{:.1}k", r / 1e3)
    } else {
        format!("{r:.0}")
    }
}

/// A gate's measured value for display.
pub fn gate_value(gate: &super::gates::GateResult) -> String {
    match gate.value {
        None => "no data".to_string(),
        Some(v) if gate.gate.starts_with("no-") => format!("{v:.0}"),
        Some(v) => format!("{v:.1}%"),
    }
}

/// A gate's threshold for display.
pub fn gate_threshold(gate: &super::gates::GateResult) -> String {
    if gate.gate.starts_with("no-") {
        "0".to_string()
    } else {
        format!(">= {}%", gate.threshold)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families() {
        assert_eq!(rule_family("SMMU-PRIQ-7"), "SMMU-PRIQ");
        assert_eq!(rule_family("PRI-4"), "PRI");
        assert_eq!(rule_family("DEC-12"), "DEC");
        assert_eq!(rule_family("HOST"), "HOST");
        assert_eq!(rule_family("A-B"), "A-B");
        assert_eq!(rule_family("-3"), "-3");
    }
}
