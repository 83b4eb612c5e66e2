//! Sign-off gates: thresholds the report's verdict is judged by.
//!
//! Syntax (one gate per string, or several joined by commas in [`parse_gates`]):
//!
//! | gate | value |
//! |---|---|
//! | `pass-rate=P` | percent of runs (tests x seeds) that passed |
//! | `rules=P` | percent of applicable IDs (rules, decisions, open points: docs/testplan.toml) with bins, every one hit, or waived |
//! | `functional=P` | percent of the bins of applicable rules hit or waived (counted per rule) |
//! | `line=P`, `toggle=P`, `branch=P`, `expr=P`, `user=P`, `fsm=P` | code coverage of that metric, waived points counted as covered |
//! | `code=P` | code coverage over all metrics together |
//! | `no-stale-waivers` | every waiver matches a hole |
//! | `no-expired-waivers` | no waiver is past its date |
//!
//! P is a number from 0 to 100, an optional `%` after it. A gate whose data is missing (a
//! code gate without code coverage, `pass-rate` without runs) fails with a message saying so.

use super::input::ReportInput;
use super::waivers::{RuleStatus, WaiverOutcome};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The code coverage metrics a gate may name.
pub const CODE_METRICS: &[&str] = &["line", "toggle", "branch", "expr", "user", "fsm"];

#[derive(Clone, Debug, PartialEq)]
pub enum Gate {
    PassRate(f64),
    Rules(f64),
    Functional(f64),
    /// One code metric (from [`CODE_METRICS`]), or `None` for all metrics together (`code=P`).
    Code {
        metric: Option<String>,
        min: f64,
    },
    NoStaleWaivers,
    NoExpiredWaivers,
}

/// An unknown gate or a bad threshold; the message is one line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GateError {
    #[error("unknown gate '{0}': expected pass-rate=P, rules=P, functional=P, code=P, line=P, toggle=P, branch=P, expr=P, user=P, fsm=P, no-stale-waivers or no-expired-waivers")]
    Unknown(String),
    #[error("bad gate '{0}': the threshold must be a number from 0 to 100")]
    BadNumber(String),
    #[error("bad gate '{0}': '{1}' takes no threshold")]
    NoThreshold(String, String),
    #[error("bad gate '{0}': '{1}' needs a threshold, like {1}=90")]
    NeedsThreshold(String, String),
}

impl Gate {
    pub fn parse(spec: &str) -> Result<Gate, GateError> {
        let s = spec.trim();
        let (name, value) = match s.split_once('=') {
            Some((n, v)) => (n.trim(), Some(v.trim())),
            None => (s, None),
        };
        let flag = |g: Gate| match value {
            None => Ok(g),
            Some(_) => Err(GateError::NoThreshold(s.to_string(), name.to_string())),
        };
        let known_threshold = matches!(name, "pass-rate" | "rules" | "functional" | "code") || CODE_METRICS.contains(&name);
        match name {
            "no-stale-waivers" => return flag(Gate::NoStaleWaivers),
            "no-expired-waivers" => return flag(Gate::NoExpiredWaivers),
            _ if !known_threshold => return Err(GateError::Unknown(s.to_string())),
            _ => {}
        }
        let Some(v) = value else {
            return Err(GateError::NeedsThreshold(s.to_string(), name.to_string()));
        };
        let v = v.strip_suffix('%').unwrap_or(v).trim();
        let p: f64 = v.parse().map_err(|_| GateError::BadNumber(s.to_string()))?;
        if !p.is_finite() || !(0.0..=100.0).contains(&p) {
            return Err(GateError::BadNumber(s.to_string()));
        }
        Ok(match name {
            "pass-rate" => Gate::PassRate(p),
            "rules" => Gate::Rules(p),
            "functional" => Gate::Functional(p),
            "code" => Gate::Code { metric: None, min: p },
            m => Gate::Code { metric: Some(m.to_string()), min: p },
        })
    }

    /// The threshold in percent (0 for the waiver gates: the count must be 0).
    pub fn threshold(&self) -> f64 {
        match self {
            Gate::PassRate(p) | Gate::Rules(p) | Gate::Functional(p) => *p,
            Gate::Code { min, .. } => *min,
            Gate::NoStaleWaivers | Gate::NoExpiredWaivers => 0.0,
        }
    }
}

/// Parse a list of gates separated by commas (or whitespace): "pass-rate=100,rules=100,line=90".
pub fn parse_gates(spec: &str) -> Result<Vec<Gate>, GateError> {
    spec.split(|c: char| c == ',' || c.is_whitespace()).filter(|s| !s.is_empty()).map(Gate::parse).collect()
}

/// The gates used when none are given: every run passes.
pub fn default_gates() -> Vec<Gate> {
    vec![Gate::PassRate(100.0)]
}

impl FromStr for Gate {
    type Err = GateError;
    fn from_str(s: &str) -> Result<Gate, GateError> {
        Gate::parse(s)
    }
}

impl fmt::Display for Gate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Gate::PassRate(p) => write!(f, "pass-rate={p}"),
            Gate::Rules(p) => write!(f, "rules={p}"),
            Gate::Functional(p) => write!(f, "functional={p}"),
            Gate::Code { metric: None, min } => write!(f, "code={min}"),
            Gate::Code { metric: Some(m), min } => write!(f, "{m}={min}"),
            Gate::NoStaleWaivers => f.write_str("no-stale-waivers"),
            Gate::NoExpiredWaivers => f.write_str("no-expired-waivers"),
        }
    }
}

