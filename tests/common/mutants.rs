//! Bug injection helpers shared by the integration tests of both flavors: a copy of `rtl/` with
//! one textual mutation, and a run of a registered test on it that must fail.
//! Declared with `#[path = "common/mutants.rs"] mod mutants;` next to `mod common;`.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use tb::run::{self, RunOptions, Status};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A copy of `rtl/` with `from` replaced by `to` in `file` (which must hold `from` exactly once).
pub fn mutant(name: &str, file: &str, from: &str, to: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("mutants").join(name).join("rtl");
    let _ = std::fs::remove_dir_all(&dir);
    copy_dir(&root().join("rtl"), &dir);
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

/// Run the registered `test` (of either flavor; names are unique across flavors) on the RTL in
/// `rtl`, strict lockstep or checkers only; it must fail. Returns the rule the failure names.
pub fn failing_rule(rtl: &Path, test: &str, lockstep: bool) -> String {
    failing_rule_under(rtl, test, tb::config::DEFAULT, lockstep)
}

/// The registered `test` on the RTL in `rtl` built under the RTL configuration `config`.
pub fn run_under(rtl: &Path, test: &str, config: &str, lockstep: bool) -> run::RunResult {
    let opts = RunOptions { rtl_dir: rtl.to_path_buf(), lockstep, ..RunOptions::for_repo(&root()) };
    let def = tb::flavors::find_test(None, test).unwrap().1;
    let scenario = tb::scenario::Scenario { config: config.into(), ..(def.scenario)(1) };
    run::run(&scenario, &opts).unwrap_or_else(|e| panic!("{test}@{config} on {}: {e}", rtl.display()))
}

/// [`failing_rule`] under the RTL configuration `config`.
pub fn failing_rule_under(rtl: &Path, test: &str, config: &str, lockstep: bool) -> String {
    let r = run_under(rtl, test, config, lockstep);
    assert_eq!(r.status, Status::Fail, "the planted bug went unnoticed by {test}@{config} (lockstep {lockstep})");
    let failure = r.failure.as_deref().unwrap_or("");
    // MUTANT_VERBOSE=1 shows the whole failure report (mismatch context, recent transactions).
    let shown = if std::env::var_os("MUTANT_VERBOSE").is_some() { failure } else { failure.lines().next().unwrap_or("") };
    eprintln!("{test} (lockstep {lockstep}): {shown}");
    r.rule.unwrap()
}
