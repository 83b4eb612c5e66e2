//! Bug injection helpers shared by the integration tests of both flavors: a copy of `rtl/` with
//! one textual mutation, and a run of a registered test on it that must fail.
//! Declared with `#[path = "common/mutants.rs"] mod mutants;` next to `mod common;`.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use tb::compare::CompareMode;
use tb::reset::ResetMode;
use tb::run::{self, RunOptions, Status};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A copy of `rtl/` with `from` replaced by `to` in `file` (which must hold `from` exactly once).
pub fn mutant(name: &str, file: &str, from: &str, to: &str) -> PathBuf {
    mutant_of("rtl", name, file, from, to)
}

/// A copy of the repository folder `tree` (`rtl`, `alt/smmuv3_priq`) with `from` replaced by
/// `to` in `file`, a path inside `tree` (which must hold `from` exactly once).
pub fn mutant_of(tree: &str, name: &str, file: &str, from: &str, to: &str) -> PathBuf {
    let leaf = Path::new(tree).file_name().expect("a folder name");
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("mutants").join(name).join(leaf);
    let _ = std::fs::remove_dir_all(&dir);
    copy_dir(&root().join(tree), &dir);
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.matches(from).count(), 1, "mutant {name}: the RTL text to replace must occur exactly once in {file}");
    std::fs::write(&path, text.replace(from, to)).unwrap();
    dir
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

/// The registered `test` on the RTL in `rtl` built under the RTL configuration `config`,
/// strict lockstep or checkers only, unreset flops starting from `reset`.
pub fn run_under(rtl: &Path, test: &str, config: &str, compare: CompareMode, reset: ResetMode) -> run::RunResult {
    let opts = RunOptions { rtl_dir: rtl.to_path_buf(), compare: Some(compare), reset, ..RunOptions::for_repo(&root()) };
    let def = tb::flavors::find_test(None, test).unwrap().1;
    let scenario = tb::scenario::Scenario { config: config.into(), ..(def.scenario)(1) };
    run::run(&scenario, &opts).unwrap_or_else(|e| panic!("{test}@{config} on {}: {e}", rtl.display()))
}

/// What a judge said of a planted bug: "RULE by JUDGE" (e.g. "SMMU-PRIQ-4 by lockstep",
/// "DEC-3 by checker PriResponseChecker"), or "not caught" when the run passed.
pub fn verdict(rtl: &Path, test: &str, config: &str, compare: CompareMode, reset: ResetMode) -> String {
    let r = run_under(rtl, test, config, compare, reset);
    if r.status == Status::Pass {
        eprintln!("{test}@{config} (compare {compare}, reset {}): passed", r.reset);
        return "not caught".into();
    }
    let failure = r.failure.as_deref().unwrap_or("");
    // MUTANT_VERBOSE=1 shows the whole failure report (mismatch context, recent transactions).
    let shown = if std::env::var_os("MUTANT_VERBOSE").is_some() { failure } else { failure.lines().next().unwrap_or("") };
    eprintln!("{test}@{config} (compare {compare}, reset {}): {shown}", r.reset);
    let judge = r.judge.map(|j| j.to_string()).unwrap_or_else(|| "no judge".into());
    format!("{} by {judge}", r.rule.as_deref().unwrap_or("no rule"))
}

/// The planted bug in `rtl` must be judged as stated by `test` under strict lockstep, under the
/// checkers alone and under ordered compare (the ordered judge first, the checkers with it);
/// each is "RULE by JUDGE" or "not caught". All runs happen before the assertion, so a failing
/// test reports all three. The README's table of planted bugs is checked against these calls
/// (`tests/planted_bug_table.rs`).
pub fn judged(rtl: &Path, test: &str, lockstep: &str, checkers_only: &str, ordered: &str) {
    judged_from(ResetMode::default(), rtl, test, lockstep, checkers_only, ordered)
}

/// [`judged`] with the RTL's unreset flops starting from `reset`.
pub fn judged_from(reset: ResetMode, rtl: &Path, test: &str, lockstep: &str, checkers_only: &str, ordered: &str) {
    judge_all(rtl, test, tb::config::DEFAULT, reset, [lockstep, checkers_only, ordered])
}

/// [`judged`] with the RTL built under the configuration `config` (rtl/configs.txt).
pub fn judged_under(config: &str, rtl: &Path, test: &str, lockstep: &str, checkers_only: &str, ordered: &str) {
    judge_all(rtl, test, config, ResetMode::default(), [lockstep, checkers_only, ordered])
}

fn judge_all(rtl: &Path, test: &str, config: &str, reset: ResetMode, want: [&str; 3]) {
    let got = [CompareMode::Lockstep, CompareMode::Checkers, CompareMode::Ordered].map(|m| verdict(rtl, test, config, m, reset));
    assert_eq!(got.each_ref().map(String::as_str), want, "{test}@{config}: (lockstep, checkers only, ordered) verdicts");
    assert_ne!(want[0], "not caught", "a planted bug must at least fail under lockstep");
}