/// One gate, judged.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GateResult {
    /// The gate as written (canonical form), e.g. "line=90".
    pub gate: String,
    /// Measured value: percent, or a count for the waiver gates; `None` when there is no data.
    pub value: Option<f64>,
    pub threshold: f64,
    pub ok: bool,
    /// What was measured, e.g. "1180/1200 points (12 waived)", or why there is no value.
    pub detail: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct GateOutcome {
    /// All gates ok (true when there are no gates).
    pub passed: bool,
    pub results: Vec<GateResult>,
}

/// `num / den` in percent meets `min` (with a little slack for decimal thresholds).
fn meets(num: f64, den: f64, min: f64) -> bool {
    num * 100.0 >= min * den - 1e-9 * den.max(1.0)
}

fn pct(num: f64, den: f64) -> f64 {
    if den > 0.0 {
        100.0 * num / den
    } else {
        0.0
    }
}

/// Judge every gate against the report and its waivers.
pub fn evaluate(input: &ReportInput, waivers: &WaiverOutcome, gates: &[Gate]) -> GateOutcome {
    let results: Vec<GateResult> = gates.iter().map(|g| judge(input, waivers, g)).collect();
    GateOutcome { passed: results.iter().all(|r| r.ok), results }
}

fn ratio(gate: &Gate, num: u64, den: u64, detail: String, empty: &str) -> GateResult {
    let min = gate.threshold();
    if den == 0 {
        return GateResult { gate: gate.to_string(), value: None, threshold: min, ok: false, detail: empty.to_string() };
    }
    let (n, d) = (num as f64, den as f64);
    GateResult { gate: gate.to_string(), value: Some(pct(n, d)), threshold: min, ok: meets(n, d, min), detail }
}

fn judge(input: &ReportInput, w: &WaiverOutcome, gate: &Gate) -> GateResult {
    match gate {
        Gate::PassRate(_) => {
            let total = input.runs.len() as u64;
            let passed = input.runs.iter().filter(|r| r.status == "pass").count() as u64;
            ratio(gate, passed, total, format!("{passed}/{total} runs passed"), "no runs: nothing to judge the pass rate by")
        }
        Gate::Rules(_) => {
            let total = w.rules.len() as u64;
            let covered = w.rules.iter().filter(|r| r.status == RuleStatus::Covered).count() as u64;
            let waived = w.rules.iter().filter(|r| r.status == RuleStatus::Waived).count() as u64;
            let all = input.functional.rules.len();
            let na = input.functional.rules.iter().filter(|r| !r.applicable).count();
            ratio(
                gate,
                covered + waived,
                total,
                format!("{}/{total} applicable IDs covered ({waived} by waivers); {na} of all {all} IDs not applicable", covered + waived),
                "no applicable rules: no functional coverage data",
            )
        }
        Gate::Functional(_) => {
            let total: u64 = w.rules.iter().map(|r| r.bins_total as u64).sum();
            let hit: u64 = w.rules.iter().map(|r| r.bins_hit.min(r.bins_total) as u64).sum();
            let waived: u64 = w.rules.iter().map(|r| r.bins_waived as u64).sum();
            let closed = (hit + waived).min(total);
            ratio(
                gate,
                closed,
                total,
                format!("{closed}/{total} bins of applicable rules hit or waived ({waived} waived)"),
                "no bins in applicable rules: no functional coverage data",
            )
        }
        Gate::Code { metric, .. } => {
            let Some(code) = &input.code else {
                return GateResult {
                    gate: gate.to_string(),
                    value: None,
                    threshold: gate.threshold(),
                    ok: false,
                    detail: "no code coverage data (run the regression with the coverage build)".to_string(),
                };
            };
            let (covered, total, waived) = match metric {
                Some(m) => {
                    let (c, t) = code.totals.get(m).copied().unwrap_or((0, 0));
                    (c, t, w.code_waived.get(m).copied().unwrap_or(0))
                }
                None => code
                    .totals
                    .iter()
                    .fold((0, 0, 0), |(c, t, x), (m, (mc, mt))| (c + mc, t + mt, x + w.code_waived.get(m).copied().unwrap_or(0))),
            };
            let closed = (covered + waived).min(total);
            let what = metric.as_deref().unwrap_or("code");
            ratio(
                gate,
                closed,
                total,
                format!("{closed}/{total} {what} points covered or waived ({waived} waived)"),
                &format!("no {what} coverage points in the code coverage data"),
            )
        }
        Gate::NoStaleWaivers => {
            let n = w.stale_count();
            GateResult { gate: gate.to_string(), value: Some(n as f64), threshold: 0.0, ok: n == 0, detail: format!("{n} stale waivers") }
        }
        Gate::NoExpiredWaivers => {
            let n = w.expired_count();
            GateResult { gate: gate.to_string(), value: Some(n as f64), threshold: 0.0, ok: n == 0, detail: format!("{n} expired waivers") }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_round_trip() {
        for s in
            ["pass-rate=100", "rules=100", "functional=95.5", "line=90", "toggle=80", "code=70", "no-stale-waivers", "no-expired-waivers"]
        {
            assert_eq!(Gate::parse(s).unwrap().to_string(), s);
        }
        assert_eq!(Gate::parse(" branch = 75% ").unwrap(), Gate::Code { metric: Some("branch".into()), min: 75.0 });
        assert_eq!(parse_gates("pass-rate=100, line=90").unwrap().len(), 2);
    }

    #[test]
    fn parse_errors_are_one_line() {
        for s in ["bogus=3", "line=abc", "line=101", "line=-1", "line=NaN", "line", "no-stale-waivers=1", "line=inf"] {
            let e = Gate::parse(s).unwrap_err().to_string();
            assert!(!e.contains('\n'), "{e}");
            assert!(e.contains(s.trim()), "{e}");
        }
        assert!(matches!(Gate::parse("bogus=3"), Err(GateError::Unknown(_))));
        assert!(matches!(Gate::parse("line=x"), Err(GateError::BadNumber(_))));
    }
}
