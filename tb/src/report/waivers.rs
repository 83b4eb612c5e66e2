//! Waivers: reviewed, owned exceptions for coverage holes.
//!
//! A waiver file is JSON (format and example in docs/report.md):
//!
//! ```json
//! { "waivers": [
//!     { "pattern": "SMMU-EVTQ-*", "reason": "event queue not in this release", "owner": "rtl-team",
//!       "expires": "2026-06-30" }
//! ] }
//! ```
//!
//! A pattern is a glob (`*` any run of characters, `?` one character, everything else literal,
//! the whole name must match) over hole names: rule IDs ("SMMU-PRIQ-7"), functional bins
//! ("group.point.bin") and code holes ("file:line metric detail"). Applying the waivers moves the
//! matching holes to "waived"; a waiver that matches no hole is stale; a waiver whose `expires`
//! date (last valid day, YYYY-MM-DD) is before the report date waives nothing and is listed as
//! expired.

use super::input::{ReportInput, RuleCoverage};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

/// One waiver as written in the file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Waiver {
    pub pattern: String,
    pub reason: String,
    pub owner: String,
    /// Last day the waiver is valid (YYYY-MM-DD).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WaiverFile {
    waivers: Vec<Waiver>,
}

/// A waiver file that cannot be used; every message is one line naming the file.
#[derive(Debug, thiserror::Error)]
pub enum WaiverError {
    #[error("cannot read waiver file {}: {source}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error("malformed waiver file {}:{line}:{column}: {msg}", path.display())]
    Malformed { path: PathBuf, line: usize, column: usize, msg: String },
    #[error("waiver file {}: waiver {index} (pattern '{pattern}'): {msg}", path.display())]
    Invalid { path: PathBuf, index: usize, pattern: String, msg: String },
}

/// Read and check a waiver file.
pub fn load_waivers(path: &Path) -> Result<Vec<Waiver>, WaiverError> {
    let text = std::fs::read_to_string(path).map_err(|source| WaiverError::Read { path: path.to_path_buf(), source })?;
    parse_waivers(&text, path)
}

/// Parse and check the text of a waiver file; `path` only names it in errors.
pub fn parse_waivers(text: &str, path: &Path) -> Result<Vec<Waiver>, WaiverError> {
    let file: WaiverFile = serde_json::from_str(text).map_err(|e| {
        // serde_json's message ends with " at line L column C"; the location goes up front.
        let msg = e.to_string();
        let msg = match msg.rfind(" at line ") {
            Some(i) => msg[..i].to_string(),
            None => msg,
        };
        WaiverError::Malformed { path: path.to_path_buf(), line: e.line(), column: e.column(), msg: one_line(&msg) }
    })?;
    for (i, w) in file.waivers.iter().enumerate() {
        let invalid = |msg: &str| WaiverError::Invalid {
            path: path.to_path_buf(),
            index: i + 1,
            pattern: one_line(&w.pattern),
            msg: msg.to_string(),
        };
        if w.pattern.trim().is_empty() {
            return Err(invalid("empty pattern"));
        }
        if w.reason.trim().is_empty() {
            return Err(invalid("missing reason (every waiver needs a reason)"));
        }
        if w.owner.trim().is_empty() {
            return Err(invalid("missing owner (every waiver needs an owner)"));
        }
        if let Some(d) = &w.expires {
            if !is_iso_date(d) {
                return Err(invalid(&format!("bad expires '{}': expected a date YYYY-MM-DD", one_line(d))));
            }
        }
    }
    Ok(file.waivers)
}

fn one_line(s: &str) -> String {
    s.split(['\n', '\r']).map(str::trim).collect::<Vec<_>>().join(" ")
}

/// `YYYY-MM-DD` with a month 01-12 and a day 01-31.
pub fn is_iso_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    if !(digits(0..4) && digits(5..7) && digits(8..10)) {
        return false;
    }
    let month: u32 = s[5..7].parse().unwrap_or(0);
    let day: u32 = s[8..10].parse().unwrap_or(0);
    (1..=12).contains(&month) && (1..=31).contains(&day)
}

/// The calendar day a report date starts with ("2025-03-01" or "2025-03-01T12:00:00Z"), if any.
pub fn report_day(date: &str) -> Option<&str> {
    date.get(..10).filter(|d| is_iso_date(d))
}

