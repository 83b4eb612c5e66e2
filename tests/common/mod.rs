//! Shared set-up of the integration tests: the project's RTL and build cache.
#![allow(dead_code)]

use std::path::PathBuf;
use tb::run::{self, RunOptions, RunResult, Status};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn opts() -> RunOptions {
    RunOptions::for_repo(&root())
}

/// A registered test of either flavor (test names are unique across flavors).
pub fn find(test: &str) -> &'static tb::registry::TestDef {
    tb::flavors::find_test(None, test).unwrap().1
}

/// Run a registered test with a seed; panic with the failure report if it does not pass.
pub fn expect_pass(test: &str, seed: u64) -> RunResult {
    let def = find(test);
    let r = run::run(&(def.scenario)(seed), &opts()).unwrap_or_else(|e| panic!("{test} seed {seed}: {e}"));
    assert_eq!(r.status, Status::Pass, "{test} seed {seed} failed:\n{}", r.failure.as_deref().unwrap_or(""));
    r
}

/// Run the `iommu-tb` binary in the project root.
pub fn iommu_tb(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_iommu-tb")).args(args).current_dir(root()).output().unwrap()
}

/// Bytes of a captured stream as text.
pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The last line of `out` that starts with `prefix`, without it.
pub fn line_after<'a>(out: &'a str, prefix: &str) -> &'a str {
    out.lines().filter_map(|l| l.strip_prefix(prefix)).next_back().unwrap_or_else(|| panic!("no `{prefix}` line in:\n{out}"))
}
