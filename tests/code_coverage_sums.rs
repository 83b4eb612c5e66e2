//! Code coverage summed per worker in memory (renewed instances) equals the per-run files of new
//! instances merged: the same points with the same counts and the same runs, on a small plan of
//! both flavors and a parameter corner.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use tb::regress::{self, CodeCoverageOut, Plan};
use tb::run::RunOptions;

fn dir(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("code-coverage-sums").join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn per_worker_sums_equal_merged_per_run_files() {
    let root = sim::repo_root().unwrap();
    let tests = ["basic_write", "random", "vtd_basic_write", "vtd_random"].map(String::from).to_vec();
    let work = regress::plan(&Plan { seeds: 2, corner_seeds: 1, first_seed: 1, tests, ..Default::default() }).unwrap();
    assert!(work.iter().any(|s| s.config != "default"), "the plan has a corner");
    let opts = RunOptions::for_repo(&root);
    let stop = AtomicBool::new(false);
    let (per_run, per_worker) = (dir("per-run"), dir("per-worker"));
    let a = regress::execute(&work, &opts, CodeCoverageOut::PerRun(&per_run), 2, &stop, &|_| {}).unwrap();
    let b = regress::execute(&work, &opts, CodeCoverageOut::PerWorker(&per_worker), 2, &stop, &|_| {}).unwrap();
    assert_eq!(a.runs.len(), work.len());
    // New instances (per-run files) and renewed ones (summed counters) run the same.
    let outcome = |e: &regress::Execution| e.runs.iter().map(|r| (r.test.clone(), r.seed, r.status, r.cycles)).collect::<Vec<_>>();
    assert_eq!(outcome(&a), outcome(&b));
    let files = |d: &PathBuf| std::fs::read_dir(d).unwrap().count();
    assert_eq!(files(&per_run), work.len(), "one file per run");
    assert!(files(&per_worker) <= 2 * 6, "at most one file per worker and build");
    let reference = regress::merge_code_coverage(&per_run).unwrap();
    let summed = regress::merge_code_coverage(&per_worker).unwrap();
    assert!(reference.len() > 1000, "{} points", reference.len());
    let differ: Vec<String> = reference
        .iter()
        .filter(|(id, c)| summed.count(id) != Some(*c))
        .take(5)
        .map(|(id, c)| format!("{id}: per run {c}, summed {:?}", summed.count(id)))
        .collect();
    assert!(differ.is_empty(), "{} points differ, e.g.\n{}", differ.len(), differ.join("\n"));
    assert_eq!(reference, summed);
}