/// Glob match of a whole name: `*` any run of characters (also none), `?` exactly one.
pub fn glob_match(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    let (mut pi, mut ni) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        if pi < p.len() && (p[pi] == '?' || (p[pi] != '*' && p[pi] == n[ni])) {
            pi += 1;
            ni += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ni));
            pi += 1;
        } else if let Some((sp, sn)) = star {
            pi = sp + 1;
            ni = sn + 1;
            star = Some((sp, sn + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// What a hole is a hole in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HoleKind {
    /// An applicable rule not all of whose bins are hit (named by its rule ID).
    Rule,
    /// A functional coverage bin below its goal ("group.point.bin").
    Bin,
    /// An uncovered code coverage point ("file:line metric detail").
    Code,
}

impl HoleKind {
    pub fn label(self) -> &'static str {
        match self {
            HoleKind::Rule => "rule",
            HoleKind::Bin => "bin",
            HoleKind::Code => "code",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hole {
    pub kind: HoleKind,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaivedHole {
    pub kind: HoleKind,
    pub name: String,
    /// The first waiver (in file order) that matches it.
    pub pattern: String,
    pub reason: String,
    pub owner: String,
}

/// How one waiver fared.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WaiverState {
    /// Matches at least one hole.
    Applied,
    /// Matches no hole: the hole was closed or renamed; the waiver should go.
    Stale,
    /// Past its `expires` date: waives nothing.
    Expired,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaiverUse {
    #[serde(flatten)]
    pub waiver: Waiver,
    pub state: WaiverState,
    /// Holes the pattern matches (also those an earlier waiver already waived).
    pub matched: usize,
}

/// Coverage status of one applicable rule after waivers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleStatus {
    /// Every bin hit.
    Covered,
    /// Not every bin hit, but the rule or all its missing bins are waived.
    Waived,
    /// A hole remains (or the rule has no bins at all).
    Open,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleVerdict {
    pub rule: String,
    pub status: RuleStatus,
    pub bins_hit: u32,
    /// Missing bins that are waived (all missing bins when the rule ID itself is waived).
    pub bins_waived: u32,
    pub bins_total: u32,
}

/// The holes of a report after applying waivers.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WaiverOutcome {
    /// The waiver file, when one was given.
    pub file: Option<String>,
    pub waivers: Vec<WaiverUse>,
    /// Holes that remain, in report order: rules, then bins, then code points.
    pub open: Vec<Hole>,
    pub waived: Vec<WaivedHole>,
    /// Applicable rules, in input order.
    pub rules: Vec<RuleVerdict>,
    /// Code metric -> number of waived code holes of that metric (second word of the hole name).
    pub code_waived: BTreeMap<String, u64>,
}

impl WaiverOutcome {
    pub fn stale(&self) -> impl Iterator<Item = &WaiverUse> {
        self.waivers.iter().filter(|w| w.state == WaiverState::Stale)
    }
    pub fn expired(&self) -> impl Iterator<Item = &WaiverUse> {
        self.waivers.iter().filter(|w| w.state == WaiverState::Expired)
    }
    pub fn applied(&self) -> impl Iterator<Item = &WaiverUse> {
        self.waivers.iter().filter(|w| w.state == WaiverState::Applied)
    }
    pub fn stale_count(&self) -> usize {
        self.stale().count()
    }
    pub fn expired_count(&self) -> usize {
        self.expired().count()
    }
    pub fn verdict(&self, rule: &str) -> Option<&RuleVerdict> {
        self.rules.iter().find(|r| r.rule == rule)
    }
    /// The waiver of a hole, if it is waived.
    pub fn waiver_of(&self, kind: HoleKind, name: &str) -> Option<&WaivedHole> {
        self.waived.iter().find(|w| w.kind == kind && w.name == name)
    }
}

/// Metric of a code hole "file:line metric detail" (its second word).
pub fn code_hole_metric(hole: &str) -> Option<&str> {
    hole.split_whitespace().nth(1)
}

fn rule_is_complete(r: &RuleCoverage) -> bool {
    r.bins_total > 0 && r.bins_hit >= r.bins_total
}

/// Every hole of the report, before waivers: open rules, their missing bins (once each), code.
pub fn holes(input: &ReportInput) -> Vec<Hole> {
    let mut out = Vec::new();
    for r in input.functional.rules.iter().filter(|r| r.applicable) {
        if !rule_is_complete(r) {
            out.push(Hole { kind: HoleKind::Rule, name: r.rule.clone() });
        }
    }
    let mut seen = HashSet::new();
    for r in input.functional.rules.iter().filter(|r| r.applicable) {
        for b in &r.holes {
            if seen.insert(b.as_str()) {
                out.push(Hole { kind: HoleKind::Bin, name: b.clone() });
            }
        }
    }
    if let Some(code) = &input.code {
        let mut seen = HashSet::new();
        for h in &code.holes {
            if seen.insert(h.as_str()) {
                out.push(Hole { kind: HoleKind::Code, name: h.clone() });
            }
        }
    }
    out
}

/// Apply waivers (in file order; the first match waives a hole) to the holes of `input`.
/// `date` is the report date; a waiver with `expires` before its day (see [`report_day`]) is
/// expired. When `date` does not start with YYYY-MM-DD, expiry is not checked ([`super::write_report`]
/// refuses such a date when a waiver has `expires`).
pub fn apply_waivers(input: &ReportInput, waivers: &[Waiver], date: &str, file: Option<&Path>) -> WaiverOutcome {
    let day = report_day(date);
    let all = holes(input);
    let mut uses: Vec<WaiverUse> = waivers
        .iter()
        .map(|w| {
            let expired = matches!((day, &w.expires), (Some(d), Some(e)) if e.as_str() < d);
            WaiverUse { waiver: w.clone(), state: if expired { WaiverState::Expired } else { WaiverState::Stale }, matched: 0 }
        })
        .collect();
    // Bin -> the applicable rules listing it: a bin whose rules are all waived by rule ID is
    // waived with them.
    let mut bin_rules: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for r in input.functional.rules.iter().filter(|r| r.applicable) {
        for b in &r.holes {
            bin_rules.entry(b.as_str()).or_default().push(r.rule.as_str());
        }
    }
    let mut open = Vec::new();
    let mut waived: Vec<WaivedHole> = Vec::new();
    for h in all {
        let mut first: Option<usize> = None;
        for (i, u) in uses.iter_mut().enumerate() {
            if glob_match(&u.waiver.pattern, &h.name) {
                u.matched += 1;
                if u.state != WaiverState::Expired {
                    u.state = WaiverState::Applied;
                    first.get_or_insert(i);
                }
            }
        }
        match first {
            Some(i) => {
                let w = &uses[i].waiver;
                waived.push(WaivedHole {
                    kind: h.kind,
                    name: h.name,
                    pattern: w.pattern.clone(),
                    reason: w.reason.clone(),
                    owner: w.owner.clone(),
                });
            }
            None => {
                let by_rule = (h.kind == HoleKind::Bin)
                    .then(|| {
                        let rules = bin_rules.get(h.name.as_str())?;
                        let ws: Vec<&WaivedHole> = rules
                            .iter()
                            .map(|r| waived.iter().find(|w| w.kind == HoleKind::Rule && w.name == *r))
                            .collect::<Option<_>>()?;
                        ws.first().map(|w| (*w).clone())
                    })
                    .flatten();
                match by_rule {
                    Some(w) => waived.push(WaivedHole { kind: HoleKind::Bin, name: h.name, ..w }),
                    None => open.push(h),
                }
            }
        }
    }

    let waived_bins: HashSet<&str> = waived.iter().filter(|w| w.kind == HoleKind::Bin).map(|w| w.name.as_str()).collect();
    let waived_rules: HashSet<&str> = waived.iter().filter(|w| w.kind == HoleKind::Rule).map(|w| w.name.as_str()).collect();
    let rules = input
        .functional
        .rules
        .iter()
        .filter(|r| r.applicable)
        .map(|r| {
            let missing = r.bins_total.saturating_sub(r.bins_hit);
            let (status, bins_waived) = if rule_is_complete(r) {
                (RuleStatus::Covered, 0)
            } else if waived_rules.contains(r.rule.as_str()) {
                (RuleStatus::Waived, missing)
            } else {
                let mut uniq = HashSet::new();
                let listed: Vec<&str> = r.holes.iter().map(String::as_str).filter(|h| uniq.insert(*h)).collect();
                let n = listed.iter().filter(|h| waived_bins.contains(**h)).count() as u32;
                let n = n.min(missing);
                let all_waived = r.bins_total > 0 && !listed.is_empty() && n as usize == listed.len() && n >= missing;
                (if all_waived { RuleStatus::Waived } else { RuleStatus::Open }, n)
            };
            RuleVerdict { rule: r.rule.clone(), status, bins_hit: r.bins_hit, bins_waived, bins_total: r.bins_total }
        })
        .collect();

    let mut code_waived = BTreeMap::new();
    for w in waived.iter().filter(|w| w.kind == HoleKind::Code) {
        if let Some(m) = code_hole_metric(&w.name) {
            *code_waived.entry(m.to_string()).or_insert(0) += 1;
        }
    }

    WaiverOutcome { file: file.map(|p| p.display().to_string()), waivers: uses, open, waived, rules, code_waived }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match("SMMU-EVTQ-*", "SMMU-EVTQ-12"));
        assert!(!glob_match("SMMU-EVTQ-*", "SMMU-PRIQ-1"));
        assert!(glob_match("*", ""));
        assert!(glob_match("a?c", "abc"));
        assert!(!glob_match("a?c", "ac"));
        assert!(glob_match("*.overflow.*", "priq.overflow.set"));
        assert!(glob_match("rtl/*:1? toggle *", "rtl/smmuv3/priq.sv:12 toggle x[3]"));
        assert!(!glob_match("abc", "abcd"));
        assert!(glob_match("a*b*c", "aXbYbZc"));
        assert!(!glob_match("a*b*c", "aXbYbZ"));
        assert!(glob_match("é?", "éü"));
    }

    #[test]
    fn dates() {
        assert!(is_iso_date("2025-12-31"));
        assert!(!is_iso_date("2025-13-01"));
        assert!(!is_iso_date("2025-1-01"));
        assert_eq!(report_day("2025-03-01T10:00:00Z"), Some("2025-03-01"));
        assert_eq!(report_day("today"), None);
    }
}
